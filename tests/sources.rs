//! The exchanges' lists against a fake of each list endpoint on loopback,
//! answering in the shapes of the exchanges' docs (tests/fixtures/exchanges):
//! pairs and their states, one request per look to the documented path,
//! rate limits, faults and caps; and the `[sources]` config.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test's helpers fail the test by panicking, as its assertions do"
)]

#[path = "common/lists.rs"]
mod lists;

use std::path::Path;
use std::time::Duration;

use prelist::config::{Env, ErrorKind, FileConfig, FlagValues, Source, resolve};
use prelist::market::MarketError;
use prelist::sources::client::ExchangeClient;
use prelist::sources::{Exchange, ExchangeSource, PairState};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Between the fixtures' past times and their future ones (2025-11-24).
const NOW: i64 = 1_764_000_000;
/// The fixtures' scheduled openings, in Unix seconds.
const MOVE_OPENS: i64 = 1_765_000_000;

fn fixture(exchange: Exchange) -> Vec<u8> {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/exchanges")
        .join(format!("{}.json", exchange.key()));
    std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

fn client(server: &MockServer, exchange: Exchange) -> ExchangeClient {
    ExchangeClient::with_timeouts(
        exchange,
        &server.uri(),
        Duration::from_secs(2),
        Duration::from_secs(2),
    )
    .unwrap()
}

/// Answers `response` at `exchange`'s documented path (and query) only.
async fn serve(server: &MockServer, exchange: Exchange, response: ResponseTemplate) {
    server.reset().await;
    let (list_path, query) = exchange
        .list_path()
        .split_once('?')
        .unwrap_or((exchange.list_path(), ""));
    let mut mock = Mock::given(method("GET")).and(path(list_path));
    if let Some((name, value)) = query.split_once('=') {
        mock = mock.and(query_param(name, value));
    }
    mock.respond_with(response).mount(server).await;
}

fn json_body(bytes: Vec<u8>) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(bytes, "application/json")
}

/// What each fixture says, pair by pair: the same coins on every exchange,
/// in each one's own words for the states.
fn expected(exchange: Exchange) -> Vec<(&'static str, PairState)> {
    use PairState::{Closed, Scheduled, Trading};
    let soon = Scheduled {
        opens_at: MOVE_OPENS,
    };
    match exchange {
        // BREAK, HALT, END_OF_DAY; Binance announces no time.
        Exchange::Binance => vec![
            ("BTC/USDT", Trading),
            ("NIL/USDT", Trading),
            ("NIL/BTC", Trading),
            ("PRCL/USDT", Closed),
            ("LUNC/USDT", Closed),
            ("DOLO/USDT", Closed),
        ],
        // trading_disabled, auction_mode, delisted.
        Exchange::Coinbase => vec![
            ("BTC/USD", Trading),
            ("NIL/USD", Trading),
            ("NIL/USDC", Trading),
            ("PRCL/USD", Closed),
            ("MOVE/USD", Closed),
            ("TEN/USD", Closed),
        ],
        // XBT/USD is BTC; cancel_only, post_only, maintenance.
        Exchange::Kraken => vec![
            ("BTC/USD", Trading),
            ("NIL/USD", Trading),
            ("NIL/EUR", Trading),
            ("PRCL/USD", Closed),
            ("MOVE/USD", Closed),
            ("TEN/USD", Closed),
        ],
        // suspend; preopen with a future listTime; preopen without one.
        Exchange::Okx => vec![
            ("BTC/USDT", Trading),
            ("NIL/USDT", Trading),
            ("NIL/USDC", Trading),
            ("PRCL/USDT", Closed),
            ("MOVE/USDT", soon),
            ("TEN/USDT", Closed),
        ],
        // Closed; PreLaunch with a future launchTime; one with a past one.
        Exchange::Bybit => vec![
            ("BTC/USDT", Trading),
            ("NIL/USDT", Trading),
            ("NIL/USDC", Trading),
            ("PRCL/USDT", Closed),
            ("MOVE/USDT", soon),
            ("TEN/USDT", Closed),
        ],
        // untradable; a future buy_start; sellable only.
        Exchange::Gate => vec![
            ("BTC/USDT", Trading),
            ("NIL/USDT", Trading),
            ("NIL/ETH", Trading),
            ("PRCL/USDT", Closed),
            ("MOVE/USDT", soon),
            ("TEN/USDT", Closed),
        ],
    }
}

