//! The store contract: every behaviour the [`Store`] trait promises, as functions generic
//! over a [`Harness`] that makes databases of one kind, so that ONE suite runs unchanged
//! against every store. [`store_contract!`](crate::store_contract) turns it into tests:
//! crates/store runs it on SQLite, crates/pg on a throwaway PostgreSQL server.
//!
//! The store is called directly, not through the review layer (which re-checks versions
//! first, so a fault in the store's compare-and-set would hide behind it). Races are here
//! too: several connections deciding, appending and claiming at once.

use chrono::{DateTime, FixedOffset};

use crate::audit::{AuditEntry, ChainVerifier, NewAuditEntry};
use crate::*;
use shenhe_domain::application::Application;
use shenhe_domain::checks::{CheckId, Judgement};
use shenhe_domain::events::EventKind;
use shenhe_domain::state::State;

mod search;
pub use search::a_search_finds_what_a_scan_of_the_rows_finds;

#[allow(dead_code)] // the contract uses `record` and `with`
mod fixtures {
    include!("../../../tests/shenhe/records.rs");
}

/// Makes databases of one kind and opens stores on them.
pub trait Harness: Sync {
    type S: Store + Send;
    /// A new, empty database (kept until the harness goes): its location.
    fn new_database(&self) -> String;
    /// A store (a connection of its own) on the database at `location`.
    fn open(&self, location: &str) -> Self::S;
    /// Raw SQL beside the store, as a person with a database shell would run it.
    fn execute(&self, store: &mut Self::S, sql: &str) -> Result<u64, String>;
}

/// Every test of the contract as `#[test]`s on `$harness`, an `Option<&H>` (None: the
/// store cannot be tested here, and the test passes having said so).
#[macro_export]
macro_rules! store_contract {
    ($harness:expr) => {
        $crate::store_contract!(@each $harness;
            reviewable_at_is_kept_and_an_accounts_effective_products_are_found,
            a_change_at_any_other_version_is_refused_and_writes_nothing,
            a_judgement_at_any_other_version_is_refused_and_writes_nothing,
            a_decision_ends_every_claim_on_the_application,
            claims_are_held_renewed_released_and_expire,
            an_import_dropped_uncommitted_writes_nothing,
            an_import_replaces_a_revision_and_keeps_the_previous_one,
            every_change_publishes_one_event_in_its_own_transaction,
            the_audit_trail_and_the_events_refuse_update_and_delete,
            the_trail_never_goes_back_in_time_whatever_the_clock_says,
            many_changes_are_written_together_or_not_at_all,
            a_reopened_application_gets_its_derived_columns_and_reviewable_at_in_the_same_change,
            the_last_lead_is_never_removed_nor_demoted,
            retries_count_until_an_advance_clears_them_and_the_position_never_goes_back,
            a_refused_event_is_recorded_with_the_advance_past_it,
            the_queue_pages_counts_sorts_and_searches,
            derived_columns_of_another_policy_are_walked_once_and_updated,
            meta_audit_head_history_and_probes_read_back,
            another_connections_commit_changes_the_data_version,
            a_race_of_decisions_at_one_version_has_one_winner,
            concurrent_appends_keep_one_unbroken_chain,
            a_race_of_claims_has_one_holder,
            a_reviewers_own_claim_from_another_session_is_taken_over_anothers_is_not,
            drafts_are_kept_per_reviewer_replaced_and_discarded,
            assignments_are_written_with_their_entry_and_event_all_or_nothing,
            saved_views_are_kept_per_reviewer_replaced_removed_and_in_order,
            decisions_are_read_between_since_and_until_in_time_order,
            the_stats_snapshot_counts_the_queue_and_the_intake,
            kept_counts_follow_every_write,
            kept_counts_survive_concurrent_decisions_and_new_due_times,
            // issue 16: the search (contract/search.rs)
            a_search_finds_what_a_scan_of_the_rows_finds
        );
    };
    (@each $harness:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                match $harness {
                    Some(h) => $crate::contract::$name(h),
                    None => eprintln!("{}: skipped (see above)", stringify!($name)),
                }
            }
        )*
    };
}

const NOW: &str = "2026-11-24T10:00:00+08:00";

fn now() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(NOW).expect("now")
}

fn app(id: &str, changes: &[(&str, serde_json::Value)]) -> Application {
    serde_json::from_value(fixtures::with(fixtures::record(id), changes))
        .expect("the fixture is an application")
}

fn derived_due(due_at: DateTime<FixedOffset>) -> Derived {
    Derived {
        due_at,
        failed: 0,
        manual: 1,
        policy_version: "test".into(),
    }
}

/// Applications written through the store's own import session, committed or dropped.
fn import<S: Store>(store: &mut S, apps: &[(Application, Derived)], commit: bool) {
    let mut session = store.begin_import().expect("begin import");
    for (app, derived) in apps {
        let body = serde_json::to_string(app).expect("serialise");
        session
            .insert(
                ImportRecord {
                    app,
                    body: &body,
                    group: "platform",
                    state: State::PendingReview,
                    revision: 1,
                    derived,
                    content_hash: "test",
                    reviewable_at: Some(app.submitted_at),
                },
                NewAuditEntry {
                    application_id: app.id.clone(),
                    actor: "importer".into(),
                    from_state: None,
                    ..audit_entry("submit", Some(State::PendingReview))
                },
                NewEvent::new(EventKind::Received),
            )
            .expect("insert");
    }
    if commit {
        session.commit().expect("commit");
    }
}

fn import_sq1<S: Store>(store: &mut S, commit: bool) {
    import(store, &[(app("SQ1", &[]), derived_due(now()))], commit);
}

