//! Reading one `/simple/price` answer for 250 ids: JSON parse plus quote
//! extraction, as the poller does for every chunk. And one look at a
//! realistic 3,000-pair Binance list: its size in bytes (printed) and the
//! time to read its pairs.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a bench set up wrong should stop, loudly"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use prelist::market::coingecko::parse_simple_price;
use prelist::sources::{Exchange, binance};

#[path = "../tests/common/lists.rs"]
mod lists;
use lists::realistic;
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

/// A Binance `exchangeInfo` answer of `count` symbols as the exchange sends
/// it (compact), each entry shaped as the docs show one: the seven order
/// types, the nine filters, and a permission set of 40 trading groups (the
/// real ones carry dozens). One in ten is not trading.
fn binance_list(count: usize) -> String {
    let groups: Vec<String> = (2..42).map(|g| format!("\"TRD_GRP_{g:03}\"")).collect();
    let groups = groups.join(",");
    let symbols: Vec<String> = (0..count)
        .map(|i| {
            let base = format!("C{i:04}");
            let quote = ["USDT", "BTC", "FDUSD", "TRY", "EUR"][i % 5];
            let status = if i % 10 == 9 { "BREAK" } else { "TRADING" };
            format!(
                concat!(
                    "{{\"symbol\":\"{base}{quote}\",\"status\":\"{status}\",\"baseAsset\":\"{base}\",",
                    "\"baseAssetPrecision\":8,\"quoteAsset\":\"{quote}\",\"quotePrecision\":8,",
                    "\"quoteAssetPrecision\":8,\"baseCommissionPrecision\":8,\"quoteCommissionPrecision\":8,",
                    "\"orderTypes\":[\"LIMIT\",\"LIMIT_MAKER\",\"MARKET\",\"STOP_LOSS\",\"STOP_LOSS_LIMIT\",",
                    "\"TAKE_PROFIT\",\"TAKE_PROFIT_LIMIT\"],\"icebergAllowed\":true,\"ocoAllowed\":true,",
                    "\"otoAllowed\":true,\"quoteOrderQtyMarketAllowed\":true,\"allowTrailingStop\":true,",
                    "\"cancelReplaceAllowed\":true,\"amendAllowed\":true,\"pegInstructionsAllowed\":true,",
                    "\"isSpotTradingAllowed\":true,\"isMarginTradingAllowed\":false,\"filters\":[",
                    "{{\"filterType\":\"PRICE_FILTER\",\"minPrice\":\"0.00000100\",\"maxPrice\":\"100000.00000000\",\"tickSize\":\"0.00000100\"}},",
                    "{{\"filterType\":\"LOT_SIZE\",\"minQty\":\"0.00100000\",\"maxQty\":\"100000.00000000\",\"stepSize\":\"0.00100000\"}},",
                    "{{\"filterType\":\"ICEBERG_PARTS\",\"limit\":10}},",
                    "{{\"filterType\":\"MARKET_LOT_SIZE\",\"minQty\":\"0.00000000\",\"maxQty\":\"3832.38128792\",\"stepSize\":\"0.00000000\"}},",
                    "{{\"filterType\":\"TRAILING_DELTA\",\"minTrailingAboveDelta\":10,\"maxTrailingAboveDelta\":2000,\"minTrailingBelowDelta\":10,\"maxTrailingBelowDelta\":2000}},",
                    "{{\"filterType\":\"PERCENT_PRICE_BY_SIDE\",\"bidMultiplierUp\":\"5\",\"bidMultiplierDown\":\"0.2\",\"askMultiplierUp\":\"5\",\"askMultiplierDown\":\"0.2\",\"avgPriceMins\":5}},",
                    "{{\"filterType\":\"NOTIONAL\",\"minNotional\":\"5.00000000\",\"applyMinToMarket\":true,\"maxNotional\":\"9000000.00000000\",\"applyMaxToMarket\":false,\"avgPriceMins\":5}},",
                    "{{\"filterType\":\"MAX_NUM_ORDERS\",\"maxNumOrders\":200}},",
                    "{{\"filterType\":\"MAX_NUM_ALGO_ORDERS\",\"maxNumAlgoOrders\":5}}],",
                    "\"permissions\":[],\"permissionSets\":[[\"SPOT\",\"MARGIN\",{groups}]],",
                    "\"defaultSelfTradePreventionMode\":\"EXPIRE_MAKER\",",
                    "\"allowedSelfTradePreventionModes\":[\"EXPIRE_TAKER\",\"EXPIRE_MAKER\",\"EXPIRE_BOTH\"]}}"
                ),
                base = base,
                quote = quote,
                status = status,
                groups = groups,
            )
        })
        .collect();
    format!(
        "{{\"timezone\":\"UTC\",\"serverTime\":1764000000000,\"rateLimits\":[],\"exchangeFilters\":[],\"symbols\":[{}]}}",
        symbols.join(",")
    )
}

fn bench_binance(c: &mut Criterion) {
    let body = binance_list(3_000);
    eprintln!(
        "one look at a 3,000-pair Binance list: {} bytes",
        body.len()
    );
    c.bench_function("parse a Binance list, 3,000 pairs", |b| {
        b.iter(|| {
            let pairs = binance::parse(black_box(body.as_bytes()), 1_764_000_000).unwrap();
            assert_eq!(pairs.len(), 3_000);
            pairs
        })
    });
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

fn gzip(bytes: &[u8]) -> usize {
    use std::io::Write;
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(bytes).unwrap();
    z.finish().unwrap().len()
}

/// What a month of looks at the six exchanges downloads at the default
/// interval, for lists of their real sizes: before (uncompressed, Binance's
/// permission sets included), now at most (uncompressed, without them: a
/// server that does not compress), and now compressed. Generated entries
/// differ in their names only, so they compress better than real lists
/// do: the compressed figure is a floor, the uncompressed one a ceiling.
/// Printed, not timed: `scripts/figures.sh` shows it.
fn bench_bandwidth(_c: &mut Criterion) {
    let looks = 30 * 86_400 / prelist::sources::DEFAULT_EXCHANGE_INTERVAL.as_secs();
    let mut before = 0;
    let mut ceiling = 0;
    let mut now = 0;
    for (exchange, count) in [
        (Exchange::Binance, 3_500),
        (Exchange::Gate, 2_500),
        (Exchange::Kraken, 1_200),
        (Exchange::Coinbase, 800),
        (Exchange::Okx, 800),
        (Exchange::Bybit, 700),
    ] {
        let plain = realistic(exchange, count, true);
        let asked = realistic(exchange, count, false);
        let sent = gzip(&asked);
        assert_eq!(exchange.parse(&plain, 0).unwrap().len(), count);
        eprintln!(
            "one look at {} ({count} markets), before, uncompressed now, gzip now: {} {} {} bytes",
            exchange.name(),
            plain.len(),
            asked.len(),
            sent
        );
        before += plain.len() as u64 * looks;
        ceiling += asked.len() as u64 * looks;
        now += sent as u64 * looks;
    }
    eprintln!("a month of looks at all six, every 5 min, as asked before: {before} bytes");
    eprintln!("the same as asked now, uncompressed (a ceiling): {ceiling} bytes");
    eprintln!("the same as asked now, gzip (a floor): {now} bytes");
}

criterion_group!(benches, bench, bench_binance, bench_bandwidth);
criterion_main!(benches);
