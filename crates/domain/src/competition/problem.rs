//! What can be wrong with a competition's input files, said in Chinese and in English.
//!
//! The engine refuses a whole computation rather than decide on doubtful data, so a problem has to
//! tell the street staff exactly where to look: the file, the line, and what is wrong there.

use std::fmt;

/// One of the four input files of a competition.
///
/// The order of the variants is the order in which problems are listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum InputFile {
    Rules,
    Proposals,
    Scores,
    Recusals,
}

impl InputFile {
    /// The file's conventional name, used when the caller has no path of its own to show.
    pub fn default_name(self) -> &'static str {
        match self {
            Self::Rules => "rules.toml",
            Self::Proposals => "proposals.csv",
            Self::Scores => "scores.csv",
            Self::Recusals => "recusals.csv",
        }
    }
}

impl fmt::Display for InputFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.default_name())
    }
}

/// The language of a message. Chinese is the default: the programme's staff and residents read it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

/// The kind of value a key of `rules.toml` should hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Expected {
    Number,
    WholeNumber,
    Text,
    Table,
    ArrayOfTables,
    ListOfText,
}

impl Expected {
    fn zh(self) -> &'static str {
        match self {
            Self::Number => "数字",
            Self::WholeNumber => "整数",
            Self::Text => "文字（加引号）",
            Self::Table => "表",
            Self::ArrayOfTables => "表数组（[[...]]）",
            Self::ListOfText => "文字列表",
        }
    }

    fn en(self) -> &'static str {
        match self {
            Self::Number => "a number",
            Self::WholeNumber => "a whole number",
            Self::Text => "text (in quotes)",
            Self::Table => "a table",
            Self::ArrayOfTables => "an array of tables ([[...]])",
            Self::ListOfText => "a list of text",
        }
    }
}

/// What is wrong. Values are kept as the file wrote them, so the message can quote them back.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ProblemKind {
    /// The file is not UTF-8 text (a spreadsheet saved as GBK, for instance).
    NotUtf8,

    /// `rules.toml` is not valid TOML; `detail` is the parser's own (English) explanation.
    TomlSyntax {
        detail: String,
    },
    /// A key the rules do not know, most often a misspelling that would otherwise be ignored.
    UnknownKey {
        key: String,
    },
    MissingKey {
        key: String,
    },
    WrongType {
        key: String,
        expected: Expected,
    },
    /// Not a finite decimal number, or more digits than can be kept exactly.
    BadNumber {
        key: String,
        value: String,
    },
    MustBePositive {
        key: String,
        value: String,
    },
    MustNotBeNegative {
        key: String,
        value: String,
    },
    MaxNotMultipleOfStep {
        key: String,
        max: String,
        step: String,
    },
    /// Keys appear in `results.csv` headers and in tie-break entries, so they are kept plain.
    BadIdentifier {
        key: String,
        value: String,
    },
    DuplicateCriterion {
        criterion: String,
        first_line: Option<usize>,
    },
    DuplicateGroup {
        group: String,
        first_line: Option<usize>,
    },
    /// A group key that would collide with a fixed column of `results.csv`.
    ReservedGroupKey {
        group: String,
    },
    NoCriteria,
    NoGroups,
    UnknownAggregate {
        key: String,
        value: String,
    },
    UnknownTieBreak {
        entry: String,
    },
    DuplicateTieBreak {
        entry: String,
    },
    LotWithoutSeed,
    /// The rubric's weights, maxima and step need more digits than exact arithmetic can hold.
    RubricTooLarge,

    /// A CSV file that cannot be read as CSV; `detail` is the reader's own (English) explanation.
    CsvSyntax {
        detail: String,
    },
    MissingColumn {
        column: &'static str,
    },
    DuplicateColumn {
        column: &'static str,
    },
    EmptyValue {
        column: &'static str,
    },
    MalformedNumber {
        column: &'static str,
        value: String,
    },
    NegativeCost {
        value: String,
    },
    DuplicateProposal {
        proposal: String,
        first_line: Option<usize>,
    },
    UnknownProposal {
        proposal: String,
    },
    UnknownCriterion {
        criterion: String,
    },
    UnknownGroup {
        group: String,
    },
    JudgeInTwoGroups {
        judge: String,
        first_group: String,
        group: String,
        first_line: Option<usize>,
    },
    ScoreOutOfRange {
        criterion: String,
        score: String,
        max: String,
    },
    ScoreOffStep {
        criterion: String,
        score: String,
        step: String,
    },
    DuplicateScore {
        proposal: String,
        judge: String,
        criterion: String,
        first_line: Option<usize>,
    },
    RecusedJudgeScored {
        judge: String,
        proposal: String,
    },
    /// A judge scored some criteria of a proposal but not these.
    IncompleteSheet {
        judge: String,
        proposal: String,
        missing: Vec<String>,
    },
}

