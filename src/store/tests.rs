use std::collections::BTreeMap;
use std::fs::File;
use std::sync::Arc;

use super::state::*;
use super::*;
use crate::book::MAX_ASSETS;
use crate::fs::*;
use crate::listing::Listing;
use crate::market::plan::Plan;
use crate::told::Told;

fn listing(price: f64) -> Listing {
    Listing {
        change_24h: Some(-3.2),
        updated_at: 1_742_900_000,
        ..Listing::at(1_742_817_600, 0.61, price)
    }
}

#[test]
fn state_round_trips_and_missing_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub").join(STATE_JSON);
    assert_eq!(load_state(&path).unwrap(), State::default());
    let mut l = State::default();
    l.listings.insert("nillion".into(), listing(0.7).into());
    save_state(&path, &l).unwrap();
    assert_eq!(load_state(&path).unwrap(), l);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("exchanges"), "an empty book is not written");
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, [STATE_JSON], "no temporary file left behind");
}

fn fired(threshold: f64, at: i64) -> crate::alert::AlertMemo {
    crate::alert::AlertMemo {
        above: Some(crate::alert::Mark {
            threshold,
            fired_at: at,
            rearmed_at: None,
        }),
        below: None,
        overweight: None,
    }
}

#[test]
fn alerts_round_trip_and_merge_with_another_instances() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STATE_JSON);
    let mut ours = State::default();
    ours.alerts.insert("parcl".into(), fired(1.0, 100));
    save_state(&path, &ours).unwrap();
    assert_eq!(load_state(&path).unwrap(), ours);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("\"fired_at\": 100") && !text.contains("rearmed_at"),
        "{text}"
    );
    // Another instance, which saw neither crossing, fired on Nillion.
    let mut theirs = State::default();
    theirs.alerts.insert("nillion".into(), fired(0.5, 200));
    let db = open_state(&dir.path().join(STATE_FILE)).unwrap();
    assert_eq!(db.load().unwrap(), ours, "the file was taken in");
    let merged = db.save(&theirs).unwrap();
    assert_eq!(merged.alerts.len(), 2, "a fired mark is kept: {merged:?}");
    assert_eq!(open_state(db.path()).unwrap().load().unwrap(), merged);
    let path = dir.path().join(STATE_JSON);
    // A state without alerts writes none.
    save_state(&path, &State::default()).unwrap();
    assert!(!std::fs::read_to_string(&path).unwrap().contains("alerts"));
}

#[test]
fn a_threshold_reads_back_to_the_same_number() {
    // Parsed without correct rounding, this comes back one step off,
    // and the alert would seem new and fire again after a restart.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STATE_JSON);
    let mut state = State::default();
    state
        .alerts
        .insert("pepe".into(), fired(1.919_278_266_881_985_5e-7, 1));
    save_state(&path, &state).unwrap();
    assert_eq!(load_state(&path).unwrap(), state);
}

