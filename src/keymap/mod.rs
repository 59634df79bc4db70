//! Keys and mouse → `Action`. Bindings are data: one table per mode gives
//! each action its default keys and its one description, and the same table
//! answers key presses, draws the help overlay and every footer, and writes
//! the `[keys]` sections of the default config file. `[keys]` rebinds the
//! table's actions, `[search_keys]`, `[help_keys]`… those of the other modes.

mod key;

pub use key::{KEY_SYNTAX, Key, NotAKey, labels};

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::view::Column;

/// What keys mean right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The table (or the detail pane, see the app's focus).
    Normal,
    /// Typing a search.
    Search,
    /// The help overlay is open.
    Help,
    /// The event log is open.
    Log,
    /// The add/edit form is open.
    Form,
    /// Asking whether to delete the selected coin.
    ConfirmDelete,
    /// Asking whether to quit with changes that could not be saved.
    ConfirmQuit,
    /// Looking up the selected coin's market id.
    Lookup,
    /// The Discover view: coins not on the watchlist.
    Discover,
}

/// Everything the user can ask for. `App::update` gives each its meaning.
/// The bindable ones have a name, the same in every mode, that the config
/// file uses (`page_down`, `status_filter`…).
#[derive(Debug, Clone, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
pub enum Action {
    Up,
    Down,
    First,
    Last,
    PageDown,
    PageUp,
    SortNext,
    SortPrev,
    SortReverse,
    /// Sort by this column, or reverse if it is already the sorted one.
    #[strum(disabled)]
    SortBy(Column),
    /// Discover: sort by its column of this position, or reverse.
    #[strum(disabled)]
    SortDiscover(crate::discover::column::Column),
    Search,
    #[strum(serialize = "status_filter")]
    CycleStatus,
    #[strum(serialize = "airdrop_filter")]
    CycleAirdrop,
    #[strum(serialize = "full_detail")]
    ToggleFullDetail,
    #[strum(serialize = "focus")]
    ToggleFocus,
    Help,
    /// Open or close the event log.
    #[strum(serialize = "log")]
    ToggleLog,
    /// Poll the market API now (`--poll` only).
    PollNow,
    /// Close what is open: full-screen detail, detail focus, the search text.
    Back,
    Quit,
    /// Type into the text being edited (search, a form field, an id).
    Input(char),
    /// Pasted text, for the text being edited.
    Paste(String),
    Backspace,
    /// Delete the character under the cursor.
    #[strum(serialize = "delete_char")]
    DeleteChar,
    #[strum(serialize = "left")]
    CursorLeft,
    #[strum(serialize = "right")]
    CursorRight,
    #[strum(serialize = "home")]
    CursorHome,
    #[strum(serialize = "end")]
    CursorEnd,
    /// The next / previous field of a form.
    NextField,
    PrevField,
    /// Save a form, pick a lookup candidate.
    Submit,
    /// Add a coin, edit the selected one, delete it (asks), undo a delete.
    Add,
    Edit,
    Delete,
    Undo,
    /// Look up the selected coin's market id.
    Lookup,
    /// Confirm that the ticker an exchange already listed at prelist's
    /// first look is the selected coin.
    #[strum(serialize = "confirm_listing")]
    ConfirmListing,
    /// An answer to a yes/no question.
    Yes,
    No,
    /// Try a failed save again.
    Retry,
    /// Open or close the Discover view.
    Discover,
    /// Discover: hide the selected row until its status changes.
    Dismiss,
    /// Search mode: keep the filter and return to the table.
    #[strum(serialize = "keep")]
    SearchKeep,
    /// Search mode: clear the filter and return to the table.
    #[strum(serialize = "clear")]
    SearchClear,
    /// Mouse: select the row at this position in the shown list.
    ClickRow(usize),
    /// Mouse wheel over the table or the detail pane.
    ScrollUp,
    ScrollDown,
}

impl Action {
    /// The action's name in the config file, if it can be bound.
    pub fn name(&self) -> &'static str {
        match self {
            // Digits sort by the shown columns; the config cannot name them.
            Action::SortBy(_) | Action::SortDiscover(_) => "sort_by",
            other => other.into(),
        }
    }
}

/// One line of the keymap: the keys, what they do, and how help describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub keys: Vec<Key>,
    pub action: Action,
    pub help: String,
}

