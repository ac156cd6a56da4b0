//! Scale (issue 13): a host full of consoles on a million applications. Prints, on one
//! database of `--count` (1,000,000) applications:
//!
//! 1. search times, `shenhe --db DB list --search Q --limit 50` from process start to exit
//!    (2-character Chinese, 4-character Chinese, a Latin word, an id prefix), warm (`--runs`
//!    after one untimed run) and cold (`--cold-runs`, each after dropping the database's
//!    pages from the page cache: `fdatasync` + `posix_fadvise(DONTNEED)` on its files, no
//!    privilege needed), with a queue page (`list --limit 50`) for comparison; and the
//!    same queries in process (the page and its count on an open store: the query alone,
//!    without starting a process);
//! 2. the queue sorted by merchant (pinyin), first page of 50, in process;
//! 3. start → first complete frame (rows and header counts), 80×24: in process, where the
//!    time goes; and the real binary in a pty until the screen equals that frame;
//! 4. the CPU used by N consoles (the real binary, each in its own pty, 80×24), idle and
//!    while this process decides (approves) applications at a fixed rate: `--consoles
//!    8:3,50:5` is 8 consoles at 3 decisions a second, then 50 at 5, each for `--seconds`
//!    (20); CPU read from /proc/PID/stat (user + system) of every console;
//! 5. the peak RSS (the child's `ru_maxrss`, from `wait4`) and time of a bulk import of
//!    `--count` applications into a new database (`--no-import` skips it).
//!
//! ```sh
//! cargo bench --bench scale -- --db /tmp/big.db          # builds it if missing (and keeps it)
//! cargo bench --bench scale -- --db /tmp/big.db --no-import --consoles 8:3
//! ```
//!
//! A benchmark, not a test: it prints figures and asserts no timing. Decisions change the
//! database: run it on a copy you do not mind changing.

mod support;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::DateTime;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc::unbounded_channel;

use shenhe::console::app::App;
use shenhe::console::ui::{self, Theme};
use shenhe::console::worker::{Request, Worker};
use shenhe::domain::policy::Policy;
use shenhe::domain::state::State;
use shenhe::present::Lang;
use shenhe::review::queue::{Filter, Sort};
use shenhe::review::{Clock, Review, identity};
use shenhe::store::Store;
use shenhe::store::sqlite::SqliteStore;
use support::pty::{Term, screen_rows};
use support::{NOW, db_files, drop_from_page_cache, mib, ms, shenhe, stats};

const WIDTH: u16 = 80;
const HEIGHT: u16 = 24;

struct Options {
    db: Option<PathBuf>,
    count: u64,
    runs: usize,
    cold_runs: usize,
    seconds: u64,
    consoles: Vec<(usize, f64)>,
    import: bool,
}

fn options() -> Options {
    let mut o = Options {
        db: None,
        count: 1_000_000,
        runs: 10,
        cold_runs: 5,
        seconds: 20,
        consoles: vec![(8, 3.0), (50, 5.0)],
        import: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--db" => o.db = Some(PathBuf::from(value())),
            "--count" => o.count = value().parse().expect("--count N"),
            "--runs" => o.runs = value().parse().expect("--runs R"),
            "--cold-runs" => o.cold_runs = value().parse().expect("--cold-runs R"),
            "--seconds" => o.seconds = value().parse().expect("--seconds S"),
            "--consoles" => {
                o.consoles = value()
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|pair| {
                        let (n, rate) = pair.split_once(':').expect("--consoles N:RATE,…");
                        (
                            n.parse().expect("consoles"),
                            rate.parse().expect("decisions a second"),
                        )
                    })
                    .collect()
            }
            "--no-import" => o.import = false,
            "--bench" => {}
            other => panic!("unknown option {other}"),
        }
    }
    o
}

