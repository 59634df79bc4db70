//! Every parser fed arbitrary input: the watchlist, the state file, the
//! config file and the API's answers. None may panic; every error names the
//! file it is about and carries no control character that could reach a
//! terminal; and what prelist writes, it reads back the same.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test's helpers fail the test by panicking, as its assertions do"
)]

use std::path::Path;

use prelist::config::FileConfig;
use prelist::market::coingecko::{parse_search, parse_simple_price};
use prelist::model::Watchlist;
use prelist::sources::{Exchange, PairState};
use prelist::store;
use prelist::text::is_unsafe;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Enough cases to reach the odd corner on every run, few enough that a
/// debug build runs them in seconds.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    }
}

/// Fails unless `msg` is fit for a terminal and, when a file is involved,
/// names it.
fn assert_clean(msg: &str, file: Option<&Path>) -> Result<(), TestCaseError> {
    prop_assert!(
        !msg.chars().any(is_unsafe),
        "a control character in {msg:?}"
    );
    if let Some(file) = file {
        let name = file.display().to_string();
        prop_assert!(msg.contains(&name), "{name} is not named in {msg:?}");
    }
    Ok(())
}

// ---- Strategies ----

/// Text with what breaks parsers and terminals more often than chance
/// would give it: escapes, controls, bidi marks, a byte-order mark, quotes,
/// non-ASCII.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => any::<String>(),
        2 => "[a-z0-9 ._-]{0,12}",
        1 => prop::collection::vec(
            prop::sample::select(vec![
                "\u{1b}]0;pwned\u{7}", "\u{1b}[31m", "\r", "\n", "\t", "\0", "\u{7f}",
                "\u{2028}", "\u{202e}", "\u{2066}", "\u{feff}", "\"", "\\", "é", "𝕏", "=", "@",
                "-", " ", "a", "1",
            ]),
            0..8,
        )
        .prop_map(|parts| parts.concat()),
    ]
}

/// Numbers at the edges: zero, negatives, the limits of f64 and u32, the
/// price bound, and anything else.
fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(vec![
            json!(0),
            json!(-5),
            json!(0.61),
            json!(1e9),
            json!(1.0e10),
            json!(1e308),
            json!(5e-324),
            json!(-0.0),
            json!(u32::MAX),
            json!(u64::from(u32::MAX) + 1),
            json!(i64::MIN),
            json!(u64::MAX),
            json!(100),
            json!(101),
            json!(1),
        ]),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        // Not finite becomes null, as JSON has no such number.
        any::<f64>().prop_map(Value::from),
    ]
}

/// Any JSON value, nested, with object keys drawn from `keys` most of the
/// time so that the parser's own fields are hit.
fn json_value(keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        text().prop_map(Value::String),
        prop::sample::select(keys).prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            object(keys, inner),
        ]
    })
}

/// An object of `values` under keys mostly from `keys`.
fn object(
    keys: &'static [&'static str],
    values: impl Strategy<Value = Value>,
) -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        3 => prop::sample::select(keys).prop_map(String::from),
        1 => text(),
    ];
    prop::collection::vec((key, values), 0..8)
        .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>()))
}

const COIN_FIELDS: &[&str] = &[
    "rank",
    "name",
    "other_names",
    "ticker",
    "category",
    "summary",
    "thesis",
    "narratives",
    "competitors",
    "backers",
    "vibes",
    "score_kind",
    "score",
    "airdrop",
    "launch",
    "market_id",
    "notes",
    "alert_above",
    "alert_below",
    "tech",
    "fundamental",
    "confirmed",
    "probable",
    "version",
    "coins",
];

