//! The book of what each exchange lists: for every exchange looked at, when
//! it was first and last looked at, and every base asset its list has shown
//! (when first seen, its pairs, whether it was there at the first look).
//! The book is kept in the state file, so a listing that happened while
//! prelist was closed is still noticed at the next look.
//!
//! Tickers collide: another coin may already trade under a watched coin's
//! symbol. So an asset already listed at prelist's first look at an
//! exchange never makes a coin trading by itself, unless the user confirms
//! it; an asset that appears later is a listing.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use strum::{IntoStaticStr, VariantArray};

use crate::exchange::{Exchange, Pair, PairState};
use crate::model::Coin;
pub use crate::model::ticker_key;
use crate::premarket::{Premarket, VenueQuote};
use crate::text;

/// An asset gone from an exchange's list for this long (seconds) is
/// dropped from the book: the rules read only what is listed now and when
/// it was first seen.
pub const GONE_FOR: i64 = 30 * 86_400;

/// At most this many assets are kept per exchange; those gone longest are
/// dropped first. No exchange lists a tenth of it.
pub const MAX_ASSETS: usize = 100_000;

/// What every exchange looked at lists, and what the pre-market venues
/// price.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Book {
    pub exchanges: BTreeMap<Exchange, ExchangeBook>,
    /// Kept in rows of its own; a state file never held it. Boxed: a
    /// state travels in messages, and most of the time this is empty.
    #[serde(skip)]
    pub premarket: Box<Premarket>,
    /// The DEX pools of the coins' contracts: rows of their own too.
    #[serde(skip)]
    pub dex: Box<crate::dex::DexBook>,
    /// The rows of Discover the user dismissed: rows of their own too.
    #[serde(skip)]
    pub dismissed: crate::dismissed::Dismissed,
}

/// One exchange's list, as prelist has seen it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExchangeBook {
    /// The first and the latest look (Unix seconds).
    pub first_look: i64,
    pub last_look: i64,
    /// Every base asset seen, upper case, by name.
    pub assets: BTreeMap<String, Asset>,
}

/// A base asset of an exchange's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Asset {
    pub first_seen: i64,
    /// The latest look that listed it: an asset the latest look did not
    /// list is gone from the exchange.
    pub last_seen: i64,
    /// Listed at the first look at the exchange: it may be another coin's
    /// ticker, so it is not a listing unless `confirmed`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub at_first_look: bool,
    /// The user said this asset is the watched coin of the same ticker.
    #[serde(default, skip_serializing_if = "is_false")]
    pub confirmed: bool,
    /// When a look first saw it trading as a listing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listed_at: Option<i64>,
    /// The look before that one: the listing happened between the two.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listed_after: Option<i64>,
    /// Its pairs at the latest look that listed it, by quote asset.
    pub pairs: BTreeMap<String, PairEntry>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A pair of an asset, as the latest look saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairEntry {
    pub first_seen: i64,
    pub status: PairStatus,
    /// When it opens, for a scheduled pair (Unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opens_at: Option<i64>,
}

/// A pair's status, as the state file and the outputs write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(IntoStaticStr, VariantArray)]
#[strum(serialize_all = "lowercase")]
pub enum PairStatus {
    Closed,
    Scheduled,
    Trading,
}

impl PairStatus {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl PairEntry {
    fn new(state: PairState, first_seen: i64) -> PairEntry {
        let (status, opens_at) = match state {
            PairState::Trading => (PairStatus::Trading, None),
            PairState::Scheduled { opens_at } => (PairStatus::Scheduled, Some(opens_at)),
            PairState::Closed => (PairStatus::Closed, None),
        };
        PairEntry {
            first_seen,
            status,
            opens_at,
        }
    }
}

/// Where an asset stands on its exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// A pair trades: the first such, as `BASE/QUOTE`.
    Trading(String),
    /// No pair trades and one is announced: the earliest to open.
    Scheduled { pair: String, opens_at: i64 },
    /// Listed, but no pair trades or is announced.
    Closed,
}

