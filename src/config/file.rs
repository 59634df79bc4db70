//! Reading the config file: a regular file only, a size cap, UTF-8 (a
//! leading byte-order mark read past), and a file holding an API key private
//! to its owner.

use std::io::Read;
use std::path::Path;

use super::env::{DEMO_KEY_VAR, PRO_KEY_VAR, WEBHOOK_VAR};
use super::error::{ConfigError, ErrorKind, line_of};
use super::parse::FileConfig;
use crate::fs::{self, ReadError};

/// Config files larger than this are refused.
pub const MAX_FILE_SIZE: u64 = 1024 * 1024;

/// Reads and checks the config file at `path`. A missing file is `Ok(None)`.
/// Refuses at once anything but a regular file (a directory, a FIFO, a
/// device such as `/dev/zero`), a file over [`MAX_FILE_SIZE`], one that is
/// not UTF-8, and (on Unix) one holding an API key that its group or others
/// may read.
pub fn read_file(path: &Path) -> Result<Option<FileConfig>, ConfigError> {
    let read_error = |e: ReadError| {
        let mut err = ConfigError::file(
            path,
            ErrorKind::Read,
            format!("cannot read the config file: {e}"),
        );
        if let ReadError::Io(e) = e {
            err.source = Some(e);
        }
        err
    };
    let file = match fs::open_regular(path) {
        Ok(file) => file,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(read_error(e)),
    };
    let meta = file.metadata().map_err(|e| read_error(e.into()))?;
    let too_large = |size: u64| {
        ConfigError::file(
            path,
            ErrorKind::TooLarge,
            format!(
                "the config file is {size} bytes, more than the {MAX_FILE_SIZE} bytes (1 MiB) \
                 allowed"
            ),
        )
    };
    if meta.len() > MAX_FILE_SIZE {
        return Err(too_large(meta.len()));
    }
    // The bytes are kept to say on which line a bad one is.
    let mut bytes = Vec::new();
    (&file)
        .take(MAX_FILE_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| read_error(e.into()))?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(too_large(bytes.len() as u64));
    }
    let text = fs::read_text_from(bytes.as_slice(), MAX_FILE_SIZE).map_err(|e| match e {
        ReadError::NotUtf8(bad) => {
            let mut err = ConfigError::file(
                path,
                ErrorKind::NotUtf8,
                "the config file is not UTF-8 text: save it as UTF-8",
            );
            err.line = Some(line_of(&bytes, bad));
            err
        }
        e => read_error(e),
    })?;
    let config = FileConfig::parse(&text, path)?;
    if let Some((line, key)) = config.key_at {
        check_private(path, &meta, line, key)?;
    }
    Ok(Some(config))
}

#[cfg(unix)]
fn check_private(
    path: &Path,
    meta: &std::fs::Metadata,
    line: usize,
    key: &str,
) -> Result<(), ConfigError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 == 0 {
        return Ok(());
    }
    let (what, var) = match key {
        "notify.webhook" => ("a webhook URL", WEBHOOK_VAR),
        k if k.ends_with("pro_api_key") => ("an API key", PRO_KEY_VAR),
        _ => ("an API key", DEMO_KEY_VAR),
    };
    let mut err = ConfigError::file(
        path,
        ErrorKind::Permissions,
        format!(
            "the file holds {what} but its group or others have access to it \
             (mode {mode:03o}): run `chmod 600 {}`, or remove it and set {var} instead",
            path.display(),
        ),
    );
    err.line = Some(line);
    err.key = Some(key.to_string());
    Err(err)
}

#[cfg(not(unix))]
fn check_private(_: &Path, _: &std::fs::Metadata, _: usize, _: &str) -> Result<(), ConfigError> {
    Ok(())
}
