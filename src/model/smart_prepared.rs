//! SMART prepared for many runs over the same flows with different elasticities (the
//! Monte-Carlo draws).
//!
//! What does not depend on the elasticities is computed once per flow: the tariff shock
//! `τ̂`, the flow's share of its product's base trade and the logarithm of that share, and
//! the logarithm of the tariff factor `(1+t1)/(1+t0)`, which is the whole domestic-price
//! factor when the world price does not move (infinite export supply). A run with CES-share
//! diversion and infinite supply then takes one exponential per flow and no logarithm.
//!
//! Every formula is the one of [`super::smart`] (the same functions, called on the same
//! numbers in the same order), so a run gives the effects of
//! [`simulate_into`](super::smart::simulate_into) bit for bit, for any supply elasticity,
//! either diversion method, flows floored at zero and the consumer-surplus choke case.

use super::smart::{
    DiversionMethod, FlowEffect, SmartError, SmartOptions, ces_reallocate, creation_with_shock,
    finish_flow, laird_yeats_diversion, price_factor, start_flow, tariff_shock,
};
mod lanes;

pub use lanes::{LANES, LaneResults};

use super::exp::exp_inline;
use super::{Elasticities, ProductMarket, SupplyElasticity, TradeFlow};

/// Product markets with everything that does not depend on the elasticities computed once.
///
/// Flows are stored as a structure of arrays in market order; market `m` (the `m`-th of
/// the slice given to [`PreparedSmart::new`]) owns the flows `offsets[m]..offsets[m + 1]`.
#[derive(Debug, Clone)]
pub struct PreparedSmart {
    options: SmartOptions,
    offsets: Vec<usize>,
    /// Base trade of each market (the sum the CES reallocation holds fixed).
    totals: Vec<f64>,
    flows: Vec<TradeFlow>,
    /// `τ̂ = (t1 − t0)/(1 + t0)`.
    shock: Vec<f64>,
    /// Base value over the market's base trade (0 when the market has none).
    share: Vec<f64>,
    /// `ln(share)` for flows with trade (0 otherwise, never read).
    ln_share: Vec<f64>,
    /// `ln((1+t1)/(1+t0))`.
    ln_tariff_factor: Vec<f64>,
    /// The consumer price rise `(1+t1)·(1+0) − (1+t0)` with the world price unmoved.
    price_rise: Vec<f64>,
    /// Per market: whether no flow's tariff changes, so that with infinite supply and
    /// CES-share diversion its results are the same for any elasticities.
    fixed: Vec<bool>,
    /// The results of the fixed markets (zero elsewhere), one per flow.
    fixed_results: Vec<FlowResult>,
    /// Per market: whether it has flows and every one trades (the usual case), the markets
    /// [`Self::lean_into`] computes; the others take the general path.
    all_traded: Vec<bool>,
    /// Per market: the largest log share among the flows whose tariff factor is exactly 1
    /// (`NEG_INFINITY` for none). Their log weights `ln s − σ·0` do not depend on σ.
    max_unmoved: Vec<f64>,
    /// Per flow whose tariff factor is 1: `exp(ln s − max_unmoved)`, its CES weight in any
    /// run where the market's largest log weight is `max_unmoved` (0 for the other flows).
    unmoved_weight: Vec<f64>,
    /// Per market (`moved_offsets[m]..moved_offsets[m + 1]`), the positions within the
    /// market of the flows whose tariff factor is not 1, then (`unmoved_offsets`) of the
    /// others.
    moved: Vec<u32>,
    moved_offsets: Vec<usize>,
    unmoved: Vec<u32>,
    unmoved_offsets: Vec<usize>,
}

/// What the totals of a run read of one flow (the fields of [`FlowEffect`] of the same
/// names, bit for bit).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FlowResult {
    /// Creation, diversion and price effect.
    pub total_effect: f64,
    /// Tariff revenue after the policy.
    pub revenue_after: f64,
    /// Consumer surplus change.
    pub consumer_surplus: f64,
}

/// Working space of [`PreparedSmart::results`], reused from market to market.
#[derive(Debug, Clone, Default)]
pub struct MarketScratch {
    effects: Vec<FlowEffect>,
    weights: Vec<f64>,
    results: Vec<FlowResult>,
    lanes: LaneResults,
}

