//! Watching the exchanges: one loop per exchange, each with its own
//! interval, backoff and rate-limit waits (the CoinGecko poller's rules), so
//! one exchange failing never holds up another; and which exchanges are
//! watched, with the clients that look at them.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::{Instant, sleep_until};

use super::client::ExchangeClient;
use super::{Exchange, ExchangeSource, Pair};
use crate::market::MarketError;
use crate::market::poller::{backoff, rate_limit_wait};

/// One look's outcome, and when the next look at that exchange goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Look {
    pub exchange: Exchange,
    pub result: Result<Vec<Pair>, MarketError>,
    pub next_in: Duration,
}

/// Looks at `source`'s list at once and then every `interval`, backing off
/// after errors and waiting out rate limits, and hands each outcome to
/// `send`. Ends when `send` returns false (nobody listens any more).
pub async fn run<S: ExchangeSource>(
    source: Arc<S>,
    interval: Duration,
    mut send: impl FnMut(Look) -> bool + Send,
) {
    let exchange = source.exchange();
    every(
        interval,
        || source.look(jiff::Timestamp::now().as_second()),
        |result, next_in| {
            send(Look {
                exchange,
                result,
                next_in,
            })
        },
    )
    .await
}

/// Runs `look` at once and then every `interval`, backing off after errors
/// and waiting out rate limits, and hands each outcome to `send` with the
/// time to the next. Ends when `send` returns false. Every source's loop
/// (the exchanges', the pre-market venues') is this one.
pub async fn every<T, F: std::future::Future<Output = Result<T, MarketError>>>(
    interval: Duration,
    mut look: impl FnMut() -> F,
    mut send: impl FnMut(Result<T, MarketError>, Duration) -> bool,
) {
    let mut failures = 0u32;
    let mut next = Instant::now();
    loop {
        sleep_until(next).await;
        let result = look().await;
        let next_in = match &result {
            Ok(_) => {
                failures = 0;
                interval
            }
            Err(MarketError::RateLimited { retry_after }) => {
                rate_limit_wait(*retry_after, interval)
            }
            Err(_) => {
                failures += 1;
                backoff(interval, failures, fastrand::f64())
            }
        };
        next = Instant::now() + next_in;
        if !send(result, next_in) {
            return;
        }
    }
}

/// The client type that looks at an exchange's list over the network.
pub type Client = ExchangeClient;

/// A client for each exchange at its URL, or why one cannot be made (a bad
/// URL, plain http to another host). Making one sends nothing.
pub fn clients(exchanges: &[(Exchange, String)]) -> Result<Vec<Arc<Client>>, MarketError> {
    exchanges
        .iter()
        .map(|(exchange, url)| ExchangeClient::new(*exchange, url).map(Arc::new))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::PairState;
    use std::sync::Mutex;

    /// Answers from a script, and records when each look was made.
    struct Scripted {
        exchange: Exchange,
        answers: Mutex<Vec<Result<Vec<Pair>, MarketError>>>,
        calls: Mutex<Vec<Instant>>,
    }

    impl ExchangeSource for Scripted {
        fn exchange(&self) -> Exchange {
            self.exchange
        }

        async fn look(&self, _now: i64) -> Result<Vec<Pair>, MarketError> {
            self.calls.lock().unwrap().push(Instant::now());
            self.answers.lock().unwrap().pop().unwrap_or(Ok(Vec::new()))
        }
    }

    fn scripted(
        exchange: Exchange,
        mut answers: Vec<Result<Vec<Pair>, MarketError>>,
    ) -> Arc<Scripted> {
        answers.reverse();
        Arc::new(Scripted {
            exchange,
            answers: Mutex::new(answers),
            calls: Mutex::new(Vec::new()),
        })
    }

    #[tokio::test(start_paused = true)]
    async fn each_exchange_keeps_its_own_pace_and_backoff() {
        let nil = vec![Pair {
            base: "NIL".into(),
            quote: "USDT".into(),
            state: PairState::Trading,
        }];
        let failing = scripted(
            Exchange::Binance,
            vec![
                Err(MarketError::Status { status: 500 }),
                Err(MarketError::RateLimited {
                    retry_after: Some(Duration::from_secs(900)),
                }),
            ],
        );
        let working = scripted(Exchange::Okx, vec![Ok(nil.clone()), Ok(nil.clone())]);
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let interval = Duration::from_secs(300);
        for s in [failing.clone(), working.clone()] {
            let tx = tx.clone();
            tokio::spawn(run(s, interval, move |l| tx.send(l).is_ok()));
        }
        let mut looks = Vec::new();
        for _ in 0..4 {
            looks.push(rx.recv().await.unwrap());
        }
        let okx: Vec<&Look> = looks
            .iter()
            .filter(|l| l.exchange == Exchange::Okx)
            .collect();
        assert_eq!(
            okx.len(),
            2,
            "the failing exchange holds up nothing: {looks:?}"
        );
        assert!(okx.iter().all(|l| l.result == Ok(nil.clone())));
        let binance: Vec<&Look> = looks
            .iter()
            .filter(|l| l.exchange == Exchange::Binance)
            .collect();
        assert_eq!(binance[0].result, Err(MarketError::Status { status: 500 }));
        assert!(binance[0].next_in >= interval);
        assert_eq!(binance[1].next_in, Duration::from_secs(900), "Retry-After");
    }

    #[test]
    fn no_exchanges_make_no_clients() {
        assert!(clients(&[]).unwrap().is_empty());
    }
}
