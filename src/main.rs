use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;

use prelist::app::App;
use prelist::cli::{Cli, Command, ListArgs};
use prelist::listing::Listings;
use prelist::model::Watchlist;
use prelist::view::{Filter, Sort};
use prelist::{list, tui};

/// Bad usage or an unreadable or invalid input file.
const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let watchlist = match &cli.watchlist {
        Some(path) => match Watchlist::load(path) {
            Ok(w) => w,
            Err(e) => return fail(EXIT_USAGE, &e.to_string()),
        },
        None => Watchlist::builtin(),
    };
    let listings = Listings::new();
    match cli.command {
        Some(Command::List(args)) => run_list(&watchlist, &listings, &args),
        None => run_tui(watchlist, listings),
    }
}

fn run_list(watchlist: &Watchlist, listings: &Listings, args: &ListArgs) -> ExitCode {
    let sort = Sort {
        column: args.sort,
        descending: args.desc,
    };
    let filter = Filter {
        text: args.filter.clone().unwrap_or_default(),
        status: args.status.map(Into::into).unwrap_or_default(),
        ..Filter::default()
    };
    let coins = list::select(&watchlist.coins, listings, sort, &filter);
    let out = if args.json {
        list::to_json(&coins, listings)
    } else {
        list::to_text(&coins, listings)
    };
    // A closed pipe (`prelist list | head`) is not an error worth a message.
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    ExitCode::SUCCESS
}

fn run_tui(watchlist: Watchlist, listings: Listings) -> ExitCode {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return fail(
            EXIT_USAGE,
            "the watchlist screen needs a terminal; use `prelist list` to print it",
        );
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(1, &format!("cannot start: {e}")),
    };
    match runtime.block_on(tui::run(App::new(watchlist, listings))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(1, &format!("terminal error: {e}")),
    }
}

fn fail(code: u8, message: &str) -> ExitCode {
    eprintln!("prelist: {message}");
    ExitCode::from(code)
}
