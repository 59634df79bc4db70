//! Files under the data dir: where it is, the state file (flips and prices),
//! and how every file is read and written. Reads are capped and refuse
//! anything but a regular file; writes are atomic, go through symlinks to
//! their target, and each read-merge-write holds an advisory lock so that
//! instances running at once never lose each other's changes. A file that
//! fails to load is reported, never replaced.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::alert::{Alerts, memo_problem};
use crate::listing::{Listing, Listings, PricePoint};
use crate::market::poller::{Plan, month_of};
use crate::merge::{merge_state, merge3};
use crate::model::{Coin, MAX_FILE_BYTES, Watchlist, WatchlistError, is_market_id};
use crate::sources::book::Book;
use crate::told::{self, Told};

pub const STATE_FILE: &str = "state.json";
pub const WATCHLIST_FILE: &str = "watchlist.json";
pub const LOG_FILE: &str = "prelist.log";
pub const STATE_VERSION: u32 = 1;
/// A state file larger than this is refused: a real one is a few kilobytes.
pub const MAX_STATE_BYTES: u64 = 16 * 1024 * 1024;
/// How long a writer waits for another instance's lock before it says so.
pub const LOCK_NOTICE_AFTER: Duration = Duration::from_secs(1);
/// How long a writer waits for a lock at all. A save holds it for
/// milliseconds; one held this long belongs to a stopped or hung process.
pub const LOCK_GIVE_UP_AFTER: Duration = Duration::from_secs(60);
/// A temporary file older than this was left by a killed save. A save in
/// progress in another instance takes milliseconds, so its file is younger.
pub const STALE_TEMP_AGE: Duration = Duration::from_secs(600);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no data directory: set PRELIST_DATA_DIR or pass --data-dir")]
    NoDataDir,
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: ReadError,
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
    #[error("cannot lock {path}: {source}")]
    Lock {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "another prelist has held {path} for over {}s; nothing was written",
        LOCK_GIVE_UP_AFTER.as_secs()
    )]
    LockTimeout { path: PathBuf },
    #[error("{0}")]
    Watchlist(#[from] WatchlistError),
    /// A save found the watchlist changed on disk by another instance, and
    /// no longer loading.
    #[error("{0}; it changed on disk and was not overwritten: your change is kept here only")]
    ChangedOnDisk(WatchlistError),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Why a file's text could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("it is a {0}, not a regular file")]
    NotAFile(&'static str),
    /// `size` is known for a file, not for standard input.
    #[error("it is {} more than the {max} allowed", size.map_or(String::new(), |s| format!("{s} bytes,")))]
    TooLarge { size: Option<u64>, max: u64 },
    #[error("not UTF-8 text (bad byte at offset {0})")]
    NotUtf8(usize),
}

impl ReadError {
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::Io(e) if e.kind() == std::io::ErrorKind::NotFound)
    }
}

/// Opens `path` for reading if it is a regular file (through symlinks).
/// The open does not block on a FIFO, and the check is made on the open
/// handle, so what is checked is what is read.
pub fn open_regular(path: &Path) -> Result<File, ReadError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Without it, opening a FIFO waits for a writer, forever.
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let kind = file.metadata()?.file_type();
    if kind.is_file() {
        return Ok(file);
    }
    Err(ReadError::NotAFile(kind_name(kind)))
}

fn kind_name(kind: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "FIFO";
        }
        if kind.is_char_device() {
            return "character device";
        }
        if kind.is_block_device() {
            return "block device";
        }
        if kind.is_socket() {
            return "socket";
        }
    }
    if kind.is_dir() {
        "directory"
    } else {
        "special file"
    }
}

/// The text of the regular file at `path`, at most `max` bytes, without a
/// leading byte-order mark.
pub fn read_text(path: &Path, max: u64) -> Result<String, ReadError> {
    let file = open_regular(path)?;
    let size = file.metadata()?.len();
    if size > max {
        return Err(ReadError::TooLarge {
            size: Some(size),
            max,
        });
    }
    read_text_from(file, max)
}

