//! Reading the three CSV files of a competition: score sheets, proposals and recusals.
//!
//! Columns are found by their header name (in any order, any case; other columns are ignored, so a
//! spreadsheet may carry titles or notes beside the data). Values are trimmed, rows whose fields
//! are all empty are skipped (spreadsheets leave them at the end), and every problem is reported
//! with its line, the header being line 1.

use rust_decimal::Decimal;

use super::problem::{InputFile, Problem, ProblemKind};

/// One score: what one judge gave one proposal on one criterion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoreRow {
    /// Line in `scores.csv`, or `None` for rows that come from elsewhere.
    pub line: Option<usize>,
    pub proposal: String,
    pub judge: String,
    pub group: String,
    pub criterion: String,
    pub score: Decimal,
}

/// One proposal in the competition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProposalRow {
    pub line: Option<usize>,
    pub proposal: String,
    pub community: String,
    /// Yuan.
    pub cost: Decimal,
    /// Residents' supports (+1s).
    pub supports: u64,
}

/// A judge who may not score a proposal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recusal {
    pub line: Option<usize>,
    pub judge: String,
    pub proposal: String,
}

/// Reads `scores.csv` (`proposal,judge,group,criterion,score`).
pub fn parse_scores(src: &str) -> Result<Vec<ScoreRow>, Vec<Problem>> {
    let read = read_scores(src).read;
    if read.problems.is_empty() {
        Ok(read.rows)
    } else {
        Err(read.problems)
    }
}

/// Reads `proposals.csv` (`proposal,community,cost,supports`). Duplicate proposals are found by
/// [`compute`](super::compute), which also sees rows that did not come from a file.
pub fn parse_proposals(src: &str) -> Result<Vec<ProposalRow>, Vec<Problem>> {
    let read = read_proposals(src).read;
    if read.problems.is_empty() {
        Ok(read.rows)
    } else {
        Err(read.problems)
    }
}

/// Reads `recusals.csv` (`judge,proposal`).
pub fn parse_recusals(src: &str) -> Result<Vec<Recusal>, Vec<Problem>> {
    let read = read_recusals(src);
    if read.problems.is_empty() {
        Ok(read.rows)
    } else {
        Err(read.problems)
    }
}

/// Checks that a file's bytes are UTF-8, naming the line of the first bad byte. A leading
/// byte-order mark is dropped, as spreadsheets write one.
pub fn decode_utf8(file: InputFile, bytes: &[u8]) -> Result<&str, Problem> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|error| {
        let valid = &bytes[..error.valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        Problem::new(file, Some(line), ProblemKind::NotUtf8)
    })
}

/// A plain decimal as people type it: an optional `-`, digits and at most one `.`, e.g. `17.5`,
/// `.5` or `420000.00`. No exponent, no thousands separator, and no more digits than a `Decimal`
/// holds exactly.
pub(crate) fn parse_decimal(text: &str) -> Option<Decimal> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let plain = digits.chars().any(|c| c.is_ascii_digit())
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.matches('.').count() <= 1;
    if !plain {
        return None;
    }
    Decimal::from_str_exact(text).ok()
}

/// What a lenient read yields: the rows that are fully valid, and every problem.
pub(crate) struct Read<T> {
    pub rows: Vec<T>,
    pub problems: Vec<Problem>,
    /// False when the header itself is unusable, so no row could be understood.
    pub readable: bool,
}

/// A score row whose keys are readable but whose score is not. It still fills its place on the
/// judge's sheet, so that one typo is not also reported as an incomplete sheet.
pub(crate) struct UnreadableScore {
    pub line: Option<usize>,
    pub proposal: String,
    pub judge: String,
    pub group: String,
    pub criterion: String,
}

pub(crate) struct ScoresRead {
    pub read: Read<ScoreRow>,
    pub unreadable: Vec<UnreadableScore>,
}

/// A proposal row with a readable id but some unreadable value: scores that name it are not
/// "unknown proposal", and a second row with its id is still a duplicate.
pub(crate) struct UnreadableProposal {
    pub line: Option<usize>,
    pub proposal: String,
}

