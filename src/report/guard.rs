//! The last guard before text leaves the program: no "inf" or "NaN" in a report or summary.
//!
//! Numbers are checked where they are computed; this catches any that slipped through a
//! ratio or a format string. Words of the user's own text (names, descriptions, sources)
//! are allowed, so an exporter called "NaN Corp" does not trip it.

use crate::error::ReportError;
use crate::scenario::Scenario;
use std::collections::HashSet;
use std::path::PathBuf;

/// How Rust prints non-finite numbers.
const NON_FINITE: [&str; 2] = ["inf", "NaN"];

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// The words of a scenario's own text that may read like a non-finite number.
pub fn user_words<'a>(texts: impl IntoIterator<Item = &'a str>) -> HashSet<String> {
    texts
        .into_iter()
        .flat_map(words)
        .filter(|w| NON_FINITE.contains(w))
        .map(str::to_string)
        .collect()
}

/// The user's text in a scenario: names, descriptions, sources, notes and paths.
pub fn scenario_words(s: &Scenario) -> HashSet<String> {
    let p = &s.provenance;
    let texts = [
        s.name.as_str(),
        &s.description,
        &s.importer,
        &s.currency_unit,
    ]
    .into_iter()
    .chain(s.exporters.iter().map(String::as_str))
    .chain(s.report_groups.iter().map(String::as_str))
    .chain(
        s.products
            .iter()
            .flat_map(|x| [x.code.as_str(), &x.description]),
    )
    .chain(p.files.iter().flat_map(|f| {
        [f.role.as_str(), &f.written]
            .into_iter()
            .chain(f.sources.iter().map(String::as_str))
            .chain(f.status_shares.keys().map(String::as_str))
    }))
    .chain(p.elasticity_notes.iter().map(String::as_str))
    .chain(p.before_rules.iter().map(String::as_str))
    .chain(p.policy_rules.iter().map(String::as_str))
    .chain(std::iter::once(s.path.to_str().unwrap_or("")));
    let mut set = user_words(texts);
    if let Some(g) = s.gsim() {
        set.extend(user_words(g.regions.iter().map(String::as_str)));
    }
    set
}

/// Refuses text that shows a non-finite number. `file` names the output in the error.
pub fn check_text(file: &str, text: &str, allowed: &HashSet<String>) -> Result<(), ReportError> {
    match words(text).find(|w| NON_FINITE.contains(w) && !allowed.contains(*w)) {
        None => Ok(()),
        Some(w) => Err(ReportError::NonFinite {
            path: PathBuf::from(file),
            what: format!("a number that came out as \"{w}\""),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_numbers_are_refused_and_user_words_allowed() {
        let none = HashSet::new();
        let inf = format!("substitution {}", f64::INFINITY);
        let pct = format!("({:+.1}%)", f64::INFINITY);
        let nan = format!("| {:.2} |", f64::NAN);
        for t in [&inf, &pct, &nan] {
            assert!(check_text("report.md", t, &none).is_err(), "{t}");
        }
        assert!(check_text("report.md", "information, infant, NaNa: 1.5e3", &none).is_ok());
        let allowed = user_words(["NaN Corp"]);
        assert!(check_text("report.md", "NaN Corp gains 3.0", &allowed).is_ok());
        assert!(check_text("report.md", "NaN Corp gains inf", &allowed).is_err());
    }
}