/// Something shaped like a watchlist, wrong in any way: a version, coins
/// that are objects of the coin's fields with values of any type.
fn watchlist_json() -> impl Strategy<Value = Value> {
    let version = prop_oneof![3 => Just(json!(1)), 1 => json_value(COIN_FIELDS)];
    // Mostly with the two fields a coin needs, so validation is reached.
    let needed = (number(), text()).prop_map(|(rank, name)| json!({"rank": rank, "name": name}));
    let coin = prop_oneof![
        4 => (needed, object(COIN_FIELDS, json_value(COIN_FIELDS))).prop_map(merged),
        2 => object(COIN_FIELDS, json_value(COIN_FIELDS)),
        1 => json_value(COIN_FIELDS),
    ];
    (version, prop::collection::vec(coin, 0..6))
        .prop_map(|(v, coins)| json!({"version": v, "coins": coins}))
}

/// `base` with the fields of `extra` (when it is an object) set over it.
fn merged((mut base, extra): (Value, Value)) -> Value {
    if let (Some(base), Value::Object(extra)) = (base.as_object_mut(), extra) {
        base.extend(extra);
    }
    base
}

const STATE_FIELDS: &[&str] = &[
    "version",
    "listings",
    "listed_at",
    "first_price",
    "price_usd",
    "change_24h",
    "market_cap",
    "updated_at",
    "stale",
    "alerts",
    "above",
    "below",
    "threshold",
    "fired_at",
    "rearmed_at",
    "history",
    "told",
    "at",
    "by",
    "listed:coingecko:nillion:NIL",
    "nillion",
    "",
    " ",
];

/// Something shaped like a state file: a version and listings by id whose
/// fields hold anything.
fn state_json() -> impl Strategy<Value = Value> {
    let version = prop_oneof![3 => Just(json!(1)), 1 => json_value(STATE_FIELDS)];
    // Mostly with every field a listing needs, so its checks are reached.
    let field = || prop_oneof![6 => number(), 1 => json_value(STATE_FIELDS)];
    // Histories of `[time, price]` pairs, mostly of that shape.
    let point = prop_oneof![
        4 => (field(), field()).prop_map(|(at, price)| json!([at, price])),
        1 => json_value(STATE_FIELDS),
    ];
    let history = prop::collection::vec(point, 0..6).prop_map(Value::Array);
    let complete = (field(), field(), field(), field(), any::<bool>(), history).prop_map(
        |(listed_at, first_price, price_usd, updated_at, stale, history)| {
            json!({
                "listed_at": listed_at,
                "first_price": first_price,
                "price_usd": price_usd,
                "change_24h": null,
                "updated_at": updated_at,
                "stale": stale,
                "history": history,
            })
        },
    );
    let listing = prop_oneof![
        4 => (complete, object(STATE_FIELDS, field())).prop_map(merged),
        2 => object(STATE_FIELDS, field()),
        1 => json_value(STATE_FIELDS),
    ];
    // Alert memos, mostly of the shape a poll writes, with any values.
    let mark = (field(), field(), prop::option::of(field())).prop_map(|(t, fired, rearmed)| {
        let mut m = json!({"threshold": t, "fired_at": fired});
        if let Some(r) = rearmed {
            m["rearmed_at"] = r;
        }
        m
    });
    let memo = prop_oneof![
        4 => (prop::option::of(mark.clone()), prop::option::of(mark)).prop_map(|(a, b)| {
            let mut m = json!({});
            if let Some(a) = a {
                m["above"] = a;
            }
            if let Some(b) = b {
                m["below"] = b;
            }
            m
        }),
        1 => json_value(STATE_FIELDS),
    ];
    let alerts = prop_oneof![
        2 => Just(None),
        3 => object(STATE_FIELDS, memo).prop_map(Some),
    ];
    // Claims of events told, mostly of the shape an instance writes.
    let claim = prop_oneof![
        4 => (field(), field()).prop_map(|(at, by)| json!({"at": at, "by": by})),
        1 => json_value(STATE_FIELDS),
    ];
    let told = prop::option::of(object(STATE_FIELDS, claim));
    (version, object(STATE_FIELDS, listing), alerts, told).prop_map(
        |(v, listings, alerts, told)| {
            let mut state = json!({"version": v, "listings": listings});
            if let Some(alerts) = alerts {
                state["alerts"] = alerts;
            }
            if let Some(told) = told {
                state["told"] = told;
            }
            state
        },
    )
}