fn main() {
    let o = options();
    let (db, _guard) = support::place(o.db.clone(), true);
    if !db.exists() {
        println!("building {} ({} applications)…", db.display(), o.count);
        let (rss, took) = import_new(&db, o.count);
        println!(
            "  import {:.1} s, peak RSS {}, database {}",
            took.as_secs_f64(),
            mib(rss),
            mib(support::db_size(&db))
        );
    }
    println!(
        "scale: {} ({}), {}",
        db.display(),
        mib(support::db_size(&db)),
        support::load()
    );

    searches(&db, &o);
    merchant_order(&db, &o);
    first_frame(&db);
    for &(n, rate) in &o.consoles {
        consoles(&db, n, rate, o.seconds);
    }
    if o.import {
        let dir = tempfile::Builder::new()
            .prefix("shenhe-scale")
            .tempdir_in(db.parent().unwrap_or(Path::new(".")))
            .expect("temp dir");
        let fresh = dir.path().join("import.db");
        println!();
        println!(
            "5. bulk import of {} applications into a new database",
            o.count
        );
        let (rss, took) = import_new(&fresh, o.count);
        println!(
            "   {:.1} s, peak RSS {} (target < 512 MiB), database {}",
            took.as_secs_f64(),
            mib(rss),
            mib(support::db_size(&fresh))
        );
    }
}

fn open_review(db: &Path) -> Review {
    let clock = Clock::Fixed(DateTime::parse_from_rfc3339(NOW).expect("now"));
    let store = SqliteStore::open(db).expect("open the database");
    let override_allowed = store
        .meta(identity::OVERRIDE_META_KEY)
        .expect("meta")
        .as_deref()
        == Some("1");
    let actor = identity::reviewer(override_allowed);
    Review::new(Box::new(store), Arc::new(Policy::builtin()), actor, clock).expect("review")
}

fn drop_cache(db: &Path) {
    for f in db_files(db) {
        drop_from_page_cache(&f).expect("drop the database's pages from the page cache");
    }
}

fn time(f: impl FnOnce()) -> Duration {
    let started = Instant::now();
    f();
    started.elapsed()
}

fn list(db: &Path, args: &[&str]) -> Duration {
    time(|| {
        let status = shenhe()
            .arg("--db")
            .arg(db)
            .arg("list")
            .args(args)
            .stdout(Stdio::null())
            .status()
            .expect("run shenhe list");
        assert!(status.success(), "shenhe list {args:?} failed");
    })
}

const QUERIES: [(&str, &str); 5] = [
    ("2-character Chinese", "华盛"),
    ("4-character Chinese", "华盛科技"),
    ("Latin word", "muyun"),
    ("id prefix", "SQ20261105000"),
    ("id prefix, lower case", "sq20261105000"),
];

fn searches(db: &Path, o: &Options) {
    println!();
    println!(
        "1. search, `list --search Q --limit 50`, process start to exit: min / median / max ms (warm over {}, cold over {})",
        o.runs, o.cold_runs
    );
    let review = open_review(db);
    let now = review.now();
    let mut cases: Vec<(String, Vec<String>, Option<String>)> = QUERIES
        .iter()
        .map(|(what, q)| {
            (
                format!("{what} \"{q}\""),
                vec![
                    "--search".into(),
                    q.to_string(),
                    "--limit".into(),
                    "50".into(),
                ],
                Some(q.to_string()),
            )
        })
        .collect();
    cases.push((
        "a queue page, no search".into(),
        vec!["--limit".into(), "50".into()],
        None,
    ));
    for (what, args, q) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        list(db, &args);
        let warm: Vec<Duration> = (0..o.runs).map(|_| list(db, &args)).collect();
        let cold: Vec<Duration> = (0..o.cold_runs)
            .map(|_| {
                drop_cache(db);
                list(db, &args)
            })
            .collect();
        // The query alone, on an open store (warm): the page of 50 and its count.
        let query = Filter::AllOpen.query(now, Sort::Due, q.as_deref().unwrap_or(""));
        let found = review.count(&query).expect("count");
        let in_process: Vec<Duration> = (0..o.runs)
            .map(|_| {
                time(|| {
                    review.page(&query, 0, 50).expect("page");
                    review.count(&query).expect("count");
                })
            })
            .collect();
        let (w, c, p) = (stats(&warm), stats(&cold), stats(&in_process));
        println!(
            "   {what:<40} warm {:.1} / {:.1} / {:.1}   cold {:.1} / {:.1} / {:.1}   in process (page + count) median {:.2} ms; {found} found",
            w.min, w.median, w.max, c.min, c.median, c.max, p.median
        );
    }
}

