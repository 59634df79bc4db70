//! The help overlay: the keymap in force, then where the list comes from and
//! the article's risk advice.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::popup;
use super::theme::Palette;
use crate::about;
use crate::app::{App, Mode, Viewport};
use crate::keymap::{Action, Binding};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Palette, vp: &mut Viewport) {
    let inner = popup::draw(
        frame,
        area,
        76,
        "Help",
        &overlay_hint(app, Mode::Help),
        theme,
    );
    let lines = help_lines(app, inner.width, theme);
    vp.help_height = inner.height;
    vp.help_lines = lines.len();
    let scroll = app
        .help_scroll
        .min(lines.len().saturating_sub(usize::from(inner.height)));
    let shown: Vec<Line> = lines.into_iter().skip(scroll).collect();
    frame.render_widget(Paragraph::new(shown), inner);
}

/// The footer of an overlay (help, the log), from the keys in force:
/// "? or Esc closes · j/k scroll".
pub fn overlay_hint(app: &App, mode: Mode) -> String {
    let km = &app.keymap;
    let close = if mode == Mode::Log {
        Action::ToggleLog
    } else {
        Action::Help
    };
    format!(
        "{} closes · {}/{} scroll",
        km.close_label(mode, &close),
        km.label(mode, &Action::Down),
        km.label(mode, &Action::Up)
    )
}

/// Every line of the overlay, wrapped to `width`.
pub fn help_lines(app: &App, width: u16, theme: &Palette) -> Vec<Line<'static>> {
    let width = usize::from(width.max(20));
    let mut out = Vec::new();
    // Opened over Discover, its keys come first.
    let discover = (
        "Discover: coins not on the watchlist",
        app.keymap.for_mode(Mode::Discover),
    );
    let table = ("Table", app.keymap.for_mode(Mode::Normal));
    let first = if app.discover().is_some() {
        [discover, table]
    } else {
        [table, discover]
    };
    for (title, bindings) in first {
        section(&mut out, title, theme);
        keys(&mut out, bindings, width, theme);
    }
    section(&mut out, "Typing a search", theme);
    keys(&mut out, app.keymap.for_mode(Mode::Search), width, theme);
    section(&mut out, "In the add/edit form (other keys type)", theme);
    keys(&mut out, app.keymap.for_mode(Mode::Form), width, theme);
    section(
        &mut out,
        "In the market-id lookup (other keys type an id)",
        theme,
    );
    keys(&mut out, app.keymap.for_mode(Mode::Lookup), width, theme);
    section(&mut out, "In the event log", theme);
    keys(&mut out, app.keymap.for_mode(Mode::Log), width, theme);
    section(&mut out, "Mouse", theme);
    out.push(Line::raw(
        "click a row to select it, a header to sort by it; the wheel scrolls",
    ));
    section(&mut out, "About the list", theme);
    wrapped(&mut out, about::SOURCE, width, "");
    out.push(Line::raw("Chosen for:"));
    for c in about::CRITERIA {
        wrapped(&mut out, c, width, "• ");
    }
    section(&mut out, "Managing risk", theme);
    for r in about::RISK {
        wrapped(&mut out, r, width, "• ");
    }
    out
}

fn section(out: &mut Vec<Line<'static>>, title: &str, theme: &Palette) {
    if !out.is_empty() {
        out.push(Line::default());
    }
    out.push(Line::styled(title.to_string(), theme.label()));
}

/// One line per binding: its keys, padded, then what it does.
fn keys(out: &mut Vec<Line<'static>>, bindings: &[Binding], width: usize, theme: &Palette) {
    const KEYS_WIDTH: usize = 16;
    for b in bindings {
        let keys = crate::keymap::labels(&b.keys, " ");
        let text = format!("{keys:<KEYS_WIDTH$} {}", b.help);
        for (i, line) in textwrap::wrap(
            &text,
            textwrap::Options::new(width).subsequent_indent(&" ".repeat(KEYS_WIDTH + 1)),
        )
        .into_iter()
        .enumerate()
        {
            let line = line.into_owned();
            if i == 0 && line.len() >= KEYS_WIDTH {
                let (k, rest) = line.split_at(
                    line.char_indices()
                        .nth(KEYS_WIDTH)
                        .map_or(line.len(), |(i, _)| i),
                );
                out.push(Line::from(vec![
                    Span::styled(k.to_string(), theme.header()),
                    Span::raw(rest.to_string()),
                ]));
            } else {
                out.push(Line::raw(line));
            }
        }
    }
}

fn wrapped(out: &mut Vec<Line<'static>>, text: &str, width: usize, bullet: &str) {
    let indent = " ".repeat(bullet.chars().count());
    let opts = textwrap::Options::new(width)
        .initial_indent(bullet)
        .subsequent_indent(&indent);
    for line in textwrap::wrap(text, opts) {
        out.push(Line::raw(line.into_owned()));
    }
}
