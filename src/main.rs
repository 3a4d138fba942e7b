//! The `tariffsim` binary: parse the command line, call the library, map errors to an exit code.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    tariffsim::app::return_large_blocks_when_freed();
    // Reports record the command as a user would type it, without this machine's binary path.
    let command_line = std::iter::once("tariffsim".to_string())
        .chain(std::env::args().skip(1))
        .collect::<Vec<_>>()
        .join(" ");
    let cli = tariffsim::cli::Cli::parse();
    tariffsim::app::remove_partial_output_on_interrupt();
    match tariffsim::app::run(cli, command_line) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A closed or full stderr must not turn an error into a panic.
            use std::io::Write as _;
            let _ = writeln!(
                std::io::stderr(),
                "error: {}",
                tariffsim::app::error_text(&e)
            );
            ExitCode::FAILURE
        }
    }
}
