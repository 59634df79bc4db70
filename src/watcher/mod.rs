//! The domain, without a screen: the coins, what is known of their markets,
//! the exchanges' book, price alerts, the events told on this data dir,
//! sources' outages and what must be saved. Inputs come in (a poll report,
//! an exchange's look, the clock, a file loaded or saved); what must happen
//! outside goes out as [`Effect`]s, and what a screen would show as
//! [`Outcome::news`]. The screen, `prelist watch` and `prelist check` all
//! take their inputs through it, so one set of rules serves all three.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use tokio::time::Instant;

use crate::alert::Alerts;
use crate::book::{Book, Event, apply_look};
use crate::exchange::Exchange;
use crate::listing::{Listings, apply_poll, same_listings};
use crate::market::plan::CallTally;
use crate::market::poller::{Command, Refusal, Report, Unusable};
use crate::market::{Candidate, MarketError, Quotes};
use crate::merge::{merge_state, merge3};
use crate::model::{Coin, Watchlist, ticker_key};
use crate::notify;
use crate::position::Portfolio;
use crate::sources::dex::DexLook;
use crate::sources::premarket::VenueLook;
use crate::sources::watch::Look;
use crate::store::{Saved, State};
use crate::text;
use crate::told::{self, Claim, Told};

mod save;

pub use save::{RETRY_GAP as STATE_RETRY_GAP, SaveSlot};

/// New prices alone are written to the state file at most this often
/// (seconds); a new listing is written at once.
pub const PRICE_SAVE_GAP: i64 = 60;

/// At most this many events of one poll or look go to the `[notify]`
/// channels: as many as the webhook's queue holds. Past that, a command or
/// a webhook could not take them anyway; the log says how many were left.
pub const NOTIFY_PER_BATCH: usize = notify::WEBHOOK_QUEUE;

/// A source failing this long (seconds) is a `source_down` event.
pub const SOURCE_DOWN_AFTER: i64 = 3600;

/// CoinGecko's name as a source, in events.
const COINGECKO: &str = "coingecko";

/// What the watcher takes in from outside: the clock, the sources, and the
/// files' loads and saves.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The time: monotonic for countdowns, wall (Unix seconds) for display.
    /// Every loop sends it before anything that happens at a time.
    Clock { now: Instant, wall: i64 },
    /// A report from the poller.
    Poll(Report),
    /// A look at an exchange's list, from its loop.
    Exchange(Look),
    /// A look at a pre-market venue, from its loop.
    Venue(VenueLook),
    /// A look at the DEX source, from its loop.
    Dex(DexLook),
    /// The API's answer to a market-id lookup for `query` (a screen's).
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
    /// An hourly look at the API key's usage (Pro keys only): what the API
    /// says is left of its month, and the month's calls every prelist on
    /// this data dir counted, read just after.
    KeyUsage {
        remaining: Result<Option<u64>, MarketError>,
        own_calls: Option<u64>,
    },
    /// A warning for the user at start: shown and logged once.
    Notice(String),
    /// Closing (quit or a signal): what waits to be written is written now.
    Shutdown,
}

/// What an update asks the runner to do: the I/O the watcher and the screen
/// may not do themselves. Each carries what it needs, so it can run off the
/// loop's task.
#[derive(Debug, Clone, PartialEq)]
#[must_use = "an effect dropped is a save or a notification lost"]
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
    /// Ask the DEX source about these tokens from its next look on: the
    /// coins' contracts changed.
    DexTokens(Vec<crate::dex::Watched>),
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

/// What a screen's status line should say after an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum News {
    /// The one thing that happened, in words.
    One(String),
    /// Several things happened ("3 coins are now trading"): each is in the
    /// log, which the screen may point to.
    Many(String),
}

/// What one input did: the effects to run, and what a screen shows of it.
#[derive(Debug, Default)]
#[must_use = "an outcome holds effects that must reach the runner"]
pub struct Outcome {
    pub effects: Vec<Effect>,
    /// News for the status line; `sticky` when it should stay until the
    /// user has seen it (a listing), not only until the next report.
    pub news: Option<(News, bool)>,
    /// A report came in: a message that is not sticky has had its time.
    pub settle: bool,
    /// The coins changed (merged from disk or edited): what is derived from
    /// them must be rebuilt.
    pub coins_changed: bool,
    /// Listings or the book changed: rows sorted or filtered by status or
    /// price may move.
    pub rows_changed: bool,
}

impl Outcome {
    fn log(&mut self, at: i64, kind: LogKind, text: String) {
        self.effects.push(Effect::Log(LogEntry { at, kind, text }));
    }

    fn headline(&mut self, news: News, sticky: bool) {
        self.news = Some((news, sticky));
    }

    /// Shows a failure of I/O done for the watcher (a save).
    fn error(&mut self, at: i64, text: String) {
        self.news = Some((News::One(text.clone()), false));
        self.log(at, LogKind::Error, text);
    }

    /// The log entries among the effects, in order.
    pub fn logged(&self) -> impl Iterator<Item = &LogEntry> {
        self.effects.iter().filter_map(|e| match e {
            Effect::Log(entry) => Some(entry),
            _ => None,
        })
    }
}

/// The poller as the watcher knows it, from its reports.
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
    /// While CoinGecko is unusable: the fallback in use, and why.
    pub fallback: Option<FallbackState>,
}

/// The fallback price source in use while CoinGecko is unusable.
#[derive(Debug, Clone, PartialEq)]
pub struct FallbackState {
    /// Its name in events and the config ("defillama").
    pub source: &'static str,
    pub why: Unusable,
    /// Its own last error, while no good answer has come since.
    pub last_error: Option<MarketError>,
}

impl FallbackState {
    /// Its name as the user reads it ("DefiLlama").
    pub fn title(&self) -> &'static str {
        match self.source {
            crate::market::defillama::NAME => crate::market::defillama::TITLE,
            other => other,
        }
    }
}

/// An exchange's loop as the watcher knows it, from its looks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SourceState {
    /// The last error, while no good look has come since.
    pub last_error: Option<MarketError>,
    /// When the next look is due.
    pub next_at: Option<Instant>,
}

