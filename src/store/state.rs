//! The JSON state file older prelists kept (`state.json`): read and checked
//! whole, to be taken into the state database (see [`super::import`]).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::StoreError;
use crate::alert::{Alerts, memo_problem};
use crate::book::Book;
use crate::fs::{ReadError, json_within, read_text, write_atomic};
use crate::listing::{Listing, PricePoint};
use crate::market::plan::Plan;
use crate::state::State;
use crate::told::{self, Told};
use crate::types::is_market_id;

pub const STATE_VERSION: u32 = 1;
/// A state file larger than this is refused: a real one is a few kilobytes.
pub const MAX_STATE_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Document {
    version: u32,
    /// Sorted, so the file is stable from one write to the next.
    listings: BTreeMap<String, Listing>,
    /// What each watched exchange lists; absent in files written before
    /// exchanges were watched.
    #[serde(default, skip_serializing_if = "book_is_empty")]
    exchanges: Book,
    /// The API calls made, by UTC month and plan; files written before
    /// calls were counted have none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(super) calls: CallBook,
    /// The events told, so no two instances tell one (see [`told`]).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    told: Told,
    /// Which price alerts fired, by market id; files written before alerts
    /// have none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    alerts: Alerts,
}

impl Document {
    /// The state it holds, and its count of calls.
    pub(super) fn into_parts(self) -> (State, CallBook) {
        let state = State {
            listings: self
                .listings
                .into_iter()
                .map(|(id, l)| (id.into(), Arc::new(l)))
                .collect(),
            book: self.exchanges,
            told: self.told,
            alerts: self.alerts,
            based_on: None,
        };
        (state, self.calls)
    }
}

fn book_is_empty(book: &Book) -> bool {
    book.exchanges.is_empty()
}

/// What is wrong with a listing for `id`, from a state file or an import:
/// the id must be a market id and each price one a coin can have (see
/// `types::is_price`), or nothing should count it as trading.
pub fn listing_problem(id: &str, l: &Listing) -> Option<String> {
    let finite = |v: Option<f64>| v.is_none_or(f64::is_finite);
    if !is_market_id(id) {
        Some("is not under a market id".into())
    } else if !crate::types::is_price(l.price_usd) {
        Some(format!(
            "has a price of {} USD, which no coin can have",
            crate::text::number(l.price_usd)
        ))
    } else if !crate::types::is_price(l.first_price) {
        Some(format!(
            "has a first price of {} USD, which no coin can have",
            crate::text::number(l.first_price)
        ))
    } else if !finite(l.change_24h) || !finite(l.market_cap) {
        Some("has a 24h change or market cap that is not a number".into())
    } else {
        history_problem(&l.history)
    }
}

/// What is wrong with a listing's price history: each price must be one a
/// coin can have, and each point later than the one before.
fn history_problem(history: &[PricePoint]) -> Option<String> {
    if let Some((i, p)) = history
        .iter()
        .enumerate()
        .find(|(_, p)| !crate::types::is_price(p.price))
    {
        return Some(format!(
            "has a price of {} USD at point {} of its history, which no coin can have",
            crate::text::number(p.price),
            i + 1
        ));
    }
    history
        .windows(2)
        .position(|w| w[1].at <= w[0].at)
        .map(|i| {
            format!(
                "has a history out of time order: point {} ({}) is not later than point {} ({})",
                i + 2,
                history[i + 1].at,
                i + 1,
                history[i].at
            )
        })
}

/// Loads the state file; a missing one is an empty state. Every listing in
/// it must be one a poll could have recorded, else the file is refused.
pub fn load_state(path: &Path) -> Result<State, StoreError> {
    Ok(read_state(path)?.into_parts().0)
}

