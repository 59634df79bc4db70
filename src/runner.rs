//! Runs the effects an update returns, off the loop's task, and sends what
//! they learn back as an [`Input`]: saves run on a blocking thread one after
//! another, lookups and poll reports arrive over the same channel as their
//! answers. Every loop (the screen, `prelist watch`, `check`, the wait at
//! the end) takes each message through [`Runner::step`], so no effect is
//! ever dropped. Nothing here holds app state or needs a terminal, so tests
//! drive it as the loops do.

use crate::blocking::blocking;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::fs;
use crate::market::defillama::DefiLlama;
use crate::market::poller::{self, Command};
use crate::market::{MarketError, MarketProvider};
use crate::model::Watchlist;
use crate::notify::Notifier;
use crate::sources::{ExchangeSource, watch};
use crate::state::State;
use crate::store::{StateStore, WatchlistStore};
use crate::watcher::{Effect, Input, LogKind, Machine};

/// How long queued notifications may take to go out when the app closes.
pub const NOTIFY_GRACE: Duration = Duration::from_secs(5);

/// How often the state file is looked at for what another instance (a
/// screen, `prelist watch`, `check`) wrote: one `stat`, and a read only
/// when it changed.
pub const STATE_LOOK_EVERY: Duration = Duration::from_secs(10);

/// A file write for the saver task.
enum Save {
    State(State),
    Watchlist(Watchlist),
}

/// How often the API key's usage is looked at (with a Pro key).
pub const KEY_LOOK_EVERY: Duration = Duration::from_secs(3600);

/// Where messages for the app go: the main loop's single inbox.
pub type Inbox = mpsc::UnboundedSender<Input>;

pub struct Runner<P> {
    inbox: Inbox,
    provider: Result<Arc<P>, String>,
    /// The poller's command channel, once it is started.
    poller: Option<mpsc::Sender<Command>>,
    /// Asked while CoinGecko is unusable (`[poll] fallback`).
    fallback: Option<Arc<DefiLlama>>,
    /// The hourly look at the key's usage, once started.
    key_watch: Option<JoinHandle<()>>,
    /// The exchanges' loops (and the venues', the DEX source's), once
    /// started.
    exchanges: Vec<JoinHandle<()>>,
    /// The DEX source's client, told of the tokens to ask about.
    dex: Option<Arc<crate::sources::dex::DexClient>>,
    saves: mpsc::UnboundedSender<Save>,
    saver: JoinHandle<()>,
    /// The terminal, where notifications (or the bell) are written.
    out: Box<dyn Write + Send>,
    /// The channels of `[notify]`; without one, events ring the bell.
    notifier: Option<Notifier>,
    /// Where events and log lines are printed besides the log file.
    output: Output,
    /// Where the state is kept.
    state: Arc<dyn StateStore>,
    /// The machine was told to shut down.
    shut_down: bool,
}

/// Where a runner prints what its machine tells, besides the log file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Output {
    /// A screen: the terminal's notification (or its bell) for the first
    /// event of a batch; log lines go to the log file alone.
    Screen,
    /// `prelist watch`: each event as a line on `out`; errors and notes on
    /// stderr.
    Lines(Lines),
    /// `prelist check`: events go to `[notify]`'s channels alone, and every
    /// log line to stderr.
    Stderr,
}

/// How `prelist watch` prints an event on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// "2026-11-28T10:00:00Z listed Nillion is now trading at $0.6132"
    Text,
    /// The event's JSON form.
    Json,
}

impl Lines {
    /// One event as its line, without the newline.
    pub fn line(self, event: &crate::notify::Event) -> String {
        match self {
            Lines::Json => event.to_json(),
            Lines::Text => format!("{} {} {}", event.at, event.event, event.message),
        }
    }
}

impl<P: MarketProvider> Runner<P> {
    /// A runner for the state kept in `state` and the `watchlist` file,
    /// sending its results to `inbox`. Must be called inside a tokio runtime.
    pub fn new(
        provider: Result<Arc<P>, String>,
        state: Arc<dyn StateStore>,
        watchlist: WatchlistStore,
        inbox: Inbox,
        out: Box<dyn Write + Send>,
    ) -> Runner<P> {
        let (saves, jobs) = mpsc::unbounded_channel();
        let saver = tokio::spawn(saver(jobs, Arc::clone(&state), watchlist, inbox.clone()));
        Runner {
            inbox,
            provider,
            poller: None,
            fallback: None,
            key_watch: None,
            exchanges: Vec::new(),
            dex: None,
            saves,
            saver,
            out,
            notifier: None,
            output: Output::Screen,
            state,
            shut_down: false,
        }
    }

