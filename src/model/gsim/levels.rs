//! The levels form (§2.6) as a [`NonlinearSystem`] in `z_r = ln P*_r` of the free
//! exporters: `F_r(z) = ln Σ_v φ[r][v]·m̂[r][v] − E_x[r]·z_r`.
//!
//! All sums over exponentials are done in log space (log-sum-exp), so large elasticities or
//! shocks do not overflow.
//!
//! Speed without changing a bit: the flows that carry trade are listed once per market
//! (by importer for the price indices, by exporter for the supply–demand sums), each
//! quantity is computed once per point and kept for the Jacobian, and no buffer is
//! allocated per evaluation. Every sum is taken over the same terms, in the same order and
//! from the same start as the formulas written out term by term (`reference.rs`, which the
//! tests compare with this bit for bit).

use super::{COBB_DOUGLAS_EPS, Calibration, log_sum_exp};
use crate::solve::NonlinearSystem;
use nalgebra::{DMatrix, DVector};
use std::cell::RefCell;

/// What the levels solve reads from a system beyond residual and Jacobian.
pub(super) trait LevelsEquations: NonlinearSystem {
    /// `ln P̂_v` of every importer at `x`.
    fn log_indices(&self, x: &DVector<f64>) -> Vec<f64>;
    /// `ln m̂[r][v]` at `x`, given `ln P̂_v`.
    fn log_quantity(&self, x: &DVector<f64>, r: usize, v: usize, log_index: f64) -> f64;
}

/// One trade flow in a list: the other region and the flow's constants.
#[derive(Clone, Copy)]
struct Flow {
    /// The exporter (in an importer's list) or the importer (in an exporter's list).
    region: usize,
    /// `θ[r][v]` (importer's list) or `φ[r][v]` (exporter's list); positive.
    share: f64,
    /// `ln φ[r][v]` (exporter's list only).
    log_share: f64,
    /// `ln(T1/T0)` of the flow.
    log_shock: f64,
}

/// The levels system of one market.
pub(super) struct LevelsSystem<'c, 'a> {
    cal: &'c Calibration<'a>,
    /// Per importer: `1 − E_s`, `E_s`, `E_m` and `E_s + E_m`.
    delta: Vec<f64>,
    e_s: Vec<f64>,
    e_m: Vec<f64>,
    cross: Vec<f64>,
    /// `Σ_r θ[r][v]` over every exporter (zeros included, as the formula sums them).
    theta_sum: Vec<f64>,
    /// Flows into each importer with `θ > 0`, by exporter: `buyers[v]` indexes `into`.
    into: Vec<Flow>,
    buyers: Vec<std::ops::Range<usize>>,
    /// Flows out of each free exporter with `φ > 0`, by importer: `sellers[i]` indexes `out_of`.
    out_of: Vec<Flow>,
    sellers: Vec<std::ops::Range<usize>>,
    /// The quantities at the point evaluated last (Newton asks for the Jacobian at the point
    /// whose residual it has just computed), and the Jacobian's scratch space.
    last: RefCell<Point>,
}

/// What [`LevelsSystem`] computes at one point `x` (compared bit for bit).
struct Point {
    valid: bool,
    x: Vec<f64>,
    /// `z_r` of every exporter (0 for those whose price is fixed).
    z: Vec<f64>,
    /// `ln P̂_v` of every importer.
    log_index: Vec<f64>,
    /// `ln m̂[r][v]` of each flow of `out_of`.
    log_quantity: Vec<f64>,
    /// `ln Σ_v φ[r][v]·m̂[r][v]` of every free exporter, in `active` order.
    log_total: Vec<f64>,
    /// Scratch: the exponents of one importer's price index.
    exponents: Vec<f64>,
    /// Scratch for the Jacobian: `ω` (free exporters × importers, column-major) and one
    /// row's `(importer, g·(E_s+E_m))` terms.
    omega: Vec<f64>,
    terms: Vec<(usize, f64)>,
}

