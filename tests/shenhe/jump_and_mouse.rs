//! Issue 15, item 7's jump-to-id key and "mouse, for those who reach for it", through the
//! real console in a pseudo-terminal: `:` opens any application by its id whatever its
//! state and the filter (the queue's filter is left alone), an unknown id is said in the
//! console's language, and a click, a double click and the wheel (SGR mouse reports, as
//! a terminal sends them) do what their keys do.

use crate::console::queue_records;
use crate::pty::*;

fn footer(rows: &[String]) -> String {
    rows.last().cloned().unwrap_or_default()
}

/// A press (and its release) of the left button at a 0-based cell, as SGR reports it.
fn click(column: u16, row: u16) -> String {
    format!(
        "\x1b[<0;{};{}M\x1b[<0;{};{}m",
        column + 1,
        row + 1,
        column + 1,
        row + 1
    )
}

fn wheel(down: bool) -> String {
    format!("\x1b[<{};10;10M", if down { 65 } else { 64 })
}

/// A decided application is not in the default view; `:` id Enter opens it, Esc comes
/// back to the queue as it was; from the detail `:` jumps again; an unknown id is said in
/// Chinese, and a pasted id's control characters never reach the screen.
#[test]
fn pty_go_to_id_opens_any_state_and_says_an_unknown_id() {
    let env = env_with(&queue_records());
    env.ok(&["approve", "SQ0001"]);
    let mut c = Console::start(
        &env,
        Opts {
            lang: "zh_CN.UTF-8",
            ..Opts::default()
        },
    );
    // The rows and the header's counts (they arrive apart).
    let before = c.wait_for("the queue with its counts", |rows| {
        rows.last().is_some_and(|r| r.trim_end().ends_with("1/4"))
            && rows.first().is_some_and(|r| !r.contains("加载中"))
    });
    assert!(
        !before.iter().any(|r| r.contains("SQ0001")),
        "decided, not in the default view"
    );
    c.send(":");
    c.wait_text("按订单号打开（任何状态）");
    c.send("SQ0001");
    c.send(ENTER);
    let rows = c.wait_for("the detail of SQ0001", |rows| {
        rows.first().is_some_and(|r| r.starts_with(" SQ0001 "))
    });
    assert!(rows.join("\n").contains("待集成"), "{}", rows.join("\n"));
    // From the detail, to another one.
    c.send(":");
    c.wait_text("按订单号打开（任何状态）");
    c.send("SQ0003\r");
    c.wait_for("the detail of SQ0003", |rows| {
        rows.first().is_some_and(|r| r.starts_with(" SQ0003 "))
    });
    // Back: the queue as it was, its filter untouched.
    c.esc();
    let after = c.wait_for("the queue with its counts", |rows| {
        in_queue(rows) && rows.first().is_some_and(|r| !r.contains("加载中"))
    });
    assert_eq!(after[0], before[0], "the header (filter, counts) changed");
    wait_until("SQ0003's claim released on leaving", || {
        env.json(&["show", "SQ0003", "--json"])["claimed_by"].is_null()
    });

    // An id that names nothing, pasted with a bell and an escape inside it.
    c.send(":");
    c.wait_text("按订单号打开（任何状态）");
    c.send("\x1b[200~NO\x07PE\x1b[31m\x1b[201~");
    c.send(ENTER);
    let rows = c.wait_text("没有订单号为");
    let said = footer(&rows);
    assert!(said.contains("没有订单号为 `NOPE[31m` 的申请"), "{said}");
    assert!(in_queue(&rows), "still on the queue");
    let done = quit(c);
    assert_restored(&done, "q");
    assert!(
        find(&done.raw, b"\x07").is_none(),
        "the bell reached the terminal"
    );
    // Looking wrote nothing: no decision, SQ0001 still where the approval put it.
    assert_eq!(env.state_of("SQ0001"), "pending_integration");
}

/// English, and Esc closes the prompt without going anywhere.
#[test]
fn pty_go_to_id_in_english_and_cancelled() {
    let env = env_with(&queue_records());
    let mut c = Console::start(&env, Opts::default());
    c.wait_footer("1/5");
    c.send(":");
    let rows = c.wait_text("Open by id (any state)");
    assert!(footer(&rows).contains("Enter open"), "{}", footer(&rows));
    c.send("SQ0002");
    c.esc();
    c.wait_for("the prompt closed", |rows| {
        !rows.iter().any(|r| r.contains("Open by id"))
    });
    c.send(":NOPE\r");
    let rows = c.wait_text("NOPE");
    assert!(
        footer(&rows).contains("NOPE"),
        "the unknown id said in the footer: {}",
        footer(&rows)
    );
    assert!(in_queue(&rows));
    assert_restored(&quit(c), "q");
}

