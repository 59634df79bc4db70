//! `prelist check`: one look at the market API and at every enabled
//! exchange within a deadline, any listing recorded, every coin's status
//! printed.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::list::print_coins;
use super::{Context, init_logging, provider, runtime};
use crate::cli::CheckArgs;
use crate::error::Error;
use crate::market::fetch::{Fetched, Stop, fetch};
use crate::market::poller::Report;
use crate::notify::{Notifier, TerminalMode, terminal_env};
use crate::runner::Runner;
use crate::sources::dex::DexLook;
use crate::sources::premarket::client::VenueClient;
use crate::sources::premarket::{Offer, Venue, VenueLook};
use crate::sources::watch::Look;
use crate::sources::{Exchange, ExchangeSource, Pair};
use crate::view::{Filter, Sort};
use crate::watcher::{Input, Watcher};

pub fn run(cx: Context, args: &CheckArgs) -> Result<(), Error> {
    let looked = look_once(cx, Duration::from_secs(args.deadline))?;
    // Every coin is printed, whichever source failed: what the others said,
    // and what earlier looks recorded, still stands; the exit code and
    // stderr tell that a source failed.
    print_coins(
        looked.watcher.watchlist(),
        looked.watcher.around(),
        Sort::default(),
        &Filter::default(),
        args.json,
    );
    looked.outcome()
}

/// What one look at every enabled source left: the watcher, with all it
/// recorded, and what failed.
pub(super) struct Looked {
    pub(super) watcher: Watcher,
    /// The state could not be saved: why.
    unsaved: Option<String>,
    /// Each source that failed, in words.
    failures: Vec<String>,
    /// The log file stays open until the outcome is logged.
    _log: Option<tracing_appender::non_blocking::WorkerGuard>,
}

impl Looked {
    /// The exit: a state not saved fails the command; a source that failed
    /// is exit 3, each named on stderr.
    pub(super) fn outcome(self) -> Result<(), Error> {
        if let Some(what) = self.unsaved {
            return Err(Error::failed(format!("could not save state: {what}")));
        }
        if self.failures.is_empty() {
            return Ok(());
        }
        let msg = self.failures.join("\n");
        tracing::warn!("{msg}");
        Err(Error::Source(msg))
    }
}

