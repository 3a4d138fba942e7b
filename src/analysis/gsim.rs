//! Multi-market runs: GSIM for every product (in parallel), aggregated by region, plus
//! SMART on the scenario importer's market for a side-by-side comparison.

use super::monte_carlo::{Percentiles, UncertaintyResult, UncertaintyRow};
use super::sensitivity::{self, SensitivityRow};
use super::{Adjust, ElasticityChange, Outcome, simulate};
use crate::error::ModelError;
use crate::model::SupplyElasticity;
use crate::model::gsim::{GsimMarket, GsimOptions, GsimOutcome, solve};
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
    /// elasticities (the focus exporter's supply elasticity), or why it could not be run.
    pub smart: Result<Outcome, String>,
    /// Monte-Carlo percentiles, when the scenario has `[uncertainty]`.
    pub uncertainty: Option<UncertaintyResult>,
    /// One-at-a-time sensitivity (focus exporter's sales to the market; the market's net
    /// welfare), when the scenario has `[sensitivity]`.
    pub sensitivity: Option<Vec<SensitivityRow>>,
}

/// Solves every product (in parallel) with an optional change to every region's elasticities.
fn solve_all(
    scenario: &Scenario,
    setup: &GsimSetup,
    options: &GsimOptions,
    change: Option<&ElasticityChange>,
) -> Result<Vec<GsimOutcome>, ModelError> {
    setup
        .markets
        .par_iter()
        .enumerate()
        .map(|(p, m)| {
            let solved = match change {
                None => solve(m, options),
                Some(c) => solve(&with_elasticities(m, c), options),
            };
            let outcome = solved.map_err(|source| ModelError::Gsim {
                product: scenario.products[p].code.clone(),
                source,
            })?;
            // The linear form can overshoot for large changes; never report negative trade.
            if let Some(((r, v), value)) = outcome
                .trade_after
                .iter()
                .enumerate()
                .map(|(k, x)| ((k % m.n_regions(), k / m.n_regions()), *x))
                .find(|(_, x)| *x < 0.0)
            {
                return Err(ModelError::GsimNegativeTrade {
                    product: scenario.products[p].code.clone(),
                    exporter: setup.regions[r].clone(),
                    importer: setup.regions[v].clone(),
                    value,
                });
            }
            Ok(outcome)
        })
        .collect()
}

/// A market with every region's elasticities changed (the same rules as SMART variants:
/// factors keep signs and leave infinite supply infinite; set values replace).
fn with_elasticities(m: &GsimMarket, c: &ElasticityChange) -> GsimMarket {
    let mut out = m.clone();
    for e in &mut out.demand_elasticity {
        match c.import_demand {
            Some(Adjust::Scale(f)) => *e *= f,
            Some(Adjust::Set(v)) => *e = -v.abs(),
            None => {}
        }
    }
    for e in &mut out.substitution_elasticity {
        match c.substitution {
            Some(Adjust::Scale(f)) => *e *= f,
            Some(Adjust::Set(v)) => *e = v,
            None => {}
        }
    }
    let finite = |v: f64| match SupplyElasticity::from_value(v) {
        SupplyElasticity::Infinite => None,
        SupplyElasticity::Finite(x) => Some(x),
    };
    for e in &mut out.supply_elasticity {
        *e = match (c.export_supply, *e) {
            (Some(Adjust::Scale(f)), Some(v)) => finite(v * f),
            (Some(Adjust::Set(v)), _) => finite(v),
            (_, current) => current,
        };
    }
    out
}

/// Sums the products' outcomes by region.
fn aggregate(
    setup: &GsimSetup,
    products: Vec<GsimOutcome>,
    smart: Result<Outcome, String>,
) -> GsimRun {
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
    GsimRun {
        products,
        welfare,
        exports_before: before,
        exports_after: after,
        world_price_change,
        focus_destinations,
        max_iterations,
        max_residual,
        smart,
        uncertainty: None,
        sensitivity: None,
    }
}

impl GsimRun {
    /// The focus exporter's change in sales to the scenario's market.
    pub fn focus_to_market(&self, setup: &GsimSetup) -> f64 {
        let (b, a) = self.focus_destinations[setup.market_region];
        a - b
    }

