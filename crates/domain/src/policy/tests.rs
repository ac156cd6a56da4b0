//! The policy loader against the built-in files, and against each of them broken in one
//! place: every error names the file, the line and what is wrong.

use std::path::Path;

use super::load::parse_date_range;
use super::*;

fn builtin_text(name: &str) -> &'static str {
    FILES
        .iter()
        .find(|(n, _)| *n == name)
        .expect("a policy file")
        .1
}

/// The path a test's policy file is said to come from.
fn path_of(name: &str) -> PathBuf {
    Path::new("policy").join(name)
}

/// The builtin files with `needle` replaced by `replacement` in `file`, and the 1-based
/// line of the change.
fn texts_with(file: &str, needle: &str, replacement: &str) -> (Vec<(PathBuf, String)>, usize) {
    let mut line = 0;
    let texts = FILES
        .iter()
        .map(|(name, text)| {
            let text = if *name == file {
                let at = text
                    .find(needle)
                    .unwrap_or_else(|| panic!("`{needle}` in {name}"));
                line = text[..at].matches('\n').count() + 1;
                text.replacen(needle, replacement, 1)
            } else {
                text.to_string()
            };
            (path_of(name), text)
        })
        .collect();
    (texts, line)
}

fn load_error(file: &str, needle: &str, replacement: &str) -> (PolicyError, PathBuf, usize) {
    let (texts, line) = texts_with(file, needle, replacement);
    let err = Policy::from_texts(&texts).expect_err("the policy is broken");
    (err, path_of(file), line)
}

#[test]
fn lookups_find_the_entry_asked_for() {
    let p = Policy::builtin();
    for g in &p.groups {
        assert_eq!(p.group(&g.id).map(|f| f.id.as_str()), Some(g.id.as_str()));
    }
    for r in &p.reasons {
        assert_eq!(
            p.reason(&r.code).map(|f| f.code.as_str()),
            Some(r.code.as_str())
        );
    }
    assert!(p.group("nope").is_none() && p.reason("nope").is_none());
}

#[test]
fn a_reason_needs_both_languages() {
    for (needle, empty) in [
        (
            r#"en = "The account has not passed real-name verification.""#,
            r#"en = " ""#,
        ),
        (
            r#"zh = "账户未通过实名认证，请完成实名认证后重新提交。""#,
            r#"zh = """#,
        ),
    ] {
        let (err, file, _) = load_error("reasons.toml", needle, empty);
        assert_eq!(err.file, file);
        assert!(
            err.message.contains("needs both zh and en"),
            "{}",
            err.message
        );
    }
}

#[test]
fn the_builtin_policy_loads() {
    let p = Policy::builtin();
    assert_eq!(p.products.len(), 19);
    assert_eq!(p.groups.len(), 5);
    assert_eq!(p.checks.len(), CheckId::ALL.len());
    assert!(p.reason("other").is_some());
    assert_eq!(p.plan("tiered").and_then(|p| p.price_yuan), None);
    assert_eq!(
        p.plan("package_1800").and_then(|p| p.price_yuan),
        Some(1800)
    );
    assert_eq!(
        p.product("platform_instant").map(|p| p.kind),
        Some(ProductKind::Interface)
    );
    assert_eq!(
        p.product("batch_payment").map(|p| p.kind),
        Some(ProductKind::Settlement)
    );
    assert_eq!(p.groups_by_product().get("qr_escrow"), Some(&"wireless"));
    assert!(p.group("value_added").is_some());
    assert_eq!(
        p.goods_category("weapons").map(|g| g.status),
        Some(GoodsStatus::Prohibited)
    );
    assert!(p.calendar.covers(2025) && p.calendar.covers(2026));
    // Groups and "all" are expanded into product codes.
    let icp = p.check_rule(CheckId::IcpFiling).expect("rule");
    assert_eq!(
        icp.products,
        BTreeSet::from(["platform_instant".into(), "platform_dual".into()])
    );
    let real_name = p.check_rule(CheckId::RealNameVerified).expect("rule");
    assert_eq!(real_name.products.len(), p.products.len());
    let goods = p.check_rule(CheckId::GoodsAllowed).expect("rule");
    assert!(goods.products.contains("qr_instant") && !goods.products.contains("batch_payment"));
    assert_eq!(
        goods.restricted_reason.as_deref(),
        Some("restricted_no_qualification")
    );
    // Every product's plans exist and the catalogue's plan rules hold.
    for product in &p.products {
        for plan in &product.plans {
            assert!(p.plan(plan).is_some(), "{}: {plan}", product.code);
        }
    }
    assert_eq!(
        p.product("platform_dual").map(|p| p.plans.clone()),
        Some(vec!["package_600".into(), "package_3600".into()])
    );
}