#[test]
fn a_bad_alert_refuses_the_file_naming_it_and_the_id() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STATE_JSON);
    let write = |alerts: &str| {
        std::fs::write(
            &path,
            format!(r#"{{"version": 1, "listings": {{}}, "alerts": {alerts}}}"#),
        )
        .unwrap();
    };
    write(r#"{"parcl": {"above": {"threshold": 0, "fired_at": 1}}}"#);
    let msg = load_state(&path).unwrap_err().to_string();
    assert!(
        msg.contains(STATE_JSON)
            && msg.contains(
                "the price alert memo of \"parcl\" has an alert above 0 USD, which is not a \
                 price a coin can have"
            ),
        "{msg}"
    );
    write(r#"{"Not/An Id": {}}"#);
    let msg = load_state(&path).unwrap_err().to_string();
    assert!(
        msg.contains("\"Not/An Id\" is not under a market id"),
        "{msg}"
    );
    write(r#"{"parcl": {"above": {"threshold": 1, "fired_at": 1, "armed": true}}}"#);
    let msg = load_state(&path).unwrap_err().to_string();
    assert!(msg.contains("unknown field `armed`"), "{msg}");
}

#[test]
fn claims_are_kept_by_the_first_writer_and_a_bad_one_refuses_the_file() {
    use crate::told::Claim;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STATE_JSON);
    let claim = |at, by| Claim { at, by };
    let first = State {
        told: Told::from([("listed:coingecko:parcl:PRCL".into(), claim(100, 1))]),
        ..State::default()
    };
    let one = open_state(&dir.path().join(STATE_FILE)).unwrap();
    let two = open_state(&dir.path().join(STATE_FILE)).unwrap();
    one.save(&first).unwrap();
    // A second instance claims the same event, and one of its own.
    let second = State {
        told: Told::from([
            ("listed:coingecko:parcl:PRCL".into(), claim(101, 2)),
            ("listed:coingecko:nillion:NIL".into(), claim(101, 2)),
        ]),
        ..State::default()
    };
    let written = two.save(&second).unwrap();
    assert_eq!(written.told["listed:coingecko:parcl:PRCL"], claim(100, 1));
    assert_eq!(written.told["listed:coingecko:nillion:NIL"], claim(101, 2));
    assert_eq!(one.load().unwrap().told, written.told);

    std::fs::write(
        &path,
        r#"{"version": 1, "listings": {}, "told": {"listed:x": {"at": -5, "by": 1}}}"#,
    )
    .unwrap();
    let msg = load_state(&path).unwrap_err().to_string();
    assert!(
        msg.contains(STATE_JSON)
            && msg.contains("the event told as \"listed:x\" was told at -5, before 1970"),
        "{msg}"
    );
}

#[test]
fn a_crash_before_the_rename_leaves_the_old_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STATE_JSON);
    let mut old = State::default();
    old.listings.insert("nillion".into(), listing(0.7).into());
    save_state(&path, &old).unwrap();
    let before = std::fs::read(&path).unwrap();

    let err = write_atomic_with(&path, b"{\"version\": 1, \"listi", || {
        Err(std::io::Error::other("simulated crash"))
    })
    .unwrap_err();
    assert!(err.to_string().contains(STATE_JSON), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(load_state(&path).unwrap(), old);
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn json_is_pretty_when_it_fits_compact_when_only_that_fits_else_refused() {
    let value = vec!["x"; 1000];
    let compact = serde_json::to_string(&value).unwrap().len() as u64 + 1;
    let pretty = json_within(&value, u64::MAX).unwrap();
    assert!(pretty.len() as u64 > compact);
    let fitted = json_within(&value, pretty.len() as u64 - 1).unwrap();
    assert_eq!(fitted.len() as u64, compact);
    assert_eq!(json_within(&value, compact - 1), Err(compact));
}

#[test]
fn reads_stop_at_the_cap_and_drop_a_byte_order_mark() {
    let endless = std::io::repeat(b' ');
    let err = read_text_from(endless, 1000).unwrap_err();
    assert!(err.to_string().contains("more than the 1000"), "{err}");
    let text = read_text_from("\u{feff}{}".as_bytes(), 1000).unwrap();
    assert_eq!(text, "{}");
    let err = read_text_from(&[b'a', 0xff][..], 1000).unwrap_err();
    assert!(err.to_string().contains("offset 1"), "{err}");
}

#[test]
fn the_lock_is_one_writer_at_a_time_and_beside_the_links_target() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STATE_JSON);
    let held = lock(&path).unwrap();
    let lock_file = dir.path().join(".state.json.lock");
    let other = File::options().write(true).open(&lock_file).unwrap();
    assert!(other.try_lock().is_err(), "held");
    drop(held);
    assert!(other.try_lock().is_ok(), "released when dropped");
    #[cfg(unix)]
    {
        let elsewhere = dir.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink("elsewhere/real.json", &link).unwrap();
        assert_eq!(write_target(&link), elsewhere.join("real.json"));
        assert_eq!(lock_path(&link), elsewhere.join(".real.json.lock"));
    }
}

#[test]
fn corrupt_state_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STATE_JSON);
    std::fs::write(&path, "{\"version\": 1,\n \"listings\": {\"a\": 3}}").unwrap();
    let msg = load_state(&path).unwrap_err().to_string();
    assert!(
        msg.contains(STATE_JSON) && msg.contains("line 2, column"),
        "{msg}"
    );
    std::fs::write(&path, "{\"version\": 9, \"listings\": {}}").unwrap();
    let msg = load_state(&path).unwrap_err().to_string();
    assert!(msg.contains("version 9"), "{msg}");
    std::fs::write(&path, "").unwrap();
    assert!(
        load_state(&path).is_err(),
        "an empty state file is an error, not a reset"
    );
}

#[test]
fn a_history_round_trips_as_pairs_and_a_bad_one_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STATE_JSON);
    let mut l = listing(0.7);
    l.history = vec![(1_742_817_600, 0.61).into(), (1_742_900_000, 0.7).into()];
    let mut state = State::default();
    state.listings.insert("nillion".into(), l.into());
    save_state(&path, &state).unwrap();
    assert_eq!(load_state(&path).unwrap(), state);
    let compact: String = std::fs::read_to_string(&path)
        .unwrap()
        .split_whitespace()
        .collect();
    assert!(
        compact.contains(r#""history":[[1742817600,0.61],[1742900000,0.7]]"#),
        "{compact}"
    );

    let bad = |history: &str| {
        let text = format!(
            r#"{{"version": 1, "listings": {{"nillion": {{"listed_at": 1, "first_price": 0.61,
            "price_usd": 0.7, "change_24h": null, "updated_at": 2, "history": {history}}}}}}}"#
        );
        std::fs::write(&path, text).unwrap();
        load_state(&path).unwrap_err().to_string()
    };
    let msg = bad("[[1, 0.61], [2, -1]]");
    assert!(
        msg.contains(STATE_JSON)
            && msg.contains("\"nillion\"")
            && msg.contains("price of -1 USD at point 2 of its history"),
        "{msg}"
    );
    let msg = bad("[[5, 0.61], [5, 0.7]]");
    assert!(
        msg.contains(STATE_JSON)
            && msg.contains("\"nillion\"")
            && msg.contains("out of time order: point 2 (5) is not later than point 1 (5)"),
        "{msg}"
    );
    assert!(
        bad("[[1, 0.61, 3]]").contains("line"),
        "a pair, nothing else"
    );
}

