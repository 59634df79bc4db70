//! Domain types at the ground of the domain: what a market id and a USD
//! price may be. Every value that comes in (a file, the form, an import,
//! an API's answer) is checked here, by one rule each.

use serde::{Deserialize, Serialize};

/// The highest USD price per coin taken as real: anything past it is a
/// broken answer, not a listing.
pub const MAX_PRICE_USD: f64 = 1e9;

/// The lowest USD price per coin taken as real: a trillionth of a dollar,
/// far under any traded coin's, and above the subnormal numbers whose
/// every digit (769 of them for 5e-324) would end up in a message.
pub const MIN_PRICE_USD: f64 = 1e-12;

/// Whether `p` can be a coin's USD price: finite, at least
/// [`MIN_PRICE_USD`] and at most [`MAX_PRICE_USD`]. Only such a price makes
/// a coin trading or sets an alert, whether it comes from the API, the
/// form, a watchlist, an import or the state file.
pub fn is_price(p: f64) -> bool {
    p.is_finite() && (MIN_PRICE_USD..=MAX_PRICE_USD).contains(&p)
}

/// CoinGecko ids are lower-case slugs; anything else cannot be one and would
/// end up in a request URL. An empty id is none: polled, it would ask for
/// `ids=` and match an answer's `""` key.
pub fn is_market_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && id.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_' || c == '.'
        })
}

/// A CoinGecko id that follows [`is_market_id`]: made only through
/// [`MarketId::new`] (or read from a file through the same rule), so a value
/// of this type needs no second look.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MarketId(String);

impl MarketId {
    /// `id` as a market id, if it is one.
    pub fn new(id: impl Into<String>) -> Option<MarketId> {
        let id = id.into();
        is_market_id(&id).then_some(MarketId(id))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for MarketId {
    type Error = String;

    fn try_from(id: String) -> Result<MarketId, String> {
        MarketId::new(id)
            .ok_or_else(|| "not a CoinGecko id (lower-case letters, digits, -, _ and .)".into())
    }
}

impl TryFrom<&str> for MarketId {
    type Error = String;

    fn try_from(id: &str) -> Result<MarketId, String> {
        MarketId::try_from(id.to_string())
    }
}

impl From<MarketId> for String {
    fn from(id: MarketId) -> String {
        id.0
    }
}

impl std::ops::Deref for MarketId {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for MarketId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for MarketId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for MarketId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for MarketId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for MarketId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// A USD price that follows [`is_price`]: finite, from [`MIN_PRICE_USD`]
/// to [`MAX_PRICE_USD`]. Made only through [`Usd::new`] (or read through the
/// same rule), so it needs no second look.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Usd(f64);

impl Usd {
    /// `p` as a price, if it can be one.
    pub fn new(p: f64) -> Option<Usd> {
        is_price(p).then_some(Usd(p))
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for Usd {
    type Error = String;

    fn try_from(p: f64) -> Result<Usd, String> {
        Usd::new(p).ok_or_else(|| {
            format!(
                "{} is not a price (at least {MIN_PRICE_USD:e}, at most {MAX_PRICE_USD:e})",
                crate::text::number(p)
            )
        })
    }
}

impl From<Usd> for f64 {
    fn from(p: Usd) -> f64 {
        p.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_price_is_at_least_a_trillionth_of_a_dollar_and_its_error_is_short() {
        assert!(is_price(MIN_PRICE_USD) && is_price(MAX_PRICE_USD));
        for bad in [5e-324, 1e-13, 1e308, 0.0, -1.0, f64::NAN] {
            assert!(Usd::new(bad).is_none(), "{bad}");
            let said = Usd::try_from(bad).unwrap_err();
            assert!(said.len() < 200, "{said}");
        }
    }
}
