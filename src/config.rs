//! The config file, its validation, and the settings in effect.
//!
//! Every setting comes from, in order of precedence: a command-line flag, the
//! environment, the config file, the built-in default. The file is TOML, at
//! `$PRELIST_CONFIG`, else `$XDG_CONFIG_HOME/prelist/config.toml`, else
//! `~/.config/prelist/config.toml`; a missing file means all defaults. Every
//! error names the file, the line and the key, and a file holding an API key
//! must be private to its owner (`chmod 600`).
//!
//! Nothing here reads global state: the environment is passed in as an
//! [`Env`], so callers (and tests) decide what it holds.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::fmt::{self, Write as _};
use std::fs::File;
use std::io::{self, Read};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyModifiers};
use ratatui::style::Color;
use toml::Spanned;
use toml::de::{DeString, DeTable, DeValue};

use crate::keymap::{self, Action, Key};
use crate::market::coingecko::{self, ApiKey};
use crate::market::poller::{DEFAULT_INTERVAL, MIN_INTERVAL};
use crate::view::{Column, Sort};

/// The variable naming the config file, overriding the usual place.
pub const CONFIG_VAR: &str = "PRELIST_CONFIG";
/// A CoinGecko demo key.
pub const DEMO_KEY_VAR: &str = "COINGECKO_API_KEY";
/// A CoinGecko pro key; wins over a demo key.
pub const PRO_KEY_VAR: &str = "COINGECKO_PRO_API_KEY";

/// Config files larger than this are refused.
pub const MAX_FILE_SIZE: u64 = 1024 * 1024;
/// The longest poll interval accepted: longer ones are surely a mistake, and
/// a timer that far away could overflow.
pub const MAX_INTERVAL: Duration = Duration::from_secs(24 * 60 * 60);

/// The actions `[keys]` can rebind, with what each does, in the order the
/// default file lists them.
pub const ACTIONS: [(&str, &str); 24] = [
    ("up", "move up"),
    ("down", "move down"),
    ("first", "first row"),
    ("last", "last row"),
    ("page_down", "page down"),
    ("page_up", "page up"),
    ("sort_next", "sort by the next column"),
    ("sort_prev", "sort by the previous column"),
    ("sort_reverse", "reverse the sort"),
    ("search", "search name, ticker, category…"),
    ("status_filter", "status filter: all/upcoming/trading"),
    ("airdrop_filter", "airdrop filter: all/confirmed/probable"),
    ("full_detail", "detail full-screen on/off"),
    ("focus", "focus table/detail"),
    ("back", "back; clear the search"),
    ("poll_now", "poll now (when polling)"),
    ("log", "event log: flips and poll errors"),
    ("add", "add a coin"),
    ("edit", "edit the selected coin"),
    ("delete", "delete the selected coin (asks first)"),
    ("undo", "undo the last delete"),
    ("lookup", "look up the selected coin's market id"),
    ("help", "the help overlay"),
    ("quit", "quit"),
];

/// The [`Action`] an action name of `[keys]` stands for.
pub fn action_for_name(name: &str) -> Option<Action> {
    Some(match name {
        "up" => Action::Up,
        "down" => Action::Down,
        "first" => Action::First,
        "last" => Action::Last,
        "page_down" => Action::PageDown,
        "page_up" => Action::PageUp,
        "sort_next" => Action::SortNext,
        "sort_prev" => Action::SortPrev,
        "sort_reverse" => Action::SortReverse,
        "search" => Action::Search,
        "status_filter" => Action::CycleStatus,
        "airdrop_filter" => Action::CycleAirdrop,
        "full_detail" => Action::ToggleFullDetail,
        "focus" => Action::ToggleFocus,
        "back" => Action::Back,
        "poll_now" => Action::PollNow,
        "log" => Action::ToggleLog,
        "add" => Action::Add,
        "edit" => Action::Edit,
        "delete" => Action::Delete,
        "undo" => Action::Undo,
        "lookup" => Action::Lookup,
        "help" => Action::Help,
        "quit" => Action::Quit,
        _ => return None,
    })
}

// ---------------------------------------------------------------------------
// The environment

/// The environment variables this module reads, as a value: `Env::process()`
/// in the program, `Env::new().set(…)` in tests. Empty values count as unset.
/// Its `Debug` shows the names only, never the values (they include API keys).
#[derive(Clone, Default)]
pub struct Env {
    vars: HashMap<String, OsString>,
}

impl Env {
    /// Every variable `config_path` and `resolve` look at.
    pub const VARS: [&str; 4] = [CONFIG_VAR, "XDG_CONFIG_HOME", DEMO_KEY_VAR, PRO_KEY_VAR];

    /// An empty environment.
    pub fn new() -> Env {
        Env::default()
    }

    /// The variables of [`Env::VARS`] from this process's environment.
    pub fn process() -> Env {
        let vars = Env::VARS
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
    fn var(&self, name: &str) -> Option<&str> {
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

// ---------------------------------------------------------------------------
// Values

/// Where a setting's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Flag,
    Env,
    File,
    Default,
}

/// A setting's value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

impl<T> Setting<T> {
    fn new(value: T, source: Source) -> Setting<T> {
        Setting { value, source }
    }

    fn builtin(value: T) -> Setting<T> {
        Setting::new(value, Source::Default)
    }
}

/// The colour scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    /// The colours of `ui::theme`.
    #[default]
    Default,
    /// No colours: bold and reverse video only, for monochrome terminals
    /// and for those who prefer it.
    Mono,
}

impl Theme {
    pub const ALL: [Theme; 2] = [Theme::Default, Theme::Mono];

    /// The name used in the config file.
    pub fn key(self) -> &'static str {
        match self {
            Theme::Default => "default",
            Theme::Mono => "mono",
        }
    }

