//! The first DEX pool of a watched token: what each look at the DEX source
//! saw of the coins' contracts, and when a coin lists there.
//!
//! A pool is matched by its base token's contract, never by ticker:
//! anyone can deploy a token named `NIL`, no one another at its address.
//! So a pool already there at the first look is the coin's as much as a
//! later one, and no confirmation is asked. A pool where the token is only
//! the quote side is someone else's listing. A pool is a listing once its
//! liquidity reaches the threshold (`dex_min_liquidity_usd`): a shallow one
//! is shown, but anyone can open one for a few dollars.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use strum::{EnumCount, EnumString, IntoStaticStr, VariantArray};

use crate::model::{Chain, Coin, token_key};
use crate::text;

/// The DEX source's key in config files, events and outputs.
pub const SOURCE: &str = "dexscreener";
/// Its name in messages.
pub const NAME: &str = "DexScreener";

/// The DEX sources prelist can watch (`[sources] dex`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumString, IntoStaticStr, VariantArray, EnumCount,
)]
#[strum(serialize_all = "lowercase")]
pub enum DexSource {
    Dexscreener,
}

impl DexSource {
    pub const ALL: [DexSource; DexSource::COUNT] = crate::names::all();

    /// The name in config files.
    pub fn key(self) -> &'static str {
        self.into()
    }
}

/// A token not asked for this long (seconds), because no watched coin has
/// its contract any more, is dropped.
pub const GONE_FOR: i64 = 30 * 86_400;

/// At most this many tokens are kept; those asked longest ago go first.
pub const MAX_TOKENS: usize = 100_000;

/// One pool of an answer, as the source's parser read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Pool {
    pub chain: Chain,
    /// The DEX's id: `uniswap`, `raydium`.
    pub dex: String,
    pub pair_address: String,
    /// The base token's contract address and symbol.
    pub base_address: String,
    pub base_symbol: String,
    /// The quote token's symbol: `WETH`, `SOL`.
    pub quote_symbol: String,
    /// The base token's price in USD, when a real one was given.
    pub price_usd: Option<f64>,
    /// The pool's liquidity in USD, when given (finite, not negative).
    pub liquidity_usd: Option<f64>,
    /// When the pool was created (Unix seconds).
    pub created_at: Option<i64>,
}

/// A pool of a watched token, as the latest look that asked saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolSeen {
    pub dex: String,
    pub pair_address: String,
    pub base: String,
    pub quote: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_usd: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liquidity_usd: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
}

impl PoolSeen {
    fn of(p: &Pool) -> PoolSeen {
        let clean = |s: &str| text::clean(s.trim()).into_owned();
        PoolSeen {
            dex: clean(&p.dex),
            pair_address: clean(&p.pair_address),
            base: clean(&p.base_symbol),
            quote: clean(&p.quote_symbol),
            price_usd: p.price_usd,
            liquidity_usd: p.liquidity_usd,
            created_at: p.created_at,
        }
    }

    /// The pool as people name it: `NIL/WETH on uniswap (ethereum)`.
    pub fn pair(&self, chain: &str) -> String {
        format!("{}/{} on {} ({chain})", self.base, self.quote, self.dex)
    }
}

/// A coin's first DEX pool at the threshold: its listing there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DexListing {
    /// The look that first saw it (Unix seconds).
    pub at: i64,
    /// `NIL/WETH on uniswap (ethereum)`.
    pub pair: String,
    /// The price and the liquidity then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_usd: Option<f64>,
    pub liquidity_usd: f64,
}

/// A watched token, as the looks that asked for it saw it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Token {
    /// The latest look that asked for it.
    pub last_seen: i64,
    /// Its deepest pool as the base token at that look; none when it had
    /// none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pool: Option<PoolSeen>,
    /// The threshold in effect at that look.
    pub min_liquidity_usd: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listing: Option<DexListing>,
}

impl crate::sighting::Sighting for Token {
    fn last_seen(&self) -> i64 {
        self.last_seen
    }
    fn counts(&self) -> bool {
        true
    }
    fn confirm(&mut self) {}
}

