//! Proposals (提案) drafted in step 4 from accepted golden ideas, following the "five haves"
//! (有目标、有办法、有步骤、有计划、有保障): their text, their budget in exact decimals, their
//! life cycle from draft to shortlisted, and the comparison of two versions.

use crate::season::Step;
use crate::text;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

mod aggregate;
mod start;

pub use aggregate::{
    BudgetCap, Member, Note, Proposal, Refusal, SeasonTerms, SignOff, role_from_key, role_key,
};
pub use start::{SourceIdea, check_sources, starting_background};

/// Why a proposal or a change to it was refused. Each has a message id `err-proposal-…`;
/// those about one row of a table take the row's number as `$row`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProposalError {
    #[error("the title is empty")]
    TitleEmpty,
    #[error("the title is longer than 40 characters")]
    TitleTooLong,
    #[error("a section is longer than 3000 characters")]
    SectionTooLong,
    #[error("too many steps")]
    TooManySteps,
    #[error("step {0} has no date or an unreadable one")]
    StepDate(usize),
    #[error("step {0} has no activity, or one over 200 characters")]
    StepText(usize),
    #[error("too many budget lines")]
    TooManyLines,
    #[error("budget line {0} has no item, or one over 40 characters")]
    LineItem(usize),
    #[error("budget line {0} has no unit, or one over 10 characters")]
    LineUnit(usize),
    #[error("budget line {0}'s quantity is not a positive number with at most two decimals")]
    LineQuantity(usize),
    #[error("budget line {0}'s unit price is not a number of yuan with at most two decimals")]
    LinePrice(usize),
    #[error("the budget is over the season's cap for one proposal")]
    OverCap,
    #[error("proposals are drafted in step 4 only")]
    NotDrafting,
    #[error("a shortlisted proposal can no longer be changed")]
    Locked,
    #[error("a proposal starts from at least one accepted idea")]
    NoIdea,
    #[error("an idea is not accepted, or belongs to another season or community")]
    BadIdea,
    #[error("someone else saved this proposal first")]
    EditConflict,
    #[error("every item of the checklist must be ticked")]
    ChecklistIncomplete,
    #[error("a section of the five haves is still empty")]
    SectionsMissing,
    #[error("the team has only one person")]
    TeamTooSmall,
    #[error("only a proposal signed off as ready can be shortlisted")]
    NotReady,
    #[error("a note is empty or longer than 1000 characters")]
    NoteText,
    #[error("the team is full")]
    TeamFull,
    #[error("this person is already on the team or invited")]
    AlreadyOnTeam,
    #[error("no account has this number")]
    NoSuchAccount,
    #[error("the title contains control characters or direction overrides")]
    TitleHidden,
    #[error("a section contains control characters or direction overrides")]
    SectionHidden,
    #[error("step {0}'s activity contains control characters or direction overrides")]
    StepHidden(usize),
    #[error("budget line {0}'s item or unit contains control characters or direction overrides")]
    LineHidden(usize),
    #[error("the note contains control characters or direction overrides")]
    NoteHidden,
}

