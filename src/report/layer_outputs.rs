//! Tables and charts of the analysis layers: uncertainty, sensitivity, projection, sweep.

use super::ValueScale;
use super::charts::{
    Band, BarChart, BarSeries, Line, LineChart, draw_bar_chart, draw_line_chart, palette,
};
use super::figures::chart_file;
use super::numbers::format_number;
use super::tables::Table;
use super::{Artifact, RunReport};
use crate::analysis::headlines::Headline;
use crate::analysis::monte_carlo::{Percentiles, UncertaintyResult};
use crate::analysis::sensitivity::SensitivityRow;
use crate::error::ReportError;
use std::path::Path;

/// `uncertainty.csv`: percentiles of every headline, exporter and product quantity.
pub struct UncertaintyTable;
/// `sensitivity.csv`.
pub struct SensitivityTable;
/// `tornado.png` (or its SVG twin).
pub struct TornadoChart {
    /// Written as SVG (else PNG).
    pub svg: bool,
}
/// `projection.csv`.
pub struct ProjectionTable;
/// `projection.png` (or its SVG twin).
pub struct ProjectionChart {
    /// Written as SVG (else PNG).
    pub svg: bool,
}
/// `sweep.csv`.
pub struct SweepTable;
/// `sweep.png` (or its SVG twin).
pub struct SweepChart {
    /// Written as SVG (else PNG).
    pub svg: bool,
}
/// `elasticity_sets.csv`: the headline under each named elasticity set.
pub struct ElasticitySetsTable;

fn missing(path: &Path, what: &str) -> ReportError {
    ReportError::Chart {
        path: path.to_path_buf(),
        message: format!("no {what} results to write"),
    }
}

/// Writes `uncertainty.csv` (shared by SMART and GSIM runs). Its last column, `unit`, says
/// each row's unit: percent for the `_pct` quantities, else the scenario's currency unit.
pub fn write_uncertainty_csv(
    u: &UncertaintyResult,
    currency_unit: &str,
    path: &Path,
) -> Result<Vec<u8>, ReportError> {
    let mut t = Table::create(
        path,
        &[
            "kind", "name", "point", "p5", "p25", "p50", "p75", "p95", "draws", "seed", "unit",
        ],
    )?;
    for r in &u.rows {
        let p = r.percentiles;
        t.row_then(
            &[r.kind, &r.name],
            &[
                ("point", r.point),
                ("p5", p.p5),
                ("p25", p.p25),
                ("p50", p.p50),
                ("p75", p.p75),
                ("p95", p.p95),
                ("draws", u.spec.draws as f64),
                ("seed", u.spec.seed as f64),
            ],
            Some(if r.name.ends_with("_pct") || r.kind.ends_with("_pct") {
                "percent"
            } else {
                currency_unit
            }),
        )?;
    }
    t.finish()
}

/// Writes `sensitivity.csv`: the focus quantity and net welfare at each setting, next to
/// their central values (shared by SMART and GSIM runs).
pub fn write_sensitivity_csv(
    rows: &[SensitivityRow],
    focus_point: f64,
    welfare_point: f64,
    currency_unit: &str,
    path: &Path,
) -> Result<Vec<u8>, ReportError> {
    let mut t = Table::create_with_unit(
        path,
        &[
            "parameter",
            "low_setting",
            "high_setting",
            "focus_change_point",
            "focus_change_low",
            "focus_change_high",
            "net_welfare_point",
            "net_welfare_low",
            "net_welfare_high",
        ],
        currency_unit,
    )?;
    for r in rows {
        t.row(
            &[r.parameter, &r.low_setting, &r.high_setting],
            &[
                ("focus_change_point", focus_point),
                ("focus_change_low", r.focus_low),
                ("focus_change_high", r.focus_high),
                ("net_welfare_point", welfare_point),
                ("net_welfare_low", r.welfare_low),
                ("net_welfare_high", r.welfare_high),
            ],
        )?;
    }
    t.finish()
}

