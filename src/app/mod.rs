//! The screen's state around a [`Watcher`]: mode, focus, scroll, the
//! search, the form and the lookup, and the rows shown. One door in:
//! `update(Msg) -> Vec<Effect>`. Keys come in as actions and are handled
//! here; everything else is the watcher's input, and what it did comes
//! back as effects (passed on) and news (for the status line). No I/O and
//! no terminal, so every behaviour is testable as plain data.

use std::collections::VecDeque;

use crossterm::event::{Event, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;
use tokio::time::Instant;

use crate::form::{Form, LineInput};
use crate::keymap::{Action, Keymap};
use crate::listing::Listings;
use crate::market::poller::Command;

use crate::model::{Coin, Watchlist, position};
use crate::store::State;
use crate::view::{self, Column, Filter, SearchIndex, Sort};
use crate::watcher::{Input, Machine, News, Outcome, Watcher};

mod discover;
mod edit;

pub use crate::keymap::Mode;
pub use crate::watcher::{Effect, LogEntry, LogKind, PollState, SourceState};
pub use discover::DiscoverView;
pub use edit::{Lookup, LookupState};

/// The event log keeps this many entries; older ones are in the log file.
pub const LOG_CAPACITY: usize = 1000;

/// Everything that can change the app: the user's actions, where a frame
/// put things, and what the watcher takes in from outside.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// A key press or mouse event, as the keymap reads it.
    Action(Action),
    /// A frame was drawn: where it put things, so clicks, paging and
    /// scroll limits use what the user sees.
    Drawn(Viewport),
    /// The clock, a source, a file loaded or saved, a lookup's answer, a
    /// notice, the end: the watcher's input (see [`Input`]). Boxed: a
    /// state save's input carries two states.
    Input(Box<Input>),
}

impl From<Action> for Msg {
    fn from(action: Action) -> Msg {
        Msg::Action(action)
    }
}

impl From<Input> for Msg {
    fn from(input: Input) -> Msg {
        Msg::Input(Box::new(input))
    }
}

impl Machine for App {
    type Msg = Msg;

    fn update(&mut self, msg: Msg) -> Vec<Effect> {
        App::update(self, msg)
    }

    fn saves_pending(&self) -> bool {
        App::saves_pending(self)
    }
}

/// Which pane j/k/PgDn move in normal mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Table,
    Detail,
}

/// Where the last frame put things, reported back by the UI so mouse clicks,
/// paging and scroll limits use what the user actually sees.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Viewport {
    /// The whole table pane and its header row.
    pub table: Rect,
    pub header_y: u16,
    /// The rows area of the table.
    pub body: Rect,
    /// The first shown row.
    pub offset: usize,
    /// Each shown column, with its x and width.
    pub columns: Vec<(Column, u16, u16)>,
    /// The detail pane's text area and how many lines its text takes.
    pub detail: Rect,
    pub detail_lines: usize,
    /// Height of the help overlay's text area and its line count.
    pub help_height: u16,
    pub help_lines: usize,
}

#[derive(Debug)]
pub struct App {
    /// The domain: coins, listings, book, alerts, claims, saves.
    pub(crate) watcher: Watcher,
    pub(crate) keymap: Keymap,
    pub(crate) sort: Sort,
    /// The columns shown, in order (the config's `display.columns`).
    pub(crate) columns: Vec<Column>,
    pub(crate) filter: Filter,
    /// The search being typed: `filter.text` with a cursor.
    pub(crate) search: LineInput,
    pub(crate) mode: Mode,
    pub(crate) focus: Focus,
    pub(crate) detail_full: bool,
    pub(crate) detail_scroll: usize,
    pub(crate) help_scroll: usize,
    pub(crate) viewport: Viewport,
    pub(crate) quit: bool,
    /// Flips, poll errors and notes, oldest first.
    pub(crate) log: VecDeque<LogEntry>,
    pub(crate) log_scroll: usize,
    /// A message for the status line, cleared by the next key.
    pub(crate) flash: Option<String>,
    /// Whether the message outlives poll reports: news of a flip waits for
    /// the user, however long they are away; a refused poll does not.
    flash_sticky: bool,
    pub(crate) tz: jiff::tz::TimeZone,
    /// The watchlist's searched text, built with it.
    search_index: SearchIndex,
    /// Indices into the coins of the shown rows, in order.
    rows: Vec<usize>,
    /// The selected coin, as an index into the coins, so it survives
    /// sorting and filtering; and its position among `rows`, kept with it.
    selected: Option<usize>,
    selected_pos: Option<usize>,
    /// The add/edit form, while open.
    pub(crate) form: Option<Form>,
    /// Deleted coins and where they were, the last on top, for `u`.
    undo: Vec<edit::Deleted>,
    /// The market-id lookup, while open.
    pub(crate) lookup: Option<Lookup>,
    /// The Discover view, while open.
    pub(crate) discover: Option<discover::DiscoverView>,
    /// How long a new listing stays a row of Discover.
    pub(crate) discover_days: u32,
    /// The built-in list is on screen, and most of it may trade already:
    /// then the status line points at Discover, once. `false` once said.
    first_run_hint: bool,
}

impl App {
    pub fn new(watchlist: Watchlist, listings: Listings) -> App {
        App::around(Watcher::new(watchlist, listings))
    }

    /// The app on `watchlist` and the state file: its listings, the
    /// exchanges' book, the events told and the alerts fired (so none is
    /// told again).
    pub fn from_state(watchlist: Watchlist, state: State) -> App {
        App::around(Watcher::from_state(watchlist, state))
    }

    /// The screen around `watcher`.
    pub fn around(watcher: Watcher) -> App {
        let mut app = App {
            search_index: SearchIndex::new(&watcher.watchlist.coins),
            watcher,
            keymap: Keymap::default(),
            sort: Sort::default(),
            columns: Column::DEFAULT.to_vec(),
            filter: Filter::default(),
            search: LineInput::default(),
            mode: Mode::Normal,
            focus: Focus::Table,
            detail_full: false,
            detail_scroll: 0,
            help_scroll: 0,
            viewport: Viewport::default(),
            quit: false,
            log: VecDeque::new(),
            log_scroll: 0,
            flash: None,
            flash_sticky: false,
            tz: jiff::tz::TimeZone::system(),
            rows: Vec::new(),
            selected: None,
            selected_pos: None,
            form: None,
            undo: Vec::new(),
            lookup: None,
            discover: None,
            discover_days: crate::discover::DEFAULT_DAYS,
            first_run_hint: false,
        };
        app.first_run_hint = app.watcher.watchlist.coins == Watchlist::builtin().coins;
        app.refresh();
        app
    }

    /// Applies the settings of the config: the columns shown, the starting
    /// sort, and the keymap built for them.
    pub fn configure(&mut self, columns: Vec<Column>, sort: Sort, keymap: Keymap) {
        self.columns = columns;
        self.sort = sort;
        self.keymap = keymap;
        self.refresh();
        // At start the first row of the configured order is selected.
        self.select_row(0);
    }

    /// The shown column `step` places from the sorted one (wrapping), for
    /// `s` and `S`; from the first when the sorted one is not shown.
    fn column_step(&self, step: isize) -> Column {
        let n = self.columns.len().max(1) as isize;
        match self.columns.iter().position(|&c| c == self.sort.column) {
            Some(i) => self.columns[(i as isize + step).rem_euclid(n) as usize],
            None => self.columns.first().copied().unwrap_or(Column::Rank),
        }
    }

    /// Starts from this book of the exchanges' lists (from the state file).
    pub fn with_book(mut self, book: crate::book::Book) -> App {
        self.watcher.set_book(book);
        self.refresh();
        self
    }

    /// The domain under the screen.
    pub fn watcher(&self) -> &Watcher {
        &self.watcher
    }

    /// Notes that these exchanges are watched: their looks will come in.
    pub fn watch_exchanges(&mut self, exchanges: &[crate::sources::Exchange]) {
        self.watcher.watch_exchanges(exchanges);
    }

    /// Notes that the DEX source is watched (see
    /// [`Watcher::watch_dex`](crate::watcher::Watcher::watch_dex)).
    pub fn watch_dex(&mut self, min_liquidity_usd: f64) -> Vec<crate::dex::Watched> {
        self.watcher.watch_dex(min_liquidity_usd)
    }

    /// Sizes positions in `portfolio`; `None`: sizing is off.
    pub fn set_portfolio(&mut self, portfolio: Option<crate::position::Portfolio>) {
        self.watcher.set_portfolio(portfolio);
        self.refresh();
    }

