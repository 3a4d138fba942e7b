//! Outputs of a run: CSV tables, PNG charts, a Markdown report and a terminal summary.
//!
//! Each output file is one [`Artifact`] (hyperfine's exporter pattern) rendered to bytes.
//! [`write_outputs`] writes them all through [`output_dir`], which stages them beside the
//! destination and swaps the folder into place only when every file succeeded, so a
//! folder of results is whole or absent.

pub mod armington;
pub mod canvas;
pub mod charts;
pub mod comparison;
pub mod csv_cells;
pub mod figures;
pub mod gsim;
pub mod guard;
pub mod latex;
pub mod layer_outputs;
pub mod markdown;
pub mod numbers;
pub mod output_dir;
pub mod palette;
pub mod tables;
pub mod tariff_path;
pub mod terminal;
pub mod timeline_chart;
pub mod titles;
pub mod workbook;

use crate::analysis::Outcome;
use crate::error::ReportError;
use crate::scenario::Scenario;
pub use output_dir::{MARKER, ReplacePolicy, write_atomically};
use std::path::Path;

/// Everything an output needs to know about a run.
pub struct RunReport<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// Its outcome.
    pub outcome: &'a Outcome,
    /// The command line that produced it, for the report.
    pub command: String,
    /// Program version.
    pub version: &'static str,
    /// Results of the optional analysis layers.
    pub layers: Layers,
    /// What the model reports beyond the importer's market.
    pub detail: ModelDetail<'a>,
    /// The scenario's policy in a line, for chart subtitles: read once (it walks every
    /// flow) by [`RunReport::policy_line`].
    pub policy_line: std::sync::OnceLock<String>,
}

/// What a model reports beyond the importer's market, read by that model's own sections
/// and files.
#[derive(Debug, Clone, Copy)]
pub enum ModelDetail<'a> {
    /// Nothing more (SMART: the importer's market is the whole model).
    Single,
    /// GSIM: every region's welfare, exports and world prices.
    Gsim(gsim::GsimDetail<'a>),
    /// Armington: the importer's own producers.
    Armington(armington::ArmingtonDetail<'a>),
}

/// Results of the analysis layers that a run enabled.
#[derive(Debug, Clone, Default)]
pub struct Layers {
    /// Monte-Carlo percentiles.
    pub uncertainty: Option<crate::analysis::monte_carlo::UncertaintyResult>,
    /// One-at-a-time sensitivity rows, largest swing first.
    pub sensitivity: Option<Vec<crate::analysis::sensitivity::SensitivityRow>>,
    /// Projection path.
    pub projection: Option<Vec<crate::analysis::projection::ProjectionYear>>,
    /// Tariff sweep.
    pub sweep: Option<crate::analysis::sweep::SweepResult>,
    /// The headline under each named elasticity set (SMART scenarios with HS6 products).
    pub elasticity_sets: Option<Vec<crate::analysis::elasticity_sets::SetRow>>,
    /// A dated scenario's tariff path over 2025–2026 (input side, from the schedule).
    pub tariff_path: Option<crate::schedule::timeline::TariffPath>,
}

impl RunReport<'_> {
    /// The scenario's policy in a line ([`titles::policy_line`]), computed once per run.
    pub fn policy_line(&self) -> &str {
        self.policy_line
            .get_or_init(|| titles::policy_line(self.scenario))
    }

    /// How values are shown in charts and text: US dollars become US$ million.
    pub fn scale(&self) -> ValueScale {
        ValueScale::for_unit(&self.scenario.currency_unit)
    }

    /// One-line source note for charts.
    pub fn source_line(&self) -> String {
        let model = match &self.scenario.model {
            crate::scenario::ModelChoice::Gsim { options: o, .. } => format!(
                "GSIM, {} form",
                match o.form {
                    crate::model::gsim::GsimForm::Linear => "linear",
                    crate::model::gsim::GsimForm::Levels => "levels",
                }
            ),
            crate::scenario::ModelChoice::Armington(_) => {
                "Armington with domestic production, levels form".to_string()
            }
            crate::scenario::ModelChoice::Smart(o) => format!(
                "SMART, {} diversion",
                match o.diversion {
                    crate::model::smart::DiversionMethod::CesShare => "CES-share",
                    crate::model::smart::DiversionMethod::LairdYeats => "Laird–Yeats",
                }
            ),
        };
        let data = self
            .scenario
            .provenance
            .files
            .first()
            .map(|f| {
                f.written
                    .rsplit('/')
                    .next()
                    .unwrap_or(&f.written)
                    .to_string()
            })
            .unwrap_or_default();
        format!(
            "Source: tariffsim {} simulation ({model}), scenario \"{}\"; base data {} ({}).",
            self.version, self.scenario.name, self.scenario.base_year, data
        )
    }
}

