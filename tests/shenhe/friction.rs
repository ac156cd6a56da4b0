//! Issue 15, "a reviewer's whole day, without friction": each numbered item through the
//! real console in a pseudo-terminal (see `pty` for the driver).

use serde_json::Value;

use crate::console::queue_records;
use crate::pty::*;

fn actions_by(env: &crate::common::Env, id: &str, actor: &str) -> Vec<String> {
    history(env, id)
        .iter()
        .filter(|e| e["actor"] == actor)
        .map(|e| e["action"].as_str().unwrap_or("").to_string())
        .collect()
}

fn claimed_by(env: &crate::common::Env, id: &str) -> Value {
    env.json(&["show", id, "--json"])["claimed_by"].clone()
}

/// Item 1. Two reviewers open the same application; alice approves; bob, in Chinese, with his
/// confirmation open, is told at once who decided it, when and into what, in his language,
/// and confirming a moment later writes nothing for him (no claim override either).
#[test]
fn pty_race_the_loser_is_told_who_decided_and_writes_nothing() {
    let env = env_with(&queue_records());
    let mut alice = Console::start(&env, Opts::default());
    let mut bob = Console::start(
        &env,
        Opts {
            reviewer: "bob",
            lang: "zh_CN.UTF-8",
            ..Opts::default()
        },
    );
    alice.wait_footer("1/5");
    bob.wait_footer("1/5");
    bob.open("SQ0001");
    bob.send("a");
    bob.wait_text("Enter 确认");

    alice.open("SQ0001");
    alice.send("a");
    alice.wait_text("another reviewer has this open");
    alice.send(ENTER);
    alice.wait_text("SQ0001 approved → pending integration");

    // Bob has pressed nothing: his console read the change and says who won.
    let said = "SQ0001 已由 alice 于 2026-11-24 10:00:00 处理（现为待集成）；未做任何更改";
    let rows = bob.wait_text("已由 alice");
    assert!(
        rows.iter().any(|r| r.contains(said)),
        "whole, in Chinese:\n{}",
        rows.join("\n")
    );
    // He confirms anyway, a moment later: refused in the same words, nothing written.
    bob.send(ENTER);
    bob.wait_for("the dialog gone and the refusal shown", |rows| {
        !rows.iter().any(|r| r.contains("Enter 确认")) && rows.iter().any(|r| r.contains(said))
    });
    // Alice's decision released the claims: nobody is shown holding it.
    wait_until("no claim left on the decided application", || {
        claimed_by(&env, "SQ0001").is_null()
    });
    assert_restored(&quit(bob), "q in bob's console");
    assert_restored(&quit(alice), "q in alice's console");

    assert_eq!(env.state_of("SQ0001"), "pending_integration");
    assert_eq!(actions_by(&env, "SQ0001", "bob"), Vec::<String>::new());
    assert_eq!(
        actions_by(&env, "SQ0001", "alice"),
        ["approve", "claim_override"],
        "alice overrode bob's claim, after her decision was written"
    );
}

/// Item 2. A paste is text, never keys: a pasted newline is a line of the message, not Enter;
/// Ctrl-j adds a line by hand; Enter sends. The terminal is asked for bracketed paste and
/// given it back off.
#[test]
fn pty_a_pasted_newline_is_a_line_of_the_message_not_enter() {
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
    c.wait_text("[x] 申请的网站为淘宝");
    c.send(ENTER);
    c.send("\x1b[200~第一行说明\r\n第二行说明\x1b[201~");
    c.wait_text("第一行说明↵第二行说明");
    assert_eq!(env.state_of("SQ0003"), "pending_review", "nothing sent yet");
    // Ctrl-j: a line by hand; then a paste with a newline only and typed text.
    c.send("\x0a第三行");
    c.wait_text("第二行说明↵第三行");
    assert_eq!(env.state_of("SQ0003"), "pending_review", "nothing sent yet");
    c.send(ENTER);
    c.wait_text("SQ0003 已退回");
    let done = quit(c);
    assert_restored(&done, "q");
    let on = find(&done.raw, b"\x1b[?2004h").expect("bracketed paste asked for");
    let off = find(&done.raw, b"\x1b[?2004l").expect("bracketed paste given back");
    let left = find(&done.raw, b"\x1b[?1049l").expect("the alternate screen left");
    assert!(
        on < off && off < left,
        "off before the alternate screen is left"
    );

    let last = history(&env, "SQ0003").pop().expect("an entry");
    assert_eq!(last["action"], "return");
    assert_eq!(last["message"], "第一行说明\n第二行说明\n第三行");
}

