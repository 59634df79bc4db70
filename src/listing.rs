//! What is known about a coin's market: whether it trades, since when, at what
//! price; and the flip rule that moves a coin from upcoming to trading.
//!
//! Listings are keyed by market id: only a coin with a market id can be seen
//! to list, and the record survives the coin being renamed in the watchlist.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::book::{Book, BookStatus};
use crate::market::Quotes;
use crate::model::Coin;

/// A coin that has been seen trading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Listing {
    /// When the first price was seen (Unix seconds).
    pub listed_at: i64,
    /// The first price seen, in USD.
    pub first_price: f64,
    /// The latest price seen, in USD.
    pub price_usd: f64,
    /// The latest 24-hour change, in percent, when the API gave one.
    pub change_24h: Option<f64>,
    /// The latest market capitalisation in USD, when the API gave one.
    #[serde(default)]
    pub market_cap: Option<f64>,
    /// When the latest price was current (Unix seconds).
    pub updated_at: i64,
    /// The last poll did not price it: `price_usd` is as of `updated_at`.
    #[serde(default)]
    pub stale: bool,
    /// The prices seen since the listing, oldest first, strictly later one
    /// after the other; bounded by [`history_cap`] and thinned evenly (see
    /// [`record`]), so it always spans from the listing to the latest price.
    /// Files written before it was kept have none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<PricePoint>,
}

impl Listing {
    /// The change of the latest price against the first one, in percent.
    pub fn since_listing_pct(&self) -> Option<f64> {
        let pct = (self.price_usd / self.first_price - 1.0) * 100.0;
        pct.is_finite().then_some(pct)
    }
}

/// One price seen: when it was current (Unix seconds) and what it was in
/// USD. Written as a pair, `[1742817600, 0.6132]`: a history holds hundreds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(from = "(i64, f64)", into = "(i64, f64)")]
pub struct PricePoint {
    pub at: i64,
    pub price: f64,
}

impl From<(i64, f64)> for PricePoint {
    fn from((at, price): (i64, f64)) -> PricePoint {
        PricePoint { at, price }
    }
}

impl From<PricePoint> for (i64, f64) {
    fn from(p: PricePoint) -> (i64, f64) {
        (p.at, p.price)
    }
}

/// The most points one coin's history keeps.
pub const HISTORY_POINTS: usize = 500;
/// The points all histories keep together, shared out among the listings
/// (see [`history_cap`]), so a long watchlist's state file stays small.
pub const HISTORY_BUDGET: usize = 100_000;
/// The fewest points a coin's share comes to, up to [`HISTORY_FLOOR_UP_TO`]
/// listings.
pub const HISTORY_FLOOR: usize = 16;
/// About CoinGecko's whole universe. Beyond it even the floor would make
/// the state file too large to load (`store::MAX_STATE_BYTES`): each share
/// shrinks instead, to the first and the latest price at the least.
pub const HISTORY_FLOOR_UP_TO: usize = 20_000;

/// How many points each coin's history keeps when there are `listings`
/// listings: an even share of [`HISTORY_BUDGET`], between
/// [`HISTORY_FLOOR`] and [`HISTORY_POINTS`]; past [`HISTORY_FLOOR_UP_TO`]
/// listings, an even share of what the floor keeps there, and at least 2.
pub fn history_cap(listings: usize) -> usize {
    let n = listings.max(1);
    if n <= HISTORY_FLOOR_UP_TO {
        (HISTORY_BUDGET / n).clamp(HISTORY_FLOOR, HISTORY_POINTS)
    } else {
        (HISTORY_FLOOR_UP_TO * HISTORY_FLOOR / n).max(2)
    }
}

/// Adds `point` to the end of `history`, then thins it to `cap` points if
/// it has more. A point no later than the last is not a new observation:
/// at the same time its price replaces the last one's, earlier it is
/// dropped, so the times stay in order.
pub fn record(history: &mut Vec<PricePoint>, point: PricePoint, cap: usize) {
    match history.last_mut() {
        Some(last) if point.at < last.at => return,
        Some(last) if point.at == last.at => last.price = point.price,
        _ => {
            // One point more, not double: a history copied for a change
            // (see `apply`) has no room to spare, and at 20,000 listings
            // doubling would hold megabytes of nothing.
            history.reserve_exact(1);
            history.push(point);
        }
    }
    if history.len() > cap {
        thin(history, cap);
    }
}