pub(crate) struct ProposalsRead {
    pub read: Read<ProposalRow>,
    pub unreadable: Vec<UnreadableProposal>,
}

pub(crate) fn read_scores(src: &str) -> ScoresRead {
    let columns = ["proposal", "judge", "group", "criterion", "score"];
    let mut unreadable = Vec::new();
    let read = read_table(src, InputFile::Scores, columns, |line, fields, problems| {
        let [proposal, judge, group, criterion, score] = fields;
        let keys_present = required(
            &[proposal, judge, group, criterion],
            &columns,
            line,
            InputFile::Scores,
            problems,
        );
        let score = number(
            score,
            "score",
            line,
            InputFile::Scores,
            problems,
            parse_decimal,
        );
        if !keys_present {
            return None;
        }
        let (proposal, judge, group, criterion) = (
            proposal.to_string(),
            judge.to_string(),
            group.to_string(),
            criterion.to_string(),
        );
        match score {
            Some(score) => Some(ScoreRow {
                line: Some(line),
                proposal,
                judge,
                group,
                criterion,
                score,
            }),
            None => {
                unreadable.push(UnreadableScore {
                    line: Some(line),
                    proposal,
                    judge,
                    group,
                    criterion,
                });
                None
            }
        }
    });
    ScoresRead { read, unreadable }
}

pub(crate) fn read_proposals(src: &str) -> ProposalsRead {
    let columns = ["proposal", "community", "cost", "supports"];
    let file = InputFile::Proposals;
    let mut unreadable = Vec::new();
    let read = read_table(src, file, columns, |line, fields, problems| {
        let [proposal, community, cost, supports] = fields;
        let id_present = required(&[proposal], &columns[..1], line, file, problems);
        let community_present = required(&[community], &columns[1..2], line, file, problems);
        let cost = number(cost, "cost", line, file, problems, parse_decimal).filter(|cost| {
            let negative = cost.is_sign_negative() && !cost.is_zero();
            if negative {
                let kind = ProblemKind::NegativeCost {
                    value: cost.to_string(),
                };
                problems.push(Problem::new(file, Some(line), kind));
            }
            !negative
        });
        let supports = number(supports, "supports", line, file, problems, |s| {
            s.chars()
                .all(|c| c.is_ascii_digit())
                .then(|| s.parse::<u64>().ok())
                .flatten()
        });
        if !id_present {
            return None;
        }
        match (community_present, cost, supports) {
            (true, Some(cost), Some(supports)) => Some(ProposalRow {
                line: Some(line),
                proposal: proposal.to_string(),
                community: community.to_string(),
                cost,
                supports,
            }),
            _ => {
                unreadable.push(UnreadableProposal {
                    line: Some(line),
                    proposal: proposal.to_string(),
                });
                None
            }
        }
    });
    ProposalsRead { read, unreadable }
}

pub(crate) fn read_recusals(src: &str) -> Read<Recusal> {
    let columns = ["judge", "proposal"];
    read_table(
        src,
        InputFile::Recusals,
        columns,
        |line, fields, problems| {
            let [judge, proposal] = fields;
            required(&fields, &columns, line, InputFile::Recusals, problems).then(|| Recusal {
                line: Some(line),
                judge: judge.to_string(),
                proposal: proposal.to_string(),
            })
        },
    )
}

