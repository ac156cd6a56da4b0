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
