//! `prelist import FILE`: a watchlist file or an export merged into the
//! user's watchlist and state.

use std::path::{Path, PathBuf};

use super::Context;
use crate::error::Error;
use crate::store;
use crate::transfer;

pub fn run(mut cx: Context, file: &Path) -> Result<(), Error> {
    let (text, shown) = if file == Path::new("-") {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin().lock(), &mut text)
            .map_err(|e| Error::usage(format!("cannot read standard input: {e}")))?;
        (text, PathBuf::from("<standard input>"))
    } else {
        let bytes = std::fs::read(file)
            .map_err(|e| Error::usage(format!("cannot read {}: {e}", file.display())))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::usage(format!("cannot read {}: not UTF-8 text", file.display())))?;
        (text, file.to_path_buf())
    };
    let (coins, incoming) = transfer::read_import(&text, &shown).map_err(Error::usage)?;
    let counts = transfer::merge_import(&mut cx.watchlist.coins, coins);
    if counts.added + counts.updated > 0 {
        cx.store
            .save(&cx.watchlist)
            .map_err(|e| Error::failed(format!("watchlist not saved: {e}")))?;
    }
    let merged = crate::merge::merge_listings(&cx.listings, &incoming);
    if merged != cx.listings {
        store::save_state_merged(&cx.state_path(), &merged)
            .map_err(|e| Error::failed(format!("could not save state: {e}")))?;
    }
    println!(
        "{} added, {} updated, {} skipped ({})",
        counts.added,
        counts.updated,
        counts.skipped,
        cx.store.path.display()
    );
    Ok(())
}
