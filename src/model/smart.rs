//! SMART: the WITS/UNCTAD single-market partial-equilibrium model (Laird & Yeats 1986;
//! Jammes & Olarreaga 2005).
//!
//! One importing market, one product at a time, Armington differentiation across exporters.
//! Sign conventions (stated once, used everywhere):
//! - the import demand elasticity ε is negative, σ and the export supply elasticity positive;
//! - a tariff shock is `τ̂ = (t1 − t0)/(1 + t0)`, negative for a cut;
//! - trade effects are changes in import value at world prices, positive when imports rise;
//! - welfare and surplus figures are gains to the importer when positive.
//!
//! The formulas are those of `docs/model.md` §1; each is tested against the hand
//! calculation there.

use super::{Elasticities, ProductMarket, SupplyElasticity, TradeFlow};
use crate::units::{Change, Rate, Value};

/// How the substitution between exporters is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DiversionMethod {
    /// Exact CES share reallocation: total imports held fixed, shares move with
    /// `s1 = s0·π^−σ / Σ s0·π^−σ`. Exact for any mix of tariff changes.
    #[default]
    CesShare,
    /// The classic Baldwin–Murray / Laird–Yeats two-group formula with its ceiling at the
    /// non-beneficiaries' trade; matches the WITS-SMART description for a single preference.
    LairdYeats,
}

/// Options of the SMART model.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SmartOptions {
    /// Diversion method.
    pub diversion: DiversionMethod,
}

/// What the policy does to one exporter's flow in one product.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct FlowEffect {
    /// Index of the exporter in the scenario's exporter list.
    pub exporter: usize,
    /// Base import value at world prices.
    pub base_value: Value,
    /// Tariff before the policy.
    pub tariff_before: Rate,
    /// Tariff after the policy.
    pub tariff_after: Rate,
    /// Proportional change in the exporter's world (pre-tariff) price; zero with infinite supply.
    pub world_price_change: Change,
    /// Trade creation: new imports replacing domestic or other consumption (value).
    pub trade_creation: Value,
    /// Trade diversion: imports moved between exporters; sums to zero over a product.
    pub trade_diversion: Value,
    /// Price effect: the change in value from the world price change on the new quantity.
    pub price_effect: Value,
    /// Creation + diversion + price effect.
    pub total_effect: Value,
    /// Import value after the policy, at world prices.
    pub new_value: Value,
    /// Tariff revenue on this flow before the policy.
    pub revenue_before: Value,
    /// Tariff revenue on this flow after the policy.
    pub revenue_after: Value,
    /// Importer's consumer surplus change on this flow (linear demand area, not a WITS output).
    pub consumer_surplus: Value,
    /// The WITS-SMART "welfare" triangle on trade creation.
    pub welfare_triangle: Value,
    /// True when the linear formula would have taken the flow below zero and it was floored.
    pub floored: bool,
}

/// A product market's result.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProductOutcome {
    /// Index of the product in the scenario's product list.
    pub product: usize,
    /// One effect per flow of the market, in the market's order.
    pub flows: Vec<FlowEffect>,
}

/// Totals of a set of flow effects (a product, an exporter, a whole market).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EffectTotals {
    /// Base import value.
    pub base_value: Value,
    /// New import value.
    pub new_value: Value,
    /// Trade creation.
    pub trade_creation: Value,
    /// Trade diversion.
    pub trade_diversion: Value,
    /// Price effect.
    pub price_effect: Value,
    /// Total effect.
    pub total_effect: Value,
    /// Tariff revenue before.
    pub revenue_before: Value,
    /// Tariff revenue after.
    pub revenue_after: Value,
    /// Consumer surplus change.
    pub consumer_surplus: Value,
    /// The importer's own producers' surplus change: zero in SMART, which has no domestic
    /// variety; set by models that have one (market-level, not per flow).
    pub producer_surplus: Value,
    /// WITS welfare triangle.
    pub welfare_triangle: Value,
    /// Number of flows floored at zero.
    pub floored_flows: usize,
}

