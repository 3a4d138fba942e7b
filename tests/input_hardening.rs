//! Regression tests for bad input: each runs the binary on a copy of the small fixture with one
//! mistake and checks properties of the answer (exit code, that the message names the input
//! file and line, no output folder left), not its exact wording.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_tariffsim");

fn scratch(name: &str) -> PathBuf {
    common::fixture_copy("input", name)
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

/// Appends TOML to the scenario; returns the line number of the appended text's first line.
fn append(dir: &Path, extra: &str) -> usize {
    let path = dir.join("scenario.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{text}\n{extra}")).unwrap();
    text.lines().count() + 2
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

// ---- Defects 7 and 8: values that would overflow the model fail in `validate` ----------------

#[test]
fn out_of_range_numbers_fail_in_validate_naming_the_input() {
    // (file, from, to, the file and line the message must name, the field it must name)
    let cases: &[(&str, &str, &str, &str, usize, &str)] = &[
        (
            "trade.csv",
            "Pakistan,100,",
            "Pakistan,1e308,",
            "trade.csv",
            2,
            "value",
        ),
        (
            "trade.csv",
            "China,150,",
            "China,2e15,",
            "trade.csv",
            6,
            "value",
        ),
        (
            "scenario.toml",
            "substitution = 3.0",
            "substitution = 1000",
            "scenario.toml",
            17,
            "substitution",
        ),
        (
            "scenario.toml",
            "substitution = 3.0",
            "substitution = 1e306",
            "scenario.toml",
            17,
            "substitution",
        ),
        (
            "scenario.toml",
            "import_demand = -2.0",
            "import_demand = -1e308",
            "scenario.toml",
            16,
            "import_demand",
        ),
        (
            "scenario.toml",
            "export_supply = 99",
            "export_supply = 1e-300",
            "scenario.toml",
            18,
            "export_supply",
        ),
        (
            "elasticities.csv",
            "63,1.5,1.5,99",
            "63,1.5,1e306,99",
            "elasticities.csv",
            2,
            "substitution",
        ),
        (
            "elasticities.csv",
            "63,1.5,1.5,99",
            "63,-1e308,1.5,99",
            "elasticities.csv",
            2,
            "import_demand",
        ),
        (
            "elasticities.csv",
            "63,1.5,1.5,99",
            "63,1.5,1.5,0.000001",
            "elasticities.csv",
            2,
            "export_supply",
        ),
    ];
    for (i, (file, from, to, at, line, field)) in cases.iter().enumerate() {
        let dir = scratch(&format!("range-{i}"));
        edit(&dir, file, from, to);
        let e = assert_refused(&dir, at, *line);
        assert!(e.contains(field), "{to}: {e}");
        assert!(!e.contains("non-finite"), "{to}: {e}");
        // Numbers are shown short, never as hundreds of digits.
        assert!(!e.contains("0000000000000000"), "{to}: {e}");
    }
}

#[test]
fn rules_cannot_raise_a_tariff_above_the_cap() {
    let dir = scratch("rule-cap");
    edit(&dir, "scenario.toml", "set_pct = 0", "change_pts = 990");
    let e = assert_refused(&dir, "scenario.toml", 24);
    assert!(e.contains("policy[1]") && e.contains("1000"), "{e}");
}

#[test]
fn a_smart_world_price_fall_beyond_100_percent_fails_in_validate() {
    // Finite export supply and a large tariff rise: the linear SMART price formula leaves its
    // range. `run` used to find this; `validate` now does, naming the trade row.
    let dir = scratch("price-range");
    edit(
        &dir,
        "scenario.toml",
        "export_supply = 99",
        "export_supply = 0.5",
    );
    let text = std::fs::read_to_string(dir.join("scenario.toml")).unwrap();
    std::fs::write(
        dir.join("scenario.toml"),
        format!(
            "{text}\n[[policy]]\nexporter = \"China\"\nhs_codes = [\"611020\"]\nset_pct = 500\n"
        ),
    )
    .unwrap();
    let e = assert_refused(&dir, "trade.csv", 6);
    assert!(e.contains("611020") && e.contains("China"), "{e}");
    // Two flows out of range in two markets: the one of the first market is named.
    edit(&dir, "elasticities.csv", "1.5,1.5,99", "1.5,1.5,0.5");
    std::fs::write(
        dir.join("scenario.toml"),
        format!(
            "{text}\n[[policy]]\nexporter = \"China\"\nhs_codes = [\"611020\"]\nset_pct = 500\n\
             \n[[policy]]\nexporter = \"Vietnam\"\nhs_codes = [\"630260\"]\nset_pct = 500\n"
        ),
    )
    .unwrap();
    let e = assert_refused(&dir, "trade.csv", 4);
    assert!(e.contains("630260") && e.contains("Vietnam"), "{e}");
}

#[test]
fn analysis_settings_that_would_overflow_are_refused() {
    let cases = [
        (
            "[sensitivity]\nsubstitution = [0.5, 1e306]\n",
            "sensitivity.substitution",
        ),
        (
            "[sensitivity]\nimport_demand = [0.5, 1000]\n",
            "sensitivity.import_demand",
        ),
        (
            "[uncertainty]\nsubstitution = { dist = \"lognormal\", sigma = 50 }\n",
            "uncertainty.substitution.sigma",
        ),
        (
            "[uncertainty]\nimport_demand = { dist = \"uniform\", low = 1, high = 1e300, relative = false }\n",
            "uncertainty.import_demand.high",
        ),
        (
            "[uncertainty]\nsubstitution = { dist = \"normal\", sd = 1e300 }\n",
            "uncertainty.substitution.sd",
        ),
    ];
    for (i, (table, field)) in cases.iter().enumerate() {
        let dir = scratch(&format!("layer-range-{i}"));
        let line = append(&dir, table) + 1;
        let e = assert_fails_at(&validate(&dir), "scenario.toml", line);
        assert!(e.contains(field), "{table}: {e}");
    }
}

#[test]
fn a_sensitivity_setting_outside_smarts_range_fails_in_validate() {
    let dir = scratch("sensitivity-range");
    let line = append(
        &dir,
        "[[policy]]\nexporter = \"China\"\nhs_codes = [\"611020\"]\nset_pct = 500\n\n\
         [sensitivity]\nexport_supply = [0.1, \"infinite\"]\n",
    );
    let e = assert_refused(&dir, "scenario.toml", line + 6);
    assert!(e.contains("sensitivity.export_supply"), "{e}");
}

/// Every value at the ends of the accepted ranges runs to the end, and no output holds a
/// non-finite number.
#[test]
fn the_ends_of_the_accepted_ranges_give_finite_results() {
    let cases = [
        ("-100", "100", "laird_yeats"),
        ("-0.01", "0.01", "ces_share"),
        ("-100", "0.01", "ces_share"),
        ("-0.01", "100", "laird_yeats"),
    ];
    std::thread::scope(|scope| {
        for (i, case) in cases.iter().enumerate() {
            scope.spawn(move || run_at_the_ends(i, *case));
        }
    });
}

fn run_at_the_ends(i: usize, (eps, sigma, diversion): (&str, &str, &str)) {
    {
        let dir = scratch(&format!("ends-{i}"));
        edit(&dir, "trade.csv", "Pakistan,100,", "Pakistan,1e15,");
        edit(&dir, "trade.csv", "China,150,", "China,1e-300,");
        edit(
            &dir,
            "elasticities.csv",
            "63,1.5,1.5,99",
            &format!("63,{eps},{sigma},inf"),
        );
        edit(
            &dir,
            "scenario.toml",
            "import_demand = -2.0",
            &format!("import_demand = {eps}"),
        );
        edit(
            &dir,
            "scenario.toml",
            "substitution = 3.0",
            &format!("substitution = {sigma}"),
        );
        edit(
            &dir,
            "scenario.toml",
            "\"laird_yeats\"",
            &format!("\"{diversion}\""),
        );
        let text = std::fs::read_to_string(dir.join("scenario.toml")).unwrap();
        std::fs::write(
            dir.join("scenario.toml"),
            format!(
                "{text}\n[[policy]]\nexporter = \"China\"\nset_pct = 1000\nlayer = \"total\"\n\n\
                 [sensitivity]\nimport_demand = [0.1, 10]\nsubstitution = [0.1, 10]\n\
                 export_supply = [99, \"infinite\"]\n\n\
                 [uncertainty]\ndraws = 20\nsubstitution = {{ dist = \"lognormal\", sigma = 2 }}\n\n\
                 [projection]\nstart_year = 2024\nend_year = 2124\nbaseline_growth_pct = 100\nadjustment_speed = 1\n"
            ),
        )
        .unwrap();
        let out = dir.join("results");
        let o = run_bin(&[
            "run",
            dir.join("scenario.toml").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ]);
        assert!(o.status.success(), "case {i}: {}", stderr(&o));
        for entry in std::fs::read_dir(&out).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "csv" || e == "md") {
                let text = std::fs::read_to_string(&path).unwrap().to_lowercase();
                for cell in text.split(|c: char| c == ',' || c.is_whitespace() || c == '|') {
                    let cell = cell.trim_matches(|c: char| "()%*".contains(c));
                    assert!(
                        !matches!(cell, "inf" | "-inf" | "+inf" | "nan" | "infinity"),
                        "case {i}: {} holds {cell}",
                        path.display()
                    );
                }
            }
        }
    }
}