/// Thins `history` (in time order) to at most half of `cap` points (and
/// at least two), evenly in time (see [`evenly_in_time`]). Halving, rather
/// than dropping one point at a time, means a history is thinned once per
/// `cap / 2` new points.
pub fn thin(history: &mut Vec<PricePoint>, cap: usize) {
    let keep = (cap / 2).max(2);
    if history.len() > keep {
        *history = evenly_in_time(history, keep);
    }
}

/// At most `n` (at least two) of `history`'s points (in time order): the
/// one nearest to each of `n` evenly spaced times from the first point to
/// the last, each point once. The first and the last are always among them.
/// Picking by time rather than by position keeps the spacing even when the
/// points are not: dropping every second point would leave the oldest part
/// ever coarser, its gaps doubling at each thinning.
pub fn evenly_in_time(history: &[PricePoint], n: usize) -> Vec<PricePoint> {
    let n = n.max(2);
    if history.len() <= n {
        return history.to_vec();
    }
    let (first, last) = (history[0].at, history[history.len() - 1].at);
    let span = (last - first) as f64;
    let distance = |i: usize, target: f64| (history[i].at as f64 - target).abs();
    let mut kept: Vec<PricePoint> = Vec::with_capacity(n);
    // The point after the one kept last; each target looks only from
    // there, so no point is kept twice and the pass is linear.
    let mut next = 0;
    for k in 0..n {
        if next >= history.len() {
            break;
        }
        let target = first as f64 + span * k as f64 / (n - 1) as f64;
        let mut i = next;
        while i + 1 < history.len() && distance(i + 1, target) < distance(i, target) {
            i += 1;
        }
        // The last target is the last point, whatever the rounding.
        let i = if k + 1 == n { history.len() - 1 } else { i };
        kept.push(history[i]);
        next = i + 1;
    }
    kept
}

/// Listings by market id. Each is shared between the copies of the state
/// (the watcher's, the one being saved, the database's last seen) until one
/// changes it: at 20,000 coins a copy is then a table of pointers, not
/// megabytes of histories.
pub type Listings = HashMap<Arc<str>, Arc<Listing>>;

/// Whether `a` and `b` hold the same listings: those the two share are
/// the same without a look at their histories.
pub fn same_listings(a: &Listings, b: &Listings) -> bool {
    a.len() == b.len()
        && a.iter().all(|(id, l)| {
            b.get(id)
                .is_some_and(|o| Arc::ptr_eq(l, o) || Listing::eq(l, o))
        })
}

/// Where a coin stands, in the order it moves: upcoming, scheduled (an
/// exchange published an opening time), premarket (a pre-market venue
/// prices it), trading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, strum::IntoStaticStr)]
#[strum(serialize_all = "lowercase")]
pub enum Status {
    Upcoming,
    Scheduled,
    Premarket,
    Trading,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// The listing of `coin`, if it has been seen trading.
pub fn listing_of<'a>(coin: &Coin, listings: &'a Listings) -> Option<&'a Listing> {
    coin.market_id
        .as_ref()
        .and_then(|id| listings.get(id.as_str()))
        .map(|l| &**l)
}

/// When a coin first listed, whatever the source: CoinGecko's first price,
/// or the first look that saw it listed on an exchange whose listing counts
/// (the later look of the two between which it listed), the earlier of
/// the two.
pub fn listed_at(coin: &Coin, listings: &Listings, book: &Book) -> Option<i64> {
    let priced = listing_of(coin, listings).map(|l| l.listed_at);
    let seen = book.listed_at(coin).map(|(at, _)| at);
    priced.into_iter().chain(seen).min()
}

/// A coin's status from every source: trading when CoinGecko prices it or
/// an exchange lists it as a listing that counts (see [`Book`]), else
/// premarket when a pre-market venue that counts prices it, else scheduled
/// when an exchange announced its opening, else upcoming.
pub fn status_of(coin: &Coin, listings: &Listings, book: &Book) -> Status {
    if trades(coin, listings, book) {
        return Status::Trading;
    }
    if book.premarket_price(coin).is_some() {
        return Status::Premarket;
    }
    match book.status(coin) {
        BookStatus::Scheduled(_) => Status::Scheduled,
        BookStatus::Trading | BookStatus::None => Status::Upcoming,
    }
}

