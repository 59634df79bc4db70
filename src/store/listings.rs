//! CoinGecko's listings in the state database: a row per listing, and a
//! journal of ticks.
//!
//! A poll moves every price, and at 20,000 coins rewriting every row (its
//! history packed in it) cost about 100 ms of CPU and 8 MB written a save.
//! So a listing whose change is only what a poll makes (a new latest price,
//! and that price recorded in its history) goes into the save's *tick*
//! instead: one row holding every such change of one save, about 50 bytes
//! a coin. Reading replays the ticks over the rows in order, with the very
//! rule ([`record`]) and history cap that made them.
//!
//! Each save also *folds* a slice of the listings, those whose rows are
//! oldest: it writes them whole, marked with the save's revision, after
//! which ticks up to that revision no longer apply to them. A tick older
//! than every row's mark is deleted. So the journal holds at most
//! [`FOLD_SPAN`] saves' ticks, and the cost of folding is spread evenly
//! over the saves instead of falling on one of them.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use rusqlite::{Connection, params};

use super::StoreError;
use super::db_error;
use crate::listing::{Listing, Listings, PricePoint, history_cap, record};

/// How many saves it takes to fold every listing once: each save folds
/// this fraction of them, and the journal holds at most this many ticks.
pub const FOLD_SPAN: usize = 16;

/// The bytes of one point of a packed history: its time (i64) and its
/// price (f64), little-endian.
const POINT_BYTES: usize = 16;

/// A history as one value: one row written per listing (rather than one
/// per point) is what keeps a whole write cheap.
fn pack_history(history: &[PricePoint]) -> Vec<u8> {
    let mut out = Vec::with_capacity(history.len() * POINT_BYTES);
    for p in history {
        out.extend_from_slice(&p.at.to_le_bytes());
        out.extend_from_slice(&p.price.to_le_bytes());
    }
    out
}

/// A packed history; `None` when the bytes are no whole number of points
/// (what each point holds is checked with the listing).
fn unpack_history(bytes: &[u8]) -> Option<Vec<PricePoint>> {
    if !bytes.len().is_multiple_of(POINT_BYTES) {
        return None;
    }
    let mut r = Reader(bytes);
    (0..bytes.len() / POINT_BYTES)
        .map(|_| {
            Some(PricePoint {
                at: r.i64()?,
                price: r.f64()?,
            })
        })
        .collect()
}

/// Every listing: the rows, then the ticks replayed over them. A row or a
/// tick that no prelist could have written refuses the whole, naming it.
pub fn read_listings(conn: &Connection, path: &Path) -> Result<Listings, StoreError> {
    let err = |e| db_error(path, e);
    let bad = |id: String, problem: String| StoreError::BadListing {
        path: path.to_path_buf(),
        id,
        problem,
    };
    // Each listing with the revision its row was written at.
    let mut out: HashMap<String, (Listing, i64)> = HashMap::new();
    let mut stmt = conn
        .prepare(
            "SELECT id, listed_at, first_price, price_usd, change_24h, market_cap, updated_at,
                    stale, history, folded
             FROM listings",
        )
        .map_err(err)?;
    let mut rows = stmt.query([]).map_err(err)?;
    while let Some(r) = rows.next().map_err(err)? {
        let id: String = r.get(0).map_err(err)?;
        let packed: Vec<u8> = r.get(8).map_err(err)?;
        let Some(history) = unpack_history(&packed) else {
            return Err(bad(
                id,
                format!(
                    "has a history of {} bytes, which is no whole number of points",
                    packed.len()
                ),
            ));
        };
        let listing = Listing {
            listed_at: r.get(1).map_err(err)?,
            first_price: r.get(2).map_err(err)?,
            price_usd: r.get(3).map_err(err)?,
            change_24h: r.get(4).map_err(err)?,
            market_cap: r.get(5).map_err(err)?,
            updated_at: r.get(6).map_err(err)?,
            stale: r.get(7).map_err(err)?,
            history,
        };
        out.insert(id, (listing, r.get(9).map_err(err)?));
    }
    let mut ticks = conn
        .prepare("SELECT seq, cap, body FROM ticks ORDER BY seq")
        .map_err(err)?;
    let mut ticks = ticks.query([]).map_err(err)?;
    while let Some(r) = ticks.next().map_err(err)? {
        let seq: i64 = r.get(0).map_err(err)?;
        let cap: i64 = r.get(1).map_err(err)?;
        let body: Vec<u8> = r.get(2).map_err(err)?;
        let cap = usize::try_from(cap)
            .ok()
            .filter(|c| *c >= 2)
            .ok_or_else(|| {
                bad(
                    format!("(tick {seq})"),
                    format!("has a cap of {cap} points"),
                )
            })?;
        let mut reader = Reader(&body);
        while !reader.0.is_empty() {
            let tick = Tick::decode(&mut reader).ok_or_else(|| {
                bad(
                    format!("(tick {seq})"),
                    "is cut short or garbled: no prelist wrote it".into(),
                )
            })?;
            // A listing written whole at or after this save holds the tick
            // already; one gone since was deleted after it.
            if let Some((l, folded)) = out.get_mut(tick.id)
                && seq > *folded
            {
                tick.apply(l, cap);
            }
        }
    }
    Ok(out
        .into_iter()
        .map(|(id, (l, _))| (id.into(), Arc::new(l)))
        .collect())
}

