//! Command-line arguments: the raw clap stage ([`Cli`]) and the validated stage
//! ([`RunArgs`]) that the application works from.

use crate::scenario::layers::{parse_percent as percent, parse_whole_number as whole};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Simulate tariff agreements with partial-equilibrium trade models (SMART).
#[derive(Debug, Parser)]
#[command(
    name = "tariffsim",
    version,
    about,
    after_help = "Examples:\n  \
        tariffsim run scenarios/us-pakistan-deal-collected.toml\n  \
        tariffsim run scenarios/us-2026-section-301.toml --out results/s301\n  \
        tariffsim validate scenarios/us-reciprocal-2025.toml\n  \
        tariffsim sweep scenarios/us-2026-section-301.toml --exporter PAK --from 0 --to 20 --step 0.5\n  \
        tariffsim compare scenarios/us-pakistan-deal-collected.toml scenarios/us-pakistan-deal-vs-threat.toml\n\n\
        The scenario format is documented in docs/scenario-format.md."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a scenario and write tables, charts and a report.
    #[command(
        after_help = "Writes output/<scenario file stem>/ unless --out is given:\n  \
        flows.csv, by_exporter.csv, by_product.csv, summary.csv,\n  \
        change_by_exporter.png, focus_products.png, market_shares.png, welfare.png,
  \
        results.xlsx (the tables in one workbook), report.md;
  \
        a dated scenario ([tariffs] before/after dates) also tariff_timeline.csv and .png;\n  \
        with --format png,svg, an .svg beside every .png (charts are 16 cm wide; --dpi sets the PNG resolution)"
    )]
    Run {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Output folder (default: output/<scenario file stem>).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Do not print the summary or show progress.
        #[arg(long, short)]
        quiet: bool,
        /// Monte-Carlo draws (overrides [uncertainty] draws; 0 turns uncertainty off).
        #[arg(long, value_name = "N", value_parser = whole::<usize>)]
        draws: Option<usize>,
        /// Random seed of the Monte-Carlo draws (overrides [uncertainty] seed).
        #[arg(long, value_name = "S", value_parser = whole::<u64>)]
        seed: Option<u64>,
        /// Replace an earlier run's folder even if it holds other files (they are kept).
        #[arg(long)]
        force: bool,
        /// What-if without editing the file: set an exporter's additional duty, in percent,
        /// on top of the scenario's after state (Pakistan=15, PAK=15, Pakistan:61=10 for
        /// chapter 61). Repeatable; applied in order.
        #[arg(long = "set", value_name = "EXPORTER[:HS]=PCT", value_parser = crate::scenario::quick_set::parse)]
        set: Vec<crate::scenario::quick_set::QuickSet>,
        /// Chart resolution and formats.
        #[command(flatten)]
        figures: FigureArgs,
    },
    /// Run a scenario while sweeping one exporter's additional tariff over a range.
    #[command(
        after_help = "Writes output/<stem>-sweep-<exporter>/ with the run's outputs plus sweep.csv and sweep.png.\n\
        The exporter may be written as in the data (Pakistan) or as an ISO code (PAK).\n\
        Arguments override the scenario's [sweep] table; --draws adds a 5–95% band."
    )]
    Sweep {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Exporter whose additional tariff is swept.
        #[arg(long)]
        exporter: Option<String>,
        /// First additional tariff, percent.
        #[arg(long, value_name = "PCT", value_parser = percent)]
        from: Option<f64>,
        /// Last additional tariff, percent.
        #[arg(long, value_name = "PCT", value_parser = percent)]
        to: Option<f64>,
        /// Step, percentage points.
        #[arg(long, value_name = "PTS", value_parser = percent)]
        step: Option<f64>,
        /// Monte-Carlo draws per rate for an uncertainty band (needs [uncertainty]).
        #[arg(long, value_name = "N", value_parser = whole::<usize>)]
        draws: Option<usize>,
        /// Random seed.
        #[arg(long, value_name = "S", value_parser = whole::<u64>)]
        seed: Option<u64>,
        /// Output folder.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Do not print the summary or show progress.
        #[arg(long, short)]
        quiet: bool,
        /// Replace an earlier run's folder even if it holds other files (they are kept).
        #[arg(long)]
        force: bool,
        /// Chart resolution and formats.
        #[command(flatten)]
        figures: FigureArgs,
    },
    /// Run several scenarios and compare their headline results side by side.
    #[command(
        after_help = "Writes output/compare-<stems>/: comparison.csv, compare_focus.png,\n\
        compare_exporters.png and report.md."
    )]
    Compare {
        /// Two or more scenario files.
        #[arg(num_args = 2.., required = true)]
        scenarios: Vec<PathBuf>,
        /// Output folder.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Replace an earlier run's folder even if it holds other files (they are kept).
        #[arg(long)]
        force: bool,
        /// Short names for the scenarios in charts and tables, one per scenario in order,
        /// comma-separated (default: the file names).
        #[arg(long = "label", value_name = "NAMES", value_delimiter = ',')]
        labels: Vec<String>,
        /// Chart resolution and formats.
        #[command(flatten)]
        figures: FigureArgs,
    },
    /// Write a commented starter scenario NAME.toml on the shipped US data (never overwrites).
    #[command(
        after_help = "Then: tariffsim validate NAME.toml, and tariffsim run NAME.toml.\n\
        Data paths in the file are relative to it when it lies inside the tariffsim project, absolute otherwise."
    )]
    New {
        /// Name of the scenario; the file is NAME.toml.
        name: String,
        /// Folder to write it in (default: the current folder).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Check a scenario and its data without running it; print what was found.
    Validate {
        /// The scenario file (TOML).
        scenario: PathBuf,
    },
    /// Print and write the US additional tariff in force on a date of 2025–2026, per partner
    /// (weighted by 2024 imports) and per HS6 line.
    #[command(after_help = "Writes output/rates-<date>/ unless --out is given:\n  \
        additional_by_partner.csv and schedule_hs6.csv (every HS6 x partner line; with\n  \
        --exporter, that exporter's lines only).\n\
        With --timeline instead of --date, writes output/rates-timeline-<exporter>/:\n  \
        tariff_timeline.csv and tariff_timeline.png, the exporter's rate over 2025-2026\n  \
        (default Pakistan) beside the six partners whose US imports are most alike.\n\
        The measures and data are in scenarios/data/us_schedule/ (see docs/data-sources.md).")]
    Rates {
        /// The date, YYYY-MM-DD (2025-01-01 to 2026-12-31).
        #[arg(
            long,
            required_unless_present = "timeline",
            conflicts_with = "timeline"
        )]
        date: Option<String>,
        /// Every date of 2025-2026 instead of one: the trade-weighted rate as a step line
        /// with the measures that move the exporter's rate.
        #[arg(long)]
        timeline: bool,
        /// One exporter (name, ISO code or Census code): also print its products; with
        /// --timeline, the focus of the chart (default Pakistan).
        #[arg(long)]
        exporter: Option<String>,
        /// Output folder (default: output/rates-<date> or output/rates-timeline-<exporter>).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// The schedule's data folder.
        #[arg(long, value_name = "DIR", default_value = crate::schedule::DATA_DIR)]
        data: PathBuf,
        /// Replace an earlier run's folder even if it holds other files (they are kept).
        #[arg(long)]
        force: bool,
        /// Chart resolution and formats.
        #[command(flatten)]
        figures: FigureArgs,
    },
    /// Turn UN Comtrade and WITS downloads into the project's data files and, with
    /// --scenario, a starter scenario.
    #[command(
        after_help = "Writes the --out folder (default scenarios/<NAME>, or imported/):\n  \
        trade.csv, applied_tariffs.csv (with --wits-tariffs), focus_to_mfn.csv (with --focus and\n  \
        MFN rates), elasticities.csv and NAME.toml (with --scenario), import_notes.md.\n\
        Example:\n  \
        tariffsim import --comtrade eu_imports.csv --wits-tariffs eu_tariffs.csv --focus PAK --scenario pak-eu\n\
        Which options to pick on each download site: docs/import.md."
    )]
    Import {
        /// A UN Comtrade download (data portal/API or legacy layout).
        #[arg(long, value_name = "FILE")]
        comtrade: Option<PathBuf>,
        /// A WITS trade-data download (instead of --comtrade).
        #[arg(long, value_name = "FILE")]
        wits_trade: Option<PathBuf>,
        /// A WITS tariff download (TRAINS: AHS, MFN, PRF by product and partner).
        #[arg(long, value_name = "FILE")]
        wits_tariffs: Option<PathBuf>,
        /// The Comtrade file holds the partners' reported exports to the importer (mirror data).
        #[arg(long)]
        mirror: bool,
        /// Keep only this HS level (2, 4 or 6) of a file that mixes levels.
        #[arg(long, value_name = "N", value_parser = whole::<usize>)]
        hs_level: Option<usize>,
        /// The focus exporter: ISO alpha-3 code, M49 code or name (PAK, 586, Pakistan).
        #[arg(long, value_name = "EXPORTER")]
        focus: Option<String>,
        /// Also write a starter scenario NAME.toml.
        #[arg(long, value_name = "NAME")]
        scenario: Option<String>,
        /// Importer-specific import demand elasticities (CSV: country, HS code, elasticity).
        #[arg(long, value_name = "FILE")]
        import_demand: Option<PathBuf>,
        /// Write 0% (marked ASSUMPTION) where the tariff file has no rate, instead of refusing.
        #[arg(long)]
        allow_missing_tariffs: bool,
        /// Output folder.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Replace the files an earlier import wrote in the folder (other files are kept).
        #[arg(long)]
        force: bool,
    },
}

