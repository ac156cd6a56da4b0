//! Stress: N reviewers deciding applications of one database at once.
//!
//! ```sh
//! cargo bench --bench stress                                   # 6 reviewers, 3000 applications
//! cargo bench --bench stress -- --reviewers 12 --applications 10000 --seconds 20
//! cargo bench --bench stress -- --in-process                   # one connection a reviewer
//! cargo bench --bench stress -- --postgres --reviewers 50       # on PostgreSQL
//! ```
//!
//! With `--postgres` the database is PostgreSQL instead: a throwaway server of the
//! benchmark's own (the system's binaries, PostgreSQL's default durability: every commit
//! flushed), one database; "busy retries" are then the times a writer found the chain
//! lock held and waited for it (the server queues them; nothing is retried). With
//! `--async-commit` too, the database is set `synchronous_commit = off` (a DBA's choice:
//! a commit returns before its WAL is flushed, as SQLite's WAL mode with
//! `synchronous=NORMAL` does; a server crash may lose the last few commits, whole).
//!
//! A benchmark, not a test: it prints figures and asserts no timing. Every reviewer is a
//! separate process (this program run again as a worker); each walks all applications in
//! its own random order, approving or returning, until none is left or time is up. By
//! default each decision is what a reviewer at a shell pays: a `shenhe approve ID` or
//! `shenhe return ID --reason icp_missing` process of its own (start, open, decide, exit).
//! With `--in-process`, each reviewer process instead holds one connection and calls the
//! library, which measures the database alone.
//!
//! A decision that loses the race is told so; only that exact message counts as a lost
//! race: `ID was already decided by rK at TIME: it is now STATE; nothing was written` (the
//! version changed between reading and writing), or `cannot EVENT an application in state
//! STATE (…): ID was already decided by rK at TIME; nothing was written` (read after the
//! winner committed), for this application, by another of the reviewers, on one line
//! after `shenhe: error: `, exit code 1 (in process: `ReviewError::Conflict` or
//! `RefusedAfter` naming another reviewer). Anything else — "cannot open …", "database is
//! locked", a refusal nobody caused, a crash — is an error, counted and printed.
//!
//! It prints decisions per second, what each attempt took (min / median / p99 / max: the
//! process from start to exit, or the library call), how often a process waited on a busy
//! database (the store's retry counter), errors (a busy database must never surface as one), and lost
//! and duplicated decisions, computed by comparing what every worker says it decided with
//! the audit table. Errors, lost and duplicated decisions must be 0; the exit code says
//! whether they were.

mod support;

use shenhe::generate::rng::Rng;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::DateTime;
use serde_json::json;

use shenhe::domain::policy::Policy;
use shenhe::domain::state::State;
use shenhe::review::{Clock, Review, ReviewError};
use shenhe::store::Store;
use shenhe::store::sqlite::{self, SqliteStore};

const NOW: &str = "2026-11-24T10:00:00+08:00";

struct Options {
    reviewers: usize,
    applications: usize,
    seconds: u64,
    in_process: bool,
    postgres: bool,
    async_commit: bool,
    db: Option<PathBuf>,
    worker: Option<usize>,
    start_at_ms: u64,
}

fn options() -> Options {
    let mut o = Options {
        reviewers: 6,
        applications: 3000,
        seconds: 30,
        in_process: false,
        postgres: false,
        async_commit: false,
        db: None,
        worker: None,
        start_at_ms: 0,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--reviewers" => o.reviewers = value().parse().expect("--reviewers N"),
            "--applications" => o.applications = value().parse().expect("--applications M"),
            "--seconds" => o.seconds = value().parse().expect("--seconds S"),
            "--in-process" => o.in_process = true,
            "--postgres" => o.postgres = true,
            "--async-commit" => o.async_commit = true,
            // The default now; still accepted.
            "--cli" => o.in_process = false,
            "--db" => o.db = Some(PathBuf::from(value())),
            "--worker" => o.worker = Some(value().parse().expect("--worker I")),
            "--start-at-ms" => o.start_at_ms = value().parse().expect("--start-at-ms T"),
            // `cargo bench` passes --bench; anything else is a mistake worth saying.
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
    }
    o
}

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_millis() as u64
}

fn clock() -> Clock {
    Clock::Fixed(DateTime::parse_from_rfc3339(NOW).expect("now"))
}

