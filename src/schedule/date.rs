//! Calendar dates as the measures table writes them (`2025-08-07`), compared in order.

use std::fmt;

/// A calendar day. Ordering is chronological, which is all the schedule needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

impl Date {
    /// A checked date (the day must exist in that month).
    pub fn new(year: u16, month: u8, day: u8) -> Option<Date> {
        let leap =
            (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (day >= 1 && day <= days).then_some(Date { year, month, day })
    }

    /// Parses `YYYY-MM-DD`, with a message a user can act on.
    pub fn parse(text: &str) -> Result<Date, String> {
        let bad = || format!("'{text}' is not a date written YYYY-MM-DD (for example 2025-08-07)");
        let parts: Vec<&str> = text.split('-').collect();
        let [y, m, d] = parts.as_slice() else {
            return Err(bad());
        };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(bad());
        }
        let (Ok(y), Ok(m), Ok(d)) = (y.parse(), m.parse(), d.parse()) else {
            return Err(bad());
        };
        Date::new(y, m, d).ok_or_else(|| format!("'{text}' is not a day of the calendar"))
    }

    /// The year.
    pub fn year(self) -> u16 {
        self.year
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_orders_dates() {
        let a = Date::parse("2025-08-07").unwrap();
        let b = Date::parse("2026-02-19").unwrap();
        assert!(a < b);
        assert_eq!(a.to_string(), "2025-08-07");
        assert!(Date::parse("2024-02-29").is_ok());
        assert!(Date::parse("2025-02-29").unwrap_err().contains("not a day"));
        assert!(
            Date::parse("7 Aug 2025")
                .unwrap_err()
                .contains("YYYY-MM-DD")
        );
        assert!(Date::parse("2025-8-7").is_err());
    }
}
