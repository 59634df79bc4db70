//! Discover: the coins not on the watchlist that the sources already show
//! before, or just at, their listing. The lists prelist reads anyway hold
//! them: an exchange's announced pairs (OKX `preopen`, Gate's `buy_start`,
//! Bybit's `PreLaunch` spot pairs), the pre-market venues' instruments, and
//! the base assets an exchange listed since prelist first looked at it.
//!
//! One row per base asset, joined by ticker across venues. Quote assets,
//! stablecoins and wrapped majors are never rows; nor is a Hyperliquid perp
//! of an asset a watched spot exchange trades (most perps are old coins),
//! nor an asset an exchange listed at prelist's first look (it may be
//! years old).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde::Serialize;

use crate::book::{Book, Standing};
use crate::model::{Coin, ticker_key};
use crate::text;

/// The most rows the view and `prelist discover` hold; past it the rest
/// are cut, and the view says how many.
pub const MAX_ROWS: usize = 5_000;

/// How long (days) a base asset an exchange newly listed stays a row,
/// unless `--days` or the config says otherwise.
pub const DEFAULT_DAYS: u32 = 7;

/// Assets that are never coins to discover on a pair's base side:
/// stablecoins and wrapped majors.
pub const NOT_COINS: &[&str] = &[
    "USDT", "USDC", "FDUSD", "DAI", "TUSD", "USDE", "USDS", "PYUSD", "USDD", "BUSD", "USD1",
    "RLUSD", "USDP", "GUSD", "EURC", "EURT", "EUR", "USD", "WBTC", "WETH", "WBNB", "WSOL", "CBBTC",
    "STETH", "WSTETH",
];

/// What one venue says of a row's asset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VenueSeen {
    /// `okx`, `hyperliquid`…
    pub venue: String,
    /// The pair or instrument: `MOVE/USDT`, `MOVE perp`.
    pub pair: String,
    pub status: Kind,
    /// When it opens, for an announced pair (Unix seconds).
    pub scheduled_at: Option<i64>,
    pub price_usd: Option<f64>,
    /// The auction phase, where the venue has one.
    pub phase: Option<String>,
    /// When prelist first saw it there (Unix seconds).
    pub first_seen: i64,
}

/// One asset of Discover.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Upper case, cleaned.
    pub ticker: String,
    /// Where a source gives one; none of the exchanges' lists do.
    pub name: Option<String>,
    /// The furthest any venue has it.
    pub status: Kind,
    /// In the venues' order: exchanges, then pre-market venues.
    pub venues: Vec<VenueSeen>,
    /// The earliest announced opening.
    pub scheduled_at: Option<i64>,
    /// The median of the pre-market venues' prices.
    pub price_usd: Option<f64>,
    /// When prelist first saw it anywhere.
    pub first_seen: i64,
}

impl Row {
    /// The venues' names, joined: `OKX, Bybit`.
    pub fn venue_names(&self) -> String {
        let mut names: Vec<&str> = Vec::new();
        for v in &self.venues {
            let name = venue_name(&v.venue);
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names.join(", ")
    }
}

/// A venue's key as people name it.
pub fn venue_name(key: &str) -> &'static str {
    if let Ok(e) = key.parse::<crate::exchange::Exchange>() {
        return e.name();
    }
    if let Ok(v) = key.parse::<crate::premarket::Venue>() {
        return v.name();
    }
    "?"
}

/// What to build Discover from, and how.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub coins: &'a [Coin],
    pub book: &'a Book,
    pub now: i64,
    /// How long a new listing stays a row.
    pub days: u32,
    /// Every watched spot exchange has been looked at: only then can a
    /// Hyperliquid perp be told from an old coin's.
    pub spot_known: bool,
}

/// Every row of Discover, dismissed ones and those past [`MAX_ROWS`] left
/// out, soonest opening first; and how many were cut.
pub fn rows(scope: Scope<'_>) -> (Vec<Row>, usize) {
    let mut all = candidates(scope);
    all.retain(|r| {
        scope
            .book
            .dismissed
            .get(&r.ticker)
            .is_none_or(|d| d.status != r.status)
    });
    sort_default(&mut all);
    let cut = all.len().saturating_sub(MAX_ROWS);
    all.truncate(MAX_ROWS);
    (all, cut)
}

