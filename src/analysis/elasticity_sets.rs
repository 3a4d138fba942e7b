//! The headline under each named elasticity set: one model run per set, the rest unchanged.

use super::{Outcome, Variant, simulate_variant};
use crate::scenario::Scenario;
use crate::scenario::elasticity_sets::{ElasticitySet, SetCounts};
use rayon::prelude::*;

/// The headline numbers of one run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Headline {
    /// The focus exporter's change in exports.
    pub focus_change: f64,
    /// The same in percent of its base exports.
    pub focus_change_pct: f64,
    /// The importer's change in total imports.
    pub imports_change: f64,
    /// The importer's net welfare change.
    pub net_welfare: f64,
}

impl Headline {
    /// The headline of an outcome.
    pub fn of(scenario: &Scenario, o: &Outcome) -> Self {
        let f = o.focus(scenario);
        Headline {
            focus_change: f.total_effect,
            focus_change_pct: f.total_effect_pct(),
            imports_change: o.total.total_effect,
            net_welfare: o.total.net_welfare(),
        }
    }
}

/// One set's row.
#[derive(Debug, Clone, PartialEq)]
pub struct SetRow {
    /// The set.
    pub set: ElasticitySet,
    /// True for the set the scenario uses.
    pub used: bool,
    /// The headline, or why the model could not run with this set's elasticities.
    pub headline: Result<Headline, String>,
    /// How its values were found (fallback counts).
    pub counts: SetCounts,
}

/// Runs the scenario under every named set. `None` when the scenario has no set table (GSIM,
/// or products that are not all HS6 codes).
pub fn run(scenario: &Scenario) -> Option<Vec<SetRow>> {
    let table = scenario.elasticity_sets.as_ref()?;
    let rows = ElasticitySet::ALL
        .par_iter()
        .map(|&set| {
            let variant = Variant {
                elasticities: None,
                tariff_after: None,
                base_elasticities: Some(table.of(set)),
            };
            SetRow {
                set,
                used: set == scenario.elasticity_set,
                headline: simulate_variant(scenario, &variant)
                    .map(|o| Headline::of(scenario, &o))
                    .map_err(|e| e.to_string()),
                counts: table.counts[set.index()],
            }
        })
        .collect();
    Some(rows)
}