/// Reports each empty field; true when none is empty.
fn required(
    fields: &[&str],
    columns: &[&'static str],
    line: usize,
    file: InputFile,
    problems: &mut Vec<Problem>,
) -> bool {
    let mut present = true;
    for (field, column) in fields.iter().zip(columns) {
        if field.is_empty() {
            problems.push(Problem::new(
                file,
                Some(line),
                ProblemKind::EmptyValue { column },
            ));
            present = false;
        }
    }
    present
}

fn number<T>(
    text: &str,
    column: &'static str,
    line: usize,
    file: InputFile,
    problems: &mut Vec<Problem>,
    parse: impl Fn(&str) -> Option<T>,
) -> Option<T> {
    if text.is_empty() {
        problems.push(Problem::new(
            file,
            Some(line),
            ProblemKind::EmptyValue { column },
        ));
        return None;
    }
    let value = parse(text);
    if value.is_none() {
        let kind = ProblemKind::MalformedNumber {
            column,
            value: text.to_string(),
        };
        problems.push(Problem::new(file, Some(line), kind));
    }
    value
}

/// Reads a CSV file with the given columns, handing each non-blank row's fields (in the order of
/// `columns`) to `row`, which returns the row if it is fully valid.
fn read_table<T, const N: usize>(
    src: &str,
    file: InputFile,
    columns: [&'static str; N],
    mut row: impl FnMut(usize, [&str; N], &mut Vec<Problem>) -> Option<T>,
) -> Read<T> {
    let mut problems = Vec::new();
    let mut rows = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(src.as_bytes());
    let header = match reader.headers() {
        Ok(header) => header.clone(),
        Err(error) => {
            let line = error.position().map(|p| to_line(p.line()));
            problems.push(Problem::new(
                file,
                line,
                ProblemKind::CsvSyntax {
                    detail: error.to_string(),
                },
            ));
            return Read {
                rows,
                problems,
                readable: false,
            };
        }
    };
    let header_line = header.position().map(|p| to_line(p.line())).unwrap_or(1);
    let mut positions = [0usize; N];
    let mut readable = true;
    for (slot, column) in positions.iter_mut().zip(columns) {
        let mut found = header.iter().enumerate().filter(|(_, name)| {
            name.trim_start_matches('\u{feff}')
                .eq_ignore_ascii_case(column)
        });
        match (found.next(), found.next()) {
            (Some((index, _)), None) => *slot = index,
            (None, _) => {
                problems.push(Problem::new(
                    file,
                    Some(header_line),
                    ProblemKind::MissingColumn { column },
                ));
                readable = false;
            }
            (Some(_), Some(_)) => {
                problems.push(Problem::new(
                    file,
                    Some(header_line),
                    ProblemKind::DuplicateColumn { column },
                ));
                readable = false;
            }
        }
    }
    if !readable {
        return Read {
            rows,
            problems,
            readable,
        };
    }
    for record in reader.records() {
        match record {
            Ok(record) => {
                if record.iter().all(str::is_empty) {
                    continue;
                }
                let line = record
                    .position()
                    .map(|p| to_line(p.line()))
                    .unwrap_or(header_line);
                let fields = positions.map(|index| record.get(index).unwrap_or(""));
                if let Some(value) = row(line, fields, &mut problems) {
                    rows.push(value);
                }
            }
            Err(error) => {
                let line = error.position().map(|p| to_line(p.line()));
                let kind = ProblemKind::CsvSyntax {
                    detail: error.to_string(),
                };
                problems.push(Problem::new(file, line, kind));
            }
        }
    }
    Read {
        rows,
        problems,
        readable,
    }
}

fn to_line(line: u64) -> usize {
    usize::try_from(line).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_are_read_as_people_type_them() {
        let read = |text| parse_decimal(text).map(|d| d.to_string());
        assert_eq!(read("17.5"), Some("17.5".into()));
        assert_eq!(read(".5"), Some("0.5".into()));
        assert_eq!(read("420000.00"), Some("420000.00".into()));
        assert_eq!(read("-3"), Some("-3".into()));
        for refused in [
            "", "-", ".", "1e3", "1,000", "1.2.3", "+1", " 1", "七", "1_000",
        ] {
            assert_eq!(read(refused), None, "{refused:?}");
        }
    }

    #[test]
    fn a_blank_spreadsheet_row_is_skipped_and_lines_count_from_the_header() {
        let read = read_recusals("judge,proposal\n,\nj1,P1\n");
        assert!(read.problems.is_empty());
        assert_eq!(read.rows[0].line, Some(3));
    }
}
