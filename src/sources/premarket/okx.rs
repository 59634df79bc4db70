//! OKX's pre-market contracts: `GET /api/v5/public/instruments?instType=SWAP`
//! lists every perpetual swap, `{"code": "0", "data": [{"instId",
//! "uly": "MOVE-USDT", "ruleType": "pre_market", "state"}]}`; those of
//! `ruleType` `pre_market` are the offers. `GET
//! /api/v5/market/ticker?instId=…` prices one: its `last`.

use serde::Deserialize;

use super::{Venue, decode, is_dollar, malformed, price};
use crate::market::MarketError;
use crate::sources::answer::{Entry, Scalar, asset, quote_message};

/// About 300 swaps of about 900 bytes: 0.3 MB. 4 MiB leaves room.
pub const MAX_BODY: usize = 4 * 1024 * 1024;

pub const LIST_PATH: &str = "/api/v5/public/instruments?instType=SWAP";
pub const TICKER_PATH: &str = "/api/v5/market/ticker";

/// OKX's code for "too many requests".
const RATE_LIMIT_CODE: i64 = 50011;

#[derive(Deserialize)]
struct Answer<T> {
    #[serde(default)]
    code: Scalar,
    #[serde(default)]
    msg: Scalar,
    data: Option<Vec<Entry<T>>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Instrument {
    inst_id: Scalar,
    uly: Scalar,
    rule_type: Scalar,
    state: Scalar,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Ticker {
    inst_id: Scalar,
    last: Scalar,
}

/// A pre-market swap of OKX's list.
#[derive(Debug, Clone, PartialEq)]
pub struct Swap {
    pub inst_id: String,
    pub base: String,
}

fn entries<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<Vec<T>, MarketError> {
    let venue = Venue::Okx;
    let answer: Answer<T> = decode(venue, body, "an object with a data list")?;
    match answer.code.int() {
        None | Some(0) => {}
        Some(RATE_LIMIT_CODE) => return Err(MarketError::RateLimited { retry_after: None }),
        Some(code) => {
            return Err(malformed(
                venue,
                &format!("is error {code}: {}", quote_message(&answer.msg)),
            ));
        }
    }
    let list = answer
        .data
        .ok_or_else(|| malformed(venue, "has no \"data\""))?;
    Ok(list.into_iter().filter_map(|e| e.0).collect())
}

/// The list's live pre-market swaps in dollars.
pub fn parse_list(body: &[u8]) -> Result<Vec<Swap>, MarketError> {
    Ok(entries::<Instrument>(body)?
        .into_iter()
        .filter(|i| i.rule_type.is("pre_market") && !i.state.is("suspend"))
        .filter_map(|i| {
            let (base, quote) = i.uly.str()?.split_once('-')?;
            is_dollar(&asset(quote)?).then_some(())?;
            Some(Swap {
                inst_id: crate::text::clean(i.inst_id.str()?).trim().to_string(),
                base: asset(base)?,
            })
        })
        .filter(|s| !s.inst_id.is_empty())
        .collect())
}

/// The last trade's price of `swap` in a ticker answer.
pub fn parse_ticker(body: &[u8], swap: &Swap) -> Result<Option<f64>, MarketError> {
    Ok(entries::<Ticker>(body)?
        .into_iter()
        .find(|t| t.inst_id.str() == Some(swap.inst_id.as_str()))
        .and_then(|t| price(&t.last)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = r#"{"code": "0", "msg": "", "data": [
        {"instId": "BTC-USDT-SWAP", "uly": "BTC-USDT", "ruleType": "normal", "state": "live"},
        {"instId": "MOVE-USDT-SWAP", "uly": "MOVE-USDT", "ruleType": "pre_market", "state": "live"},
        {"instId": "X-BTC-SWAP", "uly": "X-BTC", "ruleType": "pre_market", "state": "live"},
        {"instId": "S-USDT-SWAP", "uly": "S-USDT", "ruleType": "pre_market", "state": "suspend"},
        {"instId": "N-USDT-SWAP", "uly": "N", "ruleType": "pre_market"}, 7
    ]}"#;

    #[test]
    fn reads_live_pre_market_swaps_in_dollars() {
        let swaps = parse_list(LIST.as_bytes()).unwrap();
        assert_eq!(
            swaps,
            [Swap {
                inst_id: "MOVE-USDT-SWAP".into(),
                base: "MOVE".into()
            }]
        );
    }

    #[test]
    fn the_price_is_the_last_trade_and_only_a_real_one() {
        let swap = parse_list(LIST.as_bytes()).unwrap().remove(0);
        let t = |last: &str| {
            format!(r#"{{"code": "0", "data": [{{"instId": "MOVE-USDT-SWAP", "last": {last}}}]}}"#)
        };
        assert_eq!(
            parse_ticker(t(r#""0.62""#).as_bytes(), &swap).unwrap(),
            Some(0.62)
        );
        for bad in [r#""0""#, r#""NaN""#, r#""1e308""#, r#""-1""#, r#""""#, "{}"] {
            assert_eq!(
                parse_ticker(t(bad).as_bytes(), &swap).unwrap(),
                None,
                "{bad}"
            );
        }
    }

    #[test]
    fn errors_and_rate_limits_are_told_apart() {
        let limited = br#"{"code": "50011", "msg": "Too Many Requests", "data": []}"#;
        assert_eq!(
            parse_list(limited),
            Err(MarketError::RateLimited { retry_after: None })
        );
        let e = parse_list(br#"{"code": "51000", "msg": "Parameter error"}"#).unwrap_err();
        assert!(
            e.to_string()
                .contains("OKX's pre-market answer is error 51000"),
            "{e}"
        );
        assert!(parse_list(br#"{"code": "0"}"#).is_err());
    }

    #[test]
    fn three_thousand_instruments_are_read() {
        let entries: Vec<String> = (0..3000)
            .map(|i| format!(r#"{{"instId": "C{i}-USDT-SWAP", "uly": "C{i}-USDT", "ruleType": "{}", "state": "live"}}"#, if i % 100 == 0 { "pre_market" } else { "normal" }))
            .collect();
        let body = format!(r#"{{"code": "0", "data": [{}]}}"#, entries.join(","));
        assert_eq!(parse_list(body.as_bytes()).unwrap().len(), 30);
    }

    proptest::proptest! {
        #[test]
        fn garbage_never_panics(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let _ = parse_list(&body);
            let s = Swap { inst_id: "A".into(), base: "A".into() };
            let _ = parse_ticker(&body, &s);
        }
    }
}
