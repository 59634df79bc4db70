//! CoinGecko's plans and the month's quota: which plan a key is, how long
//! its answers are cached, how many calls a month it allows, the interval
//! that keeps a watchlist within them, and the tally of calls made.

use std::time::Duration;

use strum::{EnumCount, EnumString, IntoStaticStr, VariantArray};

use super::coingecko::CHUNK;
use crate::names;
use crate::text::thousands;

/// The shortest interval accepted: the public API refreshes its prices every
/// 60 s, so polling much faster only spends the rate limit.
pub const MIN_INTERVAL: Duration = Duration::from_secs(10);
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(60);
/// The longest interval accepted: longer ones are surely a mistake, and a
/// timer that far away could overflow.
pub const MAX_INTERVAL: Duration = Duration::from_secs(24 * 60 * 60);

/// A CoinGecko plan, as the key in use tells it: how long its answers are
/// cached and how many calls a month it allows.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    EnumString,
    IntoStaticStr,
    VariantArray,
    EnumCount,
)]
#[strum(serialize_all = "lowercase")]
pub enum Plan {
    Keyless,
    Demo,
    Pro,
}

/// The calls a month of CoinGecko's Demo plan (a free key).
pub const DEMO_MONTHLY_CALLS: u64 = 10_000;
/// Budgets are spread over the longest month, so that none runs out.
pub const BUDGET_MONTH: Duration = Duration::from_secs(31 * 24 * 60 * 60);
/// A Pro key's default interval.
pub const PRO_INTERVAL: Duration = Duration::from_secs(30);

impl Plan {
    pub const ALL: [Plan; Plan::COUNT] = names::all();

    /// The name it is counted under in the state file.
    pub fn key(self) -> &'static str {
        self.into()
    }

    pub fn from_key(key: &str) -> Option<Plan> {
        key.parse().ok()
    }

    /// How long the API caches its answers for this plan (CoinGecko's
    /// docs): a poll sooner than that sees the same answer again.
    pub fn cache_period(self) -> Duration {
        match self {
            Plan::Keyless | Plan::Demo => Duration::from_secs(60),
            Plan::Pro => Duration::from_secs(20),
        }
    }

    /// The calls a month the plan allows, where one size fits all of its
    /// users; paid plans differ, and `poll.monthly_calls` says.
    pub fn monthly_calls(self) -> Option<u64> {
        match self {
            Plan::Demo => Some(DEMO_MONTHLY_CALLS),
            Plan::Keyless | Plan::Pro => None,
        }
    }

    /// The shortest default interval: the cache period, or a Pro key's 30 s.
    fn floor(self) -> Duration {
        match self {
            Plan::Keyless => DEFAULT_INTERVAL,
            Plan::Demo => self.cache_period(),
            Plan::Pro => PRO_INTERVAL,
        }
    }

    /// Whose calls they are, for the warnings.
    fn whose(self) -> &'static str {
        match self {
            Plan::Keyless => "the keyless API's",
            Plan::Demo => "a Demo key's",
            Plan::Pro => "a Pro key's",
        }
    }
}

/// Requests one poll of `ids` market ids makes: one per [`CHUNK`].
pub fn requests_per_poll(ids: usize) -> u32 {
    u32::try_from(ids.div_ceil(CHUNK)).unwrap_or(u32::MAX)
}

/// The default interval for `plan`: the shortest that keeps a 31-day month
/// of polls making `requests_per_poll` requests each within the month's
/// calls (`monthly_calls`, else the plan's own), in whole cache periods
/// (a poll between two refreshes of the cache learns nothing), and never
/// shorter than the plan's floor (keyless 60 s, Pro 30 s) nor longer than
/// a day. Without a budget it is the floor.
pub fn plan_interval(plan: Plan, requests_per_poll: u32, monthly_calls: Option<u64>) -> Duration {
    let floor = plan.floor();
    let Some(budget) = monthly_calls.or(plan.monthly_calls()).filter(|&b| b > 0) else {
        return floor;
    };
    // As many polls as the budget holds, spread over the month.
    let polls = budget / u64::from(requests_per_poll.max(1));
    if polls == 0 {
        return MAX_INTERVAL;
    }
    let step = plan.cache_period().as_secs();
    let secs = BUDGET_MONTH.as_secs().div_ceil(polls).div_ceil(step) * step;
    Duration::from_secs(secs).clamp(floor, MAX_INTERVAL)
}

