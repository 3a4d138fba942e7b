//! What every trade download becomes: one importer, one year, rows of product × exporter
//! in US dollars; and the checks common to the formats (one importer, one year, one HS
//! level, the special partners).

use super::countries::{Countries, Country, Kind};
use super::table::{Download, at, cell};
use crate::error::ScenarioError;
use std::collections::{BTreeMap, HashMap};

/// One product × exporter flow.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    /// HS code, leading zeros kept.
    pub product: String,
    /// Product description from the download (may be empty).
    pub description: String,
    /// The exporter.
    pub exporter: Country,
    /// Imports, US dollars.
    pub value_usd: f64,
    /// Line of the download it came from (the first, if several were summed).
    pub line: u64,
}

/// A trade download read into the project's terms.
#[derive(Debug, Clone)]
pub struct Trade {
    /// The importing market.
    pub importer: Country,
    /// The year of the data.
    pub year: i32,
    /// HS level (number of digits) of the products kept.
    pub level: usize,
    /// The flows, in the order of the download.
    pub flows: Vec<Flow>,
    /// What was done on the way (rows dropped, codes padded), in a user's words.
    pub notes: Vec<String>,
    /// The provider and layout, for the `source` column ("UN Comtrade (API/portal layout)").
    pub source: String,
    /// `status` of the rows: `OFFICIAL`, or `MIRROR` for partner-reported data.
    pub status: String,
}

/// A row as read, before the checks common to all formats.
pub struct RawRow {
    /// Line in the file.
    pub line: u64,
    /// Importer code, as written.
    pub importer: String,
    /// Column the importer came from.
    pub importer_col: usize,
    /// Exporter code, as written.
    pub exporter: String,
    /// Column the exporter came from.
    pub exporter_col: usize,
    /// Year, as written.
    pub year: String,
    /// Column of the year.
    pub year_col: usize,
    /// HS code, as written.
    pub product: String,
    /// Column of the code.
    pub product_col: usize,
    /// Description.
    pub description: String,
    /// Value in US dollars.
    pub value_usd: f64,
}

/// The first row's fields that messages refer back to.
struct FirstRow {
    line: u64,
    importer: String,
    importer_col: usize,
    exporter_col: usize,
    year: String,
    year_col: usize,
    product: String,
    product_col: usize,
}

/// How the HS level of a mixed file is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelChoice {
    /// Refuse a file whose codes have several lengths.
    Refuse,
    /// Keep codes of this many digits, drop the others (and say so).
    Keep(usize),
}

/// The HS level of a code: its digits, with a lost leading zero put back (Excel turns
/// `010121` into `10121`); `None` for codes that are not HS digits (`TOTAL`).
pub fn normalise_code(code: &str) -> Option<String> {
    let c = code.trim();
    if c.is_empty() || !c.chars().all(|ch| ch.is_ascii_digit()) || c.len() > 6 {
        return None;
    }
    Some(if c.len() % 2 == 1 {
        format!("0{c}")
    } else {
        c.to_string()
    })
}