    /// How many days a new listing stays a row of Discover.
    pub fn set_discover_days(&mut self, days: u32) {
        self.discover_days = days;
    }

    /// Tells each new scheduled or pre-market row of Discover (see
    /// [`Watcher::tell_discoveries`](crate::watcher::Watcher::tell_discoveries)).
    pub fn tell_discoveries(&mut self, on: bool) {
        self.watcher.tell_discoveries(on);
    }

    /// Turns polling on: the UI will show the poller's state and accept `Ctrl-r`.
    pub fn enable_polling(&mut self) {
        self.watcher.enable_polling();
    }

    /// The market ids of the watchlist, in watchlist order.
    pub fn market_ids(&self) -> Vec<String> {
        self.watcher.market_ids()
    }

    /// How many watched coins are trading.
    pub fn trading_count(&self) -> usize {
        self.watcher.trading_count()
    }

    /// Takes in what an update of the watcher did: its log lines join the
    /// event log, its news the status line, and the rows follow its changes.
    /// Returns the effects, for the runner.
    fn absorb(&mut self, out: Outcome) -> Vec<Effect> {
        if out.settle && !self.flash_sticky {
            self.flash = None;
        }
        for entry in out.logged() {
            self.log.push_back(entry.clone());
        }
        let excess = self.log.len().saturating_sub(LOG_CAPACITY);
        self.log.drain(..excess);
        if let Some((news, sticky)) = out.news {
            self.flash = Some(match news {
                News::One(text) => text,
                News::Many(text) => format!("{text} ({})", self.log_hint()),
            });
            self.flash_sticky |= sticky;
        }
        if out.coins_changed {
            self.search_index = SearchIndex::new(&self.watcher.watchlist.coins);
        }
        if out.coins_changed || out.rows_changed {
            self.refresh();
            self.refresh_discover();
        }
        out.effects
    }

    /// On the built-in list, once most of the coins that can be seen to
    /// trade do: says so, once, and points at Discover for the coins that
    /// do not yet.
    fn point_at_discover(&mut self) {
        if !self.first_run_hint {
            return;
        }
        let coins = &self.watcher.watchlist.coins;
        let total = coins.len();
        // Only a coin with a market id or a ticker can be seen to trade:
        // "most" is of those.
        let seeable = coins
            .iter()
            .filter(|c| c.market_id.is_some() || c.ticker.is_some())
            .count();
        let trading = self.watcher.trading_count();
        if seeable == 0 || trading * 2 <= seeable {
            return;
        }
        self.first_run_hint = false;
        self.flash = Some(format!(
            "{trading} of {total} coins trade already: press {} to discover upcoming ones",
            self.keymap.label(Mode::Normal, &Action::Discover)
        ));
        self.flash_sticky = true;
    }

    /// "l: log", with the key bound to the event log.
    pub(crate) fn log_hint(&self) -> String {
        format!(
            "{}: log",
            self.keymap.label(Mode::Normal, &Action::ToggleLog)
        )
    }

    /// Hands `input` to the watcher, keeping the selection on its coin
    /// when the coins are replaced (merged from disk).
    fn pass_on(&mut self, input: Input) -> Vec<Effect> {
        let selected = self.selected_coin().map(|c| c.id);
        let out = self.watcher.update(input);
        if out.coins_changed {
            self.selected = selected.and_then(|id| position(&self.watcher.watchlist.coins, id));
        }
        self.absorb(out)
    }

    /// The coins, as loaded and edited.
    pub fn watchlist(&self) -> &Watchlist {
        self.watcher.watchlist()
    }

    /// What is known of the coins' markets.
    pub fn listings(&self) -> &Listings {
        self.watcher.listings()
    }

    /// What each watched exchange lists.
    pub fn book(&self) -> &crate::book::Book {
        self.watcher.book()
    }

    /// Whether something sent out has yet to come back: a save, or a
    /// lookup's answer. The main loop waits for saves before it exits.
    pub fn busy(&self) -> bool {
        self.saves_pending()
            || self
                .lookup
                .as_ref()
                .is_some_and(|l| l.state == LookupState::Searching)
    }

    /// What would be lost by quitting now: changes whose last save failed,
    /// in words, with why.
    pub fn unsaved(&self) -> Option<String> {
        self.watcher.unsaved()
    }

    /// Shows `text` in the status line while the app closes (what it waits
    /// for); no effect of its own.
    pub fn closing_note(&mut self, text: String) {
        self.flash = Some(text);
        self.flash_sticky = true;
    }

    /// Whether a save is in flight or due.
    pub fn saves_pending(&self) -> bool {
        self.watcher.saves_pending()
    }

    /// `q`: quits, unless changes could not be saved; then asks first.
    fn ask_quit(&mut self) {
        if self.unsaved().is_some() && self.mode != Mode::ConfirmQuit {
            self.mode = Mode::ConfirmQuit;
        } else {
            self.quit = true;
        }
    }

    fn update_confirm_quit(&mut self, action: Action) -> Vec<Effect> {
        self.mode = Mode::Normal;
        match action {
            Action::Yes => self.quit = true,
            Action::Retry => {
                let out = self.watcher.retry_saves();
                self.flash = Some("saving again…".into());
                return self.absorb(out);
            }
            _ => self.flash = Some("not quitting".into()),
        }
        Vec::new()
    }

    fn poll_now(&mut self) -> Vec<Effect> {
        match &self.watcher.polling {
            None => self.flash = Some("not polling: start prelist with --poll".into()),
            Some(p) if p.in_flight => self.flash = Some("a poll is already running".into()),
            Some(_) => return vec![Effect::Poll(Command::PollNow)],
        }
        Vec::new()
    }

    pub fn sort(&self) -> Sort {
        self.sort
    }