/// Item 3. At 80 columns who has an application open is readable: in the queue (an
/// overdue row keeps its `!` and says `@bob` too) and whole in the detail's header; once
/// bob has decided, no console shows his claim any more.
#[test]
fn pty_who_has_it_open_is_readable_at_80_columns_and_gone_after_the_decision() {
    let env = env_with(&queue_records());
    let mut alice = Console::start(
        &env,
        Opts {
            lang: "zh_CN.UTF-8",
            ..Opts::default()
        },
    );
    let mut bob = Console::start(
        &env,
        Opts {
            reviewer: "bob",
            ..Opts::default()
        },
    );
    alice.wait_footer("1/5");
    bob.wait_footer("1/5");
    bob.open("SQ0002");
    let rows = alice.wait_for("bob on the overdue row", |rows| {
        rows.iter()
            .any(|r| r.starts_with("! SQ0002") && r.contains("@bob"))
    });
    assert!(
        rows.iter().any(|r| r.contains("深圳")),
        "the merchant still shows:\n{}",
        rows.join("\n")
    );
    alice.search("SQ0002");
    alice.send(ENTER);
    let rows = alice.wait_for("the detail's header", |rows| {
        rows.first().is_some_and(|r| r.starts_with(" SQ0002 "))
    });
    assert!(
        rows[0].contains("[待审核]") && rows[0].ends_with("⚑ 正在审核：bob"),
        "the whole claim in the header: {:?}",
        rows[0]
    );

    bob.send("a");
    bob.wait_text("Enter confirm");
    bob.send(ENTER);
    bob.wait_text("SQ0002 approved");
    alice.wait_for("the decision in alice's header, with no claim", |rows| {
        rows.first()
            .is_some_and(|r| r.contains("[待集成]") && !r.contains("正在审核"))
    });
    wait_until("no claim left", || claimed_by(&env, "SQ0002").is_null());
    assert_restored(&quit(alice), "q in alice's console");
    assert_restored(&quit(bob), "q in bob's console");
}

