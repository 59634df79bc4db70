//! The polling loop: a task that asks the provider for every watched id once
//! per interval, backs off on faults, honours rate limits, and tells the UI
//! what happened over a channel. It never touches app state itself.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

use super::coingecko::CHUNK;
use super::{MarketError, MarketProvider, Quotes};

/// The shortest interval accepted: the public API refreshes its prices every
/// 60 s, so polling much faster only spends the rate limit.
pub const MIN_INTERVAL: Duration = Duration::from_secs(10);
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(60);
/// Without a `Retry-After`, a rate limit waits this long.
pub const RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);
/// Back-off after errors grows from the interval up to this.
pub const MAX_BACKOFF: Duration = Duration::from_secs(15 * 60);
/// Manual polls closer together than this are refused.
pub const MANUAL_GAP: Duration = Duration::from_secs(5);

/// A CoinGecko plan, as the key in use tells it: how long its answers are
/// cached and how many calls a month it allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
    pub const ALL: [Plan; 3] = [Plan::Keyless, Plan::Demo, Plan::Pro];

    /// The name it is counted under in the state file.
    pub fn key(self) -> &'static str {
        match self {
            Plan::Keyless => "keyless",
            Plan::Demo => "demo",
            Plan::Pro => "pro",
        }
    }

    pub fn from_key(key: &str) -> Option<Plan> {
        Plan::ALL.into_iter().find(|p| p.key() == key)
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
        return crate::config::MAX_INTERVAL;
    }
    let step = plan.cache_period().as_secs();
    let secs = BUDGET_MONTH.as_secs().div_ceil(polls).div_ceil(step) * step;
    Duration::from_secs(secs).clamp(floor, crate::config::MAX_INTERVAL)
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

/// `n` with commas between thousands: 10000 → "10,000".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
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

/// What the UI asks of the poller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Poll now (`Ctrl-r`/`F5`).
    PollNow,
    /// Poll these ids from now on (the watchlist changed).
    SetIds(Vec<String>),
}

/// What the poller tells the UI.
#[derive(Debug, Clone, PartialEq)]
pub enum Report {
    /// A request went out.
    Started,
    /// The answer came; the next poll is due after `next_in`. `requests`
    /// were sent for it, and `remaining` is the API's count of calls left,
    /// when it gave one.
    Done {
        quotes: Quotes,
        next_in: Duration,
        requests: u32,
        remaining: Option<u64>,
    },
    /// The request failed; nothing changes, the next try is after
    /// `retry_in`. `requests` went out before it failed (they count too).
    Failed {
        error: MarketError,
        retry_in: Duration,
        requests: u32,
        remaining: Option<u64>,
    },
    /// A manual poll was not sent; the next request may go after `wait`.
    Refused { reason: Refusal, wait: Duration },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    RateLimited,
    TooSoon,
}

/// How long to wait after the `failures`-th consecutive error (1-based):
/// the interval doubled each time, capped, with ±20% jitter so that many
/// clients do not retry in step.
pub fn backoff(interval: Duration, failures: u32, jitter: f64) -> Duration {
    let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(16));
    let base = interval.saturating_mul(factor).min(MAX_BACKOFF);
    let jittered = base.mul_f64(1.0 + (jitter.clamp(0.0, 1.0) - 0.5) * 0.4);
    jittered.clamp(interval.min(MAX_BACKOFF), MAX_BACKOFF)
}

/// The longest a rate limit makes us wait, whatever `Retry-After` asks: a
/// server's mistake must not stop the watch for days.
pub const MAX_RATE_LIMIT_WAIT: Duration = Duration::from_secs(3600);

/// How long a rate limit makes us wait: what `Retry-After` asks (else a
/// minute), but never less than the poll interval nor than
/// [`MIN_INTERVAL`] (`Retry-After: 0`, or a date in the past, would
/// otherwise send the next request at once, and the next), and never more
/// than [`MAX_RATE_LIMIT_WAIT`] unless the interval itself is longer.
pub fn rate_limit_wait(retry_after: Option<Duration>, interval: Duration) -> Duration {
    let floor = interval.max(MIN_INTERVAL);
    retry_after
        .unwrap_or(RATE_LIMIT_WAIT)
        .min(MAX_RATE_LIMIT_WAIT)
        .max(floor)
}

