//! The environment, as a value, and where the config file is.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::{Path, PathBuf};

/// The variable naming the config file, overriding the usual place.
pub const CONFIG_VAR: &str = "PRELIST_CONFIG";
/// A CoinGecko demo key.
pub const DEMO_KEY_VAR: &str = "COINGECKO_API_KEY";
/// A CoinGecko pro key; wins over a demo key.
pub const PRO_KEY_VAR: &str = "COINGECKO_PRO_API_KEY";
/// The webhook URL of `[notify]`; wins over the file's.
pub const WEBHOOK_VAR: &str = "PRELIST_WEBHOOK_URL";
/// The exchanges to watch, overriding `sources.exchanges`: their names,
/// comma-separated (`binance,okx`); set and empty, none.
pub const EXCHANGES_VAR: &str = "PRELIST_EXCHANGES";
/// The pre-market venues to watch, overriding `sources.premarket`:
/// their names, comma-separated; set and empty, none.
pub const PREMARKET_VAR: &str = "PRELIST_PREMARKET";
/// The DEX sources to watch, overriding `sources.dex`: their names,
/// comma-separated; set and empty, none.
pub const DEX_VAR: &str = "PRELIST_DEX";
/// The fallback price source, overriding `poll.fallback`: `defillama` or
/// `off`.
pub const FALLBACK_VAR: &str = "PRELIST_FALLBACK";
/// The data dir, unless `--data-dir` names one.
pub const DATA_DIR_VAR: &str = "PRELIST_DATA_DIR";
/// Set and not empty: no colours unless a theme is chosen (no-color.org).
pub const NO_COLOR_VAR: &str = "NO_COLOR";

/// The environment variables this module reads, as a value: `Env::process()`
/// in the program, `Env::new().set(…)` in tests. Empty values count as unset.
/// Its `Debug` shows the names only, never the values (they include API keys).
#[derive(Clone, Default)]
pub struct Env {
    vars: HashMap<String, OsString>,
}

impl Env {
    /// Every variable of the settings: those `config_path` and `resolve`
    /// look at, the data dir's and `NO_COLOR`.
    pub const VARS: [&str; 11] = [
        CONFIG_VAR,
        "XDG_CONFIG_HOME",
        DEMO_KEY_VAR,
        PRO_KEY_VAR,
        WEBHOOK_VAR,
        EXCHANGES_VAR,
        FALLBACK_VAR,
        PREMARKET_VAR,
        DEX_VAR,
        DATA_DIR_VAR,
        NO_COLOR_VAR,
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

    /// The value of `name` if it is set, even to nothing: for a variable
    /// where empty means something (no exchanges).
    pub(super) fn var_set(&self, name: &str) -> Option<&OsStr> {
        self.vars.get(name).map(OsString::as_os_str)
    }

    /// The data dir `PRELIST_DATA_DIR` names, if it names one.
    pub fn data_dir(&self) -> Option<&OsStr> {
        self.var_os(DATA_DIR_VAR)
    }

    /// Whether `NO_COLOR` asks for no colours.
    pub fn no_color(&self) -> bool {
        self.var_os(NO_COLOR_VAR).is_some()
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
