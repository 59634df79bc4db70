//! Text made safe and readable for the screen and the command line.

use std::borrow::Cow;

/// Removes control characters (and the bidirectional marks that can
/// reorder what is drawn, and the zero-width characters that hide in a
/// name) from text that came from a file or the API, so it cannot move the
/// Text from a file or a form quoted in a message: cleaned, and cut to
/// [`EXCERPT_CHARS`] characters with an ellipsis, so a value of megabytes
/// makes a message of a line.
pub fn excerpt(s: &str) -> Cow<'_, str> {
    let cleaned = clean(s);
    match cleaned.char_indices().nth(EXCERPT_CHARS) {
        None => cleaned,
        Some((at, _)) => Cow::Owned(format!("{}…", &cleaned[..at])),
    }
}

/// The most characters of a value [`excerpt`] quotes.
pub const EXCERPT_CHARS: usize = 40;

/// cursor, change colours, corrupt the screen or pass for other text.
pub fn clean(s: &str) -> Cow<'_, str> {
    if s.chars().any(is_unsafe) {
        Cow::Owned(s.chars().filter(|&c| !is_unsafe(c)).collect())
    } else {
        Cow::Borrowed(s)
    }
}

/// Whether `c` is stripped by [`clean`].
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            // Line and paragraph separators break lines as a newline does;
            // the marks (the Arabic letter mark among them), embeddings,
            // overrides and isolates reorder text; the zero-width space,
            // joiners, word joiner and no-break space (a byte-order mark)
            // draw nothing, so two names that look the same would differ.
            '\u{2028}' | '\u{2029}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200B}'..='\u{200D}'
                | '\u{2060}'
                | '\u{FEFF}'
        )
}

/// A USD price, short at any magnitude: cents with thousands separators
/// from $1 (`$12,345.68`), four significant digits below (`$0.1234`),
/// scientific notation below $0.000001 (`$4.941e-7`), and millions and up
/// in short form (`$1.23M`), so it always fits its column.
pub fn price(p: f64) -> String {
    if !p.is_finite() {
        return "?".into();
    }
    let a = p.abs();
    if a >= 1e6 {
        return money_compact(p);
    }
    if a >= 1.0 || a == 0.0 {
        let cents = format!("{:.2}", p);
        let (int, frac) = cents.split_once('.').unwrap_or((&cents, "00"));
        return format!("${}.{}", thousands(int), frac);
    }
    if a < 1e-6 {
        return format!("${p:.3e}");
    }
    // Four significant digits, then drop zeros past the second decimal.
    let decimals = (4 - 1 - a.log10().floor() as i32).clamp(2, 12) as usize;
    let mut s = format!("{:.*}", decimals, p);
    while s.ends_with('0') && s.len() - s.find('.').unwrap_or(0) > 3 {
        s.pop();
    }
    format!("${s}")
}

/// A number for a message, never long: as Rust writes it when that takes
/// at most 12 characters (`0.61`, `-2`, `10000000000`), else to four
/// significant digits in scientific notation (`4.941e-324`, `1.000e308`):
/// a value from a file written out in full can take hundreds of digits.
pub fn number(v: f64) -> String {
    let plain = v.to_string();
    if plain.len() <= 12 {
        plain
    } else {
        format!("{v:.3e}")
    }
}

/// A coin as messages name it: "Nillion (NIL)", or the name alone when it
/// has no ticker. Not cleaned: callers clean what they show.
pub fn with_ticker(name: &str, ticker: Option<&str>) -> String {
    match ticker.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => format!("{} ({t})", name.trim()),
        None => name.trim().to_string(),
    }
}

/// An integer with commas between thousands: 10000 → "10,000", and the
/// integer part of a price.
pub fn thousands(n: impl std::fmt::Display) -> String {
    let int = n.to_string();
    let (sign, digits) = int
        .strip_prefix('-')
        .map_or(("", int.as_str()), |d| ("-", d));
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{sign}{out}")
}

/// Whole dollars with thousands separators: `$2,300`, `$10,000`; `?` for
/// an amount that is not a finite one.
pub fn dollars(v: f64) -> String {
    if !v.is_finite() || v.abs() >= 1e18 {
        return "?".into();
    }
    let sign = if v < 0.0 { "-" } else { "" };
    format!("{sign}${}", thousands(v.abs().round() as u64))
}

