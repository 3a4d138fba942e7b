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
        let days = days_in_month(year, month)?;
        (day >= 1 && day <= days).then_some(Date { year, month, day })
    }

    /// 1 January of a year.
    pub const fn first_of_year(year: u16) -> Date {
        Date {
            year,
            month: 1,
            day: 1,
        }
    }

    /// 31 December of a year.
    pub const fn last_of_year(year: u16) -> Date {
        Date {
            year,
            month: 12,
            day: 31,
        }
    }

    /// The day after (none after 65535-12-31).
    pub fn next_day(self) -> Option<Date> {
        let Date { year, month, day } = self;
        if Some(day) < days_in_month(year, month) {
            Some(Date {
                day: day + 1,
                ..self
            })
        } else if month < 12 {
            Some(Date {
                month: month + 1,
                day: 1,
                ..self
            })
        } else {
            year.checked_add(1).map(|year| Date {
                year,
                month: 1,
                day: 1,
            })
        }
    }

    /// The day before (none before 0000-01-01).
    pub fn previous_day(self) -> Option<Date> {
        let Date { year, month, day } = self;
        if day > 1 {
            Some(Date {
                day: day - 1,
                ..self
            })
        } else if month > 1 {
            let day = days_in_month(year, month - 1)?;
            Some(Date {
                month: month - 1,
                day,
                ..self
            })
        } else {
            year.checked_sub(1).map(|year| Date {
                year,
                month: 12,
                day: 31,
            })
        }
    }

    /// Days since 1970-01-01 (negative before it): the distance between two dates is a
    /// difference, and a chart places dates on a linear axis.
    pub fn days(self) -> i64 {
        // Days from civil (H. Hinnant's algorithm), years starting in March.
        let (m, d) = (i64::from(self.month), i64::from(self.day));
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
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

    /// The month, 1–12.
    pub fn month(self) -> u8 {
        self.month
    }

    /// The day of the month.
    pub fn day(self) -> u8 {
        self.day
    }

    /// The date as a reader writes it: `7 Aug 2025`.
    pub fn long(self) -> String {
        format!(
            "{} {} {}",
            self.day,
            MONTHS[usize::from(self.month) - 1],
            self.year
        )
    }
}

/// Month abbreviations, January first.
pub const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The number of days of a month (none for a month outside 1–12).
fn days_in_month(year: u16, month: u8) -> Option<u8> {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    Some(match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    })
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
    fn steps_between_days_and_counts_them() {
        let d = |t: &str| Date::parse(t).unwrap();
        // 1970-01-01 is day 0; 2025-01-01 is day 20,089 (55 years, 14 of them leap).
        assert_eq!(d("1970-01-01").days(), 0);
        assert_eq!(d("2025-01-01").days(), 55 * 365 + 14);
        assert_eq!(d("1969-12-31").days(), -1);
        assert_eq!(d("2026-12-31").days() - d("2025-01-01").days(), 729);
        assert_eq!(d("2024-03-01").days() - d("2024-02-28").days(), 2);
        for (a, b) in [
            ("2025-02-28", "2025-03-01"),
            ("2024-02-28", "2024-02-29"),
            ("2024-02-29", "2024-03-01"),
            ("2025-12-31", "2026-01-01"),
            ("2025-08-06", "2025-08-07"),
        ] {
            assert_eq!(d(a).next_day(), Some(d(b)), "{a}");
            assert_eq!(d(b).previous_day(), Some(d(a)), "{b}");
            assert_eq!(d(b).days() - d(a).days(), 1, "{a}");
        }
        assert_eq!(d("2025-08-07").long(), "7 Aug 2025");
        assert_eq!(d("2025-08-07").month(), 8);
        assert_eq!(d("2025-08-07").day(), 7);
    }
}
