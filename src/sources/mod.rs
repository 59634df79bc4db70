//! Exchange listings as a source. Each exchange publishes its list of
//! markets, publicly and without a key; one look at that list is one request,
//! however long the watchlist. A coin is matched by its ticker against the
//! pairs' base assets.
//!
//! This module holds what every exchange shares: which exchanges there are,
//! where their lists live, and what a pair of a list says. Each exchange's
//! answer parser lives in a module of its own beside this one; `client`
//! fetches any of them over HTTP.

mod answer;
pub mod binance;
pub mod bybit;
pub mod client;
pub mod coinbase;
pub mod dex;
pub mod gate;
pub mod kraken;
pub mod okx;
pub mod premarket;
pub mod stream;

pub mod watch;

use std::future::Future;
use std::time::Duration;

pub use crate::exchange::{Exchange, Pair, PairState};
use crate::market::MarketError;

/// The shortest time between two looks at one exchange's list: the lists
/// change a few times a week, and some are megabytes.
pub const MIN_EXCHANGE_INTERVAL: Duration = Duration::from_secs(60);
/// The time between two looks at one exchange's list unless the config
/// file sets it.
pub const DEFAULT_EXCHANGE_INTERVAL: Duration = Duration::from_secs(300);

impl Exchange {
    /// The public base URL of its API (`[sources.url]` may replace it).
    pub fn default_url(self) -> &'static str {
        match self {
            Exchange::Binance => "https://data-api.binance.vision",
            Exchange::Coinbase => "https://api.exchange.coinbase.com",
            Exchange::Kraken => "https://api.kraken.com",
            Exchange::Okx => "https://www.okx.com",
            Exchange::Bybit => "https://api.bybit.com",
            Exchange::Gate => "https://api.gateio.ws",
        }
    }

    /// The path and query of its list of spot markets, appended to the base
    /// URL.
    pub fn list_path(self) -> &'static str {
        match self {
            Exchange::Binance => "/api/v3/exchangeInfo?showPermissionSets=false",
            Exchange::Coinbase => "/products",
            Exchange::Kraken => "/0/public/AssetPairs",
            Exchange::Okx => "/api/v5/public/instruments?instType=SPOT",
            Exchange::Bybit => "/v5/market/instruments-info?category=spot",
            Exchange::Gate => "/api/v4/spot/currency_pairs",
        }
    }

    /// About how many spot markets its list holds (measured in 2026): the
    /// size the benches generate its list at, from which the README's
    /// costs of a month of looks are figured.
    pub fn markets(self) -> usize {
        match self {
            Exchange::Binance => 3_500,
            Exchange::Gate => 2_500,
            Exchange::Kraken => 1_200,
            Exchange::Coinbase => 800,
            Exchange::Okx => 800,
            Exchange::Bybit => 700,
        }
    }

    /// The largest answer accepted, refused as it streams in: each is
    /// several times the size of the real list (see each module's
    /// `MAX_BODY` for the measure), so growth fits and a runaway answer
    /// does not.
    pub fn max_body(self) -> usize {
        match self {
            Exchange::Binance => binance::MAX_BODY,
            Exchange::Coinbase => coinbase::MAX_BODY,
            Exchange::Kraken => kraken::MAX_BODY,
            Exchange::Okx => okx::MAX_BODY,
            Exchange::Bybit => bybit::MAX_BODY,
            Exchange::Gate => gate::MAX_BODY,
        }
    }

    /// Reads one answer of its list: every pair, as of `now` (Unix
    /// seconds). A body of another shape is [`MarketError::Malformed`],
    /// naming the exchange; entries of another shape are skipped.
    pub fn parse(self, body: &[u8], now: i64) -> Result<Vec<Pair>, MarketError> {
        self.list().parse(body, now)
    }

    /// A reader of one answer of its list as it streams in, as of `now`
    /// (Unix seconds): what [`parse`](Exchange::parse) does, a chunk at a
    /// time, holding one entry at a time.
    pub fn reader(self, now: i64) -> stream::ListReader {
        self.list().reader(now)
    }

    /// The keys from the top of its answer to its list of markets
    /// (`["result", "list"]` for Bybit); empty when the answer is the list.
    pub fn list_keys(self) -> &'static [&'static str] {
        self.list().path
    }

    fn list(self) -> &'static stream::ListShape {
        match self {
            Exchange::Binance => &binance::LIST,
            Exchange::Coinbase => &coinbase::LIST,
            Exchange::Kraken => &kraken::LIST,
            Exchange::Okx => &okx::LIST,
            Exchange::Bybit => &bybit::LIST,
            Exchange::Gate => &gate::LIST,
        }
    }
}

/// An exchange's list of markets, looked at over the network (or a fake of
/// it in tests).
pub trait ExchangeSource: Send + Sync + 'static {
    fn exchange(&self) -> Exchange;

    /// One look: every pair of the list, as it stands now. `now` (Unix
    /// seconds) decides whether an announced opening is still in the future.
    fn look(&self, now: i64) -> impl Future<Output = Result<Vec<Pair>, MarketError>> + Send;
}
