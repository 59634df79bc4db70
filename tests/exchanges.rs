//! Exchange listings end to end through the app, the state file and the
//! outputs, with looks made up in the test: nothing here reaches a network.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test's helpers fail the test by panicking, as its assertions do"
)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use prelist::app::{App, Effect, Msg};
use prelist::book::Book;
use prelist::keymap::Action;
use prelist::listing::Listings;
use prelist::market::MarketError;
use prelist::model::Watchlist;
use prelist::sources::watch::Look;
use prelist::sources::{Exchange, ExchangeSource, Pair, PairState};
use prelist::store::{self, State};
use prelist::view::Column;
use prelist::watcher::Input;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::time::Instant;

/// 2027-01-15 08:00 UTC.
const T0: i64 = 1_800_000_000;

fn pair(base: &str, quote: &str, state: PairState) -> Pair {
    Pair {
        base: base.into(),
        quote: quote.into(),
        state,
    }
}

fn trading(base: &str, quote: &str) -> Pair {
    pair(base, quote, PairState::Trading)
}

fn app_with(book: Book) -> App {
    let mut app = App::new(Watchlist::builtin(), Listings::new())
        .with_book(book)
        .with_time_zone(jiff::tz::TimeZone::UTC);
    app.enable_polling();
    app
}

/// A look at `exchange` answered at `at`.
fn look(
    app: &mut App,
    exchange: Exchange,
    result: Result<Vec<Pair>, MarketError>,
    at: i64,
) -> Vec<Effect> {
    let _ = app.update(Input::Clock {
        now: app.now().0,
        wall: at,
    });
    app.update(Input::Exchange(Look {
        exchange,
        result,
        next_in: Duration::from_secs(300),
    }))
}

fn status(app: &App, name: &str) -> String {
    let coin = app
        .watchlist()
        .coins
        .iter()
        .find(|c| c.name == name)
        .unwrap();
    prelist::view::cell(coin, (app.listings(), app.book(), None), Column::Status, T0)
}

fn log_texts(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Log(l) => Some(l.text.clone()),
            _ => None,
        })
        .collect()
}

fn select(app: &mut App, name: &str) {
    let _ = app.update(Action::First);
    while app.selected_coin().unwrap().name != name {
        let _ = app.update(Action::Down);
    }
}

fn screen(app: &mut App, width: u16, height: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(width, height)).unwrap();
    let theme = prelist::ui::theme::Palette::default();
    let mut vp = None;
    t.draw(|f| vp = Some(prelist::ui::draw(f, app, &theme)))
        .unwrap();
    let _ = app.update(Msg::Drawn(vp.unwrap()));
    let buf = t.backend().buffer();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_listing_appearing_flips_the_coin_names_the_source_and_is_saved() {
    let mut app = app_with(Book::default());
    let effects = look(
        &mut app,
        Exchange::Binance,
        Ok(vec![trading("BTC", "USDT")]),
        T0,
    );
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Notify(_))),
        "the first look is no news"
    );
    for e in effects {
        if let Effect::SaveState(sent) = e {
            let _ = app.update(Input::StateSaved {
                result: Ok(sent.clone()),
                sent,
            });
        }
    }
    let effects = look(
        &mut app,
        Exchange::Binance,
        Ok(vec![trading("BTC", "USDT"), trading("NIL", "USDT")]),
        T0 + 300,
    );
    assert_eq!(
        log_texts(&effects),
        ["Nillion (NIL) listed on Binance: NIL/USDT"]
    );
    assert!(
        !effects.iter().any(|e| matches!(e, Effect::Notify(_))),
        "told once its claim is written"
    );
    let saved = effects.iter().find_map(|e| match e {
        Effect::SaveState(s) => Some(s.clone()),
        _ => None,
    });
    let sent = saved.clone().unwrap();
    let after = app.update(Input::StateSaved {
        result: Ok(sent.clone()),
        sent,
    });
    let told: Vec<_> = after
        .iter()
        .filter_map(|e| match e {
            Effect::Notify(events) => Some(events),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].event, prelist::notify::EventKind::Listed);
    assert_eq!(told[0].source, "binance");
    assert_eq!(told[0].ticker.as_deref(), Some("NIL"));
    assert_eq!(told[0].message, "Nillion (NIL) listed on Binance: NIL/USDT");
    assert!(
        saved.unwrap().book.exchanges[&Exchange::Binance]
            .assets
            .contains_key("NIL"),
        "the listing is written at once"
    );
    assert_eq!(status(&app, "Nillion"), "trading");
    let effects = look(
        &mut app,
        Exchange::Binance,
        Ok(vec![trading("NIL", "USDT"), trading("PRCL", "USDT")]),
        T0 + 600,
    );
    assert_eq!(
        log_texts(&effects),
        ["Parcl (PRCL) listed on Binance: PRCL/USDT"]
    );
    assert_eq!(
        app.flash(),
        Some("Parcl (PRCL) listed on Binance: PRCL/USDT")
    );
    // A new quote pair of an asset already there is nothing new.
    let effects = look(
        &mut app,
        Exchange::Binance,
        Ok(vec![
            trading("NIL", "USDT"),
            trading("PRCL", "USDT"),
            trading("PRCL", "BTC"),
        ]),
        T0 + 900,
    );
    assert!(log_texts(&effects).is_empty());
    assert!(!effects.iter().any(|e| matches!(e, Effect::Notify(_))));
}

