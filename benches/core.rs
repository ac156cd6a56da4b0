//! Core: how long a million applications take to make and load, how quickly the queue
//! lists on them (warm, cold, and deep in the queue), and what a day's batch costs on the
//! full database, with and without a console open on it; each measured as a reviewer
//! sees it (process start to exit).
//!
//! ```sh
//! cargo bench --bench core                                     # 1,000,000 applications
//! cargo bench --bench core -- --count 100000 --runs 50 --batch 10000
//! cargo bench --bench core -- --db /tmp/big.db --keep          # keep it for the console bench
//! cargo bench --bench core -- --db /tmp/big.db                 # exists: reused, not rebuilt
//! ```
//!
//! A benchmark, not a test: it prints figures and asserts no timing. It runs the release
//! binary at SHENHE_NOW=2026-11-24T10:00:00+08:00, output to /dev/null:
//!
//! 1. `shenhe generate --count N --seed 1 > file`, then `shenhe --db DB import file` into a
//!    new, empty database (the bulk path). With `--db` naming a database that exists, it
//!    is reused and this step is skipped (it is then never removed).
//! 2. `shenhe --db DB list --limit 50`: warm (`--runs` times after one untimed run); cold
//!    (`--cold-runs` times, each after dropping the database's pages from the page cache
//!    with `fdatasync` + `posix_fadvise(POSIX_FADV_DONTNEED)` on the database, its WAL and
//!    its shared-memory file: no privilege needed, where /proc/sys/vm/drop_caches is not
//!    writable in a container; the binary and libraries stay cached; `mincore` shows how
//!    much of the database was still cached); and deep pages, `--offset 500000` and
//!    `--offset 999950` (scaled to the database: half way, and the last 50), warm, each
//!    `--deep-runs` times after one untimed run.
//! 3. A day's batch: `--batch` (100,000) new applications, `shenhe generate --count B
//!    --seed 2` with every id renumbered after those already in the database (the ids are
//!    `SQ` + date + a 7-digit index; the index is shifted by the database's count, so no
//!    id is taken), imported by `shenhe --db COPY import file` into a copy of the full
//!    database (so that the database stays as it was): once with nothing else open, and
//!    once with a console open on it (the real binary in an 80×24 pseudo-terminal, showing
//!    its first frame: the database is in WAL mode and held open). With the console, it
//!    also times keys pressed during the import (`j`/`k`, one every 250 ms, until the
//!    footer shows the new position) and, after the import exits, how long until the
//!    console's footer shows the new total.
//!
//! Targets on a 2-core machine: generate + import under 30 s for 1,000,000; list under
//! 20 ms.

mod support;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use support::pty::{Term, footer_position, screen_rows};
use support::{db_files, db_size, mib, ms, shenhe, stats};

struct Options {
    count: u64,
    runs: usize,
    cold_runs: usize,
    deep_runs: usize,
    batch: u64,
    db: Option<PathBuf>,
    keep: bool,
}

fn options() -> Options {
    let mut o = Options {
        count: 1_000_000,
        runs: 20,
        cold_runs: 10,
        deep_runs: 10,
        batch: 100_000,
        db: None,
        keep: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--count" => o.count = value().parse().expect("--count N"),
            "--runs" => o.runs = value().parse().expect("--runs R"),
            "--cold-runs" => o.cold_runs = value().parse().expect("--cold-runs R"),
            "--deep-runs" => o.deep_runs = value().parse().expect("--deep-runs R"),
            "--batch" => o.batch = value().parse().expect("--batch B"),
            "--db" => o.db = Some(PathBuf::from(value())),
            "--keep" => o.keep = true,
            // `cargo bench` passes --bench; anything else is a mistake worth saying.
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
    }
    o
}

/// `shenhe --db DB list --limit 50 [--offset N]`, process start to exit.
fn list(db: &Path, offset: u64) -> Duration {
    let started = Instant::now();
    let status = shenhe()
        .arg("--db")
        .arg(db)
        .args(["list", "--limit", "50", "--offset", &offset.to_string()])
        .stdout(Stdio::null())
        .status()
        .expect("run shenhe list");
    let elapsed = started.elapsed();
    assert!(status.success(), "shenhe list failed");
    elapsed
}

fn print_runs(name: &str, samples: &[Duration], note: &str) {
    let s = stats(samples);
    println!(
        "{name:<34} min {:.1} / median {:.1} / max {:.1} ms over {} runs{note}",
        s.min, s.median, s.max, s.n
    );
}

fn applications(db: &Path) -> u64 {
    rows(db, "applications")
}

fn rows(db: &Path, table: &str) -> u64 {
    let conn = rusqlite::Connection::open(db).expect("open the database");
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
        r.get::<_, i64>(0)
    })
    .unwrap_or_else(|e| panic!("count the rows of {table}: {e}")) as u64
}

