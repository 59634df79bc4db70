//! The terminal: set up, restored on every way out, and the event loop that
//! turns input into actions and redraws only when something changed.

use std::io::{self, Stdout, stdout};
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::app::{App, Msg};
use crate::market::MarketProvider;
use crate::notify::{Notifier, NotifyConfig, terminal_env};
use crate::runner::{Runner, STATE_LOOK_EVERY};
use crate::sources::ExchangeSource;
use crate::store::WatchlistStore;
use crate::ui;
use crate::ui::theme::Palette;
use crate::watcher::Input;

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
/// The DEX source as a screen watches it: its client, the time between two
/// looks, and the liquidity a pool needs to be a listing.
pub struct DexSession {
    pub client: Arc<crate::sources::dex::DexClient>,
    pub interval: Duration,
    pub min_liquidity_usd: f64,
}

pub struct Session<P, S> {
    /// The API client, or why there is none (a bad URL, a key over http).
    pub provider: Result<Arc<P>, String>,
    /// Asked for prices while CoinGecko is unusable.
    pub fallback: Option<crate::market::defillama::DefiLlama>,
    /// The exchanges' list clients, watched when polling, and the time
    /// between two looks at each.
    pub exchanges: Vec<Arc<S>>,
    pub exchange_interval: Duration,
    /// The pre-market venues' clients, looked at when polling, and the
    /// time between two looks at each.
    pub venues: Vec<Arc<crate::sources::premarket::client::VenueClient>>,
    pub venue_interval: Duration,
    /// The DEX source, looked at when polling.
    pub dex: Option<DexSession>,
    /// Tell each new scheduled or pre-market row of Discover.
    pub tell_discoveries: bool,
    /// `Some(interval)` to poll.
    pub poll: Option<Duration>,
    /// Where the state is kept, and the outbox of notifications.
    pub db: Arc<crate::store::StateDb>,
    pub watchlist: WatchlistStore,
    /// The colours to draw with.
    pub theme: Palette,
    /// How events reach the user (`[notify]`).
    pub notify: NotifyConfig,
    /// A warning to show once at start.
    pub notice: Option<String>,
}

/// How the screen ended.
pub struct Ended {
    /// A terminal error, if one ended it.
    pub result: io::Result<()>,
    /// What could not be saved, in words (see [`App::unsaved`]).
    pub unsaved: Option<String>,
    /// Notifications kept for the next instance, in words.
    pub kept: Option<String>,
}

