//! Scenarios: the TOML file and its CSV data, read and validated into plain model input.
//!
//! Two stages, as in ripgrep's argument handling: [`file`] holds the raw serde types that
//! mirror the file; [`load`] checks every value and builds a [`Scenario`] whose markets the
//! models can take as they are. After loading, nothing downstream needs the file again.

pub mod armington_setup;
pub mod bounds;
mod cell_index;
pub mod data;
pub mod dated;
pub mod domestic;
pub mod elasticity_sets;
mod fast_hash;
pub mod file;
pub mod gsim_setup;
pub mod layers;
pub mod policy;
pub mod quick_set;
pub mod specs;
pub mod starter;
pub mod unit_check;

use crate::error::ScenarioError;
use crate::model::gsim::{CsFormula, GsimForm, GsimOptions};
use crate::model::smart::{DiversionMethod, SmartOptions};
use crate::model::{Elasticities, ProductMarket, SupplyElasticity, TradeFlow};
use crate::solve::NewtonOptions;
use crate::units::{Rate, pct_to_rate};
use data::{CsvTable, Num, check_percent_columns};
use file::{RuleSection, ScenarioFile, SupplyValue};
use policy::{CellKey, Layer, RuleAction, TariffRule, TariffSchedule};
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Name under which exporters not shown separately are summed in tables and charts.
pub const REST_OF_WORLD: &str = "Rest of world";

/// A product of the scenario (an HS code, usually).
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    /// Code as written in the data (leading zeros kept).
    pub code: String,
    /// Description from the data, possibly empty.
    pub description: String,
}

impl Product {
    /// "6302 Bed linen" or just the code.
    pub fn label(&self) -> String {
        if self.description.is_empty() {
            self.code.clone()
        } else {
            format!("{} {}", self.code, self.description)
        }
    }
}

/// Armington default of the composite (total) demand elasticity η (docs/model.md §6).
pub const DEFAULT_COMPOSITE_DEMAND: f64 = -1.0;
/// Armington default of the importer's own producers' supply elasticity.
pub const DEFAULT_DOMESTIC_SUPPLY: f64 = 1.5;

/// The model a scenario asks for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ModelChoice {
    /// SMART, one importing market.
    Smart(SmartOptions),
    /// GSIM, several importing markets with world prices cleared.
    Gsim(GsimOptions),
    /// Armington: one importing market with its own producers beside the imports (the
    /// per-market domestic inputs are [`Scenario::armington`]).
    Armington(armington_setup::ArmingtonChoice),
}

impl ModelChoice {
    /// The SMART options: the scenario's own, or for a GSIM scenario those of its
    /// single-market comparison (CES-share diversion, the default).
    pub fn smart_options(&self) -> SmartOptions {
        match self {
            ModelChoice::Smart(o) => *o,
            ModelChoice::Gsim(_) | ModelChoice::Armington(_) => SmartOptions::default(),
        }
    }
}

/// Where the elasticity of a product came from.
#[derive(Debug, Clone, PartialEq)]
pub enum ElasticitySource {
    /// The elasticity file's row with this prefix.
    File(String),
    /// The scenario's defaults.
    Default,
}

/// A data file the scenario used, for the report's provenance section.
#[derive(Debug, Clone, PartialEq)]
pub struct DataFile {
    /// What it is for.
    pub role: String,
    /// Path as written in the scenario.
    pub written: String,
    /// Path as resolved.
    pub path: PathBuf,
    /// Number of data rows.
    pub rows: usize,
    /// Distinct `source` values, in order of first appearance.
    pub sources: Vec<String>,
    /// Share of trade value (trade file) or of rows (others) per `status` value.
    pub status_shares: BTreeMap<String, f64>,
}

/// Facts about the scenario that the report states so that a reader can judge the inputs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Provenance {
    /// Data files read.
    pub files: Vec<DataFile>,
    /// Human-readable notes on elasticities (signs used, defaults).
    pub elasticity_notes: Vec<String>,
    /// Descriptions of the `[[before]]` rules.
    pub before_rules: Vec<String>,
    /// Descriptions of the `[[policy]]` rules.
    pub policy_rules: Vec<String>,
    /// Number of cells set by the explicit policy-rates file.
    pub explicit_cells: usize,
    /// The `--set` what-ifs applied on top of the after state, one line each.
    pub quick_sets: Vec<String>,
    /// Warnings about the inputs (e.g. trade values implausible for the declared unit).
    pub warnings: Vec<String>,
    /// A dated scenario: the before and after states as schedule descriptions.
    pub dated_states: Option<[String; 2]>,
    /// A dated scenario: its schedule folder and the two dates (for the tariff timeline).
    pub schedule_dates: Option<dated::ScheduleDates>,
}

/// A validated scenario, ready to simulate.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The scenario file.
    pub path: PathBuf,
    /// Title.
    pub name: String,
    /// Description (sources).
    pub description: String,
    /// Importing market.
    pub importer: String,
    /// Year of the base data.
    pub base_year: i64,
    /// Unit of trade values.
    pub currency_unit: String,
    /// Index of the focus exporter.
    pub focus: usize,
    /// Exporter names, in order of first appearance in the trade data.
    pub exporters: Vec<String>,
    /// Products, in order of first appearance in the trade data.
    pub products: Vec<Product>,
    /// One market per product (same order as `products`).
    pub markets: Vec<ProductMarket>,
    /// Elasticity source per product.
    pub elasticity_sources: Vec<ElasticitySource>,
    /// The elasticity defaults.
    pub default_elasticities: Elasticities,
    /// The named elasticity set the markets' elasticities come from.
    pub elasticity_set: elasticity_sets::ElasticitySet,
    /// Every named set's elasticities per product: SMART scenarios whose products are all
    /// HS6 codes (`None` otherwise, where only `chapter_medians` applies).
    pub elasticity_sets: Option<elasticity_sets::SetTable>,
    /// The model and its options.
    pub model: ModelChoice,
    /// Tariff rates per cell (cells in market order, flattened).
    pub schedule: TariffSchedule,
    /// Exporter → reporting group index (into `report_groups`).
    pub report_group_of: Vec<usize>,
    /// Names of the reporting groups (exporters shown separately, then Rest of world if used).
    pub report_groups: Vec<String>,
    /// Number of products shown in product charts and tables.
    pub top_products: usize,
    /// Inputs and their status.
    pub provenance: Provenance,
    /// Monte-Carlo uncertainty, when `[uncertainty]` is given.
    pub uncertainty: Option<specs::UncertaintySpec>,
    /// One-at-a-time sensitivity, when `[sensitivity]` is given.
    pub sensitivity: Option<specs::SensitivitySpec>,
    /// Projection over years, when `[projection]` is given.
    pub projection: Option<specs::ProjectionSpec>,
    /// Tariff sweep, when `[sweep]` is given.
    pub sweep: Option<specs::SweepSpec>,
    /// The multi-market setup of a GSIM scenario (`markets` then hold the scenario
    /// importer's column, for the single-market comparison).
    pub gsim: Option<gsim_setup::GsimSetup>,
    /// The domestic side of an Armington scenario, per market.
    pub armington: Option<armington_setup::ArmingtonInputs>,
}

impl Scenario {
    /// The focus exporter's name.
    pub fn focus_name(&self) -> &str {
        &self.exporters[self.focus]
    }

    /// The file stem, used as the default output folder name.
    pub fn stem(&self) -> String {
        self.path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "scenario".into())
    }

    /// Finds an exporter by name (exact, then ignoring case) or by ISO 3166 alpha-3 code
    /// for the exporters the shipped data uses (PAK, CHN, VNM, ...; ROW for Rest of world).
    pub fn find_exporter(&self, query: &str) -> Option<usize> {
        find_exporter_in(&self.exporters, query)
    }

    /// The per-market elasticities of a named set, when they differ from the markets' own
    /// (`None` means: use `markets[i].elasticities`).
    pub fn set_elasticities(&self, set: elasticity_sets::ElasticitySet) -> Option<&[Elasticities]> {
        match &self.elasticity_sets {
            Some(table) if set != self.elasticity_set => Some(table.of(set)),
            _ => None,
        }
    }

    /// Total base trade over all markets.
    pub fn total_trade(&self) -> f64 {
        self.markets
            .iter()
            .flat_map(|m| &m.flows)
            .map(|f| f.base_value)
            .sum()
    }
}

/// [`Scenario::find_exporter`] over a list of exporter names.
pub fn find_exporter_in(exporters: &[String], query: &str) -> Option<usize> {
    const ISO: [(&str, &[&str]); 11] = [
        ("PAK", &["Pakistan"]),
        ("CHN", &["China"]),
        ("VNM", &["Vietnam", "Viet Nam"]),
        ("BGD", &["Bangladesh"]),
        ("IND", &["India"]),
        ("KHM", &["Cambodia"]),
        ("IDN", &["Indonesia"]),
        ("LKA", &["Sri Lanka"]),
        ("TUR", &["Turkey", "Türkiye", "Turkiye"]),
        ("MEX", &["Mexico"]),
        ("ROW", &[REST_OF_WORLD]),
    ];
    let by_name = |n: &str| exporters.iter().position(|e| e.eq_ignore_ascii_case(n));
    exporters
        .iter()
        .position(|e| e == query)
        .or_else(|| by_name(query))
        .or_else(|| {
            ISO.iter()
                .find(|(code, _)| code.eq_ignore_ascii_case(query))
                .and_then(|(_, names)| names.iter().find_map(|n| by_name(n)))
        })
}

/// Largest scenario (TOML) file read, in bytes.
pub const MAX_SCENARIO_BYTES: u64 = 16 * 1024 * 1024;

/// Loads and validates a scenario file and its data.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    load_with(path, &[])
}

