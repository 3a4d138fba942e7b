//! The trade-weighted additional US tariff of every partner as a step function over
//! 2025–2026, and the measures that move one partner's rate (input side: no model code).
//!
//! The engine's result on a date depends only on which measures are in force, and a
//! measure's status changes only on its first day and on the day after its last. The
//! schedule is therefore evaluated on those change points only (25 dates instead of 730
//! days), for the partners whose measures changed, in parallel; the rate on any day is the
//! rate of the last change point on or before it.

use super::data::Schedule;
use super::date::Date;
use super::engine::{Artefacts, Regime, YEARS};
use super::measures::{Measure, Measures};
use crate::error::ScenarioError;
use rayon::prelude::*;

/// The first day of the timeline, 2025-01-01.
pub const FIRST_DAY: Date = Date::first_of_year(*YEARS.start());
/// The last day of the timeline, 2026-12-31.
pub const LAST_DAY: Date = Date::last_of_year(*YEARS.end());

/// The smallest move of the focus partner's rate that a chart marks, percentage points.
/// Smaller moves (a product list, a Section 232 sector the partner barely ships) stay in
/// the line without a label, so that the marks name the measures a reader can see.
pub const MARKED_CHANGE_PP: f64 = 0.5;

/// The rates in force from `from` to `to`, both included.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// First day.
    pub from: Date,
    /// Last day.
    pub to: Date,
    /// Trade-weighted additional duty, percent, per partner of the timeline.
    pub additional_pct: Vec<f64>,
}

/// The trade-weighted additional duty (weights: 2024 imports) of some partners, 2025–2026.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// Partner names: the schedule's order for [`timeline`], the chosen order for a
    /// [`Timeline::select`]ion.
    pub partners: Vec<String>,
    /// Steps in date order from [`FIRST_DAY`] to [`LAST_DAY`] without gaps; two
    /// consecutive steps differ for at least one partner.
    pub steps: Vec<Step>,
}

impl Timeline {
    /// The step in force on `date` (none outside 2025–2026).
    pub fn step_on(&self, date: Date) -> Option<&Step> {
        let i = self.steps.partition_point(|s| s.from <= date);
        i.checked_sub(1)
            .map(|i| &self.steps[i])
            .filter(|s| date <= s.to)
    }

    /// A partner's rate on `date`, percent (none outside 2025–2026).
    pub fn rate_on(&self, partner: usize, date: Date) -> Option<f64> {
        self.step_on(date)
            .and_then(|s| s.additional_pct.get(partner).copied())
    }

    /// The timeline of some partners (indices into [`Timeline::partners`], in the order
    /// given); steps where none of them changes are merged.
    pub fn select(&self, partners: &[usize]) -> Timeline {
        let steps = self.steps.iter().map(|s| Step {
            from: s.from,
            to: s.to,
            additional_pct: partners
                .iter()
                .map(|&p| s.additional_pct.get(p).copied().unwrap_or(0.0))
                .collect(),
        });
        Timeline {
            partners: partners
                .iter()
                .filter_map(|&p| self.partners.get(p).cloned())
                .collect(),
            steps: merged(steps),
        }
    }
}

/// Joins consecutive steps with the same rates.
fn merged(steps: impl Iterator<Item = Step>) -> Vec<Step> {
    let mut out: Vec<Step> = Vec::new();
    for s in steps {
        match out.last_mut() {
            Some(last) if last.additional_pct == s.additional_pct => last.to = s.to,
            _ => out.push(s),
        }
    }
    out
}

/// The days on which some measure's status changes inside 2025–2026: 2025-01-01, every
/// first day, and every day after a last day; ascending, without repeats. A measure
/// without a first day is in force on no day and changes nothing.
pub fn change_points(m: &Measures) -> Vec<Date> {
    let mut points = vec![FIRST_DAY];
    for x in m.iter().filter(|x| x.start.is_some()) {
        let after_end = x.end.and_then(Date::next_day);
        points.extend(
            [x.start, after_end]
                .into_iter()
                .flatten()
                .filter(|d| FIRST_DAY < *d && *d <= LAST_DAY),
        );
    }
    points.sort_unstable();
    points.dedup();
    points
}

