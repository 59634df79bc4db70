//! `prelist discover`: one look at every enabled source, taken as `check`
//! takes it (recorded, so the baselines build up), then the coins not on
//! the watchlist that the sources show as scheduled, pre-market or newly
//! listed.

use std::time::Duration;

use super::{Context, print, say};
use crate::cli::DiscoverArgs;
use crate::discover::{self, Record, Scope};
use crate::error::Error;

pub fn run(cx: Context, args: &DiscoverArgs) -> Result<(), Error> {
    let days = args.days.unwrap_or(cx.settings.discover_days.value);
    let looked = super::check::look_once(cx, Duration::from_secs(args.deadline))?;
    let w = &looked.watcher;
    let now = jiff::Timestamp::now().as_second();
    let (mut rows, cut) = discover::rows(Scope {
        coins: &w.watchlist().coins,
        book: w.book(),
        now,
        days,
        spot_known: w.spot_known(),
    });
    if let Some(status) = args.status {
        let status = discover::Kind::from(status);
        rows.retain(|r| r.status == status);
    }
    if args.json {
        let records: Vec<Record> = rows.iter().map(Record::of).collect();
        let json = serde_json::to_string_pretty(&records)
            .map_err(|e| Error::failed(format!("cannot write the rows: {e}")))?;
        print(format!("{json}\n").as_bytes());
    } else {
        print(discover::to_text(&rows, now).as_bytes());
    }
    if cut > 0 {
        say(&format!(
            "prelist: {cut} more rows not shown (at most {} are)",
            discover::MAX_ROWS
        ));
    }
    looked.outcome()
}
