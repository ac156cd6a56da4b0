//! The lead's console (issue 14) through the real binary: `shenhe stats` on crafted data
//! whose every figure is known, `shenhe export decisions` read back through a CSV
//! parser, and `shenhe assign` (leads only, all or nothing, an audit entry and an event
//! each, and `audit verify` still agreeing).

use std::process::Output;

use serde_json::{Value, json};

use crate::common::*;

/// `shenhe args…` as `reviewer` at `now`.
fn run_at(env: &Env, now: &str, reviewer: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = env.command();
    cmd.env("SHENHE_NOW", now);
    if let Some(r) = reviewer {
        cmd.env("SHENHE_REVIEWER", r);
    }
    cmd.args(args).output().expect("run shenhe")
}

fn ok_at(env: &Env, now: &str, reviewer: Option<&str>, args: &[&str]) -> String {
    let out = run_at(env, now, reviewer, args);
    assert!(
        out.status.success(),
        "{reviewer:?} at {now}: shenhe {args:?} failed: {}",
        stderr(&out)
    );
    stdout(&out)
}

fn import_at(env: &Env, now: &str, name: &str, records: &[Value]) {
    let file = env.path(name);
    write_ndjson(&file, records);
    ok_at(
        env,
        now,
        None,
        &["import", file.to_str().expect("utf-8 path")],
    );
}

fn verified(id: &str, submitted_at: &str) -> Value {
    with(record(id), &[("/submitted_at", json!(submitted_at))])
}

fn unverified(id: &str, submitted_at: &str) -> Value {
    with(
        record(id),
        &[
            ("/applicant/verified", json!(false)),
            ("/submitted_at", json!(submitted_at)),
        ],
    )
}

/// A week and a day of a small team, every figure known (NOW is Tuesday 24 November
/// 2026, 10:00):
/// - Monday 16th 09:00: A1, A2, A3 (reviewable at once) and V1 (unverified, submitted
///   1 November: past its window) arrive.
/// - Tuesday 17th 09:00: lina approves A1, 24 business hours after (in time).
/// - Friday 20th 08:00: zhao returns A2 (icp_missing), 95 business hours after; it was
///   due Thursday 19th: late.
/// - Friday 20th 09:00: B1, B2 (reviewable at once, due Wednesday 25th: tomorrow), B3
///   (submitted Thursday 19th, due Tuesday 24th: today) and V2 (unverified, inside its
///   window) arrive.
/// - Tuesday 24th 08:00: C1 (submitted Monday 23rd, due Thursday 26th), C2 (submitted
///   Saturday 21st, due Wednesday 25th: tomorrow) and D1 (submitted Monday 23rd, its
///   website not built: a failing check) arrive.
/// - Tuesday 24th 09:30: lina returns B1 (icp_missing, website_not_built), 15 + 24 + 9.5
///   = 48.5 business hours after (in time).
/// - Tuesday 24th 09:40: zhao expires V1.
/// - Tuesday 24th 09:50: lina approves D1 over its failing check: a first approval, it
///   awaits a second reviewer (still under review, so no finished review).
fn team_week() -> Env {
    let env = Env::new();
    let lead = whoami();
    ok_at(
        &env,
        "2026-11-16T08:00:00+08:00",
        Some(&lead),
        &["reviewers", "add", "lina"],
    );
    ok_at(
        &env,
        "2026-11-16T08:00:00+08:00",
        Some(&lead),
        &["reviewers", "add", "zhao"],
    );
    import_at(
        &env,
        "2026-11-16T09:00:00+08:00",
        "monday.ndjson",
        &[
            verified("A1", "2026-11-16T09:00:00+08:00"),
            verified("A2", "2026-11-16T09:00:00+08:00"),
            verified("A3", "2026-11-16T09:00:00+08:00"),
            unverified("V1", "2026-11-01T09:00:00+08:00"),
        ],
    );
    ok_at(
        &env,
        "2026-11-17T09:00:00+08:00",
        Some("lina"),
        &["approve", "A1"],
    );
    ok_at(
        &env,
        "2026-11-20T08:00:00+08:00",
        Some("zhao"),
        &[
            "return",
            "A2",
            "--reason",
            "icp_missing",
            "--message",
            "=请补充ICP备案号，\"首页\"底部\n谢谢",
        ],
    );
    import_at(
        &env,
        "2026-11-20T09:00:00+08:00",
        "friday.ndjson",
        &[
            verified("B1", "2026-11-20T09:00:00+08:00"),
            verified("B2", "2026-11-20T09:00:00+08:00"),
            verified("B3", "2026-11-19T10:00:00+08:00"),
            unverified("V2", "2026-11-20T09:00:00+08:00"),
        ],
    );
    import_at(
        &env,
        "2026-11-24T08:00:00+08:00",
        "tuesday.ndjson",
        &[
            verified("C1", "2026-11-23T10:00:00+08:00"),
            verified("C2", "2026-11-21T10:00:00+08:00"),
            with(
                verified("D1", "2026-11-23T10:00:00+08:00"),
                &[("/website/built", json!(false))],
            ),
        ],
    );
    ok_at(
        &env,
        "2026-11-24T09:30:00+08:00",
        Some("lina"),
        &[
            "return",
            "B1",
            "--reason",
            "icp_missing",
            "--reason",
            "website_not_built",
        ],
    );
    ok_at(
        &env,
        "2026-11-24T09:40:00+08:00",
        Some("zhao"),
        &["expire", "V1"],
    );
    let out = ok_at(
        &env,
        "2026-11-24T09:50:00+08:00",
        Some("lina"),
        &["approve", "D1", "--note", "站点已电话核实"],
    );
    assert!(out.contains("pending_second_approval"), "{out}");
    env
}

