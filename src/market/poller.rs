//! The polling loop: a task that asks the provider for every watched id once
//! per interval, backs off on faults, honours rate limits, and tells the UI
//! what happened over a channel. It never touches app state itself.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until};

use super::fetch::{Stop, fetch};
use super::plan::MIN_INTERVAL;
use super::{MAX_RATE_LIMIT_WAIT, MarketError, MarketProvider, Quotes};
use crate::backoff::Backoff;

/// Without a `Retry-After`, a rate limit waits this long.
pub const RATE_LIMIT_WAIT: Duration = Duration::from_secs(60);
/// Back-off after errors grows from the interval up to this.
pub const MAX_BACKOFF: Duration = Duration::from_secs(15 * 60);
/// Manual polls closer together than this are refused.
pub const MANUAL_GAP: Duration = Duration::from_secs(5);
/// CoinGecko is unusable, and the fallback asked, once its polls have
/// failed this many times in a row…
pub const FALLBACK_AFTER_FAILURES: u32 = 3;
/// …or once a rate limit asks for a longer wait than this…
pub const FALLBACK_AFTER_WAIT: Duration = Duration::from_secs(5 * 60);
// …or once the month's calls are spent (`MarketProvider::spent`).

/// Why CoinGecko is unusable, and the fallback source asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unusable {
    /// Its polls failed this many times in a row.
    Failing(u32),
    /// A rate limit holds its next request back this long.
    RateLimited(Duration),
    /// The month's calls are spent.
    Spent,
}

