//! What is known about a coin's market: whether it trades, since when, at what price.
//!
//! Listings are keyed by market id: only a coin with a market id can be seen
//! to list, and the record survives the coin being renamed in the watchlist.

use std::collections::HashMap;

use crate::model::Coin;

/// A coin that has been seen trading.
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    /// When the first price was seen (Unix seconds).
    pub listed_at: i64,
    /// The first price seen, in USD.
    pub first_price: f64,
    /// The latest price seen, in USD.
    pub price_usd: f64,
    /// The latest 24-hour change, in percent, when the API gave one.
    pub change_24h: Option<f64>,
    /// When the latest price was seen (Unix seconds).
    pub updated_at: i64,
}

/// Listings by market id.
pub type Listings = HashMap<String, Listing>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    Upcoming,
    Trading,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Upcoming => "upcoming",
            Status::Trading => "trading",
        }
    }
}

/// The listing of `coin`, if it has been seen trading.
pub fn listing_of<'a>(coin: &Coin, listings: &'a Listings) -> Option<&'a Listing> {
    coin.market_id.as_ref().and_then(|id| listings.get(id))
}

pub fn status_of(coin: &Coin, listings: &Listings) -> Status {
    match listing_of(coin, listings) {
        Some(_) => Status::Trading,
        None => Status::Upcoming,
    }
}