#[test]
fn twenty_thousand_coins_with_full_histories_save_and_load() {
    let n = crate::listing::HISTORY_FLOOR_UP_TO;
    let cap = crate::listing::history_cap(n);
    let mut state = State::default();
    for i in 0..n {
        let mut l = listing(0.1234567890123 + i as f64);
        l.market_cap = Some(1.234_567_890_123e9);
        // Prices with every digit, the longest a point can be written.
        l.history = (0..cap)
            .map(|k| (1_742_817_600 + k as i64 * 86_400, 1.0 / 3.0 + k as f64).into())
            .collect();
        state
            .listings
            .insert(format!("generated-coin-{i:05}").into(), l.into());
    }
    let dir = tempfile::tempdir().unwrap();
    let db = open_state(&dir.path().join(STATE_FILE)).unwrap();
    assert_eq!(db.save(&state).unwrap(), state);
    let again = open_state(db.path()).unwrap();
    assert_eq!(again.load().unwrap(), state);
}

#[test]
fn a_state_store_notices_another_instances_save_and_not_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STATE_FILE);
    let ours = open_state(&path).unwrap();
    let theirs = open_state(&path).unwrap();
    assert_eq!(ours.load().unwrap(), State::default());
    assert!(!ours.changed(), "nothing stored yet");

    let mut mine = State::default();
    mine.listings.insert("nillion".into(), listing(0.7).into());
    assert_eq!(ours.save(&mine).unwrap(), mine);
    assert!(!ours.changed(), "its own save is not news");

    let mut other = State::default();
    other.listings.insert("parcl".into(), listing(0.2).into());
    let stored = theirs.save(&other).unwrap();
    assert_eq!(stored.listings.len(), 2, "merged with what was stored");
    assert!(ours.changed(), "another's save is");
    assert_eq!(ours.load().unwrap(), stored);
    assert!(!ours.changed(), "and is read once");

    // Another's count of calls changes the database, not the state.
    let month = crate::market::plan::month_of(1_800_000_000);
    add_calls(
        &theirs,
        Plan::Demo,
        &BTreeMap::from([(month, 3)]),
        1_800_000_000,
    )
    .unwrap();
    assert!(!ours.changed(), "a count of calls is not news of the state");
    assert_eq!(
        calls_in(
            &load_calls(&ours).unwrap(),
            &crate::market::plan::month_of(1_800_000_000),
            Plan::Demo
        ),
        3
    );
}

#[test]
fn a_running_instance_is_told_while_it_holds_its_file() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(others_running(dir.path()), Some(false));
    let held = hold_running(dir.path()).expect("held");
    assert_eq!(others_running(dir.path()), Some(true));
    let second = hold_running(dir.path()).expect("two may run at once");
    drop(held);
    assert_eq!(others_running(dir.path()), Some(true), "one still runs");
    drop(second);
    assert_eq!(others_running(dir.path()), Some(false));
}

#[test]
fn no_book_can_make_the_state_unsaveable() {
    use crate::book::{Asset, ExchangeBook};
    use crate::exchange::Exchange;
    let dir = tempfile::tempdir().unwrap();
    let db = open_state(&dir.path().join(STATE_FILE)).unwrap();
    let mut state = State::default();
    state.listings.insert("nillion".into(), listing(0.7).into());
    let book = |n: usize| ExchangeBook {
        first_look: 1,
        last_look: 2,
        assets: (0..n)
            .map(|i| {
                let asset = Asset {
                    first_seen: 1_800_000_000,
                    last_seen: 1_800_000_000,
                    at_first_look: true,
                    confirmed: false,
                    listed_at: None,
                    listed_after: None,
                    pairs: BTreeMap::new(),
                };
                (format!("ASSET-WITH-A-LONG-NAME-{i:08}"), asset)
            })
            .collect(),
    };
    // Two exchanges at the most assets a book keeps: a JSON file of them
    // would be too large to load again; the database keeps them all.
    state
        .book
        .exchanges
        .insert(Exchange::Gate, book(MAX_ASSETS));
    state
        .book
        .exchanges
        .insert(Exchange::Kraken, book(MAX_ASSETS));
    let written = db.save(&state).unwrap();
    assert_eq!(written, state);
    assert_eq!(open_state(db.path()).unwrap().load().unwrap(), state);
    // A look a month later that lists one of Gate's: the rest are gone
    // from the book, in the database too, though the stored book had them.
    let gate = state.book.exchanges.get_mut(&Exchange::Gate).unwrap();
    gate.last_look = 1_800_000_000 + crate::book::GONE_FOR + 1;
    gate.assets.retain(|k, _| k.ends_with("00000001"));
    gate.assets
        .values_mut()
        .for_each(|a| a.last_seen = gate.last_look);
    assert_eq!(db.save(&state).unwrap(), state);
    assert_eq!(open_state(db.path()).unwrap().load().unwrap(), state);
}

