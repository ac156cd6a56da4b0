//! Crash safety on PostgreSQL, as crash.rs checks it on SQLite: `shenhe import` and
//! decisions killed with SIGKILL inside their transaction (paused there by
//! SHENHE_TEST_PAUSE, so the kill is known to land mid-write) or at any moment leave every
//! import and decision wholly there or wholly absent, an audit chain that verifies, and
//! no lock held: the server rolls back a transaction whose client vanished.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use shenhe::generate::rng::Rng;
use shenhe::review::test_pause;

use crate::common::*;
use crate::postgres::PgEnv;

const IMPORT_RECORDS: usize = 2000;

fn client(pg: &PgEnv) -> postgres::Client {
    shenhe_pg::ConnectionSettings::from_url(&pg.url)
        .expect("settings")
        .connect()
        .expect("connect")
}

fn count(pg: &PgEnv, table: &str) -> i64 {
    client(pg)
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .expect("count")
        .get(0)
}

/// Whether some session holds an advisory lock (the chain lock of a write transaction).
fn chain_lock_held(pg: &PgEnv) -> bool {
    let held: i64 = client(pg)
        .query_one(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            &[],
        )
        .expect("pg_locks")
        .get(0);
    held > 0
}

fn verified(pg: &PgEnv) {
    let out = pg.ok(&["audit", "verify"]);
    assert!(out.contains("audit chain intact"), "{out}");
}

fn kill(mut child: Child) -> bool {
    let finished = matches!(child.try_wait(), Ok(Some(status)) if status.success());
    let _ = child.kill();
    let status = child.wait().expect("wait");
    finished || status.success()
}

/// Waits until `child` says it paused inside its transaction, checks that it still runs
/// and holds the chain lock, and kills it; then waits (with a deadline) for the server
/// to notice and let the lock go.
fn kill_when_paused(pg: &PgEnv, mut child: Child, point: &str) {
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
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if line.starts_with(test_pause::PAUSED_MARKER) => {
                assert!(line.ends_with(&format!(" {point}")), "{line}");
                break;
            }
            Ok(_) => continue,
            Err(e) => {
                let _ = child.kill();
                panic!("{point}: no pause ({e})");
            }
        }
    }
    assert!(matches!(child.try_wait(), Ok(None)), "{point}: not running");
    assert!(
        chain_lock_held(pg),
        "{point}: paused, but no transaction holds the lock"
    );
    assert!(
        !kill(child),
        "{point}: the paused process finished by itself"
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while chain_lock_held(pg) {
        assert!(
            Instant::now() < deadline,
            "{point}: the lock outlived its client"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn an_import_killed_inside_its_transaction_on_postgresql_leaves_nothing() {
    let records: Vec<Value> = (0..IMPORT_RECORDS)
        .map(|i| record(&format!("K{i:06}")))
        .collect();
    let first: Vec<Value> = (0..50).map(|i| record(&format!("E{i:03}"))).collect();
    for before in [0usize, first.len()] {
        for point in [
            "import-record:1".to_string(),
            format!("import-record:{}", IMPORT_RECORDS * 3 / 8),
            "import-commit".to_string(),
        ] {
            let Some(pg) = PgEnv::initialised() else {
                return;
            };
            if before > 0 {
                pg.import_records(&first);
            }
            let file = pg.env.path("big.ndjson");
            write_ndjson(&file, &records);
            let child = pg
                .env
                .command()
                .env("SHENHE_DB", &pg.url)
                .env(test_pause::PAUSE_VARIABLE, &point)
                .args(["import", file.to_str().expect("path")])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn");
            kill_when_paused(&pg, child, &point);
            assert_eq!(count(&pg, "applications"), before as i64, "{point}");
            assert_eq!(count(&pg, "audit"), before as i64, "{point}");
            assert_eq!(count(&pg, "events"), before as i64, "{point}");
            verified(&pg);
            // Usable at once: the same file imports whole.
            let again = pg.ok(&["import", file.to_str().expect("path")]);
            assert!(
                again.contains(&format!("imported {IMPORT_RECORDS} new")),
                "{again}"
            );
            verified(&pg);
        }
    }
}

fn decide(mut cmd: Command, i: usize, id: &str) -> Command {
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
fn a_decision_killed_inside_its_transaction_on_postgresql_is_absent() {
    let Some(pg) = PgEnv::initialised() else {
        return;
    };
    let ids: Vec<String> = (0..4).map(|i| format!("P{i:03}")).collect();
    pg.import_records(&ids.iter().map(|id| record(id)).collect::<Vec<_>>());
    for (i, id) in ids.iter().enumerate() {
        let mut cmd = pg.env.command();
        cmd.env("SHENHE_DB", &pg.url)
            .env(test_pause::PAUSE_VARIABLE, "decision-commit");
        let child = decide(cmd, i, id)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        kill_when_paused(&pg, child, "decision-commit");
        let shown: Value = serde_json::from_str(&pg.ok(&["show", id, "--json"])).expect("json");
        assert_eq!(shown["state"], "pending_review", "{id}: {shown}");
    }
    assert_eq!(
        count(&pg, "events"),
        ids.len() as i64,
        "only the imports' events"
    );
    verified(&pg);
    for id in &ids {
        pg.ok(&["approve", id]);
    }
    verified(&pg);
}

#[test]
fn a_decision_killed_at_any_moment_on_postgresql_is_wholly_there_or_absent() {
    let Some(pg) = PgEnv::initialised() else {
        return;
    };
    let ids: Vec<String> = (0..=16).map(|i| format!("D{i:03}")).collect();
    pg.import_records(&ids.iter().map(|id| record(id)).collect::<Vec<_>>());
    let started = Instant::now();
    pg.ok(&["approve", &ids[0]]);
    let full = started.elapsed();
    let mut rng = Rng::new(0x5EED_1234_ABCD_0016);
    let mut finished = Vec::new();
    for (i, id) in ids.iter().enumerate().skip(1) {
        let mut cmd = pg.env.command();
        cmd.env("SHENHE_DB", &pg.url);
        let child = decide(cmd, i, id)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let micros = (full + full / 4).as_micros().max(1) as u64;
        std::thread::sleep(Duration::from_micros(rng.next_u64() % micros));
        if kill(child) {
            finished.push(id.clone());
        }
    }
    // Every kill's transaction is over (committed or rolled back) before reading.
    let deadline = Instant::now() + Duration::from_secs(30);
    while chain_lock_held(&pg) {
        assert!(Instant::now() < deadline, "a lock outlived its client");
        std::thread::sleep(Duration::from_millis(20));
    }
    verified(&pg);
    let mut c = client(&pg);
    let mut decided = 0;
    for id in &ids {
        let row = c
            .query_one(
                "SELECT state, version, (SELECT count(*) FROM audit WHERE application_id = $1 AND action IN ('approve', 'return')),
                        (SELECT count(*) FROM events WHERE application_id = $1)
                 FROM applications WHERE id = $1",
                &[id],
            )
            .expect("row");
        let (state, version, entries, events): (String, i64, i64, i64) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        if state == "pending_review" {
            assert_eq!((version, entries, events), (1, 0, 1), "{id}");
            assert!(!finished.contains(id), "{id} said it finished");
        } else {
            decided += 1;
            assert_eq!((version, entries, events), (2, 1, 2), "{id}: {state}");
        }
    }
    eprintln!(
        "{decided} of {} decisions committed before their kill",
        ids.len()
    );
}
