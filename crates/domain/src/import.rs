//! Checking a spreadsheet of communities or residents before anything is imported.
//!
//! A street office's file is read into rows of text by the web crate (XLSX or CSV); here the
//! whole file is checked and every bad row is reported with its spreadsheet row number
//! (the header is row 1), so that the office can fix the file in one go. Nothing is imported
//! while any row is bad.

use crate::account::{DisplayName, InputError, Phone};
use crate::org::{NameError, PlaceName};
use crate::text::{self, TextError};
use std::collections::{HashMap, HashSet};

/// Files larger than this are refused before checking: a street has a few hundred thousand
/// residents, and a bigger file is more likely a mistake than a register.
pub const MAX_ROWS: usize = 100_000;

/// What is wrong with a file or one of its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportProblem {
    /// The file has no header row or no data rows.
    Empty,
    /// The file has more than [`MAX_ROWS`] data rows.
    TooManyRows,
    /// A column the import needs is missing from the header row (the column's Chinese name).
    MissingColumn(&'static str),
    Name(NameError),
    Person(InputError),
    /// The same community name appears twice in the file (first seen on this row).
    DuplicateInFile {
        first_row: usize,
    },
    /// The community already exists in the street.
    CommunityExists,
    /// The residents' community is not one of the street's.
    UnknownCommunity(String),
    /// The mobile number is already registered.
    PhoneRegistered,
}

impl ImportProblem {
    pub fn message_id(&self) -> &'static str {
        match self {
            Self::Empty => "import-empty",
            Self::TooManyRows => "import-too-many-rows",
            Self::MissingColumn(_) => "import-missing-column",
            Self::Name(e) => e.message_id(),
            Self::Person(e) => e.message_id(),
            Self::DuplicateInFile { .. } => "import-duplicate-in-file",
            Self::CommunityExists => "import-community-exists",
            Self::UnknownCommunity(_) => "import-unknown-community",
            Self::PhoneRegistered => "import-phone-registered",
        }
    }
}

/// A problem and where it is: `row` is the spreadsheet row (header = 1), None for the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub row: Option<usize>,
    pub problem: ImportProblem,
}

/// A resident row that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentRow {
    pub row: usize,
    pub name: DisplayName,
    pub phone: Phone,
    pub community_id: i64,
}

/// The header names accepted for each column, Chinese first.
const NAME_COLUMNS: [&str; 4] = ["姓名", "name", "居民姓名", "称呼"];
const PHONE_COLUMNS: [&str; 4] = ["手机号", "phone", "手机号码", "mobile"];
const COMMUNITY_COLUMNS: [&str; 4] = ["社区", "community", "社区名称", "所属社区"];

fn find_column(header: &[String], names: &[&str]) -> Option<usize> {
    header.iter().position(|h| {
        let h = h.trim().trim_start_matches('\u{feff}');
        names.iter().any(|n| h.eq_ignore_ascii_case(n))
    })
}

fn cell(row: &[String], col: usize) -> &str {
    row.get(col).map(String::as_str).unwrap_or("")
}

/// Data rows with their spreadsheet numbers, skipping rows that are entirely blank
/// (spreadsheets often end with a few).
fn data_rows(table: &[Vec<String>]) -> impl Iterator<Item = (usize, &Vec<String>)> {
    table
        .iter()
        .enumerate()
        .skip(1)
        .map(|(i, r)| (i + 1, r))
        .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
}

fn check_shape(table: &[Vec<String>]) -> Result<(), Vec<RowProblem>> {
    let rows = data_rows(table).count();
    if rows == 0 {
        return Err(vec![RowProblem {
            row: None,
            problem: ImportProblem::Empty,
        }]);
    }
    if rows > MAX_ROWS {
        return Err(vec![RowProblem {
            row: None,
            problem: ImportProblem::TooManyRows,
        }]);
    }
    Ok(())
}

