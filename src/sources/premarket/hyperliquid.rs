//! Hyperliquid: `POST /info` with `{"type": "metaAndAssetCtxs"}` answers
//! `[{"universe": [{"name", "isDelisted"}, …]}, [{"markPx"}, …]]`: the
//! perps, and beside them, at the same index, each one's market. Nothing
//! marks a pre-launch perp: every perp that is not delisted is an offer,
//! and the domain's first-look rule decides which are the coin's.

use serde::Deserialize;

use super::{Offer, Venue, decode, malformed, price};
use crate::market::MarketError;
use crate::sources::answer::{Entry, Scalar, asset};

/// About 230 perps of about 300 bytes each (their markets included):
/// 70 kB. 4 MiB leaves room.
pub const MAX_BODY: usize = 4 * 1024 * 1024;

/// The request's body.
pub const REQUEST: &str = r#"{"type":"metaAndAssetCtxs"}"#;

#[derive(Deserialize)]
struct Meta {
    universe: Vec<Entry<Perp>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Perp {
    name: Scalar,
    is_delisted: Scalar,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Market {
    mark_px: Scalar,
}

/// Every live perp with its mark price (none where the price is not a real
/// one). A universe and a list of markets of different lengths cannot be
/// paired up: the whole answer is refused.
pub fn parse(body: &[u8]) -> Result<Vec<Offer>, MarketError> {
    let venue = Venue::Hyperliquid;
    let (meta, markets): (Meta, Vec<Entry<Market>>) =
        decode(venue, body, "a pair of the perps and their markets")?;
    if meta.universe.len() != markets.len() {
        return Err(malformed(
            venue,
            &format!(
                "has {} perps and {} markets",
                meta.universe.len(),
                markets.len()
            ),
        ));
    }
    Ok(meta
        .universe
        .into_iter()
        .zip(markets)
        .filter_map(|(perp, market)| {
            let perp = perp.0?;
            if perp.is_delisted.bool() == Some(true) {
                return None;
            }
            let name = perp.name.str()?;
            Some(Offer {
                base: asset(name)?,
                instrument: format!("{} perp", crate::text::clean(name).trim()),
                price_usd: market.0.and_then(|m| price(&m.mark_px)),
                phase: None,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(perps: &str, markets: &str) -> Vec<u8> {
        format!(r#"[{{"universe": [{perps}], "marginTables": []}}, [{markets}]]"#).into_bytes()
    }

    #[test]
    fn reads_live_perps_with_their_mark_prices() {
        let body = answer(
            r#"{"name": "BTC", "szDecimals": 5}, {"name": "MOVE"}, {"name": "OLD", "isDelisted": true}"#,
            r#"{"markPx": "97000.5"}, {"markPx": "0.61", "funding": "0.0001"}, {"markPx": "1"}"#,
        );
        let offers = parse(&body).unwrap();
        assert_eq!(offers.len(), 2);
        assert_eq!(offers[1].base, "MOVE");
        assert_eq!(offers[1].instrument, "MOVE perp");
        assert_eq!(offers[1].price_usd, Some(0.61));
    }

    #[test]
    fn prices_that_are_not_real_are_none_for_that_perp_alone() {
        let body = answer(
            r#"{"name": "A"}, {"name": "B"}, {"name": "C"}, {"name": "D"}, {"name": "E"}"#,
            r#"{"markPx": "0"}, {"markPx": "NaN"}, {"markPx": "1e308"}, {"markPx": [1]}, {"markPx": "2.5"}"#,
        );
        let offers = parse(&body).unwrap();
        let prices: Vec<_> = offers.iter().map(|o| o.price_usd).collect();
        assert_eq!(prices, [None, None, None, None, Some(2.5)]);
    }

    #[test]
    fn mismatched_lengths_and_other_shapes_are_refused_by_name() {
        let short = answer(r#"{"name": "A"}, {"name": "B"}"#, r#"{"markPx": "1"}"#);
        let e = parse(&short).unwrap_err().to_string();
        assert!(
            e.contains("Hyperliquid") && e.contains("2 perps and 1 markets"),
            "{e}"
        );
        for body in [
            &b"{}"[..],
            b"[]",
            b"not json",
            b"[{\"universe\": 3}, []]",
            b"",
        ] {
            let e = parse(body).unwrap_err().to_string();
            assert!(e.contains("Hyperliquid's pre-market answer"), "{e}");
        }
    }

    #[test]
    fn an_empty_universe_is_no_offer() {
        assert_eq!(parse(&answer("", "")).unwrap(), []);
    }

    #[test]
    fn a_hundred_thousand_perps_are_read() {
        let perps: Vec<String> = (0..100_000)
            .map(|i| format!(r#"{{"name": "P{i}"}}"#))
            .collect();
        let markets = vec![r#"{"markPx": "1.5"}"#; 100_000];
        let offers = parse(&answer(&perps.join(","), &markets.join(","))).unwrap();
        assert_eq!(offers.len(), 100_000);
    }

    proptest::proptest! {
        #[test]
        fn garbage_never_panics(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let _ = parse(&body);
        }

        #[test]
        fn any_mark_price_is_a_real_price_or_none(px in ".{0,12}", n in proptest::prelude::any::<f64>()) {
            let body = answer(r#"{"name": "A"}, {"name": "B"}"#, &format!(r#"{{"markPx": {}}}, {{"markPx": {n:?}}}"#, serde_json::to_string(&px).unwrap()));
            if let Ok(offers) = parse(&body) {
                for o in offers {
                    proptest::prop_assert!(o.price_usd.is_none_or(crate::types::is_price));
                }
            }
        }
    }
}
