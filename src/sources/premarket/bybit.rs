//! Bybit's pre-market contracts: `GET
//! /v5/market/instruments-info?category=linear&status=PreLaunch` lists them
//! (without `status`, Bybit lists only `Trading` ones), each
//! `{"symbol", "baseCoin", "quoteCoin", "isPreListing": true,
//! "preListingInfo": {"curAuctionPhase"}}`; `GET
//! /v5/market/tickers?category=linear&symbol=…` prices one: `lastPrice`
//! in continuous trading, else the auction's `preOpenPrice`.

use serde::Deserialize;

use super::{Venue, decode, is_dollar, malformed, price};
use crate::market::MarketError;
use crate::sources::answer::{Entry, Scalar, asset, quote_message};

/// About 20 pre-market contracts of about 1 kB, or a ticker of 1 kB: 1 MiB
/// leaves room.
pub const MAX_BODY: usize = 1024 * 1024;

/// The list's path and query.
pub const LIST_PATH: &str = "/v5/market/instruments-info?category=linear&status=PreLaunch";
/// The ticker's path; the query names the symbol.
pub const TICKER_PATH: &str = "/v5/market/tickers";

/// Bybit's code for "too many visits".
const RATE_LIMIT_CODE: i64 = 10006;

/// The phase in which the last trade is the price.
const CONTINUOUS: &str = "ContinuousTrading";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Answer<T> {
    #[serde(default)]
    ret_code: Scalar,
    #[serde(default)]
    ret_msg: Scalar,
    result: Option<Listed<T>>,
}

