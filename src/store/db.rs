//! The state database, `state.db` in the data dir: CoinGecko's listings
//! and price histories, the exchanges' book, the events told, the alert
//! marks and the month's API calls, as rows that change one at a time.
//!
//! SQLite (bundled) in WAL mode: readers never wait for the writer, a
//! `kill -9` mid-write loses at most the transaction it was in, and each
//! save is one transaction that writes only the rows that changed. Another
//! instance's commit is noticed with `PRAGMA data_version`, which reads no
//! file when nothing changed. A `state.json` of an older prelist is taken
//! in at the first open (see [`super::import`]).

use std::num::NonZeroU64;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::db_error;
use super::rows;
use super::{StateStore, StoreError};
use crate::merge::merge_state;
use crate::state::{Base, State};

/// The schema this prelist writes, kept in `PRAGMA user_version`. Each
/// step of the migrations takes the database one version up.
pub const SCHEMA_VERSION: i64 = 6;

/// The schema, step by step: `MIGRATIONS[n]` takes version `n` to `n + 1`.
/// A step is never edited once released; a change is a new step.
pub(super) const MIGRATIONS: &[&str] = &[
    // 0 → 1
    "CREATE TABLE meta (
         key TEXT PRIMARY KEY,
         value INTEGER NOT NULL
     ) WITHOUT ROWID;
     CREATE TABLE listings (
         id TEXT PRIMARY KEY,
         listed_at INTEGER NOT NULL,
         first_price REAL NOT NULL,
         price_usd REAL NOT NULL,
         change_24h REAL,
         market_cap REAL,
         updated_at INTEGER NOT NULL,
         stale INTEGER NOT NULL,
         history BLOB NOT NULL
     ) WITHOUT ROWID;
     CREATE TABLE looks (
         exchange TEXT PRIMARY KEY,
         first_look INTEGER NOT NULL,
         last_look INTEGER NOT NULL
     ) WITHOUT ROWID;
     CREATE TABLE assets (
         exchange TEXT NOT NULL,
         base TEXT NOT NULL,
         asset TEXT NOT NULL,
         PRIMARY KEY (exchange, base)
     ) WITHOUT ROWID;
     CREATE TABLE claims (
         key TEXT PRIMARY KEY,
         at INTEGER NOT NULL,
         by INTEGER NOT NULL
     ) WITHOUT ROWID;
     CREATE TABLE alerts (
         id TEXT NOT NULL,
         crossing TEXT NOT NULL,
         threshold REAL NOT NULL,
         fired_at INTEGER NOT NULL,
         rearmed_at INTEGER,
         PRIMARY KEY (id, crossing)
     ) WITHOUT ROWID;
     CREATE TABLE calls (
         month TEXT NOT NULL,
         plan TEXT NOT NULL,
         n INTEGER NOT NULL,
         PRIMARY KEY (month, plan)
     ) WITHOUT ROWID;
     CREATE TABLE outbox (
         id INTEGER PRIMARY KEY,
         channel TEXT NOT NULL,
         claim_key TEXT NOT NULL,
         event_at INTEGER NOT NULL,
         payload TEXT NOT NULL,
         attempts INTEGER NOT NULL,
         next_at INTEGER NOT NULL,
         owner INTEGER NOT NULL,
         lease_until INTEGER NOT NULL,
         UNIQUE (channel, claim_key)
     );",
    // 1 → 2: the listings' journal of ticks (see `super::listings`).
    "ALTER TABLE listings ADD COLUMN folded INTEGER NOT NULL DEFAULT 0;
     CREATE INDEX listings_by_fold ON listings (folded);
     CREATE TABLE ticks (
         seq INTEGER PRIMARY KEY,
         cap INTEGER NOT NULL,
         body BLOB NOT NULL
     );",
    // 2 → 3: the API keys' fingerprints (see `super::keys`).
    "CREATE TABLE keys (
         fingerprint TEXT PRIMARY KEY,
         first_used INTEGER NOT NULL
     ) WITHOUT ROWID;",
    // 3 → 4: the pre-market venues (see `super::premarket`).
    "CREATE TABLE venue_looks (
         venue TEXT PRIMARY KEY,
         first_look INTEGER NOT NULL,
         last_look INTEGER NOT NULL
     ) WITHOUT ROWID;
     CREATE TABLE venue_offers (
         venue TEXT NOT NULL,
         base TEXT NOT NULL,
         offer TEXT NOT NULL,
         PRIMARY KEY (venue, base)
     ) WITHOUT ROWID;
     CREATE TABLE premarket_marks (
         ticker TEXT PRIMARY KEY,
         price REAL NOT NULL,
         at INTEGER NOT NULL
     ) WITHOUT ROWID;",
    // 4 → 5: the DEX pools of the coins' tokens (see `super::dex`).
    "CREATE TABLE dex_tokens (
         token TEXT PRIMARY KEY,
         seen TEXT NOT NULL
     ) WITHOUT ROWID;",
    // 5 → 6: Discover's dismissed rows (see `super::dismissed`).
    "CREATE TABLE dismissed (
         ticker TEXT PRIMARY KEY,
         status TEXT NOT NULL,
         at INTEGER NOT NULL
     ) WITHOUT ROWID;",
];