impl PreparedSmart {
    /// Prepares the markets for runs with the given options.
    pub fn new(markets: &[ProductMarket], options: SmartOptions) -> Self {
        let n: usize = markets.iter().map(|m| m.flows.len()).sum();
        let mut p = PreparedSmart {
            options,
            offsets: Vec::with_capacity(markets.len() + 1),
            totals: Vec::with_capacity(markets.len()),
            flows: Vec::with_capacity(n),
            shock: Vec::with_capacity(n),
            share: Vec::with_capacity(n),
            ln_share: Vec::with_capacity(n),
            ln_tariff_factor: Vec::with_capacity(n),
            price_rise: Vec::with_capacity(n),
            fixed: Vec::with_capacity(markets.len()),
            fixed_results: vec![FlowResult::default(); n],
            all_traded: Vec::with_capacity(markets.len()),
            max_unmoved: Vec::with_capacity(markets.len()),
            unmoved_weight: vec![0.0; n],
            moved: Vec::new(),
            moved_offsets: vec![0],
            unmoved: Vec::new(),
            unmoved_offsets: vec![0],
        };
        p.offsets.push(0);
        for m in markets {
            // The same expression as the CES reallocation of `simulate_into`: same sum.
            let total: f64 = m.flows.iter().map(|f| f.base_value).sum();
            for f in &m.flows {
                let share = f.base_value / total;
                let has_share = f.base_value > 0.0 && total > 0.0;
                p.flows.push(*f);
                p.shock.push(tariff_shock(f.tariff_before, f.tariff_after));
                p.share.push(if has_share { share } else { 0.0 });
                p.ln_share.push(if has_share { share.ln() } else { 0.0 });
                p.ln_tariff_factor
                    .push(((1.0 + f.tariff_after) / (1.0 + f.tariff_before)).ln());
                // `finish_flow`'s expression with a world price change of exactly 0.
                p.price_rise
                    .push((1.0 + f.tariff_after) * (1.0 + 0.0) - (1.0 + f.tariff_before));
            }
            p.totals.push(total);
            p.offsets.push(p.flows.len());
            p.all_traded
                .push(!m.flows.is_empty() && m.flows.iter().all(|f| f.base_value > 0.0));
        }
        for m in 0..p.totals.len() {
            let range = p.offsets[m]..p.offsets[m + 1];
            let mut max = f64::NEG_INFINITY;
            for (j, i) in range.clone().enumerate() {
                if p.ln_tariff_factor[i] == 0.0 {
                    p.unmoved.push(j as u32);
                    max = max.max(p.ln_share[i]);
                } else {
                    p.moved.push(j as u32);
                }
            }
            for i in range {
                if p.ln_tariff_factor[i] == 0.0 {
                    p.unmoved_weight[i] = super::exp::exp(p.ln_share[i] - max);
                }
            }
            p.max_unmoved.push(max);
            p.moved_offsets.push(p.moved.len());
            p.unmoved_offsets.push(p.unmoved.len());
        }
        // A market where no tariff moves has no creation (ε·M·0 = ±0, which no sum keeps),
        // log weights equal to its log shares (σ·0 = 0) and no price rise: its results are
        // those of any elasticities. Computed once here, then only summed by each draw.
        let mut scratch = MarketScratch::default();
        for (m, market) in markets.iter().enumerate() {
            let range = p.offsets[m]..p.offsets[m + 1];
            let fixed = p.shock[range.clone()].iter().all(|&x| x == 0.0)
                && p.ln_tariff_factor[range.clone()].iter().all(|&x| x == 0.0);
            if fixed {
                let e = Elasticities {
                    export_supply: SupplyElasticity::Infinite,
                    ..market.elasticities
                };
                // With infinite supply no price can leave its range: there is no error.
                if p.general_into(m, &e, &mut scratch).is_ok() {
                    p.fixed_results[range].copy_from_slice(&scratch.results);
                }
            }
            p.fixed.push(fixed);
        }
        p
    }