/// Runs the app until the user quits or a signal asks it to stop, then waits
/// for its saves. When polling, a poller task runs beside it and its reports
/// flow into the app.
pub async fn run<P: MarketProvider, S: ExchangeSource>(
    mut app: App,
    session: Session<P, S>,
) -> Ended {
    let (inbox, mut msgs) = mpsc::unbounded_channel();
    let mut runner = Runner::new(
        session.provider,
        Arc::clone(&session.db) as Arc<dyn crate::store::StateStore>,
        session.watchlist,
        inbox,
        Box::new(stdout()),
    );
    match Notifier::with_outbox(&session.notify, terminal_env(), Arc::clone(&session.db)) {
        Ok(notifier) => runner.set_notifier(notifier),
        // Only a missing runtime fails, and this runs in one.
        Err(e) => tracing::warn!("notifications are off: {e}"),
    }
    if let Some(fallback) = session.fallback {
        runner.set_fallback(fallback);
    }
    // Another instance's listings show here at the next look.
    runner.watch_files(STATE_LOOK_EVERY, None);
    let polling = match session.poll {
        Some(interval) => runner.start_poller(app.market_ids(), interval),
        None => false,
    };
    if polling {
        app.tell_discoveries(session.tell_discoveries);
        runner.start_key_watch(crate::runner::KEY_LOOK_EVERY);
        app.enable_polling();
        let watched: Vec<_> = session.exchanges.iter().map(|s| s.exchange()).collect();
        app.watch_exchanges(&watched);
        runner.start_exchanges(session.exchanges, session.exchange_interval);
        runner.start_venues(session.venues, session.venue_interval);
        if let Some(dex) = session.dex {
            let tokens = app.watch_dex(dex.min_liquidity_usd);
            runner.start_dex(dex.client, tokens, dex.interval);
        }
    }
    if let Some(text) = session.notice {
        runner.step(&mut app, Input::Notice(text));
    }
    let mut terminal = match init() {
        Ok(t) => t,
        Err(e) => {
            return Ended {
                result: Err(e),
                unsaved: None,
                kept: None,
            };
        }
    };
    let theme = session.theme;
    let mut events = spawn_input();
    let mut result = event_loop(
        &mut terminal,
        &mut app,
        &theme,
        (&mut msgs, &mut events),
        polling,
        &mut runner,
    )
    .await;
    // Quit with the screen still up: the last saves are shown while they
    // wait, and `q` again leaves without them.
    let mut left = false;
    if app.quitting() && result.is_ok() {
        match closing(
            &mut terminal,
            &mut app,
            &theme,
            (&mut msgs, &mut events),
            &mut runner,
        )
        .await
        {
            Ok(quit_now) => left = quit_now,
            Err(e) => result = Err(e),
        }
    }
    // The terminal closed under us (a hang-up whose signal did not come
    // first) ends the app as SIGHUP does, not as an error.
    let result = match result {
        Err(e) if terminal_gone(&e) => {
            tracing::info!("the terminal is gone ({e}): closing");
            Ok(())
        }
        other => other,
    };
    restore();
    // ratatui shows the cursor again when the terminal is dropped and, if
    // that fails, prints to stderr, which panics on a closed terminal.
    // Showing it here, and not dropping a terminal that is gone, avoids both.
    if terminal.show_cursor().is_err() {
        std::mem::forget(terminal);
    }
    if left {
        // The saver may still be waiting for another prelist's lock: the
        // process ends without it, and says what was not saved.
        let unsaved = [app.unsaved(), app.watcher().saving()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("; ");
        return Ended {
            result,
            unsaved: Some(unsaved),
            kept: None,
        };
    }
    let finished = runner.finish(&mut app, &mut msgs).await;
    Ended {
        result,
        unsaved: app.unsaved(),
        kept: finished.kept_note(),
    }
}

/// After `q`: the saves still to make are made with the screen up. Once
/// they have taken a second, the status line says what they wait for
/// (another prelist writing the same file, say) and counts up; `q` again
/// quits at once. Returns whether the user quit before they ended.
async fn closing<P: MarketProvider>(
    terminal: &mut Term,
    app: &mut App,
    theme: &Palette,
    (msgs, events): (&mut mpsc::UnboundedReceiver<Input>, &mut TermEvents),
    runner: &mut Runner<P>,
) -> io::Result<bool> {
    runner.shut_down(app);
    let start = Instant::now();
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    while app.saves_pending() {
        tokio::select! {
            msg = msgs.recv() => match msg {
                Some(msg @ (Input::StateSaved { .. } | Input::WatchlistSaved { .. })) => {
                    runner.step(app, msg);
                }
                Some(_) => {}
                None => return Ok(false),
            },
            ev = events.recv() => match ev {
                Some(Ok(ev)) => {
                    if app.action_for_event(&ev) == Some(crate::keymap::Action::Quit) {
                        return Ok(true);
                    }
                }
                // The terminal is gone: the saves are waited for unseen.
                Some(Err(_)) | None => return Ok(false),
            },
            _ = ticker.tick() => {}
        }
        let waited = start.elapsed().as_secs();
        if waited >= 1 && app.saves_pending() {
            let what = match crate::fs::waiting_on() {
                Some(file) => format!(
                    "waiting for another prelist to finish writing {}",
                    file.display()
                ),
                None => "saving".to_string(),
            };
            let quit = app
                .keymap()
                .label(crate::keymap::Mode::Normal, &crate::keymap::Action::Quit);
            app.closing_note(format!("{what} ({waited} s) · {quit}: quit now without it"));
            draw(terminal, app, theme, runner)?;
        }
    }
    Ok(false)
}

/// Terminal input, as `spawn_input` hands it over.
type TermEvents = mpsc::Receiver<io::Result<Event>>;

/// Whether reading the terminal failed because it is gone.
fn terminal_gone(e: &io::Error) -> bool {
    // EIO is what a read from a terminal whose other end closed gives.
    e.raw_os_error() == Some(5)
        || matches!(
            e.kind(),
            io::ErrorKind::UnexpectedEof | io::ErrorKind::BrokenPipe
        )
}

/// Terminal input, read on a thread of its own. crossterm's reader can spin
/// forever on a terminal closed under it (crossterm #793, #1067): on the
/// loop's thread that would stop everything, signals included. Here only
/// this thread spins, the loop sees the hang-up (`hung_up`) and the process
/// ends.
fn spawn_input() -> mpsc::Receiver<io::Result<Event>> {
    let (tx, rx) = mpsc::channel(64);
    let spawned = std::thread::Builder::new()
        .name("input".into())
        .spawn(move || {
            loop {
                let event = crossterm::event::read();
                let failed = event.is_err();
                if tx.blocking_send(event).is_err() || failed {
                    return;
                }
            }
        });
    if let Err(e) = spawned {
        // No input thread: the loop gets the error and ends.
        let (tx, rx) = mpsc::channel(1);
        let _ = tx.try_send(Err(e));
        return rx;
    }
    rx
}

/// Resolves when the terminal hangs up (its other side closed), whether or
/// not a SIGHUP comes. A thread of its own waits in poll(2) on standard
/// input, which the screen requires to be the terminal, for the hang-up
/// alone (no input event wakes it): reading is `spawn_input`'s.
async fn hung_up() {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let spawned = std::thread::Builder::new()
        .name("hangup".into())
        .spawn(move || {
            use rustix::event::{PollFd, PollFlags, poll};
            let stdin = std::io::stdin();
            loop {
                let mut fds = [PollFd::new(&stdin, PollFlags::empty())];
                match poll(&mut fds, None) {
                    Ok(_) => {
                        let gone = PollFlags::HUP | PollFlags::ERR | PollFlags::NVAL;
                        if fds[0].revents().intersects(gone) {
                            let _ = tx.send(());
                            return;
                        }
                    }
                    Err(rustix::io::Errno::INTR) => {}
                    // Nothing to watch with: SIGHUP and read errors still
                    // end the app.
                    Err(_) => return,
                }
            }
        });
    match (spawned, rx.await) {
        (Ok(_), Ok(())) => {}
        _ => std::future::pending().await,
    }
}

fn clock() -> Input {
    Input::Clock {
        now: Instant::now(),
        wall: jiff::Timestamp::now().as_second(),
    }
}

async fn event_loop<P: MarketProvider>(
    terminal: &mut Term,
    app: &mut App,
    theme: &Palette,
    (msgs, events): (&mut mpsc::UnboundedReceiver<Input>, &mut TermEvents),
    polling: bool,
    runner: &mut Runner<P>,
) -> io::Result<()> {
    let hangup = hung_up();
    tokio::pin!(hangup);
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;
    // The countdown in the status line: a tick a second, only while polling,
    // and a redraw only when the text it shows has changed.
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    runner.step(app, clock());
    draw(terminal, app, theme, runner)?;
    loop {
        let before = clock_text(app);
        let msg = tokio::select! {
            ev = events.recv() => match ev {
                Some(Ok(ev)) => match app.action_for_event(&ev) {
                    Some(action) => Some(Msg::Action(action)),
                    None if matches!(ev, Event::Resize(..)) => {
                        draw(terminal, app, theme, runner)?;
                        continue;
                    }
                    None => continue,
                },
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            },
            Some(input) = msgs.recv() => Some(Msg::from(input)),
            _ = ticker.tick(), if polling => None,
            _ = sigterm.recv() => return Ok(()),
            _ = sighup.recv() => return Ok(()),
            () = &mut hangup => {
                tracing::info!("the terminal hung up: closing");
                return Ok(());
            }
            _ = sigint.recv() => return Ok(()),
        };
        runner.step(app, clock());
        let dirty = match msg {
            Some(msg) => {
                runner.step(app, msg);
                true
            }
            None => clock_text(app) != before,
        };
        if app.quit {
            return Ok(());
        }
        if dirty {
            draw(terminal, app, theme, runner)?;
        }
    }
}

/// Everything on screen that changes with the clock alone: the poll
/// countdown, and (for stale prices) the minute.
fn clock_text(app: &App) -> (Option<String>, i64) {
    (ui::poll_text(app), app.now().1 / 60)
}

fn draw<P: MarketProvider>(
    terminal: &mut Term,
    app: &mut App,
    theme: &Palette,
    runner: &mut Runner<P>,
) -> io::Result<()> {
    let mut viewport = None;
    terminal.draw(|frame| viewport = Some(ui::draw(frame, app, theme)))?;
    if let Some(vp) = viewport {
        runner.step(app, Msg::Drawn(vp));
    }
    Ok(())
}
