use super::*;
use crate::holding::RawHolding;
use crate::listing::Listing;
use crate::model::Watchlist;

const T0: i64 = 1_800_000_000;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// $10,000, the article's 5% and the 1% early-stage rule.
fn portfolio() -> Portfolio {
    Portfolio {
        size_usd: d("10000"),
        max_position_pct: d("5"),
        early_stage_pct: d("1"),
    }
}

/// The built-in list with Parcl (market id `parcl`) holding `quantity` at
/// `cost` each.
fn coins(quantity: f64, cost: f64) -> Vec<Coin> {
    let mut coins = Watchlist::builtin().coins;
    let parcl = coins.iter_mut().find(|c| c.name == "Parcl").unwrap();
    parcl.holding = Some(
        RawHolding {
            quantity,
            cost_usd: cost,
        }
        .check()
        .unwrap(),
    );
    coins
}

fn priced(price: f64, stale: bool) -> Listings {
    Listings::from([(
        "parcl".into(),
        Listing {
            stale,
            ..Listing::at(T0, 0.5, price)
        }
        .into(),
    )])
}

fn parcl(coins: &[Coin]) -> &Coin {
    coins.iter().find(|c| c.name == "Parcl").unwrap()
}

#[test]
fn early_stage_coins_plan_one_percent_and_trading_ones_five() {
    let coins = coins(1000.0, 0.5);
    let book = Book::default();
    let p = portfolio();
    let early = plan(parcl(&coins), &Listings::new(), &book, &p);
    assert!(early.early);
    assert_eq!(early.usd, d("100"));
    assert_eq!(early.price, None, "no pre-market price: the amount alone");
    assert_eq!(
        describe_plan(&early, Some("PRCL")),
        "at most $100 (1% of $10,000, early stage)"
    );
    let trading = plan(parcl(&coins), &priced(0.61, false), &book, &p);
    assert!(!trading.early);
    assert_eq!(trading.usd, d("500"));
    assert_eq!(
        describe_plan(&trading, Some("PRCL")),
        "at most $500 (5% of $10,000) ≈ 820 PRCL at $0.61"
    );
    let premarket = Plan {
        usd: d("100"),
        rule_pct: d("1"),
        size_usd: d("10000"),
        early: true,
        price: Some((d("0.61"), true)),
    };
    assert_eq!(
        describe_plan(&premarket, Some("MOVE")),
        "at most $100 (1% of $10,000, early stage) ≈ 164 MOVE at the pre-market $0.61"
    );
    assert_eq!(
        describe_plan(&premarket, None),
        "at most $100 (1% of $10,000, early stage) ≈ 164 tokens at the pre-market $0.61"
    );
}

#[test]
fn the_weight_is_of_the_whole_portfolio_not_of_the_holdings() {
    let coins = coins(1000.0, 0.55);
    let l = priced(0.72, false);
    let p = position(parcl(&coins), &l, &Book::default(), Some(&portfolio())).unwrap();
    assert_eq!(p.value, d("720"));
    assert_eq!(p.cost, d("550"));
    assert_eq!(p.pnl_usd, d("170"));
    assert_eq!(money::signed_pct(p.pnl_pct), "+30.9%");
    assert_eq!(
        p.weight_pct,
        Some(d("7.2")),
        "720 of 10,000, though it is the only holding"
    );
    assert_eq!(p.over_usd, Some(d("220")));
    assert_eq!(
        describe_weight(&p).unwrap(),
        "7.2% of the portfolio: above the 5% rule, $220 over"
    );
    let within = position(
        parcl(&coins),
        &priced(0.31, false),
        &Book::default(),
        Some(&portfolio()),
    )
    .unwrap();
    assert_eq!(within.over_usd, None);
    assert_eq!(
        describe_weight(&within).unwrap(),
        "3.1% of the portfolio, within the 5% rule"
    );
    assert_eq!(money::signed_usd(within.pnl_usd), "-$240");
    let no_size = position(parcl(&coins), &l, &Book::default(), None).unwrap();
    assert_eq!((no_size.weight_pct, no_size.over_usd), (None, None));
    assert_eq!(describe_weight(&no_size), None);
    assert_eq!(
        position(parcl(&coins), &Listings::new(), &Book::default(), None),
        None,
        "no price: no value"
    );
    assert_eq!(
        total(&coins, &l, &Book::default(), &portfolio()),
        Some((d("720"), d("7.2")))
    );
}

#[test]
fn money_is_exact_where_a_user_checks_it() {
    let coins = coins(3.0, 0.1);
    let p = position(parcl(&coins), &priced(0.2, false), &Book::default(), None).unwrap();
    assert_eq!(money::usd(p.cost), "$0.30");
    assert_eq!(money::usd(p.value), "$0.60");
    assert_eq!(money::signed_usd(p.pnl_usd), "+$0.30");
    assert_eq!(money::signed_pct(p.pnl_pct), "+100%");
    assert_eq!(money::to_f64(p.cost), 0.3);
}

/// The coins that go overweight at `price`, checked at `T0 + at`.
fn run(coins: &[Coin], memo: &mut Alerts, price: f64, at: i64) -> Vec<String> {
    check_overweight(coins, &priced(price, false), &portfolio(), memo, T0 + at)
        .into_iter()
        .map(|o| o.market_id)
        .collect()
}

