//! The real binary in a pseudo-terminal: keys go in as bytes, the screen comes back
//! through a terminal emulator (vt100), and the database is checked through the CLI.
//! Everything waits for the screen to show a result, never for a fixed time: the
//! console's worker answers asynchronously and the machine may be loaded.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, ExitStatus, MasterPty, PtySize, native_pty_system};
use serde_json::{Value, json};

use crate::common::*;
use crate::console::queue_records;

/// Generous: a debug build on two busy cores can take seconds to start.
pub(crate) const DEADLINE: Duration = Duration::from_secs(15);
pub(crate) const POLL: Duration = Duration::from_millis(20);

pub(crate) const ESC: &str = "\x1b";
pub(crate) const ENTER: &str = "\r";
const CTRL_C: &str = "\x03";

/// What the emulator was asked to do beyond drawing text: none of it should happen.
#[derive(Default)]
struct Seen {
    titles: Vec<Vec<u8>>,
    clipboard: Vec<Vec<u8>>,
    bells: usize,
    unhandled: Vec<String>,
}

impl vt100::Callbacks for Seen {
    fn audible_bell(&mut self, _: &mut vt100::Screen) {
        self.bells += 1;
    }
    fn set_window_title(&mut self, _: &mut vt100::Screen, title: &[u8]) {
        self.titles.push(title.to_vec());
    }
    fn set_window_icon_name(&mut self, _: &mut vt100::Screen, name: &[u8]) {
        self.titles.push(name.to_vec());
    }
    fn copy_to_clipboard(&mut self, _: &mut vt100::Screen, _ty: &[u8], data: &[u8]) {
        self.clipboard.push(data.to_vec());
    }
    fn unhandled_char(&mut self, _: &mut vt100::Screen, c: char) {
        self.unhandled.push(format!("char {c:?}"));
    }
    fn unhandled_control(&mut self, _: &mut vt100::Screen, b: u8) {
        self.unhandled.push(format!("control {b:#x}"));
    }
    fn unhandled_escape(&mut self, _: &mut vt100::Screen, i1: Option<u8>, i2: Option<u8>, b: u8) {
        self.unhandled
            .push(format!("escape {i1:?} {i2:?} {:?}", b as char));
    }
    fn unhandled_osc(&mut self, _: &mut vt100::Screen, params: &[&[u8]]) {
        self.unhandled.push(format!("osc {params:?}"));
    }
}

struct Output {
    parser: vt100::Parser<Seen>,
    raw: Vec<u8>,
    closed: bool,
}

/// How to start a console.
pub struct Opts<'a> {
    pub reviewer: &'a str,
    /// `LANG`: the console picks its language from it.
    pub lang: &'a str,
    pub cols: u16,
    pub rows: u16,
    pub env: &'a [(&'a str, &'a str)],
}

impl Default for Opts<'_> {
    fn default() -> Self {
        Opts {
            reviewer: "alice",
            lang: "en_US.UTF-8",
            cols: 80,
            rows: 24,
            env: &[],
        }
    }
}

/// One console process on its own pseudo-terminal.
pub struct Console {
    master: Box<dyn MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    output: Arc<Mutex<Output>>,
    reader: Option<JoinHandle<()>>,
    exited: bool,
}

/// A console that has exited: how, and everything it wrote.
pub struct Finished {
    pub status: ExitStatus,
    pub raw: Vec<u8>,
    pub alternate_screen: bool,
    pub cursor_hidden: bool,
    /// The terminal's line discipline after the exit: (canonical, echo).
    pub cooked: (bool, bool),
    /// Titles, clipboard writes, bells and sequences the emulator did not know.
    pub oddities: Vec<String>,
}