    /// Asks `fallback` for prices while CoinGecko is unusable, from the
    /// poller started next.
    pub fn set_fallback(&mut self, fallback: DefiLlama) {
        self.fallback = Some(Arc::new(fallback));
    }

    /// Prints each event told as a line on `out` (instead of the
    /// terminal's notification).
    pub fn print_events(&mut self, lines: Lines) {
        self.output = Output::Lines(lines);
    }

    /// Prints every log line on stderr, and events nowhere but through the
    /// notifier (`prelist check`, whose stdout is a table).
    pub fn log_to_stderr(&mut self) {
        self.output = Output::Stderr;
    }

    /// Looks at the state every `every` for another instance's changes;
    /// what it holds then comes in as [`Input::StateLoaded`]. With
    /// `watchlist` (for `prelist watch`, which never edits it), that file
    /// too: its coins come in as [`Input::WatchlistLoaded`].
    pub fn watch_files(&self, every: Duration, watchlist: Option<PathBuf>) {
        let (state, inbox) = (Arc::clone(&self.state), self.inbox.clone());
        let mut list = watchlist.map(|p| {
            let stamp = fs::stamp(&p);
            (p, stamp)
        });
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                let mut msgs = Vec::new();
                if let Some((p, last)) = list.as_mut() {
                    let now = fs::stamp(p);
                    if now != *last {
                        *last = now;
                        let p = p.clone();
                        match blocking(move || crate::model::Watchlist::load(&p)).await {
                            Ok(w) => msgs.push(Input::WatchlistLoaded(w)),
                            Err(e) => {
                                tracing::warn!("the watchlist changed but cannot be read: {e}")
                            }
                        }
                    }
                }
                // The look is one `stat`, made here; a read goes to the
                // blocking pool, and only when another instance wrote.
                if state.changed() {
                    let state = Arc::clone(&state);
                    match blocking(move || state.load()).await {
                        Ok(state) => msgs.push(Input::StateLoaded(state)),
                        // Said once per change; the next write may mend it.
                        Err(e) => tracing::warn!("the state changed but cannot be read: {e}"),
                    }
                }
                for msg in msgs {
                    if inbox.send(msg).is_err() {
                        return;
                    }
                }
            }
        });
    }

    /// Sends events through these channels from now on.
    pub fn set_notifier(&mut self, notifier: Notifier) {
        self.notifier = Some(notifier);
    }

    /// Starts polling `ids` every `interval`; the poller's reports come in as
    /// [`Input::Poll`]. Returns false (and starts nothing) without a client.
    pub fn start_poller(&mut self, ids: Vec<String>, interval: Duration) -> bool {
        let Ok(provider) = &self.provider else {
            return false;
        };
        let (commands, command_rx) = mpsc::channel(8);
        let (report_tx, mut reports) = mpsc::channel(16);
        tokio::spawn(poller::run(
            Arc::clone(provider),
            self.fallback.clone(),
            ids,
            interval,
            command_rx,
            report_tx,
        ));
        let inbox = self.inbox.clone();
        tokio::spawn(async move {
            while let Some(report) = reports.recv().await {
                if inbox.send(Input::Poll(report)).is_err() {
                    return;
                }
            }
        });
        self.poller = Some(commands);
        true
    }

    /// Looks at the API key's usage now and every `every` after, each look
    /// coming in as [`Input::KeyUsage`]; with no Pro key, the first look
    /// says so and the loop ends.
    pub fn start_key_watch(&mut self, every: Duration) {
        let Ok(provider) = &self.provider else {
            return;
        };
        let provider = Arc::clone(provider);
        let inbox = self.inbox.clone();
        self.key_watch = Some(tokio::spawn(async move {
            loop {
                let remaining = provider.key_remaining().await;
                if matches!(remaining, Ok(None)) {
                    return;
                }
                // The count is read from the state database: off the loop.
                let counter = Arc::clone(&provider);
                let own_calls = tokio::task::spawn_blocking(move || counter.month_calls())
                    .await
                    .ok()
                    .flatten();
                if inbox
                    .send(Input::KeyUsage {
                        remaining,
                        own_calls,
                    })
                    .is_err()
                {
                    return;
                }
                tokio::time::sleep(every).await;
            }
        }));
    }

    /// Starts a loop for each exchange's list, each looking every
    /// `interval` with its own backoff; their looks come in as
    /// [`Input::Exchange`].
    pub fn start_exchanges<S: ExchangeSource>(&mut self, sources: Vec<Arc<S>>, interval: Duration) {
        for source in sources {
            let inbox = self.inbox.clone();
            self.exchanges
                .push(tokio::spawn(watch::run(source, interval, move |look| {
                    inbox.send(Input::Exchange(look)).is_ok()
                })));
        }
    }

    /// Starts a loop for each pre-market venue, each looking every
    /// `interval` with its own backoff; their looks come in as
    /// [`Input::Venue`].
    pub fn start_venues(
        &mut self,
        clients: Vec<Arc<crate::sources::premarket::client::VenueClient>>,
        interval: Duration,
    ) {
        for client in clients {
            let inbox = self.inbox.clone();
            self.exchanges
                .push(tokio::spawn(crate::sources::premarket::run(
                    client,
                    interval,
                    move |look| inbox.send(Input::Venue(look)).is_ok(),
                )));
        }
    }

    /// Starts the DEX source's loop, looking every `interval` at the tokens
    /// `tokens` (see [`crate::watcher::Watcher::watch_dex`]) and those
    /// [`Effect::DexTokens`] names later; its looks come in as
    /// [`Input::Dex`].
    pub fn start_dex(
        &mut self,
        client: Arc<crate::sources::dex::DexClient>,
        tokens: Vec<crate::dex::Watched>,
        interval: Duration,
    ) {
        client.set_tokens(tokens);
        self.dex = Some(Arc::clone(&client));
        let inbox = self.inbox.clone();
        self.exchanges.push(tokio::spawn(crate::sources::dex::run(
            client,
            interval,
            move |look| inbox.send(Input::Dex(look)).is_ok(),
        )));
    }

    /// Stops the poller (it ends at its next look at the command channel,
    /// with no request sent after this) and the exchanges' loops.
    pub fn stop_poller(&mut self) {
        self.poller = None;
        if let Some(task) = self.key_watch.take() {
            task.abort();
        }
        for task in self.exchanges.drain(..) {
            task.abort();
        }
    }

    /// The one step of every loop: `msg` goes to `machine`, and every
    /// effect its update returns is run.
    pub fn step<M: Machine>(&mut self, machine: &mut M, msg: impl Into<M::Msg>) {
        let effects = machine.update(msg.into());
        self.run(effects);
    }

    fn run(&mut self, effects: Vec<Effect>) {
        for effect in effects {
            self.run_one(effect);
        }
    }

    fn run_one(&mut self, effect: Effect) {
        match effect {
            Effect::Poll(cmd) => {
                let Some(commands) = &self.poller else { return };
                match cmd {
                    // Full means a poll is already queued; one is enough.
                    Command::PollNow => {
                        let _ = commands.try_send(Command::PollNow);
                    }
                    cmd => {
                        let tx = commands.clone();
                        tokio::spawn(async move { tx.send(cmd).await });
                    }
                }
            }
            Effect::DexTokens(tokens) => {
                if let Some(dex) = &self.dex {
                    dex.set_tokens(tokens);
                }
            }
            Effect::SaveState(state) => self.save(Save::State(state)),
            Effect::SaveWatchlist(watchlist) => self.save(Save::Watchlist(watchlist)),
            Effect::Lookup(query) => {
                let inbox = self.inbox.clone();
                match &self.provider {
                    Ok(provider) => {
                        let provider = Arc::clone(provider);
                        tokio::spawn(async move {
                            let result = provider.search(&query).await;
                            let _ = inbox.send(Input::Lookup { query, result });
                        });
                    }
                    Err(why) => {
                        let result = Err(MarketError::Unavailable(why.clone()));
                        let _ = inbox.send(Input::Lookup { query, result });
                    }
                }
            }
            Effect::Notify(events) => {
                // Every event goes to the command and the webhook. On a
                // screen the terminal shows the first of a batch, not a
                // storm (or rings the bell without channels); without one
                // (`watch`), stdout carries each event's line instead.
                let mut out = Vec::new();
                for (i, event) in events.iter().enumerate() {
                    let terminal = match &self.notifier {
                        Some(notifier) => notifier.notify(event),
                        None => b"\x07".to_vec(),
                    };
                    match self.output {
                        Output::Lines(lines) => {
                            out.extend_from_slice(lines.line(event).as_bytes());
                            out.push(b'\n');
                        }
                        Output::Screen if i == 0 => out = terminal,
                        Output::Screen | Output::Stderr => {}
                    }
                }
                if !out.is_empty() {
                    let _ = self.out.write_all(&out).and_then(|_| self.out.flush());
                }
            }
            Effect::Log(entry) => {
                match entry.kind {
                    LogKind::Error => tracing::warn!("{}", entry.text),
                    LogKind::Flip | LogKind::Info => tracing::info!("{}", entry.text),
                }
                // Without a screen, errors and notes go to stderr; `watch`
                // has its events on stdout already, `check` says them here.
                let line = match (self.output, entry.kind) {
                    (Output::Screen, _) | (Output::Lines(_), LogKind::Flip) => None,
                    (Output::Stderr, LogKind::Flip) => Some(crate::text::clean(&entry.text)),
                    _ => Some(format!("prelist: {}", crate::text::clean(&entry.text)).into()),
                };
                if let Some(line) = line {
                    let _ = writeln!(std::io::stderr().lock(), "{line}");
                }
            }
        }
    }

    fn save(&self, job: Save) {
        // The saver lives as long as the runner; if it panicked, say so
        // through the save's own answer rather than losing it silently.
        if let Err(mpsc::error::SendError(job)) = self.saves.send(job) {
            let why = "the saving task stopped".to_string();
            let _ = self.inbox.send(match job {
                Save::State(sent) => Input::StateSaved {
                    sent,
                    result: Err(why),
                },
                Save::Watchlist(sent) => Input::WatchlistSaved {
                    sent,
                    result: Err(why),
                },
            });
        }
    }

    /// Tells `machine` to shut down (what waits to be written is sent) and
    /// stops the poller; once, however often it is called.
    pub fn shut_down<M: Machine>(&mut self, machine: &mut M) {
        if !std::mem::replace(&mut self.shut_down, true) {
            self.step(machine, Input::Shutdown);
        }
        self.stop_poller();
    }

    /// Closes down: `machine` is told to shut down (what waits to be written
    /// is sent), the poller stops, and the saves it still waits for are seen
    /// through (a save that merged may ask for one more), feeding their
    /// results to `machine` so it knows what was kept. Other messages are
    /// dropped.
    pub async fn finish<M: Machine>(
        mut self,
        machine: &mut M,
        msgs: &mut mpsc::UnboundedReceiver<Input>,
    ) -> Finished {
        self.shut_down(machine);
        let mut saver_ended = false;
        while machine.saves_pending() {
            tokio::select! {
                msg = msgs.recv() => match msg {
                    Some(msg @ (Input::StateSaved { .. } | Input::WatchlistSaved { .. })) => {
                        self.step(machine, msg);
                    }
                    Some(_) => {}
                    None => break,
                },
                // While the runner lives the saver ends only if a save
                // panicked: no answer will come.
                _ = &mut self.saver => {
                    saver_ended = true;
                    break;
                }
            }
        }
        drop(self.saves);
        if !saver_ended {
            let _ = self.saver.await;
        }
        // Queued notifications get a few seconds to go out; the rest wait
        // in the outbox for the next instance.
        let kept = match self.notifier {
            Some(notifier) => notifier.shutdown(NOTIFY_GRACE).await.kept,
            None => 0,
        };
        if kept > 0 {
            tracing::warn!("{}", Finished { kept }.kept_note().unwrap_or_default());
        }
        Finished { kept }
    }
}

