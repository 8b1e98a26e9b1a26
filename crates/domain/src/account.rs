//! Accounts: mobile numbers, passwords, display names and the roles a person can hold.

use crate::text;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a value typed by a person was refused. The web crate turns each variant into a
/// sentence in the reader's language (message id `err-<kebab-case of the variant>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("the mobile number is empty")]
    PhoneEmpty,
    #[error("not a mainland mobile number (11 digits starting with 13–19)")]
    PhoneInvalid,
    #[error("the password is shorter than 8 characters")]
    PasswordTooShort,
    #[error("the password is longer than 128 characters")]
    PasswordTooLong,
    #[error("the password contains a NUL character")]
    PasswordHidden,
    #[error("the name is empty")]
    NameEmpty,
    #[error("the name is longer than 40 characters")]
    NameTooLong,
    #[error("the name contains control characters or direction overrides")]
    NameHidden,
}

impl InputError {
    /// The message id of this error in the translation files.
    pub fn message_id(self) -> &'static str {
        match self {
            Self::PhoneEmpty => "err-phone-empty",
            Self::PhoneInvalid => "err-phone-invalid",
            Self::PasswordTooShort => "err-password-too-short",
            Self::PasswordTooLong => "err-password-too-long",
            Self::PasswordHidden => "err-password-hidden",
            Self::NameEmpty => "err-name-empty",
            Self::NameTooLong => "err-name-too-long",
            Self::NameHidden => "err-name-hidden",
        }
    }

    /// One of each, for the test that every message exists in every language.
    pub const ALL: [InputError; 8] = [
        Self::PhoneEmpty,
        Self::PhoneInvalid,
        Self::PasswordTooShort,
        Self::PasswordTooLong,
        Self::PasswordHidden,
        Self::NameEmpty,
        Self::NameTooLong,
        Self::NameHidden,
    ];
}

/// A mainland China mobile number, kept as its 11 digits.
///
/// People type numbers with spaces, dashes or a `+86`/`86` prefix; all of those are
/// accepted and stripped so that one person cannot register the same number twice.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Phone(String);

