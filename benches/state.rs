//! The state database at 20,000 trading coins with full price histories:
//! the save after a poll that moved every price, a look by another
//! instance when nothing changed, and a load of the whole state.
//!
//! Run with `cargo bench --bench state`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a bench set up wrong should stop, loudly"
)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};

use prelist::listing::{Listing, history_cap, record};
use prelist::store::{STATE_FILE, State, StateDb, StateStore};

const COINS: usize = 20_000;
const T0: i64 = 1_742_817_600;

/// 20,000 listings, each history at its cap or just under it (so that, as
/// in a long run, each poll thins a few of them rather than all at once).
fn full_state() -> State {
    let cap = history_cap(COINS);
    let mut state = State::default();
    for i in 0..COINS {
        let points = cap / 2 + i % (cap / 2 + 1);
        let history = (0..points)
            .map(|k| {
                (
                    T0 + k as i64 * 60,
                    0.1 + (i % 97) as f64 / 1000.0 + k as f64 / 1e4,
                )
                    .into()
            })
            .collect();
        state.listings.insert(
            format!("generated-coin-{i:05}").into(),
            Listing {
                listed_at: T0,
                first_price: 0.1,
                price_usd: 0.2,
                change_24h: Some(1.5),
                market_cap: Some(12_340_000.0),
                updated_at: T0 + points as i64 * 60,
                stale: false,
                history,
            }
            .into(),
        );
    }
    state
}

/// What a poll at `at` leaves: every price moved, and recorded.
fn poll(state: &mut State, at: i64) {
    let cap = history_cap(state.listings.len());
    for (i, l) in state.listings.values_mut().map(Arc::make_mut).enumerate() {
        let price = 0.2 + ((at / 60) as f64 + i as f64).sin().abs() / 100.0;
        l.price_usd = price;
        l.updated_at = at;
        record(&mut l.history, (at, price).into(), cap);
    }
}

/// The CPU time this thread has had (Linux's schedstat, in ns): a save
/// runs on the calling thread, SQLite included, so this is its CPU cost,
/// without the waits on the disk that wall time would add.
fn thread_cpu() -> Duration {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap();
    let ns: u64 = text.split_whitespace().next().unwrap().parse().unwrap();
    Duration::from_nanos(ns)
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STATE_FILE);
    let db = StateDb::open(&path).unwrap();
    let mut state = db.save(&full_state()).unwrap();
    let mut at = T0 + 10 * 86_400;

    let mut group = c.benchmark_group("state db, 20,000 coins with full histories");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("save after a poll that moved every price (wall)", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                at += 60;
                poll(&mut state, at);
                let start = Instant::now();
                state = black_box(db.save(&state).unwrap());
                spent += start.elapsed();
            }
            spent
        });
    });
    group.bench_function("save after a poll that moved every price (CPU)", |b| {
        b.iter_custom(|iters| {
            let mut spent = Duration::ZERO;
            for _ in 0..iters {
                at += 60;
                poll(&mut state, at);
                let start = thread_cpu();
                state = black_box(db.save(&state).unwrap());
                spent += thread_cpu() - start;
            }
            spent
        });
    });

    let other = StateDb::open(&path).unwrap();
    other.load().unwrap();
    group.bench_function("another instance's look, nothing changed", |b| {
        b.iter(|| assert!(!black_box(other.changed())));
    });

    group.bench_function("load the whole state", |b| {
        b.iter(|| black_box(other.load().unwrap()));
    });
    group.finish();
    let size = std::fs::metadata(&path).unwrap().len();
    println!("state.db at 20,000 coins with full histories: {size} bytes");
}

criterion_group!(benches, bench);
criterion_main!(benches);
