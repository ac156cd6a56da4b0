//! The console without a terminal: keys → actions → state → frames, with the real
//! worker on a real database, rendered through ratatui's TestBackend.

use std::collections::VecDeque;
use std::sync::Arc;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use shenhe::console::action::Action;
use shenhe::console::app::{App, Overlay, Screen};
use shenhe::console::keys::{self, Mode};
use shenhe::console::ui::{self, Theme};
use shenhe::console::worker::{Request, Response, Worker};
use shenhe::present::Lang;

use crate::common::*;

pub struct Harness {
    pub env: Env,
    pub app: App,
    worker: Worker,
    responses: UnboundedReceiver<Response>,
    pub terminal: Terminal<TestBackend>,
}

impl Harness {
    pub fn new(records: &[serde_json::Value], lang: Lang, width: u16, height: u16) -> Harness {
        let env = Env::new();
        env.import_records(records);
        Harness::on(env, "alice", lang, width, height)
    }

    pub fn on(env: Env, actor: &str, lang: Lang, width: u16, height: u16) -> Harness {
        let review = review_as(&env, actor);
        let app = App::new(
            lang,
            Arc::clone(review.policy()),
            review.actor().to_string(),
            review.now(),
            width,
            height,
        );
        let (tx, responses) = unbounded_channel();
        let worker = Worker::new(review, tx);
        let terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
        let mut h = Harness {
            env,
            app,
            worker,
            responses,
            terminal,
        };
        let start = h.app.start();
        h.pump(start);
        h
    }

    /// Runs requests through the worker until nothing more is asked.
    pub fn pump(&mut self, requests: Vec<Request>) {
        let mut queue: VecDeque<Request> = requests.into();
        while let Some(r) = queue.pop_front() {
            self.worker.handle(r);
            while let Ok(response) = self.responses.try_recv() {
                queue.extend(self.app.apply(response));
            }
        }
    }

    pub fn press(&mut self, code: KeyCode) {
        self.press_with(code, KeyModifiers::NONE);
    }

    pub fn press_with(&mut self, code: KeyCode, modifiers: KeyModifiers) {
        if let Some(action) = self
            .app
            .keys
            .action_for(self.app.mode(), KeyEvent::new(code, modifiers))
        {
            let requests = self.app.update(action);
            self.pump(requests);
        }
    }

    pub fn chars(&mut self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c));
        }
    }

    /// Gives the worker the site probe behind the detail's P key.
    pub fn set_prober(&mut self, prober: shenhe::console::worker::Prober) {
        self.worker.set_prober(prober);
    }

    /// Finished probes, as the worker keeps them between requests.
    pub fn collect_probes(&mut self) {
        self.worker.collect_probes();
        let mut requests = Vec::new();
        while let Ok(response) = self.responses.try_recv() {
            requests.extend(self.app.apply(response));
        }
        self.pump(requests);
    }

    /// Another process wrote: what the worker's poll would notice.
    pub fn poll(&mut self) {
        self.worker.watch();
        let mut requests = Vec::new();
        while let Ok(response) = self.responses.try_recv() {
            requests.extend(self.app.apply(response));
        }
        self.pump(requests);
    }

    pub fn screen(&mut self) -> Vec<String> {
        let theme = Theme {
            color: true,
            contrast: false,
        };
        let app = &mut self.app;
        // A whole frame on a fresh backend each time: TestBackend, unlike a terminal, keeps
        // the cell hidden behind a wide character when only the changes are sent.
        let area = self.terminal.backend().buffer().area;
        self.terminal = Terminal::new(TestBackend::new(area.width, area.height)).expect("terminal");
        ui::lay_out(app, theme);
        self.terminal
            .draw(|f| ui::draw(f, app, theme))
            .expect("draw");
        crate::fixtures::buffer_rows(self.terminal.backend().buffer())
    }

    pub fn text(&mut self) -> String {
        self.screen().join("\n")
    }

    pub fn state_of(&self, id: &str) -> String {
        self.env.state_of(id)
    }

    /// Moves the selection to `id` with the keys a reviewer would use.
    pub fn select(&mut self, id: &str) {
        self.press(KeyCode::Char('g'));
        for _ in 0..self.app.queue.total.unwrap_or(0) {
            if self.app.queue.selected_row().map(|r| r.id.as_str()) == Some(id) {
                return;
            }
            self.press(KeyCode::Char('j'));
        }
        panic!("{id} is not in the queue");
    }

    /// Presses `key` until `id` is selected, as a reviewer moving through the queue would;
    /// fails, rather than pressing for ever, once every row has been passed.
    pub fn move_to(&mut self, id: &str, key: char) {
        let most = self.app.queue.total.unwrap_or(0) + 1;
        for _ in 0..most {
            if self.app.queue.selected_row().map(|r| r.id.as_str()) == Some(id) {
                return;
            }
            self.press(KeyCode::Char(key));
        }
        let at = self.app.queue.selected_row().map(|r| r.id.clone());
        panic!("{id} not reached after {most} presses of `{key}`; the selection is on {at:?}");
    }
}

