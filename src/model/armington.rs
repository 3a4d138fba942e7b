//! Armington with domestic production: one importer, one product, a domestic variety beside
//! the imports, in levels (exact for large changes).
//!
//! The importer buys a composite good. The composite is a CES aggregate of the domestic
//! variety and an import composite (substitution elasticity `σ_d`); the import composite is a
//! CES aggregate over source countries (`σ_m`); the composite's own demand has a constant
//! elasticity `η < 0`. Domestic producers and every exporter sell along constant-elasticity
//! supply curves (infinite elasticity allowed, which fixes that price). A tariff change moves
//! the internal prices of the imports; the domestic producer price and the exporters' world
//! prices then clear their markets. This is the structure of the USITC's nested CES
//! partial-equilibrium models (Hallren & Riker 2017) and of GSIM's levels form with a domestic
//! variety, for a single importer.
//!
//! Conventions are SMART's and GSIM's (`docs/model.md` §6): base prices are 1 (world prices
//! for imports, the producer price for domestic output), so base values are quantities; tariffs
//! are ad valorem on the world price; changes are positive when a quantity or price rises;
//! surpluses are gains when positive.
//!
//! Every price whose supply is finite clears its own market in closed form once the two CES
//! price indices are known, so the equilibrium is reduced to those two indices (one without a
//! domestic variety) and solved by [`crate::solve::newton_solve`] with the analytic Jacobian,
//! whatever the number of exporters. With every supply infinite no price moves and the model
//! is closed form. The outputs use the same [`FlowEffect`] as SMART, with a creation / diversion / price
//! effect split defined in `docs/model.md` §6.4, plus the domestic side and the welfare parts.

use nalgebra::{DMatrix, DVector};
use thiserror::Error;

use super::gsim::TariffStage;
use super::smart::{EffectTotals, FlowEffect, ProductOutcome};
use super::{ProductMarket, SupplyElasticity, TradeFlow};
use crate::solve::{
    NewtonOptions, NewtonReport, NonlinearSystem, SolveError, Termination, newton_solve,
};
use crate::units::{Change, Value};

/// Below this distance from 1 a substitution elasticity is treated as exactly 1
/// (Cobb–Douglas nest); the CES formula's error there is of order `|1 − σ|·(ln p)²`.
const COBB_DOUGLAS_EPS: f64 = 1e-12;

/// Exporters' supply elasticities: one for the whole market (as in SMART) or one per flow.
#[derive(Debug, Clone, PartialEq)]
pub enum ExportSupply {
    /// The same elasticity for every exporter of the product.
    Common(SupplyElasticity),
    /// One elasticity per flow, in the order of [`ArmingtonMarket::flows`].
    PerFlow(Vec<SupplyElasticity>),
}

/// The elasticities of one product market, with the signs the formulas use.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmingtonElasticities {
    /// `η`: own-price elasticity of the composite (domestic + imports) demand; negative.
    pub composite_demand: f64,
    /// `σ_d`: substitution between the domestic variety and the import composite; positive.
    pub domestic_substitution: f64,
    /// `σ_m`: substitution among import sources; positive.
    pub import_substitution: f64,
    /// `ε_d`: supply elasticity of domestic producers.
    pub domestic_supply: SupplyElasticity,
    /// `e_c`: the exporters' supply elasticities (to this market).
    pub export_supply: ExportSupply,
}

/// One importer's market for one product: imports by source, domestic shipments, elasticities.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmingtonMarket {
    /// Index of the product in the scenario's product list.
    pub product: usize,
    /// Imports by source: base value at world prices and the tariffs before and after.
    pub flows: Vec<TradeFlow>,
    /// Base domestic shipments to the home market, at producer prices (same unit as trade).
    pub domestic_shipments: Value,
    /// The elasticities.
    pub elasticities: ArmingtonElasticities,
}

impl ArmingtonMarket {
    /// The Armington market of a SMART market plus its domestic side: SMART's flows and export
    /// supply elasticity, and SMART's substitution elasticity among exporters as `σ_m`. The
    /// composite demand elasticity is given, not SMART's import demand elasticity: the two
    /// differ (see [`implied_import_demand_elasticity`]).
    pub fn from_product_market(
        market: &ProductMarket,
        domestic_shipments: Value,
        composite_demand: f64,
        domestic_substitution: f64,
        domestic_supply: SupplyElasticity,
    ) -> Self {
        ArmingtonMarket {
            product: market.product,
            flows: market.flows.clone(),
            domestic_shipments,
            elasticities: ArmingtonElasticities {
                composite_demand,
                domestic_substitution,
                import_substitution: market.elasticities.substitution,
                domestic_supply,
                export_supply: ExportSupply::Common(market.elasticities.export_supply),
            },
        }
    }

    /// The supply elasticity of flow `i`.
    fn export_supply(&self, i: usize) -> SupplyElasticity {
        match &self.elasticities.export_supply {
            ExportSupply::Common(e) => *e,
            ExportSupply::PerFlow(v) => v[i],
        }
    }

