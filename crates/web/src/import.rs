//! Reading a street office's spreadsheet (XLSX or CSV) into rows of text for
//! `domain::import` to check.
//!
//! Offices save CSV from Excel in GBK more often than in UTF-8, so a CSV that is not valid
//! UTF-8 is read as GB18030 (a superset of GBK) when that decodes cleanly, and refused with
//! a message naming the encodings otherwise.
//!
//! A file is small (the upload is at most 8 MB) but can declare a huge sheet or inflate to
//! gigabytes, so nothing is allocated for what a file declares: the archive's entries are
//! measured before the workbook is opened, and the first sheet is streamed cell by cell within
//! [`MAX_ROWS`], [`MAX_COLUMNS`] and [`MAX_CELLS`].

use calamine::{Data, DataRef, Reader, Xlsx};
use std::io::{Cursor, Read};

/// Rows a file may use, counted as Excel numbers them (blank rows too). Twice the data rows
/// `domain::import` accepts, so that a register slightly over its limit hears that instead.
pub const MAX_ROWS: u32 = 200_000;
/// Columns a file may use, counted from column A (64 is column BL): an import needs three.
pub const MAX_COLUMNS: u32 = 64;
/// Cells a file may fill, counting each row up to its last filled cell: the rows kept in
/// memory stay under about 50 MB of cells plus their text.
pub const MAX_CELLS: usize = 2_000_000;
/// What one entry of an XLSX archive, and all of them together, may inflate to. A sheet at
/// the limits above is a few tens of megabytes of XML.
const MAX_ENTRY_BYTES: u64 = 64 * 1024 * 1024;
const MAX_ARCHIVE_BYTES: u64 = 128 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("no file was chosen")]
    Missing,
    #[error("only .xlsx and .csv files can be imported")]
    UnsupportedType,
    #[error("the spreadsheet could not be read")]
    Unreadable,
    #[error("the CSV file is neither UTF-8 nor GBK")]
    UnknownEncoding,
    #[error("the spreadsheet has more rows, columns or cells than an import may have")]
    TooBig,
}

impl FileError {
    pub fn message_id(self) -> &'static str {
        match self {
            FileError::Missing => "import-file-missing",
            FileError::UnsupportedType => "import-file-type",
            FileError::Unreadable => "import-file-unreadable",
            FileError::UnknownEncoding => "import-file-encoding",
            FileError::TooBig => "import-file-too-big",
        }
    }

    pub const ALL: [FileError; 5] = [
        FileError::Missing,
        FileError::UnsupportedType,
        FileError::Unreadable,
        FileError::UnknownEncoding,
        FileError::TooBig,
    ];
}

/// The encoding a CSV was read in, reported back to the office.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Gbk,
    Xlsx,
}

/// Reads the first sheet of an XLSX, or a CSV, into rows of trimmed text.
pub fn read_table(
    file_name: &str,
    bytes: &[u8],
) -> Result<(Vec<Vec<String>>, Encoding), FileError> {
    if bytes.is_empty() {
        return Err(FileError::Missing);
    }
    let lower = file_name.to_lowercase();
    // Decide by content where we can: an XLSX is a ZIP archive.
    if bytes.starts_with(b"PK\x03\x04") {
        return read_xlsx(bytes).map(|t| (t, Encoding::Xlsx));
    }
    if lower.ends_with(".xlsx") || lower.ends_with(".xls") {
        return Err(FileError::Unreadable);
    }
    if !lower.ends_with(".csv") && !lower.ends_with(".txt") {
        return Err(FileError::UnsupportedType);
    }
    let (text, encoding) = decode_csv(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut cells = 0;
    for record in reader.records() {
        let record = record.map_err(|_| FileError::Unreadable)?;
        cells += record.len();
        if rows.len() >= MAX_ROWS as usize
            || record.len() > MAX_COLUMNS as usize
            || cells > MAX_CELLS
        {
            return Err(FileError::TooBig);
        }
        rows.push(record.iter().map(|c| c.trim().to_owned()).collect());
    }
    Ok((rows, encoding))
}

fn decode_csv(bytes: &[u8]) -> Result<(String, Encoding), FileError> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(body) {
        return Ok((text.to_owned(), Encoding::Utf8));
    }
    let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
    if had_errors {
        Err(FileError::UnknownEncoding)
    } else {
        Ok((text.into_owned(), Encoding::Gbk))
    }
}

