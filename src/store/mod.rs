//! Files under the data dir: where it is, and the stores the watcher's
//! runner reads and writes there: the state database (flips, prices, the
//! book, claims, alert marks, the month's API calls) and the user's
//! watchlist. Instances running at once never lose each other's changes:
//! the database has transactions, the watchlist a lock and a merge. A file
//! that fails to load is reported, never replaced. The primitives are in
//! [`crate::fs`].

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::fs::WriteError;
use crate::model::WatchlistError;

mod calls;
mod db;
mod dex;
mod dismissed;
mod import;
mod keys;
mod listings;
pub mod outbox;
mod premarket;
mod rows;
mod state;
mod watchlist;

pub use crate::state::State;
pub use calls::*;
pub use db::{BUSY_TIMEOUT, SCHEMA_VERSION, StateDb};
pub use import::{IMPORTED_SUFFIX, json_beside};
pub use keys::{key_first_used, note_key};
pub use state::*;
pub use watchlist::*;

/// The state database (see [`StateDb`]).
pub const STATE_FILE: &str = "state.db";
/// The JSON state file of older prelists, taken into the database at the
/// first start.
pub const STATE_JSON: &str = "state.json";
pub const WATCHLIST_FILE: &str = "watchlist.json";
pub const LOG_FILE: &str = "prelist.log";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no data directory: set PRELIST_DATA_DIR or pass --data-dir")]
    NoDataDir,
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: crate::fs::ReadError,
    },
    #[error("{path} is {size} bytes, more than the {max} a state file may be")]
    TooLarge { path: PathBuf, size: u64, max: u64 },
    #[error(
        "{path}, line {line}, column {column}: {message} (move the file aside to start afresh; \
         it is never overwritten while it cannot be read)"
    )]
    Json {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "{path}: version {found} is not supported (this prelist reads version {STATE_VERSION})"
    )]
    Version { path: PathBuf, found: u32 },
    #[error(
        "{path}: the listing of \"{id}\" {problem} (move the file aside to start afresh; it is \
         never overwritten while it cannot be read)",
        id = crate::text::clean(id)
    )]
    BadListing {
        path: PathBuf,
        id: String,
        problem: String,
    },
    #[error(
        "{path}: the calls counted for {month:?} {problem} (move the file aside to start \
         afresh; it is never overwritten while it cannot be read)",
        month = crate::text::clean(month)
    )]
    BadCalls {
        path: PathBuf,
        month: String,
        problem: String,
    },
    #[error(
        "{path}: the event told as {key:?} {problem} (move the file aside to start afresh; it \
         is never overwritten while it cannot be read)"
    )]
    BadClaim {
        path: PathBuf,
        key: String,
        problem: String,
    },
    #[error(
        "{path}: the price alert memo of \"{id}\" {problem} (move the file aside to start afresh; \
         it is never overwritten while it cannot be read)",
        id = crate::text::clean(id)
    )]
    BadAlert {
        path: PathBuf,
        id: String,
        problem: String,
    },
    #[error(
        "{path} would be {size} bytes, more than the {max} it may be to load again; nothing was \
         written"
    )]
    WouldBeTooLarge { path: PathBuf, size: u64, max: u64 },
    #[error("{path}: {message}{hint}")]
    Db {
        path: PathBuf,
        message: String,
        hint: &'static str,
    },
    #[error(
        "{path}: schema version {found} is not supported (this prelist reads version \
         {SCHEMA_VERSION} and older); it was left as it is"
    )]
    DbVersion { path: PathBuf, found: i64 },
    #[error(
        "{path}: the book of {exchange:?} {problem} (move the file aside to start afresh; it is \
         never overwritten while it cannot be read)"
    )]
    BadBook {
        path: PathBuf,
        exchange: String,
        problem: String,
    },
    #[error(transparent)]
    File(#[from] WriteError),
    #[error("{0}")]
    Watchlist(#[from] WatchlistError),
    /// A save found the watchlist changed on disk by another instance, and
    /// no longer loading.
    #[error("{0}; it changed on disk and was not overwritten: your change is kept here only")]
    ChangedOnDisk(WatchlistError),
}

/// The data dir: `--data-dir` (`flag`), else `PRELIST_DATA_DIR` (`env`),
/// else the XDG data dir (`$XDG_DATA_HOME/prelist`, by default
/// `~/.local/share/prelist`).
pub fn data_dir(flag: Option<&Path>, env: Option<&OsStr>) -> Result<PathBuf, StoreError> {
    if let Some(dir) = flag {
        return Ok(dir.to_path_buf());
    }
    if let Some(dir) = env {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "prelist")
        .map(|d| d.data_dir().to_path_buf())
        .ok_or(StoreError::NoDataDir)
}

/// The file a running screen or `prelist watch` holds a shared lock on for
/// as long as it runs, so `prelist doctor` can tell whether one does.
pub const RUNNING_FILE: &str = ".prelist.running";

/// Marks this process as running on `dir` until the returned file is
/// dropped (closing it releases the lock, even when the process is killed).
/// `None` when it cannot: nothing depends on it but the doctor's answer.
pub fn hold_running(dir: &Path) -> Option<std::fs::File> {
    let file = open_running(dir)?;
    file.lock_shared().ok()?;
    Some(file)
}

/// Whether a screen or `prelist watch` runs on `dir`; `None` when it
/// cannot be told.
pub fn others_running(dir: &Path) -> Option<bool> {
    let file = open_running(dir)?;
    match file.try_lock() {
        Ok(()) => Some(false),
        Err(std::fs::TryLockError::WouldBlock) => Some(true),
        Err(std::fs::TryLockError::Error(_)) => None,
    }
}

/// The running file, made if missing; a regular file only, opened without
/// blocking (a FIFO there must not hang anyone).
fn open_running(dir: &Path) -> Option<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(dir.join(RUNNING_FILE))
        .ok()?;
    file.metadata().ok()?.is_file().then_some(file)
}

/// Where the state is kept, as the watcher's runner sees it: the one
/// narrow door to it, so what keeps it (the state database) can change
/// without the rest of the code knowing.
pub trait StateStore: Send + Sync + 'static {
    /// The state as stored; empty when nothing is stored yet.
    fn load(&self) -> Result<State, StoreError>;

    /// Stores `state`, merged with what another instance stored since (its
    /// listings and claims kept); returns what is stored now.
    fn save(&self, state: &State) -> Result<State, StoreError>;

    /// Whether another instance stored something since this one last
    /// loaded or saved. Cheap (reads no file when nothing changed), so a
    /// loop may ask often; [`StateStore::load`] then reads what changed.
    fn changed(&self) -> bool;
}

/// Opens the state database at `path` (see [`StateDb::open`]) and takes
/// in a `state.json` beside it, as every command does at start.
pub fn open_state(path: &Path) -> Result<std::sync::Arc<StateDb>, StoreError> {
    let db = StateDb::open(path)?;
    import::take_in_json(&db)?;
    Ok(std::sync::Arc::new(db))
}

/// A database error, naming the file; one that says the file is not a
/// database (or is damaged) says what to do about it.
pub(crate) fn db_error(path: &Path, e: rusqlite::Error) -> StoreError {
    use rusqlite::ErrorCode;
    let broken = matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
    );
    StoreError::Db {
        path: path.to_path_buf(),
        message: crate::text::clean(&e.to_string()).into_owned(),
        hint: if broken {
            " (move it aside to start afresh; it is never overwritten while it cannot be read)"
        } else {
            ""
        },
    }
}

#[cfg(test)]
mod tests;
