//! The app's state and `update`: every change goes through an `Action` here.
//! No I/O and no terminal, so every behaviour is testable as plain data.

use std::collections::HashSet;
use std::time::Duration;

use ratatui::layout::Rect;
use tokio::time::Instant;

use crate::form::Form;
use crate::keymap::{Action, Keymap};
use crate::listing::{Listings, apply_quotes};
use crate::market::MarketError;
use crate::market::poller::{Command, Refusal, Report};
use crate::model::{Coin, Watchlist};
use crate::text;
use crate::view::{self, Column, Filter, SearchIndex, Sort};

mod edit;

pub use edit::{Lookup, LookupState};

/// The event log keeps this many entries; older ones are in the log file.
pub const LOG_CAPACITY: usize = 1000;

/// What keys mean right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The table (or the detail pane, see `Focus`).
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
    /// Looking up the selected coin's market id.
    Lookup,
}

/// What `update` asks the main loop to do: the I/O it may not do itself.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send a command to the poller.
    Poll(Command),
    /// Write the state file.
    SaveState,
    /// Ring the terminal bell.
    Bell,
    /// Write an entry to the log file.
    Log(LogEntry),
    /// Write the watchlist file (merging what another instance wrote).
    SaveWatchlist,
    /// Ask the API's search for market-id candidates for this query.
    Lookup(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    Flip,
    Error,
    Info,
}

/// One line of the event log: a flip, a poll error, a note.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    /// Unix seconds.
    pub at: i64,
    pub kind: LogKind,
    pub text: String,
}

/// The poller as the UI knows it, from its reports.
#[derive(Debug, Clone, Default)]
pub struct PollState {
    /// The ids being polled (coins with a market id).
    pub ids: Vec<String>,
    pub in_flight: bool,
    /// When the last good answer came (Unix seconds).
    pub last_ok: Option<i64>,
    /// The last error, while no good answer has come since.
    pub last_error: Option<MarketError>,
    /// When the next request is due.
    pub next_at: Option<Instant>,
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
    pub watchlist: Watchlist,
    pub listings: Listings,
    pub keymap: Keymap,
    pub sort: Sort,
    /// The columns shown, in order (the config's `display.columns`).
    pub columns: Vec<Column>,
    pub filter: Filter,
    pub mode: Mode,
    pub focus: Focus,
    pub detail_full: bool,
    pub detail_scroll: usize,
    pub help_scroll: usize,
    pub viewport: Viewport,
    pub quit: bool,
    /// Set when polling (`--poll`).
    pub polling: Option<PollState>,
    /// Flips and poll errors, oldest first.
    pub log: Vec<LogEntry>,
    pub log_scroll: usize,
    /// A message for the status line, cleared by the next key.
    pub flash: Option<String>,
    /// Whether the message outlives poll reports: news of a flip waits for
    /// the user, however long they are away; a refused poll does not.
    flash_sticky: bool,
    /// Market ids that flipped while the app was open: their rows stand out.
    pub flipped: HashSet<String>,
    /// Whether a flip rings the bell.
    pub bell: bool,
    /// The clock, set by the main loop: monotonic for countdowns, wall for display.
    pub now: Instant,
    pub now_wall: i64,
    pub tz: jiff::tz::TimeZone,
    effects: Vec<Effect>,
    /// The watchlist's searched text, built with it.
    search_index: SearchIndex,
    /// Indices into `watchlist.coins` of the shown rows, in order.
    rows: Vec<usize>,
    /// The selected coin, as an index into `watchlist.coins`, so it survives
    /// sorting and filtering; and its position among `rows`, kept with it.
    selected: Option<usize>,
    selected_pos: Option<usize>,
    /// The add/edit form, while open.
    pub form: Option<Form>,
    /// Deleted coins and where they were, the last on top, for `u`.
    undo: Vec<edit::Deleted>,
    /// The market-id lookup, while open.
    pub lookup: Option<Lookup>,
}