/// A default binding of the tables below: the action, its keys, and its one
/// description (help, the default config file and `prelist config` show it).
pub struct Bind {
    pub action: Action,
    pub keys: &'static [Key],
    pub help: &'static str,
}

const fn def(action: Action, keys: &'static [Key], help: &'static str) -> Bind {
    Bind { action, keys, help }
}

const DOWN: Key = Key::plain(KeyCode::Down);
const UP: Key = Key::plain(KeyCode::Up);
const ENTER: Key = Key::plain(KeyCode::Enter);
const ESC: Key = Key::plain(KeyCode::Esc);
const QUIT: Bind = def(Action::Quit, &[Key::ctrl('c')], "quit");

/// Moving in a table and sorting it: the watchlist's and Discover's.
/// `1`…`9` (sort by the shown columns) follow `sort_reverse`.
const TABLE_MOVES: &[Bind] = &[
    def(Action::Down, &[Key::ch('j'), DOWN], "move down"),
    def(Action::Up, &[Key::ch('k'), UP], "move up"),
    def(
        Action::First,
        &[Key::ch('g'), Key::plain(KeyCode::Home)],
        "first row",
    ),
    def(
        Action::Last,
        &[Key::ch('G'), Key::plain(KeyCode::End)],
        "last row",
    ),
    def(
        Action::PageDown,
        &[Key::plain(KeyCode::PageDown), Key::ctrl('d')],
        "page down",
    ),
    def(
        Action::PageUp,
        &[Key::plain(KeyCode::PageUp), Key::ctrl('u')],
        "page up",
    ),
    def(Action::SortNext, &[Key::ch('s')], "sort by the next column"),
    def(
        Action::SortPrev,
        &[Key::ch('S')],
        "sort by the previous column",
    ),
    def(Action::SortReverse, &[Key::ch('r')], "reverse the sort"),
];

/// The table view, after [`TABLE_MOVES`].
const NORMAL: &[Bind] = &[
    def(
        Action::Search,
        &[Key::ch('/')],
        "search name, ticker, category…",
    ),
    def(
        Action::CycleStatus,
        &[Key::ch('f')],
        "status filter: all/upcoming/scheduled/premarket/trading",
    ),
    def(
        Action::CycleAirdrop,
        &[Key::ch('a')],
        "airdrop filter: all/confirmed/probable",
    ),
    def(
        Action::ToggleFullDetail,
        &[ENTER],
        "detail full-screen on/off",
    ),
    def(
        Action::ToggleFocus,
        &[Key::plain(KeyCode::Tab)],
        "focus table/detail (j/k scroll it)",
    ),
    def(Action::Back, &[ESC], "back; clear the search"),
    def(
        Action::PollNow,
        &[Key::ctrl('r'), Key::plain(KeyCode::F(5))],
        "poll now (with --poll)",
    ),
    def(
        Action::ToggleLog,
        &[Key::ch('l')],
        "event log: flips and poll errors",
    ),
    def(Action::Add, &[Key::ch('n')], "add a coin"),
    def(Action::Edit, &[Key::ch('e')], "edit the selected coin"),
    def(
        Action::Delete,
        &[Key::ch('D')],
        "delete the selected coin (asks y/N)",
    ),
    def(Action::Undo, &[Key::ch('u')], "undo the last delete"),
    def(
        Action::Lookup,
        &[Key::ch('m')],
        "look up the market id (API search)",
    ),
    def(
        Action::ConfirmListing,
        &[Key::ch('c')],
        "confirm the exchange listing",
    ),
    def(
        Action::Discover,
        &[Key::ch('d')],
        "discover coins not on the watchlist",
    ),
    def(Action::Help, &[Key::ch('?')], "this help"),
    def(Action::Quit, &[Key::ch('q'), Key::ctrl('c')], "quit"),
];

/// The Discover view, after [`TABLE_MOVES`]. It also closes with the key
/// that opens it (see [`Keymap::new`]).
const DISCOVER: &[Bind] = &[
    def(Action::Discover, &[ESC], "back to the watchlist"),
    def(Action::Search, &[Key::ch('/')], "search ticker, name, pair"),
    def(
        Action::CycleStatus,
        &[Key::ch('f')],
        "status filter: all/scheduled/premarket/listed",
    ),
    def(
        Action::Add,
        &[Key::ch('a')],
        "add the selected coin to the watchlist",
    ),
    def(
        Action::Dismiss,
        &[Key::ch('x')],
        "dismiss it until its status changes",
    ),
    def(Action::Help, &[Key::ch('?')], "this help"),
    def(Action::Quit, &[Key::ch('q'), Key::ctrl('c')], "quit"),
];

