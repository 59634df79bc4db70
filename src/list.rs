//! `prelist list`: the watchlist as text or JSON, sorted and filtered by the
//! same code as the TUI.

use serde::{Deserialize, Serialize};

use crate::book::Book;
use crate::holding::RawHolding;
use crate::listing::{Listing, Listings, Status, listing_of, status_of};
use crate::model::{Coin, RawCoin, RawContract};
use crate::money;
use crate::position::{self, Portfolio};
use crate::text;
use crate::view::{self, Column, Filter, Sort};

/// One coin with its state, as every output writes it: `list --json`,
/// `export` as JSON and, with list fields joined, as CSV (`L = String`); and
/// as `import` reads an export back. The first keys are fixed by the spec;
/// coin fields have their watchlist file's names and loose types, so a bad
/// value is refused by the watchlist's validation with the coin named.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoinRecord<
    L = Vec<String>,
    X = Vec<ExchangeRecord>,
    P = Vec<PremarketRecord>,
    K = Vec<RawContract>,
    H = Option<RawHolding>,
> {
    pub rank: u32,
    pub name: String,
    #[serde(default)]
    pub ticker: Option<String>,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub score: Option<i64>,
    #[serde(default)]
    pub score_kind: Option<String>,
    #[serde(default)]
    pub airdrop: Option<String>,
    #[serde(default)]
    pub narratives: L,
    #[serde(default)]
    pub competitors: L,
    #[serde(default)]
    pub vibes: Option<String>,
    #[serde(default)]
    pub market_id: Option<String>,
    /// `upcoming`, `scheduled` or `trading`; an import reads a listing from
    /// a record that says `trading` and has a price.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub price_usd: Option<f64>,
    #[serde(default)]
    pub change_24h: Option<f64>,
    #[serde(default)]
    pub market_cap_usd: Option<f64>,
    /// RFC 3339.
    #[serde(default)]
    pub listed_at: Option<String>,
    #[serde(default)]
    pub first_price_usd: Option<f64>,
    /// The move of `price_usd` against `first_price_usd`, in percent; null
    /// while CoinGecko does not price the coin. Derived: an import ignores
    /// it.
    #[serde(default)]
    pub since_listing_pct: Option<f64>,
    /// When the latest price was current (RFC 3339), and whether the API has
    /// stopped pricing the coin since.
    #[serde(default)]
    pub price_updated_at: Option<String>,
    #[serde(default)]
    pub price_stale: Option<bool>,
    /// The earliest opening an exchange announced (RFC 3339), while the
    /// coin is not trading.
    #[serde(default)]
    pub scheduled_at: Option<String>,
    /// Every pair of the coin's ticker on the watched exchanges (one CSV
    /// cell).
    #[serde(default)]
    pub exchanges: X,
    /// The pre-market price: the median of the venues that count, while the
    /// coin does not trade; once it does, the last one seen before.
    /// Derived: an import ignores it, as it does the three after it.
    #[serde(default)]
    pub premarket_price_usd: Option<f64>,
    /// Every pre-market venue's quote of the coin's ticker (one CSV cell).
    #[serde(default)]
    pub premarket: P,
    /// The first spot price against the last pre-market price, in percent.
    #[serde(default)]
    pub listed_vs_premarket_pct: Option<f64>,
    #[serde(default)]
    pub other_names: L,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub thesis: String,
    #[serde(default)]
    pub backers: L,
    #[serde(default)]
    pub launch: Option<String>,
    #[serde(default)]
    pub notes: String,
    /// The price alerts, in USD.
    #[serde(default)]
    pub alert_above: Option<f64>,
    #[serde(default)]
    pub alert_below: Option<f64>,
    #[serde(default)]
    pub total_supply: Option<f64>,
    /// `[{chain, address}]` (one CSV cell, `chain:address` items).
    #[serde(default)]
    pub contracts: K,
    /// The pre-market price times the total supply. Derived: an import
    /// ignores it.
    #[serde(default)]
    pub implied_fdv_usd: Option<f64>,
    /// `{quantity, cost_usd}`, the cost per token (one CSV cell,
    /// `1250 @ 0.55`).
    #[serde(default)]
    pub holding: H,
    /// The holding at its spot price (CoinGecko's, else the first DEX
    /// pool's). Derived, as are the four after it: an import ignores them.
    #[serde(default)]
    pub position_value_usd: Option<f64>,
    /// Its share of `[portfolio] size_usd`, in percent.
    #[serde(default)]
    pub position_weight_pct: Option<f64>,
    /// Its value less its cost.
    #[serde(default)]
    pub pnl_usd: Option<f64>,
    #[serde(default)]
    pub pnl_pct: Option<f64>,
    /// What the portfolio's rule allows for the coin at its stage: the
    /// early-stage share until it trades, then the single-project share.
    #[serde(default)]
    pub planned_usd: Option<f64>,
}

