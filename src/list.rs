//! `prelist list`: the watchlist as text or JSON, sorted and filtered by the
//! same code as the TUI.

use serde::Serialize;

use crate::listing::{Listings, listing_of, status_of};
use crate::model::Coin;
use crate::text;
use crate::view::{self, Column, Filter, Sort};

/// One coin as `list --json` prints it. The first keys are fixed by the spec.
#[derive(Debug, Serialize)]
pub struct CoinRecord {
    pub rank: u32,
    pub name: String,
    pub ticker: Option<String>,
    pub category: String,
    pub score: Option<u8>,
    pub score_kind: Option<&'static str>,
    pub airdrop: Option<&'static str>,
    pub narratives: Vec<String>,
    pub competitors: Vec<String>,
    pub vibes: Option<String>,
    pub market_id: Option<String>,
    pub status: &'static str,
    pub price_usd: Option<f64>,
    pub change_24h: Option<f64>,
    pub market_cap_usd: Option<f64>,
    pub listed_at: Option<String>,
    pub first_price_usd: Option<f64>,
    /// When the latest price was current (RFC 3339), and whether the API has
    /// stopped pricing the coin since.
    pub price_updated_at: Option<String>,
    pub price_stale: Option<bool>,
    pub other_names: Vec<String>,
    pub summary: String,
    pub thesis: String,
    pub backers: Vec<String>,
    pub launch: Option<String>,
    pub notes: String,
}

impl CoinRecord {
    pub fn new(coin: &Coin, listings: &Listings) -> CoinRecord {
        let listing = listing_of(coin, listings);
        CoinRecord {
            rank: coin.rank,
            name: coin.name.clone(),
            ticker: coin.ticker.clone(),
            category: coin.category.clone(),
            score: coin.score.map(|s| s.value),
            score_kind: coin.score.map(|s| s.kind.as_str()),
            airdrop: coin.airdrop.map(|a| a.as_str()),
            narratives: coin.narratives.clone(),
            competitors: coin.competitors.clone(),
            vibes: coin.vibes.clone(),
            market_id: coin.market_id.clone(),
            status: status_of(coin, listings).as_str(),
            price_usd: listing.map(|l| l.price_usd),
            change_24h: listing.and_then(|l| l.change_24h),
            market_cap_usd: listing.and_then(|l| l.market_cap),
            listed_at: listing.map(|l| text::rfc3339(l.listed_at)),
            first_price_usd: listing.map(|l| l.first_price),
            price_updated_at: listing.map(|l| text::rfc3339(l.updated_at)),
            price_stale: listing.map(|l| l.stale),
            other_names: coin.other_names.clone(),
            summary: coin.summary.clone(),
            thesis: coin.thesis.clone(),
            backers: coin.backers.clone(),
            launch: coin.launch.clone(),
            notes: coin.notes.clone(),
        }
    }
}

/// The coins to print, in order.
pub fn select<'a>(
    coins: &'a [Coin],
    listings: &Listings,
    sort: Sort,
    filter: &Filter,
) -> Vec<&'a Coin> {
    view::visible(coins, listings, sort, filter)
        .into_iter()
        .map(|i| &coins[i])
        .collect()
}

pub fn to_json(coins: &[&Coin], listings: &Listings) -> String {
    let records: Vec<CoinRecord> = coins.iter().map(|c| CoinRecord::new(c, listings)).collect();
    let mut s = serde_json::to_string_pretty(&records).expect("records serialise");
    s.push('\n');
    s
}

/// An aligned text table with every column, one coin a line.
pub fn to_text(coins: &[&Coin], listings: &Listings, now: i64) -> String {
    use unicode_width::UnicodeWidthStr;
    let cells: Vec<Vec<String>> = coins
        .iter()
        .map(|c| {
            Column::ALL
                .map(|col| view::cell(c, listings, col, now))
                .to_vec()
        })
        .collect();
    let widths: Vec<usize> = Column::ALL
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
    push_row(Column::ALL.map(|c| c.title().to_string()).to_vec());
    for row in cells {
        push_row(row);
    }
    out
}
