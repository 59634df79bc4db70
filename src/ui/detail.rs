//! The detail pane: every field of the selected coin, wrapped and scrollable.

use ratatui::Frame;
use ratatui::layout::{Margin, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Scrollbar, ScrollbarOrientation, ScrollbarState};

use super::theme::Palette;
use crate::alert::AlertMemo;
use crate::app::{App, Focus, Mode, Viewport};
use crate::book::{Book, BookStatus, Standing, countdown};
use crate::keymap::Action;
use crate::listing::{Listing, PricePoint, evenly_in_time, listing_of};
use crate::model::Coin;
use crate::text::{self, clean};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Palette, vp: &mut Viewport) {
    let focused = app.focus == Focus::Detail || app.detail_full;
    let coin = app.selected_coin();
    let title = match coin {
        Some(c) => format!(" {} ", clean(&c.name)),
        None => " Detail ".to_string(),
    };
    let key = |action| app.keymap.label(Mode::Normal, &action);
    let hint = if app.detail_full {
        format!(
            " {}/{}: back ",
            key(Action::ToggleFullDetail),
            key(Action::Back)
        )
    } else {
        format!(" {}: full screen ", key(Action::ToggleFullDetail))
    };
    let block = Block::bordered()
        .title(Span::styled(title, theme.title()))
        .title_bottom(Line::from(hint).right_aligned())
        .border_style(theme.border(focused));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    vp.detail = inner;
    if inner.width < 2 || inner.height == 0 {
        return;
    }
    // Leave a column for the scrollbar.
    let text_width = inner.width - 1;
    let lines = match coin {
        Some(c) => detail_lines(
            c,
            (listing_of(c, &app.watcher.listings), &app.watcher.book),
            (
                c.poll_id().and_then(|id| app.watcher.alerts.get(id)),
                crate::position::lines(c, app.watcher.around()),
            ),
            text_width,
            app.watcher.now_wall,
            theme,
            &key(Action::ConfirmListing),
        ),
        None => vec![Line::styled("No coin selected.", theme.dim())],
    };
    vp.detail_lines = lines.len();
    let max_scroll = lines.len().saturating_sub(usize::from(inner.height));
    let scroll = app.detail_scroll.min(max_scroll);
    let shown: Vec<Line> = lines.into_iter().skip(scroll).collect();
    frame.render_widget(
        Paragraph::new(shown),
        Rect {
            width: text_width,
            ..inner
        },
    );
    if max_scroll > 0 {
        let mut state = ScrollbarState::new(max_scroll).position(scroll);
        frame.render_stateful_widget(
            Scrollbar::new(ScrollbarOrientation::VerticalRight),
            area.inner(Margin {
                horizontal: 0,
                vertical: 1,
            }),
            &mut state,
        );
    }
}

