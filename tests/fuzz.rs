//! Every parser fed documents of the shape it reads, well formed or spoilt
//! in one place, and written out plainly or as hostile files are: the
//! watchlist, the state file, the config file, CoinGecko's answers and each
//! exchange's list. None may panic; what one accepts keeps its invariants
//! and draws no control character on the screen; a well-formed document is
//! accepted; every error names the file it is about and carries no control
//! character that could reach a terminal; and what prelist writes, it reads
//! back the same.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test's helpers fail the test by panicking, as its assertions do"
)]

use std::collections::HashSet;
use std::fmt::Debug;
use std::path::Path;

use prelist::app::{App, Msg};
use prelist::config::{ErrorKind, FileConfig};
use prelist::keymap::Action;
use prelist::listing::Listings;
use prelist::market::coingecko::{parse_search, parse_simple_price};
use prelist::market::{CandidateColumns, MarketError};
use prelist::model::{Watchlist, WatchlistError, name_key};
use prelist::money::Decimal;
use prelist::sources::{Exchange, Pair, PairState};
use prelist::store::{self, StoreError};
use prelist::text::is_unsafe;
use prelist::types::{is_market_id, is_price};
use prelist::ui;
use prelist::ui::theme::Palette;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
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

/// Draws `app` at `width`×`height` as the screen does, and fails if a
/// character that could move the cursor or reorder text reaches a cell.
fn assert_screen_clean(app: &mut App, width: u16, height: u16) -> Result<(), TestCaseError> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let mut vp = None;
    terminal
        .draw(|f| vp = Some(ui::draw(f, app, &Palette::default())))
        .unwrap();
    let _ = app.update(Msg::Drawn(vp.unwrap()));
    for cell in &terminal.backend().buffer().content {
        prop_assert!(
            !cell.symbol().chars().any(is_unsafe),
            "{:?} drawn on the screen",
            cell.symbol()
        );
    }
    Ok(())
}

/// Draws every coin of `app` selected in turn, beside the table and full
/// screen, each frame free of control characters.
fn assert_every_coin_drawn_clean(mut app: App) -> Result<(), TestCaseError> {
    for _ in 0..app.watchlist().coins.len().max(1) {
        assert_screen_clean(&mut app, 160, 40)?;
        let _ = app.update(Action::ToggleFullDetail);
        assert_screen_clean(&mut app, 80, 40)?;
        let _ = app.update(Action::ToggleFullDetail);
        let _ = app.update(Action::Down);
    }
    Ok(())
}

/// The share of `n` values drawn from `strategy`, with a fixed seed, for
/// which `hit` holds: what keeps a strategy from drifting into generating
/// only what a parser refuses at its first step.
fn share<T>(strategy: impl Strategy<Value = T>, n: usize, hit: impl Fn(&T) -> bool) -> f64 {
    let mut runner = TestRunner::deterministic();
    let hits = (0..n)
        .filter(|_| hit(&strategy.new_tree(&mut runner).unwrap().current()))
        .count();
    hits as f64 / n as f64
}

/// Fails unless at least `min` of the values `name` generates pass.
fn assert_share(name: &str, got: f64, min: f64) {
    eprintln!("{name}: {got:.2} of the cases");
    assert!(
        got >= min,
        "{name}: {got:.2} of the cases, fewer than {min}"
    );
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
    "holding",
    "quantity",
    "cost_usd",
    "tech",
    "fundamental",
    "confirmed",
    "probable",
    "version",
    "coins",
];

/// `base` with the fields of `extra` (when it is an object) set over it.
fn merged((mut base, extra): (Value, Value)) -> Value {
    if let (Some(base), Value::Object(extra)) = (base.as_object_mut(), extra) {
        base.extend(extra);
    }
    base
}

/// Values no field should hold: the wrong type, empty and zero, the ends
/// of f64, words that look like numbers, terminal escapes and bells, a huge
/// string, and nesting deeper than serde_json reads.
fn hostile() -> impl Strategy<Value = Value> {
    prop_oneof![
        8 => prop::sample::select(vec![
            json!(null),
            json!(true),
            json!([]),
            json!({}),
            json!(""),
            json!(" "),
            json!(0),
            json!(-1),
            json!(-0.0),
            json!(1e308),
            json!(-1e308),
            json!(5e-324),
            json!(u64::MAX),
            json!(i64::MIN),
            json!("NaN"),
            json!("-Infinity"),
            json!("1e999"),
            json!("0x10"),
            json!("\u{1b}[31m"),
            json!("\u{7}"),
            json!("\u{1b}]0;pwned\u{7}"),
            json!("\u{202e}evil"),
            json!("a\u{0}b"),
            json!(["\u{1b}[2J"]),
            json!({"usd": "\u{1b}[31m"}),
        ]),
        1 => prop::sample::select(vec!["A", "\u{1b}[2J", "𝕏"]).prop_map(|s| json!(s.repeat(20_000))),
        1 => (1usize..200).prop_map(nested),
    ]
}

/// `depth` arrays and objects, one in the other, around a number.
fn nested(depth: usize) -> Value {
    (0..depth).fold(json!(1), |inner, i| {
        if i % 2 == 0 {
            json!([inner])
        } else {
            json!({ "a": inner })
        }
    })
}

/// One change that spoils a well-formed document.
#[derive(Debug, Clone)]
enum Spoil {
    /// A part (a value, an object, a list) replaced.
    Replace(Value),
    /// A field of an object left out.
    Remove,
    /// A field the parser does not know, added to an object.
    Add(String, Value),
    /// A number replaced by another that no figure should be, so that
    /// the document still has the types it needs and reaches the checks.
    Figure(Value),
}

fn spoil_kind() -> impl Strategy<Value = Spoil> {
    prop_oneof![
        4 => hostile().prop_map(Spoil::Replace),
        1 => Just(Spoil::Remove),
        1 => (text(), hostile()).prop_map(|(k, v)| Spoil::Add(k, v)),
        3 => prop::sample::select(vec![
            json!(0), json!(-1), json!(-0.0), json!(1e308), json!(1.5e9), json!(5e-324),
            json!(i64::MIN), json!(u64::MAX), json!(101), json!(0.5),
        ])
        .prop_map(Spoil::Figure),
    ]
}

/// A document and whether it is as well formed as generated: one whose
/// parts were spoilt may be refused.
#[derive(Debug, Clone)]
struct Doc {
    value: Value,
    sound: bool,
}

/// `well_formed` documents (with what was written into them), half of
/// them spoilt in one place.
fn spoilt<T: Clone + Debug>(
    well_formed: impl Strategy<Value = (Value, T)>,
) -> impl Strategy<Value = (Doc, T)> {
    (
        well_formed,
        prop::option::of((any::<prop::sample::Index>(), spoil_kind())),
    )
        .prop_map(|((mut value, written), spoil)| {
            let sound = spoil.is_none();
            match spoil {
                Some((at, Spoil::Figure(x))) => {
                    let figures = count_figures(&value);
                    if figures > 0 {
                        set_figure(&mut value, &mut at.index(figures), &x);
                    }
                }
                Some((at, how)) => {
                    let parts = count_parts(&value);
                    spoil_at(&mut value, &mut at.index(parts), &how);
                }
                None => {}
            }
            (Doc { value, sound }, written)
        })
}

/// How many numbers `v` holds.
fn count_figures(v: &Value) -> usize {
    match v {
        Value::Number(_) => 1,
        Value::Array(items) => items.iter().map(count_figures).sum(),
        Value::Object(map) => map.values().map(count_figures).sum(),
        _ => 0,
    }
}

