//! UN Comtrade downloads, in both layouts students have:
//!
//! - the data portal / API layout (comtradeplus.un.org, `comtradeapicall`, comtradr):
//!   `typeCode,freqCode,refPeriodId,refYear,refMonth,period,reporterCode,reporterISO,
//!   reporterDesc,flowCode,flowDesc,partnerCode,partnerISO,partnerDesc,partner2Code,…,
//!   classificationCode,…,cmdCode,cmdDesc,aggrLevel,isLeaf,customsCode,customsDesc,mosCode,
//!   motCode,motDesc,…,cifvalue,fobvalue,primaryValue,…`;
//! - the legacy layout (comtrade.un.org/db and the old `api/get?fmt=csv`):
//!   `Classification,Year,Period,Period Desc.,Aggregate Level,Is Leaf Code,Trade Flow Code,
//!   Trade Flow,Reporter Code,Reporter,Reporter ISO,Partner Code,Partner,Partner ISO,…,
//!   Commodity Code,Commodity,…,Trade Value (US$),…,Flag`.
//!
//! Values are US dollars in both. Sources of the layouts: `docs/data-sources.md` §8.

use super::countries::Countries;
use super::table::{Download, at, cell};
use super::trade::{LevelChoice, RawRow, Trade, assemble, value};
use crate::error::ScenarioError;
use std::path::Path;

/// The columns of one layout.
struct Layout {
    name: &'static str,
    reporter: &'static [&'static str],
    partner: &'static [&'static str],
    flow_code: &'static [&'static str],
    flow_desc: &'static [&'static str],
    year: &'static [&'static str],
    period: &'static [&'static str],
    freq: &'static [&'static str],
    type_code: &'static [&'static str],
    classification: &'static [&'static str],
    product: &'static [&'static str],
    description: &'static [&'static str],
    value: &'static [&'static str],
    partner2: &'static [&'static str],
    customs: &'static [&'static str],
    mot: &'static [&'static str],
    /// Flow codes of imports and of exports.
    imports: &'static [&'static str],
    exports: &'static [&'static str],
}

const API: Layout = Layout {
    name: "UN Comtrade (data portal / API layout)",
    reporter: &["reporterCode", "reporterISO"],
    partner: &["partnerCode", "partnerISO"],
    flow_code: &["flowCode"],
    flow_desc: &["flowDesc"],
    year: &["refYear"],
    period: &["period"],
    freq: &["freqCode"],
    type_code: &["typeCode"],
    classification: &["classificationCode"],
    product: &["cmdCode"],
    description: &["cmdDesc"],
    value: &["primaryValue"],
    partner2: &["partner2Code"],
    customs: &["customsCode"],
    mot: &["motCode"],
    imports: &["M"],
    exports: &["X"],
};

const LEGACY: Layout = Layout {
    name: "UN Comtrade (legacy layout)",
    reporter: &["Reporter Code", "Reporter ISO"],
    partner: &["Partner Code", "Partner ISO"],
    flow_code: &["Trade Flow Code"],
    flow_desc: &["Trade Flow"],
    year: &["Year"],
    period: &["Period"],
    freq: &[],
    type_code: &[],
    classification: &["Classification"],
    product: &["Commodity Code"],
    description: &["Commodity"],
    value: &["Trade Value (US$)"],
    partner2: &["2nd Partner Code"],
    customs: &["Customs Proc. Code"],
    mot: &["Mode of Transport Code"],
    imports: &["1"],
    exports: &["2"],
};

/// Whether a download has the columns of a Comtrade layout.
pub fn recognise(d: &Download) -> bool {
    d.column(API.value).is_some() || d.column(LEGACY.value).is_some()
}