/// Draws `tornado.png`: each setting's difference from the central estimate.
pub fn draw_tornado(
    rows: &[SensitivityRow],
    focus_point: f64,
    scale: &ValueScale,
    title: String,
    quantity: &str,
    source: String,
    path: &Path,
) -> Result<Vec<u8>, ReportError> {
    let series = |name: &str, color, pick: fn(&SensitivityRow) -> f64| BarSeries {
        name: name.into(),
        values: rows
            .iter()
            .map(|r| scale.apply(pick(r) - focus_point))
            .collect(),
        colors: vec![color],
        errors: None,
    };
    draw_bar_chart(
        path,
        &BarChart {
            title,
            value_axis: format!(
                "{quantity} vs the central estimate of {} ({})",
                format_number(scale.apply(focus_point), 1),
                scale.label
            ),
            category_axis: "Elasticity".into(),
            categories: rows
                .iter()
                .map(|r| format!("{} ({} / {})", r.parameter, r.low_setting, r.high_setting))
                .collect(),
            series: vec![
                series("Low setting", palette::SKY, |r| r.focus_low),
                series("High setting", palette::BLUE, |r| r.focus_high),
            ],
            horizontal: true,
            source,
            decimals: 1,
            ..BarChart::default()
        },
    )
}

/// The 5–95% band of a line chart, when every point has percentiles (a run with
/// uncertainty); `None` otherwise.
fn percentile_band(
    name: &str,
    points: impl Iterator<Item = (f64, Option<Percentiles>)>,
    scale: &ValueScale,
) -> Option<Band> {
    let points = points
        .map(|(x, b)| b.map(|b| (x, scale.apply(b.p5), scale.apply(b.p95))))
        .collect::<Option<Vec<_>>>()?;
    Some(Band {
        name: name.into(),
        points,
        color: palette::VERMILLION,
    })
}

impl Artifact for UncertaintyTable {
    fn file_name(&self) -> &'static str {
        "uncertainty.csv"
    }
    fn render(&self, run: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let path = Path::new(self.file_name());
        let u = run
            .layers
            .uncertainty
            .as_ref()
            .ok_or_else(|| missing(path, "uncertainty"))?;
        write_uncertainty_csv(u, &run.scenario.currency_unit, path)
    }
}

/// The columns of `elasticity_sets.csv` after the text ones.
const SET_NUMBERS: [&str; 10] = [
    "focus_exports_change",
    "focus_exports_change_pct",
    "imports_change",
    "net_welfare_change",
    "import_demand_hs6_products",
    "import_demand_fallback_products",
    "import_demand_fallback_trade_share",
    "substitution_hs6_products",
    "substitution_fallback_products",
    "substitution_fallback_trade_share",
];

impl Artifact for ElasticitySetsTable {
    fn file_name(&self) -> &'static str {
        "elasticity_sets.csv"
    }
    fn render(&self, run: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let path = Path::new(self.file_name());
        let rows = run
            .layers
            .elasticity_sets
            .as_ref()
            .ok_or_else(|| missing(path, "elasticity set"))?;
        let total = run
            .scenario
            .elasticity_sets
            .as_ref()
            .map_or(0.0, |t| t.total_trade);
        let share = |v: f64| if total > 0.0 { v / total } else { 0.0 };
        let mut header = vec!["set", "used_by_scenario", "source", "note"];
        header.extend(SET_NUMBERS);
        let mut t = Table::create_with_unit(path, &header, &run.scenario.currency_unit)?;
        for r in rows {
            let used = if r.used { "yes" } else { "no" };
            let (d, s) = (r.counts.import_demand, r.counts.substitution);
            let counts = [
                (SET_NUMBERS[4], d.hs6 as f64),
                (SET_NUMBERS[5], (d.rejected + d.missing) as f64),
                (SET_NUMBERS[6], share(d.rejected_trade + d.missing_trade)),
                (SET_NUMBERS[7], s.hs6 as f64),
                (SET_NUMBERS[8], (s.rejected + s.missing) as f64),
                (SET_NUMBERS[9], share(s.rejected_trade + s.missing_trade)),
            ];
            match &r.headline {
                Ok(h) => {
                    let mut numbers = vec![
                        (SET_NUMBERS[0], h.get(Headline::FocusExportsChange)),
                        (SET_NUMBERS[1], h.get(Headline::FocusExportsChangePct)),
                        (SET_NUMBERS[2], h.get(Headline::ImportsChange)),
                        (SET_NUMBERS[3], h.get(Headline::NetWelfareChange)),
                    ];
                    numbers.extend(counts);
                    t.row(&[r.set.name(), used, r.set.describe(), ""], &numbers)?;
                }
                Err(e) => {
                    let cells: Vec<String> = counts
                        .iter()
                        .map(|(_, v)| super::tables::format_cell(*v))
                        .collect();
                    let mut text = vec![r.set.name(), used, r.set.describe(), e.as_str()];
                    text.extend(["", "", "", ""]);
                    text.extend(cells.iter().map(String::as_str));
                    t.row(&text, &[])?;
                }
            }
        }
        t.finish()
    }
}

