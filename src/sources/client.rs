//! The HTTP client of every exchange's list: one GET of the documented path
//! per look, with CoinGecko's client's care (rustls, timeouts, no
//! redirects, our own error messages), and a body cap sized to each
//! exchange's list.

use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{StatusCode, Url};

use super::{Exchange, ExchangeSource, Pair};
use crate::market::MarketError;
use crate::market::http::{self, is_loopback, parse_base, redact_url};

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Longer than CoinGecko's: Binance's list is megabytes, and a slow line
/// needs time to carry it. A look happens every few minutes at most.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Binance answers `418` to an address it has banned for ignoring its
/// `429`s; both carry `Retry-After`.
const BINANCE_RATE_LIMITS: &[StatusCode] =
    &[StatusCode::TOO_MANY_REQUESTS, StatusCode::IM_A_TEAPOT];
const RATE_LIMITS: &[StatusCode] = &[StatusCode::TOO_MANY_REQUESTS];

/// One exchange's list, looked at over HTTP.
#[derive(Debug, Clone)]
pub struct ExchangeClient {
    exchange: Exchange,
    client: reqwest::Client,
    url: Url,
}

impl ExchangeClient {
    /// A client for `exchange`'s list under `base_url` (its
    /// [`Exchange::default_url`], a mirror, or a test server), checked by
    /// [`check_base`]. Makes no request.
    pub fn new(exchange: Exchange, base_url: &str) -> Result<ExchangeClient, MarketError> {
        ExchangeClient::with_timeouts(exchange, base_url, CONNECT_TIMEOUT, REQUEST_TIMEOUT)
    }

    /// `new` with other timeouts (tests use short ones).
    pub fn with_timeouts(
        exchange: Exchange,
        base_url: &str,
        connect: Duration,
        request: Duration,
    ) -> Result<ExchangeClient, MarketError> {
        let base = check_base(base_url)
            .map_err(|reason| MarketError::BadUrl(format!("{}: {reason}", exchange.name())))?;
        let client = http::client(connect, request, HeaderMap::new())?;
        Ok(ExchangeClient {
            exchange,
            client,
            url: list_url(&base, exchange.list_path()),
        })
    }

    /// The URL each look GETs.
    pub fn url(&self) -> &Url {
        &self.url
    }
}

/// Whether `base_url` can stand for an exchange's API: http or https with a
/// host, no credentials or query, and plain http only to this machine, as
/// nothing else guarantees the list is the exchange's. The reason quotes
/// the URL with its secrets hidden. The config file's check and the
/// client's are this one.
pub fn check_base(base_url: &str) -> Result<Url, String> {
    let base = parse_base(base_url, "").map_err(|e| match e {
        MarketError::BadUrl(reason) => reason,
        other => other.to_string(),
    })?;
    if base.scheme() != "https" && !is_loopback(&base) {
        return Err(format!(
            "{}: plain http is allowed only to 127.0.0.1, ::1 or localhost; use https",
            redact_url(base_url.trim())
        ));
    }
    Ok(base)
}

/// `base` with the list's path (and query) appended to its own path.
pub(crate) fn list_url(base: &Url, list_path: &str) -> Url {
    let (path, query) = list_path.split_once('?').unwrap_or((list_path, ""));
    let mut url = base.clone();
    let joined = format!("{}{path}", url.path().trim_end_matches('/'));
    url.set_path(&joined);
    url.set_query((!query.is_empty()).then_some(query));
    url.set_fragment(None);
    url
}

impl ExchangeClient {
    /// One look, with the size of the answer in bytes (`prelist doctor`
    /// says it). The answer is read as it streams in, decompressed, one
    /// entry at a time: it is never held whole.
    pub async fn look_sized(&self, now: i64) -> Result<(Vec<Pair>, usize), MarketError> {
        let rate_limits = match self.exchange {
            Exchange::Binance => BINANCE_RATE_LIMITS,
            _ => RATE_LIMITS,
        };
        let mut reader = self.exchange.reader(now);
        let size = http::get_streamed(
            &self.client,
            self.url.clone(),
            self.exchange.max_body(),
            rate_limits,
            |chunk| reader.feed(chunk),
        )
        .await?;
        Ok((reader.finish()?, size))
    }
}

impl ExchangeSource for ExchangeClient {
    fn exchange(&self) -> Exchange {
        self.exchange
    }

    /// One GET of the list, read as it streams in, up to the exchange's
    /// cap.
    async fn look(&self, now: i64) -> Result<Vec<Pair>, MarketError> {
        self.look_sized(now).await.map(|(pairs, _)| pairs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_path_is_appended_to_the_base() {
        for (exchange, base, url) in [
            (
                Exchange::Binance,
                "https://data-api.binance.vision",
                "https://data-api.binance.vision/api/v3/exchangeInfo?showPermissionSets=false",
            ),
            (
                Exchange::Okx,
                "http://127.0.0.1:9/mirror/okx/",
                "http://127.0.0.1:9/mirror/okx/api/v5/public/instruments?instType=SPOT",
            ),
            (
                Exchange::Bybit,
                "https://api.bybit.com/#x",
                "https://api.bybit.com/v5/market/instruments-info?category=spot",
            ),
        ] {
            let c = ExchangeClient::new(exchange, base).unwrap();
            assert_eq!(c.url().as_str(), url);
        }
        for e in Exchange::ALL {
            let c = ExchangeClient::new(e, e.default_url()).unwrap();
            assert!(c.url().as_str().starts_with("https://"), "{e:?}");
        }
    }

    #[test]
    fn plain_http_only_to_loopback() {
        for base in [
            "http://127.0.0.1:8080",
            "http://[::1]/",
            "http://localhost:1",
        ] {
            assert!(ExchangeClient::new(Exchange::Gate, base).is_ok(), "{base}");
        }
        for base in ["http://api.gateio.ws", "http://10.0.0.1/"] {
            let err = ExchangeClient::new(Exchange::Gate, base).unwrap_err();
            assert!(
                matches!(&err, MarketError::BadUrl(m) if m.starts_with("Gate: ") && m.contains("plain http")),
                "{err}"
            );
        }
        for base in [
            "ftp://x/",
            "https://me:sekrit@x/",
            "https://x/?k=sekrit",
            "not a url me:sekrit@x?k=sekrit",
        ] {
            let err = ExchangeClient::new(Exchange::Kraken, base)
                .unwrap_err()
                .to_string();
            assert!(err.contains("Kraken"), "{err}");
            assert!(!err.contains("sekrit"), "{err}");
        }
    }
}
