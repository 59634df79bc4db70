//! A provider that counts its requests into the state file: the month's
//! calls every instance made, for the plan's budget.

use std::sync::Arc;

use crate::market::{Candidate, MarketError, MarketProvider, Quotes, Usage};
use crate::store::CallLedger;

/// A provider whose requests are added to the month's count in the state
/// file as they go (see [`CallLedger`]), the last ones when it is dropped.
pub struct Metered<P> {
    inner: P,
    ledger: Arc<CallLedger>,
    /// The month's calls allowed (`poll.monthly_calls` or the plan's).
    budget: Option<u64>,
}

impl<P> Metered<P> {
    pub fn new(inner: P, ledger: Arc<CallLedger>) -> Metered<P> {
        Metered {
            inner,
            ledger,
            budget: None,
        }
    }

    /// With the month's calls allowed: once every instance together has
    /// sent them, [`MarketProvider::spent`] says so.
    pub fn with_budget(self, budget: Option<u64>) -> Metered<P> {
        Metered { budget, ..self }
    }
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

    fn name(&self) -> &'static str {
        self.inner.name()
    }

    async fn key_remaining(&self) -> Result<Option<u64>, MarketError> {
        let answer = self.inner.key_remaining().await;
        self.count().await;
        answer
    }

    fn month_calls(&self) -> Option<u64> {
        let now = jiff::Timestamp::now().as_second();
        self.ledger.note(self.inner.usage().total(), now);
        self.ledger
            .month_calls(now)
            .inspect_err(|e| tracing::warn!("the month's API calls could not be read: {e}"))
            .ok()
    }

    /// Asked once a poll is due: a read of the month's count, which every
    /// instance on this data dir adds to.
    fn spent(&self) -> bool {
        self.budget
            .is_some_and(|budget| self.month_calls().is_some_and(|calls| calls >= budget))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;
    use crate::market::plan::{Plan, month_of};
    use crate::store;

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
        let book = store::load_calls(&store::StateDb::open(path).unwrap()).unwrap();
        let month = month_of(jiff::Timestamp::now().as_second());
        store::calls_in(&book, &month, Plan::Demo)
    }

    #[tokio::test]
    async fn every_request_reaches_the_state_file_by_the_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(store::STATE_FILE);
        let metered = Metered::new(
            Counting::default(),
            Arc::new(CallLedger::new(
                store::open_state(&path).unwrap(),
                Plan::Demo,
            )),
        );
        metered.prices(&[]).await.unwrap();
        assert_eq!(counted(&path), 1, "the first is written at once");
        metered.prices(&[]).await.unwrap();
        assert!(metered.search("x").await.is_err());
        assert_eq!(counted(&path), 1, "then at most once a minute");
        drop(metered);
        assert_eq!(counted(&path), 3, "and the rest as it closes");
    }

    #[tokio::test]
    async fn the_budget_is_spent_by_every_instances_calls_together() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(store::STATE_FILE);
        let ledger = |budget| {
            let db = store::open_state(&path).unwrap();
            Metered::new(
                Counting::default(),
                Arc::new(CallLedger::new(db, Plan::Demo)),
            )
            .with_budget(budget)
        };
        let (ours, theirs, unbounded) = (ledger(Some(4)), ledger(Some(4)), ledger(None));
        theirs.prices(&[]).await.unwrap();
        theirs.prices(&[]).await.unwrap();
        drop(theirs);
        ours.prices(&[]).await.unwrap();
        assert!(!ours.spent(), "3 of 4 calls, 2 of them another's");
        ours.prices(&[]).await.unwrap();
        assert!(ours.spent(), "its own call not written yet counts");
        assert!(!unbounded.spent(), "no budget, never spent");
    }
}
