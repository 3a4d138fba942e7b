//! `tariffsim import`: turns the files students download from UN Comtrade and WITS into the
//! project's data files (trade, applied tariffs) and, on request, a starter scenario that
//! validates and runs as written. One file per source format; this module puts them
//! together and writes the folder whole or not at all.

pub mod comtrade;
pub mod countries;
pub mod elasticities;
pub mod scenario_file;
pub mod table;
pub mod trade;
pub mod wits_tariff;
pub mod wits_trade;

use crate::error::{Error, ScenarioError};
use crate::report::{self, ReplacePolicy};
use countries::Countries;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use trade::{LevelChoice, Trade};
use wits_tariff::{Basis, Tariffs};

/// The trade file written.
pub const TRADE_FILE: &str = "trade.csv";
/// The applied-tariffs file written.
pub const APPLIED_FILE: &str = "applied_tariffs.csv";
/// The focus exporter's applied → MFN rates (a policy-rates file).
pub const TO_MFN_FILE: &str = "focus_to_mfn.csv";
/// The elasticity file written with a scenario.
pub const ELASTICITIES_FILE: &str = "elasticities.csv";
/// What the import did, for the record.
pub const NOTES_FILE: &str = "import_notes.md";

/// What `tariffsim import` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// A UN Comtrade download.
    pub comtrade: Option<PathBuf>,
    /// A WITS trade-data download.
    pub wits_trade: Option<PathBuf>,
    /// A WITS tariff download.
    pub wits_tariffs: Option<PathBuf>,
    /// The Comtrade file holds partners' reported exports (mirror data).
    pub mirror: bool,
    /// Keep only this HS level of a mixed file.
    pub hs_level: Option<usize>,
    /// The focus exporter (ISO3, M49 code or name).
    pub focus: Option<String>,
    /// Write a starter scenario `NAME.toml`.
    pub scenario: Option<String>,
    /// Importer-specific import-demand elasticities.
    pub import_demand: Option<PathBuf>,
    /// Write rate 0 (marked ASSUMPTION) where the tariff file has no rate, instead of refusing.
    pub allow_missing_tariffs: bool,
    /// The folder to write.
    pub out: PathBuf,
    /// Replace an earlier import's folder.
    pub force: bool,
}

/// One written row of the applied-tariffs file.
struct Applied {
    product: String,
    exporter: String,
    rate: f64,
    mfn: Option<f64>,
    basis: &'static str,
    status: &'static str,
    source: String,
}

fn file_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Numbers as written into the files: shortest exact form, no `-0`.
fn num(v: f64) -> String {
    if v == 0.0 { "0".into() } else { format!("{v}") }
}

