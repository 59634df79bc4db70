//! Hyperliquid: `POST /info` with `{"type": "meta"}` lists the perps,
//! `{"universe": [{"name", "isDelisted"}, …]}`, and `{"type": "allMids"}`
//! prices them all, `{"BTC": "97000.5", …}` (spot markets too, keyed
//! `@107` or `PURR/USDC`, which match no perp). Nothing marks a pre-launch
//! perp: every perp that is not delisted is an offer, and the domain's
//! first-look rule decides which are the coin's.
//!
//! Not `metaAndAssetCtxs`, which answers both at once: with every perp's
//! funding, volumes and open interest it is about 70 kB, 3 GB a month at
//! one look a minute; the mids are a sixth of it, and the list is read
//! every 15 minutes.

use std::collections::HashMap;

use serde::Deserialize;

use super::{Venue, decode, price};
use crate::market::MarketError;
use crate::sources::answer::{Entry, Scalar, asset};

/// About 230 perps of about 80 bytes, or their 600 mids of about 20:
/// 20 kB. 4 MiB leaves room.
pub const MAX_BODY: usize = 4 * 1024 * 1024;

/// The requests' bodies.
pub const META: &str = r#"{"type":"meta"}"#;
pub const MIDS: &str = r#"{"type":"allMids"}"#;

#[derive(Deserialize)]
struct Meta {
    universe: Vec<Entry<RawPerp>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct RawPerp {
    name: Scalar,
    is_delisted: Scalar,
}

/// A live perp of Hyperliquid's universe.
#[derive(Debug, Clone, PartialEq)]
pub struct Perp {
    /// Its name, as `allMids` keys it (`BTC`, `kPEPE`).
    pub name: String,
    /// Its base asset, as prelist keeps tickers (`KPEPE`).
    pub base: String,
}

/// Every live perp of a `meta` answer.
pub fn parse_meta(body: &[u8]) -> Result<Vec<Perp>, MarketError> {
    let meta: Meta = decode(Venue::Hyperliquid, body, "an object with a universe")?;
    Ok(meta
        .universe
        .into_iter()
        .filter_map(|p| p.0)
        .filter(|p| p.is_delisted.bool() != Some(true))
        .filter_map(|p| {
            let name = crate::text::clean(p.name.str()?).trim().to_string();
            Some(Perp {
                base: asset(&name)?,
                name,
            })
        })
        .collect())
}

/// The mids of an `allMids` answer, by name: only real prices.
pub fn parse_mids(body: &[u8]) -> Result<HashMap<String, f64>, MarketError> {
    let mids: HashMap<String, Scalar> = decode(Venue::Hyperliquid, body, "an object of prices")?;
    Ok(mids
        .into_iter()
        .filter_map(|(name, px)| Some((name, price(&px)?)))
        .collect())
}

/// Whether `mids` prices a perp that `perps` does not hold (spot markets,
/// keyed `@107` or `PURR/USDC`, are not perps).
pub fn has_new_perp(mids: &HashMap<String, f64>, perps: &[Perp]) -> bool {
    let known: std::collections::HashSet<&str> = perps.iter().map(|p| p.name.as_str()).collect();
    mids.keys()
        .any(|k| !k.starts_with('@') && !k.contains('/') && !known.contains(k.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_live_perps() {
        let body = br#"{"universe": [{"name": "BTC", "szDecimals": 5, "maxLeverage": 40},
            {"name": "MOVE"}, {"name": "OLD", "isDelisted": true}, {"name": 7}, "x",
            {"name": "kPEPE"}], "marginTables": []}"#;
        let perps = parse_meta(body).unwrap();
        let bases: Vec<&str> = perps.iter().map(|p| p.base.as_str()).collect();
        assert_eq!(bases, ["BTC", "MOVE", "KPEPE"]);
        assert_eq!(perps[2].name, "kPEPE");
    }

    #[test]
    fn mids_that_are_not_real_prices_are_left_out_alone() {
        let body = br#"{"A": "0", "B": "NaN", "C": "1e308", "D": [1], "E": "2.5", "@107": "31.2"}"#;
        let mids = parse_mids(body).unwrap();
        assert_eq!(mids.len(), 2);
        assert_eq!(mids["E"], 2.5);
        assert_eq!(mids["@107"], 31.2);
    }

    #[test]
    fn a_mid_of_a_perp_the_list_lacks_is_a_new_perp() {
        let perps = parse_meta(br#"{"universe": [{"name": "BTC"}]}"#).unwrap();
        let mids = |body: &[u8]| parse_mids(body).unwrap();
        assert!(!has_new_perp(
            &mids(br#"{"BTC": "1", "@107": "2", "PURR/USDC": "3"}"#),
            &perps
        ));
        assert!(has_new_perp(
            &mids(br#"{"BTC": "1", "MOVE": "0.6"}"#),
            &perps
        ));
    }

    #[test]
    fn other_shapes_are_refused_by_name() {
        for body in [&b"[]"[..], b"not json", b"{\"universe\": 3}", b""] {
            let e = parse_meta(body).unwrap_err().to_string();
            assert!(e.contains("Hyperliquid's pre-market answer"), "{e}");
        }
        assert!(parse_mids(b"[1, 2]").is_err());
    }

    #[test]
    fn an_empty_universe_is_no_perp() {
        assert_eq!(parse_meta(br#"{"universe": []}"#).unwrap(), []);
    }

    #[test]
    fn a_hundred_thousand_perps_are_read() {
        let perps: Vec<String> = (0..100_000)
            .map(|i| format!(r#"{{"name": "P{i}"}}"#))
            .collect();
        let body = format!(r#"{{"universe": [{}]}}"#, perps.join(","));
        assert_eq!(parse_meta(body.as_bytes()).unwrap().len(), 100_000);
    }

    proptest::proptest! {
        #[test]
        fn garbage_never_panics(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let _ = parse_meta(&body);
            let _ = parse_mids(&body);
        }

        #[test]
        fn any_mid_is_a_real_price_or_left_out(px in ".{0,12}", n in proptest::prelude::any::<f64>()) {
            let body = format!(r#"{{"A": {}, "B": {n:?}}}"#, serde_json::to_string(&px).unwrap());
            if let Ok(mids) = parse_mids(body.as_bytes()) {
                for p in mids.values() {
                    proptest::prop_assert!(crate::types::is_price(*p));
                }
            }
        }
    }
}
