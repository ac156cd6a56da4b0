//! Integration coming in: `shenhe integrated ID` and `shenhe integrated --file F`, through
//! the real binary. A file is all or nothing, like an import.

use serde_json::{Value, json};

use crate::common::*;

/// The published events after `after`, as `shenhe events` prints them.
pub fn events_after(env: &Env, after: i64) -> Vec<Value> {
    env.ok(&["events", "--after", &after.to_string()])
        .lines()
        .map(|l| serde_json::from_str(l).expect("an event per line"))
        .collect()
}

pub fn last_event_id(env: &Env) -> i64 {
    events_after(env, 0)
        .last()
        .map(|e| e["id"].as_i64().expect("id"))
        .unwrap_or(0)
}

/// SQ1, SQ2 and SQ6..SQ8 approved (pending integration), SQ3 returned, SQ4 pending
/// review, SQ5 a settlement product approved (effective without integration).
/// Approved on Friday 20 November at 15:00; the clock then back at [`NOW`].
fn approved() -> Env {
    let mut env = Env::new();
    env.now = "2026-11-20T15:00:00+08:00".into();
    approve_all(&env);
    env.now = NOW.into();
    env
}

fn approve_all(env: &Env) {
    let settlement = with(
        record("SQ5"),
        &[
            ("/product", json!("large_transfer")),
            ("/plan", json!(null)),
            ("/payment", json!(null)),
        ],
    );
    env.import_records(&[
        record("SQ1"),
        record("SQ2"),
        record("SQ3"),
        record("SQ4"),
        settlement,
        record("SQ6"),
        record("SQ7"),
        record("SQ8"),
    ]);
    for id in ["SQ1", "SQ2", "SQ5", "SQ6", "SQ7", "SQ8"] {
        env.ok(&["approve", id]);
    }
    env.ok(&["return", "SQ3", "--reason", "icp_missing"]);
    assert_eq!(env.state_of("SQ1"), "pending_integration");
    assert_eq!(env.state_of("SQ5"), "effective");
}

fn write(env: &Env, name: &str, text: &str) -> String {
    let path = env.path(name);
    std::fs::write(&path, text).expect("write");
    path.to_str().expect("utf-8").to_string()
}

#[test]
fn integrated_makes_an_approved_interface_product_effective_with_audit_and_event() {
    let env = approved();
    let before = last_event_id(&env);
    let out = env.ok(&["integrated", "SQ1", "--note", "接口测试通过"]);
    assert!(
        out.contains("SQ1: pending_integration → effective"),
        "{out}"
    );
    assert_eq!(env.state_of("SQ1"), "effective");

    let history = env.json(&["history", "SQ1", "--json"]);
    let last = history
        .as_array()
        .expect("entries")
        .last()
        .expect("entry")
        .clone();
    assert_eq!(last["action"], "integrated");
    assert_eq!(last["from_state"], "pending_integration");
    assert_eq!(last["to_state"], "effective");
    assert_eq!(last["note"], "接口测试通过");
    assert_eq!(last["at"], NOW);
    assert_eq!(
        last["detail"],
        "integration test passed at 2026-11-24T10:00:00+08:00"
    );

    let events = events_after(&env, before);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["type"], "application.effective");
    assert_eq!(events[0]["application_id"], "SQ1");
    assert_eq!(events[0]["previous_state"], "pending_integration");
    assert_eq!(events[0]["state"], "effective");
    assert_eq!(events[0]["actor"], whoami());
    assert_eq!(events[0]["data"], json!({"passed_at": NOW}));
    assert!(env.ok(&["audit", "verify"]).contains("intact"));
}

#[test]
fn integrated_is_refused_from_any_other_state_and_for_an_unknown_id() {
    let env = approved();
    let audit = count_rows(&env.db(), "audit");
    let events = count_rows(&env.db(), "events");
    for (id, state) in [
        ("SQ4", "pending_review"),
        ("SQ5", "effective"),
        ("SQ3", "returned"),
    ] {
        let err = env.fails(&["integrated", id]);
        assert!(
            err.contains(&format!(
                "{id} is {state}, not pending_integration: only an approved interface product waits for its integration test"
            )),
            "{err}"
        );
        assert_eq!(env.state_of(id), state);
    }
    let err = env.fails(&["integrated", "NOPE"]);
    assert!(err.contains("no application with id `NOPE`"), "{err}");
    let err = env.fails(&["integrated"]);
    assert!(err.contains("give an application id or --file"), "{err}");
    assert_eq!(count_rows(&env.db(), "audit"), audit, "nothing written");
    assert_eq!(count_rows(&env.db(), "events"), events, "nothing published");
}

