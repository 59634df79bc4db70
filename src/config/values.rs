//! What every section shares: where a setting's value came from, and how
//! the file writes a value.

pub use crate::market::plan::MAX_INTERVAL;

/// Where a setting's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Flag,
    Env,
    File,
    /// Printed by a command the config file names (a secret manager's).
    Command,
    Default,
}

/// A setting's value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

impl<T> Setting<T> {
    pub(super) fn new(value: T, source: Source) -> Setting<T> {
        Setting { value, source }
    }

    pub(super) fn builtin(value: T) -> Setting<T> {
        Setting::new(value, Source::Default)
    }
}

/// A value as the config file writes it.
pub(super) fn quoted(s: &str) -> String {
    format!("{s:?}")
}
