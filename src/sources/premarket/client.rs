//! The HTTP client of a pre-market venue: the exchanges' client's care
//! (rustls, timeouts, no redirects, a body cap, our own error messages),
//! and each venue's requests. A venue with a list and a price endpoint
//! keeps the list it read last for [`LIST_EVERY`], so most looks ask
//! only prices.

use std::sync::Mutex;

use reqwest::header::HeaderMap;
use reqwest::{StatusCode, Url};
use tokio::time::Instant;

use super::{LIST_EVERY, MAX_PRICED, Offer, Venue, binance, bybit, hyperliquid, okx};
use crate::market::MarketError;
use crate::market::http::{self, get_capped, post_capped};
use crate::sources::client::{CONNECT_TIMEOUT, REQUEST_TIMEOUT, check_base, list_url};

const RATE_LIMITS: &[StatusCode] = &[StatusCode::TOO_MANY_REQUESTS];
/// Binance answers `418` to an address it banned for ignoring its `429`s.
const BINANCE_RATE_LIMITS: &[StatusCode] =
    &[StatusCode::TOO_MANY_REQUESTS, StatusCode::IM_A_TEAPOT];

/// A venue's list as last read, and when.
#[derive(Debug, Clone)]
enum Listed {
    Hyperliquid(Vec<hyperliquid::Perp>),
    Bybit(Vec<bybit::Contract>),
    Okx(Vec<okx::Swap>),
    Binance(Vec<binance::PreSymbol>),
}

/// One pre-market venue, looked at over HTTP.
#[derive(Debug)]
pub struct VenueClient {
    venue: Venue,
    client: reqwest::Client,
    base: Url,
    listed: Mutex<Option<(Instant, Listed)>>,
}

impl VenueClient {
    /// A client for `venue` under `base_url` (its default, a mirror or a
    /// test server: https, or plain http to this machine only). Sends
    /// nothing.
    pub fn new(venue: Venue, base_url: &str) -> Result<VenueClient, MarketError> {
        let base = check_base(base_url)
            .map_err(|reason| MarketError::BadUrl(format!("{}: {reason}", venue.name())))?;
        Ok(VenueClient {
            venue,
            client: http::client(CONNECT_TIMEOUT, REQUEST_TIMEOUT, HeaderMap::new())?,
            base,
            listed: Mutex::new(None),
        })
    }

    pub fn venue(&self) -> Venue {
        self.venue
    }

    fn url(&self, path: &str) -> Url {
        list_url(&self.base, path)
    }

