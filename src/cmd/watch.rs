//! `prelist watch`: the watcher without a screen. It polls CoinGecko and
//! every watched exchange as the screen does with `--poll`, sends each
//! event through `[notify]`'s command and webhook, and prints one line per
//! event on stdout (its JSON with `--json`). Errors and notes go to
//! stderr. It shares the data dir and its locks with a screen and with
//! `check`: what one records the others take in, and an event is told by
//! one instance only (see [`crate::told`]).

use std::sync::Arc;

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::metered::Metered;
use super::stdout;
use super::{Context, exchange_clients, exchange_interval, init_logging, provider, runtime, say};
use crate::cli::WatchArgs;
use crate::error::Error;
use crate::market::plan::requests_per_poll;
use crate::notify::{Notifier, TerminalMode, terminal_env};
use crate::runner::{Lines, Runner, STATE_LOOK_EVERY};
use crate::sources::ExchangeSource;
use crate::store::CallLedger;
use crate::text;
use crate::watcher::{Input, Watcher};

pub fn run(cx: Context, args: &WatchArgs) -> Result<(), Error> {
    let settings = &cx.settings;
    let db = Arc::clone(&cx.db);
    let ledger = Arc::new(CallLedger::new(Arc::clone(&db), settings.plan()));
    let provider =
        Arc::new(Metered::new(provider(settings)?, ledger).with_budget(settings.budget()));
    let fallback = super::fallback(settings)?;
    let exchanges = exchange_clients(settings)?;
    let venues = super::venue_clients(settings)?;
    let dex = super::dex_client(settings)?;
    let _guard = init_logging(&cx.data_dir);
    // Held while it runs: `prelist doctor` asks for it.
    let _running = crate::store::hold_running(&cx.data_dir);
    let mut watcher = Watcher::from_state(cx.watchlist, cx.state);
    watcher.tell_discoveries(settings.notify.discover.value);
    watcher.set_portfolio(settings.portfolio());
    let ids = watcher.market_ids();
    let contracts = watcher.dex_tokens().len();
    if ids.is_empty()
        && exchanges.is_empty()
        && venues.is_empty()
        && (dex.is_none() || contracts == 0)
    {
        return Err(Error::usage(
            "nothing to watch: no coin has a market id or a contract, and no exchange or \
             pre-market venue is watched",
        ));
    }
    let plan = settings.poll_plan(requests_per_poll(ids.len()));
    let rotate = super::key_rotation(&db, settings);
    for warning in plan
        .warnings
        .iter()
        .chain(&settings.secret_in_git)
        .chain(&rotate)
    {
        say(&format!("prelist: {}", text::clean(warning)));
    }
    let mut notify = settings.notify.config();
    // Stdout carries the events' lines: no escape sequences among them.
    notify.terminal = TerminalMode::Off;
    let lines = if args.json { Lines::Json } else { Lines::Text };
    let interval = plan.interval.value;
    let exchange_every = exchange_interval(settings);

    let (out, stdout) = stdout::spawn(std::io::stdout(), stdout::QUEUE_LINES, || {
        let msg = "stdout is not being read: event lines are dropped until it is";
        tracing::warn!("{msg}");
        say(&format!("prelist: {msg}"));
    })
    .map_err(|e| Error::failed(format!("cannot start: {e}")))?;
    let result = runtime()?.block_on(async {
        let (inbox, mut msgs) = mpsc::unbounded_channel();
        // Coins added on a screen are polled from the next look at the file.
        let watchlist_path = cx.store.path.clone();
        let mut runner = Runner::new(Ok(provider), cx.db, cx.store, inbox, Box::new(out));
        runner.print_events(lines);
        if let Some(fallback) = fallback {
            runner.set_fallback(fallback);
        }
        match Notifier::with_outbox(&notify, terminal_env(), Arc::clone(&db)) {
            Ok(notifier) => runner.set_notifier(notifier),
            Err(e) => say(&format!("prelist: notifications are off: {e}")),
        }
        let mut watching = Vec::new();
        if !ids.is_empty() && runner.start_poller(ids.clone(), interval) {
            runner.start_key_watch(crate::runner::KEY_LOOK_EVERY);
            watcher.enable_polling();
            watching.push(format!(
                "{} coins on CoinGecko every {}",
                ids.len(),
                text::duration(interval)
            ));
        }
        if !exchanges.is_empty() {
            let names: Vec<&str> = exchanges.iter().map(|s| s.exchange().name()).collect();
            watching.push(format!(
                "{} every {}",
                names.join(", "),
                text::duration(exchange_every)
            ));
            let watched: Vec<_> = exchanges.iter().map(|s| s.exchange()).collect();
            watcher.watch_exchanges(&watched);
            runner.start_exchanges(exchanges, exchange_every);
        }
        if !venues.is_empty() {
            let names: Vec<&str> = venues.iter().map(|v| v.venue().name()).collect();
            let every = settings.premarket_interval.value;
            watching.push(format!(
                "pre-market prices on {} every {}",
                names.join(", "),
                text::duration(every)
            ));
            runner.start_venues(venues, every);
        }
        if let Some(client) = dex {
            let every = settings.dex_interval.value;
            let min = settings.dex_min_liquidity_usd.value;
            watching.push(format!(
                "first DEX pools of {contracts} tokens on {} every {} (at least {} liquidity)",
                crate::dex::NAME,
                text::duration(every),
                text::money_compact(min as f64)
            ));
            let tokens = watcher.watch_dex(min as f64);
            runner.start_dex(client, tokens, every);
        }
        runner.watch_files(STATE_LOOK_EVERY, Some(watchlist_path));
        say(&format!("prelist: watching {}", watching.join(" and ")));
        tracing::info!("watching {}", watching.join(" and "));

        let ended = watch(&mut watcher, &mut runner, &mut msgs, &stdout).await;
        // Dropping the runner drops the queue's sending end.
        if let Some(kept) = runner.finish(&mut watcher, &mut msgs).await.kept_note() {
            say(&format!("prelist: {kept}"));
        }
        ended?;
        match watcher.unsaved() {
            Some(what) => Err(Error::failed(format!(
                "stopped with changes not saved: {what}"
            ))),
            None => Ok(()),
        }
    });
    // Off the runtime: the lines still queued get a moment to go out.
    let ended = stdout.finish(stdout::GRACE);
    let lost = ended.dropped + ended.unwritten;
    if lost > 0 {
        let why = if ended.closed {
            "stdout was closed"
        } else {
            "stdout was not read"
        };
        let msg = format!("{lost} event lines were not written: {why}");
        tracing::warn!("{msg}");
        say(&format!("prelist: {msg}"));
    }
    result
}

