//! The answers of the sources that see a coin before its listing, at
//! realistic sizes: the time to read Hyperliquid's 300 perps and their
//! mids, a 600-contract Bybit list, a 3,000-instrument OKX list (each under
//! 10 ms, the issue's goal) and a DexScreener answer for 30 tokens; and the
//! requests and bytes a month of looks at the four venues and at
//! DexScreener costs at the default intervals (printed, not timed:
//! `scripts/figures.sh` shows it).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a bench set up wrong should stop, loudly"
)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use prelist::model::Chain;
use prelist::sources::dex;
use prelist::sources::premarket::{DEFAULT_INTERVAL, LIST_EVERY, bybit, hyperliquid, okx};

/// A number as venues write prices: a string of digits that vary.
fn px(i: usize) -> String {
    format!("{:.6}", 0.5 + (i * 7919 % 100_000) as f64 / 977.0)
}

/// Hyperliquid's `meta`: `n` perps as it lists them.
fn hyperliquid_meta(n: usize) -> String {
    let perps: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"szDecimals":{},"name":"C{i}","maxLeverage":{},"marginTableId":{}}}"#,
                i % 6,
                [3, 5, 10, 20, 40][i % 5],
                [3, 5, 10, 20, 40][i % 5]
            )
        })
        .collect();
    format!(
        r#"{{"universe":[{}],"marginTables":[[50,{{"description":"","marginTiers":[{{"lowerBound":"0.0","maxLeverage":50}}]}}]]}}"#,
        perps.join(",")
    )
}

/// Hyperliquid's `allMids`: `n` perps and `spot` spot markets.
fn hyperliquid_mids(n: usize, spot: usize) -> String {
    let perps = (0..n).map(|i| format!(r#""C{i}":"{}""#, px(i)));
    let spots = (0..spot).map(|i| format!(r#""@{i}":"{}""#, px(i + n)));
    format!("{{{}}}", perps.chain(spots).collect::<Vec<_>>().join(","))
}

/// Bybit's `instruments-info?category=linear`: `n` contracts, every
/// `every`th pre-listing.
fn bybit_list(n: usize, every: usize) -> String {
    let items: Vec<String> = (0..n)
        .map(|i| {
            let pre = i % every == 0;
            format!(
                r#"{{"symbol":"C{i}USDT","contractType":"LinearPerpetual","status":"{}","baseCoin":"C{i}","quoteCoin":"USDT","launchTime":"1733961600000","deliveryTime":"0","deliveryFeeRate":"","priceScale":"4","leverageFilter":{{"minLeverage":"1","maxLeverage":"25.00","leverageStep":"0.01"}},"priceFilter":{{"minPrice":"0.0001","maxPrice":"1999.9998","tickSize":"0.0001"}},"lotSizeFilter":{{"maxOrderQty":"290000","minOrderQty":"1","qtyStep":"1","postOnlyMaxOrderQty":"2900000","maxMktOrderQty":"58000","minNotionalValue":"5"}},"unifiedMarginTrade":true,"fundingInterval":480,"settleCoin":"USDT","copyTrading":"both","upperFundingRate":"0.02","lowerFundingRate":"-0.02","isPreListing":{pre},"preListingInfo":{}}}"#,
                if pre { "PreLaunch" } else { "Trading" },
                if pre {
                    r#"{"curAuctionPhase":"ContinuousTrading","phases":[{"phase":"CallAuction","startTime":"1733875200000","endTime":"1733878800000"},{"phase":"CallAuctionNoCancel","startTime":"1733878800000","endTime":"1733879100000"},{"phase":"CrossMatching","startTime":"1733879100000","endTime":"1733879400000"},{"phase":"ContinuousTrading","startTime":"1733879400000","endTime":""}],"auctionFeeInfo":{"auctionFeeRate":"0","takerFeeRate":"0.001","makerFeeRate":"0.0004"}}"#
                } else {
                    "null"
                }
            )
        })
        .collect();
    format!(
        r#"{{"retCode":0,"retMsg":"OK","result":{{"category":"linear","list":[{}],"nextPageCursor":""}},"retExtInfo":{{}},"time":1733961600000}}"#,
        items.join(",")
    )
}

/// Bybit's ticker of one contract.
fn bybit_ticker() -> String {
    r#"{"retCode":0,"retMsg":"OK","result":{"category":"linear","list":[{"symbol":"C0USDT","lastPrice":"0.6132","indexPrice":"","markPrice":"0.6130","prevPrice24h":"0.5800","price24hPcnt":"0.057241","highPrice24h":"0.6500","lowPrice24h":"0.5500","prevPrice1h":"0.6100","openInterest":"12345678","openInterestValue":"7570370.63","turnover24h":"3456789.1234","volume24h":"5678901","fundingRate":"0.0001","nextFundingTime":"1733990400000","predictedDeliveryPrice":"","basisRate":"","deliveryFeeRate":"","deliveryTime":"0","ask1Size":"1200","bid1Price":"0.6131","ask1Price":"0.6133","bid1Size":"800","basis":"","preOpenPrice":"","preQty":"","curPreListingPhase":"ContinuousTrading"}]},"retExtInfo":{},"time":1733961600000}"#.to_string()
}

/// OKX's `instruments?instType=SWAP`: `n` swaps, every hundredth
/// pre-market.
fn okx_list(n: usize) -> String {
    let items: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"alias":"","auctionEndTime":"","baseCcy":"","category":"1","ctMult":"1","ctType":"linear","ctVal":"10","ctValCcy":"C{i}","expTime":"","instFamily":"C{i}-USDT","instId":"C{i}-USDT-SWAP","instType":"SWAP","lever":"50","listTime":"1611916828000","lotSz":"1","maxIcebergSz":"100000000","maxLmtAmt":"20000000","maxLmtSz":"100000000","maxMktAmt":"","maxMktSz":"12000","maxStopSz":"12000","maxTriggerSz":"100000000","maxTwapSz":"100000000","minSz":"1","optType":"","quoteCcy":"","ruleType":"{}","settleCcy":"USDT","state":"live","stk":"","tickSz":"0.0001","uly":"C{i}-USDT"}}"#,
                if i % 100 == 0 { "pre_market" } else { "normal" }
            )
        })
        .collect();
    format!(r#"{{"code":"0","data":[{}],"msg":""}}"#, items.join(","))
}

