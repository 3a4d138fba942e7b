//! Analysis: runs the model over every product of a scenario and aggregates the results
//! the way a report reads them (by exporter, by product, for the whole market).

use crate::error::ModelError;
use crate::model::smart::{EffectTotals, ProductOutcome, SmartModel};
use crate::scenario::{ModelChoice, Scenario};
use rayon::prelude::*;

/// The result of one scenario run.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Per product, the model's flow effects (same order as the scenario's markets).
    pub products: Vec<ProductOutcome>,
    /// Totals per exporter (indexed like `Scenario::exporters`).
    pub by_exporter: Vec<EffectTotals>,
    /// Totals per reporting group (indexed like `Scenario::report_groups`).
    pub by_group: Vec<EffectTotals>,
    /// Totals per product, all exporters.
    pub by_product: Vec<EffectTotals>,
    /// Totals per product for the focus exporter only.
    pub focus_by_product: Vec<EffectTotals>,
    /// The importer's totals over everything.
    pub total: EffectTotals,
}

impl Outcome {
    /// The focus exporter's totals.
    pub fn focus<'a>(&'a self, scenario: &Scenario) -> &'a EffectTotals {
        &self.by_exporter[scenario.focus]
    }
}

/// Simulates every product market of the scenario (in parallel) and aggregates.
pub fn simulate(scenario: &Scenario) -> Result<Outcome, ModelError> {
    let products = match scenario.model {
        ModelChoice::Smart(options) => {
            let model = SmartModel { options };
            scenario
                .markets
                .par_iter()
                .map(|m| {
                    model.simulate(m).map_err(|source| {
                        let exporter = match &source {
                            crate::model::smart::SmartError::PriceOutOfRange {
                                exporter, ..
                            } => scenario.exporters[*exporter].clone(),
                        };
                        ModelError::Smart {
                            product: scenario.products[m.product].code.clone(),
                            exporter,
                            source,
                        }
                    })
                })
                .collect::<Result<Vec<_>, _>>()?
        }
    };
    Ok(aggregate(scenario, products))
}

/// Sums flow effects by exporter, reporting group and product.
pub fn aggregate(scenario: &Scenario, products: Vec<ProductOutcome>) -> Outcome {
    let mut by_exporter = vec![EffectTotals::default(); scenario.exporters.len()];
    let mut by_group = vec![EffectTotals::default(); scenario.report_groups.len()];
    let mut by_product = Vec::with_capacity(products.len());
    let mut focus_by_product = Vec::with_capacity(products.len());
    let mut total = EffectTotals::default();
    for p in &products {
        let mut product_total = EffectTotals::default();
        let mut focus_total = EffectTotals::default();
        for f in &p.flows {
            by_exporter[f.exporter].add(f);
            by_group[scenario.report_group_of[f.exporter]].add(f);
            product_total.add(f);
            if f.exporter == scenario.focus {
                focus_total.add(f);
            }
        }
        total.merge(&product_total);
        by_product.push(product_total);
        focus_by_product.push(focus_total);
    }
    Outcome {
        products,
        by_exporter,
        by_group,
        by_product,
        focus_by_product,
        total,
    }
}
