//! Money and token amounts as exact decimals, and how they are written.
//!
//! A holding's cost and every figure made from it (its value, profit,
//! weight, the planned size) is a [`Decimal`], not an `f64`: a user checks
//! them by hand, and $0.1 × 3 must come out as $0.30, not
//! $0.30000000000000004. Numbers that come in as `f64` (JSON, TOML, an
//! API's price) become decimals through their shortest representation,
//! which is the number the user or the API wrote.

pub use rust_decimal::Decimal;
use rust_decimal::RoundingStrategy;

use crate::text::thousands;

/// `v` as a decimal, digit for digit as Rust writes it (the shortest form
/// that reads back as `v`): 0.1 is 0.1, not 0.1000000000000000055…; `None`
/// for a number that is not finite or has more digits than a decimal
/// holds (beyond 1e28, or below 1e-28).
pub fn decimal(v: f64) -> Option<Decimal> {
    if !v.is_finite() {
        return None;
    }
    // Rust writes an f64 without an exponent, so this is plain digits.
    let d: Decimal = v.to_string().parse().ok()?;
    // A value below what a decimal holds reads as zero: it is not this one.
    (d.is_zero() == (v == 0.0)).then_some(d)
}

/// `d` as the nearest `f64`, for JSON: 0.3 is written 0.3.
pub fn to_f64(d: Decimal) -> f64 {
    d.normalize().to_string().parse().unwrap_or(f64::NAN)
}

/// Rounded to `places` decimals, half away from zero (as people round).
fn round(d: Decimal, places: u32) -> Decimal {
    d.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero)
}

/// Digits with commas between thousands in the whole part: `1,234.5`.
fn grouped(d: Decimal) -> String {
    let s = d.abs().normalize().to_string();
    let (int, frac) = s
        .split_once('.')
        .map_or((s.as_str(), None), |(i, f)| (i, Some(f)));
    let int = thousands(int);
    match frac {
        Some(f) => format!("{int}.{f}"),
        None => int,
    }
}

/// A USD amount to the cent: `$687.50`, `$0.30`, `$12,345.68`; whole
/// dollars without cents (`$100`, `$10,000`); a non-zero amount under half
/// a cent is `<$0.01` rather than a misleading `$0`.
pub fn usd(d: Decimal) -> String {
    let sign = if d.is_sign_negative() && !d.is_zero() {
        "-"
    } else {
        ""
    };
    let cents = round(d.abs(), 2);
    if cents.is_zero() && !d.is_zero() {
        return format!("{sign}<$0.01");
    }
    let whole = cents.fract().is_zero();
    let digits = if whole {
        grouped(cents.trunc())
    } else {
        let s = format!("{cents:.2}");
        let (int, frac) = s.split_once('.').unwrap_or((&s, "00"));
        format!("{}.{frac}", thousands(int))
    };
    format!("{sign}${digits}")
}

/// A USD amount with its sign always written: `+$112.50`, `-$3.20`, `$0`.
pub fn signed_usd(d: Decimal) -> String {
    let s = usd(d);
    if s.starts_with('-') || s == "$0" {
        s
    } else {
        format!("+{s}")
    }
}

/// An exact number of tokens, with thousands separators and no trailing
/// zeros: `1,250`, `0.5`, `12,345.678`.
pub fn quantity(d: Decimal) -> String {
    let sign = if d.is_sign_negative() { "-" } else { "" };
    format!("{sign}{}", grouped(d))
}

/// About `d` tokens, as a plan says it: whole from 100 (`164`), two
/// decimals from 1 (`12.5`), four significant digits below (`0.0123`).
pub fn about(d: Decimal) -> String {
    let a = d.abs();
    let places = if a >= Decimal::ONE_HUNDRED {
        0
    } else if a >= Decimal::ONE {
        2
    } else {
        // Four significant digits: the zeros after the point, plus four.
        let digits = a.normalize().to_string();
        let zeros = digits
            .trim_start_matches("0.")
            .chars()
            .take_while(|&c| c == '0')
            .count() as u32;
        (zeros + 4).min(28)
    };
    quantity(round(d, places))
}

/// A percentage to one decimal, without a trailing `.0` where whole rules
/// are written (`5%`, `7.2%`, `0.5%`).
pub fn pct(d: Decimal) -> String {
    format!("{}%", grouped(round(d, 1)))
}

/// A percentage with its sign: `+16.4%`, `-3.1%`, `0%`.
pub fn signed_pct(d: Decimal) -> String {
    let r = round(d, 1);
    if r.is_zero() {
        "0%".into()
    } else if r.is_sign_negative() {
        format!("-{}", pct(r.abs()))
    } else {
        format!("+{}", pct(r))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn floats_become_the_decimals_they_were_written_as() {
        assert_eq!(decimal(0.1), Some(d("0.1")));
        assert_eq!(decimal(0.55), Some(d("0.55")));
        assert_eq!(decimal(1250.0), Some(d("1250")));
        assert_eq!(decimal(1e-12), Some(d("0.000000000001")));
        assert_eq!(decimal(1e18), Some(d("1000000000000000000")));
        assert_eq!(decimal(0.0), Some(Decimal::ZERO));
        for bad in [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1e308,
            5e-324,
            1e-40,
        ] {
            assert_eq!(decimal(bad), None, "{bad}");
        }
        assert_eq!(to_f64(d("0.3")), 0.3);
        assert_eq!(to_f64(d("0.30")).to_string(), "0.3");
    }

    #[test]
    fn a_tenth_times_three_is_thirty_cents() {
        let cost = decimal(0.1).unwrap() * decimal(3.0).unwrap();
        assert_eq!(usd(cost), "$0.30");
        assert_eq!(to_f64(cost).to_string(), "0.3");
        assert_ne!(0.1 * 3.0, 0.3, "what floats would have said");
    }

    #[test]
    fn amounts_are_written_to_the_cent() {
        assert_eq!(usd(d("100")), "$100");
        assert_eq!(usd(d("10000")), "$10,000");
        assert_eq!(usd(d("687.5")), "$687.50");
        assert_eq!(usd(d("12345.678")), "$12,345.68");
        assert_eq!(usd(d("0.005")), "$0.01", "half a cent rounds up");
        assert_eq!(usd(d("0.004")), "<$0.01");
        assert_eq!(usd(d("-3.2")), "-$3.20");
        assert_eq!(usd(Decimal::ZERO), "$0");
        assert_eq!(usd(d("1000000000000")), "$1,000,000,000,000");
        assert_eq!(signed_usd(d("112.5")), "+$112.50");
        assert_eq!(signed_usd(d("-3.2")), "-$3.20");
        assert_eq!(signed_usd(Decimal::ZERO), "$0");
    }

    #[test]
    fn quantities_and_percentages() {
        assert_eq!(quantity(d("1250")), "1,250");
        assert_eq!(quantity(d("0.50")), "0.5");
        assert_eq!(quantity(d("12345.678")), "12,345.678");
        assert_eq!(about(d("163.934426")), "164");
        assert_eq!(about(d("12.3456")), "12.35");
        assert_eq!(about(d("0.012345")), "0.01235");
        assert_eq!(about(d("0.5")), "0.5");
        assert_eq!(pct(d("5")), "5%");
        assert_eq!(pct(d("7.25")), "7.3%");
        assert_eq!(pct(d("0.5")), "0.5%");
        assert_eq!(pct(d("7.0")), "7%");
        assert_eq!(signed_pct(d("16.36")), "+16.4%");
        assert_eq!(signed_pct(d("-3.14")), "-3.1%");
        assert_eq!(signed_pct(d("0.01")), "0%");
    }
}
