//! The plausible ranges of a scenario's numbers, in one place.
//!
//! Every value inside these ranges keeps the models' arithmetic finite (see
//! `docs/decisions.md`, "Input hardening"); a value outside them is refused at load time, so
//! `tariffsim validate` fails on it with the file, line and field, rather than a run failing
//! later while it writes an output.

use super::data::Num;

/// A closed range of magnitudes with an example, for messages.
#[derive(Debug, Clone, Copy)]
pub struct Range {
    /// Smallest accepted value.
    pub min: f64,
    /// Largest accepted value.
    pub max: f64,
    /// A typical value, shown in messages.
    pub example: f64,
}

impl Range {
    /// True when `v` lies in the range (never for NaN).
    pub fn contains(&self, v: f64) -> bool {
        v >= self.min && v <= self.max
    }

    /// "from 0.01 to 100, such as 1.5".
    pub fn describe(&self) -> String {
        format!(
            "from {} to {}, such as {}",
            self.min, self.max, self.example
        )
    }
}

/// Size of the import demand elasticity (either sign may be written; used as negative).
/// Estimates (Kee, Nicita & Olarreaga 2008) lie well inside; beyond 100 a tariff change of
/// one point would move imports by more than their whole value.
pub const IMPORT_DEMAND: Range = Range {
    min: 0.01,
    max: 100.0,
    example: 1.5,
};

/// Substitution (Armington) elasticity. Published estimates (Broda & Weinstein 2006; Soderbery
/// 2015) are mostly below 20; 100 already makes exporters near-perfect substitutes.
pub const SUBSTITUTION: Range = Range {
    min: 0.01,
    max: 100.0,
    example: 1.5,
};

/// Smallest finite export supply elasticity. There is no upper limit: 99 or more means
/// infinite (the WITS convention).
pub const MIN_EXPORT_SUPPLY: f64 = 0.01;

/// Largest trade value of one row, in the file's unit. World merchandise trade is about
/// 2.5e13 US dollars a year, so a row above 1e15 is a unit or typing mistake; the bound keeps
/// sums over millions of rows, revenues and surpluses far from overflow.
pub const MAX_TRADE_VALUE: f64 = 1e15;

/// Largest factor on an elasticity in `[sensitivity]` and in a relative `[uncertainty]`
/// distribution (its mean, median, bounds and standard deviation).
pub const MAX_FACTOR: f64 = 10.0;

/// Largest elasticity magnitude in an absolute (`relative = false`) `[uncertainty]`
/// distribution; for export supply, 99 or more already means infinite.
pub const MAX_MAGNITUDE: f64 = 100.0;

/// Largest standard deviation of the logarithm in a log-normal `[uncertainty]` distribution:
/// at 2, one draw in a thousand is already a factor of 480 from the median.
pub const MAX_LOG_SIGMA: f64 = 2.0;

/// Checks an import demand elasticity as written; returns the value used (negative).
pub fn import_demand(v: f64) -> Result<f64, String> {
    if IMPORT_DEMAND.contains(v.abs()) {
        Ok(-v.abs())
    } else {
        Err(format!(
            "must be a non-zero number whose size is from {} to {}, such as -1.5 (either sign \
             is read as negative, so -1.5 and 1.5 mean the same), found {}",
            IMPORT_DEMAND.min,
            IMPORT_DEMAND.max,
            Num(v)
        ))
    }
}

/// The message for a substitution elasticity out of range (`lead` is how the sentence
/// starts: "must be a positive number" or "must be positive,").
pub fn substitution_problem(v: f64, lead: &str) -> Option<String> {
    (!SUBSTITUTION.contains(v))
        .then(|| format!("{lead} {}, found {}", SUBSTITUTION.describe(), Num(v)))
}

/// The message for an export supply elasticity out of range, if it is.
pub fn export_supply_problem(v: f64) -> Option<String> {
    (v.is_nan() || v < MIN_EXPORT_SUPPLY).then(|| {
        format!(
            "must be a positive number of at least {MIN_EXPORT_SUPPLY}, such as 1.5 (99 or more, \
             \"inf\" or \"infinite\" mean infinitely elastic supply), found {}",
            Num(v)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_hold_their_ends_and_refuse_nan() {
        assert_eq!(import_demand(-100.0), Ok(-100.0));
        assert_eq!(import_demand(0.01), Ok(-0.01));
        for bad in [0.0, 100.5, -1e308, f64::NAN, f64::INFINITY, 0.001] {
            assert!(import_demand(bad).is_err(), "{bad}");
        }
        assert!(substitution_problem(100.0, "x").is_none());
        assert!(substitution_problem(1000.0, "x").is_some());
        assert!(substitution_problem(f64::NAN, "x").is_some());
        assert!(export_supply_problem(1e308).is_none());
        assert!(export_supply_problem(0.001).is_some());
        assert!(export_supply_problem(f64::NAN).is_some());
    }
}
