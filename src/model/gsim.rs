//! GSIM: the global simulation model of Francois & Hall (2003) for one
//! product.
//!
//! Every region both exports and imports a nationally differentiated variety
//! (Armington). Each importer has a CES composite of varieties with a
//! constant-elasticity composite demand, and each exporter an upward-sloping
//! export supply. A change in bilateral tariffs moves all world prices at
//! once, so third-country (diversion and terms-of-trade) effects are
//! captured, which a single-market model such as SMART cannot do.
//!
//! Two forms are offered (reference: `docs/model.md (section 5)` §2):
//!
//! * [`GsimForm::Linear`]: the GSIMv1 percent-change equations (§2.3–2.5).
//!   They are linear in the world-price changes, so one LU solve is exact.
//!   These reproduce the published 4×4 numbers.
//! * [`GsimForm::Levels`]: the same CES system in levels (§2.6), solved by
//!   Newton with an analytic Jacobian. It is exact for large shocks, where
//!   the linear form drifts.
//!
//! Conventions: trade values are at base world prices (normalised to 1, so
//! values are quantities), rows are exporters and columns importers, the
//! diagonal is domestic (own) trade, and tariffs are powers `T = 1 + t`.

use nalgebra::{DMatrix, DVector};
use thiserror::Error;

use crate::model::SupplyElasticity;

mod levels;
#[cfg(test)]
mod reference;

use crate::solve::{NewtonOptions, NewtonReport, SolveError, Termination, newton_solve};
use levels::{LevelsEquations, LevelsSystem};

/// Below this distance from 1, `E_s` is treated as exactly 1 (Cobb–Douglas);
/// the CES formula's error there is of order `|1 − E_s|·(ln p)²`.
const COBB_DOUGLAS_EPS: f64 = 1e-12;
/// Below this distance from −1, `E_m` uses the log consumer-surplus formula.
const LOG_DEMAND_EPS: f64 = 1e-12;

/// Base data and tariff scenario for one product.
///
/// All matrices are `n × n` with rows = exporters and columns = importers,
/// in the order of [`regions`](Self::regions).
#[derive(Debug, Clone, PartialEq)]
pub struct GsimMarket {
    /// Region names, used in error messages and by callers to label results.
    pub regions: Vec<String>,
    /// Base trade `M0[r][v]` at world prices (the diagonal is domestic
    /// shipments). Finite and non-negative.
    pub trade: DMatrix<f64>,
    /// Tariff powers `T0 = 1 + t0` before the change. Finite and positive;
    /// values below 1 (import subsidies) are allowed.
    pub tariff_before: DMatrix<f64>,
    /// Tariff powers `T1 = 1 + t1` after the change; same rules as
    /// [`tariff_before`](Self::tariff_before).
    pub tariff_after: DMatrix<f64>,
    /// Composite import demand elasticity `E_m` of each importer; negative.
    pub demand_elasticity: Vec<f64>,
    /// Armington substitution elasticity `E_s` of each importer; positive.
    pub substitution_elasticity: Vec<f64>,
    /// Export supply elasticity `E_x` of each exporter: positive, or infinite (which
    /// fixes its world price).
    pub supply_elasticity: Vec<SupplyElasticity>,
}

/// Which set of GSIM equations to solve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GsimForm {
    /// Percent-change (GSIMv1) form; matches the published 4×4 results.
    /// Being a linearisation, large shocks can push it to price changes
    /// below −100 % or negative trade; use [`Levels`](Self::Levels) then.
    #[default]
    Linear,
    /// Non-linear CES form in levels; exact for large shocks.
    Levels,
}

/// Consumer-surplus formula for the linear form (the levels form always uses
/// the exact area under its constant-elasticity demand curve).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CsFormula {
    /// `ΔCS = −E·(P̂ + ½·E_m·P̂²)`: the exact area under a linear demand
    /// curve.
    #[default]
    LinearDemand,
    /// `ΔCS = ½·E·P̂²·sign(P̂)·E_m − E·P̂`, as in the GSIM 4×4 R script. It
    /// equals `LinearDemand` when prices fall and overstates the loss when
    /// they rise; offered to reproduce that script.
    FhSign,
}

/// How to solve a [`GsimMarket`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct GsimOptions {
    /// Linear (percent-change) or levels form.
    pub form: GsimForm,
    /// Consumer-surplus variant; used by the linear form only.
    pub cs_formula: CsFormula,
    /// Newton settings for the levels form.
    pub newton: NewtonOptions,
}

/// Equilibrium changes caused by the tariff change, per region.
///
/// Vectors are indexed like [`GsimMarket::regions`]. Changes are proportional
/// (fractions) for prices and in base-value units for surpluses.
#[derive(Debug, Clone, PartialEq)]
pub struct GsimOutcome {
    /// Form that produced these numbers.
    pub form: GsimForm,
    /// World (exporter) price change `x_r = P̂*_r`; 0 for exporters with
    /// infinite supply or no exports.
    pub world_price_change: DVector<f64>,
    /// Change in each importer's composite (consumer) price; 0 for importers
    /// with no demand. Linear form: share-weighted internal price change;
    /// levels form: CES price index ratio minus 1.
    pub composite_price_change: DVector<f64>,
    /// New trade `M1[r][v]` at new world prices (`M1 − M0` is the trade
    /// effect).
    pub trade_after: DMatrix<f64>,
    /// Change in each exporter's producer surplus.
    pub producer_surplus_change: DVector<f64>,
    /// Change in each importer's consumer surplus.
    pub consumer_surplus_change: DVector<f64>,
    /// Change in each importer's tariff revenue, `Σ_r M1(T1−1) − M0(T0−1)`.
    pub tariff_revenue_change: DVector<f64>,
    /// Net welfare change: producer + consumer surplus + tariff revenue.
    pub welfare_change: DVector<f64>,
    /// How the equilibrium was solved. The linear form reports one
    /// iteration, [`Termination::DirectSolve`] and its market-clearing
    /// residual (0 iterations when no price is free).
    pub report: NewtonReport,
}

/// Which elasticity an error refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElasticityKind {
    /// Composite import demand elasticity `E_m` (per importer).
    CompositeDemand,
    /// Armington substitution elasticity `E_s` (per importer).
    Substitution,
    /// Export supply elasticity `E_x` (per exporter).
    Supply,
}

impl ElasticityKind {
    fn requirement(self) -> &'static str {
        match self {
            Self::CompositeDemand => "it must be finite and negative",
            Self::Substitution => "it must be finite and positive",
            Self::Supply => "it must be positive (None or +inf for infinite supply)",
        }
    }
}

impl std::fmt::Display for ElasticityKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::CompositeDemand => "composite demand elasticity E_m",
            Self::Substitution => "substitution elasticity E_s",
            Self::Supply => "export supply elasticity E_x",
        })
    }
}