impl Artifact for SensitivityTable {
    fn file_name(&self) -> &'static str {
        "sensitivity.csv"
    }
    fn render(&self, run: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let path = Path::new(self.file_name());
        let rows = run
            .layers
            .sensitivity
            .as_ref()
            .ok_or_else(|| missing(path, "sensitivity"))?;
        let point = run.outcome.focus(run.scenario).total_effect;
        write_sensitivity_csv(
            rows,
            point,
            run.outcome.total.net_welfare(),
            &run.scenario.currency_unit,
            path,
        )
    }
}

impl Artifact for TornadoChart {
    fn file_name(&self) -> &'static str {
        chart_file("tornado.png", self.svg)
    }
    fn render(&self, run: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let path = Path::new(self.file_name());
        let rows = run
            .layers
            .sensitivity
            .as_ref()
            .ok_or_else(|| missing(path, "sensitivity"))?;
        let s = run.scenario;
        draw_tornado(
            rows,
            run.outcome.focus(s).total_effect,
            &run.scale(),
            format!(
                "What drives {}'s result: one elasticity at a time",
                s.focus_name()
            ),
            &format!("Change in {}'s exports", s.focus_name()),
            run.source_line(),
            path,
        )
    }
}

impl Artifact for ProjectionTable {
    fn file_name(&self) -> &'static str {
        "projection.csv"
    }
    fn render(&self, run: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let path = Path::new(self.file_name());
        let years = run
            .layers
            .projection
            .as_ref()
            .ok_or_else(|| missing(path, "projection"))?;
        let mut header = vec!["year", "phase_in", "baseline", "scenario", "difference"];
        if years.iter().all(|y| y.band.is_some()) {
            header.extend(["scenario_p5", "scenario_p50", "scenario_p95"]);
        }
        let mut t = Table::create_with_unit(path, &header, &run.scenario.currency_unit)?;
        for y in years {
            let text_year = y.year.to_string();
            let mut numbers = vec![
                ("phase_in", y.phase_in),
                ("baseline", y.baseline),
                ("scenario", y.scenario),
                ("difference", y.scenario - y.baseline),
            ];
            if let Some(b) = y.band {
                numbers.extend([
                    ("scenario_p5", b.p5),
                    ("scenario_p50", b.p50),
                    ("scenario_p95", b.p95),
                ]);
            }
            t.row(&[&text_year], &numbers)?;
        }
        t.finish()
    }
}

impl Artifact for ProjectionChart {
    fn file_name(&self) -> &'static str {
        chart_file("projection.png", self.svg)
    }
    fn render(&self, run: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let path = Path::new(self.file_name());
        let years = run
            .layers
            .projection
            .as_ref()
            .ok_or_else(|| missing(path, "projection"))?;
        let s = run.scenario;
        let scale = run.scale();
        let band = percentile_band(
            "Scenario, 5–95% range",
            years.iter().map(|y| (y.year as f64, y.band)),
            &scale,
        );
        let chart = LineChart {
            title: format!(
                "{}'s exports to {}: baseline and scenario",
                s.focus_name(),
                s.importer
            ),
            x_axis: match s.projection.as_ref().and_then(|p| p.dated.as_ref()) {
                Some(d) => format!(
                    "Year (tariffs follow the US measures schedule from {} to {}, then held: an assumption, as is the adjustment speed; see report.md)",
                    d.from, d.last_day
                ),
                None => {
                    "Year (the path is an assumption: phase-in and adjustment speed, see report.md)"
                        .into()
                }
            },
            y_axis: format!("Exports to {} ({})", s.importer, scale.label),
            lines: vec![
                Line {
                    name: if s.projection.as_ref().is_some_and(|p| p.dated.is_some()) {
                        "Baseline (the before date's duties held)".into()
                    } else {
                        "Baseline (no policy change)".into()
                    },
                    points: years
                        .iter()
                        .map(|y| (y.year as f64, scale.apply(y.baseline)))
                        .collect(),
                    color: palette::GREY,
                },
                Line {
                    name: "Scenario".into(),
                    points: years
                        .iter()
                        .map(|y| (y.year as f64, scale.apply(y.scenario)))
                        .collect(),
                    color: palette::VERMILLION,
                },
            ],
            band,
            integer_x: true,
            y_from_zero: true,
            source: run.source_line(),
            subtitle: run.policy_line().to_string(),
            ..LineChart::default()
        };
        draw_line_chart(path, &chart)
    }
}

