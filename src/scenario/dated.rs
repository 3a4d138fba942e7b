//! Scenarios on the US measures schedule: the HS6 × partner 2024 imports as trade data
//! (`[data] us_schedule`) and the additional duties in force on named dates (`[tariffs]`).
//!
//! Kept apart from the CSV path so that a scenario without these keys loads exactly as
//! before; the loader only asks this file for the trade data and the two additional-duty
//! vectors.

use super::data::CsvTable;
use super::file::{DataSection, RuleSection, TariffsSection};
use super::policy::CellKey;
use super::{DataFile, Loader, Product, TradeData};
use crate::error::ScenarioError;
use crate::schedule::{self, Date, Schedule};
use crate::units::{Rate, pct_to_rate};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use toml::Spanned;

/// The product names shipped beside the schedule (HS file, source S11 of sources.csv).
pub const DESCRIPTIONS: &str = "hs6_descriptions.csv";

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
                     paths are relative to the scenario file, the shipped one is scenarios/data/us_schedule)",
                    written.get_ref(),
                    dir.display()
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
        let s = Schedule::load(&dir)?;
        let names = read_descriptions(&dir)?;
        let (trade, cell_of) = base_trade(&s, &names, importer.get_ref());
        let applied = cell_of
            .iter()
            .map(|&c| s.cells[c].duty / s.cells[c].value)
            .collect();
        let dated = match states {
            Some((before, after)) => {
                let before_days = self.resolve_exporters(&s, before)?;
                let after_days = self.resolve_exporters(&s, after)?;
                let dated = DatedRates {
                    before: state_rates(&s, &cell_of, &before_days)?,
                    after: state_rates(&s, &cell_of, &after_days)?,
                };
                provenance.dated_states = Some([
                    schedule_note(&s, &before_days, written.get_ref()),
                    schedule_note(&s, &after_days, written.get_ref()),
                ]);
                Some(dated)
            }
            None => None,
        };
        provenance
            .files
            .push(describe_base(&s, &trade, &cell_of, written.get_ref(), &dir));
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
        cell_index: HashMap::new(),
        multi_market: false,
        product_index: HashMap::new(),
        exporter_index: s
            .partners
            .iter()
            .enumerate()
            .map(|(i, p)| (p.name.clone(), i))
            .collect(),
        importer_index: HashMap::from([(importer.to_string(), 0)]),
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
        let key = CellKey {
            product: p,
            exporter: cell.partner as usize,
            importer: 0,
        };
        trade
            .cell_index
            .insert((p, key.exporter, 0), trade.cells.len());
        trade.cells.push(key);
        trade.values.push(cell.value);
        // Lines of the imports file are not kept by the schedule; only GSIM errors use
        // them, and GSIM does not take this base.
        trade.lines.push(0);
        cell_of.push(c);
    }
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
