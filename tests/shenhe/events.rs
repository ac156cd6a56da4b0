//! `shenhe events`: every change publishes one event, written with the change, read back
//! as NDJSON oldest first, resumable with --after and followed live with --follow.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::*;

fn events(env: &Env, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["events"];
    all.extend_from_slice(args);
    env.ok(&all)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

fn summary(events: &[Value]) -> Vec<(i64, String, String, Value, String)> {
    events
        .iter()
        .map(|e| {
            (
                e["id"].as_i64().expect("id"),
                e["type"].as_str().expect("type").to_string(),
                e["application_id"]
                    .as_str()
                    .expect("application")
                    .to_string(),
                e["previous_state"].clone(),
                e["state"].as_str().expect("state").to_string(),
            )
        })
        .collect()
}

#[test]
fn every_change_is_one_event_in_order_and_a_consumer_resumes_after_the_last_it_saw() {
    let env = Env::new();
    env.ok(&["init", "--allow-reviewer-override"]);
    let unverified = with(record("SQ3"), &[("/applicant/verified", json!(false))]);
    env.import_records(&[record("SQ1"), record("SQ2"), unverified.clone()]);
    env.ok(&["approve", "SQ1"]);
    env.ok(&[
        "return",
        "SQ2",
        "--reason",
        "icp_missing",
        "--message",
        "请补充备案",
        "--note",
        "internal: looked twice",
    ]);
    // A refused decision publishes nothing.
    env.fails(&["approve", "SQ2"]);
    // The same file again changes nothing and publishes nothing; a verification does.
    env.import_records(&[
        record("SQ1"),
        with(unverified, &[("/applicant/verified", json!(true))]),
    ]);

    let all = events(&env, &[]);
    let pending = json!("pending_review");
    assert_eq!(
        summary(&all),
        [
            (
                1,
                "application.received".into(),
                "SQ1".into(),
                Value::Null,
                "pending_review".into()
            ),
            (
                2,
                "application.received".into(),
                "SQ2".into(),
                Value::Null,
                "pending_review".into()
            ),
            (
                3,
                "application.received".into(),
                "SQ3".into(),
                Value::Null,
                "pending_verification".into()
            ),
            (
                4,
                "application.approved".into(),
                "SQ1".into(),
                pending.clone(),
                "pending_integration".into()
            ),
            (
                5,
                "application.returned".into(),
                "SQ2".into(),
                pending,
                "returned".into()
            ),
            (
                6,
                "application.verified".into(),
                "SQ3".into(),
                json!("pending_verification"),
                "pending_review".into()
            ),
        ]
    );
    let received = &all[0];
    assert_eq!(
        received["data"],
        json!({"product": "platform_instant", "plan": "package_600"})
    );
    assert_eq!(received["revision"], 1);
    assert_eq!(
        received["occurred_at"],
        json!(NOW),
        "in China time, at the import's clock"
    );
    assert_eq!(all[3]["data"]["integration_needed"], true);
    assert_eq!(all[3]["actor"], whoami());
    // Each event names the audit entry written with it.
    let history = env.json(&["history", "SQ1", "--json"]);
    let approval = &history.as_array().expect("entries")[1];
    assert_eq!(approval["action"], "approve");
    assert_eq!(
        (&all[3]["audit_seq"], &all[3]["audit_hash"]),
        (&approval["seq"], &approval["hash"])
    );

    let returned = &all[4]["data"];
    assert_eq!(returned["message"], "请补充备案");
    let reasons = returned["reasons"].as_array().expect("reasons");
    assert_eq!(reasons.len(), 1);
    assert_eq!(reasons[0]["code"], "icp_missing");
    assert!(
        reasons[0]["zh"]
            .as_str()
            .is_some_and(|t| t.contains("备案"))
            && reasons[0]["en"].as_str().is_some_and(|t| t.contains("ICP")),
        "the texts the applicant reads: {returned}"
    );
    let text = env.ok(&["events"]);
    assert!(
        !text.contains("internal"),
        "never the internal note: {text}"
    );
    assert!(!text.contains("s3cret-pw"), "never the test password");

    // A consumer that saw up to 4 gets 5 and 6; --limit caps; after the last, nothing.
    assert_eq!(summary(&events(&env, &["--after", "4"]))[0].0, 5);
    assert_eq!(events(&env, &["--after", "4"]).len(), 2);
    assert_eq!(events(&env, &["--limit", "2"]).len(), 2);
    assert!(events(&env, &["--after", "6"]).is_empty());
}

#[test]
fn an_import_that_is_refused_publishes_nothing() {
    let env = Env::new();
    env.ok(&["init", "--allow-reviewer-override"]);
    let file = env.path("bad.ndjson");
    let mut records: Vec<Value> = (0..600).map(|i| record(&format!("G{i}"))).collect();
    records.push(with(
        record("BAD"),
        &[("/product", json!("no_such_product"))],
    ));
    write_ndjson(&file, &records);
    env.fails(&["import", file.to_str().expect("utf-8")]);
    assert_eq!(count_rows(&env.db(), "events"), 0);
    assert!(events(&env, &[]).is_empty());
}

#[test]
fn follow_prints_each_new_event_within_a_second_of_its_commit() {
    let env = Env::new();
    env.ok(&["init", "--allow-reviewer-override"]);
    env.import_records(&[record("SQ1"), record("SQ2")]);
    let mut follower = env
        .command()
        .args(["events", "--after", "1", "--follow"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn follower");
    let mut lines = BufReader::new(follower.stdout.take().expect("stdout")).lines();
    let mut next = || -> Value {
        let line = lines.next().expect("a line").expect("read");
        serde_json::from_str(&line).expect("json")
    };
    assert_eq!(next()["id"], 2, "what was there already, after --after");
    for (i, id) in ["SQ1", "SQ2"].into_iter().enumerate() {
        env.ok(&["approve", id]);
        let committed = Instant::now();
        let event = next();
        let waited = committed.elapsed();
        assert_eq!(
            (event["id"].as_i64(), event["application_id"].as_str()),
            (Some(3 + i as i64), Some(id))
        );
        // Generous for a loaded machine: the promise is a second, the poll is 200 ms.
        assert!(waited < Duration::from_secs(5), "{id}: {waited:?}");
    }
    follower.kill().expect("kill");
    follower.wait().expect("wait");
}

#[test]
fn hostile_text_in_an_event_is_escaped_on_the_terminal() {
    let env = Env::new();
    env.ok(&["init", "--allow-reviewer-override"]);
    env.import_records(&[record("SQ1")]);
    // A reviewer's text refuses control and bidirectional characters (cli.rs), so the
    // hostile message is written beside shenhe, as someone with the sqlite3 shell could.
    let hostile = "fix \u{1b}[2J\u{202e}this\u{9b}";
    assert!(
        !env.run(&["return", "SQ1", "--reason", "other", "--message", hostile])
            .status
            .success()
    );
    env.ok(&[
        "return",
        "SQ1",
        "--reason",
        "other",
        "--message",
        "fix this",
    ]);
    {
        let shell = rusqlite::Connection::open(env.db()).expect("the sqlite3 shell");
        let data = serde_json::json!({ "message": hostile }).to_string();
        shell
            .execute(
                "INSERT INTO events (type, occurred_at, application_id, revision, previous_state, state, actor, data, audit_seq, audit_hash)
                 SELECT type, occurred_at, application_id, revision, previous_state, state, actor, ?1, audit_seq, audit_hash
                 FROM events ORDER BY id DESC LIMIT 1",
                [data],
            )
            .expect("an event written by hand");
    }
    let text = env.ok(&["events", "--after", "2"]);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{202e}') && !text.contains('\u{9b}'),
        "{text:?}"
    );
    let event: Value = serde_json::from_str(text.trim()).expect("json");
    assert_eq!(
        event["data"]["message"], hostile,
        "a JSON reader gets the text back"
    );
}

#[test]
fn follow_with_a_limit_stops_at_the_limit() {
    let env = Env::new();
    env.import_records(&[record("SQ1"), record("SQ2"), record("SQ3")]);
    let mut follower = env
        .command()
        .args(["events", "--limit", "2", "--follow"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn follower");
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = follower.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = follower.kill();
            panic!("--follow --limit 2 went on past its limit");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success());
    let out = follower.wait_with_output().expect("output");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
}