/// The events told once the state `effects` asked to save is written.
fn told_after_save(app: &mut App, effects: Vec<Effect>) -> Vec<prelist::notify::Event> {
    let mut told = Vec::new();
    for e in effects {
        if let Effect::SaveState(sent) = e {
            for after in app.update(Input::StateSaved {
                result: Ok(sent.clone()),
                sent,
            }) {
                if let Effect::Notify(events) = after {
                    told.extend(events);
                }
            }
        }
    }
    told
}

#[test]
fn a_trading_coin_listed_on_another_exchange_is_a_venue_event() {
    let mut app = app_with(Book::default());
    let first = look(
        &mut app,
        Exchange::Okx,
        Ok(vec![trading("BTC", "USDT")]),
        T0,
    );
    let _ = told_after_save(&mut app, first);
    let first = look(
        &mut app,
        Exchange::Binance,
        Ok(vec![trading("BTC", "USDT")]),
        T0,
    );
    let _ = told_after_save(&mut app, first);
    // Listed on OKX: a listing.
    let okx = look(
        &mut app,
        Exchange::Okx,
        Ok(vec![trading("BTC", "USDT"), trading("NIL", "USDT")]),
        T0 + 300,
    );
    let told = told_after_save(&mut app, okx);
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].event, prelist::notify::EventKind::Listed);
    // Then on Binance: where else it trades.
    let binance = look(
        &mut app,
        Exchange::Binance,
        Ok(vec![trading("BTC", "USDT"), trading("NIL", "USDT")]),
        T0 + 360,
    );
    assert_eq!(
        log_texts(&binance),
        ["Nillion now also trades on Binance: NIL/USDT"]
    );
    let told = told_after_save(&mut app, binance);
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].event, prelist::notify::EventKind::Venue);
    assert_eq!(told[0].venue.as_deref(), Some("binance"));
    assert_eq!(told[0].source, "binance");
    let json: serde_json::Value = serde_json::from_str(&told[0].to_json()).unwrap();
    assert_eq!(json["event"], "venue");
    assert_eq!(json["venue"], "binance");
    assert_eq!(status(&app, "Nillion"), "trading");
}

#[test]
fn a_ticker_already_listed_is_ambiguous_until_confirmed() {
    let mut app = app_with(Book::default());
    look(
        &mut app,
        Exchange::Binance,
        Ok(vec![trading("NIL", "USDT")]),
        T0,
    );
    assert_eq!(status(&app, "Nillion"), "upcoming");
    select(&mut app, "Nillion");
    let shown = screen(&mut app, 120, 40);
    assert!(
        shown.contains("ticker already on Binance (may be another coin)"),
        "{shown}"
    );
    let effects = app.update(Action::ConfirmListing);
    assert_eq!(status(&app, "Nillion"), "trading");
    assert_eq!(
        app.flash(),
        Some("confirmed: Nillion is the coin listed on Binance")
    );
    assert!(
        app.saves_pending() && log_texts(&effects).len() == 1,
        "written, and logged"
    );
    // Nothing left to confirm for a coin no exchange listed.
    select(&mut app, "Parcl");
    let _ = app.update(Action::ConfirmListing);
    assert!(app.flash().unwrap().starts_with("nothing to confirm"));
}

