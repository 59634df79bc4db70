//! The pre-market venues as sources: each one's answers (a module per
//! venue) and the client that asks them. What a look means for the coins is
//! the domain's ([`crate::premarket`]).
//!
//! Instrument lists change rarely and prices often: each venue's list is
//! read at most every [`LIST_EVERY`], and each look asks only prices: of
//! the pre-market instruments that list holds (Bybit, OKX, Binance), or
//! every mid in one answer (Hyperliquid).

pub mod binance;
pub mod bybit;
pub mod client;
pub mod hyperliquid;
pub mod okx;

use std::time::Duration;

use crate::market::MarketError;
pub use crate::premarket::{Offer, Venue};
use crate::types::Usd;

/// How often a venue's list of instruments is read again.
pub const LIST_EVERY: Duration = Duration::from_secs(15 * 60);

/// The shortest time between two looks at a venue (`premarket_interval`).
pub const MIN_INTERVAL: Duration = Duration::from_secs(30);
/// The time between two looks unless the config sets it.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(60);

/// The most pre-market instruments whose prices one look asks for, one
/// request each where the venue prices one instrument a request: no venue
/// runs more than a handful at a time.
pub const MAX_PRICED: usize = 50;

impl Venue {
    /// The public base URL of its API (`[sources.url]` may replace it).
    pub fn default_url(self) -> &'static str {
        match self {
            Venue::Hyperliquid => "https://api.hyperliquid.xyz",
            Venue::Bybit => crate::exchange::Exchange::Bybit.default_url(),
            Venue::Okx => crate::exchange::Exchange::Okx.default_url(),
            Venue::Binance => crate::exchange::Exchange::Binance.default_url(),
        }
    }
}

/// An answer that could not be read: "Hyperliquid's pre-market answer is
/// not JSON".
pub(crate) fn malformed(venue: Venue, what: &str) -> MarketError {
    MarketError::Malformed(format!("{}'s pre-market answer {what}", venue.name()))
}

/// Reads a whole answer as `T`, or says what is wrong with it, naming the
/// venue.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    venue: Venue,
    body: &[u8],
    shape: &str,
) -> Result<T, MarketError> {
    crate::sources::answer::decode_or(body, shape, |what| malformed(venue, what))
}

/// A price in a venue's field (a string of digits, or a number): only a
/// real price, within the bounds every price is held to.
pub(crate) fn price(field: &crate::sources::answer::Scalar) -> Option<f64> {
    use crate::sources::answer::Scalar;
    let p = match field {
        Scalar::Str(s) => s.trim().parse::<f64>().ok()?,
        Scalar::Int(n) => *n as f64,
        Scalar::Float(f) => *f,
        _ => return None,
    };
    Usd::new(p).map(Usd::get)
}

/// Whether a quote asset is a dollar: only a price in one is a USD price.
pub(crate) fn is_dollar(quote: &str) -> bool {
    matches!(quote, "USDT" | "USDC" | "USD")
}

/// One look's outcome at a venue, and when the next goes.
#[derive(Debug, Clone, PartialEq)]
pub struct VenueLook {
    pub venue: Venue,
    pub result: Result<Vec<Offer>, MarketError>,
    pub next_in: Duration,
}

/// Looks at `client`'s venue at once and then every `interval`, with the
/// exchanges' backoff and rate-limit waits, handing each look to `send`.
pub async fn run(
    client: std::sync::Arc<client::VenueClient>,
    interval: Duration,
    mut send: impl FnMut(VenueLook) -> bool + Send,
) {
    let venue = client.venue();
    crate::sources::watch::every(
        interval,
        || client.look(),
        |result, next_in| {
            send(VenueLook {
                venue,
                result,
                next_in,
            })
        },
    )
    .await
}
