//! File primitives at the ground floor: reads that are capped and refuse
//! anything but a regular file, writes that are atomic and go through
//! symlinks to their target, advisory locks so that instances running at
//! once take turns, and a file's stamp to notice another's write.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde::Serialize;

/// How long a writer waits for another instance's lock before it says so.
pub const LOCK_NOTICE_AFTER: Duration = Duration::from_secs(1);
/// How long a writer waits for a lock at all. A save holds it for
/// milliseconds; one held this long belongs to a stopped or hung process.
pub const LOCK_GIVE_UP_AFTER: Duration = Duration::from_secs(60);
/// A temporary file older than this was left by a killed save. A save in
/// progress in another instance takes milliseconds, so its file is younger.
pub const STALE_TEMP_AGE: Duration = Duration::from_secs(600);

/// Why a file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot lock {path}: {source}")]
    Lock {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A lock file is opened and locked like a data file is read: a FIFO
    /// or a device there would block the open, or lock nothing.
    #[error("{path} is a {kind}, not a regular file; remove it and try again")]
    LockNotAFile { path: PathBuf, kind: &'static str },
    #[error(
        "another prelist has held {path} for over {}s; nothing was written",
        LOCK_GIVE_UP_AFTER.as_secs()
    )]
    LockTimeout { path: PathBuf },
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

pub fn kind_name(kind: std::fs::FileType) -> &'static str {
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

/// Tidies what killed saves left in `dir` (the data dir, or the directory
/// of a `--watchlist` file): their temporary files, once old enough that no
/// running save can own them.
pub fn tidy(dir: &Path) {
    remove_stale_temp_files(dir);
}

/// A file's identity and version, as `stat` gives them: a write
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

/// The file a writer of this process has waited on for over
/// [`LOCK_NOTICE_AFTER`], while it waits: a screen closing shows it.
static WAITING_ON: std::sync::Mutex<Option<PathBuf>> = std::sync::Mutex::new(None);

/// The file a write of this process is waiting to lock, if one has waited
/// over a second.
pub fn waiting_on() -> Option<PathBuf> {
    WAITING_ON
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

/// Sets [`WAITING_ON`] while this wait is a long one, and clears it when
/// the wait ends, however it ends; a wait that never said so clears
/// nothing.
#[derive(Default)]
struct Waiting(bool);

impl Waiting {
    fn set(&mut self, path: &Path) {
        self.0 = true;
        *WAITING_ON
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(path.to_path_buf());
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        if self.0 {
            *WAITING_ON
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
        }
    }
}

/// Takes the lock on writes to `path`, waiting for another instance that
/// holds it, and saying so if that takes longer than a second.
pub fn lock(path: &Path) -> Result<FileLock, WriteError> {
    let lock_path = lock_path(path);
    let lock_err = |source| WriteError::Lock {
        path: lock_path.clone(),
        source,
    };
    std::fs::create_dir_all(dir_of(&lock_path)).map_err(lock_err)?;
    let file = open_lock_file(&lock_path)?;
    let start = Instant::now();
    let mut waiting = Waiting::default();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(FileLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => {}
            Err(std::fs::TryLockError::Error(e)) => return Err(lock_err(e)),
        }
        let waited = start.elapsed();
        if !waiting.0 && waited >= LOCK_NOTICE_AFTER {
            waiting.set(path);
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
            return Err(WriteError::LockTimeout { path: lock_path });
        }
        std::thread::sleep(Duration::from_millis(5 + fastrand::u64(0..10)));
    }
}

/// Opens (creating it) the lock file at `lock_path` if it is a regular
/// file, through symlinks, as [`open_regular`] does for data files.
fn open_lock_file(lock_path: &Path) -> Result<File, WriteError> {
    let not_a_file = |kind| WriteError::LockNotAFile {
        path: lock_path.to_path_buf(),
        kind,
    };
    let mut options = std::fs::OpenOptions::new();
    // Read and write: opening a FIFO write-only without a reader fails
    // (ENXIO) before its kind can be seen on the handle.
    options.create(true).truncate(false).read(true).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Without it, opening a FIFO or a device may wait forever.
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = match options.open(lock_path) {
        Ok(file) => file,
        // A socket or a directory cannot be opened so: say what it is.
        Err(source) => {
            return Err(match std::fs::metadata(lock_path) {
                Ok(meta) if !meta.is_file() => not_a_file(kind_name(meta.file_type())),
                _ => WriteError::Lock {
                    path: lock_path.to_path_buf(),
                    source,
                },
            });
        }
    };
    let meta = file.metadata().map_err(|source| WriteError::Lock {
        path: lock_path.to_path_buf(),
        source,
    })?;
    if !meta.is_file() {
        return Err(not_a_file(kind_name(meta.file_type())));
    }
    Ok(file)
}

/// Writes `bytes` to `path` so that a reader sees the old file or the new
/// one, never a mix: a temporary file in the same directory, fsync, rename,
/// then fsync of the directory so the rename itself survives a power cut.
/// A symlink at `path` is written through (see [`write_target`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    write_atomic_with(path, bytes, || Ok(()))
}

/// `write_atomic` with a step run between the fsync and the rename, where a
/// crash would hurt most: tests use it to fail there and check the old file.
pub fn write_atomic_with(
    path: &Path,
    bytes: &[u8],
    before_rename: impl FnOnce() -> std::io::Result<()>,
) -> Result<(), WriteError> {
    let write_err = |source| WriteError::Write {
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
