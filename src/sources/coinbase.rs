//! Coinbase: `GET /products`, `[{"base_currency", "quote_currency",
//! "status", "trading_disabled", "cancel_only", "post_only",
//! "auction_mode"}, …]`. A product trades when it is `online` and none of
//! the flags that stop trades is set: a new listing goes through an auction
//! and a post-only phase, where orders rest but nothing trades yet.

use serde::Deserialize;

use super::answer::{List, Scalar, decode, entry, finish, pair};
use super::stream::ListShape;
use super::{Exchange, Pair, PairState};
use crate::market::MarketError;

/// About 1,000 products of about 420 bytes: 0.4 MB. 8 MiB leaves room.
pub const MAX_BODY: usize = 8 * 1024 * 1024;

#[derive(Deserialize, Default)]
#[serde(default)]
struct Product {
    base_currency: Scalar,
    quote_currency: Scalar,
    status: Scalar,
    trading_disabled: Scalar,
    cancel_only: Scalar,
    post_only: Scalar,
    auction_mode: Scalar,
}

/// How a `/products` answer is read as it streams in.
pub(crate) static LIST: ListShape = ListShape {
    exchange: Exchange::Coinbase,
    path: &[],
    shape: "a list of products",
    entry: read_product,
    answer: read_answer,
};

fn read_product(text: &[u8], _now: i64) -> Result<Option<Pair>, serde_json::Error> {
    Ok(entry::<Product>(text)?.and_then(|p| {
        let stopped = [
            &p.trading_disabled,
            &p.cancel_only,
            &p.post_only,
            &p.auction_mode,
        ]
        .iter()
        .any(|flag| flag.bool() == Some(true));
        let state = if p.status.is("online") && !stopped {
            PairState::Trading
        } else {
            PairState::Closed
        };
        pair(&p.base_currency, &p.quote_currency, state)
    }))
}

fn read_answer(frame: &[u8], pairs: Vec<Pair>) -> Result<Vec<Pair>, MarketError> {
    let List = decode(LIST.exchange, frame, LIST.shape)?;
    finish(LIST.exchange, pairs)
}

/// Every pair of a `/products` answer.
pub fn parse(body: &[u8], now: i64) -> Result<Vec<Pair>, MarketError> {
    LIST.parse(body, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn online_without_a_stopping_flag_trades() {
        let body = br#"[
            {"id":"NIL-USD","base_currency":"NIL","quote_currency":"USD","status":"online","trading_disabled":false},
            {"id":"A-USD","base_currency":"A","quote_currency":"USD","status":"online","trading_disabled":true},
            {"id":"B-USD","base_currency":"B","quote_currency":"USD","status":"delisted","trading_disabled":false},
            {"id":"C-USD","base_currency":"C","quote_currency":"USD","status":"online","auction_mode":true},
            {"id":"D-USD","base_currency":"D","quote_currency":"USD","status":"online","post_only":true},
            {"id":"E-USD","base_currency":"E","quote_currency":"USD","status":"online","cancel_only":true},
            {"id":"F-USD","base_currency":"F","quote_currency":"USD","status":"online","limit_only":true}
        ]"#;
        let got: Vec<(String, PairState)> = parse(body, 0)
            .unwrap()
            .iter()
            .map(|p| (p.base.clone(), p.state))
            .collect();
        let closed = PairState::Closed;
        assert_eq!(
            got,
            [
                ("NIL".into(), PairState::Trading),
                ("A".into(), closed),
                ("B".into(), closed),
                ("C".into(), closed),
                ("D".into(), closed),
                ("E".into(), closed),
                ("F".into(), PairState::Trading),
            ]
        );
    }

    #[test]
    fn an_error_object_is_malformed() {
        let err = parse(br#"{"message":"Not Found"}"#, 0).unwrap_err();
        assert!(
            matches!(&err, MarketError::Malformed(m) if m.starts_with("Coinbase's list")),
            "{err}"
        );
    }
}
