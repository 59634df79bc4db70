//! Mistakes in the settings, each saying where: the file, the line, the key;
//! and how a place in the file (a byte span) becomes its line and dotted key.

use std::fmt::Write as _;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use toml::Spanned;
use toml::de::{DeTable, DeValue};

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

/// A value that is not allowed: which key of its section, where, and why.
/// The sections' checks give these; [`Place::bad`] makes them errors.
pub(super) struct Bad {
    /// Relative to the section; empty for an unknown key.
    key: String,
    span: Range<usize>,
    message: String,
}

impl Bad {
    pub(super) fn new(key: &str, span: Range<usize>, message: impl Into<String>) -> Bad {
        Bad {
            key: key.to_string(),
            span,
            message: message.into(),
        }
    }

    /// `value`, if given, through `check`; a refusal is about `key`, at
    /// the value's place.
    pub(super) fn check<T, U>(
        value: Option<Spanned<T>>,
        key: &str,
        check: impl FnOnce(T) -> Result<U, String>,
    ) -> Result<Option<U>, Bad> {
        value
            .map(|v| {
                let span = v.span();
                check(v.into_inner()).map_err(|m| Bad::new(key, span, m))
            })
            .transpose()
    }

    /// An unknown key of a section with open keys (`[colors]`, `[keys]`).
    pub(super) fn unknown_key(name: &Spanned<String>, section: &str, known: &str) -> Bad {
        Bad::new(
            "",
            name.span(),
            format!(
                "unknown key {:?} in [{section}] (known keys: {known})",
                name.get_ref()
            ),
        )
    }
}

/// The text of a config file, to say where in it a span is.
pub(super) struct Place<'a> {
    pub(super) path: &'a Path,
    pub(super) text: &'a str,
    pub(super) doc: &'a DeTable<'a>,
}

impl Place<'_> {
    /// An error at `span`, about `key`.
    pub(super) fn at(
        &self,
        kind: ErrorKind,
        span: &Range<usize>,
        key: String,
        message: String,
    ) -> ConfigError {
        let mut err = ConfigError::file(self.path, kind, message);
        err.line = Some(self.line(span));
        err.key = Some(key);
        err
    }

    /// The 1-based line where `span` starts.
    pub(super) fn line(&self, span: &Range<usize>) -> usize {
        line_of(self.text.as_bytes(), span.start)
    }

    /// A value of `section` that its checks refused.
    pub(super) fn bad(&self, section: &str, bad: Bad) -> ConfigError {
        let kind = if bad.key.is_empty() {
            ErrorKind::UnknownKey
        } else {
            ErrorKind::Invalid
        };
        let key =
            key_at(self.doc, &bad.span, "").unwrap_or_else(|| format!("{section}.{}", bad.key));
        self.at(kind, &bad.span, key, bad.message)
    }

    /// A serde error in the file's terms: an unknown section or key, or a
    /// value of the wrong type, at its line and key. Neither serde nor
    /// toml type their errors: the kind is read from the message's words,
    /// which `serde_wording_is_what_we_read` pins.
    pub(super) fn serde(&self, e: &toml::de::Error) -> ConfigError {
        let doc = self.doc;
        let span = e.span().unwrap_or(0..0);
        let key = key_at(doc, &span, "").unwrap_or_default();
        let message = e.message();
        if let Some(rest) = message.strip_prefix(INVALID_TYPE)
            && let Some((found, expected)) = rest.split_once(EXPECTED)
        {
            let found = value_at(doc, &span).map_or_else(|| a_type(found), type_of);
            let expected = if expected == "a section" {
                format!("a section [{key}]")
            } else {
                expected.to_string()
            };
            return self.at(
                ErrorKind::WrongType,
                &span,
                key,
                format!("expected {expected}, found {found}"),
            );
        }
        if let Some(rest) = message.strip_prefix(UNKNOWN_FIELD)
            && let Some((name, known)) = rest.split_once('`')
        {
            let known = known
                .trim_start_matches(EXPECTED)
                .trim_start_matches(ONE_OF)
                .replace('`', "");
            return match key.rsplit_once('.') {
                Some((section, _)) => self.at(
                    ErrorKind::UnknownKey,
                    &span,
                    key.clone(),
                    format!("unknown key {name:?} in [{section}] (known keys: {known})"),
                ),
                None if matches!(doc.get(name).map(|v| v.get_ref()), Some(DeValue::Table(_))) => {
                    let sections: Vec<String> =
                        known.split(", ").map(|s| format!("[{s}]")).collect();
                    self.at(
                        ErrorKind::UnknownSection,
                        &span,
                        key,
                        format!(
                            "unknown section [{name}] (the sections are {})",
                            sections.join(", ")
                        ),
                    )
                }
                None => self.at(
                    ErrorKind::UnknownKey,
                    &span,
                    key,
                    format!(
                        "unknown key {name:?} outside any section (settings go under a \
                         section: [poll], [display], [colors], [keys]…)"
                    ),
                ),
            };
        }
        if message == OVERFLOW {
            let number = self.text.get(span.clone()).unwrap_or("the number");
            return self.at(
                ErrorKind::Invalid,
                &span,
                key,
                format!("{number} is out of range"),
            );
        }
        self.at(ErrorKind::Invalid, &span, key, message.to_string())
    }
}

