//! What the user sees, drawn through `TestBackend` exactly as on a terminal.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test's helpers fail the test by panicking, as its assertions do"
)]

use prelist::app::{App, Msg};
use prelist::keymap::Action;
use prelist::listing::{Listing, Listings};
use prelist::model::Watchlist;
use prelist::ui;
use prelist::ui::theme::Palette;
use prelist::view::Column;
use prelist::watcher::Input;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier};

fn app() -> App {
    App::new(Watchlist::builtin(), Listings::new())
}

/// Draws twice, as the real loop does after an input: the second frame uses
/// the layout the first one reported.
fn render(app: &mut App, width: u16, height: u16) -> Terminal<TestBackend> {
    render_with(app, width, height, &Palette::default())
}

fn render_with(app: &mut App, width: u16, height: u16, theme: &Palette) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    for _ in 0..2 {
        let mut vp = None;
        terminal
            .draw(|f| vp = Some(ui::draw(f, app, theme)))
            .unwrap();
        let _ = app.update(Msg::Drawn(vp.unwrap()));
    }
    terminal
}

fn screen(terminal: &Terminal<TestBackend>) -> String {
    terminal.backend().to_string()
}

fn row_text(terminal: &Terminal<TestBackend>, y: u16) -> String {
    let buf = terminal.backend().buffer();
    (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect()
}

#[test]
fn default_screen_120x40() {
    let mut app = app();
    insta::assert_snapshot!(screen(&render(&mut app, 120, 40)));
}

#[test]
fn smallest_screen_40x10() {
    let mut app = app();
    let _ = app.update(Action::Down);
    insta::assert_snapshot!(screen(&render(&mut app, 40, 10)));
}

#[test]
fn below_the_minimum_asks_for_room() {
    let mut app = app();
    let t = render(&mut app, 39, 10);
    assert!(screen(&t).contains("Terminal too small"));
    let t = render(&mut app, 40, 9);
    assert!(screen(&t).contains("need 40×10"));
}

/// What a frame of a size below the minimum must show: the message,
/// wrapped to the width and cut at the height. Word wrapping only moves
/// words to the next row and drops the spaces there, so the frame's text,
/// spaces aside, starts the message's.
fn assert_asks_for_room(t: &Terminal<TestBackend>, w: u16, h: u16) {
    let message = format!("Terminal too small {w}×{h}, need 40×10");
    let shown: String = screen_rows(t).concat().split_whitespace().collect();
    let whole: String = message.split_whitespace().collect();
    assert!(
        shown.starts_with('T') && whole.starts_with(&shown),
        "{w}×{h}: {shown:?} is not the start of {message:?}"
    );
    if w >= 18 {
        assert!(row_text(t, 0).starts_with("Terminal too small"), "{w}×{h}");
    }
    let second = format!("{w}×{h}, need 40×10");
    if h >= 2 && usize::from(w) >= second.chars().count() {
        assert!(row_text(t, 1).starts_with(&second), "{w}×{h}");
    }
}

fn screen_rows(t: &Terminal<TestBackend>) -> Vec<String> {
    (0..t.backend().buffer().area.height)
        .map(|y| row_text(t, y))
        .collect()
}

/// Fails unless `area` of the frame is a box drawn whole: its four corners
/// and its edges.
fn assert_boxed(t: &Terminal<TestBackend>, area: Rect, what: &str) {
    let buf = t.backend().buffer();
    let (l, r, top, bottom) = (area.x, area.right() - 1, area.y, area.bottom() - 1);
    for (x, y, corner) in [
        (l, top, "┌"),
        (r, top, "┐"),
        (l, bottom, "└"),
        (r, bottom, "┘"),
    ] {
        assert_eq!(
            buf[(x, y)].symbol(),
            corner,
            "{what} at {x},{y} of {area:?}"
        );
    }
    for y in top + 1..bottom {
        assert_eq!(buf[(l, y)].symbol(), "│", "{what}'s left edge at {y}");
    }
    assert_eq!(buf[(l + 1, bottom)].symbol(), "─", "{what}'s bottom edge");
}

/// What every frame of the table and its detail pane must show at a size
/// from the minimum: the frame's own size, the table's box and header
/// with the selected coin's name in a row, the detail pane beside the
/// table from `SIDE_BY_SIDE_WIDTH` and under it below, every part within
/// the frame, and the status line's count, with the key hint where the
/// summary leaves room for it.
fn assert_table_frame(t: &Terminal<TestBackend>, app: &App, w: u16, h: u16) {
    let frame = Rect::new(0, 0, w, h);
    let vp = app.viewport();
    let at = format!("{w}×{h}");
    assert!(frame.contains(vp.table.as_position()), "{at}");
    assert_eq!(
        vp.table.union(frame),
        frame,
        "{at}: the table leaves the frame"
    );
    assert_eq!(
        vp.detail.union(frame),
        frame,
        "{at}: the detail leaves the frame"
    );
    assert_boxed(t, vp.table, "the table");
    assert!(row_text(t, 0).starts_with("┌ prelist "), "{at}");
    let header = row_text(t, vp.header_y);
    assert!(
        header.contains('#') && header.contains("Name"),
        "{at}: {header}"
    );
    if w >= ui::SIDE_BY_SIDE_WIDTH {
        assert!(vp.detail.x >= vp.table.right(), "{at}: {vp:?}");
        assert_eq!(vp.table.height, h - 1, "{at}: the table takes the height");
    } else {
        assert!(vp.detail.y >= vp.table.bottom(), "{at}: {vp:?}");
        assert_eq!(vp.table.width, w, "{at}: the table takes the width");
    }
    let coin = app.selected_coin().unwrap();
    let (_, x, width) = *vp.columns.iter().find(|c| c.0 == Column::Name).unwrap();
    let name: String = coin.name.chars().take(usize::from(width)).collect();
    let shows_name = (vp.body.y..vp.body.bottom()).any(|y| {
        let row = row_text(t, y);
        row.chars()
            .skip(usize::from(x))
            .collect::<String>()
            .starts_with(&name)
    });
    assert!(shows_name, "{at}: no row shows {name:?}");
    let status = row_text(t, h - 1);
    let n = app.watchlist().coins.len();
    assert!(
        status.starts_with(&format!("{n} of {n} coins")),
        "{at}: {status}"
    );
    let hint = "? help · q quit";
    if w >= 60 {
        assert!(status.trim_end().ends_with(hint), "{at}: {status}");
    } else if status.contains('?') {
        assert!(
            status.trim_end().ends_with(hint),
            "{at}: a cut hint in {status}"
        );
    }
}

#[test]
fn every_size_shows_what_it_has_room_for() {
    let mut app = app();
    let _ = app.update(Action::Last);
    let sizes: Vec<(u16, u16)> = (1..=200)
        .step_by(7)
        .flat_map(|w| (1..=60).step_by(3).map(move |h| (w, h)))
        .chain([(3, 2), (39, 10), (40, 9), (40, 10), (149, 20), (150, 20)])
        .collect();
    let small = |w, h| w < ui::MIN_WIDTH || h < ui::MIN_HEIGHT;
    for &(w, h) in &sizes {
        let t = render(&mut app, w, h);
        assert_eq!(*t.backend().buffer().area(), Rect::new(0, 0, w, h));
        if small(w, h) {
            assert_asks_for_room(&t, w, h);
        } else {
            assert_table_frame(&t, &app, w, h);
        }
    }
    let name = app.selected_coin().unwrap().name.clone();
    // Full screen, the detail pane alone, titled with the coin.
    let _ = app.update(Action::ToggleFullDetail);
    for &(w, h) in &sizes {
        let t = render(&mut app, w, h);
        if small(w, h) {
            assert_asks_for_room(&t, w, h);
            continue;
        }
        let area = Rect::new(0, 0, w, h - 1);
        assert_boxed(&t, area, "the full detail");
        let top = row_text(&t, 0);
        let room = usize::from(w) - 4;
        let title: String = name.chars().take(room).collect();
        assert!(top.starts_with(&format!("┌ {title}")), "{w}×{h}: {top}");
        assert!(!top.contains(" prelist "), "{w}×{h}: the table is hidden");
        assert!(row_text(&t, h - 2).contains(": back"), "{w}×{h}");
    }
    // The help overlay, boxed over the screen.
    let _ = app.update(Action::Help);
    for &(w, h) in &sizes {
        let t = render(&mut app, w, h);
        if small(w, h) {
            assert_asks_for_room(&t, w, h);
            continue;
        }
        let width = (w - 4).min(76);
        // Centred, give or take the column an odd margin leaves over.
        let x = row_text(&t, 1).chars().position(|c| c == '┌').unwrap() as u16;
        assert!(x.abs_diff(w - width - x) <= 1, "{w}×{h}: the help at {x}");
        let area = Rect::new(x, 1, width, h - 2);
        assert_boxed(&t, area, "the help");
        assert!(row_text(&t, 1).contains(" Help "), "{w}×{h}");
        assert!(screen(&t).contains("Table"), "{w}×{h}: the first section");
    }
}

#[test]
fn wide_screen_puts_detail_beside_the_table() {
    let mut app = app();
    let _ = app.update(Action::SortBy(Column::Score));
    let _ = app.update(Action::SortReverse);
    insta::assert_snapshot!(screen(&render(&mut app, 160, 30)));
}

#[test]
fn help_overlay() {
    let mut app = app();
    let _ = app.update(Action::Help);
    insta::assert_snapshot!(screen(&render(&mut app, 120, 40)));
}

#[test]
fn help_overlay_scrolls_to_the_risk_advice() {
    let mut app = app();
    let _ = app.update(Action::Help);
    render(&mut app, 80, 24);
    for _ in 0..200 {
        let _ = app.update(Action::Down);
    }
    let s = screen(&render(&mut app, 80, 24));
    assert!(s.contains("5% of your total portfolio"), "{s}");
    assert!(s.contains("1% of its portfolio"), "{s}");
}

#[test]
fn detail_full_screen() {
    let mut app = app();
    for _ in 0..11 {
        let _ = app.update(Action::Down);
    }
    let _ = app.update(Action::ToggleFullDetail);
    insta::assert_snapshot!(screen(&render(&mut app, 120, 40)));
}

#[test]
fn search_active() {
    let mut app = app();
    let _ = app.update(Action::Search);
    for c in "zk".chars() {
        let _ = app.update(Action::Input(c));
    }
    let t = render(&mut app, 120, 40);
    insta::assert_snapshot!(screen(&t));
}

#[test]
fn sorted_header_carries_the_arrow() {
    let mut app = app();
    let _ = app.update(Action::SortBy(Column::Score));
    let t = render(&mut app, 120, 40);
    assert!(row_text(&t, 1).contains("Score▲"));
    let _ = app.update(Action::SortReverse);
    let t = render(&mut app, 120, 40);
    assert!(row_text(&t, 1).contains("Score▼"));
    assert!(
        row_text(&t, 1).contains("#  "),
        "other headers carry no arrow"
    );
}

#[test]
fn selected_row_is_highlighted_cell_by_cell() {
    let mut app = app();
    let _ = app.update(Action::Down);
    let _ = app.update(Action::Down);
    let t = render(&mut app, 120, 40);
    let buf = t.backend().buffer();
    let table = app.viewport().body;
    // Rows: header at y=1, Gravity y=2, Nillion y=3, My Pet Hooligan y=4.
    assert!(row_text(&t, 4).contains("My Pet Hooligan"));
    let last_col = app.viewport().columns.last().map(|c| c.1 + c.2).unwrap();
    for x in table.x..last_col {
        let cell = &buf[(x, 4)];
        assert_eq!(cell.bg, Color::Cyan, "selected bg at x={x}");
        assert_eq!(cell.fg, Color::Black, "selected fg at x={x}");
        assert!(
            cell.modifier.contains(Modifier::BOLD),
            "selected bold at x={x}"
        );
        let other = &buf[(x, 3)];
        assert_ne!(other.bg, Color::Cyan, "unselected row at x={x}");
    }
    // With the detail pane focused the selection is shown, but muted.
    let _ = app.update(Action::ToggleFocus);
    let t = render(&mut app, 120, 40);
    let cell = &t.backend().buffer()[(table.x + 3, 4)];
    assert_eq!(cell.bg, Color::DarkGray);
}

#[test]
fn trading_coin_shows_price_change_and_date_in_colour() {
    let mut listings = Listings::new();
    listings.insert(
        "nillion".into(),
        Listing {
            listed_at: 1_742_817_600,
            first_price: 0.61,
            price_usd: 0.7012,
            change_24h: Some(-3.2),
            market_cap: Some(4.2e8),
            updated_at: 1_742_900_000,
            stale: false,
            history: Vec::new(),
        }
        .into(),
    );
    let mut app = App::new(Watchlist::builtin(), listings);
    let _ = app.update(Action::Down);
    let t = render(&mut app, 120, 40);
    let row = row_text(&t, 3);
    assert!(
        row.contains("trading") && row.contains("$0.7012") && row.contains("-3.20%"),
        "{row}"
    );
    assert!(row.contains("2025-03-24"), "{row}");
    assert!(
        screen(&t).contains("market cap $420M"),
        "the detail pane has the market cap"
    );
    // The selected row takes the highlight's colours; look at the status
    // cell once the selection has moved off the row.
    let _ = app.update(Action::Up);
    let t = render(&mut app, 120, 40);
    let status_x = column_x(&app, Column::Status);
    let cell = &t.backend().buffer()[(status_x, 3)];
    assert_eq!(cell.symbol(), "t");
    assert_eq!(cell.fg, Color::Green);
    let upcoming = &t.backend().buffer()[(status_x, 4)];
    assert_eq!(upcoming.fg, Color::Yellow);
}

#[test]
fn control_characters_never_reach_the_screen() {
    let json = r#"{"version":1,"coins":[{"rank":1,"name":"Evil\u001b[2J\u0007Coin","airdrop":"confirmed",
        "summary":"line\r\nbreak\u001b]0;title\u0007"}]}"#;
    let w = Watchlist::parse(json, std::path::Path::new("evil.json")).unwrap();
    let mut app = App::new(w, Listings::new());
    let t = render(&mut app, 120, 40);
    let buf = t.backend().buffer();
    for cell in buf.content() {
        assert!(
            !cell.symbol().chars().any(char::is_control),
            "control char drawn"
        );
    }
    assert!(screen(&t).contains("Evil[2JCoin"));
}

