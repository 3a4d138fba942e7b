//! Chart subtitles from what a scenario actually does, not from its free-text name: the
//! focus exporter's duty before and after, read from the tariff schedule the rules built.
//! A name that states a rate its rules do not give is reported, so that a copied scenario
//! whose rate was changed does not keep a stale title.

use crate::scenario::Scenario;
use crate::units::rate_to_pct;

/// The focus exporter's duty before and after the policy, over its lines that carry a duty.
#[derive(Debug, Clone, PartialEq)]
pub struct FocusDuty {
    /// Trade-weighted duty before, percent.
    pub before_pct: f64,
    /// Trade-weighted duty after, percent.
    pub after_pct: f64,
    /// Every such line has the same before and the same after rate.
    pub uniform: bool,
    /// The duty measured is the additional one on top of the applied rates (else the total).
    pub additional: bool,
    /// How many other exporters' duties change too (SMART), or how many other bilateral
    /// tariffs (GSIM, whose rules may act in several markets).
    pub others_changed: usize,
    /// `others_changed` counts bilateral tariffs (GSIM), not exporters.
    pub others_are_pairs: bool,
}

/// Changed bilateral tariffs of a GSIM setup other than the focus's into the market: every
/// changed pair off the diagonal, less one for the focus pair (either direction) the first
/// time it is seen. Read in storage order, a million pairs at a time.
fn other_gsim_changes(g: &crate::scenario::gsim_setup::GsimSetup) -> usize {
    let (mut changed, mut focus_changes) = (0, 0);
    for m in &g.markets {
        let (before, after) = (&m.tariff_before, &m.tariff_after);
        let rows = before.nrows();
        let n = rows.min(before.ncols());
        if after.shape() != before.shape() {
            continue;
        }
        // Column-major: element k is row k % rows, column k / rows.
        for (k, (b, a)) in before.as_slice().iter().zip(after.as_slice()).enumerate() {
            if (a - b).abs() <= 1e-9 {
                continue;
            }
            let (i, j) = (k % rows, k / rows);
            if i == j || i >= n || j >= n {
                continue;
            }
            changed += 1;
            if (i, j) == (g.focus_region, g.market_region)
                || (i, j) == (g.market_region, g.focus_region)
            {
                focus_changes += 1;
            }
        }
    }
    changed - usize::min(focus_changes, 1)
}

/// Rates closer than this (percentage points) count as equal.
const SAME_PP: f64 = 0.05;

/// The focus exporter's duty before and after, `None` when it has no flows.
pub fn focus_duty(s: &Scenario) -> Option<FocusDuty> {
    let sched = &s.schedule;
    // Flows and schedule rows line up; flows beyond the schedule (none in a loaded scenario)
    // are left out. One pass over a million flows, called for every chart title.
    let scheduled = sched
        .applied
        .len()
        .min(sched.before.len())
        .min(sched.after.len());
    let mut others = vec![false; s.exporters.len()];
    let mut cells: Vec<(usize, f64)> = Vec::new();
    let mut first = 0;
    for m in &s.markets {
        let n = m.flows.len().min(scheduled - first);
        let (before, after) = (
            &sched.before[first..first + n],
            &sched.after[first..first + n],
        );
        for (k, ((f, &b), &a)) in m.flows[..n].iter().zip(before).zip(after).enumerate() {
            if f.exporter == s.focus {
                cells.push((first + k, f.base_value.max(0.0)));
            } else if (a - b).abs() > 1e-9
                && let Some(o) = others.get_mut(f.exporter)
            {
                *o = true;
            }
        }
        first += n;
    }
    if cells.is_empty() {
        return None;
    }
    let additional = cells.iter().all(|&(c, _)| {
        sched.before[c] >= sched.applied[c] - 1e-12 && sched.after[c] >= sched.applied[c] - 1e-12
    });
    let duty = |c: usize, after: bool| {
        let t = if after {
            sched.after[c]
        } else {
            sched.before[c]
        };
        rate_to_pct(if additional { t - sched.applied[c] } else { t })
    };
    // Lines with a duty in either state (exempt lines would only dilute the rate).
    let mut dutiable: Vec<(usize, f64)> = cells
        .iter()
        .copied()
        .filter(|&(c, _)| duty(c, false).abs() > 1e-9 || duty(c, true).abs() > 1e-9)
        .collect();
    if dutiable.is_empty() {
        dutiable = cells;
    }
    let total: f64 = dutiable.iter().map(|(_, w)| w).sum();
    let mean = |after: bool| {
        if total > 0.0 {
            dutiable
                .iter()
                .map(|&(c, w)| w * duty(c, after))
                .sum::<f64>()
                / total
        } else {
            dutiable.iter().map(|&(c, _)| duty(c, after)).sum::<f64>() / dutiable.len() as f64
        }
    };
    let spread = |after: bool| {
        let v = dutiable.iter().map(|&(c, _)| duty(c, after));
        let (lo, hi) = v.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), x| {
            (l.min(x), h.max(x))
        });
        hi - lo
    };
    let out = FocusDuty {
        before_pct: mean(false),
        after_pct: mean(true),
        uniform: spread(false) <= SAME_PP && spread(true) <= SAME_PP,
        additional,
        others_changed: match s.gsim() {
            Some(g) => other_gsim_changes(g),
            None => others.iter().filter(|&&o| o).count(),
        },
        others_are_pairs: s.gsim().is_some(),
    };
    (out.before_pct.is_finite() && out.after_pct.is_finite()).then_some(out)
}

