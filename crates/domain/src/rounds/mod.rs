//! A competition round as the web runs it live (steps 5 and 6): the default rubric, who is
//! recused from what, the drawn running order, the judges' score sheets, closing, the notice
//! period (公示) with its objections, and confirmation. The arithmetic of the result is
//! [`crate::competition`]'s; this module decides what may happen when, and [`Round`] answers it
//! for one round as it stands, with its published files and the projector's live state.

mod files;
mod live;
mod round;

pub use files::{FilesError, PublishedFiles};
pub use live::{LiveState, OnStage, Standing};
pub use round::{Judge, JudgeSheet, Progress, Recusal, Round, RoundProposal, ScoreSheet};

use crate::competition::{Rules, lot_key};
use crate::text;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Why a change to a round was refused. Each has a message id `err-round-…`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RoundError {
    #[error("the round's name is empty or longer than 40 characters")]
    Name,
    #[error("the rules are not valid")]
    Rules,
    #[error("a round needs at least one shortlisted proposal")]
    NoProposals,
    #[error("only while the round is being set up")]
    NotSetup,
    #[error("the running order has not been drawn")]
    NotDrawn,
    #[error("the round has no judges")]
    NoJudges,
    #[error("only while the round is open")]
    NotOpen,
    #[error("this proposal has not been presented yet")]
    NotPresented,
    #[error("the judge is recused from this proposal")]
    Recused,
    #[error("the sheet was already submitted")]
    AlreadySubmitted,
    #[error("a score is missing, out of range or off the rubric's steps")]
    BadScore,
    #[error("a reason is needed, at most 500 characters")]
    Reason,
    #[error("only a closed round is published")]
    NotClosed,
    #[error("the notice period's dates are missing or out of order")]
    NoticeDates,
    #[error("objections are filed during the notice period only")]
    NotInNotice,
    #[error("the result is confirmed after the notice period ends")]
    NoticeNotOver,
    #[error("the judge's group is not one of the rules' groups")]
    UnknownGroup,
    #[error("this person is already a judge of the round")]
    AlreadyJudge,
    #[error("the judge scores on a phone: a paper sheet in their name needs a reason")]
    PhoneJudgeNeedsReason,
    #[error("this person has filed as many objections to the round as one may")]
    TooManyObjections,
    #[error("this person has already filed this objection")]
    RepeatedObjection,
    #[error("the round's name contains control characters or direction overrides")]
    NameHidden,
    #[error("the text contains control characters or direction overrides")]
    ReasonHidden,
}

impl RoundError {
    pub const ALL: [RoundError; 23] = [
        Self::Name,
        Self::Rules,
        Self::NoProposals,
        Self::NotSetup,
        Self::NotDrawn,
        Self::NoJudges,
        Self::NotOpen,
        Self::NotPresented,
        Self::Recused,
        Self::AlreadySubmitted,
        Self::BadScore,
        Self::Reason,
        Self::NotClosed,
        Self::NoticeDates,
        Self::NotInNotice,
        Self::NoticeNotOver,
        Self::UnknownGroup,
        Self::AlreadyJudge,
        Self::PhoneJudgeNeedsReason,
        Self::TooManyObjections,
        Self::RepeatedObjection,
        Self::NameHidden,
        Self::ReasonHidden,
    ];

    pub fn message_id(self) -> &'static str {
        match self {
            Self::Name => "err-round-name",
            Self::Rules => "err-round-rules",
            Self::NoProposals => "err-round-no-proposals",
            Self::NotSetup => "err-round-not-setup",
            Self::NotDrawn => "err-round-not-drawn",
            Self::NoJudges => "err-round-no-judges",
            Self::NotOpen => "err-round-not-open",
            Self::NotPresented => "err-round-not-presented",
            Self::Recused => "err-round-recused",
            Self::AlreadySubmitted => "err-round-already-submitted",
            Self::BadScore => "err-round-bad-score",
            Self::Reason => "err-round-reason",
            Self::NotClosed => "err-round-not-closed",
            Self::NoticeDates => "err-round-notice-dates",
            Self::NotInNotice => "err-round-not-in-notice",
            Self::NoticeNotOver => "err-round-notice-not-over",
            Self::UnknownGroup => "err-round-unknown-group",
            Self::AlreadyJudge => "err-round-already-judge",
            Self::PhoneJudgeNeedsReason => "err-round-phone-judge-needs-reason",
            Self::TooManyObjections => "err-round-too-many-objections",
            Self::RepeatedObjection => "err-round-repeated-objection",
            Self::NameHidden => "err-round-name-hidden",
            Self::ReasonHidden => "err-round-reason-hidden",
        }
    }
}

