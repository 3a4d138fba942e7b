//! Analysis: runs the model over every product of a scenario and aggregates the results the
//! way a report reads them (by exporter, by product, for the whole market).
//!
//! The layers on top of a single run (Monte-Carlo, sensitivity, sweep, projection,
//! comparison) call [`simulate_variant`], which is the single run with the elasticities
//! or the after-policy tariffs changed; the Monte-Carlo draws use its prepared form
//! ([`draws`]), the same formulas with what the draws share computed once. No model code
//! is repeated.

pub mod armington;
pub mod compare;
pub mod draws;
pub mod elasticity_sets;
pub mod engine;
pub mod gsim;
pub mod headlines;
pub mod monte_carlo;
pub mod projection;
pub mod sensitivity;
pub mod smart;
pub mod sweep;

use crate::error::ModelError;
use crate::model::Elasticities;
use crate::model::smart::{EffectTotals, FlowEffect, ProductOutcome, SmartOptions, simulate_into};
pub use crate::model::{Adjust, ElasticityChange, SupplyAdjust};
use crate::scenario::Scenario;
use crate::units::Rate;

/// The result of one scenario run.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Every flow's effect, for the flows table and the charts that read flows.
    pub flows: FlowEffects,
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
    /// The model's own quantities (labelled by [`engine::Engine::extra_rows`]); empty for
    /// SMART.
    pub extra: Vec<f64>,
}

impl Outcome {
    /// An outcome with every total at zero, sized for the scenario.
    pub fn empty(scenario: &Scenario) -> Self {
        Outcome {
            flows: FlowEffects::None,
            by_exporter: vec![EffectTotals::default(); scenario.exporters.len()],
            by_group: vec![EffectTotals::default(); scenario.report_groups.len()],
            by_product: vec![EffectTotals::default(); scenario.products.len()],
            focus_by_product: vec![EffectTotals::default(); scenario.products.len()],
            total: EffectTotals::default(),
            extra: Vec::new(),
        }
    }

    /// Adds one product's flow effects to the totals.
    pub fn add_product(&mut self, scenario: &Scenario, product: usize, flows: &[FlowEffect]) {
        for f in flows {
            self.by_exporter[f.exporter].add(f);
            self.by_group[scenario.report_group_of[f.exporter]].add(f);
            self.by_product[product].add(f);
            self.total.add(f);
            if f.exporter == scenario.focus {
                self.focus_by_product[product].add(f);
            }
        }
    }

    /// Adds what a model measures for a product's market as a whole, not per flow: the
    /// change in consumer surplus and in the importer's own producers' surplus.
    pub fn add_market(&mut self, product: usize, consumer_surplus: f64, producer_surplus: f64) {
        for t in [&mut self.by_product[product], &mut self.total] {
            t.consumer_surplus += consumer_surplus;
            t.producer_surplus += producer_surplus;
        }
    }

    /// The product and the number of flows of each market whose flows can be read with
    /// [`Outcome::market_flows`] (none when the run kept none).
    pub fn flow_markets(&self, scenario: &Scenario) -> Vec<(usize, usize)> {
        match &self.flows {
            FlowEffects::None => Vec::new(),
            FlowEffects::Stored(products) => products
                .iter()
                .map(|p| (p.product, p.flows.len()))
                .collect(),
            FlowEffects::Smart(_) => scenario
                .markets
                .iter()
                .map(|m| (m.product, m.flows.len()))
                .collect(),
        }
    }

    /// Market `k`'s flow effects (markets in the scenario's order), in its flows' order;
    /// `scratch` holds them when they are computed again. `None` when the run kept none.
    pub fn market_flows<'a>(
        &'a self,
        scenario: &Scenario,
        k: usize,
        scratch: &'a mut Vec<FlowEffect>,
    ) -> Result<Option<&'a [FlowEffect]>, ModelError> {
        match &self.flows {
            FlowEffects::None => Ok(None),
            FlowEffects::Stored(products) => Ok(products.get(k).map(|p| p.flows.as_slice())),
            FlowEffects::Smart(options) => {
                let Some(m) = scenario.markets.get(k) else {
                    return Ok(None);
                };
                simulate_into(&m.flows, &m.elasticities, options, scratch)
                    .map_err(|e| smart::model_error(scenario, m.product, e))?;
                Ok(Some(scratch.as_slice()))
            }
        }
    }

    /// The focus exporter's totals.
    pub fn focus<'a>(&'a self, scenario: &Scenario) -> &'a EffectTotals {
        &self.by_exporter[scenario.focus]
    }
}

/// Every flow's effect of a run, or how to have it.
#[derive(Debug, Clone, Default)]
pub enum FlowEffects {
    /// None kept: a variant run that only needs totals.
    #[default]
    None,
    /// Kept per market, as the model gave them (GSIM, Armington).
    Stored(Vec<ProductOutcome>),
    /// SMART's, computed again per market from the scenario when read, by the function and
    /// inputs of the run itself, so the same numbers. A million flows would otherwise hold
    /// 120 bytes each for the whole run. Read with the scenario that was solved: an outcome
    /// of a changed copy keeps [`FlowEffects::None`] instead.
    Smart(SmartOptions),
}

/// A single run with changed inputs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Variant<'a> {
    /// Elasticity changes.
    pub elasticities: Option<ElasticityChange>,
    /// After-policy total tariffs per flow, in market order (as `Scenario::schedule`).
    pub tariff_after: Option<&'a [Rate]>,
    /// Per-market elasticities replacing the scenario's (a named elasticity set), in market
    /// order; `elasticities` then changes these.
    pub base_elasticities: Option<&'a [Elasticities]>,
}

/// Simulates every product market of the scenario with its model and aggregates, with
/// every flow's effect readable for the tables ([`Outcome::market_flows`]).
pub fn simulate(scenario: &Scenario) -> Result<Outcome, ModelError> {
    engine::engine(scenario).solve()
}

/// Runs a variant of the scenario with its model, keeping totals only. Deterministic: the
/// same inputs give bit-identical totals on any thread.
pub fn simulate_variant(scenario: &Scenario, variant: &Variant<'_>) -> Result<Outcome, ModelError> {
    engine::engine(scenario).solve_variant(variant)
}
