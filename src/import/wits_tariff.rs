//! The WITS tariff download (Advanced Query → Tariff and Trade Analysis, UNCTAD TRAINS):
//! `Selected Nomen,Native Nomen,Reporter,Reporter Name,Product,Product Name,Partner,
//! Partner Name,Tariff Year,Trade Year,Trade Source,DutyType,Simple Average,Weighted Average,
//! Standard Deviation,Minimum Rate,Maximum Rate,Nbr of Total Lines,…`, one row per product ×
//! partner × duty type: AHS (effectively applied), MFN, PRF (preferential), BND (bound).
//! Rates are percent. The shorter spellings of the same columns (`Nomen,Reporter,Partner,
//! Product,Year,DutyType,SimpleAverage,…`) are read too.

use super::countries::{Countries, Country, Kind};
use super::table::{Download, at, cell, number};
use super::trade::normalise_code;
use crate::error::ScenarioError;
use crate::scenario::rate::RatePct;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The rates of one product line.
#[derive(Debug, Default, Clone)]
struct Line {
    mfn: Option<(f64, u64)>,
    ahs: HashMap<String, (f64, u64)>,
    prf: HashMap<String, (f64, u64)>,
}

/// A tariff download read into rates by product and partner.
#[derive(Debug)]
pub struct Tariffs {
    /// The file.
    pub path: PathBuf,
    /// The importing market whose tariffs these are.
    pub importer: Country,
    /// The tariff year.
    pub year: i32,
    /// The first data line and the reporter column's name, for messages about the reporter.
    pub reporter_at: (u64, String),
    /// HS level of the lines kept.
    pub level: usize,
    lines: BTreeMap<String, Line>,
    /// What was done on the way.
    pub notes: Vec<String>,
}

/// Which rate a trade row takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Effectively applied rate for this partner (AHS).
    Applied,
    /// Preferential rate for this partner (PRF), or MFN if lower.
    Preferential,
    /// MFN: the file has no AHS or PRF rate for this partner.
    MfnFallback,
    /// Several lines of different bases averaged.
    Mixed,
}

/// The rate of one trade row.
#[derive(Debug, Clone, PartialEq)]
pub struct Rate {
    /// Applied rate, percent.
    pub rate_pct: f64,
    /// MFN rate, percent, if the file gives it for these lines.
    pub mfn_pct: Option<f64>,
    /// Where it came from.
    pub basis: Basis,
    /// How many tariff lines were averaged.
    pub lines: usize,
    /// Their HS level.
    pub level: usize,
}

