//! Polling that fits the API plan: the default interval per key, the
//! month's budget from the config, the warnings, and the calls counted in
//! the state file, by the client, by `check` and by `prelist config`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test's helpers fail the test by panicking, as its assertions do"
)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use prelist::config::{self, Env, ErrorKind, FileConfig, FlagValues, Settings, Source};
use prelist::market::coingecko::{ApiKey, CoinGecko};
use prelist::market::plan::{Plan, month_of};
use prelist::market::{MarketError, MarketProvider};
use prelist::store::{self, CallLedger};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

fn settings(file: Option<&str>, flags: &FlagValues, env: &Env) -> Settings {
    let path = Path::new("/cfg/config.toml");
    let file = file.map(|text| FileConfig::parse(text, path).unwrap());
    config::resolve(flags, env, Some(path), file.as_ref()).unwrap()
}

fn demo() -> Env {
    Env::new().set(config::DEMO_KEY_VAR, "demo-key-123")
}

fn interval(flag: u64) -> FlagValues {
    FlagValues {
        interval: Some(flag),
        ..FlagValues::default()
    }
}

#[test]
fn the_default_interval_follows_the_key() {
    let none = FlagValues::default();
    let keyless = settings(None, &none, &Env::new()).poll_plan(1);
    assert_eq!(
        (keyless.plan, keyless.interval.value),
        (Plan::Keyless, secs(60))
    );
    assert!(keyless.warnings.is_empty());
    let pro = Env::new().set(config::PRO_KEY_VAR, "pro-key-123");
    assert_eq!(
        settings(None, &none, &pro).poll_plan(1).interval.value,
        secs(30)
    );
    let d = settings(None, &none, &demo());
    assert_eq!(d.poll_plan(1).interval.value, secs(300));
    assert_eq!(d.poll_plan(1).interval.source, Source::Default);
    assert_eq!(d.poll_plan(1).budget, Some(10_000));
    assert!(d.poll_plan(1).warnings.is_empty(), "the default fits");
    // 251 ids are two requests a poll.
    assert_eq!(d.poll_plan(2).interval.value, secs(540));
    // A file's interval is as explicit as the flag.
    let f = settings(Some("[poll]\ninterval = 120\n"), &none, &demo());
    assert_eq!(f.poll_plan(1).interval.value, secs(120));
}

#[test]
fn an_interval_that_does_not_fit_is_honoured_and_warned_about() {
    let p = settings(None, &interval(60), &demo()).poll_plan(1);
    assert_eq!(p.interval.value, secs(60));
    assert_eq!(p.interval.source, Source::Flag);
    assert_eq!(
        p.warnings,
        ["at 60 s a Demo key's 10,000 calls a month last about 7 days"]
    );
    let p = settings(None, &interval(10), &Env::new()).poll_plan(1);
    assert_eq!(
        p.interval.value,
        secs(10),
        "keyless: no budget, but a cache"
    );
    assert_eq!(
        p.warnings,
        ["answers are cached for 60 s: polling every 10 s sees nothing new"]
    );
    let p = settings(None, &interval(10), &demo()).poll_plan(1);
    assert_eq!(p.warnings.len(), 2, "{:?}", p.warnings);
}

#[test]
fn monthly_calls_override_the_budget() {
    let s = settings(
        Some("[poll]\nmonthly_calls = 100000\n"),
        &FlagValues::default(),
        &demo(),
    );
    assert_eq!(s.monthly_calls.value, Some(100_000));
    assert_eq!(s.monthly_calls.source, Source::File);
    let p = s.poll_plan(1);
    assert_eq!((p.interval.value, p.budget), (secs(60), Some(100_000)));
    let pro = Env::new().set(config::PRO_KEY_VAR, "pro-key-123");
    let s = settings(Some("[poll]\nmonthly_calls = 50000\n"), &interval(30), &pro);
    assert_eq!(
        s.poll_plan(1).warnings,
        ["at 30 s poll.monthly_calls's 50,000 calls a month last about 17 days"]
    );
}

