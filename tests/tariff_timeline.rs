//! The tariff timeline: the step function against the engine on every change point and
//! between them, the measures it marks, and the table and chart that `run` (dated
//! scenarios only) and `rates --timeline` write.

use std::path::{Path, PathBuf};
use std::process::Command;
use tariffsim::schedule::timeline::{
    self, FIRST_DAY, LAST_DAY, MARKED_CHANGE_PP, Timeline, change_points,
};
use tariffsim::schedule::{Date, Schedule, rates_on};

const BIN: &str = env!("CARGO_BIN_EXE_tariffsim");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn schedule() -> Schedule {
    Schedule::load(&Path::new(ROOT).join(tariffsim::schedule::DATA_DIR)).unwrap()
}

fn date(t: &str) -> Date {
    Date::parse(t).unwrap()
}

/// A fresh scratch folder.
fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("tariffsim-timeline-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn partner(s: &Schedule, name: &str) -> usize {
    s.find_partner(name).unwrap()
}

#[test]
fn the_series_is_the_engine_on_every_change_point_and_between() {
    let s = schedule();
    let all = timeline::timeline(&s).unwrap();
    let points = change_points(&s.measures);
    assert_eq!(points.first(), Some(&FIRST_DAY));
    assert!(points.windows(2).all(|w| w[0] < w[1]));
    assert!(points.iter().all(|d| FIRST_DAY <= *d && *d <= LAST_DAY));
    for d in [
        "2025-04-05",
        "2025-08-07",
        "2026-02-20",
        "2026-02-24",
        "2026-07-24",
    ] {
        assert!(points.contains(&date(d)), "{d}");
    }
    // The steps cover 2025–2026 without gaps, each starting on a change point.
    assert_eq!(all.steps.first().map(|s| s.from), Some(FIRST_DAY));
    assert_eq!(all.steps.last().map(|s| s.to), Some(LAST_DAY));
    for w in all.steps.windows(2) {
        assert_eq!(w[0].to.next_day(), Some(w[1].from));
        assert_ne!(w[0].additional_pct, w[1].additional_pct);
    }
    let names = [
        "Pakistan",
        "India",
        "China",
        "Vietnam",
        "European Union",
        "Brazil",
        "Canada",
    ];
    let chosen: Vec<usize> = names.iter().map(|n| partner(&s, n)).collect();
    // On every change point, the series is `rates` for that date.
    for &d in &points {
        let r = rates_on(&s, d).unwrap();
        for &p in &chosen {
            let got = all.rate_on(p, d).unwrap();
            assert!((got - r.partners[p].additional_pct).abs() < 1e-9, "{d} {p}");
        }
    }
    // Between change points the rate holds: the middle and last day of every step of two
    // days or more are the engine's figures on those days.
    for step in all.steps.iter().filter(|s| s.to > s.from) {
        let span = step.to.days() - step.from.days();
        let mut mid = step.from;
        for _ in 0..span / 2 {
            mid = mid.next_day().unwrap();
        }
        for d in [mid, step.to] {
            let r = rates_on(&s, d).unwrap();
            for &p in &chosen {
                assert!(
                    (step.additional_pct[p] - r.partners[p].additional_pct).abs() < 1e-9,
                    "{d}"
                );
            }
        }
    }
}

