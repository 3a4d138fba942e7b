//! The validated specifications of the analysis layers (uncertainty, sensitivity, sweep,
//! projection): plain inputs read from the scenario file. The layers that run them live in
//! `crate::analysis`; keeping the inputs here lets the scenario describe itself without
//! depending on the code that analyses it.

use super::Scenario;
use super::elasticity_sets::ElasticitySet;
use crate::model::{Adjust, ElasticityChange, SupplyAdjust, SupplyElasticity};
use crate::units::Rate;

// ---- Monte-Carlo uncertainty ----

/// A probability distribution for one elasticity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Distribution {
    /// Normal, truncated to positive values (the valid sign of a magnitude or factor).
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// Log-normal given by its median and the standard deviation of its logarithm.
    LogNormal {
        /// Median.
        median: f64,
        /// Standard deviation of ln(value).
        sigma: f64,
    },
    /// Uniform on `[low, high]`.
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// Triangular on `[low, high]` with the given mode.
    Triangular {
        /// Lower bound.
        low: f64,
        /// Mode.
        mode: f64,
        /// Upper bound.
        high: f64,
    },
}

impl Distribution {
    /// A short description for reports ("normal(1, 0.25)").
    pub fn describe(&self) -> String {
        match *self {
            Distribution::Normal { mean, sd } => {
                format!("normal(mean {mean}, sd {sd}), truncated to > 0")
            }
            Distribution::LogNormal { median, sigma } => {
                format!("log-normal(median {median}, σ of log {sigma})")
            }
            Distribution::Uniform { low, high } => format!("uniform({low}, {high})"),
            Distribution::Triangular { low, mode, high } => {
                format!("triangular({low}, mode {mode}, {high})")
            }
        }
    }
}

/// The uncertainty of one elasticity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParameterUncertainty {
    /// Its distribution.
    pub distribution: Distribution,
    /// True: draws are factors on each product's point value. False: draws are the
    /// magnitude used for every product.
    pub relative: bool,
}

impl ParameterUncertainty {
    /// Description for reports.
    pub fn describe(&self) -> String {
        if self.relative {
            format!(
                "factor on each product's (in GSIM, each region's) own value ~ {}",
                self.distribution.describe()
            )
        } else {
            format!(
                "one magnitude for every product (in GSIM, every region) ~ {}",
                self.distribution.describe()
            )
        }
    }
}

/// What to draw and how often.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UncertaintySpec {
    /// Number of draws.
    pub draws: usize,
    /// Seed of the generator.
    pub seed: u64,
    /// Import demand elasticity.
    pub import_demand: Option<ParameterUncertainty>,
    /// Substitution elasticity.
    pub substitution: Option<ParameterUncertainty>,
    /// Export supply elasticity.
    pub export_supply: Option<ParameterUncertainty>,
    /// Named elasticity sets drawn one per draw, if any.
    pub sets: Option<SetWeights>,
}

/// The probability of each named elasticity set (indexed like [`ElasticitySet::ALL`]; 0 for
/// the sets not drawn). A fixed array keeps [`UncertaintySpec`] `Copy`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SetWeights {
    /// Probabilities, summing to 1.
    pub probabilities: [f64; ElasticitySet::ALL.len()],
}

impl SetWeights {
    /// The set a uniform number in [0, 1) falls on.
    pub fn pick(&self, u: f64) -> ElasticitySet {
        let mut cumulative = 0.0;
        let mut last = ElasticitySet::ChapterMedians;
        for (set, &p) in ElasticitySet::ALL.iter().zip(&self.probabilities) {
            if p > 0.0 {
                cumulative += p;
                last = *set;
                if u < cumulative {
                    return *set;
                }
            }
        }
        last
    }

