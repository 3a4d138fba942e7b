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

use super::monte_carlo::{Percentiles, UncertaintySpec};
use super::{ElasticityChange, Outcome, Variant, simulate_variant};
use crate::error::ModelError;
use crate::model::Elasticities;
use crate::scenario::Scenario;
use crate::units::Rate;
use rayon::prelude::*;

/// The projection's assumptions.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectionSpec {
    /// First projected year.
    pub start_year: i64,
    /// Last projected year.
    pub end_year: i64,
    /// Baseline growth per year as a fraction, for products without their own rate.
    pub baseline_growth: f64,
    /// Growth per product-code prefix (longest match wins), fractions.
    pub growth_by_prefix: Vec<(String, f64)>,
    /// Fraction of the tariff change in force each year from `start_year`; the last value
    /// carries forward.
    pub phase_in: Vec<f64>,
    /// Explicit additional duty (percent) of one exporter per year, overriding `phase_in`
    /// for that exporter's dutiable flows (see [`super::sweep::dutiable_cells`]); the last
    /// value carries forward.
    pub rates: Option<(usize, Vec<f64>)>,
    /// Share of the remaining gap to the long-run effect closed each year, in (0, 1].
    pub adjustment_speed: f64,
    /// In a dated scenario: the after state following the US measures schedule year by
    /// year (replaces `phase_in`).
    pub dated: Option<DatedPath>,
    /// In a dated scenario whose after state cannot follow the schedule: why it is held.
    pub held: Option<String>,
}

/// The after-policy tariffs of each projected year taken from the schedule's calendar.
#[derive(Debug, Clone, PartialEq)]
pub struct DatedPath {
    /// The after date (YYYY-MM-DD), from which the path follows the schedule.
    pub from: String,
    /// The last day the schedule covers; later days hold its duties (ASSUMPTION).
    pub last_day: String,
    /// Per year: the total tariff of each cell (market order), averaged over the year's days.
    pub tariffs: Vec<Vec<Rate>>,
    /// Per year: the share of its days on or after `from`.
    pub share_after: Vec<f64>,
}

impl ProjectionSpec {
    /// The projected years.
    pub fn years(&self) -> Vec<i64> {
        (self.start_year..=self.end_year).collect()
    }

    fn carried(values: &[f64], k: usize) -> Option<f64> {
        values.get(k).or(values.last()).copied()
    }

    /// After-policy tariffs of projection year `k` (0 = start year).
    pub fn tariffs(&self, scenario: &Scenario, k: usize) -> Vec<Rate> {
        if let Some(d) = &self.dated {
            return d.tariffs[k].clone();
        }
        let s = &scenario.schedule;
        let phi = Self::carried(&self.phase_in, k).unwrap_or(1.0);
        let mut out: Vec<Rate> = s
            .before
            .iter()
            .zip(&s.after)
            .map(|(b, a)| b + phi * (a - b))
            .collect();
        if let Some((exporter, rates)) = &self.rates
            && let Some(pct) = Self::carried(rates, k)
        {
            // Same flows as a sweep: exempt products stay exempt.
            for c in super::sweep::dutiable_cells(scenario, *exporter) {
                out[c] = s.applied[c] + pct / 100.0;
            }
        }
        out
    }

    /// Growth index of a product in a year relative to the base year.
    pub fn growth_index(&self, scenario: &Scenario, product: usize, year: i64) -> f64 {
        let code = &scenario.products[product].code;
        let g = self
            .growth_by_prefix
            .iter()
            .filter(|(p, _)| code.starts_with(p.as_str()))
            .max_by_key(|(p, _)| p.len())
            .map_or(self.baseline_growth, |(_, g)| *g);
        (1.0 + g).powf((year - scenario.base_year) as f64)
    }
}

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

/// The focus exporter's path for one set of elasticities: (baseline, scenario) per year.
fn path(
    scenario: &Scenario,
    spec: &ProjectionSpec,
    tariffs: &[Vec<Rate>],
    change: Option<ElasticityChange>,
    base: Option<&[Elasticities]>,
) -> Result<Vec<(f64, f64)>, ModelError> {
    let n_products = scenario.products.len();
    let mut realised = vec![0.0; n_products];
    let mut out = Vec::with_capacity(tariffs.len());
    let mut last: Option<Outcome> = None;
    for (k, year) in spec.years().into_iter().enumerate() {
        // Years under the same rates (a phase-in that is complete) share one simulation.
        let same_rates = k > 0 && tariffs[k] == tariffs[k - 1];
        let o = match last.take() {
            Some(o) if same_rates => o,
            _ => simulate_variant(
                scenario,
                &Variant {
                    elasticities: change,
                    tariff_after: Some(&tariffs[k]),
                    base_elasticities: base,
                },
            )
            .map_err(|e| ModelError::InLayer {
                layer: format!("projection, year {year}"),
                source: Box::new(e),
            })?,
        };
        let (mut baseline, mut with_policy) = (0.0, 0.0);
        for (p, r) in realised.iter_mut().enumerate() {
            let target = o.focus_by_product[p].total_effect;
            *r += spec.adjustment_speed * (target - *r);
            let g = spec.growth_index(scenario, p, year);
            let base = o.focus_by_product[p].base_value;
            baseline += g * base;
            with_policy += g * (base + *r);
        }
        out.push((baseline, with_policy));
        last = Some(o);
    }
    Ok(out)
}

/// Projects the focus exporter's exports; with `uncertainty`, every draw's path gives the
/// percentiles of the scenario line. `tick` is called once per path.
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
    let central = path(scenario, spec, &tariffs, None, None)?;
    let draws: Option<Vec<Vec<(f64, f64)>>> = uncertainty
        .map(|u| {
            (0..u.draws as u64)
                .into_par_iter()
                .map(|i| {
                    let (change, set) = u.draw_with_set(i);
                    let base = set.and_then(|s| scenario.set_elasticities(s));
                    let p = path(scenario, spec, &tariffs, Some(change), base);
                    tick();
                    p
                })
                .collect::<Result<Vec<_>, _>>()
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