fn id(i: usize) -> String {
    format!("ST{i:07}")
}

/// Fisher–Yates, from the seeded generator: one order a worker.
fn shuffle<T>(rng: &mut Rng, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        items.swap(i, rng.below(i + 1));
    }
}

fn main() -> ExitCode {
    let o = options();
    match o.worker {
        Some(index) => worker(&o, index),
        None => driver(&o),
    }
}

/// One reviewer: decides what it can, says on stdout what it decided.
fn worker(o: &Options, index: usize) -> ExitCode {
    let db = o.db.as_deref().expect("--db");
    let actor = format!("r{index}");
    let mut review = if !o.in_process {
        None
    } else {
        Some(
            Review::new(
                open_store(db),
                Arc::new(Policy::builtin()),
                actor.clone(),
                clock(),
            )
            .expect("review"),
        )
    };
    let mut order: Vec<usize> = (0..o.applications).collect();
    let mut rng = Rng::for_index(0x9E37_79B9_7F4A_7C15, index as u64);
    shuffle(&mut rng, &mut order);

    while unix_ms() < o.start_at_ms {
        std::thread::sleep(Duration::from_millis(1));
    }
    let started = Instant::now();
    let deadline = started + Duration::from_secs(o.seconds);
    let mut out = std::io::stdout().lock();
    let mut cli_retries = 0u64;
    for i in order {
        if Instant::now() >= deadline {
            break;
        }
        let id = id(i);
        let approve = rng.next_u64().is_multiple_of(2);
        let attempt = Instant::now();
        let line = match review.as_mut() {
            Some(review) => decide_in_process(review, &actor, &id, approve),
            None => {
                let (line, retries) = decide_with_cli(db, &actor, &id, approve, o.reviewers);
                cli_retries += retries;
                line
            }
        };
        let took = attempt.elapsed().as_micros();
        writeln!(out, "{line}").expect("stdout");
        writeln!(out, "took {took}").expect("stdout");
    }
    writeln!(out, "elapsed_ms {}", started.elapsed().as_millis()).expect("stdout");
    writeln!(
        out,
        "retries {}",
        sqlite::busy_retries() + shenhe::pg::lock_waits() + cli_retries
    )
    .expect("stdout");
    ExitCode::SUCCESS
}

/// The store at `db`: a postgres:// URL or an SQLite file.
fn open_store(db: &Path) -> Box<dyn Store + Send> {
    match db.to_str() {
        Some(url) if shenhe::pg::is_postgres_url(url) => {
            Box::new(shenhe::pg::PgStore::open(url).expect("open"))
        }
        _ => Box::new(SqliteStore::open(db).expect("open")),
    }
}

fn decide_in_process(review: &mut Review, me: &str, id: &str, approve: bool) -> String {
    let result = review.current_version(id).and_then(|version| {
        if approve {
            review.approve(id, version, None)
        } else {
            review.return_application(id, version, &["icp_missing".to_string()], None, None)
        }
    });
    match result {
        Ok(d) => format!("won {id} {}", d.entry.entry.action),
        // Lost to another reviewer: the only outcome besides winning that is not an error.
        Err(
            ReviewError::Conflict { id: of, by, .. } | ReviewError::RefusedAfter { id: of, by, .. },
        ) if of == id && by != me => {
            format!("lost {id}")
        }
        Err(e) => format!("error {id} {}", e.to_string().replace('\n', " ")),
    }
}

/// `rK at YYYY-MM-DD HH:MM:SS` at the start of `text`, K another of the reviewers;
/// returns what follows.
fn decided_by<'a>(text: &'a str, me: &str, reviewers: usize) -> Option<&'a str> {
    let (by, rest) = text.split_once(" at ")?;
    let k: usize = by.strip_prefix('r')?.parse().ok()?;
    if k >= reviewers || by != format!("r{k}") || by == me {
        return None;
    }
    let (time, rest) = (rest.get(..19)?, rest.get(19..)?);
    chrono::NaiveDateTime::parse_from_str(time, "%Y-%m-%d %H:%M:%S").ok()?;
    Some(rest)
}

