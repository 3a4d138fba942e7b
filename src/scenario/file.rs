//! The scenario file as written (raw stage): serde types that mirror the TOML one to one.
//!
//! Nothing here is validated beyond types; [`super::load`] turns it into a
//! [`super::Scenario`]. Fields the user writes by hand keep their span so that semantic
//! errors can point at the right line. Unknown keys are rejected (typos must not be
//! silently ignored).

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// `[scenario]`: what is simulated.
    pub scenario: Spanned<ScenarioSection>,
    /// `[data]`: where the data files are.
    pub data: Spanned<DataSection>,
    /// `[elasticities]`: defaults for products the elasticity file does not cover.
    pub elasticities: Spanned<ElasticitySection>,
    /// `[model]`: which model and its options.
    #[serde(default)]
    pub model: Option<Spanned<ModelSection>>,
    /// `[groups]`: named lists of exporters usable in rules.
    #[serde(default)]
    pub groups: BTreeMap<String, Spanned<Vec<String>>>,
    /// `[tariffs]`: the before and after states as dates of the US measures schedule.
    #[serde(default)]
    pub tariffs: Option<Spanned<TariffsSection>>,
    /// `[[before]]`: additional duties in force before the policy (both states start here).
    #[serde(default)]
    pub before: Vec<Spanned<RuleSection>>,
    /// `[[policy]]`: the changes the policy makes.
    #[serde(default)]
    pub policy: Vec<Spanned<RuleSection>>,
    /// `[report]`: presentation choices.
    #[serde(default)]
    pub report: Option<Spanned<ReportSection>>,
    /// `[uncertainty]`: Monte-Carlo draws over the elasticities.
    #[serde(default)]
    pub uncertainty: Option<Spanned<UncertaintySection>>,
    /// `[sensitivity]`: one-at-a-time low/high settings of each elasticity.
    #[serde(default)]
    pub sensitivity: Option<Spanned<SensitivitySection>>,
    /// `[projection]`: the path over years.
    #[serde(default)]
    pub projection: Option<Spanned<ProjectionSection>>,
    /// `[sweep]`: one exporter's additional duty over a range of rates.
    #[serde(default)]
    pub sweep: Option<Spanned<SweepSection>>,
}

/// `[scenario]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioSection {
    /// Short title.
    pub name: Spanned<String>,
    /// Longer text; should state the sources.
    #[serde(default)]
    pub description: String,
    /// Importing market (e.g. "United States").
    pub importer: Spanned<String>,
    /// Exporter the headline numbers are about (must be in the trade data).
    pub focus_exporter: Spanned<String>,
    /// Year of the base trade data.
    pub base_year: Spanned<i64>,
    /// Unit of the trade values (e.g. "USD"). Values are used as given.
    pub currency_unit: Spanned<String>,
}

/// `[data]`: paths are relative to the scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSection {
    /// Trade CSV: `product, exporter, value` (+ optional `description, status, source`).
    /// Required unless `us_schedule` is given.
    #[serde(default)]
    pub trade: Option<Spanned<String>>,
    /// The US measures schedule folder: its HS6 × partner 2024 imports are the trade data
    /// and their duty / value the applied rates (instead of `trade` and `applied_tariffs`).
    #[serde(default)]
    pub us_schedule: Option<Spanned<String>>,
    /// Applied (base) tariffs CSV: `product, exporter, rate_pct`. Without it the base is 0.
    #[serde(default)]
    pub applied_tariffs: Option<Spanned<String>>,
    /// Elasticities CSV: `hs_prefix, import_demand, substitution, export_supply`.
    #[serde(default)]
    pub elasticities: Option<Spanned<String>>,
    /// Explicit before/after rates CSV: `product, exporter, before_pct, after_pct`.
    #[serde(default)]
    pub policy_rates: Option<Spanned<String>>,
    /// GSIM: elasticities per region CSV: `region, import_demand, substitution, export_supply`.
    #[serde(default)]
    pub region_elasticities: Option<Spanned<String>>,
}

/// `[tariffs]`: each state is the schedule on a date (both needed; rules add on top).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TariffsSection {
    /// The state before the policy.
    pub before: Spanned<DatedState>,
    /// The state after the policy; `[[policy]]` rules act on it.
    pub after: Spanned<DatedState>,
}

