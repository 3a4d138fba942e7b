//! Monte-Carlo uncertainty over elasticities.
//!
//! Each draw takes one value per uncertain parameter and applies it to every product (a
//! common shock to the level of the elasticity, the conservative choice: independent
//! per-product draws would average out and understate the uncertainty of totals). Draw `i`
//! uses its own ChaCha8 stream seeded from `(seed, i)`, so results are bit-identical for a
//! given seed whatever the number of threads. With `sets`, the same stream then picks the
//! draw's named elasticity set, whose per-product values the factors scale.

use super::{Adjust, ElasticityChange, Outcome, Variant, simulate_variant};
use crate::error::ModelError;
use crate::scenario::Scenario;
use crate::scenario::elasticity_sets::ElasticitySet;
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use rand_distr::{Distribution as _, LogNormal, Normal, Triangular, Uniform};
use rayon::prelude::*;

/// A probability distribution for one elasticity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Distribution {
    /// Normal, truncated to positive values (the valid sign of a magnitude or factor).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// Log-normal given by its median and the standard deviation of its logarithm.
    LogNormal {
        /// Median.
        median: f64,
        /// Standard deviation of ln(value).
        sigma: f64,
    },
    /// Uniform on `[low, high]`.
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// Triangular on `[low, high]` with the given mode.
    Triangular {
        /// Lower bound.
        low: f64,
        /// Mode.
        mode: f64,
        /// Upper bound.
        high: f64,
    },
}

impl Distribution {
    /// Draws a strictly positive value (rejection sampling for the truncated normal).
    pub fn sample(&self, rng: &mut ChaCha8Rng) -> f64 {
        match *self {
            Distribution::Normal { mean, sd } => {
                let d = Normal::new(mean, sd).expect("validated: sd > 0");
                for _ in 0..10_000 {
                    let x = d.sample(rng);
                    if x > 0.0 {
                        return x;
                    }
                }
                // Validation keeps the mean positive, so this is unreachable in practice.
                mean
            }
            Distribution::LogNormal { median, sigma } => LogNormal::new(median.ln(), sigma)
                .expect("validated: sigma > 0")
                .sample(rng),
            Distribution::Uniform { low, high } => Uniform::new_inclusive(low, high)
                .expect("validated: low <= high")
                .sample(rng),
            Distribution::Triangular { low, mode, high } => Triangular::new(low, high, mode)
                .expect("validated: low <= mode <= high")
                .sample(rng),
        }
    }

    /// A short description for reports ("normal(1, 0.25)").
    pub fn describe(&self) -> String {
        match *self {
            Distribution::Normal { mean, sd } => {
                format!("normal(mean {mean}, sd {sd}), truncated to > 0")
            }
            Distribution::LogNormal { median, sigma } => {
                format!("log-normal(median {median}, σ of log {sigma})")
            }
            Distribution::Uniform { low, high } => format!("uniform({low}, {high})"),
            Distribution::Triangular { low, mode, high } => {
                format!("triangular({low}, mode {mode}, {high})")
            }
        }
    }
}

/// The uncertainty of one elasticity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParameterUncertainty {
    /// Its distribution.
    pub distribution: Distribution,
    /// True: draws are factors on each product's point value. False: draws are the
    /// magnitude used for every product.
    pub relative: bool,
}

impl ParameterUncertainty {
    fn adjust(&self, rng: &mut ChaCha8Rng) -> Adjust {
        let x = self.distribution.sample(rng);
        if self.relative {
            Adjust::Scale(x)
        } else {
            Adjust::Set(x)
        }
    }

    /// Description for reports.
    pub fn describe(&self) -> String {
        if self.relative {
            format!(
                "factor on each product's (in GSIM, each region's) own value ~ {}",
                self.distribution.describe()
            )
        } else {
            format!(
                "one magnitude for every product (in GSIM, every region) ~ {}",
                self.distribution.describe()
            )
        }
    }
}

