//! Accuracy of the GSIM levels form against two independent answers:
//!
//! 1. the linear form, which is the exact first-order (derivative) answer, for small shocks;
//! 2. an independent solve of the same levels equations (written here from `docs/model.md`
//!    §5.3, with compensated sums and a finite-difference Newton iterated until the residual
//!    stops falling) on seeded random 2–8 region markets.
//!
//! Both ask for 1e-9 relative (infinity norm of the error over infinity norm of the answer),
//! on world price changes and on flow changes.

use nalgebra::{DMatrix, DVector};
use rand::{RngExt, SeedableRng, rngs::ChaCha8Rng};
use tariffsim::model::SupplyElasticity;
use tariffsim::model::gsim::{CsFormula, GsimForm, GsimMarket, GsimOptions, GsimOutcome, solve};

const TARGET: f64 = 1e-9;

fn run(market: &GsimMarket, form: GsimForm) -> GsimOutcome {
    let options = GsimOptions {
        form,
        cs_formula: CsFormula::LinearDemand,
        ..GsimOptions::default()
    };
    solve(market, &options).unwrap()
}

/// Largest absolute difference over the largest absolute reference value.
fn rel_err(got: &[f64], reference: &[f64]) -> f64 {
    let gap = got
        .iter()
        .zip(reference)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    let scale = reference.iter().map(|b| b.abs()).fold(0.0, f64::max);
    assert!(scale > 0.0, "reference is all zero");
    gap / scale
}

fn flow_change(market: &GsimMarket, out: &GsimOutcome) -> Vec<f64> {
    (&out.trade_after - &market.trade).iter().copied().collect()
}

/// The published 4×4 example with no tariff change (`docs/model.md` §5.5).
fn four_by_four() -> GsimMarket {
    #[rustfmt::skip]
    let trade = DMatrix::from_row_slice(4, 4, &[
          0.0,  50.0, 200.0, 300.0,
        500.0,   0.0, 150.0, 200.0,
        300.0, 100.0, 200.0, 200.0,
         50.0, 100.0, 110.0,  20.0,
    ]);
    #[rustfmt::skip]
    let tariffs = DMatrix::from_row_slice(4, 4, &[
        1.00, 1.21, 1.41, 1.22,
        1.37, 1.00, 1.31, 1.23,
        1.32, 1.36, 1.00, 1.18,
        1.57, 1.41, 1.25, 1.15,
    ]);
    GsimMarket {
        regions: ["US", "JP", "EU", "RW"].map(String::from).to_vec(),
        trade,
        tariff_before: tariffs.clone(),
        tariff_after: tariffs,
        demand_elasticity: vec![-1.25; 4],
        substitution_elasticity: vec![5.0; 4],
        supply_elasticity: vec![SupplyElasticity::Finite(1.5); 4],
    }
}

/// Tariff powers moved along `direction`: `T1 = T0·(1 + s·d)`, so the linear form's
/// shock `T1/T0 − 1` is exactly `s·d` (up to rounding).
fn along(base: &GsimMarket, direction: &DMatrix<f64>, s: f64) -> GsimMarket {
    let mut market = base.clone();
    market.tariff_after = base
        .tariff_before
        .zip_map(direction, |t0, d| t0 * (1.0 + s * d));
    market
}

