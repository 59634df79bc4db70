//! The status line: counts, sort and filters, or the search being typed.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::theme::Palette;
use crate::app::{App, Mode};
use crate::keymap::Action;
use crate::market::MarketError;
use crate::view::{AirdropFilter, StatusFilter};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Palette) {
    // A message (a flip, a refused poll) takes the summary's place until the
    // next key; the poller's state stays in view either way.
    let width = usize::from(area.width);
    let room = |s: &str| width.saturating_sub(s.chars().count() + 3);
    let left = match (&app.flash, poll_text(app)) {
        // A fresh message first, whole; then as much of the poller's state as fits.
        (Some(flash), Some(poll)) => format!("{flash} · {}", truncate(&poll, room(flash))),
        (Some(flash), None) => flash.clone(),
        // Otherwise the poller's state whole, the summary cut to fit it.
        (None, Some(poll)) => format!("{} · {poll}", truncate(&summary(app), room(&poll))),
        (None, None) => summary(app),
    };
    // The key hint goes when the summary needs the room, and while a
    // search is typed (there `q` is a letter, and the line has its own hint).
    let right = key_hint(app);
    let right = right.as_str();
    let right_width = if app.mode == Mode::Search
        || left.chars().count() + right.chars().count() > usize::from(area.width)
    {
        0
    } else {
        right.chars().count() as u16
    };
    let [left_area, right_area] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(right_width)]).areas(area);
    if app.mode == Mode::ConfirmDelete {
        let name = app
            .selected_coin()
            .map_or(String::new(), |c| crate::text::clean(&c.name).into_owned());
        let line = Line::styled(
            format!(
                "Delete {name}? {} deletes, any other key keeps it",
                app.keymap.label(Mode::ConfirmDelete, &Action::Yes)
            ),
            theme.down(),
        );
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    if app.mode == Mode::ConfirmQuit {
        let what = app.unsaved().unwrap_or_default();
        let key = |action| app.keymap.label(Mode::ConfirmQuit, &action);
        let line = Line::styled(
            truncate(
                &format!(
                    // The keys first: the reason may be cut at the edge.
                    "Quit without saving? {} quits · {} tries again · any other key stays · \
                     not saved: {what}",
                    key(Action::Yes),
                    key(Action::Retry)
                ),
                usize::from(area.width),
            ),
            theme.down(),
        );
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    if app.mode == Mode::Search {
        // The query keeps at most two thirds of the line, scrolled so the
        // cursor shows; the count and hint take the rest.
        let room = usize::from(left_area.width) * 2 / 3;
        // Over Discover the search is its own.
        let (input, shown_rows, all_rows) = match app.discover() {
            Some(v) => (&v.search, v.shown.len(), v.all.len()),
            None => (
                &app.search,
                app.rows().len(),
                app.watcher.watchlist.coins.len(),
            ),
        };
        let (shown, cursor) = input.window(room.saturating_sub(1).max(1));
        let text = format!("/{shown}");
        let line = Line::from(vec![
            Span::styled(text, theme.title()),
            Span::styled(
                format!(
                    "  {shown_rows} of {all_rows} · {} keeps · {} clears",
                    app.keymap.label(Mode::Search, &Action::SearchKeep),
                    app.keymap.label(Mode::Search, &Action::SearchClear)
                ),
                theme.dim(),
            ),
        ]);
        frame.render_widget(Paragraph::new(line), left_area);
        let x = left_area.x + ((1 + cursor) as u16).min(left_area.width.saturating_sub(1));
        frame.set_cursor_position(Position::new(x, left_area.y));
    } else {
        let style = if app.flash.is_some() {
            theme.title()
        } else {
            ratatui::style::Style::new()
        };
        frame.render_widget(Paragraph::new(Line::styled(left, style)), left_area);
    }
    frame.render_widget(Paragraph::new(Line::styled(right, theme.dim())), right_area);
}

/// "14 of 14 coins · sort Score ▼ · /nil · upcoming · confirmed"; over
/// Discover, its rows.
pub fn summary(app: &App) -> String {
    if let Some(v) = app.discover() {
        let sort = match v.sort {
            Some((c, d)) => format!("sort {} {}", c.title(), if d { "▼" } else { "▲" }),
            None => "soonest opening first".into(),
        };
        return format!(
            "Discover · {} of {} rows · {sort}",
            v.shown.len(),
            v.all.len()
        );
    }
    let mut parts = vec![
        format!(
            "{} of {} coins",
            app.rows().len(),
            app.watcher.watchlist.coins.len()
        ),
        format!("sort {} {}", app.sort.column.title(), app.sort.arrow()),
    ];
    // What the holdings are worth, beside the count: the figure a user
    // with a portfolio looks at first.
    let (listings, book, portfolio) = app.watcher.around();
    if let Some(p) = portfolio
        && let Some((value, weight)) =
            crate::position::total(&app.watcher.watchlist.coins, listings, book, p)
    {
        parts.insert(
            1,
            format!(
                "holdings {} ({} of {})",
                crate::money::usd(value),
                crate::money::pct(weight),
                crate::money::usd(p.size_usd)
            ),
        );
    }
    if !app.filter.text.is_empty() {
        parts.push(format!("/{}", app.filter.text));
    }
    match app.filter.status {
        StatusFilter::All => {}
        StatusFilter::Upcoming => parts.push("upcoming only".into()),
        StatusFilter::Scheduled => parts.push("scheduled only".into()),
        StatusFilter::Premarket => parts.push("premarket only".into()),
        StatusFilter::Trading => parts.push("trading only".into()),
    }
    match app.filter.airdrop {
        AirdropFilter::All => {}
        AirdropFilter::Confirmed => parts.push("airdrop confirmed".into()),
        AirdropFilter::Probable => parts.push("airdrop probable".into()),
    }
    parts.join(" · ")
}

/// The poller's state: "polled 12:03:04 · 3 trading · next in 43 s",
/// "rate limited · retry in 119 s", "error: timed out · retry in 2 m",
/// "prices from DefiLlama (CoinGecko failed 3 polls in a row) · CoinGecko again in 4 m",
/// each followed by the month's API calls where they are counted
/// ("· 1,234 of 10,000 calls this month"). `None` when not polling.
pub fn poll_text(app: &App) -> Option<String> {
    let text = poller_state(app)?;
    Some(match &app.watcher.calls {
        Some(tally) if app.watcher.polling.as_ref().is_some_and(|p| !p.in_flight) => {
            format!("{text} · {}", tally.text())
        }
        _ => text,
    })
}

fn poller_state(app: &App) -> Option<String> {
    let poll = app.watcher.polling.as_ref()?;
    let due = poll
        .next_at
        .map(|at| crate::text::duration(at.saturating_duration_since(app.watcher.now)))
        .unwrap_or_default();
    if poll.in_flight {
        return Some("polling…".into());
    }
    if poll.ids.is_empty() {
        return Some("no coin has a market id to poll".into());
    }
    let text = match (&poll.last_error, poll.last_ok) {
        (Some(MarketError::RateLimited { .. }), _) => {
            format!("rate limited · retry in {due}")
        }
        (Some(e), _) => format!("error: {e} · retry in {due}"),
        (None, Some(at)) => {
            let when = jiff::Timestamp::from_second(at)
                .map(|t| t.to_zoned(app.tz.clone()).strftime("%H:%M:%S").to_string())
                .unwrap_or_default();
            format!(
                "polled {when} · {} trading · next in {}",
                app.trading_count(),
                due
            )
        }
        (None, None) => "first poll…".into(),
    };
    // While CoinGecko is unusable: which source the prices come from, and
    // why, before CoinGecko's own state.
    // CoinGecko's own error is in the log.
    let text = match &poll.fallback {
        Some(f) => {
            let again = format!("CoinGecko again in {due}");
            match &f.last_error {
                None => format!("prices from {} ({}) · {again}", f.title(), f.why.text()),
                Some(e) => format!("{} failing too: {e} · {again}", f.title()),
            }
        }
        None => text,
    };
    // Exchanges failing are named; their errors are in the log.
    let failing: Vec<&str> = app
        .watcher
        .sources
        .iter()
        .filter(|(_, s)| s.last_error.is_some())
        .map(|(e, _)| e.name())
        .collect();
    Some(if failing.is_empty() {
        text
    } else {
        format!(
            "{text} · {} failing ({})",
            failing.join("·"),
            app.log_hint()
        )
    })
}

/// `s` cut to `max` characters, with "…" where it was cut.
fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// " d discover · ? help · q quit ", with the keys in force (the config
/// may rebind them); over Discover, its way back first.
fn key_hint(app: &App) -> String {
    let mode = if app.discover().is_some() {
        Mode::Discover
    } else {
        Mode::Normal
    };
    let key_of = |action: Action| app.keymap.keys(mode, &action).first().map(|k| k.label());
    let first = if mode == Mode::Discover {
        key_of(Action::Discover).map(|k| format!("{k} back"))
    } else {
        key_of(Action::Discover).map(|k| format!("{k} discover"))
    };
    let parts: Vec<String> = [
        first,
        key_of(Action::Help).map(|h| format!("{h} help")),
        key_of(Action::Quit).map(|q| format!("{q} quit")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" {} ", parts.join(" · "))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::listing::Listings;
    use crate::market::plan::CallTally;
    use crate::market::poller::Report;
    use crate::market::{Candidate, MarketError, Quotes};
    use crate::model::Watchlist;
    use crate::watcher::Input;

    #[test]
    fn the_poll_text_counts_the_months_calls_and_shows_what_is_left() {
        let mut app = App::new(Watchlist::builtin(), Listings::new());
        app.enable_polling();
        // 2026-11-15 (UTC).
        let wall = 1_794_700_800;
        let _ = app.update(Input::Clock {
            now: tokio::time::Instant::now(),
            wall,
        });
        app.watcher.calls = Some(CallTally {
            month: "2026-11".into(),
            calls: 1230,
            budget: Some(10_000),
            remaining: None,
        });
        let _ = app.update(Input::Poll(Report::Started));
        assert_eq!(poll_text(&app).as_deref(), Some("polling…"));
        let _ = app.update(Input::Poll(Report::Done {
            quotes: Quotes::new(),
            next_in: Duration::from_secs(300),
            requests: 2,
            remaining: Some(8766),
        }));
        let text = poll_text(&app).unwrap();
        assert!(
            text.ends_with("· 1,232 of 10,000 calls this month · the API says 8,766 left"),
            "{text}"
        );
        // A lookup that went out counts; one that never left does not.
        let found: Result<Vec<Candidate>, MarketError> = Ok(Vec::new());
        let _ = app.update(Input::Lookup {
            query: "x".into(),
            result: found,
        });
        let _ = app.update(Input::Lookup {
            query: "x".into(),
            result: Err(MarketError::Connect),
        });
        let _ = app.update(Input::Poll(Report::Failed {
            error: MarketError::Status { status: 500 },
            retry_in: Duration::from_secs(60),
            requests: 1,
            remaining: None,
        }));
        let text = poll_text(&app).unwrap();
        assert!(
            text.ends_with("· 1,234 of 10,000 calls this month · the API says 8,766 left"),
            "{text}"
        );
    }

    #[test]
    fn a_notice_stays_through_poll_reports() {
        let mut app = App::new(Watchlist::builtin(), Listings::new());
        app.enable_polling();
        let warning = "at 60 s a Demo key's 10,000 calls a month last about 7 days";
        let _ = app.update(Input::Notice(warning.to_string()));
        let _ = app.update(Input::Poll(Report::Done {
            quotes: Quotes::new(),
            next_in: Duration::from_secs(60),
            requests: 1,
            remaining: None,
        }));
        assert_eq!(app.flash.as_deref(), Some(warning));
        assert!(app.log.iter().any(|e| e.text == warning), "kept in the log");
    }

    #[test]
    fn the_poll_text_says_which_source_the_prices_come_from_and_why() {
        use crate::market::poller::Unusable;
        let mut app = App::new(Watchlist::builtin(), Listings::new());
        app.enable_polling();
        let failed = Report::Failed {
            error: MarketError::Status { status: 503 },
            retry_in: Duration::from_secs(240),
            requests: 1,
            remaining: None,
        };
        let _ = app.update(Input::Poll(failed.clone()));
        let fallback = |price: Option<f64>, error: Option<MarketError>| Report::Fallback {
            source: "defillama",
            why: Unusable::Failing(3),
            quotes: price
                .map(|p| {
                    let quote = crate::market::Quote {
                        price_usd: crate::types::Usd::new(p),
                        ..Default::default()
                    };
                    Quotes::from([("nillion".to_string(), quote)])
                })
                .unwrap_or_default(),
            answered: vec!["nillion".into()],
            error,
            next_in: Duration::from_secs(60),
            coingecko_in: Duration::from_secs(240),
        };
        let _ = app.update(Input::Poll(fallback(Some(0.61), None)));
        let text = poll_text(&app).unwrap();
        assert!(
            text.starts_with(
                "prices from DefiLlama (CoinGecko failed 3 polls in a row) · CoinGecko again in 4 m"
            ),
            "{text}"
        );
        assert_eq!(app.watcher.listings["nillion"].first_price, 0.61);
        assert!(
            app.log.iter().any(|e| e.text
                == "CoinGecko failed 3 polls in a row: prices from DefiLlama until CoinGecko \
                    answers again"),
            "{:?}",
            app.log
        );
        // A manual poll while the month's calls are spent is refused, saying so.
        let _ = app.update(Input::Poll(Report::Refused {
            reason: crate::market::poller::Refusal::Spent,
            wait: Duration::from_secs(60),
        }));
        assert_eq!(
            app.flash.as_deref(),
            Some("the month's CoinGecko calls are spent · prices come from DefiLlama")
        );
        let _ = app.update(Input::Poll(fallback(None, Some(MarketError::Timeout))));
        let text = poll_text(&app).unwrap();
        assert!(
            text.starts_with("DefiLlama failing too: timed out · CoinGecko again in 4 m"),
            "{text}"
        );
        let _ = app.update(Input::Poll(Report::Done {
            quotes: Quotes::new(),
            next_in: Duration::from_secs(60),
            requests: 1,
            remaining: None,
        }));
        let text = poll_text(&app).unwrap();
        assert!(text.starts_with("polled "), "CoinGecko again: {text}");
        assert!(
            app.log
                .iter()
                .any(|e| e.text == "CoinGecko answers again: prices from CoinGecko, not DefiLlama")
        );
    }
}