impl Asset {
    /// Where the asset stands, from its pairs.
    pub fn standing(&self, base: &str) -> Standing {
        let name = |quote: &str| format!("{base}/{quote}");
        if let Some((q, _)) = self
            .pairs
            .iter()
            .find(|(_, p)| p.status == PairStatus::Trading)
        {
            return Standing::Trading(name(q));
        }
        self.pairs
            .iter()
            .filter_map(|(q, p)| Some((p.opens_at?, q)))
            .min()
            .map_or(Standing::Closed, |(opens_at, q)| Standing::Scheduled {
                pair: name(q),
                opens_at,
            })
    }

    /// Whether the asset speaks for the coin of its ticker: it appeared
    /// after the first look, or the user confirmed it.
    pub fn counts(&self) -> bool {
        !self.at_first_look || self.confirmed
    }
}

impl crate::sighting::Sighting for Asset {
    fn last_seen(&self) -> i64 {
        self.last_seen
    }
    fn counts(&self) -> bool {
        Asset::counts(self)
    }
    fn confirm(&mut self) {
        self.confirmed = true;
    }
}

impl ExchangeBook {
    /// The asset `base` (upper case), if the latest look listed it.
    pub fn listed(&self, base: &str) -> Option<&Asset> {
        self.assets
            .get(base)
            .filter(|a| a.last_seen == self.last_look)
    }
}

/// Drops what the rules no longer need, so no list, however large or
/// changing, can grow the book without end: assets gone for [`GONE_FOR`],
/// then, past [`MAX_ASSETS`], those gone longest.
pub fn prune(eb: &mut ExchangeBook, now: i64) {
    crate::sighting::prune(&mut eb.assets, now, GONE_FOR, MAX_ASSETS);
}

/// What the book says of a coin, over every exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BookStatus {
    /// No exchange that counts lists it trading or announced.
    None,
    /// Announced to open at this time (the earliest), not trading anywhere.
    Scheduled(i64),
    Trading,
}

/// One exchange's view of a coin: a line of the detail pane and one entry
/// per pair in the outputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeView {
    pub exchange: Exchange,
    /// When the exchange's list was last looked at.
    pub last_look: i64,
    /// The asset as the latest look listed it; none when the exchange does
    /// not list the ticker (any more).
    pub asset: Option<AssetView>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetView {
    pub base: String,
    pub standing: Standing,
    pub first_seen: i64,
    pub listed_at: Option<i64>,
    pub listed_after: Option<i64>,
    /// Already listed at the first look and not confirmed: it may be
    /// another coin's.
    pub ambiguous: bool,
    /// Every pair: `BASE/QUOTE` and what the look saw.
    pub pairs: Vec<(String, PairEntry)>,
}

impl Book {
    /// Every exchange's view of `coin`, in the exchanges' order; empty for
    /// a coin without a ticker.
    pub fn views(&self, coin: &Coin) -> Vec<ExchangeView> {
        let Some(key) = ticker_key(coin) else {
            return Vec::new();
        };
        self.exchanges
            .iter()
            .map(|(&exchange, eb)| ExchangeView {
                exchange,
                last_look: eb.last_look,
                asset: eb.listed(&key).map(|a| AssetView {
                    standing: a.standing(&key),
                    first_seen: a.first_seen,
                    listed_at: a.listed_at,
                    listed_after: a.listed_after,
                    ambiguous: !a.counts(),
                    pairs: a
                        .pairs
                        .iter()
                        .map(|(q, p)| (format!("{key}/{q}"), p.clone()))
                        .collect(),
                    base: key.clone(),
                }),
            })
            .collect()
    }