fn merchant_order(db: &Path, o: &Options) {
    println!();
    println!("2. the open queue by merchant (pinyin), first page of 50, in process");
    drop_cache(db);
    let review = open_review(db);
    let query = Filter::AllOpen.query(review.now(), Sort::Merchant, "");
    let mut first = Vec::new();
    let cold = time(|| first = review.page(&query, 0, 50).expect("page"));
    let warm: Vec<Duration> = (0..o.runs)
        .map(|_| time(|| drop(review.page(&query, 0, 50).expect("page"))))
        .collect();
    let s = stats(&warm);
    println!(
        "   cold (pages dropped) {:.1} ms; warm min {:.2} / median {:.2} / max {:.2} ms (target < 20 ms)",
        ms(cold),
        s.min,
        s.median,
        s.max
    );
    let names: Vec<&str> = first.iter().take(5).map(|r| r.merchant.as_str()).collect();
    println!("   first merchants: {}", names.join(", "));
}

/// The first frame in process, timed in parts, and its rows (the oracle for the pty).
fn first_frame(db: &Path) {
    println!();
    println!("3. start → first complete frame (rows and header counts), 80×24, Chinese");
    let started = Instant::now();
    let review = open_review(db);
    let open = started.elapsed();
    let mut app = App::new(
        Lang::Zh,
        Arc::clone(review.policy()),
        review.actor().to_string(),
        review.now(),
        WIDTH,
        HEIGHT,
    );
    let (tx, mut responses) = unbounded_channel();
    let mut worker = Worker::new(review, tx);
    let mut parts = Vec::new();
    let mut queue: std::collections::VecDeque<Request> = app.start().into();
    while let Some(r) = queue.pop_front() {
        let name = match &r {
            Request::Window { .. } => "window (count + page)",
            Request::Counts => "header counts",
            _ => "other",
        };
        let took = time(|| worker.handle(r));
        parts.push((name, took));
        while let Ok(response) = responses.try_recv() {
            queue.extend(app.apply(response));
        }
    }
    let theme = Theme {
        color: true,
        contrast: false,
    };
    let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("terminal");
    let draw = time(|| {
        ui::lay_out(&mut app, theme);
        terminal.draw(|f| ui::draw(f, &app, theme)).expect("draw");
    });
    let total = started.elapsed();
    let expected: Vec<String> = support::fixtures::buffer_rows(terminal.backend().buffer())
        .into_iter()
        .map(|r| r.trim_end().to_string())
        .collect();
    println!(
        "   in process (no terminal, no threads): {:.1} ms (target < 100 ms)",
        ms(total)
    );
    println!("     open store + review   {:.1} ms", ms(open));
    for (name, d) in &parts {
        println!("     {name:<21} {:.1} ms", ms(*d));
    }
    println!("     draw                  {:.1} ms", ms(draw));
    let runs: Vec<Duration> = (0..5)
        .filter_map(|_| {
            let mut term = Term::spawn(db, "zh", WIDTH, HEIGHT);
            let seen = term.wait_for(Duration::from_secs(20), |s| screen_rows(s) == expected);
            let at = seen.map(|s| s.at - term.spawned);
            if at.is_none() {
                eprintln!(
                    "   the pty never showed the in-process frame; it shows:\n{}",
                    term.rows().join("\n")
                );
            }
            term.quit();
            at
        })
        .collect();
    if !runs.is_empty() {
        let s = stats(&runs);
        println!(
            "   real binary, spawn → the pty shows that frame: min {:.1} / median {:.1} / max {:.1} ms over {} runs",
            s.min, s.median, s.max, s.n
        );
    }
}

