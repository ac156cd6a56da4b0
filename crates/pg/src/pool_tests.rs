//! The pool, the listener and the interrupt on a throwaway server: connections replaced
//! when the server ends them, a bounded number reused, this process's own writes not
//! counted as others' changes, and a running query cancelled on the server.

use std::time::{Duration, Instant};

use shenhe_store::contract::Harness;
use shenhe_store::{Store, StoreError};

use crate::pool::IDLE_CHECK;
use crate::tests::harness;
use crate::{MAX_CONNECTIONS, PgStore};

/// Ends the server process `pid` from another session, as an administrator, a restart
/// or a failover would.
fn terminate(admin: &PgStore, pid: i32) {
    let ended: bool = admin
        .conn()
        .expect("a connection")
        .query_one("SELECT pg_terminate_backend($1, 5000)", &[&pid])
        .expect("terminate")
        .get(0);
    assert!(ended, "process {pid} was not ended");
}

#[test]
fn a_connection_the_server_ended_is_replaced() {
    let Some(h) = harness() else { return };
    let url = h.new_database();
    let mut store = h.open(&url);
    let admin = h.open(&url);
    store.set_meta("probe", "1").expect("write");

    // Ended while idle: the next call, a while later, checks it and takes a new one.
    let first = store.conn().expect("a connection").pid();
    terminate(&admin, first);
    std::thread::sleep(IDLE_CHECK + Duration::from_millis(100));
    assert_eq!(
        store.meta("probe").expect("read after").as_deref(),
        Some("1")
    );
    let second = store.conn().expect("a connection").pid();
    assert_ne!(first, second);
    assert_eq!(store.open_connections(), 1, "the ended one is not counted");

    // Ended and used at once: that call fails, and the connection is not handed out
    // again.
    terminate(&admin, second);
    assert!(
        store.meta("probe").is_err(),
        "a call on an ended connection"
    );
    assert_eq!(
        store.meta("probe").expect("read after").as_deref(),
        Some("1")
    );
    assert_ne!(store.conn().expect("a connection").pid(), second);
}

#[test]
fn the_pool_is_bounded_and_reuses_its_connections() {
    let Some(h) = harness() else { return };
    let store = h.open(&h.new_database());
    let taken: Vec<_> = (0..MAX_CONNECTIONS)
        .map(|_| store.conn().expect("a connection"))
        .collect();
    let pids: std::collections::HashSet<i32> = taken.iter().map(|c| c.pid()).collect();
    assert_eq!(pids.len(), MAX_CONNECTIONS, "each taken one is its own");
    assert_eq!(store.open_connections(), MAX_CONNECTIONS);
    drop(taken);
    for _ in 0..10 {
        let pid = store.conn().expect("a connection").pid();
        assert!(pids.contains(&pid), "a connection given back is reused");
    }
    assert_eq!(store.open_connections(), MAX_CONNECTIONS);
}

#[test]
fn only_other_sessions_writes_count_as_changes() {
    let Some(h) = harness() else { return };
    let url = h.new_database();
    let mine = h.open(&url);
    let other = h.open(&url);
    let notify = |store: &PgStore| {
        store
            .conn()
            .expect("a connection")
            .batch_execute("SELECT pg_notify('shenhe_changes', '')")
            .expect("notify");
    };
    let start = mine.data_version().expect("version");
    // Commits of this store, on two of its connections at once, are its own.
    let mut held = mine.conn().expect("a connection");
    held.batch_execute("SELECT pg_notify('shenhe_changes', '')")
        .expect("notify");
    notify(&mine);
    drop(held);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(mine.data_version().expect("version"), start);
    // Another's are seen.
    notify(&other);
    let deadline = Instant::now() + Duration::from_secs(10);
    while mine.data_version().expect("version") == start {
        assert!(
            Instant::now() < deadline,
            "another session's write was not seen"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // The listener's connection ended: a change is counted (notes may have been missed),
    // and the next ones are heard on a new connection.
    let seen = mine.data_version().expect("version");
    let listener: i32 = other
        .conn()
        .expect("a connection")
        .query_one(
            "SELECT pid FROM pg_stat_activity WHERE query = 'LISTEN shenhe_changes' AND datname = current_database()",
            &[],
        )
        .expect("the listener")
        .get(0);
    terminate(&other, listener);
    let deadline = Instant::now() + Duration::from_secs(10);
    while mine.data_version().unwrap_or(seen) == seen {
        assert!(
            Instant::now() < deadline,
            "the ended listener was not replaced"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        mine.open_connections(),
        0,
        "the pool's idle connections closed with the lost listener"
    );
    let after = mine.data_version().expect("version");
    notify(&other);
    let deadline = Instant::now() + Duration::from_secs(10);
    while mine.data_version().expect("version") == after {
        assert!(Instant::now() < deadline, "the new listener hears nothing");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn an_interrupt_cancels_the_query_on_the_server() {
    let Some(h) = harness() else { return };
    let mut store = h.open(&h.new_database());
    let asked = Instant::now();
    store.set_interrupt(Some(Box::new(move || {
        asked.elapsed() > Duration::from_millis(200)
    })));
    let started = Instant::now();
    let mut conn = store.conn().expect("a connection");
    let result = store.interruptible(&mut conn, |c| c.query("SELECT pg_sleep(30)", &[]));
    match result {
        Err(StoreError::Database(m)) => assert!(m.contains("interrupted"), "{m}"),
        other => panic!("expected an interrupted query, got {other:?}"),
    }
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "cancelled on the server, not waited out"
    );
    // The connection stays usable, and without an interrupt queries run to the end.
    drop(conn);
    store.set_interrupt(None);
    let one: i32 = store
        .conn()
        .expect("a connection")
        .query_one("SELECT 1", &[])
        .expect("after")
        .get(0);
    assert_eq!(one, 1);
    // Already true when asked first: refused before the server is.
    store.set_interrupt(Some(Box::new(|| true)));
    assert!(matches!(
        store.page(
            &shenhe_store::QueueQuery::default(),
            0,
            10,
            chrono::Utc::now().fixed_offset()
        ),
        Err(StoreError::Database(m)) if m.contains("interrupted")
    ));
}

#[test]
fn a_cancel_that_is_not_ours_is_not_called_an_interrupt() {
    let Some(h) = harness() else { return };
    let mut store = h.open(&h.new_database());
    store.set_interrupt(Some(Box::new(|| false)));
    let mut conn = store.conn().expect("a connection");
    let result = store.interruptible(&mut conn, |c| {
        let mut tx = c.transaction()?;
        tx.batch_execute("SET LOCAL statement_timeout = 100")?;
        tx.query("SELECT pg_sleep(5)", &[])
    });
    match result {
        Err(StoreError::Database(m)) => {
            assert!(!m.contains("interrupted"), "{m}");
            assert!(m.contains("statement timeout"), "{m}");
        }
        other => panic!("expected the server's timeout, got {other:?}"),
    }
}
