//! Text a person typed, and whether it may be kept: the one place that decides, so that every
//! name, title and description is held to the same rule on every database engine.
//!
//! PostgreSQL refuses a NUL byte in text (an error the pages would show as a server failure)
//! where SQLite and MariaDB keep it; other control characters survive storage but break exports,
//! logs and the printed 提案书; a bidirectional override (U+202E) makes the rest of a title read
//! backwards, so it shows one thing and says another; and a name made only of zero-width
//! characters looks like nobody. So text is refused here, before any engine sees it:
//!
//! - everywhere: every C0 and C1 control character (NUL included), the noncharacters
//!   (U+FFFE, U+FFFF, U+FDD0–U+FDEF and the last two of every plane), and the bidirectional
//!   embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069);
//! - in [`multi_line`] text (descriptions, reasons, notes) line breaks and tabs are kept: `\n`,
//!   `\r`, `\t`, U+2028 and U+2029;
//! - in [`single_line`] text (names, titles, places, numbers, labels) none of those, and neither
//!   the direction marks U+200E, U+200F and U+061C: they are invisible, so two names that differ
//!   only by one would look the same, and nobody types one into a Chinese name;
//! - text that is nothing but invisible characters (zero-width spaces and joiners, the Hangul
//!   fillers, soft hyphens, variation selectors, whitespace such as U+3000) is refused as
//!   [`TextError::Invisible`], which a required field reports as empty.
//!
//! Both functions trim whitespace at the ends first, as every form here always has, and check
//! what remains. Zero-width characters inside text are kept: an emoji family is joined by U+200D.

/// Why a piece of typed text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("the text contains a control character")]
    ControlCharacter,
    #[error("the text contains a character that changes the direction of writing")]
    BidiControl,
    #[error("the text has only invisible characters")]
    Invisible,
}

impl TextError {
    /// One of each, for the test that every message exists in every language.
    pub const ALL: [TextError; 3] = [Self::ControlCharacter, Self::BidiControl, Self::Invisible];

    /// The message id of this error in the translation files, for a page that shows the text
    /// error itself rather than its field's own message.
    pub fn message_id(self) -> &'static str {
        match self {
            Self::ControlCharacter => "err-text-control",
            Self::BidiControl => "err-text-bidi",
            Self::Invisible => "err-text-invisible",
        }
    }

    /// The caller's own error for a field: `empty` when only invisible characters were typed
    /// (the field looks empty to the person who filled it in), `hidden` otherwise.
    pub fn as_field<E>(self, empty: E, hidden: E) -> E {
        match self {
            Self::Invisible => empty,
            Self::ControlCharacter | Self::BidiControl => hidden,
        }
    }
}

/// Whether line breaks and tabs are part of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lines {
    Single,
    Multi,
}

/// Checks text typed into a one-line field: a name, title, place, number or label.
/// Returns it trimmed; an empty input is `Ok("")`, for the caller's own "empty" rule.
pub fn single_line(raw: &str) -> Result<&str, TextError> {
    check(raw, Lines::Single)
}

/// Checks text typed into a box of several lines: a description, reason, consent or note.
/// Returns it trimmed; an empty input is `Ok("")`, for the caller's own "empty" rule.
pub fn multi_line(raw: &str) -> Result<&str, TextError> {
    check(raw, Lines::Multi)
}

fn check(raw: &str, lines: Lines) -> Result<&str, TextError> {
    let text = raw.trim();
    if let Some(e) = text.chars().find_map(|c| refused(c, lines)) {
        return Err(e);
    }
    if !text.is_empty() && text.chars().all(is_invisible) {
        return Err(TextError::Invisible);
    }
    Ok(text)
}

fn refused(c: char, lines: Lines) -> Option<TextError> {
    match c {
        '\n' | '\r' | '\t' | '\u{2028}' | '\u{2029}' if lines == Lines::Multi => None,
        '\u{200E}' | '\u{200F}' | '\u{061C}' if lines == Lines::Multi => None,
        '\u{2028}' | '\u{2029}' => Some(TextError::ControlCharacter),
        c if c.is_control() || is_noncharacter(c) => Some(TextError::ControlCharacter),
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => Some(TextError::BidiControl),
        '\u{200E}' | '\u{200F}' | '\u{061C}' => Some(TextError::BidiControl),
        _ => None,
    }
}

/// Code points Unicode sets aside never to be characters.
fn is_noncharacter(c: char) -> bool {
    let n = u32::from(c);
    (0xFDD0..=0xFDEF).contains(&n) || n & 0xFFFE == 0xFFFE
}

