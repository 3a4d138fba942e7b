//! One-at-a-time sensitivity (the data of a tornado chart): each elasticity moved to a low
//! and a high value while the others keep their scenario values.

use super::{Outcome, Variant, simulate_variant};
use crate::error::ModelError;
use crate::scenario::Scenario;
pub use crate::scenario::specs::{SensitivitySpec, Setting, settings};
use rayon::prelude::*;

/// The result for one parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct SensitivityRow {
    /// Parameter name.
    pub parameter: &'static str,
    /// How the low setting was made ("×0.5").
    pub low_setting: String,
    /// How the high setting was made.
    pub high_setting: String,
    /// Focus exporter's total effect at the low setting.
    pub focus_low: f64,
    /// … at the high setting.
    pub focus_high: f64,
    /// Importer's net welfare at the low setting.
    pub welfare_low: f64,
    /// … at the high setting.
    pub welfare_high: f64,
}

impl SensitivityRow {
    /// Width of the focus exporter's range (the tornado's sort key).
    pub fn swing(&self) -> f64 {
        (self.focus_high - self.focus_low).abs()
    }
}

/// Sorts rows by swing, largest first (the tornado's order).
pub fn sorted(mut rows: Vec<SensitivityRow>) -> Vec<SensitivityRow> {
    rows.sort_by(|a, b| b.swing().total_cmp(&a.swing()));
    rows
}

/// Runs the six variants (in parallel) and returns rows sorted by swing, largest first.
pub fn run(scenario: &Scenario, spec: &SensitivitySpec) -> Result<Vec<SensitivityRow>, ModelError> {
    let settings = settings(spec);
    let outcomes: Vec<Outcome> = settings
        .par_iter()
        .flat_map_iter(|(_, low, high, _, _)| [*low, *high])
        .map(|change| {
            simulate_variant(
                scenario,
                &Variant {
                    elasticities: Some(change),
                    tariff_after: None,
                    base_elasticities: None,
                },
            )
            .map_err(|e| ModelError::InLayer {
                layer: "sensitivity (one of the low/high elasticity settings)".into(),
                source: Box::new(e),
            })
        })
        .collect::<Result<_, _>>()?;
    let rows: Vec<SensitivityRow> = settings
        .iter()
        .enumerate()
        .map(|(i, (name, _, _, low, high))| {
            let (lo, hi) = (&outcomes[2 * i], &outcomes[2 * i + 1]);
            SensitivityRow {
                parameter: name,
                low_setting: low.clone(),
                high_setting: high.clone(),
                focus_low: lo.focus(scenario).total_effect,
                focus_high: hi.focus(scenario).total_effect,
                welfare_low: lo.total.net_welfare(),
                welfare_high: hi.total.net_welfare(),
            }
        })
        .collect();
    Ok(sorted(rows))
}
