//! Gate: `GET /api/v4/spot/currency_pairs`, `[{"base", "quote",
//! "trade_status", "buy_start"}, …]`. A pair whose `buy_start` (Unix
//! seconds) is still ahead is scheduled, whatever its status; otherwise
//! `tradable` trades and `untradable`, `buyable` and `sellable` (one side
//! only) do not.

use serde::Deserialize;

use super::answer::{List, Scalar, decode, entry, finish, pair, scheduled};
use super::stream::ListShape;
use super::{Exchange, Pair, PairState};
use crate::market::MarketError;

/// About 4,000 pairs (tradable or not) of about 380 bytes: 1.5 MB. 8 MiB
/// leaves room.
pub const MAX_BODY: usize = 8 * 1024 * 1024;

#[derive(Deserialize, Default)]
#[serde(default)]
struct CurrencyPair {
    base: Scalar,
    quote: Scalar,
    trade_status: Scalar,
    buy_start: Scalar,
}

/// How a `currency_pairs` answer is read as it streams in.
pub(crate) static LIST: ListShape = ListShape {
    exchange: Exchange::Gate,
    path: &[],
    shape: "a list of currency pairs",
    entry: read_pair,
    answer: read_answer,
};

fn read_pair(text: &[u8], now: i64) -> Result<Option<Pair>, serde_json::Error> {
    Ok(entry::<CurrencyPair>(text)?.and_then(|p| {
        let state = scheduled(p.buy_start.int(), now).unwrap_or(if p.trade_status.is("tradable") {
            PairState::Trading
        } else {
            PairState::Closed
        });
        pair(&p.base, &p.quote, state)
    }))
}

fn read_answer(frame: &[u8], pairs: Vec<Pair>) -> Result<Vec<Pair>, MarketError> {
    let List = decode(LIST.exchange, frame, LIST.shape)?;
    finish(LIST.exchange, pairs)
}

/// Every pair of a `currency_pairs` answer; `now` (Unix seconds) decides
/// whether a pair's buying is still to start.
pub fn parse(body: &[u8], now: i64) -> Result<Vec<Pair>, MarketError> {
    LIST.parse(body, now)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_764_000_000;

    #[test]
    fn tradable_trades_and_a_future_buy_start_is_scheduled() {
        let body = br#"[
            {"id":"NIL_USDT","base":"NIL","quote":"USDT","trade_status":"tradable","buy_start":0,"sell_start":0},
            {"id":"NEW_USDT","base":"NEW","quote":"USDT","trade_status":"tradable","buy_start":1764086400,"sell_start":1764086400},
            {"id":"PRE_USDT","base":"PRE","quote":"USDT","trade_status":"untradable","buy_start":1764086400},
            {"id":"OLD_USDT","base":"OLD","quote":"USDT","trade_status":"untradable","buy_start":1600000000},
            {"id":"SEL_USDT","base":"SEL","quote":"USDT","trade_status":"sellable","buy_start":0},
            {"id":"FAR_USDT","base":"FAR","quote":"USDT","trade_status":"untradable","buy_start":4102444800}
        ]"#;
        let got: Vec<(String, PairState)> = parse(body, NOW)
            .unwrap()
            .iter()
            .map(|p| (p.base.clone(), p.state))
            .collect();
        let soon = PairState::Scheduled {
            opens_at: 1_764_086_400,
        };
        assert_eq!(
            got,
            [
                ("NIL".into(), PairState::Trading),
                ("NEW".into(), soon),
                ("PRE".into(), soon),
                ("OLD".into(), PairState::Closed),
                ("SEL".into(), PairState::Closed),
                ("FAR".into(), PairState::Closed),
            ]
        );
    }

    #[test]
    fn an_error_object_is_malformed() {
        let err = parse(br#"{"label":"INVALID_PARAM_VALUE","message":"x"}"#, NOW).unwrap_err();
        assert!(
            matches!(&err, MarketError::Malformed(m) if m.starts_with("Gate's list")),
            "{err}"
        );
    }
}
