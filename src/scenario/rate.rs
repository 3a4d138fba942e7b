//! A tariff written in percent, checked in one place: finite, within its field's bounds
//! (inclusive), and, where a person types it, not a fraction typed by mistake (0.15 for
//! 15%). Every field that takes a percent rate goes through [`RatePct`], so the bounds and
//! the words of the message are the same everywhere.

use super::data::{Num, fraction_fix};
use crate::units::{Rate, pct_to_rate};

/// The bounds and unit of a percent field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PctField {
    /// Smallest value accepted (inclusive).
    pub min: f64,
    /// Largest value accepted (inclusive).
    pub max: f64,
    /// What the field expects, for messages ("a rate in percent").
    pub expected: &'static str,
    /// The unit's name ("percent", "percentage points").
    pub unit: &'static str,
    /// The unit written after a number ("%", " points").
    pub symbol: &'static str,
}

/// A rate in percent that passed its field's checks; the field is private so that no
/// unchecked value can be one.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct RatePct(f64);

/// Why a value is not a rate in its field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateProblem {
    /// The value refused.
    pub value: f64,
    /// The field it was written in.
    pub field: PctField,
    /// What is wrong with it.
    pub kind: RateProblemKind,
}

/// What is wrong with a rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateProblemKind {
    /// Not a number, or infinite.
    NotFinite,
    /// Below zero in a field that starts at zero: tariffs are zero or more.
    Negative,
    /// Outside the field's bounds.
    OutOfRange,
    /// Between -1 and 1 and not zero, in a field a person types in percent.
    LooksLikeFraction,
}

impl RatePct {
    /// Largest tariff, in percent, anywhere (files, rules, the rates the rules produce).
    pub const MAX: f64 = 1000.0;

    /// A tariff: 0% to 1000%.
    pub const TARIFF: PctField = PctField {
        min: 0.0,
        max: Self::MAX,
        expected: "a rate in percent",
        unit: "percent",
        symbol: "%",
    };
    /// A change of a tariff in percentage points: -1000 to 1000.
    pub const CHANGE: PctField = PctField {
        min: -Self::MAX,
        max: Self::MAX,
        expected: "percentage points",
        unit: "percentage points",
        symbol: " points",
    };
    /// A cut of a tariff, in percent of it: 0 to 100 (100 removes the duty).
    pub const CUT: PctField = PctField {
        min: 0.0,
        max: 100.0,
        expected: "a percentage (100 removes the duty)",
        unit: "percent",
        symbol: "%",
    };

    /// A value within `field`'s bounds. Files take this: their percent columns are checked
    /// for fractions as a whole ([`super::data::check_percent_columns`]), since a cut from
    /// 15% to 0.5% is a real policy.
    pub fn within(value: f64, field: PctField) -> Result<Self, RateProblem> {
        let problem = |kind| Err(RateProblem { value, field, kind });
        if !value.is_finite() {
            problem(RateProblemKind::NotFinite)
        } else if value < 0.0 && field.min == 0.0 {
            problem(RateProblemKind::Negative)
        } else if !(field.min..=field.max).contains(&value) {
            problem(RateProblemKind::OutOfRange)
        } else {
            Ok(RatePct(value))
        }
    }

    /// A value a person typed: within `field`'s bounds, and not one that looks like a
    /// fraction.
    pub fn typed(value: f64, field: PctField) -> Result<Self, RateProblem> {
        let r = Self::within(value, field)?;
        if looks_like_fraction(value) {
            return Err(RateProblem {
                value,
                field,
                kind: RateProblemKind::LooksLikeFraction,
            });
        }
        Ok(r)
    }

    /// The value as written, in percent (or points).
    pub fn pct(self) -> f64 {
        self.0
    }

    /// The value as a rate (15% is 0.15).
    pub fn rate(self) -> Rate {
        pct_to_rate(self.0)
    }
}

/// A value in a percent field that is taken for a fraction typed by mistake: strictly
/// between -1 and 1, and not zero.
pub fn looks_like_fraction(v: f64) -> bool {
    v != 0.0 && v.abs() < 1.0
}