/// How long a writer waits for another's transaction before it gives up
/// (the save is then retried like any failed save).
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Pages of cache per connection, 1 MiB of 4 KiB pages (SQLite's default
/// is 2 MB): the rows are read whole at a load and written a few at a time,
/// so a big cache buys nothing but resident memory. At 20,000 coins, 4 MiB
/// cost `watch` 3 MB of VmRSS and made the save slower, not faster.
const CACHE_PAGES: i64 = 256;

/// The state database at one path, as a [`StateStore`]. The file is made
/// at the first save: a command that only reads leaves no file behind.
#[derive(Debug)]
pub struct StateDb {
    path: PathBuf,
    conn: Mutex<Option<Connection>>,
    /// The file the connection has open (device and inode, through
    /// symlinks): a database removed or replaced under a running prelist
    /// (its data dir deleted, a backup moved in) is opened again, or every
    /// later save would go to a file no one can read.
    file: Mutex<Option<(u64, u64)>>,
    /// What the database held at this connection's `data_version`: the
    /// base every save compares with, so only changed rows are written.
    seen: Mutex<Seen>,
}

#[derive(Debug)]
struct Seen {
    /// This store and the file it has open, among every store made in this
    /// process (see [`Base`]).
    store: NonZeroU64,
    /// This connection's `PRAGMA data_version` at the last look: another
    /// connection's commit changes it (the month's calls included).
    data_version: Option<i64>,
    /// The state's revision (see [`rows::revision`]) `state` is of: only a
    /// save of the state changes it.
    revision: Option<i64>,
    state: State,
}

impl Seen {
    fn new() -> Seen {
        // Unique in the process: a state based on one store (or one file
        // of it) is never taken for another's.
        static STORES: AtomicU64 = AtomicU64::new(1);
        Seen {
            store: NonZeroU64::new(STORES.fetch_add(1, Ordering::Relaxed))
                .unwrap_or(NonZeroU64::MIN),
            data_version: None,
            revision: None,
            state: State::default(),
        }
    }

    fn base(&self, revision: i64) -> Base {
        Base {
            store: self.store,
            revision,
        }
    }
}

type Conn<'a> = MutexGuard<'a, Option<Connection>>;

impl StateDb {
    /// Opens the database at `path` if it is there, bringing its schema up
    /// to date (a `state.json` beside it is taken in by
    /// [`super::open_state`]). The file and its WAL companions must be
    /// regular files where they exist.
    pub fn open(path: &Path) -> Result<StateDb, StoreError> {
        let db = StateDb {
            path: path.to_path_buf(),
            conn: Mutex::new(None),
            file: Mutex::new(None),
            seen: Mutex::new(Seen::new()),
        };
        check_files(path)?;
        drop(db.connected(false)?);
        Ok(db)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The connection; made now if the file is there, or if `create`.
    fn connected(&self, create: bool) -> Result<Conn<'_>, StoreError> {
        let mut conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        self.let_go_if_replaced(&mut conn);
        if conn.is_none() && (create || std::fs::symlink_metadata(&self.path).is_ok()) {
            *conn = Some(connect(&self.path)?);
            *self.file() = file_id(&self.path);
        }
        Ok(conn)
    }

    fn file(&self) -> MutexGuard<'_, Option<(u64, u64)>> {
        self.file.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Closes the connection if the file at the path is no longer the one
    /// it has open; what it held is then read again from the new one.
    fn let_go_if_replaced(&self, conn: &mut Option<Connection>) {
        if conn.is_some() && file_id(&self.path) != *self.file() {
            tracing::warn!(
                "{} was removed or replaced while open: it is opened again",
                self.path.display()
            );
            *conn = None;
            // Its revisions are not the old file's.
            *self.seen() = Seen::new();
        }
    }

    fn seen(&self) -> MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// What a write says when no connection was made (which `connected`
    /// with `create` never leaves).
    fn unopened(&self) -> StoreError {
        StoreError::Db {
            path: self.path.clone(),
            message: "the database could not be opened".into(),
            hint: "",
        }
    }

    pub(super) fn error(&self, e: rusqlite::Error) -> StoreError {
        db_error(&self.path, e)
    }

    /// Runs `f` in one write transaction, taken at once (so two writers
    /// queue rather than fail halfway), committed if `f` succeeds. Makes
    /// the database if it is not there yet.
    pub(super) fn write<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut guard = self.connected(true)?;
        let Some(conn) = guard.as_mut() else {
            return Err(self.unopened());
        };
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.error(e))?;
        let out = f(&tx)?;
        tx.commit().map_err(|e| self.error(e))?;
        Ok(out)
    }

    /// Runs `f` in one read transaction (every table as of one commit);
    /// `None` when there is no database yet.
    pub(super) fn read<T>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        let mut guard = self.connected(false)?;
        let Some(conn) = guard.as_mut() else {
            return Ok(None);
        };
        let tx = conn.transaction().map_err(|e| self.error(e))?;
        f(&tx).map(Some)
    }

    /// The database at `path` through a connection that only reads, as a
    /// data dir prelist may not write gives it.
    #[cfg(test)]
    pub(super) fn open_read_only(path: &Path) -> Result<StateDb, StoreError> {
        let db = StateDb {
            path: path.to_path_buf(),
            conn: Mutex::new(Some(connect_read_only(path)?)),
            file: Mutex::new(file_id(path)),
            seen: Mutex::new(Seen::new()),
        };
        Ok(db)
    }

    /// The rows `f` wrote through this connection.
    #[cfg(test)]
    pub(super) fn changes_of(
        &self,
        f: impl FnOnce() -> Result<(), StoreError>,
    ) -> Result<u64, StoreError> {
        let total = |db: &StateDb| {
            db.connected(true)
                .map(|c| c.as_ref().map_or(0, Connection::total_changes))
        };
        let before = total(self)?;
        f()?;
        Ok(total(self)? - before)
    }

    /// Merges `ours` into what the database holds, and does `also`, in one
    /// transaction, writing only the rows that differ; returns what it
    /// holds now. Where both claim one event, the stored claim stands (its
    /// writer may have told it already): the unique key of a claim.
    pub(super) fn merge_in(
        &self,
        ours: &State,
        also: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<()>,
    ) -> Result<State, StoreError> {
        let written = self.write(|tx| {
            let err = |e| self.error(e);
            let revision = rows::revision(tx).map_err(err)?;
            let mut seen = self.seen();
            if seen.revision != Some(revision) {
                // Another instance saved since: read what it holds now. The
                // revision is read inside the write transaction, so nothing
                // can change between the two.
                seen.state = rows::read_state(tx, &self.path)?;
                seen.revision = Some(revision);
            }
            let mut merged = if ours.based_on == Some(seen.base(revision)) {
                // Nothing but this instance's own changes since the state
                // it saved or read last: nothing to merge.
                ours.clone()
            } else {
                merge_state(ours, &seen.state)
            };
            merged.based_on = Some(seen.base(revision + 1));
            crate::told::prune(&mut merged.told);
            rows::write_changes(tx, &seen.state, &merged, revision + 1)
                .and_then(|()| rows::set_revision(tx, revision + 1))
                .and_then(|()| also(tx))
                .map_err(err)?;
            Ok((merged, revision + 1))
        });
        let mut seen = self.seen();
        match written {
            Ok((merged, revision)) => {
                seen.revision = Some(revision);
                seen.state = merged.clone();
                Ok(merged)
            }
            Err(e) => {
                // What the database holds after a failed save is read again.
                seen.revision = None;
                Err(e)
            }
        }
    }
}

