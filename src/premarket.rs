//! Prices before the listing: the venues that trade a coin before any spot
//! market does (pre-launch perpetuals, pre-market contracts), what each
//! look at them saw, and what that says of the watched coins.
//!
//! A venue's instrument matches a coin by ticker, like an exchange's pair.
//! An instrument the venue itself marks as pre-market (Bybit `PreLaunch`,
//! OKX `pre_market`, Binance `PRE_MARKET`) belongs to the coin at any look.
//! An unmarked one (Hyperliquid's perps) belongs to it only if it appeared
//! after prelist's first look at the venue, or the user confirmed it: most
//! perps are of old coins, and another coin may share the ticker.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use strum::{EnumCount, EnumString, IntoStaticStr, VariantArray};

use crate::model::{Coin, ticker_key};
use crate::names;
use crate::text;

/// An instrument gone from a venue's answer for this long (seconds) is
/// dropped: only what is priced now, and since when, matters.
pub const GONE_FOR: i64 = 30 * 86_400;

/// At most this many instruments are kept per venue; those gone longest
/// go first. No venue lists a tenth of it.
pub const MAX_OFFERS: usize = 20_000;

/// The venues that price coins before they list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[derive(EnumString, IntoStaticStr, VariantArray, EnumCount)]
#[strum(serialize_all = "lowercase")]
pub enum Venue {
    Hyperliquid,
    Bybit,
    Okx,
    Binance,
}

impl Venue {
    /// Every venue, in the order the config and the screen list them.
    pub const ALL: [Venue; Venue::COUNT] = names::all();

    /// The name in config files and JSON: `hyperliquid`, `okx`…
    pub fn key(self) -> &'static str {
        self.into()
    }

    /// The name people know.
    pub fn name(self) -> &'static str {
        match self {
            Venue::Hyperliquid => "Hyperliquid",
            Venue::Bybit => "Bybit",
            Venue::Okx => "OKX",
            Venue::Binance => "Binance",
        }
    }

    /// Whether the venue marks its pre-market instruments itself. Hyperliquid
    /// does not: every perp of its universe is an offer, and the first-look
    /// rule decides.
    pub fn marks_premarket(self) -> bool {
        !matches!(self, Venue::Hyperliquid)
    }
}

/// One instrument of a venue's look that trades a coin before its listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    /// The base asset, upper case (`MOVE`).
    pub base: String,
    /// The venue's name for the instrument (`MOVEUSDT`, `MOVE-USDT-SWAP`,
    /// `MOVE` for a Hyperliquid perp).
    pub instrument: String,
    /// Its price in USD, when the venue gave a real one.
    pub price_usd: Option<f64>,
    /// The auction phase, where the venue has one (Bybit:
    /// `ContinuousTrading`, `CallAuction`…).
    pub phase: Option<String>,
}

/// A venue's instruments, as prelist has seen them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VenueBook {
    pub first_look: i64,
    pub last_look: i64,
    /// By base asset (upper case).
    pub offers: BTreeMap<String, Seen>,
}

/// An instrument of a venue, as the latest look that listed it saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seen {
    pub instrument: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_usd: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    pub first_seen: i64,
    pub last_seen: i64,
    /// Unmarked and there at the first look at the venue: it may be
    /// another coin's, so it does not count unless `confirmed`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub at_first_look: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub confirmed: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Seen {
    /// Whether it speaks for the coin of its ticker.
    pub fn counts(&self) -> bool {
        !self.at_first_look || self.confirmed
    }
}

impl crate::sighting::Sighting for Seen {
    fn last_seen(&self) -> i64 {
        self.last_seen
    }
    fn counts(&self) -> bool {
        Seen::counts(self)
    }
    fn confirm(&mut self) {
        self.confirmed = true;
    }
}

/// The last pre-market price of a coin, kept once it lists.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    pub price_usd: f64,
    /// When it was current (Unix seconds).
    pub at: i64,
}

/// What every venue looked at prices, and the last pre-market price of
/// each coin seen pre-market, by ticker (upper case).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Premarket {
    pub venues: BTreeMap<Venue, VenueBook>,
    pub marks: BTreeMap<String, Mark>,
}

/// One venue's price of a coin: a line of the detail pane and an entry of
/// the outputs' `premarket` list.
#[derive(Debug, Clone, PartialEq)]
pub struct VenueQuote {
    pub venue: Venue,
    pub instrument: String,
    pub price_usd: Option<f64>,
    pub phase: Option<String>,
    pub last_seen: i64,
    /// Unmarked, there at the first look and not confirmed: shown, but not
    /// part of the coin's pre-market price.
    pub ambiguous: bool,
}

impl VenueBook {
    /// The offer of `base`, if the latest look listed it.
    pub fn listed(&self, base: &str) -> Option<&Seen> {
        self.offers
            .get(base)
            .filter(|s| s.last_seen == self.last_look)
    }
}