    /// Whether [`Self::lean_into`] gives the results of this run: CES-share diversion
    /// with infinite export supply (the world price does not move).
    fn lean(&self, e: &Elasticities) -> bool {
        self.options.diversion == DiversionMethod::CesShare
            && e.export_supply == SupplyElasticity::Infinite
    }

    /// The results of market `m` with elasticities `e`, one per flow of
    /// [`Self::flows`]`(m)`: the fields of [`Self::simulate_market_into`]'s effects, bit
    /// for bit. With `only`, just the flows of that exporter need be right (the others may
    /// be zero). With CES-share diversion and infinite supply a run takes one exponential
    /// per flow and builds no [`FlowEffect`]; a market where no tariff moves is not
    /// computed again at all.
    pub fn results<'s>(
        &'s self,
        m: usize,
        e: &Elasticities,
        only: Option<usize>,
        scratch: &'s mut MarketScratch,
    ) -> Result<&'s [FlowResult], SmartError> {
        if self.lean(e) && self.fixed[m] {
            return Ok(&self.fixed_results[self.offsets[m]..self.offsets[m + 1]]);
        }
        if self.lean(e) && self.all_traded[m] {
            self.lean_into(m, e, only, scratch);
        } else {
            self.general_into(m, e, scratch)?;
        }
        Ok(&scratch.results)
    }

    /// The results of [`Self::simulate_market_into`], into `scratch.results`.
    fn general_into(
        &self,
        m: usize,
        e: &Elasticities,
        scratch: &mut MarketScratch,
    ) -> Result<(), SmartError> {
        self.simulate_market_into(m, e, &mut scratch.effects)?;
        scratch.results.clear();
        scratch
            .results
            .extend(scratch.effects.iter().map(|f| FlowResult {
                total_effect: f.total_effect,
                revenue_after: f.revenue_after,
                consumer_surplus: f.consumer_surplus,
            }));
        Ok(())
    }

    /// [`Self::simulate_market_into`] for CES-share diversion with infinite supply in a
    /// market where every flow trades, keeping only the [`FlowResult`] fields (with `only`,
    /// of that exporter's flows): the same operations on the same numbers
    /// (`creation_with_shock`, `start_flow`, `ces_reallocate` and `finish_flow` with a
    /// world price change of 0), so the same bits. Writes `scratch.results`.
    fn lean_into(
        &self,
        m: usize,
        e: &Elasticities,
        only: Option<usize>,
        scratch: &mut MarketScratch,
    ) {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            // SAFETY: the processor has AVX2 and FMA.
            unsafe { self.lean_avx2(m, e, only, scratch) };
            return;
        }
        self.lean_body(m, e, only, scratch);
    }

    /// [`Self::lean_into`] compiled for AVX2 and FMA: the exponential inline, the loops over
    /// flows in wider registers (Rust never fuses a multiply and an add on its own, so the
    /// arithmetic is the same).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn lean_avx2(
        &self,
        m: usize,
        e: &Elasticities,
        only: Option<usize>,
        scratch: &mut MarketScratch,
    ) {
        self.lean_body(m, e, only, scratch);
    }

    #[inline(always)]
    fn lean_body(
        &self,
        m: usize,
        e: &Elasticities,
        only: Option<usize>,
        scratch: &mut MarketScratch,
    ) {
        let (start, end) = (self.offsets[m], self.offsets[m + 1]);
        let total = self.totals[m];
        let (eps, sigma) = (e.import_demand, e.substitution);
        let flows = &self.flows[start..end];
        let wanted = |f: &TradeFlow| only.is_none_or(|x| f.exporter == x);
        // CES weights (`ces_reallocate`): the log weights, their maximum (in four lanes: a
        // maximum of finite numbers does not depend on the order), the weights and their
        // sum in flow order, then the share's change times the market's trade, which is
        // the diversion.
        let weights = &mut scratch.weights;
        weights.clear();
        weights.extend(
            self.ln_share[start..end]
                .iter()
                .zip(&self.ln_tariff_factor[start..end])
                .map(|(&s, &t)| s - sigma * t),
        );
        let max = max_of(weights);
        let mut denom = 0.0;
        if max <= self.max_unmoved[m] {
            // The largest log weight is an unmoved flow's log share (`max` equals
            // `max_unmoved`): the unmoved flows' weights are the ones computed once.
            let unmoved_weight = &self.unmoved_weight[start..end];
            for &j in &self.moved[self.moved_offsets[m]..self.moved_offsets[m + 1]] {
                let w = &mut weights[j as usize];
                *w = exp_inline(*w - max);
            }
            for &j in &self.unmoved[self.unmoved_offsets[m]..self.unmoved_offsets[m + 1]] {
                weights[j as usize] = unmoved_weight[j as usize];
            }
            for w in weights.iter() {
                denom += *w;
            }
        } else {
            for w in weights.iter_mut() {
                *w = exp_inline(*w - max);
                denom += *w;
            }
        }
        let results = &mut scratch.results;
        results.clear();
        results.resize(flows.len(), FlowResult::default());
        let share = &self.share[start..end];
        let shock = &self.shock[start..end];
        let price_rise = &self.price_rise[start..end];
        for (j, f) in flows.iter().enumerate() {
            if !wanted(f) {
                continue;
            }
            let base = f.base_value;
            let mut td = (weights[j] / denom - share[j]) * total;
            // Creation, floored so that imports stay at or above zero (`start_flow`).
            let unfloored = eps * base * shock[j];
            let tc = if base + unfloored < 0.0 {
                -base
            } else {
                unfloored
            };
            // `finish_flow` with a world price change of 0.
            if base + tc + td < 0.0 {
                td = -(base + tc);
            }
            let quantity = base + tc + td;
            let price_effect = 0.0 * quantity;
            let total_effect = tc + td + price_effect;
            let new_value = base + total_effect;
            let rise = price_rise[j];
            let consumer_surplus = if rise > 0.0 && base + unfloored < 0.0 {
                let choke_rise = rise * base / -unfloored;
                -0.5 * base * choke_rise.min(rise)
            } else {
                -rise * (base + 0.5 * tc)
            };
            results[j] = FlowResult {
                total_effect,
                revenue_after: f.tariff_after * new_value,
                consumer_surplus,
            };
        }
    }

    /// Number of markets.
    pub fn markets(&self) -> usize {
        self.totals.len()
    }

    /// The flows of market `m`, in the order of its effects.
    pub fn flows(&self, m: usize) -> &[TradeFlow] {
        &self.flows[self.offsets[m]..self.offsets[m + 1]]
    }

    /// Simulates market `m` with elasticities `e`, writing one [`FlowEffect`] per flow to
    /// `out` (cleared first; allocation-free once it has the capacity): the effects of
    /// `simulate_into` on the same flows and elasticities, bit for bit.
    pub fn simulate_market_into(
        &self,
        m: usize,
        e: &Elasticities,
        out: &mut Vec<FlowEffect>,
    ) -> Result<(), SmartError> {
        out.clear();
        let start = self.offsets[m];
        let end = self.offsets[m + 1];
        for i in start..end {
            let flow = &self.flows[i];
            let (price, tc) = if flow.base_value > 0.0 {
                creation_with_shock(
                    flow.base_value,
                    self.shock[i],
                    e.import_demand,
                    e.export_supply,
                )
            } else {
                (0.0, 0.0)
            };
            out.push(start_flow(flow, price, tc)?);
        }
        match self.options.diversion {
            DiversionMethod::CesShare => {
                let ln_share = &self.ln_share[start..end];
                let ln_tariff_factor = &self.ln_tariff_factor[start..end];
                let share = &self.share[start..end];
                ces_reallocate(
                    out,
                    self.totals[m],
                    e.substitution,
                    |j, f| {
                        // With an unmoved world price the price factor is the tariff factor
                        // times exactly 1, so its logarithm is the one stored.
                        let ln_price = if f.world_price_change == 0.0 {
                            ln_tariff_factor[j]
                        } else {
                            price_factor(f).ln()
                        };
                        (ln_share[j], ln_price)
                    },
                    |j, _| share[j],
                );
            }
            DiversionMethod::LairdYeats => laird_yeats_diversion(out, e.substitution),
        }
        for (f, &shock) in out.iter_mut().zip(&self.shock[start..end]) {
            // As in `simulate_into`: only a floored flow lost part of its creation.
            let unfloored = if f.floored {
                creation_with_shock(f.base_value, shock, e.import_demand, e.export_supply).1
            } else {
                f.trade_creation
            };
            finish_flow(f, unfloored);
        }
        Ok(())
    }
}