/// Every partner's trade-weighted additional duty over 2025–2026: the engine's figure
/// ([`rates_on`](super::rates_on)) on each change point, held until the next. A partner's cells are
/// weighted again only where the measures in force for it (its [`Regime`]) changed: most
/// change points concern a few partners (Switzerland's 15%, Korea's autos), and the same
/// regime gives the same rate.
pub fn timeline(s: &Schedule) -> Result<Timeline, ScenarioError> {
    let points = change_points(&s.measures);
    let n = s.partners.len();
    let regimes = points
        .iter()
        .map(|&d| {
            s.partners
                .iter()
                .map(|p| Regime::new(&s.measures, s.lists, &p.code, d, Artefacts::NONE))
                .collect::<Result<Vec<_>, _>>()
        })
        .collect::<Result<Vec<_>, _>>()?;
    // Each partner's cells in the schedule's order, so that sums run as in `rates_on`.
    let mut cells_of: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, c) in s.cells.iter().enumerate() {
        cells_of[c.partner as usize].push(i);
    }
    let jobs: Vec<(usize, usize)> = (0..points.len())
        .flat_map(|d| (0..n).map(move |p| (d, p)))
        .filter(|&(d, p)| d == 0 || regimes[d][p] != regimes[d - 1][p])
        .collect();
    let computed: Vec<f64> = jobs
        .par_iter()
        .map(|&(d, p)| partner_rate(s, &regimes[d][p], &cells_of[p]))
        .collect();
    let mut rates: Vec<Vec<f64>> = Vec::with_capacity(points.len());
    let mut next = jobs.iter().zip(&computed).peekable();
    for d in 0..points.len() {
        let mut row = Vec::with_capacity(n);
        for p in 0..n {
            let v = match next.peek() {
                Some((job, v)) if **job == (d, p) => {
                    let v = **v;
                    next.next();
                    v
                }
                _ => rates
                    .last()
                    .and_then(|r: &Vec<f64>| r.get(p).copied())
                    .unwrap_or(0.0),
            };
            row.push(v);
        }
        rates.push(row);
    }
    let ends = points
        .iter()
        .skip(1)
        .map(|d| d.previous_day().unwrap_or(*d))
        .chain(std::iter::once(LAST_DAY));
    let steps = points
        .iter()
        .zip(ends)
        .zip(rates)
        .map(|((&from, to), additional_pct)| Step {
            from,
            to,
            additional_pct,
        });
    Ok(Timeline {
        partners: s.partners.iter().map(|p| p.name.clone()).collect(),
        steps: merged(steps),
    })
}

/// One partner's trade-weighted additional duty under a regime, percent: the sums of
/// [`rates_on`](super::rates_on) over the partner's cells, in the same order (so the same figure).
fn partner_rate(s: &Schedule, regime: &Regime, cells: &[usize]) -> f64 {
    let (mut value, mut weighted) = (0.0, 0.0);
    for &i in cells {
        let cell = &s.cells[i];
        let classes = &s.classes[cell.classes.start as usize..cell.classes.end as usize];
        value += cell.value;
        weighted += cell.value * regime.cell_rate(cell, classes, s.chapter(cell.product));
    }
    if value > 0.0 { weighted / value } else { 0.0 }
}

/// A date on which measures move a partner's rate by at least [`MARKED_CHANGE_PP`] (or a
/// scenario's after date).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The first day of the new rate.
    pub date: Date,
    /// A short name of the main measure, from the measures table (`EO 14326: 19%`).
    pub label: String,
    /// Ids of the measures that start on this day or ended the day before and concern the
    /// partner, the labelled one first.
    pub measures: Vec<String>,
    /// The partner's rate the day before, percent.
    pub from_pct: f64,
    /// Its rate from this day, percent.
    pub to_pct: f64,
}