#[test]
fn pairs_not_trading_and_scheduled_openings() {
    let mut app = app_with(Book::default());
    look(
        &mut app,
        Exchange::Okx,
        Ok(vec![trading("BTC", "USDT")]),
        T0,
    );
    look(
        &mut app,
        Exchange::Gate,
        Ok(vec![trading("BTC", "USDT")]),
        T0,
    );
    let opens = T0 + 300 + 86_400 + 3 * 3600;
    let effects = look(
        &mut app,
        Exchange::Gate,
        Ok(vec![pair("NIL", "USDT", PairState::Closed)]),
        T0 + 300,
    );
    assert!(
        log_texts(&effects).is_empty(),
        "a closed pair is no listing"
    );
    assert_eq!(status(&app, "Nillion"), "upcoming");
    let effects = look(
        &mut app,
        Exchange::Okx,
        Ok(vec![pair(
            "NIL",
            "USDT",
            PairState::Scheduled { opens_at: opens },
        )]),
        T0 + 300,
    );
    assert_eq!(
        log_texts(&effects),
        ["Nillion (NIL) opens on OKX 2027-01-16 11:05 UTC (in 1 d 3 h): NIL/USDT"]
    );
    assert_eq!(status(&app, "Nillion"), "scheduled");
    select(&mut app, "Nillion");
    let shown = screen(&mut app, 120, 40);
    assert!(
        shown.contains("opens on OKX 2027-01-16 11:05 UTC (in 1 d 3 h)"),
        "{shown}"
    );
    // The records carry it.
    let coins: Vec<_> = app.watchlist().coins.iter().collect();
    let json: serde_json::Value = serde_json::from_str(&prelist::list::to_json(
        &coins,
        app.listings(),
        app.book(),
        None,
    ))
    .unwrap();
    let nil = json
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Nillion")
        .unwrap();
    assert_eq!(nil["status"], "scheduled");
    assert_eq!(nil["scheduled_at"], "2027-01-16T11:05:00Z");
    let exchanges = nil["exchanges"].as_array().unwrap();
    assert_eq!(exchanges.len(), 2, "{exchanges:?}");
    assert_eq!(exchanges[0]["exchange"], "okx");
    assert_eq!(exchanges[0]["pair"], "NIL/USDT");
    assert_eq!(exchanges[0]["status"], "scheduled");
    assert_eq!(exchanges[0]["first_seen"], "2027-01-15T08:05:00Z");
    assert_eq!(exchanges[0]["scheduled_at"], "2027-01-16T11:05:00Z");
    assert_eq!(exchanges[1]["exchange"], "gate");
    assert_eq!(exchanges[1]["status"], "closed");
    let parcl = json
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Parcl")
        .unwrap();
    assert_eq!(parcl["scheduled_at"], serde_json::Value::Null);
    assert_eq!(parcl["exchanges"], serde_json::json!([]));
    // CSV: the pairs in one cell.
    let csv = prelist::transfer::export_csv(&coins, (app.listings(), app.book(), None));
    let header = csv.lines().next().unwrap();
    assert!(header.contains(",scheduled_at,exchanges,"), "{header}");
    assert!(
        csv.contains(
            "okx NIL/USDT scheduled at 2027-01-16T11:05:00Z; gate NIL/USDT closed since 2027-01-15T08:05:00Z"
        ),
        "{csv}"
    );
    // `list --status scheduled` and the `f` filter's third step.
    let _ = app.update(Action::CycleStatus);
    let _ = app.update(Action::CycleStatus);
    let shown: Vec<&str> = app
        .rows()
        .iter()
        .map(|&i| app.watchlist().coins[i].name.as_str())
        .collect();
    assert_eq!(shown, ["Nillion"]);
}

#[test]
fn an_appearance_while_closed_is_told_at_the_next_look() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(store::STATE_FILE);
    let mut first = app_with(Book::default());
    look(
        &mut first,
        Exchange::Binance,
        Ok(vec![trading("BTC", "USDT")]),
        T0,
    );
    store::StateStore::save(
        &*store::open_state(&path).unwrap(),
        &State {
            listings: Listings::new(),
            book: first.book().clone(),
            ..State::default()
        },
    )
    .unwrap();
    // A day later prelist starts again from the state database.
    let state = store::StateStore::load(&*store::open_state(&path).unwrap()).unwrap();
    assert_eq!(&state.book, first.book());
    let mut app = app_with(state.book);
    let effects = look(
        &mut app,
        Exchange::Binance,
        Ok(vec![trading("BTC", "USDT"), trading("nil", "usdt")]),
        T0 + 86_400,
    );
    assert_eq!(
        log_texts(&effects),
        [
            "Nillion (NIL) listed on Binance between 2027-01-15 08:00 UTC and 2027-01-16 08:00 UTC: NIL/USDT"
        ]
    );
}

#[test]
fn one_source_failing_never_stops_another() {
    let mut app = app_with(Book::default());
    look(&mut app, Exchange::Okx, Ok(vec![]), T0);
    let effects = look(
        &mut app,
        Exchange::Binance,
        Err(MarketError::Status { status: 503 }),
        T0 + 10,
    );
    assert_eq!(
        log_texts(&effects),
        ["Binance look failed: the API answered HTTP 503 (retry in 5 m)"]
    );
    let effects = look(
        &mut app,
        Exchange::Okx,
        Ok(vec![trading("NIL", "USDT")]),
        T0 + 300,
    );
    assert_eq!(
        log_texts(&effects),
        ["Nillion (NIL) listed on OKX: NIL/USDT"]
    );
    let line = prelist::ui::poll_text(&app).unwrap();
    assert!(line.contains("Binance failing"), "{line}");
}

/// A list that always says the same, or always fails.
struct Fixed {
    exchange: Exchange,
    answer: Result<Vec<Pair>, MarketError>,
}

