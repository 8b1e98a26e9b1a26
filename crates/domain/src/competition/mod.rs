//! The proposal competition (提案大赛): how a jury's score sheets become a ranking and a list of
//! funded proposals, exactly as `shared/design/scoring.md` states it.
//!
//! The web app, the exports and `chuangxiang compute competition` all call this module, so anyone
//! holding a published result's files can recompute it and get the same digits. Start from
//! [`decide`] with the four files' text, or from [`Rules::from_toml`], the `parse_*` functions
//! and [`compute`] with rows from elsewhere.

mod agreement;
mod engine;
mod exact;
mod input;
mod lot;
mod outcome;
mod problem;
mod rules;

pub use agreement::kendalls_w;
pub use engine::compute;
pub use exact::Exact;
pub use input::{
    ProposalRow, Recusal, ScoreRow, decode_utf8, parse_proposals, parse_recusals, parse_scores,
};
pub use lot::lot_key;
pub use outcome::{Agreement, GroupResult, JudgeTotal, Outcome, ProposalResult, Reason};
pub use problem::{Expected, InputFile, Lang, Problem, ProblemKind};
pub use rules::{Aggregate, Criterion, JuryGroup, Rules, Selection, TieBreak};

use engine::{ProposalEntry, Round, ScoreEntry, sort_problems};

/// The text of a competition's input files.
#[derive(Clone, Copy, Debug)]
pub struct Sources<'a> {
    pub rules: &'a str,
    pub scores: &'a str,
    pub proposals: &'a str,
    pub recusals: Option<&'a str>,
}

/// Decides a competition from its files, or lists every problem in them.
///
/// Each file is read in full even when another is broken, so one run lists all that needs fixing.
/// Checks across files (an unknown proposal, a score above its criterion's maximum) need the other
/// files' headers and the rules to be readable; until they are, those checks wait for the next run.
pub fn decide(sources: &Sources<'_>) -> Result<Outcome, Vec<Problem>> {
    let rules = Rules::from_toml(sources.rules);
    let scores = input::read_scores(sources.scores);
    let proposals = input::read_proposals(sources.proposals);
    let recusals = sources.recusals.map(input::read_recusals);

    let mut problems = Vec::new();
    if let Err(rule_problems) = &rules {
        problems.extend(rule_problems.iter().cloned());
    }
    problems.extend(scores.read.problems.iter().cloned());
    problems.extend(proposals.read.problems.iter().cloned());
    if let Some(recusals) = &recusals {
        problems.extend(recusals.problems.iter().cloned());
    }

    let readable = scores.read.readable
        && proposals.read.readable
        && recusals.as_ref().is_none_or(|r| r.readable);
    if let (Ok(rules), true) = (&rules, readable) {
        let mut proposal_entries: Vec<ProposalEntry<'_>> = proposals
            .read
            .rows
            .iter()
            .map(ProposalEntry::from)
            .collect();
        proposal_entries.extend(proposals.unreadable.iter().map(|u| ProposalEntry {
            line: u.line,
            proposal: &u.proposal,
            row: None,
        }));
        // Back into file order: duplicates name their first line, and unrankable proposals are
        // listed in the order of proposals.csv.
        proposal_entries.sort_by_key(|e| e.line);
        let mut score_entries: Vec<ScoreEntry<'_>> =
            scores.read.rows.iter().map(ScoreEntry::from).collect();
        score_entries.extend(scores.unreadable.iter().map(|u| ScoreEntry {
            line: u.line,
            proposal: &u.proposal,
            judge: &u.judge,
            group: &u.group,
            criterion: &u.criterion,
            score: None,
        }));
        score_entries.sort_by_key(|e| e.line);
        let recusal_rows = recusals.as_ref().map_or(&[][..], |r| &r.rows[..]);
        let (round, round_problems) =
            Round::assemble(rules, &proposal_entries, &score_entries, recusal_rows);
        problems.extend(round_problems);
        if problems.is_empty() {
            return Ok(round.decide());
        }
    }
    sort_problems(&mut problems);
    Err(problems)
}
