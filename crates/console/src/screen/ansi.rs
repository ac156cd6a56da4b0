//! The bytes of a terminal's language: SGR attributes from one pen to the next, colours,
//! cursor moves, and the glyph a cell shows in the room it has.

use std::fmt::Write as _;

use ratatui::buffer::{Cell, CellWidth};
use ratatui::style::{Color, Modifier};

/// The graphic rendition the terminal is set to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Pen {
    pub(super) fg: Color,
    pub(super) bg: Color,
    pub(super) modifier: Modifier,
}

impl Pen {
    pub(super) const PLAIN: Pen = Pen {
        fg: Color::Reset,
        bg: Color::Reset,
        modifier: Modifier::empty(),
    };

    pub(super) fn of(cell: &Cell) -> Pen {
        Pen {
            fg: cell.fg,
            bg: cell.bg,
            modifier: cell.modifier,
        }
    }
}

/// SGR on and off codes of each modifier. Bold and dim share their off code, as do the
/// two blinks: turning one off turns the other off too.
pub(super) const MODIFIERS: [(Modifier, u8, u8); 9] = [
    (Modifier::BOLD, 1, 22),
    (Modifier::DIM, 2, 22),
    (Modifier::ITALIC, 3, 23),
    (Modifier::UNDERLINED, 4, 24),
    (Modifier::SLOW_BLINK, 5, 25),
    (Modifier::RAPID_BLINK, 6, 25),
    (Modifier::REVERSED, 7, 27),
    (Modifier::HIDDEN, 8, 28),
    (Modifier::CROSSED_OUT, 9, 29),
];

/// The SGR parameters that take the terminal from `from` (unknown: None) to `to`: either
/// a reset and what `to` has, or only what differs, whichever is shorter.
pub(super) fn sgr(from: Option<Pen>, to: Pen) -> String {
    let mut fresh = String::new();
    if to != Pen::PLAIN {
        fresh.push('0');
        for (m, on, _) in MODIFIERS {
            if to.modifier.contains(m) {
                let _ = write!(fresh, ";{on}");
            }
        }
        for (color, bg) in [(to.fg, false), (to.bg, true)] {
            if color != Color::Reset {
                fresh.push(';');
                color_code(&mut fresh, color, bg);
            }
        }
    }
    let Some(from) = from else {
        return fresh;
    };
    let mut step = String::new();
    let mut add = to.modifier - from.modifier;
    let mut offs: Vec<u8> = Vec::new();
    for (m, _, off) in MODIFIERS {
        if from.modifier.contains(m) && !to.modifier.contains(m) && !offs.contains(&off) {
            offs.push(off);
        }
    }
    for off in offs {
        let _ = write!(step, ";{off}");
        // What the shared off code took away and `to` still has goes on again.
        for (m, _, o) in MODIFIERS {
            if o == off && to.modifier.contains(m) {
                add |= m;
            }
        }
    }
    for (m, on, _) in MODIFIERS {
        if add.contains(m) {
            let _ = write!(step, ";{on}");
        }
    }
    for (old, new, bg) in [(from.fg, to.fg, false), (from.bg, to.bg, true)] {
        if old != new {
            step.push(';');
            color_code(&mut step, new, bg);
        }
    }
    let step = step.trim_start_matches(';');
    if step.len() < fresh.len() {
        step.to_string()
    } else {
        fresh
    }
}

pub(super) fn color_code(out: &mut String, color: Color, bg: bool) {
    let base: u8 = if bg { 10 } else { 0 };
    let basic = match color {
        Color::Reset => 39,
        Color::Black => 30,
        Color::Red => 31,
        Color::Green => 32,
        Color::Yellow => 33,
        Color::Blue => 34,
        Color::Magenta => 35,
        Color::Cyan => 36,
        Color::Gray => 37,
        Color::DarkGray => 90,
        Color::LightRed => 91,
        Color::LightGreen => 92,
        Color::LightYellow => 93,
        Color::LightBlue => 94,
        Color::LightMagenta => 95,
        Color::LightCyan => 96,
        Color::White => 97,
        Color::Indexed(i) => {
            let _ = write!(out, "{};5;{i}", 38 + base);
            return;
        }
        Color::Rgb(r, g, b) => {
            let _ = write!(out, "{};2;{r};{g};{b}", 38 + base);
            return;
        }
    };
    let _ = write!(out, "{}", basic + base);
}

/// What a cell puts on the terminal and how many columns it takes there. A symbol that
/// takes no column, or more than are left on the row, is sent as a space: the terminal
/// would otherwise attach it to its neighbour or wrap it.
pub(super) fn glyph(cell: &Cell, room: usize) -> (&str, usize) {
    let width = cell.cell_width() as usize;
    if width == 0 || width > room {
        (" ", 1)
    } else {
        (cell.symbol(), width)
    }
}

/// `CSI n final`, with n left out when it is 1 (the default).
pub(super) fn csi(n: usize, final_byte: char) -> String {
    if n == 1 {
        format!("\x1b[{final_byte}")
    } else {
        format!("\x1b[{n}{final_byte}")
    }
}

/// Cursor position, with the defaults (row or column 1) left out.
pub(super) fn cup(x: usize, y: usize) -> String {
    match (x, y) {
        (0, 0) => "\x1b[H".to_string(),
        (0, y) => format!("\x1b[{}H", y + 1),
        (x, 0) => format!("\x1b[;{}H", x + 1),
        (x, y) => format!("\x1b[{};{}H", y + 1, x + 1),
    }
}

/// `write!` into a byte vector.
pub(super) struct Bytes<'a>(pub(super) &'a mut Vec<u8>);

impl std::fmt::Write for Bytes<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}
