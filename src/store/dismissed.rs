//! Discover's dismissed rows as rows of `dismissed`: a ticker, the status
//! its row stood at, and when. Read and checked whole, written as the rows
//! that changed.

use std::path::Path;

use rusqlite::{Connection, params};

use super::{StoreError, db_error};
use crate::discover::{Dismissal, Dismissed, Kind};

pub fn read_dismissed(conn: &Connection, path: &Path) -> Result<Dismissed, StoreError> {
    let err = |e| db_error(path, e);
    let mut out = Dismissed::new();
    let mut rows = conn
        .prepare("SELECT ticker, status, at FROM dismissed")
        .map_err(err)?;
    let mut rows = rows.query([]).map_err(err)?;
    while let Some(r) = rows.next().map_err(err)? {
        let ticker: String = r.get(0).map_err(err)?;
        let status: String = r.get(1).map_err(err)?;
        let status: Kind = status.parse().map_err(|_| StoreError::BadBook {
            path: path.to_path_buf(),
            exchange: "dismissed".into(),
            problem: format!(
                "holds {:?} for {:?}, which is no status of Discover",
                crate::text::clean(&status),
                crate::text::clean(&ticker)
            ),
        })?;
        out.insert(
            ticker,
            Dismissal {
                status,
                at: r.get(2).map_err(err)?,
            },
        );
    }
    Ok(out)
}

pub fn write_dismissed(
    conn: &Connection,
    from: &Dismissed,
    to: &Dismissed,
) -> rusqlite::Result<()> {
    let mut put = conn.prepare_cached(
        "INSERT INTO dismissed (ticker, status, at) VALUES (?1, ?2, ?3)
         ON CONFLICT (ticker) DO UPDATE SET status = excluded.status, at = excluded.at",
    )?;
    let mut drop = conn.prepare_cached("DELETE FROM dismissed WHERE ticker = ?1")?;
    for (ticker, d) in to {
        if from.get(ticker) != Some(d) {
            put.execute(params![ticker, d.status.as_str(), d.at])?;
        }
    }
    for ticker in from.keys().filter(|t| !to.contains_key(*t)) {
        drop.execute([ticker])?;
    }
    Ok(())
}
