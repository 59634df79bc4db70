//! The environment, as a value, and where the config file is.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::{Path, PathBuf};

use super::{CONFIG_VAR, DEMO_KEY_VAR, PRO_KEY_VAR, WEBHOOK_VAR};

/// The environment variables this module reads, as a value: `Env::process()`
/// in the program, `Env::new().set(…)` in tests. Empty values count as unset.
/// Its `Debug` shows the names only, never the values (they include API keys).
#[derive(Clone, Default)]
pub struct Env {
    vars: HashMap<String, OsString>,
}

impl Env {
    /// Every variable `config_path` and `resolve` look at.
    pub const VARS: [&str; 5] = [
        CONFIG_VAR,
        "XDG_CONFIG_HOME",
        DEMO_KEY_VAR,
        PRO_KEY_VAR,
        WEBHOOK_VAR,
    ];

    /// An empty environment.
    pub fn new() -> Env {
        Env::default()
    }

    /// The variables of [`Env::VARS`] from this process's environment.
    pub fn process() -> Env {
        Env::from_process(&Env::VARS)
    }

    /// The variables `names` from this process's environment (the terminal
    /// notifications look at others than the config does).
    pub fn from_process(names: &[&str]) -> Env {
        let vars = names
            .iter()
            .filter_map(|&name| Some((name.to_string(), std::env::var_os(name)?)))
            .collect();
        Env { vars }
    }

    /// This environment with `name` set to `value`.
    pub fn set(mut self, name: &str, value: impl Into<OsString>) -> Env {
        self.vars.insert(name.to_string(), value.into());
        self
    }

    /// The value of `name`, unless unset or empty.
    pub fn var_os(&self, name: &str) -> Option<&OsStr> {
        self.vars
            .get(name)
            .map(OsString::as_os_str)
            .filter(|v| !v.is_empty())
    }

    /// The value of `name` as text, unless unset, blank or not Unicode.
    pub(super) fn var(&self, name: &str) -> Option<&str> {
        self.var_os(name)?.to_str().filter(|v| !v.trim().is_empty())
    }
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut names: Vec<&str> = self.vars.keys().map(String::as_str).collect();
        names.sort_unstable();
        f.debug_struct("Env").field("set", &names).finish()
    }
}

/// Where the config file is: `$PRELIST_CONFIG` if set, else
/// `$XDG_CONFIG_HOME/prelist/config.toml` (an absolute `XDG_CONFIG_HOME`
/// only, as the XDG spec asks), else the platform's config dir
/// (`~/.config/prelist/config.toml` on Linux). `None` when there is no home
/// directory to put it in.
pub fn config_path(env: &Env) -> Option<PathBuf> {
    if let Some(path) = env.var_os(CONFIG_VAR) {
        return Some(PathBuf::from(path));
    }
    if let Some(dir) = env.var_os("XDG_CONFIG_HOME").map(Path::new)
        && dir.is_absolute()
    {
        return Some(dir.join("prelist").join("config.toml"));
    }
    directories::ProjectDirs::from("", "", "prelist").map(|d| d.config_dir().join("config.toml"))
}
