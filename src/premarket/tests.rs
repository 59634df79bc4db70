use super::*;
use crate::book::Book;
use crate::model::Watchlist;

fn coin(name: &str, ticker: &str) -> Coin {
    let mut c = Watchlist::builtin().coins.remove(0);
    c.name = name.into();
    c.ticker = Some(ticker.into());
    c.market_id = None;
    c
}

fn offer(base: &str, price: Option<f64>) -> Offer {
    Offer {
        base: base.into(),
        instrument: format!("{base}USDT"),
        price_usd: price,
        phase: Some("ContinuousTrading".into()),
    }
}

fn never(_: &Coin) -> bool {
    false
}

#[test]
fn a_marked_instrument_counts_at_the_first_look() {
    let coins = [coin("Movement", "MOVE")];
    let mut pm = Premarket::default();
    let told = apply_venue_look(
        &mut pm,
        Venue::Bybit,
        &[offer("MOVE", Some(0.63))],
        100,
        &coins,
        never,
    );
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].price_usd, 0.63);
    assert_eq!(pm.price(&coins[0], false), Some(0.63));
}

#[test]
fn an_unmarked_perp_there_at_the_first_look_is_ambiguous_until_confirmed() {
    let coins = [coin("Movement", "MOVE")];
    let mut pm = Premarket::default();
    let hl = |p| Offer {
        phase: None,
        ..offer("MOVE", Some(p))
    };
    let told = apply_venue_look(&mut pm, Venue::Hyperliquid, &[hl(0.61)], 100, &coins, never);
    assert!(told.is_empty());
    assert_eq!(pm.price(&coins[0], false), None);
    assert!(pm.quotes(&coins[0], false)[0].ambiguous);
    assert_eq!(pm.confirm(&coins[0]), [Venue::Hyperliquid]);
    assert_eq!(pm.price(&coins[0], false), Some(0.61));
}

#[test]
fn a_perp_that_appears_later_belongs_to_the_coin_and_is_told_once() {
    let coins = [coin("Movement", "MOVE")];
    let mut pm = Premarket::default();
    let hl = |b: &str, p| Offer {
        phase: None,
        ..offer(b, Some(p))
    };
    apply_venue_look(
        &mut pm,
        Venue::Hyperliquid,
        &[hl("BTC", 97_000.0)],
        100,
        &coins,
        never,
    );
    let told = apply_venue_look(
        &mut pm,
        Venue::Hyperliquid,
        &[hl("BTC", 1.0), hl("MOVE", 0.61)],
        160,
        &coins,
        never,
    );
    assert_eq!(told.len(), 1);
    assert!(keep_marks(&mut pm, &coins, 160, never, never));
    let again = apply_venue_look(
        &mut pm,
        Venue::Hyperliquid,
        &[hl("MOVE", 0.65)],
        220,
        &coins,
        never,
    );
    assert!(again.is_empty(), "told once");
}

#[test]
fn the_price_is_the_median_of_the_venues_that_count() {
    let coins = [coin("Movement", "MOVE")];
    let mut pm = Premarket::default();
    for (v, p) in [
        (Venue::Bybit, 0.6),
        (Venue::Okx, 0.7),
        (Venue::Binance, 0.62),
    ] {
        apply_venue_look(&mut pm, v, &[offer("MOVE", Some(p))], 100, &coins, never);
    }
    assert_eq!(pm.price(&coins[0], false), Some(0.62));
    apply_venue_look(&mut pm, Venue::Binance, &[], 160, &coins, never);
    let two = pm.price(&coins[0], false).unwrap();
    assert!((two - 0.65).abs() < 1e-12, "gone from Binance: {two}");
}

#[test]
fn a_trading_coin_is_never_told_and_keeps_its_last_mark() {
    let coins = [coin("Movement", "MOVE")];
    let mut pm = Premarket::default();
    apply_venue_look(
        &mut pm,
        Venue::Bybit,
        &[offer("MOVE", Some(0.6))],
        100,
        &coins,
        never,
    );
    keep_marks(&mut pm, &coins, 100, never, never);
    apply_venue_look(
        &mut pm,
        Venue::Bybit,
        &[offer("MOVE", Some(0.9))],
        160,
        &coins,
        |_| true,
    );
    assert!(!keep_marks(&mut pm, &coins, 160, |_| true, never));
    assert_eq!(pm.mark(&coins[0]).unwrap().price_usd, 0.6);
    let pct = listed_vs_premarket_pct(0.69, pm.mark(&coins[0]).unwrap()).unwrap();
    assert!((pct - 15.0).abs() < 1e-9, "{pct}");
}

#[test]
fn a_coin_without_a_ticker_is_never_matched() {
    let mut c = coin("Movement", "MOVE");
    c.ticker = None;
    let mut pm = Premarket::default();
    let told = apply_venue_look(
        &mut pm,
        Venue::Bybit,
        &[offer("MOVE", Some(0.6))],
        100,
        std::slice::from_ref(&c),
        never,
    );
    assert!(told.is_empty());
    assert!(pm.quotes(&c, false).is_empty());
}

