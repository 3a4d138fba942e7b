//! GSIM behind the engine interface: every product solved in several markets at once (in
//! parallel), world prices cleared. The layers read the scenario importer's market
//! ([`GsimEngine`] gives it as an [`Outcome`], like every model); the GSIM report also
//! reads every region's welfare, exports and world prices ([`GsimRun`]).
//!
//! In the market view, each flow's change in value splits into a price effect (the new
//! quantity at the changed world price), trade creation (the change in the market's total
//! imports at base prices, shared by base imports) and diversion (the rest, summing to
//! zero over a product); consumer and producer surplus are the market region's, for the
//! product as a whole.

use super::engine::Engine;
use super::smart::SmartEngine;
use super::{Adjust, ElasticityChange, FlowEffects, Outcome, Variant};
use crate::error::ModelError;
use crate::model::gsim::{GsimMarket, GsimOptions, GsimOutcome, solve};
use crate::model::smart::{FlowEffect, ProductOutcome};
use crate::scenario::gsim_setup::GsimSetup;
use crate::scenario::{ModelChoice, Scenario};
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
    /// The scenario importer's market as every model gives it (what the layers read).
    pub market: Outcome,
}

/// Solves every product (in parallel) with an optional change to every region's
/// elasticities and other tariffs on the scenario importer's flows (`after`, one per
/// flow in market order, as [`Variant::tariff_after`]).
fn solve_all(
    engine: &GsimEngine<'_>,
    change: Option<&ElasticityChange>,
    after: Option<&[crate::units::Rate]>,
) -> Result<Vec<GsimOutcome>, ModelError> {
    let (scenario, setup, options) = (engine.scenario, engine.setup, &engine.options);
    let after_by_product = after.map(|a| engine.after_by_product(a));
    setup
        .markets
        .par_iter()
        .enumerate()
        .map(|(p, m)| {
            let changed = change.map(|c| with_elasticities(m, c));
            let mut market = changed.as_ref().unwrap_or(m);
            let with_after;
            if let Some(cells) = after_by_product.as_ref().map(|a| &a[p])
                && !cells.is_empty()
            {
                let mut t = market.clone();
                for &(r, rate) in cells {
                    t.tariff_after[(r, setup.market_region)] = 1.0 + rate;
                }
                with_after = t;
                market = &with_after;
            }
            let solved = solve(market, options);
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
    if let Some(a) = c.export_supply {
        for e in &mut out.supply_elasticity {
            *e = a.apply(*e);
        }
    }
    out
}

/// Sums the products' outcomes by region, and reads the scenario importer's market.
fn aggregate(
    engine: &GsimEngine<'_>,
    products: Vec<GsimOutcome>,
    smart: Result<Outcome, String>,
    keep_flows: bool,
) -> GsimRun {
    let setup = engine.setup;
    let n = setup.regions.len();
    let mut welfare = vec![RegionWelfare::default(); n];
    let (mut before, mut after) = (vec![0.0; n], vec![0.0; n]);
    let mut weighted_price = vec![0.0; n];
    let mut focus_destinations = vec![(0.0, 0.0); n];
    let (mut max_iterations, mut max_residual) = (0, 0.0f64);
    // Each product's exports by region, before and after, summed in parallel; the sums
    // over products below stay in product order.
    let exports: Vec<Vec<(f64, f64)>> = setup
        .markets
        .par_iter()
        .zip(products.par_iter())
        .map(|(m, o)| {
            (0..n)
                .map(|r| (m.trade.row(r).sum(), o.trade_after.row(r).sum()))
                .collect()
        })
        .collect();
    for ((m, o), sums) in setup.markets.iter().zip(&products).zip(&exports) {
        for (r, &(exports, exports_after)) in sums.iter().enumerate() {
            let w = &mut welfare[r];
            w.producer_surplus += o.producer_surplus_change[r];
            w.consumer_surplus += o.consumer_surplus_change[r];
            w.tariff_revenue += o.tariff_revenue_change[r];
            w.net += o.welfare_change[r];
            before[r] += exports;
            after[r] += exports_after;
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
    let mut run = GsimRun {
        market: engine.market_view(&products, keep_flows),
        products,
        welfare,
        exports_before: before,
        exports_after: after,
        world_price_change,
        focus_destinations,
        max_iterations,
        max_residual,
        smart,
    };
    run.market.extra = run.extra_values(setup);
    run
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

    /// GSIM's own quantities, in the order of [`GsimEngine::extra_rows`].
    fn extra_values(&self, setup: &GsimSetup) -> Vec<f64> {
        let mut q = vec![
            self.focus_elsewhere(setup),
            100.0 * self.world_price_change[setup.focus_region],
        ];
        q.extend(self.world_price_change.iter().map(|x| 100.0 * x));
        q.extend(self.welfare.iter().map(|w| w.net));
        q
    }
}

/// GSIM on a scenario with several markets.
#[derive(Debug, Clone)]
pub struct GsimEngine<'a> {
    scenario: &'a Scenario,
    setup: &'a GsimSetup,
    options: GsimOptions,
    /// The region of each of the scenario's exporters.
    region_of: Vec<usize>,
}

impl<'a> GsimEngine<'a> {
    /// The engine of a GSIM scenario; `None` for a single-market scenario.
    pub fn new(scenario: &'a Scenario) -> Option<Self> {
        let ModelChoice::Gsim { options, setup } = &scenario.model else {
            return None;
        };
        let region_of = scenario
            .exporters
            .iter()
            .map(|e| setup.regions.iter().position(|r| r == e))
            .collect::<Option<Vec<usize>>>()?;
        Some(GsimEngine {
            scenario,
            setup,
            options: *options,
            region_of,
        })
    }

    /// The multi-market run: every product, every region's results, the importer's market,
    /// and SMART on that market for comparison.
    pub fn run(&self) -> Result<GsimRun, ModelError> {
        let products = solve_all(self, None, None)?;
        // The comparison must not stop the GSIM run: a change too large for SMART's linear
        // supply formula is reported instead.
        let smart = SmartEngine::new(self.scenario)
            .solve()
            .map_err(|e| e.to_string());
        Ok(aggregate(self, products, smart, true))
    }

    /// Per product, the (region, tariff) of each importer flow whose after-policy tariff
    /// `after` (one per flow, in market order) sets.
    fn after_by_product(&self, after: &[crate::units::Rate]) -> Vec<Vec<(usize, f64)>> {
        let mut out = vec![Vec::new(); self.setup.markets.len()];
        let mut cell = 0;
        for m in &self.scenario.markets {
            for f in &m.flows {
                out[m.product].push((self.region_of[f.exporter], after[cell]));
                cell += 1;
            }
        }
        out
    }

    /// The scenario importer's market read from the solved products; with `keep_flows` its
    /// flows' effects are kept (a variant needs its totals only).
    fn market_view(&self, products: &[GsimOutcome], keep_flows: bool) -> Outcome {
        let (s, setup) = (self.scenario, self.setup);
        let mk = setup.market_region;
        let mut outcome = Outcome::empty(s);
        let mut kept = Vec::new();
        let mut effects: Vec<FlowEffect> = Vec::new();
        for m in &s.markets {
            let (market, o) = (&setup.markets[m.product], &products[m.product]);
            effects.clear();
            // Quantities at base world prices: before, after, and the market's totals.
            let (mut q_before, mut q_after) = (0.0, 0.0);
            for f in &m.flows {
                let r = self.region_of[f.exporter];
                let x = o.world_price_change[r];
                let base = market.trade[(r, mk)];
                let new = o.trade_after[(r, mk)];
                let quantity = if 1.0 + x > 0.0 { new / (1.0 + x) } else { new };
                q_before += base;
                q_after += quantity;
                effects.push(FlowEffect {
                    exporter: f.exporter,
                    base_value: base,
                    tariff_before: market.tariff_before[(r, mk)] - 1.0,
                    tariff_after: market.tariff_after[(r, mk)] - 1.0,
                    world_price_change: x,
                    price_effect: new - quantity,
                    total_effect: new - base,
                    new_value: new,
                    revenue_before: base * (market.tariff_before[(r, mk)] - 1.0),
                    revenue_after: new * (market.tariff_after[(r, mk)] - 1.0),
                    // Quantity change at base prices, split below.
                    trade_diversion: quantity - base,
                    ..FlowEffect::default()
                });
            }
            let created = q_after - q_before;
            for e in &mut effects {
                let share = if q_before > 0.0 {
                    e.base_value / q_before
                } else {
                    0.0
                };
                e.trade_creation = created * share;
                e.trade_diversion -= e.trade_creation;
            }
            outcome.add_product(s, m.product, &effects);
            outcome.add_market(
                m.product,
                o.consumer_surplus_change[mk],
                o.producer_surplus_change[mk],
            );
            if keep_flows {
                kept.push(ProductOutcome {
                    product: m.product,
                    flows: effects.clone(),
                });
            }
        }
        if keep_flows {
            outcome.flows = FlowEffects::Stored(kept);
        }
        outcome
    }
}

impl Engine for GsimEngine<'_> {
    fn scenario(&self) -> &Scenario {
        self.scenario
    }

    fn as_dyn(&self) -> &dyn Engine {
        self
    }

    fn solve(&self) -> Result<Outcome, ModelError> {
        Ok(self.run()?.market)
    }

    /// Elasticity changes apply to every region; named elasticity sets are per product of
    /// one market and do not apply to GSIM (the loader refuses them).
    fn solve_variant(&self, variant: &Variant<'_>) -> Result<Outcome, ModelError> {
        let products = solve_all(self, variant.elasticities.as_ref(), variant.tariff_after)?;
        let run = aggregate(self, products, Ok(Outcome::empty(self.scenario)), false);
        Ok(run.market)
    }

    fn extra_rows(&self) -> Vec<(&'static str, String)> {
        let setup = self.setup;
        let mut rows = vec![
            ("headline", "focus_exports_elsewhere_change".to_string()),
            ("headline", "focus_world_price_change_pct".to_string()),
        ];
        rows.extend(
            setup
                .regions
                .iter()
                .map(|r| ("world_price_change_pct", r.clone())),
        );
        rows.extend(setup.regions.iter().map(|r| ("net_welfare", r.clone())));
        rows
    }
}
