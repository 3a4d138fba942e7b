//! Damped Newton solver for square nonlinear systems `F(x) = 0`.
//!
//! The solver is kept apart from the economics, in the style of argmin: a model
//! implements [`NonlinearSystem`] (residual and analytic Jacobian) and
//! [`newton_solve`] sees nothing else. Models can then be tested on their own
//! (for example Jacobian against finite differences), and the solver on toy
//! systems.
//!
//! The method is Newton's with two safeguards (Nocedal & Wright, *Numerical
//! Optimization*, ch. 11): the step is capped at [`NewtonOptions::max_step`],
//! and a backtracking (Armijo) line search on the Euclidean norm of the
//! residual halves the step until the norm decreases. Failures come back as
//! [`SolveError`]; the solver never panics and never hands back a non-finite
//! iterate as a solution.
//!
//! # Stopping rule
//!
//! The residual test is relative to the problem (Kelley, *Iterative Methods
//! for Linear and Nonlinear Equations*, 1995, §5.2): the residual is *small*
//! once `‖F(x)‖ ≤ tolerance + relative_tolerance·‖F(x₀)‖`, so a system whose
//! starting residual is tiny (a tiny shock) is held to a proportionally tiny
//! residual. Being small does not stop the iteration: from then on full
//! Newton steps (*polishing* steps, without line search) are taken as long as
//! each one reduces the residual, because near a root one more step squares
//! the error for the price of one factorisation. The solve stops, with the
//! reason in [`Termination`], when
//!
//! * a Newton step is within [`NewtonOptions::step_tolerance`] of the iterate
//!   (relative, infinity norm): the iterate is at machine precision
//!   ([`Termination::Converged`]);
//! * the residual is exactly zero ([`Termination::Converged`]);
//! * a full Newton step no longer reduces the residual: it is at its rounding
//!   floor ([`Termination::NoFurtherDecrease`]);
//! * the iteration limit is reached with the residual small
//!   ([`Termination::IterationLimit`]).
//!
//! A solve that took no step at all reports [`Termination::InitialGuess`].
//! The iteration limit reached, or a failed line search, *before* the
//! residual is small is an error.

use std::fmt;

use nalgebra::{DMatrix, DVector};
use thiserror::Error;

/// A square system of equations `F(x) = 0` with an analytic Jacobian.
///
/// Both methods write into buffers owned by the solver, so a model need not
/// allocate per call.
pub trait NonlinearSystem {
    /// Number of unknowns, equal to the number of equations.
    fn dim(&self) -> usize;

    /// Writes `F(x)` into `out` (length [`dim`](Self::dim)).
    fn residual(&self, x: &DVector<f64>, out: &mut DVector<f64>);

    /// Writes the Jacobian `∂F_i/∂x_j` into `out` (`dim × dim`, row `i`
    /// is equation `i`).
    fn jacobian(&self, x: &DVector<f64>, out: &mut DMatrix<f64>);
}

/// Settings for [`newton_solve`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NewtonOptions {
    /// Maximum number of Newton steps. Reached before the residual is small
    /// (see [`tolerance`](Self::tolerance)), it is
    /// [`SolveError::NotConverged`]; reached while polishing, the solve
    /// succeeds with [`Termination::IterationLimit`].
    pub max_iterations: usize,
    /// Absolute part of the residual test: the residual is small once its
    /// Euclidean norm is at most
    /// `tolerance + relative_tolerance·‖F(x₀)‖`. It is a floor for problems
    /// whose starting residual is already near rounding; it should sit above
    /// the rounding level of `F`. Must be finite and non-negative.
    pub tolerance: f64,
    /// Relative part of the residual test, a fraction of the residual norm at
    /// the starting point. Must be finite and non-negative.
    pub relative_tolerance: f64,
    /// Step-size test: once the residual is small, the solve stops when a
    /// Newton step's largest component is at most this fraction of the
    /// iterate's largest component. Must be finite and non-negative.
    pub step_tolerance: f64,
    /// Damping: the largest component of a step (infinity norm) is scaled
    /// down to this size. Must be positive; `f64::INFINITY` means no cap.
    pub max_step: f64,
    /// Backtrack along the Newton direction until the residual norm
    /// decreases. Without it the full (capped) step is always taken.
    pub line_search: bool,
}

