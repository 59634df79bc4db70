//! What installs with prelist beside the binary: completions and the man
//! page made from the clap definitions, help that says the real defaults
//! and shows examples, a README whose command-line block names what `--help`
//! names, and `prelist doctor`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test's helpers fail the test by panicking, as its assertions do"
)]

mod common;

use std::collections::BTreeSet;
use std::process::Output;

use clap::CommandFactory;
use prelist::cli::Cli;
use serde_json::Value;

fn prelist(home: &std::path::Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = common::command(home);
    cmd.args(args);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// Every subcommand, as clap knows them.
fn subcommands() -> Vec<String> {
    Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
}

#[test]
fn every_subcommand_is_in_each_completion_script() {
    let home = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let script = stdout(&prelist(home.path(), &["completions", shell], &[]));
        for sub in subcommands() {
            assert!(script.contains(&sub), "{shell}: {sub} is missing");
        }
        assert!(script.contains("data-dir"), "{shell}: the global flags too");
    }
}

#[test]
fn bash_accepts_the_bash_script() {
    let home = tempfile::tempdir().unwrap();
    let script = stdout(&prelist(home.path(), &["completions", "bash"], &[]));
    let path = home.path().join("prelist.bash");
    std::fs::write(&path, script).unwrap();
    let check = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn the_man_page_starts_with_its_title_and_names_every_subcommand() {
    let home = tempfile::tempdir().unwrap();
    let page = stdout(&prelist(home.path(), &["manpage"], &[]));
    assert!(page.starts_with(".TH prelist 1"), "{}", &page[..80]);
    for sub in subcommands() {
        assert!(
            page.contains(&format!("prelist\\-{sub}")),
            "{sub} has no section of its own"
        );
    }
    assert!(page.contains("\\-\\-interval"), "the options are there");
}

#[test]
fn completions_and_the_man_page_need_no_loadable_config() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("bad.toml");
    std::fs::write(&config, "[poll\n").unwrap();
    let env = [("PRELIST_CONFIG", config.to_str().unwrap())];
    assert!(
        prelist(home.path(), &["completions", "fish"], &env)
            .status
            .success()
    );
    assert!(prelist(home.path(), &["manpage"], &env).status.success());
    assert_eq!(
        prelist(home.path(), &["doctor"], &env).status.code(),
        Some(2)
    );
}

#[test]
fn help_says_the_real_defaults_and_each_subcommand_shows_examples() {
    let home = tempfile::tempdir().unwrap();
    let help = stdout(&prelist(home.path(), &["--help"], &[]));
    // The interval follows the key's plan: no single number is its default.
    assert!(!help.contains("[default: 60]"), "{help}");
    assert!(help.contains("300 with a Demo key"), "{help}");
    assert!(help.contains("30 with a Pro key"), "{help}");
    for sub in subcommands() {
        let help = stdout(&prelist(home.path(), &[&sub, "--help"], &[]));
        let tail = help.trim_end().rsplit_once("Example").map(|(_, t)| t);
        assert!(
            tail.is_some_and(|t| t.contains("prelist")),
            "{sub}'s help ends with an example: {help}"
        );
    }
}

/// The flags and subcommands the README's command-line block names.
fn readme_block() -> (BTreeSet<String>, BTreeSet<String>) {
    let readme = include_str!("../README.md");
    let section = readme.split("## Command line").nth(1).unwrap();
    let block = section.split("```").nth(1).unwrap();
    let mut flags = BTreeSet::new();
    let mut subs = BTreeSet::new();
    for line in block.lines() {
        // The usage part of a line ends where its description begins (two
        // spaces); flags are the words that start with --.
        let usage = line.split("  ").next().unwrap();
        let mut words = usage.split_whitespace();
        if words.next() != Some("prelist") {
            continue;
        }
        if let Some(w) = words.next()
            && w.chars().all(|c| c.is_ascii_lowercase())
        {
            subs.insert(w.to_string());
        }
        for w in usage.split(|c: char| c.is_whitespace() || "[]|".contains(c)) {
            if let Some(flag) = w.strip_prefix("--") {
                flags.insert(flag.to_string());
            }
        }
    }
    (flags, subs)
}

/// The flags and subcommands `--help` names, every subcommand's included.
fn help_names() -> (BTreeSet<String>, BTreeSet<String>) {
    let cli = Cli::command();
    let mut flags = BTreeSet::from(["help".to_string(), "version".to_string()]);
    let mut add = |cmd: &clap::Command| {
        for arg in cmd.get_arguments() {
            if let Some(long) = arg.get_long() {
                flags.insert(long.to_string());
            }
        }
    };
    add(&cli);
    for sub in cli.get_subcommands() {
        add(sub);
    }
    (flags, subcommands().into_iter().collect())
}