/// The applied rate of every flow; refuses missing rates unless allowed.
fn applied_rates(
    trade: &Trade,
    trade_path: &Path,
    tariffs: &Tariffs,
    allow_missing: bool,
    notes: &mut Vec<String>,
) -> Result<Vec<Applied>, Error> {
    let tf = file_name(&tariffs.path);
    let mut out = Vec::with_capacity(trade.flows.len());
    let mut missing = Vec::new();
    let mut fallback = 0usize;
    for f in &trade.flows {
        match tariffs.rate(&f.product, &f.exporter.name) {
            Some(r) => {
                let (basis, status, why) = match r.basis {
                    Basis::Applied => (
                        "AHS",
                        "OFFICIAL",
                        "effectively applied rate (AHS) for this partner",
                    ),
                    Basis::Preferential => (
                        "PRF",
                        "OFFICIAL",
                        "preferential rate (PRF) for this partner, or MFN where lower",
                    ),
                    Basis::MfnFallback => (
                        "MFN",
                        "ASSUMPTION",
                        "ASSUMPTION: the file has no AHS or PRF rate for this partner, so MFN is used",
                    ),
                    Basis::Mixed => (
                        "mixed",
                        "DERIVED",
                        "lines of different duty types (AHS, PRF, MFN) averaged",
                    ),
                };
                if r.basis == Basis::MfnFallback {
                    fallback += 1;
                }
                let (status, how) = if r.lines > 1 || r.level != f.product.len() {
                    (
                        if status == "ASSUMPTION" {
                            status
                        } else {
                            "DERIVED"
                        },
                        format!(
                            "; simple average of {} HS{} lines covering HS{} code {}",
                            r.lines,
                            r.level,
                            f.product.len(),
                            f.product
                        ),
                    )
                } else {
                    (status, String::new())
                };
                out.push(Applied {
                    product: f.product.clone(),
                    exporter: f.exporter.name.clone(),
                    rate: r.rate_pct,
                    mfn: r.mfn_pct,
                    basis,
                    status,
                    source: format!("WITS/TRAINS {tf}, tariff year {}: {why}{how}", tariffs.year),
                });
            }
            None => missing.push(f),
        }
    }
    if !missing.is_empty() {
        if !allow_missing {
            let f = missing[0];
            return Err(ScenarioError::Csv {
                path: trade_path.to_path_buf(),
                line: f.line,
                column: None,
                message: format!(
                    "{tf} has no tariff (AHS, PRF or MFN) for product {} from {}{}; download MFN rates (Duty type: MFN) for every product you downloaded trade for, at the same or a finer HS level, or give --allow-missing-tariffs to write 0% (marked ASSUMPTION) for them",
                    f.product,
                    f.exporter.name,
                    if missing.len() > 1 {
                        format!(" (and {} more product × partner rows)", missing.len() - 1)
                    } else {
                        String::new()
                    }
                ),
            }
            .into());
        }
        notes.push(format!(
            "Tariffs: {} trade rows have no rate in {tf}; written as 0% and marked ASSUMPTION (--allow-missing-tariffs).",
            missing.len()
        ));
        for f in missing {
            out.push(Applied {
                product: f.product.clone(),
                exporter: f.exporter.name.clone(),
                rate: 0.0,
                mfn: None,
                basis: "none",
                status: "ASSUMPTION",
                source: format!(
                    "ASSUMPTION: no rate in {tf}; 0% written (--allow-missing-tariffs)"
                ),
            });
        }
    }
    if fallback > 0 {
        notes.push(format!(
            "Tariffs: {fallback} trade rows take the MFN rate because the file has no AHS or PRF rate for their partner (marked ASSUMPTION): a partner with a preference needs its own rows in the download."
        ));
    }
    Ok(out)
}

fn csv_bytes(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(header);
    for r in rows {
        let _ = w.write_record(&r);
    }
    w.into_inner().unwrap_or_default()
}