/// The largest of finite numbers (`NEG_INFINITY` for none), in four independent lanes.
/// Which of `0.0` and `-0.0` it returns for a zero maximum may differ from `f64::max`;
/// the weights `exp(x − max)` do not.
fn max_of(values: &[f64]) -> f64 {
    let mut lanes = [f64::NEG_INFINITY; 4];
    let mut chunks = values.chunks_exact(4);
    for c in &mut chunks {
        for (lane, &x) in lanes.iter_mut().zip(c) {
            if x > *lane {
                *lane = x;
            }
        }
    }
    let mut max = lanes[0];
    for &x in lanes[1..].iter().chain(chunks.remainder()) {
        if x > max {
            max = x;
        }
    }
    max
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::smart::simulate_into;

    use crate::model::test_stream as stream;

    /// Random markets with zero flows, a market without trade, cuts and increases up to
    /// +500 points (large enough to floor flows at zero), random tariffs; `supply` decides
    /// the supply elasticity of each market from a uniform number.
    fn random_markets(seed: u64, n: usize) -> Vec<ProductMarket> {
        let mut next = stream(seed);
        (0..n)
            .map(|i| {
                let k = 1 + (next() * 8.0) as usize;
                let flows = (0..k)
                    .map(|x| {
                        let t0 = if next() < 0.2 { 0.0 } else { 0.5 * next() };
                        let u = next();
                        // Every eleventh market keeps its tariffs: no tariff moves there.
                        let t1 = if u < 0.1 || i % 11 == 5 {
                            t0
                        } else if u < 0.5 {
                            (t0 - 0.4 * next()).max(0.0)
                        } else if u < 0.8 {
                            t0 + 0.5 * next()
                        } else {
                            t0 + 5.0 * next()
                        };
                        TradeFlow {
                            exporter: x,
                            base_value: if i % 17 == 0 || next() < 0.15 {
                                0.0
                            } else {
                                1e6 * next() * next()
                            },
                            tariff_before: t0,
                            tariff_after: t1,
                        }
                    })
                    .collect();
                ProductMarket {
                    product: i,
                    flows,
                    elasticities: Elasticities {
                        import_demand: -0.1 - 4.0 * next(),
                        substitution: 0.1 + 10.0 * next(),
                        export_supply: SupplyElasticity::Infinite,
                    },
                }
            })
            .collect()
    }

    fn same_bits(a: &FlowEffect, b: &FlowEffect) -> bool {
        let fields = |f: &FlowEffect| {
            [
                f.base_value,
                f.tariff_before,
                f.tariff_after,
                f.world_price_change,
                f.trade_creation,
                f.trade_diversion,
                f.price_effect,
                f.total_effect,
                f.new_value,
                f.revenue_before,
                f.revenue_after,
                f.consumer_surplus,
                f.welfare_triangle,
            ]
            .map(f64::to_bits)
        };
        a.exporter == b.exporter && a.floored == b.floored && fields(a) == fields(b)
    }

    #[test]
    fn prepared_runs_equal_simulate_into_bit_for_bit() {
        let markets = random_markets(0x9e37_79b9_7f4a_7c15, 400);
        let mut next = stream(42);
        let (mut floored, mut choked, mut errors, mut finite, mut compared) = (0, 0, 0, 0, 0);
        let (mut fixed_compared, mut lean_compared, mut traded_compared) = (0, 0, 0);
        for diversion in [DiversionMethod::CesShare, DiversionMethod::LairdYeats] {
            let options = SmartOptions { diversion };
            let prepared = PreparedSmart::new(&markets, options);
            assert_eq!(prepared.markets(), markets.len());
            let (mut fast, mut general) = (Vec::new(), Vec::new());
            let mut scratch = MarketScratch::default();
            for draw in 0..6 {
                for (m, market) in markets.iter().enumerate() {
                    assert_eq!(prepared.flows(m), market.flows.as_slice());
                    // Draw-specific elasticities: factors on ε and σ, supply of every kind.
                    let mut e = market.elasticities;
                    e.import_demand *= 0.3 + 1.7 * next();
                    e.substitution *= 0.3 + 1.7 * next();
                    e.export_supply = match draw % 3 {
                        0 => SupplyElasticity::Infinite,
                        1 => SupplyElasticity::Finite(0.5 + 20.0 * next()),
                        _ => SupplyElasticity::Finite(0.01 + 0.2 * next()),
                    };
                    let a = prepared.simulate_market_into(m, &e, &mut fast);
                    let b = simulate_into(&market.flows, &e, &options, &mut general);
                    assert_eq!(a, b, "market {m}, draw {draw}");
                    // The results a draw's totals read: every flow's, then one exporter's.
                    let lean = prepared
                        .results(m, &e, None, &mut scratch)
                        .map(<[_]>::to_vec);
                    assert_eq!(lean.is_err(), b.is_err(), "market {m}, draw {draw}");
                    if b.is_err() {
                        errors += 1;
                        continue;
                    }
                    let result_bits = |r: &FlowResult| {
                        [r.total_effect, r.revenue_after, r.consumer_surplus].map(f64::to_bits)
                    };
                    let effect_bits = |f: &FlowEffect| {
                        [f.total_effect, f.revenue_after, f.consumer_surplus].map(f64::to_bits)
                    };
                    let lean = lean.expect("no error");
                    assert_eq!(lean.len(), general.len());
                    for (x, y) in lean.iter().zip(&general) {
                        assert_eq!(result_bits(x), effect_bits(y), "market {m}, draw {draw}");
                    }
                    fixed_compared += usize::from(prepared.fixed[m] && prepared.lean(&e));
                    lean_compared += usize::from(prepared.lean(&e));
                    traded_compared += usize::from(prepared.lean(&e) && prepared.all_traded[m]);
                    if let Some(first) = market.flows.first() {
                        let one = prepared
                            .results(m, &e, Some(first.exporter), &mut scratch)
                            .expect("no error");
                        for (x, (y, f)) in one.iter().zip(general.iter().zip(&market.flows)) {
                            if f.exporter == first.exporter {
                                assert_eq!(result_bits(x), effect_bits(y), "market {m} (one)");
                            }
                        }
                    }
                    compared += 1;
                    finite += usize::from(draw % 3 != 0);
                    assert_eq!(fast.len(), general.len());
                    for (x, y) in fast.iter().zip(&general) {
                        assert!(
                            same_bits(x, y),
                            "{diversion:?}, market {m}, draw {draw}:\n{x:?}\n{y:?}"
                        );
                        floored += usize::from(y.floored);
                        let price_rise = (1.0 + y.tariff_after) * (1.0 + y.world_price_change)
                            - (1.0 + y.tariff_before);
                        choked += usize::from(
                            y.floored
                                && price_rise > 0.0
                                && y.consumer_surplus
                                    > -price_rise * (y.base_value + 0.5 * y.trade_creation) + 1e-9,
                        );
                    }
                }
            }
        }
        // The cases the comparison must have met, so that it proves something.
        assert!(floored > 100, "floored flows: {floored}");
        assert!(choked > 10, "choke cases: {choked}");
        assert!(errors > 0, "price-out-of-range errors: {errors}");
        assert!(finite > 1000, "finite-supply runs: {finite}");
        assert!(compared > 3000, "runs compared: {compared}");
        assert!(lean_compared > 500, "CES, infinite supply: {lean_compared}");
        assert!(
            traded_compared > 100 && traded_compared < lean_compared - 100,
            "every flow traded: {traded_compared} of {lean_compared}"
        );
        assert!(
            fixed_compared > 50,
            "markets where no tariff moves: {fixed_compared}"
        );
    }

    /// Four draws side by side give, lane by lane, the results of one draw at a time: every
    /// flow's and one exporter's, with lanes that take the cached weights of the unmoved
    /// flows and lanes that do not in the same group.
    #[test]
    fn four_lanes_equal_one_draw_at_a_time() {
        let markets = random_markets(0x51_7cc1_b727_220a, 400);
        let prepared = PreparedSmart::new(
            &markets,
            SmartOptions {
                diversion: DiversionMethod::CesShare,
            },
        );
        let mut next = stream(99);
        let (mut scratch, mut one) = (MarketScratch::default(), MarketScratch::default());
        let (mut lanes_run, mut mixed) = (0, 0);
        let bits = |r: &FlowResult| {
            [r.total_effect, r.revenue_after, r.consumer_surplus].map(f64::to_bits)
        };
        for _ in 0..8 {
            for (m, market) in markets.iter().enumerate() {
                let e: [Elasticities; LANES] = std::array::from_fn(|_| {
                    let mut e = market.elasticities;
                    // From nearly no substitution (the unmoved flows' log share stays the
                    // largest) to strong substitution (a moved flow's weight overtakes it).
                    e.import_demand *= 0.3 + 1.7 * next();
                    e.substitution *= if next() < 0.5 {
                        1e-3 * next()
                    } else {
                        3.0 * next()
                    };
                    e
                });
                let first = market.flows.first().map(|f| f.exporter);
                for only in [None, first] {
                    let Some(r) = prepared
                        .results_lanes(m, std::array::from_fn(|l| &e[l]), only, &mut scratch)
                        .cloned()
                    else {
                        continue;
                    };
                    lanes_run += 1;
                    let cached: Vec<bool> = e
                        .iter()
                        .map(|e| {
                            let range = prepared.offsets[m]..prepared.offsets[m + 1];
                            let max = prepared.ln_share[range.clone()]
                                .iter()
                                .zip(&prepared.ln_tariff_factor[range])
                                .map(|(s, t)| s - e.substitution * t)
                                .fold(f64::NEG_INFINITY, f64::max);
                            max <= prepared.max_unmoved[m]
                        })
                        .collect();
                    mixed += usize::from(cached.iter().any(|&c| c) && !cached.iter().all(|&c| c));
                    for (l, e) in e.iter().enumerate() {
                        let expected = prepared.results(m, e, only, &mut one).expect("in range");
                        for (j, (x, f)) in expected.iter().zip(prepared.flows(m)).enumerate() {
                            if only.is_some_and(|o| f.exporter != o) {
                                continue;
                            }
                            let lane = FlowResult {
                                total_effect: r.total_effect[j][l],
                                revenue_after: r.revenue_after[j][l],
                                consumer_surplus: r.consumer_surplus[j][l],
                            };
                            assert_eq!(bits(&lane), bits(x), "market {m}, lane {l}, flow {j}");
                        }
                    }
                }
            }
        }
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            assert!(lanes_run > 1000, "markets run in lanes: {lanes_run}");
            assert!(
                mixed > 50,
                "groups mixing cached and computed weights: {mixed}"
            );
        }
    }

    #[test]
    fn a_prepared_run_matches_the_closed_form() {
        // CES share, closed form: s1 = s0·π^−σ / Σ s0·π^−σ, total 500 held fixed.
        let market = ProductMarket {
            product: 0,
            flows: [100.0, 300.0, 100.0]
                .iter()
                .zip([0.15, 0.0, 0.15])
                .enumerate()
                .map(|(i, (&v, t1))| TradeFlow {
                    exporter: i,
                    base_value: v,
                    tariff_before: 0.15,
                    tariff_after: t1,
                })
                .collect(),
            elasticities: Elasticities {
                import_demand: -1.5,
                substitution: 1.5,
                export_supply: SupplyElasticity::Infinite,
            },
        };
        let prepared = PreparedSmart::new(
            std::slice::from_ref(&market),
            SmartOptions {
                diversion: DiversionMethod::CesShare,
            },
        );
        let mut out = Vec::new();
        prepared
            .simulate_market_into(0, &market.elasticities, &mut out)
            .unwrap();
        // Exporter 1 has its tariff cut to zero: π = 1/1.15.
        let w = 0.6 * 1.15f64.powf(1.5);
        let td = (w / (w + 0.4) - 0.6) * 500.0;
        assert!((out[1].trade_diversion - td).abs() < 1e-9);
        assert!((out[1].trade_creation - 1.5 * 300.0 * 0.15 / 1.15).abs() < 1e-9);
        let sum: f64 = out.iter().map(|f| f.trade_diversion).sum();
        assert!(sum.abs() < 1e-9);
    }
}
