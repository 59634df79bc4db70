//! `[portfolio]`: the whole portfolio in USD and the rules that size a
//! position in it (see `crate::position`).

use serde::Deserialize;
use toml::Spanned;

use super::error::Bad;
use super::toml_value::{Number, what};
use crate::money::{self, Decimal};
use crate::position::MAX_SIZE_USD;

what! {
    AUsdAmount = "a number of US dollars";
    APercent = "a number of percent";
}

/// `[portfolio]` as serde reads it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a section")]
pub(super) struct RawPortfolio {
    size_usd: Option<Spanned<Number<AUsdAmount>>>,
    max_position_pct: Option<Spanned<Number<APercent>>>,
    early_stage_pct: Option<Spanned<Number<APercent>>>,
}

/// What `[portfolio]` sets, checked; `None` where it is silent. Where both
/// rules are set, the early-stage one is at most the other.
#[derive(Debug, Default)]
pub(super) struct PortfolioFile {
    pub(super) size_usd: Option<Decimal>,
    pub(super) max_position_pct: Option<Decimal>,
    pub(super) early_stage_pct: Option<Decimal>,
}

/// A size in USD: above 0 and at most [`MAX_SIZE_USD`].
fn size(n: Number<AUsdAmount>) -> Result<Decimal, String> {
    let v = n.0;
    Some(v)
        .filter(|&v| v > 0.0 && v <= MAX_SIZE_USD)
        .and_then(money::decimal)
        .ok_or_else(|| {
            format!(
                "{} is not a portfolio size (above 0, at most {MAX_SIZE_USD:e} USD)",
                crate::text::number(v)
            )
        })
}

/// A rule in percent: above 0 and at most 100.
fn percent(n: Number<APercent>) -> Result<Decimal, String> {
    let v = n.0;
    Some(v)
        .filter(|&v| v > 0.0 && v <= 100.0)
        // A share too small for a decimal (1e-30) is none: not above 0.
        .and_then(money::decimal)
        .ok_or_else(|| {
            format!(
                "{} is not a share of the portfolio (above 0, at most 100 percent)",
                crate::text::number(v)
            )
        })
}

impl TryFrom<RawPortfolio> for PortfolioFile {
    type Error = Bad;

    fn try_from(raw: RawPortfolio) -> Result<PortfolioFile, Bad> {
        let early_span = raw.early_stage_pct.as_ref().map(Spanned::span);
        let file = PortfolioFile {
            size_usd: Bad::check(raw.size_usd, "size_usd", size)?,
            max_position_pct: Bad::check(raw.max_position_pct, "max_position_pct", percent)?,
            early_stage_pct: Bad::check(raw.early_stage_pct, "early_stage_pct", percent)?,
        };
        let max = file
            .max_position_pct
            .unwrap_or(Decimal::from(crate::position::DEFAULT_MAX_POSITION_PCT));
        if let (Some(early), Some(span)) = (file.early_stage_pct, early_span)
            && early > max
        {
            return Err(Bad::new(
                "early_stage_pct",
                span,
                format!(
                    "{early} is above max_position_pct ({max}): the early-stage rule is at most \
                     the rule for any project"
                ),
            ));
        }
        Ok(file)
    }
}
