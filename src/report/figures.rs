//! The charts of a single run, each built from the outcome and drawn by [`super::charts`].

use super::charts::{BarChart, BarSeries, draw_bar_chart, palette, shorten};
use super::numbers::signed;
use super::{Artifact, RunReport};
use crate::error::ReportError;
use plotters::style::RGBColor;
use std::path::Path;

/// Change in the importer's imports by exporter, focus exporter highlighted.
pub struct ChangeByExporterChart {
    /// Written as SVG (else PNG).
    pub svg: bool,
}
/// The focus exporter's creation, diversion and price effect in its top products.
pub struct FocusProductsChart {
    /// Written as SVG (else PNG).
    pub svg: bool,
}
/// Market shares by exporter before and after.
pub struct MarketSharesChart {
    /// Written as SVG (else PNG).
    pub svg: bool,
}
/// The importer's welfare decomposition.
pub struct WelfareChart {
    /// Written as SVG (else PNG).
    pub svg: bool,
}

/// A chart's file name: the PNG name, or its SVG twin.
pub fn chart_file(png: &'static str, svg: bool) -> &'static str {
    if svg {
        super::canvas::svg_name(png).unwrap_or(png)
    } else {
        png
    }
}

/// The focus exporter's colour in a lighter tone, for its "before" bars.
const FOCUS_LIGHT: RGBColor = RGBColor(240, 174, 128);

/// An absolute bar this small beside the axis range (under 1%) is a sliver nobody can read.
const VISIBLE_SHARE: f64 = 0.01;

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
        chart_file("change_by_exporter.png", self.svg)
    }
    /// Bars in the scenario's currency; in percent of each exporter's imports before when
    /// the focus exporter's bar would be under 1% of the axis (a sliver nobody can read).
    fn render(&self, run: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let path = Path::new(self.file_name());
        let s = run.scenario;
        let scale = run.scale();
        let by = &run.outcome.by_group;
        let order = group_order(run, |g| by[g].total_effect);
        let focus_group = s.report_group_of[s.focus];
        let percentiles = |g: usize| {
            run.layers.uncertainty.as_ref().map(|u| {
                u.row("group", &s.report_groups[g])
                    .map(|r| r.percentiles)
                    .unwrap_or_default()
            })
        };
        let absolute: Vec<f64> = order
            .iter()
            .map(|&g| scale.apply(by[g].total_effect))
            .collect();
        let (lo, hi) = absolute
            .iter()
            .copied()
            .chain(
                order
                    .iter()
                    .filter_map(|&g| percentiles(g))
                    .flat_map(|p| [scale.apply(p.p5), scale.apply(p.p95)]),
            )
            .fold((0.0f64, 0.0f64), |(l, h), v| (l.min(v), h.max(v)));
        let focus_value = scale.apply(by[focus_group].total_effect);
        let percent = hi - lo > 0.0 && focus_value.abs() < VISIBLE_SHARE * (hi - lo);
        let pct_of = |g: usize, v: f64| {
            let base = by[g].base_value;
            if base > 0.0 { 100.0 * v / base } else { 0.0 }
        };
        let values: Vec<f64> = if percent {
            order
                .iter()
                .map(|&g| pct_of(g, by[g].total_effect))
                .collect()
        } else {
            absolute
        };
        let errors = run.layers.uncertainty.as_ref().map(|_| {
            order
                .iter()
                .map(|&g| {
                    let p = percentiles(g).unwrap_or_default();
                    if percent {
                        (pct_of(g, p.p5), pct_of(g, p.p95))
                    } else {
                        (scale.apply(p.p5), scale.apply(p.p95))
                    }
                })
                .collect()
        });
        let whiskers = match &run.layers.uncertainty {
            Some(u) => format!(
                "; whiskers: 5–95% range over {} elasticity draws",
                u.spec.draws
            ),
            None => String::new(),
        };
        let why = if percent {
            format!(
                " Shown in percent of each exporter's imports before the policy: {}'s change, {} {}, would be under 1% of an axis in {}.",
                s.focus_name(),
                signed(focus_value, 1),
                scale.label,
                scale.label
            )
        } else {
            String::new()
        };
        let chart = BarChart {
            title: if percent {
                format!("Change in {} imports by exporter, percent", s.importer)
            } else {
                format!("Change in {} imports by exporter", s.importer)
            },
            subtitle: run.policy_line().to_string(),
            value_axis: if percent {
                "Change in imports (% of imports from the exporter before)".into()
            } else {
                format!("Change in imports ({})", scale.label)
            },
            category_axis: format!(
                "Exporter ({} in vermillion{whiskers}).{why}",
                s.focus_name()
            ),
            categories: order.iter().map(|&g| s.report_groups[g].clone()).collect(),
            series: vec![BarSeries {
                name: String::new(),
                values,
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
                errors,
            }],
            source: run.source_line(),
            decimals: 1,
            value_suffix: if percent { "%".into() } else { String::new() },
            highlight: order.iter().position(|&g| g == focus_group),
            ..BarChart::default()
        };
        draw_bar_chart(path, &chart)
    }
}