impl<'c, 'a> LevelsSystem<'c, 'a> {
    pub(super) fn new(cal: &'c Calibration<'a>) -> Self {
        let n = cal.n;
        let market = cal.market;
        let e_s = market.substitution_elasticity.clone();
        let e_m = market.demand_elasticity.clone();
        let delta = e_s.iter().map(|e| 1.0 - e).collect();
        let cross = e_s.iter().zip(&e_m).map(|(s, m)| s + m).collect();
        let theta_sum = (0..n)
            .map(|v| (0..n).map(|r| cal.theta[(r, v)]).sum())
            .collect();
        let mut into = Vec::new();
        let mut buyers = Vec::with_capacity(n);
        for v in 0..n {
            let start = into.len();
            if cal.expenditure[v] > 0.0 {
                for r in 0..n {
                    let theta = cal.theta[(r, v)];
                    if theta > 0.0 {
                        into.push(Flow {
                            region: r,
                            share: theta,
                            log_share: 0.0,
                            log_shock: cal.log_shock[(r, v)],
                        });
                    }
                }
            }
            buyers.push(start..into.len());
        }
        let mut out_of = Vec::new();
        let mut sellers = Vec::with_capacity(cal.active.len());
        for &r in &cal.active {
            let start = out_of.len();
            for v in 0..n {
                let phi = cal.phi[(r, v)];
                if phi > 0.0 {
                    out_of.push(Flow {
                        region: v,
                        share: phi,
                        log_share: cal.log_phi[(r, v)],
                        log_shock: cal.log_shock[(r, v)],
                    });
                }
            }
            sellers.push(start..out_of.len());
        }
        let m = cal.active.len();
        let last = RefCell::new(Point {
            valid: false,
            x: vec![0.0; m],
            z: vec![0.0; n],
            log_index: vec![0.0; n],
            log_quantity: vec![0.0; out_of.len()],
            log_total: vec![0.0; m],
            exponents: Vec::with_capacity(n),
            omega: vec![0.0; m * n],
            terms: Vec::with_capacity(n),
        });
        LevelsSystem {
            cal,
            delta,
            e_s,
            e_m,
            cross,
            theta_sum,
            into,
            buyers,
            out_of,
            sellers,
            last,
        }
    }

    /// Fills `p` with the quantities at `x` unless they are already those of `x`.
    fn evaluate(&self, x: &DVector<f64>, p: &mut Point) {
        let same = p.valid
            && p.x.len() == x.len()
            && p.x
                .iter()
                .zip(x.iter())
                .all(|(a, b)| a.to_bits() == b.to_bits());
        if same {
            return;
        }
        let cal = self.cal;
        p.x.clear();
        p.x.extend(x.iter());
        for (r, z) in p.z.iter_mut().enumerate() {
            *z = cal.slot[r].map_or(0.0, |i| x[i]);
        }
        for v in 0..cal.n {
            p.log_index[v] = self.log_index(v, &p.z, &mut p.exponents);
        }
        for (i, range) in self.sellers.iter().enumerate() {
            let r = cal.active[i];
            let flows = &self.out_of[range.clone()];
            let quantities = &mut p.log_quantity[range.clone()];
            for (q, f) in quantities.iter_mut().zip(flows) {
                let v = f.region;
                let index = p.log_index[v];
                *q = -self.e_s[v] * ((f.log_shock + p.z[r]) - index) + self.e_m[v] * index;
            }
            let largest = quantities.iter().map(|a| a.abs()).fold(0.0, f64::max);
            p.log_total[i] = if largest <= 0.5 {
                flows
                    .iter()
                    .zip(quantities.iter())
                    .map(|(f, a)| f.share * a.exp_m1())
                    .sum::<f64>()
                    .ln_1p()
            } else {
                log_sum_exp(
                    flows
                        .iter()
                        .zip(quantities.iter())
                        .map(|(f, a)| (f.share, *a)),
                )
            };
        }
        p.valid = true;
    }

    /// `ln P̂_v`: log change of importer v's CES price index; `exponents` is scratch.
    fn log_index(&self, v: usize, z: &[f64], exponents: &mut Vec<f64>) -> f64 {
        if self.cal.expenditure[v] <= 0.0 {
            return 0.0;
        }
        let delta = self.delta[v];
        let flows = &self.into[self.buyers[v].clone()];
        if delta.abs() <= COBB_DOUGLAS_EPS {
            return flows
                .iter()
                .map(|f| f.share * (f.log_shock + z[f.region]))
                .sum();
        }
        exponents.clear();
        exponents.extend(flows.iter().map(|f| delta * (f.log_shock + z[f.region])));
        let largest = exponents.iter().map(|a| a.abs()).fold(0.0, f64::max);
        if largest <= 0.5 {
            // ln Σθe^a = ln(1 + Σθ(e^a − 1)) when Σθ = 1: accurate as E_s → 1.
            let s: f64 = flows
                .iter()
                .zip(exponents.iter())
                .map(|(f, a)| f.share * a.exp_m1())
                .sum();
            s.ln_1p() / delta
        } else {
            let terms = flows
                .iter()
                .zip(exponents.iter())
                .map(|(f, a)| (f.share, *a));
            (log_sum_exp(terms) - self.theta_sum[v].ln()) / delta
        }
    }
}

