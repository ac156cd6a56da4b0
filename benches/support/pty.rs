//! The real `shenhe` console in a pseudo-terminal, for benchmarks: keys go in as bytes,
//! and every chunk the console writes comes back stamped with the moment `read` returned
//! it (on a thread of its own, so that the stamp does not wait for the benchmark), then
//! goes through a terminal emulator (vt100) so that the benchmark can tell when the
//! screen shows what it waits for.

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

/// One console on its own pseudo-terminal.
pub struct Term {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    master: Box<dyn MasterPty + Send>,
    chunks: Receiver<(Instant, Vec<u8>)>,
    reader: Option<JoinHandle<()>>,
    pub parser: vt100::Parser,
    /// When the process was spawned.
    pub spawned: Instant,
    /// When the first byte came back, if one has.
    pub first_output: Option<Instant>,
    /// When the last chunk read so far was read.
    pub last_read: Option<Instant>,
    /// Bytes read since [`Term::take_bytes`] was last called.
    bytes: u64,
    /// Keep the raw bytes read (for `--dump`), since [`Term::take_raw`].
    pub keep_raw: bool,
    raw: Vec<u8>,
    closed: bool,
    exited: bool,
}

/// The moment the screen first showed what was waited for.
#[derive(Debug, Clone, Copy)]
pub struct Seen {
    /// When the chunk that completed it was read.
    pub at: Instant,
}

fn nonzero(n: u16) -> NonZeroU16 {
    NonZeroU16::new(n).expect("a terminal has a size")
}

