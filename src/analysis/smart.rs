//! SMART behind the engine interface: one importing market, products independent, solved
//! in closed form (see `crate::model::smart`). Draws run on markets prepared once
//! ([`PreparedScenario`]), with the numbers of one variant solve per draw.

use super::draws::{DrawTotals, DrawnElasticities, PreparedScenario};
use super::engine::{DrawRunner, DrawScratch, Engine};
use super::{Outcome, Variant};
use crate::error::ModelError;
use crate::model::TradeFlow;
use crate::model::smart::{FlowEffect, ProductOutcome, SmartError, simulate_into};
use crate::scenario::Scenario;
use crate::scenario::specs::UncertaintySpec;
use crate::units::Rate;
use rayon::prelude::*;

/// SMART on a scenario's importing market.
#[derive(Debug, Clone, Copy)]
pub struct SmartEngine<'a> {
    scenario: &'a Scenario,
}

impl<'a> SmartEngine<'a> {
    /// The engine of `scenario` (its SMART options: the scenario's own, or the defaults of
    /// a GSIM scenario's single-market comparison).
    pub fn new(scenario: &'a Scenario) -> Self {
        SmartEngine { scenario }
    }
}

/// A SMART error with the product and exporter named.
pub(super) fn model_error(scenario: &Scenario, product: usize, source: SmartError) -> ModelError {
    let SmartError::PriceOutOfRange { exporter, .. } = &source;
    ModelError::Smart {
        product: scenario.products[product].code.clone(),
        exporter: scenario.exporters[*exporter].clone(),
        source,
    }
}

impl Engine for SmartEngine<'_> {
    fn scenario(&self) -> &Scenario {
        self.scenario
    }

    fn as_dyn(&self) -> &dyn Engine {
        self
    }

    /// Every product market in parallel.
    fn solve(&self) -> Result<Outcome, ModelError> {
        let scenario = self.scenario;
        let options = scenario.model.smart_options();
        let products = scenario
            .markets
            .par_iter()
            .map(|m| {
                let mut flows = Vec::with_capacity(m.flows.len());
                simulate_into(&m.flows, &m.elasticities, &options, &mut flows)
                    .map_err(|e| model_error(scenario, m.product, e))?;
                Ok(ProductOutcome {
                    product: m.product,
                    flows,
                })
            })
            .collect::<Result<Vec<_>, ModelError>>()?;
        let mut outcome = Outcome::empty(scenario);
        for p in &products {
            outcome.add_product(scenario, p.product, &p.flows);
        }
        outcome.products = products;
        Ok(outcome)
    }

    /// Sequential over products (callers parallelise over variants).
    fn solve_variant(&self, variant: &Variant<'_>) -> Result<Outcome, ModelError> {
        let scenario = self.scenario;
        let options = scenario.model.smart_options();
        let mut outcome = Outcome::empty(scenario);
        let mut flows: Vec<TradeFlow> = Vec::new();
        let mut effects: Vec<FlowEffect> = Vec::new();
        let mut cell = 0;
        for (k, m) in scenario.markets.iter().enumerate() {
            let base = variant.base_elasticities.map_or(m.elasticities, |b| b[k]);
            let elasticities = variant.elasticities.map_or(base, |c| c.apply(&base));
            flows.clear();
            flows.extend_from_slice(&m.flows);
            if let Some(after) = variant.tariff_after {
                for (f, &t) in flows.iter_mut().zip(&after[cell..cell + m.flows.len()]) {
                    f.tariff_after = t;
                }
            }
            cell += m.flows.len();
            simulate_into(&flows, &elasticities, &options, &mut effects)
                .map_err(|e| model_error(scenario, m.product, e))?;
            outcome.add_product(scenario, m.product, &effects);
        }
        Ok(outcome)
    }

    /// The markets prepared once: all of them, or with `focus_only` those where the focus
    /// exporter sells.
    fn draws<'s>(
        &'s self,
        after: Option<&'s [Rate]>,
        focus_only: bool,
    ) -> Box<dyn DrawRunner + 's> {
        Box::new(match (after, focus_only) {
            (Some(after), true) => PreparedScenario::focus_markets_with_after(self.scenario, after),
            (Some(after), false) => PreparedScenario::with_after(self.scenario, after),
            (None, _) => PreparedScenario::new(self.scenario),
        })
    }
}

impl DrawRunner for PreparedScenario<'_> {
    /// The draws' elasticities per market, then one pass over the prepared markets.
    fn run_batch(
        &self,
        spec: &UncertaintySpec,
        first: u64,
        scratch: &mut DrawScratch,
        out: &mut [DrawTotals],
    ) -> Result<(), (usize, ModelError)> {
        let s = self.scenario();
        let draws: Vec<DrawnElasticities<'_>> = (0..out.len() as u64)
            .map(|k| {
                let (change, set) = spec.draw_with_set(first + k);
                DrawnElasticities::new(s, change, set.and_then(|set| s.set_elasticities(set)))
            })
            .collect();
        self.run_batch_into(&draws, &mut scratch.smart, out)
    }
}