impl StateStore for StateDb {
    fn load(&self) -> Result<State, StoreError> {
        let loaded = self.read(|tx| {
            let err = |e| self.error(e);
            let version = data_version(tx).map_err(err)?;
            let revision = rows::revision(tx).map_err(err)?;
            Ok((version, revision, rows::read_state(tx, &self.path)?))
        })?;
        let Some((version, revision, mut state)) = loaded else {
            return Ok(State::default());
        };
        let mut seen = self.seen();
        state.based_on = Some(seen.base(revision));
        seen.data_version = Some(version);
        seen.revision = Some(revision);
        seen.state = state.clone();
        Ok(state)
    }

    fn save(&self, state: &State) -> Result<State, StoreError> {
        self.merge_in(state, |_| Ok(()))
    }

    fn changed(&self) -> bool {
        // Asked from the event loop: while a save holds the connection (it
        // may wait on another writer), the answer waits for the next look.
        let Ok(mut guard) = self.conn.try_lock() else {
            return false;
        };
        self.let_go_if_replaced(&mut guard);
        if guard.is_none() {
            // Made by another instance since: connect, and read it.
            if std::fs::symlink_metadata(&self.path).is_err() {
                return false;
            }
            match connect(&self.path) {
                Ok(conn) => {
                    *guard = Some(conn);
                    *self.file() = file_id(&self.path);
                }
                // Tried again at the next look; a save says what is wrong.
                Err(_) => return false,
            }
        }
        let Some(conn) = guard.as_ref() else {
            return false;
        };
        let Ok(version) = data_version(conn) else {
            return false;
        };
        let mut seen = self.seen();
        if seen.data_version == Some(version) {
            return false;
        }
        // Another connection committed: the state, or only the month's
        // calls? One row says.
        seen.data_version = Some(version);
        rows::revision(conn).is_ok_and(|r| seen.revision != Some(r))
    }
}

