//! Scenarios that name dates (`[tariffs]`) on the HS6 × partner base of the US measures
//! schedule (`[data] us_schedule`): their rates against the `rates` figures, the base
//! totals, a run through the binary, and the errors a student meets.

use std::path::{Path, PathBuf};
use std::process::Command;
use tariffsim::scenario::dated::is_special_provision;
use tariffsim::scenario::{self, Scenario};
use tariffsim::schedule::{Date, Rates, Schedule, rates_on};

const BIN: &str = env!("CARGO_BIN_EXE_tariffsim");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A fresh scratch folder.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tariffsim-dated-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A scenario on the shipped schedule, with `extra` appended; returns its path.
fn write_scenario(name: &str, focus: &str, extra: &str) -> PathBuf {
    let dir = scratch(name);
    let text = format!(
        r#"[scenario]
name = "test {name}"
importer = "United States"
focus_exporter = "{focus}"
base_year = 2024
currency_unit = "USD"

[data]
us_schedule = "{root}/scenarios/data/us_schedule"
elasticities = "{root}/scenarios/data/elasticities_hs2.csv"

[elasticities]
import_demand = -1.5
substitution = 1.5
export_supply = "infinite"
{extra}"#,
        root = ROOT
    );
    let path = dir.join("scenario.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn shipped(stem: &str) -> Scenario {
    scenario::load(
        &Path::new(ROOT)
            .join("scenarios")
            .join(format!("{stem}.toml")),
    )
    .unwrap_or_else(|e| panic!("{stem} loads: {e}"))
}

fn schedule() -> Schedule {
    Schedule::load(&Path::new(ROOT).join(tariffsim::schedule::DATA_DIR)).unwrap()
}

/// Per exporter: 2024 value and the trade-weighted additional duty, percent, of the
/// before and after states (total rate minus the 2024 applied rate).
fn weighted_additional(s: &Scenario) -> Vec<(f64, f64, f64)> {
    let mut sums = vec![(0.0, 0.0, 0.0); s.exporters.len()];
    let flows = s.markets.iter().flat_map(|m| &m.flows);
    for (f, applied) in flows.zip(&s.schedule.applied) {
        let e = &mut sums[f.exporter];
        e.0 += f.base_value;
        e.1 += f.base_value * (f.tariff_before - applied);
        e.2 += f.base_value * (f.tariff_after - applied);
    }
    sums.into_iter()
        .map(|(v, b, a)| (v, 100.0 * b / v, 100.0 * a / v))
        .collect()
}

/// A partner's trade-weighted additional duty, percent, in a scenario state built from
/// `rates`: chapters 98–99 (special provisions) keep their 2024 rate, so they weigh with 0.
fn expected_additional(sch: &Schedule, rates: &Rates, partner: usize) -> f64 {
    let (mut value, mut weighted) = (0.0, 0.0);
    for (c, cell) in sch.cells.iter().enumerate() {
        if cell.partner as usize != partner {
            continue;
        }
        value += cell.value;
        if !is_special_provision(&sch.products[cell.product as usize]) {
            weighted += cell.value * rates.cells[c];
        }
    }
    weighted / value
}

#[test]
fn dated_rates_are_the_rates_command_figures() {
    let sch = schedule();
    for (stem, before, after) in [
        ("us-pakistan-deal-collected", "2025-08-06", "2025-08-07"),
        ("us-2026-court-ruling", "2026-02-19", "2026-02-24"),
        ("us-reciprocal-2025", "2025-04-05", "2025-08-07"),
        ("us-2026-section-301", "2026-07-23", "2026-07-24"),
    ] {
        let s = shipped(stem);
        let got = weighted_additional(&s);
        let rb = rates_on(&sch, Date::parse(before).unwrap()).unwrap();
        let ra = rates_on(&sch, Date::parse(after).unwrap()).unwrap();
        assert_eq!(s.exporters.len(), sch.partners.len());
        for (p, partner) in sch.partners.iter().enumerate() {
            let e = s.find_exporter(&partner.name).unwrap();
            let (v, b, a) = got[e];
            assert_eq!(
                v, rb.partners[p].imports,
                "{stem} {}: weights",
                partner.name
            );
            for (what, ours, theirs) in [
                (before, b, expected_additional(&sch, &rb, p)),
                (after, a, expected_additional(&sch, &ra, p)),
            ] {
                assert!(
                    (ours - theirs).abs() < 1e-9,
                    "{stem} {} on {what}: scenario {ours} vs rates {theirs}",
                    partner.name
                );
            }
        }
    }
}

#[test]
fn the_rates_command_writes_the_same_pakistan_figure() {
    let out = scratch("rates-cmd").join("out");
    let o = Command::new(BIN)
        .args([
            "rates",
            "--date",
            "2025-08-07",
            "--exporter",
            "Pakistan",
            "--out",
        ])
        .arg(&out)
        .current_dir(ROOT)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Per HS6 line from schedule_hs6.csv; the scenario holds chapters 98–99 at their 2024
    // rate, the `rates` command shows the schedule's duty on them.
    let mut r = csv::Reader::from_path(out.join("schedule_hs6.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (hs6, value, pct) = (col("hs6"), col("imports_2024_usd"), col("additional_pct"));
    let (mut total, mut weighted, mut special) = (0.0, 0.0, 0.0);
    for row in r.records().map(|x| x.unwrap()) {
        let v: f64 = row[value].parse().unwrap();
        total += v;
        if is_special_provision(&row[hs6]) {
            special += v;
        } else {
            weighted += v * row[pct].parse::<f64>().unwrap();
        }
    }
    assert_eq!(total, 5_107_479_031.0);
    assert!(special > 0.0, "Pakistan ships chapter 98–99 lines");
    let s = shipped("us-pakistan-deal-collected");
    let ours = weighted_additional(&s)[s.focus].2;
    // The CSV holds 12 significant digits.
    assert!(
        (ours - weighted / total).abs() < 1e-9,
        "{ours} vs {}",
        weighted / total
    );
}

#[test]
fn special_provisions_keep_their_2024_rate_in_both_states() {
    let s = shipped("us-pakistan-deal-collected");
    let mut held = 0.0;
    let mut cell = 0;
    for m in &s.markets {
        let special = is_special_provision(&s.products[m.product].code);
        for f in &m.flows {
            let applied = s.schedule.applied[cell];
            if special {
                assert_eq!((f.tariff_before, f.tariff_after), (applied, applied));
                if f.exporter == s.focus {
                    held += f.base_value;
                }
            }
            cell += 1;
        }
    }
    // Pakistan's 2024 chapter 98–99 lines: 9801, 9802, 9810, 9817 and the low-value estimate
    // line 9999.95 (US$54.4 million of US$5,107.5 million).
    assert!((held - 54_449_281.0).abs() < 0.5, "{held}");
}

#[test]
fn pakistan_base_is_the_census_total_and_any_partner_can_be_the_focus() {
    let s = shipped("us-pakistan-deal-collected");
    assert_eq!(s.focus_name(), "Pakistan");
    let pakistan: f64 = s
        .markets
        .iter()
        .flat_map(|m| &m.flows)
        .filter(|f| f.exporter == s.focus)
        .map(|f| f.base_value)
        .sum();
    assert_eq!(pakistan, 5_107_479_031.0);
    // Every product has a name (HS file or the project's labels for chapter 98 codes).
    assert!(s.products.iter().all(|p| !p.description.is_empty()));
    assert_eq!(s.products.len(), 5486);

    let sch = schedule();
    let india = sch.find_partner("India").unwrap();
    let path = write_scenario("india", "India", "");
    let s = scenario::load(&path).unwrap();
    let base: f64 = s
        .markets
        .iter()
        .flat_map(|m| &m.flows)
        .filter(|f| f.exporter == s.focus)
        .map(|f| f.base_value)
        .sum();
    assert_eq!(s.focus_name(), "India");
    assert_eq!(
        base,
        sch.cells
            .iter()
            .filter(|c| c.partner as usize == india)
            .map(|c| c.value)
            .sum::<f64>()
    );
    // Without dates the additional duty is zero: before = after = the 2024 applied rate.
    assert_eq!(s.schedule.before, s.schedule.applied);
    assert_eq!(s.schedule.after, s.schedule.applied);
}

#[test]
fn policy_rules_act_on_the_after_date() {
    let path = write_scenario(
        "rule",
        "Pakistan",
        r#"
[tariffs]
before = { date = "2025-08-06" }
after = { date = "2025-08-07" }

[[policy]]
exporter = "Pakistan"
set_pct = 15
note = "hypothetical: Pakistan at 15% instead"
"#,
    );
    let s = scenario::load(&path).unwrap();
    let sch = schedule();
    let rb = rates_on(&sch, Date::parse("2025-08-06").unwrap()).unwrap();
    let p = sch.find_partner("Pakistan").unwrap();
    let (_, before, after) = weighted_additional(&s)[s.focus];
    assert!((before - expected_additional(&sch, &rb, p)).abs() < 1e-9);
    assert!((after - 15.0).abs() < 1e-9, "{after}");
    // Other partners keep the after date's schedule.
    let ra = rates_on(&sch, Date::parse("2025-08-07").unwrap()).unwrap();
    let india = s.find_exporter("India").unwrap();
    let ip = sch.find_partner("India").unwrap();
    assert!((weighted_additional(&s)[india].2 - expected_additional(&sch, &ra, ip)).abs() < 1e-9);
}

#[test]
fn a_dated_scenario_runs_through_the_binary() {
    let path = write_scenario(
        "run",
        "Pakistan",
        r#"
[tariffs]
before = { date = "2025-08-06" }
after = { date = "2025-08-07" }
"#,
    );
    let out = path.parent().unwrap().join("out");
    let o = Command::new(BIN)
        .arg("run")
        .arg(&path)
        .arg("--out")
        .arg(&out)
        .arg("-q")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("Additional duties in force on 2025-08-06 from the US measures schedule")
    );
    assert!(
        report.contains("Additional duties in force on 2025-08-07 from the US measures schedule")
    );
    let mut r = csv::Reader::from_path(out.join("by_exporter.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (exporter, base, change) = (col("exporter"), col("base_value"), col("change_pct"));
    let pak = r
        .records()
        .map(|x| x.unwrap())
        .find(|x| &x[exporter] == "Pakistan")
        .unwrap();
    assert_eq!(&pak[base], "5107479031");
    // Pakistan's duty rises by about 9 points, more than most competitors': its sales fall.
    let pct: f64 = pak[change].parse().unwrap();
    assert!(pct.is_finite() && (-20.0..-2.0).contains(&pct), "{pct}");
}

/// The error of loading a scenario with `extra` appended, as displayed.
fn load_error(name: &str, extra: &str) -> (PathBuf, String) {
    let path = write_scenario(name, "Pakistan", extra);
    let e = scenario::load(&path).expect_err("refused").to_string();
    (path, e)
}

#[test]
fn a_bad_date_names_file_line_and_field() {
    let (path, e) = load_error(
        "bad-date",
        "\n[tariffs]\nbefore = { date = \"2025-08-06\" }\nafter = { date = \"2025-02-30\" }\n",
    );
    // The scenario text has 15 lines; the appended text starts with a blank line 16.
    assert!(
        e.starts_with(&format!(
            "{}:19: field `tariffs.after.date`",
            path.display()
        )),
        "{e}"
    );
    assert!(
        e.contains("'2025-02-30' is not a day of the calendar"),
        "{e}"
    );

    let (_, e) = load_error(
        "bad-format",
        "\n[tariffs]\nbefore = { date = \"6 August 2025\" }\nafter = { date = \"2025-08-07\" }\n",
    );
    assert!(e.contains(":18: field `tariffs.before.date`"), "{e}");
    assert!(e.contains("YYYY-MM-DD"), "{e}");
}

#[test]
fn a_date_outside_2025_2026_is_refused() {
    let (path, e) = load_error(
        "2027",
        "\n[tariffs]\nbefore = { date = \"2026-12-31\" }\nafter = { date = \"2027-01-01\" }\n",
    );
    assert!(
        e.starts_with(&format!(
            "{}:19: field `tariffs.after.date`",
            path.display()
        )),
        "{e}"
    );
    assert!(
        e.contains("outside the years the measures table covers (2025–2026)"),
        "{e}"
    );
}

#[test]
fn dates_need_the_schedule_base_and_replace_before_rules() {
    let dir = scratch("no-base");
    let path = dir.join("s.toml");
    let text = std::fs::read_to_string(
        Path::new(ROOT).join("tests/fixtures/hs4/us-2026-court-ruling.toml"),
    )
    .unwrap()
    .replace(
        "\"../../../scenarios/data/",
        &format!("\"{ROOT}/scenarios/data/"),
    ) + "\n[tariffs]\nbefore = { date = \"2026-02-19\" }\nafter = { date = \"2026-02-24\" }\n";
    std::fs::write(&path, text).unwrap();
    let e = scenario::load(&path).expect_err("refused").to_string();
    assert!(
        e.contains("field `tariffs`") && e.contains("us_schedule"),
        "{e}"
    );

    let (_, e) = load_error(
        "before-rule",
        "\n[tariffs]\nbefore = { date = \"2025-08-06\" }\nafter = { date = \"2025-08-07\" }\n\n[[before]]\nexporter = \"Pakistan\"\nset_pct = 29\n",
    );
    assert!(
        e.contains(":21: field `before`") && e.contains("remove the [[before]] rules"),
        "{e}"
    );
}

#[test]
fn the_documented_example_loads_with_its_rule_on_the_after_date() {
    let doc = std::fs::read_to_string(Path::new(ROOT).join("docs/scenario-format.md")).unwrap();
    let section = &doc[doc.find("### Dated scenarios").unwrap()..];
    let start = section.find("```toml\n").unwrap() + "```toml\n".len();
    let toml = &section[start..start + section[start..].find("```").unwrap()];
    let dir = scratch("doc-example");
    let path = dir.join("scenario.toml");
    let text = toml.replace("\"data/", &format!("\"{ROOT}/scenarios/data/"));
    std::fs::write(&path, text).unwrap();
    let s = scenario::load(&path).unwrap_or_else(|e| panic!("the example loads: {e}"));
    let (_, before, after) = weighted_additional(&s)[s.focus];
    let sch = schedule();
    let rb = rates_on(&sch, Date::parse("2025-08-06").unwrap()).unwrap();
    let p = sch.find_partner("Pakistan").unwrap();
    assert!((before - expected_additional(&sch, &rb, p)).abs() < 1e-9);
    assert!((after - 15.0).abs() < 1e-9, "{after}");
}

#[test]
fn an_exporter_can_take_its_duties_from_another_day() {
    let path = write_scenario(
        "exporter-dates",
        "Pakistan",
        r#"
[tariffs]
before = { date = "2025-08-07", exporter_dates = { Pakistan = "2025-04-05" } }
after = { date = "2025-08-07" }
"#,
    );
    let s = scenario::load(&path).unwrap();
    let sch = schedule();
    let april = rates_on(&sch, Date::parse("2025-04-05").unwrap()).unwrap();
    let august = rates_on(&sch, Date::parse("2025-08-07").unwrap()).unwrap();
    let got = weighted_additional(&s);
    let p = sch.find_partner("Pakistan").unwrap();
    let (_, before, after) = got[s.focus];
    assert!((before - expected_additional(&sch, &april, p)).abs() < 1e-9);
    assert!((after - expected_additional(&sch, &august, p)).abs() < 1e-9);
    // The announced Annex I rate (29%) is above the agreed one (19%).
    assert!(before > after + 5.0, "{before} → {after}");
    // Everyone else is on the same day in both states: no change.
    for (e, name) in s
        .exporters
        .iter()
        .enumerate()
        .filter(|(e, _)| *e != s.focus)
    {
        let q = sch.find_partner(name).unwrap();
        assert!((got[e].1 - expected_additional(&sch, &august, q)).abs() < 1e-9);
        assert_eq!(got[e].1, got[e].2, "{name}");
    }
}

#[test]
fn an_unknown_exporter_in_exporter_dates_is_named() {
    let (_, e) = load_error(
        "exporter-dates-unknown",
        r#"
[tariffs]
before = { date = "2025-08-07", exporter_dates = { Pakistn = "2025-04-08" } }
after = { date = "2025-08-07" }
"#,
    );
    assert!(
        e.contains("scenario.toml:18") && e.contains("'Pakistn'"),
        "{e}"
    );
    assert!(
        e.contains("tariffs.before.exporter_dates") && e.contains("Pakistan"),
        "{e}"
    );
    let (_, e) = load_error(
        "exporter-dates-bad-day",
        r#"
[tariffs]
before = { date = "2025-08-07", exporter_dates = { Pakistan = "2025-04-31" } }
after = { date = "2025-08-07" }
"#,
    );
    assert!(
        e.contains("scenario.toml:18") && e.contains("exporter_dates.Pakistan"),
        "{e}"
    );
}

/// Pakistan's trade-weighted additional duty in one projected year of a loaded scenario.
fn focus_year_additional(s: &Scenario, k: usize) -> f64 {
    let d = s.projection.as_ref().unwrap().dated.as_ref().unwrap();
    let flows = s.markets.iter().flat_map(|m| &m.flows);
    let (mut v, mut w) = (0.0, 0.0);
    for ((f, t), a) in flows.zip(&d.tariffs[k]).zip(&s.schedule.applied) {
        if f.exporter == s.focus {
            v += f.base_value;
            w += f.base_value * (t - a);
        }
    }
    100.0 * w / v
}

#[test]
fn the_projection_follows_the_schedule_day_by_day() {
    let s = shipped("us-pakistan-deal-collected");
    let spec = s.projection.as_ref().unwrap();
    assert_eq!((spec.start_year, spec.end_year), (2025, 2030));
    let d = spec.dated.as_ref().expect("a dated path");
    let sch = schedule();
    let p = sch.find_partner("Pakistan").unwrap();
    let on = |day: &str| {
        expected_additional(&sch, &rates_on(&sch, Date::parse(day).unwrap()).unwrap(), p)
    };
    // 2025 by hand: 218 days (1 Jan – 6 Aug) in the before state (6 August), then each
    // stretch between the days the schedule changes, weighted by its days.
    let days = tariffsim::schedule::timeline::change_points(&sch.measures);
    let aug7 = Date::parse("2025-08-07").unwrap();
    let jan1 = Date::parse("2026-01-01").unwrap();
    let mut starts = vec![aug7];
    starts.extend(days.iter().copied().filter(|x| *x > aug7 && *x < jan1));
    let mut expected = 218.0 * on("2025-08-06");
    for (i, start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(jan1);
        let n = (end.days() - start.days()) as f64;
        expected += n * on(&start.to_string());
    }
    expected /= 365.0;
    assert!(
        (focus_year_additional(&s, 0) - expected).abs() < 1e-9,
        "{} vs {expected}",
        focus_year_additional(&s, 0)
    );
    assert!((d.share_after[0] - 147.0 / 365.0).abs() < 1e-12);
    // After the last day the schedule covers, its duties hold: 2027–2030 all equal 31 Dec 2026.
    let end = on("2026-12-31");
    for k in 2..6 {
        assert!((focus_year_additional(&s, k) - end).abs() < 1e-9);
        assert_eq!(d.share_after[k], 1.0);
    }
    assert_eq!(d.last_day, "2026-12-31");
}

#[test]
fn the_schedule_is_constant_between_its_change_days() {
    let sch = schedule();
    let days = tariffsim::schedule::timeline::change_points(&sch.measures);
    assert!(days.len() > 10, "{days:?}");
    assert!(days.windows(2).all(|w| w[0] < w[1]));
    for w in days.windows(2) {
        let last = w[1].previous_day().unwrap();
        if last == w[0] {
            continue;
        }
        let a = rates_on(&sch, w[0]).unwrap();
        let b = rates_on(&sch, last).unwrap();
        assert_eq!(a.cells, b.cells, "{} and {last}", w[0]);
    }
}

#[test]
fn rules_on_top_hold_the_after_state_and_phase_in_is_refused_with_dates() {
    let path = write_scenario(
        "projection-rule",
        "Pakistan",
        r#"
[tariffs]
before = { date = "2025-08-06" }
after = { date = "2025-08-07" }

[[policy]]
exporter = "Pakistan"
set_pct = 15

[projection]
start_year = 2025
end_year = 2027
phase_in = [0.4, 1.0]
"#,
    );
    let s = scenario::load(&path).unwrap();
    let spec = s.projection.as_ref().unwrap();
    assert!(spec.dated.is_none());
    assert!(spec.held.as_deref().unwrap().contains("[[policy]]"));
    let (_, e) = load_error(
        "projection-phase-in",
        r#"
[tariffs]
before = { date = "2025-08-06" }
after = { date = "2025-08-07" }

[projection]
start_year = 2025
end_year = 2027
phase_in = [0.4, 1.0]
"#,
    );
    assert!(
        e.contains("scenario.toml:24") && e.contains("projection.phase_in"),
        "{e}"
    );
}
