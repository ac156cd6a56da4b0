//! Console: how quickly the review console answers on a 1,000,000-application database.
//!
//! ```sh
//! cargo bench --bench console                                  # builds the database first
//! cargo bench --bench console -- --db /tmp/big.db              # reuses one (see `core --keep`)
//! cargo bench --bench console -- --count 100000 --moves 4000 --pty-runs 3
//! cargo bench --bench console -- --db /tmp/big.db --dump       # the bytes of one cursor move
//! ```
//!
//! A benchmark, not a test: it prints figures and asserts no timing. In process, it drives
//! the console as `src/console/mod.rs` does, without threads: the store and review opened
//! as `shenhe` opens them, `App`, the `Worker` answering its requests synchronously, and
//! frames drawn as the console draws them (`console::draw`: ratatui renders, the presenter
//! of `console/screen.rs` sends the difference) at 80×24 (Chinese) into a writer that
//! counts the bytes a terminal would receive. It prints:
//!
//! 1. start → first complete frame (rows and header counts), with its parts; and the same
//!    end to end: the real binary in a pseudo-terminal, until the screen (parsed by vt100)
//!    shows the counts and the first row.
//! 2. keypress → last byte written for a cursor move (`--moves` moves: down, then up), apart
//!    from the moves that leave the loaded rows and wait for the worker; and `G` (the last
//!    of all rows) → the frame that shows it.
//! 3. bytes written per cursor move, and a full repaint for comparison.

mod support;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use chrono::DateTime;
use ratatui::layout::Size;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use shenhe::console::action::Action;
use shenhe::console::app::App;
use shenhe::console::screen::Screen;
use shenhe::console::ui::Theme;
use shenhe::console::worker::{Request, Response, Worker};
use shenhe::domain::policy::Policy;
use shenhe::i18n::Lang;
use shenhe::review::{Clock, Review, identity};
use shenhe::store::Store;
use shenhe::store::sqlite::SqliteStore;
use support::{NOW, mib, ms, stats};

const WIDTH: u16 = 80;
const HEIGHT: u16 = 24;

struct Options {
    db: Option<PathBuf>,
    count: u64,
    moves: usize,
    pty_runs: usize,
    dump: bool,
}

fn options() -> Options {
    let mut o = Options {
        db: None,
        count: 1_000_000,
        moves: 2000,
        pty_runs: 5,
        dump: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--db" => o.db = Some(PathBuf::from(value())),
            "--count" => o.count = value().parse().expect("--count N"),
            "--moves" => o.moves = value().parse().expect("--moves M"),
            "--pty-runs" => o.pty_runs = value().parse().expect("--pty-runs R"),
            "--dump" => o.dump = true,
            // `cargo bench` passes --bench; anything else is a mistake worth saying.
            "--bench" => {}
            other => panic!("unknown argument {other}"),
        }
    }
    o
}

/// What the terminal would receive: counted, and the latest frame's bytes kept.
#[derive(Default)]
struct Written {
    total: u64,
    last: Vec<u8>,
}

/// The backend's writer; the benchmark reads the counts through its own handle.
#[derive(Default, Clone)]
struct Counting(Rc<RefCell<Written>>);

impl Write for Counting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut w = self.0.borrow_mut();
        w.total += buf.len() as u64;
        w.last.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The console without threads, as the integration tests' harness drives it.
struct Console {
    app: App,
    worker: Worker,
    responses: UnboundedReceiver<Response>,
    screen: Screen<Counting>,
    written: Counting,
    theme: Theme,
}

/// One frame: how long it took to draw and write, and how many bytes it wrote.
struct Drawn {
    time: Duration,
    bytes: u64,
    text: String,
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
        let before = self.written.0.borrow().total;
        self.written.0.borrow_mut().last.clear();
        let started = Instant::now();
        let frame =
            shenhe::console::draw(&mut self.screen, &mut self.app, self.theme).expect("draw");
        let time = started.elapsed();
        let text = support::fixtures::buffer_rows(frame).join("\n");
        Drawn {
            time,
            bytes: self.written.0.borrow().total - before,
            text,
        }
    }

    /// A key as the event loop handles it: the action, a frame at once, and when the
    /// worker was asked for something, its answer and the frame after it.
    fn key(&mut self, action: Action) -> Key {
        let top = self.app.queue.top;
        let started = Instant::now();
        let requests = self.app.update(action);
        let asked = !requests.is_empty();
        let first = self.draw();
        let first_at = started.elapsed();
        let (worker, last) = if asked {
            let worker = self.pump(requests);
            (worker, Some(self.draw()))
        } else {
            (Duration::ZERO, None)
        };
        Key {
            asked,
            scrolled: self.app.queue.top != top,
            first_at,
            total: started.elapsed(),
            worker,
            bytes: first.bytes + last.as_ref().map_or(0, |d| d.bytes),
            text: last.unwrap_or(first).text,
        }
    }
}