mod polling {
    use super::*;
    use prelist::market::poller::Report;
    use prelist::market::{MarketError, Quote, Quotes};
    use std::time::Duration;
    use tokio::time::Instant;

    /// An app polling, with its clock at 2027-01-15 08:00:00 UTC.
    fn polling_app() -> App {
        let mut app = app().with_time_zone(jiff::tz::TimeZone::UTC);
        app.enable_polling();
        let _ = app.update(Input::Clock {
            now: Instant::now(),
            wall: 1_800_000_000,
        });
        app
    }

    fn done(id: &str, price: f64) -> Report {
        let quotes = Quotes::from([(
            id.to_string(),
            Quote {
                price_usd: prelist::types::Usd::new(price),
                change_24h: Some(4.5),
                ..Quote::default()
            },
        )]);
        Report::Done {
            quotes,
            next_in: Duration::from_secs(43),
            requests: 1,
            remaining: None,
        }
    }

    fn status_line(t: &Terminal<TestBackend>) -> String {
        row_text(t, t.backend().buffer().area.height - 1)
    }

    #[test]
    fn a_flipped_row_is_highlighted_and_the_status_line_says_so() {
        let mut app = polling_app();
        let _ = app.update(Input::Poll(done("dolomite", 0.1234)));
        let t = render(&mut app, 120, 40);
        let status = status_line(&t);
        assert!(
            status.starts_with(
                "Dolomite is now trading at $0.1234 · polled 08:00:00 · 1 trading · next in 43 s"
            ),
            "{status}"
        );
        let row = row_text(&t, 8);
        assert!(
            row.contains("Dolomite") && row.contains("trading") && row.contains("$0.1234"),
            "{row}"
        );
        let name_x = app.viewport().columns[1].1;
        let cell = &t.backend().buffer()[(name_x, 8)];
        assert_eq!((cell.bg, cell.fg), (Color::Green, Color::Black));
        let other = &t.backend().buffer()[(name_x, 7)];
        assert_ne!(other.bg, Color::Green);
    }