/// A large USD amount, short: `$950`, `$120.0K`, `$1.2M`, `$3.45B`.
pub fn money_compact(v: f64) -> String {
    if !v.is_finite() {
        return "?".into();
    }
    let (div, unit) = match v.abs() {
        a if a >= 1e15 => return format!("${v:.2e}"),
        a if a >= 1e12 => (1e12, "T"),
        a if a >= 1e9 => (1e9, "B"),
        a if a >= 1e6 => (1e6, "M"),
        a if a >= 1e3 => (1e3, "K"),
        _ => return format!("${v:.0}"),
    };
    let n = v / div;
    if n.abs() >= 100.0 {
        format!("${n:.0}{unit}")
    } else if n.abs() >= 10.0 {
        format!("${n:.1}{unit}")
    } else {
        format!("${n:.2}{unit}")
    }
}

/// A 24-hour change in percent, signed: `+3.20%`, `-2.00%`.
pub fn change(c: f64) -> String {
    format!("{:+.2}%", c)
}

/// The move since the listing in percent, signed, to two significant
/// digits or more: `+21%`, `-8.3%`, `+0.42%`.
pub fn since_listing(pct: f64) -> String {
    // Adding zero turns -0.0 into 0.0, which prints with a plus.
    let pct = pct + 0.0;
    match pct.abs() {
        a if a >= 9.95 => format!("{pct:+.0}%"),
        a if a >= 0.995 => format!("{pct:+.1}%"),
        _ => format!("{pct:+.2}%"),
    }
}

/// A Unix time as an RFC 3339 UTC timestamp; none for a time past what
/// RFC 3339 can write (years 1 to 9999 are; see jiff's range), so a field
/// documented as RFC 3339 or null never holds anything else.
pub fn rfc3339(unix: i64) -> Option<String> {
    jiff::Timestamp::from_second(unix)
        .ok()
        .map(|t| t.to_string())
}

/// A Unix time as a UTC date, for the table: `2025-03-24`.
pub fn date(unix: i64) -> String {
    match jiff::Timestamp::from_second(unix) {
        Ok(t) => t.strftime("%Y-%m-%d").to_string(),
        Err(_) => "?".into(),
    }
}

/// A Unix time as UTC date and minute, for the detail pane.
pub fn date_time(unix: i64) -> String {
    match jiff::Timestamp::from_second(unix) {
        Ok(t) => t.strftime("%Y-%m-%d %H:%M UTC").to_string(),
        Err(_) => "?".into(),
    }
}

