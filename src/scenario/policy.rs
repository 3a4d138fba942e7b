//! Tariff rules: how a scenario's `[[before]]` and `[[policy]]` tables become a
//! [`TariffSchedule`] of rates before and after, per product × exporter.

use crate::units::Rate;

/// What a rule does to a rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RuleAction {
    /// Set the rate to this value.
    Set(Rate),
    /// Add this many points (as a fraction: 0.05 = 5 points).
    Change(Rate),
    /// Multiply the rate by `1 − fraction`.
    CutBy(f64),
}

/// Which rate a rule acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// The additional duty on top of the applied (base) rate.
    Additional,
    /// The total rate (applied + additional).
    Total,
}

/// A validated rule.
#[derive(Debug, Clone, PartialEq)]
pub struct TariffRule {
    /// Exporter indices the rule covers.
    pub exporters: Vec<usize>,
    /// Importer indices the rule covers.
    pub importers: Vec<usize>,
    /// Product indices the rule covers; `None` for all products.
    pub products: Option<Vec<usize>>,
    /// What it does.
    pub action: RuleAction,
    /// Which rate it acts on.
    pub layer: Layer,
    /// Line of the rule in the scenario file.
    pub line: usize,
    /// The rule as named in messages ("policy[2]").
    pub name: String,
    /// A one-line description for the report.
    pub description: String,
}

/// Rates per cell (one cell per trade row) before and after the policy.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TariffSchedule {
    /// Applied base rate per cell (from data).
    pub applied: Vec<Rate>,
    /// Total rate before the policy.
    pub before: Vec<Rate>,
    /// Total rate after the policy.
    pub after: Vec<Rate>,
}

/// A cell the rules refer to: which product and exporter it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellKey {
    /// Product index.
    pub product: usize,
    /// Exporter index.
    pub exporter: usize,
    /// Importer index (always 0 in a single-market scenario).
    pub importer: usize,
}

/// A rule that would make a total rate negative or larger than
/// [`super::bounds::MAX_RATE_PCT`].
#[derive(Debug, Clone, PartialEq)]
pub struct RateOutOfRange {
    /// Line of the rule.
    pub line: usize,
    /// The rule's name ("policy[2]").
    pub name: String,
    /// The cell.
    pub cell: CellKey,
    /// The resulting rate.
    pub rate: Rate,
}

/// Applies rules in order to the additional duties of the cells.
pub fn apply_rules(
    rules: &[TariffRule],
    cells: &[CellKey],
    applied: &[Rate],
    additional: &mut [Rate],
) -> Result<(), RateOutOfRange> {
    let max = super::bounds::MAX_RATE_PCT / 100.0;
    for rule in rules {
        for (i, cell) in cells.iter().enumerate() {
            if !rule.exporters.contains(&cell.exporter) || !rule.importers.contains(&cell.importer)
            {
                continue;
            }
            if let Some(products) = &rule.products
                && !products.contains(&cell.product)
            {
                continue;
            }
            let current = match rule.layer {
                Layer::Additional => additional[i],
                Layer::Total => applied[i] + additional[i],
            };
            let new = match rule.action {
                RuleAction::Set(r) => r,
                RuleAction::Change(d) => current + d,
                RuleAction::CutBy(f) => current * (1.0 - f),
            };
            additional[i] = match rule.layer {
                Layer::Additional => new,
                Layer::Total => new - applied[i],
            };
            let total = applied[i] + additional[i];
            if total < -1e-12 || total > max + 1e-12 {
                return Err(RateOutOfRange {
                    line: rule.line,
                    name: rule.name.clone(),
                    cell: *cell,
                    rate: total,
                });
            }
            additional[i] = additional[i].max(-applied[i]);
        }
    }
    Ok(())
}