/// Feeds the watcher what the sources and the files say until SIGTERM, SIGINT
/// or SIGHUP, or until stdout is closed (`prelist watch | head -3`). It
/// waits for messages only: no timer runs between polls.
async fn watch<P: crate::market::MarketProvider>(
    watcher: &mut Watcher,
    runner: &mut Runner<P>,
    msgs: &mut mpsc::UnboundedReceiver<Input>,
    stdout: &stdout::Handle,
) -> Result<(), Error> {
    let signal_error = |e: std::io::Error| Error::failed(format!("cannot watch for signals: {e}"));
    let mut sigterm = signal(SignalKind::terminate()).map_err(signal_error)?;
    let mut sigint = signal(SignalKind::interrupt()).map_err(signal_error)?;
    let mut sighup = signal(SignalKind::hangup()).map_err(signal_error)?;
    loop {
        let msg = tokio::select! {
            msg = msgs.recv() => match msg {
                Some(msg) => msg,
                None => return Ok(()),
            },
            _ = sigterm.recv() => return Ok(()),
            _ = sigint.recv() => return Ok(()),
            _ = sighup.recv() => return Ok(()),
            () = stdout.closed() => {
                tracing::info!("stdout is closed: stopping");
                return Ok(());
            }
        };
        let clock = Input::Clock {
            now: Instant::now(),
            wall: jiff::Timestamp::now().as_second(),
        };
        runner.step(watcher, clock);
        runner.step(watcher, msg);
    }
}
