//! `prelist watch`: the watcher without a screen, against a loopback API.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{PriceApi, recording_config, told};

const WAIT: Duration = Duration::from_secs(20);

/// Waits until `done` holds, for at most [`WAIT`].
fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < WAIT, "waited {WAIT:?} for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `prelist watch` polling `api` with `args`, an empty config and its data
/// under `home`.
fn watch_command(home: &Path, api: &str, args: &[&str]) -> Command {
    let config = home.join("empty.toml");
    std::fs::write(&config, "").unwrap();
    let mut cmd = common::command(home);
    cmd.args(["watch", "--api-url", api, "--data-dir"])
        .arg(home.join("d"))
        .args(args)
        .env("PRELIST_CONFIG", &config);
    cmd
}

/// How `child` ended, if it did within `bound`.
fn ended_within(child: &mut Child, bound: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    while start.elapsed() < bound {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// A running `prelist watch`, its stdout read line by line.
struct Watch {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Watch {
    fn spawn(home: &Path, data: &Path, api: &str, config: &Path, args: &[&str]) -> Watch {
        Watch::spawn_with(home, data, api, config, args, &[])
    }

    /// `spawn`, with `env` set over the hermetic environment.
    fn spawn_with(
        home: &Path,
        data: &Path,
        api: &str,
        config: &Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Watch {
        let mut child = common::command(home)
            .args(["watch", "--api-url", api, "--data-dir"])
            .arg(data)
            .args(args)
            .env("PRELIST_CONFIG", config)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = common::lines_of(child.stdout.take().unwrap());
        Watch { child, lines }
    }

    fn next_line(&self) -> String {
        self.next_line_within(WAIT)
    }

    fn next_line_within(&self, wait: Duration) -> String {
        self.lines.recv_timeout(wait).expect("a line on stdout")
    }

    /// Sends `signal` and returns how it ended, and its stderr.
    fn stop(mut self, signal: &str) -> (std::process::ExitStatus, String) {
        let kill = Command::new("kill")
            .arg(signal)
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(kill.success());
        let status = self.child.wait().unwrap();
        let mut stderr = String::new();
        self.child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut stderr)
            .unwrap();
        (status, stderr)
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_listing_is_printed_as_json_told_once_and_kept_across_restarts() {
    let api = PriceApi::start(
        serde_json::json!({"nillion": {"usd": 0.6132, "last_updated_at": 1764324000}}),
    );
    let api_url = api.url();
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data-dir");
    let config = recording_config(home.path(), "");

    let watch = Watch::spawn(home.path(), &data, &api_url, &config, &["--json"]);
    let line = watch.next_line();
    let event: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(event["event"], "listed");
    assert_eq!(event["coin"], "Nillion");
    assert_eq!(event["ticker"], "NIL");
    assert_eq!(event["market_id"], "nillion");
    assert_eq!(event["source"], "coingecko");
    assert_eq!(event["price_usd"], 0.6132);
    assert_eq!(event["message"], "Nillion is now trading at $0.6132");
    wait_until("the command to be run", || told(home.path()).len() == 1);
    assert_eq!(
        told(home.path())[0],
        event,
        "the command gets the same JSON"
    );
    let (status, stderr) = watch.stop("-TERM");
    assert!(
        status.success(),
        "SIGTERM ends it with 0: {status:?} {stderr}"
    );
    assert!(
        stderr.contains("watching 5 coins on CoinGecko every 60 s"),
        "{stderr}"
    );

    let state = common::stored(&data);
    assert_eq!(state.listings["nillion"].first_price, 0.6132);
    assert!(
        state
            .told
            .keys()
            .any(|k| k.starts_with("listed:coingecko:nillion")),
        "{state:?}"
    );

    // Started again, it polls, prints nothing new and tells nothing again.
    let polled = api.requests().len();
    let watch = Watch::spawn(home.path(), &data, &api_url, &config, &[]);
    wait_until("a poll by the second watcher", || {
        api.requests().len() > polled
    });
    std::thread::sleep(Duration::from_millis(500));
    let (status, _) = watch.stop("-INT");
    assert!(status.success(), "SIGINT ends it with 0: {status:?}");
    assert_eq!(told(home.path()).len(), 1, "told once");
}

#[test]
fn text_lines_carry_the_time_the_kind_and_the_message() {
    let api = PriceApi::start(serde_json::json!({"parcl": {"usd": 0.3}}));
    let api_url = api.url();
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("empty.toml");
    std::fs::write(&config, "").unwrap();
    let watch = Watch::spawn(home.path(), &home.path().join("d"), &api_url, &config, &[]);
    let line = watch.next_line();
    let (at, rest) = line.split_once(' ').unwrap();
    assert!(at.parse::<jiff::Timestamp>().is_ok(), "{line}");
    assert_eq!(rest, "listed Parcl is now trading at $0.30");
    let (status, _) = watch.stop("-TERM");
    assert!(status.success());
}

#[test]
fn bad_config_exits_2_naming_the_file() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(&config, "[notify]\nterminal = \"loud\"\n").unwrap();
    let out = common::command(home.path())
        .arg("watch")
        .env("PRELIST_CONFIG", &config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("config.toml") && stderr.contains("terminal"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn nothing_to_watch_is_said_and_exits_2() {
    let home = tempfile::tempdir().unwrap();
    let list = home.path().join("w.json");
    std::fs::write(
        &list,
        r#"{"version":1,"coins":[{"rank":1,"name":"Nameless"}]}"#,
    )
    .unwrap();
    let out = common::command(home.path())
        .args(["watch", "--watchlist"])
        .arg(&list)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to watch"));
}

#[test]
fn coins_a_screen_adds_to_the_watchlist_are_polled_from_the_next_look() {
    let api = PriceApi::start(serde_json::json!({"newcoin-x": {"usd": 2.5}}));
    let api_url = api.url();
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("empty.toml");
    std::fs::write(&config, "").unwrap();
    let list = home.path().join("list.json");
    let coin = |rank: u32, name: &str, id: &str| {
        format!(r#"{{"rank":{rank},"name":"{name}","market_id":"{id}"}}"#)
    };
    std::fs::write(
        &list,
        format!(r#"{{"version":1,"coins":[{}]}}"#, coin(1, "Parcl", "parcl")),
    )
    .unwrap();
    let list_arg = list.to_str().unwrap();
    let watch = Watch::spawn(
        home.path(),
        &home.path().join("d"),
        &api_url,
        &config,
        &["--interval", "10", "--watchlist", list_arg],
    );
    wait_until("the first poll", || !api.requests().is_empty());
    // Saved as a screen saves: a new file renamed over the old.
    let new = home.path().join("list.json.new");
    std::fs::write(
        &new,
        format!(
            r#"{{"version":1,"coins":[{},{}]}}"#,
            coin(1, "Parcl", "parcl"),
            coin(2, "Newcoin", "newcoin-x")
        ),
    )
    .unwrap();
    std::fs::rename(&new, &list).unwrap();
    // A look within 10 s, and a poll within 10 s of it.
    let line = watch.next_line_within(Duration::from_secs(40));
    assert!(
        line.ends_with("listed Newcoin is now trading at $2.50"),
        "{line}"
    );
    let (status, stderr) = watch.stop("-TERM");
    assert!(status.success());
    assert!(
        stderr.contains("the watchlist changed on disk: 2 coins, 2 with a market id"),
        "{stderr}"
    );
}

/// The ids of the processes running `sleep <duration>`.
fn sleeping(duration: &str) -> Vec<u32> {
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
        if args.len() >= 2 && args[0].ends_with(b"sleep") && args[1] == duration.as_bytes() {
            pids.push(pid);
        }
    }
    pids
}

#[test]
fn a_commands_timeout_and_the_end_of_watch_stop_what_it_started() {
    // A duration no other process sleeps for, even another run of this test.
    let duration = format!("7777.{}", std::process::id());
    // Whatever happens, nothing is left sleeping once the test is over.
    struct Sweep(String);
    impl Drop for Sweep {
        fn drop(&mut self) {
            for pid in sleeping(&self.0) {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
            }
        }
    }
    let _sweep = Sweep(duration.clone());
    let api = PriceApi::start(serde_json::json!({
        "nillion": {"usd": 0.6}, "parcl": {"usd": 0.3}, "dolomite": {"usd": 0.1},
        "movement": {"usd": 0.5}, "peaq-2": {"usd": 0.2}
    }));
    let api_url = api.url();
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[notify]\ncommand = [\"sh\", \"-c\", \"sleep {duration}; true\", \"x\", \"{{coin}}\"]\n"
        ),
    )
    .unwrap();
    let watch = Watch::spawn(home.path(), &home.path().join("d"), &api_url, &config, &[]);
    for _ in 0..5 {
        watch.next_line();
    }
    wait_until("the first command's sleep", || {
        !sleeping(&duration).is_empty()
    });
    let first = sleeping(&duration);
    // Commands run one at a time: the next starts once the first has been
    // stopped by its 10 s timeout, its shell's child with it.
    wait_until("the second command's sleep", || {
        sleeping(&duration).iter().any(|p| !first.contains(p))
    });
    let now = sleeping(&duration);
    assert_eq!(
        now.len(),
        1,
        "the timed-out command's sleep is gone: {now:?}"
    );
    let (status, stderr) = watch.stop("-TERM");
    assert!(status.success(), "{status:?} {stderr}");
    // The running command is stopped, its group with it, as `watch` ends.
    wait_until("the last command's sleep to end", || {
        sleeping(&duration).is_empty()
    });
}

#[test]
fn a_stdout_nobody_reads_holds_up_neither_polling_nor_sigterm() {
    // Long names make a poll's 256 event lines (the most told at once)
    // more than the 64 KiB a pipe holds.
    const COINS: usize = 300;
    let long = "Pipe".repeat(40);
    let id = |i: usize| format!("pipe-coin-{i}");
    let prices: serde_json::Map<String, serde_json::Value> = (0..COINS)
        .map(|i| (id(i), serde_json::json!({"usd": 1.5})))
        .collect();
    let api = PriceApi::start(serde_json::Value::Object(prices));
    let home = tempfile::tempdir().unwrap();
    let coins: Vec<serde_json::Value> = (0..COINS)
        .map(|i| serde_json::json!({"rank": i + 1, "name": format!("{long} {i}"), "market_id": id(i)}))
        .collect();
    let list = home.path().join("list.json");
    std::fs::write(
        &list,
        serde_json::json!({"version": 1, "coins": coins}).to_string(),
    )
    .unwrap();
    let list = list.to_str().unwrap();
    let args = ["--json", "--interval", "10", "--watchlist", list];
    let mut child = watch_command(home.path(), &api.url(), &args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Held, never read: the pipe fills and stays full.
    let _stdout = child.stdout.take().unwrap();
    let mut stderr_pipe = child.stderr.take().unwrap();
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr_pipe.read_to_string(&mut text);
        text
    });
    // Killed however the test ends.
    struct Reap(Child);
    impl Drop for Reap {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut child = Reap(child);
    wait_until("the first poll", || !api.requests().is_empty());
    let first = api.requests().len();
    // The first poll's requests go out together; wait for all of them,
    // then for one of the next poll, 10 s later.
    std::thread::sleep(Duration::from_secs(2));
    let first = api.requests().len().max(first);
    wait_until("a second poll", || api.requests().len() > first);
    let kill = Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status =
        ended_within(&mut child.0, Duration::from_secs(15)).expect("SIGTERM ends it within 15 s");
    let stderr = stderr.join().unwrap();
    assert!(matches!(status.code(), Some(0 | 1)), "{status:?} {stderr}");
    // The lines the pipe had no room for were still queued.
    let total = stderr
        .lines()
        .find_map(|l| l.strip_suffix(" event lines were not written: stdout was not read"))
        .and_then(|l| l.strip_prefix("prelist: "))
        .and_then(|n| n.parse::<usize>().ok());
    assert!(
        total.is_some_and(|n| n > 0 && n < 256),
        "the total at the end: {stderr}"
    );
}

#[test]
fn a_closed_stdout_ends_watch_at_its_next_event() {
    let api = PriceApi::start(serde_json::json!({"nillion": {"usd": 0.6}}));
    let home = tempfile::tempdir().unwrap();
    let mut child = watch_command(home.path(), &api.url(), &["--interval", "10"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(line.contains("listed Nillion"), "{line}");
    // As `prelist watch | head -1` does once it has its line.
    drop(stdout);
    api.answer(serde_json::json!({"nillion": {"usd": 0.6}, "parcl": {"usd": 0.3}}));
    // The next poll (within 10 s) flips Parcl; its line finds stdout closed.
    let Some(status) = ended_within(&mut child, Duration::from_secs(30)) else {
        let _ = child.kill();
        panic!("a closed stdout did not end it");
    };
    assert!(status.success(), "{status:?}");
}

/// A loopback webhook that refuses posts (503) or takes them (200).
struct Hook {
    rt: tokio::runtime::Runtime,
    server: wiremock::MockServer,
}

impl Hook {
    fn start() -> Hook {
        let (rt, server) = common::mock_server();
        Hook { rt, server }
    }

    /// Answers every post with `status` from now on, with no post heard.
    fn answer(&self, status: u16) {
        use wiremock::matchers::method;
        use wiremock::{Mock, ResponseTemplate};
        self.rt.block_on(async {
            self.server.reset().await;
            Mock::given(method("POST"))
                .respond_with(ResponseTemplate::new(status))
                .mount(&self.server)
                .await;
        });
    }

    /// A config file (private, as one holding a webhook URL must be) that
    /// posts every event here as JSON.
    fn config(&self, dir: &Path) -> std::path::PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let config = dir.join("config.toml");
        let toml = format!(
            "[notify]\nwebhook = \"{}/hook\"\nwebhook_format = \"json\"\n",
            self.server.uri()
        );
        std::fs::write(&config, toml).unwrap();
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
        config
    }

    /// The bodies of the posts heard since the last `answer`.
    fn posts(&self) -> Vec<String> {
        self.rt
            .block_on(self.server.received_requests())
            .unwrap_or_default()
            .iter()
            .map(|r| String::from_utf8_lossy(&r.body).into_owned())
            .collect()
    }
}

/// A price API that lists Nillion, a webhook that refuses posts (503) for
/// now, and a home for the runs.
fn refusing_hook() -> (PriceApi, Hook, tempfile::TempDir) {
    let api = PriceApi::start(serde_json::json!({"nillion": {"usd": 0.6132}}));
    let hook = Hook::start();
    hook.answer(503);
    (api, hook, tempfile::tempdir().unwrap())
}

#[test]
fn a_webhook_post_not_delivered_at_a_stop_is_sent_by_the_next_watch() {
    let (api, hook, home) = refusing_hook();
    let data = home.path().join("data");
    let config = hook.config(home.path());

    // The flip is told, and its post refused: it waits for its retry.
    let watch = Watch::spawn(home.path(), &data, &api.url(), &config, &[]);
    assert!(watch.next_line().contains("Nillion is now trading"));
    wait_until("the first post", || !hook.posts().is_empty());
    let (status, stderr) = watch.stop("-TERM");
    assert!(status.success(), "{stderr}");
    assert!(
        stderr.contains("1 notification not yet delivered is kept for the next prelist to send"),
        "said at the stop: {stderr}"
    );

    // The next watch tells nothing again (the listing is claimed), yet
    // delivers the post that was kept.
    hook.answer(200);
    let watch = Watch::spawn(home.path(), &data, &api.url(), &config, &[]);
    wait_until("the kept post", || !hook.posts().is_empty());
    let posts = hook.posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert!(
        posts[0].contains("Nillion is now trading at $0.6132"),
        "{posts:?}"
    );
    let again = watch.lines.recv_timeout(Duration::from_secs(3));
    assert!(again.is_err(), "nothing told again: {again:?}");
}

#[test]
fn a_post_left_by_a_killed_watch_is_sent_by_another_running_one() {
    let (api, hook, home) = refusing_hook();
    let data = home.path().join("data");
    let config = hook.config(home.path());

    let mut first = Watch::spawn(home.path(), &data, &api.url(), &config, &[]);
    assert!(first.next_line().contains("Nillion is now trading"));
    wait_until("the first post", || !hook.posts().is_empty());
    // A second watch on the same data dir: the listing is claimed, so it
    // tells nothing, and the post is the first one's while it runs.
    let second = Watch::spawn(home.path(), &data, &api.url(), &config, &[]);
    std::thread::sleep(Duration::from_secs(3));
    first.child.kill().unwrap(); // SIGKILL: no release of its lease
    first.child.wait().unwrap();
    hook.answer(200);
    // The lease runs out 60 s after the owner's last renewal; the second
    // looks every 10 s.
    let start = Instant::now();
    while hook.posts().is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(100),
            "the post left behind was never sent"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let posts = hook.posts();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert!(posts[0].contains("Nillion is now trading"), "{posts:?}");
    let again = second.lines.recv_timeout(Duration::from_secs(1));
    assert!(again.is_err(), "nothing told again: {again:?}");
}

/// `watch` notes the key's first use (its fingerprint, never the key), and
/// once the key has been in use past `key_rotate_days`, says to rotate it.
#[test]
fn watch_notes_a_keys_first_use_and_says_when_to_rotate_it() {
    let api = PriceApi::start(serde_json::json!({"parcl": {"usd": 0.3}}));
    let api_url = api.url();
    let home = tempfile::tempdir().unwrap();
    let key = "CG-watch-rotate-1";
    let config = home.path().join("config.toml");
    std::fs::write(&config, format!("[poll]\napi_key = \"{key}\"\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    let fingerprint = prelist::config::SecretKey::new(prelist::config::KeyKind::Demo, key)
        .unwrap()
        .fingerprint();
    // Each run on a data dir of its own, so each tells the listing.
    let run = |data: &Path| {
        let watch = Watch::spawn(home.path(), data, &api_url, &config, &[]);
        let line = watch.next_line();
        let (status, stderr) = watch.stop("-TERM");
        assert!(status.success(), "{stderr}");
        assert!(!line.contains(key) && !stderr.contains(key));
        stderr
    };
    let fresh = home.path().join("fresh");
    let stderr = run(&fresh);
    assert!(!stderr.contains("rotate it"), "{stderr}");
    let db = prelist::store::open_state(&fresh.join("state.db")).unwrap();
    let first = prelist::store::key_first_used(&db, &fingerprint).unwrap();
    assert!(first.is_some(), "the first use is noted");

    let old = home.path().join("old");
    let db = prelist::store::open_state(&old.join("state.db")).unwrap();
    let now = jiff::Timestamp::now().as_second();
    prelist::store::note_key(&db, &fingerprint, now - 91 * 86_400 - 60).unwrap();
    let stderr = run(&old);
    let want = format!("prelist: key {fingerprint}, in use for 91 days: rotate it");
    assert!(stderr.contains(&want), "{stderr}");
}

#[test]
fn a_long_rate_limit_flips_a_coin_on_the_fallbacks_price() {
    use wiremock::matchers::{method, path, path_regex};
    use wiremock::{Mock, ResponseTemplate};
    let (rt, server) = common::mock_server();
    rt.block_on(async {
        Mock::given(method("GET"))
            .and(path("/api/v3/simple/price"))
            .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "600"))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path_regex("^/llama/prices/current/coingecko:"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "coins": {"coingecko:nillion": {"price": 0.61, "symbol": "NIL",
                    "timestamp": 1764324000, "confidence": 0.99}}
            })))
            .mount(&server)
            .await;
    });
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data-dir");
    let config = recording_config(
        home.path(),
        &format!(
            "[sources.url]\ndefillama = \"{}/llama\"\n[notify]\n",
            server.uri()
        ),
    );
    let text = std::fs::read_to_string(&config).unwrap();
    // `recording_config` puts `extra` inside [notify]: move the sources first.
    std::fs::write(&config, text.replacen("[notify]\n", "", 1)).unwrap();
    let api = format!("{}/api/v3", server.uri());
    let env = [("PRELIST_FALLBACK", "defillama")];
    let watch = Watch::spawn_with(home.path(), &data, &api, &config, &["--json"], &env);
    let event: serde_json::Value = serde_json::from_str(&watch.next_line()).unwrap();
    assert_eq!(event["event"], "listed", "{event}");
    assert_eq!(event["market_id"], "nillion");
    assert_eq!(event["source"], "defillama");
    assert_eq!(event["price_usd"], 0.61);
    let asked: Vec<String> = rt
        .block_on(server.received_requests())
        .unwrap()
        .iter()
        .map(|r| r.url.path().to_string())
        .collect();
    assert_eq!(
        asked[0], "/api/v3/simple/price",
        "CoinGecko first: {asked:?}"
    );
    assert!(asked[1].starts_with("/llama/prices/current/"), "{asked:?}");
    let (status, stderr) = watch.stop("-TERM");
    assert!(status.success(), "{stderr}");
    let state = common::stored(&data);
    assert_eq!(state.listings["nillion"].first_price, 0.61);
    assert!(
        state
            .told
            .keys()
            .any(|k| k.starts_with("listed:defillama:nillion")),
        "{:?}",
        state.told.keys().collect::<Vec<_>>()
    );
}

#[test]
fn with_a_pro_key_watch_asks_the_keys_usage_at_start_and_never_shows_the_key() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, ResponseTemplate};
    const KEY: &str = "cg-pro-test-key-5d1e07aa";
    let api = PriceApi::start(serde_json::json!({}));
    api.also(
        Mock::given(method("GET"))
            .and(path("/api/v3/key"))
            .respond_with(ResponseTemplate::new(401).set_body_string(KEY)),
    );
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data-dir");
    let config = recording_config(home.path(), "");
    let env = [("COINGECKO_PRO_API_KEY", KEY)];
    let watch = Watch::spawn_with(home.path(), &data, &api.url(), &config, &[], &env);
    let log = || std::fs::read_to_string(data.join("prelist.log")).unwrap_or_default();
    let said = "could not read the API key's usage: the API answered HTTP 401";
    wait_until("the key's usage asked, and its failure logged", || {
        log().contains(said)
    });
    let (status, stderr) = watch.stop("-TERM");
    assert!(status.success(), "{stderr}");
    let asked = api.requests();
    let looked = asked
        .iter()
        .find(|r| r.url.path() == "/api/v3/key")
        .unwrap();
    assert_eq!(looked.headers.get("x-cg-pro-api-key").unwrap(), KEY);
    for text in [&stderr, &log()] {
        assert!(!text.contains(KEY), "{text}");
    }
    // Nor in any file it left: the database keeps a fingerprint.
    let mut dirs = vec![home.path().to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                let found = bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes());
                assert!(!found, "{} holds the key", path.display());
            }
        }
    }
}
