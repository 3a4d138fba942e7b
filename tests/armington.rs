//! The Armington model with domestic production (`src/model/armington.rs`) against the hand
//! calculations of `docs/model.md` §6.7, GSIM's levels form (`docs/model.md` §6.6), and its
//! own invariants.

// The known answers are written with all the digits of the hand calculation.
#![allow(clippy::excessive_precision)]

use nalgebra::DMatrix;
use rand::{RngExt, SeedableRng, rngs::ChaCha8Rng};
use tariffsim::model::armington::{
    ArmingtonElasticities, ArmingtonError, ArmingtonMarket, ArmingtonOptions, ArmingtonOutcome,
    ArmingtonParameter, ExportSupply, implied_import_demand_elasticity, solve,
};
use tariffsim::model::gsim::{self, GsimForm, GsimMarket, GsimOptions};
use tariffsim::model::{SupplyElasticity, TradeFlow};
use tariffsim::solve::Termination;

const PAK: usize = 0;
const CHN: usize = 1;

fn flow(exporter: usize, base_value: f64, before: f64, after: f64) -> TradeFlow {
    TradeFlow {
        exporter,
        base_value,
        tariff_before: before,
        tariff_after: after,
    }
}

/// `docs/model.md` §6.7: domestic shipments 500; Pakistan 100 and China 300, both at 15%;
/// Pakistan's tariff cut to zero.
fn example(eta: f64, sigma_d: f64, sigma_m: f64) -> ArmingtonMarket {
    ArmingtonMarket {
        product: 7,
        flows: vec![flow(PAK, 100.0, 0.15, 0.0), flow(CHN, 300.0, 0.15, 0.15)],
        domestic_shipments: 500.0,
        elasticities: ArmingtonElasticities {
            composite_demand: eta,
            domestic_substitution: sigma_d,
            import_substitution: sigma_m,
            domestic_supply: SupplyElasticity::Infinite,
            export_supply: ExportSupply::Common(SupplyElasticity::Infinite),
        },
    }
}

fn run(market: &ArmingtonMarket) -> ArmingtonOutcome {
    solve(market, &ArmingtonOptions::default()).unwrap()
}

fn close(got: f64, want: f64, tol: f64, what: &str) {
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got}, expected {want} (difference {:e}, tolerance {tol:e})",
        got - want
    );
}

#[test]
fn hand_example_infinite_supply() {
    let out = run(&example(-1.0, 3.0, 2.0));
    assert_eq!(out.report.termination, Termination::DirectSolve);
    assert_eq!(out.report.iterations, 0);
    let (p, c) = (&out.flows[0], &out.flows[1]);
    close(
        out.import_price_change,
        -0.0361445783132530120,
        1e-12,
        "P_M",
    );
    close(
        out.composite_price_change,
        -0.0178178778978324983,
        1e-12,
        "P",
    );
    close(p.new_value, 132.363376009194622653, 1e-9, "V1 PAK");
    close(c.new_value, 300.257185654127688438, 1e-9, "V1 CHN");
    close(p.trade_creation, 8.15514041583057777275, 1e-9, "TC PAK");
    close(c.trade_creation, 24.4654212474917333183, 1e-9, "TC CHN");
    close(p.trade_diversion, 24.2082355933640448803, 1e-9, "TD PAK");
    close(c.trade_diversion, -24.2082355933640448803, 1e-9, "TD CHN");
    for f in [p, c] {
        assert_eq!(f.world_price_change, 0.0);
        assert_eq!(f.price_effect, 0.0);
    }
    close(
        out.domestic.output_change,
        -17.6591395114414643567,
        1e-9,
        "dD",
    );
    close(
        out.domestic.value_change,
        -17.6591395114414643567,
        1e-9,
        "dD value",
    );
    assert_eq!(out.domestic.price_change, 0.0);
    assert_eq!(out.domestic.producer_surplus, 0.0);
    close(out.revenue_change, -14.9614221518808467343, 1e-9, "dR");
    close(out.consumer_surplus, 17.259386336784469674, 1e-9, "CS");
    close(p.consumer_surplus, 17.259386336784469674, 1e-9, "CS PAK");
    assert_eq!(c.consumer_surplus, 0.0);
    close(out.net_welfare, 2.29796418490362293960, 1e-9, "net");
    close(p.welfare_triangle, 2.42725320068959669898, 1e-9, "triangle");
    close(
        implied_import_demand_elasticity(460.0 / 960.0, -1.0, 3.0),
        -2.04166666666666666667,
        1e-12,
        "eps_M",
    );
}

