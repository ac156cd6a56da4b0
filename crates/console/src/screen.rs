//! The terminal, sent as few bytes as each frame needs: every byte crosses the reviewer's
//! SSH link. ratatui renders a frame into a buffer over [`Capture`], a backend that writes
//! nothing; [`Presenter`] compares that buffer with what the terminal shows and sends only
//! the difference, knowing where the terminal's cursor really is (a wide character moves
//! it two columns), and scrolls the terminal itself when a list moved by a few rows.
//!
//! Everything written is CSI or text: no C0 control (not even `\r`), so that a stray
//! control in the output can only have come from the content, which never has one.

use std::cell::Cell as Shared;
use std::fmt::Write as _;
use std::io::{self, Stdout, Write};
use std::ops::Range;
use std::rc::Rc;

mod ansi;

use ansi::{Bytes, Pen, csi, cup, glyph, sgr};
use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::{Buffer, Cell};
use ratatui::crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{EnterAlternateScreen, enable_raw_mode};
use ratatui::layout::{Position, Rect, Size};
use ratatui::{Frame, Terminal};

/// Raw mode, the alternate screen, and a panic hook that leaves both before the panic is
/// reported: what `ratatui::init` does, with the console's own presenter for drawing.
/// Bracketed paste is on, so that a paste arrives as text, never as keys (a pasted
/// newline would otherwise be Enter). With `mouse`, clicks and the wheel are reported
/// (mouse capture). Leave with [`restore`]; the cursor comes back when the `Screen` is
/// dropped.
pub fn init(mouse: bool) -> io::Result<Screen<Stdout>> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        hook(info);
    }));
    enable_raw_mode()?;
    execute!(io::stdout(), EnterAlternateScreen, EnableBracketedPaste)?;
    if mouse {
        let mut out = io::stdout();
        out.write_all(MOUSE_ON)?;
        out.flush()?;
    }
    let (width, height) = ratatui::crossterm::terminal::size()?;
    Screen::new(io::stdout(), Size::new(width, height))
}

/// The terminal as it was: mouse capture and bracketed paste off (whether or not they
/// were on: turning them off is harmless), then what `ratatui::restore` undoes (the
/// alternate screen left last, raw mode off).
pub fn restore() {
    let mut out = io::stdout();
    let _ = out.write_all(MOUSE_OFF).and_then(|()| out.flush());
    let _ = execute!(out, DisableBracketedPaste);
    ratatui::restore();
}

/// Presses, releases and the wheel (1000), reported as SGR (1006): not crossterm's
/// `EnableMouseCapture`, which also asks for every movement of the pointer (1002, 1003),
/// bytes on the reviewer's SSH link for nothing the console uses.
const MOUSE_ON: &[u8] = b"\x1b[?1000h\x1b[?1006h";
const MOUSE_OFF: &[u8] = b"\x1b[?1006l\x1b[?1000l";

/// A list drawn on consecutive rows that scrolls: which rows, and the index of the item
/// on the first of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub rows: Range<u16>,
    pub top: u64,
}

/// The rows of `rows` show what they showed `by` rows further down (up when negative):
/// the terminal can move them itself instead of being sent them again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScrollHint {
    pub rows: Range<u16>,
    pub by: i32,
}

impl ScrollHint {
    /// From the list's window in the last frame to this one; only a move of up to half
    /// the list is worth a scroll (beyond it, most rows are new anyway).
    pub fn between(before: Option<&Window>, now: Option<&Window>) -> Option<ScrollHint> {
        let (before, now) = (before?, now?);
        if before.rows != now.rows {
            return None;
        }
        let by = i64::try_from(now.top).ok()? - i64::try_from(before.top).ok()?;
        let half = now.rows.len() as i64 / 2;
        (by != 0 && by.abs() <= half).then(|| ScrollHint {
            rows: now.rows.clone(),
            by: by as i32,
        })
    }
}

/// ratatui's `Terminal` drawing into buffers only, and the presenter sending them out.
pub struct Screen<W: Write> {
    terminal: Terminal<Capture>,
    cursor: Rc<Shared<Cursor>>,
    presenter: Presenter<W>,
    window: Option<Window>,
}

