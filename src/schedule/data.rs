//! Loading the schedule's data folder (`scenarios/data/us_schedule/`): the 2024 HS6 ×
//! partner imports, their line classes, and the measures. HS6 codes and partners are
//! interned to integer ids on the way in, in one pass over each file.

use super::measures::{ListMasks, Measures};
use crate::error::ScenarioError;
use crate::scenario::data::CsvTable;
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A trade partner of the 2024 table (49 countries, the European Union, Rest of world).
#[derive(Debug, Clone)]
pub struct Partner {
    /// Census country code (`5350`), or `ROW` for Rest of world.
    pub code: String,
    /// Name as in the data (`Pakistan`).
    pub name: String,
    /// ISO 3166 alpha-3 code, empty for the EU and Rest of world.
    pub iso3: String,
    /// OFFICIAL (Census lines) or ESTIMATE (Rest of world's HS6 split).
    pub status: String,
}

/// One HS6 × partner cell of 2024 imports.
#[derive(Debug, Clone)]
pub struct Cell {
    /// Index into [`Schedule::partners`].
    pub partner: u16,
    /// Index into [`Schedule::products`].
    pub product: u32,
    /// 2024 imports for consumption, US dollars.
    pub value: f64,
    /// 2024 calculated duty, US dollars.
    pub duty: f64,
    /// This cell's line classes in [`Schedule::classes`].
    pub classes: Range<u32>,
}

/// Part of a cell's 2024 value in HS10 lines that are on exactly the lists of `mask`.
/// The value of the cell outside every class is on no list (mask 0).
#[derive(Debug, Clone, Copy)]
pub struct LineClass {
    /// Bits of [`ListMasks`].
    pub mask: u32,
    /// US dollars of 2024 imports.
    pub value: f64,
}

/// Everything the schedule engine reads.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Partners, by id.
    pub partners: Vec<Partner>,
    /// HS6 codes, by id.
    pub products: Vec<String>,
    /// Cells, grouped by partner in the order of the imports file.
    pub cells: Vec<Cell>,
    /// Line classes of all cells (see [`Cell::classes`]).
    pub classes: Vec<LineClass>,
    /// The measures and partner rates.
    pub measures: Measures,
    /// Which bit is which list.
    pub lists: ListMasks,
    /// List names by bit, for messages.
    pub list_names: Vec<String>,
    /// The folder read.
    pub dir: PathBuf,
}

