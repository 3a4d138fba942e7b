//! Numbers in text meant to be pasted (report.md, the terminal): ASCII hyphen-minus, so that
//! a pasted "-12.4" stays a number in a spreadsheet and a default pdflatex accepts it.
//! The charts use the same formatting, so that a number reads alike in a chart, its CSV and
//! the report (and an SVG chart's text pastes as a number too).

/// Formats a number with thousands separators, a fixed number of decimals and an ASCII
/// minus: "-1,680.2". A value that rounds to zero is written without a sign.
pub fn format_number(v: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = s.split_once('.').map_or((s.as_str(), ""), |(a, b)| (a, b));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if v < 0.0 && nonzero(&s) { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

/// A signed number: "+1,714.3", "-12.4", "0.0".
pub fn signed(v: f64, decimals: usize) -> String {
    let s = format_number(v, decimals);
    if v > 0.0 && nonzero(&s) {
        format!("+{s}")
    } else {
        s
    }
}

/// Whether a formatted number has a non-zero digit (so that -0.0 prints as "0.0").
fn nonzero(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_digit() && c != '0')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses a formatted number back, as a spreadsheet would after removing separators.
    fn parse(s: &str) -> f64 {
        s.replace(',', "").parse().unwrap()
    }

    #[test]
    fn negative_numbers_use_ascii_minus_and_parse_back() {
        assert_eq!(format_number(-1680.24, 1), "-1,680.2");
        assert_eq!(signed(-12.44, 1), "-12.4");
        assert_eq!(signed(1714.25, 1), "+1,714.2");
        assert_eq!(signed(-0.04, 1), "0.0");
        assert_eq!(format_number(-1_234_567.0, 0), "-1,234,567");
        for v in [-1234567.891, -0.5, 0.0, 3.25, 999.95, -1e9] {
            let s = signed(v, 2);
            assert!(s.is_ascii(), "{s}");
            assert!((parse(&s) - v).abs() <= 0.005 + 1e-9, "{s} vs {v}");
        }
    }
}
