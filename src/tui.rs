//! The terminal: set up, restored on every way out, and the event loop that
//! turns input into actions and redraws only when something changed.

use std::collections::VecDeque;
use std::io::{self, Stdout, Write, stdout};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event,
    EventStream,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::app::{App, Effect, LogKind};
use crate::keymap;
use crate::market::poller::{self, Command, Report};
use crate::market::{Candidate, MarketError, MarketProvider};
use crate::store::{self, WatchlistStore};
use crate::ui;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Raw mode, alternate screen, mouse and paste reporting; and a panic hook
/// that puts the terminal back before the panic message is printed.
pub fn init() -> io::Result<Term> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
    enable_raw_mode()?;
    let mut out = stdout();
    if let Err(e) = execute!(
        out,
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste
    ) {
        restore();
        return Err(e);
    }
    Terminal::new(CrosstermBackend::new(out))
}

/// Leaves the terminal as it was: main screen, cursor shown, cooked mode.
/// Safe to call more than once.
pub fn restore() {
    let _ = execute!(
        stdout(),
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
}

/// What the screen works with besides the app: the market API (for polls
/// and lookups), whether to poll, and the files it writes.
pub struct Session<P> {
    /// The API client, or why there is none (a bad URL, a key over http).
    pub provider: Result<Arc<P>, String>,
    /// `Some(interval)` to poll.
    pub poll: Option<Duration>,
    pub state_path: PathBuf,
    pub watchlist: WatchlistStore,
}

/// A lookup's query and the API's answer.
type LookupAnswer = (String, Result<Vec<Candidate>, MarketError>);

/// Runs the app until the user quits or a signal asks it to stop. When
/// polling, a poller task runs beside it and its reports flow into the app.
pub async fn run<P: MarketProvider>(mut app: App, session: Session<P>) -> io::Result<()> {
    // The poller's channels; without polling the receiver simply never yields.
    let (cmd_tx, cmd_rx) = mpsc::channel(8);
    let (report_tx, mut reports) = mpsc::channel(16);
    let (lookup_tx, mut lookups) = mpsc::channel(4);
    let polling = match (&session.provider, session.poll) {
        (Ok(provider), Some(interval)) => {
            app.enable_polling();
            let ids = app.market_ids();
            tokio::spawn(poller::run(
                Arc::clone(provider),
                ids,
                interval,
                cmd_rx,
                report_tx,
            ));
            true
        }
        _ => false,
    };
    let mut terminal = init()?;
    let mut io = LoopIo {
        commands: cmd_tx,
        lookups: lookup_tx,
        provider: session.provider,
        state_path: session.state_path,
        watchlist: session.watchlist,
    };
    let result = event_loop(
        &mut terminal,
        &mut app,
        &mut reports,
        &mut lookups,
        polling,
        &mut io,
    )
    .await;
    restore();
    result
}

/// The main loop's own I/O, run for the effects `update` returns.
struct LoopIo<P> {
    commands: mpsc::Sender<Command>,
    lookups: mpsc::Sender<LookupAnswer>,
    provider: Result<Arc<P>, String>,
    state_path: PathBuf,
    watchlist: WatchlistStore,
}

impl<P: MarketProvider> LoopIo<P> {
    fn run(&mut self, terminal: &mut Term, app: &mut App, effects: Vec<Effect>) {
        let mut queue: VecDeque<Effect> = effects.into();
        while let Some(effect) = queue.pop_front() {
            match effect {
                Effect::Poll(Command::PollNow) => {
                    // Full means a poll is already queued; one is enough.
                    let _ = self.commands.try_send(Command::PollNow);
                }
                Effect::Poll(cmd) => {
                    let tx = self.commands.clone();
                    tokio::spawn(async move { tx.send(cmd).await });
                }
                Effect::SaveState => {
                    match store::save_state_merged(&self.state_path, &app.listings) {
                        Ok(merged) => app.set_listings(merged),
                        Err(e) => {
                            queue.extend(app.report_error(format!("could not save state: {e}")));
                        }
                    }
                }
                Effect::SaveWatchlist => match self.watchlist.save(&app.watchlist) {
                    Ok(saved) => app.on_saved(saved),
                    Err(e) => {
                        queue.extend(app.report_error(format!("watchlist not saved: {e}")));
                    }
                },
                Effect::Lookup(query) => match &self.provider {
                    Ok(provider) => {
                        let (provider, tx) = (Arc::clone(provider), self.lookups.clone());
                        tokio::spawn(async move {
                            let answer = provider.search(&query).await;
                            let _ = tx.send((query, answer)).await;
                        });
                    }
                    Err(why) => app.on_lookup(&query, Err(MarketError::Unavailable(why.clone()))),
                },
                Effect::Bell => {
                    let out = terminal.backend_mut();
                    let _ = out.write_all(b"\x07").and_then(|_| out.flush());
                }
                Effect::Log(entry) => match entry.kind {
                    LogKind::Error => tracing::warn!("{}", entry.text),
                    LogKind::Flip | LogKind::Info => tracing::info!("{}", entry.text),
                },
            }
            queue.extend(app.take_effects());
        }
    }
}

fn wall_now() -> i64 {
    jiff::Timestamp::now().as_second()
}

async fn event_loop<P: MarketProvider>(
    terminal: &mut Term,
    app: &mut App,
    reports: &mut mpsc::Receiver<Report>,
    lookups: &mut mpsc::Receiver<LookupAnswer>,
    polling: bool,
    io: &mut LoopIo<P>,
) -> io::Result<()> {
    let mut events = EventStream::new();
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    // The countdown in the status line: a tick a second, only while polling,
    // and a redraw only when the text it shows has changed.
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    app.set_clock(Instant::now(), wall_now());
    draw(terminal, app)?;
    loop {
        let before = clock_text(app);
        let dirty = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(ev)) => {
                    app.set_clock(Instant::now(), wall_now());
                    match keymap::action_for_event(app, &ev) {
                        Some(action) => {
                            let effects = app.update(action);
                            io.run(terminal, app, effects);
                            true
                        }
                        None => matches!(ev, Event::Resize(..)),
                    }
                }
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            },
            Some(report) = reports.recv(), if polling => {
                app.set_clock(Instant::now(), wall_now());
                let effects = app.on_report(report);
                io.run(terminal, app, effects);
                true
            }
            Some((query, answer)) = lookups.recv() => {
                app.on_lookup(&query, answer);
                true
            }
            _ = ticker.tick(), if polling => {
                app.set_clock(Instant::now(), wall_now());
                clock_text(app) != before
            }
            _ = sigterm.recv() => return Ok(()),
            _ = sighup.recv() => return Ok(()),
            _ = sigint.recv() => return Ok(()),
        };
        if app.quit {
            return Ok(());
        }
        if dirty {
            draw(terminal, app)?;
        }
    }
}

/// Everything on screen that changes with the clock alone: the poll
/// countdown, and (for stale prices) the minute.
fn clock_text(app: &App) -> (Option<String>, i64) {
    (ui::poll_text(app), app.now_wall / 60)
}

fn draw(terminal: &mut Term, app: &mut App) -> io::Result<()> {
    let mut viewport = None;
    terminal.draw(|frame| viewport = Some(ui::draw(frame, app)))?;
    if let Some(vp) = viewport {
        app.viewport = vp;
    }
    Ok(())
}
