//! The `prelist` binary: parse the command line, run it, map the outcome to
//! an exit code. Everything else lives in the library.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

// jemalloc gives freed pages back to the system (one arena, no thread
// caches, no decay: `.cargo/config.toml`), where glibc's malloc keeps its
// heap at the highest size it reached: at 20,000 coins, 35 MB resident
// rather than 55 for `prelist watch` (README, "Speed and footprint").
#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> ExitCode {
    let cli = prelist::cli::Cli::parse();
    match prelist::cmd::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Messages quote file names and file contents: no control
            // character of theirs reaches the terminal.
            let message = e.to_string();
            let lines: Vec<_> = message.lines().map(prelist::text::clean).collect();
            // A closed terminal or pipe is no reason to panic on the way out.
            let _ = writeln!(std::io::stderr(), "prelist: {}", lines.join("\n"));
            e.exit_code()
        }
    }
}
