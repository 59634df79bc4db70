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
                  upcoming altcoins of the built-in list). Press ? inside for the keys.",
    after_long_help = "Examples:\n  \
                       prelist                     the watchlist screen, no network\n  \
                       prelist --poll              the screen, polling CoinGecko and the exchanges"
)]
pub struct Cli {
    /// Read the watchlist from FILE instead of the built-in list
    #[arg(long, value_name = "FILE", global = true)]
    pub watchlist: Option<PathBuf>,

    /// Also poll the market-data API, so coins flip to trading as they list
    #[arg(long, global = true)]
    pub poll: bool,

    /// Seconds between polls, 10 to 86400 [default: what the API plan allows for the
    /// watchlist: 60 without a key, 300 with a Demo key, 30 with a Pro key]
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

    /// Where state and the log are kept [default: $PRELIST_DATA_DIR, else
    /// $XDG_DATA_HOME/prelist, else ~/.local/share/prelist]
    #[arg(long, value_name = "DIR", global = true)]
    pub data_dir: Option<PathBuf>,

    /// No terminal notification or bell when a coin starts trading
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
    #[command(after_long_help = "Examples:\n  \
        prelist list --json --sort score --desc\n  \
        prelist list --status trading")]
    List(ListArgs),
    /// Look at every enabled source once, record any listing, print every coin's status
    #[command(after_long_help = "Examples:\n  \
        prelist check\n  \
        prelist check --json --deadline 60")]
    Check(CheckArgs),
    /// Poll every enabled source without a screen; print one line per event
    #[command(after_long_help = "Examples:\n  \
        prelist watch\n  \
        prelist watch --json | jq .message")]
    Watch(WatchArgs),
    /// Coins not on the watchlist that the sources show as scheduled, pre-market or newly listed
    #[command(after_long_help = "Examples:\n  \
        prelist discover\n  \
        prelist discover --json --status premarket")]
    Discover(DiscoverArgs),
    /// Market-id candidates for NAME from the API's search
    #[command(after_long_help = "Example:\n  prelist search nillion")]
    Search {
        /// The coin's name
        name: String,
    },
    /// Print the watchlist with its state
    #[command(after_long_help = "Examples:\n  \
        prelist export > backup.json\n  \
        prelist export --format csv > watchlist.csv")]
    Export {
        #[arg(long, value_enum, default_value = "json")]
        format: ExportFormat,
    },
    /// Print the effective settings and where each came from
    #[command(after_long_help = "Examples:\n  \
        prelist config\n  \
        prelist config --default > ~/.config/prelist/config.toml")]
    Config {
        /// Print a commented default config file instead
        #[arg(long)]
        default: bool,
    },
    /// Merge a watchlist file, or an export, into the watchlist (by market id, else name)
    #[command(after_long_help = "Examples:\n  \
        prelist import coins.json\n  \
        prelist export | prelist import -")]
    Import {
        /// The file to import; - reads standard input
        file: PathBuf,
    },
    /// Check what prelist needs: config, data dir, CoinGecko, exchanges, notifications
    #[command(after_long_help = "Examples:\n  \
        prelist doctor\n  \
        prelist doctor --json")]
    Doctor(DoctorArgs),
    /// Print a shell completion script
    #[command(after_long_help = "Examples:\n  \
        prelist completions bash > ~/.local/share/bash-completion/completions/prelist\n  \
        prelist completions zsh > ~/.zfunc/_prelist")]
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff)
    #[command(after_long_help = "Example:\n  \
        prelist manpage > ~/.local/share/man/man1/prelist.1")]
    Manpage,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print a JSON array of {check, ok, detail}
    #[arg(long)]
    pub json: bool,
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

#[derive(Debug, Args)]
pub struct DiscoverArgs {
    /// Print a JSON array, one object per row
    #[arg(long)]
    pub json: bool,

    /// Only rows with this status
    #[arg(long, value_name = "S")]
    pub status: Option<DiscoverStatus>,

    /// How many days a new listing stays a row, 1 to 365 [default: the config's
    /// display.discover_days, else 7]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=365))]
    pub days: Option<u32>,

    /// Give up on the sources after SECS seconds (at least 1), keeping what they answered by then
    #[arg(long, value_name = "SECS", default_value_t = CHECK_DEADLINE, value_parser = parse_deadline)]
    pub deadline: u64,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DiscoverStatus {
    Scheduled,
    Premarket,
    Listed,
}

impl From<DiscoverStatus> for crate::discover::Kind {
    fn from(s: DiscoverStatus) -> crate::discover::Kind {
        match s {
            DiscoverStatus::Scheduled => crate::discover::Kind::Scheduled,
            DiscoverStatus::Premarket => crate::discover::Kind::Premarket,
            DiscoverStatus::Listed => crate::discover::Kind::Listed,
        }
    }
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
    Premarket,
    Trading,
}

impl From<StatusArg> for StatusFilter {
    fn from(s: StatusArg) -> StatusFilter {
        match s {
            StatusArg::Upcoming => StatusFilter::Upcoming,
            StatusArg::Scheduled => StatusFilter::Scheduled,
            StatusArg::Premarket => StatusFilter::Premarket,
            StatusArg::Trading => StatusFilter::Trading,
        }
    }
}
