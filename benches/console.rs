//! Console: how quickly the review console answers on a 1,000,000-application database,
//! as a reviewer at a terminal sees it.
//!
//! ```sh
//! cargo bench --bench console                                  # builds the database first
//! cargo bench --bench console -- --db /tmp/big.db              # reuses one (see `core --keep`)
//! cargo bench --bench console -- --count 100000 --moves 200 --pages 20 --pty-runs 3
//! cargo bench --bench console -- --db /tmp/big.db --dump       # the bytes of two cursor moves
//! ```
//!
//! A benchmark, not a test: it prints figures and asserts no timing. Everything timed runs
//! the real release binary, `shenhe --db DB --lang zh`, in an 80×24 pseudo-terminal
//! (portable-pty, TERM=xterm-256color, colours on): the keys are written to the pty, and a
//! thread reads what the console writes back and stamps each chunk with the moment `read`
//! returned it. The time of a key therefore holds all a reviewer waits for: the input
//! thread, the event loop, the hop to the worker thread and its query when the move needs
//! rows, drawing, and the write to the terminal.
//!
//! **"Last byte".** Every key is also applied to the same console driven in process (the
//! store and review opened as `shenhe` opens them, `App`, the `Worker` answering at once,
//! frames drawn by `console::draw`), which gives the frame the terminal must end on. The
//! chunks coming back go through a terminal emulator (vt100); a key's time runs from just
//! before its bytes are written to the pty to the read of the chunk after which the
//! emulated screen equals that frame, text and highlighted rows (the selection, and the
//! position `n/total` in the footer). So the time includes the worker's answer when the
//! first frame after the key still showed rows loading, and not when the rows were already
//! there (the answer then changes nothing on screen, and the console writes nothing for
//! it). Before the next key the benchmark reads until the output has been quiet for 20 ms
//! (`--settle-ms`) and, after a move that asked the worker for rows, for three times that
//! query's time in process more, so that one key's page query never runs under the next
//! key. Everything read between a key and the next counts as that key's bytes.
//!
//! It prints:
//!
//! 1. start → first complete frame: the real binary in the pty (`--pty-runs` runs, spawn →
//!    the screen equals the first complete frame: rows and header counts); and in process,
//!    with its parts (open, window, counts, draw), to show where the time goes.
//! 2. keypress → last byte for cursor moves, one key at a time: at the top, `j` ×`--moves`
//!    then `k` ×`--moves`, PgDn ×`--pages` then PgUp ×`--pages`; the same around row
//!    500,000 (reached by Ctrl-f pressed in bursts, not measured); `G` (the last of the
//!    million rows) and the same there, upwards; then `g`. Reported for all moves, for
//!    those within the loaded rows, and for those that asked the worker for the next page
//!    (split into those whose rows were already on screen and those that waited for
//!    them), and by where and how they moved, with min / median / p99 / max. Then PgDn
//!    held down (`--held` presses 33 ms apart, a key-repeat rate, without waiting) at the
//!    top and in the middle: each press until the screen shows its page (or one past it)
//!    with no row loading, and how many reads left rows loading on screen. In-process
//!    times of the same single moves (no threads, no terminal) come after, labelled, with
//!    the worker's page queries by place.
//! 3. bytes the terminal received per move, for all moves (page fetches included), by kind,
//!    and a full repaint (Ctrl-l) for comparison.
//!
//! After a burst of keys (the trip to the middle, a held key), which rows the real console
//! holds depends on when its worker answered; so that the moves after it start from the
//! same rows in both consoles, the benchmark then makes a write of no consequence to the
//! database (a row of `meta` inserted and deleted in one transaction), on which both
//! reload the rows around the selection as they do when another reviewer writes.

mod support;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::DateTime;
use ratatui::layout::Size;
use ratatui::style::Modifier;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use shenhe::console::action::Action;
use shenhe::console::app::App;
use shenhe::console::screen::Screen;
use shenhe::console::ui::Theme;
use shenhe::console::worker::{Request, Response, Worker};
use shenhe::domain::policy::Policy;
use shenhe::present::Lang;
use shenhe::review::{Clock, Review, identity};
use shenhe::store::Store;
use shenhe::store::sqlite::SqliteStore;
use support::pty::{Term, footer_position, reversed_rows, screen_rows};
use support::{NOW, Stats, mib, ms, stats};

