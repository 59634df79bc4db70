//! The CoinGecko client and `prelist check` against a real HTTP server on
//! loopback: flips, no-flip answers, faults, the key's secrecy, the state file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test's helpers fail the test by panicking, as its assertions do"
)]

mod common;

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use prelist::listing::{Listings, apply_quotes};
use prelist::market::coingecko::{ApiKey, CoinGecko, MAX_BODY};
use prelist::market::{MarketError, MarketProvider};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const KEY: &str = "cg-test-key-8f3a91d2";

fn ids(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn base(server: &MockServer) -> String {
    format!("{}/api/v3", server.uri())
}

fn client(server: &MockServer) -> CoinGecko {
    CoinGecko::with_timeouts(
        &base(server),
        Some(ApiKey::demo(KEY).unwrap()),
        Duration::from_secs(2),
        Duration::from_secs(2),
    )
    .unwrap()
}

async fn answer(server: &MockServer, response: ResponseTemplate) {
    server.reset().await;
    Mock::given(method("GET"))
        .and(path("/api/v3/simple/price"))
        .respond_with(response)
        .mount(server)
        .await;
}

fn requested_ids(req: &Request) -> Vec<String> {
    req.url
        .query_pairs()
        .find(|(k, _)| k == "ids")
        .map(|(_, v)| v.split(',').map(String::from).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_price_flips_the_coin() {
    let server = MockServer::start().await;
    answer(
        &server,
        ResponseTemplate::new(200).set_body_json(json!({
            "dolomite": {"usd": 0.1234, "usd_market_cap": 5.0e7, "usd_24h_change": 12.5, "last_updated_at": 1745500000}
        })),
    )
    .await;
    let polled = ids(&["nillion", "dolomite"]);
    let quotes = client(&server).prices(&polled).await.unwrap();
    let mut listings = Listings::new();
    let flips = apply_quotes(&mut listings, &polled, &quotes, 1745500100);
    assert_eq!(flips.len(), 1);
    assert_eq!(flips[0].market_id, "dolomite");
    assert_eq!(flips[0].price, 0.1234);
    let l = &listings["dolomite"];
    assert_eq!(l.market_cap, Some(5.0e7));
    assert_eq!(
        (l.listed_at, l.change_24h, l.updated_at),
        (1745500100, Some(12.5), 1745500000)
    );
}

#[tokio::test]
async fn no_flip_without_a_number_for_the_price() {
    let server = MockServer::start().await;
    let polled = ids(&["a"]);
    for body in [
        json!({}),
        json!({"a": {}}),
        json!({"a": {"usd": null}}),
        json!({"a": {"usd": "0.5"}}),
        json!({"b": {"usd": 1.0}}),
    ] {
        answer(
            &server,
            ResponseTemplate::new(200).set_body_json(body.clone()),
        )
        .await;
        let quotes = client(&server).prices(&polled).await.unwrap();
        let mut listings = Listings::new();
        assert!(
            apply_quotes(&mut listings, &polled, &quotes, 1).is_empty(),
            "{body}"
        );
        assert!(listings.is_empty(), "{body}");
    }
}

#[tokio::test]
async fn one_request_for_the_watchlist_and_chunks_of_250() {
    let server = MockServer::start().await;
    answer(&server, ResponseTemplate::new(200).set_body_json(json!({}))).await;
    let watchlist = prelist::model::Watchlist::builtin();
    let watched: Vec<String> = watchlist
        .coins
        .iter()
        .filter_map(|c| c.poll_id().map(String::from))
        .collect();
    client(&server).prices(&watched).await.unwrap();
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1, "one request for the 14 coins");
    assert_eq!(requested_ids(&reqs[0]), watched);
    let q: Vec<(String, String)> = reqs[0].url.query_pairs().into_owned().collect();
    assert!(q.contains(&("vs_currencies".into(), "usd".into())));
    assert!(q.contains(&("include_24hr_change".into(), "true".into())));

    answer(&server, ResponseTemplate::new(200).set_body_json(json!({}))).await;
    let many: Vec<String> = (0..600).map(|i| format!("coin-{i}")).collect();
    client(&server).prices(&many).await.unwrap();
    let reqs = server.received_requests().await.unwrap();
    let sizes: Vec<usize> = reqs.iter().map(|r| requested_ids(r).len()).collect();
    assert_eq!(sizes, [250, 250, 100]);
    let all: Vec<String> = reqs.iter().flat_map(requested_ids).collect();
    assert_eq!(all, many);
}

#[tokio::test]
async fn the_key_travels_in_its_header_only() {
    let server = MockServer::start().await;
    answer(&server, ResponseTemplate::new(200).set_body_json(json!({}))).await;
    client(&server).prices(&ids(&["a"])).await.unwrap();
    let req = &server.received_requests().await.unwrap()[0];
    assert_eq!(req.headers.get("x-cg-demo-api-key").unwrap(), KEY);
    assert!(req.headers.get("x-cg-pro-api-key").is_none());
    assert!(!req.url.as_str().contains(KEY));

    let pro = CoinGecko::new(&base(&server), Some(ApiKey::pro(KEY).unwrap())).unwrap();
    pro.prices(&ids(&["a"])).await.unwrap();
    let req = &server.received_requests().await.unwrap()[1];
    assert_eq!(req.headers.get("x-cg-pro-api-key").unwrap(), KEY);
    assert!(req.headers.get("x-cg-demo-api-key").is_none());
}

#[tokio::test]
async fn a_pro_keys_usage_is_asked_of_key_in_its_header_and_a_demo_key_asks_nothing() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v3/key"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "plan": "Analyst", "rate_limit_request_per_minute": 500,
            "monthly_call_credit": 500000, "current_total_monthly_calls": 1234,
            "current_remaining_monthly_calls": 498766
        })))
        .mount(&server)
        .await;
    // Demo keys have no such endpoint: nothing is sent.
    assert_eq!(client(&server).key_remaining().await, Ok(None));
    assert!(server.received_requests().await.unwrap().is_empty());

    let pro = CoinGecko::new(&base(&server), Some(ApiKey::pro(KEY).unwrap())).unwrap();
    assert_eq!(pro.key_remaining().await, Ok(Some(498_766)));
    assert_eq!(pro.usage().key_requests, 1, "it counts as a call");
    let req = &server.received_requests().await.unwrap()[0];
    assert_eq!(req.headers.get("x-cg-pro-api-key").unwrap(), KEY);
    assert!(!req.url.as_str().contains(KEY));

    for (status, body) in [
        (200, json!({"plan": "Analyst"})),
        (200, json!([])),
        (401, json!({})),
    ] {
        server.reset().await;
        Mock::given(method("GET"))
            .and(path("/api/v3/key"))
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .mount(&server)
            .await;
        let err = pro.key_remaining().await.unwrap_err();
        assert!(!err.to_string().contains(KEY), "{err}");
    }
}