#[derive(Deserialize)]
struct Listed<T> {
    list: Option<Vec<Entry<T>>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Instrument {
    symbol: Scalar,
    base_coin: Scalar,
    quote_coin: Scalar,
    is_pre_listing: Scalar,
    pre_listing_info: Option<PreListing>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct PreListing {
    cur_auction_phase: Scalar,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Ticker {
    symbol: Scalar,
    last_price: Scalar,
    pre_open_price: Scalar,
}

/// A pre-market contract of Bybit's list.
#[derive(Debug, Clone, PartialEq)]
pub struct Contract {
    pub symbol: String,
    pub base: String,
    pub phase: Option<String>,
}

fn entries<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<Vec<T>, MarketError> {
    let venue = Venue::Bybit;
    let answer: Answer<T> = decode(venue, body, "an object with a result list")?;
    match answer.ret_code.int() {
        None | Some(0) => {}
        Some(RATE_LIMIT_CODE) => return Err(MarketError::RateLimited { retry_after: None }),
        Some(code) => {
            return Err(malformed(
                venue,
                &format!("is error {code}: {}", quote_message(&answer.ret_msg)),
            ));
        }
    }
    let list = answer
        .result
        .and_then(|r| r.list)
        .ok_or_else(|| malformed(venue, "has no \"result.list\""))?;
    Ok(list.into_iter().filter_map(|e| e.0).collect())
}

/// The list's pre-market contracts in dollars: those marked `isPreListing`.
pub fn parse_list(body: &[u8]) -> Result<Vec<Contract>, MarketError> {
    Ok(entries::<Instrument>(body)?
        .into_iter()
        .filter(|i| i.is_pre_listing.bool() == Some(true))
        .filter_map(|i| {
            let quote = asset(i.quote_coin.str()?)?;
            is_dollar(&quote).then_some(())?;
            Some(Contract {
                symbol: asset(i.symbol.str()?)?,
                base: asset(i.base_coin.str()?)?,
                phase: i.pre_listing_info.and_then(|p| {
                    p.cur_auction_phase
                        .str()
                        .map(|s| crate::text::clean(s).into_owned())
                }),
            })
        })
        .collect())
}

/// The price of `contract` in a ticker answer: the last trade in
/// continuous trading, else the auction's indicative price.
pub fn parse_ticker(body: &[u8], contract: &Contract) -> Result<Option<f64>, MarketError> {
    let continuous = contract.phase.as_deref() == Some(CONTINUOUS);
    Ok(entries::<Ticker>(body)?
        .into_iter()
        .find(|t| {
            t.symbol
                .str()
                .is_some_and(|s| s.eq_ignore_ascii_case(&contract.symbol))
        })
        .and_then(|t| {
            if continuous {
                price(&t.last_price)
            } else {
                price(&t.pre_open_price)
            }
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = r#"{"retCode": 0, "retMsg": "OK", "result": {"category": "linear", "list": [
        {"symbol": "MOVEUSDT", "status": "PreLaunch", "baseCoin": "MOVE", "quoteCoin": "USDT",
         "isPreListing": true, "preListingInfo": {"curAuctionPhase": "ContinuousTrading",
         "phases": [{"phase": "CallAuction", "startTime": "1", "endTime": "2"}]}},
        {"symbol": "OLDUSDT", "status": "PreLaunch", "baseCoin": "OLD", "quoteCoin": "USDT", "isPreListing": false},
        {"symbol": "XBTC", "baseCoin": "X", "quoteCoin": "BTC", "isPreListing": true},
        "garbage", {"symbol": 5}
    ], "nextPageCursor": ""}}"#;

    fn ticker(symbol: &str, last: &str, pre: &str) -> Vec<u8> {
        format!(r#"{{"retCode": 0, "result": {{"list": [{{"symbol": "{symbol}", "lastPrice": {last}, "preOpenPrice": {pre}}}]}}}}"#).into_bytes()
    }

    #[test]
    fn reads_pre_listing_contracts_in_dollars_with_their_phase() {
        let list = parse_list(LIST.as_bytes()).unwrap();
        assert_eq!(
            list,
            [Contract {
                symbol: "MOVEUSDT".into(),
                base: "MOVE".into(),
                phase: Some("ContinuousTrading".into())
            }]
        );
    }

    #[test]
    fn the_price_is_the_last_trade_in_continuous_trading_else_the_auctions() {
        let mut c = parse_list(LIST.as_bytes()).unwrap().remove(0);
        let body = ticker("MOVEUSDT", r#""0.63""#, r#""0.6""#);
        assert_eq!(parse_ticker(&body, &c).unwrap(), Some(0.63));
        c.phase = Some("CallAuction".into());
        assert_eq!(parse_ticker(&body, &c).unwrap(), Some(0.6));
        for bad in [r#""0""#, r#""NaN""#, r#""1e308""#, r#""""#, "null", "[1]"] {
            let body = ticker("MOVEUSDT", bad, bad);
            assert_eq!(parse_ticker(&body, &c).unwrap(), None, "{bad}");
        }
        let other = ticker("ELSEUSDT", r#""1""#, r#""1""#);
        assert_eq!(parse_ticker(&other, &c).unwrap(), None);
    }

    #[test]
    fn errors_and_rate_limits_are_told_apart() {
        let limited = br#"{"retCode": 10006, "retMsg": "Too many visits!"}"#;
        assert_eq!(
            parse_list(limited),
            Err(MarketError::RateLimited { retry_after: None })
        );
        let e = parse_list(br#"{"retCode": 10001, "retMsg": "bad\u001b[31m"}"#).unwrap_err();
        assert!(
            e.to_string()
                .contains("Bybit's pre-market answer is error 10001"),
            "{e}"
        );
        assert!(!e.to_string().contains('\u{1b}'));
        assert!(parse_list(br#"{"retCode": 0, "result": {}}"#).is_err());
        assert!(parse_list(b"<html>").is_err());
    }

    proptest::proptest! {
        #[test]
        fn garbage_never_panics(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let _ = parse_list(&body);
            let c = Contract { symbol: "A".into(), base: "A".into(), phase: None };
            let _ = parse_ticker(&body, &c);
        }
    }
}