const API_FIELDS: &[&str] = &[
    "usd",
    "usd_24h_change",
    "usd_market_cap",
    "last_updated_at",
    "status",
    "error_code",
    "coins",
    "id",
    "name",
    "symbol",
    "market_cap_rank",
    "nillion",
    "",
];

/// A `/simple/price` answer: prices by id with fields of any type.
fn price_answer() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => object(API_FIELDS, object(API_FIELDS, prop_oneof![3 => number(), 1 => json_value(API_FIELDS)])),
        1 => json_value(API_FIELDS),
    ]
}

/// A `/search` answer: coins with fields of any type.
fn search_answer() -> impl Strategy<Value = Value> {
    let coin = object(API_FIELDS, json_value(API_FIELDS));
    prop_oneof![
        3 => prop::collection::vec(coin, 0..6).prop_map(|coins| json!({"coins": coins})),
        1 => json_value(API_FIELDS),
    ]
}

/// One line of a config file: a section, a setting, or noise.
fn config_line() -> impl Strategy<Value = String> {
    let section = prop::sample::select(vec![
        "poll",
        "display",
        "colors",
        "keys",
        "search_keys",
        "help_keys",
        "form_keys",
        "sources",
        "sources.url",
        "nope",
    ]);
    let key = prop::sample::select(vec![
        "enabled",
        "interval",
        "api_url",
        "bell",
        "api_key",
        "pro_api_key",
        "columns",
        "sort",
        "descending",
        "theme",
        "trading",
        "border",
        "quit",
        "help",
        "down",
        "keep",
        "exchanges",
        "exchange_interval",
        "binance",
        "okx",
        "bogus",
    ]);
    let scalar = prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        prop::sample::select(vec![
            "true",
            "10",
            "9",
            "86401",
            "1e400",
            "nan",
            "-inf",
            "0.5",
            "\"mono\"",
            "\"red\"",
            "\"#ff8800\"",
            "\"q\"",
            "\"ctrl-c\"",
            "\"rank\"",
            "\"https://u:p@x/?k=v\"",
            "\"binance\"",
            "\"http://127.0.0.1:1\"",
            "\"http://example.com\"",
            "60",
            "\"ftp://x\"",
            "1979-05-27",
        ])
        .prop_map(String::from),
        text().prop_map(toml_string),
    ];
    let value = prop_oneof![
        3 => scalar.clone(),
        1 => prop::collection::vec(scalar, 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
        1 => text(),
    ];
    prop_oneof![
        2 => section.prop_map(|s| format!("[{s}]")),
        8 => (key, value.clone()).prop_map(|(k, v)| format!("{k} = {v}")),
        // Names of any text, quoted as TOML allows.
        1 => text().prop_map(|s| format!("[{}]", toml_string(s))),
        1 => (text(), value).prop_map(|(k, v)| format!("{} = {v}", toml_string(k))),
        1 => text(),
    ]
}

/// `s` as a TOML string, whatever it holds.
fn toml_string(s: String) -> String {
    toml::Value::String(s).to_string()
}

fn config_text() -> impl Strategy<Value = String> {
    prop::collection::vec(config_line(), 0..12).prop_map(|lines| lines.join("\n"))
}

// ---- The watchlist ----

