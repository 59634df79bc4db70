//! The one way tests spawn the binary: with none of the caller's `PRELIST_*`
//! or `COINGECKO_*` variables and a home of its own, so no test reads a
//! developer's config, data or API key, whichever variables the app learns
//! to read next.

// Each test crate compiles this module and uses only part of it.
#![allow(dead_code)]

use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::process::Command;

use portable_pty::CommandBuilder;

pub const BIN: &str = env!("CARGO_BIN_EXE_prelist");

/// Every variable whose name starts with one of these is removed.
pub const CLEARED_PREFIXES: [&str; 2] = ["PRELIST_", "COINGECKO_"];

/// A process about to be spawned: `std`'s and the pty's command builders.
pub trait Spawn {
    fn set_env(&mut self, key: &str, value: &OsStr);
    fn remove_env(&mut self, key: &OsStr);
}

impl Spawn for Command {
    fn set_env(&mut self, key: &str, value: &OsStr) {
        self.env(key, value);
    }
    fn remove_env(&mut self, key: &OsStr) {
        self.env_remove(key);
    }
}

impl Spawn for CommandBuilder {
    fn set_env(&mut self, key: &str, value: &OsStr) {
        self.env(key, value);
    }
    fn remove_env(&mut self, key: &OsStr) {
        self.env_remove(key);
    }
}

/// The names among `vars` that `hermetic` removes.
pub fn cleared(vars: impl IntoIterator<Item = (OsString, OsString)>) -> Vec<OsString> {
    vars.into_iter()
        .map(|(name, _)| name)
        .filter(|name| {
            CLEARED_PREFIXES
                .iter()
                .any(|p| name.as_encoded_bytes().starts_with(p.as_bytes()))
        })
        .collect()
}

/// Removes from `cmd` every `PRELIST_*` and `COINGECKO_*` variable of
/// `parent` (the environment the child would inherit) and `NO_COLOR`, and
/// puts its home, config, data, cache and state dirs under `home`, with no
/// exchange watched (`PRELIST_EXCHANGES` empty). Call
/// sites set what they need (a data dir, a key) afterwards.
pub fn hermetic(
    cmd: &mut impl Spawn,
    home: &Path,
    parent: impl IntoIterator<Item = (OsString, OsString)>,
) {
    for name in cleared(parent) {
        cmd.remove_env(&name);
    }
    cmd.remove_env(OsStr::new("NO_COLOR"));
    // No test looks at a real exchange: set and empty, it watches none,
    // whatever the config's default list.
    cmd.set_env("PRELIST_EXCHANGES", OsStr::new(""));
    cmd.set_env("HOME", home.as_os_str());
    for (var, dir) in [
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_STATE_HOME", "state"),
    ] {
        cmd.set_env(var, home.join(dir).as_os_str());
    }
}

/// The binary, hermetic, with `home` as its home.
pub fn command(home: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    hermetic(&mut cmd, home, std::env::vars_os());
    cmd
}

/// The binary for a pseudo-terminal, hermetic, run in and with `home` as
/// its home.
pub fn pty_command(home: &Path) -> CommandBuilder {
    let mut cmd = CommandBuilder::new(BIN);
    cmd.cwd(home);
    hermetic(&mut cmd, home, std::env::vars_os());
    cmd.env("TERM", "xterm-256color");
    cmd
}
