//! A round as one value: its status, rules, running order, judges, recusals and sheets, loaded
//! together so that the questions asked of it ("may this judge submit now?", "how far is this
//! proposal?") are answered in one place, the same for the judge's phone, the host's page and
//! the projector.

use super::{RecusalReason, RoundError, RoundStatus, SheetSource};
use crate::competition::Rules;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// A live competition round and everything its pages and files are computed from.
#[derive(Debug, Clone)]
pub struct Round {
    pub id: i64,
    pub street_id: i64,
    pub season_id: i64,
    pub name: String,
    pub status: RoundStatus,
    pub rules: Rules,
    /// The rules as the host typed them: `rules.toml` is published exactly so.
    pub rules_text: String,
    pub seed: String,
    pub drawn: bool,
    /// The proposal on stage, and since when (milliseconds since the epoch).
    pub presenting: Option<i64>,
    pub presenting_since: Option<i64>,
    /// The notice period (公示), once published.
    pub notice: Option<(NaiveDate, NaiveDate)>,
    /// `results.csv` as computed when the round closed.
    pub results: Option<String>,
    /// In running order once drawn.
    pub proposals: Vec<RoundProposal>,
    /// In the order they were added, which gives their anonymous labels.
    pub judges: Vec<Judge>,
    pub recusals: Vec<Recusal>,
    pub sheets: Vec<ScoreSheet>,
}

/// A proposal competing in a round, with what the files and the screens say about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundProposal {
    pub proposal_id: i64,
    /// Its place in the running order, once drawn (1 is first on stage).
    pub position: Option<i32>,
    pub title: String,
    pub community_id: i64,
    /// The community's name as residents read it.
    pub community: String,
    /// The budget's total in yuan, exact, as the proposal states it.
    pub cost: String,
    /// Residents' supports of the ideas behind it: a tie-break.
    pub supports: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judge {
    pub account_id: i64,
    /// The rules' jury group the judge scores in.
    pub group: String,
    pub source: SheetSource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recusal {
    pub account_id: i64,
    pub proposal_id: i64,
    pub reason: RecusalReason,
}

/// One judge's scores for one proposal, by criterion key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreSheet {
    pub id: i64,
    pub proposal_id: i64,
    pub account_id: i64,
    pub scores: BTreeMap<String, Decimal>,
    pub source: SheetSource,
}

/// How far a proposal's scoring is: sheets in, and judges expected (those not recused).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub submitted: usize,
    pub expected: usize,
}

impl Progress {
    /// Every judge expected has submitted (and at least one was expected).
    pub fn complete(self) -> bool {
        self.expected > 0 && self.submitted >= self.expected
    }
}

/// Where a judge stands with one proposal, as their phone shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JudgeSheet {
    Recused,
    Submitted,
    /// Called on stage (now or before) in an open round: the judge may score it.
    ToScore,
    Waiting,
}

impl JudgeSheet {
    /// The message id of the state, `judge-state-…`.
    pub fn message_id(self) -> &'static str {
        match self {
            JudgeSheet::Recused => "judge-state-recused",
            JudgeSheet::Submitted => "judge-state-submitted",
            JudgeSheet::ToScore => "judge-state-to-score",
            JudgeSheet::Waiting => "judge-state-waiting",
        }
    }
}

impl Round {
    pub fn proposal(&self, proposal_id: i64) -> Option<&RoundProposal> {
        self.proposals.iter().find(|p| p.proposal_id == proposal_id)
    }

    /// The proposal's title, or nothing for a proposal not in the round.
    pub fn title_of(&self, proposal_id: i64) -> &str {
        self.proposal(proposal_id).map_or("", |p| p.title.as_str())
    }

    /// The proposal's community's name, or nothing for a proposal not in the round.
    pub fn community_of(&self, proposal_id: i64) -> &str {
        self.proposal(proposal_id)
            .map_or("", |p| p.community.as_str())
    }

    pub fn judge(&self, account_id: i64) -> Option<&Judge> {
        self.judges.iter().find(|j| j.account_id == account_id)
    }

    /// The anonymous name a judge has in the published files: J01, J02… in the order judges
    /// were added.
    pub fn label(&self, account_id: i64) -> Option<String> {
        self.judges
            .iter()
            .position(|j| j.account_id == account_id)
            .map(|i| format!("J{:02}", i + 1))
    }