impl Schedule {
    /// Reads the data folder.
    pub fn load(dir: &Path) -> Result<Schedule, ScenarioError> {
        let measures = Measures::load(&dir.join("measures.csv"), &dir.join("partner_rates.csv"))?;
        let (lists, list_names) = ListMasks::load(&dir.join("lists.csv"))?;
        let partners = read_partners(&dir.join("partners.csv"))?;
        let partner_ids: HashMap<&str, u16> = partners
            .iter()
            .enumerate()
            .map(|(i, p)| (p.code.as_str(), i as u16))
            .collect();

        let t = CsvTable::read(&dir.join("imports_2024_hs6.csv"), "2024 imports")?;
        let [hs6, cty, value, duty] =
            ["hs6", "cty_code", "value_usd", "duty_usd"].map(|c| t.require(c));
        let (hs6, cty, value, duty) = (hs6?, cty?, value?, duty?);
        let mut products: Vec<String> = Vec::new();
        let mut product_ids: HashMap<String, u32> = HashMap::new();
        let mut cells = Vec::with_capacity(t.len());
        let mut cell_ids: HashMap<(u16, u32), (usize, u64)> = HashMap::with_capacity(t.len());
        for row in t.rows() {
            let partner = partner_id(&partner_ids, &row, cty, &dir.join("partners.csv"))?;
            let code = hs6_code(&row, hs6)?;
            let product = *product_ids.entry(code.to_string()).or_insert_with(|| {
                products.push(code.to_string());
                products.len() as u32 - 1
            });
            let (v, d) = (row.non_negative(value)?, row.non_negative(duty)?);
            if let Some((_, first)) = cell_ids.insert((partner, product), (cells.len(), row.line)) {
                return Err(row.error(
                    hs6,
                    format!(
                        "HS6 {code} × partner {} is given twice (first on line {first})",
                        row.text(cty)
                    ),
                ));
            }
            cells.push(Cell {
                partner,
                product,
                value: v,
                duty: d,
                classes: 0..0,
            });
        }

        let path = dir.join("line_classes_hs6.csv");
        let t = CsvTable::read(&path, "line classes")?;
        let [hs6, cty, mask, value] =
            ["hs6", "cty_code", "mask", "value_usd"].map(|c| t.require(c));
        let (hs6, cty, mask, value) = (hs6?, cty?, mask?, value?);
        // Counting sort by cell keeps the load linear and each cell's classes contiguous.
        let mut found: Vec<(usize, LineClass, u64)> = Vec::with_capacity(t.len());
        let mut count = vec![0u32; cells.len() + 1];
        for row in t.rows() {
            let partner = partner_id(&partner_ids, &row, cty, &dir.join("partners.csv"))?;
            let code = hs6_code(&row, hs6)?;
            let cell = product_ids
                .get(code)
                .and_then(|p| cell_ids.get(&(partner, *p)))
                .map(|c| c.0)
                .ok_or_else(|| {
                    row.error(
                        hs6,
                        format!(
                            "HS6 {code} × partner {} has no row in imports_2024_hs6.csv",
                            row.text(cty)
                        ),
                    )
                })?;
            let m = row.required_text(mask)?;
            let m: u32 = m
                .parse()
                .ok()
                .filter(|&m: &u32| m != 0 && (m >> list_names.len()) == 0)
                .ok_or_else(|| {
                    row.error(
                        mask,
                        format!(
                            "expected a nonzero sum of the {} list bits of lists.csv, found '{m}'",
                            list_names.len()
                        ),
                    )
                })?;
            found.push((
                cell,
                LineClass {
                    mask: m,
                    value: row.non_negative(value)?,
                },
                row.line,
            ));
            count[cell + 1] += 1;
        }
        for i in 1..count.len() {
            count[i] += count[i - 1];
        }
        for (i, c) in cells.iter_mut().enumerate() {
            c.classes = count[i]..count[i + 1];
        }
        let mut classes = vec![
            LineClass {
                mask: 0,
                value: 0.0
            };
            found.len()
        ];
        let mut next = count.clone();
        let mut in_cell = vec![0.0f64; cells.len()];
        for (cell, class, line) in found {
            in_cell[cell] += class.value;
            if in_cell[cell] > cells[cell].value {
                return Err(t.error(
                    line,
                    Some(value),
                    format!(
                        "the line classes of this HS6 × partner add up to {} dollars, more than its 2024 value {}",
                        in_cell[cell], cells[cell].value
                    ),
                ));
            }
            classes[next[cell] as usize] = class;
            next[cell] += 1;
        }
        Ok(Schedule {
            partners,
            products,
            cells,
            classes,
            measures,
            lists,
            list_names,
            dir: dir.to_path_buf(),
        })
    }

    /// Finds a partner by name (ignoring case), ISO3 or Census code.
    pub fn find_partner(&self, query: &str) -> Option<usize> {
        let q = query.trim();
        self.partners.iter().position(|p| {
            p.name.eq_ignore_ascii_case(q)
                || (!p.iso3.is_empty() && p.iso3.eq_ignore_ascii_case(q))
                || p.code == q
        })
    }

    /// The HS chapter of a product (its first two digits).
    pub fn chapter(&self, product: u32) -> u8 {
        self.products[product as usize][..2].parse().unwrap_or(0)
    }
}

fn read_partners(path: &Path) -> Result<Vec<Partner>, ScenarioError> {
    let t = CsvTable::read(path, "partners")?;
    let [code, name, iso3, status] =
        ["cty_code", "partner", "iso3", "status"].map(|c| t.require(c));
    let (code, name, iso3, status) = (code?, name?, iso3?, status?);
    let mut out: Vec<Partner> = Vec::with_capacity(t.len());
    let mut seen = std::collections::HashSet::with_capacity(t.len());
    for row in t.rows() {
        let p = Partner {
            code: row.required_text(code)?.to_string(),
            name: row.required_text(name)?.to_string(),
            iso3: row.text(iso3).to_string(),
            status: row.text(status).to_string(),
        };
        if !seen.insert(p.code.clone()) {
            return Err(row.error(code, format!("partner code {} is listed twice", p.code)));
        }
        out.push(p);
    }
    if out.len() > u16::MAX as usize {
        return Err(t.error(1, None, "too many partners".into()));
    }
    Ok(out)
}

