//! Every model behind the one engine: the analysis layers (uncertainty, sensitivity, sweep,
//! projection, comparison) run for SMART, GSIM and Armington alike, and each model's view of
//! the importer's market agrees with its own solution.

use std::path::{Path, PathBuf};
use tariffsim::analysis::{self, Variant, engine::engine};
use tariffsim::app;
use tariffsim::model::armington::{ArmingtonMarket, solve};
use tariffsim::scenario::{self, Scenario};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tariffsim-engine-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The HS4 deal fixture as an Armington scenario, with a small number of draws.
fn armington_fixture(name: &str) -> Scenario {
    let text = std::fs::read_to_string(
        Path::new(ROOT).join("tests/fixtures/hs4/us-pakistan-2025-deal.toml"),
    )
    .unwrap()
    .replace(
        "[model]\nkind = \"smart\"\ndiversion = \"ces_share\"",
        "[model]\nkind = \"armington\"\ndomestic = \"../../../scenarios/data/us_domestic_share_hs2.csv\"\ncomposite_demand = -1.0\ndomestic_supply = 1.5",
    )
    .replace("draws = 1000", "draws = 12");
    assert!(text.contains("kind = \"armington\""));
    // The fixture's relative data paths are kept by writing the copy beside it.
    let path = Path::new(ROOT).join(format!(
        "tests/fixtures/hs4/engine-{}-{name}.toml",
        std::process::id()
    ));
    std::fs::write(&path, text).unwrap();
    let s = scenario::load(&path);
    std::fs::remove_file(&path).unwrap();
    s.unwrap()
}

/// The two-market GSIM scenario with a projection and a sweep added.
fn gsim_with_layers(name: &str) -> Scenario {
    let dir = scratch(name);
    std::fs::create_dir_all(dir.join("data")).unwrap();
    for f in ["trade", "tariffs", "elasticities"] {
        let file = format!("data/pakistan_apparel_two_markets_{f}.csv");
        std::fs::copy(
            Path::new(ROOT).join("scenarios").join(&file),
            dir.join(&file),
        )
        .unwrap();
    }
    let text = std::fs::read_to_string(
        Path::new(ROOT).join("scenarios/pakistan-multimarket-2025.toml"),
    )
    .unwrap()
    .replace("draws = 1000", "draws = 16")
        + "\n[projection]\nstart_year = 2025\nend_year = 2028\nbaseline_growth_pct = 2.0\nadjustment_speed = 0.5\nphase_in = [0.5, 1.0]\n\n[sweep]\nexporter = \"Pakistan\"\nfrom_pct = 9\nto_pct = 29\nstep_pct = 5\n";
    let path = dir.join("scenario.toml");
    std::fs::write(&path, text).unwrap();
    scenario::load(&path).unwrap()
}

fn close(a: f64, b: f64, what: &str) {
    assert!(
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0),
        "{what}: {a} vs {b}"
    );
}

#[test]
fn every_layer_runs_for_gsim_and_a_sweep_at_the_scenarios_own_rate_is_the_point_estimate() {
    let s = gsim_with_layers("gsim");
    let point = analysis::simulate(&s).unwrap();
    let layers = app::compute_layers(&s, &point, false).unwrap();
    let (u, sens, proj, sweep) = (
        layers.uncertainty.unwrap(),
        layers.sensitivity.unwrap(),
        layers.projection.unwrap(),
        layers.sweep.unwrap(),
    );
    assert_eq!(u.spec.draws, 16);
    assert_eq!(sens.len(), 3);
    assert_eq!(proj.len(), 4);
    // The policy sets Pakistan's additional duty to 19% on every product: the sweep's 19%
    // point is the scenario itself.
    let at_19 = sweep
        .points
        .iter()
        .find(|p| (p.additional_pct - 19.0).abs() < 1e-9)
        .expect("19% is on the grid");
    close(
        at_19.focus_change,
        point.focus(&s).total_effect,
        "sweep at 19%",
    );
    close(
        at_19.net_welfare,
        point.total.net_welfare(),
        "welfare at 19%",
    );
    // A lower duty helps Pakistan more: the sweep falls with the rate.
    assert!(
        sweep
            .points
            .windows(2)
            .all(|w| w[0].focus_change > w[1].focus_change)
    );
    // The projection's last year, fully phased in, has the long-run effect on a grown base.
    let last = proj.last().unwrap();
    assert!(last.scenario > last.baseline);
}

