//! Import validation: every kind of bad record is named (record, field, what is wrong),
//! and a file with any bad record writes nothing.

use serde_json::{Value, json};

use crate::common::*;

/// Imports `good` then `bad` in one file; asserts the error names `expect` (all of
/// them) and that nothing at all was written.
fn rejects(bad_line: &str, expect: &[&str]) {
    let env = Env::new();
    env.ok(&["init"]);
    let file = env.path("bad.ndjson");
    std::fs::write(&file, format!("{}\n{bad_line}\n", record("GOOD1"))).expect("write");
    let out = env.run(&["import", file.to_str().expect("path")]);
    assert_user_error(&out, &["import"]);
    let err = stderr(&out);
    for e in expect {
        assert!(err.contains(e), "expected `{e}` in: {err}");
    }
    assert!(err.contains("line 2"), "names the record: {err}");
    assert!(err.contains("nothing was imported"), "{err}");
    assert_eq!(
        count_rows(&env.db(), "applications"),
        0,
        "nothing written for {bad_line:.80}"
    );
    assert_eq!(count_rows(&env.db(), "audit"), 0);
}

fn rejects_record(bad: Value, expect: &[&str]) {
    rejects(&bad.to_string(), expect);
}

#[test]
fn invalid_json() {
    rejects("{\"id\": \"X\",", &["EOF while parsing"]);
}

#[test]
fn invalid_utf8() {
    let env = Env::new();
    let file = env.path("bad.ndjson");
    let mut bytes = format!("{}\n", record("GOOD1")).into_bytes();
    bytes.extend_from_slice(b"{\"id\": \"\xff\xfe\"}\n");
    std::fs::write(&file, bytes).expect("write");
    let err = env.fails(&["import", file.to_str().expect("path")]);
    assert!(
        err.contains("line 2") && err.contains("not valid UTF-8"),
        "{err}"
    );
    assert_eq!(count_rows(&env.db(), "applications"), 0);
}

#[test]
fn missing_field() {
    let mut bad = record("BAD1");
    bad["applicant"]
        .as_object_mut()
        .expect("object")
        .remove("account");
    rejects_record(bad, &["applicant", "missing field `account`", "BAD1"]);
}

#[test]
fn ill_typed_field() {
    rejects_record(
        with(record("BAD1"), &[("/applicant/verified", json!("yes"))]),
        &["applicant.verified", "expected a boolean"],
    );
    rejects_record(
        with(record("BAD1"), &[("/payment/amount_yuan", json!(-5))]),
        &["payment.amount_yuan"],
    );
}

#[test]
fn unknown_ids() {
    rejects_record(
        with(record("BAD1"), &[("/product", json!("flying_carpet"))]),
        &["field `product`", "unknown product `flying_carpet`"],
    );
    rejects_record(
        with(record("BAD1"), &[("/plan", json!("package_9999"))]),
        &["field `plan`", "unknown plan"],
    );
    rejects_record(
        with(record("BAD1"), &[("/plan", json!("tiered"))]),
        &["field `plan`", "not offered for product `platform_instant`"],
    );
    rejects_record(
        with(record("BAD1"), &[("/plan", json!(null))]),
        &[
            "field `plan`",
            "missing: product `platform_instant` needs one of package_600, package_3600",
        ],
    );
    // A product the process lists without a plan takes none.
    rejects_record(
        with(
            record("BAD1"),
            &[
                ("/product", json!("large_transfer")),
                ("/plan", json!("tiered")),
            ],
        ),
        &[
            "field `plan`",
            "product `large_transfer` has no plan: leave `plan` out (found `tiered`)",
        ],
    );
    rejects_record(
        with(record("BAD1"), &[("/materials/0/kind", json!("passport"))]),
        &["materials[0].kind", "unknown variant `passport`"],
    );
    rejects_record(
        with(
            record("BAD1"),
            &[("/goods", json!(["software", "moon_rocks"]))],
        ),
        &["goods[1]", "unknown goods category `moon_rocks`"],
    );
    rejects_record(
        with(record("BAD1"), &[("/applicant/kind", json!("robot"))]),
        &["applicant.kind", "unknown variant `robot`"],
    );
    let mut extra = record("BAD1");
    extra["state"] = json!("effective");
    rejects_record(extra, &["unknown field `state`"]);
}