impl ProposalError {
    pub fn message_id(self) -> &'static str {
        match self {
            Self::TitleEmpty => "err-proposal-title-empty",
            Self::TitleTooLong => "err-proposal-title-too-long",
            Self::SectionTooLong => "err-proposal-section-too-long",
            Self::TooManySteps => "err-proposal-too-many-steps",
            Self::StepDate(_) => "err-proposal-step-date",
            Self::StepText(_) => "err-proposal-step-text",
            Self::TooManyLines => "err-proposal-too-many-lines",
            Self::LineItem(_) => "err-proposal-line-item",
            Self::LineUnit(_) => "err-proposal-line-unit",
            Self::LineQuantity(_) => "err-proposal-line-quantity",
            Self::LinePrice(_) => "err-proposal-line-price",
            Self::OverCap => "err-proposal-over-cap",
            Self::NotDrafting => "err-proposal-not-drafting",
            Self::Locked => "err-proposal-locked",
            Self::NoIdea => "err-proposal-no-idea",
            Self::BadIdea => "err-proposal-bad-idea",
            Self::EditConflict => "err-proposal-conflict",
            Self::ChecklistIncomplete => "err-proposal-checklist",
            Self::SectionsMissing => "err-proposal-sections-missing",
            Self::TeamTooSmall => "err-proposal-team-small",
            Self::NotReady => "err-proposal-not-ready",
            Self::NoteText => "err-proposal-note",
            Self::TeamFull => "err-proposal-team-full",
            Self::AlreadyOnTeam => "err-proposal-already-on-team",
            Self::NoSuchAccount => "err-proposal-no-account",
            Self::TitleHidden => "err-proposal-title-hidden",
            Self::SectionHidden => "err-proposal-section-hidden",
            Self::StepHidden(_) => "err-proposal-step-hidden",
            Self::LineHidden(_) => "err-proposal-line-hidden",
            Self::NoteHidden => "err-proposal-note-hidden",
        }
    }

    /// The row of the steps or budget table the problem is on, counted from 1.
    pub fn row(self) -> Option<usize> {
        match self {
            Self::StepDate(r)
            | Self::StepText(r)
            | Self::LineItem(r)
            | Self::LineUnit(r)
            | Self::LineQuantity(r)
            | Self::LinePrice(r)
            | Self::StepHidden(r)
            | Self::LineHidden(r) => Some(r),
            _ => None,
        }
    }

    /// One of each, for the test that every message exists in every language.
    pub const ALL: [ProposalError; 30] = [
        Self::TitleEmpty,
        Self::TitleTooLong,
        Self::SectionTooLong,
        Self::TooManySteps,
        Self::StepDate(1),
        Self::StepText(1),
        Self::TooManyLines,
        Self::LineItem(1),
        Self::LineUnit(1),
        Self::LineQuantity(1),
        Self::LinePrice(1),
        Self::OverCap,
        Self::NotDrafting,
        Self::Locked,
        Self::NoIdea,
        Self::BadIdea,
        Self::EditConflict,
        Self::ChecklistIncomplete,
        Self::SectionsMissing,
        Self::TeamTooSmall,
        Self::NotReady,
        Self::NoteText,
        Self::TeamFull,
        Self::AlreadyOnTeam,
        Self::NoSuchAccount,
        Self::TitleHidden,
        Self::SectionHidden,
        Self::StepHidden(1),
        Self::LineHidden(1),
        Self::NoteHidden,
    ];
}

/// The parts of a proposal, in the order the 提案书 prints them. A coach's note is about one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    /// 背景与需求
    Background,
    /// 目标 (有目标)
    Goals,
    /// 方法与活动 (有办法)
    Methods,
    /// 步骤与时间 (有步骤)
    Steps,
    /// 预算 (有计划)
    Budget,
    /// 保障：合作方、资源、风险 (有保障)
    Guarantees,
    /// 预期受益人群
    Beneficiaries,
    /// 可持续性
    Sustainability,
}

impl Section {
    pub const ALL: [Section; 8] = [
        Section::Background,
        Section::Goals,
        Section::Methods,
        Section::Steps,
        Section::Budget,
        Section::Guarantees,
        Section::Beneficiaries,
        Section::Sustainability,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Section::Background => "background",
            Section::Goals => "goals",
            Section::Methods => "methods",
            Section::Steps => "steps",
            Section::Budget => "budget",
            Section::Guarantees => "guarantees",
            Section::Beneficiaries => "beneficiaries",
            Section::Sustainability => "sustainability",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.key() == key)
    }

    /// Message id of the section's heading.
    pub fn message_id(self) -> String {
        format!("proposal-section-{}", self.key())
    }
}

/// One dated step of the plan (有步骤).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanStep {
    pub date: NaiveDate,
    pub activity: String,
}

/// One budget line: item, unit, quantity and unit price in yuan, all exact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetLine {
    pub item: String,
    pub unit: String,
    pub quantity: Decimal,
    pub unit_price: Decimal,
}

impl BudgetLine {
    /// Quantity times unit price, exactly (at most four decimals).
    pub fn total(&self) -> Decimal {
        self.quantity * self.unit_price
    }
}

