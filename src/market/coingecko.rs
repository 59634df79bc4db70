//! The CoinGecko client: `/simple/price` for the whole watchlist in chunks of
//! 250 ids, with timeouts, a capped body and the key only in its header.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{StatusCode, Url};
use serde_json::Value;

use super::http::{self, is_loopback, parse_base};
pub use super::http::{parse_retry_after, redact_url};
use super::{Candidate, MarketError, MarketProvider, Quote, Quotes, Usage};
use crate::types::{MarketId, Usd};

pub const PUBLIC_BASE: &str = "https://api.coingecko.com/api/v3";
pub const PRO_BASE: &str = "https://pro-api.coingecko.com/api/v3";

/// Ids per request: CoinGecko's own page limit.
pub const CHUNK: usize = 250;
/// Answers larger than this are refused while they stream in.
pub const MAX_BODY: usize = 2 * 1024 * 1024;
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// An API key and the header it travels in. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct ApiKey {
    header: &'static str,
    value: HeaderValue,
}

impl ApiKey {
    /// A demo key (`COINGECKO_API_KEY`), sent as `x-cg-demo-api-key`.
    pub fn demo(key: &str) -> Result<ApiKey, MarketError> {
        ApiKey::new("x-cg-demo-api-key", key)
    }

    /// A pro key (`COINGECKO_PRO_API_KEY`), sent as `x-cg-pro-api-key`.
    pub fn pro(key: &str) -> Result<ApiKey, MarketError> {
        ApiKey::new("x-cg-pro-api-key", key)
    }

    fn new(header: &'static str, key: &str) -> Result<ApiKey, MarketError> {
        let mut value = HeaderValue::from_str(key.trim()).map_err(|_| {
            MarketError::BadUrl(format!(
                "the key for {header} holds characters a header cannot"
            ))
        })?;
        value.set_sensitive(true);
        Ok(ApiKey { header, value })
    }

    pub fn is_pro(&self) -> bool {
        self.header == "x-cg-pro-api-key"
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({}: [redacted])", self.header)
    }
}

/// The base URL to use when none is given: the pro one for a pro key.
pub fn default_base(key: Option<&ApiKey>) -> &'static str {
    match key {
        Some(k) if k.is_pro() => PRO_BASE,
        _ => PUBLIC_BASE,
    }
}

#[derive(Debug, Clone)]
pub struct CoinGecko {
    client: reqwest::Client,
    base: Url,
    /// Only a Pro key's usage can be asked for.
    pro: bool,
    /// Shared by clones: a plan's calls are counted per key, not per client.
    meter: Arc<Meter>,
}

/// The requests a client sent, and what the API last said is left.
#[derive(Debug, Default)]
struct Meter {
    prices: AtomicU64,
    search: AtomicU64,
    key: AtomicU64,
    remaining: Mutex<Option<u64>>,
}

/// The header in which the API says how many calls are left.
pub const RATELIMIT_REMAINING: &str = "x-ratelimit-remaining";