impl App {
    pub fn new(watchlist: Watchlist, listings: Listings) -> App {
        let mut app = App {
            search_index: SearchIndex::new(&watchlist.coins),
            watchlist,
            listings,
            keymap: Keymap::default(),
            sort: Sort::default(),
            columns: Column::ALL.to_vec(),
            filter: Filter::default(),
            mode: Mode::Normal,
            focus: Focus::Table,
            detail_full: false,
            detail_scroll: 0,
            help_scroll: 0,
            viewport: Viewport::default(),
            quit: false,
            polling: None,
            log: Vec::new(),
            log_scroll: 0,
            flash: None,
            flash_sticky: false,
            flipped: HashSet::new(),
            bell: true,
            now: Instant::now(),
            now_wall: jiff::Timestamp::now().as_second(),
            tz: jiff::tz::TimeZone::system(),
            effects: Vec::new(),
            rows: Vec::new(),
            selected: None,
            selected_pos: None,
            form: None,
            undo: Vec::new(),
            lookup: None,
        };
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

    /// Turns polling on: the UI will show the poller's state and accept `Ctrl-r`.
    pub fn enable_polling(&mut self) {
        self.polling = Some(PollState {
            ids: self.market_ids(),
            ..PollState::default()
        });
    }

    /// The market ids of the watchlist, in watchlist order.
    pub fn market_ids(&self) -> Vec<String> {
        self.watchlist
            .coins
            .iter()
            .filter_map(|c| c.market_id.clone())
            .collect()
    }

    /// Sets the clock; the main loop calls this before every update and draw.
    pub fn set_clock(&mut self, now: Instant, wall: i64) {
        self.now = now;
        self.now_wall = wall;
    }

    /// How many watched coins are trading.
    pub fn trading_count(&self) -> usize {
        self.watchlist
            .coins
            .iter()
            .filter(|c| crate::listing::listing_of(c, &self.listings).is_some())
            .count()
    }

    /// The name of the coin with this market id, for messages.
    fn name_of(&self, market_id: &str) -> String {
        self.watchlist
            .coins
            .iter()
            .find(|c| c.market_id.as_deref() == Some(market_id))
            .map_or_else(
                || market_id.to_string(),
                |c| text::clean(&c.name).into_owned(),
            )
    }

    fn push_log(&mut self, kind: LogKind, text: String) {
        let entry = LogEntry {
            at: self.now_wall,
            kind,
            text,
        };
        self.effects.push(Effect::Log(entry.clone()));
        self.log.push(entry);
        if self.log.len() > LOG_CAPACITY {
            self.log.remove(0);
        }
    }

    /// Takes in one report from the poller.
    pub fn on_report(&mut self, report: Report) -> Vec<Effect> {
        let now = self.now;
        let Some(poll) = self.polling.as_mut() else {
            return Vec::new();
        };
        if !self.flash_sticky && !matches!(report, Report::Started) {
            self.flash = None;
        }
        match report {
            Report::Started => poll.in_flight = true,
            Report::Done { quotes, next_in } => {
                poll.in_flight = false;
                poll.last_ok = Some(self.now_wall);
                poll.last_error = None;
                poll.next_at = Some(now + next_in);
                let ids = poll.ids.clone();
                let before = self.listings.clone();
                let flips = apply_quotes(&mut self.listings, &ids, &quotes, self.now_wall);
                for flip in &flips {
                    let msg = format!(
                        "{} is now trading at {}",
                        self.name_of(&flip.market_id),
                        text::price(flip.price)
                    );
                    self.flipped.insert(flip.market_id.clone());
                    self.flash = Some(msg.clone());
                    self.push_log(LogKind::Flip, msg);
                }
                if flips.len() > 1 {
                    self.flash = Some(format!("{} coins are now trading (l: log)", flips.len()));
                }
                if !flips.is_empty() {
                    self.flash_sticky = true;
                    if self.bell {
                        self.effects.push(Effect::Bell);
                    }
                }
                if self.listings != before {
                    self.effects.push(Effect::SaveState);
                }
                self.refresh();
            }
            Report::Failed { error, retry_in } => {
                poll.in_flight = false;
                poll.next_at = Some(now + retry_in);
                let msg = format!(
                    "poll failed: {error} (retry in {})",
                    text::duration(retry_in)
                );
                poll.last_error = Some(error);
                self.push_log(LogKind::Error, msg);
            }
            Report::Refused { reason, wait } => {
                self.flash = Some(match reason {
                    Refusal::RateLimited => {
                        format!(
                            "rate limited · the next request may go in {}",
                            text::duration(wait)
                        )
                    }
                    Refusal::TooSoon => format!(
                        "one manual poll per 5 s · try again in {}",
                        text::duration(wait.max(Duration::from_secs(1)))
                    ),
                });
            }
        }
        std::mem::take(&mut self.effects)
    }

    /// Notes a failure of the main loop's own I/O (saving state) for the user.
    pub fn report_error(&mut self, message: String) -> Vec<Effect> {
        self.flash = Some(message.clone());
        self.push_log(LogKind::Error, message);
        std::mem::take(&mut self.effects)
    }

    fn poll_now(&mut self) {
        match &self.polling {
            None => self.flash = Some("not polling: start prelist with --poll".into()),
            Some(p) if p.in_flight => self.flash = Some("a poll is already running".into()),
            Some(_) => self.effects.push(Effect::Poll(Command::PollNow)),
        }
    }

    /// The shown rows, as indices into `watchlist.coins`.
    pub fn rows(&self) -> &[usize] {
        &self.rows
    }

    /// The position of the selected coin among the shown rows.
    pub fn selected_row(&self) -> Option<usize> {
        self.selected_pos
    }

    pub fn selected_coin(&self) -> Option<&Coin> {
        self.selected.map(|i| &self.watchlist.coins[i])
    }

    /// Recomputes the shown rows after a sort, filter or data change, keeping
    /// the selection on the same coin when it is still shown, else the first.
    fn refresh(&mut self) {
        self.rows = view::visible_indexed(
            &self.watchlist.coins,
            &self.search_index,
            &self.listings,
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

    /// Applies one user action; returns the I/O it calls for.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        self.flash = None;
        self.flash_sticky = false;
        match action {
            Action::Quit => self.quit = true,
            Action::PollNow => self.poll_now(),
            _ => match self.mode {
                Mode::Help => self.update_help(action),
                Mode::Log => self.update_log(action),
                Mode::Search => self.update_search(action),
                Mode::Normal => self.update_normal(action),
                Mode::Form => self.update_form(action),
                Mode::ConfirmDelete => self.update_confirm(action),
                Mode::Lookup => self.update_lookup(action),
            },
        }
        std::mem::take(&mut self.effects)
    }

    fn update_log(&mut self, action: Action) {
        let page = (self.viewport.help_height.max(2) - 1) as isize;
        let max = self
            .log
            .len()
            .saturating_sub(usize::from(self.viewport.help_height));
        let scroll = |s: usize, d: isize| s.saturating_add_signed(d).min(max);
        match action {
            Action::ToggleLog | Action::Back | Action::Help => self.mode = Mode::Normal,
            Action::Down | Action::ScrollDown => self.log_scroll = scroll(self.log_scroll, 1),
            Action::Up | Action::ScrollUp => self.log_scroll = scroll(self.log_scroll, -1),
            Action::PageDown => self.log_scroll = scroll(self.log_scroll, page),
            Action::PageUp => self.log_scroll = scroll(self.log_scroll, -page),
            _ => {}
        }
    }

    fn update_help(&mut self, action: Action) {
        match action {
            Action::Help | Action::Back => self.mode = Mode::Normal,
            Action::Down | Action::ScrollDown => self.scroll_help(1),
            Action::Up | Action::ScrollUp => self.scroll_help(-1),
            Action::PageDown => self.scroll_help(self.help_page()),
            Action::PageUp => self.scroll_help(-self.help_page()),
            _ => {}
        }
    }

    fn update_search(&mut self, action: Action) {
        match action {
            Action::Input(c) => {
                self.filter.text.push(c);
                self.refresh();
            }
            Action::Paste(text) => {
                self.filter
                    .text
                    .extend(text.chars().filter(|c| !c.is_control()));
                self.refresh();
            }
            Action::Backspace => {
                self.filter.text.pop();
                self.refresh();
            }
            Action::SearchKeep => self.mode = Mode::Normal,
            Action::SearchClear => {
                self.filter.text.clear();
                self.mode = Mode::Normal;
                self.refresh();
            }
            Action::Down => self.move_by(1),
            Action::Up => self.move_by(-1),
            _ => {}
        }
    }

    fn update_normal(&mut self, action: Action) {
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
            Action::Add => self.open_add(),
            Action::Edit => self.open_edit(),
            Action::Delete => self.ask_delete(),
            Action::Undo => self.undo_delete(),
            Action::Lookup => self.open_lookup(),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::{AirdropFilter, StatusFilter};

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
            app.update(Action::Input(c));
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
        app.update(Action::Up);
        assert_eq!(selected(&app), "Gravity");
        app.update(Action::Down);
        app.update(Action::Down);
        assert_eq!(selected(&app), "My Pet Hooligan");
        app.update(Action::Last);
        assert_eq!(selected(&app), "Peaq Network");
        app.update(Action::Down);
        assert_eq!(selected(&app), "Peaq Network");
        app.update(Action::PageUp);
        assert_eq!(
            app.selected_row(),
            Some(9),
            "a page is the body height less one"
        );
        app.update(Action::First);
        assert_eq!(selected(&app), "Gravity");
    }

    #[test]
    fn selection_stays_on_the_coin_through_sorts() {
        let mut app = app();
        for _ in 0..4 {
            app.update(Action::Down);
        }
        assert_eq!(selected(&app), "Nibiru");
        app.update(Action::SortBy(Column::Score));
        assert_eq!(selected(&app), "Nibiru");
        assert_ne!(app.selected_row(), Some(4));
        app.update(Action::SortReverse);
        assert_eq!(selected(&app), "Nibiru");
        app.update(Action::SortNext);
        assert_eq!(app.sort.column, Column::Airdrop);
        assert_eq!(selected(&app), "Nibiru");
    }

    #[test]
    fn sort_by_same_column_reverses_and_new_column_starts_ascending() {
        let mut app = app();
        app.update(Action::SortBy(Column::Name));
        assert_eq!(
            app.sort,
            Sort {
                column: Column::Name,
                descending: false
            }
        );
        app.update(Action::SortBy(Column::Name));
        assert!(app.sort.descending);
        app.update(Action::SortBy(Column::Score));
        assert_eq!(
            app.sort,
            Sort {
                column: Column::Score,
                descending: false
            }
        );
        app.update(Action::SortPrev);
        app.update(Action::SortPrev);
        assert_eq!(app.sort.column, Column::Ticker);
    }

    #[test]
    fn selection_kept_through_filters_or_moved_to_first_shown() {
        let mut app = app();
        app.update(Action::Down);
        assert_eq!(selected(&app), "Nillion");
        app.update(Action::CycleAirdrop);
        assert_eq!(app.filter.airdrop, AirdropFilter::Confirmed);
        assert_eq!(
            selected(&app),
            "Gravity",
            "Nillion is hidden: first shown row"
        );
        app.update(Action::CycleAirdrop);
        assert_eq!(app.filter.airdrop, AirdropFilter::Probable);
        assert_eq!(selected(&app), "Nillion");
        app.update(Action::Last);
        assert_eq!(selected(&app), "Nimble");
        app.update(Action::CycleAirdrop);
        assert_eq!(app.rows().len(), 14);
        assert_eq!(selected(&app), "Nimble");
        app.update(Action::CycleStatus);
        assert_eq!(app.filter.status, StatusFilter::Upcoming);
        app.update(Action::CycleStatus);
        assert_eq!(app.filter.status, StatusFilter::Trading);
        assert!(app.rows().is_empty());
        assert!(app.selected_coin().is_none());
        app.update(Action::Down);
        app.update(Action::CycleStatus);
        assert_eq!(app.rows().len(), 14);
        assert_eq!(selected(&app), "Gravity");
    }

    #[test]
    fn search_mode_filters_keeps_and_clears() {
        let mut app = app();
        app.update(Action::Search);
        assert_eq!(app.mode, Mode::Search);
        type_text(&mut app, "nil");
        assert_eq!(app.rows().len(), 1);
        assert_eq!(selected(&app), "Nillion");
        app.update(Action::Backspace);
        app.update(Action::Backspace);
        assert_eq!(app.filter.text, "n");
        app.update(Action::Input('i'));
        app.update(Action::SearchKeep);
        assert_eq!(app.mode, Mode::Normal);
        assert_eq!(app.filter.text, "ni");
        // Keys are keys again once the search is kept.
        app.update(Action::Quit);
        assert!(app.quit);

        let mut app = self::app();
        app.update(Action::Search);
        type_text(&mut app, "obscuro");
        assert_eq!(selected(&app), "Ten");
        app.update(Action::SearchClear);
        assert_eq!(app.mode, Mode::Normal);
        assert!(app.filter.text.is_empty());
        assert_eq!(app.rows().len(), 14);
        assert_eq!(selected(&app), "Ten", "selection survives clearing");
    }

    #[test]
    fn escape_clears_a_kept_search() {
        let mut app = app();
        app.update(Action::Search);
        type_text(&mut app, "zk");
        app.update(Action::SearchKeep);
        assert!(app.rows().len() < 14);
        app.update(Action::Back);
        assert_eq!(app.rows().len(), 14);
    }

    #[test]
    fn help_opens_scrolls_and_closes() {
        let mut app = app();
        app.viewport.help_height = 5;
        app.viewport.help_lines = 8;
        app.update(Action::Help);
        assert_eq!(app.mode, Mode::Help);
        app.update(Action::Down);
        assert_eq!(selected(&app), "Gravity", "keys scroll help, not the table");
        for _ in 0..10 {
            app.update(Action::Down);
        }
        assert_eq!(app.help_scroll, 3);
        app.update(Action::Help);
        assert_eq!(app.mode, Mode::Normal);
        app.update(Action::Help);
        assert_eq!(app.help_scroll, 0);
        app.update(Action::Back);
        assert_eq!(app.mode, Mode::Normal);
    }

    #[test]
    fn tab_moves_keys_to_the_detail_pane() {
        let mut app = app();
        app.update(Action::ToggleFocus);
        assert_eq!(app.focus, Focus::Detail);
        app.update(Action::Down);
        app.update(Action::Down);
        assert_eq!(selected(&app), "Gravity");
        assert_eq!(app.detail_scroll, 2);
        app.update(Action::Last);
        assert_eq!(app.detail_scroll, 16, "lines less the pane height");
        app.update(Action::ToggleFocus);
        app.update(Action::Down);
        assert_eq!(selected(&app), "Nillion");
        assert_eq!(app.detail_scroll, 0, "a new coin starts at the top");
    }

    #[test]
    fn enter_toggles_full_screen_detail_and_escape_leaves_it() {
        let mut app = app();
        app.update(Action::ToggleFullDetail);
        assert!(app.detail_full);
        app.update(Action::Down);
        assert_eq!(app.detail_scroll, 1);
        app.update(Action::Back);
        assert!(!app.detail_full);
        app.update(Action::ToggleFullDetail);
        app.update(Action::ToggleFullDetail);
        assert!(!app.detail_full);
    }

    #[test]
    fn click_selects_a_row() {
        let mut app = app();
        app.update(Action::ClickRow(6));
        assert_eq!(selected(&app), "Dolomite");
        app.update(Action::ClickRow(99));
        assert_eq!(selected(&app), "Peaq Network");
    }

    mod polling {
        use super::*;
        use crate::market::{Quote, Quotes};

        fn polling_app() -> App {
            let mut app = app();
            app.enable_polling();
            app.set_clock(Instant::now(), 1_800_000_000);
            app
        }

        fn priced(id: &str, p: f64) -> Quotes {
            Quotes::from([(
                id.to_string(),
                Quote {
                    price_usd: Some(p),
                    ..Quote::default()
                },
            )])
        }

        fn done(quotes: Quotes) -> Report {
            Report::Done {
                quotes,
                next_in: Duration::from_secs(60),
            }
        }

        #[test]
        fn polls_only_coins_with_a_market_id() {
            let app = polling_app();
            assert_eq!(
                app.polling.as_ref().unwrap().ids,
                ["nillion", "parcl", "dolomite", "movement", "peaq-2"]
            );
        }

        #[test]
        fn a_flip_is_told_rung_saved_logged_and_highlighted() {
            let mut app = polling_app();
            assert!(app.on_report(Report::Started).is_empty());
            assert!(app.polling.as_ref().unwrap().in_flight);
            let effects = app.on_report(done(priced("dolomite", 0.1234)));
            assert!(effects.contains(&Effect::Bell));
            assert!(effects.contains(&Effect::SaveState));
            assert!(
                effects
                    .iter()
                    .any(|e| matches!(e, Effect::Log(l) if l.kind == LogKind::Flip))
            );
            assert_eq!(
                app.flash.as_deref(),
                Some("Dolomite is now trading at $0.1234")
            );
            assert!(app.flipped.contains("dolomite"));
            assert_eq!(
                app.log.last().unwrap().text,
                "Dolomite is now trading at $0.1234"
            );
            assert_eq!(app.log.last().unwrap().at, 1_800_000_000);
            assert_eq!(app.trading_count(), 1);
            let p = app.polling.as_ref().unwrap();
            assert!(!p.in_flight);
            assert_eq!(p.last_ok, Some(1_800_000_000));

            // The news outlives later polls, until a key is pressed.
            let effects = app.on_report(done(priced("dolomite", 0.2)));
            assert!(!effects.contains(&Effect::Bell), "a coin flips once");
            assert!(
                effects.contains(&Effect::SaveState),
                "the new price is kept"
            );
            assert!(app.flash.is_some());
            app.update(Action::Down);
            assert!(app.flash.is_none());
        }

        #[test]
        fn the_bell_can_be_silenced_and_unchanged_answers_write_nothing() {
            let mut app = polling_app();
            app.bell = false;
            let effects = app.on_report(done(priced("parcl", 0.3)));
            assert!(!effects.contains(&Effect::Bell));
            let effects = app.on_report(done(priced("parcl", 0.3)));
            assert!(
                !effects.contains(&Effect::SaveState),
                "nothing changed, nothing written"
            );
        }

        #[test]
        fn errors_flip_nothing_and_keep_the_last_data() {
            let mut app = polling_app();
            app.on_report(done(priced("parcl", 0.3)));
            let before = app.listings.clone();
            let effects = app.on_report(Report::Failed {
                error: MarketError::Timeout,
                retry_in: Duration::from_secs(120),
            });
            assert_eq!(app.listings, before);
            assert!(!effects.contains(&Effect::SaveState));
            let p = app.polling.as_ref().unwrap();
            assert_eq!(p.last_error, Some(MarketError::Timeout));
            assert_eq!(p.next_at, Some(app.now + Duration::from_secs(120)));
            assert_eq!(app.log.last().unwrap().kind, LogKind::Error);
            assert_eq!(
                app.log.last().unwrap().text,
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
            app.on_report(Report::Started);
            assert!(app.update(Action::PollNow).is_empty());
            assert_eq!(app.flash.as_deref(), Some("a poll is already running"));
            app.on_report(Report::Refused {
                reason: Refusal::RateLimited,
                wait: Duration::from_secs(90),
            });
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
                app.on_report(Report::Failed {
                    error: MarketError::Status { status: 500 + i },
                    retry_in: Duration::from_secs(60),
                });
            }
            app.update(Action::ToggleLog);
            assert_eq!(app.mode, Mode::Log);
            for _ in 0..10 {
                app.update(Action::Down);
            }
            assert_eq!(app.log_scroll, 3);
            app.update(Action::Down);
            assert_eq!(
                selected(&app),
                "Gravity",
                "keys scroll the log, not the table"
            );
            app.update(Action::ToggleLog);
            assert_eq!(app.mode, Mode::Normal);
        }
    }
}