/// Typing a search, before [`LINE_EDITING`]; other characters are typed.
const SEARCH: &[Bind] = &[
    def(Action::SearchKeep, &[ENTER], "keep the filter"),
    def(Action::SearchClear, &[ESC], "clear the filter"),
    def(Action::Down, &[DOWN], "move down"),
    def(Action::Up, &[UP], "move up"),
];

/// Help and the log also close with the keys that open them (see
/// [`Keymap::new`]).
const HELP: &[Bind] = &[
    def(Action::Help, &[ESC, Key::ch('q')], "close help"),
    def(Action::Down, &[Key::ch('j'), DOWN], "scroll down"),
    def(Action::Up, &[Key::ch('k'), UP], "scroll up"),
    def(
        Action::PageDown,
        &[Key::plain(KeyCode::PageDown)],
        "page down",
    ),
    def(Action::PageUp, &[Key::plain(KeyCode::PageUp)], "page up"),
    QUIT,
];

const LOG: &[Bind] = &[
    def(Action::ToggleLog, &[ESC, Key::ch('q')], "close the log"),
    def(Action::Down, &[Key::ch('j'), DOWN], "scroll down"),
    def(Action::Up, &[Key::ch('k'), UP], "scroll up"),
    def(
        Action::PageDown,
        &[Key::plain(KeyCode::PageDown)],
        "page down",
    ),
    def(Action::PageUp, &[Key::plain(KeyCode::PageUp)], "page up"),
    def(
        Action::PollNow,
        &[Key::ctrl('r'), Key::plain(KeyCode::F(5))],
        "poll now",
    ),
    QUIT,
];

/// Keys that edit a line of text, ending the form's and the lookup's tables.
const LINE_EDITING: &[Bind] = &[
    def(
        Action::CursorLeft,
        &[Key::plain(KeyCode::Left)],
        "cursor left",
    ),
    def(
        Action::CursorRight,
        &[Key::plain(KeyCode::Right)],
        "cursor right",
    ),
    def(
        Action::CursorHome,
        &[Key::plain(KeyCode::Home), Key::ctrl('a')],
        "start of the line",
    ),
    def(
        Action::CursorEnd,
        &[Key::plain(KeyCode::End), Key::ctrl('e')],
        "end of the line",
    ),
    def(
        Action::Backspace,
        &[Key::plain(KeyCode::Backspace)],
        "delete before the cursor",
    ),
    def(
        Action::DeleteChar,
        &[Key::plain(KeyCode::Delete)],
        "delete at the cursor",
    ),
    QUIT,
];

/// The add/edit form, before [`LINE_EDITING`]; other characters are typed.
const FORM: &[Bind] = &[
    def(
        Action::NextField,
        &[Key::plain(KeyCode::Tab), DOWN],
        "next field",
    ),
    def(
        Action::PrevField,
        &[Key::plain(KeyCode::BackTab), UP],
        "previous field",
    ),
    def(Action::Submit, &[ENTER], "save"),
    def(Action::Back, &[ESC], "cancel"),
];

/// The market-id lookup, before [`LINE_EDITING`]; other characters type an id.
const LOOKUP: &[Bind] = &[
    def(Action::Down, &[DOWN], "next candidate"),
    def(Action::Up, &[UP], "previous candidate"),
    def(
        Action::Submit,
        &[ENTER],
        "use the typed id, else the candidate",
    ),
    def(Action::Back, &[ESC], "cancel"),
];

/// The answer to "delete?": `y` deletes, any other key keeps the coin.
const CONFIRM: &[Bind] = &[
    def(Action::Yes, &[Key::ch('y'), Key::ch('Y')], "delete"),
    QUIT,
];

/// The answer to "quit with unsaved changes?": any other key stays.
const CONFIRM_QUIT: &[Bind] = &[
    def(
        Action::Yes,
        &[Key::ch('y'), Key::ch('Y')],
        "quit without the unsaved changes",
    ),
    def(Action::Retry, &[Key::ch('r')], "try the save again"),
    def(Action::Quit, &[Key::ctrl('c')], "quit without asking"),
];