impl Meter {
    /// Counts one request of `kind`, unless it never left (see
    /// [`MarketError::was_sent`]).
    fn count<T>(kind: &AtomicU64, result: &Result<T, MarketError>) {
        if result.as_ref().err().is_none_or(MarketError::was_sent) {
            kind.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn note_remaining(&self, headers: &HeaderMap) {
        let left = headers
            .get(RATELIMIT_REMAINING)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if let (Some(left), Ok(mut remaining)) = (left, self.remaining.lock()) {
            *remaining = Some(left);
        }
    }
}

impl CoinGecko {
    /// A client for `base`. With a key, `base` must be https, or http to a
    /// loopback address: the key is never sent where it could be read.
    pub fn new(base: &str, key: Option<ApiKey>) -> Result<CoinGecko, MarketError> {
        CoinGecko::with_timeouts(base, key, CONNECT_TIMEOUT, REQUEST_TIMEOUT)
    }

    /// `new` with other timeouts (tests use short ones).
    pub fn with_timeouts(
        base: &str,
        key: Option<ApiKey>,
        connect: Duration,
        request: Duration,
    ) -> Result<CoinGecko, MarketError> {
        let base = parse_base(base, "; keys go in COINGECKO_API_KEY")?;
        if key.is_some() && base.scheme() != "https" && !is_loopback(&base) {
            return Err(MarketError::InsecureKey {
                host: base.host_str().unwrap_or("?").to_string(),
            });
        }
        let mut headers = HeaderMap::new();
        if let Some(k) = &key {
            headers.insert(k.header, k.value.clone());
        }
        let client = http::client(connect, request, headers)?;
        Ok(CoinGecko {
            client,
            pro: key.as_ref().is_some_and(ApiKey::is_pro),
            base,
            meter: Arc::default(),
        })
    }

    fn url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        let joined = format!("{}/{}", url.path().trim_end_matches('/'), path);
        url.set_path(&joined);
        url
    }

    /// GETs `url` and parses the body as JSON, refusing bodies over
    /// `MAX_BODY` as they stream (the Content-Length is not trusted).
    async fn get_json(&self, url: Url) -> Result<Value, MarketError> {
        let body = http::get_capped_with(
            &self.client,
            url,
            MAX_BODY,
            &[StatusCode::TOO_MANY_REQUESTS],
            |headers| self.meter.note_remaining(headers),
        )
        .await?;
        serde_json::from_slice(&body).map_err(|_| MarketError::Malformed("not JSON".into()))
    }
}

impl MarketProvider for CoinGecko {
    /// One request per 250 ids; the answers are merged.
    async fn prices(&self, ids: &[String]) -> Result<Quotes, MarketError> {
        let mut quotes = Quotes::new();
        for chunk in ids.chunks(CHUNK) {
            let mut url = self.url("simple/price");
            url.query_pairs_mut()
                .append_pair("ids", &chunk.join(","))
                .append_pair("vs_currencies", "usd")
                .append_pair("include_market_cap", "true")
                .append_pair("include_24hr_change", "true")
                .append_pair("include_last_updated_at", "true");
            let body = self.get_json(url).await;
            Meter::count(&self.meter.prices, &body);
            quotes.extend(parse_simple_price(&body?, chunk)?);
        }
        Ok(quotes)
    }

    /// `GET /key`, with a Pro key only.
    async fn key_remaining(&self) -> Result<Option<u64>, MarketError> {
        if !self.pro {
            return Ok(None);
        }
        let body = self.get_json(self.url("key")).await;
        Meter::count(&self.meter.key, &body);
        parse_key(&body?).map(Some)
    }

    async fn search(&self, query: &str) -> Result<Vec<Candidate>, MarketError> {
        let mut url = self.url("search");
        url.query_pairs_mut().append_pair("query", query.trim());
        let body = self.get_json(url).await;
        Meter::count(&self.meter.search, &body);
        parse_search(&body?)
    }