/// A small realistic queue: clean, failing, overdue, unverified (lapsed) applications.
pub fn queue_records() -> Vec<serde_json::Value> {
    vec![
        with(
            record("SQ0001"),
            &[("/submitted_at", json!("2026-11-23T09:00:00+08:00"))],
        ),
        with(
            record("SQ0002"),
            &[
                ("/submitted_at", json!("2026-11-18T09:00:00+08:00")),
                ("/applicant/name", json!("深圳市腾飞电子商务有限公司")),
            ],
        ),
        with(
            record("SQ0003"),
            &[
                ("/website/url", json!("https://shop123.taobao.com")),
                ("/website/icp", json!(null)),
                ("/applicant/name", json!("广州白云贸易有限公司")),
            ],
        ),
        with(
            record("SQ0004"),
            &[
                ("/applicant/verified", json!(false)),
                ("/submitted_at", json!("2026-11-02T09:00:00+08:00")),
                ("/applicant/name", json!("张伟")),
            ],
        ),
        with(
            record("SQ0005"),
            &[
                ("/product", json!("large_transfer")),
                ("/plan", json!(null)),
                ("/payment", json!(null)),
                ("/website", json!(null)),
                ("/submitted_at", json!("2026-11-24T08:00:00+08:00")),
            ],
        ),
    ]
}

fn assert_fits(lines: &[String], width: usize) {
    for line in lines {
        assert_eq!(
            unicode_width::UnicodeWidthStr::width(line.as_str()),
            width,
            "line is not {width} columns: {line:?}"
        );
    }
}

