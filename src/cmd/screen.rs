//! `prelist` with no command: the watchlist screen.

use std::io::IsTerminal;
use std::sync::Arc;

use super::{Context, init_logging, provider, runtime};
use crate::app::{App, LogEntry, LogKind};
use crate::config::{Settings, Source, Theme};
use crate::error::Error;
use crate::market::poller::{CallTally, month_of, requests_per_poll};
use crate::market::{Candidate, MarketError, MarketProvider, Quotes, Usage};
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
    let state_path = cx.state_path();
    // Polling needs a working client; without polling, a broken one only
    // matters if the user asks for a lookup, which then says why.
    let polling = settings.poll_enabled.value;
    let ledger = Arc::new(CallLedger::new(state_path.clone(), settings.plan()));
    let provider = match provider(settings) {
        Ok(inner) => Ok(Arc::new(Metered { inner, ledger })),
        Err(why) if !polling => Err(why.to_string()),
        Err(e) => return Err(e),
    };
    let exchanges = if polling {
        super::exchange_clients(settings)?
    } else {
        Vec::new()
    };
    let keymap = settings.keymap.clone();
    let calls = store::load_calls(&state_path).map_err(Error::usage)?;
    let _guard = init_logging(&cx.data_dir);
    let mut app = App::new(cx.watchlist, cx.listings)
        .with_book(cx.book)
        .with_alerts(cx.alerts);
    // The interval fits the plan for this watchlist's length as it starts.
    let plan = settings.poll_plan(requests_per_poll(app.market_ids().len()));
    let session = tui::Session {
        provider,
        exchanges,
        exchange_interval: super::exchange_interval(settings),
        poll: polling.then_some(plan.interval.value),
        state_path,
        watchlist: cx.store,
        theme: palette(settings),
        notify: notify_config(settings),
    };
    app.configure(settings.columns.value.clone(), settings.sort.value, keymap);
    app.log = known_listings(&app).into();
    let month = month_of(jiff::Timestamp::now().as_second());
    app.calls = Some(CallTally {
        calls: store::calls_in(&calls, &month, plan.plan),
        month,
        budget: plan.budget,
        remaining: None,
    });
    if polling && !plan.warnings.is_empty() {
        app.notice(plan.warnings.join(" · "));
    }
    let ended = runtime()?.block_on(tui::run(app, session));
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

/// A provider whose requests are added to the month's count in the state
/// file as they go (see [`CallLedger`]), the last ones when it is dropped.
struct Metered<P> {
    inner: P,
    ledger: Arc<CallLedger>,
}

impl<P: MarketProvider> Metered<P> {
    /// Takes in the requests sent so far; writes them when a write is due,
    /// off the runtime's thread, which draws the screen.
    async fn count(&self) {
        let now = jiff::Timestamp::now().as_second();
        if self.ledger.note(self.inner.usage().total(), now) {
            let ledger = Arc::clone(&self.ledger);
            if let Ok(Err(e)) = tokio::task::spawn_blocking(move || ledger.flush(now)).await {
                tracing::warn!("the month's API calls could not be counted yet: {e}");
            }
        }
    }
}

impl<P: MarketProvider> MarketProvider for Metered<P> {
    async fn prices(&self, ids: &[String]) -> Result<Quotes, MarketError> {
        let answer = self.inner.prices(ids).await;
        self.count().await;
        answer
    }

    async fn search(&self, query: &str) -> Result<Vec<Candidate>, MarketError> {
        let answer = self.inner.search(query).await;
        self.count().await;
        answer
    }

    fn usage(&self) -> Usage {
        self.inner.usage()
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
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
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
        .watchlist
        .coins
        .iter()
        .filter_map(|c| {
            let l = crate::listing::listing_of(c, &app.listings)?;
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;
    use crate::market::poller::Plan;

    /// Sends one request per call, and counts it.
    #[derive(Default)]
    struct Counting(AtomicU64);

    impl MarketProvider for Counting {
        async fn prices(&self, _: &[String]) -> Result<Quotes, MarketError> {
            self.0.fetch_add(1, Ordering::Relaxed);
            Ok(Quotes::new())
        }

        async fn search(&self, _: &str) -> Result<Vec<Candidate>, MarketError> {
            self.0.fetch_add(1, Ordering::Relaxed);
            Err(MarketError::Status { status: 500 })
        }

        fn usage(&self) -> Usage {
            Usage {
                price_requests: self.0.load(Ordering::Relaxed),
                ..Usage::default()
            }
        }
    }

    fn counted(path: &std::path::Path) -> u64 {
        let book = store::load_calls(path).unwrap();
        let month = month_of(jiff::Timestamp::now().as_second());
        store::calls_in(&book, &month, Plan::Demo)
    }

    #[tokio::test]
    async fn every_request_reaches_the_state_file_by_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(store::STATE_FILE);
        let metered = Metered {
            inner: Counting::default(),
            ledger: Arc::new(CallLedger::new(path.clone(), Plan::Demo)),
        };
        metered.prices(&[]).await.unwrap();
        assert_eq!(counted(&path), 1, "the first is written at once");
        metered.prices(&[]).await.unwrap();
        assert!(metered.search("x").await.is_err());
        assert_eq!(counted(&path), 1, "then at most once a minute");
        drop(metered);
        assert_eq!(counted(&path), 3, "and the rest as it closes");
    }
}