/// Refuses an archive whose entries inflate past the limits. The sizes an entry declares are
/// checked first, then what it really inflates to, read up to one byte past its declared size:
/// the ZIP reader trusts the deflate stream, not the declaration, and an entry that lies could
/// otherwise inflate a thousandfold while the workbook reads it into memory.
fn check_archive(bytes: &[u8]) -> Result<(), FileError> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| FileError::Unreadable)?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let declared = archive
            .by_index_raw(i)
            .map_err(|_| FileError::Unreadable)?
            .size();
        total = total.saturating_add(declared);
        if declared > MAX_ENTRY_BYTES || total > MAX_ARCHIVE_BYTES {
            return Err(FileError::TooBig);
        }
    }
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(|_| FileError::Unreadable)?;
        let declared = entry.size();
        let inflated = std::io::copy(&mut entry.take(declared + 1), &mut std::io::sink())
            .map_err(|_| FileError::Unreadable)?;
        if inflated > declared {
            return Err(FileError::Unreadable);
        }
    }
    Ok(())
}

/// Rows of text built cell by cell, as Excel numbers them: row 1 is `rows[0]` whether or not
/// rows above the data are blank, and a row is as long as its last filled cell.
#[derive(Default)]
struct Sheet {
    rows: Vec<Vec<String>>,
    cells: usize,
}

impl Sheet {
    fn put(&mut self, (row, col): (u32, u32), text: String) -> Result<(), FileError> {
        check_position((row, col))?;
        let (row, col) = (row as usize, col as usize);
        if self.rows.len() <= row {
            self.rows.resize_with(row + 1, Vec::new);
        }
        let cells = &mut self.rows[row];
        if cells.len() <= col {
            self.cells += col + 1 - cells.len();
            if self.cells > MAX_CELLS {
                return Err(FileError::TooBig);
            }
            cells.resize(col + 1, String::new());
        }
        cells[col] = text;
        Ok(())
    }
}

/// Positions are zero-based, as calamine gives them.
fn check_position((row, col): (u32, u32)) -> Result<(), FileError> {
    if row >= MAX_ROWS || col >= MAX_COLUMNS {
        Err(FileError::TooBig)
    } else {
        Ok(())
    }
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, FileError> {
    check_archive(bytes)?;
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| FileError::Unreadable)?;
    let first = workbook
        .sheet_names()
        .into_iter()
        .next()
        .ok_or(FileError::Unreadable)?;
    let mut reader = workbook
        .worksheet_cells_reader(&first)
        .map_err(|_| FileError::Unreadable)?;
    // The declared range is refused at once; each cell is checked too, as a file may lie.
    check_position(reader.dimensions().end)?;
    let mut sheet = Sheet::default();
    while let Some(cell) = reader.next_cell().map_err(|_| FileError::Unreadable)? {
        check_position(cell.get_position())?;
        if let Some(text) = cell_text(cell.get_value()) {
            sheet.put(cell.get_position(), text)?;
        }
    }
    Ok(sheet.rows)
}