    pub fn from_key(key: &str) -> Option<Theme> {
        Theme::ALL.into_iter().find(|t| t.key() == key)
    }
}

/// A colour of the theme that `[colors]` can override.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColorSlot {
    SelectedFg,
    SelectedBg,
    Border,
    Trading,
    Upcoming,
    Up,
    Down,
    FlippedFg,
    FlippedBg,
    Label,
    Dim,
}

impl ColorSlot {
    pub const ALL: [ColorSlot; 11] = [
        ColorSlot::SelectedFg,
        ColorSlot::SelectedBg,
        ColorSlot::Border,
        ColorSlot::Trading,
        ColorSlot::Upcoming,
        ColorSlot::Up,
        ColorSlot::Down,
        ColorSlot::FlippedFg,
        ColorSlot::FlippedBg,
        ColorSlot::Label,
        ColorSlot::Dim,
    ];

    /// The name used in the config file.
    pub fn key(self) -> &'static str {
        match self {
            ColorSlot::SelectedFg => "selected_fg",
            ColorSlot::SelectedBg => "selected_bg",
            ColorSlot::Border => "border",
            ColorSlot::Trading => "trading",
            ColorSlot::Upcoming => "upcoming",
            ColorSlot::Up => "up",
            ColorSlot::Down => "down",
            ColorSlot::FlippedFg => "flipped_fg",
            ColorSlot::FlippedBg => "flipped_bg",
            ColorSlot::Label => "label",
            ColorSlot::Dim => "dim",
        }
    }

    pub fn from_key(key: &str) -> Option<ColorSlot> {
        ColorSlot::ALL.into_iter().find(|s| s.key() == key)
    }

    /// What the colour is used for.
    pub fn describe(self) -> &'static str {
        match self {
            ColorSlot::SelectedFg => "text of the selected row",
            ColorSlot::SelectedBg => "background of the selected row",
            ColorSlot::Border => "border of the focused pane, sorted column header",
            ColorSlot::Trading => "status \"trading\"",
            ColorSlot::Upcoming => "status \"upcoming\"",
            ColorSlot::Up => "a price that went up",
            ColorSlot::Down => "a price that went down",
            ColorSlot::FlippedFg => "text of a row whose coin started trading just now",
            ColorSlot::FlippedBg => "background of a row whose coin started trading just now",
            ColorSlot::Label => "labels in the detail pane",
            ColorSlot::Dim => "secondary text, unfocused borders",
        }
    }

    /// The colour the default theme gives it.
    pub fn default_color(self) -> Color {
        match self {
            ColorSlot::SelectedFg => Color::Black,
            ColorSlot::SelectedBg => Color::Cyan,
            ColorSlot::Border => Color::Cyan,
            ColorSlot::Trading => Color::Green,
            ColorSlot::Upcoming => Color::Yellow,
            ColorSlot::Up => Color::Green,
            ColorSlot::Down => Color::Red,
            ColorSlot::FlippedFg => Color::Black,
            ColorSlot::FlippedBg => Color::Green,
            ColorSlot::Label => Color::Cyan,
            ColorSlot::Dim => Color::DarkGray,
        }
    }
}

/// A colour as the config file writes it: `"darkgray"`, `"#ff8800"`, `"12"`.
pub fn color_name(color: Color) -> String {
    match color {
        Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        Color::Indexed(i) => i.to_string(),
        named => named.to_string().to_lowercase(),
    }
}

/// Reads a key as the config file writes it: a single character (`"j"`,
/// `"G"`, `"?"`; case matters), `"ctrl-x"` for a letter x, `"f1"`…`"f12"`,
/// or one of `enter esc tab backtab backspace delete up down left right
/// home end pgup pgdn space`. Names are read without case.
pub fn parse_key(s: &str) -> Option<Key> {
    let mut chars = s.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return (!c.is_control()).then_some(Key::ch(c));
    }
    let name = s.to_ascii_lowercase();
    if let Some(rest) = name.strip_prefix("ctrl-") {
        let mut chars = rest.chars();
        return match (chars.next(), chars.next()) {
            (Some(c), None) if c.is_ascii_lowercase() => Some(Key::ctrl(c)),
            _ => None,
        };
    }
    if let Some(digits) = name.strip_prefix('f')
        && let Ok(n) = digits.parse::<u8>()
        && (1..=12).contains(&n)
        && digits == n.to_string()
    {
        return Some(Key::plain(KeyCode::F(n)));
    }
    let code = match name.as_str() {
        "enter" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "backspace" => KeyCode::Backspace,
        "delete" => KeyCode::Delete,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pgup" => KeyCode::PageUp,
        "pgdn" => KeyCode::PageDown,
        "space" => KeyCode::Char(' '),
        _ => return None,
    };
    Some(Key::plain(code))
}

/// A key as the config file writes it; `parse_key` reads it back.
pub fn key_name(key: Key) -> String {
    let plain = key.mods == KeyModifiers::NONE;
    match key.code {
        KeyCode::Char(c) if key.mods == KeyModifiers::CONTROL => format!("ctrl-{c}"),
        KeyCode::Char(' ') if plain => "space".into(),
        KeyCode::Char(c) if plain => c.to_string(),
        KeyCode::F(n) if plain => format!("f{n}"),
        KeyCode::Enter if plain => "enter".into(),
        KeyCode::Esc if plain => "esc".into(),
        KeyCode::Tab if plain => "tab".into(),
        KeyCode::BackTab if plain => "backtab".into(),
        KeyCode::Backspace if plain => "backspace".into(),
        KeyCode::Delete if plain => "delete".into(),
        KeyCode::Up if plain => "up".into(),
        KeyCode::Down if plain => "down".into(),
        KeyCode::Left if plain => "left".into(),
        KeyCode::Right if plain => "right".into(),
        KeyCode::Home if plain => "home".into(),
        KeyCode::End if plain => "end".into(),
        KeyCode::PageUp if plain => "pgup".into(),
        KeyCode::PageDown if plain => "pgdn".into(),
        _ => format!("{:?}+{:?}", key.mods, key.code),
    }
}