impl Unusable {
    /// "CoinGecko failed 3 polls in a row", for the status line and the log.
    pub fn text(self) -> String {
        match self {
            Unusable::Failing(n) => format!("CoinGecko failed {n} polls in a row"),
            Unusable::RateLimited(wait) => {
                format!("CoinGecko rate limited for {}", crate::text::duration(wait))
            }
            Unusable::Spent => "the month's CoinGecko calls are spent".to_string(),
        }
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
    /// Some chunks answered before one failed: `quotes` is what the
    /// `answered` ids said, and only they count (the others are neither
    /// flipped nor marked stale); the failure is told as [`Report::Failed`]'s
    /// is, and the next try is after `retry_in`.
    Partial {
        quotes: Quotes,
        answered: Vec<String>,
        error: MarketError,
        retry_in: Duration,
        requests: u32,
        remaining: Option<u64>,
    },
    /// A manual poll was not sent; the next request may go after `wait`.
    Refused { reason: Refusal, wait: Duration },
    /// The fallback `source` was asked because CoinGecko is unusable
    /// (`why`): `quotes` is what it said of the `answered` ids, which count
    /// as a poll's do. `error` is why it stopped short, if it did. It is
    /// asked again after `next_in` while CoinGecko stays unusable;
    /// CoinGecko is still tried on its own schedule meanwhile.
    Fallback {
        source: &'static str,
        why: Unusable,
        quotes: Quotes,
        answered: Vec<String>,
        error: Option<MarketError>,
        next_in: Duration,
        /// When CoinGecko is tried again.
        coingecko_in: Duration,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    RateLimited,
    TooSoon,
    /// The month's calls are spent: the fallback's prices stand in.
    Spent,
}

/// How long to wait after the `failures`-th consecutive error (1-based):
/// the interval doubled each time up to [`MAX_BACKOFF`], with ±20% jitter,
/// and never sooner than the interval, which the rate limit and the
/// month's calls were planned for.
pub fn backoff(interval: Duration, failures: u32, jitter: f64) -> Duration {
    let backoff = Backoff {
        first: interval,
        cap: MAX_BACKOFF,
        spread_pct: 20,
    };
    backoff.wait(failures, jitter)
}

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
/// With a `fallback`, it is asked every interval while CoinGecko (the
/// `provider`) is unusable (see [`Unusable`]), and only then; CoinGecko is
/// still tried on its own schedule, and once it answers, the fallback rests.
pub async fn run<P: MarketProvider, F: MarketProvider>(
    provider: Arc<P>,
    fallback: Option<Arc<F>>,
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
    // While CoinGecko is unusable (and there is a fallback): why, and when
    // the fallback is asked next.
    let mut unusable: Option<(Unusable, Instant)> = None;
    loop {
        let wake = unusable.map_or(next, |(_, at)| at.min(next));
        let mut manual = false;
        tokio::select! {
            _ = sleep_until(wake) => {}
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
                    manual = true;
                }
            },
        }
        if ids.is_empty() {
            // Nothing to ask about: no request, just an empty answer.
            next = Instant::now() + interval;
            unusable = None;
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
        let now = Instant::now();
        if let (Some(fallback), Some((why, at))) = (&fallback, unusable)
            && !manual
            && at <= now
            && now < next
        {
            // CoinGecko's own try is not due: the fallback's is.
            let (report, wait) = ask_fallback(fallback.as_ref(), &ids, why, interval, next).await;
            unusable = Some((why, Instant::now() + wait));
            if reports.send(report).await.is_err() {
                return;
            }
            continue;
        }
        if fallback.is_some() && provider.spent() {
            // No call is left this month: none is sent, the fallback is
            // asked, and the count is looked at again next interval.
            next = now + interval;
            if unusable.is_none_or(|(why, _)| why != Unusable::Spent) {
                unusable = Some((Unusable::Spent, now));
            }
            if manual {
                let refusal = Report::Refused {
                    reason: Refusal::Spent,
                    wait: interval,
                };
                if reports.send(refusal).await.is_err() {
                    return;
                }
            }
            continue;
        }
        if reports.send(Report::Started).await.is_err() {
            return;
        }
        // One request at a time: commands wait in the channel meanwhile.
        let before = provider.usage().price_requests;
        // Chunk by chunk: a chunk that fails keeps what the earlier ones said.
        let fetched = fetch(provider.as_ref(), &ids, None).await;
        let usage = provider.usage();
        let requests =
            u32::try_from(usage.price_requests.saturating_sub(before)).unwrap_or(u32::MAX);
        let remaining = usage.remaining;
        let report = match fetched.stopped {
            None => {
                failures = 0;
                hold_until = None;
                unusable = None;
                Report::Done {
                    quotes: fetched.quotes,
                    next_in: interval,
                    requests,
                    remaining,
                }
            }
            Some(stop) => {
                let error = match stop {
                    Stop::Failed(error) => error,
                    // There is no deadline here: only the client's own timeouts.
                    Stop::Deadline => MarketError::Timeout,
                };
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
                let why = match &error {
                    MarketError::RateLimited { .. } if retry_in > FALLBACK_AFTER_WAIT => {
                        Some(Unusable::RateLimited(retry_in))
                    }
                    _ if failures >= FALLBACK_AFTER_FAILURES => Some(Unusable::Failing(failures)),
                    _ => None,
                };
                unusable = match (why, fallback.is_some()) {
                    // Asked at once the first time, then on its own schedule.
                    (Some(why), true) => Some((why, unusable.map_or(now, |(_, at)| at))),
                    _ => None,
                };
                match ids.get(..fetched.answered) {
                    Some(answered) if !answered.is_empty() => Report::Partial {
                        quotes: fetched.quotes,
                        answered: answered.to_vec(),
                        error,
                        retry_in,
                        requests,
                        remaining,
                    },
                    _ => Report::Failed {
                        error,
                        retry_in,
                        requests,
                        remaining,
                    },
                }
            }
        };
        next = Instant::now()
            + match &report {
                Report::Done { next_in, .. } => *next_in,
                Report::Failed { retry_in, .. } | Report::Partial { retry_in, .. } => *retry_in,
                _ => interval,
            };
        if reports.send(report).await.is_err() {
            return;
        }
    }
}

/// Asks the fallback for `ids`, chunk by chunk as CoinGecko is asked;
/// CoinGecko's next try is at `coingecko_at`. Returns the report and the
/// wait before the fallback is asked again: the interval, or what its own
/// rate limit asks (see [`rate_limit_wait`]).
async fn ask_fallback<F: MarketProvider>(
    fallback: &F,
    ids: &[String],
    why: Unusable,
    interval: Duration,
    coingecko_at: Instant,
) -> (Report, Duration) {
    let fetched = fetch(fallback, ids, None).await;
    let error = match fetched.stopped {
        None => None,
        Some(Stop::Failed(e)) => Some(e),
        Some(Stop::Deadline) => Some(MarketError::Timeout),
    };
    let wait = match &error {
        Some(MarketError::RateLimited { retry_after }) => rate_limit_wait(*retry_after, interval),
        _ => interval,
    };
    let report = Report::Fallback {
        source: fallback.name(),
        why,
        answered: ids.get(..fetched.answered).unwrap_or_default().to_vec(),
        quotes: fetched.quotes,
        error,
        next_in: wait,
        coingecko_in: coingecko_at.saturating_duration_since(Instant::now()),
    };
    (report, wait)
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
        spent: std::sync::atomic::AtomicBool,
    }