#[test]
fn the_queue_at_80x24_in_chinese() {
    let mut h = Harness::new(&queue_records(), Lang::Zh, 80, 24);
    let lines = h.screen();
    assert_fits(&lines, 80);
    let text = lines.join("\n");
    assert!(
        lines[0].contains("待审核 4")
            && lines[0].contains("超期 1")
            && lines[0].contains("待认证超15天 1"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains("订单号") && lines[1].contains("商户"),
        "{}",
        lines[1]
    );
    // Ordered by due time: the lapsed verification (due long ago, but not overdue for
    // review, so unmarked), then the overdue one, marked without colour too.
    assert!(lines[2].starts_with("  SQ0004 "), "{text}");
    assert!(lines[3].starts_with("! SQ0002 "), "{text}");
    let overdue = lines
        .iter()
        .find(|l| l.contains("SQ0002"))
        .expect("SQ0002 shown");
    assert!(
        overdue.starts_with('!'),
        "overdue rows carry a marker: {overdue}"
    );
    assert!(text.contains("深圳市腾飞"), "{text}");
    assert!(
        lines[23].contains("详情") && lines[23].contains("1/5"),
        "{}",
        lines[23]
    );
}

#[test]
fn cjk_columns_line_up() {
    let mut h = Harness::new(&queue_records(), Lang::Zh, 100, 20);
    let lines = h.screen();
    assert_fits(&lines, 100);
    let column = |line: &str, needle: &str| {
        unicode_width::UnicodeWidthStr::width(&line[..line.find(needle).expect(needle)])
    };
    let header = &lines[1];
    let product_col = column(header, "产品");
    for line in lines.iter().filter(|l| l.contains("SQ000")) {
        let cell = ["平台商即时", "支付宝账户", "平台即时", "大额收付"]
            .iter()
            .find(|p| line.contains(*p))
            .expect("product shown");
        assert_eq!(column(line, cell), product_col, "{line}");
    }
}

#[test]
fn the_queue_at_a_large_size_in_english_shows_more_columns() {
    let mut h = Harness::new(&queue_records(), Lang::En, 160, 40);
    let lines = h.screen();
    assert_fits(&lines, 160);
    assert!(
        lines[1].contains("Due") && lines[1].contains("Age") && lines[1].contains("Reviewer"),
        "{}",
        lines[1]
    );
    assert!(lines[0].contains("pending 4"), "{}", lines[0]);
    assert!(
        lines.iter().any(|l| l.contains("Platform instant-to")),
        "{}",
        lines.join("\n")
    );
}

#[test]
fn the_detail_shows_everything_and_masks_the_password() {
    let mut h = Harness::new(&queue_records(), Lang::Zh, 80, 24);
    h.press(KeyCode::Char('G'));
    h.move_to("SQ0003", 'k');
    h.press(KeyCode::Enter);
    assert_eq!(h.app.screen, Screen::Detail);
    let first = h.text();
    assert!(
        first.contains("SQ0003") && first.contains("广州白云贸易有限公司"),
        "{first}"
    );
    assert!(first.contains("营业执照"), "{first}");
    let mut all = first.clone();
    for _ in 0..6 {
        h.press(KeyCode::PageDown);
        all.push_str(&h.text());
    }
    assert!(
        all.contains("非淘宝网店") && all.contains("不通过"),
        "{all}"
    );
    assert!(
        all.contains("••••••") && !all.contains("s3cret-pw"),
        "masked"
    );
    assert!(
        all.contains("审核记录") && all.contains("提交"),
        "history shown"
    );
    h.press(KeyCode::Char('v'));
    let mut revealed = String::new();
    h.press(KeyCode::Char('g'));
    for _ in 0..6 {
        revealed.push_str(&h.text());
        h.press(KeyCode::PageDown);
    }
    assert!(revealed.contains("s3cret-pw"), "revealed after v");
    let history = h.env.json(&["history", "SQ0003", "--json"]);
    assert!(
        history
            .as_array()
            .expect("entries")
            .iter()
            .any(|e| e["action"] == "reveal_password" && e["actor"] == "alice")
    );
}

#[test]
fn approve_in_two_keystrokes_then_the_next_opens() {
    let mut h = Harness::new(&queue_records(), Lang::En, 80, 24);
    h.select("SQ0002");
    h.press(KeyCode::Enter);
    let first = h.app.detail.as_ref().expect("detail").id().to_string();
    let second = h
        .app
        .queue
        .row(h.app.queue.selected + 1)
        .expect("row")
        .id
        .clone();
    h.press(KeyCode::Char('a'));
    assert!(matches!(h.app.overlay, Overlay::Confirm(_)));
    let dialog = h.text();
    assert!(
        dialog.contains("Approve") && dialog.contains("→"),
        "{dialog}"
    );
    h.press(KeyCode::Enter);
    assert_ne!(h.state_of(&first), "pending_review");
    assert_eq!(h.app.screen, Screen::Detail);
    assert_eq!(
        h.app.detail.as_ref().expect("next").id(),
        second,
        "the next application opens"
    );
}

#[test]
fn the_approve_confirmation_warns_of_failing_and_manual_checks() {
    let mut h = Harness::new(&queue_records(), Lang::En, 100, 30);
    h.move_to("SQ0003", 'j');
    h.press(KeyCode::Char('a'));
    let text = h.text();
    assert!(
        text.contains("failing checks: ") && text.contains("Not a Taobao shop"),
        "{text}"
    );
    assert!(
        text.contains("Approving attests") && text.contains("Website built"),
        "{text}"
    );
    h.press(KeyCode::Esc);
    assert!(matches!(h.app.overlay, Overlay::None));
    assert_eq!(
        h.state_of("SQ0003"),
        "pending_review",
        "cancelled: nothing written"
    );
}

#[test]
fn return_with_preselected_reasons_in_three_keystrokes() {
    let mut h = Harness::new(&queue_records(), Lang::Zh, 80, 24);
    h.move_to("SQ0003", 'j');
    h.press(KeyCode::Char('r'));
    let Overlay::Return(dialog) = &h.app.overlay else {
        panic!("return dialog")
    };
    let chosen: Vec<&str> = dialog
        .reasons
        .iter()
        .filter(|r| r.1)
        .map(|r| r.0.as_str())
        .collect();
    assert!(
        chosen.contains(&"taobao_shop") && chosen.contains(&"icp_missing"),
        "{chosen:?}"
    );
    let screen = h.screen();
    assert_fits(&screen, 80);
    assert!(
        screen
            .iter()
            .any(|l| l.contains("[x]") && l.contains("淘宝")),
        "{}",
        screen.join("\n")
    );
    h.press(KeyCode::Enter);
    h.press(KeyCode::Enter);
    assert_eq!(h.state_of("SQ0003"), "returned");
}

#[test]
fn return_with_a_chinese_message_and_a_note() {
    let mut h = Harness::new(&queue_records(), Lang::Zh, 80, 24);
    h.select("SQ0002");
    h.press(KeyCode::Char('r'));
    h.press(KeyCode::Char(' '));
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Char(' '));
    h.press(KeyCode::Enter);
    h.chars("请补充材料");
    h.press(KeyCode::Backspace);
    h.chars("料。");
    h.press(KeyCode::Tab);
    h.chars("内部备注");
    let screen = h.text();
    assert!(
        screen.contains("请补充材料。") && screen.contains("内部备注"),
        "{screen}"
    );
    h.press(KeyCode::Enter);
    let history = h.env.json(&["history", "SQ0002", "--json"]);
    let last = history
        .as_array()
        .expect("entries")
        .last()
        .expect("entry")
        .clone();
    assert_eq!(last["action"], "return");
    assert_eq!(last["message"], "请补充材料。");
    assert_eq!(last["note"], "内部备注");
    assert_eq!(last["reasons"].as_array().expect("reasons").len(), 2);
}

