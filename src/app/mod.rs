//! The app's state and its one door in: `update(Msg) -> Vec<Effect>`.
//! Keys, the clock, poll reports, lookup answers and save results all come
//! in as a [`Msg`]; what must happen outside (a request, a save, the bell)
//! goes out as an [`Effect`]. No I/O and no terminal, so every behaviour is
//! testable as plain data.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::Duration;

use ratatui::layout::Rect;
use tokio::time::Instant;

use crate::alert::Alerts;
use crate::form::{Form, LineInput};
use crate::keymap::{Action, Keymap};
use crate::listing::{Listings, apply_poll};
use crate::market::poller::{CallTally, Command, Refusal, Report};
use crate::market::{Candidate, MarketError};
use crate::merge::{merge_state, merge3};
use crate::model::{Coin, Watchlist};
use crate::notify;
use crate::sources::Exchange;
use crate::sources::book::{Book, Event, apply_look};
use crate::sources::watch::Look;
use crate::store::{Saved, State};
use crate::text;
use crate::told::{self, Claim, Told};
use crate::view::{self, Column, Filter, SearchIndex, Sort};

mod edit;

pub use edit::{Lookup, LookupState};

/// The event log keeps this many entries; older ones are in the log file.
pub const LOG_CAPACITY: usize = 1000;

/// New prices alone are written to the state file at most this often
/// (seconds); a new listing is written at once.
pub const PRICE_SAVE_GAP: i64 = 60;

/// At most this many events of one poll or look go to the `[notify]`
/// channels: as many as the webhook's queue holds. Past that, a command or
/// a webhook could not take them anyway; the log says how many were left.
pub const NOTIFY_PER_BATCH: usize = notify::WEBHOOK_QUEUE;

/// A state save that failed (a full disk, say) is tried again after this
/// many seconds, for as long as it fails.
pub const STATE_RETRY_GAP: i64 = 30;

/// A source failing this long (seconds) is a `source_down` event.
pub const SOURCE_DOWN_AFTER: i64 = 3600;

/// CoinGecko's name as a source, in events.
const COINGECKO: &str = "coingecko";

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
    /// Asking whether to quit with changes that could not be saved.
    ConfirmQuit,
    /// Looking up the selected coin's market id.
    Lookup,
}

/// Everything that can change the app, from the user or from outside.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// A key press or mouse event, as the keymap reads it.
    Action(Action),
    /// The time: monotonic for countdowns, wall (Unix seconds) for display.
    /// The main loop sends it before anything that happens at a time.
    Clock { now: Instant, wall: i64 },
    /// A report from the poller.
    Poll(Report),
    /// A look at an exchange's list, from its loop.
    Exchange(Look),
    /// The API's answer to a market-id lookup for `query`.
    Lookup {
        query: String,
        result: Result<Vec<Candidate>, MarketError>,
    },
    /// A watchlist save finished: `sent` is what [`Effect::SaveWatchlist`]
    /// asked to write.
    WatchlistSaved {
        sent: Watchlist,
        result: Result<Saved, String>,
    },
    /// A state save finished: the state written (another instance's
    /// merged in), or why not.
    StateSaved {
        sent: State,
        result: Result<State, String>,
    },
    /// The state file changed on disk: another instance (a screen, `watch`,
    /// `check`) wrote it. Its listings and claims are merged in.
    StateLoaded(State),
    /// The watchlist file changed on disk (`prelist watch`, which does not
    /// edit it, follows what a screen saves).
    WatchlistLoaded(Watchlist),
    /// The app is closing (quit or a signal): what waits to be written is
    /// written now.
    Shutdown,
    /// A frame was drawn: where it put things, so clicks, paging and
    /// scroll limits use what the user sees.
    Drawn(Viewport),
}

impl From<Action> for Msg {
    fn from(action: Action) -> Msg {
        Msg::Action(action)
    }
}

/// What `update` asks the runner to do: the I/O it may not do itself. Each
/// carries what it needs, so it can run off the UI task.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Send a command to the poller.
    Poll(Command),
    /// Write this state to the state file (merging another instance's).
    SaveState(State),
    /// Tell the user of these events, through the channels of `[notify]`
    /// (the terminal's notification or its bell, a command, a webhook).
    Notify(Vec<notify::Event>),
    /// Write an entry to the log file.
    Log(LogEntry),
    /// Write this watchlist to its file (merging what another instance wrote).
    SaveWatchlist(Watchlist),
    /// Ask the API's search for market-id candidates for this query.
    Lookup(String),
}

/// One file's saves: at most one in flight, so two never race each other
/// and an answer always refers to the latest one sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Saving {
    in_flight: bool,
    /// Changed again while a save was in flight: save once more after it.
    again: bool,
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