    pub fn is_recused(&self, account_id: i64, proposal_id: i64) -> bool {
        self.recusals
            .iter()
            .any(|r| r.account_id == account_id && r.proposal_id == proposal_id)
    }

    pub fn sheet(&self, account_id: i64, proposal_id: i64) -> Option<&ScoreSheet> {
        self.sheets
            .iter()
            .find(|s| s.account_id == account_id && s.proposal_id == proposal_id)
    }

    /// Judges expected to score the proposal, and how many have.
    pub fn progress(&self, proposal_id: i64) -> Progress {
        Progress {
            submitted: self
                .sheets
                .iter()
                .filter(|s| s.proposal_id == proposal_id)
                .count(),
            expected: self
                .judges
                .iter()
                .filter(|j| !self.is_recused(j.account_id, proposal_id))
                .count(),
        }
    }

    /// Whether the proposal has been called on stage: it is on stage, or came before.
    pub fn presented(&self, proposal_id: i64) -> bool {
        let position = |p: i64| self.proposal(p).and_then(|p| p.position);
        let Some(current) = self.presenting.and_then(position) else {
            return false;
        };
        position(proposal_id).is_some_and(|p| p <= current)
    }

    /// Whether a judge may submit a sheet for a proposal now: the round is open, the proposal
    /// has been called (it is on stage or was before), the judge is not recused, and has not
    /// submitted. The store's conditional insert still stops a sheet that raced this check.
    pub fn may_submit(&self, account_id: i64, proposal_id: i64) -> Result<(), RoundError> {
        if self.status != RoundStatus::Open {
            return Err(RoundError::NotOpen);
        }
        if !self.presented(proposal_id) {
            return Err(RoundError::NotPresented);
        }
        if self.is_recused(account_id, proposal_id) {
            return Err(RoundError::Recused);
        }
        if self.sheet(account_id, proposal_id).is_some() {
            return Err(RoundError::AlreadySubmitted);
        }
        Ok(())
    }

    /// A judge may declare a conflict with a proposal they have not scored, until the round
    /// closes. (Declaring one already recorded changes nothing.)
    pub fn may_declare_conflict(&self, account_id: i64, proposal_id: i64) -> bool {
        self.sheet(account_id, proposal_id).is_none()
            && matches!(self.status, RoundStatus::Setup | RoundStatus::Open)
    }

    /// Where the judge stands with the proposal.
    pub fn judge_sheet(&self, account_id: i64, proposal_id: i64) -> JudgeSheet {
        if self.is_recused(account_id, proposal_id) {
            JudgeSheet::Recused
        } else if self.sheet(account_id, proposal_id).is_some() {
            JudgeSheet::Submitted
        } else if self.status == RoundStatus::Open && self.presented(proposal_id) {
            JudgeSheet::ToScore
        } else {
            JudgeSheet::Waiting
        }
    }
}

/// A small open round for the tests: two proposals drawn 7 then 9, one public judge (11, who
/// lives by proposal 9 and is recused from it), one expert (12) who scores on paper, and
/// proposal 7 on stage.
#[cfg(test)]
pub(super) fn small_round() -> Round {
    let rules_text = r#"step = 0.5

[[criteria]]
key = "goals"
max = 20

[[criteria]]
key = "presentation"
max = 15

[[groups]]
key = "public"
weight = 40
quorum = 1

[[groups]]
key = "expert"
weight = 60
quorum = 1

[selection]
max_winners = 10
budget = "1000000.00"
per_community_max = 1
tie_break = ["lot"]
seed = "small"
"#;
    let proposal = |id: i64, position: i32, title: &str, community: &str| RoundProposal {
        proposal_id: id,
        position: Some(position),
        title: title.to_owned(),
        community_id: id * 10,
        community: community.to_owned(),
        cost: "12000.50".to_owned(),
        supports: id,
    };
    Round {
        id: 3,
        street_id: 1,
        season_id: 2,
        name: "决赛".to_owned(),
        status: RoundStatus::Open,
        rules: Rules::from_toml(rules_text).expect("valid rules"),
        rules_text: rules_text.to_owned(),
        seed: "small".to_owned(),
        drawn: true,
        presenting: Some(7),
        presenting_since: Some(1_000),
        notice: None,
        results: None,
        proposals: vec![
            proposal(7, 1, "楼道灯", "花家地西里三区"),
            proposal(9, 2, "口袋公园", "=望京"),
        ],
        judges: vec![
            Judge {
                account_id: 11,
                group: "public".to_owned(),
                source: SheetSource::Phone,
            },
            Judge {
                account_id: 12,
                group: "expert".to_owned(),
                source: SheetSource::Paper,
            },
        ],
        recusals: vec![Recusal {
            account_id: 11,
            proposal_id: 9,
            reason: RecusalReason::LivesThere,
        }],
        sheets: vec![],
    }
}

