//! Asking for many ids one chunk after another, so that a chunk that fails
//! or runs out of time costs only its own ids and the later ones: what the
//! chunks before it said still counts. The poller and `prelist check` both
//! ask this way.

use std::time::Duration;

use super::coingecko::CHUNK;
use super::{MarketError, MarketProvider, Quotes};

/// What the chunks fetched before the end said.
#[derive(Debug, Default)]
pub struct Fetched {
    /// How many ids, from the start of the list, were answered: chunks go
    /// one after another, so the answered ids are always a prefix.
    pub answered: usize,
    pub quotes: Quotes,
    /// Why the fetch ended early, if it did.
    pub stopped: Option<Stop>,
}

/// Why a fetch ended before every chunk was answered.
#[derive(Debug, PartialEq)]
pub enum Stop {
    Deadline,
    Failed(MarketError),
}

/// Asks for `ids` one chunk of [`CHUNK`] after another until all are
/// answered, one fails, or `deadline` (from now; `None`: none) passes.
pub async fn fetch(
    provider: &impl MarketProvider,
    ids: &[String],
    deadline: Option<Duration>,
) -> Fetched {
    let mut fetched = Fetched::default();
    // A deadline too far away to represent is no deadline.
    let until = deadline.and_then(|d| tokio::time::Instant::now().checked_add(d));
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
        let got = fetch(&fake, &ids, Some(Duration::from_secs(5))).await;
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
        let got = fetch(&fake, &ids, Some(Duration::from_secs(5))).await;
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
            Some(Duration::from_secs(u64::MAX)),
        )
        .await;
        assert_eq!((all.stopped, all.answered), (None, 600));
    }
}
