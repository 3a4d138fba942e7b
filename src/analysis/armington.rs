//! The Armington model with domestic production behind the engine interface: one importing
//! market whose own producers compete with the imports (`crate::model::armington`), products
//! independent. Each flow's effect is a [`FlowEffect`] as in SMART; the domestic side's
//! consumer and producer surplus are added per product, so the importer's net welfare
//! counts its producers' loss or gain.

use super::engine::Engine;
use super::{FlowEffects, Outcome, Variant};
use crate::error::ModelError;
use crate::model::Elasticities;
use crate::model::armington::{ArmingtonMarket, ArmingtonOutcome, solve};
use crate::scenario::Scenario;
use crate::scenario::armington_setup::ArmingtonInputs;
use rayon::prelude::*;

/// The Armington model on an Armington scenario's market.
#[derive(Debug, Clone, Copy)]
pub struct ArmingtonEngine<'a> {
    scenario: &'a Scenario,
    inputs: &'a ArmingtonInputs,
}

impl<'a> ArmingtonEngine<'a> {
    /// The engine of an Armington scenario; `None` for other scenarios.
    pub fn new(scenario: &'a Scenario) -> Option<Self> {
        Some(ArmingtonEngine {
            scenario,
            inputs: scenario.armington()?,
        })
    }

    /// Solves market `k` with elasticities `e` (its import demand elasticity is η) and the
    /// after-policy tariffs `after` of its flows, if given.
    fn solve_market(
        &self,
        k: usize,
        e: &Elasticities,
        after: Option<&[crate::units::Rate]>,
    ) -> Result<ArmingtonOutcome, ModelError> {
        let m = &self.scenario.markets[k];
        let d = self.inputs.domestic[k];
        let mut market = ArmingtonMarket::from_product_market(
            m,
            d.shipments,
            e.import_demand,
            d.sigma_domestic,
            self.inputs.choice.domestic_supply,
        );
        market.elasticities.import_substitution = e.substitution;
        market.elasticities.export_supply =
            crate::model::armington::ExportSupply::Common(e.export_supply);
        if let Some(after) = after {
            for (f, &t) in market.flows.iter_mut().zip(after) {
                f.tariff_after = t;
            }
        }
        solve(&market, &self.inputs.choice.options).map_err(|source| ModelError::Armington {
            product: self.scenario.products[m.product].code.clone(),
            source,
        })
    }

    /// Adds one market's result to the outcome.
    fn add(&self, outcome: &mut Outcome, o: &ArmingtonOutcome) {
        outcome.add_product(self.scenario, o.product, &o.flows);
        outcome.add_market(
            o.product,
            o.domestic.consumer_surplus,
            o.domestic.producer_surplus,
        );
        outcome.extra[0] += o.domestic.value_change;
        outcome.extra[1] += o.domestic.output_change;
        outcome.extra[2] += o.domestic.producer_surplus;
    }

    fn empty(&self) -> Outcome {
        let mut o = Outcome::empty(self.scenario);
        o.extra = vec![0.0; 3];
        o
    }
}

impl Engine for ArmingtonEngine<'_> {
    fn scenario(&self) -> &Scenario {
        self.scenario
    }

    fn as_dyn(&self) -> &dyn Engine {
        self
    }

    /// Every product market in parallel.
    fn solve(&self) -> Result<Outcome, ModelError> {
        let solved = (0..self.scenario.markets.len())
            .into_par_iter()
            .map(|k| self.solve_market(k, &self.scenario.markets[k].elasticities, None))
            .collect::<Result<Vec<_>, ModelError>>()?;
        let mut outcome = self.empty();
        for o in &solved {
            self.add(&mut outcome, o);
        }
        outcome.flows = FlowEffects::Stored(solved.iter().map(|o| o.product_outcome()).collect());
        Ok(outcome)
    }

    /// Sequential over products (callers parallelise over variants).
    fn solve_variant(&self, variant: &Variant<'_>) -> Result<Outcome, ModelError> {
        let mut outcome = self.empty();
        let mut cell = 0;
        for (k, m) in self.scenario.markets.iter().enumerate() {
            let base = variant.base_elasticities.map_or(m.elasticities, |b| b[k]);
            let e = variant.elasticities.map_or(base, |c| c.apply(&base));
            let after = variant.tariff_after.map(|a| &a[cell..cell + m.flows.len()]);
            cell += m.flows.len();
            let o = self.solve_market(k, &e, after)?;
            self.add(&mut outcome, &o);
        }
        Ok(outcome)
    }

    fn extra_rows(&self) -> Vec<(&'static str, String)> {
        vec![
            ("headline", "domestic_shipments_change".into()),
            ("headline", "domestic_output_change".into()),
            ("headline", "domestic_producer_surplus_change".into()),
        ]
    }
}

/// SMART on an Armington scenario's market, each product with the import demand elasticity
/// the Armington model implies at its base domestic share, `s_M·η − (1 − s_M)·σ_d`: the two
/// models then start from the same response of imports to their price. An error (a change
/// too large for SMART's linear supply formula) is given as text for the report.
pub fn smart_comparison(scenario: &Scenario) -> Result<Outcome, String> {
    let Some(inputs) = scenario.armington() else {
        return Err("not an Armington scenario".into());
    };
    let mut smart = scenario.clone();
    smart.model = crate::scenario::ModelChoice::Smart(Default::default());
    for (m, d) in smart.markets.iter_mut().zip(&inputs.domestic) {
        m.elasticities.import_demand = crate::model::armington::implied_import_demand_elasticity(
            1.0 - d.share,
            m.elasticities.import_demand,
            d.sigma_domestic,
        );
    }
    // Totals only: the flows' effects would be computed again from `smart`, dropped here.
    let mut outcome = super::smart::SmartEngine::new(&smart)
        .solve()
        .map_err(|e| e.to_string())?;
    outcome.flows = FlowEffects::None;
    Ok(outcome)
}