    fn usage(&self) -> Usage {
        Usage {
            price_requests: self.meter.prices.load(Ordering::Relaxed),
            search_requests: self.meter.search.load(Ordering::Relaxed),
            key_requests: self.meter.key.load(Ordering::Relaxed),
            remaining: self.meter.remaining.lock().ok().and_then(|r| *r),
        }
    }
}

/// Reads a `/key` answer (`{"plan", "rate_limit_request_per_minute",
/// "monthly_call_credit", "current_total_monthly_calls",
/// "current_remaining_monthly_calls"}`): the calls left this month.
pub fn parse_key(body: &Value) -> Result<u64, MarketError> {
    body.get("current_remaining_monthly_calls")
        .and_then(|v| {
            v.as_u64().or_else(|| {
                v.as_f64()
                    .filter(|f| f.is_finite() && *f >= 0.0)
                    .map(|f| f as u64)
            })
        })
        .ok_or_else(|| {
            MarketError::Malformed("no count of the calls left in the key's usage".into())
        })
}

/// Reads a `/search` answer: `{"coins": [{"id", "name", "symbol",
/// "market_cap_rank"}, …]}`. Entries without a usable id are skipped (an id
/// becomes part of request URLs later); a missing `coins` array is an error.
pub fn parse_search(body: &Value) -> Result<Vec<Candidate>, MarketError> {
    let coins = body
        .get("coins")
        .and_then(Value::as_array)
        .ok_or_else(|| MarketError::Malformed("no list of coins in the search answer".into()))?;
    Ok(coins
        .iter()
        .filter_map(|c| {
            let text = |k: &str| c.get(k).and_then(Value::as_str).map(str::to_string);
            let id = MarketId::new(text("id")?)?;
            Some(Candidate {
                name: text("name").unwrap_or_default(),
                symbol: text("symbol").unwrap_or_default(),
                market_cap_rank: c
                    .get("market_cap_rank")
                    .and_then(Value::as_u64)
                    .and_then(|r| u32::try_from(r).ok()),
                id,
            })
        })
        .collect())
}

/// Reads a `/simple/price` answer. It must be an object; each requested id
/// present in it with a number under `usd` that passes [`Usd::new`] gets a
/// price, anything else (missing id, empty object, null, a string, zero or
/// an absurd number) gets none, and an absurd number is logged.
pub fn parse_simple_price(body: &Value, requested: &[String]) -> Result<Quotes, MarketError> {
    let map = body.as_object().ok_or_else(|| {
        MarketError::Malformed(format!("expected an object of prices, got {}", kind(body)))
    })?;
    if let Some(status) = map.get("status").and_then(Value::as_object)
        && status.contains_key("error_code")
    {
        return Err(MarketError::Malformed(
            "the API answered with an error object".into(),
        ));
    }
    let mut quotes = Quotes::new();
    for id in requested {
        let Some(entry) = map.get(id).and_then(Value::as_object) else {
            continue;
        };
        let num = |k: &str| {
            entry
                .get(k)
                .and_then(Value::as_f64)
                .filter(|v| v.is_finite())
        };
        // A value no coin can cost (zero, past $1e9, below $1e-12) is that
        // coin's fault alone: the others in the answer still count.
        let price = match entry.get("usd").and_then(Value::as_f64) {
            None => None,
            Some(p) => {
                let price = Usd::new(p);
                if price.is_none() && p != 0.0 {
                    tracing::warn!(
                        "CoinGecko's price of {id} is {p:.3e} USD: not a price, ignored"
                    );
                }
                price
            }
        };
        quotes.insert(
            id.clone(),
            Quote {
                price_usd: price,
                change_24h: num("usd_24h_change"),
                market_cap: num("usd_market_cap"),
                last_updated: entry.get("last_updated_at").and_then(Value::as_i64),
            },
        );
    }
    Ok(quotes)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn an_absurd_price_leaves_that_coin_unpriced_and_the_rest_counts() {
        let asked = ids(&["a", "b"]);
        // 1e+308 as it comes over the wire: valid JSON, no real price.
        for bad in ["1e+308", "1.0e10", "5e-324", "1e-13", "-5", "0"] {
            let text = format!(r#"{{"a": {{"usd": {bad}}}, "b": {{"usd": 0.61}}}}"#);
            let body: Value = serde_json::from_str(&text).unwrap();
            let q = parse_simple_price(&body, &asked).unwrap();
            assert_eq!(q["a"].price_usd, None, "{bad}");
            assert_eq!(q["b"].price_usd.map(Usd::get), Some(0.61), "{bad}");
        }
        let q = parse_simple_price(&json!({"a": {"usd": 1e9}}), &asked).unwrap();
        assert_eq!(q["a"].price_usd.map(Usd::get), Some(1e9));
    }

    #[test]
    fn prices_are_read_and_no_price_means_none() {
        let body = json!({
            "nillion": {"usd": 0.61, "usd_market_cap": 1.2e8, "usd_24h_change": -3.2, "last_updated_at": 1711356300},
            "parcl": {},
            "dolomite": {"usd": null},
            "movement": {"usd": "0.5"},
            "peaq-2": {"usd": 0},
            "unasked": {"usd": 1.0}
        });
        let q = parse_simple_price(
            &body,
            &ids(&["nillion", "parcl", "dolomite", "movement", "peaq-2", "ten"]),
        )
        .unwrap();
        assert_eq!(
            q["nillion"],
            Quote {
                price_usd: crate::types::Usd::new(0.61),
                change_24h: Some(-3.2),
                market_cap: Some(1.2e8),
                last_updated: Some(1711356300)
            }
        );
        for id in ["parcl", "dolomite", "movement", "peaq-2"] {
            assert_eq!(q[id].price_usd, None, "{id}");
        }
        assert!(!q.contains_key("ten"), "missing id");
        assert!(!q.contains_key("unasked"), "only requested ids");
    }

    #[test]
    fn non_objects_and_error_objects_are_malformed() {
        for body in [
            json!([]),
            json!("x"),
            json!(null),
            json!({"status": {"error_code": 429}}),
        ] {
            assert!(
                matches!(
                    parse_simple_price(&body, &ids(&["a"])),
                    Err(MarketError::Malformed(_))
                ),
                "{body}"
            );
        }
    }

    #[test]
    fn keys_need_https_unless_loopback() {
        let key = || Some(ApiKey::demo("secret-key").unwrap());
        assert!(matches!(
            CoinGecko::new("http://api.example.com/api/v3", key()),
            Err(MarketError::InsecureKey { .. })
        ));
        assert!(CoinGecko::new("https://api.example.com/api/v3", key()).is_ok());
        for base in [
            "http://127.0.0.1:9/api/v3",
            "http://127.3.4.5/",
            "http://[::1]:80/",
            "http://localhost:8080",
        ] {
            assert!(CoinGecko::new(base, key()).is_ok(), "{base}");
        }
        assert!(
            CoinGecko::new("http://api.example.com/api/v3", None).is_ok(),
            "no key, nothing to leak"
        );
        assert!(matches!(
            CoinGecko::new("ftp://x/", None),
            Err(MarketError::BadUrl(_))
        ));
        assert!(matches!(
            CoinGecko::new("https://u:p@x/", None),
            Err(MarketError::BadUrl(_))
        ));
        assert!(matches!(
            CoinGecko::new("https://x/?x_cg_demo_api_key=k", None),
            Err(MarketError::BadUrl(_))
        ));
    }

    #[test]
    fn key_debug_is_redacted() {
        let k = ApiKey::pro("super-secret").unwrap();
        let shown = format!(
            "{k:?} {:?}",
            CoinGecko::new(PRO_BASE, Some(k.clone())).unwrap()
        );
        assert!(!shown.contains("super-secret"), "{shown}");
    }

    #[test]
    fn search_answers_are_read_and_bad_ids_skipped() {
        let body = json!({"coins": [
            {"id": "ten-2", "name": "TEN Protocol", "symbol": "TEN", "market_cap_rank": 1200},
            {"id": "Bad Id", "name": "x", "symbol": "X"},
            {"name": "no id"},
            {"id": "tenet", "name": "Tenet", "symbol": "TENET", "market_cap_rank": null}
        ], "exchanges": []});
        let c = parse_search(&body).unwrap();
        let ids: Vec<_> = c.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["ten-2", "tenet"]);
        assert_eq!(c[0].market_cap_rank, Some(1200));
        assert_eq!(c[1].market_cap_rank, None);
        assert!(matches!(
            parse_search(&json!({"x": 1})),
            Err(MarketError::Malformed(_))
        ));
        assert!(matches!(
            parse_search(&json!([])),
            Err(MarketError::Malformed(_))
        ));
    }

    #[test]
    fn secrets_in_a_bad_url_stay_out_of_the_error() {
        for base in ["ftp://me:sekrit@x/", "not a url sekrit@x?k=sekrit"] {
            let err = CoinGecko::new(base, None).unwrap_err().to_string();
            assert!(!err.contains("sekrit"), "{err}");
        }
    }

    #[test]
    fn url_joins_the_base_path() {
        let c = CoinGecko::new("http://127.0.0.1:1/api/v3/", None).unwrap();
        assert_eq!(
            c.url("simple/price").as_str(),
            "http://127.0.0.1:1/api/v3/simple/price"
        );
    }
}