/// Runs an import; returns the summary to print.
pub fn run(o: &Options) -> Result<String, Error> {
    let countries = Countries::shipped();
    let level = o.hs_level.map_or(LevelChoice::Refuse, LevelChoice::Keep);
    if let Some(l) = o.hs_level
        && ![2, 4, 6].contains(&l)
    {
        return Err(Error::Argument(format!(
            "--hs-level {l}: give 2, 4 or 6 (HS chapters, headings or subheadings)"
        )));
    }
    let (trade_path, trade) = match (&o.comtrade, &o.wits_trade) {
        (Some(p), None) => (p.clone(), comtrade::read(p, &countries, level, o.mirror)?),
        (None, Some(p)) => {
            if o.mirror {
                return Err(Error::Argument(
                    "--mirror reads a Comtrade file of partners' exports; give it with --comtrade"
                        .into(),
                ));
            }
            (p.clone(), wits_trade::read(p, &countries, level)?)
        }
        _ => {
            return Err(Error::Argument(
                "give one trade file: --comtrade FILE (UN Comtrade) or --wits-trade FILE (WITS trade data)".into(),
            ));
        }
    };
    let mut notes = trade.notes.clone();
    let tariffs = match &o.wits_tariffs {
        Some(p) => {
            let t = wits_tariff::read(p, &countries)?;
            if t.importer.name != trade.importer.name {
                return Err(ScenarioError::Csv {
                    path: p.clone(),
                    line: t.reporter_at.0,
                    column: Some(t.reporter_at.1.clone()),
                    message: format!(
                        "these are the tariffs of {} but {} holds the imports of {}; download both for the same importing market",
                        t.importer.name,
                        trade_path.display(),
                        trade.importer.name
                    ),
                }
                .into());
            }
            if t.year != trade.year {
                notes.push(format!(
                    "Tariffs are for {} and trade for {}: the tariff year differs from the trade year (WITS often has no tariffs for the latest year).",
                    t.year, trade.year
                ));
            }
            notes.extend(t.notes.iter().cloned());
            Some(t)
        }
        None => None,
    };
    let applied = match &tariffs {
        Some(t) => Some(applied_rates(
            &trade,
            &trade_path,
            t,
            o.allow_missing_tariffs,
            &mut notes,
        )?),
        None => None,
    };

    // Exporters by base trade, largest first, for messages and the summary.
    let mut totals: HashMap<&str, f64> = HashMap::new();
    for f in &trade.flows {
        *totals.entry(f.exporter.name.as_str()).or_default() += f.value_usd;
    }
    let mut ranked: Vec<(&str, f64)> = totals.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    let focus = match &o.focus {
        Some(q) => {
            let found = countries.find_any(q).map(|c| c.name.clone());
            match found.filter(|n| ranked.iter().any(|(e, _)| e == n)) {
                Some(n) => Some(n),
                None => {
                    let top: Vec<&str> = ranked.iter().take(15).map(|(e, _)| *e).collect();
                    return Err(Error::Argument(format!(
                        "--focus {q}: {} in {}; the largest exporters there are: {}",
                        if countries.find_any(q).is_some() {
                            "this exporter has no imports"
                        } else {
                            "not a country code (ISO alpha-3 or M49) or name known to the country table, and not"
                        },
                        trade_path.display(),
                        top.join(", ")
                    )));
                }
            }
        }
        None => None,
    };
    let scenario_name = match &o.scenario {
        Some(n) => {
            let safe = crate::cli::path_safe(n);
            if safe.is_empty() || safe != *n {
                return Err(Error::Argument(format!(
                    "--scenario {n}: use letters, digits, '-', '_' and '.' only (it names the file {n}.toml and the run's output folder)"
                )));
            }
            if focus.is_none() {
                return Err(Error::Argument(
                    "--scenario needs --focus EXPORTER (the exporter the headline results are about, such as PAK)".into(),
                ));
            }
            Some(n.clone())
        }
        None => None,
    };
    let own = match &o.import_demand {
        Some(p) => Some(elasticities::read_importer_table(
            p,
            &trade.importer,
            &countries,
        )?),
        None => None,
    };

    // The files.
    let source = format!(
        "{} {}, {} imports {}",
        trade.source,
        file_name(&trade_path),
        trade.importer.name,
        trade.year
    );
    let trade_csv = csv_bytes(
        &[
            "product",
            "description",
            "exporter",
            "exporter_iso3",
            "exporter_m49",
            "value",
            "status",
            "source",
        ],
        trade.flows.iter().map(|f| {
            vec![
                f.product.clone(),
                f.description.clone(),
                f.exporter.name.clone(),
                f.exporter.iso3.clone(),
                f.exporter.m49.to_string(),
                num(f.value_usd),
                trade.status.clone(),
                format!("{source}, line {}", f.line),
            ]
        }),
    );
    let mut files: Vec<(String, Vec<u8>)> = vec![(TRADE_FILE.into(), trade_csv)];
    if let Some(a) = &applied {
        files.push((
            APPLIED_FILE.into(),
            csv_bytes(
                &[
                    "product",
                    "exporter",
                    "rate_pct",
                    "mfn_pct",
                    "duty_type",
                    "status",
                    "source",
                ],
                a.iter().map(|r| {
                    vec![
                        r.product.clone(),
                        r.exporter.clone(),
                        num(r.rate),
                        r.mfn.map_or(String::new(), num),
                        r.basis.to_string(),
                        r.status.to_string(),
                        r.source.clone(),
                    ]
                }),
            ),
        ));
    }
    let mut to_mfn_rows = 0;
    if let (Some(a), Some(focus)) = (&applied, &focus) {
        let rows: Vec<Vec<String>> = a
            .iter()
            .filter(|r| &r.exporter == focus)
            .filter_map(|r| {
                r.mfn.map(|m| {
                    vec![
                        r.product.clone(),
                        r.exporter.clone(),
                        num(r.rate),
                        num(m.max(r.rate)),
                        "DERIVED".to_string(),
                        format!(
                            "before = the applied rate ({}); after = the MFN rate of the same WITS file (a withdrawn preference), never below the applied rate",
                            r.basis
                        ),
                    ]
                })
            })
            .collect();
        to_mfn_rows = rows.len();
        if !rows.is_empty() {
            files.push((
                TO_MFN_FILE.into(),
                csv_bytes(
                    &[
                        "product",
                        "exporter",
                        "before_pct",
                        "after_pct",
                        "status",
                        "source",
                    ],
                    rows.into_iter(),
                ),
            ));
        }
    }
    if let (Some(name), Some(focus)) = (&scenario_name, &focus) {
        let (bytes, el_notes) = elasticities::render(&trade, own.as_ref());
        notes.extend(el_notes);
        files.push((ELASTICITIES_FILE.into(), bytes));
        let text = scenario_file::render(&scenario_file::Inputs {
            name,
            trade: &trade,
            trade_file: &file_name(&trade_path),
            tariffs: tariffs.as_ref(),
            focus,
            to_mfn: to_mfn_rows > 0,
            own_elasticities: own.as_ref().map(|t| t.file.as_str()),
            example_product: ranked_products(&trade, focus),
        });
        files.push((format!("{name}.toml"), text.into_bytes()));
    }

    let summary = summary(
        &trade,
        &trade_path,
        tariffs.as_ref(),
        &ranked,
        &notes,
        &files,
        o,
        scenario_name.as_deref(),
    );
    files.push((NOTES_FILE.into(), summary.as_bytes().to_vec()));

    // Write: the inputs must stay outside the folder, and an earlier import is replaced
    // only when asked.
    let inputs: Vec<&Path> = [
        &o.comtrade,
        &o.wits_trade,
        &o.wits_tariffs,
        &o.import_demand,
    ]
    .into_iter()
    .flatten()
    .map(PathBuf::as_path)
    .collect();
    report::output_dir::check_not_inputs(&o.out, &inputs)?;
    if std::fs::symlink_metadata(&o.out).is_ok() && !o.force {
        return Err(Error::Argument(format!(
            "'{}' already exists; choose another --out folder, or give --force to replace the files an earlier import wrote there (edits you made to them are lost; other files are kept)",
            o.out.display()
        )));
    }
    report::write_atomically(&o.out, ReplacePolicy { force: o.force }, |stage| {
        for (name, bytes) in &files {
            stage.put(name, bytes)?;
        }
        Ok(())
    })?;
    Ok(summary)
}