/// Checks and builds a [`Trade`] from the rows of one download: one importer, one year,
/// one HS level; World rows dropped, groups dropped, n.e.s. areas pooled, duplicates summed.
pub fn assemble(
    d: &Download,
    rows: Vec<RawRow>,
    countries: &Countries,
    level: LevelChoice,
    source: &str,
    status: &str,
) -> Result<Trade, ScenarioError> {
    let path = &d.path;
    let Some(first) = rows.first().map(|r| FirstRow {
        line: r.line,
        importer: r.importer.clone(),
        importer_col: r.importer_col,
        exporter_col: r.exporter_col,
        year: r.year.clone(),
        year_col: r.year_col,
        product: r.product.clone(),
        product_col: r.product_col,
    }) else {
        return Err(at(
            path,
            2,
            None,
            "the file has no data rows; download imports for at least one partner and product"
                .into(),
        ));
    };
    let country = |code: &str,
                   line: u64,
                   col: usize,
                   role: &str|
     -> Result<Country, ScenarioError> {
        if code.trim().is_empty() {
            return Err(at(
                path,
                line,
                Some(d.name(col)),
                format!("the {role} is missing; every row needs a {role} code"),
            ));
        }
        countries.find(code).cloned().ok_or_else(|| {
            at(
                path,
                line,
                Some(d.name(col)),
                format!(
                    "{role} code '{code}' is not in the country table (UN M49 numeric codes and ISO alpha-3 codes, src/import/countries.csv); check the code; a real country or area missing from the table can be added there (and the program rebuilt), or the row removed from the download"
                ),
            )
        })
    };
    let importer = country(&first.importer, first.line, first.importer_col, "importer")?;
    let year_of = |text: &str, line: u64, col: usize| -> Result<i32, ScenarioError> {
        text.trim()
            .parse::<i32>()
            .ok()
            .filter(|y| (1900..=2100).contains(y))
            .ok_or_else(|| {
                at(
                    path,
                    line,
                    Some(d.name(col)),
                    format!(
                        "'{text}' is not a year; download annual data (one year, such as 2023)"
                    ),
                )
            })
    };
    let year = year_of(&first.year, first.line, first.year_col)?;

    // Levels present, to refuse or drop mixed files.
    let mut levels: BTreeMap<usize, (usize, u64)> = BTreeMap::new();
    for r in &rows {
        let lvl = normalise_code(&r.product).map_or(0, |c| c.len());
        let e = levels.entry(lvl).or_insert((0, r.line));
        e.0 += 1;
    }
    let level = match level {
        LevelChoice::Keep(n) => {
            if !levels.contains_key(&n) {
                return Err(at(
                    path,
                    1,
                    Some(d.name(first.product_col)),
                    format!(
                        "--hs-level {n}: the file has no {n}-digit codes; it has {}",
                        describe_levels(&levels)
                    ),
                ));
            }
            n
        }
        LevelChoice::Refuse => {
            if levels.len() > 1 {
                let finest = levels.keys().max().copied().unwrap_or(6);
                // The first line where a second level appears.
                let mut firsts: Vec<u64> = levels.values().map(|(_, l)| *l).collect();
                firsts.sort_unstable();
                let line = firsts.get(1).copied().unwrap_or(1);
                return Err(at(
                    path,
                    line,
                    Some(d.name(first.product_col)),
                    format!(
                        "the file mixes HS levels ({}): the aggregates would be counted twice; give --hs-level {finest} to keep the {finest}-digit rows and drop the others, or download one level only",
                        describe_levels(&levels),
                    ),
                ));
            }
            let only = *levels.keys().next().unwrap_or(&0);
            if only == 0 {
                return Err(at(
                    path,
                    first.line,
                    Some(d.name(first.product_col)),
                    format!(
                        "'{}' is not an HS code (2, 4 or 6 digits); download by HS chapter, heading or subheading, not TOTAL",
                        first.product
                    ),
                ));
            }
            only
        }
    };
    let mut notes = Vec::new();
    let dropped_levels: Vec<String> = levels
        .iter()
        .filter(|(l, _)| **l != level)
        .map(|(l, (n, _))| format!("{} at {}", rows_text(*n), level_name(*l)))
        .collect();
    if !dropped_levels.is_empty() {
        notes.push(format!(
            "Kept the {level}-digit codes; dropped {} (aggregates of the kept rows).",
            dropped_levels.join(" and ")
        ));
    }

    let mut flows: Vec<Flow> = Vec::new();
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    let (mut world, mut groups, mut own, mut zero, mut padded, mut summed) = (0, 0, 0, 0, 0, 0);
    let mut nes_pooled = 0;
    for r in rows {
        let imp = country(&r.importer, r.line, r.importer_col, "importer")?;
        if imp.name != importer.name {
            return Err(at(
                path,
                r.line,
                Some(d.name(r.importer_col)),
                format!(
                    "a second importer ({}) after {} on line {}: a scenario is about one importing market; download one reporter only",
                    imp.name, importer.name, first.line
                ),
            ));
        }
        let y = year_of(&r.year, r.line, r.year_col)?;
        if y != year {
            return Err(at(
                path,
                r.line,
                Some(d.name(r.year_col)),
                format!(
                    "year {y} after {year} on line {}: the file mixes years; download one year only",
                    first.line
                ),
            ));
        }
        let Some(code) = normalise_code(&r.product) else {
            continue; // a TOTAL or other aggregate row at level 0, dropped above
        };
        if code.len() != level {
            continue;
        }
        if code.len() != r.product.trim().len() {
            padded += 1;
        }
        let mut exp = country(&r.exporter, r.line, r.exporter_col, "partner")?;
        match exp.kind {
            Kind::World => {
                world += 1;
                continue;
            }
            Kind::Group => {
                groups += 1;
                continue;
            }
            Kind::Nes => {
                nes_pooled += 1;
                exp = Country {
                    m49: 899,
                    iso3: "_X".into(),
                    name: "Areas, n.e.s.".into(),
                    kind: Kind::Nes,
                };
            }
            Kind::Country => {}
        }
        if exp.name == importer.name {
            own += 1;
            continue;
        }
        if !(0.0..=1e15).contains(&r.value_usd) {
            return Err(at(
                path,
                r.line,
                None,
                format!(
                    "the trade value {} is outside 0 to 1e15 US dollars",
                    r.value_usd
                ),
            ));
        }
        if r.value_usd == 0.0 {
            zero += 1;
            continue;
        }
        match index.get(&(code.clone(), exp.name.clone())) {
            Some(&i) if exp.kind == Kind::Nes => {
                flows[i].value_usd += r.value_usd;
                summed += 1;
            }
            Some(&i) => {
                return Err(at(
                    path,
                    r.line,
                    Some(d.name(r.exporter_col)),
                    format!(
                        "product {code} from {} appears twice (also on line {}); download without breakdowns by mode of transport, customs procedure or second partner, or remove one row",
                        exp.name, flows[i].line
                    ),
                ));
            }
            None => {
                index.insert((code.clone(), exp.name.clone()), flows.len());
                flows.push(Flow {
                    product: code,
                    description: r.description,
                    exporter: exp,
                    value_usd: r.value_usd,
                    line: r.line,
                });
            }
        }
    }
    if world > 0 {
        notes.push(format!(
            "Dropped {} with partner World (the total of the other partners).",
            rows_text(world)
        ));
    }
    if groups > 0 {
        notes.push(format!(
            "Dropped {} whose partner is a group of countries (it overlaps its members).",
            rows_text(groups)
        ));
    }
    if own > 0 {
        notes.push(format!(
            "Dropped {} whose partner is the importer itself (re-imports).",
            rows_text(own)
        ));
    }
    if nes_pooled > 0 {
        notes.push(format!(
            "Pooled {} of areas not elsewhere specified (Comtrade's n.e.s. partners) into one exporter, \"Areas, n.e.s.\"{}.",
            rows_text(nes_pooled),
            if summed > 0 {
                format!(" ({summed} summed into an earlier row)")
            } else {
                String::new()
            }
        ));
    }
    if zero > 0 {
        notes.push(format!(
            "Dropped {} with a value of 0 (no trade to simulate).",
            rows_text(zero)
        ));
    }
    if padded > 0 {
        notes.push(format!(
            "Put back the leading zero of {padded} codes with an odd number of digits (a spreadsheet had read them as numbers)."
        ));
    }
    if d.latin1 {
        notes.push("The file was not UTF-8 and was read as Windows-1252/Latin-1 text.".to_string());
    }
    if flows.is_empty() {
        return Err(at(
            path,
            first.line,
            Some(d.name(first.exporter_col)),
            "no imports from any single partner are left (only World, groups or zero values); download with Partners: All (or the partners you study)".into(),
        ));
    }
    Ok(Trade {
        importer,
        year,
        level,
        flows,
        notes,
        source: source.to_string(),
        status: status.to_string(),
    })
}

