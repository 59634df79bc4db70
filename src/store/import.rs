//! Taking in the `state.json` of an older prelist: at the first open of the
//! state database, in one transaction, after which the file is renamed
//! `state.json.imported`. A file that does not load is left as it is, and
//! its error names it: nothing it holds is lost, and nothing is half taken.

use std::path::{Path, PathBuf};

use super::db::StateDb;
use super::rows;
use super::state::read_state;
use super::{STATE_JSON, StoreError};

/// What the JSON state file beside `db` is renamed to once taken in.
pub const IMPORTED_SUFFIX: &str = ".imported";

/// The JSON state file of an older prelist beside the database at `db`.
pub fn json_beside(db: &Path) -> PathBuf {
    db.with_file_name(STATE_JSON)
}

/// Takes the `state.json` beside `db` in, if there is one: its listings,
/// book, claims and alert marks merged with what the database holds (as
/// two instances' states merge, so a second import changes nothing), and
/// the larger of the two counts of each month's calls. Then renames it.
pub fn take_in_json(db: &StateDb) -> Result<(), StoreError> {
    let json = json_beside(db.path());
    match std::fs::symlink_metadata(&json) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        _ => {}
    }
    let (theirs, calls) = read_state(&json)?.into_parts();
    // Merged as another instance's save is; each month's count of calls
    // raised to the file's, in the same transaction.
    db.merge_in(&theirs, |tx| {
        for (month, by_plan) in &calls {
            for (plan, n) in by_plan {
                rows::raise_calls(tx, month, plan, *n)?;
            }
        }
        Ok(())
    })?;
    let mut done = json.clone().into_os_string();
    done.push(IMPORTED_SUFFIX);
    match std::fs::rename(&json, &done) {
        Ok(()) => tracing::info!(
            "{} was taken into {} and renamed {}",
            json.display(),
            db.path().display(),
            Path::new(&done).display()
        ),
        // Another instance took it in at the same moment, and renamed it.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        // Taken in again at the next start, which changes nothing.
        Err(e) => tracing::warn!(
            "{} was taken into {} but cannot be renamed: {e}",
            json.display(),
            db.path().display()
        ),
    }
    Ok(())
}