    /// Whether `coin` trades on, or is announced by, an exchange whose
    /// listing counts for it, or trades on a DEX.
    pub fn status(&self, coin: &Coin) -> BookStatus {
        if self.dex.listing(coin).is_some() {
            return BookStatus::Trading;
        }
        let Some(key) = ticker_key(coin) else {
            return BookStatus::None;
        };
        let mut out = BookStatus::None;
        for eb in self.exchanges.values() {
            let Some(asset) = eb.listed(&key).filter(|a| a.counts()) else {
                continue;
            };
            match asset.standing(&key) {
                Standing::Trading(_) => return BookStatus::Trading,
                Standing::Scheduled { opens_at, .. } => {
                    out = match out {
                        BookStatus::Scheduled(t) if t <= opens_at => out,
                        _ => BookStatus::Scheduled(opens_at),
                    }
                }
                Standing::Closed => {}
            }
        }
        out
    }

    /// When `coin` was first seen listed on an exchange whose listing
    /// counts, and the look before (the listing happened between the two,
    /// when prelist did not see it happen); or first seen in a DEX pool
    /// at the threshold, if that was earlier.
    pub fn listed_at(&self, coin: &Coin) -> Option<(i64, Option<i64>)> {
        let dex = self.dex.listing(coin).map(|l| (l.at, None));
        let Some(key) = ticker_key(coin) else {
            return dex;
        };
        self.exchanges
            .values()
            .filter_map(|eb| eb.assets.get(&key))
            .filter(|a| a.counts())
            .filter_map(|a| Some((a.listed_at?, a.listed_after)))
            .chain(dex)
            .min()
    }

    /// Every pre-market venue's quote of `coin` (see
    /// [`Premarket::quotes`]).
    pub fn premarket_quotes(&self, coin: &Coin) -> Vec<VenueQuote> {
        let spot = ticker_key(coin).is_some_and(|k| self.lists_trading(&k));
        self.premarket.quotes(coin, spot)
    }

    /// The coin's pre-market price now (see [`Premarket::price`]).
    pub fn premarket_price(&self, coin: &Coin) -> Option<f64> {
        if self.premarket.venues.is_empty() {
            return None;
        }
        let spot = ticker_key(coin).is_some_and(|k| self.lists_trading(&k));
        self.premarket.price(coin, spot)
    }

    /// Whether any exchange's latest look lists `key` (a ticker, upper
    /// case) trading, whether or not that listing counts for a coin.
    pub fn lists_trading(&self, key: &str) -> bool {
        self.exchanges.values().any(|eb| {
            eb.listed(key)
                .is_some_and(|a| matches!(a.standing(key), Standing::Trading(_)))
        })
    }

    /// The exchanges where `coin` trades as a listing that counts, in
    /// order: the table's Exchanges column.
    pub fn trading_on(&self, coin: &Coin) -> Vec<Exchange> {
        let Some(key) = ticker_key(coin) else {
            return Vec::new();
        };
        self.exchanges
            .iter()
            .filter(|(_, eb)| {
                eb.listed(&key)
                    .is_some_and(|a| a.counts() && matches!(a.standing(&key), Standing::Trading(_)))
            })
            .map(|(&e, _)| e)
            .collect()
    }

    /// Confirms that the assets under `coin`'s ticker that were already
    /// listed at the first look are the coin: from now on they count.
    /// Returns the exchanges confirmed.
    pub fn confirm(&mut self, coin: &Coin) -> Vec<Exchange> {
        let Some(key) = ticker_key(coin) else {
            return Vec::new();
        };
        let books = self
            .exchanges
            .iter_mut()
            .map(|(&e, eb)| (e, eb.last_look, &mut eb.assets));
        crate::sighting::confirm(books, &key)
    }
}

