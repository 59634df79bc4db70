//! Files under the data dir: where it is, the state file (flips and prices),
//! and atomic writes. A file that fails to load is reported, never replaced.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::listing::{Listing, Listings};
use crate::merge::{merge_listings, merge3};
use crate::model::{Coin, Watchlist, WatchlistError};

pub const STATE_FILE: &str = "state.json";
pub const WATCHLIST_FILE: &str = "watchlist.json";
pub const LOG_FILE: &str = "prelist.log";
pub const STATE_VERSION: u32 = 1;
/// A state file larger than this is refused: a real one is a few kilobytes.
pub const MAX_STATE_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no data directory: set PRELIST_DATA_DIR or pass --data-dir")]
    NoDataDir,
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
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
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The data dir: `--data-dir`, else `PRELIST_DATA_DIR`, else the XDG data
/// dir (`$XDG_DATA_HOME/prelist`, by default `~/.local/share/prelist`).
pub fn data_dir(flag: Option<&Path>) -> Result<PathBuf, StoreError> {
    if let Some(dir) = flag {
        return Ok(dir.to_path_buf());
    }
    if let Some(dir) = std::env::var_os("PRELIST_DATA_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "prelist")
        .map(|d| d.data_dir().to_path_buf())
        .ok_or(StoreError::NoDataDir)
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateFile {
    version: u32,
    /// Sorted, so the file is stable from one write to the next.
    listings: BTreeMap<String, Listing>,
}

/// Loads the state file; a missing one is an empty state.
pub fn load_state(path: &Path) -> Result<Listings, StoreError> {
    let read_err = |source| StoreError::Read {
        path: path.to_path_buf(),
        source,
    };
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Listings::new()),
        Err(e) => return Err(read_err(e)),
    };
    if meta.len() > MAX_STATE_BYTES {
        return Err(StoreError::TooLarge {
            path: path.to_path_buf(),
            size: meta.len(),
            max: MAX_STATE_BYTES,
        });
    }
    let text = std::fs::read_to_string(path).map_err(read_err)?;
    let state: StateFile = serde_json::from_str(&text).map_err(|e| StoreError::Json {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: crate::model::json_message(&e),
    })?;
    if state.version != STATE_VERSION {
        return Err(StoreError::Version {
            path: path.to_path_buf(),
            found: state.version,
        });
    }
    Ok(state.listings.into_iter().collect())
}

/// Writes the state file atomically, after merging in what another
/// instance recorded since (its flips are kept, never overwritten). Returns
/// the listings written. A state file that no longer loads is not replaced.
pub fn save_state_merged(path: &Path, listings: &Listings) -> Result<Listings, StoreError> {
    let on_disk = load_state(path)?;
    let merged = merge_listings(listings, &on_disk);
    save_state(path, &merged)?;
    Ok(merged)
}

/// Writes the state file atomically, as it is.
pub fn save_state(path: &Path, listings: &Listings) -> Result<(), StoreError> {
    let state = StateFile {
        version: STATE_VERSION,
        listings: listings
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&state).expect("state serialises");
    text.push('\n');
    write_atomic(path, text.as_bytes())
}

/// Writes `bytes` to `path` so that a reader sees the old file or the new
/// one, never a mix: a temporary file in the same directory, fsync, rename,
/// then fsync of the directory so the rename itself survives a power cut.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    write_atomic_with(path, bytes, || Ok(()))
}