/// Sets the number `left` places on in `v` to `x`; true once set.
fn set_figure(v: &mut Value, left: &mut usize, x: &Value) -> bool {
    match v {
        Value::Number(_) if *left == 0 => {
            *v = x.clone();
            true
        }
        Value::Number(_) => {
            *left -= 1;
            false
        }
        Value::Array(items) => items.iter_mut().any(|i| set_figure(i, left, x)),
        Value::Object(map) => map.values_mut().any(|i| set_figure(i, left, x)),
        _ => false,
    }
}

/// How many parts `v` has, itself included.
fn count_parts(v: &Value) -> usize {
    1 + match v {
        Value::Array(items) => items.iter().map(count_parts).sum(),
        Value::Object(map) => map.values().map(count_parts).sum(),
        _ => 0,
    }
}

/// Applies `how` to the part `left` places after `v` in document order;
/// true once applied.
fn spoil_at(v: &mut Value, left: &mut usize, how: &Spoil) -> bool {
    if *left == 0 {
        match (how, v.as_object_mut()) {
            (Spoil::Add(k, x), Some(map)) => {
                map.insert(k.clone(), x.clone());
            }
            (Spoil::Replace(x) | Spoil::Add(_, x) | Spoil::Figure(x), _) => *v = x.clone(),
            (Spoil::Remove, _) => *v = Value::Null,
        }
        return true;
    }
    *left -= 1;
    match v {
        Value::Array(items) => items.iter_mut().any(|x| spoil_at(x, left, how)),
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for k in keys {
                if *left == 0 && matches!(how, Spoil::Remove) {
                    map.remove(&k);
                    return true;
                }
                if spoil_at(map.get_mut(&k).unwrap(), left, how) {
                    return true;
                }
            }
            false
        }
        _ => false,
    }
}

/// How a document is written out: as serde_json writes it, or with what
/// hand-edited files and broken servers hold.
#[derive(Debug, Clone)]
enum Writing {
    Compact,
    Pretty,
    /// Every object's first field written twice, first as an escape.
    DuplicateKeys,
    /// The `n`th scalar written as a token JSON has not (`NaN`, `1e999`…).
    Token(usize, &'static str),
    /// A byte-order mark first, as Windows editors write one.
    Bom,
    /// Cut off after `n` bytes (at most all but the last).
    Cut(usize),
    /// A byte that is not UTF-8 put in at `n`.
    NotUtf8(usize),
}

fn writing() -> impl Strategy<Value = Writing> {
    prop_oneof![
        6 => Just(Writing::Compact),
        1 => Just(Writing::Pretty),
        1 => Just(Writing::DuplicateKeys),
        1 => (0..32usize, prop::sample::select(vec![
            "NaN", "-Infinity", "1e999", "-1e999", "1e-999", "01", "1.", "+1", "0x1F", "'a'",
            "undefined", "-0", "\"\\ud800\"", "\"\\u001b[31m\"",
        ]))
            .prop_map(|(n, t)| Writing::Token(n, t)),
        1 => Just(Writing::Bom),
        1 => any::<usize>().prop_map(Writing::Cut),
        1 => any::<usize>().prop_map(Writing::NotUtf8),
    ]
}

impl Writing {
    /// Whether a reader of files (which drops a byte-order mark) must
    /// read what this writes as the document itself.
    fn keeps_file(&self) -> bool {
        matches!(self, Writing::Compact | Writing::Pretty | Writing::Bom)
    }

    /// Whether a reader of answers must read what this writes as the
    /// document itself.
    fn keeps_answer(&self) -> bool {
        matches!(self, Writing::Compact | Writing::Pretty)
    }

    /// `text` with the changes this makes to bytes (the others are JSON's).
    fn write_text(&self, text: &str) -> Vec<u8> {
        let mut out = text.as_bytes().to_vec();
        match *self {
            Writing::Bom => out = ["\u{feff}".as_bytes(), &out].concat(),
            Writing::Cut(n) => out.truncate(n % out.len().max(1)),
            Writing::NotUtf8(n) => out.insert(n % (out.len() + 1), 0xff),
            _ => {}
        }
        out
    }

    fn write(&self, v: &Value) -> Vec<u8> {
        let out = match self {
            Writing::Pretty => serde_json::to_string_pretty(v).unwrap(),
            _ => {
                let mut out = String::new();
                emit(v, self, &mut 0, &mut out);
                out
            }
        };
        self.write_text(&out)
    }
}

/// Writes `v` compactly, with the changes `how` makes to objects and
/// scalars; `scalar` counts the scalars written.
fn emit(v: &Value, how: &Writing, scalar: &mut usize, out: &mut String) {
    match v {
        Value::Array(items) => {
            out.push('[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                emit(x, how, scalar, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, x)) in map.iter().enumerate() {
                let key = Value::from(k.as_str()).to_string();
                if i == 0 && matches!(how, Writing::DuplicateKeys) {
                    out.push_str(&format!("{key}:\"\\u001b[31m\","));
                }
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&key);
                out.push(':');
                emit(x, how, scalar, out);
            }
            out.push('}');
        }
        _ => {
            match how {
                Writing::Token(n, token) if *n == *scalar => out.push_str(token),
                _ => out.push_str(&v.to_string()),
            }
            *scalar += 1;
        }
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
        (text(), any::<bool>(), alerts(), prop::option::of(holding())),
    )
        .prop_map(
            |(
                (rank, other_names, ticker),
                (category, summary, thesis, narratives, competitors, backers),
                (vibes, score, airdrop, launch, notes),
                (name, with_id, (alert_above, alert_below), holding),
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
                if let Some((quantity, cost_usd)) = holding {
                    coin["holding"] = json!({"quantity": quantity, "cost_usd": cost_usd});
                }
                (coin, name, with_id)
            },
        )
}

/// A price a coin can have: the bounds, and any in between.
fn price() -> impl Strategy<Value = f64> {
    prop_oneof![
        prop::sample::select(vec![1e-12, 1.919_278_266_881_985_5e-7, 0.61, 1.0, 1e9]),
        (1e-12..=1e9f64),
        // Sub-cent prices, where a parse off by one step is most common.
        (1e-12..=1e-6f64),
    ]
}

/// A valid holding: a quantity from a trillionth of a token to 1e18, at a
/// price a coin can have.
fn holding() -> impl Strategy<Value = (f64, f64)> {
    let quantity = prop_oneof![
        prop::sample::select(vec![1e-12, 0.1, 3.0, 1250.0, 1e18]),
        (1e-12..=1e18f64),
    ];
    (quantity, price())
}

/// Valid alerts: either, both (below under above), or none.
fn alerts() -> impl Strategy<Value = (Option<f64>, Option<f64>)> {
    (prop::option::of(price()), prop::option::of(price())).prop_map(|(a, b)| match (a, b) {
        (Some(a), Some(b)) if b >= a => (Some(a), None),
        other => other,
    })
}

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

/// Coins of `valid_coin` with their names and market ids made unique by
/// their place in the list.
fn unique_by_place(coins: Vec<(Value, String, bool)>) -> Vec<Value> {
    coins
        .into_iter()
        .enumerate()
        .map(|(i, (mut coin, named, with_id))| {
            coin["name"] = json!(format!("{i} {named}"));
            if with_id {
                coin["market_id"] = json!(format!("coin-{i}"));
            }
            coin
        })
        .collect()
}

/// A watchlist of valid coins with names and market ids unique by their
/// place in the list, and whether two of them were made to share a name
/// or a market id (which the file may not have).
fn valid_watchlist() -> impl Strategy<Value = (Value, bool)> {
    let twins = prop::option::weighted(0.15, (any::<prop::sample::Index>(), any::<bool>()));
    (prop::collection::vec(valid_coin(), 0..6), twins).prop_map(|(coins, twins)| {
        let mut coins = unique_by_place(coins);
        let mut twinned = false;
        if let Some((at, same_id)) = twins
            && coins.len() > 1
        {
            let k = 1 + at.index(coins.len() - 1);
            if same_id {
                if let Some(id) = coins[0].get("market_id").cloned() {
                    coins[k]["market_id"] = id;
                    twinned = true;
                }
            } else {
                // The same name around spaces is the same coin.
                coins[k]["name"] = json!(format!("  {} ", coins[0]["name"].as_str().unwrap()));
                twinned = true;
            }
        }
        (json!({"version": 1, "coins": coins}), twinned)
    })
}

