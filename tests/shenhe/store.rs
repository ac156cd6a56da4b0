//! The store on real files: concurrent changes, the append-only audit trail and its
//! hash chain, and the schema.

use std::sync::Arc;

use shenhe::domain::policy::Policy;
use shenhe::review::{Clock, Review, ReviewError};
use shenhe::store::sqlite::SqliteStore;

use crate::common::*;

#[test]
fn a_decision_on_a_changed_application_is_refused() {
    let env = Env::new();
    env.import_records(&[record("SQ1")]);
    let mut alice = review_as(&env, "alice");
    let mut bob = review_as(&env, "bob");
    let seen_by_alice = alice.show("SQ1").expect("show").stored.version;
    let seen_by_bob = bob.show("SQ1").expect("show").stored.version;

    bob.return_application("SQ1", seen_by_bob, &["icp_missing".into()], None, None)
        .expect("bob returns");
    match alice.approve("SQ1", seen_by_alice, None) {
        Err(ReviewError::Conflict { by, state, .. }) => {
            assert_eq!(by, "bob");
            assert_eq!(state.id(), "returned");
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    let err = alice
        .approve("SQ1", seen_by_alice, None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("already decided by bob") && err.contains("nothing was written"),
        "{err}"
    );
    let history = alice.history("SQ1").expect("history");
    assert_eq!(
        history
            .iter()
            .filter(|e| e.entry.action == "return")
            .count(),
        1
    );
    assert_eq!(
        history
            .iter()
            .filter(|e| e.entry.action == "approve")
            .count(),
        0
    );
}

#[test]
fn the_audit_trail_refuses_update_and_delete() {
    let env = Env::new();
    env.import_records(&[record("SQ1")]);
    let conn = rusqlite::Connection::open(env.db()).expect("open");
    let err = conn
        .execute("UPDATE audit SET actor = 'mallory'", [])
        .unwrap_err()
        .to_string();
    assert!(err.contains("append-only"), "{err}");
    let err = conn
        .execute("DELETE FROM audit", [])
        .unwrap_err()
        .to_string();
    assert!(err.contains("append-only"), "{err}");
    assert_eq!(count_rows(&env.db(), "audit"), 1);
}

#[test]
fn tampering_is_detected_and_named() {
    let env = Env::new();
    env.import_records(&[record("SQ1"), record("SQ2"), record("SQ3")]);
    env.ok(&["approve", "SQ2"]);
    let ok = env.ok(&["audit", "verify"]);
    assert!(ok.contains("intact: 4 entries"), "{ok}");

    // An auditor's nightmare: someone drops the trigger and edits entry 2.
    let conn = rusqlite::Connection::open(env.db()).expect("open");
    conn.execute_batch(
        "DROP TRIGGER audit_no_update; UPDATE audit SET actor = 'mallory' WHERE seq = 2;",
    )
    .expect("tamper");
    drop(conn);
    let err = env.fails(&["audit", "verify"]);
    assert!(
        err.contains("broken at entry 2") && err.contains("edited"),
        "{err}"
    );
}

#[test]
fn a_removed_entry_breaks_the_chain() {
    let env = Env::new();
    env.import_records(&[record("SQ1"), record("SQ2"), record("SQ3")]);
    let conn = rusqlite::Connection::open(env.db()).expect("open");
    conn.execute_batch("DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq = 2;")
        .expect("tamper");
    drop(conn);
    let err = env.fails(&["audit", "verify"]);
    assert!(
        err.contains("broken at entry 3") && err.contains("removed or inserted"),
        "{err}"
    );
}

#[test]
fn the_schema_is_versioned_and_files_are_group_writable() {
    let env = Env::new();
    env.ok(&["init"]);
    let conn = rusqlite::Connection::open(env.db()).expect("open");
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert!(version >= 1);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
    conn.pragma_update(None, "user_version", 999).expect("bump");
    drop(conn);
    let err = env.fails(&["list"]);
    assert!(err.contains("newer than this shenhe knows"), "{err}");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(env.db())
            .expect("meta")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode & 0o007, 0, "never world-readable: {mode:o}");
        assert_eq!(mode & 0o060, 0o060, "group-writable: {mode:o}");
    }
}