const KEY_SYNTAX: &str = "a key is one character, ctrl-<letter>, f1-f12, enter, esc, tab, \
                          backtab, backspace, delete, up, down, left, right, home, end, pgup, \
                          pgdn or space";

/// Which kind of CoinGecko key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// A demo key, sent as `x-cg-demo-api-key` to the public API.
    Demo,
    /// A pro key, sent as `x-cg-pro-api-key` to the pro API.
    Pro,
}

impl KeyKind {
    /// The environment variable that holds this kind of key.
    pub fn env_var(self) -> &'static str {
        match self {
            KeyKind::Demo => DEMO_KEY_VAR,
            KeyKind::Pro => PRO_KEY_VAR,
        }
    }

    /// The key's name in `[poll]`.
    pub fn file_key(self) -> &'static str {
        match self {
            KeyKind::Demo => "api_key",
            KeyKind::Pro => "pro_api_key",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            KeyKind::Demo => "demo key",
            KeyKind::Pro => "pro key",
        }
    }
}

/// An API key, checked to be sendable in a header. Its `Debug` never shows
/// the key, and nothing here prints it.
#[derive(Clone)]
pub struct SecretKey {
    kind: KeyKind,
    value: String,
    api: ApiKey,
}

impl SecretKey {
    /// Fails, without quoting the key, when it cannot go in a header.
    pub fn new(kind: KeyKind, value: &str) -> Result<SecretKey, String> {
        let api = match kind {
            KeyKind::Demo => ApiKey::demo(value),
            KeyKind::Pro => ApiKey::pro(value),
        }
        .map_err(|_| "the key holds characters an HTTP header cannot carry".to_string())?;
        Ok(SecretKey {
            kind,
            value: value.trim().to_string(),
            api,
        })
    }

    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// The key, for the market client.
    pub fn api_key(&self) -> &ApiKey {
        &self.api
    }

    /// The key itself. Never print it.
    pub fn expose(&self) -> &str {
        &self.value
    }
}

impl PartialEq for SecretKey {
    fn eq(&self, other: &SecretKey) -> bool {
        self.kind == other.kind && self.value == other.value
    }
}

impl Eq for SecretKey {}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({:?}: [redacted])", self.kind)
    }
}

// ---------------------------------------------------------------------------
// Errors

/// What kind of mistake a [`ConfigError`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The file exists but cannot be read.
    Read,
    /// Over [`MAX_FILE_SIZE`].
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
/// below the minimum of 10 seconds`. Never holds an API key.
#[derive(Debug, thiserror::Error)]
#[error("{}: {}{message}", self.place(), self.key_prefix())]
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
    source: Option<io::Error>,
}

