//! The user's watchlist on disk: saved, loaded, never clobbered by a second
//! instance or a crash; market ids from a loopback search server; import
//! and export through the binary.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test's helpers fail the test by panicking, as its assertions do"
)]

mod common;

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::Duration;

use std::sync::Arc;

use prelist::app::{App, LookupState, Msg};
use prelist::keymap::Action;
use prelist::listing::Listings;
use prelist::market::MarketProvider;
use prelist::market::coingecko::CoinGecko;
use prelist::model::Watchlist;
use prelist::runner::Runner;
use prelist::store::{STATE_FILE, WATCHLIST_FILE, WatchlistStore};
use prelist::watcher::Input;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The app as the screen runs it, without a terminal: its effects go to
/// the real runner, and what comes back is fed to it until it waits for
/// nothing.
struct Screen {
    app: App,
    runner: Runner<CoinGecko>,
    msgs: mpsc::UnboundedReceiver<Input>,
}

impl Screen {
    fn open(dir: &Path) -> Screen {
        Screen::with_api(dir, Err("no API in this test".into()))
    }

    fn with_api(dir: &Path, provider: Result<Arc<CoinGecko>, String>) -> Screen {
        let (w, store) = WatchlistStore::open(dir, None).unwrap();
        let (inbox, msgs) = mpsc::unbounded_channel();
        let runner = Runner::new(
            provider,
            prelist::store::open_state(&dir.join(STATE_FILE)).unwrap(),
            store,
            inbox,
            Box::new(std::io::sink()),
        );
        Screen {
            app: App::new(w, Listings::new()),
            runner,
            msgs,
        }
    }

    /// Sends one message and runs everything it leads to.
    async fn send(&mut self, msg: impl Into<Msg>) {
        self.runner.step(&mut self.app, msg.into());
        while self.app.busy() {
            let input = self.msgs.recv().await.expect("the runner answers");
            self.runner.step(&mut self.app, input);
        }
    }

    async fn add(&mut self, name: &str) {
        self.send(Action::Add).await;
        self.send(Action::Paste(name.into())).await;
        self.send(Action::Submit).await;
    }
}

fn names(w: &Watchlist) -> Vec<&str> {
    w.coins.iter().map(|c| c.name.as_str()).collect()
}

#[tokio::test]
async fn the_first_change_writes_the_watchlist_and_it_loads_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut screen = Screen::open(dir.path());
    assert!(
        !dir.path().join(WATCHLIST_FILE).exists(),
        "nothing written before a change"
    );
    screen.add("Zeta").await;
    let (w, _) = WatchlistStore::open(dir.path(), None).unwrap();
    assert_eq!(&w, screen.app.watchlist());
    assert_eq!(names(&w).len(), 15);
}

#[tokio::test]
async fn two_instances_on_one_file_keep_both_changes() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = Screen::open(dir.path());
    let mut b = Screen::open(dir.path());

    a.add("Alpha").await;
    // B has not seen A's coin; its own change must not erase it.
    b.send(Action::Down).await;
    b.send(Action::Delete).await;
    b.send(Action::Yes).await;

    let (on_disk, _) = WatchlistStore::open(dir.path(), None).unwrap();
    let n = names(&on_disk);
    assert!(n.contains(&"Alpha"), "A's add survived B's save: {n:?}");
    assert!(!n.contains(&"Nillion"), "B's delete holds: {n:?}");
    assert_eq!(names(b.app.watchlist()), n, "B now shows the merged list");
    assert_eq!(
        b.app.flash(),
        Some("merged with changes made in another window")
    );

    // Both edit the same coin differently: both versions are kept, and said.
    async fn edit_notes(screen: &mut Screen, notes: &str) {
        screen.send(Action::First).await;
        screen.send(Action::Edit).await;
        for _ in 0..5 {
            screen.send(Action::NextField).await;
        }
        screen.send(Action::Paste(notes.into())).await;
        screen.send(Action::Submit).await;
    }
    edit_notes(&mut a, "from A").await;
    edit_notes(&mut b, "from B").await;
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
        b.app
            .flash()
            .unwrap()
            .contains("both versions kept: Gravity")
    );
}

/// Sets the first coin's alerts in the form (Name, Ticker, Category,
/// Market id, Narratives, Notes come first), and saves.
async fn edit_alerts(screen: &mut Screen, above: &str, below: &str) {
    screen.send(Action::First).await;
    screen.send(Action::Edit).await;
    for _ in 0..6 {
        screen.send(Action::NextField).await;
    }
    for text in [above, below] {
        // The field's old text is cleared first.
        for _ in 0..20 {
            screen.send(Action::Backspace).await;
        }
        screen.send(Action::Paste(text.into())).await;
        screen.send(Action::NextField).await;
    }
    screen.send(Action::Submit).await;
}

