//! The headline under each named elasticity set: one model run per set, the rest unchanged.

use super::headlines::Headlines;
use super::{Variant, simulate_variant};
use crate::scenario::Scenario;
use crate::scenario::elasticity_sets::{ElasticitySet, SetCounts};
use rayon::prelude::*;

/// One set's row.
#[derive(Debug, Clone, PartialEq)]
pub struct SetRow {
    /// The set.
    pub set: ElasticitySet,
    /// True for the set the scenario uses.
    pub used: bool,
    /// The headline, or why the model could not run with this set's elasticities.
    pub headline: Result<Headlines, String>,
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
                    .map(|o| Headlines::of_outcome(scenario, &o))
                    .map_err(|e| e.to_string()),
                counts: table.counts[set.index()],
            }
        })
        .collect();
    Some(rows)
}
