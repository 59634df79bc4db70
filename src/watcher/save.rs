//! One file's saves, the same for the state and the watchlist: asked for
//! while an input is taken in, sent once at its end, at most one in flight
//! (two never race, and an answer always refers to the latest sent), and
//! tried again after a failure.

/// A failed save is tried again after this many seconds, for as long as
/// it fails.
pub const RETRY_GAP: i64 = 30;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SaveSlot {
    /// A save was asked for while taking in this input.
    wanted: bool,
    in_flight: bool,
    /// Changed again while a save was in flight: save once more after it.
    again: bool,
    /// Why the last save failed, while what it held is written nowhere else.
    error: Option<String>,
    /// When the failed save is tried again (wall seconds).
    retry_at: Option<i64>,
}

impl SaveSlot {
    /// Asks for a save, sent at the end of the input (see [`SaveSlot::send`]).
    pub fn ask(&mut self) {
        self.wanted = true;
    }

    /// Whether to send a save now: one was asked for and none is in flight.
    /// One asked for while another is in flight goes after it.
    #[must_use]
    pub fn send(&mut self) -> bool {
        if !std::mem::take(&mut self.wanted) {
            return false;
        }
        if self.in_flight {
            self.again = true;
            false
        } else {
            self.in_flight = true;
            true
        }
    }

    /// Takes in the outcome of the save in flight, at wall time `now`.
    /// Returns whether to save once more: the file changed meanwhile.
    #[must_use]
    pub fn done(&mut self, error: Option<String>, now: i64) -> bool {
        self.in_flight = false;
        self.retry_at = error.as_ref().map(|_| now.saturating_add(RETRY_GAP));
        self.error = error;
        std::mem::take(&mut self.again)
    }

    /// Notes that the answer to the save in flight says to save once more.
    pub fn again(&mut self) {
        self.again = true;
    }

    /// Whether, at wall time `now`, a failed save is due to be tried again.
    #[must_use]
    pub fn due(&mut self, now: i64) -> bool {
        let due = !self.in_flight && self.retry_at.is_some_and(|at| now >= at);
        if due {
            self.retry_at = None;
        }
        due
    }

    /// Whether the last save failed: then it is to be tried again now.
    #[must_use]
    pub fn retry(&mut self) -> bool {
        let failed = self.error.is_some();
        if failed {
            self.retry_at = None;
        }
        failed
    }

    /// Whether a save is asked for, in flight or due after the one in flight.
    pub fn pending(&self) -> bool {
        self.wanted || self.in_flight || self.again
    }

    pub fn in_flight(&self) -> bool {
        self.in_flight
    }

    /// Why the last save failed, while nothing newer has been written.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_in_flight_and_the_next_after_it() {
        let mut slot = SaveSlot::default();
        slot.ask();
        assert!(slot.send());
        slot.ask();
        assert!(!slot.send(), "one in flight at a time");
        assert!(slot.pending());
        assert!(slot.done(None, 0), "the change made meanwhile goes next");
        slot.ask();
        assert!(slot.send());
        assert!(!slot.done(None, 0));
        assert!(!slot.pending());
    }

    #[test]
    fn a_failed_save_is_tried_again_when_due() {
        let mut slot = SaveSlot::default();
        slot.ask();
        assert!(slot.send());
        assert!(!slot.done(Some("disk full".into()), 100));
        assert_eq!(slot.error(), Some("disk full"));
        assert!(!slot.pending(), "nothing waits on a failure");
        assert!(!slot.due(100 + RETRY_GAP - 1));
        assert!(slot.due(100 + RETRY_GAP), "due: tried again");
        assert!(!slot.due(100 + RETRY_GAP), "once");
        slot.ask();
        assert!(slot.send());
        assert!(!slot.done(None, 200));
        assert_eq!(slot.error(), None);
        assert!(!slot.due(10_000), "written: no retry left");
    }

    #[test]
    fn retry_asks_only_after_a_failure() {
        let mut slot = SaveSlot::default();
        assert!(!slot.retry());
        slot.ask();
        assert!(slot.send());
        assert!(!slot.done(Some("read-only".into()), 0));
        assert!(slot.retry());
        assert!(
            !slot.due(1_000),
            "the retry is no longer waiting for its time"
        );
    }
}
