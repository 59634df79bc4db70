//! `prelist` with no command: the watchlist screen.

use std::io::IsTerminal;
use std::sync::Arc;

use super::metered::Metered;
use super::{Context, init_logging, provider, runtime};
use crate::app::{App, LogEntry, LogKind};
use crate::config::{Settings, Source, Theme};
use crate::error::Error;
use crate::market::plan::{CallTally, month_of, requests_per_poll};
use crate::notify::{NotifyConfig, TerminalMode};
use crate::store::{self, CallLedger};
use crate::text;
use crate::tui;
use crate::ui::theme::Palette;

pub fn run(cx: Context) -> Result<(), Error> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(Error::usage(
            "the watchlist screen needs a terminal; use `prelist list` to print it",
        ));
    }
    let settings = &cx.settings;
    // Polling needs a working client; without polling, a broken one only
    // matters if the user asks for a lookup, which then says why.
    let polling = settings.poll_enabled.value;
    let ledger = Arc::new(CallLedger::new(Arc::clone(&cx.db), settings.plan()));
    let provider = match provider(settings) {
        Ok(inner) => Ok(Arc::new(
            Metered::new(inner, ledger).with_budget(settings.budget()),
        )),
        Err(why) if !polling => Err(why.to_string()),
        Err(e) => return Err(e),
    };
    let fallback = if polling {
        super::fallback(settings)?
    } else {
        None
    };
    let (exchanges, venues, dex) = if polling {
        (
            super::exchange_clients(settings)?,
            super::venue_clients(settings)?,
            super::dex_client(settings)?,
        )
    } else {
        (Vec::new(), Vec::new(), None)
    };
    let keymap = settings.keymap.clone();
    let rotate = polling
        .then(|| super::key_rotation(&cx.db, settings))
        .flatten();
    let calls = store::load_calls(&cx.db).map_err(Error::usage)?;
    let _guard = init_logging(&cx.data_dir);
    // Held while the screen runs: `prelist doctor` asks for it.
    let _running = store::hold_running(&cx.data_dir);
    let mut app = App::from_state(cx.watchlist, cx.state);
    // The interval fits the plan for this watchlist's length as it starts.
    let plan = settings.poll_plan(requests_per_poll(app.market_ids().len()));
    let session = tui::Session {
        provider,
        fallback,
        exchanges,
        exchange_interval: super::exchange_interval(settings),
        venues,
        venue_interval: settings.premarket_interval.value,
        tell_discoveries: settings.notify.discover.value,
        dex: dex.map(|client| tui::DexSession {
            client,
            interval: settings.dex_interval.value,
            min_liquidity_usd: settings.dex_min_liquidity_usd.value as f64,
        }),
        poll: polling.then_some(plan.interval.value),
        db: cx.db,
        watchlist: cx.store,
        theme: palette(settings),
        notify: notify_config(settings),
        // The plan's warnings, and a secret in a git work tree: said once
        // through the loop so they also reach the log file.
        notice: {
            let warnings: Vec<&str> = plan
                .warnings
                .iter()
                .filter(|_| polling)
                .chain(&settings.secret_in_git)
                .chain(&rotate)
                .map(String::as_str)
                .collect();
            (!warnings.is_empty()).then(|| warnings.join(" · "))
        },
    };
    app.configure(settings.columns.value.clone(), settings.sort.value, keymap);
    app.set_discover_days(settings.discover_days.value);
    app.set_portfolio(settings.portfolio());
    app.set_log(known_listings(&app));
    let month = month_of(jiff::Timestamp::now().as_second());
    app.count_calls_from(CallTally {
        calls: store::calls_in(&calls, &month, plan.plan),
        month,
        budget: plan.budget,
        remaining: None,
    });
    let rt = runtime()?;
    let ended = rt.block_on(tui::run(app, session));
    // A save still waiting for another prelist's lock, when the user quit
    // without it, must not hold the process: nothing waits for it now.
    rt.shutdown_background();
    if let Some(kept) = &ended.kept {
        super::say(&format!("prelist: {kept}"));
    }
    let terminal = ended.result.err().map(|e| format!("terminal error: {e}"));
    let unsaved = ended
        .unsaved
        .map(|what| format!("quit with changes not saved: {what}"));
    match (terminal, unsaved) {
        (None, None) => Ok(()),
        (Some(e), None) | (None, Some(e)) => Err(Error::failed(e)),
        (Some(t), Some(u)) => Err(Error::failed(format!("{t}; {u}"))),
    }
}

/// The channels of `[notify]`; `--no-bell` (or `poll.bell = false`) keeps
/// the terminal quiet, whatever `notify.terminal` says.
fn notify_config(settings: &Settings) -> NotifyConfig {
    let mut config = settings.notify.config();
    if !settings.bell.value {
        config.terminal = TerminalMode::Off;
    }
    config
}

/// The colours: the theme chosen, with the config's colours over it.
fn palette(settings: &Settings) -> Palette {
    // NO_COLOR (no-color.org) asks for no colours unless a theme was chosen.
    let no_color = crate::config::Env::process().no_color();
    let mut palette = match settings.theme.value {
        Theme::Default if no_color && settings.theme.source == Source::Default => Palette::mono(),
        Theme::Default => Palette::default(),
        Theme::Mono => Palette::mono(),
    };
    for &(slot, color) in &settings.colors.value {
        palette = palette.with(slot, color);
    }
    palette
}

/// The event log starts with the listings already on record, oldest first.
fn known_listings(app: &App) -> Vec<LogEntry> {
    let mut entries: Vec<LogEntry> = app
        .watchlist()
        .coins
        .iter()
        .filter_map(|c| {
            let l = crate::listing::listing_of(c, app.listings())?;
            Some(LogEntry {
                at: l.listed_at,
                kind: LogKind::Flip,
                text: format!(
                    "{} started trading at {} (on record)",
                    text::clean(&c.name),
                    text::price(l.first_price)
                ),
            })
        })
        .collect();
    entries.sort_by_key(|e| e.at);
    entries
}