    #[test]
    fn the_status_line_shows_the_poller_state() {
        let mut app = polling_app();
        let _ = app.update(Input::Poll(Report::Started));
        assert!(status_line(&render(&mut app, 120, 40)).contains("polling…"));
        let _ = app.update(Input::Poll(Report::Failed {
            error: MarketError::RateLimited { retry_after: None },
            retry_in: Duration::from_secs(119),
            requests: 1,
            remaining: None,
        }));
        assert!(status_line(&render(&mut app, 120, 40)).contains("rate limited · retry in 119 s"));
        let _ = app.update(Input::Poll(Report::Failed {
            error: MarketError::Timeout,
            retry_in: Duration::from_secs(120),
            requests: 1,
            remaining: None,
        }));
        assert!(
            status_line(&render(&mut app, 120, 40)).contains("error: timed out · retry in 2 m")
        );
        // The countdown follows the clock.
        let later = app.now().0 + Duration::from_secs(100);
        let _ = app.update(Input::Clock {
            now: later,
            wall: app.now().1 + 100,
        });
        assert!(status_line(&render(&mut app, 120, 40)).contains("retry in 20 s"));
    }

    #[test]
    fn a_price_the_api_dropped_is_shown_stale_with_its_age() {
        let mut app = polling_app();
        let _ = app.update(Input::Poll(done("parcl", 0.3)));
        let _ = app.update(Input::Poll(Report::Done {
            quotes: Quotes::new(),
            next_in: Duration::from_secs(60),
            requests: 1,
            remaining: None,
        }));
        let _ = app.update(Input::Clock {
            now: app.now().0,
            wall: app.now().1 + 3 * 3600,
        });
        for _ in 0..3 {
            let _ = app.update(Action::Down);
        }
        let t = render(&mut app, 120, 40);
        let row = row_text(&t, 5);
        assert!(
            row.contains("trading") && row.contains("$0.30 (3 h old)"),
            "{row}"
        );
        assert!(screen(&t).contains("stale: the API stopped pricing it"));
    }

    #[test]
    fn event_log_overlay() {
        let mut app = polling_app();
        let _ = app.update(Input::Poll(done("nillion", 0.61)));
        let _ = app.update(Input::Clock {
            now: app.now().0,
            wall: app.now().1 + 75,
        });
        let _ = app.update(Input::Poll(Report::Failed {
            error: MarketError::Status { status: 503 },
            retry_in: Duration::from_secs(120),
            requests: 1,
            remaining: None,
        }));
        let _ = app.update(Action::ToggleLog);
        insta::assert_snapshot!(screen(&render(&mut app, 100, 20)));
    }
}

