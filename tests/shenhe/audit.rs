//! The audit chain against someone with the sqlite3 shell: every column of every entry is
//! covered by its hash, so changing any one of them is reported, at that entry.

use crate::common::*;

/// A database with an import of two, a return (reasons, message, note) and an approval.
/// The return is entry 3.
fn decided(env: &Env) {
    env.import_records(&[record("SQ1"), record("SQ2")]);
    env.ok(&[
        "return",
        "SQ1",
        "--reason",
        "icp_missing",
        "--message",
        "请补充备案号",
        "--note",
        "内部备注",
    ]);
    env.ok(&["approve", "SQ2", "--note", "ok"]);
    let ok = env.ok(&["audit", "verify"]);
    assert!(ok.contains("intact: 4 entries"), "{ok}");
}

#[test]
fn editing_any_column_of_an_entry_breaks_the_chain_there() {
    let edits = [
        ("application_id", "'SQ2'"),
        ("revision", "revision + 1"),
        ("at", "'2026-11-24T10:00:01+08:00'"),
        ("actor", "'mallory'"),
        ("action", "'approve'"),
        ("from_state", "'pending_verification'"),
        ("from_state", "NULL"),
        ("to_state", "'pending_integration'"),
        ("to_state", "NULL"),
        ("reasons", "'[\"website_unbuilt\"]'"),
        ("reasons", "'[]'"),
        ("message", "'请补充备案号。'"),
        ("message", "NULL"),
        ("note", "'别的备注'"),
        ("note", "NULL"),
        ("detail", "'forced'"),
        (
            "hash",
            "'0000000000000000000000000000000000000000000000000000000000000000'",
        ),
    ];
    for (column, value) in edits {
        let env = Env::new();
        decided(&env);
        let conn = rusqlite::Connection::open(env.db()).expect("open");
        conn.execute_batch(&format!(
            "DROP TRIGGER audit_no_update; UPDATE audit SET {column} = {value} WHERE seq = 3;"
        ))
        .expect("tamper");
        drop(conn);
        let err = env.fails(&["audit", "verify"]);
        assert!(
            err.contains("broken at entry 3") && err.contains("edited"),
            "{column} = {value}: {err}"
        );
    }
}

#[test]
fn a_changed_link_or_sequence_number_breaks_the_chain() {
    for (edit, at) in [
        (
            "UPDATE audit SET prev_hash = (SELECT prev_hash FROM audit WHERE seq = 2) WHERE seq = 3",
            "entry 3",
        ),
        // Entry 3 moved to the end: entry 4 no longer follows the one before it.
        ("UPDATE audit SET seq = 9 WHERE seq = 3", "entry 4"),
        // Two entries swapped.
        (
            "UPDATE audit SET seq = 99 WHERE seq = 3; UPDATE audit SET seq = 3 WHERE seq = 4; UPDATE audit SET seq = 4 WHERE seq = 99",
            "entry 3",
        ),
    ] {
        let env = Env::new();
        decided(&env);
        let conn = rusqlite::Connection::open(env.db()).expect("open");
        conn.execute_batch(&format!("DROP TRIGGER audit_no_update; {edit};"))
            .expect("tamper");
        drop(conn);
        let err = env.fails(&["audit", "verify"]);
        assert!(err.contains(&format!("broken at {at}")), "{edit}: {err}");
    }
}

fn tamper(env: &Env, sql: &str) {
    let conn = rusqlite::Connection::open(env.db()).expect("open");
    conn.execute_batch(sql).expect("tamper");
}

