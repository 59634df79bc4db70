//! Exponential backoff with jitter, for every loop that tries again after
//! a failure: the CoinGecko poller, each exchange's watch and the webhook.

use std::time::Duration;

/// Waits that double from `first` after each failure in a row, up to
/// `cap`, each spread by up to ±`spread_pct` percent so that many clients
/// do not retry in step. A wait is never shorter than `first` (nor than
/// `cap`, if that is smaller) and never longer than `cap`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub first: Duration,
    pub cap: Duration,
    /// The jitter, in percent either way (at most 100).
    pub spread_pct: u32,
}

impl Backoff {
    /// The wait after the `failures`-th failure in a row (1-based; 0 counts
    /// as 1): `first` × 2^(failures−1), capped, then jittered by `jitter`
    /// in `[0, 1]` (0.5 leaves it as it is).
    pub fn wait(&self, failures: u32, jitter: f64) -> Duration {
        let floor = self.first.min(self.cap);
        // A factor or a product too large for its type is past any cap.
        let base = 2u32
            .checked_pow(failures.saturating_sub(1))
            .and_then(|factor| self.first.checked_mul(factor))
            .map_or(self.cap, |wait| wait.min(self.cap));
        let spread = f64::from(self.spread_pct.min(100)) / 100.0;
        let factor = 1.0 + (jitter.clamp(0.0, 1.0) - 0.5) * 2.0 * spread;
        Duration::try_from_secs_f64(factor * base.as_secs_f64())
            .map_or(self.cap, |wait| wait.clamp(floor, self.cap))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: Backoff = Backoff {
        first: Duration::from_secs(10),
        cap: Duration::from_secs(100),
        spread_pct: 20,
    };

    #[test]
    fn doubles_from_the_first_wait_up_to_the_cap() {
        let waits: Vec<u64> = (1..=6).map(|n| B.wait(n, 0.5).as_secs()).collect();
        assert_eq!(waits, [10, 20, 40, 80, 100, 100]);
        assert_eq!(B.wait(0, 0.5), B.wait(1, 0.5), "no failure waits as one");
    }

    #[test]
    fn jitter_spreads_each_wait_within_the_first_and_the_cap() {
        assert_eq!(B.wait(2, 0.0), Duration::from_secs(16));
        assert_eq!(B.wait(2, 1.0), Duration::from_secs(24));
        assert_eq!(B.wait(1, 0.0), B.first, "never sooner than the first wait");
        assert_eq!(B.wait(1, 1.0), Duration::from_secs(12));
        assert_eq!(B.wait(5, 1.0), B.cap, "never past the cap");
        assert_eq!(B.wait(5, 0.0), Duration::from_secs(80));
        // Out-of-range jitter counts as its nearest end.
        assert_eq!(B.wait(2, -3.0), B.wait(2, 0.0));
        assert_eq!(B.wait(2, f64::INFINITY), B.wait(2, 1.0));
        for i in 0..=100 {
            let jitter = f64::from(i) / 100.0;
            for n in 1..=8 {
                let wait = B.wait(n, jitter);
                assert!((B.first..=B.cap).contains(&wait), "{n} {jitter}: {wait:?}");
            }
        }
    }

    #[test]
    fn huge_failure_counts_and_durations_wait_the_cap() {
        for n in [31, 32, 33, 64, u32::MAX] {
            assert_eq!(B.wait(n, 0.5), B.cap, "{n}");
            assert_eq!(B.wait(n, 0.0), Duration::from_secs(80), "{n}");
        }
        let wide = Backoff {
            first: Duration::from_secs(u64::MAX / 4),
            cap: Duration::MAX,
            spread_pct: 100,
        };
        assert_eq!(wide.wait(u32::MAX, 1.0), Duration::MAX);
        assert_eq!(wide.wait(3, 0.5), Duration::MAX);
    }

    #[test]
    fn a_cap_below_the_first_wait_is_every_wait() {
        let b = Backoff {
            cap: Duration::from_secs(5),
            ..B
        };
        assert_eq!(b.wait(1, 0.0), b.cap);
        assert_eq!(b.wait(9, 1.0), b.cap);
    }
}
