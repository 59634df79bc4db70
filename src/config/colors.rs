//! `[colors]`: colours that override the theme's, slot by slot.

use std::str::FromStr;

use ratatui::style::Color;
use strum::{EnumCount, EnumString, IntoStaticStr, VariantArray};

use super::error::Bad;
use super::toml_value::{Table, Text, what};
use crate::names;

what! {
    AColour = "a colour in quotes";
}

/// `[colors]` as serde reads it: open keys, one per slot.
pub(super) type RawColors = Table<Text<AColour>>;

/// `[colors]`, checked: each slot and its colour, in the file's order.
pub(super) struct ColorsFile(pub(super) Vec<(ColorSlot, Color)>);

impl TryFrom<RawColors> for ColorsFile {
    type Error = Bad;

    fn try_from(table: RawColors) -> Result<ColorsFile, Bad> {
        let mut colors = Vec::new();
        for (name, value) in table.0 {
            let Some(slot) = ColorSlot::from_key(name.get_ref()) else {
                let known = ColorSlot::ALL.map(ColorSlot::key).join(", ");
                return Err(Bad::unknown_key(&name, "colors", &known));
            };
            let text = &value.get_ref().0;
            let color = Color::from_str(text).map_err(|_| {
                Bad::new(
                    slot.key(),
                    value.span(),
                    format!(
                        "{text:?} is not a colour (use a name such as \"red\" or \
                         \"lightgreen\", \"#rrggbb\", or a number 0-255)"
                    ),
                )
            })?;
            colors.push((slot, color));
        }
        Ok(ColorsFile(colors))
    }
}

/// A colour of the theme that `[colors]` can override.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, EnumString, IntoStaticStr, VariantArray, EnumCount,
)]
#[strum(serialize_all = "snake_case")]
pub enum ColorSlot {
    SelectedFg,
    SelectedBg,
    Border,
    Trading,
    Upcoming,
    Up,
    Down,
    FlippedFg,
    FlippedBg,
    Label,
    Dim,
}

impl ColorSlot {
    pub const ALL: [ColorSlot; ColorSlot::COUNT] = names::all();

    /// The name used in the config file.
    pub fn key(self) -> &'static str {
        self.into()
    }

    pub fn from_key(key: &str) -> Option<ColorSlot> {
        key.parse().ok()
    }

    /// What the colour is used for.
    pub fn describe(self) -> &'static str {
        match self {
            ColorSlot::SelectedFg => "text of the selected row",
            ColorSlot::SelectedBg => "background of the selected row",
            ColorSlot::Border => "border of the focused pane, sorted column header",
            ColorSlot::Trading => "status \"trading\"",
            ColorSlot::Upcoming => "status \"upcoming\"",
            ColorSlot::Up => "a price that went up",
            ColorSlot::Down => "a price that went down",
            ColorSlot::FlippedFg => "text of a row whose coin started trading just now",
            ColorSlot::FlippedBg => "background of a row whose coin started trading just now",
            ColorSlot::Label => "labels in the detail pane",
            ColorSlot::Dim => "secondary text, unfocused borders",
        }
    }

    /// The colour the default theme gives it.
    pub fn default_color(self) -> Color {
        match self {
            ColorSlot::SelectedFg => Color::Black,
            ColorSlot::SelectedBg => Color::Cyan,
            ColorSlot::Border => Color::Cyan,
            ColorSlot::Trading => Color::Green,
            ColorSlot::Upcoming => Color::Yellow,
            ColorSlot::Up => Color::Green,
            ColorSlot::Down => Color::Red,
            ColorSlot::FlippedFg => Color::Black,
            ColorSlot::FlippedBg => Color::Green,
            ColorSlot::Label => Color::Cyan,
            ColorSlot::Dim => Color::DarkGray,
        }
    }
}

/// A colour as the config file writes it: `"darkgray"`, `"#ff8800"`, `"12"`.
pub fn color_name(color: Color) -> String {
    match color {
        Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        Color::Indexed(i) => i.to_string(),
        named => named.to_string().to_lowercase(),
    }
}
