//! The charts of a single run, each built from the outcome and drawn by [`super::charts`].

use super::charts::{BarChart, BarSeries, draw_bar_chart, palette};
use super::{Artifact, RunReport};
use crate::error::ReportError;
use std::path::Path;

/// Change in the importer's imports by exporter, focus exporter highlighted.
pub struct ChangeByExporterChart;
/// The focus exporter's creation, diversion and price effect in its top products.
pub struct FocusProductsChart;
/// Market shares by exporter before and after.
pub struct MarketSharesChart;
/// The importer's welfare decomposition.
pub struct WelfareChart;

fn shorten(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_string()
    } else {
        let cut: String = label.chars().take(max - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

/// Groups in the order charts show them: by value, descending, with Rest of world last.
fn group_order(run: &RunReport<'_>, key: impl Fn(usize) -> f64) -> Vec<usize> {
    let s = run.scenario;
    let mut order: Vec<usize> = (0..s.report_groups.len()).collect();
    order.sort_by(|&a, &b| {
        let rest_a = s.report_groups[a] == crate::scenario::REST_OF_WORLD;
        let rest_b = s.report_groups[b] == crate::scenario::REST_OF_WORLD;
        rest_a.cmp(&rest_b).then(key(b).total_cmp(&key(a)))
    });
    order
}

impl Artifact for ChangeByExporterChart {
    fn file_name(&self) -> &'static str {
        "change_by_exporter.png"
    }
    fn render(&self, run: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let path = Path::new(self.file_name());
        let s = run.scenario;
        let scale = run.scale();
        let by = &run.outcome.by_group;
        let order = group_order(run, |g| by[g].total_effect);
        let focus_group = s.report_group_of[s.focus];
        let chart = BarChart {
            title: format!("Change in {} imports by exporter", s.importer),
            value_axis: format!("Change in imports ({})", scale.label),
            category_axis: match &run.layers.uncertainty {
                Some(u) => format!(
                    "Exporter ({} highlighted; whiskers: 5–95% range over {} elasticity draws)",
                    s.focus_name(),
                    u.spec.draws
                ),
                None => format!("Exporter ({} highlighted)", s.focus_name()),
            },
            categories: order.iter().map(|&g| s.report_groups[g].clone()).collect(),
            series: vec![BarSeries {
                name: String::new(),
                values: order
                    .iter()
                    .map(|&g| scale.apply(by[g].total_effect))
                    .collect(),
                colors: order
                    .iter()
                    .map(|&g| {
                        if g == focus_group {
                            palette::VERMILLION
                        } else {
                            palette::BLUE
                        }
                    })
                    .collect(),
                errors: run.layers.uncertainty.as_ref().map(|u| {
                    order
                        .iter()
                        .map(|&g| {
                            let p = u
                                .row("group", &s.report_groups[g])
                                .map(|r| r.percentiles)
                                .unwrap_or_default();
                            (scale.apply(p.p5), scale.apply(p.p95))
                        })
                        .collect()
                }),
            }],
            horizontal: false,
            source: run.source_line(),
            decimals: 1,
            stacked: false,
            totals: None,
        };
        draw_bar_chart(path, &chart)
    }
}

impl Artifact for FocusProductsChart {
    fn file_name(&self) -> &'static str {
        "focus_products.png"
    }
    fn render(&self, run: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let path = Path::new(self.file_name());
        let s = run.scenario;
        let scale = run.scale();
        let focus = &run.outcome.focus_by_product;
        let mut order: Vec<usize> = (0..focus.len())
            .filter(|&i| focus[i].base_value > 0.0)
            .collect();
        order.sort_by(|&a, &b| {
            focus[b]
                .total_effect
                .abs()
                .total_cmp(&focus[a].total_effect.abs())
        });
        order.truncate(s.top_products);
        let pick = |f: fn(&crate::model::smart::EffectTotals) -> f64| -> Vec<f64> {
            order.iter().map(|&i| scale.apply(f(&focus[i]))).collect()
        };
        // Components that are zero everywhere (creation when the focus exporter's own tariff
        // did not change, price effects under infinite supply) are left out of the chart.
        let series: Vec<BarSeries> = [
            ("Trade creation", pick(|t| t.trade_creation), palette::BLUE),
            (
                "Trade diversion",
                pick(|t| t.trade_diversion),
                palette::ORANGE,
            ),
            ("Price effect", pick(|t| t.price_effect), palette::GREEN),
        ]
        .into_iter()
        .filter(|(_, values, _)| values.iter().any(|v| v.abs() > 1e-12))
        .map(|(name, values, color)| BarSeries {
            name: name.into(),
            values,
            colors: vec![color],
            errors: None,
        })
        .collect();
        let chart = BarChart {
            title: format!(
                "{}: where its {} sales change, top {} products",
                s.focus_name(),
                s.importer,
                order.len()
            ),
            value_axis: format!(
                "Change in {}'s exports to {} ({})",
                s.focus_name(),
                s.importer,
                scale.label
            ),
            category_axis: "Product".into(),
            categories: order
                .iter()
                .map(|&i| shorten(&s.products[i].label(), 44))
                .collect(),
            series,
            horizontal: true,
            source: run.source_line(),
            decimals: 1,
            stacked: false,
            totals: None,
        };
        draw_bar_chart(path, &chart)
    }
}