    /// Checks signs, sizes and finiteness, so that [`solve`] can assume clean data.
    ///
    /// # Errors
    ///
    /// The first problem found, naming the exporter (by index) or the parameter.
    pub fn validate(&self) -> Result<(), ArmingtonError> {
        let e = &self.elasticities;
        let bad = |parameter, value| Err(ArmingtonError::InvalidElasticity { parameter, value });
        if !(e.composite_demand.is_finite() && e.composite_demand < 0.0) {
            return bad(ArmingtonParameter::CompositeDemand, e.composite_demand);
        }
        for (parameter, value) in [
            (
                ArmingtonParameter::DomesticSubstitution,
                e.domestic_substitution,
            ),
            (
                ArmingtonParameter::ImportSubstitution,
                e.import_substitution,
            ),
        ] {
            if !(value.is_finite() && value > 0.0) {
                return bad(parameter, value);
            }
        }
        if let SupplyElasticity::Finite(v) = e.domestic_supply
            && !(v.is_finite() && v > 0.0)
        {
            return bad(ArmingtonParameter::DomesticSupply, v);
        }
        if let ExportSupply::PerFlow(v) = &e.export_supply
            && v.len() != self.flows.len()
        {
            return Err(ArmingtonError::SupplyCount {
                flows: self.flows.len(),
                found: v.len(),
            });
        }
        let d = self.domestic_shipments;
        if !(d.is_finite() && d >= 0.0) {
            return Err(ArmingtonError::InvalidDomestic { value: d });
        }
        for (i, f) in self.flows.iter().enumerate() {
            if !(f.base_value.is_finite() && f.base_value >= 0.0) {
                return Err(ArmingtonError::InvalidImports {
                    exporter: f.exporter,
                    value: f.base_value,
                });
            }
            for (stage, value) in [
                (TariffStage::Before, f.tariff_before),
                (TariffStage::After, f.tariff_after),
            ] {
                if !(value.is_finite() && value > -1.0) {
                    return Err(ArmingtonError::InvalidTariff {
                        exporter: f.exporter,
                        stage,
                        value,
                    });
                }
            }
            if let SupplyElasticity::Finite(v) = self.export_supply(i)
                && !(v.is_finite() && v > 0.0)
            {
                return bad(
                    ArmingtonParameter::ExportSupply {
                        exporter: f.exporter,
                    },
                    v,
                );
            }
        }
        Ok(())
    }
}

/// How to solve an [`ArmingtonMarket`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ArmingtonOptions {
    /// Newton settings for the market-clearing prices.
    pub newton: NewtonOptions,
}

/// Iteration limit of the default options. Typical markets take 2–6 Newton steps; a few
/// corners of the accepted ranges (`η = −100`, `σ_m = 100`, supplies 0.01, 1000% tariffs) need
/// about 350, where the damped steps crawl along the steep CES indices.
pub const DEFAULT_MAX_ITERATIONS: usize = 1000;

impl Default for ArmingtonOptions {
    /// The solver's defaults, with [`DEFAULT_MAX_ITERATIONS`].
    fn default() -> Self {
        ArmingtonOptions {
            newton: NewtonOptions {
                max_iterations: DEFAULT_MAX_ITERATIONS,
                ..NewtonOptions::default()
            },
        }
    }
}

/// What the policy does to domestic producers.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DomesticEffect {
    /// Base domestic shipments (producer prices).
    pub base_value: Value,
    /// Change in the quantity shipped, valued at the base producer price.
    pub output_change: Value,
    /// Change in the value shipped (new quantity at the new producer price, minus base).
    pub value_change: Value,
    /// Proportional change of the domestic producer price; 0 with infinite domestic supply.
    pub price_change: Change,
    /// Domestic producers' surplus change (area left of the supply curve).
    pub producer_surplus: Value,
    /// The part of the consumer surplus change due to the domestic price (§6.5); the flows
    /// carry the rest.
    pub consumer_surplus: Value,
}

/// The equilibrium changes of one market.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmingtonOutcome {
    /// Index of the product in the scenario's product list.
    pub product: usize,
    /// One effect per import flow, in the market's order (SMART's type; `floored` is always
    /// false: CES demand never goes negative).
    pub flows: Vec<FlowEffect>,
    /// Each exporter's producer surplus change, aligned with [`flows`](Self::flows).
    pub exporter_surplus: Vec<Value>,
    /// The domestic side.
    pub domestic: DomesticEffect,
    /// Proportional change of the import price index (internal prices).
    pub import_price_change: Change,
    /// Proportional change of the composite (consumer) price index.
    pub composite_price_change: Change,
    /// Consumer surplus change: the exact area under the composite demand curve. Equals the
    /// flows' consumer surplus plus [`DomesticEffect::consumer_surplus`].
    pub consumer_surplus: Value,
    /// Tariff revenue change, `Σ t1·V1 − t0·V0`.
    pub revenue_change: Value,
    /// The importer's net welfare change: consumer surplus + domestic producer surplus +
    /// tariff revenue change.
    pub net_welfare: Value,
    /// How the prices were found: Newton's report, or [`Termination::DirectSolve`] with no
    /// iteration when no price is free (every supply infinite: closed form).
    pub report: NewtonReport,
}

