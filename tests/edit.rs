//! The user's watchlist on disk: saved, loaded, never clobbered by a second
//! instance or a crash; market ids from a loopback search server; import
//! and export through the binary.

mod common;

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use prelist::app::{App, Effect, LookupState};
use prelist::keymap::Action;
use prelist::listing::Listings;
use prelist::market::MarketProvider;
use prelist::market::coingecko::CoinGecko;
use prelist::model::Watchlist;
use prelist::store::{WATCHLIST_FILE, WatchlistStore};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn open(dir: &Path) -> (App, WatchlistStore) {
    let (w, store) = WatchlistStore::open(dir, None).unwrap();
    (App::new(w, Listings::new()), store)
}

/// Runs the effects that concern the watchlist file, as the main loop does.
fn save(app: &mut App, store: &mut WatchlistStore, effects: Vec<Effect>) {
    if effects.contains(&Effect::SaveWatchlist) {
        let saved = store.save(&app.watchlist).unwrap();
        app.on_saved(saved);
    }
}

fn add(app: &mut App, store: &mut WatchlistStore, name: &str) {
    app.update(Action::Add);
    app.update(Action::Paste(name.into()));
    let effects = app.update(Action::Submit);
    save(app, store, effects);
}

fn names(w: &Watchlist) -> Vec<&str> {
    w.coins.iter().map(|c| c.name.as_str()).collect()
}

#[test]
fn the_first_change_writes_the_watchlist_and_it_loads_back() {
    let dir = tempfile::tempdir().unwrap();
    let (mut app, mut store) = open(dir.path());
    assert!(
        !dir.path().join(WATCHLIST_FILE).exists(),
        "nothing written before a change"
    );
    add(&mut app, &mut store, "Zeta");
    let (w, _) = WatchlistStore::open(dir.path(), None).unwrap();
    assert_eq!(w, app.watchlist);
    assert_eq!(names(&w).len(), 15);
}

#[test]
fn two_instances_on_one_file_keep_both_changes() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, mut store_a) = open(dir.path());
    let (mut b, mut store_b) = open(dir.path());

    add(&mut a, &mut store_a, "Alpha");
    // B has not seen A's coin; its own change must not erase it.
    b.update(Action::Down);
    b.update(Action::Delete);
    let effects = b.update(Action::Yes);
    save(&mut b, &mut store_b, effects);

    let (on_disk, _) = WatchlistStore::open(dir.path(), None).unwrap();
    let n = names(&on_disk);
    assert!(n.contains(&"Alpha"), "A's add survived B's save: {n:?}");
    assert!(!n.contains(&"Nillion"), "B's delete holds: {n:?}");
    assert_eq!(names(&b.watchlist), n, "B now shows the merged list");
    assert_eq!(
        b.flash.as_deref(),
        Some("merged with changes made in another window")
    );

    // Both edit the same coin differently: both versions are kept, and said.
    let edit_notes = |app: &mut App, store: &mut WatchlistStore, notes: &str| {
        app.update(Action::First);
        app.update(Action::Edit);
        for _ in 0..5 {
            app.update(Action::NextField);
        }
        app.update(Action::Paste(notes.into()));
        let effects = app.update(Action::Submit);
        save(app, store, effects);
    };
    edit_notes(&mut a, &mut store_a, "from A");
    edit_notes(&mut b, &mut store_b, "from B");
    let (on_disk, _) = WatchlistStore::open(dir.path(), None).unwrap();
    let gravity: Vec<_> = on_disk
        .coins
        .iter()
        .filter(|c| c.name.starts_with("Gravity"))
        .collect();
    assert_eq!(gravity.len(), 2, "{:?}", names(&on_disk));
    assert_eq!(gravity[0].notes, "from B");
    assert_eq!(gravity[1].name, "Gravity (other copy)");
    assert_eq!(gravity[1].notes, "from A");
    assert!(
        b.flash
            .as_deref()
            .unwrap()
            .contains("both versions kept: Gravity")
    );
}