proptest! {
    #![proptest_config(config())]

    #[test]
    fn watchlist_text_never_panics(text in text()) {
        let path = Path::new("fuzz/watch list.json");
        if let Err(e) = Watchlist::parse(&text, path) {
            assert_clean(&e.to_string(), Some(path))?;
        }
    }

    #[test]
    fn watchlist_shapes_never_panic(value in watchlist_json()) {
        let path = Path::new("fuzz/watchlist.json");
        match Watchlist::parse(&value.to_string(), path) {
            Ok(w) => {
                // Whatever loads, saves and loads again as the same coins.
                let again = Watchlist::parse(&w.to_json(), path).unwrap();
                prop_assert_eq!(again.coins, w.coins);
            }
            Err(e) => assert_clean(&e.to_string(), Some(path))?,
        }
    }

    #[test]
    fn a_valid_watchlist_round_trips(coins in prop::collection::vec(valid_coin(), 0..8)) {
        // Unique names and market ids, by their place in the list.
        let coins: Vec<Value> = coins
            .into_iter()
            .enumerate()
            .map(|(i, (mut coin, named, with_id))| {
                coin["name"] = json!(format!("{i} {named}"));
                if with_id {
                    coin["market_id"] = json!(format!("coin-{i}"));
                }
                coin
            })
            .collect();
        let n = coins.len();
        let text = json!({"version": 1, "coins": coins}).to_string();
        let path = Path::new("fuzz/valid.json");
        let w = Watchlist::parse(&text, path).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(w.coins.len(), n);
        let again = Watchlist::parse(&w.to_json(), path).unwrap();
        prop_assert_eq!(&again.coins, &w.coins);
        // And what a save writes is the same list.
        let saved = Watchlist::parse(&w.file_text().unwrap(), path).unwrap();
        prop_assert_eq!(saved.coins, w.coins);
    }
}

/// A coin every field of which is valid, with the name (to be made unique)
/// and whether it gets a market id given apart.
fn valid_coin() -> impl Strategy<Value = (Value, String, bool)> {
    let strings = || prop::collection::vec(text(), 0..3);
    let kind = prop::sample::select(vec!["tech", "fundamental", " Tech ", "FUNDAMENTAL"]);
    let airdrop = prop::sample::select(vec!["confirmed", "probable", " Probable"]);
    (
        (any::<u32>(), strings(), prop::option::of(text())),
        (text(), text(), text(), strings(), strings(), strings()),
        (
            prop::option::of(text()),
            prop::option::of((kind, 0..=100i64)),
            prop::option::of(airdrop),
            prop::option::of(text()),
            text(),
        ),
        (text(), any::<bool>(), alerts()),
    )
        .prop_map(
            |(
                (rank, other_names, ticker),
                (category, summary, thesis, narratives, competitors, backers),
                (vibes, score, airdrop, launch, notes),
                (name, with_id, (alert_above, alert_below)),
            )| {
                let mut coin = json!({
                    "rank": rank,
                    "other_names": other_names,
                    "ticker": ticker,
                    "category": category,
                    "summary": summary,
                    "thesis": thesis,
                    "narratives": narratives,
                    "competitors": competitors,
                    "backers": backers,
                    "vibes": vibes,
                    "airdrop": airdrop,
                    "launch": launch,
                    "notes": notes,
                });
                if let Some((kind, value)) = score {
                    coin["score_kind"] = json!(kind);
                    coin["score"] = json!(value);
                }
                if let Some(p) = alert_above {
                    coin["alert_above"] = json!(p);
                }
                if let Some(p) = alert_below {
                    coin["alert_below"] = json!(p);
                }
                (coin, name, with_id)
            },
        )
}

/// A price a coin can have: the bounds, and any in between.
fn price() -> impl Strategy<Value = f64> {
    prop_oneof![
        prop::sample::select(vec![
            5e-324,
            1e-12,
            1.919_278_266_881_985_5e-7,
            0.61,
            1.0,
            1e9
        ]),
        (1e-12..=1e9f64),
        // Sub-cent prices, where a parse off by one step is most common.
        (1e-12..=1e-6f64),
    ]
}

/// Valid alerts: either, both (below under above), or none.
fn alerts() -> impl Strategy<Value = (Option<f64>, Option<f64>)> {
    (prop::option::of(price()), prop::option::of(price())).prop_map(|(a, b)| match (a, b) {
        (Some(a), Some(b)) if b >= a => (Some(a), None),
        other => other,
    })
}

