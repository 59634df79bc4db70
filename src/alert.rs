//! Price alerts: when a coin's price crosses its `alert_above` or
//! `alert_below`, once per crossing.
//!
//! Each alert is armed until the price reaches its threshold; then it fires
//! and stays fired until the price has gone back past the threshold by more
//! than [`REARM_MARGIN`], which re-arms it. Without that margin a price
//! hovering at the threshold would fire at every poll. What fired is kept in
//! the state file ([`Alerts`]), so a restart does not fire again while the
//! price stays past the threshold, and two instances on one data dir merge
//! their memos (`merge::merge_alerts`) rather than both firing one crossing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::listing::Listings;
use crate::model::Coin;
use crate::types::Usd;

/// Which way a price alert crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::EnumString)]
#[strum(serialize_all = "lowercase")]
pub enum Crossing {
    Above,
    Below,
}

/// How far past the threshold, as a share of it, the price must go back
/// before an alert that fired is armed again.
pub const REARM_MARGIN: f64 = 0.02;

/// The memo of one alert: the threshold it was for, when it last fired and,
/// once the price went back past the re-arm margin, when it was re-armed.
/// Re-arming is kept as a time rather than by removing the mark, so that a
/// merge with a file that still holds the fired mark can tell which came
/// last.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mark {
    pub threshold: f64,
    /// Unix seconds.
    pub fired_at: i64,
    /// Unix seconds; `None` while the alert stays fired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rearmed_at: Option<i64>,
}

impl Mark {
    /// Whether the alert for `threshold` is fired (and so may not fire
    /// again yet). A mark for another threshold says nothing of this one:
    /// a changed threshold is a new alert, armed.
    pub fn holds(&self, threshold: f64) -> bool {
        self.threshold == threshold && self.rearmed_at.is_none()
    }

    /// When the mark last changed.
    pub fn changed_at(&self) -> i64 {
        self.rearmed_at.unwrap_or(self.fired_at)
    }
}

/// What a mark of the memo is for: a price alert in one direction, or the
/// portfolio's rule on a position's weight (see `crate::position`), whose
/// mark's threshold is the rule in percent. Its name is the state file's.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
    strum::EnumCount,
)]
#[strum(serialize_all = "lowercase")]
pub enum Slot {
    Above,
    Below,
    Overweight,
}

impl Slot {
    pub const ALL: [Slot; <Slot as strum::EnumCount>::COUNT] = crate::names::all();
}

impl From<Crossing> for Slot {
    fn from(c: Crossing) -> Slot {
        match c {
            Crossing::Above => Slot::Above,
            Crossing::Below => Slot::Below,
        }
    }
}

/// The memo of one market id's alerts, by direction, and of its
/// position's weight.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertMemo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub above: Option<Mark>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below: Option<Mark>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overweight: Option<Mark>,
}

impl AlertMemo {
    /// The mark in `slot`: `Crossing::Above.into()` for the alert above.
    pub fn get(&self, slot: Slot) -> Option<Mark> {
        match slot {
            Slot::Above => self.above,
            Slot::Below => self.below,
            Slot::Overweight => self.overweight,
        }
    }

    pub fn mark(&mut self, slot: Slot) -> &mut Option<Mark> {
        match slot {
            Slot::Above => &mut self.above,
            Slot::Below => &mut self.below,
            Slot::Overweight => &mut self.overweight,
        }
    }
}

/// Alert memos by market id, sorted so the state file is stable.
pub type Alerts = BTreeMap<String, AlertMemo>;

/// An alert that fired.
#[derive(Debug, Clone, PartialEq)]
pub struct Fired {
    /// The coin's index in the `coins` checked.
    pub index: usize,
    pub market_id: String,
    pub crossing: Crossing,
    pub threshold: f64,
    pub price: f64,
    /// When the alert was armed for this crossing (Unix seconds; 0 for
    /// its first): with the threshold, what makes it this crossing.
    pub armed_since: i64,
}

/// Whether `price` has reached `threshold` in the alert's direction.
fn reached(crossing: Crossing, price: f64, threshold: f64) -> bool {
    match crossing {
        Crossing::Above => price >= threshold,
        Crossing::Below => price <= threshold,
    }
}