// The words of serde's and toml's messages that `Place::serde` reads.
const INVALID_TYPE: &str = "invalid type: ";
const EXPECTED: &str = ", expected ";
const UNKNOWN_FIELD: &str = "unknown field `";
const ONE_OF: &str = "one of ";
const OVERFLOW: &str = "integer number overflowed";
/// How serde describes a value of each type, and what the file calls it.
const TYPES: [(&str, &str); 6] = [
    ("string", "a string"),
    ("integer", "an integer"),
    ("floating point", "a float"),
    ("boolean", "a boolean"),
    ("sequence", "an array"),
    ("map", "a table"),
];

/// The dotted key whose name or value holds `span`, searching `table`.
pub(super) fn key_at(table: &DeTable<'_>, span: &Range<usize>, prefix: &str) -> Option<String> {
    for (name, value) in table.iter() {
        let path = format!("{prefix}{}", name.get_ref());
        let holds = |s: Range<usize>| s.start <= span.start && span.end <= s.end && s != (0..0);
        if let DeValue::Table(inner) = value.get_ref()
            && let Some(found) = key_at(inner, span, &format!("{path}."))
        {
            return Some(found);
        }
        if holds(name.span()) || holds(value.span()) {
            return Some(path);
        }
    }
    None
}

/// The value of the document at exactly `span`.
fn value_at<'a>(table: &'a DeTable<'_>, span: &Range<usize>) -> Option<&'a DeValue<'a>> {
    table.values().find_map(|value| match value.get_ref() {
        _ if value.span() == *span => Some(value.get_ref()),
        DeValue::Table(inner) => value_at(inner, span),
        DeValue::Array(items) => items.iter().find_map(|item| match item.get_ref() {
            _ if item.span() == *span => Some(item.get_ref()),
            DeValue::Table(inner) => value_at(inner, span),
            _ => None,
        }),
        _ => None,
    })
}

fn type_of(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// "a string", "an integer"…, from serde's description of a value.
fn a_type(found: &str) -> &'static str {
    TYPES
        .iter()
        .find(|(prefix, _)| found.starts_with(prefix))
        .map_or("another type", |&(_, a)| a)
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
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code, reason = "read only to see what serde says of them")]
    struct Section {
        number: Option<u8>,
        name: Option<String>,
        flag: Option<bool>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code, reason = "read only to see what serde says of them")]
    struct One {
        number: Option<u8>,
    }

    fn message<'de, T: Deserialize<'de> + std::fmt::Debug>(text: &'de str) -> String {
        toml::from_str::<T>(text).unwrap_err().message().to_string()
    }

    /// `Place::serde` reads the kind of a serde error from its words: an
    /// upgrade of serde or toml that changes them fails here, not in the
    /// messages users see.
    #[test]
    fn serde_wording_is_what_we_read() {
        let wrong = message::<Section>("name = 5");
        assert_eq!(
            wrong,
            format!("{INVALID_TYPE}integer `5`{EXPECTED}a string")
        );
        let values = [
            "number = \"x\"",
            "name = 5",
            "name = 1.5",
            "name = true",
            "name = [1]",
            "name = { a = 1 }",
        ];
        for (text, (serde_says, ours)) in values.into_iter().zip(TYPES) {
            let found = message::<Section>(text);
            let rest = found.strip_prefix(INVALID_TYPE).unwrap_or_default();
            assert!(rest.starts_with(serde_says), "{found:?}");
            assert_eq!(a_type(rest), ours);
        }
        assert_eq!(
            message::<Section>("colour = 1"),
            format!("{UNKNOWN_FIELD}colour`{EXPECTED}{ONE_OF}`number`, `name`, `flag`")
        );
        assert_eq!(
            message::<One>("colour = 1"),
            format!("{UNKNOWN_FIELD}colour`{EXPECTED}`number`")
        );
        assert_eq!(
            message::<Section>("number = 9999999999999999999999999999999999999999"),
            OVERFLOW
        );
    }

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