#[test]
fn hand_example_finite_supply_cobb_douglas() {
    let mut market = example(-0.5, 1.0, 1.0);
    market.elasticities.domestic_supply = SupplyElasticity::Finite(2.0);
    market.elasticities.export_supply = ExportSupply::PerFlow(vec![
        SupplyElasticity::Finite(1.0),
        SupplyElasticity::Infinite,
    ]);
    let out = run(&market);
    assert!(out.report.iterations >= 1, "{:?}", out.report);
    let (p, c) = (&out.flows[0], &out.flows[1]);
    close(
        out.composite_price_change,
        -0.00943294205375541817,
        1e-12,
        "P",
    );
    close(
        out.domestic.price_change,
        -0.00157837206328202366,
        1e-12,
        "p_D",
    );
    close(p.world_price_change, 0.0698426083780275046, 1e-12, "p*_PAK");
    assert_eq!(c.world_price_change, 0.0);
    close(p.new_value, 114.456320670110152701, 1e-9, "V1 PAK");
    close(p.total_effect, 14.4563206701101527013, 1e-9, "total PAK");
    close(c.total_effect, -1.41829390406047121407, 1e-9, "total CHN");
    close(p.trade_creation, 1.39149173343556981190, 1e-9, "TC PAK");
    close(p.trade_diversion, 5.59276910436718064977, 1e-9, "TD PAK");
    close(c.trade_creation, 4.17447520030670943571, 1e-9, "TC CHN");
    close(c.trade_diversion, -5.59276910436718064977, 1e-9, "TD CHN");
    close(p.price_effect, 7.47205983230740223960, 1e-9, "PE PAK");
    close(
        out.domestic.output_change,
        -1.57712643409694908268,
        1e-9,
        "dD",
    );
    close(
        out.domestic.value_change,
        -2.36382317343411869011,
        1e-9,
        "dD value",
    );
    close(out.consumer_surplus, 9.07708098598701577002, 1e-9, "CS");
    close(
        out.domestic.consumer_surplus,
        0.787941057811372896703,
        1e-9,
        "CS dom",
    );
    close(p.consumer_surplus, 8.28913992817564287332, 1e-9, "CS PAK");
    close(
        out.domestic.producer_surplus,
        -0.787941057811372896703,
        1e-9,
        "PS dom",
    );
    close(
        out.exporter_surplus[0],
        7.22816033505507635064,
        1e-9,
        "PS PAK",
    );
    assert_eq!(out.exporter_surplus[1], 0.0);
    close(out.revenue_change, -15.2127440856090706821, 1e-9, "dR");
    close(out.net_welfare, -6.92360415743342780879, 1e-9, "net");
    close(out.world_welfare(), 0.304556177621648541846, 1e-9, "world");
}

/// A random market: 1–6 exporters (the first with trade), optional domestic shipments, finite or infinite supplies.
fn random_market(rng: &mut ChaCha8Rng, with_domestic: bool) -> ArmingtonMarket {
    let n = rng.random_range(1..=6);
    let supply = |rng: &mut ChaCha8Rng| {
        if rng.random_bool(0.25) {
            SupplyElasticity::Infinite
        } else {
            SupplyElasticity::Finite(rng.random_range(0.2..20.0))
        }
    };
    let flows = (0..n)
        .map(|c| {
            let before = rng.random_range(0.0..0.5);
            let after = if rng.random_bool(0.3) {
                before
            } else {
                rng.random_range(0.0..0.8)
            };
            let value = if c > 0 && rng.random_bool(0.1) {
                0.0
            } else {
                rng.random_range(1.0..1000.0)
            };
            flow(c, value, before, after)
        })
        .collect();
    ArmingtonMarket {
        product: 0,
        flows,
        domestic_shipments: if with_domestic {
            rng.random_range(1.0..3000.0)
        } else {
            0.0
        },
        elasticities: ArmingtonElasticities {
            composite_demand: -rng.random_range(0.2..3.0),
            domestic_substitution: rng.random_range(0.3..8.0),
            import_substitution: rng.random_range(0.3..8.0),
            domestic_supply: supply(rng),
            export_supply: ExportSupply::PerFlow((0..n).map(|_| supply(rng)).collect()),
        },
    }
}