/// What is wrong with a page's plan, if anything: a page must not sort every matching row
/// before the first is shown, nor read the whole table.
fn plan_fault(plan: &[String]) -> Option<&'static str> {
    if plan.iter().any(|l| l.contains("TEMP B-TREE")) {
        return Some("sorts every matching row");
    }
    // The page's SQL names the table `a`; a scan of the page's own rows (`p`) is fine.
    let full_scan = plan.iter().any(|line| {
        let scanned = line.strip_prefix("SCAN ").unwrap_or("");
        let table = scanned.split_whitespace().next().unwrap_or("");
        matches!(table, "a" | "applications") && !scanned.contains(" USING ")
    });
    full_scan.then_some("reads every application")
}

#[test]
fn a_queue_page_is_read_from_an_index() {
    use shenhe::domain::state::State;
    use shenhe::store::{QueueQuery, SortKey};

    let env = Env::new();
    env.ok(&["init"]);
    let store = SqliteStore::open(&env.db()).expect("open");
    let now = chrono::DateTime::parse_from_rfc3339(NOW).expect("now");
    let open = vec![State::PendingReview, State::PendingVerification];
    // The console's queue (both open states, by due time) and the orders and filters a
    // reviewer switches to. Searches are in search.rs: they read their matches from the
    // search index first and sort only those. Sorting by merchant walks the index of its
    // pinyin key (search.rs too).
    let mut cases: Vec<(String, QueueQuery)> = Vec::new();
    for sort in [SortKey::Due, SortKey::Submitted] {
        for descending in [false, true] {
            for (name, states) in [
                ("open states", open.clone()),
                ("every state", Vec::new()),
                ("one state", vec![State::PendingReview]),
                ("returned", vec![State::Returned]),
            ] {
                cases.push((
                    format!("{name}, by {sort:?}, descending: {descending}"),
                    QueueQuery {
                        states,
                        sort,
                        descending,
                        ..Default::default()
                    },
                ));
            }
        }
    }
    cases.push((
        "overdue".into(),
        QueueQuery {
            states: vec![State::PendingReview],
            due_before: Some(now),
            ..Default::default()
        },
    ));
    cases.push((
        "due today".into(),
        QueueQuery {
            states: vec![State::PendingReview],
            due_from: Some(now),
            due_before: Some(now + chrono::Duration::hours(14)),
            ..Default::default()
        },
    ));
    for (what, query) in &cases {
        let plan = store.page_plan(query, 0, 50, now).expect("plan");
        let text = plan.join("\n");
        assert_eq!(plan_fault(&plan), None, "{what}:\n{text}");
        let index = match query.sort {
            SortKey::Submitted => "applications_state_submitted",
            _ => "applications_state_due",
        };
        assert!(
            plan.iter().any(|l| l.contains(index)),
            "{what}: the page walks {index}:\n{text}"
        );
        // A later page is read the same way.
        let later = store.page_plan(query, 500, 50, now).expect("plan");
        assert_eq!(plan_fault(&later), None, "{what}, page 11:\n{text}");
    }
    // The check itself sees a sort and a full scan when there is one.
    let plan_of = |sql: &str| -> Vec<String> {
        store
            .connection()
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .expect("prepare")
            .query_map([], |r| r.get::<_, String>(3))
            .expect("plan")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    let sorted = plan_of("SELECT id FROM applications ORDER BY merchant LIMIT 50");
    assert_eq!(
        plan_fault(&sorted),
        Some("sorts every matching row"),
        "{sorted:?}"
    );
    let scanned = plan_of("SELECT id FROM applications a WHERE merchant = 'x' LIMIT 50");
    assert_eq!(
        plan_fault(&scanned),
        Some("reads every application"),
        "{scanned:?}"
    );
}

#[test]
fn a_claim_lapses_by_itself_unless_renewed() {
    let env = Env::new();
    env.import_records(&[record("SQ1")]);
    let at = |t: &str| Clock::Fixed(chrono::DateTime::parse_from_rfc3339(t).expect("time"));
    let open = |actor: &str, t: &str| {
        let store = SqliteStore::open(&env.db()).expect("open");
        Review::new(
            Box::new(store),
            Arc::new(Policy::builtin()),
            actor.to_string(),
            at(t),
        )
        .expect("review")
    };
    let mut alice = open("alice", "2026-11-24T10:00:00+08:00");
    assert!(alice.claim("SQ1").expect("claim").is_none());

    let mut bob = open("bob", "2026-11-24T10:01:00+08:00");
    let held = bob.claim("SQ1").expect("claim").expect("alice holds it");
    assert_eq!(held.reviewer, "alice");
    assert_eq!(
        bob.show("SQ1").expect("show").claim.map(|c| c.reviewer),
        Some("alice".to_string())
    );
    let row = bob.page(&Default::default(), 0, 10).expect("page");
    assert_eq!(row[0].claimed_by.as_deref(), Some("alice"));

    // Alice's console died: nobody renews, and two minutes later the claim is gone.
    let mut bob = open("bob", "2026-11-24T10:02:01+08:00");
    assert!(bob.show("SQ1").expect("show").claim.is_none());
    assert!(
        bob.claim("SQ1").expect("claim").is_none(),
        "bob may claim it now"
    );
    let row = bob.page(&Default::default(), 0, 10).expect("page");
    assert_eq!(row[0].claimed_by.as_deref(), Some("bob"));

    // Releasing gives it back at once.
    bob.release("SQ1").expect("release");
    let carol = open("carol", "2026-11-24T10:02:02+08:00");
    assert!(carol.show("SQ1").expect("show").claim.is_none());
}

#[test]
fn a_bulk_load_into_an_empty_database_leaves_it_in_wal_mode() {
    let env = Env::new();
    env.ok(&["init"]);
    // A console (any connection) holding the database open keeps the import on the WAL path.
    let watcher = rusqlite::Connection::open(env.db()).expect("open");
    let _: i64 = watcher
        .query_row("SELECT count(*) FROM applications", [], |r| r.get(0))
        .expect("read");
    env.import_records(&[record("SQ1")]);
    drop(watcher);
    // Nobody else: the rollback-journal path, and WAL again afterwards.
    let records: Vec<_> = (0..200).map(|i| record(&format!("B{i:03}"))).collect();
    let other = Env::new();
    other.import_records(&records);
    for env in [&env, &other] {
        let conn = rusqlite::Connection::open(env.db()).expect("open");
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .expect("mode");
        assert_eq!(mode, "wal");
        assert_eq!(integrity_check(&conn), "ok");
    }
    assert_eq!(count_rows(&other.db(), "applications"), 200);
    assert!(
        other
            .ok(&["audit", "verify"])
            .contains("intact: 200 entries")
    );
    // The indexes a bulk load dropped and rebuilt are the ones a new database has.
    let indexes = |db: &std::path::Path| -> Vec<(String, String)> {
        let conn = rusqlite::Connection::open(db).expect("open");
        let mut stmt = conn
            .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
            .expect("prepare");
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    let fresh = Env::new();
    fresh.ok(&["init"]);
    assert_eq!(indexes(&other.db()), indexes(&fresh.db()));
    // Four of schema 1, the account's products (schema 2: effective directly), the
    // site probe's records (schema 2, not dropped by a bulk load), schema 3's merchant
    // order and ids by prefix, and schema 4's audit by action and time, assignments by
    // reviewer and kept decisions by time.
    assert_eq!(indexes(&fresh.db()).len(), 11);
}

#[test]
fn opening_during_a_first_bulk_load_waits_for_it() {
    use std::time::{Duration, Instant};

    let env = Env::new();
    // A new, empty database: the import takes the bulk path, under a rollback journal
    // that exists exactly while its transaction is open (`begin_import`).
    env.ok(&["init"]);
    let records: Vec<_> = (0..5000).map(|i| record(&format!("L{i:05}"))).collect();
    let file = env.path("load.ndjson");
    write_ndjson(&file, &records);
    let journal = env.path("shenhe.db-journal");
    let mut import = env
        .command()
        .args(["import", file.to_str().expect("path")])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn import");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !journal.exists() {
        if let Some(status) = import.try_wait().expect("try_wait") {
            panic!("the import ended ({status}) before its load was seen under way");
        }
        assert!(
            Instant::now() < deadline,
            "the load did not start within 60 s"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    // The load has started and not finished: the list lands in the middle of it.
    assert!(
        import.try_wait().expect("try_wait").is_none(),
        "the import ended before the list"
    );
    assert!(journal.exists(), "the load committed before the list");
    let out = env.run(&["list", "--limit", "1", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // It waited for the load to commit, and shows all of it: neither an error, nor the
    // empty queue of before the load beside a load still under way.
    assert!(
        !journal.exists(),
        "the list answered while the load was still under way"
    );
    let listed: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(listed["total"], 5000, "{listed}");

    let done = import.wait_with_output().expect("wait");
    assert!(done.status.success(), "{}", stderr(&done));
    assert!(!journal.exists(), "the load's journal is gone");
    assert_eq!(env.json(&["list", "--json", "--limit", "1"])["total"], 5000);
}

/// Unmounts a test's tmpfs however the test ends.
struct Mounted(std::path::PathBuf);

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_bulk_load_sorts_in_memory_when_the_temporary_directory_is_full() {
    let env = Env::new();
    // SQLite's index sorter writes its chunks (4 MiB each) to the temporary directory:
    // several MiB for 80,000 applications, and this one holds 1 MiB.
    let tiny = env.path("tiny-tmp");
    std::fs::create_dir(&tiny).expect("mkdir");
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
        .arg(&tiny)
        .stderr(std::process::Stdio::null())
        .status();
    if !mounted.is_ok_and(|s| s.success()) {
        // CI runs as root, where this test runs; elsewhere it cannot make the small disk.
        eprintln!("skipped: mounting a tmpfs needs root");
        return;
    }
    let _mounted = Mounted(tiny.clone());
    let file = env.path("load.ndjson");
    let generated = env
        .command()
        .args(["generate", "--count", "80000", "--seed", "3"])
        .output()
        .expect("generate");
    assert!(generated.status.success(), "{}", stderr(&generated));
    std::fs::write(&file, &generated.stdout).expect("write");

    let out = env
        .command()
        .env("SQLITE_TMPDIR", &tiny)
        .args(["import", file.to_str().expect("utf-8 path")])
        .output()
        .expect("import");
    assert!(out.status.success(), "import failed: {}", stderr(&out));
    assert!(
        stdout(&out).contains("imported 80000 new"),
        "{}",
        stdout(&out)
    );
    let conn = rusqlite::Connection::open(env.db()).expect("open");
    assert_eq!(integrity_check(&conn), "ok");
    let indexes: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .expect("indexes");
    // Every secondary index (schema 1's four, schema 2's account products, schema 3's
    // merchant order and ids by prefix, schema 4's audit by action and time) was built;
    // and the site probe's (schema 2) and schema 4's assignments and kept decisions,
    // which a bulk load leaves alone.
    assert_eq!(indexes, 11);
}

/// A database in a directory that does not exist yet: opening creates the directory.
#[test]
fn a_database_in_a_missing_directory_is_created_with_it() {
    let env = Env::real();
    let db = env.path("team/reviews/shenhe.db");
    assert!(!env.path("team").exists());
    let db_arg = db.to_str().expect("utf-8 path");
    env.ok(&["--db", db_arg, "init"]);
    assert!(db.is_file(), "{}", db.display());
    let file = env.path("one.ndjson");
    write_ndjson(&file, &[record("SQ1")]);
    env.ok(&["--db", db_arg, "import", file.to_str().expect("path")]);
    let listed = env.json(&["--db", db_arg, "list", "--json"]);
    assert_eq!(listed["total"], 1, "{listed}");
}

/// Starts `count` commands `args` that all wait, before they open their database, for
/// the test to let them go at once: each reads the policy from a directory of its own
/// whose last file (holidays.toml) is a named pipe, and blocks in reading it until the
/// test has written every pipe and closes them. Returns the commands just let go.
#[cfg(unix)]
fn start_together(env: &Env, name: &str, count: usize, args: &[&str]) -> Vec<std::process::Child> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    use std::time::{Duration, Instant};

    let (pipe_file, others) = shenhe::domain::policy::FILES
        .split_last()
        .expect("policy files");
    let mut children = Vec::new();
    let mut pipes = Vec::new();
    for i in 0..count {
        let data = env.path(&format!("{name}-data{i}"));
        std::fs::create_dir(&data).expect("mkdir");
        for (file, text) in others {
            std::fs::write(data.join(file), text).expect("write policy file");
        }
        let pipe = data.join(pipe_file.0);
        let c_path = std::ffi::CString::new(pipe.to_str().expect("utf-8 path")).expect("path");
        // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
        assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0, "mkfifo");
        let child = env
            .command()
            .env("SHENHE_DATA", &data)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        children.push(child);
        pipes.push(pipe);
    }
    // A pipe opens for writing without blocking once its reader has it open: then that
    // command waits in reading it.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut writers = Vec::new();
    let mut failure = None;
    'pipes: for (pipe, child) in pipes.iter().zip(&mut children) {
        loop {
            match std::fs::OpenOptions::new()
                .write(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(pipe)
            {
                Ok(writer) => {
                    writers.push(writer);
                    break;
                }
                Err(e) if e.raw_os_error() == Some(libc::ENXIO) => {
                    if let Some(status) = child.try_wait().expect("try_wait") {
                        failure = Some(format!("a command ended ({status}) before its policy"));
                        break 'pipes;
                    }
                    if Instant::now() >= deadline {
                        failure = Some("the commands did not start within 30 s".into());
                        break 'pipes;
                    }
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(e) => {
                    failure = Some(format!("open {}: {e}", pipe.display()));
                    break 'pipes;
                }
            }
        }
    }
    if let Some(failure) = failure {
        // None is left waiting on its pipe for ever.
        for child in &mut children {
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("{failure}");
    }
    // The policy file is a few KiB, less than a pipe holds: written whole at once.
    for writer in &mut writers {
        writer
            .write_all(pipe_file.1.as_bytes())
            .expect("write policy");
    }
    // Closing the pipes is the start: each command reads to the end and goes on.
    drop(writers);
    children
}

/// Elsewhere the commands are started one after another, as fast as they can be.
#[cfg(not(unix))]
fn start_together(env: &Env, _name: &str, count: usize, args: &[&str]) -> Vec<std::process::Child> {
    (0..count)
        .map(|_| {
            env.command()
                .args(args)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect()
}

/// Several commands opening one new database at the same moment (a team's `init`s on a
/// fresh shared path): all of them succeed and the schema is made once,
/// however their creating the file and migrating it interleave.
#[test]
fn commands_opening_one_new_database_at_once_all_succeed() {
    const PROCESSES: usize = 6;
    const ROUNDS: usize = 16;
    let env = Env::real();
    for round in 0..ROUNDS {
        let db = env.path(&format!("fresh{round}.db"));
        let db_arg = db.to_str().expect("utf-8 path");
        let children = start_together(
            &env,
            &format!("r{round}"),
            PROCESSES,
            // Only the commands that may create a database (init, import, demo) do so.
            &["--db", db_arg, "init"],
        );
        for child in children {
            let out = child.wait_with_output().expect("wait");
            assert!(
                out.status.success(),
                "round {round}: {}{}",
                stderr(&out),
                stdout(&out)
            );
        }
        let conn = rusqlite::Connection::open(&db).expect("open");
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version");
        assert_eq!(version, shenhe::store::sqlite::SCHEMA_VERSION);
        assert_eq!(integrity_check(&conn), "ok");
    }
}

#[test]
fn a_mistyped_database_path_is_an_error_not_a_new_database() {
    let env = Env::real();
    let typo = env.path("shenhe.bd");
    let typo_arg = typo.to_str().expect("utf-8 path");
    for args in [
        &["--db", typo_arg, "list"][..],
        &["--db", typo_arg, "show", "SQ1"],
        &["--db", typo_arg, "events"],
        &["--db", typo_arg, "audit", "verify"],
        &["--db", typo_arg, "approve", "SQ1"],
    ] {
        let err = env.fails(args);
        assert!(
            err.contains(&format!("no database at {typo_arg}")),
            "{args:?}: {err}"
        );
        assert!(!typo.exists(), "{args:?} created {}", typo.display());
    }
}
