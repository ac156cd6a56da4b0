//! Several reviewers on one database at once, as separate processes, and who they are.

use std::collections::BTreeMap;
use std::process::Output;

use serde_json::json;

use crate::common::*;

const REVIEWERS: usize = 6;
const APPLICATIONS: usize = 20;

fn ids() -> Vec<String> {
    (1..=APPLICATIONS).map(|i| format!("RACE{i:03}")).collect()
}

/// What one reviewer's `approve` or `return` said (its standard error without the busy
/// count), and how many times it waited for another writer.
struct Attempt {
    reviewer: String,
    id: String,
    out: Output,
    retries: u64,
}

/// The count a command run with `SHENHE_BUSY_STATS` prints on standard error: how many
/// times it met another writer's lock and tried again.
fn busy_retries(stderr: &str) -> u64 {
    stderr
        .lines()
        .find_map(|l| l.strip_prefix("shenhe: busy retries: "))
        .unwrap_or_else(|| panic!("no busy count reported: {stderr}"))
        .trim()
        .parse()
        .expect("a count")
}

/// The output with the busy count's line taken out of standard error, and the count.
fn without_busy_count(out: Output) -> (Output, u64) {
    let err = stderr(&out);
    let retries = busy_retries(&err);
    let rest: String = err
        .lines()
        .filter(|l| !l.starts_with("shenhe: busy retries: "))
        .map(|l| format!("{l}\n"))
        .collect();
    (
        Output {
            stderr: rest.into_bytes(),
            ..out
        },
        retries,
    )
}

/// Whether process `pid` sleeps in a busy wait: it met a lock and waits to try again
/// (shenhe sleeps nowhere else). Read from the kernel's view of each of its threads.
#[cfg(target_os = "linux")]
fn waits_for_a_lock(pid: u32) -> bool {
    // nanosleep and clock_nanosleep, for /proc/…/syscall when wchan says nothing.
    const SLEEPS: &[&str] = if cfg!(target_arch = "x86_64") {
        &["35", "230"]
    } else if cfg!(target_arch = "aarch64") {
        &["101", "115"]
    } else {
        &[]
    };
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return false;
    };
    tasks.flatten().any(|task| {
        let read = |name: &str| std::fs::read_to_string(task.path().join(name)).unwrap_or_default();
        read("wchan").contains("nanosleep")
            || read("syscall")
                .split_whitespace()
                .next()
                .is_some_and(|n| SLEEPS.contains(&n))
    })
}