/// The dates on which a partner's rate (index into [`Schedule::partners`]) moves by at
/// least [`MARKED_CHANGE_PP`], each with the measures that start or end there; `also`
/// (a scenario's after date) is marked whatever the move, when some measure changes on it
/// (the reader sees what the scenario's measure does to the focus, even nothing). `all`
/// is the [`timeline`] of every partner.
pub fn events(s: &Schedule, all: &Timeline, partner: usize, also: Option<Date>) -> Vec<Event> {
    let Some(p) = s.partners.get(partner) else {
        return Vec::new();
    };
    let rate = |step: &Step| step.additional_pct.get(partner).copied().unwrap_or(0.0);
    all.steps
        .windows(2)
        .filter(|w| {
            let moved = (rate(&w[1]) - rate(&w[0])).abs();
            moved >= MARKED_CHANGE_PP || Some(w[1].from) == also
        })
        .map(|w| {
            let date = w[1].from;
            let mut found: Vec<(&Measure, bool)> = s
                .measures
                .iter()
                .filter(|m| m.start.is_some())
                .filter_map(|m| {
                    if m.start == Some(date) {
                        Some((m, true))
                    } else if m.end.and_then(Date::next_day) == Some(date) {
                        Some((m, false))
                    } else {
                        None
                    }
                })
                .filter(|(m, _)| concerns(&s.measures, m, &p.code, &p.name))
                .collect();
            // Starts before ends; rate-setting kinds before sectors and exemptions; a rate
            // of the partner's own before a rate for all; then the table's order.
            found.sort_by_key(|(m, starts)| {
                (
                    !starts,
                    kind_rank(&m.kind),
                    !s.measures.names(&m.id, &p.code),
                    m.line,
                )
            });
            let class = |(m, starts): &(&Measure, bool)| {
                (
                    *starts,
                    kind_rank(&m.kind),
                    s.measures.names(&m.id, &p.code),
                )
            };
            // Several actions of the same standing starting together are all named
            // (India on 7 August 2025: EO 14326's 25% and EO 14329's 25%).
            let label = match found.first() {
                Some(top @ (m, true)) => {
                    let others = found
                        .iter()
                        .skip(1)
                        .take_while(|f| kind_rank(&f.0.kind) <= 1 && class(f) == class(top));
                    std::iter::once(label(&s.measures, m, &p.code))
                        .chain(others.map(|(o, _)| label(&s.measures, o, &p.code)))
                        .collect::<Vec<_>>()
                        .join(" + ")
                }
                Some((m, false)) => format!("{} ends", name(m)),
                None => "Change in the measures".to_string(),
            };
            Event {
                date,
                label,
                measures: found.iter().map(|(m, _)| m.id.clone()).collect(),
                from_pct: rate(&w[0]),
                to_pct: rate(&w[1]),
            }
        })
        .collect()
}

fn kind_rank(kind: &str) -> u8 {
    match kind {
        "base_reset" => 0,
        "stacked" => 1,
        "sector" => 2,
        "exemption" => 3,
        _ => 4,
    }
}

/// Whether a measure applies to a partner, as the table says: a row of its own in the
/// partner rates, or `who` naming it, or `who` reading "all ..." without excepting it.
pub fn concerns(measures: &Measures, m: &Measure, cty: &str, partner: &str) -> bool {
    if measures.names(&m.id, cty) {
        return true;
    }
    let who = m.who.to_lowercase();
    let partner = partner.to_lowercase();
    if who.starts_with("all") {
        return who
            .split_once("except")
            .is_none_or(|(_, excepted)| !excepted.contains(&partner));
    }
    // "China; Hong Kong", "Japan; European Union; Korea, South (Canada/Mexico ...)": the
    // names before any parenthesis.
    who.split('(')
        .next()
        .unwrap_or("")
        .split(';')
        .any(|n| n.trim() == partner)
}