/// Reads a WITS tariff download.
pub fn read(path: &Path, countries: &Countries) -> Result<Tariffs, ScenarioError> {
    let d = Download::read(path, "WITS tariff file")?;
    let reporter = d.require(
        "reporter (importing market) code",
        &["Reporter", "Reporter Code", "ReporterISO3"],
    )?;
    let partner = d.require("partner code", &["Partner", "Partner Code", "PartnerISO3"])?;
    let product = d.require("product code", &["Product", "Product Code", "ProductCode"])?;
    let year = d.require("tariff year", &["Tariff Year", "Year"])?;
    let duty = d.require("duty type (AHS, MFN, PRF)", &["DutyType", "Duty Type"])?;
    let rate = d.require(
        "simple average rate",
        &[
            "Simple Average",
            "SimpleAverage",
            "Simple Tariff Line Average",
        ],
    )?;
    let Some((first_line, first)) = d.rows.first() else {
        return Err(at(path, 2, None, "the file has no data rows".into()));
    };
    let find = |code: &str, line: u64, col: usize, role: &str| -> Result<Country, ScenarioError> {
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
                    "{role} code '{code}' is not in the country table (UN M49 numeric codes and ISO alpha-3 codes, src/import/countries.csv); WITS country groups (such as ACP or GSP beneficiaries) are not read: choose the partner countries one by one"
                ),
            )
        })
    };
    let importer = find(cell(first, reporter), *first_line, reporter, "reporter")?;
    let year_text = cell(first, year).to_string();
    let the_year: i32 = year_text.trim().parse().map_err(|_| {
        at(
            path,
            *first_line,
            Some(d.name(year)),
            format!("'{year_text}' is not a year"),
        )
    })?;
    // The most detailed level present is kept; coarser rows are averages of it.
    let finest = d
        .rows
        .iter()
        .filter_map(|(_, r)| normalise_code(cell(r, product)).map(|c| c.len()))
        .max()
        .ok_or_else(|| {
            at(
                path,
                *first_line,
                Some(d.name(product)),
                "no row has an HS code (2, 4 or 6 digits); choose products by HS code".into(),
            )
        })?;
    let mut lines: BTreeMap<String, Line> = BTreeMap::new();
    let (mut coarser, mut bound, mut empty, mut world_ahs) = (0, 0, 0, 0);
    for (line, rec) in &d.rows {
        let line = *line;
        let r = find(cell(rec, reporter), line, reporter, "reporter")?;
        if r.name != importer.name {
            return Err(at(
                path,
                line,
                Some(d.name(reporter)),
                format!(
                    "a second reporter ({}) after {} on line {first_line}: download the tariffs of one importing market",
                    r.name, importer.name
                ),
            ));
        }
        if cell(rec, year).trim() != year_text.trim() {
            return Err(at(
                path,
                line,
                Some(d.name(year)),
                format!(
                    "tariff year {} after {year_text} on line {first_line}: the file mixes years; download one year",
                    cell(rec, year)
                ),
            ));
        }
        let Some(code) = normalise_code(cell(rec, product)) else {
            coarser += 1;
            continue;
        };
        if code.len() != finest {
            coarser += 1;
            continue;
        }
        let kind = cell(rec, duty).trim().to_ascii_uppercase();
        if kind == "BND" {
            bound += 1;
            continue;
        }
        if !["AHS", "MFN", "PRF"].contains(&kind.as_str()) {
            return Err(at(
                path,
                line,
                Some(d.name(duty)),
                format!(
                    "duty type '{}' is not AHS, MFN, PRF or BND",
                    cell(rec, duty)
                ),
            ));
        }
        let text = cell(rec, rate);
        if text.trim().is_empty() {
            empty += 1;
            continue;
        }
        let v = number(text)
            .filter(|v| RatePct::within(*v, RatePct::TARIFF).is_ok())
            .ok_or_else(|| {
                at(
                    path,
                    line,
                    Some(d.name(rate)),
                    format!(
                        "'{text}' is not a tariff in percent from 0 to {}",
                        RatePct::MAX
                    ),
                )
            })?;
        let p = find(cell(rec, partner), line, partner, "partner")?;
        let entry = lines.entry(code.clone()).or_default();
        if kind == "MFN" {
            if let Some((m, l)) = entry.mfn
                && (m - v).abs() > 1e-9
            {
                return Err(at(
                    path,
                    line,
                    Some(d.name(rate)),
                    format!(
                        "MFN rate {v} for product {code} differs from {m} on line {l}; an MFN rate is the same for every partner"
                    ),
                ));
            }
            entry.mfn = Some((v, line));
            continue;
        }
        if p.kind == Kind::World || p.kind == Kind::Group {
            // An applied rate "to the World" is an average over partners: not a partner's rate.
            world_ahs += 1;
            continue;
        }
        let map = if kind == "AHS" {
            &mut entry.ahs
        } else {
            &mut entry.prf
        };
        if let Some((_, l)) = map.insert(p.name.clone(), (v, line)) {
            return Err(at(
                path,
                line,
                Some(d.name(partner)),
                format!(
                    "{kind} rate for product {code} from {} appears twice (also on line {l})",
                    p.name
                ),
            ));
        }
    }
    let mut notes = Vec::new();
    if coarser > 0 {
        notes.push(format!(
            "Tariffs: kept the {finest}-digit lines; dropped {} at coarser levels (averages of those lines).",
            super::trade::rows_text(coarser)
        ));
    }
    if bound > 0 {
        notes.push(format!(
            "Tariffs: dropped {} of bound rates (BND): a bound rate is a ceiling, not the rate paid.",
            super::trade::rows_text(bound)
        ));
    }
    if empty > 0 {
        notes.push(format!(
            "Tariffs: skipped {} with no simple average (WITS leaves it empty when no rate could be computed).",
            super::trade::rows_text(empty)
        ));
    }
    if world_ahs > 0 {
        notes.push(format!(
            "Tariffs: skipped {} of AHS/PRF rates with partner World or a group (an average over partners, not one partner's rate).",
            super::trade::rows_text(world_ahs)
        ));
    }
    if d.latin1 {
        notes.push(
            "Tariffs: the file was not UTF-8 and was read as Windows-1252/Latin-1 text.".into(),
        );
    }
    Ok(Tariffs {
        path: path.to_path_buf(),
        importer,
        year: the_year,
        reporter_at: (*first_line, d.name(reporter).to_string()),
        level: finest,
        lines,
        notes,
    })
}

