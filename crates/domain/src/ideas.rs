//! Golden ideas (金点子): what a resident submits in step 3, how others support it, and how the
//! community's coordinator accepts, merges or declines it.

use crate::season::Step;
use crate::text;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The categories a season starts with; a street may rename or add its own.
pub const DEFAULT_CATEGORIES: [&str; 5] = [
    "社区环境治理",
    "社区安全",
    "文化服务",
    "社区共建",
    "民生服务",
];

/// Why an idea or a change to it was refused. Each has a message id `err-idea-…`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdeaError {
    #[error("the title is empty")]
    TitleEmpty,
    #[error("the title is longer than 40 characters")]
    TitleTooLong,
    #[error("the description is empty")]
    DescriptionEmpty,
    #[error("the description is longer than 2000 characters")]
    DescriptionTooLong,
    #[error("the place is longer than 100 characters")]
    PlaceTooLong,
    #[error("ideas are collected in step 3 only")]
    NotCollecting,
    #[error("a paper form must be dated inside the idea collection step")]
    PaperFormOutsideStep,
    #[error("the paper form number is empty or longer than 30 characters")]
    PaperFormNumber,
    #[error("the resident's consent must be recorded")]
    ConsentMissing,
    #[error("you cannot support your own idea")]
    OwnIdea,
    #[error("this idea is closed to support")]
    NotOpenForSupport,
    #[error("this idea has already been reviewed")]
    AlreadyReviewed,
    #[error("declining an idea needs a reason")]
    ReasonRequired,
    #[error("the reason is longer than 500 characters")]
    ReasonTooLong,
    #[error("an idea cannot be merged into itself or into a closed idea")]
    BadMergeTarget,
    #[error("a category name is empty or longer than 20 characters")]
    CategoryName,
    #[error("the title contains control characters or direction overrides")]
    TitleHidden,
    #[error("the description contains control characters or direction overrides")]
    DescriptionHidden,
    #[error("the place contains control characters or direction overrides")]
    PlaceHidden,
    #[error("the paper form number contains control characters or direction overrides")]
    PaperFormNumberHidden,
    #[error("the resident's consent contains control characters or direction overrides")]
    ConsentHidden,
    #[error("the reason contains control characters or direction overrides")]
    ReasonHidden,
    #[error("the category name contains control characters or direction overrides")]
    CategoryNameHidden,
}

impl IdeaError {
    pub fn message_id(self) -> &'static str {
        match self {
            Self::TitleEmpty => "err-idea-title-empty",
            Self::TitleTooLong => "err-idea-title-too-long",
            Self::DescriptionEmpty => "err-idea-description-empty",
            Self::DescriptionTooLong => "err-idea-description-too-long",
            Self::PlaceTooLong => "err-idea-place-too-long",
            Self::NotCollecting => "err-idea-not-collecting",
            Self::PaperFormOutsideStep => "err-idea-paper-outside-step",
            Self::PaperFormNumber => "err-idea-paper-number",
            Self::ConsentMissing => "err-idea-consent",
            Self::OwnIdea => "err-idea-own",
            Self::NotOpenForSupport => "err-idea-not-open",
            Self::AlreadyReviewed => "err-idea-reviewed",
            Self::ReasonRequired => "err-idea-reason",
            Self::ReasonTooLong => "err-idea-reason-too-long",
            Self::BadMergeTarget => "err-idea-merge-target",
            Self::CategoryName => "err-idea-category-name",
            Self::TitleHidden => "err-idea-title-hidden",
            Self::DescriptionHidden => "err-idea-description-hidden",
            Self::PlaceHidden => "err-idea-place-hidden",
            Self::PaperFormNumberHidden => "err-idea-paper-number-hidden",
            Self::ConsentHidden => "err-idea-consent-hidden",
            Self::ReasonHidden => "err-idea-reason-hidden",
            Self::CategoryNameHidden => "err-idea-category-name-hidden",
        }
    }

    pub const ALL: [IdeaError; 23] = [
        Self::TitleEmpty,
        Self::TitleTooLong,
        Self::DescriptionEmpty,
        Self::DescriptionTooLong,
        Self::PlaceTooLong,
        Self::NotCollecting,
        Self::PaperFormOutsideStep,
        Self::PaperFormNumber,
        Self::ConsentMissing,
        Self::OwnIdea,
        Self::NotOpenForSupport,
        Self::AlreadyReviewed,
        Self::ReasonRequired,
        Self::ReasonTooLong,
        Self::BadMergeTarget,
        Self::CategoryName,
        Self::TitleHidden,
        Self::DescriptionHidden,
        Self::PlaceHidden,
        Self::PaperFormNumberHidden,
        Self::ConsentHidden,
        Self::ReasonHidden,
        Self::CategoryNameHidden,
    ];
}