/// A reason the engine refuses to compute, located in an input file.
///
/// `line` is the 1-based line of the file as a text editor numbers it. In a CSV file the header is
/// line 1 and the first data row line 2, which is also the row number a spreadsheet shows. In
/// `rules.toml` it is the line of the offending key or `[[table]]`. Rows handed to
/// [`compute`](super::compute) without a line (built by the web app, say) give `None`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Problem {
    pub file: InputFile,
    pub line: Option<usize>,
    pub kind: ProblemKind,
}

impl Problem {
    pub fn new(file: InputFile, line: Option<usize>, kind: ProblemKind) -> Self {
        Self { file, line, kind }
    }

    /// The message alone, without file and line.
    pub fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::Zh => self.kind.zh(),
            Lang::En => self.kind.en(),
        }
    }
}

/// English, as `scores.csv:12: message`.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message(Lang::En)),
            None => write!(f, "{}: {}", self.file, self.message(Lang::En)),
        }
    }
}

impl std::error::Error for Problem {}

fn line_note_zh(line: Option<usize>) -> String {
    line.map(|l| format!("（第 {l} 行）")).unwrap_or_default()
}

fn line_note_en(line: Option<usize>) -> String {
    line.map(|l| format!(" (line {l})")).unwrap_or_default()
}

