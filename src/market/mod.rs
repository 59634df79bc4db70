//! Market data: what a provider answers for a set of market ids, and why it
//! may fail. The CoinGecko client and the polling loop live beside this.

pub mod coingecko;
pub mod defillama;
pub mod fetch;
pub mod http;
pub mod plan;
pub mod poller;

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

/// What the API says of one market id. A coin is trading when `price_usd` is
/// a positive number; everything else leaves it upcoming.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Quote {
    pub price_usd: Option<crate::types::Usd>,
    pub change_24h: Option<f64>,
    pub market_cap: Option<f64>,
    /// When the API last updated this price (Unix seconds).
    pub last_updated: Option<i64>,
}

/// The longest a rate limit makes us wait, whatever `Retry-After` asks: a
/// server's mistake must not stop the watch for days.
pub const MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(3600);

/// Quotes by market id. An id the API does not know is absent.
pub type Quotes = HashMap<String, Quote>;

/// Why a request for market data failed. Messages are our own and never
/// carry a URL or a key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MarketError {
    #[error("timed out")]
    Timeout,
    #[error("cannot connect to the API")]
    Connect,
    #[error("network error")]
    Network,
    #[error("rate limited by the API{}", capped_note(*retry_after))]
    RateLimited { retry_after: Option<Duration> },
    #[error("the API answered HTTP {status}")]
    Status { status: u16 },
    #[error("the API's answer is larger than {max} bytes")]
    TooLarge { max: usize },
    #[error("bad answer from the API: {0}")]
    Malformed(String),
    #[error(
        "refusing to send the API key over plain http to {host}: use https (plain http is \
         allowed only to 127.0.0.1, ::1 or localhost)"
    )]
    InsecureKey { host: String },
    #[error("bad API URL: {0}")]
    BadUrl(String),
    /// No client could be made (the reason says why); nothing was sent.
    #[error("{0}")]
    Unavailable(String),
}

impl MarketError {
    /// Whether the request this error ended may have reached the API, and
    /// so counts against the plan's calls: only one that never connected,
    /// or was never made, does not.
    pub fn was_sent(&self) -> bool {
        !matches!(
            self,
            MarketError::Connect
                | MarketError::InsecureKey { .. }
                | MarketError::BadUrl(_)
                | MarketError::Unavailable(_)
        )
    }
}

/// What a provider has sent so far: running totals of its requests, kept
/// apart by kind so that a lookup made during a poll is not taken for part
/// of it, and the API's last word on the calls left.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub price_requests: u64,
    pub search_requests: u64,
    /// Looks at the key's own usage (`/key`, hourly with a Pro key).
    pub key_requests: u64,
    /// `x-ratelimit-remaining` of the last answer that carried it.
    pub remaining: Option<u64>,
}

impl Usage {
    pub fn total(&self) -> u64 {
        self.price_requests
            .saturating_add(self.search_requests)
            .saturating_add(self.key_requests)
    }
}

/// Says so when the API asked for a longer wait than prelist accepts.
fn capped_note(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(asked) if asked > MAX_RATE_LIMIT_WAIT => format!(
            " (it asked for {}; waiting at most {})",
            crate::text::duration(asked),
            crate::text::duration(MAX_RATE_LIMIT_WAIT)
        ),
        _ => String::new(),
    }
}

/// A coin the API's search found: a possible market id for a watched coin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: crate::types::MarketId,
    pub name: String,
    pub symbol: String,
    pub market_cap_rank: Option<u32>,
}

/// Candidates with the ones whose symbol is `ticker` first (without case),
/// each group in the API's order. Nothing is chosen: the user picks.
pub fn order_candidates(mut candidates: Vec<Candidate>, ticker: Option<&str>) -> Vec<Candidate> {
    if let Some(t) = ticker.map(str::trim).filter(|t| !t.is_empty()) {
        candidates.sort_by_key(|c| !c.symbol.eq_ignore_ascii_case(t));
    }
    candidates
}

/// How candidates are laid out, in `prelist search` and in the lookup on
/// screen alike: the id first (it is what is used, and narrow screens cut
/// the right), then the symbol, the market-cap rank and the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CandidateColumns {
    pub id: usize,
    pub symbol: usize,
}

impl CandidateColumns {
    /// For a terminal line of any width (`prelist search`).
    pub const WIDE: CandidateColumns = CandidateColumns { id: 32, symbol: 10 };
    /// For the lookup popup.
    pub const NARROW: CandidateColumns = CandidateColumns { id: 24, symbol: 8 };

    pub fn header(&self) -> String {
        self.line("id", "symbol", "rank", "name")
    }

    /// One candidate, with text from the API cleaned of control characters.
    pub fn row(&self, c: &Candidate) -> String {
        let rank = c.market_cap_rank.map_or("—".to_string(), |r| r.to_string());
        self.line(
            &crate::text::clean(&c.id),
            &crate::text::clean(&c.symbol),
            &rank,
            &crate::text::clean(&c.name),
        )
    }

    fn line(&self, id: &str, symbol: &str, rank: &str, name: &str) -> String {
        let (iw, sw) = (self.id, self.symbol);
        format!("{id:<iw$} {symbol:<sw$} {rank:>6}  {name}")
    }
}

/// A source of prices and of market ids.
pub trait MarketProvider: Send + Sync + 'static {
    /// Prices for the whole watchlist: one call, whatever its length.
    fn prices(&self, ids: &[String]) -> impl Future<Output = Result<Quotes, MarketError>> + Send;

    /// Market-id candidates for a coin's name.
    fn search(
        &self,
        query: &str,
    ) -> impl Future<Output = Result<Vec<Candidate>, MarketError>> + Send;

    /// The requests sent so far. A provider that does not count says
    /// none.
    fn usage(&self) -> Usage {
        Usage::default()
    }

    /// Its name in events (`source`) and the log.
    fn name(&self) -> &'static str {
        "coingecko"
    }

    /// Whether the month's calls are spent, so that none should be sent.
    /// A provider that does not count never is.
    fn spent(&self) -> bool {
        false
    }

    /// What the API says is left of the key's month (`/key`'s
    /// `current_remaining_monthly_calls`); `None` where it cannot say (no
    /// Pro key: Demo keys have no such endpoint).
    fn key_remaining(&self) -> impl Future<Output = Result<Option<u64>, MarketError>> + Send {
        std::future::ready(Ok(None))
    }

    /// The month's calls of every prelist on this data dir, where they are
    /// counted.
    fn month_calls(&self) -> Option<u64> {
        None
    }
}