impl ArmingtonOutcome {
    /// Totals over the import flows. Its `net_welfare()` leaves out the domestic side: use
    /// [`ArmingtonOutcome::net_welfare`] for the importer's welfare.
    pub fn totals(&self) -> EffectTotals {
        let mut t = EffectTotals::default();
        for f in &self.flows {
            t.add(f);
        }
        t
    }

    /// The flows as a SMART-shaped product outcome, for tables shared by all models.
    pub fn product_outcome(&self) -> ProductOutcome {
        ProductOutcome {
            product: self.product,
            flows: self.flows.clone(),
        }
    }

    /// Sum of the exporters' producer surplus changes.
    pub fn exporter_surplus_total(&self) -> Value {
        self.exporter_surplus.iter().sum()
    }

    /// Importer's net welfare plus the exporters' surplus: the change in world welfare from
    /// this market.
    pub fn world_welfare(&self) -> Value {
        self.net_welfare + self.exporter_surplus_total()
    }
}

/// Which parameter an error refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArmingtonParameter {
    /// `η`.
    CompositeDemand,
    /// `σ_d`.
    DomesticSubstitution,
    /// `σ_m`.
    ImportSubstitution,
    /// `ε_d`.
    DomesticSupply,
    /// `e_c` of one exporter (its index in the scenario's exporter list).
    ExportSupply {
        /// Exporter index.
        exporter: usize,
    },
}

impl ArmingtonParameter {
    fn requirement(self) -> &'static str {
        match self {
            Self::CompositeDemand => "it must be finite and negative",
            Self::DomesticSubstitution | Self::ImportSubstitution => {
                "it must be finite and positive"
            }
            Self::DomesticSupply | Self::ExportSupply { .. } => {
                "it must be finite and positive (or infinite supply)"
            }
        }
    }
}

impl std::fmt::Display for ArmingtonParameter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::CompositeDemand => f.write_str("composite demand elasticity eta"),
            Self::DomesticSubstitution => {
                f.write_str("domestic-import substitution elasticity sigma_d")
            }
            Self::ImportSubstitution => {
                f.write_str("substitution elasticity among imports sigma_m")
            }
            Self::DomesticSupply => f.write_str("domestic supply elasticity"),
            Self::ExportSupply { exporter } => {
                write!(f, "export supply elasticity of exporter {exporter}")
            }
        }
    }
}

/// Why an Armington market could not be solved. Callers add the product and exporter names.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum ArmingtonError {
    /// An elasticity has the wrong sign, is zero, or is not finite.
    #[error("{parameter} is {value}; {}", .parameter.requirement())]
    InvalidElasticity {
        /// Which one.
        parameter: ArmingtonParameter,
        /// The value given.
        value: f64,
    },
    /// Per-flow export supply elasticities do not match the flows.
    #[error("{found} export supply elasticities for {flows} import flows; give one per flow")]
    SupplyCount {
        /// Number of flows.
        flows: usize,
        /// Number of elasticities.
        found: usize,
    },
    /// A base import value is negative or not finite.
    #[error(
        "base imports from exporter {exporter} are {value}; they must be finite and zero or more"
    )]
    InvalidImports {
        /// Exporter index.
        exporter: usize,
        /// The value given.
        value: f64,
    },
    /// Domestic shipments are negative or not finite.
    #[error("domestic shipments are {value}; they must be finite and zero or more")]
    InvalidDomestic {
        /// The value given.
        value: f64,
    },
    /// A tariff is not finite or is −100% or less.
    #[error(
        "{stage} tariff on exporter {exporter} is {value}; it must be finite and above -1 (-100%)"
    )]
    InvalidTariff {
        /// Exporter index.
        exporter: usize,
        /// Before or after.
        stage: TariffStage,
        /// The rate given, as a fraction.
        value: f64,
    },
    /// Newton's method failed.
    #[error("Armington equilibrium not found: {0}")]
    Solve(#[from] SolveError),
    /// A result overflowed.
    #[error("Armington result {what} is not finite; the tariff change is too large for the data")]
    NonFiniteResult {
        /// Which quantity.
        what: &'static str,
    },
}

/// The import demand elasticity the nested model implies at base prices, when the domestic
/// price does not move (infinite domestic supply) and all import prices move together:
/// `ε_M = s_M·η − (1 − s_M)·σ_d`, with `s_M` the imports' share of base expenditure. A SMART
/// import demand elasticity is this number; it is not `η`.
pub fn implied_import_demand_elasticity(
    import_share: f64,
    composite_demand: f64,
    domestic_substitution: f64,
) -> f64 {
    import_share * composite_demand - (1.0 - import_share) * domestic_substitution
}