/// OKX's ticker of one swap.
fn okx_ticker() -> String {
    r#"{"code":"0","msg":"","data":[{"instType":"SWAP","instId":"C0-USDT-SWAP","last":"0.6132","lastSz":"12","askPx":"0.6133","askSz":"100","bidPx":"0.6131","bidSz":"80","open24h":"0.58","high24h":"0.65","low24h":"0.55","volCcy24h":"1234567","vol24h":"123456","ts":"1733961600000","sodUtc0":"0.59","sodUtc8":"0.6"}]}"#.to_string()
}

/// Binance's `exchangeInfo?permissions=PRE_MARKET` with `n` symbols.
fn binance_list(n: usize) -> String {
    let items: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"symbol":"C{i}USDT","status":"TRADING","baseAsset":"C{i}","baseAssetPrecision":8,"quoteAsset":"USDT","quotePrecision":8,"quoteAssetPrecision":8,"baseCommissionPrecision":8,"quoteCommissionPrecision":8,"orderTypes":["LIMIT","LIMIT_MAKER","MARKET","STOP_LOSS_LIMIT","TAKE_PROFIT_LIMIT"],"icebergAllowed":true,"ocoAllowed":true,"otoAllowed":true,"quoteOrderQtyMarketAllowed":true,"allowTrailingStop":true,"cancelReplaceAllowed":true,"isSpotTradingAllowed":false,"isMarginTradingAllowed":false,"filters":[{{"filterType":"PRICE_FILTER","minPrice":"0.00010000","maxPrice":"1000.00000000","tickSize":"0.00010000"}},{{"filterType":"LOT_SIZE","minQty":"0.10000000","maxQty":"9222449.00000000","stepSize":"0.10000000"}},{{"filterType":"NOTIONAL","minNotional":"5.00000000","applyMinToMarket":true,"maxNotional":"9000000.00000000","applyMaxToMarket":false,"avgPriceMins":5}}],"permissions":[],"permissionSets":[["PRE_MARKET"]],"defaultSelfTradePreventionMode":"EXPIRE_MAKER","allowedSelfTradePreventionModes":["EXPIRE_TAKER","EXPIRE_MAKER","EXPIRE_BOTH"]}}"#
            )
        })
        .collect();
    format!(
        r#"{{"timezone":"UTC","serverTime":1733961600000,"rateLimits":[],"exchangeFilters":[],"symbols":[{}]}}"#,
        items.join(",")
    )
}

