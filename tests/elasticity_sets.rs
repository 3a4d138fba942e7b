//! Named elasticity sets: values per HS6 code, fallbacks, the per-set headline and draws.

use std::path::PathBuf;
use tariffsim::analysis::headlines::{Headline, Headlines};
use tariffsim::analysis::{self, elasticity_sets, monte_carlo};
use tariffsim::model::SupplyElasticity;
use tariffsim::scenario::elasticity_sets::{ElasticitySet, Origin};
use tariffsim::scenario::{self, Scenario};

/// A fresh scratch folder with an HS6 fixture:
/// - 630260 terry towels: the worked example of docs/model.md §3 (Pakistan's 15% cut to 0);
///   Hauk ε −1.04366 (published, significant), Hauk σ 0.73388 (≤ 1: falls back), BW σ 4.40316;
/// - 020130 beef: Hauk ε +0.345881, correct_sign 0 (wrong sign: falls back);
/// - 010119 horses: Hauk ε −1.24738, Hauk σ −1.62153 (negative: falls back);
/// - 980200 (US chapter 98): in no source and no elasticity-file row (the defaults).
fn fixture(name: &str, elasticities_extra: &str, extra: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tariffsim-sets-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let trade = "product,exporter,value\n\
        630260,Pakistan,100\n630260,China,300\n630260,Vietnam,100\n\
        020130,Pakistan,50\n020130,China,50\n\
        010119,Pakistan,20\n010119,China,80\n\
        980200,Pakistan,10\n980200,China,30\n";
    let applied = "product,exporter,rate_pct\n\
        630260,Pakistan,15\n630260,China,15\n630260,Vietnam,15\n\
        020130,Pakistan,0\n020130,China,0\n010119,Pakistan,0\n010119,China,0\n\
        980200,Pakistan,0\n980200,China,0\n";
    let file = "hs_prefix,import_demand,substitution,export_supply\n\
        63,1.5,4,99\n02,-0.8,6,99\n01,-0.9,2.5,99\n";
    std::fs::write(dir.join("trade.csv"), trade).unwrap();
    std::fs::write(dir.join("applied.csv"), applied).unwrap();
    std::fs::write(dir.join("elasticities.csv"), file).unwrap();
    let toml = format!(
        r#"[scenario]
name = "Sets fixture"
importer = "United States"
focus_exporter = "Pakistan"
base_year = 2024
currency_unit = "USD"

[data]
trade = "trade.csv"
applied_tariffs = "applied.csv"
elasticities = "elasticities.csv"

[elasticities]
{elasticities_extra}
import_demand = -2.0
substitution = 3.0
export_supply = 99

[[policy]]
exporter = "Pakistan"
hs_codes = ["630260"]
set_pct = 0
layer = "total"

[[policy]]
exporter = "China"
hs_codes = ["020130", "010119", "980200"]
set_pct = 10
{extra}
"#
    );
    let path = dir.join("scenario.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

fn load(name: &str, elasticities_extra: &str, extra: &str) -> Scenario {
    scenario::load(&fixture(name, elasticities_extra, extra))
        .unwrap_or_else(|e| panic!("{name} loads: {e}"))
}

fn product(s: &Scenario, code: &str) -> usize {
    s.products.iter().position(|p| p.code == code).unwrap()
}

#[test]
fn a_known_code_gets_the_published_hauk_value_and_a_wrong_signed_code_its_fallback() {
    let s = load("hauk", "set = \"hauk_2012_hs6\"", "");
    assert_eq!(s.elasticity_set, ElasticitySet::Hauk2012Hs6);
    let e = |code: &str| s.markets[product(&s, code)].elasticities;
    // Published H1 values, as in the file.
    assert_eq!(e("630260").import_demand, -1.04366);
    assert_eq!(e("010119").import_demand, -1.24738);
    // Wrong-signed ε (correct_sign 0, +0.345881): the chapter row 02, −0.8.
    assert_eq!(e("020130").import_demand, -0.8);
    // σ ≤ 1 (0.73388) and negative (−1.62153): the chapter rows 63 and 01.
    assert_eq!(e("630260").substitution, 4.0);
    assert_eq!(e("010119").substitution, 2.5);
    // No source, no file row: the [elasticities] defaults.
    assert_eq!(e("980200").import_demand, -2.0);
    assert_eq!(e("980200").substitution, 3.0);
    let table = s.elasticity_sets.as_ref().unwrap();
    let origins = &table.origins[ElasticitySet::Hauk2012Hs6.index()];
    assert_eq!(
        origins[product(&s, "020130")],
        [Origin::FallbackRejected, Origin::FallbackRejected]
    );
    assert_eq!(
        origins[product(&s, "980200")],
        [Origin::FallbackMissing, Origin::FallbackMissing]
    );
    // Counts: ε from H1 for 630260 and 010119 (600 of 740 of trade); 020130 rejected (100);
    // 980200 missing (40), landing on the defaults.
    let c = table.counts[ElasticitySet::Hauk2012Hs6.index()].import_demand;
    assert_eq!((c.hs6, c.rejected, c.missing, c.to_defaults), (2, 1, 1, 1));
    assert!((c.hs6_trade - 600.0).abs() < 1e-9 && (table.total_trade - 740.0).abs() < 1e-9);
    assert!((c.rejected_trade - 100.0).abs() < 1e-9 && (c.missing_trade - 40.0).abs() < 1e-9);
    // Broda–Weinstein σ per HS6 (BW1) with Hauk ε.
    let bw = table.of(ElasticitySet::BrodaWeinstein2006Hs6);
    assert_eq!(bw[product(&s, "630260")].substitution, 4.40316);
    assert_eq!(bw[product(&s, "010119")].substitution, 1.79586);
    assert_eq!(bw[product(&s, "630260")].import_demand, -1.04366);
    // The report states the set and its fallbacks.
    let notes = s.provenance.elasticity_notes.join("\n");
    assert!(
        notes.contains("hauk_2012_hs6") && notes.contains("fall back"),
        "{notes}"
    );
}

#[test]
fn naming_the_default_set_changes_nothing() {
    let plain = load("plain", "", "");
    let named = load("named", "set = \"chapter_medians\"", "");
    assert_eq!(plain.elasticity_set, ElasticitySet::ChapterMedians);
    assert_eq!(plain.markets, named.markets);
    let (a, b) = (
        analysis::simulate(&plain).unwrap(),
        analysis::simulate(&named).unwrap(),
    );
    assert_eq!(a.total, b.total);
    assert_eq!(a.by_exporter, b.by_exporter);
    // The file's values, as before sets existed.
    assert_eq!(
        plain.markets[product(&plain, "630260")]
            .elasticities
            .substitution,
        4.0
    );
    assert_eq!(
        plain.markets[product(&plain, "020130")]
            .elasticities
            .import_demand,
        -0.8
    );
}

#[test]
fn the_used_set_row_equals_the_scenario_headline() {
    for (name, set) in [
        ("used-default", ""),
        ("used-hauk", "set = \"hauk_2012_hs6\""),
        ("used-wits", "set = \"wits_default\""),
    ] {
        let s = load(name, set, "");
        let point = Headlines::of_outcome(&s, &analysis::simulate(&s).unwrap());
        let rows = elasticity_sets::run(&s).unwrap();
        assert_eq!(rows.len(), ElasticitySet::ALL.len());
        let used: Vec<_> = rows.iter().filter(|r| r.used).collect();
        assert_eq!(used.len(), 1);
        assert_eq!(used[0].set, s.elasticity_set);
        let h = used[0].headline.clone().unwrap();
        for (x, y) in [
            Headline::FocusExportsChange,
            Headline::FocusExportsChangePct,
            Headline::ImportsChange,
            Headline::NetWelfareChange,
        ]
        .map(|q| (h.get(q), point.get(q)))
        {
            assert!((x - y).abs() < 1e-9, "{name}: {x} vs {y}");
        }
        // The sets really differ (the table is not the scenario's values four times).
        let other = rows.iter().find(|r| r.set != s.elasticity_set).unwrap();
        assert!(
            (other
                .headline
                .clone()
                .unwrap()
                .get(Headline::FocusExportsChange)
                - point.get(Headline::FocusExportsChange))
            .abs()
                > 1e-6,
            "{name}"
        );
    }
}

#[test]
fn wits_set_reproduces_the_hand_computed_ces_diversion_at_sigma_one_and_a_half() {
    // docs/model.md §3: ε = −1.5, σ = 1.5, infinite supply, CES-share diversion:
    // TC_PAK = 19.565217, TD = (17.827404, −13.370553, −4.456851). The file says σ = 4 for
    // chapter 63; the WITS set replaces it with 1.5 and keeps the file's ε of −1.5.
    let s = load("wits", "set = \"wits_default\"", "");
    let k = product(&s, "630260");
    let m = &s.markets[k];
    assert_eq!(m.elasticities.substitution, 1.5);
    assert_eq!(m.elasticities.import_demand, -1.5);
    assert_eq!(m.elasticities.export_supply, SupplyElasticity::Infinite);
    let o = analysis::simulate(&s).unwrap();
    let mut scratch = Vec::new();
    let flows = o.market_flows(&s, k, &mut scratch).unwrap().unwrap();
    assert_eq!(flows.len(), 3);
    let hand = [(19.565217, 17.827404), (0.0, -13.370553), (0.0, -4.456851)];
    for (f, (tc, td)) in flows.iter().zip(hand) {
        assert!((f.trade_creation - tc).abs() < 1e-6, "{f:?}");
        assert!((f.trade_diversion - td).abs() < 1e-6, "{f:?}");
    }
    // Invariant: with σ = 1.5 everywhere in the file, chapter_medians and wits_default agree.
    let path = fixture("wits-same", "", "");
    std::fs::write(
        path.parent().unwrap().join("elasticities.csv"),
        "hs_prefix,import_demand,substitution,export_supply\n63,1.5,1.5,99\n02,-0.8,1.5,99\n01,-0.9,1.5,99\n",
    )
    .unwrap();
    std::fs::write(
        &path,
        std::fs::read_to_string(&path)
            .unwrap()
            .replace("substitution = 3.0", "substitution = 1.5"),
    )
    .unwrap();
    let s = scenario::load(&path).unwrap();
    let rows = elasticity_sets::run(&s).unwrap();
    let get = |set: ElasticitySet| {
        rows.iter()
            .find(|r| r.set == set)
            .unwrap()
            .headline
            .clone()
            .unwrap()
    };
    let (a, b) = (
        get(ElasticitySet::ChapterMedians),
        get(ElasticitySet::WitsDefault),
    );
    assert!(
        (a.get(Headline::FocusExportsChange) - b.get(Headline::FocusExportsChange)).abs() < 1e-9
    );
    assert!((a.get(Headline::NetWelfareChange) - b.get(Headline::NetWelfareChange)).abs() < 1e-9);
}

#[test]
fn draws_over_sets_are_reproducible_and_follow_the_weights() {
    let extra = "\n[uncertainty]\ndraws = 60\nseed = 11\nsets = [\"chapter_medians\", \"hauk_2012_hs6\", \"wits_default\"]\n";
    let s = load("draws", "", extra);
    let spec = s.uncertainty.unwrap();
    let picks: Vec<ElasticitySet> = (0..60).map(|i| spec.draw_with_set(i).1.unwrap()).collect();
    let again: Vec<ElasticitySet> = (0..60).map(|i| spec.draw_with_set(i).1.unwrap()).collect();
    assert_eq!(picks, again);
    for set in [
        ElasticitySet::ChapterMedians,
        ElasticitySet::Hauk2012Hs6,
        ElasticitySet::WitsDefault,
    ] {
        let n = picks.iter().filter(|p| **p == set).count();
        assert!((8..=32).contains(&n), "{set:?} drawn {n} times of 60");
    }
    assert!(!picks.contains(&ElasticitySet::BrodaWeinstein2006Hs6));
    // Independent of threads, and the spread covers the sets' headlines.
    let point = analysis::simulate(&s).unwrap();
    let run_with = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| monte_carlo::run(&s, &spec, &point, &|| {}).unwrap())
    };
    let (one, three) = (run_with(1), run_with(3));
    assert_eq!(one, three);
    let row = one.row("headline", "focus_exports_change").unwrap();
    let sets = elasticity_sets::run(&s).unwrap();
    let values: Vec<f64> = sets
        .iter()
        .filter(|r| r.set != ElasticitySet::BrodaWeinstein2006Hs6)
        .map(|r| {
            r.headline
                .clone()
                .unwrap()
                .get(Headline::FocusExportsChange)
        })
        .collect();
    let (lo, hi) = values
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(*v), b.max(*v)));
    assert!((row.percentiles.p5 - lo).abs() < 1e-9, "{row:?} {values:?}");
    assert!(
        (row.percentiles.p95 - hi).abs() < 1e-9,
        "{row:?} {values:?}"
    );
    // One set with all the weight: every draw takes it.
    let weighted = load(
        "weighted",
        "",
        "\n[uncertainty]\ndraws = 10\nsets = [\"chapter_medians\", \"wits_default\"]\nset_weights = [1e-9, 1]\n",
    );
    let w = weighted.uncertainty.unwrap();
    assert!(
        (0..20).all(|i| w.draw_with_set(i).1 == Some(ElasticitySet::WitsDefault)),
        "{w:?}"
    );
}