impl CoinRecord {
    pub fn new(
        coin: &Coin,
        listings: &Listings,
        book: &Book,
        portfolio: Option<&Portfolio>,
    ) -> CoinRecord {
        CoinRecord::build(
            coin,
            (listings, book, portfolio),
            &|s: &str| s.to_string(),
            |v: &[String]| v.to_vec(),
            |e: Vec<ExchangeRecord>| e,
            |p: Vec<PremarketRecord>| p,
            |k: Vec<RawContract>| k,
            |h: Option<RawHolding>| h,
        )
    }

    /// The coin part of the record, as a watchlist file holds it, and the
    /// listing the record shows (or why a record marked trading has none
    /// that can be). The listing belongs under the coin's market id, once
    /// the coin is validated.
    pub fn into_parts(self) -> (RawCoin, Result<Option<Listing>, String>) {
        let listing = self.listing();
        let coin = RawCoin {
            rank: self.rank,
            name: self.name,
            other_names: self.other_names,
            ticker: self.ticker,
            category: self.category,
            summary: self.summary,
            thesis: self.thesis,
            narratives: self.narratives,
            competitors: self.competitors,
            backers: self.backers,
            vibes: self.vibes,
            score_kind: self.score_kind,
            score: self.score,
            airdrop: self.airdrop,
            launch: self.launch,
            market_id: self.market_id,
            notes: self.notes,
            alert_above: self.alert_above,
            alert_below: self.alert_below,
            total_supply: self.total_supply,
            contracts: self.contracts,
            holding: self.holding,
        };
        (coin, listing)
    }

    /// The listing the record shows for a trading coin.
    fn listing(&self) -> Result<Option<Listing>, String> {
        if self.status != Status::Trading.as_str() {
            return Ok(None);
        }
        // Trading on an exchange only: CoinGecko has no price to record.
        if self.price_usd.is_none()
            && self
                .exchanges
                .iter()
                .any(|e| e.status == crate::book::PairStatus::Trading.as_str())
        {
            return Ok(None);
        }
        let time = |key: &str, s: &Option<String>| match s.as_deref() {
            None => Ok(None),
            Some(s) => s
                .parse::<jiff::Timestamp>()
                .map(|t| Some(t.as_second()))
                .map_err(|_| format!("its `{key}` is not an RFC 3339 time")),
        };
        let price = self.price_usd.ok_or("it has no `price_usd`")?;
        let listed_at = time("listed_at", &self.listed_at)?.ok_or("it has no `listed_at`")?;
        Ok(Some(Listing {
            listed_at,
            first_price: self.first_price_usd.unwrap_or(price),
            price_usd: price,
            change_24h: self.change_24h,
            market_cap: self.market_cap_usd,
            updated_at: time("price_updated_at", &self.price_updated_at)?.unwrap_or(listed_at),
            stale: self.price_stale.unwrap_or(false),
            history: Vec::new(),
        }))
    }
}