impl std::fmt::Display for RateProblem {
    /// What was expected and what was found, in a student's words; the caller names the
    /// file, line and field.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let RateProblem { value, field, kind } = *self;
        match kind {
            RateProblemKind::NotFinite | RateProblemKind::OutOfRange => write!(
                f,
                "expected {} between {} and {}, found {}",
                field.expected,
                Num(field.min),
                Num(field.max),
                Num(value)
            ),
            RateProblemKind::Negative => write!(
                f,
                "expected {} between {} and {} (tariffs are zero or more), found {}",
                field.expected,
                Num(field.min),
                Num(field.max),
                Num(value)
            ),
            RateProblemKind::LooksLikeFraction => {
                let fix = fraction_fix(value, field.symbol)
                    .map(|f| format!("; if it is a fraction, {f}"))
                    .unwrap_or_default();
                write!(
                    f,
                    "{} looks like a fraction: this field is in {}, and a value between -1 and 1 \
                     (other than 0) is taken for a fraction typed by mistake{fix}",
                    Num(value),
                    field.unit
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_are_inclusive_and_outside_is_refused() {
        let t = RatePct::TARIFF;
        assert_eq!(RatePct::within(0.0, t).map(RatePct::pct), Ok(0.0));
        assert_eq!(RatePct::within(1000.0, t).map(RatePct::pct), Ok(1000.0));
        assert!(matches!(
            RatePct::within(1000.000001, t),
            Err(RateProblem {
                kind: RateProblemKind::OutOfRange,
                ..
            })
        ));
        assert!(matches!(
            RatePct::within(-0.5, t),
            Err(RateProblem {
                kind: RateProblemKind::Negative,
                ..
            })
        ));
        let c = RatePct::CHANGE;
        assert!(RatePct::typed(-1000.0, c).is_ok());
        assert!(RatePct::typed(1000.0, c).is_ok());
        assert!(matches!(
            RatePct::typed(-1000.5, c),
            Err(RateProblem {
                kind: RateProblemKind::OutOfRange,
                ..
            })
        ));
        assert!(RatePct::typed(100.0, RatePct::CUT).is_ok());
        assert!(RatePct::typed(100.5, RatePct::CUT).is_err());
    }

    #[test]
    fn fractions_are_strictly_between_minus_one_and_one_and_not_zero() {
        for v in [0.15, 0.999, -0.5, 1e-9] {
            assert!(looks_like_fraction(v), "{v}");
        }
        for v in [0.0, 1.0, -1.0, 15.0, -2.0] {
            assert!(!looks_like_fraction(v), "{v}");
        }
        let t = RatePct::TARIFF;
        assert!(matches!(
            RatePct::typed(0.15, t),
            Err(RateProblem {
                kind: RateProblemKind::LooksLikeFraction,
                ..
            })
        ));
        // A file's cell is checked by column, not here.
        assert_eq!(RatePct::within(0.15, t).map(RatePct::pct), Ok(0.15));
        assert!(RatePct::typed(0.0, t).is_ok() && RatePct::typed(1.0, t).is_ok());
        let m = RatePct::typed(0.15, t).unwrap_err().to_string();
        assert!(
            m.contains("fraction") && m.contains("write 15 for 15%"),
            "{m}"
        );
    }

    #[test]
    fn nan_and_infinities_are_refused_with_the_bounds_named() {
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            for field in [RatePct::TARIFF, RatePct::CHANGE, RatePct::CUT] {
                let e = RatePct::within(v, field).unwrap_err();
                assert_eq!(e.kind, RateProblemKind::NotFinite, "{v}");
                assert!(RatePct::typed(v, field).is_err());
                assert!(e.to_string().contains(&Num(field.max).to_string()));
            }
        }
    }

    #[test]
    fn the_rate_is_the_percent_over_one_hundred() {
        let r = RatePct::within(15.0, RatePct::TARIFF).unwrap();
        assert!((r.rate() - 0.15).abs() < 1e-12);
        let m = RatePct::within(1500.0, RatePct::TARIFF).unwrap_err();
        assert_eq!(m.value, 1500.0);
        assert!(m.to_string().contains("1000") && m.to_string().contains("1500"));
    }
}
