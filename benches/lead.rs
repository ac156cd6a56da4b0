//! The lead's console (issue 14): how long `shenhe stats` takes on a million applications
//! with a busy team's decisions, each figure computed on the whole database, and how
//! long the decisions export takes.
//!
//! ```sh
//! cargo bench --bench lead                                   # 1,000,000 applications
//! cargo bench --bench lead -- --count 100000 --decisions 10000 --runs 5
//! cargo bench --bench lead -- --db /tmp/big.db               # reuse core's --keep database
//! ```
//!
//! A benchmark, not a test: it prints figures and asserts no timing. The database is
//! built like core's (`generate`, then `import` at 2026-11-24 10:00), then `--decisions`
//! (100,000) of its applications are decided in one transaction through the store, as
//! approvals (7 in 10) and returns (3 in 10, with reasons) by 12 reviewers, spread evenly
//! over the next ten days. `shenhe stats --json` then runs at 2026-12-04 10:00 (the chart's
//! 30 days hold the import and every decision), output to /dev/null, timed from process
//! start to exit: once untimed, then `--runs` (10) times. Target: under 1 s.

mod support;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use chrono::DateTime;

use shenhe::domain::events::EventKind;
use shenhe::domain::state::State;
use shenhe::store::sqlite::SqliteStore;
use shenhe::store::{NewAuditEntry, NewEvent, StateChange, Store};
use support::{mib, ms, shenhe, stats};

/// When `stats` runs: ten days after the import.
const LATER: &str = "2026-12-04T10:00:00+08:00";

struct Options {
    count: u64,
    decisions: u64,
    runs: usize,
    db: Option<PathBuf>,
    keep: bool,
}

fn options() -> Options {
    let mut o = Options {
        count: 1_000_000,
        decisions: 100_000,
        runs: 10,
        db: None,
        keep: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--count" => o.count = value().parse().expect("--count N"),
            "--decisions" => o.decisions = value().parse().expect("--decisions D"),
            "--runs" => o.runs = value().parse().expect("--runs R"),
            "--db" => o.db = Some(PathBuf::from(value())),
            "--keep" => o.keep = true,
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
    }
    o
}

fn decisions_in(db: &Path) -> u64 {
    let conn = rusqlite::Connection::open(db).expect("open");
    conn.query_row(
        "SELECT count(*) FROM audit WHERE action IN ('approve', 'return', 'expire')",
        [],
        |r| r.get::<_, i64>(0),
    )
    .expect("count decisions") as u64
}

/// Decides `n` applications pending review, in one transaction, spread over ten days.
fn decide(db: &Path, n: u64) -> Duration {
    let ids: Vec<(String, i64)> = {
        let conn = rusqlite::Connection::open(db).expect("open");
        let mut stmt = conn
            .prepare(
                "SELECT id, version FROM applications WHERE state = 'pending_review' ORDER BY id LIMIT ?",
            )
            .expect("prepare");
        stmt.query_map([n as i64], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("ids")
    };
    let start = DateTime::parse_from_rfc3339(support::NOW).expect("now");
    let span = chrono::Duration::days(10).num_seconds();
    let reasons = [
        "icp_missing",
        "website_not_built",
        "materials_missing",
        "test_account_missing",
    ];
    let count = ids.len() as i64;
    let changes = ids.into_iter().enumerate().map(|(i, (id, version))| {
        let i = i as i64;
        let at = start + chrono::Duration::seconds(60 + i * span / count.max(1));
        let actor = format!("reviewer{:02}", i % 12);
        let returned = i % 10 >= 7;
        let (action, to, kind) = if returned {
            ("return", State::Returned, EventKind::Returned)
        } else {
            ("approve", State::PendingIntegration, EventKind::Approved)
        };
        let mut audit = NewAuditEntry::new(&id, 1, at, &actor, action);
        audit.from_state = Some("pending_review".into());
        audit.to_state = Some(to.id().into());
        if returned {
            audit.reasons = vec![reasons[(i as usize) % reasons.len()].to_string()];
            audit.message = Some("请补充材料".into());
        }
        StateChange {
            id,
            expected_version: version,
            to,
            audit,
            event: NewEvent::new(kind),
        }
    });
    let started = Instant::now();
    let mut store = SqliteStore::open(db).expect("open the store");
    let written = store
        .change_states(&mut changes.collect::<Vec<_>>().into_iter())
        .expect("decide");
    assert_eq!(written as i64, count);
    started.elapsed()
}

fn timed(db: &Path, args: &[&str]) -> Duration {
    let started = Instant::now();
    let status = shenhe()
        .env("SHENHE_NOW", LATER)
        .arg("--db")
        .arg(db)
        .args(args)
        .stdout(Stdio::null())
        .status()
        .expect("run shenhe");
    let elapsed = started.elapsed();
    assert!(status.success(), "shenhe {args:?} failed");
    elapsed
}

fn main() {
    let o = options();
    let (db, _guard) = support::place(o.db.clone(), o.keep);
    if db.exists() {
        println!("lead: reusing {}", db.display());
    } else {
        println!("lead: {} applications, database {}", o.count, db.display());
        let built = support::build(&db, o.count);
        println!(
            "generate + import:     {:.1} s",
            (built.generate + built.import).as_secs_f64()
        );
    }
    let have = decisions_in(&db);
    if have < o.decisions {
        let took = decide(&db, o.decisions - have);
        println!(
            "decided:               {} applications in one transaction, {:.1} s",
            o.decisions - have,
            took.as_secs_f64()
        );
    }
    let conn = rusqlite::Connection::open(&db).expect("open");
    let apps: i64 = conn
        .query_row("SELECT count(*) FROM applications", [], |r| r.get(0))
        .expect("count");
    let audit: i64 = conn
        .query_row("SELECT count(*) FROM audit", [], |r| r.get(0))
        .expect("count");
    drop(conn);
    println!(
        "database:              {apps} applications, {audit} audit entries, {} decisions, {}",
        decisions_in(&db),
        mib(support::db_size(&db))
    );
    println!("machine:               {}", support::load());
    let first = timed(&db, &["stats", "--json"]);
    let runs: Vec<Duration> = (0..o.runs)
        .map(|_| timed(&db, &["stats", "--json"]))
        .collect();
    let s = stats(&runs);
    println!(
        "stats --json:          min {:.0} / median {:.0} / max {:.0} ms over {} runs (first, untimed: {:.0} ms; target < 1000 ms)",
        s.min,
        s.median,
        s.max,
        s.n,
        ms(first)
    );
    let export = timed(
        &db,
        &[
            "export",
            "decisions",
            "--since",
            "2026-11-24",
            "--format",
            "csv",
        ],
    );
    println!(
        "export decisions, csv: {:.0} ms for {} decisions",
        ms(export),
        decisions_in(&db)
    );
    if o.keep {
        println!("kept {}", db.display());
    }
}