/// Every mode, with the config section that rebinds its keys and what the
/// default file says of it.
pub const MODES: [(Mode, &str, &str); 9] = [
    (Mode::Normal, "keys", "The table"),
    (
        Mode::Discover,
        "discover_keys",
        "The Discover view (1-6 sort by its columns)",
    ),
    (Mode::Search, "search_keys", "Typing a search"),
    (Mode::Help, "help_keys", "The help overlay"),
    (Mode::Log, "log_keys", "The event log"),
    (
        Mode::Form,
        "form_keys",
        "The add/edit form (other keys type)",
    ),
    (
        Mode::Lookup,
        "lookup_keys",
        "The market-id lookup (other keys type an id)",
    ),
    (
        Mode::ConfirmDelete,
        "confirm_keys",
        "Asking before a delete (any other key keeps the coin)",
    ),
    (
        Mode::ConfirmQuit,
        "quit_keys",
        "Asking before quitting with unsaved changes (any other key stays)",
    ),
];

/// The default bindings of `mode`, each action once, in the order help
/// and the default file list them.
pub fn defaults(mode: Mode) -> Vec<&'static Bind> {
    let (own, line_editing): (&[Bind], bool) = match mode {
        Mode::Normal | Mode::Discover => {
            let own = if mode == Mode::Normal {
                NORMAL
            } else {
                DISCOVER
            };
            return TABLE_MOVES.iter().chain(own).collect();
        }
        Mode::Search => (SEARCH, true),
        Mode::Help => (HELP, false),
        Mode::Log => (LOG, false),
        Mode::Form => (FORM, true),
        Mode::Lookup => (LOOKUP, true),
        Mode::ConfirmDelete => (CONFIRM, false),
        Mode::ConfirmQuit => (CONFIRM_QUIT, false),
    };
    let rest: &[Bind] = if line_editing { LINE_EDITING } else { &[] };
    own.iter().chain(rest).collect()
}

/// The config section of `mode`'s keys: `keys`, `search_keys`…
pub fn section(mode: Mode) -> &'static str {
    MODES
        .iter()
        .find(|(m, _, _)| *m == mode)
        .map_or("keys", |&(_, section, _)| section)
}

/// The action of `mode` called `name` in the config, if it has one.
pub fn action_named(mode: Mode, name: &str) -> Option<Action> {
    let action: Action = name.parse().ok()?;
    defaults(mode)
        .iter()
        .into_iter()
        .any(|d| d.action == action)
        .then_some(action)
}

/// The overlay a normal-mode action opens: it also closes it.
fn opener(mode: Mode) -> Option<Action> {
    match mode {
        Mode::Help => Some(Action::Help),
        Mode::Log => Some(Action::ToggleLog),
        Mode::Discover => Some(Action::Discover),
        _ => None,
    }
}

/// New keys for one action of one mode, from the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rebind {
    pub mode: Mode,
    pub action: Action,
    pub keys: Vec<Key>,
}

/// A key the keymap would give two actions of one mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clash {
    pub mode: Mode,
    pub key: Key,
    /// The two actions, in the order of the mode's table, and what each
    /// does.
    pub first: Action,
    pub second: Action,
    pub first_help: String,
    pub second_help: String,
    /// Says both, e.g. `the key j would both move down and quit`.
    pub message: String,
}

/// The bindings of every mode, built once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    modes: Vec<(Mode, Vec<Binding>)>,
}

impl Default for Keymap {
    #[allow(
        clippy::expect_used,
        reason = "the default tables are fixed, and a test checks they have no clash"
    )]
    fn default() -> Keymap {
        Keymap::new(&Column::DEFAULT, &[]).expect("the default keymap has no clashes")
    }
}