#[test]
fn the_book_stays_bounded_and_gone_offers_drop() {
    let coins = [coin("Movement", "MOVE")];
    let mut pm = Premarket::default();
    let many: Vec<Offer> = (0..MAX_OFFERS + 10)
        .map(|i| offer(&format!("C{i}"), Some(1.0)))
        .collect();
    apply_venue_look(&mut pm, Venue::Hyperliquid, &many, 100, &coins, never);
    assert_eq!(pm.venues[&Venue::Hyperliquid].offers.len(), MAX_OFFERS);
    apply_venue_look(
        &mut pm,
        Venue::Hyperliquid,
        &[],
        100 + GONE_FOR + 1,
        &coins,
        never,
    );
    assert!(pm.venues[&Venue::Hyperliquid].offers.is_empty());
}

#[test]
fn merging_keeps_the_later_look_and_either_confirmation() {
    let coins = [coin("Movement", "MOVE")];
    let mut a = Premarket::default();
    let hl = |p| Offer {
        phase: None,
        ..offer("MOVE", Some(p))
    };
    apply_venue_look(&mut a, Venue::Hyperliquid, &[hl(0.5)], 100, &coins, never);
    let mut b = a.clone();
    a.confirm(&coins[0]);
    apply_venue_look(&mut b, Venue::Hyperliquid, &[hl(0.7)], 160, &coins, never);
    b.marks.insert(
        "MOVE".into(),
        Mark {
            price_usd: 0.7,
            at: 160,
        },
    );
    let m = merge(&a, &b);
    let s = &m.venues[&Venue::Hyperliquid].offers["MOVE"];
    assert_eq!(s.price_usd, Some(0.7));
    assert!(s.confirmed);
    assert_eq!(m.marks["MOVE"].at, 160);
}

#[test]
fn a_perp_of_a_ticker_that_trades_spot_is_another_coins() {
    use crate::exchange::{Exchange, Pair, PairState};
    let coins = [coin("Movement", "MOVE")];
    let mut book = Book::default();
    let pair = Pair {
        base: "MOVE".into(),
        quote: "USDT".into(),
        state: PairState::Trading,
    };
    crate::book::apply_look(&mut book, Exchange::Okx, &[pair], 50, &coins, false);
    let mut pm = Premarket::default();
    let hl = Offer {
        phase: None,
        ..offer("MOVE", Some(0.6))
    };
    apply_venue_look(&mut pm, Venue::Hyperliquid, &[], 90, &coins, never);
    apply_venue_look(&mut pm, Venue::Hyperliquid, &[hl], 100, &coins, never);
    *book.premarket = pm;
    assert!(book.premarket_quotes(&coins[0]).is_empty());
    assert!(!book.premarket.quotes(&coins[0], false).is_empty());
}

#[test]
fn a_binance_pre_market_symbol_never_makes_a_coin_trading() {
    use crate::exchange::{Exchange, Pair, PairState};
    let coins = [coin("Movement", "MOVE")];
    let mut book = Book::default();
    let pair = |base: &str| Pair {
        base: base.into(),
        quote: "USDT".into(),
        state: PairState::Trading,
    };
    crate::book::apply_look(
        &mut book,
        Exchange::Binance,
        &[pair("BTC")],
        50,
        &coins,
        false,
    );
    apply_venue_look(
        &mut book.premarket,
        Venue::Binance,
        &[offer("MOVE", Some(0.6))],
        60,
        &coins,
        never,
    );
    // The spot list shows the pre-market symbol as trading.
    let mut pairs = vec![pair("BTC"), pair("MOVE")];
    close_premarket_pairs(&book.premarket, &mut pairs);
    assert_eq!(pairs[1].state, PairState::Closed);
    assert_eq!(pairs[0].state, PairState::Trading);
    let events = crate::book::apply_look(&mut book, Exchange::Binance, &pairs, 110, &coins, false);
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(
        crate::listing::status_of(&coins[0], &Default::default(), &book),
        crate::listing::Status::Premarket
    );
}

#[test]
fn a_premarket_price_is_marked_in_the_price_column_sorts_and_filters() {
    use crate::view::{Column, Filter, Sort, StatusFilter, cell, visible};
    let mut coins = crate::model::Watchlist::builtin().coins;
    coins[0].ticker = Some("MOVE".into());
    coins[1].ticker = Some("NIL".into());
    let mut book = Book::default();
    let both = [offer("MOVE", Some(0.9)), offer("NIL", Some(0.2))];
    apply_venue_look(&mut book.premarket, Venue::Bybit, &both, 100, &coins, never);
    let listings = Default::default();
    assert_eq!(
        cell(&coins[0], (&listings, &book, None), Column::Price, 100),
        "~$0.90"
    );
    let filter = Filter {
        status: StatusFilter::Premarket,
        ..Filter::default()
    };
    let sort = Sort {
        column: Column::Price,
        descending: false,
    };
    let rows = visible(&coins, (&listings, &book, None), sort, &filter);
    // Movement Labs (index 7) is MOVE too: the price is the ticker's.
    assert_eq!(rows, [1, 0, 7], "the premarket coins only, cheaper first");
}
