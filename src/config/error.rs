//! Mistakes in the settings, each saying where: the file, the line, the key.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

/// What kind of mistake a [`ConfigError`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The file exists but cannot be read.
    Read,
    /// Over [`MAX_FILE_SIZE`](super::MAX_FILE_SIZE).
    TooLarge,
    NotUtf8,
    /// Not TOML.
    Syntax,
    UnknownSection,
    UnknownKey,
    /// A value of the wrong TOML type.
    WrongType,
    /// A value of the right type that is not allowed.
    Invalid,
    /// A file holding an API key that others may read.
    Permissions,
}

/// Where a [`ConfigError`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    File(PathBuf),
    /// An environment variable, by name.
    Env(&'static str),
    /// A command-line flag, e.g. `--interval`.
    Flag(&'static str),
}

/// A mistake in the settings, saying where: the file, the line and the key,
/// e.g. `/home/me/.config/prelist/config.toml, line 7: poll.interval: 5 is
/// below the minimum of 10 seconds`. Never holds an API key. What it says
/// is cleaned of control characters: a file's section and key names, and
/// the file's own name, are anyone's text, and the message goes to a
/// terminal.
#[derive(Debug, thiserror::Error)]
#[error("{}", crate::text::clean(&format!("{}: {}{}", self.place(), self.key_prefix(), self.message)))]
pub struct ConfigError {
    pub kind: ErrorKind,
    pub origin: Origin,
    /// 1-based.
    pub line: Option<usize>,
    /// 1-based, in characters; given for syntax errors.
    pub column: Option<usize>,
    /// The dotted key (`poll.interval`), when the error is about one.
    pub key: Option<String>,
    pub message: String,
    #[source]
    pub(super) source: Option<io::Error>,
}

impl ConfigError {
    pub(super) fn file(path: &Path, kind: ErrorKind, message: impl Into<String>) -> ConfigError {
        ConfigError {
            kind,
            origin: Origin::File(path.to_path_buf()),
            line: None,
            column: None,
            key: None,
            message: message.into(),
            source: None,
        }
    }

    pub(super) fn outside(origin: Origin, message: impl Into<String>) -> ConfigError {
        ConfigError {
            kind: ErrorKind::Invalid,
            origin,
            line: None,
            column: None,
            key: None,
            message: message.into(),
            source: None,
        }
    }

    fn place(&self) -> String {
        let mut place = match &self.origin {
            Origin::File(path) => path.display().to_string(),
            Origin::Env(var) => format!("environment {var}"),
            Origin::Flag(flag) => flag.to_string(),
        };
        if let Some(line) = self.line {
            let _ = write!(place, ", line {line}");
        }
        if let Some(column) = self.column {
            let _ = write!(place, ", column {column}");
        }
        place
    }

    fn key_prefix(&self) -> String {
        match (&self.key, self.kind) {
            (_, ErrorKind::UnknownKey | ErrorKind::UnknownSection) | (None, _) => String::new(),
            (Some(key), _) => format!("{key}: "),
        }
    }
}

/// The 1-based line of byte `offset`.
pub(super) fn line_of(text: &[u8], offset: usize) -> usize {
    let offset = offset.min(text.len());
    1 + memchr::memchr_iter(b'\n', &text[..offset]).count()
}

/// The 1-based column, in characters, of byte `offset`.
pub(super) fn column_of(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    1 + text[start..offset].chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns_count_from_one() {
        let text = "a\nbé\nc";
        assert_eq!(line_of(text.as_bytes(), 0), 1);
        assert_eq!(line_of(text.as_bytes(), 2), 2);
        assert_eq!(line_of(text.as_bytes(), text.len()), 3);
        assert_eq!(column_of(text, 5), 3);
        assert_eq!(column_of(text, 4), 2);
    }
}