/// An exchange's loop as the UI knows it, from its looks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceState {
    /// The last error, while no good look has come since.
    pub last_error: Option<MarketError>,
    /// When the next look is due.
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
    pub(crate) watchlist: Watchlist,
    pub(crate) listings: Listings,
    /// What each watched exchange lists.
    pub(crate) book: Book,
    /// Which price alerts fired (see `crate::alert`).
    pub(crate) alerts: Alerts,
    /// The exchanges being watched, as their looks left them.
    pub(crate) sources: BTreeMap<Exchange, SourceState>,
    /// The exchanges looked at since the app started: a listing found at
    /// the first look of a run may have happened while prelist was closed.
    looked: HashSet<Exchange>,
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
    /// Set when polling (`--poll`).
    pub(crate) polling: Option<PollState>,
    /// Flips and poll errors, oldest first.
    pub(crate) log: VecDeque<LogEntry>,
    pub(crate) log_scroll: usize,
    /// A message for the status line, cleared by the next key.
    pub(crate) flash: Option<String>,
    /// Whether the message outlives poll reports: news of a flip waits for
    /// the user, however long they are away; a refused poll does not.
    flash_sticky: bool,
    /// Market ids that flipped while the app was open: their rows stand out.
    pub(crate) flipped: HashSet<String>,
    /// The clock, set by the main loop: monotonic for countdowns, wall for display.
    pub(crate) now: Instant,
    pub(crate) now_wall: i64,
    pub(crate) tz: jiff::tz::TimeZone,
    effects: Vec<Effect>,
    saving_watchlist: Saving,
    saving_state: Saving,
    /// A state save was asked for while taking in this message.
    state_wanted: bool,
    /// When the state file was last asked to be written (wall seconds), and
    /// whether newer prices wait to be.
    state_saved_at: i64,
    prices_unsaved: bool,
    /// Why the last save of each file failed, while what it held is
    /// written nowhere else; and when the state file is tried again.
    watchlist_error: Option<String>,
    state_error: Option<String>,
    state_retry_at: Option<i64>,
    /// The watchlist's searched text, built with it.
    search_index: SearchIndex,
    /// Indices into `watchlist.coins` of the shown rows, in order.
    rows: Vec<usize>,
    /// The selected coin, as an index into `watchlist.coins`, so it survives
    /// sorting and filtering; and its position among `rows`, kept with it.
    selected: Option<usize>,
    selected_pos: Option<usize>,
    /// The add/edit form, while open.
    pub(crate) form: Option<Form>,
    /// Deleted coins and where they were, the last on top, for `u`.
    undo: Vec<edit::Deleted>,
    /// The market-id lookup, while open.
    pub(crate) lookup: Option<Lookup>,
    /// The month's API calls, shown beside the poller's state.
    pub(crate) calls: Option<CallTally>,
    /// The events told, on this data dir, by any instance.
    told: Told,
    /// This instance, in the claims it writes.
    instance: u64,
    /// Events claimed but not yet told: told once the state file holds
    /// this instance's claim (another's means it was told there).
    unclaimed: Vec<(String, notify::Event)>,
    /// Sources failing since (wall seconds), and whether that was told.
    outages: BTreeMap<String, Outage>,
}

/// A source failing: since when, and whether its `source_down` went out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Outage {
    since: i64,
    told: bool,
}