/// The calls a 31-day month of polls every `interval` makes, counting the
/// one at its start.
pub fn monthly_use(interval: Duration, requests_per_poll: u32) -> u64 {
    BUDGET_MONTH
        .as_secs()
        .div_ceil(interval.as_secs().max(1))
        .saturating_mul(u64::from(requests_per_poll.max(1)))
}

/// A warning when polling every `interval` runs out of the month's calls
/// (`monthly_calls` set by the config, else the plan's): "at 60 s a Demo
/// key's 10,000 calls a month last about 7 days".
pub fn budget_warning(
    plan: Plan,
    interval: Duration,
    requests_per_poll: u32,
    monthly_calls: Option<u64>,
) -> Option<String> {
    let budget = monthly_calls.or(plan.monthly_calls())?;
    if monthly_use(interval, requests_per_poll) <= budget {
        return None;
    }
    let whose = match monthly_calls {
        Some(_) => "poll.monthly_calls's",
        None => plan.whose(),
    };
    let lasts = interval.as_secs_f64() * budget as f64 / f64::from(requests_per_poll.max(1));
    Some(format!(
        "at {} {whose} {} calls a month last about {}",
        crate::text::duration(interval),
        thousands(budget),
        about(lasts)
    ))
}

/// A warning when `interval` is shorter than the plan's cache: such polls
/// spend calls on answers already seen.
pub fn cache_warning(plan: Plan, interval: Duration) -> Option<String> {
    let cache = plan.cache_period();
    (interval < cache).then(|| {
        format!(
            "answers are cached for {} s: polling every {} s sees nothing new",
            cache.as_secs(),
            interval.as_secs()
        )
    })
}

/// "7 days", "20 hours", "45 minutes": a rough length, rounded.
fn about(secs: f64) -> String {
    let (n, unit) = if secs >= 1.5 * 86_400.0 {
        (secs / 86_400.0, "day")
    } else if secs >= 1.5 * 3600.0 {
        (secs / 3600.0, "hour")
    } else {
        (secs / 60.0, "minute")
    };
    let n = n.round().max(1.0) as u64;
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// The UTC month of Unix time `at`, as calls are counted: "2026-11".
pub fn month_of(at: i64) -> String {
    jiff::Timestamp::from_second(at)
        .map(|t| t.strftime("%Y-%m").to_string())
        .unwrap_or_else(|_| "0000-00".to_string())
}

/// The month's calls of the key in use, as the status line shows them:
/// what the state file held at start plus what this process sent since.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallTally {
    /// The month counted ("2026-11"); a new one starts from zero.
    pub month: String,
    pub calls: u64,
    /// The month's calls allowed, where known.
    pub budget: Option<u64>,
    /// What the API last said is left (`x-ratelimit-remaining`).
    pub remaining: Option<u64>,
}

impl CallTally {
    /// Counts `requests` sent at Unix time `at`.
    pub fn add(&mut self, requests: u32, at: i64) {
        let month = month_of(at);
        if month != self.month {
            self.month = month;
            self.calls = 0;
        }
        self.calls = self.calls.saturating_add(u64::from(requests));
    }

