//! Merging what two instances wrote, so neither overwrites the other: the
//! watchlist three ways (from the version both started from), the listings
//! and the exchanges' books by union.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::alert::Slot;
use crate::alert::{Alerts, Mark};
use crate::book::Book;
use crate::listing::{Listings, PricePoint, history_cap, thin};
use crate::model::{Coin, Taken, name_key};
use crate::state::State;

/// The merged coins, and the names kept twice because both sides changed
/// the same coin differently.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    pub coins: Vec<Coin>,
    pub conflicts: Vec<String>,
}

fn by_name(coins: &[Coin]) -> HashMap<String, &Coin> {
    coins.iter().map(|c| (c.key(), c)).collect()
}

/// Merges `ours` and `theirs`, both changed from `base`. A coin changed on
/// one side only takes that change (a delete included); changed on both in
/// the same way, that; edited on one side and deleted on the other, the
/// edit survives; edited differently on both, both are kept, theirs under a
/// new name, and named in `conflicts`. Coins are matched by name.
pub fn merge3(base: &[Coin], ours: &[Coin], theirs: &[Coin]) -> Merged {
    let (b, o, t) = (by_name(base), by_name(ours), by_name(theirs));
    let mut keys: Vec<String> = ours.iter().map(Coin::key).collect();
    let seen: HashSet<String> = keys.iter().cloned().collect();
    keys.extend(theirs.iter().map(Coin::key).filter(|k| !seen.contains(k)));

    let mut coins: Vec<Coin> = Vec::new();
    let mut copies: Vec<Coin> = Vec::new();
    let mut conflicts = Vec::new();
    for key in keys {
        let (bc, oc, tc) = (b.get(&key), o.get(&key), t.get(&key));
        let keep = match (oc, tc) {
            _ if oc == tc => oc,
            _ if oc == bc => tc,
            _ if tc == bc => oc,
            (Some(o), None) => Some(o),
            (None, Some(t)) => Some(t),
            (Some(o), Some(t)) => {
                conflicts.push(o.name.clone());
                copies.push((*t).clone());
                Some(o)
            }
            (None, None) => None,
        };
        coins.extend(keep.map(|c| (*c).clone()));
    }
    for mut copy in copies {
        copy.name = free_name(&coins, &format!("{} (other copy)", copy.name));
        coins.push(copy);
    }
    // What is written must load again, so each coin passes the watchlist's
    // validation against those before it. The one clash a merge can leave
    // is a market id two sides gave to two coins: the first keeps it.
    let mut taken = Taken::default();
    for c in &mut coins {
        if c.check(&taken).is_err() {
            conflicts.push(c.name.clone());
            c.market_id = None;
        }
        taken.insert(c);
    }
    Merged { coins, conflicts }
}

/// `wanted`, or `wanted 2`, `wanted 3`… whichever no coin has.
fn free_name(coins: &[Coin], wanted: &str) -> String {
    let keys: HashSet<String> = coins.iter().map(Coin::key).collect();
    let taken = |n: &str| keys.contains(&name_key(n));
    if !taken(wanted) {
        return wanted.to_string();
    }
    let mut i = 2u64;
    loop {
        let name = format!("{wanted} {i}");
        if !taken(&name) {
            return name;
        }
        i += 1;
    }
}

/// Both sides' state: the listings by union (see [`merge_listings`]), the
/// exchanges' books (see [`merge_books`]) and the price alerts' memos (see
/// [`merge_alerts`]).
pub fn merge_state(ours: &State, theirs: &State) -> State {
    State {
        listings: merge_listings(&ours.listings, &theirs.listings),
        book: merge_books(&ours.book, &theirs.book),
        told: crate::told::merge(&ours.told, &theirs.told),
        alerts: merge_alerts(&ours.alerts, &theirs.alerts),
        // The merge holds all of both: either base will do.
        based_on: theirs.based_on.or(ours.based_on),
    }
}

