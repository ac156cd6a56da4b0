//! Crash safety: `shenhe import` and decisions killed with SIGKILL at any moment leave a
//! database that passes `PRAGMA integrity_check` and `audit verify`, with every import and
//! every decision either wholly there or wholly absent.
//!
//! Kill moments are drawn from a seeded generator over the measured length of an
//! uninterrupted run, so the test does not depend on how fast the machine is; whether a
//! given kill lands before, during or after the transaction varies, and every outcome is
//! checked.

use shenhe::generate::rng::Rng;
use shenhe::review::test_pause;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::*;

const IMPORT_RECORDS: usize = 2000;
const DECISIONS: usize = 30;

/// A moment in [0, max), from the seeded generator: the same kill schedule on every run.
fn within(rng: &mut Rng, max: Duration) -> Duration {
    let micros = max.as_micros().max(1) as u64;
    Duration::from_micros(rng.next_u64() % micros)
}

fn kill(mut child: Child) -> bool {
    // On Unix `kill` is SIGKILL: no destructor, no rollback, nothing flushed.
    let finished = matches!(child.try_wait(), Ok(Some(status)) if status.success());
    let _ = child.kill();
    let status = child.wait().expect("wait");
    finished || status.success()
}

fn integrity(db: &Path) {
    let conn = rusqlite::Connection::open(db).expect("open after the kill");
    assert_eq!(integrity_check(&conn), "ok");
    let fk: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .expect("foreign_key_check");
    assert_eq!(fk, 0);
}

fn verified(env: &Env) {
    let out = env.ok(&["audit", "verify"]);
    assert!(out.contains("audit chain intact"), "{out}");
}

fn big_file(env: &Env) -> std::path::PathBuf {
    let records: Vec<Value> = (0..IMPORT_RECORDS)
        .map(|i| record(&format!("K{i:06}")))
        .collect();
    let file = env.path("big.ndjson");
    write_ndjson(&file, &records);
    file
}