/// A proposal's text: the five haves and what surrounds them. Every field may be empty while
/// it is a draft; [`Content::missing`] says what the readiness checklist still lacks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Content {
    pub background: String,
    pub goals: String,
    pub methods: String,
    pub steps: Vec<PlanStep>,
    pub budget: Vec<BudgetLine>,
    pub partners: String,
    pub resources: String,
    pub risks: String,
    pub beneficiaries: String,
    pub sustainability: String,
}

/// A budget amount as the 提案书 prints it: yuan with at least two decimals and never a rounded
/// digit (2.5 × 33.33 shows as 83.325).
pub fn yuan(amount: Decimal) -> String {
    let mut a = amount.normalize();
    if a.scale() < 2 {
        a.rescale(2);
    }
    a.to_string()
}

/// Reads an amount or quantity as people type it: digits with at most `places` decimals,
/// full-width digits and a trailing 元 accepted.
fn parse_amount(raw: &str, places: u32) -> Option<Decimal> {
    let text: String = raw
        .trim()
        .trim_end_matches('元')
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' => '.',
            c => c,
        })
        .collect();
    if text.is_empty() || text.len() > 20 {
        return None;
    }
    let plain = text.chars().any(|c| c.is_ascii_digit())
        && text.chars().all(|c| c.is_ascii_digit() || c == '.')
        && text.matches('.').count() <= 1;
    if !plain {
        return None;
    }
    Decimal::from_str_exact(&text)
        .ok()
        .filter(|d| d.scale() <= places)
}

/// One text cell of a budget line: one line of [`text::single_line`] text, 1 to `max`
/// characters, else `bad` (or `hidden` for control characters and direction overrides).
fn line_cell(
    raw: &str,
    bad: ProposalError,
    hidden: ProposalError,
    max: usize,
) -> Result<&str, ProposalError> {
    text::single_line(raw)
        .map_err(|e| e.as_field(bad, hidden))
        .and_then(|c| match c.chars().count() {
            n if (1..=max).contains(&n) => Ok(c),
            _ => Err(bad),
        })
}

/// Reads a budget cap typed by a street admin: a positive amount of yuan, at most two decimals.
pub fn parse_cap(raw: &str) -> Option<Decimal> {
    parse_amount(raw, 2).filter(|d| *d > Decimal::ZERO && *d <= Content::PRICE_MAX)
}

/// The form as typed: every field a string, the tables as rows of strings.
#[derive(Debug, Clone, Default)]
pub struct DraftInput {
    pub title: String,
    pub background: String,
    pub goals: String,
    pub methods: String,
    /// (date, activity)
    pub steps: Vec<(String, String)>,
    /// (item, unit, quantity, unit price)
    pub budget: Vec<(String, String, String, String)>,
    pub partners: String,
    pub resources: String,
    pub risks: String,
    pub beneficiaries: String,
    pub sustainability: String,
}

