//! `prelist list`: the watchlist printed in the screen's order.

use super::{Context, print};
use crate::cli::ListArgs;
use crate::error::Error;
use crate::model::Watchlist;
use crate::view::{Filter, Sort};

pub fn run(cx: &Context, args: &ListArgs) -> Result<(), Error> {
    // The screen's order: the config's sort unless one is given here.
    let configured = cx.settings.sort.value;
    let sort = match args.sort {
        Some(column) => Sort {
            column,
            descending: args.desc,
        },
        None => Sort {
            column: configured.column,
            descending: configured.descending != args.desc,
        },
    };
    let filter = Filter {
        text: args.filter.clone().unwrap_or_default(),
        status: args.status.map(Into::into).unwrap_or_default(),
        ..Filter::default()
    };
    let portfolio = cx.settings.portfolio();
    print_coins(
        &cx.watchlist,
        (&cx.state.listings, &cx.state.book, portfolio.as_ref()),
        sort,
        &filter,
        args.json,
    );
    Ok(())
}

/// Prints the coins `filter` shows, in `sort` order: as JSON records or as
/// an aligned table.
pub fn print_coins(
    watchlist: &Watchlist,
    around: crate::view::Around<'_>,
    sort: Sort,
    filter: &Filter,
    json: bool,
) {
    let (listings, book, portfolio) = around;
    let coins = crate::list::select(&watchlist.coins, around, sort, filter);
    let out = if json {
        crate::list::to_json(&coins, listings, book, portfolio)
    } else {
        crate::list::to_text(&coins, around, jiff::Timestamp::now().as_second())
    };
    print(out.as_bytes());
}