impl Premarket {
    /// The instruments the latest looks listed under `key` (a ticker, upper
    /// case), by venue in the venues' order. With `spot` (the ticker trades
    /// on a watched spot exchange), a Hyperliquid perp of it is that
    /// exchange's coin, not a pre-market price, and is left out.
    fn listed<'a>(&'a self, key: &'a str, spot: bool) -> impl Iterator<Item = (Venue, &'a Seen)> {
        self.venues
            .iter()
            .filter(move |(venue, _)| venue.marks_premarket() || !spot)
            .filter_map(move |(&venue, vb)| Some((venue, vb.listed(key)?)))
    }

    /// Every venue's quote of `coin`, in the venues' order. With `spot`
    /// (the ticker trades on a watched spot exchange), a Hyperliquid perp
    /// of it is that exchange's coin and is left out.
    pub fn quotes(&self, coin: &Coin, spot: bool) -> Vec<VenueQuote> {
        let Some(key) = ticker_key(coin) else {
            return Vec::new();
        };
        self.listed(&key, spot)
            .map(|(venue, s)| VenueQuote {
                venue,
                instrument: s.instrument.clone(),
                price_usd: s.price_usd,
                phase: s.phase.clone(),
                last_seen: s.last_seen,
                ambiguous: !s.counts(),
            })
            .collect()
    }

    /// The coin's pre-market price now: the median of the prices of the
    /// venues that count for it; none when none prices it. Asked for every
    /// row drawn and every coin sorted or filtered by status, so it copies
    /// nothing.
    pub fn price(&self, coin: &Coin, spot: bool) -> Option<f64> {
        if self.venues.is_empty() {
            return None;
        }
        let key = ticker_key(coin)?;
        let mut prices: Vec<f64> = self
            .listed(&key, spot)
            .filter(|(_, s)| s.counts())
            .filter_map(|(_, s)| s.price_usd)
            .collect();
        median(&mut prices)
    }

    /// The last pre-market price kept for `coin`.
    pub fn mark(&self, coin: &Coin) -> Option<Mark> {
        self.marks.get(&ticker_key(coin)?).copied()
    }

    /// Confirms that the unmarked instruments under `coin`'s ticker that
    /// were there at the first look are the coin. Returns the venues
    /// confirmed.
    pub fn confirm(&mut self, coin: &Coin) -> Vec<Venue> {
        let Some(key) = ticker_key(coin) else {
            return Vec::new();
        };
        let books = self
            .venues
            .iter_mut()
            .map(|(&v, vb)| (v, vb.last_look, &mut vb.offers));
        crate::sighting::confirm(books, &key)
    }
}

/// The median of `prices` (sorted in place); none of none.
pub fn median(prices: &mut [f64]) -> Option<f64> {
    prices.sort_by(f64::total_cmp);
    let n = prices.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(prices[n / 2]),
        _ => Some((prices[n / 2 - 1] + prices[n / 2]) / 2.0),
    }
}

/// The first pre-market price seen for a watched coin: an event.
#[derive(Debug, Clone, PartialEq)]
pub struct Priced {
    pub coin: String,
    pub ticker: String,
    pub market_id: Option<String>,
    pub venue: Venue,
    pub instrument: String,
    pub price_usd: f64,
    pub at: i64,
}

/// Takes in one look at `venue`, made at `now`, and says which watched
/// `coins` it priced before the listing for the first time: each coin once,
/// when the first venue that counts prices it and no mark is kept for it
/// yet. `trading` says whether a coin trades already (a coin that does is
/// never pre-market).
pub fn apply_venue_look(
    pm: &mut Premarket,
    venue: Venue,
    offers: &[Offer],
    now: i64,
    coins: &[Coin],
    trading: impl Fn(&Coin) -> bool,
) -> Vec<Priced> {
    let first = !pm.venues.contains_key(&venue);
    let vb = pm.venues.entry(venue).or_insert(VenueBook {
        first_look: now,
        last_look: now,
        offers: BTreeMap::new(),
    });
    let mut fresh: HashMap<String, &Offer> = HashMap::new();
    for o in offers {
        let base = o.base.trim().to_uppercase();
        if !base.is_empty() {
            // Of two instruments of one asset, the first priced one speaks.
            let keep = fresh
                .get(&base)
                .is_some_and(|k| k.price_usd.is_some() || o.price_usd.is_none());
            if !keep {
                fresh.insert(base, o);
            }
        }
    }
    for (base, o) in fresh {
        let s = vb.offers.entry(base).or_insert_with(|| Seen {
            instrument: String::new(),
            price_usd: None,
            phase: None,
            first_seen: now,
            last_seen: now,
            at_first_look: first && !venue.marks_premarket(),
            confirmed: false,
        });
        s.instrument = text::clean(&o.instrument).into_owned();
        s.price_usd = o.price_usd;
        s.phase = o.phase.as_deref().map(|p| text::clean(p).into_owned());
        s.last_seen = now;
    }
    vb.last_look = now;
    prune(vb, now);
    first_prices(pm, venue, now, coins, trading)
}

