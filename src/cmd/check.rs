//! `prelist check`: one look at the market API, any listing recorded, every
//! coin's status printed.

use super::list::print_coins;
use super::{Context, init_logging, provider, runtime};
use crate::cli::CheckArgs;
use crate::error::Error;
use crate::listing::apply_poll;
use crate::market::MarketProvider;
use crate::store;
use crate::view::{Filter, Sort};

pub fn run(mut cx: Context, args: &CheckArgs) -> Result<(), Error> {
    let provider = provider(&cx.settings)?;
    let _guard = init_logging(&cx.data_dir);
    let ids: Vec<String> = cx
        .watchlist
        .coins
        .iter()
        .filter_map(|c| c.poll_id().map(str::to_string))
        .collect();
    let quotes = if ids.is_empty() {
        Default::default()
    } else {
        runtime()?.block_on(provider.prices(&ids)).map_err(|e| {
            tracing::warn!("check failed: {e}");
            Error::Source(format!("check failed: {e}"))
        })?
    };
    let before = cx.listings.clone();
    let now = jiff::Timestamp::now().as_second();
    for listed in apply_poll(&cx.watchlist.coins, &mut cx.listings, &ids, &quotes, now) {
        let msg = listed.message();
        tracing::info!("{msg}");
        eprintln!("{msg}");
    }
    if cx.listings != before {
        cx.listings = store::save_state_merged(&cx.state_path(), &cx.listings)
            .map_err(|e| Error::failed(format!("could not save state: {e}")))?;
    }
    print_coins(
        &cx.watchlist,
        &cx.listings,
        Sort::default(),
        &Filter::default(),
        args.json,
    );
    Ok(())
}