impl EffectTotals {
    /// Adds one flow's effect.
    pub fn add(&mut self, f: &FlowEffect) {
        self.base_value += f.base_value;
        self.new_value += f.new_value;
        self.trade_creation += f.trade_creation;
        self.trade_diversion += f.trade_diversion;
        self.price_effect += f.price_effect;
        self.total_effect += f.total_effect;
        self.revenue_before += f.revenue_before;
        self.revenue_after += f.revenue_after;
        self.consumer_surplus += f.consumer_surplus;
        self.welfare_triangle += f.welfare_triangle;
        self.floored_flows += usize::from(f.floored);
    }

    /// Adds another set of totals.
    pub fn merge(&mut self, o: &EffectTotals) {
        self.base_value += o.base_value;
        self.new_value += o.new_value;
        self.trade_creation += o.trade_creation;
        self.trade_diversion += o.trade_diversion;
        self.price_effect += o.price_effect;
        self.total_effect += o.total_effect;
        self.revenue_before += o.revenue_before;
        self.revenue_after += o.revenue_after;
        self.consumer_surplus += o.consumer_surplus;
        self.producer_surplus += o.producer_surplus;
        self.welfare_triangle += o.welfare_triangle;
        self.floored_flows += o.floored_flows;
    }

    /// Change in tariff revenue.
    pub fn revenue_change(&self) -> Value {
        self.revenue_after - self.revenue_before
    }

    /// Importer's net welfare: consumer surplus plus the change in tariff revenue, plus
    /// its own producers' surplus where the model has them.
    pub fn net_welfare(&self) -> Value {
        self.consumer_surplus + self.revenue_change() + self.producer_surplus
    }

    /// Total effect as a percentage of base value (0 when there was no base trade).
    pub fn total_effect_pct(&self) -> f64 {
        if self.base_value > 0.0 {
            100.0 * self.total_effect / self.base_value
        } else {
            0.0
        }
    }
}

impl ProductOutcome {
    /// Totals over the product's flows.
    pub fn totals(&self) -> EffectTotals {
        let mut t = EffectTotals::default();
        for f in &self.flows {
            t.add(f);
        }
        t
    }
}

/// Errors the SMART formulas can meet on legal but extreme inputs.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SmartError {
    /// The linear world-price formula left the range where prices stay positive.
    #[error(
        "the world price would fall by {:.0}% (more than 100%): the linear SMART supply formula is \
         outside its range for this tariff increase with this export supply elasticity",
        -100.0 * world_price_change
    )]
    PriceOutOfRange {
        /// Exporter index.
        exporter: usize,
        /// The computed proportional world price change.
        world_price_change: f64,
    },
}

/// The SMART model with its options.
#[derive(Debug, Clone, Copy, Default)]
pub struct SmartModel {
    /// Options.
    pub options: SmartOptions,
}

impl SmartModel {
    /// Simulates one product market.
    pub fn simulate(&self, market: &ProductMarket) -> Result<ProductOutcome, SmartError> {
        let mut flows = Vec::with_capacity(market.flows.len());
        simulate_into(
            &market.flows,
            &market.elasticities,
            &self.options,
            &mut flows,
        )?;
        Ok(ProductOutcome {
            product: market.product,
            flows,
        })
    }
}

/// Proportional tariff shock `τ̂ = (t1 − t0)/(1 + t0)`.
pub fn tariff_shock(t0: Rate, t1: Rate) -> Change {
    (t1 - t0) / (1.0 + t0)
}

/// World price change and trade creation of one flow (Laird–Yeats, §1.3).
///
/// With infinite supply the price does not move and `TC = ε·M·τ̂`; with finite supply
/// `p̂* = ετ̂/(e_x − ε)` and `TC = ε·M·τ̂/(1 − ε/e_x)`.
pub fn creation(flow: &TradeFlow, import_demand: f64, supply: SupplyElasticity) -> (Change, Value) {
    let shock = tariff_shock(flow.tariff_before, flow.tariff_after);
    creation_with_shock(flow.base_value, shock, import_demand, supply)
}

