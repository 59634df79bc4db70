//! Positions, sized by the article's rule: put no more than
//! `max_position_pct` (5%) of the portfolio into any single project, and no
//! more than `early_stage_pct` (1%) into one that does not trade yet.
//!
//! A coin's planned position is what the rule allows for its stage; a coin
//! the user holds is valued at its spot price (CoinGecko's, else its first
//! DEX pool's), weighed against the whole portfolio (`size_usd`, not the
//! sum of the holdings, which would hide the cash), and told once as
//! `overweight` when its weight passes the rule. Every figure is an exact
//! decimal (see [`crate::money`]).

use crate::alert::{Alerts, Mark, REARM_MARGIN, Slot};
use crate::book::Book;
use crate::listing::{Listings, Status, listing_of, status_of};
use crate::model::Coin;
use crate::money::{self, Decimal};

/// The default rule for a single project, in percent: the article's.
pub const DEFAULT_MAX_POSITION_PCT: u32 = 5;
/// The default rule for an early-stage project, in percent: Token Metrics
/// Ventures' own.
pub const DEFAULT_EARLY_STAGE_PCT: u32 = 1;
/// The largest portfolio, in USD: beyond it a figure is a slip.
pub const MAX_SIZE_USD: f64 = 1e12;

/// `[portfolio]`: the whole portfolio in USD and the two rules, checked
/// (a size above 0 and at most [`MAX_SIZE_USD`]; rules above 0 and at most
/// 100, the early-stage one at most the other).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Portfolio {
    pub size_usd: Decimal,
    pub max_position_pct: Decimal,
    pub early_stage_pct: Decimal,
}

impl Portfolio {
    /// The rule for a coin at `status`, in percent: early stage until it
    /// trades.
    pub fn rule_pct(&self, status: Status) -> Decimal {
        if status < Status::Trading {
            self.early_stage_pct
        } else {
            self.max_position_pct
        }
    }

    /// `pct` percent of the portfolio, in USD.
    pub fn share(&self, pct: Decimal) -> Decimal {
        self.size_usd * pct / Decimal::ONE_HUNDRED
    }

    /// What `value_usd` weighs in the portfolio, in percent.
    pub fn weight_pct(&self, value_usd: Decimal) -> Decimal {
        percent_of(value_usd, self.size_usd)
    }
}

/// `part` in percent of `whole` (above 0), held at the largest decimal
/// where it would be larger: 1e18 tokens at $1e9 in a $0.01 portfolio is
/// past any rule, not a panic.
fn percent_of(part: Decimal, whole: Decimal) -> Decimal {
    let saturated = if part.is_sign_negative() {
        Decimal::MIN
    } else {
        Decimal::MAX
    };
    part.checked_mul(Decimal::ONE_HUNDRED)
        .and_then(|p| p.checked_div(whole))
        .unwrap_or(saturated)
}

/// What a coin's cells, records and position lines are made of besides
/// the coin: the listings, the exchanges' book and, with sizing on, the
/// portfolio.
pub type Around<'a> = (&'a Listings, &'a Book, Option<&'a Portfolio>);

/// The price a holding is valued at: CoinGecko's, else the first DEX
/// pool's (both spot prices); a pre-market price is not one.
pub fn spot_price(coin: &Coin, listings: &Listings, book: &Book) -> Option<f64> {
    listing_of(coin, listings)
        .map(|l| l.price_usd)
        .or_else(|| book.dex.price(coin))
}

/// A holding valued at a spot price.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub quantity: Decimal,
    pub cost_each: Decimal,
    /// What it cost in all.
    pub cost: Decimal,
    pub price: Decimal,
    pub value: Decimal,
    pub pnl_usd: Decimal,
    pub pnl_pct: Decimal,
    /// With a portfolio: the value's share of it, in percent.
    pub weight_pct: Option<Decimal>,
    /// With a portfolio and a weight past the rule: the value beyond what
    /// the rule allows.
    pub over_usd: Option<Decimal>,
    /// The rule it is weighed against, in percent.
    pub rule_pct: Option<Decimal>,
}

/// `coin`'s holding valued at its spot price; `None` without a holding or
/// a spot price.
pub fn position(
    coin: &Coin,
    listings: &Listings,
    book: &Book,
    portfolio: Option<&Portfolio>,
) -> Option<Position> {
    let holding = coin.holding?;
    let price = money::decimal(spot_price(coin, listings, book)?)?;
    Some(value_at(&holding, price, portfolio))
}