fn main() {
    let o = options();
    let given = o.db.is_some();
    let (db, _guard) = support::place(o.db.clone(), o.keep);
    let reused = db.exists();
    if reused {
        println!(
            "core: reusing {} (it exists: generate and import are not measured)",
            db.display()
        );
    } else {
        println!("core: {} applications, database {}", o.count, db.display());
        let built = support::build(&db, o.count);
        let total = built.generate + built.import;
        println!(
            "generate:          {:.2} s ({} of NDJSON)",
            built.generate.as_secs_f64(),
            mib(built.ndjson_bytes)
        );
        println!(
            "import:            {:.2} s ({:.0} applications/s)",
            built.import.as_secs_f64(),
            o.count as f64 / built.import.as_secs_f64()
        );
        // Each application's `application.received` event is written in the import's
        // transaction: its cost is inside the import's time, not beside it.
        let events = rows(&db, "events");
        println!(
            "events:            {events} written by the import ({:.0} events/s of import time)",
            events as f64 / built.import.as_secs_f64()
        );
        println!(
            "generate + import: {:.2} s (target < 30 s for 1,000,000)",
            total.as_secs_f64()
        );
    }
    let count = applications(&db);
    println!(
        "database:          {} applications, {}",
        count,
        mib(db_size(&db))
    );
    println!("machine:           {}", support::load());
    println!();

    // ---- list: warm, cold, deep ----
    let first = list(&db, 0);
    let warm: Vec<_> = (0..o.runs).map(|_| list(&db, 0)).collect();
    print_runs(
        "list --limit 50, warm:",
        &warm,
        &format!(
            " (first, untimed: {:.1} ms; target < 20 ms)",
            support::ms(first)
        ),
    );
    if o.cold_runs > 0 {
        let mut before = Vec::new();
        let cold: Vec<_> = (0..o.cold_runs)
            .map(|_| {
                for f in db_files(&db) {
                    support::drop_from_page_cache(&f).expect("drop the page cache");
                }
                before.push(support::resident(&db).unwrap_or(f64::NAN));
                list(&db, 0)
            })
            .collect();
        let cached = before.iter().copied().fold(0.0f64, f64::max);
        print_runs(
            "list --limit 50, cold:",
            &cold,
            &format!(
                " (page cache dropped before each: at most {:.2}% of the database still cached)",
                cached * 100.0
            ),
        );
    }
    for offset in [count / 2, count.saturating_sub(50)] {
        if o.deep_runs == 0 || offset == 0 {
            continue;
        }
        let first = list(&db, offset);
        let runs: Vec<_> = (0..o.deep_runs).map(|_| list(&db, offset)).collect();
        print_runs(
            &format!("list --limit 50 --offset {offset}:"),
            &runs,
            &format!(", warm (first, untimed: {:.1} ms)", ms(first)),
        );
    }

    // ---- a day's batch on the full database ----
    if o.batch > 0 {
        println!();
        batch(&db, count, o.batch);
    }

    if o.keep {
        println!(
            "kept {} (cargo bench --bench console -- --db {})",
            db.display(),
            db.display()
        );
    } else if given && !reused {
        support::remove_db(&db);
    }
}

/// `generate --count B --seed 2`, every id's 7-digit index shifted by `after`.
fn batch_file(path: &Path, after: u64, count: u64) {
    assert!(
        after + count <= 10_000_000,
        "ids have a 7-digit index: {after} + {count} do not fit"
    );
    let out = shenhe()
        .args(["generate", "--count", &count.to_string(), "--seed", "2"])
        .output()
        .expect("run shenhe generate");
    assert!(out.status.success(), "shenhe generate failed");
    let mut ndjson = Vec::with_capacity(out.stdout.len());
    // Each line starts {"id":"SQ + 8 digits of date + 7 of index".
    const PREFIX: &[u8] = br#"{"id":"SQ"#;
    let index_at = PREFIX.len() + 8;
    for line in out.stdout.split_inclusive(|b| *b == b'\n') {
        assert!(
            line.starts_with(PREFIX) && line.len() > index_at + 8 && line[index_at + 7] == b'"',
            "an id of an unexpected shape: {}",
            String::from_utf8_lossy(&line[..line.len().min(40)])
        );
        let index: u64 = std::str::from_utf8(&line[index_at..index_at + 7])
            .expect("digits")
            .parse()
            .expect("an index");
        ndjson.extend_from_slice(&line[..index_at]);
        ndjson.extend_from_slice(format!("{:07}", index + after).as_bytes());
        ndjson.extend_from_slice(&line[index_at + 7..]);
    }
    std::fs::write(path, ndjson).expect("write the batch");
}

/// A copy of the database (and its WAL, if it holds anything) at `to`.
fn copy_db(from: &Path, to: &Path) -> Duration {
    support::remove_db(to);
    let started = Instant::now();
    let [db, wal, _] = db_files(from);
    let [to_db, to_wal, _] = db_files(to);
    std::fs::copy(&db, &to_db).expect("copy the database");
    if support::size(&wal) > 0 {
        std::fs::copy(&wal, &to_wal).expect("copy the WAL");
    }
    started.elapsed()
}

