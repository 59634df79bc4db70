//! Columns, sorting and filtering: pure functions over the watchlist, shared by
//! the TUI and `prelist list` so both always show the same coins in the same order.

use std::cmp::Ordering;

use memchr::memmem::Finder;
use strum::{EnumCount, EnumString, IntoStaticStr, VariantArray};

use crate::book::Book;
use crate::listing::{Listing, Listings, Status, listing_of, status_of};
use crate::model::{Airdrop, Coin, name_key};
use crate::money;
use crate::names;
use crate::position;
use crate::text::{self, clean};

pub use crate::position::Around;

/// The table's columns, in the order they are shown.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumString, IntoStaticStr, VariantArray, EnumCount,
)]
#[strum(serialize_all = "lowercase")]
pub enum Column {
    Rank,
    Name,
    Ticker,
    Category,
    Score,
    Airdrop,
    Status,
    Price,
    #[strum(serialize = "24h")]
    Change24h,
    /// The move of the price since the first one recorded at the listing.
    Since,
    Listed,
    /// The holding's value at its spot price, in USD (shown only when
    /// `[display] columns` names it, as are the two after it).
    Holding,
    /// The holding's share of the portfolio, in percent.
    Weight,
    /// The holding's profit or loss, in percent of its cost.
    Pnl,
}

impl Column {
    pub const ALL: [Column; Column::COUNT] = names::all();

    /// The columns shown unless `[display] columns` says otherwise: all but
    /// the holding's, which say nothing until the user holds a coin.
    pub const DEFAULT: [Column; 11] = [
        Column::Rank,
        Column::Name,
        Column::Ticker,
        Column::Category,
        Column::Score,
        Column::Airdrop,
        Column::Status,
        Column::Price,
        Column::Change24h,
        Column::Since,
        Column::Listed,
    ];

