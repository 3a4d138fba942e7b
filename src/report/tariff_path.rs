//! The tariff timeline's outputs: `tariff_timeline.csv` (the step function) and
//! `tariff_timeline.png` (drawn by [`super::timeline_chart`]), for a dated scenario's run
//! and for `tariffsim rates --timeline`.

use super::tables::Table;
use super::{Artifact, RunReport};
use crate::error::ReportError;
use crate::schedule::timeline::TariffPath;
use std::path::Path;

/// The table's file name.
pub const CSV_FILE: &str = "tariff_timeline.csv";
/// The chart's file name.
pub const PNG_FILE: &str = "tariff_timeline.png";

/// `tariff_timeline.csv`: one row per step and partner (the focus first), each with the
/// first and last day of the step, so the table is the whole step function and no day is
/// left to guess.
pub fn timeline_csv(p: &TariffPath, out: &Path) -> Result<Vec<u8>, ReportError> {
    let mut t = Table::create(
        &out.join(CSV_FILE),
        &["date", "until", "partner", "additional_pct"],
    )?;
    for step in &p.timeline.steps {
        let (from, to) = (step.from.to_string(), step.to.to_string());
        for (name, v) in p.timeline.partners.iter().zip(&step.additional_pct) {
            t.row(&[&from, &to, name], &[("additional rate", *v)])?;
        }
    }
    t.finish()
}

/// The source line of the table and chart.
pub fn source_line(p: &TariffPath, version: &str) -> String {
    format!(
        "Source: tariffsim {version}, US measures schedule ({}: measures.csv, partner_rates.csv, product lists; \
         docs/decisions.md, \"Tariff schedule\"); weights: US Census imports for consumption 2024, HS6 × partner.",
        p.data
    )
}

/// One sentence on the focus's rate path, for reports and the terminal.
pub fn path_sentence(p: &TariffPath) -> String {
    let focus = p.focus();
    let steps = &p.timeline.steps;
    let mut parts: Vec<String> = Vec::new();
    if let Some(first) = steps.first().and_then(|s| s.additional_pct.first()) {
        parts.push(format!(
            "{first:.1}% on {}",
            crate::schedule::timeline::FIRST_DAY.long()
        ));
    }
    for e in &p.events {
        parts.push(format!(
            "{:.1}% from {} ({})",
            e.to_pct,
            e.date.long(),
            e.label
        ));
    }
    if let Some(last) = steps.last().and_then(|s| s.additional_pct.first()) {
        parts.push(format!(
            "{last:.1}% on {}",
            crate::schedule::timeline::LAST_DAY.long()
        ));
    }
    format!(
        "{focus}'s trade-weighted additional {} tariff: {}.",
        importer_short(&p.importer),
        parts.join(", ")
    )
}

/// The report's section: the chart and one sentence on the focus's rate path.
pub fn markdown_section(p: &TariffPath) -> String {
    let window = match p.window {
        Some((before, after)) => format!(
            " The scenario compares the schedule on {} with the schedule on {} (shaded).",
            before.long(),
            after.long()
        ),
        None => String::new(),
    };
    format!(
        "## Tariff path 2025–2026\n\n![Additional US tariff over 2025–2026]({PNG_FILE})\n\n{}{window} \
         Every step of {} and its competitors is in `{CSV_FILE}`.\n\n",
        path_sentence(p),
        p.focus()
    )
}

/// "US" for the United States, the name otherwise.
pub fn importer_short(importer: &str) -> &str {
    if importer == "United States" {
        "US"
    } else {
        importer
    }
}

/// `tariff_timeline.csv` of a run.
pub struct TimelineTable;
/// `tariff_timeline.png` of a run (or its SVG twin).
pub struct TimelineChart {
    /// Written as SVG (else PNG).
    pub svg: bool,
}

fn path_of<'a>(run: &'a RunReport<'_>, file: &str) -> Result<&'a TariffPath, ReportError> {
    run.layers
        .tariff_path
        .as_ref()
        .ok_or_else(|| ReportError::Chart {
            path: file.into(),
            message: "this run has no dated states, so no tariff timeline".into(),
        })
}

impl Artifact for TimelineTable {
    fn file_name(&self) -> &'static str {
        CSV_FILE
    }
    fn render(&self, run: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        timeline_csv(path_of(run, CSV_FILE)?, Path::new(""))
    }
}

impl Artifact for TimelineChart {
    fn file_name(&self) -> &'static str {
        super::figures::chart_file(PNG_FILE, self.svg)
    }
    fn render(&self, run: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
        let p = path_of(run, PNG_FILE)?;
        super::timeline_chart::draw(Path::new(self.file_name()), p, &source_line(p, run.version))
    }
}