/// Every watched token the DEX source was asked about, by
/// [`token_key`] (`ethereum:0xabc…`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DexBook {
    pub tokens: BTreeMap<String, Token>,
}

/// One of a coin's tokens and what the looks saw of it.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenView<'a> {
    pub chain: Chain,
    pub token: &'a Token,
}

impl DexBook {
    /// The coin's tokens that a look asked about, in its contracts' order.
    pub fn tokens_of<'a>(&'a self, coin: &Coin) -> Vec<TokenView<'a>> {
        if self.tokens.is_empty() {
            return Vec::new();
        }
        coin.contracts
            .iter()
            .filter_map(|c| {
                Some(TokenView {
                    chain: c.chain,
                    token: self.tokens.get(&c.key())?,
                })
            })
            .collect()
    }

    /// The coin's DEX listing, the earliest of its tokens'. Asked for every
    /// row drawn: it allocates only for a coin with contracts.
    pub fn listing(&self, coin: &Coin) -> Option<&DexListing> {
        if self.tokens.is_empty() {
            return None;
        }
        coin.contracts
            .iter()
            .filter_map(|c| self.tokens.get(&c.key())?.listing.as_ref())
            .min_by_key(|l| l.at)
    }

    /// The coin's price on a DEX now: its deepest pool's, of the tokens
    /// that listed; none unless one did.
    pub fn price(&self, coin: &Coin) -> Option<f64> {
        self.tokens_of(coin)
            .into_iter()
            .filter(|t| t.token.listing.is_some())
            .filter_map(|t| t.token.pool.as_ref())
            .filter(|p| p.price_usd.is_some())
            .max_by(|a, b| {
                let depth = |p: &PoolSeen| p.liquidity_usd.unwrap_or(0.0);
                depth(a).total_cmp(&depth(b))
            })
            .and_then(|p| p.price_usd)
    }
}

/// A watched coin's first DEX pool at the threshold: an event.
#[derive(Debug, Clone, PartialEq)]
pub struct DexListed {
    pub coin: String,
    pub ticker: Option<String>,
    pub market_id: Option<String>,
    pub pair: String,
    pub price_usd: Option<f64>,
    pub liquidity_usd: f64,
    pub at: i64,
    /// The coin traded already (on CoinGecko or an exchange): this says
    /// where it trades now too, not its listing. The watcher knows.
    pub also: bool,
}

impl DexListed {
    /// What the status line, the event log and the outputs say.
    pub fn message(&self) -> String {
        if self.also {
            return format!("{} now also trades on a DEX: {}", self.coin, self.pair);
        }
        let who = text::with_ticker(&self.coin, self.ticker.as_deref());
        let price = self
            .price_usd
            .map_or(String::new(), |p| format!(" at {}", text::price(p)));
        format!(
            "{who} listed on a DEX: {}{price}, {} liquidity",
            self.pair,
            text::money_compact(self.liquidity_usd)
        )
    }
}

/// A token to ask the DEX source about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watched {
    pub chain: Chain,
    pub address: String,
    /// It listed already: its pools change the price shown, not its
    /// status, so it is asked about less often.
    pub listed: bool,
}

/// The contracts to ask about: every watched coin's, each once, by key
/// (see [`token_key`]), in the coins' order, each marked listed as `dex`
/// has it. A listed token of a coin CoinGecko prices (`priced`) is left
/// out: its pools would tell nothing the price does not.
pub fn watched_tokens(
    coins: &[Coin],
    dex: &DexBook,
    priced: impl Fn(&Coin) -> bool,
) -> Vec<Watched> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for c in coins {
        let priced = priced(c);
        for k in &c.contracts {
            let key = k.key();
            let listed = dex.tokens.get(&key).is_some_and(|t| t.listing.is_some());
            if listed && priced {
                continue;
            }
            if seen.insert(key) {
                out.push(Watched {
                    chain: k.chain,
                    address: k.address.clone(),
                    listed,
                });
            }
        }
    }
    out
}

