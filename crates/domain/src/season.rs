//! A season (创享计划 of one year) and its eight steps.

use crate::text;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The eight steps of a season, in order (创享计划 八步骤).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Step {
    /// 基础情况调研
    BaselineSurvey = 1,
    /// 创享计划筹备
    Preparation = 2,
    /// 金点子征集
    IdeaCollection = 3,
    /// 提案撰写优化
    ProposalDrafting = 4,
    /// 提案评选
    Evaluation = 5,
    /// 提案发布
    Publication = 6,
    /// 提案实施跟进以及辅导
    Implementation = 7,
    /// 总结与展示
    Showcase = 8,
}

impl Step {
    pub const ALL: [Step; 8] = [
        Step::BaselineSurvey,
        Step::Preparation,
        Step::IdeaCollection,
        Step::ProposalDrafting,
        Step::Evaluation,
        Step::Publication,
        Step::Implementation,
        Step::Showcase,
    ];

    /// 1 to 8, as printed on posters and stored in the database.
    pub fn number(self) -> i32 {
        self as i32
    }

    pub fn from_number(n: i32) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.number() == n)
    }

    /// A stable key, also the suffix of the step's message ids (`step-<key>`).
    pub fn key(self) -> &'static str {
        match self {
            Step::BaselineSurvey => "baseline-survey",
            Step::Preparation => "preparation",
            Step::IdeaCollection => "idea-collection",
            Step::ProposalDrafting => "proposal-drafting",
            Step::Evaluation => "evaluation",
            Step::Publication => "publication",
            Step::Implementation => "implementation",
            Step::Showcase => "showcase",
        }
    }

    pub fn next(self) -> Option<Self> {
        Self::from_number(self.number() + 1)
    }

    pub fn previous(self) -> Option<Self> {
        Self::from_number(self.number() - 1)
    }
}

/// Why a season could not be changed as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SeasonError {
    #[error("the season is already at its last step")]
    AlreadyLast,
    #[error("the season is already at its first step")]
    AlreadyFirst,
    #[error("moving a season back needs a reason")]
    ReasonRequired,
    #[error("the reason is longer than 500 characters")]
    ReasonTooLong,
    #[error("step {0} ends before it starts")]
    EndsBeforeStart(i32),
    #[error("step {0} starts before the step before it")]
    OutOfOrder(i32),
    #[error("the year must be between 2000 and 2100")]
    YearOutOfRange,
    #[error("the title is empty or longer than 60 characters")]
    TitleInvalid,
    #[error("the reason contains control characters or direction overrides")]
    ReasonHidden,
    #[error("the title contains control characters or direction overrides")]
    TitleHidden,
}

impl SeasonError {
    pub fn message_id(&self) -> &'static str {
        match self {
            Self::AlreadyLast => "err-season-already-last",
            Self::AlreadyFirst => "err-season-already-first",
            Self::ReasonRequired => "err-season-reason-required",
            Self::ReasonTooLong => "err-season-reason-too-long",
            Self::EndsBeforeStart(_) => "err-season-ends-before-start",
            Self::OutOfOrder(_) => "err-season-out-of-order",
            Self::YearOutOfRange => "err-season-year",
            Self::TitleInvalid => "err-season-title",
            Self::ReasonHidden => "err-season-reason-hidden",
            Self::TitleHidden => "err-season-title-hidden",
        }
    }

    /// One of each, for the test that every message exists in every language.
    pub const ALL: [SeasonError; 10] = [
        Self::AlreadyLast,
        Self::AlreadyFirst,
        Self::ReasonRequired,
        Self::ReasonTooLong,
        Self::EndsBeforeStart(1),
        Self::OutOfOrder(1),
        Self::YearOutOfRange,
        Self::TitleInvalid,
        Self::ReasonHidden,
        Self::TitleHidden,
    ];
}

/// The step after `current`, for a street admin's "advance".
pub fn advance(current: Step) -> Result<Step, SeasonError> {
    current.next().ok_or(SeasonError::AlreadyLast)
}

/// The step before `current`. Going back undoes what people were told, so it needs a reason
/// that the audit log keeps ([`text::multi_line`] text).
pub fn move_back(current: Step, reason: &str) -> Result<(Step, String), SeasonError> {
    let reason = text::multi_line(reason)
        .map_err(|e| e.as_field(SeasonError::ReasonRequired, SeasonError::ReasonHidden))?;
    if reason.is_empty() {
        return Err(SeasonError::ReasonRequired);
    }
    if reason.chars().count() > 500 {
        return Err(SeasonError::ReasonTooLong);
    }
    let previous = current.previous().ok_or(SeasonError::AlreadyFirst)?;
    Ok((previous, reason.to_owned()))
}

/// Planned dates of one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedStep {
    pub step: Step,
    pub starts: NaiveDate,
    pub ends: NaiveDate,
}

