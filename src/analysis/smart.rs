//! SMART behind the engine interface: one importing market, products independent, solved
//! in closed form (see `crate::model::smart`). Draws run on markets prepared once
//! ([`PreparedScenario`]), with the numbers of one variant solve per draw.

use super::draws::{DrawTotals, DrawnElasticities, PreparedScenario};
use super::engine::{DrawRunner, DrawScratch, Engine};
use super::{FlowEffects, Outcome, Variant};
use crate::error::ModelError;
use crate::model::smart::{FlowEffect, SmartError, simulate_into};
use crate::model::{ProductMarket, TradeFlow};
use crate::scenario::Scenario;
use crate::scenario::specs::UncertaintySpec;
use crate::units::Rate;
use rayon::prelude::*;

/// Flows solved at once by [`Engine::solve`] before they are added up and dropped: about
/// 8 MB of effects, enough markets to keep every thread busy.
const SOLVE_WINDOW_FLOWS: usize = 1 << 16;

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

    /// Every product market in parallel, in windows of markets: each window is solved in
    /// parallel and added up in market order (the sums of one sequential pass) while the
    /// next window is solved, then dropped. The flows' effects are computed again when read
    /// ([`FlowEffects::Smart`]).
    fn solve(&self) -> Result<Outcome, ModelError> {
        let scenario = self.scenario;
        let options = scenario.model.smart_options();
        let markets = &scenario.markets;
        // The windows: runs of markets of about SOLVE_WINDOW_FLOWS flows.
        let mut windows = Vec::new();
        let mut start = 0;
        while start < markets.len() {
            let mut end = start;
            let mut flows = 0;
            while end < markets.len() && flows < SOLVE_WINDOW_FLOWS {
                flows += markets[end].flows.len();
                end += 1;
            }
            windows.push(&markets[start..end]);
            start = end;
        }
        let solve = |window: &[ProductMarket]| {
            window
                .par_iter()
                .map(|m| {
                    let mut flows = Vec::with_capacity(m.flows.len());
                    simulate_into(&m.flows, &m.elasticities, &options, &mut flows)
                        .map_err(|e| model_error(scenario, m.product, e))?;
                    Ok(flows)
                })
                .collect::<Result<Vec<_>, ModelError>>()
        };
        type Solved<'m> = Option<(&'m [ProductMarket], Vec<Vec<FlowEffect>>)>;
        let add = |outcome: &mut Outcome, done: Solved<'_>| {
            if let Some((window, flows)) = done {
                for (m, flows) in window.iter().zip(&flows) {
                    outcome.add_product(scenario, m.product, flows);
                }
            }
        };
        let mut outcome = Outcome::empty(scenario);
        let mut solved: Solved<'_> = None;
        for k in 0..=windows.len() {
            let done = solved.take();
            let (_, next) = rayon::join(
                || add(&mut outcome, done),
                || {
                    windows
                        .get(k)
                        .map(|&w| solve(w).map(|f| (w, f)))
                        .transpose()
                },
            );
            solved = next?;
        }
        outcome.flows = FlowEffects::Smart(options);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::simulate_variant;
    use std::path::Path;

    /// The HS4 deal fixture with its markets repeated until they fill several solve windows.
    fn many_markets() -> Scenario {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/hs4/us-pakistan-2025-deal.toml");
        let mut s = crate::scenario::load(&path).expect("fixture loads");
        let one = s.markets.clone();
        while s.markets.iter().map(|m| m.flows.len()).sum::<usize>() < 3 * SOLVE_WINDOW_FLOWS {
            s.markets.extend(one.iter().cloned());
        }
        s
    }

    #[test]
    fn windows_solved_in_parallel_add_up_as_one_sequential_pass() {
        let s = many_markets();
        let engine = SmartEngine::new(&s);
        let solved = engine.solve().unwrap();
        let sequential = simulate_variant(&s, &Variant::default()).unwrap();
        assert_eq!(solved.total, sequential.total);
        assert_eq!(solved.by_exporter, sequential.by_exporter);
        assert_eq!(solved.by_product, sequential.by_product);
        assert_eq!(solved.focus_by_product, sequential.focus_by_product);
        assert_eq!(solved.by_group, sequential.by_group);
        // The flows read back are the ones the totals were made of: added up again in
        // market order, they give the same totals.
        let markets = solved.flow_markets(&s);
        assert_eq!(markets.len(), s.markets.len());
        let mut again = Outcome::empty(&s);
        let mut scratch = Vec::new();
        for (k, &(product, count)) in markets.iter().enumerate() {
            assert_eq!(product, s.markets[k].product);
            let flows = solved.market_flows(&s, k, &mut scratch).unwrap().unwrap();
            assert_eq!(flows.len(), count);
            again.add_product(&s, product, flows);
        }
        assert_eq!(again.total, solved.total);
        assert_eq!(again.by_exporter, solved.by_exporter);
        // A variant run keeps no flows.
        assert!(sequential.flow_markets(&s).is_empty());
        assert!(
            sequential
                .market_flows(&s, 0, &mut scratch)
                .unwrap()
                .is_none()
        );
    }
}