impl<L, X, P, K, H> CoinRecord<L, X, P, K, H> {
    /// The record of `coin`, with every text cell passed through `text`,
    /// every list field made by `list` (a JSON array, or one CSV cell), and
    /// the exchanges by `exchanges`.
    #[allow(
        clippy::too_many_arguments,
        reason = "one maker per field whose form differs between JSON and CSV"
    )]
    pub fn build(
        coin: &Coin,
        (listings, book, portfolio): (&Listings, &Book, Option<&Portfolio>),
        text: &dyn Fn(&str) -> String,
        list: impl Fn(&[String]) -> L,
        exchanges: impl Fn(Vec<ExchangeRecord>) -> X,
        premarket: impl Fn(Vec<PremarketRecord>) -> P,
        contracts: impl Fn(Vec<RawContract>) -> K,
        holding: impl Fn(Option<RawHolding>) -> H,
    ) -> CoinRecord<L, X, P, K, H> {
        let listing = listing_of(coin, listings);
        let status = status_of(coin, listings, book);
        let pairs = ExchangeRecord::of(coin, book, text);
        let scheduled_at = match book.status(coin) {
            crate::book::BookStatus::Scheduled(at) if status < Status::Trading => text::rfc3339(at),
            _ => None,
        };
        let mark = book.premarket.mark(coin);
        let premarket_price_usd = match status {
            Status::Trading => mark.map(|m| m.price_usd),
            _ => book.premarket_price(coin),
        };
        let listed_vs_premarket_pct =
            crate::listing::listed_vs_premarket(coin, listing, book).map(|(pct, _)| pct);
        let opt = |s: &Option<String>| s.as_deref().map(text);
        let held = position::position(coin, listings, book, portfolio);
        let figure = |f: fn(&position::Position) -> Option<money::Decimal>| {
            held.as_ref().and_then(f).map(money::to_f64)
        };
        CoinRecord {
            rank: coin.rank,
            name: text(&coin.name),
            ticker: opt(&coin.ticker),
            category: text(&coin.category),
            score: coin.score.map(|s| i64::from(s.value)),
            score_kind: coin.score.map(|s| s.kind.as_str().to_string()),
            airdrop: coin.airdrop.map(|a| a.as_str().to_string()),
            narratives: list(&coin.narratives),
            competitors: list(&coin.competitors),
            vibes: opt(&coin.vibes),
            market_id: coin.market_id.as_deref().map(String::from),
            status: status.as_str().to_string(),
            price_usd: listing.map(|l| l.price_usd),
            change_24h: listing.and_then(|l| l.change_24h),
            market_cap_usd: listing.and_then(|l| l.market_cap),
            listed_at: crate::listing::listed_at(coin, listings, book).and_then(text::rfc3339),
            first_price_usd: listing.map(|l| l.first_price),
            since_listing_pct: listing.and_then(Listing::since_listing_pct),
            price_updated_at: listing.and_then(|l| text::rfc3339(l.updated_at)),
            price_stale: listing.map(|l| l.stale),
            scheduled_at,
            exchanges: exchanges(pairs),
            premarket_price_usd,
            premarket: premarket(PremarketRecord::of(coin, book, text)),
            listed_vs_premarket_pct,
            other_names: list(&coin.other_names),
            summary: text(&coin.summary),
            thesis: text(&coin.thesis),
            backers: list(&coin.backers),
            launch: opt(&coin.launch),
            notes: text(&coin.notes),
            alert_above: coin.alert_above.map(|p| p.get()),
            alert_below: coin.alert_below.map(|p| p.get()),
            total_supply: coin.total_supply,
            contracts: contracts(coin.contracts.iter().map(RawContract::from).collect()),
            implied_fdv_usd: crate::premarket::implied_fdv(premarket_price_usd, coin.total_supply),
            holding: holding(coin.holding.as_ref().map(RawHolding::from)),
            position_value_usd: figure(|p| Some(p.value)),
            position_weight_pct: figure(|p| p.weight_pct),
            pnl_usd: figure(|p| Some(p.pnl_usd)),
            pnl_pct: figure(|p| Some(p.pnl_pct)),
            planned_usd: portfolio
                .map(|p| money::to_f64(position::plan(coin, listings, book, p).usd)),
        }
    }
}

/// One pre-market venue's quote of a coin, as the outputs write it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PremarketRecord {
    /// `hyperliquid`, `bybit`, `okx`, `binance`.
    pub venue: String,
    /// The venue's instrument: `MOVEUSDT`, `MOVE perp`.
    pub instrument: String,
    pub price_usd: Option<f64>,
    /// The auction phase, where the venue gives one.
    pub phase: Option<String>,
    /// When the venue was last seen listing it (RFC 3339).
    pub last_seen: String,
    /// Unmarked and there at prelist's first look at the venue, and not
    /// confirmed: it may be another coin's, and is not in the price.
    pub ambiguous: bool,
}

