//! Comparison of several scenarios' headline results, side by side.

use super::Outcome;
use super::monte_carlo::headlines;
use crate::scenario::Scenario;

/// One scenario's headline results.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparedScenario {
    /// Scenario file stem (short label).
    pub stem: String,
    /// Scenario title.
    pub name: String,
    /// Focus exporter.
    pub focus: String,
    /// Unit of values.
    pub currency_unit: String,
    /// Focus exporter's base exports.
    pub focus_base: f64,
    /// Headline quantities, as in the uncertainty table.
    pub headlines: Vec<(&'static str, f64)>,
    /// Total effect per reporting group.
    pub by_group: Vec<(String, f64)>,
}

/// Collects the comparison rows.
pub fn compare(items: &[(&Scenario, &Outcome)]) -> Vec<ComparedScenario> {
    items
        .iter()
        .map(|(s, o)| ComparedScenario {
            stem: s.stem(),
            name: s.name.clone(),
            focus: s.focus_name().to_string(),
            currency_unit: s.currency_unit.clone(),
            focus_base: o.focus(s).base_value,
            headlines: headlines(s, o).to_vec(),
            by_group: s
                .report_groups
                .iter()
                .cloned()
                .zip(o.by_group.iter().map(|t| t.total_effect))
                .collect(),
        })
        .collect()
}

/// Group names in the order of first appearance across scenarios, Rest of world last.
pub fn group_union(rows: &[ComparedScenario]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for r in rows {
        for (g, _) in &r.by_group {
            if !names.contains(g) {
                names.push(g.clone());
            }
        }
    }
    names.sort_by_key(|n| n == crate::scenario::REST_OF_WORLD);
    names
}