/// A category's name as a street admin typed it.
pub fn category_name(raw: &str) -> Result<String, IdeaError> {
    let name = text::single_line(raw)
        .map_err(|e| e.as_field(IdeaError::CategoryName, IdeaError::CategoryNameHidden))?;
    match name.chars().count() {
        1..=20 => Ok(name.to_owned()),
        _ => Err(IdeaError::CategoryName),
    }
}

/// An idea's text, checked: every field a person typed. The title and place are one line of
/// [`text::single_line`] text, the description [`text::multi_line`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdeaText {
    pub title: String,
    pub description: String,
    pub place: String,
}

impl IdeaText {
    pub const TITLE_MAX: usize = 40;
    pub const DESCRIPTION_MAX: usize = 2000;
    pub const PLACE_MAX: usize = 100;

    /// Checks every field and reports every problem, so the form shows them all at once.
    pub fn parse(title: &str, description: &str, place: &str) -> Result<Self, Vec<IdeaError>> {
        use IdeaError::*;
        let title = text::single_line(title)
            .map_err(|e| e.as_field(TitleEmpty, TitleHidden))
            .and_then(|t| match t.chars().count() {
                0 => Err(TitleEmpty),
                n if n > Self::TITLE_MAX => Err(TitleTooLong),
                _ => Ok(t),
            });
        let description = text::multi_line(description)
            .map_err(|e| e.as_field(DescriptionEmpty, DescriptionHidden))
            .and_then(|d| match d.chars().count() {
                0 => Err(DescriptionEmpty),
                n if n > Self::DESCRIPTION_MAX => Err(DescriptionTooLong),
                _ => Ok(d),
            });
        let place = text::single_line(place)
            .map_err(|e| e.as_field(PlaceHidden, PlaceHidden))
            .and_then(|p| {
                if p.chars().count() > Self::PLACE_MAX {
                    Err(PlaceTooLong)
                } else {
                    Ok(p)
                }
            });
        match (title, description, place) {
            (Ok(title), Ok(description), Ok(place)) => Ok(Self {
                title: title.to_owned(),
                description: description.to_owned(),
                place: place.to_owned(),
            }),
            (title, description, place) => Err([title.err(), description.err(), place.err()]
                .into_iter()
                .flatten()
                .collect()),
        }
    }
}

/// Where an idea came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Channel {
    /// Typed by the resident (or organisation) themself.
    Online,
    /// A 金点子征集表 on paper, typed in by a coordinator.
    PaperForm {
        number: String,
        dated: NaiveDate,
        consent: String,
    },
}