impl App {
    pub fn new(watchlist: Watchlist, listings: Listings) -> App {
        let mut app = App {
            search_index: SearchIndex::new(&watchlist.coins),
            watchlist,
            listings,
            book: Book::default(),
            alerts: Alerts::new(),
            sources: BTreeMap::new(),
            looked: HashSet::new(),
            keymap: Keymap::default(),
            sort: Sort::default(),
            columns: Column::ALL.to_vec(),
            filter: Filter::default(),
            search: LineInput::default(),
            mode: Mode::Normal,
            focus: Focus::Table,
            detail_full: false,
            detail_scroll: 0,
            help_scroll: 0,
            viewport: Viewport::default(),
            quit: false,
            polling: None,
            log: VecDeque::new(),
            log_scroll: 0,
            flash: None,
            flash_sticky: false,
            flipped: HashSet::new(),
            now: Instant::now(),
            now_wall: jiff::Timestamp::now().as_second(),
            tz: jiff::tz::TimeZone::system(),
            effects: Vec::new(),
            saving_watchlist: Saving::default(),
            saving_state: Saving::default(),
            state_wanted: false,
            state_saved_at: i64::MIN / 2,
            prices_unsaved: false,
            watchlist_error: None,
            state_error: None,
            state_retry_at: None,
            rows: Vec::new(),
            selected: None,
            selected_pos: None,
            form: None,
            undo: Vec::new(),
            lookup: None,
            calls: None,
            told: Told::new(),
            instance: told::instance_id(),
            unclaimed: Vec::new(),
            outages: BTreeMap::new(),
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

    /// Starts from this book of the exchanges' lists (from the state file).
    pub fn with_book(mut self, book: Book) -> App {
        self.book = book;
        self.refresh();
        self
    }

    /// The app on `watchlist` and the state file: its listings, the
    /// exchanges' book, the events told and the alerts fired (so none is
    /// told again).
    pub fn from_state(watchlist: Watchlist, state: State) -> App {
        let mut app = App::new(watchlist, state.listings);
        app.told = state.told;
        app.alerts = state.alerts;
        app.with_book(state.book)
    }

    /// Notes that these exchanges are watched: their looks will come in.
    pub fn watch_exchanges(&mut self, exchanges: &[Exchange]) {
        for &e in exchanges {
            self.sources.entry(e).or_default();
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
            .filter_map(|c| c.poll_id().map(str::to_string))
            .collect()
    }

    /// How many watched coins are trading.
    pub fn trading_count(&self) -> usize {
        self.watchlist
            .coins
            .iter()
            .filter(|c| {
                crate::listing::status_of(c, &self.listings, &self.book)
                    == crate::listing::Status::Trading
            })
            .count()
    }

    fn push_log(&mut self, kind: LogKind, text: String) {
        let entry = LogEntry {
            at: self.now_wall,
            kind,
            text,
        };
        self.effects.push(Effect::Log(entry.clone()));
        self.log.push_back(entry);
        if self.log.len() > LOG_CAPACITY {
            self.log.pop_front();
        }
    }

    /// Counts API calls sent, for the month's tally.
    fn count_calls(&mut self, requests: u32, remaining: Option<u64>) {
        if let Some(tally) = self.calls.as_mut() {
            tally.add(requests, self.now_wall);
            tally.remaining = remaining.or(tally.remaining);
        }
    }

    /// Shows `text` until the next key, and keeps it in the event log: a
    /// warning the user should see once.
    pub fn notice(&mut self, text: String) {
        self.flash = Some(text.clone());
        self.flash_sticky = true;
        self.push_log(LogKind::Info, text);
    }

    /// Takes in one report from the poller.
    fn on_report(&mut self, report: Report) {
        if let Report::Done {
            requests,
            remaining,
            ..
        }
        | Report::Failed {
            requests,
            remaining,
            ..
        } = report
        {
            self.count_calls(requests, remaining);
        }
        let now = self.now;
        let Some(poll) = self.polling.as_mut() else {
            return;
        };
        if !self.flash_sticky && !matches!(report, Report::Started) {
            self.flash = None;
        }
        match report {
            Report::Started => poll.in_flight = true,
            Report::Done {
                quotes, next_in, ..
            } => {
                poll.in_flight = false;
                poll.last_ok = Some(self.now_wall);
                poll.last_error = None;
                poll.next_at = Some(now + next_in);
                let ids = poll.ids.clone();
                self.source_answered(COINGECKO);
                let polled = apply_poll(
                    &self.watchlist.coins,
                    &mut self.listings,
                    &ids,
                    &quotes,
                    self.now_wall,
                );
                let flips = polled.listed;
                for flip in &flips {
                    let msg = flip.message();
                    self.flipped.insert(flip.market_id.clone());
                    self.flash = Some(msg.clone());
                    self.push_log(LogKind::Flip, msg);
                }
                if flips.len() > 1 {
                    self.flash = Some(format!("{} coins are now trading (l: log)", flips.len()));
                }
                if !flips.is_empty() {
                    self.flash_sticky = true;
                    // One pass over the coins for the tickers, however many flipped.
                    let tickers: HashMap<&str, &str> = self
                        .watchlist
                        .coins
                        .iter()
                        .filter_map(|c| Some((c.market_id.as_deref()?, c.ticker.as_deref()?)))
                        .collect();
                    let at = jiff::Timestamp::from_second(self.now_wall)
                        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
                    let events = flips
                        .iter()
                        .take(NOTIFY_PER_BATCH)
                        .map(|f| {
                            let ticker = tickers.get(f.market_id.as_str()).copied();
                            notify::Event::listed(f, ticker, "coingecko", at)
                        })
                        .collect();
                    self.notify(events, flips.len());
                }
                let alerted = self.check_alerts();
                if !flips.is_empty() || alerted {
                    self.save_state();
                } else if polled.changed {
                    // New prices alone: a big list's state file is megabytes,
                    // and polls may come every 10 s.
                    self.note_unsaved_change();
                }
                self.refresh();
            }
            Report::Failed {
                error, retry_in, ..
            } => {
                poll.in_flight = false;
                poll.next_at = Some(now + retry_in);
                let msg = format!(
                    "poll failed: {error} (retry in {})",
                    text::duration(retry_in)
                );
                let why = error.to_string();
                poll.last_error = Some(error);
                self.push_log(LogKind::Error, msg);
                self.source_failed(COINGECKO, &why);
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
    }

    /// Takes in one look at an exchange's list: listings and announced
    /// openings of watched coins are told as CoinGecko's flips are.
    fn on_exchange(&mut self, look: Look) {
        let exchange = look.exchange;
        let source = self.sources.entry(exchange).or_default();
        source.next_at = Some(self.now + look.next_in);
        if !self.flash_sticky {
            self.flash = None;
        }
        match look.result {
            Ok(pairs) => {
                source.last_error = None;
                self.source_answered(exchange.key());
                let resumed = self.looked.insert(exchange);
                let events = apply_look(
                    &mut self.book,
                    exchange,
                    &pairs,
                    self.now_wall,
                    &self.watchlist.coins,
                    resumed,
                );
                self.announce(&events);
                if events.is_empty() {
                    // Only the time of the look changed, or pairs nobody
                    // watches: written with the next prices.
                    self.note_unsaved_change();
                } else {
                    self.save_state();
                }
                self.refresh();
            }
            Err(error) => {
                let msg = format!(
                    "{} look failed: {error} (retry in {})",
                    exchange.name(),
                    text::duration(look.next_in)
                );
                let why = error.to_string();
                source.last_error = Some(error);
                self.push_log(LogKind::Error, msg);
                self.source_failed(exchange.key(), &why);
            }
        }
    }

    /// Notes a source failing; once it has failed for
    /// [`SOURCE_DOWN_AFTER`] seconds, that is an event, told once an
    /// outage.
    fn source_failed(&mut self, source: &str, error: &str) {
        let now = self.now_wall;
        let outage = self.outages.entry(source.to_string()).or_insert(Outage {
            since: now,
            told: false,
        });
        let down = now.saturating_sub(outage.since);
        if outage.told || down < SOURCE_DOWN_AFTER {
            return;
        }
        outage.told = true;
        let at = jiff::Timestamp::from_second(now).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let event =
            notify::Event::source_down(source, Duration::from_secs(down.unsigned_abs()), error, at);
        self.push_log(LogKind::Error, event.message.clone());
        self.notify(vec![event], 1);
    }

    /// Notes a source answering: an outage that was told is over.
    fn source_answered(&mut self, source: &str) {
        if let Some(outage) = self.outages.remove(source).filter(|o| o.told) {
            let down = self.now_wall.saturating_sub(outage.since).unsigned_abs();
            self.push_log(
                LogKind::Info,
                format!(
                    "{source} answers again, after failing for {}",
                    text::duration(Duration::from_secs(down))
                ),
            );
        }
    }

    /// Checks the price alerts against the prices just applied, and tells
    /// each that fired as a flip is told. Returns whether the memo changed
    /// (an alert fired or re-armed): it is written at once, so another
    /// instance, or this one restarted, does not tell the crossing again.
    fn check_alerts(&mut self) -> bool {
        let before = self.alerts.clone();
        let fired = crate::alert::check(
            &self.watchlist.coins,
            &self.listings,
            &mut self.alerts,
            self.now_wall,
        );
        let at = jiff::Timestamp::from_second(self.now_wall).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let mut events = Vec::new();
        for f in &fired {
            let coin = notify::CoinRef::of(&self.watchlist.coins[f.index]);
            let mut event =
                notify::Event::alert(coin, f.crossing, f.threshold, f.price, COINGECKO, at);
            event.crossing = Some(format!("{}:{}", f.threshold, f.armed_since));
            self.flash = Some(event.message.clone());
            self.push_log(LogKind::Flip, event.message.clone());
            events.push(event);
        }
        if fired.len() > 1 {
            self.flash = Some(format!("{} price alerts (l: log)", fired.len()));
        }
        if !fired.is_empty() {
            self.flash_sticky = true;
            events.truncate(NOTIFY_PER_BATCH);
            self.notify(events, fired.len());
        }
        self.alerts != before
    }

    /// Sends `events` (the first of `total`) to the `[notify]` channels, and
    /// says in the log how many more were not sent. An event another
    /// instance may see too is claimed in the state file first, and told
    /// once the claim is written (see [`told`]); one told already is not
    /// told again.
    fn notify(&mut self, events: Vec<notify::Event>, total: usize) {
        let more = total.saturating_sub(events.len());
        let mut now = Vec::new();
        let mut claimed = false;
        for event in events {
            match told::key(&event) {
                None => now.push(event),
                Some(key) if self.told.contains_key(&key) => {}
                Some(key) => {
                    let claim = Claim {
                        at: self.now_wall,
                        by: self.instance,
                    };
                    self.told.insert(key.clone(), claim);
                    self.unclaimed.push((key, event));
                    claimed = true;
                }
            }
        }
        if !now.is_empty() {
            self.effects.push(Effect::Notify(now));
        }
        if claimed {
            self.save_state();
        }
        if more > 0 {
            self.push_log(
                LogKind::Info,
                format!(
                    "{more} more events were not sent to the notification channels \
                     (at most {NOTIFY_PER_BATCH} at once)"
                ),
            );
        }
    }

    /// Tells exchange events: the status line, the log, the bell.
    fn announce(&mut self, events: &[Event]) {
        for event in events {
            let msg = event.message();
            if let Some(id) = &event.market_id {
                self.flipped.insert(id.clone());
            }
            self.flash = Some(msg.clone());
            self.push_log(LogKind::Flip, msg);
        }
        if events.len() > 1 {
            self.flash = Some(format!("{} listings and openings (l: log)", events.len()));
        }
        if !events.is_empty() {
            self.flash_sticky = true;
            let told = events
                .iter()
                .take(NOTIFY_PER_BATCH)
                .map(notify::Event::from_exchange)
                .collect();
            self.notify(told, events.len());
        }
    }

    /// A change to the state that need not be written at once: at most once
    /// a [`PRICE_SAVE_GAP`], and at shutdown.
    fn note_unsaved_change(&mut self) {
        if self.now_wall - self.state_saved_at >= PRICE_SAVE_GAP {
            self.save_state();
        } else {
            self.prices_unsaved = true;
        }
    }

    /// `c`: confirms that the ticker the selected coin shares with assets
    /// already listed at an exchange's first look is this coin there.
    fn confirm_listing(&mut self) {
        let Some(i) = self.selected else { return };
        let coin = &self.watchlist.coins[i];
        let name = text::clean(&coin.name).into_owned();
        let confirmed = self.book.confirm(coin);
        if confirmed.is_empty() {
            self.flash = Some(format!(
                "nothing to confirm: no exchange listed {name}'s ticker at its first look"
            ));
            return;
        }
        let on: Vec<&str> = confirmed.iter().map(|e| e.name()).collect();
        let msg = format!("confirmed: {name} is the coin listed on {}", on.join(", "));
        self.flash = Some(msg.clone());
        self.push_log(LogKind::Info, msg);
        self.save_state();
        self.refresh();
    }

    /// The state as the state file holds it.
    fn state(&self) -> State {
        State {
            listings: self.listings.clone(),
            book: self.book.clone(),
            told: self.told.clone(),
            alerts: self.alerts.clone(),
        }
    }

    /// Notes a failure of I/O done for the app (a save) for the user.
    fn report_error(&mut self, message: String) {
        self.flash = Some(message.clone());
        self.push_log(LogKind::Error, message);
    }

    /// Asks for the state file to be written, as it stands once this
    /// message is taken in: one save however many changes it made.
    fn save_state(&mut self) {
        self.prices_unsaved = false;
        self.state_saved_at = self.now_wall;
        self.state_wanted = true;
    }

    /// Sends the save asked for, unless one is in flight: then once more
    /// when it is done.
    fn send_state_save(&mut self) {
        if !std::mem::take(&mut self.state_wanted) {
            return;
        }
        if self.saving_state.in_flight {
            self.saving_state.again = true;
        } else {
            self.saving_state.in_flight = true;
            self.effects.push(Effect::SaveState(self.state()));
        }
    }

    /// Asks for the watchlist file to be written, as `save_state` does.
    pub(crate) fn save_watchlist(&mut self) {
        if self.saving_watchlist.in_flight {
            self.saving_watchlist.again = true;
        } else {
            self.saving_watchlist.in_flight = true;
            self.effects
                .push(Effect::SaveWatchlist(self.watchlist.clone()));
        }
    }

    /// Takes in the outcome of a state save. What was written may hold
    /// another instance's flips; listings that changed here meanwhile are
    /// merged with it and saved again.
    fn on_state_saved(&mut self, sent: State, result: Result<State, String>) {
        self.saving_state.in_flight = false;
        self.settle_claims(&sent, result.as_ref().ok());
        match result {
            Ok(written) => {
                let ours = self.state();
                let current = if ours == sent {
                    written.clone()
                } else {
                    merge_state(&ours, &written)
                };
                if current != written {
                    self.saving_state.again = true;
                }
                if current.book != self.book {
                    self.book = current.book;
                    self.refresh();
                }
                self.told = current.told;
                // Another instance's fired alerts are not told again here.
                self.alerts = current.alerts;
                self.set_listings(current.listings);
                self.state_error = None;
                self.state_retry_at = None;
            }
            Err(e) => {
                self.report_error(format!(
                    "could not save state: {e} (trying again in {STATE_RETRY_GAP} s)"
                ));
                self.state_error = Some(e);
                self.state_retry_at = Some(self.now_wall + STATE_RETRY_GAP);
            }
        }
        if std::mem::take(&mut self.saving_state.again) {
            self.save_state();
        }
    }

    /// Tells the events whose claims went out in `sent` and came back as
    /// this instance's in `written`. Those another instance claimed first
    /// were told there. If the save failed, they are told anyway: a full
    /// disk must not keep a listing from the user.
    fn settle_claims(&mut self, sent: &State, written: Option<&State>) {
        let (settled, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.unclaimed)
            .into_iter()
            .partition(|(key, _)| sent.told.contains_key(key));
        self.unclaimed = waiting;
        let mut tell = Vec::new();
        for (key, event) in settled {
            let by = written.map(|w| w.told.get(&key).map(|c| c.by));
            match by {
                Some(Some(by)) if by != self.instance => self.push_log(
                    LogKind::Info,
                    format!(
                        "told by another prelist on this data dir: {}",
                        event.message
                    ),
                ),
                _ => tell.push(event),
            }
        }
        if !tell.is_empty() {
            self.effects.push(Effect::Notify(tell));
        }
    }

    /// Takes in the state file as another instance left it: its listings
    /// show here (highlighted, and in the log), its claims are kept.
    fn on_state_loaded(&mut self, disk: State) {
        let ours = self.state();
        let merged = merge_state(&ours, &disk);
        if merged == ours {
            return;
        }
        let names: HashMap<&str, &str> = self
            .watchlist
            .coins
            .iter()
            .filter_map(|c| Some((c.market_id.as_deref()?, c.name.as_str())))
            .collect();
        let mut news: Vec<(i64, String, String)> = merged
            .listings
            .iter()
            .filter(|(id, _)| !self.listings.contains_key(*id))
            .filter_map(|(id, l)| {
                let name = text::clean(names.get(id.as_str())?).into_owned();
                let msg = format!(
                    "{name} is now trading at {} (recorded by another prelist)",
                    text::price(l.first_price)
                );
                Some((l.listed_at, id.clone(), msg))
            })
            .collect();
        news.sort();
        for (_, id, msg) in &news {
            self.flipped.insert(id.clone());
            self.flash = Some(msg.clone());
            self.flash_sticky = true;
            self.push_log(LogKind::Flip, msg.clone());
        }
        if news.len() > 1 {
            self.flash = Some(format!("{} coins are now trading (l: log)", news.len()));
        }
        self.told = merged.told;
        self.alerts = merged.alerts;
        if merged.book != self.book {
            self.book = merged.book;
            self.refresh();
        }
        self.set_listings(merged.listings);
    }

    /// Takes in the outcome of a watchlist save: another instance's changes
    /// merged in, and coins both changed. Coins changed here while the save
    /// was in flight are merged over what was written, and saved again.
    fn on_watchlist_saved(&mut self, sent: Watchlist, result: Result<Saved, String>) {
        self.saving_watchlist.in_flight = false;
        match result {
            Ok(saved) => {
                if let Some(written) = saved.merged {
                    if self.watchlist.coins == sent.coins {
                        self.replace_coins(written);
                    } else {
                        let m = merge3(&sent.coins, &self.watchlist.coins, &written);
                        self.replace_coins(m.coins);
                        self.saving_watchlist.again = true;
                    }
                    self.flash = Some("merged with changes made in another window".into());
                }
                if !saved.conflicts.is_empty() {
                    let names: Vec<String> = saved
                        .conflicts
                        .iter()
                        .map(|n| text::clean(n).into_owned())
                        .collect();
                    self.flash = Some(format!(
                        "changed in another window too, both versions kept: {}",
                        names.join(", ")
                    ));
                }
                self.watchlist_error = None;
            }
            Err(e) => {
                self.report_error(format!("watchlist not saved: {e}"));
                self.watchlist_error = Some(e);
            }
        }
        if std::mem::take(&mut self.saving_watchlist.again) {
            self.save_watchlist();
        }
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
        let mut lost = Vec::new();
        if let Some(e) = &self.watchlist_error {
            lost.push(format!("the watchlist's changes ({e})"));
        }
        if let Some(e) = &self.state_error {
            lost.push(format!("new listings and prices ({e})"));
        }
        (!lost.is_empty()).then(|| lost.join("; "))
    }

    /// `q`: quits, unless changes could not be saved; then asks first.
    fn ask_quit(&mut self) {
        if self.unsaved().is_some() && self.mode != Mode::ConfirmQuit {
            self.mode = Mode::ConfirmQuit;
        } else {
            self.quit = true;
        }
    }

    fn update_confirm_quit(&mut self, action: Action) {
        self.mode = Mode::Normal;
        match action {
            Action::Yes => self.quit = true,
            Action::Retry => {
                self.retry_saves();
                self.flash = Some("saving again…".into());
            }
            _ => self.flash = Some("not quitting".into()),
        }
    }

    /// Sends again what failed to be saved.
    fn retry_saves(&mut self) {
        if self.watchlist_error.is_some() {
            self.save_watchlist();
        }
        if self.state_error.is_some() {
            self.state_retry_at = None;
            self.save_state();
        }
    }

    /// Whether a save is in flight or due.
    pub fn saves_pending(&self) -> bool {
        let pending = |s: Saving| s.in_flight || s.again;
        pending(self.saving_watchlist) || pending(self.saving_state)
    }

    fn poll_now(&mut self) {
        match &self.polling {
            None => self.flash = Some("not polling: start prelist with --poll".into()),
            Some(p) if p.in_flight => self.flash = Some("a poll is already running".into()),
            Some(_) => self.effects.push(Effect::Poll(Command::PollNow)),
        }
    }

    /// The coins, as loaded and edited.
    pub fn watchlist(&self) -> &Watchlist {
        &self.watchlist
    }

    /// What is known of the coins' markets.
    pub fn listings(&self) -> &Listings {
        &self.listings
    }

    /// What each watched exchange lists.
    pub fn book(&self) -> &Book {
        &self.book
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
        self.polling.as_ref()
    }

    /// The app's clock: monotonic and wall (Unix seconds).
    pub fn now(&self) -> (Instant, i64) {
        (self.now, self.now_wall)
    }

    /// Whether the app has been asked to close.
    pub fn quitting(&self) -> bool {
        self.quit
    }

    /// Shows times in `tz` instead of the system's zone.
    pub fn with_time_zone(mut self, tz: jiff::tz::TimeZone) -> App {
        self.tz = tz;
        self
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
            &self.book,
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
    pub fn update(&mut self, msg: impl Into<Msg>) -> Vec<Effect> {
        match msg.into() {
            Msg::Action(action) => self.on_action(action),
            Msg::Clock { now, wall } => {
                self.now = now;
                self.now_wall = wall;
                if self.state_retry_at.is_some_and(|at| wall >= at) && !self.saving_state.in_flight
                {
                    self.state_retry_at = None;
                    self.save_state();
                }
            }
            Msg::Poll(report) => self.on_report(report),
            Msg::Exchange(look) => self.on_exchange(look),
            Msg::Lookup { query, result } => {
                if result.as_ref().err().is_none_or(MarketError::was_sent) {
                    self.count_calls(1, None);
                }
                self.on_lookup(&query, result)
            }
            Msg::WatchlistSaved { sent, result } => self.on_watchlist_saved(sent, result),
            Msg::StateSaved { sent, result } => self.on_state_saved(sent, result),
            Msg::StateLoaded(disk) => self.on_state_loaded(disk),
            Msg::WatchlistLoaded(w) => {
                if w.coins != self.watchlist.coins {
                    let msg = format!(
                        "the watchlist changed on disk: {} coins, {} with a market id",
                        w.coins.len(),
                        w.coins.iter().filter(|c| c.poll_id().is_some()).count()
                    );
                    self.replace_coins(w.coins);
                    self.push_log(LogKind::Info, msg);
                }
            }
            Msg::Drawn(viewport) => self.viewport = viewport,
            Msg::Shutdown => {
                self.quit = true;
                // A last try for what failed, and what waits to be written.
                self.retry_saves();
                if self.prices_unsaved && !self.saving_state.in_flight {
                    self.save_state();
                }
            }
        }
        self.send_state_save();
        std::mem::take(&mut self.effects)
    }

    /// Applies one user action.
    fn on_action(&mut self, action: Action) {
        self.flash = None;
        self.flash_sticky = false;
        match action {
            Action::Quit if self.mode == Mode::ConfirmQuit => self.quit = true,
            Action::Quit => self.ask_quit(),
            Action::PollNow => self.poll_now(),
            _ => match self.mode {
                Mode::Help => self.update_help(action),
                Mode::Log => self.update_log(action),
                Mode::Search => self.update_search(action),
                Mode::Normal => self.update_normal(action),
                Mode::Form => self.update_form(action),
                Mode::ConfirmDelete => self.update_confirm(action),
                Mode::ConfirmQuit => self.update_confirm_quit(action),
                Mode::Lookup => self.update_lookup(action),
            },
        }
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
            Action::Add => self.open_add(),
            Action::Edit => self.open_edit(),
            Action::Delete => self.ask_delete(),
            Action::Undo => self.undo_delete(),
            Action::Lookup => self.open_lookup(),
            Action::ConfirmListing => self.confirm_listing(),
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
        assert_eq!(app.filter.status, StatusFilter::Scheduled);
        assert!(app.rows().is_empty());
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
    fn the_search_is_edited_at_its_cursor() {
        let mut app = app();
        app.update(Action::Search);
        type_text(&mut app, "nl");
        assert!(app.rows().is_empty());
        app.update(Action::CursorLeft);
        app.update(Action::Input('i'));
        assert_eq!(app.filter.text, "nil");
        assert_eq!(selected(&app), "Nillion");
        app.update(Action::CursorHome);
        app.update(Action::DeleteChar);
        assert_eq!(app.filter.text, "il");
        app.update(Action::SearchKeep);
        // Searching again goes on from the kept text, at its end.
        app.update(Action::Search);
        app.update(Action::Backspace);
        assert_eq!(app.filter.text, "i");
        assert_eq!(app.search.cursor(), 1);
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

        pub(super) fn polling_app() -> App {
            let mut app = app();
            app.enable_polling();
            app.update(Msg::Clock {
                now: Instant::now(),
                wall: 1_800_000_000,
            });
            app
        }

        pub(super) fn priced(id: &str, p: f64) -> Quotes {
            Quotes::from([(
                id.to_string(),
                Quote {
                    price_usd: Some(p),
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
                    let after = app.update(Msg::StateSaved {
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
                app.polling.as_ref().unwrap().ids,
                ["nillion", "parcl", "dolomite", "movement", "peaq-2"]
            );
        }

        #[test]
        fn a_flip_is_told_rung_saved_logged_and_highlighted() {
            let mut app = polling_app();
            assert!(app.update(Msg::Poll(Report::Started)).is_empty());
            assert!(app.polling.as_ref().unwrap().in_flight);
            let effects = app.update(Msg::Poll(done(priced("dolomite", 0.1234))));
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
            assert!(app.flipped.contains("dolomite"));
            assert_eq!(
                app.log.back().unwrap().text,
                "Dolomite is now trading at $0.1234"
            );
            assert_eq!(app.log.back().unwrap().at, 1_800_000_000);
            assert_eq!(app.trading_count(), 1);
            let p = app.polling.as_ref().unwrap();
            assert!(!p.in_flight);
            assert_eq!(p.last_ok, Some(1_800_000_000));

            // The news outlives later polls, until a key is pressed.
            let effects = app.update(Msg::Poll(done(priced("dolomite", 0.2))));
            assert!(
                !effects.iter().any(|e| matches!(e, Effect::Notify(_))),
                "a coin flips once"
            );
            assert_eq!(
                app.listings["dolomite"].price_usd, 0.2,
                "the new price is kept"
            );
            assert!(
                !effects.iter().any(|e| matches!(e, Effect::SaveState(_))),
                "and written within the minute, not at once"
            );
            assert!(app.flash.is_some());
            app.update(Action::Down);
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
            let effects = app.update(Msg::Poll(done(priced("dolomite", 0.1234))));
            let sent = state_sent(&effects);
            let key = "listed:coingecko:dolomite:DOLO";
            assert_eq!(sent.told[key].by, app.instance, "claimed in the save");
            // Another instance wrote its claim first: the file keeps it.
            let mut written = sent.clone();
            written.told.insert(
                key.into(),
                Claim {
                    at: 1_799_999_990,
                    by: app.instance.wrapping_add(1),
                },
            );
            let after = app.update(Msg::StateSaved {
                sent,
                result: Ok(written),
            });
            assert!(notified(&after).is_empty(), "told there, not here");
            assert!(
                app.log
                    .iter()
                    .any(|l| l.text.starts_with("told by another prelist"))
            );
            assert!(app.flipped.contains("dolomite"), "still shown here");
        }

        #[test]
        fn events_are_told_even_when_their_claim_cannot_be_written() {
            let mut app = polling_app();
            let effects = app.update(Msg::Poll(done(priced("dolomite", 0.1234))));
            let after = app.update(Msg::StateSaved {
                sent: state_sent(&effects),
                result: Err("No space left on device".into()),
            });
            assert_eq!(notified(&after).len(), 1);
        }

        #[test]
        fn a_listing_another_instance_recorded_shows_and_is_not_told_here() {
            let mut app = polling_app();
            let mut other = polling_app();
            let effects = other.update(Msg::Poll(done(priced("dolomite", 0.1234))));
            let disk = state_sent(&effects);
            let effects = app.update(Msg::StateLoaded(disk));
            assert!(
                effects
                    .iter()
                    .all(|e| matches!(e, Effect::Log(l) if l.kind == LogKind::Flip)),
                "shown and logged only: {effects:?}"
            );
            assert!(app.flipped.contains("dolomite"));
            assert_eq!(
                app.log.back().unwrap().text,
                "Dolomite is now trading at $0.1234 (recorded by another prelist)"
            );
            assert_eq!(app.trading_count(), 1);
            // Its own poll then sees a price, not a listing.
            let effects = app.update(Msg::Poll(done(priced("dolomite", 0.13))));
            assert!(save_and_tell(&mut app, &effects).is_empty());
            // And a state file that holds nothing new changes nothing.
            let before = app.log.len();
            app.update(Msg::StateLoaded(app.state()));
            assert_eq!(app.log.len(), before);
        }

        #[test]
        fn a_source_failing_an_hour_is_told_once_an_outage() {
            let mut app = polling_app();
            let t0 = app.now_wall;
            let fail_at = |app: &mut App, secs: i64| {
                app.update(Msg::Clock {
                    now: app.now,
                    wall: t0 + secs,
                });
                notified(&app.update(Msg::Poll(Report::Failed {
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
            app.update(Msg::Poll(done(Quotes::new())));
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
            let effects = app.update(Msg::Poll(done(quotes)));
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
                .watchlist
                .coins
                .iter_mut()
                .find(|c| c.name == "Parcl")
                .unwrap();
            parcl.alert_above = Some(1.0);
            app
        }

        /// The alert events of one poll of Parcl at `price`, with the
        /// state saves it asks for answered as written.
        fn alerts_at(app: &mut App, price: f64) -> Vec<notify::Event> {
            let effects = app.update(Msg::Poll(done(priced("parcl", price))));
            save_and_tell(app, &effects)
                .into_iter()
                .filter(|e| e.event == notify::EventKind::AlertAbove)
                .collect()
        }

        #[test]
        fn an_alert_is_told_once_per_crossing_and_rearms_past_two_percent() {
            let mut app = alerting_app();
            assert!(alerts_at(&mut app, 0.9).is_empty(), "below the threshold");
            let effects = app.update(Msg::Poll(done(priced("parcl", 1.1))));
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
            let effects = app.update(Msg::Poll(done(priced("parcl", 0.97))));
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
            let ea = a.update(Msg::Poll(done(priced("parcl", 1.1))));
            let eb = b.update(Msg::Poll(done(priced("parcl", 1.1))));
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
            let after = b.update(Msg::StateSaved {
                sent,
                result: Ok(written),
            });
            assert!(notified(&after).is_empty(), "told by a, not again by b");
        }

        #[test]
        fn a_restart_with_the_saved_memo_does_not_tell_it_again() {
            let mut app = alerting_app();
            assert_eq!(alerts_at(&mut app, 1.1).len(), 1);
            let state = app.state();
            let mut again = App::from_state(alerting_app().watchlist.clone(), state);
            again.enable_polling();
            assert!(alerts_at(&mut again, 1.2).is_empty());
            // Another instance's fired mark, come back with a save, holds
            // here too.
            let mut other = alerting_app();
            let effects = other.update(Msg::Poll(done(priced("nillion", 0.6))));
            let Some(Effect::SaveState(sent)) = effects
                .into_iter()
                .find(|e| matches!(e, Effect::SaveState(_)))
            else {
                panic!("a flip is saved")
            };
            other.update(Msg::StateSaved {
                sent,
                result: Ok(app.state()),
            });
            assert!(alerts_at(&mut other, 1.2).is_empty());
        }

        #[test]
        fn unchanged_answers_write_nothing() {
            let mut app = polling_app();
            app.update(Msg::Poll(done(priced("parcl", 0.3))));
            let effects = app.update(Msg::Poll(done(priced("parcl", 0.3))));
            assert!(
                !effects.iter().any(|e| matches!(e, Effect::SaveState(_))),
                "nothing changed, nothing written"
            );
        }

        #[test]
        fn errors_flip_nothing_and_keep_the_last_data() {
            let mut app = polling_app();
            app.update(Msg::Poll(done(priced("parcl", 0.3))));
            let before = app.listings.clone();
            let effects = app.update(Msg::Poll(Report::Failed {
                error: MarketError::Timeout,
                retry_in: Duration::from_secs(120),
                requests: 1,
                remaining: None,
            }));
            assert_eq!(app.listings, before);
            assert!(!effects.iter().any(|e| matches!(e, Effect::SaveState(_))));
            let p = app.polling.as_ref().unwrap();
            assert_eq!(p.last_error, Some(MarketError::Timeout));
            assert_eq!(p.next_at, Some(app.now + Duration::from_secs(120)));
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
            app.update(Msg::Poll(Report::Started));
            assert!(app.update(Action::PollNow).is_empty());
            assert_eq!(app.flash.as_deref(), Some("a poll is already running"));
            app.update(Msg::Poll(Report::Refused {
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
                app.update(Msg::Poll(Report::Failed {
                    error: MarketError::Status { status: 500 + i },
                    retry_in: Duration::from_secs(60),
                    requests: 1,
                    remaining: None,
                }));
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
            app.update(Action::Add);
            app.update(Action::Paste(name.into()));
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
            let next = watchlist_saves(&app.update(Msg::WatchlistSaved {
                sent: first[0].clone(),
                result: saved(),
            }));
            assert_eq!(next.len(), 1, "one more save, with everything since");
            assert_eq!(next[0], app.watchlist);
            assert_eq!(next[0].coins.len(), 17);
            let after = app.update(Msg::WatchlistSaved {
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
            let effects = app.update(Msg::WatchlistSaved {
                sent,
                result: Ok(Saved {
                    merged: Some(written),
                    conflicts: Vec::new(),
                }),
            });
            let coins: Vec<&str> = app
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
            assert_eq!(again[0], app.watchlist);
        }

        #[test]
        fn quitting_with_a_failed_save_asks_first() {
            let mut app = app();
            let sent = watchlist_saves(&add(&mut app, "Alpha")).remove(0);
            app.update(Msg::WatchlistSaved {
                sent,
                result: Err("No space left on device".into()),
            });
            app.update(Action::Quit);
            assert!(!app.quit, "asked first");
            assert_eq!(app.mode, Mode::ConfirmQuit);
            app.update(Action::No);
            assert_eq!(app.mode, Mode::Normal);
            assert!(!app.quit);
            // r sends the save again; it fails again.
            app.update(Action::Quit);
            let again = watchlist_saves(&app.update(Action::Retry));
            assert_eq!(again.len(), 1);
            app.update(Msg::WatchlistSaved {
                sent: again[0].clone(),
                result: Err("No space left on device".into()),
            });
            app.update(Action::Quit);
            app.update(Action::Yes);
            assert!(app.quit);
            assert_eq!(
                app.unsaved().as_deref(),
                Some("the watchlist's changes (No space left on device)")
            );
            // A save that works clears it: nothing is lost, no question.
            let mut app = self::app();
            let sent = watchlist_saves(&add(&mut app, "Beta")).remove(0);
            app.update(Msg::WatchlistSaved {
                sent: sent.clone(),
                result: Err("full".into()),
            });
            let again = watchlist_saves(&app.update(Msg::Shutdown));
            assert_eq!(again.len(), 1, "a last try at shutdown");
            app.update(Msg::WatchlistSaved {
                sent: again[0].clone(),
                result: saved(),
            });
            assert_eq!(app.unsaved(), None);
        }

        #[test]
        fn a_failed_state_save_is_tried_again() {
            let mut app = polling::polling_app();
            let effects = app.update(Msg::Poll(polling::done(polling::priced("parcl", 0.3))));
            let Some(Effect::SaveState(sent)) = effects
                .into_iter()
                .find(|e| matches!(e, Effect::SaveState(_)))
            else {
                panic!("a state save")
            };
            app.update(Msg::StateSaved {
                sent,
                result: Err("cannot write state.json: No space left on device".into()),
            });
            assert!(
                app.unsaved()
                    .unwrap()
                    .starts_with("new listings and prices")
            );
            let t0 = app.now_wall;
            let clock = |app: &mut App, secs: i64| {
                app.update(Msg::Clock {
                    now: app.now,
                    wall: t0 + secs,
                })
            };
            assert!(clock(&mut app, 10).is_empty(), "not yet");
            let effects = clock(&mut app, STATE_RETRY_GAP);
            let Some(Effect::SaveState(sent)) = effects.into_iter().next() else {
                panic!("tried again after {STATE_RETRY_GAP} s")
            };
            assert!(sent.listings.contains_key("parcl"));
            app.update(Msg::StateSaved {
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
            let effects = app.update(Msg::WatchlistSaved {
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
            assert!(app.watchlist.coins.iter().any(|c| c.name == "Alpha"));
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
                app.update(Msg::Clock { now: app.now, wall });
                let effects = app.update(Msg::Poll(polling::done(polling::priced(id, price))));
                // Every save is answered before the next poll.
                for e in &effects {
                    if let Effect::SaveState(sent) = e {
                        app.update(Msg::StateSaved {
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
            let effects = app.update(Msg::Shutdown);
            assert!(app.quit);
            let Some(Effect::SaveState(last)) = effects.first() else {
                panic!("the last price is written at shutdown: {effects:?}")
            };
            assert_eq!(last.listings["parcl"].price_usd, 0.34);
        }

        #[test]
        fn state_written_with_another_instances_flip_is_merged_with_newer_prices() {
            let mut app = polling::polling_app();
            let effects = app.update(Msg::Poll(polling::done(polling::priced("parcl", 0.3))));
            let Some(Effect::SaveState(sent)) = effects
                .iter()
                .find(|e| matches!(e, Effect::SaveState(_)))
                .cloned()
            else {
                panic!("a state save, got {effects:?}")
            };
            // A flip seen here while the save is in flight.
            let effects = app.update(Msg::Poll(polling::done(polling::priced("nillion", 0.6))));
            assert!(!effects.iter().any(|e| matches!(e, Effect::SaveState(_))));
            // What was written holds another instance's flip of Dolomite.
            let mut written = sent.clone();
            let mut dolo = written.listings["parcl"].clone();
            dolo.first_price = 0.1;
            written.listings.insert("dolomite".into(), dolo);
            let effects = app.update(Msg::StateSaved {
                sent,
                result: Ok(written),
            });
            let mut ids: Vec<&String> = app.listings.keys().collect();
            ids.sort();
            assert_eq!(ids, ["dolomite", "nillion", "parcl"]);
            let again: Vec<&Listings> = effects
                .iter()
                .filter_map(|e| match e {
                    Effect::SaveState(l) => Some(&l.listings),
                    _ => None,
                })
                .collect();
            assert_eq!(again, [&app.listings], "the merge is written");
        }
    }
}
