//! `[keys]` and the other modes' `[…keys]` sections: the actions whose keys
//! the file replaces, and the keymap they give, with no key bound to two
//! actions of one mode.

use std::ops::Range;
use std::str::FromStr;

use super::error::{Bad, ConfigError, ErrorKind, Place};
use super::toml_value::{List, Table, list_form, what};
use crate::keymap::Mode;
use crate::keymap::{self, Key, Keymap, Rebind};
use crate::view::Column;

what! {
    AKey = "a key in quotes";
}

list_form! {
    Keys = "a key or a list of keys", one;
}

/// One mode's section as serde reads it: open keys, one per action.
pub(super) type RawKeys = Table<List<AKey, Keys>>;

/// An action's new keys, with where the file says them, for a clash found
/// once every mode is read.
pub(super) struct FileRebind {
    pub(super) rebind: Rebind,
    /// The dotted key: `keys.quit`.
    key: String,
    /// Where each key is, in the order of `rebind.keys`.
    spans: Vec<Range<usize>>,
}

/// One mode's section, checked: its rebinds in the file's order.
pub(super) struct ModeKeys(pub(super) Vec<FileRebind>);

impl TryFrom<(Mode, RawKeys)> for ModeKeys {
    type Error = Bad;

    fn try_from((mode, table): (Mode, RawKeys)) -> Result<ModeKeys, Bad> {
        let section = keymap::section(mode);
        let mut rebinds = Vec::new();
        for (name, value) in table.0 {
            let Some(action) = keymap::action_named(mode, name.get_ref()) else {
                let known: Vec<&str> = keymap::defaults(mode)
                    .into_iter()
                    .map(|d| d.action.name())
                    .collect();
                return Err(Bad::unknown_key(&name, section, &known.join(", ")));
            };
            let whole = value.span();
            let items = value.into_inner().items;
            if items.is_empty() {
                return Err(Bad::new(
                    name.get_ref(),
                    whole,
                    "give at least one key (an action cannot be left without one)",
                ));
            }
            let mut keys = Vec::new();
            let mut spans = Vec::new();
            for (text, span) in items {
                let span = span.unwrap_or_else(|| whole.clone());
                let key = Key::from_str(&text)
                    .map_err(|e| Bad::new(name.get_ref(), span.clone(), e.to_string()))?;
                if keys.contains(&key) {
                    return Err(Bad::new(
                        name.get_ref(),
                        span,
                        format!("{text:?} is listed twice"),
                    ));
                }
                keys.push(key);
                spans.push(span);
            }
            rebinds.push(FileRebind {
                rebind: Rebind { mode, action, keys },
                key: format!("{section}.{}", name.get_ref()),
                spans,
            });
        }
        Ok(ModeKeys(rebinds))
    }
}

/// The keymap that `columns` and the file's `rebinds` give; a key bound
/// twice in one mode is an error at the later of the lines that bind it.
pub(super) fn keymap(
    columns: &[Column],
    rebinds: &[FileRebind],
    place: &Place<'_>,
) -> Result<Keymap, ConfigError> {
    let keys: Vec<Rebind> = rebinds.iter().map(|r| r.rebind.clone()).collect();
    Keymap::new(columns, &keys).map_err(|clash| {
        let (span, key, message) = clash_error(&clash, rebinds);
        place.at(ErrorKind::Invalid, &span, key, message)
    })
}

/// Where and how to report a key bound twice in one mode: at the later of
/// the file's lines that bind it, naming the action it is already bound to.
fn clash_error(clash: &keymap::Clash, rebinds: &[FileRebind]) -> (Range<usize>, String, String) {
    let opener = match clash.mode {
        Mode::Help => Some(keymap::Action::Help),
        Mode::Log => Some(keymap::Action::ToggleLog),
        Mode::Discover => Some(keymap::Action::Discover),
        _ => None,
    };
    // Every line of the file that puts the key on one of the two actions,
    // directly or (for an overlay) through the key that opens it.
    let culprit = rebinds
        .iter()
        .filter(|f| {
            let r = &f.rebind;
            let direct = r.mode == clash.mode && [&clash.first, &clash.second].contains(&&r.action);
            let opens = r.mode == Mode::Normal
                && opener.as_ref() == Some(&r.action)
                && [&clash.first, &clash.second].contains(&&r.action);
            direct || opens
        })
        .filter_map(|f| {
            let i = f.rebind.keys.iter().position(|k| *k == clash.key)?;
            Some((&f.rebind, &f.key, f.spans[i].clone()))
        })
        .max_by_key(|(_, _, span)| span.start);
    let section = keymap::section(clash.mode);
    let Some((rebind, key, span)) = culprit else {
        // A clash the file did not cause cannot happen: the defaults have
        // none. Report it whole rather than nowhere.
        return (0..0, section.to_string(), clash.message.clone());
    };
    let (other, other_help) = if rebind.action == clash.first {
        (&clash.second, &clash.second_help)
    } else {
        (&clash.first, &clash.first_help)
    };
    let other = match other {
        // The digits have no name in the file: say what they do.
        keymap::Action::SortBy(_) => format!("a digit that sorts by a column ({other_help})"),
        other => format!("{section}.{} ({other_help})", other.name()),
    };
    let through = if rebind.mode == clash.mode {
        String::new()
    } else {
        format!(" (it also closes what it opens, in [{section}])")
    };
    let message = format!(
        "\"{}\" is already bound to {other}{through}: give one of them another key",
        clash.key,
    );
    (span, key.clone(), message)
}