#[test]
fn the_gsim_market_view_agrees_with_gsim_by_region() {
    let s = gsim_with_layers("view");
    let engine = analysis::gsim::GsimEngine::new(&s).unwrap();
    let run = engine.run().unwrap();
    let setup = s.gsim().unwrap();
    let o = &run.market;
    close(
        o.focus(&s).total_effect,
        run.focus_to_market(setup),
        "focus exports to the market",
    );
    close(
        o.total.net_welfare(),
        run.welfare[setup.market_region].net,
        "market net welfare",
    );
    close(
        o.total.revenue_change(),
        run.welfare[setup.market_region].tariff_revenue,
        "tariff revenue",
    );
    // The decomposition adds up on every flow, and diversion sums to zero per product.
    let markets = o.flow_markets(&s);
    assert_eq!(markets.len(), s.markets.len());
    let mut scratch = Vec::new();
    for (k, &(_, count)) in markets.iter().enumerate() {
        let flows = o.market_flows(&s, k, &mut scratch).unwrap().unwrap();
        assert_eq!(flows.len(), count);
        let mut diversion = 0.0;
        for f in flows {
            close(
                f.trade_creation + f.trade_diversion + f.price_effect,
                f.total_effect,
                "creation + diversion + price effect",
            );
            diversion += f.trade_diversion;
        }
        assert!(diversion.abs() < 1e-6 * o.total.base_value, "{diversion}");
    }
}

#[test]
fn every_layer_runs_for_armington_and_its_totals_are_the_models_per_market_results() {
    let s = armington_fixture("layers");
    let inputs = s.armington().unwrap();
    let point = analysis::simulate(&s).unwrap();
    // The engine's totals are the model's own results, market by market.
    let (mut net, mut focus, mut domestic_ps) = (0.0, 0.0, 0.0);
    for (m, d) in s.markets.iter().zip(&inputs.domestic) {
        let market = ArmingtonMarket::from_product_market(
            m,
            d.shipments,
            inputs.choice.composite_demand,
            d.sigma_domestic,
            inputs.choice.domestic_supply,
        );
        let o = solve(&market, &inputs.choice.options).unwrap();
        net += o.net_welfare;
        domestic_ps += o.domestic.producer_surplus;
        focus += o
            .flows
            .iter()
            .filter(|f| f.exporter == s.focus)
            .map(|f| f.total_effect)
            .sum::<f64>();
    }
    close(point.total.net_welfare(), net, "net welfare");
    close(point.focus(&s).total_effect, focus, "focus change");
    close(
        point.total.producer_surplus,
        domestic_ps,
        "domestic producer surplus",
    );
    assert!(
        domestic_ps < 0.0,
        "cheaper imports cost US producers: {domestic_ps}"
    );
    // A variant with the scenario's own inputs is the point estimate.
    let same = engine(&s).solve_variant(&Variant::default()).unwrap();
    close(same.total.net_welfare(), net, "variant without changes");
    let layers = app::compute_layers(&s, &point, false).unwrap();
    assert!(layers.uncertainty.is_some() && layers.sensitivity.is_some());
    let years = layers.projection.expect("the fixture has [projection]");
    assert!(years.iter().all(|y| y.band.is_some()));
    let u = layers.uncertainty.unwrap();
    let row = u
        .row("headline", "domestic_producer_surplus_change")
        .expect("the model's own quantities are in the uncertainty table");
    close(row.point, domestic_ps, "point of the domestic row");
    assert!(row.percentiles.p5 <= row.percentiles.p95);
}

#[test]
fn an_armington_scenario_writes_its_report_through_the_cli() {
    let out = scratch("cli").join("out");
    let text = std::fs::read_to_string(
        Path::new(ROOT).join("tests/fixtures/hs4/us-pakistan-2025-deal.toml"),
    )
    .unwrap()
    .replace(
        "[model]\nkind = \"smart\"\ndiversion = \"ces_share\"",
        "[model]\nkind = \"armington\"\ndomestic = \"../../../scenarios/data/us_domestic_share_hs2.csv\"",
    )
    .replace("draws = 1000", "draws = 4");
    let path = Path::new(ROOT).join(format!(
        "tests/fixtures/hs4/engine-{}-cli.toml",
        std::process::id()
    ));
    std::fs::write(&path, text).unwrap();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_tariffsim"))
        .args(["run", "-q"])
        .arg(&path)
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(status.success());
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("SMART and Armington side by side"));
    assert!(report.contains("domestic share data"));
    for f in [
        "flows.csv",
        "uncertainty.csv",
        "results.xlsx",
        "welfare.png",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
}
