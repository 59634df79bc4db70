//! Binance: `GET /api/v3/exchangeInfo?showPermissionSets=false` (the
//! permission sets are most of the answer, and nothing here reads them),
//! `{"symbols": [{"baseAsset",
//! "quoteAsset", "status"}, …]}`. Only `TRADING` trades; `BREAK`, `HALT`,
//! `END_OF_DAY`, `PRE_TRADING`, `POST_TRADING`, `AUCTION_MATCH`… do not.
//! Binance announces no opening time in this list.

use serde::Deserialize;

use super::answer::{List, Scalar, decode, entry, finish, malformed, pair};
use super::stream::ListShape;
use super::{Exchange, Pair, PairState};
use crate::market::MarketError;

/// About 3,500 symbols (every status) of about 2 to 3 KB each: the
/// filters and the permission sets (dozens of `TRD_GRP_…` names) make up
/// most of it, so the list is 7 to 11 MB. 32 MiB leaves room for both to
/// grow (`tests/sources.rs` checks the cap against the fixture's entries).
pub const MAX_BODY: usize = 32 * 1024 * 1024;

#[derive(Deserialize)]
struct Answer {
    symbols: Option<List>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Symbol {
    base_asset: Scalar,
    quote_asset: Scalar,
    status: Scalar,
}

/// How an `exchangeInfo` answer is read as it streams in.
pub(crate) static LIST: ListShape = ListShape {
    exchange: Exchange::Binance,
    path: &["symbols"],
    shape: "an object with a list of symbols",
    entry: read_symbol,
    answer: read_answer,
};

fn read_symbol(text: &[u8], _now: i64) -> Result<Option<Pair>, serde_json::Error> {
    Ok(entry::<Symbol>(text)?.and_then(|s| {
        let state = if s.status.is("TRADING") {
            PairState::Trading
        } else {
            PairState::Closed
        };
        pair(&s.base_asset, &s.quote_asset, state)
    }))
}

fn read_answer(frame: &[u8], pairs: Vec<Pair>) -> Result<Vec<Pair>, MarketError> {
    let exchange = LIST.exchange;
    let answer: Answer = decode(exchange, frame, LIST.shape)?;
    if answer.symbols.is_none() {
        return Err(malformed(exchange, "has no \"symbols\""));
    }
    finish(exchange, pairs)
}

/// Every pair of an `exchangeInfo` answer.
pub fn parse(body: &[u8], now: i64) -> Result<Vec<Pair>, MarketError> {
    LIST.parse(body, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_other_than_trading_are_closed() {
        let body = br#"{"timezone":"UTC","symbols":[
            {"symbol":"NILUSDT","status":"TRADING","baseAsset":"nil","quoteAsset":"USDT","filters":[{"filterType":"PRICE_FILTER"}]},
            {"symbol":"PRCLBTC","status":"BREAK","baseAsset":"PRCL","quoteAsset":"BTC"},
            {"symbol":"XUSDT","status":"HALT","baseAsset":"X","quoteAsset":"USDT"},
            {"status":"TRADING","baseAsset":7,"quoteAsset":"USDT"},
            "garbage",
            {"status":"TRADING","baseAsset":"\u001b[31mRED","quoteAsset":"USDT"}
        ]}"#;
        let pairs = parse(body, 0).unwrap();
        let got: Vec<(String, PairState)> = pairs.iter().map(|p| (p.name(), p.state)).collect();
        assert_eq!(
            got,
            [
                ("NIL/USDT".to_string(), PairState::Trading),
                ("PRCL/BTC".to_string(), PairState::Closed),
                ("X/USDT".to_string(), PairState::Closed),
                ("[31MRED/USDT".to_string(), PairState::Trading),
            ]
        );
    }

    #[test]
    fn other_shapes_are_malformed_and_named() {
        for body in [
            &b"[]"[..],
            b"{\"code\":-1121,\"msg\":\"Invalid symbol.\"}",
            b"{\"symbols\":5}",
            b"{\"symbols\":[]}",
            b"<html>",
            b"{\"symbols\":[",
        ] {
            let err = parse(body, 0).unwrap_err();
            assert!(
                matches!(&err, MarketError::Malformed(m) if m.starts_with("Binance's list")),
                "{err}"
            );
        }
    }
}