#[tokio::test]
async fn each_exchange_s_list_gives_its_pairs_and_states_in_one_request() {
    let server = MockServer::start().await;
    for exchange in Exchange::ALL {
        serve(&server, exchange, json_body(fixture(exchange))).await;
        let c = client(&server, exchange);
        assert_eq!(c.exchange(), exchange);
        let pairs = c.look(NOW).await.unwrap();
        let mut got: Vec<(String, PairState)> = pairs.iter().map(|p| (p.name(), p.state)).collect();
        let mut want: Vec<(String, PairState)> = expected(exchange)
            .into_iter()
            .map(|(n, s)| (n.to_string(), s))
            .collect();
        // Kraken's result is an object: its order is not the file's.
        got.sort_by(|a, b| a.0.cmp(&b.0));
        want.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(got, want, "{exchange:?}");

        let requests = server.received_requests().await.unwrap();
        assert_eq!(requests.len(), 1, "{exchange:?}: one request per look");
        let r = &requests[0];
        let sent = match r.url.query() {
            Some(q) => format!("{}?{q}", r.url.path()),
            None => r.url.path().to_string(),
        };
        assert_eq!(sent, exchange.list_path(), "{exchange:?}");
        assert_eq!(r.method.as_str(), "GET");
        let agent = r.headers.get("user-agent").unwrap().to_str().unwrap();
        assert!(agent.starts_with("prelist/"), "{agent}");
    }
}

#[tokio::test]
async fn a_scheduled_opening_that_has_passed_is_no_longer_scheduled() {
    let server = MockServer::start().await;
    for exchange in [Exchange::Okx, Exchange::Bybit, Exchange::Gate] {
        serve(&server, exchange, json_body(fixture(exchange))).await;
        let pairs = client(&server, exchange).look(MOVE_OPENS).await.unwrap();
        let moving = pairs.iter().find(|p| p.base == "MOVE").unwrap();
        assert_ne!(
            moving.state,
            PairState::Scheduled {
                opens_at: MOVE_OPENS
            },
            "{exchange:?}"
        );
        assert!(
            !pairs
                .iter()
                .any(|p| matches!(p.state, PairState::Scheduled { .. })),
            "{exchange:?}"
        );
    }
}

#[tokio::test]
async fn rate_limits_carry_retry_after_and_binance_s_418_is_one() {
    let server = MockServer::start().await;
    for (exchange, status) in [
        (Exchange::Binance, 429),
        (Exchange::Binance, 418),
        (Exchange::Okx, 429),
        (Exchange::Gate, 429),
    ] {
        serve(
            &server,
            exchange,
            ResponseTemplate::new(status).insert_header("retry-after", "120"),
        )
        .await;
        let err = client(&server, exchange).look(NOW).await.unwrap_err();
        assert_eq!(
            err,
            MarketError::RateLimited {
                retry_after: Some(Duration::from_secs(120))
            },
            "{exchange:?} {status}"
        );
    }
    // A teapot from anyone else is just a status.
    serve(&server, Exchange::Coinbase, ResponseTemplate::new(418)).await;
    let err = client(&server, Exchange::Coinbase)
        .look(NOW)
        .await
        .unwrap_err();
    assert_eq!(err, MarketError::Status { status: 418 });
}