fn spawn_import(env: &Env, file: &Path) -> Child {
    env.command()
        .args(["import", file.to_str().expect("utf-8 path")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn import")
}

/// After a killed import: the file is sound, and holds all of it or none of it.
/// After a killed import into a database of `before` applications: the file is sound, and
/// holds all of the import or none of it. True if the import is there.
fn check_after_import_kill(env: &Env, file: &Path, before: i64, what: &str) -> bool {
    integrity(&env.db());
    let apps = count_rows(&env.db(), "applications");
    let audit = count_rows(&env.db(), "audit");
    let all = before + IMPORT_RECORDS as i64;
    assert!(
        apps == before || apps == all,
        "{what}: {apps} applications: an import is one transaction"
    );
    assert_eq!(audit, apps, "{what}: one audit entry per application");
    verified(env);
    // The database is usable: the same file imports (or is all unchanged) now.
    let again = env.ok(&["import", file.to_str().expect("utf-8 path")]);
    assert!(
        again.contains(&format!("imported {IMPORT_RECORDS} new"))
            || again.contains(&format!("{IMPORT_RECORDS} unchanged")),
        "{what}: {again}"
    );
    assert_eq!(count_rows(&env.db(), "applications"), all);
    verified(env);
    apps == all
}

#[test]
fn an_import_killed_at_any_moment_is_all_or_nothing() {
    let source = Env::new();
    let file = big_file(&source);

    // How long an uninterrupted import takes on this machine, now.
    let timed = Env::new();
    timed.ok(&["init"]);
    let started = Instant::now();
    let finished = spawn_import(&timed, &file).wait().expect("wait");
    assert!(finished.success());
    let full = started.elapsed();

    let mut rng = Rng::new(0x5EED_1234_ABCD_0001);
    let mut committed = 0;
    for round in 0..6 {
        let env = Env::new();
        env.ok(&["init"]);
        let child = spawn_import(&env, &file);
        let moment = within(&mut rng, full + full / 4);
        std::thread::sleep(moment);
        let done = kill(child);
        let what = format!("round {round}, killed after {moment:?} of {full:?}");
        if check_after_import_kill(&env, &file, 0, &what) {
            committed += 1;
        } else {
            assert!(!done, "{what}: it said it finished, but nothing is there");
        }
    }
    eprintln!("{committed} of 6 timed kills came after the commit");
}

/// An import paused (`SHENHE_TEST_PAUSE`) at `point`, inside its transaction, and killed
/// there. Returns once the process is dead; panics unless the kill landed mid-write.
fn kill_paused_import(env: &Env, file: &Path, point: &str) {
    let child = env
        .command()
        .env(test_pause::PAUSE_VARIABLE, point)
        .args(["import", file.to_str().expect("utf-8 path")])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn import");
    kill_when_paused(child, point, point, &env.db());
}

/// Waits until `child` says it paused inside a write transaction, checks that it is still
/// running and holds the write lock, and kills it.
fn kill_when_paused(mut child: Child, point: &str, expected: &str, db: &Path) {
    let stderr = child.stderr.take().expect("piped stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let paused = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if line.starts_with(test_pause::PAUSED_MARKER) => break line,
            Ok(_) => continue,
            Err(e) => {
                let _ = child.kill();
                let status = child.wait().expect("wait");
                panic!("{point}: no pause ({e}); the process ended with {status}");
            }
        }
    };
    assert!(
        paused.ends_with(&format!(" {expected}")),
        "{point}: paused at the wrong place: {paused}"
    );
    assert!(
        matches!(child.try_wait(), Ok(None)),
        "{point}: {paused}, but the process is not running"
    );
    assert!(
        write_lock_is_held(db),
        "{point}: paused, but nobody holds the write lock: no transaction is open"
    );
    assert!(
        !kill(child),
        "{point}: the paused process finished by itself"
    );
}

/// Whether another connection holds the database's write lock (an open write transaction).
fn write_lock_is_held(db: &Path) -> bool {
    let conn = rusqlite::Connection::open(db).expect("open");
    conn.busy_timeout(Duration::ZERO).expect("busy timeout");
    match conn.execute_batch("BEGIN IMMEDIATE; ROLLBACK;") {
        Ok(()) => false,
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::DatabaseBusy =>
        {
            true
        }
        Err(e) => panic!("cannot ask for the write lock: {e}"),
    }
}

#[test]
fn an_import_killed_inside_its_transaction_leaves_nothing() {
    let source = Env::new();
    let file = big_file(&source);
    let points = [
        // The first record, a batch and a half in, the last one, and with the indexes built.
        "import-record:1".to_string(),
        format!("import-record:{}", IMPORT_RECORDS * 3 / 8),
        format!("import-record:{IMPORT_RECORDS}"),
        "import-commit".to_string(),
    ];
    let mut mid_write = 0;
    // Into an empty database: the bulk load under a rollback journal.
    for point in &points {
        let env = Env::new();
        env.ok(&["init", "--allow-reviewer-override"]);
        kill_paused_import(&env, &file, point);
        mid_write += 1;
        assert!(
            !check_after_import_kill(&env, &file, 0, point),
            "{point}: killed before its commit, yet the import is there"
        );
    }
    // Into a database that already holds applications: the daily batch, in WAL mode.
    let first: Vec<Value> = (0..50).map(|i| record(&format!("E{i:03}"))).collect();
    for point in &points {
        let env = Env::new();
        env.ok(&["init", "--allow-reviewer-override"]);
        env.import_records(&first);
        kill_paused_import(&env, &file, point);
        mid_write += 1;
        assert!(
            !check_after_import_kill(&env, &file, first.len() as i64, point),
            "{point} (full database): killed before its commit, yet the import is there"
        );
    }
    assert_eq!(mid_write, 2 * points.len(), "every kill landed mid-write");
}

#[test]
fn the_test_pause_is_refused_on_a_real_database() {
    let env = Env::real();
    env.ok(&["init"]);
    let file = big_file(&env);
    let out = env
        .command()
        .env(test_pause::PAUSE_VARIABLE, "import-record:1")
        .args(["import", file.to_str().expect("utf-8 path")])
        .output()
        .expect("run");
    assert_user_error(&out, &["import"]);
    assert!(
        stderr(&out).contains("only on databases made for tests"),
        "{}",
        stderr(&out)
    );
    assert_eq!(count_rows(&env.db(), "applications"), 0);
}

/// The `i`-th decision of a crash test: approvals and returns by turns.
fn decide_command(mut cmd: Command, i: usize, id: &str) -> Command {
    if i.is_multiple_of(2) {
        cmd.args(["approve", id, "--note", "killed or not"]);
    } else {
        cmd.args([
            "return",
            id,
            "--reason",
            "icp_missing",
            "--message",
            "备案号",
        ]);
    }
    cmd
}

#[test]
fn a_decision_killed_at_any_moment_is_wholly_there_or_wholly_absent() {
    let env = Env::real();
    env.ok(&["init"]);
    let ids: Vec<String> = (0..=DECISIONS).map(|i| format!("D{i:03}")).collect();
    let records: Vec<Value> = ids.iter().map(|id| record(id)).collect();
    env.import_records(&records);

    // The first application times an uninterrupted decision.
    let started = Instant::now();
    env.ok(&["approve", &ids[0]]);
    let full = started.elapsed();

    let mut rng = Rng::new(0x5EED_1234_ABCD_0002);
    let mut finished = Vec::new();
    for (i, id) in ids.iter().enumerate().skip(1) {
        let child = decide_command(env.command(), i, id)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        std::thread::sleep(within(&mut rng, full + full / 4));
        if kill(child) {
            finished.push(id.clone());
        }
        // Each kill is checked at once, so that a later decision cannot hide damage.
        integrity(&env.db());
    }

    verified(&env);
    let conn = rusqlite::Connection::open(env.db()).expect("open");
    let mut decided = 0;
    for id in &ids {
        let (state, version): (String, i64) = conn
            .query_row(
                "SELECT state, version FROM applications WHERE id = ?",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("application");
        let entries: Vec<(String, Option<String>)> = conn
            .prepare("SELECT action, to_state FROM audit WHERE application_id = ? AND action IN ('approve', 'return') ORDER BY seq")
            .expect("prepare")
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        if state == "pending_review" {
            assert!(entries.is_empty(), "{id}: undecided but {entries:?}");
            assert_eq!(version, 1, "{id}");
            assert!(!finished.contains(id), "{id} said it finished");
        } else {
            decided += 1;
            assert_eq!(entries.len(), 1, "{id}: {state} with {entries:?}");
            assert_eq!(entries[0].1.as_deref(), Some(state.as_str()), "{id}");
            assert_eq!(version, 2, "{id}");
        }
    }
    eprintln!(
        "{decided} of {} decisions committed before their kill",
        ids.len()
    );
    // Whatever was interrupted, the undecided ones can still be decided.
    for id in &ids {
        if env.state_of(id) == "pending_review" {
            env.ok(&["approve", id]);
        }
    }
    verified(&env);
}

#[test]
fn a_decision_killed_inside_its_transaction_is_absent() {
    let env = Env::new();
    env.ok(&["init", "--allow-reviewer-override"]);
    let ids: Vec<String> = (0..6).map(|i| format!("P{i:03}")).collect();
    let records: Vec<Value> = ids.iter().map(|id| record(id)).collect();
    env.import_records(&records);
    for (i, id) in ids.iter().enumerate() {
        let mut cmd = env.command();
        cmd.env(test_pause::PAUSE_VARIABLE, "decision-commit");
        let child = decide_command(cmd, i, id)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        kill_when_paused(
            child,
            &format!("decision on {id}"),
            "decision-commit",
            &env.db(),
        );
        integrity(&env.db());
        let shown = env.json(&["show", id, "--json"]);
        assert_eq!(shown["state"], "pending_review", "{id}: {shown}");
        let history = env.json(&["history", id, "--json"]);
        assert_eq!(
            history.as_array().map(Vec::len),
            Some(1),
            "{id}: only its import: {history}"
        );
    }
    verified(&env);
    // Nothing is stuck: each can be decided now.
    for id in &ids {
        env.ok(&["approve", id]);
    }
    verified(&env);
}
