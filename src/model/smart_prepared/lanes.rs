//! Four Monte-Carlo draws of one market side by side: each lane of an AVX2 register is one
//! draw, so every draw's sums keep their flow order and each lane performs exactly the
//! operations of [`PreparedSmart::lean_into`] (the same bits), while the market's flows are
//! read once for four draws and the exponentials, divisions and floors run four at a time.

use super::{FlowResult, MarketScratch, PreparedSmart};
use crate::model::Elasticities;

/// Draws run side by side.
pub const LANES: usize = 4;

/// Per flow, one value per lane (draw): what [`super::FlowResult`] holds for one draw.
#[derive(Debug, Clone, Default)]
pub struct LaneResults {
    /// Log weights, then CES weights.
    weights: Vec<[f64; LANES]>,
    /// Creation, diversion and price effect.
    pub total_effect: Vec<[f64; LANES]>,
    /// Tariff revenue after the policy.
    pub revenue_after: Vec<[f64; LANES]>,
    /// Consumer surplus change.
    pub consumer_surplus: Vec<[f64; LANES]>,
}

impl LaneResults {
    /// Empties the lanes and sizes them for a market of `n` flows (all zero).
    pub fn reset(&mut self, n: usize) {
        for v in [
            &mut self.total_effect,
            &mut self.revenue_after,
            &mut self.consumer_surplus,
        ] {
            v.clear();
            v.resize(n, [0.0; LANES]);
        }
    }

    /// Puts one draw's results (one per flow, as [`PreparedSmart::results`] gives them) in
    /// lane `l`, for draws run one at a time and then added up like four in lanes.
    pub fn set_lane(&mut self, l: usize, results: &[FlowResult]) {
        for (j, r) in results.iter().enumerate() {
            self.total_effect[j][l] = r.total_effect;
            self.revenue_after[j][l] = r.revenue_after;
            self.consumer_surplus[j][l] = r.consumer_surplus;
        }
    }
}