/// The detail text of a coin, wrapped to `width` columns; its line count is
/// the scroll limit the app keeps.
fn detail_lines(
    coin: &Coin,
    (listing, book): (Option<&Listing>, &Book),
    (alerts, position): (Option<&AlertMemo>, Vec<crate::position::PaneLine>),
    width: u16,
    now: i64,
    theme: &Palette,
    confirm_key: &str,
) -> Vec<Line<'static>> {
    let width = usize::from(width.max(10));
    let mut out: Vec<Line<'static>> = Vec::new();

    let heading = text::with_ticker(&coin.name, coin.ticker.as_deref());
    out.push(Line::styled(clean(&heading).into_owned(), theme.title()));

    let score = match coin.score {
        Some(s) => format!("{} score {}%", s.kind.as_str(), s.value),
        None => "no score given".into(),
    };
    let facts = format!(
        "#{} in the list · {} · {} · airdrop {}",
        coin.rank,
        or_dash(&coin.category),
        score,
        coin.airdrop.map_or("not known", |a| a.as_str())
    );
    push_wrapped(&mut out, &facts, width, Style::new());

    let status = match (listing, &coin.market_id) {
        (Some(l), _) => {
            // The prices are on the next line, with the move since.
            let mut s = format!("trading since {}", text::date_time(l.listed_at));
            if let Some(c) = l.change_24h {
                s.push_str(&format!(" ({} 24h)", text::change(c)));
            }
            if let Some(cap) = l.market_cap.filter(|c| *c > 0.0) {
                s.push_str(&format!("; market cap {}", text::money_compact(cap)));
            }
            if l.stale {
                let age =
                    std::time::Duration::from_secs(now.saturating_sub(l.updated_at).max(0) as u64);
                s.push_str(&format!(
                    "; stale: the API stopped pricing it, last price from {} ({} ago)",
                    text::date_time(l.updated_at),
                    text::duration(age)
                ));
            }
            s
        }
        (None, _) if book.status(coin) == BookStatus::Trading => {
            let mut on: Vec<String> = book
                .trading_on(coin)
                .iter()
                .map(|e| e.name().to_string())
                .collect();
            on.extend(book.dex.listing(coin).map(|l| clean(&l.pair).into_owned()));
            format!("trading on {} (not priced by CoinGecko yet)", on.join("·"))
        }
        (None, _) if let Some(p) = book.premarket_price(coin) => {
            let mut s = format!("premarket: {} before its listing", text::price(p));
            if let BookStatus::Scheduled(at) = book.status(coin) {
                s.push_str(&format!(
                    "; opens {} ({})",
                    text::date_time(at),
                    countdown(at - now)
                ));
            }
            s
        }
        (None, _) if let BookStatus::Scheduled(at) = book.status(coin) => format!(
            "scheduled: opens {} ({})",
            text::date_time(at),
            countdown(at - now)
        ),
        (None, Some(_)) => "upcoming: not seen trading yet".into(),
        (None, None) => "upcoming: no market id, so it is not polled".into(),
    };
    field(&mut out, "Status", &status, width, theme);
    if let Some(l) = listing {
        let pct = l.since_listing_pct();
        out.push(Line::from(vec![
            Span::raw(format!(
                "listed at {} · now {} · ",
                text::price(l.first_price),
                text::price(l.price_usd)
            )),
            Span::styled(
                pct.map_or("—".into(), text::since_listing),
                theme.change(pct),
            ),
        ]));
        if let Some(spark) = sparkline(&l.history, width) {
            out.push(Line::styled(spark, theme.change(pct)));
        }
    }
    // How the listing went against the last pre-market price, on
    // CoinGecko or a DEX.
    if let Some((pct, mark)) = crate::listing::listed_vs_premarket(coin, listing, book)
        && let Some((_, first)) = crate::listing::first_spot(coin, listing, book)
    {
        let side = if pct >= 0.0 { "above" } else { "below" };
        out.push(Line::from(format!(
            "listed at {}, {:.0}% {side} its last pre-market price ({})",
            text::price(first),
            pct.abs(),
            text::price(mark)
        )));
    }
    if let Some(line) = premarket_line(coin, book, now, confirm_key) {
        field(&mut out, "Pre-market", &line, width, theme);
    }
    // The valuation the pre-market price implies, while there is one.
    let premarket = if listing.is_none() {
        book.premarket_price(coin)
    } else {
        None
    };
    if let (Some(fdv), Some(supply)) = (
        crate::premarket::implied_fdv(premarket, coin.total_supply),
        coin.total_supply,
    ) {
        let tokens = text::thousands(supply.round() as u64);
        let line = format!("≈ {} at {tokens} tokens", text::money_compact(fdv));
        field(&mut out, "FDV", &line, width, theme);
    }
    if let Some(line) = dex_line(coin, book, now) {
        field(&mut out, "DEX", &line, width, theme);
    }
    for (label, view) in exchange_lines(coin, book, now, confirm_key) {
        field(&mut out, &label, &view, width, theme);
    }
    field(
        &mut out,
        "Market id",
        coin.market_id.as_deref().unwrap_or("none"),
        width,
        theme,
    );
    if !coin.contracts.is_empty() {
        let list: Vec<String> = coin
            .contracts
            .iter()
            .map(|k| format!("{} {}", k.chain.key(), k.address))
            .collect();
        field(&mut out, "Contracts", &list.join(", "), width, theme);
    }
    if let Some(alerts) = crate::alert::describe(coin, alerts) {
        field(&mut out, "Alerts", &alerts, width, theme);
    }
    for (label, line, warns) in position {
        let style = if warns { theme.down() } else { Style::new() };
        styled_field(&mut out, label, &line, width, theme, style);
    }
    if !coin.other_names.is_empty() {
        field(
            &mut out,
            "Also known as",
            &coin.other_names.join(", "),
            width,
            theme,
        );
    }
    if let Some(launch) = &coin.launch {
        field(&mut out, "Launch", launch, width, theme);
    }
    section(&mut out, "What it is", &coin.summary, width, theme);
    section(
        &mut out,
        "Why it is on the list",
        &coin.thesis,
        width,
        theme,
    );
    out.push(Line::default());
    field(
        &mut out,
        "Narratives",
        &list(&coin.narratives),
        width,
        theme,
    );
    field(
        &mut out,
        "Competitors",
        &list(&coin.competitors),
        width,
        theme,
    );
    field(
        &mut out,
        "Backers & team",
        &list(&coin.backers),
        width,
        theme,
    );
    field(
        &mut out,
        "Vibes",
        coin.vibes.as_deref().unwrap_or("—"),
        width,
        theme,
    );
    if !coin.notes.trim().is_empty() {
        section(&mut out, "Notes", &coin.notes, width, theme);
    }
    out
}

