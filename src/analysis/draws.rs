//! Many runs of one scenario that differ only in their elasticities (the Monte-Carlo
//! draws), without copying the flows or building a full [`Outcome`] each time.
//!
//! The SMART markets are prepared once ([`PreparedSmart`]: tariff shocks, base shares and
//! their logarithms); a run takes one set of elasticities per product, so a draw may come
//! from any base vector of elasticities, and adds up only what the uncertainty rows read.
//! The totals are those of [`simulate_variant`](super::simulate_variant) with the same
//! elasticities, bit for bit: the same formulas, summed in the same order.

use super::Outcome;
use super::smart::model_error;
use crate::error::ModelError;
use crate::model::TradeFlow;
use crate::model::smart::EffectTotals;
use crate::model::smart_prepared::{LANES, LaneResults, MarketScratch, PreparedSmart};
use crate::model::{Elasticities, ElasticityChange, ProductMarket};
use crate::scenario::Scenario;

/// A scenario's SMART markets prepared for runs with many sets of elasticities.
#[derive(Debug, Clone)]
pub struct PreparedScenario<'a> {
    scenario: &'a Scenario,
    smart: PreparedSmart,
    /// The scenario market of each prepared market (all of them, or those a projection
    /// needs).
    market_ids: Vec<usize>,
    /// Tariff revenue before the policy over every flow, summed as `Outcome::total` is.
    revenue_before: f64,
    /// The focus exporter's base trade, summed as `Outcome::by_exporter` is.
    focus_base: f64,
    /// Only the focus exporter's totals per product are summed (a projection's runs).
    focus_only: bool,
}

/// The totals of one run that the uncertainty rows read.
#[derive(Debug, Clone, PartialEq)]
pub struct DrawTotals {
    /// The importer's totals; only the fields the headlines read are kept (total effect,
    /// tariff revenue before and after, consumer surplus), the others stay zero.
    pub total: EffectTotals,
    /// The focus exporter's totals; only its base value and total effect are kept.
    pub focus: EffectTotals,
    /// Total effect per reporting group (indexed like `Scenario::report_groups`).
    pub by_group: Vec<f64>,
    /// Total effect per exporter (indexed like `Scenario::exporters`).
    pub by_exporter: Vec<f64>,
    /// Total effect per product, all exporters.
    pub by_product: Vec<f64>,
    /// Total effect per product, focus exporter only.
    pub focus_by_product: Vec<f64>,
    /// The model's own quantities ([`super::Outcome::extra`]).
    pub extra: Vec<f64>,
}

impl DrawTotals {
    /// All totals at zero, sized for the scenario.
    pub fn empty(scenario: &Scenario) -> Self {
        DrawTotals {
            total: EffectTotals::default(),
            focus: EffectTotals::default(),
            by_group: vec![0.0; scenario.report_groups.len()],
            by_exporter: vec![0.0; scenario.exporters.len()],
            by_product: vec![0.0; scenario.products.len()],
            focus_by_product: vec![0.0; scenario.products.len()],
            extra: Vec::new(),
        }
    }

    /// The same totals read from a full outcome (the point estimate).
    pub fn of_outcome(scenario: &Scenario, o: &Outcome) -> Self {
        let effects = |t: &[EffectTotals]| t.iter().map(|t| t.total_effect).collect();
        DrawTotals {
            total: o.total,
            focus: *o.focus(scenario),
            by_group: effects(&o.by_group),
            by_exporter: effects(&o.by_exporter),
            by_product: effects(&o.by_product),
            focus_by_product: effects(&o.focus_by_product),
            extra: o.extra.clone(),
        }
    }
}

/// One draw's elasticities, market by market (by the scenario's market index).
pub trait DrawElasticities {
    /// The elasticities of market `id` in this draw.
    fn of_market(&self, id: usize) -> Elasticities;
}

/// A vector of elasticities, one per market.
impl<T: AsRef<[Elasticities]>> DrawElasticities for T {
    fn of_market(&self, id: usize) -> Elasticities {
        self.as_ref()[id]
    }
}

/// A draw's change applied to base elasticities as each market is reached, instead of a
/// vector of every market's elasticities written first and read back (the same values:
/// [`ElasticityChange::apply`] on the same base).
#[derive(Debug, Clone, Copy)]
pub struct DrawnElasticities<'a> {
    change: ElasticityChange,
    base: Base<'a>,
}

