//! The pre-market venues' book and marks as rows: a venue's looks in
//! `venue_looks`, each instrument it lists in `venue_offers` (as the JSON of
//! its [`Seen`]), each coin's last pre-market price in `premarket_marks`.
//! Read and checked whole, written as the rows that changed.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::{Connection, params};

use super::{StoreError, db_error};
use crate::premarket::{Mark, Premarket, Seen, Venue, VenueBook};
use crate::types::is_price;

pub fn read_premarket(conn: &Connection, path: &Path) -> Result<Premarket, StoreError> {
    let err = |e| db_error(path, e);
    let bad = |venue: &str, what: String| StoreError::BadBook {
        path: path.to_path_buf(),
        exchange: crate::text::clean(venue).into_owned(),
        problem: what,
    };
    let mut pm = Premarket::default();
    let mut looks = conn
        .prepare("SELECT venue, first_look, last_look FROM venue_looks")
        .map_err(err)?;
    let mut looks = looks.query([]).map_err(err)?;
    while let Some(r) = looks.next().map_err(err)? {
        let key: String = r.get(0).map_err(err)?;
        let venue: Venue = key
            .parse()
            .map_err(|_| bad(&key, "is no pre-market venue prelist watches".into()))?;
        pm.venues.insert(
            venue,
            VenueBook {
                first_look: r.get(1).map_err(err)?,
                last_look: r.get(2).map_err(err)?,
                offers: BTreeMap::new(),
            },
        );
    }
    let mut offers = conn
        .prepare("SELECT venue, base, offer FROM venue_offers")
        .map_err(err)?;
    let mut offers = offers.query([]).map_err(err)?;
    while let Some(r) = offers.next().map_err(err)? {
        let key: String = r.get(0).map_err(err)?;
        let base: String = r.get(1).map_err(err)?;
        let text: String = r.get(2).map_err(err)?;
        let vb = key
            .parse::<Venue>()
            .ok()
            .and_then(|v| pm.venues.get_mut(&v))
            .ok_or_else(|| bad(&key, "has instruments but was never looked at".into()))?;
        let seen: Seen = serde_json::from_str(&text)
            .ok()
            .filter(|s: &Seen| s.price_usd.is_none_or(is_price))
            .ok_or_else(|| {
                bad(
                    &key,
                    format!(
                        "holds the instrument {:?} unreadable",
                        crate::text::clean(&base)
                    ),
                )
            })?;
        vb.offers.insert(base, seen);
    }
    let mut marks = conn
        .prepare("SELECT ticker, price, at FROM premarket_marks")
        .map_err(err)?;
    let mut marks = marks.query([]).map_err(err)?;
    while let Some(r) = marks.next().map_err(err)? {
        let ticker: String = r.get(0).map_err(err)?;
        let mark = Mark {
            price_usd: r.get(1).map_err(err)?,
            at: r.get(2).map_err(err)?,
        };
        if !is_price(mark.price_usd) {
            return Err(bad(
                "premarket_marks",
                format!(
                    "holds {} for {:?}, which is no price",
                    mark.price_usd,
                    crate::text::clean(&ticker)
                ),
            ));
        }
        pm.marks.insert(ticker, mark);
    }
    Ok(pm)
}

pub fn write_premarket(
    conn: &Connection,
    from: &Premarket,
    to: &Premarket,
) -> rusqlite::Result<()> {
    let mut look = conn.prepare_cached(
        "INSERT INTO venue_looks (venue, first_look, last_look) VALUES (?1, ?2, ?3)
         ON CONFLICT (venue) DO UPDATE SET
             first_look = excluded.first_look, last_look = excluded.last_look",
    )?;
    let mut put = conn.prepare_cached(
        "INSERT INTO venue_offers (venue, base, offer) VALUES (?1, ?2, ?3)
         ON CONFLICT (venue, base) DO UPDATE SET offer = excluded.offer",
    )?;
    let mut drop_offer =
        conn.prepare_cached("DELETE FROM venue_offers WHERE venue = ?1 AND base = ?2")?;
    let mut drop_all = conn.prepare_cached("DELETE FROM venue_offers WHERE venue = ?1")?;
    let mut drop_look = conn.prepare_cached("DELETE FROM venue_looks WHERE venue = ?1")?;
    let empty = BTreeMap::new();
    for (venue, vb) in &to.venues {
        let key = venue.key();
        let old = from.venues.get(venue);
        if old.is_none_or(|o| (o.first_look, o.last_look) != (vb.first_look, vb.last_look)) {
            look.execute(params![key, vb.first_look, vb.last_look])?;
        }
        let before = old.map_or(&empty, |o| &o.offers);
        for (base, seen) in &vb.offers {
            if before.get(base) != Some(seen) {
                let text = serde_json::to_string(seen)
                    .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
                put.execute(params![key, base, text])?;
            }
        }
        for base in before.keys().filter(|b| !vb.offers.contains_key(*b)) {
            drop_offer.execute(params![key, base])?;
        }
    }
    for venue in from.venues.keys().filter(|v| !to.venues.contains_key(*v)) {
        drop_all.execute([venue.key()])?;
        drop_look.execute([venue.key()])?;
    }
    let mut mark = conn.prepare_cached(
        "INSERT INTO premarket_marks (ticker, price, at) VALUES (?1, ?2, ?3)
         ON CONFLICT (ticker) DO UPDATE SET price = excluded.price, at = excluded.at",
    )?;
    let mut forget = conn.prepare_cached("DELETE FROM premarket_marks WHERE ticker = ?1")?;
    for (ticker, m) in &to.marks {
        if from.marks.get(ticker) != Some(m) {
            mark.execute(params![ticker, m.price_usd, m.at])?;
        }
    }
    for ticker in from.marks.keys().filter(|t| !to.marks.contains_key(*t)) {
        forget.execute([ticker])?;
    }
    Ok(())
}