#[test]
fn pakistan_india_and_china_follow_the_measures() {
    let s = schedule();
    let all = timeline::timeline(&s).unwrap();
    let on = |name: &str, d: &str| all.rate_on(partner(&s, name), date(d)).unwrap();
    // Pakistan: no additional duty to early March 2025, the 10% baseline after the pause,
    // EO 14326's 19% from 7 August 2025, the Section 122 10% from 24 February 2026.
    assert!(on("Pakistan", "2025-01-01").abs() < 1e-12);
    assert!((on("Pakistan", "2025-05-01") - 10.2).abs() < 0.1);
    assert!((on("Pakistan", "2025-08-06") - 10.3).abs() < 0.05);
    assert!((on("Pakistan", "2025-08-07") - 19.1).abs() < 0.05);
    assert!((on("Pakistan", "2026-02-24") - 10.2).abs() < 0.05);
    // India: 34% (25% + the Russian-oil 25%, less exempt lines) from 7 August 2025.
    assert!((on("India", "2025-08-07") - 34.2).abs() < 0.05);
    // China: 125% + 20% on 9–10 April 2025 (131.6% weighted), about 100% once electronics
    // are exempt, about 30% after Geneva, lower after the truce.
    assert!(on("China", "2025-04-10") > 130.0);
    assert!(on("China", "2025-04-20") > 95.0);
    assert!((20.0..40.0).contains(&on("China", "2025-06-01")));
    assert!(on("China", "2025-11-15") < on("China", "2025-10-15"));

    let events = timeline::events(&s, &all, partner(&s, "Pakistan"), None);
    let labels: Vec<(String, &str)> = events
        .iter()
        .map(|e| (e.date.to_string(), e.label.as_str()))
        .collect();
    for (d, want) in [
        ("2025-08-07", "EO 14326: 19%"),
        ("2026-02-20", "Supreme Court ruling"),
        ("2026-02-24", "Section 122 surcharge: 10%"),
    ] {
        assert!(
            labels.iter().any(|(x, l)| x == d && *l == want),
            "{d} {want}: {labels:?}"
        );
    }
    for e in &events {
        assert!((e.to_pct - e.from_pct).abs() >= MARKED_CHANGE_PP);
        assert_eq!(all.rate_on(partner(&s, "Pakistan"), e.date), Some(e.to_pct));
    }
    // China's rate moves with the forced-labor duty on 24 July 2026: that is its label.
    let china = timeline::events(&s, &all, partner(&s, "China"), None);
    let july = china
        .iter()
        .find(|e| e.date == date("2026-07-24"))
        .expect("China's July 2026 change is marked");
    assert!(
        july.label.starts_with("Section 301 forced labor"),
        "{}",
        july.label
    );
    // Pakistan's rate does not move that day (the forced-labor 10% replaces the Section 122
    // 10% on the same lines): marked only as a scenario's after date.
    let pak = partner(&s, "Pakistan");
    assert!(!events.iter().any(|e| e.date == date("2026-07-24")));
    let with = timeline::events(&s, &all, pak, Some(date("2026-07-24")));
    let e = with.iter().find(|e| e.date == date("2026-07-24")).unwrap();
    assert_eq!(e.label, "Section 301 forced labor: 10%");
    assert!((e.to_pct - e.from_pct).abs() < MARKED_CHANGE_PP);
}

#[test]
fn a_selection_merges_steps_and_keeps_the_order() {
    let s = schedule();
    let all = timeline::timeline(&s).unwrap();
    let (pak, ind) = (partner(&s, "Pakistan"), partner(&s, "India"));
    let t: Timeline = all.select(&[pak, ind]);
    assert_eq!(t.partners, ["Pakistan", "India"]);
    assert!(t.steps.len() < all.steps.len());
    for step in &t.steps {
        for d in [step.from, step.to] {
            assert_eq!(step.additional_pct[0], all.rate_on(pak, d).unwrap());
            assert_eq!(step.additional_pct[1], all.rate_on(ind, d).unwrap());
        }
    }
}

/// Reads a written `tariff_timeline.csv`: (date, until, partner, value) rows.
fn read_table(path: &Path) -> Vec<(String, String, String, f64)> {
    let mut r = csv::Reader::from_path(path).unwrap();
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        ["date", "until", "partner", "additional_pct"]
    );
    r.records()
        .map(|x| {
            let x = x.unwrap();
            (
                x[0].to_string(),
                x[1].to_string(),
                x[2].to_string(),
                x[3].parse::<f64>().unwrap(),
            )
        })
        .collect()
}