/// [`load`], with `--set` what-ifs applied on top of the scenario's after state.
pub fn load_with(path: &Path, sets: &[quick_set::QuickSet]) -> Result<Scenario, ScenarioError> {
    let bytes =
        data::read_input_file(path, MAX_SCENARIO_BYTES).map_err(|problem| ScenarioError::Path {
            role: "scenario file".into(),
            path: path.to_path_buf(),
            problem: problem.to_string(),
        })?;
    if let Some(line) = data::first_non_utf8_line(&bytes) {
        return Err(ScenarioError::Text {
            path: path.to_path_buf(),
            line,
            message: data::NOT_UTF8.into(),
        });
    }
    let text = String::from_utf8(bytes).expect("checked to be UTF-8 above");
    let raw: ScenarioFile = toml::from_str(&text).map_err(|e| ScenarioError::Toml {
        path: path.to_path_buf(),
        message: toml_message(&e),
    })?;
    Loader {
        path,
        lines: data::LineIndex::new(text.as_bytes()),
        dir: path.parent().unwrap_or(Path::new(".")).to_path_buf(),
        sets,
    }
    .build(raw)
}

/// toml's message with the serde part ("invalid type: string \"10%\", expected f64") said in
/// a user's words ("expected a number such as 1.5, found the text \"10%\""); the location and
/// the snippet of the file are kept.
fn toml_message(e: &toml::de::Error) -> String {
    let full = e.to_string();
    let full = full.trim_end();
    let raw = e.message().trim_end();
    let plain = plain_toml_message(raw);
    match full.rfind(raw) {
        Some(i) => format!("{}{plain}", &full[..i]),
        None => format!("{full}\n{plain}"),
    }
}

/// The words of [`toml_message`].
fn plain_toml_message(m: &str) -> String {
    fn expected(e: &str) -> String {
        match e {
            "f64" | "a float" => "a number such as 1.5".into(),
            "i64" | "an integer" => {
                "a whole number written without a decimal point, such as 2024".into()
            }
            "a string" | "a borrowed string" => {
                "text in double quotes, such as \"Pakistan\"".into()
            }
            "a boolean" => "true or false".into(),
            "a sequence" => "a list in square brackets, such as [\"61\", \"62\"]".into(),
            "a map" => "a table".into(),
            e if e.starts_with("struct ") => "a table".into(),
            e => e.into(),
        }
    }
    fn found(f: &str) -> String {
        let quoted = |rest: &str| rest.trim_matches('`').to_string();
        if let Some(rest) = f.strip_prefix("string ") {
            format!("the text {rest}")
        } else if let Some(rest) = f.strip_prefix("floating point ") {
            format!("the number {}", quoted(rest))
        } else if let Some(rest) = f.strip_prefix("integer ") {
            match rest.strip_suffix(" as i128") {
                Some(n) => format!("the whole number {}, which is too large", quoted(n)),
                None => format!("the whole number {}", quoted(rest)),
            }
        } else if let Some(rest) = f.strip_prefix("boolean ") {
            quoted(rest)
        } else if f == "sequence" {
            "a list".into()
        } else if f == "map" {
            "a table".into()
        } else {
            f.into()
        }
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some((f, e)) = m
            .strip_prefix(prefix)
            .and_then(|rest| rest.split_once(", expected "))
        {
            return format!("expected {}, found {}", expected(e), found(f));
        }
    }
    if m.contains("untagged enum SupplyValue") {
        return "expected a positive number such as 1.5, or the word \"infinite\"".into();
    }
    if let Some(key) = m.strip_prefix("missing field ") {
        return format!("the required key {key} is missing from this table");
    }
    match m {
        "integer number overflowed" => "this whole number is too large".into(),
        "floating-point number overflowed" => {
            "this number is too large (numbers must be finite)".into()
        }
        m => m.into(),
    }
}

/// Builds a [`Scenario`] from the raw file; holds what error messages need.
struct Loader<'a> {
    path: &'a Path,
    /// Where the scenario file's lines start, to turn spans into line numbers.
    lines: data::LineIndex,
    dir: PathBuf,
    /// `--set` what-ifs from the command line.
    sets: &'a [quick_set::QuickSet],
}

/// The trade data as read: products, exporters, importers and one cell per row.
struct TradeData {
    products: Vec<Product>,
    exporters: Vec<String>,
    importers: Vec<String>,
    cells: Vec<CellKey>,
    values: Vec<f64>,
    /// Line of each cell in the trade file.
    lines: Vec<u64>,
    cell_index: cell_index::CellIndex,
    /// A GSIM scenario: every file must have an `importer` column.
    multi_market: bool,
    /// Names to indices, so that every row and rule is looked up in constant time.
    product_index: fast_hash::FastMap<String, usize>,
    exporter_index: fast_hash::FastMap<String, usize>,
    importer_index: fast_hash::FastMap<String, usize>,
    /// Product indices sorted by code: the products with a given prefix are a contiguous run.
    by_code: Vec<usize>,
}

impl TradeData {
    /// The products whose code starts with `prefix`, in code order.
    fn with_prefix<'t>(&'t self, prefix: &'t str) -> impl Iterator<Item = usize> + 't {
        let start = self
            .by_code
            .partition_point(|&p| self.products[p].code.as_str() < prefix);
        self.by_code[start..]
            .iter()
            .copied()
            .take_while(move |&p| self.products[p].code.starts_with(prefix))
    }
}