/// Both instances' memos in one, per market id and direction: the mark that
/// changed last wins; at the same time, a fired one beats a re-armed one,
/// and a mark beats none. So a crossing that either instance told is not
/// told again by the other after they merge.
pub fn merge_alerts(ours: &Alerts, theirs: &Alerts) -> Alerts {
    let mut out = ours.clone();
    for (id, t) in theirs {
        let o = out.entry(id.clone()).or_default();
        for slot in Slot::ALL {
            let ours = o.mark(slot);
            *ours = match (*ours, t.get(slot)) {
                (Some(a), Some(b)) => Some(later_mark(a, b)),
                (a, b) => a.or(b),
            };
        }
    }
    out
}

/// The mark that changed last; at the same time, a fired one; else `a`.
fn later_mark(a: Mark, b: Mark) -> Mark {
    let key = |m: &Mark| (m.changed_at(), m.rearmed_at.is_none());
    if key(&b) > key(&a) { b } else { a }
}

/// Every listing of either side. Where both saw a coin list, the earlier
/// flip is kept, with the later of the two latest prices and both price
/// histories in one (see [`merge_history`]). Every history is then held to
/// its share for the merged number of listings (`listing::history_cap`).
pub fn merge_listings(ours: &Listings, theirs: &Listings) -> Listings {
    let mut out = ours.clone();
    for (id, t) in theirs {
        let Some(shared) = out.get_mut(id) else {
            out.insert(id.clone(), Arc::clone(t));
            continue;
        };
        if Arc::ptr_eq(shared, t) {
            continue;
        }
        // One side's history is most often the other's with the latest
        // polls added: the union is then the longer one.
        let history = if t.history.starts_with(&shared.history) {
            (t.history.len() > shared.history.len()).then(|| t.history.clone())
        } else if !shared.history.starts_with(&t.history) {
            Some(merge_history(&shared.history, &t.history))
        } else {
            None
        };
        let earlier_flip = t.listed_at < shared.listed_at;
        let later_price = t.updated_at > shared.updated_at;
        if history.is_none() && !earlier_flip && !later_price {
            continue;
        }
        let o = Arc::make_mut(shared);
        if let Some(history) = history {
            o.history = history;
        }
        if earlier_flip {
            o.listed_at = t.listed_at;
            o.first_price = t.first_price;
        }
        if later_price {
            o.price_usd = t.price_usd;
            o.change_24h = t.change_24h;
            o.market_cap = t.market_cap;
            o.updated_at = t.updated_at;
            o.stale = t.stale;
        }
    }
    let cap = history_cap(out.len());
    for l in out.values_mut() {
        if l.history.len() > cap {
            thin(&mut Arc::make_mut(l).history, cap);
        }
    }
    out
}

/// Two histories of one coin in one: every point of either, in time order,
/// one per time (ours where both have one).
pub fn merge_history(ours: &[PricePoint], theirs: &[PricePoint]) -> Vec<PricePoint> {
    let mut out = Vec::with_capacity(ours.len() + theirs.len());
    let (mut o, mut t) = (ours.iter().peekable(), theirs.iter().peekable());
    loop {
        let next = match (o.peek(), t.peek()) {
            (Some(a), Some(b)) if b.at < a.at => t.next(),
            (Some(a), Some(b)) if b.at == a.at => {
                t.next();
                o.next()
            }
            (Some(_), _) => o.next(),
            (None, Some(_)) => t.next(),
            (None, None) => break,
        };
        if let Some(&p) = next
            && out.last().is_none_or(|last: &PricePoint| last.at < p.at)
        {
            out.push(p);
        }
    }
    out
}

