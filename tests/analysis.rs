//! The analysis layers: Monte-Carlo reproducibility, sensitivity, sweep, projection,
//! comparison, and their input errors.

use std::path::{Path, PathBuf};
use std::process::Command;
use tariffsim::analysis::{self, monte_carlo, projection, sensitivity, sweep};
use tariffsim::scenario;

const BIN: &str = env!("CARGO_BIN_EXE_tariffsim");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const HS4_FIXTURES: [&str; 4] = [
    "us-pakistan-2025-deal",
    "us-reciprocal-2025",
    "us-2026-court-ruling",
    "us-2026-section-301",
];

/// One of the HS4 scenarios written as explicit rules (tests/fixtures/hs4).
fn hs4(name: &str) -> PathBuf {
    Path::new(ROOT)
        .join("tests/fixtures/hs4")
        .join(format!("{name}.toml"))
}

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("tariffsim-analysis-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(Path::new(ROOT).join("tests/fixtures/small")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    dir
}

/// The small fixture with extra TOML appended.
fn fixture_with(name: &str, extra: &str) -> PathBuf {
    let dir = scratch(name);
    let path = dir.join("scenario.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{text}\n{extra}")).unwrap();
    path
}

#[test]
fn monte_carlo_is_identical_with_one_or_several_threads() {
    let mut s = scenario::load(&hs4("us-pakistan-2025-deal")).unwrap();
    let spec = s
        .uncertainty
        .as_mut()
        .expect("shipped scenario has [uncertainty]");
    spec.draws = 120;
    let spec = *spec;
    let point = analysis::simulate(&s).unwrap();
    let run_with = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| monte_carlo::run(&s, &spec, &point, &|| {}).unwrap())
    };
    let one = run_with(1);
    let three = run_with(3);
    assert_eq!(one, three, "results must not depend on the thread count");
    // And a different seed gives different numbers (the seed is really used).
    let other = monte_carlo::run(
        &s,
        &monte_carlo::UncertaintySpec {
            seed: spec.seed + 1,
            ..spec
        },
        &point,
        &|| {},
    )
    .unwrap();
    assert_ne!(one.rows[0].percentiles, other.rows[0].percentiles);
}

#[test]
fn percentiles_bracket_the_point_estimate_in_shipped_scenarios() {
    for name in HS4_FIXTURES {
        let s = scenario::load(&hs4(name)).unwrap();
        let spec = s.uncertainty.expect("shipped scenarios enable uncertainty");
        assert_eq!(spec.draws, 1000);
        let point = analysis::simulate(&s).unwrap();
        let u = monte_carlo::run(&s, &spec, &point, &|| {}).unwrap();
        for r in u
            .rows
            .iter()
            .filter(|r| r.kind == "headline" || r.kind == "group")
        {
            let p = r.percentiles;
            assert!(
                p.p5 <= p.p25 && p.p25 <= p.p50 && p.p50 <= p.p75 && p.p75 <= p.p95,
                "{name} {}: {p:?}",
                r.name
            );
            let slack = 1e-9 * (1.0 + r.point.abs());
            assert!(
                p.p5 - slack <= r.point && r.point <= p.p95 + slack,
                "{name} {}: point {} outside [{}, {}]",
                r.name,
                r.point,
                p.p5,
                p.p95
            );
        }
    }
}

#[test]
fn sensitivity_moves_the_result_in_the_expected_direction() {
    let s = scenario::load(&hs4("us-pakistan-2025-deal")).unwrap();
    let point = analysis::simulate(&s).unwrap().focus(&s).total_effect;
    let rows = sensitivity::run(&s, &sensitivity::SensitivitySpec::default()).unwrap();
    assert_eq!(rows.len(), 3);
    assert!(
        rows.windows(2).all(|w| w[0].swing() >= w[1].swing()),
        "sorted by swing"
    );
    let row = |name: &str| rows.iter().find(|r| r.parameter == name).unwrap();
    // A cut for Pakistan: more elastic demand or substitution means a larger gain.
    for name in ["import demand elasticity", "substitution elasticity"] {
        let r = row(name);
        assert!(
            r.focus_low < point && point < r.focus_high,
            "{name}: {r:?} around {point}"
        );
    }
    // The scenario's supply is infinite, so the high setting reproduces the point estimate,
    // and a steep supply curve dampens the gain.
    let supply = row("export supply elasticity");
    assert!((supply.focus_high - point).abs() < 1e-6 * point.abs());
    assert!(supply.focus_low < point);
}