#[tokio::test]
async fn faults_are_errors() {
    let server = MockServer::start().await;
    let c = client(&server);
    let a = ids(&["a"]);

    answer(
        &server,
        ResponseTemplate::new(429).insert_header("Retry-After", "120"),
    )
    .await;
    assert_eq!(
        c.prices(&a).await,
        Err(MarketError::RateLimited {
            retry_after: Some(Duration::from_secs(120))
        })
    );
    answer(
        &server,
        ResponseTemplate::new(429).set_body_json(json!({"status": {"error_code": 429}})),
    )
    .await;
    assert_eq!(
        c.prices(&a).await,
        Err(MarketError::RateLimited { retry_after: None })
    );

    answer(&server, ResponseTemplate::new(500)).await;
    assert_eq!(c.prices(&a).await, Err(MarketError::Status { status: 500 }));
    answer(
        &server,
        ResponseTemplate::new(200).set_body_json(json!({"a": {"usd": 2.0}})),
    )
    .await;
    assert_eq!(
        c.prices(&a).await.unwrap()["a"].price_usd.map(|p| p.get()),
        Some(2.0),
        "recovers after a 500"
    );

    answer(
        &server,
        ResponseTemplate::new(200).set_body_string("{\"a\": {\"usd\": 1"),
    )
    .await;
    assert!(matches!(c.prices(&a).await, Err(MarketError::Malformed(_))));
    answer(
        &server,
        ResponseTemplate::new(200).set_body_string("<html>oops</html>"),
    )
    .await;
    assert!(matches!(c.prices(&a).await, Err(MarketError::Malformed(_))));
    answer(
        &server,
        ResponseTemplate::new(200).set_body_json(json!([1, 2])),
    )
    .await;
    assert!(matches!(c.prices(&a).await, Err(MarketError::Malformed(_))));

    // 3 MiB of valid JSON: refused for its size, not parsed.
    let big = format!(
        "{{\"a\": {{\"usd\": 1.0}}, \"pad\": \"{}\"}}",
        "x".repeat(3 * 1024 * 1024)
    );
    answer(&server, ResponseTemplate::new(200).set_body_string(big)).await;
    assert_eq!(
        c.prices(&a).await,
        Err(MarketError::TooLarge { max: MAX_BODY })
    );

    answer(
        &server,
        ResponseTemplate::new(200)
            .set_body_json(json!({}))
            .set_delay(Duration::from_secs(5)),
    )
    .await;
    assert_eq!(c.prices(&a).await, Err(MarketError::Timeout));
}

