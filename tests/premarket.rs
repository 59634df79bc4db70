//! Pre-market prices through the real loop: `prelist watch` against a
//! loopback Hyperliquid and CoinGecko.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use std::process::Stdio;
use std::time::Duration;

use common::{PriceApi, recording_config, told};
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, ResponseTemplate};

/// Hyperliquid's `meta` answer with these perps, and its `allMids` with
/// their prices.
fn hyperliquid(perps: &[(&str, &str)]) -> [Mock; 2] {
    let names: Vec<_> = perps
        .iter()
        .map(|(n, _)| serde_json::json!({"name": n, "szDecimals": 2, "maxLeverage": 5}))
        .collect();
    let mut mids: serde_json::Map<String, serde_json::Value> = perps
        .iter()
        .map(|(n, px)| (n.to_string(), serde_json::json!(px)))
        .collect();
    mids.insert("@107".into(), serde_json::json!("31.2"));
    let info = |kind: &str, body: serde_json::Value| {
        Mock::given(method("POST"))
            .and(path("/info"))
            .and(body_json(serde_json::json!({"type": kind})))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
    };
    [
        info(
            "meta",
            serde_json::json!({"universe": names, "marginTables": []}),
        ),
        info("allMids", serde_json::Value::Object(mids)),
    ]
}

#[test]
fn a_perp_that_appears_makes_a_coin_premarket_told_once_then_its_listing_is_compared() {
    // CoinGecko does not price Nillion yet.
    let api = PriceApi::start(serde_json::json!({}));
    // The first look at Hyperliquid: old coins only. Then Nillion's perp.
    for mock in hyperliquid(&[("BTC", "97000")]) {
        api.also(mock.up_to_n_times(1).with_priority(1));
    }
    for mock in hyperliquid(&[("BTC", "97000"), ("NIL", "0.55")]) {
        api.also(mock);
    }
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data-dir");
    let config = recording_config(home.path(), "");
    let base = api.url().trim_end_matches("/api/v3").to_string();
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!(
            "[sources]\npremarket = [\"hyperliquid\"]\npremarket_interval = 30\n\
             [sources.url]\nhyperliquid = \"{base}\"\n{text}"
        ),
    )
    .unwrap();
    let mut child = common::command(home.path())
        .args(["watch", "--json", "--api-url", &api.url(), "--data-dir"])
        .arg(&data)
        .env("PRELIST_CONFIG", &config)
        // The file's list, not the hermetic none.
        .env_remove("PRELIST_PREMARKET")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = common::lines_of(child.stdout.take().unwrap());
    let next = |what: &str| -> serde_json::Value {
        let line = lines
            .recv_timeout(Duration::from_secs(90))
            .unwrap_or_else(|_| panic!("{what}"));
        serde_json::from_str(&line).unwrap()
    };
    let event = next("the premarket event");
    assert_eq!(event["event"], "premarket", "{event}");
    assert_eq!(event["coin"], "Nillion");
    assert_eq!(event["ticker"], "NIL");
    assert_eq!(event["venue"], "hyperliquid");
    assert_eq!(event["source"], "hyperliquid");
    assert_eq!(event["price_usd"], 0.55);
    assert_eq!(
        event["message"],
        "Nillion trades before its listing: $0.55 on Hyperliquid (NIL perp)"
    );

    // Spot lists it: CoinGecko prices it.
    api.answer(serde_json::json!({"nillion": {"usd": 0.6132}}));
    for mock in hyperliquid(&[("BTC", "97000"), ("NIL", "0.55")]) {
        api.also(mock);
    }
    let event = next("the listing");
    assert_eq!(event["event"], "listed", "{event}");
    assert_eq!(event["coin"], "Nillion");

    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    assert!(child.wait().unwrap().success());
    let kinds: Vec<_> = told(home.path())
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["premarket", "listed"], "each told once");

    let out = common::command(home.path())
        .args(["list", "--json", "--data-dir"])
        .arg(&data)
        .env("PRELIST_CONFIG", &config)
        .output()
        .unwrap();
    assert!(out.status.success());
    let coins: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let nil = coins.iter().find(|c| c["name"] == "Nillion").unwrap();
    assert_eq!(nil["status"], "trading");
    assert_eq!(
        nil["premarket_price_usd"], 0.55,
        "the last before the listing"
    );
    let pct = nil["listed_vs_premarket_pct"].as_f64().unwrap();
    assert!((pct - (0.6132 / 0.55 - 1.0) * 100.0).abs() < 1e-9, "{pct}");
    let quotes = nil["premarket"].as_array().unwrap();
    assert_eq!(quotes.len(), 1);
    assert_eq!(quotes[0]["venue"], "hyperliquid");
    assert_eq!(quotes[0]["instrument"], "NIL perp");
    assert_eq!(quotes[0]["ambiguous"], false);
}

#[test]
fn check_prints_a_premarket_coin_and_names_a_failing_venue() {
    use wiremock::matchers::query_param;
    let api = PriceApi::start(serde_json::json!({}));
    api.also(
        Mock::given(method("GET"))
            .and(path("/v5/market/instruments-info"))
            .and(query_param("status", "PreLaunch"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "retCode": 0, "retMsg": "OK", "result": {"category": "linear", "list": [
                    {"symbol": "NILUSDT", "status": "PreLaunch", "baseCoin": "NIL",
                     "quoteCoin": "USDT", "isPreListing": true,
                     "preListingInfo": {"curAuctionPhase": "CallAuction", "phases": []}}
                ]}
            }))),
    );
    api.also(
        Mock::given(method("GET"))
            .and(path("/v5/market/tickers"))
            .and(query_param("symbol", "NILUSDT"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "retCode": 0, "result": {"list": [
                    {"symbol": "NILUSDT", "lastPrice": "0", "preOpenPrice": "0.58"}
                ]}
            }))),
    );
    api.also(
        Mock::given(method("POST"))
            .and(path("/info"))
            .respond_with(ResponseTemplate::new(500)),
    );
    let base = api.url().trim_end_matches("/api/v3").to_string();
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[sources]\nexchanges = []\npremarket = [\"hyperliquid\", \"bybit\"]\n\
             [sources.url]\nhyperliquid = \"{base}\"\nbybit = \"{base}\"\n"
        ),
    )
    .unwrap();
    let out = common::command(home.path())
        .env_remove("PRELIST_PREMARKET")
        .env("PRELIST_CONFIG", &config)
        .env("PRELIST_DATA_DIR", home.path().join("data"))
        .args(["check", "--json", "--api-url", &api.url()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "a source failed: {stderr}");
    assert!(
        stderr.contains("check failed on Hyperliquid (pre-market): the API answered HTTP 500"),
        "{stderr}"
    );
    let coins: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(coins.len(), 14, "every coin is printed");
    let nil = coins.iter().find(|c| c["ticker"] == "NIL").unwrap();
    assert_eq!(nil["status"], "premarket");
    assert_eq!(nil["premarket_price_usd"], 0.58, "the auction's price");
    assert_eq!(nil["premarket"][0]["phase"], "CallAuction");
    assert_eq!(nil["premarket"][0]["instrument"], "NILUSDT");
    assert!(nil["listed_vs_premarket_pct"].is_null());

    // `list --status premarket` reads it from the database.
    let out = common::command(home.path())
        .env("PRELIST_CONFIG", &config)
        .env("PRELIST_DATA_DIR", home.path().join("data"))
        .args(["list", "--status", "premarket"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Nillion") && text.contains("~$0.58"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 2, "the header and Nillion: {text}");
}
