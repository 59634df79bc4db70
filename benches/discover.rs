//! Building Discover from six exchange books of their real sizes (Binance
//! 3,500 symbols, Gate 2,500, Kraken 1,200, Coinbase 800, OKX 800, Bybit
//! 700) and Hyperliquid's 300 perps, each looked at twice so that a few
//! dozen assets are new or announced: under 20 ms, the goal.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a bench set up wrong should stop, loudly"
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use prelist::book::{Book, apply_look};
use prelist::discover::{Scope, rows};
use prelist::exchange::{Exchange, Pair, PairState};
use prelist::model::Watchlist;
use prelist::premarket::{Offer, Venue, apply_venue_look};

const T0: i64 = 1_800_000_000;

/// `n` markets of an exchange: base assets `A0`…, three quotes each for
/// one in four, and `fresh` assets more at the second look (a third of
/// them announced, the rest trading).
fn pairs(n: usize, fresh: usize, second: bool) -> Vec<Pair> {
    let mut out = Vec::with_capacity(n + fresh);
    let mut i = 0;
    while out.len() < n {
        let base = format!("A{i}");
        for quote in ["USDT", "USDC", "BTC"]
            .iter()
            .take(if i % 4 == 0 { 3 } else { 1 })
        {
            out.push(Pair {
                base: base.clone(),
                quote: (*quote).into(),
                state: PairState::Trading,
            });
        }
        i += 1;
    }
    if second {
        for j in 0..fresh {
            out.push(Pair {
                base: format!("NEW{j}"),
                quote: "USDT".into(),
                state: if j % 3 == 0 {
                    PairState::Scheduled {
                        opens_at: T0 + 86_400 + j as i64,
                    }
                } else {
                    PairState::Trading
                },
            });
        }
    }
    out
}

fn book() -> Book {
    let coins = Watchlist::builtin().coins;
    let mut book = Book::default();
    for e in Exchange::ALL {
        let n = e.markets();
        apply_look(&mut book, e, &pairs(n, 0, false), T0, &coins, false);
        apply_look(&mut book, e, &pairs(n, 30, true), T0 + 300, &coins, false);
    }
    let perps: Vec<Offer> = (0..300)
        .map(|i| Offer {
            // Most are old coins the exchanges list; the last 20 are not.
            base: if i < 280 {
                format!("A{i}")
            } else {
                format!("HYP{i}")
            },
            instrument: format!("P{i} perp"),
            price_usd: Some(0.5 + i as f64),
            phase: None,
        })
        .collect();
    apply_venue_look(
        &mut book.premarket,
        Venue::Hyperliquid,
        &perps,
        T0 + 300,
        &coins,
        |_| false,
    );
    book
}

fn bench_discover(c: &mut Criterion) {
    let coins = Watchlist::builtin().coins;
    let book = book();
    let scope = Scope {
        coins: &coins,
        book: &book,
        now: T0 + 600,
        days: 7,
        spot_known: true,
    };
    let (found, cut) = rows(scope);
    // 30 new assets on every exchange (one row each) and 20 perps.
    assert_eq!((found.len(), cut), (50, 0));
    c.bench_function(
        "build Discover from 6 exchange books (9,500 markets) and 300 perps",
        |b| b.iter(|| rows(black_box(scope))),
    );
}

criterion_group!(benches, bench_discover);
criterion_main!(benches);
