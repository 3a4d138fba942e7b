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
mod elasticities;
pub mod elasticity_sets;
mod fast_hash;
pub mod file;
pub mod gsim_setup;
pub mod layers;
mod loader;
mod model_choice;
pub mod policy;
pub mod quick_set;
pub mod rate;
mod report_choices;
mod rules;
pub mod specs;
pub mod starter;
mod trade;
pub mod unit_check;

use crate::error::ScenarioError;
use crate::model::gsim::GsimOptions;
use crate::model::smart::SmartOptions;
use crate::model::{Elasticities, ProductMarket};
use data::CsvTable;
use file::ScenarioFile;
use loader::{Loader, toml_message};
use policy::TariffSchedule;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use trade::TradeData;

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

/// The model a scenario runs, with that model's own inputs: one value says both which model
/// and what it needs, so a GSIM scenario cannot lack its setup nor a SMART one carry one.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelChoice {
    /// SMART, one importing market.
    Smart(SmartOptions),
    /// GSIM, several importing markets with world prices cleared.
    Gsim {
        /// The `[model]` options.
        options: GsimOptions,
        /// The regions and markets (`Scenario::markets` then hold the scenario importer's
        /// column, for the single-market comparison).
        setup: gsim_setup::GsimSetup,
    },
    /// Armington: one importing market with its own producers beside the imports; the
    /// `[model]` choice and the domestic side, per market.
    Armington(armington_setup::ArmingtonInputs),
}

impl ModelChoice {
    /// The SMART options: the scenario's own, or for a GSIM scenario those of its
    /// single-market comparison (CES-share diversion, the default).
    pub fn smart_options(&self) -> SmartOptions {
        match self {
            ModelChoice::Smart(o) => *o,
            ModelChoice::Gsim { .. } | ModelChoice::Armington(_) => SmartOptions::default(),
        }
    }

    /// The multi-market setup of a GSIM scenario.
    pub fn gsim(&self) -> Option<&gsim_setup::GsimSetup> {
        match self {
            ModelChoice::Gsim { setup, .. } => Some(setup),
            ModelChoice::Smart(_) | ModelChoice::Armington(_) => None,
        }
    }

    /// The domestic side of an Armington scenario, per market.
    pub fn armington(&self) -> Option<&armington_setup::ArmingtonInputs> {
        match self {
            ModelChoice::Armington(inputs) => Some(inputs),
            ModelChoice::Smart(_) | ModelChoice::Gsim { .. } => None,
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
    /// The model, its options and its own inputs.
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
}

impl Scenario {
    /// The multi-market setup, when the scenario runs GSIM.
    pub fn gsim(&self) -> Option<&gsim_setup::GsimSetup> {
        self.model.gsim()
    }

    /// The domestic side, when the scenario runs the Armington model.
    pub fn armington(&self) -> Option<&armington_setup::ArmingtonInputs> {
        self.model.armington()
    }

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
    let mut last_source: Option<&str> = None;
    let mut shares: BTreeMap<String, f64> = BTreeMap::new();
    // The status of the latest rows with its running share, put back in `shares` when the
    // status changes: files hold long runs of one status (often none), and the share adds
    // the same weights in the same order as one map look-up per row would.
    let mut current: Option<(&str, f64)> = None;
    let mut total = 0.0;
    for (i, row) in table.rows().enumerate() {
        if let Some(c) = c_source {
            let s = row.text(c);
            if !s.is_empty() && last_source != Some(s) {
                if seen_sources.insert(s) {
                    sources.push(s.to_string());
                }
                last_source = Some(s);
            }
        }
        let w = weights.map_or(1.0, |w| w[i]);
        total += w;
        let status = c_status
            .map(|c| row.text(c))
            .filter(|s| !s.is_empty())
            .unwrap_or("not stated");
        match &mut current {
            Some((same, share)) if *same == status => *share += w,
            _ => {
                if let Some((earlier, share)) = current.take() {
                    shares.insert(earlier.to_string(), share);
                }
                let share = shares.get(status).map_or(w, |share| share + w);
                current = Some((status, share));
            }
        }
    }
    if let Some((status, share)) = current {
        shares.insert(status.to_string(), share);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The file summary with one map look-up per row, as it was first written: the
    /// reference for the summary that keeps the latest status and source aside.
    fn describe_row_by_row(
        table: &CsvTable,
        weights: Option<&[f64]>,
    ) -> (Vec<String>, Vec<(String, u64)>) {
        let (c_source, c_status) = (table.column("source"), table.column("status"));
        let mut sources: Vec<String> = Vec::new();
        let mut shares: BTreeMap<String, f64> = BTreeMap::new();
        let mut total = 0.0;
        for (i, row) in table.rows().enumerate() {
            if let Some(c) = c_source {
                let s = row.text(c);
                if !s.is_empty() && !sources.iter().any(|x| x == s) {
                    sources.push(s.to_string());
                }
            }
            let w = weights.map_or(1.0, |w| w[i]);
            total += w;
            let status = c_status
                .map(|c| row.text(c))
                .filter(|s| !s.is_empty())
                .unwrap_or("not stated");
            *shares.entry(status.to_string()).or_insert(0.0) += w;
        }
        let shares = shares
            .into_iter()
            .map(|(k, v)| (k, (if total > 0.0 { v / total } else { v }).to_bits()))
            .collect();
        (sources, shares)
    }

    /// Runs of statuses and sources, returning to earlier ones, empty cells and weights
    /// whose sums round: the same sources in the same order and the same shares, bit for bit.
    #[test]
    fn file_summary_equals_one_look_up_per_row() {
        let mut text = String::from("product,value,status,source\n");
        let statuses = [
            "OFFICIAL", "OFFICIAL", "", "ESTIMATE", "OFFICIAL", "ESTIMATE", "", "",
        ];
        let sources = ["a", "a", "b", "", "a", "c", "c", "b"];
        let mut weights = Vec::new();
        for i in 0..400u32 {
            let k = (i as usize * 7 + i as usize / 5) % statuses.len();
            text.push_str(&format!(
                "p{i},1,{},{}\n",
                statuses[k],
                sources[(i as usize / 3) % 8]
            ));
            weights.push(0.1 * f64::from(i % 13) + 1e-3 / f64::from(i + 1));
        }
        let table = CsvTable::parse(Path::new("t.csv"), text.as_bytes()).unwrap();
        for w in [None, Some(weights.as_slice())] {
            let file = describe_file(&table, "trade data", "t.csv", w);
            let shares: Vec<(String, u64)> = file
                .status_shares
                .iter()
                .map(|(k, v)| (k.clone(), v.to_bits()))
                .collect();
            assert_eq!((file.sources, shares), describe_row_by_row(&table, w));
        }
        // Without status and source columns: every row "not stated".
        let table = CsvTable::parse(Path::new("t.csv"), b"product,value\np,1\nq,2\n").unwrap();
        let file = describe_file(&table, "trade data", "t.csv", None);
        assert!(file.sources.is_empty());
        assert_eq!(file.status_shares.get("not stated"), Some(&1.0));
    }
}