impl Content {
    pub const TITLE_MAX: usize = 40;
    pub const SECTION_MAX: usize = 3000;
    pub const STEPS_MAX: usize = 30;
    pub const LINES_MAX: usize = 50;
    pub const ACTIVITY_MAX: usize = 200;
    pub const ITEM_MAX: usize = 40;
    pub const UNIT_MAX: usize = 10;
    /// Nobody needs more of one thing than this; it keeps totals far inside `Decimal`.
    pub const QUANTITY_MAX: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);
    pub const PRICE_MAX: Decimal = Decimal::from_parts(100_000_000, 0, 0, false, 0);

    /// Checks a typed form and reports every problem at once. Rows left wholly blank are
    /// dropped; a budget over `cap` is refused. The title, step activities and budget cells
    /// are one line of [`text::single_line`] text, the sections [`text::multi_line`].
    pub fn parse(
        input: &DraftInput,
        cap: Option<Decimal>,
    ) -> Result<(String, Content), Vec<ProposalError>> {
        let mut problems = Vec::new();
        let title = text::single_line(&input.title)
            .map_err(|e| e.as_field(ProposalError::TitleEmpty, ProposalError::TitleHidden))
            .and_then(|t| match t.chars().count() {
                0 => Err(ProposalError::TitleEmpty),
                n if n > Self::TITLE_MAX => Err(ProposalError::TitleTooLong),
                _ => Ok(t),
            });
        if let Err(e) = title {
            problems.push(e);
        }
        let mut section = |raw: &str| {
            let t = match text::multi_line(raw) {
                Ok(t) => t.replace("\r\n", "\n"),
                Err(_) => {
                    if !problems.contains(&ProposalError::SectionHidden) {
                        problems.push(ProposalError::SectionHidden);
                    }
                    String::new()
                }
            };
            if t.chars().count() > Self::SECTION_MAX
                && !problems.contains(&ProposalError::SectionTooLong)
            {
                problems.push(ProposalError::SectionTooLong);
            }
            t
        };
        let mut content = Content {
            background: section(&input.background),
            goals: section(&input.goals),
            methods: section(&input.methods),
            partners: section(&input.partners),
            resources: section(&input.resources),
            risks: section(&input.risks),
            beneficiaries: section(&input.beneficiaries),
            sustainability: section(&input.sustainability),
            ..Content::default()
        };
        let steps: Vec<_> = input
            .steps
            .iter()
            .enumerate()
            .filter(|(_, (d, a))| !(d.trim().is_empty() && a.trim().is_empty()))
            .collect();
        if steps.len() > Self::STEPS_MAX {
            problems.push(ProposalError::TooManySteps);
        }
        for (i, (date, activity)) in steps.into_iter().take(Self::STEPS_MAX) {
            let row = i + 1;
            let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").ok();
            if date.is_none() {
                problems.push(ProposalError::StepDate(row));
            }
            let activity = text::single_line(activity)
                .map_err(|e| {
                    e.as_field(ProposalError::StepText(row), ProposalError::StepHidden(row))
                })
                .and_then(|a| match a.chars().count() {
                    1..=Self::ACTIVITY_MAX => Ok(a),
                    _ => Err(ProposalError::StepText(row)),
                });
            if let Err(e) = activity {
                problems.push(e);
            }
            if let (Some(date), Ok(activity)) = (date, activity) {
                content.steps.push(PlanStep {
                    date,
                    activity: activity.to_owned(),
                });
            }
        }
        content.steps.sort_by_key(|s| s.date);
        let lines: Vec<_> = input
            .budget
            .iter()
            .enumerate()
            .filter(|(_, (a, b, c, d))| {
                !(a.trim().is_empty()
                    && b.trim().is_empty()
                    && c.trim().is_empty()
                    && d.trim().is_empty())
            })
            .collect();
        if lines.len() > Self::LINES_MAX {
            problems.push(ProposalError::TooManyLines);
        }
        for (i, (item, unit, quantity, price)) in lines.into_iter().take(Self::LINES_MAX) {
            let row = i + 1;
            let hidden = ProposalError::LineHidden(row);
            let item = line_cell(item, ProposalError::LineItem(row), hidden, Self::ITEM_MAX);
            let unit = line_cell(unit, ProposalError::LineUnit(row), hidden, Self::UNIT_MAX);
            for e in [item.err(), unit.err()].into_iter().flatten() {
                if !problems.contains(&e) {
                    problems.push(e);
                }
            }
            let quantity = parse_amount(quantity, 2)
                .filter(|q| *q > Decimal::ZERO && *q <= Self::QUANTITY_MAX);
            if quantity.is_none() {
                problems.push(ProposalError::LineQuantity(row));
            }
            let price = parse_amount(price, 2).filter(|p| *p <= Self::PRICE_MAX);
            if price.is_none() {
                problems.push(ProposalError::LinePrice(row));
            }
            if let (Ok(item), Ok(unit), Some(quantity), Some(unit_price)) =
                (item, unit, quantity, price)
            {
                content.budget.push(BudgetLine {
                    item: item.to_owned(),
                    unit: unit.to_owned(),
                    quantity,
                    unit_price,
                });
            }
        }
        if problems.is_empty()
            && let Some(cap) = cap
            && content.total() > cap
        {
            problems.push(ProposalError::OverCap);
        }
        match title {
            Ok(title) if problems.is_empty() => Ok((title.to_owned(), content)),
            _ => Err(problems),
        }
    }

    /// The sum of the budget lines, exactly.
    pub fn total(&self) -> Decimal {
        self.budget.iter().map(BudgetLine::total).sum()
    }

    /// The sections of the five haves (and the budget) that are still empty.
    pub fn missing(&self) -> Vec<Section> {
        let mut missing = Vec::new();
        for (section, empty) in [
            (Section::Background, self.background.is_empty()),
            (Section::Goals, self.goals.is_empty()),
            (Section::Methods, self.methods.is_empty()),
            (Section::Steps, self.steps.is_empty()),
            (Section::Budget, self.budget.is_empty()),
            (
                Section::Guarantees,
                self.partners.is_empty() && self.resources.is_empty() && self.risks.is_empty(),
            ),
            (Section::Beneficiaries, self.beneficiaries.is_empty()),
            (Section::Sustainability, self.sustainability.is_empty()),
        ] {
            if empty {
                missing.push(section);
            }
        }
        missing
    }

    /// A section as plain text, the way a comparison of two versions shows it.
    /// `labels` names the guarantees' three parts (partners, resources, risks) in the
    /// reader's language.
    pub fn section_text(&self, section: Section, labels: [&str; 3]) -> String {
        match section {
            Section::Background => self.background.clone(),
            Section::Goals => self.goals.clone(),
            Section::Methods => self.methods.clone(),
            Section::Steps => self
                .steps
                .iter()
                .map(|s| format!("{} {}", s.date, s.activity))
                .collect::<Vec<_>>()
                .join("\n"),
            Section::Budget => {
                let mut lines: Vec<String> = self
                    .budget
                    .iter()
                    .map(|l| {
                        format!(
                            "{} {} {} × {} = {}",
                            l.item,
                            l.quantity.normalize(),
                            l.unit,
                            yuan(l.unit_price),
                            yuan(l.total())
                        )
                    })
                    .collect();
                if !lines.is_empty() {
                    lines.push(format!("= {}", yuan(self.total())));
                }
                lines.join("\n")
            }
            Section::Guarantees => [
                (labels[0], &self.partners),
                (labels[1], &self.resources),
                (labels[2], &self.risks),
            ]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join("\n"),
            Section::Beneficiaries => self.beneficiaries.clone(),
            Section::Sustainability => self.sustainability.clone(),
        }
    }

    /// The sections that differ between two versions.
    pub fn changed_sections(&self, other: &Content) -> Vec<Section> {
        Section::ALL
            .into_iter()
            .filter(|s| self.section_text(*s, ["", "", ""]) != other.section_text(*s, ["", "", ""]))
            .collect()
    }
}

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Being written and coached.
    Draft,
    /// The coach signed off the readiness checklist for the current version.
    Ready,
    /// Chosen by the street for the competition: read-only, and public.
    Shortlisted,
}