impl ProblemKind {
    fn zh(&self) -> String {
        match self {
            Self::NotUtf8 => "文件不是 UTF-8 编码；请在表格软件中另存为“CSV UTF-8”".into(),
            Self::TomlSyntax { detail } => format!("TOML 格式有误：{detail}"),
            Self::UnknownKey { key } => format!("未知的设置项 {key}（是否拼写有误？）"),
            Self::MissingKey { key } => format!("缺少设置项 {key}"),
            Self::WrongType { key, expected } => format!("{key} 应为{}", expected.zh()),
            Self::BadNumber { key, value } => format!("{key} 的值 “{value}” 不是有效的十进制数"),
            Self::MustBePositive { key, value } => format!("{key} 必须大于 0，现为 {value}"),
            Self::MustNotBeNegative { key, value } => format!("{key} 不能为负数，现为 {value}"),
            Self::MaxNotMultipleOfStep { key, max, step } => {
                format!("{key} 为 {max}，不是评分步长 {step} 的整数倍")
            }
            Self::BadIdentifier { key, value } => {
                format!("{key} 的值 “{value}” 只能使用英文字母、数字、下划线和连字符")
            }
            Self::DuplicateCriterion {
                criterion,
                first_line,
            } => format!(
                "评分项 “{criterion}” 重复定义{}",
                first_line
                    .map(|l| format!("（首次在第 {l} 行）"))
                    .unwrap_or_default()
            ),
            Self::DuplicateGroup { group, first_line } => format!(
                "评委组 “{group}” 重复定义{}",
                first_line
                    .map(|l| format!("（首次在第 {l} 行）"))
                    .unwrap_or_default()
            ),
            Self::ReservedGroupKey { group } => {
                format!("评委组名 “{group}” 与结果表的固定列同名，请换一个名字")
            }
            Self::NoCriteria => "至少需要一个评分项 [[criteria]]".into(),
            Self::NoGroups => "至少需要一个评委组 [[groups]]".into(),
            Self::UnknownAggregate { key, value } => {
                format!("{key} 的值 “{value}” 无效，应为 \"mean\"（平均）或 \"median\"（中位数）")
            }
            Self::UnknownTieBreak { entry } => {
                format!("同分规则 “{entry}” 无效，应为 \"group:评委组名\"、\"supports\" 或 \"lot\"")
            }
            Self::DuplicateTieBreak { entry } => format!("同分规则 “{entry}” 重复"),
            Self::LotWithoutSeed => "同分规则使用抽签（lot），但未设置抽签种子 seed".into(),
            Self::RubricTooLarge => "评分细则的权重、满分或步长位数过多，无法精确计算".into(),
            Self::CsvSyntax { detail } => format!("CSV 格式有误：{detail}"),
            Self::MissingColumn { column } => format!("表头缺少 “{column}” 列"),
            Self::DuplicateColumn { column } => format!("表头中 “{column}” 列出现了不止一次"),
            Self::EmptyValue { column } => format!("“{column}” 列为空"),
            Self::MalformedNumber { column, value } => {
                format!("“{column}” 列的值 “{value}” 不是有效的数字")
            }
            Self::NegativeCost { value } => format!("预算金额 cost 不能为负数，现为 {value}"),
            Self::DuplicateProposal {
                proposal,
                first_line,
            } => format!(
                "提案 “{proposal}” 重复出现{}",
                first_line
                    .map(|l| format!("（首次在第 {l} 行）"))
                    .unwrap_or_default()
            ),
            Self::UnknownProposal { proposal } => {
                format!("提案 “{proposal}” 不在提案表 proposals.csv 中")
            }
            Self::UnknownCriterion { criterion } => format!("评分项 “{criterion}” 未在规则中定义"),
            Self::UnknownGroup { group } => format!("评委组 “{group}” 未在规则中定义"),
            Self::JudgeInTwoGroups {
                judge,
                first_group,
                group,
                first_line,
            } => format!(
                "评委 “{judge}” 同时出现在 “{first_group}”{}和 “{group}” 两个评委组",
                line_note_zh(*first_line)
            ),
            Self::ScoreOutOfRange {
                criterion,
                score,
                max,
            } => {
                format!("评分项 “{criterion}” 的分数 {score} 超出 0 到 {max} 的范围")
            }
            Self::ScoreOffStep {
                criterion,
                score,
                step,
            } => {
                format!("评分项 “{criterion}” 的分数 {score} 不是步长 {step} 的整数倍")
            }
            Self::DuplicateScore {
                proposal,
                judge,
                criterion,
                first_line,
            } => format!(
                "评委 “{judge}” 对提案 “{proposal}” 的评分项 “{criterion}” 重复打分{}",
                line_note_zh(*first_line)
            ),
            Self::RecusedJudgeScored { judge, proposal } => {
                format!("评委 “{judge}” 须回避提案 “{proposal}”，却为其打了分")
            }
            Self::IncompleteSheet {
                judge,
                proposal,
                missing,
            } => format!(
                "评委 “{judge}” 对提案 “{proposal}” 的评分表不完整，缺少：{}",
                missing.join("、")
            ),
        }
    }