/// One dated state, `{ date = "YYYY-MM-DD" }`, optionally with some exporters taken on
/// other days (`exporter_dates = { Pakistan = "2025-04-08" }`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatedState {
    /// The day whose additional duties apply, 2025–2026.
    pub date: Spanned<String>,
    /// Exporters whose duties are those of another day: "the same day, but Pakistan as
    /// announced in April".
    #[serde(default)]
    pub exporter_dates: Option<Spanned<BTreeMap<String, Spanned<String>>>>,
}

/// An export supply elasticity as written: a number or the word "infinite".
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum SupplyValue {
    /// A number; 99 or more means infinite.
    Number(f64),
    /// "infinite" (or "inf").
    Word(String),
}

/// `[elasticities]`: the defaults, and the named set to use.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElasticitySection {
    /// A named elasticity set (default "chapter_medians": the elasticity file, then these
    /// defaults).
    #[serde(default)]
    pub set: Option<Spanned<String>>,
    /// Import demand elasticity; either sign accepted, used as negative.
    pub import_demand: Spanned<f64>,
    /// Substitution elasticity, positive.
    pub substitution: Spanned<f64>,
    /// Export supply elasticity, positive, or "infinite".
    pub export_supply: Spanned<SupplyValue>,
}

/// `[model]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSection {
    /// "smart" (the default).
    #[serde(default)]
    pub kind: Option<Spanned<String>>,
    /// SMART: "ces_share" (default) or "laird_yeats".
    #[serde(default)]
    pub diversion: Option<Spanned<String>>,
    /// GSIM: "linear" (default, the published percent-change form) or "levels".
    #[serde(default)]
    pub form: Option<Spanned<String>>,
    /// GSIM linear form: "linear_demand" (default) or "fh_sign" consumer surplus.
    #[serde(default)]
    pub cs_formula: Option<Spanned<String>>,
    /// Armington: the domestic-share file (domestic share and σ_d by HS prefix).
    #[serde(default)]
    pub domestic: Option<Spanned<String>>,
    /// Armington: the composite (total) demand elasticity η, negative.
    #[serde(default)]
    pub composite_demand: Option<Spanned<f64>>,
    /// Armington: the importer's own producers' supply elasticity (number or "infinite").
    #[serde(default)]
    pub domestic_supply: Option<Spanned<SupplyValue>>,
}

/// `[report]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSection {
    /// Exporters shown separately; the rest are summed as "Rest of world".
    #[serde(default)]
    pub exporters: Option<Spanned<Vec<String>>>,
    /// How many products the product charts and tables show (default 12).
    #[serde(default)]
    pub top_products: Option<Spanned<i64>>,
}

/// One tariff rule, in `[[before]]` or `[[policy]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSection {
    /// One exporter.
    #[serde(default)]
    pub exporter: Option<Spanned<String>>,
    /// Several exporters.
    #[serde(default)]
    pub exporters: Option<Spanned<Vec<String>>>,
    /// A group from `[groups]`, or "all".
    #[serde(default)]
    pub group: Option<Spanned<String>>,
    /// GSIM: the importing region whose tariffs the rule sets (default: the scenario's importer).
    #[serde(default)]
    pub importer: Option<Spanned<String>>,
    /// GSIM: several importing regions.
    #[serde(default)]
    pub importers: Option<Spanned<Vec<String>>>,
    /// Exact product codes; all products when neither this nor `hs_prefixes` is given.
    #[serde(default)]
    pub hs_codes: Option<Spanned<Vec<String>>>,
    /// Product code prefixes (e.g. "61" for a whole chapter).
    #[serde(default)]
    pub hs_prefixes: Option<Spanned<Vec<String>>>,
    /// Product code prefixes the rule leaves alone (exempt products, e.g. "27" for energy).
    #[serde(default)]
    pub except_hs_prefixes: Option<Spanned<Vec<String>>>,
    /// Set the rate to this many percent.
    #[serde(default)]
    pub set_pct: Option<Spanned<f64>>,
    /// Change the rate by this many percentage points (negative for a cut).
    #[serde(default)]
    pub change_pts: Option<Spanned<f64>>,
    /// Cut the rate by this percentage of itself (50 halves it).
    #[serde(default)]
    pub cut_by_pct: Option<Spanned<f64>>,
    /// "additional" (default): the rule acts on the additional duty on top of the applied
    /// rate; "total": it acts on the total rate.
    #[serde(default)]
    pub layer: Option<Spanned<String>>,
    /// Free text shown in the report (e.g. the legal basis).
    #[serde(default)]
    pub note: Option<Spanned<String>>,
}

