//! The one interface every model sits behind. Each analysis layer (Monte-Carlo,
//! sensitivity, sweep, projection, comparison) is written once against [`Engine`]: it asks
//! for a solve of the scenario as given, of a variant (other elasticities, other
//! after-policy tariffs), or for many elasticity draws at once, and reads the same
//! [`Outcome`] whatever the model.
//!
//! A model joins by implementing [`Engine`] (one file in this folder's sense: its solve
//! and its variant) and by being chosen in [`engine`]; the layers and reports need nothing
//! else. [`Engine::draws`] has a general implementation on top of
//! [`Engine::solve_variant`]; a model may give a faster one (SMART prepares its markets
//! once, see [`super::draws`]), which must return the same numbers.

use super::draws::DrawTotals;
use super::{Outcome, Variant};
use crate::error::ModelError;
use crate::model::smart_prepared::MarketScratch;
use crate::scenario::specs::UncertaintySpec;
use crate::scenario::{ModelChoice, Scenario};
use crate::units::Rate;

/// A model solving one scenario's importing market.
pub trait Engine: Sync {
    /// The scenario the engine solves.
    fn scenario(&self) -> &Scenario;

    /// Solves the scenario as given, with every flow's effect readable for the tables
    /// ([`super::Outcome::market_flows`]).
    fn solve(&self) -> Result<Outcome, ModelError>;

    /// Solves a variant, keeping totals only (per exporter, group, product and the
    /// market). Deterministic: the same inputs give bit-identical totals on any thread.
    fn solve_variant(&self, variant: &Variant<'_>) -> Result<Outcome, ModelError>;

    /// Runs many draws of per-market elasticities, with the after-policy tariffs `after`
    /// (one per flow in market order, as [`Variant::tariff_after`]) or the scenario's.
    /// With `focus_only`, only the focus exporter's totals per product need be right (a
    /// projection reads nothing else).
    fn draws<'s>(
        &'s self,
        after: Option<&'s [Rate]>,
        focus_only: bool,
    ) -> Box<dyn DrawRunner + 's> {
        let _ = focus_only;
        Box::new(VariantDraws {
            engine: self.as_dyn(),
            after,
        })
    }

    /// Labels (kind, name) of the model's own quantities, [`Outcome::extra`], which the
    /// uncertainty table reports after the common ones. A kind ending in `_pct` is a
    /// percentage.
    fn extra_rows(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// The engine as a trait object (for the general [`Engine::draws`]).
    fn as_dyn(&self) -> &dyn Engine;
}

/// How many draws a layer hands a [`DrawRunner`] at once, each batch on one thread: the
/// prepared SMART markets are then read once per batch (four draws at a time in lanes).
pub const DRAW_BATCH: usize = 16;

/// Runs of one model with many elasticity draws, totals only.
pub trait DrawRunner: Sync {
    /// Runs draws `first`, `first + 1`, … of `spec` (as many as `out` holds), writing
    /// draw `first + k`'s totals to `out[k]` (made with [`DrawTotals::empty`]); `scratch`
    /// is working space, one per thread. An error names the draw (its offset `k`).
    fn run_batch(
        &self,
        spec: &UncertaintySpec,
        first: u64,
        scratch: &mut DrawScratch,
        out: &mut [DrawTotals],
    ) -> Result<(), (usize, ModelError)>;
}

/// Working space of a [`DrawRunner`], reused from batch to batch on one thread.
#[derive(Debug, Clone, Default)]
pub struct DrawScratch {
    /// Working space of one SMART market.
    pub smart: MarketScratch,
}

/// The general draw runner: one [`Engine::solve_variant`] per draw.
struct VariantDraws<'s> {
    engine: &'s dyn Engine,
    after: Option<&'s [Rate]>,
}

impl DrawRunner for VariantDraws<'_> {
    fn run_batch(
        &self,
        spec: &UncertaintySpec,
        first: u64,
        _scratch: &mut DrawScratch,
        out: &mut [DrawTotals],
    ) -> Result<(), (usize, ModelError)> {
        let scenario = self.engine.scenario();
        for (k, totals) in out.iter_mut().enumerate() {
            let variant = spec.variant(scenario, first + k as u64, self.after);
            let outcome = self.engine.solve_variant(&variant).map_err(|e| (k, e))?;
            *totals = DrawTotals::of_outcome(scenario, &outcome);
        }
        Ok(())
    }
}

/// The engine of the scenario's model, chosen by [`ModelChoice`]. A GSIM scenario whose
/// exporters are not all among its regions runs SMART on the importer's market.
pub fn engine(scenario: &Scenario) -> Box<dyn Engine + '_> {
    let smart = || -> Box<dyn Engine + '_> { Box::new(super::smart::SmartEngine::new(scenario)) };
    match &scenario.model {
        ModelChoice::Gsim { .. } => super::gsim::GsimEngine::new(scenario)
            .map_or_else(smart, |gsim| Box::new(gsim) as Box<dyn Engine>),
        ModelChoice::Armington(_) => super::armington::ArmingtonEngine::new(scenario)
            .map_or_else(smart, |armington| Box::new(armington) as Box<dyn Engine>),
        ModelChoice::Smart(_) => smart(),
    }
}