/// User + system CPU time of a process so far (/proc/PID/stat).
fn cpu_of(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    // After the name: state is field 3; utime and stime are fields 14 and 15.
    let ticks = |i: usize| {
        fields
            .get(i - 3)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Duration::from_millis((ticks(14) + ticks(15)) * 1000 / hz)
}

fn consoles(db: &Path, n: usize, rate: f64, seconds: u64) {
    println!();
    println!(
        "4. {n} consoles (real binary, each in a pty), idle {seconds} s, then while this process approves {rate} applications a second for {seconds} s"
    );
    let mut terms: Vec<Term> = (0..n)
        .map(|_| Term::spawn(db, "zh", WIDTH, HEIGHT))
        .collect();
    for t in &mut terms {
        let shown = t.wait_for(Duration::from_secs(60), |s| {
            let rows = screen_rows(s);
            support::pty::footer_position(&rows).is_some()
                && !rows.iter().any(|r| r.contains("加载中"))
        });
        assert!(shown.is_some(), "a console never showed its queue");
    }
    let pids: Vec<u32> = terms.iter().map(|t| t.pid().expect("pid")).collect();
    let cpu = |pids: &[u32]| pids.iter().map(|p| cpu_of(*p)).sum::<Duration>();
    // Let them settle, then idle.
    std::thread::sleep(Duration::from_secs(2));
    let window = Duration::from_secs(seconds);
    let before = cpu(&pids);
    std::thread::sleep(window);
    let idle = cpu(&pids) - before;

    let mut review = open_review(db);
    let pending = review
        .page(
            &Filter::State(State::PendingReview).query(review.now(), Sort::Due, ""),
            0,
            (rate * seconds as f64) as u64 + 100,
        )
        .expect("pending");
    let mut ids = pending.into_iter().map(|r| (r.id, r.version));
    let every = Duration::from_secs_f64(1.0 / rate);
    let before = cpu(&pids);
    let started = Instant::now();
    let mut decided = 0u64;
    let mut next = started;
    while started.elapsed() < window {
        if let Some((id, version)) = ids.next()
            && review
                .approve(&id, version, Some("scale benchmark".into()))
                .is_ok()
        {
            decided += 1;
        }
        next += every;
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
    let elapsed = started.elapsed();
    // The last change reaches every console within its poll: counted in the window.
    std::thread::sleep(Duration::from_secs(1));
    let busy = cpu(&pids) - before;
    let busy_window = elapsed + Duration::from_secs(1);
    let cores = |d: Duration, over: Duration| d.as_secs_f64() / over.as_secs_f64();
    let per_change = (busy.as_secs_f64() - cores(idle, window) * busy_window.as_secs_f64())
        .max(0.0)
        / (decided.max(1) as f64 * n as f64);
    println!(
        "   idle: {:.4} cores in all ({:.2} ms of CPU a second per console)",
        cores(idle, window),
        idle.as_secs_f64() * 1000.0 / seconds as f64 / n as f64
    );
    println!(
        "   deciding: {decided} decisions in {:.1} s; the consoles used {:.3} cores in all (target for 50 at 5/s: < 0.25); {:.2} ms of CPU per console per change",
        elapsed.as_secs_f64(),
        cores(busy, busy_window),
        per_change * 1000.0
    );
    for t in terms {
        t.quit();
    }
}

/// `shenhe generate | shenhe import` into a new database made for benchmarks: the
/// import's peak RSS (bytes) and time.
fn import_new(db: &Path, count: u64) -> (u64, Duration) {
    let ndjson = db.with_extension("ndjson");
    let file = std::fs::File::create(&ndjson).expect("create the NDJSON file");
    let status = shenhe()
        .args(["generate", "--count", &count.to_string(), "--seed", "1"])
        .stdout(file)
        .status()
        .expect("run shenhe generate");
    assert!(status.success(), "shenhe generate failed");
    let status = shenhe()
        .arg("--db")
        .arg(db)
        .args(["init", "--allow-reviewer-override"])
        .stdout(Stdio::null())
        .status()
        .expect("run shenhe init");
    assert!(status.success(), "shenhe init failed");
    let started = Instant::now();
    let child = shenhe()
        .arg("--db")
        .arg(db)
        .arg("import")
        .arg(&ndjson)
        .stdout(Stdio::null())
        .spawn()
        .expect("run shenhe import");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waiting for our own child, with pointers to live locals; `child` is not
    // waited for again (its handle is forgotten below).
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let took = started.elapsed();
    std::mem::forget(child);
    assert_eq!(rc, pid, "wait4: {}", std::io::Error::last_os_error());
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "shenhe import failed"
    );
    let _ = std::fs::remove_file(&ndjson);
    // Linux gives ru_maxrss in KiB.
    (usage.ru_maxrss as u64 * 1024, took)
}