#[test]
fn a_return_needs_a_reason() {
    let mut h = Harness::new(&queue_records(), Lang::En, 80, 24);
    h.select("SQ0001");
    h.press(KeyCode::Char('r'));
    if let Overlay::Return(d) = &mut h.app.overlay {
        for r in d.reasons.iter_mut() {
            r.1 = false;
        }
    }
    h.press(KeyCode::Enter);
    assert!(
        h.app
            .status
            .as_ref()
            .is_some_and(|s| s.error && s.text.contains("at least one reason"))
    );
    assert!(matches!(h.app.overlay, Overlay::Return(_)));
}

#[test]
fn expire_is_refused_inside_the_window_and_done_after_it() {
    let mut records = queue_records();
    records.push(with(
        record("SQ0006"),
        &[
            ("/applicant/verified", json!(false)),
            ("/submitted_at", json!("2026-11-20T09:00:00+08:00")),
        ],
    ));
    let mut h = Harness::new(&records, Lang::En, 80, 24);
    h.move_to("SQ0006", 'j');
    h.press(KeyCode::Char('x'));
    assert!(
        h.app
            .status
            .as_ref()
            .is_some_and(|s| s.text.contains("15-day verification window")),
        "{:?}",
        h.app.status
    );
    assert_eq!(h.state_of("SQ0006"), "pending_verification");
    h.press(KeyCode::Char('g'));
    h.move_to("SQ0004", 'j');
    h.press(KeyCode::Char('x'));
    assert!(matches!(h.app.overlay, Overlay::Confirm(_)));
    h.press(KeyCode::Enter);
    assert_eq!(h.state_of("SQ0004"), "cancelled");
}

#[test]
fn judging_a_manual_check_is_recorded_and_changes_the_outcome() {
    let mut h = Harness::new(&queue_records(), Lang::En, 80, 24);
    h.select("SQ0001");
    h.press(KeyCode::Enter);
    let id = h.app.detail.as_ref().expect("detail").id().to_string();
    h.press(KeyCode::Char('m'));
    assert!(matches!(h.app.overlay, Overlay::Judge(_)));
    h.press(KeyCode::Char('f'));
    h.press(KeyCode::Tab);
    h.chars("site is a placeholder");
    h.press(KeyCode::Enter);
    let view = h.app.detail.as_ref().expect("detail");
    let website = view
        .checks
        .iter()
        .find(|c| c.id.id() == "website_built")
        .expect("check");
    assert_eq!(website.outcome.id(), "fail");
    assert!(
        view.suggested_reasons
            .contains(&"website_not_built".to_string()),
        "a failed judgement offers its reason"
    );
    let history = h.env.json(&["history", &id, "--json"]);
    let last = history
        .as_array()
        .expect("entries")
        .last()
        .expect("entry")
        .clone();
    assert_eq!(last["action"], "judge");
    assert_eq!(last["note"], "site is a placeholder");
}

#[test]
fn search_narrows_as_you_type_and_esc_clears() {
    let mut h = Harness::new(&queue_records(), Lang::Zh, 80, 24);
    h.press(KeyCode::Char('/'));
    assert_eq!(h.app.mode(), Mode::Search);
    h.chars("白云");
    assert_eq!(h.app.queue.total, Some(1));
    assert!(h.text().contains("广州白云贸易"));
    h.press(KeyCode::Enter);
    assert_eq!(h.app.mode(), Mode::Queue);
    h.press(KeyCode::Esc);
    assert_eq!(h.app.queue.total, Some(5));
    h.press(KeyCode::Char('/'));
    h.chars("SQ0005");
    assert_eq!(h.app.queue.total, Some(1));
    h.press(KeyCode::Esc);
    assert_eq!(h.app.queue.total, Some(5));
}

