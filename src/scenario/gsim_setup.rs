//! The multi-market (GSIM) part of a scenario: regions, their elasticities, and one
//! [`GsimMarket`] per product built from the bilateral trade and tariff data.
//!
//! Regions are the exporters (in order of appearance) followed by importers that do not
//! export. A region that both exports and imports (for example "Rest of world" selling to
//! itself) is one region, and its own trade sits on the matrix diagonal, as in GSIM.

use super::data::CsvTable;
use super::{Loader, Provenance, TradeData, describe_file};
use crate::error::ScenarioError;
use crate::model::gsim::GsimMarket;
use crate::model::{Elasticities, SupplyElasticity};
use crate::units::Rate;
use nalgebra::DMatrix;
use rayon::prelude::*;
use std::collections::HashMap;
use toml::Spanned;

/// Elasticities per region.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionElasticities {
    /// Region names.
    pub regions: Vec<String>,
    /// Composite import demand elasticity (negative) per region.
    pub import_demand: Vec<f64>,
    /// Substitution elasticity per region.
    pub substitution: Vec<f64>,
    /// Export supply elasticity per region.
    pub export_supply: Vec<SupplyElasticity>,
    /// Whether each region's values came from the file (else the defaults).
    pub from_file: Vec<bool>,
}

impl RegionElasticities {
    fn index(&self, name: &str) -> Option<usize> {
        self.regions.iter().position(|r| r == name)
    }

    /// SMART elasticities for the single-market comparison: the market's demand and
    /// substitution elasticities, and the focus exporter's supply elasticity.
    pub fn smart_elasticities(&self, market: &str, focus: &str) -> Elasticities {
        let m = self.index(market).unwrap_or(0);
        let f = self.index(focus).unwrap_or(0);
        Elasticities {
            import_demand: self.import_demand[m],
            substitution: self.substitution[m],
            export_supply: self.export_supply[f],
        }
    }
}

/// A GSIM scenario's markets and region bookkeeping.
#[derive(Debug, Clone, PartialEq)]
pub struct GsimSetup {
    /// Region names.
    pub regions: Vec<String>,
    /// One market per product (same order as the scenario's products).
    pub markets: Vec<GsimMarket>,
    /// Elasticities per region.
    pub elasticities: RegionElasticities,
    /// Region of the scenario's importer (the market the single-market comparison uses).
    pub market_region: usize,
    /// Region of the focus exporter.
    pub focus_region: usize,
}

fn region_list(trade: &TradeData) -> Vec<String> {
    let mut regions = trade.exporters.clone();
    for i in &trade.importers {
        if !regions.contains(i) {
            regions.push(i.clone());
        }
    }
    regions
}