#[test]
fn overweight_is_told_once_per_crossing_and_rearms_two_percent_under_the_rule() {
    // 1,000 tokens: 5% of $10,000 is $500, so the rule is crossed above $0.50.
    let coins = coins(1000.0, 0.3);
    let mut memo = Alerts::new();
    assert_eq!(run(&coins, &mut memo, 0.45, 0), Vec::<String>::new());
    assert!(memo.is_empty(), "nothing to remember while within the rule");
    assert_eq!(
        run(&coins, &mut memo, 0.50, 1),
        Vec::<String>::new(),
        "at the rule is within it"
    );
    let fired = check_overweight(
        &coins,
        &priced(0.72, false),
        &portfolio(),
        &mut memo,
        T0 + 2,
    );
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].position.weight_pct, Some(d("7.2")));
    assert_eq!(fired[0].armed_since, 0);
    assert_eq!(
        run(&coins, &mut memo, 0.9, 3),
        Vec::<String>::new(),
        "once per crossing"
    );
    assert_eq!(
        run(&coins, &mut memo, 0.495, 4),
        Vec::<String>::new(),
        "4.95%: 1% under"
    );
    assert_eq!(
        run(&coins, &mut memo, 0.49, 5),
        Vec::<String>::new(),
        "4.9% is not under 4.9%"
    );
    assert_eq!(
        run(&coins, &mut memo, 0.6, 6),
        Vec::<String>::new(),
        "not re-armed yet"
    );
    assert_eq!(
        run(&coins, &mut memo, 0.489, 7),
        Vec::<String>::new(),
        "re-armed"
    );
    assert_eq!(memo["parcl"].overweight.unwrap().rearmed_at, Some(T0 + 7));
    let again = check_overweight(
        &coins,
        &priced(0.51, false),
        &portfolio(),
        &mut memo,
        T0 + 8,
    );
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].armed_since, T0 + 7, "a crossing of its own");
    assert_eq!(
        memo["parcl"].above, None,
        "the price alerts' marks are apart"
    );
}

#[test]
fn no_fresh_price_no_market_id_or_no_holding_is_left_alone() {
    let coins = coins(1000.0, 0.3);
    let mut memo = Alerts::new();
    assert!(check_overweight(&coins, &priced(5.0, true), &portfolio(), &mut memo, T0).is_empty());
    assert!(check_overweight(&coins, &Listings::new(), &portfolio(), &mut memo, T0).is_empty());
    let mut no_id = coins.clone();
    no_id.iter_mut().for_each(|c| c.market_id = None);
    assert!(check_overweight(&no_id, &priced(5.0, false), &portfolio(), &mut memo, T0).is_empty());
    let mut none = coins.clone();
    none.iter_mut().for_each(|c| c.holding = None);
    assert!(check_overweight(&none, &priced(5.0, false), &portfolio(), &mut memo, T0).is_empty());
    assert!(memo.is_empty());
    // A changed rule is a new crossing, as a changed alert threshold is.
    assert_eq!(run(&coins, &mut memo, 0.8, 1), ["parcl"]);
    let stricter = Portfolio {
        max_position_pct: d("4"),
        ..portfolio()
    };
    let fired = check_overweight(&coins, &priced(0.8, false), &stricter, &mut memo, T0 + 2);
    assert_eq!(fired.len(), 1);
}

#[test]
fn tiny_and_large_prices_show_with_sensible_precision() {
    let p = portfolio();
    let mut coins = coins(2_000_000.0, 0.000001);
    let lines = |coins: &[Coin], price| {
        lines(
            parcl(coins),
            (&priced(price, false), &Book::default(), Some(&p)),
        )
        .into_iter()
        .map(|(label, line, _)| format!("{label}: {line}"))
        .collect::<Vec<_>>()
    };
    assert_eq!(
        lines(&coins, 0.00000123),
        [
            "Holding: 2,000,000 PRCL worth $2.46 at $0.00000123",
            "P&L: +$0.46 (+23%) on a cost of $2 ($0.000001 each)",
            "Weight: 0% of the portfolio, within the 5% rule",
        ]
    );
    coins = self::coins(0.01, 60_000.0);
    assert_eq!(
        lines(&coins, 68_000.0),
        [
            "Holding: 0.01 PRCL worth $680 at $68,000.00",
            "P&L: +$80 (+13.3%) on a cost of $600 ($60,000.00 each)",
            "Weight: 6.8% of the portfolio: above the 5% rule, $180 over",
        ]
    );
    // Not held, not sized: nothing to say.
    let bare = Watchlist::builtin().coins;
    assert!(super::lines(parcl(&bare), (&priced(0.5, false), &Book::default(), None)).is_empty());
    // Held without a spot price: the cost, and why there is no value.
    let held = self::coins(3.0, 0.1);
    assert_eq!(
        super::lines(parcl(&held), (&Listings::new(), &Book::default(), None)),
        [(
            "Holding",
            "3 PRCL at a cost of $0.30 ($0.10 each); no spot price to value it yet".to_string(),
            false
        )]
    );
}

#[test]
fn extreme_holdings_saturate_rather_than_panic() {
    let tiny = Portfolio {
        size_usd: d("0.01"),
        max_position_pct: d("100"),
        early_stage_pct: d("0.0000001"),
    };
    for (quantity, cost, price) in [
        (1e18, 1e-12, 1e9),
        (1e-12, 1e9, 1e-12),
        (1e18, 1e9, 1e9),
        (1e-12, 1e-12, 1e-12),
    ] {
        let coins = coins(quantity, cost);
        let l = priced(price, false);
        let p = position(parcl(&coins), &l, &Book::default(), Some(&tiny)).unwrap();
        assert!(p.value > Decimal::ZERO, "{quantity} at {price}");
        let lines = lines(parcl(&coins), (&l, &Book::default(), Some(&tiny)));
        assert!(lines.iter().all(|(_, s, _)| s.len() < 200), "{lines:?}");
        let mut memo = Alerts::new();
        let _ = check_overweight(&coins, &l, &tiny, &mut memo, T0);
        let _ = total(&coins, &l, &Book::default(), &tiny);
        let _ = plan(parcl(&coins), &l, &Book::default(), &tiny);
    }
}
