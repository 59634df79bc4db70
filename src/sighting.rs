//! What the books of the exchanges' lists and of the pre-market venues
//! share: things seen at looks (a listed asset, a priced instrument), each
//! with the last look that saw it, and, for one already there at the first
//! look, whether the user confirmed it is the watched coin of its ticker.

use std::collections::BTreeMap;

/// A thing seen at looks, kept by its base asset.
pub trait Sighting {
    /// The latest look that listed it (Unix seconds).
    fn last_seen(&self) -> i64;
    /// Whether it speaks for the coin of its ticker.
    fn counts(&self) -> bool;
    /// The user says it is the coin: from now on it counts.
    fn confirm(&mut self);
}

/// Confirms, in each of `books` (a key, its latest look, what it has
/// seen), the thing under `base` that the latest look listed and that does
/// not count yet. Returns the keys of the books confirmed.
pub fn confirm<'a, K: Copy + 'a, S: Sighting + 'a>(
    books: impl IntoIterator<Item = (K, i64, &'a mut BTreeMap<String, S>)>,
    base: &str,
) -> Vec<K> {
    let mut done = Vec::new();
    for (key, last_look, seen) in books {
        if let Some(s) = seen.get_mut(base)
            && s.last_seen() == last_look
            && !s.counts()
        {
            s.confirm();
            done.push(key);
        }
    }
    done
}

/// Drops what the rules no longer need, so no answer, however large or
/// changing, grows a book without end: what is gone for more than
/// `gone_for` seconds, then, past `max`, what is gone longest.
pub fn prune<S: Sighting>(seen: &mut BTreeMap<String, S>, now: i64, gone_for: i64, max: usize) {
    seen.retain(|_, s| now.saturating_sub(s.last_seen()) <= gone_for);
    let excess = seen.len().saturating_sub(max);
    if excess > 0 {
        let mut by_age: Vec<(i64, String)> = seen
            .iter()
            .map(|(base, s)| (s.last_seen(), base.clone()))
            .collect();
        by_age.select_nth_unstable(excess - 1);
        for (_, base) in by_age.into_iter().take(excess) {
            seen.remove(&base);
        }
    }
}