/// Which tariff matrix an error refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TariffStage {
    /// [`GsimMarket::tariff_before`].
    Before,
    /// [`GsimMarket::tariff_after`].
    After,
}

impl std::fmt::Display for TariffStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Before => "base",
            Self::After => "new",
        })
    }
}

/// Why a GSIM market could not be solved.
///
/// Messages name the regions involved; callers add the product (for example
/// with `anyhow::Context`).
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum GsimError {
    /// The region list is empty.
    #[error("GSIM market has no regions")]
    NoRegions,
    /// A matrix is not `n × n` for `n` regions.
    #[error(
        "{what} is {rows}×{cols}, but there are {regions} regions (expected {regions}×{regions})"
    )]
    ShapeMismatch {
        /// Which matrix.
        what: &'static str,
        /// Number of regions.
        regions: usize,
        /// Rows found.
        rows: usize,
        /// Columns found.
        cols: usize,
    },
    /// A per-region vector does not have one entry per region.
    #[error("{what} has {found} entries, but there are {regions} regions")]
    LengthMismatch {
        /// Which vector.
        what: &'static str,
        /// Number of regions.
        regions: usize,
        /// Entries found.
        found: usize,
    },
    /// A base trade value is negative, NaN or infinite.
    #[error(
        "base trade from {exporter} to {importer} is {value}; it must be finite and non-negative"
    )]
    InvalidTrade {
        /// Exporting region.
        exporter: String,
        /// Importing region.
        importer: String,
        /// Offending value.
        value: f64,
    },
    /// A tariff power is zero, negative, NaN or infinite.
    #[error(
        "{stage} tariff power on {exporter}'s exports to {importer} is {value}; \
         a power T = 1 + t must be finite and positive"
    )]
    InvalidTariffPower {
        /// Base or new tariffs.
        stage: TariffStage,
        /// Exporting region.
        exporter: String,
        /// Importing region.
        importer: String,
        /// Offending value.
        value: f64,
    },
    /// An elasticity has the wrong sign, is zero, or is not finite.
    #[error("{kind} of {region} is {value}; {}", .kind.requirement())]
    InvalidElasticity {
        /// Which elasticity.
        kind: ElasticityKind,
        /// Region it belongs to.
        region: String,
        /// Offending value.
        value: f64,
    },
    /// Every base trade value is zero, so there is nothing to simulate.
    #[error("base trade matrix is all zero; there is nothing to simulate")]
    NoTrade,
    /// The equilibrium could not be solved (a singular system, or Newton
    /// failure in the levels form).
    #[error("GSIM equilibrium not found: {0}")]
    Solve(#[from] SolveError),
    /// The solution overflowed; the shock is too large for the data.
    #[error("GSIM result {what} for {region} is not finite; the tariff shock is too large")]
    NonFiniteResult {
        /// Which quantity.
        what: &'static str,
        /// Region it belongs to.
        region: String,
    },
}

impl GsimMarket {
    /// Number of regions.
    pub fn n_regions(&self) -> usize {
        self.regions.len()
    }

    /// Checks sizes, signs and finiteness, so [`solve`] can assume clean data.
    ///
    /// An importer with zero total demand is allowed (it is skipped), but an
    /// all-zero trade matrix is not.
    ///
    /// # Errors
    ///
    /// The first problem found, naming the region(s) involved.
    pub fn validate(&self) -> Result<(), GsimError> {
        let n = self.n_regions();
        if n == 0 {
            return Err(GsimError::NoRegions);
        }
        for (what, m) in [
            ("trade matrix", &self.trade),
            ("base tariff matrix", &self.tariff_before),
            ("new tariff matrix", &self.tariff_after),
        ] {
            if m.nrows() != n || m.ncols() != n {
                return Err(GsimError::ShapeMismatch {
                    what,
                    regions: n,
                    rows: m.nrows(),
                    cols: m.ncols(),
                });
            }
        }
        for (what, found) in [
            ("demand elasticity vector", self.demand_elasticity.len()),
            (
                "substitution elasticity vector",
                self.substitution_elasticity.len(),
            ),
            ("supply elasticity vector", self.supply_elasticity.len()),
        ] {
            if found != n {
                return Err(GsimError::LengthMismatch {
                    what,
                    regions: n,
                    found,
                });
            }
        }

        let name = |i: usize| self.regions[i].clone();
        // One pass over each matrix in storage order finds clean data (the common case);
        // only data with a problem is searched cell by cell for the first one.
        // (`&` rather than `&&`, without an early exit, so that the passes vectorise.)
        let clean = self
            .trade
            .iter()
            .fold(true, |ok, v| ok & v.is_finite() & (*v >= 0.0))
            & [&self.tariff_before, &self.tariff_after]
                .iter()
                .all(|m| m.iter().fold(true, |ok, v| ok & v.is_finite() & (*v > 0.0)));
        for r in (0..n).filter(|_| !clean) {
            for v in 0..n {
                let value = self.trade[(r, v)];
                if !(value.is_finite() && value >= 0.0) {
                    return Err(GsimError::InvalidTrade {
                        exporter: name(r),
                        importer: name(v),
                        value,
                    });
                }
                for (stage, m) in [
                    (TariffStage::Before, &self.tariff_before),
                    (TariffStage::After, &self.tariff_after),
                ] {
                    let value = m[(r, v)];
                    if !(value.is_finite() && value > 0.0) {
                        return Err(GsimError::InvalidTariffPower {
                            stage,
                            exporter: name(r),
                            importer: name(v),
                            value,
                        });
                    }
                }
            }
        }

        for i in 0..n {
            let e_m = self.demand_elasticity[i];
            if !(e_m.is_finite() && e_m < 0.0) {
                return Err(GsimError::InvalidElasticity {
                    kind: ElasticityKind::CompositeDemand,
                    region: name(i),
                    value: e_m,
                });
            }
            let e_s = self.substitution_elasticity[i];
            if !(e_s.is_finite() && e_s > 0.0) {
                return Err(GsimError::InvalidElasticity {
                    kind: ElasticityKind::Substitution,
                    region: name(i),
                    value: e_s,
                });
            }
            if let SupplyElasticity::Finite(e_x) = self.supply_elasticity[i] {
                // +inf is accepted as "infinite supply".
                if e_x.is_nan() || e_x <= 0.0 {
                    return Err(GsimError::InvalidElasticity {
                        kind: ElasticityKind::Supply,
                        region: name(i),
                        value: e_x,
                    });
                }
            }
        }

        if self.trade.iter().all(|&m| m <= 0.0) {
            return Err(GsimError::NoTrade);
        }
        Ok(())
    }
}