/// One pool as DexScreener answers it, with every field it sends (its
/// volumes, changes, counts of trades, the token's links).
fn dex_pair(token: usize, pool: usize) -> String {
    format!(
        r#"{{"chainId":"ethereum","dexId":"{}","url":"https://dexscreener.com/ethereum/0x{pool:036x}{token:04x}","pairAddress":"0x{pool:036x}{token:04x}","labels":["v3"],"baseToken":{{"address":"0x{token:040x}","name":"Coin {token}","symbol":"C{token}"}},"quoteToken":{{"address":"0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2","name":"Wrapped Ether","symbol":"WETH"}},"priceNative":"0.000{}","priceUsd":"{}","txns":{{"m5":{{"buys":3,"sells":1}},"h1":{{"buys":41,"sells":37}},"h6":{{"buys":240,"sells":211}},"h24":{{"buys":1020,"sells":987}}}},"volume":{{"h24":183422.51,"h6":40211.2,"h1":7310.05,"m5":512.4}},"priceChange":{{"m5":0.12,"h1":-1.3,"h6":2.41,"h24":-5.02}},"liquidity":{{"usd":{},"base":1843221,"quote":412.77}},"fdv":612300000,"marketCap":141200000,"pairCreatedAt":1733961600000,"info":{{"imageUrl":"https://dd.dexscreener.com/ds-data/tokens/ethereum/0x{token:040x}.png","header":"https://dd.dexscreener.com/ds-data/tokens/ethereum/0x{token:040x}/header.png","openGraph":"https://cdn.dexscreener.com/token-images/og/ethereum/0x{token:040x}","websites":[{{"label":"Website","url":"https://coin{token}.example"}}],"socials":[{{"type":"twitter","url":"https://x.com/coin{token}"}},{{"type":"telegram","url":"https://t.me/coin{token}"}}]}}}}"#,
        ["uniswap", "sushiswap", "pancakeswap", "curve"][pool % 4],
        2 + pool % 7,
        px(pool + token),
        1000 + (pool * 7919 + token) % 900_000
    )
}

/// A DexScreener answer: `pools` pools of each of `tokens` tokens.
fn dex_answer(tokens: usize, pools: usize) -> String {
    let all: Vec<String> = (0..tokens)
        .flat_map(|t| (0..pools).map(move |p| dex_pair(t, p)))
        .collect();
    format!("[{}]", all.join(","))
}

fn gzip(bytes: &[u8]) -> usize {
    use std::io::Write;
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(bytes).unwrap();
    z.finish().unwrap().len()
}

fn bench_parse(c: &mut Criterion) {
    let meta = hyperliquid_meta(300);
    let mids = hyperliquid_mids(300, 300);
    assert_eq!(hyperliquid::parse_meta(meta.as_bytes()).unwrap().len(), 300);
    assert_eq!(hyperliquid::parse_mids(mids.as_bytes()).unwrap().len(), 600);
    c.bench_function("parse Hyperliquid's meta and allMids, 300 perps", |b| {
        b.iter(|| {
            let perps = hyperliquid::parse_meta(black_box(meta.as_bytes())).unwrap();
            let mids = hyperliquid::parse_mids(black_box(mids.as_bytes())).unwrap();
            black_box((perps, mids))
        })
    });
    let bybit = bybit_list(600, 10);
    assert_eq!(bybit::parse_list(bybit.as_bytes()).unwrap().len(), 60);
    c.bench_function("parse a Bybit linear list, 600 contracts", |b| {
        b.iter(|| bybit::parse_list(black_box(bybit.as_bytes())).unwrap())
    });
    let okx = okx_list(3000);
    assert_eq!(okx::parse_list(okx.as_bytes()).unwrap().len(), 30);
    c.bench_function("parse an OKX swap list, 3,000 instruments", |b| {
        b.iter(|| okx::parse_list(black_box(okx.as_bytes())).unwrap())
    });
    // The most one request can bring: 30 tokens of 30 pools each.
    let pools = dex_answer(30, 30);
    assert_eq!(
        dex::parse_pools(pools.as_bytes(), Chain::Ethereum)
            .unwrap()
            .len(),
        900
    );
    c.bench_function("parse a DexScreener answer, 30 tokens of 30 pools", |b| {
        b.iter(|| dex::parse_pools(black_box(pools.as_bytes()), Chain::Ethereum).unwrap())
    });
}