#[tokio::test]
async fn alerts_set_in_the_form_are_saved_cleared_and_merged() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = Screen::open(dir.path());
    let mut b = Screen::open(dir.path());
    edit_alerts(&mut a, "2.5", "0.5").await;
    let file = std::fs::read_to_string(dir.path().join(WATCHLIST_FILE)).unwrap();
    let saved: Value = serde_json::from_str(&file).unwrap();
    assert_eq!(saved["coins"][0]["alert_above"], json!(2.5));
    assert_eq!(saved["coins"][0]["alert_below"], json!(0.5));
    assert!(
        saved["coins"][1].get("alert_above").is_none(),
        "left out when unset"
    );

    // B, which has not seen A's alerts, edits another coin: both stand.
    b.send(Action::Down).await;
    b.send(Action::Edit).await;
    for _ in 0..5 {
        b.send(Action::NextField).await;
    }
    b.send(Action::Paste("from B".into())).await;
    b.send(Action::Submit).await;
    let (on_disk, _) = WatchlistStore::open(dir.path(), None).unwrap();
    assert_eq!(
        on_disk.coins[0].alert_above.map(|p| p.get()),
        Some(2.5),
        "A's alert kept"
    );
    assert_eq!(on_disk.coins[1].notes, "from B");
    assert_eq!(
        b.app.watchlist().coins[0].alert_below.map(|p| p.get()),
        Some(0.5)
    );

    // An empty field clears the alert.
    edit_alerts(&mut b, "", "0.5").await;
    let (on_disk, _) = WatchlistStore::open(dir.path(), None).unwrap();
    assert_eq!(on_disk.coins[0].alert_above, None);
    assert_eq!(on_disk.coins[0].alert_below.map(|p| p.get()), Some(0.5));
}

