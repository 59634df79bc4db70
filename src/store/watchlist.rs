//! The watchlist file the user edits: read at start, written on each change
//! under its lock, merged with what another instance wrote meanwhile.

use std::path::{Path, PathBuf};

use super::{StoreError, WATCHLIST_FILE};
use crate::fs::{lock, read_text, write_atomic};
use crate::merge::merge3;
use crate::model::{Coin, MAX_FILE_BYTES, Watchlist, WatchlistError};

/// The watchlist file the user edits, and what it held when this instance
/// last read or wrote it, so a change made meanwhile by another instance is
/// merged rather than overwritten.
#[derive(Debug, Clone)]
pub struct WatchlistStore {
    pub path: PathBuf,
    /// The file's text as last read or written here (`None`: no file yet,
    /// and the built-in list stands for it). Its coins are the common base
    /// of a merge, parsed only when one is needed: held as coins, they
    /// would double the watchlist's memory (7 MB at 20,000 coins).
    on_disk: Option<String>,
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
            let store = WatchlistStore {
                path,
                on_disk: None,
            };
            return Ok((Watchlist::builtin(), store));
        }
        let (w, text) = Watchlist::read(&path)?;
        let store = WatchlistStore {
            path,
            on_disk: Some(text),
        };
        Ok((w, store))
    }

    /// The coins as last read or written here.
    fn base(&self) -> Result<Vec<Coin>, StoreError> {
        match &self.on_disk {
            Some(text) => Ok(Watchlist::parse(text, &self.path)?.coins),
            None => Ok(Watchlist::builtin().coins),
        }
    }

    /// The file's text now (`None`: there is none). Called under the lock.
    fn read_now(&self) -> Result<Option<String>, StoreError> {
        match read_text(&self.path, MAX_FILE_BYTES) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(WatchlistError::read(&self.path, e).into()),
        }
    }

    /// Writes `out`, unless it would be too large to load again. Called
    /// under the lock.
    fn write(&mut self, out: &Watchlist) -> Result<(), StoreError> {
        let text = out
            .file_text()
            .map_err(|size| StoreError::WouldBeTooLarge {
                path: self.path.clone(),
                size,
                max: MAX_FILE_BYTES,
            })?;
        write_atomic(&self.path, text.as_bytes())?;
        self.on_disk = Some(text);
        Ok(())
    }

    /// Writes `ours` atomically. If the file changed on disk since it was
    /// read here, the other instance's changes are merged in first; if it
    /// no longer loads, nothing is written and the error says so. The
    /// whole read-merge-write holds the file's lock.
    pub fn save(&mut self, ours: &Watchlist) -> Result<Saved, String> {
        self.save_locked(ours).map_err(|e| e.to_string())
    }

    fn save_locked(&mut self, ours: &Watchlist) -> Result<Saved, StoreError> {
        let _lock = lock(&self.path)?;
        let now = self.read_now()?;
        let mut saved = Saved {
            merged: None,
            conflicts: Vec::new(),
        };
        let mut coins = ours.coins.clone();
        if let Some(text) = now.filter(|t| Some(t) != self.on_disk.as_ref()) {
            let theirs = Watchlist::parse(&text, &self.path).map_err(StoreError::ChangedOnDisk)?;
            let m = merge3(&self.base()?, &ours.coins, &theirs.coins);
            saved.conflicts = m.conflicts;
            if m.coins != ours.coins {
                saved.merged = Some(m.coins.clone());
            }
            coins = m.coins;
        }
        self.write(&Watchlist {
            version: ours.version,
            coins,
        })?;
        Ok(saved)
    }

    /// Changes the watchlist as the file holds it now, under its lock:
    /// `change` is handed the current coins (another instance's changes
    /// included) and says whether it changed them; only then is the file
    /// written. Returns the watchlist as it now is, and what `change` said.
    pub fn update<R>(
        &mut self,
        change: impl FnOnce(&mut Vec<Coin>) -> (R, bool),
    ) -> Result<(Watchlist, R), StoreError> {
        let _lock = lock(&self.path)?;
        let mut current = match self.read_now()? {
            Some(text) => Watchlist::parse(&text, &self.path)?,
            None => Watchlist {
                version: crate::model::FORMAT_VERSION,
                coins: self.base()?,
            },
        };
        let (said, changed) = change(&mut current.coins);
        if changed {
            self.write(&current)?;
        }
        Ok((current, said))
    }
}