/// Checks a season's calendar: each step ends no earlier than it starts, and starts no
/// earlier than the step before it (steps may overlap: drafting goes on while late ideas come in).
pub fn check_calendar(plan: &[PlannedStep]) -> Result<(), SeasonError> {
    for (i, p) in plan.iter().enumerate() {
        if p.ends < p.starts {
            return Err(SeasonError::EndsBeforeStart(p.step.number()));
        }
        if i > 0 && p.starts < plan[i - 1].starts {
            return Err(SeasonError::OutOfOrder(p.step.number()));
        }
    }
    Ok(())
}

/// A season's title and year, checked. The title is one line of [`text::single_line`] text.
pub fn check_season(year: i32, title: &str) -> Result<(), SeasonError> {
    if !(2000..=2100).contains(&year) {
        return Err(SeasonError::YearOutOfRange);
    }
    let title = text::single_line(title)
        .map_err(|e| e.as_field(SeasonError::TitleInvalid, SeasonError::TitleHidden))?;
    let n = title.chars().count();
    if n == 0 || n > 60 {
        return Err(SeasonError::TitleInvalid);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_season_advances_one_step_at_a_time_and_stops_at_the_showcase() {
        assert_eq!(advance(Step::IdeaCollection), Ok(Step::ProposalDrafting));
        assert_eq!(advance(Step::Showcase), Err(SeasonError::AlreadyLast));
    }

    #[test]
    fn moving_back_needs_a_reason_and_stops_at_the_survey() {
        assert_eq!(
            move_back(Step::Evaluation, "  "),
            Err(SeasonError::ReasonRequired)
        );
        assert_eq!(
            move_back(Step::Evaluation, " 评委未到齐 "),
            Ok((Step::ProposalDrafting, "评委未到齐".to_owned()))
        );
        assert_eq!(
            move_back(Step::BaselineSurvey, "x"),
            Err(SeasonError::AlreadyFirst)
        );
        assert_eq!(
            move_back(Step::Evaluation, &"长".repeat(501)),
            Err(SeasonError::ReasonTooLong)
        );
    }

    #[test]
    fn a_reason_or_title_with_hidden_characters_is_refused() {
        for bad in [
            "评委\u{0}未到齐",
            "\u{7}",
            "评委\u{202E}未到齐",
            "\u{2066}x",
        ] {
            assert_eq!(
                move_back(Step::Evaluation, bad),
                Err(SeasonError::ReasonHidden),
                "{bad:?}"
            );
            assert_eq!(
                check_season(2017, bad),
                Err(SeasonError::TitleHidden),
                "{bad:?}"
            );
        }
        for looks_empty in ["\u{200B}\u{200B}", "\u{3164}", "\u{3000}"] {
            assert_eq!(
                move_back(Step::Evaluation, looks_empty),
                Err(SeasonError::ReasonRequired)
            );
            assert_eq!(
                check_season(2017, looks_empty),
                Err(SeasonError::TitleInvalid)
            );
        }
        assert_eq!(check_season(2017, "望京街道 2017 社区创享计划"), Ok(()));
    }

    #[test]
    fn error_message_ids_are_unique() {
        let mut ids: Vec<_> = SeasonError::ALL.iter().map(|e| e.message_id()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), SeasonError::ALL.len());
    }

    #[test]
    fn steps_are_numbered_one_to_eight() {
        let numbers: Vec<i32> = Step::ALL.iter().map(|s| s.number()).collect();
        assert_eq!(numbers, (1..=8).collect::<Vec<_>>());
        assert_eq!(Step::from_number(0), None);
        assert_eq!(Step::from_number(9), None);
    }

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2017, m, d).expect("valid date")
    }

    #[test]
    fn a_calendar_whose_step_ends_before_it_starts_is_refused() {
        let plan = [
            PlannedStep {
                step: Step::BaselineSurvey,
                starts: day(4, 1),
                ends: day(4, 20),
            },
            PlannedStep {
                step: Step::Preparation,
                starts: day(4, 21),
                ends: day(4, 10),
            },
        ];
        assert_eq!(check_calendar(&plan), Err(SeasonError::EndsBeforeStart(2)));
    }

    #[test]
    fn a_calendar_may_overlap_but_not_go_backwards() {
        let overlapping = [
            PlannedStep {
                step: Step::IdeaCollection,
                starts: day(5, 1),
                ends: day(5, 31),
            },
            PlannedStep {
                step: Step::ProposalDrafting,
                starts: day(5, 20),
                ends: day(6, 30),
            },
        ];
        assert_eq!(check_calendar(&overlapping), Ok(()));
        let backwards = [
            PlannedStep {
                step: Step::IdeaCollection,
                starts: day(5, 1),
                ends: day(5, 31),
            },
            PlannedStep {
                step: Step::ProposalDrafting,
                starts: day(4, 20),
                ends: day(6, 30),
            },
        ];
        assert_eq!(check_calendar(&backwards), Err(SeasonError::OutOfOrder(4)));
    }
}
