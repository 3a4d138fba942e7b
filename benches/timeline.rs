//! The tariff timeline: `cargo bench --bench timeline`. Speed claims live here, never in
//! timed tests.
//!
//! - `rates_on_one_date`: the schedule engine on one date (every HS6 × partner cell).
//! - `timeline_all_partners`: the step function of all 51 partners over 2025–2026, the
//!   engine on each change point of the measures table (in parallel).
//! - `tariff_path_chart`: the timeline of Pakistan and six competitors and its chart,
//!   rendered to PNG bytes (what `rates --timeline` does after loading).
//!
//! The measured timings are recorded in `docs/decisions.md` ("Tariff timeline").

use std::path::Path;
use tariffsim::schedule::{Date, Schedule, timeline};

fn main() {
    divan::main();
}

fn schedule() -> Schedule {
    Schedule::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join(tariffsim::schedule::DATA_DIR))
        .expect("the shipped schedule loads")
}

#[divan::bench(sample_count = 20)]
fn rates_on_one_date(bencher: divan::Bencher) {
    let s = schedule();
    let d = Date::parse("2025-08-07").expect("a date");
    bencher.bench(|| tariffsim::schedule::rates_on(divan::black_box(&s), d).expect("runs"));
}

#[divan::bench(sample_count = 10)]
fn timeline_all_partners(bencher: divan::Bencher) {
    let s = schedule();
    bencher.bench(|| timeline::timeline(divan::black_box(&s)).expect("runs"));
}

#[divan::bench(sample_count = 10)]
fn tariff_path_chart(bencher: divan::Bencher) {
    let s = schedule();
    let focus = s.find_partner("Pakistan").expect("Pakistan is a partner");
    let competitors = timeline::competitors(&s, focus, 6);
    bencher.bench(|| {
        let p = timeline::tariff_path(divan::black_box(&s), focus, &competitors, None, "data")
            .expect("runs");
        tariffsim::report::timeline_chart::draw(Path::new("t.png"), &p, "source").expect("draws")
    });
}