/// [`creation`] given the flow's base value and its tariff shock `τ̂` (computed once when
/// the same flow is simulated with many elasticities).
#[inline(always)]
pub(crate) fn creation_with_shock(
    base_value: Value,
    shock: Change,
    import_demand: f64,
    supply: SupplyElasticity,
) -> (Change, Value) {
    match supply {
        SupplyElasticity::Infinite => (0.0, import_demand * base_value * shock),
        SupplyElasticity::Finite(ex) => {
            let price = import_demand * shock / (ex - import_demand);
            let tc = import_demand * base_value * shock / (1.0 - import_demand / ex);
            (price, tc)
        }
    }
}

/// Simulates one product market given as its flows and elasticities, writing one
/// [`FlowEffect`] per flow to `out` (cleared first). Allocation-free when `out` has
/// capacity, so Monte-Carlo and sweep loops can reuse buffers and vary the inputs.
pub fn simulate_into(
    flows: &[TradeFlow],
    elasticities: &Elasticities,
    options: &SmartOptions,
    out: &mut Vec<FlowEffect>,
) -> Result<(), SmartError> {
    out.clear();
    let e = *elasticities;
    for flow in flows {
        let (price, tc) = if flow.base_value > 0.0 {
            creation(flow, e.import_demand, e.export_supply)
        } else {
            (0.0, 0.0)
        };
        out.push(start_flow(flow, price, tc)?);
    }
    match options.diversion {
        DiversionMethod::CesShare => ces_share_diversion(out, e.substitution),
        DiversionMethod::LairdYeats => laird_yeats_diversion(out, e.substitution),
    }
    for (f, flow) in out.iter_mut().zip(flows) {
        // Only a flow floored above lost part of its creation: recompute it for that one.
        let unfloored = if f.floored {
            creation(flow, e.import_demand, e.export_supply).1
        } else {
            f.trade_creation
        };
        finish_flow(f, unfloored);
    }
    Ok(())
}

/// A flow's effect once its world price change and (unfloored) creation are known:
/// creation floored so that imports stay at or above zero, diversion still to compute.
#[inline(always)]
pub(crate) fn start_flow(
    flow: &TradeFlow,
    price: Change,
    creation: Value,
) -> Result<FlowEffect, SmartError> {
    if price <= -1.0 {
        return Err(SmartError::PriceOutOfRange {
            exporter: flow.exporter,
            world_price_change: price,
        });
    }
    let (trade_creation, floored) = if flow.base_value + creation < 0.0 {
        (-flow.base_value, true)
    } else {
        (creation, false)
    };
    Ok(FlowEffect {
        exporter: flow.exporter,
        base_value: flow.base_value,
        tariff_before: flow.tariff_before,
        tariff_after: flow.tariff_after,
        world_price_change: price,
        trade_creation,
        floored,
        ..FlowEffect::default()
    })
}

/// Domestic-price factor `π = (1+t1)/(1+t0)·(1+p̂*)`.
#[inline(always)]
pub(crate) fn price_factor(f: &FlowEffect) -> f64 {
    (1.0 + f.tariff_after) / (1.0 + f.tariff_before) * (1.0 + f.world_price_change)
}

/// Exact CES reallocation of a fixed total across exporters.
///
/// Computed in logarithms relative to the largest weight, so large σ cannot overflow.
fn ces_share_diversion(flows: &mut [FlowEffect], sigma: f64) {
    let total: f64 = flows.iter().map(|f| f.base_value).sum();
    ces_reallocate(
        flows,
        total,
        sigma,
        |_, f| ((f.base_value / total).ln(), price_factor(f).ln()),
        |_, f| f.base_value / total,
    );
}