impl Artifact for FocusProductsChart {
    fn file_name(&self) -> &'static str {
        chart_file("focus_products.png", self.svg)
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
        // did not change, price effects under infinite supply) are left out of the chart;
        // the net change (their sum) is always shown.
        let mut series: Vec<BarSeries> = [
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
        let net = pick(|t| t.total_effect);
        let shown: f64 = net.iter().sum();
        // With one component the net bar would repeat it: the subtitle gives the totals.
        if series.len() != 1 {
            series.push(BarSeries {
                name: "Net change".into(),
                values: net,
                colors: vec![palette::BLACK],
                errors: None,
            });
        }
        let all = scale.apply(run.outcome.focus(s).total_effect);
        let chart = BarChart {
            title: format!(
                "{}: where its {} sales change, top {} products",
                s.focus_name(),
                s.importer,
                order.len()
            ),
            subtitle: format!(
                "{}. Net change over these {} products: {} {}; over all its products: {} {}.",
                run.policy_line(),
                order.len(),
                signed(shown, 1),
                scale.label,
                signed(all, 1),
                scale.label
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
                .map(|&i| shorten(&s.products[i].label(), 60))
                .collect(),
            series,
            horizontal: true,
            source: run.source_line(),
            decimals: 1,
            ..BarChart::default()
        };
        draw_bar_chart(path, &chart)
    }
}

impl Artifact for MarketSharesChart {
    fn file_name(&self) -> &'static str {
        chart_file("market_shares.png", self.svg)
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
        let mut scratch = Vec::new();
        for &i in &top {
            for f in o.market_flows(s, i, &mut scratch)?.unwrap_or_default() {
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
        let focus_group = s.report_group_of[s.focus];
        let colours = |normal: RGBColor, focus: RGBColor| -> Vec<RGBColor> {
            order
                .iter()
                .map(|&g| if g == focus_group { focus } else { normal })
                .collect()
        };
        let chart = BarChart {
            title: format!(
                "Shares of {} imports in {}'s {} largest products ({:.0}% of its exports)",
                s.importer,
                s.focus_name(),
                top.len(),
                share(covered, focus_total)
            ),
            subtitle: run.policy_line().to_string(),
            value_axis: "Share of imports at world prices (%)".into(),
            category_axis: format!(
                "Exporter ({} in vermillion: light before, dark after)",
                s.focus_name()
            ),
            categories: order.iter().map(|&g| s.report_groups[g].clone()).collect(),
            series: vec![
                BarSeries {
                    name: "Before".into(),
                    values: order.iter().map(|&g| share(before[g], tb)).collect(),
                    colors: colours(palette::SKY, FOCUS_LIGHT),
                    errors: None,
                },
                BarSeries {
                    name: "After".into(),
                    values: order.iter().map(|&g| share(after[g], ta)).collect(),
                    colors: colours(palette::BLUE, palette::VERMILLION),
                    errors: None,
                },
            ],
            source: run.source_line(),
            decimals: 1,
            highlight: order.iter().position(|&g| g == focus_group),
            ..BarChart::default()
        };
        draw_bar_chart(path, &chart)
    }
}

impl Artifact for WelfareChart {
    fn file_name(&self) -> &'static str {
        chart_file("welfare.png", self.svg)
    }
    fn render(&self, run: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let path = Path::new(self.file_name());
        let s = run.scenario;
        let scale = run.scale();
        let t = &run.outcome.total;
        // A model with the importer's own producers (Armington) adds their surplus, which
        // is part of net welfare.
        let domestic = s.armington().is_some();
        let mut parts: Vec<(&str, &str, f64, plotters::style::RGBColor)> = vec![
            (
                "Consumer surplus",
                "consumer_surplus_change",
                t.consumer_surplus,
                palette::GREEN,
            ),
            (
                "Tariff revenue",
                "tariff_revenue_change",
                t.revenue_change(),
                palette::ORANGE,
            ),
        ];
        if domestic {
            parts.push((
                "Domestic producer surplus",
                "domestic_producer_surplus_change",
                t.producer_surplus,
                palette::PURPLE,
            ));
        }
        parts.push((
            "Net welfare",
            "net_welfare_change",
            t.net_welfare(),
            palette::BLUE,
        ));
        // Whiskers: the 5–95% range of each component over the Monte-Carlo draws.
        let errors = run.layers.uncertainty.as_ref().map(|u| {
            parts
                .iter()
                .map(|(_, name, _, _)| {
                    let p = u
                        .row("headline", name)
                        .map(|r| r.percentiles)
                        .unwrap_or_default();
                    (scale.apply(p.p5), scale.apply(p.p95))
                })
                .collect()
        });
        let chart = BarChart {
            title: if domestic {
                format!(
                    "{} welfare change: consumers, tariff revenue, own producers and net",
                    s.importer
                )
            } else {
                format!(
                    "{} welfare change: consumer surplus, tariff revenue and net",
                    s.importer
                )
            },
            subtitle: run.policy_line().to_string(),
            value_axis: format!("Change ({})", scale.label),
            category_axis: match &run.layers.uncertainty {
                Some(u) => format!(
                    "Component (whiskers: 5–95% range over {} elasticity draws)",
                    u.spec.draws
                ),
                None => "Component".into(),
            },
            categories: parts.iter().map(|p| p.0.to_string()).collect(),
            series: vec![BarSeries {
                name: String::new(),
                values: parts.iter().map(|p| scale.apply(p.2)).collect(),
                colors: parts.iter().map(|p| p.3).collect(),
                errors,
            }],
            source: run.source_line(),
            decimals: 1,
            ..BarChart::default()
        };
        draw_bar_chart(path, &chart)
    }
}