/// `holding` valued at `price`, weighed against the single-project rule.
fn value_at(
    holding: &crate::holding::Holding,
    price: Decimal,
    portfolio: Option<&Portfolio>,
) -> Position {
    let cost = holding.cost_total();
    let value = holding.quantity.saturating_mul(price);
    let pnl_usd = value.saturating_sub(cost);
    let weight_pct = portfolio.map(|p| p.weight_pct(value));
    let rule_pct = portfolio.map(|p| p.max_position_pct);
    let over_usd = portfolio.and_then(|p| {
        let allowed = p.share(p.max_position_pct);
        (value > allowed).then(|| value.saturating_sub(allowed))
    });
    Position {
        quantity: holding.quantity,
        cost_each: holding.cost_usd,
        cost,
        price,
        value,
        pnl_usd,
        // The cost is above 0: a holding's quantity and cost are.
        pnl_pct: percent_of(pnl_usd, cost),
        weight_pct,
        over_usd,
        rule_pct,
    }
}

/// What the rule allows for a coin: the planned position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// At most this much, in USD.
    pub usd: Decimal,
    pub rule_pct: Decimal,
    pub size_usd: Decimal,
    /// Whether the early-stage rule applies (the coin does not trade yet).
    pub early: bool,
    /// The price the tokens are counted at, and whether it is a
    /// pre-market one; `None` with no price yet.
    pub price: Option<(Decimal, bool)>,
}

impl Plan {
    /// About how many tokens the planned amount buys at its price.
    pub fn tokens(&self) -> Option<Decimal> {
        let (price, _) = self.price?;
        self.usd.checked_div(price)
    }
}

/// `coin`'s planned position under `portfolio`: the early-stage rule at the
/// pre-market price until the coin trades, then the single-project rule at
/// its spot price.
pub fn plan(coin: &Coin, listings: &Listings, book: &Book, portfolio: &Portfolio) -> Plan {
    let status = status_of(coin, listings, book);
    let early = status < Status::Trading;
    let rule_pct = portfolio.rule_pct(status);
    let price = if early {
        book.premarket_price(coin).map(|p| (p, true))
    } else {
        spot_price(coin, listings, book).map(|p| (p, false))
    };
    Plan {
        usd: portfolio.share(rule_pct),
        rule_pct,
        size_usd: portfolio.size_usd,
        early,
        price: price.and_then(|(p, pre)| Some((money::decimal(p)?, pre))),
    }
}

/// The planned position in words: "at most $100 (1% of $10,000, early
/// stage) ≈ 164 MOVE at the pre-market $0.61"; the amount alone with no
/// price yet.
pub fn describe_plan(plan: &Plan, ticker: Option<&str>) -> String {
    let stage = if plan.early { ", early stage" } else { "" };
    let mut out = format!(
        "at most {} ({} of {}{stage})",
        money::usd(plan.usd),
        money::pct(plan.rule_pct),
        money::usd(plan.size_usd)
    );
    if let (Some(tokens), Some((price, pre))) = (plan.tokens(), plan.price) {
        let unit = ticker.map_or_else(
            || "tokens".to_string(),
            |t| crate::text::clean(t).into_owned(),
        );
        let at = if pre { "the pre-market " } else { "" };
        out.push_str(&format!(
            " ≈ {} {unit} at {at}{}",
            money::about(tokens),
            crate::text::price(money::to_f64(price))
        ));
    }
    out
}

/// The weight of a position in words: "7.2% of the portfolio: above the 5%
/// rule, $110 over", or "3.1% of the portfolio, within the 5% rule".
pub fn describe_weight(p: &Position) -> Option<String> {
    let (weight, rule) = (p.weight_pct?, p.rule_pct?);
    Some(match p.over_usd {
        Some(over) => format!(
            "{} of the portfolio: above the {} rule, {} over",
            money::pct(weight),
            money::pct(rule),
            money::usd(over)
        ),
        None => format!(
            "{} of the portfolio, within the {} rule",
            money::pct(weight),
            money::pct(rule)
        ),
    })
}