/// A cell's trimmed text, or None when it holds nothing.
fn cell_text(cell: &DataRef<'_>) -> Option<String> {
    let text = match cell {
        DataRef::Empty => return None,
        DataRef::SharedString(s) => s.trim().to_owned(),
        DataRef::String(s) => s.trim().to_owned(),
        // Phone numbers typed into Excel become numbers: 13800000001.0 must read as digits.
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Int(i) => i.to_string(),
        other => Data::from(other.clone()).to_string().trim().to_owned(),
    };
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gbk_csv_is_read_as_chinese() {
        let (gbk, _, _) = encoding_rs::GBK.encode("姓名,手机号,社区\n王阿姨,13800000001,圣星\n");
        let (rows, enc) = read_table("居民.csv", &gbk).expect("gbk csv");
        assert_eq!(enc, Encoding::Gbk);
        assert_eq!(rows[1], vec!["王阿姨", "13800000001", "圣星"]);
    }

    #[test]
    fn a_utf8_csv_with_a_bom_loses_the_bom() {
        let (rows, enc) = read_table("a.csv", "\u{feff}社区\n圣星\n".as_bytes()).expect("utf8");
        assert_eq!(enc, Encoding::Utf8);
        assert_eq!(rows[0], vec!["社区"]);
    }

    #[test]
    fn binary_junk_and_other_types_are_refused() {
        assert_eq!(
            read_table("a.csv", &[0xff, 0xfe, 0x00, 0x81, 0xff]).err(),
            Some(FileError::UnknownEncoding)
        );
        assert_eq!(
            read_table("a.pdf", b"%PDF-1.4").err(),
            Some(FileError::UnsupportedType)
        );
        assert_eq!(
            read_table("a.xlsx", b"not a zip").err(),
            Some(FileError::Unreadable)
        );
        assert_eq!(read_table("a.csv", b"").err(), Some(FileError::Missing));
    }

    use rust_xlsxwriter::Workbook;
    use std::io::Write;

    fn xlsx(cells: &[(u32, u16, &str)]) -> Vec<u8> {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        for &(row, col, text) in cells {
            sheet.write_string(row, col, text).expect("cell written");
        }
        book.save_to_buffer().expect("xlsx saved")
    }

    /// The same archive with each entry's bytes passed through `edit`.
    fn rewritten(archive: &[u8], edit: impl Fn(&str, Vec<u8>) -> Vec<u8>) -> Vec<u8> {
        let mut archive = zip::ZipArchive::new(Cursor::new(archive)).expect("zip");
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).expect("entry");
            let name = entry.name().to_owned();
            let mut body = Vec::new();
            entry.read_to_end(&mut body).expect("entry read");
            out.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
                .expect("entry started");
            out.write_all(&edit(&name, body)).expect("entry written");
        }
        out.finish().expect("zip finished").into_inner()
    }

    /// Rewrites the uncompressed size that the local and central headers of the entry `name`
    /// declare, leaving its data as it is.
    fn declaring_size(archive: &[u8], name: &str, size: u32) -> Vec<u8> {
        let mut out = archive.to_vec();
        // Signature, then where the uncompressed size, the name's length and the name are.
        let headers: [(&[u8], usize, usize, usize); 2] =
            [(b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)];
        for (signature, size_at, name_len_at, name_at) in headers {
            let starts: Vec<usize> = (0..out.len().saturating_sub(name_at))
                .filter(|&at| {
                    let name_len =
                        u16::from_le_bytes([out[at + name_len_at], out[at + name_len_at + 1]]);
                    out[at..].starts_with(signature)
                        && usize::from(name_len) == name.len()
                        && out[at + name_at..].starts_with(name.as_bytes())
                })
                .collect();
            assert_eq!(starts.len(), 1, "one header for {name}");
            let at = starts[0] + size_at;
            out[at..at + 4].copy_from_slice(&size.to_le_bytes());
        }
        out
    }

    #[test]
    fn a_sheet_declaring_a1_to_xfd1048576_is_refused_without_allocating_it() {
        let file = xlsx(&[(0, 0, "姓名"), (1_048_575, 16_383, "x")]);
        assert!(file.len() < 10_000);
        assert_eq!(
            read_table("居民.xlsx", &file).err(),
            Some(FileError::TooBig)
        );
    }

    #[test]
    fn a_range_of_200000_rows_by_100_columns_is_refused_at_once() {
        let wide = xlsx(&[(0, 0, "姓名"), (199_999, 99, "x")]);
        assert_eq!(read_table("a.xlsx", &wide).err(), Some(FileError::TooBig));
        let long = xlsx(&[(0, 0, "姓名"), (MAX_ROWS, 0, "x")]);
        assert_eq!(read_table("a.xlsx", &long).err(), Some(FileError::TooBig));
    }

    #[test]
    fn a_sheet_that_lies_about_its_range_is_refused_by_its_cells() {
        let file = rewritten(
            &xlsx(&[(0, 0, "姓名"), (1_048_575, 16_383, "x")]),
            |name, body| {
                if name != "xl/worksheets/sheet1.xml" {
                    return body;
                }
                let xml = String::from_utf8(body).expect("utf-8 xml");
                assert!(xml.contains(r#"<dimension ref="A1:XFD1048576"/>"#));
                xml.replace(
                    r#"<dimension ref="A1:XFD1048576"/>"#,
                    r#"<dimension ref="A1"/>"#,
                )
                .into_bytes()
            },
        );
        assert_eq!(read_table("a.xlsx", &file).err(), Some(FileError::TooBig));
    }

    #[test]
    fn cells_past_the_limit_are_refused_as_they_come() {
        // Sparse rows reaching column BL would keep 64 cells a row.
        let mut sheet = Sheet::default();
        let rows = u32::try_from(MAX_CELLS / 64).expect("small");
        for row in 0..rows {
            sheet
                .put((row, 63), "x".to_owned())
                .expect("within the limit");
        }
        assert_eq!(
            sheet.put((rows, 63), "x".to_owned()),
            Err(FileError::TooBig)
        );
        assert_eq!(
            Sheet::default().put((0, MAX_COLUMNS), "x".to_owned()),
            Err(FileError::TooBig)
        );
    }

    #[test]
    fn a_sheet_within_the_limits_reads_as_excel_shows_it() {
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        // The header on row 2 (row 1 left blank), data from column A.
        sheet.write_string(1, 0, " 姓名 ").expect("cell");
        sheet.write_string(1, 1, "手机号").expect("cell");
        sheet.write_string(1, 2, "社区").expect("cell");
        sheet.write_string(2, 0, "王阿姨").expect("cell");
        sheet.write_number(2, 1, 13_800_000_001.0).expect("cell");
        sheet.write_string(2, 2, "圣星 ").expect("cell");
        sheet.write_string(4, 0, "李四").expect("cell");
        // The last row and column a file may use.
        sheet.write_string(MAX_ROWS - 1, 63, "末").expect("cell");
        let file = book.save_to_buffer().expect("xlsx saved");
        let (rows, enc) = read_table("居民.xlsx", &file).expect("read");
        assert_eq!(enc, Encoding::Xlsx);
        assert_eq!(rows.len(), MAX_ROWS as usize);
        assert!(rows[0].is_empty());
        assert_eq!(rows[1], vec!["姓名", "手机号", "社区"]);
        assert_eq!(rows[2], vec!["王阿姨", "13800000001", "圣星"]);
        assert!(rows[3].is_empty());
        assert_eq!(rows[4], vec!["李四"]);
        assert_eq!(rows[MAX_ROWS as usize - 1][63], "末");
    }

    #[test]
    fn an_entry_declaring_more_than_the_bound_is_refused_before_inflating() {
        let file = xlsx(&[(0, 0, "姓名")]);
        let big = u32::try_from(MAX_ENTRY_BYTES + 1).expect("fits");
        let bomb = declaring_size(&file, "xl/worksheets/sheet1.xml", big);
        assert_eq!(read_table("a.xlsx", &bomb).err(), Some(FileError::TooBig));
    }

    #[test]
    fn an_entry_inflating_past_what_it_declares_is_refused() {
        let with_padding = rewritten(&xlsx(&[(0, 0, "姓名")]), |name, body| {
            if name == "xl/sharedStrings.xml" {
                let mut xml = body;
                xml.extend(std::iter::repeat_n(b' ', 1 << 20));
                xml
            } else {
                body
            }
        });
        let liar = declaring_size(&with_padding, "xl/sharedStrings.xml", 1_000);
        assert_eq!(
            read_table("a.xlsx", &liar).err(),
            Some(FileError::Unreadable)
        );
    }

    #[test]
    fn a_csv_over_the_limits_is_refused() {
        let wide = format!("{}\n", ",".repeat(MAX_COLUMNS as usize));
        assert_eq!(
            read_table("a.csv", wide.as_bytes()).err(),
            Some(FileError::TooBig)
        );
        let long = "a\n".repeat(MAX_ROWS as usize + 1);
        assert_eq!(
            read_table("a.csv", long.as_bytes()).err(),
            Some(FileError::TooBig)
        );
        let full = format!("{}\n", ",".repeat(63)).repeat(MAX_CELLS / 64 + 1);
        assert_eq!(
            read_table("a.csv", full.as_bytes()).err(),
            Some(FileError::TooBig)
        );
        assert!(read_table("a.csv", "a\n".repeat(MAX_ROWS as usize).as_bytes()).is_ok());
    }

    fn grouped(n: u64) -> String {
        let digits = n.to_string();
        let mut out = String::new();
        for (i, d) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(d);
        }
        out
    }

    #[test]
    fn the_too_big_message_states_the_limits_in_both_languages() {
        use crate::i18n::{Lang, text};
        for lang in [Lang::Zh, Lang::En] {
            for e in FileError::ALL {
                assert_ne!(text(lang, e.message_id()), e.message_id(), "{lang:?}");
            }
            let message = text(lang, FileError::TooBig.message_id());
            for limit in [
                grouped(u64::from(MAX_ROWS)),
                MAX_COLUMNS.to_string(),
                grouped(MAX_CELLS as u64),
            ] {
                assert!(message.contains(&limit), "{lang:?} lacks {limit}");
            }
        }
    }
}
