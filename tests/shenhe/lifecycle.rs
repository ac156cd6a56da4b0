//! The lifecycle rules of the process, through the real binary: a late verification is
//! refused, an unverified resubmission waits for verification, the review clock starts
//! when an order became reviewable, an approval over failing checks needs a note and
//! (by the default policy) a second, different reviewer, an interface product the
//! account already has effective takes effect at once, and "overdue" means one thing.

use std::process::Output;

use serde_json::{Value, json};

use crate::common::*;

/// `shenhe args…` as `reviewer` (the database must allow the override).
fn run_as(env: &Env, reviewer: &str, args: &[&str]) -> Output {
    env.command()
        .env("SHENHE_REVIEWER", reviewer)
        .args(args)
        .output()
        .expect("run shenhe")
}

fn ok_as(env: &Env, reviewer: &str, args: &[&str]) -> String {
    let out = run_as(env, reviewer, args);
    assert!(
        out.status.success(),
        "{reviewer}: shenhe {args:?} failed: {}",
        stderr(&out)
    );
    stdout(&out)
}

fn fails_as(env: &Env, reviewer: &str, args: &[&str]) -> String {
    let out = run_as(env, reviewer, args);
    assert_user_error(&out, args);
    stderr(&out)
}

/// Every published event, oldest first.
fn events(env: &Env) -> Vec<Value> {
    env.ok(&["events"])
        .lines()
        .map(|l| serde_json::from_str(l).expect("an event"))
        .collect()
}

fn last_event(env: &Env) -> Value {
    events(env).pop().expect("an event")
}

/// Writes `records` to a file of its own and imports it, expecting a refusal.
fn import_fails(env: &Env, name: &str, records: &[Value]) -> String {
    let file = env.path(name);
    write_ndjson(&file, records);
    env.fails(&["import", file.to_str().expect("utf-8 path")])
}

fn unverified(id: &str, submitted_at: &str) -> Value {
    with(
        record(id),
        &[
            ("/applicant/verified", json!(false)),
            ("/submitted_at", json!(submitted_at)),
        ],
    )
}

fn verified(id: &str, submitted_at: &str) -> Value {
    with(record(id), &[("/submitted_at", json!(submitted_at))])
}

