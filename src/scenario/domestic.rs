//! The domestic side of the Armington model: the home producers' share of US absorption and the
//! domestic–import substitution elasticity `σ_d`, by HS prefix.
//!
//! The file (`scenarios/data/us_domestic_share_hs2.csv` ships with the project; a scenario may
//! name its own) has one row per HS prefix of 2, 4 or 6 digits:
//!
//! ```text
//! hs_prefix,domestic_share_pct,share_status,share_year,share_source,sigma_domestic,sigma_status,sigma_source
//! 61,2.55,PUBLISHED,2013,"AAFA ...",3.7,UNVERIFIED,"GTAP ..."
//! ```
//!
//! A product takes the row of its longest matching prefix, so an HS4 or HS6 row overrides its
//! chapter. The domestic share `s` is domestic shipments over domestic shipments plus imports,
//! both at base prices; for a product with imports `M` the model's domestic shipments are
//! `M·s/(1 − s)` ([`DomesticRow::shipments_for`]).

use std::collections::HashMap;
use std::path::Path;

use super::bounds;
use super::data::{CsvTable, Num, check_percent_columns};
use crate::error::ScenarioError;
use crate::units::Value;

/// What the reader calls the file in messages.
const ROLE: &str = "domestic share data";

/// Largest domestic share accepted, in percent: at 100 a product has no imports to simulate,
/// and just below it the shipments `M·s/(1 − s)` explode.
pub const MAX_DOMESTIC_SHARE_PCT: f64 = 99.9;

/// One row of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct DomesticRow {
    /// HS prefix (2, 4 or 6 digits).
    pub hs_prefix: String,
    /// Domestic shipments' share of absorption, as a fraction (0.66 = 66 %).
    pub domestic_share: f64,
    /// Status tag of the share (PUBLISHED, ASSUMPTION, ...).
    pub share_status: String,
    /// Year the share describes.
    pub share_year: u16,
    /// Where the share comes from.
    pub share_source: String,
    /// `σ_d`, the substitution elasticity between domestic output and imports.
    pub sigma_domestic: f64,
    /// Status tag of `σ_d`.
    pub sigma_status: String,
    /// Where `σ_d` comes from.
    pub sigma_source: String,
    /// 1-based line of the row in the file, for messages.
    pub line: u64,
}

impl DomesticRow {
    /// Domestic shipments implied by imports `imports` (base prices): `M·s/(1 − s)`.
    pub fn shipments_for(&self, imports: Value) -> Value {
        imports * self.domestic_share / (1.0 - self.domestic_share)
    }
}

/// The rows of a domestic share file, looked up by product code.
#[derive(Debug, Clone, PartialEq)]
pub struct DomesticTable {
    rows: Vec<DomesticRow>,
    by_prefix: HashMap<String, usize>,
}

impl DomesticTable {
    /// Reads and checks a file.
    ///
    /// # Errors
    ///
    /// A [`ScenarioError`] naming the file, line and column, and what was expected.
    pub fn read(path: &Path) -> Result<Self, ScenarioError> {
        Self::from_table(&CsvTable::read(path, ROLE)?)
    }

    /// Checks a file already read into memory (`path` is used in messages).
    ///
    /// # Errors
    ///
    /// As [`read`](Self::read).
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Self, ScenarioError> {
        Self::from_table(&CsvTable::parse(path, bytes)?)
    }