impl Keymap {
    /// The keymap for these columns (`1`…`9` sort by the shown ones), with
    /// the keys of some actions replaced. An overlay also closes with the
    /// keys that open it. A key left bound to two actions of one mode is a
    /// [`Clash`].
    pub fn new(columns: &[Column], rebinds: &[Rebind]) -> Result<Keymap, Box<Clash>> {
        let keys_of = |mode: Mode, d: &Bind| {
            rebinds
                .iter()
                .find(|r| r.mode == mode && r.action == d.action)
                .map_or_else(|| d.keys.to_vec(), |r| r.keys.clone())
        };
        let mut modes: Vec<(Mode, Vec<Binding>)> = Vec::new();
        for (mode, _, _) in MODES {
            let mut bindings = Vec::new();
            for d in defaults(mode) {
                bindings.push(Binding {
                    keys: keys_of(mode, d),
                    action: d.action.clone(),
                    help: d.help.to_string(),
                });
                if mode == Mode::Normal && d.action == Action::SortReverse {
                    bindings.extend(columns.iter().take(9).enumerate().map(|(i, col)| Binding {
                        keys: vec![Key::ch(char::from(b'1' + i as u8))],
                        action: Action::SortBy(*col),
                        help: format!("sort by {} (again: reverse)", col.title()),
                    }));
                }
                if mode == Mode::Discover && d.action == Action::SortReverse {
                    let columns = crate::discover::column::Column::ALL;
                    bindings.extend(columns.iter().enumerate().map(|(i, col)| Binding {
                        keys: vec![Key::ch(char::from(b'1' + i as u8))],
                        action: Action::SortDiscover(*col),
                        help: format!("sort by {} (again: reverse)", col.title()),
                    }));
                }
            }
            modes.push((mode, bindings));
        }
        let mut keymap = Keymap { modes };
        for (mode, _, _) in MODES {
            let Some(action) = opener(mode) else { continue };
            let mut open = keymap.keys(Mode::Normal, &action).to_vec();
            if let Some((_, bindings)) = keymap.modes.iter_mut().find(|(m, _)| *m == mode)
                && let Some(close) = bindings.iter_mut().find(|b| b.action == action)
            {
                open.retain(|k| !close.keys.contains(k));
                close.keys.splice(0..0, open);
            }
        }
        for (mode, bindings) in &keymap.modes {
            for (i, a) in bindings.iter().enumerate() {
                for b in &bindings[i + 1..] {
                    if let Some(k) = a.keys.iter().find(|k| b.keys.contains(k)) {
                        return Err(Box::new(Clash {
                            mode: *mode,
                            key: *k,
                            first: a.action.clone(),
                            second: b.action.clone(),
                            first_help: a.help.clone(),
                            second_help: b.help.clone(),
                            message: format!("the key {k} would both {} and {}", a.help, b.help),
                        }));
                    }
                }
            }
        }
        Ok(keymap)
    }

    pub fn for_mode(&self, mode: Mode) -> &[Binding] {
        self.modes
            .iter()
            .find(|(m, _)| *m == mode)
            .map_or(&[], |(_, b)| b.as_slice())
    }

    /// The keys of `action` in `mode`, first the one footers show.
    pub fn keys(&self, mode: Mode, action: &Action) -> &[Key] {
        self.for_mode(mode)
            .iter()
            .find(|b| b.action == *action)
            .map_or(&[], |b| b.keys.as_slice())
    }

    /// How a footer names the key of `action` in `mode`: its first key's
    /// label, e.g. `Enter`, or `?` when nothing is bound to it.
    pub fn label(&self, mode: Mode, action: &Action) -> String {
        self.keys(mode, action)
            .first()
            .map_or_else(|| "?".to_string(), Key::label)
    }

    /// A footer's "close" part for an overlay: its first two closing keys,
    /// e.g. `? or Esc`.
    pub fn close_label(&self, mode: Mode, action: &Action) -> String {
        let keys = self.keys(mode, action);
        labels(&keys[..keys.len().min(2)], " or ")
    }

