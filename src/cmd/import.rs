//! `prelist import FILE`: a watchlist file or an export merged into the
//! user's watchlist and state.

use std::path::{Path, PathBuf};

use super::Context;
use crate::error::Error;
use crate::model::MAX_FILE_BYTES;
use crate::store::{StateStore, StoreError};
use crate::transfer;

pub fn run(cx: Context, file: &Path) -> Result<(), Error> {
    let Context {
        mut store,
        mut state,
        db,
        ..
    } = cx;
    let (text, shown) = if file == Path::new("-") {
        let shown = PathBuf::from("<standard input>");
        let text = crate::fs::read_text_from(std::io::stdin().lock(), MAX_FILE_BYTES)
            .map_err(|e| Error::usage(format!("cannot read {}: {e}", shown.display())))?;
        (text, shown)
    } else {
        let text = crate::fs::read_text(file, MAX_FILE_BYTES)
            .map_err(|e| Error::usage(format!("cannot read {}: {e}", file.display())))?;
        (text, file.to_path_buf())
    };
    let incoming = transfer::read_import(&text, &shown).map_err(Error::usage)?;
    // Merged into the watchlist as it is on disk now, under its lock, so an
    // import running beside another instance keeps both's coins.
    let (_, imported) = store
        .update(|coins| {
            let imported = transfer::merge_import(coins, &state.listings, incoming);
            let changed = imported.coins_changed;
            (imported, changed)
        })
        .map_err(|e| match e {
            // Too large to load again: the import itself is at fault.
            StoreError::WouldBeTooLarge { .. } | StoreError::Watchlist(_) => Error::usage(e),
            e => Error::failed(format!("watchlist not saved: {e}")),
        })?;
    if !imported.listings.is_empty() {
        state.listings = crate::merge::merge_listings(&state.listings, &imported.listings);
        db.save(&state)
            .map_err(|e| Error::failed(format!("could not save state: {e}")))?;
    }
    let c = imported.counts;
    let summary = format!(
        "{} added, {} updated, {} skipped ({})\n",
        c.added,
        c.updated,
        c.skipped,
        crate::text::clean(&store.path.display().to_string())
    );
    super::print(summary.as_bytes());
    Ok(())
}