/// Watchlists valid or spoilt in one place, and now and then of any shape;
/// `sound` when nothing made it invalid.
fn watchlist_docs() -> impl Strategy<Value = Doc> {
    prop_oneof![
        6 => spoilt(valid_watchlist()).prop_map(|(doc, twinned)| Doc {
            sound: doc.sound && !twinned,
            ..doc
        }),
        1 => watchlist_json().prop_map(|value| Doc { value, sound: false }),
    ]
}

/// Fails unless `w` keeps what the watchlist promises: version 1, names
/// trimmed, present and unique, market ids valid and unique, scores 0–100,
/// alerts at prices a coin can have with the lower one under the upper.
fn assert_watchlist_sound(w: &Watchlist) -> Result<(), TestCaseError> {
    prop_assert_eq!(w.version, 1);
    let mut names = HashSet::new();
    let mut ids = HashSet::new();
    for c in &w.coins {
        prop_assert!(
            !c.name.is_empty() && c.name == c.name.trim(),
            "{:?}",
            c.name
        );
        prop_assert!(names.insert(name_key(&c.name)), "{:?} twice", c.name);
        if let Some(id) = &c.market_id {
            prop_assert!(is_market_id(id), "{id:?}");
            prop_assert!(ids.insert(id.clone()), "{id:?} twice");
        }
        if let Some(s) = c.score {
            prop_assert!(s.value <= 100, "{}", s.value);
        }
        for p in [c.alert_above, c.alert_below]
            .into_iter()
            .flatten()
            .map(|p| p.get())
        {
            prop_assert!(is_price(p), "alert at {p}");
        }
        if let (Some(above), Some(below)) = (
            c.alert_above.map(|p| p.get()),
            c.alert_below.map(|p| p.get()),
        ) {
            prop_assert!(below < above, "{below} not under {above}");
        }
        if let Some(h) = c.holding {
            let raw = prelist::holding::RawHolding::from(&h);
            prop_assert!(
                (prelist::holding::MIN_QUANTITY..=prelist::holding::MAX_QUANTITY)
                    .contains(&raw.quantity),
                "{raw:?}"
            );
            prop_assert!(is_price(raw.cost_usd), "{raw:?}");
        }
        for t in [&c.ticker, &c.vibes, &c.launch].into_iter().flatten() {
            prop_assert!(!t.trim().is_empty(), "a blank {t:?} kept");
        }
    }
    Ok(())
}

// ---- The watchlist ----

proptest! {
    #![proptest_config(config())]

    #[test]
    fn watchlist_files_never_panic(doc in watchlist_docs(), how in writing()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("watch list.json");
        std::fs::write(&path, how.write(&doc.value)).unwrap();
        match Watchlist::load(&path) {
            Ok(w) => {
                assert_watchlist_sound(&w)?;
                if doc.sound && how.keeps_file() {
                    prop_assert_eq!(w.coins.len(), doc.value["coins"].as_array().unwrap().len());
                }
                // Whatever loads, saves and loads again as the same coins.
                let again = Watchlist::parse(&w.to_json(), &path).unwrap();
                prop_assert_eq!(&again.coins, &w.coins);
                assert_every_coin_drawn_clean(App::new(w, Listings::new()))?;
            }
            Err(e) => {
                prop_assert!(
                    !(doc.sound && how.keeps_file()),
                    "a valid watchlist is refused: {}", e
                );
                assert_clean(&e.to_string(), Some(&path))?;
            }
        }
    }

    #[test]
    fn a_valid_watchlist_round_trips(coins in prop::collection::vec(valid_coin(), 0..8)) {
        let coins = unique_by_place(coins);
        let n = coins.len();
        let text = json!({"version": 1, "coins": coins}).to_string();
        let path = Path::new("fuzz/valid.json");
        let w = Watchlist::parse(&text, path).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(w.coins.len(), n);
        let again = Watchlist::parse(&w.to_json(), path).unwrap();
        prop_assert_eq!(&again.coins, &w.coins);
        // And what a save writes is the same list.
        let saved = Watchlist::parse(&w.file_text().unwrap(), path).unwrap();
        prop_assert_eq!(&saved.coins, &w.coins);
        // An export imported again holds the same coins, holdings and all.
        let refs: Vec<&prelist::model::Coin> = w.coins.iter().collect();
        let around = (&Listings::new(), &prelist::book::Book::default(), None);
        let export = prelist::transfer::export_json(&refs, around);
        let incoming = prelist::transfer::read_import(&export, path)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let imported: Vec<_> = incoming.into_iter().map(|i| i.coin).collect();
        prop_assert_eq!(&imported, &w.coins);
        // The form shows each holding as it is and gives it back unchanged.
        for (i, c) in w.coins.iter().enumerate() {
            let others: Vec<_> = w.coins.iter().enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, o)| o.clone())
                .collect();
            let form = prelist::form::Form::edit(c);
            let back = form.to_coin(&others).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            prop_assert_eq!(back.holding, c.holding);
        }
    }
}

#[test]
fn the_watchlist_strategy_reaches_validation() {
    let path = Path::new("fuzz/watchlist.json");
    let outcome = |doc: &Doc| Watchlist::parse(&doc.value.to_string(), path);
    let ok = share(watchlist_docs(), 512, |d| outcome(d).is_ok());
    assert_share("watchlists accepted", ok, 0.3);
    let invalid = share(watchlist_docs(), 512, |d| {
        matches!(outcome(d), Err(WatchlistError::Invalid { .. }))
    });
    assert_share("watchlists refused by validation", invalid, 0.05);
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

/// Market ids of the built-in watchlist, so a state file's entries reach
/// the screen, and a few others.
const MARKET_IDS: &[&str] = &[
    "nillion", "parcl", "dolomite", "movement", "peaq-2", "coin-0",
];

fn market_id() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(MARKET_IDS).prop_map(String::from),
        1 => "[a-z0-9][a-z0-9._-]{0,20}",
    ]
}

fn unix_time() -> impl Strategy<Value = i64> {
    1_500_000_000i64..2_000_000_000
}

/// A listing a poll could have recorded: prices a coin can have, finite
/// figures, a history later point after point.
fn valid_listing() -> impl Strategy<Value = Value> {
    (
        (
            unix_time(),
            price(),
            price(),
            0..1_000_000i64,
            any::<bool>(),
        ),
        prop::option::of(-100.0..1000.0f64),
        prop::option::of(0.0..1e12f64),
        prop::collection::vec((1..100_000i64, price()), 0..6),
    )
        .prop_map(
            |((listed_at, first, latest, age, stale), change, cap, steps)| {
                let mut at = listed_at;
                let history: Vec<Value> = steps
                    .into_iter()
                    .map(|(gap, p)| {
                        at += gap;
                        json!([at, p])
                    })
                    .collect();
                json!({
                    "listed_at": listed_at,
                    "first_price": first,
                    "price_usd": latest,
                    "change_24h": change,
                    "market_cap": cap,
                    "updated_at": listed_at + age,
                    "stale": stale,
                    "history": history,
                })
            },
        )
}

