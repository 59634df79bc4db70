//! `prelist export` and `prelist import`: the watchlist with its state out
//! as JSON or CSV, and a watchlist (or an export) merged back in.

use std::collections::HashMap;
use std::path::Path;

use crate::list::CoinRecord;
use crate::listing::Listings;
use crate::model::{Coin, Watchlist, WatchlistError};

/// The export as JSON: the same objects as `list --json`, in rank order.
pub fn export_json(coins: &[&Coin], listings: &Listings) -> String {
    crate::list::to_json(coins, listings)
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
/// with "; " (the form's separator: items may hold commas). Empty cells are
/// JSON's nulls; text cells are guarded against formula injection.
pub fn export_csv(coins: &[&Coin], listings: &Listings) -> String {
    let record = |c: &Coin| {
        CoinRecord::build(c, listings, &guard, |items: &[String]| {
            guard(&items.join("; "))
        })
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

/// Reads a file to import: a watchlist file (`{"version", "coins"}`) or a
/// `prelist export` (an array of coin objects). Both are parsed from the
/// user's own text, so a JSON error is at the user's line and column. Every
/// coin is validated as a watchlist's would be; listings in an export come
/// along.
pub fn read_import(text: &str, path: &Path) -> Result<(Vec<Coin>, Listings), WatchlistError> {
    if !text.trim_start().starts_with('[') {
        // Not an array: a watchlist file, or an error at the right place.
        return Ok((Watchlist::parse(text, path)?.coins, Listings::new()));
    }
    let records: Vec<CoinRecord> =
        serde_json::from_str(text).map_err(|e| WatchlistError::json(path, &e))?;
    let mut raw = Vec::with_capacity(records.len());
    let mut listings = Listings::new();
    for r in records {
        let (coin, listing) = r.into_parts();
        raw.push(coin);
        listings.extend(listing);
    }
    Ok((Watchlist::validate(raw, path)?, listings))
}

/// How an import went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub added: usize,
    pub updated: usize,
    pub skipped: usize,
}

/// Merges `incoming` into `ours`: a coin with the market id of one of ours
/// (else its name, without case) replaces it, unless identical (skipped);
/// others are added. A replacement that would give two coins one name or
/// one market id is skipped too.
pub fn merge_import(ours: &mut Vec<Coin>, incoming: Vec<Coin>) -> Counts {
    // Indexes by market id and by name, kept up to date as coins change, so
    // a large import stays linear.
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for (i, c) in ours.iter().enumerate() {
        by_name.insert(c.key(), i);
        if let Some(id) = &c.market_id {
            by_id.insert(id.clone(), i);
        }
    }
    let mut counts = Counts::default();
    for inc in incoming {
        let name = inc.key();
        let id_owner = inc.market_id.as_ref().and_then(|id| by_id.get(id).copied());
        let name_owner = by_name.get(&name).copied();
        let target = id_owner.or(name_owner);
        // Another coin than the one replaced already has the name or the id.
        let clashes = [id_owner, name_owner]
            .into_iter()
            .flatten()
            .any(|i| Some(i) != target);
        match target {
            Some(i) if ours[i] == inc || clashes => counts.skipped += 1,
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
                counts.updated += 1;
            }
            None => {
                by_name.insert(name, ours.len());
                if let Some(id) = &inc.market_id {
                    by_id.insert(id.clone(), ours.len());
                }
                ours.push(inc);
                counts.added += 1;
            }
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
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
            },
        );
        let refs: Vec<&Coin> = w.coins.iter().collect();
        let text = export_json(&refs, &listings);
        let (coins, got) = read_import(&text, Path::new("-")).unwrap();
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
        clash.market_id = Some("dolomite".into()); // matches Dolomite, but "Other" is free
        incoming.push(clash);
        let counts = merge_import(&mut ours, incoming);
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
            "parcl".to_string(),
            Listing {
                listed_at: 1_713_225_600,
                first_price: 0.3,
                price_usd: 0.25,
                change_24h: Some(-1.5),
                market_cap: Some(2.5e7),
                updated_at: 1_713_300_000,
                stale: true,
            },
        )])
    }

    #[test]
    fn csv_has_the_json_keys_as_columns_and_a_row_per_coin() {
        let w = Watchlist::builtin();
        let refs: Vec<&Coin> = w.coins.iter().collect();
        let listings = parcl_trading();
        let text = export_csv(&refs, &listings);
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        let json: serde_json::Value = serde_json::from_str(&export_json(&refs, &listings)).unwrap();
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
        let text = export_csv(&refs[..1], &Listings::new());
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
        let text = export_csv(&[], &Listings::new());
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