mod mouse {
    use super::*;
    use crossterm::event::{Event, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

    fn at(kind: MouseEventKind, column: u16, row: u16) -> Event {
        Event::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    }

    fn click(column: u16, row: u16) -> Event {
        at(MouseEventKind::Down(MouseButton::Left), column, row)
    }

    #[test]
    fn a_click_on_a_header_sorts_by_it_and_again_reverses() {
        let mut app = app();
        render(&mut app, 120, 40);
        let score_x = column_x(&app, Column::Score);
        let action = app.action_for_event(&click(score_x + 1, 1)).unwrap();
        assert_eq!(action, Action::SortBy(Column::Score));
        let _ = app.update(action);
        render(&mut app, 120, 40);
        let action = app.action_for_event(&click(score_x, 1)).unwrap();
        let _ = app.update(action);
        assert!(app.sort().descending);
        assert_eq!(app.sort().column, Column::Score);
    }

    #[test]
    fn a_click_on_a_row_selects_it_and_the_wheel_scrolls() {
        let mut app = app();
        render(&mut app, 120, 40);
        // Rows start under the header: y=2 is the first coin, y=8 the seventh.
        let action = app.action_for_event(&click(10, 8)).unwrap();
        let _ = app.update(action);
        assert_eq!(app.selected_coin().unwrap().name, "Dolomite");
        assert_eq!(
            app.action_for_event(&click(10, 30)),
            None,
            "a click on the detail pane"
        );
        let down = app
            .action_for_event(&at(MouseEventKind::ScrollDown, 10, 5))
            .unwrap();
        let _ = app.update(down.clone());
        assert_eq!(app.selected_coin().unwrap().name, "Movement Labs");
        // With the detail focused, the wheel scrolls its text instead.
        let _ = app.update(Action::ToggleFocus);
        render(&mut app, 120, 20);
        let _ = app.update(down);
        assert_eq!(app.selected_coin().unwrap().name, "Movement Labs");
        assert_eq!(app.detail_scroll(), 3);
    }

    #[test]
    fn a_click_on_a_row_of_a_scrolled_table_selects_that_row() {
        let mut app = app();
        let _ = app.update(Action::Last);
        render(&mut app, 120, 12);
        assert!(app.viewport().offset > 0);
        let action = app
            .action_for_event(&click(10, app.viewport().body.y))
            .unwrap();
        let _ = app.update(action);
        assert_eq!(app.selected_row(), Some(app.viewport().offset));
    }
}

mod editing {
    use super::*;
    use prelist::market::{Candidate, MarketError};

    #[test]
    fn add_form_with_an_error_beside_its_field() {
        let mut app = app();
        let _ = app.update(Action::Add);
        let _ = app.update(Action::Paste("Parcl".into()));
        let _ = app.update(Action::Submit);
        insta::assert_snapshot!(screen(&render(&mut app, 100, 30)));
    }

    #[test]
    fn alerts_are_edited_in_the_form_with_their_errors() {
        let mut app = app();
        let _ = app.update(Action::Edit);
        // Name, Ticker, Category, Market id, Narratives, Notes: then the alerts.
        for _ in 0..6 {
            let _ = app.update(Action::NextField);
        }
        let _ = app.update(Action::Paste("1.5".into()));
        let _ = app.update(Action::NextField);
        let _ = app.update(Action::Paste("2".into()));
        let _ = app.update(Action::Submit);
        let s = screen(&render(&mut app, 100, 30));
        assert!(s.contains("Alert above (USD): 1.5"), "{s}");
        assert!(
            s.contains("↑ 2 must be lower than alert_above (1.5)"),
            "the error under its field: {s}"
        );
        assert!(
            s.contains("Alert below (USD): e.g. 0.5: told once each time the price falls to it"),
            "the focused field's hint: {s}"
        );
        insta::assert_snapshot!(s);
        // A number that is none is the form's field error too.
        let _ = app.update(Action::Paste("x".into()));
        let _ = app.update(Action::Submit);
        let s = screen(&render(&mut app, 100, 30));
        assert!(s.contains("↑ \"2x\" is not a price in USD"), "{s}");
    }

    #[test]
    fn edit_form_scrolls_to_the_focused_field_at_the_smallest_size() {
        let mut app = app();
        let _ = app.update(Action::Edit);
        for _ in 0..16 {
            let _ = app.update(Action::NextField);
        }
        let s = screen(&render(&mut app, 40, 10));
        assert!(s.contains("Airdrop: confirmed"), "{s}");
        insta::assert_snapshot!(s);
    }

    #[test]
    fn lookup_lists_candidates_with_the_ticker_first() {
        let mut app = app();
        let _ = app.update(Action::Down);
        let _ = app.update(Action::Lookup);
        let c = |id: &str, name: &str, symbol: &str, rank| Candidate {
            id: id.try_into().unwrap(),
            name: name.into(),
            symbol: symbol.into(),
            market_cap_rank: rank,
        };
        let _ = app.update(Input::Lookup {
            query: "Nillion".into(),
            result: Ok(vec![
                c("nillion-x", "Nillion X", "NILX", None),
                c("nillion", "Nillion", "NIL", Some(310)),
            ]),
        });
        insta::assert_snapshot!(screen(&render(&mut app, 100, 24)));
    }

    #[test]
    fn lookup_failure_is_shown_not_fatal() {
        let mut app = app();
        let _ = app.update(Action::Lookup);
        let _ = app.update(Input::Lookup {
            query: "Gravity".into(),
            result: Err(MarketError::Timeout),
        });
        let s = screen(&render(&mut app, 100, 24));
        assert!(s.contains("lookup failed: timed out"), "{s}");
        assert!(s.contains("or type an id:"));
    }

    /// Where the cursor is, and the x of the cell that shows `symbol` on
    /// the cursor's line.
    fn cursor_and(t: &mut Terminal<TestBackend>, symbol: &str) -> (u16, u16) {
        let pos = t.get_cursor_position().unwrap();
        let buf = t.backend().buffer();
        let x = (0..buf.area.width)
            .find(|&x| buf[(x, pos.y)].symbol() == symbol)
            .unwrap_or_else(|| panic!("{symbol} on the cursor's line {}", pos.y));
        (pos.x, x)
    }

