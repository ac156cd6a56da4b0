//! Reopening from the console: `O` on a decided application opens a note dialog for a
//! lead (the note is required), and refuses anyone else before they write a note.

use ratatui::crossterm::event::KeyCode;

use shenhe::console::app::{Decision, Overlay};
use shenhe::present::Lang;
use shenhe::review::queue::Filter;

use crate::common::*;
use crate::console::Harness;

/// SQ1 returned, SQ2 pending review, on a database whose first lead is lina.
fn env() -> Env {
    let env = Env::fresh();
    let out = env
        .command()
        .env("SHENHE_REVIEWER", "lina")
        .args(["init", "--allow-reviewer-override"])
        .output()
        .expect("init");
    assert!(out.status.success(), "{}", stderr(&out));
    env.import_records(&[record("SQ1"), record("SQ2")]);
    env.ok(&["return", "SQ1", "--reason", "icp_missing"]);
    env
}

/// The console of `who` (a lead or not, as the database says), showing every state, with
/// `id` selected.
fn console(who: &str, lang: Lang, id: &str) -> Harness {
    let env = env();
    let lead = review_as(&env, who).is_lead().expect("reviewers");
    let mut h = Harness::on(env, who, lang, 100, 30);
    h.app.lead = lead;
    // The queue shows decided applications only under "all states".
    let all = h
        .app
        .filters
        .iter()
        .position(|f| *f == Filter::AllStates)
        .expect("all states");
    h.press(KeyCode::Char('f'));
    for _ in 0..all {
        h.press(KeyCode::Char('j'));
    }
    h.press(KeyCode::Enter);
    assert_eq!(h.app.filter, Filter::AllStates);
    h.press(KeyCode::Char('/'));
    h.chars(id);
    h.press(KeyCode::Enter);
    assert_eq!(h.app.queue.selected_row().expect("a row").id, id);
    h
}

fn status(h: &Harness) -> String {
    h.app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default()
}

#[test]
fn a_lead_reopens_a_decided_application_from_the_queue_with_a_required_note() {
    let mut h = console("lina", Lang::En, "SQ1");
    h.press(KeyCode::Char('O'));
    assert!(
        matches!(&h.app.overlay, Overlay::Confirm(c) if c.decision == Decision::Reopen && c.note_focused),
        "the note dialog, its note field focused: {:?}",
        h.app.overlay
    );
    let text = h.text();
    assert!(text.contains("Reopen (back to pending review)"), "{text}");
    assert!(text.contains("Why (required)"), "{text}");
    assert!(text.contains("→ pending review"), "{text}");

    // No note: refused in the dialog, nothing written.
    h.press(KeyCode::Enter);
    assert!(
        matches!(h.app.overlay, Overlay::Confirm(_)),
        "the dialog stays"
    );
    assert_eq!(status(&h), "reopening needs a note saying why");
    assert_eq!(h.state_of("SQ1"), "returned");

    h.chars("退回有误");
    h.press(KeyCode::Enter);
    assert!(matches!(h.app.overlay, Overlay::None));
    assert_eq!(h.state_of("SQ1"), "pending_review");
    assert_eq!(status(&h), "SQ1 reopened");
    let history = h.env.json(&["history", "SQ1", "--json"]);
    let last = history
        .as_array()
        .expect("entries")
        .last()
        .expect("entry")
        .clone();
    assert_eq!(last["action"], "reopen");
    assert_eq!(last["actor"], "lina");
    assert_eq!(last["note"], "退回有误");
    assert!(h.env.ok(&["audit", "verify"]).contains("intact"));
}

#[test]
fn reopen_is_refused_before_the_note_for_a_reviewer_who_is_not_a_lead() {
    for (lang, words) in [
        (
            Lang::En,
            "only a lead reviewer may do this, and bob is not one",
        ),
        (Lang::Zh, "只有审核组长可以执行此操作，bob 不是组长"),
    ] {
        let mut h = console("bob", lang, "SQ1");
        h.press(KeyCode::Char('O'));
        assert!(matches!(h.app.overlay, Overlay::None), "no dialog");
        assert_eq!(status(&h), words);
        assert!(h.text().contains(words), "{}", h.text());
        assert_eq!(h.state_of("SQ1"), "returned");
    }
}

#[test]
fn reopen_is_refused_for_an_application_that_is_not_decided() {
    let mut h = console("lina", Lang::En, "SQ2");
    h.press(KeyCode::Enter);
    h.press(KeyCode::Char('O'));
    assert!(matches!(h.app.overlay, Overlay::None), "no dialog");
    assert_eq!(
        status(&h),
        "SQ2 is pending_review: only a decided application can be reopened"
    );
    // The help of the detail names the key.
    h.press(KeyCode::Char('?'));
    let text = h.text();
    assert!(text.contains("reopen (lead)"), "{text}");
}