/// The text `input` gives (a file or standard input), at most `max` bytes:
/// no more is read, so an endless stream is refused rather than exhausting
/// memory. A leading byte-order mark (editors on Windows write one) is
/// dropped.
pub fn read_text_from(input: impl Read, max: u64) -> Result<String, ReadError> {
    let mut bytes = Vec::new();
    input.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(ReadError::TooLarge { size: None, max });
    }
    let mut text =
        String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8(e.utf8_error().valid_up_to()))?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

/// `value` as JSON that loads again: pretty when that fits in `max` bytes,
/// else compact; `Err` with the compact size when even that does not fit.
#[allow(
    clippy::expect_used,
    reason = "our file types hold strings, numbers and string-keyed maps: serialising them \
              to memory cannot fail"
)]
pub fn json_within<T: Serialize>(value: &T, max: u64) -> Result<String, u64> {
    let mut text = serde_json::to_string_pretty(value).expect("serialises to JSON");
    if text.len() as u64 >= max {
        text = serde_json::to_string(value).expect("serialises to JSON");
    }
    text.push('\n');
    if text.len() as u64 > max {
        return Err(text.len() as u64);
    }
    Ok(text)
}

/// The data dir: `--data-dir`, else `PRELIST_DATA_DIR`, else the XDG data
/// dir (`$XDG_DATA_HOME/prelist`, by default `~/.local/share/prelist`).
pub fn data_dir(flag: Option<&Path>) -> Result<PathBuf, StoreError> {
    if let Some(dir) = flag {
        return Ok(dir.to_path_buf());
    }
    if let Some(dir) = crate::config::Env::process().data_dir() {
        return Ok(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "prelist")
        .map(|d| d.data_dir().to_path_buf())
        .ok_or(StoreError::NoDataDir)
}

/// Tidies what killed saves left in `dir` (the data dir, or the directory
/// of a `--watchlist` file): their temporary files, once old enough that no
/// running save can own them.
pub fn tidy(dir: &Path) {
    remove_stale_temp_files(dir);
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StateFile {
    version: u32,
    /// Sorted, so the file is stable from one write to the next.
    listings: BTreeMap<String, Listing>,
    /// What each watched exchange lists; absent in files written before
    /// exchanges were watched.
    #[serde(default, skip_serializing_if = "book_is_empty")]
    exchanges: Book,
    /// The API calls made, by UTC month and plan; files written before
    /// calls were counted have none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    calls: CallBook,
    /// The events told, so no two instances tell one (see [`told`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    told: Told,
    /// Which price alerts fired, by market id; files written before alerts
    /// have none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    alerts: Alerts,
}

fn book_is_empty(book: &Book) -> bool {
    book.exchanges.is_empty()
}

/// What the state file holds: CoinGecko's listings and prices, the book of
/// what each exchange lists, and which price alerts fired.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    pub listings: Listings,
    pub book: Book,
    /// The events told, by their key.
    pub told: Told,
    pub alerts: Alerts,
}

/// API calls by UTC month ("2026-11") and plan (`Plan::key`): every
/// instance's on this data dir, as the state file holds them.
pub type CallBook = BTreeMap<String, BTreeMap<String, u64>>;

/// A month's calls of `plan` in `book`.
pub fn calls_in(book: &CallBook, month: &str, plan: Plan) -> u64 {
    book.get(month)
        .and_then(|by_plan| by_plan.get(plan.key()))
        .copied()
        .unwrap_or(0)
}

/// What is wrong with a month's entry of a state file's calls.
fn calls_problem(month: &str, by_plan: &BTreeMap<String, u64>) -> Option<String> {
    let b = month.as_bytes();
    let is_month = b.len() == 7
        && b[4] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || c.is_ascii_digit())
        && matches!(month[5..].parse::<u8>(), Ok(1..=12));
    if !is_month {
        return Some("is not under a month (YYYY-MM)".into());
    }
    by_plan
        .keys()
        .find(|k| Plan::from_key(k).is_none())
        .map(|k| {
            format!(
                "names the plan {:?}, which is none of {}",
                crate::text::clean(k),
                Plan::ALL.map(Plan::key).join(", ")
            )
        })
}

/// The month before "YYYY-MM".
fn previous_month(month: &str) -> String {
    let year: i32 = month.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0);
    let m: u32 = month.get(5..).and_then(|m| m.parse().ok()).unwrap_or(1);
    if m <= 1 {
        format!("{:04}-12", year - 1)
    } else {
        format!("{year:04}-{:02}", m - 1)
    }
}