/// Each pre-market venue's price of the coin, in one line: "$0.61 on
/// Hyperliquid (MOVE perp, 2 m ago), $0.63 on Bybit (MOVEUSDT, continuous
/// trading, 1 m ago)"; none when no venue lists its ticker.
fn premarket_line(coin: &Coin, book: &Book, now: i64, confirm_key: &str) -> Option<String> {
    let quotes = book.premarket_quotes(coin);
    if quotes.is_empty() {
        return None;
    }
    let parts: Vec<String> = quotes
        .iter()
        .map(|q| {
            let price = q.price_usd.map_or("no price".into(), text::price);
            let mut about = vec![clean(&q.instrument).into_owned()];
            if let Some(phase) = &q.phase {
                about.push(phase_words(phase));
            }
            let age = now.saturating_sub(q.last_seen).max(0).unsigned_abs();
            about.push(format!(
                "{} ago",
                text::duration(std::time::Duration::from_secs(age))
            ));
            if q.ambiguous {
                about.push(format!(
                    "may be another coin · {confirm_key}: confirm it is this one"
                ));
            }
            format!("{price} on {} ({})", q.venue.name(), about.join(", "))
        })
        .collect();
    Some(parts.join("; "))
}

/// What the DEX looks saw of each of the coin's tokens, in one line: its
/// listing and deepest pool now, a pool below the threshold, or no pool
/// yet; none before the first look at one of them.
fn dex_line(coin: &Coin, book: &Book, now: i64) -> Option<String> {
    let tokens = book.dex.tokens_of(coin);
    if tokens.is_empty() {
        return None;
    }
    let parts: Vec<String> = tokens
        .iter()
        .map(|t| {
            let chain = t.chain.key();
            let ago = text::duration(std::time::Duration::from_secs(
                now.saturating_sub(t.token.last_seen).max(0).unsigned_abs(),
            ));
            let money = |v: Option<f64>| v.map_or("an unknown".into(), text::money_compact);
            match (&t.token.listing, &t.token.pool) {
                (Some(l), pool) => {
                    let mut s = format!("{} since {}", clean(&l.pair), text::date_time(l.at));
                    if let Some(p) = pool {
                        let price = p.price_usd.map_or("no price".into(), text::price);
                        let depth = money(p.liquidity_usd);
                        let pair = p.pair(chain);
                        if pair == l.pair {
                            s.push_str(&format!("; now {price}, {depth} liquidity ({ago} ago)"));
                        } else {
                            s.push_str(&format!(
                                "; now {price} in its deepest pool ({}, {depth} liquidity, \
                                 {ago} ago)",
                                clean(&pair)
                            ));
                        }
                    }
                    s
                }
                (None, Some(p)) => format!(
                    "a {} pool on {}: below the {} threshold ({}, {ago} ago)",
                    p.liquidity_usd.map_or("?".into(), text::dollars),
                    clean(&p.dex),
                    text::dollars(t.token.min_liquidity_usd),
                    clean(&p.pair(chain))
                ),
                (None, None) => format!("no pool on {chain} yet (looked {ago} ago)"),
            }
        })
        .collect();
    Some(parts.join("; "))
}