/// A divisor and label for showing values.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueScale {
    /// Values are divided by this.
    pub divisor: f64,
    /// Unit label after scaling ("US$ million").
    pub label: String,
}

impl ValueScale {
    /// US dollars are shown in millions; any other unit as it is.
    pub fn for_unit(unit: &str) -> Self {
        if unit.eq_ignore_ascii_case("usd") || unit == "US$" {
            ValueScale {
                divisor: 1e6,
                label: "US$ million".into(),
            }
        } else {
            ValueScale {
                divisor: 1.0,
                label: unit.to_string(),
            }
        }
    }

    /// Scales a value.
    pub fn apply(&self, v: f64) -> f64 {
        v / self.divisor
    }
}

/// One output file of a run.
pub trait Artifact {
    /// File name inside the output folder.
    fn file_name(&self) -> &'static str;
    /// The file's bytes: every artifact is rendered in memory and written by one checked
    /// writer ([`output_dir::Stage::put`]).
    fn render(&self, run: &RunReport<'_>) -> Result<Vec<u8>, ReportError>;
    /// The same bytes handed to `sink` in pieces, in order: by default the whole rendering
    /// at once; a table of a million rows overrides it so that its bytes are never all in
    /// memory.
    fn render_into(
        &self,
        run: &RunReport<'_>,
        sink: &mut dyn FnMut(&[u8]) -> Result<(), ReportError>,
    ) -> Result<(), ReportError> {
        sink(&self.render(run)?)
    }
    /// True when [`Artifact::render_into`] hands its bytes on in pieces (a table of a million
    /// rows): such a file is written while the others are rendered, and never held whole.
    fn streams(&self) -> bool {
        false
    }
}

/// The bytes a piecewise renderer hands to its sink, gathered whole (for
/// [`Artifact::render`] of an artifact that streams its pieces).
pub(crate) fn gathered(
    fill: impl FnOnce(&mut dyn FnMut(&[u8]) -> Result<(), ReportError>) -> Result<(), ReportError>,
) -> Result<Vec<u8>, ReportError> {
    let mut all = Vec::new();
    fill(&mut |piece| {
        all.extend_from_slice(piece);
        Ok(())
    })?;
    Ok(all)
}

/// The artifacts of a run, in writing order (the report last: it embeds the rest): the
/// model's own files, then those of the analysis layers, which every model shares. Each
/// chart is a PNG, followed by its SVG twin when the figure options ask for SVG.
pub fn run_artifacts(layers: &Layers, detail: &ModelDetail<'_>) -> Vec<Box<dyn Artifact + Sync>> {
    let formats: &[bool] = if canvas::options().svg {
        &[false, true]
    } else {
        &[false]
    };
    let mut list: Vec<Box<dyn Artifact + Sync>> = match detail {
        ModelDetail::Single | ModelDetail::Armington(_) => {
            let mut list: Vec<Box<dyn Artifact + Sync>> = vec![
                Box::new(tables::FlowsTable),
                Box::new(tables::ByExporterTable),
                Box::new(tables::ByProductTable),
                Box::new(tables::SummaryTable),
            ];
            for &svg in formats {
                list.push(Box::new(figures::ChangeByExporterChart { svg }));
                list.push(Box::new(figures::FocusProductsChart { svg }));
                list.push(Box::new(figures::MarketSharesChart { svg }));
                list.push(Box::new(figures::WelfareChart { svg }));
            }
            list
        }
        ModelDetail::Gsim(_) => gsim::artifacts(),
    };
    if layers.uncertainty.is_some() {
        list.push(Box::new(layer_outputs::UncertaintyTable));
    }
    if layers.sensitivity.is_some() {
        list.push(Box::new(layer_outputs::SensitivityTable));
        for &svg in formats {
            list.push(Box::new(layer_outputs::TornadoChart { svg }));
        }
    }
    if layers.projection.is_some() {
        list.push(Box::new(layer_outputs::ProjectionTable));
        for &svg in formats {
            list.push(Box::new(layer_outputs::ProjectionChart { svg }));
        }
    }
    if layers.sweep.is_some() {
        list.push(Box::new(layer_outputs::SweepTable));
        for &svg in formats {
            list.push(Box::new(layer_outputs::SweepChart { svg }));
        }
    }
    if layers.elasticity_sets.is_some() {
        list.push(Box::new(layer_outputs::ElasticitySetsTable));
    }
    if layers.tariff_path.is_some() {
        list.push(Box::new(tariff_path::TimelineTable));
        for &svg in formats {
            list.push(Box::new(tariff_path::TimelineChart { svg }));
        }
    }
    if !matches!(detail, ModelDetail::Gsim(_)) {
        list.push(Box::new(latex::HeadlineTable));
        list.push(Box::new(workbook::Workbook));
    }
    list.push(Box::new(markdown::MarkdownReport));
    list
}

/// The terminal summary of a run, in the model's own words.
pub fn summary(run: &RunReport<'_>) -> String {
    match run.detail {
        ModelDetail::Gsim(g) => gsim::summary(&gsim::GsimReport::of(run, g)),
        ModelDetail::Single | ModelDetail::Armington(_) => terminal::summary(run),
    }
}

/// Writes all artifacts of a run into `out_dir`, whole or not at all. The files that stream
/// are written while the others are rendered in parallel; the others are then written in
/// the list's order, and the folder's marker lists every file in that order. The error is
/// that of the first artifact in the list that fails, as if they were written one by one.
pub fn write_outputs(
    run: &RunReport<'_>,
    artifacts: &[Box<dyn Artifact + Sync>],
    out_dir: &Path,
    policy: ReplacePolicy,
) -> Result<(), ReportError> {
    use rayon::prelude::*;
    // Chart options live with the calling thread; renderers on other threads take them along.
    let options = canvas::options();
    write_atomically(out_dir, policy, |stage| {
        let render_all = || {
            artifacts
                .par_iter()
                .map(|a| (!a.streams()).then(|| canvas::with_options(options, || a.render(run))))
                .collect::<Vec<_>>()
        };
        let write_streamed = |stage: &mut output_dir::Stage| {
            let mut streamed = Vec::new();
            for a in artifacts.iter().filter(|a| a.streams()) {
                let result = stage.put_pieces(a.file_name(), |sink| a.render_into(run, sink));
                let failed = result.is_err();
                streamed.push(result);
                if failed {
                    break;
                }
            }
            streamed
        };
        let (streamed, rendered) = if rayon::current_thread_index().is_some() {
            // On a thread of the pool, which must not wait on pool work: one after the other.
            (write_streamed(stage), render_all())
        } else {
            std::thread::scope(|scope| {
                let rendering = scope.spawn(render_all);
                let streamed = write_streamed(stage);
                let rendered = rendering
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                (streamed, rendered)
            })
        };
        let mut streamed = streamed.into_iter();
        for (a, bytes) in artifacts.iter().zip(rendered) {
            match bytes {
                Some(bytes) => stage.put(a.file_name(), &bytes?)?,
                None => streamed.next().unwrap_or(Ok(()))?,
            }
        }
        let order: Vec<&str> = artifacts.iter().map(|a| a.file_name()).collect();
        stage.list_in_order(&order);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An artifact with fixed bytes, or failing; optionally streamed in two pieces, the second
    /// of which fails when `fails`.
    struct Test {
        name: &'static str,
        bytes: &'static [u8],
        fails: bool,
        streams: bool,
    }

    fn failure(name: &str) -> ReportError {
        ReportError::Write {
            path: name.into(),
            source: std::io::Error::other("refused by the test"),
        }
    }

    impl Artifact for Test {
        fn file_name(&self) -> &'static str {
            self.name
        }
        fn render(&self, run: &RunReport<'_>) -> Result<Vec<u8>, ReportError> {
            gathered(|sink| self.render_into(run, sink))
        }
        fn render_into(
            &self,
            _: &RunReport<'_>,
            sink: &mut dyn FnMut(&[u8]) -> Result<(), ReportError>,
        ) -> Result<(), ReportError> {
            let half = self.bytes.len() / 2;
            sink(&self.bytes[..half])?;
            if self.fails {
                return Err(failure(self.name));
            }
            sink(&self.bytes[half..])
        }
        fn streams(&self) -> bool {
            self.streams
        }
    }

    fn art(
        name: &'static str,
        bytes: &'static [u8],
        fails: bool,
        streams: bool,
    ) -> Box<dyn Artifact + Sync> {
        Box::new(Test {
            name,
            bytes,
            fails,
            streams,
        })
    }

    fn with_run(f: impl FnOnce(&RunReport<'_>)) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small/scenario.toml");
        let scenario = crate::scenario::load(&path).unwrap();
        let outcome = crate::analysis::simulate(&scenario).unwrap();
        f(&RunReport {
            scenario: &scenario,
            outcome: &outcome,
            command: "test".into(),
            version: crate::VERSION,
            layers: Layers::default(),
            detail: ModelDetail::Single,
            policy_line: Default::default(),
        })
    }

    fn scratch(tag: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!(
            "tariffsim-write-outputs-{tag}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn streamed_and_rendered_files_are_whole_and_listed_in_the_lists_order() {
        with_run(|run| {
            let root = scratch("order");
            let out = root.join("res");
            let list = [
                art("a.csv", b"a,b\n1,2\n", false, false),
                art("s.csv", b"streamed in two pieces\n", false, true),
                art("c.md", b"# report\n", false, false),
            ];
            // From a thread outside the pool, and from the only thread of a pool.
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .build()
                .unwrap();
            pool.install(|| write_outputs(run, &list, &out, ReplacePolicy::default()))
                .unwrap();
            write_outputs(run, &list, &out, ReplacePolicy::default()).unwrap();
            for a in &list {
                let want = gathered(|sink| a.render_into(run, sink)).unwrap();
                assert_eq!(std::fs::read(out.join(a.file_name())).unwrap(), want);
            }
            let marker = std::fs::read_to_string(out.join(MARKER)).unwrap();
            let listed: Vec<&str> = marker
                .lines()
                .filter_map(|l| l.strip_prefix("file: "))
                .collect();
            assert_eq!(listed, ["a.csv", "s.csv", "c.md"]);
            let _ = std::fs::remove_dir_all(&root);
        });
    }

    #[test]
    fn the_first_failing_artifact_in_the_list_is_the_error_and_nothing_is_left() {
        with_run(|run| {
            let root = scratch("fail");
            let out = root.join("res");
            let cases = [
                // A rendered file fails after a streamed one was written.
                (
                    vec![
                        art("s.csv", b"0123456789", false, true),
                        art("a.csv", b"1\n", false, false),
                        art("b.png", b"xx", true, false),
                        art("c.md", b"#\n", false, false),
                    ],
                    "b.png",
                ),
                // Both fail: the earlier one in the list is named, though the streamed one
                // is written first.
                (
                    vec![
                        art("a.csv", b"1\n", true, false),
                        art("s.csv", b"0123456789", true, true),
                    ],
                    "a.csv",
                ),
                (
                    vec![
                        art("a.csv", b"1\n", false, false),
                        art("s.csv", b"0123456789", true, true),
                        art("c.md", b"#\n", true, false),
                    ],
                    "s.csv",
                ),
            ];
            for (list, named) in cases {
                let r = write_outputs(run, &list, &out, ReplacePolicy::default());
                match r {
                    Err(ReportError::Write { path, .. }) => {
                        assert!(path.ends_with(named), "{path:?}")
                    }
                    other => panic!("{other:?}"),
                }
                assert!(!out.exists());
                let left: Vec<_> = std::fs::read_dir(&root).unwrap().flatten().collect();
                assert!(left.is_empty(), "{left:?}");
            }
            let _ = std::fs::remove_dir_all(&root);
        });
    }
}