#[test]
fn a_file_that_fails_to_load_is_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(WATCHLIST_FILE);
    std::fs::write(&file, "{\"version\": 1, \"coins\": [").unwrap();
    let err = WatchlistStore::open(dir.path(), None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(WATCHLIST_FILE) && err.contains("line 1"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "{\"version\": 1, \"coins\": ["
    );

    // Broken by someone else after it was opened: a save refuses to replace it.
    let dir = tempfile::tempdir().unwrap();
    let (mut app, mut store) = open(dir.path());
    add(&mut app, &mut store, "One");
    let file = dir.path().join(WATCHLIST_FILE);
    std::fs::write(&file, "garbage").unwrap();
    app.update(Action::Add);
    app.update(Action::Paste("Two".into()));
    app.update(Action::Submit);
    let err = store.save(&app.watchlist).unwrap_err();
    assert!(err.contains("not overwritten"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "garbage");
}

#[tokio::test]
async fn m_looks_up_candidates_on_the_api_and_the_pick_is_saved_and_polled() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v3/search"))
        .and(query_param("query", "Ten"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"coins": [
            {"id": "tenet", "name": "Tenet", "symbol": "TENET", "market_cap_rank": null},
            {"id": "ten-2", "name": "TEN Protocol", "symbol": "TEN", "market_cap_rank": 1200}
        ]})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v3/simple/price"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ten-2": {"usd": 0.02}})))
        .mount(&server)
        .await;
    let api = CoinGecko::new(&format!("{}/api/v3", server.uri()), None).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let (mut app, mut store) = open(dir.path());
    app.enable_polling();
    // Give Ten the ticker TEN so the matching symbol comes first.
    for _ in 0..11 {
        app.update(Action::Down);
    }
    app.watchlist.coins[11].ticker = Some("TEN".into());
    let effects = app.update(Action::Lookup);
    let [Effect::Lookup(query)] = effects.as_slice() else {
        panic!("a lookup effect, got {effects:?}")
    };
    let answer = api.search(query).await;
    app.on_lookup(query, answer);
    let LookupState::Found(found) = &app.lookup.as_ref().unwrap().state else {
        panic!("candidates")
    };
    assert_eq!(found[0].id, "ten-2", "the ticker's match first");
    assert_eq!(found[1].id, "tenet");

    let effects = app.update(Action::Submit);
    assert_eq!(app.watchlist.coins[11].market_id.as_deref(), Some("ten-2"));
    save(&mut app, &mut store, effects);
    let (on_disk, _) = WatchlistStore::open(dir.path(), None).unwrap();
    assert_eq!(on_disk.coins[11].market_id.as_deref(), Some("ten-2"));

    // The next poll asks for it, and sees it priced.
    let ids = app.polling.as_ref().unwrap().ids.clone();
    assert!(ids.contains(&"ten-2".to_string()));
    let quotes = api.prices(&ids).await.unwrap();
    assert_eq!(quotes["ten-2"].price_usd, Some(0.02));
    let price_requests = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path().ends_with("simple/price"))
        .count();
    assert_eq!(price_requests, 1);
}

// ---- through the binary ----

fn prelist(data: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = common::command(data);
    cmd.args(args)
        .env("PRELIST_DATA_DIR", data.join("data"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    {
        use std::io::Write;
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn export_then_import_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let export = prelist(dir.path(), &["export"], None);
    assert!(export.status.success());
    let exported: Value = serde_json::from_slice(&export.stdout).unwrap();
    assert_eq!(exported.as_array().unwrap().len(), 14);

    let out = prelist(dir.path(), &["import", "-"], Some(&stdout(&export)));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout(&out).starts_with("0 added, 0 updated, 14 skipped"),
        "{}",
        stdout(&out)
    );

    // Into another data dir, edited on the way: added and updated are counted.
    let mut coins = exported.as_array().unwrap().clone();
    coins[1]["notes"] = json!("a note");
    coins.push(json!({"rank": 15, "name": "Zeta", "airdrop": null, "status": "upcoming"}));
    let other = tempfile::tempdir().unwrap();
    let file = other.path().join("in.json");
    std::fs::write(&file, serde_json::to_string(&coins).unwrap()).unwrap();
    let out = prelist(other.path(), &["import", file.to_str().unwrap()], None);
    assert!(
        stdout(&out).starts_with("1 added, 1 updated, 13 skipped"),
        "{}",
        stdout(&out)
    );
    let again = prelist(other.path(), &["export"], None);
    let back: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(back.as_array().unwrap().len(), 15);
    assert_eq!(back[1]["notes"], "a note");

    let csv = prelist(other.path(), &["export", "--format", "csv"], None);
    let text = stdout(&csv);
    assert!(text.starts_with("rank,name,"));
    assert_eq!(text.lines().count(), 16);
}

#[test]
fn a_bad_import_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = prelist(
        dir.path(),
        &["import", "-"],
        Some("[{\"rank\": 1, \"name\": \"Zeta\", \"airdrop\": \"maybe\"}]"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`airdrop`"));
    let out = prelist(dir.path(), &["import", "-"], Some("{ not json"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1, column 3"));
    let out = prelist(dir.path(), &["import", "/no/such/file.json"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !dir.path().join("data").join(WATCHLIST_FILE).exists(),
        "nothing was written"
    );
}

#[test]
fn a_save_killed_midway_leaves_a_loadable_file() {
    // An import of 20,000 coins into a watchlist file that holds the 14: the
    // child is killed (SIGKILL) as soon as its temporary file appears, in
    // the middle of writing. The watchlist must still load, as it was.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let coins: Vec<Value> = (0..20_000)
        .map(|i| json!({"rank": i, "name": format!("Coin {i}"), "summary": "x".repeat(200)}))
        .collect();
    let big = dir.path().join("big.json");
    std::fs::write(&big, serde_json::to_string(&coins).unwrap()).unwrap();
    let file = data.join(WATCHLIST_FILE);
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(&file, Watchlist::builtin().to_json()).unwrap();
    let before = std::fs::read(&file).unwrap();

    let temp_files = || -> usize {
        std::fs::read_dir(&data)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .count()
    };
    let mut killed_mid_write = 0;
    for _ in 0..5 {
        let mut child = common::command(dir.path())
            .args(["import", big.to_str().unwrap()])
            .env("PRELIST_DATA_DIR", &data)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let existing = temp_files();
        loop {
            if temp_files() > existing {
                let _ = child.kill();
                killed_mid_write += 1;
                break;
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        let _ = child.wait();
        let w = Watchlist::load(&file).unwrap();
        if w.coins.len() == 14 {
            assert_eq!(std::fs::read(&file).unwrap(), before, "the old file, whole");
        } else {
            // The rename happened before the kill: the new file, whole.
            assert_eq!(w.coins.len(), 20_014);
            std::fs::write(&file, &before).unwrap();
        }
    }
    assert!(
        killed_mid_write > 0,
        "no kill landed while the file was being written"
    );
}
