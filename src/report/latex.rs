//! `headline.tex`: the headline table as a LaTeX `table` with booktabs rules, ready for
//! `\input{headline.tex}` in a paper (needs `\usepackage{booktabs}`). Numbers as in the
//! report (ASCII minus, money scaled as in the charts); every text is escaped for a default
//! pdflatex.

use super::numbers::format_number;
use super::{Artifact, RunReport};
use crate::analysis::headlines::{Headline, Headlines};
use crate::error::ReportError;
use std::fmt::Write as _;

/// The headline table of a SMART run.
pub struct HeadlineTable;

/// Escapes text for LaTeX: its special characters, and the symbols the project's texts use
/// that a default pdflatex cannot typeset.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '&' | '%' | '$' | '#' | '_' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '→' => out.push_str("$\\to$"),
            '–' => out.push_str("--"),
            '—' => out.push_str("---"),
            '−' => out.push('-'),
            '×' => out.push_str("$\\times$"),
            '…' => out.push_str("\\dots{}"),
            '‘' | '’' => out.push('\''),
            '“' => out.push_str("``"),
            '”' => out.push_str("''"),
            c if c.is_ascii() => out.push(c),
            // Accented Latin letters pass (UTF-8 is pdflatex's default input since 2018);
            // anything else becomes a question mark rather than a compile error.
            c if c.is_alphabetic() && (c as u32) < 0x0250 => out.push(c),
            _ => out.push('?'),
        }
    }
    out
}

/// A number for a LaTeX cell: thousands separators as `{,}` so that math-mode column
/// types keep them tight, ASCII minus.
fn cell(v: f64, decimals: usize) -> String {
    format_number(v, decimals).replace(',', "{,}")
}

impl Artifact for HeadlineTable {
    fn file_name(&self) -> &'static str {
        "headline.tex"
    }
    fn render(&self, run: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let s = run.scenario;
        let scale = run.scale();
        let u = run.layers.uncertainty.as_ref();
        let focus = s.focus_name();
        let rows: [(Headline, String, bool); 6] = [
            (
                Headline::FocusExportsChange,
                format!(
                    "Change in {focus}'s exports to {} ({})",
                    s.importer, scale.label
                ),
                true,
            ),
            (
                Headline::FocusExportsChangePct,
                format!("Change in {focus}'s exports (%)"),
                false,
            ),
            (
                Headline::ImportsChange,
                format!("Change in {} imports ({})", s.importer, scale.label),
                true,
            ),
            (
                Headline::TariffRevenueChange,
                format!("Change in tariff revenue ({})", scale.label),
                true,
            ),
            (
                Headline::ConsumerSurplusChange,
                format!("Change in consumer surplus ({})", scale.label),
                true,
            ),
            (
                Headline::NetWelfareChange,
                format!("Net welfare change ({})", scale.label),
                true,
            ),
        ];
        let values = Headlines::of_outcome(s, run.outcome);
        let mut t = String::new();
        let _ = writeln!(
            t,
            "% Headline results written by tariffsim {}; needs \\usepackage{{booktabs}}.",
            run.version
        );
        let _ = writeln!(t, "\\begin{{table}}[htbp]\n\\centering");
        let _ = writeln!(
            t,
            "\\caption{{{}}}\n\\label{{tab:tariffsim-headline}}",
            escape(run.policy_line())
        );
        let cols = if u.is_some() { "lrrr" } else { "lr" };
        let _ = writeln!(t, "\\begin{{tabular}}{{{cols}}}\n\\toprule");
        match u {
            Some(u) => {
                let _ = writeln!(
                    t,
                    "Quantity & Central estimate & 5\\% & 95\\% \\\\\n & & \\multicolumn{{2}}{{c}}{{over {} elasticity draws}} \\\\",
                    u.spec.draws
                );
            }
            None => {
                let _ = writeln!(t, "Quantity & Central estimate \\\\");
            }
        }
        let _ = writeln!(t, "\\midrule");
        for (key, label, money) in &rows {
            let v = values.get(*key);
            let shown = |x: f64| {
                if *money {
                    cell(scale.apply(x), 1)
                } else {
                    cell(x, 2)
                }
            };
            if !v.is_finite() {
                return Err(ReportError::NonFinite {
                    path: self.file_name().into(),
                    what: key.name().to_string(),
                });
            }
            let _ = write!(t, "{} & {}", escape(label), shown(v));
            if let Some(u) = u {
                let p = u.headline(*key).map(|r| r.percentiles).unwrap_or_default();
                let _ = write!(t, " & {} & {}", shown(p.p5), shown(p.p95));
            }
            let _ = writeln!(t, " \\\\");
        }
        let _ = writeln!(t, "\\bottomrule\n\\end{{tabular}}");
        let _ = writeln!(
            t,
            "\\par\\smallskip{{\\footnotesize {}}}\n\\end{{table}}",
            escape(&run.source_line())
        );
        Ok(t.into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_characters_are_escaped_for_pdflatex() {
        assert_eq!(
            escape("29% → 19% & more_x"),
            "29\\% $\\to$ 19\\% \\& more\\_x"
        );
        assert_eq!(escape("5–95% ×1.5 −2"), "5--95\\% $\\times$1.5 -2");
        assert_eq!(escape("Côte d'Ivoire"), "Côte d'Ivoire");
        assert_eq!(escape("a\\b{c}"), "a\\textbackslash{}b\\{c\\}");
        // Nothing outside ASCII and Latin letters survives unescaped.
        let s = escape("name ✓ 中 ○");
        assert!(s.is_ascii(), "{s}");
        assert_eq!(cell(-1234.56, 1), "-1{,}234.6");
    }
}
