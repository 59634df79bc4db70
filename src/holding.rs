//! A coin's holding: how many tokens the user has, and what each cost.
//!
//! One lot per coin: a second purchase is entered as the new total and its
//! average cost. Both numbers are exact decimals (see [`crate::money`]), so
//! the cost of 3 tokens at $0.1 is $0.30 wherever it is shown.

use serde::{Deserialize, Serialize};

use crate::money::{self, Decimal};
use crate::types::{MAX_PRICE_USD, MIN_PRICE_USD, is_price};

/// The most tokens a holding can have: the largest total supply a coin can
/// have (see `model::MAX_SUPPLY`).
pub const MAX_QUANTITY: f64 = 1e18;

/// The fewest: a trillionth of a token, so every quantity is exact in a
/// decimal and in its file.
pub const MIN_QUANTITY: f64 = 1e-12;

/// A holding, checked: a quantity from [`MIN_QUANTITY`] to [`MAX_QUANTITY`], a
/// cost per token that is a price a coin can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holding {
    pub quantity: Decimal,
    /// USD per token.
    pub cost_usd: Decimal,
}

/// A holding as files and the outputs write it: `{"quantity": 1250,
/// "cost_usd": 0.55}`, the cost per token in USD.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHolding {
    pub quantity: f64,
    pub cost_usd: f64,
}

/// Why a holding is refused. Values are as `text::number` writes them, so
/// that a message stays short at any magnitude.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoldingError {
    #[error("{value} is not a quantity of tokens (from {MIN_QUANTITY:e} to {MAX_QUANTITY:e})")]
    Quantity { value: String },
    #[error(
        "{value} is not a cost per token in USD (at least {MIN_PRICE_USD:e}, at most \
         {MAX_PRICE_USD:e})"
    )]
    Cost { value: String },
    #[error(
        "\"{}\" is not a holding (quantity @ cost per token in USD, e.g. 1,250 @ 0.55)",
        crate::text::excerpt(found)
    )]
    Form { found: String },
}

impl RawHolding {
    /// The holding, or what is wrong with its quantity, then its cost.
    pub fn check(&self) -> Result<Holding, HoldingError> {
        let quantity = Some(self.quantity)
            .filter(|&q| (MIN_QUANTITY..=MAX_QUANTITY).contains(&q))
            .and_then(money::decimal)
            .ok_or_else(|| HoldingError::Quantity {
                value: crate::text::number(self.quantity),
            })?;
        let cost_usd = Some(self.cost_usd)
            .filter(|&c| is_price(c))
            .and_then(money::decimal)
            .ok_or_else(|| HoldingError::Cost {
                value: crate::text::number(self.cost_usd),
            })?;
        Ok(Holding { quantity, cost_usd })
    }

    /// The holding as the form writes it: `1250 @ 0.55`.
    pub fn text(&self) -> String {
        format!("{} @ {}", self.quantity, self.cost_usd)
    }

    /// The holding typed in the form: `1,250 @ 0.55`, `1250@$0.55`; empty
    /// is none. Commas and a dollar sign are how amounts are written.
    /// Whether the numbers make a holding is [`RawHolding::check`]'s rule.
    pub fn parse(text: &str) -> Result<Option<RawHolding>, HoldingError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let bad = || HoldingError::Form {
            found: text.to_string(),
        };
        let (q, c) = text.split_once('@').ok_or_else(bad)?;
        let number = |s: &str| -> Result<f64, HoldingError> {
            let digits = s.trim().trim_start_matches('$').replace(',', "");
            digits.trim().parse().map_err(|_| bad())
        };
        Ok(Some(RawHolding {
            quantity: number(q)?,
            cost_usd: number(c)?,
        }))
    }
}

impl From<&Holding> for RawHolding {
    fn from(h: &Holding) -> RawHolding {
        RawHolding {
            quantity: money::to_f64(h.quantity),
            cost_usd: money::to_f64(h.cost_usd),
        }
    }
}

impl Holding {
    /// What the whole holding cost, exactly.
    pub fn cost_total(&self) -> Decimal {
        // Within range: at most 1e18 tokens at 1e9 each.
        self.quantity.saturating_mul(self.cost_usd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn raw(quantity: f64, cost_usd: f64) -> RawHolding {
        RawHolding { quantity, cost_usd }
    }

    #[test]
    fn a_holding_is_a_positive_quantity_at_a_price() {
        let h = raw(1250.0, 0.55).check().unwrap();
        assert_eq!(h.quantity, Decimal::from(1250));
        assert_eq!(h.cost_total().to_string(), "687.50");
        assert_eq!(
            money::usd(raw(3.0, 0.1).check().unwrap().cost_total()),
            "$0.30"
        );
        for q in [
            0.0,
            -1.0,
            f64::NAN,
            f64::INFINITY,
            1e308,
            2e18,
            5e-324,
            1e-13,
        ] {
            let e = raw(q, 1.0).check().unwrap_err();
            assert!(matches!(e, HoldingError::Quantity { .. }), "{q}: {e}");
            assert!(e.to_string().len() < 120, "{e}");
        }
        for c in [0.0, -1.0, f64::NAN, f64::NEG_INFINITY, 1e308, 2e9, 1e-13] {
            let e = raw(1.0, c).check().unwrap_err();
            assert!(matches!(e, HoldingError::Cost { .. }), "{c}: {e}");
        }
    }

    #[test]
    fn the_form_writes_and_reads_quantity_at_cost() {
        assert_eq!(RawHolding::parse("").unwrap(), None);
        assert_eq!(RawHolding::parse("  ").unwrap(), None);
        assert_eq!(
            RawHolding::parse("1,250 @ $0.55").unwrap(),
            Some(raw(1250.0, 0.55))
        );
        assert_eq!(RawHolding::parse("3@0.1").unwrap(), Some(raw(3.0, 0.1)));
        assert_eq!(raw(1250.0, 0.55).text(), "1250 @ 0.55");
        for bad in ["1250", "@", "x @ 1", "1 @ y", "1 @ 2 @ 3", "\u{1b}[31m @ 1"] {
            let e = RawHolding::parse(bad).unwrap_err();
            assert!(matches!(e, HoldingError::Form { .. }), "{bad}");
            assert!(!e.to_string().contains('\u{1b}'), "{e}");
        }
    }

    proptest! {
        /// Any holding in range goes through the form's text, a file's JSON
        /// and back to the same numbers, digit for digit.
        #[test]
        fn holdings_round_trip_exactly(q in 1e-12f64..1e18, c in 1e-12f64..1e9) {
            let h = raw(q, c).check().unwrap();
            let back = RawHolding::from(&h);
            prop_assert_eq!(back, raw(q, c));
            let typed = RawHolding::parse(&back.text()).unwrap().unwrap();
            prop_assert_eq!(typed.check().unwrap(), h);
            let json = serde_json::to_string(&back).unwrap();
            let read: RawHolding = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(read.check().unwrap(), h);
        }

        /// Whatever the numbers, the check answers (it never panics) and
        /// takes exactly the finite positive ones in range.
        #[test]
        fn any_numbers_are_checked(q in proptest::num::f64::ANY, c in proptest::num::f64::ANY) {
            let ok = (MIN_QUANTITY..=MAX_QUANTITY).contains(&q) && is_price(c);
            prop_assert_eq!(raw(q, c).check().is_ok(), ok);
        }
    }
}