/// The width and height of a PNG file, after decoding it whole.
fn png_size(path: &Path) -> (u32, u32) {
    let decoder = png::Decoder::new(std::fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    (info.width, info.height)
}

/// Checks a table: finite numbers, each step on every partner, no gap between steps.
fn check_table(rows: &[(String, String, String, f64)], first_partner: &str) -> usize {
    assert!(rows.iter().all(|r| r.3.is_finite()));
    assert_eq!(rows[0].0, "2025-01-01");
    assert_eq!(rows[0].2, first_partner);
    assert_eq!(rows.last().unwrap().1, "2026-12-31");
    let partners = rows.iter().filter(|r| r.0 == rows[0].0).count();
    assert_eq!(rows.len() % partners, 0);
    let steps: Vec<&(String, String, String, f64)> = rows.iter().step_by(partners).collect();
    for w in steps.windows(2) {
        assert_eq!(date(&w[0].1).next_day(), Some(date(&w[1].0)));
    }
    partners
}

#[test]
fn a_dated_run_writes_the_timeline_and_an_undated_run_does_not() {
    let dir = scratch("run");
    let scenario = dir.join("scenario.toml");
    std::fs::write(
        &scenario,
        format!(
            r#"[scenario]
name = "test timeline"
importer = "United States"
focus_exporter = "Pakistan"
base_year = 2024
currency_unit = "USD"

[data]
us_schedule = "{root}/scenarios/data/us_schedule"
elasticities = "{root}/scenarios/data/elasticities_hs2.csv"

[elasticities]
import_demand = -1.5
substitution = 1.5
export_supply = "infinite"

[tariffs]
before = {{ date = "2026-02-19" }}
after = {{ date = "2026-02-24" }}

[report]
exporters = ["China", "Pakistan", "India", "Vietnam", "Bangladesh", "Cambodia", "Indonesia", "Sri Lanka", "Turkey", "Mexico"]
"#,
            root = ROOT
        ),
    )
    .unwrap();
    let out = dir.join("out");
    let o = Command::new(BIN)
        .args(["run", "-q", "--out"])
        .arg(&out)
        .arg(&scenario)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = read_table(&out.join("tariff_timeline.csv"));
    // The focus first, then the report's exporters in their order, at most six.
    assert_eq!(check_table(&rows, "Pakistan"), 7);
    let names: Vec<&str> = rows.iter().take(7).map(|r| r.2.as_str()).collect();
    assert_eq!(
        names,
        [
            "Pakistan",
            "China",
            "India",
            "Vietnam",
            "Bangladesh",
            "Cambodia",
            "Indonesia"
        ]
    );
    let (w, h) = png_size(&out.join("tariff_timeline.png"));
    // 16 cm at the default 150 dpi.
    assert_eq!(w, 945);
    assert!((600..950).contains(&h), "{h}");
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("## Tariff path 2025–2026"));
    assert!(report.contains("(tariff_timeline.png)"));
    let marker = std::fs::read_to_string(out.join(tariffsim::report::MARKER)).unwrap();
    assert!(marker.contains("tariff_timeline.csv") && marker.contains("tariff_timeline.png"));

    // A scenario without dates has no timeline.
    let undated = dir.join("undated");
    let o = Command::new(BIN)
        .args(["run", "-q", "--out"])
        .arg(&undated)
        .arg(Path::new(ROOT).join("tests/fixtures/small/scenario.toml"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(undated.join("report.md").is_file());
    assert!(!undated.join("tariff_timeline.csv").exists());
    assert!(!undated.join("tariff_timeline.png").exists());
    let report = std::fs::read_to_string(undated.join("report.md")).unwrap();
    assert!(!report.contains("Tariff path"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_rates_command_draws_a_timeline() {
    let dir = scratch("rates");
    let out = dir.join("pak");
    let o = Command::new(BIN)
        .args(["rates", "--timeline", "--out"])
        .arg(&out)
        .current_dir(ROOT)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("19.1% from 7 Aug 2025"), "{text}");
    let rows = read_table(&out.join("tariff_timeline.csv"));
    // Pakistan and its six largest competitors in its products.
    assert_eq!(check_table(&rows, "Pakistan"), 7);
    for name in ["China", "India", "Vietnam", "Bangladesh"] {
        assert!(rows.iter().take(7).any(|r| r.2 == name), "{name}");
    }
    assert!(!rows.iter().take(7).any(|r| r.2 == "Rest of world"));
    assert_eq!(png_size(&out.join("tariff_timeline.png")).0, 945);

    // Another exporter by ISO code; the engine's figure on a date inside a step.
    let out = dir.join("ind");
    let o = Command::new(BIN)
        .args(["rates", "--timeline", "--exporter", "IND", "--out"])
        .arg(&out)
        .current_dir(ROOT)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = read_table(&out.join("tariff_timeline.csv"));
    check_table(&rows, "India");
    let s = schedule();
    let r = rates_on(&s, date("2025-09-15")).unwrap();
    let step = rows
        .iter()
        .find(|x| {
            x.2 == "India" && date(&x.0) <= date("2025-09-15") && date("2025-09-15") <= date(&x.1)
        })
        .unwrap();
    assert!((step.3 - r.partners[partner(&s, "India")].additional_pct).abs() < 1e-9);

    // --date and --timeline together, or an unknown exporter: an error, nothing written.
    let bad = dir.join("bad");
    for args in [
        vec!["rates", "--timeline", "--date", "2025-08-07"],
        vec!["rates", "--timeline", "--exporter", "Atlantis"],
    ] {
        let o = Command::new(BIN)
            .args(&args)
            .arg("--out")
            .arg(&bad)
            .current_dir(ROOT)
            .output()
            .unwrap();
        assert!(!o.status.success(), "{args:?}");
        assert!(!bad.exists(), "{args:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