/// What to draw and how often.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UncertaintySpec {
    /// Number of draws.
    pub draws: usize,
    /// Seed of the generator.
    pub seed: u64,
    /// Import demand elasticity.
    pub import_demand: Option<ParameterUncertainty>,
    /// Substitution elasticity.
    pub substitution: Option<ParameterUncertainty>,
    /// Export supply elasticity.
    pub export_supply: Option<ParameterUncertainty>,
    /// Named elasticity sets drawn one per draw, if any.
    pub sets: Option<SetWeights>,
}

/// The probability of each named elasticity set (indexed like [`ElasticitySet::ALL`]; 0 for
/// the sets not drawn). A fixed array keeps [`UncertaintySpec`] `Copy`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SetWeights {
    /// Probabilities, summing to 1.
    pub probabilities: [f64; ElasticitySet::ALL.len()],
}

impl SetWeights {
    /// The set a uniform number in [0, 1) falls on.
    pub fn pick(&self, u: f64) -> ElasticitySet {
        let mut cumulative = 0.0;
        let mut last = ElasticitySet::ChapterMedians;
        for (set, &p) in ElasticitySet::ALL.iter().zip(&self.probabilities) {
            if p > 0.0 {
                cumulative += p;
                last = *set;
                if u < cumulative {
                    return *set;
                }
            }
        }
        last
    }

    /// "chapter_medians (1/3), ..." for reports.
    pub fn describe(&self) -> String {
        ElasticitySet::ALL
            .iter()
            .zip(&self.probabilities)
            .filter(|(_, p)| **p > 0.0)
            .map(|(s, p)| format!("{} ({:.3})", s.name(), p))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl UncertaintySpec {
    /// One line per elasticity saying how it is drawn, for reports.
    pub fn describe(&self) -> Vec<String> {
        [
            ("Import demand elasticity", self.import_demand),
            ("Substitution elasticity", self.substitution),
            ("Export supply elasticity", self.export_supply),
        ]
        .iter()
        .map(|(name, p)| {
            format!(
                "{name}: {}.",
                p.map_or("fixed at the scenario's values".into(), |p| p.describe())
            )
        })
        .chain(self.sets.map(|w| {
            format!(
                "Elasticity set: one drawn per draw, with probabilities {}; the factors above apply to its values.",
                w.describe()
            )
        }))
        .collect()
    }

    /// The elasticity change of draw `index`: its own stream, independent of threads.
    pub fn draw(&self, index: u64) -> ElasticityChange {
        self.draw_with_set(index).0
    }

    /// The elasticity change and (with `sets`) the named set of draw `index`, both from the
    /// draw's own stream; the set is drawn last, so the factors are those of [`Self::draw`].
    pub fn draw_with_set(&self, index: u64) -> (ElasticityChange, Option<ElasticitySet>) {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(index);
        let change = ElasticityChange {
            import_demand: self.import_demand.map(|p| p.adjust(&mut rng)),
            substitution: self.substitution.map(|p| p.adjust(&mut rng)),
            export_supply: self.export_supply.map(|p| p.adjust(&mut rng)),
        };
        let set = self.sets.map(|w| {
            let u = Uniform::new(0.0, 1.0)
                .expect("a valid range")
                .sample(&mut rng);
            w.pick(u)
        });
        (change, set)
    }

    /// The variant of draw `index` with the other inputs as given: the draw's factors and,
    /// with `sets`, the per-product elasticities of the draw's set.
    pub fn variant<'a>(
        &self,
        scenario: &'a Scenario,
        index: u64,
        tariff_after: Option<&'a [crate::units::Rate]>,
    ) -> Variant<'a> {
        let (change, set) = self.draw_with_set(index);
        Variant {
            elasticities: Some(change),
            tariff_after,
            base_elasticities: set.and_then(|s| scenario.set_elasticities(s)),
        }
    }
}

/// The 5th, 25th, 50th, 75th and 95th percentiles.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Percentiles {
    /// 5th percentile.
    pub p5: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Median.
    pub p50: f64,
    /// 75th percentile.
    pub p75: f64,
    /// 95th percentile.
    pub p95: f64,
}

