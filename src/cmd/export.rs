//! `prelist export`: the watchlist with its state, as JSON or CSV.

use super::{Context, print};
use crate::cli::ExportFormat;
use crate::error::Error;
use crate::view::{Filter, Sort};

pub fn run(cx: &Context, format: ExportFormat) -> Result<(), Error> {
    let coins = crate::list::select(
        &cx.watchlist.coins,
        (&cx.state.listings, &cx.state.book),
        Sort::default(),
        &Filter::default(),
    );
    let out = match format {
        ExportFormat::Json => {
            crate::transfer::export_json(&coins, &cx.state.listings, &cx.state.book)
        }
        ExportFormat::Csv => {
            crate::transfer::export_csv(&coins, &cx.state.listings, &cx.state.book)
        }
    };
    print(out.as_bytes());
    Ok(())
}