impl Status {
    pub fn key(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Ready => "ready",
            Status::Shortlisted => "shortlisted",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        [Status::Draft, Status::Ready, Status::Shortlisted]
            .into_iter()
            .find(|s| s.key() == key)
    }

    pub fn is_public(self) -> bool {
        self == Status::Shortlisted
    }
}

/// Whether a proposal may be started or edited now. A save by the team after sign-off sends
/// the proposal back to draft: the coach signed off a version that no longer is the latest.
pub fn check_edit(step: Step, status: Option<Status>) -> Result<(), ProposalError> {
    if status == Some(Status::Shortlisted) {
        return Err(ProposalError::Locked);
    }
    if step != Step::ProposalDrafting {
        return Err(ProposalError::NotDrafting);
    }
    Ok(())
}

/// The readiness checklist the coach ticks: each of the five haves, the budget checked, a team.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Checklist {
    pub goals: bool,
    pub methods: bool,
    pub steps: bool,
    pub plan: bool,
    pub guarantees: bool,
    pub budget_checked: bool,
    pub team: bool,
}

impl Checklist {
    /// The keys of the checklist's items, as the form names them and messages are found
    /// (`checklist-<key>`).
    pub const KEYS: [&'static str; 7] = [
        "goals",
        "methods",
        "steps",
        "plan",
        "guarantees",
        "budget_checked",
        "team",
    ];