// ---- Defect 14: messages in a student's words ------------------------------------------------

#[test]
fn toml_type_errors_are_said_in_plain_words() {
    let cases = [
        ("set_pct = 0", "set_pct = \"10%\"", 27, "f64"),
        (
            "export_supply = 99",
            "export_supply = true",
            18,
            "untagged enum",
        ),
        ("base_year = 2024", "base_year = 2024.5", 7, "i64"),
        (
            "hs_codes = [\"630260\"]",
            "hs_codes = \"630260\"",
            26,
            "sequence",
        ),
    ];
    for (i, (from, to, line, jargon)) in cases.iter().enumerate() {
        let dir = scratch(&format!("toml-words-{i}"));
        edit(&dir, "scenario.toml", from, to);
        let o = validate(&dir);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{to}: {e}");
        assert!(e.contains(&format!("line {line}")), "{to}: {e}");
        assert!(e.contains("expected"), "{to}: {e}");
        assert!(!e.contains(jargon), "{to}: programmer words in {e}");
    }
}

#[test]
fn a_gsim_trade_file_without_an_importer_column_says_so() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = scratch("gsim-no-importer");
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::copy(
        root.join("scenarios/gsim-4x4-us-eu-fta.toml"),
        dir.join("scenario.toml"),
    )
    .unwrap();
    std::fs::copy(
        root.join("scenarios/data/gsim_4x4_tariffs.csv"),
        dir.join("data/gsim_4x4_tariffs.csv"),
    )
    .unwrap();
    let trade = std::fs::read_to_string(root.join("scenarios/data/gsim_4x4_trade.csv")).unwrap();
    // Drop the importer column (the fourth).
    let without: String = trade
        .lines()
        .map(|l| {
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(l.as_bytes());
            let rec = r.records().next().unwrap().unwrap();
            let mut w = csv::Writer::from_writer(vec![]);
            let fields: Vec<&str> = rec
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != 3)
                .map(|(_, f)| f)
                .collect();
            w.write_record(&fields).unwrap();
            String::from_utf8(w.into_inner().unwrap()).unwrap()
        })
        .collect();
    std::fs::write(dir.join("data/gsim_4x4_trade.csv"), without).unwrap();
    let e = assert_refused(&dir, "gsim_4x4_trade.csv", 1);
    assert!(e.contains("importer") && !e.contains("duplicate"), "{e}");
}