impl Loader<'_> {
    fn line_of(&self, span: Range<usize>) -> usize {
        self.lines.line_of(span.start)
    }

    /// Refuses a name or label with a line break, tab or other control character.
    fn one_line(&self, value: &Spanned<String>, field: &str) -> Result<(), ScenarioError> {
        match data::control_char_problem(value.get_ref()) {
            None => Ok(()),
            Some(m) => Err(self.err(value.span(), field, m)),
        }
    }

    fn err(&self, span: Range<usize>, field: &str, message: String) -> ScenarioError {
        ScenarioError::Invalid {
            path: self.path.to_path_buf(),
            line: self.line_of(span),
            field: field.to_string(),
            message,
        }
    }

    /// Reads the CSV file a `[data]` key names (relative to the scenario file); a path that is
    /// missing, not a regular file, or too large is an error at that key.
    fn read_csv(&self, written: &Spanned<String>, field: &str) -> Result<CsvTable, ScenarioError> {
        let p = self.dir.join(written.get_ref());
        let bytes = data::read_input_file(&p, data::MAX_DATA_BYTES).map_err(|problem| {
            let fix = match problem {
                data::PathProblem::NotFound => format!("; {}", self.path_fix(written.get_ref())),
                _ => String::new(),
            };
            self.err(
                written.span(),
                field,
                format!(
                    "data file '{}' {problem} (looked for '{}'{fix})",
                    written.get_ref(),
                    absolute(&p).display()
                ),
            )
        })?;
        CsvTable::parse(&p, &bytes)
    }

    /// How to fix a data path that does not exist: paths are relative to the scenario file's
    /// folder, so a scenario copied out of `scenarios/` loses its data. When the path does
    /// exist from the project's `scenarios/` folder, the message gives that absolute path.
    fn path_fix(&self, written: &str) -> String {
        let shipped = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios")
            .join(written);
        let from_shipped = if !Path::new(written).is_absolute() && shipped.exists() {
            format!(
                "; the shipped scenarios' '{written}' is '{}': write that absolute path",
                shipped.display()
            )
        } else {
            String::new()
        };
        format!(
            "paths are relative to the scenario file's folder, '{}'. If you copied the scenario \
             out of the project, write each data path from that folder, write an absolute path, \
             or copy the data beside the scenario{from_shipped}",
            absolute(&self.dir).display()
        )
    }

    fn build(&self, raw: ScenarioFile) -> Result<Scenario, ScenarioError> {
        let sc = raw.scenario.into_inner();
        let data_span = raw.data.span();
        let data = raw.data.into_inner();
        let mut provenance = Provenance::default();

        for (value, field) in [
            (&sc.name, "scenario.name"),
            (&sc.importer, "scenario.importer"),
            (&sc.focus_exporter, "scenario.focus_exporter"),
            (&sc.currency_unit, "scenario.currency_unit"),
        ] {
            self.one_line(value, field)?;
        }
        let model = self.model_choice(raw.model.as_ref())?;
        if let (ModelChoice::Gsim(_), Some(written)) = (&model, &data.us_schedule) {
            return Err(self.err(
                written.span(),
                "data.us_schedule",
                "the US measures schedule is one importing market; use it with kind = \"smart\""
                    .into(),
            ));
        }
        let importer_span = sc.importer.span();
        let importer = sc.importer.get_ref().clone();
        let schedule_base = self.dated_base(
            &data,
            raw.tariffs.as_ref(),
            &raw.before,
            &sc.importer,
            &mut provenance,
        )?;
        let (trade, trade_table, schedule_base) = match schedule_base {
            Some((trade, base)) => (trade, None, Some(base)),
            None => {
                let Some(written) = &data.trade else {
                    return Err(self.err(
                        data_span,
                        "data.trade",
                        "the trade data is missing: give `trade = \"...csv\"` or `us_schedule = \"data/us_schedule\"`".into(),
                    ));
                };
                let trade_table = self.read_csv(written, "data.trade")?;
                let trade = read_trade(
                    &trade_table,
                    &importer,
                    matches!(model, ModelChoice::Gsim(_)),
                )?;
                provenance.files.push(describe_file(
                    &trade_table,
                    "trade data",
                    written.get_ref(),
                    Some(&trade.values),
                ));
                (trade, Some(trade_table), None)
            }
        };

        let focus = trade
            .exporters
            .iter()
            .position(|e| e == sc.focus_exporter.get_ref())
            .ok_or_else(|| {
                self.err(
                    sc.focus_exporter.span(),
                    "scenario.focus_exporter",
                    data::unknown_name("exporter", sc.focus_exporter.get_ref(), &trade.exporters),
                )
            })?;
        let base_year = *sc.base_year.get_ref();
        if !(1900..=2100).contains(&base_year) {
            return Err(self.err(
                sc.base_year.span(),
                "scenario.base_year",
                format!("expected a year such as 2024, found {base_year}"),
            ));
        }

        let market = match (
            trade.importers.iter().position(|i| *i == importer),
            &trade_table,
        ) {
            (Some(m), _) if trade.importers.len() == 1 || matches!(model, ModelChoice::Gsim(_)) => {
                m
            }
            (_, Some(trade_table)) if matches!(model, ModelChoice::Smart(_)) => {
                let i = trade
                    .cells
                    .iter()
                    .position(|c| trade.importers[c.importer] != importer)
                    .unwrap_or(0);
                return Err(trade_table.error(
                    trade.lines[i],
                    trade_table.column("importer"),
                    format!(
                        "SMART models one importing market (scenario.importer = \"{}\") but this row's importer is \"{}\"; \
                         use [model] kind = \"gsim\" for several markets",
                        importer, trade.importers[trade.cells[i].importer]
                    ),
                ));
            }
            _ => {
                return Err(self.err(
                    importer_span,
                    "scenario.importer",
                    format!(
                        "importer '{}' is not among the importers in the trade data ({})",
                        importer,
                        trade.importers.join(", ")
                    ),
                ));
            }
        };

        // Applied (base) rates.
        let mut applied = match &schedule_base {
            Some(base) => base.applied.clone(),
            None => vec![0.0; trade.cells.len()],
        };
        if let Some(written) = &data.applied_tariffs {
            let table = self.read_csv(written, "data.applied_tariffs")?;
            read_applied(&table, &trade, &mut applied)?;
            provenance.files.push(describe_file(
                &table,
                "applied tariffs",
                written.get_ref(),
                None,
            ));
        }

        // Elasticities.
        let defaults = self.default_elasticities(&raw.elasticities, &mut provenance)?;
        let mut prefix_rows: Vec<(String, Elasticities)> = Vec::new();
        if let (ModelChoice::Gsim(_), Some(written)) = (&model, &data.elasticities) {
            return Err(self.err(
                written.span(),
                "data.elasticities",
                "per-product elasticities apply to SMART; a GSIM scenario takes elasticities per region (data.region_elasticities)".into(),
            ));
        }
        if let (ModelChoice::Smart(_), Some(written)) = (&model, &data.region_elasticities) {
            return Err(self.err(
                written.span(),
                "data.region_elasticities",
                "elasticities per region apply to kind = \"gsim\"; SMART takes per-product elasticities (data.elasticities)".into(),
            ));
        }
        let gsim_regions = match &model {
            ModelChoice::Gsim(_) => Some(self.region_elasticities(
                data.region_elasticities.as_ref(),
                &trade,
                &defaults,
                &mut provenance,
            )?),
            ModelChoice::Smart(_) | ModelChoice::Armington(_) => None,
        };
        if let Some(written) = &data.elasticities {
            let table = self.read_csv(written, "data.elasticities")?;
            prefix_rows = read_elasticities(&table, &defaults, &mut provenance)?;
            provenance.files.push(describe_file(
                &table,
                "elasticities",
                written.get_ref(),
                None,
            ));
        }
        let mut elasticity_sources = Vec::with_capacity(trade.products.len());
        let mut product_elasticities = Vec::with_capacity(trade.products.len());
        // In a GSIM scenario the single-market comparison uses the market's elasticities.
        let region_default = gsim_regions
            .as_ref()
            .map(|r| r.smart_elasticities(&importer, sc.focus_exporter.get_ref()));
        // The longest matching prefix: look up each prefix of the code, longest first.
        let by_prefix: HashMap<&str, usize> = prefix_rows
            .iter()
            .enumerate()
            .map(|(i, (prefix, _))| (prefix.as_str(), i))
            .collect();
        for product in &trade.products {
            let code = product.code.as_str();
            let best = (0..=code.len())
                .rev()
                .filter(|&n| code.is_char_boundary(n))
                .find_map(|n| by_prefix.get(&code[..n]))
                .map(|&i| &prefix_rows[i]);
            match best {
                Some((prefix, e)) => {
                    elasticity_sources.push(ElasticitySource::File(prefix.clone()));
                    product_elasticities.push(*e);
                }
                None => {
                    elasticity_sources.push(ElasticitySource::Default);
                    product_elasticities.push(region_default.unwrap_or(defaults));
                }
            }
        }
        let n_default = elasticity_sources
            .iter()
            .filter(|s| **s == ElasticitySource::Default)
            .count();
        if gsim_regions.is_none() {
            provenance.elasticity_notes.push(format!(
            "{} of {} products take their elasticities from the elasticity file, {} from the scenario defaults.",
            trade.products.len() - n_default,
            trade.products.len(),
            n_default
        ));
        }

        // Rules.
        let groups = self.groups(&raw.groups, &trade)?;
        let before_rules = self.rules(&raw.before, "before", &groups, &trade, market)?;
        let policy_rules = self.rules(&raw.policy, "policy", &groups, &trade, market)?;
        provenance.before_rules = before_rules.iter().map(|r| r.description.clone()).collect();
        provenance.policy_rules = policy_rules.iter().map(|r| r.description.clone()).collect();
        let dated = schedule_base.as_ref().and_then(|b| b.dated.as_ref());
        let mut additional = match dated {
            Some(d) => d.before.clone(),
            None => vec![0.0; trade.cells.len()],
        };
        policy::apply_rules(&before_rules, &trade.cells, &applied, &mut additional)
            .map_err(|e| self.rate_out_of_range(e, &trade))?;
        let mut before: Vec<Rate> = applied
            .iter()
            .zip(&additional)
            .map(|(a, b)| a + b)
            .collect();
        if let Some(d) = dated {
            additional.clone_from(&d.after);
        }
        policy::apply_rules(&policy_rules, &trade.cells, &applied, &mut additional)
            .map_err(|e| self.rate_out_of_range(e, &trade))?;
        let mut after: Vec<Rate> = applied
            .iter()
            .zip(&additional)
            .map(|(a, b)| a + b)
            .collect();
        if let Some(written) = &data.policy_rates {
            let table = self.read_csv(written, "data.policy_rates")?;
            provenance.explicit_cells = read_policy_rates(&table, &trade, &mut before, &mut after)?;
            provenance.files.push(describe_file(
                &table,
                "policy rates",
                written.get_ref(),
                None,
            ));
        }
        self.apply_quick_sets(&trade, market, &applied, &mut after)?;
        provenance.quick_sets = self.sets.iter().map(|q| q.describe()).collect();

        // Markets, one per product.
        let mut markets: Vec<ProductMarket> = trade
            .products
            .iter()
            .enumerate()
            .map(|(i, _)| ProductMarket {
                product: i,
                flows: Vec::new(),
                elasticities: product_elasticities[i],
            })
            .collect();
        // The single-market view: the scenario importer's cells (all cells for SMART).
        let mut order: Vec<usize> = (0..trade.cells.len())
            .filter(|&i| trade.cells[i].importer == market)
            .collect();
        // The trade cell of each flow, for messages.
        let mut flow_cells: Vec<Vec<usize>> = vec![Vec::new(); markets.len()];
        for &i in &order {
            let cell = trade.cells[i];
            markets[cell.product].flows.push(TradeFlow {
                exporter: cell.exporter,
                base_value: trade.values[i],
                tariff_before: before[i],
                tariff_after: after[i],
            });
            flow_cells[cell.product].push(i);
        }
        let uncertainty = raw
            .uncertainty
            .as_ref()
            .map(|u| self.uncertainty(u))
            .transpose()?;
        let (elasticity_set, elasticity_sets) = self.elasticity_sets(
            &raw.elasticities,
            raw.uncertainty.as_ref(),
            &model,
            &trade,
            &mut markets,
            &elasticity_sources,
            uncertainty.as_ref(),
            &mut provenance,
        )?;
        if matches!(model, ModelChoice::Smart(_)) {
            for (market, cells) in markets.iter().zip(&flow_cells) {
                for (flow, &i) in market.flows.iter().zip(cells) {
                    if let Some(fall) = smart_price_fall(flow, &market.elasticities) {
                        let from = match &elasticity_sources[market.product] {
                            _ if elasticity_set.is_hs6() => {
                                format!("the elasticity set {}", elasticity_set.name())
                            }
                            ElasticitySource::File(prefix) => {
                                format!("the elasticity file's row {prefix}")
                            }
                            ElasticitySource::Default => "[elasticities]".to_string(),
                        };
                        let message = format!(
                            "{}; the elasticities come from {from}",
                            price_fall_message(&trade, i, flow, &market.elasticities, fall)
                        );
                        return Err(match (&trade_table, &data.us_schedule) {
                            (Some(t), _) => t.error(trade.lines[i], None, message),
                            (None, Some(w)) => self.err(w.span(), "data.us_schedule", message),
                            (None, None) => self.err(data_span.clone(), "data", message),
                        });
                    }
                }
            }
        }
        // Keep the schedule in market order so that flows and rates line up when flattened.
        order.sort_by_key(|&i| trade.cells[i].product);
        let schedule = TariffSchedule {
            applied: order.iter().map(|&i| applied[i]).collect(),
            before: order.iter().map(|&i| before[i]).collect(),
            after: order.iter().map(|&i| after[i]).collect(),
        };

        let (report_group_of, report_groups, top_products) =
            self.report_choices(raw.report.as_ref(), &trade, focus)?;
        let gsim = match (&model, gsim_regions, &trade_table) {
            (ModelChoice::Gsim(_), Some(regions), Some(trade_table)) => Some(self.gsim_setup(
                &trade,
                trade_table,
                regions,
                &before,
                &after,
                market,
                focus,
            )?),
            _ => None,
        };
        if gsim.is_some()
            && let Some(section) = raw.report.as_ref()
        {
            return Err(self.err(
                section.span(),
                "report",
                "[report] chooses exporters and products for SMART's tables; a GSIM scenario reports every region, so remove it".into(),
            ));
        }
        let armington = match (
            &model,
            raw.model
                .as_ref()
                .and_then(|m| m.get_ref().domestic.as_ref()),
        ) {
            (ModelChoice::Armington(choice), Some(written)) => {
                // η takes the place of the import demand elasticity in every market, so
                // that the layers' changes to "import demand" move η.
                for m in &mut markets {
                    m.elasticities.import_demand = choice.composite_demand;
                }
                provenance.elasticity_notes.push(format!(
                    "Armington: the import demand elasticity of every product is replaced by the composite (total) demand elasticity η = {}; the uncertainty and sensitivity settings for import demand move η.",
                    choice.composite_demand
                ));
                Some(self.armington_inputs(
                    *choice,
                    written,
                    &trade.products,
                    &markets,
                    &mut provenance,
                )?)
            }
            _ => None,
        };
        let sensitivity = raw
            .sensitivity
            .as_ref()
            .map(|u| self.sensitivity(u))
            .transpose()?;
        if let (ModelChoice::Smart(_), Some(spec), Some(section)) =
            (&model, &sensitivity, raw.sensitivity.as_ref())
        {
            self.check_sensitivity_price_range(section, spec, &markets, &flow_cells, &trade)?;
        }
        let mut projection = raw
            .projection
            .as_ref()
            .map(|p| self.projection(p, &trade.exporters, base_year))
            .transpose()?;
        if let (Some(spec), Some(d), Some(section)) =
            (projection.as_mut(), dated, raw.projection.as_ref())
        {
            let rules_on_top = if !policy_rules.is_empty() {
                Some("[[policy]] rules change the after state")
            } else if !self.sets.is_empty() {
                Some("--set changes the after state")
            } else if data.policy_rates.is_some() {
                Some("a policy-rates file sets the after state")
            } else {
                None
            };
            self.dated_projection(spec, section, d, rules_on_top, &order, &applied)?;
        }
        let sweep = raw
            .sweep
            .as_ref()
            .map(|p| self.sweep(p, &trade.exporters))
            .transpose()?;

        if let Some(w) = unit_check::unit_warning(sc.currency_unit.get_ref(), &trade.values) {
            provenance.warnings.push(w);
        }

        Ok(Scenario {
            path: self.path.to_path_buf(),
            name: with_quick_sets(sc.name.into_inner(), self.sets),
            description: sc.description,
            importer,
            base_year,
            currency_unit: sc.currency_unit.into_inner(),
            focus,
            exporters: trade.exporters,
            products: trade.products,
            markets,
            elasticity_sources,
            default_elasticities: defaults,
            elasticity_set,
            elasticity_sets,
            model,
            schedule,
            report_group_of,
            report_groups,
            top_products,
            provenance,
            uncertainty,
            sensitivity,
            projection,
            sweep,
            gsim,
            armington,
        })
    }

    /// The named set (`[elasticities] set`), applied to the markets, and every set's table
    /// when the products are HS6 codes of a SMART scenario. An HS6 set asked for by a scenario
    /// whose products are not all HS6 codes (HS4 headings, say) is refused: its estimates
    /// cannot be matched to a coarser product without choosing weights.
    #[allow(clippy::too_many_arguments)]
    fn elasticity_sets(
        &self,
        section: &Spanned<file::ElasticitySection>,
        uncertainty_section: Option<&Spanned<file::UncertaintySection>>,
        model: &ModelChoice,
        trade: &TradeData,
        markets: &mut [ProductMarket],
        sources_of: &[ElasticitySource],
        uncertainty: Option<&specs::UncertaintySpec>,
        provenance: &mut Provenance,
    ) -> Result<
        (
            elasticity_sets::ElasticitySet,
            Option<elasticity_sets::SetTable>,
        ),
        ScenarioError,
    > {
        use elasticity_sets::ElasticitySet;
        let chosen = match &section.get_ref().set {
            Some(name) => Some((self.set_name(name, "elasticities.set")?, name.span())),
            None => None,
        };
        let set = chosen
            .as_ref()
            .map_or(ElasticitySet::ChapterMedians, |c| c.0);
        // The first place that asks for an HS6 set, for the message.
        let drawn_hs6 = uncertainty.and_then(|u| u.sets).is_some_and(|w| {
            ElasticitySet::ALL
                .iter()
                .any(|s| s.is_hs6() && w.probabilities[s.index()] > 0.0)
        });
        let asked = match (&chosen, drawn_hs6) {
            (Some((s, span)), _) if s.is_hs6() => {
                Some((span.clone(), "elasticities.set", s.name()))
            }
            (_, true) => uncertainty_section
                .and_then(|u| u.get_ref().sets.as_ref())
                .map(|s| (s.span(), "uncertainty.sets", "an HS6 set")),
            _ => None,
        };
        let not_hs6 = trade
            .products
            .iter()
            .filter(|p| !elasticity_sets::is_hs6_code(&p.code))
            .count();
        if let Some((span, field, name)) = asked {
            if matches!(model, ModelChoice::Gsim(_)) {
                return Err(self.err(
                    span,
                    field,
                    format!("{name} gives elasticities per HS6 product for SMART; a GSIM scenario takes elasticities per region (data.region_elasticities)"),
                ));
            }
            if matches!(model, ModelChoice::Armington(_)) {
                return Err(self.err(
                    span,
                    field,
                    format!("{name} gives import demand elasticities per HS6 product for SMART; an Armington scenario takes the elasticity of total demand instead ([model] composite_demand)"),
                ));
            }
            if not_hs6 > 0 || trade.products.is_empty() {
                let first = trade
                    .products
                    .iter()
                    .find(|p| !elasticity_sets::is_hs6_code(&p.code))
                    .map_or(String::new(), |p| format!(" (the first is '{}')", p.code));
                return Err(self.err(
                    span,
                    field,
                    format!(
                        "{name} gives elasticities per 6-digit HS code, but {not_hs6} of the {} products have codes that are not 6 digits{first};                          use \"chapter_medians\" here, or a scenario at HS6 ([data] us_schedule)",
                        trade.products.len()
                    ),
                ));
            }
        }
        if !matches!(model, ModelChoice::Smart(_)) || not_hs6 > 0 || trade.products.is_empty() {
            return Ok((set, None));
        }
        let sources = elasticity_sets::shipped_sources()?;
        let codes: Vec<&str> = trade.products.iter().map(|p| p.code.as_str()).collect();
        let own: Vec<Elasticities> = markets.iter().map(|m| m.elasticities).collect();
        let values: Vec<f64> = markets
            .iter()
            .map(|m| m.flows.iter().map(|f| f.base_value).sum())
            .collect();
        let table = elasticity_sets::build(&sources, &codes, &own, sources_of, &values);
        if set.is_hs6() {
            for (m, e) in markets.iter_mut().zip(table.of(set)) {
                m.elasticities = *e;
            }
            provenance.elasticity_notes.push(format!(
                "Elasticity set {}: {} (files in {}). The products' own values above are the fallback.",
                set.name(),
                set.describe(),
                elasticity_sets::FOLDER
            ));
            provenance
                .elasticity_notes
                .extend(elasticity_sets::describe_counts(set, &table, codes.len()));
        }
        Ok((set, Some(table)))
    }

    /// Applies the `--set` what-ifs, in order, on top of the after state (the rates after the
    /// policy rules and any policy-rates file), through the same rule machinery as
    /// `[[policy]]`: each sets the additional duty of one exporter's products in the market.
    fn apply_quick_sets(
        &self,
        trade: &TradeData,
        market: usize,
        applied: &[Rate],
        after: &mut [Rate],
    ) -> Result<(), ScenarioError> {
        if self.sets.is_empty() {
            return Ok(());
        }
        let bad = |q: &quick_set::QuickSet, message: String| ScenarioError::QuickSet {
            arg: q.arg.clone(),
            message,
        };
        let mut rules = Vec::with_capacity(self.sets.len());
        for q in self.sets {
            let exporter = find_exporter_in(&trade.exporters, &q.exporter).ok_or_else(|| {
                let mut known: Vec<&str> = trade.exporters.iter().map(String::as_str).collect();
                known.sort_unstable();
                let more = known.len().saturating_sub(12);
                known.truncate(12);
                bad(
                    q,
                    format!(
                        "no exporter '{}' in the trade data; expected a name as written in the data or an ISO code such as PAK (exporters: {}{})",
                        q.exporter,
                        known.join(", "),
                        if more > 0 { format!(" and {more} more") } else { String::new() }
                    ),
                )
            })?;
            let products = match &q.hs_prefix {
                None => None,
                Some(p) => {
                    let hit: Vec<usize> = (0..trade.products.len())
                        .filter(|&i| trade.products[i].code.starts_with(p.as_str()))
                        .collect();
                    if hit.is_empty() {
                        return Err(bad(
                            q,
                            format!(
                                "no product code in the trade data starts with '{p}'; expected the start of a code as written in the data, such as a chapter (61) or a heading (6302)"
                            ),
                        ));
                    }
                    Some(hit)
                }
            };
            rules.push(TariffRule {
                exporters: vec![exporter],
                importers: vec![market],
                products,
                action: RuleAction::Set(pct_to_rate(q.pct)),
                layer: Layer::Additional,
                line: 0,
                name: format!("--set {}", q.arg),
                description: q.describe(),
            });
        }
        let mut additional: Vec<Rate> = after.iter().zip(applied).map(|(t, a)| t - a).collect();
        policy::apply_rules(&rules, &trade.cells, applied, &mut additional).map_err(|e| {
            let q = self.sets.iter().find(|q| format!("--set {}", q.arg) == e.name);
            ScenarioError::QuickSet {
                arg: q.map_or_else(|| e.name.clone(), |q| q.arg.clone()),
                message: format!(
                    "the total rate of {} from {} would be {}%; expected a total between 0% and {}%",
                    trade.products[e.cell.product].code,
                    trade.exporters[e.cell.exporter],
                    Num(e.rate * 100.0),
                    bounds::MAX_RATE_PCT
                ),
            }
        })?;
        for ((t, a), x) in after.iter_mut().zip(applied).zip(&additional) {
            *t = a + x;
        }
        Ok(())
    }

    fn rate_out_of_range(&self, e: policy::RateOutOfRange, trade: &TradeData) -> ScenarioError {
        let what = if e.rate < 0.0 {
            format!(
                "negative ({:.2}%); tariffs must be zero or more",
                e.rate * 100.0
            )
        } else {
            format!(
                "{:.2}%, above the largest accepted tariff of {}%",
                e.rate * 100.0,
                bounds::MAX_RATE_PCT
            )
        };
        ScenarioError::Invalid {
            path: self.path.to_path_buf(),
            line: e.line,
            field: e.name.clone(),
            message: format!(
                "this rule makes the tariff on product {} from {} {what}",
                trade.products[e.cell.product].code, trade.exporters[e.cell.exporter],
            ),
        }
    }

    fn default_elasticities(
        &self,
        section: &Spanned<file::ElasticitySection>,
        provenance: &mut Provenance,
    ) -> Result<Elasticities, ScenarioError> {
        let s = section.get_ref();
        let eps = *s.import_demand.get_ref();
        let used = bounds::import_demand(eps)
            .map_err(|m| self.err(s.import_demand.span(), "elasticities.import_demand", m))?;
        provenance.elasticity_notes.push(format!(
            "Default import demand elasticity written as {}, used as {} (ε < 0 in every formula).",
            Num(eps),
            Num(used)
        ));
        let sigma = *s.substitution.get_ref();
        if let Some(m) = bounds::substitution_problem(sigma, "must be a positive number") {
            return Err(self.err(s.substitution.span(), "elasticities.substitution", m));
        }
        let supply = self.supply(&s.export_supply, "elasticities.export_supply")?;
        Ok(Elasticities {
            import_demand: used,
            substitution: sigma,
            export_supply: supply,
        })
    }

    fn supply(
        &self,
        v: &Spanned<SupplyValue>,
        field: &str,
    ) -> Result<SupplyElasticity, ScenarioError> {
        match v.get_ref() {
            SupplyValue::Number(x) => match bounds::export_supply_problem(*x) {
                None => Ok(SupplyElasticity::from_value(*x)),
                Some(m) => Err(self.err(v.span(), field, m)),
            },
            SupplyValue::Word(w)
                if matches!(w.to_ascii_lowercase().as_str(), "infinite" | "inf") =>
            {
                Ok(SupplyElasticity::Infinite)
            }
            SupplyValue::Word(w) => Err(self.err(
                v.span(),
                field,
                format!(
                    "must be a positive number such as 1.5 or the word \"infinite\", found \"{w}\""
                ),
            )),
        }
    }

    fn model_choice(
        &self,
        section: Option<&Spanned<file::ModelSection>>,
    ) -> Result<ModelChoice, ScenarioError> {
        let Some(section) = section else {
            return Ok(ModelChoice::Smart(SmartOptions::default()));
        };
        let m = section.get_ref();
        let choose = |v: &Option<Spanned<String>>,
                      field: &str,
                      options: &[&str]|
         -> Result<Option<String>, ScenarioError> {
            match v {
                None => Ok(None),
                Some(x) if options.contains(&x.get_ref().as_str()) => Ok(Some(x.get_ref().clone())),
                Some(x) => Err(self.err(
                    x.span(),
                    field,
                    format!(
                        "unknown value \"{}\"; expected {}",
                        x.get_ref(),
                        options
                            .iter()
                            .map(|o| format!("\"{o}\""))
                            .collect::<Vec<_>>()
                            .join(" or ")
                    ),
                )),
            }
        };
        let kind = choose(&m.kind, "model.kind", &["smart", "gsim", "armington"])?
            .unwrap_or_else(|| "smart".into());
        let diversion = choose(
            &m.diversion,
            "model.diversion",
            &["ces_share", "laird_yeats"],
        )?;
        let form = choose(&m.form, "model.form", &["linear", "levels"])?;
        let cs = choose(
            &m.cs_formula,
            "model.cs_formula",
            &["linear_demand", "fh_sign"],
        )?;
        // Options of the other model are mistakes, not silently ignored settings.
        let misplaced = |v: &Option<Spanned<String>>, field: &str, model: &str| match v {
            Some(x) => Err(self.err(
                x.span(),
                field,
                format!("applies to kind = \"{model}\" only"),
            )),
            None => Ok(()),
        };
        if kind != "armington" {
            for (v, field) in [
                (m.domestic.as_ref().map(|x| x.span()), "model.domestic"),
                (
                    m.composite_demand.as_ref().map(|x| x.span()),
                    "model.composite_demand",
                ),
                (
                    m.domestic_supply.as_ref().map(|x| x.span()),
                    "model.domestic_supply",
                ),
            ] {
                if let Some(span) = v {
                    return Err(self.err(
                        span,
                        field,
                        "applies to kind = \"armington\" only".into(),
                    ));
                }
            }
        }
        if kind == "armington" {
            misplaced(&m.form, "model.form", "gsim")?;
            misplaced(&m.cs_formula, "model.cs_formula", "gsim")?;
            misplaced(&m.diversion, "model.diversion", "smart")?;
            let Some(domestic) = &m.domestic else {
                return Err(self.err(
                    section.span(),
                    "model.domestic",
                    "an Armington scenario needs its domestic side: domestic = \"data/us_domestic_share_hs2.csv\" (domestic share and substitution elasticity by HS prefix)".into(),
                ));
            };
            let _ = domestic;
            let composite_demand = match &m.composite_demand {
                None => DEFAULT_COMPOSITE_DEMAND,
                Some(v) => {
                    let x = *v.get_ref();
                    if !(x.is_finite() && (-100.0..=-0.01).contains(&x)) {
                        return Err(self.err(
                            v.span(),
                            "model.composite_demand",
                            format!("the elasticity of total demand must be a negative number from -100 to -0.01, such as -1, found {}", data::Num(x)),
                        ));
                    }
                    x
                }
            };
            let domestic_supply = match &m.domestic_supply {
                None => SupplyElasticity::Finite(DEFAULT_DOMESTIC_SUPPLY),
                Some(v) => self.supply(v, "model.domestic_supply")?,
            };
            return Ok(ModelChoice::Armington(armington_setup::ArmingtonChoice {
                composite_demand,
                domestic_supply,
                options: crate::model::armington::ArmingtonOptions::default(),
            }));
        }
        if kind == "smart" {
            misplaced(&m.form, "model.form", "gsim")?;
            misplaced(&m.cs_formula, "model.cs_formula", "gsim")?;
            Ok(ModelChoice::Smart(SmartOptions {
                diversion: match diversion.as_deref() {
                    Some("laird_yeats") => DiversionMethod::LairdYeats,
                    _ => DiversionMethod::CesShare,
                },
            }))
        } else {
            misplaced(&m.diversion, "model.diversion", "smart")?;
            Ok(ModelChoice::Gsim(GsimOptions {
                form: match form.as_deref() {
                    Some("levels") => GsimForm::Levels,
                    _ => GsimForm::Linear,
                },
                cs_formula: match cs.as_deref() {
                    Some("fh_sign") => CsFormula::FhSign,
                    _ => CsFormula::LinearDemand,
                },
                newton: NewtonOptions::default(),
            }))
        }
    }

    fn groups(
        &self,
        raw: &BTreeMap<String, Spanned<Vec<String>>>,
        trade: &TradeData,
    ) -> Result<HashMap<String, Vec<usize>>, ScenarioError> {
        let mut groups = HashMap::new();
        groups.insert("all".to_string(), (0..trade.exporters.len()).collect());
        for (name, members) in raw {
            if let Some(m) = data::control_char_problem(name) {
                return Err(self.err(
                    members.span(),
                    &format!("groups.{}", name.escape_debug()),
                    format!("the group name {m}"),
                ));
            }
            if name == "all" {
                return Err(self.err(
                    members.span(),
                    "groups.all",
                    "\"all\" is built in (every exporter) and cannot be redefined".into(),
                ));
            }
            let idx = self.exporter_indices(
                members.get_ref(),
                members.span(),
                &format!("groups.{name}"),
                trade,
            )?;
            groups.insert(name.clone(), idx);
        }
        Ok(groups)
    }

    fn exporter_indices(
        &self,
        names: &[String],
        span: Range<usize>,
        field: &str,
        trade: &TradeData,
    ) -> Result<Vec<usize>, ScenarioError> {
        names
            .iter()
            .map(|n| {
                trade
                    .exporter_index
                    .get(n.as_str())
                    .copied()
                    .ok_or_else(|| {
                        self.err(
                            span.clone(),
                            field,
                            data::unknown_name("exporter", n, &trade.exporters),
                        )
                    })
            })
            .collect()
    }

    fn rules(
        &self,
        raw: &[Spanned<RuleSection>],
        table: &str,
        groups: &HashMap<String, Vec<usize>>,
        trade: &TradeData,
        market: usize,
    ) -> Result<Vec<TariffRule>, ScenarioError> {
        raw.iter()
            .enumerate()
            .map(|(i, r)| self.rule(r, &format!("{table}[{}]", i + 1), groups, trade, market))
            .collect()
    }

    fn rule(
        &self,
        spanned: &Spanned<RuleSection>,
        name: &str,
        groups: &HashMap<String, Vec<usize>>,
        trade: &TradeData,
        market: usize,
    ) -> Result<TariffRule, ScenarioError> {
        let r = spanned.get_ref();
        let span = spanned.span();
        let line = self.line_of(span.clone());
        let field = |f: &str| format!("{name}.{f}");

        // Who.
        let targets = [
            r.exporter.is_some(),
            r.exporters.is_some(),
            r.group.is_some(),
        ];
        if targets.iter().filter(|t| **t).count() != 1 {
            return Err(self.err(
                span,
                name,
                "give exactly one of `exporter`, `exporters` or `group` (\"all\" for every exporter)".into(),
            ));
        }
        let (exporters, who) = if let Some(e) = &r.exporter {
            let idx = self.exporter_indices(
                std::slice::from_ref(e.get_ref()),
                e.span(),
                &field("exporter"),
                trade,
            )?;
            (idx, e.get_ref().clone())
        } else if let Some(list) = &r.exporters {
            if list.get_ref().is_empty() {
                return Err(self.err(list.span(), &field("exporters"), "the list is empty".into()));
            }
            let idx =
                self.exporter_indices(list.get_ref(), list.span(), &field("exporters"), trade)?;
            (idx, list.get_ref().join(", "))
        } else {
            let g = r.group.as_ref().expect("checked above");
            let idx = groups.get(g.get_ref()).cloned().ok_or_else(|| {
                let mut known: Vec<&String> = groups.keys().collect();
                known.sort();
                self.err(
                    g.span(),
                    &field("group"),
                    format!(
                        "unknown group '{}'; define it under [groups] (known: {})",
                        g.get_ref(),
                        known
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
            (idx, format!("group {}", g.get_ref()))
        };

        // Into which market(s): the scenario's importer unless the rule says otherwise.
        let requested: Option<(Range<usize>, Vec<String>, &str)> = match (&r.importer, &r.importers)
        {
            (Some(_), Some(list)) => {
                return Err(self.err(
                    list.span(),
                    &field("importers"),
                    "give `importer` or `importers`, not both".into(),
                ));
            }
            (Some(i), None) => Some((i.span(), vec![i.get_ref().clone()], "importer")),
            (None, Some(list)) => Some((list.span(), list.get_ref().clone(), "importers")),
            (None, None) => None,
        };
        let (importers, into) = match requested {
            None => (vec![market], String::new()),
            Some((names_span, names, key)) => {
                let idx = names
                    .iter()
                    .map(|n| {
                        trade
                            .importer_index
                            .get(n.as_str())
                            .copied()
                            .ok_or_else(|| {
                                self.err(
                                    names_span.clone(),
                                    &field(key),
                                    data::unknown_name("importer", n, &trade.importers),
                                )
                            })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                (idx, format!(" into {}", names.join(", ")))
            }
        };

        // Which products.
        let mut products: Option<Vec<usize>> = None;
        let mut what = "all products".to_string();
        for (list, key) in [(&r.hs_codes, "hs_codes"), (&r.hs_prefixes, "hs_prefixes")] {
            if let Some(l) = list
                && l.get_ref().is_empty()
            {
                return Err(self.err(
                    l.span(),
                    &field(key),
                    "the list is empty; leave the key out to cover all products".into(),
                ));
            }
        }
        if let Some(codes) = &r.hs_codes {
            let mut idx = Vec::new();
            for c in codes.get_ref() {
                let i = trade.product_index.get(c.as_str()).copied().ok_or_else(|| {
                    self.err(
                        codes.span(),
                        &field("hs_codes"),
                        format!("product '{c}' is not in the trade data (codes are matched exactly; use hs_prefixes for a chapter)"),
                    )
                })?;
                idx.push(i);
            }
            idx.sort_unstable();
            idx.dedup();
            what = format!("products {}", codes.get_ref().join(", "));
            products = Some(idx);
        }
        if let Some(prefixes) = &r.hs_prefixes {
            let mut idx = products.take().unwrap_or_default();
            for p in prefixes.get_ref() {
                let before = idx.len();
                idx.extend(trade.with_prefix(p));
                if idx.len() == before {
                    return Err(self.err(
                        prefixes.span(),
                        &field("hs_prefixes"),
                        format!("no product in the trade data starts with '{p}'"),
                    ));
                }
            }
            idx.sort_unstable();
            idx.dedup();
            what = if r.hs_codes.is_some() {
                format!(
                    "{what} and products starting {}",
                    prefixes.get_ref().join(", ")
                )
            } else {
                format!("products starting {}", prefixes.get_ref().join(", "))
            };
            products = Some(idx);
        }

        if let Some(except) = &r.except_hs_prefixes {
            if except.get_ref().is_empty() {
                return Err(self.err(
                    except.span(),
                    &field("except_hs_prefixes"),
                    "the list is empty".into(),
                ));
            }
            for p in except.get_ref() {
                if trade.with_prefix(p).next().is_none() {
                    return Err(self.err(
                        except.span(),
                        &field("except_hs_prefixes"),
                        format!("no product in the trade data starts with '{p}'"),
                    ));
                }
            }
            let excluded = |i: &usize| {
                except
                    .get_ref()
                    .iter()
                    .any(|p| trade.products[*i].code.starts_with(p.as_str()))
            };
            let kept: Vec<usize> = products
                .take()
                .unwrap_or_else(|| (0..trade.products.len()).collect())
                .into_iter()
                .filter(|i| !excluded(i))
                .collect();
            what = format!(
                "{what} except those starting {}",
                except.get_ref().join(", ")
            );
            products = Some(kept);
        }

        // What.
        let actions = [
            r.set_pct.is_some(),
            r.change_pts.is_some(),
            r.cut_by_pct.is_some(),
        ];
        if actions.iter().filter(|a| **a).count() != 1 {
            return Err(self.err(
                span,
                name,
                "give exactly one of `set_pct`, `change_pts` or `cut_by_pct`".into(),
            ));
        }
        let looks_like_fraction = |v: f64| v != 0.0 && v.abs() < 1.0;
        // What to say about a value that looks like a fraction: the fix when it is one, and
        // the way to write a real rate that small (a rule cannot).
        let fraction = |x: f64, unit: &str, sym: &str, small: &str| {
            let fix = data::fraction_fix(x, sym)
                .map(|f| format!("; if it is a fraction, {f}"))
                .unwrap_or_default();
            format!(
                "{} looks like a fraction: this field is in {unit}, and a value between -1 and 1 \
                 (other than 0) is taken for a fraction typed by mistake{fix}. A rule cannot \
                 {small}; for that, give the exact before and after rates in a policy-rates file \
                 ([data] policy_rates)",
                Num(x)
            )
        };
        let (action, how) = if let Some(v) = &r.set_pct {
            let x = *v.get_ref();
            if !(0.0..=1000.0).contains(&x) {
                return Err(self.err(
                    v.span(),
                    &field("set_pct"),
                    format!(
                        "expected a rate in percent between 0 and 1000, found {}",
                        Num(x)
                    ),
                ));
            }
            if looks_like_fraction(x) {
                return Err(self.err(
                    v.span(),
                    &field("set_pct"),
                    fraction(x, "percent", "%", "set a rate between 0% and 1%"),
                ));
            }
            (RuleAction::Set(pct_to_rate(x)), format!("set to {x}%"))
        } else if let Some(v) = &r.change_pts {
            let x = *v.get_ref();
            if !(-1000.0..=1000.0).contains(&x) {
                return Err(self.err(
                    v.span(),
                    &field("change_pts"),
                    format!(
                        "expected percentage points between -1000 and 1000, found {}",
                        Num(x)
                    ),
                ));
            }
            if looks_like_fraction(x) {
                return Err(self.err(
                    v.span(),
                    &field("change_pts"),
                    fraction(
                        x,
                        "percentage points",
                        " points",
                        "change a rate by less than one point",
                    ),
                ));
            }
            (
                RuleAction::Change(pct_to_rate(x)),
                format!("changed by {x:+} points"),
            )
        } else {
            let v = r.cut_by_pct.as_ref().expect("checked above");
            let x = *v.get_ref();
            if !(0.0..=100.0).contains(&x) {
                return Err(self.err(
                    v.span(),
                    &field("cut_by_pct"),
                    format!(
                        "expected a percentage between 0 and 100 (100 removes the duty), found {}",
                        Num(x)
                    ),
                ));
            }
            if looks_like_fraction(x) {
                return Err(self.err(
                    v.span(),
                    &field("cut_by_pct"),
                    fraction(x, "percent", "%", "cut a rate by less than 1%"),
                ));
            }
            (RuleAction::CutBy(x / 100.0), format!("cut by {x}%"))
        };
        let layer = match r.layer.as_ref().map(|l| l.get_ref().as_str()) {
            None | Some("additional") => Layer::Additional,
            Some("total") => Layer::Total,
            Some(other) => {
                return Err(self.err(
                    r.layer.as_ref().expect("some").span(),
                    &field("layer"),
                    format!("unknown layer \"{other}\"; expected \"additional\" or \"total\""),
                ));
            }
        };
        let layer_text = match layer {
            Layer::Additional => "additional duty",
            Layer::Total => "total tariff",
        };
        let mut description = format!("line {line}: {who}{into}, {what}: {layer_text} {how}");
        if let Some(note) = &r.note {
            self.one_line(note, &field("note"))?;
            description.push_str(&format!(" ({})", note.get_ref()));
        }
        Ok(TariffRule {
            exporters,
            importers,
            products,
            action,
            layer,
            line,
            name: name.to_string(),
            description,
        })
    }

    fn report_choices(
        &self,
        section: Option<&Spanned<file::ReportSection>>,
        trade: &TradeData,
        focus: usize,
    ) -> Result<(Vec<usize>, Vec<String>, usize), ScenarioError> {
        let mut top = 12;
        let mut shown: Vec<usize> = Vec::new();
        let mut explicit = false;
        if let Some(s) = section.map(|s| s.get_ref()) {
            if let Some(t) = &s.top_products {
                let v = *t.get_ref();
                if !(1..=100).contains(&v) {
                    return Err(self.err(
                        t.span(),
                        "report.top_products",
                        format!("expected a whole number from 1 to 100, found {v}"),
                    ));
                }
                top = v as usize;
            }
            if let Some(list) = &s.exporters {
                let mut seen = std::collections::HashSet::new();
                if let Some(dup) = list.get_ref().iter().find(|n| !seen.insert(n.as_str())) {
                    return Err(self.err(
                        list.span(),
                        "report.exporters",
                        format!("'{dup}' is listed twice"),
                    ));
                }
                shown =
                    self.exporter_indices(list.get_ref(), list.span(), "report.exporters", trade)?;
                explicit = true;
            }
        }
        if !explicit {
            // Default: up to ten largest exporters by base trade, the focus always included.
            let mut totals = vec![0.0; trade.exporters.len()];
            for (cell, v) in trade.cells.iter().zip(&trade.values) {
                totals[cell.exporter] += v;
            }
            let mut order: Vec<usize> = (0..trade.exporters.len())
                .filter(|&e| trade.exporters[e] != REST_OF_WORLD)
                .collect();
            order.sort_by(|a, b| totals[*b].total_cmp(&totals[*a]));
            shown = order.into_iter().take(10).collect();
        }
        if !shown.contains(&focus) {
            shown.insert(0, focus);
        }
        shown.retain(|&e| trade.exporters[e] != REST_OF_WORLD);
        let mut names: Vec<String> = shown.iter().map(|&e| trade.exporters[e].clone()).collect();
        let rest = names.len();
        let mut group_of = vec![rest; trade.exporters.len()];
        for (g, &e) in shown.iter().enumerate() {
            group_of[e] = g;
        }
        if group_of.contains(&rest) {
            names.push(REST_OF_WORLD.to_string());
        }
        Ok((group_of, names, top))
    }
}

/// A GSIM scenario's tariff and trade files must name the market of each row.
fn require_importer_column(table: &CsvTable) -> Result<usize, ScenarioError> {
    table.column("importer").ok_or_else(|| {
        table.error(
            1,
            None,
            format!(
                "a GSIM scenario ([model] kind = \"gsim\") has several importing markets, so this \
                 file needs an `importer` column naming the market of each row; the header has: {}",
                table.headers().join(", ")
            ),
        )
    })
}

/// Reads the trade file; without an `importer` column (SMART only) every row is imported
/// by `default_importer`, the single market.
fn read_trade(
    table: &CsvTable,
    default_importer: &str,
    multi_market: bool,
) -> Result<TradeData, ScenarioError> {
    let c_product = table.require("product")?;
    let c_exporter = table.require("exporter")?;
    let c_importer = if multi_market {
        Some(require_importer_column(table)?)
    } else {
        table.column("importer")
    };
    let c_value = table.require("value")?;
    let c_description = table.column("description");
    if table.is_empty() {
        return Err(table.error(1, None, "the trade data has no rows".into()));
    }
    let mut data = TradeData {
        products: Vec::new(),
        exporters: Vec::new(),
        importers: Vec::new(),
        cells: Vec::new(),
        values: Vec::new(),
        lines: Vec::new(),
        cell_index: Default::default(),
        multi_market,
        product_index: Default::default(),
        exporter_index: Default::default(),
        importer_index: Default::default(),
        by_code: Vec::new(),
    };
    let columns = (c_product, c_exporter, c_importer, c_value, c_description);
    // Repeated cells are found once all rows are in (through the cell index); a row error
    // is reported only if no repetition comes before it, so the first problem in file order
    // is the one named, as a row-by-row check would.
    let rows = read_trade_rows(table, &mut data, default_importer, columns);
    match (cell_index::CellIndex::build(&data.cells), rows) {
        (Err((first, second)), _) => {
            let key = data.cells[second];
            return Err(table.error(
                data.lines[second],
                None,
                duplicate_message(
                    &data.products[key.product].code,
                    &data.exporters[key.exporter],
                    &data.importers[key.importer],
                    data.lines[first],
                ),
            ));
        }
        (Ok(_), Err(e)) => return Err(e),
        (Ok(index), Ok(())) => data.cell_index = index,
    }
    data.by_code = (0..data.products.len()).collect();
    data.by_code
        .sort_unstable_by(|&a, &b| data.products[a].code.cmp(&data.products[b].code));
    Ok(data)
}

/// The trade file's columns: product, exporter, importer (if any), value, description.
type TradeColumns = (usize, usize, Option<usize>, usize, Option<usize>);

/// Reads the trade rows into `data` (names interned, one cell per row), stopping at the
/// first row with a bad cell; repeated cells are left to the caller.
fn read_trade_rows(
    table: &CsvTable,
    data: &mut TradeData,
    default_importer: &str,
    (c_product, c_exporter, c_importer, c_value, c_description): TradeColumns,
) -> Result<(), ScenarioError> {
    // Interns a name: its index, added on first sight (no allocation for a known name).
    fn intern(
        index: &mut fast_hash::FastMap<String, usize>,
        name: &str,
        mut add: impl FnMut(),
    ) -> usize {
        if let Some(&i) = index.get(name) {
            return i;
        }
        let i = index.len();
        index.insert(name.to_string(), i);
        add();
        i
    }
    for row in table.rows() {
        let product = row.name(c_product)?;
        let exporter = row.name(c_exporter)?;
        let importer = match c_importer {
            Some(c) => row.name(c)?,
            None => default_importer,
        };
        let value = row.non_negative(c_value)?;
        if value > bounds::MAX_TRADE_VALUE {
            return Err(row.error(
                c_value,
                format!(
                    "{} is larger than the largest accepted trade value, {:e} in the file's \
                     unit (world trade is about 2.5e13 US dollars a year); check the number and \
                     [scenario] currency_unit",
                    Num(value),
                    bounds::MAX_TRADE_VALUE
                ),
            ));
        }
        let p = intern(&mut data.product_index, product, || {
            data.products.push(Product {
                code: product.to_string(),
                description: String::new(),
            })
        });
        let e = intern(&mut data.exporter_index, exporter, || {
            data.exporters.push(exporter.to_string())
        });
        let i = intern(&mut data.importer_index, importer, || {
            data.importers.push(importer.to_string())
        });
        data.cells.push(CellKey {
            product: p,
            exporter: e,
            importer: i,
        });
        data.values.push(value);
        data.lines.push(row.line);
        if let Some(c) = c_description {
            let d = row.text(c);
            if let Some(m) = data::control_char_problem(d) {
                return Err(row.error(c, m));
            }
            if !d.is_empty() && data.products[p].description.is_empty() {
                data.products[p].description = d.to_string();
            }
        }
    }
    Ok(())
}

/// The message for a second row of the same product × exporter × importer.
fn duplicate_message(product: &str, exporter: &str, importer: &str, first: u64) -> String {
    format!(
        "duplicate row for product {product} × exporter {exporter} × importer {importer} (first defined on line {first}); \
         each combination may appear once"
    )
}

/// How far (as a positive fraction) SMART's linear world-price formula
/// `p̂* = ε·τ̂/(e_x − ε)` would take a flow's world price down, when that is 100% or more:
/// the model stops on such a flow, so loading must refuse it first.
fn smart_price_fall(flow: &TradeFlow, elasticities: &Elasticities) -> Option<f64> {
    if flow.base_value <= 0.0 || elasticities.export_supply == SupplyElasticity::Infinite {
        return None;
    }
    let (price, _) =
        crate::model::smart::creation(flow, elasticities.import_demand, elasticities.export_supply);
    (price <= -1.0).then_some(-price)
}

/// What is wrong with a flow that [`smart_price_fall`] refuses.
fn price_fall_message(
    trade: &TradeData,
    cell: usize,
    flow: &TradeFlow,
    elasticities: &Elasticities,
    fall: f64,
) -> String {
    let key = trade.cells[cell];
    format!(
        "product {} from {}: the tariff rises from {}% to {}%, and with the import demand \
         elasticity {} and export supply elasticity {} SMART's world price would fall by \
         {:.0}%; a fall of more than 100% is outside the range of its linear supply formula, so \
         use a larger export supply elasticity (or \"infinite\") or a smaller rise",
        trade.products[key.product].code,
        trade.exporters[key.exporter],
        data::fmt_num(crate::units::rate_to_pct(flow.tariff_before)),
        data::fmt_num(crate::units::rate_to_pct(flow.tariff_after)),
        data::fmt_num(elasticities.import_demand),
        data::fmt_num(elasticities.export_supply.as_f64()),
        100.0 * fall
    )
}

impl Loader<'_> {
    /// The sensitivity analysis runs SMART with each elasticity at its low and high setting;
    /// a setting that takes a flow outside SMART's price range is refused here, so that
    /// `validate` fails as the run would.
    fn check_sensitivity_price_range(
        &self,
        section: &Spanned<file::SensitivitySection>,
        spec: &specs::SensitivitySpec,
        markets: &[ProductMarket],
        flow_cells: &[Vec<usize>],
        trade: &TradeData,
    ) -> Result<(), ScenarioError> {
        let s = section.get_ref();
        for (name, low, high, low_label, high_label) in specs::settings(spec) {
            let (key, span) = match name {
                "import demand elasticity" => {
                    ("import_demand", s.import_demand.as_ref().map(|v| v.span()))
                }
                "substitution elasticity" => {
                    ("substitution", s.substitution.as_ref().map(|v| v.span()))
                }
                _ => ("export_supply", s.export_supply.as_ref().map(|v| v.span())),
            };
            for (change, which, label) in [(low, "low", low_label), (high, "high", high_label)] {
                let label = if span.is_some() {
                    label
                } else {
                    format!("{label}, the default")
                };
                for (market, cells) in markets.iter().zip(flow_cells) {
                    let e = change.apply(&market.elasticities);
                    for (flow, &i) in market.flows.iter().zip(cells) {
                        if let Some(fall) = smart_price_fall(flow, &e) {
                            return Err(self.err(
                                span.unwrap_or_else(|| section.span()),
                                &format!("sensitivity.{key}"),
                                format!(
                                    "at its {which} setting ({label}) the {name} takes a flow outside SMART's range: {} (trade data line {})",
                                    price_fall_message(trade, i, flow, &e, fall),
                                    trade.lines[i]
                                ),
                            ));
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// Key columns of a tariff file: product, exporter and (optional) importer.
struct CellColumns {
    product: usize,
    exporter: usize,
    importer: Option<usize>,
}

impl CellColumns {
    fn of(table: &CsvTable, trade: &TradeData) -> Result<Self, ScenarioError> {
        Ok(CellColumns {
            product: table.require("product")?,
            exporter: table.require("exporter")?,
            importer: if trade.multi_market {
                Some(require_importer_column(table)?)
            } else {
                table.column("importer")
            },
        })
    }

    /// The row's importer, or the scenario's single importer.
    fn importer<'r>(&self, row: &'r data::CsvRow<'_>, trade: &'r TradeData) -> &'r str {
        match self.importer {
            Some(c) => row.text(c),
            None => trade.importers.first().map_or("", |s| s.as_str()),
        }
    }

    /// The trade cell this row refers to, if it is in the trade data; a second row for the
    /// same product × exporter × importer is an error naming both lines.
    fn locate(
        &self,
        table: &CsvTable,
        row: &data::CsvRow<'_>,
        trade: &TradeData,
        seen: &mut SeenCells,
    ) -> Result<Option<usize>, ScenarioError> {
        let product = row.name(self.product)?;
        let exporter = row.name(self.exporter)?;
        let importer = match self.importer {
            Some(c) => row.name(c)?,
            None => self.importer(row, trade),
        };
        let cell = match (
            trade.product_index.get(product),
            trade.exporter_index.get(exporter),
            trade.importer_index.get(importer),
        ) {
            (Some(&p), Some(&e), Some(&i)) => trade.cell_index.get(p, e, i),
            _ => None,
        };
        let first = match cell {
            Some(i) => match seen.by_cell[i] {
                0 => {
                    seen.by_cell[i] = row.line;
                    None
                }
                first => Some(first),
            },
            // Rows for cells that are not in the trade data (rare): keyed by their names.
            None => seen.others.insert(
                (
                    product.to_string(),
                    exporter.to_string(),
                    importer.to_string(),
                ),
                row.line,
            ),
        };
        if let Some(first) = first {
            return Err(table.error(
                row.line,
                None,
                duplicate_message(product, exporter, importer, first),
            ));
        }
        Ok(cell)
    }
}

/// The rows of a tariff file seen so far, by trade cell, to refuse duplicates.
struct SeenCells {
    /// Line of the row that set each cell (0: none yet).
    by_cell: Vec<u64>,
    /// Rows naming a product × exporter × importer that is not in the trade data.
    others: HashMap<(String, String, String), u64>,
}

impl SeenCells {
    fn new(trade: &TradeData) -> Self {
        SeenCells {
            by_cell: vec![0; trade.cells.len()],
            others: HashMap::new(),
        }
    }
}

fn read_applied(
    table: &CsvTable,
    trade: &TradeData,
    applied: &mut [Rate],
) -> Result<(), ScenarioError> {
    let cols = CellColumns::of(table, trade)?;
    let c_rate = table.require("rate_pct")?;
    let mut seen = SeenCells::new(trade);
    let mut found = vec![false; trade.cells.len()];
    let mut rates = Vec::with_capacity(table.len());
    for row in table.rows() {
        let rate = row.non_negative(c_rate)?;
        if rate > 1000.0 {
            return Err(row.error(
                c_rate,
                format!(
                    "{}% is not a plausible tariff (expected percent, 0 to 1000)",
                    Num(rate)
                ),
            ));
        }
        let cell = cols.locate(table, &row, trade, &mut seen)?;
        rates.push(rate);
        if let Some(i) = cell {
            applied[i] = pct_to_rate(rate);
            found[i] = true;
        }
    }
    check_percent_columns(table, &[(c_rate, &rates)])?;
    if let Some(i) = found.iter().position(|f| !f) {
        let cell = trade.cells[i];
        return Err(table.error(
            1,
            Some(c_rate),
            format!(
                "no applied rate for product {} from {} into {} (trade data line {}; every trade row needs one; add a row with rate_pct 0 if the trade is duty-free)",
                trade.products[cell.product].code,
                trade.exporters[cell.exporter],
                trade.importers[cell.importer],
                trade.lines[i]
            ),
        ));
    }
    Ok(())
}

/// Reads prefix rows; an empty cell takes the scenario's default for that parameter.
fn read_elasticities(
    table: &CsvTable,
    defaults: &Elasticities,
    provenance: &mut Provenance,
) -> Result<Vec<(String, Elasticities)>, ScenarioError> {
    let c_prefix = table.require("hs_prefix")?;
    let c_demand = table.require("import_demand")?;
    let c_sub = table.require("substitution")?;
    let c_supply = table.require("export_supply")?;
    let mut out: Vec<(String, Elasticities)> = Vec::new();
    let mut lines: HashMap<String, u64> = HashMap::new();
    let (mut positive, mut negative, mut empty) = (0, 0, 0);
    for row in table.rows() {
        let cells_empty = [c_demand, c_sub, c_supply].map(|c| row.text(c).is_empty());
        empty += cells_empty.iter().filter(|e| **e).count();
        let prefix = row.name(c_prefix)?.to_string();
        if let Some(first) = lines.insert(prefix.clone(), row.line) {
            return Err(row.error(
                c_prefix,
                format!("duplicate prefix '{prefix}' (first on line {first})"),
            ));
        }
        let eps = if cells_empty[0] {
            defaults.import_demand
        } else {
            row.import_demand(c_demand)?
        };
        if !cells_empty[0] {
            if eps > 0.0 {
                positive += 1;
            } else {
                negative += 1;
            }
        }
        let sigma = if cells_empty[1] {
            defaults.substitution
        } else {
            row.substitution(c_sub)?
        };
        let supply = if cells_empty[2] {
            defaults.export_supply
        } else {
            row.export_supply(c_supply)?
        };
        out.push((
            prefix,
            Elasticities {
                import_demand: -eps.abs(),
                substitution: sigma,
                export_supply: supply,
            },
        ));
    }
    provenance.elasticity_notes.push(format!(
        "Elasticity file: {negative} import demand values written negative and {positive} written positive; all used as negative. {empty} empty cell(s) took the scenario default."
    ));
    Ok(out)
}

fn read_policy_rates(
    table: &CsvTable,
    trade: &TradeData,
    before: &mut [Rate],
    after: &mut [Rate],
) -> Result<usize, ScenarioError> {
    let cols = CellColumns::of(table, trade)?;
    let c_before = table.require("before_pct")?;
    let c_after = table.require("after_pct")?;
    let mut seen = SeenCells::new(trade);
    let (mut befores, mut afters) = (Vec::new(), Vec::new());
    let mut n = 0;
    for row in table.rows() {
        let b = row.non_negative(c_before)?;
        let a = row.non_negative(c_after)?;
        for (v, c) in [(b, c_before), (a, c_after)] {
            if v > 1000.0 {
                return Err(row.error(
                    c,
                    format!(
                        "{}% is not a plausible tariff (expected percent, 0 to 1000)",
                        Num(v)
                    ),
                ));
            }
        }
        let Some(i) = cols.locate(table, &row, trade, &mut seen)? else {
            return Err(table.error(
                row.line,
                None,
                format!(
                    "product {} from {} into {} is not in the trade data",
                    row.text(cols.product),
                    row.text(cols.exporter),
                    cols.importer(&row, trade)
                ),
            ));
        };
        before[i] = pct_to_rate(b);
        after[i] = pct_to_rate(a);
        befores.push(b);
        afters.push(a);
        n += 1;
    }
    // Together, as documented: a cut from 15% to 0.5% is a real policy.
    check_percent_columns(table, &[(c_before, &befores), (c_after, &afters)])?;
    Ok(n)
}

pub(super) fn describe_file(
    table: &CsvTable,
    role: &str,
    written: &str,
    weights: Option<&[f64]>,
) -> DataFile {
    let c_source = table.column("source");
    let c_status = table.column("status");
    // Distinct sources in order of first appearance, found through a set (a file may have a
    // different source text on every row); statuses are few, so a map by text is enough.
    let mut sources: Vec<String> = Vec::new();
    let mut seen_sources: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let mut shares: BTreeMap<String, f64> = BTreeMap::new();
    let mut total = 0.0;
    for (i, row) in table.rows().enumerate() {
        if let Some(c) = c_source {
            let s = row.text(c);
            if !s.is_empty() && seen_sources.insert(s) {
                sources.push(s.to_string());
            }
        }
        let w = weights.map_or(1.0, |w| w[i]);
        total += w;
        let status = c_status
            .map(|c| row.text(c))
            .filter(|s| !s.is_empty())
            .unwrap_or("not stated");
        match shares.get_mut(status) {
            Some(share) => *share += w,
            None => {
                shares.insert(status.to_string(), w);
            }
        }
    }
    if total > 0.0 {
        for v in shares.values_mut() {
            *v /= total;
        }
    }
    DataFile {
        role: role.to_string(),
        written: written.to_string(),
        path: table.path().to_path_buf(),
        rows: table.len(),
        sources,
        status_shares: shares,
    }
}

/// The scenario's title, marked when `--set` changed what it simulates, so that a title
/// never claims rates the run did not use.
fn with_quick_sets(name: String, sets: &[quick_set::QuickSet]) -> String {
    if sets.is_empty() {
        return name;
    }
    let args: Vec<String> = sets.iter().map(|q| format!("--set {}", q.arg)).collect();
    format!("{name} (what-if: {})", args.join(", "))
}

/// A path made absolute from the current folder (as far as the platform can), for messages.
pub(crate) fn absolute(p: &Path) -> PathBuf {
    let p = if p.as_os_str().is_empty() {
        Path::new(".")
    } else {
        p
    };
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}
