//! `chuangxiang compute competition`: recompute a competition's result from its published files,
//! with the same engine the web app uses, so anyone can check the published digits.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use chuangxiang_domain::competition::{
    InputFile, Lang, Outcome, Problem, Sources, decide, decode_utf8,
};

/// Decides a competition from `rules.toml`, `scores.csv`, `proposals.csv` and, if given,
/// `recusals.csv`, and writes `results.csv` to `out`, or to stdout without `out`.
///
/// Exit codes: 0 when decided; 1 when a file cannot be read or the result cannot be written;
/// 2 when the input is invalid, in which case nothing is written and every problem is printed to
/// stderr as `path:line: message`. Messages follow the locale (`LC_ALL`, then `LC_MESSAGES`, then
/// `LANG`): Chinese for `zh*`, English for `en*`, otherwise both as `中文 / English`, since staff
/// machines and servers are often set to neither. Each jury group's Kendall's W goes to stderr.
pub fn run(
    rules: &Path,
    scores: &Path,
    proposals: &Path,
    recusals: Option<&Path>,
    out: Option<&Path>,
) -> ExitCode {
    let language = Language::from_env();
    let path_of = |file: InputFile| match file {
        InputFile::Rules => Some(rules),
        InputFile::Scores => Some(scores),
        InputFile::Proposals => Some(proposals),
        InputFile::Recusals => recusals,
    };

    let mut unreadable = false;
    let mut read = |path: &Path| match std::fs::read(path) {
        Ok(bytes) => Some(bytes),
        Err(error) => {
            let message = language.text("无法读取文件", "cannot read the file");
            eprintln!("{}: {message}: {error}", path.display());
            unreadable = true;
            None
        }
    };
    let rules_bytes = read(rules);
    let scores_bytes = read(scores);
    let proposals_bytes = read(proposals);
    let recusals_bytes = recusals.and_then(&mut read);
    if unreadable {
        return ExitCode::from(1);
    }

    let mut problems = Vec::new();
    let rules_text = decode(InputFile::Rules, rules_bytes.as_deref(), &mut problems);
    let scores_text = decode(InputFile::Scores, scores_bytes.as_deref(), &mut problems);
    let proposals_text = decode(
        InputFile::Proposals,
        proposals_bytes.as_deref(),
        &mut problems,
    );
    let recusals_text = decode(
        InputFile::Recusals,
        recusals_bytes.as_deref(),
        &mut problems,
    );
    let (Some(rules_text), Some(scores_text), Some(proposals_text), true) =
        (rules_text, scores_text, proposals_text, problems.is_empty())
    else {
        print_problems(&problems, language, &path_of);
        return ExitCode::from(2);
    };

    let sources = Sources {
        rules: rules_text,
        scores: scores_text,
        proposals: proposals_text,
        recusals: recusals_text,
    };
    let outcome = match decide(&sources) {
        Ok(outcome) => outcome,
        Err(problems) => {
            print_problems(&problems, language, &path_of);
            return ExitCode::from(2);
        }
    };

    let csv = outcome.to_results_csv();
    let written = match out {
        Some(path) => {
            std::fs::write(path, csv).map_err(|error| (path.display().to_string(), error))
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(csv.as_bytes())
                .and_then(|()| stdout.flush())
                .map_err(|error| ("stdout".to_string(), error))
        }
    };
    if let Err((target, error)) = written {
        let message = language.text("无法写入结果", "cannot write the result");
        eprintln!("{target}: {message}: {error}");
        return ExitCode::from(1);
    }
    print_summary(&outcome, language);
    ExitCode::SUCCESS
}

/// Which language(s) messages are printed in.
#[derive(Clone, Copy)]
enum Language {
    One(Lang),
    Both,
}

impl Language {
    fn from_env() -> Self {
        let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .find_map(|key| std::env::var(key).ok().filter(|value| !value.is_empty()));
        match locale.as_deref() {
            Some(value) if value.starts_with("zh") => Self::One(Lang::Zh),
            Some(value) if value.starts_with("en") => Self::One(Lang::En),
            _ => Self::Both,
        }
    }

    fn text(self, zh: &str, en: &str) -> String {
        match self {
            Self::One(Lang::Zh) => zh.to_string(),
            Self::One(Lang::En) => en.to_string(),
            Self::Both => format!("{zh} / {en}"),
        }
    }

    fn problem(self, problem: &Problem) -> String {
        self.text(&problem.message(Lang::Zh), &problem.message(Lang::En))
    }
}

/// The file's text, or `None` with the problem recorded (or nothing, for a file not given).
fn decode<'b>(
    file: InputFile,
    bytes: Option<&'b [u8]>,
    problems: &mut Vec<Problem>,
) -> Option<&'b str> {
    decode_utf8(file, bytes?)
        .map_err(|problem| problems.push(problem))
        .ok()
}

fn print_problems<'p>(
    problems: &[Problem],
    language: Language,
    path_of: &impl Fn(InputFile) -> Option<&'p Path>,
) {
    for problem in problems {
        let path = path_of(problem.file)
            .map(|path| path.display().to_string())
            .unwrap_or_else(|| problem.file.default_name().to_string());
        let message = language.problem(problem);
        match problem.line {
            Some(line) => eprintln!("{path}:{line}: {message}"),
            None => eprintln!("{path}: {message}"),
        }
    }
}

/// The winners and each group's agreement, which scoring.md has shown beside the result.
fn print_summary(outcome: &Outcome, language: Language) {
    let winners = outcome.winners().count();
    let total = outcome.proposals.len();
    eprintln!(
        "{}",
        language.text(
            &format!("共 {total} 个提案，入选 {winners} 个"),
            &format!("{winners} of {total} proposals selected"),
        )
    );
    for agreement in &outcome.agreement {
        let w = agreement
            .w
            .as_ref()
            .map_or_else(|| "-".to_string(), |w| w.for_csv());
        let (group, judges, proposals) = (&agreement.group, agreement.judges, agreement.proposals);
        eprintln!(
            "{}",
            language.text(
                &format!(
                    "评委组 {group}：肯德尔和谐系数 W = {w}（{judges} 位评委，{proposals} 个提案）"
                ),
                &format!(
                    "group {group}: Kendall's W = {w} ({judges} judges, {proposals} proposals)"
                ),
            )
        );
    }
}
