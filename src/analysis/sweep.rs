//! Tariff sweep: the focus quantities as a function of one exporter's additional duty in the
//! after-policy state, all products at once ("what rate would have made Pakistan whole?").

use super::monte_carlo::Percentiles;
use super::{Variant, simulate_variant};
use crate::error::ModelError;
use crate::scenario::Scenario;
pub use crate::scenario::specs::{SweepSpec, UncertaintySpec, dutiable_cells, tariffs_with};
use crate::units::pct_to_rate;
use rayon::prelude::*;

/// One rate of the sweep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SweepPoint {
    /// The swept exporter's additional duty, percent.
    pub additional_pct: f64,
    /// Focus exporter's total effect against the before-policy state.
    pub focus_change: f64,
    /// The same in percent of its base trade.
    pub focus_change_pct: f64,
    /// The swept exporter's total effect.
    pub exporter_change: f64,
    /// Importer's tariff revenue change.
    pub revenue_change: f64,
    /// Importer's net welfare change.
    pub net_welfare: f64,
    /// Percentiles of the focus exporter's change over the uncertainty draws, if requested.
    pub band: Option<Percentiles>,
}

/// A sweep's result.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepResult {
    /// The specification.
    pub spec: SweepSpec,
    /// One point per rate.
    pub points: Vec<SweepPoint>,
    /// Rate at which the focus exporter's change crosses zero (linear interpolation), if
    /// it does within the grid.
    pub break_even_pct: Option<f64>,
}

/// Runs the sweep (rates in parallel). With `uncertainty`, each rate also runs every draw
/// and reports percentiles; `tick` is called once per model run.
pub fn run(
    scenario: &Scenario,
    spec: &SweepSpec,
    uncertainty: Option<&UncertaintySpec>,
    tick: &(dyn Fn() + Sync),
) -> Result<SweepResult, ModelError> {
    let points = spec
        .rates()
        .into_par_iter()
        .map(|pct| {
            let in_layer = |e: ModelError| ModelError::InLayer {
                layer: format!("sweep at {pct}%"),
                source: Box::new(e),
            };
            let after = tariffs_with(scenario, spec.exporter, pct_to_rate(pct));
            let o = simulate_variant(
                scenario,
                &Variant {
                    elasticities: None,
                    tariff_after: Some(&after),
                    base_elasticities: None,
                },
            )
            .map_err(in_layer)?;
            tick();
            let band = match uncertainty {
                None => None,
                Some(u) => {
                    let mut values = (0..u.draws as u64)
                        .map(|i| {
                            let v = u.variant(scenario, i, Some(&after));
                            let r = simulate_variant(scenario, &v)
                                .map(|d| d.focus(scenario).total_effect);
                            tick();
                            r
                        })
                        .collect::<Result<Vec<f64>, _>>()
                        .map_err(in_layer)?;
                    Some(Percentiles::of(&mut values))
                }
            };
            let f = o.focus(scenario);
            Ok(SweepPoint {
                additional_pct: pct,
                focus_change: f.total_effect,
                focus_change_pct: f.total_effect_pct(),
                exporter_change: o.by_exporter[spec.exporter].total_effect,
                revenue_change: o.total.revenue_change(),
                net_welfare: o.total.net_welfare(),
                band,
            })
        })
        .collect::<Result<Vec<_>, ModelError>>()?;
    let break_even_pct = points.windows(2).find_map(|w| {
        let (a, b) = (w[0], w[1]);
        if a.focus_change == 0.0 {
            Some(a.additional_pct)
        } else if a.focus_change.signum() != b.focus_change.signum() {
            let t = a.focus_change / (a.focus_change - b.focus_change);
            Some(a.additional_pct + t * (b.additional_pct - a.additional_pct))
        } else {
            None
        }
    });
    Ok(SweepResult {
        spec: *spec,
        points,
        break_even_pct,
    })
}