/// Solves the market and computes every output.
///
/// # Errors
///
/// [`ArmingtonError`] for invalid input (see [`ArmingtonMarket::validate`]), a failed Newton
/// solve, or a result that overflows.
pub fn solve(
    market: &ArmingtonMarket,
    options: &ArmingtonOptions,
) -> Result<ArmingtonOutcome, ArmingtonError> {
    market.validate()?;
    let cal = Calibration::new(market);
    let system = Reduced { cal: &cal };
    let mut x = DVector::zeros(system.dim());
    let report = if system.dim() == 0 {
        NewtonReport {
            iterations: 0,
            residual_norm: 0.0,
            termination: Termination::DirectSolve,
        }
    } else {
        newton_solve(&system, &mut x, &options.newton)?
    };
    outcome(&cal, &system.point(&x), report)
}

/// Base shares, shocks and the layout of the unknowns (`docs/model.md` §6.2).
struct Calibration<'a> {
    market: &'a ArmingtonMarket,
    /// `θ_c`: each flow's share of import spending at base internal prices (0 without trade).
    theta: Vec<f64>,
    /// `ln((1 + t1)/(1 + t0))` per flow.
    log_shock: Vec<f64>,
    /// `e_c` per flow, `+∞` when infinite.
    supply: Vec<f64>,
    /// `s_D`, `s_M`: the domestic and import shares of base spending.
    s_dom: f64,
    s_imp: f64,
    /// `X0 = D0 + Σ (1 + t0)·M0`: base spending at consumer prices.
    spending: f64,
    eta: f64,
    sigma_d: f64,
    sigma_m: f64,
    /// `ε_d`, `+∞` when infinite.
    eps_d: f64,
    /// The domestic price moves (finite supply, shipments > 0).
    free_dom: bool,
    /// Each flow's world price moves (finite supply, trade > 0).
    free: Vec<bool>,
    /// Which price indices are unknown.
    layout: Layout,
}

/// The unknowns of the reduced system (`docs/model.md` §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// No price is free, or there are no imports: nothing to solve.
    Closed,
    /// Imports only: `ln P̂_M` (which is then `ln P̂`).
    ImportsOnly,
    /// Imports and domestic shipments: `ln P̂_M` and `ln P̂`.
    Both,
}

impl<'a> Calibration<'a> {
    fn new(market: &'a ArmingtonMarket) -> Self {
        let e = &market.elasticities;
        let n = market.flows.len();
        let import_spending: f64 = market
            .flows
            .iter()
            .map(|f| f.base_value * (1.0 + f.tariff_before))
            .sum();
        let theta = market
            .flows
            .iter()
            .map(|f| {
                if f.base_value > 0.0 {
                    f.base_value * (1.0 + f.tariff_before) / import_spending
                } else {
                    0.0
                }
            })
            .collect();
        let log_shock = market
            .flows
            .iter()
            .map(|f| log_shock(f.tariff_before, f.tariff_after))
            .collect();
        let as_f64 = |s: SupplyElasticity| match s {
            SupplyElasticity::Infinite => f64::INFINITY,
            SupplyElasticity::Finite(v) => v,
        };
        let supply: Vec<f64> = (0..n).map(|i| as_f64(market.export_supply(i))).collect();
        let d0 = market.domestic_shipments;
        let spending = d0 + import_spending;
        let (s_dom, s_imp) = if spending > 0.0 {
            (d0 / spending, import_spending / spending)
        } else {
            (0.0, 0.0)
        };
        let eps_d = as_f64(e.domestic_supply);
        let free_dom = d0 > 0.0 && eps_d.is_finite();
        let free: Vec<bool> = (0..n)
            .map(|i| market.flows[i].base_value > 0.0 && supply[i].is_finite())
            .collect();
        let layout = if import_spending <= 0.0 || !(free_dom || free.contains(&true)) {
            Layout::Closed
        } else if d0 > 0.0 {
            Layout::Both
        } else {
            Layout::ImportsOnly
        };
        Calibration {
            market,
            theta,
            log_shock,
            supply,
            s_dom,
            s_imp,
            spending,
            eta: e.composite_demand,
            sigma_d: e.domestic_substitution,
            sigma_m: e.import_substitution,
            eps_d,
            free_dom,
            free,
            layout,
        }
    }
}

/// `ln((1 + t1)/(1 + t0))`, without losing digits for a small change.
fn log_shock(t0: f64, t1: f64) -> f64 {
    ((t1 - t0) / (1.0 + t0)).ln_1p()
}

/// Log price changes: each flow's world price `z_c` (0 when fixed or without trade) and the
/// domestic producer price `z_D`.
struct Point {
    z: Vec<f64>,
    z_dom: f64,
}

/// The price indices at a point.
struct State {
    /// `ln P̂_M`.
    log_pm: f64,
    /// `ln P̂`.
    log_p: f64,
    /// `ln M̂`: the import composite's quantity.
    log_m: f64,
}

/// The demand system at given prices (`docs/model.md` §6.3).
struct Demand<'c, 'a> {
    cal: &'c Calibration<'a>,
}

impl Demand<'_, '_> {
    /// `ln p̂_c`: log change of flow `i`'s internal price.
    fn log_price(&self, p: &Point, i: usize) -> f64 {
        self.cal.log_shock[i] + p.z[i]
    }

