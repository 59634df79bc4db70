//! The columns of Discover's table: the keymap sorts by them, the view
//! and `prelist discover` show them.

/// The columns of Discover's table and of `prelist discover`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, strum::VariantArray, strum::EnumCount)]
pub enum Column {
    Ticker,
    Name,
    Status,
    Venues,
    /// The opening time and its countdown, or when it was first seen.
    Opens,
    Price,
}

impl Column {
    pub const ALL: [Column; <Column as strum::EnumCount>::COUNT] = crate::names::all();

    pub fn title(self) -> &'static str {
        match self {
            Column::Ticker => "Ticker",
            Column::Name => "Name",
            Column::Status => "Status",
            Column::Venues => "Venues",
            Column::Opens => "Opens / first seen",
            Column::Price => "Price",
        }
    }
}
