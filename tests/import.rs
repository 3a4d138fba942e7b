//! `tariffsim import` end to end, with the real binary: hand-written downloads in the exact
//! layouts of UN Comtrade and WITS (tests/fixtures/import/, ILLUSTRATIVE values) become
//! data files and a starter scenario that `validate` and `run` accept as written.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_tariffsim");
const FIX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/import");

fn fix(name: &str) -> String {
    format!("{FIX}/{name}")
}

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tariffsim-import-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("binary runs")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
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

fn as_str(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

fn find<'a>(
    rows: &'a [HashMap<String, String>],
    product: &str,
    exporter: &str,
) -> &'a HashMap<String, String> {
    rows.iter()
        .find(|r| r["product"] == product && r["exporter"] == exporter)
        .unwrap_or_else(|| panic!("no row {product} {exporter}"))
}

fn num(s: &str) -> f64 {
    s.parse().unwrap_or_else(|_| panic!("not a number: {s}"))
}

/// Every cell of every CSV in `dir` that parses as a number is finite, and no cell says NaN/inf.
fn assert_all_finite(dir: &Path) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "csv") {
            let text = std::fs::read_to_string(&p).unwrap();
            let mut r = csv::Reader::from_reader(text.as_bytes());
            for rec in r.records() {
                for c in rec.unwrap().iter() {
                    let l = c.to_ascii_lowercase();
                    assert!(
                        l != "nan" && l != "inf" && l != "-inf",
                        "{}: {c}",
                        p.display()
                    );
                    if let Ok(v) = c.parse::<f64>() {
                        assert!(v.is_finite(), "{}: {c}", p.display());
                    }
                }
            }
        }
    }
}

/// The folder was not created and no stage was left beside it.
fn assert_nothing_written(out: &Path) {
    assert!(!out.exists(), "{} exists", out.display());
    let parent = out.parent().unwrap();
    if parent.exists() {
        for e in std::fs::read_dir(parent).unwrap() {
            let n = e.unwrap().file_name().to_string_lossy().into_owned();
            assert!(!n.starts_with('.'), "stage left behind: {n}");
        }
    }
}