/// One line of the detail pane: its label, its text, and whether it warns
/// (a position past the rule).
pub type PaneLine = (&'static str, String, bool);

/// What the detail pane says of `coin`'s position, as labelled lines: the
/// holding valued, its profit and weight; and, with a portfolio, the
/// planned position (while the coin does not trade, or is not held).
pub fn lines(coin: &Coin, around: Around<'_>) -> Vec<PaneLine> {
    let (listings, book, portfolio) = around;
    let mut out = Vec::new();
    let unit = coin.ticker.as_deref().map_or_else(
        || "tokens".to_string(),
        |t| crate::text::clean(t).into_owned(),
    );
    let held = position(coin, listings, book, portfolio);
    if let Some(h) = coin.holding {
        let cost = format!(
            "{} ({} each)",
            money::usd(h.cost_total()),
            crate::text::price(money::to_f64(h.cost_usd))
        );
        let quantity = money::quantity(h.quantity);
        match &held {
            Some(p) => {
                out.push((
                    "Holding",
                    format!(
                        "{quantity} {unit} worth {} at {}",
                        money::usd(p.value),
                        crate::text::price(money::to_f64(p.price))
                    ),
                    false,
                ));
                out.push((
                    "P&L",
                    format!(
                        "{} ({}) on a cost of {cost}",
                        money::signed_usd(p.pnl_usd),
                        money::signed_pct(p.pnl_pct)
                    ),
                    false,
                ));
                if let Some(weight) = describe_weight(p) {
                    out.push(("Weight", weight, p.over_usd.is_some()));
                }
            }
            None => out.push((
                "Holding",
                format!("{quantity} {unit} at a cost of {cost}; no spot price to value it yet"),
                false,
            )),
        }
    }
    if let Some(portfolio) = portfolio {
        let plan = plan(coin, listings, book, portfolio);
        if plan.early || held.is_none() {
            out.push((
                "Planned",
                describe_plan(&plan, coin.ticker.as_deref()),
                false,
            ));
        }
    }
    out
}

/// The holdings' total value at their spot prices, and its share of the
/// portfolio: what the status line says. `None` when no coin is both held
/// and priced.
pub fn total(
    coins: &[Coin],
    listings: &Listings,
    book: &Book,
    portfolio: &Portfolio,
) -> Option<(Decimal, Decimal)> {
    let values: Vec<Decimal> = coins
        .iter()
        .filter_map(|c| position(c, listings, book, None))
        .map(|p| p.value)
        .collect();
    if values.is_empty() {
        return None;
    }
    let sum = values
        .into_iter()
        .fold(Decimal::ZERO, |a, v| a.saturating_add(v));
    Some((sum, portfolio.weight_pct(sum)))
}

/// A position that passed the rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Overweight {
    /// The coin's index in the `coins` checked.
    pub index: usize,
    pub market_id: String,
    pub position: Position,
    /// When the rule was armed for this crossing (Unix seconds; 0 for its
    /// first), as for a price alert.
    pub armed_since: i64,
}

/// Checks every held coin's weight at its latest CoinGecko price in
/// `listings`, at Unix time `now`: a weight past `max_position_pct` is told
/// once per crossing, and re-armed once it is back under the rule by more
/// than the price alerts' margin ([`REARM_MARGIN`] of the rule), all kept
/// in `memo` under the coin's market id so instances share it. A coin
/// without a market id or a fresh CoinGecko price is left as it is.
pub fn check_overweight(
    coins: &[Coin],
    listings: &Listings,
    portfolio: &Portfolio,
    memo: &mut Alerts,
    now: i64,
) -> Vec<Overweight> {
    let mut out = Vec::new();
    let rule = portfolio.max_position_pct;
    let rule_f = money::to_f64(rule);
    let rearm_below = rule * (Decimal::ONE - money::decimal(REARM_MARGIN).unwrap_or_default());
    for (index, coin) in coins.iter().enumerate() {
        let Some(holding) = coin.holding else {
            continue;
        };
        let Some(id) = coin.poll_id() else { continue };
        let Some(listing) = listings.get(id).filter(|l| !l.stale) else {
            continue;
        };
        let Some(price) = money::decimal(listing.price_usd) else {
            continue;
        };
        let position = value_at(&holding, price, Some(portfolio));
        let Some(weight) = position.weight_pct else {
            continue;
        };
        let held = memo
            .get(id)
            .and_then(|m| m.get(Slot::Overweight))
            .is_some_and(|m| m.holds(rule_f));
        if held {
            if weight < rearm_below
                && let Some(m) = memo
                    .entry(id.to_string())
                    .or_default()
                    .mark(Slot::Overweight)
            {
                m.rearmed_at = Some(now);
            }
        } else if weight > rule {
            let mark = memo
                .entry(id.to_string())
                .or_default()
                .mark(Slot::Overweight);
            let armed_since = mark.as_ref().map_or(0, Mark::changed_at);
            *mark = Some(Mark {
                threshold: rule_f,
                fired_at: now,
                rearmed_at: None,
            });
            out.push(Overweight {
                index,
                market_id: id.to_string(),
                position,
                armed_since,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests;
