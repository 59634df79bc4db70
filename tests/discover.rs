//! Discover through the binary: `prelist discover` against a loopback OKX
//! and Hyperliquid.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use std::path::Path;
use std::process::Output;

use common::PriceApi;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

/// OKX's spot list: `live` pairs, and `preopen` ones opening at a time.
fn okx(live: &[&str], preopen: &[(&str, i64)]) -> Mock {
    let mut data: Vec<Value> = live
        .iter()
        .map(|b| json!({"instId": format!("{b}-USDT"), "baseCcy": b, "quoteCcy": "USDT", "state": "live", "listTime": "1600000000000"}))
        .collect();
    data.extend(preopen.iter().map(|(b, at)| {
        json!({"instId": format!("{b}-USDT"), "baseCcy": b, "quoteCcy": "USDT",
               "state": "preopen", "listTime": (at * 1000).to_string()})
    }));
    Mock::given(method("GET"))
        .and(path("/api/v5/public/instruments"))
        .and(query_param("instType", "SPOT"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"code": "0", "data": data})))
}

/// Hyperliquid's `meta` and `allMids` for these perps.
fn hyperliquid(perps: &[(&str, &str)]) -> [Mock; 2] {
    let names: Vec<Value> = perps.iter().map(|(n, _)| json!({"name": n})).collect();
    let mids: serde_json::Map<String, Value> = perps
        .iter()
        .map(|(n, px)| (n.to_string(), json!(px)))
        .collect();
    let info = |kind: &str, body: Value| {
        Mock::given(method("POST"))
            .and(path("/info"))
            .and(body_json(json!({"type": kind})))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
    };
    [
        info("meta", json!({"universe": names})),
        info("allMids", Value::Object(mids)),
    ]
}

fn discover(home: &Path, api: &PriceApi, args: &[&str]) -> Output {
    let base = api.url().trim_end_matches("/api/v3").to_string();
    // Every event told is recorded; `discovered` ones are asked for.
    let config = common::recording_config(home, "discover = true\n");
    let notify = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!(
            "[sources]\nexchanges = [\"okx\"]\npremarket = [\"hyperliquid\"]\n\
             [sources.url]\nokx = \"{base}\"\nhyperliquid = \"{base}\"\n{notify}"
        ),
    )
    .unwrap();
    common::command(home)
        .env_remove("PRELIST_EXCHANGES")
        .env_remove("PRELIST_PREMARKET")
        .env("PRELIST_CONFIG", &config)
        .env("PRELIST_DATA_DIR", home.join("data"))
        .args(["discover", "--api-url", &api.url()])
        .args(args)
        .output()
        .unwrap()
}

/// The rows a successful `discover --json` printed.
fn rows_of(out: &Output) -> Vec<Value> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn discover_finds_an_announced_pair_and_a_hyperp_after_a_first_look_at_old_ones() {
    let api = PriceApi::start(json!({}));
    api.also(okx(&["BTC", "ETH"], &[]));
    for m in hyperliquid(&[("BTC", "97000"), ("ETH", "3500")]) {
        api.also(m);
    }
    let home = tempfile::tempdir().unwrap();
    let rows = rows_of(&discover(home.path(), &api, &["--json"]));
    assert_eq!(rows, Vec::<Value>::new(), "old pairs only");

    // A pair announced on OKX, a hyperp on Hyperliquid.
    let opens = jiff::Timestamp::now().as_second() + 2 * 86_400;
    api.answer(json!({}));
    api.also(okx(&["BTC", "ETH"], &[("ZAMA", opens)]));
    for m in hyperliquid(&[("BTC", "97000"), ("ETH", "3500"), ("MEGA", "0.42")]) {
        api.also(m);
    }
    let rows = rows_of(&discover(home.path(), &api, &["--json"]));
    let tickers: Vec<&str> = rows.iter().map(|r| r["ticker"].as_str().unwrap()).collect();
    assert_eq!(tickers, ["ZAMA", "MEGA"], "soonest opening first");
    let zama = &rows[0];
    assert_eq!(zama["status"], "scheduled");
    assert_eq!(
        zama["scheduled_at"],
        jiff::Timestamp::from_second(opens).unwrap().to_string()
    );
    assert_eq!(zama["venues"][0]["venue"], "okx");
    assert_eq!(zama["venues"][0]["pair"], "ZAMA/USDT");
    let mega = &rows[1];
    assert_eq!(mega["status"], "premarket");
    assert_eq!(mega["price_usd"], 0.42);
    assert_eq!(mega["venues"][0]["pair"], "MEGA perp");

    // Each new row told once, as `discovered`.
    let told = common::told(home.path());
    let kinds: Vec<(&str, &str)> = told
        .iter()
        .map(|e| (e["event"].as_str().unwrap(), e["ticker"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [("discovered", "ZAMA"), ("discovered", "MEGA")]);
    assert_eq!(
        told[1]["message"],
        "MEGA trades before any listing: $0.42 on Hyperliquid"
    );
    assert!(told[0]["scheduled_at"].is_string(), "{}", told[0]);

    // --status keeps one kind; the text form names both.
    let rows = rows_of(&discover(
        home.path(),
        &api,
        &["--json", "--status", "premarket"],
    ));
    assert_eq!(rows.len(), 1);
    let out = discover(home.path(), &api, &[]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("Ticker"), "{text}");
    assert!(text.contains("ZAMA") && text.contains("~$0.42"), "{text}");
    assert_eq!(common::told(home.path()).len(), 2, "told once");
}

#[test]
fn discover_names_a_failing_source_and_prints_the_rest() {
    let api = PriceApi::start(json!({}));
    api.also(okx(&["BTC"], &[]));
    api.also(
        Mock::given(method("POST"))
            .and(path("/info"))
            .respond_with(ResponseTemplate::new(503)),
    );
    let home = tempfile::tempdir().unwrap();
    let out = discover(home.path(), &api, &["--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("Hyperliquid"), "{stderr}");
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(rows.is_empty());
}

#[test]
fn discover_refuses_a_bad_number_of_days() {
    let api = PriceApi::start(json!({}));
    let home = tempfile::tempdir().unwrap();
    let out = discover(home.path(), &api, &["--days", "0"]);
    assert_eq!(out.status.code(), Some(2));
}