const WIDTH: u16 = 80;
const HEIGHT: u16 = 24;
/// Longer than anything should take: a key that has not shown its frame by then is
/// reported as lost, and the benchmark stops moving.
const PATIENCE: Duration = Duration::from_secs(20);

struct Options {
    db: Option<PathBuf>,
    count: u64,
    moves: usize,
    pages: usize,
    pty_runs: usize,
    held: usize,
    settle: Duration,
    dump: bool,
}

fn options() -> Options {
    let mut o = Options {
        db: None,
        count: 1_000_000,
        moves: 300,
        pages: 40,
        pty_runs: 5,
        held: 30,
        settle: Duration::from_millis(20),
        dump: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--db" => o.db = Some(PathBuf::from(value())),
            "--count" => o.count = value().parse().expect("--count N"),
            "--moves" => o.moves = value().parse().expect("--moves M"),
            "--pages" => o.pages = value().parse().expect("--pages P"),
            "--pty-runs" => o.pty_runs = value().parse().expect("--pty-runs R"),
            "--held" => o.held = value().parse().expect("--held N"),
            "--settle-ms" => {
                o.settle = Duration::from_millis(value().parse().expect("--settle-ms MS"))
            }
            "--dump" => o.dump = true,
            // `cargo bench` passes --bench; anything else is a mistake worth saying.
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
    }
    o
}

/// What the terminal would receive: counted.
#[derive(Default, Clone)]
struct Counting(Rc<RefCell<u64>>);

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        *self.0.borrow_mut() += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A screen as the benchmark compares it: the text of each row (trailing blanks cut) and
/// which rows start reversed (the title, the selected row).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Shown {
    rows: Vec<String>,
    reversed: Vec<bool>,
}

impl Shown {
    fn of_terminal(screen: &vt100::Screen) -> Shown {
        Shown {
            rows: screen_rows(screen),
            reversed: reversed_rows(screen),
        }
    }

    fn of_frame(frame: &ratatui::buffer::Buffer) -> Shown {
        let width = frame.area.width as usize;
        Shown {
            rows: support::fixtures::buffer_rows(frame)
                .into_iter()
                .map(|r| r.trim_end().to_string())
                .collect(),
            reversed: frame
                .content
                .chunks(width)
                .map(|row| row[0].modifier.contains(Modifier::REVERSED))
                .collect(),
        }
    }

    fn text(&self) -> String {
        self.rows.join("\n")
    }
}

/// The console without threads, as the integration tests' harness drives it: the
/// benchmark's oracle for what each key must put on screen.
struct Console {
    app: App,
    worker: Worker,
    responses: UnboundedReceiver<Response>,
    screen: Screen<Counting>,
    written: Counting,
    theme: Theme,
}

/// One frame: how long it took to draw and write, how many bytes it wrote, what it shows.
struct Drawn {
    time: Duration,
    bytes: u64,
    shown: Shown,
}

/// A key applied in process: what the event loop does with it.
struct Oracle {
    /// The worker was asked for rows (the move came near the edge of the loaded ones).
    asked: bool,
    /// The rows on screen moved (the selection was at the edge, or a page was turned).
    scrolled: bool,
    /// The first frame after the key already showed what the last one does (the rows
    /// were loaded): the worker's answer changes nothing on screen.
    complete_at_once: bool,
    /// Keypress → the last frame written, in process.
    total: Duration,
    /// The worker's query (and applying its answer), in process.
    worker: Duration,
    bytes: u64,
    shown: Shown,
}

impl Console {
    /// Runs requests through the worker until nothing more is asked; returns the time
    /// spent in the worker (applying its answers is included: it is microseconds).
    fn pump(&mut self, requests: Vec<Request>) -> Duration {
        let started = Instant::now();
        let mut queue: VecDeque<Request> = requests.into();
        while let Some(r) = queue.pop_front() {
            self.worker.handle(r);
            while let Ok(response) = self.responses.try_recv() {
                queue.extend(self.app.apply(response));
            }
        }
        started.elapsed()
    }

