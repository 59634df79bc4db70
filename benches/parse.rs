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
use lists::{list_in, realistic};
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

/// The entries of a real answer of `exchange`'s list, and the answer as the
/// exchange sends it now: compact, Binance's trading groups left out, as
/// `showPermissionSets=false` asks (the 2023 answer kept them in
/// `permissions`, emptied here).
fn real_answer(exchange: Exchange, mut body: serde_json::Value) -> (usize, Vec<u8>) {
    let list = list_in(exchange, &mut body);
    let entries = match list {
        serde_json::Value::Array(items) => items.iter_mut().collect::<Vec<_>>(),
        serde_json::Value::Object(items) => items.values_mut().collect(),
        _ => Vec::new(),
    };
    let count = entries.len();
    if exchange == Exchange::Binance {
        for entry in entries {
            if let Some(entry) = entry.as_object_mut() {
                entry.insert("permissions".into(), serde_json::json!([]));
                entry.remove("permissionSets");
            }
        }
    }
    (count, serde_json::to_vec(&body).unwrap())
}

/// What a month of looks at the six exchanges downloads at the default
/// interval, for lists of their real sizes: before (uncompressed, Binance's
/// permission sets included), uncompressed now (a server that does not
/// compress: a ceiling), and compressed now.
///
/// Generated entries differ in their names only and compress four to five
/// times better than real lists, so the compressed figure is taken from
/// real answers where there are some: `benches/data/<exchange>.json.gz`
/// (see the README there). A real answer's gzip size per entry is scaled to the
/// exchange's real count; an exchange without one is estimated as its
/// generated list's uncompressed size over the lowest compression ratio a
/// real answer showed. Printed, not timed: `scripts/figures.sh` shows it.
fn bench_bandwidth(_c: &mut Criterion) {
    let month = 30 * 86_400;
    let counts = Exchange::ALL.map(|e| (e, e.markets()));
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/data");
    // Each exchange's gzip bytes per look from a real answer, if saved.
    let mut real = Vec::new();
    let mut lowest_ratio = f64::INFINITY;
    for (exchange, count) in counts {
        let Ok(packed) = std::fs::File::open(data.join(format!("{}.json.gz", exchange.key())))
        else {
            continue;
        };
        let mut text = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(packed), &mut text).unwrap();
        let (entries, sent) = real_answer(exchange, serde_json::from_slice(&text).unwrap());
        assert!(exchange.parse(&sent, 0).is_ok(), "{exchange:?}");
        let packed = gzip(&sent);
        let ratio = sent.len() as f64 / packed as f64;
        lowest_ratio = lowest_ratio.min(ratio);
        let per_look = packed as f64 / entries as f64 * count as f64;
        eprintln!(
            "a real {} answer ({entries} entries): {} bytes, gzip {packed} bytes ({ratio:.0}x), \
             {:.1} bytes an entry; at {count} entries: {per_look:.0} bytes",
            exchange.name(),
            sent.len(),
            packed as f64 / entries as f64,
        );
        real.push((exchange, per_look));
    }
    let mut before = 0.0;
    let mut ceiling = 0.0;
    let mut now = 0.0;
    for (exchange, count) in counts {
        let looks = f64::from(month) / prelist::sources::DEFAULT_EXCHANGE_INTERVAL.as_secs_f64();
        let plain = realistic(exchange, count, true);
        let asked = realistic(exchange, count, false);
        assert_eq!(exchange.parse(&plain, 0).unwrap().len(), count);
        let (sent, how) = match real.iter().find(|(e, _)| *e == exchange) {
            Some((_, per_look)) => (*per_look, "a real answer, scaled"),
            None if lowest_ratio.is_finite() => (
                asked.len() as f64 / lowest_ratio,
                "estimated at the lowest real ratio",
            ),
            None => (gzip(&asked) as f64, "generated: a floor"),
        };
        eprintln!(
            "one look at {} ({count} markets), before, uncompressed now, gzip now ({how}): {} {} {sent:.0} bytes",
            exchange.name(),
            plain.len(),
            asked.len(),
        );
        before += plain.len() as f64 * looks;
        ceiling += asked.len() as f64 * looks;
        now += sent * looks;
    }
    eprintln!("a month of looks at all six, every 5 min, as asked before: {before:.0} bytes");
    eprintln!("the same as asked now, uncompressed (a ceiling): {ceiling:.0} bytes");
    eprintln!("the same as asked now, gzip, at the default intervals: {now:.0} bytes");
}

criterion_group!(benches, bench, bench_binance, bench_bandwidth);
criterion_main!(benches);