/// A venue's phase in words: `ContinuousTrading` → "continuous trading".
fn phase_words(phase: &str) -> String {
    let mut out = String::new();
    for (i, c) in clean(phase).chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push(' ');
        }
        out.extend(c.to_lowercase());
    }
    out.replace('_', " ")
}

/// Each watched exchange's view of the coin, as "label: text" lines, with
/// the time of the exchange's last look.
fn exchange_lines(coin: &Coin, book: &Book, now: i64, confirm_key: &str) -> Vec<(String, String)> {
    if book.exchanges.is_empty() {
        return Vec::new();
    }
    if coin.ticker.as_deref().is_none_or(|t| t.trim().is_empty()) {
        return vec![(
            "Exchanges".into(),
            "no ticker, so it is not matched on any exchange".into(),
        )];
    }
    book.views(coin)
        .into_iter()
        .map(|v| {
            let on = v.exchange.name();
            let what = match &v.asset {
                None => "not listed".to_string(),
                Some(a) if a.ambiguous => format!(
                    "ticker already on {on} (may be another coin) · {confirm_key}: confirm it is this one"
                ),
                Some(a) => match &a.standing {
                    Standing::Trading(pair) => match (a.listed_at, a.listed_after) {
                        (Some(at), Some(after)) => format!(
                            "{pair} trading, listed between {} and {}",
                            text::date_time(after),
                            text::date_time(at)
                        ),
                        (at, _) => format!(
                            "{pair} trading since {}",
                            text::date_time(at.unwrap_or(a.first_seen))
                        ),
                    },
                    Standing::Scheduled { pair, opens_at } => format!(
                        "opens on {on} {} ({}) · {pair}",
                        text::date_time(*opens_at),
                        countdown(opens_at - now)
                    ),
                    Standing::Closed => format!("{} listed, not trading", a.base),
                },
            };
            (
                on.to_string(),
                format!("{what} (looked {})", text::date_time(v.last_look)),
            )
        })
        .collect()
}

/// Heights of a sparkline's bars, lowest first.
const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The recorded prices as a line of bars at most `width` wide, from the
/// listing on the left to the latest price on the right: one bar a point
/// while they fit, else points picked evenly in time. Bars are scaled from
/// the lowest shown price to the highest; a flat history is a row of
/// half-height bars. Nothing for fewer than two points.
fn sparkline(history: &[PricePoint], width: usize) -> Option<String> {
    if history.len() < 2 || width < 2 {
        return None;
    }
    let shown = evenly_in_time(history, width);
    let (low, high) = shown.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| {
        (lo.min(p.price), hi.max(p.price))
    });
    let top = (BARS.len() - 1) as f64;
    Some(
        shown
            .iter()
            .map(|p| {
                let level = if high > low {
                    ((p.price - low) / (high - low) * top).round() as usize
                } else {
                    BARS.len() / 2 - 1
                };
                BARS[level.min(BARS.len() - 1)]
            })
            .collect(),
    )
}

fn or_dash(s: &str) -> &str {
    if s.trim().is_empty() { "—" } else { s }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "—".into()
    } else {
        items.join(", ")
    }
}

/// "Label: value", wrapped, with the label styled.
fn field(out: &mut Vec<Line<'static>>, label: &str, value: &str, width: usize, theme: &Palette) {
    styled_field(out, label, value, width, theme, Style::new());
}

/// [`field`] with the value in `style`.
fn styled_field(
    out: &mut Vec<Line<'static>>,
    label: &str,
    value: &str,
    width: usize,
    theme: &Palette,
    style: Style,
) {
    let text = format!("{label}: {}", clean(value));
    let wrapped = textwrap::wrap(&text, width);
    for (i, line) in wrapped.into_iter().enumerate() {
        let line = line.into_owned();
        if i == 0 && line.len() > label.len() {
            let (l, rest) = line.split_at(label.len() + 1);
            out.push(Line::from(vec![
                Span::styled(l.to_string(), theme.label()),
                Span::styled(rest.to_string(), style),
            ]));
        } else {
            out.push(Line::styled(line, style));
        }
    }
}

