//! The short summary printed after a run.

use super::RunReport;
use super::charts::format_number;
use std::fmt::Write as _;

/// An aligned plain-text summary: the focus exporter's change, the biggest winners and
/// losers among the reported exporters, and the importer's welfare.
pub fn summary(run: &RunReport<'_>) -> String {
    let s = run.scenario;
    let o = run.outcome;
    let sc = run.scale();
    let f = o.focus(s);
    let v = |x: f64| {
        let t = format_number(sc.apply(x), 1);
        if x > 0.0 { format!("+{t}") } else { t }
    };
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "{}", s.name);
    let _ = writeln!(
        w,
        "  {:<34}{:>12} {} ({:+.2}%)",
        format!("{} exports to {}", s.focus_name(), s.importer),
        v(f.total_effect),
        sc.label,
        f.total_effect_pct()
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
        && let Some(r) = u.row("headline", "focus_exports_change")
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
    let mut order: Vec<usize> = (0..s.report_groups.len()).collect();
    order.sort_by(|&a, &b| {
        o.by_group[b]
            .total_effect
            .total_cmp(&o.by_group[a].total_effect)
    });
    let _ = writeln!(w, "  Biggest winners and losers ({}):", sc.label);
    let picks: Vec<usize> = if order.len() <= 6 {
        order.clone()
    } else {
        order[..3]
            .iter()
            .chain(&order[order.len() - 3..])
            .copied()
            .collect()
    };
    for g in picks {
        let x = &o.by_group[g];
        let _ = writeln!(
            w,
            "    {:<32}{:>12} ({:+.2}%)",
            s.report_groups[g],
            v(x.total_effect),
            x.total_effect_pct()
        );
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
