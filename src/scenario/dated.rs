//! Scenarios on the US measures schedule: the HS6 × partner 2024 imports as trade data
//! (`[data] us_schedule`) and the additional duties in force on named dates (`[tariffs]`).
//!
//! Kept apart from the CSV path so that a scenario without these keys loads exactly as
//! before; the loader only asks this file for the trade data and the two additional-duty
//! vectors.

use super::data::CsvTable;
use super::file::{DataSection, RuleSection, TariffsSection};
use super::policy::CellKey;
use super::specs::{DatedPath, ProjectionSpec};
use super::{DataFile, Loader, Product, TradeData};
use crate::error::ScenarioError;
use crate::schedule::timeline::{self, TariffPath};
use crate::schedule::{self, Date, Schedule};
use crate::units::{Rate, pct_to_rate};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use toml::Spanned;

/// The product names shipped beside the schedule (HS file, source S11 of sources.csv).
pub const DESCRIPTIONS: &str = "hs6_descriptions.csv";

/// The schedule folder and the two dates of a dated scenario.
#[derive(Debug, Clone)]
pub struct ScheduleDates {
    /// The folder, resolved.
    pub dir: PathBuf,
    /// The folder as the scenario writes it.
    pub written: String,
    /// The before date.
    pub before: Date,
    /// The after date.
    pub after: Date,
    /// The schedule read from `dir` when the scenario was loaded, kept for the tariff
    /// timeline so that the folder is not read twice.
    pub schedule: Arc<Schedule>,
}

/// The schedule is what `dir` holds, so two are equal when their folders and dates are.
impl PartialEq for ScheduleDates {
    fn eq(&self, other: &Self) -> bool {
        self.dir == other.dir
            && self.written == other.written
            && self.before == other.before
            && self.after == other.after
    }
}

/// At most this many competitors are drawn beside the focus in the tariff timeline, so
/// that every line keeps a colour of the colour-blind-safe palette.
pub const TIMELINE_COMPETITORS: usize = 6;

/// The tariff path of a dated scenario (none for any other): the focus and the first
/// [`TIMELINE_COMPETITORS`] exporters its report shows, from the schedule it was built on.
pub fn tariff_path(s: &super::Scenario) -> Result<Option<TariffPath>, ScenarioError> {
    let Some(d) = &s.provenance.schedule_dates else {
        return Ok(None);
    };
    let schedule = &*d.schedule;
    let index = |name: &str| schedule.partners.iter().position(|p| p.name == name);
    let Some(focus) = index(s.focus_name()) else {
        return Ok(None);
    };
    let competitors: Vec<usize> = s
        .report_groups
        .iter()
        .filter(|g| g.as_str() != s.focus_name() && g.as_str() != super::REST_OF_WORLD)
        .filter_map(|g| index(g))
        .take(TIMELINE_COMPETITORS)
        .collect();
    let mut path = timeline::tariff_path(
        schedule,
        focus,
        &competitors,
        Some((d.before, d.after)),
        &d.written,
    )?;
    path.importer.clone_from(&s.importer);
    Ok(Some(path))
}

/// The HS6 base and, with `[tariffs]`, the additional duty of each trade cell on each date.
pub(super) struct DatedBase {
    /// 2024 applied rate of each trade cell: calculated duty / value.
    pub applied: Vec<Rate>,
    /// Additional duty on the before and after dates (none without `[tariffs]`).
    pub dated: Option<DatedRates>,
}

/// The two dated states, per trade cell, as rates (0.19 = 19%).
pub(super) struct DatedRates {
    /// Additional duty on the before date.
    pub before: Vec<Rate>,
    /// Additional duty on the after date.
    pub after: Vec<Rate>,
    /// What a projection needs to follow the schedule after the after date.
    path: PathInput,
}

/// The schedule kept for the projection's dated path.
struct PathInput {
    schedule: Arc<Schedule>,
    cell_of: Vec<usize>,
    after: Date,
    /// The after state takes some exporters from other days: it is not the schedule of a
    /// day, so it has no path.
    mixed_days: bool,
}

/// The after state followed over projected years (additional duty per trade cell).
pub(super) struct YearPath {
    /// Per year: each cell's additional duty averaged over the year's days.
    pub additional: Vec<Vec<Rate>>,
    /// Per year: the share of its days on or after the after date.
    pub share_after: Vec<f64>,
    /// The after date.
    pub from: Date,
    /// The last day the schedule covers; later days hold its duties.
    pub last_day: Date,
}