/// The CES reallocation given, for flow `i` with trade, the logarithms of its base share
/// and of its price factor (`logs(i, flow)`) and its base share (`share(i, flow)`); `total`
/// is the market's base trade. Shared by [`ces_share_diversion`] and the prepared markets
/// of [`super::smart_prepared`], which take the logarithms once for many draws, so both
/// give the same numbers bit for bit.
#[inline]
pub(crate) fn ces_reallocate(
    flows: &mut [FlowEffect],
    total: f64,
    sigma: f64,
    logs: impl Fn(usize, &FlowEffect) -> (f64, f64),
    share: impl Fn(usize, &FlowEffect) -> f64,
) {
    if total <= 0.0 {
        return;
    }
    // `trade_diversion` (zero until set below) holds each flow's log weight, then its
    // weight: one exponential per flow (this is the Monte-Carlo loop).
    let mut max = f64::NEG_INFINITY;
    for (i, f) in flows.iter_mut().enumerate() {
        if f.base_value > 0.0 {
            let (ln_share, ln_price) = logs(i, f);
            let log_weight = ln_share - sigma * ln_price;
            f.trade_diversion = log_weight;
            max = max.max(log_weight);
        }
    }
    let mut denom = 0.0;
    for f in flows.iter_mut().filter(|f| f.base_value > 0.0) {
        f.trade_diversion = super::exp::exp(f.trade_diversion - max);
        denom += f.trade_diversion;
    }
    for (i, f) in flows.iter_mut().enumerate() {
        if f.base_value > 0.0 {
            let new_share = f.trade_diversion / denom;
            f.trade_diversion = (new_share - share(i, f)) * total;
        }
    }
}

/// Laird–Yeats two-group diversion, generalised to many partners (`docs/model.md` §1.4).
pub(crate) fn laird_yeats_diversion(flows: &mut [FlowEffect], sigma: f64) {
    let total: f64 = flows.iter().map(|f| f.base_value).sum();
    if total <= 0.0 {
        return;
    }
    let mean = flows
        .iter()
        .map(|f| f.base_value * price_factor(f))
        .sum::<f64>()
        / total;
    // A tolerance keeps floating-point noise from splitting partners whose prices moved alike.
    let threshold = mean * (1.0 - 1e-12);
    let is_beneficiary = |f: &FlowEffect| f.base_value > 0.0 && price_factor(f) < threshold;
    let (m_n, weighted_n) = flows
        .iter()
        .filter(|f| !is_beneficiary(f))
        .fold((0.0, 0.0), |(m, w), f| {
            (m + f.base_value, w + f.base_value * price_factor(f))
        });
    if m_n <= 0.0 {
        return;
    }
    let pi_n = weighted_n / m_n;
    let mut gains = 0.0;
    for f in flows.iter_mut().filter(|f| is_beneficiary(f)) {
        let rho = price_factor(f) / pi_n - 1.0;
        let a = -sigma * rho;
        let m_c = f.base_value;
        f.trade_diversion = (m_c * m_n / (m_c + m_n)) * a / (1.0 + a * m_c / (m_c + m_n));
        gains += f.trade_diversion;
    }
    // Joint ceiling: beneficiaries cannot take more than the others' existing trade.
    let scale = if gains > m_n { m_n / gains } else { 1.0 };
    let losses = gains * scale;
    for f in flows.iter_mut() {
        if is_beneficiary(f) {
            f.trade_diversion *= scale;
        } else {
            f.trade_diversion = -losses * f.base_value / m_n;
        }
    }
}

