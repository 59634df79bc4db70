//! Keys: how the config file writes them, and how the screen shows them.
//! One table of named keys serves both directions, so a key that can be
//! read can always be written back, and the help shows each key by the same
//! row of the table.

use std::fmt;
use std::str::FromStr;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key with its modifiers, as bound, written in the config and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

/// The keys with names: how the config file writes each, how the screen
/// shows it.
const NAMED: [(KeyCode, &str, &str); 15] = [
    (KeyCode::Enter, "enter", "Enter"),
    (KeyCode::Esc, "esc", "Esc"),
    (KeyCode::Tab, "tab", "Tab"),
    (KeyCode::BackTab, "backtab", "Shift-Tab"),
    (KeyCode::Backspace, "backspace", "Backspace"),
    (KeyCode::Delete, "delete", "Delete"),
    (KeyCode::Up, "up", "↑"),
    (KeyCode::Down, "down", "↓"),
    (KeyCode::Left, "left", "←"),
    (KeyCode::Right, "right", "→"),
    (KeyCode::Home, "home", "Home"),
    (KeyCode::End, "end", "End"),
    (KeyCode::PageUp, "pgup", "PgUp"),
    (KeyCode::PageDown, "pgdn", "PgDn"),
    (KeyCode::Char(' '), "space", "Space"),
];

/// What the config file accepts as a key, for messages and the default file.
pub const KEY_SYNTAX: &str = "a key is one character, ctrl-<letter>, f1-f12, enter, esc, tab, \
                              backtab, backspace, delete, up, down, left, right, home, end, \
                              pgup, pgdn or space";

impl Key {
    pub const fn plain(code: KeyCode) -> Key {
        Key {
            code,
            mods: KeyModifiers::NONE,
        }
    }

    pub const fn ch(c: char) -> Key {
        Key::plain(KeyCode::Char(c))
    }

    pub const fn ctrl(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            mods: KeyModifiers::CONTROL,
        }
    }

    /// Whether a key press is this key. Shift is part of an upper-case
    /// character already, so it is ignored for characters.
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        let mut mods = ev.modifiers;
        if matches!(ev.code, KeyCode::Char(_)) {
            mods.remove(KeyModifiers::SHIFT);
        }
        self.code == ev.code && self.mods == mods
    }

    fn named(code: KeyCode) -> Option<(&'static str, &'static str)> {
        NAMED
            .iter()
            .find(|(c, _, _)| *c == code)
            .map(|&(_, name, label)| (name, label))
    }

    /// The key as the screen shows it: `j`, `↓`, `Ctrl-c`, `PgDn`, `F5`.
    pub fn label(&self) -> String {
        let ctrl = if self.mods.contains(KeyModifiers::CONTROL) {
            "Ctrl-"
        } else {
            ""
        };
        let key = match (self.code, Key::named(self.code)) {
            (_, Some((_, label))) => label.to_string(),
            (KeyCode::Char(c), None) => c.to_string(),
            (KeyCode::F(n), None) => format!("F{n}"),
            (other, None) => format!("{other:?}"),
        };
        format!("{ctrl}{key}")
    }
}

/// The labels of `keys` joined by `sep`: "j/k", "? or Esc".
pub fn labels(keys: &[Key], sep: &str) -> String {
    keys.iter().map(Key::label).collect::<Vec<_>>().join(sep)
}

/// The key as the config file writes it; `FromStr` reads it back.
impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plain = self.mods == KeyModifiers::NONE;
        if plain && let Some((name, _)) = Key::named(self.code) {
            return f.write_str(name);
        }
        match self.code {
            KeyCode::Char(c) if self.mods == KeyModifiers::CONTROL => write!(f, "ctrl-{c}"),
            KeyCode::Char(c) if plain => write!(f, "{c}"),
            KeyCode::F(n) if plain => write!(f, "f{n}"),
            code => write!(f, "{:?}+{code:?}", self.mods),
        }
    }
}

/// A key that is not one: the text as given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a key ({KEY_SYNTAX})")]
pub struct NotAKey(pub String);

/// Reads a key as the config file writes it: a single character (`"j"`,
/// `"G"`, `"?"`; case matters), `"ctrl-x"` for a letter x, `"f1"`…`"f12"`,
/// or a name of the table above. Names are read without case.
impl FromStr for Key {
    type Err = NotAKey;

    fn from_str(s: &str) -> Result<Key, NotAKey> {
        let bad = || NotAKey(s.to_string());
        let mut chars = s.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            return (!c.is_control()).then_some(Key::ch(c)).ok_or_else(bad);
        }
        let name = s.to_ascii_lowercase();
        if let Some(rest) = name.strip_prefix("ctrl-") {
            let mut chars = rest.chars();
            return match (chars.next(), chars.next()) {
                (Some(c), None) if c.is_ascii_lowercase() => Ok(Key::ctrl(c)),
                _ => Err(bad()),
            };
        }
        if let Some(digits) = name.strip_prefix('f')
            && let Ok(n) = digits.parse::<u8>()
            && (1..=12).contains(&n)
            && digits == n.to_string()
        {
            return Ok(Key::plain(KeyCode::F(n)));
        }
        NAMED
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|&(code, _, _)| Key::plain(code))
            .ok_or_else(bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Option<Key> {
        s.parse().ok()
    }

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
            let key = parse(s).unwrap_or_else(|| panic!("{s} is a key"));
            assert_eq!(key.to_string(), s);
        }
        assert_eq!(parse("Ctrl-C"), Some(Key::ctrl('c')));
        assert_eq!(parse("ENTER"), Some(Key::plain(KeyCode::Enter)));
        assert_eq!(parse("F5"), Some(Key::plain(KeyCode::F(5))));
        assert_eq!(parse(" "), Some(Key::ch(' ')));
        assert_ne!(parse("G"), parse("g"));
        for bad in [
            "", "ctrl-", "ctrl-1", "ctrl-ab", "f0", "f13", "f05", "\t", "jk", "shift-a",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_screen_shows_keys_by_their_labels() {
        assert_eq!(Key::ch('j').label(), "j");
        assert_eq!(Key::plain(KeyCode::Down).label(), "↓");
        assert_eq!(Key::ctrl('r').label(), "Ctrl-r");
        assert_eq!(Key::plain(KeyCode::BackTab).label(), "Shift-Tab");
        assert_eq!(Key::plain(KeyCode::F(5)).label(), "F5");
        assert_eq!(Key::ch(' ').label(), "Space");
        assert_eq!(
            labels(&[Key::ch('?'), Key::plain(KeyCode::Esc)], " or "),
            "? or Esc"
        );
    }
}
