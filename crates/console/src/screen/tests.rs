//! The presenter against a terminal emulator (vt100): what it sends, applied to a
//! terminal, gives the frame drawn, whatever the sequence of frames.

use std::num::NonZeroU16;

use ratatui::style::Style;

use super::*;
use ratatui::style::{Color, Modifier};

use shenhe_generate::rng::Rng;

/// `percent` in a hundred.
fn chance(rng: &mut Rng, percent: usize) -> bool {
    rng.below(100) < percent
}

const COLORS: [Color; 17] = [
    Color::Reset,
    Color::Black,
    Color::Red,
    Color::Green,
    Color::Yellow,
    Color::Blue,
    Color::Magenta,
    Color::Cyan,
    Color::Gray,
    Color::DarkGray,
    Color::LightRed,
    Color::LightGreen,
    Color::LightYellow,
    Color::LightBlue,
    Color::LightMagenta,
    Color::LightCyan,
    Color::White,
];

fn vt_color(c: Color) -> vt100::Color {
    match COLORS.iter().position(|x| *x == c) {
        Some(0) | None => vt100::Color::Default,
        Some(i) => vt100::Color::Idx(i as u8 - 1),
    }
}

/// A whole style: it replaces the cell's, so that bold and dim never add up (vt100
/// keeps one intensity).
fn style(rng: &mut Rng) -> Style {
    if chance(rng, 40) {
        return Style::reset();
    }
    let mut s = Style::reset()
        .fg(COLORS[rng.below(COLORS.len())])
        .bg(COLORS[rng.below(COLORS.len())]);
    match rng.below(3) {
        0 => s = s.add_modifier(Modifier::BOLD),
        1 => s = s.add_modifier(Modifier::DIM),
        _ => {}
    }
    for m in [Modifier::UNDERLINED, Modifier::REVERSED] {
        if chance(rng, 30) {
            s = s.add_modifier(m);
        }
    }
    s
}

fn text(rng: &mut Rng) -> String {
    const PIECES: [&str; 12] = [
        "a", "Z", " ", "  ", "7", "-", "审", "核", "宽", "…", "✗", "通过",
    ];
    (0..1 + rng.below(12))
        .map(|_| PIECES[rng.below(PIECES.len())])
        .collect()
}

/// Writes random text into `buffer` the way widgets do (through `set_stringn`).
fn scribble(rng: &mut Rng, buffer: &mut Buffer, strokes: usize) {
    let area = buffer.area;
    for _ in 0..strokes {
        let x = rng.below(area.width as usize) as u16;
        let y = rng.below(area.height as usize) as u16;
        let text = text(rng);
        let style = style(rng);
        buffer.set_stringn(x, y, text, area.width as usize, style);
    }
}

/// The terminal (as vt100 understands the bytes) shows `buffer` exactly.
fn assert_same(parser: &vt100::Parser, buffer: &Buffer, cursor: Option<Position>, what: &str) {
    let screen = parser.screen();
    let area = buffer.area;
    for y in 0..area.height {
        let mut x = 0;
        while x < area.width {
            let cell = &buffer[(x, y)];
            let (symbol, w) = glyph(cell, (area.width - x) as usize);
            let vt = screen.cell(y, x).expect("a cell");
            let contents = match vt.contents() {
                "" => " ",
                c => c,
            };
            let at = format!("{what}: ({x},{y})");
            assert_eq!(contents, symbol, "{at}");
            assert_eq!(vt.is_wide(), w == 2, "{at} width");
            assert_eq!(vt.fgcolor(), vt_color(cell.fg), "{at} fg");
            assert_eq!(vt.bgcolor(), vt_color(cell.bg), "{at} bg");
            let m = cell.modifier;
            assert_eq!(vt.bold(), m.contains(Modifier::BOLD), "{at} bold");
            assert_eq!(vt.dim(), m.contains(Modifier::DIM), "{at} dim");
            assert_eq!(vt.underline(), m.contains(Modifier::UNDERLINED), "{at} ul");
            assert_eq!(vt.inverse(), m.contains(Modifier::REVERSED), "{at} rev");
            if w == 2 {
                let right = screen.cell(y, x + 1).expect("a cell");
                assert!(right.is_wide_continuation(), "{at} right half");
            }
            x += w as u16;
        }
    }
    assert_eq!(
        screen.hide_cursor(),
        cursor.is_none(),
        "{what}: cursor shown"
    );
    if let Some(at) = cursor {
        assert_eq!(screen.cursor_position(), (at.y, at.x), "{what}: cursor");
    }
}

fn parser(area: Rect) -> vt100::Parser {
    let n = |v: u16| NonZeroU16::new(v).expect("non-zero");
    vt100::Parser::new(n(area.height), n(area.width), 0)
}

