//! `prelist export` and `prelist import`: the watchlist with its state out
//! as JSON or CSV, and a watchlist (or an export) merged back in.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::list::CoinRecord;
use crate::listing::{Listing, Listings};
use crate::merge::merge_listings;
use crate::model::{Coin, Problem, Watchlist, WatchlistError};
use crate::text::clean;
use crate::types::MarketId;
use crate::view::Around;

/// The export as JSON: the same objects as `list --json`, in rank order.
pub fn export_json(coins: &[&Coin], (listings, book, portfolio): Around<'_>) -> String {
    crate::list::to_json(coins, listings, book, portfolio)
}

/// A text cell a spreadsheet would take for a formula (`=`, `+`, `-`, `@`,
/// or a tab or carriage return before one) gets a leading `'`, which makes
/// it text again.
fn guard(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// The export as CSV: a header, then one row per coin, with the columns and
/// order of the JSON's keys. A list field is one cell, its items joined
/// with "; " (the form's separator: items may hold commas); so are the
/// exchanges' pairs, each in a line of words. Empty cells are
/// JSON's nulls; text cells are cleaned of control characters (CSV, unlike
/// JSON, has no escapes, and the output may go to a terminal) and guarded
/// against formula injection.
#[allow(
    clippy::expect_used,
    reason = "CSV of our records, written to memory, cannot fail, and it is UTF-8 because \
              every cell is"
)]
pub fn export_csv(coins: &[&Coin], around: Around<'_>) -> String {
    let cell = |s: &str| guard(&clean(s));
    let record = |c: &Coin| {
        CoinRecord::build(
            c,
            around,
            &cell,
            |items: &[String]| cell(&items.join("; ")),
            |pairs: Vec<crate::list::ExchangeRecord>| {
                let lines: Vec<String> = pairs.iter().map(|p| p.line()).collect();
                cell(&lines.join("; "))
            },
            |quotes: Vec<crate::list::PremarketRecord>| {
                let lines: Vec<String> = quotes.iter().map(|q| q.line()).collect();
                cell(&lines.join("; "))
            },
            |contracts: Vec<crate::model::RawContract>| {
                let items: Vec<String> = contracts
                    .iter()
                    .map(|k| format!("{}:{}", k.chain, k.address))
                    .collect();
                cell(&items.join("; "))
            },
            |holding: Option<crate::holding::RawHolding>| {
                holding.map(|h| h.text()).unwrap_or_default()
            },
        )
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    for c in coins {
        w.serialize(record(c)).expect("write to memory");
    }
    if coins.is_empty() {
        // csv writes the header with the first row: with none, write it alone.
        let placeholder = record(&Watchlist::builtin().coins[0]);
        let mut header = csv::Writer::from_writer(Vec::new());
        header.serialize(placeholder).expect("write to memory");
        let text = String::from_utf8(header.into_inner().expect("flush to memory"))
            .expect("CSV of UTF-8 text");
        return text
            .lines()
            .next()
            .map(|l| format!("{l}\n"))
            .unwrap_or_default();
    }
    String::from_utf8(w.into_inner().expect("flush to memory")).expect("CSV of UTF-8 text")
}

/// A coin read from a file to import, with the listing its record shows
/// (an export's record of a trading coin), under the coin's market id.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    pub coin: Coin,
    pub listing: Option<Listing>,
}

/// Reads a file to import: a watchlist file (`{"version", "coins"}`) or a
/// `prelist export` (an array of coin objects). Both are parsed from the
/// user's own text, so a JSON error is at the user's line and column. Every
/// coin is validated as a watchlist's would be; listings in an export come
/// along, and must be ones a poll could have recorded for the coin's market
/// id, or the file is refused with the coin named.
pub fn read_import(text: &str, path: &Path) -> Result<Vec<Incoming>, WatchlistError> {
    if !text.trim_start().starts_with('[') {
        // Not an array: a watchlist file, or an error at the right place.
        let coins = Watchlist::parse(text, path)?.coins;
        return Ok(coins
            .into_iter()
            .map(|coin| Incoming {
                coin,
                listing: None,
            })
            .collect());
    }
    let records: Vec<CoinRecord> =
        serde_json::from_str(text).map_err(|e| WatchlistError::json(path, &e))?;
    let (raw, listings): (Vec<_>, Vec<_>) = records.into_iter().map(CoinRecord::into_parts).unzip();
    let coins = Watchlist::validate(raw, path)?;
    let mut incoming = Vec::with_capacity(coins.len());
    for (i, (coin, listing)) in coins.into_iter().zip(listings).enumerate() {
        let bad = |problem: String| WatchlistError::Invalid {
            path: path.to_path_buf(),
            problem: Problem::Listing {
                index: i + 1,
                name: coin.name.clone(),
                problem,
            },
        };
        let listing = listing.map_err(&bad)?;
        if let Some(l) = &listing {
            let id = coin
                .poll_id()
                .ok_or_else(|| bad("it has no market id".into()))?;
            if let Some(problem) = crate::store::listing_problem(id, l) {
                return Err(bad(format!("the listing {problem}")));
            }
        }
        incoming.push(Incoming { coin, listing });
    }
    Ok(incoming)
}