/// A database holding SQ1, pending review at version 1: its location and a store on it.
fn store_with_one<H: Harness>(h: &H) -> (String, H::S) {
    let location = h.new_database();
    let mut store = h.open(&location);
    import_sq1(&mut store, true);
    let stored = store.get("SQ1").expect("get").expect("SQ1");
    assert_eq!((stored.state, stored.version), (State::PendingReview, 1));
    (location, store)
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

fn approve_at<S: Store>(store: &mut S, version: i64) -> StoreResult<AuditEntry> {
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

fn chain_len<S: Store>(store: &S) -> usize {
    let mut n = 0;
    store
        .audit_chain(&mut |_| {
            n += 1;
            true
        })
        .expect("chain");
    n
}

/// The chain verified from genesis: how many entries.
fn verified<S: Store>(store: &S) -> u64 {
    let mut v = ChainVerifier::default();
    store.audit_chain(&mut |e| v.feed(e)).expect("chain");
    assert_eq!(v.broken, None, "the chain holds");
    v.checked
}

fn event_count<S: Store>(store: &S) -> u64 {
    store.count_events_after(0).expect("events")
}

pub fn reviewable_at_is_kept_and_an_accounts_effective_products_are_found<H: Harness>(h: &H) {
    let (_db, mut store) = store_with_one(h);
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

pub fn a_change_at_any_other_version_is_refused_and_writes_nothing<H: Harness>(h: &H) {
    let (_db, mut store) = store_with_one(h);
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

pub fn a_judgement_at_any_other_version_is_refused_and_writes_nothing<H: Harness>(h: &H) {
    let (_db, mut store) = store_with_one(h);
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
        vec![judgement.clone()]
    );
    // Judged again: the judgement is replaced, not added.
    let again = Judgement {
        passed: false,
        note: None,
        ..judgement
    };
    store
        .judge("SQ1", 2, 1, &again, &derived, audit_entry("judge", None))
        .expect("again");
    assert_eq!(store.judgements("SQ1", 1).expect("judgements"), vec![again]);
    assert!(store.judgements("SQ1", 2).expect("judgements").is_empty());
    assert_eq!(store.get("SQ1").expect("get").expect("SQ1").version, 3);
    assert_eq!(verified(&store), 3);
}

fn claim(reviewer: &str, session: &str, minutes: i64) -> Claim {
    Claim {
        application_id: "SQ1".into(),
        reviewer: reviewer.into(),
        session: session.into(),
        expires_at: now() + chrono::Duration::minutes(minutes),
    }
}

pub fn a_decision_ends_every_claim_on_the_application<H: Harness>(h: &H) {
    let (_db, mut store) = store_with_one(h);
    let c = claim("wangwei", "s1", 2);
    assert_eq!(store.claim(&c, now()).expect("claim"), None);
    assert_eq!(store.claim_of("SQ1", now()).expect("claim of"), Some(c));
    approve_at(&mut store, 1).expect("approve");
    assert_eq!(store.claim_of("SQ1", now()).expect("claim of"), None);
}

pub fn claims_are_held_renewed_released_and_expire<H: Harness>(h: &H) {
    let (_db, mut store) = store_with_one(h);
    let mine = claim("wangwei", "s1", 2);
    assert_eq!(store.claim(&mine, now()).expect("claim"), None);
    // Another session is told who holds it, and does not get it.
    let theirs = claim("lina", "s2", 2);
    assert_eq!(
        store.claim(&theirs, now()).expect("claim"),
        Some(mine.clone())
    );
    // The holder renews it.
    let renewed = claim("wangwei", "s1", 5);
    assert_eq!(store.claim(&renewed, now()).expect("renew"), None);
    assert_eq!(
        store.claim_of("SQ1", now()).expect("of"),
        Some(renewed.clone())
    );
    // Past its end it is nobody's, and another may take it.
    let later = now() + chrono::Duration::minutes(6);
    assert_eq!(store.claim_of("SQ1", later).expect("of"), None);
    let page = store
        .page(&QueueQuery::default(), 0, 10, now())
        .expect("page");
    assert_eq!(
        page[0].claimed_by.as_deref(),
        Some("wangwei"),
        "a live claim shows in the queue"
    );
    let page = store
        .page(&QueueQuery::default(), 0, 10, later)
        .expect("page");
    assert_eq!(page[0].claimed_by, None, "an expired one does not");
    let taken = Claim {
        expires_at: later + chrono::Duration::minutes(2),
        ..theirs.clone()
    };
    assert_eq!(store.claim(&taken, later).expect("take"), None);
    // Another session's release does nothing; the holder's ends it.
    store.release("SQ1", "s1").expect("release");
    assert_eq!(store.claim_of("SQ1", later).expect("of"), Some(taken));
    store.release("SQ1", "s2").expect("release");
    assert_eq!(store.claim_of("SQ1", later).expect("of"), None);
}

pub fn an_import_dropped_uncommitted_writes_nothing<H: Harness>(h: &H) {
    let location = h.new_database();
    let mut store = h.open(&location);
    import_sq1(&mut store, false);
    assert!(store.get("SQ1").expect("get").is_none());
    assert_eq!(chain_len(&store), 0);
    assert_eq!(store.last_event_id().expect("last"), 0);
    // The same store goes on working, and another sees nothing either.
    import_sq1(&mut store, true);
    assert_eq!(chain_len(&h.open(&location)), 1);
}

pub fn an_import_replaces_a_revision_and_keeps_the_previous_one<H: Harness>(h: &H) {
    let (_db, mut store) = store_with_one(h);
    let second = app("SQ1", &[("/plan", serde_json::json!("package_3600"))]);
    let body = serde_json::to_string(&second).expect("serialise");
    let due = now() + chrono::Duration::days(3);
    let derived = derived_due(due);
    let mut session = store.begin_import().expect("begin");
    let existing = session
        .existing("SQ1")
        .expect("existing")
        .expect("SQ1 is there");
    assert_eq!(
        (existing.state, existing.revision, existing.version),
        (State::PendingReview, 1, 1)
    );
    assert_eq!(existing.content_hash, "test");
    assert_eq!(session.existing("NEW").expect("existing"), None);
    session
        .replace(
            ImportRecord {
                app: &second,
                body: &body,
                group: "platform",
                state: State::PendingReview,
                revision: 2,
                derived: &derived,
                content_hash: "second",
                reviewable_at: None,
            },
            NewAuditEntry {
                revision: 2,
                actor: "importer".into(),
                ..audit_entry("resubmit", Some(State::PendingReview))
            },
            NewEvent::new(EventKind::Resubmitted),
        )
        .expect("replace");
    // A new one in the same session, then asked about: it is seen.
    import_in(&mut *session, "SQ2");
    assert!(session.existing("SQ2").expect("existing").is_some());
    session.commit().expect("commit");
    let stored = store.get("SQ1").expect("get").expect("SQ1");
    assert_eq!((stored.revision, stored.version), (2, 2));
    assert_eq!(stored.app.plan, "package_3600");
    // The replaced revision is kept, readable as it was; the current one is not "kept".
    let kept = store
        .previous_revision("SQ1", 1)
        .expect("kept")
        .expect("revision 1");
    assert_eq!(
        (kept.id.as_str(), kept.plan.as_str()),
        ("SQ1", "package_600")
    );
    assert_eq!(store.previous_revision("SQ1", 2).expect("current"), None);
    assert_eq!(
        store.previous_revision("SQ2", 1).expect("never replaced"),
        None
    );
    assert_eq!(stored.derived.due_at, due);
    assert_eq!(stored.reviewable_at, None);
    assert_eq!(store.get("SQ2").expect("get").expect("SQ2").version, 1);
    assert_eq!(verified(&store), 3);
    let events = store.events_after(0, 10).expect("events");
    assert_eq!(
        events
            .iter()
            .map(|e| (e.id, e.application_id.as_str(), e.revision))
            .collect::<Vec<_>>(),
        [(1, "SQ1", 1), (2, "SQ1", 2), (3, "SQ2", 1)]
    );
}

fn import_in(session: &mut dyn ImportSession, id: &str) {
    let a = app(id, &[]);
    let body = serde_json::to_string(&a).expect("serialise");
    let derived = derived_due(now());
    session
        .insert(
            ImportRecord {
                app: &a,
                body: &body,
                group: "platform",
                state: State::PendingReview,
                revision: 1,
                derived: &derived,
                content_hash: "test",
                reviewable_at: Some(a.submitted_at),
            },
            NewAuditEntry {
                application_id: id.into(),
                actor: "importer".into(),
                from_state: None,
                ..audit_entry("submit", Some(State::PendingReview))
            },
            NewEvent::new(EventKind::Received),
        )
        .expect("insert");
}

pub fn every_change_publishes_one_event_in_its_own_transaction<H: Harness>(h: &H) {
    let location = h.new_database();
    let mut store = h.open(&location);
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
    assert_eq!(events[1].occurred_at, now());
    assert_eq!(events[1].occurred_at.offset().local_minus_utc(), 8 * 3600);
    // Each event names its audit entry, and the entry is there with that hash.
    for e in &events {
        assert_eq!(
            store.audit_hash_at(e.audit_seq).expect("hash"),
            Some(e.audit_hash.clone())
        );
    }
    assert_eq!(store.events_after(1, 10).expect("after 1")[0].id, 2);
    assert_eq!(store.events_after(0, 1).expect("limit").len(), 1);
    assert!(
        store
            .events_after(2, 10)
            .expect("after the last")
            .is_empty()
    );
    assert_eq!(store.count_events_after(1).expect("count"), 1);
    assert_eq!(
        store.audit_disagreements(10).expect("disagreements"),
        vec![]
    );
}

pub fn the_audit_trail_and_the_events_refuse_update_and_delete<H: Harness>(h: &H) {
    let (_db, mut store) = store_with_one(h);
    approve_at(&mut store, 1).expect("approve");
    for sql in [
        "UPDATE audit SET actor = 'mallory'",
        "DELETE FROM audit",
        "UPDATE events SET actor = 'x'",
        "DELETE FROM events",
    ] {
        let err = h.execute(&mut store, sql).expect_err(sql);
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(verified(&store), 2);
    assert_eq!(event_count(&store), 2);
    // A row changed beside the trail is found by replaying it.
    h.execute(
        &mut store,
        "UPDATE applications SET state = 'effective' WHERE id = 'SQ1'",
    )
    .expect("tamper");
    let found = store.audit_disagreements(10).expect("disagreements");
    assert_eq!(
        found,
        vec![Disagreement::Application {
            id: "SQ1".into(),
            field: "state",
            stored: "effective".into(),
            replayed: "pending_integration".into(),
        }]
    );
}

pub fn the_trail_never_goes_back_in_time_whatever_the_clock_says<H: Harness>(h: &H) {
    let (_db, mut store) = store_with_one(h);
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
    assert_eq!(
        store.get("SQ1").expect("get").expect("SQ1").changed_at,
        now()
    );
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
    assert_eq!(verified(&store), 4);
}

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

pub fn many_changes_are_written_together_or_not_at_all<H: Harness>(h: &H) {
    let (_db, mut store) = store_with_one(h);
    approve_at(&mut store, 1).expect("approve");
    let (audit, events) = (chain_len(&store), event_count(&store));
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
        chain_len(&store),
        audit,
        "no audit entry of a rolled-back change"
    );
    assert_eq!(
        event_count(&store),
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
    assert_eq!(event_count(&store), events + 1);
    assert_eq!(chain_len(&store), audit + 1);
}

pub fn a_reopened_application_gets_its_derived_columns_and_reviewable_at_in_the_same_change<
    H: Harness,
>(
    h: &H,
) {
    let (_db, mut store) = store_with_one(h);
    approve_at(&mut store, 1).expect("approve");
    let mut audit = audit_entry("reopen", Some(State::PendingReview));
    audit.from_state = Some(State::PendingIntegration.id().into());
    let due = DateTime::parse_from_rfc3339("2026-11-27T23:59:59+08:00").expect("due");
    let derived = derived_due(due);
    let change = StateChange {
        id: "SQ1".into(),
        expected_version: 2,
        to: State::PendingReview,
        audit,
        event: NewEvent::new(EventKind::Reopened),
    };
    let stale = StateChange {
        expected_version: 1,
        ..change.clone()
    };
    assert!(store.reopen(stale, &derived).is_err());
    store.reopen(change, &derived).expect("reopen");
    let stored = store.get("SQ1").expect("get").expect("SQ1");
    assert_eq!(stored.state, State::PendingReview);
    assert_eq!(stored.derived.due_at, due);
    assert_eq!(stored.reviewable_at, Some(now()));
}

pub fn the_last_lead_is_never_removed_nor_demoted<H: Harness>(h: &H) {
    let (_db, mut store) = store_with_one(h);
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
    let audit = chain_len(&store);
    store
        .put_reviewer(&lead("lina", true), None)
        .expect("first lead");
    store
        .put_reviewer(&lead("bob", false), Some(team("add_reviewer")))
        .expect("bob");
    assert_eq!(chain_len(&store), audit + 1);
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
    assert_eq!(chain_len(&store), audit + 1, "refusals write nothing");
    let names: Vec<(String, bool)> = store
        .reviewers()
        .expect("reviewers")
        .into_iter()
        .map(|r| (r.name, r.lead))
        .collect();
    assert_eq!(names, [("bob".into(), false), ("lina".into(), true)]);
    assert_eq!(store.reviewers().expect("reviewers")[1].added_at, now());
    store
        .put_reviewer(&lead("bob", true), Some(team("change_reviewer")))
        .expect("bob lead");
    store
        .remove_reviewer("lina", team("remove_reviewer"))
        .expect("lina removed");
    assert_eq!(store.reviewers().expect("reviewers").len(), 1);
    assert_eq!(chain_len(&store), audit + 3);
    assert_eq!(
        store.audit_disagreements(10).expect("disagreements"),
        vec![]
    );
}

const URL: &str = "http://127.0.0.1:9/hook";

fn at(minutes: i64) -> DateTime<FixedOffset> {
    now() + chrono::Duration::minutes(minutes)
}

pub fn retries_count_until_an_advance_clears_them_and_the_position_never_goes_back<H: Harness>(
    h: &H,
) {
    let mut store = h.open(&h.new_database());
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
    store
        .delivery_retry(URL, 0, "timeout", at(4))
        .expect("retry");
    assert_eq!(store.delivery(URL).expect("read").expect("row").position, 5);
    assert_eq!(store.deliveries().expect("all").len(), 1);
}

pub fn a_refused_event_is_recorded_with_the_advance_past_it<H: Harness>(h: &H) {
    let mut store = h.open(&h.new_database());
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

/// Five applications with distinct merchants, due times and submissions.
fn five<S: Store>(store: &mut S) {
    let merchants = ["b 乙商贸", "A Alpha", "c 丙", "a alpha 2", "Z 100%_off"];
    let apps: Vec<(Application, Derived)> = (0..5)
        .map(|i| {
            let id = format!("Q{i}");
            let submitted = format!("2026-11-{:02}T10:00:00+08:00", 10 + (i * 3) % 5);
            let a = app(
                &id,
                &[
                    ("/submitted_at", serde_json::json!(submitted)),
                    (
                        "/applicant",
                        serde_json::json!({
                            "kind": "enterprise", "name": merchants[i], "account": format!("acct{i}@x.com"),
                            "verified": true, "legal_representative": "王", "contact": "王",
                            "security": ["digital_certificate"]
                        }),
                    ),
                ],
            );
            // Due in reverse order of the ids.
            (a, derived_due(now() + chrono::Duration::hours(10 - i as i64)))
        })
        .collect();
    import(store, &apps, true);
}

pub fn the_queue_pages_counts_sorts_and_searches<H: Harness>(h: &H) {
    let mut store = h.open(&h.new_database());
    five(&mut store);
    let ids = |rows: Vec<QueueRow>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let all = QueueQuery::default();
    assert_eq!(
        ids(store.page(&all, 0, 10, now()).expect("page")),
        ["Q4", "Q3", "Q2", "Q1", "Q0"]
    );
    assert_eq!(
        ids(store.page(&all, 1, 2, now()).expect("page")),
        ["Q3", "Q2"]
    );
    assert_eq!(ids(store.page(&all, 4, 10, now()).expect("page")), ["Q0"]);
    assert!(
        store
            .page(&all, u64::MAX, 10, now())
            .expect("page")
            .is_empty()
    );
    let desc = QueueQuery {
        descending: true,
        ..all.clone()
    };
    assert_eq!(
        ids(store.page(&desc, 0, 2, now()).expect("page")),
        ["Q0", "Q1"]
    );
    // Merchants in pinyin order, Latin letters in either case (shenhe_domain::sortkey).
    let by_merchant = QueueQuery {
        sort: SortKey::Merchant,
        ..all.clone()
    };
    assert_eq!(
        ids(store.page(&by_merchant, 0, 10, now()).expect("page")),
        ["Q1", "Q3", "Q0", "Q2", "Q4"]
    );
    let by_submission = QueueQuery {
        sort: SortKey::Submitted,
        ..all.clone()
    };
    // Submitted on the 10th, 13th, 11th, 14th, 12th.
    assert_eq!(
        ids(store.page(&by_submission, 0, 10, now()).expect("page")),
        ["Q0", "Q2", "Q4", "Q1", "Q3"]
    );
    // Search: any case, in the merchant, the id or the account; % and _ are literal.
    let search = |text: &str| QueueQuery {
        search: Some(text.into()),
        ..all.clone()
    };
    assert_eq!(
        ids(store.page(&search("ALPHA"), 0, 10, now()).expect("page")),
        ["Q3", "Q1"]
    );
    assert_eq!(store.count(&search("alpha")).expect("count"), 2);
    assert_eq!(store.count(&search("100%_")).expect("count"), 1);
    assert_eq!(store.count(&search("0%")).expect("count"), 1);
    assert_eq!(store.count(&search("_")).expect("count"), 1);
    assert_eq!(store.count(&search("acct2@")).expect("count"), 1);
    assert_eq!(store.count(&search("q4")).expect("count"), 1);
    assert_eq!(store.count(&search("乙")).expect("count"), 1);
    // An id by its start only; one or two characters in the merchant's name only.
    assert_eq!(
        store.count(&search("q")).expect("count"),
        5,
        "every id starts with Q"
    );
    assert_eq!(
        store.count(&search("1")).expect("count"),
        1,
        "Z 100%_off, not Q1"
    );
    assert_eq!(store.count(&search("al")).expect("count"), 2);
    assert_eq!(
        store.count(&search("cct")).expect("count"),
        5,
        "every account"
    );
    assert_eq!(store.count(&search("x.c")).expect("count"), 5);
    // One decided: the state filter and the counts.
    store
        .change_state(
            StateChange {
                id: "Q4".into(),
                expected_version: 1,
                to: State::Returned,
                audit: NewAuditEntry {
                    application_id: "Q4".into(),
                    ..audit_entry("return", Some(State::Returned))
                },
                event: NewEvent::new(EventKind::Returned),
            },
            None,
        )
        .expect("return");
    let pending = QueueQuery {
        states: vec![State::PendingReview],
        ..all.clone()
    };
    assert_eq!(store.count(&pending).expect("count"), 4);
    assert_eq!(store.count(&all).expect("count"), 5);
    let returned = QueueQuery {
        states: vec![State::Returned, State::Effective],
        ..all.clone()
    };
    assert_eq!(
        ids(store.page(&returned, 0, 10, now()).expect("page")),
        ["Q4"]
    );
    let overdue = QueueQuery {
        due_before: Some(now() + chrono::Duration::hours(8)),
        ..pending.clone()
    };
    assert_eq!(
        ids(store.page(&overdue, 0, 10, now()).expect("page")),
        ["Q3"]
    );
    let later = QueueQuery {
        due_from: Some(now() + chrono::Duration::hours(9)),
        ..pending.clone()
    };
    assert_eq!(store.count(&later).expect("count"), 2);
    let early = QueueQuery {
        submitted_before: Some(
            DateTime::parse_from_rfc3339("2026-11-12T00:00:00+08:00").expect("t"),
        ),
        ..all.clone()
    };
    assert_eq!(store.count(&early).expect("count"), 2);
    let product = QueueQuery {
        product: Some("platform_instant".into()),
        group: Some("platform".into()),
        ..all.clone()
    };
    assert_eq!(store.count(&product).expect("count"), 5);
    let failing = QueueQuery {
        failing: true,
        ..all.clone()
    };
    assert_eq!(store.count(&failing).expect("count"), 0);
    let counts = store
        .counts(CountBounds {
            now: now() + chrono::Duration::hours(8),
            end_of_today: now() + chrono::Duration::hours(9),
            verification_cutoff: now(),
        })
        .expect("counts");
    assert_eq!(
        counts,
        QueueCounts {
            pending_review: 4,
            overdue: 1,
            due_today: 2,
            pending_verification: 0,
            verification_lapsed: 0,
        }
    );
}

pub fn derived_columns_of_another_policy_are_walked_once_and_updated<H: Harness>(h: &H) {
    let mut store = h.open(&h.new_database());
    five(&mut store);
    let first = store.stale_derived("v2", None, 3).expect("walk");
    let ids: Vec<&str> = first.iter().map(|s| s.app.id.as_str()).collect();
    assert_eq!(ids, ["Q0", "Q1", "Q2"]);
    let rest = store.stale_derived("v2", Some("Q2"), 3).expect("walk");
    assert_eq!(
        rest.iter().map(|s| s.app.id.as_str()).collect::<Vec<_>>(),
        ["Q3", "Q4"]
    );
    let due = now() + chrono::Duration::days(9);
    let updates: Vec<(String, Derived)> = ["Q0", "Q3"]
        .iter()
        .map(|id| {
            (
                id.to_string(),
                Derived {
                    due_at: due,
                    failed: 2,
                    manual: 0,
                    policy_version: "v2".into(),
                },
            )
        })
        .collect();
    store.update_derived(&updates).expect("update");
    let left = store.stale_derived("v2", None, 10).expect("walk");
    assert_eq!(
        left.iter().map(|s| s.app.id.as_str()).collect::<Vec<_>>(),
        ["Q1", "Q2", "Q4"]
    );
    let q3 = store.get("Q3").expect("get").expect("Q3");
    assert_eq!(
        (q3.derived.due_at, q3.derived.failed, q3.derived.manual),
        (due, 2, 0)
    );
    assert_eq!(q3.version, 1, "derived columns are not a change");
    let failing = QueueQuery {
        failing: true,
        ..QueueQuery::default()
    };
    assert_eq!(store.count(&failing).expect("count"), 2);
}

pub fn meta_audit_head_history_and_probes_read_back<H: Harness>(h: &H) {
    let location = h.new_database();
    let mut store = h.open(&location);
    assert_eq!(store.audit_head().expect("head"), None);
    assert_eq!(store.meta("k").expect("meta"), None);
    store.set_meta("k", "1").expect("set");
    store.set_meta("k", "2").expect("set");
    assert_eq!(store.meta("k").expect("meta").as_deref(), Some("2"));
    import_sq1(&mut store, true);
    let entry = approve_at(&mut store, 1).expect("approve");
    assert_eq!(
        store.audit_head().expect("head"),
        Some((2, entry.hash.clone()))
    );
    assert_eq!(
        store.audit_hash_at(2).expect("hash"),
        Some(entry.hash.clone())
    );
    assert_eq!(store.audit_hash_at(3).expect("hash"), None);
    let history = store.history("SQ1").expect("history");
    assert_eq!(
        history
            .iter()
            .map(|e| e.entry.action.as_str())
            .collect::<Vec<_>>(),
        ["submit", "approve"]
    );
    assert_eq!(history[1], entry);
    assert!(store.history("NOPE").expect("history").is_empty());
    // Probes: the newest is the one read; an application probed at its revision is not
    // waiting for one.
    let mut other = h.open(&location);
    let mut second = h.open(&location);
    import(&mut second, &[(app("SQ2", &[]), derived_due(now()))], true);
    assert_eq!(
        other.unprobed(10).expect("unprobed"),
        vec![("SQ2".to_string(), 1)]
    );
    let probe = |title: &str| ProbeRecord {
        application_id: "SQ2".into(),
        revision: 1,
        fetched_at: now(),
        url: "https://www.yunqi-tech.com".into(),
        status: Some(200),
        final_url: "https://www.yunqi-tech.com/".into(),
        tls_ok: Some(true),
        elapsed_ms: 120,
        title: Some(title.into()),
        footer_icp: None,
        error: None,
        findings: vec![],
    };
    other.record_probe(&probe("first")).expect("probe");
    other.record_probe(&probe("second")).expect("probe");
    assert_eq!(
        store.latest_probe("SQ2").expect("latest"),
        Some(probe("second"))
    );
    assert_eq!(store.latest_probe("SQ1").expect("latest"), None);
    assert!(store.unprobed(10).expect("unprobed").is_empty());
}

pub fn another_connections_commit_changes_the_data_version<H: Harness>(h: &H) {
    let (location, mut store) = store_with_one(h);
    let watcher = h.open(&location);
    let before = watcher.data_version().expect("version");
    assert_eq!(
        watcher.data_version().expect("version"),
        before,
        "nothing written"
    );
    approve_at(&mut store, 1).expect("approve");
    // A notification may take a moment to arrive: poll, with a deadline.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while watcher.data_version().expect("version") == before {
        assert!(
            std::time::Instant::now() < deadline,
            "the commit was never seen"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// Six connections decide SQ1 at version 1 at once: one wins, five are told who did.
pub fn a_race_of_decisions_at_one_version_has_one_winner<H: Harness>(h: &H) {
    let (location, store) = store_with_one(h);
    drop(store);
    let barrier = std::sync::Barrier::new(6);
    let results: Vec<StoreResult<AuditEntry>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..6)
            .map(|i| {
                let (barrier, location) = (&barrier, &location);
                scope.spawn(move || {
                    let mut store = h.open(location);
                    barrier.wait();
                    store.change_state(
                        StateChange {
                            id: "SQ1".into(),
                            expected_version: 1,
                            to: State::PendingIntegration,
                            audit: NewAuditEntry {
                                actor: format!("r{i}"),
                                ..audit_entry("approve", Some(State::PendingIntegration))
                            },
                            event: NewEvent::new(EventKind::Approved),
                        },
                        None,
                    )
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|t| t.join().expect("thread"))
            .collect()
    });
    let winners: Vec<&AuditEntry> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    let winner = winners[0].entry.actor.clone();
    for r in &results {
        if let Err(e) = r {
            assert!(
                matches!(e, StoreError::Conflict { by, .. } if *by == winner),
                "{e:?}"
            );
        }
    }
    let store = h.open(&location);
    assert_eq!(store.get("SQ1").expect("get").expect("SQ1").version, 2);
    assert_eq!(verified(&store), 2);
    assert_eq!(event_count(&store), 2);
}

/// Four connections append 25 entries each at once: one chain, no gaps, no forks, and the
/// events in commit order naming their entries.
pub fn concurrent_appends_keep_one_unbroken_chain<H: Harness>(h: &H) {
    let location = h.new_database();
    let mut store = h.open(&location);
    let apps: Vec<(Application, Derived)> = (0..4)
        .map(|i| (app(&format!("R{i}"), &[]), derived_due(now())))
        .collect();
    import(&mut store, &apps, true);
    std::thread::scope(|scope| {
        for i in 0..4 {
            let location = &location;
            scope.spawn(move || {
                let mut store = h.open(location);
                let id = format!("R{i}");
                for n in 0..25 {
                    if n % 2 == 0 {
                        store
                            .record(NewAuditEntry {
                                application_id: id.clone(),
                                ..audit_entry("reveal_password", None)
                            })
                            .expect("record");
                    } else {
                        // Back and forth between two states, each a change with an event.
                        let to = if n % 4 == 1 {
                            State::PendingSecondApproval
                        } else {
                            State::PendingReview
                        };
                        let version = store.get(&id).expect("get").expect("app").version;
                        store
                            .change_state(
                                StateChange {
                                    id: id.clone(),
                                    expected_version: version,
                                    to,
                                    audit: NewAuditEntry {
                                        application_id: id.clone(),
                                        ..audit_entry("approve", Some(to))
                                    },
                                    event: NewEvent::new(EventKind::Approved),
                                },
                                None,
                            )
                            .expect("change");
                    }
                }
            });
        }
    });
    assert_eq!(verified(&store), 4 + 100);
    let events = store.events_after(0, 1000).expect("events");
    assert_eq!(events.len(), 4 + 4 * 12);
    let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
    assert_eq!(ids, (1..=52).collect::<Vec<_>>(), "event ids without gaps");
    let seqs: Vec<i64> = events.iter().map(|e| e.audit_seq).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "events in the order of their entries"
    );
    assert_eq!(
        store.audit_disagreements(10).expect("disagreements"),
        vec![]
    );
}

/// Six sessions claim SQ1 at once: one holds it, the others are told it is theirs.
pub fn a_race_of_claims_has_one_holder<H: Harness>(h: &H) {
    let (location, store) = store_with_one(h);
    drop(store);
    let barrier = std::sync::Barrier::new(6);
    let results: Vec<Option<Claim>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..6)
            .map(|i| {
                let (barrier, location) = (&barrier, &location);
                scope.spawn(move || {
                    let mut store = h.open(location);
                    barrier.wait();
                    store
                        .claim(&claim(&format!("r{i}"), &format!("s{i}"), 2), now())
                        .expect("claim")
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|t| t.join().expect("thread"))
            .collect()
    });
    let holders = results.iter().filter(|r| r.is_none()).count();
    assert_eq!(holders, 1, "{results:?}");
    let held = h
        .open(&location)
        .claim_of("SQ1", now())
        .expect("of")
        .expect("held");
    for r in results.iter().flatten() {
        assert_eq!(r, &held);
    }
}

pub fn a_reviewers_own_claim_from_another_session_is_taken_over_anothers_is_not<H: Harness>(h: &H) {
    let (_db, mut store) = store_with_one(h);
    assert_eq!(
        store
            .claim(&claim("wangwei", "s1", 2), now())
            .expect("claim"),
        None
    );
    // The same reviewer's new console (the old one's link dropped): theirs.
    assert_eq!(
        store
            .claim(&claim("wangwei", "s2", 2), now())
            .expect("claim"),
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
    let held = store.claim(&claim("lina", "s3", 2), now()).expect("claim");
    assert_eq!(held.map(|c| c.reviewer), Some("wangwei".to_string()));
}

pub fn drafts_are_kept_per_reviewer_replaced_and_discarded<H: Harness>(h: &H) {
    use shenhe_domain::drafts::{Draft, DraftKind};
    let (_db, mut store) = store_with_one(h);
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

// ---- the lead's console (issue 14): assignments, saved views, decisions, statistics ----

fn instant(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).expect("an instant")
}

fn assignment(id: &str, reviewer: &str) -> NewAssignment {
    NewAssignment {
        id: id.into(),
        reviewer: reviewer.into(),
        audit: NewAuditEntry {
            application_id: id.into(),
            revision: 0,
            from_state: None,
            to_state: None,
            detail: Some(reviewer.into()),
            actor: "boss".into(),
            ..audit_entry("assign", None)
        },
        event: NewEvent {
            data: serde_json::json!({ "reviewer": reviewer }),
            ..NewEvent::new(EventKind::Assigned)
        },
    }
}

/// A decision on `id`: `to` by `action` at `at`, from pending review (version 1).
fn decide<S: Store>(
    store: &mut S,
    id: &str,
    to: State,
    action: &str,
    kind: EventKind,
    at: DateTime<FixedOffset>,
) -> AuditEntry {
    let version = store.get(id).expect("get").expect("kept").version;
    store
        .change_state(
            StateChange {
                id: id.into(),
                expected_version: version,
                to,
                audit: NewAuditEntry {
                    application_id: id.into(),
                    at,
                    reasons: if action == "return" {
                        vec!["website_unreachable".into()]
                    } else {
                        vec![]
                    },
                    message: (action == "return").then(|| "网站打不开".to_string()),
                    ..audit_entry(action, Some(to))
                },
                event: NewEvent::new(kind),
            },
            None,
        )
        .expect("decided")
}

pub fn assignments_are_written_with_their_entry_and_event_all_or_nothing<H: Harness>(h: &H) {
    let mut store = h.open(&h.new_database());
    five(&mut store);
    let (entries, events) = (chain_len(&store), event_count(&store));
    assert_eq!((entries, events), (5, 5));

    // An unknown id anywhere in the batch: nothing at all is written.
    match store.assign(&[assignment("Q1", "lina"), assignment("NOPE", "lina")]) {
        Err(StoreError::NotFound(id)) => assert_eq!(id, "NOPE"),
        other => panic!("expected NotFound, got {other:?}"),
    }
    assert_eq!(store.assignee("Q1").expect("assignee"), None);
    assert_eq!((chain_len(&store), event_count(&store)), (5, 5));

    let written = store
        .assign(&[
            assignment("Q1", "lina"),
            assignment("Q3", "lina"),
            assignment("Q2", "wang"),
        ])
        .expect("assigned");
    assert_eq!(written, 3);
    assert_eq!(
        store.assignee("Q1").expect("assignee").as_deref(),
        Some("lina")
    );
    assert_eq!(
        store.assignee("Q2").expect("assignee").as_deref(),
        Some("wang")
    );
    assert_eq!(store.assignee("Q0").expect("assignee"), None);
    assert_eq!(store.assignee("NOPE").expect("assignee"), None);
    assert_eq!(
        verified(&store),
        8,
        "one entry an assignment, the chain unbroken"
    );
    let events = store.events_after(5, 10).expect("events");
    assert_eq!(events.len(), 3, "one event an assignment");
    let mut seqs = Vec::new();
    for (e, id) in events.iter().zip(["Q1", "Q3", "Q2"]) {
        assert_eq!(e.kind, EventKind::Assigned);
        assert_eq!(e.application_id, id);
        assert_eq!(
            (e.previous_state, e.state, e.revision),
            (Some(State::PendingReview), State::PendingReview, 1),
            "the state it stays in"
        );
        assert_eq!(e.actor, "boss");
        seqs.push(e.audit_seq);
        assert_eq!(
            store.audit_hash_at(e.audit_seq).expect("hash").as_deref(),
            Some(e.audit_hash.as_str())
        );
    }
    assert_eq!(seqs, [6, 7, 8]);
    let last = store
        .history("Q2")
        .expect("history")
        .pop()
        .expect("an entry");
    assert_eq!(
        (
            last.entry.action.as_str(),
            last.entry.actor.as_str(),
            last.entry.revision
        ),
        ("assign", "boss", 1)
    );
    assert_eq!((last.entry.from_state, last.entry.to_state), (None, None));
    let stored = store.get("Q2").expect("get").expect("Q2");
    assert_eq!(
        (stored.state, stored.version),
        (State::PendingReview, 1),
        "an assignment changes neither the state nor the version"
    );
    assert!(
        store
            .audit_disagreements(10)
            .expect("disagreements")
            .is_empty()
    );

    // Assigned again: replaced, with an entry and an event of its own.
    store.assign(&[assignment("Q1", "wang")]).expect("again");
    assert_eq!(
        store.assignee("Q1").expect("assignee").as_deref(),
        Some("wang")
    );
    assert_eq!((chain_len(&store), event_count(&store)), (9, 9));

    // The queue of one reviewer: in the page and in the count, with other filters too.
    let ids = |rows: Vec<QueueRow>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
    let of = |who: &str| QueueQuery {
        assigned_to: Some(who.into()),
        ..QueueQuery::default()
    };
    assert_eq!(
        ids(store.page(&of("lina"), 0, 10, now()).expect("page")),
        ["Q3"]
    );
    assert_eq!(store.count(&of("lina")).expect("count"), 1);
    assert_eq!(
        ids(store.page(&of("wang"), 0, 10, now()).expect("page")),
        ["Q2", "Q1"]
    );
    assert_eq!(store.count(&of("wang")).expect("count"), 2);
    assert!(
        store
            .page(&of("nobody"), 0, 10, now())
            .expect("page")
            .is_empty()
    );
    assert_eq!(store.count(&of("nobody")).expect("count"), 0);
    let reviewing = QueueQuery {
        states: vec![State::PendingReview, State::PendingSecondApproval],
        descending: true,
        ..of("wang")
    };
    assert_eq!(
        ids(store.page(&reviewing, 0, 10, now()).expect("page")),
        ["Q1", "Q2"]
    );
    assert_eq!(store.count(&reviewing).expect("count"), 2);
    let returned = QueueQuery {
        states: vec![State::Returned],
        ..of("wang")
    };
    assert!(
        store
            .page(&returned, 0, 10, now())
            .expect("page")
            .is_empty()
    );
    assert_eq!(store.count(&returned).expect("count"), 0);
    // Decided, it leaves the filtered queue of pending review, not the reviewer's.
    decide(
        &mut store,
        "Q2",
        State::Returned,
        "return",
        EventKind::Returned,
        now(),
    );
    assert_eq!(store.count(&returned).expect("count"), 1);
    assert_eq!(
        ids(store.page(&reviewing, 0, 10, now()).expect("page")),
        ["Q1"]
    );
    assert_eq!(store.count(&of("wang")).expect("count"), 2);

    // The other half: what is not wang's (nobody's, or another's), with the same filters.
    let not_of = |who: &str| QueueQuery {
        not_assigned_to: Some(who.into()),
        ..QueueQuery::default()
    };
    let everything = store.count(&QueueQuery::default()).expect("count");
    let rest = ids(store.page(&not_of("wang"), 0, 100, now()).expect("page"));
    assert_eq!(rest.len() as u64 + 2, everything, "{rest:?}");
    assert!(
        rest.iter().any(|id| id == "Q3"),
        "lina's is not wang's: {rest:?}"
    );
    assert!(!rest.iter().any(|id| id == "Q1" || id == "Q2"), "{rest:?}");
    assert_eq!(
        store.count(&not_of("wang")).expect("count"),
        rest.len() as u64
    );
    let not_reviewing = QueueQuery {
        states: vec![State::PendingReview],
        ..not_of("wang")
    };
    assert_eq!(
        store.count(&not_reviewing).expect("count"),
        store
            .page(&not_reviewing, 0, 100, now())
            .expect("page")
            .len() as u64
    );
    assert!(
        !ids(store.page(&not_reviewing, 0, 100, now()).expect("page"))
            .iter()
            .any(|id| id == "Q1")
    );
}

pub fn saved_views_are_kept_per_reviewer_replaced_removed_and_in_order<H: Harness>(h: &H) {
    let mut store = h.open(&h.new_database());
    let views = |store: &H::S, who: &str| {
        store
            .saved_views(who)
            .expect("views")
            .into_iter()
            .map(|v| (v.name, v.position, v.filter))
            .collect::<Vec<_>>()
    };
    let v =
        |name: &str, position: u32, filter: &str| (name.to_string(), position, filter.to_string());
    assert!(views(&store, "lina").is_empty());
    store
        .put_saved_view("lina", "逾期", Some(r#"{"overdue":true}"#))
        .expect("put");
    store
        .put_saved_view("lina", "mine", Some(r#"{"mine":true}"#))
        .expect("put");
    store
        .put_saved_view("wang", "逾期", Some(r#"{"x":1}"#))
        .expect("put");
    assert_eq!(
        views(&store, "lina"),
        [
            v("逾期", 1, r#"{"overdue":true}"#),
            v("mine", 2, r#"{"mine":true}"#)
        ]
    );
    assert_eq!(views(&store, "wang"), [v("逾期", 1, r#"{"x":1}"#)]);
    // Saved again under its name: replaced in its place.
    store
        .put_saved_view("lina", "逾期", Some(r#"{"overdue":false}"#))
        .expect("put");
    assert_eq!(
        views(&store, "lina"),
        [
            v("逾期", 1, r#"{"overdue":false}"#),
            v("mine", 2, r#"{"mine":true}"#)
        ]
    );
    // Removed; a new one goes at the end; one not kept is removed without an error.
    store.put_saved_view("lina", "逾期", None).expect("remove");
    store
        .put_saved_view("lina", "nothing", None)
        .expect("remove none");
    store
        .put_saved_view("lina", "new", Some("{}"))
        .expect("put");
    store
        .put_saved_view("lina", "逾期", Some("{}"))
        .expect("put");
    assert_eq!(
        views(&store, "lina"),
        [
            v("mine", 2, r#"{"mine":true}"#),
            v("new", 3, "{}"),
            v("逾期", 4, "{}")
        ]
    );
    assert_eq!(
        views(&store, "wang"),
        [v("逾期", 1, r#"{"x":1}"#)],
        "another's untouched"
    );
    // Kept in the database, for another connection.
    let other = h.open(&h.new_database());
    assert!(views(&other, "lina").is_empty(), "a database of its own");
}

pub fn decisions_are_read_between_since_and_until_in_time_order<H: Harness>(h: &H) {
    let mut store = h.open(&h.new_database());
    five(&mut store);
    let hour = |n: i64| now() + chrono::Duration::hours(n);
    decide(
        &mut store,
        "Q0",
        State::PendingIntegration,
        "approve",
        EventKind::Approved,
        hour(1),
    );
    // Not decisions: a judgement and an assignment between them.
    let derived = store.get("Q1").expect("get").expect("Q1").derived;
    store
        .judge(
            "Q1",
            1,
            1,
            &Judgement {
                check: CheckId::WebsiteBuilt,
                passed: false,
                note: None,
                by: "lina".into(),
                at: hour(1),
            },
            &derived,
            NewAuditEntry {
                application_id: "Q1".into(),
                at: hour(1),
                ..audit_entry("judge", None)
            },
        )
        .expect("judged");
    store.assign(&[assignment("Q3", "lina")]).expect("assigned");
    decide(
        &mut store,
        "Q1",
        State::Returned,
        "return",
        EventKind::Returned,
        hour(2),
    );
    decide(
        &mut store,
        "Q2",
        State::Cancelled,
        "expire",
        EventKind::Expired,
        hour(3),
    );
    decide(
        &mut store,
        "Q3",
        State::PendingIntegration,
        "approve",
        EventKind::Approved,
        hour(4),
    );

    let read = |store: &H::S,
                since: DateTime<FixedOffset>,
                until: Option<DateTime<FixedOffset>>,
                full: bool| {
        let mut rows = Vec::new();
        store
            .decisions(since, until, full, &mut |r| {
                rows.push(r);
                true
            })
            .expect("decisions");
        rows
    };
    let brief = read(&store, now(), None, false);
    assert_eq!(
        brief
            .iter()
            .map(|r| (r.application_id.as_str(), r.action.as_str(), r.at))
            .collect::<Vec<_>>(),
        [
            ("Q0", "approve", hour(1)),
            ("Q1", "return", hour(2)),
            ("Q2", "expire", hour(3)),
            ("Q3", "approve", hour(4)),
        ]
    );
    let q1 = &brief[1];
    assert_eq!(
        q1.seq, 9,
        "five imports, Q0's approval, a judgement, an assignment"
    );
    assert_eq!(
        (
            q1.from_state.as_deref(),
            q1.to_state.as_deref(),
            q1.revision
        ),
        (Some("pending_review"), Some("returned"), 1)
    );
    assert_eq!(q1.reasons, ["website_unreachable"]);
    assert_eq!(
        (&q1.message, &q1.merchant, &q1.product),
        (&None, &None, &None),
        "not full"
    );
    let submitted = store.get("Q1").expect("get").expect("Q1").app.submitted_at;
    assert_eq!(q1.reviewable_at, Some(submitted));
    assert_eq!(q1.entered_queue_at, Some(now()), "its import");

    // At or after `since`, before `until`, whatever offset they are given in.
    let utc = chrono::FixedOffset::east_opt(0).expect("utc");
    let between = read(
        &store,
        hour(2).with_timezone(&utc),
        Some(hour(4).with_timezone(&utc)),
        false,
    );
    assert_eq!(
        between
            .iter()
            .map(|r| r.application_id.as_str())
            .collect::<Vec<_>>(),
        ["Q1", "Q2"]
    );
    assert!(read(&store, hour(5), None, false).is_empty());
    assert!(read(&store, now(), Some(hour(1)), false).is_empty());

    // Full: with the merchant, the product and the entry's texts.
    let full = read(&store, hour(2), Some(hour(3)), true);
    assert_eq!(full.len(), 1);
    let app = store.get("Q1").expect("get").expect("Q1").app;
    assert_eq!(
        full[0].merchant.as_deref(),
        Some(app.applicant.name.as_str())
    );
    assert_eq!(full[0].product.as_deref(), Some(app.product.as_str()));
    assert_eq!(full[0].message.as_deref(), Some("网站打不开"));
    assert_eq!(
        DecisionRow {
            message: None,
            note: None,
            merchant: None,
            product: None,
            ..full[0].clone()
        },
        *q1,
        "the rest as without"
    );

    // The visitor stops the walk.
    let mut seen = 0;
    store
        .decisions(now(), None, true, &mut |_| {
            seen += 1;
            seen < 2
        })
        .expect("decisions");
    assert_eq!(seen, 2);
}

pub fn the_stats_snapshot_counts_the_queue_and_the_intake<H: Harness>(h: &H) {
    let mut store = h.open(&h.new_database());
    // (id, due, submitted, state it is moved to)
    let rows: [(&str, &str, &str, State); 9] = [
        (
            "S0",
            "2026-11-25T08:00:00+08:00",
            "2026-11-20T10:00:00+08:00",
            State::PendingReview,
        ),
        (
            "S1",
            "2026-11-25T12:00:00+08:00",
            "2026-11-20T10:00:00+08:00",
            State::PendingReview,
        ),
        (
            "S2",
            "2026-11-25T23:59:59+08:00",
            "2026-11-20T10:00:00+08:00",
            State::PendingReview,
        ),
        (
            "S3",
            "2026-11-26T18:00:00+08:00",
            "2026-11-20T10:00:00+08:00",
            State::PendingReview,
        ),
        (
            "S4",
            "2026-11-28T18:00:00+08:00",
            "2026-11-20T10:00:00+08:00",
            State::PendingReview,
        ),
        (
            "S5",
            "2026-11-26T18:00:00+08:00",
            "2026-11-20T10:00:00+08:00",
            State::PendingSecondApproval,
        ),
        (
            "S6",
            "2026-11-26T18:00:00+08:00",
            "2026-11-01T10:00:00+08:00",
            State::PendingVerification,
        ),
        (
            "S7",
            "2026-11-26T18:00:00+08:00",
            "2026-11-20T10:00:00+08:00",
            State::PendingVerification,
        ),
        (
            "S8",
            "2026-11-25T08:00:00+08:00",
            "2026-11-20T10:00:00+08:00",
            State::PendingIntegration,
        ),
    ];
    let apps: Vec<(Application, Derived)> = rows
        .iter()
        .map(|(id, due, submitted, _)| {
            (
                app(id, &[("/submitted_at", serde_json::json!(submitted))]),
                derived_due(instant(due)),
            )
        })
        .collect();
    import(&mut store, &apps, true);
    for (id, _, _, to) in &rows {
        if *to != State::PendingReview {
            let kind = match to {
                State::PendingIntegration => EventKind::Approved,
                State::PendingSecondApproval => EventKind::ApprovalPendingSecond,
                _ => EventKind::Received,
            };
            decide(&mut store, id, *to, "approve", kind, now());
        }
    }
    // A resubmission the next day.
    store
        .record(NewAuditEntry {
            application_id: "S0".into(),
            at: instant("2026-11-25T09:00:00+08:00"),
            ..audit_entry("resubmit", Some(State::PendingReview))
        })
        .expect("recorded");
    let bounds = StatsBounds {
        now: instant("2026-11-25T12:00:00+08:00"),
        end_of_today: instant("2026-11-25T23:59:59+08:00"),
        end_of_tomorrow: instant("2026-11-26T23:59:59+08:00"),
        verification_cutoff: instant("2026-11-10T00:00:00+08:00"),
        intake_since: instant("2026-11-23T00:00:00+08:00"),
    };
    let s = store.stats_snapshot(&bounds).expect("snapshot");
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 11, d).expect("a day");
    assert_eq!(
        s,
        StatsSnapshot {
            pending_review: 5,
            second_approval: 1,
            overdue: 1,
            due_today: 2,
            due_tomorrow: 2,
            pending_verification: 2,
            verification_lapsed: 1,
            waiting_by_due: vec![
                (instant("2026-11-25T08:00:00+08:00"), 1),
                (instant("2026-11-25T12:00:00+08:00"), 1),
                (instant("2026-11-25T23:59:59+08:00"), 1),
                (instant("2026-11-26T18:00:00+08:00"), 2),
                (instant("2026-11-28T18:00:00+08:00"), 1),
            ],
            intake_by_day: vec![(day(24), 9), (day(25), 1)],
        }
    );
    // Intake from a later day on counts only that day; an empty queue counts nothing.
    let later = StatsBounds {
        intake_since: instant("2026-11-25T00:00:00+08:00"),
        ..bounds
    };
    assert_eq!(
        store
            .stats_snapshot(&later)
            .expect("snapshot")
            .intake_by_day,
        [(day(25), 1)]
    );
    let empty = h.open(&h.new_database());
    assert_eq!(
        empty.stats_snapshot(&bounds).expect("snapshot"),
        StatsSnapshot::default()
    );
}

// ---- the kept counters (issue 16: PostgreSQL's, as SQLite's schema 3) ----

/// Applications imported (or, `replace`, resubmitted over existing ones) in one session,
/// each in its own state, due and submitted when given.
fn import_kept<S: Store>(store: &mut S, apps: &[(Application, Derived, State)], replace: bool) {
    let mut session = store.begin_import().expect("begin import");
    for (app, derived, state) in apps {
        let body = serde_json::to_string(app).expect("serialise");
        let record = ImportRecord {
            app,
            body: &body,
            group: "platform",
            state: *state,
            revision: if replace { 2 } else { 1 },
            derived,
            content_hash: "test",
            reviewable_at: Some(app.submitted_at),
        };
        let audit = NewAuditEntry {
            application_id: app.id.clone(),
            revision: record.revision,
            actor: "importer".into(),
            from_state: None,
            ..audit_entry(if replace { "resubmit" } else { "submit" }, Some(*state))
        };
        if replace {
            let kind = EventKind::Resubmitted;
            session
                .replace(record, audit, NewEvent::new(kind))
                .expect("replace");
        } else {
            session
                .insert(record, audit, NewEvent::new(EventKind::Received))
                .expect("insert");
        }
    }
    session.commit().expect("commit");
}

/// An application submitted `days` and `minutes` before NOW, due `due_minutes` after it.
fn kept_app(id: &str, days: i64, minutes: i64, due_minutes: i64) -> (Application, Derived) {
    let submitted = now() - chrono::Duration::days(days) - chrono::Duration::minutes(minutes);
    let a = app(
        id,
        &[("/submitted_at", serde_json::json!(submitted.to_rfc3339()))],
    );
    (
        a,
        derived_due(now() + chrono::Duration::minutes(due_minutes)),
    )
}

/// The store's counts and plain filters' totals (what kept counters answer) against the
/// same counted in Rust from every row a page reads: at instants inside hours and on
/// their edges (the counters' buckets), with ends of day on and off an hour.
fn kept_counts_agree<S: Store>(store: &S, when: &str) -> QueueCounts {
    let rows = store
        .page(&QueueQuery::default(), 0, 100_000, now())
        .expect("every row");
    let under = |r: &&QueueRow| State::UNDER_REVIEW.contains(&r.state);
    let verifying = |r: &&QueueRow| r.state == State::PendingVerification;
    let mut at_now = None;
    for minutes in [
        -185, -120, -61, -60, -1, 0, 1, 7, 59, 60, 61, 150, 600, 1439,
    ] {
        for seconds in [0, 30] {
            let at =
                now() + chrono::Duration::minutes(minutes) + chrono::Duration::seconds(seconds);
            for (end_of_today, cutoff) in [
                (
                    shenhe_domain::calendar::end_of_today(at),
                    at - chrono::Duration::days(15),
                ),
                (
                    at + chrono::Duration::minutes(150) + chrono::Duration::seconds(17),
                    at - chrono::Duration::days(3) - chrono::Duration::minutes(7),
                ),
                (
                    at + chrono::Duration::hours(2),
                    at - chrono::Duration::days(1),
                ),
            ] {
                let bounds = CountBounds {
                    now: at,
                    end_of_today,
                    verification_cutoff: cutoff,
                };
                let n = |keep: &dyn Fn(&&QueueRow) -> bool| {
                    rows.iter().filter(|r| keep(r)).count() as u64
                };
                let expected = QueueCounts {
                    pending_review: n(&under),
                    overdue: n(&|r| under(r) && r.due_at < at),
                    due_today: n(&|r| under(r) && r.due_at >= at && r.due_at <= end_of_today),
                    pending_verification: n(&verifying),
                    verification_lapsed: n(&|r| verifying(r) && r.submitted_at < cutoff),
                };
                assert_eq!(
                    store.counts(bounds).expect("counts"),
                    expected,
                    "{when}: counts at {at}, end of today {end_of_today}, cutoff {cutoff}"
                );
                if (minutes, seconds) == (0, 0) && at_now.is_none() {
                    at_now = Some(expected);
                }
                let queries = [
                    QueueQuery::default(),
                    QueueQuery {
                        states: vec![State::PendingReview],
                        due_before: Some(at),
                        ..QueueQuery::default()
                    },
                    QueueQuery {
                        states: State::UNDER_REVIEW.to_vec(),
                        due_from: Some(at),
                        due_before: Some(end_of_today + chrono::Duration::seconds(1)),
                        ..QueueQuery::default()
                    },
                    QueueQuery {
                        // Repeated and out of order: each state counted once.
                        states: vec![
                            State::PendingSecondApproval,
                            State::PendingReview,
                            State::PendingSecondApproval,
                        ],
                        due_from: Some(at),
                        ..QueueQuery::default()
                    },
                    QueueQuery {
                        states: vec![State::PendingVerification],
                        submitted_before: Some(cutoff),
                        ..QueueQuery::default()
                    },
                    QueueQuery {
                        // A submission and a due bound together: counted by the rows.
                        submitted_before: Some(cutoff),
                        due_before: Some(at),
                        ..QueueQuery::default()
                    },
                    QueueQuery {
                        states: vec![State::Returned, State::Cancelled, State::Effective],
                        due_before: Some(at),
                        ..QueueQuery::default()
                    },
                ];
                for q in &queries {
                    let expected = rows
                        .iter()
                        .filter(|r| q.states.is_empty() || q.states.contains(&r.state))
                        .filter(|r| q.due_before.is_none_or(|b| r.due_at < b))
                        .filter(|r| q.due_from.is_none_or(|f| r.due_at >= f))
                        .filter(|r| q.submitted_before.is_none_or(|b| r.submitted_at < b))
                        .count() as u64;
                    assert_eq!(
                        store.count(q).expect("count"),
                        expected,
                        "{when}: count of {q:?}"
                    );
                }
            }
        }
    }
    at_now.expect("counted at NOW")
}

/// Every kind of write moves the counters the header and the filters' totals are added up
/// from: an import (into an empty database, then into one with rows), decisions, an
/// expiry, resubmissions, a reopening, a judgement and a policy's new due times, a bulk
/// change, and a row deleted by hand; each checked against a count of the rows.
pub fn kept_counts_follow_every_write<H: Harness>(h: &H) {
    let mut store = h.open(&h.new_database());
    // 48 applications: due from five hours before NOW to about twelve after (some on
    // the hour, some not), submitted over the last three weeks.
    let states = [
        State::PendingReview,
        State::PendingReview,
        State::PendingVerification,
        State::PendingSecondApproval,
        State::PendingReview,
        State::Returned,
    ];
    let apps: Vec<(Application, Derived, State)> = (0..48i64)
        .map(|i| {
            let (a, d) = kept_app(&format!("K{i:02}"), i % 21, i * 13, i * 23 - 300);
            (a, d, states[i as usize % states.len()])
        })
        .collect();
    import_kept(&mut store, &apps, false);
    let first = kept_counts_agree(&store, "after the import");
    assert!(
        first.overdue > 0
            && first.due_today > 0
            && first.pending_verification > first.verification_lapsed
            && first.verification_lapsed > 0,
        "the fixture exercises every count: {first:?}"
    );

    let change = |id: &str, version: i64, from: State, to: State, action: &str| StateChange {
        id: id.into(),
        expected_version: version,
        to,
        audit: NewAuditEntry {
            application_id: id.into(),
            from_state: Some(from.id().into()),
            ..audit_entry(action, Some(to))
        },
        event: NewEvent::new(EventKind::Approved),
    };
    let version = |store: &H::S, id: &str| store.get(id).expect("get").expect("kept").version;
    // Decisions: approvals, a return, a second approval, one with new derived columns.
    for (id, from, to, action) in [
        (
            "K00",
            State::PendingReview,
            State::PendingIntegration,
            "approve",
        ),
        ("K01", State::PendingReview, State::Returned, "return"),
        (
            "K04",
            State::PendingReview,
            State::PendingSecondApproval,
            "approve",
        ),
        (
            "K03",
            State::PendingSecondApproval,
            State::PendingIntegration,
            "approve",
        ),
    ] {
        let v = version(&store, id);
        store
            .change_state(change(id, v, from, to, action), None)
            .expect("decided");
    }
    let v = version(&store, "K06");
    store
        .change_state(
            change(
                "K06",
                v,
                State::PendingReview,
                State::PendingSecondApproval,
                "approve",
            ),
            Some(&derived_due(now() + chrono::Duration::minutes(45))),
        )
        .expect("decided with its new due time");
    // An expiry of one pending verification.
    let v = version(&store, "K02");
    store
        .change_state(
            change(
                "K02",
                v,
                State::PendingVerification,
                State::Cancelled,
                "expire",
            ),
            None,
        )
        .expect("expired");
    kept_counts_agree(&store, "after decisions and an expiry");

    // Resubmissions of the returned (new submission, new due time) and new ones, into a
    // database with rows.
    let again: Vec<(Application, Derived, State)> = ["K01", "K05", "K11"]
        .iter()
        .map(|id| {
            let (a, d) = kept_app(id, 0, 10, 95);
            (a, d, State::PendingReview)
        })
        .collect();
    import_kept(&mut store, &again, true);
    let more: Vec<(Application, Derived, State)> = (48..54i64)
        .map(|i| {
            let (a, d) = kept_app(&format!("K{i:02}"), i % 17, 0, 60 * (i - 50));
            (a, d, State::PendingVerification)
        })
        .collect();
    import_kept(&mut store, &more, false);
    kept_counts_agree(&store, "after resubmissions and new applications");

    // A reopening (back to review, due again), a judgement that moves a due time, and a
    // policy's new due times for several at once.
    let mut audit = audit_entry("reopen", Some(State::PendingReview));
    audit.application_id = "K00".into();
    audit.from_state = Some(State::PendingIntegration.id().into());
    let v = version(&store, "K00");
    store
        .reopen(
            StateChange {
                id: "K00".into(),
                expected_version: v,
                to: State::PendingReview,
                audit,
                event: NewEvent::new(EventKind::Reopened),
            },
            &derived_due(now() - chrono::Duration::minutes(30)),
        )
        .expect("reopen");
    let v = version(&store, "K07");
    store
        .judge(
            "K07",
            v,
            1,
            &Judgement {
                check: CheckId::WebsiteBuilt,
                passed: false,
                note: None,
                by: "lina".into(),
                at: now(),
            },
            &derived_due(now() + chrono::Duration::hours(30)),
            NewAuditEntry {
                application_id: "K07".into(),
                ..audit_entry("judge", None)
            },
        )
        .expect("judged");
    let updates: Vec<(String, Derived)> = (8..30)
        .map(|i| {
            (
                format!("K{i:02}"),
                derived_due(now() + chrono::Duration::minutes(17 * i - 200)),
            )
        })
        .collect();
    store.update_derived(&updates).expect("new due times");
    kept_counts_agree(&store, "after a reopening, a judgement and new due times");

    // A bulk change (many in one transaction), then a row deleted by hand.
    let bulk: Vec<StateChange> = ["K12", "K13", "K16", "K18"]
        .iter()
        .map(|id| {
            let stored = store.get(id).expect("get").expect("kept");
            change(id, stored.version, stored.state, State::Cancelled, "expire")
        })
        .collect();
    assert_eq!(
        store
            .change_states(&mut bulk.into_iter())
            .expect("bulk change"),
        4
    );
    kept_counts_agree(&store, "after a bulk change");
    h.execute(&mut store, "DELETE FROM applications WHERE id = 'K40'")
        .expect("deleted by hand");
    assert!(store.get("K40").expect("get").is_none());
    kept_counts_agree(&store, "after a row deleted by hand");
}

/// Decisions (one at a time, and in bulk) on two connections while a third writes a
/// policy's new due times for every application again and again, all moving the same
/// hot counter rows: none waits forever on another (PostgreSQL would end one as a
/// deadlock), none fails, and the counters still agree with the rows.
pub fn kept_counts_survive_concurrent_decisions_and_new_due_times<H: Harness>(h: &H) {
    let location = h.new_database();
    let mut store = h.open(&location);
    let apps: Vec<(Application, Derived, State)> = (0..30i64)
        .map(|i| {
            let (a, d) = kept_app(&format!("C{i:02}"), i % 20, i, (i % 6) * 60 - 90);
            (a, d, State::PendingReview)
        })
        .collect();
    import_kept(&mut store, &apps, false);
    let ids: Vec<String> = apps.iter().map(|(a, _, _)| a.id.clone()).collect();
    std::thread::scope(|scope| {
        for worker in 0..2usize {
            let (location, ids) = (&location, &ids);
            scope.spawn(move || {
                let mut store = h.open(location);
                for round in 0..12usize {
                    // Back and forth between the two states under review, over every
                    // application, in an order of its own each round.
                    let mut mine: Vec<&String> = ids.iter().skip(worker).step_by(2).collect();
                    if round % 2 == 1 {
                        mine.reverse();
                    }
                    let changes: Vec<StateChange> = mine
                        .iter()
                        .take(5)
                        .map(|id| {
                            let stored = store.get(id).expect("get").expect("kept");
                            let to = if stored.state == State::PendingReview {
                                State::PendingSecondApproval
                            } else {
                                State::PendingReview
                            };
                            StateChange {
                                id: id.to_string(),
                                expected_version: stored.version,
                                to,
                                audit: NewAuditEntry {
                                    application_id: id.to_string(),
                                    from_state: Some(stored.state.id().into()),
                                    ..audit_entry("approve", Some(to))
                                },
                                event: NewEvent::new(EventKind::Approved),
                            }
                        })
                        .collect();
                    store
                        .change_states(&mut changes.into_iter())
                        .expect("a bulk change");
                    for id in mine.iter().skip(5) {
                        let stored = store.get(id).expect("get").expect("kept");
                        let to = if stored.state == State::PendingReview {
                            State::PendingSecondApproval
                        } else {
                            State::PendingReview
                        };
                        let due = now() + chrono::Duration::minutes((round as i64) * 37 - 100);
                        store
                            .change_state(
                                StateChange {
                                    id: id.to_string(),
                                    expected_version: stored.version,
                                    to,
                                    audit: NewAuditEntry {
                                        application_id: id.to_string(),
                                        from_state: Some(stored.state.id().into()),
                                        ..audit_entry("approve", Some(to))
                                    },
                                    event: NewEvent::new(EventKind::Approved),
                                },
                                Some(&derived_due(due)),
                            )
                            .expect("a decision");
                    }
                }
            });
        }
        let (location, ids) = (&location, &ids);
        scope.spawn(move || {
            let mut store = h.open(location);
            for round in 0..12i64 {
                let mut updates: Vec<(String, Derived)> = ids
                    .iter()
                    .enumerate()
                    .map(|(i, id)| {
                        let minutes = (i as i64 * 41 + round * 53) % 900 - 300;
                        (
                            id.clone(),
                            derived_due(now() + chrono::Duration::minutes(minutes)),
                        )
                    })
                    .collect();
                if round % 2 == 1 {
                    updates.reverse();
                }
                store.update_derived(&updates).expect("new due times");
            }
        });
    });
    let stored = store.get("C00").expect("get").expect("C00");
    assert_eq!(stored.version, 1 + 12, "every round decided C00");
    kept_counts_agree(&store, "after concurrent decisions and new due times");
}