/// Reads a Comtrade download. With `mirror`, the file holds the partners' reported exports
/// to the importer (reporter = exporter, partner = importer).
pub fn read(
    path: &Path,
    countries: &Countries,
    level: LevelChoice,
    mirror: bool,
) -> Result<Trade, ScenarioError> {
    let d = Download::read(path, "Comtrade file")?;
    let l = if d.column(API.value).is_some() {
        &API
    } else if d.column(LEGACY.value).is_some() {
        &LEGACY
    } else {
        return Err(at(
            path,
            1,
            None,
            format!(
                "this is not a UN Comtrade download: it has no `primaryValue` column (data portal / API layout) and no `Trade Value (US$)` column (legacy layout); the header has: {}",
                d.headers.join(", ")
            ),
        ));
    };
    let reporter = d.require("reporter code", l.reporter)?;
    let partner = d.require("partner code", l.partner)?;
    let flow = d.require("trade flow code", l.flow_code)?;
    let flow_desc = d.column(l.flow_desc);
    let year = d.require("year", l.year)?;
    let period = d.column(l.period);
    let freq = d.column(l.freq);
    let type_code = d.column(l.type_code);
    let class = d.column(l.classification);
    let product = d.require("commodity (HS) code", l.product)?;
    let desc = d.column(l.description);
    let val = d.require("trade value in US$", l.value)?;
    let breakdowns = [
        (d.column(l.partner2), ["0", ""].as_slice()),
        (d.column(l.customs), ["C00", ""].as_slice()),
        (d.column(l.mot), ["0", ""].as_slice()),
    ];
    let wanted = if mirror { l.exports } else { l.imports };
    let wanted_word = if mirror {
        "exports (mirror data: each partner's reported exports to the importer)"
    } else {
        "imports"
    };
    let first_class = class.and_then(|c| {
        d.rows
            .first()
            .map(|(line, r)| (*line, cell(r, c).to_string()))
    });
    let mut rows = Vec::with_capacity(d.rows.len());
    let mut broken_down = 0usize;
    for (line, rec) in &d.rows {
        let line = *line;
        let code = cell(rec, flow);
        if !wanted.iter().any(|w| w.eq_ignore_ascii_case(code)) {
            let shown = flow_desc.map_or(String::new(), |c| format!(" ({})", cell(rec, c)));
            return Err(at(
                path,
                line,
                Some(d.name(flow)),
                format!(
                    "trade flow '{code}'{shown}: this import reads {wanted_word} only ({} in this layout); download with Trade flow: {}",
                    wanted.join(" or "),
                    if mirror { "Export" } else { "Import" }
                ),
            ));
        }
        if let Some(c) = freq
            && !cell(rec, c).eq_ignore_ascii_case("A")
        {
            return Err(at(
                path,
                line,
                Some(d.name(c)),
                format!(
                    "frequency '{}': download annual data (Frequency: Annual), not monthly",
                    cell(rec, c)
                ),
            ));
        }
        if let Some(c) = period
            && cell(rec, c).len() > 4
        {
            return Err(at(
                path,
                line,
                Some(d.name(c)),
                format!(
                    "period '{}' is a month; download annual data (one year)",
                    cell(rec, c)
                ),
            ));
        }
        if let Some(c) = type_code
            && !cell(rec, c).eq_ignore_ascii_case("C")
        {
            return Err(at(
                path,
                line,
                Some(d.name(c)),
                format!(
                    "type '{}': download goods (Type of product: Goods, code C), not services",
                    cell(rec, c)
                ),
            ));
        }
        if let (Some(c), Some((first_line, first))) = (class, &first_class)
            && cell(rec, c) != first
        {
            return Err(at(
                path,
                line,
                Some(d.name(c)),
                format!(
                    "classification '{}' after '{first}' on line {first_line}: the file mixes HS editions; download one classification",
                    cell(rec, c)
                ),
            ));
        }
        if breakdowns.iter().any(|(col, totals)| {
            col.is_some_and(|c| !totals.iter().any(|t| t.eq_ignore_ascii_case(cell(rec, c))))
        }) {
            broken_down += 1;
            continue;
        }
        let (imp, exp) = if mirror {
            (partner, reporter)
        } else {
            (reporter, partner)
        };
        rows.push(RawRow {
            line,
            importer: cell(rec, imp).to_string(),
            importer_col: imp,
            exporter: cell(rec, exp).to_string(),
            exporter_col: exp,
            year: cell(rec, year).to_string(),
            year_col: year,
            product: cell(rec, product).to_string(),
            product_col: product,
            description: desc.map_or(String::new(), |c| super::table::printable(cell(rec, c))),
            value_usd: value(&d, line, rec, val, 1.0)?,
        });
    }
    let status = if mirror { "MIRROR" } else { "OFFICIAL" };
    let mut t = assemble(&d, rows, countries, level, l.name, status)?;
    if broken_down > 0 {
        t.notes.insert(
            0,
            format!(
                "Dropped {broken_down} rows broken down by second partner, customs procedure or mode of transport (the totals are kept)."
            ),
        );
    }
    if mirror {
        t.notes.push(
            "Mirror data: values are the exporters' reported exports (usually FOB), not the importer's imports (CIF).".into(),
        );
    }
    Ok(t)
}