/// The same market as a GSIM levels market: the importer is region 0, its domestic shipments
/// the diagonal, exporters regions 1..; one substitution elasticity for all varieties.
fn as_gsim(market: &ArmingtonMarket) -> GsimMarket {
    let e = &market.elasticities;
    assert_eq!(e.domestic_substitution, e.import_substitution);
    let n = market.flows.len() + 1;
    let mut trade = DMatrix::zeros(n, n);
    let mut before = DMatrix::from_element(n, n, 1.0);
    let mut after = before.clone();
    trade[(0, 0)] = market.domestic_shipments;
    let mut supply = vec![e.domestic_supply];
    for (i, f) in market.flows.iter().enumerate() {
        trade[(i + 1, 0)] = f.base_value;
        before[(i + 1, 0)] = 1.0 + f.tariff_before;
        after[(i + 1, 0)] = 1.0 + f.tariff_after;
        supply.push(match &e.export_supply {
            ExportSupply::Common(s) => *s,
            ExportSupply::PerFlow(v) => v[i],
        });
    }
    let mut demand = vec![-1.0; n];
    demand[0] = e.composite_demand;
    let mut substitution = vec![2.0; n];
    substitution[0] = e.import_substitution;
    GsimMarket {
        regions: (0..n).map(|r| format!("R{r}")).collect(),
        trade,
        tariff_before: before,
        tariff_after: after,
        demand_elasticity: demand,
        substitution_elasticity: substitution,
        supply_elasticity: supply,
    }
}

/// Checks every common quantity against GSIM's levels form to `tol` relative to the market.
fn assert_matches_gsim(market: &ArmingtonMarket, tol: f64) {
    let out = run(market);
    let options = GsimOptions {
        form: GsimForm::Levels,
        ..GsimOptions::default()
    };
    let g = gsim::solve(&as_gsim(market), &options).unwrap();
    let scale = market.domestic_shipments + market.flows.iter().map(|f| f.base_value).sum::<f64>();
    let tol_value = tol * scale;
    for (i, f) in out.flows.iter().enumerate() {
        close(
            f.world_price_change,
            g.world_price_change[i + 1],
            tol,
            "world price",
        );
        close(
            f.new_value,
            g.trade_after[(i + 1, 0)],
            tol_value,
            "new value",
        );
        close(
            out.exporter_surplus[i],
            g.producer_surplus_change[i + 1],
            tol_value,
            "PS",
        );
    }
    if market.domestic_shipments > 0.0 {
        close(
            out.domestic.price_change,
            g.world_price_change[0],
            tol,
            "domestic price",
        );
        close(
            market.domestic_shipments + out.domestic.value_change,
            g.trade_after[(0, 0)],
            tol_value,
            "domestic value",
        );
    }
    close(
        out.composite_price_change,
        g.composite_price_change[0],
        tol,
        "composite price",
    );
    close(
        out.domestic.producer_surplus,
        g.producer_surplus_change[0],
        tol_value,
        "PS dom",
    );
    close(
        out.consumer_surplus,
        g.consumer_surplus_change[0],
        tol_value,
        "CS",
    );
    close(
        out.revenue_change,
        g.tariff_revenue_change[0],
        tol_value,
        "revenue",
    );
    close(out.net_welfare, g.welfare_change[0], tol_value, "welfare");
}

#[test]
fn no_domestic_production_is_the_single_nest_ces_of_gsim() {
    // Domestic share zero: only the import nest is left, and it is GSIM's levels form for one
    // importer (σ_d plays no role).
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    for _ in 0..200 {
        let mut market = random_market(&mut rng, false);
        market.elasticities.domestic_substitution = market.elasticities.import_substitution;
        assert_matches_gsim(&market, 1e-9);
        // ... and σ_d has no effect without a domestic variety.
        let mut other = market.clone();
        other.elasticities.domestic_substitution = 7.5;
        let (a, b) = (run(&market), run(&other));
        for (x, y) in a.flows.iter().zip(&b.flows) {
            close(
                x.new_value,
                y.new_value,
                1e-9 * (1.0 + y.new_value.abs()),
                "sigma_d",
            );
        }
    }
}

