//! The fallback price source, DefiLlama's keyless `/prices/current`, asked
//! only while CoinGecko is unusable (see [`super::poller`]). It takes
//! CoinGecko's ids as they are: `coingecko:nillion,coingecko:parcl`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::{StatusCode, Url};
use serde_json::Value;

use super::http::{self, parse_base};
use super::{Candidate, MarketError, MarketProvider, Quote, Quotes, Usage};
use crate::types::Usd;

pub const BASE: &str = "https://coins.llama.fi";
/// Its name in events (`source`) and the config.
pub const NAME: &str = "defillama";
/// Its name as the user reads it, on the screen and in the log.
pub const TITLE: &str = "DefiLlama";
/// Ids per request: they go in the path, which stays a few kilobytes.
pub const CHUNK: usize = 100;
/// Answers larger than this are refused while they stream in.
pub const MAX_BODY: usize = 2 * 1024 * 1024;
/// A price DefiLlama itself trusts less than this is no listing signal.
pub const MIN_CONFIDENCE: f64 = 0.5;

#[derive(Debug, Clone)]
pub struct DefiLlama {
    client: reqwest::Client,
    base: Url,
    requests: Arc<AtomicU64>,
}

impl DefiLlama {
    /// A client for `base` (https, or plain http to a loopback address).
    pub fn new(base: &str) -> Result<DefiLlama, MarketError> {
        DefiLlama::with_timeouts(
            base,
            super::coingecko::CONNECT_TIMEOUT,
            super::coingecko::REQUEST_TIMEOUT,
        )
    }

    /// `new` with other timeouts (tests use short ones).
    pub fn with_timeouts(
        base: &str,
        connect: Duration,
        request: Duration,
    ) -> Result<DefiLlama, MarketError> {
        let base = parse_base(base, "")?;
        let client = http::client(connect, request, reqwest::header::HeaderMap::new())?;
        Ok(DefiLlama {
            client,
            base,
            requests: Arc::default(),
        })
    }

    fn url(&self, ids: &[String]) -> Url {
        let coins: Vec<String> = ids.iter().map(|id| format!("coingecko:{id}")).collect();
        let mut url = self.base.clone();
        let joined = format!(
            "{}/prices/current/{}",
            url.path().trim_end_matches('/'),
            coins.join(",")
        );
        url.set_path(&joined);
        url
    }
}

impl MarketProvider for DefiLlama {
    /// One request per 100 ids; the answers are merged.
    async fn prices(&self, ids: &[String]) -> Result<Quotes, MarketError> {
        let mut quotes = Quotes::new();
        for chunk in ids.chunks(CHUNK) {
            let body = http::get_capped_with(
                &self.client,
                self.url(chunk),
                MAX_BODY,
                &[StatusCode::TOO_MANY_REQUESTS],
                |_| {},
            )
            .await;
            if body.as_ref().err().is_none_or(MarketError::was_sent) {
                self.requests.fetch_add(1, Ordering::Relaxed);
            }
            let body: Value = serde_json::from_slice(&body?)
                .map_err(|_| MarketError::Malformed("not JSON".into()))?;
            quotes.extend(parse_current(&body, chunk)?);
        }
        Ok(quotes)
    }

    /// DefiLlama has no search: market ids are looked up on CoinGecko.
    async fn search(&self, _query: &str) -> Result<Vec<Candidate>, MarketError> {
        Err(MarketError::Unavailable(
            "DefiLlama has no search: look market ids up on CoinGecko".into(),
        ))
    }

    fn usage(&self) -> Usage {
        Usage {
            price_requests: self.requests.load(Ordering::Relaxed),
            ..Usage::default()
        }
    }

    fn name(&self) -> &'static str {
        NAME
    }
}

/// Reads a `/prices/current` answer: `{"coins": {"coingecko:ID": {"price",
/// "symbol", "timestamp", "confidence"}}}`. Each requested id with a price
/// that passes [`Usd::new`] and a confidence of at least
/// [`MIN_CONFIDENCE`] (where one is given) gets a quote; anything else gets
/// none. No `coins` object is an error.
pub fn parse_current(body: &Value, requested: &[String]) -> Result<Quotes, MarketError> {
    let coins = body
        .get("coins")
        .and_then(Value::as_object)
        .ok_or_else(|| MarketError::Malformed("no object of coins in the answer".into()))?;
    let mut quotes = Quotes::new();
    for id in requested {
        let Some(entry) = coins
            .get(&format!("coingecko:{id}"))
            .and_then(Value::as_object)
        else {
            continue;
        };
        let confident = entry
            .get("confidence")
            .and_then(Value::as_f64)
            .is_none_or(|c| c >= MIN_CONFIDENCE);
        let price = entry.get("price").and_then(Value::as_f64);
        let price_usd = match price {
            Some(p) if confident => {
                let usd = Usd::new(p);
                if usd.is_none() && p != 0.0 {
                    tracing::warn!(
                        "DefiLlama's price of {id} is {p:.3e} USD: not a price, ignored"
                    );
                }
                usd
            }
            _ => None,
        };
        quotes.insert(
            id.clone(),
            Quote {
                price_usd,
                change_24h: None,
                market_cap: None,
                last_updated: entry.get("timestamp").and_then(Value::as_i64),
            },
        );
    }
    Ok(quotes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn prices_are_read_by_coingecko_id_and_bad_ones_are_none() {
        let body = json!({"coins": {
            "coingecko:nillion": {"price": 0.61, "symbol": "NIL", "timestamp": 1711356300, "confidence": 0.99},
            "coingecko:parcl": {"price": 0.2, "confidence": 0.2},
            "coingecko:dolomite": {"price": 1e308},
            "coingecko:movement": {"price": "0.5"},
            "coingecko:peaq-2": {"price": 0},
            "coingecko:unasked": {"price": 1.0},
            "ethereum:0xabc": {"price": 3.0}
        }});
        let asked = ids(&["nillion", "parcl", "dolomite", "movement", "peaq-2", "ten"]);
        let q = parse_current(&body, &asked).unwrap();
        assert_eq!(q["nillion"].price_usd.map(Usd::get), Some(0.61));
        assert_eq!(q["nillion"].last_updated, Some(1711356300));
        for unpriced in ["parcl", "dolomite", "movement", "peaq-2"] {
            assert_eq!(q[unpriced].price_usd, None, "{unpriced}");
        }
        assert!(!q.contains_key("ten") && !q.contains_key("unasked"));
        for bad in [json!([]), json!({"coins": []}), json!({}), json!(null)] {
            assert!(
                matches!(parse_current(&bad, &asked), Err(MarketError::Malformed(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn ids_go_in_the_path_after_the_base() {
        let d = DefiLlama::new("http://127.0.0.1:9/llama/").unwrap();
        let url = d.url(&ids(&["nillion", "parcl"]));
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9/llama/prices/current/coingecko:nillion,coingecko:parcl"
        );
    }

    proptest::proptest! {
        #[test]
        fn any_answer_parses_or_is_refused_without_a_panic(text in ".{0,200}") {
            if let Ok(body) = serde_json::from_str::<Value>(&text) {
                let _ = parse_current(&body, &ids(&["a"]));
            }
        }
    }
}