impl DatedRates {
    /// Why the after state cannot follow the schedule over time, if it cannot.
    pub fn path_blocked(&self) -> Option<&'static str> {
        self.path
            .mixed_days
            .then_some("the after state takes some exporters from other days")
    }

    /// The after state over `years`: each day until the after date in the before state, from
    /// it the duties in force that day (later measures included), after the last day the
    /// schedule covers that day's duties (an ASSUMPTION the report states). Each year's rate
    /// is the mean over its days; the schedule is evaluated once per day it changes.
    pub fn year_path(
        &self,
        years: std::ops::RangeInclusive<i64>,
    ) -> Result<YearPath, ScenarioError> {
        let p = &self.path;
        let last_day = Date::last_of_year(*schedule::engine::YEARS.end());
        let changes = timeline::change_points(&p.schedule.measures);
        // The schedule of a day is the schedule of the last change day before it.
        let key = |day: Date| {
            changes
                .iter()
                .rev()
                .find(|c| **c <= day)
                .copied()
                .unwrap_or(day)
        };
        // Each year's segments: their first day and length, from the year's first day, the
        // after date, every change day and the day after the schedule ends.
        let years: Vec<(Vec<(Date, i64)>, f64)> = years
            .map(|year| {
                let y = u16::try_from(year.clamp(0, i64::from(u16::MAX))).unwrap_or(u16::MAX);
                let (first, last) = (Date::first_of_year(y), Date::last_of_year(y));
                let length = (last.days() - first.days() + 1) as f64;
                let mut starts: Vec<Date> = vec![first, p.after];
                starts.extend(changes.iter().copied());
                starts.extend(last_day.next_day());
                starts.retain(|d| first <= *d && *d <= last);
                starts.sort_unstable();
                starts.dedup();
                let segments = (0..starts.len())
                    .map(|i| {
                        let end = starts
                            .get(i + 1)
                            .and_then(|next| next.previous_day())
                            .unwrap_or(last);
                        (starts[i], end.days() - starts[i].days() + 1)
                    })
                    .collect();
                (segments, length)
            })
            .collect();
        // The schedule on every distinct day the after segments need, evaluated in parallel.
        let mut days: Vec<Date> = years
            .iter()
            .flat_map(|(segments, _)| segments)
            .filter(|(start, _)| *start >= p.after)
            .map(|(start, _)| key((*start).min(last_day)))
            .collect();
        days.sort_unstable();
        days.dedup();
        let states: Vec<Vec<Rate>> = days
            .par_iter()
            .map(|&day| {
                state_rates(
                    &p.schedule,
                    &p.cell_of,
                    &ResolvedDays {
                        day,
                        exporters: Vec::new(),
                    },
                )
            })
            .collect::<Result<_, _>>()?;
        let state_on = |day: Date| {
            let i = days
                .binary_search(&key(day))
                .expect("every after segment's day was evaluated");
            &states[i]
        };
        let n = p.cell_of.len();
        let mut out = YearPath {
            additional: Vec::new(),
            share_after: Vec::new(),
            from: p.after,
            last_day,
        };
        for (segments, length) in years {
            let mut mean = vec![0.0; n];
            let mut after_days = 0;
            for (start, days) in segments {
                let weight = days as f64 / length;
                let rates = if start < p.after {
                    &self.before
                } else {
                    after_days += days;
                    state_on(start.min(last_day))
                };
                for (m, r) in mean.iter_mut().zip(rates) {
                    *m += weight * r;
                }
            }
            out.additional.push(mean);
            out.share_after.push(after_days as f64 / length);
        }
        Ok(out)
    }
}