#[test]
fn equal_elasticities_with_domestic_production_are_gsim_with_own_trade() {
    // σ_d = σ_m: the nest collapses to one CES over all varieties, which is GSIM with the
    // domestic shipments on the diagonal and the domestic supply as the importer's own supply.
    let mut rng = ChaCha8Rng::seed_from_u64(12);
    for _ in 0..200 {
        let mut market = random_market(&mut rng, true);
        market.elasticities.domestic_substitution = market.elasticities.import_substitution;
        assert_matches_gsim(&market, 1e-9);
    }
}

#[test]
fn domestic_share_tending_to_zero_reaches_the_import_nest_alone() {
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    for _ in 0..50 {
        let market = random_market(&mut rng, false);
        let alone = run(&market);
        let mut gaps = Vec::new();
        for d in [1e-2, 1e-4, 1e-6] {
            let mut m = market.clone();
            m.domestic_shipments = d;
            let out = run(&m);
            let gap = out
                .flows
                .iter()
                .zip(&alone.flows)
                .map(|(a, b)| (a.new_value - b.new_value).abs())
                .fold(0.0, f64::max);
            gaps.push(gap);
        }
        // The gap is proportional to the domestic share: it shrinks a hundredfold each time.
        assert!(gaps[2] <= 1e-6, "{gaps:?}");
        assert!(gaps[2] <= gaps[0] * 1e-3 + 1e-12, "{gaps:?}");
    }
}

#[test]
fn no_tariff_change_has_no_effect_exactly() {
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    for _ in 0..200 {
        let domestic = rng.random_bool(0.8);
        let mut market = random_market(&mut rng, domestic);
        for f in &mut market.flows {
            f.tariff_after = f.tariff_before;
        }
        let out = run(&market);
        assert_eq!(out.report.iterations, 0);
        for f in &out.flows {
            assert_eq!(f.new_value, f.base_value);
            for v in [
                f.world_price_change,
                f.trade_creation,
                f.trade_diversion,
                f.price_effect,
                f.total_effect,
                f.consumer_surplus,
                f.welfare_triangle,
                f.revenue_after - f.revenue_before,
            ] {
                assert_eq!(v, 0.0);
            }
        }
        let d = out.domestic;
        for v in [
            d.output_change,
            d.value_change,
            d.price_change,
            d.producer_surplus,
            d.consumer_surplus,
            out.import_price_change,
            out.composite_price_change,
            out.consumer_surplus,
            out.revenue_change,
            out.net_welfare,
            out.exporter_surplus_total(),
        ] {
            assert_eq!(v, 0.0);
        }
    }
}

#[test]
fn infinite_supply_closed_form_is_the_limit_of_newton() {
    let mut rng = ChaCha8Rng::seed_from_u64(15);
    for _ in 0..50 {
        let mut market = random_market(&mut rng, true);
        market.elasticities.domestic_supply = SupplyElasticity::Infinite;
        market.elasticities.export_supply = ExportSupply::Common(SupplyElasticity::Infinite);
        let closed = run(&market);
        assert_eq!(closed.report.termination, Termination::DirectSolve);
        let mut newton = market.clone();
        newton.elasticities.domestic_supply = SupplyElasticity::Finite(1e10);
        newton.elasticities.export_supply = ExportSupply::Common(SupplyElasticity::Finite(1e10));
        let solved = run(&newton);
        let scale =
            market.domestic_shipments + market.flows.iter().map(|f| f.base_value).sum::<f64>();
        for (a, b) in closed.flows.iter().zip(&solved.flows) {
            close(b.new_value, a.new_value, 1e-8 * scale, "new value");
            close(
                b.trade_diversion,
                a.trade_diversion,
                1e-8 * scale,
                "diversion",
            );
        }
        close(
            solved.domestic.output_change,
            closed.domestic.output_change,
            1e-8 * scale,
            "dD",
        );
        close(
            solved.consumer_surplus,
            closed.consumer_surplus,
            1e-8 * scale,
            "CS",
        );
        close(solved.net_welfare, closed.net_welfare, 1e-8 * scale, "net");
    }
}