    /// `ln P̂_M` from the import prices.
    fn log_import_index(&self, p: &Point) -> f64 {
        let cal = self.cal;
        let lower: Vec<(f64, f64)> = (0..cal.theta.len())
            .filter(|&i| cal.theta[i] > 0.0)
            .map(|i| (cal.theta[i], self.log_price(p, i)))
            .collect();
        log_ces(&lower, cal.sigma_m)
    }

    /// `ln P̂` given the domestic price and `ln P̂_M`.
    fn log_index(&self, z_dom: f64, log_pm: f64) -> f64 {
        let cal = self.cal;
        log_ces(&[(cal.s_dom, z_dom), (cal.s_imp, log_pm)], cal.sigma_d)
    }

    fn state(&self, p: &Point) -> State {
        let cal = self.cal;
        let log_pm = self.log_import_index(p);
        let log_p = self.log_index(p.z_dom, log_pm);
        State {
            log_pm,
            log_p,
            log_m: -cal.sigma_d * (log_pm - log_p) + cal.eta * log_p,
        }
    }

    /// `ln m̂_c` of flow `i`.
    fn log_quantity(&self, p: &Point, i: usize, s: &State) -> f64 {
        -self.cal.sigma_m * (self.log_price(p, i) - s.log_pm) + s.log_m
    }

    /// `ln D̂`.
    fn log_domestic(&self, p: &Point, s: &State) -> f64 {
        -self.cal.sigma_d * (p.z_dom - s.log_p) + self.cal.eta * s.log_p
    }

    /// `(1 − σ_m)(ln p̂_c − ln P̂_M)`: the log change of flow `i`'s share of import spending
    /// (0 in a Cobb–Douglas nest).
    fn log_share_change(&self, p: &Point, i: usize, log_pm: f64) -> f64 {
        let delta = 1.0 - self.cal.sigma_m;
        if delta.abs() <= COBB_DOUGLAS_EPS {
            0.0
        } else {
            delta * (self.log_price(p, i) - log_pm)
        }
    }

    /// The log changes of the domestic and import shares of spending, `(x_D, x_M)`, given
    /// `z_D`, `ln P̂_M` and `ln P̂`.
    fn upper_share_changes(&self, z_dom: f64, log_pm: f64, log_p: f64) -> (f64, f64) {
        let delta = 1.0 - self.cal.sigma_d;
        if delta.abs() <= COBB_DOUGLAS_EPS {
            (0.0, 0.0)
        } else {
            (delta * (z_dom - log_p), delta * (log_pm - log_p))
        }
    }
}

/// Market clearing reduced to the price indices (`docs/model.md` §6.3). Given `a = ln P̂_M`
/// and `b = ln P̂`, every free price clears its own market in closed form,
/// `z_c = (ln M̂ + σ_m·a − σ_m·ln τ_c)/(σ_m + e_c)` and `z_D = (σ_d + η)·b/(σ_d + ε_d)`, with
/// `ln M̂ = −σ_d·(a − b) + η·b`; what is left is that the indices are those of these prices:
/// `G_a = ln P̂_M(z) − a` and `G_b = ln P̂(z_D, a) − b`. Two unknowns at most, whatever the
/// number of exporters, and the equations stay smooth where the per-price system is stiff.
struct Reduced<'c, 'a> {
    cal: &'c Calibration<'a>,
}

impl Reduced<'_, '_> {
    fn demand(&self) -> Demand<'_, '_> {
        Demand { cal: self.cal }
    }

    /// `(a, b)` from the unknowns.
    fn indices(&self, x: &DVector<f64>) -> (f64, f64) {
        match self.cal.layout {
            Layout::Closed => (0.0, 0.0),
            Layout::ImportsOnly => (x[0], x[0]),
            Layout::Both => (x[0], x[1]),
        }
    }

    /// The prices that clear every market given the indices; with [`Layout::Closed`] no
    /// price moves.
    fn point(&self, x: &DVector<f64>) -> Point {
        let cal = self.cal;
        let (a, b) = self.indices(x);
        let log_m = -cal.sigma_d * (a - b) + cal.eta * b;
        let z = (0..cal.free.len())
            .map(|i| {
                if cal.free[i] {
                    (log_m + cal.sigma_m * (a - cal.log_shock[i])) / (cal.sigma_m + cal.supply[i])
                } else {
                    0.0
                }
            })
            .collect();
        let z_dom = if cal.free_dom {
            (cal.sigma_d + cal.eta) * b / (cal.sigma_d + cal.eps_d)
        } else {
            0.0
        };
        Point { z, z_dom }
    }
}

impl NonlinearSystem for Reduced<'_, '_> {
    fn dim(&self) -> usize {
        match self.cal.layout {
            Layout::Closed => 0,
            Layout::ImportsOnly => 1,
            Layout::Both => 2,
        }
    }

    fn residual(&self, x: &DVector<f64>, out: &mut DVector<f64>) {
        let (a, b) = self.indices(x);
        let p = self.point(x);
        let demand = self.demand();
        out[0] = demand.log_import_index(&p) - a;
        if self.cal.layout == Layout::Both {
            out[1] = demand.log_index(p.z_dom, a) - b;
        }
    }