#[test]
fn absurd_sizes() {
    let huge = "公".repeat(1 << 20);
    rejects_record(
        with(record("BAD1"), &[("/applicant/name", json!(huge))]),
        &["longer than the limit of 64 KiB"],
    );
    let long = "公".repeat(101);
    rejects_record(
        with(record("BAD1"), &[("/applicant/name", json!(long))]),
        &["applicant.name", "101 characters long; the limit is 100"],
    );
    let many: Vec<String> = (0..31).map(|_| "software".to_string()).collect();
    rejects_record(
        with(record("BAD1"), &[("/goods", json!(many))]),
        &["goods", "limit is 30"],
    );
}

#[test]
fn dates_that_are_not_rfc3339() {
    for date in [
        "2026-11-20 10:15:00",
        "2026/11/20",
        "20 Nov 2026",
        "2026-11-20T10:15:00",
    ] {
        rejects_record(
            with(record("BAD1"), &[("/submitted_at", json!(date))]),
            &["submitted_at", "not an RFC 3339 date-time"],
        );
    }
    rejects_record(
        with(
            record("BAD1"),
            &[("/submitted_at", json!("2027-01-01T00:00:00+08:00"))],
        ),
        &["submitted_at", "in the future"],
    );
}

#[test]
fn deep_nesting() {
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    rejects(
        &format!("{{\"id\": \"BAD1\", \"applicant\": {deep}}}"),
        &["line 2"],
    );
}

#[test]
fn duplicate_ids_and_bad_ids() {
    rejects_record(record("GOOD1"), &["same id appears earlier"]);
    rejects_record(
        with(record("BAD1"), &[("/id", json!("../../etc/passwd"))]),
        &["field `id`", "ASCII letters"],
    );
}

#[test]
fn every_bad_record_is_listed() {
    let env = Env::new();
    let file = env.path("bad.ndjson");
    let lines = [
        record("OK1").to_string(),
        with(record("B1"), &[("/product", json!("x"))]).to_string(),
        record("OK2").to_string(),
        with(record("B2"), &[("/plan", json!("y"))]).to_string(),
    ];
    std::fs::write(&file, lines.join("\n")).expect("write");
    let err = env.fails(&["import", file.to_str().expect("path")]);
    assert!(
        err.contains("2 bad records") && err.contains("line 2 (B1)") && err.contains("line 4 (B2)"),
        "{err}"
    );
    assert_eq!(count_rows(&env.db(), "applications"), 0);
}

#[test]
fn a_json_array_names_the_index() {
    let env = Env::new();
    let file = env.path("bad.json");
    let array = json!([
        record("OK1"),
        with(record("B1"), &[("/website/kind", json!("casino"))])
    ]);
    std::fs::write(&file, array.to_string()).expect("write");
    let err = env.fails(&["import", file.to_str().expect("path")]);
    assert!(
        err.contains("record 1 (B1)") && err.contains("website.kind"),
        "{err}"
    );
    assert_eq!(count_rows(&env.db(), "applications"), 0);

    let good = json!([record("OK1"), record("OK2")]);
    std::fs::write(&file, good.to_string()).expect("write");
    assert!(
        env.ok(&["import", file.to_str().expect("path")])
            .contains("imported 2 new")
    );
}

#[test]
fn empty_and_missing_files() {
    let env = Env::new();
    let file = env.path("empty.ndjson");
    std::fs::write(&file, "  \n\n").expect("write");
    let err = env.fails(&["import", file.to_str().expect("path")]);
    assert!(err.contains("empty"), "{err}");
    let err = env.fails(&["import", env.path("missing.ndjson").to_str().expect("path")]);
    assert!(
        err.contains("missing.ndjson") && err.contains("No such file"),
        "{err}"
    );
}

#[test]
fn only_a_returned_application_can_come_again() {
    let env = Env::new();
    env.import_records(&[record("SQ1")]);
    let changed = with(record("SQ1"), &[("/applicant/name", json!("改名公司"))]);
    let file = env.path("again.ndjson");
    write_ndjson(&file, &[changed]);
    let err = env.fails(&["import", file.to_str().expect("path")]);
    assert!(
        err.contains("only a returned application can be submitted again"),
        "{err}"
    );
}

#[test]
fn verification_passing_moves_an_order_into_review() {
    let env = Env::new();
    let waiting = with(record("SQ1"), &[("/applicant/verified", json!(false))]);
    env.import_records(&[waiting]);
    assert_eq!(env.state_of("SQ1"), "pending_verification");
    let out = env.import_records(&[record("SQ1")]);
    assert!(out.contains("1 verified"), "{out}");
    assert_eq!(env.state_of("SQ1"), "pending_review");
}

/// More good records than one hand-off between the reading and the writing thread (512),
/// so that some have certainly been written inside the transaction when the bad one comes.
const PAST_A_BATCH: usize = 600;

