//! Projection over years: the focus exporter's exports to the importer, baseline against
//! scenario, with the tariff change phased in and trade adjusting gradually.
//!
//! SMART is comparative static: it gives the long-run effect of a tariff state. The path is
//! this module's assumption, stated in every report:
//! - the baseline grows at a constant rate per product (or overall) from the base year;
//! - in year k the tariffs are `before + φ_k·(after − before)` (φ the phase-in fraction), or
//!   the explicit rates given for one exporter;
//! - trade closes a share λ (the adjustment speed) of the gap between its current effect and
//!   the long-run effect of that year's tariffs: `R_k = R_{k−1} + λ·(E_k − R_{k−1})`;
//! - effects scale with baseline growth.

use super::draws::DrawTotals;
use super::engine::{DRAW_BATCH, DrawRunner, DrawScratch, engine};
use super::monte_carlo::Percentiles;
use super::{Outcome, Variant, simulate_variant};
use crate::error::ModelError;
use crate::scenario::Scenario;
use crate::scenario::specs::UncertaintySpec;
pub use crate::scenario::specs::{DatedPath, ProjectionSpec};
use crate::units::Rate;
use rayon::prelude::*;

/// One projected year.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProjectionYear {
    /// Calendar year.
    pub year: i64,
    /// Fraction of the tariff change in force (phase-in); on a dated path, the share of the
    /// year's days from the after date.
    pub phase_in: f64,
    /// Focus exporter's exports to the importer without the policy.
    pub baseline: f64,
    /// … with the policy.
    pub scenario: f64,
    /// Percentiles of `scenario` over the uncertainty draws, if requested.
    pub band: Option<Percentiles>,
}

/// The focus exporter's path for one set of elasticities, (baseline, scenario) per year,
/// from the long-run effect per product of each year's tariffs (`effects(k)`) and the focus
/// exporter's base trade per product.
/// `growth[k][p]` is product `p`'s growth index in year `k` ([`growth_indices`]).
fn path<'e>(
    spec: &ProjectionSpec,
    growth: &[Vec<f64>],
    base: &[f64],
    effects: impl Fn(usize) -> &'e [f64],
) -> Vec<(f64, f64)> {
    let mut realised = vec![0.0; base.len()];
    growth
        .iter()
        .enumerate()
        .map(|(k, growth)| {
            let target = effects(k);
            let (mut baseline, mut with_policy) = (0.0, 0.0);
            for (p, r) in realised.iter_mut().enumerate() {
                *r += spec.adjustment_speed * (target[p] - *r);
                let g = growth[p];
                baseline += g * base[p];
                with_policy += g * (base[p] + *r);
            }
            (baseline, with_policy)
        })
        .collect()
}

/// Every product's growth index in every projected year, computed once for all the draws'
/// paths.
fn growth_indices(scenario: &Scenario, spec: &ProjectionSpec) -> Vec<Vec<f64>> {
    spec.years()
        .into_iter()
        .map(|year| {
            (0..scenario.products.len())
                .map(|p| spec.growth_index(scenario, p, year))
                .collect()
        })
        .collect()
}