/// Both instances' books in one: each exchange's looks span both, each
/// asset is seen from the earlier of the two, listed at the first listing,
/// confirmed if either confirmed it, and stands as the later look saw it.
pub fn merge_books(ours: &Book, theirs: &Book) -> Book {
    let mut out = ours.clone();
    *out.premarket = crate::premarket::merge(&ours.premarket, &theirs.premarket);
    *out.dex = crate::dex::merge(&ours.dex, &theirs.dex);
    out.dismissed = crate::dismissed::merge(&ours.dismissed, &theirs.dismissed);
    for (&exchange, t) in &theirs.exchanges {
        let Some(o) = out.exchanges.get_mut(&exchange) else {
            out.exchanges.insert(exchange, t.clone());
            continue;
        };
        let theirs_newer = t.last_look > o.last_look;
        for (base, ta) in &t.assets {
            let Some(oa) = o.assets.get_mut(base) else {
                o.assets.insert(base.clone(), ta.clone());
                continue;
            };
            if ta.last_seen > oa.last_seen {
                oa.pairs = ta.pairs.clone();
                oa.last_seen = ta.last_seen;
            }
            oa.first_seen = oa.first_seen.min(ta.first_seen);
            // Either side's first look seeing it makes it ambiguous.
            oa.at_first_look |= ta.at_first_look;
            oa.confirmed |= ta.confirmed;
            oa.listed_at = match (oa.listed_at, ta.listed_at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        o.first_look = o.first_look.min(t.first_look);
        if theirs_newer {
            o.last_look = t.last_look;
        }
        // What one side pruned the other still holds: the union is held to
        // the same bound, or a pruned asset would come back at each save.
        crate::book::prune(o, o.last_look);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::Mark;
    use crate::listing::Listing;
    use crate::model::Watchlist;

    fn coins() -> Vec<Coin> {
        Watchlist::builtin().coins
    }

    fn names(c: &[Coin]) -> Vec<&str> {
        c.iter().map(|c| c.name.as_str()).collect()
    }

    fn with_notes(mut c: Vec<Coin>, i: usize, notes: &str) -> Vec<Coin> {
        c[i].notes = notes.into();
        c
    }

    #[test]
    fn changes_on_both_sides_to_different_coins_are_both_kept() {
        let base = coins();
        let mut ours = with_notes(base.clone(), 1, "ours");
        ours.push(Coin {
            name: "Mine".into(),
            rank: 15,
            ..base[0].clone()
        });
        ours[14].market_id = None;
        let mut theirs = with_notes(base.clone(), 2, "theirs");
        theirs.remove(5);
        let m = merge3(&base, &ours, &theirs);
        assert!(m.conflicts.is_empty());
        assert_eq!(m.coins[1].notes, "ours");
        assert_eq!(m.coins[2].notes, "theirs");
        assert!(!names(&m.coins).contains(&"ReadyGG"), "their delete holds");
        assert!(names(&m.coins).contains(&"Mine"), "our add holds");
        assert_eq!(m.coins.len(), 14);
    }

    #[test]
    fn the_same_coin_edited_differently_is_kept_twice_and_said() {
        let base = coins();
        let ours = with_notes(base.clone(), 1, "ours");
        let theirs = with_notes(base.clone(), 1, "theirs");
        let m = merge3(&base, &ours, &theirs);
        assert_eq!(m.coins[1].notes, "ours");
        let copy = m.coins.last().unwrap();
        assert_eq!(copy.name, "Nillion (other copy)");
        assert_eq!(copy.notes, "theirs");
        assert_eq!(copy.market_id, None, "one market id, one coin");
        assert_eq!(
            m.conflicts,
            ["Nillion", "Nillion (other copy)"],
            "the cleared id is said too"
        );
    }

    #[test]
    fn alerts_merge_like_every_other_field() {
        let base = coins();
        let ours = with_notes(base.clone(), 1, "ours");
        let mut theirs = base.clone();
        theirs[2].alert_above = crate::types::Usd::new(3.0);
        let m = merge3(&base, &ours, &theirs);
        assert_eq!(
            m.coins[2].alert_above.map(|p| p.get()),
            Some(3.0),
            "their alert holds"
        );
        assert_eq!(m.coins[1].notes, "ours");
        let mut both = ours.clone();
        both[2].alert_above = crate::types::Usd::new(2.0);
        let m = merge3(&base, &both, &theirs);
        assert_eq!(m.conflicts, ["My Pet Hooligan"], "set differently on both");
    }

    #[test]
    fn an_edit_beats_a_delete_and_equal_changes_merge() {
        let base = coins();
        let ours = with_notes(base.clone(), 3, "kept");
        let mut theirs = base.clone();
        theirs.remove(3);
        let m = merge3(&base, &ours, &theirs);
        assert_eq!(m.coins[3].notes, "kept");
        let same = with_notes(base.clone(), 0, "both");
        let m = merge3(&base, &same, &same);
        assert_eq!(m.coins, same);
        assert!(m.conflicts.is_empty());
    }

    #[test]
    fn listings_merge_keeps_the_first_flip_and_the_latest_price() {
        let l = |listed_at, first, price, updated_at| Listing {
            listed_at,
            first_price: first,
            price_usd: price,
            change_24h: None,
            market_cap: None,
            updated_at,
            stale: false,
            history: Vec::new(),
        };
        let ours = Listings::from([
            ("a".into(), l(200, 2.0, 3.0, 900).into()),
            ("b".into(), l(1, 1.0, 1.0, 1).into()),
        ]);
        let theirs = Listings::from([
            ("a".into(), l(100, 1.5, 2.5, 800).into()),
            ("c".into(), l(5, 5.0, 5.0, 5).into()),
        ]);
        let m = merge_listings(&ours, &theirs);
        assert_eq!(m.len(), 3);
        assert_eq!(*m["a"], l(100, 1.5, 3.0, 900));
    }

    #[test]
    fn histories_merge_by_time_once_each_in_order_within_the_cap() {
        let h = |v: &[(i64, f64)]| -> Vec<PricePoint> { v.iter().map(|&p| p.into()).collect() };
        let merged = merge_history(
            &h(&[(10, 1.0), (30, 3.0), (50, 5.0)]),
            &h(&[(20, 2.0), (30, 9.0), (60, 6.0)]),
        );
        assert_eq!(
            merged,
            h(&[(10, 1.0), (20, 2.0), (30, 3.0), (50, 5.0), (60, 6.0)]),
            "ours at a time both have"
        );
        assert_eq!(merge_history(&[], &h(&[(1, 1.0)])), h(&[(1, 1.0)]));

        let with = |history: Vec<PricePoint>| Listing {
            listed_at: history[0].at,
            first_price: history[0].price,
            price_usd: history[history.len() - 1].price,
            change_24h: None,
            market_cap: None,
            updated_at: history[history.len() - 1].at,
            stale: false,
            history,
        };
        let evens: Vec<(i64, f64)> = (0..400).map(|i| (i * 2, 1.0)).collect();
        let odds: Vec<(i64, f64)> = (0..400).map(|i| (i * 2 + 1, 2.0)).collect();
        let ours = Listings::from([("a".into(), with(h(&evens)).into())]);
        let theirs = Listings::from([("a".into(), with(h(&odds)).into())]);
        let m = merge_listings(&ours, &theirs);
        let history = &m["a"].history;
        assert!(
            history.len() <= crate::listing::HISTORY_POINTS,
            "{}",
            history.len()
        );
        assert_eq!((history[0].at, history[history.len() - 1].at), (0, 799));
        assert!(history.windows(2).all(|w| w[0].at < w[1].at));
        assert_eq!(
            merge_listings(&m, &m),
            m,
            "merging with itself changes nothing"
        );
    }

    #[test]
    fn merge_keeps_the_later_mark_and_fired_over_none() {
        let fired = |at| Mark {
            threshold: 1.0,
            fired_at: at,
            rearmed_at: None,
        };
        let rearmed = |at, re| Mark {
            rearmed_at: Some(re),
            ..fired(at)
        };
        let memo = |above, below| crate::alert::AlertMemo {
            above,
            below,
            overweight: None,
        };
        let ours = Alerts::from([
            ("a".into(), memo(Some(fired(10)), None)),
            ("b".into(), memo(Some(rearmed(10, 20)), Some(fired(5)))),
            ("c".into(), memo(Some(fired(30)), None)),
        ]);
        let theirs = Alerts::from([
            ("a".into(), memo(Some(fired(12)), Some(fired(3)))),
            ("b".into(), memo(Some(fired(15)), Some(rearmed(5, 5)))),
            ("d".into(), memo(None, Some(fired(1)))),
        ]);
        let m = merge_alerts(&ours, &theirs);
        assert_eq!(m["a"], memo(Some(fired(12)), Some(fired(3))));
        assert_eq!(
            m["b"],
            memo(Some(rearmed(10, 20)), Some(fired(5))),
            "a re-arm after their fire stands; at one time, fired wins"
        );
        assert_eq!(m["c"], memo(Some(fired(30)), None));
        assert_eq!(m["d"], memo(None, Some(fired(1))));
        assert_eq!(
            merge_alerts(&theirs, &ours)["b"],
            m["b"],
            "either way round"
        );
    }
}