fn many_good(prefix: &str) -> Vec<String> {
    (0..PAST_A_BATCH)
        .map(|i| record(&format!("{prefix}{i:04}")).to_string())
        .collect()
}

/// `lines` imported into `env` fail, and afterwards the database holds exactly what it held
/// before: the same applications and the same audit chain.
fn rolls_back(env: &Env, lines: &[String], expect: &str) {
    let before_apps = count_rows(&env.db(), "applications");
    let before_audit = count_rows(&env.db(), "audit");
    let file = env.path("batch.ndjson");
    std::fs::write(&file, lines.join("\n")).expect("write");
    let err = env.fails(&["import", file.to_str().expect("path")]);
    assert!(err.contains(expect), "expected `{expect}` in: {err}");
    assert!(err.contains("nothing was imported"), "{err}");
    assert_eq!(count_rows(&env.db(), "applications"), before_apps, "{err}");
    assert_eq!(count_rows(&env.db(), "audit"), before_audit, "{err}");
    let verified = env.ok(&["audit", "verify"]);
    let entries = if before_audit == 1 {
        "entry"
    } else {
        "entries"
    };
    assert!(
        verified.contains(&format!("{before_audit} {entries} verified")),
        "{verified}"
    );
}

#[test]
fn a_bad_record_after_many_good_ones_rolls_all_of_them_back() {
    // Into an empty database (the bulk load) and into one that holds applications.
    let env = Env::new();
    env.ok(&["init"]);
    let mut lines = many_good("G");
    lines.push(with(record("BAD"), &[("/product", json!("x"))]).to_string());
    rolls_back(&env, &lines, &format!("line {} (BAD)", PAST_A_BATCH + 1));

    env.import_records(&[record("EARLIER")]);
    rolls_back(&env, &lines, &format!("line {} (BAD)", PAST_A_BATCH + 1));

    // The same as a JSON array.
    let file = env.path("batch.json");
    let array = format!("[{}]", lines.join(","));
    std::fs::write(&file, array).expect("write");
    let err = env.fails(&["import", file.to_str().expect("path")]);
    assert!(
        err.contains(&format!("record {PAST_A_BATCH} (BAD)")),
        "{err}"
    );
    assert_eq!(count_rows(&env.db(), "applications"), 1);
}

#[test]
fn a_conflicting_resubmission_after_many_good_records_rolls_all_of_them_back() {
    let env = Env::new();
    env.import_records(&[record("PENDING")]);
    // PENDING is still under review: a changed copy of it is refused, after 600 good ones
    // have been written.
    let mut lines = many_good("N");
    lines.push(
        with(
            record("PENDING"),
            &[("/applicant/name", json!("改过的公司"))],
        )
        .to_string(),
    );
    rolls_back(
        &env,
        &lines,
        "only a returned application can be submitted again",
    );
    assert_eq!(env.state_of("PENDING"), "pending_review");
}

#[test]
fn a_conflict_and_a_bad_record_are_counted_and_named_together() {
    let env = Env::new();
    env.import_records(&[record("PENDING")]);
    let file = env.path("both.ndjson");
    // The conflict is found by the writer, so it must reach the writer (in the first
    // hand-off of records) before the reader meets the bad record and stops sending.
    let mut lines = vec![
        with(
            record("PENDING"),
            &[("/applicant/name", json!("改过的公司"))],
        )
        .to_string(),
    ];
    lines.extend(many_good("G"));
    lines.push(with(record("BAD"), &[("/product", json!("x"))]).to_string());
    std::fs::write(&file, lines.join("\n")).expect("write");
    let err = env.fails(&["import", file.to_str().expect("path")]);
    assert!(
        err.contains("2 bad records") && err.contains("(BAD)") && err.contains("(PENDING)"),
        "{err}"
    );
    assert_eq!(count_rows(&env.db(), "applications"), 1);
}

/// `value` as one line of exactly `bytes` bytes: spaces before its closing brace, which
/// JSON ignores.
fn padded(value: &Value, bytes: usize) -> String {
    let text = value.to_string();
    assert!(text.len() <= bytes, "{} bytes already", text.len());
    let mut line = text[..text.len() - 1].to_string();
    line.push_str(&" ".repeat(bytes - text.len()));
    line.push('}');
    assert_eq!(line.len(), bytes);
    line
}