/// Writes what differs from `from` (what the database holds) to `to`, as
/// the save that makes `revision`: a tick for what a poll changed, whole
/// rows for the rest and for the slice folded at this save.
pub fn write_listings(
    conn: &Connection,
    from: &Listings,
    to: &Listings,
    revision: i64,
) -> rusqlite::Result<()> {
    // What the database holds is known (`from`): a row there is updated
    // in place, a new one inserted; neither looks for the other first.
    let mut insert = conn.prepare_cached(
        "INSERT INTO listings
             (listed_at, first_price, price_usd, change_24h, market_cap, updated_at, stale,
              history, folded, id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    let mut update = conn.prepare_cached(
        "UPDATE listings SET listed_at = ?1, first_price = ?2, price_usd = ?3, change_24h = ?4,
             market_cap = ?5, updated_at = ?6, stale = ?7, history = ?8, folded = ?9
         WHERE id = ?10",
    )?;
    let mut forget = conn.prepare_cached("DELETE FROM listings WHERE id = ?1")?;
    let fold = to_fold(conn, to.len())?;
    let cap = history_cap(to.len());
    // About what a coin's tick takes, so the body is not copied as it grows.
    let mut body = Vec::with_capacity(to.len() * 64);
    for (id, l) in to {
        let old = from.get(id);
        let folding = fold.contains(&**id);
        // Most are shared with what the database holds: the same without
        // a look at their histories.
        let same = old.is_some_and(|o| Arc::ptr_eq(o, l) || Listing::eq(o, l));
        if same && !folding {
            continue;
        }
        if !folding && let Some(tick) = old.and_then(|old| Tick::between(id, old, l, cap)) {
            tick.encode(&mut body);
            continue;
        }
        let values = params![
            l.listed_at,
            l.first_price,
            l.price_usd,
            l.change_24h,
            l.market_cap,
            l.updated_at,
            l.stale,
            pack_history(&l.history),
            revision,
            id
        ];
        if old.is_some() {
            update.execute(values)?;
        } else {
            insert.execute(values)?;
        }
    }
    for id in from.keys().filter(|id| !to.contains_key(*id)) {
        forget.execute([id])?;
    }
    if !body.is_empty() {
        conn.prepare_cached("INSERT INTO ticks (seq, cap, body) VALUES (?1, ?2, ?3)")?
            .execute(params![revision, cap as i64, body])?;
    }
    // A tick every row holds already is history.
    conn.prepare_cached(
        "DELETE FROM ticks
         WHERE seq <= coalesce((SELECT min(folded) FROM listings), ?1)",
    )?
    .execute([revision])?;
    Ok(())
}

/// The listings to write whole at this save: the share of them whose rows
/// are oldest, while there is a tick they do not hold yet.
fn to_fold(conn: &Connection, listings: usize) -> rusqlite::Result<HashSet<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM listings
         WHERE folded < (SELECT max(seq) FROM ticks)
         ORDER BY folded, id LIMIT ?1",
    )?;
    let n = listings.div_ceil(FOLD_SPAN) as i64;
    let ids = stmt.query_map([n], |r| r.get(0))?;
    ids.collect()
}

/// What a poll changed in one listing: its latest price, and the point
/// recorded in its history (by [`record`], under the tick's cap).
#[derive(Debug, PartialEq)]
struct Tick<'a> {
    id: &'a str,
    price_usd: f64,
    change_24h: Option<f64>,
    market_cap: Option<f64>,
    updated_at: i64,
    stale: bool,
    point: Option<PricePoint>,
}

const STALE: u8 = 1;
const CHANGE: u8 = 2;
const CAP: u8 = 4;
const POINT: u8 = 8;
/// The point recorded is the latest price at its time, as a poll's is: no
/// bytes of its own.
const LATEST: u8 = 16;

