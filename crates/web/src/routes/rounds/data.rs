//! What a round's pages and files are computed from.

use super::{rules_of, status_of};
use crate::AppState;
use crate::error::{AppError, AppResult};
use crate::routes::export::spreadsheet_text;
use chuangxiang_domain::competition::{self, Lang, Outcome, Rules, Sources};
use chuangxiang_domain::rounds::{RoundStatus, SheetSource};
use chuangxiang_store::{org, proposals, rounds, season};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Everything about a round that its files and pages are computed from.
pub(super) struct RoundData {
    pub(super) round: rounds::Round,
    pub(super) status: RoundStatus,
    pub(super) rules: Rules,
    /// In running order once drawn.
    pub(super) proposals: Vec<(rounds::RoundProposal, proposals::Proposal)>,
    pub(super) communities: HashMap<i64, String>,
    pub(super) supports: HashMap<i64, i64>,
    pub(super) judges: Vec<rounds::Judge>,
    pub(super) recusals: Vec<rounds::Recusal>,
    pub(super) sheets: Vec<rounds::Sheet>,
}

impl RoundData {
    /// The anonymous name a judge has in the published files: J01, J02… in the order judges
    /// were added.
    pub(super) fn label(&self, account_id: i64) -> String {
        let i = self
            .judges
            .iter()
            .position(|j| j.account_id == account_id)
            .unwrap_or(0);
        format!("J{:02}", i + 1)
    }

    pub(super) fn recused(&self, account_id: i64, proposal_id: i64) -> bool {
        self.recusals
            .iter()
            .any(|r| r.account_id == account_id && r.proposal_id == proposal_id)
    }

    pub(super) fn sheet(&self, account_id: i64, proposal_id: i64) -> Option<&rounds::Sheet> {
        self.sheets
            .iter()
            .find(|s| s.account_id == account_id && s.proposal_id == proposal_id)
    }

    /// Judges expected to score the proposal, and how many have.
    pub(super) fn progress(&self, proposal_id: i64) -> (usize, usize) {
        let expected = self
            .judges
            .iter()
            .filter(|j| !self.recused(j.account_id, proposal_id))
            .count();
        let done = self
            .sheets
            .iter()
            .filter(|s| s.proposal_id == proposal_id)
            .count();
        (done, expected)
    }

    pub(super) fn position(&self, proposal_id: i64) -> Option<i32> {
        self.proposals
            .iter()
            .find(|(rp, _)| rp.proposal_id == proposal_id)
            .and_then(|(rp, _)| rp.position)
    }

    /// Whether the proposal has been called on stage: it is on stage, or came before.
    pub(super) fn presented(&self, proposal_id: i64) -> bool {
        let Some(current) = self.round.presenting.and_then(|p| self.position(p)) else {
            return false;
        };
        self.position(proposal_id).is_some_and(|p| p <= current)
    }

    pub(super) fn title(&self, proposal_id: i64) -> String {
        self.proposals
            .iter()
            .find(|(_, p)| p.id == proposal_id)
            .map(|(_, p)| p.title.clone())
            .unwrap_or_default()
    }

    pub(super) fn community_of(&self, proposal_id: i64) -> String {
        self.proposals
            .iter()
            .find(|(_, p)| p.id == proposal_id)
            .and_then(|(_, p)| self.communities.get(&p.community_id).cloned())
            .unwrap_or_default()
    }

