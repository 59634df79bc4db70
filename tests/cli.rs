//! `prelist list` and bad input, through the real binary.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test's helpers fail the test by panicking, as its assertions do"
)]

mod common;

use std::path::Path;
use std::process::Output;

use serde_json::Value;

fn prelist(args: &[&str]) -> Output {
    let home = tempfile::tempdir().unwrap();
    common::command(home.path()).args(args).output().unwrap()
}

fn json(args: &[&str]) -> Vec<Value> {
    let out = prelist(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn names(coins: &[Value]) -> Vec<&str> {
    coins.iter().map(|c| c["name"].as_str().unwrap()).collect()
}

/// name, score, score kind, airdrop, vibes — as the article gives them.
type ArticleCoin = (
    &'static str,
    Option<u64>,
    Option<&'static str>,
    &'static str,
    &'static str,
);

const ARTICLE: [ArticleCoin; 14] = [
    ("Gravity", None, None, "confirmed", "GMX"),
    ("Nillion", Some(77), Some("tech"), "probable", "Chainlink"),
    (
        "My Pet Hooligan",
        Some(77),
        Some("fundamental"),
        "confirmed",
        "Axie Infinity",
    ),
    (
        "Parcl",
        Some(77),
        Some("fundamental"),
        "confirmed",
        "Helium Network",
    ),
    ("Nibiru", Some(81), Some("tech"), "confirmed", "Injective"),
    ("ReadyGG", Some(81), Some("tech"), "probable", "Immutable X"),
    ("Dolomite", Some(85), Some("tech"), "confirmed", "DYDX"),
    (
        "Movement Labs",
        Some(85),
        Some("tech"),
        "confirmed",
        "Stacks",
    ),
    ("Ola", Some(87), Some("tech"), "probable", "Phantom"),
    ("Lurk", Some(87), Some("tech"), "probable", "Cardano"),
    (
        "Nimble",
        Some(87),
        Some("tech"),
        "probable",
        "Render Network",
    ),
    ("Ten", Some(89), Some("tech"), "confirmed", "Algorand"),
    (
        "Dojima Network",
        Some(89),
        Some("tech"),
        "confirmed",
        "Polygon",
    ),
    (
        "Peaq Network",
        Some(89),
        Some("tech"),
        "confirmed",
        "Solana",
    ),
];

#[test]
fn list_json_matches_the_article_for_all_fourteen() {
    let coins = json(&["list", "--json"]);
    assert_eq!(coins.len(), 14);
    for (i, (coin, (name, score, kind, airdrop, vibes))) in coins.iter().zip(ARTICLE).enumerate() {
        assert_eq!(coin["rank"], i as u64 + 1);
        assert_eq!(coin["name"], name);
        assert_eq!(coin["score"].as_u64(), score, "{name} score");
        assert_eq!(coin["score_kind"].as_str(), kind, "{name} score kind");
        assert_eq!(coin["airdrop"], airdrop, "{name} airdrop");
        assert_eq!(coin["vibes"], vibes, "{name} vibes");
        assert_eq!(coin["status"], "upcoming");
        assert!(coin["price_usd"].is_null() && coin["change_24h"].is_null());
        assert!(coin["listed_at"].is_null());
        for key in [
            "ticker",
            "category",
            "narratives",
            "competitors",
            "market_id",
        ] {
            assert!(coin.get(key).is_some(), "{name} has {key}");
        }
    }
    // Ten's launch note and other name, Gravity's ticker, the verified ids only.
    assert_eq!(coins[11]["launch"], "Q2");
    assert_eq!(coins[11]["other_names"][0], "Obscuro");
    assert_eq!(coins[0]["ticker"], "GRVT");
    let ids: Vec<_> = coins
        .iter()
        .filter_map(|c| c["market_id"].as_str())
        .collect();
    assert_eq!(ids, ["nillion", "parcl", "dolomite", "movement", "peaq-2"]);
}

#[test]
fn list_sorted_by_score_descending() {
    let coins = json(&["list", "--json", "--sort", "score", "--desc"]);
    let n = names(&coins);
    assert_eq!(n[..3], ["Ten", "Dojima Network", "Peaq Network"]);
    assert_eq!(coins[0]["score"], 89);
    assert_eq!(*n.last().unwrap(), "Gravity");
}

#[test]
fn list_sort_orders() {
    let by_name = json(&["list", "--json", "--sort", "name"]);
    assert_eq!(names(&by_name)[0], "Dojima Network");
    let by_rank_desc = json(&["list", "--json", "--sort", "rank", "--desc"]);
    assert_eq!(names(&by_rank_desc)[0], "Peaq Network");
    let by_ticker = json(&["list", "--json", "--sort", "ticker"]);
    assert_eq!(
        names(&by_ticker)[..6],
        [
            "Dolomite",
            "Gravity",
            "Movement Labs",
            "Nillion",
            "Peaq Network",
            "Parcl"
        ]
    );
    let by_airdrop = json(&["list", "--json", "--sort", "airdrop", "--desc"]);
    assert_eq!(by_airdrop[0]["airdrop"], "probable");
    // Nothing trades yet: price, 24h and listed leave the article's order.
    for col in ["price", "24h", "listed", "status"] {
        let c = json(&["list", "--json", "--sort", col, "--desc"]);
        assert_eq!(names(&c)[0], "Gravity", "--sort {col}");
    }
}

#[test]
fn list_filters() {
    assert_eq!(
        names(&json(&["list", "--json", "--filter", "nillion"])),
        ["Nillion"]
    );
    assert_eq!(
        names(&json(&["list", "--json", "--filter", "Obscuro"])),
        ["Ten"]
    );
    assert_eq!(json(&["list", "--json", "--status", "upcoming"]).len(), 14);
    assert!(json(&["list", "--json", "--status", "trading"]).is_empty());
    let text = prelist(&["list", "--filter", "nillion"]);
    let out = String::from_utf8(text.stdout).unwrap();
    let lines: Vec<_> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].starts_with("#") && lines[0].contains("Listed"));
    assert!(
        lines[1].starts_with("2 ") && lines[1].contains("Nillion") && lines[1].contains("77 tech")
    );
}