    /// "chapter_medians (1/3), ..." for reports.
    pub fn describe(&self) -> String {
        ElasticitySet::ALL
            .iter()
            .zip(&self.probabilities)
            .filter(|(_, p)| **p > 0.0)
            .map(|(s, p)| format!("{} ({:.3})", s.name(), p))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl UncertaintySpec {
    /// One line per elasticity saying how it is drawn, for reports.
    pub fn describe(&self) -> Vec<String> {
        [
            ("Import demand elasticity", self.import_demand),
            ("Substitution elasticity", self.substitution),
            ("Export supply elasticity", self.export_supply),
        ]
        .iter()
        .map(|(name, p)| {
            format!(
                "{name}: {}.",
                p.map_or("fixed at the scenario's values".into(), |p| p.describe())
            )
        })
        .chain(self.sets.map(|w| {
            format!(
                "Elasticity set: one drawn per draw, with probabilities {}; the factors above apply to its values.",
                w.describe()
            )
        }))
        .collect()
    }
}

// ---- One-at-a-time sensitivity ----

/// Low and high settings of each elasticity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SensitivitySpec {
    /// Factors on every product's import demand elasticity.
    pub import_demand: (f64, f64),
    /// Factors on every product's substitution elasticity.
    pub substitution: (f64, f64),
    /// Export supply elasticity used for every product.
    pub export_supply: (SupplyElasticity, SupplyElasticity),
}

impl Default for SensitivitySpec {
    /// Halve and add half to ε and σ; supply from 1 (steep) to infinite (the WITS default).
    fn default() -> Self {
        SensitivitySpec {
            import_demand: (0.5, 1.5),
            substitution: (0.5, 1.5),
            export_supply: (SupplyElasticity::Finite(1.0), SupplyElasticity::Infinite),
        }
    }
}

fn supply_label(v: SupplyElasticity) -> String {
    match v {
        SupplyElasticity::Infinite => "infinite".into(),
        SupplyElasticity::Finite(v) => format!("= {v}"),
    }
}

/// A low and a high setting of one parameter: (name, low change, high change, low label,
/// high label).
pub type Setting = (
    &'static str,
    ElasticityChange,
    ElasticityChange,
    String,
    String,
);

/// The three parameters' settings.
pub fn settings(spec: &SensitivitySpec) -> [Setting; 3] {
    [
        (
            "import demand elasticity",
            ElasticityChange {
                import_demand: Some(Adjust::Scale(spec.import_demand.0)),
                ..Default::default()
            },
            ElasticityChange {
                import_demand: Some(Adjust::Scale(spec.import_demand.1)),
                ..Default::default()
            },
            format!("×{}", spec.import_demand.0),
            format!("×{}", spec.import_demand.1),
        ),
        (
            "substitution elasticity",
            ElasticityChange {
                substitution: Some(Adjust::Scale(spec.substitution.0)),
                ..Default::default()
            },
            ElasticityChange {
                substitution: Some(Adjust::Scale(spec.substitution.1)),
                ..Default::default()
            },
            format!("×{}", spec.substitution.0),
            format!("×{}", spec.substitution.1),
        ),
        (
            "export supply elasticity",
            ElasticityChange {
                export_supply: Some(SupplyAdjust::Set(spec.export_supply.0)),
                ..Default::default()
            },
            ElasticityChange {
                export_supply: Some(SupplyAdjust::Set(spec.export_supply.1)),
                ..Default::default()
            },
            supply_label(spec.export_supply.0),
            supply_label(spec.export_supply.1),
        ),
    ]
}

// ---- Tariff sweep ----

/// Which exporter and which rates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SweepSpec {
    /// Exporter index.
    pub exporter: usize,
    /// First additional rate, percent.
    pub from_pct: f64,
    /// Last additional rate, percent (included when on the grid).
    pub to_pct: f64,
    /// Step, percent.
    pub step_pct: f64,
}

impl SweepSpec {
    /// Largest number of rates a sweep may have.
    pub const MAX_POINTS: usize = 10_001;

    /// The rates of the grid, in percent.
    pub fn rates(&self) -> Vec<f64> {
        let n = ((self.to_pct - self.from_pct) / self.step_pct + 1e-9).floor() as usize + 1;
        (0..n.min(Self::MAX_POINTS))
            .map(|i| self.from_pct + i as f64 * self.step_pct)
            .collect()
    }
}

/// The flows (cells, in market order) on which an exporter's additional duty is set by a
/// sweep or an explicit rate path: those that pay an additional duty after the policy, so
/// that exempt products stay exempt; all of the exporter's flows when none do.
pub fn dutiable_cells(scenario: &Scenario, exporter: usize) -> Vec<usize> {
    let s = &scenario.schedule;
    let exporter_cells: Vec<usize> = scenario
        .markets
        .iter()
        .flat_map(|m| &m.flows)
        .enumerate()
        .filter(|(_, f)| f.exporter == exporter)
        .map(|(cell, _)| cell)
        .collect();
    let dutiable: Vec<usize> = exporter_cells
        .iter()
        .copied()
        .filter(|&c| s.after[c] - s.applied[c] > 1e-12)
        .collect();
    if dutiable.is_empty() {
        exporter_cells
    } else {
        dutiable
    }
}