/// Found by the whole mutation run (docs/mutants-whole-run.md): every limit of the
/// format holds at its exact value and refuses the next one.
#[test]
fn limits_hold_at_their_exact_boundaries() {
    use shenhe::review::import::limits;
    let env = Env::new();
    let materials: Vec<Value> = (0..limits::MATERIALS)
        .map(|i| json!({"kind": "qualification", "reference": format!("Q{i}")}))
        .collect();
    let mut all_three = record("SEC3");
    all_three["applicant"]["security"] = json!(["digital_certificate", "payment_shield", "token"]);
    let boundary = [
        // An hour after the clock (SHENHE_NOW, 10:00 China time) is not yet the future.
        with(
            record("HOUR"),
            &[("/submitted_at", json!("2026-11-24T11:00:00+08:00"))],
        ),
        with(
            record("Y2K"),
            &[("/submitted_at", json!("2000-01-01T00:00:00Z"))],
        ),
        all_three,
        with(record("MAT20"), &[("/materials", json!(materials))]),
        with(
            record("PAY"),
            &[("/payment/amount_yuan", json!(limits::AMOUNT_YUAN))],
        ),
    ];
    let out = env.import_records(&boundary);
    assert!(out.contains("imported 5 new"), "{out}");
    assert_eq!(env.state_of("Y2K"), "pending_review");

    rejects_record(
        with(
            record("BAD1"),
            &[("/submitted_at", json!("2026-11-24T11:00:01+08:00"))],
        ),
        &["field `submitted_at`", "is in the future"],
    );
    rejects_record(
        with(
            record("BAD1"),
            &[("/submitted_at", json!("1999-12-31T23:59:59Z"))],
        ),
        &["field `submitted_at`", "before the year 2000"],
    );
    let mut repeated = record("BAD1");
    repeated["applicant"]["security"] =
        json!(["digital_certificate", "payment_shield", "token", "token"]);
    rejects_record(
        repeated,
        &[
            "field `applicant.security`",
            "more than the three security products",
        ],
    );
    let mut one_more = materials.clone();
    one_more.push(json!({"kind": "qualification", "reference": "Q20"}));
    rejects_record(
        with(record("BAD1"), &[("/materials", json!(one_more))]),
        &["field `materials`", "holds 21 items; the limit is 20"],
    );
    rejects_record(
        with(
            record("BAD1"),
            &[("/payment/amount_yuan", json!(limits::AMOUNT_YUAN + 1))],
        ),
        &[
            "field `payment.amount_yuan`",
            "10000001 is larger than the limit of 10000000",
        ],
    );
}

/// A record of exactly 64 KiB is accepted, the last one of an NDJSON file too (no
/// newline after it), and so is an element of a JSON array; a byte more is refused.
#[test]
fn a_record_of_exactly_the_size_limit_is_accepted_and_one_byte_more_refused() {
    use shenhe::review::import::limits::RECORD_BYTES;
    let env = Env::new();
    let file = env.path("exact.ndjson");
    let exact = padded(&record("EXACT1"), RECORD_BYTES);
    let last = padded(&record("EXACT2"), RECORD_BYTES);
    std::fs::write(&file, format!("{exact}\n{}\n{last}", record("MID"))).expect("write");
    let out = env.ok(&["import", file.to_str().expect("path")]);
    assert!(out.contains("imported 3 new"), "{out}");
    assert_eq!(env.state_of("EXACT2"), "pending_review");

    // The same sizes as JSON array elements: the element is measured, not the blanks
    // and the comma around it.
    let env = Env::new();
    let file = env.path("exact.json");
    let array = format!(
        "[\n  {},\n  {}\n]\n",
        padded(&record("ARR1"), RECORD_BYTES),
        record("ARR2")
    );
    std::fs::write(&file, array).expect("write");
    let out = env.ok(&["import", file.to_str().expect("path")]);
    assert!(out.contains("imported 2 new"), "{out}");

    let env = Env::new();
    let file = env.path("over.json");
    for bytes in [RECORD_BYTES + 1, 70_000] {
        let array = format!("[{},\n{}]", record("ARR1"), padded(&record("ARR2"), bytes));
        std::fs::write(&file, array).expect("write");
        let err = env.fails(&["import", file.to_str().expect("path")]);
        assert!(
            err.contains("1 bad record;")
                && err.contains("record 1: the record is longer than the limit of 64 KiB"),
            "{bytes}: {err}"
        );
        assert_eq!(count_rows(&env.db(), "applications"), 0);
    }
    let file = env.path("over.ndjson");
    std::fs::write(
        &file,
        format!(
            "{}\n{}",
            record("OK1"),
            padded(&record("BIG"), RECORD_BYTES + 1)
        ),
    )
    .expect("write");
    let err = env.fails(&["import", file.to_str().expect("path")]);
    assert!(
        err.contains("1 bad record;")
            && err.contains("line 2: the record is longer than the limit of 64 KiB"),
        "{err}"
    );
}