/// Where a round stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RoundStatus {
    /// Proposals, rules, judges and recusals are being set up; the order may be drawn.
    Setup,
    /// Live: the host moves "now presenting" along the order and judges submit sheets.
    Open,
    /// Scoring is over and the result is computed; staff see it.
    Closed,
    /// The result is public for its notice period (公示); objections may be filed.
    Published,
    /// The notice period is over and the winners are funded projects.
    Confirmed,
}

impl RoundStatus {
    pub const ALL: [RoundStatus; 5] = [
        RoundStatus::Setup,
        RoundStatus::Open,
        RoundStatus::Closed,
        RoundStatus::Published,
        RoundStatus::Confirmed,
    ];

    pub fn key(self) -> &'static str {
        match self {
            RoundStatus::Setup => "setup",
            RoundStatus::Open => "open",
            RoundStatus::Closed => "closed",
            RoundStatus::Published => "published",
            RoundStatus::Confirmed => "confirmed",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }

    /// Whether the public may read the result.
    pub fn is_public(self) -> bool {
        matches!(self, RoundStatus::Published | RoundStatus::Confirmed)
    }
}

/// A round's name as an admin typed it, one line of [`text::single_line`] text.
pub fn round_name(raw: &str) -> Result<String, RoundError> {
    let name =
        text::single_line(raw).map_err(|e| e.as_field(RoundError::Name, RoundError::NameHidden))?;
    match name.chars().count() {
        1..=40 => Ok(name.to_owned()),
        _ => Err(RoundError::Name),
    }
}

/// The rubric a new round starts from: the five haves and the presentation, 100 points in
/// steps of 0.5; twelve public and three expert judges as in the article.
pub fn default_rules(seed: &str) -> String {
    format!(
        r#"step = 0.5

[[criteria]]
key = "goals"          # 有目标
max = 20

[[criteria]]
key = "methods"        # 有办法
max = 20

[[criteria]]
key = "steps"          # 有步骤
max = 15

[[criteria]]
key = "plan"           # 有计划（预算）
max = 15

[[criteria]]
key = "guarantees"     # 有保障
max = 15

[[criteria]]
key = "presentation"   # 现场展示
max = 15

[[groups]]
key = "public"         # 大众评委
weight = 40
quorum = 5
trim = 1
aggregate = "mean"

[[groups]]
key = "expert"         # 专家评委
weight = 60
quorum = 2
trim = 0
aggregate = "mean"

[selection]
max_winners = 10
budget = "420000.00"
per_community_max = 2
tie_break = ["group:expert", "supports", "lot"]
seed = "{seed}"
"#
    )
}

/// The seed a round's lot uses: the one in its rules, or failing that the round's own.
pub fn seed_of(rules: &Rules, fallback: &str) -> String {
    rules
        .selection()
        .seed
        .clone()
        .unwrap_or_else(|| fallback.to_owned())
}

/// The running order, drawn by lot from the published seed: ascending SHA-256 of
/// `seed:proposal`, the same lot the engine breaks ties with, so anyone can redo the draw.
pub fn draw(seed: &str, proposals: &[String]) -> Vec<String> {
    let mut keyed: Vec<(String, &String)> =
        proposals.iter().map(|p| (lot_key(seed, p), p)).collect();
    keyed.sort();
    keyed.into_iter().map(|(_, p)| p.clone()).collect()
}

/// Why a judge may not score a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecusalReason {
    /// A public judge who lives in the proposal's community.
    LivesThere,
    /// Anyone on the proposal's team.
    OnTeam,
    /// The judge declared a conflict.
    Declared,
    /// The admin added it.
    Admin,
}

impl RecusalReason {
    pub const ALL: [RecusalReason; 4] = [
        RecusalReason::LivesThere,
        RecusalReason::OnTeam,
        RecusalReason::Declared,
        RecusalReason::Admin,
    ];

    pub fn key(self) -> &'static str {
        match self {
            RecusalReason::LivesThere => "lives_there",
            RecusalReason::OnTeam => "on_team",
            RecusalReason::Declared => "declared",
            RecusalReason::Admin => "admin",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key() == key)
    }
}

/// The recusal the rules impose on a judge for a proposal, if any: anyone on the team, and a
/// public judge who lives in the proposal's community. Experts are chosen from outside and keep
/// scoring their own neighbourhood's proposals unless they declare a conflict.
pub fn automatic_recusal(
    group_is_public: bool,
    judge_community: Option<i64>,
    proposal_community: i64,
    on_team: bool,
) -> Option<RecusalReason> {
    if on_team {
        Some(RecusalReason::OnTeam)
    } else if group_is_public && judge_community == Some(proposal_community) {
        Some(RecusalReason::LivesThere)
    } else {
        None
    }
}