impl Artifact for SweepTable {
    fn file_name(&self) -> &'static str {
        "sweep.csv"
    }
    fn render(&self, run: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let path = Path::new(self.file_name());
        let sweep = run
            .layers
            .sweep
            .as_ref()
            .ok_or_else(|| missing(path, "sweep"))?;
        let exporter = &run.scenario.exporters[sweep.spec.exporter];
        let mut header = vec![
            "exporter",
            "additional_pct",
            "focus_change",
            "focus_change_pct",
            "exporter_change",
            "tariff_revenue_change",
            "net_welfare_change",
        ];
        let banded = sweep.points.iter().all(|p| p.band.is_some());
        if banded {
            header.extend(["focus_change_p5", "focus_change_p50", "focus_change_p95"]);
        }
        let mut t = Table::create_with_unit(path, &header, &run.scenario.currency_unit)?;
        for p in &sweep.points {
            let mut numbers = vec![
                ("additional_pct", p.additional_pct),
                ("focus_change", p.focus_change),
                ("focus_change_pct", p.focus_change_pct),
                ("exporter_change", p.exporter_change),
                ("tariff_revenue_change", p.revenue_change),
                ("net_welfare_change", p.net_welfare),
            ];
            if let (true, Some(b)) = (banded, p.band) {
                numbers.extend([
                    ("focus_change_p5", b.p5),
                    ("focus_change_p50", b.p50),
                    ("focus_change_p95", b.p95),
                ]);
            }
            t.row(&[exporter], &numbers)?;
        }
        t.finish()
    }
}

impl Artifact for SweepChart {
    fn file_name(&self) -> &'static str {
        chart_file("sweep.png", self.svg)
    }
    fn render(&self, run: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let path = Path::new(self.file_name());
        let sweep = run
            .layers
            .sweep
            .as_ref()
            .ok_or_else(|| missing(path, "sweep"))?;
        let s = run.scenario;
        let scale = run.scale();
        let exporter = &s.exporters[sweep.spec.exporter];
        let band = percentile_band(
            "5–95% range over elasticity draws",
            sweep.points.iter().map(|p| (p.additional_pct, p.band)),
            &scale,
        );
        let mut markers = Vec::new();
        if let Some(x) = imposed_pct(s, sweep.spec.exporter) {
            markers.push((
                x,
                format!("rate in the scenario: {x:.1}%"),
                palette::VERMILLION,
            ));
        }
        if let Some(x) = sweep.break_even_pct {
            markers.push((x, format!("break-even: {x:.1}%"), palette::GREY));
        }
        let chart = LineChart {
            title: format!(
                "{}'s exports to {} as {}'s additional tariff varies",
                s.focus_name(),
                s.importer,
                exporter
            ),
            x_axis: format!("{exporter}'s additional tariff after the policy (%)"),
            y_axis: format!(
                "Change in {}'s exports vs before the policy ({})",
                s.focus_name(),
                scale.label
            ),
            lines: vec![Line {
                name: format!("{} (central elasticities)", s.focus_name()),
                points: sweep
                    .points
                    .iter()
                    .map(|p| (p.additional_pct, scale.apply(p.focus_change)))
                    .collect(),
                color: palette::VERMILLION,
            }],
            band,
            markers,
            integer_x: false,
            y_from_zero: false,
            source: run.source_line(),
            subtitle: run.policy_line().to_string(),
        };
        draw_line_chart(path, &chart)
    }
}

/// The additional duty the scenario itself imposes on a swept exporter after the policy,
/// percent: trade-weighted over the lines a sweep sets (its dutiable lines), so that the
/// sweep's curve can be read at the scenario's own rate.
fn imposed_pct(s: &crate::scenario::Scenario, exporter: usize) -> Option<f64> {
    let cells = crate::analysis::sweep::dutiable_cells(s, exporter);
    let weights: Vec<f64> = s
        .markets
        .iter()
        .flat_map(|m| &m.flows)
        .map(|f| f.base_value.max(0.0))
        .collect();
    let sched = &s.schedule;
    let (mut sum, mut total) = (0.0, 0.0);
    for c in cells {
        let (Some(w), Some(a), Some(ap)) =
            (weights.get(c), sched.after.get(c), sched.applied.get(c))
        else {
            continue;
        };
        sum += w * (a - ap);
        total += w;
    }
    let pct = crate::units::rate_to_pct(sum / total);
    (total > 0.0 && pct.is_finite()).then_some(pct)
}