/// The ids `list` prints as JSON for `args`.
fn listed(env: &Env, args: &[&str]) -> Vec<String> {
    let mut all = vec!["list", "--json", "--limit", "1000"];
    all.extend_from_slice(args);
    let list = env.json(&all);
    list["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect()
}

#[test]
fn a_verification_after_the_window_is_refused_naming_the_deadline_and_nothing_is_imported() {
    let env = Env::new();
    // Submitted 1 November 09:00: the window closed on 16 November 09:00; now is the 24th.
    env.import_records(&[unverified("LATE", "2026-11-01T09:00:00+08:00")]);
    assert_eq!(env.state_of("LATE"), "pending_verification");
    let before = count_rows(&env.db(), "events");

    let err = import_fails(
        &env,
        "late.ndjson",
        &[
            record("NEW1"),
            verified("LATE", "2026-11-01T09:00:00+08:00"),
        ],
    );
    assert!(err.contains("nothing was imported"), "{err}");
    assert!(
        err.contains("LATE") && err.contains("applicant.verified"),
        "names the record and the field: {err}"
    );
    assert!(
        err.contains("2026-11-16 09:00 +08:00") && err.contains("15-day window"),
        "names the deadline: {err}"
    );
    assert!(err.contains("stays due for expiry"), "{err}");

    // All or nothing: the other record was not imported either, nothing was published.
    assert_eq!(env.state_of("LATE"), "pending_verification");
    env.fails(&["show", "NEW1"]);
    assert_eq!(count_rows(&env.db(), "events"), before);
    // And it can still be expired.
    let expired = env.ok(&["expire", "LATE"]);
    assert!(
        expired.contains("pending_verification → cancelled"),
        "{expired}"
    );
}

#[test]
fn an_unverified_resubmission_waits_for_verification_and_its_clock_restarts_there() {
    let mut env = Env::new();
    env.import_records(&[record("RS")]);
    env.ok(&["return", "RS", "--reason", "icp_missing"]);

    // The merchant fixes it, but the account has lost its verification meanwhile.
    let resubmitted = unverified("RS", "2026-11-23T10:00:00+08:00");
    let out = env.import_records(std::slice::from_ref(&resubmitted));
    assert!(out.contains("1 resubmitted"), "{out}");
    let shown = env.json(&["show", "RS", "--json"]);
    assert_eq!(shown["state"], "pending_verification");
    assert_eq!(shown["revision"], 2);
    assert!(shown["reviewable_at"].is_null(), "{shown}");
    let event = last_event(&env);
    assert_eq!(event["type"], "application.resubmitted");
    assert_eq!(event["previous_state"], "returned");
    assert_eq!(event["state"], "pending_verification");
    assert!(
        listed(&env, &["--overdue"]).is_empty(),
        "not reviewable: never overdue"
    );

    // Verified two days later: reviewable from then, due three business days on.
    env.now = "2026-11-25T15:00:00+08:00".into();
    let out = env.import_records(&[verified("RS", "2026-11-23T10:00:00+08:00")]);
    assert!(out.contains("1 verified"), "{out}");
    let shown = env.json(&["show", "RS", "--json"]);
    assert_eq!(shown["state"], "pending_review");
    assert_eq!(shown["reviewable_at"], "2026-11-25T15:00:00+08:00");
    assert_eq!(shown["due_at"], "2026-11-30T23:59:59+08:00");
}

#[test]
fn the_review_clock_starts_when_the_order_became_reviewable_and_show_says_both_times() {
    let mut env = Env::new();
    // Both submitted Friday 20 November; WAITED waits for verification.
    env.import_records(&[
        verified("READY", "2026-11-20T10:15:00+08:00"),
        unverified("WAITED", "2026-11-20T10:15:00+08:00"),
    ]);
    let ready = env.json(&["show", "READY", "--json"]);
    assert_eq!(ready["reviewable_at"], ready["submitted_at"]);
    assert_eq!(ready["due_at"], "2026-11-25T23:59:59+08:00");
    let waiting = env.ok(&["show", "WAITED"]);
    assert!(
        waiting.contains("reviewable") && waiting.contains("not yet"),
        "{waiting}"
    );

    // Verified on Thursday 26th, after READY's due time: counted from then, not overdue.
    env.now = "2026-11-26T10:00:00+08:00".into();
    env.import_records(&[verified("WAITED", "2026-11-20T10:15:00+08:00")]);
    let waited = env.json(&["show", "WAITED", "--json"]);
    assert_eq!(waited["submitted_at"], "2026-11-20T10:15:00+08:00");
    assert_eq!(waited["reviewable_at"], "2026-11-26T10:00:00+08:00");
    assert_eq!(waited["due_at"], "2026-12-01T23:59:59+08:00");
    assert_eq!(waited["time_left"]["overdue"], false);
    let text = env.ok(&["show", "WAITED"]);
    assert!(
        text.contains("2026-11-20 10:15:00") && text.contains("2026-11-26 10:00:00"),
        "both times: {text}"
    );
    assert_eq!(listed(&env, &["--overdue"]), ["READY"]);

    // The queue sorts by it too: WAITED is due after READY.
    assert_eq!(listed(&env, &[]), ["READY", "WAITED"]);
}

#[test]
fn an_approval_over_failing_checks_needs_a_note_and_a_second_reviewer_who_is_another() {
    let env = Env::new();
    env.ok(&["init", "--allow-reviewer-override"]);
    env.import_records(&[with(record("FAIL"), &[("/website/built", json!(false))])]);
    let before = count_rows(&env.db(), "events");

    let err = fails_as(&env, "alice", &["approve", "FAIL"]);
    assert!(
        err.contains("over failing checks (website_built)") && err.contains("needs a note"),
        "{err}"
    );
    assert!(err.contains("hint:") && err.contains("--note"), "{err}");
    assert_eq!(env.state_of("FAIL"), "pending_review");
    assert_eq!(count_rows(&env.db(), "events"), before, "nothing published");

    let shown = env.json(&["show", "FAIL", "--json"]);
    assert_eq!(shown["approval"]["to"], "pending_second_approval");
    assert_eq!(shown["approval"]["note_needed"], true);
    assert_eq!(
        shown["approval"]["second_approval_reasons"],
        json!(["failed_checks"])
    );

    let out = ok_as(
        &env,
        "alice",
        &[
            "approve",
            "FAIL",
            "--note",
            "site checked by phone: INTERNAL-NOTE",
        ],
    );
    assert!(
        out.contains("pending_review → pending_second_approval"),
        "{out}"
    );
    let history = env.json(&["history", "FAIL", "--json"]);
    let first = &history[1];
    assert_eq!(first["actor"], "alice");
    assert_eq!(first["to_state"], "pending_second_approval");
    let detail = first["detail"].as_str().expect("detail");
    assert!(
        detail.contains("override: approved despite failed checks: website_built"),
        "{detail}"
    );
    let event = last_event(&env);
    assert_eq!(event["type"], "application.approval_pending_second");
    assert_eq!(event["state"], "pending_second_approval");
    assert_eq!(event["data"]["override"], true);
    assert_eq!(event["data"]["failed_checks"], json!(["website_built"]));
    assert_eq!(
        event["data"]["second_approval_reasons"],
        json!(["failed_checks"])
    );
    assert!(
        !event.to_string().contains("INTERNAL-NOTE"),
        "never the note: {event}"
    );

    // It is open work, with a filter of its own.
    assert_eq!(listed(&env, &[]), ["FAIL"]);
    assert_eq!(
        listed(&env, &["--state", "pending_second_approval"]),
        ["FAIL"]
    );

    // The first approver cannot give the second approval.
    let err = fails_as(&env, "alice", &["approve", "FAIL", "--note", "again"]);
    assert!(
        err.contains("first approved by alice") && err.contains("another reviewer"),
        "{err}"
    );
    assert_eq!(env.state_of("FAIL"), "pending_second_approval");

    // Another one can; over the failing check, with a note of their own.
    let err = fails_as(&env, "bob", &["approve", "FAIL"]);
    assert!(err.contains("needs a note"), "{err}");
    let out = ok_as(&env, "bob", &["approve", "FAIL", "--note", "agreed"]);
    assert!(
        out.contains("pending_second_approval → pending_integration"),
        "{out}"
    );
    let event = last_event(&env);
    assert_eq!(event["type"], "application.approved");
    assert_eq!(event["actor"], "bob");
    assert_eq!(event["previous_state"], "pending_second_approval");
    assert_eq!(event["data"]["second_approval_of"], "alice");
    assert_eq!(event["data"]["integration_needed"], true);
    assert_eq!(event["data"]["override"], true);
    assert!(!event.to_string().contains("agreed"), "{event}");
}

#[test]
fn restricted_goods_go_to_a_second_reviewer_who_may_return_them() {
    let env = Env::new();
    env.ok(&["init", "--allow-reviewer-override"]);
    // A restricted category, with the qualification document it needs.
    let mut restricted = with(
        record("RG"),
        &[("/goods", json!(["software", "pharmaceuticals"]))],
    );
    restricted["materials"]
        .as_array_mut()
        .expect("materials")
        .push(json!({"kind": "qualification", "reference": "药品经营许可证", "category": "pharmaceuticals"}));
    env.import_records(&[restricted, record("PLAIN")]);
    let shown = env.json(&["show", "RG", "--json"]);
    assert!(
        shown["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .all(|c| c["outcome"] != "fail"),
        "qualified: no failing check: {shown}"
    );

    // No failing check: no note needed, but the goods ask for four eyes.
    let out = ok_as(&env, "alice", &["approve", "RG"]);
    assert!(out.contains("→ pending_second_approval"), "{out}");
    assert_eq!(
        last_event(&env)["data"]["second_approval_reasons"],
        json!(["restricted_goods"])
    );
    // An order without them is decided by one reviewer.
    let out = ok_as(&env, "alice", &["approve", "PLAIN"]);
    assert!(
        out.contains("pending_review → pending_integration"),
        "{out}"
    );

    // The first approver cannot take the second decision the other way either.
    let out = env
        .command()
        .env("SHENHE_REVIEWER", "alice")
        .args(["return", "RG", "--reason", "restricted_no_qualification"])
        .output()
        .expect("run");
    assert_user_error(&out, &["return"]);
    assert!(
        stderr(&out).contains("first approved by alice"),
        "{}",
        stderr(&out)
    );
    assert_eq!(env.state_of("RG"), "pending_second_approval");
    ok_as(
        &env,
        "bob",
        &["return", "RG", "--reason", "restricted_no_qualification"],
    );
    assert_eq!(env.state_of("RG"), "returned");
    let event = last_event(&env);
    assert_eq!(event["type"], "application.returned");
    assert_eq!(event["previous_state"], "pending_second_approval");
}

#[test]
fn a_second_approval_policy_can_be_switched_off_in_data() {
    let env = Env::new();
    let data = env.policy_copy();
    let file = data.join("approvals.toml");
    let text = std::fs::read_to_string(&file).expect("read");
    std::fs::write(
        &file,
        text.replace("over_failed_checks = true", "over_failed_checks = false"),
    )
    .expect("write");
    let data = data.to_str().expect("path");
    env.import_records(&[with(record("FAIL"), &[("/website/built", json!(false))])]);
    let out = env.ok(&["--data", data, "approve", "FAIL", "--note", "checked"]);
    assert!(
        out.contains("pending_review → pending_integration"),
        "{out}"
    );

    // A broken file names itself and its line.
    std::fs::write(
        &file,
        "[second_approval]\nover_failed_checks = true\nrestricted = 1\n",
    )
    .expect("write");
    let err = env.fails(&["--data", data, "list"]);
    assert!(
        err.contains("approvals.toml:3") && err.contains("unknown field `restricted`"),
        "{err}"
    );
}

/// Marks `id` effective as the integration test would (outside shenhe): through the
/// store, with its audit entry and event.
fn integration_passed(env: &Env, id: &str) {
    use shenhe::store::{NewAuditEntry, NewEvent, StateChange, Store};
    let mut store = shenhe::store::sqlite::SqliteStore::open(&env.db()).expect("open");
    let stored = store.get(id).expect("get").expect("stored");
    store
        .change_state(
            StateChange {
                id: id.to_string(),
                expected_version: stored.version,
                to: shenhe::domain::state::State::Effective,
                audit: NewAuditEntry {
                    application_id: id.to_string(),
                    revision: stored.revision,
                    at: chrono::DateTime::parse_from_rfc3339(NOW).expect("now"),
                    actor: "integration-test".into(),
                    action: "integration_passed".into(),
                    from_state: Some(stored.state.id().into()),
                    to_state: Some("effective".into()),
                    reasons: Vec::new(),
                    message: None,
                    note: None,
                    detail: None,
                },
                event: NewEvent::new(shenhe::domain::events::EventKind::Effective),
            },
            None,
        )
        .expect("effective");
}

#[test]
fn an_interface_product_the_account_already_has_effective_takes_effect_at_once() {
    let env = Env::new();
    let other_account = with(
        record("B1"),
        &[("/applicant/account", json!("pay@another.example"))],
    );
    env.import_records(&[record("A1"), record("A2"), other_account]);
    env.ok(&["approve", "A1"]);
    assert_eq!(env.state_of("A1"), "pending_integration");
    // Still integrating: the account does not have it effective yet.
    assert_eq!(
        env.json(&["show", "A2", "--json"])["approval"]["to"],
        "pending_integration"
    );
    integration_passed(&env, "A1");

    let shown = env.json(&["show", "A2", "--json"]);
    assert_eq!(shown["approval"]["to"], "effective");
    assert_eq!(shown["approval"]["product_already_effective"], true);
    assert!(
        env.ok(&["show", "A2"])
            .contains("already has this product effective"),
        "the detail says so"
    );
    let out = env.ok(&["approve", "A2"]);
    assert!(out.contains("pending_review → effective"), "{out}");
    let event = last_event(&env);
    assert_eq!(event["type"], "application.approved");
    assert_eq!(event["data"]["integration_needed"], false);
    assert_eq!(event["data"]["product_already_effective"], true);
    let history = env.json(&["history", "A2", "--json"]);
    assert!(
        history[1]["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("no integration"),
        "{history}"
    );

    // Another account buying it for the first time integrates.
    let out = env.ok(&["approve", "B1"]);
    assert!(
        out.contains("pending_review → pending_integration"),
        "{out}"
    );
    assert_eq!(last_event(&env)["data"]["integration_needed"], true);
}

#[test]
fn list_overdue_is_the_console_s_overdue_filter() {
    use shenhe::review::queue::{Filter, Sort};
    let env = Env::new();
    env.ok(&["init", "--allow-reviewer-override"]);
    env.import_records(&[
        // Due Wednesday 18th: overdue.
        verified("OLD", "2026-11-13T10:00:00+08:00"),
        // The same, approved over a failing check: waits for a second reviewer, overdue.
        with(
            verified("OLD2", "2026-11-13T10:00:00+08:00"),
            &[("/website/built", json!(false))],
        ),
        // Waiting for verification since then: not reviewable, never overdue.
        unverified("WAIT", "2026-11-13T10:00:00+08:00"),
        // Due Wednesday 25th: in time.
        verified("NEW", "2026-11-20T10:15:00+08:00"),
        // Decided: not overdue whatever its due time.
        verified("DONE", "2026-11-13T10:00:00+08:00"),
    ]);
    ok_as(&env, "alice", &["approve", "OLD2", "--note", "checked"]);
    ok_as(&env, "alice", &["approve", "DONE"]);

    let cli = listed(&env, &["--overdue"]);
    assert_eq!(cli, ["OLD", "OLD2"]);
    let review = review_as(&env, "carol");
    let query = Filter::Overdue.query(review.now(), Sort::Due, "");
    let console: Vec<String> = review
        .page(&query, 0, 1000)
        .expect("page")
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(cli, console);
    let counts = review.counts().expect("counts");
    assert_eq!(counts.overdue, 2);
    assert_eq!(
        counts.pending_review, 3,
        "the header's pending: OLD, OLD2 (second approval) and NEW"
    );

    // --state narrows it, to a state that can be overdue.
    assert_eq!(
        listed(&env, &["--overdue", "--state", "pending_second_approval"]),
        ["OLD2"]
    );
    let err = env.fails(&["list", "--overdue", "--state", "pending_verification"]);
    assert!(err.contains("never overdue"), "{err}");
}

#[test]
fn the_console_asks_for_the_note_says_who_must_approve_and_refuses_the_first_approver() {
    use crate::console::Harness;
    use ratatui::crossterm::event::KeyCode;
    use shenhe::console::app::Overlay;
    use shenhe::present::Lang;

    let failing = with(record("FAIL"), &[("/website/built", json!(false))]);
    let mut alice = Harness::new(&[failing], Lang::En, 100, 30);
    alice.move_to("FAIL", 'j');
    alice.press(KeyCode::Char('a'));
    let text = alice.text();
    assert!(text.contains("→ pending second approval"), "{text}");
    assert!(
        text.contains("override: write why in the note"),
        "says why a note is needed: {text}"
    );
    assert!(
        text.contains("Needs a second, different reviewer"),
        "{text}"
    );

    // Confirmed without a note: asked for it, nothing written, the dialog stays.
    alice.press(KeyCode::Enter);
    let status = alice.app.status.clone().expect("a status");
    assert!(
        status.error && status.text.contains("needs a note"),
        "{status:?}"
    );
    assert!(matches!(alice.app.overlay, Overlay::Confirm(_)));
    assert_eq!(alice.state_of("FAIL"), "pending_review");
    alice.chars("checked by phone");
    alice.press(KeyCode::Enter);
    assert_eq!(alice.state_of("FAIL"), "pending_second_approval");

    // The first approver is refused before writing anything.
    alice.select("FAIL");
    alice.press(KeyCode::Char('a'));
    assert!(matches!(alice.app.overlay, Overlay::None));
    let status = alice.app.status.clone().expect("a status");
    assert!(
        status.text.contains("first approved by alice"),
        "{status:?}"
    );

    // Another reviewer is told whose approval they second, and gives it.
    let crate::console::Harness { env, .. } = alice;
    let mut bob = Harness::on(env, "bob", Lang::En, 100, 30);
    bob.move_to("FAIL", 'j');
    bob.press(KeyCode::Char('a'));
    let text = bob.text();
    assert!(
        text.contains("Second approval: first approved by alice")
            && text.contains("→ pending integration"),
        "{text}"
    );
    bob.press(KeyCode::Tab);
    bob.chars("agreed");
    bob.press(KeyCode::Enter);
    assert_eq!(bob.state_of("FAIL"), "pending_integration");
}

/// A database of schema 1 (before events and reviewable_at), as shipped: opening it with
/// this shenhe fills reviewable_at in and computes due times from it.
#[test]
fn an_upgraded_database_learns_when_its_orders_became_reviewable() {
    let env = Env::new();
    env.import_records(&[
        verified("READY", "2026-11-20T10:15:00+08:00"),
        unverified("WAITED", "2026-11-20T10:15:00+08:00"),
        unverified("STILL", "2026-11-20T10:15:00+08:00"),
    ]);
    let mut later = Env::new();
    later.now = "2026-11-26T10:00:00+08:00".into();
    std::fs::copy(env.db(), later.db()).expect("copy");
    let _ = std::fs::copy(env.path("shenhe.db-wal"), later.path("shenhe.db-wal"));
    later.import_records(&[verified("WAITED", "2026-11-20T10:15:00+08:00")]);
    {
        // Back to schema 1: what migrations 4, 3 and 2 added is taken away again.
        let conn = rusqlite::Connection::open(later.db()).expect("open");
        conn.execute_batch(crate::search::BACK_TO_SCHEMA_2)
            .expect("back to schema 2");
        conn.execute_batch(
            "DROP TABLE events; DROP TRIGGER audit_no_replace; DROP TABLE reviewers; DROP TABLE deliveries;
             DROP TABLE delivery_failures; DROP INDEX applications_account_product; DROP TABLE probes;
             ALTER TABLE applications DROP COLUMN reviewable_at;
             UPDATE applications SET due_ts = 0; PRAGMA user_version = 1;",
        )
        .expect("back to schema 1");
    }
    let ready = later.json(&["show", "READY", "--json"]);
    assert_eq!(ready["reviewable_at"], "2026-11-20T10:15:00+08:00");
    let waited = later.json(&["show", "WAITED", "--json"]);
    assert_eq!(waited["reviewable_at"], "2026-11-26T10:00:00+08:00");
    assert!(later.json(&["show", "STILL", "--json"])["reviewable_at"].is_null());
    // The queue's due times were computed again, from it.
    let rows = later.json(&["list", "--json"]);
    let due: Vec<(&str, &str)> = rows["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), r["due_at"].as_str().unwrap()))
        .collect();
    assert_eq!(
        due,
        [
            ("READY", "2026-11-25T23:59:59+08:00"),
            ("STILL", "2026-11-25T23:59:59+08:00"),
            ("WAITED", "2026-12-01T23:59:59+08:00"),
        ]
    );
}
