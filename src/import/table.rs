//! Reading a provider's CSV download: its encoding, its header (found by name, whatever the
//! spelling: `Partner Code`, `partnerCode` and `PartnerCode` are one column) and its rows
//! with the line numbers an editor shows.

use crate::error::ScenarioError;
use crate::scenario::data::{LineIndex, read_data_file};
use std::path::{Path, PathBuf};

/// A downloaded CSV file held in memory.
pub struct Download {
    /// The file, for messages.
    pub path: PathBuf,
    /// The header as written.
    pub headers: Vec<String>,
    keys: Vec<String>,
    /// Rows with their 1-based line numbers.
    pub rows: Vec<(u64, csv::StringRecord)>,
    /// True when the file was not UTF-8 and was read as Windows-1252 / Latin-1.
    pub latin1: bool,
}

/// A header name reduced to lower-case letters and digits, so that spellings match.
pub fn key(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// An error at a file, line and column.
pub fn at(path: &Path, line: u64, column: Option<&str>, message: String) -> ScenarioError {
    ScenarioError::Csv {
        path: path.to_path_buf(),
        line,
        column: column.map(str::to_string),
        message,
    }
}

/// Bytes as text: UTF-8 if they are, else Windows-1252/Latin-1 (the Comtrade portal and
/// Excel on Windows write such files; every byte is then one character).
fn decode(bytes: &[u8]) -> (String, bool) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), false),
        Err(_) => (bytes.iter().map(|&b| char::from(b)).collect(), true),
    }
}

impl Download {
    /// Reads a whole file; `role` names it in errors ("Comtrade file").
    pub fn read(path: &Path, role: &str) -> Result<Self, ScenarioError> {
        Self::parse(path, &read_data_file(path, role)?)
    }

    /// Parses a file already in memory.
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Self, ScenarioError> {
        let (text, latin1) = decode(bytes);
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
        let lines = LineIndex::new(text.as_bytes());
        let tb = text.as_bytes();
        let line_at = |offset: u64| {
            let mut o = offset as usize;
            while o < tb.len() && matches!(tb[o], b'\r' | b'\n') {
                o += 1;
            }
            lines.line_of(o) as u64
        };
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .flexible(true)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| at(path, 1, None, format!("cannot read the header line: {e}")))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        if headers.iter().all(|h| h.is_empty()) {
            return Err(at(
                path,
                1,
                None,
                "the first line should be the header of the download (column names), but it is empty".into(),
            ));
        }
        let keys: Vec<String> = headers.iter().map(|h| key(h)).collect();
        let mut rows = Vec::new();
        for rec in reader.records() {
            let rec = rec.map_err(|e| {
                let line = e.position().map_or(0, |p| line_at(p.byte()));
                at(path, line, None, format!("not a readable CSV row: {e}"))
            })?;
            let line = rec.position().map_or(0, |p| line_at(p.byte()));
            if rec.iter().all(|c| c.is_empty()) {
                continue;
            }
            // A trailing empty cell (a comma at the end of each line) is harmless.
            let used = (0..rec.len())
                .rev()
                .find(|&i| !rec[i].is_empty())
                .map_or(0, |i| i + 1);
            if used > headers.len() {
                return Err(at(
                    path,
                    line,
                    None,
                    format!(
                        "this row has {} fields but the header has {}; a text cell that contains a comma must be in quotes",
                        rec.len(),
                        headers.len()
                    ),
                ));
            }
            rows.push((line, rec));
        }
        Ok(Download {
            path: path.to_path_buf(),
            headers,
            keys,
            rows,
            latin1,
        })
    }

    /// The index of the first column whose name matches one of `names` (in that order of
    /// preference), compared by [`key`].
    pub fn column(&self, names: &[&str]) -> Option<usize> {
        names
            .iter()
            .find_map(|n| self.keys.iter().position(|k| *k == key(n)))
    }

    /// Like [`Download::column`], but an error naming what was looked for when absent.
    pub fn require(&self, what: &str, names: &[&str]) -> Result<usize, ScenarioError> {
        self.column(names).ok_or_else(|| {
            at(
                &self.path,
                1,
                None,
                format!(
                    "no column for the {what}: expected one named {}; the header has: {}",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(" or "),
                    self.headers.join(", ")
                ),
            )
        })
    }

    /// The header name of column `i`, for messages.
    pub fn name(&self, i: usize) -> &str {
        self.headers.get(i).map_or("", String::as_str)
    }
}

/// The cell of column `i` (empty when the row is short).
pub fn cell(rec: &csv::StringRecord, i: usize) -> &str {
    rec.get(i).unwrap_or("")
}

/// A number as providers write it: plain, with an exponent, or with thousands separators
/// (`1,234,567.5`, as Excel saves it). `None` when it is not a finite number.
pub fn number(text: &str) -> Option<f64> {
    let t = text.trim();
    let plain: String = if is_grouped(t) {
        t.replace(',', "")
    } else {
        t.to_string()
    };
    plain.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// `1,234` or `-12,345,678.9`: digits in groups of three separated by commas.
fn is_grouped(t: &str) -> bool {
    let t = t.strip_prefix('-').unwrap_or(t);
    let int = t.split('.').next().unwrap_or("");
    let groups: Vec<&str> = int.split(',').collect();
    groups.len() > 1
        && (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit()))
}

/// One line of printable text (control characters become spaces), for names and
/// descriptions that go into the project's files.
pub fn printable(text: &str) -> String {
    let s: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_spellings_match() {
        assert_eq!(key("Partner Code"), key("partnerCode"));
        assert_eq!(key("Trade Value (US$)"), "tradevalueus");
        assert_eq!(key("TradeValue in 1000 USD"), "tradevaluein1000usd");
    }

    #[test]
    fn numbers_as_providers_write_them() {
        assert_eq!(number("1,234,567.5"), Some(1_234_567.5));
        assert_eq!(number("1.5E+09"), Some(1.5e9));
        assert_eq!(number("12"), Some(12.0));
        assert_eq!(number("1,23"), None);
        assert_eq!(number("NaN"), None);
        assert_eq!(number("inf"), None);
        assert_eq!(number(""), None);
    }

    #[test]
    fn latin1_files_are_read_and_said() {
        let d = Download::parse(Path::new("x.csv"), b"a,b\nC\xf4te,1\n").unwrap();
        assert!(d.latin1);
        assert_eq!(cell(&d.rows[0].1, 0), "Côte");
        assert_eq!(d.rows[0].0, 2);
    }

    #[test]
    fn a_row_longer_than_the_header_names_its_line() {
        let e = Download::parse(Path::new("x.csv"), b"a,b\n1,2\n1,2,3\n")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("x.csv:3"), "{e}");
    }
}
