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

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the watchlist without the TUI, in the TUI's order
    List(ListArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print a JSON array, one object per coin
    #[arg(long)]
    pub json: bool,

    /// Sort by this column
    #[arg(long, value_name = "COLUMN", default_value = "rank",
          value_parser = PossibleValuesParser::new(Column::ALL.map(Column::key))
              .map(|s: String| Column::from_key(&s).expect("a listed column")))]
    pub sort: Column,

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
    Trading,
}

impl From<StatusArg> for StatusFilter {
    fn from(s: StatusArg) -> StatusFilter {
        match s {
            StatusArg::Upcoming => StatusFilter::Upcoming,
            StatusArg::Trading => StatusFilter::Trading,
        }
    }
}