/// A measure's short label for a partner: its name and, for a measure that sets a rate,
/// the partner's rate (`EO 14326: 19%`, `Section 122 surcharge: 10%`).
pub fn label(measures: &Measures, m: &Measure, cty: &str) -> String {
    let rate = match m.kind.as_str() {
        "exemption" => None,
        _ => measures.rate_for(&m.id, cty).ok().filter(|r| *r > 0.0),
    };
    match rate {
        Some(r) => format!("{}: {}%", name(m), trim_number(r)),
        None => name(m),
    }
}

/// A measure's short name from its row of the measures table: the Supreme Court ruling by
/// name; an IEEPA action by its instrument (the legal reference up to its first
/// parenthesis or comma, when it names a numbered order or a joint statement: `EO 14326`,
/// `EO 14257 Annex I`, `U.S.-China Joint Statement`), with the words of its id for an
/// amendment or an exemption; any other action by its authority and the words of its id
/// (`Section 301 forced labor`).
pub fn name(m: &Measure) -> String {
    let lead = m
        .legal_reference
        .split([';', ',', '('])
        .next()
        .unwrap_or("")
        .trim();
    if lead.starts_with("Supreme Court") {
        return "Supreme Court ruling".into();
    }
    let instrument = m.authority == "IEEPA"
        && (lead.chars().any(|c| c.is_ascii_digit()) || lead.contains("Statement"));
    let topic = id_words(m, if instrument { lead } else { "" });
    if instrument {
        if (lead.starts_with("Amendment") || m.kind == "exemption") && !topic.is_empty() {
            format!("{lead} ({topic})")
        } else {
            lead.to_string()
        }
    } else {
        let head = if m.authority.is_empty() {
            "Measure"
        } else {
            &m.authority
        };
        format!("{head} {topic}").trim_end().to_string()
    }
}

/// The words of a measure's id after its authority prefix, without numbers and without
/// words the instrument already says; a word that names a partner of `who` is capitalised
/// (`s338_canada_dairy` → `Canada dairy`), `90day` becomes `90-day`.
fn id_words(m: &Measure, instrument: &str) -> String {
    let said: Vec<String> = instrument
        .split_whitespace()
        .map(|w| w.to_lowercase())
        .collect();
    let who = m.who.to_lowercase();
    let who_words: Vec<&str> = who
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let squeezed = instrument.replace(' ', "").to_lowercase();
    m.id.split('_')
        .skip(1)
        .filter(|w| !w.is_empty() && w.parse::<f64>().is_err())
        .filter(|w| !said.contains(&w.to_lowercase()) && !squeezed.contains(&w.to_lowercase()))
        .map(|w| {
            let mut word = String::new();
            let mut prev_digit = false;
            for c in w.chars() {
                if prev_digit && c.is_alphabetic() {
                    word.push('-');
                }
                prev_digit = c.is_ascii_digit();
                word.push(c);
            }
            if who_words.contains(&w.to_lowercase().as_str()) {
                let mut c = word.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect())
                    .unwrap_or_default()
            } else {
                word
            }
        })
        .collect::<Vec<String>>()
        .join(" ")
}