impl Default for NewtonOptions {
    /// 100 iterations; residual small at `1e-12 + 1e-10·‖F(x₀)‖`; step
    /// tolerance `1e-14` (about 45 ulp); no step cap; line search on.
    ///
    /// The residual test only decides when polishing starts and what a
    /// stalled solve must have reached; the accuracy comes from the polishing
    /// steps, which carry a quadratically convergent iteration to rounding
    /// level. See `docs/decisions.md`.
    fn default() -> Self {
        Self {
            max_iterations: 100,
            tolerance: 1e-12,
            relative_tolerance: 1e-10,
            step_tolerance: 1e-14,
            max_step: f64::INFINITY,
            line_search: true,
        }
    }
}

/// Why a successful solve stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Termination {
    /// The residual is small and the last Newton step was within the step
    /// tolerance (or the residual is exactly zero): the iterate is at
    /// machine precision.
    Converged,
    /// The residual is small and a further full Newton step did not reduce
    /// it (or could not be computed): the residual is at its rounding floor.
    NoFurtherDecrease,
    /// The residual is small, but the iteration limit ended the polishing
    /// steps while they were still reducing it.
    IterationLimit,
    /// The starting point is returned unchanged: its residual was small and
    /// no Newton step improved it.
    InitialGuess,
    /// The problem is linear and was solved with one LU factorisation
    /// (used by callers that bypass the iteration, such as linear GSIM).
    DirectSolve,
}

impl fmt::Display for Termination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Converged => "converged",
            Self::NoFurtherDecrease => "converged to the rounding floor of the residual",
            Self::IterationLimit => "residual within tolerance at the iteration limit",
            Self::InitialGuess => "initial guess already converged",
            Self::DirectSolve => "solved directly (linear system)",
        })
    }
}

/// Summary of a successful solve, kept so results can show how they were
/// obtained.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NewtonReport {
    /// Newton steps taken (accepted). A polishing step that was tried and
    /// rejected is not counted.
    pub iterations: usize,
    /// Euclidean norm of the residual at the returned point.
    pub residual_norm: f64,
    /// Why the solver stopped.
    pub termination: Termination,
}

/// Why a Newton solve failed.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum SolveError {
    /// The Jacobian could not be factorised (a zero pivot) or gave a
    /// non-finite step; the model is degenerate at this point.
    #[error("Jacobian is singular at Newton iteration {iteration}")]
    SingularJacobian {
        /// Newton step (1-based) at which the factorisation failed.
        iteration: usize,
    },
    /// The iteration limit was reached before the residual was small (see
    /// [`NewtonOptions::tolerance`]).
    #[error(
        "Newton solver did not converge in {iterations} iterations \
         (residual norm {residual_norm:e})"
    )]
    NotConverged {
        /// Steps taken.
        iterations: usize,
        /// Residual norm at the last iterate.
        residual_norm: f64,
    },
    /// The model returned NaN or infinity in its residual or Jacobian
    /// (0 = at the starting point), usually an input outside its domain.
    #[error("residual or Jacobian is not finite at Newton iteration {iteration}")]
    NonFinite {
        /// Newton step (1-based) at which it happened; 0 is the start.
        iteration: usize,
    },
    /// No step length along the Newton direction reduced the residual norm;
    /// typically the tolerance is below what rounding allows, or the start
    /// is too far from a solution.
    #[error(
        "line search failed at Newton iteration {iteration} \
         (residual norm {residual_norm:e})"
    )]
    LineSearchFailed {
        /// Newton step (1-based) at which it happened.
        iteration: usize,
        /// Residual norm at the last accepted iterate.
        residual_norm: f64,
    },
    /// The options or the starting point do not fit the problem.
    #[error("invalid Newton solver input: {reason}")]
    InvalidInput {
        /// What is wrong.
        reason: &'static str,
    },
}

/// Armijo constant: a step must cut the residual norm by at least this
/// fraction of the step length.
const ARMIJO: f64 = 1e-4;
/// Halvings before the line search gives up (2⁻⁴⁰ ≈ 1e-12 of the step).
const MAX_HALVINGS: usize = 40;

