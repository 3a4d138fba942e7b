//! The `tariffsim` binary: parse the command line, call the library, map errors to an exit code.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Reports record the command as a user would type it, without this machine's binary path.
    let command_line = std::iter::once("tariffsim".to_string())
        .chain(std::env::args().skip(1))
        .collect::<Vec<_>>()
        .join(" ");
    let cli = tariffsim::cli::Cli::parse();
    match tariffsim::app::run(cli, command_line) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