/// Checks a file of new communities for a street whose communities are `existing`.
pub fn check_communities(
    table: &[Vec<String>],
    existing: &HashSet<String>,
) -> Result<Vec<PlaceName>, Vec<RowProblem>> {
    check_shape(table)?;
    let Some(col) = find_column(&table[0], &COMMUNITY_COLUMNS) else {
        return Err(vec![RowProblem {
            row: None,
            problem: ImportProblem::MissingColumn("社区"),
        }]);
    };
    let mut problems = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut names = Vec::new();
    for (row, cells) in data_rows(table) {
        let mut bad = |problem| {
            problems.push(RowProblem {
                row: Some(row),
                problem,
            })
        };
        match PlaceName::parse(cell(cells, col)) {
            Err(e) => bad(ImportProblem::Name(e)),
            Ok(name) => {
                if let Some(&first_row) = seen.get(name.as_str()) {
                    bad(ImportProblem::DuplicateInFile { first_row });
                } else if existing.contains(name.as_str()) {
                    bad(ImportProblem::CommunityExists);
                } else {
                    seen.insert(name.as_str().to_owned(), row);
                    names.push(name);
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(names)
    } else {
        Err(problems)
    }
}

/// Checks a file of residents. `communities` maps a street's community names to ids;
/// `registered` says whether a mobile number already has an account.
pub fn check_residents(
    table: &[Vec<String>],
    communities: &HashMap<String, i64>,
    registered: &dyn Fn(&Phone) -> bool,
) -> Result<Vec<ResidentRow>, Vec<RowProblem>> {
    check_shape(table)?;
    let header = &table[0];
    let mut missing = Vec::new();
    let name_col = find_column(header, &NAME_COLUMNS);
    let phone_col = find_column(header, &PHONE_COLUMNS);
    let community_col = find_column(header, &COMMUNITY_COLUMNS);
    for (col, label) in [
        (name_col, "姓名"),
        (phone_col, "手机号"),
        (community_col, "社区"),
    ] {
        if col.is_none() {
            missing.push(RowProblem {
                row: None,
                problem: ImportProblem::MissingColumn(label),
            });
        }
    }
    let (Some(name_col), Some(phone_col), Some(community_col)) =
        (name_col, phone_col, community_col)
    else {
        return Err(missing);
    };
    let mut problems = Vec::new();
    let mut seen_phones: HashMap<Phone, usize> = HashMap::new();
    let mut residents = Vec::new();
    for (row, cells) in data_rows(table) {
        let before = problems.len();
        let mut bad = |problem| {
            problems.push(RowProblem {
                row: Some(row),
                problem,
            })
        };
        let name = DisplayName::parse(cell(cells, name_col))
            .map_err(|e| bad(ImportProblem::Person(e)))
            .ok();
        let phone = match Phone::parse(cell(cells, phone_col)) {
            Err(e) => {
                bad(ImportProblem::Person(e));
                None
            }
            Ok(phone) => {
                if let Some(&first_row) = seen_phones.get(&phone) {
                    bad(ImportProblem::DuplicateInFile { first_row });
                    None
                } else if registered(&phone) {
                    bad(ImportProblem::PhoneRegistered);
                    None
                } else {
                    seen_phones.insert(phone.clone(), row);
                    Some(phone)
                }
            }
        };
        // The community is only looked up, but a cell the page would quote back is checked
        // like the name it stands for.
        let community_id = match text::single_line(cell(cells, community_col)) {
            Err(TextError::ControlCharacter | TextError::BidiControl) => {
                bad(ImportProblem::Name(NameError::Hidden));
                None
            }
            typed => {
                let community_name = typed.unwrap_or_default();
                let id = communities.get(community_name).copied();
                if id.is_none() {
                    bad(ImportProblem::UnknownCommunity(community_name.to_owned()));
                }
                id
            }
        };
        if problems.len() == before
            && let (Some(name), Some(phone), Some(community_id)) = (name, phone, community_id)
        {
            residents.push(ResidentRow {
                row,
                name,
                phone,
                community_id,
            });
        }
    }
    if problems.is_empty() {
        Ok(residents)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
            .collect()
    }

    fn wangjing() -> HashMap<String, i64> {
        HashMap::from([("圣星".to_owned(), 1), ("花西三".to_owned(), 2)])
    }

    #[test]
    fn every_bad_resident_row_is_reported_with_its_spreadsheet_row() {
        let file = table(&[
            &["姓名", "手机号", "社区"],
            &["王秀红", "13800000001", "圣星"],
            &["", "13800000002", "圣星"],
            &["李四", "1380000", "花西三"],
            &["张三", "13800000001", "花西三"],
            &["赵五", "13800000005", "火星"],
            &["", "", ""],
        ]);
        let problems = check_residents(&file, &wangjing(), &|_| false).expect_err("bad rows");
        let rows: Vec<_> = problems
            .iter()
            .map(|p| (p.row, p.problem.message_id()))
            .collect();
        assert_eq!(
            rows,
            vec![
                (Some(3), "err-name-empty"),
                (Some(4), "err-phone-invalid"),
                (Some(5), "import-duplicate-in-file"),
                (Some(6), "import-unknown-community"),
            ]
        );
    }

    #[test]
    fn a_row_with_hidden_characters_in_any_cell_is_a_bad_row() {
        let file = table(&[
            &["姓名", "手机号", "社区"],
            &["王秀\u{0}红", "13800000001", "圣星"],
            &["\u{202E}李四", "13800000002", "圣星"],
            &["张三", "1380000\u{0}0003", "圣星"],
            &["赵五", "13800000005", "圣\u{7}星"],
            &["\u{200B}\u{200B}", "13800000006", "花西三"],
            &["钱六", "13800000007", "\u{2066}花西三"],
            &["孙七", "13800000008", "花西三"],
        ]);
        let problems = check_residents(&file, &wangjing(), &|_| false).expect_err("bad rows");
        let rows: Vec<_> = problems
            .iter()
            .map(|p| (p.row, p.problem.message_id()))
            .collect();
        assert_eq!(
            rows,
            vec![
                (Some(2), "err-name-hidden"),
                (Some(3), "err-name-hidden"),
                (Some(4), "err-phone-invalid"),
                (Some(5), "err-org-name-hidden"),
                (Some(6), "err-name-empty"),
                (Some(7), "err-org-name-hidden"),
            ]
        );
        let communities = table(&[&["社区"], &["南湖\u{0}中园"], &["\u{3164}"], &["新社区"]]);
        let problems = check_communities(&communities, &HashSet::new()).expect_err("bad rows");
        assert_eq!(
            problems,
            vec![
                RowProblem {
                    row: Some(2),
                    problem: ImportProblem::Name(NameError::Hidden)
                },
                RowProblem {
                    row: Some(3),
                    problem: ImportProblem::Name(NameError::Empty)
                },
            ]
        );
    }

    #[test]
    fn a_clean_resident_file_is_accepted_with_english_headers() {
        let file = table(&[
            &["Name", "Phone", "Community"],
            &["王秀红", "138 0000 0001", "圣星"],
        ]);
        let rows = check_residents(&file, &wangjing(), &|_| false).expect("clean");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].phone.as_str(), "13800000001");
        assert_eq!(rows[0].community_id, 1);
    }

    #[test]
    fn an_already_registered_number_is_refused() {
        let file = table(&[
            &["姓名", "手机号", "社区"],
            &["王秀红", "13800000001", "圣星"],
        ]);
        let problems = check_residents(&file, &wangjing(), &|p| p.as_str() == "13800000001")
            .expect_err("taken");
        assert_eq!(problems[0].problem, ImportProblem::PhoneRegistered);
    }

    #[test]
    fn missing_columns_are_all_named() {
        let file = table(&[&["姓名"], &["王秀红"]]);
        let problems = check_residents(&file, &wangjing(), &|_| false).expect_err("missing");
        assert_eq!(problems.len(), 2);
        assert!(problems.iter().all(|p| p.row.is_none()));
    }

    #[test]
    fn a_header_only_file_is_empty() {
        let file = table(&[&["社区"]]);
        let problems = check_communities(&file, &HashSet::new()).expect_err("empty");
        assert_eq!(problems[0].problem, ImportProblem::Empty);
    }

    #[test]
    fn communities_duplicated_in_the_file_or_already_there_are_refused() {
        let file = table(&[
            &["\u{feff}社区名称"],
            &["南湖中园"],
            &["南湖中园"],
            &["圣星"],
            &["新社区"],
        ]);
        let existing = HashSet::from(["圣星".to_owned()]);
        let problems = check_communities(&file, &existing).expect_err("bad rows");
        assert_eq!(
            problems,
            vec![
                RowProblem {
                    row: Some(3),
                    problem: ImportProblem::DuplicateInFile { first_row: 2 }
                },
                RowProblem {
                    row: Some(4),
                    problem: ImportProblem::CommunityExists
                },
            ]
        );
    }
}