/// Solves `system(x) = 0` by damped Newton, starting from `x`, with the
/// stopping rule of the [module documentation](self).
///
/// On success `x` holds the solution. On error it holds the last accepted
/// iterate, which helps diagnose the failure.
///
/// # Errors
///
/// See [`SolveError`]: before the residual is small, a singular Jacobian, a
/// non-finite residual or Jacobian, a failed line search, or the iteration
/// limit; at any time, invalid options or starting point. Once the residual
/// is small, the solve always succeeds.
pub fn newton_solve<S: NonlinearSystem + ?Sized>(
    system: &S,
    x: &mut DVector<f64>,
    options: &NewtonOptions,
) -> Result<NewtonReport, SolveError> {
    check_options(options)?;
    let n = system.dim();
    if x.len() != n {
        return Err(SolveError::InvalidInput {
            reason: "starting point length differs from the system dimension",
        });
    }
    if !all_finite(x.as_slice()) {
        return Err(SolveError::InvalidInput {
            reason: "starting point is not finite",
        });
    }

    let mut f = DVector::zeros(n);
    system.residual(x, &mut f);
    if !all_finite(f.as_slice()) {
        return Err(SolveError::NonFinite { iteration: 0 });
    }
    let mut norm = f.norm();
    let small = options.tolerance + options.relative_tolerance * norm;

    // Buffers reused across iterations; only the LU factors are allocated
    // per step (nalgebra's LU consumes its matrix).
    let mut jac = DMatrix::zeros(n, n);
    let mut dx = DVector::zeros(n);
    let mut trial_x = DVector::zeros(n);
    let mut trial_f = DVector::zeros(n);

    let mut iterations = 0;
    let done = |iterations: usize, residual_norm: f64, termination: Termination| {
        Ok(NewtonReport {
            iterations,
            residual_norm,
            termination: if iterations == 0 {
                Termination::InitialGuess
            } else {
                termination
            },
        })
    };
    loop {
        if norm == 0.0 {
            return done(iterations, norm, Termination::Converged);
        }
        let polishing = norm <= small;
        if iterations == options.max_iterations {
            return if polishing {
                done(iterations, norm, Termination::IterationLimit)
            } else {
                Err(SolveError::NotConverged {
                    iterations,
                    residual_norm: norm,
                })
            };
        }
        let iteration = iterations + 1;

        // Newton direction, capped. While polishing, a step that cannot be
        // computed only means no further improvement: the residual is small.
        system.jacobian(x, &mut jac);
        let direction = if !all_finite(jac.as_slice()) {
            Err(SolveError::NonFinite { iteration })
        } else {
            dx.copy_from(&f);
            dx.neg_mut();
            if jac.clone().lu().solve_mut(&mut dx) && all_finite(dx.as_slice()) {
                Ok(())
            } else {
                Err(SolveError::SingularJacobian { iteration })
            }
        };
        if let Err(err) = direction {
            return if polishing {
                done(iterations, norm, Termination::NoFurtherDecrease)
            } else {
                Err(err)
            };
        }
        let largest = dx.amax();
        if largest > options.max_step {
            dx *= options.max_step / largest;
        }

        if polishing {
            // One full step, kept only if it reduces the residual.
            let at_precision = dx.amax() <= options.step_tolerance * x.amax();
            trial_x.copy_from(x);
            trial_x += &dx;
            let trial_norm = trial_residual(system, &trial_x, &mut trial_f);
            let reduces = if at_precision {
                trial_norm < norm
            } else {
                trial_norm <= (1.0 - ARMIJO) * norm
            };
            if reduces {
                std::mem::swap(x, &mut trial_x);
                std::mem::swap(&mut f, &mut trial_f);
                norm = trial_norm;
                iterations = iteration;
            }
            if at_precision {
                return done(iterations, norm, Termination::Converged);
            }
            if !reduces {
                return done(iterations, norm, Termination::NoFurtherDecrease);
            }
            continue;
        }

        let mut alpha = 1.0;
        let mut accepted = None;
        for _ in 0..=MAX_HALVINGS {
            trial_x.copy_from(x);
            trial_x.axpy(alpha, &dx, 1.0);
            let trial_norm = trial_residual(system, &trial_x, &mut trial_f);
            if !options.line_search {
                if !trial_norm.is_finite() {
                    return Err(SolveError::NonFinite { iteration });
                }
                accepted = Some(trial_norm);
                break;
            }
            if trial_norm <= (1.0 - ARMIJO * alpha) * norm {
                accepted = Some(trial_norm);
                break;
            }
            alpha *= 0.5;
        }
        let Some(trial_norm) = accepted else {
            return Err(SolveError::LineSearchFailed {
                iteration,
                residual_norm: norm,
            });
        };
        std::mem::swap(x, &mut trial_x);
        std::mem::swap(&mut f, &mut trial_f);
        norm = trial_norm;
        iterations = iteration;
    }
}