/// "1 row", "3 rows".
pub fn rows_text(n: usize) -> String {
    if n == 1 {
        "1 row".into()
    } else {
        format!("{n} rows")
    }
}

fn level_name(l: usize) -> &'static str {
    match l {
        0 => "no HS level (TOTAL or text codes)",
        2 => "HS2 (chapters)",
        4 => "HS4 (headings)",
        6 => "HS6 (subheadings)",
        _ => "an unusual level",
    }
}

fn describe_levels(levels: &BTreeMap<usize, (usize, u64)>) -> String {
    levels
        .iter()
        .map(|(l, (n, line))| format!("{} at {} from line {line}", rows_text(*n), level_name(*l)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The value cell of a row in US dollars, given its column and the unit factor.
pub fn value(
    d: &Download,
    line: u64,
    rec: &csv::StringRecord,
    col: usize,
    factor: f64,
) -> Result<f64, ScenarioError> {
    let text = cell(rec, col);
    let v = super::table::number(text).ok_or_else(|| {
        at(
            &d.path,
            line,
            Some(d.name(col)),
            if text.is_empty() {
                "the trade value is empty; every row needs a value".to_string()
            } else {
                format!("'{text}' is not a number")
            },
        )
    })?;
    if v < 0.0 {
        return Err(at(
            &d.path,
            line,
            Some(d.name(col)),
            format!("the trade value {text} is negative"),
        ));
    }
    Ok(v * factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_keep_or_regain_their_leading_zero() {
        assert_eq!(normalise_code("010121").as_deref(), Some("010121"));
        assert_eq!(normalise_code("10121").as_deref(), Some("010121"));
        assert_eq!(normalise_code("1").as_deref(), Some("01"));
        assert_eq!(normalise_code("6302").as_deref(), Some("6302"));
        assert_eq!(normalise_code("TOTAL"), None);
        assert_eq!(normalise_code("63022100"), None);
    }
}