/// The decomposition adds up, welfare is the sum of its parts, and the prices clear the
/// markets: demand (recomputed here from the prices with `powf`) equals supply.
fn assert_invariants(market: &ArmingtonMarket, out: &ArmingtonOutcome, tol: f64) {
    let e = &market.elasticities;
    let scale = market.domestic_shipments + market.flows.iter().map(|f| f.base_value).sum::<f64>();
    // Relative to the largest value in play: with η = −100 a 39% fall of the composite price
    // multiplies quantities by 1e21.
    let largest = out
        .flows
        .iter()
        .flat_map(|f| {
            [
                f.new_value,
                f.trade_creation,
                f.welfare_triangle,
                f.revenue_after,
            ]
        })
        .chain([
            out.domestic.output_change,
            out.domestic.value_change,
            out.consumer_surplus,
            out.domestic.producer_surplus,
        ])
        .fold(scale.max(1.0), |m, v| m.max(v.abs()));
    let t = tol * largest;
    let totals = out.totals();
    close(totals.trade_diversion, 0.0, t, "diversion sums to zero");
    for f in &out.flows {
        close(
            f.trade_creation + f.trade_diversion + f.price_effect,
            f.total_effect,
            t,
            "TC+TD+PE",
        );
        close(f.new_value - f.base_value, f.total_effect, t, "new - base");
        assert!(!f.floored);
    }
    close(
        totals.consumer_surplus + out.domestic.consumer_surplus,
        out.consumer_surplus,
        t,
        "CS split",
    );
    close(totals.revenue_change(), out.revenue_change, t, "revenue");
    close(
        out.consumer_surplus + out.domestic.producer_surplus + out.revenue_change,
        out.net_welfare,
        t,
        "welfare = CS + PS + revenue",
    );

    // Independent demand system in levels (in logarithms, so that extreme elasticities
    // cannot overflow the check itself).
    let (sd, sm, eta) = (
        e.domestic_substitution,
        e.import_substitution,
        e.composite_demand,
    );
    let m0: f64 = market
        .flows
        .iter()
        .map(|f| f.base_value * (1.0 + f.tariff_before))
        .sum();
    let x0 = market.domestic_shipments + m0;
    let ln_p_dom = out.domestic.price_change.ln_1p();
    let ln_p: Vec<f64> = market
        .flows
        .iter()
        .zip(&out.flows)
        .map(|(f, o)| {
            ((1.0 + f.tariff_after) / (1.0 + f.tariff_before)).ln() + o.world_price_change.ln_1p()
        })
        .collect();
    let ln_ces = |terms: &[(f64, f64)], s: f64| -> f64 {
        let live: Vec<&(f64, f64)> = terms.iter().filter(|(w, _)| *w > 0.0).collect();
        if (s - 1.0).abs() < 1e-12 {
            return live.iter().map(|(w, a)| w * a).sum();
        }
        let top = live
            .iter()
            .map(|(_, a)| (1.0 - s) * a)
            .fold(f64::NEG_INFINITY, f64::max);
        let sum: f64 = live
            .iter()
            .map(|(w, a)| w * ((1.0 - s) * a - top).exp())
            .sum();
        (top + sum.ln()) / (1.0 - s)
    };
    let lower: Vec<(f64, f64)> = market
        .flows
        .iter()
        .zip(&ln_p)
        .filter(|(f, _)| f.base_value > 0.0)
        .map(|(f, &a)| (f.base_value * (1.0 + f.tariff_before) / m0, a))
        .collect();
    let ln_pm = if m0 > 0.0 { ln_ces(&lower, sm) } else { 0.0 };
    let ln_pc = ln_ces(
        &[(market.domestic_shipments / x0, ln_p_dom), (m0 / x0, ln_pm)],
        sd,
    );
    close(out.import_price_change, ln_pm.exp_m1(), tol, "P_M");
    close(out.composite_price_change, ln_pc.exp_m1(), tol, "P");
    let ln_m_hat = -sd * (ln_pm - ln_pc) + eta * ln_pc;
    for ((f, o), &a) in market.flows.iter().zip(&out.flows).zip(&ln_p) {
        if f.base_value == 0.0 {
            continue;
        }
        let demand = f.base_value * (-sm * (a - ln_pm) + ln_m_hat).exp();
        let quantity = o.new_value / (1.0 + o.world_price_change);
        close(quantity, demand, t, "import demand");
        let supply = match (&e.export_supply, o.exporter) {
            (ExportSupply::Common(s), _) => *s,
            (ExportSupply::PerFlow(v), c) => v[c],
        };
        if let SupplyElasticity::Finite(ex) = supply {
            let supplied = f.base_value * (ex * o.world_price_change.ln_1p()).exp();
            close(quantity, supplied, t, "export supply");
        } else {
            assert_eq!(o.world_price_change, 0.0);
        }
    }
    if market.domestic_shipments > 0.0 && !ln_p_dom.is_finite() {
        // The domestic price fell below 1e-308 of its base (ε_d = 0.01 facing a collapse of
        // demand): the check cannot be taken in logs from the rounded price; the output has
        // then all but vanished.
        assert_eq!(out.domestic.price_change, -1.0);
        assert!(out.domestic.output_change <= -0.99 * market.domestic_shipments);
    } else if market.domestic_shipments > 0.0 {
        let d = market.domestic_shipments;
        let demand = d * (-sd * (ln_p_dom - ln_pc) + eta * ln_pc).exp();
        close(d + out.domestic.output_change, demand, t, "domestic demand");
        if let SupplyElasticity::Finite(ed) = e.domestic_supply {
            let supplied = d * (ed * ln_p_dom).exp();
            close(
                d + out.domestic.output_change,
                supplied,
                t,
                "domestic supply",
            );
        }
    }
}