    /// "1,234 of 10,000 calls this month · the API says 8,766 left".
    pub fn text(&self) -> String {
        let mut out = match self.budget {
            Some(budget) => format!(
                "{} of {} calls this month",
                thousands(self.calls),
                thousands(budget)
            ),
            None if self.calls == 1 => "1 call this month".to_string(),
            None => format!("{} calls this month", thousands(self.calls)),
        };
        if let Some(left) = self.remaining {
            out.push_str(&format!(" · the API says {} left", thousands(left)));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_interval_follows_the_plan() {
        let secs = Duration::from_secs;
        assert_eq!(plan_interval(Plan::Keyless, 1, None), secs(60));
        assert_eq!(plan_interval(Plan::Keyless, 4, None), secs(60));
        assert_eq!(plan_interval(Plan::Pro, 1, None), secs(30));
        // 31 days of 1 request per 268 s is just under 10,000 calls; a
        // whole minute up from there.
        assert_eq!(plan_interval(Plan::Demo, 1, None), secs(300));
        assert_eq!(plan_interval(Plan::Demo, 0, None), secs(300));
        // 251 ids: 2 requests a poll, 535.68 s, up to 540 s (9,920 calls).
        assert_eq!(requests_per_poll(251), 2);
        assert_eq!(
            plan_interval(Plan::Demo, requests_per_poll(251), None),
            secs(540)
        );
        assert_eq!(plan_interval(Plan::Demo, 4, None), secs(1080));
        for requests in 1..=40 {
            let i = plan_interval(Plan::Demo, requests, None);
            assert!(monthly_use(i, requests) <= DEMO_MONTHLY_CALLS, "{requests}");
            assert!(
                monthly_use(i - secs(60), requests) > DEMO_MONTHLY_CALLS,
                "a minute less would run out ({requests})"
            );
        }
        // poll.monthly_calls: another plan's budget.
        assert_eq!(plan_interval(Plan::Demo, 1, Some(100_000)), secs(60));
        assert_eq!(plan_interval(Plan::Pro, 1, Some(500_000)), secs(30));
        assert_eq!(plan_interval(Plan::Pro, 1, Some(50_000)), secs(60));
        assert_eq!(plan_interval(Plan::Keyless, 1, Some(5_000)), secs(540));
        assert_eq!(
            plan_interval(Plan::Demo, 1, Some(1)),
            MAX_INTERVAL,
            "never longer than a day"
        );
    }

    #[test]
    fn an_interval_past_the_budget_or_under_the_cache_is_warned_about() {
        let secs = Duration::from_secs;
        assert_eq!(
            budget_warning(Plan::Demo, secs(60), 1, None).as_deref(),
            Some("at 60 s a Demo key's 10,000 calls a month last about 7 days")
        );
        assert_eq!(
            budget_warning(Plan::Demo, secs(10), 2, None).as_deref(),
            Some("at 10 s a Demo key's 10,000 calls a month last about 14 hours")
        );
        assert_eq!(
            budget_warning(Plan::Pro, secs(30), 1, Some(50_000)).as_deref(),
            Some("at 30 s poll.monthly_calls's 50,000 calls a month last about 17 days")
        );
        assert_eq!(budget_warning(Plan::Demo, secs(300), 1, None), None);
        assert_eq!(budget_warning(Plan::Keyless, secs(10), 1, None), None);
        assert_eq!(budget_warning(Plan::Pro, secs(10), 9, None), None);
        assert_eq!(
            cache_warning(Plan::Demo, secs(10)).as_deref(),
            Some("answers are cached for 60 s: polling every 10 s sees nothing new")
        );
        assert_eq!(
            cache_warning(Plan::Pro, secs(10)).as_deref(),
            Some("answers are cached for 20 s: polling every 10 s sees nothing new")
        );
        assert_eq!(cache_warning(Plan::Keyless, secs(60)), None);
        assert_eq!(cache_warning(Plan::Pro, secs(20)), None);
    }

    #[test]
    fn calls_are_tallied_by_month() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1234), "1,234");
        assert_eq!(thousands(1_234_567), "1,234,567");
        // 2026-11-30 23:59:59 and a second later, UTC.
        let (nov, dec) = (1_796_083_199, 1_796_083_200);
        assert_eq!(
            (month_of(nov).as_str(), month_of(dec).as_str()),
            ("2026-11", "2026-12")
        );
        let mut tally = CallTally {
            month: "2026-11".into(),
            calls: 1232,
            budget: Some(10_000),
            remaining: None,
        };
        tally.add(2, nov);
        assert_eq!(tally.text(), "1,234 of 10,000 calls this month");
        tally.remaining = Some(8766);
        assert_eq!(
            tally.text(),
            "1,234 of 10,000 calls this month · the API says 8,766 left"
        );
        tally.add(1, dec);
        assert_eq!((tally.month.as_str(), tally.calls), ("2026-12", 1));
        tally.budget = None;
        tally.remaining = None;
        assert_eq!(tally.text(), "1 call this month");
    }
}