#[test]
fn the_same_files_are_the_same_policy() {
    let (texts, _) = texts_with("reasons.toml", "", "");
    let loaded = Policy::from_texts(&texts).expect("loads");
    let builtin = Policy::builtin();
    assert_eq!(loaded.version, builtin.version);
    assert_eq!(loaded.calendar_version, builtin.calendar_version);

    // Any edit changes the version; only a holiday edit changes the calendar version.
    let (texts, _) = texts_with("reasons.toml", "其他原因", "其它原因");
    let edited = Policy::from_texts(&texts).expect("loads");
    assert_ne!(edited.version, builtin.version);
    assert_eq!(edited.calendar_version, builtin.calendar_version);
    let (texts, _) = texts_with("holidays.toml", "# Spring Festival", "# 春节");
    let edited = Policy::from_texts(&texts).expect("loads");
    assert_ne!(edited.calendar_version, builtin.calendar_version);
}

#[test]
fn an_unknown_product_in_checks_names_file_and_line() {
    let (err, file, line) = load_error(
        "checks.toml",
        r#""platform_instant", "platform_dual""#,
        r#""platform_instant", "platform_quad""#,
    );
    assert_eq!(err.file, file);
    assert_eq!(err.line, Some(line));
    assert!(
        err.message.contains("unknown product `platform_quad`"),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        format!("{}:{line}: {}", file.display(), err.message)
    );
}

