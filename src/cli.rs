//! The command line, as clap derive structs.

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::view::{Column, StatusFilter};

#[derive(Debug, Parser)]
#[command(
    name = "prelist",
    version,
    about = "A terminal watchlist of crypto coins that have not started trading yet",
    long_about = "A terminal watchlist of crypto coins that have not started trading yet.\n\n\
                  With no command, opens the watchlist in the terminal (first run: the 14 \
                  upcoming altcoins of the built-in list). Press ? inside for the keys."
)]
pub struct Cli {
    /// Read the watchlist from FILE instead of the built-in list
    #[arg(long, value_name = "FILE", global = true)]
    pub watchlist: Option<PathBuf>,

    /// Also poll the market-data API, so coins flip to trading as they list
    #[arg(long, global = true)]
    pub poll: bool,

    /// Seconds between polls (at least 10) [default: 60]
    #[arg(long, value_name = "SECS", global = true, value_parser = parse_interval)]
    pub interval: Option<u64>,

    /// Base URL of a CoinGecko-compatible API [default: https://api.coingecko.com/api/v3,
    /// or the pro one with COINGECKO_PRO_API_KEY]
    #[allow(
        rustdoc::bare_urls,
        reason = "this is --help text, where <URL> would print as is"
    )]
    #[arg(long, value_name = "URL", global = true)]
    pub api_url: Option<String>,

    /// Where state is kept [default: $PRELIST_DATA_DIR, else the XDG data dir, prelist/]
    #[arg(long, value_name = "DIR", global = true)]
    pub data_dir: Option<PathBuf>,

    /// Do not ring the terminal bell when a coin starts trading
    #[arg(long, global = true)]
    pub no_bell: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The number only: the config checks its range, as it does the file's.
fn parse_interval(s: &str) -> Result<u64, String> {
    s.parse()
        .map_err(|_| format!("`{s}` is not a whole number of seconds"))
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the watchlist without the TUI, in the TUI's order
    List(ListArgs),
    /// Look at every enabled source once, record any listing, print every coin's status
    Check(CheckArgs),
    /// Poll every enabled source without a screen; print one line per event
    Watch(WatchArgs),
    /// Market-id candidates for NAME from the API's search
    Search {
        /// The coin's name
        name: String,
    },
    /// Print the watchlist with its state
    Export {
        #[arg(long, value_enum, default_value = "json")]
        format: ExportFormat,
    },
    /// Print the effective settings and where each came from
    Config {
        /// Print a commented default config file instead
        #[arg(long)]
        default: bool,
    },
    /// Merge a watchlist file, or an export, into the watchlist (by market id, else name)
    Import {
        /// The file to import; - reads standard input
        file: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Print each event as its JSON, one object per line
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Print a JSON array, the same objects as `list --json`
    #[arg(long)]
    pub json: bool,

    /// Give up on the API after SECS seconds (at least 1), keeping what it answered by then
    #[arg(long, value_name = "SECS", default_value_t = CHECK_DEADLINE, value_parser = parse_deadline)]
    pub deadline: u64,
}

/// How long `prelist check` waits for the API, in seconds, unless told.
pub const CHECK_DEADLINE: u64 = 30;

fn parse_deadline(s: &str) -> Result<u64, String> {
    match s.parse::<u64>() {
        Ok(0) => Err("the deadline must be at least 1 second".into()),
        Ok(secs) => Ok(secs),
        Err(_) => Err(format!("`{s}` is not a whole number of seconds")),
    }
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print a JSON array, one object per coin
    #[arg(long)]
    pub json: bool,

    /// Sort by this column [default: the config's display.sort, else rank]
    #[arg(long, value_name = "COLUMN",
          value_parser = PossibleValuesParser::new(Column::ALL.map(Column::key))
              .map(|s: String| Column::from_key(&s).expect("a listed column")))]
    pub sort: Option<Column>,

    /// Sort descending
    #[arg(long)]
    pub desc: bool,

    /// Only coins whose name, other names, ticker, category or narratives contain TEXT
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,

    /// Only coins with this status
    #[arg(long, value_name = "S")]
    pub status: Option<StatusArg>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StatusArg {
    Upcoming,
    Scheduled,
    Trading,
}

impl From<StatusArg> for StatusFilter {
    fn from(s: StatusArg) -> StatusFilter {
        match s {
            StatusArg::Upcoming => StatusFilter::Upcoming,
            StatusArg::Scheduled => StatusFilter::Scheduled,
            StatusArg::Trading => StatusFilter::Trading,
        }
    }
}