/// Whether an idea may be submitted now, and whether it is a late entry.
///
/// Online ideas come in during step 3 only. A paper form dated inside step 3's planned dates may
/// still be typed in afterwards (the coordinator collected it in time); it is flagged late.
pub fn check_submission(
    current: Step,
    collection: Option<(NaiveDate, NaiveDate)>,
    channel: &Channel,
) -> Result<bool, IdeaError> {
    match channel {
        Channel::Online => {
            if current == Step::IdeaCollection {
                Ok(false)
            } else {
                Err(IdeaError::NotCollecting)
            }
        }
        Channel::PaperForm {
            number,
            dated,
            consent,
        } => {
            let number = text::single_line(number).map_err(|e| {
                e.as_field(IdeaError::PaperFormNumber, IdeaError::PaperFormNumberHidden)
            })?;
            let n = number.chars().count();
            if n == 0 || n > 30 {
                return Err(IdeaError::PaperFormNumber);
            }
            let consent = text::multi_line(consent)
                .map_err(|e| e.as_field(IdeaError::ConsentMissing, IdeaError::ConsentHidden))?;
            if consent.is_empty() {
                return Err(IdeaError::ConsentMissing);
            }
            let inside = collection.is_some_and(|(from, to)| (from..=to).contains(dated));
            match current {
                Step::IdeaCollection if inside || collection.is_none() => Ok(false),
                s if s > Step::IdeaCollection && inside => Ok(true),
                _ => Err(IdeaError::PaperFormOutsideStep),
            }
        }
    }
}

/// Where an idea stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    Submitted,
    Accepted,
    Merged,
    Declined,
}

impl Status {
    pub fn key(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::Accepted => "accepted",
            Status::Merged => "merged",
            Status::Declined => "declined",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        [
            Status::Submitted,
            Status::Accepted,
            Status::Merged,
            Status::Declined,
        ]
        .into_iter()
        .find(|s| s.key() == key)
    }

    /// The public sees an idea once it is accepted (a merged idea lives on in its target).
    pub fn is_public(self) -> bool {
        self == Status::Accepted
    }
}

/// A coordinator's decision on a submitted idea.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Review {
    Accept,
    /// A duplicate: merged into another idea of the same season, which takes its supports.
    MergeInto {
        target: i64,
    },
    /// Declined, with a reason the submitter sees.
    Decline {
        reason: String,
    },
}

/// The facts a review is checked against.
pub struct ReviewTarget {
    pub idea_id: i64,
    pub status: Status,
    /// For a merge: the target's id and status, if it exists in the same season.
    pub merge_target: Option<(i64, Status)>,
}

/// Checks a review and returns the idea's new status.
pub fn review(target: &ReviewTarget, decision: &Review) -> Result<Status, IdeaError> {
    if target.status != Status::Submitted {
        return Err(IdeaError::AlreadyReviewed);
    }
    match decision {
        Review::Accept => Ok(Status::Accepted),
        Review::MergeInto { target: into } => match target.merge_target {
            Some((id, status))
                if id == *into
                    && id != target.idea_id
                    && matches!(status, Status::Submitted | Status::Accepted) =>
            {
                Ok(Status::Merged)
            }
            _ => Err(IdeaError::BadMergeTarget),
        },
        Review::Decline { reason } => {
            let reason = text::multi_line(reason)
                .map_err(|e| e.as_field(IdeaError::ReasonRequired, IdeaError::ReasonHidden))?;
            let n = reason.chars().count();
            if n == 0 {
                Err(IdeaError::ReasonRequired)
            } else if n > 500 {
                Err(IdeaError::ReasonTooLong)
            } else {
                Ok(Status::Declined)
            }
        }
    }
}

/// Whether `supporter` may add a +1 to an idea by `author` in its current status.
/// (Once each is enforced by the store's unique index, so two clicks at once count once.)
pub fn check_support(supporter: i64, author: Option<i64>, status: Status) -> Result<(), IdeaError> {
    if author == Some(supporter) {
        return Err(IdeaError::OwnIdea);
    }
    if !matches!(status, Status::Submitted | Status::Accepted) {
        return Err(IdeaError::NotOpenForSupport);
    }
    Ok(())
}

/// Ways the idea wall can be sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Newest,
    MostSupported,
}

impl Sort {
    pub fn from_key(key: &str) -> Option<Self> {
        match key {
            "newest" => Some(Sort::Newest),
            "supported" => Some(Sort::MostSupported),
            _ => None,
        }
    }
}

pub mod similar {
    //! Finding ideas like the one being typed, so that a resident supports an existing idea
    //! instead of submitting a duplicate. Titles are short Chinese phrases, where word
    //! segmentation alone misses near matches (楼道堆物 vs 楼道里堆的杂物), so the score mixes
    //! jieba words with single characters.

