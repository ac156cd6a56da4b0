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
    assert!(
        verified.contains(&format!("{before_audit} entries")),
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