impl Console {
    pub fn start(env: &Env, opts: Opts) -> Console {
        let size = PtySize {
            rows: opts.rows,
            cols: opts.cols,
            ..PtySize::default()
        };
        let pair = native_pty_system().openpty(size).expect("openpty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_shenhe"));
        cmd.arg("--db");
        cmd.arg(env.db());
        cmd.cwd(env.dir.path());
        for var in crate::fixtures::CONSOLE_ENV_TO_CLEAR {
            cmd.env_remove(var);
        }
        cmd.env_remove("RUST_BACKTRACE");
        // The runner's own config file (~/.config/shenhe) stays out: the env's own.
        cmd.env("XDG_CONFIG_HOME", env.path("config"));
        cmd.env("SHENHE_NOW", &env.now);
        cmd.env("SHENHE_REVIEWER", opts.reviewer);
        cmd.env("LANG", opts.lang);
        cmd.env("TERM", "xterm-256color");
        for (k, v) in opts.env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).expect("spawn shenhe");
        // Only the child may hold the slave: then the reader sees the end when it exits.
        drop(pair.slave);

        let output = Arc::new(Mutex::new(Output {
            parser: vt100::Parser::new_with_callbacks(
                nonzero(opts.rows),
                nonzero(opts.cols),
                0,
                Seen::default(),
            ),
            raw: Vec::new(),
            closed: false,
        }));
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let sink = Arc::clone(&output);
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let mut out = sink.lock().expect("lock");
                        out.parser.process(&buf[..n]);
                        out.raw.extend_from_slice(&buf[..n]);
                    }
                }
            }
            sink.lock().expect("lock").closed = true;
        });
        let writer = pair.master.take_writer().expect("writer");
        Console {
            master: pair.master,
            writer,
            child,
            output,
            reader: Some(reader),
            exited: false,
        }
    }

    /// The screen, one string per row (a wide character once, trailing blanks cut).
    pub fn rows(&self) -> Vec<String> {
        screen_rows(&self.output.lock().expect("lock").parser)
    }

    pub fn text(&self) -> String {
        self.rows().join("\n")
    }

    /// Polls the screen until `cond` holds; returns the rows that satisfied it.
    pub fn wait_for(&self, what: &str, cond: impl Fn(&[String]) -> bool) -> Vec<String> {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let (rows, closed) = {
                let out = self.output.lock().expect("lock");
                (screen_rows(&out.parser), out.closed)
            };
            if cond(&rows) {
                return rows;
            }
            assert!(
                !closed,
                "the console exited while waiting for {what}; its screen:\n{}",
                rows.join("\n")
            );
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; the screen:\n{}",
                rows.join("\n")
            );
            std::thread::sleep(POLL);
        }
    }

    /// Waits until the screen shows `needle` somewhere.
    pub fn wait_text(&self, needle: &str) -> Vec<String> {
        self.wait_for(&format!("{needle:?}"), |rows| {
            rows.iter().any(|r| r.contains(needle))
        })
    }

    /// Waits until the footer (the last row) ends with `needle`.
    pub fn wait_footer(&self, needle: &str) -> Vec<String> {
        self.wait_for(&format!("{needle:?} in the footer"), |rows| {
            rows.last().is_some_and(|r| r.trim_end().ends_with(needle))
        })
    }

    pub fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).expect("write keys");
        self.writer.flush().expect("flush keys");
    }

    /// A lone Esc is only an Esc if the next byte does not follow it in the same read;
    /// the caller waits for the screen to change before sending more.
    pub fn esc(&mut self) {
        self.send(ESC);
    }

    /// `/`, the id, Enter: the queue narrowed to that one application, selected.
    pub fn search(&mut self, id: &str) {
        self.send("/");
        self.send(id);
        // The prompt echoes at once; the narrowed queue comes later, from the worker.
        self.wait_for(&format!("the queue narrowed to {id}"), |rows| {
            rows.get(2).is_some_and(|r| r.contains(id))
                && rows.get(3).is_some_and(|r| r.trim().is_empty())
                && rows.last().is_some_and(|r| r.starts_with('/'))
        });
        self.send(ENTER);
        self.wait_footer("1/1");
    }

    /// From the queue, the detail of `id`.
    pub fn open(&mut self, id: &str) {
        self.search(id);
        self.send(ENTER);
        self.wait_for(&format!("the detail of {id}"), |rows| {
            rows.first()
                .is_some_and(|r| r.starts_with(&format!(" {id} ")))
        });
    }

    pub fn resize(&mut self, cols: u16, rows: u16) {
        // The emulator first, so that what the console draws for the new size lands on
        // a screen of that size.
        self.output
            .lock()
            .expect("lock")
            .parser
            .screen_mut()
            .set_size(nonzero(rows), nonzero(cols));
        self.master
            .resize(PtySize {
                rows,
                cols,
                ..PtySize::default()
            })
            .expect("resize");
    }

    /// How many bytes the console has written so far (`Finished::raw` from here on is
    /// what it wrote after this moment).
    pub fn raw_len(&self) -> usize {
        self.output.lock().expect("lock").raw.len()
    }

    pub fn pid(&self) -> i32 {
        self.child.process_id().expect("pid") as i32
    }

    /// Waits for the process to exit and for its last byte to be read.
    pub fn finish(mut self) -> Finished {
        let deadline = Instant::now() + DEADLINE;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            assert!(
                Instant::now() < deadline,
                "the console did not exit; its screen:\n{}",
                self.text()
            );
            std::thread::sleep(POLL);
        };
        self.exited = true;
        while !self.output.lock().expect("lock").closed {
            assert!(Instant::now() < deadline, "the pty never closed");
            std::thread::sleep(POLL);
        }
        if let Some(reader) = self.reader.take() {
            reader.join().expect("reader thread");
        }
        let cooked = self.line_discipline();
        let out = self.output.lock().expect("lock");
        let screen = out.parser.screen();
        let seen = out.parser.callbacks();
        let mut oddities = seen.unhandled.clone();
        oddities.extend(seen.titles.iter().map(|t| format!("title {t:?}")));
        oddities.extend(seen.clipboard.iter().map(|t| format!("clipboard {t:?}")));
        oddities.extend((0..seen.bells).map(|_| "bell".to_string()));
        Finished {
            oddities,
            status,
            raw: out.raw.clone(),
            alternate_screen: screen.alternate_screen(),
            cursor_hidden: screen.hide_cursor(),
            cooked,
        }
    }

    fn line_discipline(&self) -> (bool, bool) {
        let fd = self.master.as_raw_fd().expect("fd");
        // SAFETY: tcgetattr only writes into the struct we pass; the fd is the master,
        // open for as long as `self`.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        let rc = unsafe { libc::tcgetattr(fd, &mut t) };
        assert_eq!(rc, 0, "tcgetattr: {}", std::io::Error::last_os_error());
        (t.c_lflag & libc::ICANON != 0, t.c_lflag & libc::ECHO != 0)
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        // A failed test must not leave a console running.
        if !self.exited {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// For what the screen cannot show (the database): polls until `cond` holds.
pub(crate) fn wait_until(what: &str, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + DEADLINE;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(POLL * 5);
    }
}

/// A database where SHENHE_REVIEWER names the reviewer, holding `records`.
pub(crate) fn env_with(records: &[Value]) -> Env {
    let env = Env::new();
    env.ok(&["init", "--allow-reviewer-override"]);
    env.import_records(records);
    env
}

fn screen_rows(parser: &vt100::Parser<Seen>) -> Vec<String> {
    let screen = parser.screen();
    let (_, cols) = screen.size();
    screen
        .rows(0, cols.get())
        .map(|r| r.trim_end().to_string())
        .collect()
}

fn nonzero(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n).expect("a terminal has a size")
}

pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

pub(crate) fn history(env: &Env, id: &str) -> Vec<Value> {
    env.json(&["history", id, "--json"])
        .as_array()
        .expect("entries")
        .clone()
}

/// The queue's column titles are on screen (not the detail, not a dialog over row 1).
pub(crate) fn in_queue(rows: &[String]) -> bool {
    rows.get(1).is_some_and(|r| {
        (r.contains("ID") && r.contains("Merchant")) || (r.contains("订单号") && r.contains("商户"))
    })
}

/// `q` from wherever the console is: Esc back to the queue first.
pub(crate) fn quit(mut console: Console) -> Finished {
    if !in_queue(&console.rows()) {
        console.esc();
        console.wait_for("the queue", in_queue);
    }
    console.send("q");
    console.finish()
}

/// The process exited 0 and left the terminal as it found it: the alternate screen left
/// last, the cursor shown, and the line discipline cooked again.
pub(crate) fn assert_restored(done: &Finished, how: &str) {
    assert!(done.status.success(), "{how}: {:?}", done.status);
    let raw = &done.raw;
    let entered = rfind(raw, b"\x1b[?1049h").expect("the alternate screen was entered");
    let left = rfind(raw, b"\x1b[?1049l")
        .unwrap_or_else(|| panic!("{how}: the alternate screen was never left"));
    assert!(left > entered, "{how}: left before entering");
    let tail = &raw[left + b"\x1b[?1049l".len()..];
    assert!(
        tail.is_empty() || tail == b"\x1b[?25h",
        "{how}: written after leaving the alternate screen: {:?}",
        String::from_utf8_lossy(tail)
    );
    assert!(
        rfind(raw, b"\x1b[?25h") > rfind(raw, b"\x1b[?25l"),
        "{how}: the cursor is left hidden"
    );
    assert!(
        !done.alternate_screen && !done.cursor_hidden,
        "{how}: the emulator disagrees"
    );
    assert_eq!(
        done.cooked,
        (true, true),
        "{how}: raw mode left on (canonical, echo)"
    );
    if let Some(on) = rfind(raw, b"\x1b[?1000h") {
        assert!(
            rfind(raw, b"\x1b[?1000l").is_some_and(|off| off > on),
            "{how}: mouse capture left on"
        );
    }
}

