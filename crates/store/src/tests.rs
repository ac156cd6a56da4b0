//! The SQLite store: the store contract (contract.rs) on real files in temporary
//! directories, and what only SQLite has (its journal modes, its busy handler).

use std::sync::Mutex;

use chrono::DateTime;

use super::contract::Harness;
use super::sqlite::{self, SqliteStore};
use super::*;

#[allow(dead_code)] // the store's tests use `record` only
mod fixtures {
    include!("../../../tests/shenhe/records.rs");
}

/// SQLite databases in temporary directories, kept until the test ends.
#[derive(Default)]
pub struct SqliteHarness {
    dirs: Mutex<Vec<tempfile::TempDir>>,
}

impl Harness for SqliteHarness {
    type S = SqliteStore;

    fn new_database(&self) -> String {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("t.db");
        self.dirs.lock().expect("dirs").push(dir);
        path.to_string_lossy().into_owned()
    }

    fn open(&self, location: &str) -> SqliteStore {
        SqliteStore::open(std::path::Path::new(location)).expect("open")
    }

    fn execute(&self, store: &mut SqliteStore, sql: &str) -> Result<u64, String> {
        store
            .connection()
            .execute(sql, [])
            .map(|n| n as u64)
            .map_err(|e| e.to_string())
    }
}

mod contract {
    use super::SqliteHarness;

    fn harness() -> Option<&'static SqliteHarness> {
        static HARNESS: std::sync::OnceLock<SqliteHarness> = std::sync::OnceLock::new();
        Some(HARNESS.get_or_init(SqliteHarness::default))
    }

    crate::store_contract!(harness());
}

const NOW: &str = "2026-11-24T10:00:00+08:00";

fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(NOW).expect("now")
}

/// SQ1 written through the store's own import session (the review layer is above the
/// store, and not needed here), committed or dropped.
fn import_sq1(store: &mut SqliteStore, commit: bool) {
    let app: Application =
        serde_json::from_value(fixtures::record("SQ1")).expect("the fixture is an application");
    let body = serde_json::to_string(&app).expect("serialise");
    let derived = Derived {
        due_at: now(),
        failed: 0,
        manual: 1,
        policy_version: "test".into(),
    };
    let mut session = store.begin_import().expect("begin import");
    session
        .insert(
            ImportRecord {
                app: &app,
                body: &body,
                group: "platform",
                state: State::PendingReview,
                revision: 1,
                derived: &derived,
                content_hash: "test",
                reviewable_at: Some(app.submitted_at),
            },
            NewAuditEntry {
                actor: "importer".into(),
                action: "submit".into(),
                from_state: None,
                ..audit_entry("submit", Some(State::PendingReview))
            },
            NewEvent::new(EventKind::Received),
        )
        .expect("insert");
    if commit {
        session.commit().expect("commit");
    }
}

/// A database holding SQ1, pending review at version 1, and the store on it.
fn store_with_one() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = SqliteStore::open(&dir.path().join("t.db")).expect("open");
    import_sq1(&mut store, true);
    let stored = store.get("SQ1").expect("get").expect("SQ1");
    assert_eq!((stored.state, stored.version), (State::PendingReview, 1));
    (dir, store)
}

fn audit_entry(action: &str, to: Option<State>) -> NewAuditEntry {
    NewAuditEntry {
        application_id: "SQ1".into(),
        revision: 1,
        at: now(),
        actor: "lina".into(),
        action: action.into(),
        from_state: Some(State::PendingReview.id().into()),
        to_state: to.map(|s| s.id().into()),
        reasons: vec![],
        message: None,
        note: None,
        detail: None,
    }
}

fn chain_len(store: &SqliteStore) -> usize {
    let mut n = 0;
    store
        .audit_chain(&mut |_| {
            n += 1;
            true
        })
        .expect("chain");
    n
}

#[test]
fn an_import_dropped_uncommitted_writes_nothing_and_gives_back_wal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = SqliteStore::open(&dir.path().join("t.db")).expect("open");
    // An empty database nobody else has open: the bulk load, under a rollback journal;
    // dropped uncommitted, as when a bad record is found.
    import_sq1(&mut store, false);
    assert!(store.get("SQ1").expect("get").is_none());
    assert_eq!(chain_len(&store), 0);
    let mode: String = store
        .connection()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("journal mode");
    assert_eq!(
        mode, "wal",
        "the same connection reads beside writers again"
    );
}

/// A BEGIN IMMEDIATE that meets another writer's lock without the busy handler being
/// asked (as when another process is recovering the WAL) is retried by the store itself
/// until the lock is free, within the same timeout. Here the handler is removed
/// (`busy_timeout(0)`), so every BUSY reaches the store's own retry loop.
#[test]
fn a_busy_result_that_bypasses_the_handler_is_retried_until_the_lock_is_free() {
    let (dir, mut store) = store_with_one();
    store
        .connection()
        .busy_timeout(std::time::Duration::ZERO)
        .expect("no busy handler");
    let other = rusqlite::Connection::open(dir.path().join("t.db")).expect("open");
    other.execute_batch("BEGIN IMMEDIATE").expect("lock");
    let before = sqlite::busy_retries();
    let (entry, done, released) = std::thread::scope(|scope| {
        // The deliberate hold: long enough for several retries, far below the timeout.
        let holder = scope.spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(50));
            let released = std::time::Instant::now();
            other.execute_batch("COMMIT").expect("unlock");
            released
        });
        let entry = store.record(audit_entry("reveal_password", None));
        let done = std::time::Instant::now();
        (entry, done, holder.join().expect("holder"))
    });
    let entry = entry.expect("the write waits for the lock instead of failing");
    assert!(done >= released, "the write met the lock and waited for it");
    assert!(sqlite::busy_retries() > before, "its retries are counted");
    assert_eq!(entry.seq, 2);
    assert_eq!(chain_len(&store), 2);
}

/// A write refused for a reason other than a lock (here a connection told to be
/// read-only) is reported at once, not retried until the busy timeout or for ever.
#[test]
fn a_write_refused_for_another_reason_than_a_lock_fails_at_once() {
    let (_dir, mut store) = store_with_one();
    store
        .connection()
        .pragma_update(None, "query_only", true)
        .expect("query_only");
    // In a thread of its own, so that a write retried for ever fails the test instead of
    // hanging it.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let result = store.record(audit_entry("reveal_password", None));
        let _ = tx.send(result.map(|e| e.seq));
    });
    let result = rx
        .recv_timeout(std::time::Duration::from_secs(5))
        .expect("an answer within 5 s (the busy timeout is 10 s)");
    match result {
        Err(StoreError::ReadOnly) => {}
        other => panic!("expected a read-only error, got {other:?}"),
    }
}
