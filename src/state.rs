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
}

impl PartialEq for State {
    fn eq(&self, other: &State) -> bool {
        crate::listing::same_listings(&self.listings, &other.listings)
            && self.book == other.book
            && self.told == other.told
            && self.alerts == other.alerts
    }
}
