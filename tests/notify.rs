//! Notifications: `[notify]` in the config file, a command that records
//! what it was given, a webhook receiver on loopback for each format, and
//! the webhook URL kept secret everywhere.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test's helpers fail the test by panicking, as its assertions do"
)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use prelist::backoff::Backoff;
use prelist::config::{
    self, Env, ErrorKind, FlagValues, NotifySettings, Origin, SecretUrl, Settings, Source,
};
use prelist::listing::Listed;
use prelist::notify::command::{self, CommandError};
use prelist::notify::{
    Event, Notifier, NotifyConfig, Options, Retry, TerminalMode, WebhookClient, WebhookError,
    WebhookFormat,
};
use serde_json::{Value, json};
use tempfile::TempDir;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOPIC: &str = "sekrit-topic-4711";

fn event() -> Event {
    let listed = Listed {
        market_id: "nillion".into(),
        name: "Nillion".into(),
        price: 0.6132,
    };
    let at = "2026-11-28T10:00:00Z".parse().unwrap();
    Event::listed(&listed, Some("NIL"), "coingecko", at)
}

fn write_config(dir: &TempDir, text: &str, mode: u32) -> PathBuf {
    let path = dir.path().join("config.toml");
    std::fs::write(&path, text).unwrap();
    set_mode(&path, mode);
    path
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn settings(text: &str, env: Env) -> Settings {
    let dir = TempDir::new().unwrap();
    let path = write_config(&dir, text, 0o600);
    config::load(&FlagValues::default(), &env.set("PRELIST_CONFIG", &path)).unwrap()
}

/// Quick retries, so a test of them takes a moment.
fn quick() -> Options {
    Options {
        command_timeout: Duration::from_secs(5),
        retry: Retry {
            backoff: Backoff {
                first: Duration::from_millis(40),
                cap: Duration::from_millis(80),
                spread_pct: 25,
            },
            give_up: Duration::from_millis(600),
        },
        ..Options::default()
    }
}

/// Everything logged while the guard lives, on this thread.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Log {
    fn capture() -> (Log, tracing::subscriber::DefaultGuard) {
        let log = Log::default();
        let writer = log.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_max_level(tracing::Level::TRACE)
            .finish();
        (log, tracing::subscriber::set_default(subscriber))
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

// --- the config file ---

#[test]
fn notify_settings_come_from_the_file_and_the_webhook_from_the_environment_first() {
    let text = format!(
        "[notify]\nterminal = \"osc777\"\ncommand = [\"notify-send\", \"prelist\", \"{{message}}\"]\n\
         webhook = \"https://ntfy.sh/{TOPIC}\"\nwebhook_format = \"discord\"\n"
    );
    let s = settings(&text, Env::new());
    let n = &s.notify;
    assert_eq!(
        (n.terminal.value, n.terminal.source),
        (TerminalMode::Osc777, Source::File)
    );
    assert_eq!(n.command.value, ["notify-send", "prelist", "{message}"]);
    assert_eq!(n.webhook_format.value, WebhookFormat::Discord);
    assert_eq!(n.webhook.source, Source::File);
    assert_eq!(
        n.webhook.value.as_ref().unwrap().expose().as_str(),
        format!("https://ntfy.sh/{TOPIC}")
    );

    let env = Env::new().set("PRELIST_WEBHOOK_URL", "http://127.0.0.1:9/env-topic");
    let s = settings(&text, env);
    assert_eq!(s.notify.webhook.source, Source::Env);
    assert_eq!(
        s.notify.webhook.value.as_ref().unwrap().expose().path(),
        "/env-topic"
    );
    // Unset, every channel but the terminal's is off.
    let d = Settings::default().notify;
    assert_eq!(d, NotifySettings::default());
    assert_eq!(
        d.config(),
        NotifyConfig {
            terminal: TerminalMode::Auto,
            command: vec![],
            webhook: None,
            webhook_format: WebhookFormat::Ntfy,
        }
    );
}

#[test]
fn prelist_config_says_a_webhook_is_set_and_never_what_it_is() {
    let text = format!("[notify]\nwebhook = \"https://ntfy.sh/{TOPIC}\"\n");
    let described = settings(&text, Env::new()).describe();
    assert!(
        described.contains("notify.webhook = set  (from config file"),
        "{described}"
    );
    assert!(described.contains("notify.terminal = \"auto\"  (default)"));
    assert!(described.contains("notify.webhook_format = \"ntfy\"  (default)"));
    assert!(described.contains("notify.command = []  (default)"));
    let env = Env::new().set("PRELIST_WEBHOOK_URL", format!("https://ntfy.sh/{TOPIC}"));
    let described = settings("", env.clone()).describe();
    assert!(
        described.contains("notify.webhook = set  (from environment PRELIST_WEBHOOK_URL)"),
        "{described}"
    );
    assert!(!described.contains(TOPIC), "{described}");
    assert!(!format!("{:?}", settings("", env)).contains(TOPIC));
    assert!(
        Settings::default()
            .describe()
            .contains("notify.webhook = none  (default)")
    );
}

#[test]
fn a_webhook_in_a_file_others_may_read_is_refused() {
    let dir = TempDir::new().unwrap();
    let text = format!("[notify]\nterminal = \"bell\"\nwebhook = \"https://ntfy.sh/{TOPIC}\"\n");
    let path = write_config(&dir, &text, 0o644);
    let err = config::read_file(&path).expect_err("others may read it");
    let msg = err.to_string();
    assert_eq!(err.kind, ErrorKind::Permissions, "{msg}");
    assert_eq!(err.line, Some(3));
    assert_eq!(err.key.as_deref(), Some("notify.webhook"));
    assert!(msg.contains("holds a webhook URL"), "{msg}");
    assert!(msg.contains("PRELIST_WEBHOOK_URL"), "{msg}");
    assert!(
        msg.contains(&format!("chmod 600 {}", path.display())),
        "{msg}"
    );
    assert!(!msg.contains(TOPIC), "{msg}");
    // The first secret of the file is the one named.
    let text = format!("[poll]\napi_key = \"k\"\n[notify]\nwebhook = \"https://x.io/{TOPIC}\"\n");
    let path = write_config(&dir, &text, 0o640);
    let err = config::read_file(&path).expect_err("others may read it");
    assert_eq!(err.key.as_deref(), Some("poll.api_key"));
    // Private, or without a URL: read.
    set_mode(&path, 0o600);
    assert!(
        config::read_file(&path)
            .unwrap()
            .unwrap()
            .notify
            .webhook
            .is_some()
    );
    let path = write_config(&dir, "[notify]\nwebhook = \"\"\n", 0o644);
    assert!(
        config::read_file(&path)
            .unwrap()
            .unwrap()
            .notify
            .webhook
            .is_none()
    );
}

#[test]
fn bad_notify_values_name_their_line_and_key_and_never_quote_the_url() {
    let cases: [(&str, usize, &str, &str); 7] = [
        (
            "[notify]\nterminal = \"osc8\"\n",
            2,
            "notify.terminal",
            "unknown terminal notification \"osc8\" (one of auto, osc9, osc777, osc99, bell, off)",
        ),
        (
            "[notify]\n\nwebhook_format = \"teams\"\n",
            3,
            "notify.webhook_format",
            "unknown webhook format \"teams\" (one of ntfy, json, discord, slack)",
        ),
        (
            "[notify]\ncommand = \"notify-send hi\"\n",
            2,
            "notify.command",
            "expected a list of strings: the program, then its arguments, found a string",
        ),
        (
            "[notify]\ncommand = [\"\", \"x\"]\n",
            2,
            "notify.command",
            "the first item is the program to run: it cannot be empty",
        ),
        (
            "[notify]\ncommand = [\"a\",\n  \"b\\u0000\"]\n",
            3,
            "notify.command",
            "an argument cannot hold a NUL character",
        ),
        (
            "[notify]\nwebhook = \"http://ntfy.sh/sekrit-topic-4711\"\n",
            2,
            "notify.webhook",
            "the webhook URL must be https (plain http is allowed to this machine only)",
        ),
        (
            "[notify]\nwebhok = \"x\"\n",
            2,
            "notify.webhok",
            "unknown key \"webhok\" in [notify] (known keys: terminal, command, webhook, webhook_command, webhook_format, discover)",
        ),
    ];
    for (text, line, key, says) in cases {
        let dir = TempDir::new().unwrap();
        let path = write_config(&dir, text, 0o600);
        let err = config::read_file(&path).expect_err(text);
        let msg = err.to_string();
        assert_eq!(err.line, Some(line), "{msg}");
        assert_eq!(err.key.as_deref(), Some(key), "{msg}");
        assert!(msg.ends_with(says), "{msg}");
        assert!(!msg.contains(TOPIC), "{msg}");
    }
    let env = Env::new().set("PRELIST_WEBHOOK_URL", format!("http://example.com/{TOPIC}"));
    let err = config::resolve(&FlagValues::default(), &env, None, None).unwrap_err();
    assert_eq!(err.origin, Origin::Env("PRELIST_WEBHOOK_URL"));
    assert!(!err.to_string().contains(TOPIC), "{err}");
    assert!(Env::VARS.contains(&"PRELIST_WEBHOOK_URL"));
}

// --- the command ---

/// A script that writes its arguments, one a line, to `<dir>/args` and its
/// stdin to `<dir>/stdin`; then exits with `status`, saying `oops` on
/// stderr when that is not 0.
fn recorder(dir: &Path, status: u8) -> String {
    let script = dir.join("record.sh");
    let out = dir.display();
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{out}/args'\ncat > '{out}/stdin'\n\
             [ {status} -ne 0 ] && echo oops >&2\nexit {status}\n"
        ),
    )
    .unwrap();
    set_mode(&script, 0o700);
    script.display().to_string()
}

