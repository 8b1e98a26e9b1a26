//! Translations (Fluent): zh-CN first, English complete beside it.

use fluent_templates::{Loader, fluent_bundle::FluentValue, static_loader};
use std::borrow::Cow;
use std::collections::HashMap;
use unic_langid::{LanguageIdentifier, langid};

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "zh-CN",
        // Bidi isolation marks around placeables only help right-to-left scripts and
        // show up as stray characters in copied text.
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static ZH: LanguageIdentifier = langid!("zh-CN");
static EN: LanguageIdentifier = langid!("en");

/// The languages pages are offered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "zh-CN" | "zh" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The other language, for the switch in the header.
    pub fn other(self) -> Self {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    pub fn is_en(self) -> bool {
        self == Lang::En
    }
}

/// The message `id` in `lang`. A missing id shows the id itself, which the completeness
/// test catches before it reaches anyone.
pub fn text(lang: Lang, id: &str) -> String {
    LOCALES
        .try_lookup(lang.id(), id)
        .unwrap_or_else(|| id.to_owned())
}

/// The message `id` with named arguments.
pub fn text_with(lang: Lang, id: &str, args: &[(&'static str, String)]) -> String {
    let map: HashMap<Cow<'static, str>, FluentValue<'static>> = args
        .iter()
        .map(|(k, v)| (Cow::Borrowed(*k), FluentValue::from(v.clone())))
        .collect();
    LOCALES
        .try_lookup_with_args(lang.id(), id, &map)
        .unwrap_or_else(|| id.to_owned())
}

/// What a template holds to translate: `{{ t.t("home-title") }}`.
#[derive(Debug, Clone, Copy)]
pub struct Tr(pub Lang);

impl Tr {
    pub fn t(&self, id: &str) -> String {
        text(self.0, id)
    }

    pub fn t1(&self, id: &str, name: &'static str, value: impl std::fmt::Display) -> String {
        text_with(self.0, id, &[(name, value.to_string())])
    }

    pub fn lang(&self) -> &'static str {
        self.0.code()
    }
}