/// Whether `price` has gone back past `threshold` by more than the margin.
fn back(crossing: Crossing, price: f64, threshold: f64) -> bool {
    match crossing {
        Crossing::Above => price < threshold * (1.0 - REARM_MARGIN),
        Crossing::Below => price > threshold * (1.0 + REARM_MARGIN),
    }
}

/// Checks every alert of `coins` against its latest CoinGecko price in
/// `listings`, at Unix time `now`: fires the armed ones the price reached,
/// re-arms the fired ones it went back from, and records both in `memo`.
/// A coin with no price, or a stale one, is left as it is. Returns what
/// fired, in coin order, above before below.
pub fn check(coins: &[Coin], listings: &Listings, memo: &mut Alerts, now: i64) -> Vec<Fired> {
    let mut fired = Vec::new();
    for (index, coin) in coins.iter().enumerate() {
        let alerts = [
            (Crossing::Above, coin.alert_above.map(Usd::get)),
            (Crossing::Below, coin.alert_below.map(Usd::get)),
        ];
        if alerts.iter().all(|(_, t)| t.is_none()) {
            continue;
        }
        let Some(id) = coin.poll_id() else { continue };
        let Some(listing) = listings.get(id).filter(|l| !l.stale) else {
            continue;
        };
        let price = listing.price_usd;
        for (crossing, threshold) in alerts {
            let Some(threshold) = threshold else { continue };
            let held = memo
                .get(id)
                .and_then(|m| m.get(crossing.into()))
                .is_some_and(|m| m.holds(threshold));
            if held {
                if back(crossing, price, threshold) {
                    let mark = memo
                        .entry(id.to_string())
                        .or_default()
                        .mark(crossing.into());
                    if let Some(m) = mark.as_mut() {
                        m.rearmed_at = Some(now);
                    }
                }
            } else if reached(crossing, price, threshold) {
                let mark = memo
                    .entry(id.to_string())
                    .or_default()
                    .mark(crossing.into());
                // The mark this crossing replaces: re-armed, or another
                // threshold's. Instances that share it agree on this.
                let armed_since = mark.as_ref().map_or(0, Mark::changed_at);
                *mark = Some(Mark {
                    threshold,
                    fired_at: now,
                    rearmed_at: None,
                });
                fired.push(Fired {
                    index,
                    market_id: id.to_string(),
                    crossing,
                    threshold,
                    price,
                    armed_since,
                });
            }
        }
    }
    fired
}

