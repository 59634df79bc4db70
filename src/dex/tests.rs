use super::*;
use crate::model::{Contract, Watchlist};

const NIL: &str = "0x7Cf9a80db3B29eE8EfE3710AAdB7B95270572D47";
const MOVE: &str = "0x3073F7aAA4DB83f95e9FFf17424F71D4751a3073";

fn coin(name: &str, ticker: &str, contracts: &[(Chain, &str)]) -> Coin {
    let mut c = Watchlist::builtin().coins.remove(0);
    c.name = name.into();
    c.ticker = Some(ticker.into());
    c.market_id = None;
    c.contracts = contracts
        .iter()
        .map(|(chain, a)| Contract {
            chain: *chain,
            address: a.to_string(),
        })
        .collect();
    c
}

fn pool(base: &str, liquidity: f64, created_at: i64) -> Pool {
    Pool {
        chain: Chain::Ethereum,
        dex: "uniswap".into(),
        pair_address: format!("0xpool{created_at}"),
        base_address: base.into(),
        base_symbol: "NIL".into(),
        quote_symbol: "WETH".into(),
        price_usd: Some(0.61),
        liquidity_usd: Some(liquidity),
        created_at: Some(created_at),
    }
}

/// One look asking about every token of `coins`, at the default threshold.
fn look(dex: &mut DexBook, coins: &[Coin], pools: &[Pool], now: i64) -> Vec<DexListed> {
    apply_dex_look(dex, &asked(coins), pools, now, 10_000.0, coins)
}

fn asked(coins: &[Coin]) -> Vec<(Chain, String)> {
    watched_tokens(coins, &DexBook::default(), |_| false)
        .into_iter()
        .map(|w| (w.chain, w.address))
        .collect()
}

#[test]
fn a_pool_at_the_threshold_is_a_listing_told_once() {
    let coins = [coin("Nillion", "NIL", &[(Chain::Ethereum, NIL)])];
    let mut dex = DexBook::default();
    let told = look(&mut dex, &coins, &[pool(NIL, 25_000.0, 1_000)], 2_000);
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].pair, "NIL/WETH on uniswap (ethereum)");
    assert_eq!(
        told[0].message(),
        "Nillion (NIL) listed on a DEX: NIL/WETH on uniswap (ethereum) at $0.61, $25.0K liquidity"
    );
    let listing = dex.listing(&coins[0]).unwrap();
    assert_eq!(listing.at, 2_000);
    assert_eq!(dex.price(&coins[0]), Some(0.61));
    // The next look: the same pool is no news.
    let again = look(&mut dex, &coins, &[pool(NIL, 30_000.0, 1_000)], 2_060);
    assert!(again.is_empty());
    assert_eq!(dex.listing(&coins[0]).unwrap().at, 2_000);
}

#[test]
fn a_pool_below_the_threshold_is_seen_but_no_listing() {
    let coins = [coin("Nillion", "NIL", &[(Chain::Ethereum, NIL)])];
    let mut dex = DexBook::default();
    let told = look(&mut dex, &coins, &[pool(NIL, 2_300.0, 1_000)], 2_000);
    assert!(told.is_empty());
    assert_eq!(dex.listing(&coins[0]), None);
    assert_eq!(dex.price(&coins[0]), None);
    let seen = dex.tokens_of(&coins[0]);
    assert_eq!(seen.len(), 1);
    let p = seen[0].token.pool.as_ref().unwrap();
    assert_eq!(p.liquidity_usd, Some(2_300.0));
    assert_eq!(seen[0].token.min_liquidity_usd, 10_000.0);
}

#[test]
fn a_pool_where_the_token_is_the_quote_is_not_its_listing() {
    let coins = [coin("Nillion", "NIL", &[(Chain::Ethereum, NIL)])];
    let mut dex = DexBook::default();
    // MOVE/NIL: NIL is the quote side.
    let mut p = pool(MOVE, 1e6, 1_000);
    p.base_symbol = "MOVE".into();
    p.quote_symbol = "NIL".into();
    let told = look(&mut dex, &coins, &[p], 2_000);
    assert!(told.is_empty());
    assert_eq!(dex.listing(&coins[0]), None);
    assert_eq!(dex.tokens_of(&coins[0])[0].token.pool, None);
}

#[test]
fn an_evm_address_matches_in_any_case_and_a_solana_one_exactly() {
    let sol = "7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU";
    let coins = [
        coin("Nillion", "NIL", &[(Chain::Ethereum, NIL)]),
        coin("Sol thing", "SOLT", &[(Chain::Solana, sol)]),
    ];
    let mut dex = DexBook::default();
    let mut lower = pool(&NIL.to_lowercase(), 50_000.0, 1);
    lower.base_address = NIL.to_uppercase().replacen("0X", "0x", 1);
    let mut wrong_case = pool(&sol.to_lowercase(), 50_000.0, 1);
    wrong_case.chain = Chain::Solana;
    let told = look(&mut dex, &coins, &[lower, wrong_case], 10);
    let names: Vec<&str> = told.iter().map(|t| t.coin.as_str()).collect();
    assert_eq!(names, ["Nillion"]);
    assert_eq!(dex.listing(&coins[1]), None);
}

#[test]
fn the_same_address_on_another_chain_is_another_token() {
    let coins = [coin("Nillion", "NIL", &[(Chain::Base, NIL)])];
    let mut dex = DexBook::default();
    let told = look(&mut dex, &coins, &[pool(NIL, 50_000.0, 1)], 10);
    assert!(told.is_empty());
}

