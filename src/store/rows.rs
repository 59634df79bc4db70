//! The state as rows of the state database: each part of [`State`] read
//! from its table and checked by the rule its JSON form had, and written
//! as the difference between two states, so a save touches only the rows
//! that changed.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension, params};

use super::state::{
    CallBook, check_alerts, check_calls, check_claims, check_listings, distrust_the_future,
};
use super::{StoreError, db_error};
use crate::alert::{AlertMemo, Mark, Slot};
use crate::book::{Asset, Book, ExchangeBook};
use crate::exchange::Exchange;
use crate::market::plan::Plan;
use crate::state::State;
use crate::told::{Claim, Told};

/// Everything the database holds but the calls, checked: a row that no
/// prelist could have written refuses the whole, as a bad line refused a
/// state file, naming it.
pub fn read_state(conn: &Connection, path: &Path) -> Result<State, StoreError> {
    let err = |e| db_error(path, e);
    let mut listings = super::listings::read_listings(conn, path)?;
    check_listings(path, listings.iter().map(|(id, l)| (&**id, &**l)))?;
    // Nothing shares them yet: no copy is made.
    distrust_the_future(
        listings.values_mut().map(Arc::make_mut),
        jiff::Timestamp::now().as_second(),
    );
    let mut book = read_book(conn, path)?;
    *book.premarket = super::premarket::read_premarket(conn, path)?;
    *book.dex = super::dex::read_dex(conn, path)?;
    book.dismissed = super::dismissed::read_dismissed(conn, path)?;
    let told = read_claims(conn).map_err(err)?;
    check_claims(path, &told)?;
    let alerts = read_alerts(conn, path)?;
    Ok(State {
        listings,
        book,
        told,
        alerts,
        // The revision is the caller's to say.
        based_on: None,
    })
}

fn read_book(conn: &Connection, path: &Path) -> Result<Book, StoreError> {
    let err = |e| db_error(path, e);
    let bad = |exchange: &str, what: String| StoreError::BadBook {
        path: path.to_path_buf(),
        exchange: crate::text::clean(exchange).into_owned(),
        problem: what,
    };
    let mut book = Book::default();
    let mut looks = conn
        .prepare("SELECT exchange, first_look, last_look FROM looks")
        .map_err(err)?;
    let mut looks = looks.query([]).map_err(err)?;
    while let Some(r) = looks.next().map_err(err)? {
        let key: String = r.get(0).map_err(err)?;
        let exchange: Exchange = key
            .parse()
            .map_err(|_| bad(&key, "is no exchange prelist watches".into()))?;
        book.exchanges.insert(
            exchange,
            ExchangeBook {
                first_look: r.get(1).map_err(err)?,
                last_look: r.get(2).map_err(err)?,
                assets: BTreeMap::new(),
            },
        );
    }
    let mut assets = conn
        .prepare("SELECT exchange, base, asset FROM assets")
        .map_err(err)?;
    let mut assets = assets.query([]).map_err(err)?;
    while let Some(r) = assets.next().map_err(err)? {
        let key: String = r.get(0).map_err(err)?;
        let base: String = r.get(1).map_err(err)?;
        let text: String = r.get(2).map_err(err)?;
        let eb = key
            .parse::<Exchange>()
            .ok()
            .and_then(|e| book.exchanges.get_mut(&e))
            .ok_or_else(|| bad(&key, "has assets but was never looked at".into()))?;
        let asset: Asset = serde_json::from_str(&text).map_err(|e| {
            bad(
                &key,
                format!(
                    "holds the asset {:?} as {}",
                    crate::text::clean(&base),
                    crate::model::json_message(&e)
                ),
            )
        })?;
        eb.assets.insert(base, asset);
    }
    Ok(book)
}

fn read_claims(conn: &Connection) -> rusqlite::Result<Told> {
    let mut stmt = conn.prepare("SELECT key, at, by FROM claims")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            Claim {
                at: r.get(1)?,
                // Kept as its 64 bits in SQLite's signed integer.
                by: r.get::<_, i64>(2)? as u64,
            },
        ))
    })?;
    rows.collect()
}