/// A rate as the measures table writes it: `19`, `12.5`.
fn trim_number(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Partners to draw beside a focus when none are named: the `n` that supply most of what
/// the focus sells, i.e. with the largest share of US imports of the focus's products,
/// each HS6 product weighted by its share in the focus's 2024 exports to the US
/// (Σₖ focus shareₖ × partner's share of US imports of k; 1 would be a partner that
/// supplies everything the focus sells). These are the partners a SMART diversion moves
/// trade to and from. Rest of world is left out (a residual, not a competitor).
pub fn competitors(s: &Schedule, focus: usize, n: usize) -> Vec<usize> {
    let cells = s
        .cells
        .iter()
        .map(|c| (c.partner as usize, c.product as usize, c.value));
    let overlap = supply_overlap(cells, s.partners.len(), s.products.len(), focus);
    let mut order: Vec<usize> = (0..s.partners.len())
        .filter(|&p| p != focus && s.partners[p].code != "ROW")
        .collect();
    order.sort_by(|&a, &b| overlap[b].total_cmp(&overlap[a]).then(a.cmp(&b)));
    order.truncate(n);
    order
}

/// Per partner, Σₖ (focus's value in k / focus's total) × (partner's value in k / all
/// partners' value in k), over cells `(partner, product, value)`.
pub fn supply_overlap(
    cells: impl Iterator<Item = (usize, usize, f64)> + Clone,
    partners: usize,
    products: usize,
    focus: usize,
) -> Vec<f64> {
    let mut product_total = vec![0.0; products];
    let mut focus_value = vec![0.0; products];
    for (p, k, v) in cells.clone() {
        product_total[k] += v;
        if p == focus {
            focus_value[k] += v;
        }
    }
    let focus_total: f64 = focus_value.iter().sum();
    let mut overlap = vec![0.0; partners];
    if focus_total > 0.0 {
        for (p, k, v) in cells {
            if product_total[k] > 0.0 {
                overlap[p] += focus_value[k] / focus_total * v / product_total[k];
            }
        }
    }
    overlap
}

/// What a timeline chart and table show: a focus partner, its competitors and the
/// measures that move the focus's rate.
#[derive(Debug, Clone, PartialEq)]
pub struct TariffPath {
    /// The importing market (`United States`).
    pub importer: String,
    /// The focus first, then its competitors.
    pub timeline: Timeline,
    /// The measures that move the focus's rate.
    pub events: Vec<Event>,
    /// A scenario's before and after dates.
    pub window: Option<(Date, Date)>,
    /// The data folder, as the user wrote it (for the source line).
    pub data: String,
}

impl TariffPath {
    /// The focus partner's name.
    pub fn focus(&self) -> &str {
        self.timeline
            .partners
            .first()
            .map(String::as_str)
            .unwrap_or("")
    }
}

/// The tariff path of `focus` and `competitors` (indices into [`Schedule::partners`]);
/// `data` names the schedule folder in the source line.
pub fn tariff_path(
    s: &Schedule,
    focus: usize,
    competitors: &[usize],
    window: Option<(Date, Date)>,
    data: &str,
) -> Result<TariffPath, ScenarioError> {
    let all = timeline(s)?;
    let mut chosen = vec![focus];
    chosen.extend(competitors.iter().filter(|&&c| c != focus));
    Ok(TariffPath {
        importer: "United States".into(),
        timeline: all.select(&chosen),
        events: events(s, &all, focus, window.map(|(_, after)| after)),
        window,
        data: data.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measure(id: &str, authority: &str, legal: &str, who: &str, kind: &str) -> Measure {
        Measure {
            id: id.into(),
            start: None,
            end: None,
            rate: None,
            status: String::new(),
            authority: authority.into(),
            legal_reference: legal.into(),
            who: who.into(),
            kind: kind.into(),
            line: 2,
        }
    }

    #[test]
    fn names_come_from_the_row() {
        let cases = [
            (
                measure(
                    "ieepa_reciprocal_eo14326",
                    "IEEPA",
                    "EO 14326 (31 Jul 2025), Annex I",
                    "by partner",
                    "base_reset",
                ),
                "EO 14326",
            ),
            (
                measure(
                    "ieepa_terminated_scotus",
                    "IEEPA",
                    "Supreme Court ruling (registry: V.O.S. Selections v. United States, 6-3)",
                    "all",
                    "base_reset",
                ),
                "Supreme Court ruling",
            ),
            (
                measure(
                    "s301_forced_labor_12_5",
                    "Section 301",
                    "USTR Notice of Actions, Section 301 forced-labor investigations",
                    "by partner",
                    "stacked",
                ),
                "Section 301 forced labor",
            ),
            (
                measure(
                    "ieepa_pause_90day",
                    "IEEPA",
                    "Amendment to EO 14257 (9 Apr 2025 announcement)",
                    "all partners with Annex I rates except China/Hong Kong",
                    "base_reset",
                ),
                "Amendment to EO 14257 (pause 90-day)",
            ),
            (
                measure(
                    "s338_canada_dairy",
                    "Section 338",
                    "Proclamation on Canadian dairy",
                    "Canada",
                    "stacked",
                ),
                "Section 338 Canada dairy",
            ),
            (
                measure(
                    "ieepa_annex_II_exempt",
                    "IEEPA",
                    "EO 14257 Annex II",
                    "all",
                    "exemption",
                ),
                "EO 14257 Annex II (exempt)",
            ),
        ];
        for (m, want) in cases {
            assert_eq!(name(&m), want, "{}", m.id);
        }
        assert_eq!(trim_number(19.0), "19");
        assert_eq!(trim_number(12.5), "12.5");
    }

    #[test]
    fn supply_overlap_by_hand() {
        // Focus 0 sells 30 of product 0 and 10 of product 1 (shares 0.75, 0.25). Product 0:
        // partner 1 sells 60, partner 2 sells 10 (total 100); product 1: partner 2 sells 30
        // (total 40). Partner 1: 0.75 × 60/100 = 0.45; partner 2: 0.75 × 10/100 + 0.25 ×
        // 30/40 = 0.075 + 0.1875 = 0.2625; the focus itself: 0.75 × 0.3 + 0.25 × 0.25.
        let cells = [
            (0, 0, 30.0),
            (1, 0, 60.0),
            (2, 0, 10.0),
            (0, 1, 10.0),
            (2, 1, 30.0),
            (3, 2, 99.0),
        ];
        let o = supply_overlap(cells.iter().copied(), 4, 3, 0);
        let want = [0.75 * 0.3 + 0.25 * 0.25, 0.45, 0.2625, 0.0];
        for (got, want) in o.iter().zip(want) {
            assert!((got - want).abs() < 1e-12, "{o:?}");
        }
        // A focus that sells nothing has no competitors (and no NaN).
        let none = supply_overlap(cells.iter().copied(), 5, 3, 4);
        assert!(none.iter().all(|v| *v == 0.0));
    }

    #[test]
    fn merging_keeps_steps_that_differ() {
        let d = |t: &str| Date::parse(t).unwrap();
        let step = |from: &str, to: &str, v: &[f64]| Step {
            from: d(from),
            to: d(to),
            additional_pct: v.to_vec(),
        };
        let t = Timeline {
            partners: vec!["A".into(), "B".into()],
            steps: vec![
                step("2025-01-01", "2025-04-04", &[0.0, 1.0]),
                step("2025-04-05", "2025-12-31", &[0.0, 2.0]),
                step("2026-01-01", "2026-12-31", &[5.0, 2.0]),
            ],
        };
        let a = t.select(&[0]);
        assert_eq!(a.partners, ["A"]);
        assert_eq!(
            a.steps,
            [
                step("2025-01-01", "2025-12-31", &[0.0]),
                step("2026-01-01", "2026-12-31", &[5.0])
            ]
        );
        assert_eq!(t.rate_on(1, d("2025-04-04")), Some(1.0));
        assert_eq!(t.rate_on(1, d("2025-04-05")), Some(2.0));
        assert_eq!(t.rate_on(0, d("2026-12-31")), Some(5.0));
        assert_eq!(t.rate_on(0, d("2027-01-01")), None);
        assert_eq!(t.rate_on(0, d("2024-12-31")), None);
    }
}