#[derive(Debug, Clone, Copy)]
enum Base<'a> {
    /// A named set's elasticities, one per market.
    Set(&'a [Elasticities]),
    /// The scenario's own.
    Scenario(&'a [ProductMarket]),
}

impl<'a> DrawnElasticities<'a> {
    /// `change` on `set` (one per market), or on the scenario's own elasticities.
    pub fn new(
        scenario: &'a Scenario,
        change: ElasticityChange,
        set: Option<&'a [Elasticities]>,
    ) -> Self {
        DrawnElasticities {
            change,
            base: set.map_or(Base::Scenario(&scenario.markets), Base::Set),
        }
    }
}

impl DrawElasticities for DrawnElasticities<'_> {
    fn of_market(&self, id: usize) -> Elasticities {
        let base = match self.base {
            Base::Set(set) => &set[id],
            Base::Scenario(markets) => &markets[id].elasticities,
        };
        self.change.apply(base)
    }
}

impl<'a> PreparedScenario<'a> {
    /// The scenario whose markets are prepared.
    pub fn scenario(&self) -> &'a Scenario {
        self.scenario
    }

    /// Prepares the scenario's markets (once; each run then reuses them).
    pub fn new(scenario: &'a Scenario) -> Self {
        let all = (0..scenario.markets.len()).collect();
        Self::of_markets(scenario, &scenario.markets, all, false)
    }

    /// Prepares `markets`, market `k` of which is the scenario's market `market_ids[k]`.
    fn of_markets(
        scenario: &'a Scenario,
        markets: &[ProductMarket],
        market_ids: Vec<usize>,
        focus_only: bool,
    ) -> Self {
        let (mut revenue_before, mut focus_base) = (0.0, 0.0);
        for f in scenario.markets.iter().flat_map(|m| &m.flows) {
            revenue_before += f.tariff_before * f.base_value;
            if f.exporter == scenario.focus {
                focus_base += f.base_value;
            }
        }
        PreparedScenario {
            scenario,
            smart: PreparedSmart::new(markets, scenario.model.smart_options()),
            market_ids,
            revenue_before,
            focus_base,
            focus_only,
        }
    }

    /// Prepares every market with other after-policy tariffs (`after`, one per flow in
    /// market order, as [`super::Variant::tariff_after`]).
    pub fn with_after(scenario: &'a Scenario, after: &[crate::units::Rate]) -> Self {
        Self::markets_with_after(scenario, after, false)
    }

    /// Prepares, with other after-policy tariffs (`after`, as in [`Self::with_after`]: a
    /// projection year's rates), only the markets where the focus exporter sells: a
    /// projection reads the focus exporter's totals per product alone
    /// ([`DrawTotals::focus_by_product`]; the other totals are not summed).
    pub fn focus_markets_with_after(scenario: &'a Scenario, after: &[crate::units::Rate]) -> Self {
        Self::markets_with_after(scenario, after, true)
    }

    fn markets_with_after(
        scenario: &'a Scenario,
        after: &[crate::units::Rate],
        focus_only: bool,
    ) -> Self {
        let mut markets = Vec::new();
        let mut market_ids = Vec::new();
        let mut cell = 0;
        for (i, m) in scenario.markets.iter().enumerate() {
            let rates = &after[cell..cell + m.flows.len()];
            cell += m.flows.len();
            if !focus_only || m.flows.iter().any(|f| f.exporter == scenario.focus) {
                let mut m = m.clone();
                for (f, &t) in m.flows.iter_mut().zip(rates) {
                    f.tariff_after = t;
                }
                markets.push(m);
                market_ids.push(i);
            }
        }
        Self::of_markets(scenario, &markets, market_ids, focus_only)
    }

    /// Runs the scenario with `elasticities[m]` for market `m` (one per product, in the
    /// scenario's product order), writing the totals to `out` (made with
    /// [`DrawTotals::empty`]); `scratch` is working space. Allocation-free once `scratch`
    /// has grown to the largest market.
    pub fn run_into(
        &self,
        elasticities: &[Elasticities],
        scratch: &mut MarketScratch,
        out: &mut DrawTotals,
    ) -> Result<(), ModelError> {
        self.run_batch_into(&[elasticities], scratch, std::slice::from_mut(out))
            .map_err(|(_, e)| e)
    }

    /// Runs several draws at once: draw `k` takes `draws[k]` (one set of elasticities per
    /// market, as in [`Self::run_into`]) and writes its totals to `out[k]`. The numbers are
    /// those of one [`Self::run_into`] per draw; the batch only goes market by market
    /// through all its draws, so each market's flows are read from memory once per batch
    /// instead of once per draw. An error names the draw (its index in `draws`) and is
    /// that draw's first error in market order.
    pub fn run_batch_into<E: DrawElasticities>(
        &self,
        draws: &[E],
        scratch: &mut MarketScratch,
        out: &mut [DrawTotals],
    ) -> Result<(), (usize, ModelError)> {
        let s = self.scenario;
        assert_eq!(draws.len(), out.len(), "one set of totals per draw");
        for totals in out.iter_mut() {
            totals.total = EffectTotals {
                revenue_before: self.revenue_before,
                ..EffectTotals::default()
            };
            totals.by_group.fill(0.0);
            totals.by_exporter.fill(0.0);
        }
        let only = self.focus_only.then_some(s.focus);
        // Draws four at a time (one per lane), their running totals side by side.
        let mut acc = vec![LaneTotals::new(s); draws.len().div_ceil(LANES)];
        // Draws the lanes cannot take, run one at a time into lanes, then added up alike.
        let mut one_by_one = LaneResults::default();
        for (m, &id) in self.market_ids.iter().enumerate() {
            let product = s.markets[id].product;
            let flows = self.smart.flows(m);
            for (acc, first) in acc.iter_mut().zip((0..draws.len()).step_by(LANES)) {
                let size = (draws.len() - first).min(LANES);
                let out = &mut out[first..first + size];
                let e: [Elasticities; LANES] =
                    std::array::from_fn(|l| draws[first + l.min(size - 1)].of_market(id));
                // Four draws in one pass where the market allows it (the same numbers), one
                // at a time otherwise.
                if let Some(r) =
                    self.smart
                        .results_lanes(m, std::array::from_fn(|l| &e[l]), only, scratch)
                {
                    self.add_lanes(acc, out, product, flows, r);
                } else {
                    one_by_one.reset(flows.len());
                    for (l, e) in e[..size].iter().enumerate() {
                        let results = self
                            .smart
                            .results(m, e, only, scratch)
                            .map_err(|err| (first + l, model_error(s, product, err)))?;
                        one_by_one.set_lane(l, results);
                    }
                    self.add_lanes(acc, out, product, flows, &one_by_one);
                }
            }
        }
        for (k, totals) in out.iter_mut().enumerate() {
            let (acc, l) = (&acc[k / LANES], k % LANES);
            if !self.focus_only {
                for (x, a) in totals.by_exporter.iter_mut().zip(&acc.by_exporter) {
                    *x = a[l];
                }
                for (x, a) in totals.by_group.iter_mut().zip(&acc.by_group) {
                    *x = a[l];
                }
                totals.total.total_effect = acc.total_effect[l];
                totals.total.revenue_after = acc.revenue_after[l];
                totals.total.consumer_surplus = acc.consumer_surplus[l];
            }
            totals.focus = EffectTotals {
                base_value: self.focus_base,
                total_effect: totals.by_exporter[s.focus],
                ..EffectTotals::default()
            };
        }
        Ok(())
    }

    /// Adds one market's results for up to four draws (lane `l` to `out[l]`'s totals, held
    /// in `acc`). Each accumulator receives the flows in the order `Outcome::add_product`
    /// adds them, so the sums are the same numbers; the running totals are locals, kept in
    /// registers rather than going through memory at every flow.
    fn add_lanes(
        &self,
        acc: &mut LaneTotals,
        out: &mut [DrawTotals],
        product: usize,
        flows: &[TradeFlow],
        r: &LaneResults,
    ) {
        let s = self.scenario;
        let mut focus = [0.0; LANES];
        if self.focus_only {
            for (f, t) in flows.iter().zip(&r.total_effect) {
                if f.exporter == s.focus {
                    add(&mut focus, t);
                }
            }
        } else {
            let mut all = [0.0; LANES];
            let mut total_effect = acc.total_effect;
            let mut revenue_after = acc.revenue_after;
            let mut consumer_surplus = acc.consumer_surplus;
            for (j, f) in flows.iter().enumerate() {
                let t = &r.total_effect[j];
                add(&mut acc.by_exporter[f.exporter], t);
                add(&mut acc.by_group[s.report_group_of[f.exporter]], t);
                add(&mut all, t);
                add(&mut total_effect, t);
                add(&mut revenue_after, &r.revenue_after[j]);
                add(&mut consumer_surplus, &r.consumer_surplus[j]);
                if f.exporter == s.focus {
                    add(&mut focus, t);
                }
            }
            acc.total_effect = total_effect;
            acc.revenue_after = revenue_after;
            acc.consumer_surplus = consumer_surplus;
            for (l, totals) in out.iter_mut().enumerate() {
                totals.by_product[product] = all[l];
            }
        }
        for (l, totals) in out.iter_mut().enumerate() {
            totals.focus_by_product[product] = focus[l];
        }
    }
}