/// A coin's alerts in words, for the detail pane: "above $1.00 (fired) ·
/// below $0.50"; `None` when it has none. `memo` is its market id's.
pub fn describe(coin: &Coin, memo: Option<&AlertMemo>) -> Option<String> {
    let parts: Vec<String> = [
        (Crossing::Above, "above", coin.alert_above.map(Usd::get)),
        (Crossing::Below, "below", coin.alert_below.map(Usd::get)),
    ]
    .into_iter()
    .filter_map(|(crossing, word, threshold)| {
        let t = threshold?;
        let fired = memo
            .and_then(|m| m.get(crossing.into()))
            .is_some_and(|m| m.holds(t));
        let state = if fired { " (fired)" } else { "" };
        Some(format!("{word} {}{state}", crate::text::price(t)))
    })
    .collect();
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// What is wrong with the alert memo of `id` in a state file: it must be
/// under a market id, each alert's threshold a price a coin can have, and
/// the weight rule's a percentage above 0 and at most 100.
pub fn memo_problem(id: &str, memo: &AlertMemo) -> Option<String> {
    if !crate::types::is_market_id(id) {
        return Some("is not under a market id".into());
    }
    [("above", memo.above), ("below", memo.below)]
        .into_iter()
        .find_map(|(name, mark)| {
            let t = mark?.threshold;
            (!crate::types::is_price(t)).then(|| {
                format!(
                    "has an alert {name} {} USD, which is not a price a coin can have",
                    crate::text::number(t)
                )
            })
        })
        .or_else(|| {
            let t = memo.overweight?.threshold;
            (!(t > 0.0 && t <= 100.0)).then(|| {
                format!(
                    "has an overweight mark for a rule of {}%, which is not above 0 and at most 100",
                    crate::text::number(t)
                )
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listing::Listing;
    use crate::model::Watchlist;

    const T0: i64 = 1_800_000_000;

    /// The built-in list with Parcl (market id `parcl`) alerting above 1
    /// and below 0.5.
    fn coins() -> Vec<Coin> {
        let mut coins = Watchlist::builtin().coins;
        let parcl = coins.iter_mut().find(|c| c.name == "Parcl").unwrap();
        parcl.alert_above = crate::types::Usd::new(1.0);
        parcl.alert_below = crate::types::Usd::new(0.5);
        coins
    }

    fn priced(price: f64, stale: bool) -> Listings {
        Listings::from([(
            "parcl".into(),
            Listing {
                stale,
                ..Listing::at(T0, 0.7, price)
            }
            .into(),
        )])
    }

    /// The directions that fire at `price`, checked at `T0 + at`.
    fn run(coins: &[Coin], memo: &mut Alerts, price: f64, at: i64) -> Vec<Crossing> {
        check(coins, &priced(price, false), memo, T0 + at)
            .into_iter()
            .map(|f| f.crossing)
            .collect()
    }

    #[test]
    fn above_fires_once_per_crossing_and_rearms_past_two_percent() {
        let coins = coins();
        let mut memo = Alerts::new();
        assert_eq!(run(&coins, &mut memo, 0.9, 0), []);
        assert!(memo.is_empty(), "nothing to remember while armed");
        let fired = check(&coins, &priced(1.0, false), &mut memo, T0 + 1);
        assert_eq!(
            fired,
            [Fired {
                index: 3,
                market_id: "parcl".into(),
                crossing: Crossing::Above,
                threshold: 1.0,
                price: 1.0,
                armed_since: 0,
            }],
            "at the threshold itself"
        );
        assert_eq!(
            memo["parcl"].above,
            Some(Mark {
                threshold: 1.0,
                fired_at: T0 + 1,
                rearmed_at: None
            })
        );
        assert_eq!(run(&coins, &mut memo, 1.5, 2), [], "once per crossing");
        assert_eq!(run(&coins, &mut memo, 0.99, 3), [], "1% back is not enough");
        assert_eq!(
            run(&coins, &mut memo, 0.98, 4),
            [],
            "2% is not more than 2%"
        );
        assert_eq!(run(&coins, &mut memo, 1.2, 5), [], "still not re-armed");
        assert_eq!(run(&coins, &mut memo, 0.979, 6), [], "re-armed");
        assert_eq!(memo["parcl"].above.unwrap().rearmed_at, Some(T0 + 6));
        assert_eq!(run(&coins, &mut memo, 1.01, 7), [Crossing::Above]);
        assert_eq!(memo["parcl"].above.unwrap().rearmed_at, None);
    }

    #[test]
    fn each_crossing_is_known_by_when_its_alert_was_armed() {
        let mut coins = coins();
        let mut memo = Alerts::new();
        let since = |memo: &mut Alerts, coins: &[Coin], price: f64, at: i64| {
            check(coins, &priced(price, false), memo, T0 + at)
                .into_iter()
                .map(|f| f.armed_since)
                .collect::<Vec<_>>()
        };
        assert_eq!(since(&mut memo, &coins, 1.0, 1), [0], "the first crossing");
        assert_eq!(since(&mut memo, &coins, 0.9, 2), Vec::<i64>::new());
        assert_eq!(
            since(&mut memo, &coins, 1.1, 3),
            [T0 + 2],
            "armed again at 2"
        );
        // Another threshold, then the first again: a crossing of its own.
        coins[3].alert_above = crate::types::Usd::new(1.05);
        assert_eq!(since(&mut memo, &coins, 1.1, 4), [T0 + 3]);
        coins[3].alert_above = crate::types::Usd::new(1.0);
        assert_eq!(since(&mut memo, &coins, 1.1, 5), [T0 + 4]);
    }

    #[test]
    fn below_mirrors_above() {
        let coins = coins();
        let mut memo = Alerts::new();
        assert_eq!(run(&coins, &mut memo, 0.6, 0), []);
        assert_eq!(run(&coins, &mut memo, 0.5, 1), [Crossing::Below]);
        assert_eq!(run(&coins, &mut memo, 0.2, 2), []);
        assert_eq!(run(&coins, &mut memo, 0.505, 3), [], "1% back");
        assert_eq!(run(&coins, &mut memo, 0.49, 4), []);
        assert_eq!(run(&coins, &mut memo, 0.511, 5), [], "re-armed");
        assert_eq!(run(&coins, &mut memo, 0.45, 6), [Crossing::Below]);
    }

    #[test]
    fn a_changed_threshold_is_a_new_armed_alert() {
        let mut coins = coins();
        let mut memo = Alerts::new();
        assert_eq!(run(&coins, &mut memo, 1.3, 0), [Crossing::Above]);
        coins[3].alert_above = crate::types::Usd::new(1.2);
        assert_eq!(run(&coins, &mut memo, 1.3, 1), [Crossing::Above]);
        assert_eq!(memo["parcl"].above.unwrap().threshold, 1.2);
        coins[3].alert_above = crate::types::Usd::new(2.0);
        assert_eq!(run(&coins, &mut memo, 1.3, 2), [], "not reached");
    }

    #[test]
    fn no_price_or_a_stale_one_neither_fires_nor_rearms() {
        let coins = coins();
        let mut memo = Alerts::new();
        assert!(check(&coins, &Listings::new(), &mut memo, T0).is_empty());
        assert!(check(&coins, &priced(5.0, true), &mut memo, T0).is_empty());
        assert!(memo.is_empty());
        assert_eq!(run(&coins, &mut memo, 5.0, 1), [Crossing::Above]);
        let before = memo.clone();
        assert!(check(&coins, &priced(0.9, true), &mut memo, T0 + 2).is_empty());
        assert_eq!(memo, before, "a stale price does not re-arm");
        let mut no_id = coins.clone();
        no_id[3].market_id = None;
        let mut fresh = Alerts::new();
        assert!(check(&no_id, &priced(5.0, false), &mut fresh, T0).is_empty());
    }

    #[test]
    fn alerts_are_described_with_what_fired() {
        let mut coins = coins();
        let mut memo = Alerts::new();
        assert_eq!(
            describe(&coins[3], None).as_deref(),
            Some("above $1.00 · below $0.50")
        );
        run(&coins, &mut memo, 1.0, 0);
        assert_eq!(
            describe(&coins[3], memo.get("parcl")).as_deref(),
            Some("above $1.00 (fired) · below $0.50")
        );
        coins[3].alert_above = None;
        assert_eq!(
            describe(&coins[3], memo.get("parcl")).as_deref(),
            Some("below $0.50")
        );
        coins[3].alert_below = None;
        assert_eq!(describe(&coins[3], memo.get("parcl")), None);
    }

    #[test]
    fn a_memo_must_be_under_a_market_id_with_prices() {
        let mark = |threshold| Mark {
            threshold,
            fired_at: T0,
            rearmed_at: None,
        };
        let ok = AlertMemo {
            above: Some(mark(1.0)),
            below: None,
            overweight: None,
        };
        assert_eq!(memo_problem("parcl", &ok), None);
        assert_eq!(
            memo_problem("Not An Id", &ok).as_deref(),
            Some("is not under a market id")
        );
        let bad = AlertMemo {
            above: None,
            below: Some(mark(-1.0)),
            overweight: None,
        };
        assert_eq!(
            memo_problem("parcl", &bad).as_deref(),
            Some("has an alert below -1 USD, which is not a price a coin can have")
        );
        for t in [5e-324, 1e308] {
            let bad = AlertMemo {
                above: Some(mark(t)),
                below: None,
                overweight: None,
            };
            let said = memo_problem("parcl", &bad).expect("refused");
            assert!(said.len() < 200 && said.contains("alert above"), "{said}");
        }
    }
}