#[test]
fn a_tiny_rule_value_is_not_answered_with_another_refused_value() {
    // -0.0001 used to be answered "write -0.01", which is refused too.
    let dir = scratch("tiny-change");
    edit(&dir, "scenario.toml", "set_pct = 0", "change_pts = -0.0001");
    let e = assert_refused(&dir, "scenario.toml", 27);
    assert!(!e.contains("write -0.01"), "{e}");
    assert!(
        e.contains("policy_rates"),
        "the message says how to write it: {e}"
    );
    // A real fraction still gets its fix, without floating-point noise.
    let dir = scratch("fraction-change");
    edit(&dir, "scenario.toml", "set_pct = 0", "change_pts = 0.07");
    let e = assert_refused(&dir, "scenario.toml", 27);
    assert!(e.contains("write 7 for 7 points"), "{e}");
}

#[test]
fn names_with_line_breaks_or_control_characters_are_refused() {
    // CSV names: a quoted exporter with a line break, a product code with a tab.
    let dir = scratch("newline-exporter");
    edit(
        &dir,
        "trade.csv",
        "Terry towels,Vietnam,",
        "Terry towels,\"Viet\nnam\",",
    );
    let e = assert_refused(&dir, "trade.csv", 4);
    assert!(e.contains("exporter"), "{e}");
    let dir = scratch("tab-product");
    edit(
        &dir,
        "trade.csv",
        "611020,Cotton sweatshirts,China",
        "\"611\t020\",Cotton sweatshirts,China",
    );
    let e = assert_refused(&dir, "trade.csv", 6);
    assert!(e.contains("product"), "{e}");
    // TOML names and labels: escapes in basic strings.
    for (i, (from, to, line, field)) in [
        (
            "name = \"Worked",
            "name = \"Two\\nlines. Worked",
            3,
            "scenario.name",
        ),
        (
            "currency_unit = \"USD million\"",
            "currency_unit = \"USD\\u0007\"",
            8,
            "scenario.currency_unit",
        ),
        (
            "importer = \"United States\"",
            "importer = \"United\\tStates\"",
            5,
            "scenario.importer",
        ),
    ]
    .iter()
    .enumerate()
    {
        let dir = scratch(&format!("control-toml-{i}"));
        edit(&dir, "scenario.toml", from, to);
        let e = assert_refused(&dir, "scenario.toml", *line);
        assert!(e.contains(field), "{to}: {e}");
    }
    // A group name defined in the scenario.
    let dir = scratch("control-group");
    let line = append(&dir, "[groups]\n\"asia\\nnew\" = [\"China\"]\n");
    let e = assert_refused(&dir, "scenario.toml", line + 1);
    assert!(e.contains("groups."), "{e}");
}

