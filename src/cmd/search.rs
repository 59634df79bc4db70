//! `prelist search NAME`: market-id candidates from the API's search, laid
//! out as the lookup on screen lays them out.

use super::{Context, print, provider, runtime};
use crate::error::Error;
use crate::market::{CandidateColumns, MarketProvider, order_candidates};

pub fn run(cx: &Context, name: &str) -> Result<(), Error> {
    let provider = provider(&cx.settings)?;
    let found = runtime()?.block_on(provider.search(name));
    super::count_calls(&cx.db, &cx.settings, &provider);
    let found = found.map_err(|e| Error::Source(format!("search failed: {e}")))?;
    // A watched coin of that name puts candidates with its ticker first.
    let ticker = cx
        .watchlist
        .coins
        .iter()
        .find(|c| c.is_named(name))
        .and_then(|c| c.ticker.as_deref());
    let found = order_candidates(found, ticker);
    let columns = CandidateColumns::WIDE;
    let mut out = columns.header();
    out.push('\n');
    for c in &found {
        out.push_str(&columns.row(c));
        out.push('\n');
    }
    if found.is_empty() {
        super::say(&format!(
            "no candidates for \"{}\"",
            crate::text::clean(name)
        ));
    }
    print(out.as_bytes());
    Ok(())
}
