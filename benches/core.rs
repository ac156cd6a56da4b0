//! Core: how long a million applications take to make and load, and how quickly the
//! queue lists on them, each measured as a reviewer sees it (process start to exit).
//!
//! ```sh
//! cargo bench --bench core                                     # 1,000,000 applications
//! cargo bench --bench core -- --count 100000 --runs 50
//! cargo bench --bench core -- --db /tmp/big.db --keep          # keep it for the console bench
//! ```
//!
//! A benchmark, not a test: it prints figures and asserts no timing. It runs the release
//! binary: `shenhe generate --count N --seed 1 > file`, `shenhe --db DB import file`,
//! then `shenhe --db DB list --limit 50` (output to /dev/null) `--runs` times after one
//! untimed warm-up, all at SHENHE_NOW=2026-11-24T10:00:00+08:00. Targets on a 2-core
//! machine: generate + import under 30 s for 1,000,000; list under 20 ms.

mod support;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Instant;

use support::{db_size, mib, shenhe, stats};

struct Options {
    count: u64,
    runs: usize,
    db: Option<PathBuf>,
    keep: bool,
}

fn options() -> Options {
    let mut o = Options {
        count: 1_000_000,
        runs: 20,
        db: None,
        keep: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--count" => o.count = value().parse().expect("--count N"),
            "--runs" => o.runs = value().parse().expect("--runs R"),
            "--db" => o.db = Some(PathBuf::from(value())),
            "--keep" => o.keep = true,
            // `cargo bench` passes --bench; anything else is a mistake worth saying.
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
    }
    o
}

fn main() {
    let o = options();
    let given = o.db.is_some();
    let (db, _guard) = support::place(o.db, o.keep);
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
    println!(
        "generate + import: {:.2} s (target < 30 s for 1,000,000)",
        total.as_secs_f64()
    );
    println!("database size:     {}", mib(db_size(&db)));

    let list = || {
        let started = Instant::now();
        let status = shenhe()
            .arg("--db")
            .arg(&db)
            .args(["list", "--limit", "50"])
            .stdout(Stdio::null())
            .status()
            .expect("run shenhe list");
        let elapsed = started.elapsed();
        assert!(status.success(), "shenhe list failed");
        elapsed
    };
    let first = list();
    let samples: Vec<_> = (0..o.runs).map(|_| list()).collect();
    let s = stats(&samples);
    println!(
        "list --limit 50:   min {:.1} / median {:.1} / max {:.1} ms over {} runs (first, untimed warm-up: {:.1} ms; target < 20 ms)",
        s.min,
        s.median,
        s.max,
        s.n,
        support::ms(first)
    );
    if o.keep {
        println!(
            "kept {} (cargo bench --bench console -- --db {})",
            db.display(),
            db.display()
        );
    } else if given {
        support::remove_db(&db);
    }
}
