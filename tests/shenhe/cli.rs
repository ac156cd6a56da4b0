//! The command line through the real binary, on real database files.

use serde_json::json;

use crate::common::*;

#[test]
fn import_list_show_approve_history() {
    let env = Env::new();
    let out = env.import_records(&[
        record("SQ1"),
        with(
            record("SQ2"),
            &[
                ("/product", json!("large_transfer")),
                ("/plan", json!(null)),
                ("/payment", json!(null)),
            ],
        ),
    ]);
    assert!(out.contains("imported 2 new"), "{out}");

    let list = env.ok(&["list"]);
    assert!(
        list.contains("SQ1") && list.contains("杭州云栖科技有限公司"),
        "{list}"
    );

    let shown = env.json(&["show", "SQ1", "--json"]);
    assert_eq!(shown["state"], "pending_review");
    assert_eq!(shown["due_at"], "2026-11-25T23:59:59+08:00");
    let checks = shown["checks"].as_array().expect("checks");
    assert!(
        checks
            .iter()
            .any(|c| c["id"] == "icp_filing" && c["outcome"] == "pass")
    );
    assert!(
        checks
            .iter()
            .any(|c| c["id"] == "website_built" && c["outcome"] == "manual")
    );
    assert_eq!(
        shown["application"]["website"]["test_password"], "••••••",
        "masked by default"
    );

    let approved = env.ok(&["approve", "SQ1", "--note", "looks fine"]);
    assert!(
        approved.contains("pending_review → pending_integration"),
        "{approved}"
    );
    let approved = env.ok(&["approve", "SQ2"]);
    assert!(
        approved.contains("pending_review → effective"),
        "settlement products take effect: {approved}"
    );

    let history = env.json(&["history", "SQ1", "--json"]);
    let entries = history.as_array().expect("entries");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1]["action"], "approve");
    assert_eq!(entries[1]["actor"], whoami());
    assert_eq!(entries[1]["note"], "looks fine");
    assert!(
        entries[1]["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("website_built"),
        "attested manual checks are named"
    );

    let err = env.fails(&["approve", "SQ1"]);
    assert!(
        err.contains("SQ1 was already decided by ")
            && err.contains("it is now pending integration; nothing was written"),
        "{err}"
    );
}

#[test]
fn return_needs_known_reasons_and_keeps_message_and_note_apart() {
    let env = Env::new();
    env.import_records(&[record("SQ1")]);
    let err = env.fails(&["return", "SQ1", "--reason", "no_such_reason"]);
    assert!(
        err.contains("unknown return reason `no_such_reason`"),
        "{err}"
    );
    let err = env.fails(&["return", "SQ1", "--reason", "other"]);
    assert!(err.contains("needs a message"), "{err}");
    assert_eq!(
        env.state_of("SQ1"),
        "pending_review",
        "a refused return changes nothing"
    );

    env.ok(&[
        "return",
        "SQ1",
        "--reason",
        "icp_missing",
        "--reason",
        "taobao_shop",
        "--message",
        "请补充备案",
        "--note",
        "internal only",
    ]);
    assert_eq!(env.state_of("SQ1"), "returned");
    let history = env.json(&["history", "SQ1", "--json"]);
    let last = &history.as_array().expect("entries")[1];
    assert_eq!(last["reasons"], json!(["icp_missing", "taobao_shop"]));
    assert_eq!(last["message"], "请补充备案");
    assert_eq!(last["note"], "internal only");
}

