//! Command-line arguments: the raw clap stage ([`Cli`]) and the validated stage
//! ([`RunArgs`]) that the application works from.

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Simulate tariff agreements with partial-equilibrium trade models (SMART).
#[derive(Debug, Parser)]
#[command(
    name = "tariffsim",
    version,
    about,
    after_help = "Examples:\n  \
        tariffsim run scenarios/us-pakistan-2025-deal.toml\n  \
        tariffsim run scenarios/us-2026-section-301.toml --out results/s301\n  \
        tariffsim validate scenarios/us-reciprocal-2025.toml\n\n\
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
        change_by_exporter.png, focus_products.png, market_shares.png, welfare.png, report.md"
    )]
    Run {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// Output folder (default: output/<scenario file stem>).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Do not print the summary.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Check a scenario and its data without running it; print what was found.
    Validate {
        /// The scenario file (TOML).
        scenario: PathBuf,
    },
}

/// Validated arguments of `run`.
#[derive(Debug, Clone, PartialEq)]
pub struct RunArgs {
    /// Scenario file.
    pub scenario: PathBuf,
    /// Output folder, resolved.
    pub out: PathBuf,
    /// Print the summary.
    pub print_summary: bool,
    /// The command line as typed, for the report.
    pub command_line: String,
}

impl RunArgs {
    /// Resolves defaults: the output folder is `output/<stem>` when not given.
    pub fn new(scenario: PathBuf, out: Option<PathBuf>, quiet: bool, command_line: String) -> Self {
        let out = out.unwrap_or_else(|| {
            let stem = scenario
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "scenario".into());
            PathBuf::from("output").join(stem)
        });
        RunArgs {
            scenario,
            out,
            print_summary: !quiet,
            command_line,
        }
    }
}
