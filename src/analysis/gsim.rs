//! Multi-market runs: GSIM for every product (in parallel), aggregated by region, plus
//! SMART on the scenario importer's market for a side-by-side comparison.

use super::{Outcome, simulate};
use crate::error::ModelError;
use crate::model::gsim::{GsimOptions, GsimOutcome, solve};
use crate::scenario::Scenario;
use crate::scenario::gsim_setup::GsimSetup;
use rayon::prelude::*;

/// Welfare components of one region.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RegionWelfare {
    /// Producer (exporter) surplus change.
    pub producer_surplus: f64,
    /// Consumer surplus change.
    pub consumer_surplus: f64,
    /// Tariff revenue change.
    pub tariff_revenue: f64,
    /// Net welfare change.
    pub net: f64,
}

/// The result of a GSIM scenario.
#[derive(Debug, Clone)]
pub struct GsimRun {
    /// One outcome per product (same order as the scenario's products).
    pub products: Vec<GsimOutcome>,
    /// Welfare per region, summed over products.
    pub welfare: Vec<RegionWelfare>,
    /// Exports per region before, at world prices, over all products and destinations.
    pub exports_before: Vec<f64>,
    /// … after.
    pub exports_after: Vec<f64>,
    /// World price change per region, weighted by base export value over products.
    pub world_price_change: Vec<f64>,
    /// The focus exporter's exports by destination region: (before, after).
    pub focus_destinations: Vec<(f64, f64)>,
    /// Largest Newton iteration count over products.
    pub max_iterations: usize,
    /// Largest final residual norm over products.
    pub max_residual: f64,
    /// SMART on the scenario importer's market with the same tariffs and that market's
    /// elasticities (the focus exporter's supply elasticity).
    pub smart: Outcome,
}

/// Runs GSIM on every product of `setup` (the scenario's multi-market data) and SMART
/// on the scenario importer's market.
pub fn run(
    scenario: &Scenario,
    setup: &GsimSetup,
    options: &GsimOptions,
) -> Result<GsimRun, ModelError> {
    let products = setup
        .markets
        .par_iter()
        .enumerate()
        .map(|(p, m)| {
            solve(m, options).map_err(|source| ModelError::Gsim {
                product: scenario.products[p].code.clone(),
                source,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let n = setup.regions.len();
    let mut welfare = vec![RegionWelfare::default(); n];
    let (mut before, mut after) = (vec![0.0; n], vec![0.0; n]);
    let mut weighted_price = vec![0.0; n];
    let mut focus_destinations = vec![(0.0, 0.0); n];
    let (mut max_iterations, mut max_residual) = (0, 0.0f64);
    for (m, o) in setup.markets.iter().zip(&products) {
        for r in 0..n {
            let w = &mut welfare[r];
            w.producer_surplus += o.producer_surplus_change[r];
            w.consumer_surplus += o.consumer_surplus_change[r];
            w.tariff_revenue += o.tariff_revenue_change[r];
            w.net += o.welfare_change[r];
            let exports: f64 = m.trade.row(r).sum();
            before[r] += exports;
            after[r] += o.trade_after.row(r).sum();
            weighted_price[r] += exports * o.world_price_change[r];
        }
        for (v, d) in focus_destinations.iter_mut().enumerate() {
            d.0 += m.trade[(setup.focus_region, v)];
            d.1 += o.trade_after[(setup.focus_region, v)];
        }
        max_iterations = max_iterations.max(o.report.iterations);
        max_residual = max_residual.max(o.report.residual_norm);
    }
    let world_price_change = weighted_price
        .iter()
        .zip(&before)
        .map(|(w, b)| if *b > 0.0 { w / b } else { 0.0 })
        .collect();
    Ok(GsimRun {
        products,
        welfare,
        exports_before: before,
        exports_after: after,
        world_price_change,
        focus_destinations,
        max_iterations,
        max_residual,
        smart: simulate(scenario)?,
    })
}