/// The whole state file, checked; a missing one is an empty state.
pub(super) fn read_state(path: &Path) -> Result<Document, StoreError> {
    let text = match read_text(path, MAX_STATE_BYTES) {
        Ok(text) => text,
        Err(e) if e.is_not_found() => {
            return Ok(Document {
                version: STATE_VERSION,
                listings: BTreeMap::new(),
                exchanges: Book::default(),
                calls: CallBook::new(),
                told: Told::new(),
                alerts: Alerts::new(),
            });
        }
        Err(ReadError::TooLarge {
            size: Some(size),
            max,
        }) => {
            return Err(StoreError::TooLarge {
                path: path.to_path_buf(),
                size,
                max,
            });
        }
        Err(source) => {
            return Err(StoreError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let mut state: Document = serde_json::from_str(&text).map_err(|e| StoreError::Json {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: crate::model::json_message(&e),
    })?;
    if state.version != STATE_VERSION {
        return Err(StoreError::Version {
            path: path.to_path_buf(),
            found: state.version,
        });
    }
    check_listings(path, state.listings.iter().map(|(id, l)| (id.as_str(), l)))?;
    distrust_the_future(
        state.listings.values_mut(),
        jiff::Timestamp::now().as_second(),
    );
    check_claims(path, &state.told)?;
    check_alerts(path, &state.alerts)?;
    check_calls(path, &state.calls)?;
    Ok(state)
}

/// Refuses the listings if one is no prelist's, naming the first by id
/// (so that the same one is named each time, whatever the order given).
pub(super) fn check_listings<'a>(
    path: &Path,
    listings: impl IntoIterator<Item = (&'a str, &'a Listing)>,
) -> Result<(), StoreError> {
    let bad = listings
        .into_iter()
        .filter_map(|(id, l)| Some((id, listing_problem(id, l)?)))
        .min_by(|a, b| a.0.cmp(b.0));
    match bad {
        None => Ok(()),
        Some((id, problem)) => Err(StoreError::BadListing {
            path: path.to_path_buf(),
            id: id.to_string(),
            problem,
        }),
    }
}

/// Refuses the claims if one is no prelist's, naming it.
pub(super) fn check_claims(path: &Path, told: &Told) -> Result<(), StoreError> {
    match told
        .iter()
        .find_map(|(key, c)| Some((key, told::problem(key, c)?)))
    {
        None => Ok(()),
        Some((key, problem)) => Err(StoreError::BadClaim {
            path: path.to_path_buf(),
            key: crate::text::clean(key).into_owned(),
            problem,
        }),
    }
}

/// Refuses the alert marks if one is no prelist's, naming its market id.
pub(super) fn check_alerts(path: &Path, alerts: &Alerts) -> Result<(), StoreError> {
    match alerts
        .iter()
        .find_map(|(id, m)| Some((id, memo_problem(id, m)?)))
    {
        None => Ok(()),
        Some((id, problem)) => Err(StoreError::BadAlert {
            path: path.to_path_buf(),
            id: id.clone(),
            problem,
        }),
    }
}

/// Refuses the counts of calls if a month's is no prelist's, naming it.
pub(super) fn check_calls(path: &Path, calls: &CallBook) -> Result<(), StoreError> {
    match calls
        .iter()
        .find_map(|(month, by)| Some((month, calls_problem(month, by)?)))
    {
        None => Ok(()),
        Some((month, problem)) => Err(StoreError::BadCalls {
            path: path.to_path_buf(),
            month: month.clone(),
            problem,
        }),
    }
}

/// Writes a JSON state file atomically with this state and no count of
/// calls, as older prelists did. One that would be too large to load
/// again is refused, and nothing is written.
pub fn save_state(path: &Path, state: &State) -> Result<(), StoreError> {
    write_state(
        path,
        &Document {
            version: STATE_VERSION,
            listings: state
                .listings
                .iter()
                .map(|(k, v)| (k.to_string(), Listing::clone(v)))
                .collect(),
            exchanges: state.book.clone(),
            calls: CallBook::new(),
            told: state.told.clone(),
            alerts: state.alerts.clone(),
        },
    )
}

/// Writes `state` atomically, unless it would be too large to load again.
pub(super) fn write_state(path: &Path, state: &Document) -> Result<(), StoreError> {
    let text = json_within(state, MAX_STATE_BYTES).map_err(|size| StoreError::WouldBeTooLarge {
        path: path.to_path_buf(),
        size,
        max: MAX_STATE_BYTES,
    })?;
    Ok(write_atomic(path, text.as_bytes())?)
}

/// API calls by UTC month ("2026-11") and plan (`Plan::key`): every
/// instance's on this data dir, as the state file holds them.
pub type CallBook = BTreeMap<String, BTreeMap<String, u64>>;

/// What is wrong with a month's entry of a state file's calls.
pub(super) fn calls_problem(month: &str, by_plan: &BTreeMap<String, u64>) -> Option<String> {
    let b = month.as_bytes();
    let is_month = b.len() == 7
        && b[4] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || c.is_ascii_digit())
        && matches!(month[5..].parse::<u8>(), Ok(1..=12));
    if !is_month {
        return Some("is not under a month (YYYY-MM)".into());
    }
    by_plan
        .keys()
        .find(|k| Plan::from_key(k).is_none())
        .map(|k| {
            format!(
                "names the plan {:?}, which is none of {}",
                crate::text::clean(k),
                Plan::ALL.map(Plan::key).join(", ")
            )
        })
}

/// A time from the future in a file (written by a prelist that believed a
/// source's clock, or a clock set wrong) would win every merge and hold
/// the price for good: such a price counts from now, and points of its
/// history from the future are dropped, as a source's own are
/// (`listing::received_at`).
pub(super) fn distrust_the_future<'a>(
    listings: impl IntoIterator<Item = &'a mut Listing>,
    now: i64,
) {
    let ahead = now.saturating_add(crate::listing::MAX_AHEAD_SECS);
    for l in listings {
        l.updated_at = crate::listing::received_at(Some(l.updated_at), now);
        l.history.retain(|point| point.at <= ahead);
    }
}