/// Soonest opening first; the rows without an opening after, the newest
/// first; then by ticker.
pub fn sort_default(rows: &mut [Row]) {
    rows.sort_by(|a, b| {
        let opens = |r: &Row| r.scheduled_at.unwrap_or(i64::MAX);
        opens(a)
            .cmp(&opens(b))
            .then(b.first_seen.cmp(&a.first_seen))
            .then(a.ticker.cmp(&b.ticker))
    });
}

/// Every asset the sources show that is a row, dismissed or not.
fn candidates(scope: Scope<'_>) -> Vec<Row> {
    let Scope {
        coins, book, now, ..
    } = scope;
    let watched: HashSet<String> = coins.iter().filter_map(ticker_key).collect();
    // Every quote asset of every list: never a coin to discover.
    let quotes: BTreeSet<&str> = book
        .exchanges
        .values()
        .flat_map(|eb| eb.assets.values())
        .flat_map(|a| a.pairs.keys().map(String::as_str))
        .collect();
    // Assets an exchange listed at its first look and that trade: old coins.
    let old: HashSet<&str> = book
        .exchanges
        .values()
        .flat_map(|eb| {
            eb.assets
                .iter()
                .filter(move |(_, a)| a.at_first_look && a.last_seen == eb.last_look)
                .map(|(b, _)| b.as_str())
        })
        .collect();
    let skip =
        |base: &str| watched.contains(base) || quotes.contains(base) || NOT_COINS.contains(&base);
    let max_age = i64::from(scope.days) * 86_400;
    let mut found: BTreeMap<String, Vec<VenueSeen>> = BTreeMap::new();
    for (&exchange, eb) in &book.exchanges {
        for (base, asset) in &eb.assets {
            if asset.last_seen != eb.last_look || skip(base) {
                continue;
            }
            let seen = match asset.standing(base) {
                Standing::Scheduled { pair, opens_at } if opens_at > now => VenueSeen {
                    venue: exchange.key().into(),
                    pair,
                    status: Kind::Scheduled,
                    scheduled_at: Some(opens_at),
                    price_usd: None,
                    phase: None,
                    first_seen: asset.first_seen,
                },
                Standing::Trading(pair)
                    if !asset.at_first_look
                        && !old.contains(base.as_str())
                        && now.saturating_sub(asset.listed_at.unwrap_or(asset.first_seen))
                            <= max_age =>
                {
                    VenueSeen {
                        venue: exchange.key().into(),
                        pair,
                        status: Kind::Listed,
                        scheduled_at: None,
                        price_usd: None,
                        phase: None,
                        first_seen: asset.listed_at.unwrap_or(asset.first_seen),
                    }
                }
                _ => continue,
            };
            found.entry(base.clone()).or_default().push(seen);
        }
    }
    for (&venue, vb) in &book.premarket.venues {
        for (base, s) in &vb.offers {
            if s.last_seen != vb.last_look || skip(base) {
                continue;
            }
            // Hyperliquid marks nothing: a perp of an asset that trades
            // spot is that asset's, not a coin before its listing; before
            // the spot lists are known, no perp can be told apart.
            if !venue.marks_premarket() && (!scope.spot_known || book.lists_trading(base)) {
                continue;
            }
            found.entry(base.clone()).or_default().push(VenueSeen {
                venue: venue.key().into(),
                pair: text::clean(&s.instrument).into_owned(),
                status: Kind::Premarket,
                scheduled_at: None,
                price_usd: s.price_usd,
                phase: s.phase.as_deref().map(|p| text::clean(p).into_owned()),
                first_seen: s.first_seen,
            });
        }
    }
    found
        .into_iter()
        .filter_map(|(ticker, venues)| {
            let status = venues.iter().map(|v| v.status).max()?;
            let mut prices: Vec<f64> = venues.iter().filter_map(|v| v.price_usd).collect();
            Some(Row {
                ticker: text::clean(&ticker).into_owned(),
                name: None,
                status,
                scheduled_at: venues.iter().filter_map(|v| v.scheduled_at).min(),
                price_usd: crate::premarket::median(&mut prices),
                first_seen: venues.iter().map(|v| v.first_seen).min()?,
                venues,
            })
        })
        .collect()
}

/// What one cell shows, as text: the same on the screen and in `prelist
/// discover`. Unknown values are "—".
pub fn cell(row: &Row, column: Column, now: i64) -> String {
    const UNKNOWN: &str = "—";
    match column {
        Column::Ticker => row.ticker.clone(),
        Column::Name => row
            .name
            .as_deref()
            .map_or(UNKNOWN.into(), |n| text::clean(n).into_owned()),
        Column::Status => row.status.as_str().into(),
        Column::Venues => row.venue_names(),
        Column::Opens => match row.scheduled_at {
            Some(at) => format!(
                "{} ({})",
                text::date_time(at),
                crate::book::countdown(at - now)
            ),
            None => format!("seen {}", text::date_time(row.first_seen)),
        },
        Column::Price => row.price_usd.map_or(UNKNOWN.into(), |p| {
            format!("{}{}", crate::view::PREMARKET_MARK, text::price(p))
        }),
    }
}