#[test]
fn a_file_with_any_bad_line_writes_nothing_and_names_every_bad_line() {
    let env = approved();
    let audit = count_rows(&env.db(), "audit");
    let events = count_rows(&env.db(), "events");
    let file = write(
        &env,
        "bad.ndjson",
        &[
            r#"{"id": "SQ1", "passed_at": "2026-11-24T09:30:00+08:00"}"#, // 1: good
            r#"{"id": "SQ2", "passed_at": "yesterday"}"#,                 // 2: not RFC 3339
            r#"{"id": "SQ2", "passed_at": "2026-11-24T10:00:00+08:00", "by": "x"}"#, // 3: unknown field
            r#"{"id": "SQ1", "passed_at": "2026-11-24T09:40:00+08:00"}"#,            // 4: duplicate
            r#"{"id": "SQ4", "passed_at": "2026-11-24T09:40:00+08:00"}"#, // 5: pending review
            r#"{"id": "GONE", "passed_at": "2026-11-24T09:40:00+08:00"}"#, // 6: unknown id
            r#"{"id": "SQ6", "passed_at": "2026-11-25T10:00:00+08:00"}"#, // 7: the future
            r#"{"id": "SQ7", "passed_at": "2026-11-01T10:00:00+08:00"}"#, // 8: before approval
            r#"{"id": "SQ3"}"#,                                           // 9: no passed_at
            "not json",                                                   // 10
            "",                                                           // 11: blank, skipped
            r#"{"id": "SQ8", "passed_at": "2026-11-24T10:04:00+08:00"}"#, // 12: good (skew)
        ]
        .join("\n"),
    );
    let out = env.run(&["integrated", "--file", &file]);
    assert_user_error(&out, &["integrated", "--file"]);
    let err = stderr(&out);
    assert!(err.contains("9 bad records; nothing was imported"), "{err}");
    for expected in [
        "line 2 (SQ2), field `passed_at`: `yesterday` is not an RFC 3339 instant",
        "line 3: unknown field `by`",
        "line 4 (SQ1), field `id`: the same id as line 1",
        "line 5 (SQ4), field `id`: it is pending_review, not pending_integration",
        "line 6 (GONE), field `id`: no application with this id",
        "line 7 (SQ6), field `passed_at`: 2026-11-25T10:00:00+08:00 is in the future",
        "line 8 (SQ7), field `passed_at`: 2026-11-01T10:00:00+08:00 is before the approval (2026-11-20T15:00:00+08:00)",
        "line 9: missing field `passed_at`",
        "line 10:",
    ] {
        assert!(err.contains(expected), "expected `{expected}` in:\n{err}");
    }
    for good in ["line 1 ", "line 1:", "line 11", "line 12"] {
        assert!(
            !err.lines().any(|l| l.trim_start().starts_with(good)),
            "{good} is not bad:\n{err}"
        );
    }
    assert_eq!(env.state_of("SQ1"), "pending_integration");
    assert_eq!(env.state_of("SQ8"), "pending_integration");
    assert_eq!(count_rows(&env.db(), "audit"), audit, "nothing written");
    assert_eq!(count_rows(&env.db(), "events"), events, "nothing published");
}

#[test]
fn a_good_file_makes_every_one_effective_with_one_event_each_in_file_order() {
    let env = approved();
    let before = last_event_id(&env);
    let file = write(
        &env,
        "good.ndjson",
        "\u{feff}{\"id\": \"SQ6\", \"passed_at\": \"2026-11-24T01:30:00Z\"}\n\
         {\"id\": \"SQ1\", \"passed_at\": \"2026-11-24T10:02:00+08:00\"}\n\
         \n\
         {\"id\": \"SQ2\", \"passed_at\": \"2026-11-24T09:45:00+08:00\"}\n",
    );
    let out = env.ok(&["integrated", "--file", &file, "--note", "batch 7"]);
    assert!(
        out.contains("3 applications effective (integration test passed)"),
        "{out}"
    );
    for id in ["SQ1", "SQ2", "SQ6"] {
        assert_eq!(env.state_of(id), "effective", "{id}");
    }
    let events = events_after(&env, before);
    let seen: Vec<(&str, &str, &Value)> = events
        .iter()
        .map(|e| {
            (
                e["type"].as_str().expect("type"),
                e["application_id"].as_str().expect("id"),
                &e["data"]["passed_at"],
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "application.effective",
                "SQ6",
                &json!("2026-11-24T09:30:00+08:00")
            ),
            (
                "application.effective",
                "SQ1",
                &json!("2026-11-24T10:02:00+08:00")
            ),
            (
                "application.effective",
                "SQ2",
                &json!("2026-11-24T09:45:00+08:00")
            ),
        ],
        "one event each, in file order, passed_at in China time"
    );
    let history = env.json(&["history", "SQ6", "--json"]);
    let last = history
        .as_array()
        .expect("entries")
        .last()
        .expect("entry")
        .clone();
    assert_eq!(last["note"], "batch 7");
    assert_eq!(
        last["at"], NOW,
        "recorded now; when it passed is in the detail"
    );
    assert!(env.ok(&["audit", "verify"]).contains("intact"));

    // Standard input, and an application the first file made effective: refused.
    let out = env.run_stdin(
        &["integrated", "--file", "-"],
        b"{\"id\": \"SQ1\", \"passed_at\": \"2026-11-24T10:00:00+08:00\"}\n",
    );
    assert_user_error(&out, &["integrated", "--file", "-"]);
    assert!(
        stderr(&out).contains("line 1 (SQ1), field `id`: it is effective"),
        "{}",
        stderr(&out)
    );
}