    /// With text ending in 🚀 typed where the cursor is: the cursor stands
    /// after 🚀's two columns, and on it after Left.
    fn cursor_steps_over_a_rocket(app: &mut App, height: u16) {
        let mut t = render(app, 100, height);
        let (cursor, rocket) = cursor_and(&mut t, "🚀");
        assert_eq!(cursor, rocket + 2, "after the two columns of 🚀");
        let _ = app.update(Action::CursorLeft);
        let mut t = render(app, 100, height);
        let (cursor, rocket) = cursor_and(&mut t, "🚀");
        assert_eq!(cursor, rocket, "on 🚀");
    }

    #[test]
    fn wide_characters_put_the_cursor_after_them() {
        let mut app = app();
        let _ = app.update(Action::Add);
        let _ = app.update(Action::Paste("币安🚀".into()));
        cursor_steps_over_a_rocket(&mut app, 30);

        // The lookup's id line counts columns too.
        let mut app = self::app();
        let _ = app.update(Action::Lookup);
        let _ = app.update(Action::Paste("币x".into()));
        let mut t = render(&mut app, 100, 24);
        let (cursor, x) = cursor_and(&mut t, "x");
        assert_eq!(cursor, x + 1);
        let (_, wide) = cursor_and(&mut t, "币");
        assert_eq!(x, wide + 2);

        // So does the search line, and its cursor moves within the query.
        let mut app = self::app();
        let _ = app.update(Action::Search);
        let _ = app.update(Action::Paste("币🚀".into()));
        cursor_steps_over_a_rocket(&mut app, 24);
    }

    #[test]
    fn delete_asks_on_the_status_line() {
        let mut app = app();
        let _ = app.update(Action::Delete);
        let t = render(&mut app, 100, 24);
        assert!(row_text(&t, 23).starts_with("Delete Gravity? y deletes, any other key keeps it"));
    }
}

mod configured {
    use super::*;
    use prelist::keymap::Keymap;
    use prelist::view::Sort;

    /// An app whose keys come from `config`, read as a config file is.
    fn app_with_keys(config: &str) -> App {
        use prelist::config::{self, Env, FileConfig, FlagValues};
        let file = FileConfig::parse(config, std::path::Path::new("config.toml")).unwrap();
        let settings =
            config::resolve(&FlagValues::default(), &Env::new(), None, Some(&file)).unwrap();
        let mut app = app();
        app.configure(settings.columns.value, settings.sort.value, settings.keymap);
        app
    }

    fn press(app: &mut App, c: char) {
        use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
        let ev = Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        if let Some(action) = app.action_for_event(&ev) {
            let _ = app.update(action);
        }
    }

    #[test]
    fn help_rebound_to_h_opens_and_closes_with_h() {
        use prelist::app::Mode;
        let mut app = app_with_keys("[keys]\nhelp = \"h\"\nlog = \"L\"\n");
        press(&mut app, 'h');
        assert_eq!(app.mode(), Mode::Help, "h opens help");
        press(&mut app, 'h');
        assert_eq!(app.mode(), Mode::Normal, "h closes it again");
        press(&mut app, '?');
        assert_eq!(app.mode(), Mode::Normal, "? no longer opens help");
        press(&mut app, 'L');
        assert_eq!(app.mode(), Mode::Log);
        press(&mut app, 'L');
        assert_eq!(app.mode(), Mode::Normal, "the log closes with its key too");
    }

    #[test]
    fn help_overlay_with_help_on_h() {
        let mut app = app_with_keys("[keys]\nhelp = \"h\"\nquit = [\"x\", \"ctrl-c\"]\n");
        press(&mut app, 'h');
        let t = render(&mut app, 120, 40);
        let s = screen(&t);
        assert!(s.contains("h or Esc closes"), "{s}");
        assert!(s.contains("h help · x quit"), "{s}");
        insta::assert_snapshot!(s);
    }

    #[test]
    fn footers_and_prompts_follow_the_keys_in_force() {
        let mut app = app_with_keys(
            "[search_keys]\nkeep = \"tab\"\nclear = \"ctrl-g\"\n\
             [confirm_keys]\nyes = \"d\"\n[form_keys]\nsubmit = \"ctrl-s\"\n",
        );
        press(&mut app, '/');
        let s = screen(&render(&mut app, 100, 30));
        assert!(s.contains("Tab keeps · Ctrl-g clears"), "{s}");
        let _ = app.update(Action::SearchClear);
        let _ = app.update(Action::Delete);
        let s = screen(&render(&mut app, 100, 30));
        assert!(s.contains("? d deletes, any other key keeps it"), "{s}");
        let _ = app.update(Action::No);
        let _ = app.update(Action::Add);
        let s = screen(&render(&mut app, 100, 30));
        assert!(s.contains("Ctrl-s saves · Esc cancels"), "{s}");
    }

    #[test]
    fn columns_and_sort_from_the_config() {
        let mut app = app();
        let columns = vec![Column::Score, Column::Name, Column::Status];
        let keymap = Keymap::new(&columns, &[]).unwrap();
        app.configure(
            columns,
            Sort {
                column: Column::Score,
                descending: true,
            },
            keymap,
        );
        let _ = app.update(Action::First);
        let t = render(&mut app, 80, 24);
        let header = row_text(&t, 1);
        assert!(
            header.starts_with("│Score▼  Name            Status"),
            "{header}"
        );
        assert!(!header.contains("Ticker"));
        assert!(row_text(&t, 2).contains("Ten"));
        let _ = app.update(Action::SortNext);
        assert_eq!(
            app.sort().column,
            Column::Name,
            "s steps through the shown columns"
        );
    }

