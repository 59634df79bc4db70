//! DexScreener as a source: `GET /tokens/v1/{chain}/{address,address,…}`
//! answers the pools of up to [`PER_REQUEST`] tokens of one chain, a list
//! of `{"chainId", "dexId", "pairAddress", "baseToken": {"address",
//! "symbol"}, "quoteToken": {"symbol"}, "priceUsd": "0.61", "liquidity":
//! {"usd": 25000}, "pairCreatedAt": 1733000000000}`. What a look means for
//! the coins is the domain's ([`crate::dex`]).
//!
//! One request per chain per look, whatever the watchlist: a chain with
//! more tokens than one request holds is asked about them in turns, the
//! next batch at the next look. A token that listed already is asked about
//! at most every [`LISTED_EVERY`], in the room the others leave: its
//! answer is its dozens of pools, where an unlisted token's is a few bytes.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use reqwest::header::HeaderMap;
use reqwest::{StatusCode, Url};
use serde::Deserialize;

use crate::dex::{Pool, Watched};
use crate::market::MarketError;
use crate::market::http::{self, get_capped};
use crate::model::Chain;
use crate::model::token_key;
use crate::sources::answer::{Entry, Scalar, decode_or};
use crate::sources::client::{CONNECT_TIMEOUT, REQUEST_TIMEOUT, check_base, list_url};
use crate::types::Usd;

pub use crate::dex::{NAME, SOURCE};

/// The public base URL (`[sources.url] dexscreener` may replace it).
pub const DEFAULT_URL: &str = "https://api.dexscreener.com";

/// The most addresses one request may name.
pub const PER_REQUEST: usize = 30;

/// How often a token that listed already is asked about: for its price.
pub const LISTED_EVERY: Duration = Duration::from_secs(15 * 60);

/// About 30 pools of about 1.5 kB for each of 30 tokens: 1.4 MB at the
/// very most. 8 MiB leaves room.
pub const MAX_BODY: usize = 8 * 1024 * 1024;

/// The shortest time between two looks (`dex_interval`).
pub const MIN_INTERVAL: Duration = Duration::from_secs(30);
/// The time between two looks unless the config sets it.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(60);
/// The liquidity a pool needs to be a listing unless the config sets it.
pub const DEFAULT_MIN_LIQUIDITY_USD: u64 = 10_000;
/// The largest liquidity any pool holds: more is not a real figure.
pub const MAX_LIQUIDITY_USD: f64 = 1e12;

