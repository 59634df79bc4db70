//! What is known about a coin's market: whether it trades, since when, at what
//! price; and the flip rule that moves a coin from upcoming to trading.
//!
//! Listings are keyed by market id: only a coin with a market id can be seen
//! to list, and the record survives the coin being renamed in the watchlist.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::market::Quotes;
use crate::model::Coin;
use crate::sources::book::{Book, BookStatus};

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
}

/// Listings by market id.
pub type Listings = HashMap<String, Listing>;

/// Where a coin stands, in the order it moves: upcoming, scheduled (an
/// exchange published an opening time), trading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    Upcoming,
    Scheduled,
    Trading,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Upcoming => "upcoming",
            Status::Scheduled => "scheduled",
            Status::Trading => "trading",
        }
    }
}

/// The listing of `coin`, if it has been seen trading.
pub fn listing_of<'a>(coin: &Coin, listings: &'a Listings) -> Option<&'a Listing> {
    coin.market_id.as_ref().and_then(|id| listings.get(id))
}

/// A coin's status from every source: trading when CoinGecko prices it or
/// an exchange lists it as a listing that counts (see [`Book`]), else
/// scheduled when an exchange announced its opening, else upcoming.
pub fn status_of(coin: &Coin, listings: &Listings, book: &Book) -> Status {
    if listing_of(coin, listings).is_some() {
        return Status::Trading;
    }
    match book.status(coin) {
        BookStatus::Trading => Status::Trading,
        BookStatus::Scheduled(_) => Status::Scheduled,
        BookStatus::None => Status::Upcoming,
    }
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
    let mut flips = Vec::new();
    for id in polled {
        // Only a real price counts: finite, above zero, within reason.
        let priced = quotes
            .get(id)
            .and_then(|q| Some((q, q.price_usd.filter(|&p| crate::market::is_price(p))?)));
        match (listings.get_mut(id), priced) {
            (Some(l), Some((q, p))) => {
                l.price_usd = p;
                l.change_24h = q.change_24h;
                l.market_cap = q.market_cap;
                l.updated_at = q.last_updated.unwrap_or(now);
                l.stale = false;
            }
            (Some(l), None) => l.stale = true,
            (None, Some((q, p))) => {
                listings.insert(
                    id.clone(),
                    Listing {
                        listed_at: now,
                        first_price: p,
                        price_usd: p,
                        change_24h: q.change_24h,
                        market_cap: q.market_cap,
                        updated_at: q.last_updated.unwrap_or(now),
                        stale: false,
                    },
                );
                flips.push(Flip {
                    market_id: id.clone(),
                    price: p,
                });
            }
            (None, None) => {}
        }
    }
    flips
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

/// Applies one poll's answer (see [`apply_quotes`]) and names the coins that
/// flipped: the one step both `prelist check` and the screen take.
pub fn apply_poll(
    coins: &[Coin],
    listings: &mut Listings,
    polled: &[String],
    quotes: &Quotes,
    now: i64,
) -> Vec<Listed> {
    let flips = apply_quotes(listings, polled, quotes, now);
    if flips.is_empty() {
        return Vec::new();
    }
    // One pass over the coins, whatever the number of flips: a first poll
    // of a big list can flip thousands at once.
    let names: HashMap<&str, &str> = coins
        .iter()
        .filter_map(|c| Some((c.market_id.as_deref()?, c.name.as_str())))
        .collect();
    flips
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
        .collect()
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
        let flips = apply_poll(&coins, &mut l, &ids(&["dolomite", "gone"]), &quotes, 5);
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
            price_usd: price,
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
                price_usd: Some(2.0),
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
}