fn batch(db: &Path, count: u64, n: u64) {
    let file = db.with_extension("batch.ndjson");
    let copy = db.with_extension("batch.db");
    batch_file(&file, count, n);
    println!(
        "a day's batch: {n} new applications ({} of NDJSON) into the full database ({count}), a copy of it each time:",
        mib(support::size(&file))
    );
    for console in [false, true] {
        let copied = copy_db(db, &copy);
        let mut term = None;
        if console {
            let mut t = Term::spawn(&copy, "zh", 80, 24);
            let shown = t.wait_for(Duration::from_secs(60), |s| {
                let rows = screen_rows(s);
                footer_position(&rows) == Some((1, count))
                    && !rows.iter().any(|r| r.contains("加载中"))
            });
            assert!(
                shown.is_some(),
                "the console never showed its first frame:\n{}",
                t.rows().join("\n")
            );
            t.settle(Duration::from_millis(200), Duration::from_secs(10));
            term = Some(t);
        }
        let started = Instant::now();
        let mut child = shenhe()
            .arg("--db")
            .arg(&copy)
            .arg("import")
            .arg(&file)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run shenhe import");
        // Keys pressed while it runs: j, k, j, … each until the footer shows the move.
        let mut keys = Vec::new();
        let mut slow_keys = 0;
        let new_total = count + n;
        let shows = |s: &vt100::Screen| {
            footer_position(&screen_rows(s)).is_some_and(|(_, total)| total == new_total)
        };
        // When the console first showed the new total, if it did while the import ran.
        let mut updated = None;
        if let Some(t) = term.as_mut() {
            let mut down = true;
            while child.try_wait().expect("wait").is_none() {
                let before = footer_position(&t.rows());
                let sent = t.send(if down { b"j" } else { b"k" });
                match t.wait_for(Duration::from_secs(30), |s| {
                    let now = footer_position(&screen_rows(s));
                    now.is_some() && now != before
                }) {
                    Some(seen) => keys.push(seen.at - sent),
                    None => slow_keys += 1,
                }
                down = !down;
                if updated.is_none() && shows(t.screen()) {
                    updated = t.last_read;
                }
                // 250 ms to the next key, reading what comes meanwhile.
                let next = Instant::now() + Duration::from_millis(250);
                while let Some(at) = t.next_chunk(next.saturating_duration_since(Instant::now())) {
                    if updated.is_none() && shows(t.screen()) {
                        updated = Some(at);
                    }
                }
            }
        }
        let out = child.wait_with_output().expect("wait for shenhe import");
        let elapsed = started.elapsed();
        let ended = Instant::now();
        assert!(
            out.status.success(),
            "shenhe import failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let said = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert!(
            said.starts_with(&format!("imported {n} new")),
            "the import said: {said}"
        );
        let wal = support::size(&db_files(&copy)[1]);
        let events = rows(&copy, "events") - rows(db, "events");
        println!(
            "  {:<30} {:.2} s ({:.0} applications/s, {events} events; WAL after it {}; the copy took {:.1} s)",
            if console {
                "with a console open on it:"
            } else {
                "with nothing else open:"
            },
            elapsed.as_secs_f64(),
            n as f64 / elapsed.as_secs_f64(),
            mib(wal),
            copied.as_secs_f64()
        );
        if let Some(mut t) = term {
            if !keys.is_empty() || slow_keys > 0 {
                let s = stats(&keys);
                println!(
                    "    keys pressed during it (j/k):  min {:.1} / median {:.1} / max {:.1} ms over {} keys{}",
                    s.min,
                    s.median,
                    s.max,
                    s.n,
                    if slow_keys > 0 {
                        format!(", {slow_keys} NOT SHOWN within 30 s")
                    } else {
                        String::new()
                    }
                );
            }
            let seen = match updated {
                Some(at) => Some(support::pty::Seen { at }),
                None if shows(t.screen()) => t.last_read.map(|at| support::pty::Seen { at }),
                None => t.wait_for(Duration::from_secs(60), shows),
            };
            match seen {
                // The chunks read after the import exited carry the time they came.
                Some(seen) => match seen.at.checked_duration_since(ended) {
                    Some(after) => println!(
                        "    the console showed the new total {:.0} ms after the import's process exited (its worker looks every 500 ms)",
                        ms(after)
                    ),
                    None => println!(
                        "    the console showed the new total {:.0} ms before the import's process exited (after its commit; its worker looks every 500 ms)",
                        ms(ended - seen.at)
                    ),
                },
                None => println!("    the console NEVER showed the new total {new_total}"),
            }
            t.quit();
        }
        support::remove_db(&copy);
    }
    let _ = std::fs::remove_file(&file);
}
