//! Binance Pre-Market: `GET /api/v3/exchangeInfo?permissions=PRE_MARKET`
//! lists the symbols of that permission, `{"symbols": [{"symbol",
//! "status", "baseAsset", "quoteAsset", "permissionSets": [["PRE_MARKET"]]}]}`
//! (only a symbol whose permission sets hold `PRE_MARKET` is taken, whatever
//! the server filtered); `GET /api/v3/ticker/price?symbols=[…]` prices them
//! all in one request, `[{"symbol", "price"}]`.

use std::collections::HashMap;

use serde::Deserialize;

use super::{Venue, decode, is_dollar, price};
use crate::market::MarketError;
use crate::sources::answer::{Entry, Scalar, asset};

/// A few pre-market symbols of about 3 kB; a server that ignored the
/// filter would send the whole list, which Binance's spot cap allows.
pub const MAX_BODY: usize = crate::sources::binance::MAX_BODY;

pub const LIST_PATH: &str = "/api/v3/exchangeInfo?permissions=PRE_MARKET";
pub const PRICE_PATH: &str = "/api/v3/ticker/price";

const PRE_MARKET: &str = "PRE_MARKET";

#[derive(Deserialize)]
struct Info {
    symbols: Vec<Entry<Symbol>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Symbol {
    symbol: Scalar,
    status: Scalar,
    base_asset: Scalar,
    quote_asset: Scalar,
    permission_sets: Vec<Vec<Scalar>>,
    permissions: Vec<Scalar>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Price {
    symbol: Scalar,
    price: Scalar,
}

/// A pre-market symbol of Binance's list.
#[derive(Debug, Clone, PartialEq)]
pub struct PreSymbol {
    pub symbol: String,
    pub base: String,
    pub quote: String,
    /// Its status (`TRADING`, `BREAK`…), shown as its phase.
    pub status: Option<String>,
}

/// The list's pre-market symbols in dollars.
pub fn parse_list(body: &[u8]) -> Result<Vec<PreSymbol>, MarketError> {
    let info: Info = decode(Venue::Binance, body, "an object with a symbols list")?;
    Ok(info
        .symbols
        .into_iter()
        .filter_map(|e| e.0)
        .filter(|s| {
            s.permission_sets.iter().flatten().any(|p| p.is(PRE_MARKET))
                || s.permissions.iter().any(|p| p.is(PRE_MARKET))
        })
        .filter_map(|s| {
            let quote = asset(s.quote_asset.str()?)?;
            is_dollar(&quote).then_some(())?;
            Some(PreSymbol {
                symbol: asset(s.symbol.str()?)?,
                base: asset(s.base_asset.str()?)?,
                quote,
                status: s.status.str().map(|t| crate::text::clean(t).into_owned()),
            })
        })
        .collect())
}

/// The `symbols` parameter of one price request: `["A","B"]`.
pub fn price_list(symbols: &[PreSymbol]) -> String {
    let names: Vec<&str> = symbols.iter().map(|s| s.symbol.as_str()).collect();
    serde_json::to_string(&names).unwrap_or_else(|_| "[]".into())
}

/// The prices of a `ticker/price` answer, by symbol: only real ones.
pub fn parse_prices(body: &[u8]) -> Result<HashMap<String, f64>, MarketError> {
    let prices: Vec<Entry<Price>> = decode(Venue::Binance, body, "a list of prices")?;
    Ok(prices
        .into_iter()
        .filter_map(|e| e.0)
        .filter_map(|p| Some((asset(p.symbol.str()?)?, price(&p.price)?)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = r#"{"timezone": "UTC", "symbols": [
        {"symbol": "MOVEUSDT", "status": "TRADING", "baseAsset": "MOVE", "quoteAsset": "USDT",
         "permissionSets": [["PRE_MARKET"]]},
        {"symbol": "BTCUSDT", "status": "TRADING", "baseAsset": "BTC", "quoteAsset": "USDT",
         "permissionSets": [["SPOT", "MARGIN"]]},
        {"symbol": "MOVEBTC", "status": "TRADING", "baseAsset": "MOVE", "quoteAsset": "BTC",
         "permissionSets": [["PRE_MARKET"]]}
    ]}"#;

    #[test]
    fn reads_only_pre_market_symbols_in_dollars() {
        let list = parse_list(LIST.as_bytes()).unwrap();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].symbol, "MOVEUSDT");
        assert_eq!(list[0].base, "MOVE");
        assert_eq!(price_list(&list), r#"["MOVEUSDT"]"#);
    }

    #[test]
    fn prices_are_real_ones_only() {
        let body = br#"[{"symbol": "MOVEUSDT", "price": "0.64"}, {"symbol": "A", "price": "0"},
            {"symbol": "B", "price": "NaN"}, {"symbol": "C", "price": "1e308"}, {"symbol": "D"}, 4]"#;
        let prices = parse_prices(body).unwrap();
        assert_eq!(prices.len(), 1);
        assert_eq!(prices["MOVEUSDT"], 0.64);
        assert!(parse_prices(b"{}").is_err());
    }

    proptest::proptest! {
        #[test]
        fn garbage_never_panics(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let _ = parse_list(&body);
            let _ = parse_prices(&body);
        }
    }
}