fn read_alerts(conn: &Connection, path: &Path) -> Result<BTreeMap<String, AlertMemo>, StoreError> {
    let err = |e| db_error(path, e);
    let mut out: BTreeMap<String, AlertMemo> = BTreeMap::new();
    let mut stmt = conn
        .prepare("SELECT id, crossing, threshold, fired_at, rearmed_at FROM alerts")
        .map_err(err)?;
    let mut rows = stmt.query([]).map_err(err)?;
    while let Some(r) = rows.next().map_err(err)? {
        let id: String = r.get(0).map_err(err)?;
        let crossing: String = r.get(1).map_err(err)?;
        let Ok(slot) = crossing.parse::<Slot>() else {
            return Err(StoreError::BadAlert {
                path: path.to_path_buf(),
                id,
                problem: format!(
                    "is for a crossing {:?}, which is not above, below or overweight",
                    crate::text::clean(&crossing)
                ),
            });
        };
        *out.entry(id).or_default().mark(slot) = Some(Mark {
            threshold: r.get(2).map_err(err)?,
            fired_at: r.get(3).map_err(err)?,
            rearmed_at: r.get(4).map_err(err)?,
        });
    }
    check_alerts(path, &out)?;
    Ok(out)
}

/// Writes what differs from `from` (what the database holds) to `to`, as
/// the save that makes `revision`.
pub fn write_changes(
    conn: &Connection,
    from: &State,
    to: &State,
    revision: i64,
) -> rusqlite::Result<()> {
    super::listings::write_listings(conn, &from.listings, &to.listings, revision)?;
    write_book(conn, &from.book, &to.book)?;
    write_claims(conn, &from.told, &to.told)?;
    super::premarket::write_premarket(conn, &from.book.premarket, &to.book.premarket)?;
    super::dex::write_dex(conn, &from.book.dex, &to.book.dex)?;
    super::dismissed::write_dismissed(conn, &from.book.dismissed, &to.book.dismissed)?;
    write_alerts(conn, &from.alerts, &to.alerts)
}

fn write_book(conn: &Connection, from: &Book, to: &Book) -> rusqlite::Result<()> {
    let mut look = conn.prepare_cached(
        "INSERT INTO looks (exchange, first_look, last_look) VALUES (?1, ?2, ?3)
         ON CONFLICT (exchange) DO UPDATE SET
             first_look = excluded.first_look, last_look = excluded.last_look",
    )?;
    let mut put = conn.prepare_cached(
        "INSERT INTO assets (exchange, base, asset) VALUES (?1, ?2, ?3)
         ON CONFLICT (exchange, base) DO UPDATE SET asset = excluded.asset",
    )?;
    let mut drop_asset =
        conn.prepare_cached("DELETE FROM assets WHERE exchange = ?1 AND base = ?2")?;
    let mut drop_all = conn.prepare_cached("DELETE FROM assets WHERE exchange = ?1")?;
    let mut drop_look = conn.prepare_cached("DELETE FROM looks WHERE exchange = ?1")?;
    let empty = BTreeMap::new();
    for (exchange, eb) in &to.exchanges {
        let key = exchange.key();
        let old = from.exchanges.get(exchange);
        if old.is_none_or(|o| (o.first_look, o.last_look) != (eb.first_look, eb.last_look)) {
            look.execute(params![key, eb.first_look, eb.last_look])?;
        }
        let before = old.map_or(&empty, |o| &o.assets);
        for (base, asset) in &eb.assets {
            if before.get(base) != Some(asset) {
                let text = serde_json::to_string(asset)
                    .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
                put.execute(params![key, base, text])?;
            }
        }
        for base in before.keys().filter(|b| !eb.assets.contains_key(*b)) {
            drop_asset.execute(params![key, base])?;
        }
    }
    for exchange in from
        .exchanges
        .keys()
        .filter(|e| !to.exchanges.contains_key(*e))
    {
        drop_all.execute([exchange.key()])?;
        drop_look.execute([exchange.key()])?;
    }
    Ok(())
}

