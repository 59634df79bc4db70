//! Reading one `/simple/price` answer for 250 ids: JSON parse plus quote
//! extraction, as the poller does for every chunk.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a bench set up wrong should stop, loudly"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use prelist::market::coingecko::parse_simple_price;
use std::hint::black_box;

fn answer_250() -> (String, Vec<String>) {
    let ids: Vec<String> = (0..250).map(|i| format!("coin-number-{i}")).collect();
    let body: Vec<String> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            format!(
                "\"{id}\":{{\"usd\":{},\"usd_market_cap\":{},\"usd_24h_change\":{},\"last_updated_at\":{}}}",
                0.001 * (i as f64 + 1.0),
                1.0e6 * i as f64,
                (i as f64 - 125.0) / 10.0,
                1_764_000_000 + i
            )
        })
        .collect();
    (format!("{{{}}}", body.join(",")), ids)
}

fn bench(c: &mut Criterion) {
    let (body, ids) = answer_250();
    c.bench_function("parse /simple/price, 250 ids", |b| {
        b.iter(|| {
            let value: serde_json::Value = serde_json::from_str(black_box(&body)).unwrap();
            let quotes = parse_simple_price(&value, &ids).unwrap();
            assert_eq!(quotes.len(), 250);
            quotes
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