#[test]
fn random_markets_satisfy_the_invariants_and_clear() {
    let mut rng = ChaCha8Rng::seed_from_u64(16);
    for _ in 0..400 {
        let domestic = rng.random_bool(0.8);
        let market = random_market(&mut rng, domestic);
        let out = run(&market);
        assert_invariants(&market, &out, 1e-9);
    }
    let out = run(&example(-1.0, 3.0, 2.0));
    assert_invariants(&example(-1.0, 3.0, 2.0), &out, 1e-12);
}

#[test]
fn outputs_stay_finite_at_the_ends_of_the_accepted_ranges() {
    // Elasticities 0.01 and 100, supplies 0.01, 98.9 and infinite, tariffs 0% and 1000%,
    // a tiny flow beside large ones: every solve succeeds, with finite outputs that add up and
    // clear the markets.
    let ends = [0.01, 100.0];
    let supplies = [
        SupplyElasticity::Finite(0.01),
        SupplyElasticity::Finite(98.9),
        SupplyElasticity::Infinite,
    ];
    let tariffs = [(10.0, 0.0), (0.0, 10.0), (10.0, 10.0), (0.0, 0.0)];
    let mut solved = 0;
    for &eta in &ends {
        for &sd in &ends {
            for &sm in &ends {
                for &ds in &supplies {
                    for &es in &supplies {
                        for (k, &(b0, a0)) in tariffs.iter().enumerate() {
                            let (b1, a1) = tariffs[(k + 1) % tariffs.len()];
                            let market = ArmingtonMarket {
                                product: 0,
                                flows: vec![
                                    flow(0, 1e9, b0, a0),
                                    flow(1, 1e3, b1, a1),
                                    flow(2, 1e-3, a0, b0),
                                ],
                                domestic_shipments: 5e9,
                                elasticities: ArmingtonElasticities {
                                    composite_demand: -eta,
                                    domestic_substitution: sd,
                                    import_substitution: sm,
                                    domestic_supply: ds,
                                    export_supply: ExportSupply::Common(es),
                                },
                            };
                            let out = solve(&market, &ArmingtonOptions::default())
                                .unwrap_or_else(|e| panic!("{market:?}: {e}"));
                            assert_invariants(&market, &out, 1e-9);
                            solved += 1;
                        }
                    }
                }
            }
        }
    }
    assert_eq!(solved, 8 * 9 * 4);
}