/// Adds `pending` calls of `plan` (by month) to the state file's count,
/// under its lock: each instance adds only what it sent, so none is
/// counted twice. Months before the previous one (at Unix time `now`) are
/// dropped. Returns every count the file now holds.
pub fn add_calls(
    path: &Path,
    plan: Plan,
    pending: &BTreeMap<String, u64>,
    now: i64,
) -> Result<CallBook, StoreError> {
    let _lock = lock(path)?;
    let mut state = read_state(path)?;
    for (month, n) in pending {
        let count = state
            .calls
            .entry(month.clone())
            .or_default()
            .entry(plan.key().to_string())
            .or_default();
        *count = count.saturating_add(*n);
    }
    let oldest = previous_month(&month_of(now));
    state.calls.retain(|month, _| *month >= oldest);
    write_state(path, &state)?;
    Ok(state.calls)
}

/// The calls counted in the state file; none when there is no file.
pub fn load_calls(path: &Path) -> Result<CallBook, StoreError> {
    Ok(read_state(path)?.calls)
}

/// How often a [`CallLedger`] writes, at most (seconds): a big state file
/// is megabytes, and polls may come every 10 s.
pub const CALLS_SAVE_GAP: i64 = 60;

/// This process's API calls not yet in the state file. They are added to
/// the file's count with [`add_calls`], at most once a [`CALLS_SAVE_GAP`]
/// and when the ledger is dropped; what fails to be written stays pending
/// for the next try.
#[derive(Debug)]
pub struct CallLedger {
    path: PathBuf,
    plan: Plan,
    pending: Mutex<Pending>,
}

#[derive(Debug, Default)]
struct Pending {
    /// The provider's running total already taken in.
    seen: u64,
    by_month: BTreeMap<String, u64>,
    written_at: Option<i64>,
}

