//! The short summary printed after a run.

use super::RunReport;
use super::numbers::{format_number, signed};
use crate::analysis::headlines::Headline;
use std::fmt::Write as _;

/// An aligned plain-text summary: the focus exporter's change, the biggest winners and
/// losers among the reported exporters, and the importer's welfare.
pub fn summary(run: &RunReport<'_>) -> String {
    let s = run.scenario;
    let o = run.outcome;
    let sc = run.scale();
    let f = o.focus(s);
    let v = |x: f64| signed(sc.apply(x), 1);
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "{}", s.name);
    let _ = writeln!(
        w,
        "  {:<34}{:>12} {} ({}%)",
        format!("{} exports to {}", s.focus_name(), s.importer),
        v(f.total_effect),
        sc.label,
        signed(f.total_effect_pct(), 1)
    );
    let _ = writeln!(
        w,
        "  {:<34}{:>12} -> {} {}",
        "  from / to",
        format_number(sc.apply(f.base_value), 1),
        format_number(sc.apply(f.new_value), 1),
        sc.label
    );
    if let Some(u) = &run.layers.uncertainty
        && let Some(r) = u.headline(Headline::FocusExportsChange)
    {
        let _ = writeln!(
            w,
            "  {:<34}{:>12} to {} {} ({} draws)",
            "  5–95% range",
            v(r.percentiles.p5),
            v(r.percentiles.p95),
            sc.label,
            u.spec.draws
        );
    }
    if let Some(rows) = &run.layers.elasticity_sets {
        let others: Vec<String> = rows
            .iter()
            .filter(|r| !r.used)
            .filter_map(|r| {
                r.headline.as_ref().ok().map(|h| {
                    format!(
                        "{} {}",
                        r.set.name(),
                        v(h.get(Headline::FocusExportsChange))
                    )
                })
            })
            .collect();
        if !others.is_empty() {
            let _ = writeln!(w, "    other elasticity sets: {}", others.join(", "));
        }
    }
    if let Some(sweep) = &run.layers.sweep {
        let exporter = &s.exporters[sweep.spec.exporter];
        match sweep.break_even_pct {
            Some(x) => {
                let _ = writeln!(w, "  Break-even additional tariff on {exporter}: {x:.2}%");
            }
            None => {
                let _ = writeln!(w, "  No break-even rate for {exporter} in the swept range");
            }
        }
    }
    // The largest gains and the largest losses, each by size, the focus exporter excluded.
    let focus_group = s.report_group_of[s.focus];
    let mut gains: Vec<usize> = (0..s.report_groups.len())
        .filter(|&g| g != focus_group && o.by_group[g].total_effect > 0.0)
        .collect();
    let mut losses: Vec<usize> = (0..s.report_groups.len())
        .filter(|&g| g != focus_group && o.by_group[g].total_effect < 0.0)
        .collect();
    gains.sort_by(|&a, &b| {
        o.by_group[b]
            .total_effect
            .total_cmp(&o.by_group[a].total_effect)
    });
    losses.sort_by(|&a, &b| {
        o.by_group[a]
            .total_effect
            .total_cmp(&o.by_group[b].total_effect)
    });
    for (title, list) in [("Largest gains", &gains), ("Largest losses", &losses)] {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(w, "  {title} among other exporters ({}):", sc.label);
        for &g in list.iter().take(3) {
            let x = &o.by_group[g];
            let _ = writeln!(
                w,
                "    {:<32}{:>12} ({}%)",
                s.report_groups[g],
                v(x.total_effect),
                signed(x.total_effect_pct(), 2)
            );
        }
    }
    let t = &o.total;
    let _ = writeln!(w, "  {} welfare ({}):", s.importer, sc.label);
    for (name, x) in [
        ("consumer surplus", t.consumer_surplus),
        ("tariff revenue", t.revenue_change()),
        ("net welfare", t.net_welfare()),
    ] {
        let _ = writeln!(w, "    {name:<32}{:>12}", v(x));
    }
    out
}