/// How [`Runner::finish`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub struct Finished {
    /// Events for the webhook or the command kept in the outbox, for the
    /// next instance to deliver.
    pub kept: usize,
}

impl Finished {
    /// What a stop with events kept says, on stderr and in the log.
    pub fn kept_note(&self) -> Option<String> {
        (self.kept > 0).then(|| {
            format!(
                "{} notification{} not yet delivered {} kept for the next prelist to send",
                self.kept,
                if self.kept == 1 { "" } else { "s" },
                if self.kept == 1 { "is" } else { "are" }
            )
        })
    }
}

/// Writes files one at a time, on a blocking thread so the screen stays
/// responsive however slow the disk, and reports each outcome.
async fn saver(
    mut jobs: mpsc::UnboundedReceiver<Save>,
    state: Arc<dyn StateStore>,
    store: WatchlistStore,
    inbox: Inbox,
) {
    let mut store = store;
    while let Some(job) = jobs.recv().await {
        let msg = match job {
            Save::State(sent) => {
                let state = Arc::clone(&state);
                let (sent, result) = blocking(move || {
                    let result = state.save(&sent).map_err(|e| e.to_string());
                    (sent, result)
                })
                .await;
                Input::StateSaved { sent, result }
            }
            Save::Watchlist(sent) => {
                let (st, sent, result) = blocking(move || {
                    let result = store.save(&sent);
                    (store, sent, result)
                })
                .await;
                store = st;
                Input::WatchlistSaved { sent, result }
            }
        };
        // Nobody may listen any more (the app is closing): the remaining
        // writes still happen.
        let _ = inbox.send(msg);
    }
}