#[test]
fn of_several_pools_at_the_threshold_the_first_created_is_the_listing() {
    let coins = [coin("Nillion", "NIL", &[(Chain::Ethereum, NIL)])];
    let mut dex = DexBook::default();
    let mut later = pool(NIL, 900_000.0, 5_000);
    later.dex = "sushiswap".into();
    let shallow_first = pool(NIL, 500.0, 100);
    let first = pool(NIL, 20_000.0, 1_000);
    let told = look(&mut dex, &coins, &[later, shallow_first, first], 9_000);
    assert_eq!(told[0].pair, "NIL/WETH on uniswap (ethereum)");
    assert_eq!(told[0].liquidity_usd, 20_000.0);
    // The detail pane shows the deepest pool.
    let token = dex.tokens_of(&coins[0])[0].token;
    assert_eq!(token.pool.as_ref().unwrap().dex, "sushiswap");
}

#[test]
fn a_listed_token_is_asked_about_until_coingecko_prices_its_coin() {
    let coins = [coin("Nillion", "NIL", &[(Chain::Ethereum, NIL)])];
    let mut dex = DexBook::default();
    let mut listings = crate::listing::Listings::new();
    let watched = |dex: &DexBook, listings: &crate::listing::Listings| {
        watched_tokens(&coins, dex, |c| {
            crate::listing::listing_of(c, listings).is_some()
        })
    };
    assert!(!watched(&dex, &listings)[0].listed);
    look(&mut dex, &coins, &[pool(NIL, 50_000.0, 1)], 10);
    assert!(watched(&dex, &listings)[0].listed);
    let mut priced = coins[0].clone();
    priced.market_id = crate::types::MarketId::new("nillion");
    let coins = [priced];
    listings.insert(
        "nillion".into(),
        std::sync::Arc::new(crate::listing::Listing {
            listed_at: 20,
            first_price: 0.6,
            price_usd: 0.6,
            change_24h: None,
            market_cap: None,
            updated_at: 20,
            stale: false,
            history: Vec::new(),
        }),
    );
    let priced = |c: &Coin| crate::listing::listing_of(c, &listings).is_some();
    assert!(watched_tokens(&coins, &dex, priced).is_empty());
}

#[test]
fn hostile_text_is_cleaned_before_it_is_kept() {
    let coins = [coin("Nillion\u{1b}[2J", "NIL", &[(Chain::Ethereum, NIL)])];
    let mut dex = DexBook::default();
    let mut p = pool(NIL, 50_000.0, 1);
    p.dex = "uni\u{1b}]0;pwned\u{7}swap".into();
    p.quote_symbol = "WE\u{9b}TH".into();
    let told = look(&mut dex, &coins, &[p], 10);
    let msg = told[0].message();
    assert!(!msg.chars().any(|c| c.is_control()), "{msg:?}");
}

#[test]
fn a_token_no_coin_has_any_more_is_dropped_after_a_month() {
    let coins = [coin("Nillion", "NIL", &[(Chain::Ethereum, NIL)])];
    let mut dex = DexBook::default();
    look(&mut dex, &coins, &[], 10);
    assert_eq!(dex.tokens.len(), 1);
    apply_dex_look(&mut dex, &[], &[], 10 + GONE_FOR + 1, 10_000.0, &[]);
    assert!(dex.tokens.is_empty());
}

#[test]
fn a_coin_is_told_once_when_two_of_its_tokens_list_at_one_look() {
    let coins = [coin(
        "Nillion",
        "NIL",
        &[(Chain::Ethereum, NIL), (Chain::Base, NIL)],
    )];
    let mut dex = DexBook::default();
    let mut on_base = pool(NIL, 50_000.0, 1);
    on_base.chain = Chain::Base;
    let told = look(&mut dex, &coins, &[pool(NIL, 50_000.0, 1), on_base], 10);
    assert_eq!(told.len(), 1);
}

#[test]
fn merged_books_keep_the_later_look_and_the_earlier_listing() {
    let coins = [coin("Nillion", "NIL", &[(Chain::Ethereum, NIL)])];
    let mut ours = DexBook::default();
    let mut theirs = DexBook::default();
    look(&mut ours, &coins, &[pool(NIL, 50_000.0, 1)], 100);
    look(&mut theirs, &coins, &[pool(NIL, 50_000.0, 1)], 50);
    let mut later = pool(NIL, 70_000.0, 1);
    later.price_usd = Some(0.9);
    look(&mut theirs, &coins, &[later], 200);
    let merged = merge(&ours, &theirs);
    assert_eq!(merged.listing(&coins[0]).unwrap().at, 50);
    assert_eq!(merged.price(&coins[0]), Some(0.9));
    assert_eq!(merge(&theirs, &ours), merged);
}

#[test]
fn a_coin_that_traded_already_is_told_where_it_trades_now_too() {
    let listed = DexListed {
        coin: "Nillion".into(),
        ticker: Some("NIL".into()),
        market_id: None,
        pair: "NIL/WETH on uniswap (ethereum)".into(),
        price_usd: None,
        liquidity_usd: 1e6,
        at: 1,
        also: true,
    };
    assert_eq!(
        listed.message(),
        "Nillion now also trades on a DEX: NIL/WETH on uniswap (ethereum)"
    );
}
