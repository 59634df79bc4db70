//! Which events have been told, kept in the state file so that two
//! instances on one data dir (a screen and `prelist watch`, say) never
//! both tell the same one.
//!
//! An instance that sees an event first writes a claim for it, under the
//! state file's lock, and tells it only if the file it wrote back still
//! holds its own claim: the first claim written wins, and the loser stays
//! quiet. Claims are kept for [`KEEP_DAYS`] days, at most [`MAX_CLAIMS`].

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};

use serde::{Deserialize, Serialize};

/// Claims older than this (against the newest) are dropped when written.
pub const KEEP_DAYS: i64 = 90;

/// At most this many claims are kept, the newest.
pub const MAX_CLAIMS: usize = 10_000;

/// One event told: when, and by which instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// Unix seconds.
    pub at: i64,
    /// The instance that told it (see [`instance_id`]).
    pub by: u64,
}

/// Claims by event key (see [`crate::notify::Event::claim_key`]).
pub type Told = BTreeMap<String, Claim>;

/// A number for this instance, different from any other's: a claim
/// carrying it was written by this process.
pub fn instance_id() -> u64 {
    // std's hasher seeds are random per process: no crate needed for this.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    h.finish()
}

/// Both sides' claims. Where both claim one event, `disk`'s stands: it was
/// written first, and its writer may already have told it.
pub fn merge(ours: &Told, disk: &Told) -> Told {
    let mut out = ours.clone();
    for (k, c) in disk {
        out.insert(k.clone(), *c);
    }
    out
}

/// Drops claims older than [`KEEP_DAYS`] before the newest, then all but
/// the newest [`MAX_CLAIMS`].
pub fn prune(told: &mut Told) {
    let Some(newest) = told.values().map(|c| c.at).max() else {
        return;
    };
    let oldest = newest.saturating_sub(KEEP_DAYS * 86_400);
    told.retain(|_, c| c.at >= oldest);
    if told.len() > MAX_CLAIMS {
        let mut ats: Vec<i64> = told.values().map(|c| c.at).collect();
        ats.sort_unstable();
        let cut = ats[told.len() - MAX_CLAIMS];
        told.retain(|_, c| c.at >= cut);
        // Ties at the cut: drop by key order until the cap holds.
        while told.len() > MAX_CLAIMS {
            let Some(k) = told
                .iter()
                .find(|(_, c)| c.at == cut)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            told.remove(&k);
        }
    }
}

/// What is wrong with a claim read from a state file, if anything.
pub fn problem(key: &str, claim: &Claim) -> Option<String> {
    if key.is_empty() || key.len() > 1024 {
        Some("has a key that is empty or longer than 1024 bytes".into())
    } else if claim.at < 0 {
        Some(format!("was told at {}, before 1970", claim.at))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_claim_written_first_stands() {
        let ours = Told::from([
            ("a".into(), Claim { at: 5, by: 1 }),
            ("b".into(), Claim { at: 5, by: 1 }),
        ]);
        let disk = Told::from([("a".into(), Claim { at: 9, by: 2 })]);
        let m = merge(&ours, &disk);
        assert_eq!(m["a"].by, 2);
        assert_eq!(m["b"].by, 1);
    }

    #[test]
    fn old_and_surplus_claims_are_dropped() {
        let day = 86_400;
        let mut told = Told::from([
            ("old".into(), Claim { at: 0, by: 1 }),
            (
                "new".into(),
                Claim {
                    at: KEEP_DAYS * day + 1,
                    by: 1,
                },
            ),
        ]);
        prune(&mut told);
        assert_eq!(told.keys().collect::<Vec<_>>(), ["new"]);

        let mut many: Told = (0..MAX_CLAIMS as i64 + 50)
            .map(|i| (format!("k{i}"), Claim { at: i / 2, by: 1 }))
            .collect();
        prune(&mut many);
        assert_eq!(many.len(), MAX_CLAIMS);
        assert!(many.contains_key(&format!("k{}", MAX_CLAIMS + 49)));
    }

    #[test]
    fn instances_differ() {
        assert_ne!(instance_id(), instance_id());
    }
}