#[tokio::test]
async fn faults_are_errors_that_name_the_exchange_and_carry_no_url() {
    let server = MockServer::start().await;
    for exchange in Exchange::ALL {
        for (response, is_expected) in [
            (
                ResponseTemplate::new(500),
                (|e: &MarketError| *e == MarketError::Status { status: 500 })
                    as fn(&MarketError) -> bool,
            ),
            (
                ResponseTemplate::new(200).set_body_string("{not json"),
                |e| matches!(e, MarketError::Malformed(_)),
            ),
            (ResponseTemplate::new(200).set_body_string("[1, 2"), |e| {
                matches!(e, MarketError::Malformed(_))
            }),
            (
                ResponseTemplate::new(200).set_body_string("\"a string\""),
                |e| matches!(e, MarketError::Malformed(_)),
            ),
            (
                ResponseTemplate::new(200)
                    .set_body_raw(fixture(exchange), "application/json")
                    .set_delay(Duration::from_secs(3)),
                |e| *e == MarketError::Timeout,
            ),
        ] {
            serve(&server, exchange, response).await;
            let short = ExchangeClient::with_timeouts(
                exchange,
                &server.uri(),
                Duration::from_secs(2),
                Duration::from_millis(300),
            )
            .unwrap();
            let err = short.look(NOW).await.unwrap_err();
            assert!(is_expected(&err), "{exchange:?}: {err:?}");
            let shown = err.to_string();
            assert!(!shown.contains("127.0.0.1"), "{shown}");
            if let MarketError::Malformed(m) = &err {
                assert!(m.starts_with(exchange.name()), "{m}");
            }
        }
    }
}

/// `body`, still valid JSON, grown to `size` bytes with trailing spaces.
fn padded(mut body: Vec<u8>, size: usize) -> Vec<u8> {
    body.resize(size, b' ');
    body
}

#[tokio::test]
async fn each_exchange_has_its_own_cap_on_the_answer() {
    let server = MockServer::start().await;
    // Over the cap of the smaller lists, well under Binance's.
    let size = Exchange::Coinbase.max_body() + 1;
    assert!(size < Exchange::Binance.max_body());
    serve(
        &server,
        Exchange::Binance,
        json_body(padded(fixture(Exchange::Binance), size)),
    )
    .await;
    let pairs = client(&server, Exchange::Binance).look(NOW).await.unwrap();
    assert_eq!(pairs.len(), 6);
    for exchange in [Exchange::Coinbase, Exchange::Kraken, Exchange::Gate] {
        let size = exchange.max_body() + 1;
        serve(
            &server,
            exchange,
            json_body(padded(fixture(exchange), size)),
        )
        .await;
        let err = client(&server, exchange).look(NOW).await.unwrap_err();
        assert_eq!(
            err,
            MarketError::TooLarge {
                max: exchange.max_body()
            }
        );
        // Exactly at the cap is still read.
        let size = exchange.max_body();
        serve(
            &server,
            exchange,
            json_body(padded(fixture(exchange), size)),
        )
        .await;
        assert!(
            client(&server, exchange).look(NOW).await.is_ok(),
            "{exchange:?}"
        );
    }
}

#[tokio::test]
async fn nothing_unreachable_is_reached() {
    // A port nothing listens on.
    let c = ExchangeClient::with_timeouts(
        Exchange::Okx,
        "http://127.0.0.1:9",
        Duration::from_secs(2),
        Duration::from_secs(2),
    )
    .unwrap();
    let err = c.look(NOW).await.unwrap_err();
    assert!(
        matches!(err, MarketError::Connect | MarketError::Network),
        "{err:?}"
    );
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(bytes).unwrap();
    z.finish().unwrap()
}

#[tokio::test]
async fn lists_are_asked_for_compressed_and_read_decompressed() {
    let server = MockServer::start().await;
    for exchange in Exchange::ALL {
        let body = gzip(&fixture(exchange));
        let compressed = ResponseTemplate::new(200)
            .insert_header("content-encoding", "gzip")
            .set_body_raw(body, "application/json");
        serve(&server, exchange, compressed).await;
        let pairs = client(&server, exchange).look(NOW).await.unwrap();
        assert_eq!(pairs.len(), expected(exchange).len(), "{exchange:?}");
        let sent = server.received_requests().await.unwrap();
        let accepts = sent.last().unwrap().headers["accept-encoding"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            accepts.contains("gzip") && accepts.contains("br"),
            "{accepts}"
        );
    }
}

#[tokio::test]
async fn a_compressed_bomb_is_refused_at_the_cap_on_what_it_unpacks_to() {
    let server = MockServer::start().await;
    let exchange = Exchange::Coinbase;
    let bomb = gzip(&padded(
        fixture(exchange),
        exchange.max_body() + 1024 * 1024,
    ));
    assert!(
        bomb.len() < 64 * 1024,
        "small on the wire: {} bytes",
        bomb.len()
    );
    let response = ResponseTemplate::new(200)
        .insert_header("content-encoding", "gzip")
        .set_body_raw(bomb, "application/json");
    serve(&server, exchange, response).await;
    let err = client(&server, exchange).look(NOW).await.unwrap_err();
    assert_eq!(
        err,
        MarketError::TooLarge {
            max: exchange.max_body()
        }
    );
}

