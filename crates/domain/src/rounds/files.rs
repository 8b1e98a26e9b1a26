//! The round's published files: `rules.toml` as the host wrote it, and `scores.csv`,
//! `proposals.csv` and `recusals.csv` made from the round. The result is always computed from
//! these texts by [`competition::decide`], the call `chuangxiang compute competition` makes on
//! the downloaded files, so the files recompute to the page's digits by construction.

use super::Round;
use crate::competition::{self, Outcome, Problem, Sources};
use std::collections::HashSet;

/// The four input files of a round, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedFiles {
    pub rules: String,
    pub scores: String,
    pub proposals: String,
    pub recusals: String,
}

impl PublishedFiles {
    pub fn sources(&self) -> Sources<'_> {
        Sources {
            rules: &self.rules,
            scores: &self.scores,
            proposals: &self.proposals,
            recusals: Some(&self.recusals),
        }
    }
}

/// Why a round's files could not be made: the stored round contradicts itself.
#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    #[error("sheet {0} is by someone who is not a judge of the round")]
    NotAJudge(i64),
    #[error("writing a file: {0}")]
    Csv(#[from] csv::Error),
    #[error("a file is not UTF-8: {0}")]
    Text(#[from] std::string::FromUtf8Error),
}

impl Round {
    /// The round's four input files, for the proposals in `only` (all when None). Text cells
    /// go through the spreadsheet guard; the judges' labels, the rules' keys (ASCII identifiers
    /// that must match rules.toml) and the numbers are written as they are.
    pub fn files(&self, only: Option<&HashSet<i64>>) -> Result<PublishedFiles, FilesError> {
        let keep = |p: i64| only.is_none_or(|o| o.contains(&p));
        let mut scores = csv::Writer::from_writer(Vec::new());
        scores.write_record(["proposal", "judge", "group", "criterion", "score", "source"])?;
        for s in self.sheets.iter().filter(|s| keep(s.proposal_id)) {
            let (Some(judge), Some(label)) = (self.judge(s.account_id), self.label(s.account_id))
            else {
                return Err(FilesError::NotAJudge(s.id));
            };
            // In the rubric's order, so the file reads like the paper sheet.
            for c in self.rules.criteria() {
                if let Some(score) = s.scores.get(&c.key) {
                    scores.write_record([
                        s.proposal_id.to_string(),
                        label.clone(),
                        judge.group.clone(),
                        c.key.clone(),
                        score.normalize().to_string(),
                        // Which sheets staff typed in from paper; the engine reads past it.
                        s.source.key().to_owned(),
                    ])?;
                }
            }
        }
        let mut proposals = csv::Writer::from_writer(Vec::new());
        proposals.write_record(["proposal", "community", "cost", "supports"])?;
        for p in self.proposals.iter().filter(|p| keep(p.proposal_id)) {
            proposals.write_record([
                p.proposal_id.to_string(),
                community_cell(&p.community),
                p.cost.clone(),
                p.supports.to_string(),
            ])?;
        }
        let mut recusals = csv::Writer::from_writer(Vec::new());
        recusals.write_record(["judge", "proposal"])?;
        for r in self.recusals.iter().filter(|r| keep(r.proposal_id)) {
            if let Some(label) = self.label(r.account_id) {
                recusals.write_record([label, r.proposal_id.to_string()])?;
            }
        }
        Ok(PublishedFiles {
            rules: self.rules_text.clone(),
            scores: finish(scores)?,
            proposals: finish(proposals)?,
            recusals: finish(recusals)?,
        })
    }

    /// The engine's decision on the round's files (all proposals, or those in `only`): the
    /// outcome, or the problems the engine found in them.
    pub fn decide(
        &self,
        only: Option<&HashSet<i64>>,
    ) -> Result<Result<Outcome, Vec<Problem>>, FilesError> {
        Ok(competition::decide(&self.files(only)?.sources()))
    }
}

fn finish(w: csv::Writer<Vec<u8>>) -> Result<String, FilesError> {
    let bytes = w
        .into_inner()
        .map_err(|e| FilesError::Csv(e.into_error().into()))?;
    Ok(String::from_utf8(bytes)?)
}

/// A text cell a spreadsheet would otherwise run as a formula gets a leading apostrophe.
fn spreadsheet_text(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// A community's name as a cell of proposals.csv: guarded like every text cell, and still one
/// name per community, because the engine counts the per-community cap by this text. The guard
/// turns `=X` into `'=X`, so a name that already starts with an apostrophe gets one more:
/// `'=X` becomes `''=X` and the two communities stay two.
fn community_cell(name: &str) -> String {
    if name.starts_with('\'') {
        format!("'{name}")
    } else {
        spreadsheet_text(name)
    }
}

#[cfg(test)]
mod tests {
    use super::super::round::{sheet, small_round};
    use super::*;

    #[test]
    fn a_small_round_publishes_its_four_files_and_they_decide_its_result() {
        let mut round = small_round();
        round.sheets = vec![
            sheet(1, 11, 7, 18, 12),
            sheet(2, 12, 7, 16, 11),
            sheet(3, 12, 9, 20, 15),
        ];
        let files = round.files(None).expect("files");
        assert_eq!(files.rules, round.rules_text);
        assert_eq!(
            files.scores,
            "proposal,judge,group,criterion,score,source\n\
             7,J01,public,goals,18,phone\n\
             7,J01,public,presentation,12,phone\n\
             7,J02,expert,goals,16,paper\n\
             7,J02,expert,presentation,11,paper\n\
             9,J02,expert,goals,20,paper\n\
             9,J02,expert,presentation,15,paper\n"
        );
        assert_eq!(
            files.proposals,
            "proposal,community,cost,supports\n\
             7,花家地西里三区,12000.50,7\n\
             9,'=望京,12000.50,9\n"
        );
        assert_eq!(files.recusals, "judge,proposal\nJ01,9\n");
        let outcome = round.decide(None).expect("files").expect("decided");
        assert_eq!(outcome.proposals.len(), 2);
        assert_eq!(
            outcome,
            competition::decide(&files.sources()).expect("decided"),
            "the engine on the files is the round's result"
        );
    }

    #[test]
    fn the_files_of_some_proposals_leave_the_others_out() {
        let mut round = small_round();
        round.sheets = vec![sheet(1, 11, 7, 18, 12), sheet(3, 12, 9, 20, 15)];
        let files = round.files(Some(&HashSet::from([9]))).expect("files");
        assert!(!files.scores.contains("\n7,"));
        assert_eq!(
            files.proposals,
            "proposal,community,cost,supports\n9,'=望京,12000.50,9\n"
        );
        assert_eq!(files.recusals, "judge,proposal\nJ01,9\n");
    }

    #[test]
    fn a_community_already_starting_with_an_apostrophe_stays_a_different_cell() {
        assert_eq!(community_cell("=X"), "'=X");
        assert_eq!(community_cell("'=X"), "''=X");
        assert_eq!(community_cell("望京"), "望京");
    }

    #[test]
    fn a_sheet_by_someone_who_is_not_a_judge_is_refused_not_relabelled() {
        let mut round = small_round();
        round.sheets = vec![sheet(5, 99, 7, 1, 1)];
        assert!(matches!(round.files(None), Err(FilesError::NotAJudge(5))));
    }
}