#[test]
fn an_unknown_set_names_file_line_field_and_the_valid_names() {
    for (name, elasticities_extra, extra, line, field) in [
        ("bad-set", "set = \"hauk\"", "", 14, "elasticities.set"),
        (
            "bad-draw-set",
            "",
            "\n[uncertainty]\nsets = [\"chapter_medians\",\n  \"wits\"]\n",
            32,
            "uncertainty.sets",
        ),
    ] {
        let path = fixture(name, elasticities_extra, extra);
        let e = scenario::load(&path).expect_err("refused").to_string();
        assert!(
            e.contains(&format!("scenario.toml:{line}:")) && e.contains(field),
            "{name}: {e}"
        );
        for set in ElasticitySet::ALL {
            assert!(e.contains(set.name()), "{name}: {e}");
        }
    }
}

#[test]
fn an_hs6_set_on_hs4_products_is_refused_at_its_field() {
    let path = fixture("hs4", "set = \"broda_weinstein_2006_hs6\"", "");
    let dir = path.parent().unwrap();
    for file in ["trade.csv", "applied.csv", "scenario.toml"] {
        let text = std::fs::read_to_string(dir.join(file))
            .unwrap()
            .replace("980200", "9801");
        std::fs::write(dir.join(file), text).unwrap();
    }
    let e = scenario::load(&path).expect_err("refused").to_string();
    assert!(
        e.contains("scenario.toml:14:") && e.contains("elasticities.set") && e.contains("9801"),
        "{e}"
    );
    // Without a set the same scenario loads, with no per-set table.
    std::fs::write(
        &path,
        std::fs::read_to_string(&path)
            .unwrap()
            .replace("set = \"broda_weinstein_2006_hs6\"", ""),
    )
    .unwrap();
    let s = scenario::load(&path).unwrap();
    assert!(s.elasticity_sets.is_none() && elasticity_sets::run(&s).is_none());
}