/// What a look found for a watched coin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub exchange: Exchange,
    /// The coin's name and ticker, cleaned for printing.
    pub coin: String,
    pub ticker: String,
    pub market_id: Option<String>,
    /// The pair that made it: `NIL/USDT`.
    pub pair: String,
    pub kind: EventKind,
    /// When the look was made.
    pub at: i64,
    /// A listing of a coin that traded already (on CoinGecko or another
    /// exchange): where it trades now too, not its listing. The watcher
    /// knows; the book does not.
    pub also: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// It trades now. `between` is the previous look and this one, when the
    /// listing may have happened while prelist was closed.
    Listed { between: Option<(i64, i64)> },
    /// An opening is announced for `opens_at`.
    Scheduled { opens_at: i64 },
}

impl Event {
    /// What the status line, the event log, `check` and the log file say.
    pub fn message(&self) -> String {
        let who = format!("{} ({})", self.coin, self.ticker);
        let on = self.exchange.name();
        match self.kind {
            EventKind::Listed { .. } if self.also => {
                format!("{} now also trades on {on}: {}", self.coin, self.pair)
            }
            EventKind::Listed { between: None } => {
                format!("{who} listed on {on}: {}", self.pair)
            }
            EventKind::Listed {
                between: Some((from, to)),
            } => format!(
                "{who} listed on {on} between {} and {}: {}",
                text::date_time(from),
                text::date_time(to),
                self.pair
            ),
            EventKind::Scheduled { opens_at } => format!(
                "{who} opens on {on} {} ({}): {}",
                text::date_time(opens_at),
                countdown(opens_at - self.at),
                self.pair
            ),
        }
    }
}

/// A countdown to a time `secs` away, in its two largest units: `in 1 d 3 h`,
/// `in 2 h 5 m`, `in 40 s`; `now` once it is past.
pub fn countdown(secs: i64) -> String {
    if secs <= 0 {
        return "now".into();
    }
    let (d, h, m, s) = (
        secs / 86_400,
        secs % 86_400 / 3600,
        secs % 3600 / 60,
        secs % 60,
    );
    match (d, h, m) {
        (0, 0, 0) => format!("in {s} s"),
        (0, 0, _) => format!("in {m} m"),
        (0, _, _) => format!("in {h} h {m} m"),
        _ => format!("in {d} d {h} h"),
    }
}