/// Whether a coin trades spot: CoinGecko prices it, or an exchange lists it
/// as a listing that counts.
pub fn trades(coin: &Coin, listings: &Listings, book: &Book) -> bool {
    listing_of(coin, listings).is_some() || book.status(coin) == BookStatus::Trading
}

/// The coin's first spot price and its time: CoinGecko's first price, else
/// its first DEX pool's at the listing.
/// `listing` is the coin's on CoinGecko (see [`listing_of`]).
pub fn first_spot(coin: &Coin, listing: Option<&Listing>, book: &Book) -> Option<(i64, f64)> {
    match listing {
        Some(l) => Some((l.listed_at, l.first_price)),
        None => {
            let l = book.dex.listing(coin)?;
            Some((l.at, l.price_usd?))
        }
    }
}

/// The first spot price against the last pre-market price before it, in
/// percent: how the listing went.
/// Also the last pre-market price.
pub fn listed_vs_premarket(
    coin: &Coin,
    listing: Option<&Listing>,
    book: &Book,
) -> Option<(f64, f64)> {
    let (at, first) = first_spot(coin, listing, book)?;
    let mark = book.premarket.mark(coin).filter(|m| m.at <= at)?;
    Some((
        crate::premarket::listed_vs_premarket_pct(first, mark)?,
        mark.price_usd,
    ))
}

/// A coin seen trading for the first time.
#[derive(Debug, Clone, PartialEq)]
pub struct Flip {
    pub market_id: String,
    pub price: f64,
}

/// Applies one poll's answer for the `polled` ids at time `now`.
///
/// A coin is trading once the answer holds a price for it; a missing id, an
/// empty object or no price leaves an upcoming coin upcoming. A trading coin
/// never goes back: if the answer stops pricing it, its last price is kept
/// and marked stale. Returns the coins that flipped, in `polled` order.
pub fn apply_quotes(
    listings: &mut Listings,
    polled: &[String],
    quotes: &Quotes,
    now: i64,
) -> Vec<Flip> {
    apply(listings, polled, quotes, now).0
}

/// [`apply_quotes`], and whether it changed any listing at all.
fn apply(
    listings: &mut Listings,
    polled: &[String],
    quotes: &Quotes,
    now: i64,
) -> (Vec<Flip>, bool) {
    let mut flips = Vec::new();
    let mut changed = false;
    let cap = history_cap(listings.len());
    for id in polled {
        // Only a real price counts: finite, above zero, within reason.
        let priced = quotes.get(id).and_then(|q| Some((q, q.price_usd?.get())));
        match (listings.get_mut(id.as_str()), priced) {
            (Some(shared), Some((q, p))) => {
                let updated_at = received_at(q.last_updated, now);
                // Points taken from a time ahead before this rule would
                // keep every later price out (a history only moves on).
                let ahead = now.saturating_add(MAX_AHEAD_SECS);
                let from_ahead = shared.history.last().is_some_and(|point| point.at > ahead);
                // A new observation: the API's time moved on or the price
                // changed. The same answer again (a cached one) is not.
                let new = updated_at != shared.updated_at || p != shared.price_usd;
                let moved = new
                    || shared.stale
                    || shared.change_24h != q.change_24h
                    || shared.market_cap != q.market_cap;
                if !moved && !from_ahead {
                    // Left as it is, still shared with the saved copies.
                    continue;
                }
                changed |= moved;
                let l = Arc::make_mut(shared);
                while l.history.last().is_some_and(|point| point.at > ahead) {
                    l.history.pop();
                }
                l.price_usd = p;
                l.change_24h = q.change_24h;
                l.market_cap = q.market_cap;
                l.updated_at = updated_at;
                l.stale = false;
                if new {
                    // A listing recorded before histories were kept (or
                    // imported) starts its history at the listing.
                    if l.history.is_empty() && l.listed_at < updated_at {
                        l.history.push(PricePoint {
                            at: l.listed_at,
                            price: l.first_price,
                        });
                    }
                    let point = PricePoint {
                        at: updated_at,
                        price: p,
                    };
                    record(&mut l.history, point, cap);
                }
            }
            (Some(l), None) => {
                if !l.stale {
                    changed = true;
                    Arc::make_mut(l).stale = true;
                }
            }
            (None, Some((q, p))) => {
                let updated_at = received_at(q.last_updated, now);
                listings.insert(
                    id.as_str().into(),
                    Arc::new(Listing {
                        listed_at: now,
                        first_price: p,
                        price_usd: p,
                        change_24h: q.change_24h,
                        market_cap: q.market_cap,
                        updated_at,
                        stale: false,
                        history: vec![PricePoint {
                            at: updated_at,
                            price: p,
                        }],
                    }),
                );
                flips.push(Flip {
                    market_id: id.clone(),
                    price: p,
                });
                changed = true;
            }
            (None, None) => {}
        }
    }
    (flips, changed)
}

