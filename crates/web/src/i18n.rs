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

#[cfg(test)]
mod tests {
    use super::*;
    use chuangxiang_domain::account::{InputError, Role};
    use chuangxiang_domain::audit::AuditAction;
    use chuangxiang_domain::org::NameError;
    use chuangxiang_domain::season::{SeasonError, Step};
    use std::collections::BTreeSet;
    use std::path::Path;

    fn ids(ftl: &str) -> BTreeSet<String> {
        ftl.lines()
            .filter(|l| !l.starts_with(' ') && !l.starts_with('#'))
            .filter_map(|l| l.split_once(" =").map(|(id, _)| id.trim().to_owned()))
            .collect()
    }

    fn files_under(dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                files_under(&path, out);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                out.push(text);
            }
        }
    }

    /// Every literal id passed to `t("…")`, `t1("…"` or `text(…, "…")` in templates and code.
    fn used_ids() -> BTreeSet<String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut texts = Vec::new();
        files_under(&root.join("templates"), &mut texts);
        files_under(&root.join("src"), &mut texts);
        let mut used = BTreeSet::new();
        for text in texts {
            for marker in [".t(\"", ".t1(\""] {
                for piece in text.split(marker).skip(1) {
                    if let Some(id) = piece.split('"').next()
                        && !id.is_empty()
                        && id
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                    {
                        used.insert(id.to_owned());
                    }
                }
            }
        }
        used
    }

    /// Ids built at run time from the domain's enums.
    fn dynamic_ids() -> BTreeSet<String> {
        let mut ids = BTreeSet::new();
        for step in Step::ALL {
            ids.insert(format!("step-{}", step.key()));
        }
        for action in AuditAction::ALL {
            ids.insert(action.message_id());
        }
        for role in Role::ALL {
            ids.insert(format!("role-{}", role.key()));
        }
        for status in ["submitted", "accepted", "merged", "declined"] {
            ids.insert(format!("idea-status-{status}"));
        }
        for e in chuangxiang_domain::photos::PhotoError::ALL {
            ids.insert(e.message_id().to_owned());
        }
        for notice in ["supported", "reviewed", "photo-added"] {
            ids.insert(format!("idea-notice-{notice}"));
        }
        for e in chuangxiang_domain::ideas::IdeaError::ALL {
            ids.insert(e.message_id().to_owned());
        }
        use chuangxiang_domain::proposals::{Checklist, ProposalError, Section};
        for e in ProposalError::ALL {
            ids.insert(e.message_id().to_owned());
        }
        for s in Section::ALL {
            ids.insert(s.message_id());
        }
        for k in Checklist::KEYS {
            ids.insert(format!("checklist-{k}"));
        }
        for status in ["draft", "ready", "shortlisted"] {
            ids.insert(format!("proposal-status-{status}"));
        }
        for role in ["owner", "member", "invited"] {
            ids.insert(format!("proposal-team-{role}"));
        }
        for notice in crate::routes::proposals::NOTICES {
            ids.insert(format!("proposal-notice-{notice}"));
        }
        for notice in chuangxiang_domain::notify::Notice::ALL {
            ids.insert(notice.message_id());
        }
        use chuangxiang_domain::rounds::{RecusalReason, RoundError, RoundStatus};
        for e in RoundError::ALL {
            ids.insert(e.message_id().to_owned());
        }
        for s in RoundStatus::ALL {
            ids.insert(format!("round-status-{}", s.key()));
        }
        for r in RecusalReason::ALL {
            ids.insert(format!("recusal-{}", r.key()));
        }
        for n in crate::routes::rounds::NOTICES {
            ids.insert(format!("round-notice-{n}"));
        }
        for c in [
            "goals",
            "methods",
            "steps",
            "plan",
            "guarantees",
            "presentation",
        ] {
            ids.insert(format!("criterion-{c}"));
        }
        for kind in ["social_org", "social_unit"] {
            ids.insert(format!("org-kind-{kind}"));
        }
        for key in [
            "404", "403", "csrf", "control", "413", "422", "429", "500", "503",
        ] {
            ids.insert(format!("error-{key}-title"));
            ids.insert(format!("error-{key}-message"));
        }
        for e in InputError::ALL {
            ids.insert(e.message_id().to_owned());
        }
        for e in NameError::ALL {
            ids.insert(e.message_id().to_owned());
        }
        for e in SeasonError::ALL {
            ids.insert(e.message_id().to_owned());
        }
        for e in chuangxiang_domain::text::TextError::ALL {
            ids.insert(e.message_id().to_owned());
        }
        use crate::import::FileError;
        for e in FileError::ALL {
            ids.insert(e.message_id().to_owned());
        }
        use chuangxiang_domain::import::ImportProblem;
        for p in [
            ImportProblem::Empty,
            ImportProblem::TooManyRows,
            ImportProblem::CommunityExists,
            ImportProblem::PhoneRegistered,
        ] {
            ids.insert(p.message_id().to_owned());
        }
        ids
    }

    #[test]
    fn english_and_chinese_have_the_same_messages() {
        let zh = ids(include_str!("../locales/zh-CN/main.ftl"));
        let en = ids(include_str!("../locales/en/main.ftl"));
        let only_zh: Vec<_> = zh.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&zh).collect();
        assert!(
            only_zh.is_empty() && only_en.is_empty(),
            "only in zh-CN: {only_zh:?}; only in en: {only_en:?}"
        );
    }

    #[test]
    fn every_message_a_page_uses_is_translated() {
        let zh = ids(include_str!("../locales/zh-CN/main.ftl"));
        let needed: BTreeSet<String> = used_ids().union(&dynamic_ids()).cloned().collect();
        let missing: Vec<_> = needed.difference(&zh).collect();
        assert!(
            missing.is_empty(),
            "messages used but not translated: {missing:?}"
        );
        for id in &needed {
            for lang in [Lang::Zh, Lang::En] {
                let args = [
                    ("name", "x".to_owned()),
                    ("count", "1".to_owned()),
                    ("step", "1".to_owned()),
                    ("column", "c".to_owned()),
                    ("first", "2".to_owned()),
                    ("row", "3".to_owned()),
                    ("title", "t".to_owned()),
                    ("number", "2".to_owned()),
                    ("cap", "5000.00".to_owned()),
                    ("when", "w".to_owned()),
                    ("subject", "s".to_owned()),
                    ("seed", "s".to_owned()),
                    ("total", "1.00".to_owned()),
                ];
                assert_ne!(
                    text_with(lang, id, &args),
                    *id,
                    "{id} does not resolve in {lang:?}"
                );
            }
        }
    }

    #[test]
    fn english_pages_carry_no_chinese_except_the_language_switch() {
        let en = include_str!("../locales/en/main.ftl");
        for line in en.lines() {
            let has_cjk = line.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
            // The switch names Chinese in Chinese; the import help names the column headers
            // the file must have, which are Chinese in the file itself.
            let allowed =
                line.starts_with("switch-to-other-language") || line.starts_with("import-help");
            assert!(!has_cjk || allowed, "Chinese left in English: {line}");
        }
    }

    #[test]
    fn arguments_are_substituted() {
        assert_eq!(
            text_with(Lang::Zh, "home-communities", &[("count", "22".into())]),
            "共 22 个社区"
        );
        assert_eq!(
            text_with(Lang::En, "home-communities", &[("count", "22".into())]),
            "22 communities"
        );
    }
}
