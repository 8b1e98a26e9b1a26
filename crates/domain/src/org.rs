//! The organisation of a street: districts, streets, communities, courtyards, social
//! organisations and social units, and the seven committees with their public-benefit societies.

use crate::text;
use serde::{Deserialize, Serialize};

/// Why a name typed for a place or organisation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("the name is empty")]
    Empty,
    #[error("the name is longer than 60 characters")]
    TooLong,
    #[error("the name contains control characters or direction overrides")]
    Hidden,
}

impl NameError {
    /// One of each, for the test that every message exists in every language.
    pub const ALL: [NameError; 3] = [Self::Empty, Self::TooLong, Self::Hidden];

    pub fn message_id(self) -> &'static str {
        match self {
            Self::Empty => "err-org-name-empty",
            Self::TooLong => "err-org-name-too-long",
            Self::Hidden => "err-org-name-hidden",
        }
    }
}

/// The name of a street, community, courtyard or organisation: one line of
/// [`text::single_line`] text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PlaceName(String);

impl PlaceName {
    pub const MAX_CHARS: usize = 60;

    pub fn parse(input: &str) -> Result<Self, NameError> {
        let trimmed = text::single_line(input)
            .map_err(|e| e.as_field(NameError::Empty, NameError::Hidden))?;
        if trimmed.is_empty() {
            Err(NameError::Empty)
        } else if trimmed.chars().count() > Self::MAX_CHARS {
            Err(NameError::TooLong)
        } else {
            Ok(Self(trimmed.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Two kinds of organisation take part besides residents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OrgKind {
    /// 社会组织: a social-work organisation that coaches proposers.
    SocialOrg,
    /// 社会单位: a business, school or institution in the street that may submit ideas.
    SocialUnit,
}

impl OrgKind {
    pub fn key(self) -> &'static str {
        match self {
            OrgKind::SocialOrg => "social_org",
            OrgKind::SocialUnit => "social_unit",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        [OrgKind::SocialOrg, OrgKind::SocialUnit]
            .into_iter()
            .find(|k| k.key() == key)
    }
}

/// One of the seven community committees and the public-benefit society (公益社) that
/// answers to it in the 过家家 "17N" alliance. A fixed reference table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Society {
    pub key: &'static str,
    pub committee_zh: &'static str,
    pub committee_en: &'static str,
    pub society_zh: &'static str,
    pub society_en: &'static str,
}

pub const SOCIETIES: [Society; 7] = [
    Society {
        key: "ageing",
        committee_zh: "老龄工作委员会",
        committee_en: "Ageing Committee",
        society_zh: "颐家家公益社",
        society_en: "Yi Jiajia Society (elderly care)",
    },
    Society {
        key: "environment",
        committee_zh: "公共环境委员会",
        committee_en: "Public Environment Committee",
        society_zh: "绿家家公益社",
        society_en: "Lü Jiajia Society (green home)",
    },
    Society {
        key: "opinion",
        committee_zh: "民情民意委员会",
        committee_en: "Residents' Opinion Committee",
        society_zh: "知家家公益社",
        society_en: "Zhi Jiajia Society (residents' voice)",
    },
    Society {
        key: "public_affairs",
        committee_zh: "公共事业发展委员会",
        committee_en: "Public Affairs Committee",
        society_zh: "乐家家公益社",
        society_en: "Le Jiajia Society (public affairs)",
    },
    Society {
        key: "welfare",
        committee_zh: "社会福利委员会",
        committee_en: "Social Welfare Committee",
        society_zh: "暖家家公益社",
        society_en: "Nuan Jiajia Society (welfare)",
    },
    Society {
        key: "safety",
        committee_zh: "安全与民调委员会",
        committee_en: "Safety and Mediation Committee",
        society_zh: "安家家公益社",
        society_en: "An Jiajia Society (safety)",
    },
    Society {
        key: "co_building",
        committee_zh: "共建与协调委员会",
        committee_en: "Co-building and Coordination Committee",
        society_zh: "和家家公益社",
        society_en: "He Jiajia Society (co-building)",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_seven_societies_one_per_committee() {
        assert_eq!(SOCIETIES.len(), 7);
        let mut keys: Vec<_> = SOCIETIES.iter().map(|s| s.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), 7);
        assert!(
            SOCIETIES
                .iter()
                .all(|s| s.society_zh.ends_with("家家公益社"))
        );
    }

    #[test]
    fn a_place_name_is_trimmed_and_bounded() {
        assert_eq!(
            PlaceName::parse(" 圣星社区 ").map(|n| n.into_string()),
            Ok("圣星社区".to_owned())
        );
        assert_eq!(PlaceName::parse(""), Err(NameError::Empty));
        assert_eq!(PlaceName::parse(&"区".repeat(61)), Err(NameError::TooLong));
    }

    #[test]
    fn a_place_name_with_hidden_characters_is_refused() {
        for typed in [
            "圣星\u{0}社区",
            "圣星\u{7}",
            "\u{202E}圣星社区",
            "圣星\u{2066}社区",
        ] {
            assert_eq!(PlaceName::parse(typed), Err(NameError::Hidden), "{typed:?}");
        }
        for looks_empty in ["\u{200B}\u{200B}", "\u{3164}", "\u{3000}"] {
            assert_eq!(
                PlaceName::parse(looks_empty),
                Err(NameError::Empty),
                "{looks_empty:?}"
            );
        }
        assert!(PlaceName::parse("Sacred Star 성성 社区").is_ok());
    }
}