    fn rate_limits(&self) -> &'static [StatusCode] {
        match self.venue {
            Venue::Binance => BINANCE_RATE_LIMITS,
            _ => RATE_LIMITS,
        }
    }

    /// POSTs `json` to Hyperliquid's `/info`.
    async fn post(&self, json: &'static str, max: usize) -> Result<Vec<u8>, MarketError> {
        post_capped(&self.client, self.url("/info"), json, max, RATE_LIMITS).await
    }

    async fn get(&self, path: &str, max: usize) -> Result<Vec<u8>, MarketError> {
        self.get_with(path, &[], max).await
    }

    /// GETs `path` with `query` added, each value encoded: a symbol from an
    /// answer never adds a parameter of its own.
    async fn get_with(
        &self,
        path: &str,
        query: &[(&str, &str)],
        max: usize,
    ) -> Result<Vec<u8>, MarketError> {
        let mut url = self.url(path);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        get_capped(&self.client, url, max, self.rate_limits()).await
    }

    /// The list read within [`LIST_EVERY`], or a fresh one.
    async fn list(&self) -> Result<Listed, MarketError> {
        let kept = self
            .listed
            .lock()
            .ok()
            .and_then(|l| l.clone())
            .filter(|(at, _)| at.elapsed() < LIST_EVERY);
        if let Some((_, listed)) = kept {
            return Ok(listed);
        }
        let listed = match self.venue {
            Venue::Bybit => Listed::Bybit(bybit::parse_list(
                &self.get(bybit::LIST_PATH, bybit::MAX_BODY).await?,
            )?),
            Venue::Okx => Listed::Okx(okx::parse_list(
                &self.get(okx::LIST_PATH, okx::MAX_BODY).await?,
            )?),
            Venue::Binance => Listed::Binance(binance::parse_list(
                &self.get(binance::LIST_PATH, binance::MAX_BODY).await?,
            )?),
            Venue::Hyperliquid => Listed::Hyperliquid(hyperliquid::parse_meta(
                &self.post(hyperliquid::META, hyperliquid::MAX_BODY).await?,
            )?),
        };
        self.keep(&listed);
        Ok(listed)
    }

    /// Keeps `listed` as the list read now.
    fn keep(&self, listed: &Listed) {
        if let Ok(mut l) = self.listed.lock() {
            *l = Some((Instant::now(), listed.clone()));
        }
    }

    /// One look: every pre-market instrument of the venue, with its price
    /// where the venue gave a real one.
    pub async fn look(&self) -> Result<Vec<Offer>, MarketError> {
        match self.list().await? {
            Listed::Hyperliquid(mut perps) => {
                let mids = hyperliquid::parse_mids(
                    &self.post(hyperliquid::MIDS, hyperliquid::MAX_BODY).await?,
                )?;
                // A perp priced that the list does not hold is new: the
                // list is read again now, not at its next quarter hour.
                if hyperliquid::has_new_perp(&mids, &perps) {
                    perps = hyperliquid::parse_meta(
                        &self.post(hyperliquid::META, hyperliquid::MAX_BODY).await?,
                    )?;
                    self.keep(&Listed::Hyperliquid(perps.clone()));
                }
                Ok(perps
                    .iter()
                    .map(|p| Offer {
                        base: p.base.clone(),
                        instrument: format!("{} perp", p.name),
                        price_usd: mids.get(&p.name).copied(),
                        phase: None,
                    })
                    .collect())
            }
            Listed::Bybit(contracts) => {
                let mut offers = Vec::new();
                for c in contracts.iter().take(MAX_PRICED) {
                    let query = [("category", "linear"), ("symbol", c.symbol.as_str())];
                    let body = self
                        .get_with(bybit::TICKER_PATH, &query, bybit::MAX_BODY)
                        .await?;
                    offers.push(Offer {
                        base: c.base.clone(),
                        instrument: c.symbol.clone(),
                        price_usd: bybit::parse_ticker(&body, c)?,
                        phase: c.phase.clone(),
                    });
                }
                Ok(offers)
            }
            Listed::Okx(swaps) => {
                let mut offers = Vec::new();
                for s in swaps.iter().take(MAX_PRICED) {
                    let query = [("instId", s.inst_id.as_str())];
                    let body = self
                        .get_with(okx::TICKER_PATH, &query, okx::MAX_BODY)
                        .await?;
                    offers.push(Offer {
                        base: s.base.clone(),
                        instrument: s.inst_id.clone(),
                        price_usd: okx::parse_ticker(&body, s)?,
                        phase: None,
                    });
                }
                Ok(offers)
            }
            Listed::Binance(symbols) => {
                let symbols = &symbols[..symbols.len().min(MAX_PRICED)];
                let prices = if symbols.is_empty() {
                    Default::default()
                } else {
                    let query = [("symbols", binance::price_list(symbols))];
                    let query: Vec<(&str, &str)> =
                        query.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    binance::parse_prices(
                        &self
                            .get_with(binance::PRICE_PATH, &query, binance::MAX_BODY)
                            .await?,
                    )?
                };
                Ok(symbols
                    .iter()
                    .map(|s| Offer {
                        base: s.base.clone(),
                        instrument: s.symbol.clone(),
                        price_usd: prices.get(&s.symbol).copied(),
                        phase: s.status.clone(),
                    })
                    .collect())
            }
        }
    }
}
