//! The first DEX pool through the real loops: `prelist check` and `prelist
//! watch` against a loopback DexScreener and CoinGecko.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use common::{PriceApi, recording_config, told};
use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, ResponseTemplate};

const NIL: &str = "0x7cf9a80db3b29ee8efe3710aadb7b95270572d47";
const PRCL: &str = "4LLbsb5ReP3yEtYzmXewyGjcir5uXtKFURtaEUVC2AHs";

/// A pool in DexScreener's shape.
fn pool(chain: &str, base: &str, symbol: &str, quote: &str, liquidity: f64) -> Value {
    json!({
        "chainId": chain, "dexId": "uniswap", "url": "https://example.invalid/p",
        "pairAddress": format!("0xpool{symbol}{liquidity}"),
        "labels": ["v3"],
        "baseToken": {"address": base, "name": symbol, "symbol": symbol},
        "quoteToken": {"address": "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2", "name": "Wrapped Ether", "symbol": quote},
        "priceNative": "0.0002", "priceUsd": "0.61",
        "txns": {"h24": {"buys": 10, "sells": 3}},
        "volume": {"h24": 1234.5},
        "liquidity": {"usd": liquidity, "base": 1000, "quote": 2},
        "fdv": 610000000, "marketCap": 0,
        "pairCreatedAt": 1764900000000u64
    })
}

/// Answers `GET /tokens/v1/{chain}/…` with `pools`.
fn tokens(chain: &str, pools: Vec<Value>) -> Mock {
    Mock::given(method("GET"))
        .and(wiremock::matchers::path_regex(format!(
            "^/tokens/v1/{chain}/"
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(Value::Array(pools)))
}

/// A watchlist of Nillion (an Ethereum token) and Parcl (a Solana one,
/// priced by CoinGecko already).
fn watchlist(dir: &Path) -> PathBuf {
    let file = dir.join("watchlist.json");
    let coins = json!({"version": 1, "coins": [
        {"rank": 1, "name": "Nillion", "ticker": "NIL", "market_id": "nillion",
         "airdrop": "confirmed",
         "contracts": [{"chain": "ethereum", "address": NIL.to_uppercase().replacen("0X", "0x", 1)}]},
        {"rank": 2, "name": "Parcl", "ticker": "PRCL", "market_id": "parcl", "airdrop": "confirmed",
         "contracts": [{"chain": "solana", "address": PRCL}]}
    ]});
    std::fs::write(&file, coins.to_string()).unwrap();
    file
}

/// A config that records every event told and points the DEX source at
/// `api`.
fn config(dir: &Path, api: &PriceApi, extra: &str) -> PathBuf {
    let config = recording_config(dir, "");
    let base = api.url().trim_end_matches("/api/v3").to_string();
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!(
            "[sources]\ndex = [\"dexscreener\"]\ndex_interval = 30\n{extra}\
             [sources.url]\ndexscreener = \"{base}\"\n{text}"
        ),
    )
    .unwrap();
    config
}

fn check(home: &Path, api: &PriceApi, config: &Path, list: &Path) -> Output {
    common::command(home)
        .env_remove("PRELIST_DEX")
        .env("PRELIST_CONFIG", config)
        .env("PRELIST_DATA_DIR", home.join("data"))
        .args(["--watchlist"])
        .arg(list)
        .args(["check", "--json", "--api-url", &api.url()])
        .output()
        .unwrap()
}

fn coin<'a>(coins: &'a [Value], name: &str) -> &'a Value {
    coins.iter().find(|c| c["name"] == name).unwrap()
}