/// How charts are written: `--dpi` and `--format`.
#[derive(Debug, Clone, Default, PartialEq, clap::Args)]
pub struct FigureArgs {
    /// Resolution of the PNG charts in dots per inch (72 to 600; default 150, 300 for print).
    /// Charts are 16 cm wide, with text of 8 pt or more at that width.
    #[arg(long, value_name = "DPI", value_parser = clap::value_parser!(u32).range(72..=600))]
    pub dpi: Option<u32>,
    /// Chart formats, comma-separated: png, svg (e.g. --format png,svg). PNG is always
    /// written (report.md shows it); svg adds a vector copy of every chart.
    #[arg(long = "format", value_name = "FORMATS", value_delimiter = ',', value_parser = ["png", "svg"])]
    pub formats: Vec<String>,
}

impl FigureArgs {
    /// The figure options these arguments ask for.
    pub fn options(&self) -> crate::report::canvas::FigureOptions {
        crate::report::canvas::FigureOptions {
            dpi: self.dpi.unwrap_or(crate::report::canvas::DEFAULT_DPI),
            svg: self.formats.iter().any(|f| f == "svg"),
        }
    }
}

impl Command {
    /// The chart options of a command that writes charts (defaults otherwise).
    pub fn figure_options(&self) -> crate::report::canvas::FigureOptions {
        match self {
            Command::Run { figures, .. }
            | Command::Sweep { figures, .. }
            | Command::Compare { figures, .. }
            | Command::Rates { figures, .. } => figures.options(),
            _ => crate::report::canvas::FigureOptions::default(),
        }
    }
}

