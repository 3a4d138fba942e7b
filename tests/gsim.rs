//! GSIM scenarios end to end: the published 4×4 example, the shipped Pakistan scenario,
//! and bad multi-market input.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_tariffsim");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn run(args: &[&str]) -> (bool, String, String) {
    let o = Command::new(BIN).args(args).output().unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into(),
        String::from_utf8_lossy(&o.stderr).into(),
    )
}

fn out_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tariffsim-gsim-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let h = r.headers().unwrap().clone();
    r.records()
        .map(|x| {
            h.iter()
                .map(String::from)
                .zip(x.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

fn num(r: &HashMap<String, String>, c: &str) -> f64 {
    r[c].parse().unwrap()
}

/// Runs the shipped 4×4 scenario with an optional change to its text.
fn four_by_four(name: &str, edit: impl Fn(&str) -> String) -> (PathBuf, bool, String) {
    let dir = out_dir(name);
    std::fs::create_dir_all(dir.join("data")).unwrap();
    for f in ["gsim_4x4_trade.csv", "gsim_4x4_tariffs.csv"] {
        std::fs::copy(
            Path::new(ROOT).join("scenarios/data").join(f),
            dir.join("data").join(f),
        )
        .unwrap();
    }
    let text =
        std::fs::read_to_string(Path::new(ROOT).join("scenarios/gsim-4x4-us-eu-fta.toml")).unwrap();
    let scenario = dir.join("gsim.toml");
    std::fs::write(&scenario, edit(&text)).unwrap();
    let out = dir.join("out");
    let (ok, _, stderr) = run(&[
        "run",
        "-q",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    (out, ok, stderr)
}

#[test]
fn the_4x4_example_reproduces_the_published_prices_and_tables() {
    let (out, ok, stderr) = four_by_four("4x4", |t| t.to_string());
    assert!(ok, "{stderr}");
    let prices: HashMap<String, f64> = rows(&out.join("gsim_prices.csv"))
        .iter()
        .map(|r| {
            (
                r["region"].clone(),
                num(r, "world_price_change_pct") / 100.0,
            )
        })
        .collect();
    // Published: x = (0.0792, −0.0316, 0.0480, −0.0184) for US, JP, EU, RW.
    for (region, published) in [
        ("US", 0.0792),
        ("JP", -0.0316),
        ("EU", 0.0480),
        ("RW", -0.0184),
    ] {
        assert!(
            (prices[region] - published).abs() < 5e-5,
            "{region}: {} vs {published}",
            prices[region]
        );
    }
    // Regression tables (docs/model.md §5), printed to 4 decimals: new trade M1.
    let m1 = [
        ("US", "JP", 37.8332),
        ("US", "EU", 385.8657),
        ("US", "RW", 240.3479),
        ("JP", "US", 404.0304),
        ("JP", "EU", 128.9708),
        ("JP", "RW", 251.0791),
        ("EU", "US", 518.2238),
        ("EU", "JP", 89.7975),
        ("EU", "EU", 102.6103),
        ("EU", "RW", 188.2375),
        ("RW", "US", 37.7044),
        ("RW", "JP", 116.7069),
        ("RW", "EU", 88.7194),
        ("RW", "RW", 24.1508),
    ];
    let flows = rows(&out.join("gsim_flows.csv"));
    assert_eq!(flows.len(), 14);
    for (e, i, v) in m1 {
        let r = flows
            .iter()
            .find(|r| r["exporter"] == e && r["importer"] == i)
            .unwrap();
        assert!(
            (num(r, "new_value") - v).abs() < 5e-5,
            "{e}->{i}: {} vs {v}",
            r["new_value"]
        );
    }
    // Welfare, linear-demand consumer surplus.
    let welfare = rows(&out.join("gsim_welfare.csv"));
    for (region, ps, cs, rev, net) in [
        ("US", 46.1360, 110.5952, -138.5172, 18.2139),
        ("JP", -26.2404, -8.5935, 0.6219, -34.2119),
        ("EU", 39.8247, 68.5589, -93.8392, 14.5443),
        ("RW", -5.0732, -31.3784, -2.8699, -39.3216),
    ] {
        let r = welfare
            .iter()
            .find(|r| r["product"] == "ALL" && r["region"] == region)
            .unwrap();
        for (col, want) in [
            ("producer_surplus", ps),
            ("consumer_surplus", cs),
            ("tariff_revenue", rev),
            ("net_welfare", net),
        ] {
            assert!(
                (num(r, col) - want).abs() < 5e-5,
                "{region} {col}: {} vs {want}",
                r[col]
            );
        }
    }
    for f in [
        "gsim_world_prices.png",
        "gsim_welfare.png",
        "gsim_focus_destinations.png",
        "report.md",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("## SMART and GSIM side by side"));
    assert!(report.contains("largest final residual norm"));
}

#[test]
fn the_4x4_levels_form_and_fh_sign_variant() {
    let (out, ok, stderr) = four_by_four("levels", |t| {
        t.replace("form = \"linear\"", "form = \"levels\"")
    });
    assert!(ok, "{stderr}");
    let prices: HashMap<String, f64> = rows(&out.join("gsim_prices.csv"))
        .iter()
        .map(|r| {
            (
                r["region"].clone(),
                num(r, "world_price_change_pct") / 100.0,
            )
        })
        .collect();
    for (region, want) in [
        ("US", 0.126460),
        ("JP", -0.032290),
        ("EU", 0.079329),
        ("RW", -0.017326),
    ] {
        assert!(
            (prices[region] - want).abs() < 5e-7,
            "{region}: {}",
            prices[region]
        );
    }
    let (out, ok, stderr) = four_by_four("fh", |t| t.replace("\"linear_demand\"", "\"fh_sign\""));
    assert!(ok, "{stderr}");
    let jp = rows(&out.join("gsim_welfare.csv"))
        .into_iter()
        .find(|r| r["region"] == "JP")
        .unwrap();
    assert!((num(&jp, "net_welfare") - (-34.4945)).abs() < 5e-5);
}

#[test]
fn the_pakistan_multimarket_scenario_converges_and_redirects_trade() {
    let out = out_dir("pak");
    let scenario = Path::new(ROOT).join("scenarios/pakistan-multimarket-2025.toml");
    let (ok, stdout, stderr) = run(&[
        "run",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Solver: at most"), "{stdout}");
    let flows = rows(&out.join("gsim_flows.csv"));
    let change = |e: &str, i: &str| {
        num(
            flows
                .iter()
                .find(|r| r["exporter"] == e && r["importer"] == i)
                .unwrap(),
            "change",
        )
    };
    assert!(
        change("Pakistan", "United States") > 0.0,
        "the cut raises Pakistan's US sales"
    );
    assert!(
        change("Pakistan", "Rest of world") < 0.0,
        "part of it is redirected from other markets"
    );
    assert!(change("China", "United States") < 0.0);
    let prices = rows(&out.join("gsim_prices.csv"));
    let pak = prices.iter().find(|r| r["region"] == "Pakistan").unwrap();
    assert!(num(pak, "world_price_change_pct") > 0.0);
    assert!(num(pak, "residual_norm") < 1e-8);
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    for needle in [
        "ESTIMATE",
        "ASSUMPTION",
        "levels (non-linear CES)",
        "| SMART | GSIM |",
        "## Uncertainty",
        "## Sensitivity",
    ] {
        assert!(report.contains(needle), "{needle}");
    }
    // The uncertainty layer: percentiles ordered and bracketing the central estimate.
    for r in rows(&out.join("uncertainty.csv")) {
        let (p5, p50, p95, point) = (
            num(&r, "p5"),
            num(&r, "p50"),
            num(&r, "p95"),
            num(&r, "point"),
        );
        assert!(p5 <= p50 && p50 <= p95, "{r:?}");
        if r["kind"] == "headline" {
            assert!(p5 <= point + 1e-9 && point <= p95 + 1e-9, "{r:?}");
        }
    }
    assert!(out.join("tornado.png").exists() && out.join("sensitivity.csv").exists());
}

#[test]
fn gsim_monte_carlo_does_not_depend_on_threads() {
    let path = Path::new(ROOT).join("scenarios/pakistan-multimarket-2025.toml");
    let mut s = tariffsim::scenario::load(&path).unwrap();
    s.uncertainty.as_mut().unwrap().draws = 64;
    assert!(s.gsim().is_some(), "a GSIM scenario");
    let point = tariffsim::analysis::simulate(&s).unwrap();
    let spec = s.uncertainty.unwrap();
    let with = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| tariffsim::analysis::monte_carlo::run(&s, &spec, &point, &|| {}).unwrap())
    };
    assert_eq!(with(1), with(3));
}

fn expect_error(
    name: &str,
    edit_toml: impl Fn(&str) -> String,
    edit_trade: impl Fn(&str) -> String,
    needles: &[&str],
) {
    let dir = out_dir(name);
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let trade =
        std::fs::read_to_string(Path::new(ROOT).join("scenarios/data/gsim_4x4_trade.csv")).unwrap();
    std::fs::write(dir.join("data/gsim_4x4_trade.csv"), edit_trade(&trade)).unwrap();
    std::fs::copy(
        Path::new(ROOT).join("scenarios/data/gsim_4x4_tariffs.csv"),
        dir.join("data/gsim_4x4_tariffs.csv"),
    )
    .unwrap();
    let text =
        std::fs::read_to_string(Path::new(ROOT).join("scenarios/gsim-4x4-us-eu-fta.toml")).unwrap();
    let scenario = dir.join("gsim.toml");
    std::fs::write(&scenario, edit_toml(&text)).unwrap();
    let out = dir.join("out");
    let (ok, _, stderr) = run(&[
        "run",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!ok, "{name} should fail");
    for n in needles {
        assert!(stderr.contains(n), "{name}: expected {n:?} in {stderr}");
    }
    assert!(!stderr.contains("panicked"));
    assert!(!out.exists(), "{name}: nothing written");
}

#[test]
fn bad_gsim_input_gets_a_clear_error() {
    let same = |t: &str| t.to_string();
    // A negative trade value.
    expect_error(
        "negative",
        same,
        |t| t.replace("US,JP,50", "US,JP,-50"),
        &["gsim_4x4_trade.csv:2", "must not be negative"],
    );
    // A region the data does not have.
    expect_error(
        "region",
        |t| {
            t.replace(
                "importer = \"US\"\nset_pct",
                "importer = \"Atlantis\"\nset_pct",
            )
        },
        same,
        &["gsim.toml:", "importer 'Atlantis' is not in the trade data"],
    );
    // The scenario's market missing from the data.
    expect_error(
        "market",
        |t| t.replace("importer = \"US\"\nfocus", "importer = \"CA\"\nfocus"),
        same,
        &["importer 'CA' is not among the importers"],
    );
    // Zero total demand: a product whose trade is all zero.
    expect_error(
        "zero",
        same,
        |t| {
            // Every value of the only product set to zero.
            t.lines()
                .enumerate()
                .map(|(i, l)| {
                    if i == 0 {
                        return l.to_string();
                    }
                    let mut f: Vec<&str> = l.splitn(6, ',').collect();
                    f[4] = "0";
                    f.join(",")
                })
                .collect::<Vec<_>>()
                .join("\n")
        },
        &["product all: every trade value is zero"],
    );
    // A missing tariff for a bilateral flow.
    expect_error(
        "tariff",
        same,
        |t| format!("{t}all,GSIM 4x4 example product,JP,JP,10,X,Y\n"),
        &["no applied rate for product all from JP into JP"],
    );
    // Options of the wrong model.
    expect_error(
        "option",
        |t| {
            t.replace(
                "kind = \"gsim\"",
                "kind = \"gsim\"\ndiversion = \"ces_share\"",
            )
        },
        same,
        &["model.diversion", "applies to kind = \"smart\" only"],
    );
    // A SMART scenario with several markets.
    expect_error(
        "smart",
        |t| {
            t.replace("kind = \"gsim\"", "kind = \"smart\"")
                .replace("form = \"linear\"", "")
                .replace("cs_formula = \"linear_demand\"", "")
        },
        same,
        &["SMART models one importing market"],
    );
}

#[test]
fn large_changes_need_the_levels_form_and_never_give_negative_trade() {
    let big = |t: &str, form: &str| {
        format!(
            "{}\n[[policy]]\nexporter = \"JP\"\nimporter = \"US\"\nset_pct = 400\nlayer = \"total\"\n",
            t.replace("form = \"linear\"", &format!("form = \"{form}\""))
        )
    };
    // Linear form: the linearisation would project negative trade; the run stops and says why.
    let (out, ok, stderr) = four_by_four("neg", |t| big(t, "linear"));
    assert!(!ok);
    assert!(
        stderr.contains("projects negative trade") && stderr.contains("form = \"levels\""),
        "{stderr}"
    );
    assert!(!out.exists());
    // Levels form: solves; the SMART comparison is out of its range and is reported, not fatal.
    let (out, ok, stderr) = four_by_four("big-levels", |t| big(t, "levels"));
    assert!(ok, "{stderr}");
    assert!(
        rows(&out.join("gsim_flows.csv"))
            .iter()
            .all(|r| num(r, "new_value") >= 0.0)
    );
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("SMART could not be run for this change"),
        "{report}"
    );
}

/// A copy of the 4×4 example with `products` products p0, p1, … (the example's data each);
/// the products in `empty` trade nothing. Returns the scenario and the rows per product.
fn many_products(name: &str, products: usize, empty: &[usize]) -> (PathBuf, usize) {
    let dir = out_dir(name);
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let read = |name: &str| {
        std::fs::read_to_string(Path::new(ROOT).join("scenarios/data").join(name)).unwrap()
    };
    let copies = |text: &str, value_column: Option<usize>| {
        let mut lines = text.lines();
        let mut out = format!("{}\n", lines.next().unwrap());
        let body: Vec<&str> = lines.collect();
        for p in 0..products {
            for (k, l) in body.iter().enumerate() {
                let mut f: Vec<String> = l.splitn(7, ',').map(String::from).collect();
                f[0] = format!("p{p}");
                if let Some(c) = value_column {
                    // Values that differ by product, or none at all.
                    let v: f64 = f[c].parse().unwrap();
                    f[c] = if empty.contains(&p) {
                        "0".into()
                    } else {
                        format!("{}", v * (1.0 + 0.01 * ((p * 7 + k) % 13) as f64))
                    };
                }
                out.push_str(&f.join(","));
                out.push('\n');
            }
        }
        out
    };
    let trade = read("gsim_4x4_trade.csv");
    let rows = trade.lines().count() - 1;
    std::fs::write(dir.join("data/gsim_4x4_trade.csv"), copies(&trade, Some(4))).unwrap();
    std::fs::write(
        dir.join("data/gsim_4x4_tariffs.csv"),
        copies(&read("gsim_4x4_tariffs.csv"), None),
    )
    .unwrap();
    let text =
        std::fs::read_to_string(Path::new(ROOT).join("scenarios/gsim-4x4-us-eu-fta.toml")).unwrap();
    let scenario = dir.join("gsim.toml");
    std::fs::write(&scenario, text).unwrap();
    (scenario, rows)
}

/// Runs a scenario with a number of worker threads; success and the error text.
fn run_with_threads(scenario: &Path, out: &Path, threads: &str) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_tariffsim"))
        .args(["run", scenario.to_str().unwrap(), "--out"])
        .arg(out)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Products are checked in parallel, but the error is the first product's (in file
/// order) with a problem, on that product's first line, whatever the thread count.
#[test]
fn first_product_with_a_problem_is_reported() {
    let (scenario, rows) = many_products("first-problem", 6, &[3, 5]);
    for threads in ["1", "2"] {
        let out = scenario.with_file_name(format!("out{threads}"));
        let (ok, stderr) = run_with_threads(&scenario, &out, threads);
        assert!(!ok);
        let first_line_of_p3 = 2 + 3 * rows;
        assert!(
            stderr.contains(&format!("gsim_4x4_trade.csv:{first_line_of_p3}"))
                && stderr.contains("product p3: every trade value is zero"),
            "{threads} threads: {stderr}"
        );
        assert!(!stderr.contains("p5"), "{stderr}");
        assert!(!out.exists());
    }
}

/// Products are set up, solved, summed and written in parallel (more products than one
/// batch of rendering): every file is the same byte for byte with 1, 2 and 3 threads.
#[test]
fn gsim_outputs_do_not_depend_on_the_thread_count() {
    let (scenario, _) = many_products("threads", 40, &[]);
    let mut first: Option<Vec<(String, Vec<u8>)>> = None;
    for threads in ["1", "2", "3"] {
        let out = scenario.with_file_name(format!("out{threads}"));
        let (ok, stderr) = run_with_threads(&scenario, &out, threads);
        assert!(ok, "{stderr}");
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().unwrap() != "report.md")
            .map(|p| {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read(&p).unwrap())
            })
            .collect();
        files.sort();
        assert!(
            files
                .iter()
                .any(|(n, b)| n == "gsim_flows.csv" && b.len() > 40 * 500)
        );
        match &first {
            None => first = Some(files),
            Some(expected) => {
                assert_eq!(expected.len(), files.len());
                for ((n1, b1), (n2, b2)) in expected.iter().zip(&files) {
                    assert_eq!(n1, n2);
                    assert!(b1 == b2, "{n1} differs with {threads} threads");
                }
            }
        }
    }
}