/// The running totals of four draws side by side (lane `l` is draw `l` of a group of
/// [`LANES`]): per exporter, per reporting group and over everything.
#[derive(Debug, Clone)]
struct LaneTotals {
    by_exporter: Vec<[f64; LANES]>,
    by_group: Vec<[f64; LANES]>,
    total_effect: [f64; LANES],
    revenue_after: [f64; LANES],
    consumer_surplus: [f64; LANES],
}

impl LaneTotals {
    fn new(s: &Scenario) -> Self {
        LaneTotals {
            by_exporter: vec![[0.0; LANES]; s.exporters.len()],
            by_group: vec![[0.0; LANES]; s.report_groups.len()],
            total_effect: [0.0; LANES],
            revenue_after: [0.0; LANES],
            consumer_surplus: [0.0; LANES],
        }
    }
}

/// `a += b` lane by lane.
#[inline(always)]
fn add(a: &mut [f64; LANES], b: &[f64; LANES]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += *y;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{Adjust, ElasticityChange, SupplyAdjust, Variant, simulate_variant};
    use crate::model::SupplyElasticity;
    use crate::model::smart::{DiversionMethod, SmartOptions};
    use crate::scenario::ModelChoice;
    use std::path::Path;

    /// The shipped US–Pakistan scenario (478 products, 11 exporters) with its flows
    /// scrambled by a seeded stream: zero flows, products without trade, cuts, increases up
    /// to +400 points (enough to floor flows at zero), random elasticities per product.
    fn scrambled(seed: u64, diversion: DiversionMethod) -> Scenario {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/hs4/us-pakistan-2025-deal.toml");
        let mut s = crate::scenario::load(&path).expect("shipped scenario loads");
        let mut state = seed;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for (i, m) in s.markets.iter_mut().enumerate() {
            m.elasticities.import_demand = -0.1 - 3.0 * next();
            m.elasticities.substitution = 0.1 + 8.0 * next();
            for f in &mut m.flows {
                if i % 23 == 0 || next() < 0.1 {
                    f.base_value = 0.0;
                }
                let u = next();
                // Every seventh market keeps its tariffs (no tariff moves there).
                f.tariff_after = if i % 7 == 3 {
                    f.tariff_before
                } else if u < 0.4 {
                    (f.tariff_before - 0.3 * next()).max(0.0)
                } else if u < 0.8 {
                    f.tariff_before + 0.3 * next()
                } else {
                    f.tariff_before + 4.0 * next()
                };
            }
        }
        s.model = ModelChoice::Smart(SmartOptions { diversion });
        s
    }

    /// The scenario solved in full with `change` applied to its elasticities.
    fn full_run(s: &Scenario, change: ElasticityChange) -> Result<Outcome, ModelError> {
        simulate_variant(
            s,
            &Variant {
                elasticities: Some(change),
                tariff_after: None,
                base_elasticities: None,
            },
        )
    }

    fn changes() -> Vec<ElasticityChange> {
        let scale = |x| Some(Adjust::Scale(x));
        vec![
            ElasticityChange::default(),
            ElasticityChange {
                import_demand: scale(1.7),
                substitution: scale(0.6),
                export_supply: None,
            },
            ElasticityChange {
                import_demand: Some(Adjust::Set(0.8)),
                substitution: Some(Adjust::Set(6.0)),
                export_supply: Some(SupplyAdjust::Set(SupplyElasticity::Finite(20.0))),
            },
            ElasticityChange {
                import_demand: scale(0.4),
                substitution: scale(2.5),
                export_supply: Some(SupplyAdjust::Set(SupplyElasticity::Finite(50.0))),
            },
        ]
    }

    fn bits(t: &DrawTotals) -> Vec<u64> {
        let mut v: Vec<f64> = vec![
            t.total.total_effect,
            t.total.revenue_before,
            t.total.revenue_after,
            t.total.consumer_surplus,
            t.focus.base_value,
            t.focus.total_effect,
        ];
        for x in [
            &t.by_group,
            &t.by_exporter,
            &t.by_product,
            &t.focus_by_product,
        ] {
            v.extend(x);
        }
        v.into_iter().map(f64::to_bits).collect()
    }

    #[test]
    fn prepared_runs_equal_simulate_variant_bit_for_bit() {
        for (seed, diversion) in [
            (11, DiversionMethod::CesShare),
            (12, DiversionMethod::LairdYeats),
        ] {
            let s = scrambled(seed, diversion);
            let prepared = PreparedScenario::new(&s);
            let mut scratch = MarketScratch::default();
            let mut fast = DrawTotals::empty(&s);
            let mut floored = 0;
            let mut one_by_one = Vec::new();
            for change in changes() {
                let elasticities: Vec<Elasticities> = s
                    .markets
                    .iter()
                    .map(|m| change.apply(&m.elasticities))
                    .collect();
                let general = full_run(&s, change).expect("in range");
                floored += general.total.floored_flows;
                prepared
                    .run_into(&elasticities, &mut scratch, &mut fast)
                    .expect("in range");
                let expected = DrawTotals::of_outcome(&s, &general);
                assert_eq!(bits(&fast), bits(&expected), "{diversion:?}, {change:?}");
                // The fields the run does not keep are zero, not stale.
                assert_eq!(fast.total.base_value, 0.0);
                assert_eq!(fast.focus.revenue_after, 0.0);
                one_by_one.push(bits(&fast));
            }
            // The same draws in one batch: the same numbers.
            let batch: Vec<Vec<Elasticities>> = changes()
                .iter()
                .map(|c| s.markets.iter().map(|m| c.apply(&m.elasticities)).collect())
                .collect();
            let mut totals = vec![DrawTotals::empty(&s); batch.len()];
            prepared
                .run_batch_into(&batch, &mut scratch, &mut totals)
                .expect("in range");
            assert_eq!(totals.iter().map(bits).collect::<Vec<_>>(), one_by_one);
            assert!(floored > 50, "{diversion:?}: only {floored} floored flows");
        }
    }

    /// A batch of seven draws with CES-share diversion and infinite supply (run four at a
    /// time where a market allows it, the last group padded) gives each draw's full-run
    /// totals.
    #[test]
    fn a_batch_in_lanes_equals_full_runs() {
        let s = scrambled(21, DiversionMethod::CesShare);
        let changes: Vec<ElasticityChange> = (0..7)
            .map(|i| ElasticityChange {
                import_demand: Some(Adjust::Scale(0.5 + 0.2 * i as f64)),
                substitution: Some(Adjust::Scale(if i % 2 == 0 {
                    1e-3
                } else {
                    0.4 * i as f64
                })),
                export_supply: None,
            })
            .collect();
        let batch: Vec<Vec<Elasticities>> = changes
            .iter()
            .map(|c| s.markets.iter().map(|m| c.apply(&m.elasticities)).collect())
            .collect();
        let mut totals = vec![DrawTotals::empty(&s); batch.len()];
        PreparedScenario::new(&s)
            .run_batch_into(&batch, &mut MarketScratch::default(), &mut totals)
            .expect("in range");
        for (change, fast) in changes.into_iter().zip(&totals) {
            let general = full_run(&s, change).expect("in range");
            assert_eq!(
                bits(fast),
                bits(&DrawTotals::of_outcome(&s, &general)),
                "{change:?}"
            );
        }
    }

    #[test]
    fn a_price_out_of_range_is_the_same_error() {
        let s = scrambled(13, DiversionMethod::CesShare);
        let change = ElasticityChange {
            export_supply: Some(SupplyAdjust::Set(SupplyElasticity::Finite(0.05))),
            ..ElasticityChange::default()
        };
        let general = simulate_variant(
            &s,
            &Variant {
                elasticities: Some(change),
                tariff_after: None,
                base_elasticities: None,
            },
        )
        .expect_err("a steep increase with inelastic supply is out of range");
        let elasticities: Vec<Elasticities> = s
            .markets
            .iter()
            .map(|m| change.apply(&m.elasticities))
            .collect();
        let fast = PreparedScenario::new(&s)
            .run_into(
                &elasticities,
                &mut MarketScratch::default(),
                &mut DrawTotals::empty(&s),
            )
            .expect_err("same draw, same error");
        assert_eq!(fast.to_string(), general.to_string());
        // In a batch, the error names the draw that failed.
        let fine: Vec<Elasticities> = s.markets.iter().map(|m| m.elasticities).collect();
        let (draw, in_batch) = PreparedScenario::new(&s)
            .run_batch_into(
                &[&fine, &fine, &elasticities[..]],
                &mut MarketScratch::default(),
                &mut vec![DrawTotals::empty(&s); 3],
            )
            .expect_err("the third draw is out of range");
        assert_eq!(draw, 2);
        assert_eq!(in_batch.to_string(), general.to_string());
    }
}