/// An exchange's book as a look writes it, with asset and quote names
/// that are tickers or any text (the book keeps what the list said).
fn valid_book() -> impl Strategy<Value = Value> {
    let name = || {
        prop_oneof![
            3 => prop::sample::select(vec!["NIL", "PRCL", "DOLO", "MOVE", "PEAQ", "USDT"])
                .prop_map(String::from),
            1 => "[A-Z0-9]{1,8}",
            1 => text(),
        ]
    };
    let pair = (
        unix_time(),
        prop::sample::select(vec!["trading", "scheduled", "closed"]),
        prop::option::of(unix_time()),
    )
        .prop_map(|(first_seen, status, opens_at)| {
            json!({"first_seen": first_seen, "status": status, "opens_at": opens_at})
        });
    let asset = (
        (unix_time(), unix_time(), any::<bool>(), any::<bool>()),
        prop::option::of(unix_time()),
        prop::collection::btree_map(name(), pair, 1..3),
    )
        .prop_map(|((first, last, at_first, confirmed), listed_at, pairs)| {
            json!({
                "first_seen": first,
                "last_seen": last,
                "at_first_look": at_first,
                "confirmed": confirmed,
                "listed_at": listed_at,
                "pairs": pairs,
            })
        });
    let book = (
        unix_time(),
        unix_time(),
        prop::collection::btree_map(name(), asset, 0..4),
    )
        .prop_map(|(first, last, assets)| {
            json!({"first_look": first, "last_look": last, "assets": assets})
        });
    let exchange = prop::sample::select(Exchange::ALL.map(Exchange::key).to_vec());
    prop::collection::btree_map(exchange, book, 0..3).prop_map(|b| json!(b))
}

/// A state file every part of which is one prelist writes: listings,
/// exchanges' books, calls by month, claims and alert marks.
fn valid_state() -> impl Strategy<Value = (Value, ())> {
    let mark = || {
        (price(), unix_time(), prop::option::of(unix_time())).prop_map(
        |(threshold, fired_at, rearmed_at)| {
            json!({"threshold": threshold, "fired_at": fired_at, "rearmed_at": rearmed_at})
        },
    )
    };
    let memo = (prop::option::of(mark()), prop::option::of(mark()))
        .prop_map(|(above, below)| json!({"above": above, "below": below}));
    let claim_key = prop_oneof![
        prop::sample::select(vec![
            "listed:coingecko:nillion:NIL",
            "listed:binance:parcl:PRCL",
            "alert:coingecko:dolomite:above:1.5:1700000000",
        ])
        .prop_map(String::from),
        "[a-z:0-9.]{1,40}",
    ];
    let claim = (unix_time(), any::<u64>()).prop_map(|(at, by)| json!({"at": at, "by": by}));
    let month = (2020u32..2040, 1u32..=12).prop_map(|(y, m)| format!("{y}-{m:02}"));
    let plan = prop::sample::select(vec!["keyless", "demo", "pro"]);
    let calls = prop::collection::btree_map(
        month,
        prop::collection::btree_map(plan, 0..100_000u64, 1..3),
        0..3,
    );
    (
        prop::collection::btree_map(market_id(), valid_listing(), 0..5),
        valid_book(),
        calls,
        prop::collection::btree_map(claim_key, claim, 0..4),
        prop::collection::btree_map(market_id(), memo, 0..3),
    )
        .prop_map(|(listings, exchanges, calls, told, alerts)| {
            let state = json!({
                "version": 1,
                "listings": listings,
                "exchanges": exchanges,
                "calls": calls,
                "told": told,
                "alerts": alerts,
            });
            (state, ())
        })
}

/// State files valid or spoilt in one place, and now and then of any shape.
fn state_docs() -> impl Strategy<Value = Doc> {
    prop_oneof![
        6 => spoilt(valid_state()).prop_map(|(doc, ())| doc),
        1 => state_json().prop_map(|value| Doc { value, sound: false }),
    ]
}

// ---- The state file ----

/// Loads `bytes` as a state file and checks the outcome: refused only
/// when not `sound`.
fn load_state_of(bytes: &[u8], sound: bool) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    std::fs::write(&path, bytes).unwrap();
    match store::load_state(&path) {
        Ok(state) => {
            // Only listings a poll could have recorded are ever loaded, and
            // what loads saves and loads again the same.
            for (id, l) in &state.listings {
                prop_assert_eq!(store::listing_problem(id, l), None);
            }
            for (id, memo) in &state.alerts {
                prop_assert_eq!(prelist::alert::memo_problem(id, memo), None);
            }
            for (key, claim) in &state.told {
                prop_assert_eq!(prelist::told::problem(key, claim), None);
            }
            store::save_state(&path, &state).unwrap();
            prop_assert_eq!(&store::load_state(&path).unwrap(), &state);
            // Whatever the file's text, none of it drives the terminal.
            assert_every_coin_drawn_clean(App::from_state(Watchlist::builtin(), state))?;
        }
        Err(e) => {
            prop_assert!(!sound, "a valid state file is refused: {}", e);
            assert_clean(&e.to_string(), Some(&path))?;
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn state_files_never_panic(doc in state_docs(), how in writing()) {
        load_state_of(&how.write(&doc.value), doc.sound && how.keeps_file())?;
    }
}

#[test]
fn the_state_strategy_reaches_validation() {
    // Whether a file loads (`Some(true)`), is refused by a check after
    // JSON (`Some(false)`), or by JSON itself (`None`).
    let outcome = |doc: &Doc| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, doc.value.to_string()).unwrap();
        match store::load_state(&path) {
            Ok(_) => Some(true),
            Err(
                StoreError::BadListing { .. }
                | StoreError::BadClaim { .. }
                | StoreError::BadAlert { .. }
                | StoreError::BadCalls { .. }
                | StoreError::Version { .. },
            ) => Some(false),
            Err(_) => None,
        }
    };
    let ok = share(state_docs(), 256, |d| outcome(d) == Some(true));
    assert_share("state files loaded", ok, 0.3);
    let invalid = share(state_docs(), 256, |d| outcome(d) == Some(false));
    assert_share("state files refused by their checks", invalid, 0.02);
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
        "portfolio",
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
        "size_usd",
        "max_position_pct",
        "early_stage_pct",
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

/// Keys no default binds, so that rebinding actions to them, each once,
/// makes no clash.
const FREE_KEYS: &[&str] = &[
    "f6", "f7", "f8", "f9", "f10", "f11", "f12", "ctrl-o", "ctrl-t", "ctrl-y",
];

/// Actions each key section may rebind.
const REBINDABLE: &[(&str, &[&str])] = &[
    (
        "keys",
        &[
            "down", "up", "first", "last", "search", "help", "log", "quit",
        ],
    ),
    ("search_keys", &["keep", "clear", "down", "up"]),
    ("help_keys", &["help", "down", "up"]),
    ("log_keys", &["log", "down", "page_up"]),
    ("form_keys", &["next_field", "submit", "back"]),
    ("lookup_keys", &["down", "up", "submit"]),
    ("confirm_keys", &["yes"]),
    ("quit_keys", &["yes", "retry"]),
];

const COLUMNS: &[&str] = &[
    "rank", "name", "ticker", "category", "score", "airdrop", "status", "price", "24h", "since",
    "listed", "holding", "weight", "pnl",
];

fn toml_list(items: &[impl AsRef<str>]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|s| toml_string(s.as_ref().to_string()))
        .collect();
    format!("[{}]", quoted.join(", "))
}

