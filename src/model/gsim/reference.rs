//! The levels system as first written: each quantity computed from its formula where it
//! is needed. Kept for tests only, as the reference that [`super::levels::LevelsSystem`]
//! (which computes each quantity once per point) must equal bit for bit.

use super::{COBB_DOUGLAS_EPS, Calibration, log_sum_exp};
use crate::solve::NonlinearSystem;
use nalgebra::{DMatrix, DVector};

/// Levels form (§2.6) as a [`NonlinearSystem`] in `z_r = ln P*_r` of the
/// free exporters:
/// `F_r(z) = ln Σ_v φ[r][v]·m̂[r][v] − E_x[r]·z_r`.
///
/// All sums over exponentials are done in log space (log-sum-exp), so large
/// elasticities or shocks do not overflow.
pub(super) struct ReferenceSystem<'c, 'a> {
    cal: &'c Calibration<'a>,
    /// The price indices and log supply–demand sums at the point evaluated last: Newton
    /// asks for the Jacobian at the point whose residual it has just computed, and the
    /// solution's trade at the last point again, so each is computed once per point.
    last: std::cell::RefCell<Option<LevelsPoint>>,
}

/// What [`ReferenceSystem`] computes at one point `x` (compared bit for bit).
struct LevelsPoint {
    x: Vec<f64>,
    /// `ln P̂_v` of every importer.
    log_index: Vec<f64>,
    /// `ln Σ_v φ[r][v]·m̂[r][v]` of every free exporter, in `active` order.
    log_total: Vec<f64>,
}

impl<'c, 'a> ReferenceSystem<'c, 'a> {
    pub(super) fn new(cal: &'c Calibration<'a>) -> Self {
        ReferenceSystem {
            cal,
            last: std::cell::RefCell::new(None),
        }
    }

    fn z(&self, x: &DVector<f64>, r: usize) -> f64 {
        self.cal.slot[r].map_or(0.0, |i| x[i])
    }

    /// `ln p̂[r][v]`: log change of the internal price of r's variety in v.
    fn log_price(&self, x: &DVector<f64>, r: usize, v: usize) -> f64 {
        self.cal.log_shock[(r, v)] + self.z(x, r)
    }

    /// `ln P̂_v`: log change of importer v's CES price index.
    fn log_index(&self, x: &DVector<f64>, v: usize) -> f64 {
        let cal = self.cal;
        if cal.expenditure[v] <= 0.0 {
            return 0.0;
        }
        let delta = 1.0 - cal.e_s(v);
        let shares = (0..cal.n).filter(|&r| cal.theta[(r, v)] > 0.0);
        if delta.abs() <= COBB_DOUGLAS_EPS {
            return shares
                .map(|r| cal.theta[(r, v)] * self.log_price(x, r, v))
                .sum();
        }
        let largest = shares
            .clone()
            .map(|r| (delta * self.log_price(x, r, v)).abs())
            .fold(0.0, f64::max);
        if largest <= 0.5 {
            // ln Σθe^a = ln(1 + Σθ(e^a − 1)) when Σθ = 1: accurate as E_s → 1.
            let s: f64 = shares
                .map(|r| cal.theta[(r, v)] * (delta * self.log_price(x, r, v)).exp_m1())
                .sum();
            s.ln_1p() / delta
        } else {
            let terms = shares.map(|r| (cal.theta[(r, v)], delta * self.log_price(x, r, v)));
            let theta_sum: f64 = (0..cal.n).map(|r| cal.theta[(r, v)]).sum();
            (log_sum_exp(terms) - theta_sum.ln()) / delta
        }
    }

    /// `ln m̂[r][v]`: log quantity ratio, given `ln P̂_v`.
    pub(super) fn log_quantity(&self, x: &DVector<f64>, r: usize, v: usize, log_index: f64) -> f64 {
        -self.cal.e_s(v) * (self.log_price(x, r, v) - log_index) + self.cal.e_m(v) * log_index
    }

    /// `ln Σ_v φ[r][v]·m̂[r][v]`.
    ///
    /// Near base prices this is `ln(1 + Σ φ·(m̂ − 1))` (the shares sum to 1),
    /// whose rounding is relative to the change rather than to 1: the
    /// residual then resolves price changes of any size, not just those
    /// above ≈ 1e-16/E.
    fn log_supply_demand(&self, x: &DVector<f64>, r: usize, log_index: &[f64]) -> f64 {
        let cal = self.cal;
        let terms = (0..cal.n)
            .filter(|&v| cal.phi[(r, v)] > 0.0)
            .map(|v| (cal.phi[(r, v)], self.log_quantity(x, r, v, log_index[v])));
        let largest = terms.clone().map(|(_, a)| a.abs()).fold(0.0, f64::max);
        if largest <= 0.5 {
            terms.map(|(phi, a)| phi * a.exp_m1()).sum::<f64>().ln_1p()
        } else {
            log_sum_exp(terms)
        }
    }