/// A sweep requested on the command line (each part overrides the scenario's `[sweep]`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SweepArgs {
    /// Exporter name or ISO code.
    pub exporter: Option<String>,
    /// First rate, percent.
    pub from: Option<f64>,
    /// Last rate, percent.
    pub to: Option<f64>,
    /// Step, points.
    pub step: Option<f64>,
}

/// Validated arguments of `run` and `sweep`.
#[derive(Debug, Clone, PartialEq)]
pub struct RunArgs {
    /// Scenario file.
    pub scenario: PathBuf,
    /// Output folder, resolved.
    pub out: PathBuf,
    /// Print the summary and show progress.
    pub print_summary: bool,
    /// Monte-Carlo draws override.
    pub draws: Option<usize>,
    /// Seed override.
    pub seed: Option<u64>,
    /// Sweep request (`tariffsim sweep`).
    pub sweep: Option<SweepArgs>,
    /// The command line as typed, for the report.
    pub command_line: String,
    /// How an existing output folder may be replaced.
    pub replace: crate::report::ReplacePolicy,
    /// `--set` what-ifs applied on top of the scenario's after state.
    pub sets: Vec<crate::scenario::quick_set::QuickSet>,
}

/// The file stem of a scenario path, safe as part of a folder name.
pub fn stem(path: &std::path::Path) -> String {
    path.file_stem()
        .map(|s| path_safe(&s.to_string_lossy()))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "scenario".into())
}

