//! `--set EXPORTER[:HS]=PCT`: a quick what-if on the command line. Each one becomes a rule
//! on top of the scenario's after state, like a `[[policy]]` table with `exporter`,
//! `hs_prefixes` and `set_pct` acting on the additional duty.

use super::rate::{RatePct, RateProblemKind};

/// One `--set` argument, checked for form and range (the exporter and the product prefix
/// are checked against the data when the scenario loads).
#[derive(Debug, Clone, PartialEq)]
pub struct QuickSet {
    /// The argument as typed ("Pakistan:61=10"), for messages and the report.
    pub arg: String,
    /// Exporter as typed: a name in the data or an ISO code the program knows (PAK).
    pub exporter: String,
    /// Product code prefix (a chapter "61", a heading "6302", a code); `None` for all.
    pub hs_prefix: Option<String>,
    /// The additional duty to set, in percent.
    pub pct: f64,
}

impl QuickSet {
    /// One line for the report's Tariffs section and the title.
    pub fn describe(&self) -> String {
        let what = match &self.hs_prefix {
            Some(p) => format!("products starting {p}"),
            None => "all products".into(),
        };
        format!(
            "`--set {}`: {}, {what}: additional duty set to {}% (on top of the after state)",
            self.arg, self.exporter, self.pct
        )
    }
}

/// What a `--set` argument looks like, for messages.
pub const FORM: &str = "EXPORTER=PCT or EXPORTER:HS=PCT, e.g. Pakistan=15, PAK=15 or Pakistan:61=10 \
                        (an additional duty in percent on top of the after state)";

/// Parses `EXPORTER[:HS]=PCT`. The message says what was expected.
pub fn parse(arg: &str) -> Result<QuickSet, String> {
    let (who, value) = arg
        .rsplit_once('=')
        .ok_or_else(|| format!("no '=' in '{arg}': expected {FORM}"))?;
    let (exporter, prefix) = match who.split_once(':') {
        Some((e, p)) => (e.trim(), Some(p.trim())),
        None => (who.trim(), None),
    };
    if exporter.is_empty() {
        return Err(format!(
            "no exporter before '=' in '{arg}': expected {FORM}"
        ));
    }
    if let Some(p) = prefix
        && (p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(format!(
            "'{p}' in '{arg}' is not a product code prefix: expected digits after ':', such as 61 \
             (a chapter) or 6302 (a heading)"
        ));
    }
    let text = value.trim();
    let pct: f64 = text
        .trim_end_matches('%')
        .trim()
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| {
            format!("'{text}' in '{arg}' is not a number: expected a rate in percent, such as 15")
        })?;
    let pct = RatePct::typed(pct, RatePct::TARIFF)
        .map_err(|p| {
            let tail = match p.kind {
                RateProblemKind::LooksLikeFraction => {
                    " (a rate below 1% cannot be set with --set; use a policy-rates file)"
                }
                _ => "",
            };
            format!("{text} in '{arg}' is not an additional duty: {p}{tail}")
        })?
        .pct();
    Ok(QuickSet {
        arg: arg.to_string(),
        exporter: exporter.to_string(),
        hs_prefix: prefix.map(str::to_string),
        pct,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exporter_prefix_and_rate() {
        let q = parse("Pakistan:61=10").unwrap();
        assert_eq!(q.exporter, "Pakistan");
        assert_eq!(q.hs_prefix.as_deref(), Some("61"));
        assert_eq!(q.pct, 10.0);
        let q = parse("PAK=15%").unwrap();
        assert_eq!(
            (q.exporter.as_str(), q.hs_prefix, q.pct),
            ("PAK", None, 15.0)
        );
        assert_eq!(parse("Sri Lanka=0").unwrap().exporter, "Sri Lanka");
    }

    #[test]
    fn bad_arguments_name_the_argument_and_the_expected_form() {
        for bad in [
            "Pakistan",
            "=15",
            "Pakistan=abc",
            "Pakistan=-5",
            "Pakistan=0.15",
            "Pakistan:6x=5",
            "Pakistan=1e9",
            "Pakistan=NaN",
        ] {
            let e = parse(bad).unwrap_err();
            assert!(e.contains(bad), "{bad}: {e}");
            assert!(e.contains("expected") || e.contains("write"), "{bad}: {e}");
        }
        assert!(parse("Pakistan=0.15").unwrap_err().contains("15"));
    }
}
