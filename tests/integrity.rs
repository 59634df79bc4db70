//! What prelist keeps and what it refuses, through the real binary:
//! instances writing at once, big lists, symlinks, special files, false
//! listings, hostile text and the smaller faults of files.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test's helpers fail the test by panicking, as its assertions do"
)]

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// A hermetic data dir, config dir and home for the binary.
struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = common::command(self.dir.path());
        cmd.args(args)
            .env("PRELIST_DATA_DIR", self.data())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    fn spawn(&self, args: &[&str]) -> Child {
        self.command(args).spawn().unwrap()
    }

    /// Runs to the end, or fails the test if that takes over 90 s (a read
    /// that never ends; big lists take seconds in a debug build).
    fn run(&self, args: &[&str]) -> Output {
        finish(self.spawn(args), args)
    }

    fn ok(&self, args: &[&str]) -> Output {
        let out = self.run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        out
    }

    fn names(&self) -> Vec<String> {
        let out = self.ok(&["list", "--json"]);
        let list: Value = serde_json::from_slice(&out.stdout).unwrap();
        list.as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect()
    }

    /// The state database's contents; `None` when there is none.
    fn state(&self) -> Option<prelist::store::State> {
        let path = self.data().join(prelist::store::STATE_FILE);
        path.exists().then(|| {
            let db = prelist::store::StateDb::open(&path).unwrap();
            prelist::store::StateStore::load(&db).unwrap()
        })
    }
}

fn finish(child: Child, what: &[&str]) -> Output {
    finish_within(child, what, Duration::from_secs(90))
}