    pub(super) fn from_table(table: &CsvTable) -> Result<Self, ScenarioError> {
        let c_prefix = table.require("hs_prefix")?;
        let c_share = table.require("domestic_share_pct")?;
        let c_share_status = table.require("share_status")?;
        let c_year = table.require("share_year")?;
        let c_share_source = table.require("share_source")?;
        let c_sigma = table.require("sigma_domestic")?;
        let c_sigma_status = table.require("sigma_status")?;
        let c_sigma_source = table.require("sigma_source")?;
        if table.is_empty() {
            return Err(table.error(
                1,
                None,
                "the file has a header but no rows; give at least one HS prefix".into(),
            ));
        }

        let mut rows = Vec::with_capacity(table.len());
        let mut by_prefix = HashMap::new();
        let mut shares_pct = Vec::with_capacity(table.len());
        for row in table.rows() {
            let prefix = row.name(c_prefix)?;
            if !(matches!(prefix.len(), 2 | 4 | 6) && prefix.bytes().all(|b| b.is_ascii_digit())) {
                return Err(row.error(
                    c_prefix,
                    format!(
                        "expected an HS code of 2, 4 or 6 digits such as 61 or 6302, found \
                         '{prefix}' (keep the leading zero: 03, not 3)"
                    ),
                ));
            }
            if let Some(&first) = by_prefix.get(prefix) {
                let first: &DomesticRow = &rows[first];
                return Err(row.error(
                    c_prefix,
                    format!(
                        "HS prefix {prefix} is given twice (first on line {}); keep one row",
                        first.line
                    ),
                ));
            }
            let share_pct = row.non_negative(c_share)?;
            if share_pct > MAX_DOMESTIC_SHARE_PCT {
                return Err(row.error(
                    c_share,
                    format!(
                        "must be a percentage from 0 to {MAX_DOMESTIC_SHARE_PCT} (the domestic \
                         producers' share of the US market), found {}",
                        Num(share_pct)
                    ),
                ));
            }
            let year = row.number(c_year)?;
            if !(year.fract() == 0.0 && (1900.0..=2100.0).contains(&year)) {
                return Err(row.error(
                    c_year,
                    format!("expected a year such as 2024, found {}", Num(year)),
                ));
            }
            let sigma = row.number(c_sigma)?;
            if let Some(m) = bounds::substitution_problem(sigma, "must be positive,") {
                return Err(row.error(c_sigma, m));
            }
            shares_pct.push(share_pct);
            by_prefix.insert(prefix.to_string(), rows.len());
            rows.push(DomesticRow {
                hs_prefix: prefix.to_string(),
                domestic_share: share_pct / 100.0,
                share_status: row.name(c_share_status)?.to_string(),
                share_year: year as u16,
                share_source: row.required_text(c_share_source)?.to_string(),
                sigma_domestic: sigma,
                sigma_status: row.name(c_sigma_status)?.to_string(),
                sigma_source: row.required_text(c_sigma_source)?.to_string(),
                line: row.line,
            });
        }
        check_percent_columns(table, &[(c_share, &shares_pct)])?;
        Ok(DomesticTable { rows, by_prefix })
    }

    /// The row of the longest prefix of `product_code` (HS6 `630260` takes `6302` before `63`),
    /// or `None` when no prefix matches.
    pub fn lookup(&self, product_code: &str) -> Option<&DomesticRow> {
        [6, 4, 2]
            .into_iter()
            .filter(|&n| n <= product_code.len() && product_code.is_char_boundary(n))
            .find_map(|n| self.by_prefix.get(&product_code[..n]))
            .map(|&i| &self.rows[i])
    }

    /// The rows, in file order.
    pub fn rows(&self) -> &[DomesticRow] {
        &self.rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "hs_prefix,domestic_share_pct,share_status,share_year,share_source,\
                          sigma_domestic,sigma_status,sigma_source\n";

    fn parse(rows: &str) -> Result<DomesticTable, ScenarioError> {
        DomesticTable::parse(Path::new("dom.csv"), format!("{HEADER}{rows}").as_bytes())
    }

    /// The line and column an error names, from its structured fields.
    fn located(err: ScenarioError) -> (u64, Option<String>) {
        match err {
            ScenarioError::Csv { line, column, .. } => (line, column),
            other => panic!("not a CSV error: {other:?}"),
        }
    }

    #[test]
    fn shipped_file_reads_and_covers_every_chapter() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/data/us_domestic_share_hs2.csv");
        let table = DomesticTable::read(&path).unwrap();
        for chapter in 1..=97 {
            if chapter == 77 {
                continue; // reserved in the HS
            }
            let code = format!("{chapter:02}0000");
            let row = table.lookup(&code).unwrap_or_else(|| panic!("{code}"));
            assert!(!row.share_source.is_empty() && !row.sigma_source.is_empty());
            assert!(
                ["PUBLISHED", "ASSUMPTION"].contains(&row.share_status.as_str()),
                "{row:?}"
            );
        }
        // Apparel: the published import penetration, GTAP's ESUBD for wearing apparel.
        let apparel = table.lookup("6109").unwrap();
        assert_eq!(apparel.domestic_share, 0.0255);
        assert_eq!(apparel.sigma_domestic, 3.7);
        // Rice has its own HS4 row.
        assert_eq!(table.lookup("100630").unwrap().hs_prefix, "1006");
        assert_eq!(table.lookup("1001").unwrap().hs_prefix, "10");
    }

