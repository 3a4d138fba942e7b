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

    /// Days since 1970-01-01 (negative before), so that spans can be counted.
    pub fn day_number(self) -> i64 {
        // Howard Hinnant's days_from_civil: years start on 1 March so leap days come last.
        let (m, d) = (i64::from(self.month), i64::from(self.day));
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The day `n` days after 1970-01-01 (None outside years 0–65535).
    pub fn from_day_number(n: i64) -> Option<Date> {
        let z = n + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Date::new(
            u16::try_from(year).ok()?,
            u8::try_from(month).ok()?,
            u8::try_from(day).ok()?,
        )
    }

    /// 1 January of `year`.
    pub fn first_of_year(year: u16) -> Date {
        Date {
            year,
            month: 1,
            day: 1,
        }
    }

    /// 31 December of `year`.
    pub fn last_of_year(year: u16) -> Date {
        Date {
            year,
            month: 12,
            day: 31,
        }
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

    #[test]
    fn day_numbers_count_days_and_round_trip() {
        // 1970-01-01 is day 0; 2000-03-01 is day 11017 (a published check value of the
        // algorithm); 2025 has 365 days, 2024 has 366.
        assert_eq!(Date::parse("1970-01-01").unwrap().day_number(), 0);
        assert_eq!(Date::parse("2000-03-01").unwrap().day_number(), 11_017);
        let span = |a: &str, b: &str| {
            Date::parse(b).unwrap().day_number() - Date::parse(a).unwrap().day_number()
        };
        assert_eq!(span("2025-01-01", "2026-01-01"), 365);
        assert_eq!(span("2024-01-01", "2025-01-01"), 366);
        assert_eq!(span("2025-08-06", "2025-08-07"), 1);
        assert_eq!(span("2026-02-28", "2026-03-01"), 1);
        let mut d = Date::parse("2023-12-25").unwrap();
        for _ in 0..800 {
            let n = d.day_number();
            let next = Date::from_day_number(n + 1).unwrap();
            assert!(next > d);
            assert_eq!(Date::from_day_number(n), Some(d));
            d = next;
        }
        assert_eq!(d, Date::parse("2026-03-04").unwrap());
    }
}