#[test]
fn a_price_too_small_or_too_large_is_said_in_a_short_message() {
    for bad in [5e-324, 1e308] {
        let said = listing_problem("nillion", &listing(bad)).expect("refused");
        assert!(said.len() < 200 && said.contains("price"), "{said}");
        let mut first = listing(0.7);
        first.first_price = bad;
        let said = listing_problem("nillion", &first).expect("refused");
        assert!(said.len() < 200 && said.contains("first price"), "{said}");
        let mut history = listing(0.7);
        history.history = vec![(1, 0.7).into(), (2, bad).into()];
        let said = listing_problem("nillion", &history).expect("refused");
        assert!(said.len() < 200 && said.contains("history"), "{said}");
    }
}

#[test]
fn a_time_from_the_future_in_the_file_does_not_hold_a_price_for_good() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STATE_JSON);
    let year_2100 = 4_102_444_800;
    let mut frozen = listing(0.7);
    frozen.updated_at = year_2100;
    frozen.history = vec![(1_742_817_600, 0.61).into(), (year_2100, 0.7).into()];
    let mut state = State::default();
    state.listings.insert("nillion".into(), frozen.into());
    save_state(&path, &state).unwrap();
    let now = jiff::Timestamp::now().as_second();
    let loaded = load_state(&path).unwrap();
    let l = &loaded.listings["nillion"];
    assert!(
        l.updated_at <= now + 1,
        "counted from the load: {}",
        l.updated_at
    );
    assert_eq!(l.history.len(), 1, "the point from 2100 is dropped");
    // A newer price from another instance now wins the merge.
    let mut newer = listing(0.8);
    newer.updated_at = now + 60;
    let mut ours = State::default();
    ours.listings.insert("nillion".into(), newer.into());
    let db = open_state(&dir.path().join(STATE_FILE)).unwrap();
    let merged = db.save(&ours).unwrap();
    assert_eq!(merged.listings["nillion"].price_usd, 0.8);
}

#[test]
fn a_state_json_is_taken_in_once_and_renamed() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join(STATE_JSON);
    let mut old = State::default();
    old.listings.insert("nillion".into(), listing(0.7).into());
    old.told.insert(
        "listed:coingecko:nillion:NIL".into(),
        crate::told::Claim { at: 5, by: 9 },
    );
    save_state(&json, &old).unwrap();
    let text = std::fs::read_to_string(&json).unwrap();
    let db = open_state(&dir.path().join(STATE_FILE)).unwrap();
    assert_eq!(db.load().unwrap(), old);
    assert!(!json.exists(), "renamed");
    let imported = dir.path().join("state.json.imported");
    assert_eq!(
        std::fs::read_to_string(&imported).unwrap(),
        text,
        "as it was"
    );

    // The same file put back (a restored backup) changes nothing taken
    // in twice: a merge, not an addition.
    std::fs::write(&json, &text).unwrap();
    let again = open_state(db.path()).unwrap();
    assert_eq!(again.load().unwrap(), old);
}

#[test]
fn a_state_json_that_does_not_load_is_left_as_it_is_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join(STATE_JSON);
    std::fs::write(&json, "{\"version\": 1, \"listings\": {\"x\": ").unwrap();
    let msg = open_state(&dir.path().join(STATE_FILE))
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("state.json") && msg.contains("line 1"),
        "{msg}"
    );
    assert_eq!(
        std::fs::read_to_string(&json).unwrap(),
        "{\"version\": 1, \"listings\": {\"x\": "
    );
    assert!(!dir.path().join(STATE_FILE).exists(), "nothing half made");
}

#[test]
fn a_database_of_a_newer_prelist_or_no_database_at_all_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STATE_FILE);
    let db = open_state(&path).unwrap();
    db.save(&State::default()).unwrap();
    drop(db);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let msg = open_state(&path).unwrap_err().to_string();
    assert!(
        msg.contains(&path.display().to_string()) && msg.contains("schema version 99"),
        "{msg}"
    );

    let garbage = dir.path().join("garbage.db");
    std::fs::write(
        &garbage,
        "not a database at all, but long enough to look at ".repeat(40),
    )
    .unwrap();
    let msg = open_state(&garbage).unwrap_err().to_string();
    assert!(
        msg.contains("garbage.db") && msg.contains("move it aside"),
        "{msg}"
    );
    assert!(
        std::fs::read_to_string(&garbage)
            .unwrap()
            .starts_with("not a database")
    );
}

