//! Whether a scenario's trade values are plausible for its declared `currency_unit`.
//!
//! A trade file in millions declared as `USD` gives results a million times too small (every
//! chart tick reads 0.00) without any error, so the loader warns. The rule, on the values in
//! dollars (the declared multiplier: USD 1, USD thousand 1e3, USD million 1e6, USD billion 1e9):
//!
//! - **too small**: at least [`MIN_CELLS`] positive product × exporter values and their
//!   median below [`MIN_MEDIAN_DOLLARS`] ($1,000). Customs statistics rarely record a flow
//!   that small (the median US HS6 import flow in the shipped 2024 data is tens of thousands
//!   of dollars; at HS4, more), whereas values in thousands or millions declared as dollars
//!   have medians of a few units to a few hundred.
//! - **too large**: total trade above [`MAX_TOTAL_DOLLARS`] (2 × world merchandise trade,
//!   about 2.5e13 dollars a year): values in dollars declared as thousands or millions.
//!
//! Units the rule cannot convert to dollars (another currency, "value units") are not checked.

/// Fewest positive values for the median rule: toy examples are left alone.
pub const MIN_CELLS: usize = 20;
/// Median positive value, in dollars, below which the unit is suspect.
pub const MIN_MEDIAN_DOLLARS: f64 = 1_000.0;
/// Total, in dollars, above which the unit is suspect.
pub const MAX_TOTAL_DOLLARS: f64 = 5e13;

/// Dollars per unit of `currency_unit`, when it is a US-dollar unit the rule knows.
pub fn dollars_per_unit(currency_unit: &str) -> Option<f64> {
    let u = currency_unit.to_ascii_lowercase();
    let words: Vec<&str> = u
        .split(|c: char| c.is_whitespace() || c == '_' || c == '(' || c == ')')
        .filter(|w| !w.is_empty())
        .collect();
    let dollar = words
        .iter()
        .any(|w| matches!(*w, "usd" | "us$" | "$" | "dollars" | "dollar"));
    if !dollar {
        return None;
    }
    let scale = words.iter().find_map(|w| match *w {
        "thousand" | "thousands" | "k" | "000" => Some(1e3),
        "million" | "millions" | "mn" | "m" | "mio" => Some(1e6),
        "billion" | "billions" | "bn" => Some(1e9),
        _ => None,
    });
    Some(scale.unwrap_or(1.0))
}

/// The warning for trade values implausible in `currency_unit`, if any.
pub fn unit_warning(currency_unit: &str, values: &[f64]) -> Option<String> {
    let per = dollars_per_unit(currency_unit)?;
    let positive = || values.iter().copied().filter(|v| v.is_finite() && *v > 0.0);
    let total: f64 = positive().sum::<f64>() * per;
    if total > MAX_TOTAL_DOLLARS {
        return Some(format!(
            "the trade values add up to {total:.3e} dollars with currency_unit = \"{currency_unit}\", \
             more than twice world merchandise trade (about 2.5e13 dollars a year): if the trade \
             file is in dollars, write currency_unit = \"USD\""
        ));
    }
    // Counting the values below the limit settles most files without the median: fewer than
    // half below it puts the median (and its product with `per`, which keeps the order) at
    // or above it. Exactly half leaves the mean of the middle two to be computed.
    let (mut n, mut below) = (0, 0);
    for v in positive() {
        n += 1;
        below += usize::from(v * per < MIN_MEDIAN_DOLLARS);
    }
    if n < MIN_CELLS || 2 * below < n {
        return None;
    }
    let mut positive: Vec<f64> = positive().collect();
    // The middle values by selection, not a full sort (a million flows); the same numbers.
    let n = positive.len();
    let (lower, middle, _) = positive.select_nth_unstable_by(n / 2, f64::total_cmp);
    let middle = *middle;
    let median = if n % 2 == 1 {
        middle
    } else {
        let below = lower
            .iter()
            .copied()
            .max_by(f64::total_cmp)
            .unwrap_or(middle);
        0.5 * (below + middle)
    } * per;
    (median < MIN_MEDIAN_DOLLARS).then(|| {
        format!(
            "the median trade value is {} dollars with currency_unit = \"{currency_unit}\" ({n} \
             product x exporter values), implausibly small for customs data: if the trade file \
             is in thousands or millions of dollars, write currency_unit = \"USD thousand\" or \
             \"USD million\" (results and charts would otherwise be 1,000 or 1,000,000 times too small)",
            super::data::fmt_num(median)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_read_as_dollars() {
        assert_eq!(dollars_per_unit("USD"), Some(1.0));
        assert_eq!(dollars_per_unit("US$"), Some(1.0));
        assert_eq!(dollars_per_unit("USD million"), Some(1e6));
        assert_eq!(dollars_per_unit("thousand USD"), Some(1e3));
        assert_eq!(dollars_per_unit("USD bn"), Some(1e9));
        assert_eq!(dollars_per_unit("EUR"), None);
        assert_eq!(dollars_per_unit("value units"), None);
    }

    #[test]
    fn millions_declared_as_dollars_are_flagged_and_right_units_are_not() {
        // 300 products from 0.5 to 150 (millions), as a file in millions would hold.
        let millions: Vec<f64> = (1..=300).map(|i| f64::from(i) * 0.5).collect();
        assert!(unit_warning("USD", &millions).is_some());
        assert!(unit_warning("USD million", &millions).is_none());
        // The same flows in dollars: fine as USD; as USD million, above world trade.
        let dollars: Vec<f64> = millions.iter().map(|v| v * 1e6).collect();
        assert!(unit_warning("USD", &dollars).is_none());
        assert!(unit_warning("USD million", &dollars).is_some());
        // Too few values to judge; an unknown unit is not judged.
        assert!(unit_warning("USD", &millions[..MIN_CELLS - 1]).is_none());
        assert!(unit_warning("value units", &millions).is_none());
        // The median: 19 values of 10 and 2 of 1e9 dollars is still a median of 10.
        let mut skewed = vec![10.0; 19];
        skewed.extend([1e9, 1e9]);
        assert!(unit_warning("USD", &skewed).is_some());
        // An even count takes the mean of the two middle values, in any order: 100 and
        // 1,800 dollars give 950 (flagged), 100 and 1,950 give 1,025 (not flagged).
        for (high, flagged) in [(1_800.0, true), (1_950.0, false)] {
            let mut even: Vec<f64> = [100.0, high].repeat(10);
            even.reverse();
            assert_eq!(unit_warning("USD", &even).is_some(), flagged, "{high}");
        }
    }
}