#[test]
fn filter_and_sort() {
    let mut h = Harness::new(&queue_records(), Lang::En, 80, 24);
    h.press(KeyCode::Char('f'));
    assert_eq!(h.app.mode(), Mode::Menu);
    let menu = h.text();
    assert!(
        menu.contains("overdue") && menu.contains("failing checks"),
        "{menu}"
    );
    // Down to the overdue filter, wherever the states before it put it.
    let overdue = h
        .app
        .filters
        .iter()
        .position(|f| *f == shenhe::review::queue::Filter::Overdue)
        .expect("an overdue filter");
    for _ in 0..overdue {
        h.press(KeyCode::Char('j'));
    }
    h.press(KeyCode::Enter);
    assert_eq!(h.app.filter_name(&h.app.filter), "overdue");
    assert_eq!(h.app.queue.total, Some(1));
    h.press(KeyCode::Char('f'));
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Enter);
    assert_eq!(
        h.app.queue.total,
        Some(2),
        "failing checks: the Taobao shop and the unverified account"
    );
    // Esc undoes one change at a time: back to overdue, then to all open.
    h.press(KeyCode::Esc);
    assert_eq!(h.app.filter_name(&h.app.filter), "overdue");
    h.press(KeyCode::Esc);
    assert_eq!(h.app.queue.total, Some(5));
    h.press(KeyCode::Char('s'));
    assert_eq!(h.app.sort, shenhe::review::queue::Sort::DueLatest);
    let first = h.app.queue.row(0).expect("row").id.clone();
    assert_eq!(first, "SQ0005", "latest due first");
}

#[test]
fn help_lists_every_key_of_the_screen() {
    let mut h = Harness::new(&queue_records(), Lang::En, 80, 24);
    h.press(KeyCode::Char('?'));
    let text = h.text();
    for key in [
        "Enter",
        "j/k",
        "g/G",
        "PgUp/PgDn",
        "Ctrl-d/Ctrl-u",
        "/",
        "f",
        "s",
        "a",
        "r",
        "x",
        "q",
        "Ctrl-c",
    ] {
        assert!(text.contains(key), "{key} missing from help:\n{text}");
    }
    h.press(KeyCode::Char('z'));
    assert!(matches!(h.app.overlay, Overlay::None));
    h.press(KeyCode::Enter);
    h.press(KeyCode::Char('?'));
    let text = h.text();
    for key in ["J/K", "n/p", "v", "m", "Esc"] {
        assert!(
            text.contains(key),
            "{key} missing from detail help:\n{text}"
        );
    }
}

