//! The WITS trade-data download (Advanced Query → Trade Data, UN Comtrade data served by
//! WITS): `Nomenclature,ReporterISO3,ProductCode,ReporterName,PartnerISO3,PartnerName,Year,
//! TradeFlowName,TradeFlowCode,TradeValue in 1000 USD,NetWeight in KGM,Quantity,QtyUnit`.
//! Values are in thousands of US dollars and are converted to dollars.

use super::countries::Countries;
use super::table::{Download, at, cell};
use super::trade::{LevelChoice, RawRow, Trade, assemble, value};
use crate::error::ScenarioError;
use std::path::Path;

const VALUE_THOUSANDS: &[&str] = &["TradeValue in 1000 USD", "Trade Value 1000USD"];

/// Whether a download has the columns of the WITS trade layout.
pub fn recognise(d: &Download) -> bool {
    d.column(VALUE_THOUSANDS).is_some() && d.column(&["ReporterISO3"]).is_some()
}

/// Whether a WITS flow name is imports ("Gross Imp.", "Import", "Gross Imports").
fn is_import(name: &str) -> bool {
    let k = super::table::key(name);
    k == "import" || k == "imports" || k.starts_with("grossimp")
}

/// Reads a WITS trade download.
pub fn read(
    path: &Path,
    countries: &Countries,
    level: LevelChoice,
) -> Result<Trade, ScenarioError> {
    let d = Download::read(path, "WITS trade file")?;
    if !recognise(&d) {
        return Err(at(
            path,
            1,
            None,
            format!(
                "this is not a WITS trade-data download: it needs the columns `ReporterISO3`, `PartnerISO3`, `ProductCode`, `Year`, `TradeFlowName` and `TradeValue in 1000 USD`; the header has: {}",
                d.headers.join(", ")
            ),
        ));
    }
    let reporter = d.require("reporter code", &["ReporterISO3"])?;
    let partner = d.require("partner code", &["PartnerISO3"])?;
    let product = d.require("product code", &["ProductCode"])?;
    let year = d.require("year", &["Year"])?;
    let flow = d.require("trade flow", &["TradeFlowName"])?;
    let val = d.require("trade value in 1000 USD", VALUE_THOUSANDS)?;
    let desc = d.column(&["ProductDescription", "Product Description", "Product Name"]);
    let mut rows = Vec::with_capacity(d.rows.len());
    for (line, rec) in &d.rows {
        let line = *line;
        if !is_import(cell(rec, flow)) {
            return Err(at(
                path,
                line,
                Some(d.name(flow)),
                format!(
                    "trade flow '{}': this import reads imports only; choose Trade Flow: Gross Imports when downloading",
                    cell(rec, flow)
                ),
            ));
        }
        rows.push(RawRow {
            line,
            importer: cell(rec, reporter).to_string(),
            importer_col: reporter,
            exporter: cell(rec, partner).to_string(),
            exporter_col: partner,
            year: cell(rec, year).to_string(),
            year_col: year,
            product: cell(rec, product).to_string(),
            product_col: product,
            description: desc.map_or(String::new(), |c| super::table::printable(cell(rec, c))),
            value_usd: value(&d, line, rec, val, 1000.0)?,
        });
    }
    let mut t = assemble(
        &d,
        rows,
        countries,
        level,
        "WITS trade data (UN Comtrade via WITS)",
        "OFFICIAL",
    )?;
    t.notes
        .push("Values were in thousands of US dollars; written in US dollars (× 1000).".into());
    Ok(t)
}

#[cfg(test)]
mod tests {
    #[test]
    fn flow_names_of_imports() {
        for n in ["Gross Imp.", "Import", "Gross Imports", "gross imp"] {
            assert!(super::is_import(n), "{n}");
        }
        for n in ["Gross Exp.", "Export", "Re-Import", ""] {
            assert!(!super::is_import(n), "{n}");
        }
    }
}