#[test]
fn data_changed_beside_the_trail_or_entries_cut_from_its_end_are_reported() {
    let cases = [
        // The approval's entry removed from the end: the chain that is left is whole.
        (
            "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 4;",
            vec![
                "SQ2: state is pending_integration, its audit entries give pending_review",
                "event 4: its audit entry 4 is missing",
            ],
        ),
        // A state changed directly, without a decision.
        (
            "UPDATE applications SET state = 'effective' WHERE id = 'SQ1';",
            vec!["SQ1: state is effective, its audit entries give returned"],
        ),
        // A decision undone by hand; the application is decided again below.
        (
            "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 4;
             UPDATE applications SET state = 'pending_review', version = 1 WHERE id = 'SQ2';",
            vec!["event 4: its audit entry 4 is missing or different"],
        ),
        // An application removed with its row.
        (
            "DELETE FROM applications WHERE id = 'SQ2';",
            vec!["SQ2: has audit entries but is not in the database"],
        ),
        // The version of an application set back, so that a stale decision would pass.
        (
            "UPDATE applications SET version = 1 WHERE id = 'SQ1';",
            vec!["SQ1: version is 1, its audit entries give 2"],
        ),
    ];
    for (i, (sql, expected)) in cases.into_iter().enumerate() {
        let env = Env::new();
        decided(&env);
        tamper(&env, sql);
        if i == 2 {
            env.ok(&["approve", "SQ2"]);
        }
        let err = env.fails(&["audit", "verify"]);
        assert!(err.contains("the data disagrees with them"), "{sql}: {err}");
        for line in expected {
            assert!(err.contains(line), "{sql}: expected `{line}` in {err}");
        }
    }
}

#[test]
fn insert_or_replace_cannot_rewrite_an_entry_or_an_event() {
    let env = Env::new();
    decided(&env);
    let conn = rusqlite::Connection::open(env.db()).expect("open");
    for sql in [
        "INSERT OR REPLACE INTO audit SELECT * FROM audit WHERE seq = 3",
        "REPLACE INTO events SELECT * FROM events WHERE id = 3",
    ] {
        let err = conn.execute(sql, []).expect_err(sql);
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    drop(conn);
    assert!(env.ok(&["audit", "verify"]).contains("intact: 4 entries"));
}

#[test]
fn reasons_that_are_not_json_are_reported_as_an_edit() {
    let env = Env::new();
    decided(&env);
    // Entry 4 (the approval) has no reasons: read as a default, garbage would hash as `[]`.
    tamper(
        &env,
        "DROP TRIGGER audit_no_update; UPDATE audit SET reasons = 'garbage' WHERE seq = 4;",
    );
    let err = env.fails(&["audit", "verify"]);
    assert!(
        err.contains("broken at entry 4") && err.contains("edited"),
        "{err}"
    );
}

#[test]
fn a_kept_head_proves_later_that_nothing_before_it_changed() {
    let env = Env::new();
    decided(&env);
    let head = env.ok(&["audit", "head"]).trim().to_string();
    let json = env.json(&["audit", "head", "--json"]);
    assert_eq!(json["head"], head.as_str());
    assert_eq!(json["seq"], 4);
    assert!(head.starts_with("4:") && head.len() == 2 + 64, "{head}");

    env.import_records(&[record("SQ3")]);
    let ok = env.ok(&["audit", "verify", "--expect", &head]);
    assert!(ok.contains("still holds the kept head (entry 4)"), "{ok}");

    // Someone removes the last two entries and mends every table to match: the chain and
    // the data agree again, and only the kept head tells.
    tamper(
        &env,
        "DROP TRIGGER audit_no_delete; DROP TRIGGER events_no_delete;
         DELETE FROM audit WHERE seq >= 4; DELETE FROM events WHERE id >= 4;
         DELETE FROM applications WHERE id = 'SQ3';
         UPDATE applications SET state = 'pending_review', version = 1 WHERE id = 'SQ2';",
    );
    env.ok(&["audit", "verify"]);
    let err = env.fails(&["audit", "verify", "--expect", &head]);
    assert!(err.contains("ends at entry 3, before entry 4"), "{err}");
    // Decided again, the chain has an entry 4 once more, but not the same one.
    env.ok(&["approve", "SQ2"]);
    let err = env.fails(&["audit", "verify", "--expect", &head]);
    assert!(err.contains("entry 4 has another hash"), "{err}");

    for bad in [
        "4",
        "x:abc",
        "0:".to_string().as_str(),
        &format!("4:{}", "g".repeat(64)),
    ] {
        let err = env.fails(&["audit", "verify", "--expect", bad]);
        assert!(
            err.contains("not a head as `shenhe audit head` prints it"),
            "{bad}: {err}"
        );
    }
}
