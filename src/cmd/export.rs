//! `prelist export`: the watchlist with its state, as JSON or CSV.

use super::{Context, print};
use crate::cli::ExportFormat;
use crate::error::Error;
use crate::view::{Filter, Sort};

pub fn run(cx: &Context, format: ExportFormat) -> Result<(), Error> {
    let portfolio = cx.settings.portfolio();
    let around = (&cx.state.listings, &cx.state.book, portfolio.as_ref());
    let coins = crate::list::select(
        &cx.watchlist.coins,
        around,
        Sort::default(),
        &Filter::default(),
    );
    let out = match format {
        ExportFormat::Json => crate::transfer::export_json(&coins, around),
        ExportFormat::Csv => crate::transfer::export_csv(&coins, around),
    };
    print(out.as_bytes());
    Ok(())
}