impl ConfigError {
    fn file(path: &Path, kind: ErrorKind, message: impl Into<String>) -> ConfigError {
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

    fn outside(origin: Origin, message: impl Into<String>) -> ConfigError {
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

// ---------------------------------------------------------------------------
// The file

/// What the config file sets; `None` (or empty) where it is silent. Values
/// are checked: a `FileConfig` holds only valid settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileConfig {
    pub poll_enabled: Option<bool>,
    pub interval: Option<Duration>,
    pub api_url: Option<String>,
    pub bell: Option<bool>,
    /// The pro key if the file has one, else the demo key.
    pub api_key: Option<SecretKey>,
    pub columns: Option<Vec<Column>>,
    pub sort: Option<Column>,
    pub descending: Option<bool>,
    pub theme: Option<Theme>,
    /// In the file's order.
    pub colors: Vec<(ColorSlot, Color)>,
    /// Action name and its keys, in the file's order.
    pub keys: Vec<(String, Vec<Key>)>,
    /// The line and key of an API key in the file, for the permission check.
    key_at: Option<(usize, &'static str)>,
}

/// Reads and checks the config file at `path`. A missing file is `Ok(None)`.
/// Refuses a file over [`MAX_FILE_SIZE`], one that is not UTF-8, and (on
/// Unix) one holding an API key that its group or others may read.
pub fn read_file(path: &Path) -> Result<Option<FileConfig>, ConfigError> {
    let read_error = |e: io::Error| {
        let mut err = ConfigError::file(
            path,
            ErrorKind::Read,
            format!("cannot read the config file: {e}"),
        );
        err.source = Some(e);
        err
    };
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(read_error(e)),
    };
    let meta = file.metadata().map_err(read_error)?;
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
    let mut bytes = Vec::new();
    (&file)
        .take(MAX_FILE_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_FILE_SIZE {
        return Err(too_large(bytes.len() as u64));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let bad = e.utf8_error().valid_up_to();
        let mut err = ConfigError::file(
            path,
            ErrorKind::NotUtf8,
            "the config file is not UTF-8 text: save it as UTF-8",
        );
        err.line = Some(line_of(e.as_bytes(), bad));
        err
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
    let mut err = ConfigError::file(
        path,
        ErrorKind::Permissions,
        format!(
            "the file holds an API key but its group or others have access to it \
             (mode {mode:03o}): run `chmod 600 {}`, or remove the key and set {} instead",
            path.display(),
            if key.ends_with("pro_api_key") {
                PRO_KEY_VAR
            } else {
                DEMO_KEY_VAR
            },
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

/// The 1-based line of byte `offset`.
fn line_of(text: &[u8], offset: usize) -> usize {
    let offset = offset.min(text.len());
    1 + memchr::memchr_iter(b'\n', &text[..offset]).count()
}

/// The 1-based column, in characters, of byte `offset`.
fn column_of(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    1 + text[start..offset].chars().count()
}

type Entry<'a, 'i> = (&'a Spanned<DeString<'i>>, &'a Spanned<DeValue<'i>>);

/// A table's entries in the file's order.
fn entries<'a, 'i>(table: &'a DeTable<'i>) -> Vec<Entry<'a, 'i>> {
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    entries
}

fn a_type(value: &DeValue<'_>) -> &'static str {
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

fn quoted(s: &str) -> String {
    format!("{s:?}")
}

fn list<I: IntoIterator<Item = &'static str>>(names: I) -> String {
    names.into_iter().collect::<Vec<_>>().join(", ")
}

/// Reads one file's text; `path` is for the messages.
struct Reader<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Reader<'_> {
    fn error(
        &self,
        kind: ErrorKind,
        span: Range<usize>,
        key: &str,
        message: String,
    ) -> ConfigError {
        let mut err = ConfigError::file(self.path, kind, message);
        err.line = Some(line_of(self.text.as_bytes(), span.start));
        err.key = Some(key.to_string());
        err
    }

    /// A column name, as `display.columns` and `display.sort` hold them.
    fn column(&self, value: &Spanned<DeValue<'_>>, key: &str) -> Result<Column, ConfigError> {
        let s = self.str(value, key, "a column name in quotes")?;
        Column::from_key(s).ok_or_else(|| {
            self.invalid(
                value.span(),
                key,
                format!(
                    "unknown column {} (the columns are {})",
                    quoted(s),
                    list(Column::ALL.map(Column::key))
                ),
            )
        })
    }

    fn invalid(&self, span: Range<usize>, key: &str, message: String) -> ConfigError {
        self.error(ErrorKind::Invalid, span, key, message)
    }

    fn wrong_type(&self, value: &Spanned<DeValue<'_>>, key: &str, expected: &str) -> ConfigError {
        let found = a_type(value.get_ref());
        self.error(
            ErrorKind::WrongType,
            value.span(),
            key,
            format!("expected {expected}, found {found}"),
        )
    }

    fn unknown_key(
        &self,
        name: &Spanned<DeString<'_>>,
        section: &str,
        known: String,
    ) -> ConfigError {
        self.error(
            ErrorKind::UnknownKey,
            name.span(),
            &format!("{section}.{}", name.get_ref()),
            format!(
                "unknown key {} in [{section}] (known keys: {known})",
                quoted(name.get_ref())
            ),
        )
    }

    fn bool(&self, value: &Spanned<DeValue<'_>>, key: &str) -> Result<bool, ConfigError> {
        match value.get_ref() {
            DeValue::Boolean(b) => Ok(*b),
            _ => Err(self.wrong_type(value, key, "true or false")),
        }
    }

    fn str<'v>(
        &self,
        value: &'v Spanned<DeValue<'_>>,
        key: &str,
        expected: &str,
    ) -> Result<&'v str, ConfigError> {
        match value.get_ref() {
            DeValue::String(s) => Ok(s),
            _ => Err(self.wrong_type(value, key, expected)),
        }
    }

    fn table<'v, 'i>(
        &self,
        value: &'v Spanned<DeValue<'i>>,
        name: &Spanned<DeString<'_>>,
    ) -> Result<&'v DeTable<'i>, ConfigError> {
        match value.get_ref() {
            DeValue::Table(t) => Ok(t),
            other => Err(self.error(
                ErrorKind::WrongType,
                name.span(),
                name.get_ref(),
                format!(
                    "expected a section [{}], found {}",
                    name.get_ref(),
                    a_type(other)
                ),
            )),
        }
    }

    fn parse(&self) -> Result<FileConfig, ConfigError> {
        let doc = DeTable::parse(self.text).map_err(|e| {
            let mut err = ConfigError::file(
                self.path,
                ErrorKind::Syntax,
                format!("not valid TOML: {}", e.message().trim()),
            );
            if let Some(span) = e.span() {
                err.line = Some(line_of(self.text.as_bytes(), span.start));
                err.column = Some(column_of(self.text, span.start));
            }
            err
        })?;
        let mut config = FileConfig::default();
        for (name, value) in entries(doc.get_ref()) {
            match name.get_ref().as_ref() {
                "poll" => self.poll(self.table(value, name)?, &mut config)?,
                "display" => self.display(self.table(value, name)?, &mut config)?,
                "colors" => self.colors(self.table(value, name)?, &mut config)?,
                "keys" => self.keys(self.table(value, name)?, &mut config)?,
                other if value.get_ref().is_table() => {
                    return Err(self.error(
                        ErrorKind::UnknownSection,
                        name.span(),
                        other,
                        format!(
                            "unknown section [{other}] (the sections are [poll], [display], \
                             [colors] and [keys])"
                        ),
                    ));
                }
                other => {
                    return Err(self.error(
                        ErrorKind::UnknownKey,
                        name.span(),
                        other,
                        format!(
                            "unknown key {} outside any section (settings go under [poll], \
                             [display], [colors] or [keys])",
                            quoted(other)
                        ),
                    ));
                }
            }
        }
        Ok(config)
    }

    fn poll(&self, table: &DeTable<'_>, config: &mut FileConfig) -> Result<(), ConfigError> {
        const KNOWN: [&str; 6] = [
            "enabled",
            "interval",
            "api_url",
            "bell",
            "api_key",
            "pro_api_key",
        ];
        let mut demo = None;
        let mut pro = None;
        for (name, value) in entries(table) {
            let key = format!("poll.{}", name.get_ref());
            match name.get_ref().as_ref() {
                "enabled" => config.poll_enabled = Some(self.bool(value, &key)?),
                "bell" => config.bell = Some(self.bool(value, &key)?),
                "interval" => config.interval = Some(self.interval(value, &key)?),
                "api_url" => {
                    let url = self.str(value, &key, "a URL in quotes")?;
                    check_url(url).map_err(|m| self.invalid(value.span(), &key, m))?;
                    config.api_url = Some(url.to_string());
                }
                "api_key" | "pro_api_key" => {
                    let (kind, slot, key_name) = if name.get_ref() == "api_key" {
                        (KeyKind::Demo, &mut demo, "poll.api_key")
                    } else {
                        (KeyKind::Pro, &mut pro, "poll.pro_api_key")
                    };
                    let secret = self.str(value, &key, "the key in quotes")?;
                    if secret.trim().is_empty() {
                        continue;
                    }
                    let secret = SecretKey::new(kind, secret)
                        .map_err(|m| self.invalid(value.span(), &key, m))?;
                    let line = line_of(self.text.as_bytes(), name.span().start);
                    *slot = Some((secret, line, key_name));
                }
                _ => return Err(self.unknown_key(name, "poll", list(KNOWN))),
            }
        }
        // The pro key wins, as in the environment; either makes the file secret.
        let first_line = [&demo, &pro]
            .into_iter()
            .flatten()
            .map(|(_, line, key)| (*line, *key))
            .min();
        config.key_at = first_line;
        config.api_key = pro.or(demo).map(|(secret, _, _)| secret);
        Ok(())
    }

    fn interval(&self, value: &Spanned<DeValue<'_>>, key: &str) -> Result<Duration, ConfigError> {
        let DeValue::Integer(n) = value.get_ref() else {
            return Err(self.wrong_type(value, key, "a whole number of seconds"));
        };
        let Ok(secs) = i64::from_str_radix(n.as_str(), n.radix()) else {
            let message = format!(
                "{n} is out of range: give {} to {} seconds",
                MIN_INTERVAL.as_secs(),
                MAX_INTERVAL.as_secs()
            );
            return Err(self.invalid(value.span(), key, message));
        };
        check_interval(secs).map_err(|m| self.invalid(value.span(), key, m))
    }

    fn display(&self, table: &DeTable<'_>, config: &mut FileConfig) -> Result<(), ConfigError> {
        const KNOWN: [&str; 4] = ["columns", "sort", "descending", "theme"];
        for (name, value) in entries(table) {
            let key = format!("display.{}", name.get_ref());
            match name.get_ref().as_ref() {
                "columns" => {
                    let DeValue::Array(items) = value.get_ref() else {
                        return Err(self.wrong_type(value, &key, "a list of column names"));
                    };
                    let mut shown = Vec::new();
                    for item in items.iter() {
                        let col = self.column(item, &key)?;
                        if shown.contains(&col) {
                            return Err(self.invalid(
                                item.span(),
                                &key,
                                format!("{} is listed twice", quoted(col.key())),
                            ));
                        }
                        shown.push(col);
                    }
                    if !shown.contains(&Column::Name) {
                        return Err(self.invalid(
                            value.span(),
                            &key,
                            "the columns must include \"name\"".to_string(),
                        ));
                    }
                    config.columns = Some(shown);
                }
                "sort" => {
                    config.sort = Some(self.column(value, &key)?);
                }
                "descending" => config.descending = Some(self.bool(value, &key)?),
                "theme" => {
                    let s = self.str(value, &key, "a theme name in quotes")?;
                    let theme = Theme::from_key(s).ok_or_else(|| {
                        self.invalid(
                            value.span(),
                            &key,
                            format!(
                                "unknown theme {} (the themes are {})",
                                quoted(s),
                                list(Theme::ALL.map(Theme::key))
                            ),
                        )
                    })?;
                    config.theme = Some(theme);
                }
                _ => return Err(self.unknown_key(name, "display", list(KNOWN))),
            }
        }
        Ok(())
    }

    fn colors(&self, table: &DeTable<'_>, config: &mut FileConfig) -> Result<(), ConfigError> {
        for (name, value) in entries(table) {
            let key = format!("colors.{}", name.get_ref());
            let Some(slot) = ColorSlot::from_key(name.get_ref()) else {
                return Err(self.unknown_key(
                    name,
                    "colors",
                    list(ColorSlot::ALL.map(ColorSlot::key)),
                ));
            };
            let s = self.str(value, &key, "a colour in quotes")?;
            let color = Color::from_str(s).map_err(|_| {
                self.invalid(
                    value.span(),
                    &key,
                    format!(
                        "{} is not a colour (use a name such as \"red\" or \"lightgreen\", \
                         \"#rrggbb\", or a number 0-255)",
                        quoted(s)
                    ),
                )
            })?;
            config.colors.push((slot, color));
        }
        Ok(())
    }

    fn keys(&self, table: &DeTable<'_>, config: &mut FileConfig) -> Result<(), ConfigError> {
        // Every key bound so far, and the action it is bound to.
        let mut bound: Vec<(Key, String)> = Vec::new();
        for (name, value) in entries(table) {
            let action = name.get_ref().as_ref();
            let key = format!("keys.{action}");
            if action_for_name(action).is_none() {
                return Err(self.unknown_key(name, "keys", list(ACTIONS.map(|(a, _)| a))));
            }
            let items: Vec<&Spanned<DeValue<'_>>> = match value.get_ref() {
                DeValue::String(_) => vec![value],
                DeValue::Array(items) => items.iter().collect(),
                _ => return Err(self.wrong_type(value, &key, "a key or a list of keys")),
            };
            if items.is_empty() {
                return Err(self.invalid(
                    value.span(),
                    &key,
                    "give at least one key (an action cannot be left without one)".to_string(),
                ));
            }
            let mut keys = Vec::new();
            for item in items {
                let s = self.str(item, &key, "a key in quotes")?;
                let k = parse_key(s).ok_or_else(|| {
                    self.invalid(
                        item.span(),
                        &key,
                        format!("{} is not a key ({KEY_SYNTAX})", quoted(s)),
                    )
                })?;
                if let Some((_, other)) = bound.iter().find(|(b, _)| *b == k) {
                    let message = if *other == key {
                        format!("{} is listed twice", quoted(s))
                    } else {
                        format!("{} is already bound to {other}", quoted(s))
                    };
                    return Err(self.invalid(item.span(), &key, message));
                }
                bound.push((k, key.clone()));
                keys.push(k);
            }
            config.keys.push((action.to_string(), keys));
        }
        Ok(())
    }
}

fn check_interval(secs: i64) -> Result<Duration, String> {
    if secs < MIN_INTERVAL.as_secs() as i64 {
        return Err(format!(
            "{secs} is below the minimum of {} seconds",
            MIN_INTERVAL.as_secs()
        ));
    }
    if secs > MAX_INTERVAL.as_secs() as i64 {
        return Err(format!(
            "{secs} is above the maximum of {} seconds (a day)",
            MAX_INTERVAL.as_secs()
        ));
    }
    Ok(Duration::from_secs(secs as u64))
}

fn check_url(url: &str) -> Result<(), String> {
    match url::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Ok(()),
        Ok(_) => Err(format!("{} is not an http or https URL", quoted(url))),
        Err(e) => Err(format!("{} is not a URL: {e}", quoted(url))),
    }
}

impl FileConfig {
    /// Reads config text; `path` is only for the messages. Does not check
    /// the file's permissions: [`read_file`] does.
    pub fn parse(text: &str, path: &Path) -> Result<FileConfig, ConfigError> {
        Reader { text, path }.parse()
    }
}

// ---------------------------------------------------------------------------
// Resolution

/// The command-line flags that are settings, as given. `poll` and `no_bell`
/// are true only when the flag was given; `interval` and `api_url` are
/// `None` when not given, so the file can set them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlagValues {
    pub poll: bool,
    pub interval: Option<u64>,
    pub api_url: Option<String>,
    pub no_bell: bool,
}

/// The settings in effect, each with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The config file looked for (`None`: no home directory to look in).
    pub config_path: Option<PathBuf>,
    /// Whether it was there (and read).
    pub config_found: bool,
    pub poll_enabled: Setting<bool>,
    pub interval: Setting<Duration>,
    /// `None` means the default for the key: [`coingecko::PRO_BASE`] with a
    /// pro key, else [`coingecko::PUBLIC_BASE`]; see [`Settings::api_url`].
    pub api_url: Setting<Option<String>>,
    pub bell: Setting<bool>,
    /// The columns shown, in order; always holds [`Column::Name`].
    pub columns: Setting<Vec<Column>>,
    pub sort: Setting<Sort>,
    pub theme: Setting<Theme>,
    /// Colours overriding the theme's, each slot at most once.
    pub colors: Setting<Vec<(ColorSlot, Color)>>,
    /// Actions (names of [`ACTIONS`]) whose default keys are replaced, with
    /// their new keys. No key is bound to two of them.
    pub keys: Setting<Vec<(String, Vec<Key>)>>,
    pub api_key: Setting<Option<SecretKey>>,
}

impl Default for Settings {
    /// The built-in defaults, with no config file.
    fn default() -> Settings {
        Settings {
            config_path: None,
            config_found: false,
            poll_enabled: Setting::builtin(false),
            interval: Setting::builtin(DEFAULT_INTERVAL),
            api_url: Setting::builtin(None),
            bell: Setting::builtin(true),
            columns: Setting::builtin(Column::ALL.to_vec()),
            sort: Setting::builtin(Sort::default()),
            theme: Setting::builtin(Theme::Default),
            colors: Setting::builtin(Vec::new()),
            keys: Setting::builtin(Vec::new()),
            api_key: Setting::builtin(None),
        }
    }
}

/// Finds the config file, reads it and resolves the settings: the usual
/// entry point.
pub fn load(flags: &FlagValues, env: &Env) -> Result<Settings, ConfigError> {
    let path = config_path(env);
    let file = match &path {
        Some(path) => read_file(path)?,
        None => None,
    };
    resolve(flags, env, path.as_deref(), file.as_ref())
}

/// The settings from flags, else the environment, else `file` (read from
/// `config_path`), else the defaults. Fails on a flag or an environment
/// variable with a bad value.
pub fn resolve(
    flags: &FlagValues,
    env: &Env,
    config_path: Option<&Path>,
    file: Option<&FileConfig>,
) -> Result<Settings, ConfigError> {
    let mut s = Settings {
        config_path: config_path.map(Path::to_path_buf),
        config_found: file.is_some(),
        ..Settings::default()
    };
    let empty = FileConfig::default();
    let f = file.unwrap_or(&empty);

    // A flag can only turn polling on; the file can turn it on or off.
    if flags.poll {
        s.poll_enabled = Setting::new(true, Source::Flag);
    } else if let Some(enabled) = f.poll_enabled {
        s.poll_enabled = Setting::new(enabled, Source::File);
    }

    if let Some(secs) = flags.interval {
        let secs = i64::try_from(secs).unwrap_or(i64::MAX);
        let interval = check_interval(secs)
            .map_err(|m| ConfigError::outside(Origin::Flag("--interval"), m))?;
        s.interval = Setting::new(interval, Source::Flag);
    } else if let Some(interval) = f.interval {
        s.interval = Setting::new(interval, Source::File);
    }

    if let Some(url) = &flags.api_url {
        check_url(url).map_err(|m| ConfigError::outside(Origin::Flag("--api-url"), m))?;
        s.api_url = Setting::new(Some(url.clone()), Source::Flag);
    } else if let Some(url) = &f.api_url {
        s.api_url = Setting::new(Some(url.clone()), Source::File);
    }

    if flags.no_bell {
        s.bell = Setting::new(false, Source::Flag);
    } else if let Some(bell) = f.bell {
        s.bell = Setting::new(bell, Source::File);
    }

    if let Some(columns) = &f.columns {
        s.columns = Setting::new(columns.clone(), Source::File);
    }
    if f.sort.is_some() || f.descending.is_some() {
        let sort = Sort {
            column: f.sort.unwrap_or(Sort::default().column),
            descending: f.descending.unwrap_or(false),
        };
        s.sort = Setting::new(sort, Source::File);
    }
    if let Some(theme) = f.theme {
        s.theme = Setting::new(theme, Source::File);
    }
    if !f.colors.is_empty() {
        s.colors = Setting::new(f.colors.clone(), Source::File);
    }
    if !f.keys.is_empty() {
        s.keys = Setting::new(f.keys.clone(), Source::File);
    }

    let env_key = [KeyKind::Pro, KeyKind::Demo]
        .into_iter()
        .find_map(|kind| Some((kind, env.var(kind.env_var())?)));
    if let Some((kind, value)) = env_key {
        let key = SecretKey::new(kind, value)
            .map_err(|m| ConfigError::outside(Origin::Env(kind.env_var()), m))?;
        s.api_key = Setting::new(Some(key), Source::Env);
    } else if let Some(key) = &f.api_key {
        s.api_key = Setting::new(Some(key.clone()), Source::File);
    }
    Ok(s)
}

impl Settings {
    /// The API's base URL: the one set, else the default for the key.
    pub fn api_url(&self) -> &str {
        self.api_url.value.as_deref().unwrap_or_else(|| {
            coingecko::default_base(self.api_key.value.as_ref().map(SecretKey::api_key))
        })
    }