fn argv(program: String, rest: &[&str]) -> Vec<String> {
    std::iter::once(program)
        .chain(rest.iter().map(|s| s.to_string()))
        .collect()
}

#[tokio::test]
async fn the_command_gets_its_arguments_filled_in_and_the_json_on_stdin() {
    let dir = TempDir::new().unwrap();
    let program = recorder(dir.path(), 0);
    let argv = argv(
        program,
        &[
            "{event}",
            "{coin} ({ticker})",
            "{price}",
            "{source}",
            "{message}",
            "$HOME; rm -rf x",
        ],
    );
    command::run(&argv, &event(), Duration::from_secs(5))
        .await
        .unwrap();
    let args = std::fs::read_to_string(dir.path().join("args")).unwrap();
    assert_eq!(
        args,
        "listed\nNillion (NIL)\n0.6132\ncoingecko\nNillion is now trading at $0.6132\n\
         $HOME; rm -rf x\n"
    );
    let stdin = std::fs::read_to_string(dir.path().join("stdin")).unwrap();
    let json: Value = serde_json::from_str(&stdin).unwrap();
    assert_eq!(json, serde_json::to_value(event()).unwrap());
    assert!(stdin.ends_with('\n'));
}

#[tokio::test]
async fn a_failing_or_missing_command_says_why_and_a_slow_one_is_stopped() {
    let dir = TempDir::new().unwrap();
    let err = command::run(
        &argv(recorder(dir.path(), 3), &["secret-token"]),
        &event(),
        Duration::from_secs(5),
    )
    .await
    .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, CommandError::Failed { .. }), "{msg}");
    assert!(msg.contains("exit status: 3"), "{msg}");
    assert!(msg.ends_with(": oops"), "{msg}");
    assert!(!msg.contains("secret-token"), "{msg}");

    let missing = dir.path().join("no-such-program").display().to_string();
    let err = command::run(&[missing], &event(), Duration::from_secs(5))
        .await
        .unwrap_err();
    assert!(matches!(err, CommandError::Spawn { .. }), "{err}");

    // It writes its pid, then sleeps far past the timeout.
    let slow = dir.path().join("slow.sh");
    let pid_file = dir.path().join("pid");
    std::fs::write(
        &slow,
        format!(
            "#!/bin/sh\necho $$ > '{}'\nexec sleep 30\n",
            pid_file.display()
        ),
    )
    .unwrap();
    set_mode(&slow, 0o700);
    let started = std::time::Instant::now();
    let err = command::run(
        &[slow.display().to_string()],
        &event(),
        Duration::from_millis(500),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, CommandError::Timeout { .. }), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    assert!(
        !Path::new(&format!("/proc/{}", pid.trim())).exists(),
        "the slow command was killed and reaped"
    );
}