/// Waits for `child` to end, draining its pipes, or fails the test (killing
/// it) if that takes over `bound`.
fn finish_within(mut child: Child, what: &[&str], bound: Duration) -> Output {
    use std::io::Read;
    // The pipes are drained as the child writes, or a big output would
    // fill them and stall it.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut p) = pipe {
                p.read_to_end(&mut bytes).unwrap();
            }
            bytes
        })
    };
    let stdout = drain(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = drain(child.stderr.take().map(|p| Box::new(p) as _));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > bound {
            child.kill().unwrap();
            panic!("{what:?} did not end within {bound:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Exit 2, with `file` and `expect` in the message.
fn refused(out: &Output, file: &Path, expect: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(file.to_str().unwrap()),
        "names the file: {err}"
    );
    assert!(err.contains(expect), "says {expect:?}: {err}");
}

fn watchlist(coins: Value) -> String {
    json!({"version": 1, "coins": coins}).to_string()
}

/// An export's record of a coin trading at `price`.
fn trading(name: &str, market_id: &str, price: Value) -> Value {
    json!({
        "rank": 1, "name": name, "market_id": market_id, "status": "trading",
        "price_usd": price, "listed_at": "2025-01-02T03:04:05Z"
    })
}

// ---- instances at once ----

#[test]
fn ten_imports_at_once_keep_every_coin() {
    let env = Env::new();
    let files: Vec<PathBuf> = (0..10)
        .map(|i| {
            let coins: Vec<Value> = (0..5)
                .map(|j| json!({"rank": 100 + j, "name": format!("Import {i}-{j}")}))
                .collect();
            let file = env.path(&format!("in{i}.json"));
            std::fs::write(&file, watchlist(json!(coins))).unwrap();
            file
        })
        .collect();
    let children: Vec<Child> = files
        .iter()
        .map(|f| env.spawn(&["import", f.to_str().unwrap()]))
        .collect();
    for child in children {
        let out = finish(child, &["import"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            String::from_utf8_lossy(&out.stdout).starts_with("5 added"),
            "each import adds its own coins to the current file"
        );
    }
    let names = env.names();
    for i in 0..10 {
        for j in 0..5 {
            let name = format!("Import {i}-{j}");
            assert!(names.contains(&name), "{name} was lost");
        }
    }
    assert_eq!(names.len(), 14 + 50);
}

#[test]
fn a_writer_kept_waiting_says_so() {
    let env = Env::new();
    let file = env.path("in.json");
    std::fs::write(&file, watchlist(json!([{"rank": 20, "name": "Waiter"}]))).unwrap();
    let lock = prelist::fs::lock(&env.data().join("watchlist.json")).unwrap();
    let child = env.spawn(&["import", file.to_str().unwrap()]);
    std::thread::sleep(Duration::from_millis(1800));
    drop(lock);
    let out = finish(child, &["import"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("waiting for another prelist to finish writing"),
        "{}",
        stderr(&out)
    );
    assert!(env.names().contains(&"Waiter".to_string()));
}

// ---- big lists ----

/// A watchlist of `n` coins with only a rank and a name, as a list made by
/// a script would be: every other field takes its default.
fn bare_coins(n: usize) -> String {
    let coins: Vec<Value> = (0..n)
        .map(|i| json!({"rank": 1000 + i, "name": format!("c{i}")}))
        .collect();
    watchlist(json!(coins))
}

#[test]
fn what_an_import_writes_always_loads_again() {
    let env = Env::new();
    let file = env.path("big.json");
    let text = bare_coins(60_000);
    std::fs::write(&file, &text).unwrap();
    env.ok(&["import", file.to_str().unwrap()]);
    let saved = std::fs::metadata(env.data().join("watchlist.json")).unwrap();
    // Written with every empty field, it was over 16 MiB.
    assert!(
        saved.len() < 3 * text.len() as u64,
        "{} bytes for {} read",
        saved.len(),
        text.len()
    );
    assert_eq!(env.names().len(), 14 + 60_000, "it loads again");
}

/// A watchlist of one coin whose notes are `mib` MiB long.
fn long_notes(name: &str, mib: usize) -> String {
    watchlist(json!([{"rank": 1, "name": name, "notes": "x".repeat(mib << 20)}]))
}

#[test]
fn an_import_too_big_to_load_again_is_refused_before_anything_changes() {
    let env = Env::new();
    let first = env.path("a.json");
    std::fs::write(&first, long_notes("A", 9)).unwrap();
    env.ok(&["import", first.to_str().unwrap()]);
    let path = env.data().join("watchlist.json");
    let before = std::fs::read(&path).unwrap();

    // Alone it would fit; with what is there, it would not load again.
    let second = env.path("b.json");
    std::fs::write(&second, long_notes("B", 9)).unwrap();
    let out = env.run(&["import", second.to_str().unwrap()]);
    refused(&out, &path, "more than");
    assert_eq!(std::fs::read(&path).unwrap(), before, "nothing changed");
    assert!(!env.names().contains(&"B".to_string()));
}

#[test]
fn standard_input_is_read_only_up_to_the_cap() {
    let env = Env::new();
    let mut child = env
        .command(&["import", "-"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let chunk = vec![b' '; 1 << 20];
        // An endless stream: prelist stops reading past the cap, and the
        // pipe closes.
        for _ in 0..64 {
            if stdin.write_all(&chunk).is_err() {
                return;
            }
        }
    });
    let out = finish(child, &["import", "-"]);
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("standard input"), "{}", stderr(&out));
    assert!(stderr(&out).contains("more than"), "{}", stderr(&out));
}

// ---- symlinks ----

#[cfg(unix)]
#[test]
fn symlinked_files_are_saved_through_to_their_targets() {
    use std::os::unix::fs::symlink;
    let env = Env::new();
    let dots = env.path("dotfiles");
    std::fs::create_dir_all(&dots).unwrap();
    std::fs::create_dir_all(env.data()).unwrap();
    let builtin = prelist::model::Watchlist::builtin().to_json();
    std::fs::write(dots.join("watchlist.json"), &builtin).unwrap();
    let db = prelist::store::open_state(&dots.join("state.db")).unwrap();
    prelist::store::StateStore::save(&*db, &prelist::store::State::default()).unwrap();
    drop(db);
    // One absolute link, one relative.
    symlink(
        dots.join("watchlist.json"),
        env.data().join("watchlist.json"),
    )
    .unwrap();
    symlink("../dotfiles/state.db", env.data().join("state.db")).unwrap();

    let export = env.path("export.json");
    let record = trading("Linked", "linked-coin", json!(2.5));
    std::fs::write(&export, json!([record]).to_string()).unwrap();
    env.ok(&["import", export.to_str().unwrap()]);

    for name in ["watchlist.json", "state.db"] {
        let link = env.data().join(name);
        let meta = std::fs::symlink_metadata(&link).unwrap();
        assert!(meta.file_type().is_symlink(), "{name} is still a link");
    }
    let wl = std::fs::read_to_string(dots.join("watchlist.json")).unwrap();
    assert!(wl.contains("Linked"), "the target holds the change");
    let db = prelist::store::StateDb::open(&dots.join("state.db")).unwrap();
    let state = prelist::store::StateStore::load(&db).unwrap();
    assert!(state.listings.contains_key("linked-coin"), "{state:?}");
    // The database's companions (its WAL) live beside the target too.
    let in_data: Vec<_> = std::fs::read_dir(env.data())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp") || n.starts_with("state.db-"))
        .collect();
    assert!(in_data.is_empty(), "{in_data:?}");

    // `--watchlist LINK` too.
    let other = env.path("other.json");
    std::fs::write(&other, &builtin).unwrap();
    let link = env.path("link.json");
    symlink(&other, &link).unwrap();
    let more = env.path("more.json");
    std::fs::write(&more, watchlist(json!([{"rank": 30, "name": "Through"}]))).unwrap();
    env.ok(&[
        "--watchlist",
        link.to_str().unwrap(),
        "import",
        more.to_str().unwrap(),
    ]);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(std::fs::read_to_string(&other).unwrap().contains("Through"));
}

// ---- false listings ----

#[test]
fn impossible_prices_and_ids_in_an_import_change_nothing() {
    let env = Env::new();
    for (record, expect) in [
        (trading("Neg", "neg", json!(-5)), "no coin can have"),
        (trading("Zero", "zero", json!(0)), "no coin can have"),
        (trading("Huge", "huge", json!(1e308)), "no coin can have"),
        (trading("Blank", " ", json!(2)), "no market id"),
        (trading("Spaced", "a b", json!(2)), "not a market id"),
    ] {
        let file = env.path("in.json");
        std::fs::write(&file, json!([record]).to_string()).unwrap();
        let out = env.run(&["import", file.to_str().unwrap()]);
        refused(&out, &file, expect);
        assert_eq!(env.state(), None, "no listing recorded");
        assert!(!env.data().join("watchlist.json").exists());
    }
}

#[test]
fn a_skipped_record_brings_no_listing() {
    let env = Env::new();
    // Named as one coin, with the market id of another: skipped.
    let file = env.path("in.json");
    let record = trading("Nillion", "dolomite", json!(3));
    std::fs::write(&file, json!([record]).to_string()).unwrap();
    let out = env.ok(&["import", file.to_str().unwrap()]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).split(" (").next(),
        Some("0 added, 0 updated, 1 skipped")
    );
    assert_eq!(env.state(), None);
    let list: Value = serde_json::from_slice(&env.ok(&["list", "--json"]).stdout).unwrap();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "upcoming"),
        "nothing trades"
    );
}