#[test]
fn monthly_calls_must_be_a_positive_whole_number() {
    let path = Path::new("/cfg/config.toml");
    for (text, kind, says) in [
        (
            "[poll]\nmonthly_calls = 0\n",
            ErrorKind::Invalid,
            "0 calls a month leaves nothing to poll with",
        ),
        (
            "[poll]\nmonthly_calls = -5\n",
            ErrorKind::Invalid,
            "-5 calls a month leaves nothing to poll with",
        ),
        (
            "[poll]\nmonthly_calls = \"lots\"\n",
            ErrorKind::WrongType,
            "expected a whole number of calls, found a string",
        ),
        (
            "[poll]\nmonthly_calls = 1.5\n",
            ErrorKind::WrongType,
            "expected a whole number of calls, found a float",
        ),
    ] {
        let err = FileConfig::parse(text, path).unwrap_err();
        let msg = err.to_string();
        assert_eq!(err.kind, kind, "{msg}");
        assert!(
            msg.starts_with("/cfg/config.toml, line 2: poll.monthly_calls: "),
            "{msg}"
        );
        assert!(msg.contains(says), "{msg}");
    }
}

#[test]
fn config_shows_the_budget_the_count_and_the_warnings() {
    let has = |out: &str, line: &str| {
        assert!(
            out.lines().any(|l| l == line),
            "no line {line:?} in:\n{out}"
        );
    };
    let out = settings(None, &FlagValues::default(), &demo()).describe_with(1, Ok(1234), None);
    has(
        &out,
        "poll.interval = 300  (default for a demo key: 8,928 of 10,000 calls a month at 1 request \
         a poll)",
    );
    has(&out, "poll.monthly_calls = 10000  (default for a demo key)");
    has(&out, "CoinGecko calls this month: 1,234 of 10,000");
    assert!(!out.contains("warning"), "{out}");

    let s = settings(
        Some("[poll]\nmonthly_calls = 20000\n"),
        &interval(60),
        &demo(),
    );
    let out = s.describe_with(1, Err("unreadable".into()), None);
    has(&out, "poll.interval = 60  (from flag --interval)");
    has(
        &out,
        "poll.monthly_calls = 20000  (from config file /cfg/config.toml)",
    );
    has(&out, "CoinGecko calls this month: not known (unreadable)");
    has(
        &out,
        "warning: at 60 s poll.monthly_calls's 20,000 calls a month last about 14 days",
    );

    let out = settings(None, &FlagValues::default(), &Env::new()).describe_with(1, Ok(7), None);
    has(&out, "poll.interval = 60  (default)");
    has(&out, "poll.monthly_calls = none  (default: no limit known)");
    has(&out, "CoinGecko calls this month: 7");
}

fn counted(path: &Path, plan: Plan) -> u64 {
    let book = store::load_calls(&store::StateDb::open(path).unwrap()).unwrap();
    store::calls_in(&book, &month_of(jiff::Timestamp::now().as_second()), plan)
}

#[test]
fn two_instances_add_their_own_calls_and_listings_saves_keep_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(store::STATE_FILE);
    let now = jiff::Timestamp::now().as_second();
    // Two instances: two connections to one database.
    let (a, b) = (
        CallLedger::new(store::open_state(&path).unwrap(), Plan::Demo),
        CallLedger::new(store::open_state(&path).unwrap(), Plan::Demo),
    );
    // Running totals of each instance's client.
    a.note(5, now);
    b.note(3, now);
    a.flush(now).unwrap();
    b.flush(now).unwrap();
    a.note(7, now);
    a.flush(now).unwrap();
    a.flush(now).unwrap();
    assert_eq!(
        counted(&path, Plan::Demo),
        10,
        "5 + 2 more, and 3: none twice"
    );
    assert_eq!(counted(&path, Plan::Pro), 0, "counted per key kind");
    use store::StateStore;
    store::StateDb::open(&path)
        .unwrap()
        .save(&store::State::default())
        .unwrap();
    assert_eq!(
        counted(&path, Plan::Demo),
        10,
        "a listings save keeps the count"
    );
}