/// A setting's value as TOML, and whether it is set.
type Setting = Option<(&'static str, String)>;

fn setting(
    key: &'static str,
    value: impl Strategy<Value = String>,
) -> impl Strategy<Value = Setting> {
    prop::option::of(value.prop_map(move |v| (key, v)))
}

/// A config file whose every setting has the right type and an allowed
/// value: its sections in order, each with its `key = value` lines.
fn valid_config() -> impl Strategy<Value = Vec<(String, Vec<(String, String)>)>> {
    let url = || {
        prop::sample::select(vec![
            "https://api.coingecko.com/api/v3",
            "http://127.0.0.1:9/api/v3",
            "https://mirror.example/api/",
        ])
        .prop_map(|u| toml_string(u.to_string()))
    };
    let boolean = || any::<bool>().prop_map(|b| b.to_string());
    let poll = (
        setting("enabled", boolean()),
        setting("interval", (10u32..=86_400).prop_map(|n| n.to_string())),
        setting(
            "monthly_calls",
            (1u64..10_000_000).prop_map(|n| n.to_string()),
        ),
        setting("api_url", url()),
        setting("bell", boolean()),
        setting("api_key", "[a-zA-Z0-9-]{4,20}".prop_map(toml_string)),
    )
        .prop_map(|(a, b, c, d, e, f)| vec![a, b, c, d, e, f]);
    let exchanges =
        prop::sample::subsequence(Exchange::ALL.map(Exchange::key).to_vec(), 0..=6).prop_shuffle();
    let sources = (
        setting("exchanges", exchanges.prop_map(|e| toml_list(&e))),
        setting(
            "exchange_interval",
            (60u32..=86_400).prop_map(|n| n.to_string()),
        ),
    )
        .prop_map(|(a, b)| vec![a, b]);
    let urls = prop::sample::subsequence(Exchange::ALL.map(Exchange::key).to_vec(), 0..=3)
        .prop_flat_map(move |names| {
            let n = names.len();
            (Just(names), prop::collection::vec(url(), n))
        })
        .prop_map(|(names, urls)| names.into_iter().zip(urls).map(Some).collect::<Vec<_>>());
    let columns = (
        prop::sample::subsequence(COLUMNS.to_vec(), 0..=COLUMNS.len()).prop_shuffle(),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(mut shown, at)| {
            if !shown.contains(&"name") {
                shown.insert(at.index(shown.len() + 1), "name");
            }
            shown
        });
    let display = (
        prop::option::of(columns),
        prop::option::of(prop::sample::select(COLUMNS.to_vec())),
        setting("descending", boolean()),
        setting(
            "theme",
            prop::sample::select(vec!["\"default\"", "\"mono\""]).prop_map(String::from),
        ),
    )
        .prop_map(|(columns, sort, descending, theme)| {
            vec![
                columns.map(|c| ("columns", toml_list(&c))),
                sort.map(|s| ("sort", toml_string(s.to_string()))),
                descending,
                theme,
            ]
        });
    let colors = prop::sample::subsequence(
        vec![
            "selected_fg",
            "selected_bg",
            "border",
            "trading",
            "upcoming",
            "up",
            "down",
            "flipped_fg",
            "flipped_bg",
            "label",
            "dim",
        ],
        0..4,
    )
    .prop_flat_map(|slots| {
        let n = slots.len();
        let colour = prop::sample::select(vec![
            "\"red\"",
            "\"lightgreen\"",
            "\"#ff8800\"",
            "\"42\"",
            "\"darkgray\"",
        ]);
        (Just(slots), prop::collection::vec(colour, n))
    })
    .prop_map(|(slots, colours)| {
        slots
            .into_iter()
            .zip(colours)
            .map(|(k, v)| Some((k, v.to_string())))
            .collect::<Vec<_>>()
    });
    let notify = (
        setting(
            "terminal",
            prop::sample::select(vec![
                "\"auto\"",
                "\"osc9\"",
                "\"osc777\"",
                "\"osc99\"",
                "\"bell\"",
                "\"off\"",
            ])
            .prop_map(String::from),
        ),
        setting(
            "command",
            Just(toml_list(&["notify-send", "prelist", "{message}"])),
        ),
        setting(
            "webhook_format",
            prop::sample::select(vec!["\"ntfy\"", "\"json\"", "\"discord\"", "\"slack\""])
                .prop_map(String::from),
        ),
    )
        .prop_map(|(a, b, c)| vec![a, b, c]);
    // Early stage at most the rule: both drawn, then put in order.
    let portfolio = (
        setting(
            "size_usd",
            prop_oneof![
                prop::sample::select(vec!["1", "10000", "0.01", "1e12", "250000.5"])
                    .prop_map(String::from),
                (1u64..1_000_000_000_000).prop_map(|n| n.to_string()),
            ],
        ),
        (1u32..=1000, 1u32..=1000, any::<bool>(), any::<bool>()),
    )
        .prop_map(|(size, (a, b, max, early))| {
            let (low, high) = (a.min(b), a.max(b));
            let pct = |n: u32| format!("{}", f64::from(n) / 10.0);
            vec![
                size,
                max.then(|| ("max_position_pct", pct(high))),
                (early && max).then(|| ("early_stage_pct", pct(low))),
            ]
        });
    // Each rebinding takes the next free key, so none clashes.
    let rebinds = prop::collection::vec(
        (
            any::<prop::sample::Index>(),
            any::<prop::sample::Index>(),
            any::<bool>(),
        ),
        0..5,
    )
    .prop_map(|picks| {
        let mut sections: Vec<(String, Vec<(String, String)>)> = Vec::new();
        let mut free = FREE_KEYS.iter();
        let mut used: HashSet<(&str, &str)> = HashSet::new();
        for (section, action, as_list) in picks {
            let (section, actions) = REBINDABLE[section.index(REBINDABLE.len())];
            let action = actions[action.index(actions.len())];
            if !used.insert((section, action)) {
                continue;
            }
            let Some(key) = free.next() else { break };
            let value = if as_list {
                toml_list(&[key])
            } else {
                toml_string(key.to_string())
            };
            match sections.iter_mut().find(|(s, _)| s == section) {
                Some((_, lines)) => lines.push((action.to_string(), value)),
                None => sections.push((section.to_string(), vec![(action.to_string(), value)])),
            }
        }
        sections
    });
    (
        poll,
        sources,
        urls,
        display,
        colors,
        (notify, portfolio),
        rebinds,
    )
        .prop_map(
            |(poll, sources, urls, display, colors, (notify, portfolio), rebinds)| {
                let lines = |settings: Vec<Setting>| -> Vec<(String, String)> {
                    settings
                        .into_iter()
                        .flatten()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect()
                };
                let mut doc = vec![
                    ("poll".to_string(), lines(poll)),
                    ("sources".to_string(), lines(sources)),
                    ("sources.url".to_string(), lines(urls)),
                    ("display".to_string(), lines(display)),
                    ("colors".to_string(), lines(colors)),
                    ("notify".to_string(), lines(notify)),
                    ("portfolio".to_string(), lines(portfolio)),
                ];
                doc.extend(rebinds);
                doc
            },
        )
}

/// Values no setting takes, in TOML.
fn hostile_toml() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(vec![
            "\"\"", "0", "-1", "1e308", "nan", "-inf", "inf", "\"NaN\"", "true", "[]", "{}",
            "1979-05-27", "99999999999999999999", "\"\\u001b[31m\"", "\"\\u0007\"",
            "\"\\u202e\"", "[[[[[[[[[[[[1]]]]]]]]]]]]", "{ a = { b = { c = 1 } } }",
            "[\"\\u001b]0;pwned\\u0007\"]", "\"q\\u0000\"", "\"https://u:p@x/?key=k\"",
            "\"ftp://x\"",
        ])
        .prop_map(String::from),
        1 => Just(toml_string("A".repeat(20_000))),
        1 => text().prop_map(toml_string),
    ]
}

/// One change that spoils a valid config file.
#[derive(Debug, Clone)]
enum ConfigSpoil {
    /// A setting's value replaced.
    Value(String),
    /// A setting given twice.
    TwiceKey,
    /// A section opened twice.
    TwiceSection,
    /// A setting, or a section, the file does not have.
    UnknownKey(String),
    UnknownSection(String),
    /// A line of any text.
    Line(String),
}