/// A judge's sheet for one proposal: a score for every criterion, each in `[0, max]` and a
/// multiple of the rubric's step. Returns the scores by criterion key.
pub fn check_sheet(
    rules: &Rules,
    typed: impl Fn(&str) -> Option<String>,
) -> Result<BTreeMap<String, Decimal>, RoundError> {
    let mut sheet = BTreeMap::new();
    for c in rules.criteria() {
        let raw = typed(&c.key).ok_or(RoundError::BadScore)?;
        let score = Decimal::from_str_exact(raw.trim()).map_err(|_| RoundError::BadScore)?;
        let on_step = rules.step() > Decimal::ZERO && (score % rules.step()).is_zero();
        if score < Decimal::ZERO || score > c.max || !on_step {
            return Err(RoundError::BadScore);
        }
        sheet.insert(c.key.clone(), score.normalize());
    }
    Ok(sheet)
}

/// The values a criterion's control offers: 0, step, 2·step … max.
pub fn steps_of(rules: &Rules, max: Decimal) -> Vec<Decimal> {
    let step = rules.step();
    let mut out = Vec::new();
    let mut v = Decimal::ZERO;
    while v <= max && step > Decimal::ZERO && out.len() < 1000 {
        out.push(v.normalize());
        v += step;
    }
    out
}

/// How a judge's sheets reach the round, chosen when the judge is added: typed on their own
/// phone (or one they logged in on with a printed card), or written on paper and typed in by
/// staff. The published `scores.csv` says which, sheet by sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetSource {
    Phone,
    Paper,
}

impl SheetSource {
    pub fn key(self) -> &'static str {
        match self {
            SheetSource::Phone => "phone",
            SheetSource::Paper => "paper",
        }
    }

    pub fn of_paper(paper: bool) -> Self {
        if paper {
            SheetSource::Paper
        } else {
            SheetSource::Phone
        }
    }
}

/// Whether staff may type in a paper sheet in a judge's name. For a judge who scores on paper
/// that is how their sheets arrive. For a judge who scores on a phone it needs a reason (a
/// flat battery, a lost card), which the audit log keeps beside the judge and proposal, so a
/// sheet is never typed in someone's name silently. Returns that reason, if one is needed.
pub fn check_paper_entry(judge: SheetSource, reason: &str) -> Result<Option<String>, RoundError> {
    match judge {
        SheetSource::Paper => Ok(None),
        SheetSource::Phone if reason.trim().is_empty() => Err(RoundError::PhoneJudgeNeedsReason),
        SheetSource::Phone => check_reason(reason).map(Some),
    }
}

/// How many objections one person may file to one round: enough to raise several matters,
/// few enough that one person cannot bury the others' objections or the staff's answers.
pub const OBJECTIONS_PER_PERSON: usize = 3;

/// Whether a person may file `body` (already checked by [`check_reason`]) given the objections
/// they filed to the round before: the same text twice is refused, and so is a fourth.
pub fn check_objection_quota<'a>(
    earlier: impl IntoIterator<Item = &'a str>,
    body: &str,
) -> Result<(), RoundError> {
    let mut count = 0;
    for e in earlier {
        if e == body {
            return Err(RoundError::RepeatedObjection);
        }
        count += 1;
    }
    if count >= OBJECTIONS_PER_PERSON {
        return Err(RoundError::TooManyObjections);
    }
    Ok(())
}

/// A reason typed by the host (reopening a sheet), a resident (an objection) or the street
/// (its answer): [`text::multi_line`] text.
pub fn check_reason(raw: &str) -> Result<String, RoundError> {
    let r = text::multi_line(raw)
        .map_err(|e| e.as_field(RoundError::Reason, RoundError::ReasonHidden))?;
    match r.chars().count() {
        1..=500 => Ok(r.replace("\r\n", "\n")),
        _ => Err(RoundError::Reason),
    }
}

/// Opening needs a drawn order, proposals and judges.
pub fn check_open(
    status: RoundStatus,
    drawn: bool,
    proposals: usize,
    judges: usize,
) -> Result<(), RoundError> {
    if status != RoundStatus::Setup {
        return Err(RoundError::NotSetup);
    }
    if proposals == 0 {
        return Err(RoundError::NoProposals);
    }
    if !drawn {
        return Err(RoundError::NotDrawn);
    }
    if judges == 0 {
        return Err(RoundError::NoJudges);
    }
    Ok(())
}