/// Price effect, totals, revenue and surplus of one flow once creation and diversion are
/// known; `unfloored_creation` is the creation before any floor at zero.
#[inline(always)]
pub(crate) fn finish_flow(f: &mut FlowEffect, unfloored_creation: Value) {
    if f.base_value + f.trade_creation + f.trade_diversion < 0.0 {
        // Only reachable when a large increase meets diversion losses: keep imports at zero.
        f.trade_diversion = -(f.base_value + f.trade_creation);
        f.floored = true;
    }
    let quantity = f.base_value + f.trade_creation + f.trade_diversion;
    f.price_effect = f.world_price_change * quantity;
    f.total_effect = f.trade_creation + f.trade_diversion + f.price_effect;
    f.new_value = f.base_value + f.total_effect;
    f.revenue_before = f.tariff_before * f.base_value;
    f.revenue_after = f.tariff_after * f.new_value;
    let price_rise =
        (1.0 + f.tariff_after) * (1.0 + f.world_price_change) - (1.0 + f.tariff_before);
    f.consumer_surplus = if price_rise > 0.0 && f.base_value + unfloored_creation < 0.0 {
        // Imports reach zero before the full price rise: the loss is the whole triangle
        // under the linear demand curve up to its choke price, no more.
        let choke_rise = price_rise * f.base_value / -unfloored_creation;
        -0.5 * f.base_value * choke_rise.min(price_rise)
    } else {
        -price_rise * (f.base_value + 0.5 * f.trade_creation)
    };
    // The triangle carries the sign of the price fall: a gain for a cut, a loss for a rise.
    f.welfare_triangle = -0.5 * price_rise * f.trade_creation.abs();
}

#[cfg(test)]
mod tests {
    //! Known answers from `docs/model.md` §3 (hand-computed) and the model's invariants.
    use super::*;
    use crate::model::{Elasticities, ProductMarket, SupplyElasticity, TradeFlow};
    use approx::assert_abs_diff_eq;

    const TOL: f64 = 1e-6; // the hand calculation is printed to 6 decimals

    fn market(values: &[f64], before: &[f64], after: &[f64], e: Elasticities) -> ProductMarket {
        ProductMarket {
            product: 0,
            flows: values
                .iter()
                .enumerate()
                .map(|(i, &v)| TradeFlow {
                    exporter: i,
                    base_value: v,
                    tariff_before: before[i],
                    tariff_after: after[i],
                })
                .collect(),
            elasticities: e,
        }
    }

    fn elasticities(eps: f64, sigma: f64, supply: SupplyElasticity) -> Elasticities {
        Elasticities {
            import_demand: eps,
            substitution: sigma,
            export_supply: supply,
        }
    }

    /// §3.2: the US cuts its 15% tariff on Pakistan (100) to 0; China (300) and Viet Nam (100) keep 15%.
    fn worked_example(supply: SupplyElasticity) -> ProductMarket {
        market(
            &[100.0, 300.0, 100.0],
            &[0.15, 0.15, 0.15],
            &[0.0, 0.15, 0.15],
            elasticities(-1.5, 1.5, supply),
        )
    }

    fn run(m: &ProductMarket, diversion: DiversionMethod) -> ProductOutcome {
        SmartModel {
            options: SmartOptions { diversion },
        }
        .simulate(m)
        .expect("in range")
    }