impl PremarketRecord {
    pub fn of(coin: &Coin, book: &Book, text: &dyn Fn(&str) -> String) -> Vec<PremarketRecord> {
        book.premarket_quotes(coin)
            .into_iter()
            .map(|q| PremarketRecord {
                venue: q.venue.key().to_string(),
                instrument: text(&q.instrument),
                price_usd: q.price_usd,
                phase: q.phase.as_deref().map(text),
                last_seen: text::rfc3339(q.last_seen).unwrap_or_default(),
                ambiguous: q.ambiguous,
            })
            .collect()
    }

    /// The quote in a line of words, for a CSV cell: `bybit MOVEUSDT
    /// $0.63 ContinuousTrading`.
    pub fn line(&self) -> String {
        let mut words = vec![self.venue.clone(), self.instrument.clone()];
        words.push(self.price_usd.map_or("no price".into(), text::price));
        words.extend(self.phase.clone());
        if self.ambiguous {
            words.push("(may be another coin)".into());
        }
        words.join(" ")
    }
}

/// One pair of a coin's ticker on a watched exchange, as the outputs write
/// it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeRecord {
    /// `binance`, `okx`…
    pub exchange: String,
    /// `NIL/USDT`.
    pub pair: String,
    /// `trading`, `scheduled` or `closed`.
    pub status: String,
    /// When the pair was first seen (RFC 3339).
    pub first_seen: String,
    /// When it opens, for a scheduled pair (RFC 3339).
    #[serde(default)]
    pub scheduled_at: Option<String>,
    /// The ticker was already on the exchange at prelist's first look and
    /// the user has not confirmed it is this coin: it may be another's.
    #[serde(default)]
    pub ambiguous: bool,
}

impl ExchangeRecord {
    /// The pairs the latest look at each exchange listed under `coin`'s
    /// ticker, with text cells passed through `text`.
    pub fn of(coin: &Coin, book: &Book, text: &dyn Fn(&str) -> String) -> Vec<ExchangeRecord> {
        let mut out = Vec::new();
        // The first DEX pool at the threshold: a listing as an exchange's
        // pair is.
        if let Some(l) = book.dex.listing(coin) {
            out.push(ExchangeRecord {
                exchange: crate::dex::SOURCE.to_string(),
                pair: text(&l.pair),
                status: crate::book::PairStatus::Trading.as_str().to_string(),
                first_seen: crate::text::rfc3339(l.at).unwrap_or_else(|| "?".into()),
                scheduled_at: None,
                ambiguous: false,
            });
        }
        for view in book.views(coin) {
            let Some(asset) = view.asset else { continue };
            for (pair, p) in asset.pairs {
                out.push(ExchangeRecord {
                    exchange: view.exchange.key().to_string(),
                    pair: text(&pair),
                    status: p.status.as_str().to_string(),
                    // Our own clock's time: written unless a state file
                    // was edited by hand.
                    first_seen: crate::text::rfc3339(p.first_seen).unwrap_or_else(|| "?".into()),
                    scheduled_at: p.opens_at.and_then(crate::text::rfc3339),
                    ambiguous: asset.ambiguous,
                });
            }
        }
        out
    }

    /// The record in one line, for a CSV cell: `binance NIL/USDT trading
    /// since 2026-12-01T10:00:00Z`.
    pub fn line(&self) -> String {
        let mut s = format!("{} {} {}", self.exchange, self.pair, self.status);
        match &self.scheduled_at {
            Some(at) => s.push_str(&format!(" at {at}")),
            None => s.push_str(&format!(" since {}", self.first_seen)),
        }
        if self.ambiguous {
            s.push_str(" (may be another coin)");
        }
        s
    }
}

/// The coins to print, in order.
pub fn select<'a>(
    coins: &'a [Coin],
    (listings, book, portfolio): (&Listings, &Book, Option<&Portfolio>),
    sort: Sort,
    filter: &Filter,
) -> Vec<&'a Coin> {
    view::visible(coins, (listings, book, portfolio), sort, filter)
        .into_iter()
        .map(|i| &coins[i])
        .collect()
}