impl Loader<'_> {
    /// Reads the schedule base when `[data] us_schedule` is given (None otherwise), after
    /// checking the keys that cannot go with it.
    pub(super) fn dated_base(
        &self,
        data: &DataSection,
        tariffs: Option<&Spanned<TariffsSection>>,
        before_rules: &[Spanned<RuleSection>],
        importer: &Spanned<String>,
        provenance: &mut super::Provenance,
    ) -> Result<Option<(TradeData, DatedBase)>, ScenarioError> {
        let Some(written) = &data.us_schedule else {
            if let Some(t) = tariffs {
                return Err(self.err(
                    t.span(),
                    "tariffs",
                    "dates take their duties from the US measures schedule, whose HS6 × partner trade they \
                     apply to: add `us_schedule = \"data/us_schedule\"` to [data] (in place of `trade`)"
                        .into(),
                ));
            }
            return Ok(None);
        };
        if let Some(t) = &data.trade {
            return Err(self.err(
                t.span(),
                "data.trade",
                "give either `trade` or `us_schedule` (whose 2024 imports are the trade data), not both".into(),
            ));
        }
        if let Some(t) = &data.applied_tariffs {
            return Err(self.err(
                t.span(),
                "data.applied_tariffs",
                "with `us_schedule` the applied rates are the schedule's 2024 calculated duty / value; remove this key"
                    .into(),
            ));
        }
        if importer.get_ref() != "United States" {
            return Err(self.err(
                importer.span(),
                "scenario.importer",
                format!(
                    "the US measures schedule holds US imports; set importer = \"United States\" (found \"{}\")",
                    importer.get_ref()
                ),
            ));
        }
        if let (Some(_), Some(rule)) = (tariffs, before_rules.first()) {
            return Err(self.err(
                rule.span(),
                "before",
                "with [tariffs] dates the before state is the schedule on the before date; \
                 remove the [[before]] rules, or drop the dates and write both states as rules"
                    .into(),
            ));
        }
        let dir = self.dir.join(written.get_ref());
        if !dir.join("imports_2024_hs6.csv").is_file() {
            return Err(self.err(
                written.span(),
                "data.us_schedule",
                format!(
                    "'{}' is not the US measures schedule folder (no imports_2024_hs6.csv in '{}'; \
                     the shipped one is scenarios/data/us_schedule; {})",
                    written.get_ref(),
                    super::absolute(&dir).display(),
                    self.path_fix(written.get_ref())
                ),
            ));
        }
        let states = tariffs
            .map(|t| {
                let t = t.get_ref();
                Ok::<_, ScenarioError>((
                    self.state_days(&t.before, "tariffs.before")?,
                    self.state_days(&t.after, "tariffs.after")?,
                ))
            })
            .transpose()?;
        let (s, names) = rayon::join(|| Schedule::load(&dir), || read_descriptions(&dir));
        let (s, names) = (Arc::new(s?), names?);
        let (trade, cell_of) = base_trade(&s, &names, importer.get_ref());
        let applied = cell_of
            .iter()
            .map(|&c| s.cells[c].duty / s.cells[c].value)
            .collect();
        provenance
            .files
            .push(describe_base(&s, &trade, &cell_of, written.get_ref(), &dir));
        let dated = match states {
            Some((before, after)) => {
                let before_days = self.resolve_exporters(&s, before)?;
                let after_days = self.resolve_exporters(&s, after)?;
                provenance.dated_states = Some([
                    schedule_note(&s, &before_days, written.get_ref()),
                    schedule_note(&s, &after_days, written.get_ref()),
                ]);
                provenance.schedule_dates = Some(ScheduleDates {
                    dir: dir.clone(),
                    written: written.get_ref().clone(),
                    before: before_days.day,
                    after: after_days.day,
                    schedule: Arc::clone(&s),
                });
                let (before, after) = rayon::join(
                    || state_rates(&s, &cell_of, &before_days),
                    || state_rates(&s, &cell_of, &after_days),
                );
                let (before, after) = (before?, after?);
                Some(DatedRates {
                    before,
                    after,
                    path: PathInput {
                        mixed_days: !after_days.exporters.is_empty(),
                        after: after_days.day,
                        cell_of: cell_of.clone(),
                        schedule: s,
                    },
                })
            }
            None => None,
        };
        Ok(Some((trade, DatedBase { applied, dated })))
    }

    /// A state's day and its exporters on other days, each checked against the years
    /// the schedule covers.
    fn state_days(
        &self,
        state: &Spanned<super::file::DatedState>,
        field: &str,
    ) -> Result<StateDays, ScenarioError> {
        let day = |written: &Spanned<String>, field: &str| {
            Date::parse(written.get_ref())
                .and_then(|d| schedule::engine::check_covered(d).map(|()| d))
                .map_err(|m| self.err(written.span(), field, m))
        };
        let state = state.get_ref();
        let mut exporters = Vec::new();
        if let Some(map) = &state.exporter_dates {
            for (name, written) in map.get_ref() {
                let field = format!("{field}.exporter_dates.{name}");
                exporters.push((name.clone(), written.span(), day(written, &field)?));
            }
        }
        Ok(StateDays {
            day: day(&state.date, &format!("{field}.date"))?,
            exporters,
            field: format!("{field}.exporter_dates"),
        })
    }

    /// Makes a dated scenario's projection follow the schedule year by year (the calendar
    /// replaces `phase_in`), or records why the after state is held instead.
    pub(super) fn dated_projection(
        &self,
        spec: &mut ProjectionSpec,
        section: &Spanned<super::file::ProjectionSection>,
        dated: &DatedRates,
        rules_on_top: Option<&str>,
        order: &[usize],
        applied: &[Rate],
    ) -> Result<(), ScenarioError> {
        if let Some(reason) = rules_on_top.or(dated.path_blocked()) {
            spec.held = Some(reason.to_string());
            return Ok(());
        }
        let p = section.get_ref();
        for (written, field) in [
            (p.phase_in.as_ref().map(|x| x.span()), "projection.phase_in"),
            (
                p.rates_pct.as_ref().map(|x| x.span()),
                "projection.rates_pct",
            ),
        ] {
            if let Some(span) = written {
                return Err(self.err(
                    span,
                    field,
                    "with [tariffs] dates each year's duties come from the schedule, day by day \
                     from the after date; remove this key (or drop the dates to write a path by hand)"
                        .into(),
                ));
            }
        }
        let path = dated.year_path(spec.start_year..=spec.end_year)?;
        spec.dated = Some(DatedPath {
            from: path.from.to_string(),
            last_day: path.last_day.to_string(),
            tariffs: path
                .additional
                .iter()
                .map(|add| order.iter().map(|&i| applied[i] + add[i]).collect())
                .collect(),
            share_after: path.share_after,
        });
        Ok(())
    }

    /// Partner indices of a state's exporters on other days.
    fn resolve_exporters(
        &self,
        s: &Schedule,
        state: StateDays,
    ) -> Result<ResolvedDays, ScenarioError> {
        let mut exporters = Vec::with_capacity(state.exporters.len());
        for (name, span, day) in state.exporters {
            let Some(p) = s.partners.iter().position(|p| p.name == name) else {
                return Err(self.err(
                    span,
                    &state.field,
                    format!(
                        "'{name}' is not a partner of the US measures schedule; the partners are: {}",
                        s.partners
                            .iter()
                            .map(|p| p.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            };
            exporters.push((p, day));
        }
        Ok(ResolvedDays {
            day: state.day,
            exporters,
        })
    }
}

/// A dated state as written: its day, and exporters on other days with where each was written.
struct StateDays {
    day: Date,
    exporters: Vec<(String, std::ops::Range<usize>, Date)>,
    /// Where `exporter_dates` sits, for errors.
    field: String,
}

/// A dated state with its exporters resolved to schedule partners.
struct ResolvedDays {
    day: Date,
    exporters: Vec<(usize, Date)>,
}

/// Chapters 98 and 99 are special provisions (US goods returned, repairs) and estimate
/// lines (low-value shipments), not goods markets with a demand curve: they keep their 2024
/// applied rate in both states, so they carry base value and no effect.
pub fn is_special_provision(code: &str) -> bool {
    code.starts_with("98") || code.starts_with("99")
}

/// Additional duty of each trade cell in one dated state.
fn state_rates(
    s: &Schedule,
    cell_of: &[usize],
    state: &ResolvedDays,
) -> Result<Vec<Rate>, ScenarioError> {
    let on_day = schedule::rates_on(s, state.day)?;
    let mut other_days: Vec<(Date, schedule::Rates)> = Vec::new();
    for &(_, d) in &state.exporters {
        if d != state.day && !other_days.iter().any(|(x, _)| *x == d) {
            other_days.push((d, schedule::rates_on(s, d)?));
        }
    }
    Ok(cell_of
        .iter()
        .map(|&c| {
            let cell = &s.cells[c];
            if is_special_provision(&s.products[cell.product as usize]) {
                return 0.0;
            }
            let day = state
                .exporters
                .iter()
                .find(|(p, _)| *p == cell.partner as usize)
                .map_or(state.day, |(_, d)| *d);
            let rates = other_days
                .iter()
                .find(|(d, _)| *d == day)
                .map_or(&on_day, |(_, r)| r);
            pct_to_rate(rates.cells[c])
        })
        .collect())
}

/// How the report names a dated state.
fn schedule_note(s: &Schedule, state: &ResolvedDays, folder: &str) -> String {
    let others: Vec<String> = state
        .exporters
        .iter()
        .map(|(p, d)| format!("{} on {d}", s.partners[*p].name))
        .collect();
    let others = if others.is_empty() {
        String::new()
    } else {
        format!(" ({})", others.join(", "))
    };
    format!(
        "Additional duties in force on {}{others} from the US measures schedule ({folder}), on top of the 2024 \
         applied rates; chapters 98–99 (special provisions, estimate lines) held at their 2024 rates",
        state.day
    )
}

/// The trade data of the base: every HS6 × partner cell with 2024 imports (cells of zero
/// value carry no trade and are left out), and the schedule cell of each.
fn base_trade(
    s: &Schedule,
    names: &HashMap<String, String>,
    importer: &str,
) -> (TradeData, Vec<usize>) {
    let mut product_of: Vec<Option<usize>> = vec![None; s.products.len()];
    let mut trade = TradeData {
        products: Vec::new(),
        exporters: s.partners.iter().map(|p| p.name.clone()).collect(),
        importers: vec![importer.to_string()],
        cells: Vec::new(),
        values: Vec::new(),
        lines: Vec::new(),
        cell_index: Default::default(),
        multi_market: false,
        product_index: Default::default(),
        exporter_index: s
            .partners
            .iter()
            .enumerate()
            .map(|(i, p)| (p.name.clone(), i))
            .collect(),
        importer_index: [(importer.to_string(), 0)].into_iter().collect(),
        by_code: Vec::new(),
    };
    let mut cell_of = Vec::with_capacity(s.cells.len());
    for (c, cell) in s.cells.iter().enumerate().filter(|(_, c)| c.value > 0.0) {
        let code = &s.products[cell.product as usize];
        let p = *product_of[cell.product as usize].get_or_insert_with(|| {
            trade
                .product_index
                .insert(code.clone(), trade.products.len());
            trade.products.push(Product {
                code: code.clone(),
                description: names.get(code).cloned().unwrap_or_default(),
            });
            trade.products.len() - 1
        });
        let key = CellKey::new(p, cell.partner as usize, 0);
        trade.cells.push(key);
        trade.values.push(cell.value);
        // Lines of the imports file are not kept by the schedule; only GSIM errors use
        // them, and GSIM does not take this base.
        trade.lines.push(0);
        cell_of.push(c);
    }
    trade.cell_index = super::cell_index::CellIndex::last_wins(&trade.cells);
    trade.by_code = (0..trade.products.len()).collect();
    trade
        .by_code
        .sort_unstable_by(|&x, &y| trade.products[x].code.cmp(&trade.products[y].code));
    (trade, cell_of)
}

/// The product names, by HS6 code.
fn read_descriptions(dir: &std::path::Path) -> Result<HashMap<String, String>, ScenarioError> {
    let t = CsvTable::read(&dir.join(DESCRIPTIONS), "HS6 product names")?;
    let (code, description) = (t.require("hs6")?, t.require("description")?);
    let mut names = HashMap::with_capacity(t.len());
    for row in t.rows() {
        names.insert(
            row.required_text(code)?.to_string(),
            row.text(description).to_string(),
        );
    }
    Ok(names)
}

/// The provenance entry of the base: value shares by partner status (Rest of world is the
/// residual), the source ids of sources.csv.
fn describe_base(
    s: &Schedule,
    trade: &TradeData,
    cell_of: &[usize],
    written: &str,
    dir: &std::path::Path,
) -> DataFile {
    let mut by_status: BTreeMap<String, f64> = BTreeMap::new();
    for (i, &c) in cell_of.iter().enumerate() {
        let status = &s.partners[s.cells[c].partner as usize].status;
        *by_status.entry(status.clone()).or_default() += trade.values[i];
    }
    let total: f64 = trade.values.iter().sum();
    for v in by_status.values_mut() {
        *v /= total.max(f64::MIN_POSITIVE);
    }
    DataFile {
        role: "trade data and 2024 applied rates (US imports 2024, HS6 × partner, US measures schedule)".into(),
        written: format!("{written}/imports_2024_hs6.csv"),
        path: PathBuf::from(dir).join("imports_2024_hs6.csv"),
        rows: trade.cells.len(),
        sources: vec![format!(
            "US Census imports for consumption 2024 (source S1 of {written}/sources.csv); product names: {DESCRIPTIONS} (S11)"
        )],
        status_shares: by_status,
    }
}
