//! Reviewers and leads, and reopening, through the real binary: the creator of a
//! database is its first lead, leads add and remove reviewers (never the last lead), and
//! a lead reopens a decided application with a note.

use serde_json::{Value, json};

use crate::common::*;
use crate::integration::{events_after, last_event_id};

/// A test database whose first lead is lina (`init` run as her).
fn team() -> Env {
    let env = Env::fresh();
    let out = run_as(&env, "lina", &["init", "--allow-reviewer-override"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("lina: first lead"),
        "{}",
        stdout(&out)
    );
    env
}

fn run_as(env: &Env, who: &str, args: &[&str]) -> std::process::Output {
    env.command()
        .env("SHENHE_REVIEWER", who)
        .args(args)
        .output()
        .expect("run shenhe")
}

fn ok_as(env: &Env, who: &str, args: &[&str]) -> String {
    let out = run_as(env, who, args);
    assert!(
        out.status.success(),
        "{who}: shenhe {args:?} failed: {}",
        stderr(&out)
    );
    stdout(&out)
}

fn fails_as(env: &Env, who: &str, args: &[&str]) -> String {
    let out = run_as(env, who, args);
    assert_user_error(&out, args);
    stderr(&out)
}

/// (name, lead) of every reviewer, from `reviewers list --json`.
fn roster(env: &Env) -> Vec<(String, bool)> {
    let list: Value =
        serde_json::from_str(&ok_as(env, "lina", &["reviewers", "list", "--json"])).expect("json");
    list["reviewers"]
        .as_array()
        .expect("reviewers")
        .iter()
        .map(|r| {
            (
                r["name"].as_str().expect("name").to_string(),
                r["lead"].as_bool().expect("lead"),
            )
        })
        .collect()
}

fn team_entries(env: &Env) -> Vec<(String, String, String)> {
    let conn = rusqlite::Connection::open(env.db()).expect("open");
    let mut stmt = conn
        .prepare("SELECT actor, action, detail FROM audit WHERE application_id = '#reviewers' ORDER BY seq")
        .expect("prepare");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect()
}

#[test]
fn init_makes_the_account_that_creates_the_database_its_first_lead() {
    let env = team();
    let list = env.json(&["reviewers", "list", "--json"]);
    assert_eq!(
        list,
        json!({"reviewers": [{"name": "lina", "lead": true, "added_at": NOW, "added_by": "lina"}]})
    );
    // The database's birth certificate is its reviewers row: the audit trail starts
    // empty, with the applications.
    assert_eq!(count_rows(&env.db(), "audit"), 0);
    // init again changes nothing.
    let again = ok_as(&env, "bob", &["init"]);
    assert!(!again.contains("first lead"), "{again}");
    assert_eq!(roster(&env), [("lina".to_string(), true)]);

    // Without the override, the operating-system account.
    let real = Env::real();
    let out = real.ok(&["init"]);
    assert!(out.contains(&format!("{}: first lead", whoami())), "{out}");
    let text = real.ok(&["reviewers", "list"]);
    assert!(
        text.lines()
            .any(|l| l.starts_with(&whoami()) && l.contains("lead")),
        "{text}"
    );
}

#[test]
fn leads_add_and_remove_reviewers_others_are_refused_and_the_last_lead_stays() {
    let env = team();
    assert!(ok_as(&env, "lina", &["reviewers", "add", "bob"]).contains("bob: reviewer"));
    assert_eq!(
        roster(&env),
        [("bob".to_string(), false), ("lina".to_string(), true)]
    );
    for args in [
        &["reviewers", "add", "carol"][..],
        &["reviewers", "add", "bob", "--lead"],
        &["reviewers", "remove", "lina"],
    ] {
        let err = fails_as(&env, "bob", args);
        assert!(
            err.contains("only a lead reviewer may do this, and bob is not one"),
            "{args:?}: {err}"
        );
    }
    // Someone the table does not know at all is no lead either.
    let err = fails_as(&env, "mallory", &["reviewers", "add", "mallory", "--lead"]);
    assert!(err.contains("mallory is not one"), "{err}");

    let err = fails_as(&env, "lina", &["reviewers", "remove", "lina"]);
    assert!(
        err.contains(
            "lina is the last lead reviewer: make another lead first; nothing was written"
        ),
        "{err}"
    );
    let err = fails_as(&env, "lina", &["reviewers", "add", "lina"]);
    assert!(err.contains("lina is the last lead reviewer"), "{err}");
    let err = fails_as(&env, "lina", &["reviewers", "remove", "nobody"]);
    assert!(err.contains("no reviewer named `nobody`"), "{err}");
    let err = fails_as(&env, "lina", &["reviewers", "remove", "no\u{7}body"]);
    assert!(err.contains("no reviewer named"), "{err}");
    assert!(!err.contains('\u{7}'), "{err:?}");
    let err = fails_as(&env, "lina", &["reviewers", "add", "li na"]);
    assert!(err.contains("`li na` is not a reviewer's name"), "{err}");
    assert_eq!(roster(&env).len(), 2, "refusals change nothing");

    // Two leads: either may go, then the other is the last.
    assert!(ok_as(&env, "lina", &["reviewers", "add", "bob", "--lead"]).contains("bob: lead"));
    ok_as(&env, "bob", &["reviewers", "remove", "lina"]);
    assert_eq!(roster(&env), [("bob".to_string(), true)]);
    let err = fails_as(&env, "bob", &["reviewers", "remove", "bob"]);
    assert!(err.contains("bob is the last lead reviewer"), "{err}");
    let err = fails_as(&env, "lina", &["reviewers", "add", "carol"]);
    assert!(
        err.contains("lina is not one"),
        "a removed lead is no lead: {err}"
    );

    // Every change is in the audit trail, and the chain holds.
    assert_eq!(
        team_entries(&env),
        [
            (
                "lina".into(),
                "add_reviewer".into(),
                "bob (reviewer)".into()
            ),
            (
                "lina".into(),
                "change_reviewer".into(),
                "bob: now lead".into()
            ),
            ("bob".into(), "remove_reviewer".into(), "lina".into()),
        ]
    );
    let verified = env.ok(&["audit", "verify"]);
    assert!(verified.contains("intact: 3 entries"), "{verified}");
    // The team's own history, as a lead reads it.
    let history = env.json(&["history", "#reviewers", "--json"]);
    let actions: Vec<&str> = history
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["action"].as_str().expect("action"))
        .collect();
    assert_eq!(
        actions,
        ["add_reviewer", "change_reviewer", "remove_reviewer"]
    );
    let text = env.ok(&["history", "#reviewers"]);
    assert!(text.contains("bob: now lead"), "{text}");
}