/// Config files, valid or spoilt in one place: the text, and whether it is
/// valid.
fn config_docs() -> impl Strategy<Value = (String, bool)> {
    let spoil = prop_oneof![
        6 => hostile_toml().prop_map(ConfigSpoil::Value),
        1 => Just(ConfigSpoil::TwiceKey),
        1 => Just(ConfigSpoil::TwiceSection),
        1 => prop_oneof!["[a-z_]{1,12}".boxed(), text().boxed()].prop_map(ConfigSpoil::UnknownKey),
        1 => prop_oneof!["[a-z_]{1,12}".boxed(), text().boxed()].prop_map(ConfigSpoil::UnknownSection),
        1 => config_line().prop_map(ConfigSpoil::Line),
    ];
    (
        valid_config(),
        prop::option::of((
            any::<prop::sample::Index>(),
            any::<prop::sample::Index>(),
            spoil,
        )),
    )
        .prop_map(|(mut doc, spoil)| {
            let sound = spoil.is_none();
            if let Some((s, k, how)) = spoil {
                let s = s.index(doc.len());
                let lines = &mut doc[s].1;
                match how {
                    ConfigSpoil::Value(v) if !lines.is_empty() => {
                        let k = k.index(lines.len());
                        lines[k].1 = v;
                    }
                    ConfigSpoil::TwiceKey if !lines.is_empty() => {
                        let line = lines[k.index(lines.len())].clone();
                        lines.push(line);
                    }
                    ConfigSpoil::UnknownKey(key) | ConfigSpoil::Value(key) => {
                        lines.push((toml_string(key), "1".into()));
                    }
                    ConfigSpoil::TwiceSection | ConfigSpoil::TwiceKey => {
                        let again = doc[s].clone();
                        doc.push(again);
                    }
                    ConfigSpoil::UnknownSection(name) => {
                        doc.push((toml_string(name), vec![("a".into(), "1".into())]));
                    }
                    ConfigSpoil::Line(line) => lines.push((line, String::new())),
                }
            }
            let text: Vec<String> = doc
                .iter()
                .flat_map(|(section, lines)| {
                    std::iter::once(format!("[{section}]")).chain(lines.iter().map(|(k, v)| {
                        if v.is_empty() {
                            k.clone()
                        } else {
                            format!("{k} = {v}")
                        }
                    }))
                })
                .collect();
            (text.join("\n"), sound)
        })
}

/// Fails unless `c` keeps what a config file may set: intervals within
/// their bounds, calls above 0, http(s) URLs with a host, the name among
/// the columns and no column or exchange twice, no key bound to two
/// actions of one mode.
fn assert_config_sound(c: &FileConfig) -> Result<(), TestCaseError> {
    use prelist::config::MAX_INTERVAL;
    use prelist::market::plan::MIN_INTERVAL;
    use prelist::sources::MIN_EXCHANGE_INTERVAL;
    if let Some(i) = c.interval {
        prop_assert!(MIN_INTERVAL <= i && i <= MAX_INTERVAL, "{i:?}");
    }
    if let Some(i) = c.exchange_interval {
        prop_assert!(MIN_EXCHANGE_INTERVAL <= i && i <= MAX_INTERVAL, "{i:?}");
    }
    prop_assert!(c.monthly_calls != Some(0));
    for u in c
        .api_url
        .iter()
        .chain(c.exchange_urls.iter().map(|(_, u)| u))
    {
        let parsed = url::Url::parse(u);
        prop_assert!(
            parsed.is_ok_and(|p| matches!(p.scheme(), "http" | "https") && p.has_host()),
            "{u:?}"
        );
    }
    if let Some(size) = c.portfolio_size_usd {
        prop_assert!(size > Decimal::ZERO && size <= Decimal::from(1_000_000_000_000u64));
    }
    for pct in [c.max_position_pct, c.early_stage_pct]
        .into_iter()
        .flatten()
    {
        prop_assert!(pct > Decimal::ZERO && pct <= Decimal::ONE_HUNDRED, "{pct}");
    }
    if let (Some(max), Some(early)) = (c.max_position_pct, c.early_stage_pct) {
        prop_assert!(early <= max, "{early} over {max}");
    }
    if let Some(cols) = &c.columns {
        prop_assert!(cols.contains(&prelist::view::Column::Name), "{cols:?}");
        prop_assert_eq!(
            cols.iter().collect::<HashSet<_>>().len(),
            cols.len(),
            "{:?}",
            cols
        );
    }
    if let Some(ex) = &c.exchanges {
        prop_assert_eq!(
            ex.iter().collect::<HashSet<_>>().len(),
            ex.len(),
            "{:?}",
            ex
        );
    }
    for (mode, _, _) in prelist::keymap::MODES {
        let mut seen = HashSet::new();
        for b in c.keymap.for_mode(mode) {
            for k in &b.keys {
                prop_assert!(seen.insert(*k), "{k:?} bound twice in {mode:?}");
            }
        }
    }
    Ok(())
}

// ---- The config file ----

proptest! {
    #![proptest_config(config())]

    #[test]
    fn config_files_never_panic((text, sound) in config_docs(), how in writing()) {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, how.write_text(&text)).unwrap();
        // Private, as a file with a key must be.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        match prelist::config::read_file(&path) {
            Ok(Some(c)) => assert_config_sound(&c)?,
            Ok(None) => prop_assert!(false, "the file is there"),
            Err(e) => {
                let msg = e.to_string();
                prop_assert!(!(sound && how.keeps_file()), "a valid config is refused: {msg}");
                assert_clean(&msg, Some(&path))?;
                // A line, when said, is one of the file's.
                if let Some(line) = e.line {
                    prop_assert!(line >= 1 && line <= text.split('\n').count() + 1, "{msg}");
                }
            }
        }
    }

    #[test]
    fn config_shapes_never_panic(text in config_text()) {
        let path = Path::new("fuzz/config.toml");
        match FileConfig::parse(&text, path) {
            Ok(c) => assert_config_sound(&c)?,
            Err(e) => {
                let msg = e.to_string();
                assert_clean(&msg, Some(path))?;
                // A line, when said, is one of the file's.
                if let Some(line) = e.line {
                    prop_assert!(line >= 1 && line <= text.split('\n').count(), "{msg}");
                }
            }
        }
    }
}

