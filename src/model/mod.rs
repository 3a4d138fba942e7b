//! Partial-equilibrium models: pure functions from plain market data to plain outcomes.
//!
//! Nothing in here reads files or prints. Every product is an independent market, so
//! callers may simulate products in parallel.

pub mod armington;
pub mod exp;
pub mod gsim;
pub mod smart;
pub mod smart_prepared;

use crate::units::{Rate, Value};

/// Export supply elasticity. WITS-SMART writes 99 for "infinite"; we keep the distinction
/// explicit so that no formula ever divides by a stand-in number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SupplyElasticity {
    /// Perfectly elastic supply: world prices do not move.
    Infinite,
    /// Finite, strictly positive elasticity.
    Finite(f64),
}

impl SupplyElasticity {
    /// Values at or above this threshold are treated as infinite (WITS convention).
    pub const INFINITE_THRESHOLD: f64 = 99.0;

    /// Builds the elasticity from a number, mapping `>= 99` to [`SupplyElasticity::Infinite`].
    pub fn from_value(value: f64) -> Self {
        if value >= Self::INFINITE_THRESHOLD || value.is_infinite() {
            SupplyElasticity::Infinite
        } else {
            SupplyElasticity::Finite(value)
        }
    }

    /// The value as a number, with `f64::INFINITY` for infinite supply (for tables).
    pub fn as_f64(self) -> f64 {
        match self {
            SupplyElasticity::Infinite => f64::INFINITY,
            SupplyElasticity::Finite(v) => v,
        }
    }
}

/// The elasticities of one product market, with the signs the formulas use.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Elasticities {
    /// Import demand elasticity ε, strictly negative (own-price).
    pub import_demand: f64,
    /// Armington substitution elasticity σ between exporters, strictly positive.
    pub substitution: f64,
    /// Export supply elasticity, common to all exporters of the product (as in SMART).
    pub export_supply: SupplyElasticity,
}

/// One exporter's trade in one product market, with its tariff before and after the policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TradeFlow {
    /// Index of the exporter in the scenario's exporter list.
    pub exporter: usize,
    /// Base-period import value at world prices.
    pub base_value: Value,
    /// Total ad valorem tariff before the policy.
    pub tariff_before: Rate,
    /// Total ad valorem tariff after the policy.
    pub tariff_after: Rate,
}

/// One importing market for one product: all exporters' flows and the elasticities.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductMarket {
    /// Index of the product in the scenario's product list.
    pub product: usize,
    /// The flows, one per exporter with trade in this product.
    pub flows: Vec<TradeFlow>,
    /// Elasticities of this product.
    pub elasticities: Elasticities,
}

/// How a variant run changes one elasticity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Adjust {
    /// Multiply each product's value by this factor (signs are kept).
    Scale(f64),
    /// Use this magnitude for every product.
    Set(f64),
}

/// How a variant run changes the export supply elasticity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SupplyAdjust {
    /// Multiply each finite value by this factor; infinite supply stays infinite, and a
    /// product reaching 99 becomes infinite (the WITS convention).
    Scale(f64),
    /// Use this elasticity for every product.
    Set(SupplyElasticity),
}

impl SupplyAdjust {
    /// The changed elasticity of one product.
    pub fn apply(self, current: SupplyElasticity) -> SupplyElasticity {
        match (self, current) {
            (SupplyAdjust::Scale(f), SupplyElasticity::Finite(v)) => {
                SupplyElasticity::from_value(v * f)
            }
            (SupplyAdjust::Scale(_), SupplyElasticity::Infinite) => current,
            (SupplyAdjust::Set(s), _) => s,
        }
    }
}

/// Changes to the elasticities of every product; `None` keeps the scenario's value.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ElasticityChange {
    /// Import demand elasticity.
    pub import_demand: Option<Adjust>,
    /// Substitution elasticity.
    pub substitution: Option<Adjust>,
    /// Export supply elasticity. Scaling leaves infinite supply infinite.
    pub export_supply: Option<SupplyAdjust>,
}

impl ElasticityChange {
    /// Applies the change to one product's elasticities.
    pub fn apply(&self, e: &Elasticities) -> Elasticities {
        let mut out = *e;
        match self.import_demand {
            Some(Adjust::Scale(f)) => out.import_demand *= f,
            Some(Adjust::Set(v)) => out.import_demand = -v.abs(),
            None => {}
        }
        match self.substitution {
            Some(Adjust::Scale(f)) => out.substitution *= f,
            Some(Adjust::Set(v)) => out.substitution = v,
            None => {}
        }
        if let Some(a) = self.export_supply {
            out.export_supply = a.apply(e.export_supply);
        }
        out
    }
}

/// xorshift64 in [0, 1): a fixed, seeded stream of numbers for the tests.
#[cfg(test)]
pub(crate) fn test_stream(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    }
}