/// The records as JSON, for `list --json` and `export`. JSON escapes the
/// C0 controls but writes C1 controls (a terminal may take U+009B for an
/// escape sequence), line separators, bidi marks and zero-width characters
/// as they are: those are escaped here too, so the text is kept and a terminal shown it is safe.
#[allow(
    clippy::expect_used,
    reason = "records are strings, numbers and lists: serialising them to memory cannot fail"
)]
pub fn to_json(
    coins: &[&Coin],
    listings: &Listings,
    book: &Book,
    portfolio: Option<&Portfolio>,
) -> String {
    let records: Vec<CoinRecord> = coins
        .iter()
        .map(|c| CoinRecord::new(c, listings, book, portfolio))
        .collect();
    let mut s = serde_json::to_string_pretty(&records).expect("records serialise");
    // Each such character is DEL or starts with one of these bytes in UTF-8
    // (0xd8: U+061C, 0xef: U+FEFF): most lists have none, and are passed on
    // as they are.
    let lead = |b: &u8| matches!(b, 0x7f | 0xc2 | 0xd8 | 0xe2 | 0xef);
    if !s.as_bytes().iter().any(lead) {
        s.push('\n');
        return s;
    }
    let mut out = String::with_capacity(s.len() + 1);
    for c in s.chars() {
        // Outside strings JSON is ASCII punctuation and spaces, so every
        // such character is inside a string, where `\uXXXX` is valid.
        if (c == '\u{7f}' || !c.is_ascii()) && text::is_unsafe(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out.push('\n');
    out
}

/// An aligned text table with the default columns, one coin a line.
pub fn to_text(
    coins: &[&Coin],
    (listings, book, portfolio): (&Listings, &Book, Option<&Portfolio>),
    now: i64,
) -> String {
    use unicode_width::UnicodeWidthStr;
    let cells: Vec<Vec<String>> = coins
        .iter()
        .map(|c| {
            Column::DEFAULT
                .map(|col| view::cell(c, (listings, book, portfolio), col, now))
                .to_vec()
        })
        .collect();
    let widths: Vec<usize> = Column::DEFAULT
        .iter()
        .enumerate()
        .map(|(i, col)| {
            cells
                .iter()
                .map(|r| r[i].width())
                .chain([col.title().width()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let mut push_row = |row: Vec<String>| {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(s, &w)| format!("{}{}", s, " ".repeat(w.saturating_sub(s.width()))))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    };
    push_row(Column::DEFAULT.map(|c| c.title().to_string()).to_vec());
    for row in cells {
        push_row(row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listing::Listing;

    #[test]
    fn a_time_that_cannot_be_written_is_null_not_a_placeholder() {
        let coins = crate::model::Watchlist::builtin().coins;
        let coin = coins.iter().find(|c| c.market_id.is_some()).unwrap();
        let id = coin.market_id.as_deref().unwrap().to_string();
        let far = 1_000_000_000_000_000;
        let listing = Listing {
            listed_at: far,
            first_price: 0.61,
            price_usd: 0.61,
            change_24h: None,
            market_cap: None,
            updated_at: -far,
            stale: false,
            history: Vec::new(),
        };
        let listings = Listings::from([(id.into(), listing.into())]);
        let record = CoinRecord::new(coin, &listings, &Book::default(), None);
        assert_eq!(record.status, "trading");
        assert_eq!((record.listed_at, record.price_updated_at), (None, None));
        let json =
            serde_json::to_value(CoinRecord::new(coin, &listings, &Book::default(), None)).unwrap();
        assert!(json["listed_at"].is_null(), "{json}");
    }

    #[test]
    fn json_escapes_every_invisible_character() {
        let mut coin = crate::model::Watchlist::builtin().coins.remove(0);
        for c in [
            '\u{061C}', '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}',
        ] {
            coin.name = format!("Nil{c}lion");
            let json = to_json(&[&coin], &Listings::new(), &Book::default(), None);
            assert!(!json.contains(c), "U+{:04X} written as it is", u32::from(c));
            let back: serde_json::Value = serde_json::from_str(&json).unwrap();
            assert_eq!(back[0]["name"], coin.name, "the text is kept, escaped");
        }
    }
}