/// A sheet of `goals` and `presentation` scores.
#[cfg(test)]
pub(super) fn sheet(
    id: i64,
    judge: i64,
    proposal: i64,
    goals: i64,
    presentation: i64,
) -> ScoreSheet {
    let source = if judge == 12 {
        SheetSource::Paper
    } else {
        SheetSource::Phone
    };
    ScoreSheet {
        id,
        proposal_id: proposal,
        account_id: judge,
        scores: BTreeMap::from([
            ("goals".to_owned(), Decimal::from(goals)),
            ("presentation".to_owned(), Decimal::from(presentation)),
        ]),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_judge_may_submit_once_for_a_called_proposal_while_the_round_is_open() {
        let mut round = small_round();
        assert_eq!(round.may_submit(11, 7), Ok(()));
        assert_eq!(round.judge_sheet(11, 7), JudgeSheet::ToScore);
        round.sheets.push(sheet(1, 11, 7, 18, 12));
        assert_eq!(round.may_submit(11, 7), Err(RoundError::AlreadySubmitted));
        assert_eq!(round.judge_sheet(11, 7), JudgeSheet::Submitted);
        assert_eq!(round.may_submit(12, 7), Ok(()));
        round.status = RoundStatus::Closed;
        assert_eq!(round.may_submit(12, 7), Err(RoundError::NotOpen));
        assert_eq!(round.judge_sheet(12, 7), JudgeSheet::Waiting);
    }

    #[test]
    fn a_proposal_not_yet_on_stage_is_not_scored() {
        let mut round = small_round();
        assert!(!round.presented(9));
        assert_eq!(round.may_submit(12, 9), Err(RoundError::NotPresented));
        assert_eq!(round.judge_sheet(12, 9), JudgeSheet::Waiting);
        round.presenting = Some(9);
        assert!(round.presented(7), "the proposal before stays scorable");
        assert_eq!(round.may_submit(12, 7), Ok(()));
        assert_eq!(round.may_submit(12, 9), Ok(()));
        round.presenting = None;
        assert_eq!(round.may_submit(12, 7), Err(RoundError::NotPresented));
    }

    #[test]
    fn a_public_judge_who_lives_by_the_proposal_is_recused_and_not_expected() {
        let mut round = small_round();
        round.presenting = Some(9);
        assert_eq!(round.may_submit(11, 9), Err(RoundError::Recused));
        assert_eq!(round.judge_sheet(11, 9), JudgeSheet::Recused);
        assert_eq!(
            round.progress(9),
            Progress {
                submitted: 0,
                expected: 1
            }
        );
        round.sheets.push(sheet(1, 12, 9, 10, 10));
        assert!(round.progress(9).complete());
        assert!(!round.progress(7).complete());
    }

    #[test]
    fn a_conflict_is_declared_before_scoring_and_before_the_round_closes() {
        let mut round = small_round();
        assert!(round.may_declare_conflict(12, 9));
        round.sheets.push(sheet(1, 12, 7, 10, 10));
        assert!(!round.may_declare_conflict(12, 7));
        round.status = RoundStatus::Closed;
        assert!(!round.may_declare_conflict(12, 9));
    }

    #[test]
    fn judges_are_labelled_in_the_order_they_were_added() {
        let round = small_round();
        assert_eq!(round.label(11).as_deref(), Some("J01"));
        assert_eq!(round.label(12).as_deref(), Some("J02"));
        assert_eq!(round.label(13), None);
    }
}