#[tokio::test]
async fn one_absurd_price_leaves_the_other_coins_priced() {
    let server = MockServer::start().await;
    let body = r#"{"a": {"usd": 1e+308}, "b": {"usd": 0.61}, "c": {"usd": 5e-324}}"#;
    answer(&server, ResponseTemplate::new(200).set_body_string(body)).await;
    let quotes = client(&server)
        .prices(&ids(&["a", "b", "c"]))
        .await
        .unwrap();
    assert_eq!(quotes["a"].price_usd, None);
    assert_eq!(quotes["b"].price_usd.map(|p| p.get()), Some(0.61));
    assert_eq!(quotes["c"].price_usd, None);
}

#[tokio::test]
async fn nothing_unreachable_is_reached_and_errors_carry_no_url() {
    // Nothing listens on port 9 of loopback.
    let c = CoinGecko::new(
        "http://127.0.0.1:9/api/v3",
        Some(ApiKey::demo(KEY).unwrap()),
    )
    .unwrap();
    let err = c.prices(&ids(&["a"])).await.unwrap_err();
    assert_eq!(err, MarketError::Connect);
    assert!(!err.to_string().contains("127.0.0.1"));
}

// ---- `prelist check` and the state file, through the binary ----

fn prelist(data: &Path, args: &[&str], key: Option<&str>) -> Output {
    let mut cmd = common::command(data);
    cmd.args(args).env("PRELIST_DATA_DIR", data.join("data"));
    if let Some(k) = key {
        cmd.env("COINGECKO_API_KEY", k);
    }
    cmd.output().unwrap()
}

/// Whether the state file under `home` records no listing. It may exist:
/// it counts the month's API calls.
fn no_listings(home: &Path) -> bool {
    common::stored(&home.join("data")).listings.is_empty()
}

/// Runs a blocking child process without stalling the server's runtime.
async fn prelist_async(data: &Path, args: Vec<String>, key: Option<&'static str>) -> Output {
    let data = data.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        prelist(&data, &args, key)
    })
    .await
    .unwrap()
}

fn check_args(server: &MockServer, json: bool) -> Vec<String> {
    let mut a = vec!["check".to_string(), "--api-url".into(), base(server)];
    if json {
        a.push("--json".into());
    }
    a
}