#[test]
fn list_text_has_every_column() {
    let out = String::from_utf8(prelist(&["list"]).stdout).unwrap();
    let header = out.lines().next().unwrap();
    for title in [
        "#", "Name", "Ticker", "Category", "Score", "Airdrop", "Status", "Price", "24h", "Listed",
    ] {
        assert!(header.contains(title), "{header}");
    }
    assert_eq!(out.lines().count(), 15);
}

#[test]
fn bad_usage_exits_2() {
    let out = prelist(&["list", "--sort", "bogus"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bogus"));
    let out = prelist(&["list", "--status", "sideways"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_screen_without_a_terminal_says_to_use_list() {
    let out = prelist(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("prelist list"));
}

/// Runs `prelist --watchlist FILE list` and `prelist --watchlist FILE` (the
/// TUI) on a bad file: both refuse with exit 2 and a message naming the file
/// and `expect`; the file is left exactly as it was.
fn refused(file: &Path, expect: &str) {
    let before = std::fs::read(file).ok();
    for args in [
        vec!["--watchlist", file.to_str().unwrap(), "list"],
        vec!["--watchlist", file.to_str().unwrap()],
    ] {
        let out = prelist(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(file.to_str().unwrap()),
            "names the file: {err}"
        );
        assert!(err.contains(expect), "says {expect:?}: {err}");
        assert!(out.stdout.is_empty());
    }
    assert_eq!(std::fs::read(file).ok(), before, "the file is untouched");
}

#[test]
fn bad_watchlist_files_are_refused_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name);

    refused(&p("missing.json"), "No such file");

    std::fs::write(p("empty.json"), "").unwrap();
    refused(&p("empty.json"), "is empty");

    std::fs::write(
        p("syntax.json"),
        "{\"version\": 1,\n  \"coins\": [\n    {\"rank\": 1,,}\n]}",
    )
    .unwrap();
    refused(&p("syntax.json"), "line 3, column 16");

    std::fs::write(p("score.json"), r#"{"version":1,"coins":[{"rank":1,"name":"Zed","airdrop":"confirmed","score_kind":"tech","score":120}]}"#).unwrap();
    refused(
        &p("score.json"),
        "(Zed): field `score`: 120 is outside 0–100",
    );

    std::fs::write(
        p("airdrop.json"),
        r#"{"version":1,"coins":[{"rank":1,"name":"Zed","airdrop":"maybe"}]}"#,
    )
    .unwrap();
    refused(&p("airdrop.json"), "(Zed): field `airdrop`");

    std::fs::write(p("binary.json"), [0xff, 0xfe, 0x00, 0x7b]).unwrap();
    refused(&p("binary.json"), "not UTF-8");

    std::fs::create_dir(p("dir.json")).unwrap();
    refused(&p("dir.json"), "directory");

    let huge = std::fs::File::create(p("huge.json")).unwrap();
    huge.set_len(17 * 1024 * 1024).unwrap();
    refused(&p("huge.json"), "more than");
}

#[test]
fn a_good_watchlist_file_is_listed_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mine.json");
    let text = r#"{"version":1,"coins":[
        {"rank":2,"name":"Beta","airdrop":"probable","score_kind":"tech","score":50},
        {"rank":1,"name":"Alpha","airdrop":"confirmed","market_id":"alpha"}]}"#;
    std::fs::write(&file, text).unwrap();
    let coins = json(&["--watchlist", file.to_str().unwrap(), "list", "--json"]);
    assert_eq!(names(&coins), ["Alpha", "Beta"]);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
}

// ---- the config file, through the binary ----

fn with_config(config: Option<&str>, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("config.toml");
    if let Some(text) = config {
        std::fs::write(&path, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }
    let mut cmd = common::command(home.path());
    cmd.args(args).env("PRELIST_CONFIG", &path);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn config_prints_each_setting_and_where_it_came_from() {
    let out = with_config(
        Some("[poll]\ninterval = 120\nbell = false\napi_key = \"file-secret-123\"\n"),
        &["--interval", "30", "config"],
        &[],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        line("poll.interval").contains("30") && line("poll.interval").contains("flag"),
        "{text}"
    );
    assert!(
        line("poll.bell").contains("false") && line("poll.bell").contains("config file"),
        "{text}"
    );
    assert!(line("poll.enabled").contains("(default)"), "{text}");
    assert!(line("api key").contains("demo key set"), "{text}");
    assert!(
        !text.contains("file-secret-123"),
        "the key's value is never printed"
    );

    // The environment beats the file; its value is not printed either.
    let out = with_config(
        Some("[poll]\napi_key = \"file-secret-123\"\n"),
        &["config"],
        &[("COINGECKO_PRO_API_KEY", "env-secret-456")],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("pro key set") && text.contains("COINGECKO_PRO_API_KEY"),
        "{text}"
    );
    assert!(!text.contains("env-secret-456") && !text.contains("file-secret-123"));
}

/// Keys and the webhook URL from a secret manager: the command runs once,
/// its first line is the secret, and neither its output nor the secret is
/// ever printed; a failure exits 2 naming the program and its status.
#[test]
fn secrets_come_from_a_command_and_never_show() {
    let config = "[poll]\npro_api_key_command = [\"sh\", \"-c\", \"printf 'CG-from-pass-789\\\\nsecond-line-xyz'\"]\n\
                  [notify]\nwebhook_command = [\"sh\", \"-c\", \"echo https://hooks.example/T0/secret-path\"]\n";
    let out = with_config(Some(config), &["config"], &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        text.contains("poll.pro_api_key = from command \"sh\"  (pro key"),
        "{text}"
    );
    assert!(
        text.contains("notify.webhook = from command \"sh\"  (from config file"),
        "{text}"
    );
    for secret in ["CG-from-pass-789", "secret-path", "second-line-xyz"] {
        assert!(
            !text.contains(secret) && !err.contains(secret),
            "{secret}: {text}{err}"
        );
    }

    // A key in the environment wins: the command is not even run.
    let home = tempfile::tempdir().unwrap();
    let ran = home.path().join("ran");
    let config = format!(
        "[poll]\napi_key_command = [\"sh\", \"-c\", \"touch {}; echo CG-x\"]\n",
        ran.display()
    );
    let out = with_config(
        Some(&config),
        &["config"],
        &[("COINGECKO_API_KEY", "env-key-1")],
    );
    assert!(out.status.success());
    assert!(
        !ran.exists(),
        "the command ran though the environment had a key"
    );

    // A command that fails, prints nothing, or gives both ways.
    for (config, says) in [
        (
            "[poll]\n\napi_key_command = [\"sh\", \"-c\", \"echo CG-half-printed; exit 4\"]\n",
            "line 3: poll.api_key_command: the command \"sh\" failed (exit status: 4)",
        ),
        (
            "[poll]\napi_key_command = [\"true\"]\n",
            "poll.api_key_command: the command \"true\" printed nothing on its first line",
        ),
        (
            "[notify]\nwebhook_command = [\"sh\", \"-c\", \"echo http://hooks.example/plain\"]\n",
            "notify.webhook_command: the command \"sh\" printed a URL that cannot be used",
        ),
        (
            "[poll]\napi_key = \"k\"\napi_key_command = [\"pass\"]\n",
            "give api_key or api_key_command, not both",
        ),
    ] {
        let out = with_config(Some(config), &["list"], &[]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{config}: {err}");
        assert!(err.contains(says), "{config}: {err}");
        assert!(
            !err.contains("CG-half-printed") && !err.contains("/plain"),
            "{err}"
        );
    }
}

/// What `prelist config` prints with the config file at `path`, after it
/// succeeded.
fn config_succeeds(home: &Path, path: &Path, args: &[&str], envs: &[(&str, &str)]) -> String {
    let mut cmd = common::command(home);
    cmd.args(args).arg("config").env("PRELIST_CONFIG", path);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A config file holding a key inside a git work tree is one `git add`
/// away from a public repository: `prelist config` warns, naming the
/// repository; one outside a work tree, or holding no secret, is quiet.
#[test]
fn a_secret_in_a_git_work_tree_is_warned_of() {
    let home = tempfile::tempdir().unwrap();
    let repo = home.path().join("dotfiles");
    let dir = repo.join("prelist");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::create_dir(repo.join(".git")).unwrap();
    let path = dir.join("config.toml");
    let run = |text: &str| {
        std::fs::write(&path, text).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        config_succeeds(home.path(), &path, &[], &[])
    };
    let real = std::fs::canonicalize(&repo).unwrap();
    let text = run("[poll]\napi_key = \"CG-in-git-1\"\n");
    let want = format!(
        "warning: config.toml holds a secret and is inside the git repository at {}: move it \
         out, or use api_key_command",
        real.display()
    );
    assert!(text.contains(&want), "{text}");
    assert!(!text.contains("CG-in-git-1"));
    let text = run("[notify]\nwebhook = \"https://hooks.example/in-git\"\n");
    assert!(text.contains("or use webhook_command"), "{text}");
    // No secret in the file: nothing to say.
    let text = run("[poll]\napi_key_command = [\"echo\", \"CG-x\"]\n");
    assert!(!text.contains("git repository"), "{text}");
    // The same secret outside any work tree.
    std::fs::remove_dir(repo.join(".git")).unwrap();
    let text = run("[poll]\napi_key = \"CG-in-git-1\"\n");
    assert!(!text.contains("git repository"), "{text}");
}

/// A key in use past `key_rotate_days` is due for rotation: `prelist
/// config` says so by its fingerprint, never the key; `watch` notes a key's
/// first use.
#[test]
fn a_key_in_use_too_long_is_due_for_rotation() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data-dir");
    let key = "CG-rotate-me-1";
    let fingerprint = prelist::config::SecretKey::new(prelist::config::KeyKind::Demo, key)
        .unwrap()
        .fingerprint();
    let config = |rotate: &str| {
        let path = home.path().join("config.toml");
        std::fs::write(&path, format!("[poll]\n{rotate}")).unwrap();
        let data = data.to_str().unwrap();
        config_succeeds(
            home.path(),
            &path,
            &["--data-dir", data],
            &[("COINGECKO_API_KEY", key)],
        )
    };
    // Never used here: nothing to say, and nothing written.
    let text = config("");
    assert!(!text.contains("rotate it"), "{text}");
    assert!(!data.join("state.db").exists());
    let db = prelist::store::open_state(&data.join("state.db")).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    prelist::store::note_key(&db, &fingerprint, now - 91 * 86_400 - 60).unwrap();
    let text = config("");
    let want = format!("warning: key {fingerprint}, in use for 91 days: rotate it");
    assert!(text.contains(&want), "{text}");
    assert!(
        text.contains("poll.key_rotate_days = 90  (default)"),
        "{text}"
    );
    assert!(!text.contains(key));
    let text = config("key_rotate_days = 120\n");
    assert!(!text.contains("rotate it"), "{text}");
    let text = config("key_rotate_days = 0\n");
    assert!(!text.contains("rotate it"), "{text}");
}

#[test]
fn a_typo_in_the_config_names_the_file_line_and_key() {
    let out = with_config(
        Some("[poll]\nenabled = true\nintervall = 30\n"),
        &["list"],
        &[],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("config.toml, line 3") && err.contains("intervall"),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    let out = with_config(
        Some("[display]\ncolumns = [\"name\", \"price\", \"nope\"]\n"),
        &["list"],
        &[],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("line 2") && err.contains("nope"), "{err}");
}

#[test]
fn the_default_config_loads_back_unchanged() {
    let out = with_config(None, &["config", "--default"], &[]);
    assert!(out.status.success());
    let default = String::from_utf8(out.stdout).unwrap();
    assert!(default.contains("# interval = 60"), "{default}");
    let defaults = with_config(None, &["config"], &[]);
    let loaded = with_config(Some(&default), &["config"], &[]);
    assert!(
        loaded.status.success(),
        "{}",
        String::from_utf8_lossy(&loaded.stderr)
    );
    // Same settings, all still defaults; only the "config file" line differs.
    let settings = |o: &Output| -> Vec<String> {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .skip(1)
            .map(String::from)
            .collect()
    };
    assert_eq!(settings(&loaded), settings(&defaults));
    // A broken config does not stop --default from helping.
    let out = with_config(Some("[[[ broken"), &["config", "--default"], &[]);
    assert!(out.status.success());
}

#[test]
fn list_follows_the_sort_of_the_config_unless_told_otherwise() {
    let config = "[display]\nsort = \"score\"\ndescending = true\n";
    let first = |args: &[&str]| {
        let out = with_config(Some(config), args, &[]);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v[0]["name"].as_str().unwrap().to_string()
    };
    assert_eq!(first(&["list", "--json"]), "Ten");
    assert_eq!(first(&["list", "--json", "--sort", "rank"]), "Gravity");
}

#[test]
fn an_import_error_is_at_the_line_and_column_of_the_users_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.json");
    std::fs::write(
        &file,
        "[\n  {\"rank\": 1, \"name\": \"A\"},\n  {\"rank\": 2, \"name\": \"B\", \"score\": \"high\"}\n]\n",
    )
    .unwrap();
    let out = prelist(&["import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    // Column 42 ends "high", the value that is not a number.
    assert!(err.contains("in.json, line 3, column 42"), "{err}");
    assert!(err.contains("invalid type: string \"high\""), "{err}");
}
