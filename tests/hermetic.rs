//! The spawn helper keeps the caller's environment out of the binary: a
//! developer's own config, data dir or API key never reaches a test.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test's helpers fail the test by panicking, as its assertions do"
)]

mod common;

use std::ffi::OsString;
use std::process::Command;

use portable_pty::CommandBuilder;

/// A config file that prelist refuses (exit 2) whenever it reads it.
const BROKEN: &str = "[display]\nsort = \"no such column\"\n";

fn vars(pairs: &[(&str, &str)]) -> Vec<(OsString, OsString)> {
    pairs
        .iter()
        .map(|(k, v)| (OsString::from(k), OsString::from(v)))
        .collect()
}

#[test]
fn every_prelist_and_coingecko_variable_is_cleared_and_nothing_else() {
    let parent = vars(&[
        ("PRELIST_CONFIG", "/home/dev/.config/prelist/config.toml"),
        ("PATH", "/usr/bin"),
        ("PRELIST_SETTING_NOT_YET_READ", "1"),
        ("COINGECKO_API_KEY", "dev-key"),
        ("COINGECKO_PRO_API_KEY", "dev-pro-key"),
        ("MY_PRELIST_CONFIG", "kept"),
        ("prelist_config", "kept: names are case-sensitive"),
    ]);
    assert_eq!(
        common::cleared(parent),
        [
            "PRELIST_CONFIG",
            "PRELIST_SETTING_NOT_YET_READ",
            "COINGECKO_API_KEY",
            "COINGECKO_PRO_API_KEY"
        ]
    );
}

#[test]
fn the_pty_command_loses_the_callers_variables_and_gets_a_home() {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = CommandBuilder::new(common::BIN);
    // As if inherited: the builder starts from the caller's environment.
    cmd.env("PRELIST_CONFIG", "/home/dev/config.toml");
    cmd.env("COINGECKO_API_KEY", "dev-key");
    cmd.env("NO_COLOR", "1");
    common::hermetic(
        &mut cmd,
        home.path(),
        vars(&[
            ("PRELIST_CONFIG", "/home/dev/config.toml"),
            ("COINGECKO_API_KEY", "dev-key"),
        ]),
    );
    assert_eq!(cmd.get_env("PRELIST_CONFIG"), None);
    assert_eq!(cmd.get_env("COINGECKO_API_KEY"), None);
    assert_eq!(cmd.get_env("NO_COLOR"), None);
    assert_eq!(cmd.get_env("HOME"), Some(home.path().as_os_str()));
    assert_eq!(
        cmd.get_env("XDG_CONFIG_HOME"),
        Some(home.path().join("config").as_os_str())
    );
}

/// On its own, a plain `list`. Run again by the test below in a child test
/// process whose own environment names a broken config.
#[test]
fn list_through_the_helper() {
    let home = tempfile::tempdir().unwrap();
    let out = common::command(home.path()).arg("list").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Gravity"));
}

#[test]
fn a_broken_config_in_the_callers_environment_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("config.toml");
    std::fs::write(&broken, BROKEN).unwrap();

    // Read, the file stops prelist: so a pass below means it was not read.
    let read = Command::new(common::BIN)
        .arg("list")
        .env("HOME", dir.path())
        .env("PRELIST_CONFIG", &broken)
        .output()
        .unwrap();
    assert_eq!(read.status.code(), Some(2), "{read:?}");
    assert!(String::from_utf8_lossy(&read.stderr).contains(&*broken.to_string_lossy()));

    // This test binary again, running only the test above, with the broken
    // config and a key in the environment every child would inherit.
    let child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "list_through_the_helper", "--test-threads", "1"])
        .env("PRELIST_CONFIG", &broken)
        .env("COINGECKO_API_KEY", "dev-key")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&child.stdout);
    assert!(
        child.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&child.stderr)
    );
    assert!(stdout.contains("1 passed"), "{stdout}");
}
