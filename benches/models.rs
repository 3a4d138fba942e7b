//! Benchmarks: `cargo bench`. Speed claims live here, never in timed tests.
//!
//! - `smart_deal_scenario`: every product of the shipped US–Pakistan scenario
//!   (478 HS4 products × 11 exporters, 4,425 flows), simulated and aggregated.
//! - `load_deal_scenario`: reading and validating the scenario and its CSV data.
//! - `monte_carlo_1000_draws`: the deal scenario's `[uncertainty]`, 1,000 draws over all
//!   products (parallel over draws).
//! - `smart_product`: one product market with n exporters (CES-share diversion, finite supply).
//! - `monte_carlo_1000_draws_hs6`: the dated HS6 scenario `us-pakistan-deal-collected`
//!   (5,486 products × 51 exporters, 93,413 flows), its `[uncertainty]` with 1,000 draws:
//!   markets prepared once, every draw run, percentiles of every row.
//! - `prepared_draw_hs6` / `simulate_variant_hs6`: one draw over the same 93,413 flows, on
//!   one thread, by the prepared path the draws use and by the general path.

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

fn hs6_path() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/us-pakistan-deal-collected.toml"
    ))
}

#[divan::bench(sample_count = 3, sample_size = 1)]
fn monte_carlo_1000_draws_hs6(bencher: divan::Bencher) {
    let scenario = tariffsim::scenario::load(hs6_path()).expect("shipped scenario loads");
    let mut spec = scenario
        .uncertainty
        .expect("the HS6 deal scenario enables uncertainty");
    spec.draws = 1000;
    let point = tariffsim::analysis::simulate(&scenario).expect("runs");
    bencher.bench(|| {
        tariffsim::analysis::monte_carlo::run(divan::black_box(&scenario), &spec, &point, &|| {})
            .expect("runs")
    });
}

/// The HS6 scenario and the elasticities of its draw 0.
fn hs6_draw() -> (
    tariffsim::scenario::Scenario,
    tariffsim::analysis::ElasticityChange,
) {
    let scenario = tariffsim::scenario::load(hs6_path()).expect("shipped scenario loads");
    let change = scenario
        .uncertainty
        .expect("the HS6 deal scenario enables uncertainty")
        .draw(0);
    (scenario, change)
}

#[divan::bench(sample_count = 20)]
fn prepared_draw_hs6(bencher: divan::Bencher) {
    use tariffsim::analysis::draws::{DrawTotals, PreparedScenario};
    let (scenario, change) = hs6_draw();
    let prepared = PreparedScenario::new(&scenario);
    let elasticities: Vec<Elasticities> = scenario
        .markets
        .iter()
        .map(|m| change.apply(&m.elasticities))
        .collect();
    let mut scratch = tariffsim::model::smart_prepared::MarketScratch::default();
    let mut totals = DrawTotals::empty(&scenario);
    bencher.bench_local(|| {
        prepared
            .run_into(divan::black_box(&elasticities), &mut scratch, &mut totals)
            .expect("runs");
    });
}

/// Sixteen draws over the same flows in one batch (as the Monte-Carlo layer runs them), on
/// one thread: the time per batch.
#[divan::bench(sample_count = 20)]
fn prepared_batch16_hs6(bencher: divan::Bencher) {
    use tariffsim::analysis::draws::{DrawTotals, DrawnElasticities, PreparedScenario};
    let (scenario, _) = hs6_draw();
    let spec = scenario
        .uncertainty
        .expect("the scenario has [uncertainty]");
    let prepared = PreparedScenario::new(&scenario);
    let draws: Vec<DrawnElasticities<'_>> = (0..16)
        .map(|i| {
            let (change, set) = spec.draw_with_set(i);
            DrawnElasticities::new(
                &scenario,
                change,
                set.and_then(|set| scenario.set_elasticities(set)),
            )
        })
        .collect();
    let mut scratch = tariffsim::model::smart_prepared::MarketScratch::default();
    let mut totals = vec![DrawTotals::empty(&scenario); 16];
    bencher.bench_local(|| {
        prepared
            .run_batch_into(divan::black_box(&draws), &mut scratch, &mut totals)
            .expect("runs");
    });
}

#[divan::bench(sample_count = 20)]
fn simulate_variant_hs6(bencher: divan::Bencher) {
    let (scenario, change) = hs6_draw();
    let variant = tariffsim::analysis::Variant {
        elasticities: Some(change),
        tariff_after: None,
        base_elasticities: None,
    };
    bencher.bench_local(|| {
        tariffsim::analysis::simulate_variant(divan::black_box(&scenario), &variant).expect("runs")
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