    pub fn from_ticked(ticked: impl Fn(&str) -> bool) -> Self {
        Checklist {
            goals: ticked("goals"),
            methods: ticked("methods"),
            steps: ticked("steps"),
            plan: ticked("plan"),
            guarantees: ticked("guarantees"),
            budget_checked: ticked("budget_checked"),
            team: ticked("team"),
        }
    }

    fn complete(self) -> bool {
        self.goals
            && self.methods
            && self.steps
            && self.plan
            && self.guarantees
            && self.budget_checked
            && self.team
    }
}

/// The coach signs a proposal off as ready for the competition.
pub fn sign_off(
    step: Step,
    status: Status,
    content: &Content,
    team_size: usize,
    checklist: Checklist,
) -> Result<(), ProposalError> {
    check_edit(step, Some(status))?;
    if !checklist.complete() {
        return Err(ProposalError::ChecklistIncomplete);
    }
    if !content.missing().is_empty() {
        return Err(ProposalError::SectionsMissing);
    }
    if team_size < 2 {
        return Err(ProposalError::TeamTooSmall);
    }
    Ok(())
}

/// The street shortlists a ready proposal for the competition, at the end of step 4 or while
/// the competition is being set up in step 5.
pub fn shortlist(step: Step, status: Status) -> Result<(), ProposalError> {
    if status == Status::Shortlisted {
        return Err(ProposalError::Locked);
    }
    if !matches!(step, Step::ProposalDrafting | Step::Evaluation) {
        return Err(ProposalError::NotDrafting);
    }
    if status != Status::Ready {
        return Err(ProposalError::NotReady);
    }
    Ok(())
}

/// A team has at most this many people, invitations included.
pub const TEAM_MAX: usize = 12;

