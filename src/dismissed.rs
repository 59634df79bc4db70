//! The kinds of Discover's rows (see `crate::discover`), and the rows the
//! user dismissed: kept in the state (merged across instances like the rest), each hidden until
//! its status changes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr};

/// At most this many dismissals are kept; the oldest go first.
pub const MAX_DISMISSED: usize = 10_000;

/// Where a row stands, in the order a coin moves.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    EnumString,
    IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase")]
pub enum Kind {
    /// An exchange announced its opening.
    Scheduled,
    /// A pre-market venue prices it.
    Premarket,
    /// An exchange listed it within the last days.
    Listed,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A row the user dismissed: hidden until its status changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dismissal {
    pub status: Kind,
    /// When (Unix seconds): the oldest go first past [`MAX_DISMISSED`].
    pub at: i64,
}

/// The dismissed rows, by ticker.
pub type Dismissed = BTreeMap<String, Dismissal>;

/// Dismisses the row of `ticker`, standing at `status`, at `now`, keeping at most [`MAX_DISMISSED`].
pub fn dismiss(dismissed: &mut Dismissed, ticker: &str, status: Kind, now: i64) {
    dismissed.insert(ticker.to_string(), Dismissal { status, at: now });
    bound(dismissed);
}

/// Drops the oldest dismissals past [`MAX_DISMISSED`].
pub fn bound(dismissed: &mut Dismissed) {
    let excess = dismissed.len().saturating_sub(MAX_DISMISSED);
    if excess == 0 {
        return;
    }
    let mut by_age: Vec<(i64, String)> = dismissed.iter().map(|(t, d)| (d.at, t.clone())).collect();
    by_age.sort();
    for (_, t) in by_age.into_iter().take(excess) {
        dismissed.remove(&t);
    }
}

/// Both instances' dismissals: each ticker's later one.
pub fn merge(ours: &Dismissed, theirs: &Dismissed) -> Dismissed {
    let mut out = ours.clone();
    for (t, d) in theirs {
        if out.get(t).is_none_or(|o| o.at < d.at) {
            out.insert(t.clone(), *d);
        }
    }
    bound(&mut out);
    out
}