fn coin<'a>(list: &'a Value, name: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn check_records_a_flip_that_survives_a_restart() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    answer(
        &server,
        ResponseTemplate::new(200).set_body_json(json!({"nillion": {"usd": null}})),
    )
    .await;
    let out = prelist_async(dir.path(), check_args(&server, true), Some(KEY)).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(coin(&list, "Nillion")["status"], "upcoming");
    assert!(no_listings(dir.path()), "nothing to record yet");

    answer(
        &server,
        ResponseTemplate::new(200)
            .set_body_json(json!({"nillion": {"usd": 0.61, "usd_24h_change": -3.2, "last_updated_at": 1742817600}})),
    )
    .await;
    let out = prelist_async(dir.path(), check_args(&server, true), Some(KEY)).await;
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Nillion is now trading at $0.61"));
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let n = coin(&list, "Nillion");
    assert_eq!(n["status"], "trading");
    assert_eq!(n["price_usd"], 0.61);
    let listed_at = n["listed_at"].as_str().unwrap().to_string();
    assert!(listed_at.ends_with('Z'), "RFC 3339: {listed_at}");

    // A restart, no network: `list` shows the record from the state file.
    let out = prelist_async(
        dir.path(),
        vec![
            "list".into(),
            "--json".into(),
            "--status".into(),
            "trading".into(),
        ],
        None,
    )
    .await;
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(coin(&list, "Nillion")["listed_at"], listed_at.as_str());
    assert_eq!(coin(&list, "Nillion")["first_price_usd"], 0.61);

    // The API stops pricing it: still trading, the last price kept, stale.
    answer(&server, ResponseTemplate::new(200).set_body_json(json!({}))).await;
    let out = prelist_async(dir.path(), check_args(&server, true), Some(KEY)).await;
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let n = coin(&list, "Nillion");
    assert_eq!(
        (n["status"].as_str(), n["price_usd"].as_f64()),
        (Some("trading"), Some(0.61))
    );
    assert_eq!(n["price_stale"], true);
    assert_eq!(n["listed_at"], listed_at.as_str());

    // Priced again, higher: the move since the listing, and the history
    // in the state file with both prices.
    answer(
        &server,
        ResponseTemplate::new(200)
            .set_body_json(json!({"nillion": {"usd": 0.7381, "last_updated_at": 1742900000}})),
    )
    .await;
    let out = prelist_async(dir.path(), check_args(&server, true), Some(KEY)).await;
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let pct = coin(&list, "Nillion")["since_listing_pct"]
        .as_f64()
        .unwrap();
    assert!((pct - 21.0).abs() < 1e-9, "{pct}");
    assert!(coin(&list, "Gravity")["since_listing_pct"].is_null());
    let state = common::stored(&dir.path().join("data"));
    let history: Vec<(i64, f64)> = state.listings["nillion"]
        .history
        .iter()
        .map(|&p| p.into())
        .collect();
    assert_eq!(history, [(1742817600, 0.61), (1742900000, 0.7381)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn check_exits_3_on_every_fault_and_never_shows_the_key() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let faults = [
        (
            ResponseTemplate::new(429).insert_header("Retry-After", "30"),
            "rate limited",
        ),
        (ResponseTemplate::new(500), "HTTP 500"),
        (
            ResponseTemplate::new(200).set_body_string("garbage"),
            "bad answer",
        ),
        (
            ResponseTemplate::new(200).set_body_json(json!("text")),
            "bad answer",
        ),
        (
            ResponseTemplate::new(200).set_body_string("x".repeat(3 * 1024 * 1024)),
            "larger than",
        ),
    ];
    let mut everything = String::new();
    for (response, reason) in faults {
        answer(&server, response).await;
        let out = prelist_async(dir.path(), check_args(&server, true), Some(KEY)).await;
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(3), "{reason}: {err}");
        assert!(err.contains(reason), "{reason}: {err}");
        // Every coin is still printed, as the state file knows it.
        let list: Value = serde_json::from_slice(&out.stdout).unwrap();
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 14, "{reason}");
        assert!(list.iter().all(|c| c["status"] == "upcoming"), "{reason}");
        everything.push_str(&err);
    }
    assert!(no_listings(dir.path()), "nothing flipped on an error");
    let log = std::fs::read_to_string(dir.path().join("data/prelist.log")).unwrap();
    assert!(log.contains("check failed"), "{log}");
    everything.push_str(&log);
    assert!(!everything.contains(KEY), "the key leaked: {everything}");
    for req in server.received_requests().await.unwrap() {
        assert!(!req.url.as_str().contains(KEY));
    }
}

