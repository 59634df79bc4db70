use super::*;
use crate::book::apply_look;
use crate::exchange::{Exchange, Pair, PairState};
use crate::model::Watchlist;
use crate::premarket::{Offer, Venue, apply_venue_look};

const T0: i64 = 1_800_000_000;

fn pair(base: &str, quote: &str, state: PairState) -> Pair {
    Pair {
        base: base.into(),
        quote: quote.into(),
        state,
    }
}

fn trading(base: &str) -> Pair {
    pair(base, "USDT", PairState::Trading)
}

fn offer(base: &str, price: f64) -> Offer {
    Offer {
        base: base.into(),
        instrument: format!("{base} perp"),
        price_usd: Some(price),
        phase: None,
    }
}

fn coins() -> Vec<Coin> {
    // Nillion (NIL) and Parcl (PRCL) among them.
    Watchlist::builtin().coins
}

fn scope<'a>(coins: &'a [Coin], book: &'a Book, now: i64) -> Scope<'a> {
    Scope {
        coins,
        book,
        now,
        days: DEFAULT_DAYS,
        spot_known: true,
    }
}

fn tickers(rows: &[Row]) -> Vec<&str> {
    rows.iter().map(|r| r.ticker.as_str()).collect()
}

#[test]
fn the_first_look_finds_only_old_pairs_and_discover_is_empty() {
    let coins = coins();
    let mut book = Book::default();
    let old = [
        trading("BTC"),
        trading("ETH"),
        pair("ETH", "BTC", PairState::Trading),
    ];
    apply_look(&mut book, Exchange::Okx, &old, T0, &coins, false);
    apply_venue_look(
        &mut book.premarket,
        Venue::Hyperliquid,
        &[offer("BTC", 97_000.0)],
        T0,
        &coins,
        |_| false,
    );
    assert_eq!(rows(scope(&coins, &book, T0)).0, []);
}

#[test]
fn an_announced_pair_a_hyperp_and_a_new_listing_are_rows_with_their_time_and_price() {
    let coins = coins();
    let mut book = Book::default();
    apply_look(
        &mut book,
        Exchange::Okx,
        &[trading("BTC")],
        T0,
        &coins,
        false,
    );
    apply_look(
        &mut book,
        Exchange::Gate,
        &[trading("BTC")],
        T0,
        &coins,
        false,
    );
    let opens = T0 + 86_400;
    let okx = [
        trading("BTC"),
        pair("ZAMA", "USDT", PairState::Scheduled { opens_at: opens }),
    ];
    apply_look(&mut book, Exchange::Okx, &okx, T0 + 60, &coins, false);
    apply_look(
        &mut book,
        Exchange::Gate,
        &[trading("BTC"), trading("FRESH")],
        T0 + 60,
        &coins,
        false,
    );
    apply_venue_look(
        &mut book.premarket,
        Venue::Hyperliquid,
        &[offer("BTC", 97_000.0), offer("MEGA", 0.42)],
        T0 + 60,
        &coins,
        |_| false,
    );
    let (rows, cut) = rows(scope(&coins, &book, T0 + 120));
    assert_eq!(cut, 0);
    // Soonest opening first, then the newest.
    assert_eq!(tickers(&rows), ["ZAMA", "FRESH", "MEGA"]);
    assert_eq!(rows[0].status, Kind::Scheduled);
    assert_eq!(rows[0].scheduled_at, Some(opens));
    assert_eq!(rows[0].venue_names(), "OKX");
    assert_eq!(rows[1].status, Kind::Listed);
    assert_eq!(rows[2].status, Kind::Premarket);
    assert_eq!(rows[2].price_usd, Some(0.42));
    assert_eq!(rows[2].venues[0].pair, "MEGA perp");
    // A week on, the new listing is no longer news.
    let later = rows_at(&coins, &book, T0 + 60 + 8 * 86_400);
    assert!(!later.contains(&"FRESH".to_string()), "{later:?}");
}

fn rows_at(coins: &[Coin], book: &Book, now: i64) -> Vec<String> {
    rows(scope(coins, book, now))
        .0
        .into_iter()
        .map(|r| r.ticker)
        .collect()
}

#[test]
fn one_row_per_asset_whatever_the_venues() {
    let coins = coins();
    let mut book = Book::default();
    apply_look(&mut book, Exchange::Okx, &[], T0, &coins, false);
    let opens = T0 + 3600;
    let okx = [pair(
        "MOVEX",
        "USDT",
        PairState::Scheduled { opens_at: opens },
    )];
    apply_look(&mut book, Exchange::Okx, &okx, T0 + 60, &coins, false);
    let bybit = Offer {
        base: "MOVEX".into(),
        instrument: "MOVEXUSDT".into(),
        price_usd: Some(0.63),
        phase: Some("ContinuousTrading".into()),
    };
    apply_venue_look(
        &mut book.premarket,
        Venue::Bybit,
        &[bybit],
        T0 + 60,
        &coins,
        |_| false,
    );
    let (rows, _) = rows(scope(&coins, &book, T0 + 120));
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].venue_names(), "OKX, Bybit");
    assert_eq!(rows[0].status, Kind::Premarket, "the furthest venue");
    assert_eq!(rows[0].scheduled_at, Some(opens));
    assert_eq!(rows[0].price_usd, Some(0.63));
}