/// An overlong NDJSON line is one bad record: the rest of it is skipped up to and with
/// its newline, and the lines after it keep their numbers.
#[test]
fn an_overlong_line_is_one_bad_record_and_the_next_lines_keep_their_numbers() {
    use shenhe::review::import::limits::RECORD_BYTES;
    let env = Env::new();
    let file = env.path("long.ndjson");
    let lines = [
        record("OK1").to_string(),
        // One byte over: its newline is the next byte after what was read of it.
        padded(&record("LONG1"), RECORD_BYTES + 1),
        record("OK2").to_string(),
        // Far over: the rest of it spans more than the first read.
        padded(&record("LONG2"), 150_000),
        with(record("BAD"), &[("/product", json!("x"))]).to_string(),
        record("OK3").to_string(),
    ];
    std::fs::write(&file, lines.join("\n") + "\n").expect("write");
    let err = env.fails(&["import", file.to_str().expect("path")]);
    let reported: Vec<&str> = err
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("line "))
        .collect();
    assert_eq!(
        reported,
        [
            "2: the record is longer than the limit of 64 KiB",
            "4: the record is longer than the limit of 64 KiB",
            "5 (BAD), field `product`: unknown product `x`",
        ],
        "{err}"
    );
    assert!(err.contains("3 bad records;"), "{err}");
    assert_eq!(count_rows(&env.db(), "applications"), 0);
}

/// A JSON array (one text, not lines) that is not UTF-8 is refused with the line of the
/// first bad byte.
#[test]
fn a_json_array_that_is_not_utf8_names_the_line() {
    let env = Env::new();
    let file = env.path("bad.json");
    let mut bytes = format!("[\n{},\n", record("OK1")).into_bytes();
    bytes.extend_from_slice(b"{\"id\": \"\xff\"}\n]\n");
    std::fs::write(&file, bytes).expect("write");
    let err = env.fails(&["import", file.to_str().expect("path")]);
    assert!(
        err.contains("the input is not valid UTF-8 (line 3)"),
        "{err}"
    );
    // On the first line it is line 1.
    std::fs::write(&file, b"[{\"id\": \"\xff\"}]").expect("write");
    let err = env.fails(&["import", file.to_str().expect("path")]);
    assert!(
        err.contains("the input is not valid UTF-8 (line 1)"),
        "{err}"
    );
    assert_eq!(count_rows(&env.db(), "applications"), 0);
}

/// Blank lines and spaces before the first record, more than one read of the input
/// holds (the command reads through a 1 MiB buffer), are skipped, from a file and from
/// standard input.
#[test]
fn a_long_blank_start_before_the_first_record_is_skipped() {
    let blank = " \n\t\r\n".repeat(600_000); // 3 MB
    let env = Env::new();
    let file = env.path("blank.ndjson");
    std::fs::write(&file, format!("{blank}{}\n", record("LATE1"))).expect("write");
    let out = env.ok(&["import", file.to_str().expect("path")]);
    assert!(out.contains("imported 1 new"), "{out}");
    assert_eq!(env.state_of("LATE1"), "pending_review");

    let array = format!("{blank}[{}]", record("LATE2"));
    let out = env.run_stdin(&["import", "-"], array.as_bytes());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(env.state_of("LATE2"), "pending_review");
}

/// Products without a plan (settlement, value-added, wireless, online-banking and
/// international-card pay): imported with none, shown with none, nothing to prepay.
#[test]
fn a_product_without_a_plan_is_imported_and_shown_without_one() {
    let env = Env::new();
    let mut r = with(
        record("NOPLAN"),
        &[
            ("/product", json!("online_banking")),
            ("/payment", json!(null)),
        ],
    );
    r.as_object_mut().unwrap().remove("plan");
    env.import_records(&[r]);
    let shown = env.json(&["show", "NOPLAN", "--json"]);
    assert!(shown["application"].get("plan").is_none(), "{shown}");
    let prepayment = shown["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "prepayment")
        .unwrap()
        .clone();
    assert_eq!(prepayment["outcome"], "not_applicable", "{prepayment}");
    assert_eq!(env.json(&["list", "--json"])["rows"][0]["plan"], "");
    let text = env.ok(&["show", "NOPLAN"]);
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("plan") && l.trim_end().ends_with("none")),
        "{text}"
    );
}