impl Tariffs {
    /// The rate of trade code `code` from `partner`: the lines the code covers (a simple
    /// average when the tariff file is more detailed), or the line that covers it.
    pub fn rate(&self, code: &str, partner: &str) -> Option<Rate> {
        let finer: Vec<(&String, &Line)> = self
            .lines
            .range(code.to_string()..)
            .take_while(|(k, _)| k.starts_with(code))
            .collect();
        let candidates = if finer.is_empty() {
            (1..code.len())
                .rev()
                .find_map(|n| self.lines.get_key_value(&code[..n]))
                .into_iter()
                .collect()
        } else {
            finer
        };
        let mut rates = Vec::new();
        let mut mfns = Vec::new();
        let mut bases = Vec::new();
        for (_, l) in &candidates {
            let mfn = l.mfn.map(|(v, _)| v);
            if let Some(m) = mfn {
                mfns.push(m);
            }
            let (v, b) = if let Some((a, _)) = l.ahs.get(partner) {
                (*a, Basis::Applied)
            } else if let Some((p, _)) = l.prf.get(partner) {
                (mfn.map_or(*p, |m| p.min(m)), Basis::Preferential)
            } else if let Some(m) = mfn {
                (m, Basis::MfnFallback)
            } else {
                continue;
            };
            rates.push(v);
            bases.push(b);
        }
        if rates.is_empty() {
            return None;
        }
        let basis = if bases.iter().all(|b| *b == bases[0]) {
            bases[0]
        } else {
            Basis::Mixed
        };
        Some(Rate {
            rate_pct: mean(&rates),
            mfn_pct: (!mfns.is_empty()).then(|| mean(&mfns)),
            basis,
            lines: rates.len(),
            level: self.level,
        })
    }
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tariffs(text: &str) -> Tariffs {
        let dir = std::env::temp_dir().join(format!("tariffsim-wits-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(format!("t{}.csv", text.len()));
        std::fs::write(&p, text).unwrap();
        read(&p, &Countries::shipped()).unwrap()
    }

    const HEAD: &str = "Reporter,Partner,Product,Tariff Year,DutyType,Simple Average\n";

    #[test]
    fn applied_then_preferential_then_mfn() {
        let t = tariffs(&format!(
            "{HEAD}EUN,WLD,610910,2023,MFN,12\nEUN,PAK,610910,2023,AHS,0\nEUN,IND,610910,2023,PRF,9.6\nEUN,WLD,610990,2023,MFN,10\n"
        ));
        let pak = t.rate("610910", "Pakistan").unwrap();
        assert_eq!((pak.rate_pct, pak.basis), (0.0, Basis::Applied));
        assert_eq!(pak.mfn_pct, Some(12.0));
        let ind = t.rate("610910", "India").unwrap();
        assert_eq!((ind.rate_pct, ind.basis), (9.6, Basis::Preferential));
        let chn = t.rate("610910", "China").unwrap();
        assert_eq!((chn.rate_pct, chn.basis), (12.0, Basis::MfnFallback));
        // An HS4 trade code takes the simple average of its HS6 lines: (0 + 10) / 2.
        let h4 = t.rate("6109", "Pakistan").unwrap();
        assert!((h4.rate_pct - 5.0).abs() < 1e-12);
        assert_eq!((h4.lines, h4.basis), (2, Basis::Mixed));
        assert!((h4.mfn_pct.unwrap() - 11.0).abs() < 1e-12);
        assert!(t.rate("6110", "Pakistan").is_none());
    }

    #[test]
    fn a_finer_trade_code_takes_the_line_that_covers_it() {
        let t = tariffs(&format!("{HEAD}EUN,WLD,6109,2023,MFN,12\n"));
        assert_eq!(t.rate("610910", "Pakistan").unwrap().rate_pct, 12.0);
    }

    #[test]
    fn a_preference_above_mfn_is_not_taken() {
        let t = tariffs(&format!(
            "{HEAD}EUN,WLD,610910,2023,MFN,5\nEUN,IND,610910,2023,PRF,9.6\n"
        ));
        assert_eq!(t.rate("610910", "India").unwrap().rate_pct, 5.0);
    }
}