#[test]
fn the_config_strategy_reaches_validation() {
    let path = Path::new("fuzz/config.toml");
    let ok = share(config_docs(), 512, |(text, _)| {
        FileConfig::parse(text, path).is_ok()
    });
    assert_share("config files accepted", ok, 0.3);
    let invalid = share(config_docs(), 512, |(text, _)| {
        FileConfig::parse(text, path).is_err_and(|e| e.kind != ErrorKind::Syntax)
    });
    assert_share("config files refused past TOML", invalid, 0.1);
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

/// A `/simple/price` answer as CoinGecko sends it: an entry per id with a
/// price, the 24h change, the market cap and the time, some left out.
fn valid_price_answer() -> impl Strategy<Value = (Value, ())> {
    let entry = (
        prop::option::of(price()),
        prop::option::of(-100.0..1000.0f64),
        prop::option::of(0.0..1e12f64),
        prop::option::of(unix_time()),
    )
        .prop_map(|(usd, change, cap, at)| {
            let mut e = Map::new();
            for (k, v) in [
                ("usd", usd.map(Value::from)),
                ("usd_24h_change", change.map(Value::from)),
                ("usd_market_cap", cap.map(Value::from)),
                ("last_updated_at", at.map(Value::from)),
            ] {
                if let Some(v) = v {
                    e.insert(k.to_string(), v);
                }
            }
            Value::Object(e)
        });
    prop::collection::btree_map(market_id(), entry, 0..6).prop_map(|m| (json!(m), ()))
}

/// Price answers valid or spoilt, now and then of any shape, with the
/// ids asked for: some of the answer's, and others.
fn price_docs() -> impl Strategy<Value = (Doc, Vec<String>)> {
    let doc = prop_oneof![
        6 => spoilt(valid_price_answer()).prop_map(|(doc, ())| doc),
        1 => price_answer().prop_map(|value| Doc { value, sound: false }),
    ];
    (doc, prop::collection::vec(market_id(), 0..4)).prop_map(|(doc, extra)| {
        let mut requested: Vec<String> = doc
            .value
            .as_object()
            .map(|m| m.keys().filter(|k| is_market_id(k)).cloned().collect())
            .unwrap_or_default();
        requested.extend(extra);
        (doc, requested)
    })
}

/// Fails unless `outcome` is what `parse_simple_price` promises for
/// `body`: refused only when it is not an object or is an error object;
/// else a quote for each requested id the answer has an object for, and
/// for no other id, priced with its `usd` when that is a real price (an
/// absurd one leaves that id alone unpriced), every figure finite.
fn assert_prices(
    body: &Value,
    requested: &[String],
    outcome: Result<prelist::market::Quotes, MarketError>,
) -> Result<(), TestCaseError> {
    let entry = |id: &str| body.get(id).and_then(Value::as_object);
    let usd = |id: &str| {
        entry(id)
            .and_then(|e| e.get("usd"))
            .and_then(Value::as_f64)
            .filter(|p| is_price(*p))
    };
    let error_object = body
        .get("status")
        .and_then(Value::as_object)
        .is_some_and(|s| s.contains_key("error_code"));
    let refusable = !body.is_object() || error_object;
    match outcome {
        Ok(quotes) => {
            prop_assert!(!refusable, "{body} is read as {quotes:?}");
            for (id, q) in &quotes {
                prop_assert!(requested.contains(id), "{id} was not asked for");
                if let Some(p) = q.price_usd.map(|p| p.get()) {
                    prop_assert!(is_price(p), "{id}: {p}");
                }
                for v in [q.change_24h, q.market_cap].into_iter().flatten() {
                    prop_assert!(v.is_finite(), "{id}: {v}");
                }
            }
            for id in requested {
                prop_assert_eq!(quotes.contains_key(id), entry(id).is_some(), "{}", id);
                if let Some(q) = quotes.get(id) {
                    prop_assert_eq!(q.price_usd.map(|p| p.get()), usd(id), "{}", id);
                }
            }
        }
        Err(e) => {
            prop_assert!(refusable, "{body} is refused: {e}");
            assert_clean(&e.to_string(), None)?;
        }
    }
    Ok(())
}

/// A `/search` answer: coins with fields of any type.
fn search_answer() -> impl Strategy<Value = Value> {
    let coin = object(API_FIELDS, json_value(API_FIELDS));
    prop_oneof![
        3 => prop::collection::vec(coin, 0..6).prop_map(|coins| json!({"coins": coins})),
        1 => json_value(API_FIELDS),
    ]
}

/// A `/search` answer as CoinGecko sends it: coins with an id, a name, a
/// symbol (any text: they come from the API) and a rank or none.
fn valid_search_answer() -> impl Strategy<Value = (Value, ())> {
    let coin = (
        market_id(),
        text(),
        prop_oneof!["[A-Z0-9]{1,8}".boxed(), text().boxed()],
        prop::option::of(1u32..20_000),
    )
        .prop_map(|(id, name, symbol, rank)| {
            json!({"id": id, "name": name, "symbol": symbol, "market_cap_rank": rank, "thumb": ""})
        });
    prop::collection::vec(coin, 0..6)
        .prop_map(|coins| (json!({"coins": coins, "exchanges": [], "nfts": []}), ()))
}

fn search_docs() -> impl Strategy<Value = Doc> {
    prop_oneof![
        6 => spoilt(valid_search_answer()).prop_map(|(doc, ())| doc),
        1 => search_answer().prop_map(|value| Doc { value, sound: false }),
    ]
}

/// Fails unless `outcome` is what `parse_search` promises for `body`:
/// refused only without a list of coins; else every coin whose id is a
/// market id, in the answer's order, with its name and rank, and rows
/// that draw no control character.
fn assert_search(
    body: &Value,
    outcome: Result<Vec<prelist::market::Candidate>, MarketError>,
) -> Result<(), TestCaseError> {
    let coins = body.get("coins").and_then(Value::as_array);
    match outcome {
        Ok(found) => {
            let coins = coins.ok_or_else(|| TestCaseError::fail(format!("{body} is read")))?;
            let usable: Vec<&Value> = coins
                .iter()
                .filter(|c| {
                    c.get("id")
                        .and_then(Value::as_str)
                        .is_some_and(is_market_id)
                })
                .collect();
            prop_assert_eq!(found.len(), usable.len());
            for (c, raw) in found.iter().zip(usable) {
                prop_assert_eq!(Some(c.id.as_str()), raw["id"].as_str());
                prop_assert_eq!(c.name.as_str(), raw["name"].as_str().unwrap_or_default());
                let rank = raw["market_cap_rank"]
                    .as_u64()
                    .and_then(|r| u32::try_from(r).ok());
                prop_assert_eq!(c.market_cap_rank, rank);
                for columns in [CandidateColumns::NARROW, CandidateColumns::WIDE] {
                    let row = columns.row(c);
                    prop_assert!(!row.chars().any(is_unsafe), "{row:?}");
                }
            }
        }
        Err(e) => {
            prop_assert!(coins.is_none(), "{body} is refused: {e}");
            assert_clean(&e.to_string(), None)?;
        }
    }
    Ok(())
}

// ---- The API's answers ----

proptest! {
    #![proptest_config(config())]

    #[test]
    fn price_answers_are_read_as_documented((doc, requested) in price_docs(), how in writing()) {
        // The client's path: the body parsed as JSON, then read.
        let Ok(body) = serde_json::from_slice::<Value>(&how.write(&doc.value)) else {
            prop_assert!(!(doc.sound && how.keeps_answer()), "a valid answer is not JSON");
            return Ok(());
        };
        let outcome = parse_simple_price(&body, &requested);
        if doc.sound && how.keeps_answer() {
            prop_assert!(outcome.is_ok(), "a valid answer is refused: {outcome:?}");
        }
        assert_prices(&body, &requested, outcome)?;
    }

    #[test]
    fn search_answers_are_read_as_documented(doc in search_docs(), how in writing()) {
        let Ok(body) = serde_json::from_slice::<Value>(&how.write(&doc.value)) else {
            prop_assert!(!(doc.sound && how.keeps_answer()), "a valid answer is not JSON");
            return Ok(());
        };
        let outcome = parse_search(&body);
        if doc.sound && how.keeps_answer() {
            prop_assert!(outcome.is_ok(), "a valid answer is refused: {outcome:?}");
        }
        assert_search(&body, outcome)?;
    }
}

#[test]
fn the_answer_strategies_reach_the_parsers_checks() {
    let priced = share(price_docs(), 512, |(doc, requested)| {
        parse_simple_price(&doc.value, requested)
            .is_ok_and(|q| q.values().any(|q| q.price_usd.is_some()))
    });
    assert_share("price answers with a price read", priced, 0.3);
    let found = share(search_docs(), 512, |doc| {
        parse_search(&doc.value).is_ok_and(|c| !c.is_empty())
    });
    assert_share("search answers with a candidate read", found, 0.3);
}

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
    prop_oneof![
        3 => prop::collection::vec(entry, 0..6).prop_map(move |list| envelope(exchange, list)),
        1 => json_value(EXCHANGE_FIELDS),
    ]
}