#[test]
fn an_older_schema_is_brought_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STATE_FILE);
    // A database made before any table: version 0.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA journal_mode = WAL")
        .unwrap();
    let db = open_state(&path).unwrap();
    let mut state = State::default();
    state.listings.insert("nillion".into(), listing(0.7).into());
    db.save(&state).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
}

#[test]
fn a_bad_row_refuses_the_database_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STATE_FILE);
    let db = open_state(&path).unwrap();
    let mut state = State::default();
    state.listings.insert("nillion".into(), listing(0.7).into());
    db.save(&state).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE listings SET price_usd = -1", [])
        .unwrap();
    let msg = open_state(&path).unwrap().load().unwrap_err().to_string();
    assert!(
        msg.contains("state.db") && msg.contains("\"nillion\" has a price of -1"),
        "{msg}"
    );
    conn.execute("UPDATE listings SET price_usd = 1", [])
        .unwrap();
    conn.execute(
        "INSERT INTO assets (exchange, base, asset) VALUES ('binance', 'NIL', '{}')",
        [],
    )
    .unwrap();
    let msg = open_state(&path).unwrap().load().unwrap_err().to_string();
    assert!(msg.contains("book of \"binance\""), "{msg}");
    conn.execute("DELETE FROM assets", []).unwrap();

    // A journal row cut short, and one that replays to a bad price.
    conn.execute(
        "INSERT INTO ticks (seq, cap, body) VALUES (99, 16, x'0700')",
        [],
    )
    .unwrap();
    let msg = open_state(&path).unwrap().load().unwrap_err().to_string();
    assert!(
        msg.contains("state.db") && msg.contains("(tick 99)") && msg.contains("cut short"),
        "{msg}"
    );
    let mut body = 7u16.to_le_bytes().to_vec();
    body.extend_from_slice(b"nillion");
    body.extend_from_slice(&f64::NAN.to_le_bytes());
    body.extend_from_slice(&1_742_900_000i64.to_le_bytes());
    body.push(0);
    conn.execute("UPDATE ticks SET body = ?1", [body]).unwrap();
    let msg = open_state(&path).unwrap().load().unwrap_err().to_string();
    assert!(msg.contains("\"nillion\" has a price of NaN"), "{msg}");
}

#[test]
fn a_save_writes_only_the_rows_that_changed() {
    let dir = tempfile::tempdir().unwrap();
    let db = open_state(&dir.path().join(STATE_FILE)).unwrap();
    let mut state = State::default();
    for i in 0..1000 {
        let mut l = listing(0.7);
        l.history = vec![(1, 0.61).into(), (2, 0.7).into()];
        state.listings.insert(format!("coin-{i}").into(), l.into());
    }
    db.save(&state).unwrap();
    let l = Arc::make_mut(state.listings.get_mut("coin-7").unwrap());
    l.price_usd = 0.8;
    l.history.push((3, 0.8).into());
    let changes = db.changes_of(|| db.save(&state).map(drop)).unwrap();
    // The listing's row (its history with it) and the revision.
    assert_eq!(changes, 2);
    assert_eq!(open_state(db.path()).unwrap().load().unwrap(), state);
}

#[test]
fn an_outbox_post_is_one_per_event_held_by_its_owner_and_taken_once_it_is_gone() {
    use super::outbox::{Channel, LEASE_SECS, Taken};
    let dir = tempfile::tempdir().unwrap();
    let db = open_state(&dir.path().join(STATE_FILE)).unwrap();
    let other = open_state(db.path()).unwrap();
    let (me, them, t0, window) = (1, 2, 1_800_000_000, 600);
    assert!(
        db.outbox_put(Channel::Webhook, "listed:x", "{}", me, t0)
            .unwrap()
    );
    assert!(
        !other
            .outbox_put(Channel::Webhook, "listed:x", "{}", them, t0)
            .unwrap(),
        "the same event put by another instance is the same post"
    );
    assert!(
        db.outbox_put(Channel::Command, "listed:x", "{}", me, t0)
            .unwrap()
    );
    let (taken, _) = other
        .outbox_take(Channel::Webhook, them, t0 + 1, window)
        .unwrap();
    assert_eq!(taken, Taken::Nothing, "held by its running owner");
    let (Taken::Due(post), _) = db
        .outbox_take(Channel::Webhook, me, t0 + 1, window)
        .unwrap()
    else {
        panic!("its owner takes it");
    };
    db.outbox_retry(post.id, 1, t0 + 30).unwrap();
    let (taken, _) = db
        .outbox_take(Channel::Webhook, me, t0 + 2, window)
        .unwrap();
    assert_eq!(taken, Taken::Later(t0 + 30));
    // The owner is gone (killed): its lease runs out.
    let later = t0 + 2 + LEASE_SECS + 1;
    let (Taken::Due(post), _) = other
        .outbox_take(Channel::Webhook, them, later, window)
        .unwrap()
    else {
        panic!("another instance takes it once the lease ran out");
    };
    assert_eq!(post.attempts, 1, "with its attempts");
    // A clean stop lets go at once.
    assert_eq!(other.outbox_release(them).unwrap(), 1);
    let (taken, _) = db
        .outbox_take(Channel::Webhook, me, later + 1, window)
        .unwrap();
    assert!(matches!(taken, Taken::Due(_)), "{taken:?}");
    db.outbox_done(post.id).unwrap();
    // Past the window from the event, a post is dropped, and counted.
    let (taken, dropped) = db
        .outbox_take(Channel::Command, me, t0 + window + 1, window)
        .unwrap();
    assert_eq!((taken, dropped), (Taken::Nothing, 1));
    assert_eq!(db.outbox_len().unwrap(), 0);
}