fn write_claims(conn: &Connection, from: &Told, to: &Told) -> rusqlite::Result<()> {
    // A claim's key is unique: a claim once stored is never replaced, so
    // of two instances claiming one event, the first to commit tells it.
    let mut claim =
        conn.prepare_cached("INSERT OR IGNORE INTO claims (key, at, by) VALUES (?1, ?2, ?3)")?;
    let mut forget = conn.prepare_cached("DELETE FROM claims WHERE key = ?1")?;
    for (key, c) in to {
        if !from.contains_key(key) {
            claim.execute(params![key, c.at, c.by as i64])?;
        }
    }
    for key in from.keys().filter(|k| !to.contains_key(*k)) {
        forget.execute([key])?;
    }
    Ok(())
}

fn write_alerts(
    conn: &Connection,
    from: &BTreeMap<String, AlertMemo>,
    to: &BTreeMap<String, AlertMemo>,
) -> rusqlite::Result<()> {
    let mut put = conn.prepare_cached(
        "INSERT INTO alerts (id, crossing, threshold, fired_at, rearmed_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id, crossing) DO UPDATE SET threshold = excluded.threshold,
             fired_at = excluded.fired_at, rearmed_at = excluded.rearmed_at",
    )?;
    let mut forget = conn.prepare_cached("DELETE FROM alerts WHERE id = ?1 AND crossing = ?2")?;
    let none = AlertMemo::default();
    for id in to
        .keys()
        .chain(from.keys().filter(|id| !to.contains_key(*id)))
    {
        let (old, new) = (from.get(id).unwrap_or(&none), to.get(id).unwrap_or(&none));
        for slot in Slot::ALL {
            let key: &'static str = slot.into();
            match (old.get(slot), new.get(slot)) {
                (a, b) if a == b => {}
                (_, Some(m)) => {
                    put.execute(params![id, key, m.threshold, m.fired_at, m.rearmed_at])?;
                }
                (Some(_), None) => {
                    forget.execute(params![id, key])?;
                }
                (None, None) => {}
            }
        }
    }
    Ok(())
}

/// Every month's calls, checked as a state file's were.
pub fn read_calls(conn: &Connection, path: &Path) -> Result<CallBook, StoreError> {
    let err = |e| db_error(path, e);
    let mut book = CallBook::new();
    let mut stmt = conn
        .prepare("SELECT month, plan, n FROM calls")
        .map_err(err)?;
    let mut rows = stmt.query([]).map_err(err)?;
    while let Some(r) = rows.next().map_err(err)? {
        let month: String = r.get(0).map_err(err)?;
        let plan: String = r.get(1).map_err(err)?;
        let n: i64 = r.get(2).map_err(err)?;
        book.entry(month)
            .or_default()
            .insert(plan, u64::try_from(n).unwrap_or(0));
    }
    check_calls(path, &book)?;
    Ok(book)
}

/// Adds `n` calls of `plan` in `month`.
pub fn add_calls(conn: &Connection, month: &str, plan: Plan, n: u64) -> rusqlite::Result<()> {
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    conn.execute(
        "INSERT INTO calls (month, plan, n) VALUES (?1, ?2, ?3)
         ON CONFLICT (month, plan) DO UPDATE SET n = min(n + excluded.n, 9223372036854775807)",
        params![month, plan.key(), n],
    )?;
    Ok(())
}

/// Sets the count of `plan` in `month` to at least `n` (an import of
/// counts that may be there already).
pub fn raise_calls(conn: &Connection, month: &str, plan: &str, n: u64) -> rusqlite::Result<()> {
    let n = i64::try_from(n).unwrap_or(i64::MAX);
    conn.execute(
        "INSERT INTO calls (month, plan, n) VALUES (?1, ?2, ?3)
         ON CONFLICT (month, plan) DO UPDATE SET n = max(n, excluded.n)",
        params![month, plan, n],
    )?;
    Ok(())
}

/// Drops the months before `oldest` ("YYYY-MM").
pub fn drop_calls_before(conn: &Connection, oldest: &str) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM calls WHERE month < ?1", [oldest])?;
    Ok(())
}

/// The state's revision: one more at each save of the state, so a look can
/// tell a save from a count of calls (both change `data_version`).
pub fn revision(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT value FROM meta WHERE key = 'revision'", [], |r| {
        r.get(0)
    })
    .optional()
    .map(Option::unwrap_or_default)
}

pub fn set_revision(conn: &Connection, revision: i64) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('revision', ?1)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [revision],
    )?;
    Ok(())
}