    use jieba_rs::Jieba;
    use std::collections::HashSet;
    use std::sync::OnceLock;

    /// Characters too common to say two titles are alike.
    const STOP_CHARS: &str =
        "的了和与及在是有我们你他她它这那个谁来吗呢吧啊把被给让对为从到也都就还而或之一";

    fn jieba() -> &'static Jieba {
        static JIEBA: OnceLock<Jieba> = OnceLock::new();
        JIEBA.get_or_init(Jieba::new)
    }

    /// The search terms of a text: jieba words (search mode, so long words also yield their
    /// parts) without punctuation, lower-cased.
    pub fn terms(text: &str) -> Vec<String> {
        let mut seen = HashSet::new();
        jieba()
            .cut_for_search(text, true)
            .into_iter()
            .map(|w| w.word.trim().to_lowercase())
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .filter(|w| !(w.chars().count() == 1 && w.chars().all(|c| STOP_CHARS.contains(c))))
            .filter(|w| seen.insert(w.clone()))
            .collect()
    }

    fn chars(text: &str) -> HashSet<char> {
        text.chars()
            .filter(|c| c.is_alphanumeric() && !STOP_CHARS.contains(*c))
            .collect()
    }

    /// How much of the typed `query` a candidate title covers, from 0 to 1: the mean of the
    /// share of the query's words and the share of its characters found in the candidate.
    pub fn score(query: &str, candidate: &str) -> f64 {
        let q_terms: HashSet<String> = terms(query).into_iter().collect();
        let c_terms: HashSet<String> = terms(candidate).into_iter().collect();
        let q_chars = chars(query);
        let c_chars = chars(candidate);
        if q_terms.is_empty() || q_chars.is_empty() {
            return 0.0;
        }
        let words = q_terms.intersection(&c_terms).count() as f64 / q_terms.len() as f64;
        let letters = q_chars.intersection(&c_chars).count() as f64 / q_chars.len() as f64;
        (words + letters) / 2.0
    }

    /// Below this an idea is not suggested.
    pub const THRESHOLD: f64 = 0.5;

    /// The `limit` most similar candidates (id, title) to `query`, best first.
    pub fn rank<'a>(
        query: &str,
        candidates: impl IntoIterator<Item = (i64, &'a str)>,
        limit: usize,
    ) -> Vec<(i64, f64)> {
        let mut scored: Vec<(i64, f64)> = candidates
            .into_iter()
            .map(|(id, title)| (id, score(query, title)))
            .filter(|(_, s)| *s >= THRESHOLD)
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored.truncate(limit);
        scored
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2017, m, d).expect("valid date")
    }

    const WINDOW: Option<(NaiveDate, NaiveDate)> = None;

    #[test]
    fn every_problem_of_an_idea_is_reported_at_once() {
        let problems =
            IdeaText::parse("  ", &"字".repeat(2001), &"地".repeat(101)).expect_err("bad");
        assert_eq!(
            problems,
            vec![
                IdeaError::TitleEmpty,
                IdeaError::DescriptionTooLong,
                IdeaError::PlaceTooLong
            ]
        );
        let ok = IdeaText::parse(" 萌宠俱乐部 ", "文明养犬", "").expect("valid");
        assert_eq!(ok.title, "萌宠俱乐部");
    }

    #[test]
    fn hidden_characters_in_an_idea_are_refused_field_by_field() {
        for bad in [
            "楼道\u{0}灯",
            "楼道灯\u{7}",
            "\u{202E}楼道灯",
            "楼道\u{2066}灯",
            "楼道\n灯",
        ] {
            assert_eq!(
                IdeaText::parse(bad, "说明", ""),
                Err(vec![IdeaError::TitleHidden]),
                "{bad:?}"
            );
            assert_eq!(
                IdeaText::parse("楼道灯", "说明", bad),
                Err(vec![IdeaError::PlaceHidden]),
                "{bad:?}"
            );
        }
        for looks_empty in ["\u{200B}\u{200B}", "\u{3164}", "\u{3000}\u{3000}"] {
            assert_eq!(
                IdeaText::parse(looks_empty, "说明", ""),
                Err(vec![IdeaError::TitleEmpty]),
                "{looks_empty:?}"
            );
            assert_eq!(
                IdeaText::parse("楼道灯", looks_empty, ""),
                Err(vec![IdeaError::DescriptionEmpty]),
                "{looks_empty:?}"
            );
        }
        assert_eq!(
            IdeaText::parse("楼道灯", "说明\u{0}", "\u{202E}3号楼"),
            Err(vec![IdeaError::DescriptionHidden, IdeaError::PlaceHidden])
        );
    }

    #[test]
    fn ordinary_writing_line_breaks_and_tabs_are_accepted_in_an_idea() {
        let ok = IdeaText::parse(
            "🐶 Pet club 반려견",
            "第一，文明养犬。\r\n第二，\t定期活动。\nWalk together 함께",
            "3号楼 Building 3",
        )
        .expect("valid");
        assert_eq!(ok.title, "🐶 Pet club 반려견");
        assert!(ok.description.contains('\t') && ok.description.contains('\n'));
    }

    #[test]
    fn a_paper_form_reason_or_category_with_hidden_characters_is_refused() {
        let form = |number: &str, consent: &str| Channel::PaperForm {
            number: number.into(),
            dated: day(5, 20),
            consent: consent.into(),
        };
        let check = |c| check_submission(Step::IdeaCollection, WINDOW, &c);
        assert_eq!(
            check(form("17\u{0}", "本人签字")),
            Err(IdeaError::PaperFormNumberHidden)
        );
        assert_eq!(
            check(form("\u{200B}", "本人签字")),
            Err(IdeaError::PaperFormNumber)
        );
        assert_eq!(
            check(form("17", "本人\u{202E}签字")),
            Err(IdeaError::ConsentHidden)
        );
        assert_eq!(
            check(form("17", "\u{3164}")),
            Err(IdeaError::ConsentMissing)
        );
        let submitted = ReviewTarget {
            idea_id: 1,
            status: Status::Submitted,
            merge_target: None,
        };
        let decline = |reason: &str| Review::Decline {
            reason: reason.into(),
        };
        assert_eq!(
            review(&submitted, &decline("重复\u{0}")),
            Err(IdeaError::ReasonHidden)
        );
        assert_eq!(
            review(&submitted, &decline("\u{200B}")),
            Err(IdeaError::ReasonRequired)
        );
        assert_eq!(
            category_name("环境\u{7}"),
            Err(IdeaError::CategoryNameHidden)
        );
        assert_eq!(category_name("\u{FEFF}"), Err(IdeaError::CategoryName));
        assert_eq!(category_name(" 环境 ").as_deref(), Ok("环境"));
    }

    #[test]
    fn online_ideas_come_in_during_idea_collection_only() {
        assert_eq!(
            check_submission(Step::IdeaCollection, WINDOW, &Channel::Online),
            Ok(false)
        );
        assert_eq!(
            check_submission(Step::ProposalDrafting, WINDOW, &Channel::Online),
            Err(IdeaError::NotCollecting)
        );
        assert_eq!(
            check_submission(Step::Preparation, WINDOW, &Channel::Online),
            Err(IdeaError::NotCollecting)
        );
    }

    #[test]
    fn a_paper_form_dated_inside_step_three_may_be_typed_in_late_and_is_flagged() {
        let window = Some((day(5, 6), day(6, 10)));
        let form = |d| Channel::PaperForm {
            number: "17".into(),
            dated: d,
            consent: "本人签字".into(),
        };
        assert_eq!(
            check_submission(Step::IdeaCollection, window, &form(day(5, 20))),
            Ok(false)
        );
        assert_eq!(
            check_submission(Step::ProposalDrafting, window, &form(day(6, 1))),
            Ok(true)
        );
        assert_eq!(
            check_submission(Step::ProposalDrafting, window, &form(day(6, 20))),
            Err(IdeaError::PaperFormOutsideStep)
        );
        assert_eq!(
            check_submission(Step::Preparation, window, &form(day(5, 20))),
            Err(IdeaError::PaperFormOutsideStep)
        );
        let unsigned = Channel::PaperForm {
            number: "17".into(),
            dated: day(5, 20),
            consent: " ".into(),
        };
        assert_eq!(
            check_submission(Step::IdeaCollection, window, &unsigned),
            Err(IdeaError::ConsentMissing)
        );
    }

    #[test]
    fn a_coordinator_reviews_a_submitted_idea_once() {
        let submitted = ReviewTarget {
            idea_id: 1,
            status: Status::Submitted,
            merge_target: Some((2, Status::Accepted)),
        };
        assert_eq!(review(&submitted, &Review::Accept), Ok(Status::Accepted));
        assert_eq!(
            review(&submitted, &Review::MergeInto { target: 2 }),
            Ok(Status::Merged)
        );
        assert_eq!(
            review(&submitted, &Review::Decline { reason: " ".into() }),
            Err(IdeaError::ReasonRequired)
        );
        assert_eq!(
            review(
                &submitted,
                &Review::Decline {
                    reason: "不属于社区公共事务".into()
                }
            ),
            Ok(Status::Declined)
        );
        let accepted = ReviewTarget {
            status: Status::Accepted,
            ..submitted
        };
        assert_eq!(
            review(&accepted, &Review::Accept),
            Err(IdeaError::AlreadyReviewed)
        );
    }

    #[test]
    fn an_idea_is_not_merged_into_itself_or_a_declined_idea() {
        let into_self = ReviewTarget {
            idea_id: 1,
            status: Status::Submitted,
            merge_target: Some((1, Status::Submitted)),
        };
        assert_eq!(
            review(&into_self, &Review::MergeInto { target: 1 }),
            Err(IdeaError::BadMergeTarget)
        );
        let into_declined = ReviewTarget {
            idea_id: 1,
            status: Status::Submitted,
            merge_target: Some((2, Status::Declined)),
        };
        assert_eq!(
            review(&into_declined, &Review::MergeInto { target: 2 }),
            Err(IdeaError::BadMergeTarget)
        );
        let elsewhere = ReviewTarget {
            idea_id: 1,
            status: Status::Submitted,
            merge_target: None,
        };
        assert_eq!(
            review(&elsewhere, &Review::MergeInto { target: 9 }),
            Err(IdeaError::BadMergeTarget)
        );
    }

    #[test]
    fn nobody_supports_their_own_idea_or_a_closed_one() {
        assert_eq!(
            check_support(7, Some(7), Status::Submitted),
            Err(IdeaError::OwnIdea)
        );
        assert_eq!(
            check_support(8, Some(7), Status::Declined),
            Err(IdeaError::NotOpenForSupport)
        );
        assert_eq!(check_support(8, Some(7), Status::Accepted), Ok(()));
        assert_eq!(check_support(8, None, Status::Submitted), Ok(()));
    }

    #[test]
    fn typing_hallway_clutter_finds_the_earlier_hallway_idea() {
        let earlier = [
            (1, "楼道里堆的杂物谁来清"),
            (2, "萌宠俱乐部"),
            (3, "流动图书馆"),
        ];
        let found = similar::rank("楼道堆物", earlier, 5);
        assert_eq!(found.first().map(|f| f.0), Some(1), "{found:?}");
        assert!(
            found.iter().all(|(id, _)| *id == 1),
            "unrelated ideas are not suggested: {found:?}"
        );
    }

    #[test]
    fn search_terms_drop_punctuation_and_keep_words() {
        let terms = similar::terms("大战“僵尸”单车！");
        assert!(terms.contains(&"单车".to_owned()), "{terms:?}");
        assert!(terms.iter().all(|t| t.chars().any(char::is_alphanumeric)));
    }

    #[test]
    fn error_message_ids_are_unique() {
        let mut ids: Vec<_> = IdeaError::ALL.iter().map(|e| e.message_id()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), IdeaError::ALL.len());
    }
}