/// A wait or an age, short: `43 s`, `2 m`, `3 h`, `2 d`.
pub fn duration(d: std::time::Duration) -> String {
    let s = d.as_secs_f64().ceil() as u64;
    match s {
        0..120 => format!("{s} s"),
        120..6000 => format!("{} m", (s + 30) / 60),
        6000..172_800 => format!("{} h", s / 3600),
        _ => format!("{} d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_are_whole_with_separators_and_never_absurd() {
        assert_eq!(dollars(2300.4), "$2,300");
        assert_eq!(dollars(10_000.0), "$10,000");
        assert_eq!(dollars(0.0), "$0");
        assert_eq!(dollars(-5.0), "-$5");
        assert_eq!(dollars(f64::NAN), "?");
        assert_eq!(dollars(1e308), "?");
    }

    #[test]
    fn clean_strips_escapes_and_controls() {
        assert_eq!(clean("Ten\x1b[2J\r\nX\u{7}\u{202E}"), "Ten[2JX");
        assert_eq!(
            clean("a\u{2028}b\u{2029}c\u{200E}d\u{200F}e\u{2066}f\u{2069}g\u{9b}h"),
            "abcdefgh"
        );
        assert!(matches!(clean("plain — text ▲"), Cow::Borrowed(_)));
    }

    /// One test per invisible character: each hides in a name as well as
    /// a bidi mark does (U+061C is one; the zero-width ones and U+FEFF
    /// join or split words unseen).
    macro_rules! invisible {
        ($($name:ident: $c:literal,)*) => {$(
            #[test]
            fn $name() {
                let hidden = format!("Nil{}lion", $c);
                assert!(is_unsafe($c));
                assert_eq!(clean(&hidden), "Nillion");
            }
        )*};
    }

    invisible! {
        clean_strips_the_arabic_letter_mark: '\u{061C}',
        clean_strips_the_zero_width_space: '\u{200B}',
        clean_strips_the_zero_width_non_joiner: '\u{200C}',
        clean_strips_the_zero_width_joiner: '\u{200D}',
        clean_strips_the_word_joiner: '\u{2060}',
        clean_strips_the_zero_width_no_break_space: '\u{FEFF}',
    }

    #[test]
    fn numbers_in_messages_are_short() {
        assert_eq!(number(0.61), "0.61");
        assert_eq!(number(-2.0), "-2");
        assert_eq!(number(1e10), "10000000000");
        assert_eq!(number(5e-324), "4.941e-324");
        assert_eq!(number(1e308), "1.000e308");
        assert_eq!(number(0.1 + 0.2), "3.000e-1");
    }

    #[test]
    fn prices() {
        assert_eq!(price(0.61), "$0.61");
        assert_eq!(price(0.1234), "$0.1234");
        assert_eq!(price(0.000012346), "$0.00001235");
        assert_eq!(price(12345.678), "$12,345.68");
        assert_eq!(price(1.5), "$1.50");
        assert_eq!(price(0.0), "$0.00");
        assert_eq!(price(f64::NAN), "?");
        // Any magnitude fits a column, and nothing positive reads as zero.
        assert_eq!(price(4.941e-7), "$4.941e-7");
        assert_eq!(price(5e-324), "$4.941e-324");
        assert_eq!(price(999_999.99), "$999,999.99");
        assert_eq!(price(1_234_567.0), "$1.23M");
        assert_eq!(price(1e308), "$1.00e308");
        for p in [
            1e308, 5e-324, 1e-7, 0.000001, 0.5, 1e5, 1e9, 1e12, 1e15, 1e20,
        ] {
            let s = price(p);
            assert!(s.chars().count() <= 12, "{p}: {s}");
            assert_ne!(s, "$0.00", "{p}");
        }
    }

    #[test]
    fn compact_amounts() {
        assert_eq!(money_compact(950.0), "$950");
        assert_eq!(money_compact(1.2e8), "$120M");
        assert_eq!(money_compact(4.56e7), "$45.6M");
        assert_eq!(money_compact(3.456e9), "$3.46B");
        assert_eq!(money_compact(12_345.0), "$12.3K");
    }

    #[test]
    fn changes_and_times() {
        assert_eq!(change(3.2), "+3.20%");
        assert_eq!(change(-2.0), "-2.00%");
        assert_eq!(since_listing(21.0), "+21%");
        assert_eq!(since_listing(-8.3), "-8.3%");
        assert_eq!(since_listing(0.42), "+0.42%");
        assert_eq!(since_listing(-0.0), "+0.00%");
        assert_eq!(since_listing(9.96), "+10%", "rounds into the next width");
        assert_eq!(since_listing(1234.5), "+1234%");
        assert_eq!(
            rfc3339(1_711_356_300).as_deref(),
            Some("2024-03-25T08:45:00Z")
        );
        assert_eq!(rfc3339(1_000_000_000_000_000), None);
        assert_eq!(date(1_711_356_300), "2024-03-25");
        assert_eq!(date_time(1_711_356_300), "2024-03-25 08:45 UTC");
        let d = std::time::Duration::from_secs;
        assert_eq!(duration(d(43)), "43 s");
        assert_eq!(duration(std::time::Duration::from_millis(42_100)), "43 s");
        assert_eq!(duration(d(119)), "119 s");
        assert_eq!(duration(d(120)), "2 m");
        assert_eq!(duration(d(121)), "2 m");
        assert_eq!(duration(d(150)), "3 m");
        assert_eq!(duration(d(900)), "15 m");
        assert_eq!(duration(d(3 * 3600 + 5)), "3 h");
        assert_eq!(duration(d(5 * 86_400)), "5 d");
    }

    #[test]
    fn an_excerpt_is_clean_and_short() {
        assert_eq!(excerpt("lots"), "lots");
        let long = "x".repeat(10_000);
        let e = excerpt(&long);
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
        assert!(e.ends_with('…'));
        assert_eq!(excerpt("a\u{1b}[31mb"), clean("a\u{1b}[31mb"));
    }
}