    impl Scripted {
        fn new(mut answers: Vec<Result<Quotes, MarketError>>) -> Arc<Scripted> {
            answers.reverse();
            Arc::new(Scripted {
                answers: Mutex::new(answers),
                calls: Mutex::new(Vec::new()),
                spent: Default::default(),
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
                key_requests: 0,
                remaining: Some(1000 - sent),
            }
        }

        fn spent(&self) -> bool {
            self.spent.load(std::sync::atomic::Ordering::Relaxed)
        }
    }

    fn priced(id: &str, p: f64) -> Quotes {
        Quotes::from([(
            id.to_string(),
            Quote {
                price_usd: crate::types::Usd::new(p),
                ..Quote::default()
            },
        )])
    }

    fn start(p: Arc<Scripted>, interval: u64) -> (mpsc::Sender<Command>, mpsc::Receiver<Report>) {
        let (ctx, crx) = mpsc::channel(8);
        let (rtx, rrx) = mpsc::channel(8);
        tokio::spawn(run(
            p,
            None::<Arc<Scripted>>,
            vec!["a".into()],
            Duration::from_secs(interval),
            crx,
            rtx,
        ));
        (ctx, rrx)
    }

    /// A poller of CoinGecko (`p`) with `f` as its fallback.
    fn start_with_fallback(
        p: Arc<Scripted>,
        f: Arc<Scripted>,
        interval: u64,
    ) -> (mpsc::Sender<Command>, mpsc::Receiver<Report>) {
        let (ctx, crx) = mpsc::channel(8);
        let (rtx, rrx) = mpsc::channel(8);
        let ids = vec!["a".into()];
        tokio::spawn(run(p, Some(f), ids, secs(interval), crx, rtx));
        (ctx, rrx)
    }

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    /// "F" for a fallback's report (with "!" when it failed), "D" for
    /// CoinGecko's answer, "X" for its failure, until `n` reports.
    async fn trace(rx: &mut mpsc::Receiver<Report>, n: usize) -> (String, Vec<Unusable>) {
        let (mut out, mut why) = (String::new(), Vec::new());
        for _ in 0..n {
            match next_result(rx).await {
                Report::Fallback { why: w, error, .. } => {
                    out.push_str(if error.is_some() { "F!" } else { "F" });
                    why.push(w);
                }
                Report::Done { .. } => out.push('D'),
                Report::Failed { .. } | Report::Partial { .. } => out.push('X'),
                Report::Started | Report::Refused { .. } => {}
            }
        }
        (out, why)
    }

