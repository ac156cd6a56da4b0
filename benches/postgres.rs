//! Both stores on a million applications, side by side: import, a queue page (the first,
//! and one deep in the queue), a search, and the console's first frame, each measured as a
//! reviewer sees it (process start to exit; the first frame from the console's start until
//! its footer shows the queue, in a pseudo-terminal).
//!
//! ```sh
//! cargo bench --bench postgres                                 # 1,000,000 applications
//! cargo bench --bench postgres -- --count 100000 --runs 10
//! cargo bench --bench postgres -- --only postgres              # or --only sqlite
//! ```
//!
//! A benchmark, not a test: it prints figures and asserts no timing. PostgreSQL is a
//! throwaway server of the benchmark's own, on this machine, over its Unix socket, with
//! PostgreSQL's default durability (every commit flushed); SQLite is a file in a
//! temporary directory. Both are built the same way: `shenhe generate --count N --seed 1`,
//! then `shenhe --db DB init --allow-reviewer-override` and `shenhe --db DB import FILE`.

mod support;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use support::pty::{Term, footer_position, screen_rows};
use support::{ms, shenhe, stats};

struct Options {
    count: u64,
    runs: usize,
    only: Option<String>,
}

fn options() -> Options {
    let mut o = Options {
        count: 1_000_000,
        runs: 10,
        only: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--count" => o.count = value().parse().expect("--count N"),
            "--runs" => o.runs = value().parse().expect("--runs R"),
            "--only" => o.only = Some(value()),
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
    }
    o
}

/// `shenhe --db DB list ARGS`, process start to exit.
fn list(db: &Path, args: &[&str]) -> Duration {
    let started = Instant::now();
    let status = shenhe()
        .arg("--db")
        .arg(db)
        .arg("list")
        .args(args)
        .stdout(Stdio::null())
        .status()
        .expect("run shenhe list");
    let elapsed = started.elapsed();
    assert!(status.success(), "shenhe list {args:?} failed");
    elapsed
}

fn runs(name: &str, db: &Path, args: &[&str], n: usize) {
    let first = list(db, args);
    let samples: Vec<Duration> = (0..n).map(|_| list(db, args)).collect();
    let s = stats(&samples);
    println!(
        "  {name:<30} min {:.1} / median {:.1} / max {:.1} ms over {} runs (first, untimed: {:.1} ms)",
        s.min,
        s.median,
        s.max,
        s.n,
        ms(first)
    );
}

/// From the console's start until its footer shows the whole queue (`1/count`).
fn first_frame(db: &Path, count: u64) -> Duration {
    let mut term = Term::spawn(db, "zh", 100, 30);
    let seen = term.wait_for(Duration::from_secs(120), |s| {
        let rows = screen_rows(s);
        footer_position(&rows) == Some((1, count)) && !rows.iter().any(|r| r.contains("加载中"))
    });
    let at = seen
        .unwrap_or_else(|| panic!("no first frame:\n{}", term.rows().join("\n")))
        .at;
    let took = at - term.spawned;
    term.quit();
    took
}

/// `shenhe --db DB ARGS`, insisting on success; how long it took.
fn timed(db: &Path, args: &[&std::ffi::OsStr]) -> Duration {
    let started = Instant::now();
    let out = shenhe()
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run shenhe");
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "shenhe {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    took
}

fn bench(name: &str, db: &Path, ndjson: &Path, o: &Options) {
    println!("{name}:");
    timed(db, &["init".as_ref(), "--allow-reviewer-override".as_ref()]);
    let import = timed(db, &["import".as_ref(), ndjson.as_os_str()]);
    println!(
        "  import:                        {:.2} s ({:.0} applications/s)",
        import.as_secs_f64(),
        o.count as f64 / import.as_secs_f64(),
    );
    runs("list --limit 50:", db, &["--limit", "50"], o.runs);
    let deep = (o.count / 2).to_string();
    runs(
        &format!("list --limit 50 --offset {deep}:"),
        db,
        &["--limit", "50", "--offset", &deep],
        o.runs,
    );
    runs(
        "list --search 云栖 (a merchant):",
        db,
        &["--limit", "50", "--search", "云栖"],
        o.runs,
    );
    runs(
        "list --search 0000777 (an id):",
        db,
        &["--limit", "50", "--search", "0000777", "--state", "all"],
        o.runs,
    );
    // The searches of SQLite's own figures (README, issue 13), and a text nearly every
    // name holds (a page of it walks the queue; its count reads every row).
    for (name, text) in [
        ("list --search 华盛 (2 characters):", "华盛"),
        ("list --search 华盛科技:", "华盛科技"),
        ("list --search muyun (Latin):", "muyun"),
        ("list --search sq20261105000 (id):", "sq20261105000"),
        ("list --search 有限公司 (most):", "有限公司"),
    ] {
        runs(
            name,
            db,
            &["--limit", "50", "--search", text, "--state", "all"],
            o.runs,
        );
    }
    let frames: Vec<Duration> = (0..3).map(|_| first_frame(db, o.count)).collect();
    let s = stats(&frames);
    println!(
        "  console's first frame:         min {:.1} / median {:.1} / max {:.1} ms over {} runs",
        s.min, s.median, s.max, s.n
    );
}

fn main() {
    let o = options();
    println!(
        "postgres: {} applications on each store ({})",
        o.count,
        support::load()
    );
    let dir = tempfile::Builder::new()
        .prefix("shenhe-bench-")
        .tempdir()
        .expect("temp dir");
    let ndjson = dir.path().join("applications.ndjson");
    let started = Instant::now();
    let status = shenhe()
        .args(["generate", "--count", &o.count.to_string(), "--seed", "1"])
        .stdout(std::fs::File::create(&ndjson).expect("create the NDJSON file"))
        .status()
        .expect("run shenhe generate");
    assert!(status.success(), "shenhe generate failed");
    println!(
        "generate:                        {:.2} s ({})",
        started.elapsed().as_secs_f64(),
        support::mib(support::size(&ndjson))
    );
    let wanted = |store: &str| o.only.as_deref().is_none_or(|only| only == store);
    if wanted("sqlite") {
        bench("SQLite (a file)", &dir.path().join("bench.db"), &ndjson, &o);
    }
    if wanted("postgres") {
        let server = shenhe::pg::testing::TestServer::start_durable()
            .unwrap_or_else(|why| panic!("cannot start PostgreSQL: {why}"));
        let url = server.new_database().expect("a database");
        bench(
            "PostgreSQL (a local server, every commit flushed)",
            &PathBuf::from(url),
            &ndjson,
            &o,
        );
    }
}
