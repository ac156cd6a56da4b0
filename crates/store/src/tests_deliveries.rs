//! Delivery positions and failures (`shenhe deliver`): the position only moves forward,
//! a retry counts attempts and remembers when the failing began, an advance clears it.

use chrono::{DateTime, Duration, FixedOffset};

use super::sqlite::SqliteStore;
use super::*;

const URL: &str = "http://127.0.0.1:9/hook";

fn at(minutes: i64) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-11-24T10:00:00+08:00").expect("time")
        + Duration::minutes(minutes)
}

#[test]
fn retries_count_until_an_advance_clears_them_and_the_position_never_goes_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = SqliteStore::open(&dir.path().join("t.db")).expect("open");
    assert_eq!(store.delivery(URL).expect("read"), None);

    store
        .delivery_retry(URL, 0, "connection refused", at(0))
        .expect("retry");
    store
        .delivery_retry(URL, 0, "HTTP 503", at(1))
        .expect("retry");
    let row = store.delivery(URL).expect("read").expect("a row");
    assert_eq!((row.position, row.attempts), (0, 2));
    assert_eq!(row.last_error.as_deref(), Some("HTTP 503"));
    assert_eq!(row.last_error_at, Some(at(1)));
    assert_eq!(row.failing_since, Some(at(0)), "since the first failure");

    store
        .delivery_advance(URL, 5, None, at(2))
        .expect("advance");
    let row = store.delivery(URL).expect("read").expect("a row");
    assert_eq!((row.position, row.attempts), (5, 0));
    assert_eq!((row.last_error, row.failing_since), (None, None));

    store
        .delivery_advance(URL, 3, None, at(3))
        .expect("a late advance");
    assert_eq!(store.delivery(URL).expect("read").expect("row").position, 5);

    // A retry keeps the position it finds.
    store
        .delivery_retry(URL, 0, "timeout", at(4))
        .expect("retry");
    assert_eq!(store.delivery(URL).expect("read").expect("row").position, 5);
    assert_eq!(store.deliveries().expect("all").len(), 1);
}

#[test]
fn a_refused_event_is_recorded_with_the_advance_past_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = SqliteStore::open(&dir.path().join("t.db")).expect("open");
    for id in [2, 4] {
        let failure = DeliveryFailure {
            endpoint: URL.into(),
            event_id: id,
            status: Some(400),
            body: format!("bad event {id}"),
            failed_at: at(id),
        };
        store
            .delivery_advance(URL, id, Some(&failure), at(id))
            .expect("advance");
    }
    assert_eq!(store.delivery(URL).expect("read").expect("row").position, 4);
    assert_eq!(store.delivery_failure_count(URL).expect("count"), 2);
    assert_eq!(
        store
            .delivery_failure_count("http://other/")
            .expect("count"),
        0
    );
    let newest = store.delivery_failures(URL, 1).expect("failures");
    assert_eq!(newest.len(), 1);
    assert_eq!(
        (
            newest[0].event_id,
            newest[0].status,
            newest[0].body.as_str()
        ),
        (4, Some(400), "bad event 4")
    );
    assert_eq!(newest[0].failed_at, at(4));
    assert_eq!(store.count_events_after(0).expect("count"), 0);
    assert_eq!(
        store
            .delivery_clear_failures("http://other/")
            .expect("clear"),
        0
    );
    assert_eq!(store.delivery_clear_failures(URL).expect("clear"), 2);
    assert_eq!(store.delivery_failure_count(URL).expect("count"), 0);
    assert_eq!(
        store.delivery(URL).expect("read").expect("row").position,
        4,
        "kept"
    );
}
