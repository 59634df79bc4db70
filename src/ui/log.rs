//! The event log overlay: flips and poll errors with their times, newest first.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::popup;
use super::theme::Palette;
use crate::app::{App, LogKind, Mode, Viewport};
use crate::text::clean;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Palette, vp: &mut Viewport) {
    let hint = super::help::overlay_hint(app, Mode::Log);
    let inner = popup::draw(frame, area, 100, "Event log", &hint, theme);
    vp.help_height = inner.height;
    vp.help_lines = app.log.len();

    let lines: Vec<Line> = if app.log.is_empty() {
        let hint = if app.watcher.polling.is_some() {
            "No events yet: flips and poll errors will be listed here."
        } else {
            "No events: polling is off (start prelist with --poll)."
        };
        vec![Line::styled(hint, theme.dim())]
    } else {
        app.log
            .iter()
            .rev()
            .skip(app.log_scroll)
            .take(usize::from(inner.height))
            .map(|e| {
                let when = jiff::Timestamp::from_second(e.at)
                    .map(|t| {
                        t.to_zoned(app.tz.clone())
                            .strftime("%Y-%m-%d %H:%M:%S")
                            .to_string()
                    })
                    .unwrap_or_else(|_| "?".into());
                let style = match e.kind {
                    LogKind::Flip => theme.trading(),
                    LogKind::Error => theme.down(),
                    LogKind::Info => Style::new(),
                };
                Line::from(vec![
                    Span::styled(format!("{when}  "), theme.dim()),
                    Span::styled(clean(&e.text).into_owned(), style),
                ])
            })
            .collect()
    };
    frame.render_widget(Paragraph::new(lines), inner);
}