/// The control sequences of the output, which must all be CSI, and the text between them.
fn split_escapes(raw: &[u8]) -> (Vec<(String, char)>, String) {
    let text = std::str::from_utf8(raw).expect("the output is UTF-8");
    let mut sequences = Vec::new();
    let mut rest = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            rest.push(c);
            continue;
        }
        let context: String = rest
            .chars()
            .rev()
            .take(40)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let next = chars.next();
        assert_eq!(
            next,
            Some('['),
            "an escape that is not CSI, after {context:?}"
        );
        let mut params = String::new();
        loop {
            match chars.next() {
                Some(c @ ('0'..='9' | ';' | '?')) => params.push(c),
                Some(c) if c.is_ascii_alphabetic() => {
                    sequences.push((params, c));
                    break;
                }
                other => panic!("a malformed CSI {params:?} {other:?}, after {context:?}"),
            }
        }
    }
    (sequences, rest)
}

/// SGR sequences that set a foreground or background colour.
fn colours(sequences: &[(String, char)]) -> Vec<String> {
    sequences
        .iter()
        .filter(|(params, end)| {
            *end == 'm'
                && params.split(';').any(|p| {
                    matches!(
                        p.parse::<u16>(),
                        Ok(30..=38 | 40..=48 | 90..=97 | 100..=107)
                    )
                })
        })
        .map(|(params, end)| format!("ESC[{params}{end}"))
        .collect()
}

#[test]
fn pty_approve_from_the_detail() {
    let env = env_with(&queue_records());
    let mut c = Console::start(
        &env,
        Opts {
            reviewer: "lina",
            ..Opts::default()
        },
    );
    c.wait_footer("1/5");
    // A decision key in the queue claims the application; cancelling gives it back.
    c.search("SQ0001");
    c.send("a");
    c.wait_text("Enter confirm");
    let claimed = || env.json(&["show", "SQ0001", "--json"])["claimed_by"].clone();
    assert_eq!(claimed(), "lina");
    c.esc();
    c.wait_for("the dialog closed", |rows| {
        !rows.iter().any(|r| r.contains("Enter confirm"))
    });
    // The release is the worker's, after the frame: poll the database for it.
    wait_until("the claim released", || claimed().is_null());

    c.send(ENTER);
    c.wait_for("the detail", |rows| {
        rows.first()
            .is_some_and(|r| r.starts_with(" SQ0001 ") && r.contains("[pending review]"))
    });
    c.send("a");
    c.wait_text("Enter confirm");
    c.send(ENTER);
    c.wait_text("SQ0001 approved → pending integration");
    let done = quit(c);
    assert_restored(&done, "q");

    assert_eq!(env.state_of("SQ0001"), "pending_integration");
    let last = history(&env, "SQ0001").pop().expect("an entry");
    assert_eq!(last["action"], "approve");
    assert_eq!(last["actor"], "lina", "{last}");
    assert_eq!(last["to_state"], "pending_integration", "{last}");
}