/// A source failing: since when, and whether its `source_down` went out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Outage {
    since: i64,
    told: bool,
}

#[derive(Debug)]
pub struct Watcher {
    pub(crate) watchlist: Watchlist,
    pub(crate) listings: Listings,
    /// What each watched exchange lists.
    pub(crate) book: Book,
    /// Which price alerts fired (see `crate::alert`).
    pub(crate) alerts: Alerts,
    /// The exchanges being watched, as their looks left them.
    pub(crate) sources: BTreeMap<Exchange, SourceState>,
    /// The exchanges looked at since the start: a listing found at the
    /// first look of a run may have happened while prelist was closed.
    looked: HashSet<Exchange>,
    /// Set when polling.
    pub(crate) polling: Option<PollState>,
    /// Market ids that flipped while this instance ran.
    pub(crate) flipped: HashSet<String>,
    /// The clock: monotonic for countdowns, wall (Unix seconds) for display.
    pub(crate) now: Instant,
    pub(crate) now_wall: i64,
    saving_state: SaveSlot,
    saving_watchlist: SaveSlot,
    /// When the state file was last asked to be written (wall seconds), and
    /// whether newer prices wait to be.
    state_saved_at: i64,
    prices_unsaved: bool,
    /// The month's API calls, shown beside the poller's state.
    pub(crate) calls: Option<CallTally>,
    /// The events told, on this data dir, by any instance.
    told: Told,
    /// This instance, in the claims it writes.
    pub(crate) instance: u64,
    /// Events claimed but not yet told: told once the state file holds
    /// this instance's claim (another's means it was told there).
    unclaimed: Vec<(String, notify::Event)>,
    /// Sources failing since (wall seconds), and whether that was told.
    outages: BTreeMap<String, Outage>,
    /// The database revision the state here holds all of (see
    /// [`State::based_on`]).
    based_on: Option<crate::state::Base>,
    /// The last look at the API key's usage, compared with the next.
    key_look: Option<KeyLook>,
    /// Set when the DEX source is watched.
    dex: Option<DexWatch>,
    /// Tell each new scheduled or pre-market row of Discover.
    discover_events: bool,
    /// `[portfolio]`, with sizing on: weighs holdings, and tells the ones
    /// that pass the rule (`overweight`).
    pub(crate) portfolio: Option<Portfolio>,
}

/// The DEX source, as the watcher asks it: the liquidity a pool needs to
/// be a listing, and the tokens it was last told to ask about.
#[derive(Debug, Clone, PartialEq)]
struct DexWatch {
    min_liquidity_usd: f64,
    tokens: Vec<crate::dex::Watched>,
}

/// A look at the API key's usage: the calls the API said were left, the
/// calls every prelist on this data dir had counted, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct KeyLook {
    remaining: u64,
    own: u64,
    at: i64,
}

/// Calls of the key between two looks beyond prelist's own count that are
/// told as `key_usage`: more than this many…
pub const KEY_USAGE_EXCESS: u64 = 50;
/// …and more than this share of prelist's own, in percent.
pub const KEY_USAGE_EXCESS_PCT: u64 = 10;

impl Watcher {
    pub fn new(watchlist: Watchlist, listings: Listings) -> Watcher {
        Watcher {
            watchlist,
            listings,
            book: Book::default(),
            alerts: Alerts::new(),
            sources: BTreeMap::new(),
            looked: HashSet::new(),
            polling: None,
            flipped: HashSet::new(),
            now: Instant::now(),
            now_wall: jiff::Timestamp::now().as_second(),
            saving_state: SaveSlot::default(),
            saving_watchlist: SaveSlot::default(),
            state_saved_at: i64::MIN / 2,
            prices_unsaved: false,
            calls: None,
            told: Told::new(),
            instance: told::instance_id(),
            unclaimed: Vec::new(),
            outages: BTreeMap::new(),
            based_on: None,
            key_look: None,
            dex: None,
            discover_events: false,
            portfolio: None,
        }
    }

    /// The watcher on `watchlist` and the state file: its listings, the
    /// exchanges' book, the events told and the alerts fired (so none is
    /// told again).
    pub fn from_state(watchlist: Watchlist, state: State) -> Watcher {
        let mut w = Watcher::new(watchlist, state.listings);
        w.told = state.told;
        w.alerts = state.alerts;
        w.book = state.book;
        w.based_on = state.based_on;
        w
    }

    /// Starts from this book of the exchanges' lists.
    pub fn set_book(&mut self, book: Book) {
        self.book = book;
    }

    /// Notes that these exchanges are watched: their looks will come in.
    pub fn watch_exchanges(&mut self, exchanges: &[Exchange]) {
        for &e in exchanges {
            self.sources.entry(e).or_default();
        }
    }

    /// Notes that the DEX source is watched, with this liquidity threshold:
    /// its looks will come in. Returns the tokens to ask about; after a
    /// change to the coins, [`Effect::DexTokens`] says them again.
    pub fn watch_dex(&mut self, min_liquidity_usd: f64) -> Vec<crate::dex::Watched> {
        let tokens = self.dex_tokens();
        self.dex = Some(DexWatch {
            min_liquidity_usd,
            tokens: tokens.clone(),
        });
        tokens
    }

    /// The tokens of the coins' contracts to ask the DEX source about (see
    /// [`crate::dex::watched_tokens`]).
    pub fn dex_tokens(&self) -> Vec<crate::dex::Watched> {
        let listings = &self.listings;
        crate::dex::watched_tokens(&self.watchlist.coins, &self.book.dex, |c| {
            crate::listing::listing_of(c, listings).is_some()
        })
    }

    /// Whether every watched exchange has been looked at, this run or one
    /// before (its book is kept): Discover can then tell a Hyperliquid
    /// perp of an old coin from one before its listing.
    pub fn spot_known(&self) -> bool {
        !self.sources.is_empty()
            && self
                .sources
                .keys()
                .all(|e| self.book.exchanges.contains_key(e))
    }