    /// What a key press means in `mode`.
    pub fn action_for_key(&self, mode: Mode, ev: &KeyEvent) -> Option<Action> {
        if ev.kind == KeyEventKind::Release {
            return None;
        }
        let bound = self
            .for_mode(mode)
            .iter()
            .find(|b| b.keys.iter().any(|k| k.matches(ev)))
            .map(|b| b.action.clone());
        if bound.is_some() {
            return bound;
        }
        match mode {
            Mode::Search | Mode::Form | Mode::Lookup => {}
            // Any key but `y` keeps the coin.
            Mode::ConfirmDelete | Mode::ConfirmQuit => return Some(Action::No),
            _ => return None,
        }
        // Where text is typed, any other printable character is typed.
        match ev.code {
            KeyCode::Char(c)
                if !ev
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                Some(Action::Input(c))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn every_normal_key_of_the_spec_is_bound() {
        let km = Keymap::default();
        let n = |code, mods| km.action_for_key(Mode::Normal, &press(code, mods));
        let none = KeyModifiers::NONE;
        assert_eq!(n(KeyCode::Char('j'), none), Some(Action::Down));
        assert_eq!(n(KeyCode::Up, none), Some(Action::Up));
        assert_eq!(
            n(KeyCode::Char('G'), KeyModifiers::SHIFT),
            Some(Action::Last)
        );
        assert_eq!(
            n(KeyCode::Char('d'), KeyModifiers::CONTROL),
            Some(Action::PageDown)
        );
        assert_eq!(
            n(KeyCode::Char('S'), KeyModifiers::SHIFT),
            Some(Action::SortPrev)
        );
        assert_eq!(
            n(KeyCode::Char('5'), none),
            Some(Action::SortBy(Column::Score))
        );
        assert_eq!(
            n(KeyCode::Char('9'), none),
            Some(Action::SortBy(Column::Change24h))
        );
        assert_eq!(
            n(KeyCode::Char('c'), KeyModifiers::CONTROL),
            Some(Action::Quit)
        );
        assert_eq!(
            n(KeyCode::Char('r'), KeyModifiers::CONTROL),
            Some(Action::PollNow)
        );
        assert_eq!(n(KeyCode::F(5), none), Some(Action::PollNow));
        assert_eq!(n(KeyCode::Char('l'), none), Some(Action::ToggleLog));
        assert_eq!(n(KeyCode::Char('n'), none), Some(Action::Add));
        assert_eq!(n(KeyCode::Char('e'), none), Some(Action::Edit));
        assert_eq!(
            n(KeyCode::Char('D'), KeyModifiers::SHIFT),
            Some(Action::Delete)
        );
        assert_eq!(n(KeyCode::Char('u'), none), Some(Action::Undo));
        assert_eq!(n(KeyCode::Char('m'), none), Some(Action::Lookup));
        assert_eq!(n(KeyCode::Char('x'), none), None);
    }

    #[test]
    fn search_mode_types_letters_that_are_keys_elsewhere() {
        let km = Keymap::default();
        let s = |c| km.action_for_key(Mode::Search, &press(KeyCode::Char(c), KeyModifiers::NONE));
        assert_eq!(s('q'), Some(Action::Input('q')));
        assert_eq!(s('j'), Some(Action::Input('j')));
        let ctrl_c = press(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(km.action_for_key(Mode::Search, &ctrl_c), Some(Action::Quit));
    }

    #[test]
    fn config_overrides_replace_keys_and_clashes_are_refused() {
        let rebind = |keys| {
            [Rebind {
                mode: Mode::Normal,
                action: Action::Quit,
                keys,
            }]
        };
        let q = Keymap::new(&Column::ALL, &rebind(vec![Key::ch('x')])).unwrap();
        let x = press(KeyCode::Char('x'), KeyModifiers::NONE);
        let qk = press(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(q.action_for_key(Mode::Normal, &x), Some(Action::Quit));
        assert_eq!(
            q.action_for_key(Mode::Normal, &qk),
            None,
            "the default key is replaced"
        );
        let help: Vec<_> = q
            .for_mode(Mode::Normal)
            .iter()
            .filter(|b| b.action == Action::Quit)
            .collect();
        assert_eq!(help[0].keys, [Key::ch('x')], "help shows the key in force");

        let err = Keymap::new(&Column::ALL, &rebind(vec![Key::ch('j')])).unwrap_err();
        assert_eq!(err.message, "the key j would both move down and quit");
        assert_eq!((err.first, err.second), (Action::Down, Action::Quit));
    }

    #[test]
    fn digits_sort_by_the_shown_columns() {
        let cols = [Column::Name, Column::Score, Column::Status];
        let km = Keymap::new(&cols, &[]).unwrap();
        let d = |c| km.action_for_key(Mode::Normal, &press(KeyCode::Char(c), KeyModifiers::NONE));
        assert_eq!(d('1'), Some(Action::SortBy(Column::Name)));
        assert_eq!(d('2'), Some(Action::SortBy(Column::Score)));
        assert_eq!(d('4'), None);
    }

    #[test]
    fn help_lists_one_line_per_binding() {
        let km = Keymap::default();
        let b = km.for_mode(Mode::Normal);
        assert!(b.iter().all(|b| !b.keys.is_empty() && !b.help.is_empty()));
        assert_eq!(
            b.iter()
                .filter(|b| matches!(b.action, Action::SortBy(_)))
                .count(),
            9
        );
    }

    fn rebind(mode: Mode, action: Action, keys: &[Key]) -> Rebind {
        Rebind {
            mode,
            action,
            keys: keys.to_vec(),
        }
    }

    #[test]
    fn an_overlay_closes_with_the_key_that_opens_it_and_with_esc() {
        let h = press(KeyCode::Char('h'), KeyModifiers::NONE);
        let esc = press(KeyCode::Esc, KeyModifiers::NONE);
        let km = Keymap::new(
            &Column::ALL,
            &[
                rebind(Mode::Normal, Action::Help, &[Key::ch('h')]),
                rebind(Mode::Normal, Action::ToggleLog, &[Key::ch('L')]),
            ],
        )
        .unwrap();
        assert_eq!(km.action_for_key(Mode::Normal, &h), Some(Action::Help));
        assert_eq!(km.action_for_key(Mode::Help, &h), Some(Action::Help));
        assert_eq!(km.action_for_key(Mode::Help, &esc), Some(Action::Help));
        let question = press(KeyCode::Char('?'), KeyModifiers::NONE);
        assert_eq!(km.action_for_key(Mode::Help, &question), None);
        let big_l = press(KeyCode::Char('L'), KeyModifiers::SHIFT);
        assert_eq!(
            km.action_for_key(Mode::Log, &big_l),
            Some(Action::ToggleLog)
        );
        assert_eq!(km.close_label(Mode::Help, &Action::Help), "h or Esc");
        assert_eq!(km.close_label(Mode::Log, &Action::ToggleLog), "L or Esc");
    }

    #[test]
    fn every_mode_can_be_rebound_and_clashes_within_a_mode_are_refused() {
        let km = Keymap::new(
            &Column::ALL,
            &[
                rebind(Mode::Search, Action::SearchKeep, &[Key::ctrl('k')]),
                rebind(Mode::Form, Action::Submit, &[Key::ctrl('s')]),
                rebind(Mode::ConfirmDelete, Action::Yes, &[Key::ch('d')]),
            ],
        )
        .unwrap();
        let ctrl = |c| press(KeyCode::Char(c), KeyModifiers::CONTROL);
        assert_eq!(
            km.action_for_key(Mode::Search, &ctrl('k')),
            Some(Action::SearchKeep)
        );
        let enter = press(KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(km.action_for_key(Mode::Search, &enter), None);
        assert_eq!(
            km.action_for_key(Mode::Form, &ctrl('s')),
            Some(Action::Submit)
        );
        let d = press(KeyCode::Char('d'), KeyModifiers::NONE);
        assert_eq!(
            km.action_for_key(Mode::ConfirmDelete, &d),
            Some(Action::Yes)
        );
        assert_eq!(km.label(Mode::Form, &Action::Submit), "Ctrl-s");

        // The same key in two modes is fine; twice in one mode is not.
        let clash = Keymap::new(
            &Column::ALL,
            &[rebind(
                Mode::Lookup,
                Action::Submit,
                &[Key::plain(KeyCode::Esc)],
            )],
        )
        .unwrap_err();
        assert_eq!(clash.mode, Mode::Lookup);
        assert_eq!((clash.first, clash.second), (Action::Submit, Action::Back));
        // A key that opens help clashes with what it does inside help.
        let clash = Keymap::new(
            &Column::ALL,
            &[
                rebind(Mode::Normal, Action::Help, &[Key::ch('x')]),
                rebind(Mode::Help, Action::Down, &[Key::ch('x')]),
            ],
        )
        .unwrap_err();
        assert_eq!(clash.mode, Mode::Help);
    }

    #[test]
    fn every_bindable_action_has_one_name_that_reads_back() {
        for (mode, _, _) in MODES {
            let defaults = defaults(mode);
            for (i, d) in defaults.iter().enumerate() {
                assert_eq!(action_named(mode, d.action.name()), Some(d.action.clone()));
                assert!(
                    defaults[i + 1..].iter().all(|e| e.action != d.action),
                    "{} twice in {mode:?}",
                    d.action.name()
                );
            }
        }
        // The names older config files use.
        for (name, action) in [
            ("page_down", Action::PageDown),
            ("status_filter", Action::CycleStatus),
            ("full_detail", Action::ToggleFullDetail),
            ("log", Action::ToggleLog),
            ("poll_now", Action::PollNow),
        ] {
            assert_eq!(action_named(Mode::Normal, name), Some(action));
        }
        assert_eq!(action_named(Mode::Normal, "sort_by"), None);
        assert_eq!(action_named(Mode::Normal, "keep"), None);
    }
}