    /// With `ω_c` the flows' current shares of import spending and `ω_D`, `ω_M` the current
    /// top-level shares at `(z_D, a)`:
    /// `∂G_a/∂a = Σ ω_c·(σ_m − σ_d)/(σ_m + e_c) − 1`, `∂G_a/∂b = Σ ω_c·(σ_d + η)/(σ_m + e_c)`,
    /// `∂G_b/∂a = ω_M`, `∂G_b/∂b = ω_D·(σ_d + η)/(σ_d + ε_d) − 1` (the last factor 0 when the
    /// domestic price is fixed). Imports only (`b = a`): `∂G_a/∂a + ∂G_a/∂b`.
    fn jacobian(&self, x: &DVector<f64>, out: &mut DMatrix<f64>) {
        let cal = self.cal;
        let (a, _) = self.indices(x);
        let p = self.point(x);
        let demand = self.demand();
        let log_pm = demand.log_import_index(&p);
        let (mut d_aa, mut d_ab) = (-1.0, 0.0);
        for i in (0..cal.free.len()).filter(|&i| cal.free[i]) {
            let omega = cal.theta[i] * demand.log_share_change(&p, i, log_pm).exp();
            let slope = omega / (cal.sigma_m + cal.supply[i]);
            d_aa += slope * (cal.sigma_m - cal.sigma_d);
            d_ab += slope * (cal.sigma_d + cal.eta);
        }
        if cal.layout == Layout::ImportsOnly {
            out[(0, 0)] = d_aa + d_ab;
            return;
        }
        out[(0, 0)] = d_aa;
        out[(0, 1)] = d_ab;
        let top = demand.log_index(p.z_dom, a);
        let (x_dom, x_imp) = demand.upper_share_changes(p.z_dom, a, top);
        let dz_dom = if cal.free_dom {
            (cal.sigma_d + cal.eta) / (cal.sigma_d + cal.eps_d)
        } else {
            0.0
        };
        out[(1, 0)] = cal.s_imp * x_imp.exp();
        out[(1, 1)] = cal.s_dom * x_dom.exp() * dz_dom - 1.0;
    }
}

/// `ln` of the CES index `[Σ s·e^{(1−σ)a}]^{1/(1−σ)}` over terms `(s, a)` whose positive
/// shares `s` sum to one (zero shares are skipped); the share-weighted mean of the `a` when
/// `σ = 1`. Near base prices it is `ln(1 + Σ s·(e^{(1−σ)a} − 1))/(1−σ)`, accurate as `σ → 1`
/// and for tiny changes; far from them a shifted log-sum-exp, which cannot overflow.
fn log_ces(terms: &[(f64, f64)], sigma: f64) -> f64 {
    let delta = 1.0 - sigma;
    let live = || terms.iter().filter(|(s, _)| *s > 0.0);
    if delta.abs() <= COBB_DOUGLAS_EPS {
        return live().map(|(s, a)| s * a).sum();
    }
    let largest = live().map(|(_, a)| (delta * a).abs()).fold(0.0, f64::max);
    if largest <= 0.5 {
        let sum: f64 = live().map(|(s, a)| s * (delta * a).exp_m1()).sum();
        return sum.ln_1p() / delta;
    }
    let top = live()
        .map(|(_, a)| delta * a)
        .fold(f64::NEG_INFINITY, f64::max);
    let shares: f64 = live().map(|(s, _)| s).sum();
    let sum: f64 = live().map(|(s, a)| s * (delta * a - top).exp()).sum();
    (top + sum.ln() - shares.ln()) / delta
}

/// `(e^y − 1)/y`, 1 at `y = 0`.
fn exp_m1_ratio(y: f64) -> f64 {
    if y == 0.0 { 1.0 } else { y.exp_m1() / y }
}

/// `base·(e^a − 1)` without overflow for a tiny base and a large `a`.
fn scaled_exp_m1(base: f64, a: f64) -> f64 {
    if base <= 0.0 {
        0.0
    } else if a < 700.0 {
        base * a.exp_m1()
    } else {
        (base.ln() + a).exp() - base
    }
}

/// `base·e^a`, as [`scaled_exp_m1`].
fn scaled_exp(base: f64, a: f64) -> f64 {
    if base <= 0.0 {
        0.0
    } else if a < 700.0 {
        base * a.exp()
    } else {
        (base.ln() + a).exp()
    }
}

/// Producer surplus change for supply `Q = Q0·p^e` when the price moves by `e^z`:
/// `Q0·(e^{(1+e)z} − 1)/(1 + e)`; 0 with infinite supply (the price does not move).
fn producer_surplus(base: f64, elasticity: f64, z: f64) -> f64 {
    if !elasticity.is_finite() || base <= 0.0 {
        0.0
    } else {
        base * z * exp_m1_ratio((1.0 + elasticity) * z)
    }
}

/// The Sato–Vartia (logarithmic-mean) weight, unnormalised, of a share that moved from `s0`
/// by the log change `x`: `s0·(e^x − 1)/x`.
fn log_mean(s0: f64, x: f64) -> f64 {
    if s0 <= 0.0 {
        0.0
    } else if x < 700.0 {
        s0 * exp_m1_ratio(x)
    } else {
        (s0.ln() + x).exp() / x
    }
}