/// Takes in one look at `exchange`'s list, made at `now`, and says what it
/// means for the watched `coins`.
///
/// At the first look every asset is recorded as already there, and nothing
/// is a listing. After that, an asset that appears trading is a listing; one
/// that appears (or later stands) announced is scheduled; a new quote pair
/// of an asset that was there is nothing new; a pair that is not trading
/// never makes a listing. `resumed` says this is the first look since
/// prelist started, so listings may have happened while it was closed:
/// they are told with the time between the two looks.
pub fn apply_look(
    book: &mut Book,
    exchange: Exchange,
    pairs: &[Pair],
    now: i64,
    coins: &[Coin],
    resumed: bool,
) -> Vec<Event> {
    let first = !book.exchanges.contains_key(&exchange);
    let eb = book.exchanges.entry(exchange).or_insert(ExchangeBook {
        first_look: now,
        last_look: now,
        assets: BTreeMap::new(),
    });
    let previous = eb.last_look;
    let mut seen: BTreeMap<String, Vec<&Pair>> = BTreeMap::new();
    for p in pairs {
        let base = p.base.trim().to_uppercase();
        if !base.is_empty() {
            seen.entry(base).or_default().push(p);
        }
    }
    let mut changes: Vec<(String, Standing)> = Vec::new();
    for (base, ps) in seen {
        // A pair that has never traded is an announcement, whatever the
        // day of the first look: only a ticker that already trades (or
        // traded) may be another coin's.
        let announced = ps
            .iter()
            .all(|p| matches!(p.state, PairState::Scheduled { .. }));
        let asset = eb.assets.entry(base.clone()).or_insert_with(|| Asset {
            first_seen: now,
            last_seen: now,
            at_first_look: first && !announced,
            confirmed: false,
            listed_at: None,
            listed_after: None,
            pairs: BTreeMap::new(),
        });
        // Gone from the previous look (or new): nothing stood before.
        let before =
            (asset.last_seen == previous && asset.first_seen != now).then(|| asset.standing(&base));
        let mut fresh = BTreeMap::new();
        for p in ps {
            let quote = p.quote.trim().to_uppercase();
            let first_seen = asset.pairs.get(&quote).map_or(now, |e| e.first_seen);
            fresh.insert(quote, PairEntry::new(p.state, first_seen));
        }
        asset.pairs = fresh;
        asset.last_seen = now;
        if !asset.counts() {
            continue;
        }
        let after = asset.standing(&base);
        let news = match (&before, &after) {
            (_, Standing::Trading(_)) if asset.listed_at.is_none() => {
                asset.listed_at = Some(now);
                asset.listed_after = (!first && previous < now).then_some(previous);
                true
            }
            (
                Some(Standing::Scheduled { opens_at: was, .. }),
                Standing::Scheduled { opens_at, .. },
            ) => was != opens_at,
            (_, Standing::Scheduled { .. }) => true,
            _ => false,
        };
        if news {
            changes.push((base, after));
        }
    }
    eb.last_look = now;
    prune(eb, now);
    if changes.is_empty() {
        return Vec::new();
    }
    // One pass over the coins, whatever the number of changes.
    let mut by_ticker: HashMap<String, Vec<&Coin>> = HashMap::new();
    for c in coins {
        if let Some(k) = ticker_key(c) {
            by_ticker.entry(k).or_default().push(c);
        }
    }
    let mut events = Vec::new();
    for (base, standing) in changes {
        let (pair, kind) = match standing {
            Standing::Trading(pair) => (
                pair,
                EventKind::Listed {
                    between: resumed.then_some((previous, now)),
                },
            ),
            Standing::Scheduled { pair, opens_at } => (pair, EventKind::Scheduled { opens_at }),
            Standing::Closed => continue,
        };
        for c in by_ticker.get(&base).into_iter().flatten() {
            events.push(Event {
                exchange,
                coin: text::clean(&c.name).into_owned(),
                ticker: text::clean(&base).into_owned(),
                market_id: c.market_id.as_deref().map(String::from),
                pair: text::clean(&pair).into_owned(),
                kind,
                at: now,
                also: false,
            });
        }
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merge::merge_books;
    use crate::model::Watchlist;

    fn coins() -> Vec<Coin> {
        // Nillion is NIL, Parcl is PRCL in the built-in list.
        Watchlist::builtin().coins
    }

    #[test]
    fn pair_statuses_are_named_alike_in_the_state_and_the_outputs() {
        for status in PairStatus::VARIANTS {
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
    }

    fn pair(base: &str, quote: &str, state: PairState) -> Pair {
        Pair {
            base: base.into(),
            quote: quote.into(),
            state,
        }
    }

    fn trading(base: &str, quote: &str) -> Pair {
        pair(base, quote, PairState::Trading)
    }

    const T0: i64 = 1_800_000_000;

    fn look(book: &mut Book, pairs: &[Pair], at: i64) -> Vec<String> {
        apply_look(book, Exchange::Binance, pairs, at, &coins(), false)
            .iter()
            .map(Event::message)
            .collect()
    }

    fn status(book: &Book, name: &str) -> BookStatus {
        let c = coins().into_iter().find(|c| c.name == name).unwrap();
        book.status(&c)
    }

    #[test]
    fn an_asset_appearing_after_a_look_is_a_listing() {
        let mut book = Book::default();
        assert!(look(&mut book, &[trading("BTC", "USDT")], T0).is_empty());
        assert_eq!(status(&book, "Nillion"), BookStatus::None);
        let events = look(
            &mut book,
            &[trading("BTC", "USDT"), trading("nil", "usdt")],
            T0 + 300,
        );
        assert_eq!(events, ["Nillion (NIL) listed on Binance: NIL/USDT"]);
        assert_eq!(status(&book, "Nillion"), BookStatus::Trading);
        let nil = &book.exchanges[&Exchange::Binance].assets["NIL"];
        assert_eq!((nil.first_seen, nil.listed_at), (T0 + 300, Some(T0 + 300)));
        // The next look says nothing new.
        assert!(look(&mut book, &[trading("NIL", "USDT")], T0 + 600).is_empty());
    }

    #[test]
    fn a_ticker_already_there_at_the_first_look_needs_confirming() {
        let mut book = Book::default();
        assert!(look(&mut book, &[trading("NIL", "USDT")], T0).is_empty());
        assert_eq!(status(&book, "Nillion"), BookStatus::None);
        let nillion = coins().into_iter().find(|c| c.name == "Nillion").unwrap();
        let views = book.views(&nillion);
        assert!(views[0].asset.as_ref().unwrap().ambiguous);
        // Later looks never make it a listing by itself.
        assert!(look(&mut book, &[trading("NIL", "BTC")], T0 + 300).is_empty());
        assert_eq!(book.confirm(&nillion), [Exchange::Binance]);
        assert_eq!(status(&book, "Nillion"), BookStatus::Trading);
        assert!(!book.views(&nillion)[0].asset.as_ref().unwrap().ambiguous);
        assert!(book.confirm(&nillion).is_empty(), "once is enough");
    }

    #[test]
    fn a_new_quote_pair_is_not_a_listing() {
        let mut book = Book::default();
        look(&mut book, &[trading("BTC", "USDT")], T0);
        assert_eq!(
            look(&mut book, &[trading("PRCL", "USDT")], T0 + 300).len(),
            1
        );
        let events = look(
            &mut book,
            &[trading("PRCL", "USDT"), trading("PRCL", "BTC")],
            T0 + 600,
        );
        assert!(events.is_empty(), "{events:?}");
        let prcl = &book.exchanges[&Exchange::Binance].assets["PRCL"];
        assert_eq!(prcl.pairs["USDT"].first_seen, T0 + 300);
        assert_eq!(prcl.pairs["BTC"].first_seen, T0 + 600);
    }

    #[test]
    fn a_pair_not_trading_makes_no_listing_until_it_trades() {
        let mut book = Book::default();
        look(&mut book, &[trading("BTC", "USDT")], T0);
        let events = look(
            &mut book,
            &[pair("NIL", "USDT", PairState::Closed)],
            T0 + 300,
        );
        assert!(events.is_empty());
        assert_eq!(status(&book, "Nillion"), BookStatus::None);
        let events = look(&mut book, &[trading("NIL", "USDT")], T0 + 600);
        assert_eq!(events, ["Nillion (NIL) listed on Binance: NIL/USDT"]);
        // A halt and a return are not a second listing.
        look(
            &mut book,
            &[pair("NIL", "USDT", PairState::Closed)],
            T0 + 900,
        );
        assert_eq!(status(&book, "Nillion"), BookStatus::None);
        assert!(look(&mut book, &[trading("NIL", "USDT")], T0 + 1200).is_empty());
    }

    #[test]
    fn a_scheduled_pair_makes_the_coin_scheduled_with_a_countdown() {
        let mut book = Book::default();
        let opens = T0 + 300 + 86_400 + 3 * 3600;
        apply_look(
            &mut book,
            Exchange::Okx,
            &[trading("BTC", "USDT")],
            T0,
            &coins(),
            false,
        );
        let events = apply_look(
            &mut book,
            Exchange::Okx,
            &[pair(
                "NIL",
                "USDT",
                PairState::Scheduled { opens_at: opens },
            )],
            T0 + 300,
            &coins(),
            false,
        );
        assert_eq!(
            events.iter().map(Event::message).collect::<Vec<_>>(),
            ["Nillion (NIL) opens on OKX 2027-01-16 11:05 UTC (in 1 d 3 h): NIL/USDT"]
        );
        assert_eq!(status(&book, "Nillion"), BookStatus::Scheduled(opens));
        // The same announcement again is no news; its opening is.
        let again = [pair(
            "NIL",
            "USDT",
            PairState::Scheduled { opens_at: opens },
        )];
        assert!(apply_look(&mut book, Exchange::Okx, &again, T0 + 600, &coins(), false).is_empty());
        let events = apply_look(
            &mut book,
            Exchange::Okx,
            &[trading("NIL", "USDT")],
            opens,
            &coins(),
            false,
        );
        assert_eq!(events[0].message(), "Nillion (NIL) listed on OKX: NIL/USDT");
        assert_eq!(status(&book, "Nillion"), BookStatus::Trading);
    }

    #[test]
    fn a_listing_while_closed_is_told_with_the_time_between_looks() {
        let mut book = Book::default();
        look(&mut book, &[trading("BTC", "USDT")], T0);
        // The book goes through the state file, and prelist starts again.
        let text = serde_json::to_string(&book).unwrap();
        let mut book: Book = serde_json::from_str(&text).unwrap();
        let events = apply_look(
            &mut book,
            Exchange::Binance,
            &[trading("BTC", "USDT"), trading("NIL", "USDT")],
            T0 + 86_400,
            &coins(),
            true,
        );
        assert_eq!(
            events[0].message(),
            "Nillion (NIL) listed on Binance between 2027-01-15 08:00 UTC and 2027-01-16 08:00 UTC: NIL/USDT"
        );
    }

    #[test]
    fn coins_without_a_ticker_never_match_and_gone_assets_do_not_trade() {
        let mut c = coins();
        let nil = c.iter().position(|c| c.name == "Nillion").unwrap();
        c[nil].ticker = None;
        let mut book = Book::default();
        apply_look(&mut book, Exchange::Binance, &[], T0, &c, false);
        let events = apply_look(
            &mut book,
            Exchange::Binance,
            &[trading("NIL", "USDT")],
            T0 + 1,
            &c,
            false,
        );
        assert!(events.is_empty());
        assert_eq!(book.status(&c[nil]), BookStatus::None);
        assert!(book.views(&c[nil]).is_empty());
        // Gone from the list: no longer trading there.
        look(&mut book, &[trading("BTC", "USDT")], T0 + 2);
        assert_eq!(status(&book, "Nillion"), BookStatus::None);
    }

    #[test]
    fn countdowns() {
        assert_eq!(countdown(97_200), "in 1 d 3 h");
        assert_eq!(countdown(7_500), "in 2 h 5 m");
        assert_eq!(countdown(600), "in 10 m");
        assert_eq!(countdown(40), "in 40 s");
        assert_eq!(countdown(0), "now");
    }

    #[test]
    fn books_merge_by_union_keeping_first_sightings_and_latest_looks() {
        let mut ours = Book::default();
        look(&mut ours, &[trading("BTC", "USDT")], T0);
        look(
            &mut ours,
            &[trading("BTC", "USDT"), trading("NIL", "USDT")],
            T0 + 300,
        );
        let mut theirs = Book::default();
        look(&mut theirs, &[trading("BTC", "USDT")], T0 + 100);
        look(
            &mut theirs,
            &[
                trading("BTC", "USDT"),
                trading("NIL", "USDT"),
                trading("NIL", "BTC"),
            ],
            T0 + 900,
        );
        apply_look(
            &mut theirs,
            Exchange::Okx,
            &[trading("ETH", "USDT")],
            T0 + 50,
            &coins(),
            false,
        );
        let m = merge_books(&ours, &theirs);
        let b = &m.exchanges[&Exchange::Binance];
        assert_eq!((b.first_look, b.last_look), (T0, T0 + 900));
        let nil = &b.assets["NIL"];
        assert_eq!(nil.first_seen, T0 + 300);
        assert_eq!(nil.listed_at, Some(T0 + 300));
        assert_eq!(nil.pairs.len(), 2, "the later look's pairs");
        assert!(m.exchanges.contains_key(&Exchange::Okx));
        assert_eq!(merge_books(&m, &m), m);
    }

    #[test]
    fn a_pair_announced_at_the_first_look_is_a_schedule() {
        let mut book = Book::default();
        let opens = T0 + 7200;
        let events = look(
            &mut book,
            &[
                trading("BTC", "USDT"),
                pair("NIL", "USDT", PairState::Scheduled { opens_at: opens }),
            ],
            T0,
        );
        assert_eq!(events.len(), 1, "{events:?}");
        assert!(
            events[0].starts_with("Nillion (NIL) opens on Binance"),
            "{events:?}"
        );
        assert_eq!(status(&book, "Nillion"), BookStatus::Scheduled(opens));
        // Trading at the next look: a listing, told as one.
        let events = look(&mut book, &[trading("NIL", "USDT")], opens + 60);
        assert_eq!(events, ["Nillion (NIL) listed on Binance: NIL/USDT"]);
        // A ticker already trading at the first look still needs confirming.
        let mut book = Book::default();
        look(&mut book, &[trading("PRCL", "USDT")], T0);
        assert_eq!(status(&book, "Parcl"), BookStatus::None);
    }

    #[test]
    fn a_listing_keeps_the_looks_it_happened_between() {
        let mut book = Book::default();
        look(&mut book, &[trading("BTC", "USDT")], T0);
        look(
            &mut book,
            &[trading("BTC", "USDT"), trading("NIL", "USDT")],
            T0 + 300,
        );
        let nillion = coins().into_iter().find(|c| c.name == "Nillion").unwrap();
        assert_eq!(book.listed_at(&nillion), Some((T0 + 300, Some(T0))));
        let listed = crate::listing::listed_at(&nillion, &Default::default(), &book);
        assert_eq!(listed, Some(T0 + 300), "the Listed column has a time");
        let view = book.views(&nillion).remove(0).asset.unwrap();
        assert_eq!(
            (view.listed_at, view.listed_after),
            (Some(T0 + 300), Some(T0))
        );
    }

    #[test]
    fn the_book_drops_what_is_gone_and_stays_bounded() {
        let mut book = Book::default();
        look(
            &mut book,
            &[trading("OLD", "USDT"), trading("BTC", "USDT")],
            T0,
        );
        look(&mut book, &[trading("BTC", "USDT")], T0 + GONE_FOR);
        assert!(
            book.exchanges[&Exchange::Binance]
                .assets
                .contains_key("OLD")
        );
        look(&mut book, &[trading("BTC", "USDT")], T0 + GONE_FOR + 1);
        let assets = &book.exchanges[&Exchange::Binance].assets;
        assert!(!assets.contains_key("OLD"), "gone for over 30 days");
        assert!(assets.contains_key("BTC"));

        // Names that change at every look: at most MAX_ASSETS, the ones
        // gone longest dropped first.
        let eb = book.exchanges.get_mut(&Exchange::Binance).unwrap();
        for i in 0..MAX_ASSETS + 10 {
            eb.assets.insert(
                format!("X{i}"),
                Asset {
                    first_seen: T0,
                    last_seen: T0 + GONE_FOR + i as i64 / 1000,
                    at_first_look: false,
                    confirmed: false,
                    listed_at: None,
                    listed_after: None,
                    pairs: BTreeMap::new(),
                },
            );
        }
        look(&mut book, &[trading("BTC", "USDT")], T0 + GONE_FOR + 200);
        let assets = &book.exchanges[&Exchange::Binance].assets;
        assert_eq!(assets.len(), MAX_ASSETS);
        assert!(assets.contains_key("BTC"), "listed now: kept");
        assert!(!assets.contains_key("X0"), "gone longest: dropped");
        assert!(assets.contains_key(&format!("X{}", MAX_ASSETS + 9)));
    }
}