#[test]
fn pty_return_with_reasons_and_a_chinese_message() {
    let env = env_with(&queue_records());
    let mut c = Console::start(
        &env,
        Opts {
            reviewer: "wangwei",
            lang: "zh_CN.UTF-8",
            ..Opts::default()
        },
    );
    c.wait_footer("1/5");
    c.search("SQ0003");
    c.send("r");
    // The failed checks chose their reasons before any key.
    c.wait_for("the return dialog with the Taobao reason chosen", |rows| {
        rows.iter().any(|r| r.contains("[x] 申请的网站为淘宝"))
            && rows.iter().any(|r| r.contains("[ ] 提交的材料不清晰"))
    });
    c.send("jj ");
    c.wait_text("[x] 提交的材料不清晰");
    let message = "请提供独立网站";
    c.send(ENTER);
    c.send(message);
    c.wait_text(message);
    c.send(ENTER);
    c.wait_text("SQ0003 已退回");
    assert_restored(&quit(c), "q");

    assert_eq!(env.state_of("SQ0003"), "returned");
    let last = history(&env, "SQ0003").pop().expect("an entry");
    assert_eq!(last["action"], "return");
    assert_eq!(last["actor"], "wangwei");
    assert_eq!(last["message"], message);
    let reasons: Vec<&str> = last["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .map(|r| r.as_str().expect("code"))
        .collect();
    for code in ["taobao_shop", "icp_missing", "materials_not_genuine"] {
        assert!(reasons.contains(&code), "{code} in {reasons:?}");
    }
}

#[test]
fn pty_expire_after_the_window_and_refused_inside_it() {
    let mut records = queue_records();
    records.push(with(
        record("SQ0006"),
        &[
            ("/applicant/verified", json!(false)),
            ("/submitted_at", json!("2026-11-20T09:00:00+08:00")),
        ],
    ));
    let env = env_with(&records);
    let mut c = Console::start(
        &env,
        Opts {
            reviewer: "carol",
            ..Opts::default()
        },
    );
    c.wait_footer("1/6");
    c.search("SQ0004");
    c.send("x");
    c.wait_text("Enter confirm");
    c.send(ENTER);
    c.wait_text("SQ0004 expired");
    assert_eq!(env.state_of("SQ0004"), "cancelled");
    let last = history(&env, "SQ0004").pop().expect("an entry");
    assert_eq!(
        (&last["action"], &last["actor"]),
        (&json!("expire"), &json!("carol"))
    );

    // Esc clears the search; the whole queue is back (less the expired one).
    c.esc();
    c.wait_footer("1/5");
    let before = history(&env, "SQ0006").len();
    c.search("SQ0006");
    c.send("x");
    c.wait_text("still inside its 15-day verification window (until 2026-12-05");
    assert!(
        !c.text().contains("Enter confirm"),
        "no dialog: {}",
        c.text()
    );
    assert_eq!(env.state_of("SQ0006"), "pending_verification");
    assert_eq!(history(&env, "SQ0006").len(), before, "nothing recorded");
    wait_until("a refused decision leaves no claim behind", || {
        env.json(&["show", "SQ0006", "--json"])["claimed_by"].is_null()
    });
    assert_restored(&quit(c), "q");
}

#[test]
fn pty_two_consoles_see_each_other_without_a_keypress() {
    let env = env_with(&queue_records());
    let mut a = Console::start(
        &env,
        Opts {
            reviewer: "alice",
            ..Opts::default()
        },
    );
    let mut b = Console::start(
        &env,
        Opts {
            reviewer: "bob",
            cols: 120,
            rows: 30,
            ..Opts::default()
        },
    );
    a.wait_footer("1/5");
    b.wait_footer("1/5");
    b.wait_text("Reviewer");
    a.open("SQ0001");

    // B has not pressed anything since: its worker noticed A's claim.
    b.wait_for("alice's claim in B's queue", |rows| {
        rows.iter()
            .any(|r| r.contains("SQ0001") && r.contains("alice"))
    });

    b.search("SQ0001");
    b.send("a");
    b.wait_text("another reviewer has this open");
    b.send(ENTER);
    b.wait_text("SQ0001 approved → pending integration");

    // And A, who has it open, sees the decision without a keypress.
    a.wait_for("B's decision in A's detail", |rows| {
        rows.first()
            .is_some_and(|r| r.starts_with(" SQ0001 ") && r.contains("[pending integration]"))
    });
    a.esc();
    // Decided: not under the default filter, and the queue says where it went.
    a.wait_text("SQ0001 is not under this filter: it is pending integration");

    assert_restored(&quit(a), "q in A");
    assert_restored(&quit(b), "q in B");
    assert_eq!(env.state_of("SQ0001"), "pending_integration");
    // The decision, then (once it was written) the claim it overrode.
    let entries = history(&env, "SQ0001");
    let last_two: Vec<(&Value, &Value)> = entries
        .iter()
        .rev()
        .take(2)
        .rev()
        .map(|e| (&e["action"], &e["actor"]))
        .collect();
    assert_eq!(
        last_two,
        [
            (&json!("approve"), &json!("bob")),
            (&json!("claim_override"), &json!("bob"))
        ]
    );
}

#[test]
fn pty_the_terminal_is_restored_on_every_way_out() {
    let env = env_with(&queue_records());

    let c = Console::start(&env, Opts::default());
    c.wait_footer("1/5");
    assert_restored(&quit(c), "q");

    // Ctrl-c from inside a dialog: raw mode makes it a key, not a signal.
    let mut c = Console::start(&env, Opts::default());
    c.wait_footer("1/5");
    c.search("SQ0001");
    c.send("r");
    c.wait_text("Space toggle");
    c.send(CTRL_C);
    assert_restored(&c.finish(), "Ctrl-c in the return dialog");

    for (signal, name) in [
        (libc::SIGTERM, "SIGTERM"),
        (libc::SIGHUP, "SIGHUP"),
        (libc::SIGINT, "SIGINT"),
        (libc::SIGQUIT, "SIGQUIT"),
    ] {
        let mut c = Console::start(&env, Opts::default());
        c.wait_footer("1/5");
        c.open("SQ0002");
        assert_eq!(
            env.json(&["show", "SQ0002", "--json"])["claimed_by"],
            "alice"
        );
        // SAFETY: kill(2) on the pid of our own child, which has not been reaped.
        let rc = unsafe { libc::kill(c.pid(), signal) };
        assert_eq!(rc, 0, "kill: {}", std::io::Error::last_os_error());
        assert_restored(&c.finish(), name);
        assert_eq!(
            env.json(&["show", "SQ0002", "--json"])["claimed_by"],
            Value::Null,
            "{name}: the claim is released on the way out"
        );
    }
    assert_eq!(env.state_of("SQ0002"), "pending_review");
}

#[test]
fn pty_hostile_text_reaches_the_terminal_inert() {
    let corpus = crate::hostile::corpus();
    let records: Vec<Value> = corpus
        .iter()
        .enumerate()
        .map(|(i, h)| crate::hostile::hostile_record(&format!("H{i:03}"), &h.text))
        .collect();
    let env = env_with(&records);
    let total = records.len();
    let mut c = Console::start(
        &env,
        Opts {
            cols: 100,
            rows: 60,
            ..Opts::default()
        },
    );
    let mut screens = vec![c.wait_footer(&format!("1/{total}"))];
    c.send("G");
    screens.push(c.wait_footer(&format!("{total}/{total}")));
    c.send("g");
    c.wait_footer(&format!("1/{total}"));

    // Every application's detail, top to bottom.
    c.send(ENTER);
    let mut seen: Vec<String> = Vec::new();
    loop {
        // The whole frame of the next detail: a frame may reach the emulator in two reads,
        // and the last one's footer ("100%" after G) is not this one's.
        let rows = c.wait_for("the next detail", |rows| {
            rows.first().is_some_and(|r| {
                r.starts_with(" H") && !seen.iter().any(|id| r.starts_with(&format!(" {id} ")))
            }) && rows.last().is_some_and(|r| !r.ends_with("100%"))
        });
        let id = rows[0][1..5].to_string();
        screens.push(rows.clone());
        if rows.last().is_some_and(|r| r.ends_with('%')) {
            c.send("G");
            screens.push(c.wait_footer("100%"));
        }
        seen.push(id);
        if seen.len() == total {
            break;
        }
        c.send("J");
    }
    let done = quit(c);
    assert_restored(&done, "q");

    for rows in &screens {
        let text = rows.join("\n");
        if let Some(bad) = text.chars().find(|c| crate::hostile::forbidden(*c)) {
            panic!("U+{:04X} on the screen:\n{text}", bad as u32);
        }
        assert!(
            !rows.iter().any(|r| r.starts_with("FORGED")),
            "a newline forged a row:\n{text}"
        );
    }
    // The bytes themselves: only the console's own CSI sequences, and between them
    // nothing a terminal would act on.
    let (sequences, rest) = split_escapes(&done.raw);
    for (params, end) in &sequences {
        let ok = match end {
            // The presenter's: moves, rendition, erase, scroll margins and scrolls.
            'H' | 'm' | 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G' | 'J' | 'r' | 'S' | 'T' => true,
            // The alternate screen, the cursor, bracketed paste, mouse clicks (SGR).
            'h' | 'l' => matches!(
                params.as_str(),
                "?1049" | "?25" | "?2004" | "?1000" | "?1006"
            ),
            _ => false,
        };
        assert!(ok, "the console emitted ESC[{params}{end}");
    }
    if let Some(bad) = rest.chars().find(|c| crate::hostile::forbidden(*c)) {
        let at = rest.find(bad).expect("found");
        panic!(
            "U+{:04X} written to the terminal after {:?}",
            bad as u32,
            &rest[rest.floor_char_boundary(at.saturating_sub(60))..at]
        );
    }
    assert_eq!(
        done.oddities,
        Vec::<String>::new(),
        "the emulator was asked for more than text"
    );
    assert!(find(&done.raw, b"\x1b]").is_none(), "an OSC sequence");
    assert!(find(&done.raw, "\u{9b}".as_bytes()).is_none(), "a C1 CSI");
}

#[test]
fn pty_no_color_keeps_the_markers_and_drops_the_colours() {
    let env = env_with(&queue_records());
    for no_color in [true, false] {
        let vars: &[(&str, &str)] = if no_color { &[("NO_COLOR", "1")] } else { &[] };
        let c = Console::start(
            &env,
            Opts {
                env: vars,
                ..Opts::default()
            },
        );
        let rows = c.wait_footer("1/5");
        let overdue = rows
            .iter()
            .find(|r| r.contains("SQ0002"))
            .expect("SQ0002 listed");
        assert!(overdue.starts_with('!'), "the overdue marker: {overdue}");
        let done = quit(c);
        assert_restored(&done, "q");
        let (sequences, _) = split_escapes(&done.raw);
        let colours = colours(&sequences);
        if no_color {
            assert!(colours.is_empty(), "NO_COLOR, yet: {colours:?}");
            // Emphasis that is not colour stays: the selection and bold titles.
            // Reverse video, alone or after a reset (`7`, `0;7`, `1;7`).
            assert!(
                sequences
                    .iter()
                    .any(|(p, e)| *e == 'm' && p.split(';').any(|x| x == "7")),
                "no reverse video: {sequences:?}"
            );
        } else {
            assert!(!colours.is_empty(), "no colour without NO_COLOR");
        }
    }
}

#[test]
fn pty_resize_redraws_at_the_new_size() {
    let env = env_with(&queue_records());
    let mut c = Console::start(&env, Opts::default());
    let rows = c.wait_footer("1/5");
    assert!(!rows[1].contains("Reviewer"), "{}", rows[1]);

    c.resize(120, 30);
    let rows = c.wait_for("the queue at 120×30", |rows| {
        rows.len() == 30 && rows[1].contains("Reviewer") && rows[29].ends_with("1/5")
    });
    assert_queue_intact(&rows, 120);

    c.resize(60, 12);
    let rows = c.wait_for("the queue at 60×12", |rows| {
        rows.len() == 12 && rows[11].ends_with("1/5") && !rows[1].contains("Reviewer")
    });
    assert_queue_intact(&rows, 60);
    assert_restored(&quit(c), "q after resizing");
}

/// Every application on its own row, the counts on top, nothing left of an older size.
fn assert_queue_intact(rows: &[String], cols: usize) {
    let text = rows.join("\n");
    assert!(rows[0].contains("pending 4"), "{text}");
    for id in ["SQ0001", "SQ0002", "SQ0003", "SQ0004", "SQ0005"] {
        assert_eq!(
            rows.iter().filter(|r| r.contains(id)).count(),
            1,
            "{id} once:\n{text}"
        );
    }
    assert!(!text.contains("loading"), "{text}");
    for r in rows {
        assert!(
            unicode_width::UnicodeWidthStr::width(r.as_str()) <= cols,
            "wider than {cols}: {r}"
        );
    }
    let overdue = rows.iter().find(|r| r.contains("SQ0002")).expect("listed");
    assert!(overdue.starts_with('!'), "{overdue}");
}

/// Moving through a long queue scrolls the terminal and sends only what changed; the
/// screen must then be what a whole repaint (Ctrl-l) draws, row for row.
#[test]
fn pty_scrolling_leaves_the_screen_a_repaint_would_draw() {
    let records: Vec<Value> = long_queue(60);
    let env = env_with(&records);
    let mut c = Console::start(
        &env,
        Opts {
            lang: "zh_CN.UTF-8",
            ..Opts::default()
        },
    );
    c.wait_footer("1/60");
    let repaints = |c: &Console| {
        let out = c.output.lock().expect("lock");
        out.raw.windows(4).filter(|w| w == b"\x1b[2J").count()
    };
    // One key a frame past the table's last row, so that each moves the rows by one.
    c.send(&"j".repeat(20));
    c.wait_footer("21/60");
    for (key, footer) in [("j", "22/60"), ("j", "23/60"), ("k", "22/60")] {
        c.send(key);
        let drawn = c.wait_footer(footer);
        let before = repaints(&c);
        c.send("\x0c");
        wait_until("the repaint", || repaints(&c) > before);
        let repainted = c.wait_footer(footer);
        assert_eq!(
            drawn, repainted,
            "after {footer}: what the moves left on screen"
        );
    }
    for n in (1..22).rev() {
        c.send("k");
        c.wait_footer(&format!("{n}/60"));
    }
    let done = quit(c);
    assert_restored(&done, "q");
    assert!(
        find(&done.raw, b"\x1b[3;23r\x1b[S\x1b[r").is_some(),
        "the table was scrolled up by the terminal"
    );
    assert!(
        find(&done.raw, b"\x1b[3;23r\x1b[T\x1b[r").is_some(),
        "the table was scrolled down by the terminal"
    );
}

/// Each cell's contents, row by row: "" for the right half of a wide character, " " for
/// a blank cell (whether cleared or written a space).
fn screen_cells(c: &Console) -> Vec<Vec<String>> {
    let out = c.output.lock().expect("lock");
    let screen = out.parser.screen();
    let (rows, cols) = screen.size();
    (0..rows.get())
        .map(|r| {
            (0..cols.get())
                .map(|col| match screen.cell(r, col) {
                    Some(cell) if cell.is_wide_continuation() => String::new(),
                    Some(cell) if !cell.contents().is_empty() => cell.contents().to_string(),
                    _ => " ".to_string(),
                })
                .collect()
        })
        .collect()
}

/// Every application of the corpus on one row of its own, its id where ids start, and
/// the column after the merchant's name at the same x on every row, with the same text
/// from there to the checks (the merchants differ, and their addresses' checks).
fn assert_rows_aligned(cells: &[Vec<String>], ids: &[String]) {
    let text: String = cells
        .iter()
        .map(|r| r.concat())
        .collect::<Vec<_>>()
        .join("\n");
    let checks_x = cells[1]
        .iter()
        .position(|cell| cell == "检")
        .unwrap_or_else(|| panic!("the checks column's title:\n{text}"));
    let mut product_x = None;
    let mut tail: Option<Vec<String>> = None;
    for id in ids {
        let rows: Vec<&Vec<String>> = cells
            .iter()
            .filter(|r| r.concat().contains(id.as_str()))
            .collect();
        assert_eq!(rows.len(), 1, "{id} on one row:\n{text}");
        let row = rows[0];
        assert_eq!(
            row[2..2 + id.len()].concat(),
            *id,
            "{id} where ids start:\n{text}"
        );
        let x = row
            .iter()
            .position(|cell| cell == "平")
            .unwrap_or_else(|| panic!("{id}: no product column:\n{text}"));
        assert_eq!(
            *product_x.get_or_insert(x),
            x,
            "{id}: the column after the merchant moved:\n{text}"
        );
        let rest = row[x..checks_x].to_vec();
        assert_eq!(
            tail.get_or_insert_with(|| rest.clone()),
            &rest,
            "{id}: the row after the merchant differs:\n{text}"
        );
    }
}

/// Clusters whose width terminals disagree on (tests/corpus/ambiguous-width.txt) in the
/// merchants' names and addresses: what shenhe sends holds none of them, and the rows
/// line up as vt100 draws them, after the cursor has moved over every row as after a
/// repaint.
#[test]
fn pty_clusters_of_disputed_width_keep_the_rows_aligned() {
    let records = crate::widths::records();
    let total = records.len();
    let ids: Vec<String> = records
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect();
    let env = env_with(&records);
    let mut c = Console::start(
        &env,
        Opts {
            lang: "zh_CN.UTF-8",
            cols: 120,
            rows: 40,
            ..Opts::default()
        },
    );
    c.wait_footer(&format!("1/{total}"));
    assert_rows_aligned(&screen_cells(&c), &ids);

    // Down over every row (each move redraws two rows), then a whole repaint.
    for n in 2..=total {
        c.send("j");
        c.wait_footer(&format!("{n}/{total}"));
    }
    let moved = screen_cells(&c);
    assert_rows_aligned(&moved, &ids);
    let repaints = |c: &Console| {
        let out = c.output.lock().expect("lock");
        out.raw.windows(4).filter(|w| w == b"\x1b[2J").count()
    };
    let before = repaints(&c);
    c.send("\x0c");
    wait_until("the repaint", || repaints(&c) > before);
    c.wait_footer(&format!("{total}/{total}"));
    let repainted = screen_cells(&c);
    let show = |cells: &[Vec<String>]| {
        cells
            .iter()
            .map(|r| r.concat())
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(
        moved == repainted,
        "what the moves left on screen:\n{}\nis not what a repaint draws:\n{}",
        show(&moved),
        show(&repainted)
    );

    // Every detail: the name and the address, wrapped.
    c.send("g");
    c.wait_footer(&format!("1/{total}"));
    c.send(ENTER);
    for (i, id) in ids.iter().enumerate() {
        c.wait_for(&format!("the detail of {id}"), |rows| {
            rows.first()
                .is_some_and(|r| r.starts_with(&format!(" {id} ")))
        });
        if i + 1 < total {
            c.send("J");
        }
    }
    let done = quit(c);
    assert_restored(&done, "q");

    // What was sent: in every run of text between two control sequences, no cluster of a
    // disputed width and no mark without a base before it in the same run.
    let text = std::str::from_utf8(&done.raw).expect("UTF-8");
    for run in text.split('\x1b') {
        let run = run
            .trim_start_matches(|c: char| c == '[' || c == '?' || c == ';' || c.is_ascii_digit());
        let run = run.get(1..).unwrap_or("");
        if let Some(bad) = crate::widths::offence(run) {
            panic!("{bad} sent to the terminal in {run:?}");
        }
    }
}