/// Characters that show nothing: with only these, a name looks empty.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}'                      // soft hyphen
            | '\u{034F}'                    // combining grapheme joiner
            | '\u{061C}'                    // Arabic letter mark
            | '\u{115F}' | '\u{1160}'       // Hangul choseong and jungseong fillers
            | '\u{17B4}' | '\u{17B5}'       // Khmer inherent vowels
            | '\u{180E}'                    // Mongolian vowel separator
            | '\u{200B}'..='\u{200F}'       // zero-width space, non-joiner, joiner; direction marks
            | '\u{2060}'..='\u{2064}'       // word joiner, invisible operators
            | '\u{2800}'                    // braille blank
            | '\u{3164}'                    // Hangul filler
            | '\u{FE00}'..='\u{FE0F}'       // variation selectors
            | '\u{FEFF}'                    // zero-width no-break space (byte order mark)
            | '\u{FFA0}' // halfwidth Hangul filler
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_and_every_other_control_character_is_refused_in_both_kinds_of_text() {
        for c in ('\u{0}'..='\u{1F}').chain('\u{7F}'..='\u{9F}') {
            if matches!(c, '\n' | '\r' | '\t') {
                continue;
            }
            let typed = format!("王{c}阿姨");
            assert_eq!(
                single_line(&typed),
                Err(TextError::ControlCharacter),
                "{c:?}"
            );
            assert_eq!(
                multi_line(&typed),
                Err(TextError::ControlCharacter),
                "{c:?}"
            );
        }
        assert_eq!(single_line("\u{0}"), Err(TextError::ControlCharacter));
        assert_eq!(single_line("a\u{7}"), Err(TextError::ControlCharacter));
    }

    #[test]
    fn noncharacters_are_refused() {
        for c in [
            '\u{FFFE}',
            '\u{FFFF}',
            '\u{FDD0}',
            '\u{1FFFF}',
            '\u{10FFFE}',
        ] {
            assert_eq!(
                multi_line(&format!("说明{c}")),
                Err(TextError::ControlCharacter),
                "{c:?}"
            );
        }
        assert_eq!(
            single_line("\u{FFFD}"),
            Ok("\u{FFFD}"),
            "the replacement character"
        );
    }

    #[test]
    fn direction_overrides_embeddings_and_isolates_are_refused() {
        for c in ('\u{202A}'..='\u{202E}').chain('\u{2066}'..='\u{2069}') {
            let typed = format!("楼道{c}微更新");
            assert_eq!(single_line(&typed), Err(TextError::BidiControl), "{c:?}");
            assert_eq!(multi_line(&typed), Err(TextError::BidiControl), "{c:?}");
        }
    }

    #[test]
    fn direction_marks_are_kept_in_prose_but_not_in_a_name() {
        for c in ['\u{200E}', '\u{200F}', '\u{061C}'] {
            let typed = format!("见 שלום{c} 一文");
            assert_eq!(single_line(&typed), Err(TextError::BidiControl), "{c:?}");
            assert_eq!(multi_line(&typed), Ok(typed.as_str()), "{c:?}");
        }
    }

    #[test]
    fn line_breaks_and_tabs_are_kept_in_prose_and_refused_on_one_line() {
        let prose = "第一段\r\n第二段\n\t缩进\u{2028}末行";
        assert_eq!(multi_line(prose), Ok(prose));
        for typed in ["王\n阿姨", "王\r阿姨", "王\t阿姨", "王\u{2028}阿姨"] {
            assert_eq!(
                single_line(typed),
                Err(TextError::ControlCharacter),
                "{typed:?}"
            );
        }
    }

    #[test]
    fn whitespace_at_the_ends_is_trimmed_before_the_check() {
        assert_eq!(single_line(" \t王阿姨\r\n"), Ok("王阿姨"));
        assert_eq!(multi_line("\u{3000}说明\n"), Ok("说明"));
        assert_eq!(single_line("   "), Ok(""));
        assert_eq!(single_line("\u{3000}\u{3000}"), Ok(""));
    }

    #[test]
    fn text_of_only_invisible_characters_is_refused() {
        for typed in [
            "\u{200B}\u{200B}",
            "\u{3164}",
            "\u{115F}\u{1160}",
            "\u{00AD}",
            "\u{FEFF}",
            "\u{2060}",
            "\u{200D} \u{200C}",
            "\u{FFA0}",
            "\u{3000}\u{200B}\u{3000}",
        ] {
            assert_eq!(single_line(typed), Err(TextError::Invisible), "{typed:?}");
            assert_eq!(multi_line(typed), Err(TextError::Invisible), "{typed:?}");
        }
    }

    #[test]
    fn ordinary_writing_of_every_kind_is_accepted() {
        for typed in [
            "王阿姨",
            "Mrs Wang",
            "한국어",
            "Zoë O'Brien-Łukasz",
            "🐶萌宠俱乐部",
            "👨\u{200D}👩\u{200D}👧 一家人",
            "3号楼 2单元",
            "ابتسام",
        ] {
            assert_eq!(single_line(typed), Ok(typed), "{typed:?}");
            assert_eq!(multi_line(typed), Ok(typed), "{typed:?}");
        }
    }

    #[test]
    fn a_required_field_reports_invisible_text_as_empty() {
        assert_eq!(TextError::Invisible.as_field("empty", "hidden"), "empty");
        assert_eq!(TextError::BidiControl.as_field("empty", "hidden"), "hidden");
        assert_eq!(
            TextError::ControlCharacter.as_field("empty", "hidden"),
            "hidden"
        );
    }

    #[test]
    fn message_ids_are_unique() {
        let mut ids: Vec<_> = TextError::ALL.iter().map(|e| e.message_id()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), TextError::ALL.len());
    }
}
