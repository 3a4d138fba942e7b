//! The commands, wired from the library's stages. Printing happens here and in `main` only.

use crate::analysis;
use crate::cli::{Cli, Command, RunArgs};
use crate::error::Error;
use crate::report::{self, RunReport};
use crate::scenario;
use std::path::Path;

/// Runs a parsed command line. `command_line` is recorded in reports.
pub fn run(cli: Cli, command_line: String) -> Result<(), Error> {
    match cli.command {
        Command::Run {
            scenario,
            out,
            quiet,
        } => run_scenario(&RunArgs::new(scenario, out, quiet, command_line)),
        Command::Validate { scenario } => {
            println!("{}", validate(&scenario)?);
            Ok(())
        }
    }
}

/// `tariffsim run`: load, simulate, write every output, print the summary.
pub fn run_scenario(args: &RunArgs) -> Result<(), Error> {
    let scenario = scenario::load(&args.scenario)?;
    let outcome = analysis::simulate(&scenario)?;
    let run = RunReport {
        scenario: &scenario,
        outcome: &outcome,
        command: args.command_line.clone(),
        version: crate::VERSION,
    };
    report::write_outputs(&run, &report::run_artifacts(), &args.out)?;
    if args.print_summary {
        print!("{}", report::terminal::summary(&run));
        println!(
            "  Wrote {}/ (report.md, 4 charts, 4 tables)",
            args.out.display()
        );
    }
    Ok(())
}

/// `tariffsim validate`: loads the scenario and describes what it found.
pub fn validate(path: &Path) -> Result<String, Error> {
    let s = scenario::load(path)?;
    let scale = report::ValueScale::for_unit(&s.currency_unit);
    let mut lines = vec![
        format!("{}: OK", path.display()),
        format!("  scenario        {}", s.name),
        format!("  importer        {}", s.importer),
        format!(
            "  focus exporter  {} ({:.1} {} of base trade)",
            s.focus_name(),
            scale.apply(
                s.markets
                    .iter()
                    .flat_map(|m| &m.flows)
                    .filter(|f| f.exporter == s.focus)
                    .map(|f| f.base_value)
                    .sum()
            ),
            scale.label
        ),
        format!("  products        {}", s.products.len()),
        format!(
            "  exporters       {} ({})",
            s.exporters.len(),
            s.exporters.join(", ")
        ),
        format!(
            "  flows           {}",
            s.markets.iter().map(|m| m.flows.len()).sum::<usize>()
        ),
        format!(
            "  total trade     {:.1} {}",
            scale.apply(s.total_trade()),
            scale.label
        ),
        format!(
            "  rules           {} before, {} policy",
            s.provenance.before_rules.len(),
            s.provenance.policy_rules.len()
        ),
    ];
    let changed = s
        .schedule
        .before
        .iter()
        .zip(&s.schedule.after)
        .filter(|(b, a)| (*b - *a).abs() > 0.0)
        .count();
    lines.push(format!(
        "  tariff changes  {changed} product × exporter rates differ before/after"
    ));
    for note in &s.provenance.elasticity_notes {
        lines.push(format!("  elasticities    {note}"));
    }
    Ok(lines.join("\n"))
}