impl CallLedger {
    pub fn new(path: PathBuf, plan: Plan) -> CallLedger {
        CallLedger {
            path,
            plan,
            pending: Mutex::default(),
        }
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Pending> {
        // A panic elsewhere while it was held leaves counts worth keeping.
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes in a provider's running total of requests sent, as of Unix
    /// time `now`. Returns whether a write is due.
    pub fn note(&self, total: u64, now: i64) -> bool {
        let mut p = self.pending();
        let new = total.saturating_sub(p.seen);
        p.seen = p.seen.max(total);
        if new > 0 {
            let count = p.by_month.entry(month_of(now)).or_default();
            *count = count.saturating_add(new);
        }
        !p.by_month.is_empty() && p.written_at.is_none_or(|at| now - at >= CALLS_SAVE_GAP)
    }

    /// Adds what is pending to the state file. The pending counts are taken
    /// out first, so that `note` never waits on the file, and put back if
    /// the write fails.
    pub fn flush(&self, now: i64) -> Result<(), StoreError> {
        let taken = {
            let mut p = self.pending();
            p.written_at = Some(now);
            std::mem::take(&mut p.by_month)
        };
        if taken.is_empty() {
            return Ok(());
        }
        add_calls(&self.path, self.plan, &taken, now)
            .map(drop)
            .inspect_err(|_| {
                let mut p = self.pending();
                for (month, n) in taken {
                    let count = p.by_month.entry(month).or_default();
                    *count = count.saturating_add(n);
                }
            })
    }
}

impl Drop for CallLedger {
    /// The last calls are written as the app closes.
    fn drop(&mut self) {
        if let Err(e) = self.flush(jiff::Timestamp::now().as_second()) {
            tracing::warn!("the month's API calls could not be counted: {e}");
        }
    }
}

/// What is wrong with a listing for `id`, from a state file or an import:
/// the id must be a market id and each price one a coin can have (see
/// `market::is_price`), or nothing should count it as trading.
pub fn listing_problem(id: &str, l: &Listing) -> Option<String> {
    let finite = |v: Option<f64>| v.is_none_or(f64::is_finite);
    if !is_market_id(id) {
        Some("is not under a market id".into())
    } else if !crate::market::is_price(l.price_usd) {
        Some(format!(
            "has a price of {} USD, which no coin can have",
            l.price_usd
        ))
    } else if !crate::market::is_price(l.first_price) {
        Some(format!(
            "has a first price of {} USD, which no coin can have",
            l.first_price
        ))
    } else if !finite(l.change_24h) || !finite(l.market_cap) {
        Some("has a 24h change or market cap that is not a number".into())
    } else {
        history_problem(&l.history)
    }
}

/// What is wrong with a listing's price history: each price must be one a
/// coin can have, and each point later than the one before.
fn history_problem(history: &[PricePoint]) -> Option<String> {
    if let Some((i, p)) = history
        .iter()
        .enumerate()
        .find(|(_, p)| !crate::market::is_price(p.price))
    {
        return Some(format!(
            "has a price of {} USD at point {} of its history, which no coin can have",
            p.price,
            i + 1
        ));
    }
    history
        .windows(2)
        .position(|w| w[1].at <= w[0].at)
        .map(|i| {
            format!(
                "has a history out of time order: point {} ({}) is not later than point {} ({})",
                i + 2,
                history[i + 1].at,
                i + 1,
                history[i].at
            )
        })
}

/// Loads the state file; a missing one is an empty state. Every listing in
/// it must be one a poll could have recorded, else the file is refused.
pub fn load_state(path: &Path) -> Result<State, StoreError> {
    let file = read_state(path)?;
    Ok(State {
        listings: file.listings.into_iter().collect(),
        book: file.exchanges,
        told: file.told,
        alerts: file.alerts,
    })
}

/// The whole state file, checked; a missing one is an empty state.
fn read_state(path: &Path) -> Result<StateFile, StoreError> {
    let text = match read_text(path, MAX_STATE_BYTES) {
        Ok(text) => text,
        Err(e) if e.is_not_found() => {
            return Ok(StateFile {
                version: STATE_VERSION,
                listings: BTreeMap::new(),
                exchanges: Book::default(),
                calls: CallBook::new(),
                told: Told::new(),
                alerts: Alerts::new(),
            });
        }
        Err(ReadError::TooLarge {
            size: Some(size),
            max,
        }) => {
            return Err(StoreError::TooLarge {
                path: path.to_path_buf(),
                size,
                max,
            });
        }
        Err(source) => {
            return Err(StoreError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
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
    for (id, l) in &state.listings {
        if let Some(problem) = listing_problem(id, l) {
            return Err(StoreError::BadListing {
                path: path.to_path_buf(),
                id: id.clone(),
                problem,
            });
        }
    }
    for (key, claim) in &state.told {
        if let Some(problem) = told::problem(key, claim) {
            return Err(StoreError::BadClaim {
                path: path.to_path_buf(),
                key: crate::text::clean(key).into_owned(),
                problem,
            });
        }
    }
    for (id, memo) in &state.alerts {
        if let Some(problem) = memo_problem(id, memo) {
            return Err(StoreError::BadAlert {
                path: path.to_path_buf(),
                id: id.clone(),
                problem,
            });
        }
    }
    for (month, by_plan) in &state.calls {
        if let Some(problem) = calls_problem(month, by_plan) {
            return Err(StoreError::BadCalls {
                path: path.to_path_buf(),
                month: month.clone(),
                problem,
            });
        }
    }
    Ok(state)
}

/// Writes the state file atomically, after merging in what another
/// instance recorded since (its flips are kept, never overwritten), all
/// under the state file's lock. Returns the listings written. A state file
/// that no longer loads is not replaced.
pub fn save_state_merged(path: &Path, state: &State) -> Result<State, StoreError> {
    save_state_stamped(path, state).map(|(merged, _)| merged)
}

/// A state file's identity and version, as `stat` gives them: a write
/// (a rename over it) changes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    len: u64,
    modified: Option<std::time::SystemTime>,
    inode: u64,
}

/// The stamp of the file at `path`; `None` if there is none.
pub fn stamp(path: &Path) -> Option<Stamp> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).ok()?;
    Some(Stamp {
        len: meta.len(),
        modified: meta.modified().ok(),
        inode: meta.ino(),
    })
}

/// As [`save_state_merged`], with the stamp of the file written, taken
/// under the lock: a change after it is another instance's.
pub fn save_state_stamped(
    path: &Path,
    state: &State,
) -> Result<(State, Option<Stamp>), StoreError> {
    let _lock = lock(path)?;
    let mut file = read_state(path)?;
    let on_disk = State {
        listings: std::mem::take(&mut file.listings).into_iter().collect(),
        book: std::mem::take(&mut file.exchanges),
        told: std::mem::take(&mut file.told),
        alerts: std::mem::take(&mut file.alerts),
    };
    let mut merged = merge_state(state, &on_disk);
    told::prune(&mut merged.told);
    // The calls counted are kept as they are: only `add_calls` adds to them.
    file.listings = sorted(&merged.listings);
    file.exchanges = merged.book.clone();
    file.told = merged.told.clone();
    file.alerts = merged.alerts.clone();
    write_state(path, &file)?;
    Ok((merged, stamp(path)))
}

fn sorted(listings: &Listings) -> BTreeMap<String, Listing> {
    listings
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Writes the state file atomically with this state and no count of
/// calls. One that would be too large to load again is refused, and
/// nothing is written.
pub fn save_state(path: &Path, state: &State) -> Result<(), StoreError> {
    write_state(
        path,
        &StateFile {
            version: STATE_VERSION,
            listings: sorted(&state.listings),
            exchanges: state.book.clone(),
            calls: CallBook::new(),
            told: state.told.clone(),
            alerts: state.alerts.clone(),
        },
    )
}

/// Writes `state` atomically, unless it would be too large to load again.
fn write_state(path: &Path, state: &StateFile) -> Result<(), StoreError> {
    let text = json_within(state, MAX_STATE_BYTES).map_err(|size| StoreError::WouldBeTooLarge {
        path: path.to_path_buf(),
        size,
        max: MAX_STATE_BYTES,
    })?;
    write_atomic(path, text.as_bytes())
}

/// Where a write to `path` lands: the file at the end of its symlinks, so a
/// link (a dotfile manager's) is kept and its target replaced. A loop ends
/// after 40 links, as the kernel's does.
pub fn write_target(path: &Path) -> PathBuf {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        let Ok(target) = std::fs::read_link(&p) else {
            break;
        };
        // A relative target is relative to the link's directory; joining
        // an absolute one replaces the base.
        p = match p.parent() {
            Some(dir) => dir.join(target),
            None => target,
        };
    }
    p
}

fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Where instances writing to `path` take turns to: a lock file beside its
/// target, never the file itself, which each save replaces by a rename.
pub fn lock_path(path: &Path) -> PathBuf {
    let target = write_target(path);
    let name = target
        .file_name()
        .map_or_else(|| "prelist".into(), |n| n.to_string_lossy().into_owned());
    dir_of(&target).join(format!(".{name}.lock"))
}

/// The function told when a writer has waited over [`LOCK_NOTICE_AFTER`].
static WAIT_NOTICE: OnceLock<fn(&str)> = OnceLock::new();

/// Says through `notice` (as well as in the log) when a write waits for
/// another instance: the command line prints it on stderr. Set once.
pub fn set_wait_notice(notice: fn(&str)) {
    let _ = WAIT_NOTICE.set(notice);
}

/// An advisory lock on writes to a file, released when dropped (closing
/// the lock file releases it, even when the process is killed).
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

/// Takes the lock on writes to `path`, waiting for another instance that
/// holds it, and saying so if that takes longer than a second.
pub fn lock(path: &Path) -> Result<FileLock, StoreError> {
    let lock_path = lock_path(path);
    let lock_err = |source| StoreError::Lock {
        path: lock_path.clone(),
        source,
    };
    std::fs::create_dir_all(dir_of(&lock_path)).map_err(lock_err)?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(lock_err)?;
    let start = Instant::now();
    let mut said = false;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(FileLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => {}
            Err(std::fs::TryLockError::Error(e)) => return Err(lock_err(e)),
        }
        let waited = start.elapsed();
        if !said && waited >= LOCK_NOTICE_AFTER {
            said = true;
            let msg = format!(
                "waiting for another prelist to finish writing {}",
                path.display()
            );
            tracing::info!("{msg}");
            if let Some(notice) = WAIT_NOTICE.get() {
                notice(&msg);
            }
        }
        if waited >= LOCK_GIVE_UP_AFTER {
            return Err(StoreError::LockTimeout { path: lock_path });
        }
        std::thread::sleep(Duration::from_millis(5 + fastrand::u64(0..10)));
    }
}

/// Writes `bytes` to `path` so that a reader sees the old file or the new
/// one, never a mix: a temporary file in the same directory, fsync, rename,
/// then fsync of the directory so the rename itself survives a power cut.
/// A symlink at `path` is written through (see [`write_target`]).
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
    let target = write_target(path);
    let dir = dir_of(&target);
    std::fs::create_dir_all(dir).map_err(write_err)?;
    remove_stale_temp_files(dir);
    let mut tmp = tempfile::Builder::new()
        .prefix(".prelist-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(write_err)?;
    tmp.write_all(bytes).map_err(write_err)?;
    // The file replaced keeps its permissions (a private file stays private).
    if let Ok(meta) = std::fs::metadata(&target) {
        tmp.as_file()
            .set_permissions(meta.permissions())
            .map_err(write_err)?;
    }
    tmp.as_file().sync_all().map_err(write_err)?;
    // On failure here the temporary file is dropped, and so deleted.
    before_rename().map_err(write_err)?;
    tmp.persist(&target).map_err(|e| write_err(e.error))?;
    if let Ok(d) = File::open(dir) {
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
    /// The file's text as last read or written here (`None`: no file yet).
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
            let w = Watchlist::builtin();
            let store = WatchlistStore {
                path,
                base: w.coins.clone(),
                on_disk: None,
            };
            return Ok((w, store));
        }
        let (w, text) = Watchlist::read(&path)?;
        let store = WatchlistStore {
            path,
            base: w.coins.clone(),
            on_disk: Some(text),
        };
        Ok((w, store))
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
    fn write(&mut self, out: Watchlist) -> Result<(), StoreError> {
        let text = out
            .file_text()
            .map_err(|size| StoreError::WouldBeTooLarge {
                path: self.path.clone(),
                size,
                max: MAX_FILE_BYTES,
            })?;
        write_atomic(&self.path, text.as_bytes())?;
        self.base = out.coins;
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
            let m = merge3(&self.base, &ours.coins, &theirs.coins);
            saved.conflicts = m.conflicts;
            if m.coins != ours.coins {
                saved.merged = Some(m.coins.clone());
            }
            coins = m.coins;
        }
        self.write(Watchlist {
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
                coins: self.base.clone(),
            },
        };
        let (said, changed) = change(&mut current.coins);
        if changed {
            self.write(current.clone())?;
        }
        Ok((current, said))
    }
}

