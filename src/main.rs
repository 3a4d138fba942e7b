//! The `tariffsim` binary: parse the command line, call the library, map errors to an exit code.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let command_line = std::env::args().collect::<Vec<_>>().join(" ");
    let cli = tariffsim::cli::Cli::parse();
    match tariffsim::app::run(cli, command_line) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