#[test]
fn an_unknown_group_in_checks_names_file_and_line() {
    let (err, file, line) = load_error("checks.toml", r#""group:wireless""#, r#""group:wirefree""#);
    assert_eq!((err.file, err.line), (file, Some(line)));
    assert!(
        err.message.contains("unknown group `wirefree`"),
        "{}",
        err.message
    );
}

#[test]
fn an_unknown_check_names_file_and_line() {
    let (err, file, line) = load_error(
        "checks.toml",
        r#"id = "forum_content""#,
        r#"id = "forum_posts""#,
    );
    assert_eq!((err.file, err.line), (file, Some(line)));
    assert!(
        err.message.contains("unknown check `forum_posts`"),
        "{}",
        err.message
    );
}

#[test]
fn a_duplicate_check_names_file_and_line() {
    let (err, file, line) = load_error(
        "checks.toml",
        r#"id = "forum_content""#,
        r#"id = "icp_filing""#,
    );
    assert_eq!((err.file, err.line), (file, Some(line)));
    assert!(
        err.message.contains("duplicate check `icp_filing`"),
        "{}",
        err.message
    );
}

#[test]
fn an_unknown_reason_names_file_and_line() {
    let (err, file, line) = load_error(
        "checks.toml",
        r#"fail_reason = "taobao_shop""#,
        r#"fail_reason = "taobao_store""#,
    );
    assert_eq!((err.file, err.line), (file, Some(line)));
    assert!(
        err.message.contains("unknown return reason `taobao_store`"),
        "{}",
        err.message
    );

    let (err, file, line) = load_error(
        "checks.toml",
        r#"restricted_reason = "restricted_no_qualification""#,
        r#"restricted_reason = "needs_papers""#,
    );
    assert_eq!((err.file, err.line), (file, Some(line)));
    assert!(err.message.contains("`needs_papers`"), "{}", err.message);
}

#[test]
fn a_bad_date_names_file_and_line() {
    let (err, file, line) = load_error(
        "holidays.toml",
        r#""2026-04-04..2026-04-06""#,
        r#""2026-04-31""#,
    );
    assert_eq!((err.file, err.line), (file, Some(line)));
    assert!(
        err.message.contains("`2026-04-31` is not a date"),
        "{}",
        err.message
    );

    for (bad, says) in [
        (r#""2026-04-06..2026-04-04""#, "ends before it starts"),
        (r#""2026-04-04..2026-06-06""#, "longer than a month"),
        (
            r#""2025-04-04..2025-04-06""#,
            "2025-04-04 is not in year 2026",
        ),
        (r#""26-4-4""#, "not a date"),
    ] {
        let (err, file, line) = load_error("holidays.toml", r#""2026-04-04..2026-04-06""#, bad);
        assert_eq!((err.file, err.line), (file, Some(line)), "{bad}");
        assert!(err.message.contains(says), "{bad}: {}", err.message);
    }

    let (err, file, line) = load_error(
        "holidays.toml",
        r#""2026-10-10"]"#,
        r#""2026-10-10", "2026-10-07"]"#,
    );
    assert_eq!(err.file, file);
    assert_eq!(
        err.line.map(|l| l < line),
        Some(true),
        "points at the year: {err}"
    );
    assert!(
        err.message
            .contains("2026-10-07 is both a holiday and a make-up workday"),
        "{}",
        err.message
    );

    let (err, file, line) = load_error("holidays.toml", "year = 2026", "year = 2025");
    assert_eq!((err.file, err.line), (file, Some(line)));
    assert!(
        err.message.contains("year 2025 is listed twice"),
        "{}",
        err.message
    );
}

#[test]
fn a_toml_syntax_error_names_file_and_line() {
    // An unterminated string.
    let (err, file, line) = load_error(
        "reasons.toml",
        r#"code = "forum_self_posted""#,
        r#"code = "forum_self_posted"#,
    );
    assert_eq!((err.file, err.line), (file, Some(line)));
    // A table header that never closes, in a file full of CJK text before it.
    let (err, file, line) = load_error(
        "goods.toml",
        "[[category]]\nid = \"weapons\"",
        "[[category]\nid = \"weapons\"",
    );
    assert_eq!((err.file, err.line), (file, Some(line)));
    // A key without a value.
    let (err, file, line) = load_error(
        "products.toml",
        r#"en = "Large-amount in-account transfers""#,
        "en =",
    );
    assert_eq!((err.file, err.line), (file, Some(line)));
}

#[test]
fn shape_errors_name_file_and_line() {
    // An unknown field.
    let (err, file, line) = load_error(
        "reasons.toml",
        "code = \"other\"",
        "code = \"other\"\ncolour = \"red\"",
    );
    assert_eq!(
        (err.file.clone(), err.line),
        (file, Some(line + 1)),
        "{err}"
    );
    // A wrong type.
    let (err, file, line) = load_error("products.toml", "price_yuan = 600", "price_yuan = \"600\"");
    assert_eq!((err.file.clone(), err.line), (file, Some(line)), "{err}");
    // An unknown status.
    let (err, file, line) = load_error(
        "goods.toml",
        "status = \"prohibited\"",
        "status = \"forbidden\"",
    );
    assert_eq!((err.file.clone(), err.line), (file, Some(line)), "{err}");
}

#[test]
fn a_product_may_have_no_plan() {
    let p = Policy::builtin();
    for code in [
        "online_banking",
        "intl_card",
        "large_transfer",
        "quick_login",
        "qr_instant",
    ] {
        let product = p.product(code).expect(code);
        assert!(product.plans.is_empty(), "{code}: {:?}", product.plans);
    }
    assert!(!p.product("escrow").expect("escrow").plans.is_empty());
}

#[test]
fn catalogue_errors_name_file_and_line() {
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "products.toml",
            r#"code = "dual""#,
            r#"code = "escrow""#,
            "duplicate product `escrow`",
        ),
        (
            "products.toml",
            r#"code = "dual""#,
            r#"code = "Dual""#,
            "lowercase",
        ),
        (
            "products.toml",
            "group = \"settlement\"\nkind",
            "group = \"clearing\"\nkind",
            "unknown group `clearing`",
        ),
        (
            "products.toml",
            r#"plans = ["package_600", "package_3600"]"#,
            r#"plans = ["package_600", "package_6000"]"#,
            "unknown plan `package_6000`",
        ),
        (
            "reasons.toml",
            r#"code = "icp_missing""#,
            r#"code = "taobao_shop""#,
            "duplicate reason code `taobao_shop`",
        ),
        (
            "reasons.toml",
            r#"code = "icp_missing""#,
            r#"code = "icp-missing""#,
            "lowercase",
        ),
        (
            "goods.toml",
            r#"id = "pornography""#,
            r#"id = "food""#,
            "duplicate category `food`",
        ),
    ];
    for (file, needle, replacement, says) in cases {
        let (err, path, line) = load_error(file, needle, replacement);
        assert_eq!((&err.file, err.line), (&path, Some(line)), "{says}: {err}");
        assert!(err.message.contains(says), "{says}: {}", err.message);
    }
}

#[test]
fn the_reason_other_is_required() {
    let (err, file, _) = load_error("reasons.toml", r#"code = "other""#, r#"code = "misc""#);
    assert_eq!((err.file, err.line), (file, None));
    assert!(err.message.contains("`other`"));
}

#[test]
fn line_numbers_count_crlf_files_too() {
    let texts: Vec<(PathBuf, String)> = FILES
        .iter()
        .map(|(name, text)| {
            let text = if *name == "checks.toml" {
                text.replace("\"taobao_shop\"", "\"taobao_store\"")
                    .replace('\n', "\r\n")
            } else {
                text.to_string()
            };
            (path_of(name), text)
        })
        .collect();
    let err = Policy::from_texts(&texts).expect_err("broken");
    let text = builtin_text("checks.toml");
    let line = text[..text.find("\"taobao_shop\"").expect("present")]
        .matches('\n')
        .count()
        + 1;
    assert_eq!(err.line, Some(line));
}

#[test]
fn date_ranges() {
    let d = |s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    assert_eq!(parse_date_range("2026-10-01"), Ok(vec![d("2026-10-01")]));
    assert_eq!(
        parse_date_range(" 2026-10-01 .. 2026-10-03 ").map(|v| v.len()),
        Ok(3)
    );
    assert_eq!(
        parse_date_range("2026-02-27..2026-03-02").map(|v| v.len()),
        Ok(4)
    );
    assert!(parse_date_range("2026-10-01..").is_err());
    assert!(parse_date_range("2026/10/01").is_err());
    assert!(parse_date_range("2026-4-4").is_err());
    // A range of one day, and the longest allowed (31 days on from its start).
    assert_eq!(
        parse_date_range("2026-10-01..2026-10-01"),
        Ok(vec![d("2026-10-01")])
    );
    assert_eq!(
        parse_date_range("2026-01-01..2026-02-01").map(|v| v.len()),
        Ok(32)
    );
    assert!(parse_date_range("2026-01-01..2026-02-02").is_err());
    assert!(parse_date_range("2026-10-02..2026-10-01").is_err());
    // Digits and dashes in the right places, one short: chrono alone would take it.
    assert!(parse_date_range("2026-10-1").is_err());
    assert!(parse_date_range("+2026-04-04").is_err());
}

#[test]
fn approvals_toml_is_validated_and_names_file_and_line() {
    let (texts, _) = texts_with(
        "approvals.toml",
        "restricted_goods = true",
        "restricted_goods = false",
    );
    let lenient = Policy::from_texts(&texts).expect("valid");
    assert!(lenient.second_approval.over_failed_checks);
    assert!(!lenient.second_approval.restricted_goods);
    assert_ne!(
        lenient.version,
        Policy::builtin().version,
        "a policy change"
    );

    for (needle, replacement, says) in [
        (
            "restricted_goods = true",
            "restricted_goods = \"yes\"",
            "invalid type",
        ),
        (
            "restricted_goods = true",
            "restricted_good = true",
            "unknown field `restricted_good`",
        ),
        ("over_failed_checks = true", "over_failed_checks = tru", ""),
    ] {
        let (err, path, line) = load_error("approvals.toml", needle, replacement);
        assert_eq!(err.file, path, "{says}: {err}");
        assert!(
            err.line.is_some_and(|l| l.abs_diff(line) <= 2),
            "{says}: {err} (near {line})"
        );
        assert!(err.message.contains(says), "{says}: {}", err.message);
    }
    let (err, path, _) = load_error("approvals.toml", "over_failed_checks = true\n", "");
    assert_eq!(err.file, path);
    assert!(
        err.message.contains("over_failed_checks"),
        "{}",
        err.message
    );
}

#[test]
fn the_probe_policy_says_whether_and_where_it_fetches() {
    let p = Policy::builtin();
    assert_eq!(
        p.probe,
        ProbePolicy {
            enabled: true,
            ports: vec![80, 443]
        }
    );
    let (texts, _) = texts_with("probe.toml", "ports = [80, 443]", "ports = [8443, 80]");
    let p = Policy::from_texts(&texts).expect("valid");
    assert_eq!(p.probe.ports, vec![80, 8443], "sorted");
    let (texts, _) = texts_with("probe.toml", "enabled = true", "enabled = false");
    assert!(!Policy::from_texts(&texts).expect("valid").probe.enabled);
}

#[test]
fn the_probe_policy_is_outside_the_policy_version() {
    let (texts, _) = texts_with("probe.toml", "ports = [80, 443]", "ports = [443]");
    let changed = Policy::from_texts(&texts).expect("valid");
    let builtin = Policy::builtin();
    assert_eq!(changed.version, builtin.version);
    assert_ne!(changed.probe, builtin.probe);
}

#[test]
fn probe_ports_that_are_not_tcp_ports_are_refused_at_their_line() {
    for (bad, says) in [
        ("ports = [80, 0]", "`0` is not a TCP port"),
        ("ports = [80, 65536]", "`65536` is not a TCP port"),
        ("ports = [80, -1]", "`-1` is not a TCP port"),
        ("ports = [443, 443]", "port 443 is listed twice"),
        ("ports = []", "`ports` is empty"),
    ] {
        let (err, file, line) = load_error("probe.toml", "ports = [80, 443]", bad);
        assert_eq!((err.file, err.line), (file, Some(line)), "{bad}");
        assert!(err.message.contains(says), "{bad}: {}", err.message);
    }
    let (err, _, line) = load_error("probe.toml", "enabled = true", "enabled = \"yes\"");
    assert_eq!(err.line, Some(line));
}
