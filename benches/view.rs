//! How long the screen takes with a very long watchlist, and how long the
//! first frame of the built-in one takes.
//!
//! Run with `cargo bench --bench view`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a bench set up wrong should stop, loudly"
)]

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};

use prelist::app::{App, Msg};
use prelist::keymap::Action;
use prelist::listing::{Listing, Listings};
use prelist::market::poller::Report;
use prelist::market::{Quote, Quotes};
use prelist::model::Watchlist;
use prelist::ui;
use prelist::ui::theme::Palette;
use prelist::view::Column;
use prelist::watcher::Input;

const COINS: usize = 10_000;
const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;

/// What the search types: a narrative and category word that about a
/// fifth of the generated coins carry somewhere.
const SEARCH: &str = "zk";

/// A small deterministic generator, so every run measures the same list.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const FIRST: &[&str] = &[
    "Aether", "Blue", "Crimson", "Delta", "Echo", "Flux", "Gamma", "Helix", "Ion", "Jade", "Kite",
    "Lumen", "Mosaic", "Nova", "Orbit", "Prism", "Quartz", "Ridge", "Solar", "Tidal",
];
const SECOND: &[&str] = &[
    "Labs", "Network", "Protocol", "Chain", "Finance", "Swap", "Games", "AI", "Layer", "Bridge",
    "Vault", "Markets",
];
const CATEGORIES: &[&str] = &[
    "Exchange",
    "Privacy compute",
    "Gaming",
    "Real estate",
    "Layer 1",
    "Gaming infra",
    "DeFi",
    "Modular L2",
    "ZK VM",
    "ZK compute",
    "AI",
    "Layer 2",
    "Omni-chain L1",
    "DePIN L1",
];
const NARRATIVES: &[&str] = &[
    "DeFi",
    "AI",
    "Gaming",
    "Privacy",
    "RWA",
    "DePIN",
    "Modular",
    "Restaking",
    "ZK Sync",
    "Interoperability",
    "Computing",
    "Memes",
];
const BACKERS: &[&str] = &[
    "Paradigm",
    "a16z",
    "Polychain",
    "Binance Labs",
    "Coinbase Ventures",
    "Multicoin",
    "Dragonfly",
];

/// A watchlist of `n` distinct coins and listings for some of them: scores of
/// both kinds or none, both airdrop kinds, a third with a market id and half
/// of those trading, some without a 24h change.
fn generated(n: usize) -> (Watchlist, Listings) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut coins = Vec::with_capacity(n);
    let mut listings = Listings::new();
    for i in 0..n {
        let name = format!("{} {} {i}", rng.pick(FIRST), rng.pick(SECOND));
        let ticker = (rng.below(3) != 0).then(|| {
            let t: String = name.chars().filter(char::is_ascii_uppercase).collect();
            format!("{t}{i}")
        });
        let narratives: Vec<&str> = (0..1 + rng.below(3))
            .map(|_| rng.pick(NARRATIVES))
            .collect();
        let backers: Vec<&str> = (0..rng.below(4)).map(|_| rng.pick(BACKERS)).collect();
        let (score_kind, score) = match rng.below(5) {
            0 => (Value::Null, Value::Null),
            1 | 2 => (json!("tech"), json!(rng.below(101))),
            _ => (json!("fundamental"), json!(rng.below(101))),
        };
        let market_id = (i % 3 == 0).then(|| format!("coin-{i}"));
        if let Some(id) = &market_id
            && rng.below(2) == 0
        {
            let listed_at = 1_600_000_000 + rng.below(150_000_000) as i64;
            let first_price = 0.001 + rng.unit() * 20.0;
            let price_usd = first_price * (0.2 + rng.unit() * 3.0);
            let change_24h = (rng.below(4) != 0).then(|| rng.unit() * 60.0 - 30.0);
            listings.insert(
                id.as_str().into(),
                Listing {
                    listed_at,
                    first_price,
                    price_usd,
                    change_24h,
                    market_cap: Some(price_usd * 1.0e8),
                    updated_at: listed_at + 86_400,
                    stale: false,
                    history: Vec::new(),
                }
                .into(),
            );
        }
        coins.push(json!({
            "rank": i + 1,
            "name": name,
            "other_names": [],
            "ticker": ticker,
            "category": rng.pick(CATEGORIES),
            "summary": format!(
                "{name} is a generated project used to measure drawing a long list. \
                 It exists so that the detail pane has a few lines to wrap."
            ),
            "thesis": "Listed here only to make the list long.",
            "narratives": narratives,
            "competitors": [],
            "backers": backers,
            "vibes": (rng.below(2) == 0).then_some("GMX"),
            "score_kind": score_kind,
            "score": score,
            "airdrop": if rng.below(2) == 0 { "confirmed" } else { "probable" },
            "launch": Value::Null,
            "market_id": market_id,
            "notes": "",
        }));
    }
    let text = json!({ "version": 1, "coins": coins }).to_string();
    let watchlist = Watchlist::parse(&text, Path::new("<generated>"))
        .expect("the generated watchlist is valid");
    assert_eq!(watchlist.coins.len(), n);
    (watchlist, listings)
}

