//! The Armington part of a scenario: the importer's own producers, per product market.
//!
//! `[model] kind = "armington"` names a domestic-share file (see [`super::domestic`]) and the
//! two elasticities of the importer's side: the composite demand elasticity `η` (total
//! demand, domestic plus imported) and the domestic supply elasticity. A product's domestic
//! shipments are `M·s/(1 − s)` with `M` its base imports and `s` the share of its longest
//! matching prefix; a product no row covers (chapters 98–99, special provisions with no
//! domestic counterpart) has no domestic variety.

use super::data::CsvTable;
use super::domestic::DomesticTable;
use super::{DataFile, Loader, Product, Provenance};
use crate::error::ScenarioError;
use crate::model::armington::ArmingtonOptions;
use crate::model::{ProductMarket, SupplyElasticity};
use std::collections::BTreeMap;
use toml::Spanned;

/// What `[model] kind = "armington"` sets (the per-market inputs are in [`ArmingtonInputs`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ArmingtonChoice {
    /// Composite (total) demand elasticity `η`, negative.
    pub composite_demand: f64,
    /// Supply elasticity of the importer's own producers.
    pub domestic_supply: SupplyElasticity,
    /// Solver settings.
    pub options: ArmingtonOptions,
}

/// The domestic side of one product market.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DomesticInput {
    /// Base domestic shipments (0: no domestic variety).
    pub shipments: f64,
    /// Substitution elasticity between domestic output and imports.
    pub sigma_domestic: f64,
    /// The domestic share used, as a fraction.
    pub share: f64,
}

/// An Armington scenario's per-market domestic inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmingtonInputs {
    /// What the `[model]` section set.
    pub choice: ArmingtonChoice,
    /// One per market, in market order.
    pub domestic: Vec<DomesticInput>,
    /// Share of base imports in products without a domestic row.
    pub uncovered_import_share: f64,
    /// Share of base imports whose domestic share is labelled ASSUMPTION.
    pub assumed_import_share: f64,
}

/// σ_d for products without a row (they have no domestic variety, so it does not act).
const UNUSED_SIGMA: f64 = 1.0;

impl Loader<'_> {
    /// Reads the domestic-share file and sets each market's domestic side.
    pub(super) fn armington_inputs(
        &self,
        choice: ArmingtonChoice,
        written: &Spanned<String>,
        products: &[Product],
        markets: &[ProductMarket],
        provenance: &mut Provenance,
    ) -> Result<ArmingtonInputs, ScenarioError> {
        let csv: CsvTable = self.read_csv(written, "model.domestic")?;
        let table = DomesticTable::from_table(&csv)?;
        let mut domestic = Vec::with_capacity(markets.len());
        let (mut total, mut uncovered, mut assumed) = (0.0, 0.0, 0.0);
        let mut status_value: BTreeMap<String, f64> = BTreeMap::new();
        let mut sources: Vec<String> = Vec::new();
        for m in markets {
            let imports: f64 = m.flows.iter().map(|f| f.base_value).sum();
            total += imports;
            match table.lookup(&products[m.product].code) {
                Some(row) => {
                    domestic.push(DomesticInput {
                        shipments: row.shipments_for(imports),
                        sigma_domestic: row.sigma_domestic,
                        share: row.domestic_share,
                    });
                    *status_value.entry(row.share_status.clone()).or_default() += imports;
                    if row.share_status.eq_ignore_ascii_case("ASSUMPTION") {
                        assumed += imports;
                    }
                    if !sources.contains(&row.share_source) {
                        sources.push(row.share_source.clone());
                    }
                }
                None => {
                    uncovered += imports;
                    *status_value
                        .entry("no row: no domestic variety".into())
                        .or_default() += imports;
                    domestic.push(DomesticInput {
                        shipments: 0.0,
                        sigma_domestic: UNUSED_SIGMA,
                        share: 0.0,
                    });
                }
            }
        }
        let share = |v: f64| if total > 0.0 { v / total } else { 0.0 };
        provenance.files.push(DataFile {
            role: "domestic share data".into(),
            written: written.get_ref().clone(),
            path: self.dir.join(written.get_ref()),
            rows: table.rows().len(),
            sources,
            status_shares: status_value
                .into_iter()
                .map(|(k, v)| (k, share(v)))
                .collect(),
        });
        Ok(ArmingtonInputs {
            choice,
            domestic,
            uncovered_import_share: share(uncovered),
            assumed_import_share: share(assumed),
        })
    }
}