/// The US–EU agreement (both tariffs to zero at `s = 1`) and a seeded direction that moves
/// every flow, some up and some down.
fn directions(base: &GsimMarket) -> [(&'static str, DMatrix<f64>); 2] {
    let n = base.n_regions();
    let mut fta = DMatrix::zeros(n, n);
    for (r, v) in [(0, 2), (2, 0)] {
        fta[(r, v)] = 1.0 / base.tariff_before[(r, v)] - 1.0;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let mixed = DMatrix::from_fn(n, n, |_, _| rng.random_range(-0.3..0.3));
    [("US-EU FTA", fta), ("mixed", mixed)]
}

/// How "levels matches linear for small shocks" is framed.
///
/// The forms share their first derivative in the shock at the base point and differ at
/// second order: `x_lev(s) = s·x'(0) + c·s² + …` against `x_lin(s) = s·x'(0)` exactly. So
/// their relative gap is `≈ c·s` (measured here: `c` ≈ 0.44 and 0.86 for the two
/// directions), below 1e-9 only for `s` below ≈ 1e-9. At `s = 1e-11` the second-order gap
/// is `c·s` < 1e-11, so the levels solve must land within 1e-9 of the linear one: this
/// asks the levels form for its answer to 1e-9 *relative to the change*, with world prices
/// moving by ≈ 3e-12. (At such a shock a stopping test of 1e-10 on the residual is met at
/// base prices, and the answer is `x = 0`.) Rounding the tariff powers
/// `T1 = T0·(1 + s·d)` changes the shock by ≈ ε/s relative, but both forms see the same
/// rounded `T1/T0`, so it does not enter the comparison.
///
/// Only world prices are compared at that size. Both forms compute `x` directly; flow
/// changes are `M1 − M0` with `M1` ≈ `M0`, so they carry rounding of `ε·M0`, 2e-5 relative
/// to a change of 1e-11 — whichever form (the linear form's composite price,
/// `Σθ·((1 + x)·T1/T0 − 1)`, likewise). Flows are compared to the linear form by their
/// derivative (next test) and to an independent levels solve (last test).
#[test]
fn levels_matches_linear_form_at_a_tiny_shock() {
    let base = four_by_four();
    for (name, direction) in directions(&base) {
        let gap = |s: f64| {
            let market = along(&base, &direction, s);
            let (lev, lin) = (
                run(&market, GsimForm::Levels),
                run(&market, GsimForm::Linear),
            );
            rel_err(
                lev.world_price_change.as_slice(),
                lin.world_price_change.as_slice(),
            )
        };
        // The premise: the relative gap is c·s, and c is of order 1.
        let c = gap(1e-3) / 1e-3;
        let c_small = gap(1e-4) / 1e-4;
        assert!(
            (c / c_small - 1.0).abs() < 0.2 && c < 10.0,
            "{name}: c = {c} at s = 1e-3, {c_small} at s = 1e-4"
        );
        let s = 1e-11;
        assert!(
            c * s <= 1e-10,
            "{name}: second-order gap {} at s = {s}",
            c * s
        );
        let e = gap(s);
        eprintln!("{name}: c = {c:.3}, gap at s = {s:e}: {e:.2e}");
        assert!(
            e <= TARGET,
            "{name}: world prices differ by {e:e} relative at s = {s:e}"
        );
    }
}

/// The first derivative in the shock, estimated from levels solves at tiny shocks, matches
/// the linear form's to 1e-9, for world prices and flow changes.
///
/// `D(h) = [8·(f(h) − f(−h)) − (f(2h) − f(−2h))] / (12h)` has truncation error
/// `h⁴·f⁽⁵⁾/30` (≈ 1e-20 at `h = 1e-5`) and rounding error `≈ 1.5·δ/h` for an error `δ` in
/// one value: the tariff powers `T0·(1 + s·d)` are rounded to ε, which moves the shock by
/// ε/s relative, and flows carry `ε·M0`; both give ≈ 1e-11 relative (measured: 3e-11 to
/// 6e-11). The linear form's derivative is `x_lin(h)/h` for prices (linear in `s`) and a
/// central difference for flows, whose linear-form value `M0·((1 + m̂)(1 + x) − 1)` has an
/// `s²` term that the difference cancels exactly.
///
/// This checks the model's first-order agreement, not the solver's stopping rule: a solve
/// stopped early is off by `≈ C·s²` (one Newton step from base prices leaves an error
/// quadratic in the initial one), which is even in `s` and cancels in any central
/// difference. The stopping rule is checked by the tests either side of this one.
#[test]
fn levels_first_derivative_matches_linear_form() {
    let base = four_by_four();
    let h = 1e-5;
    for (name, direction) in directions(&base) {
        let levels = |s: f64| {
            let market = along(&base, &direction, s);
            let out = run(&market, GsimForm::Levels);
            (
                out.world_price_change.as_slice().to_vec(),
                flow_change(&market, &out),
            )
        };
        let five_point = |f: &dyn Fn(f64) -> Vec<f64>| -> Vec<f64> {
            let (p1, m1, p2, m2) = (f(h), f(-h), f(2.0 * h), f(-2.0 * h));
            (0..p1.len())
                .map(|i| (8.0 * (p1[i] - m1[i]) - (p2[i] - m2[i])) / (12.0 * h))
                .collect()
        };
        let d_price = five_point(&|s| levels(s).0);
        let d_flow = five_point(&|s| levels(s).1);

        let (lin_up, lin_down) = (along(&base, &direction, h), along(&base, &direction, -h));
        let (up, down) = (
            run(&lin_up, GsimForm::Linear),
            run(&lin_down, GsimForm::Linear),
        );
        let lin_price: Vec<f64> = up.world_price_change.iter().map(|x| x / h).collect();
        let lin_flow: Vec<f64> = flow_change(&lin_up, &up)
            .iter()
            .zip(flow_change(&lin_down, &down))
            .map(|(a, b)| (a - b) / (2.0 * h))
            .collect();

        let e_price = rel_err(&d_price, &lin_price);
        let e_flow = rel_err(&d_flow, &lin_flow);
        eprintln!("{name}: derivative differs by {e_price:.2e} (prices), {e_flow:.2e} (flows)");
        assert!(e_price <= TARGET, "{name}: world prices {e_price:e}");
        assert!(e_flow <= TARGET, "{name}: flow changes {e_flow:e}");
    }
}

/// Neumaier's compensated sum.
fn sum(values: impl IntoIterator<Item = f64>) -> f64 {
    let (mut s, mut c) = (0.0f64, 0.0f64);
    for v in values {
        let t = s + v;
        c += if s.abs() >= v.abs() {
            (s - t) + v
        } else {
            (v - t) + s
        };
        s = t;
    }
    s + c
}

/// The levels equations of `docs/model.md` §5.3, written out independently of
/// `src/model/gsim.rs`: unknowns `z_r = ln P*_r` of the exporters with exports and finite
/// supply; sums of shares are taken as `1 + Σ share·(e^a − 1)` with compensated sums, so
/// rounding is relative to the size of the change, not to 1.
struct Reference<'a> {
    market: &'a GsimMarket,
    n: usize,
    theta: DMatrix<f64>,
    phi: DMatrix<f64>,
    has_demand: Vec<bool>,
    active: Vec<usize>,
}

impl<'a> Reference<'a> {
    fn new(market: &'a GsimMarket) -> Self {
        let n = market.n_regions();
        let (m0, t0) = (&market.trade, &market.tariff_before);
        let spend: Vec<f64> = (0..n)
            .map(|v| sum((0..n).map(|r| m0[(r, v)] * t0[(r, v)])))
            .collect();
        let sales: Vec<f64> = (0..n).map(|r| sum((0..n).map(|v| m0[(r, v)]))).collect();
        let theta = DMatrix::from_fn(n, n, |r, v| {
            if spend[v] > 0.0 {
                m0[(r, v)] * t0[(r, v)] / spend[v]
            } else {
                0.0
            }
        });
        let phi = DMatrix::from_fn(n, n, |r, v| {
            if sales[r] > 0.0 {
                m0[(r, v)] / sales[r]
            } else {
                0.0
            }
        });
        let active = (0..n)
            .filter(|&r| sales[r] > 0.0 && market.supply_elasticity[r].as_f64().is_finite())
            .collect();
        Self {
            market,
            n,
            theta,
            phi,
            has_demand: spend.iter().map(|&e| e > 0.0).collect(),
            active,
        }
    }

    fn full(&self, z: &DVector<f64>) -> Vec<f64> {
        let mut out = vec![0.0; self.n];
        for (i, &r) in self.active.iter().enumerate() {
            out[r] = z[i];
        }
        out
    }

    /// `ln p̂[r][v]`.
    fn log_price(&self, z: &[f64], r: usize, v: usize) -> f64 {
        let m = self.market;
        (m.tariff_after[(r, v)] / m.tariff_before[(r, v)]).ln() + z[r]
    }

    /// `ln P̂_v`: CES index, Cobb–Douglas when `E_s = 1`.
    fn log_index(&self, z: &[f64], v: usize) -> f64 {
        if !self.has_demand[v] {
            return 0.0;
        }
        let e_s = self.market.substitution_elasticity[v];
        let shares = (0..self.n).filter(|&r| self.theta[(r, v)] > 0.0);
        if e_s == 1.0 {
            return sum(shares.map(|r| self.theta[(r, v)] * self.log_price(z, r, v)));
        }
        let d = 1.0 - e_s;
        sum(shares.map(|r| self.theta[(r, v)] * (d * self.log_price(z, r, v)).exp_m1())).ln_1p() / d
    }

    /// `ln m̂[r][v] = −E_s·(ln p̂ − ln P̂) + E_m·ln P̂`.
    fn log_quantity(&self, z: &[f64], index: &[f64], r: usize, v: usize) -> f64 {
        let m = self.market;
        -m.substitution_elasticity[v] * (self.log_price(z, r, v) - index[v])
            + m.demand_elasticity[v] * index[v]
    }

    fn residual(&self, z: &DVector<f64>) -> DVector<f64> {
        let zf = self.full(z);
        let index: Vec<f64> = (0..self.n).map(|v| self.log_index(&zf, v)).collect();
        DVector::from_iterator(
            self.active.len(),
            self.active.iter().map(|&r| {
                let excess = sum((0..self.n)
                    .filter(|&v| self.phi[(r, v)] > 0.0)
                    .map(|v| self.phi[(r, v)] * self.log_quantity(&zf, &index, r, v).exp_m1()));
                excess.ln_1p() - self.market.supply_elasticity[r].as_f64() * zf[r]
            }),
        )
    }

    /// Newton with a central-difference Jacobian and step halving, continued until the
    /// residual stops falling. Returns `z`, the final and the starting residual norms.
    fn solve(&self) -> (DVector<f64>, f64, f64) {
        let m = self.active.len();
        let mut z = DVector::zeros(m);
        let mut f = self.residual(&z);
        let start = f.norm();
        for _ in 0..200 {
            let mut jac = DMatrix::zeros(m, m);
            for j in 0..m {
                let h = 1e-6 * (1.0 + z[j].abs());
                let (mut up, mut down) = (z.clone(), z.clone());
                up[j] += h;
                down[j] -= h;
                jac.set_column(
                    j,
                    &((self.residual(&up) - self.residual(&down)) / (2.0 * h)),
                );
            }
            let Some(step) = jac.lu().solve(&(-&f)) else {
                break;
            };
            let mut t = 1.0;
            let mut better = None;
            while t > 1e-12 {
                let trial = &z + t * &step;
                let ft = self.residual(&trial);
                if ft.iter().all(|v| v.is_finite()) && ft.norm() < f.norm() {
                    better = Some((trial, ft));
                    break;
                }
                t *= 0.5;
            }
            let Some((trial, ft)) = better else {
                break;
            };
            z = trial;
            f = ft;
        }
        (z, f.norm(), start)
    }

    /// World price changes and flow changes `M0·(m̂·p̂* − 1)` at `z`.
    fn outcome(&self, z: &DVector<f64>) -> (Vec<f64>, Vec<f64>) {
        let zf = self.full(z);
        let index: Vec<f64> = (0..self.n).map(|v| self.log_index(&zf, v)).collect();
        let m0 = &self.market.trade;
        let flows = DMatrix::from_fn(self.n, self.n, |r, v| {
            if m0[(r, v)] > 0.0 {
                m0[(r, v)] * (self.log_quantity(&zf, &index, r, v) + zf[r]).exp_m1()
            } else {
                0.0
            }
        });
        (
            zf.iter().map(|z| z.exp_m1()).collect(),
            flows.iter().copied().collect(),
        )
    }
}

/// A random market of `n` regions: zero flows, one Cobb–Douglas importer (`E_s = 1`), one
/// log-demand importer (`E_m = −1`) and one infinite-supply exporter mixed in, and every
/// tariff power moved by a factor `e^{s·u}`, `u` uniform in [−1, 1].
fn random_market(rng: &mut ChaCha8Rng, n: usize, s: f64) -> GsimMarket {
    let trade = DMatrix::from_fn(n, n, |_, _| {
        if rng.random::<f64>() < 0.2 {
            0.0
        } else {
            10f64.powf(rng.random_range(0.0..3.0))
        }
    });
    let tariff_before = DMatrix::from_fn(n, n, |_, _| rng.random_range(1.0..1.6));
    let tariff_after = tariff_before.map(|t| t * (s * rng.random_range(-1.0..1.0)).exp());
    let special = |rng: &mut ChaCha8Rng| rng.random_range(0..n);
    let (cobb_douglas, log_demand, infinite) = (special(rng), special(rng), special(rng));
    GsimMarket {
        regions: (0..n).map(|i| format!("R{i}")).collect(),
        trade,
        tariff_before,
        tariff_after,
        demand_elasticity: (0..n)
            .map(|i| {
                if i == log_demand {
                    -1.0
                } else {
                    rng.random_range(-4.0..-0.2)
                }
            })
            .collect(),
        substitution_elasticity: (0..n)
            .map(|i| {
                if i == cobb_douglas {
                    1.0
                } else {
                    rng.random_range(0.3..10.0)
                }
            })
            .collect(),
        supply_elasticity: (0..n)
            .map(|i| {
                if i != infinite || n == 2 {
                    SupplyElasticity::Finite(rng.random_range(0.2..20.0))
                } else {
                    SupplyElasticity::Infinite
                }
            })
            .collect(),
    }
}

/// Small shocks (1e-5 to 1e-3 in log tariff powers), where a residual test that is
/// absolute leaves the answer visibly wrong, and large ones (up to 0.7), where the solve
/// is genuinely non-linear.
#[test]
fn levels_matches_independent_solve_on_random_markets() {
    let mut rng = ChaCha8Rng::seed_from_u64(424_242);
    let (mut worst_price, mut worst_flow, mut cases) = (0.0f64, 0.0f64, 0);
    for case in 0..56 {
        let n = 2 + case % 7;
        let s = if case % 2 == 0 {
            10f64.powf(rng.random_range(-5.0..-3.0))
        } else {
            10f64.powf(rng.random_range(-2.0..-0.15))
        };
        let market = random_market(&mut rng, n, s);
        if market.validate().is_err() {
            continue;
        }
        let reference = Reference::new(&market);
        if reference.active.is_empty() {
            continue;
        }
        let (z, final_norm, start_norm) = reference.solve();
        // The reference itself must be at rounding level, relative to the shock.
        assert!(
            final_norm <= 1e-13 * start_norm,
            "case {case}: reference residual {final_norm:e} from {start_norm:e}"
        );
        let (price, flow) = reference.outcome(&z);

        let out = run(&market, GsimForm::Levels);
        let e_price = rel_err(out.world_price_change.as_slice(), &price);
        let e_flow = rel_err(&flow_change(&market, &out), &flow);
        assert!(
            e_price <= TARGET && e_flow <= TARGET,
            "case {case} (n = {n}, s = {s:.1e}): world prices {e_price:e}, flow changes \
             {e_flow:e}; solver {:?}",
            out.report
        );
        worst_price = worst_price.max(e_price);
        worst_flow = worst_flow.max(e_flow);
        cases += 1;
    }
    eprintln!("{cases} cases: worst {worst_price:.2e} (prices), {worst_flow:.2e} (flows)");
    assert!(cases >= 45, "only {cases} usable cases");
}
