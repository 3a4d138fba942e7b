//! The US measures of 2025–2026 as data: `measures.csv` (one row per action, with its dates
//! and statutory rate), `partner_rates.csv` (the rates that differ by partner) and
//! `lists.csv` (which bit of a line class stands for which product-scope list).
//!
//! The engine asks for measures by id; an id it needs that the table lacks is an error that
//! names the file, so a measure cannot silently drop out of the schedule.

use super::date::Date;
use crate::error::ScenarioError;
use crate::scenario::data::CsvTable;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One action of `measures.csv`.
#[derive(Debug, Clone)]
pub struct Measure {
    /// Short key (`s232_autos_25`).
    pub id: String,
    /// First day in force (none: not in force on any date, e.g. not modelled).
    pub start: Option<Date>,
    /// Last day in force, inclusive (none: still in force).
    pub end: Option<Date>,
    /// Statutory additional rate, percent (none when it varies by partner).
    pub rate: Option<f64>,
    /// The status tag (PUBLISHED, UNVERIFIED, ...).
    pub status: String,
    /// The law it rests on (`IEEPA`, `Section 232`, ...); empty when the column is absent.
    pub authority: String,
    /// The instrument (`EO 14326 (31 Jul 2025), Annex I`); empty when absent.
    pub legal_reference: String,
    /// Whom it applies to, as the table writes it (`all (except Canada and Mexico)`).
    pub who: String,
    /// `base_reset`, `sector`, `stacked` or `exemption`; empty when absent.
    pub kind: String,
    /// Line in the file, for errors.
    pub line: u64,
}

impl Measure {
    /// True on the days from `start` to `end`, both included.
    pub fn in_force(&self, date: Date) -> bool {
        self.start.is_some_and(|s| s <= date) && self.end.is_none_or(|e| date <= e)
    }
}

/// A partner's rate under one measure (`partner_rates.csv`).
#[derive(Debug, Clone, Copy)]
pub struct PartnerRate {
    /// The statutory rate, percent.
    pub rate: f64,
    /// The rate the source tracker applies, percent, when given.
    pub tracker_rate: Option<f64>,
}

/// The measures table and its partner rates, indexed by id.
#[derive(Debug, Clone)]
pub struct Measures {
    path: PathBuf,
    rates_path: PathBuf,
    measures: Vec<Measure>,
    index: HashMap<String, usize>,
    partner_rates: HashMap<(String, String), PartnerRate>,
}

impl Measures {
    /// Reads `measures.csv` and `partner_rates.csv`.
    pub fn load(measures: &Path, rates_path: &Path) -> Result<Measures, ScenarioError> {
        let t = CsvTable::read(measures, "measures table")?;
        let [id, start, end, rate, status] =
            ["id", "start_date", "end_date", "rate_pct", "status"].map(|c| t.require(c));
        let (id, start, end, rate, status) = (id?, start?, end?, rate?, status?);
        // Descriptive columns: only labels (the tariff timeline) read them.
        let [authority, legal, who, kind] =
            ["authority", "legal_reference", "who", "kind"].map(|c| t.column(c));
        let mut list = Vec::with_capacity(t.len());
        let mut index = HashMap::with_capacity(t.len());
        for row in t.rows() {
            let key = row.required_text(id)?.to_string();
            let date = |c: usize| -> Result<Option<Date>, ScenarioError> {
                match row.text(c) {
                    "" => Ok(None),
                    s => Date::parse(s).map(Some).map_err(|m| row.error(c, m)),
                }
            };
            let m = Measure {
                id: key.clone(),
                start: date(start)?,
                end: date(end)?,
                rate: match row.text(rate) {
                    "" => None,
                    _ => Some(row.non_negative(rate)?),
                },
                status: row.text(status).to_string(),
                authority: authority.map_or("", |c| row.text(c)).to_string(),
                legal_reference: legal.map_or("", |c| row.text(c)).to_string(),
                who: who.map_or("", |c| row.text(c)).to_string(),
                kind: kind.map_or("", |c| row.text(c)).to_string(),
                line: row.line,
            };
            if let (Some(s), Some(e)) = (m.start, m.end)
                && e < s
            {
                return Err(row.error(end, format!("ends on {e}, before it starts on {s}")));
            }
            if let Some(first) = index.insert(key.clone(), list.len()) {
                let first: &Measure = &list[first];
                return Err(row.error(
                    id,
                    format!(
                        "measure '{key}' is listed twice (first on line {})",
                        first.line
                    ),
                ));
            }
            list.push(m);
        }

        let t = CsvTable::read(rates_path, "partner rates of the measures")?;
        let [mid, cty, rate, tracker] =
            ["measure_id", "cty_code", "rate_pct", "tracker_rate_pct"].map(|c| t.require(c));
        let (mid, cty, rate, tracker) = (mid?, cty?, rate?, tracker?);
        let mut partner_rates = HashMap::with_capacity(t.len());
        for row in t.rows() {
            let m = row.required_text(mid)?;
            if !index.contains_key(m) {
                return Err(row.error(mid, format!("no measure '{m}' in {}", measures.display())));
            }
            let r = PartnerRate {
                rate: row.non_negative(rate)?,
                tracker_rate: match row.text(tracker) {
                    "" => None,
                    _ => Some(row.non_negative(tracker)?),
                },
            };
            let code = row.required_text(cty)?.to_string();
            if partner_rates
                .insert((m.to_string(), code.clone()), r)
                .is_some()
            {
                return Err(row.error(cty, format!("partner {code} is given twice for '{m}'")));
            }
        }
        Ok(Measures {
            path: measures.to_path_buf(),
            rates_path: rates_path.to_path_buf(),
            measures: list,
            index,
            partner_rates,
        })
    }