/// A month of looks at the four venues at the default intervals: the lists
/// every 15 minutes, the prices each minute, for as many pre-market
/// instruments as the venues ran in 2025 (Bybit 6, OKX 4, Binance 4; and
/// Hyperliquid's 230 perps and 300 spot markets).
fn bench_bandwidth(_c: &mut Criterion) {
    let month = 30.0 * 86_400.0;
    let looks = month / DEFAULT_INTERVAL.as_secs_f64();
    let lists = month / LIST_EVERY.as_secs_f64();
    let (bybit_pre, okx_pre, binance_pre) = (6usize, 4usize, 4usize);
    // (venue, what, requests a month, bytes of one answer)
    let rows: Vec<(&str, &str, f64, String)> = vec![
        ("Hyperliquid", "meta", lists, hyperliquid_meta(230)),
        ("Hyperliquid", "allMids", looks, hyperliquid_mids(230, 300)),
        ("Bybit", "PreLaunch list", lists, bybit_list(bybit_pre, 1)),
        (
            "Bybit",
            "ticker, each contract",
            looks * bybit_pre as f64,
            bybit_ticker(),
        ),
        ("OKX", "swap list (all ~300)", lists, okx_list(300)),
        (
            "OKX",
            "ticker, each swap",
            looks * okx_pre as f64,
            okx_ticker(),
        ),
        (
            "Binance",
            "PRE_MARKET list",
            lists,
            binance_list(binance_pre),
        ),
        (
            "Binance",
            "prices, one request",
            looks,
            format!(
                "[{}]",
                (0..binance_pre)
                    .map(|i| format!(r#"{{"symbol":"C{i}USDT","price":"{}"}}"#, px(i)))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        ),
    ];
    let (mut requests, mut plain, mut packed) = (0.0, 0.0, 0.0);
    for (venue, what, n, body) in &rows {
        let z = gzip(body.as_bytes());
        eprintln!(
            "{venue} {what}: {n:.0} requests a month, {} bytes an answer ({z} gzip): {:.0} bytes a month ({:.0} gzip)",
            body.len(),
            n * body.len() as f64,
            n * z as f64
        );
        requests += n;
        plain += n * body.len() as f64;
        packed += n * z as f64;
    }
    eprintln!(
        "a month of the four venues at the defaults: {requests:.0} requests, {plain:.0} bytes \
         of answers uncompressed (a ceiling), {packed:.0} bytes gzip (generated answers \
         compress better than real ones: a floor); HTTP headers not counted"
    );
    dex_bandwidth();
}

/// A month of looks at DexScreener at the default interval. The built-in
/// watchlist has no contracts: no request at all. A watchlist of 14 coins
/// with a token each on Ethereum, 3 of them not listed yet (a shallow pool
/// each) and 11 listed on a DEX of which CoinGecko does not price 2 yet (30
/// pools each, asked every 15 minutes): one request a minute.
fn dex_bandwidth() {
    let month = 30.0 * 86_400.0;
    let looks = month / dex::DEFAULT_INTERVAL.as_secs_f64();
    let per_look_listed =
        2.0 * dex::DEFAULT_INTERVAL.as_secs_f64() / dex::LISTED_EVERY.as_secs_f64();
    let unlisted = dex_answer(3, 1);
    let listed = dex_answer(1, 30);
    let plain = looks * (unlisted.len() as f64 + per_look_listed * listed.len() as f64);
    let packed = looks
        * (gzip(unlisted.as_bytes()) as f64 + per_look_listed * gzip(listed.as_bytes()) as f64);
    eprintln!("DexScreener, the built-in watchlist (no contracts): 0 requests a month, 0 bytes");
    eprintln!(
        "DexScreener, 14 coins with a token each, 3 unlisted, 2 listed on a DEX only: \
         {looks:.0} requests a month, {plain:.0} bytes of answers uncompressed ({packed:.0} gzip)"
    );
    // Every token unlisted, 30 of them on each of 8 chains: the most the
    // turns allow.
    let most = dex_answer(30, 1);
    eprintln!(
        "DexScreener at its most, 30 unlisted tokens with a pool each on each of 8 chains: \
         {:.0} requests a month, {:.0} bytes ({:.0} gzip)",
        looks * 8.0,
        looks * 8.0 * most.len() as f64,
        looks * 8.0 * gzip(most.as_bytes()) as f64
    );
}

criterion_group!(benches, bench_parse, bench_bandwidth);
criterion_main!(benches);
