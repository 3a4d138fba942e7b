//! Reading the scenario's CSV data files, with errors that name the file, line and column.

use crate::error::ScenarioError;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// A CSV file read into memory with its header, so rows can be checked by column name.
pub struct CsvTable {
    path: PathBuf,
    headers: Vec<String>,
    rows: Vec<(u64, csv::StringRecord)>,
}

/// One row of a [`CsvTable`], able to parse its cells with located errors.
pub struct CsvRow<'a> {
    table: &'a CsvTable,
    /// 1-based line number in the file.
    pub line: u64,
    record: &'a csv::StringRecord,
}

impl CsvTable {
    /// Reads a whole CSV file. `role` names the file in errors ("trade data").
    pub fn read(path: &Path, role: &str) -> Result<Self, ScenarioError> {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_path(path)
            .map_err(|e| csv_open_error(path, role, e))?;
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| csv_open_error(path, role, e))?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_string())
            .collect();
        let mut rows = Vec::new();
        for record in reader.records() {
            let record = record.map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                let message = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => format!(
                        "this row has {len} fields but the header has {expected_len} ({})",
                        headers.join(", ")
                    ),
                    _ => e.to_string(),
                };
                ScenarioError::Csv {
                    path: path.to_path_buf(),
                    line,
                    column: None,
                    message,
                }
            })?;
            let line = record.position().map_or(0, |p| p.line());
            if record.iter().all(|f| f.is_empty()) {
                continue;
            }
            rows.push((line, record));
        }
        Ok(CsvTable {
            path: path.to_path_buf(),
            headers,
            rows,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of data rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when the file has no data rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Index of a column, if present.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// Index of a required column, or an error naming the columns found.
    pub fn require(&self, name: &str) -> Result<usize, ScenarioError> {
        self.column(name).ok_or_else(|| ScenarioError::Csv {
            path: self.path.clone(),
            line: 1,
            column: Some(name.to_string()),
            message: format!(
                "required column is missing; the header has: {}",
                self.headers.join(", ")
            ),
        })
    }

    /// Iterates over the rows.
    pub fn rows(&self) -> impl Iterator<Item = CsvRow<'_>> {
        self.rows.iter().map(|(line, record)| CsvRow {
            table: self,
            line: *line,
            record,
        })
    }

    /// An error at a line and column of this file.
    pub fn error(&self, line: u64, column: Option<usize>, message: String) -> ScenarioError {
        ScenarioError::Csv {
            path: self.path.clone(),
            line,
            column: column.map(|c| self.headers[c].clone()),
            message,
        }
    }
}

fn csv_open_error(path: &Path, role: &str, e: csv::Error) -> ScenarioError {
    match e.into_kind() {
        csv::ErrorKind::Io(source) => ScenarioError::Read {
            role: role.to_string(),
            path: path.to_path_buf(),
            source,
        },
        other => ScenarioError::Csv {
            path: path.to_path_buf(),
            line: 1,
            column: None,
            message: format!("{other:?}"),
        },
    }
}

impl CsvRow<'_> {
    /// The text of a cell (empty when the column is absent).
    pub fn text(&self, column: usize) -> &str {
        self.record.get(column).unwrap_or("")
    }

    /// A non-empty text cell.
    pub fn required_text(&self, column: usize) -> Result<&str, ScenarioError> {
        let t = self.text(column);
        if t.is_empty() {
            Err(self.error(column, "is empty; a value is required".into()))
        } else {
            Ok(t)
        }
    }

    /// A finite number.
    pub fn number(&self, column: usize) -> Result<f64, ScenarioError> {
        let t = self.required_text(column)?;
        match t.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(self.error(column, format!("expected a number, found '{t}'"))),
        }
    }

    /// A finite number that is zero or more.
    pub fn non_negative(&self, column: usize) -> Result<f64, ScenarioError> {
        let v = self.number(column)?;
        if v < 0.0 {
            Err(self.error(column, format!("must not be negative, found {v}")))
        } else {
            Ok(v)
        }
    }

    /// An error at this row and column.
    pub fn error(&self, column: usize, message: String) -> ScenarioError {
        self.table.error(self.line, Some(column), message)
    }
}

/// Where a product × exporter × importer cell was defined, to report duplicates.
pub type CellLines = HashMap<(String, String, String), u64>;

/// Registers a cell, failing on a duplicate with both line numbers.
pub fn register_cell(
    seen: &mut CellLines,
    table: &CsvTable,
    line: u64,
    product: &str,
    exporter: &str,
    importer: &str,
) -> Result<(), ScenarioError> {
    let key = (
        product.to_string(),
        exporter.to_string(),
        importer.to_string(),
    );
    if let Some(first) = seen.insert(key, line) {
        return Err(table.error(
            line,
            None,
            format!(
                "duplicate row for product {product} × exporter {exporter} × importer {importer} (first defined on line {first}); \
                 each combination may appear once"
            ),
        ));
    }
    Ok(())
}

/// Rejects a percent column whose values all look like fractions (0.15 for 15 %).
pub fn check_percent_column(
    table: &CsvTable,
    column: usize,
    values: &[f64],
) -> Result<(), ScenarioError> {
    let max = values.iter().copied().fold(0.0, f64::max);
    if max > 0.0 && max <= 1.0 {
        return Err(table.error(
            1,
            Some(column),
            format!(
                "every rate is at most 1 (largest {max}): these look like fractions, but the column \
                 holds percent; write 15 for 15%"
            ),
        ));
    }
    Ok(())
}

/// Counts of the `status` column's values weighted by trade value, for the report.
pub type StatusShares = BTreeMap<String, f64>;

/// The message for a name that is not in the data, with the closest known name suggested
/// when one is near (a typo such as "Pakistn" or "Viet Nam").
pub fn unknown_name(kind: &str, name: &str, known: &[String]) -> String {
    let closest = known
        .iter()
        .map(|k| (edit_distance(&name.to_lowercase(), &k.to_lowercase()), k))
        .min_by_key(|(d, _)| *d)
        .filter(|(d, k)| *d <= 2.max(k.chars().count() / 4));
    let hint = closest.map_or(String::new(), |(_, k)| format!("did you mean '{k}'? "));
    let plural = match kind.strip_suffix('y') {
        Some(stem) => format!("{stem}ies"),
        None => format!("{kind}s"),
    };
    format!(
        "{kind} '{name}' is not in the trade data; {hint}{plural} found: {}",
        known.join(", ")
    )
}

/// Levenshtein distance between two strings, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(current + 1);
            previous = current;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_name_for_a_typo() {
        let known = vec![
            "Pakistan".to_string(),
            "Vietnam".to_string(),
            "India".to_string(),
        ];
        let m = unknown_name("exporter", "Pakistn", &known);
        assert!(m.contains("did you mean 'Pakistan'?"), "{m}");
        assert!(unknown_name("exporter", "Viet Nam", &known).contains("did you mean 'Vietnam'?"));
        assert!(!unknown_name("exporter", "Narnia", &known).contains("did you mean"));
        assert!(unknown_name("country", "X", &known).contains("countries found"));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
