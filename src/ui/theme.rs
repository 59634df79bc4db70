//! Colours and styles, in one place so the screen stays consistent.

use ratatui::style::{Color, Modifier, Style};

pub fn header() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

pub fn sorted_header() -> Style {
    Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
}

/// The selected row when the table has the keys.
pub fn selected_row() -> Style {
    Style::new()
        .fg(Color::Black)
        .bg(Color::Cyan)
        .add_modifier(Modifier::BOLD)
}

/// The selected row when the detail pane has the keys.
pub fn selected_row_unfocused() -> Style {
    Style::new().bg(Color::DarkGray)
}

pub fn border(focused: bool) -> Style {
    if focused {
        Style::new().fg(Color::Cyan)
    } else {
        Style::new().fg(Color::DarkGray)
    }
}

pub fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

pub fn upcoming() -> Style {
    Style::new().fg(Color::Yellow)
}

pub fn trading() -> Style {
    Style::new().fg(Color::Green).add_modifier(Modifier::BOLD)
}

pub fn up() -> Style {
    Style::new().fg(Color::Green)
}

pub fn down() -> Style {
    Style::new().fg(Color::Red)
}

pub fn label() -> Style {
    Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
}

pub fn title() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

/// A row whose coin started trading while the app was open.
pub fn flipped_row() -> Style {
    Style::new().bg(Color::Green).fg(Color::Black)
}