/// Every output from the solved prices (`docs/model.md` §6.4–6.5).
fn outcome(
    cal: &Calibration<'_>,
    point: &Point,
    report: NewtonReport,
) -> Result<ArmingtonOutcome, ArmingtonError> {
    let market = cal.market;
    let demand = Demand { cal };
    let s = demand.state(point);
    let n = market.flows.len();

    // Quantities: log change of each flow, and the creation split on the total quantity.
    let log_q: Vec<f64> = (0..n)
        .map(|i| {
            if market.flows[i].base_value > 0.0 {
                demand.log_quantity(point, i, &s)
            } else {
                0.0
            }
        })
        .collect();
    let quantity_change: Vec<f64> = (0..n)
        .map(|i| scaled_exp_m1(market.flows[i].base_value, log_q[i]))
        .collect();
    let base_total: f64 = market.flows.iter().map(|f| f.base_value).sum();
    let total_change: f64 = quantity_change.iter().sum();

    // Consumer surplus: the exact area `−X0·(P̂^{1+η} − 1)/(1 + η)`, split over the varieties
    // with Sato–Vartia weights of each nest.
    let area = exp_m1_ratio((1.0 + cal.eta) * s.log_p);
    let consumer_surplus = -cal.spending * area * s.log_p;
    let (x_dom, x_imp) = demand.upper_share_changes(point.z_dom, s.log_pm, s.log_p);
    let (l_dom, l_imp) = (log_mean(cal.s_dom, x_dom), log_mean(cal.s_imp, x_imp));
    let upper = l_dom + l_imp;
    let (w_dom, w_imp) = if upper > 0.0 {
        (l_dom / upper, l_imp / upper)
    } else {
        (0.0, 0.0)
    };
    let lower_weights: Vec<f64> = (0..n)
        .map(|i| log_mean(cal.theta[i], demand.log_share_change(point, i, s.log_pm)))
        .collect();
    let lower: f64 = lower_weights.iter().sum();

    let mut flows = Vec::with_capacity(n);
    let mut exporter_surplus = Vec::with_capacity(n);
    for (i, f) in market.flows.iter().enumerate() {
        let z = point.z[i];
        let m0 = f.base_value;
        let new_value = scaled_exp(m0, log_q[i] + z);
        let trade_creation = if base_total > 0.0 {
            m0 / base_total * total_change
        } else {
            0.0
        };
        let log_price = demand.log_price(point, i);
        let w = if lower > 0.0 {
            lower_weights[i] / lower
        } else {
            0.0
        };
        flows.push(FlowEffect {
            exporter: f.exporter,
            base_value: m0,
            tariff_before: f.tariff_before,
            tariff_after: f.tariff_after,
            world_price_change: z.exp_m1(),
            trade_creation,
            trade_diversion: quantity_change[i] - trade_creation,
            price_effect: z.exp_m1() * scaled_exp(m0, log_q[i]),
            total_effect: scaled_exp_m1(m0, log_q[i] + z),
            new_value,
            revenue_before: f.tariff_before * m0,
            revenue_after: f.tariff_after * new_value,
            consumer_surplus: -cal.spending * area * w_imp * w * log_price,
            welfare_triangle: -0.5
                * (1.0 + f.tariff_before)
                * log_price.exp_m1()
                * quantity_change[i],
            floored: false,
        });
        exporter_surplus.push(producer_surplus(m0, cal.supply[i], z));
    }

    let d0 = market.domestic_shipments;
    let log_d = if d0 > 0.0 {
        demand.log_domestic(point, &s)
    } else {
        0.0
    };
    let domestic = DomesticEffect {
        base_value: d0,
        output_change: scaled_exp_m1(d0, log_d),
        value_change: scaled_exp_m1(d0, log_d + point.z_dom),
        price_change: point.z_dom.exp_m1(),
        producer_surplus: producer_surplus(d0, cal.eps_d, point.z_dom),
        consumer_surplus: -cal.spending * area * w_dom * point.z_dom,
    };
    let revenue_change: f64 = flows
        .iter()
        .map(|f| f.revenue_after - f.revenue_before)
        .sum();
    let out = ArmingtonOutcome {
        product: market.product,
        flows,
        exporter_surplus,
        domestic,
        import_price_change: s.log_pm.exp_m1(),
        composite_price_change: s.log_p.exp_m1(),
        consumer_surplus,
        revenue_change,
        net_welfare: consumer_surplus + domestic.producer_surplus + revenue_change,
        report,
    };
    check_finite(&out)?;
    Ok(out)
}