/// How an import went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub added: usize,
    pub updated: usize,
    pub skipped: usize,
}

/// What an import changes: how many records did what, whether the coins
/// changed, and the listings to record (each under the market id of a coin
/// the import added or updated).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Imported {
    pub counts: Counts,
    pub coins_changed: bool,
    pub listings: Listings,
}

/// Merges `incoming` into `ours`, whose state is `listings`: a coin with the
/// market id of one of ours (else its name, without case) replaces it; others
/// are added. A record that would change nothing (the same coin, and no
/// listing that adds to what `listings` knows) is skipped, and so is a
/// replacement that would give two coins one name or one market id. A
/// skipped record changes nothing: its listing is not taken either.
pub fn merge_import(
    ours: &mut Vec<Coin>,
    listings: &Listings,
    incoming: Vec<Incoming>,
) -> Imported {
    // Indexes by market id and by name, kept up to date as coins change, so
    // a large import stays linear.
    let mut by_id: HashMap<MarketId, usize> = HashMap::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for (i, c) in ours.iter().enumerate() {
        by_name.insert(c.key(), i);
        if let Some(id) = &c.market_id {
            by_id.insert(id.clone(), i);
        }
    }
    let mut out = Imported::default();
    for Incoming { coin: inc, listing } in incoming {
        let name = inc.key();
        let id_owner = inc.market_id.as_ref().and_then(|id| by_id.get(id).copied());
        let name_owner = by_name.get(&name).copied();
        let target = id_owner.or(name_owner);
        // Another coin than the one replaced already has the name or the id.
        let clashes = [id_owner, name_owner]
            .into_iter()
            .flatten()
            .any(|i| Some(i) != target);
        // The listing, if it tells more than what is recorded.
        let listing = listing.and_then(|l| {
            let id: Arc<str> = inc.poll_id()?.into();
            let known = Listings::from_iter(listings.get(&id).map(|k| (id.clone(), k.clone())));
            let l = Arc::new(l);
            let one = Listings::from([(id.clone(), Arc::clone(&l))]);
            (merge_listings(&known, &one) != known).then_some((id, l))
        });
        match target {
            _ if clashes => {
                out.counts.skipped += 1;
                continue;
            }
            Some(i) if ours[i] == inc => {
                if listing.is_none() {
                    out.counts.skipped += 1;
                    continue;
                }
            }
            Some(i) => {
                // The replacement keeps the identity of the coin it replaces.
                let inc = Coin {
                    id: ours[i].id,
                    ..inc
                };
                by_name.remove(&ours[i].key());
                if let Some(old) = &ours[i].market_id {
                    by_id.remove(old);
                }
                by_name.insert(name, i);
                if let Some(id) = &inc.market_id {
                    by_id.insert(id.clone(), i);
                }
                ours[i] = inc;
                out.coins_changed = true;
            }
            None => {
                by_name.insert(name, ours.len());
                if let Some(id) = &inc.market_id {
                    by_id.insert(id.clone(), ours.len());
                }
                ours.push(inc);
                out.coins_changed = true;
            }
        }
        if target.is_some() {
            out.counts.updated += 1;
        } else {
            out.counts.added += 1;
        }
        out.listings.extend(listing);
    }
    // A later record may have taken a market id from a coin whose listing
    // came earlier: a listing is kept only under an id a coin has.
    out.listings.retain(|id, _| by_id.contains_key(&**id));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::book::Book;
    use crate::listing::Listing;

    #[test]
    fn an_export_reads_back_as_the_same_coins_and_listings() {
        let w = Watchlist::builtin();
        let mut listings = Listings::new();
        listings.insert(
            "parcl".into(),
            Listing {
                listed_at: 1_713_225_600,
                first_price: 0.3,
                price_usd: 0.25,
                change_24h: Some(-1.0),
                market_cap: None,
                updated_at: 1_713_300_000,
                stale: true,
                history: Vec::new(),
            }
            .into(),
        );
        let refs: Vec<&Coin> = w.coins.iter().collect();
        let text = export_json(&refs, (&listings, &Book::default(), None));
        let incoming = read_import(&text, Path::new("-")).unwrap();
        let coins: Vec<Coin> = incoming.iter().map(|i| i.coin.clone()).collect();
        let got: Listings = incoming
            .iter()
            .filter_map(|i| {
                Some((
                    i.coin.market_id.as_deref()?.into(),
                    Arc::new(i.listing.clone()?),
                ))
            })
            .collect();
        assert_eq!(coins, w.coins);
        assert_eq!(got, listings);
    }

    #[test]
    fn merging_adds_updates_and_skips() {
        let mut ours = Watchlist::builtin().coins;
        let mut incoming = vec![ours[0].clone()];
        let mut nil = ours[1].clone();
        nil.notes = "imported note".into();
        nil.name = "Nillion Network".into(); // matched by its market id
        incoming.push(nil);
        let mut new = ours[2].clone();
        new.name = "Fresh".into();
        incoming.push(new);
        let mut clash = ours[3].clone();
        clash.name = "Other".into();
        clash.market_id = Some("dolomite".try_into().unwrap()); // matches Dolomite, but "Other" is free
        incoming.push(clash);
        let incoming = incoming
            .into_iter()
            .map(|coin| Incoming {
                coin,
                listing: None,
            })
            .collect();
        let counts = merge_import(&mut ours, &Listings::new(), incoming).counts;
        assert_eq!(
            counts,
            Counts {
                added: 1,
                updated: 2,
                skipped: 1
            }
        );
        assert_eq!(ours[1].name, "Nillion Network");
        assert_eq!(ours[1].notes, "imported note");
        assert_eq!(ours.last().unwrap().name, "Fresh");
        assert_eq!(ours[6].name, "Other");
    }

    fn parcl_trading() -> Listings {
        Listings::from([(
            "parcl".into(),
            Listing {
                listed_at: 1_713_225_600,
                first_price: 0.3,
                price_usd: 0.25,
                change_24h: Some(-1.5),
                market_cap: Some(2.5e7),
                updated_at: 1_713_300_000,
                stale: true,
                history: Vec::new(),
            }
            .into(),
        )])
    }

    #[test]
    fn csv_has_the_json_keys_as_columns_and_a_row_per_coin() {
        let w = Watchlist::builtin();
        let refs: Vec<&Coin> = w.coins.iter().collect();
        let listings = parcl_trading();
        let text = export_csv(&refs, (&listings, &Book::default(), None));
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        let json: serde_json::Value =
            serde_json::from_str(&export_json(&refs, (&listings, &Book::default(), None))).unwrap();
        let keys: Vec<String> = json[0].as_object().unwrap().keys().cloned().collect();
        let mut sorted = header.clone();
        sorted.sort();
        assert_eq!(
            sorted, keys,
            "the same fields as the JSON (whose keys come sorted)"
        );
        assert_eq!(header[..2], ["rank", "name"]);
        let col = |k: &str| header.iter().position(|h| h == k).unwrap();
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 14);
        assert_eq!(&rows[1][col("name")], "Nillion");
        assert_eq!(
            &rows[1][col("narratives")],
            "Computing; Privacy; AI; Deepin"
        );
        let parcl = &rows[3];
        assert_eq!(&parcl[col("name")], "Parcl");
        assert_eq!(&parcl[col("market_cap_usd")], "25000000.0");
        assert_eq!(&parcl[col("price_updated_at")], "2024-04-16T20:40:00Z");
        assert_eq!(&parcl[col("price_stale")], "true");
        assert_eq!(&parcl[col("change_24h")], "-1.5", "numbers are not guarded");
        assert_eq!(&rows[0][col("price_stale")], "", "null is an empty cell");
    }

    #[test]
    fn csv_text_cells_cannot_start_a_formula() {
        let mut w = Watchlist::builtin();
        w.coins[0].name = "=HYPERLINK(\"x\")".into();
        w.coins[0].notes = "@SUM(A1)".into();
        w.coins[0].narratives = vec!["+1".into(), "b".into()];
        w.coins[0].ticker = Some("-X".into());
        let refs: Vec<&Coin> = w.coins.iter().collect();
        let text = export_csv(&refs[..1], (&Listings::new(), &Book::default(), None));
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let header = r.headers().unwrap().clone();
        let row = r.records().next().unwrap().unwrap();
        let cell = |k: &str| row[header.iter().position(|h| h == k).unwrap()].to_string();
        assert_eq!(cell("name"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("notes"), "'@SUM(A1)");
        assert_eq!(cell("narratives"), "'+1; b");
        assert_eq!(cell("ticker"), "'-X");
        assert_eq!(cell("category"), "Exchange");
    }

    #[test]
    fn an_empty_csv_export_still_has_its_header() {
        let text = export_csv(&[], (&Listings::new(), &Book::default(), None));
        assert!(text.starts_with("rank,name,ticker,"), "{text}");
        assert_eq!(text.lines().count(), 1);
    }

    #[test]
    fn import_errors_are_at_the_line_and_column_of_the_users_file() {
        let text =
            "[\n  {\"rank\": 1, \"name\": \"A\"},\n  {\"rank\": \"two\", \"name\": \"B\"}\n]\n";
        match read_import(text, Path::new("in.json")).unwrap_err() {
            WatchlistError::Json {
                line,
                column,
                message,
                ..
            } => {
                // Column 16 is the closing quote of "two", the bad value.
                assert_eq!((line, column), (3, 16), "{message}");
                assert!(message.contains("expected u32"), "{message}");
            }
            other => panic!("a JSON error expected, got {other}"),
        }
    }

    #[test]
    fn bad_imports_are_errors() {
        assert!(read_import("", Path::new("x")).is_err());
        assert!(read_import("[1,2]", Path::new("x")).is_err());
        assert!(
            read_import(
                r#"[{"rank":1,"name":"A","airdrop":"maybe"}]"#,
                Path::new("x")
            )
            .is_err()
        );
        assert!(read_import(r#"{"version":1,"coins":[{"rank":1}]}"#, Path::new("x")).is_err());
    }
}