#[test]
fn watched_coins_quotes_stablecoins_and_perps_of_spot_assets_are_never_rows() {
    let coins = coins();
    let mut book = Book::default();
    apply_look(
        &mut book,
        Exchange::Binance,
        &[trading("SOL")],
        T0,
        &coins,
        false,
    );
    let later = [
        trading("SOL"),
        // NIL is on the watchlist; FDUSD a stablecoin; a new quote asset.
        trading("NIL"),
        trading("FDUSD"),
        pair("SOL", "NEWQ", PairState::Trading),
        pair("WBTC", "USDT", PairState::Scheduled { opens_at: T0 + 999 }),
    ];
    apply_look(&mut book, Exchange::Binance, &later, T0 + 60, &coins, false);
    apply_venue_look(
        &mut book.premarket,
        Venue::Hyperliquid,
        &[offer("SOL", 150.0), offer("USDT", 1.0)],
        T0 + 60,
        &coins,
        |_| false,
    );
    assert_eq!(rows_at(&coins, &book, T0 + 120), Vec::<String>::new());
}

#[test]
fn a_dismissed_row_stays_hidden_until_its_status_changes() {
    let coins = coins();
    let mut book = Book::default();
    apply_look(&mut book, Exchange::Okx, &[], T0, &coins, false);
    let okx = [pair(
        "ZAMA",
        "USDT",
        PairState::Scheduled {
            opens_at: T0 + 3600,
        },
    )];
    apply_look(&mut book, Exchange::Okx, &okx, T0 + 60, &coins, false);
    dismiss(&mut book.dismissed, "ZAMA", Kind::Scheduled, T0 + 70);
    assert_eq!(rows_at(&coins, &book, T0 + 120), Vec::<String>::new());
    // It opens: listed now, and shown again.
    apply_look(
        &mut book,
        Exchange::Okx,
        &[trading("ZAMA")],
        T0 + 3600,
        &coins,
        false,
    );
    assert_eq!(rows_at(&coins, &book, T0 + 3700), ["ZAMA"]);
}

#[test]
fn dismissals_are_bounded_the_oldest_going_first_and_merge_by_the_later() {
    let mut d = Dismissed::new();
    for i in 0..(crate::dismissed::MAX_DISMISSED + 5) {
        dismiss(&mut d, &format!("T{i}"), Kind::Listed, i as i64);
    }
    assert_eq!(d.len(), crate::dismissed::MAX_DISMISSED);
    assert!(!d.contains_key("T0") && d.contains_key("T5"));
    let mut ours = Dismissed::new();
    let mut theirs = Dismissed::new();
    dismiss(&mut ours, "A", Kind::Scheduled, 10);
    dismiss(&mut theirs, "A", Kind::Premarket, 20);
    dismiss(&mut theirs, "B", Kind::Listed, 5);
    let merged = crate::dismissed::merge(&ours, &theirs);
    assert_eq!(merged["A"].status, Kind::Premarket);
    assert_eq!(merged.len(), 2);
    assert_eq!(crate::dismissed::merge(&theirs, &ours), merged);
}

#[test]
fn the_rows_are_bounded_and_the_cut_counted() {
    let coins = coins();
    let mut book = Book::default();
    apply_look(&mut book, Exchange::Gate, &[], T0, &coins, false);
    let many: Vec<Pair> = (0..MAX_ROWS + 7)
        .map(|i| {
            pair(
                &format!("N{i}"),
                "USDT",
                PairState::Scheduled {
                    opens_at: T0 + 1000 + i as i64,
                },
            )
        })
        .collect();
    apply_look(&mut book, Exchange::Gate, &many, T0 + 60, &coins, false);
    let (rows, cut) = rows(scope(&coins, &book, T0 + 120));
    assert_eq!((rows.len(), cut), (MAX_ROWS, 7));
    assert_eq!(rows[0].ticker, "N0", "the soonest kept");
}

#[test]
fn no_perp_is_a_row_before_every_spot_list_is_known() {
    let coins = coins();
    let mut book = Book::default();
    apply_venue_look(
        &mut book.premarket,
        Venue::Hyperliquid,
        &[offer("BTC", 97_000.0)],
        T0,
        &coins,
        |_| false,
    );
    let unknown = Scope {
        spot_known: false,
        ..scope(&coins, &book, T0)
    };
    assert_eq!(rows(unknown).0, []);
}

#[test]
fn rows_sort_by_a_column_unknowns_last_either_way() {
    let coins = coins();
    let mut book = Book::default();
    apply_look(&mut book, Exchange::Okx, &[], T0, &coins, false);
    let okx = [pair(
        "AAA",
        "USDT",
        PairState::Scheduled { opens_at: T0 + 999 },
    )];
    apply_look(&mut book, Exchange::Okx, &okx, T0 + 60, &coins, false);
    apply_look(&mut book, Exchange::Gate, &[], T0, &coins, false);
    let priced = |base: &str, p| Offer {
        instrument: format!("{base}USDT"),
        ..offer(base, p)
    };
    apply_venue_look(
        &mut book.premarket,
        Venue::Bybit,
        &[priced("CHEAP", 0.1), priced("DEAR", 9.0)],
        T0 + 60,
        &coins,
        |_| false,
    );
    let (mut all, _) = rows(scope(&coins, &book, T0 + 120));
    sort_by(&mut all, Column::Price, false);
    assert_eq!(tickers(&all), ["CHEAP", "DEAR", "AAA"]);
    sort_by(&mut all, Column::Price, true);
    assert_eq!(tickers(&all), ["DEAR", "CHEAP", "AAA"], "no price last");
    sort_by(&mut all, Column::Ticker, true);
    assert_eq!(tickers(&all), ["DEAR", "CHEAP", "AAA"]);
}