/// Columns of the Jacobian summed at once, in registers.
const BLOCK: usize = 8;

impl NonlinearSystem for LevelsSystem<'_, '_> {
    fn dim(&self) -> usize {
        self.cal.active.len()
    }

    fn residual(&self, x: &DVector<f64>, out: &mut DVector<f64>) {
        let p = &mut *self.last.borrow_mut();
        self.evaluate(x, p);
        for (i, &r) in self.cal.active.iter().enumerate() {
            out[i] = p.log_total[i] - self.cal.supply[r] * x[i];
        }
    }

    /// `∂F_r/∂z_k = Σ_v g[r][v]·((E_s+E_m)·ω[k][v] − E_s·δ_rk) − E_x·δ_rk`,
    /// where `g[r][v] = φ m̂ / Σ_v φ m̂` and `ω[k][v]` is k's new expenditure
    /// share in v (`∂ ln P̂_v / ∂z_k`).
    fn jacobian(&self, x: &DVector<f64>, out: &mut DMatrix<f64>) {
        let cal = self.cal;
        let (n, m) = (cal.n, cal.active.len());
        let p = &mut *self.last.borrow_mut();
        self.evaluate(x, p);
        let theta = cal.theta.as_slice();
        for v in 0..n {
            let delta = self.delta[v];
            let index = p.log_index[v];
            let column = &mut p.omega[v * m..(v + 1) * m];
            for (w, &k) in column.iter_mut().zip(&cal.active) {
                let t = theta[v * n + k];
                *w = if t <= 0.0 || delta.abs() <= COBB_DOUGLAS_EPS {
                    t
                } else {
                    let log_price = cal.log_shock[(k, v)] + p.z[k];
                    t * (delta * (log_price - index)).exp()
                };
            }
        }
        for (i, &r) in cal.active.iter().enumerate() {
            let log_total = p.log_total[i];
            let mut diag = -cal.supply[r];
            p.terms.clear();
            let range = self.sellers[i].clone();
            for (f, q) in self.out_of[range.clone()]
                .iter()
                .zip(&p.log_quantity[range])
            {
                let v = f.region;
                let g = (f.log_share + q - log_total).exp();
                diag -= g * self.e_s[v];
                p.terms.push((v, g * self.cross[v]));
            }
            // Each entry is summed over v in order from +0, as a row-by-row sum would be;
            // BLOCK entries at a time so that their sums stay in registers.
            let omega = &p.omega;
            let mut j0 = 0;
            while j0 + BLOCK <= m {
                let mut sums = [0.0; BLOCK];
                for &(v, c) in &p.terms {
                    let w = &omega[v * m + j0..v * m + j0 + BLOCK];
                    for (s, w) in sums.iter_mut().zip(w) {
                        *s += c * w;
                    }
                }
                for (t, s) in sums.iter().enumerate() {
                    out[(i, j0 + t)] = *s;
                }
                j0 += BLOCK;
            }
            for j in j0..m {
                let mut s = 0.0;
                for &(v, c) in &p.terms {
                    s += c * omega[v * m + j];
                }
                out[(i, j)] = s;
            }
            out[(i, i)] += diag;
        }
    }
}

impl LevelsEquations for LevelsSystem<'_, '_> {
    fn log_indices(&self, x: &DVector<f64>) -> Vec<f64> {
        let p = &mut *self.last.borrow_mut();
        self.evaluate(x, p);
        p.log_index.clone()
    }

    fn log_quantity(&self, x: &DVector<f64>, r: usize, v: usize, log_index: f64) -> f64 {
        let z = self.cal.slot[r].map_or(0.0, |i| x[i]);
        -self.e_s[v] * ((self.cal.log_shock[(r, v)] + z) - log_index) + self.e_m[v] * log_index
    }
}