    #[test]
    fn the_mono_theme_draws_the_selection_reversed_without_colour() {
        let mut app = app();
        let t = render_with(&mut app, 120, 40, &Palette::mono());
        let cell = &t.backend().buffer()[(3, 2)];
        assert!(cell.modifier.contains(Modifier::REVERSED));
        assert_eq!(cell.bg, Color::Reset);
        for c in t.backend().buffer().content() {
            assert!(matches!(c.fg, Color::Reset), "a colour in mono: {:?}", c.fg);
        }
    }
}

/// The detail pane of a coin as every exchange sees it: announced on one,
/// trading on another, its ticker ambiguous on a third, not listed on the
/// last; with the time of each exchange's last look.
#[test]
fn detail_pane_with_exchanges() {
    use prelist::book::apply_look;
    use prelist::sources::{Exchange, Pair, PairState};
    let t0 = 1_800_000_000;
    let p = |base: &str, quote: &str, state| Pair {
        base: base.into(),
        quote: quote.into(),
        state,
    };
    let coins = Watchlist::builtin().coins;
    let mut book = prelist::book::Book::default();
    for e in [Exchange::Binance, Exchange::Okx, Exchange::Kraken] {
        let first = if e == Exchange::Kraken {
            vec![p("NIL", "USD", PairState::Trading)]
        } else {
            vec![]
        };
        apply_look(&mut book, e, &first, t0, &coins, false);
    }
    apply_look(&mut book, Exchange::Gate, &[], t0 + 600, &coins, false);
    let opens = t0 + 300 + 86_400 + 3 * 3600;
    let okx = [p("NIL", "USDT", PairState::Scheduled { opens_at: opens })];
    apply_look(&mut book, Exchange::Okx, &okx, t0 + 300, &coins, false);
    let binance = [
        p("NIL", "USDT", PairState::Trading),
        p("NIL", "BTC", PairState::Closed),
    ];
    apply_look(
        &mut book,
        Exchange::Binance,
        &binance,
        t0 + 300,
        &coins,
        false,
    );
    let mut app = App::new(Watchlist::builtin(), Listings::new()).with_book(book);
    let _ = app.update(Input::Clock {
        now: app.now().0,
        wall: t0 + 300,
    });
    let _ = app.update(Action::Down);
    let _ = app.update(Action::ToggleFullDetail);
    let t = render(&mut app, 100, 20);
    insta::assert_snapshot!(screen(&t));
}

/// The detail pane of a coin with a known price history: the move since
/// the listing and the sparkline of every price recorded, oldest on the left.
#[test]
fn detail_pane_with_price_history() {
    let prices = [
        0.61, 0.58, 0.55, 0.57, 0.63, 0.66, 0.71, 0.69, 0.72, 0.78, 0.75, 0.7381,
    ];
    let t0 = 1_742_817_600;
    let history = prices
        .iter()
        .enumerate()
        .map(|(i, &p)| (t0 + i as i64 * 3600, p).into())
        .collect();
    let mut listings = Listings::new();
    listings.insert(
        "nillion".into(),
        Listing {
            listed_at: t0,
            first_price: 0.61,
            price_usd: 0.7381,
            change_24h: Some(4.1),
            market_cap: None,
            updated_at: t0 + 11 * 3600,
            stale: false,
            history,
        }
        .into(),
    );
    let mut app = App::new(Watchlist::builtin(), listings);
    let _ = app.update(Action::Down);
    let _ = app.update(Action::ToggleFullDetail);
    let t = render(&mut app, 80, 12);
    insta::assert_snapshot!(screen(&t));
    // The move and the sparkline are green: the price is up since.
    let row = (0..12).find(|&y| row_text(&t, y).contains("▁")).unwrap();
    let x = row_text(&t, row).chars().position(|c| c == '▁').unwrap() as u16;
    assert_eq!(t.backend().buffer()[(x, row)].fg, Color::Green);
    let row = (0..12).find(|&y| row_text(&t, y).contains("+21%")).unwrap();
    let x = row_text(&t, row)
        .find("+21%")
        .map(|b| row_text(&t, row)[..b].chars().count())
        .unwrap() as u16;
    assert_eq!(t.backend().buffer()[(x, row)].fg, Color::Green);
}

#[test]
fn since_column_shows_the_move_in_colour_and_gives_way_first() {
    let mut listings = Listings::new();
    listings.insert(
        "nillion".into(),
        Listing {
            listed_at: 1_742_817_600,
            first_price: 0.61,
            price_usd: 0.55,
            change_24h: None,
            market_cap: None,
            updated_at: 1_742_900_000,
            stale: false,
            history: Vec::new(),
        }
        .into(),
    );
    let mut app = App::new(Watchlist::builtin(), listings);
    let t = render(&mut app, 120, 40);
    assert!(
        row_text(&t, 1).contains("24h     Since"),
        "{}",
        row_text(&t, 1)
    );
    let since_x = column_x(&app, Column::Since);
    let cell = &t.backend().buffer()[(since_x, 3)];
    assert_eq!(cell.symbol(), "-", "{}", row_text(&t, 3));
    assert_eq!(cell.fg, Color::Red);
    assert!(row_text(&t, 3).contains("-9.8%"));
    // At 80 columns it is the first to go; sorted by it, it stays.
    let t = render(&mut app, 80, 24);
    assert!(!row_text(&t, 1).contains("Since"), "{}", row_text(&t, 1));
    let _ = app.update(Action::SortBy(Column::Since));
    let t = render(&mut app, 80, 24);
    assert!(row_text(&t, 1).contains("Since▲"), "{}", row_text(&t, 1));
}

/// The detail pane says a coin's alerts, and which of them fired.
#[test]
fn detail_pane_with_alerts() {
    let mut w = Watchlist::builtin();
    w.coins[1].alert_above = prelist::types::Usd::new(0.65);
    w.coins[1].alert_below = prelist::types::Usd::new(0.5);
    let listings = Listings::from([(
        "nillion".into(),
        Listing {
            listed_at: 1_742_817_600,
            first_price: 0.61,
            price_usd: 0.7012,
            change_24h: None,
            market_cap: None,
            updated_at: 1_742_900_000,
            stale: false,
            history: Vec::new(),
        }
        .into(),
    )]);
    let mut alerts = prelist::alert::Alerts::new();
    let fired = prelist::alert::check(&w.coins, &listings, &mut alerts, 1_742_900_000);
    assert_eq!(fired.len(), 1);
    let mut app = App::from_state(
        w,
        prelist::store::State {
            listings,
            alerts,
            ..Default::default()
        },
    );
    let _ = app.update(Action::Down);
    let _ = app.update(Action::ToggleFullDetail);
    let s = screen(&render(&mut app, 80, 16));
    assert!(
        s.contains("Alerts: above $0.65 (fired) · below $0.50"),
        "{s}"
    );
    insta::assert_snapshot!(s);
    // A coin without alerts has no such line.
    let _ = app.update(Action::ToggleFullDetail);
    let _ = app.update(Action::Down);
    let _ = app.update(Action::ToggleFullDetail);
    assert!(!screen(&render(&mut app, 80, 16)).contains("Alerts:"));
}

/// Where the last frame put `column`'s first cell.
fn column_x(app: &App, column: Column) -> u16 {
    app.viewport()
        .columns
        .iter()
        .find(|c| c.0 == column)
        .expect("the column is shown")
        .1
}

/// The detail pane of a coin whose first DEX pool is its listing, and of
/// one whose only pool is below the threshold: the row's price is the
/// pool's, the pane says where it trades and why the shallow pool does not
/// count.
#[test]
fn detail_pane_with_dex_pools() {
    use prelist::dex::{Pool, apply_dex_look, watched_tokens};
    use prelist::model::{Chain, Contract};
    let t0 = 1_800_000_000;
    let nil = "0x7cf9a80db3b29ee8efe3710aadb7b95270572d47";
    let prcl = "4LLbsb5ReP3yEtYzmXewyGjcir5uXtKFURtaEUVC2AHs";
    let mut w = Watchlist::builtin();
    w.coins[1].contracts = vec![Contract {
        chain: Chain::Ethereum,
        address: nil.into(),
    }];
    w.coins[0].contracts = vec![Contract {
        chain: Chain::Solana,
        address: prcl.into(),
    }];
    let pool = |chain, base: &str, symbol: &str, quote: &str, liquidity: f64| Pool {
        chain,
        dex: "uniswap".into(),
        pair_address: "0xpool".into(),
        base_address: base.into(),
        base_symbol: symbol.into(),
        quote_symbol: quote.into(),
        price_usd: Some(0.6132),
        liquidity_usd: Some(liquidity),
        created_at: Some(t0 - 600),
    };
    let mut book = prelist::book::Book::default();
    let pools = [
        pool(Chain::Ethereum, nil, "NIL", "WETH", 1_250_000.0),
        pool(Chain::Solana, prcl, "PRCL", "SOL", 2_300.0),
    ];
    let tokens: Vec<(Chain, String)> = watched_tokens(&w.coins, &book.dex, |_| false)
        .into_iter()
        .map(|t| (t.chain, t.address))
        .collect();
    let listed = apply_dex_look(&mut book.dex, &tokens, &pools, t0, 10_000.0, &w.coins);
    assert_eq!(listed.len(), 1);
    let mut app = App::new(w, Listings::new()).with_book(book);
    let _ = app.update(Input::Clock {
        now: app.now().0,
        wall: t0 + 90,
    });
    let rows = screen(&render(&mut app, 120, 12));
    assert!(rows.contains("$0.6132"), "{rows}");
    let _ = app.update(Action::Down);
    let _ = app.update(Action::ToggleFullDetail);
    let s = screen(&render(&mut app, 100, 14));
    assert!(
        s.contains("trading on NIL/WETH on uniswap (ethereum)"),
        "{s}"
    );
    insta::assert_snapshot!(s);
    let _ = app.update(Action::ToggleFullDetail);
    let _ = app.update(Action::Up);
    let _ = app.update(Action::ToggleFullDetail);
    let s = screen(&render(&mut app, 100, 14));
    assert!(
        s.contains("a $2,300 pool on uniswap: below the $10,000 threshold"),
        "{s}"
    );
    assert!(s.contains("upcoming"), "{s}");
}

/// The Discover view: an announced pair, a pre-market perp and a new
/// listing, none of them on the watchlist, soonest opening first; the
/// selected row's venues below.
fn discover_app() -> App {
    use prelist::book::apply_look;
    use prelist::premarket::{Offer, Venue, apply_venue_look};
    use prelist::sources::{Exchange, Pair, PairState};
    let t0 = 1_800_000_000;
    let p = |base: &str, state| Pair {
        base: base.into(),
        quote: "USDT".into(),
        state,
    };
    let coins = Watchlist::builtin().coins;
    let mut book = prelist::book::Book::default();
    for e in [Exchange::Okx, Exchange::Gate, Exchange::Bybit] {
        apply_look(
            &mut book,
            e,
            &[p("BTC", PairState::Trading)],
            t0,
            &coins,
            false,
        );
    }
    let okx = [
        p("BTC", PairState::Trading),
        p(
            "ZAMA",
            PairState::Scheduled {
                opens_at: t0 + 86_400 + 7200,
            },
        ),
    ];
    apply_look(&mut book, Exchange::Okx, &okx, t0 + 600, &coins, false);
    let gate = [
        p("BTC", PairState::Trading),
        p("FRESH", PairState::Trading),
        p(
            "ZAMA",
            PairState::Scheduled {
                opens_at: t0 + 90_000,
            },
        ),
    ];
    apply_look(&mut book, Exchange::Gate, &gate, t0 + 600, &coins, false);
    let offer = |base: &str, instrument: &str, price, phase: Option<&str>| Offer {
        base: base.into(),
        instrument: instrument.into(),
        price_usd: Some(price),
        phase: phase.map(String::from),
    };
    apply_venue_look(
        &mut book.premarket,
        Venue::Hyperliquid,
        &[offer("BTC", "BTC perp", 97_000.0, None)],
        t0,
        &coins,
        |_| false,
    );
    apply_venue_look(
        &mut book.premarket,
        Venue::Hyperliquid,
        &[
            offer("BTC", "BTC perp", 97_000.0, None),
            offer("MEGA", "MEGA perp", 0.4213, None),
        ],
        t0 + 600,
        &coins,
        |_| false,
    );
    apply_venue_look(
        &mut book.premarket,
        Venue::Bybit,
        &[offer("MEGA", "MEGAUSDT", 0.4391, Some("ContinuousTrading"))],
        t0 + 600,
        &coins,
        |_| false,
    );
    let mut app = App::new(Watchlist::builtin(), Listings::new()).with_book(book);
    // Every watched spot list known: a perp can be told from an old coin's.
    app.watch_exchanges(&[Exchange::Okx, Exchange::Gate, Exchange::Bybit]);
    let _ = app.update(Input::Clock {
        now: app.now().0,
        wall: t0 + 900,
    });
    let _ = app.update(Action::Discover);
    app
}

#[test]
fn discover_view_120x40() {
    let mut app = discover_app();
    let s = screen(&render(&mut app, 120, 40));
    assert!(s.contains("Discover: 3 not on the watchlist"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn discover_view_80x24() {
    let mut app = discover_app();
    let _ = app.update(Action::Down);
    let s = screen(&render(&mut app, 80, 24));
    assert!(s.contains("MEGA"), "{s}");
    insta::assert_snapshot!(s);
}

/// Discover scrolls as the watchlist does: the window moves only when the
/// selection would leave it.
#[test]
fn discover_scrolls_only_when_the_selection_leaves_the_window() {
    use prelist::book::apply_look;
    use prelist::sources::{Exchange, Pair, PairState};
    let t0 = 1_800_000_000;
    let coins = Watchlist::builtin().coins;
    let mut book = prelist::book::Book::default();
    apply_look(&mut book, Exchange::Gate, &[], t0, &coins, false);
    let announced: Vec<Pair> = (0..40)
        .map(|i| Pair {
            base: format!("N{i:02}"),
            quote: "USDT".into(),
            state: PairState::Scheduled {
                opens_at: t0 + 3600 + i as i64 * 60,
            },
        })
        .collect();
    apply_look(
        &mut book,
        Exchange::Gate,
        &announced,
        t0 + 60,
        &coins,
        false,
    );
    let mut app = App::new(Watchlist::builtin(), Listings::new()).with_book(book);
    app.watch_exchanges(&[Exchange::Gate]);
    let _ = app.update(Input::Clock {
        now: app.now().0,
        wall: t0 + 120,
    });
    let _ = app.update(Action::Discover);
    render(&mut app, 80, 24);
    for _ in 0..20 {
        let _ = app.update(Action::Down);
        render(&mut app, 80, 24);
    }
    let first_row = |app: &mut App| row_text(&render(app, 80, 24), 2);
    let top = first_row(&mut app);
    assert!(!top.contains("N00"), "scrolled: {top}");
    for _ in 0..3 {
        let _ = app.update(Action::Up);
        render(&mut app, 80, 24);
    }
    assert_eq!(first_row(&mut app), top, "the window stays");
}

/// A portfolio of $10,000 under the article's rules: Movement Labs
/// pre-market at $0.61, Nillion held and grown past 5%, Parcl held within
/// it.
fn sized_app() -> App {
    use prelist::holding::RawHolding;
    use prelist::money::Decimal;
    use prelist::premarket::{Offer, Venue, apply_venue_look};
    let t0 = 1_800_000_000;
    let mut w = Watchlist::builtin();
    let hold = |quantity, cost_usd| Some(RawHolding { quantity, cost_usd }.check().unwrap());
    w.coins[1].holding = hold(1000.0, 0.55);
    w.coins[3].holding = hold(1000.0, 0.30);
    let listing = |price: f64| {
        Listing {
            listed_at: t0 - 86_400,
            first_price: 0.5,
            price_usd: price,
            change_24h: None,
            market_cap: None,
            updated_at: t0,
            stale: false,
            history: Vec::new(),
        }
        .into()
    };
    let listings = Listings::from([
        ("nillion".into(), listing(0.72)),
        ("parcl".into(), listing(0.31)),
    ]);
    let offer = |base: &str, price| Offer {
        base: base.into(),
        instrument: format!("{base}USDT"),
        price_usd: Some(price),
        phase: Some("ContinuousTrading".into()),
    };
    let mut book = prelist::book::Book::default();
    apply_venue_look(
        &mut book.premarket,
        Venue::Bybit,
        &[offer("BTC", 97_000.0)],
        t0,
        &w.coins,
        |_| false,
    );
    apply_venue_look(
        &mut book.premarket,
        Venue::Bybit,
        &[offer("BTC", 97_000.0), offer("MOVE", 0.61)],
        t0 + 60,
        &w.coins,
        |_| false,
    );
    let mut app = App::new(w, listings).with_book(book);
    let _ = app.update(Input::Clock {
        now: app.now().0,
        wall: t0 + 90,
    });
    app.set_portfolio(Some(prelist::position::Portfolio {
        size_usd: Decimal::from(10_000),
        max_position_pct: Decimal::from(5),
        early_stage_pct: Decimal::from(1),
    }));
    app
}

/// The selected coin's detail, full screen, after `downs` rows down.
fn sized_detail(app: &mut App, downs: usize) -> String {
    for _ in 0..downs {
        let _ = app.update(Action::Down);
    }
    let _ = app.update(Action::ToggleFullDetail);
    let s = screen(&render(app, 100, 16));
    let _ = app.update(Action::ToggleFullDetail);
    for _ in 0..downs {
        let _ = app.update(Action::Up);
    }
    s
}

#[test]
fn detail_pane_plans_a_pre_market_position() {
    let s = sized_detail(&mut sized_app(), 7);
    assert!(
        s.contains(
            "Planned: at most $100 (1% of $10,000, early stage) ≈ 164 MOVE at the pre-market $0.61"
        ),
        "{s}"
    );
    insta::assert_snapshot!(s);
}

#[test]
fn detail_pane_values_a_holding_within_the_rule() {
    let s = sized_detail(&mut sized_app(), 3);
    assert!(s.contains("Holding: 1,000 PRCL worth $310 at $0.31"), "{s}");
    assert!(
        s.contains("P&L: +$10 (+3.3%) on a cost of $300 ($0.30 each)"),
        "{s}"
    );
    assert!(
        s.contains("Weight: 3.1% of the portfolio, within the 5% rule"),
        "{s}"
    );
    assert!(
        !s.contains("Planned"),
        "a trading coin held: its weight says it"
    );
    insta::assert_snapshot!(s);
}

#[test]
fn detail_pane_says_a_holding_is_past_the_rule() {
    let mut app = sized_app();
    let s = sized_detail(&mut app, 1);
    assert!(
        s.contains("Weight: 7.2% of the portfolio: above the 5% rule, $220 over"),
        "{s}"
    );
    assert!(
        s.contains("P&L: +$170 (+30.9%) on a cost of $550 ($0.55 each)"),
        "{s}"
    );
    insta::assert_snapshot!(s);
    // The weight past the rule is drawn as a warning; the rest plainly.
    let _ = app.update(Action::Down);
    let _ = app.update(Action::ToggleFullDetail);
    let t = render(&mut app, 100, 16);
    let colour_of = |label: &str| {
        let y = (0..16)
            .find(|&y| row_text(&t, y).contains(label))
            .unwrap_or_else(|| panic!("no {label} in {}", screen(&t)));
        let x = row_text(&t, y).chars().position(|c| c == ':').unwrap() + 2;
        t.backend().buffer()[(x as u16, y)].fg
    };
    assert_eq!(colour_of("Weight: 7.2%"), Color::Red);
    assert_eq!(colour_of("Holding: 1,000 NIL"), Color::Reset);
    let _ = app.update(Action::ToggleFullDetail);
    let _ = app.update(Action::Up);
    // The status line adds up the holdings against the whole portfolio.
    let t = render(&mut app, 120, 40);
    assert!(
        row_text(&t, 39).contains("holdings $1,030 (10.3% of $10,000)"),
        "{}",
        row_text(&t, 39)
    );
}