/// Solves the GSIM equilibrium and computes welfare for every region.
///
/// # Errors
///
/// [`GsimError`] for invalid input (see [`GsimMarket::validate`]), a singular
/// or non-converging equilibrium system, or a non-finite result.
pub fn solve(market: &GsimMarket, options: &GsimOptions) -> Result<GsimOutcome, GsimError> {
    market.validate()?;
    let cal = Calibration::new(market);
    let solution = match options.form {
        GsimForm::Linear => solve_linear(&cal, options.cs_formula)?,
        GsimForm::Levels => solve_levels(&cal, &options.newton)?,
    };
    finish(&cal, options.form, solution)
}

/// Base-period shares and the set of free prices (§2.2, §2.4).
struct Calibration<'a> {
    market: &'a GsimMarket,
    n: usize,
    /// `E_v`: importer expenditure at internal prices.
    expenditure: Vec<f64>,
    /// `θ[r][v]`: import shares at internal prices.
    theta: DMatrix<f64>,
    /// `R0_r`: export revenue at world prices.
    revenue: Vec<f64>,
    /// `φ[r][v]`: export shares at world prices.
    phi: DMatrix<f64>,
    /// `ln φ[r][v]` where `φ > 0` (0 elsewhere), taken once for the levels Jacobian.
    log_phi: DMatrix<f64>,
    /// `T1/T0`, the gross tariff shock.
    shock: DMatrix<f64>,
    /// `ln(T1/T0)`, used by the levels form.
    log_shock: DMatrix<f64>,
    /// Exporters whose world price is solved for (finite supply, exports > 0).
    active: Vec<usize>,
    /// Position of each exporter in `active`.
    slot: Vec<Option<usize>>,
    /// `E_x` of each exporter, `+∞` when infinite.
    supply: Vec<f64>,
}

impl<'a> Calibration<'a> {
    fn new(market: &'a GsimMarket) -> Self {
        let n = market.n_regions();
        let m0 = &market.trade;
        let t0 = &market.tariff_before;
        let mut expenditure = vec![0.0; n];
        let mut revenue = vec![0.0; n];
        for r in 0..n {
            for v in 0..n {
                expenditure[v] += m0[(r, v)] * t0[(r, v)];
                revenue[r] += m0[(r, v)];
            }
        }
        let theta = DMatrix::from_fn(n, n, |r, v| {
            if expenditure[v] > 0.0 {
                m0[(r, v)] * t0[(r, v)] / expenditure[v]
            } else {
                0.0
            }
        });
        let phi = DMatrix::from_fn(n, n, |r, v| {
            if revenue[r] > 0.0 {
                m0[(r, v)] / revenue[r]
            } else {
                0.0
            }
        });
        let log_phi = phi.map(|p| if p > 0.0 { p.ln() } else { 0.0 });
        let shock = market.tariff_after.component_div(t0);
        let log_shock = shock.map(f64::ln);
        let supply: Vec<f64> = market
            .supply_elasticity
            .iter()
            .map(|e| e.as_f64())
            .collect();
        let active: Vec<usize> = (0..n)
            .filter(|&r| revenue[r] > 0.0 && supply[r].is_finite())
            .collect();
        let mut slot = vec![None; n];
        for (i, &r) in active.iter().enumerate() {
            slot[r] = Some(i);
        }
        Self {
            market,
            n,
            expenditure,
            theta,
            revenue,
            phi,
            log_phi,
            shock,
            log_shock,
            active,
            slot,
            supply,
        }
    }

    fn e_m(&self, v: usize) -> f64 {
        self.market.demand_elasticity[v]
    }

    fn e_s(&self, v: usize) -> f64 {
        self.market.substitution_elasticity[v]
    }

    /// Full-length vector of world-price unknowns from the reduced one.
    fn expand(&self, reduced: &DVector<f64>) -> DVector<f64> {
        DVector::from_fn(self.n, |r, _| self.slot[r].map_or(0.0, |i| reduced[i]))
    }
}

/// Prices and trade from one of the two forms, before welfare is added up.
struct Solution {
    x: DVector<f64>,
    composite: DVector<f64>,
    trade_after: DMatrix<f64>,
    producer_surplus: DVector<f64>,
    consumer_surplus: DVector<f64>,
    report: NewtonReport,
}

/// Linear form: builds `J·x = b` of §2.4 on the free prices and solves it
/// with one LU factorisation.
///
/// `M̂[r][v] = −E_s·P̂[r][v] + (E_s + E_m)·Σ_k θ[k][v]·P̂[k][v]` is the
/// §2.3 demand written compactly, so each row costs `O(n·m)`.
fn solve_linear(cal: &Calibration<'_>, cs_formula: CsFormula) -> Result<Solution, GsimError> {
    let n = cal.n;
    let m = cal.active.len();
    // Share-weighted tariff shock in each importer.
    let mut tau_bar = vec![0.0; n];
    for (v, tb) in tau_bar.iter_mut().enumerate() {
        for k in 0..n {
            *tb += cal.theta[(k, v)] * (cal.shock[(k, v)] - 1.0);
        }
    }

    let mut jac = DMatrix::zeros(m, m);
    let mut rhs = DVector::zeros(m);
    for (i, &r) in cal.active.iter().enumerate() {
        let mut diag = -cal.supply[r];
        let mut b = 0.0;
        for (v, &tb) in tau_bar.iter().enumerate() {
            let phi = cal.phi[(r, v)];
            if phi <= 0.0 {
                continue;
            }
            let (e_s, cross) = (cal.e_s(v), cal.e_s(v) + cal.e_m(v));
            diag -= phi * e_s;
            b -= phi * (-e_s * (cal.shock[(r, v)] - 1.0) + cross * tb);
            for (j, &k) in cal.active.iter().enumerate() {
                jac[(i, j)] += phi * cross * cal.theta[(k, v)];
            }
        }
        jac[(i, i)] += diag;
        rhs[i] = b;
    }

    let reduced = if m == 0 {
        DVector::zeros(0)
    } else {
        let sol = jac
            .lu()
            .solve(&rhs)
            .ok_or(SolveError::SingularJacobian { iteration: 1 })?;
        if !sol.iter().all(|v| v.is_finite()) {
            return Err(SolveError::SingularJacobian { iteration: 1 }.into());
        }
        sol
    };
    let x = cal.expand(&reduced);

    // Demand response at the solution; the market-clearing residual is
    // recomputed from it as an independent check on the linear solve.
    let mut p_bar = vec![0.0; n];
    for (v, pb) in p_bar.iter_mut().enumerate() {
        for k in 0..n {
            *pb += cal.theta[(k, v)] * (x[k] + cal.shock[(k, v)] - 1.0);
        }
    }
    let m0 = &cal.market.trade;
    let mut residual = DVector::<f64>::zeros(m);
    let trade_after = DMatrix::from_fn(n, n, |r, v| {
        let (e_s, cross) = (cal.e_s(v), cal.e_s(v) + cal.e_m(v));
        let m_hat = -e_s * (x[r] + cal.shock[(r, v)] - 1.0) + cross * p_bar[v];
        if let Some(i) = cal.slot[r] {
            residual[i] += cal.phi[(r, v)] * m_hat;
        }
        m0[(r, v)] * (1.0 + m_hat) * (1.0 + x[r])
    });
    for (i, &r) in cal.active.iter().enumerate() {
        residual[i] -= cal.supply[r] * x[r];
    }

    // §2.5: the composite price uses the exact internal price.
    let composite = DVector::from_fn(n, |v, _| {
        (0..n)
            .map(|r| cal.theta[(r, v)] * ((1.0 + x[r]) * cal.shock[(r, v)] - 1.0))
            .sum::<f64>()
    });
    let producer_surplus = DVector::from_fn(n, |r, _| match cal.slot[r] {
        Some(_) => cal.revenue[r] * x[r] * (1.0 + 0.5 * cal.supply[r] * x[r]),
        None => 0.0,
    });
    let consumer_surplus = DVector::from_fn(n, |v, _| {
        let (e, p, e_m) = (cal.expenditure[v], composite[v], cal.e_m(v));
        match cs_formula {
            CsFormula::LinearDemand => -e * (p + 0.5 * e_m * p * p),
            CsFormula::FhSign => 0.5 * e * p * p * p.signum() * e_m - e * p,
        }
    });

    Ok(Solution {
        x,
        composite,
        trade_after,
        producer_surplus,
        consumer_surplus,
        report: NewtonReport {
            iterations: usize::from(m > 0),
            residual_norm: residual.norm(),
            termination: Termination::DirectSolve,
        },
    })
}