    fn en(&self) -> String {
        match self {
            Self::NotUtf8 => "the file is not UTF-8 text; save it as \"CSV UTF-8\"".into(),
            Self::TomlSyntax { detail } => format!("not valid TOML: {detail}"),
            Self::UnknownKey { key } => format!("unknown setting {key} (misspelt?)"),
            Self::MissingKey { key } => format!("missing setting {key}"),
            Self::WrongType { key, expected } => format!("{key} must be {}", expected.en()),
            Self::BadNumber { key, value } => {
                format!("{key} = \"{value}\" is not an exact decimal number")
            }
            Self::MustBePositive { key, value } => {
                format!("{key} must be greater than 0, not {value}")
            }
            Self::MustNotBeNegative { key, value } => {
                format!("{key} must not be negative, not {value}")
            }
            Self::MaxNotMultipleOfStep { key, max, step } => {
                format!("{key} = {max} is not a multiple of the step {step}")
            }
            Self::BadIdentifier { key, value } => {
                format!("{key} = \"{value}\" may use only ASCII letters, digits, '_' and '-'")
            }
            Self::DuplicateCriterion {
                criterion,
                first_line,
            } => format!(
                "criterion \"{criterion}\" is defined twice{}",
                first_line
                    .map(|l| format!(" (first on line {l})"))
                    .unwrap_or_default()
            ),
            Self::DuplicateGroup { group, first_line } => format!(
                "group \"{group}\" is defined twice{}",
                first_line
                    .map(|l| format!(" (first on line {l})"))
                    .unwrap_or_default()
            ),
            Self::ReservedGroupKey { group } => {
                format!("group key \"{group}\" is the name of a fixed results.csv column")
            }
            Self::NoCriteria => "the rubric needs at least one [[criteria]]".into(),
            Self::NoGroups => "the jury needs at least one [[groups]]".into(),
            Self::UnknownAggregate { key, value } => {
                format!("{key} = \"{value}\" must be \"mean\" or \"median\"")
            }
            Self::UnknownTieBreak { entry } => format!(
                "tie_break entry \"{entry}\" must be \"group:KEY\", \"supports\" or \"lot\""
            ),
            Self::DuplicateTieBreak { entry } => {
                format!("tie_break entry \"{entry}\" is listed twice")
            }
            Self::LotWithoutSeed => "tie_break uses \"lot\" but no seed is set".into(),
            Self::RubricTooLarge => {
                "the rubric's weights, maxima and step have too many digits to compute exactly"
                    .into()
            }
            Self::CsvSyntax { detail } => format!("not valid CSV: {detail}"),
            Self::MissingColumn { column } => format!("the header has no \"{column}\" column"),
            Self::DuplicateColumn { column } => {
                format!("the header has the \"{column}\" column more than once")
            }
            Self::EmptyValue { column } => format!("\"{column}\" is empty"),
            Self::MalformedNumber { column, value } => {
                format!("\"{column}\" = \"{value}\" is not a valid number")
            }
            Self::NegativeCost { value } => format!("cost must not be negative, not {value}"),
            Self::DuplicateProposal {
                proposal,
                first_line,
            } => format!(
                "proposal \"{proposal}\" is listed twice{}",
                first_line
                    .map(|l| format!(" (first on line {l})"))
                    .unwrap_or_default()
            ),
            Self::UnknownProposal { proposal } => {
                format!("proposal \"{proposal}\" is not in proposals.csv")
            }
            Self::UnknownCriterion { criterion } => {
                format!("criterion \"{criterion}\" is not in the rules")
            }
            Self::UnknownGroup { group } => format!("group \"{group}\" is not in the rules"),
            Self::JudgeInTwoGroups {
                judge,
                first_group,
                group,
                first_line,
            } => format!(
                "judge \"{judge}\" is in two groups: \"{first_group}\"{} and \"{group}\"",
                line_note_en(*first_line)
            ),
            Self::ScoreOutOfRange {
                criterion,
                score,
                max,
            } => {
                format!("score {score} for \"{criterion}\" is outside 0 to {max}")
            }
            Self::ScoreOffStep {
                criterion,
                score,
                step,
            } => {
                format!("score {score} for \"{criterion}\" is not a multiple of the step {step}")
            }
            Self::DuplicateScore {
                proposal,
                judge,
                criterion,
                first_line,
            } => format!(
                "judge \"{judge}\" scored \"{criterion}\" of proposal \"{proposal}\" twice{}",
                line_note_en(*first_line)
            ),
            Self::RecusedJudgeScored { judge, proposal } => {
                format!("judge \"{judge}\" is recused from proposal \"{proposal}\" but scored it")
            }
            Self::IncompleteSheet {
                judge,
                proposal,
                missing,
            } => format!(
                "judge \"{judge}\" left the sheet for proposal \"{proposal}\" incomplete; missing: {}",
                missing.join(", ")
            ),
        }
    }
}