#[test]
fn a_listing_of_a_coin_already_there_is_an_update() {
    let env = Env::new();
    let file = env.path("in.json");
    let mut record = trading("Dolomite", "dolomite", json!(0.5));
    let builtin = prelist::model::Watchlist::builtin();
    let dolomite = builtin.coins.iter().find(|c| c.name == "Dolomite").unwrap();
    let listings = prelist::listing::Listings::new();
    let same = prelist::list::CoinRecord::new(dolomite, &listings, &Default::default(), None);
    let mut same = serde_json::to_value(same).unwrap();
    for k in ["status", "price_usd", "listed_at"] {
        same[k] = record[k].take();
    }
    std::fs::write(&file, json!([same]).to_string()).unwrap();
    let out = env.ok(&["import", file.to_str().unwrap()]);
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("0 added, 1 updated, 0 skipped"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(env.state().unwrap().listings["dolomite"].price_usd, 0.5);
    // The same again tells nothing new: skipped.
    let out = env.ok(&["import", file.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("0 added, 0 updated, 1 skipped"));
}

#[test]
fn a_state_file_with_an_impossible_listing_is_refused_naming_it() {
    let env = Env::new();
    std::fs::create_dir_all(env.data()).unwrap();
    let state = env.data().join("state.json");
    let listing = |price: f64| json!({"listed_at": 1, "first_price": 1.0, "price_usd": price, "change_24h": null, "updated_at": 1});
    for (listings, expect) in [
        (
            json!({"nillion": listing(0.0)}),
            "\"nillion\" has a price of 0",
        ),
        (
            json!({"nillion": listing(-5.0)}),
            "\"nillion\" has a price of -5",
        ),
        (json!({"": listing(1.0)}), "is not under a market id"),
        (json!({" ": listing(1.0)}), "is not under a market id"),
    ] {
        let text = json!({"version": 1, "listings": listings}).to_string();
        std::fs::write(&state, &text).unwrap();
        let out = env.run(&["list"]);
        refused(&out, &state, expect);
        assert_eq!(std::fs::read_to_string(&state).unwrap(), text, "kept");
    }
}

#[test]
fn a_search_answer_with_an_empty_id_offers_nothing_for_it() {
    let body = json!({"coins": [
        {"id": "", "name": "Empty", "symbol": "E"},
        {"id": "real", "name": "Real", "symbol": "R"}
    ]});
    let found = prelist::market::coingecko::parse_search(&body).unwrap();
    let ids: Vec<&str> = found.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["real"]);
}

// ---- special files ----

#[cfg(unix)]
#[test]
fn special_files_are_refused_at_once() {
    let env = Env::new();
    let fifo = env.path("fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let dir = env.path("a-dir");
    std::fs::create_dir(&dir).unwrap();
    let zero = Path::new("/dev/zero");
    for (special, kind) in [
        (zero, "character device"),
        (&fifo, "FIFO"),
        (&dir, "directory"),
    ] {
        let s = special.to_str().unwrap();
        let out = env.run(&["--watchlist", s, "list"]);
        refused(&out, special, kind);
        let out = env.run(&["import", s]);
        refused(&out, special, kind);
    }
    std::fs::create_dir_all(env.data()).unwrap();
    let state = env.data().join("state.json");
    for special in [zero, &fifo] {
        std::os::unix::fs::symlink(special, &state).unwrap();
        let out = env.run(&["list"]);
        refused(&out, &state, "not a regular file");
        std::fs::remove_file(&state).unwrap();
    }
    std::fs::create_dir(&state).unwrap();
    refused(&env.run(&["list"]), &state, "directory");
}

/// Makes a FIFO at `path`.
fn mkfifo(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let made = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(made.success());
}

#[cfg(unix)]
#[test]
fn a_fifo_at_a_lock_path_is_refused_naming_it() {
    let env = Env::new();
    let lock = env.data().join(".watchlist.json.lock");
    mkfifo(&lock);
    let file = env.path("in.json");
    std::fs::write(&file, watchlist(json!([{"rank": 1, "name": "Fifo"}]))).unwrap();
    // Opening a FIFO for writing waits for a reader: without a bound a
    // regression hangs here rather than failing.
    let args = ["import", file.to_str().unwrap()];
    let out = finish_within(env.spawn(&args), &args, Duration::from_secs(20));
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains(&format!("{} is a FIFO, not a regular file", lock.display())),
        "names the lock and what it is: {err}"
    );
    // A symlink to a regular file is a lock file like any other.
    std::fs::remove_file(&lock).unwrap();
    std::fs::write(env.path("real.lock"), "").unwrap();
    std::os::unix::fs::symlink(env.path("real.lock"), &lock).unwrap();
    env.ok(&args);
    assert!(env.names().contains(&"Fifo".to_string()));
}

#[cfg(unix)]
#[test]
fn a_fifo_at_the_state_database_or_its_companions_is_refused_at_once() {
    for name in ["state.db", "state.db-wal", "state.db-shm"] {
        let env = Env::new();
        let fifo = env.data().join(name);
        mkfifo(&fifo);
        // SQLite would wait on a FIFO forever: without a bound a
        // regression hangs here rather than failing.
        for args in [
            &["list"][..],
            &["watch", "--api-url", "http://127.0.0.1:9"][..],
        ] {
            let out = finish_within(env.spawn(args), args, Duration::from_secs(20));
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
            assert!(
                err.contains(&fifo.display().to_string()) && err.contains("FIFO"),
                "names the file and what it is: {err}"
            );
        }
    }
}

// ---- hostile text ----

/// No escape, no other C0 control but the newline, and no C1 control.
fn assert_inert(what: &str, bytes: &[u8]) {
    for (i, &b) in bytes.iter().enumerate() {
        assert!(
            b >= 0x20 || b == b'\n',
            "{what}: control byte {b:#04x} at {i}: {}",
            String::from_utf8_lossy(bytes)
        );
    }
    let text = String::from_utf8_lossy(bytes);
    assert!(
        !text
            .chars()
            .any(|c| ('\u{80}'..='\u{9f}').contains(&c) || c == '\u{7f}'),
        "{what}: a C1 control: {text}"
    );
}

const HOSTILE: &str = "Evil\u{1b}]0;owned\u{7}\u{1b}[31m\u{9b}2J\u{7f}";

#[test]
fn hostile_text_never_reaches_stdout_or_stderr_raw() {
    let env = Env::new();
    // A validation error naming the coin, and values in the message.
    let bad = env.path("bad.json");
    let coin =
        json!({"rank": 1, "name": HOSTILE, "airdrop": HOSTILE, "score_kind": HOSTILE, "score": 5});
    std::fs::write(&bad, watchlist(json!([coin]))).unwrap();
    let out = env.run(&["--watchlist", bad.to_str().unwrap(), "list"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("Evil"), "{}", stderr(&out));
    assert_inert("validation error", &out.stderr);
    let out = env.run(&["import", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert_inert("import error", &out.stderr);

    // An unknown field whose name is an escape sequence.
    let unknown = env.path("unknown.json");
    let text = format!(
        "{{\"version\": 1, \"coins\": [{{\"rank\": 1, \"name\": \"A\", {}: 1}}]}}",
        serde_json::to_string(HOSTILE).unwrap()
    );
    std::fs::write(&unknown, text).unwrap();
    for args in [
        vec!["--watchlist", unknown.to_str().unwrap(), "list"],
        vec!["import", unknown.to_str().unwrap()],
    ] {
        let out = env.run(&args);
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains("unknown field"), "{}", stderr(&out));
        assert_inert("unknown field", &out.stderr);
    }

    // A valid coin carrying escapes in every text field, exported.
    let good = env.path("good.json");
    let coin = json!({
        "rank": 1, "name": HOSTILE, "ticker": HOSTILE, "category": HOSTILE,
        "notes": HOSTILE, "narratives": [HOSTILE], "vibes": HOSTILE
    });
    std::fs::write(&good, watchlist(json!([coin]))).unwrap();
    let wl = good.to_str().unwrap();
    let csv = env.ok(&["--watchlist", wl, "export", "--format", "csv"]);
    assert!(String::from_utf8_lossy(&csv.stdout).contains("Evil"));
    assert_inert("CSV export", &csv.stdout);
    let exported = env.ok(&["--watchlist", wl, "export", "--format", "json"]);
    assert_inert("JSON export", &exported.stdout);
    let back: Value = serde_json::from_slice(&exported.stdout).unwrap();
    assert_eq!(back[0]["name"], HOSTILE, "JSON keeps the text, escaped");
    let listed = env.ok(&["--watchlist", wl, "list"]);
    assert_inert("list", &listed.stdout);
}

// ---- smaller faults ----

#[test]
fn files_starting_with_a_byte_order_mark_are_read() {
    let env = Env::new();
    let wl = env.path("bom.json");
    let text = format!(
        "\u{feff}{}",
        watchlist(json!([{"rank": 1, "name": "Bommed", "market_id": "bommed"}]))
    );
    std::fs::write(&wl, &text).unwrap();
    std::fs::create_dir_all(env.data()).unwrap();
    let state = "\u{feff}{\"version\": 1, \"listings\": {\"bommed\": {\"listed_at\": 1, \"first_price\": 2.0, \"price_usd\": 2.0, \"change_24h\": null, \"updated_at\": 1}}}";
    std::fs::write(env.data().join("state.json"), state).unwrap();
    let out = env.ok(&["--watchlist", wl.to_str().unwrap(), "list", "--json"]);
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[0]["name"], "Bommed");
    assert_eq!(list[0]["status"], "trading");

    let import = env.path("import.json");
    let text = format!(
        "\u{feff}{}",
        watchlist(json!([{"rank": 40, "name": "Imported"}]))
    );
    std::fs::write(&import, text).unwrap();
    env.ok(&["import", import.to_str().unwrap()]);
    assert!(env.names().contains(&"Imported".to_string()));
}

#[test]
fn old_temporary_files_are_removed_at_start_and_fresh_ones_kept() {
    let env = Env::new();
    std::fs::create_dir_all(env.data()).unwrap();
    let old = env.data().join(".prelist-killed.tmp");
    let fresh = env.data().join(".prelist-running.tmp");
    std::fs::write(&old, "half a save").unwrap();
    std::fs::write(&fresh, "a save in progress").unwrap();
    let an_hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&old)
        .unwrap()
        .set_modified(an_hour_ago)
        .unwrap();
    env.ok(&["list"]);
    assert!(!old.exists(), "left by a killed save: removed");
    assert!(fresh.exists(), "another instance's write: kept");
}

#[test]
fn airdrop_may_be_left_out_as_the_readme_says() {
    let env = Env::new();
    let wl = env.path("w.json");
    std::fs::write(&wl, watchlist(json!([{"rank": 1, "name": "No airdrop"}]))).unwrap();
    env.ok(&["--watchlist", wl.to_str().unwrap(), "list"]);
    let readme = include_str!("../README.md");
    assert!(
        readme.contains("`rank` and `name` are required"),
        "the README says what the code requires"
    );
}

#[test]
fn an_empty_or_invalid_market_id_cannot_be_a_coins_and_is_never_polled() {
    use prelist::types::MarketId;
    // A coin's market id is a MarketId, made only through its rule: an
    // empty or malformed one cannot be set in memory, so never saved or
    // polled.
    for bad in ["", "has space", "UPPER", "a/b", "x?ids=y"] {
        assert_eq!(MarketId::new(bad), None, "{bad:?}");
    }
    let w = prelist::model::Watchlist::builtin();
    assert!(!w.to_json().contains("\"market_id\": \"\""), "never saved");
    let app = prelist::app::App::new(w, prelist::listing::Listings::new());
    let ids = app.market_ids();
    assert!(!ids.is_empty());
    assert!(
        ids.iter().all(|id| prelist::types::is_market_id(id)),
        "{ids:?}"
    );
}

// ---- the state database ----

/// A listing a poll could have recorded, priced `price`.
fn stored_listing(price: f64) -> prelist::listing::Listing {
    prelist::listing::Listing {
        listed_at: 1_742_817_600,
        first_price: 0.61,
        price_usd: price,
        change_24h: None,
        market_cap: None,
        updated_at: 1_742_817_600,
        stale: false,
        history: Vec::new(),
    }
}

/// The writer that `a_writer_killed_at_random_points_loses_no_committed_row`
/// kills: with `KILL_TEST_DB` set, it saves a growing state, one listing
/// more and one point more of a history per transaction, and prints each
/// save's number once the save has returned. Without it, it does nothing.
#[test]
fn state_writer_child() {
    use prelist::store::StateStore;
    use std::io::Write;
    let Some(path) = std::env::var_os("KILL_TEST_DB") else {
        return;
    };
    let db = prelist::store::StateDb::open(Path::new(&path)).unwrap();
    let mut state = db.load().unwrap();
    let mut out = std::io::stdout().lock();
    for i in state.listings.len().. {
        state.listings.insert(
            format!("coin-{i:06}").into(),
            stored_listing(1.0 + i as f64).into(),
        );
        let first = std::sync::Arc::make_mut(state.listings.get_mut("coin-000000").unwrap());
        first
            .history
            .push((1_742_817_600 + i as i64, 1.0 + i as f64).into());
        state = db.save(&state).unwrap();
        writeln!(out, "saved {i}").unwrap();
        out.flush().unwrap();
    }
}

#[cfg(unix)]
#[test]
fn a_writer_killed_at_random_points_loses_no_committed_row() {
    use prelist::store::StateStore;
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(prelist::store::STATE_FILE);
    let exe = std::env::current_exe().unwrap();
    // A fixed sequence of pauses, so a failure can be run again as it was.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut saved_before = None;
    for round in 0..50 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let pause = Duration::from_millis(20 + seed % 120);
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "state_writer_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("KILL_TEST_DB", &path)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .filter_map(|l| l.strip_prefix("saved ")?.parse::<usize>().ok())
                .last()
        });
        std::thread::sleep(pause);
        child.kill().unwrap(); // SIGKILL, wherever the writer was
        child.wait().unwrap();
        let last = reader.join().unwrap().or(saved_before);
        let db = prelist::store::StateDb::open(&path)
            .unwrap_or_else(|e| panic!("round {round}: the database does not open: {e}"));
        let state = db
            .load()
            .unwrap_or_else(|e| panic!("round {round}: the database does not load: {e}"));
        if let Some(last) = last {
            for i in 0..=last {
                assert!(
                    state.listings.contains_key(format!("coin-{i:06}").as_str()),
                    "round {round}: save {i} was committed and is lost"
                );
            }
            // Thinned as it grows, a history keeps its latest point.
            let history = &state.listings["coin-000000"].history;
            let latest = history.last().map_or(0, |p| p.at);
            assert!(
                latest >= 1_742_817_600 + last as i64,
                "round {round}: the point of save {last} is lost: {history:?}"
            );
        }
        saved_before = last.or(saved_before);
    }
    assert!(saved_before.is_some_and(|n| n > 50), "{saved_before:?}");
}