    /// The keys set for `action` (a name of [`ACTIONS`]), if the file
    /// replaced its defaults.
    pub fn keys_for(&self, action: &str) -> Option<&[Key]> {
        self.keys
            .value
            .iter()
            .find(|(a, _)| a == action)
            .map(|(_, keys)| keys.as_slice())
    }

    /// The colour for `slot` if the file overrides it.
    pub fn color(&self, slot: ColorSlot) -> Option<Color> {
        self.colors
            .value
            .iter()
            .find(|(s, _)| *s == slot)
            .map(|&(_, c)| c)
    }

    /// What `prelist config` prints: the config file, then every setting on
    /// its own line as `name = value  (from …)`. The API key line says only
    /// whether a key is set, of which kind and from where: never the key.
    pub fn describe(&self) -> String {
        let file = self
            .config_path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let from = |source: Source, flag: &str, var: &str| match source {
            Source::Flag => format!("from flag {flag}"),
            Source::Env => format!("from environment {var}"),
            Source::File => format!("from config file {file}"),
            Source::Default => "default".to_string(),
        };
        let mut out = String::new();
        let mut line = |name: &str, value: String, source: String| {
            let _ = writeln!(out, "{name} = {value}  ({source})");
        };
        let (config, note) = match (&self.config_path, self.config_found) {
            (Some(_), true) => (file.as_str(), "found"),
            (Some(_), false) => (file.as_str(), "not found: built-in defaults"),
            (None, _) => ("none", "no home directory"),
        };
        line("config file", config.to_string(), note.to_string());

        let s = self;
        line(
            "poll.enabled",
            s.poll_enabled.value.to_string(),
            from(s.poll_enabled.source, "--poll", ""),
        );
        line(
            "poll.interval",
            s.interval.value.as_secs().to_string(),
            from(s.interval.source, "--interval", ""),
        );
        let url_source = match (&s.api_url.value, &s.api_key.value) {
            (None, Some(key)) => format!("default for a {}", key.kind().describe()),
            _ => from(s.api_url.source, "--api-url", ""),
        };
        line("poll.api_url", quoted(s.api_url()), url_source);
        line(
            "poll.bell",
            s.bell.value.to_string(),
            from(s.bell.source, "--no-bell", ""),
        );
        let columns: Vec<String> = s.columns.value.iter().map(|c| quoted(c.key())).collect();
        line(
            "display.columns",
            format!("[{}]", columns.join(", ")),
            from(s.columns.source, "", ""),
        );
        line(
            "display.sort",
            quoted(s.sort.value.column.key()),
            from(s.sort.source, "", ""),
        );
        line(
            "display.descending",
            s.sort.value.descending.to_string(),
            from(s.sort.source, "", ""),
        );
        line(
            "display.theme",
            quoted(s.theme.value.key()),
            from(s.theme.source, "", ""),
        );
        if s.colors.value.is_empty() {
            line(
                "colors",
                "the theme's own".into(),
                from(s.colors.source, "", ""),
            );
        }
        for (slot, color) in &s.colors.value {
            line(
                &format!("colors.{}", slot.key()),
                quoted(&color_name(*color)),
                from(s.colors.source, "", ""),
            );
        }
        if s.keys.value.is_empty() {
            line("keys", "the defaults".into(), from(s.keys.source, "", ""));
        }
        for (action, keys) in &s.keys.value {
            let names: Vec<String> = keys.iter().map(|k| quoted(&key_name(*k))).collect();
            line(
                &format!("keys.{action}"),
                format!("[{}]", names.join(", ")),
                from(s.keys.source, "", ""),
            );
        }
        let key = match &s.api_key.value {
            Some(key) => format!(
                "{} set  ({})",
                key.kind().describe(),
                from(s.api_key.source, "", key.kind().env_var()),
            ),
            None => "none  (default)".to_string(),
        };
        let _ = writeln!(out, "api key = {key}");
        out
    }
}

// ---------------------------------------------------------------------------
// The default file

/// A config file with every setting, each explained, commented out at its
/// default value: loaded as is, it gives the default settings; any
/// `# name = value` line can be uncommented as it stands.
pub fn default_file() -> String {
    let d = Settings::default();
    let mut out = String::new();
    let columns: Vec<String> = Column::ALL.iter().map(|c| quoted(c.key())).collect();
    let _ = write!(
        out,
        r##"# prelist configuration.
#
# Every setting is optional: the commented-out values below are the defaults.
# Remove the "# " in front of a setting to change it. Command-line flags win
# over the environment, which wins over this file. `prelist config` shows the
# settings in effect and where each comes from.
#
# This file is read from $PRELIST_CONFIG if set, else
# $XDG_CONFIG_HOME/prelist/config.toml, else ~/.config/prelist/config.toml.

[poll]
# Poll the market-data API from the start, so coins flip to trading as they
# list (the same as --poll).
# enabled = {enabled}

# Seconds between polls, at least {min} and at most {max} (a day); the same as
# --interval.
# interval = {interval}

# Base URL of a CoinGecko-compatible API (the same as --api-url). Unset, it is
# {public}, or
# {pro} with a pro key.
# api_url = "{public}"

# Ring the terminal bell when a coin starts trading (--no-bell turns it off).
# bell = {bell}

# A CoinGecko demo key, or a pro key. The environment variables
# {demo_var} and {pro_var} win over these. A key here is
# read only when this file is private to you: run `chmod 600` on it.
# api_key = "your-demo-key"
# pro_api_key = "your-pro-key"

[display]
# The columns shown and their order; "name" is required. The columns:
# {all_columns}.
# columns = [{columns}]

# The column the table is sorted by at start (one of the columns above).
# sort = "{sort}"

# Sort from the largest value down.
# descending = {descending}

# "default", or "mono" for no colours (bold and reverse video only).
# theme = "{theme}"

[colors]
# Override single colours of the theme. A colour is a name ("red",
# "lightgreen", "darkgray"…), "#rrggbb", or a terminal colour number "0"-"255".
"##,
        enabled = d.poll_enabled.value,
        min = MIN_INTERVAL.as_secs(),
        max = MAX_INTERVAL.as_secs(),
        interval = d.interval.value.as_secs(),
        public = coingecko::PUBLIC_BASE,
        pro = coingecko::PRO_BASE,
        bell = d.bell.value,
        demo_var = DEMO_KEY_VAR,
        pro_var = PRO_KEY_VAR,
        all_columns = list(Column::ALL.map(Column::key)),
        columns = columns.join(", "),
        sort = d.sort.value.column.key(),
        descending = d.sort.value.descending,
        theme = d.theme.value.key(),
    );
    for slot in ColorSlot::ALL {
        let setting = format!(
            "{} = {}",
            slot.key(),
            quoted(&color_name(slot.default_color()))
        );
        let _ = writeln!(out, "# {setting:<26} # {}", slot.describe());
    }
    out.push_str(
        "\n[keys]\n\
         # Replace an action's keys: action = \"key\" or [\"key\", \"key\"]. A key is one\n\
         # character (\"j\", \"G\", \"?\"; case matters), \"ctrl-x\", \"f1\"-\"f12\", or\n\
         # enter, esc, tab, backtab, backspace, delete, up, down, left, right, home,\n\
         # end, pgup, pgdn, space. A key may serve one action only.\n",
    );
    let bindings = keymap::normal_bindings();
    for (name, what) in ACTIONS {
        let action = action_for_name(name);
        let keys = bindings
            .iter()
            .find(|b| Some(&b.action) == action.as_ref())
            .map(|b| {
                b.keys
                    .iter()
                    .map(|k| quoted(&key_name(*k)))
                    .collect::<Vec<_>>()
            });
        let _ = match keys {
            Some(keys) => {
                let setting = format!("{name} = [{}]", keys.join(", "));
                writeln!(out, "# {setting:<34} # {what}")
            }
            None => writeln!(out, "# {name}: no key by default ({what})"),
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_back_as_written() {
        for s in [
            "j",
            "G",
            "?",
            "/",
            "ctrl-c",
            "f1",
            "f12",
            "enter",
            "esc",
            "tab",
            "backtab",
            "backspace",
            "delete",
            "up",
            "down",
            "left",
            "right",
            "home",
            "end",
            "pgup",
            "pgdn",
            "space",
        ] {
            let key = parse_key(s).unwrap_or_else(|| panic!("{s} is a key"));
            assert_eq!(key_name(key), s);
        }
        assert_eq!(parse_key("Ctrl-C"), Some(Key::ctrl('c')));
        assert_eq!(parse_key("ENTER"), Some(Key::plain(KeyCode::Enter)));
        assert_eq!(parse_key("F5"), Some(Key::plain(KeyCode::F(5))));
        assert_eq!(parse_key(" "), Some(Key::ch(' ')));
        assert_ne!(parse_key("G"), parse_key("g"));
        for bad in [
            "", "ctrl-", "ctrl-1", "ctrl-ab", "f0", "f13", "f05", "\t", "jk", "shift-a",
        ] {
            assert_eq!(parse_key(bad), None, "{bad:?}");
        }
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

    #[test]
    fn every_action_name_has_an_action_and_colours_name_round_trip() {
        for (name, _) in ACTIONS {
            assert!(action_for_name(name).is_some(), "{name}");
        }
        for slot in ColorSlot::ALL {
            assert_eq!(ColorSlot::from_key(slot.key()), Some(slot));
            let c = slot.default_color();
            assert_eq!(Color::from_str(&color_name(c)), Ok(c));
        }
        for c in [
            Color::Rgb(255, 136, 0),
            Color::Indexed(12),
            Color::LightGreen,
        ] {
            assert_eq!(Color::from_str(&color_name(c)), Ok(c));
        }
    }

    #[test]
    fn debug_never_shows_a_key() {
        let key = SecretKey::new(KeyKind::Pro, "sekrit-123").unwrap();
        assert!(!format!("{key:?}").contains("sekrit"));
        let env = Env::new().set(PRO_KEY_VAR, "sekrit-123");
        assert!(!format!("{env:?}").contains("sekrit"));
    }
}