/// `write_atomic` with a step run between the fsync and the rename, where a
/// crash would hurt most: tests use it to fail there and check the old file.
pub fn write_atomic_with(
    path: &Path,
    bytes: &[u8],
    before_rename: impl FnOnce() -> std::io::Result<()>,
) -> Result<(), StoreError> {
    let write_err = |source| StoreError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(write_err)?;
    remove_stale_temp_files(dir);
    let mut tmp = tempfile::Builder::new()
        .prefix(".prelist-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(write_err)?;
    tmp.write_all(bytes).map_err(write_err)?;
    tmp.as_file().sync_all().map_err(write_err)?;
    // On failure here the temporary file is dropped, and so deleted.
    before_rename().map_err(write_err)?;
    tmp.persist(path).map_err(|e| write_err(e.error))?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The watchlist file the user edits, and what it held when this instance
/// last read or wrote it, so a change made meanwhile by another instance is
/// merged rather than overwritten.
#[derive(Debug, Clone)]
pub struct WatchlistStore {
    pub path: PathBuf,
    /// The coins as last read or written here: the common base of a merge.
    base: Vec<Coin>,
    /// The file's bytes as last read or written here (`None`: no file yet).
    on_disk: Option<Vec<u8>>,
}

/// What a save did beyond writing this instance's coins.
#[derive(Debug, Clone, PartialEq)]
pub struct Saved {
    /// The coins written, when another instance's changes were merged in.
    pub merged: Option<Vec<Coin>>,
    /// Coins both instances changed: kept twice (see `merge::merge3`).
    pub conflicts: Vec<String>,
}

impl WatchlistStore {
    /// Opens the user's watchlist: `file` when given (it must load), else
    /// `watchlist.json` in the data dir if it exists, else the built-in
    /// list, which is written there on the first change.
    pub fn open(
        data_dir: &Path,
        file: Option<&Path>,
    ) -> Result<(Watchlist, WatchlistStore), WatchlistError> {
        let path = file.map_or_else(|| data_dir.join(WATCHLIST_FILE), Path::to_path_buf);
        if file.is_none() && !path.exists() {
            let w = Watchlist::builtin();
            let store = WatchlistStore {
                path,
                base: w.coins.clone(),
                on_disk: None,
            };
            return Ok((w, store));
        }
        let w = Watchlist::load(&path)?;
        let bytes = std::fs::read(&path).map_err(|source| WatchlistError::Read {
            path: path.clone(),
            source,
        })?;
        let store = WatchlistStore {
            path,
            base: w.coins.clone(),
            on_disk: Some(bytes),
        };
        Ok((w, store))
    }

    /// Writes `ours` atomically. If the file changed on disk since it was
    /// read here, the other instance's changes are merged in first; if it
    /// no longer loads, nothing is written and the error says so.
    pub fn save(&mut self, ours: &Watchlist) -> Result<Saved, String> {
        let now = match std::fs::read(&self.path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(format!("cannot read {}: {e}", self.path.display())),
        };
        let mut saved = Saved {
            merged: None,
            conflicts: Vec::new(),
        };
        let mut coins = ours.coins.clone();
        if let Some(bytes) = now.as_ref().filter(|b| Some(*b) != self.on_disk.as_ref()) {
            let text = String::from_utf8_lossy(bytes);
            let theirs = Watchlist::parse(&text, &self.path).map_err(|e| {
                format!(
                    "{e}; it changed on disk and was not overwritten: your change is kept here only"
                )
            })?;
            let m = merge3(&self.base, &ours.coins, &theirs.coins);
            saved.conflicts = m.conflicts;
            if m.coins != ours.coins {
                saved.merged = Some(m.coins.clone());
            }
            coins = m.coins;
        }
        let out = Watchlist {
            version: ours.version,
            coins,
        };
        let text = out.to_json();
        write_atomic(&self.path, text.as_bytes()).map_err(|e| e.to_string())?;
        self.base = out.coins;
        self.on_disk = Some(text.into_bytes());
        Ok(saved)
    }
}

/// Removes temporary files that a killed process left behind. Only old ones:
/// a write in progress in another instance takes milliseconds.
fn remove_stale_temp_files(dir: &Path) {
    const STALE: std::time::Duration = std::time::Duration::from_secs(600);
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE);
        if name.starts_with(".prelist-") && name.ends_with(".tmp") && old {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(price: f64) -> Listing {
        Listing {
            listed_at: 1_742_817_600,
            first_price: 0.61,
            price_usd: price,
            change_24h: Some(-3.2),
            market_cap: None,
            updated_at: 1_742_900_000,
            stale: false,
        }
    }

    #[test]
    fn state_round_trips_and_missing_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join(STATE_FILE);
        assert!(load_state(&path).unwrap().is_empty());
        let mut l = Listings::new();
        l.insert("nillion".into(), listing(0.7));
        save_state(&path, &l).unwrap();
        assert_eq!(load_state(&path).unwrap(), l);
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, [STATE_FILE], "no temporary file left behind");
    }

    #[test]
    fn a_crash_before_the_rename_leaves_the_old_state() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STATE_FILE);
        let mut old = Listings::new();
        old.insert("nillion".into(), listing(0.7));
        save_state(&path, &old).unwrap();
        let before = std::fs::read(&path).unwrap();

        let err = write_atomic_with(&path, b"{\"version\": 1, \"listi", || {
            Err(std::io::Error::other("simulated crash"))
        })
        .unwrap_err();
        assert!(err.to_string().contains(STATE_FILE), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), before);
        assert_eq!(load_state(&path).unwrap(), old);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn corrupt_state_names_file_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STATE_FILE);
        std::fs::write(&path, "{\"version\": 1,\n \"listings\": {\"a\": 3}}").unwrap();
        let msg = load_state(&path).unwrap_err().to_string();
        assert!(
            msg.contains(STATE_FILE) && msg.contains("line 2, column"),
            "{msg}"
        );
        std::fs::write(&path, "{\"version\": 9, \"listings\": {}}").unwrap();
        let msg = load_state(&path).unwrap_err().to_string();
        assert!(msg.contains("version 9"), "{msg}");
        std::fs::write(&path, "").unwrap();
        assert!(
            load_state(&path).is_err(),
            "an empty state file is an error, not a reset"
        );
    }
}