/// `path` as an SQLite URI that opens it immutable (read as it stands,
/// with no `-shm` or `-wal` file). Every byte but the unreserved ones and
/// `/` is percent-encoded, so no name can add a parameter.
fn immutable_uri(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut uri = String::from("file:");
    for &b in path.as_os_str().as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri.push_str("?immutable=1");
    uri
}

/// The device and inode of the file at `path`, through symlinks.
fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

fn data_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA data_version", [], |r| r.get(0))
}

/// The three files SQLite keeps for a database in WAL mode.
fn companions(path: &Path) -> [PathBuf; 3] {
    let with = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    [path.to_path_buf(), with("-wal"), with("-shm")]
}

/// Refuses a database path (or a WAL companion) that is there but is not a
/// regular file, through symlinks: SQLite would block on a FIFO, or read a
/// device forever.
fn check_files(path: &Path) -> Result<(), StoreError> {
    for file in companions(path) {
        match std::fs::metadata(&file) {
            Ok(meta) if meta.is_file() => {}
            Ok(meta) => {
                return Err(StoreError::Read {
                    path: file,
                    source: crate::fs::ReadError::NotAFile(crate::fs::kind_name(meta.file_type())),
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(StoreError::Read {
                    path: file,
                    source: e.into(),
                });
            }
        }
    }
    Ok(())
}

/// A connection to the database at `path`, in WAL mode, its schema up to
/// date. A database from a newer prelist is refused, never changed.
fn connect(path: &Path) -> Result<Connection, StoreError> {
    check_files(path)?;
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(|source| {
            StoreError::File(crate::fs::WriteError::Write {
                path: dir.to_path_buf(),
                source,
            })
        })?;
    }
    match connect_writable(path) {
        // A data dir (or file) this user may not write: the state is still
        // read, and each save fails naming the file, to be tried again, as
        // a full disk would.
        Err(e @ StoreError::Db { .. }) if path.is_file() => match connect_read_only(path) {
            Ok(conn) => {
                tracing::warn!("{e}: it is read, and nothing can be saved to it");
                Ok(conn)
            }
            Err(_) => Err(e),
        },
        connected => connected,
    }
}

fn connect_writable(path: &Path) -> Result<Connection, StoreError> {
    let err = |e| db_error(path, e);
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(err)?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(err)?;
    // WAL: readers and one writer at once; NORMAL: a commit is durable
    // once the WAL is synced at a checkpoint, and never torn.
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(err)?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(err)?;
    conn.pragma_update(None, "cache_size", CACHE_PAGES)
        .map_err(err)?;
    migrate(path, &conn)?;
    Ok(conn)
}

/// A connection that only reads, for a database prelist may not write;
/// its schema must be this prelist's, as none can be brought up to date.
fn connect_read_only(path: &Path) -> Result<Connection, StoreError> {
    let err = |e| db_error(path, e);
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let plain = Connection::open_with_flags(path, flags).and_then(|conn| {
        conn.query_row("PRAGMA user_version", [], |_| Ok(()))
            .map(|()| conn)
    });
    let conn = match plain {
        Ok(conn) => conn,
        // A WAL database is read through its `-shm` file, which a
        // directory nobody may write cannot hold: read as it stands, as
        // no prelist can change it there either.
        Err(_) => {
            Connection::open_with_flags(immutable_uri(path), flags | OpenFlags::SQLITE_OPEN_URI)
                .map_err(err)?
        }
    };
    conn.busy_timeout(BUSY_TIMEOUT).map_err(err)?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(err)?;
    if version != SCHEMA_VERSION {
        return Err(StoreError::DbVersion {
            path: path.to_path_buf(),
            found: version,
        });
    }
    Ok(conn)
}

/// Brings the schema up to [`SCHEMA_VERSION`], in one transaction.
fn migrate(path: &Path, conn: &Connection) -> Result<(), StoreError> {
    let err = |e| db_error(path, e);
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(err)?;
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    if !(0..SCHEMA_VERSION).contains(&version) {
        return Err(StoreError::DbVersion {
            path: path.to_path_buf(),
            found: version,
        });
    }
    conn.execute_batch("BEGIN IMMEDIATE").map_err(err)?;
    let steps = || -> rusqlite::Result<()> {
        // Read again under the write lock: another instance may have
        // migrated meanwhile.
        let now: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        for (from, step) in MIGRATIONS.iter().enumerate().skip(now.max(0) as usize) {
            conn.execute_batch(step)?;
            conn.pragma_update(None, "user_version", from as i64 + 1)?;
        }
        Ok(())
    };
    match steps() {
        Ok(()) => conn.execute_batch("COMMIT").map_err(err),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(err(e))
        }
    }
}
