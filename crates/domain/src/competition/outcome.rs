//! What a competition decided: the ranking, the winners, and every number behind them, so that a
//! proposer can follow their own score from each judge's sheet to their rank.

use rust_decimal::Decimal;

use super::exact::Exact;
use super::problem::Lang;
use super::rules::JuryGroup;

/// The decision, proposals in ranking order followed by those that could not be ranked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The jury groups with their weights, in the rules' order (the page shows the weights).
    pub groups: Vec<JuryGroup>,
    pub proposals: Vec<ProposalResult>,
    /// Kendall's W for each group, in the rules' order.
    pub agreement: Vec<Agreement>,
}

/// One proposal's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProposalResult {
    pub proposal: String,
    pub community: String,
    pub cost: Decimal,
    pub supports: u64,
    /// One entry per jury group, in the rules' order.
    pub groups: Vec<GroupResult>,
    /// `None` when the proposal is not rankable.
    pub final_score: Option<Exact>,
    /// 1 for the best. Proposals that every tie-break leaves equal share a rank (`1, 2, 2, 4`) and
    /// are listed by proposal id; rules that want a strict order end `tie_break` with `"lot"`.
    pub rank: Option<usize>,
    pub selected: bool,
    /// Why the proposal was not selected; `None` for a winner.
    pub reason: Option<Reason>,
    /// The proposal's lot ([`lot_key`](super::lot_key)) when the rules break ties by lot.
    pub lot: Option<String>,
}

/// How one jury group scored one proposal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupResult {
    pub group: String,
    /// Every judge's sheet total, highest first. `totals[i]` is shown as 评委{i+1}: the order is
    /// by value, not by judge, so the label reveals nothing about who gave it.
    pub totals: Vec<JudgeTotal>,
    /// `None` when the group lacked its quorum.
    pub aggregate: Option<Exact>,
}

/// One judge's sheet total, anonymous.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JudgeTotal {
    pub total: Decimal,
    /// Whether trimming left it out of the aggregate.
    pub dropped: bool,
}

/// Why a proposal was not selected.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// `max_winners` had been reached.
    Quota,
    /// Its cost exceeded what was left of the budget.
    Budget,
    /// Its community already had `per_community_max` winners.
    CommunityCap,
    /// This group (the first in the rules' order that did) lacked its quorum.
    NoQuorum(String),
}

impl Reason {
    /// The code written in `results.csv`: `quota`, `budget`, `community_cap`, `no_quorum:<group>`.
    pub fn code(&self) -> String {
        match self {
            Self::Quota => "quota".into(),
            Self::Budget => "budget".into(),
            Self::CommunityCap => "community_cap".into(),
            Self::NoQuorum(group) => format!("no_quorum:{group}"),
        }
    }

    /// The reason in words, for the result page.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (Self::Quota, Lang::Zh) => "入选名额已满".into(),
            (Self::Quota, Lang::En) => "the number of winners was reached".into(),
            (Self::Budget, Lang::Zh) => "剩余预算不足".into(),
            (Self::Budget, Lang::En) => "its cost exceeded the remaining budget".into(),
            (Self::CommunityCap, Lang::Zh) => "所在社区的入选数已达上限".into(),
            (Self::CommunityCap, Lang::En) => {
                "its community had reached its number of winners".into()
            }
            (Self::NoQuorum(group), Lang::Zh) => format!("评委组 “{group}” 评分人数不足"),
            (Self::NoQuorum(group), Lang::En) => format!("too few judges of \"{group}\" scored it"),
        }
    }
}

/// How far a group's judges agreed, by Kendall's coefficient of concordance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agreement {
    pub group: String,
    /// Judges of the group (everyone who scored in it).
    pub judges: usize,
    /// Proposals that all of them scored: the ones W is computed over.
    pub proposals: usize,
    /// From 0 (no agreement) to 1 (identical rankings); `None` with fewer than two judges or
    /// proposals, or when every judge gave every proposal the same total.
    pub w: Option<Exact>,
}

impl Outcome {
    /// `results.csv`: `rank,proposal,final,<group keys>,selected,reason`, figures rounded
    /// half-to-even to 4 decimals, lines ending in `\n`.
    pub fn to_results_csv(&self) -> String {
        let mut out = String::new();
        let mut header = vec!["rank".to_string(), "proposal".into(), "final".into()];
        header.extend(self.groups.iter().map(|g| g.key.clone()));
        header.extend(["selected".into(), "reason".into()]);
        push_record(&mut out, &header);
        for result in &self.proposals {
            let mut record = vec![
                result.rank.map(|r| r.to_string()).unwrap_or_default(),
                result.proposal.clone(),
                result
                    .final_score
                    .as_ref()
                    .map(Exact::for_csv)
                    .unwrap_or_default(),
            ];
            record.extend(
                result
                    .groups
                    .iter()
                    .map(|g| g.aggregate.as_ref().map(Exact::for_csv).unwrap_or_default()),
            );
            record.push(if result.selected { "yes" } else { "no" }.into());
            record.push(result.reason.as_ref().map(Reason::code).unwrap_or_default());
            push_record(&mut out, &record);
        }
        out
    }

    /// The selected proposals, in ranking order.
    pub fn winners(&self) -> impl Iterator<Item = &ProposalResult> {
        self.proposals.iter().filter(|p| p.selected)
    }
}

fn push_record(out: &mut String, fields: &[String]) {
    for (index, field) in fields.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        if field.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out.push('\n');
}