#[test]
fn a_key_is_never_sent_over_plain_http_to_another_host() {
    let dir = tempfile::tempdir().unwrap();
    let out = prelist(
        dir.path(),
        &["check", "--api-url", "http://api.example.com/api/v3"],
        Some(KEY),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("refusing to send the API key over plain http")
            && err.contains("api.example.com"),
        "{err}"
    );
    assert!(!err.contains(KEY));
}

#[test]
fn short_intervals_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = prelist(dir.path(), &["--poll", "--interval", "5"], None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.contains("--interval: 5 is below the minimum of 10 seconds"),
        "{err}"
    );
}

#[test]
fn a_corrupt_state_file_is_refused_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    let state = dir.path().join("data/state.json");
    std::fs::write(&state, "{\"version\": 1, \"listings\": {\"x\": ").unwrap();
    let out = prelist(dir.path(), &["list"], None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.contains("state.json") && err.contains("line 1, column"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&state).unwrap(),
        "{\"version\": 1, \"listings\": {\"x\": "
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn search_prints_candidates_ticker_first_and_exits_3_when_the_api_fails() {
    let server = MockServer::start().await;
    server.reset().await;
    Mock::given(method("GET"))
        .and(path("/api/v3/search"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"coins": [
            {"id": "nillion-x", "name": "Nillion X", "symbol": "NILX", "market_cap_rank": null},
            {"id": "nillion", "name": "Nillion", "symbol": "NIL", "market_cap_rank": 310}
        ]})))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let args = vec![
        "search".to_string(),
        "nillion".into(),
        "--api-url".into(),
        base(&server),
    ];
    let out = prelist_async(dir.path(), args.clone(), Some(KEY)).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("id "), "{text}");
    assert!(
        lines[1].starts_with("nillion ")
            && lines[1].contains(" NIL ")
            && lines[1].ends_with("310  Nillion"),
        "{text}"
    );
    assert!(
        lines[2].starts_with("nillion-x "),
        "the watched coin's ticker NIL first: {text}"
    );
    let req = &server.received_requests().await.unwrap()[0];
    assert_eq!(req.url.query(), Some("query=nillion"));

    server.reset().await;
    Mock::given(method("GET"))
        .and(path("/api/v3/search"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let out = prelist_async(dir.path(), args, Some(KEY)).await;
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("search failed: the API answered HTTP 503"),
        "{err}"
    );
}

/// Answers every requested id with a price, as the real API does for coins
/// that trade.
struct PriceEveryId;

