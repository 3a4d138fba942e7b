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

const COLORS: [plotters::style::RGBColor; 7] = [
    palette::BLUE,
    palette::VERMILLION,
    palette::GREEN,
    palette::ORANGE,
    palette::PURPLE,
    palette::SKY,
    palette::GREY,
];

/// Writes `comparison.csv`, `compare_focus.png`, `compare_exporters.png` and `report.md`
/// into `out_dir`, whole or not at all.
pub fn write_comparison(
    rows: &[ComparedScenario],
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
        let png = draw_bar_chart(
            Path::new("compare_focus.png"),
            &BarChart {
                title: format!("{focus}'s exports: change under each scenario"),
                value_axis: format!("Change in {focus}'s exports ({})", scale.label),
                category_axis: "Scenario".into(),
                categories: rows.iter().map(|r| r.stem.clone()).collect(),
                series: vec![BarSeries {
                    name: String::new(),
                    values: rows
                        .iter()
                        .map(|r| scale.apply(r.headlines.get(Headline::FocusExportsChange)))
                        .collect(),
                    colors: (0..rows.len()).map(|i| COLORS[i % COLORS.len()]).collect(),
                    errors: None,
                }],
                horizontal: false,
                source: source.clone(),
                decimals: 1,
                stacked: false,
                totals: None,
            },
        )?;
        stage.put("compare_focus.png", &png)?;
        let png = draw_bar_chart(
            Path::new("compare_exporters.png"),
            &BarChart {
                title: "Change in imports by exporter, scenario by scenario".into(),
                value_axis: format!("Change in imports ({})", scale.label),
                category_axis: "Exporter".into(),
                categories: groups.clone(),
                series: rows
                    .iter()
                    .enumerate()
                    .map(|(i, r)| BarSeries {
                        name: r.stem.clone(),
                        values: groups
                            .iter()
                            .map(|g| {
                                scale.apply(
                                    r.by_group
                                        .iter()
                                        .find(|(n, _)| n == g)
                                        .map_or(0.0, |(_, v)| *v),
                                )
                            })
                            .collect(),
                        colors: vec![COLORS[i % COLORS.len()]],
                        errors: None,
                    })
                    .collect(),
                horizontal: true,
                source: source.clone(),
                decimals: 0,
                stacked: false,
                totals: None,
            },
        )?;
        stage.put("compare_exporters.png", &png)?;

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
