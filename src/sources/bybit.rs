//! Bybit: `GET /v5/market/instruments-info?category=spot`, `{"retCode": 0,
//! "result": {"list": [{"baseCoin", "quoteCoin", "status"}, …]}}`.
//! `Trading` trades; `PreLaunch` with a `launchTime` (milliseconds, as a
//! string) still ahead is scheduled; anything else (`Closed`, `Settling`,
//! `Delivering`, a `PreLaunch` without a future time) is closed.

use serde::Deserialize;

use super::answer::{
    List, Scalar, by_status, decode, entry, finish, malformed, ms_to_secs, pair, quote_message,
};
use super::stream::ListShape;
use super::{Exchange, Pair};
use crate::market::MarketError;

/// About 1,000 spot instruments of about 400 bytes: 0.4 MB. 8 MiB leaves
/// room.
pub const MAX_BODY: usize = 8 * 1024 * 1024;

/// Bybit's code for "too many visits".
const RATE_LIMIT_CODE: i64 = 10006;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Answer {
    #[serde(default)]
    ret_code: Scalar,
    #[serde(default)]
    ret_msg: Scalar,
    result: Option<Instruments>,
}

#[derive(Deserialize)]
struct Instruments {
    list: Option<List>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Instrument {
    base_coin: Scalar,
    quote_coin: Scalar,
    status: Scalar,
    launch_time: Scalar,
}

/// How an `instruments-info` answer is read as it streams in.
pub(crate) static LIST: ListShape = ListShape {
    exchange: Exchange::Bybit,
    path: &["result", "list"],
    shape: "an object with a result list",
    entry: read_instrument,
    answer: read_answer,
};

fn read_instrument(text: &[u8], now: i64) -> Result<Option<Pair>, serde_json::Error> {
    Ok(entry::<Instrument>(text)?.and_then(|i| {
        let opens_at = i.launch_time.int().map(ms_to_secs);
        let state = by_status(&i.status, "Trading", "PreLaunch", opens_at, now);
        pair(&i.base_coin, &i.quote_coin, state)
    }))
}

/// An answer whose `retCode` is not 0 is an error, not a list.
fn read_answer(frame: &[u8], pairs: Vec<Pair>) -> Result<Vec<Pair>, MarketError> {
    let exchange = LIST.exchange;
    let answer: Answer = decode(exchange, frame, LIST.shape)?;
    match answer.ret_code.int() {
        None | Some(0) => {}
        Some(RATE_LIMIT_CODE) => return Err(MarketError::RateLimited { retry_after: None }),
        Some(code) => {
            return Err(malformed(
                exchange,
                &format!("is error {code}: {}", quote_message(&answer.ret_msg)),
            ));
        }
    }
    if answer.result.and_then(|r| r.list).is_none() {
        return Err(malformed(exchange, "has no \"result.list\""));
    }
    finish(exchange, pairs)
}

/// Every pair of an `instruments-info` answer; `now` (Unix seconds) decides
/// whether a `PreLaunch` instrument is still to open.
pub fn parse(body: &[u8], now: i64) -> Result<Vec<Pair>, MarketError> {
    LIST.parse(body, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::PairState;

    const NOW: i64 = 1_764_000_000;

    #[test]
    fn trading_trades_and_prelaunch_with_a_future_time_is_scheduled() {
        let body = br#"{"retCode":0,"retMsg":"OK","result":{"category":"spot","list":[
            {"symbol":"NILUSDT","baseCoin":"NIL","quoteCoin":"USDT","status":"Trading"},
            {"symbol":"NEWUSDT","baseCoin":"NEW","quoteCoin":"USDT","status":"PreLaunch","launchTime":"1764086400000"},
            {"symbol":"OLDUSDT","baseCoin":"OLD","quoteCoin":"USDT","status":"PreLaunch","launchTime":"1600000000000"},
            {"symbol":"CLSUSDT","baseCoin":"CLS","quoteCoin":"USDT","status":"Closed"},
            {"symbol":"FARUSDT","baseCoin":"FAR","quoteCoin":"USDT","status":"PreLaunch","launchTime":"4102444800000"}
        ]},"time":1764000000000}"#;
        let got: Vec<(String, PairState)> = parse(body, NOW)
            .unwrap()
            .iter()
            .map(|p| (p.base.clone(), p.state))
            .collect();
        assert_eq!(
            got,
            [
                ("NIL".into(), PairState::Trading),
                (
                    "NEW".into(),
                    PairState::Scheduled {
                        opens_at: 1_764_086_400
                    }
                ),
                ("OLD".into(), PairState::Closed),
                ("CLS".into(), PairState::Closed),
                ("FAR".into(), PairState::Closed),
            ]
        );
    }

    #[test]
    fn error_codes_are_not_lists() {
        let err = parse(
            br#"{"retCode":10006,"retMsg":"Too many visits!","result":{}}"#,
            NOW,
        );
        assert_eq!(err, Err(MarketError::RateLimited { retry_after: None }));
        let err = parse(
            br#"{"retCode":10001,"retMsg":"params error","result":{}}"#,
            NOW,
        )
        .unwrap_err();
        assert!(
            matches!(&err, MarketError::Malformed(m) if m == "Bybit's list is error 10001: params error"),
            "{err}"
        );
        let err = parse(br#"{"retCode":0,"result":{}}"#, NOW).unwrap_err();
        assert!(matches!(&err, MarketError::Malformed(m) if m.contains("result.list")));
    }
}