fn partner_id(
    ids: &HashMap<&str, u16>,
    row: &crate::scenario::data::CsvRow<'_>,
    column: usize,
    partners: &Path,
) -> Result<u16, ScenarioError> {
    let code = row.required_text(column)?;
    ids.get(code).copied().ok_or_else(|| {
        row.error(
            column,
            format!("partner code '{code}' is not in {}", partners.display()),
        )
    })
}

fn hs6_code<'a>(
    row: &'a crate::scenario::data::CsvRow<'_>,
    column: usize,
) -> Result<&'a str, ScenarioError> {
    let code = row.required_text(column)?;
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code)
    } else {
        Err(row.error(
            column,
            format!(
                "expected a 6-digit HS code written as text (with its leading zero), found '{code}'"
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy_data(name: &str) -> PathBuf {
        let from = Path::new(env!("CARGO_MANIFEST_DIR")).join(super::super::DATA_DIR);
        let dir =
            std::env::temp_dir().join(format!("tariffsim-schedule-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for f in [
            "measures.csv",
            "partner_rates.csv",
            "lists.csv",
            "partners.csv",
        ] {
            std::fs::copy(from.join(f), dir.join(f)).unwrap();
        }
        dir
    }

    #[test]
    fn errors_name_the_file_line_and_column() {
        let dir = copy_data("errors");
        std::fs::write(
            dir.join("imports_2024_hs6.csv"),
            "hs6,cty_code,value_usd,duty_usd\n630790,5350,100,5\n63079,5350,1,0\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("line_classes_hs6.csv"),
            "hs6,cty_code,mask,value_usd\n",
        )
        .unwrap();
        let e = Schedule::load(&dir).unwrap_err().to_string();
        assert!(e.contains("imports_2024_hs6.csv:3: column `hs6`"), "{e}");
        assert!(e.contains("6-digit"), "{e}");

        std::fs::write(
            dir.join("imports_2024_hs6.csv"),
            "hs6,cty_code,value_usd,duty_usd\n630790,5350,100,5\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("line_classes_hs6.csv"),
            "hs6,cty_code,mask,value_usd\n630790,5350,1,60\n630790,5350,2,50\n",
        )
        .unwrap();
        let e = Schedule::load(&dir).unwrap_err().to_string();
        assert!(
            e.contains("line_classes_hs6.csv:3: column `value_usd`"),
            "{e}"
        );

        std::fs::write(
            dir.join("line_classes_hs6.csv"),
            "hs6,cty_code,mask,value_usd\n630790,9999,1,60\n",
        )
        .unwrap();
        let e = Schedule::load(&dir).unwrap_err().to_string();
        assert!(
            e.contains(":2: column `cty_code`: partner code '9999'"),
            "{e}"
        );

        std::fs::write(
            dir.join("line_classes_hs6.csv"),
            "hs6,cty_code,mask,value_usd\n630790,5350,1,60\n",
        )
        .unwrap();
        let s = Schedule::load(&dir).unwrap();
        assert_eq!(s.cells.len(), 1);
        assert_eq!(s.classes.len(), 1);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_missing_measure_is_named() {
        let dir = copy_data("measure");
        let m = std::fs::read_to_string(dir.join("measures.csv")).unwrap();
        let m: String = m
            .lines()
            .filter(|l| !l.starts_with("s122_surcharge_10,"))
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(dir.join("measures.csv"), m).unwrap();
        let measures = Measures::load(&dir.join("measures.csv"), &dir.join("partner_rates.csv"));
        let e = measures
            .unwrap()
            .get("s122_surcharge_10")
            .unwrap_err()
            .to_string();
        assert!(e.contains("needs measure 's122_surcharge_10'"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
