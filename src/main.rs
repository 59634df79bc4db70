//! The `prelist` binary: parse the command line, run it, map the outcome to
//! an exit code. Everything else lives in the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = prelist::cli::Cli::parse();
    match prelist::cmd::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("prelist: {e}");
            e.exit_code()
        }
    }
}
