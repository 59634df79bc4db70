//! The DEX book as rows: each watched token in `dex_tokens`, keyed as the
//! domain keys it (`ethereum:0xabc…`), as the JSON of its [`Token`]. Read
//! and checked whole, written as the rows that changed.

use std::path::Path;

use rusqlite::{Connection, params};

use super::{StoreError, db_error};
use crate::dex::{DexBook, Token};
use crate::model::Chain;
use crate::types::is_price;

/// Whether a token's figures are ones a look could have kept.
fn plausible(t: &Token) -> bool {
    let liquidity = |l: f64| l.is_finite() && l >= 0.0;
    let pool_ok = t
        .pool
        .as_ref()
        .is_none_or(|p| p.price_usd.is_none_or(is_price) && p.liquidity_usd.is_none_or(liquidity));
    let listing_ok = t
        .listing
        .as_ref()
        .is_none_or(|l| l.price_usd.is_none_or(is_price) && liquidity(l.liquidity_usd));
    pool_ok && listing_ok && liquidity(t.min_liquidity_usd)
}

pub fn read_dex(conn: &Connection, path: &Path) -> Result<DexBook, StoreError> {
    let err = |e| db_error(path, e);
    let mut dex = DexBook::default();
    let mut rows = conn
        .prepare("SELECT token, seen FROM dex_tokens")
        .map_err(err)?;
    let mut rows = rows.query([]).map_err(err)?;
    while let Some(r) = rows.next().map_err(err)? {
        let key: String = r.get(0).map_err(err)?;
        let text: String = r.get(1).map_err(err)?;
        let known_chain = key
            .split_once(':')
            .is_some_and(|(chain, _)| chain.parse::<Chain>().is_ok());
        let token = serde_json::from_str::<Token>(&text)
            .ok()
            .filter(|t| known_chain && plausible(t))
            .ok_or_else(|| StoreError::BadBook {
                path: path.to_path_buf(),
                exchange: crate::dex::SOURCE.into(),
                problem: format!("holds the token {:?} unreadable", crate::text::clean(&key)),
            })?;
        dex.tokens.insert(key, token);
    }
    Ok(dex)
}

pub fn write_dex(conn: &Connection, from: &DexBook, to: &DexBook) -> rusqlite::Result<()> {
    let mut put = conn.prepare_cached(
        "INSERT INTO dex_tokens (token, seen) VALUES (?1, ?2)
         ON CONFLICT (token) DO UPDATE SET seen = excluded.seen",
    )?;
    let mut drop = conn.prepare_cached("DELETE FROM dex_tokens WHERE token = ?1")?;
    for (key, token) in &to.tokens {
        if from.tokens.get(key) != Some(token) {
            let text = serde_json::to_string(token)
                .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
            put.execute(params![key, text])?;
        }
    }
    for key in from.tokens.keys().filter(|k| !to.tokens.contains_key(*k)) {
        drop.execute([key])?;
    }
    Ok(())
}