impl Artifact for MarketSharesChart {
    fn file_name(&self) -> &'static str {
        "market_shares.png"
    }
    /// Shares within the focus exporter's largest products: over all products the focus
    /// exporter's share is too small to read, and these are the markets its story is about.
    fn render(&self, run: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let path = Path::new(self.file_name());
        let s = run.scenario;
        let o = run.outcome;
        let mut top: Vec<usize> = (0..s.products.len())
            .filter(|&i| o.focus_by_product[i].base_value > 0.0)
            .collect();
        top.sort_by(|&a, &b| {
            o.focus_by_product[b]
                .base_value
                .total_cmp(&o.focus_by_product[a].base_value)
        });
        top.truncate(s.top_products);
        let mut before = vec![0.0; s.report_groups.len()];
        let mut after = vec![0.0; s.report_groups.len()];
        for &i in &top {
            for f in &o.products[i].flows {
                let g = s.report_group_of[f.exporter];
                before[g] += f.base_value;
                after[g] += f.new_value;
            }
        }
        let (tb, ta) = (before.iter().sum::<f64>(), after.iter().sum::<f64>());
        let focus_total = o.focus(s).base_value;
        let covered: f64 = top.iter().map(|&i| o.focus_by_product[i].base_value).sum();
        let share = |v: f64, t: f64| if t > 0.0 { 100.0 * v / t } else { 0.0 };
        let order = group_order(run, |g| before[g]);
        let chart = BarChart {
            title: format!(
                "Shares of {} imports in {}'s {} largest products ({:.0}% of its exports)",
                s.importer,
                s.focus_name(),
                top.len(),
                share(covered, focus_total)
            ),
            value_axis: "Share of imports at world prices (%)".into(),
            category_axis: "Exporter".into(),
            categories: order.iter().map(|&g| s.report_groups[g].clone()).collect(),
            series: vec![
                BarSeries {
                    name: "Before".into(),
                    values: order.iter().map(|&g| share(before[g], tb)).collect(),
                    colors: vec![palette::SKY],
                    errors: None,
                },
                BarSeries {
                    name: "After".into(),
                    values: order.iter().map(|&g| share(after[g], ta)).collect(),
                    colors: vec![palette::BLUE],
                    errors: None,
                },
            ],
            horizontal: false,
            source: run.source_line(),
            decimals: 1,
            stacked: false,
            totals: None,
        };
        draw_bar_chart(path, &chart)
    }
}

impl Artifact for WelfareChart {
    fn file_name(&self) -> &'static str {
        "welfare.png"
    }
    fn render(&self, run: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let path = Path::new(self.file_name());
        let s = run.scenario;
        let scale = run.scale();
        let t = &run.outcome.total;
        let chart = BarChart {
            title: format!(
                "{} welfare change: consumer surplus, tariff revenue and net",
                s.importer
            ),
            value_axis: format!("Change ({})", scale.label),
            category_axis: "Component".into(),
            categories: vec![
                "Consumer surplus".into(),
                "Tariff revenue".into(),
                "Net welfare".into(),
            ],
            series: vec![BarSeries {
                name: String::new(),
                values: vec![
                    scale.apply(t.consumer_surplus),
                    scale.apply(t.revenue_change()),
                    scale.apply(t.net_welfare()),
                ],
                colors: vec![palette::GREEN, palette::ORANGE, palette::BLUE],
                errors: None,
            }],
            horizontal: false,
            source: run.source_line(),
            decimals: 1,
            stacked: false,
            totals: None,
        };
        draw_bar_chart(path, &chart)
    }
}