/// `ln Σ w·e^a` over positive weights, shifted by the largest exponent.
fn log_sum_exp(terms: impl Iterator<Item = (f64, f64)> + Clone) -> f64 {
    let top = terms
        .clone()
        .map(|(_, a)| a)
        .fold(f64::NEG_INFINITY, f64::max);
    if !top.is_finite() {
        return top;
    }
    top + terms.map(|(w, a)| w * (a - top).exp()).sum::<f64>().ln()
}

/// Levels form: Newton from `z = 0` (base prices), then exact
/// constant-elasticity welfare areas.
fn solve_levels(cal: &Calibration<'_>, newton: &NewtonOptions) -> Result<Solution, GsimError> {
    solve_levels_with(cal, &LevelsSystem::new(cal), newton)
}

/// [`solve_levels`] with a given system of equations (the tests also pass the reference).
fn solve_levels_with(
    cal: &Calibration<'_>,
    system: &impl LevelsEquations,
    newton: &NewtonOptions,
) -> Result<Solution, GsimError> {
    let n = cal.n;
    let mut reduced = DVector::zeros(system.dim());
    let report = newton_solve(system, &mut reduced, newton)?;

    let log_index = system.log_indices(&reduced);
    let z = cal.expand(&reduced);
    let m0 = &cal.market.trade;
    let trade_after = DMatrix::from_fn(n, n, |r, v| {
        if m0[(r, v)] > 0.0 {
            m0[(r, v)] * (system.log_quantity(&reduced, r, v, log_index[v]) + z[r]).exp()
        } else {
            0.0
        }
    });
    let producer_surplus = DVector::from_fn(n, |r, _| match cal.slot[r] {
        // ∫ supply dp for Q = R0·p^E_x from 1 to e^z.
        Some(_) => {
            let k = 1.0 + cal.supply[r];
            cal.revenue[r] * (k * z[r]).exp_m1() / k
        }
        None => 0.0,
    });
    let consumer_surplus = DVector::from_fn(n, |v, _| {
        // −∫ demand dP for Q = E·P^E_m from 1 to P̂.
        let k = 1.0 + cal.e_m(v);
        let area = if k.abs() <= LOG_DEMAND_EPS {
            log_index[v]
        } else {
            (k * log_index[v]).exp_m1() / k
        };
        -cal.expenditure[v] * area
    });
    Ok(Solution {
        x: z.map(f64::exp_m1),
        composite: DVector::from_fn(n, |v, _| log_index[v].exp_m1()),
        trade_after,
        producer_surplus,
        consumer_surplus,
        report,
    })
}