/// A state as a message names it: its id (`pending_integration`, the library's wording)
/// or its English words (`pending integration`, as the command line says it).
fn parse_state(text: &str) -> Option<State> {
    State::ALL
        .iter()
        .copied()
        .find(|s| s.id() == text || s.id().replace('_', " ") == text)
}

/// Whether `message` is exactly what a reviewer who lost the race for `id` is told.
fn lost_race(message: &str, id: &str, me: &str, event: &str, reviewers: usize) -> bool {
    let decided = format!("{id} was already decided by ");
    // Read before the winner committed, written after: the version changed.
    if let Some(rest) = message.strip_prefix(&decided) {
        return decided_by(rest, me, reviewers)
            .and_then(|rest| rest.strip_prefix(": it is now "))
            .and_then(|rest| rest.strip_suffix("; nothing was written"))
            .and_then(parse_state)
            .is_some_and(|state| state != State::PendingReview);
    }
    // Read after the winner committed: the state no longer allows it.
    let Some(rest) = message.strip_prefix(&format!("cannot {event} an application in state "))
    else {
        return false;
    };
    let Some((state, rest)) = rest.split_once(" (") else {
        return false;
    };
    let Some((_, rest)) = rest.split_once(&format!("): {decided}")) else {
        return false;
    };
    parse_state(state).is_some_and(|s| s != State::PendingReview)
        && decided_by(rest, me, reviewers) == Some("; nothing was written")
}

/// The matcher against the library's own wording, so that a change of message cannot
/// quietly turn lost races into errors or errors into lost races.
fn check_lost_race_wording() {
    use shenhe::domain::state::{Event, TransitionRefused};
    let at = DateTime::parse_from_rfc3339(NOW).expect("now");
    let conflict = ReviewError::Conflict {
        id: "ST0000001".into(),
        state: State::PendingIntegration,
        by: "r2".into(),
        at,
    }
    .to_string();
    let after = ReviewError::RefusedAfter {
        refused: TransitionRefused {
            from: State::PendingIntegration,
            event: Event::Return,
        },
        id: "ST0000001".into(),
        by: "r2".into(),
        at,
    }
    .to_string();
    let refused = ReviewError::Refused(TransitionRefused {
        from: State::PendingReview,
        event: Event::Verified,
    })
    .to_string();
    assert!(
        lost_race(&conflict, "ST0000001", "r1", "approve", 3),
        "{conflict}"
    );
    assert!(lost_race(&after, "ST0000001", "r1", "return", 3), "{after}");
    for (message, id, me, event) in [
        (conflict.as_str(), "ST0000002", "r1", "approve"),
        (conflict.as_str(), "ST0000001", "r2", "approve"),
        (after.as_str(), "ST0000001", "r1", "approve"),
        (refused.as_str(), "ST0000001", "r1", "approve"),
        (
            "cannot open the database: unable to open database file",
            "ST0000001",
            "r1",
            "approve",
        ),
        ("database is locked", "ST0000001", "r1", "approve"),
    ] {
        assert!(
            !lost_race(message, id, me, event, 3),
            "taken for a lost race: {message}"
        );
    }
}

fn decide_with_cli(
    db: &Path,
    actor: &str,
    id: &str,
    approve: bool,
    reviewers: usize,
) -> (String, u64) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shenhe"));
    cmd.env("SHENHE_DB", db)
        .env("SHENHE_NOW", NOW)
        .env("SHENHE_REVIEWER", actor)
        .env("SHENHE_BUSY_STATS", "1")
        .stdin(Stdio::null());
    if approve {
        cmd.args(["approve", id]);
    } else {
        cmd.args(["return", id, "--reason", "icp_missing"]);
    }
    let out = cmd.output().expect("run shenhe");
    let err = String::from_utf8_lossy(&out.stderr);
    let mut retries = 0;
    let mut said = Vec::new();
    for line in err.lines() {
        match line
            .strip_prefix("shenhe: busy retries: ")
            .and_then(|n| n.trim().parse::<u64>().ok())
        {
            Some(n) => retries = n,
            None => said.push(line),
        }
    }
    let event = if approve { "approve" } else { "return" };
    let line = if out.status.success() && said.is_empty() {
        format!("won {id} {event}")
    } else if out.status.code() == Some(1)
        && said.len() == 1
        && said[0]
            .strip_prefix("shenhe: error: ")
            .is_some_and(|m| lost_race(m, id, actor, event, reviewers))
    {
        format!("lost {id}")
    } else {
        format!(
            "error {id} (exit {:?}) {}",
            out.status.code(),
            said.join(" | ")
        )
    };
    (line, retries)
}