/// The notice period: it starts no earlier than today and ends on or after it starts.
pub fn check_notice(
    status: RoundStatus,
    today: NaiveDate,
    starts: Option<NaiveDate>,
    ends: Option<NaiveDate>,
) -> Result<(NaiveDate, NaiveDate), RoundError> {
    if status != RoundStatus::Closed {
        return Err(RoundError::NotClosed);
    }
    match (starts, ends) {
        (Some(s), Some(e)) if s >= today && e >= s => Ok((s, e)),
        _ => Err(RoundError::NoticeDates),
    }
}

/// Objections are filed while the notice period runs.
pub fn check_objection(
    status: RoundStatus,
    today: NaiveDate,
    notice: Option<(NaiveDate, NaiveDate)>,
) -> Result<(), RoundError> {
    match (status, notice) {
        (RoundStatus::Published, Some((s, e))) if s <= today && today <= e => Ok(()),
        _ => Err(RoundError::NotInNotice),
    }
}

/// Confirmation comes after the notice period's last day.
pub fn check_confirm(
    status: RoundStatus,
    today: NaiveDate,
    notice: Option<(NaiveDate, NaiveDate)>,
) -> Result<(), RoundError> {
    match (status, notice) {
        (RoundStatus::Published, Some((_, e))) if today > e => Ok(()),
        (RoundStatus::Published, _) => Err(RoundError::NoticeNotOver),
        _ => Err(RoundError::NotClosed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2017, 7, d).expect("a July day")
    }

    #[test]
    fn the_default_rules_are_valid_and_add_up_to_100() {
        let rules = Rules::from_toml(&default_rules("seed")).expect("valid");
        let total: Decimal = rules.criteria().iter().map(|c| c.max).sum();
        assert_eq!(total, Decimal::from(100));
        assert_eq!(rules.groups().len(), 2);
        assert_eq!(seed_of(&rules, "other"), "seed");
    }

    #[test]
    fn the_draw_is_the_lot_and_reproducible() {
        let ps: Vec<String> = (1..=24).map(|i| i.to_string()).collect();
        let a = draw("wangjing-2017-final", &ps);
        let mut reversed = ps.clone();
        reversed.reverse();
        assert_eq!(a, draw("wangjing-2017-final", &reversed));
        assert_ne!(a, draw("another seed", &ps));
        let mut sorted = a.clone();
        sorted.sort();
        let mut expected = ps.clone();
        expected.sort();
        assert_eq!(sorted, expected, "a permutation");
        assert!(lot_key("wangjing-2017-final", &a[0]) < lot_key("wangjing-2017-final", &a[1]));
    }

    #[test]
    fn team_members_and_public_judges_living_there_are_recused() {
        assert_eq!(
            automatic_recusal(false, Some(3), 3, true),
            Some(RecusalReason::OnTeam)
        );
        assert_eq!(
            automatic_recusal(true, Some(3), 3, false),
            Some(RecusalReason::LivesThere)
        );
        assert_eq!(automatic_recusal(false, Some(3), 3, false), None);
        assert_eq!(automatic_recusal(true, Some(4), 3, false), None);
        assert_eq!(automatic_recusal(true, None, 3, false), None);
    }

    #[test]
    fn a_sheet_needs_every_criterion_on_the_steps_and_in_range() {
        let rules = Rules::from_toml(&default_rules("s")).expect("valid");
        fn full(over: Option<(&'static str, &'static str)>) -> impl Fn(&str) -> Option<String> {
            move |k: &str| match over {
                Some((key, v)) if key == k => Some(v.to_owned()),
                Some(("missing", _)) if k == "plan" => None,
                _ => Some("10".to_owned()),
            }
        }
        let sheet = check_sheet(&rules, full(None)).expect("valid");
        assert_eq!(sheet.len(), 6);
        assert_eq!(
            check_sheet(&rules, full(Some(("goals", "19.5")))).map(|s| s["goals"]),
            Ok(Decimal::new(195, 1))
        );
        for bad in ["20.5", "-1", "10.25", "abc", "", "1e1"] {
            assert_eq!(
                check_sheet(&rules, full(Some(("goals", bad)))),
                Err(RoundError::BadScore),
                "{bad}"
            );
        }
        assert_eq!(
            check_sheet(&rules, full(Some(("missing", "")))),
            Err(RoundError::BadScore)
        );
        assert_eq!(steps_of(&rules, Decimal::from(15)).len(), 31);
    }

    #[test]
    fn opening_needs_an_order_proposals_and_judges() {
        use RoundStatus::*;
        assert_eq!(check_open(Setup, true, 24, 15), Ok(()));
        assert_eq!(check_open(Setup, false, 24, 15), Err(RoundError::NotDrawn));
        assert_eq!(check_open(Setup, true, 0, 15), Err(RoundError::NoProposals));
        assert_eq!(check_open(Setup, true, 24, 0), Err(RoundError::NoJudges));
        assert_eq!(check_open(Open, true, 24, 15), Err(RoundError::NotSetup));
    }

    #[test]
    fn the_notice_period_frames_objections_and_confirmation() {
        use RoundStatus::*;
        let today = day(20);
        assert_eq!(
            check_notice(Closed, today, Some(day(20)), Some(day(27))),
            Ok((day(20), day(27)))
        );
        assert_eq!(
            check_notice(Closed, today, Some(day(19)), Some(day(27))),
            Err(RoundError::NoticeDates)
        );
        assert_eq!(
            check_notice(Closed, today, Some(day(22)), Some(day(21))),
            Err(RoundError::NoticeDates)
        );
        assert_eq!(
            check_notice(Open, today, Some(day(20)), Some(day(27))),
            Err(RoundError::NotClosed)
        );
        let notice = Some((day(20), day(27)));
        assert_eq!(check_objection(Published, day(20), notice), Ok(()));
        assert_eq!(check_objection(Published, day(27), notice), Ok(()));
        assert_eq!(
            check_objection(Published, day(28), notice),
            Err(RoundError::NotInNotice)
        );
        assert_eq!(
            check_objection(Closed, day(21), notice),
            Err(RoundError::NotInNotice)
        );
        assert_eq!(
            check_confirm(Published, day(27), notice),
            Err(RoundError::NoticeNotOver)
        );
        assert_eq!(check_confirm(Published, day(28), notice), Ok(()));
        assert_eq!(
            check_confirm(Confirmed, day(28), notice),
            Err(RoundError::NotClosed)
        );
    }

    #[test]
    fn a_paper_sheet_for_a_judge_who_scores_on_a_phone_needs_a_reason() {
        use SheetSource::*;
        assert_eq!(check_paper_entry(Paper, ""), Ok(None));
        assert_eq!(check_paper_entry(Paper, "任何说明"), Ok(None));
        assert_eq!(
            check_paper_entry(Phone, "  "),
            Err(RoundError::PhoneJudgeNeedsReason)
        );
        assert_eq!(
            check_paper_entry(Phone, &"因".repeat(501)),
            Err(RoundError::Reason)
        );
        assert_eq!(
            check_paper_entry(Phone, " 手机没电 "),
            Ok(Some("手机没电".to_owned()))
        );
        assert_eq!(SheetSource::of_paper(true).key(), "paper");
        assert_eq!(SheetSource::of_paper(false).key(), "phone");
    }

    #[test]
    fn a_person_files_at_most_three_different_objections() {
        assert_eq!(check_objection_quota([], "一"), Ok(()));
        assert_eq!(check_objection_quota(["一", "二"], "三"), Ok(()));
        assert_eq!(
            check_objection_quota(["一"], "一"),
            Err(RoundError::RepeatedObjection)
        );
        assert_eq!(
            check_objection_quota(["一", "二", "三"], "四"),
            Err(RoundError::TooManyObjections)
        );
    }

    #[test]
    fn reasons_are_checked() {
        assert_eq!(check_reason(" "), Err(RoundError::Reason));
        assert_eq!(check_reason(&"因".repeat(501)), Err(RoundError::Reason));
        assert_eq!(check_reason(" 评委误触 ").as_deref(), Ok("评委误触"));
        assert_eq!(round_name(""), Err(RoundError::Name));
        assert_eq!(round_name(" 决赛 ").as_deref(), Ok("决赛"));
    }

    #[test]
    fn reasons_objections_and_names_with_hidden_characters_are_refused() {
        for bad in ["误触\u{0}", "\u{7}", "评委\u{202E}误触", "\u{2066}误触"] {
            assert_eq!(check_reason(bad), Err(RoundError::ReasonHidden), "{bad:?}");
            assert_eq!(round_name(bad), Err(RoundError::NameHidden), "{bad:?}");
        }
        for looks_empty in ["\u{200B}\u{200B}", "\u{3164}", "\u{3000}"] {
            assert_eq!(check_reason(looks_empty), Err(RoundError::Reason));
            assert_eq!(round_name(looks_empty), Err(RoundError::Name));
        }
        assert_eq!(
            check_reason("第一条\r\n\t第二条").as_deref(),
            Ok("第一条\n\t第二条")
        );
        assert_eq!(round_name("决赛\t第二场"), Err(RoundError::NameHidden));
    }
}
