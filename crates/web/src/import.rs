//! Reading a street office's spreadsheet (XLSX or CSV) into rows of text for
//! `domain::import` to check.
//!
//! Offices save CSV from Excel in GBK more often than in UTF-8, so a CSV that is not valid
//! UTF-8 is read as GB18030 (a superset of GBK) when that decodes cleanly, and refused with
//! a message naming the encodings otherwise.

use calamine::{Data, Reader, Xlsx};
use std::io::Cursor;

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
}

impl FileError {
    pub fn message_id(self) -> &'static str {
        match self {
            FileError::Missing => "import-file-missing",
            FileError::UnsupportedType => "import-file-type",
            FileError::Unreadable => "import-file-unreadable",
            FileError::UnknownEncoding => "import-file-encoding",
        }
    }
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
    for record in reader.records() {
        let record = record.map_err(|_| FileError::Unreadable)?;
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

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, FileError> {
    let mut workbook: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| FileError::Unreadable)?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or(FileError::Unreadable)?
        .map_err(|_| FileError::Unreadable)?;
    // Row numbers must match what the office sees in Excel, so leading empty rows count.
    let (first_row, _) = range.start().unwrap_or((0, 0));
    let mut rows: Vec<Vec<String>> = (0..first_row).map(|_| Vec::new()).collect();
    for row in range.rows() {
        rows.push(row.iter().map(cell_text).collect());
    }
    Ok(rows)
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        // Phone numbers typed into Excel become numbers: 13800000001.0 must read as digits.
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Int(i) => i.to_string(),
        other => other.to_string().trim().to_owned(),
    }
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
}