    fn draw(&mut self) -> Drawn {
        let before = *self.written.0.borrow();
        let started = Instant::now();
        let frame =
            shenhe::console::draw(&mut self.screen, &mut self.app, self.theme).expect("draw");
        let time = started.elapsed();
        let shown = Shown::of_frame(frame);
        Drawn {
            time,
            bytes: *self.written.0.borrow() - before,
            shown,
        }
    }

    /// A key as the event loop handles it: the action, a frame at once, and when the
    /// worker was asked for something, its answer and the frame after it.
    fn key(&mut self, action: Action) -> Oracle {
        let top = self.app.queue.top;
        let started = Instant::now();
        let requests = self.app.update(action);
        let asked = requests.iter().any(|r| matches!(r, Request::Window { .. }));
        let first = self.draw();
        let (worker, last) = if requests.is_empty() {
            (Duration::ZERO, None)
        } else {
            let worker = self.pump(requests);
            (worker, Some(self.draw()))
        };
        let total = started.elapsed();
        let bytes = first.bytes + last.as_ref().map_or(0, |d| d.bytes);
        let shown = last.map_or(first.shown.clone(), |d| d.shown);
        Oracle {
            asked,
            scrolled: self.app.queue.top != top,
            complete_at_once: first.shown == shown,
            total,
            worker,
            bytes,
            shown,
        }
    }
}

/// `open_review` of src/cli/mod.rs, with the benchmark's clock.
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

/// What the script does next.
#[derive(Clone)]
enum Kind {
    /// One key, measured.
    Key,
    /// `n` pages down at once, to get somewhere; not measured.
    Travel(u64),
    /// The key held down: `n` presses `every` apart, without waiting for the screen.
    Held { n: usize, every: Duration },
}

#[derive(Clone)]
struct Step {
    group: &'static str,
    bytes: &'static [u8],
    action: Action,
    kind: Kind,
}

const DOWN: (&[u8], Action) = (b"j", Action::Down);
const UP: (&[u8], Action) = (b"k", Action::Up);
const PAGE_DOWN: (&[u8], Action) = (b"\x1b[6~", Action::PageDown);
const PAGE_UP: (&[u8], Action) = (b"\x1b[5~", Action::PageUp);
/// A typical key-repeat rate: 30 presses a second.
const REPEAT: Duration = Duration::from_millis(33);