/// `[uncertainty]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UncertaintySection {
    /// Number of draws (default 1000).
    #[serde(default)]
    pub draws: Option<Spanned<i64>>,
    /// Seed (default 1).
    #[serde(default)]
    pub seed: Option<Spanned<i64>>,
    /// Distribution of the import demand elasticity.
    #[serde(default)]
    pub import_demand: Option<Spanned<DistributionSection>>,
    /// Distribution of the substitution elasticity.
    #[serde(default)]
    pub substitution: Option<Spanned<DistributionSection>>,
    /// Distribution of the export supply elasticity.
    #[serde(default)]
    pub export_supply: Option<Spanned<DistributionSection>>,
    /// Named elasticity sets, one drawn per draw.
    #[serde(default)]
    pub sets: Option<Spanned<Vec<Spanned<String>>>>,
    /// Weights of `sets`, in the same order (default: equal).
    #[serde(default)]
    pub set_weights: Option<Spanned<Vec<f64>>>,
}

/// One elasticity's distribution: `dist` plus the parameters that distribution needs.
/// A plain struct (not a tagged enum) so that errors keep their line numbers.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DistributionSection {
    /// "normal", "lognormal", "uniform" or "triangular".
    pub dist: Spanned<String>,
    /// true (default): values are factors on each product's value; false: magnitudes.
    #[serde(default)]
    pub relative: Option<bool>,
    /// Normal: mean (default 1 when relative).
    #[serde(default)]
    pub mean: Option<Spanned<f64>>,
    /// Normal: standard deviation.
    #[serde(default)]
    pub sd: Option<Spanned<f64>>,
    /// Log-normal: median (default 1 when relative).
    #[serde(default)]
    pub median: Option<Spanned<f64>>,
    /// Log-normal: standard deviation of the logarithm.
    #[serde(default)]
    pub sigma: Option<Spanned<f64>>,
    /// Uniform and triangular: lower bound.
    #[serde(default)]
    pub low: Option<Spanned<f64>>,
    /// Triangular: mode.
    #[serde(default)]
    pub mode: Option<Spanned<f64>>,
    /// Uniform and triangular: upper bound.
    #[serde(default)]
    pub high: Option<Spanned<f64>>,
}

/// `[sensitivity]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensitivitySection {
    /// Low and high factors on the import demand elasticity (default [0.5, 1.5]).
    #[serde(default)]
    pub import_demand: Option<Spanned<Vec<f64>>>,
    /// Low and high factors on the substitution elasticity (default [0.5, 1.5]).
    #[serde(default)]
    pub substitution: Option<Spanned<Vec<f64>>>,
    /// Low and high export supply elasticities (default [1, "infinite"]).
    #[serde(default)]
    pub export_supply: Option<Spanned<Vec<SupplyValue>>>,
}

/// `[projection]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectionSection {
    /// First projected year.
    pub start_year: Spanned<i64>,
    /// Last projected year.
    pub end_year: Spanned<i64>,
    /// Baseline growth per year, percent (default 0).
    #[serde(default)]
    pub baseline_growth_pct: Option<Spanned<f64>>,
    /// Baseline growth per product-code prefix, percent per year.
    #[serde(default)]
    pub growth_pct_by_prefix: Option<Spanned<BTreeMap<String, f64>>>,
    /// Fraction (0 to 1) of the tariff change in force each year (default: all at once).
    #[serde(default)]
    pub phase_in: Option<Spanned<Vec<f64>>>,
    /// Exporter whose additional duty is given year by year in `rates_pct`.
    #[serde(default)]
    pub rates_exporter: Option<Spanned<String>>,
    /// That exporter's additional duty per year, percent.
    #[serde(default)]
    pub rates_pct: Option<Spanned<Vec<f64>>>,
    /// Share of the remaining gap to the long-run effect closed each year (default 0.5).
    #[serde(default)]
    pub adjustment_speed: Option<Spanned<f64>>,
}

/// `[sweep]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepSection {
    /// The exporter whose additional duty is swept.
    pub exporter: Spanned<String>,
    /// First rate, percent.
    pub from_pct: Spanned<f64>,
    /// Last rate, percent.
    pub to_pct: Spanned<f64>,
    /// Step, percent.
    pub step_pct: Spanned<f64>,
}