#[test]
fn sweep_breaks_even_at_the_before_rate_and_falls_with_the_rate() {
    let s = scenario::load(&hs4("us-pakistan-2025-deal")).unwrap();
    let pak = s.find_exporter("PAK").unwrap();
    assert_eq!(s.exporters[pak], "Pakistan");
    let spec = sweep::SweepSpec {
        exporter: pak,
        from_pct: 0.0,
        to_pct: 40.0,
        step_pct: 2.5,
    };
    let r = sweep::run(&s, &spec, None, &|| {}).unwrap();
    assert_eq!(r.points.len(), 17);
    assert!(
        r.points
            .windows(2)
            .all(|w| w[1].focus_change < w[0].focus_change)
    );
    // Before the deal Pakistan paid 29% extra everywhere: that rate changes nothing.
    let be = r.break_even_pct.unwrap();
    assert!((be - 29.0).abs() < 0.5, "break-even {be}");
    // At the deal's own rate, the sweep reproduces the single run.
    let at19 = sweep::run(
        &s,
        &sweep::SweepSpec {
            from_pct: 19.0,
            to_pct: 19.0,
            ..spec
        },
        None,
        &|| {},
    )
    .unwrap();
    let point = analysis::simulate(&s).unwrap().focus(&s).total_effect;
    assert!((at19.points[0].focus_change - point).abs() < 1e-6 * point.abs());
}

#[test]
fn projection_follows_phase_in_and_adjustment() {
    let path = fixture_with(
        "projection",
        "[projection]\nstart_year = 2025\nend_year = 2028\nbaseline_growth_pct = 0\nphase_in = [0.5, 1.0]\nadjustment_speed = 0.5\n",
    );
    let s = scenario::load(&path).unwrap();
    let spec = s.projection.clone().unwrap();
    let years = projection::run(&s, &spec, None, &|| {}).unwrap();
    assert_eq!(
        years.iter().map(|y| y.year).collect::<Vec<_>>(),
        [2025, 2026, 2027, 2028]
    );
    let full = analysis::simulate(&s).unwrap().focus(&s).total_effect;
    let half = {
        let tariffs = spec.tariffs(&s, 0);
        analysis::simulate_variant(
            &s,
            &analysis::Variant {
                elasticities: None,
                tariff_after: Some(&tariffs),
                base_elasticities: None,
            },
        )
        .unwrap()
        .focus(&s)
        .total_effect
    };
    // R_2025 = ½·E(half); R_2026 = R + ½(E(full) − R); and so on.
    let mut r = 0.5 * half;
    let mut expected = vec![r];
    for _ in 0..3 {
        r += 0.5 * (full - r);
        expected.push(r);
    }
    for (y, e) in years.iter().zip(&expected) {
        assert!(
            (y.scenario - y.baseline - e).abs() < 1e-9,
            "{}: {} vs {e}",
            y.year,
            y.scenario - y.baseline
        );
        assert!(
            (y.baseline - 150.0).abs() < 1e-9,
            "no growth: baseline stays at base trade"
        );
    }
}

#[test]
fn projection_baseline_grows_from_the_base_year() {
    let path = fixture_with(
        "growth",
        "[projection]\nstart_year = 2026\nend_year = 2027\nbaseline_growth_pct = 10\n",
    );
    let s = scenario::load(&path).unwrap();
    let years = projection::run(&s, s.projection.as_ref().unwrap(), None, &|| {}).unwrap();
    assert!((years[0].baseline - 150.0 * 1.1f64.powi(2)).abs() < 1e-9);
    assert!((years[1].baseline - 150.0 * 1.1f64.powi(3)).abs() < 1e-9);
}

fn run_bin(args: &[&str]) -> (bool, String, String) {
    let o = Command::new(BIN).args(args).output().unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into(),
        String::from_utf8_lossy(&o.stderr).into(),
    )
}