    /// The measure with this id, or an error naming the file.
    pub fn get(&self, id: &str) -> Result<&Measure, ScenarioError> {
        self.index
            .get(id)
            .map(|&i| &self.measures[i])
            .ok_or_else(|| ScenarioError::Csv {
                path: self.path.clone(),
                line: 1,
                column: Some("id".into()),
                message: format!(
                    "the schedule engine needs measure '{id}', which is not in the table"
                ),
            })
    }

    /// Whether the measure is in force on `date`.
    pub fn in_force(&self, id: &str, date: Date) -> Result<bool, ScenarioError> {
        Ok(self.get(id)?.in_force(date))
    }

    /// The measure's statutory rate, which must be given.
    pub fn rate(&self, id: &str) -> Result<f64, ScenarioError> {
        let m = self.get(id)?;
        m.rate.ok_or_else(|| ScenarioError::Csv {
            path: self.path.clone(),
            line: m.line,
            column: Some("rate_pct".into()),
            message: format!("measure '{id}' needs a rate here; it is empty"),
        })
    }

    /// A partner's own rate under the measure, if it has one.
    pub fn partner_rate(&self, id: &str, cty_code: &str) -> Option<PartnerRate> {
        self.partner_rates
            .get(&(id.to_string(), cty_code.to_string()))
            .copied()
    }

    /// A partner's own rate, or the measure's statutory rate.
    pub fn rate_for(&self, id: &str, cty_code: &str) -> Result<f64, ScenarioError> {
        match self.partner_rate(id, cty_code) {
            Some(r) => Ok(r.rate),
            None => self.rate(id),
        }
    }

    /// True when the partner has a row under the measure (the measure names it).
    pub fn names(&self, id: &str, cty_code: &str) -> bool {
        self.partner_rate(id, cty_code).is_some()
    }

    /// An error about the partner-rates file (a rate the engine needs is missing).
    pub fn missing_partner_rate(&self, id: &str, cty_code: &str, what: &str) -> ScenarioError {
        ScenarioError::Csv {
            path: self.rates_path.clone(),
            line: 1,
            column: Some("tracker_rate_pct".into()),
            message: format!("measure '{id}', partner {cty_code}: {what}"),
        }
    }

    /// The measures, in file order.
    pub fn iter(&self) -> impl Iterator<Item = &Measure> {
        self.measures.iter()
    }
}