    #[test]
    fn longest_prefix_wins_and_shipments_follow_the_share() {
        let t = parse(
            "63,66,ASSUMPTION,2025,src,3.75,UNVERIFIED,src\n\
             6302,20,PUBLISHED,2024,src,3,UNVERIFIED,src\n",
        )
        .unwrap();
        assert_eq!(t.lookup("630260").unwrap().hs_prefix, "6302");
        assert_eq!(t.lookup("6301").unwrap().hs_prefix, "63");
        assert!(t.lookup("61").is_none());
        assert!(t.lookup("6").is_none());
        assert!(t.lookup("").is_none());
        // s = 20 %: shipments are a quarter of imports.
        let row = t.lookup("630260").unwrap();
        assert_eq!(row.shipments_for(400.0), 100.0);
        assert_eq!(row.line, 3);
        assert_eq!(t.rows().len(), 2);
    }

    #[test]
    fn bad_rows_name_their_line_and_column() {
        let ok = "61,2.55,PUBLISHED,2013,src,3.7,UNVERIFIED,src\n";
        let cases = [
            ("6,5,A,2020,s,2,A,s\n", "hs_prefix"),
            ("6a,5,A,2020,s,2,A,s\n", "hs_prefix"),
            ("61,5,A,2020,s,2,A,s\n", "hs_prefix"), // duplicate
            ("62,-1,A,2020,s,2,A,s\n", "domestic_share_pct"),
            ("62,100,A,2020,s,2,A,s\n", "domestic_share_pct"),
            ("62,abc,A,2020,s,2,A,s\n", "domestic_share_pct"),
            ("62,5,A,20.5,s,2,A,s\n", "share_year"),
            ("62,5,A,1066,s,2,A,s\n", "share_year"),
            ("62,5,A,2020,s,0,A,s\n", "sigma_domestic"),
            ("62,5,A,2020,s,1000,A,s\n", "sigma_domestic"),
            ("62,5,A,2020,s,NaN,A,s\n", "sigma_domestic"),
            ("62,5,,2020,s,2,A,s\n", "share_status"),
            ("62,5,A,2020,,2,A,s\n", "share_source"),
            ("62,5,A,2020,s,2,A,\n", "sigma_source"),
        ];
        for (bad, column) in cases {
            let err = parse(&format!("{ok}{bad}")).unwrap_err();
            assert!(err.to_string().starts_with("dom.csv:3:"), "{bad}: {err}");
            assert_eq!(located(err), (3, Some(column.to_string())), "{bad}");
        }
    }

    #[test]
    fn fractions_missing_columns_and_empty_files_are_refused() {
        // Every share at most 1: written as fractions.
        let err = parse("61,0.0255,P,2013,s,3.7,U,s\n62,0.5,P,2013,s,3.7,U,s\n").unwrap_err();
        assert_eq!(located(err), (1, Some("domestic_share_pct".into())));
        let err = DomesticTable::parse(
            Path::new("dom.csv"),
            b"hs_prefix,domestic_share_pct\n61,5\n",
        )
        .unwrap_err();
        assert_eq!(located(err).0, 1);
        let err = parse("").unwrap_err();
        assert_eq!(located(err).0, 1);
        let missing = DomesticTable::read(Path::new("/nonexistent/dom.csv")).unwrap_err();
        assert!(
            missing.to_string().contains("/nonexistent/dom.csv"),
            "{missing}"
        );
    }
}
