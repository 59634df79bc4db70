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
use crate::market::coingecko::CHUNK;
use crate::market::poller::Report;
use crate::market::{MarketError, MarketProvider, Quotes};
use crate::notify::{Notifier, TerminalMode, terminal_env};
use crate::runner::Runner;
use crate::sources::watch::Look;
use crate::sources::{Exchange, ExchangeSource, Pair};
use crate::view::{Filter, Sort};
use crate::watcher::{Input, Watcher};

pub fn run(cx: Context, args: &CheckArgs) -> Result<(), Error> {
    let provider = Arc::new(provider(&cx.settings)?);
    let sources = super::exchange_clients(&cx.settings)?;
    let _guard = init_logging(&cx.data_dir);
    let state_path = cx.state_path();
    let ledger_path = state_path.clone();
    let mut notify = cx.settings.notify.config();
    // Stdout carries the coins' table: no escape sequences among it.
    notify.terminal = TerminalMode::Off;
    let mut watcher = Watcher::from_state(cx.watchlist, cx.state);
    let ids = watcher.market_ids();
    let deadline = Duration::from_secs(args.deadline);
    let (fetched, any_look, mut failures) = runtime()?.block_on(async {
        // CoinGecko and every exchange are asked at once, under one deadline.
        let prices = async {
            if ids.is_empty() {
                Fetched::default()
            } else {
                fetch(provider.as_ref(), &ids, deadline).await
            }
        };
        let (fetched, looks) = tokio::join!(prices, look_all(&sources, deadline));
        // What was learnt goes through the watcher, as a screen's or
        // watch's polls do: listings, the book, alerts and claims by the
        // same rules, told through `[notify]`'s command and webhook, each
        // line on stderr.
        let (inbox, mut msgs) = mpsc::unbounded_channel();
        let mut runner = Runner::new(
            Ok(Arc::clone(&provider)),
            crate::store::state_file(state_path),
            cx.store,
            inbox,
            Box::new(std::io::sink()),
        );
        runner.log_to_stderr();
        match Notifier::new(&notify, terminal_env()) {
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
                quotes: fetched.quotes.clone(),
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
        let mut any_look = false;
        for (exchange, result) in looks {
            match result {
                Ok(pairs) => {
                    any_look = true;
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
        runner.finish(&mut watcher, &mut msgs).await;
        (fetched, any_look, failures)
    });
    super::count_calls(&ledger_path, &cx.settings, provider.as_ref());
    // Statuses are printed when a source answered at least in part: on a
    // fault before any answer they would only repeat the state file.
    if fetched.stopped.is_none() || fetched.answered > 0 || any_look {
        print_coins(
            watcher.watchlist(),
            (watcher.listings(), watcher.book()),
            Sort::default(),
            &Filter::default(),
            args.json,
        );
    }
    if let Some(what) = watcher.unsaved() {
        return Err(Error::failed(format!("could not save state: {what}")));
    }
    if let Some(stop) = fetched.stopped {
        failures.insert(0, stop.message(fetched.answered, ids.len(), deadline));
    }
    if failures.is_empty() {
        return Ok(());
    }
    let msg = failures.join("\n");
    tracing::warn!("{msg}");
    Err(Error::Source(msg))
}

/// One look at each exchange's list, all at once, each within `deadline`
/// (from now): what each said, or why it said nothing.
async fn look_all<S: ExchangeSource>(
    sources: &[Arc<S>],
    deadline: Duration,
) -> Vec<(Exchange, Result<Vec<Pair>, String>)> {
    let until = tokio::time::Instant::now().checked_add(deadline);
    let now = jiff::Timestamp::now().as_second();
    let looks = sources.iter().map(|s| async move {
        let answer = match until {
            Some(until) => tokio::time::timeout_at(until, s.look(now)).await,
            None => Ok(s.look(now).await),
        };
        let result = match answer {
            Ok(Ok(pairs)) => Ok(pairs),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_elapsed) => Err(format!(
                "no answer within the check's deadline of {} s (--deadline gives it more time)",
                deadline.as_secs()
            )),
        };
        (s.exchange(), result)
    });
    futures_util::future::join_all(looks).await
}

/// What the chunks fetched before the end said.
#[derive(Debug, Default)]
struct Fetched {
    /// How many ids, from the start of the list, were answered: chunks go
    /// one after another, so the answered ids are always a prefix.
    answered: usize,
    quotes: Quotes,
    /// Why the fetch ended early, if it did.
    stopped: Option<Stop>,
}

#[derive(Debug, PartialEq)]
enum Stop {
    Deadline,
    Failed(MarketError),
}

impl Stop {
    fn message(&self, answered: usize, total: usize, deadline: Duration) -> String {
        let recorded = if answered == 0 {
            String::new()
        } else {
            format!(" ({answered} of {total} ids answered before that, and recorded)")
        };
        match self {
            Stop::Deadline => format!(
                "check stopped at its deadline of {} s: {answered} of {total} ids answered, \
                 and recorded (--deadline gives it more time)",
                deadline.as_secs()
            ),
            Stop::Failed(e) => format!("check failed: {e}{recorded}"),
        }
    }
}

/// Asks for `ids` one chunk of [`CHUNK`] after another until all are
/// answered, one fails, or `deadline` (from now) passes.
async fn fetch(provider: &impl MarketProvider, ids: &[String], deadline: Duration) -> Fetched {
    let mut fetched = Fetched::default();
    // A deadline too far away to represent is no deadline.
    let until = tokio::time::Instant::now().checked_add(deadline);
    for chunk in ids.chunks(CHUNK) {
        let answer = match until {
            Some(until) => tokio::time::timeout_at(until, provider.prices(chunk)).await,
            None => Ok(provider.prices(chunk).await),
        };
        match answer {
            Ok(Ok(quotes)) => {
                fetched.quotes.extend(quotes);
                fetched.answered += chunk.len();
            }
            Ok(Err(e)) => {
                fetched.stopped = Some(Stop::Failed(e));
                break;
            }
            Err(_elapsed) => {
                fetched.stopped = Some(Stop::Deadline);
                break;
            }
        }
    }
    fetched
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::{Candidate, Quote};

    /// Prices every id at once, except that a chunk holding `slow` never
    /// answers and one holding `failing` fails.
    struct Fake {
        slow: &'static str,
        failing: &'static str,
    }

    impl MarketProvider for Fake {
        async fn prices(&self, ids: &[String]) -> Result<Quotes, MarketError> {
            if ids.iter().any(|id| id == self.failing) {
                return Err(MarketError::Status { status: 500 });
            }
            if ids.iter().any(|id| id == self.slow) {
                std::future::pending::<()>().await;
            }
            Ok(ids
                .iter()
                .map(|id| {
                    let quote = Quote {
                        price_usd: crate::types::Usd::new(1.0),
                        ..Quote::default()
                    };
                    (id.clone(), quote)
                })
                .collect())
        }

        async fn search(&self, _: &str) -> Result<Vec<Candidate>, MarketError> {
            Ok(Vec::new())
        }
    }

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("coin-{i}")).collect()
    }

    #[tokio::test(start_paused = true)]
    async fn a_chunk_past_the_deadline_keeps_what_earlier_chunks_said() {
        let ids = ids(600);
        let fake = Fake {
            slow: "coin-500",
            failing: "none",
        };
        let got = fetch(&fake, &ids, Duration::from_secs(5)).await;
        assert_eq!(got.stopped, Some(Stop::Deadline));
        assert_eq!(got.answered, 2 * CHUNK);
        assert_eq!(got.quotes.len(), 2 * CHUNK);
        assert!(got.quotes.contains_key("coin-499"));
        assert!(!got.quotes.contains_key("coin-500"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_failing_chunk_stops_the_rest_and_keeps_the_earlier() {
        let ids = ids(600);
        let fake = Fake {
            slow: "none",
            failing: "coin-300",
        };
        let got = fetch(&fake, &ids, Duration::from_secs(5)).await;
        assert_eq!(
            got.stopped,
            Some(Stop::Failed(MarketError::Status { status: 500 }))
        );
        assert_eq!(got.answered, CHUNK);
        let all = fetch(
            &Fake {
                slow: "none",
                failing: "none",
            },
            &ids,
            Duration::from_secs(u64::MAX),
        )
        .await;
        assert_eq!((all.stopped, all.answered), (None, 600));
    }

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
            Stop::Deadline.message(250, 300, d),
            "check stopped at its deadline of 30 s: 250 of 300 ids answered, and recorded \
             (--deadline gives it more time)"
        );
        let failed = Stop::Failed(MarketError::Timeout);
        assert_eq!(failed.message(0, 300, d), "check failed: timed out");
        assert_eq!(
            failed.message(250, 300, d),
            "check failed: timed out (250 of 300 ids answered before that, and recorded)"
        );
    }
}