/// One look at CoinGecko, every enabled exchange, venue and the DEX source,
/// all at once under `deadline`, each answer taken through the watcher as a
/// screen's polls are (and saved): `check` and `discover`.
pub(super) fn look_once(cx: Context, deadline: Duration) -> Result<Looked, Error> {
    let provider = Arc::new(provider(&cx.settings)?);
    let sources = super::exchange_clients(&cx.settings)?;
    let venues = super::venue_clients(&cx.settings)?;
    let dex = super::dex_client(&cx.settings)?;
    let guard = init_logging(&cx.data_dir);
    let db = Arc::clone(&cx.db);
    let mut notify = cx.settings.notify.config();
    // Stdout carries the coins' table: no escape sequences among it.
    notify.terminal = TerminalMode::Off;
    let mut watcher = Watcher::from_state(cx.watchlist, cx.state);
    watcher.tell_discoveries(cx.settings.notify.discover.value);
    watcher.set_portfolio(cx.settings.portfolio());
    let ids = watcher.market_ids();
    if let Some(client) = &dex {
        let min = cx.settings.dex_min_liquidity_usd.value as f64;
        client.set_tokens(watcher.watch_dex(min));
    }
    let (fetched, mut failures) = runtime()?.block_on(async {
        // CoinGecko and every exchange are asked at once, under one deadline.
        let prices = async {
            if ids.is_empty() {
                Fetched::default()
            } else {
                fetch(provider.as_ref(), &ids, Some(deadline)).await
            }
        };
        let dex_look = async {
            match &dex {
                Some(client) => Some(within(deadline, client.look_all()).await),
                None => None,
            }
        };
        let (mut fetched, looks, venue_looks, dex_look) = tokio::join!(
            prices,
            look_all(&sources, deadline),
            look_venues(&venues, deadline),
            dex_look
        );
        // What was learnt goes through the watcher, as a screen's or
        // watch's polls do: listings, the book, alerts and claims by the
        // same rules, told through `[notify]`'s command and webhook, each
        // line on stderr.
        let (inbox, mut msgs) = mpsc::unbounded_channel();
        let mut runner = Runner::new(
            Ok(Arc::clone(&provider)),
            Arc::clone(&db) as Arc<dyn crate::store::StateStore>,
            cx.store,
            inbox,
            Box::new(std::io::sink()),
        );
        runner.log_to_stderr();
        match Notifier::with_outbox(&notify, terminal_env(), Arc::clone(&db)) {
            Ok(notifier) => runner.set_notifier(notifier),
            Err(e) => super::say(&format!("prelist: notifications are off: {e}")),
        }
        let clock = Input::Clock {
            now: tokio::time::Instant::now(),
            wall: jiff::Timestamp::now().as_second(),
        };
        runner.step(&mut watcher, clock);
        // What the finished chunks said is recorded even when a later one
        // failed or ran out of time: only the ids they answered count, so
        // the rest are neither flipped nor marked stale.
        if fetched.answered > 0 {
            watcher.poll_ids(ids[..fetched.answered].to_vec());
            let done = Report::Done {
                quotes: std::mem::take(&mut fetched.quotes),
                next_in: Duration::ZERO,
                requests: 0,
                remaining: None,
            };
            runner.step(&mut watcher, Input::Poll(done));
        }
        // Each exchange that answered is recorded, whichever others failed.
        // A check is a run of its own: anything new listed since the last
        // look, while no prelist was looking.
        let mut failures = Vec::new();
        // The venues before the exchanges: Binance's spot list is read
        // against what Binance Pre-Market lists.
        for (venue, result) in venue_looks {
            match result {
                Ok(offers) => {
                    let look = VenueLook {
                        venue,
                        result: Ok(offers),
                        next_in: Duration::ZERO,
                    };
                    runner.step(&mut watcher, Input::Venue(look));
                }
                Err(why) => failures.push(format!(
                    "check failed on {} (pre-market): {why}",
                    venue.name()
                )),
            }
        }
        for (exchange, result) in looks {
            match result {
                Ok(pairs) => {
                    let look = Look {
                        exchange,
                        result: Ok(pairs),
                        next_in: Duration::ZERO,
                    };
                    runner.step(&mut watcher, Input::Exchange(look));
                }
                Err(why) => failures.push(format!("check failed on {}: {why}", exchange.name())),
            }
        }
        // After the exchanges and CoinGecko: a coin that trades there is
        // told where it trades now too, not listed again.
        match dex_look {
            Some(Ok(answer)) => {
                let look = DexLook {
                    result: Ok(answer),
                    next_in: Duration::ZERO,
                };
                runner.step(&mut watcher, Input::Dex(look));
            }
            Some(Err(why)) => failures.push(format!("check failed on {}: {why}", crate::dex::NAME)),
            None => {}
        }
        if let Some(kept) = runner.finish(&mut watcher, &mut msgs).await.kept_note() {
            super::say(&format!("prelist: {kept}"));
        }
        (fetched, failures)
    });
    super::count_calls(&db, &cx.settings, provider.as_ref());
    if let Some(stop) = fetched.stopped {
        failures.insert(
            0,
            stop_message(&stop, fetched.answered, ids.len(), deadline),
        );
    }
    Ok(Looked {
        unsaved: watcher.unsaved(),
        watcher,
        failures,
        _log: guard,
    })
}