    /// The price indices and supply–demand sums at `x`, computed unless `x` is the point
    /// evaluated last; `read` gets them.
    fn at<T>(&self, x: &DVector<f64>, read: impl FnOnce(&LevelsPoint) -> T) -> T {
        let mut last = self.last.borrow_mut();
        let same = last.as_ref().is_some_and(|p| {
            p.x.len() == x.len()
                && p.x
                    .iter()
                    .zip(x.iter())
                    .all(|(a, b)| a.to_bits() == b.to_bits())
        });
        if !same {
            let log_index: Vec<f64> = (0..self.cal.n).map(|v| self.log_index(x, v)).collect();
            let log_total = self
                .cal
                .active
                .iter()
                .map(|&r| self.log_supply_demand(x, r, &log_index))
                .collect();
            *last = Some(LevelsPoint {
                x: x.iter().copied().collect(),
                log_index,
                log_total,
            });
        }
        read(last.as_ref().expect("the point was just evaluated"))
    }
}

impl super::levels::LevelsEquations for ReferenceSystem<'_, '_> {
    fn log_indices(&self, x: &DVector<f64>) -> Vec<f64> {
        self.at(x, |p| p.log_index.clone())
    }

    fn log_quantity(&self, x: &DVector<f64>, r: usize, v: usize, log_index: f64) -> f64 {
        ReferenceSystem::log_quantity(self, x, r, v, log_index)
    }
}

impl NonlinearSystem for ReferenceSystem<'_, '_> {
    fn dim(&self) -> usize {
        self.cal.active.len()
    }

    fn residual(&self, x: &DVector<f64>, out: &mut DVector<f64>) {
        self.at(x, |p| {
            for (i, &r) in self.cal.active.iter().enumerate() {
                out[i] = p.log_total[i] - self.cal.supply[r] * x[i];
            }
        });
    }

    /// `∂F_r/∂z_k = Σ_v g[r][v]·((E_s+E_m)·ω[k][v] − E_s·δ_rk) − E_x·δ_rk`,
    /// where `g[r][v] = φ m̂ / Σ_v φ m̂` and `ω[k][v]` is k's new expenditure
    /// share in v (`∂ ln P̂_v / ∂z_k`).
    fn jacobian(&self, x: &DVector<f64>, out: &mut DMatrix<f64>) {
        let cal = self.cal;
        let (n, m) = (cal.n, cal.active.len());
        let (log_index, log_totals) = self.at(x, |p| (p.log_index.clone(), p.log_total.clone()));
        let omega = DMatrix::from_fn(m, n, |j, v| {
            let k = cal.active[j];
            let theta = cal.theta[(k, v)];
            let delta = 1.0 - cal.e_s(v);
            if theta <= 0.0 || delta.abs() <= COBB_DOUGLAS_EPS {
                theta
            } else {
                theta * (delta * (self.log_price(x, k, v) - log_index[v])).exp()
            }
        });
        // Row i is summed over v in a buffer (ω's column v is contiguous), in the same
        // order of additions as element by element.
        let mut row = vec![0.0; m];
        for (i, &r) in cal.active.iter().enumerate() {
            let log_total = log_totals[i];
            let mut diag = -cal.supply[r];
            row.fill(0.0);
            for (v, &index) in log_index.iter().enumerate() {
                let phi = cal.phi[(r, v)];
                if phi <= 0.0 {
                    continue;
                }
                let g = (cal.log_phi[(r, v)] + self.log_quantity(x, r, v, index) - log_total).exp();
                let cross = g * (cal.e_s(v) + cal.e_m(v));
                diag -= g * cal.e_s(v);
                // Column-major storage: column v is the v-th run of m values.
                let column = &omega.as_slice()[v * m..(v + 1) * m];
                for (sum, w) in row.iter_mut().zip(column) {
                    *sum += cross * w;
                }
            }
            for (j, sum) in row.iter().enumerate() {
                out[(i, j)] = *sum;
            }
            out[(i, i)] += diag;
        }
    }
}