/// Projects the focus exporter's exports; with `uncertainty`, every draw's path gives the
/// percentiles of the scenario line. `tick` is called once per path.
///
/// Years under the same rates (a completed phase-in, the years after the schedule ends)
/// share one run; the draws run on the prepared markets of each distinct rate vector.
pub fn run(
    scenario: &Scenario,
    spec: &ProjectionSpec,
    uncertainty: Option<&UncertaintySpec>,
    tick: &(dyn Fn() + Sync),
) -> Result<Vec<ProjectionYear>, ModelError> {
    let years = spec.years();
    let tariffs: Vec<Vec<Rate>> = (0..years.len())
        .map(|k| spec.tariffs(scenario, k))
        .collect();
    // run_of[k]: which distinct rate vector year k uses; first_year[u]: its first year.
    let mut run_of = Vec::with_capacity(years.len());
    let mut first_year: Vec<usize> = Vec::new();
    for k in 0..years.len() {
        if k == 0 || tariffs[k] != tariffs[k - 1] {
            first_year.push(k);
        }
        run_of.push(first_year.len() - 1);
    }
    let in_year = |k: usize| {
        let year = years[k];
        move |e| ModelError::InLayer {
            layer: format!("projection, year {year}"),
            source: Box::new(e),
        }
    };
    let central: Vec<Outcome> = first_year
        .iter()
        .map(|&k| {
            simulate_variant(
                scenario,
                &Variant {
                    elasticities: None,
                    tariff_after: Some(&tariffs[k]),
                    base_elasticities: None,
                },
            )
            .map_err(in_year(k))
        })
        .collect::<Result<_, _>>()?;
    let base: Vec<f64> = central[0]
        .focus_by_product
        .iter()
        .map(|t| t.base_value)
        .collect();
    let central_effects: Vec<Vec<f64>> = central
        .iter()
        .map(|o| o.focus_by_product.iter().map(|t| t.total_effect).collect())
        .collect();
    let growth = growth_indices(scenario, spec);
    let central = path(spec, &growth, &base, |k| &central_effects[run_of[k]]);
    let engine = engine(scenario);
    let draws: Option<Vec<Vec<(f64, f64)>>> = uncertainty
        .map(|u| {
            let prepared: Vec<Box<dyn DrawRunner + '_>> = first_year
                .iter()
                .map(|&k| engine.draws(Some(&tariffs[k]), true))
                .collect();
            // Draws in batches (each market's flows read once per batch, four draws at a
            // time where the market allows it), each batch on one thread.
            const BATCH: u64 = DRAW_BATCH as u64;
            let n = u.draws as u64;
            let batches = (0..n.div_ceil(BATCH))
                .into_par_iter()
                .map_init(
                    || {
                        (
                            DrawScratch::default(),
                            vec![vec![DrawTotals::empty(scenario); BATCH as usize]; prepared.len()],
                        )
                    },
                    |(scratch, totals), b| {
                        let first = b * BATCH;
                        let size = (n - first).min(BATCH) as usize;
                        for (run, (p, t)) in prepared.iter().zip(totals.iter_mut()).enumerate() {
                            p.run_batch(u, first, scratch, &mut t[..size])
                                .map_err(|(_, e)| in_year(first_year[run])(e))?;
                        }
                        Ok((0..size)
                            .map(|d| {
                                let p = path(spec, &growth, &base, |k| {
                                    &totals[run_of[k]][d].focus_by_product
                                });
                                tick();
                                p
                            })
                            .collect::<Vec<_>>())
                    },
                )
                .collect::<Result<Vec<_>, ModelError>>()?;
            Ok::<_, ModelError>(batches.into_iter().flatten().collect::<Vec<_>>())
        })
        .transpose()?;
    Ok(years
        .iter()
        .enumerate()
        .map(|(k, &year)| {
            let band = draws.as_ref().map(|d| {
                let mut values: Vec<f64> = d.iter().map(|p| p[k].1).collect();
                Percentiles::of(&mut values)
            });
            ProjectionYear {
                year,
                phase_in: match &spec.dated {
                    Some(d) => d.share_after[k],
                    None => ProjectionSpec::carried(&spec.phase_in, k).unwrap_or(1.0),
                },
                baseline: central[k].0,
                scenario: central[k].1,
                band,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The draws' band equals the one computed the long way: every draw and every year a
    /// full `simulate_variant`, the path from its `focus_by_product`.
    #[test]
    fn draws_on_prepared_markets_equal_full_runs() {
        let path_to = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/hs4/us-pakistan-2025-deal.toml");
        let s = crate::scenario::load(&path_to).expect("fixture loads");
        let spec = s.projection.clone().expect("the fixture has [projection]");
        let u = UncertaintySpec {
            draws: 12,
            ..s.uncertainty.expect("the fixture has [uncertainty]")
        };
        let years = run(&s, &spec, Some(&u), &|| {}).unwrap();
        let tariffs: Vec<Vec<Rate>> = (0..years.len()).map(|k| spec.tariffs(&s, k)).collect();
        assert!(
            tariffs.windows(2).any(|w| w[0] != w[1]),
            "the phase-in changes rates"
        );
        let mut by_year: Vec<Vec<f64>> = vec![Vec::new(); years.len()];
        for i in 0..u.draws as u64 {
            let outcomes: Vec<Outcome> = tariffs
                .iter()
                .map(|t| simulate_variant(&s, &u.variant(&s, i, Some(t))).unwrap())
                .collect();
            let base: Vec<f64> = outcomes[0]
                .focus_by_product
                .iter()
                .map(|t| t.base_value)
                .collect();
            let effects: Vec<Vec<f64>> = outcomes
                .iter()
                .map(|o| o.focus_by_product.iter().map(|t| t.total_effect).collect())
                .collect();
            for (k, (_, scenario)) in
                path(&spec, &growth_indices(&s, &spec), &base, |k| &effects[k])
                    .into_iter()
                    .enumerate()
            {
                by_year[k].push(scenario);
            }
        }
        for (y, mut values) in years.iter().zip(by_year) {
            assert_eq!(y.band, Some(Percentiles::of(&mut values)), "{}", y.year);
        }
    }
}