/// `list` under the envelope `exchange` answers with.
fn envelope(exchange: Exchange, list: Vec<Value>) -> Value {
    match exchange {
        Exchange::Binance => json!({"timezone": "UTC", "symbols": list}),
        Exchange::Coinbase | Exchange::Gate => Value::Array(list),
        Exchange::Kraken => json!({"error": [], "result": list
            .into_iter()
            .enumerate()
            .map(|(i, e)| (format!("P{i}"), e))
            .collect::<Map<_, _>>()}),
        Exchange::Okx => json!({"code": "0", "msg": "", "data": list}),
        Exchange::Bybit => {
            json!({"retCode": 0, "retMsg": "OK", "result": {"category": "spot", "list": list}})
        }
    }
}

/// The time of the looks whose outcome is predicted.
const NOW: i64 = 1_764_000_000;

/// A pair an exchange may list, as prelist reads it: upper-case assets
/// (none of Kraken's own codes, which it renames), its state as of `NOW`.
fn listed_pair(exchange: Exchange) -> impl Strategy<Value = Pair> {
    let asset =
        || "[A-Z][A-Z0-9]{1,9}".prop_filter("Kraken's own code", |a| a != "XBT" && a != "XDG");
    let schedules = matches!(exchange, Exchange::Okx | Exchange::Bybit | Exchange::Gate);
    let state = prop_oneof![
        3 => Just(PairState::Trading),
        1 => Just(PairState::Closed),
        1 => (1..10_000_000i64).prop_map(move |d| if schedules {
            PairState::Scheduled { opens_at: NOW + d }
        } else {
            PairState::Closed
        }),
    ];
    (asset(), asset(), state).prop_map(|(base, quote, state)| Pair { base, quote, state })
}

/// The entry of `exchange`'s list for `p`, with its assets written as
/// `base` and `quote`.
fn entry_of(exchange: Exchange, p: &Pair, base: &str, quote: &str) -> Value {
    use PairState::{Closed, Scheduled, Trading};
    let ms = |at: i64| (at * 1000).to_string();
    match (exchange, p.state) {
        (Exchange::Binance, s) => json!({
            "symbol": format!("{}{}", p.base, p.quote), "baseAsset": base, "quoteAsset": quote,
            "status": if s == Trading { "TRADING" } else { "BREAK" },
            "filters": [{"filterType": "PRICE_FILTER", "minPrice": "0.00000100"}],
        }),
        (Exchange::Coinbase, s) => json!({
            "id": format!("{}-{}", p.base, p.quote), "base_currency": base, "quote_currency": quote,
            "status": if s == Trading { "online" } else { "delisted" },
            "trading_disabled": false, "cancel_only": false, "post_only": false,
            "auction_mode": false, "limit_only": false,
        }),
        (Exchange::Kraken, s) => json!({
            "altname": format!("{}{}", p.base, p.quote), "wsname": format!("{base}/{quote}"),
            "base": "X", "quote": "Z",
            "status": if s == Trading { "online" } else { "cancel_only" },
        }),
        (Exchange::Okx, s) => {
            let (state, at) = match s {
                Trading => ("live", ms(1_606_468_572)),
                Scheduled { opens_at } => ("preopen", ms(opens_at)),
                Closed => ("suspend", ms(1_606_468_572)),
            };
            json!({"instId": "X", "baseCcy": base, "quoteCcy": quote, "state": state, "listTime": at})
        }
        (Exchange::Bybit, s) => {
            let (status, at) = match s {
                Trading => ("Trading", String::new()),
                Scheduled { opens_at } => ("PreLaunch", ms(opens_at)),
                Closed => ("Closed", String::new()),
            };
            json!({"symbol": "X", "baseCoin": base, "quoteCoin": quote, "status": status, "launchTime": at})
        }
        (Exchange::Gate, s) => {
            let (status, at) = match s {
                Trading => ("tradable", 0),
                Scheduled { opens_at } => ("untradable", opens_at),
                Closed => ("untradable", 0),
            };
            json!({"id": "X", "base": base, "quote": quote, "trade_status": status, "buy_start": at})
        }
    }
}

/// A list as `exchange` answers it: entries for pairs (their assets in
/// any case, with spaces around), among entries of other shapes; and the
/// pairs it lists.
fn valid_exchange_answer(exchange: Exchange) -> impl Strategy<Value = (Value, Vec<Pair>)> {
    let listed = (listed_pair(exchange), any::<bool>(), any::<bool>()).prop_map(
        move |(p, lower, padded)| {
            let write = |a: &str| {
                let a = if lower {
                    a.to_lowercase()
                } else {
                    a.to_string()
                };
                if padded { format!(" {a} ") } else { a }
            };
            (
                entry_of(exchange, &p, &write(&p.base), &write(&p.quote)),
                Some(p),
            )
        },
    );
    let other = prop_oneof![
        object(EXCHANGE_FIELDS, json_value(EXCHANGE_FIELDS)),
        json_value(EXCHANGE_FIELDS),
    ]
    .prop_map(|v| (v, None));
    prop::collection::vec(prop_oneof![4 => listed, 1 => other], 0..8).prop_map(move |entries| {
        let (list, pairs): (Vec<Value>, Vec<Option<Pair>>) = entries.into_iter().unzip();
        (
            envelope(exchange, list),
            pairs.into_iter().flatten().collect(),
        )
    })
}

/// Lists of `exchange` valid or spoilt, and now and then of any shape,
/// with the pairs a valid one lists.
fn exchange_docs(exchange: Exchange) -> impl Strategy<Value = (Doc, Vec<Pair>)> {
    prop_oneof![
        6 => spoilt(valid_exchange_answer(exchange)),
        1 => exchange_answer(exchange).prop_map(|value| (Doc { value, sound: false }, Vec::new())),
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
    fn exchange_answers_are_read_as_documented(
        (exchange, (doc, listed)) in exchange().prop_flat_map(|e| (Just(e), exchange_docs(e))),
        now in prop_oneof![4 => Just(NOW), 1 => any::<i64>()],
        how in writing(),
    ) {
        let outcome = exchange.parse(&how.write(&doc.value), now);
        // A valid list is read with every pair it lists, in its state.
        if doc.sound && how.keeps_answer() && now == NOW && !listed.is_empty() {
            match &outcome {
                Ok(pairs) => {
                    for p in &listed {
                        prop_assert!(pairs.contains(p), "{:?} is not read from {}", p, doc.value);
                    }
                }
                Err(e) => prop_assert!(false, "a valid list is refused: {e}"),
            }
        }
        assert_look(exchange, now, outcome)?;
    }
}

proptest! {
    #![proptest_config(config())]

    /// An answer reads the same however it is cut into chunks on the way
    /// in (a look reads it as it streams), and what is not JSON is refused.
    #[test]
    fn exchange_answers_read_the_same_in_any_chunks(
        (exchange, (doc, _)) in exchange().prop_flat_map(|e| (Just(e), exchange_docs(e))),
        how in writing(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
    ) {
        let body = how.write(&doc.value);
        let whole = exchange.parse(&body, NOW);
        let mut at: Vec<usize> = cuts.iter().map(|i| i.index(body.len() + 1)).collect();
        at.sort_unstable();
        at.push(body.len());
        let mut reader = exchange.reader(NOW);
        let mut from = 0;
        let mut fed = Ok(());
        for cut in at {
            if fed.is_ok() {
                fed = reader.feed(&body[from..cut]);
            }
            from = cut;
        }
        let chunked = fed.and_then(|()| reader.finish());
        prop_assert_eq!(&chunked, &whole);
        if serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_err() {
            prop_assert!(whole.is_err(), "not JSON, yet read: {:?}", String::from_utf8_lossy(&body));
        }
    }
}

#[test]
fn the_exchange_strategies_reach_the_entries() {
    for exchange in Exchange::ALL {
        let read = share(exchange_docs(exchange), 256, |(doc, _)| {
            exchange
                .parse(doc.value.to_string().as_bytes(), NOW)
                .is_ok()
        });
        assert_share(exchange.name(), read, 0.3);
    }
}