struct Key {
    /// The worker was asked for rows (the move left the loaded window).
    asked: bool,
    /// The rows on screen moved by one (the selection was at the edge).
    scrolled: bool,
    /// Keypress → the first frame written.
    first_at: Duration,
    /// Keypress → the last byte written (after the worker's answer, if it was asked).
    total: Duration,
    worker: Duration,
    bytes: u64,
    text: String,
}

/// `open_review` of src/cli/mod.rs, with the benchmark's clock.
fn open_review(db: &std::path::Path) -> Review {
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

fn main() {
    let o = options();
    let given = o.db.is_some();
    let (db, _guard) = support::place(o.db, false);
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

    // ---- 1. start → first complete frame, in process ----
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
    let worker = Worker::new(review, lang, tx);
    let start_requests = app.start();
    let written = Counting::default();
    let screen = Screen::new(written.clone(), Size::new(WIDTH, HEIGHT)).expect("screen");
    let mut c = Console {
        app,
        worker,
        responses,
        screen,
        written,
        theme: Theme { color: true },
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
    let counts = c.app.counts.expect("counts");
    let first_id = c.app.queue.row(0).expect("a first row").id.clone();
    let complete =
        first.text.contains(&first_id) && first.text.contains(&counts.pending_review.to_string());
    println!(
        "console: {total} applications in the queue, {WIDTH}×{HEIGHT}, {}",
        db.display()
    );
    println!();
    println!("1. start → first complete frame");
    println!(
        "   in process:  {:.1} ms (target < 300 ms){}",
        ms(first_frame),
        if complete { "" } else { "  [frame INCOMPLETE]" }
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
        let counts = time(&mut || {
            review.counts().expect("counts");
        });
        println!(
            "     (again, warm: count(*) {:.1} ms, first page of 105 {:.1} ms, header counts {:.1} ms)",
            ms(count),
            ms(page),
            ms(counts)
        );
    }
    if o.pty_runs > 0 {
        let runs: Vec<Pty> = (0..o.pty_runs)
            .map(|_| pty_first_frame(&db, &first_id, counts.pending_review))
            .collect();
        let output: Vec<_> = runs.iter().map(|r| r.first_output).collect();
        let complete: Vec<_> = runs.iter().filter_map(|r| r.complete).collect();
        let s = stats(&complete);
        println!(
            "   end to end (`shenhe --db DB --lang zh` in an 80×24 pty, spawn → screen shows counts and first row):"
        );
        println!(
            "     min {:.1} / median {:.1} / max {:.1} ms over {} runs{} (first output after a median {:.1} ms)",
            s.min,
            s.median,
            s.max,
            s.n,
            if complete.len() < runs.len() {
                format!(", {} never complete", runs.len() - complete.len())
            } else {
                String::new()
            },
            stats(&output).median
        );
    }

    // ---- 2 and 3. cursor moves ----
    let half = o.moves / 2;
    let mut keys = Vec::with_capacity(o.moves);
    for i in 0..o.moves {
        let action = if i < half { Action::Down } else { Action::Up };
        keys.push(c.key(action));
        if o.dump && (i == 10 || i == 100) {
            let bytes = c.written.0.borrow().last.clone();
            println!();
            println!(
                "   the bytes of move {} ({} bytes): {}",
                i + 1,
                bytes.len(),
                String::from_utf8_lossy(&bytes).escape_debug()
            );
        }
    }
    let (crossing, plain): (Vec<&Key>, Vec<&Key>) = keys.iter().partition(|k| k.asked);
    println!();
    println!(
        "2. cursor move, keypress → last byte written ({} moves: {half} down, {} up)",
        keys.len(),
        keys.len() - half
    );
    let plain_times: Vec<_> = plain.iter().map(|k| k.total).collect();
    println!(
        "   within the loaded rows ({}): {}",
        plain.len(),
        stats(&plain_times)
    );
    if !crossing.is_empty() {
        let first: Vec<_> = crossing.iter().map(|k| k.first_at).collect();
        let worker: Vec<_> = crossing.iter().map(|k| k.worker).collect();
        let whole: Vec<_> = crossing.iter().map(|k| k.total).collect();
        println!(
            "   leaving the loaded rows ({}), the worker asked for a page:",
            crossing.len()
        );
        println!(
            "     first frame (before the worker answers)  {}",
            stats(&first)
        );
        println!("     the worker's page                  {}", stats(&worker));
        println!("     until the frame with the rows      {}", stats(&whole));
    }
    let all: Vec<_> = keys.iter().map(|k| k.total).collect();
    println!("   all moves: {}", stats(&all));
    for (name, action) in [
        ("G (last row)", Action::Bottom),
        ("g (first row)", Action::Top),
    ] {
        let k = c.key(action);
        let index = c.app.queue.selected;
        let id = c
            .app
            .queue
            .row(index)
            .map(|r| r.id.clone())
            .unwrap_or_default();
        let shown = !id.is_empty()
            && k.text.contains(&id)
            && k.text.contains(&format!("{}/{total}", index + 1));
        println!(
            "   {name:<14} → the frame showing it: {:.2} ms (worker {:.2} ms, first frame {:.2} ms, {} bytes){}",
            ms(k.total),
            ms(k.worker),
            ms(k.first_at),
            k.bytes,
            if shown { "" } else { "  [row NOT shown]" }
        );
    }

    println!();
    println!("3. bytes written to the terminal per cursor move ({WIDTH}×{HEIGHT}, Chinese rows)");
    let bytes = |ks: &[&Key]| {
        let n = ks.len().max(1) as f64;
        let sum: u64 = ks.iter().map(|k| k.bytes).sum();
        let max = ks.iter().map(|k| k.bytes).max().unwrap_or(0);
        (sum as f64 / n, max)
    };
    let (mean, max) = bytes(&plain);
    println!("   within the loaded rows:  mean {mean:.0}, max {max} bytes (target < 400)");
    let all_keys: Vec<&Key> = keys.iter().collect();
    let (mean, max) = bytes(&all_keys);
    println!("   all moves:               mean {mean:.0}, max {max} bytes");
    let (mean, max) = bytes(&crossing);
    println!(
        "   leaving the loaded rows: mean {mean:.0}, max {max} bytes (two frames: loading, then the rows)"
    );
    let (scrolled, still): (Vec<&Key>, Vec<&Key>) = plain.iter().partition(|k| k.scrolled);
    let (mean, max) = bytes(&still);
    println!(
        "     of which the rows stay ({}):   mean {mean:.0}, max {max} bytes (the old and new selected rows, the position)",
        still.len()
    );
    let (mean, max) = bytes(&scrolled);
    println!(
        "     of which the rows scroll ({}): mean {mean:.0}, max {max} bytes (the terminal scrolls them; the row that comes in, the highlight and the position are sent)",
        scrolled.len()
    );
    // A full repaint: the same state drawn on a terminal that shows nothing yet.
    let written = Counting::default();
    let mut fresh = Screen::new(written.clone(), Size::new(WIDTH, HEIGHT)).expect("screen");
    shenhe::console::draw(&mut fresh, &mut c.app, c.theme).expect("draw");
    println!(
        "   a full repaint:          {} bytes (the first frame: {} bytes)",
        written.0.borrow().total,
        first.bytes
    );
}

struct Pty {
    first_output: Duration,
    complete: Option<Duration>,
}

/// The real binary in a pseudo-terminal: spawn → the screen shows the header counts and
/// the first row.
fn pty_first_frame(db: &std::path::Path, first_id: &str, pending: u64) -> Pty {
    use portable_pty::{CommandBuilder, PtySize, native_pty_system};
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: HEIGHT,
            cols: WIDTH,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("openpty");
    let mut cmd = CommandBuilder::new(support::bin());
    cmd.arg("--db");
    cmd.arg(db);
    cmd.args(["--lang", "zh"]);
    cmd.env("SHENHE_NOW", NOW);
    cmd.env("TERM", "xterm-256color");
    cmd.env_remove("NO_COLOR");
    let mut reader = pair.master.try_clone_reader().expect("reader");
    let mut writer = pair.master.take_writer().expect("writer");
    let started = Instant::now();
    let mut child = pair.slave.spawn_command(cmd).expect("spawn shenhe");
    drop(pair.slave);
    let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
    let reading = std::thread::spawn(move || {
        let mut buf = [0u8; 65536];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send((Instant::now(), buf[..n].to_vec())).is_err() {
                break;
            }
        }
    });
    let size = |n: u16| std::num::NonZeroU16::new(n).expect("size");
    let mut parser = vt100::Parser::new(size(HEIGHT), size(WIDTH), 0);
    let (mut first_output, mut complete) = (None, None);
    let pending = pending.to_string();
    let deadline = started + Duration::from_secs(60);
    while complete.is_none() && Instant::now() < deadline {
        let Ok((at, bytes)) = rx.recv_timeout(Duration::from_millis(100)) else {
            continue;
        };
        first_output.get_or_insert(at - started);
        parser.process(&bytes);
        let text = parser.screen().contents();
        if text.contains(first_id) && text.contains(&pending) {
            complete = Some(at - started);
        }
    }
    let _ = writer.write_all(b"q");
    let _ = writer.flush();
    let quit_by = Instant::now() + Duration::from_secs(5);
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            _ if Instant::now() > quit_by => {
                let _ = child.kill();
                let _ = child.wait();
                break;
            }
            _ => std::thread::sleep(Duration::from_millis(10)),
        }
    }
    drop(writer);
    drop(pair.master);
    let _ = reading.join();
    Pty {
        first_output: first_output.unwrap_or_default(),
        complete,
    }
}