    /// The round's four input files, for the proposals in `only` (all when None).
    pub(super) fn files(&self, only: Option<&HashSet<i64>>) -> AppResult<Files> {
        let keep = |p: i64| only.is_none_or(|o| o.contains(&p));
        let csv_err = |e: csv::Error| AppError::Internal(e.to_string());
        let finish = |w: csv::Writer<Vec<u8>>| {
            w.into_inner()
                .map_err(|e| AppError::Internal(e.to_string()))
                .and_then(|b| String::from_utf8(b).map_err(|e| AppError::Internal(e.to_string())))
        };
        // Text cells go through the spreadsheet guard; the judges' labels, the rules' keys (ASCII
        // identifiers that must match rules.toml) and the numbers are written as they are.
        let mut scores = csv::Writer::from_writer(Vec::new());
        scores
            .write_record(["proposal", "judge", "group", "criterion", "score", "source"])
            .map_err(csv_err)?;
        for s in self.sheets.iter().filter(|s| keep(s.proposal_id)) {
            let group = self
                .judges
                .iter()
                .find(|j| j.account_id == s.account_id)
                .map(|j| j.group_key.clone())
                .unwrap_or_default();
            let sheet: BTreeMap<String, Decimal> = serde_json::from_str(&s.scores)
                .map_err(|e| AppError::Internal(format!("sheet {}: {e}", s.id)))?;
            // Which sheets staff typed in from paper; the engine reads past the column.
            let source = SheetSource::of_paper(s.paper).key();
            // In the rubric's order, so the file reads like the paper sheet.
            for c in self.rules.criteria() {
                if let Some(score) = sheet.get(&c.key) {
                    scores
                        .write_record([
                            s.proposal_id.to_string(),
                            self.label(s.account_id),
                            group.clone(),
                            c.key.clone(),
                            score.normalize().to_string(),
                            source.to_owned(),
                        ])
                        .map_err(csv_err)?;
                }
            }
        }
        let mut proposals = csv::Writer::from_writer(Vec::new());
        proposals
            .write_record(["proposal", "community", "cost", "supports"])
            .map_err(csv_err)?;
        for (_, p) in self.proposals.iter().filter(|(_, p)| keep(p.id)) {
            proposals
                .write_record([
                    p.id.to_string(),
                    community_cell(
                        self.communities
                            .get(&p.community_id)
                            .map(String::as_str)
                            .unwrap_or_default(),
                    ),
                    p.budget_total.clone(),
                    self.supports.get(&p.id).copied().unwrap_or(0).to_string(),
                ])
                .map_err(csv_err)?;
        }
        let mut recusals = csv::Writer::from_writer(Vec::new());
        recusals
            .write_record(["judge", "proposal"])
            .map_err(csv_err)?;
        for r in self.recusals.iter().filter(|r| keep(r.proposal_id)) {
            if self.judges.iter().any(|j| j.account_id == r.account_id) {
                recusals
                    .write_record([self.label(r.account_id), r.proposal_id.to_string()])
                    .map_err(csv_err)?;
            }
        }
        Ok(Files {
            rules: self.round.rules.clone(),
            scores: finish(scores)?,
            proposals: finish(proposals)?,
            recusals: finish(recusals)?,
        })
    }

    /// The engine's decision on the files (all proposals, or those in `only`).
    pub(super) fn decide(&self, only: Option<&HashSet<i64>>) -> AppResult<Result<Outcome, String>> {
        let f = self.files(only)?;
        Ok(competition::decide(&Sources {
            rules: &f.rules,
            scores: &f.scores,
            proposals: &f.proposals,
            recusals: Some(&f.recusals),
        })
        .map_err(|problems| {
            problems
                .iter()
                .map(|p| p.message(Lang::Zh))
                .collect::<Vec<_>>()
                .join("\n")
        }))
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

pub(super) struct Files {
    pub(super) rules: String,
    pub(super) scores: String,
    pub(super) proposals: String,
    pub(super) recusals: String,
}

pub(super) async fn round_data(state: &AppState, round: rounds::Round) -> AppResult<RoundData> {
    let status = status_of(&round)?;
    let rules = rules_of(&round)?;
    let street = season::by_id(&state.db, round.season_id).await?.street_id;
    let communities = org::communities(&state.db, street)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    // A fixed number of queries however many proposals: this runs on every sheet submitted.
    let in_round = rounds::proposals(&state.db, round.id).await?;
    let ids: Vec<i64> = in_round.iter().map(|rp| rp.proposal_id).collect();
    let mut by_id: HashMap<i64, proposals::Proposal> = proposals::by_ids(&state.db, &ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let supports = rounds::supports_of(&state.db, &ids).await?;
    let list = in_round
        .into_iter()
        .map(|rp| {
            let p = by_id.remove(&rp.proposal_id).ok_or(AppError::NotFound)?;
            Ok((rp, p))
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(RoundData {
        judges: rounds::judges(&state.db, round.id).await?,
        recusals: rounds::recusals(&state.db, round.id).await?,
        sheets: rounds::sheets(&state.db, round.id).await?,
        round,
        status,
        rules,
        proposals: list,
        communities,
        supports,
    })
}