impl Loader<'_> {
    /// Reads `data.region_elasticities` (optional); regions it does not list, and empty
    /// cells, take the scenario's `[elasticities]` defaults.
    pub(super) fn region_elasticities(
        &self,
        written: Option<&Spanned<String>>,
        trade: &TradeData,
        defaults: &Elasticities,
        provenance: &mut Provenance,
    ) -> Result<RegionElasticities, ScenarioError> {
        let regions = region_list(trade);
        let n = regions.len();
        let mut out = RegionElasticities {
            regions: regions.clone(),
            import_demand: vec![defaults.import_demand; n],
            substitution: vec![defaults.substitution; n],
            export_supply: vec![defaults.export_supply; n],
            from_file: vec![false; n],
        };
        let Some(written) = written else {
            provenance.elasticity_notes.push(format!(
                "All {n} regions use the scenario's default elasticities."
            ));
            return Ok(out);
        };
        let table = self.read_csv(written, "data.region_elasticities")?;
        let c_region = table.require("region")?;
        let c_demand = table.require("import_demand")?;
        let c_sub = table.require("substitution")?;
        let c_supply = table.require("export_supply")?;
        let mut lines: HashMap<String, u64> = HashMap::new();
        for row in table.rows() {
            let name = row.name(c_region)?;
            let r = regions.iter().position(|x| x == name).ok_or_else(|| {
                row.error(
                    c_region,
                    super::data::unknown_name("region", name, &regions),
                )
            })?;
            if let Some(first) = lines.insert(name.to_string(), row.line) {
                return Err(row.error(
                    c_region,
                    format!("duplicate region '{name}' (first on line {first})"),
                ));
            }
            if !row.text(c_demand).is_empty() {
                out.import_demand[r] = -row.import_demand(c_demand)?.abs();
            }
            if !row.text(c_sub).is_empty() {
                out.substitution[r] = row.substitution(c_sub)?;
            }
            if !row.text(c_supply).is_empty() {
                out.export_supply[r] = row.export_supply(c_supply)?;
            }
            out.from_file[r] = true;
        }
        let listed = out.from_file.iter().filter(|f| **f).count();
        provenance.elasticity_notes.push(format!(
            "{listed} of {n} regions are listed in the region file (their empty cells, and the other {} regions, take the scenario defaults); import demand elasticities are used as negative.",
            n - listed
        ));
        provenance.files.push(describe_file(
            &table,
            "region elasticities",
            written.get_ref(),
            None,
        ));
        Ok(out)
    }

    /// Builds one GSIM market per product from the bilateral cells and their tariffs.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn gsim_setup(
        &self,
        trade: &TradeData,
        trade_table: &CsvTable,
        elasticities: RegionElasticities,
        before: &[Rate],
        after: &[Rate],
        market: usize,
        focus: usize,
    ) -> Result<GsimSetup, ScenarioError> {
        let regions = elasticities.regions.clone();
        let n = regions.len();
        let region_of = |name: &str| {
            regions
                .iter()
                .position(|r| r == name)
                .expect("regions cover the trade data")
        };
        let exporter_region: Vec<usize> = trade.exporters.iter().map(|e| region_of(e)).collect();
        let importer_region: Vec<usize> = trade.importers.iter().map(|i| region_of(i)).collect();
        // The cells of each product, in file order (a stable counting sort), so that the
        // products' markets are filled and checked in parallel.
        let count = trade.products.len();
        let mut start = vec![0usize; count + 1];
        for cell in &trade.cells {
            start[cell.product() + 1] += 1;
        }
        for p in 0..count {
            start[p + 1] += start[p];
        }
        let mut order = vec![0usize; trade.cells.len()];
        let mut next = start.clone();
        for (i, cell) in trade.cells.iter().enumerate() {
            order[next[cell.product()]] = i;
            next[cell.product()] += 1;
        }
        let cells_of = |p: usize| &order[start[p]..start[p + 1]];
        let markets: Vec<GsimMarket> = (0..count)
            .into_par_iter()
            .map(|p| {
                let mut m = GsimMarket {
                    regions: regions.clone(),
                    trade: DMatrix::zeros(n, n),
                    tariff_before: DMatrix::from_element(n, n, 1.0),
                    tariff_after: DMatrix::from_element(n, n, 1.0),
                    demand_elasticity: elasticities.import_demand.clone(),
                    substitution_elasticity: elasticities.substitution.clone(),
                    supply_elasticity: elasticities.export_supply.clone(),
                };
                for &i in cells_of(p) {
                    let cell = &trade.cells[i];
                    let (r, v) = (
                        exporter_region[cell.exporter()],
                        importer_region[cell.importer()],
                    );
                    m.trade[(r, v)] = trade.values[i];
                    m.tariff_before[(r, v)] = 1.0 + before[i];
                    m.tariff_after[(r, v)] = 1.0 + after[i];
                }
                m
            })
            .collect();
        // The first product with a problem (in product order) is reported.
        let problem = markets.par_iter().enumerate().find_map_first(|(p, m)| {
            let line = cells_of(p).first().map_or(1, |&i| u64::from(trade.lines[i]));
            let code = &trade.products[p].code;
            if m.trade.iter().all(|v| *v == 0.0) {
                return Some(trade_table.error(
                    line,
                    None,
                    format!(
                        "product {code}: every trade value is zero, so there is no demand to simulate; remove the product or give its trade"
                    ),
                ));
            }
            m.validate()
                .err()
                .map(|e| trade_table.error(line, None, format!("product {code}: {e}")))
        });
        if let Some(e) = problem {
            return Err(e);
        }
        Ok(GsimSetup {
            regions,
            markets,
            elasticities,
            market_region: importer_region[market],
            focus_region: exporter_region[focus],
        })
    }
}