// ---- The state file ----

/// Loads `bytes` as a state file and checks the outcome.
fn load_state_of(bytes: &[u8]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    std::fs::write(&path, bytes).unwrap();
    match store::load_state(&path) {
        Ok(listings) => {
            // Only listings a poll could have recorded are ever loaded, and
            // what loads saves and loads again the same.
            for (id, l) in &listings.listings {
                prop_assert_eq!(store::listing_problem(id, l), None);
            }
            for (id, memo) in &listings.alerts {
                prop_assert_eq!(prelist::alert::memo_problem(id, memo), None);
            }
            for (key, claim) in &listings.told {
                prop_assert_eq!(prelist::told::problem(key, claim), None);
            }
            store::save_state(&path, &listings).unwrap();
            prop_assert_eq!(store::load_state(&path).unwrap(), listings);
        }
        Err(e) => assert_clean(&e.to_string(), Some(&path))?,
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn state_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        load_state_of(&bytes)?;
    }

    #[test]
    fn state_text_never_panics(text in text()) {
        load_state_of(text.as_bytes())?;
    }

    #[test]
    fn state_shapes_never_panic(value in state_json()) {
        load_state_of(value.to_string().as_bytes())?;
    }
}

// ---- The config file ----

proptest! {
    #![proptest_config(config())]

    #[test]
    fn config_text_never_panics(text in text()) {
        let path = Path::new("fuzz/config.toml");
        if let Err(e) = FileConfig::parse(&text, path) {
            assert_clean(&e.to_string(), Some(path))?;
        }
    }

    #[test]
    fn config_shapes_never_panic(text in config_text()) {
        let path = Path::new("fuzz/config.toml");
        if let Err(e) = FileConfig::parse(&text, path) {
            let msg = e.to_string();
            assert_clean(&msg, Some(path))?;
            // A line, when said, is one of the file's.
            if let Some(line) = e.line {
                prop_assert!(line >= 1 && line <= text.split('\n').count(), "{msg}");
            }
        }
    }

    #[test]
    fn config_bytes_from_a_file_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, &bytes).unwrap();
        if let Err(e) = prelist::config::read_file(&path) {
            assert_clean(&e.to_string(), Some(&path))?;
        }
    }
}

// ---- The API's answers ----

proptest! {
    #![proptest_config(config())]

    #[test]
    fn price_answers_never_panic(body in price_answer(), extra in prop::collection::vec("[a-z0-9-]{1,8}", 0..3)) {
        // Asked for the ids the answer holds that are market ids, and others.
        let mut requested: Vec<String> = body
            .as_object()
            .map(|m| m.keys().filter(|k| prelist::model::is_market_id(k)).cloned().collect())
            .unwrap_or_default();
        requested.extend(extra);
        match parse_simple_price(&body, &requested) {
            Ok(quotes) => {
                for (id, q) in &quotes {
                    prop_assert!(requested.contains(id), "{id} was not asked for");
                    if let Some(p) = q.price_usd {
                        prop_assert!(prelist::market::is_price(p), "{id}: {p}");
                    }
                }
            }
            Err(e) => assert_clean(&e.to_string(), None)?,
        }
    }

    #[test]
    fn search_answers_never_panic(body in search_answer()) {
        match parse_search(&body) {
            Ok(candidates) => {
                for c in &candidates {
                    prop_assert!(prelist::model::is_market_id(&c.id), "{:?}", c.id);
                }
            }
            Err(e) => assert_clean(&e.to_string(), None)?,
        }
    }

    #[test]
    fn answers_from_any_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..128)) {
        // The client's path: the body parsed as JSON, then read.
        if let Ok(body) = serde_json::from_slice::<Value>(&bytes) {
            let _ = parse_simple_price(&body, &["a".to_string()]);
            let _ = parse_search(&body);
        }
    }
}