/// Writes `F(x)` into `out` and returns its norm, or infinity if any
/// component is not finite.
fn trial_residual<S: NonlinearSystem + ?Sized>(
    system: &S,
    x: &DVector<f64>,
    out: &mut DVector<f64>,
) -> f64 {
    system.residual(x, out);
    if all_finite(out.as_slice()) {
        out.norm()
    } else {
        f64::INFINITY
    }
}

fn check_options(options: &NewtonOptions) -> Result<(), SolveError> {
    for (value, reason) in [
        (
            options.tolerance,
            "tolerance must be finite and non-negative",
        ),
        (
            options.relative_tolerance,
            "relative_tolerance must be finite and non-negative",
        ),
        (
            options.step_tolerance,
            "step_tolerance must be finite and non-negative",
        ),
    ] {
        if !(value.is_finite() && value >= 0.0) {
            return Err(SolveError::InvalidInput { reason });
        }
    }
    if options.max_step.is_nan() || options.max_step <= 0.0 {
        return Err(SolveError::InvalidInput {
            reason: "max_step must be positive (use infinity for no cap)",
        });
    }
    Ok(())
}

fn all_finite(values: &[f64]) -> bool {
    values.iter().all(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::{assert_abs_diff_eq, assert_relative_eq};

    /// Circle of radius 2 intersected with the diagonal: root (√2, √2).
    struct Circle;

    impl NonlinearSystem for Circle {
        fn dim(&self) -> usize {
            2
        }
        fn residual(&self, x: &DVector<f64>, out: &mut DVector<f64>) {
            out[0] = x[0] * x[0] + x[1] * x[1] - 4.0;
            out[1] = x[0] - x[1];
        }
        fn jacobian(&self, x: &DVector<f64>, out: &mut DMatrix<f64>) {
            out[(0, 0)] = 2.0 * x[0];
            out[(0, 1)] = 2.0 * x[1];
            out[(1, 0)] = 1.0;
            out[(1, 1)] = -1.0;
        }
    }

    /// `atan(x) = 0`: plain Newton diverges from |x0| > 1.39, a line search
    /// rescues it.
    struct Atan;

    impl NonlinearSystem for Atan {
        fn dim(&self) -> usize {
            1
        }
        fn residual(&self, x: &DVector<f64>, out: &mut DVector<f64>) {
            out[0] = x[0].atan();
        }
        fn jacobian(&self, x: &DVector<f64>, out: &mut DMatrix<f64>) {
            out[(0, 0)] = 1.0 / (1.0 + x[0] * x[0]);
        }
    }

    /// Two parallel lines: the Jacobian has rank 1 everywhere.
    struct Parallel;

    impl NonlinearSystem for Parallel {
        fn dim(&self) -> usize {
            2
        }
        fn residual(&self, x: &DVector<f64>, out: &mut DVector<f64>) {
            out[0] = x[0] + x[1] - 1.0;
            out[1] = 2.0 * x[0] + 2.0 * x[1] - 3.0;
        }
        fn jacobian(&self, _x: &DVector<f64>, out: &mut DMatrix<f64>) {
            out.copy_from_slice(&[1.0, 2.0, 1.0, 2.0]);
        }
    }

    /// `sqrt(x) - 1 = 0`: NaN for negative x.
    struct Sqrt;

    impl NonlinearSystem for Sqrt {
        fn dim(&self) -> usize {
            1
        }
        fn residual(&self, x: &DVector<f64>, out: &mut DVector<f64>) {
            out[0] = x[0].sqrt() - 1.0;
        }
        fn jacobian(&self, x: &DVector<f64>, out: &mut DMatrix<f64>) {
            out[(0, 0)] = 0.5 / x[0].sqrt();
        }
    }

    #[test]
    fn converges_on_circle() {
        let mut x = DVector::from_vec(vec![1.0, 0.5]);
        let report = newton_solve(&Circle, &mut x, &NewtonOptions::default()).unwrap();
        assert_eq!(report.termination, Termination::Converged);
        assert!(report.iterations <= 8, "{report:?}");
        assert!(report.residual_norm <= 1e-10);
        let root = 2f64.sqrt();
        assert_relative_eq!(x, DVector::from_vec(vec![root, root]), epsilon = 1e-12);
    }

    #[test]
    fn start_at_root_takes_no_step() {
        let mut x = DVector::from_vec(vec![0.0]);
        let report = newton_solve(&Atan, &mut x, &NewtonOptions::default()).unwrap();
        assert_eq!(report.iterations, 0);
        assert_eq!(report.termination, Termination::InitialGuess);
    }

    #[test]
    fn line_search_rescues_divergent_newton() {
        let plain = NewtonOptions {
            line_search: false,
            max_iterations: 20,
            ..NewtonOptions::default()
        };
        let mut x = DVector::from_vec(vec![3.0]);
        let err = newton_solve(&Atan, &mut x, &plain).unwrap_err();
        // The iterates grow until 1/(1+x²) underflows to zero.
        assert!(
            matches!(
                err,
                SolveError::NotConverged { .. }
                    | SolveError::NonFinite { .. }
                    | SolveError::SingularJacobian { .. }
            ),
            "{err:?}"
        );

        let mut x = DVector::from_vec(vec![3.0]);
        let report = newton_solve(&Atan, &mut x, &NewtonOptions::default()).unwrap();
        assert_eq!(report.termination, Termination::Converged);
        assert!(x[0].abs() < 1e-10);
    }

    #[test]
    fn max_step_caps_each_step() {
        let options = NewtonOptions {
            max_step: 0.5,
            line_search: false,
            ..NewtonOptions::default()
        };
        // Newton's first step from 3 is about -13.4; capped it is -0.5, and
        // the capped iteration still reaches the root.
        let mut x = DVector::from_vec(vec![3.0]);
        let report = newton_solve(&Atan, &mut x, &options).unwrap();
        assert!(report.iterations >= 6, "{report:?}");
        assert!(x[0].abs() < 1e-10);
    }

    #[test]
    fn singular_jacobian_is_reported() {
        let mut x = DVector::from_vec(vec![0.0, 0.0]);
        let err = newton_solve(&Parallel, &mut x, &NewtonOptions::default()).unwrap_err();
        assert_eq!(err, SolveError::SingularJacobian { iteration: 1 });
    }

    #[test]
    fn non_finite_start_is_reported() {
        let mut x = DVector::from_vec(vec![-1.0]);
        let err = newton_solve(&Sqrt, &mut x, &NewtonOptions::default()).unwrap_err();
        assert_eq!(err, SolveError::NonFinite { iteration: 0 });
    }

    #[test]
    fn line_search_backs_off_from_nan_region() {
        // The full step from 9 lands at -3 (NaN); halving finds x > 0.
        let mut x = DVector::from_vec(vec![9.0]);
        let report = newton_solve(&Sqrt, &mut x, &NewtonOptions::default()).unwrap();
        assert_eq!(report.termination, Termination::Converged);
        assert_relative_eq!(x[0], 1.0, epsilon = 1e-9);

        let plain = NewtonOptions {
            line_search: false,
            ..NewtonOptions::default()
        };
        let mut x = DVector::from_vec(vec![9.0]);
        let err = newton_solve(&Sqrt, &mut x, &plain).unwrap_err();
        assert_eq!(err, SolveError::NonFinite { iteration: 1 });
    }

    #[test]
    fn iteration_limit_is_reported() {
        let options = NewtonOptions {
            max_iterations: 1,
            ..NewtonOptions::default()
        };
        let mut x = DVector::from_vec(vec![1.0, 0.5]);
        let err = newton_solve(&Circle, &mut x, &options).unwrap_err();
        match err {
            SolveError::NotConverged {
                iterations,
                residual_norm,
            } => {
                assert_eq!(iterations, 1);
                assert!(residual_norm.is_finite() && residual_norm > 1e-10);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn unreachable_tolerance_fails_cleanly() {
        let options = NewtonOptions {
            tolerance: 0.0,
            relative_tolerance: 0.0,
            max_iterations: 50,
            ..NewtonOptions::default()
        };
        let mut x = DVector::from_vec(vec![1.3, 0.2]);
        // Either rounding hits zero exactly, or the solver stops with an
        // error; it must not loop forever or panic.
        match newton_solve(&Circle, &mut x, &options) {
            Ok(report) => assert_abs_diff_eq!(report.residual_norm, 0.0),
            Err(SolveError::LineSearchFailed { residual_norm, .. })
            | Err(SolveError::NotConverged { residual_norm, .. }) => {
                assert!(residual_norm < 1e-12)
            }
            Err(other) => panic!("unexpected {other:?}"),
        }
    }

    /// `x² − a² = 0` with a tiny root `a`, from `2a`.
    struct TinyRoot(f64);

    impl NonlinearSystem for TinyRoot {
        fn dim(&self) -> usize {
            1
        }
        fn residual(&self, x: &DVector<f64>, out: &mut DVector<f64>) {
            out[0] = x[0] * x[0] - self.0 * self.0;
        }
        fn jacobian(&self, x: &DVector<f64>, out: &mut DMatrix<f64>) {
            out[(0, 0)] = 2.0 * x[0];
        }
    }

    #[test]
    fn tiny_root_is_found_to_machine_precision() {
        // The residual starts at 3e-10. An absolute test of 1e-10 stops after
        // one step at x = 1.25e-5, 25% off; the test relative to the
        // starting residual, and the polishing steps after it, go on to the
        // root.
        let a = 1e-5;
        let mut x = DVector::from_vec(vec![2.0 * a]);
        let report = newton_solve(&TinyRoot(a), &mut x, &NewtonOptions::default()).unwrap();
        assert_eq!(report.termination, Termination::Converged, "{report:?}");
        assert_relative_eq!(x[0], a, max_relative = 4.0 * f64::EPSILON);
    }

    /// The circle scaled by `1e8`: the residual's rounding floor is ≈ 1e-7.
    struct BigCircle;

    impl NonlinearSystem for BigCircle {
        fn dim(&self) -> usize {
            2
        }
        fn residual(&self, x: &DVector<f64>, out: &mut DVector<f64>) {
            Circle.residual(x, out);
            *out *= 1e8;
        }
        fn jacobian(&self, x: &DVector<f64>, out: &mut DMatrix<f64>) {
            Circle.jacobian(x, out);
            *out *= 1e8;
        }
    }

    #[test]
    fn tolerance_scales_with_the_equations() {
        // An absolute 1e-10 is below the rounding floor here, so the line
        // search would fail; relative to the starting residual it is met,
        // and polishing reaches the root to machine precision.
        let mut x = DVector::from_vec(vec![1.0, 0.5]);
        let report = newton_solve(&BigCircle, &mut x, &NewtonOptions::default()).unwrap();
        assert_eq!(report.termination, Termination::Converged, "{report:?}");
        let root = 2f64.sqrt();
        assert_relative_eq!(x, DVector::from_vec(vec![root, root]), epsilon = 1e-15);
        assert!(report.residual_norm < 1e-6, "{report:?}");
    }

    #[test]
    fn polishing_continues_past_a_loose_tolerance() {
        // The residual is small at 1e-2 already, yet the answer is the same
        // as with the default tolerance: the polishing steps are taken.
        let loose = NewtonOptions {
            tolerance: 1e-2,
            relative_tolerance: 0.0,
            ..NewtonOptions::default()
        };
        let (mut a, mut b) = (
            DVector::from_vec(vec![1.0, 0.5]),
            DVector::from_vec(vec![1.0, 0.5]),
        );
        let la = newton_solve(&Circle, &mut a, &loose).unwrap();
        let lb = newton_solve(&Circle, &mut b, &NewtonOptions::default()).unwrap();
        assert_eq!(la.termination, Termination::Converged);
        assert!(la.residual_norm <= 1e-15, "{la:?}");
        assert_relative_eq!(a, b, epsilon = 1e-15);
        assert_eq!(la.iterations, lb.iterations);
    }

    /// `x² + 1e-14 = 0`: no root; the residual cannot fall below 1e-14.
    struct NoRoot;

    impl NonlinearSystem for NoRoot {
        fn dim(&self) -> usize {
            1
        }
        fn residual(&self, x: &DVector<f64>, out: &mut DVector<f64>) {
            out[0] = x[0] * x[0] + 1e-14;
        }
        fn jacobian(&self, x: &DVector<f64>, out: &mut DMatrix<f64>) {
            out[(0, 0)] = 2.0 * x[0];
        }
    }

    #[test]
    fn residual_floor_stops_polishing_without_error() {
        // Below the tolerance of 1e-12 the residual stops decreasing: the
        // solve succeeds and says why it stopped.
        let mut x = DVector::from_vec(vec![1.0]);
        let report = newton_solve(&NoRoot, &mut x, &NewtonOptions::default()).unwrap();
        assert_eq!(report.termination, Termination::NoFurtherDecrease);
        assert!(
            (1e-14..=1e-12).contains(&report.residual_norm),
            "{report:?}"
        );
        // From x = 0 the Jacobian is singular: nothing to polish, no step.
        let mut x = DVector::from_vec(vec![0.0]);
        let report = newton_solve(&NoRoot, &mut x, &NewtonOptions::default()).unwrap();
        assert_eq!(report.termination, Termination::InitialGuess);
        assert_eq!(report.iterations, 0);
        // Asked for less than the floor, it is an error, as before.
        let strict = NewtonOptions {
            tolerance: 1e-15,
            relative_tolerance: 0.0,
            ..NewtonOptions::default()
        };
        let mut x = DVector::from_vec(vec![1.0]);
        let err = newton_solve(&NoRoot, &mut x, &strict).unwrap_err();
        assert!(
            matches!(err, SolveError::LineSearchFailed { .. }),
            "{err:?}"
        );
    }

    #[test]
    fn iteration_limit_while_polishing_is_success() {
        // A double root (x² = 0): Newton halves x at every step, so from
        // 1e-7 (residual 1e-14, already small) the polishing steps go on
        // reducing the residual until the limit.
        let mut x = DVector::from_vec(vec![1e-7]);
        let report = newton_solve(&TinyRoot(0.0), &mut x, &NewtonOptions::default()).unwrap();
        assert_eq!(report.termination, Termination::IterationLimit);
        assert_eq!(report.iterations, 100);
        assert_relative_eq!(x[0], 1e-7 * 0.5f64.powi(100));
    }

    #[test]
    fn invalid_input_is_rejected() {
        let mut x = DVector::from_vec(vec![1.0]);
        for options in [
            NewtonOptions {
                tolerance: f64::NAN,
                ..NewtonOptions::default()
            },
            NewtonOptions {
                tolerance: -1.0,
                ..NewtonOptions::default()
            },
            NewtonOptions {
                relative_tolerance: f64::INFINITY,
                ..NewtonOptions::default()
            },
            NewtonOptions {
                step_tolerance: -1e-14,
                ..NewtonOptions::default()
            },
            NewtonOptions {
                max_step: 0.0,
                ..NewtonOptions::default()
            },
            NewtonOptions {
                max_step: f64::NAN,
                ..NewtonOptions::default()
            },
        ] {
            let err = newton_solve(&Atan, &mut x, &options).unwrap_err();
            assert!(matches!(err, SolveError::InvalidInput { .. }), "{err:?}");
        }
        let mut wrong_len = DVector::from_vec(vec![1.0, 2.0]);
        let err = newton_solve(&Atan, &mut wrong_len, &NewtonOptions::default()).unwrap_err();
        assert!(matches!(err, SolveError::InvalidInput { .. }));
    }

    #[test]
    fn messages_are_readable() {
        assert_eq!(Termination::Converged.to_string(), "converged");
        assert_eq!(
            Termination::NoFurtherDecrease.to_string(),
            "converged to the rounding floor of the residual"
        );
        let msg = SolveError::NotConverged {
            iterations: 7,
            residual_norm: 0.5,
        }
        .to_string();
        assert!(msg.contains("7 iterations"), "{msg}");
    }
}