#[test]
fn a_database_removed_while_open_is_made_again_at_the_next_save() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let path = data.join(STATE_FILE);
    let db = open_state(&path).unwrap();
    let mut state = State::default();
    state.listings.insert("nillion".into(), listing(0.7).into());
    db.save(&state).unwrap();
    // The data dir is deleted under the running instance.
    std::fs::remove_dir_all(&data).unwrap();
    state.listings.insert("parcl".into(), listing(0.2).into());
    let ours = db.save(&state).unwrap();
    assert_eq!(ours, state);
    assert_eq!(
        open_state(&path).unwrap().load().unwrap(),
        state,
        "all of it, in a new file"
    );

    // Replaced again, by a file another prelist made, at the revision the
    // running one last wrote: the revisions are not the old file's, and
    // its state is merged with the new one.
    std::fs::remove_dir_all(&data).unwrap();
    let other = open_state(&path).unwrap();
    let mut theirs = State::default();
    theirs.listings.insert("kaito".into(), listing(1.1).into());
    other.save(&theirs).unwrap();
    let written = db.save(&ours).unwrap();
    assert_eq!(written.listings.len(), 3, "{written:?}");
}

#[test]
fn a_database_that_may_only_be_read_is_read_and_each_save_says_why_it_failed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STATE_FILE);
    let mut state = State::default();
    state.listings.insert("nillion".into(), listing(0.7).into());
    let db = open_state(&path).unwrap();
    db.save(&state).unwrap();
    drop(db);
    let read_only = StateDb::open_read_only(&path).unwrap();
    assert_eq!(read_only.load().unwrap(), state);
    state.listings.insert("parcl".into(), listing(0.2).into());
    let msg = read_only.save(&state).unwrap_err().to_string();
    assert!(
        msg.contains(&path.display().to_string()) && msg.contains("readonly"),
        "{msg}"
    );
    assert!(!read_only.changed());
}

/// Polls that move every price go into ticks; each save folds a slice of
/// the rows; the journal stays bounded, and another instance reads, at
/// every save, exactly what the writer holds, however ticks and folds and
/// whole-row changes interleave.
#[test]
fn polls_journaled_as_ticks_read_back_exactly_and_the_journal_stays_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STATE_FILE);
    let db = open_state(&path).unwrap();
    let reader = open_state(&path).unwrap();
    let n = 40;
    let mut state = State::default();
    for i in 0..n {
        state
            .listings
            .insert(format!("coin-{i:02}").into(), listing(1.0).into());
    }
    state = db.save(&state).unwrap();
    let cap = crate::listing::history_cap(n);
    let ticks = |db: &StateDb| -> i64 {
        db.read(|tx| {
            tx.query_row("SELECT count(*) FROM ticks", [], |r| r.get(0))
                .map_err(|e| db.error(e))
        })
        .unwrap()
        .unwrap()
    };
    let mut most = 0;
    for poll in 1..=120i64 {
        let at = 1_742_900_000 + poll * 60;
        for (i, l) in state.listings.values_mut().map(Arc::make_mut).enumerate() {
            // Every fifth poll leaves a coin unpriced now and then.
            if (poll + i as i64) % 5 == 0 {
                l.stale = true;
                continue;
            }
            l.stale = false;
            l.price_usd = 1.0 + (poll as f64 + i as f64).sin().abs();
            l.updated_at = at;
            crate::listing::record(&mut l.history, (at, l.price_usd).into(), cap);
        }
        if poll % 17 == 0 {
            // Changes no tick carries: a new listing, and a re-flip.
            state
                .listings
                .insert(format!("new-{poll}").into(), listing(2.0).into());
            Arc::make_mut(state.listings.get_mut("coin-03").unwrap()).listed_at -= 1;
        }
        state = db.save(&state).unwrap();
        most = most.max(ticks(&db));
        assert_eq!(reader.load().unwrap(), state, "read back after poll {poll}");
    }
    assert!(most >= 2, "polls were journaled as ticks ({most})");
    assert!(
        most <= listings::FOLD_SPAN as i64 + 1,
        "the journal holds at most a fold's span of ticks ({most})"
    );
}

