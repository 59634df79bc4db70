//! The API keys used on this data dir, by fingerprint (never the key), with
//! when each was first used: how prelist tells a key due for rotation. A
//! new key is a new fingerprint, so its count starts afresh.

use rusqlite::{OptionalExtension, params};

use super::{StateDb, StoreError};

/// Notes that the key of `fingerprint` is in use at `now`; returns when
/// it was first used (now, for a key never seen before).
pub fn note_key(db: &StateDb, fingerprint: &str, now: i64) -> Result<i64, StoreError> {
    db.write(|tx| {
        tx.execute(
            "INSERT OR IGNORE INTO keys (fingerprint, first_used) VALUES (?1, ?2)",
            params![fingerprint, now],
        )
        .and_then(|_| {
            tx.query_row(
                "SELECT first_used FROM keys WHERE fingerprint = ?1",
                [fingerprint],
                |r| r.get(0),
            )
        })
        .map_err(|e| db.error(e))
    })
}

/// When the key of `fingerprint` was first used here, if it ever was; a
/// data dir without a database has no answer, and gets none made.
pub fn key_first_used(db: &StateDb, fingerprint: &str) -> Result<Option<i64>, StoreError> {
    db.read(|tx| {
        tx.query_row(
            "SELECT first_used FROM keys WHERE fingerprint = ?1",
            [fingerprint],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| db.error(e))
    })
    .map(Option::flatten)
}
