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
use crate::model::Elasticities;
use crate::model::smart::FlowEffect;
use crate::scenario::Scenario;
use crate::units::Rate;

/// A model solving one scenario's importing market.
pub trait Engine: Sync {
    /// The scenario the engine solves.
    fn scenario(&self) -> &Scenario;

    /// Solves the scenario as given, keeping every flow's effect for the tables.
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

    /// The engine as a trait object (for the general [`Engine::draws`]).
    fn as_dyn(&self) -> &dyn Engine;
}

/// Runs of one model with many sets of elasticities, totals only.
pub trait DrawRunner: Sync {
    /// Draw `k` takes `draws[k]` (one set of elasticities per market, in the scenario's
    /// market order) and writes its totals to `out[k]` (made with [`DrawTotals::empty`]);
    /// `effects` is working space. An error names the draw (its index in `draws`).
    fn run_batch(
        &self,
        draws: &[Vec<Elasticities>],
        effects: &mut Vec<FlowEffect>,
        out: &mut [DrawTotals],
    ) -> Result<(), (usize, ModelError)>;
}

/// The general draw runner: one [`Engine::solve_variant`] per draw.
struct VariantDraws<'s> {
    engine: &'s dyn Engine,
    after: Option<&'s [Rate]>,
}

impl DrawRunner for VariantDraws<'_> {
    fn run_batch(
        &self,
        draws: &[Vec<Elasticities>],
        _effects: &mut Vec<FlowEffect>,
        out: &mut [DrawTotals],
    ) -> Result<(), (usize, ModelError)> {
        let scenario = self.engine.scenario();
        for (k, (draw, totals)) in draws.iter().zip(out.iter_mut()).enumerate() {
            let outcome = self
                .engine
                .solve_variant(&Variant {
                    elasticities: None,
                    tariff_after: self.after,
                    base_elasticities: Some(draw),
                })
                .map_err(|e| (k, e))?;
            *totals = DrawTotals::of_outcome(scenario, &outcome);
        }
        Ok(())
    }
}

/// The engine of the scenario's model. A GSIM scenario's importing market is solved by
/// SMART here (its single-market comparison); the multi-market GSIM run itself is
/// [`super::gsim::run`].
pub fn engine(scenario: &Scenario) -> Box<dyn Engine + '_> {
    Box::new(super::smart::SmartEngine::new(scenario))
}