/// A click selects a row, a double click opens it, the wheel moves through the queue and
/// scrolls the detail; the terminal is asked for clicks (SGR) and given them back off.
#[test]
fn pty_click_double_click_and_wheel() {
    let env = env_with(&queue_records());
    let mut c = Console::start(&env, Opts::default());
    let rows = c.wait_footer("1/5");
    // The table starts on the third row of the screen.
    let third = rows[4].clone();
    let id = third
        .split_whitespace()
        .find(|w| w.starts_with("SQ"))
        .expect("an id")
        .to_string();
    c.send(&click(20, 4));
    c.wait_footer("3/5");
    // Below the last row: nothing.
    c.send(&click(20, 12));
    // A notch moves three rows.
    c.send(&wheel(false));
    c.wait_footer("1/5");
    c.send(&wheel(true));
    c.wait_footer("4/5");
    // Double click: two presses on the same cell at once.
    c.send(&format!("{}{}", click(20, 4), click(20, 4)));
    c.wait_for(&format!("the detail of {id}"), |rows| {
        rows.first()
            .is_some_and(|r| r.starts_with(&format!(" {id} ")))
    });
    let top = c.wait_footer("0%");
    c.send(&wheel(true));
    c.wait_for("the detail scrolled by the wheel", |rows| {
        footer(rows).trim_end().ends_with('%') && footer(rows) != footer(&top)
    });
    c.esc();
    c.wait_for("the queue", in_queue);
    let done = quit(c);
    assert_restored(&done, "q");
    let on = rfind_all(&done.raw, b"\x1b[?1000h");
    let off = rfind_all(&done.raw, b"\x1b[?1000l");
    assert!(
        on.is_some() && off > on,
        "mouse capture asked for and given back"
    );
    assert!(
        find(&done.raw, b"\x1b[?1003h").is_none(),
        "every movement asked for"
    );
}

fn rfind_all(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// In process (a pty adds nothing here): the wheel moves the cursor of the filter menu
/// and of the return dialog's reasons one entry a notch, and is ignored where text is
/// typed; a menu letter rebound in the config shows in the menu beside its filter, and
/// the old letter no longer picks it.
#[test]
fn wheel_in_dialog_lists_and_a_rebound_menu_letter() {
    use ratatui::crossterm::event::KeyCode;
    use shenhe::console::app::{Overlay, Pointer};
    use shenhe::console::keys::{Keymap, Rebind};
    use shenhe::review::queue::Filter;

    let mut h = crate::console::Harness::new(&queue_records(), shenhe::present::Lang::En, 100, 30);
    let keys = Keymap::with(&[Rebind {
        mode: "menu".into(),
        action: "pick_o".into(),
        keys: vec!["9".into(), "O".into()],
        at: 1,
    }]);
    // `9` is already a product group's letter in the menu: refused, naming the setting.
    assert!(keys.is_err_and(|e| e.at == 1 && e.message.contains("`9`")));
    let keys = Keymap::with(&[Rebind {
        mode: "menu".into(),
        action: "pick_o".into(),
        keys: vec!["O".into()],
        at: 1,
    }])
    .expect("a free letter");
    h.app.keys = std::sync::Arc::new(keys);

    h.press(KeyCode::Char('f'));
    let cursor = |h: &crate::console::Harness| match &h.app.overlay {
        Overlay::Filter { cursor } => *cursor,
        other => panic!("not the menu: {other:?}"),
    };
    assert_eq!(cursor(&h), 0);
    let r = h.app.pointer(Pointer::Wheel { down: true });
    h.pump(r);
    assert_eq!(cursor(&h), 1);
    let r = h.app.pointer(Pointer::Wheel { down: false });
    h.pump(r);
    assert_eq!(cursor(&h), 0);
    let menu = h.text();
    let overdue = menu
        .lines()
        .find(|l| l.contains('│') && l.contains("overdue"))
        .expect("the overdue filter in the menu");
    assert!(overdue.contains(" O overdue"), "{overdue}");
    h.press(KeyCode::Char('o'));
    assert!(
        matches!(h.app.overlay, Overlay::Filter { .. }),
        "`o` still picked"
    );
    h.press(KeyCode::Char('O'));
    assert_eq!(h.app.filter, Filter::Overdue);

    // The return dialog's reasons: one reason a notch; in the message, nothing.
    h.press(KeyCode::Esc);
    h.select("SQ0001");
    h.press(KeyCode::Char('r'));
    let at = |h: &crate::console::Harness| match &h.app.overlay {
        Overlay::Return(d) => d.cursor,
        other => panic!("not the return dialog: {other:?}"),
    };
    let first = at(&h);
    let r = h.app.pointer(Pointer::Wheel { down: true });
    h.pump(r);
    assert_eq!(at(&h), first + 1);
    h.press(KeyCode::Tab);
    assert!(
        matches!(&h.app.overlay, Overlay::Return(d) if d.focus != shenhe::console::app::ReturnFocus::Reasons)
    );
    let r = h.app.pointer(Pointer::Wheel { down: true });
    assert!(r.is_empty());
    assert_eq!(at(&h), first + 1);
    // A click outside the queue's rows, or on a dialog, selects nothing.
    let before = h.app.queue.selected;
    let r = h.app.pointer(Pointer::Click {
        column: 5,
        row: 3,
        double: true,
    });
    assert!(r.is_empty());
    assert_eq!(h.app.queue.selected, before);
}