/// What the user does to sort and search: sort by Score (from the default
/// sort, so always ascending), open the search, type `SEARCH` one character
/// at a time, keep it. Every step but opening and keeping recomputes the rows.
fn sort_and_filter(app: &mut App) {
    // Back to no search and the rank order, as at the start.
    let _ = app.update(Action::Search);
    let _ = app.update(Action::SearchClear);
    let _ = app.update(Action::SortBy(Column::Rank));
    let _ = app.update(Action::SortBy(Column::Score));
    let _ = app.update(Action::Search);
    for c in SEARCH.chars() {
        let _ = app.update(Action::Input(c));
    }
    let _ = app.update(Action::SearchKeep);
}

/// One frame, as the event loop draws it: the layout it reports is kept for
/// the next one.
fn draw(terminal: &mut Terminal<TestBackend>, app: &mut App) {
    let mut viewport = None;
    terminal
        .draw(|frame| viewport = Some(ui::draw(frame, app, &Palette::default())))
        .expect("draw");
    let _ = app.update(Msg::Drawn(viewport.expect("a frame was drawn")));
}

fn terminal() -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("test terminal")
}

fn long_list(c: &mut Criterion) {
    let (watchlist, listings) = generated(COINS);

    let mut app = App::new(watchlist.clone(), listings.clone());
    sort_and_filter(&mut app);
    eprintln!(
        "{} coins, {} listed; the search {SEARCH:?} shows {}",
        app.watchlist().coins.len(),
        app.listings().len(),
        app.rows().len()
    );
    c.bench_function("sort+filter 10k", |b| {
        b.iter(|| {
            sort_and_filter(&mut app);
            black_box(app.rows().len())
        })
    });

    // Every coin shown, sorted by Score: the most the table has to lay out.
    let mut app = App::new(watchlist.clone(), listings.clone());
    let _ = app.update(Action::SortBy(Column::Score));
    let mut term = terminal();
    c.bench_function("render 10k 120x40", |b| {
        b.iter(|| {
            draw(&mut term, &mut app);
            black_box(term.backend().buffer().area)
        })
    });

    // One frame as a key press makes it: the rows sorted and filtered anew
    // (here `r` with a search active), then drawn.
    let mut app = App::new(watchlist.clone(), listings.clone());
    sort_and_filter(&mut app);
    let mut term = terminal();
    c.bench_function("key press: sort+filter+render 10k", |b| {
        b.iter(|| {
            let _ = app.update(Action::SortReverse);
            draw(&mut term, &mut app);
            black_box(term.backend().buffer().area)
        })
    });

    let mut app = App::new(watchlist, listings);
    let mut term = terminal();
    c.bench_function("sort+filter+render 10k", |b| {
        b.iter(|| {
            sort_and_filter(&mut app);
            draw(&mut term, &mut app);
            black_box(term.backend().buffer().area)
        })
    });
}

/// From the built-in watchlist to the first frame drawn, as at startup
/// (without the terminal set-up).
fn first_frame(c: &mut Criterion) {
    c.bench_function("first frame", |b| {
        b.iter(|| {
            let mut app = App::new(Watchlist::builtin(), Listings::new());
            let mut term = terminal();
            draw(&mut term, &mut app);
            black_box(term)
        })
    });
}