impl<'a> Tick<'a> {
    /// The tick that takes `old` to `new`, if that is all that changed.
    fn between(id: &'a str, old: &Listing, new: &Listing, cap: usize) -> Option<Tick<'a>> {
        if old.listed_at != new.listed_at || old.first_price != new.first_price {
            return None;
        }
        let point = if old.history == new.history {
            None
        } else {
            let p = *new.history.last()?;
            let (o, n) = (&old.history, &new.history);
            // The usual cases without a copy: one point added, or the last
            // one's price replaced at the same time; else record it on a
            // copy and compare (a history thinned at this point).
            let appended = n.len() == o.len() + 1
                && n.len() <= cap
                && n.starts_with(o)
                && o.last().is_none_or(|last| last.at < p.at);
            let replaced = n.len() == o.len()
                && n.len() <= cap
                && o.last().is_some_and(|last| last.at == p.at)
                && n[..n.len() - 1] == o[..o.len() - 1];
            if !appended && !replaced {
                let mut h = o.clone();
                record(&mut h, p, cap);
                if h != *n {
                    return None;
                }
            }
            Some(p)
        };
        Some(Tick {
            id,
            price_usd: new.price_usd,
            change_24h: new.change_24h,
            market_cap: new.market_cap,
            updated_at: new.updated_at,
            stale: new.stale,
            point,
        })
    }

    fn apply(self, l: &mut Listing, cap: usize) {
        l.price_usd = self.price_usd;
        l.change_24h = self.change_24h;
        l.market_cap = self.market_cap;
        l.updated_at = self.updated_at;
        l.stale = self.stale;
        if let Some(p) = self.point {
            record(&mut l.history, p, cap);
        }
    }

    /// The id's length (u16), the id, the price and time, a byte of flags,
    /// then the values the flags say are there; little-endian.
    fn encode(&self, out: &mut Vec<u8>) {
        // Market ids are checked to be far shorter than this.
        let id = &self.id.as_bytes()[..self.id.len().min(u16::MAX as usize)];
        out.extend_from_slice(&(id.len() as u16).to_le_bytes());
        out.extend_from_slice(id);
        out.extend_from_slice(&self.price_usd.to_le_bytes());
        out.extend_from_slice(&self.updated_at.to_le_bytes());
        let flags = (if self.stale { STALE } else { 0 })
            | (if self.change_24h.is_some() { CHANGE } else { 0 })
            | (if self.market_cap.is_some() { CAP } else { 0 })
            | match self.point {
                None => 0,
                Some(p) if self.is_latest(p) => LATEST,
                Some(_) => POINT,
            };
        out.push(flags);
        for v in [self.change_24h, self.market_cap].into_iter().flatten() {
            out.extend_from_slice(&v.to_le_bytes());
        }
        if let Some(p) = self.point.filter(|p| !self.is_latest(*p)) {
            out.extend_from_slice(&p.at.to_le_bytes());
            out.extend_from_slice(&p.price.to_le_bytes());
        }
    }

    fn is_latest(&self, p: PricePoint) -> bool {
        p.at == self.updated_at && p.price.to_bits() == self.price_usd.to_bits()
    }

    fn decode(r: &mut Reader<'a>) -> Option<Tick<'a>> {
        let len = u16::from_le_bytes(r.take()?) as usize;
        let id = std::str::from_utf8(r.bytes(len)?).ok()?;
        let price_usd = r.f64()?;
        let updated_at = r.i64()?;
        let [flags] = r.take()?;
        let both = POINT | LATEST;
        if flags & !(STALE | CHANGE | CAP | both) != 0 || flags & both == both {
            return None;
        }
        let change_24h = if flags & CHANGE != 0 {
            Some(r.f64()?)
        } else {
            None
        };
        let market_cap = if flags & CAP != 0 {
            Some(r.f64()?)
        } else {
            None
        };
        let point = if flags & POINT != 0 {
            Some(PricePoint {
                at: r.i64()?,
                price: r.f64()?,
            })
        } else if flags & LATEST != 0 {
            Some(PricePoint {
                at: updated_at,
                price: price_usd,
            })
        } else {
            None
        };
        Some(Tick {
            id,
            price_usd,
            change_24h,
            market_cap,
            updated_at,
            stale: flags & STALE != 0,
            point,
        })
    }
}

/// Bytes read from the front, each read `None` past the end.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn bytes(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Some(head)
    }

    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.bytes(N)?.try_into().ok()
    }

    fn i64(&mut self) -> Option<i64> {
        self.take().map(i64::from_le_bytes)
    }

    fn f64(&mut self) -> Option<f64> {
        self.take().map(f64::from_le_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(history: &[(i64, f64)]) -> Listing {
        Listing {
            listed_at: 100,
            first_price: 0.5,
            price_usd: history.last().map_or(0.5, |p| p.1),
            change_24h: Some(-3.5),
            market_cap: None,
            updated_at: history.last().map_or(100, |p| p.0),
            stale: false,
            history: history.iter().map(|&p| p.into()).collect(),
        }
    }

    #[test]
    fn a_tick_round_trips_and_replays_to_the_same_listing() {
        let old = listing(&[(100, 0.5), (160, 0.6)]);
        for new in [
            // A point added.
            listing(&[(100, 0.5), (160, 0.6), (220, 0.7)]),
            // The last point's price replaced at the same time.
            listing(&[(100, 0.5), (160, 0.65)]),
            // A point that is not the latest price (as a merge may leave).
            Listing {
                price_usd: 0.75,
                updated_at: 230,
                ..listing(&[(100, 0.5), (160, 0.6), (220, 0.7)])
            },
            // Only the latest price moved (stale, say).
            Listing {
                stale: true,
                market_cap: Some(1e6),
                ..old.clone()
            },
        ] {
            let tick = Tick::between("nillion", &old, &new, 500).expect("a tick");
            let mut bytes = Vec::new();
            tick.encode(&mut bytes);
            let back = Tick::decode(&mut Reader(&bytes)).expect("decodes");
            assert_eq!(back, tick);
            let mut replayed = old.clone();
            back.apply(&mut replayed, 500);
            assert_eq!(replayed, new);
        }
    }

    #[test]
    fn a_thinned_history_is_a_tick_only_when_record_makes_it() {
        let cap = 4;
        let old = listing(&[(100, 0.1), (160, 0.2), (220, 0.3), (280, 0.4)]);
        let mut thinned = old.history.clone();
        record(&mut thinned, (340, 0.5).into(), cap);
        let new = Listing {
            history: thinned,
            price_usd: 0.5,
            updated_at: 340,
            ..old.clone()
        };
        let tick = Tick::between("x", &old, &new, cap).expect("record made it");
        let mut replayed = old.clone();
        tick.apply(&mut replayed, cap);
        assert_eq!(replayed, new);
        // The same history under another cap is not what record makes.
        assert_eq!(Tick::between("x", &old, &new, 500), None);
        // Nor is a merged or edited history, or a new flip.
        let edited = listing(&[(100, 0.1), (220, 0.3), (340, 0.5)]);
        assert_eq!(Tick::between("x", &old, &edited, cap), None);
        let reflipped = Listing {
            listed_at: 90,
            ..new.clone()
        };
        assert_eq!(Tick::between("x", &old, &reflipped, cap), None);
    }

    proptest::proptest! {
        /// Whatever the bytes of a journal row, reading them ends, with
        /// ticks or with nothing.
        #[test]
        fn any_bytes_read_as_ticks_or_nothing(bytes in proptest::collection::vec(0u8..=255, 0..400)) {
            let mut r = Reader(&bytes);
            while !r.0.is_empty() && Tick::decode(&mut r).is_some() {}
        }

        /// Every tick reads back as written, whatever its numbers.
        #[test]
        fn any_tick_round_trips(
            id in "\\PC{0,40}",
            price_usd in proptest::num::f64::ANY,
            updated_at in proptest::num::i64::ANY,
            change_24h in proptest::option::of(proptest::num::f64::ANY),
            market_cap in proptest::option::of(proptest::num::f64::ANY),
            stale in proptest::bool::ANY,
            point in proptest::option::of((proptest::num::i64::ANY, proptest::num::f64::ANY)),
        ) {
            let tick = Tick {
                id: &id,
                price_usd,
                change_24h,
                market_cap,
                updated_at,
                stale,
                point: point.map(PricePoint::from),
            };
            let mut bytes = Vec::new();
            tick.encode(&mut bytes);
            let mut r = Reader(&bytes);
            let back = Tick::decode(&mut r).expect("decodes");
            proptest::prop_assert!(r.0.is_empty());
            // Compared bit for bit: NaN is no price, but the bytes must hold.
            let bits = |t: &Tick<'_>| {
                (
                    t.id.to_owned(),
                    t.price_usd.to_bits(),
                    t.updated_at,
                    t.change_24h.map(f64::to_bits),
                    t.market_cap.map(f64::to_bits),
                    t.stale,
                    t.point.map(|p| (p.at, p.price.to_bits())),
                )
            };
            proptest::prop_assert_eq!(bits(&back), bits(&tick));
        }
    }

    #[test]
    fn a_cut_or_garbled_tick_decodes_to_nothing() {
        let old = listing(&[(100, 0.5)]);
        let new = listing(&[(100, 0.5), (160, 0.6)]);
        let mut bytes = Vec::new();
        Tick::between("nillion", &old, &new, 500)
            .expect("a tick")
            .encode(&mut bytes);
        for n in 0..bytes.len() {
            assert_eq!(Tick::decode(&mut Reader(&bytes[..n])), None, "cut at {n}");
        }
        // Flags no prelist writes.
        let flags_at = 2 + "nillion".len() + 16;
        for bad in [0x80, POINT | LATEST] {
            let mut garbled = bytes.clone();
            garbled[flags_at] |= bad;
            assert_eq!(Tick::decode(&mut Reader(&garbled)), None, "{bad:#x}");
        }
    }
}