/// A database of the first schema (no journal) is brought up to date at
/// open, its listings as they were.
#[test]
fn a_first_schema_database_migrates_with_its_listings() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STATE_FILE);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(db::MIGRATIONS[0]).unwrap();
        conn.execute(
            "INSERT INTO listings VALUES ('nillion', 1742817600, 0.61, 0.7, NULL, NULL,
             1742900000, 0, x'')",
            [],
        )
        .unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
    }
    let db = open_state(&path).unwrap();
    let mut state = db.load().unwrap();
    let mut want = listing(0.7);
    want.change_24h = None;
    assert_eq!(*state.listings["nillion"], want);
    Arc::make_mut(state.listings.get_mut("nillion").unwrap()).price_usd = 0.8;
    let saved = db.save(&state).unwrap();
    assert_eq!(open_state(&path).unwrap().load().unwrap(), saved);
}

#[test]
fn a_key_is_noted_once_by_fingerprint_and_a_look_makes_no_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STATE_FILE);
    let db = open_state(&path).unwrap();
    assert_eq!(key_first_used(&db, "3f9a0c12").unwrap(), None);
    assert!(!path.exists(), "a look leaves nothing behind");
    assert_eq!(note_key(&db, "3f9a0c12", 1_000).unwrap(), 1_000);
    assert_eq!(
        note_key(&db, "3f9a0c12", 9_000).unwrap(),
        1_000,
        "the first use stands"
    );
    assert_eq!(
        note_key(&db, "0badc0de", 9_000).unwrap(),
        9_000,
        "a new key starts afresh"
    );
    let other = open_state(&path).unwrap();
    assert_eq!(key_first_used(&other, "3f9a0c12").unwrap(), Some(1_000));
}

#[test]
fn a_save_based_on_the_revision_held_is_taken_as_it_stands_and_any_other_is_merged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STATE_FILE);
    let ours = open_state(&path).unwrap();
    let theirs = open_state(&path).unwrap();
    let point = |at, price| crate::listing::PricePoint { at, price };
    let mut first = listing(0.7);
    first.history = vec![point(100, 0.6), point(200, 0.65), point(300, 0.7)];
    let mut start = State::default();
    start.listings.insert("nillion".into(), first.into());
    let saved = ours.save(&start).unwrap();
    assert!(saved.based_on.is_some(), "a saved state says its revision");

    // A history thinned here (as the record rule thins one) stays thinned:
    // with nothing of another's between, the save merges nothing back.
    let mut thinned = saved.clone();
    let l = Arc::make_mut(thinned.listings.get_mut("nillion").unwrap());
    l.history.remove(1);
    let written = ours.save(&thinned).unwrap();
    assert_eq!(written, thinned);
    assert_eq!(ours.load().unwrap(), thinned);

    // Another instance saves between: the same kind of save is merged.
    let mut other = State::default();
    other.listings.insert("parcl".into(), listing(0.2).into());
    theirs.save(&other).unwrap();
    let mut later = written.clone();
    Arc::make_mut(later.listings.get_mut("nillion").unwrap()).price_usd = 0.8;
    let merged = ours.save(&later).unwrap();
    assert!(merged.listings.contains_key("parcl"), "{merged:?}");
    assert_eq!(merged.listings["nillion"].price_usd, 0.8);

    // A state made by hand, or another store's, names no revision of this
    // one: it is merged, whatever its revision.
    let mut foreign = merged.clone();
    foreign.listings.remove("parcl");
    foreign.based_on = theirs.load().unwrap().based_on;
    assert!(ours.save(&foreign).unwrap().listings.contains_key("parcl"));
}