    /// The header shown in the table.
    pub fn title(self) -> &'static str {
        match self {
            Column::Rank => "#",
            Column::Name => "Name",
            Column::Ticker => "Ticker",
            Column::Category => "Category",
            Column::Score => "Score",
            Column::Airdrop => "Airdrop",
            Column::Status => "Status",
            Column::Price => "Price",
            Column::Change24h => "24h",
            Column::Since => "Since",
            Column::Listed => "Listed",
            Column::Holding => "Holding",
            Column::Weight => "Weight",
            Column::Pnl => "P&L",
        }
    }

    /// The name used on the command line (`list --sort`).
    pub fn key(self) -> &'static str {
        self.into()
    }

    pub fn from_key(key: &str) -> Option<Column> {
        key.parse().ok()
    }

    pub fn index(self) -> usize {
        Column::ALL.iter().position(|&c| c == self).unwrap_or(0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub column: Column,
    pub descending: bool,
}

impl Default for Sort {
    fn default() -> Sort {
        Sort {
            column: Column::Rank,
            descending: false,
        }
    }
}

impl Sort {
    /// The arrow shown beside the sorted column's header.
    pub fn arrow(self) -> &'static str {
        if self.descending { "▼" } else { "▲" }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    #[default]
    All,
    Upcoming,
    Scheduled,
    Premarket,
    Trading,
}

impl StatusFilter {
    pub fn next(self) -> StatusFilter {
        match self {
            StatusFilter::All => StatusFilter::Upcoming,
            StatusFilter::Upcoming => StatusFilter::Scheduled,
            StatusFilter::Scheduled => StatusFilter::Premarket,
            StatusFilter::Premarket => StatusFilter::Trading,
            StatusFilter::Trading => StatusFilter::All,
        }
    }

    /// Whether `coin` passes; the status is looked up only when it matters.
    fn admits(self, coin: &Coin, listings: &Listings, book: &Book) -> bool {
        let wanted = match self {
            StatusFilter::All => return true,
            StatusFilter::Upcoming => Status::Upcoming,
            StatusFilter::Scheduled => Status::Scheduled,
            StatusFilter::Premarket => Status::Premarket,
            StatusFilter::Trading => Status::Trading,
        };
        status_of(coin, listings, book) == wanted
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AirdropFilter {
    #[default]
    All,
    Confirmed,
    Probable,
}

impl AirdropFilter {
    pub fn next(self) -> AirdropFilter {
        match self {
            AirdropFilter::All => AirdropFilter::Confirmed,
            AirdropFilter::Confirmed => AirdropFilter::Probable,
            AirdropFilter::Probable => AirdropFilter::All,
        }
    }

    fn admits(self, airdrop: Option<Airdrop>) -> bool {
        match self {
            AirdropFilter::All => true,
            AirdropFilter::Confirmed => airdrop == Some(Airdrop::Confirmed),
            AirdropFilter::Probable => airdrop == Some(Airdrop::Probable),
        }
    }
}

/// Which coins are shown: a search text and the two cycling filters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    pub text: String,
    pub status: StatusFilter,
    pub airdrop: AirdropFilter,
}

impl Filter {
    /// Whether `coin` passes every filter: its status, its airdrop, and the
    /// search text found (without case) in `haystack`, its `SearchIndex` text.
    fn admits(
        &self,
        coin: &Coin,
        (listings, book): (&Listings, &Book),
        haystack: &str,
        needle: &Finder,
    ) -> bool {
        self.status.admits(coin, listings, book)
            && self.airdrop.admits(coin.airdrop)
            && (needle.needle().is_empty() || needle.find(haystack.as_bytes()).is_some())
    }
}

/// Each coin's searched fields (name, other names, ticker, category,
/// narratives), lower-cased and joined, built once per watchlist so a search
/// over a long list lower-cases nothing per key press.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchIndex {
    texts: Vec<String>,
}

impl SearchIndex {
    pub fn new(coins: &[Coin]) -> SearchIndex {
        let texts = coins
            .iter()
            .map(|c| {
                let mut fields: Vec<&str> = vec![&c.name, &c.category];
                fields.extend(c.other_names.iter().map(String::as_str));
                fields.extend(c.ticker.as_deref());
                fields.extend(c.narratives.iter().map(String::as_str));
                // A newline cannot be typed into a search, so no match spans two fields.
                fields.join("\n").to_lowercase()
            })
            .collect();
        SearchIndex { texts }
    }
}

/// The indices into `coins` of the coins to show, in the order to show them.
pub fn visible(coins: &[Coin], around: Around<'_>, sort: Sort, filter: &Filter) -> Vec<usize> {
    visible_indexed(coins, &SearchIndex::new(coins), around, sort, filter)
}

/// `visible` with a search index built beforehand (`SearchIndex::new(coins)`).
///
/// Ties are broken by the article's rank, ascending in both directions, then
/// by watchlist order; unknown values (no score, no price…) go last in both.
/// Each coin's sort key is computed once, not once per comparison.
pub fn visible_indexed(
    coins: &[Coin],
    index: &SearchIndex,
    around: Around<'_>,
    sort: Sort,
    filter: &Filter,
) -> Vec<usize> {
    let (listings, book, _) = around;
    let needle = filter.text.trim().to_lowercase();
    let finder = Finder::new(needle.as_bytes());
    let mut keyed: Vec<(Option<Key>, u32, usize)> = coins
        .iter()
        .zip(&index.texts)
        .enumerate()
        .filter(|(_, (c, hay))| filter.admits(c, (listings, book), hay, &finder))
        .map(|(i, (c, _))| (sort_key(c, around, sort.column), c.rank, i))
        .collect();
    keyed.sort_unstable_by(|a, b| {
        compare(&a.0, &b.0, sort.descending)
            .then(a.1.cmp(&b.1))
            .then(a.2.cmp(&b.2))
    });
    keyed.into_iter().map(|(_, _, i)| i).collect()
}

/// Two sort keys in order, `descending` or not; an unknown value last
/// either way. Discover sorts by it too.
pub fn compare(a: &Option<Key>, b: &Option<Key>, descending: bool) -> Ordering {
    match (a, b) {
        (Some(x), Some(y)) if descending => y.cmp(x),
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// A comparable value for one cell; `None` is an unknown value.
#[derive(Debug, PartialEq)]
pub enum Key {
    Int(i64),
    Num(f64),
    Text(String),
}

impl Eq for Key {}

impl PartialOrd for Key {
    fn partial_cmp(&self, other: &Key) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Key {
    fn cmp(&self, other: &Key) -> Ordering {
        match (self, other) {
            (Key::Int(a), Key::Int(b)) => a.cmp(b),
            (Key::Num(a), Key::Num(b)) => a.total_cmp(b),
            (Key::Text(a), Key::Text(b)) => a.cmp(b),
            // One column always yields one kind of key.
            _ => Ordering::Equal,
        }
    }
}

/// Text sorts as names compare: trimmed, without case.
pub fn text_key(s: &str) -> Option<Key> {
    let key = name_key(s);
    (!key.is_empty()).then_some(Key::Text(key))
}

fn sort_key(coin: &Coin, around: Around<'_>, column: Column) -> Option<Key> {
    let (listings, book, portfolio) = around;
    let listing = || listing_of(coin, listings);
    let held = || position::position(coin, listings, book, portfolio);
    match column {
        Column::Rank => Some(Key::Int(i64::from(coin.rank))),
        Column::Name => text_key(&coin.name),
        Column::Ticker => coin.ticker.as_deref().and_then(text_key),
        Column::Category => text_key(&coin.category),
        Column::Score => coin.score.map(|s| Key::Int(i64::from(s.value))),
        Column::Airdrop => coin.airdrop.map(|a| Key::Int(a as i64)),
        Column::Status => Some(Key::Int(status_of(coin, listings, book) as i64)),
        Column::Price => listing()
            .map(|l| l.price_usd)
            .or_else(|| book.dex.price(coin))
            .or_else(|| book.premarket_price(coin))
            .map(Key::Num),
        Column::Change24h => listing().and_then(|l| l.change_24h).map(Key::Num),
        Column::Since => listing().and_then(Listing::since_listing_pct).map(Key::Num),
        Column::Listed => crate::listing::listed_at(coin, listings, book).map(Key::Int),
        Column::Holding => held().map(|p| Key::Num(money::to_f64(p.value))),
        Column::Weight => held()
            .and_then(|p| p.weight_pct)
            .map(|w| Key::Num(money::to_f64(w))),
        Column::Pnl => held().map(|p| Key::Num(money::to_f64(p.pnl_pct))),
    }
}

/// What marks a pre-market price in the Price column (`~$0.61`): it is
/// not a spot price.
pub const PREMARKET_MARK: &str = "~";

/// What one cell shows, as text: the same in the TUI and in `prelist list`.
/// Unknown values are "—"; a coin with no market id says so under Price,
/// since it can never be seen to list; a price the API stopped giving is
/// marked stale with its age as of `now` (Unix seconds).
pub fn cell(coin: &Coin, around: Around<'_>, column: Column, now: i64) -> String {
    const UNKNOWN: &str = "—";
    let (listings, book, portfolio) = around;
    let held = || position::position(coin, listings, book, portfolio);
    let listing = listing_of(coin, listings);
    let or_unknown = |s: &str| {
        let s = clean(s.trim());
        if s.is_empty() {
            UNKNOWN.to_string()
        } else {
            s.into_owned()
        }
    };
    match column {
        Column::Rank => coin.rank.to_string(),
        Column::Name => or_unknown(&coin.name),
        Column::Ticker => or_unknown(coin.ticker.as_deref().unwrap_or("")),
        Column::Category => or_unknown(&coin.category),
        Column::Score => match coin.score {
            Some(s) => format!("{} {}", s.value, &s.kind.as_str()[..4]),
            None => UNKNOWN.into(),
        },
        Column::Airdrop => coin.airdrop.map_or(UNKNOWN.into(), |a| a.as_str().into()),
        Column::Status => status_of(coin, listings, book).as_str().into(),
        Column::Price => match (listing, &coin.market_id) {
            (Some(l), _) if l.stale => format!(
                "{} ({} old)",
                text::price(l.price_usd),
                text::duration(std::time::Duration::from_secs(
                    now.saturating_sub(l.updated_at).max(0) as u64
                ))
            ),
            (Some(l), _) => text::price(l.price_usd),
            // A DEX pool's price is a spot price like CoinGecko's.
            (None, _) if let Some(p) = book.dex.price(coin) => text::price(p),
            (None, _) if let Some(p) = book.premarket_price(coin) => {
                format!("{PREMARKET_MARK}{}", text::price(p))
            }
            (None, None) => "no id".into(),
            (None, Some(_)) => UNKNOWN.into(),
        },
        Column::Change24h => listing
            .and_then(|l| l.change_24h)
            .map_or(UNKNOWN.into(), text::change),
        Column::Since => listing
            .and_then(Listing::since_listing_pct)
            .map_or(UNKNOWN.into(), text::since_listing),
        Column::Listed => {
            crate::listing::listed_at(coin, listings, book).map_or(UNKNOWN.into(), text::date)
        }
        Column::Holding => held().map_or(UNKNOWN.into(), |p| money::usd(p.value)),
        Column::Weight => held()
            .and_then(|p| p.weight_pct)
            .map_or(UNKNOWN.into(), money::pct),
        Column::Pnl => held().map_or(UNKNOWN.into(), |p| money::signed_pct(p.pnl_pct)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Watchlist;
    use std::sync::Arc;

    fn builtin() -> Vec<Coin> {
        Watchlist::builtin().coins
    }

    fn names(coins: &[Coin], rows: &[usize]) -> Vec<String> {
        rows.iter().map(|&i| coins[i].name.clone()).collect()
    }

    fn sorted(
        coins: &[Coin],
        listings: &Listings,
        column: Column,
        descending: bool,
    ) -> Vec<String> {
        let sort = Sort { column, descending };
        names(
            coins,
            &visible(
                coins,
                (listings, &Book::default(), None),
                sort,
                &Filter::default(),
            ),
        )
    }

    /// Two coins trading, with prices and changes, one without a 24h change.
    fn some_listings() -> Listings {
        let mut l = Listings::new();
        let listing = |price: f64, change: Option<f64>, at: i64| Listing {
            listed_at: at,
            first_price: price,
            price_usd: price,
            change_24h: change,
            market_cap: None,
            updated_at: at,
            stale: false,
            history: Vec::new(),
        };
        l.insert(
            "parcl".into(),
            listing(0.3, Some(-2.0), 1_700_000_000).into(),
        );
        l.insert("nillion".into(), listing(0.61, None, 1_750_000_000).into());
        l.insert(
            "dolomite".into(),
            listing(0.05, Some(4.5), 1_600_000_000).into(),
        );
        l
    }

    #[test]
    fn rank_both_ways() {
        let c = builtin();
        let l = Listings::new();
        let asc = sorted(&c, &l, Column::Rank, false);
        assert_eq!(asc.first().unwrap(), "Gravity");
        assert_eq!(asc.last().unwrap(), "Peaq Network");
        let desc = sorted(&c, &l, Column::Rank, true);
        assert_eq!(desc.first().unwrap(), "Peaq Network");
        assert_eq!(desc.last().unwrap(), "Gravity");
    }

    #[test]
    fn score_both_ways_ties_by_rank_unknown_last() {
        let c = builtin();
        let l = Listings::new();
        let desc = sorted(&c, &l, Column::Score, true);
        assert_eq!(desc[..3], ["Ten", "Dojima Network", "Peaq Network"]);
        assert_eq!(desc[3..6], ["Ola", "Lurk", "Nimble"]);
        assert_eq!(desc.last().unwrap(), "Gravity");
        let asc = sorted(&c, &l, Column::Score, false);
        assert_eq!(asc[..3], ["Nillion", "My Pet Hooligan", "Parcl"]);
        assert_eq!(asc[11..13], ["Dojima Network", "Peaq Network"]);
        assert_eq!(asc.last().unwrap(), "Gravity");
    }

    #[test]
    fn name_both_ways() {
        let c = builtin();
        let l = Listings::new();
        let asc = sorted(&c, &l, Column::Name, false);
        assert_eq!(asc.first().unwrap(), "Dojima Network");
        assert_eq!(asc.last().unwrap(), "Ten");
        let desc = sorted(&c, &l, Column::Name, true);
        assert_eq!(desc.first().unwrap(), "Ten");
        assert_eq!(desc.last().unwrap(), "Dojima Network");
    }

    #[test]
    fn ticker_unknown_last_both_ways() {
        let c = builtin();
        let l = Listings::new();
        let with_ticker = c.iter().filter(|c| c.ticker.is_some()).count();
        for descending in [false, true] {
            let order = sorted(&c, &l, Column::Ticker, descending);
            let tickers: Vec<_> = order
                .iter()
                .map(|n| c.iter().find(|c| &c.name == n).unwrap().ticker.clone())
                .collect();
            assert!(tickers[..with_ticker].iter().all(Option::is_some));
            assert!(tickers[with_ticker..].iter().all(Option::is_none));
            let known: Vec<_> = tickers[..with_ticker].iter().flatten().collect();
            let mut expect = known.clone();
            expect.sort();
            if descending {
                expect.reverse();
            }
            assert_eq!(known, expect, "descending={descending}");
            // The unknown ones keep the article's order whichever way.
            let rest: Vec<_> = order[with_ticker..].to_vec();
            let by_rank: Vec<_> = c
                .iter()
                .filter(|c| c.ticker.is_none())
                .map(|c| c.name.clone())
                .collect();
            assert_eq!(rest, by_rank);
        }
    }

    #[test]
    fn category_both_ways() {
        let c = builtin();
        let l = Listings::new();
        let asc = sorted(&c, &l, Column::Category, false);
        let desc = sorted(&c, &l, Column::Category, true);
        let cat = |n: &String| {
            c.iter()
                .find(|c| &c.name == n)
                .unwrap()
                .category
                .to_lowercase()
        };
        let a: Vec<_> = asc.iter().map(cat).collect();
        let mut expect = a.clone();
        expect.sort();
        assert_eq!(a, expect);
        let d: Vec<_> = desc.iter().map(cat).collect();
        expect.reverse();
        assert_eq!(d, expect);
    }

    #[test]
    fn airdrop_both_ways_ties_by_rank() {
        let c = builtin();
        let l = Listings::new();
        let asc = sorted(&c, &l, Column::Airdrop, false);
        assert_eq!(asc[..3], ["Gravity", "My Pet Hooligan", "Parcl"]);
        assert_eq!(asc.last().unwrap(), "Nimble");
        let desc = sorted(&c, &l, Column::Airdrop, true);
        assert_eq!(desc[..3], ["Nillion", "ReadyGG", "Ola"]);
        assert_eq!(desc.last().unwrap(), "Peaq Network");
    }

    #[test]
    fn status_price_24h_listed_both_ways_unknown_last() {
        let c = builtin();
        let l = some_listings();
        assert_eq!(
            sorted(&c, &l, Column::Status, false)[11..],
            ["Nillion", "Parcl", "Dolomite"]
        );
        assert_eq!(
            sorted(&c, &l, Column::Status, true)[..3],
            ["Nillion", "Parcl", "Dolomite"]
        );
        assert_eq!(
            sorted(&c, &l, Column::Price, false)[..4],
            ["Dolomite", "Parcl", "Nillion", "Gravity"]
        );
        assert_eq!(
            sorted(&c, &l, Column::Price, true)[..4],
            ["Nillion", "Parcl", "Dolomite", "Gravity"]
        );
        assert_eq!(
            sorted(&c, &l, Column::Price, true).last().unwrap(),
            "Peaq Network"
        );
        assert_eq!(
            sorted(&c, &l, Column::Change24h, false)[..3],
            ["Parcl", "Dolomite", "Gravity"]
        );
        assert_eq!(
            sorted(&c, &l, Column::Change24h, true)[..3],
            ["Dolomite", "Parcl", "Gravity"]
        );
        assert_eq!(
            sorted(&c, &l, Column::Listed, false)[..4],
            ["Dolomite", "Parcl", "Nillion", "Gravity"]
        );
        assert_eq!(
            sorted(&c, &l, Column::Listed, true)[..4],
            ["Nillion", "Parcl", "Dolomite", "Gravity"]
        );
    }

    #[test]
    fn since_listing_sorts_by_the_move_both_ways_unknown_last() {
        let c = builtin();
        let mut l = some_listings();
        Arc::make_mut(l.get_mut("parcl").unwrap()).price_usd = 0.36; // +20%
        Arc::make_mut(l.get_mut("nillion").unwrap()).price_usd = 0.55; // about -9.8%
        Arc::make_mut(l.get_mut("dolomite").unwrap()).price_usd = 0.0505; // +1%
        assert_eq!(
            sorted(&c, &l, Column::Since, false)[..4],
            ["Nillion", "Dolomite", "Parcl", "Gravity"]
        );
        let desc = sorted(&c, &l, Column::Since, true);
        assert_eq!(desc[..4], ["Parcl", "Dolomite", "Nillion", "Gravity"]);
        assert_eq!(desc.last().unwrap(), "Peaq Network");
        let b = Book::default();
        let cell = |name: &str| {
            let coin = c.iter().find(|c| c.name == name).unwrap();
            super::cell(coin, (&l, &b, None), Column::Since, 0)
        };
        assert_eq!(
            [
                cell("Parcl"),
                cell("Nillion"),
                cell("Dolomite"),
                cell("Gravity")
            ],
            ["+20%", "-9.8%", "+1.0%", "—"]
        );
    }

    #[test]
    fn status_and_airdrop_filters() {
        let c = builtin();
        let l = some_listings();
        let show = |f: Filter| {
            names(
                &c,
                &visible(&c, (&l, &Book::default(), None), Sort::default(), &f),
            )
        };
        let trading = show(Filter {
            status: StatusFilter::Trading,
            ..Filter::default()
        });
        assert_eq!(trading, ["Nillion", "Parcl", "Dolomite"]);
        let upcoming = show(Filter {
            status: StatusFilter::Upcoming,
            ..Filter::default()
        });
        assert_eq!(upcoming.len(), 11);
        assert!(!upcoming.contains(&"Parcl".to_string()));
        let probable = show(Filter {
            airdrop: AirdropFilter::Probable,
            ..Filter::default()
        });
        assert_eq!(probable, ["Nillion", "ReadyGG", "Ola", "Lurk", "Nimble"]);
        let confirmed_trading = show(Filter {
            status: StatusFilter::Trading,
            airdrop: AirdropFilter::Confirmed,
            ..Filter::default()
        });
        assert_eq!(confirmed_trading, ["Parcl", "Dolomite"]);
    }

    #[test]
    fn search_covers_every_searched_field() {
        let c = builtin();
        let l = Listings::new();
        let find = |text: &str| {
            let f = Filter {
                text: text.into(),
                ..Filter::default()
            };
            names(
                &c,
                &visible(&c, (&l, &Book::default(), None), Sort::default(), &f),
            )
        };
        assert_eq!(find("NILLION"), ["Nillion"], "name, any case");
        assert_eq!(find("obscuro"), ["Ten"], "other names");
        assert_eq!(find("prcl"), ["Parcl"], "ticker");
        let cat = c[2].category.clone();
        assert!(
            find(&cat).contains(&"My Pet Hooligan".to_string()),
            "category"
        );
        let narrative = c[0].narratives[0].clone();
        assert!(
            find(&narrative).contains(&"Gravity".to_string()),
            "narratives"
        );
        assert!(find("zzz-no-such-coin").is_empty());
        // Competitors are not searched: Nillion's "Chainlink" must not find it.
        assert!(!find("chainlink").contains(&"Nillion".to_string()));
    }

    #[test]
    fn column_keys_and_steps() {
        for col in Column::ALL {
            assert_eq!(Column::from_key(col.key()), Some(col));
        }
    }

    #[test]
    fn holding_columns_sort_with_unknowns_last_and_show_exact_money() {
        use crate::holding::RawHolding;
        use crate::money::Decimal;
        use crate::position::Portfolio;
        let mut coins = builtin();
        let hold = |quantity, cost_usd| Some(RawHolding { quantity, cost_usd }.check().unwrap());
        // Parcl: 1,000 at $0.30 (now $0.30: $300, 3%, 0%); Nillion: 3 at $0.1
        // (now $0.61: $1.83, +510%). Gravity is held but has no price.
        coins
            .iter_mut()
            .find(|c| c.name == "Parcl")
            .unwrap()
            .holding = hold(1000.0, 0.3);
        coins
            .iter_mut()
            .find(|c| c.name == "Nillion")
            .unwrap()
            .holding = hold(3.0, 0.1);
        coins
            .iter_mut()
            .find(|c| c.name == "Gravity")
            .unwrap()
            .holding = hold(5.0, 1.0);
        let l = some_listings();
        let b = Book::default();
        let p = Portfolio {
            size_usd: Decimal::from(10_000),
            max_position_pct: Decimal::from(5),
            early_stage_pct: Decimal::ONE,
        };
        let around = (&l, &b, Some(&p));
        let order = |column, descending| {
            let sort = Sort { column, descending };
            let rows = visible(&coins, around, sort, &Filter::default());
            names(&coins, &rows[..3])
        };
        assert_eq!(
            order(Column::Holding, true),
            ["Parcl", "Nillion", "Gravity"]
        );
        assert_eq!(
            order(Column::Holding, false),
            ["Nillion", "Parcl", "Gravity"]
        );
        assert_eq!(order(Column::Weight, true), ["Parcl", "Nillion", "Gravity"]);
        assert_eq!(order(Column::Pnl, true), ["Nillion", "Parcl", "Gravity"]);
        let cell = |name: &str, column| {
            let coin = coins.iter().find(|c| c.name == name).unwrap();
            super::cell(coin, around, column, 0)
        };
        assert_eq!(cell("Nillion", Column::Holding), "$1.83");
        assert_eq!(cell("Nillion", Column::Weight), "0%");
        assert_eq!(cell("Nillion", Column::Pnl), "+510%");
        assert_eq!(cell("Parcl", Column::Weight), "3%");
        assert_eq!(cell("Parcl", Column::Pnl), "0%");
        assert_eq!(
            cell("Gravity", Column::Holding),
            "—",
            "no price to value it"
        );
        // Without a portfolio there is no weight, but the value stays.
        let no_size = (&l, &b, None);
        let nil = coins.iter().find(|c| c.name == "Nillion").unwrap();
        assert_eq!(super::cell(nil, no_size, Column::Weight, 0), "—");
        assert_eq!(super::cell(nil, no_size, Column::Holding, 0), "$1.83");
    }
}