/// The focus exporter's largest product, for the example policy.
fn ranked_products(trade: &Trade, focus: &str) -> Option<String> {
    trade
        .flows
        .iter()
        .filter(|f| f.exporter.name == focus)
        .max_by(|a, b| a.value_usd.total_cmp(&b.value_usd))
        .map(|f| f.product.clone())
}

#[allow(clippy::too_many_arguments)]
fn summary(
    trade: &Trade,
    trade_path: &Path,
    tariffs: Option<&Tariffs>,
    ranked: &[(&str, f64)],
    notes: &[String],
    files: &[(String, Vec<u8>)],
    o: &Options,
    scenario: Option<&str>,
) -> String {
    let total: f64 = ranked.iter().map(|(_, v)| v).sum();
    let mut products: Vec<&str> = trade.flows.iter().map(|f| f.product.as_str()).collect();
    products.sort_unstable();
    products.dedup();
    let mut s = String::new();
    s.push_str("# Import\n\n");
    s.push_str(&format!(
        "- Trade: {} ({}), imports of {} (codes {}, {}) in {}, HS{}: {} products, {} exporters, {} rows, US${:.1} million.\n",
        file_name(trade_path),
        trade.source,
        trade.importer.name,
        trade.importer.m49,
        trade.importer.iso3,
        trade.year,
        trade.level,
        products.len(),
        ranked.len(),
        trade.flows.len(),
        total / 1e6
    ));
    let top: Vec<String> = ranked
        .iter()
        .take(5)
        .map(|(e, v)| format!("{e} {:.1}", v / 1e6))
        .collect();
    s.push_str(&format!(
        "- Largest exporters (US$ million): {}.\n",
        top.join(", ")
    ));
    match tariffs {
        Some(t) => s.push_str(&format!(
            "- Tariffs: {} (WITS/TRAINS), {} in {}, HS{} lines.\n",
            file_name(&t.path),
            t.importer.name,
            t.year,
            t.level
        )),
        None => {
            s.push_str("- Tariffs: none given; a scenario then takes every applied rate as 0.\n")
        }
    }
    if !notes.is_empty() {
        s.push_str("\n## What was done\n\n");
        for n in notes {
            s.push_str(&format!("- {n}\n"));
        }
    }
    s.push_str(&format!("\n## Files in {}\n\n", o.out.display()));
    for (name, _) in files {
        s.push_str(&format!("- {name}\n"));
    }
    s.push_str(&format!("- {NOTES_FILE} (this text)\n"));
    if let Some(name) = scenario {
        let path = o.out.join(format!("{name}.toml"));
        s.push_str(&format!(
            "\n## Next\n\n    tariffsim validate {}\n    tariffsim run {}\n\nThe scenario has no policy yet: edit the example in {name}.toml.\n",
            path.display(),
            path.display()
        ));
    }
    s
}