#[test]
fn run_with_layers_writes_their_outputs() {
    let path = fixture_with(
        "layers",
        "[uncertainty]\ndraws = 50\nseed = 3\nimport_demand = { dist = \"uniform\", low = 0.5, high = 1.5 }\n\n[sensitivity]\n\n[projection]\nstart_year = 2025\nend_year = 2027\n",
    );
    let out = path.parent().unwrap().join("out");
    let (ok, stdout, stderr) = run_bin(&[
        "run",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("5–95% range"), "{stdout}");
    for f in [
        "uncertainty.csv",
        "sensitivity.csv",
        "tornado.png",
        "projection.csv",
        "projection.png",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    for needle in [
        "## Uncertainty",
        "50 draws, seed 3",
        "## Sensitivity",
        "## Projection 2025–2027",
        "comparative static",
    ] {
        assert!(report.contains(needle), "{needle}");
    }
    let csv = std::fs::read_to_string(out.join("uncertainty.csv")).unwrap();
    assert!(
        csv.lines()
            .any(|l| l.starts_with("headline,focus_exports_change,"))
    );
    // --draws and --seed override the file; the same seed reproduces the file byte for byte.
    let out2 = path.parent().unwrap().join("out2");
    let (ok, _, stderr) = run_bin(&[
        "run",
        "-q",
        path.to_str().unwrap(),
        "--out",
        out2.to_str().unwrap(),
        "--draws",
        "50",
        "--seed",
        "3",
    ]);
    assert!(ok, "{stderr}");
    assert_eq!(
        csv,
        std::fs::read_to_string(out2.join("uncertainty.csv")).unwrap()
    );
    let (ok, _, _) = run_bin(&[
        "run",
        "-q",
        path.to_str().unwrap(),
        "--out",
        out2.to_str().unwrap(),
        "--seed",
        "4",
    ]);
    assert!(ok);
    assert_ne!(
        csv,
        std::fs::read_to_string(out2.join("uncertainty.csv")).unwrap()
    );
}

#[test]
fn sweep_command_writes_a_curve() {
    let dir = scratch("sweepcmd");
    let out = dir.join("sw");
    let scenario = dir.join("scenario.toml");
    let (ok, stdout, stderr) = run_bin(&[
        "sweep",
        scenario.to_str().unwrap(),
        "--exporter",
        "pak",
        "--from",
        "0",
        "--to",
        "30",
        "--step",
        "5",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("Break-even additional tariff on Pakistan"),
        "{stdout}"
    );
    let csv = std::fs::read_to_string(out.join("sweep.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 7);
    assert!(out.join("sweep.png").exists());
}

#[test]
fn compare_command_writes_one_table_and_charts() {
    let dir = scratch("compare");
    let out = dir.join("cmp");
    let a = dir.join("scenario.toml");
    let b = dir.join("other.toml");
    std::fs::write(
        &b,
        std::fs::read_to_string(&a)
            .unwrap()
            .replace("set_pct = 0", "set_pct = 5"),
    )
    .unwrap();
    let (ok, stdout, stderr) = run_bin(&[
        "compare",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("scenario") && stdout.contains("other"),
        "{stdout}"
    );
    let csv = std::fs::read_to_string(out.join("comparison.csv")).unwrap();
    assert_eq!(csv.lines().count(), 3);
    let second_row = csv.lines().nth(1).unwrap();
    let focus_change: f64 = second_row.split(',').nth(4).unwrap().parse().unwrap();
    assert!(
        (focus_change - 34.627979).abs() < 1e-6,
        "the worked example's focus change: {csv}"
    );
    for f in ["compare_focus.png", "compare_exporters.png", "report.md"] {
        assert!(out.join(f).exists(), "{f}");
    }
}

/// A broken analysis section fails with file:line and a message, and writes nothing.
fn expect_layer_error(name: &str, extra: &str, location: &str, needle: &str) {
    let path = fixture_with(name, extra);
    let out = path.parent().unwrap().join("out");
    let (ok, _, stderr) = run_bin(&[
        "run",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!ok, "{name} should fail");
    assert!(stderr.contains(location), "{name}: {stderr}");
    assert!(stderr.contains(needle), "{name}: {stderr}");
    assert!(!out.exists());
}

#[test]
fn bad_uncertainty_input() {
    expect_layer_error(
        "dist",
        "[uncertainty]\nimport_demand = { dist = \"gaussian\", sd = 0.2 }\n",
        "scenario.toml:31",
        "unknown distribution \"gaussian\"",
    );
    expect_layer_error(
        "sd",
        "[uncertainty]\nsubstitution = { dist = \"normal\" }\n",
        "scenario.toml:31",
        "`sd` is required",
    );
    expect_layer_error(
        "mode",
        "[uncertainty]\nsubstitution = { dist = \"triangular\", low = 0.5, mode = 2, high = 1.5 }\n",
        "scenario.toml:31",
        "must lie between low and high",
    );
    expect_layer_error(
        "draws",
        "[uncertainty]\ndraws = 0\nsubstitution = { dist = \"uniform\", low = 0.5, high = 1.5 }\n",
        "scenario.toml:31",
        "uncertainty.draws",
    );
    expect_layer_error(
        "extra",
        "[uncertainty]\nsubstitution = { dist = \"uniform\", low = 0.5, high = 1.5, sd = 1 }\n",
        "scenario.toml:31",
        "`sd` does not apply",
    );
    expect_layer_error(
        "empty",
        "[uncertainty]\ndraws = 10\n",
        "scenario.toml:30",
        "at least one of",
    );
}

#[test]
fn bad_projection_and_sweep_input() {
    expect_layer_error(
        "phase",
        "[projection]\nstart_year = 2025\nend_year = 2030\nphase_in = [50, 100]\n",
        "scenario.toml:33",
        "fractions from 0 to 1",
    );
    expect_layer_error(
        "years",
        "[projection]\nstart_year = 2025\nend_year = 2020\n",
        "scenario.toml:32",
        "projection.end_year",
    );
    expect_layer_error(
        "speed",
        "[projection]\nstart_year = 2025\nend_year = 2030\nadjustment_speed = 50\n",
        "scenario.toml:33",
        "adjustment_speed",
    );
    expect_layer_error(
        "sweepx",
        "[sweep]\nexporter = \"Narnia\"\nfrom_pct = 0\nto_pct = 10\nstep_pct = 1\n",
        "scenario.toml:31",
        "exporter 'Narnia' is not in the trade data",
    );
    expect_layer_error(
        "sweepstep",
        "[sweep]\nexporter = \"Pakistan\"\nfrom_pct = 0\nto_pct = 10\nstep_pct = 0\n",
        "scenario.toml:34",
        "positive step",
    );
}

#[test]
fn bad_command_line_input() {
    let dir = scratch("cli");
    let scenario = dir.join("scenario.toml");
    let s = scenario.to_str().unwrap();
    let (ok, _, stderr) = run_bin(&[
        "sweep",
        s,
        "--exporter",
        "XYZ",
        "--from",
        "0",
        "--to",
        "10",
        "--step",
        "1",
    ]);
    assert!(
        !ok && stderr.contains("--exporter 'XYZ' is not in the trade data"),
        "{stderr}"
    );
    let (ok, _, stderr) = run_bin(&["sweep", s, "--exporter", "PAK", "--from", "0", "--to", "10"]);
    assert!(!ok && stderr.contains("give --step"), "{stderr}");
    let (ok, _, stderr) = run_bin(&[
        "sweep",
        s,
        "--exporter",
        "PAK",
        "--from",
        "10",
        "--to",
        "5",
        "--step",
        "1",
    ]);
    assert!(!ok && stderr.contains("--to:"), "{stderr}");
    let (ok, _, stderr) = run_bin(&["run", s, "--draws", "10"]);
    assert!(
        !ok && stderr.contains("--draws needs an [uncertainty] table"),
        "{stderr}"
    );
    let (ok, _, stderr) = run_bin(&["compare", s]);
    assert!(!ok && stderr.contains("required"), "{stderr}");
}

#[test]
fn an_explicit_rate_path_matches_the_phase_in_it_describes() {
    // The deal sets Pakistan's additional duty to 19% where it pays one; an explicit path of
    // 19% must give the same projection as phasing the whole change in at once.
    let s = scenario::load(&hs4("us-pakistan-2025-deal")).unwrap();
    let mut spec = s.projection.clone().unwrap();
    spec.phase_in = vec![1.0];
    let phased = projection::run(&s, &spec, None, &|| {}).unwrap();
    spec.rates = Some((s.find_exporter("Pakistan").unwrap(), vec![19.0]));
    let explicit = projection::run(&s, &spec, None, &|| {}).unwrap();
    for (a, b) in phased.iter().zip(&explicit) {
        assert!(
            (a.scenario - b.scenario).abs() < 1e-6 * a.scenario,
            "{}: {} vs {}",
            a.year,
            a.scenario,
            b.scenario
        );
    }
}
