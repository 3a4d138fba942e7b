//! Comparison of several scenarios' headline results, side by side.

use super::Outcome;
use super::headlines::Headlines;
use crate::model::smart::EffectTotals;
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
    pub headlines: Headlines,
    /// Total effect per reporting group.
    pub by_group: Vec<(String, f64)>,
}

/// Collects the comparison rows. Each exporter shown separately in any scenario is valued
/// from that scenario's own exporter totals (so an exporter that one scenario folds into
/// "Rest of world" is still compared correctly); "Rest of world" is everything else.
pub fn compare(items: &[(&Scenario, &Outcome)]) -> Vec<ComparedScenario> {
    let mut names: Vec<String> = Vec::new();
    for (s, _) in items {
        for g in &s.report_groups {
            if !names.contains(g) {
                names.push(g.clone());
            }
        }
    }
    items
        .iter()
        .map(|(s, o)| {
            let by_group = names
                .iter()
                .cloned()
                .zip(group_values(s, o, &names, |t| t.total_effect))
                .collect();
            ComparedScenario {
                stem: s.stem(),
                name: s.name.clone(),
                focus: s.focus_name().to_string(),
                currency_unit: s.currency_unit.clone(),
                focus_base: o.focus(s).base_value,
                headlines: Headlines::of_outcome(s, o),
                by_group,
            }
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

/// One quantity of each named group (`field` of the exporter's totals) in a scenario's
/// outcome: an exporter shown separately in any scenario is read from this scenario's own
/// exporter totals (0 when it has none); "Rest of world" is the market total minus the
/// named ones, so an exporter one scenario folds into it is still compared correctly.
pub fn group_values(
    s: &Scenario,
    o: &Outcome,
    names: &[String],
    field: fn(&EffectTotals) -> f64,
) -> Vec<f64> {
    let value = |name: &str| {
        s.exporters
            .iter()
            .position(|e| e == name)
            .map_or(0.0, |e| field(&o.by_exporter[e]))
    };
    let named: f64 = names
        .iter()
        .filter(|n| n.as_str() != crate::scenario::REST_OF_WORLD)
        .map(|n| value(n))
        .sum();
    names
        .iter()
        .map(|n| {
            if n == crate::scenario::REST_OF_WORLD {
                field(&o.total) - named
            } else {
                value(n)
            }
        })
        .collect()
}