impl ExchangeSource for Fixed {
    fn exchange(&self) -> Exchange {
        self.exchange
    }

    async fn look(&self, _now: i64) -> Result<Vec<Pair>, MarketError> {
        self.answer.clone()
    }
}

#[tokio::test(start_paused = true)]
async fn the_runner_watches_every_exchange_and_one_failing_holds_none_up() {
    let dir = tempfile::tempdir().unwrap();
    let (_, store) = prelist::store::WatchlistStore::open(dir.path(), None).unwrap();
    let (inbox, mut msgs) = tokio::sync::mpsc::unbounded_channel();
    let mut runner = prelist::runner::Runner::<prelist::market::coingecko::CoinGecko>::new(
        Err("no API in this test".into()),
        store::open_state(&dir.path().join(store::STATE_FILE)).unwrap(),
        store,
        inbox,
        Box::new(std::io::sink()),
    );
    let sources = vec![
        Arc::new(Fixed {
            exchange: Exchange::Binance,
            answer: Err(MarketError::Timeout),
        }),
        Arc::new(Fixed {
            exchange: Exchange::Okx,
            answer: Ok(vec![trading("NIL", "USDT")]),
        }),
    ];
    runner.start_exchanges(sources, Duration::from_secs(300));
    let start = Instant::now();
    let mut okx = 0;
    while okx < 3 {
        match msgs.recv().await.unwrap() {
            Input::Exchange(l) if l.exchange == Exchange::Okx => {
                assert!(l.result.is_ok());
                okx += 1;
            }
            Input::Exchange(l) => assert_eq!(l.result, Err(MarketError::Timeout)),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(start.elapsed(), Duration::from_secs(600), "every 300 s");
    runner.stop_poller();
}

// ---- through the binary, against a loopback Binance ----

fn binance_list(bases: &[&str]) -> serde_json::Value {
    let symbols: Vec<serde_json::Value> = bases
        .iter()
        .map(|b| {
            serde_json::json!({
                "symbol": format!("{b}USDT"), "status": "TRADING",
                "baseAsset": b, "quoteAsset": "USDT"
            })
        })
        .collect();
    serde_json::json!({ "timezone": "UTC", "symbols": symbols })
}

#[tokio::test(flavor = "multi_thread")]
async fn check_sees_a_coin_list_on_a_configured_exchange() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v3/simple/price"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(&server)
        .await;
    let binance = |bases: &'static [&'static str]| {
        Mock::given(method("GET"))
            .and(path("/api/v3/exchangeInfo"))
            .respond_with(ResponseTemplate::new(200).set_body_json(binance_list(bases)))
    };
    binance(&["BTC", "ETH"]).mount(&server).await;

    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[sources]\nexchanges = [\"binance\"]\n[sources.url]\nbinance = \"{}\"\n",
            server.uri()
        ),
    )
    .unwrap();
    let run = |home: std::path::PathBuf, config: std::path::PathBuf, api: String| {
        let mut cmd = common::command(&home);
        // The config, not the test helper's blanket override, says what to watch.
        cmd.env_remove("PRELIST_EXCHANGES")
            .env("PRELIST_CONFIG", config)
            .env("PRELIST_DATA_DIR", home.join("data"))
            .args(["check", "--json", "--api-url", &api]);
        cmd.output().unwrap()
    };
    let api = format!("{}/api/v3", server.uri());
    let (h, c, a) = (home.path().to_path_buf(), config.clone(), api.clone());
    let first = tokio::task::spawn_blocking(move || run(h, c, a))
        .await
        .unwrap();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let list: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    let nillion = |list: &serde_json::Value| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "Nillion")
            .unwrap()
            .clone()
    };
    assert_eq!(nillion(&list)["status"], "upcoming");

    // NIL appears on Binance after that first look: a listing.
    server.reset().await;
    Mock::given(method("GET"))
        .and(path("/api/v3/simple/price"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .mount(&server)
        .await;
    binance(&["BTC", "ETH", "NIL"]).mount(&server).await;
    let (h, c, a) = (home.path().to_path_buf(), config, api);
    let second = tokio::task::spawn_blocking(move || run(h, c, a))
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(second.status.success(), "{stderr}");
    // `check` was not watching in between: it names the span it missed.
    assert!(
        stderr.contains("Nillion (NIL) listed on Binance between ")
            && stderr.contains(": NIL/USDT"),
        "{stderr}"
    );
    let list: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    let nil = nillion(&list);
    assert_eq!(nil["status"], "trading");
    assert_eq!(nil["exchanges"][0]["exchange"], "binance");
    assert_eq!(nil["exchanges"][0]["pair"], "NIL/USDT");
    let looks = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/api/v3/exchangeInfo")
        .count();
    assert_eq!(looks, 1, "one request per look");
}
