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
use crate::schedule::timeline::{self, TariffPath};
use crate::schedule::{self, Date, Schedule};
use crate::units::{Rate, pct_to_rate};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use toml::Spanned;

/// The product names shipped beside the schedule (HS file, source S11 of sources.csv).
pub const DESCRIPTIONS: &str = "hs6_descriptions.csv";

/// The schedule folder and the two dates of a dated scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleDates {
    /// The folder, resolved.
    pub dir: PathBuf,
    /// The folder as the scenario writes it.
    pub written: String,
    /// The before date.
    pub before: Date,
    /// The after date.
    pub after: Date,
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
    let schedule = Schedule::load(&d.dir)?;
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
        &schedule,
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
        let dates = tariffs
            .map(|t| {
                let t = t.get_ref();
                Ok::<_, ScenarioError>((
                    self.state_date(&t.before, "tariffs.before.date")?,
                    self.state_date(&t.after, "tariffs.after.date")?,
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
        let dated = match dates {
            Some((before_date, after_date)) => {
                let on = |d: Date| {
                    schedule::rates_on(&s, d).map(|r| {
                        cell_of
                            .iter()
                            .map(|&c| pct_to_rate(r.cells[c]))
                            .collect::<Vec<_>>()
                    })
                };
                let dated = DatedRates {
                    before: on(before_date)?,
                    after: on(after_date)?,
                };
                provenance.dated_states = Some([
                    schedule_note(before_date, written.get_ref()),
                    schedule_note(after_date, written.get_ref()),
                ]);
                provenance.schedule_dates = Some(ScheduleDates {
                    dir: dir.clone(),
                    written: written.get_ref().clone(),
                    before: before_date,
                    after: after_date,
                });
                Some(dated)
            }
            None => None,
        };
        provenance
            .files
            .push(describe_base(&s, &trade, &cell_of, written.get_ref(), &dir));
        Ok(Some((trade, DatedBase { applied, dated })))
    }

    /// A state's date, checked against the years the schedule covers.
    fn state_date(
        &self,
        state: &Spanned<super::file::DatedState>,
        field: &str,
    ) -> Result<Date, ScenarioError> {
        let written = &state.get_ref().date;
        let date = Date::parse(written.get_ref())
            .and_then(|d| schedule::engine::check_covered(d).map(|()| d))
            .map_err(|m| self.err(written.span(), field, m))?;
        Ok(date)
    }
}

/// How the report names a dated state.
fn schedule_note(date: Date, folder: &str) -> String {
    format!(
        "Additional duties in force on {date} from the US measures schedule ({folder}), on top of the 2024 applied rates"
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