    #[test]
    fn hand_example_infinite_supply_laird_yeats() {
        let o = run(
            &worked_example(SupplyElasticity::Infinite),
            DiversionMethod::LairdYeats,
        );
        let [pak, chn, vnm] = [o.flows[0], o.flows[1], o.flows[2]];
        // Closed forms, to 1e-9.
        let shock = -0.15 / 1.15;
        assert_abs_diff_eq!(pak.trade_creation, -1.5 * 100.0 * shock, epsilon = 1e-9);
        let a = 1.5 * 0.15 / 1.15;
        let td = (100.0 * 400.0 / 500.0) * a / (1.0 + a * 100.0 / 500.0);
        assert_abs_diff_eq!(pak.trade_diversion, td, epsilon = 1e-9);
        assert_abs_diff_eq!(chn.trade_diversion, -td * 0.75, epsilon = 1e-9);
        assert_abs_diff_eq!(vnm.trade_diversion, -td * 0.25, epsilon = 1e-9);
        // The printed hand calculation.
        assert_abs_diff_eq!(pak.trade_creation, 19.565217, epsilon = TOL);
        assert_abs_diff_eq!(pak.trade_diversion, 15.062762, epsilon = TOL);
        assert_abs_diff_eq!(chn.trade_diversion, -11.297071, epsilon = TOL);
        assert_abs_diff_eq!(vnm.trade_diversion, -3.765690, epsilon = TOL);
        assert_abs_diff_eq!(pak.total_effect, 34.627979, epsilon = TOL);
        assert_abs_diff_eq!(pak.new_value, 134.627979, epsilon = TOL);
        assert_eq!(chn.trade_creation, 0.0);
        let t = o.totals();
        assert_abs_diff_eq!(t.new_value, 519.565217, epsilon = TOL);
        assert_abs_diff_eq!(t.revenue_before, 75.0, epsilon = 1e-9);
        assert_abs_diff_eq!(t.revenue_after, 57.740586, epsilon = TOL);
        assert_abs_diff_eq!(t.revenue_change(), -17.259414, epsilon = TOL);
        assert_abs_diff_eq!(t.welfare_triangle, 1.467391, epsilon = TOL);
        assert_abs_diff_eq!(t.consumer_surplus, 16.467391, epsilon = TOL);
        assert_abs_diff_eq!(t.net_welfare(), -0.792023, epsilon = TOL);
        assert_eq!(t.price_effect, 0.0);
    }

    #[test]
    fn hand_example_finite_supply_laird_yeats() {
        let o = run(
            &worked_example(SupplyElasticity::Finite(5.0)),
            DiversionMethod::LairdYeats,
        );
        let [pak, chn, vnm] = [o.flows[0], o.flows[1], o.flows[2]];
        let shock = -0.15 / 1.15;
        // Closed forms: p̂* = ετ̂/(e_x − ε), TC = ε M τ̂ / (1 − ε/e_x), to 1e-9.
        assert_abs_diff_eq!(pak.world_price_change, -1.5 * shock / 6.5, epsilon = 1e-9);
        assert_abs_diff_eq!(
            pak.trade_creation,
            -1.5 * 100.0 * shock / 1.3,
            epsilon = 1e-9
        );
        assert_abs_diff_eq!(pak.world_price_change, 0.030100, epsilon = TOL);
        assert_abs_diff_eq!(pak.trade_creation, 15.050167, epsilon = TOL);
        assert_abs_diff_eq!(pak.trade_diversion, 12.131809, epsilon = TOL);
        assert_abs_diff_eq!(pak.price_effect, 3.828220, epsilon = TOL);
        assert_abs_diff_eq!(pak.total_effect, 31.010196, epsilon = TOL);
        assert_abs_diff_eq!(chn.trade_diversion, -9.098856, epsilon = TOL);
        assert_abs_diff_eq!(vnm.trade_diversion, -3.032952, epsilon = TOL);
        let t = o.totals();
        assert_abs_diff_eq!(t.revenue_change(), -16.819771, epsilon = TOL);
        assert_abs_diff_eq!(t.welfare_triangle, 0.902255, epsilon = TOL);
        assert_abs_diff_eq!(t.net_welfare(), -3.927550, epsilon = TOL);
    }

    #[test]
    fn hand_example_ces_share() {
        let o = run(
            &worked_example(SupplyElasticity::Infinite),
            DiversionMethod::CesShare,
        );
        // Closed form: s1 = s0 π^−σ / Σ s0 π^−σ with π_PAK = 1/1.15, total 500 held fixed.
        let w = 0.2 * (1.0f64 / 1.15).powf(-1.5);
        let td_pak = (w / (w + 0.8) - 0.2) * 500.0;
        assert_abs_diff_eq!(o.flows[0].trade_diversion, td_pak, epsilon = 1e-9);
        assert_abs_diff_eq!(o.flows[0].trade_diversion, 17.827404, epsilon = TOL);
        assert_abs_diff_eq!(o.flows[1].trade_diversion, -13.370553, epsilon = TOL);
        assert_abs_diff_eq!(o.flows[2].trade_diversion, -4.456851, epsilon = TOL);
        assert_abs_diff_eq!(o.flows[0].trade_creation, 19.565217, epsilon = TOL);
    }

