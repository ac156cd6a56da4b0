//! The store's own promises, called directly rather than through the review layer (which
//! re-checks versions first, so a fault in the store's compare-and-set would hide behind
//! it): a change commits only at the version that was read, with its audit entry, or not
//! at all.

use chrono::DateTime;

use super::sqlite::SqliteStore;
use super::*;
use shenhe_domain::checks::CheckId;

#[allow(dead_code)] // the store's tests use `record` only
mod fixtures {
    include!("../../../tests/shenhe/records.rs");
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

#[test]
fn reviewable_at_is_kept_and_an_accounts_effective_products_are_found() {
    let (_dir, mut store) = store_with_one();
    let stored = store.get("SQ1").expect("get").expect("SQ1");
    assert_eq!(stored.reviewable_at, Some(stored.app.submitted_at));
    let account = stored.app.applicant.account.clone();
    let product = stored.app.product.clone();
    assert!(
        !store
            .product_effective(&account, &product, "OTHER")
            .expect("query")
    );
    store
        .change_state(
            StateChange {
                id: "SQ1".into(),
                expected_version: 1,
                to: State::Effective,
                audit: audit_entry("integration_passed", Some(State::Effective)),
                event: NewEvent::new(EventKind::Effective),
            },
            None,
        )
        .expect("effective");
    assert!(
        store
            .product_effective(&account, &product, "OTHER")
            .expect("query")
    );
    assert!(
        !store
            .product_effective(&account, &product, "SQ1")
            .expect("query"),
        "the application itself is not another"
    );
    assert!(
        !store
            .product_effective(&account, "large_transfer", "OTHER")
            .expect("query")
    );
    assert!(
        !store
            .product_effective("someone@else", &product, "OTHER")
            .expect("query")
    );
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

fn approve_at(store: &mut SqliteStore, version: i64) -> StoreResult<AuditEntry> {
    store.change_state(
        StateChange {
            id: "SQ1".into(),
            expected_version: version,
            to: State::PendingIntegration,
            audit: audit_entry("approve", Some(State::PendingIntegration)),
            event: NewEvent::new(EventKind::Approved),
        },
        None,
    )
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
fn a_change_at_any_other_version_is_refused_and_writes_nothing() {
    let (_dir, mut store) = store_with_one();
    for stale_or_newer in [0, 2, 3, -1] {
        match approve_at(&mut store, stale_or_newer) {
            Err(StoreError::Conflict { id, state, by, .. }) => {
                assert_eq!(
                    (id.as_str(), state, by.as_str()),
                    ("SQ1", State::PendingReview, "importer")
                );
            }
            other => panic!("version {stale_or_newer}: expected a conflict, got {other:?}"),
        }
        let stored = store.get("SQ1").expect("get").expect("SQ1");
        assert_eq!((stored.state, stored.version), (State::PendingReview, 1));
        assert_eq!(chain_len(&store), 1, "no audit entry for a refused change");
    }
    let entry = approve_at(&mut store, 1).expect("at the version read");
    assert_eq!(entry.seq, 2);
    let stored = store.get("SQ1").expect("get").expect("SQ1");
    assert_eq!(
        (stored.state, stored.version),
        (State::PendingIntegration, 2)
    );
    assert_eq!(stored.changed_by, "lina");
    assert_eq!(chain_len(&store), 2);
    // The version read before the change is stale now.
    assert!(matches!(
        approve_at(&mut store, 1),
        Err(StoreError::Conflict { by, state: State::PendingIntegration, .. }) if by == "lina"
    ));
    assert!(matches!(
        store.change_state(
            StateChange {
                id: "NOPE".into(),
                expected_version: 1,
                to: State::Returned,
                audit: audit_entry("return", Some(State::Returned)),
                event: NewEvent::new(EventKind::Returned),
            },
            None
        ),
        Err(StoreError::NotFound(id)) if id == "NOPE"
    ));
}

#[test]
fn a_judgement_at_any_other_version_is_refused_and_writes_nothing() {
    let (_dir, mut store) = store_with_one();
    let derived = store.get("SQ1").expect("get").expect("SQ1").derived;
    let judgement = Judgement {
        check: CheckId::WebsiteBuilt,
        passed: true,
        note: Some("看过了".into()),
        by: "lina".into(),
        at: now(),
    };
    for wrong in [0, 2] {
        let refused = store.judge(
            "SQ1",
            wrong,
            1,
            &judgement,
            &derived,
            audit_entry("judge", None),
        );
        assert!(
            matches!(refused, Err(StoreError::Conflict { .. })),
            "{refused:?}"
        );
        assert!(store.judgements("SQ1", 1).expect("judgements").is_empty());
        assert_eq!(store.get("SQ1").expect("get").expect("SQ1").version, 1);
        assert_eq!(chain_len(&store), 1);
    }
    store
        .judge(
            "SQ1",
            1,
            1,
            &judgement,
            &derived,
            audit_entry("judge", None),
        )
        .expect("at the version read");
    assert_eq!(
        store.judgements("SQ1", 1).expect("judgements"),
        vec![judgement]
    );
    assert_eq!(store.get("SQ1").expect("get").expect("SQ1").version, 2);
    assert_eq!(chain_len(&store), 2);
}

#[test]
fn a_decision_ends_every_claim_on_the_application() {
    let (_dir, mut store) = store_with_one();
    let claim = Claim {
        application_id: "SQ1".into(),
        reviewer: "wangwei".into(),
        session: "s1".into(),
        expires_at: now() + chrono::Duration::minutes(2),
    };
    assert_eq!(store.claim(&claim, now()).expect("claim"), None);
    assert_eq!(store.claim_of("SQ1", now()).expect("claim of"), Some(claim));
    approve_at(&mut store, 1).expect("approve");
    assert_eq!(store.claim_of("SQ1", now()).expect("claim of"), None);
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

#[test]
fn every_change_publishes_one_event_in_its_own_transaction() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = SqliteStore::open(&dir.path().join("t.db")).expect("open");
    import_sq1(&mut store, false);
    assert_eq!(
        store.last_event_id().expect("last"),
        0,
        "an import dropped without commit"
    );
    import_sq1(&mut store, true);
    approve_at(&mut store, 7).expect_err("a refused change");
    assert_eq!(
        store.last_event_id().expect("last"),
        1,
        "a refused change publishes nothing"
    );
    approve_at(&mut store, 1).expect("approve");
    let events = store.events_after(0, 10).expect("events");
    let summary: Vec<_> = events
        .iter()
        .map(|e| (e.id, e.kind, e.previous_state, e.state, e.actor.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (
                1,
                EventKind::Received,
                None,
                State::PendingReview,
                "importer"
            ),
            (
                2,
                EventKind::Approved,
                Some(State::PendingReview),
                State::PendingIntegration,
                "lina"
            ),
        ]
    );
    // In China time, whatever offset the change was made with.
    assert_eq!(events[1].occurred_at, now());
    assert_eq!(events[1].occurred_at.offset().local_minus_utc(), 8 * 3600);
    assert_eq!(store.events_after(1, 10).expect("after 1")[0].id, 2);
    assert_eq!(store.events_after(0, 1).expect("limit").len(), 1);
    assert!(
        store
            .events_after(2, 10)
            .expect("after the last")
            .is_empty()
    );
    for sql in ["UPDATE events SET actor = 'x'", "DELETE FROM events"] {
        let err = store.connection().execute(sql, []).expect_err(sql);
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
}

#[test]
fn the_trail_never_goes_back_in_time_whatever_the_clock_says() {
    let (_dir, mut store) = store_with_one();
    let earlier = now() - chrono::Duration::hours(5);
    let entry = store
        .change_state(
            StateChange {
                id: "SQ1".into(),
                expected_version: 1,
                to: State::PendingIntegration,
                audit: NewAuditEntry {
                    at: earlier,
                    ..audit_entry("approve", Some(State::PendingIntegration))
                },
                event: NewEvent::new(EventKind::Approved),
            },
            None,
        )
        .expect("approve");
    assert_eq!(entry.entry.at, now(), "held at the last entry's time");
    let stored = store.get("SQ1").expect("get").expect("SQ1");
    assert_eq!(stored.changed_at, now());
    assert_eq!(
        store.events_after(1, 1).expect("event")[0].occurred_at,
        now()
    );
    let later = now() + chrono::Duration::minutes(1);
    let entry = store
        .record(NewAuditEntry {
            at: later,
            ..audit_entry("reveal_password", None)
        })
        .expect("record");
    assert_eq!(entry.entry.at, later, "a clock ahead is kept");
    let entry = store
        .record(NewAuditEntry {
            at: earlier,
            ..audit_entry("reveal_password", None)
        })
        .expect("record");
    assert_eq!(entry.entry.at, later);
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

// ---- integration, reviewers and reopening (roles) ----

fn integrate(version: i64) -> StateChange {
    let mut audit = audit_entry("integrated", Some(State::Effective));
    audit.from_state = Some(State::PendingIntegration.id().into());
    StateChange {
        id: "SQ1".into(),
        expected_version: version,
        to: State::Effective,
        audit,
        event: NewEvent::new(EventKind::Effective),
    }
}

fn count(store: &SqliteStore, table: &str) -> i64 {
    store
        .connection()
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .expect("count")
}

#[test]
fn many_changes_are_written_together_or_not_at_all() {
    let (_dir, mut store) = store_with_one();
    approve_at(&mut store, 1).expect("approve");
    let (audit, events) = (count(&store, "audit"), count(&store, "events"));
    // The first change is good; the second is at a version that is not there: the
    // first must be rolled back with it.
    let bad_second = store.change_states(&mut [integrate(2), integrate(2)].into_iter());
    assert!(
        matches!(bad_second, Err(StoreError::Conflict { .. })),
        "{bad_second:?}"
    );
    let unknown = StateChange {
        id: "NOPE".into(),
        ..integrate(2)
    };
    let bad_unknown = store.change_states(&mut [integrate(2), unknown].into_iter());
    assert!(
        matches!(bad_unknown, Err(StoreError::NotFound(ref id)) if id == "NOPE"),
        "{bad_unknown:?}"
    );
    let stored = store.get("SQ1").expect("get").expect("SQ1");
    assert_eq!(
        (stored.state, stored.version),
        (State::PendingIntegration, 2)
    );
    assert_eq!(
        count(&store, "audit"),
        audit,
        "no audit entry of a rolled-back change"
    );
    assert_eq!(
        count(&store, "events"),
        events,
        "no event of a rolled-back change"
    );

    let written = store
        .change_states(&mut [integrate(2)].into_iter())
        .expect("written");
    assert_eq!(written, 1);
    assert_eq!(
        store.get("SQ1").expect("get").expect("SQ1").state,
        State::Effective
    );
    assert_eq!(count(&store, "events"), events + 1);
    assert_eq!(chain_len(&store) as i64, audit + 1);
}

#[test]
fn a_reopened_application_gets_its_derived_columns_and_reviewable_at_in_the_same_change() {
    let (_dir, mut store) = store_with_one();
    approve_at(&mut store, 1).expect("approve");
    let mut audit = audit_entry("reopen", Some(State::PendingReview));
    audit.from_state = Some(State::PendingIntegration.id().into());
    let due = DateTime::parse_from_rfc3339("2026-11-27T23:59:59+08:00").expect("due");
    let derived = Derived {
        due_at: due,
        failed: 0,
        manual: 1,
        policy_version: "test".into(),
    };
    let change = StateChange {
        id: "SQ1".into(),
        expected_version: 2,
        to: State::PendingReview,
        audit,
        event: NewEvent::new(EventKind::Reopened),
    };
    // At a stale version: nothing.
    let stale = StateChange {
        expected_version: 1,
        ..change.clone()
    };
    assert!(store.reopen(stale, &derived).is_err());
    store.reopen(change, &derived).expect("reopen");
    let stored = store.get("SQ1").expect("get").expect("SQ1");
    assert_eq!(stored.state, State::PendingReview);
    assert_eq!(stored.derived.due_at, due);
    let reviewable: String = store
        .connection()
        .query_row(
            "SELECT reviewable_at FROM applications WHERE id = 'SQ1'",
            [],
            |r| r.get(0),
        )
        .expect("reviewable_at");
    assert_eq!(reviewable, NOW);
}

#[test]
fn the_last_lead_is_never_removed_nor_demoted() {
    let (_dir, mut store) = store_with_one();
    let lead = |name: &str, lead: bool| Reviewer {
        name: name.into(),
        lead,
        added_at: now(),
        added_by: "lina".into(),
    };
    let team = |action: &str| NewAuditEntry {
        application_id: TEAM_AUDIT_ID.into(),
        revision: 0,
        from_state: None,
        to_state: None,
        ..audit_entry(action, None)
    };
    let audit = count(&store, "audit");
    // The first lead, as a new database's creator: no audit entry.
    store
        .put_reviewer(&lead("lina", true), None)
        .expect("first lead");
    store
        .put_reviewer(&lead("bob", false), Some(team("add_reviewer")))
        .expect("bob");
    assert_eq!(count(&store, "audit"), audit + 1);
    assert!(matches!(
        store.put_reviewer(&lead("lina", false), Some(team("change_reviewer"))),
        Err(StoreError::LastLead(ref n)) if n == "lina"
    ));
    assert!(matches!(
        store.remove_reviewer("lina", team("remove_reviewer")),
        Err(StoreError::LastLead(_))
    ));
    assert!(matches!(
        store.remove_reviewer("nobody", team("remove_reviewer")),
        Err(StoreError::UnknownReviewer(_))
    ));
    assert_eq!(count(&store, "audit"), audit + 1, "refusals write nothing");
    let names: Vec<(String, bool)> = store
        .reviewers()
        .expect("reviewers")
        .into_iter()
        .map(|r| (r.name, r.lead))
        .collect();
    assert_eq!(names, [("bob".into(), false), ("lina".into(), true)]);
    // With a second lead, the first may go.
    store
        .put_reviewer(&lead("bob", true), Some(team("change_reviewer")))
        .expect("bob lead");
    store
        .remove_reviewer("lina", team("remove_reviewer"))
        .expect("lina removed");
    assert_eq!(store.reviewers().expect("reviewers").len(), 1);
    assert_eq!(chain_len(&store) as i64, audit + 3);
}

#[test]
fn a_reviewers_own_claim_from_another_session_is_taken_over_anothers_is_not() {
    let (_dir, mut store) = store_with_one();
    let claim = |reviewer: &str, session: &str| Claim {
        application_id: "SQ1".into(),
        reviewer: reviewer.into(),
        session: session.into(),
        expires_at: now() + chrono::Duration::minutes(2),
    };
    assert_eq!(
        store.claim(&claim("wangwei", "s1"), now()).expect("claim"),
        None
    );
    // The same reviewer's new console (the old one's link dropped): theirs.
    assert_eq!(
        store.claim(&claim("wangwei", "s2"), now()).expect("claim"),
        None
    );
    assert_eq!(
        store
            .claim_of("SQ1", now())
            .expect("claim of")
            .map(|c| c.session),
        Some("s2".to_string())
    );
    // Another reviewer: refused, told who holds it.
    let held = store.claim(&claim("lina", "s3"), now()).expect("claim");
    assert_eq!(held.map(|c| c.reviewer), Some("wangwei".to_string()));
}

#[test]
fn drafts_are_kept_per_reviewer_replaced_and_discarded() {
    use shenhe_domain::drafts::{Draft, DraftKind};
    let (_dir, mut store) = store_with_one();
    let draft = |message: &str| Draft {
        kind: DraftKind::Return,
        reasons: vec!["other".into()],
        message: message.into(),
        note: String::new(),
        saved_at: now(),
    };
    assert_eq!(store.draft("wangwei", "SQ1").expect("draft"), None);
    store
        .save_draft("wangwei", "SQ1", &draft("第一"))
        .expect("save");
    store
        .save_draft("wangwei", "SQ1", &draft("第一行"))
        .expect("save");
    assert_eq!(
        store.draft("wangwei", "SQ1").expect("draft"),
        Some(draft("第一行"))
    );
    assert_eq!(
        store.draft("lina", "SQ1").expect("draft"),
        None,
        "only the author's"
    );
    store.discard_draft("wangwei", "SQ1").expect("discard");
    assert_eq!(store.draft("wangwei", "SQ1").expect("draft"), None);
    store
        .discard_draft("wangwei", "SQ1")
        .expect("none kept is no error");
    assert_eq!(
        chain_len(&store),
        1,
        "a draft is not a decision: no audit entry"
    );
}