#[test]
fn a_database_without_a_lead_lets_only_the_owner_of_its_file_make_the_first() {
    // A database from before roles: the reviewers table is empty.
    let env = team();
    env.import_records(&[record("SQ1")]);
    env.ok(&["return", "SQ1", "--reason", "icp_missing"]);
    rusqlite::Connection::open(env.db())
        .expect("open")
        .execute("DELETE FROM reviewers", [])
        .expect("empty the table");
    let text = ok_as(&env, "lina", &["reviewers", "list"]);
    assert!(
        text.contains("no lead yet: the owner of the database file makes the first one"),
        "{text}"
    );
    let err = fails_as(&env, "lina", &["reopen", "SQ1", "--note", "x"]);
    assert!(err.contains("only a lead reviewer may do this"), "{err}");
    // The first one must be a lead.
    let err = fails_as(&env, "lina", &["reviewers", "add", "bob"]);
    assert!(
        err.contains("this database has no lead reviewer yet"),
        "{err}"
    );
    assert!(
        err.contains(
            "hint: the owner of the database file runs `shenhe reviewers add NAME --lead`"
        ),
        "{err}"
    );
    // Someone who does not own the file cannot (the review layer, told so by the face).
    let mut review = review_as(&env, "mallory");
    let refused = review.add_reviewer("mallory", true, false);
    assert!(
        matches!(refused, Err(shenhe::review::ReviewError::NoLeadYet { .. })),
        "{refused:?}"
    );
    drop(review);
    // The tests' account owns the file it created.
    assert!(
        ok_as(&env, "lina", &["reviewers", "add", "wangwei", "--lead"]).contains("wangwei: lead")
    );
    assert_eq!(roster(&env), [("wangwei".to_string(), true)]);
    assert_eq!(
        team_entries(&env),
        [(
            "lina".into(),
            "add_reviewer".into(),
            "wangwei (lead); first lead, by the owner of the database file".into()
        )]
    );
    // Now the rule is the usual one.
    let err = fails_as(&env, "lina", &["reviewers", "add", "lina", "--lead"]);
    assert!(err.contains("lina is not one"), "{err}");
    ok_as(
        &env,
        "wangwei",
        &["reopen", "SQ1", "--note", "returned by mistake"],
    );
    assert!(env.ok(&["audit", "verify"]).contains("intact"));
}

