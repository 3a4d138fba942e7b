//! Regression tests for bad input: each runs the binary on a copy of the small fixture with one
//! mistake and checks properties of the answer (exit code, that the message names the input
//! file and line, no output folder left), not its exact wording.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_tariffsim");
const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/small");

/// A fresh scratch folder holding a copy of the small fixture.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tariffsim-input-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(FIXTURE).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
    }
    dir
}

/// Replaces `from` by `to` in a file of the scratch folder (the text must be there).
fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} does not contain {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// Runs the binary, failing the test instead of hanging if it does not finish in time.
fn run_bin(args: &[&str]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("tariffsim {args:?} did not finish within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn validate(dir: &Path) -> Output {
    run_bin(&["validate", dir.join("scenario.toml").to_str().unwrap()])
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The command failed cleanly (exit code 1, one `error:` message, no panic) and the message
/// starts with `file:line:`; returns the message.
fn assert_fails_at(o: &Output, file: &str, line: usize) -> String {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(1), "expected a clean failure: {e}");
    assert!(!e.contains("panicked"), "{e}");
    assert!(
        e.contains(&format!("{file}:{line}:")),
        "the message should name {file}, line {line}: {e}"
    );
    e
}

/// `validate` fails at `file:line`, and so does `run`, leaving no output folder.
fn assert_refused(dir: &Path, file: &str, line: usize) -> String {
    let e = assert_fails_at(&validate(dir), file, line);
    let out = dir.join("results");
    let o = run_bin(&[
        "run",
        dir.join("scenario.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert_fails_at(&o, file, line);
    assert!(!out.exists(), "no output folder may be left");
    e
}

// ---- Defect 9: line numbers of CRLF and CR files -------------------------------------------

#[test]
fn crlf_and_cr_files_report_the_line_an_editor_shows() {
    for (name, ending) in [("lf", "\n"), ("crlf", "\r\n"), ("cr", "\r")] {
        let dir = scratch(&format!("endings-{name}"));
        edit(&dir, "trade.csv", "China,300,", "China,abc,");
        let text = std::fs::read_to_string(dir.join("trade.csv")).unwrap();
        std::fs::write(dir.join("trade.csv"), text.replace('\n', ending)).unwrap();
        // The bad value is on the third line of the file.
        let e = assert_fails_at(&validate(&dir), "trade.csv", 3);
        assert!(e.contains("value"), "{name}: {e}");
    }
}

#[test]
fn crlf_files_report_missing_fields_on_the_right_line() {
    let dir = scratch("crlf-fields");
    std::fs::write(
        dir.join("applied.csv"),
        "product,exporter,rate_pct\r\n630260,Pakistan,15\r\n630260,China\r\n",
    )
    .unwrap();
    assert_fails_at(&validate(&dir), "applied.csv", 3);
}

// ---- Defect 10: paths that are not regular files --------------------------------------------

#[cfg(unix)]
fn make_fifo(path: &Path) {
    let ok = Command::new("mkfifo")
        .arg(path)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(ok, "mkfifo works");
}

#[cfg(unix)]
#[test]
fn a_scenario_path_that_is_a_fifo_device_or_folder_is_refused_at_once() {
    let dir = scratch("scenario-path");
    let fifo = dir.join("pipe.toml");
    make_fifo(&fifo);
    for (path, what) in [
        (fifo.to_str().unwrap(), "pipe"),
        ("/dev/zero", "device"),
        ("/dev/urandom", "device"),
        (dir.to_str().unwrap(), "folder"),
    ] {
        let o = run_bin(&["validate", path]);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{path}: {e}");
        assert!(e.contains(path) && e.contains(what), "{path}: {e}");
    }
}

#[cfg(unix)]
#[test]
fn a_data_path_that_is_a_fifo_device_or_folder_says_what_it_is() {
    for (path, what) in [
        ("pipe.csv", "pipe"),
        ("/dev/zero", "device"),
        ("folder.csv", "folder"),
    ] {
        let dir = scratch(&format!("data-path-{what}"));
        make_fifo(&dir.join("pipe.csv"));
        std::fs::create_dir(dir.join("folder.csv")).unwrap();
        edit(
            &dir,
            "scenario.toml",
            "trade = \"trade.csv\"",
            &format!("trade = \"{path}\""),
        );
        // Line 11 of the scenario holds `trade = ...`.
        let e = assert_refused(&dir, "scenario.toml", 11);
        assert!(e.contains(what) && !e.contains("not found"), "{path}: {e}");
    }
}

// ---- Defect 13: duplicate header ------------------------------------------------------------

#[test]
fn a_column_named_twice_in_the_header_is_refused() {
    let dir = scratch("dup-header");
    std::fs::write(
        dir.join("trade.csv"),
        "product,exporter,value,value\n630260,Pakistan,100,5\n630260,China,300,5\n",
    )
    .unwrap();
    let e = assert_refused(&dir, "trade.csv", 1);
    assert!(e.contains("value"), "{e}");
}

// ---- Defect 14: files that are not UTF-8 ----------------------------------------------------

#[test]
fn a_scenario_that_is_not_utf8_names_the_line() {
    let dir = scratch("latin1-toml");
    let mut bytes = std::fs::read(dir.join("scenario.toml")).unwrap();
    // "Worked example" is on line 3; write an e-acute in Latin-1 into it.
    let at = bytes.windows(6).position(|w| w == b"Worked").unwrap();
    bytes.insert(at, 0xE9);
    std::fs::write(dir.join("scenario.toml"), bytes).unwrap();
    let e = assert_fails_at(&validate(&dir), "scenario.toml", 3);
    assert!(e.contains("UTF-8"), "{e}");
}

#[test]
fn a_csv_that_is_not_utf8_names_the_line() {
    let dir = scratch("latin1-csv");
    let mut bytes = std::fs::read(dir.join("trade.csv")).unwrap();
    let at = bytes.windows(7).position(|w| w == b"Vietnam").unwrap();
    bytes.insert(at + 3, 0xE9);
    std::fs::write(dir.join("trade.csv"), bytes).unwrap();
    let e = assert_fails_at(&validate(&dir), "trade.csv", 4);
    assert!(e.contains("UTF-8"), "{e}");
}

// ---- Defect 2: the policy-rates percent check covers both rate columns together ------------

fn with_policy_rates(name: &str, rows: &str) -> PathBuf {
    let dir = scratch(name);
    edit(
        &dir,
        "scenario.toml",
        "elasticities = \"elasticities.csv\"",
        "elasticities = \"elasticities.csv\"\npolicy_rates = \"policy_rates.csv\"",
    );
    std::fs::write(
        dir.join("policy_rates.csv"),
        format!("product,exporter,before_pct,after_pct\n{rows}"),
    )
    .unwrap();
    dir
}

#[test]
fn a_policy_rates_cut_to_below_one_percent_is_accepted() {
    // The case the documentation tells users to write in this file: 15% cut to 0.5%.
    let dir = with_policy_rates("policy-half-pct", "630260,Vietnam,15,0.5\n");
    let o = validate(&dir);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = dir.join("results");
    let o = run_bin(&[
        "run",
        dir.join("scenario.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let flows = std::fs::read_to_string(out.join("flows.csv")).unwrap();
    let vietnam = flows
        .lines()
        .find(|l| l.starts_with("630260,") && l.contains("Vietnam"))
        .unwrap();
    assert!(vietnam.contains(",0.5,"), "after rate 0.5%: {vietnam}");
}

#[test]
fn policy_rates_that_are_all_fractions_are_still_refused() {
    let dir = with_policy_rates(
        "policy-fractions",
        "630260,Vietnam,0.15,0.05\n630260,China,0.15,0.15\n",
    );
    let e = assert_refused(&dir, "policy_rates.csv", 1);
    assert!(e.contains("before_pct") && e.contains("after_pct"), "{e}");
}