// --- the webhook ---

async fn receiver(status: u16) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/{TOPIC}")))
        .respond_with(ResponseTemplate::new(status))
        .mount(&server)
        .await;
    server
}

fn url_of(server: &MockServer) -> SecretUrl {
    SecretUrl::new(&format!("{}/{TOPIC}", server.uri())).unwrap()
}

#[tokio::test]
async fn each_format_reaches_a_receiver_as_it_expects() {
    let server = receiver(200).await;
    for format in WebhookFormat::ALL {
        let client = WebhookClient::new(url_of(&server), format, quick().retry).unwrap();
        client.send(&event()).await.unwrap();
    }
    let got = server.received_requests().await.unwrap();
    assert_eq!(got.len(), 4);
    let content_type = |i: usize| {
        got[i]
            .headers
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
    };
    let json_of = |i: usize| serde_json::from_slice::<Value>(&got[i].body).unwrap();

    // ntfy
    assert_eq!(got[0].body, b"Nillion is now trading at $0.6132");
    assert_eq!(got[0].headers.get("title").unwrap(), "prelist: now trading");
    assert_eq!(got[0].headers.get("tags").unwrap(), "rocket,listed");
    assert_eq!(content_type(0), "text/plain; charset=utf-8");
    // json
    assert_eq!(json_of(1), serde_json::to_value(event()).unwrap());
    assert_eq!(json_of(1)["event"], "listed");
    assert_eq!(content_type(1), "application/json");
    // discord
    assert_eq!(json_of(2)["content"], "Nillion is now trading at $0.6132");
    assert_eq!(json_of(2)["allowed_mentions"], json!({"parse": []}));
    // slack
    assert_eq!(
        json_of(3),
        json!({"text": "Nillion is now trading at $0.6132"})
    );
    for request in &got {
        let agent = request.headers.get("user-agent").unwrap().to_str().unwrap();
        assert!(agent.starts_with("prelist/"), "{agent}");
    }
}