/// The sizes of issue-scale lists: about CoinGecko's whole universe, and
/// five times that. A key press there (sort and filter anew with a search
/// active, then draw) must stay under a frame's time.
fn huge_lists(c: &mut Criterion) {
    let mut group = c.benchmark_group("huge");
    group.sample_size(20);
    for n in [20_000, 100_000] {
        let (watchlist, listings) = generated(n);
        let mut app = App::new(watchlist, listings);
        sort_and_filter(&mut app);
        let mut term = terminal();
        group.bench_function(
            format!("key press: sort+filter+render {}k", n / 1000),
            |b| {
                b.iter(|| {
                    let _ = app.update(Action::SortReverse);
                    draw(&mut term, &mut app);
                    black_box(term.backend().buffer().area)
                })
            },
        );
    }
    group.finish();
}

/// A portfolio across a big list: 20,000 coins, one in ten held, every
/// column shown (the holding's value, weight and profit among them) and
/// sorted by weight: each sort values every holding (exact decimals) and
/// the status line adds them up.
fn positions(c: &mut Criterion) {
    use prelist::holding::RawHolding;
    use prelist::money::Decimal;
    let (mut watchlist, listings) = generated(20_000);
    for (i, coin) in watchlist
        .coins
        .iter_mut()
        .enumerate()
        .filter(|(i, _)| i % 10 == 0)
    {
        let holding = RawHolding {
            quantity: 10.0 + i as f64,
            cost_usd: 0.05 + (i % 97) as f64 / 100.0,
        };
        coin.holding = Some(holding.check().expect("a valid holding"));
    }
    let mut app = App::new(watchlist, listings);
    app.configure(
        Column::ALL.to_vec(),
        prelist::view::Sort {
            column: Column::Weight,
            descending: true,
        },
        prelist::keymap::Keymap::new(&Column::ALL, &[]).expect("no clash"),
    );
    app.set_portfolio(Some(prelist::position::Portfolio {
        size_usd: Decimal::from(1_000_000),
        max_position_pct: Decimal::from(5),
        early_stage_pct: Decimal::ONE,
    }));
    let mut term = terminal();
    let mut group = c.benchmark_group("huge");
    group.sample_size(20);
    group.bench_function("key press: sort by weight+render 20k, 2k held", |b| {
        b.iter(|| {
            let _ = app.update(Action::SortReverse);
            draw(&mut term, &mut app);
            black_box(term.backend().buffer().area)
        })
    });
    group.finish();
}

/// The first poll of a big list that is all listing at once: 50,000 coins
/// flip in one answer. Naming, logging and saving them is one pass.
fn mass_flip(c: &mut Criterion) {
    const N: usize = 50_000;
    let coins: Vec<Value> = (0..N)
        .map(|i| json!({"rank": i + 1, "name": format!("Coin {i}"), "market_id": format!("coin-{i}")}))
        .collect();
    let text = json!({ "version": 1, "coins": coins }).to_string();
    let watchlist = Watchlist::parse(&text, Path::new("<generated>")).expect("valid");
    let quotes: Quotes = (0..N)
        .map(|i| {
            let quote = Quote {
                price_usd: prelist::types::Usd::new(0.5 + i as f64 / N as f64),
                ..Quote::default()
            };
            (format!("coin-{i}"), quote)
        })
        .collect();
    let mut group = c.benchmark_group("huge");
    group.sample_size(10);
    group.bench_function("50k flips in one poll", |b| {
        b.iter_batched(
            || {
                let mut app = App::new(watchlist.clone(), Listings::new());
                app.enable_polling();
                (app, quotes.clone())
            },
            |(mut app, quotes)| {
                let effects = app.update(Input::Poll(Report::Done {
                    quotes,
                    next_in: Duration::from_secs(60),
                    requests: 1,
                    remaining: None,
                }));
                assert_eq!(app.trading_count(), N);
                // Returned, so that dropping 50,000 coins is not timed.
                (app, effects)
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(
    benches,
    long_list,
    first_frame,
    huge_lists,
    positions,
    mass_flip
);
criterion_main!(benches);
