//! The values settings hold, and where each came from.

use std::fmt;

use ratatui::style::Color;

use super::{DEMO_KEY_VAR, PRO_KEY_VAR};
use crate::market::coingecko::ApiKey;

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
    pub(super) fn new(value: T, source: Source) -> Setting<T> {
        Setting { value, source }
    }

    pub(super) fn builtin(value: T) -> Setting<T> {
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

    pub(super) fn describe(self) -> &'static str {
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