// ---- The exchanges' lists ----

const EXCHANGE_FIELDS: &[&str] = &[
    "symbols",
    "baseAsset",
    "quoteAsset",
    "status",
    "TRADING",
    "BREAK",
    "base_currency",
    "quote_currency",
    "online",
    "trading_disabled",
    "auction_mode",
    "error",
    "result",
    "wsname",
    "base",
    "quote",
    "code",
    "msg",
    "data",
    "baseCcy",
    "quoteCcy",
    "state",
    "live",
    "preopen",
    "listTime",
    "retCode",
    "list",
    "baseCoin",
    "quoteCoin",
    "Trading",
    "PreLaunch",
    "launchTime",
    "trade_status",
    "tradable",
    "buy_start",
    "NIL/USD",
    "0",
    "",
];

/// An exchange's answer: its list of entries with fields of any type,
/// under the exchange's own envelope, or anything at all.
fn exchange_answer(exchange: Exchange) -> impl Strategy<Value = Value> {
    let entry = prop_oneof![
        3 => object(EXCHANGE_FIELDS, json_value(EXCHANGE_FIELDS)),
        1 => json_value(EXCHANGE_FIELDS),
    ];
    let wrap = move |list: Vec<Value>| match exchange {
        Exchange::Binance => json!({"symbols": list}),
        Exchange::Coinbase | Exchange::Gate => Value::Array(list),
        Exchange::Kraken => json!({"error": [], "result": list
            .into_iter()
            .enumerate()
            .map(|(i, e)| (format!("P{i}"), e))
            .collect::<Map<_, _>>()}),
        Exchange::Okx => json!({"code": "0", "data": list}),
        Exchange::Bybit => json!({"retCode": 0, "result": {"list": list}}),
    };
    prop_oneof![
        3 => prop::collection::vec(entry, 0..6).prop_map(wrap),
        1 => json_value(EXCHANGE_FIELDS),
    ]
}

/// Fails unless a look's outcome is sound: pairs of clean, upper-case,
/// non-empty assets, scheduled only in the future; errors fit for a
/// terminal, a malformed answer naming the exchange.
fn assert_look(
    exchange: Exchange,
    now: i64,
    outcome: Result<Vec<prelist::sources::Pair>, prelist::market::MarketError>,
) -> Result<(), TestCaseError> {
    match outcome {
        Ok(pairs) => {
            prop_assert!(!pairs.is_empty(), "an empty list is an error");
            for p in &pairs {
                for asset in [&p.base, &p.quote] {
                    prop_assert!(!asset.is_empty());
                    prop_assert!(!asset.chars().any(is_unsafe), "{asset:?}");
                    prop_assert_eq!(asset.to_uppercase(), asset.clone());
                }
                if let PairState::Scheduled { opens_at } = p.state {
                    prop_assert!(opens_at > now, "{opens_at} is not after {now}");
                }
            }
        }
        Err(e) => {
            assert_clean(&e.to_string(), None)?;
            if let prelist::market::MarketError::Malformed(m) = &e {
                prop_assert!(m.starts_with(exchange.name()), "{m}");
            }
        }
    }
    Ok(())
}

fn exchange() -> impl Strategy<Value = Exchange> {
    prop::sample::select(Exchange::ALL.to_vec())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn exchange_answers_never_panic(
        (exchange, body) in exchange().prop_flat_map(|e| (Just(e), exchange_answer(e))),
        now in prop_oneof![Just(1_764_000_000i64), any::<i64>()],
    ) {
        let bytes = serde_json::to_vec(&body).unwrap();
        assert_look(exchange, now, exchange.parse(&bytes, now))?;
    }

    #[test]
    fn exchange_answers_from_any_bytes_never_panic(
        exchange in exchange(),
        bytes in prop::collection::vec(any::<u8>(), 0..128),
    ) {
        assert_look(exchange, 0, exchange.parse(&bytes, 0))?;
    }
}