    fn all_methods() -> [DiversionMethod; 2] {
        [DiversionMethod::CesShare, DiversionMethod::LairdYeats]
    }

    fn random_markets() -> Vec<ProductMarket> {
        // A fixed pseudo-random set: varied sizes, tariffs up and down, both supply kinds.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        (0..200)
            .map(|i| {
                let n = 2 + (next() * 6.0) as usize;
                let values: Vec<f64> = (0..n)
                    .map(|_| if next() < 0.1 { 0.0 } else { 1000.0 * next() })
                    .collect();
                let before: Vec<f64> = (0..n).map(|_| 0.4 * next()).collect();
                let after: Vec<f64> = before
                    .iter()
                    .map(|&t| {
                        if next() < 0.5 {
                            (t - 0.3 * next()).max(0.0)
                        } else {
                            t + 0.3 * next()
                        }
                    })
                    .collect();
                let supply = if i % 2 == 0 {
                    SupplyElasticity::Infinite
                } else {
                    SupplyElasticity::Finite(0.5 + 10.0 * next())
                };
                market(
                    &values,
                    &before,
                    &after,
                    elasticities(-0.2 - 3.0 * next(), 0.2 + 8.0 * next(), supply),
                )
            })
            .collect()
    }

    #[test]
    fn no_tariff_change_gives_zero_effects() {
        for method in all_methods() {
            for mut m in random_markets() {
                for f in &mut m.flows {
                    f.tariff_after = f.tariff_before;
                }
                let o = run(&m, method);
                for f in &o.flows {
                    assert_eq!(f.trade_creation, 0.0);
                    assert_abs_diff_eq!(
                        f.trade_diversion,
                        0.0,
                        epsilon = 1e-9 * (1.0 + f.base_value)
                    );
                    assert_eq!(f.price_effect, 0.0);
                    assert_abs_diff_eq!(
                        f.new_value,
                        f.base_value,
                        epsilon = 1e-9 * (1.0 + f.base_value)
                    );
                    assert_abs_diff_eq!(f.consumer_surplus, 0.0, epsilon = 1e-12);
                }
            }
        }
    }

    #[test]
    fn diversion_sums_to_zero_and_never_exceeds_base_trade() {
        for method in all_methods() {
            let mut checked = 0;
            for m in random_markets() {
                let o = run(&m, method);
                // Flooring a flow at zero (extreme increases) is the one documented exception.
                if o.flows.iter().any(|f| f.floored) {
                    continue;
                }
                checked += 1;
                let total: f64 = m.flows.iter().map(|f| f.base_value).sum();
                let sum: f64 = o.flows.iter().map(|f| f.trade_diversion).sum();
                assert_abs_diff_eq!(sum, 0.0, epsilon = 1e-9 * (1.0 + total));
                for f in &o.flows {
                    assert!(
                        f.trade_diversion >= -f.base_value - 1e-9,
                        "{method:?}: {f:?}"
                    );
                    assert!(f.new_value >= 0.0);
                    assert!(f.new_value.is_finite() && f.consumer_surplus.is_finite());
                }
            }
            assert!(
                checked >= 150,
                "{method:?}: only {checked} markets without flooring"
            );
        }
    }

    #[test]
    fn a_cut_raises_the_beneficiary_and_lowers_the_others() {
        for method in all_methods() {
            for supply in [SupplyElasticity::Infinite, SupplyElasticity::Finite(2.0)] {
                let o = run(&worked_example(supply), method);
                assert!(o.flows[0].total_effect > 0.0);
                assert!(o.flows[1].total_effect < 0.0 && o.flows[2].total_effect < 0.0);
            }
        }
    }

