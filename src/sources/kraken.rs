//! Kraken: `GET /0/public/AssetPairs`, `{"error": [], "result": {"NILUSD":
//! {"wsname": "NIL/USD", "base", "quote", "status"}, …}}`. Only `online`
//! trades; `cancel_only`, `post_only`, `limit_only`, `reduce_only`,
//! `maintenance`, `work_in_progress` do not. The assets are read from
//! `wsname`: `base` and `quote` hold Kraken's own codes (`XXBT`, `ZUSD`).

use serde::Deserialize;

use super::answer::{List, Scalar, decode, entry, finish, malformed, pair, quote_message};
use super::stream::ListShape;
use super::{Exchange, Pair, PairState};
use crate::market::MarketError;

/// About 1,500 pairs of about 690 bytes (the fee tiers are most of it):
/// 1 MB. 8 MiB leaves room.
pub const MAX_BODY: usize = 8 * 1024 * 1024;

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    error: Vec<Scalar>,
    result: Option<List>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AssetPair {
    wsname: Scalar,
    base: Scalar,
    quote: Scalar,
    status: Scalar,
}

/// How an `AssetPairs` answer is read as it streams in.
pub(crate) static LIST: ListShape = ListShape {
    exchange: Exchange::Kraken,
    path: &["result"],
    shape: "an object with a result of pairs",
    entry: read_pair,
    answer: read_answer,
};

fn read_pair(text: &[u8], _now: i64) -> Result<Option<Pair>, serde_json::Error> {
    Ok(entry::<AssetPair>(text)?.and_then(|p| {
        let state = if p.status.is("online") {
            PairState::Trading
        } else {
            PairState::Closed
        };
        let named = p.wsname.str().and_then(|ws| ws.split_once('/'));
        match named {
            Some((base, quote)) => pair(
                &Scalar::Str(common_code(base).into()),
                &Scalar::Str(common_code(quote).into()),
                state,
            ),
            None => pair(
                &Scalar::Str(common_code(legacy_code(p.base.str()?)).into()),
                &Scalar::Str(common_code(legacy_code(p.quote.str()?)).into()),
                state,
            ),
        }
    }))
}

/// An answer carrying an error (Kraken answers HTTP 200 with `"error":
/// ["EGeneral:…"]`) is not a list.
fn read_answer(frame: &[u8], pairs: Vec<Pair>) -> Result<Vec<Pair>, MarketError> {
    let exchange = LIST.exchange;
    let answer: Answer = decode(exchange, frame, LIST.shape)?;
    if let Some(first) = answer.error.first() {
        let said = quote_message(first);
        if said.contains("Rate limit") || said.contains("Too many requests") {
            return Err(MarketError::RateLimited { retry_after: None });
        }
        return Err(malformed(exchange, &format!("is an error: {said}")));
    }
    if answer.result.is_none() {
        return Err(malformed(exchange, "has no \"result\""));
    }
    finish(exchange, pairs)
}

/// Every pair of an `AssetPairs` answer.
pub fn parse(body: &[u8], now: i64) -> Result<Vec<Pair>, MarketError> {
    LIST.parse(body, now)
}

/// Kraken's older codes carry a class prefix: `X` for crypto, `Z` for fiat,
/// on four letters (`XXBT`, `XETH`, `ZUSD`); newer assets have none (`NIL`).
fn legacy_code(code: &str) -> &str {
    let code = code.trim();
    match code.as_bytes() {
        [b'X' | b'Z', _, _, _] => &code[1..],
        _ => code,
    }
}

/// The codes Kraken alone uses, as everyone else writes them: a coin's
/// ticker is matched against these.
fn common_code(code: &str) -> &str {
    match code.trim() {
        "XBT" => "BTC",
        "XDG" => "DOGE",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wsname_is_preferred_and_only_online_trades() {
        let body = br#"{"error":[],"result":{
            "XXBTZUSD":{"altname":"XBTUSD","wsname":"XBT/USD","base":"XXBT","quote":"ZUSD","status":"online"},
            "NILUSD":{"altname":"NILUSD","wsname":"NIL/USD","base":"NIL","quote":"ZUSD","status":"online"},
            "PRCLEUR":{"wsname":"PRCL/EUR","base":"PRCL","quote":"ZEUR","status":"cancel_only"},
            "XETHZEUR":{"base":"XETH","quote":"ZEUR","status":"online"},
            "BAD":{"wsname":"no-slash","status":"online"},
            "WORSE":[1,2]
        }}"#;
        let mut got: Vec<(String, PairState)> = parse(body, 0)
            .unwrap()
            .iter()
            .map(|p| (p.name(), p.state))
            .collect();
        got.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            got,
            [
                ("BTC/USD".to_string(), PairState::Trading),
                ("ETH/EUR".to_string(), PairState::Trading),
                ("NIL/USD".to_string(), PairState::Trading),
                ("PRCL/EUR".to_string(), PairState::Closed),
            ]
        );
    }

    #[test]
    fn errors_are_not_lists() {
        let err = parse(br#"{"error":["EAPI:Rate limit exceeded"]}"#, 0).unwrap_err();
        assert_eq!(err, MarketError::RateLimited { retry_after: None });
        let err = parse(br#"{"error":["EGeneral:Internal \u001b error"]}"#, 0).unwrap_err();
        assert!(
            matches!(&err, MarketError::Malformed(m) if m == "Kraken's list is an error: EGeneral:Internal  error"),
            "{err}"
        );
        let err = parse(br#"{"error":[]}"#, 0).unwrap_err();
        assert!(matches!(&err, MarketError::Malformed(m) if m.contains("\"result\"")));
    }
}