/// Takes in one look at the DEX source, made at `now`: the pools of the
/// tokens `asked` (chain and address), under the liquidity threshold
/// `min_liquidity_usd`; says which watched `coins` listed. A token listed
/// once stays listed; of several pools at the threshold, the one created
/// first is the listing.
pub fn apply_dex_look(
    dex: &mut DexBook,
    asked: &[(Chain, String)],
    pools: &[Pool],
    now: i64,
    min_liquidity_usd: f64,
    coins: &[Coin],
) -> Vec<DexListed> {
    // Each pool under its base token: a pool where a watched token is the
    // quote side is never matched.
    let mut by_token: HashMap<String, Vec<&Pool>> = HashMap::new();
    for p in pools {
        by_token
            .entry(token_key(p.chain, &p.base_address))
            .or_default()
            .push(p);
    }
    let mut listed = HashSet::new();
    for (chain, address) in asked {
        let key = token_key(*chain, address);
        let found = by_token
            .get(&key)
            .map(|ps| ps.as_slice())
            .unwrap_or_default();
        let depth = |p: &&Pool| p.liquidity_usd.unwrap_or(0.0);
        let deepest = found.iter().max_by(|a, b| depth(a).total_cmp(&depth(b)));
        // The first created of the pools at the threshold (in the answer's
        // order where the times are equal or missing).
        let first = found
            .iter()
            .filter(|p| p.liquidity_usd.is_some_and(|l| l >= min_liquidity_usd))
            .min_by_key(|p| p.created_at.unwrap_or(i64::MAX));
        let token = dex.tokens.entry(key.clone()).or_insert(Token {
            last_seen: now,
            pool: None,
            min_liquidity_usd,
            listing: None,
        });
        token.last_seen = now;
        token.min_liquidity_usd = min_liquidity_usd;
        token.pool = deepest.map(|p| PoolSeen::of(p));
        if token.listing.is_none()
            && let Some(p) = first
        {
            token.listing = Some(DexListing {
                at: now,
                pair: PoolSeen::of(p).pair(chain.key()),
                price_usd: p.price_usd,
                liquidity_usd: p.liquidity_usd.unwrap_or(0.0),
            });
            listed.insert(key);
        }
    }
    prune(dex, now);
    if listed.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for c in coins {
        // A coin once, however many of its tokens listed at this look.
        let Some(listing) = c
            .contracts
            .iter()
            .map(|k| k.key())
            .find(|k| listed.contains(k))
            .and_then(|k| dex.tokens.get(&k)?.listing.clone())
        else {
            continue;
        };
        out.push(DexListed {
            coin: text::clean(&c.name).into_owned(),
            ticker: c
                .ticker
                .as_deref()
                .map(|t| text::clean(t.trim()).into_owned())
                .filter(|t| !t.is_empty()),
            market_id: c.market_id.as_deref().map(String::from),
            pair: listing.pair,
            price_usd: listing.price_usd,
            liquidity_usd: listing.liquidity_usd,
            at: now,
            also: false,
        });
    }
    out
}

/// Drops tokens not asked about for [`GONE_FOR`], then, past
/// [`MAX_TOKENS`], those asked longest ago.
pub fn prune(dex: &mut DexBook, now: i64) {
    crate::sighting::prune(&mut dex.tokens, now, GONE_FOR, MAX_TOKENS);
}

/// Both instances' DEX books in one: each token as the later look saw it,
/// listed at the earlier of the two listings.
pub fn merge(ours: &DexBook, theirs: &DexBook) -> DexBook {
    let mut out = ours.clone();
    for (key, t) in &theirs.tokens {
        let Some(o) = out.tokens.get_mut(key) else {
            out.tokens.insert(key.clone(), t.clone());
            continue;
        };
        let listing = match (&o.listing, &t.listing) {
            (Some(a), Some(b)) if b.at < a.at => Some(b.clone()),
            (Some(a), _) => Some(a.clone()),
            (None, b) => b.clone(),
        };
        if t.last_seen > o.last_seen {
            *o = t.clone();
        }
        o.listing = listing;
    }
    if let Some(latest) = out.tokens.values().map(|t| t.last_seen).max() {
        prune(&mut out, latest);
    }
    out
}

#[cfg(test)]
mod tests;