fn push(
    steps: &mut Vec<Step>,
    group: &'static str,
    (bytes, action): (&'static [u8], Action),
    kind: Kind,
    n: usize,
) {
    for _ in 0..n {
        steps.push(Step {
            group,
            bytes,
            action: action.clone(),
            kind: kind.clone(),
        });
    }
}

fn script(o: &Options, total: u64, height: u64) -> Vec<Step> {
    let mut steps = Vec::new();
    let s = &mut steps;
    push(s, "top, j then k", DOWN, Kind::Key, o.moves);
    push(s, "top, j then k", UP, Kind::Key, o.moves);
    push(s, "top, PgDn then PgUp", PAGE_DOWN, Kind::Key, o.pages);
    push(s, "top, PgDn then PgUp", PAGE_UP, Kind::Key, o.pages);
    let held = Kind::Held {
        n: o.held,
        every: REPEAT,
    };
    let held_n = usize::from(o.held > 0);
    push(s, "top, PgDn held", PAGE_DOWN, held.clone(), held_n);
    let middle = total / 2 / height.max(1);
    if middle > 0 {
        let to = (b"\x06".as_slice(), Action::PageDown);
        push(s, "to the middle", to, Kind::Travel(middle), 1);
        push(s, "middle, j then k", DOWN, Kind::Key, o.moves);
        push(s, "middle, j then k", UP, Kind::Key, o.moves);
        push(s, "middle, PgDn then PgUp", PAGE_DOWN, Kind::Key, o.pages);
        push(s, "middle, PgDn then PgUp", PAGE_UP, Kind::Key, o.pages);
        push(s, "middle, PgDn held", PAGE_DOWN, held, held_n);
    }
    push(
        s,
        "G (to the last row)",
        (b"G", Action::Bottom),
        Kind::Key,
        1,
    );
    push(s, "end, k then j", UP, Kind::Key, o.moves);
    push(s, "end, k then j", DOWN, Kind::Key, o.moves);
    push(s, "end, PgUp then PgDn", PAGE_UP, Kind::Key, o.pages);
    push(s, "end, PgUp then PgDn", PAGE_DOWN, Kind::Key, o.pages);
    push(s, "g (to the first row)", (b"g", Action::Top), Kind::Key, 1);
    steps
}

/// `n` keys applied to the console in process without its worker: where a burst of keys
/// ends. Only its end matters; [`resync`] then loads the rows there.
fn follow(c: &mut Console, action: &Action, n: u64) {
    for _ in 0..n {
        let _ = c.app.update(action.clone());
    }
}

/// After a burst of keys, which rows the real console holds depends on when its worker
/// answered; the moves after it must start from the same rows in both consoles. A write
/// of no consequence to the database (a row of the `meta` table inserted and deleted in
/// one transaction) makes both reload the rows around the selection, as they do when
/// another reviewer writes. Returns false if the pty never showed the same screen.
fn resync(term: &mut Term, c: &mut Console, db: &Path, settle: Duration) -> bool {
    term.settle(settle * 5, PATIENCE);
    let conn = rusqlite::Connection::open(db).expect("open the database to write");
    conn.execute_batch(
        "BEGIN IMMEDIATE;
         INSERT INTO meta (key, value) VALUES ('bench_console_resync', '1');
         DELETE FROM meta WHERE key = 'bench_console_resync';
         COMMIT;",
    )
    .expect("a write of no consequence");
    drop(conn);
    let requests = c.app.apply(Response::Changed);
    let reload = c.pump(requests);
    let expected = c.draw().shown;
    // The real console notices within its worker's poll (500 ms) and reloads; the
    // screen stays the same, so there is nothing to see but the time it needs.
    std::thread::sleep(Duration::from_millis(500) + reload * 3 + settle * 5);
    term.settle(settle, PATIENCE);
    Shown::of_terminal(term.screen()) == expected
        || term
            .wait_for(PATIENCE, |s| Shown::of_terminal(s) == expected)
            .is_some()
}

/// Pages down `pages` times at once (Ctrl-f, in writes of 500), to get somewhere; not
/// measured. Returns false if the pty never showed where the trip ends.
fn travel(term: &mut Term, c: &mut Console, pages: u64) -> bool {
    let total = c.app.queue.total.unwrap_or(0);
    let loading = c.app.ui.loading;
    let mut left = pages;
    while left > 0 {
        let n = left.min(500);
        left -= n;
        follow(c, &Action::PageDown, n);
        term.send(&b"\x06".repeat(n as usize));
        let want = format!("{}/{total}", c.app.queue.selected + 1);
        if term
            .wait_for(PATIENCE, |s| {
                let rows = screen_rows(s);
                rows.last().is_some_and(|r| r.ends_with(&want))
                    && !rows.iter().any(|r| r.contains(loading))
            })
            .is_none()
        {
            return false;
        }
    }
    true
}

/// A key held down: what each press cost until the screen showed its page (or one
/// beyond it: the console draws once for keys that came together) with no row loading.
struct Held {
    group: &'static str,
    latencies: Vec<Duration>,
    frames: usize,
    frames_loading: usize,
    bytes: u64,
}

fn held(term: &mut Term, c: &mut Console, step: &Step, n: usize, every: Duration) -> Option<Held> {
    let total = c.app.queue.total.unwrap_or(0);
    let height = c.app.table_height();
    let loading = c.app.ui.loading;
    let start = c.app.queue.selected + 1;
    let step_by: i64 = match step.action {
        Action::PageDown => height as i64,
        Action::PageUp => -(height as i64),
        Action::Down => 1,
        Action::Up => -1,
        _ => panic!("only moves are held"),
    };
    let target = |i: usize| (start as i64 + step_by * (i as i64 + 1)).clamp(1, total as i64) as u64;
    let mut pending: std::collections::VecDeque<(u64, Instant)> = Default::default();
    let mut latencies = Vec::new();
    let (mut frames, mut frames_loading) = (0, 0);
    let begun = Instant::now();
    let mut sent = 0;
    term.take_bytes();
    while sent < n || !pending.is_empty() {
        if begun.elapsed() > PATIENCE {
            return None;
        }
        let due = begun + every * sent as u32;
        if sent < n && Instant::now() >= due {
            let at = term.send(step.bytes);
            pending.push_back((target(sent), at));
            sent += 1;
            continue;
        }
        let wait = if sent < n {
            due.saturating_duration_since(Instant::now())
        } else {
            PATIENCE
        };
        if let Some(at) = term.next_chunk(wait) {
            frames += 1;
            let rows = screen_rows(term.screen());
            let complete = !rows.iter().any(|r| r.contains(loading));
            if !complete {
                frames_loading += 1;
                continue;
            }
            let Some((shown, _)) = footer_position(&rows) else {
                continue;
            };
            let ahead = |p: u64| if step_by > 0 { shown >= p } else { shown <= p };
            while pending.front().is_some_and(|(p, _)| ahead(*p)) {
                let (_, sent_at) = pending.pop_front().expect("a pending press");
                latencies.push(at - sent_at);
            }
        }
    }
    let bytes = term.take_bytes();
    follow(c, &step.action, n as u64);
    Some(Held {
        group: step.group,
        latencies,
        frames,
        frames_loading,
        bytes,
    })
}

/// A key as the reviewer met it: the pty's figures with the oracle's classification.
struct Move {
    step: Step,
    oracle: Oracle,
    /// Keypress → the read that made the screen equal the oracle's frame.
    last_byte: Duration,
    /// Bytes read from the key to the next key.
    bytes: u64,
    /// The screen changed again after it matched (it should not).
    changed_after: bool,
}

fn main() {
    let o = options();
    let given = o.db.is_some();
    let (db, _guard) = support::place(o.db.clone(), false);
    if !given {
        println!("building {} applications with the CLI…", o.count);
        let built = support::build(&db, o.count);
        println!(
            "  generate {:.2} s, import {:.2} s, database {}",
            built.generate.as_secs_f64(),
            built.import.as_secs_f64(),
            mib(support::db_size(&db))
        );
    }
    let lang = Lang::Zh;

    // ---- 1. start → first complete frame, in process (its parts) ----
    let started = Instant::now();
    let review = open_review(&db);
    let open = started.elapsed();
    let mut app = App::new(
        lang,
        Arc::clone(review.policy()),
        review.actor().to_string(),
        review.now(),
        WIDTH,
        HEIGHT,
    );
    let (tx, responses) = unbounded_channel();
    let worker = Worker::new(review, tx);
    let start_requests = app.start();
    let written = Counting::default();
    let screen = Screen::new(written.clone(), Size::new(WIDTH, HEIGHT)).expect("screen");
    let mut c = Console {
        app,
        worker,
        responses,
        screen,
        written,
        theme: Theme {
            color: true,
            contrast: false,
        },
    };
    let mut parts = Vec::new();
    for r in start_requests {
        let name = match &r {
            Request::Window { .. } => "window (count + page)",
            Request::Counts => "header counts",
            _ => "other",
        };
        parts.push((name, c.pump(vec![r])));
    }
    let first = c.draw();
    let first_frame = started.elapsed();
    let total = c.app.queue.total.unwrap_or(0);
    println!(
        "console: {total} applications in the queue, {WIDTH}×{HEIGHT}, Chinese, {} ({})",
        db.display(),
        support::load()
    );
    println!();
    println!("1. start → first complete frame (rows and header counts)");
    if o.pty_runs > 0 {
        let runs: Vec<(Duration, Option<Duration>)> = (0..o.pty_runs)
            .map(|_| pty_first_frame(&db, &first.shown))
            .collect();
        let output: Vec<_> = runs.iter().map(|r| r.0).collect();
        let complete: Vec<_> = runs.iter().filter_map(|r| r.1).collect();
        let s = stats(&complete);
        println!(
            "   real binary, spawn → the pty shows the frame: min {:.1} / median {:.1} / max {:.1} ms over {} runs{} (target < 300 ms; first byte after a median {:.1} ms)",
            s.min,
            s.median,
            s.max,
            s.n,
            if complete.len() < runs.len() {
                format!(", {} NEVER complete", runs.len() - complete.len())
            } else {
                String::new()
            },
            stats(&output).median
        );
    }
    println!(
        "   in process (no terminal, no threads), where the time goes: {:.1} ms",
        ms(first_frame)
    );
    println!("     open store + review   {:.1} ms", ms(open));
    for (name, d) in &parts {
        println!("     {name:<21} {:.1} ms", ms(*d));
    }
    println!(
        "     draw                  {:.1} ms ({} bytes)",
        ms(first.time),
        first.bytes
    );
    // The queries on their own, on a second connection (warm: the first run read them).
    {
        let review = open_review(&db);
        let query = c.app.query();
        let time = |f: &mut dyn FnMut()| {
            let started = Instant::now();
            f();
            started.elapsed()
        };
        let count = time(&mut || {
            review.count(&query).expect("count");
        });
        let page = time(&mut || {
            review.page(&query, 0, 105).expect("page");
        });
        // The worker reads a window past the middle backwards (the reverse order's first
        // rows), so the middle is the deepest it reads.
        let deep = time(&mut || {
            review.page(&query, total / 2, 105).expect("page");
        });
        let counts = time(&mut || {
            review.counts().expect("counts");
        });
        println!(
            "     (again, warm: count(*) {:.1} ms, first page of 105 {:.1} ms, page of 105 at the middle {:.1} ms, header counts {:.1} ms)",
            ms(count),
            ms(page),
            ms(deep),
            ms(counts)
        );
    }

    // ---- 2 and 3. cursor moves in the pty, checked against the oracle ----
    let mut term = Term::spawn(&db, "zh", WIDTH, HEIGHT);
    term.keep_raw = o.dump;
    let expected = first.shown.clone();
    if term
        .wait_for(PATIENCE, |s| Shown::of_terminal(s) == expected)
        .is_none()
    {
        panic!(
            "the console in the pty never showed the first frame; it shows:\n{}\nexpected:\n{}",
            Shown::of_terminal(term.screen()).text(),
            expected.text()
        );
    }
    term.settle(o.settle, PATIENCE);
    term.take_bytes();
    term.take_raw();

    let steps = script(&o, total, c.app.table_height());
    let mut moves: Vec<Move> = Vec::with_capacity(steps.len());
    let mut lost = None;
    let mut dumps = Vec::new();
    let mut helds: Vec<Held> = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let done = match step.kind {
            Kind::Key => None,
            Kind::Travel(pages) => Some(travel(&mut term, &mut c, pages)),
            Kind::Held { n, every } => Some(match held(&mut term, &mut c, step, n, every) {
                Some(h) => {
                    helds.push(h);
                    true
                }
                None => false,
            }),
        };
        if let Some(done) = done {
            if !done || !resync(&mut term, &mut c, &db, o.settle) {
                lost = Some((
                    i,
                    step.clone(),
                    c.draw().shown,
                    Shown::of_terminal(term.screen()),
                ));
                break;
            }
            term.take_bytes();
            term.take_raw();
            continue;
        }
        let oracle = c.key(step.action.clone());
        let expected = oracle.shown.clone();
        if Shown::of_terminal(term.screen()) == expected {
            // A key that changes nothing (it should not be in the script).
            println!(
                "   (move {}: {:?} changes nothing; skipped)",
                i + 1,
                step.action
            );
            continue;
        }
        let sent = term.send(step.bytes);
        let Some(seen) = term.wait_for(PATIENCE, |s| Shown::of_terminal(s) == expected) else {
            lost = Some((i, step.clone(), expected, Shown::of_terminal(term.screen())));
            break;
        };
        let matched = Shown::of_terminal(term.screen());
        term.settle(o.settle, PATIENCE);
        if oracle.asked {
            let extra = oracle.worker * 3 + o.settle;
            term.settle(extra, extra);
        }
        let changed_after = Shown::of_terminal(term.screen()) != matched;
        if o.dump && (i == 10 || i == 100) {
            dumps.push((i, term.take_raw()));
        } else {
            term.take_raw();
        }
        moves.push(Move {
            step: step.clone(),
            oracle,
            last_byte: seen.at - sent,
            bytes: term.take_bytes(),
            changed_after,
        });
    }
    // A full repaint, for comparison: Ctrl-l draws the whole screen again. The screen
    // does not change, so its last byte is the last read before 100 ms of quiet.
    let repaint_oracle = c.key(Action::Repaint);
    let sent = term.send(b"\x0c");
    let repaint_last = term.settle(Duration::from_millis(100), PATIENCE);
    let repaint_bytes = term.take_bytes();
    let repaint_same = Shown::of_terminal(term.screen()) == repaint_oracle.shown;
    term.quit();

    if let Some((i, step, expected, shown)) = &lost {
        println!();
        println!(
            "   MOVE {} ({}, {:?}) NEVER SHOWED ITS FRAME within {} s; the pty shows:\n{}\n   the console in process shows:\n{}",
            i + 1,
            step.group,
            step.action,
            PATIENCE.as_secs(),
            shown.text(),
            expected.text()
        );
    }

    println!();
    println!(
        "2. keypress → last byte, the real binary in the pty ({} moves; the last byte: the read after which the screen equals the frame the console must end on)",
        moves.len()
    );
    let times =
        |ms_: &[&Move]| -> Stats { stats(&ms_.iter().map(|m| m.last_byte).collect::<Vec<_>>()) };
    let all: Vec<&Move> = moves.iter().collect();
    let plain: Vec<&Move> = all.iter().copied().filter(|m| !m.oracle.asked).collect();
    let asked: Vec<&Move> = all.iter().copied().filter(|m| m.oracle.asked).collect();
    let asked_ready: Vec<&Move> = asked
        .iter()
        .copied()
        .filter(|m| m.oracle.complete_at_once)
        .collect();
    let asked_waited: Vec<&Move> = asked
        .iter()
        .copied()
        .filter(|m| !m.oracle.complete_at_once)
        .collect();
    let line = |name: &str, ms_: &[&Move]| {
        if !ms_.is_empty() {
            println!("   {name:<44} {}", times(ms_));
        }
    };
    line("all moves", &all);
    line("  within the loaded rows", &plain);
    line("  asking the worker for the next page", &asked);
    line("    of which the rows were on screen already", &asked_ready);
    line("    of which the screen waited for the rows", &asked_waited);
    println!("   by where and how (moves asking for a page among them):");
    let mut groups: Vec<&'static str> = Vec::new();
    for m in &moves {
        if !groups.contains(&m.step.group) {
            groups.push(m.step.group);
        }
    }
    for group in &groups {
        let of: Vec<&Move> = all
            .iter()
            .copied()
            .filter(|m| m.step.group == *group)
            .collect();
        let fetching = of.iter().filter(|m| m.oracle.asked).count();
        if of.len() == 1 {
            let m = of[0];
            println!(
                "     {group:<24} {:.2} ms ({} bytes{}; in process: {:.2} ms, of which the worker's query {:.2} ms)",
                ms(m.last_byte),
                m.bytes,
                if m.oracle.asked {
                    ", asked for a page"
                } else {
                    ""
                },
                ms(m.oracle.total),
                ms(m.oracle.worker)
            );
        } else {
            println!(
                "     {group:<24} {} ({fetching} asked for a page)",
                times(&of)
            );
        }
    }
    if !helds.is_empty() {
        println!(
            "   a key held down ({} presses {} ms apart, not waiting for the screen): each press until the screen shows its page (or one past it) with no row loading",
            o.held,
            REPEAT.as_millis()
        );
        for h in &helds {
            println!(
                "     {:<24} {}; {} reads of output, {} of them left rows loading on screen; {} bytes",
                h.group,
                stats(&h.latencies),
                h.frames,
                h.frames_loading,
                h.bytes
            );
        }
    }
    let late = moves.iter().filter(|m| m.changed_after).count();
    if late > 0 {
        println!("   {late} moves CHANGED THE SCREEN AGAIN after it showed their frame");
    }
    println!("   in process (no threads, no terminal, the worker answering at once):");
    let in_process = |ms_: &[&Move]| stats(&ms_.iter().map(|m| m.oracle.total).collect::<Vec<_>>());
    println!("     {:<42} {}", "all moves", in_process(&all));
    println!(
        "     {:<42} {}",
        "  within the loaded rows",
        in_process(&plain)
    );
    println!(
        "     {:<42} {}",
        "  the worker's page query",
        stats(&asked.iter().map(|m| m.oracle.worker).collect::<Vec<_>>())
    );
    for group in &groups {
        let of: Vec<&Move> = asked
            .iter()
            .copied()
            .filter(|m| m.step.group == *group)
            .collect();
        if !of.is_empty() {
            println!(
                "       {group:<40} {}",
                stats(&of.iter().map(|m| m.oracle.worker).collect::<Vec<_>>())
            );
        }
    }

    println!();
    println!(
        "3. bytes the terminal received per move ({WIDTH}×{HEIGHT}, Chinese rows; everything read from a key to the next)"
    );
    let bytes = |ms_: &[&Move]| {
        let n = ms_.len().max(1) as f64;
        let sum: u64 = ms_.iter().map(|m| m.bytes).sum();
        let max = ms_.iter().map(|m| m.bytes).max().unwrap_or(0);
        let mut v: Vec<u64> = ms_.iter().map(|m| m.bytes).collect();
        v.sort_unstable();
        let median = v.get(v.len() / 2).copied().unwrap_or(0);
        format!(
            "mean {:.0} / median {median} / max {max} bytes (n = {})",
            sum as f64 / n,
            ms_.len()
        )
    };
    let cursor: Vec<&Move> = all
        .iter()
        .copied()
        .filter(|m| matches!(m.step.action, Action::Up | Action::Down))
        .collect();
    let cursor_plain: Vec<&Move> = cursor.iter().copied().filter(|m| !m.oracle.asked).collect();
    let cursor_asked: Vec<&Move> = cursor.iter().copied().filter(|m| m.oracle.asked).collect();
    let (scrolled, still): (Vec<&Move>, Vec<&Move>) =
        cursor.iter().copied().partition(|m| m.oracle.scrolled);
    let pages: Vec<&Move> = all
        .iter()
        .copied()
        .filter(|m| matches!(m.step.action, Action::PageUp | Action::PageDown))
        .collect();
    println!(
        "   {:<46} {}",
        "all moves (target < 400 for j/k)",
        bytes(&all)
    );
    println!("   {:<46} {}", "j / k", bytes(&cursor));
    println!(
        "   {:<46} {}",
        "  within the loaded rows",
        bytes(&cursor_plain)
    );
    println!(
        "   {:<46} {}",
        "  asking the worker for the next page",
        bytes(&cursor_asked)
    );
    println!(
        "   {:<46} {}",
        "  the rows stay (old and new selection, position)",
        bytes(&still)
    );
    println!(
        "   {:<46} {}",
        "  the rows scroll (the terminal scrolls them)",
        bytes(&scrolled)
    );
    println!("   {:<46} {}", "PgDn / PgUp", bytes(&pages));
    let differ = moves.iter().filter(|m| m.bytes != m.oracle.bytes).count();
    println!(
        "   ({} of {} moves sent the pty exactly the bytes the console in process wrote{})",
        moves.len() - differ,
        moves.len(),
        moves
            .iter()
            .enumerate()
            .filter(|(_, m)| m.bytes != m.oracle.bytes)
            .take(5)
            .map(|(i, m)| format!(
                "; move {} ({}): {} in the pty, {} in process",
                i + 1,
                m.step.group,
                m.bytes,
                m.oracle.bytes
            ))
            .collect::<String>()
    );
    println!(
        "   a full repaint (Ctrl-l): {repaint_bytes} bytes, last byte after {} (in process: {} bytes){}; the first frame: {} bytes",
        repaint_last.map_or("never".to_string(), |at| format!(
            "{:.2} ms",
            ms(at.saturating_duration_since(sent))
        )),
        repaint_oracle.bytes,
        if repaint_same {
            ""
        } else {
            " [screen DIFFERS]"
        },
        first.bytes
    );
    for (i, raw) in dumps {
        println!();
        println!(
            "   the bytes of move {} ({} bytes): {}",
            i + 1,
            raw.len(),
            String::from_utf8_lossy(&raw).escape_debug()
        );
    }
    if lost.is_some() {
        std::process::exit(1);
    }
}

/// The real binary in a pseudo-terminal: spawn → the screen equals the first complete
/// frame. Returns (first byte, complete) after spawn.
fn pty_first_frame(db: &Path, frame: &Shown) -> (Duration, Option<Duration>) {
    let mut term = Term::spawn(db, "zh", WIDTH, HEIGHT);
    let seen = term.wait_for(Duration::from_secs(60), |s| Shown::of_terminal(s) == *frame);
    let first = term
        .first_output
        .map(|at| at - term.spawned)
        .unwrap_or_default();
    let complete = seen.map(|s| s.at - term.spawned);
    term.quit();
    (first, complete)
}
