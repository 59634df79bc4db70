//! Exchange lists of real sizes, generated from the fixtures: shared by the
//! tests of the caps and the bench of a month's bytes, so both measure the
//! same lists.

use prelist::sources::Exchange;

/// The list of markets in an answer of `exchange`.
pub fn list_in(exchange: Exchange, body: &mut serde_json::Value) -> &mut serde_json::Value {
    exchange
        .list_keys()
        .iter()
        .fold(body, |value, key| &mut value[*key])
}

/// A list of `count` markets of `exchange` as it sends it: the fixture's
/// first entry (its largest kind) repeated, each copy with a base asset of
/// its own, so a compressor finds what it would in a real list (the same
/// keys and values, different names), not `count` identical entries.
/// Binance's permission sets are left out, as `showPermissionSets=false`
/// asks (`with_sets` keeps them, as the list was asked for before).
pub fn realistic(exchange: Exchange, count: usize, with_sets: bool) -> Vec<u8> {
    let file = format!(
        "{}/tests/fixtures/exchanges/{}.json",
        env!("CARGO_MANIFEST_DIR"),
        exchange.key()
    );
    let mut body: serde_json::Value =
        serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
    let list = list_in(exchange, &mut body);
    let mut entry = match &*list {
        serde_json::Value::Object(m) => m.values().next().unwrap().clone(),
        other => other[0].clone(),
    };
    if exchange == Exchange::Binance && !with_sets {
        entry.as_object_mut().unwrap().remove("permissionSets");
    }
    let text = serde_json::to_string(&entry).unwrap();
    let base = ["NIL", "PRCL", "DOLO", "MOVE", "PEAQ"]
        .into_iter()
        .find(|b| text.contains(b))
        .unwrap_or("NIL");
    let copies = (0..count).map(|i| text.replace(base, &format!("Q{i:04}")));
    let items: Vec<String> = match &*list {
        serde_json::Value::Object(_) => copies
            .enumerate()
            .map(|(i, e)| format!("\"PAIR{i}\":{e}"))
            .collect(),
        _ => copies.collect(),
    };
    let joined = items.join(",");
    let inner = match &*list {
        serde_json::Value::Object(_) => format!("{{{joined}}}"),
        _ => format!("[{joined}]"),
    };
    *list = serde_json::Value::String("@LIST@".into());
    serde_json::to_string(&body)
        .unwrap()
        .replace("\"@LIST@\"", &inner)
        .into_bytes()
}
