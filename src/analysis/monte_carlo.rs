//! Monte-Carlo uncertainty over elasticities.
//!
//! Each draw takes one value per uncertain parameter and applies it to every product (a
//! common shock to the level of the elasticity, the conservative choice: independent
//! per-product draws would average out and understate the uncertainty of totals). Draw `i`
//! uses its own ChaCha8 stream seeded from `(seed, i)`, so results are bit-identical for a
//! given seed whatever the number of threads. With `sets`, the same stream then picks the
//! draw's named elasticity set, whose per-product values the factors scale.

use super::draws::DrawTotals;
use super::engine::{DRAW_BATCH, DrawScratch, Engine, engine};
use super::headlines::{Headline, Headlines};
use super::{Adjust, ElasticityChange, Outcome, SupplyAdjust, Variant};
use crate::error::ModelError;
use crate::model::SupplyElasticity;
use crate::scenario::Scenario;
use crate::scenario::elasticity_sets::ElasticitySet;
pub use crate::scenario::specs::{Distribution, ParameterUncertainty, SetWeights, UncertaintySpec};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use rand_distr::{Distribution as _, LogNormal, Normal, Triangular, Uniform};
use rayon::prelude::*;

// Drawing from the specification (its definition lives with the scenario inputs).
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
}

impl UncertaintySpec {
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
            export_supply: self.export_supply.map(|p| match p.adjust(&mut rng) {
                Adjust::Scale(f) => SupplyAdjust::Scale(f),
                // A drawn magnitude of 99 or more is infinite supply (the WITS convention).
                Adjust::Set(v) => SupplyAdjust::Set(SupplyElasticity::from_value(v)),
            }),
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
    /// Percentiles of a sample (linear interpolation between order statistics). `values` is
    /// reordered: only the order statistics used are put in place (by selection, not a full
    /// sort), which gives the same numbers as sorting.
    pub fn of(values: &mut [f64]) -> Self {
        if values.is_empty() {
            return Percentiles::default();
        }
        let positions = [0.05, 0.25, 0.5, 0.75, 0.95].map(|p| p * (values.len() - 1) as f64);
        // Select the needed ranks in increasing order, each within what is left above the
        // previous one, so every `values[rank]` holds the value a sort would put there.
        let mut from = 0;
        for pos in positions {
            for rank in [pos.floor() as usize, pos.ceil() as usize] {
                if rank >= from {
                    values[from..].select_nth_unstable_by(rank - from, f64::total_cmp);
                    from = rank + 1;
                }
            }
        }
        let [p5, p25, p50, p75, p95] = positions.map(|pos| {
            let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
            values[lo] + (values[hi] - values[lo]) * (pos - lo as f64)
        });
        Percentiles {
            p5,
            p25,
            p50,
            p75,
            p95,
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
    /// The row of a headline quantity.
    pub fn headline(&self, h: Headline) -> Option<&UncertaintyRow> {
        self.row("headline", h.name())
    }

    /// The row of a quantity.
    pub fn row(&self, kind: &str, name: &str) -> Option<&UncertaintyRow> {
        self.rows.iter().find(|r| r.kind == kind && r.name == name)
    }
}

/// Every reported quantity of a run, flattened in the order of [`row_labels`] into `out`.
fn quantities(t: &DrawTotals, out: &mut [f64]) {
    let headlines = Headlines::of(&t.focus, &t.total).values();
    let all = headlines.iter().chain(
        [
            &t.by_group,
            &t.by_exporter,
            &t.by_product,
            &t.focus_by_product,
        ]
        .into_iter()
        .flatten(),
    );
    for (slot, &x) in out.iter_mut().zip(all.chain(&t.extra)) {
        *slot = x;
    }
}

fn row_labels(engine: &dyn Engine) -> Vec<(&'static str, String)> {
    let scenario = engine.scenario();
    let mut v: Vec<(&'static str, String)> = Headline::ALL
        .iter()
        .map(|h| ("headline", h.name().to_string()))
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
    v.extend(engine.extra_rows());
    v
}

/// Runs the draws in parallel; `tick` is called once per finished draw (for a progress bar).
///
/// The model's draw runner is made once ([`super::engine::Engine::draws`]); each draw is a
/// set of elasticities per product, run with per-thread buffers into its own row of one
/// table of samples.
pub fn run(
    scenario: &Scenario,
    spec: &UncertaintySpec,
    point: &Outcome,
    tick: &(dyn Fn() + Sync),
) -> Result<UncertaintyResult, ModelError> {
    let engine = engine(scenario);
    let labels = row_labels(engine.as_dyn());
    let n = labels.len();
    let runner = engine.draws(None, false);
    // Draw-major: row i holds every quantity of draw i. Draws run in batches of
    // `DRAW_BATCH`, each batch on one thread with its own buffers.
    const BATCH: usize = DRAW_BATCH;
    let mut samples = vec![0.0; spec.draws * n];
    samples
        .par_chunks_mut(n * BATCH)
        .enumerate()
        .try_for_each_init(
            || {
                (
                    DrawScratch::default(),
                    vec![DrawTotals::empty(scenario); BATCH],
                )
            },
            |(scratch, totals), (b, rows)| {
                let size = rows.len() / n;
                let first = b * BATCH;
                runner
                    .run_batch(spec, first as u64, scratch, &mut totals[..size])
                    .map_err(|(k, e)| ModelError::InLayer {
                        layer: format!("Monte-Carlo draw {}", first + k),
                        source: Box::new(e),
                    })?;
                for (row, t) in rows.chunks_exact_mut(n).zip(totals.iter()) {
                    quantities(t, row);
                    tick();
                }
                Ok::<(), ModelError>(())
            },
        )?;
    let mut points = vec![0.0; n];
    quantities(&DrawTotals::of_outcome(scenario, point), &mut points);
    // Percentiles by blocks of quantities: one pass over the draws fills a block's columns
    // (whole cache lines of each row are used), then each column is summarised.
    const BLOCK: usize = 64;
    let draws = spec.draws;
    let percentiles: Vec<Percentiles> = (0..n.div_ceil(BLOCK))
        .into_par_iter()
        .flat_map_iter(|b| {
            let (from, to) = (b * BLOCK, ((b + 1) * BLOCK).min(n));
            let mut columns = vec![0.0; (to - from) * draws];
            for (d, row) in samples.chunks_exact(n).enumerate() {
                for (c, &x) in row[from..to].iter().enumerate() {
                    columns[c * draws + d] = x;
                }
            }
            let summaries: Vec<Percentiles> = if draws == 0 {
                vec![Percentiles::default(); to - from]
            } else {
                columns
                    .chunks_exact_mut(draws)
                    .map(Percentiles::of)
                    .collect()
            };
            summaries
        })
        .collect();
    let rows = labels
        .into_iter()
        .zip(points)
        .zip(percentiles)
        .map(|(((kind, name), point), percentiles)| UncertaintyRow {
            kind,
            name,
            point,
            percentiles,
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
        assert_eq!(Percentiles::of(&mut []), Percentiles::default());
        assert_eq!(Percentiles::of(&mut [4.0]).p95, 4.0);
    }

    #[test]
    fn percentiles_by_selection_equal_those_of_a_sorted_sample() {
        let mut state = 0x1234_5678_9abc_def1u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for n in [1, 2, 3, 7, 20, 21, 100, 1000, 1001] {
            for ties in [false, true] {
                let values: Vec<f64> = (0..n)
                    .map(|_| {
                        let x = (next() >> 11) as f64 / (1u64 << 53) as f64 - 0.3;
                        if ties { (x * 4.0).round() } else { x * 1e9 }
                    })
                    .collect();
                let mut sorted = values.clone();
                sorted.sort_by(f64::total_cmp);
                // The definition: linear interpolation between neighbours of a sorted sample.
                let q = |p: f64| {
                    let pos = p * (n - 1) as f64;
                    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
                    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
                };
                let got = Percentiles::of(&mut values.clone());
                let want = [q(0.05), q(0.25), q(0.5), q(0.75), q(0.95)];
                assert_eq!(
                    [got.p5, got.p25, got.p50, got.p75, got.p95].map(f64::to_bits),
                    want.map(f64::to_bits),
                    "n = {n}, ties = {ties}"
                );
            }
        }
    }

    #[test]
    fn run_equals_the_percentiles_of_simulate_variant_draws() {
        use crate::analysis::{simulate, simulate_variant};
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/hs4/us-pakistan-2025-deal.toml");
        let s = crate::scenario::load(&path).expect("shipped scenario loads");
        let spec = UncertaintySpec {
            draws: 25,
            ..s.uncertainty.expect("the scenario has [uncertainty]")
        };
        let point = simulate(&s).unwrap();
        let ticks = std::sync::atomic::AtomicUsize::new(0);
        let fast = run(&s, &spec, &point, &|| {
            ticks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        })
        .unwrap();
        assert_eq!(ticks.into_inner(), 25);
        // The reference: every draw a full `simulate_variant`, its quantities by column.
        let labels = row_labels(engine(&s).as_dyn());
        let samples: Vec<Vec<f64>> = (0..25)
            .map(|i| {
                let variant = spec.variant(&s, i, None);
                let o = simulate_variant(&s, &variant).unwrap();
                let mut row = vec![f64::NAN; labels.len()];
                quantities(&DrawTotals::of_outcome(&s, &o), &mut row);
                row
            })
            .collect();
        assert_eq!(fast.rows.len(), labels.len());
        for (q, (row, (kind, name))) in fast.rows.iter().zip(&labels).enumerate() {
            let mut column: Vec<f64> = samples.iter().map(|r| r[q]).collect();
            assert_eq!((row.kind, &row.name), (*kind, name));
            assert_eq!(
                row.percentiles,
                Percentiles::of(&mut column),
                "{kind} {name}"
            );
        }
        let h = fast.row("headline", "focus_exports_change").unwrap();
        assert_eq!(h.point, point.focus(&s).total_effect);
        assert!(h.percentiles.p5 < h.percentiles.p95);
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