impl wiremock::Respond for PriceEveryId {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let body: serde_json::Map<String, Value> = requested_ids(req)
            .into_iter()
            .map(|id| (id, json!({"usd": 1.25})))
            .collect();
        ResponseTemplate::new(200).set_body_json(Value::Object(body))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_checks_at_once_keep_every_flip() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v3/simple/price"))
        .respond_with(PriceEveryId)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let mut runs = Vec::new();
    for i in 0..10 {
        // One data dir, a watchlist each: every check records its own flip.
        let file = dir.path().join(format!("w{i}.json"));
        let coin =
            json!({"rank": 1, "name": format!("Coin {i}"), "market_id": format!("coin-{i}")});
        std::fs::write(&file, json!({"version": 1, "coins": [coin]}).to_string()).unwrap();
        let mut args = check_args(&server, false);
        args.extend(["--watchlist".to_string(), file.display().to_string()]);
        let data = dir.path().to_path_buf();
        runs.push(tokio::spawn(async move {
            prelist_async(&data, args, Some(KEY)).await
        }));
    }
    for run in runs {
        let out = run.await.unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let state = common::stored(&dir.path().join("data"));
    let ids: Vec<&str> = state.listings.keys().map(|id| &**id).collect();
    assert_eq!(ids.len(), 10, "a flip was lost: {ids:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_market_id_is_never_polled_and_flips_nothing() {
    let server = MockServer::start().await;
    answer(
        &server,
        ResponseTemplate::new(200).set_body_json(json!({"": {"usd": 2}, "real": {"usd": null}})),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("w.json");
    let coins = json!([
        {"rank": 1, "name": "Blank", "market_id": ""},
        {"rank": 2, "name": "Real", "market_id": "real"}
    ]);
    std::fs::write(&file, json!({"version": 1, "coins": coins}).to_string()).unwrap();
    let mut args = check_args(&server, true);
    args.extend(["--watchlist".to_string(), file.display().to_string()]);
    let out = prelist_async(dir.path(), args, Some(KEY)).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(coin(&list, "Blank")["status"], "upcoming");
    for req in server.received_requests().await.unwrap() {
        assert_eq!(requested_ids(&req), ["real"], "no empty id is asked for");
    }
    assert!(no_listings(dir.path()), "nothing flipped");
}

/// Prices every id of the chunk that starts the list at once, and gives
/// any other chunk the answer it holds.
struct FirstChunkOnly(ResponseTemplate);

impl wiremock::Respond for FirstChunkOnly {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if requested_ids(req).iter().any(|id| id == "coin-0") {
            PriceEveryId.respond(req)
        } else {
            self.0.clone()
        }
    }
}

/// `check` on a generated list of 300 coins (two chunks) against `server`,
/// whose later chunk gets `rest`; returns the output and the stored
/// listings.
async fn check_300(rest: ResponseTemplate, extra: &[&str]) -> (Output, prelist::listing::Listings) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v3/simple/price"))
        .respond_with(FirstChunkOnly(rest))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.json");
    let coins: Vec<Value> = (0..300)
        .map(|i| json!({"rank": i + 1, "name": format!("Coin {i}"), "market_id": format!("coin-{i}")}))
        .collect();
    std::fs::write(&file, json!({"version": 1, "coins": coins}).to_string()).unwrap();
    let mut args = check_args(&server, true);
    args.extend(["--watchlist".to_string(), file.display().to_string()]);
    args.extend(extra.iter().map(|a| a.to_string()));
    let out = prelist_async(dir.path(), args, Some(KEY)).await;
    (out, common::stored(&dir.path().join("data")).listings)
}

#[tokio::test(flavor = "multi_thread")]
async fn check_keeps_what_it_learnt_when_its_deadline_passes() {
    // The later chunk answers long after the deadline, and after the
    // client's own 15 s request timeout: only the deadline ends the wait
    // with this message.
    let slow = ResponseTemplate::new(200)
        .set_body_json(json!({}))
        .set_delay(Duration::from_secs(120));
    let (out, listings) = check_300(slow, &["--deadline", "2"]).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("deadline of 2 s: 250 of 300 ids answered"),
        "{err}"
    );
    assert!(err.contains("Coin 0 is now trading"), "{err}");

    // The statuses are printed, the first chunk's flips among them.
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(coin(&list, "Coin 249")["status"], "trading");
    assert_eq!(coin(&list, "Coin 250")["status"], "upcoming");

    // And recorded: exactly the first chunk's ids, nothing of the second.
    assert_eq!(listings.len(), 250);
    assert_eq!(listings["coin-0"].price_usd, 1.25);
    assert!(!listings.contains_key("coin-250"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_chunk_keeps_what_the_earlier_ones_learnt() {
    let (out, listings) = check_300(ResponseTemplate::new(500), &[]).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.contains("check failed: the API answered HTTP 500 (250 of 300 ids answered"),
        "{err}"
    );
    assert_eq!(listings.len(), 250);
    assert!(listings.contains_key("coin-249"));
}

#[test]
fn a_deadline_below_one_second_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["0", "-1", "soon"] {
        let out = prelist(dir.path(), &["check", &format!("--deadline={bad}")], None);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--deadline"), "{bad}: {err}");
    }
    let out = prelist(dir.path(), &["check", "--help"], None);
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("--deadline <SECS>"), "{help}");
    assert!(help.contains("[default: 30]"), "{help}");
}