    #[test]
    fn a_higher_tariff_never_raises_the_hit_exporter() {
        for method in all_methods() {
            for m in random_markets() {
                let mut m = m;
                for f in &mut m.flows {
                    f.tariff_after = f.tariff_before;
                }
                m.flows[0].tariff_after = m.flows[0].tariff_before + 0.2;
                let o = run(&m, method);
                assert!(
                    o.flows[0].total_effect <= 1e-9,
                    "{method:?}: {:?}",
                    o.flows[0]
                );
            }
        }
    }

    #[test]
    fn doubling_import_demand_elasticity_doubles_creation_with_infinite_supply() {
        let m = worked_example(SupplyElasticity::Infinite);
        let mut m2 = m.clone();
        m2.elasticities.import_demand *= 2.0;
        let (a, b) = (
            run(&m, DiversionMethod::CesShare),
            run(&m2, DiversionMethod::CesShare),
        );
        for (x, y) in a.flows.iter().zip(&b.flows) {
            assert_abs_diff_eq!(y.trade_creation, 2.0 * x.trade_creation, epsilon = 1e-9);
        }
    }

    #[test]
    fn diversion_ceiling_at_the_others_trade() {
        let mut m = worked_example(SupplyElasticity::Infinite);
        m.elasticities.substitution = 1e6;
        let o = run(&m, DiversionMethod::LairdYeats);
        assert!(o.flows[0].trade_diversion <= 400.0 + 1e-9);
        // TD = 400 − 400/(1 + a/5) with a = σ·0.1304: within 0.02 of the ceiling at σ = 1e6.
        assert_abs_diff_eq!(o.flows[0].trade_diversion, 400.0, epsilon = 0.02);
        let o = run(&m, DiversionMethod::CesShare);
        assert!(o.flows[0].trade_diversion <= 400.0 + 1e-9);
        assert!(o.flows.iter().all(|f| f.new_value.is_finite()));
    }

    #[test]
    fn zero_trade_gets_zero_effects() {
        let m = market(
            &[0.0, 0.0],
            &[0.1, 0.1],
            &[0.0, 0.1],
            elasticities(-1.0, 2.0, SupplyElasticity::Infinite),
        );
        let o = run(&m, DiversionMethod::CesShare);
        assert!(
            o.flows
                .iter()
                .all(|f| f.total_effect == 0.0 && f.new_value == 0.0)
        );
    }

    #[test]
    fn large_increase_is_floored_not_negative() {
        let m = market(
            &[100.0, 100.0],
            &[0.0, 0.0],
            &[5.0, 0.0],
            elasticities(-3.0, 5.0, SupplyElasticity::Infinite),
        );
        let o = run(&m, DiversionMethod::CesShare);
        assert_eq!(o.flows[0].new_value, 0.0);
        assert!(o.flows[0].floored);
        // ε = −3, τ̂ = 5: the linear demand hits zero at a price rise of 1/3 (of 500%); the
        // consumer loss is the whole triangle ½·M·(1/3), not the price rise times M/2.
        let raw_creation = -3.0 * 100.0 * 5.0;
        assert_abs_diff_eq!(
            o.flows[0].consumer_surplus,
            -0.5 * 100.0 * 5.0 * 100.0 / -raw_creation,
            epsilon = 1e-9
        );
        assert_abs_diff_eq!(
            o.flows[0].consumer_surplus,
            -0.5 * 100.0 / 3.0,
            epsilon = 1e-9
        );
    }

    #[test]
    fn price_out_of_range_is_an_error_not_nan() {
        let m = market(
            &[100.0, 100.0],
            &[0.0, 0.0],
            &[10.0, 0.0],
            elasticities(-5.0, 5.0, SupplyElasticity::Finite(0.01)),
        );
        let e = SmartModel::default().simulate(&m).unwrap_err();
        assert!(matches!(e, SmartError::PriceOutOfRange { exporter: 0, .. }));
    }
}
