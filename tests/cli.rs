//! End-to-end tests: the binary on small scenarios, its outputs, and its handling of bad input.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_tariffsim");
use common::FIXTURE;

fn scratch(name: &str) -> PathBuf {
    common::fixture_copy("test", name)
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("binary runs")
}

fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .map(String::from)
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect()
}

fn num(row: &HashMap<String, String>, col: &str) -> f64 {
    row[col]
        .parse()
        .unwrap_or_else(|_| panic!("{col} = {}", row[col]))
}

fn assert_close(got: f64, want: f64, tol: f64, what: &str) {
    assert!((got - want).abs() <= tol, "{what}: got {got}, want {want}");
}

#[test]
fn run_writes_the_hand_computed_numbers() {
    let dir = scratch("e2e");
    let out = dir.join("results");
    let o = run(&[
        "run",
        dir.join("scenario.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("Pakistan exports to United States"),
        "{stdout}"
    );
    assert!(
        stdout.contains("+34.6"),
        "summary shows the focus change: {stdout}"
    );

    let flows = read_csv(&out.join("flows.csv"));
    assert_eq!(flows.len(), 5);
    let get = |p: &str, e: &str| {
        flows
            .iter()
            .find(|r| r["product"] == p && r["exporter"] == e)
            .unwrap()
    };
    let pak = get("630260", "Pakistan");
    assert_close(num(pak, "tariff_before_pct"), 15.0, 1e-9, "before");
    assert_close(num(pak, "tariff_after_pct"), 0.0, 1e-9, "after");
    assert_close(num(pak, "trade_creation"), 19.565217, 1e-6, "TC PAK");
    assert_close(num(pak, "trade_diversion"), 15.062762, 1e-6, "TD PAK");
    assert_close(num(pak, "new_value"), 134.627979, 1e-6, "new PAK");
    assert_close(
        num(get("630260", "China"), "trade_diversion"),
        -11.297071,
        1e-6,
        "TD CHN",
    );
    assert_close(
        num(get("630260", "Vietnam"), "trade_diversion"),
        -3.765690,
        1e-6,
        "TD VNM",
    );
    // The untouched product has no effect at all.
    for e in ["Pakistan", "China"] {
        let r = get("611020", e);
        assert_eq!(num(r, "total_effect"), 0.0);
        assert_eq!(num(r, "new_value"), num(r, "base_value"));
    }

    let summary: HashMap<String, f64> = read_csv(&out.join("summary.csv"))
        .iter()
        .map(|r| (r["quantity"].clone(), num(r, "value")))
        .collect();
    assert_close(summary["tariff_revenue_change"], -17.259414, 1e-6, "ΔTR");
    assert_close(summary["consumer_surplus_change"], 16.467391, 1e-6, "CS");
    assert_close(summary["net_welfare_change"], -0.792023, 1e-6, "net");
    assert_close(summary["welfare_triangle_wits"], 1.467391, 1e-6, "W");
    assert_close(
        summary["focus_exports_change (Pakistan)"],
        34.627979,
        1e-6,
        "focus",
    );
    assert_close(
        summary["imports_after"],
        519.565217 + 200.0,
        1e-6,
        "imports after",
    );

    let by_exporter = read_csv(&out.join("by_exporter.csv"));
    let diversion: f64 = by_exporter.iter().map(|r| num(r, "trade_diversion")).sum();
    // Cells are written rounded to 1e-9, so three of them sum to zero within 3e-9.
    assert_close(diversion, 0.0, 3e-9, "diversion nets to zero");
    let by_product = read_csv(&out.join("by_product.csv"));
    assert_eq!(by_product.len(), 2);

    for name in [
        "change_by_exporter",
        "focus_products",
        "market_shares",
        "welfare",
    ] {
        let path = out.join(format!("{name}.png"));
        let decoder =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
        let mut reader = decoder.read_info().expect("valid PNG");
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).expect("decodes");
        assert!(
            info.width >= 800 && info.height >= 500,
            "{name}: {}x{}",
            info.width,
            info.height
        );
        let bytes = &buf[..info.buffer_size()];
        let distinct: std::collections::HashSet<&[u8]> = bytes.chunks(3).collect();
        assert!(
            distinct.len() > 20,
            "{name}: only {} colours, chart looks empty",
            distinct.len()
        );
    }

    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    for needle in [
        "![Change in imports by exporter](change_by_exporter.png)",
        "Laird–Yeats",
        "written as -2, used as -2",
        "1 written positive",
        "ILLUSTRATIVE",
        "--out",
        env!("CARGO_PKG_VERSION"),
    ] {
        assert!(report.contains(needle), "report lacks {needle:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn validate_describes_the_scenario() {
    let o = run(&["validate", &format!("{FIXTURE}/scenario.toml")]);
    assert!(o.status.success());
    let s = String::from_utf8_lossy(&o.stdout);
    assert!(s.contains("products        2"), "{s}");
    assert!(s.contains("exporters       3"), "{s}");
    assert!(s.contains("total trade     700.0 USD million"), "{s}");
}

#[test]
fn rerun_replaces_the_output_folder_whole_and_never_deletes_other_files() {
    let dir = scratch("rerun");
    let out = dir.join("results");
    let scenario = dir.join("scenario.toml");
    let mut args = vec![
        "run",
        "-q",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    assert!(run(&args).status.success());
    let first_report = std::fs::read(out.join("report.md")).unwrap();
    // A plain rerun replaces the run's own files.
    let o = run(&args);
    assert!(o.status.success());
    assert!(o.stdout.is_empty(), "--quiet prints nothing");
    // A file the user put there stops the rerun, is named, and survives.
    std::fs::write(out.join("my notes.txt"), "mine").unwrap();
    let o = run(&args);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("my notes.txt") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("my notes.txt")).unwrap(),
        "mine"
    );
    assert_eq!(std::fs::read(out.join("report.md")).unwrap(), first_report);
    // With --force the run's files are replaced and the user's file is kept.
    args.push("--force");
    let o = run(&args);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        std::fs::read_to_string(out.join("my notes.txt")).unwrap(),
        "mine"
    );
    assert!(out.join("report.md").exists() && out.join("flows.csv").exists());
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".results"))
        .collect();
    assert!(leftovers.is_empty(), "temporary folders left behind");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_output_folder_holding_the_scenario_or_its_data_is_refused() {
    let dir = scratch("inputs-inside");
    // Run from inside the folder, as a user who copied the scenario there would.
    let o = run(&[
        "run",
        "-q",
        dir.join("scenario.toml").to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("scenario.toml"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut fixture: Vec<String> = std::fs::read_dir(FIXTURE)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    fixture.sort();
    assert_eq!(names, fixture, "the folder is exactly as it was");
    // Even with --force, and even after the folder was marked as an earlier run's.
    std::fs::write(dir.join(".tariffsim-output"), "file: flows.csv\n").unwrap();
    let o = run(&[
        "run",
        "-q",
        dir.join("scenario.toml").to_str().unwrap(),
        "--out",
        dir.to_str().unwrap(),
        "--force",
    ]);
    assert!(!o.status.success());
    assert!(dir.join("scenario.toml").exists() && dir.join("trade.csv").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_existing_folder_not_written_by_tariffsim_is_never_replaced() {
    let dir = scratch("notours");
    let notes = dir.join("notes");
    std::fs::create_dir_all(&notes).unwrap();
    std::fs::write(notes.join("thesis.txt"), "months of work").unwrap();
    let o = run(&[
        "run",
        dir.join("scenario.toml").to_str().unwrap(),
        "--out",
        notes.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("already exists and was not written by tariffsim"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(notes.join("thesis.txt")).unwrap(),
        "months of work"
    );
    assert!(!notes.join("report.md").exists());
    let leftovers = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .count();
    assert_eq!(leftovers, 0, "no temporary folder left behind");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Applies `edit` to one fixture file, runs the scenario, and checks that it fails with a
/// message naming `file:line` and containing `needle`, and that no output appeared.
fn expect_error(
    name: &str,
    file: &str,
    edit: impl Fn(&str) -> String,
    location: &str,
    needle: &str,
) {
    let dir = scratch(name);
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, edit(&text)).unwrap();
    let out = dir.join("results");
    let o = run(&[
        "run",
        dir.join("scenario.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{name}: should fail");
    assert!(
        stderr.contains(location),
        "{name}: message should name {location:?}: {stderr}"
    );
    assert!(
        stderr.contains(needle),
        "{name}: message should say {needle:?}: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    assert!(!out.exists(), "{name}: no output may be written");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn toml_syntax_error_names_line_and_column() {
    expect_error(
        "syntax",
        "scenario.toml",
        |t| t.replace("base_year = 2024", "base_year = = 2024"),
        "scenario.toml",
        "line 7, column",
    );
}

#[test]
fn toml_type_error_names_line() {
    expect_error(
        "type",
        "scenario.toml",
        |t| t.replace("set_pct = 0", "set_pct = \"zero\""),
        "scenario.toml",
        "line 27, column 11",
    );
}

#[test]
fn unknown_key_is_rejected_with_line() {
    expect_error(
        "unknown",
        "scenario.toml",
        |t| t.replace("set_pct = 0", "set_pct = 0\ntarif_pct = 3"),
        "line 28, column 1",
        "unknown field `tarif_pct`",
    );
}

#[test]
fn missing_data_file_is_named_with_resolved_path() {
    expect_error(
        "missing",
        "scenario.toml",
        |t| t.replace("\"trade.csv\"", "\"nope.csv\""),
        "scenario.toml:11",
        "nope.csv' not found (looked for",
    );
}

#[test]
fn csv_row_with_missing_column() {
    expect_error(
        "short",
        "trade.csv",
        |t| {
            t.replace(
                "Pakistan,100,ILLUSTRATIVE,docs/model.md worked example",
                "Pakistan,100",
            )
        },
        "trade.csv:2",
        "this row has 4 fields but the header has 6",
    );
}

#[test]
fn csv_missing_required_column() {
    expect_error(
        "nocol",
        "trade.csv",
        |t| t.replacen("value", "val", 1),
        "trade.csv:1",
        "column `value`: required column is missing",
    );
}

#[test]
fn csv_non_numeric_value() {
    expect_error(
        "nan",
        "trade.csv",
        |t| t.replace("China,300", "China,lots"),
        "trade.csv:3",
        "column `value`: expected a number, found 'lots'",
    );
}

#[test]
fn csv_nan_is_not_a_number() {
    expect_error(
        "nan2",
        "trade.csv",
        |t| t.replace("China,300", "China,NaN"),
        "trade.csv:3",
        "expected a number",
    );
}

#[test]
fn csv_negative_trade_value() {
    expect_error(
        "neg",
        "trade.csv",
        |t| t.replace("Vietnam,100", "Vietnam,-100"),
        "trade.csv:4",
        "must not be negative",
    );
}

#[test]
fn csv_negative_tariff() {
    expect_error(
        "negtariff",
        "applied.csv",
        |t| t.replace("China,15", "China,-15"),
        "applied.csv:3",
        "column `rate_pct`: must not be negative",
    );
}

#[test]
fn csv_rates_written_as_fractions() {
    expect_error(
        "fraction",
        "applied.csv",
        |t| t.replace(",15,", ",0.15,").replace(",10,", ",0.10,"),
        "applied.csv:1",
        "look like fractions",
    );
}

#[test]
fn csv_duplicate_rows() {
    expect_error(
        "dup",
        "trade.csv",
        |t| format!("{t}630260,Terry towels,China,5,X,Y\n"),
        "trade.csv:7",
        "first defined on line 3",
    );
}

#[test]
fn rule_naming_unknown_exporter() {
    expect_error(
        "exporter",
        "scenario.toml",
        |t| t.replace("\nexporter = \"Pakistan\"", "\nexporter = \"Pakistn\""),
        "scenario.toml:25",
        "exporter 'Pakistn' is not in the trade data",
    );
}

#[test]
fn rule_naming_unknown_product() {
    expect_error(
        "product",
        "scenario.toml",
        |t| t.replace("[\"630260\"]", "[\"999999\"]"),
        "scenario.toml:26",
        "product '999999' is not in the trade data",
    );
}

#[test]
fn rule_percent_that_looks_like_a_fraction() {
    expect_error(
        "pctfrac",
        "scenario.toml",
        |t| t.replace("set_pct = 0", "set_pct = 0.19"),
        "scenario.toml:27",
        "looks like a fraction",
    );
}

#[test]
fn rule_making_a_tariff_negative() {
    expect_error(
        "negrule",
        "scenario.toml",
        |t| t.replace("set_pct = 0", "change_pts = -20"),
        "scenario.toml:24",
        "negative (-5.00%)",
    );
}

#[test]
fn substitution_elasticity_of_wrong_sign() {
    expect_error(
        "sigma",
        "scenario.toml",
        |t| t.replace("substitution = 3.0", "substitution = -3.0"),
        "scenario.toml:17",
        "must be a positive number",
    );
}

#[test]
fn zero_import_demand_elasticity() {
    expect_error(
        "eps0",
        "scenario.toml",
        |t| t.replace("import_demand = -2.0", "import_demand = 0"),
        "scenario.toml:16",
        "non-zero",
    );
}

#[test]
fn elasticity_file_wrong_sign() {
    expect_error(
        "sigmafile",
        "elasticities.csv",
        |t| t.replace("1.5,1.5,99", "1.5,-1.5,99"),
        "elasticities.csv:2",
        "column `substitution`: must be positive",
    );
}

#[test]
fn zero_supply_elasticity() {
    expect_error(
        "supply0",
        "scenario.toml",
        |t| t.replace("export_supply = 99", "export_supply = 0"),
        "scenario.toml:18",
        "must be a positive number",
    );
}

#[test]
fn focus_exporter_not_in_data() {
    expect_error(
        "focus",
        "scenario.toml",
        |t| t.replace("focus_exporter = \"Pakistan\"", "focus_exporter = \"Peru\""),
        "scenario.toml:6",
        "exporter 'Peru' is not in the trade data",
    );
}

#[test]
fn unknown_diversion_method() {
    expect_error(
        "method",
        "scenario.toml",
        |t| t.replace("\"laird_yeats\"", "\"gravity\""),
        "scenario.toml:22",
        "expected \"ces_share\" or \"laird_yeats\"",
    );
}

#[test]
fn hs4_fixtures_validate_and_cover_pakistans_trade() {
    for name in [
        "us-pakistan-2025-deal",
        "us-reciprocal-2025",
        "us-2026-court-ruling",
        "us-2026-section-301",
    ] {
        let path = format!(
            "{}/tests/fixtures/hs4/{name}.toml",
            env!("CARGO_MANIFEST_DIR")
        );
        let o = run(&["validate", &path]);
        let s = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        // 2024 US imports for consumption from Pakistan: US$5,107.5 million (Census).
        assert!(s.contains("Pakistan (5107.5 US$ million"), "{name}: {s}");
        assert!(s.contains("exporters       11"), "{name}: {s}");
    }
}

#[test]
fn every_shipped_scenario_validates_and_us_ones_cover_pakistans_trade_at_hs6() {
    let dir = format!("{}/scenarios", env!("CARGO_MANIFEST_DIR"));
    let mut us = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let o = run(&["validate", path.to_str().unwrap()]);
        let s = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&o.stderr)
        );
        let text = std::fs::read_to_string(&path).unwrap();
        if text.contains("us_schedule") {
            us += 1;
            assert!(
                s.contains("Pakistan (5107.5 US$ million"),
                "{}: {s}",
                path.display()
            );
            assert!(s.contains("exporters       51"), "{}: {s}", path.display());
        }
    }
    // The two agreement comparisons (and the threat one again under Armington), April →
    // August 2025, the court ruling and Section 301.
    assert_eq!(us, 6);
}

#[test]
fn deal_scenario_raises_pakistan_and_lowers_competitors() {
    let dir = std::env::temp_dir().join(format!("tariffsim-test-{}-deal", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = format!(
        "{}/tests/fixtures/hs4/us-pakistan-2025-deal.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let o = run(&["run", "-q", &path, "--out", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = read_csv(&dir.join("by_exporter.csv"));
    for r in &rows {
        let change = num(r, "total_effect");
        if r["exporter"] == "Pakistan" {
            assert!(change > 0.0);
            assert_close(num(r, "base_value"), 5_107_479_031.0, 0.5, "Pakistan base");
        } else {
            assert!(change <= 0.0, "{}: {change}", r["exporter"]);
        }
    }
    for r in read_csv(&dir.join("flows.csv")) {
        for (k, v) in &r {
            assert!(
                !v.eq_ignore_ascii_case("nan") && !v.contains("inf"),
                "{k} = {v}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn except_hs_prefixes_leaves_exempt_products_alone() {
    let dir = scratch("except");
    let path = dir.join("scenario.toml");
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "hs_codes = [\"630260\"]\nset_pct = 0",
        "set_pct = 0\nexcept_hs_prefixes = [\"61\"]",
    );
    std::fs::write(&path, text).unwrap();
    let out = dir.join("results");
    let o = run(&[
        "run",
        "-q",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let flows = read_csv(&out.join("flows.csv"));
    let get = |p: &str| {
        flows
            .iter()
            .find(|r| r["product"] == p && r["exporter"] == "Pakistan")
            .unwrap()
    };
    assert_eq!(
        num(get("630260"), "tariff_after_pct"),
        0.0,
        "the cut applies to towels"
    );
    assert_eq!(
        num(get("611020"), "tariff_after_pct"),
        10.0,
        "sweatshirts (61) are exempt"
    );
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("except those starting 61"),
        "the report states the exemption"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn empty_product_lists_and_duplicate_report_exporters_are_errors() {
    expect_error(
        "emptylist",
        "scenario.toml",
        |t| t.replace("[\"630260\"]", "[]"),
        "scenario.toml:26",
        "the list is empty",
    );
    expect_error(
        "dupreport",
        "scenario.toml",
        |t| format!("{t}\n[report]\nexporters = [\"China\", \"China\"]\n"),
        "scenario.toml:31",
        "'China' is listed twice",
    );
}
