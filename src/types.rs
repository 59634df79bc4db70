//! Domain types at the ground of the domain: what a market id and a USD
//! price may be. Every value that comes in (a file, the form, an import,
//! an API's answer) is checked here, by one rule each.

/// The highest USD price per coin taken as real: anything past it is a
/// broken answer, not a listing.
pub const MAX_PRICE_USD: f64 = 1e9;

/// Whether `p` can be a coin's USD price: finite, above zero, and within
/// [`MAX_PRICE_USD`]. Only such a price makes a coin trading, whether it
/// comes from the API, an import or the state file.
pub fn is_price(p: f64) -> bool {
    p.is_finite() && p > 0.0 && p <= MAX_PRICE_USD
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
