//! End-to-end tests of the outputs meant to be pasted into a paper: ASCII minus signs,
//! quick what-ifs (`--set`), the starter scenario (`new`), unit warnings.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_tariffsim");
const REPO: &str = env!("CARGO_MANIFEST_DIR");

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("binary runs")
}

fn scratch(name: &str) -> PathBuf {
    common::fixture_copy("paper", name)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Every cell of every Markdown table that looks like a number parses as one once thousands
/// separators (and a trailing % sign) are removed.
fn assert_table_numbers_parse(md: &str) {
    let mut seen = 0;
    for line in md.lines().filter(|l| l.starts_with('|')) {
        for cell in line.split('|').map(str::trim) {
            let c = cell.trim_end_matches('%').replace(',', "");
            let first_digit = c
                .trim_start_matches(['+', '-', '\u{2212}'])
                .starts_with(|ch: char| ch.is_ascii_digit());
            if first_digit && c.chars().all(|ch| "0123456789.,+-\u{2212}".contains(ch)) {
                assert!(
                    c.parse::<f64>().is_ok(),
                    "table cell {cell:?} is not a number"
                );
                seen += 1;
            }
        }
    }
    assert!(seen > 5, "the report has numeric table cells ({seen})");
}

/// Every CSV of a run says the unit of its money columns in a `currency_unit` or `unit`
/// column (`gsim_prices.csv` holds only percentages, iterations and residuals).
fn assert_csvs_state_their_unit(dir: &Path, unit: &str) {
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".csv") || name == "gsim_prices.csv" {
            continue;
        }
        let mut r = csv::Reader::from_path(&path).unwrap();
        let headers = r.headers().unwrap().clone();
        let col = headers
            .iter()
            .position(|h| h == "currency_unit" || h == "unit")
            .unwrap_or_else(|| panic!("{name} has no unit column: {headers:?}"));
        let units: Vec<String> = r
            .records()
            .map(|rec| rec.unwrap()[col].to_string())
            .collect();
        assert!(units.iter().all(|u| !u.is_empty()), "{name}: an empty unit");
        assert!(units.iter().any(|u| u == unit), "{name}: no row in {unit}");
        if name != "summary.csv" {
            // One unit for the money columns, or percent for the `_pct` rows of uncertainty.
            assert!(
                units.iter().all(|u| u == unit || u == "percent"),
                "{name}: {units:?}"
            );
        }
        seen += 1;
    }
    assert!(seen >= 2, "{seen} CSVs");
}

fn assert_no_unicode_minus(dir: &Path, stdout: &str) {
    assert!(!stdout.contains('\u{2212}'), "terminal: {stdout}");
    let mut csvs = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if ext == "csv" || ext == "md" {
            let body = std::fs::read_to_string(&path).unwrap();
            assert!(!body.contains('\u{2212}'), "{} has U+2212", path.display());
            csvs += usize::from(ext == "csv");
        }
    }
    assert!(csvs > 0);
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert_table_numbers_parse(&md);
}