#[test]
fn only_this_month_and_the_last_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let db = store::StateDb::open(&dir.path().join(store::STATE_FILE)).unwrap();
    // 2026-11-15, 2027-01-15 (UTC).
    let (nov, jan) = (1_794_700_800, 1_799_971_200);
    let one = |m: &str| BTreeMap::from([(m.to_string(), 4)]);
    store::add_calls(&db, Plan::Demo, &one("2026-11"), nov).unwrap();
    store::add_calls(&db, Plan::Demo, &one("2026-12"), nov).unwrap();
    let book = store::add_calls(&db, Plan::Pro, &one("2027-01"), jan).unwrap();
    let months: Vec<&str> = book.keys().map(String::as_str).collect();
    assert_eq!(months, ["2026-12", "2027-01"]);
    assert_eq!(store::calls_in(&book, "2027-01", Plan::Pro), 4);
}

#[test]
fn a_state_file_with_bad_calls_is_refused_by_name_and_one_without_loads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(store::STATE_JSON);
    std::fs::write(&path, r#"{"version": 1, "listings": {}}"#).unwrap();
    let db = store::StateDb::open(&dir.path().join(store::STATE_FILE)).unwrap();
    assert!(store::load_calls(&db).unwrap().is_empty());
    drop(db);
    for (calls, says) in [
        (
            json!({"2026-13": {"demo": 1}}),
            "is not under a month (YYYY-MM)",
        ),
        (json!({"2026-11": {"gold": 1}}), "names the plan \"gold\""),
    ] {
        let text = json!({"version": 1, "listings": {}, "calls": calls}).to_string();
        std::fs::write(&path, text).unwrap();
        let msg = store::load_state(&path).unwrap_err().to_string();
        assert!(msg.starts_with(&path.display().to_string()), "{msg}");
        assert!(msg.contains(says), "{msg}");
    }
    std::fs::write(
        &path,
        r#"{"version": 1, "listings": {}, "calls": {"2026-11": {"demo": -1}}}"#,
    )
    .unwrap();
    assert!(store::load_state(&path).is_err());
}

async fn price_server(remaining: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v3/simple/price"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ratelimit-remaining", remaining)
                .set_body_json(json!({})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v3/search"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn the_client_counts_every_request_sent_and_reads_the_calls_left() {
    let server = price_server("9876").await;
    let c = CoinGecko::new(
        &format!("{}/api/v3", server.uri()),
        Some(ApiKey::demo("k").unwrap()),
    )
    .unwrap();
    assert_eq!(c.usage().total(), 0);
    let ids: Vec<String> = (0..600).map(|i| format!("coin-{i}")).collect();
    c.prices(&ids).await.unwrap();
    assert!(c.search("x").await.is_err());
    let used = c.usage();
    assert_eq!((used.price_requests, used.search_requests), (3, 1));
    assert_eq!(used.remaining, Some(9876));
    assert_eq!(c.clone().usage(), used, "clones share the count");

    // Nothing listens here: nothing was sent.
    let refused = CoinGecko::new("http://127.0.0.1:9/api/v3", None).unwrap();
    assert_eq!(refused.prices(&ids).await, Err(MarketError::Connect));
    assert_eq!(refused.usage().total(), 0);
}

// Two workers: the server answers while the test waits on the child.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_counts_its_calls_and_config_shows_them() {
    let server = price_server("4321").await;
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    let run = |args: &[&str]| {
        let mut cmd = common::command(home.path());
        cmd.args(args)
            .env("PRELIST_DATA_DIR", &data)
            .env(config::DEMO_KEY_VAR, "demo-key-123");
        cmd.output().unwrap()
    };
    let url = format!("{}/api/v3", server.uri());
    let out = run(&["--api-url", &url, "check"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(counted(&data.join(store::STATE_FILE), Plan::Demo), 1);
    let out = run(&["config"]);
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        shown
            .lines()
            .any(|l| l == "CoinGecko calls this month: 1 of 10,000"),
        "{shown}"
    );
    assert!(
        shown.contains("poll.interval = 300  (default for a demo key"),
        "{shown}"
    );
}
