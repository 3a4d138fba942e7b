//! The Armington model with domestic production (`src/model/armington.rs`) against the hand
//! calculations of `docs/model.md` §6.7, GSIM's levels form (`docs/model.md` §6.8), and its
//! own invariants.

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
    close(out.import_price_change, -0.0361445783132530120, 1e-12, "P_M");
    close(out.composite_price_change, -0.0178178778978324983, 1e-12, "P");
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
    close(out.domestic.output_change, -17.6591395114414643567, 1e-9, "dD");
    close(out.domestic.value_change, -17.6591395114414643567, 1e-9, "dD value");
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
    market.elasticities.export_supply =
        ExportSupply::PerFlow(vec![SupplyElasticity::Finite(1.0), SupplyElasticity::Infinite]);
    let out = run(&market);
    assert!(out.report.iterations >= 1, "{:?}", out.report);
    let (p, c) = (&out.flows[0], &out.flows[1]);
    close(out.composite_price_change, -0.00943294205375541817, 1e-12, "P");
    close(out.domestic.price_change, -0.00157837206328202366, 1e-12, "p_D");
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
    close(out.domestic.output_change, -1.57712643409694908268, 1e-9, "dD");
    close(out.domestic.value_change, -2.36382317343411869011, 1e-9, "dD value");
    close(out.consumer_surplus, 9.07708098598701577002, 1e-9, "CS");
    close(out.domestic.consumer_surplus, 0.787941057811372896703, 1e-9, "CS dom");
    close(p.consumer_surplus, 8.28913992817564287332, 1e-9, "CS PAK");
    close(out.domestic.producer_surplus, -0.787941057811372896703, 1e-9, "PS dom");
    close(out.exporter_surplus[0], 7.22816033505507635064, 1e-9, "PS PAK");
    assert_eq!(out.exporter_surplus[1], 0.0);
    close(out.revenue_change, -15.2127440856090706821, 1e-9, "dR");
    close(out.net_welfare, -6.92360415743342780879, 1e-9, "net");
    close(out.world_welfare(), 0.304556177621648541846, 1e-9, "world");
}
