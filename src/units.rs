//! Named quantities, so that a signature says what a number is.
//!
//! Rates are stored as fractions inside the library (0.15 = 15 %); the scenario
//! file speaks in percent (`..._pct` fields) and the loader converts once.

/// An ad valorem tariff rate as a fraction of the world (customs) value: 0.15 = 15 %.
pub type Rate = f64;

/// A trade value in the unit of the scenario's trade data (US dollars for the shipped data).
/// Base world prices are normalised to 1, so a value is also a quantity (as in WITS-SMART).
pub type Value = f64;

/// A proportional change written as a fraction: 0.03 = +3 %.
pub type Change = f64;

/// Converts a percentage (as written in a scenario) to a fraction.
pub fn pct_to_rate(pct: f64) -> Rate {
    pct / 100.0
}

/// Converts a fraction to a percentage (as written in tables and reports).
pub fn rate_to_pct(rate: Rate) -> f64 {
    rate * 100.0
}
