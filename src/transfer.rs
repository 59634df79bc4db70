//! `prelist export` and `prelist import`: the watchlist with its state out
//! as JSON or CSV, and a watchlist (or an export) merged back in.

use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

use crate::list::CoinRecord;
use crate::listing::{Listing, Listings};
use crate::model::{Coin, Watchlist, WatchlistError};

/// The export as JSON: the same objects as `list --json`, in rank order.
pub fn export_json(coins: &[&Coin], listings: &Listings) -> String {
    crate::list::to_json(coins, listings)
}

/// The export as CSV, one coin a row; list fields are joined with "; ".
pub fn export_csv(coins: &[&Coin], listings: &Listings) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = [
        "rank",
        "name",
        "other_names",
        "ticker",
        "category",
        "score",
        "score_kind",
        "airdrop",
        "market_id",
        "status",
        "price_usd",
        "change_24h",
        "listed_at",
        "first_price_usd",
        "narratives",
        "competitors",
        "backers",
        "vibes",
        "launch",
        "summary",
        "thesis",
        "notes",
    ];
    w.write_record(header).expect("write to memory");
    let opt = |v: Option<String>| v.unwrap_or_default();
    for c in coins {
        let r = CoinRecord::new(c, listings);
        w.write_record([
            r.rank.to_string(),
            r.name,
            r.other_names.join("; "),
            opt(r.ticker),
            r.category,
            opt(r.score.map(|s| s.to_string())),
            opt(r.score_kind.map(String::from)),
            opt(r.airdrop.map(String::from)),
            opt(r.market_id),
            r.status.to_string(),
            opt(r.price_usd.map(|p| p.to_string())),
            opt(r.change_24h.map(|p| p.to_string())),
            opt(r.listed_at),
            opt(r.first_price_usd.map(|p| p.to_string())),
            r.narratives.join("; "),
            r.competitors.join("; "),
            r.backers.join("; "),
            opt(r.vibes),
            opt(r.launch),
            r.summary,
            r.thesis,
            r.notes,
        ])
        .expect("write to memory");
    }
    String::from_utf8(w.into_inner().expect("flush to memory")).expect("CSV of UTF-8 text")
}

/// The coin fields a watchlist file holds; an export's other keys (status,
/// prices) are read separately as listings.
const COIN_KEYS: [&str; 17] = [
    "rank",
    "name",
    "other_names",
    "ticker",
    "category",
    "summary",
    "thesis",
    "narratives",
    "competitors",
    "backers",
    "vibes",
    "score_kind",
    "score",
    "airdrop",
    "launch",
    "market_id",
    "notes",
];

/// Reads a file to import: a watchlist file (`{"version", "coins"}`) or a
/// `prelist export` (an array of coin objects). Every coin is validated as
/// a watchlist's would be; listings in an export come along.
pub fn read_import(text: &str, path: &Path) -> Result<(Vec<Coin>, Listings), WatchlistError> {
    if text.trim().is_empty() {
        return Err(WatchlistError::Empty {
            path: path.to_path_buf(),
        });
    }
    let value: Value = serde_json::from_str(text).map_err(|e| WatchlistError::json(path, &e))?;
    let Value::Array(records) = value else {
        return Ok((Watchlist::parse(text, path)?.coins, Listings::new()));
    };
    let mut coins = Vec::new();
    let mut listings = Listings::new();
    for r in &records {
        let Some(obj) = r.as_object() else {
            return Err(WatchlistError::Json {
                path: path.to_path_buf(),
                line: 1,
                column: 1,
                message: "an export is an array of coin objects".into(),
            });
        };
        let coin: serde_json::Map<String, Value> = obj
            .iter()
            .filter(|(k, v)| COIN_KEYS.contains(&k.as_str()) && !v.is_null())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        coins.push(Value::Object(coin));
        if let Some(l) = listing_of_record(obj) {
            listings.insert(l.0, l.1);
        }
    }
    let wrapped = serde_json::json!({"version": crate::model::FORMAT_VERSION, "coins": coins});
    let w = Watchlist::parse(&wrapped.to_string(), path)?;
    Ok((w.coins, listings))
}

/// The listing an export records for a trading coin.
fn listing_of_record(obj: &serde_json::Map<String, Value>) -> Option<(String, Listing)> {
    if obj.get("status").and_then(Value::as_str) != Some("trading") {
        return None;
    }
    let id = obj.get("market_id")?.as_str()?.to_string();
    let num = |k: &str| obj.get(k).and_then(Value::as_f64);
    let time = |k: &str| {
        obj.get(k)
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<jiff::Timestamp>().ok())
            .map(|t| t.as_second())
    };
    let price = num("price_usd")?;
    let listed_at = time("listed_at")?;
    Some((
        id,
        Listing {
            listed_at,
            first_price: num("first_price_usd").unwrap_or(price),
            price_usd: price,
            change_24h: num("change_24h"),
            market_cap: num("market_cap_usd"),
            updated_at: time("price_updated_at").unwrap_or(listed_at),
            stale: obj
                .get("price_stale")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        },
    ))
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
        by_name.insert(c.name.to_lowercase(), i);
        if let Some(id) = &c.market_id {
            by_id.insert(id.clone(), i);
        }
    }
    let mut counts = Counts::default();
    for inc in incoming {
        let name = inc.name.to_lowercase();
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
                by_name.remove(&ours[i].name.to_lowercase());
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
    use crate::model::Watchlist;

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

    #[test]
    fn csv_has_a_header_and_a_row_per_coin() {
        let w = Watchlist::builtin();
        let refs: Vec<&Coin> = w.coins.iter().collect();
        let text = export_csv(&refs, &Listings::new());
        let mut r = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(&r.headers().unwrap()[1], "name");
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 14);
        assert_eq!(&rows[1][1], "Nillion");
        assert_eq!(&rows[1][14], "Computing; Privacy; AI; Deepin");
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