#[test]
fn the_documented_example_loads_with_its_set_and_draws() {
    let root = env!("CARGO_MANIFEST_DIR");
    let doc = std::fs::read_to_string(format!("{root}/docs/scenario-format.md")).unwrap();
    let section = &doc[doc.find("## Named elasticity sets").unwrap()..];
    let start = section.find("```toml\n").unwrap() + "```toml\n".len();
    let toml = &section[start..start + section[start..].find("```").unwrap()];
    let dir = std::env::temp_dir().join(format!("tariffsim-sets-{}-doc", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("scenario.toml");
    std::fs::write(
        &path,
        toml.replace("\"data/", &format!("\"{root}/scenarios/data/")),
    )
    .unwrap();
    let s = scenario::load(&path).unwrap_or_else(|e| panic!("the example loads: {e}"));
    assert_eq!(s.elasticity_set, ElasticitySet::BrodaWeinstein2006Hs6);
    let w = s.uncertainty.unwrap().sets.unwrap();
    assert_eq!(w.probabilities, [0.5, 0.25, 0.0, 0.25]);
    // 610910 cotton T-shirts: Broda–Weinstein's median σ for the code (BW1).
    let p = product(&s, "610910");
    assert_eq!(s.markets[p].elasticities.substitution, 4.59141);
    assert_eq!(s.markets[p].elasticities.import_demand, -1.43062);
}

#[test]
fn a_gsim_scenario_refuses_an_hs6_set() {
    let root = env!("CARGO_MANIFEST_DIR");
    let text = std::fs::read_to_string(format!("{root}/scenarios/gsim-4x4-us-eu-fta.toml"))
        .unwrap()
        .replace("\"data/", &format!("\"{root}/scenarios/data/"))
        .replace("[elasticities]", "[elasticities]\nset = \"hauk_2012_hs6\"");
    let dir = std::env::temp_dir().join(format!("tariffsim-sets-{}-gsim", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("gsim.toml");
    std::fs::write(&path, text).unwrap();
    let e = scenario::load(&path).expect_err("refused").to_string();
    assert!(
        e.contains("gsim.toml:") && e.contains("elasticities.set") && e.contains("GSIM"),
        "{e}"
    );
}