impl Term {
    /// `shenhe --db DB --lang LANG` at `cols`×`rows`, at the benchmarks' clock, with
    /// colours (TERM=xterm-256color, no NO_COLOR), as a reviewer would start it.
    pub fn spawn(db: &Path, lang: &str, cols: u16, rows: u16) -> Term {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let mut cmd = CommandBuilder::new(super::bin());
        cmd.arg("--db");
        cmd.arg(db);
        cmd.args(["--lang", lang]);
        for var in super::fixtures::CONSOLE_ENV_TO_CLEAR {
            cmd.env_remove(var);
        }
        cmd.env("SHENHE_NOW", super::NOW);
        // The runner's own config file (keys, theme, mouse) stays out of the figures.
        cmd.env("XDG_CONFIG_HOME", db.with_file_name("no-config"));
        cmd.env("TERM", "xterm-256color");
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let writer = pair.master.take_writer().expect("writer");
        let (tx, chunks) = channel::<(Instant, Vec<u8>)>();
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send((Instant::now(), buf[..n].to_vec())).is_err() {
                    break;
                }
            }
        });
        let spawned = Instant::now();
        let child = pair.slave.spawn_command(cmd).expect("spawn shenhe");
        // Only the child may hold the slave: then the reader sees the end when it exits.
        drop(pair.slave);
        Term {
            child,
            writer,
            master: pair.master,
            chunks,
            reader: Some(reader),
            parser: vt100::Parser::new(nonzero(rows), nonzero(cols), 0),
            spawned,
            first_output: None,
            last_read: None,
            bytes: 0,
            keep_raw: false,
            raw: Vec::new(),
            closed: false,
            exited: false,
        }
    }

    fn take_chunk(&mut self, at: Instant, chunk: &[u8]) {
        self.first_output.get_or_insert(at);
        self.last_read = Some(at);
        self.bytes += chunk.len() as u64;
        if self.keep_raw {
            self.raw.extend_from_slice(chunk);
        }
        self.parser.process(chunk);
    }

    /// The console's process id (for its CPU time).
    pub fn pid(&self) -> Option<u32> {
        self.child.process_id()
    }

    /// Writes `keys` to the terminal; returns the moment just before the write.
    pub fn send(&mut self, keys: &[u8]) -> Instant {
        let at = Instant::now();
        self.writer.write_all(keys).expect("write keys");
        self.writer.flush().expect("flush keys");
        at
    }

    /// Reads until `done(screen)` holds after a chunk (or already holds), or `within`
    /// passes; returns when the chunk that made it hold was read.
    pub fn wait_for(
        &mut self,
        within: Duration,
        mut done: impl FnMut(&vt100::Screen) -> bool,
    ) -> Option<Seen> {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.chunks.recv_timeout(left) {
                Ok((at, chunk)) => {
                    self.take_chunk(at, &chunk);
                    if done(self.parser.screen()) {
                        return Some(Seen { at });
                    }
                }
                Err(RecvTimeoutError::Timeout) => return None,
                Err(RecvTimeoutError::Disconnected) => {
                    self.closed = true;
                    return None;
                }
            }
        }
    }

    /// Reads one chunk if one comes within `within`; returns when it was read.
    pub fn next_chunk(&mut self, within: Duration) -> Option<Instant> {
        match self.chunks.recv_timeout(within) {
            Ok((at, chunk)) => {
                self.take_chunk(at, &chunk);
                Some(at)
            }
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => {
                self.closed = true;
                None
            }
        }
    }

    /// Reads until nothing has come for `quiet` (or `within` passes); returns when the
    /// last chunk read was read, if any was.
    pub fn settle(&mut self, quiet: Duration, within: Duration) -> Option<Instant> {
        let deadline = Instant::now() + within;
        let mut last = None;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return last;
            }
            match self.chunks.recv_timeout(quiet.min(left)) {
                Ok((at, chunk)) => {
                    self.take_chunk(at, &chunk);
                    last = Some(at);
                }
                Err(RecvTimeoutError::Timeout) => return last,
                Err(RecvTimeoutError::Disconnected) => {
                    self.closed = true;
                    return last;
                }
            }
        }
    }

    /// The bytes read since the last call.
    pub fn take_bytes(&mut self) -> u64 {
        std::mem::take(&mut self.bytes)
    }

    /// The raw bytes kept since the last call (with `keep_raw`).
    pub fn take_raw(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.raw)
    }

    pub fn screen(&self) -> &vt100::Screen {
        self.parser.screen()
    }

    pub fn closed(&self) -> bool {
        self.closed
    }

    /// The screen, one string a row, trailing blanks cut.
    pub fn rows(&self) -> Vec<String> {
        screen_rows(self.parser.screen())
    }

    /// `q`, then waits for the process to exit (killed after 5 s).
    pub fn quit(mut self) {
        let _ = self.writer.write_all(b"q");
        let _ = self.writer.flush();
        let by = Instant::now() + Duration::from_secs(5);
        loop {
            match self.child.try_wait() {
                Ok(Some(_)) => break,
                _ if Instant::now() > by => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    break;
                }
                _ => std::thread::sleep(Duration::from_millis(10)),
            }
        }
        self.exited = true;
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        if !self.exited {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        if let Some(reader) = self.reader.take() {
            // The reader ends once the child's side is closed; do not wait on it forever.
            if reader.is_finished() {
                let _ = reader.join();
            }
        }
    }
}

/// The screen, one string a row (a wide character once), trailing blanks cut.
pub fn screen_rows(screen: &vt100::Screen) -> Vec<String> {
    let (_, cols) = screen.size();
    screen
        .rows(0, cols.get())
        .map(|r| r.trim_end().to_string())
        .collect()
}

/// Which rows start with a reversed cell: the selected row of the queue, the title.
pub fn reversed_rows(screen: &vt100::Screen) -> Vec<bool> {
    let (rows, _) = screen.size();
    (0..rows.get())
        .map(|y| screen.cell(y, 0).is_some_and(|c| c.inverse()))
        .collect()
}

/// The queue's position in the footer, `n/total`, if the screen shows one.
pub fn footer_position(rows: &[String]) -> Option<(u64, u64)> {
    let word = rows.last()?.split_whitespace().last()?;
    let (n, total) = word.split_once('/')?;
    Some((n.parse().ok()?, total.parse().ok()?))
}