/// Item 4. The judge dialog keeps every verdict made in it: `m p j f Enter` records two
/// judgements, one a pass and one a fail, in one trip.
#[test]
fn pty_the_judge_dialog_keeps_every_verdict() {
    let goods_unknown = crate::common::with(
        crate::common::record("SQ0009"),
        &[("/goods", serde_json::json!([]))],
    );
    let env = env_with(&[goods_unknown]);
    let mut c = Console::start(&env, Opts::default());
    c.wait_footer("1/1");
    c.open("SQ0009");
    c.send("m");
    c.wait_text("Judge");
    c.send("p");
    c.wait_text("→ pass");
    c.send("j");
    c.send("f");
    let rows = c.wait_text("→ fail");
    assert!(
        rows.iter().any(|r| r.contains("→ pass")),
        "the first verdict is still there:\n{}",
        rows.join("\n")
    );
    c.send(ENTER);
    c.wait_text("judgement recorded");
    assert_restored(&quit(c), "q");
    let judged: Vec<String> = history(&env, "SQ0009")
        .iter()
        .filter(|e| e["action"] == "judge")
        .map(|e| e["detail"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(judged.len(), 2, "{judged:?}");
    assert!(
        judged[0].ends_with(": pass") && judged[1].ends_with(": fail"),
        "{judged:?}"
    );
}

/// Item 6. Filters and sorts have letters (`f o`: overdue in two keys), the header says
/// the active filter and sort even at 80 columns, and `Esc` undoes one change at a time.
#[test]
fn pty_filter_and_sort_by_letter_shown_in_the_header_and_undone_one_at_a_time() {
    let env = env_with(&queue_records());
    let mut c = Console::start(
        &env,
        Opts {
            lang: "zh_CN.UTF-8",
            ..Opts::default()
        },
    );
    c.wait_footer("1/5");
    c.send("f");
    let menu = c.wait_text("o 超期");
    assert!(
        menu.iter().any(|r| r.contains("S 按提交时间")),
        "the sorts with their letters:\n{}",
        menu.join("\n")
    );
    c.send("o");
    let rows = c.wait_footer("1/1");
    assert!(rows[0].contains("超期"), "{}", rows[0]);
    c.send("f");
    c.wait_text("o 超期");
    c.send("S");
    let rows = c.wait_for("the sort in the header", |rows| {
        rows[0].contains("按提交时间")
    });
    assert!(
        rows[0].contains("待审核 4") && rows[0].ends_with("超期 · 按提交时间"),
        "the counts and the filter and sort whole at 80 columns: {:?}",
        rows[0]
    );
    c.send("/");
    c.send("SQ0002");
    c.wait_text("/SQ0002");
    c.send(ENTER);
    // Esc: the search, then the sort, then the filter.
    c.esc();
    c.wait_for("the search undone", |rows| {
        !rows[0].contains("/SQ0002") && rows[0].contains("按提交时间")
    });
    c.esc();
    c.wait_for("the sort undone", |rows| {
        !rows[0].contains("按提交时间") && rows[0].contains("筛选: 超期")
    });
    c.esc();
    c.wait_for("the filter undone", |rows| rows[0].contains("全部待处理"));
    c.wait_footer("1/5");
    assert_restored(&quit(c), "q");
}

/// Item 7. A decided application searched from the default view: the console says in
/// which state it is and how to show it, and `/` id Enter Enter opens it there.
#[test]
fn pty_a_decided_application_is_found_from_the_default_view() {
    let env = env_with(&queue_records());
    env.ok(&["approve", "SQ0001"]);
    for (lang, said, header) in [
        (
            "en_US.UTF-8",
            "SQ0001 is not under this filter: it is pending integration. Enter opens it",
            "[pending integration]",
        ),
        (
            "zh_CN.UTF-8",
            "SQ0001 不在此筛选中：当前为待集成。按 Enter 打开",
            "[待集成]",
        ),
    ] {
        let mut c = Console::start(
            &env,
            Opts {
                lang,
                ..Opts::default()
            },
        );
        c.wait_footer("1/4");
        c.send("/SQ0001");
        c.wait_text(said);
        c.send(ENTER);
        c.send(ENTER);
        c.wait_for("the decided application's detail", |rows| {
            rows[0].starts_with(" SQ0001 ") && rows[0].contains(header)
        });
        assert_restored(&quit(c), "q");
    }
}

/// Item 9. One language: the Chinese detail's history says its actions, states and
/// judgements in Chinese; Esc closes (关闭) where x cancels (取消) an order; a verdict
/// is 通过 as the checks say; English check names are whole.
#[test]
fn pty_the_chinese_console_speaks_chinese_and_english_names_are_whole() {
    let env = env_with(&queue_records());
    let mut c = Console::start(
        &env,
        Opts {
            lang: "zh_CN.UTF-8",
            ..Opts::default()
        },
    );
    c.wait_footer("1/5");
    assert!(c.text().contains("x 取消"), "{}", c.text());
    c.open("SQ0001");
    c.send("m");
    let rows = c.wait_text("Esc 关闭");
    assert!(
        rows.iter().any(|r| r.contains("p 通过")),
        "{}",
        rows.join("\n")
    );
    c.send("p");
    c.wait_text("→ 通过");
    c.send(ENTER);
    c.wait_text("已记录人工检查");
    c.send("G");
    let rows = c.wait_text("网站已建成：通过");
    let text = rows.join("\n");
    for said in ["提交", "→ 待审核", "网站已建成：通过"] {
        assert!(text.contains(said), "{said} in the history:\n{text}");
    }
    for english in [
        "submit",
        "judge",
        "pending_review",
        "website_built",
        ": pass",
    ] {
        assert!(
            !text.contains(english),
            "{english} in the Chinese detail:\n{text}"
        );
    }
    assert_restored(&quit(c), "q");

    let mut c = Console::start(&env, Opts::default());
    c.wait_footer("1/5");
    c.open("SQ0003");
    let mut seen = c.text();
    assert!(
        seen.contains("real-name verified ") && seen.contains("legal representative "),
        "the labels whole:\n{seen}"
    );
    while !seen.contains("Checks") {
        let before = c.text();
        c.send(" ");
        let rows = c.wait_for("a page further", |rows| rows.join("\n") != before);
        seen = rows.join("\n");
    }
    assert!(
        seen.contains("Real-name verification") && !seen.contains("…"),
        "the check names whole:\n{seen}"
    );
    assert_restored(&quit(c), "q");
}

/// Item 10. `v` says the password where the reviewer looks and the history shows the
/// reveal; `G` and wrap-around reach "other" in the return dialog at once; the help
/// explains the markers.
#[test]
fn pty_reveal_feedback_list_ends_and_the_markers_explained() {
    let env = env_with(&queue_records());
    let mut c = Console::start(
        &env,
        Opts {
            lang: "zh_CN.UTF-8",
            ..Opts::default()
        },
    );
    c.wait_footer("1/5");
    c.send("?");
    let rows = c.wait_text("✗n n 项检查不通过");
    let help = rows.join("\n");
    for said in ["@ 他人正在审核", "?n n 项待人工检查", "◂ 退回对话框中"] {
        assert!(help.contains(said), "{said} in the help:\n{help}");
    }
    c.send("x");
    c.wait_for("the help closed", |rows| {
        !rows.iter().any(|r| r.contains("✗n"))
    });

    c.open("SQ0001");
    // The password's line is below the first screen: the footer says it.
    assert!(!c.text().contains("测试密码"), "{}", c.text());
    c.send("v");
    c.wait_text("测试密码（已记入审核记录）：s3cret-pw");
    c.send("G");
    c.wait_text("查看测试密码");

    c.send("r");
    c.wait_text("其他原因");
    c.send("G ");
    c.wait_text("[x] 其他原因");
    c.send("gk ");
    c.wait_text("[ ] 其他原因");
    c.esc();
    c.wait_for("the dialog closed", |rows| {
        !rows.iter().any(|r| r.contains("其他原因"))
    });
    assert_restored(&quit(c), "q");
    let actions: Vec<String> = history(&env, "SQ0001")
        .iter()
        .map(|e| e["action"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        actions.contains(&"reveal_password".to_string()),
        "{actions:?}"
    );
}

/// Item 5's word. Business days are 工作日 in the queue as in the detail (天 is a
/// calendar day: the verification window, the age).
#[test]
fn pty_business_days_are_one_word_in_the_queue_and_the_detail() {
    let env = env_with(&queue_records());
    let mut c = Console::start(
        &env,
        Opts {
            lang: "zh_CN.UTF-8",
            ..Opts::default()
        },
    );
    let rows = c.wait_footer("1/5");
    let sq3 = rows.iter().find(|r| r.contains("SQ0003")).expect("SQ0003");
    assert!(sq3.contains("1工作日13时"), "{sq3}");
    let sq2 = rows.iter().find(|r| r.contains("SQ0002")).expect("SQ0002");
    assert!(sq2.contains("超期1工作日"), "{sq2}");
    // Item 8: at 80 columns a product too long for its column has its short name.
    assert!(
        sq3.contains(" 平台即时 ") && !sq3.contains("平台商即时…"),
        "{sq3}"
    );
    let sq5 = rows.iter().find(|r| r.contains("SQ0005")).expect("SQ0005");
    assert!(sq5.contains(" 大额收付 "), "{sq5}");
    c.open("SQ0003");
    let rows = c.wait_text("个工作日");
    assert!(rows[0].contains("剩1个工作日13小时"), "{}", rows[0]);
    assert_restored(&quit(c), "q");
}

/// Item 8. At 200×50 the queue and the selected application's detail are side by side,
/// the detail following the cursor without claiming; below 80×24 the console says so.
#[test]
fn pty_side_by_side_at_200x50_and_too_small_said() {
    let env = env_with(&queue_records());
    let mut c = Console::start(
        &env,
        Opts {
            cols: 200,
            rows: 50,
            ..Opts::default()
        },
    );
    let rows = c.wait_for("the first row's detail beside the queue", |rows| {
        rows[0].contains(" SQ0004 ") && rows[1].contains("ID")
    });
    assert!(
        rows[0].contains("pending 4") && rows[0].contains("│  SQ0004 "),
        "the counts and the detail on one row: {:?}",
        rows[0]
    );
    assert!(
        rows.iter().any(|r| r.contains("Applicant")),
        "{}",
        rows.join("\n")
    );
    c.send("j");
    c.wait_for("the detail following the cursor", |rows| {
        rows[0].contains("│  SQ0002 ")
    });
    assert!(claimed_by(&env, "SQ0002").is_null(), "read, not claimed");
    // Enter still opens the whole detail (and claims it).
    c.send(ENTER);
    c.wait_for("the whole detail", |rows| rows[0].starts_with(" SQ0002 "));
    wait_until("claimed on Enter", || claimed_by(&env, "SQ0002") == "alice");
    c.esc();
    c.wait_for("side by side again", |rows| rows[0].contains("│  SQ0002 "));

    c.resize(70, 20);
    c.wait_text("terminal 70×20: needs at least 80×24");
    c.resize(80, 24);
    c.wait_footer("2/5");
    assert_restored(&quit(c), "q");
}

/// Beyond: `y` copies the id and `Y` the website's address with OSC 52 (base64, so that
/// nothing in it acts on the terminal), and the footer says what was copied.
#[test]
fn pty_y_and_capital_y_copy_the_id_and_the_url_with_osc_52() {
    let env = env_with(&queue_records());
    let mut c = Console::start(&env, Opts::default());
    c.wait_footer("1/5");
    c.open("SQ0001");
    c.send("y");
    c.wait_text("copied to the clipboard: SQ0001");
    c.send("Y");
    let url = "https://www.yunqi-tech.com".to_string();
    c.wait_text(&format!("copied to the clipboard: {url}"));
    let done = quit(c);
    assert_restored(&done, "q");
    for text in ["SQ0001", url.as_str()] {
        let osc = format!(
            "\x1b]52;c;{}\x07",
            shenhe::console::screen::base64(text.as_bytes())
        );
        assert!(
            find(&done.raw, osc.as_bytes()).is_some(),
            "OSC 52 with {text} in the output"
        );
    }
}

/// Item 9, the command line: with `--lang zh` its refusals are in Chinese, in the words
/// the console uses; with `--lang en` or an English locale, English.
#[test]
fn cli_refusals_follow_lang_zh() {
    let env = env_with(&queue_records());
    env.ok(&["approve", "SQ0001"]);
    let zh = env.fails(&["--lang", "zh", "approve", "SQ0001"]);
    assert!(
        zh.contains("SQ0001 已由 ") && zh.contains("（现为待集成）；未做任何更改"),
        "{zh}"
    );
    let en = env.fails(&["approve", "SQ0001"]);
    assert!(en.contains("SQ0001 was already decided by "), "{en}");
    assert_eq!(env.state_of("SQ0001"), "pending_integration");
}

/// Item 9, the command line whole: `list`, `show`, `history`, a decision and `import` speak
/// Chinese with `--lang zh` or a Chinese locale (`LC_ALL` before `LC_MESSAGES` before
/// `LANG`, as everywhere); `--json` is the same in every language.
#[test]
fn the_command_line_speaks_the_locales_language() {
    let env = env_with(&queue_records());
    let zh_locale = |args: &[&str], vars: &[(&str, &str)]| {
        let mut cmd = env.command();
        cmd.args(args);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run shenhe");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            crate::common::stderr(&out)
        );
        crate::common::stdout(&out)
    };
    let list = env.ok(&["--lang", "zh", "list", "--limit", "3"]);
    assert!(
        list.contains("订单号") && list.contains("商户") && list.contains("待审核"),
        "{list}"
    );
    assert!(
        !list.contains("MERCHANT") && !list.contains("pending_review"),
        "{list}"
    );
    let by_locale = zh_locale(&["list", "--limit", "3"], &[("LANG", "zh_CN.UTF-8")]);
    assert_eq!(by_locale, list, "LANG=zh_CN is --lang zh");
    let c_wins = zh_locale(
        &["list", "--limit", "3"],
        &[("LANG", "zh_CN.UTF-8"), ("LC_ALL", "C")],
    );
    assert!(
        c_wins.contains("MERCHANT"),
        "LC_ALL=C wins over LANG: {c_wins}"
    );
    let flag_wins = zh_locale(
        &["--lang", "en", "list", "--limit", "3"],
        &[("LANG", "zh_CN.UTF-8")],
    );
    assert!(
        flag_wins.contains("MERCHANT"),
        "--lang wins over the locale"
    );

    let show = env.ok(&["--lang", "zh", "show", "SQ0001"]);
    for word in [
        "状态",
        "申请人",
        "材料",
        "资格检查",
        "审核记录",
        "截止时间",
        "待审核",
    ] {
        assert!(show.contains(word), "{word}: {show}");
    }
    for word in [
        "Applicant",
        "Materials",
        "real-name verified",
        "pending_review",
    ] {
        assert!(!show.contains(word), "{word} in the Chinese show: {show}");
    }
    let json_zh = env.ok(&["--lang", "zh", "show", "SQ0001", "--json"]);
    assert_eq!(
        json_zh,
        env.ok(&["show", "SQ0001", "--json"]),
        "JSON has no language"
    );

    let approved = env.ok(&["--lang", "zh", "approve", "SQ0001"]);
    assert_eq!(approved.trim(), "SQ0001: 待审核 → 待集成");
    let history = env.ok(&["--lang", "zh", "history", "SQ0001"]);
    assert!(
        history.contains("通过") && history.contains("待审核 → 待集成"),
        "{history}"
    );
    let imported = {
        let file = env.path("one.ndjson");
        crate::common::write_ndjson(&file, &[crate::fixtures::record("ZH1")]);
        env.ok(&["--lang", "zh", "import", file.to_str().unwrap()])
    };
    assert_eq!(
        imported.trim(),
        "已导入：新申请 1 个，重新提交 0 个，完成认证 0 个，未变 0 个"
    );
}

/// Beyond: a returned application that comes back opens with the return it answers and
/// every field changed since, old → new; the test password only as changed.
mod since_return {
    use ratatui::crossterm::event::KeyCode;
    use serde_json::json;
    use shenhe::present::Lang;

    use crate::common::Env;
    use crate::console::Harness;
    use crate::fixtures::{record, with};

    fn returned_and_resubmitted() -> Env {
        let env = Env::new();
        env.import_records(&[record("RT1"), record("RT2")]);
        env.ok(&[
            "return",
            "RT1",
            "--reason",
            "website_not_built",
            "--message",
            "网站尚未建成，请建成后再提交",
        ]);
        let back = with(
            record("RT1"),
            &[
                ("/submitted_at", json!("2026-11-23T10:00:00+08:00")),
                ("/website/url", json!("https://www.new-shop.example")),
                ("/website/test_password", json!("a-new-secret-9")),
            ],
        );
        assert!(env.import_records(&[back]).contains("1 resubmitted"));
        env
    }

    #[test]
    fn show_says_the_return_and_what_changed() {
        let env = returned_and_resubmitted();
        let shown = env.json(&["show", "RT1", "--json"]);
        let since = &shown["since_return"];
        assert_eq!(since["reasons"], json!(["website_not_built"]), "{since}");
        assert_eq!(since["message"], "网站尚未建成，请建成后再提交");
        assert_eq!(since["revision"], 1);
        let changes = since["changes"].as_array().expect("changes");
        let fields: Vec<&str> = changes
            .iter()
            .map(|c| c["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["website.test_password", "website.url"], "{since}");
        assert_eq!(changes[1]["after"], "https://www.new-shop.example");
        assert_ne!(changes[1]["before"], changes[1]["after"]);
        assert_eq!(changes[0]["hidden"], true);
        assert!(changes[0]["before"].is_null() && changes[0]["after"].is_null());
        let text = env.ok(&["show", "RT1"]);
        assert!(!text.contains("a-new-secret-9"), "{text}");
        assert!(
            text.lines()
                .nth(1)
                .is_some_and(|l| l.starts_with("Since root returned it on ")),
            "said first, under the title line: {text}"
        );
        assert!(text.contains("→ https://www.new-shop.example"), "{text}");
        assert!(text.contains("changed (not shown)"), "{text}");
        // Never returned: nothing to say.
        assert!(env.json(&["show", "RT2", "--json"])["since_return"].is_null());
    }

    #[test]
    fn the_detail_opens_with_it_at_80_by_24() {
        let env = returned_and_resubmitted();
        let mut h = Harness::on(env, "bob", Lang::Zh, 80, 24);
        h.select("RT1");
        h.press(KeyCode::Enter);
        let screen = h.text();
        assert!(screen.contains("退回以来"), "{screen}");
        assert!(screen.contains("退回原因"), "{screen}");
        assert!(screen.contains("网站尚未建成，请建成后再提交"), "{screen}");
        assert!(screen.contains("https://www.new-shop.example"), "{screen}");
        assert!(screen.contains("已修改（不显示）"), "{screen}");
        assert!(!screen.contains("a-new-secret-9"), "{screen}");
    }
}

/// Beyond: a dropped SSH link loses nothing. A half-written return is kept as it is typed;
/// the console killed outright (no chance to save on the way out), the same reviewer's
/// next console offers it back on that application, restores it in the dialog, and holds
/// the claim without calling it someone else's; another reviewer still sees it held.
#[test]
fn a_dropped_link_loses_nothing() {
    let env = env_with(&queue_records());
    let first = {
        let mut c = Console::start(&env, Opts::default());
        c.open("SQ0003");
        c.send("r");
        c.wait_text("Reasons (space toggles)");
        c.send(ENTER);
        c.send("第一行说明");
        c.wait_text("第一行说明");
        c
    };
    // Written within a second of the typing: wait for it in the database itself.
    let db = env.db();
    wait_until("the draft in the database", || {
        let conn = rusqlite::Connection::open(&db).expect("open");
        conn.query_row(
            "SELECT body FROM drafts WHERE reviewer = 'alice' AND application_id = 'SQ0003'",
            [],
            |r| r.get::<_, String>(0),
        )
        .is_ok_and(|body| body.contains("第一行说明"))
    });
    // The link drops: SIGKILL, so nothing is saved on the way out.
    let pid = first.pid();
    // SAFETY: a signal to our own child process.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    drop(first);

    let mut again = Console::start(&env, Opts::default());
    again.open("SQ0003");
    let rows = again.wait_text("An unsent return draft");
    let screen = rows.join("\n");
    assert!(screen.contains("r takes it up"), "{screen}");
    assert!(
        !screen.contains("being reviewed by alice"),
        "one's own claim from the dropped console is not another's: {screen}"
    );
    again.send("r");
    let rows = again.wait_text("第一行说明");
    assert!(
        rows.iter().any(|r| r.contains("restored")),
        "the footer says it was restored: {}",
        rows.join("\n")
    );

    // Bob sees alice holding it.
    let bob = env
        .command()
        .env("SHENHE_REVIEWER", "bob")
        .args(["show", "SQ0003", "--json"])
        .output()
        .expect("show");
    let shown: serde_json::Value = serde_json::from_slice(&bob.stdout).expect("json");
    assert_eq!(shown["claimed_by"], "alice");

    // Sent: the draft is gone.
    again.send(ENTER);
    again.wait_footer("SQ0003 returned");
    wait_until("the draft forgotten once sent", || {
        crate::common::count_rows(&db, "drafts") == 0
    });
    assert_eq!(env.state_of("SQ0003"), "returned");
    let shown = env.json(&["show", "SQ0003", "--json"]);
    assert!(
        shown["history"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["message"] == "第一行说明"),
        "{shown}"
    );
}

/// Esc in a dialog is a choice: its draft goes.
#[test]
fn a_cancelled_dialog_keeps_no_draft() {
    let env = env_with(&queue_records());
    let mut c = Console::start(&env, Opts::default());
    c.open("SQ0003");
    c.send("a");
    c.wait_text("┌ Approve");
    c.send("\t");
    c.send("note");
    c.wait_text("note");
    let db = env.db();
    wait_until("the draft kept", || {
        crate::common::count_rows(&db, "drafts") == 1
    });
    c.esc();
    wait_until("the draft forgotten", || {
        crate::common::count_rows(&db, "drafts") == 0
    });
}

/// A draft left behind by a decision made elsewhere (the command line) is not offered:
/// its dialog can no longer be used.
#[test]
fn a_draft_of_a_decided_application_is_not_offered() {
    use shenhe::domain::drafts::{Draft, DraftKind};
    let env = env_with(&queue_records());
    let mut review = crate::common::review_as(&env, "alice");
    let draft = Draft {
        kind: DraftKind::Return,
        reasons: vec!["other".into()],
        message: "写了一半".into(),
        note: String::new(),
        saved_at: review.now(),
    };
    review.save_draft("SQ0003", draft).expect("save");
    assert!(review.show("SQ0003").expect("show").draft.is_some());
    env.ok(&[
        "return",
        "SQ0003",
        "--reason",
        "other",
        "--message",
        "从命令行退回",
    ]);
    let review = crate::common::review_as(&env, "alice");
    assert!(
        review.show("SQ0003").expect("show").draft.is_none(),
        "decided: the return draft is not offered"
    );
}