/// The caps against realistic lists: each exchange's real count of pairs
/// (rounded up), of entries as large as the fixture's largest, fits at
/// least three times over, and reads whole.
#[test]
fn the_caps_fit_the_real_lists_with_room() {
    for (exchange, count) in [
        (Exchange::Binance, 3_500),
        (Exchange::Coinbase, 1_000),
        (Exchange::Kraken, 1_500),
        (Exchange::Okx, 1_000),
        (Exchange::Bybit, 1_000),
        (Exchange::Gate, 4_000),
    ] {
        let body = lists::realistic(exchange, count, true);
        let entry = body.len() / count;
        assert!(
            body.len() * 3 <= exchange.max_body(),
            "{exchange:?}: {count} entries of {entry} bytes make {} bytes, cap {}",
            body.len(),
            exchange.max_body()
        );
        assert_eq!(exchange.parse(&body, NOW).unwrap().len(), count);
    }
}

// ---- [sources] in the config file ----

fn parse(text: &str) -> Result<FileConfig, prelist::config::ConfigError> {
    FileConfig::parse(text, Path::new("/cfg/config.toml"))
}

#[test]
fn sources_default_to_every_exchange_every_five_minutes() {
    let s = resolve(&FlagValues::default(), &Env::new(), None, None).unwrap();
    assert_eq!(s.exchanges.value, Exchange::ALL.to_vec());
    assert_eq!(s.exchange_interval.value, Duration::from_secs(300));
    for e in Exchange::ALL {
        assert_eq!(s.exchange_url(e), e.default_url());
        assert_eq!(s.exchange_url_source(e), Source::Default);
    }
}

#[test]
fn sources_are_read_from_the_file() {
    let file = parse(
        "[sources]\nexchanges = [\"okx\", \"binance\"]\nexchange_interval = 60\n\
         [sources.url]\nbinance = \"http://127.0.0.1:8080/mirror\"\n",
    )
    .unwrap();
    let s = resolve(&FlagValues::default(), &Env::new(), None, Some(&file)).unwrap();
    assert_eq!(s.exchanges.value, [Exchange::Okx, Exchange::Binance]);
    assert_eq!(s.exchanges.source, Source::File);
    assert_eq!(s.exchange_interval.value, Duration::from_secs(60));
    assert_eq!(
        s.exchange_url(Exchange::Binance),
        "http://127.0.0.1:8080/mirror"
    );
    assert_eq!(s.exchange_url_source(Exchange::Binance), Source::File);
    assert_eq!(s.exchange_url(Exchange::Okx), Exchange::Okx.default_url());
    assert_eq!(s.exchange_url_source(Exchange::Okx), Source::Default);

    let off = parse("[sources]\nexchanges = []\n").unwrap();
    let s = resolve(&FlagValues::default(), &Env::new(), None, Some(&off)).unwrap();
    assert!(s.exchanges.value.is_empty(), "[] turns them off");
}