#[test]
fn a_control_character_in_a_reviewers_text_is_refused_and_writes_nothing() {
    let env = Env::new();
    env.import_records(&[record("SQ1")]);
    let err = env.fails(&[
        "return",
        "SQ1",
        "--reason",
        "other",
        "--message",
        "请补充\u{1b}[2J材料",
    ]);
    assert!(
        err.contains("message to the applicant holds an invisible or control character (U+001B) at character 4"),
        "{err}"
    );
    assert!(!err.contains('\u{1b}'), "the escape is not echoed: {err:?}");
    let err = env.fails(&["--lang", "zh", "approve", "SQ1", "--note", "好\u{7}"]);
    assert!(
        err.contains("备注第 2 个字符是不可见字符或控制字符（U+0007）"),
        "{err}"
    );
    assert_eq!(env.state_of("SQ1"), "pending_review");
    let history = env.json(&["history", "SQ1", "--json"]);
    assert_eq!(
        history.as_array().expect("entries").len(),
        1,
        "nothing written"
    );
}

#[test]
fn expire_respects_the_fifteen_day_window() {
    let env = Env::new();
    let old = with(
        record("OLD"),
        &[
            ("/applicant/verified", json!(false)),
            ("/submitted_at", json!("2026-11-01T09:00:00+08:00")),
        ],
    );
    let recent = with(
        record("NEW"),
        &[
            ("/applicant/verified", json!(false)),
            ("/submitted_at", json!("2026-11-20T09:00:00+08:00")),
        ],
    );
    env.import_records(&[old, recent, record("OPEN")]);
    assert_eq!(env.state_of("OLD"), "pending_verification");

    let err = env.fails(&["expire", "NEW"]);
    assert!(
        err.contains("still inside its 15-day verification window"),
        "{err}"
    );
    // The review layer says why; only the command line names its own flags.
    assert!(
        err.lines()
            .any(|l| l == "  hint: `expire --force --note TEXT` expires it anyway"),
        "{err}"
    );
    let err = env.fails(&["expire", "NEW", "--force"]);
    assert!(err.contains("needs a note"), "{err}");
    let err = env.fails(&["expire", "OPEN"]);
    assert!(
        err.contains("cannot expire an application in state pending_review"),
        "{err}"
    );
    // Nobody decided it: the plain refusal, not a lost race.
    assert!(!err.contains("already decided"), "{err}");

    let dry = env.ok(&["sweep", "--dry-run"]);
    assert!(
        dry.contains("OLD") && !dry.contains("NEW") && dry.contains("nothing changed"),
        "{dry}"
    );
    assert_eq!(
        env.state_of("OLD"),
        "pending_verification",
        "a dry run changes nothing"
    );
    let swept = env.ok(&["sweep"]);
    assert!(swept.contains("1 order(s) expired"), "{swept}");
    assert_eq!(env.state_of("OLD"), "cancelled");

    env.ok(&[
        "expire",
        "NEW",
        "--force",
        "--note",
        "merchant asked to cancel",
    ]);
    assert_eq!(env.state_of("NEW"), "cancelled");
    let history = env.json(&["history", "NEW", "--json"]);
    assert!(
        history[1]["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("forced")
    );
}

#[test]
fn list_filters_and_json_are_stable() {
    let env = Env::new();
    let overdue = with(
        record("LATE"),
        &[("/submitted_at", json!("2026-11-16T09:00:00+08:00"))],
    );
    let taobao = with(
        record("TAOBAO"),
        &[
            ("/website/url", json!("https://shop123.taobao.com")),
            ("/product", json!("instant")),
            ("/applicant/name", json!("深圳某某贸易")),
        ],
    );
    env.import_records(&[record("SQ1"), overdue, taobao]);

    let late = env.json(&["list", "--overdue", "--json"]);
    let ids: Vec<&str> = late["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["LATE"]);
    assert_eq!(late["rows"][0]["time_left"]["overdue"], true);

    let by_product = env.json(&["list", "--product", "instant", "--json"]);
    assert_eq!(by_product["total"], 1);
    let search = env.json(&["list", "--search", "某某", "--json"]);
    assert_eq!(search["rows"][0]["id"], "TAOBAO");
    assert_eq!(search["rows"][0]["failed"], 1);

    let all = env.json(&["list", "--json", "--limit", "2"]);
    assert_eq!(all["total"], 3);
    assert_eq!(all["rows"].as_array().expect("rows").len(), 2);
    assert_eq!(all["rows"][0]["id"], "LATE", "ordered by due time");

    let err = env.fails(&["list", "--state", "approved"]);
    assert!(err.contains("unknown state `approved`"), "{err}");
    let err = env.fails(&["list", "--product", "nope"]);
    assert!(err.contains("unknown product `nope`"), "{err}");
}

#[test]
fn human_output_aligns_cjk_columns() {
    let env = Env::new();
    let ascii = with(
        record("A1"),
        &[("/applicant/name", json!("Acme Trading Ltd"))],
    );
    env.import_records(&[record("C1"), ascii]);
    let list = env.ok(&["list"]);
    let lines: Vec<&str> = list.lines().collect();
    let column_of = |line: &str, needle: &str| {
        let byte = line.find(needle).expect("column present");
        unicode_width::UnicodeWidthStr::width(&line[..byte])
    };
    let c1 = lines.iter().find(|l| l.contains("C1")).expect("C1 row");
    let a1 = lines.iter().find(|l| l.contains("A1")).expect("A1 row");
    assert_eq!(
        column_of(c1, "平台商即时到帐收款"),
        column_of(a1, "平台商即时到帐收款"),
        "{list}"
    );
    assert_eq!(
        column_of(lines[0], "PRODUCT"),
        column_of(a1, "平台商即时到帐收款"),
        "{list}"
    );
}

#[test]
fn show_reveals_the_password_only_when_asked_and_records_it() {
    let env = Env::new();
    env.import_records(&[record("SQ1")]);
    let shown = env.ok(&["show", "SQ1"]);
    assert!(!shown.contains("s3cret-pw"), "{shown}");
    let revealed = env.json(&["show", "SQ1", "--json", "--reveal"]);
    assert_eq!(
        revealed["application"]["website"]["test_password"],
        "s3cret-pw"
    );
    let history = env.json(&["history", "SQ1", "--json"]);
    assert!(
        history
            .as_array()
            .expect("entries")
            .iter()
            .any(|e| e["action"] == "reveal_password")
    );
}

#[test]
fn reasons_and_errors() {
    let env = Env::new();
    let reasons = env.json(&["reasons", "--json"]);
    assert!(
        reasons
            .as_array()
            .expect("reasons")
            .iter()
            .any(|r| r["code"] == "taobao_shop" && r["zh"].as_str().is_some())
    );
    let human = env.ok(&["reasons"]);
    assert!(human.contains("icp_missing"));

    env.import_records(&[record("SQ1")]);
    let err = env.fails(&["show", "NOPE"]);
    assert!(err.contains("no application with id `NOPE`"), "{err}");
    let out = env
        .command()
        .args(["list"])
        .env("SHENHE_NOW", "yesterday")
        .output()
        .expect("run");
    assert_user_error(&out, &["list"]);
    assert!(stderr(&out).contains("SHENHE_NOW"));

    let not_db = env.path("not.db");
    std::fs::write(&not_db, b"this is not a database at all, just text").expect("write");
    let out = env
        .command()
        .args(["--db", not_db.to_str().expect("path"), "list"])
        .output()
        .expect("run");
    assert_user_error(&out, &["list"]);
    // What was being done, then why, one line per cause.
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines.first().copied(),
        Some(
            format!(
                "shenhe: error: cannot open the database {}",
                not_db.display()
            )
            .as_str()
        ),
        "{err}"
    );
    assert!(
        lines
            .get(1)
            .is_some_and(|l| l.starts_with("  caused by: ") && l.contains("not a shenhe database")),
        "{err}"
    );
}

#[test]
fn a_policy_directory_with_an_error_is_named_with_its_line() {
    let env = Env::new();
    let data = env.policy_copy();
    let checks = std::fs::read_to_string(data.join("checks.toml")).expect("read");
    let broken = checks.replacen(
        "applies_to = [\"platform_instant\", \"platform_dual\"]",
        "applies_to = [\"platform_instant\", \"platform_triple\"]",
        1,
    );
    assert_ne!(checks, broken);
    std::fs::write(data.join("checks.toml"), &broken).expect("write");
    let line = broken
        .lines()
        .position(|l| l.contains("platform_triple"))
        .expect("line")
        + 1;
    let err = env.fails(&["--data", data.to_str().expect("path"), "reasons"]);
    assert!(
        err.contains(&format!("checks.toml:{line}:"))
            && err.contains("unknown product `platform_triple`"),
        "{err}"
    );
}

#[test]
fn a_resubmission_gets_a_new_revision_and_a_fresh_clock() {
    let env = Env::new();
    env.import_records(&[record("SQ1")]);
    env.ok(&["return", "SQ1", "--reason", "materials_not_genuine"]);
    let fixed = with(
        record("SQ1"),
        &[
            ("/submitted_at", json!("2026-11-23T16:00:00+08:00")),
            ("/website/icp", json!("浙ICP备12345679号")),
        ],
    );
    let out = env.import_records(std::slice::from_ref(&fixed));
    assert!(out.contains("1 resubmitted"), "{out}");
    let shown = env.json(&["show", "SQ1", "--json"]);
    assert_eq!(shown["state"], "pending_review");
    assert_eq!(shown["revision"], 2);
    assert_eq!(
        shown["due_at"], "2026-11-26T23:59:59+08:00",
        "the clock starts again"
    );
    let actions: Vec<String> = shown["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|e| e["action"].as_str().expect("action").to_string())
        .collect();
    assert_eq!(actions, ["submit", "return", "resubmit"]);

    let out = env.import_records(&[fixed]);
    assert!(
        out.contains("1 unchanged"),
        "the same content again is a no-op: {out}"
    );
}

#[test]
fn import_from_standard_input() {
    let env = Env::new();
    let text = format!("{}\n", record("STDIN1"));
    let out = env.run_stdin(&["import", "-"], text.as_bytes());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(env.state_of("STDIN1"), "pending_review");
}

#[test]
fn due_times_follow_new_holiday_data() {
    let env = Env::new();
    env.import_records(&[with(
        record("NATIONAL"),
        &[("/submitted_at", json!("2026-09-30T10:00:00+08:00"))],
    )]);
    let listed = env.json(&["list", "--json"]);
    assert_eq!(
        listed["rows"][0]["due_at"], "2026-10-10T23:59:59+08:00",
        "a make-up Saturday"
    );

    // The same data without the National Day holidays and make-up days of 2026.
    let data = env.policy_copy();
    let holidays = std::fs::read_to_string(data.join("holidays.toml")).expect("read");
    let edited = holidays
        .replace("  \"2026-10-01..2026-10-07\",  # National Day\n", "")
        .replace(", \"2026-10-10\"]", "]");
    assert_ne!(holidays, edited);
    std::fs::write(data.join("holidays.toml"), edited).expect("write");
    let listed = env.json(&["--data", data.to_str().expect("path"), "list", "--json"]);
    assert_eq!(
        listed["rows"][0]["due_at"], "2026-10-05T23:59:59+08:00",
        "recomputed from the new data"
    );
}

#[test]
fn a_policy_directory_missing_a_file_is_named_and_nothing_runs() {
    let env = Env::new();
    env.ok(&["init"]);
    let data = env.policy_copy();
    std::fs::remove_file(data.join("holidays.toml")).expect("remove");
    let err = env.fails(&["--data", data.to_str().expect("path"), "list"]);
    assert!(
        err.contains(&data.join("holidays.toml").display().to_string())
            && err.contains("cannot read"),
        "{err}"
    );
}

#[test]
fn the_console_without_a_terminal_says_what_to_use_instead() {
    let env = Env::new();
    env.ok(&["init"]);
    let err = env.fails(&[]);
    assert!(
        err.contains("the console needs a terminal") && err.contains("list"),
        "{err}"
    );
}

/// Found by the whole mutation run (docs/mutants-whole-run.md): facts no test looked at.
#[test]
fn ids_with_dashes_failed_approvals_non_manual_judgements_and_uncovered_years() {
    let env = Env::new();
    let failing = with(record("LATE"), &[("/website/built", json!(false))]);
    let old = with(
        record("OLD"),
        &[("/submitted_at", json!("2024-06-03T10:00:00+08:00"))],
    );
    env.import_records(&[record("SQ-1_A"), failing, old]);
    assert_eq!(env.state_of("SQ-1_A"), "pending_review");

    // Over a failing check: an override, with its reason (lifecycle.rs says the rest).
    env.ok(&["approve", "LATE", "--note", "site seen built on a call"]);
    let history = env.ok(&["history", "LATE", "--json"]);
    assert!(
        history.contains("approved despite failed checks: website_built"),
        "{history}"
    );
    let clean = env.ok(&["history", "SQ-1_A", "--json"]);
    assert!(!clean.contains("despite failed checks"), "{clean}");

    let err = env.fails(&["judge", "SQ-1_A", "real_name_verified", "pass"]);
    assert!(err.contains("does not need a person's judgement"), "{err}");

    let shown = env.json(&["show", "OLD", "--json"]);
    let warning = shown["calendar_warning"].as_str().unwrap_or_default();
    assert!(warning.contains("2024"), "{shown}");
    assert!(env.json(&["show", "SQ-1_A", "--json"])["calendar_warning"].is_null());
}

/// Found by the whole mutation run: an SQLite file of someone else's is refused and left
/// as it was; a report of many bad records says how many it left out, a short one not.
#[test]
fn a_foreign_sqlite_file_is_left_alone_and_long_reports_say_what_they_left_out() {
    let env = Env::new();
    let foreign = env.path("foreign.db");
    {
        let conn = rusqlite::Connection::open(&foreign).expect("open");
        conn.execute_batch(
            "CREATE TABLE invoices (id INTEGER PRIMARY KEY); INSERT INTO invoices VALUES (7);",
        )
        .expect("a foreign database");
    }
    let out = env
        .command()
        .args(["--db", foreign.to_str().expect("path"), "list"])
        .output()
        .expect("run");
    assert_user_error(&out, &["list"]);
    assert!(
        stderr(&out).contains("not a shenhe one"),
        "{}",
        stderr(&out)
    );
    let conn = rusqlite::Connection::open(&foreign).expect("open");
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(tables, ["invoices"]);
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(version, 0);

    let bad = |n: usize| -> Vec<serde_json::Value> {
        (0..n)
            .map(|i| {
                with(
                    record(&format!("B{i}")),
                    &[("/plan", json!("no_such_plan"))],
                )
            })
            .collect()
    };
    for (count, left_out) in [(25, Some(5)), (20, None), (3, None)] {
        let file = env.path(&format!("bad{count}.ndjson"));
        write_ndjson(&file, &bad(count));
        let err = env.fails(&["import", file.to_str().expect("path")]);
        assert!(err.contains(&format!("{count} bad records")), "{err}");
        match left_out {
            Some(n) => assert!(err.contains(&format!("… and {n} more")), "{err}"),
            None => assert!(!err.contains("more"), "{err}"),
        }
    }
}

/// `cmd` run to its end, but for no longer than `limit`: one still running then is killed
/// and the test fails (a loop that never ends fails, not hangs). For short outputs only:
/// nothing is read until the command ends.
fn output_within(
    cmd: &mut std::process::Command,
    limit: std::time::Duration,
) -> std::process::Output {
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = std::time::Instant::now() + limit;
    while child.try_wait().expect("try_wait").is_none() {
        if std::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running after {limit:?}: killed");
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.wait_with_output().expect("output")
}

/// Found by the whole mutation run: a sweep goes on past an order it cannot expire (here
/// one whose product the policy no longer offers), says why, and expires the others.
#[test]
fn a_sweep_goes_on_past_an_order_it_cannot_expire() {
    let env = Env::new();
    let lapsed = |id: &str, product: &str, day: u32| {
        with(
            record(id),
            &[
                ("/applicant/verified", json!(false)),
                ("/product", json!(product)),
                (
                    "/submitted_at",
                    json!(format!("2026-11-{day:02}T09:00:00+08:00")),
                ),
            ],
        )
    };
    // The order that cannot be expired comes first, on the first page.
    env.import_records(&[
        lapsed("GONE", "escrow", 1),
        lapsed("LAPSED1", "platform_instant", 2),
        lapsed("LAPSED2", "instant", 3),
    ]);
    let data = env.policy_copy();
    let products = std::fs::read_to_string(data.join("products.toml")).expect("read");
    let start = products
        .find("[[product]]\ncode = \"escrow\"")
        .expect("escrow");
    let end = start + 1 + products[start + 1..].find("[[product]]").expect("next");
    let without = format!("{}{}", &products[..start], &products[end..]);
    assert!(!without.contains("code = \"escrow\""), "{without}");
    std::fs::write(data.join("products.toml"), without).expect("write");

    let out = output_within(
        env.command()
            .args(["--data", data.to_str().expect("path"), "sweep", "--json"]),
        std::time::Duration::from_secs(30),
    );
    assert_user_error(&out, &["sweep"]);
    assert!(
        stderr(&out).contains("some orders could not be expired"),
        "{}",
        stderr(&out)
    );
    let swept: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let items = swept["items"].as_array().expect("items");
    let summary: Vec<(&str, bool)> = items
        .iter()
        .map(|i| (i["id"].as_str().expect("id"), i["expired"] == true))
        .collect();
    assert_eq!(
        summary,
        [("GONE", false), ("LAPSED1", true), ("LAPSED2", true)],
        "{swept}"
    );
    let error = items[0]["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("product `escrow` is no longer in the catalogue"),
        "{swept}"
    );
    assert_eq!(env.state_of("GONE"), "pending_verification");
    assert_eq!(env.state_of("LAPSED1"), "cancelled");
    assert_eq!(env.state_of("LAPSED2"), "cancelled");
}

/// Found by the whole mutation run: judging a second manual check of an application keeps
/// the judgement of the first, in the queue's counts as in the detail.
#[test]
fn two_manual_checks_judged_one_after_the_other_are_both_judged() {
    let env = Env::new();
    // A forum: whether its posts are the users' own is a person's call, as is whether
    // the site is built.
    env.import_records(&[with(record("FORUM"), &[("/website/kind", json!("forum"))])]);
    let manual = |shown: &serde_json::Value| -> Vec<String> {
        shown["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .filter(|c| c["outcome"] == "manual")
            .map(|c| c["id"].as_str().expect("id").to_string())
            .collect()
    };
    let shown = env.json(&["show", "FORUM", "--json"]);
    assert_eq!(
        manual(&shown),
        ["website_built", "forum_content", "materials_genuine"],
        "{shown}"
    );
    let row = |env: &Env| env.json(&["list", "--json"])["rows"][0].clone();
    assert_eq!(
        (row(&env)["manual"].clone(), row(&env)["failed"].clone()),
        (json!(3), json!(0))
    );

    env.ok(&["judge", "FORUM", "website_built", "pass"]);
    env.ok(&[
        "judge",
        "FORUM",
        "forum_content",
        "fail",
        "--note",
        "只有站长发帖",
    ]);
    let listed = row(&env);
    // materials_genuine is still to be judged.
    assert_eq!(listed["manual"], 1, "both judged: {listed}");
    assert_eq!(listed["failed"], 1, "the failed judgement counts: {listed}");
    let shown = env.json(&["show", "FORUM", "--json"]);
    let outcome = |id: &str| {
        shown["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["outcome"].clone())
    };
    assert_eq!(outcome("website_built"), Some(json!("pass")), "{shown}");
    assert_eq!(outcome("forum_content"), Some(json!("fail")), "{shown}");
}
