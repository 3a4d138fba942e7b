//! Benchmarks: `cargo bench`. Speed claims live here, never in timed tests.
//!
//! - `smart_deal_scenario`: every product of the shipped US–Pakistan scenario
//!   (478 HS4 products × 11 exporters, 4,425 flows), simulated and aggregated.
//! - `load_deal_scenario`: reading and validating the scenario and its CSV data.
//! - `monte_carlo_1000_draws`: the deal scenario's `[uncertainty]`, 1,000 draws over all
//!   products (parallel over draws).
//! - `smart_product`: one product market with n exporters (CES-share diversion, finite supply).

use std::path::Path;
use tariffsim::model::smart::{DiversionMethod, SmartOptions};
use tariffsim::model::{Elasticities, ProductMarket, SupplyElasticity, TradeFlow};

fn main() {
    divan::main();
}

fn deal_path() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/hs4/us-pakistan-2025-deal.toml"
    ))
}

#[divan::bench]
fn load_deal_scenario() -> tariffsim::scenario::Scenario {
    tariffsim::scenario::load(divan::black_box(deal_path())).expect("shipped scenario loads")
}

#[divan::bench]
fn smart_deal_scenario(bencher: divan::Bencher) {
    let scenario = tariffsim::scenario::load(deal_path()).expect("shipped scenario loads");
    bencher.bench(|| tariffsim::analysis::simulate(divan::black_box(&scenario)).expect("runs"));
}

#[divan::bench(sample_count = 10)]
fn monte_carlo_1000_draws(bencher: divan::Bencher) {
    let scenario = tariffsim::scenario::load(deal_path()).expect("shipped scenario loads");
    let mut spec = scenario
        .uncertainty
        .expect("the deal scenario enables uncertainty");
    spec.draws = 1000;
    let point = tariffsim::analysis::simulate(&scenario).expect("runs");
    bencher.bench(|| {
        tariffsim::analysis::monte_carlo::run(divan::black_box(&scenario), &spec, &point, &|| {})
            .expect("runs")
    });
}

#[divan::bench(args = [4, 16, 64, 256])]
fn smart_product(bencher: divan::Bencher, n: usize) {
    let market = ProductMarket {
        product: 0,
        flows: (0..n)
            .map(|i| TradeFlow {
                exporter: i,
                base_value: 100.0 + i as f64,
                tariff_before: 0.15,
                tariff_after: if i == 0 { 0.0 } else { 0.15 },
            })
            .collect(),
        elasticities: Elasticities {
            import_demand: -1.5,
            substitution: 3.0,
            export_supply: SupplyElasticity::Finite(5.0),
        },
    };
    let options = SmartOptions {
        diversion: DiversionMethod::CesShare,
    };
    let mut out = Vec::with_capacity(n);
    bencher.bench_local(|| {
        tariffsim::model::smart::simulate_into(
            divan::black_box(&market.flows),
            &market.elasticities,
            &options,
            &mut out,
        )
        .expect("in range");
    });
}