fn records(count: usize) -> Vec<u8> {
    let mut ndjson = Vec::new();
    for i in 0..count {
        let settlement = i % 3 == 0;
        // The tests' clean application, made distinct, with a shop that needs no login;
        // every third one a settlement product.
        let mut record = support::fixtures::record(&id(i));
        record["applicant"]["name"] = json!(format!("压力测试科技有限公司 {i}"));
        record["applicant"]["account"] = json!(format!("finance{i}@example.com"));
        record["website"] = json!({
            "url": format!("https://shop{i}.example.com"),
            "kind": "shop",
            "built": true,
            "icp": "浙ICP备12345678号-1"
        });
        if settlement {
            record["product"] = json!("large_transfer");
            // A settlement product has no plan (the policy refuses one).
            record.as_object_mut().expect("object").remove("plan");
            record["payment"] = json!(null);
        }
        serde_json::to_writer(&mut ndjson, &record).expect("serialise");
        ndjson.push(b'\n');
    }
    ndjson
}

fn driver(o: &Options) -> ExitCode {
    check_lost_race_wording();
    let dir = tempfile::tempdir().expect("temp dir");
    // Kept until the end: the server stops when it is dropped.
    let server = o.postgres.then(|| {
        shenhe::pg::testing::TestServer::start_durable()
            .unwrap_or_else(|why| panic!("--postgres: cannot start a server: {why}"))
    });
    let db = match &server {
        Some(server) => {
            let url = server.new_database().expect("a database");
            if o.async_commit {
                let store = shenhe::pg::PgStore::open(&url).expect("open");
                store
                    .conn()
                    .expect("a connection")
                    .batch_execute("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET synchronous_commit = off', current_database()); END $$")
                    .expect("synchronous_commit");
            }
            PathBuf::from(url)
        }
        None => dir.path().join("stress.db"),
    };
    {
        let mut store = open_store(&db);
        store
            .set_meta(shenhe::review::identity::OVERRIDE_META_KEY, "1")
            .expect("meta");
        let mut review = Review::new(
            store,
            Arc::new(Policy::builtin()),
            "importer".into(),
            clock(),
        )
        .expect("review");
        let started = Instant::now();
        let report = review
            .import(std::io::Cursor::new(records(o.applications)))
            .expect("import");
        eprintln!(
            "imported {} applications in {:.2} s",
            report.inserted,
            started.elapsed().as_secs_f64()
        );
    }

    let start_at_ms = unix_ms() + 300 + 50 * o.reviewers as u64;
    let children: Vec<_> = (0..o.reviewers)
        .map(|i| {
            let mut cmd = Command::new(std::env::current_exe().expect("self"));
            cmd.args([
                "--worker",
                &i.to_string(),
                "--db",
                db.to_str().expect("utf-8 path"),
                "--applications",
                &o.applications.to_string(),
                "--seconds",
                &o.seconds.to_string(),
                "--start-at-ms",
                &start_at_ms.to_string(),
            ]);
            cmd.args(["--reviewers", &o.reviewers.to_string()]);
            if o.postgres {
                cmd.arg("--postgres");
            }
            if o.in_process {
                cmd.arg("--in-process");
            }
            cmd.stdout(Stdio::piped()).spawn().expect("spawn worker")
        })
        .collect();

    let mut won: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let (mut lost, mut errors, mut retries, mut elapsed_ms) = (0u64, Vec::new(), 0u64, 0u64);
    let mut attempts: Vec<Duration> = Vec::new();
    for (i, mut child) in children.into_iter().enumerate() {
        let reviewer = format!("r{i}");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        for line in stdout.lines() {
            let line = line.expect("worker output");
            let mut parts = line.splitn(3, ' ');
            match (parts.next(), parts.next(), parts.next()) {
                (Some("won"), Some(id), Some(action)) => won
                    .entry(id.to_string())
                    .or_default()
                    .push((reviewer.clone(), action.to_string())),
                (Some("lost"), _, _) => lost += 1,
                (Some("took"), Some(us), None) => {
                    attempts.push(Duration::from_micros(us.parse().expect("µs")))
                }
                (Some("elapsed_ms"), Some(ms), _) => {
                    elapsed_ms = elapsed_ms.max(ms.parse().expect("ms"))
                }
                (Some("retries"), Some(n), _) => retries += n.parse::<u64>().expect("n"),
                _ => errors.push(line),
            }
        }
        assert!(child.wait().expect("wait").success(), "worker {i} failed");
    }

    // What the audit trail says was decided, compared with what the workers say.
    let mut audited: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    open_store(&db)
        .audit_chain(&mut |e| {
            if e.entry.action == "approve" || e.entry.action == "return" {
                audited
                    .entry(e.entry.application_id.clone())
                    .or_default()
                    .push((e.entry.actor.clone(), e.entry.action.clone()));
            }
            true
        })
        .expect("audit");
    let decisions: usize = won.values().map(Vec::len).sum();
    let lost_decisions = won
        .iter()
        .filter(|(id, claims)| {
            claims
                .iter()
                .any(|c| !audited.get(*id).is_some_and(|a| a.contains(c)))
        })
        .count();
    let duplicated = won.values().filter(|c| c.len() > 1).count()
        + audited.values().filter(|a| a.len() > 1).count();
    let unclaimed = audited
        .keys()
        .collect::<BTreeSet<_>>()
        .difference(&won.keys().collect::<BTreeSet<_>>())
        .count();
    let integrity: String = if o.postgres {
        // The server's own business; what can be checked is the chain, below.
        "ok".into()
    } else {
        rusqlite::Connection::open(&db)
            .expect("open")
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("integrity")
    };
    let chain = Review::new(
        open_store(&db),
        Arc::new(Policy::builtin()),
        "verifier".into(),
        clock(),
    )
    .expect("review")
    .verify_audit(None)
    .expect("verify");

    let seconds = elapsed_ms.max(1) as f64 / 1000.0;
    println!(
        "stress: {} reviewer processes ({}), {} applications, one {} database ({})",
        o.reviewers,
        if o.in_process {
            "in process: one connection each, calling the library"
        } else {
            "one `shenhe approve` / `shenhe return` process a decision"
        },
        o.applications,
        if o.postgres && o.async_commit {
            "PostgreSQL (a local server, synchronous_commit = off)"
        } else if o.postgres {
            "PostgreSQL (a local server, every commit flushed)"
        } else {
            "SQLite"
        },
        support::load()
    );
    println!("decisions:             {decisions} in {seconds:.2} s");
    println!("decisions per second:  {:.0}", decisions as f64 / seconds);
    println!(
        "attempts per second:   {:.0} ({lost} lost the race, told who won)",
        (decisions as u64 + lost) as f64 / seconds
    );
    let s = support::stats(&attempts);
    println!(
        "each attempt:          min {:.1} / median {:.1} / p99 {:.1} / max {:.1} ms ({})",
        s.min,
        s.median,
        s.p99,
        s.max,
        if o.in_process {
            "the library call"
        } else {
            "the process, start to exit, as the reviewer waits for it"
        }
    );
    println!("busy retries:          {retries}");
    if errors.is_empty() {
        println!("errors:                0");
    } else {
        println!(
            "ERRORS:                {} (neither a decision nor a lost race; the first {}):",
            errors.len(),
            errors.len().min(10)
        );
        for e in errors.iter().take(10) {
            println!("  {e}");
        }
    }
    println!("lost decisions:        {lost_decisions}");
    println!("duplicated decisions:  {duplicated}");
    println!("unreported decisions:  {unclaimed}");
    if o.postgres {
        println!("integrity_check:       (SQLite only)");
    } else {
        println!("integrity_check:       {integrity}");
    }
    println!(
        "audit chain:           {} entries, {}",
        chain.checked,
        if chain.broken.is_some() {
            "BROKEN"
        } else if !chain.disagreements.is_empty() {
            "intact, but the applications or events DISAGREE with it"
        } else {
            "intact, and the applications and events agree with it"
        }
    );
    let clean = errors.is_empty()
        && lost_decisions + unclaimed == 0
        && duplicated == 0
        && integrity == "ok"
        && chain.broken.is_none()
        && chain.disagreements.is_empty();
    if clean {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