impl<W: Write> Screen<W> {
    pub fn new(out: W, size: Size) -> io::Result<Screen<W>> {
        let cursor = Rc::new(Shared::new(Cursor::default()));
        let backend = Capture {
            size,
            cursor: Rc::clone(&cursor),
        };
        Ok(Screen {
            terminal: Terminal::new(backend)?,
            cursor,
            presenter: Presenter::new(out),
            window: None,
        })
    }

    pub fn size(&self) -> Size {
        self.terminal.backend().size
    }

    /// The size of the next frame (a resize repaints it whole).
    pub fn resize(&mut self, size: Size) {
        self.terminal.backend_mut().size = size;
    }

    /// Puts `text` on the terminal's clipboard (OSC 52, base64: nothing in it can act on
    /// the terminal). Terminals that do not allow it ignore it.
    pub fn copy(&mut self, text: &str) -> io::Result<()> {
        let out = &mut self.presenter.out;
        write!(out, "\x1b]52;c;{}\x07", base64(text.as_bytes()))?;
        out.flush()
    }

    /// The next frame is sent whole, on a cleared screen (Ctrl-l).
    pub fn repaint(&mut self) {
        self.presenter.invalidate();
    }

    /// Renders a frame and sends it; `window` is the list on screen that may scroll,
    /// when there is one. Returns the frame, as the terminal now shows it.
    pub fn draw(
        &mut self,
        render: impl FnOnce(&mut Frame),
        window: Option<Window>,
    ) -> io::Result<&Buffer> {
        let hint = ScrollHint::between(self.window.as_ref(), window.as_ref());
        self.window = window;
        let frame = self.terminal.draw(render)?;
        let cursor = self.cursor.get();
        let at = cursor.shown.then_some(cursor.at);
        self.presenter.present(frame.buffer, at, hint)?;
        Ok(self.presenter.shown().expect("a frame was just presented"))
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Cursor {
    shown: bool,
    at: Position,
}

/// A backend that draws nothing: ratatui renders into its buffers, and the cursor it
/// asks for is kept for the presenter.
pub struct Capture {
    size: Size,
    cursor: Rc<Shared<Cursor>>,
}

impl Backend for Capture {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, _content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        Ok(())
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        self.cursor.set(Cursor {
            shown: false,
            ..self.cursor.get()
        });
        Ok(())
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        self.cursor.set(Cursor {
            shown: true,
            ..self.cursor.get()
        });
        Ok(())
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        Ok(self.cursor.get().at)
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.cursor.set(Cursor {
            at: position.into(),
            ..self.cursor.get()
        });
        Ok(())
    }

    fn clear(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn clear_region(&mut self, _clear_type: ClearType) -> io::Result<()> {
        Ok(())
    }

    fn size(&self) -> io::Result<Size> {
        Ok(self.size)
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        Ok(WindowSize {
            columns_rows: self.size,
            pixels: Size::default(),
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Sends frames to a terminal as their difference from what it shows.
pub struct Presenter<W: Write> {
    out: W,
    /// What the terminal shows; None until the first frame, and after `invalidate`.
    shown: Option<Buffer>,
    /// Where the terminal's cursor is; None when unknown. After writing in the last column
    /// a terminal waits to wrap, and terminals differ in how they move from there.
    at: Option<(usize, usize)>,
    /// The terminal's rendition; None when unknown.
    pen: Option<Pen>,
    /// Whether the cursor is visible; None when unknown.
    cursor_shown: Option<bool>,
    bytes: Vec<u8>,
    /// Scratch: which columns of the shown row start a character.
    starts: Vec<bool>,
}

impl<W: Write> Presenter<W> {
    pub fn new(out: W) -> Presenter<W> {
        Presenter {
            out,
            shown: None,
            at: None,
            pen: None,
            cursor_shown: None,
            bytes: Vec::with_capacity(8192),
            starts: Vec::new(),
        }
    }

    /// Forgets what the terminal shows: the next frame clears it and is sent whole.
    pub fn invalidate(&mut self) {
        self.shown = None;
        self.at = None;
        self.pen = None;
        self.cursor_shown = None;
    }

    /// What the terminal shows, when known.
    pub fn shown(&self) -> Option<&Buffer> {
        self.shown.as_ref()
    }

    pub fn writer(&self) -> &W {
        &self.out
    }

    /// Sends `frame`, with the cursor shown at `cursor` or hidden; `scroll` says which rows
    /// moved since the last frame (a wrong hint costs bytes, never correctness). Returns
    /// the bytes written.
    pub fn present(
        &mut self,
        frame: &Buffer,
        cursor: Option<Position>,
        scroll: Option<ScrollHint>,
    ) -> io::Result<usize> {
        debug_assert_eq!((frame.area.x, frame.area.y), (0, 0), "a whole screen");
        self.bytes.clear();
        if cursor.is_none() && self.cursor_shown != Some(false) {
            self.bytes.extend_from_slice(b"\x1b[?25l");
            self.cursor_shown = Some(false);
        }
        let mut shown = match self.shown.take() {
            Some(shown) if shown.area == frame.area => shown,
            _ => self.clear(frame.area),
        };
        if let Some(hint) = scroll {
            self.scroll(&mut shown, frame, &hint);
        }
        for y in 0..frame.area.height as usize {
            self.row(&shown, frame, y);
        }
        if let Some(at) = cursor {
            let x = at.x.min(frame.area.width.saturating_sub(1)) as usize;
            let y = at.y.min(frame.area.height.saturating_sub(1)) as usize;
            self.move_to(x, y, None);
            if self.cursor_shown != Some(true) {
                self.bytes.extend_from_slice(b"\x1b[?25h");
                self.cursor_shown = Some(true);
            }
        }
        shown.content.clone_from_slice(&frame.content);
        self.shown = Some(shown);
        self.out.write_all(&self.bytes)?;
        self.out.flush()?;
        Ok(self.bytes.len())
    }

    /// Clears the terminal; returns what it then shows.
    fn clear(&mut self, area: Rect) -> Buffer {
        // Erased cells take the current background: erase with the plain one.
        if self.pen != Some(Pen::PLAIN) {
            self.bytes.extend_from_slice(b"\x1b[m");
            self.pen = Some(Pen::PLAIN);
        }
        self.bytes.extend_from_slice(b"\x1b[2J");
        self.at = None;
        Buffer::empty(area)
    }

    /// Scrolls the hinted rows on the terminal and in `shown`, when more rows line up
    /// that way than where they are.
    fn scroll(&mut self, shown: &mut Buffer, frame: &Buffer, hint: &ScrollHint) {
        let (width, height) = (frame.area.width as usize, frame.area.height as usize);
        let rows = hint.rows.start as usize..hint.rows.end as usize;
        let by = hint.by.unsigned_abs() as usize;
        if rows.is_empty() || rows.end > height || by == 0 || by >= rows.len() {
            return;
        }
        let source = |y: usize| {
            if hint.by > 0 {
                y.checked_add(by).filter(|s| *s < rows.end)
            } else {
                y.checked_sub(by).filter(|s| *s >= rows.start)
            }
        };
        let shifted = rows
            .clone()
            .filter(|&y| source(y).is_some_and(|s| line(shown, s) == line(frame, y)))
            .count();
        let still = rows
            .clone()
            .filter(|&y| line(shown, y) == line(frame, y))
            .count();
        if shifted <= still {
            return;
        }
        // Rows scrolled in take the current background: scroll with the plain one.
        self.set_pen(Pen::PLAIN);
        let _ = write!(
            Bytes(&mut self.bytes),
            "\x1b[{};{}r\x1b[{}{}\x1b[r",
            rows.start + 1,
            rows.end,
            if by == 1 {
                String::new()
            } else {
                by.to_string()
            },
            if hint.by > 0 { 'S' } else { 'T' }
        );
        // Setting the margins moves the cursor: home on most terminals, not on all.
        self.at = None;
        let region = &mut shown.content[rows.start * width..rows.end * width];
        let blank = if hint.by > 0 {
            region.rotate_left(by * width);
            region.len() - by * width..region.len()
        } else {
            region.rotate_right(by * width);
            0..by * width
        };
        for cell in &mut region[blank] {
            cell.reset();
        }
    }

    /// Sends what changed on row `y`, left to right, tracking the cursor.
    fn row(&mut self, shown: &Buffer, frame: &Buffer, y: usize) {
        let width = frame.area.width as usize;
        let (old, new) = (line(shown, y), line(frame, y));
        if old == new {
            return;
        }
        self.starts.clear();
        self.starts.resize(width, false);
        let mut x = 0;
        while x < width {
            self.starts[x] = true;
            x += glyph(&old[x], width - x).1;
        }
        // Where the last character written on this row ends: from there to the next
        // change, the row is whole characters that the terminal already shows.
        let mut written_to = None;
        let mut x = 0;
        while x < width {
            let cell = &new[x];
            let (symbol, w) = glyph(cell, width - x);
            // Unchanged only if the same character starts here on the terminal: a cell
            // under the right half of a wide character shows that character, not itself.
            if !(self.starts[x] && old[x] == *cell) {
                let whole = written_to.is_some_and(|end| self.at == Some((end, y)));
                self.move_to(x, y, whole.then_some(new));
                self.set_pen(Pen::of(cell));
                self.bytes.extend_from_slice(symbol.as_bytes());
                self.at = (x + w < width).then_some((x + w, y));
                written_to = Some(x + w);
            }
            x += w;
        }
    }

    fn set_pen(&mut self, to: Pen) {
        if self.pen == Some(to) {
            return;
        }
        let params = sgr(self.pen, to);
        let _ = write!(Bytes(&mut self.bytes), "\x1b[{params}m");
        self.pen = Some(to);
    }

    /// Moves the cursor to (x, y) the shortest way. `row` is the frame's row `y`, given
    /// when the cursor is on it at the start of a character (not inside a wide one): then
    /// the unchanged characters up to x may be written again instead, when that is
    /// shorter and needs no change of rendition.
    fn move_to(&mut self, x: usize, y: usize, row: Option<&[Cell]>) {
        if self.at == Some((x, y)) {
            return;
        }
        let mut best = cup(x, y);
        if let Some((cx, cy)) = self.at {
            let mut consider = |candidate: String| {
                if candidate.len() < best.len() {
                    best = candidate;
                }
            };
            // The vertical part, and the column it leaves the cursor in.
            let mut verticals = vec![(String::new(), cx)];
            if y > cy {
                verticals.push((csi(y - cy, 'B'), cx));
                verticals.push((csi(y - cy, 'E'), 0));
            } else if y < cy {
                verticals.push((csi(cy - y, 'A'), cx));
                verticals.push((csi(cy - y, 'F'), 0));
            }
            for (vertical, col) in verticals {
                if vertical.is_empty() && y != cy {
                    continue;
                }
                let horizontal = if col == x {
                    String::new()
                } else if col < x {
                    csi(x - col, 'C')
                } else {
                    let back = csi(col - x, 'D');
                    let absolute = csi(x + 1, 'G');
                    if absolute.len() < back.len() {
                        absolute
                    } else {
                        back
                    }
                };
                consider(vertical + &horizontal);
            }
            if let Some(row) = row.filter(|_| cy == y && cx < x)
                && let Some(again) = self.again(row, cx, x, best.len())
            {
                best = again;
            }
        }
        self.bytes.extend_from_slice(best.as_bytes());
        self.at = Some((x, y));
    }

    /// The characters of `row` from column `from` to `to` as they are, if they take fewer
    /// than `limit` bytes and all have the current rendition.
    fn again(&self, row: &[Cell], from: usize, to: usize, limit: usize) -> Option<String> {
        let mut text = String::new();
        let mut x = from;
        while x < to {
            let cell = &row[x];
            if Some(Pen::of(cell)) != self.pen {
                return None;
            }
            let (symbol, w) = glyph(cell, row.len() - x);
            text.push_str(symbol);
            if text.len() >= limit {
                return None;
            }
            x += w;
        }
        (x == to).then_some(text)
    }
}

impl<W: Write> Drop for Presenter<W> {
    /// The cursor comes back, as ratatui's `Terminal` brings it back when dropped.
    fn drop(&mut self) {
        if self.cursor_shown == Some(false) {
            let _ = self.out.write_all(b"\x1b[?25h");
            let _ = self.out.flush();
        }
    }
}

fn line(buffer: &Buffer, y: usize) -> &[Cell] {
    let width = buffer.area.width as usize;
    &buffer.content[y * width..(y + 1) * width]
}

#[cfg(test)]
mod tests;

/// Standard base64 with padding (RFC 4648), for OSC 52.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod base64_tests {
    #[test]
    fn rfc_4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(super::base64(plain.as_bytes()), encoded, "{plain}");
        }
    }
}