/// Every key a mode acts on is on that mode's help, and the help screen of the queue and of
/// the detail shows each of its lines whole: the help is drawn from the keymap itself.
#[test]
fn help_lists_every_binding_the_keymap_handles() {
    use shenhe::console::keys::Key;
    let modes = [
        Mode::Queue,
        Mode::Search,
        Mode::Detail,
        Mode::Menu,
        Mode::Confirm,
        Mode::ConfirmText,
        Mode::ReturnReasons,
        Mode::ReturnText,
        Mode::JudgeList,
        Mode::JudgeText,
        Mode::Help,
        Mode::Stats,
        Mode::Bulk,
        Mode::ViewName,
    ];
    let mut codes: Vec<KeyCode> = (' '..='~').map(KeyCode::Char).collect();
    codes.extend([
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Tab,
        KeyCode::BackTab,
        KeyCode::Backspace,
        KeyCode::Delete,
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Left,
        KeyCode::Right,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::PageUp,
        KeyCode::PageDown,
        KeyCode::F(1),
    ]);
    let help = &shenhe::present::UI_EN.key_help;
    let mut checked = 0;
    for mode in modes {
        let listed: Vec<String> = keys::bindings(mode, help)
            .into_iter()
            .flat_map(|line| line.keys)
            .collect();
        for &code in &codes {
            for ctrl in [false, true] {
                let modifiers = if ctrl {
                    KeyModifiers::CONTROL
                } else {
                    KeyModifiers::NONE
                };
                match keys::action_for(mode, KeyEvent::new(code, modifiers)) {
                    None | Some(Action::Edit(_)) | Some(Action::CloseHelp) => {}
                    Some(action) => {
                        let name = Key { code, ctrl }.name();
                        assert!(
                            listed.contains(&name),
                            "{mode:?}: {name} does {action:?} but the help does not list it: {listed:?}"
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked > 100, "only {checked} bindings found");

    let mut h = Harness::new(&queue_records(), Lang::En, 80, 24);
    for (open, mode) in [(None, Mode::Queue), (Some(KeyCode::Enter), Mode::Detail)] {
        if let Some(code) = open {
            h.press(KeyCode::Esc);
            h.press(code);
        }
        h.press(KeyCode::Char('?'));
        let text = h.text();
        for line in keys::bindings(mode, help) {
            let (keys, what) = (line.keys.join("/"), line.what);
            assert!(
                text.lines().any(|l| l.contains(&keys) && l.contains(what)),
                "{mode:?}: `{keys}  {what}` missing from the help screen:\n{text}"
            );
        }
    }
}

#[test]
fn movement_keys() {
    let records: Vec<_> = long_queue(60);
    let mut h = Harness::new(&records, Lang::En, 80, 24);
    let height = h.app.table_height();
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Down);
    assert_eq!(h.app.queue.selected, 2);
    h.press(KeyCode::Char('k'));
    h.press(KeyCode::Up);
    h.press(KeyCode::Up);
    assert_eq!(h.app.queue.selected, 0);
    h.press(KeyCode::PageDown);
    assert_eq!(h.app.queue.selected, height);
    h.press(KeyCode::PageUp);
    assert_eq!(h.app.queue.selected, 0);
    h.press_with(KeyCode::Char('d'), KeyModifiers::CONTROL);
    assert_eq!(h.app.queue.selected, height / 2);
    h.press_with(KeyCode::Char('u'), KeyModifiers::CONTROL);
    assert_eq!(h.app.queue.selected, 0);
    h.press(KeyCode::Char('G'));
    assert_eq!(h.app.queue.selected, 59);
    assert!(h.text().contains("60/60"));
    h.press(KeyCode::Char('g'));
    assert_eq!(h.app.queue.selected, 0);
    h.press(KeyCode::Enter);
    let first = h.app.detail.as_ref().expect("detail").id().to_string();
    h.press(KeyCode::Char('J'));
    let second = h.app.detail.as_ref().expect("detail").id().to_string();
    assert_ne!(first, second);
    h.press(KeyCode::Char('n'));
    h.press(KeyCode::Char('p'));
    assert_eq!(h.app.detail.as_ref().expect("detail").id(), second);
    h.press(KeyCode::Char('K'));
    assert_eq!(h.app.detail.as_ref().expect("detail").id(), first);
    h.press(KeyCode::Esc);
    assert_eq!(h.app.screen, Screen::Queue);
    h.press(KeyCode::Char('q'));
    assert!(h.app.quit);
}

#[test]
fn ctrl_c_quits_from_anywhere() {
    let mut h = Harness::new(&queue_records(), Lang::En, 80, 24);
    h.press(KeyCode::Char('r'));
    h.press(KeyCode::Enter);
    h.press_with(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert!(h.app.quit);
    assert_eq!(
        keys::action_for(
            Mode::Search,
            KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)
        ),
        Some(Action::ForceQuit)
    );
}

#[test]
fn a_decision_made_elsewhere_is_reported_and_nothing_is_overwritten() {
    let mut h = Harness::new(&queue_records(), Lang::En, 80, 24);
    h.select("SQ0001");
    h.press(KeyCode::Enter);
    let id = h.app.detail.as_ref().expect("detail").id().to_string();
    // Bob decides it from the command line while Alice has it open.
    let out = h
        .env
        .command()
        .args(["return", &id, "--reason", "materials_not_genuine"])
        .output()
        .expect("run");
    assert!(out.status.success());
    h.press(KeyCode::Char('a'));
    h.press(KeyCode::Enter);
    let status = h.app.status.clone().expect("status");
    assert!(
        status.error && status.text.contains("already decided by"),
        "{status:?}"
    );
    assert_eq!(h.state_of(&id), "returned", "not overwritten");
}

/// `G` in the detail keeps its end in view when the detail grows afterwards (it was still
/// arriving, or someone else's change lengthened its history).
#[test]
fn the_end_of_a_detail_stays_in_view_when_it_grows() {
    let mut h = Harness::new(&queue_records(), Lang::En, 80, 24);
    h.select("SQ0001");
    h.press(KeyCode::Enter);
    let id = h.app.detail.as_ref().expect("detail").id().to_string();
    h.press(KeyCode::Char('G'));
    let footer = |h: &mut Harness| h.screen().last().cloned().unwrap_or_default();
    assert!(
        footer(&mut h).trim_end().ends_with("100%"),
        "{}",
        footer(&mut h)
    );
    for check in ["website_built", "website_built"] {
        let out = h
            .env
            .command()
            .args(["judge", &id, check, "pass", "--note", "看过网站，内容完整"])
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let before = h.app.detail_lines;
    h.poll();
    let _ = h.screen();
    assert!(
        h.app.detail_lines > before,
        "the history grew: {before} → {}",
        h.app.detail_lines
    );
    assert!(
        footer(&mut h).trim_end().ends_with("100%"),
        "{}",
        footer(&mut h)
    );
    // A move up leaves the end: the next growth does not pull the view down.
    h.press(KeyCode::Char('k'));
    assert!(!footer(&mut h).trim_end().ends_with("100%"));
}

#[test]
fn another_reviewers_claim_is_shown_and_next_skips_it() {
    let env = Env::new();
    env.import_records(&queue_records());
    let mut bob = review_as(&env, "bob");
    let ids: Vec<String> = env.json(&["list", "--json"])["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect();
    assert!(bob.claim(&ids[1]).expect("claim").is_none());
    let mut h = Harness::on(env, "alice", Lang::En, 120, 24);
    let text = h.text();
    let row = text.lines().find(|l| l.contains(&ids[1])).expect("row");
    assert!(row.starts_with('@') || row.contains("bob"), "{row}");
    h.press(KeyCode::Enter);
    h.press(KeyCode::Char('J'));
    assert_eq!(
        h.app.detail.as_ref().expect("detail").id(),
        ids[2],
        "next skips the claimed one"
    );
    h.press(KeyCode::Char('K'));
    assert_eq!(h.app.detail.as_ref().expect("detail").id(), ids[0]);
    // Opening it anyway shows who has it, and deciding warns first.
    h.press(KeyCode::Esc);
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Enter);
    assert!(h.text().contains("being reviewed by bob"));
    h.press(KeyCode::Char('a'));
    assert!(h.text().contains("another reviewer has this open"));
}

#[test]
fn live_changes_appear_without_a_keypress_and_keep_the_selection() {
    let mut h = Harness::new(&queue_records(), Lang::En, 80, 24);
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Char('j'));
    let selected = h.app.queue.selected_row().expect("row").id.clone();
    let newer = with(
        record("SQ9999"),
        &[("/submitted_at", json!("2026-11-10T09:00:00+08:00"))],
    );
    h.env.import_records(&[newer]);
    h.poll();
    assert_eq!(h.app.queue.total, Some(6));
    assert!(h.text().contains("SQ9999"));
    assert_eq!(
        h.app.queue.selected_row().expect("row").id,
        selected,
        "still on the same application"
    );
}

#[test]
fn a_refresh_that_lands_after_a_move_keeps_the_move() {
    let mut h = Harness::new(&queue_records(), Lang::En, 80, 24);
    let ids: Vec<String> = h.app.queue.rows.iter().map(|r| r.id.clone()).collect();
    h.press(KeyCode::Enter);
    assert_eq!(h.app.detail.as_ref().expect("detail").id(), ids[0]);
    // A change elsewhere: the console asks for its rows again, remembering the selection.
    let reload = h.app.apply(Response::Changed);
    // The reviewer presses "next" before those rows arrive.
    h.press(KeyCode::Char('J'));
    assert_eq!(h.app.detail.as_ref().expect("detail").id(), ids[1]);
    h.pump(reload);
    assert_eq!(
        h.app.queue.selected_row().expect("row").id,
        ids[1],
        "the refresh must not take the selection back to where it was asked"
    );
    h.press(KeyCode::Char('J'));
    assert_eq!(h.app.detail.as_ref().expect("detail").id(), ids[2]);
}

#[test]
fn a_new_sort_starts_at_the_top_even_with_a_refresh_under_way() {
    let mut h = Harness::new(&queue_records(), Lang::En, 80, 24);
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Char('s'));
    assert_eq!(h.app.queue.selected, 0);
    h.press(KeyCode::Char('j'));
    h.press(KeyCode::Char('j'));
    assert_eq!(h.app.queue.selected, 2);
    let reload = h.app.apply(Response::Changed);
    h.press(KeyCode::Char('s'));
    h.pump(reload);
    assert_eq!(
        h.app.queue.selected, 0,
        "as it does with no refresh under way"
    );
}

#[test]
fn hostile_text_never_reaches_the_frame_raw() {
    let nasty = "\u{1b}[2J\u{1b}]52;c;ZXZpbA==\u{7}\u{9b}31m\u{202e}gnp.exe\u{200b}\u{7f}X";
    let records = vec![with(
        record("EVIL1"),
        &[
            ("/applicant/name", json!(nasty)),
            ("/website/url", json!(format!("https://x.com/{nasty}"))),
            ("/applicant/contact", json!(nasty)),
        ],
    )];
    let mut h = Harness::new(&records, Lang::En, 80, 24);
    let mut frames = h.text();
    h.press(KeyCode::Enter);
    frames.push_str(&h.text());
    for c in frames.chars() {
        let code = c as u32;
        assert!(
            !(code < 0x20 && c != '\n') && code != 0x7f && !(0x80..0xa0).contains(&code),
            "control {code:#x} reached the frame"
        );
        assert!(
            !matches!(code, 0x202a..=0x202e | 0x2066..=0x2069 | 0x200b..=0x200f),
            "invisible {code:#x} reached the frame"
        );
    }
    assert!(
        frames.contains('␛') && frames.contains("<U+202E>"),
        "{frames}"
    );
}

#[test]
fn resize_keeps_the_selection_visible() {
    let records: Vec<_> = (0..40).map(|i| record(&format!("R{i:03}"))).collect();
    let mut h = Harness::new(&records, Lang::Zh, 80, 24);
    h.press(KeyCode::Char('G'));
    let requests = h.app.resize(60, 10);
    h.pump(requests);
    h.terminal.backend_mut().resize(60, 10);
    let lines = h.screen();
    assert_fits(&lines, 60);
    // The last row stays selected, and on the smaller screen.
    let selected = h.app.queue.selected_row().expect("row").id.clone();
    assert_eq!(selected, "R039");
    assert!(
        lines.iter().any(|l| l.contains(&selected)),
        "{}",
        lines.join("\n")
    );
    assert!(lines.last().expect("footer").contains("40/40"));
}

#[test]
fn a_decision_key_in_the_queue_claims_only_until_the_dialog_is_left() {
    let mut h = Harness::new(&queue_records(), Lang::En, 80, 24);
    let claimed = |h: &Harness, id: &str| h.env.json(&["show", id, "--json"])["claimed_by"].clone();
    h.select("SQ0001");
    h.press(KeyCode::Char('a'));
    assert!(matches!(h.app.overlay, Overlay::Confirm(_)));
    assert_eq!(claimed(&h, "SQ0001"), "alice");
    h.press(KeyCode::Esc);
    assert!(claimed(&h, "SQ0001").is_null(), "cancelled: released");
    h.press(KeyCode::Char('r'));
    assert!(matches!(h.app.overlay, Overlay::Return(_)));
    h.press(KeyCode::Esc);
    assert!(claimed(&h, "SQ0001").is_null(), "cancelled: released");
    // Refused before any dialog: SQ0005 is in the queue, but cannot be expired.
    h.select("SQ0005");
    h.press(KeyCode::Char('x'));
    assert!(h.app.status.as_ref().is_some_and(|s| s.error));
    assert!(claimed(&h, "SQ0005").is_null(), "refused: released");
    // From the detail, the claim is the detail's: leaving the dialog keeps it.
    h.press(KeyCode::Enter);
    h.press(KeyCode::Char('a'));
    h.press(KeyCode::Esc);
    assert_eq!(h.app.screen, Screen::Detail);
    assert_eq!(claimed(&h, "SQ0005"), "alice");
}

/// A page shorter than asked ends the queue there, whatever the count said: the console
/// once asked again and again for rows a stale count promised (found when a filter's
/// total came from the kept counters and its rows from a narrower query).
#[test]
fn a_short_page_ends_the_queue_and_nothing_is_asked_again() {
    let mut h = Harness::new(&queue_records(), Lang::En, 80, 24);
    let generation = h.app.queue.generation;
    let rows = h.app.queue.rows.clone();
    assert!(rows.len() >= 3, "{} rows", rows.len());
    h.app.queue.requested = Some((0, 60));
    let asked = h.app.apply(Response::Window {
        generation,
        offset: 0,
        rows: rows[..2].to_vec(),
        total: rows.len() as u64 + 10,
    });
    assert_eq!(h.app.queue.total, Some(2));
    assert!(
        !asked.iter().any(|r| matches!(r, Request::Window { .. })),
        "no window asked again: {asked:?}"
    );
}