/// Runs until the UI drops its command sender. The first poll goes at once.
pub async fn run<P: MarketProvider>(
    provider: Arc<P>,
    mut ids: Vec<String>,
    interval: Duration,
    mut commands: mpsc::Receiver<Command>,
    reports: mpsc::Sender<Report>,
) {
    let mut next = Instant::now();
    let mut failures = 0u32;
    // While rate limited, nothing goes before this, manual polls included.
    let mut hold_until: Option<Instant> = None;
    let mut last_manual: Option<Instant> = None;
    loop {
        tokio::select! {
            _ = sleep_until(next) => {}
            cmd = commands.recv() => match cmd {
                None => return,
                Some(Command::SetIds(new)) => {
                    ids = new;
                    continue;
                }
                Some(Command::PollNow) => {
                    let now = Instant::now();
                    if let Some(until) = hold_until.filter(|&u| u > now) {
                        let refusal = Report::Refused { reason: Refusal::RateLimited, wait: until - now };
                        if reports.send(refusal).await.is_err() { return; }
                        continue;
                    }
                    if let Some(last) = last_manual.filter(|&t| now < t + MANUAL_GAP) {
                        let refusal = Report::Refused { reason: Refusal::TooSoon, wait: last + MANUAL_GAP - now };
                        if reports.send(refusal).await.is_err() { return; }
                        continue;
                    }
                    last_manual = Some(now);
                }
            },
        }
        if ids.is_empty() {
            // Nothing to ask about: no request, just an empty answer.
            next = Instant::now() + interval;
            let done = Report::Done {
                quotes: Quotes::new(),
                next_in: interval,
                requests: 0,
                remaining: None,
            };
            if reports.send(done).await.is_err() {
                return;
            }
            continue;
        }
        if reports.send(Report::Started).await.is_err() {
            return;
        }
        // One request at a time: commands wait in the channel meanwhile.
        let before = provider.usage().price_requests;
        let answer = provider.prices(&ids).await;
        let usage = provider.usage();
        let requests =
            u32::try_from(usage.price_requests.saturating_sub(before)).unwrap_or(u32::MAX);
        let remaining = usage.remaining;
        let report = match answer {
            Ok(quotes) => {
                failures = 0;
                hold_until = None;
                Report::Done {
                    quotes,
                    next_in: interval,
                    requests,
                    remaining,
                }
            }
            Err(error) => {
                let retry_in = match &error {
                    MarketError::RateLimited { retry_after } => {
                        let wait = rate_limit_wait(*retry_after, interval);
                        hold_until = Some(Instant::now() + wait);
                        wait
                    }
                    _ => {
                        failures += 1;
                        backoff(interval, failures, fastrand::f64())
                    }
                };
                Report::Failed {
                    error,
                    retry_in,
                    requests,
                    remaining,
                }
            }
        };
        next = Instant::now()
            + match &report {
                Report::Done { next_in, .. } => *next_in,
                Report::Failed { retry_in, .. } => *retry_in,
                _ => interval,
            };
        if reports.send(report).await.is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::market::Quote;
    use std::sync::Mutex;

    /// Answers from a script, and records when each request was made.
    struct Scripted {
        answers: Mutex<Vec<Result<Quotes, MarketError>>>,
        calls: Mutex<Vec<Instant>>,
    }

    impl Scripted {
        fn new(mut answers: Vec<Result<Quotes, MarketError>>) -> Arc<Scripted> {
            answers.reverse();
            Arc::new(Scripted {
                answers: Mutex::new(answers),
                calls: Mutex::new(Vec::new()),
            })
        }
    }

    impl MarketProvider for Scripted {
        async fn prices(&self, _ids: &[String]) -> Result<Quotes, MarketError> {
            self.calls.lock().unwrap().push(Instant::now());
            self.answers
                .lock()
                .unwrap()
                .pop()
                .unwrap_or_else(|| Ok(Quotes::new()))
        }

        async fn search(&self, _query: &str) -> Result<Vec<crate::market::Candidate>, MarketError> {
            Ok(Vec::new())
        }

        /// Two requests per call, as a 251-id watchlist makes, and the
        /// calls left going down by them.
        fn usage(&self) -> crate::market::Usage {
            let sent = 2 * self.calls.lock().unwrap().len() as u64;
            crate::market::Usage {
                price_requests: sent,
                search_requests: 0,
                remaining: Some(1000 - sent),
            }
        }
    }

    fn priced(id: &str, p: f64) -> Quotes {
        Quotes::from([(
            id.to_string(),
            Quote {
                price_usd: Some(p),
                ..Quote::default()
            },
        )])
    }

    fn start(p: Arc<Scripted>, interval: u64) -> (mpsc::Sender<Command>, mpsc::Receiver<Report>) {
        let (ctx, crx) = mpsc::channel(8);
        let (rtx, rrx) = mpsc::channel(8);
        tokio::spawn(run(
            p,
            vec!["a".into()],
            Duration::from_secs(interval),
            crx,
            rtx,
        ));
        (ctx, rrx)
    }

    async fn next_result(rx: &mut mpsc::Receiver<Report>) -> Report {
        loop {
            match rx.recv().await.unwrap() {
                Report::Started => continue,
                other => return other,
            }
        }
    }

    fn secs_between(calls: &[Instant]) -> Vec<u64> {
        calls.windows(2).map(|w| (w[1] - w[0]).as_secs()).collect()
    }

    #[tokio::test(start_paused = true)]
    async fn polls_at_once_then_every_interval() {
        let p = Scripted::new(vec![
            Ok(priced("a", 1.0)),
            Ok(priced("a", 2.0)),
            Ok(Quotes::new()),
        ]);
        let (_cmd, mut rx) = start(p.clone(), 60);
        for _ in 0..3 {
            assert!(matches!(next_result(&mut rx).await, Report::Done { .. }));
        }
        assert_eq!(secs_between(&p.calls.lock().unwrap()), [60, 60]);
    }

    #[tokio::test(start_paused = true)]
    async fn errors_back_off_and_recover() {
        let p = Scripted::new(vec![
            Err(MarketError::Status { status: 500 }),
            Err(MarketError::Timeout),
            Err(MarketError::Status { status: 503 }),
            Ok(priced("a", 1.0)),
            Ok(priced("a", 1.0)),
        ]);
        let (_cmd, mut rx) = start(p.clone(), 60);
        for _ in 0..3 {
            assert!(matches!(next_result(&mut rx).await, Report::Failed { .. }));
        }
        assert!(matches!(next_result(&mut rx).await, Report::Done { .. }));
        assert!(matches!(next_result(&mut rx).await, Report::Done { .. }));
        let gaps = secs_between(&p.calls.lock().unwrap());
        // 60, 120, 240 (±20%, never below the interval), then the interval again.
        assert!((60..=72).contains(&gaps[0]), "{gaps:?}");
        assert!((96..=144).contains(&gaps[1]), "{gaps:?}");
        assert!((192..=288).contains(&gaps[2]), "{gaps:?}");
        assert_eq!(gaps[3], 60, "{gaps:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn rate_limit_holds_every_request_including_manual_ones() {
        let p = Scripted::new(vec![
            Err(MarketError::RateLimited {
                retry_after: Some(Duration::from_secs(119)),
            }),
            Ok(priced("a", 1.0)),
        ]);
        let (cmd, mut rx) = start(p.clone(), 60);
        match next_result(&mut rx).await {
            Report::Failed { retry_in, .. } => assert_eq!(retry_in, Duration::from_secs(119)),
            other => panic!("{other:?}"),
        }
        tokio::time::sleep(Duration::from_secs(30)).await;
        cmd.send(Command::PollNow).await.unwrap();
        match next_result(&mut rx).await {
            Report::Refused { reason, wait } => {
                assert_eq!(reason, Refusal::RateLimited);
                assert_eq!(wait, Duration::from_secs(89));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(next_result(&mut rx).await, Report::Done { .. }));
        assert_eq!(secs_between(&p.calls.lock().unwrap()), [119]);
    }

    #[tokio::test(start_paused = true)]
    async fn rate_limit_without_retry_after_waits_a_minute() {
        let p = Scripted::new(vec![Err(MarketError::RateLimited { retry_after: None })]);
        let (_cmd, mut rx) = start(p.clone(), 10);
        match next_result(&mut rx).await {
            Report::Failed { retry_in, .. } => assert_eq!(retry_in, RATE_LIMIT_WAIT),
            other => panic!("{other:?}"),
        }
        next_result(&mut rx).await;
        assert_eq!(secs_between(&p.calls.lock().unwrap()), [60]);
    }

    #[tokio::test(start_paused = true)]
    async fn manual_polls_at_most_one_per_five_seconds() {
        let p = Scripted::new(vec![]);
        let (cmd, mut rx) = start(p.clone(), 60);
        next_result(&mut rx).await;
        tokio::time::sleep(Duration::from_secs(10)).await;
        cmd.send(Command::PollNow).await.unwrap();
        assert!(matches!(next_result(&mut rx).await, Report::Done { .. }));
        tokio::time::sleep(Duration::from_secs(2)).await;
        cmd.send(Command::PollNow).await.unwrap();
        match next_result(&mut rx).await {
            Report::Refused { reason, wait } => {
                assert_eq!(reason, Refusal::TooSoon);
                assert_eq!(wait, Duration::from_secs(3));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(secs_between(&p.calls.lock().unwrap()), [10]);
    }

    #[test]
    fn a_rate_limit_waits_at_least_the_interval_and_at_most_the_cap() {
        let minute = Duration::from_secs(60);
        let secs = Duration::from_secs;
        // Retry-After: 0, or a date in the past (parsed as 0).
        assert_eq!(rate_limit_wait(Some(secs(0)), minute), minute);
        assert_eq!(rate_limit_wait(Some(secs(0)), secs(10)), secs(10));
        assert_eq!(rate_limit_wait(Some(secs(3)), secs(5)), MIN_INTERVAL);
        assert_eq!(rate_limit_wait(Some(secs(119)), minute), secs(119));
        assert_eq!(rate_limit_wait(None, secs(10)), RATE_LIMIT_WAIT);
        assert_eq!(
            rate_limit_wait(Some(secs(u64::MAX / 2)), minute),
            MAX_RATE_LIMIT_WAIT
        );
        assert_eq!(
            rate_limit_wait(Some(secs(u64::MAX / 2)), secs(7200)),
            secs(7200),
            "a longer interval still wins"
        );
        let asked_a_day = MarketError::RateLimited {
            retry_after: Some(secs(86_400)),
        };
        assert_eq!(
            asked_a_day.to_string(),
            "rate limited by the API (it asked for 24 h; waiting at most 60 m)"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_zero_does_not_flood() {
        let zero = || {
            Err(MarketError::RateLimited {
                retry_after: Some(Duration::ZERO),
            })
        };
        let p = Scripted::new(vec![zero(), zero(), zero(), Ok(priced("a", 1.0))]);
        let (_cmd, mut rx) = start(p.clone(), 10);
        for _ in 0..3 {
            match next_result(&mut rx).await {
                Report::Failed { retry_in, .. } => assert_eq!(retry_in, MIN_INTERVAL),
                other => panic!("{other:?}"),
            }
        }
        assert!(matches!(next_result(&mut rx).await, Report::Done { .. }));
        assert_eq!(secs_between(&p.calls.lock().unwrap()), [10, 10, 10]);
    }

    #[tokio::test(start_paused = true)]
    async fn each_report_says_how_many_requests_went_out() {
        let p = Scripted::new(vec![
            Ok(priced("a", 1.0)),
            Err(MarketError::Status { status: 500 }),
        ]);
        let (_cmd, mut rx) = start(p.clone(), 60);
        match next_result(&mut rx).await {
            Report::Done {
                requests,
                remaining,
                ..
            } => assert_eq!((requests, remaining), (2, Some(998))),
            other => panic!("{other:?}"),
        }
        match next_result(&mut rx).await {
            Report::Failed {
                requests,
                remaining,
                ..
            } => assert_eq!((requests, remaining), (2, Some(996))),
            other => panic!("{other:?}"),
        }
    }

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
            crate::config::MAX_INTERVAL,
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

    #[test]
    fn backoff_grows_caps_and_jitters() {
        let i = Duration::from_secs(60);
        assert_eq!(backoff(i, 1, 0.5), i);
        assert_eq!(backoff(i, 2, 0.5), Duration::from_secs(120));
        assert_eq!(backoff(i, 3, 0.5), Duration::from_secs(240));
        assert_eq!(backoff(i, 30, 0.5), MAX_BACKOFF);
        assert_eq!(
            backoff(i, 30, 1.0),
            MAX_BACKOFF,
            "jitter never passes the cap"
        );
        assert_eq!(
            backoff(i, 1, 0.0),
            i,
            "jitter never goes under the interval"
        );
        assert_eq!(backoff(i, 2, 0.0), Duration::from_secs(96));
        assert_eq!(backoff(i, 2, 1.0), Duration::from_secs(144));
    }
}