/// Removes temporary files that a killed process left behind. Only old ones:
/// a write in progress in another instance takes milliseconds.
fn remove_stale_temp_files(dir: &Path) {
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
            .is_some_and(|age| age > STALE_TEMP_AGE);
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
            history: Vec::new(),
        }
    }

    #[test]
    fn state_round_trips_and_missing_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join(STATE_FILE);
        assert_eq!(load_state(&path).unwrap(), State::default());
        let mut l = State::default();
        l.listings.insert("nillion".into(), listing(0.7));
        save_state(&path, &l).unwrap();
        assert_eq!(load_state(&path).unwrap(), l);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("exchanges"), "an empty book is not written");
        let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers, [STATE_FILE], "no temporary file left behind");
    }

    fn fired(threshold: f64, at: i64) -> crate::alert::AlertMemo {
        crate::alert::AlertMemo {
            above: Some(crate::alert::Mark {
                threshold,
                fired_at: at,
                rearmed_at: None,
            }),
            below: None,
        }
    }

    #[test]
    fn alerts_round_trip_and_merge_with_another_instances() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STATE_FILE);
        let mut ours = State::default();
        ours.alerts.insert("parcl".into(), fired(1.0, 100));
        save_state(&path, &ours).unwrap();
        assert_eq!(load_state(&path).unwrap(), ours);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("\"fired_at\": 100") && !text.contains("rearmed_at"),
            "{text}"
        );
        // Another instance, which saw neither crossing, fired on Nillion.
        let mut theirs = State::default();
        theirs.alerts.insert("nillion".into(), fired(0.5, 200));
        let merged = save_state_merged(&path, &theirs).unwrap();
        assert_eq!(merged.alerts.len(), 2, "a fired mark is kept: {merged:?}");
        assert_eq!(load_state(&path).unwrap(), merged);
        // A state without alerts writes none.
        save_state(&path, &State::default()).unwrap();
        assert!(!std::fs::read_to_string(&path).unwrap().contains("alerts"));
    }

    #[test]
    fn a_threshold_reads_back_to_the_same_number() {
        // Parsed without correct rounding, this comes back one step off,
        // and the alert would seem new and fire again after a restart.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STATE_FILE);
        let mut state = State::default();
        state
            .alerts
            .insert("pepe".into(), fired(1.919_278_266_881_985_5e-7, 1));
        save_state(&path, &state).unwrap();
        assert_eq!(load_state(&path).unwrap(), state);
    }

    #[test]
    fn a_bad_alert_refuses_the_file_naming_it_and_the_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STATE_FILE);
        let write = |alerts: &str| {
            std::fs::write(
                &path,
                format!(r#"{{"version": 1, "listings": {{}}, "alerts": {alerts}}}"#),
            )
            .unwrap();
        };
        write(r#"{"parcl": {"above": {"threshold": 0, "fired_at": 1}}}"#);
        let msg = load_state(&path).unwrap_err().to_string();
        assert!(
            msg.contains(STATE_FILE)
                && msg.contains(
                    "the price alert memo of \"parcl\" has an alert above 0 USD, which is not a \
                     price a coin can have"
                ),
            "{msg}"
        );
        write(r#"{"Not/An Id": {}}"#);
        let msg = load_state(&path).unwrap_err().to_string();
        assert!(
            msg.contains("\"Not/An Id\" is not under a market id"),
            "{msg}"
        );
        write(r#"{"parcl": {"above": {"threshold": 1, "fired_at": 1, "armed": true}}}"#);
        let msg = load_state(&path).unwrap_err().to_string();
        assert!(msg.contains("unknown field `armed`"), "{msg}");
    }

    #[test]
    fn claims_are_kept_by_the_first_writer_and_a_bad_one_refuses_the_file() {
        use crate::told::Claim;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STATE_FILE);
        let claim = |at, by| Claim { at, by };
        let first = State {
            told: Told::from([("listed:coingecko:parcl:PRCL".into(), claim(100, 1))]),
            ..State::default()
        };
        save_state_merged(&path, &first).unwrap();
        // A second instance claims the same event, and one of its own.
        let second = State {
            told: Told::from([
                ("listed:coingecko:parcl:PRCL".into(), claim(101, 2)),
                ("listed:coingecko:nillion:NIL".into(), claim(101, 2)),
            ]),
            ..State::default()
        };
        let written = save_state_merged(&path, &second).unwrap();
        assert_eq!(written.told["listed:coingecko:parcl:PRCL"], claim(100, 1));
        assert_eq!(written.told["listed:coingecko:nillion:NIL"], claim(101, 2));
        assert_eq!(load_state(&path).unwrap().told, written.told);

        std::fs::write(
            &path,
            r#"{"version": 1, "listings": {}, "told": {"listed:x": {"at": -5, "by": 1}}}"#,
        )
        .unwrap();
        let msg = load_state(&path).unwrap_err().to_string();
        assert!(
            msg.contains(STATE_FILE)
                && msg.contains("the event told as \"listed:x\" was told at -5, before 1970"),
            "{msg}"
        );
    }

    #[test]
    fn a_crash_before_the_rename_leaves_the_old_state() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STATE_FILE);
        let mut old = State::default();
        old.listings.insert("nillion".into(), listing(0.7));
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
    fn json_is_pretty_when_it_fits_compact_when_only_that_fits_else_refused() {
        let value = vec!["x"; 1000];
        let compact = serde_json::to_string(&value).unwrap().len() as u64 + 1;
        let pretty = json_within(&value, u64::MAX).unwrap();
        assert!(pretty.len() as u64 > compact);
        let fitted = json_within(&value, pretty.len() as u64 - 1).unwrap();
        assert_eq!(fitted.len() as u64, compact);
        assert_eq!(json_within(&value, compact - 1), Err(compact));
    }

    #[test]
    fn reads_stop_at_the_cap_and_drop_a_byte_order_mark() {
        let endless = std::io::repeat(b' ');
        let err = read_text_from(endless, 1000).unwrap_err();
        assert!(err.to_string().contains("more than the 1000"), "{err}");
        let text = read_text_from("\u{feff}{}".as_bytes(), 1000).unwrap();
        assert_eq!(text, "{}");
        let err = read_text_from(&[b'a', 0xff][..], 1000).unwrap_err();
        assert!(err.to_string().contains("offset 1"), "{err}");
    }

    #[test]
    fn the_lock_is_one_writer_at_a_time_and_beside_the_links_target() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STATE_FILE);
        let held = lock(&path).unwrap();
        let lock_file = dir.path().join(".state.json.lock");
        let other = File::options().write(true).open(&lock_file).unwrap();
        assert!(other.try_lock().is_err(), "held");
        drop(held);
        assert!(other.try_lock().is_ok(), "released when dropped");
        #[cfg(unix)]
        {
            let elsewhere = dir.path().join("elsewhere");
            std::fs::create_dir(&elsewhere).unwrap();
            let link = dir.path().join("link.json");
            std::os::unix::fs::symlink("elsewhere/real.json", &link).unwrap();
            assert_eq!(write_target(&link), elsewhere.join("real.json"));
            assert_eq!(lock_path(&link), elsewhere.join(".real.json.lock"));
        }
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

    #[test]
    fn a_history_round_trips_as_pairs_and_a_bad_one_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STATE_FILE);
        let mut l = listing(0.7);
        l.history = vec![(1_742_817_600, 0.61).into(), (1_742_900_000, 0.7).into()];
        let mut state = State::default();
        state.listings.insert("nillion".into(), l);
        save_state(&path, &state).unwrap();
        assert_eq!(load_state(&path).unwrap(), state);
        let compact: String = std::fs::read_to_string(&path)
            .unwrap()
            .split_whitespace()
            .collect();
        assert!(
            compact.contains(r#""history":[[1742817600,0.61],[1742900000,0.7]]"#),
            "{compact}"
        );

        let bad = |history: &str| {
            let text = format!(
                r#"{{"version": 1, "listings": {{"nillion": {{"listed_at": 1, "first_price": 0.61,
                "price_usd": 0.7, "change_24h": null, "updated_at": 2, "history": {history}}}}}}}"#
            );
            std::fs::write(&path, text).unwrap();
            load_state(&path).unwrap_err().to_string()
        };
        let msg = bad("[[1, 0.61], [2, -1]]");
        assert!(
            msg.contains(STATE_FILE)
                && msg.contains("\"nillion\"")
                && msg.contains("price of -1 USD at point 2 of its history"),
            "{msg}"
        );
        let msg = bad("[[5, 0.61], [5, 0.7]]");
        assert!(
            msg.contains(STATE_FILE)
                && msg.contains("\"nillion\"")
                && msg.contains("out of time order: point 2 (5) is not later than point 1 (5)"),
            "{msg}"
        );
        assert!(
            bad("[[1, 0.61, 3]]").contains("line"),
            "a pair, nothing else"
        );
    }

    #[test]
    fn twenty_thousand_coins_with_full_histories_save_and_load() {
        let n = crate::listing::HISTORY_FLOOR_UP_TO;
        let cap = crate::listing::history_cap(n);
        let mut state = State::default();
        for i in 0..n {
            let mut l = listing(0.1234567890123 + i as f64);
            l.market_cap = Some(1.234_567_890_123e9);
            // Prices with every digit, the longest a point can be written.
            l.history = (0..cap)
                .map(|k| (1_742_817_600 + k as i64 * 86_400, 1.0 / 3.0 + k as f64).into())
                .collect();
            state.listings.insert(format!("generated-coin-{i:05}"), l);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STATE_FILE);
        save_state_merged(&path, &state).unwrap();
        let size = std::fs::metadata(&path).unwrap().len();
        assert!(size <= MAX_STATE_BYTES, "{size} bytes");
        assert_eq!(load_state(&path).unwrap().listings.len(), n);
    }
}
