//! Drawing: a pure function of `&App` onto any ratatui backend. It reports
//! back where it put things (`Viewport`) so input can be mapped to them.

mod detail;
mod discover;
mod form;
mod help;
mod log;
mod lookup;
mod popup;
mod status;
mod table;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::app::{App, Mode, Viewport};
use theme::Palette;

pub use status::poll_text;

/// Below this size the screen only asks for more room.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;

/// From this width on the detail pane goes beside the table, not below it.
pub const SIDE_BY_SIDE_WIDTH: u16 = 150;

/// Draws the whole screen and returns where the parts went.
pub fn draw(frame: &mut Frame, app: &App, theme: &Palette) -> Viewport {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        draw_too_small(frame, area);
        return Viewport::default();
    }
    let [main, status_area] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    let mut vp = Viewport::default();

    if let Some(view) = app.discover() {
        discover::draw(frame, main, app, view, theme, &mut vp);
    } else if app.detail_full {
        detail::draw(frame, main, app, theme, &mut vp);
    } else if area.width >= SIDE_BY_SIDE_WIDTH {
        // The table takes the width its columns need; the detail the rest.
        let max = main.width * 2 / 3;
        let table_width = table::natural_width(app, main.height, max).min(max);
        let [left, right] =
            Layout::horizontal([Constraint::Length(table_width), Constraint::Min(0)]).areas(main);
        table::draw(frame, left, app, theme, &mut vp);
        detail::draw(frame, right, app, theme, &mut vp);
    } else {
        // The table takes what its rows need, up to 60% of the height.
        let wanted = app.rows().len().max(1) as u16 + 3;
        let table_height = wanted.min(main.height * 3 / 5).max(4);
        let [top, bottom] =
            Layout::vertical([Constraint::Length(table_height), Constraint::Min(0)]).areas(main);
        table::draw(frame, top, app, theme, &mut vp);
        detail::draw(frame, bottom, app, theme, &mut vp);
    }
    status::draw(frame, status_area, app, theme);
    match app.mode {
        Mode::Help => help::draw(frame, area, app, theme, &mut vp),
        Mode::Log => log::draw(frame, area, app, theme, &mut vp),
        Mode::Form => form::draw(frame, area, app, theme),
        Mode::Lookup => lookup::draw(frame, area, app, theme),
        Mode::Normal | Mode::Discover | Mode::Search | Mode::ConfirmDelete | Mode::ConfirmQuit => {}
    }
    vp
}

fn draw_too_small(frame: &mut Frame, area: Rect) {
    let text = vec![
        Line::from("Terminal too small"),
        Line::from(format!(
            "{}×{}, need {MIN_WIDTH}×{MIN_HEIGHT}",
            area.width, area.height
        )),
    ];
    frame.render_widget(
        Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }),
        area,
    );
}