/// Refuses any non-finite output, naming the first.
fn check_finite(o: &ArmingtonOutcome) -> Result<(), ArmingtonError> {
    let d = &o.domestic;
    let scalars = [
        ("domestic output change", d.output_change),
        ("domestic value change", d.value_change),
        ("domestic price change", d.price_change),
        ("domestic producer surplus", d.producer_surplus),
        ("domestic consumer surplus", d.consumer_surplus),
        ("import price change", o.import_price_change),
        ("composite price change", o.composite_price_change),
        ("consumer surplus", o.consumer_surplus),
        ("tariff revenue change", o.revenue_change),
        ("net welfare", o.net_welfare),
    ];
    if let Some((what, _)) = scalars.iter().find(|(_, v)| !v.is_finite()) {
        return Err(ArmingtonError::NonFiniteResult { what });
    }
    for (f, ps) in o.flows.iter().zip(&o.exporter_surplus) {
        let values = [
            ("world price change", f.world_price_change),
            ("trade creation", f.trade_creation),
            ("trade diversion", f.trade_diversion),
            ("price effect", f.price_effect),
            ("total effect", f.total_effect),
            ("new import value", f.new_value),
            ("tariff revenue", f.revenue_after),
            ("flow consumer surplus", f.consumer_surplus),
            ("welfare triangle", f.welfare_triangle),
            ("exporter surplus", *ps),
        ];
        if let Some((what, _)) = values.iter().find(|(_, v)| !v.is_finite()) {
            return Err(ArmingtonError::NonFiniteResult { what });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng, rngs::ChaCha8Rng};

    fn random_market(rng: &mut ChaCha8Rng) -> ArmingtonMarket {
        let n = rng.random_range(1..=5);
        let supply = |rng: &mut ChaCha8Rng| {
            if rng.random_bool(0.2) {
                SupplyElasticity::Infinite
            } else {
                SupplyElasticity::Finite(rng.random_range(0.05..30.0))
            }
        };
        ArmingtonMarket {
            product: 0,
            flows: (0..n)
                .map(|c| TradeFlow {
                    exporter: c,
                    base_value: rng.random_range(1.0..500.0),
                    tariff_before: rng.random_range(0.0..1.0),
                    tariff_after: rng.random_range(0.0..1.0),
                })
                .collect(),
            domestic_shipments: if rng.random_bool(0.8) {
                rng.random_range(1.0..2000.0)
            } else {
                0.0
            },
            elasticities: ArmingtonElasticities {
                composite_demand: -rng.random_range(0.05..5.0),
                // Now and then exactly 1, to cover the Cobb–Douglas branches.
                domestic_substitution: if rng.random_bool(0.15) {
                    1.0
                } else {
                    rng.random_range(0.1..12.0)
                },
                import_substitution: if rng.random_bool(0.15) {
                    1.0
                } else {
                    rng.random_range(0.1..12.0)
                },
                domestic_supply: supply(rng),
                export_supply: ExportSupply::PerFlow((0..n).map(|_| supply(rng)).collect()),
            },
        }
    }

    #[test]
    fn jacobian_matches_finite_differences() {
        let mut rng = ChaCha8Rng::seed_from_u64(21);
        let mut checked = 0;
        for _ in 0..300 {
            let market = random_market(&mut rng);
            let cal = Calibration::new(&market);
            let system = Reduced { cal: &cal };
            let n = system.dim();
            if n == 0 {
                continue;
            }
            // At a random point, not only at the solution.
            let x = DVector::from_fn(n, |_, _| rng.random_range(-0.6..0.6));
            let mut jac = DMatrix::zeros(n, n);
            system.jacobian(&x, &mut jac);
            let (mut plus, mut minus) = (DVector::zeros(n), DVector::zeros(n));
            for k in 0..n {
                let h = 1e-6;
                let mut xp = x.clone();
                xp[k] += h;
                let mut xm = x.clone();
                xm[k] -= h;
                system.residual(&xp, &mut plus);
                system.residual(&xm, &mut minus);
                for r in 0..n {
                    let fd = (plus[r] - minus[r]) / (2.0 * h);
                    let scale = 1.0 + jac[(r, k)].abs();
                    assert!(
                        (fd - jac[(r, k)]).abs() <= 1e-6 * scale,
                        "J[{r}][{k}] = {}, finite difference {fd}; {market:?}",
                        jac[(r, k)]
                    );
                }
            }
            checked += 1;
        }
        assert!(checked > 200, "{checked}");
    }

    #[test]
    fn log_ces_is_continuous_through_cobb_douglas_and_far_from_base() {
        let terms = [(0.2, 0.3), (0.5, -0.1), (0.3, 0.05)];
        let cd = log_ces(&terms, 1.0);
        assert!((cd - (0.2 * 0.3 - 0.5 * 0.1 + 0.3 * 0.05)).abs() < 1e-15);
        for s in [1.0 + 1e-9, 1.0 - 1e-9] {
            assert!((log_ces(&terms, s) - cd).abs() < 1e-9);
        }
        // Direct formula for a moderate case, both branches.
        for (sigma, scale) in [(3.0, 1.0), (3.0, 10.0), (0.4, 10.0)] {
            let direct = terms
                .iter()
                .map(|(w, a)| w * ((1.0 - sigma) * a * scale).exp())
                .sum::<f64>()
                .ln()
                / (1.0 - sigma);
            let scaled: Vec<(f64, f64)> = terms.iter().map(|(w, a)| (*w, a * scale)).collect();
            assert!((log_ces(&scaled, sigma) - direct).abs() < 1e-12);
        }
    }
}