/// A name made safe for use inside a folder name: letters, digits, `_` and inner `.` are
/// kept, anything else becomes one `-`, so `../x` or `a/b` can never leave the folder it
/// is meant for. At most 60 characters.
pub fn path_safe(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_alphanumeric() || c == '_' || (c == '.' && !out.is_empty() && !out.ends_with('.')) {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
        if out.chars().count() >= 60 {
            break;
        }
    }
    out.trim_matches(['-', '.']).to_string()
}

/// The default folder of a sweep: `output/<stem>-sweep-<exporter>`. The exporter is typed
/// by the user, so it names a folder only once made safe.
pub fn sweep_out_dir(scenario: &std::path::Path, exporter: Option<&str>) -> PathBuf {
    let label = exporter
        .map(|e| path_safe(&e.to_lowercase()))
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| "sweep".into());
    PathBuf::from("output").join(format!("{}-sweep-{label}", stem(scenario)))
}

impl RunArgs {
    /// Resolves defaults: the output folder is `output/<stem>` when not given.
    pub fn new(scenario: PathBuf, out: Option<PathBuf>, quiet: bool, command_line: String) -> Self {
        let out = out.unwrap_or_else(|| PathBuf::from("output").join(stem(&scenario)));
        RunArgs {
            scenario,
            out,
            print_summary: !quiet,
            draws: None,
            seed: None,
            sweep: None,
            command_line,
            replace: crate::report::ReplacePolicy::default(),
            sets: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_paths_cannot_escape() {
        for bad in [
            "../../etc",
            "a/b",
            "..",
            ".",
            "x\\..\\y",
            "/abs",
            "a\nb",
            "",
        ] {
            let safe = path_safe(bad);
            assert!(
                !safe.contains(['/', '\\']) && safe != ".." && safe != ".",
                "{bad:?} -> {safe:?}"
            );
            assert!(!safe.starts_with('.'), "{bad:?} -> {safe:?}");
        }
        assert_eq!(path_safe("Pakistan"), "Pakistan");
        assert_eq!(path_safe("us-2026.v2"), "us-2026.v2");
        assert_eq!(path_safe("Rest of world"), "Rest-of-world");
        assert_eq!(stem(std::path::Path::new("dir/..toml")), "scenario");
    }

    #[test]
    fn a_sweep_folder_stays_inside_output() {
        use std::path::{Component, Path};
        for e in ["../../escape", "PAK/../../x", "..", "/etc", "a\\..\\b"] {
            let out = sweep_out_dir(Path::new("s/deal.toml"), Some(e));
            let parts: Vec<Component> = out.components().collect();
            assert_eq!(parts.len(), 2, "{e:?} -> {}", out.display());
            assert_eq!(parts[0], Component::Normal("output".as_ref()));
            assert!(
                matches!(parts[1], Component::Normal(_)),
                "{e:?} -> {}",
                out.display()
            );
        }
        assert_eq!(
            sweep_out_dir(Path::new("s/deal.toml"), Some("Rest of world")),
            Path::new("output/deal-sweep-rest-of-world")
        );
    }
}