#[test]
fn the_readme_and_help_name_the_same_flags_and_subcommands() {
    let (readme_flags, readme_subs) = readme_block();
    let (help_flags, help_subs) = help_names();
    assert_eq!(readme_subs, help_subs, "subcommands: README vs --help");
    assert_eq!(readme_flags, help_flags, "flags: README vs --help");
}

// ---- prelist doctor ----

const KEY: &str = "CG-doctor-secret-key-1234";
const HOOK: &str = "https://hooks.example.invalid/secret-path-5678";

fn doctor(home: &std::path::Path, api: &str, args: &[&str]) -> Output {
    let config = home.join("config.toml");
    std::fs::write(&config, format!("[notify]\nwebhook = {HOOK:?}\n")).unwrap();
    std::fs::set_permissions(&config, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let data = home.join("data");
    let mut all = vec![
        "doctor",
        "--api-url",
        api,
        "--data-dir",
        data.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    prelist(
        home,
        &all,
        &[
            ("PRELIST_CONFIG", config.to_str().unwrap()),
            ("COINGECKO_API_KEY", KEY),
        ],
    )
}

#[test]
fn doctor_says_all_is_well_and_never_prints_a_secret() {
    let api = common::PriceApi::start(serde_json::json!({"nillion": {"usd": 0.61}}));
    let home = tempfile::tempdir().unwrap();
    let out = doctor(home.path(), &api.url(), &[]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{text}{err}");
    for want in [
        "config",
        "data dir",
        "state",
        "watchlist",
        "CoinGecko",
        "Demo key",
        "webhook",
    ] {
        assert!(text.contains(want), "{want}: {text}");
    }
    assert!(!text.contains("PROBLEM"), "{text}");
    for secret in [KEY, HOOK, "secret-path"] {
        assert!(
            !text.contains(secret) && !err.contains(secret),
            "{secret} printed"
        );
    }
    // The key went to the API, in its header only.
    let sent = api.requests();
    assert_eq!(sent.len(), 1, "one request");
    assert_eq!(sent[0].headers["x-cg-demo-api-key"], KEY);
    assert!(!sent[0].url.as_str().contains(KEY));
}

#[test]
fn doctor_json_lists_each_check_and_a_problem_exits_1() {
    // Nothing answers on this port: the API check fails, the rest stands.
    let home = tempfile::tempdir().unwrap();
    let out = doctor(home.path(), "http://127.0.0.1:9/api/v3", &["--json"]);
    assert_eq!(out.status.code(), Some(1));
    let checks: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let api = checks
        .iter()
        .find(|c| c["check"] == "CoinGecko")
        .expect("a CoinGecko check");
    assert_eq!(api["ok"], false);
    assert!(api["detail"].as_str().unwrap().contains("Demo key"));
    for c in &checks {
        assert!(c["check"].is_string() && c["ok"].is_boolean() && c["detail"].is_string());
    }
    let webhook = checks.iter().find(|c| c["check"] == "webhook").unwrap();
    assert_eq!(webhook["detail"], "set");
    let all = String::from_utf8_lossy(&out.stdout);
    assert!(!all.contains(KEY) && !all.contains(HOOK));
}

#[test]
fn doctor_names_a_state_file_that_does_not_load_and_a_missing_command() {
    let api = common::PriceApi::start(serde_json::json!({}));
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("state.json"), "{ not json").unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        "[notify]\ncommand = [\"no-such-notifier-prelist\", \"{message}\"]\n",
    )
    .unwrap();
    let out = prelist(
        home.path(),
        &[
            "doctor",
            "--api-url",
            &api.url(),
            "--data-dir",
            data.to_str().unwrap(),
        ],
        &[("PRELIST_CONFIG", config.to_str().unwrap())],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let line = |name: &str| {
        text.lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("no {name} line: {text}"))
            .to_string()
    };
    assert!(line("state").starts_with("PROBLEM"), "{text}");
    assert!(line("state").contains("state.json"), "{text}");
    assert!(
        line("notify command").contains("not found on PATH"),
        "{text}"
    );
    assert!(line("CoinGecko").contains("keyless"), "{text}");
}

#[test]
fn a_placeholder_notify_send_could_read_as_an_option_is_warned_of() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        "[notify]\ncommand = [\"notify-send\", \"prelist\", \"{message}\"]\n",
    )
    .unwrap();
    let env = [("PRELIST_CONFIG", config.to_str().unwrap())];
    let said = stdout(&prelist(home.path(), &["config"], &env));
    assert!(
        said.contains("warning: notify.command: {message} comes before `--`"),
        "{said}"
    );
    std::fs::write(
        &config,
        "[notify]\ncommand = [\"notify-send\", \"--\", \"prelist\", \"{message}\"]\n",
    )
    .unwrap();
    let said = stdout(&prelist(home.path(), &["config"], &env));
    assert!(!said.contains("comes before `--`"), "{said}");
}