#[test]
fn stats_count_every_figure_of_a_known_week() {
    let env = team_week();
    let s = env.json(&["stats", "--json"]);
    assert_eq!(s["since"], "2026-10-26", "the last 30 days by default");
    assert_eq!(
        s["queue"],
        json!({
            "pending_review": 6, "overdue": 1, "due_today": 1, "due_tomorrow": 2,
            "awaiting_second_approval": 1, "pending_verification": 1,
            "verification_in_window": 1, "verification_lapsed": 0
        })
    );
    // A3 waited 6 business days (17th to 24th), B3 3, B2 and C2 (Saturday) 2, C1 and D1 1.
    assert_eq!(
        s["waiting_age"],
        json!([
            {"business_days": 1, "count": 2},
            {"business_days": 2, "count": 2},
            {"business_days": 3, "count": 1},
            {"business_days": 6, "count": 1}
        ])
    );
    assert_eq!(s["sla"]["decided"], 3);
    assert_eq!(s["sla"]["within_sla"], 2);
    assert_eq!(
        s["sla"]["weeks"],
        json!([
            {"week_start": "2026-11-16", "decided": 2, "within_sla": 1, "share": 0.5},
            {"week_start": "2026-11-23", "decided": 1, "within_sla": 1, "share": 1.0}
        ])
    );
    assert_eq!(
        s["time_to_decision"],
        json!({"decided": 3, "median_business_hours": 48.5, "p90_business_hours": 95.0})
    );
    // A first approval (D1) is a decision of its reviewer, not a finished review.
    let lina = &s["decisions_by_reviewer"]["lina"];
    assert_eq!(
        (&lina["approved"], &lina["returned"], &lina["expired"]),
        (&json!(2), &json!(1), &json!(0))
    );
    assert_eq!(lina["return_rate"], 0.333);
    assert_eq!(
        lina["today"],
        json!({"approved": 1, "returned": 1, "expired": 0})
    );
    assert_eq!(
        lina["this_week"],
        json!({"approved": 1, "returned": 1, "expired": 0})
    );
    let zhao = &s["decisions_by_reviewer"]["zhao"];
    assert_eq!(
        (&zhao["approved"], &zhao["returned"], &zhao["expired"]),
        (&json!(0), &json!(1), &json!(1))
    );
    assert_eq!(zhao["return_rate"], 1.0);
    assert_eq!(zhao["today"]["expired"], 1);
    assert_eq!(
        s["decisions_by_reviewer"].as_object().map(|o| o.len()),
        Some(2),
        "only those who decided: {}",
        s["decisions_by_reviewer"]
    );
    assert_eq!(
        s["return_reasons"],
        json!([{"code": "icp_missing", "count": 2}, {"code": "website_not_built", "count": 1}])
    );
    let daily = s["daily"].as_array().expect("daily");
    assert_eq!(daily.len(), 30);
    assert_eq!(daily[29]["date"], "2026-11-24");
    let day = |date: &str| {
        daily
            .iter()
            .find(|d| d["date"] == date)
            .unwrap_or_else(|| panic!("no {date}"))
            .clone()
    };
    assert_eq!(
        day("2026-11-16"),
        json!({"date": "2026-11-16", "intake": 4, "approved": 0, "returned": 0, "expired": 0})
    );
    assert_eq!(day("2026-11-17")["approved"], 1);
    assert_eq!(
        day("2026-11-20"),
        json!({"date": "2026-11-20", "intake": 4, "approved": 0, "returned": 1, "expired": 0})
    );
    assert_eq!(
        day("2026-11-24"),
        json!({"date": "2026-11-24", "intake": 3, "approved": 1, "returned": 1, "expired": 1})
    );
    let total: u64 = daily
        .iter()
        .map(|d| d["intake"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(total, 11);

    // A period from Friday: A1's approval (Tuesday) is out of it, A2's return is in.
    let s = env.json(&["stats", "--since", "2026-11-20", "--json"]);
    assert_eq!(s["since"], "2026-11-20");
    assert_eq!(s["decisions_by_reviewer"]["lina"]["approved"], 1);
    assert_eq!(s["decisions_by_reviewer"]["lina"]["returned"], 1);
    assert_eq!(
        (&s["sla"]["decided"], &s["sla"]["within_sla"]),
        (&json!(2), &json!(1))
    );
    assert_eq!(s["time_to_decision"]["median_business_hours"], 48.5);
    // The queue now does not depend on the period.
    assert_eq!(s["queue"]["pending_review"], 6);

    // The text says the same figures.
    let text = env.ok(&["stats"]);
    assert!(
        text.contains("Within 3 business days: 2 of 3 (67%)"),
        "{text}"
    );
    assert!(
        text.contains("median 48.5 business h, 90th pct 95.0 business h"),
        "{text}"
    );
    assert!(text.contains("ICP备案") || text.contains("ICP"), "{text}");
    // And in Chinese, aligned by what the terminal shows.
    let zh = env.ok(&["--lang", "zh", "stats"]);
    assert!(zh.contains("三个工作日内处理：3 件中 2 件（67%）"), "{zh}");
    assert!(zh.contains("（已处理 3 件）：中位数"), "{zh}");
    assert!(zh.contains("中位数 48.5 工作小时，第90百分位"), "{zh}");
    assert!(!zh.contains("business"), "{zh}");
    assert!(zh.starts_with("统计（统计起始 "), "{zh}");
    let heading = zh
        .lines()
        .find(|l| l.contains("通过") && l.contains("退回"))
        .expect("the daily heading");
    let first_day = zh
        .lines()
        .skip_while(|l| *l != heading)
        .nth(1)
        .expect("a day");
    assert_eq!(
        shenhe::domain::text::width(heading),
        shenhe::domain::text::width(first_day),
        "{heading:?} / {first_day:?}"
    );
}

#[test]
fn stats_refuse_a_bad_or_future_date_naming_the_flag() {
    let env = Env::new();
    let err = env.fails(&["stats", "--since", "yesterday"]);
    assert!(
        err.contains("--since") && err.contains("YYYY-MM-DD"),
        "{err}"
    );
    let err = env.fails(&["stats", "--since", "2026-12-01"]);
    assert!(
        err.contains("--since") && err.contains("after today"),
        "{err}"
    );
    // An empty database has figures too: zeros, and no shares.
    let s = env.json(&["stats", "--json"]);
    assert_eq!(s["queue"]["pending_review"], 0);
    assert_eq!(s["sla"]["share"], Value::Null);
    assert_eq!(s["time_to_decision"]["median_business_hours"], Value::Null);
}

#[test]
fn the_decisions_export_round_trips_through_a_csv_parser() {
    let env = team_week();
    let out = env
        .command()
        .args([
            "export",
            "decisions",
            "--since",
            "2026-11-16",
            "--until",
            "2026-11-20",
        ])
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        out.stdout.starts_with("\u{feff}".as_bytes()),
        "UTF-8 with a byte-order mark"
    );
    let mut reader = csv::Reader::from_reader(&out.stdout[3..]);
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(header[0], "seq");
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let rows: Vec<csv::StringRecord> = reader
        .records()
        .collect::<Result<_, _>>()
        .expect("every record parses");
    assert_eq!(
        rows.len(),
        2,
        "A1's approval and A2's return, not Tuesday's"
    );
    let a1 = &rows[0];
    assert_eq!(&a1[col("application_id")], "A1");
    assert_eq!(&a1[col("reviewer")], "lina");
    assert_eq!(&a1[col("action")], "approve");
    assert_eq!(&a1[col("merchant")], "杭州云栖科技有限公司");
    assert_eq!(&a1[col("reviewable_at")], "2026-11-16T09:00:00+08:00");
    assert_eq!(&a1[col("decided_at")], "2026-11-17T09:00:00+08:00");
    assert_eq!(&a1[col("business_hours")], "24.0");
    assert_eq!(&a1[col("within_sla")], "true");
    let a2 = &rows[1];
    assert_eq!(&a2[col("application_id")], "A2");
    assert_eq!(&a2[col("reviewer")], "zhao");
    assert_eq!(&a2[col("reasons")], "icp_missing");
    // Commas, quotes and a line break come back whole; a leading `=` is not a formula.
    assert_eq!(&a2[col("message")], "'=请补充ICP备案号，\"首页\"底部\n谢谢");
    assert_eq!(&a2[col("business_hours")], "95.0");
    assert_eq!(&a2[col("within_sla")], "false");

    // JSON: the same decisions, the whole period.
    let all = env.json(&[
        "export",
        "decisions",
        "--since",
        "2026-11-01",
        "--format",
        "json",
    ]);
    let all = all.as_array().expect("an array");
    let ids: Vec<&str> = all
        .iter()
        .map(|d| d["application_id"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(ids, ["A1", "A2", "B1", "V1", "D1"]);
    assert_eq!(
        all[2]["reasons"],
        json!(["icp_missing", "website_not_built"])
    );
    assert_eq!(all[2]["business_hours"], 48.5);
    assert_eq!(all[3]["action"], "expire");
    assert_eq!(all[3]["within_sla"], Value::Null, "an expiry is no review");
    assert_eq!(all[4]["to_state"], "pending_second_approval");
    assert_eq!(
        all[4]["within_sla"],
        Value::Null,
        "a first approval finishes no review"
    );
    // Monday 10:00 to Tuesday 09:50: 14 + 9.8 business hours (to a tenth).
    assert_eq!(all[4]["business_hours"], 23.8);

    let err = env.fails(&[
        "export",
        "decisions",
        "--since",
        "2026-11-20",
        "--until",
        "2026-11-19",
    ]);
    assert!(
        err.contains("--until") && err.contains("before --since"),
        "{err}"
    );
    let err = env.fails(&["export", "decisions", "--since", "20.11.2026"]);
    assert!(
        err.contains("--since") && err.contains("YYYY-MM-DD"),
        "{err}"
    );
}

#[test]
fn a_lead_assigns_all_or_nothing_with_an_entry_and_an_event_each() {
    let env = team_week();
    let lead = whoami();
    let before = count_rows(&env.db(), "audit");
    // Not a lead: refused, nothing written.
    let out = run_at(&env, NOW, Some("lina"), &["assign", "A3", "--to", "lina"]);
    assert_user_error(&out, &["assign"]);
    assert!(stderr(&out).contains("only a lead"), "{}", stderr(&out));
    // An unknown reviewer, a decided application: refused, nothing written (A3 neither).
    let out = run_at(&env, NOW, Some(&lead), &["assign", "A3", "--to", "nobody"]);
    assert!(
        stderr(&out).contains("no reviewer named `nobody`"),
        "{}",
        stderr(&out)
    );
    let out = run_at(
        &env,
        NOW,
        Some(&lead),
        &["assign", "A3", "A1", "--to", "lina"],
    );
    assert_user_error(&out, &["assign"]);
    assert!(
        stderr(&out)
            .contains("A1 is pending_integration: only an open application can be assigned"),
        "{}",
        stderr(&out)
    );
    let out = run_at(
        &env,
        NOW,
        Some(&lead),
        &["assign", "A3", "NOPE", "--to", "lina"],
    );
    assert!(stderr(&out).contains("NOPE"), "{}", stderr(&out));
    assert_eq!(count_rows(&env.db(), "audit"), before);
    assert_eq!(count_rows(&env.db(), "assignments"), 0);

    let out = ok_at(
        &env,
        NOW,
        Some(&lead),
        &["assign", "A3", "B2", "--to", "lina"],
    );
    assert!(out.contains("A3: assigned to lina"), "{out}");
    let out = ok_at(&env, NOW, Some(&lead), &["assign", "B2", "--to", "zhao"]);
    assert!(out.contains("B2: assigned to zhao (was lina)"), "{out}");
    let out = ok_at(
        &env,
        NOW,
        Some(&lead),
        &["--lang", "zh", "assign", "B2", "--to", "lina"],
    );
    assert!(out.contains("B2：已分配给 lina（原为 zhao）"), "{out}");
    ok_at(&env, NOW, Some(&lead), &["assign", "B2", "--to", "zhao"]);
    assert_eq!(count_rows(&env.db(), "audit"), before + 5);

    let mine = |who: &str| -> Vec<String> {
        let out = ok_at(&env, NOW, Some(who), &["list", "--mine", "--json"]);
        let v: Value = serde_json::from_str(&out).expect("json");
        v["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| r["id"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(mine("lina"), ["A3"]);
    assert_eq!(mine("zhao"), ["B2"]);
    let assigned = env.json(&["list", "--assigned", "lina", "--json"]);
    assert_eq!(assigned["total"], 1);

    let events: Vec<Value> = env
        .ok(&["events"])
        .lines()
        .map(|l| serde_json::from_str(l).expect("event"))
        .filter(|e: &Value| e["type"] == "application.assigned")
        .collect();
    assert_eq!(events.len(), 5);
    let last = &events[4];
    assert_eq!(last["application_id"], "B2");
    assert_eq!(last["state"], "pending_review");
    assert_eq!(last["previous_state"], "pending_review");
    assert_eq!(last["actor"], lead.as_str());
    assert_eq!(
        last["data"],
        json!({"assignee": "zhao", "previous_assignee": "lina"})
    );

    let history = env.json(&["history", "B2", "--json"]);
    let entries = history.as_array().expect("entries");
    let last = entries.last().expect("entry");
    assert_eq!(last["action"], "assign");
    assert_eq!(last["detail"], "to zhao (was lina)");
    // An assignment changes no state and no version: a decision read before it still
    // goes through, and the trail still agrees with the applications and events.
    assert_eq!(env.state_of("B2"), "pending_review");
    let verify = env.ok(&["audit", "verify"]);
    assert!(verify.contains("agree"), "{verify}");
}

/// `t` from the queue: the statistics of the known week, at 80×24 and 160×45, in Chinese
/// and English (snapshots), and Esc goes back to the queue.
#[test]
fn the_statistics_screen_in_both_languages_at_two_sizes() {
    use ratatui::crossterm::event::KeyCode;
    use shenhe::console::app::Screen;
    use shenhe::present::Lang;

    for (lang, tag) in [(Lang::Zh, "zh"), (Lang::En, "en")] {
        for (w, h) in [(80u16, 24u16), (160, 45)] {
            let mut harness = crate::console::Harness::on(team_week(), "lina", lang, w, h);
            harness.press(KeyCode::Char('t'));
            assert_eq!(harness.app.screen, Screen::Stats);
            let screen = harness.text();
            let pending = lang.pick("待审核", "pending review");
            assert!(
                screen
                    .lines()
                    .any(|l| l.contains(pending) && l.contains(" 6│")),
                "{tag} {w}x{h}: the queue now\n{screen}"
            );
            assert!(
                screen.contains("67%"),
                "{tag} {w}x{h}: the promise\n{screen}"
            );
            assert!(
                screen.contains("lina") && screen.contains("zhao"),
                "{screen}"
            );
            insta::assert_snapshot!(format!("stats_{tag}_{w}x{h}"), screen);
            harness.press(KeyCode::Esc);
            assert_eq!(harness.app.screen, Screen::Queue);
        }
    }
}

/// Marks and bulk actions through the real console in a pseudo-terminal: `V` … `V` marks
/// a range and the header counts it; `X` shows what it will expire and what it skips and
/// why, and does it only on Enter, one audit entry each; Space marks, `A` assigns the
/// marked to the reviewer chosen in the dialog.
#[test]
fn pty_bulk_expire_and_assign_show_their_plan_first() {
    use crate::pty::{Console, ENTER, Opts, assert_restored, history, quit};

    let mut records = crate::console::queue_records();
    records.push(unverified("SQ0006", "2026-11-20T09:00:00+08:00"));
    let env = Env::new();
    env.import_records(&records);
    env.ok(&["reviewers", "add", "lina"]);
    let lead = whoami();
    let mut c = Console::start(
        &env,
        Opts {
            reviewer: &lead,
            ..Opts::default()
        },
    );
    c.wait_footer("1/6");
    c.send("V");
    c.wait_text("marking from");
    c.send("G");
    c.wait_footer("6/6");
    c.send("V");
    c.wait_for("six marked in the header", |rows| {
        rows.first().is_some_and(|r| r.contains("6 marked"))
    });
    let audit_before = count_rows(&env.db(), "audit");
    c.send("X");
    let rows = c.wait_text("expire 1 past their 15-day window");
    let screen = rows.join("\n");
    assert!(
        screen.contains("skip 4: not pending verification"),
        "{screen}"
    );
    assert!(
        screen.contains("skip 1: still inside the 15-day window"),
        "{screen}"
    );
    assert_eq!(
        count_rows(&env.db(), "audit"),
        audit_before,
        "nothing is done before Enter"
    );
    c.send(ENTER);
    c.wait_text("expired 1, skipped 5");
    assert_eq!(env.state_of("SQ0004"), "cancelled");
    assert_eq!(env.state_of("SQ0006"), "pending_verification");
    let last = history(&env, "SQ0004").pop().expect("an entry");
    assert_eq!(
        (&last["action"], &last["actor"]),
        (&json!("expire"), &json!(lead.as_str()))
    );
    assert_eq!(count_rows(&env.db(), "audit"), audit_before + 1);
    c.wait_for(
        "the marks gone and the expired one out of the queue",
        |rows| {
            rows.first().is_some_and(|r| !r.contains("marked"))
                && !rows.iter().any(|r| r.contains("SQ0004"))
        },
    );

    // Space marks the first two; A assigns them to the reviewer chosen with j/k.
    c.send("g");
    c.wait_footer("1/5");
    c.send(" ");
    c.send(" ");
    c.wait_for("two marked", |rows| {
        rows.first().is_some_and(|r| r.contains("2 marked"))
    });
    c.send("A");
    let rows = c.wait_text("assign 2 to");
    if !rows.iter().any(|r| r.contains("assign 2 to lina")) {
        c.send("j");
        c.wait_text("assign 2 to lina");
    }
    c.send(ENTER);
    c.wait_text("assigned 2, skipped 0");
    let assigned = env.json(&["list", "--assigned", "lina", "--json"]);
    assert_eq!(assigned["total"], 2, "{assigned}");
    for row in assigned["rows"].as_array().expect("rows") {
        let id = row["id"].as_str().expect("id");
        let last = history(&env, id).pop().expect("an entry");
        assert_eq!(last["action"], "assign", "{id}");
    }
    assert_restored(&quit(c), "q");
}

/// Filters combine (Space in the menu, then Enter: every one holds); `S` saves the
/// combination under a name; it is a tab that `1` switches back to; and it is this
/// reviewer's own, kept in the database.
#[test]
fn filters_combine_and_a_saved_view_is_a_tab_of_its_reviewer() {
    use crate::console::{Harness, queue_records};
    use ratatui::crossterm::event::KeyCode;
    use shenhe::present::Lang;

    let mut h = Harness::new(&queue_records(), Lang::En, 120, 30);
    assert_eq!(h.app.queue.total, Some(5));
    h.press(KeyCode::Char('f'));
    h.press(KeyCode::Char('j')); // pending review
    h.press(KeyCode::Char(' '));
    for _ in 0..10 {
        h.press(KeyCode::Char('j')); // … failing checks
    }
    h.press(KeyCode::Char(' '));
    h.press(KeyCode::Enter);
    let text = h.text();
    assert_eq!(h.app.queue.total, Some(1), "{text}");
    assert_eq!(
        h.app.queue.selected_row().map(|r| r.id.as_str()),
        Some("SQ0003")
    );
    let text = h.text();
    assert!(
        text.lines()
            .next()
            .is_some_and(|l| l.contains("pending review + failing checks")),
        "{text}"
    );

    h.press(KeyCode::Char('S'));
    for c in "Urgent".chars() {
        h.press(KeyCode::Char(c));
    }
    h.press(KeyCode::Enter);
    assert_eq!(h.app.views.len(), 1);
    let text = h.text();
    assert!(text.contains("view “Urgent” saved"), "{text}");
    assert!(
        text.lines()
            .next()
            .is_some_and(|l| l.contains("[1 Urgent]")),
        "{text}"
    );

    h.press(KeyCode::Esc);
    assert_eq!(h.app.queue.total, Some(5), "Esc undoes the combination");
    assert!(!h.text().contains("[1 Urgent]"));
    h.press(KeyCode::Char('1'));
    assert_eq!(h.app.queue.total, Some(1), "1 switches to the saved view");

    // Kept in the database, for this reviewer only.
    let Harness { env, .. } = h;
    let h = Harness::on(env, "alice", Lang::En, 120, 30);
    assert_eq!(h.app.views.len(), 1);
    assert_eq!(h.app.views[0].name, "Urgent");
    let Harness { env, .. } = h;
    let h = Harness::on(env, "bob", Lang::En, 120, 30);
    assert!(h.app.views.is_empty());
}

/// Assigned to me: the menu's `m`, through the real queue query.
#[test]
fn the_mine_filter_lists_what_a_lead_assigned_to_me() {
    use crate::console::Harness;
    use ratatui::crossterm::event::KeyCode;
    use shenhe::present::Lang;

    let env = team_week();
    ok_at(
        &env,
        NOW,
        Some(&whoami()),
        &["assign", "A3", "C1", "--to", "lina"],
    );
    let mut h = Harness::on(env, "lina", Lang::En, 120, 30);
    h.press(KeyCode::Char('f'));
    h.press(KeyCode::Char('m'));
    let text = h.text();
    assert_eq!(h.app.queue.total, Some(2), "{text}");
    assert!(text.contains("assigned to lina"), "{text}");
    assert!(text.contains("A3") && text.contains("C1"), "{text}");
}

/// "Mine first": the applications assigned to me, then the others, each in the queue's
/// order; the same applications and total as without it. In the command line and in the
/// console (the menu's `F`, shown beside the filter, kept in a saved view).
#[test]
fn mine_first_lists_my_applications_then_the_others() {
    use crate::console::Harness;
    use ratatui::crossterm::event::KeyCode;
    use shenhe::present::Lang;

    let env = team_week();
    ok_at(
        &env,
        NOW,
        Some(&whoami()),
        &["assign", "C1", "A3", "--to", "lina"],
    );
    ok_at(
        &env,
        NOW,
        Some(&whoami()),
        &["assign", "B2", "--to", "zhao"],
    );
    let ids = |args: &[&str]| -> (Vec<String>, u64) {
        let out = ok_at(
            &env,
            NOW,
            Some("lina"),
            &[&["list", "--json"], args].concat(),
        );
        let v: Value = serde_json::from_str(&out).expect("json");
        let ids = v["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| r["id"].as_str().unwrap_or_default().to_string())
            .collect();
        (ids, v["total"].as_u64().expect("total"))
    };
    let (plain, total) = ids(&[]);
    let (mine, _) = ids(&["--mine"]);
    let (first, first_total) = ids(&["--mine-first"]);
    assert_eq!(mine.len(), 2);
    assert_eq!(first_total, total, "the same applications");
    let others: Vec<String> = plain
        .iter()
        .filter(|id| !mine.contains(id))
        .cloned()
        .collect();
    assert_eq!(first, [mine.clone(), others.clone()].concat(), "{plain:?}");
    // Pages across the boundary, and past it.
    for (offset, limit) in [(0, 1), (1, 2), (2, 3), (3, 50)] {
        let (page, _) = ids(&[
            "--mine-first",
            "--offset",
            &offset.to_string(),
            "--limit",
            &limit.to_string(),
        ]);
        let whole: Vec<String> = first.iter().skip(offset).take(limit).cloned().collect();
        assert_eq!(page, whole, "offset {offset} limit {limit}");
    }
    let err = run_at(&env, NOW, Some("lina"), &["list", "--mine", "--mine-first"]);
    assert!(!err.status.success());

    let mut h = Harness::on(env, "lina", Lang::En, 120, 30);
    let before = h.app.queue.total;
    h.press(KeyCode::Char('f'));
    assert!(h.text().contains("mine first"), "{}", h.text());
    h.press(KeyCode::Char('F'));
    let text = h.text();
    assert!(text.contains("mine first"), "{text}");
    assert_eq!(h.app.queue.total, before, "{text}");
    let shown: Vec<String> = (0..first.len() as u64)
        .filter_map(|i| h.app.queue.row(i).map(|r| r.id.clone()))
        .collect();
    assert_eq!(shown, first, "{text}");
    // Esc undoes it, like any change of the view.
    h.press(KeyCode::Esc);
    assert_eq!(
        h.app.queue.row(0).map(|r| r.id.clone()),
        plain.first().cloned(),
        "{}",
        h.text()
    );
    assert!(!h.app.mine_first);
}

/// `J` in the detail goes to the next application assigned to me first, then on in order.
#[test]
fn next_prefers_what_is_assigned_to_me() {
    use crate::console::Harness;
    use ratatui::crossterm::event::KeyCode;
    use shenhe::present::Lang;

    let env = team_week();
    ok_at(
        &env,
        NOW,
        Some(&whoami()),
        &["assign", "C1", "--to", "lina"],
    );
    let mut h = Harness::on(env, "lina", Lang::En, 120, 30);
    h.press(KeyCode::Char('g'));
    let first = h.app.queue.selected_row().map(|r| r.id.clone());
    assert_eq!(first.as_deref(), Some("A3"), "{}", h.text());
    let next_in_order = h.app.queue.row(1).map(|r| r.id.clone());
    assert_ne!(
        next_in_order.as_deref(),
        Some("C1"),
        "C1 is not simply next"
    );
    h.press(KeyCode::Enter);
    h.press(KeyCode::Char('J'));
    let shown = h.app.detail.as_ref().map(|d| d.id().to_string());
    assert_eq!(shown.as_deref(), Some("C1"), "mine first: {}", h.text());
    // Back to the first; with C1 assigned away, J is the next in order again.
    let Harness { env, .. } = h;
    ok_at(
        &env,
        NOW,
        Some(&whoami()),
        &["assign", "C1", "--to", "zhao"],
    );
    let mut h = Harness::on(env, "lina", Lang::En, 120, 30);
    h.press(KeyCode::Char('g'));
    h.press(KeyCode::Enter);
    h.press(KeyCode::Char('J'));
    let shown = h.app.detail.as_ref().map(|d| d.id().to_string());
    assert_eq!(shown, next_in_order);
}

/// A database from before the lead's console (schema 3) gets its statistics from its
/// audit trail at the upgrade: the same figures as one that kept them all along.
#[test]
fn an_upgraded_database_counts_the_decisions_made_before_it() {
    let env = team_week();
    let kept = env.json(&["stats", "--json"]);
    {
        let conn = rusqlite::Connection::open(env.db()).expect("open");
        conn.execute_batch(
            "DROP TRIGGER decision_facts_kept; DROP TABLE decision_facts; DROP TABLE assignments;
             DROP TABLE saved_views; DROP INDEX audit_action_at; PRAGMA user_version = 3;",
        )
        .expect("back to schema 3");
    }
    let upgraded = env.json(&["stats", "--json"]);
    assert_eq!(upgraded, kept);
    assert_eq!(upgraded["sla"]["decided"], 3);
    // And it keeps them from then on.
    ok_at(&env, NOW, Some("lina"), &["approve", "B2"]);
    let after = env.json(&["stats", "--json"]);
    assert_eq!(after["decisions_by_reviewer"]["lina"]["approved"], 3);
    assert_eq!(after["sla"]["decided"], 4);
}

/// The same week on PostgreSQL, copied by `shenhe migrate` (its decisions kept by the
/// trigger as the trail is copied): the same figures and export; a database brought up
/// from PostgreSQL schema 3 counts the decisions made before it and keeps the next; and
/// assignments give the same events and the same reviewer's queue as on SQLite.
#[test]
fn the_leads_figures_and_assignments_are_the_same_on_postgresql() {
    let Some(pg) = crate::postgres::PgEnv::new() else {
        return;
    };
    let env = team_week();
    let db = env.db();
    pg.ok(&["migrate", "--from", db.to_str().expect("utf-8 path")]);
    let pg_at = |now: &str, reviewer: Option<&str>, args: &[&str]| -> String {
        let mut cmd = pg.env.command();
        cmd.env("SHENHE_DB", &pg.url).env("SHENHE_NOW", now);
        if let Some(r) = reviewer {
            cmd.env("SHENHE_REVIEWER", r);
        }
        let out = cmd.args(args).output().expect("run shenhe");
        assert!(
            out.status.success(),
            "on PostgreSQL: shenhe {args:?} failed: {}",
            stderr(&out)
        );
        stdout(&out)
    };
    let both = |args: &[&str]| (ok_at(&env, NOW, None, args), pg_at(NOW, None, args));
    let stats = || {
        let (sqlite, pg) = both(&["stats", "--json"]);
        let parse = |s: &str| serde_json::from_str::<Value>(s).expect("JSON");
        (parse(&sqlite), parse(&pg))
    };
    let (kept, on_pg) = stats();
    assert_eq!(kept["sla"]["decided"], 3, "{kept}");
    assert_eq!(on_pg, kept);
    let export = [
        "export",
        "decisions",
        "--since",
        "2026-11-16",
        "--until",
        "2026-11-25",
    ];
    let (sqlite, on_pg) = both(&export);
    assert!(sqlite.contains("A2") && sqlite.contains("D1"), "{sqlite}");
    assert_eq!(on_pg, sqlite);

    // Back to PostgreSQL schema 3 (no decision_facts, no assignments, no saved views, nor
    // step 5's counters): the next command's upgrade fills the decisions from the trail.
    let mut client = shenhe_pg::ConnectionSettings::from_url(&pg.url)
        .expect("settings")
        .connect()
        .expect("connect");
    client
        .batch_execute(
            "DROP TRIGGER decision_facts_kept ON audit; DROP FUNCTION shenhe_decision_fact();
             DROP TABLE decision_facts; DROP TABLE assignments; DROP TABLE saved_views;
             DROP INDEX audit_action_at;
             DROP TRIGGER applications_count_insert ON applications;
             DROP TRIGGER applications_count_update ON applications;
             DROP TRIGGER applications_count_delete ON applications;
             DROP FUNCTION shenhe_count(); DROP TABLE count_due, count_submitted;
             UPDATE meta SET value = '3' WHERE key = 'schema_version';",
        )
        .expect("back to schema 3");
    let (kept, on_pg) = stats();
    assert_eq!(
        on_pg, kept,
        "the upgrade counts the decisions made before it"
    );
    let version: String = client
        .query_one("SELECT value FROM meta WHERE key = 'schema_version'", &[])
        .expect("version")
        .get(0);
    assert_eq!(version, shenhe_pg::SCHEMA_VERSION.to_string());
    // And keeps them from then on.
    ok_at(&env, NOW, Some("lina"), &["approve", "B2"]);
    pg_at(NOW, Some("lina"), &["approve", "B2"]);
    let (kept, on_pg) = stats();
    assert_eq!(kept["sla"]["decided"], 4, "{kept}");
    assert_eq!(on_pg, kept);

    // Assignments: the same messages, events and reviewer's queue on both.
    let lead = whoami();
    let assign = ["assign", "A3", "C1", "--to", "lina"];
    assert_eq!(
        pg_at(NOW, Some(&lead), &assign),
        ok_at(&env, NOW, Some(&lead), &assign)
    );
    let (sqlite, on_pg) = both(&["events"]);
    assert!(sqlite.contains("application.assigned"), "{sqlite}");
    assert_eq!(on_pg, sqlite);
    let (sqlite, on_pg) = both(&["list", "--assigned", "lina", "--json"]);
    assert!(sqlite.contains("A3") && sqlite.contains("C1"), "{sqlite}");
    assert!(!sqlite.contains("B2"), "{sqlite}");
    assert_eq!(on_pg, sqlite);
    // An unknown id: refused on PostgreSQL too, and nothing written.
    let mut cmd = pg.env.command();
    let out = cmd
        .env("SHENHE_DB", &pg.url)
        .env("SHENHE_REVIEWER", &lead)
        .args(["assign", "C2", "NOPE", "--to", "zhao"])
        .output()
        .expect("run shenhe");
    assert_user_error(&out, &["assign"]);
    assert!(stderr(&out).contains("NOPE"), "{}", stderr(&out));
    let (sqlite, on_pg) = both(&["list", "--assigned", "zhao", "--json"]);
    assert_eq!(on_pg, sqlite);
    pg_at(NOW, None, &["audit", "verify"]);
}