    pub fn filter(&self) -> &Filter {
        &self.filter
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn keymap(&self) -> &Keymap {
        &self.keymap
    }

    /// Where the last frame put things.
    pub fn viewport(&self) -> &Viewport {
        &self.viewport
    }

    pub fn detail_scroll(&self) -> usize {
        self.detail_scroll
    }

    /// The status line's message, if one is up.
    pub fn flash(&self) -> Option<&str> {
        self.flash.as_deref()
    }

    /// The market-id lookup, while open.
    pub fn lookup(&self) -> Option<&Lookup> {
        self.lookup.as_ref()
    }

    /// The poller as the app knows it, when polling.
    pub fn polling(&self) -> Option<&PollState> {
        self.watcher.polling()
    }

    /// The app's clock: monotonic and wall (Unix seconds).
    pub fn now(&self) -> (Instant, i64) {
        (self.watcher.now, self.watcher.now_wall)
    }

    /// Whether the app has been asked to close.
    pub fn quitting(&self) -> bool {
        self.quit
    }

    /// Starts the event log with these entries (listings known at start).
    pub fn set_log(&mut self, entries: Vec<LogEntry>) {
        self.log = entries.into();
    }

    /// Counts the month's calls from `tally` on, shown in the status line.
    pub fn count_calls_from(&mut self, tally: crate::market::plan::CallTally) {
        self.watcher.count_calls_from(tally);
    }

    /// Shows times in `tz` instead of the system's zone.
    pub fn with_time_zone(mut self, tz: jiff::tz::TimeZone) -> App {
        self.tz = tz;
        self
    }

    /// The shown rows, as indices into the coins.
    pub fn rows(&self) -> &[usize] {
        &self.rows
    }

    /// The position of the selected coin among the shown rows.
    pub fn selected_row(&self) -> Option<usize> {
        self.selected_pos
    }

    pub fn selected_coin(&self) -> Option<&Coin> {
        self.selected.map(|i| &self.watcher.watchlist.coins[i])
    }

    /// Recomputes the shown rows after a sort, filter or data change, keeping
    /// the selection on the same coin when it is still shown, else the first.
    fn refresh(&mut self) {
        self.rows = view::visible_indexed(
            &self.watcher.watchlist.coins,
            &self.search_index,
            self.watcher.around(),
            self.sort,
            &self.filter,
        );
        self.selected_pos = self
            .selected
            .and_then(|sel| self.rows.iter().position(|&i| i == sel));
        if self.selected_pos.is_none() {
            self.select_row(0);
        }
    }

    fn select_row(&mut self, row: usize) {
        let new = self.rows.get(row).copied();
        if new != self.selected {
            self.detail_scroll = 0;
        }
        self.selected = new;
        self.selected_pos = new.map(|_| row);
    }

    /// Moves the selection by `delta` rows, clamped to the list.
    fn move_by(&mut self, delta: isize) {
        if self.rows.is_empty() {
            return;
        }
        let last = self.rows.len() - 1;
        let cur = self.selected_row().unwrap_or(0);
        let to = cur.saturating_add_signed(delta).min(last);
        self.select_row(to);
    }

    fn scroll_detail(&mut self, delta: isize) {
        let max = self
            .viewport
            .detail_lines
            .saturating_sub(usize::from(self.viewport.detail.height));
        self.detail_scroll = self.detail_scroll.saturating_add_signed(delta).min(max);
    }

    fn scroll_help(&mut self, delta: isize) {
        let max = self
            .viewport
            .help_lines
            .saturating_sub(usize::from(self.viewport.help_height));
        self.help_scroll = self.help_scroll.saturating_add_signed(delta).min(max);
    }

    fn page(&self) -> isize {
        let h = match self.focus {
            Focus::Table if !self.detail_full => self.viewport.body.height,
            _ => self.viewport.detail.height,
        };
        (h.max(2) - 1) as isize
    }

    fn help_page(&self) -> isize {
        (self.viewport.help_height.max(2) - 1) as isize
    }

    /// Whether j/k and paging scroll the detail text rather than the table.
    fn detail_has_keys(&self) -> bool {
        self.detail_full || self.focus == Focus::Detail
    }

    fn sort_by(&mut self, column: Column) {
        if self.sort.column == column {
            self.sort.descending = !self.sort.descending;
        } else {
            self.sort = Sort {
                column,
                descending: false,
            };
        }
        self.refresh();
    }

    /// Takes in one message; returns the I/O it calls for.
    #[must_use = "every effect must reach the runner"]
    pub fn update(&mut self, msg: impl Into<Msg>) -> Vec<Effect> {
        match msg.into() {
            Msg::Action(action) => self.on_action(action),
            Msg::Drawn(viewport) => {
                self.viewport = viewport;
                Vec::new()
            }
            Msg::Input(input) => {
                let input = *input;
                match &input {
                    Input::Lookup { query, result } => self.on_lookup(query, result.clone()),
                    Input::Shutdown => self.quit = true,
                    _ => {}
                }
                let effects = self.pass_on(input);
                self.point_at_discover();
                effects
            }
        }
    }

    /// What a terminal event means, given where things are on screen.
    /// Resizes and unbound keys give `None`; the caller redraws on resize
    /// anyway.
    pub fn action_for_event(&self, ev: &Event) -> Option<Action> {
        match ev {
            Event::Key(key) => self.keymap.action_for_key(self.mode, key),
            Event::Mouse(m) if self.mode == Mode::Normal => self.action_for_mouse(m),
            Event::Mouse(m) if matches!(self.mode, Mode::Help | Mode::Log) => match m.kind {
                MouseEventKind::ScrollDown => Some(Action::ScrollDown),
                MouseEventKind::ScrollUp => Some(Action::ScrollUp),
                _ => None,
            },
            Event::Paste(text) if matches!(self.mode, Mode::Search | Mode::Form | Mode::Lookup) => {
                Some(Action::Paste(text.clone()))
            }
            _ => None,
        }
    }

    fn action_for_mouse(&self, m: &MouseEvent) -> Option<Action> {
        let vp = &self.viewport;
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
                    return (row < self.rows.len()).then_some(Action::ClickRow(row));
                }
                None
            }
            MouseEventKind::ScrollDown => Some(Action::ScrollDown),
            MouseEventKind::ScrollUp => Some(Action::ScrollUp),
            _ => None,
        }
    }

    /// Applies one user action.
    fn on_action(&mut self, action: Action) -> Vec<Effect> {
        self.flash = None;
        self.flash_sticky = false;
        match action {
            Action::Quit if self.mode == Mode::ConfirmQuit => self.quit = true,
            Action::Quit => self.ask_quit(),
            Action::PollNow => return self.poll_now(),
            _ => match self.mode {
                Mode::Help => self.update_help(action),
                Mode::Log => self.update_log(action),
                Mode::Search => self.update_search(action),
                Mode::Normal => return self.update_normal(action),
                Mode::Discover => return self.update_discover(action),
                Mode::Form => return self.update_form(action),
                Mode::ConfirmDelete => return self.update_confirm(action),
                Mode::ConfirmQuit => return self.update_confirm_quit(action),
                Mode::Lookup => return self.update_lookup(action),
            },
        }
        Vec::new()
    }

    fn update_log(&mut self, action: Action) {
        let page = (self.viewport.help_height.max(2) - 1) as isize;
        let max = self
            .log
            .len()
            .saturating_sub(usize::from(self.viewport.help_height));
        let scroll = |s: usize, d: isize| s.saturating_add_signed(d).min(max);
        match action {
            Action::ToggleLog | Action::Back | Action::Help => self.mode = self.home_mode(),
            Action::Down | Action::ScrollDown => self.log_scroll = scroll(self.log_scroll, 1),
            Action::Up | Action::ScrollUp => self.log_scroll = scroll(self.log_scroll, -1),
            Action::PageDown => self.log_scroll = scroll(self.log_scroll, page),
            Action::PageUp => self.log_scroll = scroll(self.log_scroll, -page),
            _ => {}
        }
    }

    fn update_help(&mut self, action: Action) {
        match action {
            Action::Help | Action::Back => self.mode = self.home_mode(),
            Action::Down | Action::ScrollDown => self.scroll_help(1),
            Action::Up | Action::ScrollUp => self.scroll_help(-1),
            Action::PageDown => self.scroll_help(self.help_page()),
            Action::PageUp => self.scroll_help(-self.help_page()),
            _ => {}
        }
    }

    fn update_search(&mut self, action: Action) {
        if self.update_discover_search(&action) {
            return;
        }
        if edit::edit_line(&mut self.search, &action) {
            if self.filter.text != self.search.text() {
                self.filter.text = self.search.text().to_string();
                self.refresh();
            }
            return;
        }
        match action {
            Action::SearchKeep => self.mode = Mode::Normal,
            Action::SearchClear => {
                self.filter.text.clear();
                self.search = LineInput::default();
                self.mode = Mode::Normal;
                self.refresh();
            }
            Action::Down => self.move_by(1),
            Action::Up => self.move_by(-1),
            _ => {}
        }
    }

    fn update_normal(&mut self, action: Action) -> Vec<Effect> {
        let detail = self.detail_has_keys();
        match action {
            Action::Down if detail => self.scroll_detail(1),
            Action::Up if detail => self.scroll_detail(-1),
            Action::PageDown if detail => self.scroll_detail(self.page()),
            Action::PageUp if detail => self.scroll_detail(-self.page()),
            Action::First if detail => self.detail_scroll = 0,
            Action::Last if detail => self.scroll_detail(isize::MAX),
            Action::Down => self.move_by(1),
            Action::Up => self.move_by(-1),
            Action::PageDown => self.move_by(self.page()),
            Action::PageUp => self.move_by(-self.page()),
            Action::First => self.select_row(0),
            Action::Last => self.select_row(self.rows.len().saturating_sub(1)),
            Action::ScrollDown if detail => self.scroll_detail(3),
            Action::ScrollUp if detail => self.scroll_detail(-3),
            Action::ScrollDown => self.move_by(1),
            Action::ScrollUp => self.move_by(-1),
            Action::ClickRow(row) => {
                self.focus = Focus::Table;
                self.select_row(row.min(self.rows.len().saturating_sub(1)));
            }
            Action::SortNext => self.sort_by(self.column_step(1)),
            Action::SortPrev => self.sort_by(self.column_step(-1)),
            Action::SortReverse => self.sort_by(self.sort.column),
            Action::SortBy(column) => self.sort_by(column),
            Action::Search => {
                // Editing goes on from the kept search, cursor at its end.
                self.search = LineInput::new(&self.filter.text);
                self.mode = Mode::Search;
                self.focus = Focus::Table;
                self.detail_full = false;
            }
            Action::CycleStatus => {
                self.filter.status = self.filter.status.next();
                self.refresh();
            }
            Action::CycleAirdrop => {
                self.filter.airdrop = self.filter.airdrop.next();
                self.refresh();
            }
            Action::ToggleFullDetail => self.detail_full = !self.detail_full,
            Action::ToggleFocus => {
                self.focus = match self.focus {
                    Focus::Table => Focus::Detail,
                    Focus::Detail => Focus::Table,
                }
            }
            Action::Back => {
                if self.detail_full {
                    self.detail_full = false;
                } else if self.focus == Focus::Detail {
                    self.focus = Focus::Table;
                } else if !self.filter.text.is_empty() {
                    self.filter.text.clear();
                    self.refresh();
                }
            }
            Action::Help => {
                self.mode = Mode::Help;
                self.help_scroll = 0;
            }
            Action::ToggleLog => {
                self.mode = Mode::Log;
                self.log_scroll = 0;
            }
            Action::Discover => self.open_discover(),
            Action::Add => self.open_add(),
            Action::Edit => self.open_edit(),
            Action::Delete => self.ask_delete(),
            Action::Undo => return self.undo_delete(),
            Action::Lookup => return self.open_lookup(),
            Action::ConfirmListing => {
                if let Some(i) = self.selected {
                    let out = self.watcher.confirm_listing(i);
                    return self.absorb(out);
                }
            }
            _ => {}
        }
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::market::MarketError;
    use crate::market::poller::{Refusal, Report};
    use crate::merge::merge_state;
    use crate::notify;
    use crate::told::Claim;
    use crate::view::{AirdropFilter, StatusFilter};
    use crate::watcher::{NOTIFY_PER_BATCH, STATE_RETRY_GAP};

    fn app() -> App {
        let mut app = App::new(Watchlist::builtin(), Listings::new());
        app.viewport.body.height = 5;
        app.viewport.detail.height = 4;
        app.viewport.detail_lines = 20;
        app
    }

    fn selected(app: &App) -> &str {
        &app.selected_coin().unwrap().name
    }

    fn type_text(app: &mut App, text: &str) {
        for c in text.chars() {
            let _ = app.update(Action::Input(c));
        }
    }

    #[test]
    fn starts_on_the_first_coin_in_rank_order() {
        let app = app();
        assert_eq!(app.rows().len(), 14);
        assert_eq!(selected(&app), "Gravity");
    }

    #[test]
    fn moving_clamps_at_both_ends() {
        let mut app = app();
        let _ = app.update(Action::Up);
        assert_eq!(selected(&app), "Gravity");
        let _ = app.update(Action::Down);
        let _ = app.update(Action::Down);
        assert_eq!(selected(&app), "My Pet Hooligan");
        let _ = app.update(Action::Last);
        assert_eq!(selected(&app), "Peaq Network");
        let _ = app.update(Action::Down);
        assert_eq!(selected(&app), "Peaq Network");
        let _ = app.update(Action::PageUp);
        assert_eq!(
            app.selected_row(),
            Some(9),
            "a page is the body height less one"
        );
        let _ = app.update(Action::First);
        assert_eq!(selected(&app), "Gravity");
    }

    #[test]
    fn selection_stays_on_the_coin_through_sorts() {
        let mut app = app();
        for _ in 0..4 {
            let _ = app.update(Action::Down);
        }
        assert_eq!(selected(&app), "Nibiru");
        let _ = app.update(Action::SortBy(Column::Score));
        assert_eq!(selected(&app), "Nibiru");
        assert_ne!(app.selected_row(), Some(4));
        let _ = app.update(Action::SortReverse);
        assert_eq!(selected(&app), "Nibiru");
        let _ = app.update(Action::SortNext);
        assert_eq!(app.sort.column, Column::Airdrop);
        assert_eq!(selected(&app), "Nibiru");
    }

    #[test]
    fn sort_by_same_column_reverses_and_new_column_starts_ascending() {
        let mut app = app();
        let _ = app.update(Action::SortBy(Column::Name));
        assert_eq!(
            app.sort,
            Sort {
                column: Column::Name,
                descending: false
            }
        );
        let _ = app.update(Action::SortBy(Column::Name));
        assert!(app.sort.descending);
        let _ = app.update(Action::SortBy(Column::Score));
        assert_eq!(
            app.sort,
            Sort {
                column: Column::Score,
                descending: false
            }
        );
        let _ = app.update(Action::SortPrev);
        let _ = app.update(Action::SortPrev);
        assert_eq!(app.sort.column, Column::Ticker);
    }

    #[test]
    fn selection_kept_through_filters_or_moved_to_first_shown() {
        let mut app = app();
        let _ = app.update(Action::Down);
        assert_eq!(selected(&app), "Nillion");
        let _ = app.update(Action::CycleAirdrop);
        assert_eq!(app.filter.airdrop, AirdropFilter::Confirmed);
        assert_eq!(
            selected(&app),
            "Gravity",
            "Nillion is hidden: first shown row"
        );
        let _ = app.update(Action::CycleAirdrop);
        assert_eq!(app.filter.airdrop, AirdropFilter::Probable);
        assert_eq!(selected(&app), "Nillion");
        let _ = app.update(Action::Last);
        assert_eq!(selected(&app), "Nimble");
        let _ = app.update(Action::CycleAirdrop);
        assert_eq!(app.rows().len(), 14);
        assert_eq!(selected(&app), "Nimble");
        let _ = app.update(Action::CycleStatus);
        assert_eq!(app.filter.status, StatusFilter::Upcoming);
        let _ = app.update(Action::CycleStatus);
        assert_eq!(app.filter.status, StatusFilter::Scheduled);
        assert!(app.rows().is_empty());
        let _ = app.update(Action::CycleStatus);
        assert_eq!(app.filter.status, StatusFilter::Premarket);
        assert!(app.rows().is_empty());
        let _ = app.update(Action::CycleStatus);
        assert_eq!(app.filter.status, StatusFilter::Trading);
        assert!(app.rows().is_empty());
        assert!(app.selected_coin().is_none());
        let _ = app.update(Action::Down);
        let _ = app.update(Action::CycleStatus);
        assert_eq!(app.rows().len(), 14);
        assert_eq!(selected(&app), "Gravity");
    }

    #[test]
    fn search_mode_filters_keeps_and_clears() {
        let mut app = app();
        let _ = app.update(Action::Search);
        assert_eq!(app.mode, Mode::Search);
        type_text(&mut app, "nil");
        assert_eq!(app.rows().len(), 1);
        assert_eq!(selected(&app), "Nillion");
        let _ = app.update(Action::Backspace);
        let _ = app.update(Action::Backspace);
        assert_eq!(app.filter.text, "n");
        let _ = app.update(Action::Input('i'));
        let _ = app.update(Action::SearchKeep);
        assert_eq!(app.mode, Mode::Normal);
        assert_eq!(app.filter.text, "ni");
        // Keys are keys again once the search is kept.
        let _ = app.update(Action::Quit);
        assert!(app.quit);

        let mut app = self::app();
        let _ = app.update(Action::Search);
        type_text(&mut app, "obscuro");
        assert_eq!(selected(&app), "Ten");
        let _ = app.update(Action::SearchClear);
        assert_eq!(app.mode, Mode::Normal);
        assert!(app.filter.text.is_empty());
        assert_eq!(app.rows().len(), 14);
        assert_eq!(selected(&app), "Ten", "selection survives clearing");
    }

    #[test]
    fn the_search_is_edited_at_its_cursor() {
        let mut app = app();
        let _ = app.update(Action::Search);
        type_text(&mut app, "nl");
        assert!(app.rows().is_empty());
        let _ = app.update(Action::CursorLeft);
        let _ = app.update(Action::Input('i'));
        assert_eq!(app.filter.text, "nil");
        assert_eq!(selected(&app), "Nillion");
        let _ = app.update(Action::CursorHome);
        let _ = app.update(Action::DeleteChar);
        assert_eq!(app.filter.text, "il");
        let _ = app.update(Action::SearchKeep);
        // Searching again goes on from the kept text, at its end.
        let _ = app.update(Action::Search);
        let _ = app.update(Action::Backspace);
        assert_eq!(app.filter.text, "i");
        assert_eq!(app.search.cursor(), 1);
    }

    #[test]
    fn escape_clears_a_kept_search() {
        let mut app = app();
        let _ = app.update(Action::Search);
        type_text(&mut app, "zk");
        let _ = app.update(Action::SearchKeep);
        assert!(app.rows().len() < 14);
        let _ = app.update(Action::Back);
        assert_eq!(app.rows().len(), 14);
    }

    #[test]
    fn help_opens_scrolls_and_closes() {
        let mut app = app();
        app.viewport.help_height = 5;
        app.viewport.help_lines = 8;
        let _ = app.update(Action::Help);
        assert_eq!(app.mode, Mode::Help);
        let _ = app.update(Action::Down);
        assert_eq!(selected(&app), "Gravity", "keys scroll help, not the table");
        for _ in 0..10 {
            let _ = app.update(Action::Down);
        }
        assert_eq!(app.help_scroll, 3);
        let _ = app.update(Action::Help);
        assert_eq!(app.mode, Mode::Normal);
        let _ = app.update(Action::Help);
        assert_eq!(app.help_scroll, 0);
        let _ = app.update(Action::Back);
        assert_eq!(app.mode, Mode::Normal);
    }

    #[test]
    fn tab_moves_keys_to_the_detail_pane() {
        let mut app = app();
        let _ = app.update(Action::ToggleFocus);
        assert_eq!(app.focus, Focus::Detail);
        let _ = app.update(Action::Down);
        let _ = app.update(Action::Down);
        assert_eq!(selected(&app), "Gravity");
        assert_eq!(app.detail_scroll, 2);
        let _ = app.update(Action::Last);
        assert_eq!(app.detail_scroll, 16, "lines less the pane height");
        let _ = app.update(Action::ToggleFocus);
        let _ = app.update(Action::Down);
        assert_eq!(selected(&app), "Nillion");
        assert_eq!(app.detail_scroll, 0, "a new coin starts at the top");
    }

    #[test]
    fn enter_toggles_full_screen_detail_and_escape_leaves_it() {
        let mut app = app();
        let _ = app.update(Action::ToggleFullDetail);
        assert!(app.detail_full);
        let _ = app.update(Action::Down);
        assert_eq!(app.detail_scroll, 1);
        let _ = app.update(Action::Back);
        assert!(!app.detail_full);
        let _ = app.update(Action::ToggleFullDetail);
        let _ = app.update(Action::ToggleFullDetail);
        assert!(!app.detail_full);
    }

    #[test]
    fn click_selects_a_row() {
        let mut app = app();
        let _ = app.update(Action::ClickRow(6));
        assert_eq!(selected(&app), "Dolomite");
        let _ = app.update(Action::ClickRow(99));
        assert_eq!(selected(&app), "Peaq Network");
    }

    mod polling {
        use super::*;
        use crate::market::{Quote, Quotes};

        pub(super) fn polling_app() -> App {
            let mut app = app();
            app.enable_polling();
            let _ = app.update(Input::Clock {
                now: Instant::now(),
                wall: 1_800_000_000,
            });
            app
        }

        pub(super) fn priced(id: &str, p: f64) -> Quotes {
            Quotes::from([(
                id.to_string(),
                Quote {
                    price_usd: crate::types::Usd::new(p),
                    ..Quote::default()
                },
            )])
        }

        pub(super) fn done(quotes: Quotes) -> Report {
            Report::Done {
                quotes,
                next_in: Duration::from_secs(60),
                requests: 1,
                remaining: None,
            }
        }

        #[test]
        fn the_built_in_list_mostly_trading_points_at_discover_once() {
            let mut app = polling_app();
            let ids = ["nillion", "parcl"];
            let quotes: Quotes = ids
                .iter()
                .filter_map(|id| priced(id, 1.0).into_iter().next())
                .collect();
            let _ = app.update(Input::Poll(done(quotes.clone())));
            // Fewer than half trade: nothing said.
            assert_ne!(
                app.flash().map(|f| f.contains("discover upcoming")),
                Some(true)
            );
            assert_eq!(app.trading_count(), 2);
            // Most trade: said once, with the key.
            let mut book = app.book().clone();
            let coins = app.watchlist().coins.clone();
            let t = app.now().1;
            crate::book::apply_look(
                &mut book,
                crate::exchange::Exchange::Okx,
                &[],
                t,
                &coins,
                false,
            );
            let more: Vec<crate::exchange::Pair> = coins
                .iter()
                .filter_map(|c| c.ticker.clone())
                .map(|base| crate::exchange::Pair {
                    base,
                    quote: "USDT".into(),
                    state: crate::exchange::PairState::Trading,
                })
                .collect();
            let look = crate::sources::watch::Look {
                exchange: crate::exchange::Exchange::Okx,
                result: Ok(more),
                next_in: Duration::from_secs(60),
            };
            app.watcher.set_book(book);
            let _ = app.update(Input::Exchange(look));
            let n = app.trading_count();
            assert!(n > 3, "{n}");
            let said = format!("{n} of 14 coins trade already: press d to discover upcoming ones");
            assert_eq!(app.flash(), Some(said.as_str()));
            let _ = app.update(Action::Down);
            let _ = app.update(Input::Poll(done(quotes)));
            assert_ne!(app.flash(), Some(said.as_str()), "once");
        }

        #[test]
        fn hints_name_the_keys_as_bound() {
            use crate::keymap::Rebind;
            let mut app = polling_app();
            let rebinds = [
                Rebind {
                    mode: Mode::Normal,
                    action: Action::ToggleLog,
                    keys: vec!["L".parse().unwrap()],
                },
                Rebind {
                    mode: Mode::Normal,
                    action: Action::Undo,
                    keys: vec!["U".parse().unwrap()],
                },
            ];
            let keymap = Keymap::new(&Column::ALL, &rebinds).unwrap();
            app.configure(Column::ALL.to_vec(), Sort::default(), keymap);
            let mut quotes = priced("nillion", 0.6);
            quotes.extend(priced("parcl", 0.2));
            let _ = app.update(Input::Poll(done(quotes)));
            assert_eq!(app.flash(), Some("2 coins are now trading (L: log)"));
            let _ = app.update(Action::Delete);
            let _ = app.update(Action::Yes);
            assert!(app.flash().unwrap().ends_with("deleted · U undoes"));
        }

        /// The events `effects` tell at once.
        pub(crate) fn notified(effects: &[Effect]) -> Vec<notify::Event> {
            effects
                .iter()
                .filter_map(|e| match e {
                    Effect::Notify(events) => Some(events.clone()),
                    _ => None,
                })
                .flatten()
                .collect()
        }

        /// Writes the state save among `effects` as sent (no other
        /// instance wrote meanwhile): the events told, at once or then.
        pub(crate) fn save_and_tell(app: &mut App, effects: &[Effect]) -> Vec<notify::Event> {
            let mut told = notified(effects);
            for e in effects {
                if let Effect::SaveState(sent) = e {
                    let after = app.update(Input::StateSaved {
                        sent: sent.clone(),
                        result: Ok(sent.clone()),
                    });
                    told.extend(notified(&after));
                }
            }
            told
        }

        #[test]
        fn polls_only_coins_with_a_market_id() {
            let app = polling_app();
            assert_eq!(
                app.watcher.polling.as_ref().unwrap().ids,
                ["nillion", "parcl", "dolomite", "movement", "peaq-2"]
            );
        }

        #[test]
        fn a_flip_is_told_rung_saved_logged_and_highlighted() {
            let mut app = polling_app();
            assert!(app.update(Input::Poll(Report::Started)).is_empty());
            assert!(app.watcher.polling.as_ref().unwrap().in_flight);
            let effects = app.update(Input::Poll(done(priced("dolomite", 0.1234))));
            assert!(
                notified(&effects).is_empty(),
                "not before its claim is written"
            );
            let told = save_and_tell(&mut app, &effects);
            assert_eq!(told.len(), 1, "one event for the channels");
            assert_eq!(told[0].event, notify::EventKind::Listed);
            assert_eq!(told[0].coin.as_deref(), Some("Dolomite"));
            assert_eq!(told[0].ticker.as_deref(), Some("DOLO"));
            assert_eq!(told[0].source, "coingecko");
            assert_eq!(told[0].price_usd, Some(0.1234));
            assert_eq!(told[0].message, "Dolomite is now trading at $0.1234");
            assert!(effects.iter().any(|e| matches!(e, Effect::SaveState(_))));
            assert!(
                effects
                    .iter()
                    .any(|e| matches!(e, Effect::Log(l) if l.kind == LogKind::Flip))
            );
            assert_eq!(
                app.flash.as_deref(),
                Some("Dolomite is now trading at $0.1234")
            );
            assert!(app.watcher.flipped.contains("dolomite"));
            assert_eq!(
                app.log.back().unwrap().text,
                "Dolomite is now trading at $0.1234"
            );
            assert_eq!(app.log.back().unwrap().at, 1_800_000_000);
            assert_eq!(app.trading_count(), 1);
            let p = app.watcher.polling.as_ref().unwrap();
            assert!(!p.in_flight);
            assert_eq!(p.last_ok, Some(1_800_000_000));

            // The news outlives later polls, until a key is pressed.
            let effects = app.update(Input::Poll(done(priced("dolomite", 0.2))));
            assert!(
                !effects.iter().any(|e| matches!(e, Effect::Notify(_))),
                "a coin flips once"
            );
            assert_eq!(
                app.watcher.listings["dolomite"].price_usd, 0.2,
                "the new price is kept"
            );
            assert!(
                !effects.iter().any(|e| matches!(e, Effect::SaveState(_))),
                "and written within the minute, not at once"
            );
            assert!(app.flash.is_some());
            let _ = app.update(Action::Down);
            assert!(app.flash.is_none());
        }

        /// The state save among `effects`.
        fn state_sent(effects: &[Effect]) -> State {
            effects
                .iter()
                .find_map(|e| match e {
                    Effect::SaveState(s) => Some(s.clone()),
                    _ => None,
                })
                .expect("a state save")
        }

        #[test]
        fn an_event_another_instance_claimed_first_is_not_told_again() {
            let mut app = polling_app();
            let effects = app.update(Input::Poll(done(priced("dolomite", 0.1234))));
            let sent = state_sent(&effects);
            let key = "listed:coingecko:dolomite:DOLO";
            assert_eq!(
                sent.told[key].by, app.watcher.instance,
                "claimed in the save"
            );
            // Another instance wrote its claim first: the file keeps it.
            let mut written = sent.clone();
            written.told.insert(
                key.into(),
                Claim {
                    at: 1_799_999_990,
                    by: app.watcher.instance.wrapping_add(1),
                },
            );
            let after = app.update(Input::StateSaved {
                sent,
                result: Ok(written),
            });
            assert!(notified(&after).is_empty(), "told there, not here");
            assert!(
                app.log
                    .iter()
                    .any(|l| l.text.starts_with("told by another prelist"))
            );
            assert!(app.watcher.flipped.contains("dolomite"), "still shown here");
        }

        #[test]
        fn events_are_told_even_when_their_claim_cannot_be_written() {
            let mut app = polling_app();
            let effects = app.update(Input::Poll(done(priced("dolomite", 0.1234))));
            let after = app.update(Input::StateSaved {
                sent: state_sent(&effects),
                result: Err("No space left on device".into()),
            });
            assert_eq!(notified(&after).len(), 1);
        }

        #[test]
        fn a_listing_another_instance_recorded_shows_and_is_not_told_here() {
            let mut app = polling_app();
            let mut other = polling_app();
            let effects = other.update(Input::Poll(done(priced("dolomite", 0.1234))));
            let disk = state_sent(&effects);
            let effects = app.update(Input::StateLoaded(disk));
            assert!(
                effects
                    .iter()
                    .all(|e| matches!(e, Effect::Log(l) if l.kind == LogKind::Flip)),
                "shown and logged only: {effects:?}"
            );
            assert!(app.watcher.flipped.contains("dolomite"));
            assert_eq!(
                app.log.back().unwrap().text,
                "Dolomite is now trading at $0.1234 (recorded by another prelist)"
            );
            assert_eq!(app.trading_count(), 1);
            // Its own poll then sees a price, not a listing.
            let effects = app.update(Input::Poll(done(priced("dolomite", 0.13))));
            assert!(save_and_tell(&mut app, &effects).is_empty());
            // And a state file that holds nothing new changes nothing.
            let before = app.log.len();
            let _ = app.update(Input::StateLoaded(app.watcher.state()));
            assert_eq!(app.log.len(), before);
        }

        #[test]
        fn calls_of_the_key_beyond_every_prelists_own_are_told_once_as_key_usage() {
            let mut app = polling_app();
            let t0 = app.watcher.now_wall;
            // Each look an hour after the last: what the API says is left,
            // and the calls every prelist on this data dir counted.
            let look = |app: &mut App, hour: i64, left: u64, own: u64| {
                let _ = app.update(Input::Clock {
                    now: app.watcher.now,
                    wall: t0 + hour * 3600,
                });
                app.update(Input::KeyUsage {
                    remaining: Ok(Some(left)),
                    own_calls: Some(own),
                })
            };
            assert!(
                look(&mut app, 0, 100_000, 1_000).is_empty(),
                "the first sets the base"
            );
            // 500 gone while prelist made 12: 488 made elsewhere.
            let effects = look(&mut app, 1, 99_500, 1_012);
            let sent = state_sent(&effects);
            let key = sent
                .told
                .keys()
                .find(|k| k.starts_with("key_usage:coingecko:"))
                .expect("claimed, so told once across instances")
                .clone();
            let told = notified(&app.update(Input::StateSaved {
                sent,
                result: Err("No space left on device".into()),
            }));
            assert_eq!(told.len(), 1);
            assert_eq!(told[0].event, notify::EventKind::KeyUsage);
            assert_eq!(
                told[0].message,
                "488 calls in the last hour were not made by prelist on this machine. If this \
                 key is not used elsewhere, it may have leaked: rotate it."
            );
            assert!(app.log.iter().any(|l| l.text == told[0].message));
            assert!(key.ends_with(&(t0 / 3600 + 1).to_string()), "{key}");
            // Within the margins: 50 extra calls, or 10% of prelist's own.
            assert!(
                notified(&look(&mut app, 2, 99_438, 1_024)).is_empty(),
                "50 extra"
            );
            let busy = look(&mut app, 3, 99_438 - 1_100, 2_024);
            assert!(
                !busy.iter().any(|e| matches!(e, Effect::SaveState(_))),
                "100 of 1,000"
            );
            // A new month: more left, nothing compared; an error, logged.
            assert!(look(&mut app, 4, 500_000, 0).is_empty());
            let _ = app.update(Input::KeyUsage {
                remaining: Err(MarketError::Status { status: 401 }),
                own_calls: Some(1),
            });
            assert!(
                app.log
                    .iter()
                    .any(|l| l.text
                        == "could not read the API key's usage: the API answered HTTP 401")
            );
        }

        #[test]
        fn a_source_failing_an_hour_is_told_once_an_outage() {
            let mut app = polling_app();
            let t0 = app.watcher.now_wall;
            let fail_at = |app: &mut App, secs: i64| {
                let _ = app.update(Input::Clock {
                    now: app.watcher.now,
                    wall: t0 + secs,
                });
                notified(&app.update(Input::Poll(Report::Failed {
                    error: MarketError::Status { status: 503 },
                    retry_in: Duration::from_secs(600),
                    requests: 1,
                    remaining: None,
                })))
            };
            assert!(fail_at(&mut app, 0).is_empty());
            assert!(fail_at(&mut app, 3000).is_empty(), "50 minutes: not yet");
            let told = fail_at(&mut app, 3600);
            assert_eq!(told.len(), 1);
            assert_eq!(told[0].event, notify::EventKind::SourceDown);
            assert_eq!(told[0].source, "coingecko");
            assert!(
                told[0]
                    .message
                    .starts_with("coingecko has been failing for 60 minutes"),
                "{}",
                told[0].message
            );
            assert!(fail_at(&mut app, 7200).is_empty(), "once an outage");
            let _ = app.update(Input::Poll(done(Quotes::new())));
            assert!(
                app.log
                    .back()
                    .unwrap()
                    .text
                    .starts_with("coingecko answers again")
            );
            assert!(fail_at(&mut app, 8000).is_empty());
            assert_eq!(fail_at(&mut app, 8000 + 3600).len(), 1, "a new outage");
        }

        #[test]
        fn a_mass_flip_notifies_a_batch_and_logs_the_rest() {
            let coins: Vec<String> = (0..300)
                .map(|i| format!(r#"{{"rank":{},"name":"C{i}","market_id":"c-{i}"}}"#, i + 1))
                .collect();
            let text = format!(r#"{{"version":1,"coins":[{}]}}"#, coins.join(","));
            let w = Watchlist::parse(&text, std::path::Path::new("w.json")).unwrap();
            let mut app = App::new(w, Listings::new());
            app.enable_polling();
            let quotes: Quotes = (0..300)
                .flat_map(|i| priced(&format!("c-{i}"), 1.0 + f64::from(i)))
                .collect();
            let effects = app.update(Input::Poll(done(quotes)));
            assert_eq!(save_and_tell(&mut app, &effects).len(), NOTIFY_PER_BATCH);
            assert_eq!(app.trading_count(), 300, "every coin flips all the same");
            assert!(
                app.log
                    .iter()
                    .any(|l| l.text.starts_with("44 more events were not sent")),
                "the rest is said in the log"
            );
        }

        /// The app polling, with Parcl alerting above $1.
        fn alerting_app() -> App {
            let mut app = polling_app();
            let parcl = app
                .watcher
                .watchlist
                .coins
                .iter_mut()
                .find(|c| c.name == "Parcl")
                .unwrap();
            parcl.alert_above = crate::types::Usd::new(1.0);
            app
        }

        /// The alert events of one poll of Parcl at `price`, with the
        /// state saves it asks for answered as written.
        fn alerts_at(app: &mut App, price: f64) -> Vec<notify::Event> {
            let effects = app.update(Input::Poll(done(priced("parcl", price))));
            save_and_tell(app, &effects)
                .into_iter()
                .filter(|e| e.event == notify::EventKind::AlertAbove)
                .collect()
        }

        #[test]
        fn an_alert_is_told_once_per_crossing_and_rearms_past_two_percent() {
            let mut app = alerting_app();
            assert!(alerts_at(&mut app, 0.9).is_empty(), "below the threshold");
            let effects = app.update(Input::Poll(done(priced("parcl", 1.1))));
            let told = save_and_tell(&mut app, &effects);
            assert_eq!(told.len(), 1, "exactly one event");
            assert_eq!(told[0].event, notify::EventKind::AlertAbove);
            assert_eq!(told[0].coin.as_deref(), Some("Parcl"));
            assert_eq!(told[0].price_usd, Some(1.1));
            assert_eq!(told[0].message, "Parcl rose above $1.00: now $1.10");
            let Some(Effect::SaveState(sent)) = effects
                .iter()
                .find(|e| matches!(e, Effect::SaveState(_)))
                .cloned()
            else {
                panic!("the fired alert is written at once: {effects:?}")
            };
            assert!(sent.alerts["parcl"].above.is_some_and(|m| m.holds(1.0)));
            assert_eq!(app.log.back().unwrap().kind, LogKind::Flip);
            assert_eq!(
                app.log.back().unwrap().text,
                "Parcl rose above $1.00: now $1.10"
            );
            assert_eq!(
                app.flash.as_deref(),
                Some("Parcl rose above $1.00: now $1.10")
            );

            assert!(alerts_at(&mut app, 1.3).is_empty(), "still above: once");
            assert!(alerts_at(&mut app, 0.99).is_empty(), "1% back");
            assert!(
                alerts_at(&mut app, 1.2).is_empty(),
                "1% back did not re-arm"
            );
            let effects = app.update(Input::Poll(done(priced("parcl", 0.97))));
            assert!(
                effects.iter().any(|e| matches!(e, Effect::SaveState(s)
                    if s.alerts["parcl"].above.is_some_and(|m| !m.holds(1.0)))),
                "the re-arm is written at once: {effects:?}"
            );
            save_and_tell(&mut app, &effects);
            assert!(alerts_at(&mut app, 0.97).is_empty());
            assert_eq!(alerts_at(&mut app, 1.05).len(), 1, "re-armed, fires again");
        }

        #[test]
        fn a_crossing_two_instances_both_see_is_told_by_the_first_to_write() {
            let (mut a, mut b) = (alerting_app(), alerting_app());
            let ea = a.update(Input::Poll(done(priced("parcl", 1.1))));
            let eb = b.update(Input::Poll(done(priced("parcl", 1.1))));
            let told = save_and_tell(&mut a, &ea);
            let kinds: Vec<_> = told.iter().map(|e| e.event).collect();
            assert_eq!(
                kinds,
                [notify::EventKind::Listed, notify::EventKind::AlertAbove]
            );
            let on_disk = state_sent(&ea);
            // b's save merges with the file a wrote: a's claim stands.
            let sent = state_sent(&eb);
            let written = merge_state(&sent, &on_disk);
            let after = b.update(Input::StateSaved {
                sent,
                result: Ok(written),
            });
            assert!(notified(&after).is_empty(), "told by a, not again by b");
        }

        #[test]
        fn a_restart_with_the_saved_memo_does_not_tell_it_again() {
            let mut app = alerting_app();
            assert_eq!(alerts_at(&mut app, 1.1).len(), 1);
            let state = app.watcher.state();
            let mut again = App::from_state(alerting_app().watchlist().clone(), state);
            again.enable_polling();
            assert!(alerts_at(&mut again, 1.2).is_empty());
            // Another instance's fired mark, come back with a save, holds
            // here too.
            let mut other = alerting_app();
            let effects = other.update(Input::Poll(done(priced("nillion", 0.6))));
            let Some(Effect::SaveState(sent)) = effects
                .into_iter()
                .find(|e| matches!(e, Effect::SaveState(_)))
            else {
                panic!("a flip is saved")
            };
            let _ = other.update(Input::StateSaved {
                sent,
                result: Ok(app.watcher.state()),
            });
            assert!(alerts_at(&mut other, 1.2).is_empty());
        }

        #[test]
        fn unchanged_answers_write_nothing() {
            let mut app = polling_app();
            let _ = app.update(Input::Poll(done(priced("parcl", 0.3))));
            let effects = app.update(Input::Poll(done(priced("parcl", 0.3))));
            assert!(
                !effects.iter().any(|e| matches!(e, Effect::SaveState(_))),
                "nothing changed, nothing written"
            );
        }

        #[test]
        fn errors_flip_nothing_and_keep_the_last_data() {
            let mut app = polling_app();
            let _ = app.update(Input::Poll(done(priced("parcl", 0.3))));
            let before = app.watcher.listings.clone();
            let effects = app.update(Input::Poll(Report::Failed {
                error: MarketError::Timeout,
                retry_in: Duration::from_secs(120),
                requests: 1,
                remaining: None,
            }));
            assert_eq!(app.watcher.listings, before);
            assert!(!effects.iter().any(|e| matches!(e, Effect::SaveState(_))));
            let p = app.watcher.polling.as_ref().unwrap();
            assert_eq!(p.last_error, Some(MarketError::Timeout));
            assert_eq!(p.next_at, Some(app.watcher.now + Duration::from_secs(120)));
            assert_eq!(app.log.back().unwrap().kind, LogKind::Error);
            assert_eq!(
                app.log.back().unwrap().text,
                "poll failed: timed out (retry in 2 m)"
            );
        }

        #[test]
        fn manual_polls_go_to_the_poller_unless_one_is_running() {
            let mut app = self::app();
            assert!(app.update(Action::PollNow).is_empty());
            assert!(app.flash.as_deref().unwrap().contains("--poll"));
            let mut app = polling_app();
            assert_eq!(
                app.update(Action::PollNow),
                [Effect::Poll(Command::PollNow)]
            );
            let _ = app.update(Input::Poll(Report::Started));
            assert!(app.update(Action::PollNow).is_empty());
            assert_eq!(app.flash.as_deref(), Some("a poll is already running"));
            let _ = app.update(Input::Poll(Report::Refused {
                reason: Refusal::RateLimited,
                wait: Duration::from_secs(90),
            }));
            assert_eq!(
                app.flash.as_deref(),
                Some("rate limited · the next request may go in 90 s")
            );
        }

        #[test]
        fn the_log_opens_scrolls_and_closes() {
            let mut app = polling_app();
            app.viewport.help_height = 2;
            for i in 0..5 {
                let _ = app.update(Input::Poll(Report::Failed {
                    error: MarketError::Status { status: 500 + i },
                    retry_in: Duration::from_secs(60),
                    requests: 1,
                    remaining: None,
                }));
            }
            let _ = app.update(Action::ToggleLog);
            assert_eq!(app.mode, Mode::Log);
            for _ in 0..10 {
                let _ = app.update(Action::Down);
            }
            assert_eq!(app.log_scroll, 3);
            let _ = app.update(Action::Down);
            assert_eq!(
                selected(&app),
                "Gravity",
                "keys scroll the log, not the table"
            );
            let _ = app.update(Action::ToggleLog);
            assert_eq!(app.mode, Mode::Normal);
        }
    }

    mod saving {
        use super::*;
        use crate::store::Saved;

        fn saved() -> Result<Saved, String> {
            Ok(Saved {
                merged: None,
                conflicts: Vec::new(),
            })
        }

        fn watchlist_saves(effects: &[Effect]) -> Vec<Watchlist> {
            effects
                .iter()
                .filter_map(|e| match e {
                    Effect::SaveWatchlist(w) => Some(w.clone()),
                    _ => None,
                })
                .collect()
        }

        fn add(app: &mut App, name: &str) -> Vec<Effect> {
            let _ = app.update(Action::Add);
            let _ = app.update(Action::Paste(name.into()));
            app.update(Action::Submit)
        }

        #[test]
        fn one_save_at_a_time_and_the_latest_goes_next() {
            let mut app = app();
            let first = watchlist_saves(&add(&mut app, "Alpha"));
            assert_eq!(first.len(), 1);
            assert!(app.saves_pending());
            // Changed again while the first save is being written: no second
            // save races it.
            assert!(watchlist_saves(&add(&mut app, "Beta")).is_empty());
            assert!(watchlist_saves(&add(&mut app, "Gamma")).is_empty());
            let next = watchlist_saves(&app.update(Input::WatchlistSaved {
                sent: first[0].clone(),
                result: saved(),
            }));
            assert_eq!(next.len(), 1, "one more save, with everything since");
            assert_eq!(next[0], app.watcher.watchlist);
            assert_eq!(next[0].coins.len(), 17);
            let after = app.update(Input::WatchlistSaved {
                sent: next[0].clone(),
                result: saved(),
            });
            assert!(watchlist_saves(&after).is_empty());
            assert!(!app.saves_pending());
        }

        #[test]
        fn a_merge_that_comes_back_keeps_changes_made_meanwhile() {
            let mut app = app();
            let sent = watchlist_saves(&add(&mut app, "Alpha")).remove(0);
            add(&mut app, "Beta");
            // The file held another window's coin: what was written has it.
            let mut written = sent.coins.clone();
            let mut theirs = written[0].clone();
            theirs.name = "Theirs".into();
            theirs.market_id = None;
            written.push(theirs);
            let effects = app.update(Input::WatchlistSaved {
                sent,
                result: Ok(Saved {
                    merged: Some(written),
                    conflicts: Vec::new(),
                }),
            });
            let coins: Vec<&str> = app
                .watcher
                .watchlist
                .coins
                .iter()
                .map(|c| c.name.as_str())
                .collect();
            for name in ["Alpha", "Beta", "Theirs"] {
                assert!(coins.contains(&name), "{name} kept: {coins:?}");
            }
            let again = watchlist_saves(&effects);
            assert_eq!(again.len(), 1, "the merge is written");
            assert_eq!(again[0], app.watcher.watchlist);
        }

        #[test]
        fn quitting_with_a_failed_save_asks_first() {
            let mut app = app();
            let sent = watchlist_saves(&add(&mut app, "Alpha")).remove(0);
            let _ = app.update(Input::WatchlistSaved {
                sent,
                result: Err("No space left on device".into()),
            });
            let _ = app.update(Action::Quit);
            assert!(!app.quit, "asked first");
            assert_eq!(app.mode, Mode::ConfirmQuit);
            let _ = app.update(Action::No);
            assert_eq!(app.mode, Mode::Normal);
            assert!(!app.quit);
            // r sends the save again; it fails again.
            let _ = app.update(Action::Quit);
            let again = watchlist_saves(&app.update(Action::Retry));
            assert_eq!(again.len(), 1);
            let _ = app.update(Input::WatchlistSaved {
                sent: again[0].clone(),
                result: Err("No space left on device".into()),
            });
            let _ = app.update(Action::Quit);
            let _ = app.update(Action::Yes);
            assert!(app.quit);
            assert_eq!(
                app.unsaved().as_deref(),
                Some("the watchlist's changes (No space left on device)")
            );
            // A save that works clears it: nothing is lost, no question.
            let mut app = self::app();
            let sent = watchlist_saves(&add(&mut app, "Beta")).remove(0);
            let _ = app.update(Input::WatchlistSaved {
                sent: sent.clone(),
                result: Err("full".into()),
            });
            let again = watchlist_saves(&app.update(Input::Shutdown));
            assert_eq!(again.len(), 1, "a last try at shutdown");
            let _ = app.update(Input::WatchlistSaved {
                sent: again[0].clone(),
                result: saved(),
            });
            assert_eq!(app.unsaved(), None);
        }

        #[test]
        fn a_failed_state_save_is_tried_again() {
            let mut app = polling::polling_app();
            let effects = app.update(Input::Poll(polling::done(polling::priced("parcl", 0.3))));
            let Some(Effect::SaveState(sent)) = effects
                .into_iter()
                .find(|e| matches!(e, Effect::SaveState(_)))
            else {
                panic!("a state save")
            };
            let _ = app.update(Input::StateSaved {
                sent,
                result: Err("state.db: database or disk is full".into()),
            });
            assert!(
                app.unsaved()
                    .unwrap()
                    .starts_with("new listings and prices")
            );
            let t0 = app.watcher.now_wall;
            let clock = |app: &mut App, secs: i64| {
                app.update(Input::Clock {
                    now: app.watcher.now,
                    wall: t0 + secs,
                })
            };
            assert!(clock(&mut app, 10).is_empty(), "not yet");
            let effects = clock(&mut app, STATE_RETRY_GAP);
            let Some(Effect::SaveState(sent)) = effects.into_iter().next() else {
                panic!("tried again after {STATE_RETRY_GAP} s")
            };
            assert!(sent.listings.contains_key("parcl"));
            let _ = app.update(Input::StateSaved {
                result: Ok(sent.clone()),
                sent,
            });
            assert_eq!(app.unsaved(), None);
            assert!(clock(&mut app, 100).is_empty(), "no more tries once saved");
        }

        #[test]
        fn a_failed_save_is_told_and_logged() {
            let mut app = app();
            let sent = watchlist_saves(&add(&mut app, "Alpha")).remove(0);
            let effects = app.update(Input::WatchlistSaved {
                sent,
                result: Err("cannot write w.json: No space left on device".into()),
            });
            assert_eq!(
                app.flash.as_deref(),
                Some("watchlist not saved: cannot write w.json: No space left on device")
            );
            assert!(
                effects
                    .iter()
                    .any(|e| matches!(e, Effect::Log(l) if l.kind == LogKind::Error))
            );
            assert!(
                app.watcher
                    .watchlist
                    .coins
                    .iter()
                    .any(|c| c.name == "Alpha")
            );
        }

        #[test]
        fn new_prices_alone_are_written_once_a_minute_and_at_shutdown() {
            let mut app = polling::polling_app();
            let saves = |effects: &[Effect]| {
                effects
                    .iter()
                    .filter(|e| matches!(e, Effect::SaveState(_)))
                    .count()
            };
            let poll = |app: &mut App, secs: i64, id: &str, price: f64| {
                let wall = 1_800_000_000 + secs;
                let _ = app.update(Input::Clock {
                    now: app.watcher.now,
                    wall,
                });
                let effects = app.update(Input::Poll(polling::done(polling::priced(id, price))));
                // Every save is answered before the next poll.
                for e in &effects {
                    if let Effect::SaveState(sent) = e {
                        let _ = app.update(Input::StateSaved {
                            sent: sent.clone(),
                            result: Ok(sent.clone()),
                        });
                    }
                }
                saves(&effects)
            };
            assert_eq!(poll(&mut app, 0, "parcl", 0.3), 1, "a listing: at once");
            assert_eq!(poll(&mut app, 10, "parcl", 0.31), 0, "a price: it waits");
            assert_eq!(poll(&mut app, 20, "nillion", 0.6), 1, "a listing: at once");
            assert_eq!(poll(&mut app, 30, "parcl", 0.32), 0);
            assert_eq!(poll(&mut app, 80, "parcl", 0.33), 1, "a minute on");
            assert_eq!(poll(&mut app, 90, "parcl", 0.34), 0);
            let effects = app.update(Input::Shutdown);
            assert!(app.quit);
            let Some(Effect::SaveState(last)) = effects.first() else {
                panic!("the last price is written at shutdown: {effects:?}")
            };
            assert_eq!(last.listings["parcl"].price_usd, 0.34);
        }

        #[test]
        fn state_written_with_another_instances_flip_is_merged_with_newer_prices() {
            let mut app = polling::polling_app();
            let effects = app.update(Input::Poll(polling::done(polling::priced("parcl", 0.3))));
            let Some(Effect::SaveState(sent)) = effects
                .iter()
                .find(|e| matches!(e, Effect::SaveState(_)))
                .cloned()
            else {
                panic!("a state save, got {effects:?}")
            };
            // A flip seen here while the save is in flight.
            let effects = app.update(Input::Poll(polling::done(polling::priced("nillion", 0.6))));
            assert!(!effects.iter().any(|e| matches!(e, Effect::SaveState(_))));
            // What was written holds another instance's flip of Dolomite.
            let mut written = sent.clone();
            let mut dolo = (*written.listings["parcl"]).clone();
            dolo.first_price = 0.1;
            written.listings.insert("dolomite".into(), dolo.into());
            let effects = app.update(Input::StateSaved {
                sent,
                result: Ok(written),
            });
            let mut ids: Vec<&str> = app.watcher.listings.keys().map(|id| &**id).collect();
            ids.sort();
            assert_eq!(ids, ["dolomite", "nillion", "parcl"]);
            let again: Vec<&Listings> = effects
                .iter()
                .filter_map(|e| match e {
                    Effect::SaveState(l) => Some(&l.listings),
                    _ => None,
                })
                .collect();
            assert_eq!(again, [&app.watcher.listings], "the merge is written");
        }
    }
}
