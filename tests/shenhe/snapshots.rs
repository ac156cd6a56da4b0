//! Whole screens, in Chinese, at 80×24 and at a large size: a change to any of them shows
//! up as a diff to review (`INSTA_UPDATE=always cargo test` rewrites them after review).

use ratatui::crossterm::event::KeyCode;

use shenhe::present::Lang;

use crate::console::{Harness, queue_records};

fn screens(width: u16, height: u16) -> Vec<(&'static str, String)> {
    let mut h = Harness::new(&queue_records(), Lang::Zh, width, height);
    let mut out = vec![("queue", h.text())];
    h.press(KeyCode::Char('?'));
    out.push(("help", h.text()));
    h.press(KeyCode::Esc);
    h.select("SQ0003");
    h.press(KeyCode::Enter);
    out.push(("detail", h.text()));
    h.press(KeyCode::Char('G'));
    out.push(("detail-end", h.text()));
    h.press(KeyCode::Char('r'));
    out.push(("return", h.text()));
    h.press(KeyCode::Esc);
    h.press(KeyCode::Char('a'));
    out.push(("approve", h.text()));
    out
}

#[test]
fn screens_at_80x24() {
    for (name, screen) in screens(80, 24) {
        insta::assert_snapshot!(format!("zh_80x24_{name}"), screen);
    }
}

#[test]
fn screens_at_160x45() {
    for (name, screen) in screens(160, 45) {
        insta::assert_snapshot!(format!("zh_160x45_{name}"), screen);
    }
}