/// Adds tariff revenue and net welfare, and refuses non-finite results.
fn finish(cal: &Calibration<'_>, form: GsimForm, s: Solution) -> Result<GsimOutcome, GsimError> {
    let n = cal.n;
    let market = cal.market;
    let tariff_revenue_change = DVector::from_fn(n, |v, _| {
        (0..n)
            .map(|r| {
                s.trade_after[(r, v)] * (market.tariff_after[(r, v)] - 1.0)
                    - market.trade[(r, v)] * (market.tariff_before[(r, v)] - 1.0)
            })
            .sum()
    });
    let welfare_change = &s.producer_surplus + &s.consumer_surplus + &tariff_revenue_change;

    let per_region: [(&'static str, &DVector<f64>); 6] = [
        ("world price change", &s.x),
        ("composite price change", &s.composite),
        ("producer surplus change", &s.producer_surplus),
        ("consumer surplus change", &s.consumer_surplus),
        ("tariff revenue change", &tariff_revenue_change),
        ("welfare change", &welfare_change),
    ];
    for (what, values) in per_region {
        if let Some(r) = values.iter().position(|v| !v.is_finite()) {
            return Err(GsimError::NonFiniteResult {
                what,
                region: market.regions[r].clone(),
            });
        }
    }
    if let Some(idx) = s.trade_after.iter().position(|v| !v.is_finite()) {
        // Column-major storage: idx = v·n + r; name the exporter.
        return Err(GsimError::NonFiniteResult {
            what: "new trade value",
            region: market.regions[idx % n].clone(),
        });
    }

    Ok(GsimOutcome {
        form,
        world_price_change: s.x,
        composite_price_change: s.composite,
        trade_after: s.trade_after,
        producer_surplus_change: s.producer_surplus,
        consumer_surplus_change: s.consumer_surplus,
        tariff_revenue_change,
        welfare_change,
        report: s.report,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::solve::NonlinearSystem;
    use approx::assert_abs_diff_eq;
    use rand::{RngExt, SeedableRng, rngs::ChaCha8Rng};

    const US: usize = 0;
    const JP: usize = 1;
    const EU: usize = 2;
    const RW: usize = 3;

    /// The GSIM 4×4 teaching example of `docs/model.md (section 5)` §3.1, no tariff change.
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

    /// Free trade between two regions (both directions).
    fn fta(a: usize, b: usize) -> GsimMarket {
        let mut market = four_by_four();
        market.tariff_after[(a, b)] = 1.0;
        market.tariff_after[(b, a)] = 1.0;
        market
    }

    fn run(market: &GsimMarket, form: GsimForm, cs_formula: CsFormula) -> GsimOutcome {
        let options = GsimOptions {
            form,
            cs_formula,
            ..GsimOptions::default()
        };
        solve(market, &options).unwrap()
    }

    fn assert_close(actual: &DVector<f64>, expected: &[f64], tol: f64, what: &str) {
        for (i, (&a, &e)) in actual.iter().zip(expected).enumerate() {
            assert!(
                (a - e).abs() <= tol,
                "{what}[{i}]: got {a}, expected {e} (tolerance {tol})"
            );
        }
    }

    /// Half a unit in the 4th decimal: the tables are printed to 4 places.
    const PRINTED_4DP: f64 = 5e-5;

    #[test]
    fn us_eu_fta_linear_reproduces_reported_prices() {
        let out = run(&fta(US, EU), GsimForm::Linear, CsFormula::LinearDemand);
        let x = &out.world_price_change;
        // Published ("reported prices"), 4 decimals.
        for (got, published) in x.iter().zip([0.0792, -0.0316, 0.0480, -0.0184]) {
            assert!(
                (got - published).abs() <= 5e-5,
                "{got} vs published {published}"
            );
        }
        // Unrounded independent implementation.
        assert_close(
            x,
            &[0.0791813134, -0.0316209421, 0.0480492966, -0.0183717099],
            1e-9,
            "x",
        );
        assert_eq!(out.report.termination, Termination::DirectSolve);
        assert_eq!(out.report.iterations, 1);
        assert!(out.report.residual_norm < 1e-12, "{:?}", out.report);
    }

    #[test]
    fn us_eu_fta_linear_regression_table() {
        let market = fta(US, EU);
        let fh = run(&market, GsimForm::Linear, CsFormula::FhSign);
        let ld = run(&market, GsimForm::Linear, CsFormula::LinearDemand);

        // Printed to 6 decimals.
        assert_close(
            &fh.composite_price_change,
            &[-0.090287, 0.025881, -0.080017, 0.036876],
            5e-7,
            "P composite",
        );
        assert_close(
            &fh.producer_surplus_change,
            &[46.1360, -26.2404, 39.8247, -5.0732],
            PRINTED_4DP,
            "dPS",
        );
        assert_close(
            &fh.consumer_surplus_change,
            &[110.5952, -8.8761, 68.5589, -32.8589],
            PRINTED_4DP,
            "dCS fh_sign",
        );
        assert_close(
            &ld.consumer_surplus_change,
            &[110.5952, -8.5935, 68.5589, -31.3784],
            PRINTED_4DP,
            "dCS linear_demand",
        );
        for out in [&fh, &ld] {
            assert_close(
                &out.tariff_revenue_change,
                &[-138.5172, 0.6219, -93.8392, -2.8699],
                PRINTED_4DP,
                "dRevenue",
            );
        }
        assert_close(
            &fh.welfare_change,
            &[18.2139, -34.4945, 14.5443, -40.8021],
            PRINTED_4DP,
            "dW fh_sign",
        );
        assert_close(
            &ld.welfare_change,
            &[18.2139, -34.2119, 14.5443, -39.3216],
            PRINTED_4DP,
            "dW linear_demand",
        );

        #[rustfmt::skip]
        let m1 = [
              0.0,      37.8332, 385.8657, 240.3479,
            404.0304,    0.0,    128.9708, 251.0791,
            518.2238,   89.7975, 102.6103, 188.2375,
             37.7044,  116.7069,  88.7194,  24.1508,
        ];
        for r in 0..4 {
            for v in 0..4 {
                let (got, want) = (fh.trade_after[(r, v)], m1[4 * r + v]);
                assert!(
                    (got - want).abs() <= PRINTED_4DP,
                    "M1[{r}][{v}] = {got}, expected {want}"
                );
            }
        }
        assert_eq!(fh.trade_after, ld.trade_after);
    }

    #[test]
    fn us_jp_fta_linear() {
        let out = run(&fta(US, JP), GsimForm::Linear, CsFormula::FhSign);
        assert_close(
            &out.world_price_change,
            &[0.024092, 0.089733, -0.020124, -0.013798],
            5e-7,
            "x",
        );
        assert_close(
            &out.welfare_change,
            &[-53.6374, 78.7491, -46.0772, -34.7142],
            PRINTED_4DP,
            "dW fh_sign",
        );
    }

    #[test]
    fn us_eu_fta_levels() {
        let out = run(&fta(US, EU), GsimForm::Levels, CsFormula::LinearDemand);
        assert_close(
            &out.world_price_change,
            &[0.126460, -0.032290, 0.079329, -0.017326],
            5e-7,
            "x",
        );
        assert_close(
            &out.welfare_change,
            &[51.9455, -38.2381, 49.8360, -51.1853],
            PRINTED_4DP,
            "dW",
        );
        assert_eq!(out.report.termination, Termination::Converged);
        assert!(out.report.residual_norm <= 1e-10);
        // The CS option does not affect the levels form.
        let fh = run(&fta(US, EU), GsimForm::Levels, CsFormula::FhSign);
        assert_eq!(fh.welfare_change, out.welfare_change);
    }

    /// Relative size of the largest difference, against the largest value.
    fn rel_gap(a: &[f64], b: &[f64]) -> f64 {
        let gap = a
            .iter()
            .zip(b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max);
        let scale = b.iter().map(|y| y.abs()).fold(0.0, f64::max);
        gap / scale
    }

    /// US–EU tariffs scaled by `1 − cut`.
    fn small_cut(cut: f64) -> GsimMarket {
        let mut market = four_by_four();
        for (r, v) in [(US, EU), (EU, US)] {
            market.tariff_after[(r, v)] *= 1.0 - cut;
        }
        market
    }

    #[test]
    fn levels_matches_linear_for_small_shock() {
        // The two forms share first derivatives at the base point, so their
        // gap is second order: relative gap = c·|τ̂| with c of the order of
        // the elasticities. The full FTA (|τ̂| ≈ 0.27) gives a gap of 0.6 in
        // x, so c ≈ 2; at |τ̂| = 0.001 expect ≈ 2e-3 (measured: 1.6e-3 in x,
        // 1.2e-3 in ΔM, 2.3e-3 in ΔW). 1e-2 leaves margin, yet any
        // first-order (O(1)) discrepancy would fail it.
        let gaps: Vec<[f64; 3]> = [1e-3, 1e-4]
            .iter()
            .map(|&cut| {
                let market = small_cut(cut);
                let lin = run(&market, GsimForm::Linear, CsFormula::LinearDemand);
                let lev = run(&market, GsimForm::Levels, CsFormula::LinearDemand);
                let dm_lin: Vec<f64> = (&lin.trade_after - &market.trade).iter().copied().collect();
                let dm_lev: Vec<f64> = (&lev.trade_after - &market.trade).iter().copied().collect();
                [
                    rel_gap(
                        lev.world_price_change.as_slice(),
                        lin.world_price_change.as_slice(),
                    ),
                    rel_gap(&dm_lev, &dm_lin),
                    rel_gap(lev.welfare_change.as_slice(), lin.welfare_change.as_slice()),
                ]
            })
            .collect();
        for (what, gap) in ["x", "dM", "dW"].iter().zip(gaps[0]) {
            assert!(gap < 1e-2, "{what}: relative gap {gap} at 0.1% cut");
        }
        // Second order: a 10× smaller shock gives a ≈10× smaller relative gap.
        for (k, what) in ["x", "dM", "dW"].iter().enumerate() {
            let ratio = gaps[0][k] / gaps[1][k];
            assert!((7.0..14.0).contains(&ratio), "{what}: gap ratio {ratio}");
        }
    }

    /// A random market with zeros, Cobb–Douglas and log-demand importers,
    /// and infinite-supply exporters mixed in.
    fn random_market(rng: &mut ChaCha8Rng, n: usize) -> GsimMarket {
        let trade = DMatrix::from_fn(n, n, |_, _| {
            if rng.random::<f64>() < 0.2 {
                0.0
            } else {
                rng.random_range(1.0..500.0)
            }
        });
        let tariff_before = DMatrix::from_fn(n, n, |_, _| rng.random_range(1.0..1.6));
        let tariff_after = DMatrix::from_fn(n, n, |_, _| rng.random_range(0.9..1.6));
        GsimMarket {
            regions: (0..n).map(|i| format!("R{i}")).collect(),
            trade,
            tariff_before,
            tariff_after,
            demand_elasticity: (0..n)
                .map(|i| {
                    if i == 0 {
                        -1.0
                    } else {
                        rng.random_range(-4.0..-0.2)
                    }
                })
                .collect(),
            substitution_elasticity: (0..n)
                .map(|i| {
                    if i == 1 {
                        1.0
                    } else {
                        rng.random_range(0.3..10.0)
                    }
                })
                .collect(),
            supply_elasticity: (0..n)
                .map(|i| {
                    if i == 2 {
                        SupplyElasticity::Infinite
                    } else {
                        SupplyElasticity::Finite(rng.random_range(0.2..20.0))
                    }
                })
                .collect(),
        }
    }

    #[test]
    fn analytic_jacobian_matches_finite_differences() {
        let mut rng = ChaCha8Rng::seed_from_u64(20260);
        let mut checked = 0;
        for case in 0..12 {
            let n = 3 + case % 5;
            let market = random_market(&mut rng, n);
            market.validate().unwrap();
            let cal = Calibration::new(&market);
            let system = LevelsSystem::new(&cal);
            let m = system.dim();
            if m == 0 {
                continue;
            }
            let z = DVector::from_fn(m, |_, _| rng.random_range(-0.4..0.4));
            let mut jac = DMatrix::zeros(m, m);
            system.jacobian(&z, &mut jac);

            let h = 1e-6;
            let (mut up, mut down) = (DVector::zeros(m), DVector::zeros(m));
            for j in 0..m {
                let mut zp = z.clone();
                zp[j] += h;
                let mut zm = z.clone();
                zm[j] -= h;
                system.residual(&zp, &mut up);
                system.residual(&zm, &mut down);
                for i in 0..m {
                    let fd = (up[i] - down[i]) / (2.0 * h);
                    // Central differences: O(h²) truncation plus
                    // O(ε/h) ≈ 1e-10 rounding.
                    assert!(
                        (jac[(i, j)] - fd).abs() <= 1e-7 * (1.0 + fd.abs()),
                        "case {case}: J[{i}][{j}] = {}, FD = {fd}",
                        jac[(i, j)]
                    );
                }
            }
            checked += 1;
        }
        assert!(checked >= 10);
    }

    fn same_bits(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
    }

    /// The levels system that computes each quantity once per point gives the residual,
    /// Jacobian and solution of the formulas written out term by term, bit for bit: on
    /// markets of 3 to 20 regions (more than one block of Jacobian columns), with
    /// Cobb–Douglas, log-demand and infinite-supply regions, zero flows, and points far
    /// enough from base prices to take the log-sum-exp branches.
    #[test]
    fn levels_system_equals_reference_bit_for_bit() {
        let mut rng = ChaCha8Rng::seed_from_u64(41);
        let mut far = 0;
        for case in 0..30 {
            let n = 3 + case % 18;
            let mut market = random_market(&mut rng, n);
            if case % 3 == 0 {
                market.tariff_after = market.tariff_after.map(|t| t * 3.0);
            }
            market.validate().unwrap();
            let cal = Calibration::new(&market);
            let fast = LevelsSystem::new(&cal);
            let reference = reference::ReferenceSystem::new(&cal);
            let m = fast.dim();
            assert_eq!(m, reference.dim());
            for scale in [0.0, 0.01, 0.3, 2.0] {
                let z = DVector::from_fn(m, |_, _| scale * rng.random_range(-1.0..1.0));
                far += usize::from(scale >= 2.0);
                let (mut f1, mut f2) = (DVector::zeros(m), DVector::zeros(m));
                fast.residual(&z, &mut f1);
                reference.residual(&z, &mut f2);
                assert!(
                    same_bits(f1.as_slice(), f2.as_slice()),
                    "case {case}: residual"
                );
                let (mut j1, mut j2) = (DMatrix::zeros(m, m), DMatrix::zeros(m, m));
                fast.jacobian(&z, &mut j1);
                reference.jacobian(&z, &mut j2);
                assert!(
                    same_bits(j1.as_slice(), j2.as_slice()),
                    "case {case}: Jacobian"
                );
                // The Jacobian at a point not evaluated before computes it afresh.
                let z2 = z.map(|v| v * 0.5 + 0.001);
                fast.jacobian(&z2, &mut j1);
                reference.jacobian(&z2, &mut j2);
                assert!(
                    same_bits(j1.as_slice(), j2.as_slice()),
                    "case {case}: Jacobian 2"
                );
                let (l1, l2) = (fast.log_indices(&z), reference.log_indices(&z));
                assert!(same_bits(&l1, &l2), "case {case}: price indices");
            }
            let newton = NewtonOptions::default();
            let solved = [
                solve_levels_with(&cal, &fast, &newton),
                solve_levels_with(&cal, &reference, &newton),
            ];
            match solved {
                [Ok(a), Ok(b)] => {
                    assert_eq!(a.report, b.report, "case {case}");
                    for (x, y) in [
                        (a.x.as_slice(), b.x.as_slice()),
                        (a.composite.as_slice(), b.composite.as_slice()),
                        (a.trade_after.as_slice(), b.trade_after.as_slice()),
                        (a.producer_surplus.as_slice(), b.producer_surplus.as_slice()),
                        (a.consumer_surplus.as_slice(), b.consumer_surplus.as_slice()),
                    ] {
                        assert!(same_bits(x, y), "case {case}: solution");
                    }
                }
                [Err(a), Err(b)] => assert_eq!(a.to_string(), b.to_string()),
                _ => panic!("case {case}: one system solved and the other did not"),
            }
        }
        assert!(far >= 30);
    }

    #[test]
    fn random_markets_solve_in_levels_form() {
        // Newton with the analytic Jacobian should converge quadratically.
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..10 {
            let market = random_market(&mut rng, 6);
            let out = run(&market, GsimForm::Levels, CsFormula::LinearDemand);
            assert!(out.report.iterations <= 12, "{:?}", out.report);
        }
    }

    /// One importer (`US`) buying from three exporters, who import nothing.
    fn single_importer(supply: SupplyElasticity, t0: f64, t1: [f64; 3]) -> GsimMarket {
        let n = 4;
        let mut trade = DMatrix::zeros(n, n);
        for (r, m) in [(1, 100.0), (2, 300.0), (3, 100.0)] {
            trade[(r, 0)] = m;
        }
        let tariff_before = DMatrix::from_element(n, n, t0);
        let mut tariff_after = tariff_before.clone();
        for r in 1..n {
            tariff_after[(r, 0)] = t1[r - 1];
        }
        GsimMarket {
            regions: ["US", "PAK", "CHN", "VNM"].map(String::from).to_vec(),
            trade,
            tariff_before,
            tariff_after,
            demand_elasticity: vec![-1.5; n],
            substitution_elasticity: vec![1.5; n],
            supply_elasticity: vec![supply; n],
        }
    }

    #[test]
    fn single_importer_infinite_supply_matches_smart_creation() {
        // §2.7 (T6): with equal base tariffs, total import change equals
        // SMART's total trade creation ε·Σ M_c τ̂_c.
        let market = single_importer(SupplyElasticity::Infinite, 1.15, [1.0, 1.15, 1.10]);
        let out = run(&market, GsimForm::Linear, CsFormula::LinearDemand);
        let eps = -1.5;
        let creation: f64 = [(1, 100.0), (2, 300.0), (3, 100.0)]
            .iter()
            .map(|&(r, m)| eps * m * (market.tariff_after[(r, 0)] / 1.15 - 1.0))
            .sum();
        let total_change = out.trade_after.column(0).sum() - market.trade.column(0).sum();
        assert_abs_diff_eq!(total_change, creation, epsilon = 1e-10);
        assert_eq!(out.world_price_change, DVector::zeros(4));
        assert_eq!(out.report.iterations, 0);
        // The exporters have no demand of their own: skipped, not errors.
        assert_abs_diff_eq!(out.consumer_surplus_change.rows(1, 3).sum(), 0.0);
    }

    #[test]
    fn single_importer_uniform_cut_matches_smart_price_effect() {
        // §2.7 (T7): p̂* = ε·τ̂/(e_x − ε), and value change = TC + PE.
        let (eps, e_x) = (-1.5, 5.0);
        let market = single_importer(SupplyElasticity::Finite(e_x), 1.2, [1.1; 3]);
        let out = run(&market, GsimForm::Linear, CsFormula::LinearDemand);
        let tau = 1.1 / 1.2 - 1.0;
        let p_star = eps * tau / (e_x - eps);
        for r in 1..4 {
            assert_abs_diff_eq!(out.world_price_change[r], p_star, epsilon = 1e-12);
            let m = market.trade[(r, 0)];
            let tc = eps * m * tau / (1.0 - eps / e_x);
            let pe = p_star * (m + tc);
            assert_abs_diff_eq!(out.trade_after[(r, 0)] - m, tc + pe, epsilon = 1e-9);
        }
        // US exports nothing, so its price is not solved for and stays 0.
        assert_abs_diff_eq!(out.world_price_change[0], 0.0);
    }

    #[test]
    fn no_tariff_change_changes_nothing() {
        let market = four_by_four();
        for form in [GsimForm::Linear, GsimForm::Levels] {
            let out = run(&market, form, CsFormula::FhSign);
            let zero = DVector::zeros(4);
            assert_abs_diff_eq!(out.world_price_change, zero, epsilon = 1e-15);
            assert_abs_diff_eq!(out.composite_price_change, zero, epsilon = 1e-15);
            assert_abs_diff_eq!(out.producer_surplus_change, zero, epsilon = 1e-12);
            assert_abs_diff_eq!(out.consumer_surplus_change, zero, epsilon = 1e-12);
            assert_abs_diff_eq!(out.tariff_revenue_change, zero, epsilon = 1e-12);
            assert_abs_diff_eq!(out.welfare_change, zero, epsilon = 1e-12);
            assert_abs_diff_eq!(out.trade_after, market.trade, epsilon = 1e-12);
        }
        let levels = run(&market, GsimForm::Levels, CsFormula::LinearDemand);
        assert_eq!(levels.report.termination, Termination::InitialGuess);
    }

    #[test]
    fn levels_handles_cobb_douglas_and_log_demand() {
        // E_s = 1 and E_m = −1 take special branches; they must agree with
        // the neighbouring regular values.
        let at = |e_s: f64, e_m: f64| {
            let mut market = fta(US, EU);
            market.substitution_elasticity = vec![e_s; 4];
            market.demand_elasticity = vec![e_m; 4];
            run(&market, GsimForm::Levels, CsFormula::LinearDemand)
        };
        let exact = at(1.0, -1.0);
        let near = at(1.0 + 1e-7, -1.0 + 1e-7);
        assert_abs_diff_eq!(
            exact.world_price_change,
            near.world_price_change,
            epsilon = 1e-6
        );
        assert_abs_diff_eq!(exact.welfare_change, near.welfare_change, epsilon = 1e-4);
    }

    #[test]
    fn infinite_supply_is_none_or_infinity() {
        let mut a = fta(US, EU);
        a.supply_elasticity[JP] = SupplyElasticity::Infinite;
        let mut b = a.clone();
        b.supply_elasticity[JP] = SupplyElasticity::Finite(f64::INFINITY);
        for form in [GsimForm::Linear, GsimForm::Levels] {
            let (oa, ob) = (
                run(&a, form, CsFormula::LinearDemand),
                run(&b, form, CsFormula::LinearDemand),
            );
            assert_abs_diff_eq!(oa.world_price_change[JP], 0.0);
            assert_abs_diff_eq!(oa.producer_surplus_change[JP], 0.0);
            assert_eq!(oa, ob);
        }
    }

    #[test]
    fn bad_inputs_are_rejected() {
        let check = |edit: &dyn Fn(&mut GsimMarket), pred: &dyn Fn(&GsimError) -> bool| {
            let mut market = fta(US, EU);
            edit(&mut market);
            let err = solve(&market, &GsimOptions::default()).unwrap_err();
            assert!(pred(&err), "unexpected error: {err:?}");
            assert!(!err.to_string().is_empty());
        };
        check(&|m| m.regions.clear(), &|e| {
            matches!(e, GsimError::NoRegions)
        });
        check(&|m| m.trade = DMatrix::zeros(4, 3), &|e| {
            matches!(
                e,
                GsimError::ShapeMismatch {
                    what: "trade matrix",
                    rows: 4,
                    cols: 3,
                    ..
                }
            )
        });
        check(
            &|m| m.tariff_after = DMatrix::from_element(3, 3, 1.0),
            &|e| {
                matches!(
                    e,
                    GsimError::ShapeMismatch {
                        what: "new tariff matrix",
                        ..
                    }
                )
            },
        );
        check(&|m| m.regions.push("XX".into()), &|e| {
            matches!(e, GsimError::ShapeMismatch { regions: 5, .. })
        });
        check(&|m| m.demand_elasticity.pop().map(drop).unwrap(), &|e| {
            matches!(e, GsimError::LengthMismatch { found: 3, .. })
        });
        check(
            &|m| m.supply_elasticity.push(SupplyElasticity::Infinite),
            &|e| matches!(e, GsimError::LengthMismatch { found: 5, .. }),
        );
        check(&|m| m.trade[(JP, RW)] = -1.0, &|e| {
            matches!(e, GsimError::InvalidTrade { exporter, importer, .. }
                if exporter == "JP" && importer == "RW")
        });
        check(
            &|m| m.trade[(RW, US)] = f64::NAN,
            &|e| matches!(e, GsimError::InvalidTrade { exporter, .. } if exporter == "RW"),
        );
        // Two problems: the first in exporter-then-importer order is named (not the first
        // in the matrices' storage order).
        check(
            &|m| {
                m.trade[(JP, US)] = -1.0;
                m.tariff_after[(US, JP)] = 0.0;
            },
            &|e| {
                matches!(e, GsimError::InvalidTariffPower { stage: TariffStage::After, exporter, importer, .. }
                if exporter == "US" && importer == "JP")
            },
        );
        check(&|m| m.tariff_before[(EU, JP)] = 0.0, &|e| {
            matches!(e, GsimError::InvalidTariffPower { stage: TariffStage::Before, exporter, importer, .. }
                if exporter == "EU" && importer == "JP")
        });
        check(&|m| m.tariff_after[(US, US)] = f64::INFINITY, &|e| {
            matches!(
                e,
                GsimError::InvalidTariffPower {
                    stage: TariffStage::After,
                    ..
                }
            )
        });
        check(&|m| m.demand_elasticity[EU] = 1.25, &|e| {
            matches!(e, GsimError::InvalidElasticity { kind: ElasticityKind::CompositeDemand, region, .. }
                if region == "EU")
        });
        check(&|m| m.demand_elasticity[US] = 0.0, &|e| {
            matches!(
                e,
                GsimError::InvalidElasticity {
                    kind: ElasticityKind::CompositeDemand,
                    ..
                }
            )
        });
        check(&|m| m.substitution_elasticity[JP] = 0.0, &|e| {
            matches!(e, GsimError::InvalidElasticity { kind: ElasticityKind::Substitution, region, .. }
                if region == "JP")
        });
        check(&|m| m.substitution_elasticity[JP] = f64::NAN, &|e| {
            matches!(
                e,
                GsimError::InvalidElasticity {
                    kind: ElasticityKind::Substitution,
                    ..
                }
            )
        });
        check(
            &|m| m.supply_elasticity[RW] = SupplyElasticity::Finite(-1.5),
            &|e| {
                matches!(e, GsimError::InvalidElasticity { kind: ElasticityKind::Supply, region, .. }
                if region == "RW")
            },
        );
        check(
            &|m| m.supply_elasticity[RW] = SupplyElasticity::Finite(f64::NAN),
            &|e| {
                matches!(
                    e,
                    GsimError::InvalidElasticity {
                        kind: ElasticityKind::Supply,
                        ..
                    }
                )
            },
        );
        check(&|m| m.trade.fill(0.0), &|e| matches!(e, GsimError::NoTrade));

        // Tariff powers below 1 (import subsidies) are allowed.
        let mut subsidy = fta(US, EU);
        subsidy.tariff_after[(JP, US)] = 0.9;
        assert!(solve(&subsidy, &GsimOptions::default()).is_ok());
    }

    #[test]
    fn overflow_is_an_error_not_nan() {
        let mut market = fta(US, EU);
        market.tariff_after[(JP, US)] = 1e300;
        let err = solve(&market, &GsimOptions::default()).unwrap_err();
        assert!(
            matches!(err, GsimError::NonFiniteResult { .. } | GsimError::Solve(_)),
            "{err:?}"
        );
        // The levels form works in logs: a prohibitive tariff simply shuts
        // the flow.
        let levels = GsimOptions {
            form: GsimForm::Levels,
            ..GsimOptions::default()
        };
        let out = solve(&market, &levels).unwrap();
        assert!(out.welfare_change.iter().all(|w| w.is_finite()));
        assert!(out.trade_after[(JP, US)] < 1e-100);
    }

    #[test]
    fn newton_failure_is_reported_as_solve_error() {
        let options = GsimOptions {
            form: GsimForm::Levels,
            newton: NewtonOptions {
                max_iterations: 1,
                ..NewtonOptions::default()
            },
            ..GsimOptions::default()
        };
        let err = solve(&fta(US, EU), &options).unwrap_err();
        assert!(
            matches!(
                err,
                GsimError::Solve(SolveError::NotConverged { iterations: 1, .. })
            ),
            "{err:?}"
        );
    }

    #[test]
    fn error_messages_name_regions() {
        let mut market = fta(US, EU);
        market.demand_elasticity[JP] = 0.5;
        let msg = market.validate().unwrap_err().to_string();
        assert_eq!(
            msg,
            "composite demand elasticity E_m of JP is 0.5; it must be finite and negative"
        );
    }
}