#[test]
fn invalid_inputs_are_typed_errors() {
    let base = example(-1.0, 3.0, 2.0);
    let check = |edit: &dyn Fn(&mut ArmingtonMarket), want: &dyn Fn(&ArmingtonError) -> bool| {
        let mut m = base.clone();
        edit(&mut m);
        let err = solve(&m, &ArmingtonOptions::default()).unwrap_err();
        assert!(want(&err), "{err:?}");
        assert!(!err.to_string().is_empty());
    };
    for eta in [0.0, 0.5, f64::NAN, f64::NEG_INFINITY] {
        check(&|m| m.elasticities.composite_demand = eta, &|e| {
            matches!(
                e,
                ArmingtonError::InvalidElasticity {
                    parameter: ArmingtonParameter::CompositeDemand,
                    ..
                }
            )
        });
    }
    for sigma in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        check(&|m| m.elasticities.domestic_substitution = sigma, &|e| {
            matches!(
                e,
                ArmingtonError::InvalidElasticity {
                    parameter: ArmingtonParameter::DomesticSubstitution,
                    ..
                }
            )
        });
        check(&|m| m.elasticities.import_substitution = sigma, &|e| {
            matches!(
                e,
                ArmingtonError::InvalidElasticity {
                    parameter: ArmingtonParameter::ImportSubstitution,
                    ..
                }
            )
        });
        check(
            &|m| m.elasticities.domestic_supply = SupplyElasticity::Finite(sigma),
            &|e| {
                matches!(
                    e,
                    ArmingtonError::InvalidElasticity {
                        parameter: ArmingtonParameter::DomesticSupply,
                        ..
                    }
                )
            },
        );
        check(
            &|m| {
                m.elasticities.export_supply = ExportSupply::PerFlow(vec![
                    SupplyElasticity::Infinite,
                    SupplyElasticity::Finite(sigma),
                ])
            },
            &|e| {
                matches!(
                    e,
                    ArmingtonError::InvalidElasticity {
                        parameter: ArmingtonParameter::ExportSupply { exporter: CHN },
                        ..
                    }
                )
            },
        );
    }
    check(
        &|m| m.elasticities.export_supply = ExportSupply::PerFlow(vec![]),
        &|e| matches!(e, ArmingtonError::SupplyCount { flows: 2, found: 0 }),
    );
    for v in [-1.0, f64::NAN, f64::INFINITY] {
        check(&|m| m.flows[1].base_value = v, &|e| {
            matches!(e, ArmingtonError::InvalidImports { exporter: CHN, .. })
        });
        check(&|m| m.domestic_shipments = v, &|e| {
            matches!(e, ArmingtonError::InvalidDomestic { .. })
        });
    }
    for t in [-1.0, -2.0, f64::NAN, f64::INFINITY] {
        check(&|m| m.flows[0].tariff_after = t, &|e| {
            matches!(e, ArmingtonError::InvalidTariff { exporter: PAK, .. })
        });
        check(&|m| m.flows[0].tariff_before = t, &|e| {
            matches!(e, ArmingtonError::InvalidTariff { exporter: PAK, .. })
        });
    }
}

#[test]
fn empty_and_import_only_markets_are_handled() {
    // No trade at all: nothing moves.
    let mut m = example(-1.0, 3.0, 2.0);
    m.flows.clear();
    m.domestic_shipments = 0.0;
    let out = run(&m);
    assert!(out.flows.is_empty());
    assert_eq!(out.net_welfare, 0.0);
    // Domestic production only, finite supply: no import price moves, so nothing does.
    m.domestic_shipments = 100.0;
    m.elasticities.domestic_supply = SupplyElasticity::Finite(1.0);
    let out = run(&m);
    assert_eq!(out.domestic.output_change, 0.0);
    assert_eq!(out.domestic.price_change, 0.0);
}

#[test]
fn implied_import_demand_elasticity_is_the_models_response_to_a_small_uniform_shock() {
    // Every import tariff rises by the same tiny factor, supplies infinite: the import
    // quantity moves by ε_M times the log shock, ε_M = s_M·η − (1 − s_M)·σ_d.
    for (eta, sigma_d, sigma_m) in [(-1.0, 3.0, 2.0), (-0.3, 0.5, 6.0), (-2.5, 8.0, 1.0)] {
        let mut market = example(eta, sigma_d, sigma_m);
        let shock: f64 = 1e-7;
        for f in &mut market.flows {
            f.tariff_after = (1.0 + f.tariff_before) * (1.0 + shock) - 1.0;
        }
        let out = run(&market);
        let imports = 400.0;
        let quantity_change: f64 = out
            .flows
            .iter()
            .map(|f| f.trade_creation + f.trade_diversion)
            .sum();
        let response = quantity_change / imports / shock.ln_1p();
        let expected = implied_import_demand_elasticity(460.0 / 960.0, eta, sigma_d);
        close(
            response,
            expected,
            1e-5 * expected.abs(),
            "import demand elasticity",
        );
    }
}