/// Random frames: text and styles changing, lists scrolling with true and false hints,
/// the cursor coming and going, resizes and forced repaints. After each, what a
/// terminal makes of the bytes must be the frame.
#[test]
fn the_terminal_shows_every_frame_exactly() {
    for seed in 1..=250u64 {
        let mut rng = Rng::new(seed);
        let mut area = Rect::new(0, 0, 6 + rng.below(30) as u16, 3 + rng.below(10) as u16);
        let mut vt = parser(area);
        let mut presenter = Presenter::new(Vec::new());
        let mut frame = Buffer::empty(area);
        for step in 0..40 {
            let what = format!("seed {seed}, frame {step}");
            let mut hint = None;
            match rng.below(12) {
                0 => {
                    area = Rect::new(0, 0, 6 + rng.below(30) as u16, 3 + rng.below(10) as u16);
                    vt.screen_mut().set_size(
                        NonZeroU16::new(area.height).expect("rows"),
                        NonZeroU16::new(area.width).expect("cols"),
                    );
                    frame = Buffer::empty(area);
                }
                1 => presenter.invalidate(),
                2..=6 => {
                    // A list moves: its rows shift, new ones come in, and the
                    // hint says so (or, sometimes, says something else).
                    let h = area.height;
                    let start = rng.below(h as usize - 1) as u16;
                    let end = start + 2 + rng.below((h - start - 1) as usize) as u16;
                    let len = (end - start) as usize;
                    let by = 1 + rng.below(len - 1);
                    let up = chance(&mut rng, 50);
                    let w = area.width as usize;
                    let region = &mut frame.content[start as usize * w..end as usize * w];
                    if up {
                        region.rotate_left(by * w);
                    } else {
                        region.rotate_right(by * w);
                    }
                    let by = if up { by as i32 } else { -(by as i32) };
                    hint = Some(if chance(&mut rng, 80) {
                        ScrollHint {
                            rows: start..end,
                            by,
                        }
                    } else {
                        ScrollHint {
                            rows: 0..h,
                            by: -by,
                        }
                    });
                    for y in 0..by.unsigned_abs() as u16 {
                        let y = if up { end - 1 - y } else { start + y };
                        let t = text(&mut rng);
                        let s = style(&mut rng);
                        frame.set_stringn(0, y, t, area.width as usize, s);
                    }
                }
                _ => {}
            }
            let strokes = rng.below(6);
            scribble(&mut rng, &mut frame, strokes);
            let cursor = chance(&mut rng, 30).then(|| {
                Position::new(
                    rng.below(area.width as usize) as u16,
                    rng.below(area.height as usize) as u16,
                )
            });
            let before = presenter.writer().len();
            presenter.present(&frame, cursor, hint).expect("present");
            vt.process(&presenter.writer()[before..]);
            assert_same(&vt, &frame, cursor, &what);
        }
    }
}

#[test]
fn a_move_after_a_wide_character_needs_no_cursor_move() {
    let area = Rect::new(0, 0, 20, 2);
    let mut presenter = Presenter::new(Vec::new());
    let mut frame = Buffer::empty(area);
    presenter.present(&frame, None, None).expect("first");
    frame.set_string(0, 0, "审核通过 ok", Style::new());
    let n = presenter.present(&frame, None, None).expect("second");
    let out = String::from_utf8_lossy(&presenter.writer()[presenter.writer().len() - n..]);
    assert_eq!(out, "\x1b[H审核通过 ok");
}

#[test]
fn a_scrolled_list_sends_only_the_new_row() {
    let area = Rect::new(0, 0, 30, 8);
    let mut presenter = Presenter::new(Vec::new());
    let rows = |first: usize| {
        let mut b = Buffer::empty(area);
        b.set_string(0, 0, "header", Style::new());
        for i in 0..6 {
            b.set_string(
                0,
                1 + i as u16,
                format!("第{}行 商户", first + i),
                Style::new(),
            );
        }
        b.set_string(0, 7, "footer", Style::new());
        b
    };
    presenter.present(&rows(0), None, None).expect("first");
    let hint = ScrollHint { rows: 1..7, by: 1 };
    let n = presenter
        .present(&rows(1), None, Some(hint))
        .expect("scroll");
    let out = String::from_utf8_lossy(&presenter.writer()[presenter.writer().len() - n..]);
    assert_eq!(out, "\x1b[2;7r\x1b[S\x1b[r\x1b[7H第6行 商户");
}

#[test]
fn renditions_change_by_the_shorter_way() {
    let bold_red = Pen {
        fg: Color::Red,
        bg: Color::Reset,
        modifier: Modifier::BOLD,
    };
    assert_eq!(sgr(None, Pen::PLAIN), "");
    assert_eq!(sgr(None, bold_red), "0;1;31");
    assert_eq!(sgr(Some(Pen::PLAIN), bold_red), "1;31");
    assert_eq!(sgr(Some(bold_red), Pen::PLAIN), "");
    let dim = Pen {
        modifier: Modifier::DIM,
        ..bold_red
    };
    // 22 takes bold and dim away together: dim goes on again.
    let bold_dim = Pen {
        modifier: Modifier::BOLD | Modifier::DIM,
        ..bold_red
    };
    assert_eq!(sgr(Some(bold_dim), dim), "22;2");
    assert_eq!(
        sgr(
            Some(bold_dim),
            Pen {
                fg: Color::Green,
                ..dim
            }
        ),
        "0;2;32"
    );
}

#[test]
fn hints_only_for_small_moves_of_the_same_list() {
    let w = |top| Window { rows: 2..22, top };
    let hint = ScrollHint::between(Some(&w(10)), Some(&w(11)));
    assert_eq!(hint, Some(ScrollHint { rows: 2..22, by: 1 }));
    assert_eq!(
        ScrollHint::between(Some(&w(10)), Some(&w(0))).map(|h| h.by),
        Some(-10)
    );
    assert_eq!(ScrollHint::between(Some(&w(10)), Some(&w(21))), None);
    assert_eq!(ScrollHint::between(Some(&w(10)), Some(&w(10))), None);
    assert_eq!(ScrollHint::between(None, Some(&w(10))), None);
}