/// Waits until every process of `pids` is waiting for a lock: an error past a deadline
/// shorter than their own busy timeout, or if one has ended. (An error, not a panic, so
/// that the caller releases its lock first: panicking while holding it would leave every
/// command still to run waiting out its timeout.)
#[cfg(target_os = "linux")]
fn until_all_wait(pids: &[u32], still_running: &mut dyn FnMut() -> bool) -> Result<(), String> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(8);
    loop {
        let waiting = pids.iter().filter(|p| waits_for_a_lock(**p)).count();
        if waiting == pids.len() {
            return Ok(());
        }
        if !still_running() {
            return Err("a command ended before it met the lock held by the test".into());
        }
        if std::time::Instant::now() >= deadline {
            return Err(format!(
                "after 8 s only {waiting} of {} commands wait for the lock",
                pids.len()
            ));
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// Elsewhere there is no view of a process's waits: it is given a while to reach the lock.
#[cfg(not(target_os = "linux"))]
fn until_all_wait(_pids: &[u32], _still_running: &mut dyn FnMut() -> bool) -> Result<(), String> {
    std::thread::sleep(std::time::Duration::from_millis(1500));
    Ok(())
}

#[test]
fn racing_reviewers_record_exactly_one_decision_each() {
    let env = Env::new();
    env.ok(&["init", "--allow-reviewer-override"]);
    let records: Vec<_> = ids()
        .iter()
        .enumerate()
        .map(|(i, id)| {
            if i % 3 == 0 {
                // A settlement product: approving it goes straight to `effective`.
                with(
                    record(id),
                    &[
                        ("/product", json!("large_transfer")),
                        ("/plan", json!(null)),
                        ("/payment", json!(null)),
                    ],
                )
            } else {
                record(id)
            }
        })
        .collect();
    env.import_records(&records);

    // The test holds the write lock while every reviewer's first command starts, so that
    // they certainly meet it and each other: all of them wait, then all rush in at once.
    let lock = rusqlite::Connection::open(env.db()).expect("open");
    lock.execute_batch("BEGIN IMMEDIATE").expect("lock");
    let running = std::sync::atomic::AtomicUsize::new(REVIEWERS);

    // Every reviewer works through every application, each starting at a different one so
    // that they collide all along the queue rather than only at its head.
    let attempts: Vec<Attempt> = std::thread::scope(|scope| {
        // Each reviewer's thread sends the process id of its first command.
        let (first_tx, first_rx) = std::sync::mpsc::channel::<u32>();
        let handles: Vec<_> = (0..REVIEWERS)
            .map(|r| {
                let env = &env;
                let first_tx = first_tx.clone();
                let running = &running;
                scope.spawn(move || {
                    let reviewer = format!("r{r}");
                    let mut ids = ids();
                    ids.rotate_left(r * APPLICATIONS / REVIEWERS);
                    let attempts = ids
                        .into_iter()
                        .enumerate()
                        .map(|(n, id)| {
                            let mut cmd = env.command();
                            cmd.env("SHENHE_REVIEWER", &reviewer)
                                .env("SHENHE_BUSY_STATS", "1")
                                .stdout(std::process::Stdio::piped())
                                .stderr(std::process::Stdio::piped());
                            if r % 2 == 0 {
                                cmd.args(["approve", &id, "--note", &format!("{reviewer} ok")]);
                            } else {
                                cmd.args(["return", &id, "--reason", "icp_missing"]);
                            }
                            let child = cmd.spawn().expect("run shenhe");
                            if n == 0 {
                                first_tx.send(child.id()).expect("send");
                            }
                            let out = child.wait_with_output().expect("wait");
                            if n == 0 {
                                running.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                            }
                            let (out, retries) = without_busy_count(out);
                            Attempt {
                                reviewer: reviewer.clone(),
                                id,
                                out,
                                retries,
                            }
                        })
                        .collect::<Vec<_>>();
                    drop(first_tx);
                    attempts
                })
            })
            .collect();
        drop(first_tx);
        let firsts: Vec<u32> = first_rx.iter().take(REVIEWERS).collect();
        let waited = if firsts.len() == REVIEWERS {
            until_all_wait(&firsts, &mut || {
                running.load(std::sync::atomic::Ordering::SeqCst) == REVIEWERS
            })
        } else {
            Err(format!(
                "only {} of {REVIEWERS} reviewers started",
                firsts.len()
            ))
        };
        lock.execute_batch("COMMIT").expect("unlock");
        if let Err(e) = waited {
            panic!("{e}");
        }
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("reviewer thread"))
            .collect()
    });
    let retries: u64 = attempts.iter().map(|a| a.retries).sum();
    assert!(
        retries >= REVIEWERS as u64,
        "every first command waited for the lock: {retries} busy retries in all"
    );

    let mut winners: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for a in &attempts {
        if a.out.status.success() {
            winners
                .entry(a.id.clone())
                .or_default()
                .push(a.reviewer.clone());
        }
    }
    for id in ids() {
        let won = winners.get(&id).cloned().unwrap_or_default();
        assert_eq!(won.len(), 1, "{id}: exactly one reviewer wins, got {won:?}");
    }
    for a in attempts.iter().filter(|a| !a.out.status.success()) {
        // A loser is told, in one line, who decided and when; a busy database is not an error.
        assert_user_error(&a.out, &[&a.reviewer, &a.id]);
        let err = stderr(&a.out);
        let winner = &winners[&a.id][0];
        assert!(
            err.contains(&format!("already decided by {winner} at ")),
            "{} on {}: {err}",
            a.reviewer,
            a.id
        );
        assert!(!err.contains("database"), "{err}");
    }

    for id in ids() {
        let history = env.json(&["history", &id, "--json"]);
        let decisions: Vec<_> = history
            .as_array()
            .expect("entries")
            .iter()
            .filter(|e| e["action"] == "approve" || e["action"] == "return")
            .collect();
        assert_eq!(decisions.len(), 1, "{id}: {history:#}");
        assert_eq!(decisions[0]["actor"], winners[&id][0].as_str(), "{id}");
        let state = env.state_of(&id);
        assert_eq!(decisions[0]["to_state"], state.as_str(), "{id}");
    }
    let conn = rusqlite::Connection::open(env.db()).expect("open");
    let most: i64 = conn
        .query_row(
            "SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM audit
             WHERE action IN ('approve', 'return') GROUP BY application_id)",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(most, 1);
    let verified = env.ok(&["audit", "verify"]);
    assert!(verified.contains("audit chain intact"), "{verified}");
}

#[test]
fn the_reviewer_is_the_os_account_on_a_real_database() {
    let env = Env::real();
    env.ok(&["init"]);
    env.import_records(&[record("ID1")]);
    let out = env
        .command()
        .env("SHENHE_REVIEWER", "mallory")
        .env("USER", "mallory")
        .env("LOGNAME", "mallory")
        .args(["approve", "ID1"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    let history = env.json(&["history", "ID1", "--json"]);
    let actor = history[1]["actor"].as_str().expect("actor");
    assert_eq!(actor, whoami());
    assert_ne!(actor, "mallory");
}

#[test]
fn the_reviewer_override_works_on_a_test_database() {
    let env = Env::new();
    env.ok(&["init", "--allow-reviewer-override"]);
    env.import_records(&[record("ID1")]);
    let out = env
        .command()
        .env("SHENHE_REVIEWER", "alice")
        .args(["approve", "ID1"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    let history = env.json(&["history", "ID1", "--json"]);
    assert_eq!(history[1]["actor"], "alice");

    // A name that could pass for something else in the trail is not taken.
    let env = Env::new();
    env.ok(&["init", "--allow-reviewer-override"]);
    env.import_records(&[record("ID2")]);
    let out = env
        .command()
        .env("SHENHE_REVIEWER", "alice\u{1b}[2J")
        .args(["approve", "ID2"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    let history = env.json(&["history", "ID2", "--json"]);
    assert_eq!(history[1]["actor"], whoami());
}

#[test]
fn the_override_cannot_be_switched_on_for_an_existing_database() {
    let env = Env::real();
    env.ok(&["init"]);
    env.import_records(&[record("ID1")]);
    let err = env.fails(&["init", "--allow-reviewer-override"]);
    assert!(err.contains("only for a new database"), "{err}");
    let out = env
        .command()
        .env("SHENHE_REVIEWER", "mallory")
        .args(["approve", "ID1"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    let history = env.json(&["history", "ID1", "--json"]);
    assert_eq!(history[1]["actor"], whoami());
    // Saying it again on a test database is harmless.
    let test = Env::new();
    test.ok(&["init", "--allow-reviewer-override"]);
    test.ok(&["init", "--allow-reviewer-override"]);
}

#[test]
fn demo_refuses_to_replace_a_real_database() {
    let env = Env::real();
    env.import_records(&[record("ID1")]);
    let db = env.db();
    let db = db.to_str().expect("utf-8 path");
    let err = env.fails(&["--db", db, "demo", "--count", "5"]);
    assert!(err.contains("not a demo database"), "{err}");
    assert_eq!(count_rows(&env.db(), "applications"), 1);
    assert_eq!(env.state_of("ID1"), "pending_review");
}

#[test]
fn a_busy_database_is_waited_for_not_reported() {
    let env = Env::new();
    env.import_records(&[record("B1")]);
    // Another writer holds the write lock for a while, as a long import would.
    let conn = rusqlite::Connection::open(env.db()).expect("open");
    conn.execute_batch("BEGIN IMMEDIATE").expect("lock");
    // While a connection is open its WAL files exist: they share the database's mode.
    #[cfg(unix)]
    for suffix in ["", "-wal", "-shm"] {
        use std::os::unix::fs::PermissionsExt;
        let mut path = env.db().into_os_string();
        path.push(suffix);
        let mode = std::fs::metadata(&path)
            .expect("exists")
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o660,
            "{path:?}: group-writable, not world-readable"
        );
    }
    let child = env
        .command()
        .env("SHENHE_BUSY_STATS", "1")
        .args(["approve", "B1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // The lock is held until the approve certainly waits for it.
    let mut child = child;
    let waited = until_all_wait(&[child.id()], &mut || {
        child.try_wait().expect("try_wait").is_none()
    });
    conn.execute_batch("COMMIT").expect("unlock");
    if let Err(e) = waited {
        panic!("{e}");
    }
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        busy_retries(&stderr(&out)) > 0,
        "it waited, so it says so: {}",
        stderr(&out)
    );
    assert_eq!(env.state_of("B1"), "pending_integration");
}

#[test]
fn the_clock_cannot_be_set_on_a_real_database() {
    let env = Env::real();
    env.ok(&["init"]);
    env.import_records(&[record("ID1")]);
    for at in ["2001-01-01T10:00:00+08:00", "2026-11-24T10:00:00+08:00"] {
        let out = env
            .command()
            .env("SHENHE_NOW", at)
            .args(["approve", "ID1"])
            .output()
            .expect("run");
        assert_user_error(&out, &["approve"]);
        assert!(
            stderr(&out)
                .contains("SHENHE_NOW is honoured only on databases made for tests or training"),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(env.state_of("ID1"), "pending_review");
    // A year that could not be read back is refused even where the clock may be set.
    let test = Env::new();
    let out = test
        .command()
        .env("SHENHE_NOW", "9999-12-31T23:59:59Z")
        .args(["list"])
        .output()
        .expect("run");
    assert_user_error(&out, &["list"]);
    assert!(
        stderr(&out).contains("outside the years 2000 to 2999"),
        "{}",
        stderr(&out)
    );
}

/// Found by the whole mutation run: the count of busy retries is 0 when nobody else writes
/// (the contended tests only ask for more than 0).
#[test]
fn an_uncontended_command_waits_for_nobody() {
    let env = Env::new();
    env.import_records(&[record("B1")]);
    let out = env
        .command()
        .env("SHENHE_BUSY_STATS", "1")
        .args(["approve", "B1"])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(busy_retries(&stderr(&out)), 0, "{}", stderr(&out));
}

/// A session acts as its reviewer (the console's own claims are told from others' by
/// it); only the demo acts as someone else, at another time.
#[test]
fn a_session_acts_as_its_reviewer_and_the_demo_as_its_team() {
    let env = Env::new();
    let mut review = review_as(&env, "alice");
    assert_eq!(review.actor(), "alice");
    let then = chrono::DateTime::parse_from_rfc3339("2026-11-02T15:00:00+08:00").expect("time");
    review.act_as("lina", shenhe::review::Clock::Fixed(then));
    assert_eq!((review.actor(), review.now()), ("lina", then));
    drop(review);

    // `shenhe demo` builds its database, decides the past as its team at past times,
    // then asks for a terminal it does not have here.
    let db = env.path("demo.db");
    let out = env.run(&["--db", db.to_str().expect("path"), "demo", "--count", "120"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("already decided by the demo team")
            && err.contains("shenhe: error: the console needs a terminal"),
        "{err}"
    );
    let conn = rusqlite::Connection::open(&db).expect("open");
    let decisions: Vec<(String, String)> = conn
        .prepare("SELECT actor, at FROM audit WHERE action IN ('approve', 'return')")
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert!(decisions.len() >= 10, "{decisions:?}");
    let now = chrono::DateTime::parse_from_rfc3339(NOW).expect("now");
    let team = ["lina", "wangwei", "zhaomin", "chenjie"];
    for (actor, at) in &decisions {
        assert!(
            team.contains(&actor.as_str()),
            "{actor} is not of the demo team"
        );
        let at = chrono::DateTime::parse_from_rfc3339(at).expect("at");
        assert!(at < now, "decided in the past, not at {at}");
    }
}