/// An error naming the file, the line and the column, and writing nothing.
fn assert_refused(args: &[&str], out: &Path, file: &str, line: u64, column: &str) -> String {
    let o = run(args);
    assert!(
        !o.status.success(),
        "accepted: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(err.contains(&format!("{file}:{line}:")), "{err}");
    assert!(err.contains(&format!("`{column}`")), "{err}");
    assert_nothing_written(out);
    err
}

#[test]
fn two_commands_give_a_scenario_that_validates_and_runs() {
    let dir = scratch("e2e");
    let out = dir.join("pak-eu");
    let stdout = ok(&run(&[
        "import",
        "--comtrade",
        &fix("comtrade_eu_2023.csv"),
        "--wits-tariffs",
        &fix("wits_tariffs_eu_2023.csv"),
        "--focus",
        "PAK",
        "--scenario",
        "pak-eu-gsp",
        "--out",
        out.to_str().unwrap(),
    ]));
    assert!(stdout.contains("tariffsim run"), "{stdout}");
    let scenario = out.join("pak-eu-gsp.toml");
    for f in [
        "trade.csv",
        "applied_tariffs.csv",
        "focus_to_mfn.csv",
        "elasticities.csv",
        "import_notes.md",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }

    // Trade: the fixture's values, World dropped, n.e.s. pooled, quoted descriptions kept.
    let trade = read_csv(&out.join("trade.csv"));
    assert_eq!(trade.len(), 25);
    assert!(trade.iter().all(|r| r["exporter"] != "World"));
    let pak = find(&trade, "610910", "Pakistan");
    assert_eq!(num(&pak["value"]), 420_000_000.0);
    assert_eq!(pak["exporter_iso3"], "PAK");
    assert_eq!(pak["exporter_m49"], "586");
    assert_eq!(
        pak["description"],
        "T-shirts, singlets and other vests; of cotton, knitted or crocheted"
    );
    assert_eq!(
        num(&find(&trade, "610910", "Areas, n.e.s.")["value"]),
        5_000_000.0
    );
    // The total is the fixture's sum of partner rows (World excluded): 17,170 million.
    let total: f64 = trade.iter().map(|r| num(&r["value"])).sum();
    assert!((total - 17_170_000_000.0).abs() < 1e-3, "{total}");

    // Applied rates: AHS for the partner, PRF for India, MFN (marked) for China.
    let applied = read_csv(&out.join("applied_tariffs.csv"));
    assert_eq!(applied.len(), trade.len());
    assert_eq!(num(&find(&applied, "610910", "Pakistan")["rate_pct"]), 0.0);
    assert_eq!(num(&find(&applied, "610910", "India")["rate_pct"]), 9.6);
    assert_eq!(num(&find(&applied, "520512", "India")["rate_pct"]), 3.2);
    assert_eq!(num(&find(&applied, "610910", "Viet Nam")["rate_pct"]), 4.8);
    let china = find(&applied, "610910", "China");
    assert_eq!(
        (num(&china["rate_pct"]), china["status"].as_str()),
        (12.0, "ASSUMPTION")
    );
    // Viet Nam has no row for 620342: MFN, marked.
    assert_eq!(find(&applied, "620342", "Viet Nam")["status"], "ASSUMPTION");

    // Pakistan's GSP+ withdrawal file: applied 0 -> MFN on each of its five products.
    let to_mfn = read_csv(&out.join("focus_to_mfn.csv"));
    assert_eq!(to_mfn.len(), 5);
    for r in &to_mfn {
        assert_eq!(r["exporter"], "Pakistan");
        assert_eq!(num(&r["before_pct"]), 0.0);
        let want = if r["product"] == "520512" { 4.0 } else { 12.0 };
        assert_eq!(num(&r["after_pct"]), want, "{}", r["product"]);
    }

    // The elasticities say they are US estimates used for the EU, in the file and the scenario.
    let el = read_csv(&out.join("elasticities.csv"));
    assert!(
        el.iter()
            .all(|r| r["status"].contains("US") && r["status"].contains("European Union"))
    );
    let text = std::fs::read_to_string(&scenario).unwrap();
    assert!(text.contains("US estimates"), "{text}");

    // As written: validate and run; no effect without a policy.
    let v = ok(&run(&["validate", scenario.to_str().unwrap()]));
    assert!(v.contains("focus exporter  Pakistan (2495.0"), "{v}");
    let results = dir.join("results0");
    ok(&run(&[
        "run",
        scenario.to_str().unwrap(),
        "--out",
        results.to_str().unwrap(),
        "-q",
    ]));
    assert!(results.join("report.md").is_file() && results.join("flows.csv").is_file());
    assert_all_finite(&results);
    let summary = read_csv(&results.join("by_exporter.csv"));
    assert!(!summary.is_empty());
    let report = std::fs::read_to_string(results.join("report.md")).unwrap();
    assert!(report.contains("US elasticity used for European Union"));

    // With the example policy uncommented: Pakistan's exports to the EU fall, others gain.
    let withdrawn = out.join("withdrawn.toml");
    std::fs::write(
        &withdrawn,
        text.replace("# policy_rates = ", "policy_rates = "),
    )
    .unwrap();
    let results1 = dir.join("results1");
    ok(&run(&[
        "run",
        withdrawn.to_str().unwrap(),
        "--out",
        results1.to_str().unwrap(),
        "-q",
    ]));
    assert_all_finite(&results1);
    let by_exp = read_csv(&results1.join("by_exporter.csv"));
    let change = |name: &str| {
        let r = by_exp.iter().find(|r| r["exporter"] == name).unwrap();
        let key = r
            .keys()
            .find(|k| k.starts_with("total_effect"))
            .unwrap()
            .clone();
        num(&r[&key])
    };
    assert!(change("Pakistan") < 0.0);
    assert!(change("Bangladesh") > 0.0 && change("China") > 0.0);
    // docs/import.md quotes this run: Pakistan -986.9 US$ million.
    assert!(
        (change("Pakistan") / 1e6 + 986.9).abs() < 0.05,
        "{}",
        change("Pakistan")
    );
    // Hand calculation of one cell (docs/import.md §6): T-shirts, 420 million, 0% -> 12%,
    // chapter 61's import demand elasticity -1.19: creation = 420e6 x (-1.19) x 0.12 / 1.
    let flows = read_csv(&results1.join("flows.csv"));
    let tee = find(&flows, "610910", "Pakistan");
    assert!((num(&tee["trade_creation"]) - 420e6 * -1.19 * 0.12).abs() < 1e-3);
}

#[test]
fn an_earlier_import_is_replaced_only_with_force() {
    let dir = scratch("force");
    let out = dir.join("x");
    let args = |force: bool| {
        let mut a = vec![
            "import".to_string(),
            "--comtrade".into(),
            fix("comtrade_eu_2023.csv"),
            "--out".into(),
            out.to_str().unwrap().into(),
        ];
        if force {
            a.push("--force".into());
        }
        a
    };
    ok(&run(&as_str(&args(false))));
    std::fs::write(out.join("mine.txt"), "a user's file").unwrap();
    std::fs::write(out.join("trade.csv"), "edited").unwrap();
    let o = run(&as_str(&args(false)));
    assert!(!o.status.success());
    assert_eq!(
        std::fs::read_to_string(out.join("trade.csv")).unwrap(),
        "edited"
    );
    ok(&run(&as_str(&args(true))));
    assert_eq!(
        std::fs::read_to_string(out.join("mine.txt")).unwrap(),
        "a user's file"
    );
    assert!(
        std::fs::read_to_string(out.join("trade.csv"))
            .unwrap()
            .starts_with("product,")
    );
}

#[test]
fn a_missing_partner_is_refused_with_its_line_and_column() {
    let dir = scratch("missing");
    let out = dir.join("x");
    let f = fix("comtrade_missing_partner.csv");
    let err = assert_refused(
        &["import", "--comtrade", &f, "--out", out.to_str().unwrap()],
        &out,
        "comtrade_missing_partner.csv",
        3,
        "partnerCode",
    );
    assert!(err.contains("partner"), "{err}");
}

#[test]
fn an_unknown_partner_code_is_named() {
    let dir = scratch("unknown");
    let out = dir.join("x");
    let f = fix("comtrade_unknown_partner.csv");
    let err = assert_refused(
        &["import", "--comtrade", &f, "--out", out.to_str().unwrap()],
        &out,
        "comtrade_unknown_partner.csv",
        4,
        "partnerCode",
    );
    assert!(err.contains("'123'"), "{err}");
}

#[test]
fn an_hs6_file_with_hs2_aggregates_is_refused_or_dropped_on_request() {
    let dir = scratch("levels");
    let f = fix("comtrade_legacy_uk_2019_hs6_with_hs2.csv");
    let out = dir.join("refused");
    let err = assert_refused(
        &["import", "--comtrade", &f, "--out", out.to_str().unwrap()],
        &out,
        "comtrade_legacy_uk_2019_hs6_with_hs2.csv",
        4,
        "Commodity Code",
    );
    assert!(err.contains("--hs-level 6"), "{err}");

    let out = dir.join("kept");
    let stdout = ok(&run(&[
        "import",
        "--comtrade",
        &f,
        "--hs-level",
        "6",
        "--out",
        out.to_str().unwrap(),
    ]));
    assert!(stdout.contains("dropped 3 rows at HS2"), "{stdout}");
    let trade = read_csv(&out.join("trade.csv"));
    // Six HS6 partner rows of the legacy file; its two chapter rows and the World rows are gone.
    assert_eq!(trade.len(), 6);
    assert!(trade.iter().all(|r| r["product"].len() == 6));
    let total: f64 = trade.iter().map(|r| num(&r["value"])).sum();
    assert_eq!(total, 98e6 + 420e6 + 260e6 + 121e6 + 64e6 + 38e6);
    assert_eq!(find(&trade, "610910", "Pakistan")["exporter_m49"], "586");
    assert_eq!(find(&trade, "630260", "India")["exporter_m49"], "699");
}

#[test]
fn wits_trade_values_in_thousands_become_dollars() {
    let dir = scratch("wits-trade");
    let out = dir.join("x");
    ok(&run(&[
        "import",
        "--wits-trade",
        &fix("wits_trade_eu_2023.csv"),
        "--wits-tariffs",
        &fix("wits_tariffs_eu_2023.csv"),
        "--focus",
        "Pakistan",
        "--scenario",
        "w",
        "--out",
        out.to_str().unwrap(),
    ]));
    let trade = read_csv(&out.join("trade.csv"));
    assert_eq!(
        num(&find(&trade, "630231", "Pakistan")["value"]),
        640_000_500.0
    );
    assert_eq!(
        num(&find(&trade, "630260", "Turkey")["value"]),
        390_000_000.0
    );
    ok(&run(&["validate", out.join("w.toml").to_str().unwrap()]));
}

#[test]
fn importer_specific_import_demand_replaces_the_us_value_product_by_product() {
    let dir = scratch("kno");
    let out = dir.join("x");
    ok(&run(&[
        "import",
        "--comtrade",
        &fix("comtrade_eu_2023.csv"),
        "--wits-tariffs",
        &fix("wits_tariffs_eu_2023.csv"),
        "--focus",
        "PAK",
        "--scenario",
        "k",
        "--import-demand",
        &fix("import_demand_illustrative.csv"),
        "--out",
        out.to_str().unwrap(),
    ]));
    let el = read_csv(&out.join("elasticities.csv"));
    let row = |p: &str| el.iter().find(|r| r["hs_prefix"] == p);
    assert_eq!(num(&row("610910").unwrap()["import_demand"]), -1.8);
    assert_eq!(num(&row("620342").unwrap()["import_demand"]), -0.9);
    // Substitution stays the US chapter value.
    assert_eq!(
        row("610910").unwrap()["substitution"],
        row("61").unwrap()["substitution"]
    );
    assert!(row("630260").is_none());
    ok(&run(&["validate", out.join("k.toml").to_str().unwrap()]));
}

/// The Comtrade API layout's header, and one row of it for a product and partner.
const API_HEAD: &str = "typeCode,freqCode,refPeriodId,refYear,refMonth,period,reporterCode,reporterISO,reporterDesc,flowCode,flowDesc,partnerCode,partnerISO,partnerDesc,partner2Code,partner2ISO,partner2Desc,classificationCode,classificationSearchCode,isOriginalClassification,cmdCode,cmdDesc,aggrLevel,isLeaf,customsCode,customsDesc,mosCode,motCode,motDesc,qtyUnitCode,qtyUnitAbbr,qty,isQtyEstimated,altQtyUnitCode,altQtyUnitAbbr,altQty,isAltQtyEstimated,netWgt,isNetWgtEstimated,grossWgt,isGrossWgtEstimated,cifvalue,fobvalue,primaryValue,legacyEstimationFlag,isReported,isAggregate";

fn api_row(year: u32, flow: &str, partner: (u32, &str, &str), code: &str, value: u64) -> String {
    format!(
        "C,A,{year}0101,{year},52,{year},586,PAK,Pakistan,{flow},Import,{},{},\"{}\",0,W00,World,H6,HS,True,{code},\"Product {code}, of cotton; \"\"quoted\"\"\",6,True,C00,TOTAL CPC,0,0,TOTAL MOT,8,kg,0,False,-1,N/A,0,False,0,False,0,False,{value},0,{value},0,True,False",
        partner.0, partner.1, partner.2
    )
}

#[test]
fn thousands_of_rows_are_read_and_summed_exactly() {
    let dir = scratch("many");
    let partners = [
        (156, "CHN", "China"),
        (842, "USA", "USA"),
        (784, "ARE", "United Arab Emirates"),
        (699, "IND", "India"),
        (0, "W00", "World"),
    ];
    let mut text = format!("{API_HEAD}\n");
    let mut expected = 0u64;
    let mut rows = 0;
    for i in 0..700u32 {
        let code = format!("{:06}", 10_000 + i * 97);
        for (k, p) in partners.iter().enumerate() {
            let v = 1_000 + u64::from(i) * 13 + k as u64;
            if p.0 != 0 {
                expected += v;
                rows += 1;
            }
            text.push_str(&api_row(2024, "M", *p, &code, v));
            text.push_str("\r\n");
        }
    }
    let f = dir.join("big.csv");
    std::fs::write(&f, text).unwrap();
    let out = dir.join("x");
    ok(&run(&[
        "import",
        "--comtrade",
        f.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]));
    let trade = read_csv(&out.join("trade.csv"));
    assert_eq!(trade.len(), rows);
    let total: u64 = trade
        .iter()
        .map(|r| r["value"].parse::<u64>().unwrap())
        .sum();
    assert_eq!(total, expected);
    assert!(trade[0]["description"].contains("\"quoted\""));
    assert_eq!(
        find(&trade, "010000", "United States")["exporter_m49"],
        "842"
    );
}

#[test]
fn mixed_years_flows_and_importers_are_refused_at_their_line() {
    let dir = scratch("mixed");
    let cases = [
        (
            api_row(2023, "M", (156, "CHN", "China"), "630260", 5),
            "refYear",
            "year",
        ),
        (
            api_row(2024, "X", (156, "CHN", "China"), "630260", 5),
            "flowCode",
            "Import",
        ),
        (
            api_row(2024, "M", (156, "CHN", "China"), "630260", 5).replacen(
                ",586,PAK,Pakistan,",
                ",50,BGD,Bangladesh,",
                1,
            ),
            "reporterCode",
            "importer",
        ),
    ];
    for (i, (bad, column, word)) in cases.iter().enumerate() {
        let text = format!(
            "{API_HEAD}\n{}\n{bad}\n",
            api_row(2024, "M", (156, "CHN", "China"), "610910", 7)
        );
        let f = dir.join(format!("bad{i}.csv"));
        std::fs::write(&f, text).unwrap();
        let out = dir.join(format!("out{i}"));
        let err = assert_refused(
            &[
                "import",
                "--comtrade",
                f.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            &out,
            &format!("bad{i}.csv"),
            3,
            column,
        );
        assert!(err.contains(word), "{err}");
    }
}

#[test]
fn a_tariff_file_of_another_market_or_without_a_rate_is_refused() {
    let dir = scratch("tariff-bad");
    // Tariffs of Pakistan's market for a file of EU imports.
    let t = dir.join("t.csv");
    std::fs::write(
        &t,
        "Reporter,Partner,Product,Tariff Year,DutyType,Simple Average\nPAK,WLD,610910,2023,MFN,20\n",
    )
    .unwrap();
    let out = dir.join("x");
    let o = run(&[
        "import",
        "--comtrade",
        &fix("comtrade_eu_2023.csv"),
        "--wits-tariffs",
        t.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("Pakistan") && err.contains("t.csv:2:") && err.contains("`Reporter`"),
        "{err}"
    );
    assert_nothing_written(&out);
    // The EU's tariffs but only for one product: the others have no rate.
    std::fs::write(
        &t,
        "Reporter,Partner,Product,Tariff Year,DutyType,Simple Average\nEUN,WLD,610910,2023,MFN,12\n",
    )
    .unwrap();
    let o = run(&[
        "import",
        "--comtrade",
        &fix("comtrade_eu_2023.csv"),
        "--wits-tariffs",
        t.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    // The first trade row without a rate: 620342 from Pakistan, line 10 of the trade file.
    assert!(
        err.contains("comtrade_eu_2023.csv:10:") && err.contains("620342"),
        "{err}"
    );
    assert_nothing_written(&out);
    // Allowed on request, and marked.
    ok(&run(&[
        "import",
        "--comtrade",
        &fix("comtrade_eu_2023.csv"),
        "--wits-tariffs",
        t.to_str().unwrap(),
        "--allow-missing-tariffs",
        "--out",
        out.to_str().unwrap(),
    ]));
    let applied = read_csv(&out.join("applied_tariffs.csv"));
    let r = find(&applied, "620342", "Pakistan");
    assert_eq!(
        (num(&r["rate_pct"]), r["status"].as_str()),
        (0.0, "ASSUMPTION")
    );
}

#[test]
fn mirror_data_take_the_partner_as_the_importer() {
    let dir = scratch("mirror");
    let eu = (97, "EUR", "European Union");
    let text = format!(
        "{API_HEAD}\n{}\n{}\n",
        api_row(2024, "X", eu, "630260", 560),
        api_row(2024, "X", eu, "630260", 280).replacen(",586,PAK,Pakistan,", ",156,CHN,China,", 1),
    );
    let f = dir.join("mirror.csv");
    std::fs::write(&f, text).unwrap();
    let out = dir.join("x");
    // Without --mirror, exports are refused.
    let o = run(&[
        "import",
        "--comtrade",
        f.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    assert_nothing_written(&out);
    let stdout = ok(&run(&[
        "import",
        "--comtrade",
        f.to_str().unwrap(),
        "--mirror",
        "--out",
        out.to_str().unwrap(),
    ]));
    assert!(stdout.contains("imports of European Union"), "{stdout}");
    let trade = read_csv(&out.join("trade.csv"));
    assert_eq!(trade.len(), 2);
    assert!(trade.iter().all(|r| r["status"] == "MIRROR"));
    assert_eq!(num(&find(&trade, "630260", "China")["value"]), 280.0);
}