/// Checks a coach's note, [`text::multi_line`] text.
pub fn check_note(body: &str) -> Result<String, ProposalError> {
    let body = text::multi_line(body)
        .map_err(|e| e.as_field(ProposalError::NoteText, ProposalError::NoteHidden))?;
    let n = body.chars().count();
    if n == 0 || n > 1000 {
        return Err(ProposalError::NoteText);
    }
    Ok(body.replace("\r\n", "\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(item: &str, unit: &str, q: &str, p: &str) -> (String, String, String, String) {
        (item.into(), unit.into(), q.into(), p.into())
    }

    fn input() -> DraftInput {
        DraftInput {
            title: "楼道微更新".into(),
            background: "楼道堆物多".into(),
            goals: "清出通道".into(),
            methods: "居民共同清理".into(),
            steps: vec![
                ("2017-07-20".into(), "第二次清理".into()),
                ("2017-07-01".into(), "动员".into()),
                (String::new(), String::new()),
            ],
            budget: vec![
                line("油漆", "平方米", "2.5", "33.33"),
                line("垃圾袋", "卷", "10", "3"),
                line("", "", "", ""),
            ],
            partners: "物业".into(),
            resources: String::new(),
            risks: String::new(),
            beneficiaries: "3号楼居民".into(),
            sustainability: "楼门长轮值".into(),
        }
    }

    #[test]
    fn budget_totals_are_exact_decimals() {
        // 2.5 × 33.33 = 83.325 (no float would give exactly that); 10 × 3 = 30; sum 113.325.
        let (_, content) = Content::parse(&input(), None).expect("valid");
        assert_eq!(yuan(content.budget[0].total()), "83.325");
        assert_eq!(yuan(content.budget[1].total()), "30.00");
        assert_eq!(yuan(content.total()), "113.325");
        // 0.1 × 3 = 0.3 exactly, the sum that floats get wrong.
        let mut tenth = input();
        tenth.budget = vec![line("a", "个", "0.1", "1"); 3];
        let (_, c) = Content::parse(&tenth, None).expect("valid");
        assert_eq!(c.total(), Decimal::new(3, 1));
    }

    #[test]
    fn blank_rows_are_dropped_and_steps_sorted_by_date() {
        let (title, content) = Content::parse(&input(), None).expect("valid");
        assert_eq!(title, "楼道微更新");
        assert_eq!(content.steps.len(), 2);
        assert_eq!(content.steps[0].activity, "动员");
        assert_eq!(content.budget.len(), 2);
    }

    #[test]
    fn bad_budget_lines_are_each_reported_with_their_row() {
        let mut bad = input();
        bad.budget = vec![
            line("油漆", "桶", "-1", "10"),
            line("刷子", "把", "abc", "10"),
            line("梯子", "架", "1e9", "10"),
            line("胶带", "卷", "99999999999", "10"),
            line("手套", "双", "1.234", "10"),
            line("", "", "1", "x"),
        ];
        let problems = Content::parse(&bad, None).expect_err("refused");
        for row in 1..=5 {
            assert!(
                problems.contains(&ProposalError::LineQuantity(row)),
                "row {row}"
            );
        }
        assert!(problems.contains(&ProposalError::LineItem(6)));
        assert!(problems.contains(&ProposalError::LineUnit(6)));
        assert!(problems.contains(&ProposalError::LinePrice(6)));
    }

    #[test]
    fn full_width_digits_and_a_trailing_yuan_are_read() {
        let mut typed = input();
        typed.budget = vec![line("油漆", "桶", "２", "１５．５元")];
        let (_, c) = Content::parse(&typed, None).expect("valid");
        assert_eq!(yuan(c.total()), "31.00");
    }

    #[test]
    fn a_budget_over_the_cap_is_refused_and_one_at_the_cap_is_not() {
        // The total is 113.325.
        let cap = |s: &str| parse_cap(s);
        assert_eq!(
            Content::parse(&input(), cap("113.32")).expect_err("over"),
            vec![ProposalError::OverCap]
        );
        assert!(Content::parse(&input(), Decimal::from_str_exact("113.325").ok()).is_ok());
        assert!(Content::parse(&input(), cap("50000")).is_ok());
        assert_eq!(parse_cap("0"), None);
        assert_eq!(parse_cap("-5"), None);
        assert_eq!(parse_cap("1.001"), None);
    }

    #[test]
    fn every_problem_of_a_form_is_reported_at_once() {
        let mut bad = input();
        bad.title = " ".into();
        bad.goals = "很".repeat(3001);
        bad.steps = vec![
            ("7月1日".into(), "动员".into()),
            ("2017-07-02".into(), String::new()),
        ];
        let problems = Content::parse(&bad, None).expect_err("refused");
        assert_eq!(
            problems,
            vec![
                ProposalError::TitleEmpty,
                ProposalError::SectionTooLong,
                ProposalError::StepDate(1),
                ProposalError::StepText(2),
            ]
        );
    }

    #[test]
    fn editing_is_for_step_4_and_never_after_shortlisting() {
        assert_eq!(check_edit(Step::ProposalDrafting, None), Ok(()));
        assert_eq!(
            check_edit(Step::ProposalDrafting, Some(Status::Ready)),
            Ok(())
        );
        assert_eq!(
            check_edit(Step::IdeaCollection, None),
            Err(ProposalError::NotDrafting)
        );
        assert_eq!(
            check_edit(Step::ProposalDrafting, Some(Status::Shortlisted)),
            Err(ProposalError::Locked)
        );
    }

    #[test]
    fn sign_off_needs_the_whole_checklist_every_section_and_a_team() {
        let (_, content) = Content::parse(&input(), None).expect("valid");
        let all = Checklist::from_ticked(|_| true);
        let step = Step::ProposalDrafting;
        assert_eq!(sign_off(step, Status::Draft, &content, 2, all), Ok(()));
        let mut missing_team = all;
        missing_team.team = false;
        assert_eq!(
            sign_off(step, Status::Draft, &content, 2, missing_team),
            Err(ProposalError::ChecklistIncomplete)
        );
        assert_eq!(
            sign_off(step, Status::Draft, &content, 1, all),
            Err(ProposalError::TeamTooSmall)
        );
        let empty = Content::default();
        assert_eq!(empty.missing().len(), Section::ALL.len());
        assert_eq!(
            sign_off(step, Status::Draft, &empty, 2, all),
            Err(ProposalError::SectionsMissing)
        );
        assert_eq!(
            sign_off(Step::Evaluation, Status::Draft, &content, 2, all),
            Err(ProposalError::NotDrafting)
        );
    }

    #[test]
    fn only_ready_proposals_are_shortlisted_and_only_once() {
        assert_eq!(shortlist(Step::ProposalDrafting, Status::Ready), Ok(()));
        assert_eq!(shortlist(Step::Evaluation, Status::Ready), Ok(()));
        assert_eq!(
            shortlist(Step::ProposalDrafting, Status::Draft),
            Err(ProposalError::NotReady)
        );
        assert_eq!(
            shortlist(Step::ProposalDrafting, Status::Shortlisted),
            Err(ProposalError::Locked)
        );
        assert_eq!(
            shortlist(Step::Publication, Status::Ready),
            Err(ProposalError::NotDrafting)
        );
    }

    #[test]
    fn a_comparison_names_the_sections_that_changed() {
        let (_, a) = Content::parse(&input(), None).expect("valid");
        let mut b = a.clone();
        b.goals.push_str("，并增设鞋架");
        b.budget[1].quantity = Decimal::new(12, 0);
        assert_eq!(
            a.changed_sections(&b),
            vec![Section::Goals, Section::Budget]
        );
        assert!(a.changed_sections(&a).is_empty());
        let text = b.section_text(Section::Budget, ["", "", ""]);
        assert!(text.contains("垃圾袋 12 卷 × 3.00 = 36.00"), "{text}");
        assert!(text.ends_with("= 119.325"), "{text}");
    }

    #[test]
    fn content_survives_json_with_its_exact_decimals() {
        // Decimals are stored as strings (rust_decimal's `serde-str`), so no engine's JSON
        // reader can turn 33.33 into a float.
        let (_, a) = Content::parse(&input(), None).expect("valid");
        let json = serde_json::to_string(&a).expect("serialises");
        assert!(json.contains("\"33.33\""), "{json}");
        let back: Content = serde_json::from_str(&json).expect("reads back");
        assert_eq!(back, a);
    }

    #[test]
    fn hidden_characters_anywhere_in_a_proposal_are_refused_where_they_are() {
        let mut bad = input();
        bad.title = "楼道\u{202E}微更新".into();
        bad.goals = "清出\u{0}通道".into();
        bad.risks = "\u{2066}雨天".into();
        bad.steps = vec![
            ("2017-07-01".into(), "动员\u{7}".into()),
            ("2017-07-02".into(), "\u{200B}".into()),
        ];
        bad.budget = vec![
            line("油漆\u{0}", "桶\u{202D}", "1", "10"),
            line("刷子", "\u{3164}", "1", "10"),
        ];
        assert_eq!(
            Content::parse(&bad, None).expect_err("refused"),
            vec![
                ProposalError::TitleHidden,
                ProposalError::SectionHidden,
                ProposalError::StepHidden(1),
                ProposalError::StepText(2),
                ProposalError::LineHidden(1),
                ProposalError::LineUnit(2),
            ]
        );
        for looks_empty in ["\u{200B}\u{200B}", "\u{3164}", "\u{3000}"] {
            let mut blank = input();
            blank.title = looks_empty.into();
            assert_eq!(
                Content::parse(&blank, None).expect_err("refused"),
                vec![ProposalError::TitleEmpty],
                "{looks_empty:?}"
            );
        }
        assert_eq!(ProposalError::LineHidden(3).row(), Some(3));
    }

    #[test]
    fn sections_keep_line_breaks_tabs_and_every_script() {
        let mut typed = input();
        typed.title = "한국어 🐶 Pets".into();
        typed.goals = "第一\r\n\t第二\nSecond 둘째".into();
        let (title, content) = Content::parse(&typed, None).expect("valid");
        assert_eq!(title, "한국어 🐶 Pets");
        assert_eq!(content.goals, "第一\n\t第二\nSecond 둘째");
    }

    #[test]
    fn notes_are_checked() {
        assert_eq!(check_note("说\u{0}"), Err(ProposalError::NoteHidden));
        assert_eq!(check_note("\u{FEFF}"), Err(ProposalError::NoteText));
        assert_eq!(check_note("  "), Err(ProposalError::NoteText));
        assert_eq!(check_note(&"字".repeat(1001)), Err(ProposalError::NoteText));
        assert_eq!(check_note(" 预算再细一点 ").as_deref(), Ok("预算再细一点"));
    }
}