    /// The focus exporter's change in sales everywhere else (its home market included).
    pub fn focus_elsewhere(&self, setup: &GsimSetup) -> f64 {
        self.focus_destinations
            .iter()
            .enumerate()
            .filter(|(v, _)| *v != setup.market_region)
            .map(|(_, (b, a))| a - b)
            .sum()
    }

    /// The quantities the uncertainty table reports, in a fixed order: (kind, name, value).
    fn quantities(&self, setup: &GsimSetup) -> Vec<(&'static str, String, f64)> {
        let mut q = vec![
            (
                "headline",
                "focus_exports_to_market_change".to_string(),
                self.focus_to_market(setup),
            ),
            (
                "headline",
                "focus_exports_elsewhere_change".to_string(),
                self.focus_elsewhere(setup),
            ),
            (
                "headline",
                "focus_world_price_change_pct".to_string(),
                100.0 * self.world_price_change[setup.focus_region],
            ),
            (
                "headline",
                "market_net_welfare_change".to_string(),
                self.welfare[setup.market_region].net,
            ),
        ];
        for (r, name) in setup.regions.iter().enumerate() {
            q.push((
                "world_price_change_pct",
                name.clone(),
                100.0 * self.world_price_change[r],
            ));
        }
        for (r, name) in setup.regions.iter().enumerate() {
            q.push(("net_welfare", name.clone(), self.welfare[r].net));
        }
        q
    }
}

/// Runs GSIM on every product of `setup` (the scenario's multi-market data), SMART on the
/// scenario importer's market, and the uncertainty and sensitivity layers the scenario
/// enables. `tick` is called once per Monte-Carlo draw.
pub fn run(
    scenario: &Scenario,
    setup: &GsimSetup,
    options: &GsimOptions,
    tick: &(dyn Fn() + Sync),
) -> Result<GsimRun, ModelError> {
    let products = solve_all(scenario, setup, options, None)?;
    // The comparison must not stop the GSIM run: a change too large for SMART's linear
    // supply formula is reported instead.
    let smart = simulate(scenario).map_err(|e| e.to_string());
    let mut run = aggregate(setup, products, smart);
    let summary = |change: &ElasticityChange| -> Result<GsimRun, ModelError> {
        let products = solve_all(scenario, setup, options, Some(change))?;
        Ok(aggregate(setup, products, Ok(Outcome::empty(scenario))))
    };
    if let Some(spec) = &scenario.uncertainty {
        let samples: Vec<Vec<f64>> = (0..spec.draws as u64)
            .into_par_iter()
            .map(|i| {
                let r = summary(&spec.draw(i)).map_err(|e| ModelError::InLayer {
                    layer: format!("Monte-Carlo draw {i}"),
                    source: Box::new(e),
                })?;
                tick();
                Ok(r.quantities(setup).into_iter().map(|(_, _, v)| v).collect())
            })
            .collect::<Result<_, ModelError>>()?;
        let mut column = Vec::with_capacity(samples.len());
        let rows = run
            .quantities(setup)
            .into_iter()
            .enumerate()
            .map(|(q, (kind, name, point))| {
                column.clear();
                column.extend(samples.iter().map(|s| s[q]));
                UncertaintyRow {
                    kind,
                    name,
                    point,
                    percentiles: Percentiles::of(&mut column),
                }
            })
            .collect();
        run.uncertainty = Some(UncertaintyResult { spec: *spec, rows });
    }
    if let Some(spec) = &scenario.sensitivity {
        let rows = sensitivity::settings(spec)
            .into_iter()
            .map(|(parameter, low, high, low_setting, high_setting)| {
                let in_layer = |label: &str, e: ModelError| ModelError::InLayer {
                    layer: format!("sensitivity, {parameter} {label}"),
                    source: Box::new(e),
                };
                let lo = summary(&low).map_err(|e| in_layer(&low_setting, e))?;
                let hi = summary(&high).map_err(|e| in_layer(&high_setting, e))?;
                Ok(SensitivityRow {
                    parameter,
                    low_setting,
                    high_setting,
                    focus_low: lo.focus_to_market(setup),
                    focus_high: hi.focus_to_market(setup),
                    welfare_low: lo.welfare[setup.market_region].net,
                    welfare_high: hi.welfare[setup.market_region].net,
                })
            })
            .collect::<Result<Vec<_>, ModelError>>()?;
        run.sensitivity = Some(sensitivity::sorted(rows));
    }
    Ok(run)
}
