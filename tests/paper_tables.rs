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
                assert!(c.parse::<f64>().is_ok(), "table cell {cell:?} is not a number");
                seen += 1;
            }
        }
    }
    assert!(seen > 5, "the report has numeric table cells ({seen})");
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
    assert!(stdout.contains("-17.3"), "a negative figure in ASCII: {stdout}");
    assert_no_unicode_minus(&out, &stdout);
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
    std::fs::remove_dir_all(&out).unwrap();
}