/// A heading line and a wrapped paragraph under it, after a blank line.
fn section(out: &mut Vec<Line<'static>>, heading: &str, body: &str, width: usize, theme: &Palette) {
    if body.trim().is_empty() {
        return;
    }
    out.push(Line::default());
    out.push(Line::styled(heading.to_string(), theme.label()));
    push_wrapped(out, body, width, Style::new());
}

fn push_wrapped(out: &mut Vec<Line<'static>>, text: &str, width: usize, style: Style) {
    for line in textwrap::wrap(&clean(text), width) {
        out.push(Line::styled(line.into_owned(), style));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(prices: &[f64]) -> Vec<PricePoint> {
        prices
            .iter()
            .enumerate()
            .map(|(i, &p)| PricePoint::from((i as i64 * 60, p)))
            .collect()
    }

    #[test]
    fn a_sparkline_scales_from_the_lowest_shown_price_to_the_highest() {
        assert_eq!(sparkline(&history(&[0.61; 5]), 40).unwrap(), "▄▄▄▄▄");
        let rising: Vec<f64> = (0..8).map(|i| 0.5 + i as f64 * 0.1).collect();
        assert_eq!(sparkline(&history(&rising), 40).unwrap(), "▁▂▃▄▅▆▇█");
        assert_eq!(sparkline(&history(&[3.0, 1.0, 2.0]), 40).unwrap(), "█▁▅");
        assert_eq!(sparkline(&history(&[1.0]), 40), None, "one point");
        assert_eq!(sparkline(&[], 40), None);
    }

    #[test]
    fn a_long_history_is_resampled_to_the_width_with_both_ends() {
        let rising: Vec<f64> = (0..500).map(|i| 1.0 + f64::from(i)).collect();
        let line = sparkline(&history(&rising), 30).unwrap();
        assert_eq!(line.chars().count(), 30);
        assert!(line.starts_with('▁') && line.ends_with('█'), "{line}");
        let levels: Vec<usize> = line
            .chars()
            .map(|c| BARS.iter().position(|&b| b == c).unwrap())
            .collect();
        assert!(
            levels.windows(2).all(|w| w[0] <= w[1]),
            "still rising: {line}"
        );
    }

    fn text_of(lines: &[Line<'static>]) -> String {
        lines
            .iter()
            .map(|l| {
                l.spans
                    .iter()
                    .map(|s| s.content.as_ref())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn a_premarket_coin_shows_each_venue_and_its_implied_valuation() {
        use crate::premarket::{Offer, Venue, apply_venue_look};
        let mut coin = crate::model::Watchlist::builtin().coins.remove(0);
        coin.ticker = Some("MOVE".into());
        coin.total_supply = Some(1e9);
        let mut book = Book::default();
        let offer = |price, phase: Option<&str>| Offer {
            base: "MOVE".into(),
            instrument: "MOVEUSDT".into(),
            price_usd: Some(price),
            phase: phase.map(String::from),
        };
        let coins = [coin.clone()];
        apply_venue_look(
            &mut book.premarket,
            Venue::Bybit,
            &[offer(0.63, Some("ContinuousTrading"))],
            1000,
            &coins,
            |_| false,
        );
        apply_venue_look(
            &mut book.premarket,
            Venue::Okx,
            &[offer(0.59, None)],
            1000,
            &coins,
            |_| false,
        );
        let lines = detail_lines(
            &coin,
            (None, &book),
            (None, Vec::new()),
            200,
            1060,
            &Palette::default(),
            "c",
        );
        let text = text_of(&lines);
        assert!(
            text.contains("Status: premarket: $0.61 before its listing"),
            "{text}"
        );
        assert!(
            text.contains("Pre-market: $0.63 on Bybit (MOVEUSDT, continuous trading, 60 s ago); $0.59 on OKX (MOVEUSDT, 60 s ago)"),
            "{text}"
        );
        assert!(
            text.contains("FDV: ≈ $610M at 1,000,000,000 tokens"),
            "{text}"
        );
    }
}
