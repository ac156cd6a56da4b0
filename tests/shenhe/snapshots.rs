//! Whole screens, in Chinese and English, at 80×24, 120×40, 160×45 and 200×50: a change to any of them shows
//! up as a diff to review (`INSTA_UPDATE=always cargo test` rewrites them after review).

use ratatui::crossterm::event::KeyCode;

use shenhe::present::Lang;

use crate::console::{Harness, queue_records};

fn screens(width: u16, height: u16) -> Vec<(&'static str, String)> {
    screens_in(Lang::Zh, width, height)
}

fn screens_in(lang: Lang, width: u16, height: u16) -> Vec<(&'static str, String)> {
    let mut h = Harness::new(&queue_records(), lang, width, height);
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

/// Issue 15: 80×24, 120×40 and 200×50 (the queue and the detail side by side), in zh
/// and en.
#[test]
fn screens_at_three_sizes_in_both_languages() {
    for (lang, tag) in [(Lang::Zh, "zh"), (Lang::En, "en")] {
        for (w, h) in [(80, 24), (120, 40), (200, 50)] {
            if (lang, w) == (Lang::Zh, 80) {
                continue; // screens_at_80x24
            }
            for (name, screen) in screens_in(lang, w, h) {
                insta::assert_snapshot!(format!("{tag}_{w}x{h}_{name}"), screen);
            }
        }
    }
}