    /// Sizes positions in `portfolio` from now on; `None`: sizing is off.
    pub fn set_portfolio(&mut self, portfolio: Option<Portfolio>) {
        self.portfolio = portfolio;
    }

    /// What a coin's cells and records are made of besides the coin.
    pub fn around(&self) -> crate::view::Around<'_> {
        (&self.listings, &self.book, self.portfolio.as_ref())
    }

    /// Tells each new scheduled or pre-market row of Discover from now on
    /// (`[notify] discover`).
    pub fn tell_discoveries(&mut self, on: bool) {
        self.discover_events = on;
    }

    /// Tells the rows of Discover, scheduled or pre-market, not told yet:
    /// each once, claimed like every event.
    fn tell_new_rows(&mut self, out: &mut Outcome) {
        if !self.discover_events {
            return;
        }
        let (rows, _) = crate::discover::rows(crate::discover::Scope {
            coins: &self.watchlist.coins,
            book: &self.book,
            now: self.now_wall,
            days: crate::discover::DEFAULT_DAYS,
            spot_known: self.spot_known(),
        });
        let at = self.timestamp();
        let events: Vec<notify::Event> = rows
            .iter()
            .filter(|r| r.status != crate::discover::Kind::Listed)
            .map(|r| notify::Event::discovered(r, at))
            .filter(|e| e.claim_key().is_some_and(|k| !self.told.contains_key(&k)))
            .collect();
        if events.is_empty() {
            return;
        }
        for e in &events {
            out.log(self.now_wall, LogKind::Info, e.message.clone());
        }
        let total = events.len();
        let told = events.into_iter().take(NOTIFY_PER_BATCH).collect();
        self.notify(told, total, out);
    }

    /// Turns polling on for the watchlist's market ids: reports will come in.
    pub fn enable_polling(&mut self) {
        self.poll_ids(self.market_ids());
    }

    /// Turns polling on for `ids` alone (`check` records only the ids that
    /// were answered).
    pub fn poll_ids(&mut self, ids: Vec<String>) {
        self.polling = Some(PollState {
            ids,
            ..PollState::default()
        });
    }

    /// Counts the month's calls from `tally` on.
    pub fn count_calls_from(&mut self, tally: CallTally) {
        self.calls = Some(tally);
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

    /// The poller as the watcher knows it, when polling.
    pub fn polling(&self) -> Option<&PollState> {
        self.polling.as_ref()
    }

    /// The state as the state file holds it.
    pub fn state(&self) -> State {
        State {
            listings: self.listings.clone(),
            book: self.book.clone(),
            told: self.told.clone(),
            alerts: self.alerts.clone(),
            based_on: self.based_on,
        }
    }

    /// Whether a save is asked for, in flight or due after the one in
    /// flight. A loop waits for these before it exits.
    pub fn saves_pending(&self) -> bool {
        self.saving_state.pending() || self.saving_watchlist.pending()
    }

    /// What is still being saved, in words: what stopping without waiting
    /// would lose.
    pub fn saving(&self) -> Option<String> {
        let mut what = Vec::new();
        if self.saving_watchlist.pending() {
            what.push("the watchlist's changes (still being saved)");
        }
        if self.saving_state.pending() {
            what.push("new listings and prices (still being saved)");
        }
        (!what.is_empty()).then(|| what.join("; "))
    }

    /// What would be lost by stopping now: changes whose last save failed,
    /// in words, with why.
    pub fn unsaved(&self) -> Option<String> {
        let mut lost = Vec::new();
        if let Some(e) = self.saving_watchlist.error() {
            lost.push(format!("the watchlist's changes ({e})"));
        }
        if let Some(e) = self.saving_state.error() {
            lost.push(format!("new listings and prices ({e})"));
        }
        (!lost.is_empty()).then(|| lost.join("; "))
    }

    /// Takes in one input; returns the effects it calls for and what a
    /// screen shows of it.
    pub fn update(&mut self, input: Input) -> Outcome {
        let mut out = Outcome::default();
        match input {
            Input::Clock { now, wall } => {
                self.now = now;
                self.now_wall = wall;
                if self.saving_state.due(wall) {
                    self.save_state();
                }
                if self.saving_watchlist.due(wall) {
                    self.saving_watchlist.ask();
                }
            }
            Input::Poll(report) => self.on_report(report, &mut out),
            Input::Exchange(look) => self.on_exchange(look, &mut out),
            Input::Venue(look) => self.on_venue(look, &mut out),
            Input::Dex(look) => self.on_dex(look, &mut out),
            Input::Lookup { result, .. } => {
                if result.as_ref().err().is_none_or(MarketError::was_sent) {
                    self.count_calls(1, None);
                }
            }
            Input::WatchlistSaved { sent, result } => {
                self.on_watchlist_saved(sent, result, &mut out)
            }
            Input::StateSaved { sent, result } => self.on_state_saved(sent, result, &mut out),
            Input::StateLoaded(disk) => self.on_state_loaded(disk, &mut out),
            Input::WatchlistLoaded(w) => {
                if w.coins != self.watchlist.coins {
                    let msg = format!(
                        "the watchlist changed on disk: {} coins, {} with a market id",
                        w.coins.len(),
                        w.coins.iter().filter(|c| c.poll_id().is_some()).count()
                    );
                    self.replace_coins(w.coins, &mut out);
                    out.log(self.now_wall, LogKind::Info, msg);
                }
            }
            Input::KeyUsage {
                remaining,
                own_calls,
            } => self.on_key_usage(remaining, own_calls, &mut out),
            Input::Notice(text) => {
                out.headline(News::One(text.clone()), true);
                out.log(self.now_wall, LogKind::Info, text);
            }
            Input::Shutdown => {
                // A last try for what failed, and what waits to be written.
                self.ask_retries();
                if self.prices_unsaved && !self.saving_state.in_flight() {
                    self.save_state();
                }
            }
        }
        self.send_saves(&mut out);
        out
    }

    /// Changes the coins from a screen (the form, a delete, undo, a market
    /// id picked) and saves the watchlist. Returns what `edit` returns.
    pub fn edit_coins<R>(
        &mut self,
        out: &mut Outcome,
        edit: impl FnOnce(&mut Vec<Coin>) -> R,
    ) -> R {
        let r = edit(&mut self.watchlist.coins);
        self.coins_replaced(out);
        self.saving_watchlist.ask();
        self.send_saves(out);
        r
    }

    /// `c`: confirms that the ticker the coin at `index` shares with assets
    /// already listed at an exchange's first look is this coin there.
    pub fn confirm_listing(&mut self, index: usize) -> Outcome {
        let mut out = Outcome::default();
        let Some(coin) = self.watchlist.coins.get(index) else {
            return out;
        };
        let name = text::clean(&coin.name).into_owned();
        let confirmed = self.book.confirm(coin);
        let venues = self.book.premarket.confirm(coin);
        if confirmed.is_empty() && venues.is_empty() {
            let msg = format!(
                "nothing to confirm: no exchange or venue listed {name}'s ticker at its first look"
            );
            out.headline(News::One(msg), false);
            return out;
        }
        // Of a venue that is also an exchange, both were confirmed.
        let mut on: Vec<&str> = confirmed.iter().map(|e| e.name()).collect();
        for v in &venues {
            if !on.contains(&v.name()) {
                on.push(v.name());
            }
        }
        let msg = format!("confirmed: {name} is the coin listed on {}", on.join(", "));
        out.headline(News::One(msg.clone()), false);
        out.log(self.now_wall, LogKind::Info, msg);
        out.rows_changed = true;
        self.save_state();
        self.send_saves(&mut out);
        out
    }

    /// Sends again, now, what failed to be saved (a screen's "retry").
    /// Dismisses Discover's row of `ticker`, standing at `status`: hidden
    /// until its status changes, and saved so other instances hide it too.
    pub fn dismiss(&mut self, ticker: &str, status: crate::discover::Kind) -> Outcome {
        let mut out = Outcome::default();
        crate::discover::dismiss(&mut self.book.dismissed, ticker, status, self.now_wall);
        self.save_state();
        out.rows_changed = true;
        out
    }

    pub fn retry_saves(&mut self) -> Outcome {
        let mut out = Outcome::default();
        self.ask_retries();
        self.send_saves(&mut out);
        out
    }

    /// Asks again for what failed to be saved.
    fn ask_retries(&mut self) {
        if self.saving_watchlist.retry() {
            self.saving_watchlist.ask();
        }
        if self.saving_state.retry() {
            self.save_state();
        }
    }

    /// Sends the saves asked for while taking in an input.
    fn send_saves(&mut self, out: &mut Outcome) {
        if self.saving_state.send() {
            out.effects.push(Effect::SaveState(self.state()));
        }
        if self.saving_watchlist.send() {
            out.effects
                .push(Effect::SaveWatchlist(self.watchlist.clone()));
        }
    }

    /// Counts API calls sent, for the month's tally.
    fn count_calls(&mut self, requests: u32, remaining: Option<u64>) {
        if let Some(tally) = self.calls.as_mut() {
            tally.add(requests, self.now_wall);
            tally.remaining = remaining.or(tally.remaining);
        }
    }

    /// Takes in one report from the poller.
    fn on_report(&mut self, report: Report, out: &mut Outcome) {
        if let Report::Done {
            requests,
            remaining,
            ..
        }
        | Report::Failed {
            requests,
            remaining,
            ..
        }
        | Report::Partial {
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
        out.settle = !matches!(report, Report::Started);
        match report {
            Report::Started => poll.in_flight = true,
            Report::Done {
                quotes, next_in, ..
            } => {
                poll.in_flight = false;
                poll.last_ok = Some(self.now_wall);
                poll.last_error = None;
                poll.next_at = Some(now + next_in);
                if let Some(fallback) = poll.fallback.take() {
                    out.log(
                        self.now_wall,
                        LogKind::Info,
                        format!(
                            "CoinGecko answers again: prices from CoinGecko, not {}",
                            fallback.title()
                        ),
                    );
                }
                self.source_answered(COINGECKO, out);
                let ids = self
                    .polling
                    .as_ref()
                    .map(|p| p.ids.clone())
                    .unwrap_or_default();
                self.take_quotes(&ids, &quotes, COINGECKO, out);
            }
            Report::Partial {
                quotes,
                answered,
                error,
                retry_in,
                ..
            } => {
                self.poll_failed(error, retry_in, out);
                self.take_quotes(&answered, &quotes, COINGECKO, out);
            }
            Report::Failed {
                error, retry_in, ..
            } => self.poll_failed(error, retry_in, out),
            Report::Fallback {
                source,
                why,
                quotes,
                answered,
                error,
                next_in,
                coingecko_in,
            } => {
                poll.in_flight = false;
                poll.next_at = Some(now + coingecko_in);
                let state = FallbackState {
                    source,
                    why,
                    last_error: error.clone(),
                };
                let title = state.title();
                if poll.fallback.as_ref().is_none_or(|f| f.why != why) {
                    out.log(
                        self.now_wall,
                        LogKind::Info,
                        format!(
                            "{}: prices from {title} until CoinGecko answers again",
                            why.text()
                        ),
                    );
                }
                poll.fallback = Some(state);
                if let Some(e) = error {
                    out.log(
                        self.now_wall,
                        LogKind::Error,
                        format!(
                            "{title} failed too: {e} (asked again in {})",
                            text::duration(next_in)
                        ),
                    );
                }
                self.take_quotes(&answered, &quotes, source, out);
            }
            Report::Refused { reason, wait } => {
                let msg = match reason {
                    Refusal::RateLimited => format!(
                        "rate limited · the next request may go in {}",
                        text::duration(wait)
                    ),
                    Refusal::Spent => format!(
                        "the month's CoinGecko calls are spent · prices come from {}",
                        poll.fallback
                            .as_ref()
                            .map_or("the fallback", FallbackState::title)
                    ),
                    Refusal::TooSoon => format!(
                        "one manual poll per 5 s · try again in {}",
                        text::duration(wait.max(Duration::from_secs(1)))
                    ),
                };
                out.headline(News::One(msg), false);
            }
        }
    }

    /// Applies what the poll said of `ids` (see [`apply_poll`]): flips told,
    /// alerts checked, the state saved or marked changed.
    fn take_quotes(&mut self, ids: &[String], quotes: &Quotes, source: &str, out: &mut Outcome) {
        let polled = apply_poll(
            &self.watchlist.coins,
            &mut self.listings,
            ids,
            quotes,
            self.now_wall,
        );
        let flips = polled.listed;
        for flip in &flips {
            let msg = flip.message();
            self.flipped.insert(flip.market_id.clone());
            out.headline(News::One(msg.clone()), true);
            out.log(self.now_wall, LogKind::Flip, msg);
        }
        if flips.len() > 1 {
            let msg = format!("{} coins are now trading", flips.len());
            out.headline(News::Many(msg), true);
        }
        if !flips.is_empty() {
            // One pass over the coins for the tickers, however many flipped.
            let tickers: HashMap<&str, &str> = self
                .watchlist
                .coins
                .iter()
                .filter_map(|c| Some((c.market_id.as_deref()?, c.ticker.as_deref()?)))
                .collect();
            let at = self.timestamp();
            let events = flips
                .iter()
                .take(NOTIFY_PER_BATCH)
                .map(|f| {
                    let ticker = tickers.get(f.market_id.as_str()).copied();
                    notify::Event::listed(f, ticker, source, at)
                })
                .collect();
            self.notify(events, flips.len(), out);
        }
        if !flips.is_empty() {
            // A coin CoinGecko prices now needs no DEX price.
            self.tell_dex_tokens(out);
        }
        let alerted = self.check_alerts(source, out);
        if !flips.is_empty() || alerted {
            self.save_state();
        } else if polled.changed {
            // New prices alone: a big list's state file is megabytes,
            // and polls may come every 10 s.
            self.note_unsaved_change();
        }
        out.rows_changed = true;
    }

    /// Tells a failed poll, whose next try is after `retry_in`.
    fn poll_failed(&mut self, error: MarketError, retry_in: Duration, out: &mut Outcome) {
        let msg = format!(
            "poll failed: {error} (retry in {})",
            text::duration(retry_in)
        );
        let why = error.to_string();
        if let Some(poll) = self.polling.as_mut() {
            poll.in_flight = false;
            poll.next_at = Some(self.now + retry_in);
            poll.last_error = Some(error);
        }
        out.log(self.now_wall, LogKind::Error, msg);
        self.source_failed(COINGECKO, &why, out);
    }

    /// Takes in a look at the API key's usage: when the calls the API
    /// counted since the last look exceed every prelist's own count by
    /// more than [`KEY_USAGE_EXCESS`] and [`KEY_USAGE_EXCESS_PCT`], someone
    /// else uses the key, and that is told (`key_usage`).
    fn on_key_usage(
        &mut self,
        remaining: Result<Option<u64>, MarketError>,
        own: Option<u64>,
        out: &mut Outcome,
    ) {
        let remaining = match remaining {
            Ok(Some(remaining)) => remaining,
            // No Pro key: nothing to compare.
            Ok(None) => return,
            Err(e) => {
                let msg = format!("could not read the API key's usage: {e}");
                out.log(self.now_wall, LogKind::Error, msg);
                return;
            }
        };
        let Some(own) = own else {
            return;
        };
        let look = KeyLook {
            remaining,
            own,
            at: self.now_wall,
        };
        let Some(last) = self.key_look.replace(look) else {
            return;
        };
        // A new month between the looks: more left, or the count restarted.
        if remaining > last.remaining || own < last.own {
            return;
        }
        let used = last.remaining - remaining;
        let ours = own - last.own;
        let excess = used.saturating_sub(ours);
        if excess <= KEY_USAGE_EXCESS || excess.saturating_mul(100) <= ours * KEY_USAGE_EXCESS_PCT {
            return;
        }
        let span = Duration::from_secs(u64::try_from(self.now_wall - last.at).unwrap_or(0));
        let event = notify::Event::key_usage(excess, span, self.timestamp());
        out.headline(News::One(event.message.clone()), true);
        out.log(self.now_wall, LogKind::Error, event.message.clone());
        self.notify(vec![event], 1, out);
    }

    /// The names (cleaned, as events carry them) of the coins that trade
    /// already, on any source.
    fn trading_names(&self) -> HashSet<String> {
        let (listings, book) = (&self.listings, &self.book);
        self.watchlist
            .coins
            .iter()
            .filter(|c| crate::listing::trades(c, listings, book))
            .map(|c| text::clean(&c.name).into_owned())
            .collect()
    }

    /// Takes in one look at an exchange's list: listings and announced
    /// openings of watched coins are told as CoinGecko's flips are.
    fn on_exchange(&mut self, look: Look, out: &mut Outcome) {
        let exchange = look.exchange;
        let source = self.sources.entry(exchange).or_default();
        source.next_at = Some(self.now + look.next_in);
        out.settle = true;
        match look.result {
            Ok(mut pairs) => {
                source.last_error = None;
                self.source_answered(exchange.key(), out);
                if exchange == Exchange::Binance {
                    crate::premarket::close_premarket_pairs(&self.book.premarket, &mut pairs);
                }
                let resumed = self.looked.insert(exchange);
                // Coins that trade already: a listing of one is news of
                // where else it trades, not of its listing.
                let trading = self.trading_names();
                let mut events = apply_look(
                    &mut self.book,
                    exchange,
                    &pairs,
                    self.now_wall,
                    &self.watchlist.coins,
                    resumed,
                );
                for e in &mut events {
                    e.also = matches!(e.kind, crate::book::EventKind::Listed { .. })
                        && trading.contains(&e.coin);
                }
                self.announce(&events, out);
                self.tell_new_rows(out);
                if events.is_empty() {
                    // Only the time of the look changed, or pairs nobody
                    // watches: written with the next prices.
                    self.note_unsaved_change();
                } else {
                    self.save_state();
                }
                out.rows_changed = true;
            }
            Err(error) => {
                let msg = format!(
                    "{} look failed: {error} (retry in {})",
                    exchange.name(),
                    text::duration(look.next_in)
                );
                let why = error.to_string();
                source.last_error = Some(error);
                out.log(self.now_wall, LogKind::Error, msg);
                self.source_failed(exchange.key(), &why, out);
            }
        }
    }

    /// Takes in one look at a pre-market venue: its prices, and the first
    /// pre-market price of each watched coin, told once.
    fn on_venue(&mut self, look: VenueLook, out: &mut Outcome) {
        let venue = look.venue;
        // Apart from the exchange of the same name in the outages.
        let source = format!("{}_premarket", venue.key());
        out.settle = true;
        match look.result {
            Ok(offers) => {
                self.source_answered(&source, out);
                let (listings, book) = (&self.listings, &self.book);
                // By coin id: one pass over the coins, whatever their number.
                let ids = |keep: &dyn Fn(&Coin) -> bool| -> HashSet<crate::model::CoinId> {
                    self.watchlist
                        .coins
                        .iter()
                        .filter(|c| keep(c))
                        .map(|c| c.id)
                        .collect()
                };
                let trading = ids(&|c| crate::listing::trades(c, listings, book));
                let spot = ids(&|c| ticker_key(c).is_some_and(|k| book.lists_trading(&k)));
                let coins = &self.watchlist.coins;
                let pm = &mut self.book.premarket;
                let priced = crate::premarket::apply_venue_look(
                    pm,
                    venue,
                    &offers,
                    self.now_wall,
                    coins,
                    |c| trading.contains(&c.id),
                );
                crate::premarket::keep_marks(
                    pm,
                    coins,
                    self.now_wall,
                    |c| trading.contains(&c.id),
                    |c| spot.contains(&c.id),
                );
                let events: Vec<notify::Event> =
                    priced.iter().map(notify::Event::premarket).collect();
                for e in &events {
                    out.headline(News::One(e.message.clone()), true);
                    out.log(self.now_wall, LogKind::Flip, e.message.clone());
                }
                if events.len() > 1 {
                    let msg = format!("{} coins priced before their listing", events.len());
                    out.headline(News::Many(msg), true);
                }
                if !events.is_empty() {
                    let total = events.len();
                    let told = events.into_iter().take(NOTIFY_PER_BATCH).collect();
                    self.notify(told, total, out);
                    self.save_state();
                } else {
                    // The look's time at least changed: written with the
                    // next prices, as an exchange's look is.
                    self.note_unsaved_change();
                }
                self.tell_new_rows(out);
                out.rows_changed = true;
            }
            Err(error) => {
                let msg = format!(
                    "{} pre-market look failed: {error} (retry in {})",
                    venue.name(),
                    text::duration(look.next_in)
                );
                out.log(self.now_wall, LogKind::Error, msg);
                self.source_failed(&source, &error.to_string(), out);
            }
        }
    }

    /// Takes in one look at the DEX source: each watched token's pools, and
    /// the first pool at the threshold of each, told as a listing (or, for a
    /// coin that trades already, as where it trades now too).
    fn on_dex(&mut self, look: DexLook, out: &mut Outcome) {
        let source = crate::dex::SOURCE;
        out.settle = true;
        match look.result {
            Ok(answer) => {
                self.source_answered(source, out);
                let min = self.dex.as_ref().map_or(0.0, |d| d.min_liquidity_usd);
                let trading = self.trading_names();
                let mut listed = crate::dex::apply_dex_look(
                    &mut self.book.dex,
                    &answer.asked,
                    &answer.pools,
                    self.now_wall,
                    min,
                    &self.watchlist.coins,
                );
                for l in &mut listed {
                    l.also = trading.contains(&l.coin);
                    if !l.also
                        && let Some(id) = &l.market_id
                    {
                        self.flipped.insert(id.clone());
                    }
                }
                for l in &listed {
                    out.headline(News::One(l.message()), true);
                    out.log(self.now_wall, LogKind::Flip, l.message());
                }
                if listed.len() > 1 {
                    let msg = format!("{} coins listed on a DEX", listed.len());
                    out.headline(News::Many(msg), true);
                }
                // A token listed here, or by another instance: asked less
                // often from now on.
                self.tell_dex_tokens(out);
                if listed.is_empty() {
                    // The pools' prices and depths: written with the next
                    // prices, as an exchange's look is.
                    self.note_unsaved_change();
                } else {
                    let told = listed
                        .iter()
                        .take(NOTIFY_PER_BATCH)
                        .map(notify::Event::from_dex)
                        .collect();
                    self.notify(told, listed.len(), out);
                    self.save_state();
                }
                out.rows_changed = true;
            }
            Err(error) => {
                let msg = format!(
                    "{} look failed: {error} (retry in {})",
                    crate::dex::NAME,
                    text::duration(look.next_in)
                );
                out.log(self.now_wall, LogKind::Error, msg);
                self.source_failed(source, &error.to_string(), out);
            }
        }
    }

    fn timestamp(&self) -> jiff::Timestamp {
        jiff::Timestamp::from_second(self.now_wall).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
    }

    /// Notes a source failing; once it has failed for
    /// [`SOURCE_DOWN_AFTER`] seconds, that is an event, told once an
    /// outage.
    fn source_failed(&mut self, source: &str, error: &str, out: &mut Outcome) {
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
        let event = notify::Event::source_down(
            source,
            Duration::from_secs(down.unsigned_abs()),
            error,
            self.timestamp(),
        );
        out.log(now, LogKind::Error, event.message.clone());
        self.notify(vec![event], 1, out);
    }

    /// Notes a source answering: an outage that was told is over.
    fn source_answered(&mut self, source: &str, out: &mut Outcome) {
        if let Some(outage) = self.outages.remove(source).filter(|o| o.told) {
            let down = self.now_wall.saturating_sub(outage.since).unsigned_abs();
            out.log(
                self.now_wall,
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
    fn check_alerts(&mut self, source: &str, out: &mut Outcome) -> bool {
        let before = self.alerts.clone();
        let fired = crate::alert::check(
            &self.watchlist.coins,
            &self.listings,
            &mut self.alerts,
            self.now_wall,
        );
        let at = self.timestamp();
        let mut events = Vec::new();
        for f in &fired {
            let coin = notify::CoinRef::of(&self.watchlist.coins[f.index]);
            let mut event =
                notify::Event::alert(coin, f.crossing, f.threshold, f.price, source, at);
            event.crossing = Some(format!("{}:{}", f.threshold, f.armed_since));
            events.push(event);
        }
        // A holding past the portfolio's rule is told as an alert is: once
        // per crossing, its mark in the same memo.
        if let Some(portfolio) = &self.portfolio {
            let over = crate::position::check_overweight(
                &self.watchlist.coins,
                &self.listings,
                portfolio,
                &mut self.alerts,
                self.now_wall,
            );
            for o in &over {
                let coin = notify::CoinRef::of(&self.watchlist.coins[o.index]);
                let mut event = notify::Event::overweight(coin, &o.position, source, at);
                event.crossing = Some(format!(
                    "{}:{}",
                    portfolio.max_position_pct.normalize(),
                    o.armed_since
                ));
                events.push(event);
            }
        }
        for event in &events {
            out.headline(News::One(event.message.clone()), true);
            out.log(self.now_wall, LogKind::Flip, event.message.clone());
        }
        let total = events.len();
        if total > 1 {
            out.headline(News::Many(format!("{total} alerts")), true);
        }
        if total > 0 {
            events.truncate(NOTIFY_PER_BATCH);
            self.notify(events, total, out);
        }
        self.alerts != before
    }

    /// Sends `events` (the first of `total`) to the `[notify]` channels, and
    /// says in the log how many more were not sent. An event another
    /// instance may see too is claimed in the state file first, and told
    /// once the claim is written (see [`told`]); one told already is not
    /// told again.
    fn notify(&mut self, events: Vec<notify::Event>, total: usize, out: &mut Outcome) {
        let more = total.saturating_sub(events.len());
        let mut now = Vec::new();
        let mut claimed = false;
        for event in events {
            match event.claim_key() {
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
            out.effects.push(Effect::Notify(now));
        }
        if claimed {
            self.save_state();
        }
        if more > 0 {
            out.log(
                self.now_wall,
                LogKind::Info,
                format!(
                    "{more} more events were not sent to the notification channels \
                     (at most {NOTIFY_PER_BATCH} at once)"
                ),
            );
        }
    }

    /// Tells exchange events: the status line, the log, the notification.
    fn announce(&mut self, events: &[Event], out: &mut Outcome) {
        for event in events {
            let msg = event.message();
            if let Some(id) = &event.market_id {
                self.flipped.insert(id.clone());
            }
            out.headline(News::One(msg.clone()), true);
            out.log(self.now_wall, LogKind::Flip, msg);
        }
        if events.len() > 1 {
            let msg = format!("{} listings and openings", events.len());
            out.headline(News::Many(msg), true);
        }
        if !events.is_empty() {
            let told = events
                .iter()
                .take(NOTIFY_PER_BATCH)
                .map(notify::Event::from_exchange)
                .collect();
            self.notify(told, events.len(), out);
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

    /// Asks for the state file to be written, as it stands once this input
    /// is taken in: one save however many changes it made.
    fn save_state(&mut self) {
        self.prices_unsaved = false;
        self.state_saved_at = self.now_wall;
        self.saving_state.ask();
    }

    /// Takes in the outcome of a state save. What was written may hold
    /// another instance's flips; listings that changed here meanwhile are
    /// merged with it and saved again.
    fn on_state_saved(&mut self, sent: State, result: Result<State, String>, out: &mut Outcome) {
        self.settle_claims(&sent, result.as_ref().ok(), out);
        let error = match result {
            Ok(written) => {
                // Compared in place: at 20,000 coins a copy of the state
                // is megabytes, and most saves see nothing change meanwhile.
                let unchanged = same_listings(&self.listings, &sent.listings)
                    && self.book == sent.book
                    && self.told == sent.told
                    && self.alerts == sent.alerts;
                let current = if unchanged {
                    written
                } else {
                    let current = merge_state(&self.state(), &written);
                    if current != written {
                        self.saving_state.again();
                    }
                    current
                };
                self.take_state(current, out);
                None
            }
            Err(e) => {
                out.error(
                    self.now_wall,
                    format!("could not save state: {e} (trying again in {STATE_RETRY_GAP} s)"),
                );
                Some(e)
            }
        };
        if self.saving_state.done(error, self.now_wall) {
            self.save_state();
        }
    }

    /// Makes `state` (ours merged with what another instance wrote) the
    /// watcher's own.
    fn take_state(&mut self, state: State, out: &mut Outcome) {
        if state.book != self.book || !same_listings(&state.listings, &self.listings) {
            out.rows_changed = true;
        }
        self.book = state.book;
        self.told = state.told;
        // Another instance's fired alerts are not told again here.
        self.alerts = state.alerts;
        self.listings = state.listings;
        self.based_on = state.based_on;
    }

    /// Tells the events whose claims went out in `sent` and came back as
    /// this instance's in `written`. Those another instance claimed first
    /// were told there. If the save failed, they are told anyway: a full
    /// disk must not keep a listing from the user.
    fn settle_claims(&mut self, sent: &State, written: Option<&State>, out: &mut Outcome) {
        let (settled, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.unclaimed)
            .into_iter()
            .partition(|(key, _)| sent.told.contains_key(key));
        self.unclaimed = waiting;
        let mut tell = Vec::new();
        for (key, event) in settled {
            let by = written.map(|w| w.told.get(&key).map(|c| c.by));
            match by {
                Some(Some(by)) if by != self.instance => out.log(
                    self.now_wall,
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
            out.effects.push(Effect::Notify(tell));
        }
    }

    /// Takes in the state file as another instance left it: its listings
    /// show here (highlighted, and in the log), its claims are kept.
    fn on_state_loaded(&mut self, disk: State, out: &mut Outcome) {
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
                let name = text::clean(names.get(&**id)?).into_owned();
                let msg = format!(
                    "{name} is now trading at {} (recorded by another prelist)",
                    text::price(l.first_price)
                );
                Some((l.listed_at, id.to_string(), msg))
            })
            .collect();
        news.sort();
        for (_, id, msg) in &news {
            self.flipped.insert(id.clone());
            out.headline(News::One(msg.clone()), true);
            out.log(self.now_wall, LogKind::Flip, msg.clone());
        }
        if news.len() > 1 {
            let msg = format!("{} coins are now trading", news.len());
            out.headline(News::Many(msg), true);
        }
        self.take_state(merged, out);
    }

    /// Takes in the outcome of a watchlist save: another instance's changes
    /// merged in, and coins both changed. Coins changed here while the save
    /// was in flight are merged over what was written, and saved again.
    fn on_watchlist_saved(
        &mut self,
        sent: Watchlist,
        result: Result<Saved, String>,
        out: &mut Outcome,
    ) {
        let error = match result {
            Ok(saved) => {
                if let Some(written) = saved.merged {
                    if self.watchlist.coins == sent.coins {
                        self.replace_coins(written, out);
                    } else {
                        let m = merge3(&sent.coins, &self.watchlist.coins, &written);
                        self.replace_coins(m.coins, out);
                        self.saving_watchlist.again();
                    }
                    out.headline(
                        News::One("merged with changes made in another window".into()),
                        false,
                    );
                }
                if !saved.conflicts.is_empty() {
                    let names: Vec<String> = saved
                        .conflicts
                        .iter()
                        .map(|n| text::clean(n).into_owned())
                        .collect();
                    let msg = format!(
                        "changed in another window too, both versions kept: {}",
                        names.join(", ")
                    );
                    out.headline(News::One(msg), false);
                }
                None
            }
            Err(e) => {
                out.error(self.now_wall, format!("watchlist not saved: {e}"));
                Some(e)
            }
        };
        if self.saving_watchlist.done(error, self.now_wall) {
            self.saving_watchlist.ask();
        }
    }

    /// Replaces the coins with those merged from disk. A coin of the same
    /// name as one of ours is the same coin: it keeps our id, so a screen's
    /// selection, an open form or lookup and undo still find it.
    fn replace_coins(&mut self, mut coins: Vec<Coin>, out: &mut Outcome) {
        let ours: HashMap<String, crate::model::CoinId> = self
            .watchlist
            .coins
            .iter()
            .map(|c| (c.key(), c.id))
            .collect();
        for c in &mut coins {
            c.id = ours.get(&c.key()).copied().unwrap_or(c.id);
        }
        self.watchlist.coins = coins;
        self.coins_replaced(out);
    }

    /// After any change to the coins: tell the poller which ids to ask for.
    fn coins_replaced(&mut self, out: &mut Outcome) {
        out.coins_changed = true;
        out.rows_changed = true;
        let ids = self.market_ids();
        if let Some(poll) = self.polling.as_mut()
            && poll.ids != ids
        {
            poll.ids = ids.clone();
            out.effects.push(Effect::Poll(Command::SetIds(ids)));
        }
        self.tell_dex_tokens(out);
    }

    /// Tells the DEX source the tokens to ask about, when they changed: a
    /// coin's contracts, or a token that listed.
    fn tell_dex_tokens(&mut self, out: &mut Outcome) {
        if self.dex.is_none() {
            return;
        }
        let tokens = self.dex_tokens();
        if let Some(dex) = self.dex.as_mut()
            && dex.tokens != tokens
        {
            dex.tokens = tokens.clone();
            out.effects.push(Effect::DexTokens(tokens));
        }
    }
}

/// Whatever a loop drives: the watcher alone (`prelist watch`, `check`) or
/// a screen around it. Every loop hands each message to the runner's one
/// step, which passes every effect on: none can be dropped.
pub trait Machine {
    type Msg: From<Input>;

    /// Takes in one message; returns the I/O it calls for.
    #[must_use = "every effect must reach the runner"]
    fn update(&mut self, msg: Self::Msg) -> Vec<Effect>;

    /// Whether a save is in flight or due: the loop waits for it at the end.
    fn saves_pending(&self) -> bool;
}

impl Machine for Watcher {
    type Msg = Input;

    fn update(&mut self, msg: Input) -> Vec<Effect> {
        Watcher::update(self, msg).effects
    }

    fn saves_pending(&self) -> bool {
        Watcher::saves_pending(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::Quote;

    #[test]
    fn a_partial_answer_counts_for_the_ids_it_answered_alone() {
        let watchlist = Watchlist::builtin();
        let mut w = Watcher::new(watchlist, Listings::new());
        let ids = w.market_ids();
        let (first, second) = (ids[0].clone(), ids[1].clone());
        w.poll_ids(ids);
        let priced = |id: &str| {
            let quote = Quote {
                price_usd: crate::types::Usd::new(1.0),
                ..Quote::default()
            };
            Quotes::from([(id.to_string(), quote)])
        };
        let all = Report::Done {
            quotes: priced(&second),
            next_in: Duration::from_secs(60),
            requests: 1,
            remaining: None,
        };
        let _ = w.update(Input::Poll(all));
        let partial = Report::Partial {
            quotes: priced(&first),
            answered: vec![first.clone()],
            error: MarketError::Status { status: 500 },
            retry_in: Duration::from_secs(60),
            requests: 2,
            remaining: None,
        };
        let _ = w.update(Input::Poll(partial));
        assert!(
            w.listings().contains_key(first.as_str()),
            "the answered chunk flips"
        );
        assert!(
            !w.listings()[second.as_str()].stale,
            "an id the failed chunk held is not taken as unpriced"
        );
        let poll = w.polling().unwrap();
        assert_eq!(poll.last_error, Some(MarketError::Status { status: 500 }));
    }
}
