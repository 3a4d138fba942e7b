//! The elasticity file of an imported scenario. The shipped table (`elasticities_hs2.csv`)
//! holds US estimates; for another importer every row says so in its `status` and `source`.
//! An importer-specific import-demand table (such as the Kee–Nicita–Olarreaga estimates
//! WITS uses) may be given; its values then replace the US import-demand value product by
//! product, while substitution and export supply stay the shipped (US) ones.

use super::countries::{Countries, Country};
use super::table::{Download, at, cell, number};
use super::trade::{Trade, normalise_code};
use crate::error::ScenarioError;
use std::collections::BTreeMap;
use std::path::Path;

/// The shipped US table.
const US_TABLE: &str = include_str!("../../scenarios/data/elasticities_hs2.csv");

/// One row of the written file.
struct Row {
    prefix: String,
    import_demand: String,
    substitution: String,
    export_supply: String,
    status: String,
    source: String,
}

/// The US table by HS2 prefix: (import demand, substitution, export supply, source).
fn us_rows() -> BTreeMap<String, [String; 4]> {
    let mut r = csv::Reader::from_reader(US_TABLE.as_bytes());
    r.records()
        .filter_map(Result::ok)
        .filter_map(|rec| {
            Some((
                rec.get(0)?.to_string(),
                [
                    rec.get(1)?.to_string(),
                    rec.get(2)?.to_string(),
                    rec.get(3)?.to_string(),
                    rec.get(5)?.to_string(),
                ],
            ))
        })
        .collect()
}

/// Whether an importer is the one the shipped estimates are for.
pub fn is_us(importer: &Country) -> bool {
    importer.iso3 == "USA"
}

/// An importer-specific import-demand table for one importer: code → (elasticity, line).
pub struct ImporterTable {
    /// The file, for the source column.
    pub file: String,
    values: BTreeMap<String, (f64, u64)>,
}

/// Reads an importer-specific import-demand file, keeping the importer's rows. Columns
/// (any spelling): a country code or name (`iso3`, `country`, `reporter` or `importer`),
/// an HS code (`hs6`, `hs`, `product` or `hs_code`) and the elasticity (`import_demand`,
/// `elasticity` or `ekno`).
pub fn read_importer_table(
    path: &Path,
    importer: &Country,
    countries: &Countries,
) -> Result<ImporterTable, ScenarioError> {
    let d = Download::read(path, "import-demand elasticity file")?;
    let country = d.require(
        "importer (country code or name)",
        &["iso3", "country", "reporter", "importer", "country_code"],
    )?;
    let product = d.require("HS code", &["hs6", "hs", "product", "hs_code"])?;
    let value = d.require(
        "import demand elasticity",
        &["import_demand", "elasticity", "ekno"],
    )?;
    let mut values = BTreeMap::new();
    for (line, rec) in &d.rows {
        let c = cell(rec, country);
        let matches = countries
            .find_any(c)
            .is_some_and(|found| found.name == importer.name);
        if !matches {
            continue;
        }
        let Some(code) = normalise_code(cell(rec, product)) else {
            return Err(at(
                path,
                *line,
                Some(d.name(product)),
                format!("'{}' is not an HS code", cell(rec, product)),
            ));
        };
        let text = cell(rec, value);
        let v = number(text)
            .filter(|v| (0.01..=100.0).contains(&v.abs()))
            .ok_or_else(|| {
                at(
                    path,
                    *line,
                    Some(d.name(value)),
                    format!(
                        "'{text}' is not an import demand elasticity of size 0.01 to 100 (either sign)"
                    ),
                )
            })?;
        if let Some((_, l)) = values.insert(code.clone(), (-v.abs(), *line)) {
            return Err(at(
                path,
                *line,
                Some(d.name(product)),
                format!(
                    "product {code} appears twice for {} (also on line {l})",
                    importer.name
                ),
            ));
        }
    }
    if values.is_empty() {
        return Err(at(
            path,
            1,
            Some(d.name(country)),
            format!(
                "no row is for {} ({} / {}); the file must list the importer by its ISO alpha-3 code, M49 code or name",
                importer.name, importer.iso3, importer.m49
            ),
        ));
    }
    Ok(ImporterTable {
        file: path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        values,
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// The elasticity file for `trade`'s importer, as CSV bytes, and what it says about itself.
pub fn render(trade: &Trade, own: Option<&ImporterTable>) -> (Vec<u8>, Vec<String>) {
    let us = us_rows();
    let foreign = !is_us(&trade.importer);
    let label = if foreign {
        format!("ESTIMATE (US elasticity used for {})", trade.importer.name)
    } else {
        "ESTIMATE".to_string()
    };
    let mut rows: Vec<Row> = us
        .iter()
        .map(|(prefix, [id, sub, sup, src])| Row {
            prefix: prefix.clone(),
            import_demand: id.clone(),
            substitution: sub.clone(),
            export_supply: sup.clone(),
            status: label.clone(),
            source: if foreign {
                format!(
                    "US estimates, not {}'s (shipped elasticities_hs2.csv): {src}",
                    trade.importer.name
                )
            } else {
                src.clone()
            },
        })
        .collect();
    let mut notes = Vec::new();
    if foreign {
        notes.push(format!(
            "Elasticities: the shipped values are US estimates (Hauk 2012, Broda–Weinstein 2006); they are used for {} as an assumption, and every row says so.",
            trade.importer.name
        ));
    }
    if let Some(t) = own {
        let mut products: Vec<&String> = trade.flows.iter().map(|f| &f.product).collect();
        products.sort();
        products.dedup();
        let mut covered = 0;
        for p in products {
            let finer: Vec<f64> = t
                .values
                .range(p.clone()..)
                .take_while(|(k, _)| k.starts_with(p.as_str()))
                .map(|(_, (v, _))| *v)
                .collect();
            let vals = if finer.is_empty() {
                (1..p.len())
                    .rev()
                    .find_map(|n| t.values.get(&p[..n]).map(|(v, _)| vec![*v]))
                    .unwrap_or_default()
            } else {
                finer
            };
            if vals.is_empty() {
                continue;
            }
            covered += 1;
            let n = vals.len();
            let chapter = us.get(&p[..2.min(p.len())]);
            rows.push(Row {
                prefix: p.clone(),
                import_demand: format!("{}", median(vals)),
                substitution: chapter.map_or(String::new(), |c| c[1].clone()),
                export_supply: chapter.map_or(String::new(), |c| c[2].clone()),
                status: "ESTIMATE".into(),
                source: format!(
                    "import_demand: {} for {} ({}); substitution and export_supply: US estimates of chapter {} (shipped elasticities_hs2.csv)",
                    t.file,
                    trade.importer.name,
                    if n == 1 {
                        "one line".to_string()
                    } else {
                        format!("median of {n} lines")
                    },
                    &p[..2.min(p.len())]
                ),
            });
        }
        notes.push(format!(
            "Elasticities: import demand from {} for {covered} products ({}-specific); substitution and export supply remain US estimates.",
            t.file, trade.importer.name
        ));
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "hs_prefix",
        "import_demand",
        "substitution",
        "export_supply",
        "status",
        "source",
    ]);
    for r in &rows {
        let _ = w.write_record([
            &r.prefix,
            &r.import_demand,
            &r.substitution,
            &r.export_supply,
            &r.status,
            &r.source,
        ]);
    }
    (w.into_inner().unwrap_or_default(), notes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn median_of_odd_and_even() {
        assert_eq!(super::median(vec![-3.0, -1.0, -2.0]), -2.0);
        assert_eq!(super::median(vec![-4.0, -1.0, -2.0, -3.0]), -2.5);
    }
}