/// A rate for a title: "19%", "7.5%".
fn pct(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if (r - r.round()).abs() < 1e-9 {
        format!("{}%", r.round() as i64)
    } else {
        format!("{r:.1}%")
    }
}

/// The scenario's policy in a line: "Pakistan: additional tariff 29% → 19%", or the
/// scenario's name when the focus exporter's duty does not change (the rules are about
/// others and cannot be put in one line).
pub fn policy_line(s: &Scenario) -> String {
    let Some(d) = focus_duty(s).filter(|d| (d.after_pct - d.before_pct).abs() > SAME_PP) else {
        return s.name.clone();
    };
    let kind = if d.additional {
        "additional tariff"
    } else {
        "tariff"
    };
    let weighted = if d.uniform {
        ""
    } else {
        " (trade-weighted over its dutiable lines)"
    };
    let others = match (d.others_changed, d.others_are_pairs) {
        (0, _) => String::new(),
        (1, false) => "; one other exporter's duty changes too".into(),
        (n, false) => format!("; {n} other exporters' duties change too"),
        (1, true) => "; one other bilateral tariff changes too".into(),
        (n, true) => format!("; {n} other bilateral tariffs change too"),
    };
    format!(
        "{}: {kind} {} → {}{weighted}{others}",
        s.focus_name(),
        pct(d.before_pct),
        pct(d.after_pct)
    )
}

/// The percentages a text states ("29% → 19%" gives 29 and 19).
fn stated_percents(text: &str) -> Vec<f64> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let mut j = i;
            while j < chars.len() && chars[j] == ' ' {
                j += 1;
            }
            if j < chars.len()
                && chars[j] == '%'
                && let Ok(v) = chars[start..i].iter().collect::<String>().parse::<f64>()
            {
                out.push(v);
            }
        } else {
            i += 1;
        }
    }
    out
}

/// A warning when the scenario's name states a rate for the focus exporter that its rules
/// do not give (a copy whose rate was edited but not its name). Only uniform duties are
/// checked: a trade-weighted mean is not a rate a name would state. What-ifs from `--set`
/// say so in the name already and are not checked.
pub fn name_warning(s: &Scenario) -> Option<String> {
    if !s.provenance.quick_sets.is_empty() {
        return None;
    }
    // The name first: most state no rate, and the duty is a pass over every flow.
    let stated = stated_percents(&s.name);
    if stated.is_empty() {
        return None;
    }
    let d = focus_duty(s).filter(|d| d.uniform)?;
    let says = |v: f64| stated.iter().any(|x| (x - v).abs() <= SAME_PP);
    if says(d.after_pct) {
        return None;
    }
    let listed: Vec<String> = stated.iter().map(|v| pct(*v)).collect();
    Some(format!(
        "the scenario's name \"{}\" states {}, but its rules give {} {} {} after the policy ({} before); \
         chart subtitles follow the rules: correct the name (or the rules)",
        s.name,
        listed.join(" and "),
        s.focus_name(),
        if d.additional {
            "an additional tariff of"
        } else {
            "a tariff of"
        },
        pct(d.after_pct),
        pct(d.before_pct)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percents_are_read_from_names() {
        assert_eq!(stated_percents("Pakistan 29% → 19%"), vec![29.0, 19.0]);
        assert_eq!(stated_percents("cut to 7.5 %, from 10%"), vec![7.5, 10.0]);
        assert!(stated_percents("duties in force on 6 → 7 August 2025").is_empty());
        assert_eq!(pct(19.0), "19%");
        assert_eq!(pct(7.25), "7.3%");
        assert_eq!(pct(-0.0), "0%");
    }
}