/// Four decided applications, one in each decided state, and one still pending review.
fn decided(env: &Env) {
    let settlement = with(
        record("EFF"),
        &[
            ("/product", json!("large_transfer")),
            ("/plan", json!(null)),
            ("/payment", json!(null)),
        ],
    );
    let lapsed = with(
        record("CAN"),
        &[
            ("/applicant/verified", json!(false)),
            ("/submitted_at", json!("2026-11-01T09:00:00+08:00")),
        ],
    );
    env.import_records(&[
        record("RET"),
        record("INT"),
        settlement,
        lapsed,
        record("OPEN"),
    ]);
    ok_as(env, "bob", &["return", "RET", "--reason", "icp_missing"]);
    ok_as(env, "bob", &["approve", "INT"]);
    ok_as(env, "bob", &["approve", "EFF"]);
    ok_as(env, "bob", &["expire", "CAN"]);
}

#[test]
fn a_lead_reopens_each_decided_state_with_a_note_and_a_fresh_clock() {
    let env = team();
    ok_as(&env, "lina", &["reviewers", "add", "bob"]);
    decided(&env);
    let states = [
        ("RET", "returned"),
        ("INT", "pending_integration"),
        ("EFF", "effective"),
        ("CAN", "cancelled"),
    ];
    for (id, state) in states {
        assert_eq!(env.state_of(id), state);
        let err = fails_as(&env, "bob", &["reopen", id, "--note", "please"]);
        assert!(
            err.contains("only a lead reviewer may do this, and bob is not one"),
            "{err}"
        );
        for no_note in [&["reopen", id][..], &["reopen", id, "--note", "  "]] {
            let err = fails_as(&env, "lina", no_note);
            assert!(err.contains("reopening needs a note saying why"), "{err}");
            assert!(
                err.contains("hint: `shenhe reopen ID --note TEXT`"),
                "{err}"
            );
        }
        assert_eq!(env.state_of(id), state, "refusals write nothing");
    }
    let err = fails_as(&env, "lina", &["reopen", "OPEN", "--note", "x"]);
    assert!(
        err.contains("OPEN is pending_review: only a decided application can be reopened"),
        "{err}"
    );
    let err = fails_as(&env, "lina", &["reopen", "NOPE", "--note", "x"]);
    assert!(err.contains("no application with id `NOPE`"), "{err}");

    let before = last_event_id(&env);
    for (id, state) in states {
        let out = ok_as(&env, "lina", &["reopen", id, "--note", "复核：误判"]);
        assert!(
            out.contains(&format!("{id}: {state} → pending_review")),
            "{out}"
        );
        assert_eq!(env.state_of(id), "pending_review");
        let history = env.json(&["history", id, "--json"]);
        let last = history
            .as_array()
            .expect("entries")
            .last()
            .expect("entry")
            .clone();
        assert_eq!(last["action"], "reopen");
        assert_eq!(last["actor"], "lina");
        assert_eq!(last["from_state"], state);
        assert_eq!(last["to_state"], "pending_review");
        assert_eq!(last["note"], "复核：误判");
    }
    let events = events_after(&env, before);
    assert_eq!(events.len(), 4, "{events:?}");
    for (event, (id, state)) in events.iter().zip(states) {
        assert_eq!(event["type"], "application.reopened");
        assert_eq!(event["application_id"], id);
        assert_eq!(event["previous_state"], state);
        assert_eq!(event["state"], "pending_review");
        assert_eq!(event["actor"], "lina");
        // Tuesday 24 November + three business days; the note stays internal.
        assert_eq!(
            event["data"],
            json!({"due_at": "2026-11-27T23:59:59+08:00"})
        );
    }
    // The queue orders them by the new clock.
    let list = env.json(&["list", "--json", "--state", "pending_review"]);
    for row in list["rows"].as_array().expect("rows") {
        let expected = if row["id"] == "OPEN" {
            "2026-11-25T23:59:59+08:00"
        } else {
            "2026-11-27T23:59:59+08:00"
        };
        assert_eq!(row["due_at"], expected, "{row}");
    }
    let verified = env.ok(&["audit", "verify"]);
    assert!(verified.contains("audit chain intact"), "{verified}");
    // Reviewed again like any other.
    ok_as(&env, "bob", &["approve", "RET"]);
    assert_eq!(env.state_of("RET"), "pending_integration");
}