impl Percentiles {
    /// Percentiles of a sample (linear interpolation between order statistics).
    pub fn of(values: &mut [f64]) -> Self {
        values.sort_by(f64::total_cmp);
        let q = |p: f64| {
            if values.is_empty() {
                return 0.0;
            }
            let pos = p * (values.len() - 1) as f64;
            let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
            values[lo] + (values[hi] - values[lo]) * (pos - lo as f64)
        };
        Percentiles {
            p5: q(0.05),
            p25: q(0.25),
            p50: q(0.5),
            p75: q(0.75),
            p95: q(0.95),
        }
    }
}

/// One quantity's point estimate and percentiles.
#[derive(Debug, Clone, PartialEq)]
pub struct UncertaintyRow {
    /// "headline", "exporter", "group", "product" or "focus_product".
    pub kind: &'static str,
    /// What it is (exporter name, product code, headline name).
    pub name: String,
    /// Value at the scenario's elasticities.
    pub point: f64,
    /// Percentiles over the draws.
    pub percentiles: Percentiles,
}

/// The result of a Monte-Carlo run.
#[derive(Debug, Clone, PartialEq)]
pub struct UncertaintyResult {
    /// The specification used.
    pub spec: UncertaintySpec,
    /// One row per quantity.
    pub rows: Vec<UncertaintyRow>,
}

impl UncertaintyResult {
    /// The row of a quantity.
    pub fn row(&self, kind: &str, name: &str) -> Option<&UncertaintyRow> {
        self.rows.iter().find(|r| r.kind == kind && r.name == name)
    }
}

