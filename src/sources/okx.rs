//! OKX: `GET /api/v5/public/instruments?instType=SPOT`, `{"code": "0",
//! "data": [{"baseCcy", "quoteCcy", "state", "listTime"}, …]}`. `live`
//! trades; `preopen` with a `listTime` (milliseconds, as a string) still
//! ahead is scheduled; `suspend`, `test` and a `preopen` without a future
//! time are closed.

use serde::Deserialize;

use super::answer::{
    List, Scalar, by_status, decode, entry, finish, malformed, ms_to_secs, pair, quote_message,
};
use super::stream::ListShape;
use super::{Exchange, Pair};
use crate::market::MarketError;

/// About 1,000 spot instruments of about 670 bytes: 0.7 MB. 8 MiB leaves
/// room.
pub const MAX_BODY: usize = 8 * 1024 * 1024;

/// OKX's code for "too many requests" (it also answers HTTP 429).
const RATE_LIMIT_CODE: i64 = 50011;

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    code: Scalar,
    #[serde(default)]
    msg: Scalar,
    data: Option<List>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Instrument {
    base_ccy: Scalar,
    quote_ccy: Scalar,
    state: Scalar,
    list_time: Scalar,
}

/// How an `instruments` answer is read as it streams in.
pub(crate) static LIST: ListShape = ListShape {
    exchange: Exchange::Okx,
    path: &["data"],
    shape: "an object with data",
    entry: read_instrument,
    answer: read_answer,
};

fn read_instrument(text: &[u8], now: i64) -> Result<Option<Pair>, serde_json::Error> {
    Ok(entry::<Instrument>(text)?.and_then(|i| {
        let opens_at = i.list_time.int().map(ms_to_secs);
        let state = by_status(&i.state, "live", "preopen", opens_at, now);
        pair(&i.base_ccy, &i.quote_ccy, state)
    }))
}

/// An answer whose `code` is not `0` is an error, not a list.
fn read_answer(frame: &[u8], pairs: Vec<Pair>) -> Result<Vec<Pair>, MarketError> {
    let exchange = LIST.exchange;
    let answer: Answer = decode(exchange, frame, LIST.shape)?;
    match answer.code.int() {
        None | Some(0) => {}
        Some(RATE_LIMIT_CODE) => return Err(MarketError::RateLimited { retry_after: None }),
        Some(code) => {
            return Err(malformed(
                exchange,
                &format!("is error {code}: {}", quote_message(&answer.msg)),
            ));
        }
    }
    if answer.data.is_none() {
        return Err(malformed(exchange, "has no \"data\""));
    }
    finish(exchange, pairs)
}

/// Every pair of an `instruments` answer; `now` (Unix seconds) decides
/// whether a `preopen` instrument is still to open.
pub fn parse(body: &[u8], now: i64) -> Result<Vec<Pair>, MarketError> {
    LIST.parse(body, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::PairState;

    const NOW: i64 = 1_764_000_000;

    #[test]
    fn live_trades_and_preopen_with_a_future_time_is_scheduled() {
        let body = br#"{"code":"0","msg":"","data":[
            {"instId":"NIL-USDT","baseCcy":"NIL","quoteCcy":"USDT","state":"live","listTime":"1606468572000"},
            {"instId":"NEW-USDT","baseCcy":"NEW","quoteCcy":"USDT","state":"preopen","listTime":"1764086400000"},
            {"instId":"OLD-USDT","baseCcy":"OLD","quoteCcy":"USDT","state":"preopen","listTime":"1606468572000"},
            {"instId":"NOT-USDT","baseCcy":"NOT","quoteCcy":"USDT","state":"preopen","listTime":""},
            {"instId":"SUS-USDT","baseCcy":"SUS","quoteCcy":"USDT","state":"suspend","listTime":"1606468572000"},
            {"instId":"FAR-USDT","baseCcy":"FAR","quoteCcy":"USDT","state":"preopen","listTime":"4102444800000"}
        ]}"#;
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
                ("NOT".into(), PairState::Closed),
                ("SUS".into(), PairState::Closed),
                ("FAR".into(), PairState::Closed),
            ]
        );
    }

    #[test]
    fn error_codes_are_not_lists() {
        let err = parse(
            br#"{"code":"50011","msg":"Too Many Requests","data":[]}"#,
            NOW,
        );
        assert_eq!(err, Err(MarketError::RateLimited { retry_after: None }));
        let err = parse(
            br#"{"code":"51001","msg":"Instrument ID does not exist","data":[]}"#,
            NOW,
        )
        .unwrap_err();
        assert!(
            matches!(&err, MarketError::Malformed(m) if m == "OKX's list is error 51001: Instrument ID does not exist"),
            "{err}"
        );
    }
}