const RATE_LIMITS: &[StatusCode] = &[StatusCode::TOO_MANY_REQUESTS];

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawPair {
    chain_id: Scalar,
    dex_id: Scalar,
    pair_address: Scalar,
    base_token: Entry<RawToken>,
    quote_token: Entry<RawToken>,
    price_usd: Scalar,
    liquidity: Entry<RawLiquidity>,
    pair_created_at: Scalar,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawToken {
    address: Scalar,
    symbol: Scalar,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawLiquidity {
    usd: Scalar,
}

fn malformed(what: &str) -> MarketError {
    MarketError::Malformed(format!("{NAME}'s answer {what}"))
}

/// A number field: a number, or a string of one.
fn number(field: &Scalar) -> Option<f64> {
    match field {
        Scalar::Str(s) => s.trim().parse().ok(),
        Scalar::Int(n) => Some(*n as f64),
        Scalar::Float(f) => Some(*f),
        _ => None,
    }
}

/// A short text field, cleaned of control characters; none when empty or
/// longer than any real name or address.
fn short(field: &Scalar) -> Option<String> {
    let s = crate::text::clean(field.str()?.trim()).into_owned();
    (!s.is_empty() && s.chars().count() <= 64).then_some(s)
}

/// The pools of an answer on `chain`. A pool of another chain, or without
/// a base token address, is left out alone; a price or a liquidity that is
/// not a real figure is left unknown.
pub fn parse_pools(body: &[u8], chain: Chain) -> Result<Vec<Pool>, MarketError> {
    let pairs: Vec<Entry<RawPair>> = decode_or(body, "a list of pairs", malformed)?;
    Ok(pairs
        .into_iter()
        .filter_map(|e| e.0)
        .filter(|p| p.chain_id.is(chain.key()))
        .filter_map(|p| {
            let base = p.base_token.0?;
            let quote = p.quote_token.0;
            Some(Pool {
                chain,
                dex: short(&p.dex_id).unwrap_or_else(|| "a DEX".into()),
                pair_address: short(&p.pair_address)?,
                base_address: short(&base.address)?,
                base_symbol: short(&base.symbol).unwrap_or_else(|| "?".into()),
                quote_symbol: quote
                    .and_then(|q| short(&q.symbol))
                    .unwrap_or_else(|| "?".into()),
                price_usd: number(&p.price_usd).and_then(Usd::new).map(Usd::get),
                liquidity_usd: p
                    .liquidity
                    .0
                    .and_then(|l| number(&l.usd))
                    .filter(|l| l.is_finite() && (0.0..=MAX_LIQUIDITY_USD).contains(l)),
                created_at: p
                    .pair_created_at
                    .int()
                    .filter(|ms| *ms > 0)
                    .map(|ms| ms / 1000),
            })
        })
        .collect())
}

/// One look's answer: the tokens asked about, and their pools.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DexAnswer {
    pub asked: Vec<(Chain, String)>,
    pub pools: Vec<Pool>,
}

/// One look's outcome, and when the next goes.
#[derive(Debug, Clone, PartialEq)]
pub struct DexLook {
    pub result: Result<DexAnswer, MarketError>,
    pub next_in: Duration,
}

/// The DEX source, over HTTP: the exchanges' client's care (rustls,
/// timeouts, no redirects, a body cap), and the watched tokens, which the
/// watchlist sets.
#[derive(Debug)]
pub struct DexClient {
    client: reqwest::Client,
    base: Url,
    tokens: Mutex<Vec<Watched>>,
    /// Per chain, where the next batch of unlisted tokens starts.
    turn: Mutex<HashMap<Chain, usize>>,
    /// When each listed token was last answered for, by key.
    answered: Mutex<HashMap<String, Instant>>,
}

impl DexClient {
    /// A client under `base_url` (its default, a mirror or a test server:
    /// https, or plain http to this machine only). Sends nothing.
    pub fn new(base_url: &str) -> Result<DexClient, MarketError> {
        let base = check_base(base_url)
            .map_err(|reason| MarketError::BadUrl(format!("{NAME}: {reason}")))?;
        Ok(DexClient {
            client: http::client(CONNECT_TIMEOUT, REQUEST_TIMEOUT, HeaderMap::new())?,
            base,
            tokens: Mutex::new(Vec::new()),
            turn: Mutex::new(HashMap::new()),
            answered: Mutex::new(HashMap::new()),
        })
    }

    /// The tokens to ask about from the next look on (see
    /// [`crate::dex::watched_tokens`]).
    pub fn set_tokens(&self, tokens: Vec<Watched>) {
        // A token no coin has any more is forgotten, its turn with it.
        if let Ok(mut answered) = self.answered.lock() {
            let keys: std::collections::HashSet<String> = tokens
                .iter()
                .map(|t| token_key(t.chain, &t.address))
                .collect();
            answered.retain(|k, _| keys.contains(k));
        }
        if let Ok(mut t) = self.tokens.lock() {
            *t = tokens;
        }
    }

    /// The watched tokens by chain: the unlisted, and the listed.
    fn by_chain(&self) -> BTreeMap<Chain, (Vec<String>, Vec<String>)> {
        let tokens = self.tokens.lock().map(|t| t.clone()).unwrap_or_default();
        let mut by_chain: BTreeMap<Chain, (Vec<String>, Vec<String>)> = BTreeMap::new();
        for t in tokens {
            let (unlisted, listed) = by_chain.entry(t.chain).or_default();
            if t.listed {
                listed.push(t.address);
            } else {
                unlisted.push(t.address);
            }
        }
        by_chain
    }

    /// Each chain's batch for this look: the unlisted tokens in turns, then,
    /// in the room left, the listed ones not answered for within
    /// [`LISTED_EVERY`], longest first.
    fn batches(&self) -> BTreeMap<Chain, Vec<String>> {
        let by_chain = self.by_chain();
        let (Ok(mut turn), Ok(answered)) = (self.turn.lock(), self.answered.lock()) else {
            return BTreeMap::new();
        };
        let mut out = BTreeMap::new();
        for (chain, (unlisted, listed)) in by_chain {
            let start = turn.get(&chain).copied().unwrap_or(0);
            let start = if start >= unlisted.len() { 0 } else { start };
            let mut batch: Vec<String> = unlisted
                .iter()
                .skip(start)
                .take(PER_REQUEST)
                .cloned()
                .collect();
            turn.insert(chain, start + batch.len());
            let mut due: Vec<(Option<Instant>, &String)> = listed
                .iter()
                .map(|a| (answered.get(&token_key(chain, a)).copied(), a))
                .filter(|(at, _)| at.is_none_or(|at| at.elapsed() >= LISTED_EVERY))
                .collect();
            due.sort();
            let room = PER_REQUEST - batch.len();
            batch.extend(due.into_iter().take(room).map(|(_, a)| a.clone()));
            if !batch.is_empty() {
                out.insert(chain, batch);
            }
        }
        out
    }

    /// One look: a request per chain with watched tokens, none without.
    pub async fn look(&self) -> Result<DexAnswer, MarketError> {
        let mut out = DexAnswer::default();
        for (chain, batch) in self.batches() {
            self.ask(chain, batch, &mut out).await?;
        }
        Ok(out)
    }

    /// Every watched token at once, [`PER_REQUEST`] a request: `prelist
    /// check`'s one look, which has no next one to take turns with.
    pub async fn look_all(&self) -> Result<DexAnswer, MarketError> {
        let mut out = DexAnswer::default();
        for (chain, (mut all, listed)) in self.by_chain() {
            all.extend(listed);
            for batch in all.chunks(PER_REQUEST) {
                self.ask(chain, batch.to_vec(), &mut out).await?;
            }
        }
        Ok(out)
    }

    /// Asks about `batch` on `chain`, adding the answer to `out`.
    async fn ask(
        &self,
        chain: Chain,
        batch: Vec<String>,
        out: &mut DexAnswer,
    ) -> Result<(), MarketError> {
        // Addresses are checked when a coin is (hex or base58): they go in
        // the path as they are.
        let path = format!("/tokens/v1/{}/{}", chain.key(), batch.join(","));
        let body = get_capped(
            &self.client,
            list_url(&self.base, &path),
            MAX_BODY,
            RATE_LIMITS,
        )
        .await?;
        out.pools.extend(parse_pools(&body, chain)?);
        if let Ok(mut answered) = self.answered.lock() {
            let now = Instant::now();
            for a in &batch {
                answered.insert(token_key(chain, a), now);
            }
        }
        out.asked.extend(batch.into_iter().map(|a| (chain, a)));
        Ok(())
    }
}

/// Looks at the DEX source at once and then every `interval`, with the
/// exchanges' backoff and rate-limit waits, handing each look to `send`.
pub async fn run(
    client: std::sync::Arc<DexClient>,
    interval: Duration,
    mut send: impl FnMut(DexLook) -> bool + Send,
) {
    crate::sources::watch::every(
        interval,
        || client.look(),
        |result, next_in| send(DexLook { result, next_in }),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    const NIL: &str = "0x7Cf9a80db3B29eE8EfE3710AAdB7B95270572D47";

    fn pair(extra: &str) -> String {
        format!(
            r#"{{"chainId": "ethereum", "dexId": "uniswap", "pairAddress": "0xpool",
            "baseToken": {{"address": "{NIL}", "name": "Nillion", "symbol": "NIL"}},
            "quoteToken": {{"address": "0xc02a", "symbol": "WETH"}},
            "priceNative": "0.0002", "priceUsd": "0.61", "liquidity": {{"usd": 25000.5, "base": 1, "quote": 2}},
            "fdv": 1, "pairCreatedAt": 1733000000000, "info": {{"websites": []}}{extra}}}"#
        )
    }

    #[test]
    fn reads_a_pool_in_the_real_shape() {
        let body = format!("[{}]", pair(""));
        let pools = parse_pools(body.as_bytes(), Chain::Ethereum).unwrap();
        assert_eq!(
            pools,
            [Pool {
                chain: Chain::Ethereum,
                dex: "uniswap".into(),
                pair_address: "0xpool".into(),
                base_address: NIL.into(),
                base_symbol: "NIL".into(),
                quote_symbol: "WETH".into(),
                price_usd: Some(0.61),
                liquidity_usd: Some(25000.5),
                created_at: Some(1_733_000_000),
            }]
        );
    }

    #[test]
    fn figures_that_are_not_real_are_unknown_and_the_pool_stays() {
        for (price, liquidity) in [
            (r#""0""#, "-1"),
            (r#""NaN""#, r#""lots""#),
            (r#""1e308""#, "1e308"),
            ("[1]", "{}"),
            (r#""""#, "null"),
        ] {
            let body = format!(
                "[{}]",
                pair("").replace(r#""0.61""#, price).replace(
                    r#"{"usd": 25000.5, "base": 1, "quote": 2}"#,
                    &format!(r#"{{"usd": {liquidity}}}"#),
                )
            );
            let pools = parse_pools(body.as_bytes(), Chain::Ethereum).unwrap();
            assert_eq!(pools.len(), 1, "{price} {liquidity}");
            assert_eq!(pools[0].price_usd, None, "{price}");
            assert_eq!(pools[0].liquidity_usd, None, "{liquidity}");
        }
    }

    #[test]
    fn a_pool_of_another_chain_or_without_a_base_address_is_left_out() {
        let other = pair("").replace(r#""chainId": "ethereum""#, r#""chainId": "bsc""#);
        let no_base = pair("").replace(&format!(r#""address": "{NIL}", "#), "");
        let body = format!("[{other}, {no_base}, 7, \"x\", null, {}]", pair(""));
        let pools = parse_pools(body.as_bytes(), Chain::Ethereum).unwrap();
        assert_eq!(pools.len(), 1);
    }

    #[test]
    fn other_shapes_are_refused_naming_the_source() {
        for body in [&b"{}"[..], b"not json", b"[1, 2", b"", b"{\"pairs\": []}"] {
            let e = parse_pools(body, Chain::Ethereum).unwrap_err().to_string();
            assert!(e.contains("DexScreener's answer"), "{e}");
        }
        assert_eq!(parse_pools(b"[]", Chain::Ethereum).unwrap(), []);
    }

    #[test]
    fn escape_sequences_in_names_are_cleaned() {
        let body = format!("[{}]", pair("").replace("uniswap", "uni\\u001b[2Jswap"));
        let pools = parse_pools(body.as_bytes(), Chain::Ethereum).unwrap();
        assert!(!pools[0].dex.chars().any(char::is_control));
    }

    #[test]
    fn a_hundred_thousand_pools_are_read() {
        let one = pair("");
        let body = format!("[{}]", vec![one.as_str(); 100_000].join(","));
        assert_eq!(
            parse_pools(body.as_bytes(), Chain::Ethereum).unwrap().len(),
            100_000
        );
    }

    #[test]
    fn a_chain_with_more_tokens_than_a_request_holds_is_asked_in_turns() {
        let client = DexClient::new("http://127.0.0.1:9").unwrap();
        let watched = |chain, address: String| Watched {
            chain,
            address,
            listed: false,
        };
        let tokens: Vec<Watched> = (0..70)
            .map(|i| watched(Chain::Ethereum, format!("0x{i:040x}")))
            .chain([watched(
                Chain::Solana,
                "So11111111111111111111111111111111111111112".into(),
            )])
            .collect();
        client.set_tokens(tokens);
        let sizes = |b: BTreeMap<Chain, Vec<String>>| -> Vec<(Chain, usize)> {
            b.into_iter().map(|(c, v)| (c, v.len())).collect()
        };
        assert_eq!(
            sizes(client.batches()),
            [(Chain::Ethereum, 30), (Chain::Solana, 1)]
        );
        assert_eq!(sizes(client.batches())[0], (Chain::Ethereum, 30));
        assert_eq!(sizes(client.batches())[0], (Chain::Ethereum, 10));
        let again = client.batches();
        assert_eq!(again[&Chain::Ethereum][0], format!("0x{:040x}", 0));
    }

    #[test]
    fn a_listed_token_is_asked_about_in_the_room_left_and_then_not_for_a_while() {
        let client = DexClient::new("http://127.0.0.1:9").unwrap();
        let tokens: Vec<Watched> = (0..35)
            .map(|i| Watched {
                chain: Chain::Base,
                address: format!("0x{i:040x}"),
                listed: i >= 25,
            })
            .collect();
        client.set_tokens(tokens);
        let mut seen_listed = std::collections::HashSet::new();
        for _ in 0..2 {
            let batch = client.batches().remove(&Chain::Base).unwrap();
            assert_eq!(batch.len(), 30);
            // As a look that was answered notes them.
            let now = Instant::now();
            for a in &batch[25..] {
                assert!(seen_listed.insert(a.clone()), "{a} asked twice");
                client
                    .answered
                    .lock()
                    .unwrap()
                    .insert(token_key(Chain::Base, a), now);
            }
        }
        assert_eq!(seen_listed.len(), 10);
        // Every listed one was answered just now: the unlisted alone.
        assert_eq!(client.batches()[&Chain::Base].len(), 25);
    }

    proptest::proptest! {
        #[test]
        fn garbage_never_panics(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let _ = parse_pools(&body, Chain::Ethereum);
        }

        #[test]
        fn any_figure_is_real_or_unknown(px in ".{0,12}", liq in proptest::prelude::any::<f64>()) {
            let body = format!(
                "[{}]",
                pair("").replace(r#""0.61""#, &serde_json::to_string(&px).unwrap())
                    .replace("25000.5", &format!("{liq:?}"))
            );
            if let Ok(pools) = parse_pools(body.as_bytes(), Chain::Ethereum) {
                for p in pools {
                    proptest::prop_assert!(p.price_usd.is_none_or(crate::types::is_price));
                    proptest::prop_assert!(p.liquidity_usd.is_none_or(|l| l.is_finite() && l >= 0.0));
                }
            }
        }
    }
}
