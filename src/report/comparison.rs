//! Outputs of `tariffsim compare`: one table, two grouped bar charts and a report.

use super::charts::{BarChart, BarSeries, draw_bar_chart, palette};
use super::numbers::{format_number, signed};
use super::tables::Table;
use super::{ReplacePolicy, ValueScale, write_atomically};
use crate::analysis::compare::{ComparedScenario, group_union};
use crate::analysis::headlines::Headline;
use crate::error::ReportError;
use std::fmt::Write as _;
use std::path::Path;

/// One colour per scenario; vermillion is kept for the focus exporter.
const COLORS: [plotters::style::RGBColor; 6] = palette::SERIES;

/// Each scenario's imports before the policy by the comparison's groups (as
/// [`crate::analysis::compare::compare`] values their changes), for percent changes.
pub fn group_bases(
    items: &[(&crate::scenario::Scenario, &crate::analysis::Outcome)],
    groups: &[String],
) -> Vec<Vec<f64>> {
    items
        .iter()
        .map(|(s, o)| crate::analysis::compare::group_values(s, o, groups, |t| t.base_value))
        .collect()
}

/// Writes `comparison.csv`, `compare_focus.png`, `compare_exporters.png` and `report.md`
/// into `out_dir`, whole or not at all. `bases` are [`group_bases`] for the groups of
/// [`group_union`]; the charts show percent changes, so that the focus exporter's bar can
/// be read beside exporters a hundred times larger.
pub fn write_comparison(
    rows: &[ComparedScenario],
    bases: &[Vec<f64>],
    out_dir: &Path,
    command: &str,
    version: &str,
    policy: ReplacePolicy,
) -> Result<(), ReportError> {
    let scale = ValueScale::for_unit(rows.first().map_or("USD", |r| r.currency_unit.as_str()));
    let groups = group_union(rows);
    let source = format!(
        "Source: tariffsim {version} simulations (SMART); scenarios: {}.",
        rows.iter()
            .map(|r| r.stem.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    write_atomically(out_dir, policy, |stage| {
        let path = Path::new("comparison.csv");
        let mut header = vec!["scenario", "name", "focus_exporter", "focus_base_value"];
        header.extend(
            rows.first()
                .map(|r| {
                    r.headlines
                        .named()
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default(),
        );
        let group_cols: Vec<String> = groups.iter().map(|g| format!("change {g}")).collect();
        header.extend(group_cols.iter().map(|s| s.as_str()));
        let unit = rows.first().map_or("USD", |r| r.currency_unit.as_str());
        let mut t = Table::create_with_unit(path, &header, unit)?;
        for r in rows {
            let mut numbers: Vec<(&str, f64)> = vec![("focus_base_value", r.focus_base)];
            numbers.extend(r.headlines.named());
            for g in &groups {
                let v = r
                    .by_group
                    .iter()
                    .find(|(n, _)| n == g)
                    .map_or(0.0, |(_, v)| *v);
                numbers.push(("group change", v));
            }
            t.row(&[&r.stem, &r.name, &r.focus], &numbers)?;
        }
        stage.put("comparison.csv", &t.finish()?)?;

        let focus = rows.first().map_or("focus exporter", |r| r.focus.as_str());
        let focus_chart = BarChart {
            title: format!("{focus}'s exports: change under each scenario, percent"),
            subtitle: format!(
                "In {}: {}.",
                scale.label,
                rows.iter()
                    .map(|r| format!(
                        "{} {}",
                        r.stem,
                        signed(
                            scale.apply(r.headlines.get(Headline::FocusExportsChange)),
                            1
                        )
                    ))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            value_axis: format!("Change in {focus}'s exports (% of its exports before)"),
            category_axis: "Scenario".into(),
            categories: rows.iter().map(|r| r.stem.clone()).collect(),
            series: vec![BarSeries {
                name: String::new(),
                values: rows
                    .iter()
                    .map(|r| r.headlines.get(Headline::FocusExportsChangePct))
                    .collect(),
                colors: (0..rows.len()).map(|i| COLORS[i % COLORS.len()]).collect(),
                errors: None,
            }],
            source: source.clone(),
            decimals: 1,
            value_suffix: "%".into(),
            ..BarChart::default()
        };
        let pct = |v: f64, base: f64| if base > 0.0 { 100.0 * v / base } else { 0.0 };
        let exporters_chart = BarChart {
            title: "Change in imports by exporter, scenario by scenario, percent".into(),
            subtitle: format!("{focus} in bold."),
            value_axis: "Change in imports (% of imports from the exporter before)".into(),
            category_axis: "Exporter".into(),
            categories: groups.clone(),
            series: rows
                .iter()
                .enumerate()
                .map(|(i, r)| BarSeries {
                    name: r.stem.clone(),
                    values: groups
                        .iter()
                        .enumerate()
                        .map(|(k, g)| {
                            let v = r
                                .by_group
                                .iter()
                                .find(|(n, _)| n == g)
                                .map_or(0.0, |(_, v)| *v);
                            pct(
                                v,
                                bases.get(i).and_then(|b| b.get(k)).copied().unwrap_or(0.0),
                            )
                        })
                        .collect(),
                    colors: vec![COLORS[i % COLORS.len()]],
                    errors: None,
                })
                .collect(),
            horizontal: true,
            source: source.clone(),
            decimals: 1,
            value_suffix: "%".into(),
            highlight: groups.iter().position(|g| g == focus),
            ..BarChart::default()
        };
        for (png, chart) in [
            ("compare_focus.png", &focus_chart),
            ("compare_exporters.png", &exporters_chart),
        ] {
            stage.put(png, &draw_bar_chart(Path::new(png), chart)?)?;
            if let Some(svg) = super::canvas::svg_name(png).filter(|_| super::canvas::options().svg)
            {
                stage.put(svg, &draw_bar_chart(Path::new(svg), chart)?)?;
            }
        }

        let mut md = String::new();
        let _ = writeln!(md, "# Scenario comparison\n");
        let _ = writeln!(
            md,
            "Compared with tariffsim {version}. Values in {}.\n",
            scale.label
        );
        let _ = writeln!(
            md,
            "| Scenario | Title | {focus}: change | {focus}: change (%) | Imports: change | Tariff revenue | Consumer surplus | Net welfare |"
        );
        let _ = writeln!(md, "|---|---|---:|---:|---:|---:|---:|---:|");
        for r in rows {
            let v = |h: Headline| format_number(scale.apply(r.headlines.get(h)), 1);
            let _ = writeln!(
                md,
                "| `{}` | {} | {} | {} | {} | {} | {} | {} |",
                r.stem,
                r.name,
                v(Headline::FocusExportsChange),
                signed(r.headlines.get(Headline::FocusExportsChangePct), 2),
                v(Headline::ImportsChange),
                v(Headline::TariffRevenueChange),
                v(Headline::ConsumerSurplusChange),
                v(Headline::NetWelfareChange)
            );
        }
        let _ = writeln!(md, "\n![Focus exporter by scenario](compare_focus.png)\n");
        let _ = writeln!(
            md,
            "![Change by exporter and scenario](compare_exporters.png)\n"
        );
        let _ = writeln!(
            md,
            "Each scenario compares its own before and after states, so the rows are separate experiments, not a sequence. Each scenario's own report (from `tariffsim run`) states its assumptions and data sources.\n"
        );
        let _ = writeln!(md, "## Reproduce\n\n```\n{command}\n```");
        let allowed = super::guard::user_words(
            rows.iter()
                .flat_map(|r| [r.stem.as_str(), &r.name, &r.focus])
                .chain(groups.iter().map(String::as_str))
                .chain(std::iter::once(command)),
        );
        super::guard::check_text("report.md", &md, &allowed)?;
        stage.put("report.md", md.as_bytes())
    })
}
