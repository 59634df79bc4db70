//! Keys and mouse → `Action`. Bindings are data: the same table answers key
//! presses and draws the help overlay, so the overlay can never go stale.

use std::fmt;

use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

use crate::app::{App, Mode};
use crate::view::Column;

/// Everything the user can ask for. `App::update` gives each its meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    SortBy(Column),
    Search,
    CycleStatus,
    CycleAirdrop,
    ToggleFullDetail,
    ToggleFocus,
    Help,
    /// Open or close the event log.
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
    DeleteChar,
    CursorLeft,
    CursorRight,
    CursorHome,
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
    /// An answer to a yes/no question.
    Yes,
    No,
    /// Search mode: keep the filter and return to the table.
    SearchKeep,
    /// Search mode: clear the filter and return to the table.
    SearchClear,
    /// Mouse: select the row at this position in the shown list.
    ClickRow(usize),
    /// Mouse wheel over the table or the detail pane.
    ScrollUp,
    ScrollDown,
}

/// A key with its modifiers, as bound and as shown in help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

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
    fn matches(&self, ev: &KeyEvent) -> bool {
        let mut mods = ev.modifiers;
        if matches!(ev.code, KeyCode::Char(_)) {
            mods.remove(KeyModifiers::SHIFT);
        }
        self.code == ev.code && self.mods == mods
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            write!(f, "Ctrl-")?;
        }
        match self.code {
            KeyCode::Char(' ') => write!(f, "Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Up => write!(f, "↑"),
            KeyCode::Down => write!(f, "↓"),
            KeyCode::Left => write!(f, "←"),
            KeyCode::Right => write!(f, "→"),
            KeyCode::PageUp => write!(f, "PgUp"),
            KeyCode::PageDown => write!(f, "PgDn"),
            KeyCode::Home => write!(f, "Home"),
            KeyCode::End => write!(f, "End"),
            KeyCode::Enter => write!(f, "Enter"),
            KeyCode::Esc => write!(f, "Esc"),
            KeyCode::Tab => write!(f, "Tab"),
            KeyCode::BackTab => write!(f, "Shift-Tab"),
            KeyCode::Delete => write!(f, "Delete"),
            KeyCode::Backspace => write!(f, "Backspace"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// One line of the keymap: the keys, what they do, and how help describes it.
#[derive(Debug, Clone)]
pub struct Binding {
    pub keys: Vec<Key>,
    pub action: Action,
    pub help: String,
}

fn bind(keys: &[Key], action: Action, help: &str) -> Binding {
    Binding {
        keys: keys.to_vec(),
        action,
        help: help.to_string(),
    }
}

/// The bindings of the table view (normal mode) with every column shown.
pub fn normal_bindings() -> Vec<Binding> {
    normal_bindings_for(&Column::ALL)
}

/// The bindings of the table view when `columns` are shown, in that order:
/// `1`…`9` sort by the shown columns. In the order help lists them.
pub fn normal_bindings_for(columns: &[Column]) -> Vec<Binding> {
    use KeyCode::*;
    let mut b = vec![
        bind(&[Key::ch('j'), Key::plain(Down)], Action::Down, "move down"),
        bind(&[Key::ch('k'), Key::plain(Up)], Action::Up, "move up"),
        bind(
            &[Key::ch('g'), Key::plain(Home)],
            Action::First,
            "first row",
        ),
        bind(&[Key::ch('G'), Key::plain(End)], Action::Last, "last row"),
        bind(
            &[Key::plain(PageDown), Key::ctrl('d')],
            Action::PageDown,
            "page down",
        ),
        bind(
            &[Key::plain(PageUp), Key::ctrl('u')],
            Action::PageUp,
            "page up",
        ),
        bind(&[Key::ch('s')], Action::SortNext, "sort by the next column"),
        bind(
            &[Key::ch('S')],
            Action::SortPrev,
            "sort by the previous column",
        ),
        bind(&[Key::ch('r')], Action::SortReverse, "reverse the sort"),
    ];
    for (i, col) in columns.iter().take(9).enumerate() {
        let digit = char::from(b'1' + i as u8);
        b.push(bind(
            &[Key::ch(digit)],
            Action::SortBy(*col),
            &format!("sort by {} (again: reverse)", col.title()),
        ));
    }
    b.extend([
        bind(
            &[Key::ch('/')],
            Action::Search,
            "search name, ticker, category…",
        ),
        bind(
            &[Key::ch('f')],
            Action::CycleStatus,
            "status filter: all/upcoming/trading",
        ),
        bind(
            &[Key::ch('a')],
            Action::CycleAirdrop,
            "airdrop filter: all/confirmed/probable",
        ),
        bind(
            &[Key::plain(Enter)],
            Action::ToggleFullDetail,
            "detail full-screen on/off",
        ),
        bind(
            &[Key::plain(Tab)],
            Action::ToggleFocus,
            "focus table/detail (j/k scroll it)",
        ),
        bind(&[Key::plain(Esc)], Action::Back, "back; clear the search"),
        bind(
            &[Key::ctrl('r'), Key::plain(F(5))],
            Action::PollNow,
            "poll now (with --poll)",
        ),
        bind(
            &[Key::ch('l')],
            Action::ToggleLog,
            "event log: flips and poll errors",
        ),
        bind(&[Key::ch('n')], Action::Add, "add a coin"),
        bind(&[Key::ch('e')], Action::Edit, "edit the selected coin"),
        bind(
            &[Key::ch('D')],
            Action::Delete,
            "delete the selected coin (asks y/N)",
        ),
        bind(&[Key::ch('u')], Action::Undo, "undo the last delete"),
        bind(
            &[Key::ch('m')],
            Action::Lookup,
            "look up the market id (API search)",
        ),
        bind(&[Key::ch('?')], Action::Help, "this help"),
        bind(&[Key::ch('q'), Key::ctrl('c')], Action::Quit, "quit"),
    ]);
    b
}

/// The bindings while typing a search (help lists these too).
pub fn search_bindings() -> Vec<Binding> {
    use KeyCode::*;
    vec![
        bind(&[Key::plain(Enter)], Action::SearchKeep, "keep the filter"),
        bind(&[Key::plain(Esc)], Action::SearchClear, "clear the filter"),
        bind(
            &[Key::plain(Backspace)],
            Action::Backspace,
            "delete a character",
        ),
        bind(&[Key::plain(Down)], Action::Down, "move down"),
        bind(&[Key::plain(Up)], Action::Up, "move up"),
        bind(&[Key::ctrl('c')], Action::Quit, "quit"),
    ]
}

/// The bindings while help is open.
pub fn help_bindings() -> Vec<Binding> {
    use KeyCode::*;
    vec![
        bind(
            &[Key::plain(Esc), Key::ch('?'), Key::ch('q')],
            Action::Help,
            "close help",
        ),
        bind(
            &[Key::ch('j'), Key::plain(Down)],
            Action::Down,
            "scroll down",
        ),
        bind(&[Key::ch('k'), Key::plain(Up)], Action::Up, "scroll up"),
        bind(&[Key::plain(PageDown)], Action::PageDown, "page down"),
        bind(&[Key::plain(PageUp)], Action::PageUp, "page up"),
        bind(&[Key::ctrl('c')], Action::Quit, "quit"),
    ]
}

/// The bindings while the event log is open.
pub fn log_bindings() -> Vec<Binding> {
    use KeyCode::*;
    vec![
        bind(
            &[Key::plain(Esc), Key::ch('l'), Key::ch('q')],
            Action::ToggleLog,
            "close the log",
        ),
        bind(
            &[Key::ch('j'), Key::plain(Down)],
            Action::Down,
            "scroll down",
        ),
        bind(&[Key::ch('k'), Key::plain(Up)], Action::Up, "scroll up"),
        bind(&[Key::plain(PageDown)], Action::PageDown, "page down"),
        bind(&[Key::plain(PageUp)], Action::PageUp, "page up"),
        bind(
            &[Key::ctrl('r'), Key::plain(F(5))],
            Action::PollNow,
            "poll now",
        ),
        bind(&[Key::ctrl('c')], Action::Quit, "quit"),
    ]
}

/// Keys that edit a line of text, shared by the form and the lookup.
fn line_editing() -> Vec<Binding> {
    use KeyCode::*;
    vec![
        bind(&[Key::plain(Left)], Action::CursorLeft, "cursor left"),
        bind(&[Key::plain(Right)], Action::CursorRight, "cursor right"),
        bind(
            &[Key::plain(Home), Key::ctrl('a')],
            Action::CursorHome,
            "start of the line",
        ),
        bind(
            &[Key::plain(End), Key::ctrl('e')],
            Action::CursorEnd,
            "end of the line",
        ),
        bind(
            &[Key::plain(Backspace)],
            Action::Backspace,
            "delete before the cursor",
        ),
        bind(
            &[Key::plain(Delete)],
            Action::DeleteChar,
            "delete at the cursor",
        ),
        bind(&[Key::ctrl('c')], Action::Quit, "quit"),
    ]
}

/// The bindings of the add/edit form; other characters are typed.
pub fn form_bindings() -> Vec<Binding> {
    use KeyCode::*;
    let mut b = vec![
        bind(
            &[Key::plain(Tab), Key::plain(Down)],
            Action::NextField,
            "next field",
        ),
        bind(
            &[Key::plain(BackTab), Key::plain(Up)],
            Action::PrevField,
            "previous field",
        ),
        bind(&[Key::plain(Enter)], Action::Submit, "save"),
        bind(&[Key::plain(Esc)], Action::Back, "cancel"),
    ];
    b.extend(line_editing());
    b
}

/// The bindings of the market-id lookup; other characters type an id.
pub fn lookup_bindings() -> Vec<Binding> {
    use KeyCode::*;
    let mut b = vec![
        bind(&[Key::plain(Down)], Action::Down, "next candidate"),
        bind(&[Key::plain(Up)], Action::Up, "previous candidate"),
        bind(
            &[Key::plain(Enter)],
            Action::Submit,
            "use the typed id, else the candidate",
        ),
        bind(&[Key::plain(Esc)], Action::Back, "cancel"),
    ];
    b.extend(line_editing());
    b
}

/// The answer to "delete?": `y` deletes, any other key keeps the coin.
pub fn confirm_bindings() -> Vec<Binding> {
    vec![
        bind(&[Key::ch('y'), Key::ch('Y')], Action::Yes, "delete"),
        bind(&[Key::ctrl('c')], Action::Quit, "quit"),
    ]
}

/// Holds the keymaps of every mode, built once.
#[derive(Debug, Clone)]
pub struct Keymap {
    normal: Vec<Binding>,
    search: Vec<Binding>,
    help: Vec<Binding>,
    log: Vec<Binding>,
    form: Vec<Binding>,
    lookup: Vec<Binding>,
    confirm: Vec<Binding>,
}

impl Default for Keymap {
    fn default() -> Keymap {
        Keymap::new(&Column::ALL, &[]).expect("the default keymap has no clashes")
    }
}

impl Keymap {
    /// The keymap for these columns, with the keys of some table actions
    /// replaced (`[keys]` in the config: action name → keys). A key left
    /// bound to two actions is an error naming both.
    pub fn new(columns: &[Column], overrides: &[(String, Vec<Key>)]) -> Result<Keymap, String> {
        let mut normal = normal_bindings_for(columns);
        for (name, keys) in overrides {
            let action = crate::config::action_for_name(name)
                .ok_or_else(|| format!("keys.{name}: no such action"))?;
            for b in normal.iter_mut().filter(|b| b.action == action) {
                b.keys = keys.clone();
            }
        }
        for (i, a) in normal.iter().enumerate() {
            for b in &normal[i + 1..] {
                if let Some(k) = a.keys.iter().find(|k| b.keys.contains(k)) {
                    return Err(format!(
                        "the key {k} would both {} and {}: give one of them another key under [keys]",
                        a.help, b.help
                    ));
                }
            }
        }
        Ok(Keymap {
            normal,
            search: search_bindings(),
            help: help_bindings(),
            log: log_bindings(),
            form: form_bindings(),
            lookup: lookup_bindings(),
            confirm: confirm_bindings(),
        })
    }
}

impl Keymap {
    pub fn for_mode(&self, mode: Mode) -> &[Binding] {
        match mode {
            Mode::Normal => &self.normal,
            Mode::Search => &self.search,
            Mode::Help => &self.help,
            Mode::Log => &self.log,
            Mode::Form => &self.form,
            Mode::Lookup => &self.lookup,
            Mode::ConfirmDelete => &self.confirm,
        }
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
            Mode::ConfirmDelete => return Some(Action::No),
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

/// What a terminal event means, given where things are on screen.
/// Resizes and unbound keys give `None`; the caller redraws on resize anyway.
pub fn action_for_event(app: &App, ev: &Event) -> Option<Action> {
    match ev {
        Event::Key(key) => app.keymap.action_for_key(app.mode, key),
        Event::Mouse(m) if app.mode == Mode::Normal => action_for_mouse(app, m),
        Event::Mouse(m) if matches!(app.mode, Mode::Help | Mode::Log) => match m.kind {
            MouseEventKind::ScrollDown => Some(Action::ScrollDown),
            MouseEventKind::ScrollUp => Some(Action::ScrollUp),
            _ => None,
        },
        Event::Paste(text) if matches!(app.mode, Mode::Search | Mode::Form | Mode::Lookup) => {
            Some(Action::Paste(text.clone()))
        }
        _ => None,
    }
}

fn action_for_mouse(app: &App, m: &MouseEvent) -> Option<Action> {
    let vp = &app.viewport;
    match m.kind {
        MouseEventKind::Down(MouseButton::Left) => {
            if m.row == vp.header_y && vp.table.contains((m.column, m.row).into()) {
                let col = vp
                    .columns
                    .iter()
                    .find(|(_, x, w)| m.column >= *x && m.column < x + w)?;
                return Some(Action::SortBy(col.0));
            }
            if vp.body.contains((m.column, m.row).into()) {
                let row = vp.offset + usize::from(m.row - vp.body.y);
                return (row < app.rows().len()).then_some(Action::ClickRow(row));
            }
            None
        }
        MouseEventKind::ScrollDown => Some(Action::ScrollDown),
        MouseEventKind::ScrollUp => Some(Action::ScrollUp),
        _ => None,
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
        let q = Keymap::new(&Column::ALL, &[("quit".into(), vec![Key::ch('x')])]).unwrap();
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

        let err = Keymap::new(&Column::ALL, &[("quit".into(), vec![Key::ch('j')])]).unwrap_err();
        assert!(
            err.contains("the key j would both move down and quit"),
            "{err}"
        );
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
        let b = normal_bindings();
        assert!(b.iter().all(|b| !b.keys.is_empty() && !b.help.is_empty()));
        assert_eq!(
            b.iter()
                .filter(|b| matches!(b.action, Action::SortBy(_)))
                .count(),
            9
        );
    }
}