/// One look at each exchange's list, all at once, each within `deadline`
/// (from now): what each said, or why it said nothing.
async fn look_all<S: ExchangeSource>(
    sources: &[Arc<S>],
    deadline: Duration,
) -> Vec<(Exchange, Result<Vec<Pair>, String>)> {
    let now = jiff::Timestamp::now().as_second();
    let looks = sources
        .iter()
        .map(|s| async move { (s.exchange(), within(deadline, s.look(now)).await) });
    futures_util::future::join_all(looks).await
}

/// One look at each pre-market venue, all at once, each within `deadline`.
async fn look_venues(
    venues: &[Arc<VenueClient>],
    deadline: Duration,
) -> Vec<(Venue, Result<Vec<Offer>, String>)> {
    let looks = venues
        .iter()
        .map(|v| async move { (v.venue(), within(deadline, v.look()).await) });
    futures_util::future::join_all(looks).await
}

/// What `look` answered within `deadline` (from now), or why it did not.
async fn within<T>(
    deadline: Duration,
    look: impl std::future::Future<Output = Result<T, crate::market::MarketError>>,
) -> Result<T, String> {
    let answer = match tokio::time::Instant::now().checked_add(deadline) {
        Some(until) => tokio::time::timeout_at(until, look).await,
        None => Ok(look.await),
    };
    match answer {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_elapsed) => Err(format!(
            "no answer within the check's deadline of {} s (--deadline gives it more time)",
            deadline.as_secs()
        )),
    }
}

/// What `check` says of a fetch that `stop` ended after `answered` of
/// `total` ids.
fn stop_message(stop: &Stop, answered: usize, total: usize, deadline: Duration) -> String {
    let recorded = if answered == 0 {
        String::new()
    } else {
        format!(" ({answered} of {total} ids answered before that, and recorded)")
    };
    match stop {
        Stop::Deadline => format!(
            "check stopped at its deadline of {} s: {answered} of {total} ids answered, \
                 and recorded (--deadline gives it more time)",
            deadline.as_secs()
        ),
        Stop::Failed(e) => format!("check failed: {e}{recorded}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::MarketError;

    /// An exchange's list that answers, fails, or never answers.
    struct List(Exchange, Option<Result<Vec<Pair>, MarketError>>);

    impl ExchangeSource for List {
        fn exchange(&self) -> Exchange {
            self.0
        }

        async fn look(&self, _now: i64) -> Result<Vec<Pair>, MarketError> {
            match &self.1 {
                Some(answer) => answer.clone(),
                None => std::future::pending().await,
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn every_exchange_is_asked_and_each_failure_is_its_own() {
        let pairs = vec![Pair {
            base: "NIL".into(),
            quote: "USDT".into(),
            state: crate::sources::PairState::Trading,
        }];
        let sources = [
            Arc::new(List(Exchange::Binance, Some(Err(MarketError::Timeout)))),
            Arc::new(List(Exchange::Okx, Some(Ok(pairs.clone())))),
            Arc::new(List(Exchange::Gate, None)),
        ];
        let looks = look_all(&sources, Duration::from_secs(5)).await;
        assert_eq!(
            looks,
            [
                (Exchange::Binance, Err("timed out".to_string())),
                (Exchange::Okx, Ok(pairs)),
                (
                    Exchange::Gate,
                    Err(
                        "no answer within the check's deadline of 5 s (--deadline gives it \
                         more time)"
                            .to_string()
                    )
                ),
            ]
        );
    }

    #[test]
    fn the_messages_say_how_far_it_got() {
        let d = Duration::from_secs(30);
        assert_eq!(
            stop_message(&Stop::Deadline, 250, 300, d),
            "check stopped at its deadline of 30 s: 250 of 300 ids answered, and recorded \
             (--deadline gives it more time)"
        );
        let failed = Stop::Failed(MarketError::Timeout);
        assert_eq!(stop_message(&failed, 0, 300, d), "check failed: timed out");
        assert_eq!(
            stop_message(&failed, 250, 300, d),
            "check failed: timed out (250 of 300 ids answered before that, and recorded)"
        );
    }
}