#[tokio::test]
async fn a_failed_post_is_tried_again_and_a_refusal_is_not() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(header("title", "prelist: now trading"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let client = WebhookClient::new(url_of(&server), WebhookFormat::Ntfy, quick().retry).unwrap();
    let (log, _guard) = Log::capture();
    let attempts = client
        .deliver(&event(), tokio::time::Instant::now())
        .await
        .unwrap();
    assert_eq!(attempts, 3);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
    let text = log.text();
    assert_eq!(
        text.matches("webhook: the webhook answered HTTP 500; trying again in")
            .count(),
        2,
        "{text}"
    );

    // A 404 will not pass by itself: one attempt.
    let gone = receiver(404).await;
    let client = WebhookClient::new(url_of(&gone), WebhookFormat::Json, quick().retry).unwrap();
    let err = client
        .deliver(&event(), tokio::time::Instant::now())
        .await
        .unwrap_err();
    assert_eq!(err, WebhookError::Status(404));
    assert_eq!(gone.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn retries_stop_in_time_and_the_url_is_never_said() {
    let (log, _guard) = Log::capture();
    let down = receiver(503).await;
    let client = WebhookClient::new(url_of(&down), WebhookFormat::Slack, quick().retry).unwrap();
    let started = tokio::time::Instant::now();
    let err = client.deliver(&event(), started).await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(3));
    let WebhookError::GaveUp { attempts, last, .. } = &err else {
        panic!("{err:?}");
    };
    assert!(*attempts >= 3, "{err}");
    assert_eq!(**last, WebhookError::Status(503));

    // Nothing listens on a port just released: a connection error, whose
    // reqwest message would quote the URL.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = SecretUrl::new(&format!("http://127.0.0.1:{closed}/{TOPIC}?token={TOPIC}")).unwrap();
    let client = WebhookClient::new(url, WebhookFormat::Ntfy, quick().retry).unwrap();
    let err2 = client
        .deliver(&event(), tokio::time::Instant::now())
        .await
        .unwrap_err();
    assert!(
        matches!(&err2, WebhookError::GaveUp { last, .. } if **last == WebhookError::Connect),
        "{err2}"
    );
    for shown in [
        err.to_string(),
        format!("{err:?}"),
        err2.to_string(),
        format!("{client:?}"),
        log.text(),
    ] {
        assert!(!shown.contains(TOPIC), "{shown}");
    }
    assert!(log.text().contains("cannot connect to the webhook"));
}

// --- the notifier ---

#[tokio::test]
async fn the_notifier_sends_every_channel_and_returns_the_terminals_bytes() {
    let dir = TempDir::new().unwrap();
    let server = receiver(200).await;
    let config = NotifyConfig {
        terminal: TerminalMode::Auto,
        command: argv(recorder(dir.path(), 0), &["{ticker}"]),
        webhook: Some(url_of(&server)),
        webhook_format: WebhookFormat::Json,
    };
    let env = Env::new()
        .set("KITTY_WINDOW_ID", "1")
        .set("TMUX", "/tmp/t,1,0");
    let (log, _guard) = Log::capture();
    let notifier = Notifier::with_options(&config, env, quick()).unwrap();
    assert!(!format!("{notifier:?}").contains(TOPIC));
    let bytes = notifier.notify(&event());
    assert!(bytes.starts_with(b"\x1bPtmux;\x1b\x1b]99;"), "{bytes:?}");
    assert!(String::from_utf8_lossy(&bytes).contains("p=body;Nillion is now trading at $0.6132"));
    assert!(notifier.shutdown(Duration::from_secs(5)).await.sent);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("args")).unwrap(),
        "NIL\n"
    );
    let got = server.received_requests().await.unwrap();
    assert_eq!(got.len(), 1);
    let body: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(body["message"], "Nillion is now trading at $0.6132");
    assert!(!log.text().contains("not sent"), "{}", log.text());

    // Off: no bytes, and with no command or webhook no runtime is needed.
    let off = NotifyConfig {
        terminal: TerminalMode::Off,
        ..NotifyConfig::default()
    };
    let notifier = Notifier::new(&off, Env::new()).unwrap();
    assert!(notifier.notify(&event()).is_empty());
}