#[tokio::test]
async fn a_file_that_fails_to_load_is_never_written() {
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

    // Broken by someone else after it was opened: a save refuses to replace
    // it, and the screen says so.
    let dir = tempfile::tempdir().unwrap();
    let mut screen = Screen::open(dir.path());
    screen.add("One").await;
    let file = dir.path().join(WATCHLIST_FILE);
    std::fs::write(&file, "garbage").unwrap();
    screen.add("Two").await;
    let flash = screen.app.flash().unwrap_or_default().to_string();
    assert!(
        flash.starts_with("watchlist not saved:") && flash.contains("not overwritten"),
        "{flash}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "garbage");
    assert!(
        names(screen.app.watchlist()).contains(&"Two"),
        "the change is kept on screen"
    );
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
    let api = Arc::new(CoinGecko::new(&format!("{}/api/v3", server.uri()), None).unwrap());

    let dir = tempfile::tempdir().unwrap();
    let mut screen = Screen::with_api(dir.path(), Ok(Arc::clone(&api)));
    screen.app.enable_polling();
    // Give Ten the ticker TEN, through the form, so the matching symbol
    // comes first.
    for _ in 0..11 {
        screen.send(Action::Down).await;
    }
    screen.send(Action::Edit).await;
    screen.send(Action::NextField).await;
    screen.send(Action::Paste("TEN".into())).await;
    screen.send(Action::Submit).await;
    // The lookup goes to the API through the runner and its answer comes back.
    screen.send(Action::Lookup).await;
    let LookupState::Found(found) = &screen.app.lookup().unwrap().state else {
        panic!("candidates, got {:?}", screen.app.lookup())
    };
    assert_eq!(found[0].id, "ten-2", "the ticker's match first");
    assert_eq!(found[1].id, "tenet");

    screen.send(Action::Submit).await;
    let ten = &screen.app.watchlist().coins[11];
    assert_eq!(ten.market_id.as_deref(), Some("ten-2"));
    let (on_disk, _) = WatchlistStore::open(dir.path(), None).unwrap();
    assert_eq!(on_disk.coins[11].market_id.as_deref(), Some("ten-2"));

    // The next poll asks for it, and sees it priced.
    let ids = screen.app.polling().unwrap().ids.clone();
    assert!(ids.contains(&"ten-2".to_string()));
    let quotes = api.prices(&ids).await.unwrap();
    assert_eq!(quotes["ten-2"].price_usd.map(|p| p.get()), Some(0.02));
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
    coins[1]["alert_above"] = json!(1.5);
    coins[1]["total_supply"] = json!(1e9);
    coins[1]["contracts"] =
        json!([{"chain": "ethereum", "address": "0x6b175474e89094c44da98b954eedeac495271d0f"}]);
    coins[1]["holding"] = json!({"quantity": 3, "cost_usd": 0.1});
    // Computed: an import ignores them.
    coins[1]["implied_fdv_usd"] = json!(5);
    coins[1]["pnl_usd"] = json!(5);
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
    assert_eq!(back[1]["alert_above"], json!(1.5));
    assert_eq!(back[1]["alert_below"], Value::Null);
    assert_eq!(back[1]["total_supply"], json!(1e9));
    assert_eq!(
        back[1]["contracts"],
        json!([{"chain": "ethereum", "address": "0x6b175474e89094c44da98b954eedeac495271d0f"}])
    );
    assert_eq!(
        back[1]["implied_fdv_usd"],
        Value::Null,
        "no pre-market price"
    );
    assert_eq!(
        back[1]["holding"],
        json!({"quantity": 3.0, "cost_usd": 0.1})
    );
    for derived in ["position_value_usd", "pnl_usd", "pnl_pct", "planned_usd"] {
        assert_eq!(
            back[1][derived],
            Value::Null,
            "{derived}: no price, no portfolio"
        );
    }

    let csv = prelist(other.path(), &["export", "--format", "csv"], None);
    let text = stdout(&csv);
    assert!(text.starts_with("rank,name,"));
    assert!(
        text.lines().next().unwrap().ends_with(
            ",alert_above,alert_below,total_supply,contracts,implied_fdv_usd,holding,\
                 position_value_usd,position_weight_pct,pnl_usd,pnl_pct,planned_usd"
        ),
        "{text}"
    );
    assert!(
        text.lines().nth(2).unwrap().ends_with(
            ",1.5,,1000000000.0,ethereum:0x6b175474e89094c44da98b954eedeac495271d0f,,\
                 3 @ 0.1,,,,,"
        ),
        "{text}"
    );
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
    let out = prelist(
        dir.path(),
        &["import", "-"],
        Some("[{\"rank\": 1, \"name\": \"Zeta\", \"alert_below\": -1}]"),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("coin #1 (Zeta): field `alert_below`: -1"),
        "{err}"
    );
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

/// A holding imported with its coin's listing, listed under a $10,000
/// portfolio: every position field is there, exact, and null where it
/// does not apply.
#[test]
fn list_json_sizes_positions_under_the_portfolio() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[portfolio]\nsize_usd = 10000\n").unwrap();
    let records = json!([
        {"rank": 1, "name": "Nillion", "ticker": "NIL", "market_id": "nillion",
         "status": "trading", "price_usd": 0.72, "listed_at": "2026-11-28T10:00:00Z",
         "holding": {"quantity": 1000, "cost_usd": 0.55}},
        {"rank": 2, "name": "Dust", "ticker": "DST", "market_id": "dust",
         "status": "trading", "price_usd": 0.2, "listed_at": "2026-11-28T10:00:00Z",
         "holding": {"quantity": 3, "cost_usd": 0.1}},
        {"rank": 3, "name": "Later", "status": "upcoming"}
    ]);
    let out = prelist(dir.path(), &["import", "-"], Some(&records.to_string()));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut cmd = common::command(dir.path());
    let list = cmd
        .args(["list", "--json"])
        .env("PRELIST_DATA_DIR", dir.path().join("data"))
        .env("PRELIST_CONFIG", &config)
        .output()
        .unwrap();
    assert!(
        list.status.success(),
        "{}",
        String::from_utf8_lossy(&list.stderr)
    );
    let all: Value = serde_json::from_slice(&list.stdout).unwrap();
    let coin = |name: &str| {
        all.as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("{name} in {all}"))
            .clone()
    };
    let nil = coin("Nillion");
    assert_eq!(
        nil["holding"],
        json!({"quantity": 1000.0, "cost_usd": 0.55})
    );
    assert_eq!(nil["position_value_usd"], json!(720.0));
    assert_eq!(nil["position_weight_pct"], json!(7.2));
    assert_eq!(nil["pnl_usd"], json!(170.0));
    assert_eq!(nil["planned_usd"], json!(500.0), "5% of $10,000: it trades");
    let pct = nil["pnl_pct"].as_f64().unwrap();
    assert!((pct - 30.909_090).abs() < 1e-4, "{pct}");
    // $0.1 × 3 is $0.30 to the cent, not 0.30000000000000004.
    let dust = String::from_utf8_lossy(&list.stdout).into_owned();
    assert!(!dust.contains("0.30000000000000004"), "{dust}");
    let dst = coin("Dust");
    assert_eq!(dst["pnl_usd"], json!(0.3));
    assert_eq!(dst["position_value_usd"], json!(0.6));
    let later = coin("Later");
    assert_eq!(later["holding"], Value::Null);
    for k in [
        "position_value_usd",
        "position_weight_pct",
        "pnl_usd",
        "pnl_pct",
    ] {
        assert_eq!(later[k], Value::Null, "{k}");
    }
    assert_eq!(
        later["planned_usd"],
        json!(100.0),
        "1% of $10,000: early stage"
    );

    // Without a portfolio, no weight and no plan; the value stays.
    let list = prelist(dir.path(), &["list", "--json", "--filter", "nillion"], None);
    let all: Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(all[0]["position_value_usd"], json!(720.0));
    assert_eq!(all[0]["position_weight_pct"], Value::Null);
    assert_eq!(all[0]["planned_usd"], Value::Null);

    // A holding the rules refuse is named with its coin and field.
    let bad = json!([{"rank": 1, "name": "Zeta", "holding": {"quantity": -1, "cost_usd": 1}}]);
    let out = prelist(dir.path(), &["import", "-"], Some(&bad.to_string()));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Zeta") && err.contains("`holding`: -1 is not a quantity of tokens"),
        "{err}"
    );
}