impl Phone {
    pub fn parse(input: &str) -> Result<Self, InputError> {
        let compact: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if compact.is_empty() {
            return Err(InputError::PhoneEmpty);
        }
        let digits = compact
            .strip_prefix("+86")
            .or_else(|| compact.strip_prefix("0086"))
            .or_else(|| {
                // A bare "86" prefix only when it leaves a full mobile number behind.
                compact.strip_prefix("86").filter(|rest| rest.len() == 11)
            })
            .unwrap_or(&compact);
        let bytes = digits.as_bytes();
        let valid = bytes.len() == 11
            && bytes.iter().all(u8::is_ascii_digit)
            && bytes[0] == b'1'
            && (b'3'..=b'9').contains(&bytes[1]);
        if valid {
            Ok(Self(digits.to_owned()))
        } else {
            Err(InputError::PhoneInvalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number as it may be shown to the person's own coordinator: `138****5678`.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password that meets the length rule. It is never stored: the store hashes it, so it may
/// hold any character but NUL, which some hashing and terminal code takes for its end.
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_CHARS: usize = 8;
    pub const MAX_CHARS: usize = 128;

    pub fn parse(input: &str) -> Result<Self, InputError> {
        let n = input.chars().count();
        if input.contains('\0') {
            Err(InputError::PasswordHidden)
        } else if n < Self::MIN_CHARS {
            Err(InputError::PasswordTooShort)
        } else if n > Self::MAX_CHARS {
            Err(InputError::PasswordTooLong)
        } else {
            Ok(Self(input.to_owned()))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// A person's name as shown on pages (a nickname is fine: 王阿姨), one line of
/// [`text::single_line`] text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX_CHARS: usize = 40;

    pub fn parse(input: &str) -> Result<Self, InputError> {
        let trimmed = text::single_line(input)
            .map_err(|e| e.as_field(InputError::NameEmpty, InputError::NameHidden))?;
        if trimmed.is_empty() {
            Err(InputError::NameEmpty)
        } else if trimmed.chars().count() > Self::MAX_CHARS {
            Err(InputError::NameTooLong)
        } else {
            Ok(Self(trimmed.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The roles of the programme. Every person is a resident; the others are granted for a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum Role {
    Resident,
    /// 社区协调人: runs the programme in one community.
    Coordinator,
    /// 社工 of one social organisation.
    SocialWorker,
    /// 街道社会动员科: runs the programme for one street.
    StreetAdmin,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Resident,
        Role::Coordinator,
        Role::SocialWorker,
        Role::StreetAdmin,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Role::Resident => "resident",
            Role::Coordinator => "coordinator",
            Role::SocialWorker => "social_worker",
            Role::StreetAdmin => "street_admin",
        }
    }

    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key() == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mobile_number_is_accepted_with_spaces_dashes_and_country_code() {
        for typed in [
            "13812345678",
            "138 1234 5678",
            "138-1234-5678",
            "+86 138 1234 5678",
            "8613812345678",
        ] {
            assert_eq!(
                Phone::parse(typed).map(|p| p.0),
                Ok("13812345678".to_owned()),
                "{typed}"
            );
        }
    }

    #[test]
    fn a_landline_a_short_number_or_letters_are_refused() {
        for typed in [
            "010-12345678",
            "1381234567",
            "138123456789",
            "12812345678",
            "1381234567a",
            "１３８１２３４５６７８",
        ] {
            assert_eq!(
                Phone::parse(typed),
                Err(InputError::PhoneInvalid),
                "{typed}"
            );
        }
        assert_eq!(Phone::parse("  "), Err(InputError::PhoneEmpty));
    }

    #[test]
    fn a_number_is_masked_for_display() {
        let phone = Phone::parse("13812345678").expect("valid");
        assert_eq!(phone.masked(), "138****5678");
    }

    #[test]
    fn passwords_are_counted_in_characters_not_bytes() {
        assert!(NewPassword::parse("创享计划望京街道").is_ok());
        assert_eq!(
            NewPassword::parse("创享计划").err(),
            Some(InputError::PasswordTooShort)
        );
        assert_eq!(
            NewPassword::parse(&"x".repeat(129)).err(),
            Some(InputError::PasswordTooLong)
        );
    }

    #[test]
    fn a_name_is_trimmed_and_bounded() {
        assert_eq!(
            DisplayName::parse("  王阿姨 ").map(|n| n.0),
            Ok("王阿姨".to_owned())
        );
        assert_eq!(DisplayName::parse(" "), Err(InputError::NameEmpty));
        assert_eq!(
            DisplayName::parse(&"名".repeat(41)),
            Err(InputError::NameTooLong)
        );
    }

    #[test]
    fn a_name_with_hidden_characters_is_refused() {
        for typed in [
            "王\u{0}阿姨",
            "王阿姨\u{7}",
            "王\u{202E}阿姨",
            "\u{2066}王阿姨",
            "王\t阿姨",
        ] {
            assert_eq!(
                DisplayName::parse(typed),
                Err(InputError::NameHidden),
                "{typed:?}"
            );
        }
        for looks_empty in [
            "\u{200B}\u{200B}",
            "\u{3164}",
            "\u{3000}\u{3000}",
            "\u{00AD} \u{FEFF}",
        ] {
            assert_eq!(
                DisplayName::parse(looks_empty),
                Err(InputError::NameEmpty),
                "{looks_empty:?}"
            );
        }
        for typed in ["王阿姨", "Mrs Wang", "한국어", "🐶 旺财", "李\u{200D}四"] {
            assert_eq!(
                DisplayName::parse(typed).map(|n| n.0),
                Ok(typed.to_owned()),
                "{typed:?}"
            );
        }
    }

    #[test]
    fn a_password_may_hold_anything_but_nul() {
        assert!(NewPassword::parse("pass\u{202E}word\t\u{7}").is_ok());
        assert_eq!(
            NewPassword::parse("password\u{0}").err(),
            Some(InputError::PasswordHidden)
        );
    }

    #[test]
    fn error_message_ids_are_unique() {
        let mut ids: Vec<_> = InputError::ALL.iter().map(|e| e.message_id()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), InputError::ALL.len());
    }

    #[test]
    fn role_keys_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::from_key(role.key()), Some(role));
        }
        assert_eq!(Role::from_key("mayor"), None);
    }
}