/// How far ahead of the receiving clock a source's time is still taken: a
/// clock's skew. Past it the time is broken, and taking it would hold every
/// later price back as older.
pub const MAX_AHEAD_SECS: i64 = 5 * 60;

/// When a price was current: the source's time, unless it is more than
/// [`MAX_AHEAD_SECS`] ahead of `now` (or missing); then the time of receipt.
pub fn received_at(source: Option<i64>, now: i64) -> i64 {
    source
        .filter(|&at| at <= now.saturating_add(MAX_AHEAD_SECS))
        .unwrap_or(now)
}

/// A flip told in words: the coin's name and its first price.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub market_id: String,
    /// The coin's name, cleaned for printing; the market id if no watched
    /// coin has it any more.
    pub name: String,
    pub price: f64,
}

impl Listed {
    /// What the status line, the event log, `check` and the log file say.
    pub fn message(&self) -> String {
        format!(
            "{} is now trading at {}",
            self.name,
            crate::text::price(self.price)
        )
    }
}

/// What one poll did: the coins that flipped, named, and whether any
/// listing changed (a price, its time, the 24h change…), so callers learn
/// whether to save without comparing copies.
#[derive(Debug, Clone, PartialEq)]
pub struct Polled {
    pub listed: Vec<Listed>,
    pub changed: bool,
}

/// Applies one poll's answer (see [`apply_quotes`]) and names the coins that
/// flipped: the one step both `prelist check` and the screen take.
pub fn apply_poll(
    coins: &[Coin],
    listings: &mut Listings,
    polled: &[String],
    quotes: &Quotes,
    now: i64,
) -> Polled {
    let (flips, changed) = apply(listings, polled, quotes, now);
    if flips.is_empty() {
        return Polled {
            listed: Vec::new(),
            changed,
        };
    }
    // One pass over the coins, whatever the number of flips: a first poll
    // of a big list can flip thousands at once.
    let names: HashMap<&str, &str> = coins
        .iter()
        .filter_map(|c| Some((c.market_id.as_deref()?, c.name.as_str())))
        .collect();
    let listed = flips
        .into_iter()
        .map(|f| Listed {
            name: crate::text::clean(
                names
                    .get(f.market_id.as_str())
                    .copied()
                    .unwrap_or(&f.market_id),
            )
            .into_owned(),
            market_id: f.market_id,
            price: f.price,
        })
        .collect();
    Polled { listed, changed }
}