/// Sorts `rows` by `column` as the watchlist sorts (unknowns last, either
/// way), ties in the default order. Each row's key is made once.
pub fn sort_by(rows: &mut Vec<Row>, column: Column, descending: bool) {
    use crate::view::{Key, compare, text_key};
    sort_default(rows);
    let key = |r: &Row| -> Option<Key> {
        match column {
            Column::Ticker => text_key(&r.ticker),
            Column::Name => r.name.as_deref().and_then(text_key),
            Column::Status => Some(Key::Int(r.status as i64)),
            Column::Venues => text_key(&r.venue_names()),
            Column::Opens => Some(Key::Int(r.scheduled_at.unwrap_or(r.first_seen))),
            Column::Price => r.price_usd.map(Key::Num),
        }
    };
    let mut keyed: Vec<(Option<Key>, usize)> =
        rows.iter().enumerate().map(|(i, r)| (key(r), i)).collect();
    keyed.sort_by(|a, b| compare(&a.0, &b.0, descending).then(a.1.cmp(&b.1)));
    let mut taken: Vec<Option<Row>> = std::mem::take(rows).into_iter().map(Some).collect();
    *rows = keyed
        .into_iter()
        .filter_map(|(_, i)| taken[i].take())
        .collect();
}

/// Whether `row` holds `text` (its ticker, name or a venue's pair),
/// without case.
pub fn matches(row: &Row, text: &str) -> bool {
    let needle = text.trim().to_lowercase();
    needle.is_empty()
        || row.ticker.to_lowercase().contains(&needle)
        || row
            .name
            .as_ref()
            .is_some_and(|n| n.to_lowercase().contains(&needle))
        || row
            .venues
            .iter()
            .any(|v| v.pair.to_lowercase().contains(&needle))
}

/// One row as `prelist discover --json` writes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record {
    pub ticker: String,
    pub name: Option<String>,
    pub status: Kind,
    pub venues: Vec<VenueRecord>,
    /// RFC 3339.
    pub scheduled_at: Option<String>,
    pub price_usd: Option<f64>,
    pub first_seen: Option<String>,
}

/// One venue of a row, as `prelist discover --json` writes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VenueRecord {
    pub venue: String,
    pub pair: String,
    pub status: Kind,
    pub scheduled_at: Option<String>,
    pub price_usd: Option<f64>,
    pub phase: Option<String>,
    pub first_seen: Option<String>,
}

impl Record {
    pub fn of(row: &Row) -> Record {
        Record {
            ticker: row.ticker.clone(),
            name: row.name.clone(),
            status: row.status,
            venues: row
                .venues
                .iter()
                .map(|v| VenueRecord {
                    venue: v.venue.clone(),
                    pair: v.pair.clone(),
                    status: v.status,
                    scheduled_at: v.scheduled_at.and_then(text::rfc3339),
                    price_usd: v.price_usd,
                    phase: v.phase.clone(),
                    first_seen: text::rfc3339(v.first_seen),
                })
                .collect(),
            scheduled_at: row.scheduled_at.and_then(text::rfc3339),
            price_usd: row.price_usd,
            first_seen: text::rfc3339(row.first_seen),
        }
    }
}

/// The rows as a table of text, a header first, columns padded.
pub fn to_text(rows: &[Row], now: i64) -> String {
    use unicode_width::UnicodeWidthStr;
    let cells: Vec<Vec<String>> =
        std::iter::once(Column::ALL.map(|c| c.title().to_string()).to_vec())
            .chain(
                rows.iter()
                    .map(|r| Column::ALL.map(|c| cell(r, c, now)).to_vec()),
            )
            .collect();
    let widths: Vec<usize> = (0..Column::ALL.len())
        .map(|i| cells.iter().map(|r| r[i].width()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in cells {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(s, &w)| format!("{s}{}", " ".repeat(w.saturating_sub(s.width()))))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

pub mod column;

pub use column::Column;

pub use crate::dismissed::{Dismissal, Dismissed, Kind, dismiss};

#[cfg(test)]
mod tests;