#[tokio::test]
async fn a_failing_command_is_logged_and_the_rest_goes_on() {
    let dir = TempDir::new().unwrap();
    let (log, _guard) = Log::capture();
    let config = NotifyConfig {
        terminal: TerminalMode::Bell,
        command: argv(recorder(dir.path(), 1), &[]),
        ..NotifyConfig::default()
    };
    let notifier = Notifier::with_options(&config, Env::new(), quick()).unwrap();
    assert_eq!(notifier.notify(&event()), b"\x07");
    assert_eq!(notifier.notify(&event()), b"\x07");
    assert!(notifier.shutdown(Duration::from_secs(5)).await.sent);
    let text = log.text();
    assert_eq!(
        text.matches("failed (exit status: 1): oops").count(),
        2,
        "{text}"
    );
}

#[tokio::test]
async fn a_full_queue_refuses_events_without_blocking() {
    let dir = TempDir::new().unwrap();
    let slow = dir.path().join("slow.sh");
    std::fs::write(&slow, "#!/bin/sh\nsleep 0.3\n").unwrap();
    set_mode(&slow, 0o700);
    let (log, _guard) = Log::capture();
    let config = NotifyConfig {
        terminal: TerminalMode::Off,
        command: vec![slow.display().to_string()],
        ..NotifyConfig::default()
    };
    let options = Options {
        command_queue: 2,
        ..quick()
    };
    let notifier = Notifier::with_options(&config, Env::new(), options).unwrap();
    let started = std::time::Instant::now();
    for _ in 0..10 {
        notifier.notify(&event());
    }
    assert!(started.elapsed() < Duration::from_millis(200));
    notifier.shutdown(Duration::from_secs(5)).await;
    // The worker had no turn before the loop ended: two queued, eight refused.
    let refused = log.text().matches("this one is not sent").count();
    assert_eq!(refused, 8, "{}", log.text());
}

#[test]
fn without_a_runtime_background_channels_are_refused() {
    let config = NotifyConfig {
        command: vec!["true".into()],
        ..NotifyConfig::default()
    };
    let err = Notifier::new(&config, Env::new()).unwrap_err();
    assert!(err.to_string().contains("tokio runtime"), "{err}");
}