#[test]
fn pasted_outputs_use_the_ascii_minus() {
    let dir = scratch("ascii");
    let out = dir.join("results");
    let o = run(&[
        "run",
        dir.join("scenario.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(
        stdout.contains("-17.3"),
        "a negative figure in ASCII: {stdout}"
    );
    assert_no_unicode_minus(&out, &stdout);
    assert_csvs_state_their_unit(&out, "USD million");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_shipped_scenario_reports_with_the_ascii_minus() {
    let out = std::env::temp_dir().join(format!("tariffsim-paper-gsim-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let scenario = format!("{REPO}/scenarios/gsim-4x4-us-eu-fta.toml");
    let o = run(&["run", &scenario, "--out", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(stdout.contains("-39.3"), "{stdout}");
    assert_no_unicode_minus(&out, &stdout);
    assert_csvs_state_their_unit(&out, "value units");
    std::fs::remove_dir_all(&out).unwrap();
}

/// Rows of a CSV file as header → value maps.
fn rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
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

fn num(row: &std::collections::HashMap<String, String>, col: &str) -> f64 {
    row[col]
        .parse()
        .unwrap_or_else(|_| panic!("{col} = {}", row[col]))
}

/// `--set` gives the same numbers as the equivalent `[[policy]]` rule written in the file.
#[test]
fn set_equals_the_same_rule_written_in_the_scenario() {
    for (arg, rule) in [
        ("Pakistan=15", "exporter = \"Pakistan\"\nset_pct = 15\n"),
        (
            "PAK:63=10",
            "exporter = \"Pakistan\"\nhs_prefixes = [\"63\"]\nset_pct = 10\n",
        ),
        (
            "China:6302=25",
            "exporter = \"China\"\nhs_prefixes = [\"6302\"]\nset_pct = 25\n",
        ),
    ] {
        let dir = scratch(&format!("set-{}", arg.replace([':', '='], "-")));
        let written = dir.join("written.toml");
        let base = std::fs::read_to_string(dir.join("scenario.toml")).unwrap();
        std::fs::write(&written, format!("{base}\n[[policy]]\n{rule}")).unwrap();
        let (a, b) = (dir.join("a"), dir.join("b"));
        let o = run(&[
            "run",
            dir.join("scenario.toml").to_str().unwrap(),
            "--out",
            a.to_str().unwrap(),
            "--set",
            arg,
        ]);
        assert!(o.status.success(), "{arg}: {}", text(&o.stderr));
        let title = text(&o.stdout);
        assert!(
            title
                .lines()
                .next()
                .unwrap()
                .contains(&format!("--set {arg}")),
            "{title}"
        );
        let o = run(&[
            "run",
            written.to_str().unwrap(),
            "--out",
            b.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        for f in ["flows.csv", "by_exporter.csv", "by_product.csv"] {
            assert_eq!(
                std::fs::read(a.join(f)).unwrap(),
                std::fs::read(b.join(f)).unwrap(),
                "{arg}: {f}"
            );
        }
        // The rule did change something: the total after rate of a covered cell.
        let flows = rows(&a.join("flows.csv"));
        let exporter = if arg.starts_with("China") {
            "China"
        } else {
            "Pakistan"
        };
        let cell = flows
            .iter()
            .find(|r| r["exporter"] == exporter && r["product"] == "630260")
            .unwrap();
        let pct: f64 = arg.rsplit('=').next().unwrap().parse().unwrap();
        assert!(
            (num(cell, "tariff_after_pct") - num(cell, "tariff_applied_pct") - pct).abs() < 1e-9
        );
        let md = std::fs::read_to_string(a.join("report.md")).unwrap();
        assert!(md.lines().next().unwrap().contains("--set"), "report title");
        let tariffs = &md[md.find("## Tariffs").unwrap()..];
        assert!(tariffs[..tariffs.find("\n## ").unwrap()].contains(&format!("--set {arg}")));
        assert!(
            md.contains(&format!("--set {arg}\n")) || md.contains(&format!("--set {arg} ")),
            "reproduce"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn several_sets_apply_in_order() {
    let dir = scratch("set-order");
    let out = dir.join("r");
    let o = run(&[
        "run",
        dir.join("scenario.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--set",
        "Pakistan=40",
        "--set",
        "Pakistan:6302=5",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let flows = rows(&out.join("flows.csv"));
    for r in flows.iter().filter(|r| r["exporter"] == "Pakistan") {
        let want = if r["product"].starts_with("6302") {
            5.0
        } else {
            40.0
        };
        let got = num(r, "tariff_after_pct") - num(r, "tariff_applied_pct");
        assert!((got - want).abs() < 1e-9, "{}: {got}", r["product"]);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_bad_set_is_refused_naming_the_argument_and_writes_nothing() {
    let dir = scratch("set-bad");
    for arg in [
        "Narnia=5",
        "Pakistan=abc",
        "Pakistan=0.15",
        "Pakistan=5000",
        "Pakistan:99=5",
        "Pakistan",
    ] {
        let out = dir.join("r");
        let o = run(&[
            "run",
            dir.join("scenario.toml").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--set",
            arg,
        ]);
        assert!(!o.status.success(), "{arg} accepted");
        let err = text(&o.stderr);
        assert!(err.contains(arg), "{arg}: {err}");
        assert!(
            err.contains("expected") || err.contains("write 15"),
            "{arg}: {err}"
        );
        assert!(!out.exists(), "{arg}: an output folder was written");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A dated scenario (the HS4 Section 301 fixture, on the shipped schedule): `--set PAK=20`
/// makes Pakistan's additional duty 20% on every product and leaves every other cell alone.
#[test]
fn set_on_a_dated_scenario() {
    let scenario = format!("{REPO}/tests/fixtures/hs4/us-2026-section-301.toml");
    let tmp = std::env::temp_dir().join(format!("tariffsim-paper-dated-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let (a, b) = (tmp.join("a"), tmp.join("b"));
    for (out, extra) in [(&a, vec!["--set", "PAK=20"]), (&b, vec![])] {
        let mut args = vec![
            "run",
            scenario.as_str(),
            "--draws",
            "0",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend(extra);
        let o = run(&args);
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    let (with, without) = (rows(&a.join("flows.csv")), rows(&b.join("flows.csv")));
    assert_eq!(with.len(), without.len());
    let mut pakistan = 0;
    for (w, o) in with.iter().zip(&without) {
        assert_eq!(
            (&w["product"], &w["exporter"]),
            (&o["product"], &o["exporter"])
        );
        if w["exporter"] == "Pakistan" {
            pakistan += 1;
            let add = num(w, "tariff_after_pct") - num(w, "tariff_applied_pct");
            assert!((add - 20.0).abs() < 1e-9, "{}: {add}", w["product"]);
        } else {
            assert_eq!(w["tariff_after_pct"], o["tariff_after_pct"]);
        }
        assert_eq!(w["tariff_before_pct"], o["tariff_before_pct"]);
    }
    assert!(pakistan > 10);
    assert!(a.join("sensitivity.csv").is_file() && a.join("projection.csv").is_file());
    assert_csvs_state_their_unit(&a, "USD");
    std::fs::remove_dir_all(&tmp).unwrap();
}

/// `new` writes a starter that validates and runs as written, and never replaces a file.
#[test]
fn new_writes_a_starter_that_validates_and_runs() {
    let outside = std::env::temp_dir().join(format!("tariffsim-paper-new-{}", std::process::id()));
    let inside =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("paper-new-{}", std::process::id()));
    for (dir, absolute) in [(&outside, true), (&inside, false)] {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).unwrap();
        // Run from the folder itself (outside) or with --out (inside the project).
        let o = if absolute {
            Command::new(BIN)
                .args(["new", "my-study"])
                .current_dir(dir)
                .output()
                .unwrap()
        } else {
            run(&["new", "my-study", "--out", dir.to_str().unwrap()])
        };
        assert!(o.status.success(), "{}", text(&o.stderr));
        let file = dir.join("my-study.toml");
        let written = std::fs::read_to_string(&file).unwrap();
        let schedule_line = written
            .lines()
            .find(|l| l.starts_with("us_schedule"))
            .unwrap();
        assert_eq!(
            schedule_line.contains("\"/") || schedule_line.contains(":\\\\"),
            absolute,
            "{schedule_line}"
        );

        let o = run(&["validate", file.to_str().unwrap()]);
        assert!(o.status.success(), "validate: {}", text(&o.stderr));
        let out = dir.join("results");
        let o = run(&[
            "run",
            file.to_str().unwrap(),
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "run: {}", text(&o.stderr));
        assert!(out.join("report.md").is_file());

        // A second `new` with the same name is refused and leaves the file as it was.
        std::fs::write(&file, "# my edits\n").unwrap();
        let o = run(&["new", "my-study", "--out", dir.to_str().unwrap()]);
        assert!(!o.status.success());
        assert!(
            text(&o.stderr).contains("my-study.toml"),
            "{}",
            text(&o.stderr)
        );
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "# my edits\n");
        let left: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            left.len(),
            2,
            "only the scenario and the results folder: {left:?}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
    let o = run(&["new", "../escape"]);
    assert!(!o.status.success());
}

/// A scenario copied out of `scenarios/` (or a fixture copied away from its data) fails with
/// the absolute path looked for; the fix it names (absolute data paths) makes it validate.
#[test]
fn a_scenario_copied_away_from_its_data_says_where_it_looked() {
    let dir = std::env::temp_dir().join(format!("tariffsim-paper-copied-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let abs_dir = std::fs::canonicalize(&dir).unwrap();

    // A shipped scenario: its schedule folder.
    let shipped =
        std::fs::read_to_string(format!("{REPO}/scenarios/us-pakistan-deal-collected.toml"))
            .unwrap();
    std::fs::write(dir.join("copy.toml"), &shipped).unwrap();
    let o = Command::new(BIN)
        .args(["validate", "copy.toml"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(err.contains("copy.toml:"), "{err}");
    assert!(
        err.contains(&abs_dir.join("data/us_schedule").display().to_string()),
        "{err}"
    );
    let data = format!("{REPO}/scenarios/data/");
    assert!(err.contains(&format!("{data}us_schedule")), "{err}");
    std::fs::write(
        dir.join("copy.toml"),
        shipped.replace("\"data/", &format!("\"{data}")),
    )
    .unwrap();
    let o = Command::new(BIN)
        .args(["validate", "copy.toml"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));

    // A CSV data file, with the scenario given by a bare file name.
    std::fs::copy(
        format!("{REPO}/tests/fixtures/small/scenario.toml"),
        dir.join("small.toml"),
    )
    .unwrap();
    let o = Command::new(BIN)
        .args(["validate", "small.toml"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(err.contains("small.toml:11"), "{err}");
    assert!(
        err.contains(&abs_dir.join("trade.csv").display().to_string()),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A trade file in millions declared as `USD` is warned about, on stderr and in report.md;
/// the same file declared `USD million`, and the original file in dollars, are not.
#[test]
fn trade_values_implausible_for_the_unit_are_warned_about() {
    let dir = std::env::temp_dir().join(format!("tariffsim-paper-units-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let data = format!("{REPO}/scenarios/data");
    // The HS4 trade file, values divided by a million.
    let mut r = csv::Reader::from_path(format!("{data}/us_imports_2024_hs4.csv")).unwrap();
    let headers = r.headers().unwrap().clone();
    let value_col = headers.iter().position(|h| h == "value").unwrap();
    let mut w = csv::Writer::from_path(dir.join("trade_millions.csv")).unwrap();
    w.write_record(&headers).unwrap();
    for rec in r.records() {
        let rec = rec.unwrap();
        let row: Vec<String> = rec
            .iter()
            .enumerate()
            .map(|(i, v)| {
                if i == value_col {
                    format!("{}", v.parse::<f64>().unwrap() / 1e6)
                } else {
                    v.to_string()
                }
            })
            .collect();
        w.write_record(&row).unwrap();
    }
    w.flush().unwrap();
    let original = std::fs::read_to_string(format!(
        "{REPO}/tests/fixtures/hs4/us-2026-section-301.toml"
    ))
    .unwrap()
    .replace("../../../scenarios/data", &data);
    let millions = original.replace(
        &format!("{data}/us_imports_2024_hs4.csv"),
        "trade_millions.csv",
    );
    assert_ne!(millions, original);
    for (name, toml_text, warned) in [
        ("wrong", millions.clone(), true),
        (
            "right",
            millions.replace("currency_unit = \"USD\"", "currency_unit = \"USD million\""),
            false,
        ),
        ("dollars", original, false),
    ] {
        let file = dir.join(format!("{name}.toml"));
        std::fs::write(&file, toml_text).unwrap();
        let out = dir.join(name);
        let o = run(&[
            "run",
            file.to_str().unwrap(),
            "--draws",
            "0",
            "--quiet",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{name}: {}", text(&o.stderr));
        let err = text(&o.stderr);
        let md = std::fs::read_to_string(out.join("report.md")).unwrap();
        assert_eq!(
            err.contains("warning:") && err.contains("currency_unit"),
            warned,
            "{name}: {err}"
        );
        assert_eq!(md.contains("**Warning:**"), warned, "{name}: report.md");
        let o = run(&["validate", file.to_str().unwrap()]);
        assert_eq!(
            text(&o.stderr).contains("warning:"),
            warned,
            "{name}: validate"
        );
    }
    // The small fixture (5 values in USD million) gets none either.
    let o = run(&[
        "validate",
        &format!("{REPO}/tests/fixtures/small/scenario.toml"),
    ]);
    assert!(o.status.success() && !text(&o.stderr).contains("warning"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `results.xlsx` opens with a reader and holds the CSVs' numbers, money in US$ million.
#[test]
fn the_workbook_holds_the_csv_numbers_in_millions() {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let scenario = format!("{REPO}/tests/fixtures/hs4/us-2026-section-301.toml");
    let out = std::env::temp_dir().join(format!("tariffsim-paper-xlsx-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let o = run(&[
        "run",
        &scenario,
        "--draws",
        "20",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    // The same run writes the same bytes (no creation time of the day in the file).
    let first = std::fs::read(out.join("results.xlsx")).unwrap();
    let again = out.with_extension("again");
    let _ = std::fs::remove_dir_all(&again);
    let o = run(&[
        "run",
        &scenario,
        "--draws",
        "20",
        "--quiet",
        "--out",
        again.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(first == std::fs::read(again.join("results.xlsx")).unwrap());
    let _ = std::fs::remove_dir_all(&again);
    let mut book: Xlsx<_> = open_workbook(out.join("results.xlsx")).unwrap();
    let mut checked = 0;
    for (sheet, file) in [
        ("Summary", "summary.csv"),
        ("By exporter", "by_exporter.csv"),
        ("By product", "by_product.csv"),
        ("Uncertainty", "uncertainty.csv"),
    ] {
        let range = book.worksheet_range(sheet).unwrap();
        let mut r = csv::Reader::from_path(out.join(file)).unwrap();
        let headers = r.headers().unwrap().clone();
        let unit_col = headers
            .iter()
            .position(|h| h == "unit" || h == "currency_unit")
            .unwrap();
        let records: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        let rows: Vec<&[Data]> = range.rows().collect();
        assert_eq!(
            rows.len(),
            records.len() + 1,
            "{sheet}: header and one row per CSV row"
        );
        for (rec, row) in records.iter().zip(&rows[1..]) {
            let in_dollars = &rec[unit_col] == "USD";
            for (c, cell) in rec.iter().enumerate() {
                let h = &headers[c];
                let Ok(v) = cell.parse::<f64>() else { continue };
                if matches!(
                    h,
                    "product"
                        | "description"
                        | "exporter"
                        | "report_group"
                        | "quantity"
                        | "kind"
                        | "name"
                ) || c == unit_col
                {
                    continue;
                }
                let money = in_dollars
                    && !(h.ends_with("_pct")
                        || h.ends_with("_share")
                        || h.ends_with("_products")
                        || h == "draws"
                        || h == "seed");
                let want = if money { v / 1e6 } else { v };
                let got = match &row[c] {
                    Data::Float(f) => *f,
                    Data::Int(i) => *i as f64,
                    other => panic!("{sheet} row {:?} col {h}: {other:?}", &rec[0]),
                };
                assert!(
                    (got - want).abs() <= 1e-9 * want.abs().max(1.0),
                    "{sheet} {h}: {got} vs {want}"
                );
                checked += 1;
            }
            if in_dollars {
                assert_eq!(row[unit_col], Data::String("US$ million".into()), "{sheet}");
            }
        }
        // Product codes stay text ("0203", not 203).
        if sheet == "By product" {
            assert_eq!(rows[1][0], Data::String(records[0][0].to_string()));
        }
    }
    assert!(checked > 1000, "{checked} numbers compared");
    std::fs::remove_dir_all(&out).unwrap();
}