/// Headline quantities in a fixed order: (name, value).
pub fn headlines(scenario: &Scenario, o: &Outcome) -> [(&'static str, f64); 6] {
    let f = o.focus(scenario);
    [
        ("focus_exports_change", f.total_effect),
        ("focus_exports_change_pct", f.total_effect_pct()),
        ("imports_change", o.total.total_effect),
        ("tariff_revenue_change", o.total.revenue_change()),
        ("consumer_surplus_change", o.total.consumer_surplus),
        ("net_welfare_change", o.total.net_welfare()),
    ]
}

/// Every reported quantity of an outcome, flattened in the order of [`row_labels`].
fn quantities(scenario: &Scenario, o: &Outcome) -> Vec<f64> {
    let mut v: Vec<f64> = headlines(scenario, o).iter().map(|(_, x)| *x).collect();
    v.extend(o.by_group.iter().map(|t| t.total_effect));
    v.extend(o.by_exporter.iter().map(|t| t.total_effect));
    v.extend(o.by_product.iter().map(|t| t.total_effect));
    v.extend(o.focus_by_product.iter().map(|t| t.total_effect));
    v
}

fn row_labels(scenario: &Scenario, point: &Outcome) -> Vec<(&'static str, String)> {
    let mut v: Vec<(&'static str, String)> = headlines(scenario, point)
        .iter()
        .map(|(n, _)| ("headline", n.to_string()))
        .collect();
    v.extend(scenario.report_groups.iter().map(|g| ("group", g.clone())));
    v.extend(scenario.exporters.iter().map(|e| ("exporter", e.clone())));
    v.extend(
        scenario
            .products
            .iter()
            .map(|p| ("product", p.code.clone())),
    );
    v.extend(
        scenario
            .products
            .iter()
            .map(|p| ("focus_product", p.code.clone())),
    );
    v
}

/// Runs the draws in parallel; `tick` is called once per finished draw (for a progress bar).
pub fn run(
    scenario: &Scenario,
    spec: &UncertaintySpec,
    point: &Outcome,
    tick: &(dyn Fn() + Sync),
) -> Result<UncertaintyResult, ModelError> {
    let samples: Vec<Vec<f64>> = (0..spec.draws as u64)
        .into_par_iter()
        .map(|i| {
            let variant = spec.variant(scenario, i, None);
            let o = simulate_variant(scenario, &variant).map_err(|e| ModelError::InLayer {
                layer: format!("Monte-Carlo draw {i}"),
                source: Box::new(e),
            })?;
            tick();
            Ok(quantities(scenario, &o))
        })
        .collect::<Result<_, ModelError>>()?;
    let labels = row_labels(scenario, point);
    let points = quantities(scenario, point);
    let mut column = Vec::with_capacity(samples.len());
    let rows = labels
        .into_iter()
        .enumerate()
        .map(|(q, (kind, name))| {
            column.clear();
            column.extend(samples.iter().map(|s| s[q]));
            UncertaintyRow {
                kind,
                name,
                point: points[q],
                percentiles: Percentiles::of(&mut column),
            }
        })
        .collect();
    Ok(UncertaintyResult { spec: *spec, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_between_order_statistics() {
        let mut v: Vec<f64> = (0..=100).rev().map(f64::from).collect();
        let p = Percentiles::of(&mut v);
        assert_eq!(
            (p.p5, p.p25, p.p50, p.p75, p.p95),
            (5.0, 25.0, 50.0, 75.0, 95.0)
        );
        let mut two = vec![1.0, 3.0];
        assert_eq!(Percentiles::of(&mut two).p50, 2.0);
    }

    #[test]
    fn draws_are_reproducible_and_distinct() {
        let spec = UncertaintySpec {
            draws: 10,
            seed: 7,
            import_demand: Some(ParameterUncertainty {
                distribution: Distribution::Normal { mean: 1.0, sd: 0.3 },
                relative: true,
            }),
            substitution: Some(ParameterUncertainty {
                distribution: Distribution::Triangular {
                    low: 0.5,
                    mode: 1.0,
                    high: 2.0,
                },
                relative: true,
            }),
            export_supply: None,
            sets: None,
        };
        assert_eq!(spec.draw(3), spec.draw(3));
        assert_ne!(spec.draw(3), spec.draw(4));
        let other_seed = UncertaintySpec { seed: 8, ..spec };
        assert_ne!(spec.draw(3), other_seed.draw(3));
    }

    #[test]
    fn a_set_is_picked_by_its_cumulative_weight() {
        let w = SetWeights {
            probabilities: [0.5, 0.0, 0.25, 0.25],
        };
        let picks: Vec<ElasticitySet> = [0.0, 0.49, 0.5, 0.74, 0.75, 0.999_999]
            .iter()
            .map(|&u| w.pick(u))
            .collect();
        use ElasticitySet::*;
        assert_eq!(
            picks,
            [
                ChapterMedians,
                ChapterMedians,
                BrodaWeinstein2006Hs6,
                BrodaWeinstein2006Hs6,
                WitsDefault,
                WitsDefault
            ]
        );
    }

    #[test]
    fn samples_respect_support_and_moments() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let n = 20_000;
        for (d, lo, hi, mean) in [
            (
                Distribution::Uniform {
                    low: 0.5,
                    high: 1.5,
                },
                0.5,
                1.5,
                1.0,
            ),
            (
                Distribution::Triangular {
                    low: 0.0,
                    mode: 1.0,
                    high: 2.0,
                },
                0.0,
                2.0,
                1.0,
            ),
            (
                Distribution::Normal { mean: 1.0, sd: 0.1 },
                0.0,
                f64::INFINITY,
                1.0,
            ),
        ] {
            let xs: Vec<f64> = (0..n).map(|_| d.sample(&mut rng)).collect();
            assert!(
                xs.iter()
                    .all(|&x| x >= lo && x <= hi && x > 0.0 || (lo == 0.0 && x >= 0.0))
            );
            let m = xs.iter().sum::<f64>() / n as f64;
            assert!((m - mean).abs() < 0.02, "{d:?}: mean {m}");
        }
        // Truncation keeps a wide normal positive.
        let wide = Distribution::Normal { mean: 0.5, sd: 1.0 };
        assert!((0..5000).all(|_| wide.sample(&mut rng) > 0.0));
        let ln = Distribution::LogNormal {
            median: 2.0,
            sigma: 0.5,
        };
        let mut xs: Vec<f64> = (0..n).map(|_| ln.sample(&mut rng)).collect();
        assert!((Percentiles::of(&mut xs).p50 - 2.0).abs() < 0.05);
    }
}