#[test]
fn a_shallow_pool_or_one_on_the_quote_side_is_no_listing_then_a_deep_one_is() {
    // CoinGecko prices Parcl, not Nillion.
    let api = PriceApi::start(json!({"parcl": {"usd": 0.2}}));
    // Nillion: a $2,300 pool, and one where NIL is the quote side.
    api.also(tokens(
        "ethereum",
        vec![
            pool("ethereum", NIL, "NIL", "WETH", 2300.0),
            pool(
                "ethereum",
                "0x3073f7aaa4db83f95e9fff17424f71d4751a3073",
                "MOVE",
                "NIL",
                5e6,
            ),
        ],
    ));
    // Parcl: a deep pool, but another chain's answer for its address in
    // another case is someone else's token.
    api.also(tokens(
        "solana",
        vec![pool("solana", &PRCL.to_lowercase(), "PRCL", "SOL", 5e6)],
    ));
    let home = tempfile::tempdir().unwrap();
    let list = watchlist(home.path());
    let config = config(home.path(), &api, "");
    let out = check(home.path(), &api, &config, &list);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let coins: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(coin(&coins, "Nillion")["status"], "upcoming");
    assert_eq!(coin(&coins, "Parcl")["status"], "trading");
    assert!(
        told(home.path())
            .iter()
            .all(|e| e["source"] != "dexscreener"),
        "{:?}",
        told(home.path())
    );
    // One request per chain, each naming its tokens.
    let asked: Vec<String> = api
        .requests()
        .iter()
        .map(|r| r.url.path().to_string())
        .filter(|p| p.starts_with("/tokens/"))
        .collect();
    assert_eq!(asked.len(), 2, "{asked:?}");
    assert!(
        asked
            .iter()
            .any(|p| p.eq_ignore_ascii_case(&format!("/tokens/v1/ethereum/{NIL}")))
    );
    assert!(
        asked.contains(&format!("/tokens/v1/solana/{PRCL}")),
        "{asked:?}"
    );

    // Now a deep pool for each, under a differently cased address.
    api.answer(json!({"parcl": {"usd": 0.2}}));
    api.also(tokens(
        "ethereum",
        vec![pool(
            "ethereum",
            &NIL.to_uppercase().replacen("0X", "0x", 1),
            "NIL",
            "WETH",
            25_000.0,
        )],
    ));
    api.also(tokens(
        "solana",
        vec![pool("solana", PRCL, "PRCL", "SOL", 5e6)],
    ));
    let out = check(home.path(), &api, &config, &list);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let coins: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let nil = coin(&coins, "Nillion");
    assert_eq!(nil["status"], "trading");
    let on_dex: Vec<&Value> = nil["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["exchange"] == "dexscreener")
        .collect();
    assert_eq!(on_dex.len(), 1, "{nil}");
    assert_eq!(on_dex[0]["pair"], "NIL/WETH on uniswap (ethereum)");
    assert_eq!(on_dex[0]["status"], "trading");
    assert!(nil["listed_at"].is_string(), "{nil}");

    let events: Vec<Value> = told(home.path())
        .into_iter()
        .filter(|e| e["source"] == "dexscreener")
        .collect();
    assert_eq!(events.len(), 2, "{events:?}");
    let listed = events.iter().find(|e| e["coin"] == "Nillion").unwrap();
    assert_eq!(listed["event"], "listed");
    assert_eq!(listed["ticker"], "NIL");
    assert_eq!(listed["price_usd"], 0.61);
    assert_eq!(
        listed["message"],
        "Nillion (NIL) listed on a DEX: NIL/WETH on uniswap (ethereum) at $0.61, $25.0K liquidity"
    );
    // Parcl traded already: where it trades now too.
    let also = events.iter().find(|e| e["coin"] == "Parcl").unwrap();
    assert_eq!(also["event"], "venue");
    assert_eq!(also["venue"], "dexscreener");
    assert_eq!(
        also["message"],
        "Parcl now also trades on a DEX: PRCL/SOL on uniswap (solana)"
    );

    // A third look tells nothing again.
    let out = check(home.path(), &api, &config, &list);
    assert!(out.status.success());
    let dex_events = told(home.path())
        .iter()
        .filter(|e| e["source"] == "dexscreener")
        .count();
    assert_eq!(dex_events, 2, "each told once");
}

#[test]
fn a_failing_dex_source_is_named_and_the_rest_still_printed() {
    let api = PriceApi::start(json!({}));
    api.also(
        Mock::given(method("GET"))
            .and(wiremock::matchers::path_regex("^/tokens/v1/"))
            .respond_with(ResponseTemplate::new(200).set_body_string("{\"pairs\": \u{1b}[2J")),
    );
    let home = tempfile::tempdir().unwrap();
    let list = watchlist(home.path());
    let config = config(home.path(), &api, "");
    let out = check(home.path(), &api, &config, &list);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("check failed on DexScreener: bad answer from the API: DexScreener's answer is not a list of pairs"),
        "{stderr}"
    );
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
    let coins: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(coins.len(), 2);
}

#[test]
fn watch_tells_a_first_pool_once_through_its_loop() {
    let api = PriceApi::start(json!({}));
    api.also(tokens(
        "ethereum",
        vec![pool("ethereum", NIL, "NIL", "WETH", 80_000.0)],
    ));
    api.also(tokens("solana", vec![]));
    let home = tempfile::tempdir().unwrap();
    let list = watchlist(home.path());
    let data = home.path().join("data");
    // A threshold above the pool first: shown, not a listing.
    let config = config(home.path(), &api, "dex_min_liquidity_usd = 100000\n");
    let spawn = |config: &Path| {
        common::command(home.path())
            .env_remove("PRELIST_DEX")
            .env("PRELIST_CONFIG", config)
            .env("PRELIST_DATA_DIR", &data)
            .args(["--watchlist"])
            .arg(&list)
            .args(["watch", "--json", "--api-url", &api.url()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let stop = |mut child: std::process::Child| {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        assert!(child.wait().unwrap().success());
    };
    let mut child = spawn(&config);
    // Its first look, then a second: the state holds the pool below the
    // threshold, and nothing was told.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let looks = api
            .requests()
            .iter()
            .filter(|r| r.url.path().starts_with("/tokens/v1/ethereum/"))
            .count();
        if looks >= 1 && common::stored(&data).book.dex.tokens.len() == 2 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no look");
        std::thread::sleep(Duration::from_millis(200));
    }
    let _ = child.stdout.take();
    stop(child);
    assert!(told(home.path()).is_empty(), "{:?}", told(home.path()));

    // The threshold the pool reaches: told once, at the first look.
    let config = self::config(home.path(), &api, "");
    let mut child = spawn(&config);
    let lines = common::lines_of(child.stdout.take().unwrap());
    let line = lines
        .recv_timeout(Duration::from_secs(60))
        .expect("the listing");
    let event: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(event["event"], "listed", "{event}");
    assert_eq!(event["source"], "dexscreener");
    assert_eq!(event["coin"], "Nillion");
    stop(child);
    let kinds: Vec<_> = told(home.path())
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["listed"], "told once");
}