/// After-policy tariffs with the exporter's additional duty set to `additional` on its
/// [`dutiable_cells`].
pub fn tariffs_with(scenario: &Scenario, exporter: usize, additional: Rate) -> Vec<Rate> {
    let s = &scenario.schedule;
    let mut out = s.after.clone();
    for c in dutiable_cells(scenario, exporter) {
        out[c] = s.applied[c] + additional;
    }
    out
}

// ---- Projection over years ----

/// The projection's assumptions.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectionSpec {
    /// First projected year.
    pub start_year: i64,
    /// Last projected year.
    pub end_year: i64,
    /// Baseline growth per year as a fraction, for products without their own rate.
    pub baseline_growth: f64,
    /// Growth per product-code prefix (longest match wins), fractions.
    pub growth_by_prefix: Vec<(String, f64)>,
    /// Fraction of the tariff change in force each year from `start_year`; the last value
    /// carries forward.
    pub phase_in: Vec<f64>,
    /// Explicit additional duty (percent) of one exporter per year, overriding `phase_in`
    /// for that exporter's dutiable flows (see [`dutiable_cells`]); the last
    /// value carries forward.
    pub rates: Option<(usize, Vec<f64>)>,
    /// Share of the remaining gap to the long-run effect closed each year, in (0, 1].
    pub adjustment_speed: f64,
    /// In a dated scenario: the after state following the US measures schedule year by
    /// year (replaces `phase_in`).
    pub dated: Option<DatedPath>,
    /// In a dated scenario whose after state cannot follow the schedule: why it is held.
    pub held: Option<String>,
}

/// The after-policy tariffs of each projected year taken from the schedule's calendar.
#[derive(Debug, Clone, PartialEq)]
pub struct DatedPath {
    /// The after date (YYYY-MM-DD), from which the path follows the schedule.
    pub from: String,
    /// The last day the schedule covers; later days hold its duties (ASSUMPTION).
    pub last_day: String,
    /// Per year: the total tariff of each cell (market order), averaged over the year's days.
    pub tariffs: Vec<Vec<Rate>>,
    /// Per year: the share of its days on or after `from`.
    pub share_after: Vec<f64>,
}

impl ProjectionSpec {
    /// The projected years.
    pub fn years(&self) -> Vec<i64> {
        (self.start_year..=self.end_year).collect()
    }

    /// The value for year `k`, the last one carried forward.
    pub(crate) fn carried(values: &[f64], k: usize) -> Option<f64> {
        values.get(k).or(values.last()).copied()
    }

    /// After-policy tariffs of projection year `k` (0 = start year).
    pub fn tariffs(&self, scenario: &Scenario, k: usize) -> Vec<Rate> {
        if let Some(d) = &self.dated {
            return d.tariffs[k].clone();
        }
        let s = &scenario.schedule;
        let phi = Self::carried(&self.phase_in, k).unwrap_or(1.0);
        let mut out: Vec<Rate> = s
            .before
            .iter()
            .zip(&s.after)
            .map(|(b, a)| b + phi * (a - b))
            .collect();
        if let Some((exporter, rates)) = &self.rates
            && let Some(pct) = Self::carried(rates, k)
        {
            // Same flows as a sweep: exempt products stay exempt.
            for c in dutiable_cells(scenario, *exporter) {
                out[c] = s.applied[c] + pct / 100.0;
            }
        }
        out
    }

    /// Growth index of a product in a year relative to the base year.
    pub fn growth_index(&self, scenario: &Scenario, product: usize, year: i64) -> f64 {
        let code = &scenario.products[product].code;
        let g = self
            .growth_by_prefix
            .iter()
            .filter(|(p, _)| code.starts_with(p.as_str()))
            .max_by_key(|(p, _)| p.len())
            .map_or(self.baseline_growth, |(_, g)| *g);
        (1.0 + g).powf((year - scenario.base_year) as f64)
    }
}