impl PreparedSmart {
    /// The results of market `m` for four draws at once (lane `k` with elasticities
    /// `e[k]`), when the lean path applies to all four (CES-share diversion, infinite
    /// supply, a market where every flow trades and some tariff moves) and the processor has
    /// AVX2 and FMA; `None` otherwise (then run each draw with [`Self::results`]). Lane `k`
    /// holds the bits [`Self::results`] gives for `e[k]`; with `only`, just that exporter's
    /// flows are filled.
    pub fn results_lanes<'s>(
        &self,
        m: usize,
        e: [&Elasticities; LANES],
        only: Option<usize>,
        scratch: &'s mut MarketScratch,
    ) -> Option<&'s LaneResults> {
        if self.fixed[m] || !self.all_traded[m] || !e.iter().all(|e| self.lean(e)) {
            return None;
        }
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
            // SAFETY: the processor has AVX2 and FMA.
            unsafe { self.lanes_avx2(m, e, only, &mut scratch.lanes) };
            return Some(&scratch.lanes);
        }
        let _ = (only, scratch);
        None
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn lanes_avx2(
        &self,
        m: usize,
        e: [&Elasticities; LANES],
        only: Option<usize>,
        out: &mut LaneResults,
    ) {
        use crate::model::exp::exp4;
        use std::arch::x86_64::*;
        let (start, end) = (self.offsets[m], self.offsets[m + 1]);
        let n = end - start;
        let load = |a: &[f64; LANES]| {
            // SAFETY: four f64.
            unsafe { _mm256_loadu_pd(a.as_ptr()) }
        };
        let store = |a: &mut [f64; LANES], v: __m256d| {
            // SAFETY: four f64.
            unsafe { _mm256_storeu_pd(a.as_mut_ptr(), v) }
        };
        let sigma = _mm256_setr_pd(
            e[0].substitution,
            e[1].substitution,
            e[2].substitution,
            e[3].substitution,
        );
        let eps = _mm256_setr_pd(
            e[0].import_demand,
            e[1].import_demand,
            e[2].import_demand,
            e[3].import_demand,
        );
        // Log weights `ln s − σ·ln τ` and their largest per lane.
        out.weights.clear();
        out.weights.resize(n, [0.0; LANES]);
        let mut max = _mm256_set1_pd(f64::NEG_INFINITY);
        for (w, (&s, &t)) in out.weights.iter_mut().zip(
            self.ln_share[start..end]
                .iter()
                .zip(&self.ln_tariff_factor[start..end]),
        ) {
            let lw = _mm256_sub_pd(_mm256_set1_pd(s), _mm256_mul_pd(sigma, _mm256_set1_pd(t)));
            store(w, lw);
            max = _mm256_max_pd(max, lw);
        }
        // Weights `exp(lw − max)`. When every lane's largest log weight is the unmoved
        // flows' largest log share, the unmoved flows' weights are those computed once (the
        // same bits: their log weight is their log share and the maximum is that share's).
        let max_unmoved = _mm256_set1_pd(self.max_unmoved[m]);
        let cached = _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_LE_OQ>(max, max_unmoved)) == 0b1111;
        if cached {
            for &j in &self.moved[self.moved_offsets[m]..self.moved_offsets[m + 1]] {
                let w = &mut out.weights[j as usize];
                store(w, exp4(_mm256_sub_pd(load(w), max)));
            }
            let unmoved_weight = &self.unmoved_weight[start..end];
            for &j in &self.unmoved[self.unmoved_offsets[m]..self.unmoved_offsets[m + 1]] {
                out.weights[j as usize] = [unmoved_weight[j as usize]; LANES];
            }
        } else {
            for w in out.weights.iter_mut() {
                store(w, exp4(_mm256_sub_pd(load(w), max)));
            }
        }
        // Their sums, in flow order in every lane.
        let mut denom = _mm256_setzero_pd();
        for w in &out.weights {
            denom = _mm256_add_pd(denom, load(w));
        }
        out.reset(n);
        let total = _mm256_set1_pd(self.totals[m]);
        let zero = _mm256_setzero_pd();
        let half = _mm256_set1_pd(0.5);
        let minus_half = _mm256_set1_pd(-0.5);
        let sign = _mm256_set1_pd(-0.0);
        let flows = &self.flows[start..end];
        for (j, f) in flows.iter().enumerate() {
            if only.is_some_and(|x| f.exporter != x) {
                continue;
            }
            let i = start + j;
            let base = _mm256_set1_pd(f.base_value);
            let share = _mm256_set1_pd(self.share[i]);
            // The operations of `lean_into`, each lane one draw; the branches are selects.
            let mut td = _mm256_mul_pd(
                _mm256_sub_pd(_mm256_div_pd(load(&out.weights[j]), denom), share),
                total,
            );
            let unfloored = _mm256_mul_pd(_mm256_mul_pd(eps, base), _mm256_set1_pd(self.shock[i]));
            let base_unfloored = _mm256_add_pd(base, unfloored);
            let below = _mm256_cmp_pd::<_CMP_LT_OQ>(base_unfloored, zero);
            let minus_base = _mm256_xor_pd(base, sign);
            let tc = _mm256_blendv_pd(unfloored, minus_base, below);
            let base_tc = _mm256_add_pd(base, tc);
            let floor_td = _mm256_cmp_pd::<_CMP_LT_OQ>(_mm256_add_pd(base_tc, td), zero);
            td = _mm256_blendv_pd(td, _mm256_xor_pd(base_tc, sign), floor_td);
            let quantity = _mm256_add_pd(base_tc, td);
            let price_effect = _mm256_mul_pd(zero, quantity);
            let total_effect = _mm256_add_pd(_mm256_add_pd(tc, td), price_effect);
            let new_value = _mm256_add_pd(base, total_effect);
            let rise = _mm256_set1_pd(self.price_rise[i]);
            let choke = _mm256_and_pd(_mm256_cmp_pd::<_CMP_GT_OQ>(rise, zero), below);
            let choke_rise =
                _mm256_div_pd(_mm256_mul_pd(rise, base), _mm256_xor_pd(unfloored, sign));
            // `f64::min` of two numbers that are not NaN where the choke applies.
            let choked = _mm256_mul_pd(
                _mm256_mul_pd(minus_half, base),
                _mm256_min_pd(choke_rise, rise),
            );
            let plain = _mm256_mul_pd(
                _mm256_xor_pd(rise, sign),
                _mm256_add_pd(base, _mm256_mul_pd(half, tc)),
            );
            store(&mut out.total_effect[j], total_effect);
            store(
                &mut out.revenue_after[j],
                _mm256_mul_pd(_mm256_set1_pd(f.tariff_after), new_value),
            );
            store(
                &mut out.consumer_surplus[j],
                _mm256_blendv_pd(plain, choked, choke),
            );
        }
    }
}