/// The coins `venue` prices that had no pre-market price before: their
/// marks are set by [`keep_marks`] after, so each is told once.
fn first_prices(
    pm: &Premarket,
    venue: Venue,
    now: i64,
    coins: &[Coin],
    trading: impl Fn(&Coin) -> bool,
) -> Vec<Priced> {
    let Some(vb) = pm.venues.get(&venue) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for c in coins {
        let Some(key) = ticker_key(c) else { continue };
        if pm.marks.contains_key(&key) || trading(c) {
            continue;
        }
        let Some(s) = vb.listed(&key).filter(|s| s.counts()) else {
            continue;
        };
        let Some(price) = s.price_usd else { continue };
        out.push(Priced {
            coin: text::clean(&c.name).into_owned(),
            ticker: key,
            market_id: c.market_id.as_deref().map(String::from),
            venue,
            instrument: s.instrument.clone(),
            price_usd: price,
            at: now,
        });
    }
    out
}

/// Keeps each pre-market coin's price as its mark, so the price before the
/// listing outlives the listing. `spot` says whether a coin's ticker trades
/// on a watched spot exchange (see [`Premarket::quotes`]). Returns whether
/// a mark changed.
pub fn keep_marks(
    pm: &mut Premarket,
    coins: &[Coin],
    now: i64,
    trading: impl Fn(&Coin) -> bool,
    spot: impl Fn(&Coin) -> bool,
) -> bool {
    let mut changed = false;
    for c in coins {
        if trading(c) {
            continue;
        }
        let (Some(key), Some(price)) = (ticker_key(c), pm.price(c, spot(c))) else {
            continue;
        };
        let mark = Mark {
            price_usd: price,
            at: now,
        };
        if pm.marks.get(&key).is_none_or(|m| m.price_usd != price) {
            pm.marks.insert(key, mark);
            changed = true;
        }
    }
    changed
}

/// Drops offers gone for [`GONE_FOR`], then, past [`MAX_OFFERS`], those
/// gone longest.
pub fn prune(vb: &mut VenueBook, now: i64) {
    crate::sighting::prune(&mut vb.offers, now, GONE_FOR, MAX_OFFERS);
}

/// Both instances' pre-market books in one: each venue as the later look
/// saw it, its first look the earlier of the two, an offer confirmed if
/// either confirmed it; each mark the later of the two.
pub fn merge(ours: &Premarket, theirs: &Premarket) -> Premarket {
    let mut out = ours.clone();
    for (&venue, t) in &theirs.venues {
        let Some(o) = out.venues.get_mut(&venue) else {
            out.venues.insert(venue, t.clone());
            continue;
        };
        for (base, ts) in &t.offers {
            let Some(os) = o.offers.get_mut(base) else {
                o.offers.insert(base.clone(), ts.clone());
                continue;
            };
            let (first_seen, at_first, confirmed) = (
                os.first_seen.min(ts.first_seen),
                os.at_first_look | ts.at_first_look,
                os.confirmed | ts.confirmed,
            );
            if ts.last_seen > os.last_seen {
                *os = ts.clone();
            }
            os.first_seen = first_seen;
            os.at_first_look = at_first;
            os.confirmed = confirmed;
        }
        o.first_look = o.first_look.min(t.first_look);
        o.last_look = o.last_look.max(t.last_look);
        prune(o, o.last_look);
    }
    for (key, tm) in &theirs.marks {
        match out.marks.get(key) {
            Some(om) if om.at >= tm.at => {}
            _ => {
                out.marks.insert(key.clone(), *tm);
            }
        }
    }
    out
}

/// Marks closed each pair of Binance's spot list that Binance Pre-Market
/// lists as its symbol: it trades, but not spot, so it never makes a coin
/// trading. (Binance's spot list is read without its permission sets, which
/// would say so: they are most of its megabytes.)
pub fn close_premarket_pairs(pm: &Premarket, pairs: &mut [crate::exchange::Pair]) {
    let Some(vb) = pm.venues.get(&Venue::Binance) else {
        return;
    };
    for p in pairs {
        let symbol = format!("{}{}", p.base, p.quote);
        if vb.listed(&p.base).is_some_and(|s| s.instrument == symbol) {
            p.state = crate::exchange::PairState::Closed;
        }
    }
}

/// The valuation a pre-market price implies: price × total supply.
pub fn implied_fdv(price: Option<f64>, supply: Option<f64>) -> Option<f64> {
    let fdv = price? * supply?;
    fdv.is_finite().then_some(fdv)
}

/// The first spot price against the last pre-market price, in percent.
pub fn listed_vs_premarket_pct(first_spot: f64, mark: Mark) -> Option<f64> {
    let pct = (first_spot / mark.price_usd - 1.0) * 100.0;
    pct.is_finite().then_some(pct)
}

#[cfg(test)]
mod tests;
