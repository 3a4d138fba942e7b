//! GSIM benchmarks: `cargo bench --bench gsim`. 50 regions × 1,000 products, both forms,
//! products solved in parallel (rayon), as `tariffsim run` does.

use nalgebra::DMatrix;
use rayon::prelude::*;
use tariffsim::model::SupplyElasticity;
use tariffsim::model::gsim::{GsimForm, GsimMarket, GsimOptions, solve};

fn main() {
    divan::main();
}

/// A deterministic pseudo-random market: dense trade with some zero flows, tariffs of
/// 0–30%, and a preference that halves region 0's tariffs on region 1.
fn market(n: usize, seed: u64) -> GsimMarket {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let trade = DMatrix::from_fn(n, n, |_, _| {
        if next() < 0.2 {
            0.0
        } else {
            1.0 + 100.0 * next()
        }
    });
    let tariff_before =
        DMatrix::from_fn(n, n, |r, v| if r == v { 1.0 } else { 1.0 + 0.3 * next() });
    let mut tariff_after = tariff_before.clone();
    for v in 0..n {
        tariff_after[(1, v)] = 1.0 + 0.5 * (tariff_before[(1, v)] - 1.0);
    }
    GsimMarket {
        regions: (0..n).map(|i| format!("R{i}")).collect(),
        trade,
        tariff_before,
        tariff_after,
        demand_elasticity: (0..n).map(|_| -0.5 - 1.5 * next()).collect(),
        substitution_elasticity: (0..n).map(|_| 2.0 + 6.0 * next()).collect(),
        supply_elasticity: (0..n)
            .map(|_| SupplyElasticity::Finite(0.5 + 4.0 * next()))
            .collect(),
    }
}

fn products() -> Vec<GsimMarket> {
    (0..1000).map(|p| market(50, p + 1)).collect()
}

fn solve_all(markets: &[GsimMarket], form: GsimForm) -> usize {
    let options = GsimOptions {
        form,
        ..GsimOptions::default()
    };
    markets
        .par_iter()
        .map(|m| {
            solve(m, &options)
                .expect("benchmark markets solve")
                .report
                .iterations
        })
        .sum()
}

#[divan::bench(sample_count = 5)]
fn linear_50_regions_1000_products(bencher: divan::Bencher) {
    let markets = products();
    bencher.bench(|| solve_all(divan::black_box(&markets), GsimForm::Linear));
}

#[divan::bench(sample_count = 5)]
fn levels_50_regions_1000_products(bencher: divan::Bencher) {
    let markets = products();
    bencher.bench(|| solve_all(divan::black_box(&markets), GsimForm::Levels));
}