    #[tokio::test(start_paused = true)]
    async fn after_three_failures_the_fallback_is_asked_each_interval_until_coingecko_heals() {
        let fail = || Err(MarketError::Status { status: 503 });
        let p = Scripted::new(vec![fail(), fail(), fail(), fail(), Ok(priced("a", 1.0))]);
        let f = Scripted::new(vec![
            Ok(priced("a", 0.9)),
            Err(MarketError::Status { status: 500 }),
            Ok(priced("a", 0.95)),
        ]);
        let (_cmd, mut rx) = start_with_fallback(p.clone(), f.clone(), 60);
        let (seen, why) = trace(&mut rx, 30).await;
        // Three failures (60 s, then 120 s apart), then the fallback at
        // once and every 60 s while CoinGecko's backoff runs (240 s, then
        // 480 s ±20%); its own failure stops nothing; CoinGecko heals, and
        // the fallback rests.
        assert!(seen.starts_with("XXXFF!F"), "{seen}");
        let healed = seen
            .find('D')
            .expect("CoinGecko is tried on its own schedule");
        assert!(seen[healed..].chars().all(|c| c == 'D'), "{seen}");
        assert_eq!(seen.matches('X').count(), 4, "{seen}");
        assert_eq!(why[0], Unusable::Failing(3));
        assert_eq!(why.last(), Some(&Unusable::Failing(4)));
        assert_eq!(p.calls.lock().unwrap().len(), 5 + seen[healed..].len() - 1);
        let asked = f.calls.lock().unwrap().clone();
        assert!(
            secs_between(&asked).iter().all(|&s| s == 60),
            "{:?}",
            secs_between(&asked)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_long_rate_limit_asks_the_fallback_at_once_and_a_short_one_does_not() {
        let limited = |s| {
            Err(MarketError::RateLimited {
                retry_after: Some(secs(s)),
            })
        };
        let p = Scripted::new(vec![limited(60), Ok(priced("a", 1.0)), limited(600)]);
        let f = Scripted::new(Vec::new());
        let (_cmd, mut rx) = start_with_fallback(p.clone(), f.clone(), 60);
        let (seen, why) = trace(&mut rx, 15).await;
        // Held for 600 s: the fallback every 60 s, from the first second.
        assert_eq!(seen, format!("XDX{}DD", "F".repeat(10)));
        assert!(why.iter().all(|w| *w == Unusable::RateLimited(secs(600))));
        let p_calls = p.calls.lock().unwrap().clone();
        assert_eq!(f.calls.lock().unwrap()[0], p_calls[2]);
    }

    #[tokio::test(start_paused = true)]
    async fn with_the_months_calls_spent_no_request_goes_to_coingecko() {
        let p = Scripted::new(vec![Ok(priced("a", 1.0))]);
        p.spent.store(true, std::sync::atomic::Ordering::Relaxed);
        let f = Scripted::new(Vec::new());
        let (cmd, mut rx) = start_with_fallback(p.clone(), f.clone(), 60);
        let (seen, why) = trace(&mut rx, 3).await;
        assert_eq!((seen.as_str(), why[0]), ("FFF", Unusable::Spent));
        assert!(p.calls.lock().unwrap().is_empty());
        // A manual poll sends nothing either, and says why.
        cmd.send(Command::PollNow).await.unwrap();
        match next_result(&mut rx).await {
            Report::Refused { reason, .. } => assert_eq!(reason, Refusal::Spent),
            other => panic!("{other:?}"),
        }
        assert!(p.calls.lock().unwrap().is_empty());
        // A new month: CoinGecko again, and the fallback rests.
        p.spent.store(false, std::sync::atomic::Ordering::Relaxed);
        let (seen, _) = trace(&mut rx, 2).await;
        assert_eq!(seen, "DD");
        assert_eq!(f.calls.lock().unwrap().len(), 3);
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
    async fn a_failing_chunk_keeps_what_the_earlier_chunks_said() {
        let ids: Vec<String> = (0..300).map(|i| format!("coin-{i}")).collect();
        let p = Scripted::new(vec![
            Ok(priced("coin-0", 1.0)),
            Err(MarketError::Status { status: 500 }),
        ]);
        let (_ctx, crx) = mpsc::channel(8);
        let (rtx, mut rx) = mpsc::channel(8);
        tokio::spawn(run(
            p,
            None::<Arc<Scripted>>,
            ids.clone(),
            Duration::from_secs(60),
            crx,
            rtx,
        ));
        match next_result(&mut rx).await {
            Report::Partial {
                quotes,
                answered,
                error,
                ..
            } => {
                assert_eq!(answered, ids[..250]);
                assert_eq!(quotes, priced("coin-0", 1.0));
                assert_eq!(error, MarketError::Status { status: 500 });
            }
            other => panic!("{other:?}"),
        }
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