#[test]
fn bad_sources_name_the_line_and_the_key() {
    for (text, line, key, kind, says) in [
        (
            "[sources]\nexchanges = [\"binance\", \"ftx\"]\n",
            2,
            "sources.exchanges",
            ErrorKind::Invalid,
            "unknown exchange \"ftx\" (the exchanges are binance, coinbase, kraken, okx, bybit, gate)",
        ),
        (
            "[sources]\nexchanges = [\"okx\",\n  \"okx\"]\n",
            3,
            "sources.exchanges",
            ErrorKind::Invalid,
            "\"okx\" is listed twice",
        ),
        (
            "[sources]\nexchanges = \"okx\"\n",
            2,
            "sources.exchanges",
            ErrorKind::WrongType,
            "expected a list of exchange names, found a string",
        ),
        (
            "[sources]\n\nexchange_interval = 59\n",
            3,
            "sources.exchange_interval",
            ErrorKind::Invalid,
            "59 is below the minimum of 60 seconds",
        ),
        (
            "[sources]\nexchange_interval = 86401\n",
            2,
            "sources.exchange_interval",
            ErrorKind::Invalid,
            "86401 is above the maximum of 86400 seconds (a day)",
        ),
        (
            "[sources]\nexchange_interval = -1\n",
            2,
            "sources.exchange_interval",
            ErrorKind::Invalid,
            "-1 is below the minimum of 60 seconds",
        ),
        (
            "[sources.url]\nokx = \"http://mirror.example\"\n",
            2,
            "sources.url.okx",
            ErrorKind::Invalid,
            "plain http is allowed only to 127.0.0.1, ::1 or localhost; use https",
        ),
        (
            "[sources.url]\ngate = \"ftp://x\"\n",
            2,
            "sources.url.gate",
            ErrorKind::Invalid,
            "not an http(s) URL",
        ),
        (
            "[sources]\npremarket = [\"hyperliquid\", \"aevo\"]\n",
            2,
            "sources.premarket",
            ErrorKind::Invalid,
            "unknown pre-market venue \"aevo\" (the venues are hyperliquid, bybit, okx, binance)",
        ),
        (
            "[sources]\npremarket = [\"okx\", \"okx\"]\n",
            2,
            "sources.premarket",
            ErrorKind::Invalid,
            "\"okx\" is listed twice",
        ),
        (
            "[sources]\npremarket_interval = 10\n",
            2,
            "sources.premarket_interval",
            ErrorKind::Invalid,
            "10 is below the minimum of 30 seconds",
        ),
        (
            "[sources.url]\nhyperliquid = \"http://mirror.example\"\n",
            2,
            "sources.url.hyperliquid",
            ErrorKind::Invalid,
            "plain http is allowed only to 127.0.0.1, ::1 or localhost; use https",
        ),
        (
            "[sources.url]\nftx = \"https://ftx.com\"\n",
            2,
            "sources.url.ftx",
            ErrorKind::UnknownKey,
            "unknown key \"ftx\" in [sources.url] (known keys: binance, coinbase, kraken, okx, bybit, gate, hyperliquid, dexscreener, defillama)",
        ),
        (
            "[sources]\ndex = [\"geckoterminal\"]\n",
            2,
            "sources.dex",
            ErrorKind::Invalid,
            "unknown DEX source \"geckoterminal\" (the sources are dexscreener)",
        ),
        (
            "[sources]\ndex_interval = 5\n",
            2,
            "sources.dex_interval",
            ErrorKind::Invalid,
            "5 is below the minimum of 30 seconds",
        ),
        (
            "[sources]\ndex_min_liquidity_usd = -1\n",
            2,
            "sources.dex_min_liquidity_usd",
            ErrorKind::Invalid,
            "-1 is not an amount from 0 to 1000000000000 dollars",
        ),
        (
            "[sources]\ndex_min_liquidity_usd = 2500.5\n",
            2,
            "sources.dex_min_liquidity_usd",
            ErrorKind::WrongType,
            "expected a whole number of US dollars, found a float",
        ),
        (
            "[sources.url]\ndexscreener = \"http://mirror.example\"\n",
            2,
            "sources.url.dexscreener",
            ErrorKind::Invalid,
            "plain http is allowed only to 127.0.0.1, ::1 or localhost; use https",
        ),
        (
            "[sources]\ninterval = 60\n",
            2,
            "sources.interval",
            ErrorKind::UnknownKey,
            "unknown key \"interval\" in [sources]",
        ),
    ] {
        let err = parse(text).unwrap_err();
        assert_eq!(err.line, Some(line), "{text}: {err}");
        assert_eq!(err.key.as_deref(), Some(key), "{text}: {err}");
        assert_eq!(err.kind, kind, "{text}: {err}");
        let shown = err.to_string();
        assert!(shown.contains(says), "{text}: {shown}");
        assert!(shown.contains("/cfg/config.toml"), "{shown}");
    }
}