/// The product-scope lists the engine reads, each as its bit in a line class's mask
/// (`lists.csv`). Looked up by name once, so a renamed list is an error, not a silent 0.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct ListMasks {
    pub annex_ii: u32,
    pub electronics: u32,
    pub agriculture: u32,
    pub brazil_non_aircraft: u32,
    pub brazil_aircraft: u32,
    pub steel: u32,
    pub aluminium: u32,
    pub autos: u32,
    pub copper: u32,
    pub metals_ia: u32,
    pub metals_ib: u32,
    pub metals_ii_removed: u32,
    pub metals_iii: u32,
    pub s122_products: u32,
    pub s122_specific: u32,
    pub s122_aircraft: u32,
    pub brazil_301_exempt: u32,
    pub s338_alcohol: u32,
    pub s338_dairy: u32,
    pub s338_autos: u32,
    pub s338_aircraft: u32,
    pub timber_softwood: u32,
    pub timber_furniture: u32,
    pub labor_part_a: u32,
    pub cafta_textiles: u32,
}

impl ListMasks {
    /// Reads `lists.csv` (`bit, list, ...`) and finds every list the engine uses.
    /// Returns the masks and the list names by bit.
    pub fn load(path: &Path) -> Result<(ListMasks, Vec<String>), ScenarioError> {
        let t = CsvTable::read(path, "list index")?;
        let (bit_col, name_col) = (t.require("bit")?, t.require("list")?);
        let mut by_name: HashMap<String, u32> = HashMap::new();
        let mut names = vec![String::new(); 32];
        for row in t.rows() {
            let bit = row.required_text(bit_col)?;
            let bit: u32 = match bit.parse() {
                Ok(b) if b < 32 => b,
                _ => return Err(row.error(bit_col, format!("expected a bit 0–31, found '{bit}'"))),
            };
            let name = row.required_text(name_col)?.to_string();
            if !names[bit as usize].is_empty() {
                return Err(row.error(bit_col, format!("bit {bit} is used twice")));
            }
            names[bit as usize] = name.clone();
            by_name.insert(name, 1 << bit);
        }
        let get = |name: &str| {
            by_name
                .get(name)
                .copied()
                .ok_or_else(|| ScenarioError::Csv {
                    path: path.to_path_buf(),
                    line: 1,
                    column: Some("list".into()),
                    message: format!("the schedule engine needs list '{name}', which is not here"),
                })
        };
        let masks = ListMasks {
            annex_ii: get("eo14257-annex-II-exemptions")?,
            electronics: get("eo14257-consumer-electronics-apr11")?,
            agriculture: get("eo14360-ag-exemptions-nov14")?,
            brazil_non_aircraft: get("eo14323-brazil-exemptions-non-aircraft")?,
            brazil_aircraft: get("eo14323-brazil-exemptions-aircraft")?,
            steel: get("s232-steel")?,
            aluminium: get("s232-aluminum")?,
            autos: get("s232-autos-parts")?,
            copper: get("s232-copper")?,
            metals_ia: get("s232-metals-annex-IA")?,
            metals_ib: get("s232-metals-annex-IB")?,
            metals_ii_removed: get("s232-metals-annex-II-removed")?,
            metals_iii: get("s232-metals-annex-III-temporary")?,
            s122_products: get("s122-product-exemptions")?,
            s122_specific: get("s122-specific-exemptions")?,
            s122_aircraft: get("s122-aircraft-exemptions")?,
            brazil_301_exempt: get("s301-brazil-exemptions")?,
            s338_alcohol: get("s338-canada-alcohol")?,
            s338_dairy: get("s338-canada-dairy")?,
            s338_autos: get("s338-canada-autos")?,
            s338_aircraft: get("s338-canada-aircraft-exempt")?,
            timber_softwood: get("s232-timber-softwood")?,
            timber_furniture: get("s232-timber-furniture-cabinets")?,
            labor_part_a: get("s301-labor-annexA-provisional")?,
            cafta_textiles: get("s301-labor-cafta-dr-textile-chapters")?,
        };
        names.truncate(
            names
                .iter()
                .rposition(|n| !n.is_empty())
                .map_or(0, |i| i + 1),
        );
        Ok((masks, names))
    }
}