#[test]
fn the_dex_book_round_trips_and_a_bad_token_refuses_the_database_naming_it() {
    use crate::dex::{DexListing, PoolSeen, Token};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STATE_FILE);
    let db = open_state(&path).unwrap();
    let mut state = State::default();
    let token = Token {
        last_seen: 1_742_900_000,
        pool: Some(PoolSeen {
            dex: "uniswap".into(),
            pair_address: "0xpool".into(),
            base: "NIL".into(),
            quote: "WETH".into(),
            price_usd: Some(0.61),
            liquidity_usd: Some(25_000.0),
            created_at: Some(1_742_000_000),
        }),
        min_liquidity_usd: 10_000.0,
        listing: Some(DexListing {
            at: 1_742_800_000,
            pair: "NIL/WETH on uniswap (ethereum)".into(),
            price_usd: Some(0.6),
            liquidity_usd: 20_000.0,
        }),
    };
    let key = "ethereum:0x7cf9a80db3b29ee8efe3710aadb7b95270572d47";
    state.book.dex.tokens.insert(key.into(), token.clone());
    db.save(&state).unwrap();
    let loaded = open_state(&path).unwrap().load().unwrap();
    assert_eq!(loaded.book.dex.tokens[key], token);

    // One token's depth changes: its row alone (and the revision).
    state
        .book
        .dex
        .tokens
        .get_mut(key)
        .unwrap()
        .pool
        .as_mut()
        .unwrap()
        .liquidity_usd = Some(30_000.0);
    let changes = db.changes_of(|| db.save(&state).map(drop)).unwrap();
    assert_eq!(changes, 2);

    let conn = rusqlite::Connection::open(&path).unwrap();
    for (row, seen) in [
        ("martian:0xabc", serde_json::to_string(&token).unwrap()),
        (key, "{\"last_seen\": \"soon\"}".to_string()),
        (
            key,
            serde_json::to_string(&token)
                .unwrap()
                .replace("0.61", "-0.61"),
        ),
    ] {
        conn.execute("DELETE FROM dex_tokens", []).unwrap();
        conn.execute(
            "INSERT INTO dex_tokens (token, seen) VALUES (?1, ?2)",
            [row, &seen],
        )
        .unwrap();
        let msg = open_state(&path).unwrap().load().unwrap_err().to_string();
        assert!(
            msg.contains("state.db") && msg.contains("dexscreener") && msg.contains("unreadable"),
            "{msg}"
        );
    }
}

#[test]
fn dismissals_round_trip_and_a_bad_one_refuses_the_database_naming_it() {
    use crate::discover::{Kind, dismiss};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(STATE_FILE);
    let db = open_state(&path).unwrap();
    let mut state = State::default();
    dismiss(
        &mut state.book.dismissed,
        "ZAMA",
        Kind::Scheduled,
        1_800_000_000,
    );
    db.save(&state).unwrap();
    let loaded = open_state(&path).unwrap().load().unwrap();
    assert_eq!(loaded.book.dismissed, state.book.dismissed);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("UPDATE dismissed SET status = 'gone\u{1b}[2J'", [])
        .unwrap();
    let msg = open_state(&path).unwrap().load().unwrap_err().to_string();
    assert!(
        msg.contains("state.db") && msg.contains("\"ZAMA\"") && !msg.contains('\u{1b}'),
        "{msg}"
    );
}

#[test]
fn an_overweight_mark_round_trips_beside_the_alerts_and_a_bad_one_is_refused() {
    use crate::alert::{AlertMemo, Mark};
    let dir = tempfile::tempdir().unwrap();
    let mark = |threshold, fired_at, rearmed_at| {
        Some(Mark {
            threshold,
            fired_at,
            rearmed_at,
        })
    };
    let mut state = State::default();
    state.alerts.insert(
        "nillion".into(),
        AlertMemo {
            above: mark(1.0, 100, None),
            below: None,
            overweight: mark(5.0, 200, None),
        },
    );
    let db = open_state(&dir.path().join(STATE_FILE)).unwrap();
    let saved = db.save(&state).unwrap();
    assert_eq!(saved.alerts, state.alerts);
    assert_eq!(
        open_state(db.path()).unwrap().load().unwrap().alerts,
        state.alerts
    );
    // Another instance re-armed it later: the later mark wins, so neither
    // tells the next crossing twice.
    let mut theirs = state.clone();
    theirs.alerts.get_mut("nillion").unwrap().overweight = mark(5.0, 200, Some(300));
    let merged = db.save(&theirs).unwrap();
    assert_eq!(
        merged.alerts["nillion"].overweight,
        mark(5.0, 200, Some(300))
    );
    assert_eq!(merged.alerts["nillion"].above, mark(1.0, 100, None));

    // A rule that is no percentage refuses the database, naming the coin.
    let conn = rusqlite::Connection::open(db.path()).unwrap();
    conn.execute(
        "UPDATE alerts SET threshold = 250 WHERE crossing = 'overweight'",
        [],
    )
    .unwrap();
    let msg = open_state(db.path())
        .and_then(|db| db.load())
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("\"nillion\"")
            && msg.contains("has an overweight mark for a rule of 250%, which is not above 0"),
        "{msg}"
    );
    conn.execute(
        "UPDATE alerts SET crossing = 'sideways' WHERE threshold = 250",
        [],
    )
    .unwrap();
    let msg = open_state(db.path())
        .and_then(|db| db.load())
        .unwrap_err()
        .to_string();
    assert!(msg.contains("not above, below or overweight"), "{msg}");
}