#[test]
fn a_mirror_s_secrets_are_never_shown() {
    let text = "[sources.url]\nkraken = \"https://me:sekrit@mirror.example/kraken\"\n";
    let err = parse(text).unwrap_err().to_string();
    assert!(!err.contains("sekrit"), "{err}");
    assert!(err.contains("credentials"), "{err}");
    let err = parse("[sources.url]\nkraken = \"http://me:sekrit@mirror.example/?k=sekrit\"\n")
        .unwrap_err()
        .to_string();
    assert!(!err.contains("sekrit"), "{err}");

    // A URL the config accepts is still shown redacted by `prelist config`.
    let file =
        parse("[sources.url]\nbybit = \"https://mirror.example/by#token=sekrit\"\n").unwrap();
    let s = resolve(&FlagValues::default(), &Env::new(), None, Some(&file)).unwrap();
    let described = s.describe();
    assert!(!described.contains("sekrit"), "{described}");
    assert!(
        described.contains(
            "sources.url.bybit = \"https://mirror.example/by#token=***\"  (from config file"
        ),
        "{described}"
    );
    assert!(
        described.contains("sources.url.okx = \"https://www.okx.com\"  (default)"),
        "{described}"
    );
    assert!(
        described.contains(
            "sources.exchanges = [\"binance\", \"coinbase\", \"kraken\", \"okx\", \"bybit\", \"gate\"]  (default)"
        ),
        "{described}"
    );
    assert!(
        described.contains("sources.exchange_interval = 300  (default)"),
        "{described}"
    );
}

#[test]
fn the_dex_settings_are_read_shown_and_named_by_the_environment() {
    let s = resolve(&FlagValues::default(), &Env::new(), None, None).unwrap();
    let described = s.describe();
    for line in [
        "sources.dex = [\"dexscreener\"]  (default)",
        "sources.dex_min_liquidity_usd = 10000  (default)",
        "sources.dex_interval = 60  (default)",
        "sources.url.dexscreener = \"https://api.dexscreener.com\"  (default)",
    ] {
        assert!(described.contains(line), "{line}\n{described}");
    }
    let file = parse(
        "[sources]\ndex = []\ndex_min_liquidity_usd = 50000\ndex_interval = 120\n\
         [sources.url]\ndexscreener = \"http://127.0.0.1:8080\"\n",
    )
    .unwrap();
    let s = resolve(&FlagValues::default(), &Env::new(), None, Some(&file)).unwrap();
    assert!(s.dex.value.is_empty());
    assert_eq!(s.dex_min_liquidity_usd.value, 50_000);
    assert_eq!(s.dex_interval.value.as_secs(), 120);
    assert_eq!(s.dex_url(), "http://127.0.0.1:8080");
    // The environment wins over the file, and names a bad source.
    let env = Env::new().set("PRELIST_DEX", "DexScreener");
    let s = resolve(&FlagValues::default(), &env, None, Some(&file)).unwrap();
    assert_eq!(s.dex.value.len(), 1);
    assert!(
        s.describe()
            .contains("sources.dex = [\"dexscreener\"]  (from environment PRELIST_DEX)"),
        "{}",
        s.describe()
    );
    let env = Env::new().set("PRELIST_DEX", "uniswap");
    let err = resolve(&FlagValues::default(), &env, None, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("PRELIST_DEX") && err.contains("unknown DEX source \"uniswap\""),
        "{err}"
    );
}

#[test]
fn discover_days_are_read_checked_and_shown() {
    let file = parse("[display]\ndiscover_days = 30\n").unwrap();
    let s = resolve(&FlagValues::default(), &Env::new(), None, Some(&file)).unwrap();
    assert_eq!(s.discover_days.value, 30);
    assert!(
        s.describe()
            .contains("display.discover_days = 30  (from config file")
    );
    let default = resolve(&FlagValues::default(), &Env::new(), None, None).unwrap();
    assert!(
        default
            .describe()
            .contains("display.discover_days = 7  (default)")
    );
    for bad in ["0", "366", "-1"] {
        let err = parse(&format!("[display]\ndiscover_days = {bad}\n")).unwrap_err();
        assert_eq!(err.line, Some(2));
        assert_eq!(err.key.as_deref(), Some("display.discover_days"));
        assert!(err.to_string().contains("from 1 to 365"), "{err}");
    }
}
