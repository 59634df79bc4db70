//! What the state holds, whatever keeps it: CoinGecko's listings and
//! prices, the book of what each exchange lists, the events told (so no two
//! instances tell one) and which price alerts fired.

use crate::alert::Alerts;
use crate::book::Book;
use crate::listing::Listings;
use crate::told::Told;

/// What the state holds: CoinGecko's listings and prices, the book of
/// what each exchange lists, and which price alerts fired.
#[derive(Debug, Clone, Default)]
pub struct State {
    pub listings: Listings,
    pub book: Book,
    /// The events told, by their key.
    pub told: Told,
    pub alerts: Alerts,
    /// The database revision this state holds all of: where it was read or
    /// written, and kept by what this instance alone makes of it (its
    /// polls, looks and events). Not part of what the state says.
    pub based_on: Option<Base>,
}

/// One revision of the state database as one open store saw it. A save of
/// a state based on the revision the database still holds has nothing of
/// another instance's to merge, and takes the state as it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Base {
    /// Which open store, and which file under it: a database replaced
    /// under a running prelist starts its revisions again.
    pub(crate) store: std::num::NonZeroU64,
    pub(crate) revision: i64,
}

impl PartialEq for State {
    fn eq(&self, other: &State) -> bool {
        crate::listing::same_listings(&self.listings, &other.listings)
            && self.book == other.book
            && self.told == other.told
            && self.alerts == other.alerts
    }
}