/// A listing for tests: first priced at `first_price` at `at`, now at
/// `price_usd` as of then, nothing else known.
#[cfg(test)]
impl Listing {
    pub(crate) fn at(at: i64, first_price: f64, price_usd: f64) -> Listing {
        Listing {
            listed_at: at,
            first_price,
            price_usd,
            change_24h: None,
            market_cap: None,
            updated_at: at,
            stale: false,
            history: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::Quote;

    #[test]
    fn a_poll_names_its_flips_by_coin() {
        let mut coins = crate::model::Watchlist::builtin().coins;
        coins[6].name = "Dolo\u{1b}[2Jmite".into();
        let mut l = Listings::new();
        let quotes = Quotes::from([
            ("dolomite".to_string(), quote(Some(0.1234))),
            ("gone".to_string(), quote(Some(2.0))),
        ]);
        let flips = apply_poll(&coins, &mut l, &ids(&["dolomite", "gone"]), &quotes, 5).listed;
        let messages: Vec<String> = flips.iter().map(Listed::message).collect();
        assert_eq!(
            messages,
            [
                "Dolo[2Jmite is now trading at $0.1234",
                "gone is now trading at $2.00"
            ]
        );
    }

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn quote(price: Option<f64>) -> Quote {
        Quote {
            price_usd: price.and_then(crate::types::Usd::new),
            change_24h: Some(1.5),
            market_cap: None,
            last_updated: Some(900),
        }
    }

    #[test]
    fn a_price_flips_and_nothing_else_does() {
        let mut l = Listings::new();
        let quotes = Quotes::from([
            ("a".to_string(), quote(Some(0.61))),
            ("b".to_string(), quote(None)),
            ("c".to_string(), Quote::default()),
        ]);
        let flips = apply_quotes(&mut l, &ids(&["a", "b", "c", "d"]), &quotes, 1000);
        assert_eq!(
            flips,
            [Flip {
                market_id: "a".into(),
                price: 0.61
            }]
        );
        assert_eq!(l.len(), 1);
        let a = &l["a"];
        assert_eq!(
            (a.listed_at, a.first_price, a.price_usd, a.updated_at),
            (1000, 0.61, 0.61, 900)
        );
    }

    #[test]
    fn a_poll_says_whether_it_changed_anything() {
        let coins = crate::model::Watchlist::builtin().coins;
        let mut l = Listings::new();
        let a = ids(&["a"]);
        let answer = Quotes::from([("a".to_string(), quote(Some(1.0)))]);
        let mut poll = |quotes: &Quotes, now| apply_poll(&coins, &mut l, &a, quotes, now).changed;
        assert!(poll(&answer, 1000), "a flip");
        assert!(!poll(&answer, 1060), "the same answer again");
        assert!(poll(&Quotes::new(), 1120), "the price lost: stale");
        assert!(!poll(&Quotes::new(), 1180), "still stale");
        assert!(poll(&answer, 1240), "priced again");
        let mut moved = quote(Some(1.0));
        moved.change_24h = Some(2.5);
        let moved = Quotes::from([("a".to_string(), moved)]);
        assert!(poll(&moved, 1300), "only the 24h change moved");
    }

    #[test]
    fn trading_never_goes_back_and_a_lost_price_is_stale() {
        let mut l = Listings::new();
        let one = Quotes::from([("a".to_string(), quote(Some(1.0)))]);
        apply_quotes(&mut l, &ids(&["a"]), &one, 1000);
        let flips = apply_quotes(&mut l, &ids(&["a"]), &Quotes::new(), 2000);
        assert!(flips.is_empty());
        assert!(l["a"].stale);
        assert_eq!(l["a"].price_usd, 1.0);
        let two = Quotes::from([(
            "a".to_string(),
            Quote {
                price_usd: crate::types::Usd::new(2.0),
                ..Quote::default()
            },
        )]);
        let flips = apply_quotes(&mut l, &ids(&["a"]), &two, 3000);
        assert!(flips.is_empty(), "a coin flips once");
        let a = &l["a"];
        assert!(!a.stale);
        assert_eq!(
            (a.listed_at, a.first_price, a.price_usd, a.updated_at),
            (1000, 1.0, 2.0, 3000)
        );
        assert_eq!(a.change_24h, None);
    }

    /// A copy of the listings (the one being saved, the database's) shares
    /// each listing until a poll moves it: then only the poll's copy
    /// changes, and the saved one stays as it was.
    #[test]
    fn a_listing_no_poll_moves_stays_shared_with_the_copies_of_the_state() {
        let a = ids(&["a"]);
        let mut l = Listings::new();
        apply_quotes(&mut l, &a, &priced(0.6, 1000), 1000);
        let saved = l.clone();
        apply_quotes(&mut l, &a, &priced(0.6, 1000), 1060);
        assert!(Arc::ptr_eq(&l["a"], &saved["a"]), "the same answer again");
        apply_quotes(&mut l, &a, &priced(0.7, 1060), 1070);
        assert!(!Arc::ptr_eq(&l["a"], &saved["a"]));
        assert_eq!((l["a"].price_usd, saved["a"].price_usd), (0.7, 0.6));
        assert_eq!(saved["a"].history.len(), 1, "the saved copy untouched");
        let shared = l.clone();
        apply_quotes(&mut l, &a, &Quotes::new(), 1130);
        assert!(l["a"].stale && !shared["a"].stale);
        let stale = l.clone();
        apply_quotes(&mut l, &a, &Quotes::new(), 1190);
        assert!(Arc::ptr_eq(&l["a"], &stale["a"]), "still stale: no copy");
    }

    fn priced(price: f64, at: i64) -> Quotes {
        Quotes::from([(
            "a".to_string(),
            Quote {
                price_usd: crate::types::Usd::new(price),
                last_updated: Some(at),
                ..Quote::default()
            },
        )])
    }

    fn points(l: &Listing) -> Vec<(i64, f64)> {
        l.history.iter().map(|&p| p.into()).collect()
    }

    #[test]
    fn a_time_from_the_future_is_replaced_by_the_time_of_receipt() {
        let mut l = Listings::new();
        let a = ids(&["a"]);
        let t = 1_764_000_000;
        apply_quotes(&mut l, &a, &priced(0.61, t), t + 10);
        // Year 2100: the answer's own time cannot be.
        apply_quotes(&mut l, &a, &priced(0.7, 4_102_444_800), t + 70);
        apply_quotes(&mut l, &a, &priced(0.8, t + 120), t + 130);
        // Up to five minutes ahead is a clock's skew, and taken as it is.
        apply_quotes(&mut l, &a, &priced(0.9, t + 190 + 300), t + 190);
        assert_eq!(
            points(&l["a"]),
            [(t, 0.61), (t + 70, 0.7), (t + 120, 0.8), (t + 490, 0.9)]
        );
        assert_eq!((l["a"].price_usd, l["a"].updated_at), (0.9, t + 490));
        // A history that took such a time before is mended at the next price.
        let mut stuck = Listings::new();
        apply_quotes(&mut stuck, &a, &priced(0.61, t), t + 10);
        let listing = Arc::make_mut(stuck.get_mut("a").unwrap());
        listing.history.push(PricePoint {
            at: 4_102_444_800,
            price: 0.7,
        });
        listing.updated_at = 4_102_444_800;
        apply_quotes(&mut stuck, &a, &priced(0.8, t + 120), t + 130);
        assert_eq!(points(&stuck["a"]), [(t, 0.61), (t + 120, 0.8)]);
    }

    #[test]
    fn history_records_each_new_observation_and_nothing_else() {
        let mut l = Listings::new();
        let a = ids(&["a"]);
        apply_quotes(&mut l, &a, &priced(1.0, 100), 110);
        assert_eq!(
            points(&l["a"]),
            [(100, 1.0)],
            "the first price, at the flip"
        );
        apply_quotes(&mut l, &a, &priced(1.0, 100), 170);
        assert_eq!(points(&l["a"]).len(), 1, "the same cached answer again");
        apply_quotes(&mut l, &a, &Quotes::new(), 230);
        assert_eq!(points(&l["a"]).len(), 1, "not when stale");
        apply_quotes(&mut l, &a, &priced(1.0, 200), 290);
        apply_quotes(&mut l, &a, &priced(1.5, 200), 350);
        apply_quotes(&mut l, &a, &priced(1.2, 150), 410);
        assert_eq!(
            points(&l["a"]),
            [(100, 1.0), (200, 1.5)],
            "a new time adds a point, a new price at the same time replaces it, an older time \
             is dropped"
        );
        assert_eq!(
            l["a"].price_usd, 1.2,
            "the latest answer is still the price shown"
        );

        // A listing from a file written before histories were kept.
        let mut old = l_at(0.5, 50);
        old.updated_at = 60;
        let mut l = Listings::from([("a".into(), old.into())]);
        apply_quotes(&mut l, &a, &priced(0.6, 120), 130);
        assert_eq!(
            points(&l["a"]),
            [(50, 0.5), (120, 0.6)],
            "from the listing on"
        );
    }

    #[test]
    fn the_share_of_each_coin_shrinks_with_the_listings() {
        assert_eq!(history_cap(0), HISTORY_POINTS);
        assert_eq!(history_cap(1), HISTORY_POINTS);
        assert_eq!(history_cap(200), HISTORY_POINTS);
        assert_eq!(history_cap(1_000), 100);
        assert_eq!(history_cap(20_000), HISTORY_FLOOR);
        assert_eq!(history_cap(40_000), 8, "past the floor's reach, what fits");
        assert_eq!(history_cap(10_000_000), 2, "first and latest at the least");
        for n in [1, 7, 199, 201, 999, 6_250, 6_251, 19_999, 20_000] {
            let total = history_cap(n) * n;
            assert!(
                total <= HISTORY_BUDGET || history_cap(n) == HISTORY_FLOOR,
                "{n} listings keep {total} points"
            );
        }
    }

    #[test]
    fn history_stays_bounded_spans_the_listing_and_keeps_even_spacing() {
        for listings in [1, 1_000, 20_000] {
            let cap = history_cap(listings);
            let mut l = Listings::new();
            // Other listings, so the share is that of `listings` coins.
            for i in 1..listings {
                l.insert(format!("other-{i}").into(), l_at(1.0, 0).into());
            }
            let a = ids(&["a"]);
            let start = 1_800_000_000;
            for poll in 0..10_000i64 {
                let price = 1.0 + (poll % 97) as f64 / 100.0;
                apply_quotes(
                    &mut l,
                    &a,
                    &priced(price, start + poll * 60),
                    start + poll * 60,
                );
                assert!(l["a"].history.len() <= cap, "{listings}: over {cap}");
            }
            let h = &l["a"].history;
            assert!(h.len() >= cap / 2, "{listings}: {} kept of {cap}", h.len());
            assert_eq!(h[0].at, start, "{listings}: the first point is kept");
            let last = start + 9_999 * 60;
            assert_eq!(h[h.len() - 1].at, last, "{listings}: the latest is kept");
            assert_eq!(h[h.len() - 1].price, l["a"].price_usd);
            // Even-ish: no gap wider than twice that of a history just
            // thinned to half its cap over the whole span. (Dropping every
            // second point by index would leave the oldest part ever
            // coarser: its gaps double at each thinning.)
            let even = (last - start) as f64 / (cap / 2 - 1) as f64;
            let widest = h.windows(2).map(|w| w[1].at - w[0].at).max().unwrap();
            assert!(
                widest as f64 <= 2.0 * even,
                "{listings}: widest gap {widest} s against {even:.0} s evenly"
            );
            assert!(h.windows(2).all(|w| w[0].at < w[1].at), "in time order");
        }
    }

    #[test]
    fn thinning_halves_evenly_in_time_and_keeps_both_ends() {
        let mut h: Vec<PricePoint> = (0..11).map(|i| PricePoint::from((i * 10, 1.0))).collect();
        thin(&mut h, 10);
        let times: Vec<i64> = h.iter().map(|p| p.at).collect();
        assert_eq!(times, [0, 20, 50, 70, 100], "on a tie, the earlier");
        // Crowded at the end: each even time takes the nearest point there is.
        let mut h: Vec<PricePoint> = [0, 1000, 1001, 1002, 1003, 1004, 1005, 1006]
            .map(|at| PricePoint::from((at, 2.0)))
            .to_vec();
        thin(&mut h, 6);
        let times: Vec<i64> = h.iter().map(|p| p.at).collect();
        assert_eq!(times, [0, 1000, 1006]);
    }

    fn l_at(price: f64, at: i64) -> Listing {
        Listing {
            listed_at: at,
            first_price: price,
            price_usd: price,
            change_24h: None,
            market_cap: None,
            updated_at: at,
            stale: false,
            history: Vec::new(),
        }
    }

    #[test]
    fn the_move_since_listing_is_against_the_first_price() {
        let mut l = l_at(0.61, 0);
        l.price_usd = 0.7381;
        assert!((l.since_listing_pct().unwrap() - 21.0).abs() < 1e-9);
        l.price_usd = 0.61;
        assert_eq!(l.since_listing_pct(), Some(0.0));
    }
}