#[test]
fn init_on_a_database_without_a_lead_makes_the_owner_of_its_file_the_first() {
    let env = team();
    rusqlite::Connection::open(env.db())
        .expect("open")
        .execute("DELETE FROM reviewers", [])
        .expect("empty the table");
    // The tests' account owns the file: init makes its caller the first lead, and says so
    // in the audit trail (the database existed before).
    let out = ok_as(&env, "zhaomin", &["init"]);
    assert!(out.contains("zhaomin: first lead"), "{out}");
    assert_eq!(roster(&env), [("zhaomin".to_string(), true)]);
    assert_eq!(
        team_entries(&env),
        [(
            "zhaomin".into(),
            "add_reviewer".into(),
            "zhaomin (lead); first lead, by the owner of the database file".into()
        )]
    );
    assert!(
        env.ok(&["audit", "verify"])
            .contains("intact: 1 entry verified")
    );
}

/// The operators' commands speak the reviewer's language too (`--lang`, the config file,
/// the locale), aligned by terminal width.
#[test]
fn the_operators_commands_speak_chinese() {
    let env = team();
    env.import_records(&[record("SQ1")]);
    let zh = |args: &[&str]| ok_as(&env, "lina", &[&["--lang", "zh"], args].concat());
    assert_eq!(zh(&["reviewers", "add", "bob"]).trim(), "bob：审核员");
    let fresh = Env::fresh();
    let made = fresh
        .command()
        .env("SHENHE_REVIEWER", "wang")
        .args(["--lang", "zh", "init", "--allow-reviewer-override"])
        .output()
        .expect("init");
    assert!(made.status.success(), "{}", stderr(&made));
    let said = stdout(&made);
    assert!(
        said.contains("wang：第一位组长") && said.contains("数据库已就绪："),
        "{said}"
    );
    let list = zh(&["reviewers", "list"]);
    let lines: Vec<&str> = list.lines().collect();
    assert!(
        lines[0].starts_with("账号") && lines[0].ends_with("加入人"),
        "{list}"
    );
    assert!(list.contains("组长") && list.contains("审核员"), "{list}");
    let added_by = |line: &str| {
        let at = line.rfind(' ').expect("columns") + 1;
        shenhe::domain::text::width(&line[..at])
    };
    assert_eq!(added_by(lines[0]), added_by(lines[1]), "{list}");
    assert_eq!(zh(&["reviewers", "remove", "bob"]).trim(), "bob：已移除");

    let verified = zh(&["audit", "verify"]);
    assert!(verified.starts_with("审计链完整：已验证 "), "{verified}");
    let head = ok_as(&env, "lina", &["audit", "head"]);
    let held = zh(&["audit", "verify", "--expect", head.trim()]);
    assert!(held.contains("；仍包含保存的链头（第 "), "{held}");
    let beyond = format!("999:{}", "a".repeat(64));
    let err = fails_as(
        &env,
        "lina",
        &["--lang", "zh", "audit", "verify", "--expect", &beyond],
    );
    assert!(err.contains("审计链已不包含保存的链头"), "{err}");

    assert_eq!(zh(&["deliver", "--status"]).trim(), "还没有投递过任何地址");
    // And English stays English.
    let en = ok_as(&env, "lina", &["--lang", "en", "reviewers", "list"]);
    assert!(en.starts_with("NAME"), "{en}");
}
