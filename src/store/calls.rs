//! The month's API calls of every instance on this data dir, kept in the
//! state database by UTC month and plan, so the status line and the plan's
//! budget count them all.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use super::StoreError;
use super::db::StateDb;
use super::rows;
use super::state::CallBook;
use crate::market::plan::{Plan, month_of};

/// A month's calls of `plan` in `book`.
pub fn calls_in(book: &CallBook, month: &str, plan: Plan) -> u64 {
    book.get(month)
        .and_then(|by_plan| by_plan.get(plan.key()))
        .copied()
        .unwrap_or(0)
}

/// The month before "YYYY-MM".
fn previous_month(month: &str) -> String {
    let year: i32 = month.get(..4).and_then(|y| y.parse().ok()).unwrap_or(0);
    let m: u32 = month.get(5..).and_then(|m| m.parse().ok()).unwrap_or(1);
    if m <= 1 {
        format!("{:04}-12", year - 1)
    } else {
        format!("{year:04}-{:02}", m - 1)
    }
}

/// Adds `pending` calls of `plan` (by month) to the database's count, in
/// one transaction: each instance adds only what it sent, so none is
/// counted twice. Months before the previous one (at Unix time `now`) are
/// dropped. Returns every count the database now holds.
pub fn add_calls(
    db: &StateDb,
    plan: Plan,
    pending: &BTreeMap<String, u64>,
    now: i64,
) -> Result<CallBook, StoreError> {
    db.write(|tx| {
        let err = |e| db.error(e);
        for (month, n) in pending {
            rows::add_calls(tx, month, plan, *n).map_err(err)?;
        }
        rows::drop_calls_before(tx, &previous_month(&month_of(now))).map_err(err)?;
        rows::read_calls(tx, db.path())
    })
}

/// The calls counted in the database; none when there is none.
pub fn load_calls(db: &StateDb) -> Result<CallBook, StoreError> {
    Ok(db
        .read(|tx| rows::read_calls(tx, db.path()))?
        .unwrap_or_default())
}

/// How often a [`CallLedger`] writes, at most (seconds): polls may come
/// every 10 s, and each write wakes every other instance's look.
pub const CALLS_SAVE_GAP: i64 = 60;

/// This process's API calls not yet in the state database. They are added to
/// the file's count with [`add_calls`], at most once a [`CALLS_SAVE_GAP`]
/// and when the ledger is dropped; what fails to be written stays pending
/// for the next try.
#[derive(Debug)]
pub struct CallLedger {
    db: Arc<StateDb>,
    plan: Plan,
    pending: Mutex<Pending>,
}

#[derive(Debug, Default)]
struct Pending {
    /// The provider's running total already taken in.
    seen: u64,
    by_month: BTreeMap<String, u64>,
    written_at: Option<i64>,
}

impl CallLedger {
    pub fn new(db: Arc<StateDb>, plan: Plan) -> CallLedger {
        CallLedger {
            db,
            plan,
            pending: Mutex::default(),
        }
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Pending> {
        // A panic elsewhere while it was held leaves counts worth keeping.
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes in a provider's running total of requests sent, as of Unix
    /// time `now`. Returns whether a write is due.
    pub fn note(&self, total: u64, now: i64) -> bool {
        let mut p = self.pending();
        let new = total.saturating_sub(p.seen);
        p.seen = p.seen.max(total);
        if new > 0 {
            let count = p.by_month.entry(month_of(now)).or_default();
            *count = count.saturating_add(new);
        }
        !p.by_month.is_empty() && p.written_at.is_none_or(|at| now - at >= CALLS_SAVE_GAP)
    }

    /// The month's calls as of Unix time `now`: every instance's in the
    /// state database, and this one's not written yet.
    pub fn month_calls(&self, now: i64) -> Result<u64, StoreError> {
        let month = month_of(now);
        let pending = self.pending().by_month.get(&month).copied().unwrap_or(0);
        let stored = calls_in(&load_calls(&self.db)?, &month, self.plan);
        Ok(stored.saturating_add(pending))
    }

    /// Adds what is pending to the state database. The pending counts are taken
    /// out first, so that `note` never waits on the file, and put back if
    /// the write fails.
    pub fn flush(&self, now: i64) -> Result<(), StoreError> {
        let taken = {
            let mut p = self.pending();
            p.written_at = Some(now);
            std::mem::take(&mut p.by_month)
        };
        if taken.is_empty() {
            return Ok(());
        }
        add_calls(&self.db, self.plan, &taken, now)
            .map(drop)
            .inspect_err(|_| {
                let mut p = self.pending();
                for (month, n) in taken {
                    let count = p.by_month.entry(month).or_default();
                    *count = count.saturating_add(n);
                }
            })
    }
}

impl Drop for CallLedger {
    /// The last calls are written as the app closes.
    fn drop(&mut self) {
        if let Err(e) = self.flush(jiff::Timestamp::now().as_second()) {
            tracing::warn!("the month's API calls could not be counted: {e}");
        }
    }
}