#[test]
fn csv_numbers_with_separators_or_percent_signs_get_a_hint() {
    let dir = scratch("thousands");
    edit(&dir, "trade.csv", "China,300,", "China,\"1,000\",");
    let e = assert_refused(&dir, "trade.csv", 3);
    assert!(e.contains("thousands"), "{e}");
    let dir = scratch("percent-sign");
    edit(&dir, "applied.csv", "China,15,", "China,15%,");
    let e = assert_refused(&dir, "applied.csv", 3);
    assert!(e.contains("% sign"), "{e}");
}

#[test]
fn command_line_numbers_are_explained_in_plain_words() {
    let dir = scratch("cli-numbers");
    let s = dir.join("scenario.toml");
    let s = s.to_str().unwrap();
    for args in [
        vec!["run", s, "--draws", "abc"],
        vec!["run", s, "--seed", "1.5"],
        vec![
            "sweep",
            s,
            "--exporter",
            "PAK",
            "--from",
            "0",
            "--to",
            "10%",
            "--step",
            "1",
        ],
    ] {
        let o = run_bin(&args);
        let e = stderr(&o);
        assert!(!o.status.success(), "{args:?}");
        assert!(e.contains("expected"), "{args:?}: {e}");
        assert!(
            !e.contains("invalid digit") && !e.contains("invalid float literal"),
            "{args:?}: {e}"
        );
    }
}

#[test]
fn region_elasticities_out_of_range_fail_in_validate() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (i, (from, to, column)) in [
        (
            "-1.1508,3.7661,,DERIVED",
            "-1.1508,1e306,,DERIVED",
            "substitution",
        ),
        (
            "-1.1508,3.7661,,DERIVED",
            "-1e308,3.7661,,DERIVED",
            "import_demand",
        ),
        (
            "-1.1508,3.7661,1.5,ASSUMPTION",
            "-1.1508,3.7661,1e-9,ASSUMPTION",
            "export_supply",
        ),
    ]
    .iter()
    .enumerate()
    {
        let dir = scratch(&format!("region-range-{i}"));
        std::fs::create_dir_all(dir.join("data")).unwrap();
        std::fs::copy(
            root.join("scenarios/pakistan-multimarket-2025.toml"),
            dir.join("scenario.toml"),
        )
        .unwrap();
        for f in ["trade", "tariffs", "elasticities"] {
            let name = format!("data/pakistan_apparel_two_markets_{f}.csv");
            std::fs::copy(root.join("scenarios").join(&name), dir.join(&name)).unwrap();
        }
        let file = "data/pakistan_apparel_two_markets_elasticities.csv";
        edit(&dir, file, from, to);
        let line = std::fs::read_to_string(dir.join(file))
            .unwrap()
            .lines()
            .position(|l| l.contains(to))
            .unwrap()
            + 1;
        let e = assert_fails_at(
            &validate(&dir),
            "pakistan_apparel_two_markets_elasticities.csv",
            line,
        );
        assert!(e.contains(column), "{to}: {e}");
    }
}

// ---- The data files are read at once: the error named is still the first in reading order --

#[test]
fn of_several_broken_data_files_the_first_in_reading_order_is_named() {
    let dir = with_policy_rates("several-broken", "630260,Vietnam,abc,1\n");
    edit(&dir, "trade.csv", "Pakistan,100,", "Pakistan,-100,");
    edit(&dir, "applied.csv", "Pakistan,15,", "Pakistan,x15,");
    edit(&dir, "elasticities.csv", "63,1.5,", "63,abc,");
    // Trade, applied rates, elasticities, then the policy rates (read after the rules).
    let steps: [(&str, &str, &str, &str); 4] = [
        ("trade.csv", "Pakistan,-100,", "Pakistan,100,", "trade.csv"),
        (
            "applied.csv",
            "Pakistan,x15,",
            "Pakistan,15,",
            "applied.csv",
        ),
        ("elasticities.csv", "63,abc,", "63,1.5,", "elasticities.csv"),
        ("policy_rates.csv", "abc", "15", "policy_rates.csv"),
    ];
    for (file, broken, fixed, named) in steps {
        assert_fails_at(&validate(&dir), named, 2);
        edit(&dir, file, broken, fixed);
    }
    let o = validate(&dir);
    assert!(o.status.success(), "{}", stderr(&o));
}