/// Makes a directory immutable (`chattr +i`) until dropped: even root may
/// not create a file in it, as a user may not in a read-only data dir.
struct Immutable(std::path::PathBuf);

impl Immutable {
    fn set(dir: &Path) -> Option<Immutable> {
        let ok = Command::new("chattr")
            .arg("+i")
            .arg(dir)
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Immutable(dir.to_path_buf()))
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

#[cfg(unix)]
#[test]
fn a_state_database_in_a_data_dir_that_may_not_be_written_is_still_read() {
    use prelist::store::StateStore;
    let env = Env::new();
    let path = env.data().join(prelist::store::STATE_FILE);
    let mut state = prelist::store::State::default();
    state
        .listings
        .insert("nillion".into(), stored_listing(0.7).into());
    prelist::store::open_state(&path)
        .unwrap()
        .save(&state)
        .unwrap();
    let Some(_frozen) = Immutable::set(&env.data()) else {
        eprintln!("chattr +i is not available here: nothing to check");
        return;
    };
    let out = env.ok(&["list", "--json"]);
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let nillion = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Nillion")
        .unwrap();
    assert_eq!(nillion["status"], "trading", "{nillion}");
    assert_eq!(nillion["price_usd"], 0.7);
    // A save there fails, naming the database; the watchlist, kept
    // elsewhere, is saved.
    let list = env.path("list.json");
    std::fs::write(&list, prelist::model::Watchlist::builtin().to_json()).unwrap();
    let export = env.path("in.json");
    std::fs::write(
        &export,
        json!([trading("Frozen", "frozen-coin", json!(2.5))]).to_string(),
    )
    .unwrap();
    let args = [
        "--watchlist",
        list.to_str().unwrap(),
        "import",
        export.to_str().unwrap(),
    ];
    let out = env.run(&args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("could not save state") && err.contains(&path.display().to_string()),
        "{err}"
    );
    assert!(std::fs::read_to_string(&list).unwrap().contains("Frozen"));
}
