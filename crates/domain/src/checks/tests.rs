//! The checks against the built-in policy, one table of cases per check.

use chrono::{DateTime, FixedOffset};

use super::*;
use crate::application::{Applicant, Material, Payment, PaymentMethod, SecurityProduct, Website};
use crate::application::{ApplicantKind, MaterialKind, SiteKind};

fn policy() -> Policy {
    Policy::builtin()
}

fn material(kind: MaterialKind) -> Material {
    Material {
        kind,
        reference: format!("{}-ref", kind.id()),
        category: None,
    }
}

fn qualification(category: &str) -> Material {
    Material {
        kind: MaterialKind::Qualification,
        reference: format!("{category}.pdf"),
        category: Some(category.to_string()),
    }
}

fn at(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).expect("test time")
}

/// An enterprise application for the platform instant-to-account product (every check
/// applies to it) that passes every computed check.
fn good_app() -> Application {
    Application {
        id: "A-1".into(),
        submitted_at: at("2026-03-02T10:00:00+08:00"),
        applicant: Applicant {
            kind: ApplicantKind::Enterprise,
            name: "杭州某某科技有限公司".into(),
            account: "pay@example.cn".into(),
            verified: true,
            legal_representative: Some("张三".into()),
            contact: "张三".into(),
            security: vec![SecurityProduct::DigitalCertificate],
        },
        materials: vec![
            material(MaterialKind::BusinessLicence),
            material(MaterialKind::IdCardFront),
            material(MaterialKind::IdCardBack),
            material(MaterialKind::BankAccount),
        ],
        product: "platform_instant".into(),
        plan: "package_600".into(),
        payment: Some(Payment {
            method: PaymentMethod::OnlineBanking,
            paid: true,
            amount_yuan: 600,
        }),
        website: Some(Website {
            url: "https://www.example.cn/".into(),
            kind: SiteKind::Shop,
            built: true,
            icp: Some("浙ICP备2021012345号-1".into()),
            test_account: None,
            test_password: None,
        }),
        goods: vec!["apparel".into()],
    }
}

fn site(app: &mut Application) -> &mut Website {
    app.website.as_mut().expect("the fixture has a website")
}

fn result(policy: &Policy, app: &Application, id: CheckId) -> CheckResult {
    evaluate(policy, app)
        .into_iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("{id} is in the builtin policy"))
}

/// Runs one table: each row is a name, a change to the good application, the outcome
/// expected, and a fragment the English evidence must contain. A failed row must offer
/// `fail_reason` (or the reason given), a reason that exists in reasons.toml.
type Change<'a> = &'a dyn Fn(&mut Application);

fn run_table(id: CheckId, rows: &[(&str, Change, Outcome, &str)]) {
    run_table_with_reasons(
        id,
        &rows
            .iter()
            .map(|(n, f, o, d)| (*n, *f, *o, *d, None))
            .collect::<Vec<_>>(),
    );
}

type Row<'a> = (&'a str, Change<'a>, Outcome, &'a str, Option<&'a str>);

fn run_table_with_reasons(id: CheckId, rows: &[Row]) {
    let policy = policy();
    let rule = policy.check_rule(id).expect("builtin rule");
    for (name, change, outcome, evidence, reason) in rows {
        let mut app = good_app();
        change(&mut app);
        let r = result(&policy, &app, id);
        assert_eq!(r.outcome, *outcome, "{id} / {name}: {:?}", r.detail);
        assert!(
            r.detail.en.contains(evidence),
            "{id} / {name}: `{}` should mention `{evidence}`",
            r.detail.en
        );
        assert!(
            !r.detail.zh.is_empty(),
            "{id} / {name}: no Chinese evidence"
        );
        if *outcome == Outcome::Fail {
            let expected = reason.unwrap_or(rule.fail_reason.as_str());
            assert_eq!(r.reason.as_deref(), Some(expected), "{id} / {name}");
            assert!(
                policy.reason(expected).is_some(),
                "{id} / {name}: `{expected}` not in reasons.toml"
            );
        } else {
            assert_eq!(
                r.reason, None,
                "{id} / {name}: only a failure offers a reason"
            );
        }
    }
}

#[test]
fn the_good_application_passes_every_computed_check() {
    let policy = policy();
    let results = evaluate(&policy, &good_app());
    let ids: Vec<CheckId> = results.iter().map(|r| r.id).collect();
    let policy_order: Vec<CheckId> = policy.checks.iter().map(|c| c.id).collect();
    assert_eq!(ids, policy_order, "results come in policy order");
    for r in &results {
        let expected = match r.id {
            CheckId::WebsiteBuilt | CheckId::MaterialsGenuine => Outcome::Manual,
            CheckId::TestCredentials | CheckId::ForumContent => Outcome::NotApplicable,
            _ => Outcome::Pass,
        };
        assert_eq!(r.outcome, expected, "{}: {:?}", r.id, r.detail);
    }
    assert_eq!(
        summarise(&results),
        CheckSummary {
            failed: 0,
            manual: 2
        }
    );
}

#[test]
fn materials_genuine_is_for_a_person_and_offers_its_reason() {
    let policy = policy();
    let mut app = good_app();
    for product in &policy.products {
        app.product = product.code.clone();
        let results = evaluate(&policy, &app);
        let r = results
            .iter()
            .find(|r| r.id == CheckId::MaterialsGenuine)
            .expect("on every product");
        assert_eq!(r.outcome, Outcome::Manual, "{}", product.code);
        assert!(
            r.detail.en.contains("compare the 4 document(s)"),
            "{:?}",
            r.detail
        );
    }
    app.materials.clear();
    let mut results = evaluate(&policy, &app);
    let r = results
        .iter()
        .find(|r| r.id == CheckId::MaterialsGenuine)
        .unwrap();
    assert!(
        r.detail.en.starts_with("no materials submitted"),
        "{:?}",
        r.detail
    );
    apply_judgements(
        &policy,
        &mut results,
        &[judgement(
            CheckId::MaterialsGenuine,
            false,
            "2026-03-03T09:00:00+08:00",
            Some("seal altered"),
        )],
    );
    let r = results
        .iter()
        .find(|r| r.id == CheckId::MaterialsGenuine)
        .unwrap();
    assert_eq!(r.outcome, Outcome::Fail);
    assert_eq!(r.reason.as_deref(), Some("materials_not_genuine"));
}

#[test]
fn website_built() {
    run_table(
        CheckId::WebsiteBuilt,
        &[
            ("built", &|_| {}, Outcome::Manual, "confirm it is complete"),
            (
                "declared not built",
                &|a| site(a).built = false,
                Outcome::Fail,
                "website.built is false",
            ),
            (
                "no website",
                &|a| a.website = None,
                Outcome::Fail,
                "none given",
            ),
            (
                "malformed url",
                &|a| site(a).url = "http://exa mple".into(),
                Outcome::Fail,
                "not a well-formed",
            ),
            (
                "other scheme",
                &|a| site(a).url = "ftp://example.cn".into(),
                Outcome::Fail,
                "not a well-formed",
            ),
            (
                "no scheme",
                &|a| site(a).url = "www.example.cn".into(),
                Outcome::Manual,
                "www.example.cn",
            ),
            (
                "ipv6 literal",
                &|a| site(a).url = "http://[2001:db8::1]/".into(),
                Outcome::Manual,
                "confirm",
            ),
        ],
    );
}

#[test]
fn not_taobao_shop() {
    run_table(
        CheckId::NotTaobaoShop,
        &[
            (
                "own site",
                &|_| {},
                Outcome::Pass,
                "not on a Taobao/Tmall host",
            ),
            (
                "taobao shop",
                &|a| site(a).url = "https://shop123456.taobao.com".into(),
                Outcome::Fail,
                "is a Taobao/Tmall shop",
            ),
            (
                "tmall item",
                &|a| site(a).url = "detail.tmall.com/item.htm?id=1".into(),
                Outcome::Fail,
                "Taobao/Tmall",
            ),
            (
                "short link",
                &|a| site(a).url = "https://m.tb.cn/h.abc".into(),
                Outcome::Fail,
                "Taobao/Tmall",
            ),
            (
                "lookalike",
                &|a| site(a).url = "https://nottaobao.com".into(),
                Outcome::Pass,
                "not on",
            ),
            (
                "fragment trick",
                &|a| site(a).url = "https://evil.com#@taobao.com".into(),
                Outcome::Pass,
                "not on",
            ),
            (
                "malformed",
                &|a| site(a).url = "taobao".into(),
                Outcome::Manual,
                "not a well-formed",
            ),
            (
                "no website",
                &|a| a.website = None,
                Outcome::NotApplicable,
                "no website",
            ),
        ],
    );
}

#[test]
fn icp_filing() {
    run_table(
        CheckId::IcpFiling,
        &[
            ("filing", &|_| {}, Outcome::Pass, "浙ICP备2021012345号-1"),
            (
                "licence",
                &|a| site(a).icp = Some("京ICP证030173号".into()),
                Outcome::Pass,
                "ICP",
            ),
            (
                "telecom licence",
                &|a| site(a).icp = Some("浙B2-20080224".into()),
                Outcome::Pass,
                "B2",
            ),
            (
                "none",
                &|a| site(a).icp = None,
                Outcome::Fail,
                "no ICP filing number",
            ),
            (
                "blank",
                &|a| site(a).icp = Some("  ".into()),
                Outcome::Fail,
                "no ICP filing number",
            ),
            (
                "missing 号",
                &|a| site(a).icp = Some("京ICP备12345678".into()),
                Outcome::Fail,
                "must end with `号`",
            ),
            (
                "wrong province",
                &|a| site(a).icp = Some("港ICP备12345678号".into()),
                Outcome::Fail,
                "not a province",
            ),
            (
                "nine digits",
                &|a| site(a).icp = Some("京ICP备123456789号".into()),
                Outcome::Fail,
                "serial `123456789`",
            ),
            (
                "no website",
                &|a| a.website = None,
                Outcome::Fail,
                "none given",
            ),
        ],
    );
    // The zh evidence names the problem too: it is what a reviewer reads.
    let mut app = good_app();
    site(&mut app).icp = Some("京ICP备１２３４５６７８号".into());
    let r = result(&policy(), &app, CheckId::IcpFiling);
    assert!(r.detail.zh.contains("全角"), "{}", r.detail.zh);
}

#[test]
fn icp_filing_applies_only_where_policy_says() {
    let policy = policy();
    let mut app = good_app();
    site(&mut app).icp = None;
    for (product, plan, expected) in [
        ("platform_instant", "package_600", Outcome::Fail),
        ("platform_dual", "package_3600", Outcome::Fail),
        ("escrow", "tiered", Outcome::NotApplicable),
        ("large_transfer", "tiered", Outcome::NotApplicable),
    ] {
        app.product = product.into();
        app.plan = plan.into();
        assert_eq!(
            result(&policy, &app, CheckId::IcpFiling).outcome,
            expected,
            "{product}"
        );
    }
}

#[test]
fn test_credentials() {
    fn login(a: &mut Application, account: Option<&str>, password: Option<&str>) {
        let s = site(a);
        s.kind = SiteKind::Login;
        s.test_account = account.map(Into::into);
        s.test_password = password.map(Into::into);
    }
    run_table(
        CheckId::TestCredentials,
        &[
            ("shop", &|_| {}, Outcome::NotApplicable, "no login"),
            (
                "login, both",
                &|a| login(a, Some("reviewer"), Some("s3cret")),
                Outcome::Pass,
                "supplied",
            ),
            (
                "login, neither",
                &|a| login(a, None, None),
                Outcome::Fail,
                "no test account and no password",
            ),
            (
                "login, account only",
                &|a| login(a, Some("reviewer"), None),
                Outcome::Fail,
                "without a password",
            ),
            (
                "login, password only",
                &|a| login(a, None, Some("s3cret")),
                Outcome::Fail,
                "without a test account",
            ),
            (
                "login, blanks",
                &|a| login(a, Some(" "), Some("\t")),
                Outcome::Fail,
                "no test account and no password",
            ),
            (
                "forum",
                &|a| site(a).kind = SiteKind::Forum,
                Outcome::NotApplicable,
                "no login",
            ),
            (
                "no website",
                &|a| a.website = None,
                Outcome::NotApplicable,
                "no website",
            ),
        ],
    );
}

#[test]
fn forum_content() {
    run_table(
        CheckId::ForumContent,
        &[
            ("shop", &|_| {}, Outcome::NotApplicable, "not a forum"),
            (
                "info",
                &|a| site(a).kind = SiteKind::Info,
                Outcome::NotApplicable,
                "not a forum",
            ),
            (
                "forum",
                &|a| site(a).kind = SiteKind::Forum,
                Outcome::Manual,
                "posts come from users",
            ),
            (
                "no website",
                &|a| a.website = None,
                Outcome::NotApplicable,
                "no website",
            ),
        ],
    );
}

#[test]
fn goods_allowed() {
    let prohibited = Some("prohibited_goods");
    let restricted = Some("restricted_no_qualification");
    fn goods(a: &mut Application, ids: &[&str]) {
        a.goods = ids.iter().map(|s| s.to_string()).collect();
    }
    run_table_with_reasons(
        CheckId::GoodsAllowed,
        &[
            (
                "allowed",
                &|_| {},
                Outcome::Pass,
                "no prohibited or restricted",
                None,
            ),
            (
                "prohibited",
                &|a| goods(a, &["apparel", "weapons"]),
                Outcome::Fail,
                "prohibited Weapons",
                prohibited,
            ),
            (
                "restricted without document",
                &|a| goods(a, &["alcohol"]),
                Outcome::Fail,
                "restricted Alcohol without",
                restricted,
            ),
            (
                "restricted with document",
                &|a| {
                    goods(a, &["alcohol"]);
                    a.materials.push(qualification("alcohol"));
                },
                Outcome::Pass,
                "restricted with qualification: Alcohol",
                None,
            ),
            (
                "document for another category",
                &|a| {
                    goods(a, &["alcohol", "tobacco"]);
                    a.materials.push(qualification("alcohol"));
                },
                Outcome::Fail,
                "restricted Tobacco without",
                restricted,
            ),
            (
                "qualification with no category",
                &|a| {
                    goods(a, &["pharmaceuticals"]);
                    a.materials.push(Material {
                        kind: MaterialKind::Qualification,
                        reference: "x.pdf".into(),
                        category: None,
                    });
                },
                Outcome::Fail,
                "restricted Pharmaceuticals",
                restricted,
            ),
            (
                "category on a non-qualification material",
                &|a| {
                    goods(a, &["lottery"]);
                    a.materials.push(Material {
                        kind: MaterialKind::BankAccount,
                        reference: "x".into(),
                        category: Some("lottery".into()),
                    });
                },
                Outcome::Fail,
                "restricted Lottery",
                restricted,
            ),
            (
                "prohibited and restricted",
                &|a| goods(a, &["alcohol", "gambling"]),
                Outcome::Fail,
                "restricted without qualification: Alcohol",
                prohibited,
            ),
            (
                "prohibited even with a document",
                &|a| {
                    goods(a, &["narcotics"]);
                    a.materials.push(qualification("narcotics"));
                },
                Outcome::Fail,
                "prohibited Narcotics",
                prohibited,
            ),
            (
                "none declared",
                &|a| goods(a, &[]),
                Outcome::Manual,
                "no goods categories declared",
                None,
            ),
            (
                "unknown category",
                &|a| goods(a, &["apparel", "spaceships"]),
                Outcome::Manual,
                "spaceships",
                None,
            ),
            (
                "unknown beside prohibited",
                &|a| goods(a, &["spaceships", "weapons"]),
                Outcome::Fail,
                "prohibited",
                prohibited,
            ),
        ],
    );
}

#[test]
fn goods_allowed_applies_to_wireless_but_not_settlement() {
    let policy = policy();
    let mut app = good_app();
    app.goods = vec!["weapons".into()];
    app.plan = "tiered".into();
    app.product = "qr_instant".into();
    assert_eq!(
        result(&policy, &app, CheckId::GoodsAllowed).outcome,
        Outcome::Fail
    );
    app.product = "batch_payment".into();
    assert_eq!(
        result(&policy, &app, CheckId::GoodsAllowed).outcome,
        Outcome::NotApplicable
    );
}

#[test]
fn real_name_verified() {
    run_table(
        CheckId::RealNameVerified,
        &[
            (
                "verified",
                &|_| {},
                Outcome::Pass,
                "passed real-name verification",
            ),
            (
                "not verified",
                &|a| a.applicant.verified = false,
                Outcome::Fail,
                "pay@example.cn has not passed",
            ),
        ],
    );
}

#[test]
fn materials_complete() {
    fn without(a: &mut Application, kind: MaterialKind) {
        a.materials.retain(|m| m.kind != kind);
    }
    fn individual(a: &mut Application) {
        a.applicant.kind = ApplicantKind::Individual;
        a.applicant.legal_representative = None;
        a.applicant.contact = "李四".into();
        without(a, MaterialKind::BusinessLicence);
    }
    run_table(
        CheckId::MaterialsComplete,
        &[
            (
                "enterprise, complete",
                &|_| {},
                Outcome::Pass,
                "all required",
            ),
            (
                "no business licence",
                &|a| without(a, MaterialKind::BusinessLicence),
                Outcome::Fail,
                "missing: business licence",
            ),
            (
                "no ID front",
                &|a| without(a, MaterialKind::IdCardFront),
                Outcome::Fail,
                "missing: ID card (front)",
            ),
            (
                "no ID back",
                &|a| without(a, MaterialKind::IdCardBack),
                Outcome::Fail,
                "missing: ID card (back)",
            ),
            (
                "no bank account",
                &|a| without(a, MaterialKind::BankAccount),
                Outcome::Fail,
                "missing: bank account",
            ),
            (
                "several missing, in order",
                &|a| a.materials.clear(),
                Outcome::Fail,
                "missing: business licence, ID card (front), ID card (back), bank account",
            ),
            (
                "contact is not the legal representative",
                &|a| a.applicant.contact = "王五".into(),
                Outcome::Fail,
                "missing: authorisation letter (the applicant is not the legal representative)",
            ),
            (
                "legal representative unknown",
                &|a| a.applicant.legal_representative = None,
                Outcome::Fail,
                "authorisation letter",
            ),
            (
                "contact is not the legal representative, letter given",
                &|a| {
                    a.applicant.contact = "王五".into();
                    a.materials
                        .push(material(MaterialKind::AuthorisationLetter));
                },
                Outcome::Pass,
                "all required",
            ),
            (
                "contact matches but for spaces",
                &|a| a.applicant.contact = " 张三 ".into(),
                Outcome::Pass,
                "all required",
            ),
            (
                "individual, complete",
                &individual,
                Outcome::Pass,
                "all required",
            ),
            (
                "individual, no ID back",
                &|a| {
                    individual(a);
                    without(a, MaterialKind::IdCardBack);
                },
                Outcome::Fail,
                "missing: ID card (back)",
            ),
        ],
    );

    let mut app = good_app();
    app.applicant.contact = "王五".into();
    app.materials.clear();
    let r = result(&policy(), &app, CheckId::MaterialsComplete);
    assert_eq!(
        r.detail.zh,
        "缺少：营业执照、身份证正面、身份证反面、银行账户、企业委托授权书（申请人非法定代表人）"
    );
}

#[test]
fn required_materials_by_applicant_kind() {
    let mut app = good_app();
    use MaterialKind::*;
    assert_eq!(
        required_materials(&app),
        vec![BusinessLicence, IdCardFront, IdCardBack, BankAccount]
    );
    app.applicant.contact = "王五".into();
    assert_eq!(
        required_materials(&app),
        vec![
            BusinessLicence,
            IdCardFront,
            IdCardBack,
            BankAccount,
            AuthorisationLetter
        ]
    );
    app.applicant.kind = ApplicantKind::Individual;
    assert_eq!(
        required_materials(&app),
        vec![IdCardFront, IdCardBack, BankAccount]
    );
    for kind in MaterialKind::ALL {
        let (en, zh) = material_name(kind);
        assert!(!en.is_empty() && !zh.is_empty());
    }
}

#[test]
fn security_product() {
    run_table(
        CheckId::SecurityProduct,
        &[
            (
                "certificate",
                &|_| {},
                Outcome::Pass,
                "in use: digital certificate",
            ),
            (
                "shield and token",
                &|a| {
                    a.applicant.security =
                        vec![SecurityProduct::PaymentShield, SecurityProduct::Token]
                },
                Outcome::Pass,
                "payment shield, token",
            ),
            (
                "none",
                &|a| a.applicant.security.clear(),
                Outcome::Fail,
                "no digital certificate, payment shield or token",
            ),
        ],
    );
    let mut app = good_app();
    app.applicant.security = vec![
        SecurityProduct::Token,
        SecurityProduct::PaymentShield,
        SecurityProduct::Token,
    ];
    let r = result(&policy(), &app, CheckId::SecurityProduct);
    assert_eq!(r.detail.zh, "已启用：宝令、支付盾");
}

#[test]
fn prepayment() {
    fn pay(a: &mut Application, paid: bool, amount_yuan: u32) {
        a.payment = Some(Payment {
            method: PaymentMethod::OnlineBanking,
            paid,
            amount_yuan,
        });
    }
    run_table(
        CheckId::Prepayment,
        &[
            ("package paid", &|_| {}, Outcome::Pass, "600 yuan paid"),
            (
                "package overpaid",
                &|a| pay(a, true, 700),
                Outcome::Pass,
                "700 yuan paid",
            ),
            (
                "package 3600 paid",
                &|a| {
                    a.plan = "package_3600".into();
                    pay(a, true, 3600);
                },
                Outcome::Pass,
                "3600",
            ),
            (
                "package not received",
                &|a| pay(a, false, 600),
                Outcome::Fail,
                "payment not received",
            ),
            (
                "offline bank transfer: its receipt is confirmed by a person",
                &|a| {
                    pay(a, true, 600);
                    a.payment.as_mut().unwrap().method = PaymentMethod::BankTransfer;
                },
                Outcome::Manual,
                "600 yuan by bank transfer, as the applicant says: confirm it was received",
            ),
            (
                "postal remittance: its receipt is confirmed by a person",
                &|a| {
                    pay(a, true, 600);
                    a.payment.as_mut().unwrap().method = PaymentMethod::PostalRemittance;
                },
                Outcome::Manual,
                "by postal remittance",
            ),
            (
                "offline and underpaid fails without a person",
                &|a| {
                    pay(a, true, 599);
                    a.payment.as_mut().unwrap().method = PaymentMethod::BankTransfer;
                },
                Outcome::Fail,
                "only 599 yuan paid",
            ),
            (
                "Alipay card counts as received",
                &|a| {
                    pay(a, true, 600);
                    a.payment.as_mut().unwrap().method = PaymentMethod::AlipayCard;
                },
                Outcome::Pass,
                "600 yuan paid",
            ),
            (
                "package underpaid",
                &|a| pay(a, true, 599),
                Outcome::Fail,
                "only 599 yuan paid",
            ),
            (
                "package 3600 paid as 600",
                &|a| a.plan = "package_3600".into(),
                Outcome::Fail,
                "only 600 yuan paid",
            ),
            (
                "package, no payment",
                &|a| a.payment = None,
                Outcome::Fail,
                "no payment recorded",
            ),
            (
                "tiered",
                &|a| {
                    a.product = "escrow".into();
                    a.plan = "tiered".into();
                    a.payment = None;
                },
                Outcome::NotApplicable,
                "tiered",
            ),
            (
                "tiered with a payment",
                &|a| {
                    a.product = "escrow".into();
                    a.plan = "tiered".into();
                    pay(a, false, 0);
                },
                Outcome::NotApplicable,
                "tiered",
            ),
            (
                "unknown plan",
                &|a| a.plan = "package_9999".into(),
                Outcome::Manual,
                "unknown plan",
            ),
        ],
    );
}

#[test]
fn checks_outside_a_product_are_not_applicable() {
    let policy = policy();
    let mut app = good_app();
    app.product = "large_transfer".into();
    app.plan = "tiered".into();
    app.website = None;
    app.goods.clear();
    for r in evaluate(&policy, &app) {
        let applies = matches!(
            r.id,
            CheckId::RealNameVerified
                | CheckId::MaterialsComplete
                | CheckId::MaterialsGenuine
                | CheckId::SecurityProduct
                | CheckId::Prepayment
        );
        if applies {
            assert_ne!(r.outcome, Outcome::Fail, "{}: {:?}", r.id, r.detail);
        } else {
            assert_eq!(r.outcome, Outcome::NotApplicable, "{}", r.id);
            assert_eq!(r.reason, None);
        }
    }
}

#[test]
fn every_check_has_a_rule_and_every_reason_exists() {
    let policy = policy();
    for id in CheckId::ALL {
        let rule = policy
            .check_rule(id)
            .unwrap_or_else(|| panic!("no rule for {id}"));
        assert!(
            policy.reason(&rule.fail_reason).is_some(),
            "{id}: {}",
            rule.fail_reason
        );
        if let Some(r) = &rule.restricted_reason {
            assert!(policy.reason(r).is_some(), "{id}: {r}");
        }
        assert_eq!(id.id().parse::<CheckId>(), Ok(id));
    }
    assert!(
        "no_such_check"
            .parse::<CheckId>()
            .unwrap_err()
            .contains("website_built")
    );
}

/// Every way of failing, on every product, offers a reason that reasons.toml has.
#[test]
fn every_failure_offers_an_existing_reason() {
    let policy = policy();
    let mut bad = good_app();
    bad.applicant.verified = false;
    bad.applicant.security.clear();
    bad.applicant.contact = "王五".into();
    bad.materials.clear();
    bad.payment = None;
    bad.goods = vec!["alcohol".into()];
    let s = site(&mut bad);
    s.built = false;
    s.url = "https://shop1.taobao.com".into();
    s.icp = None;
    s.kind = SiteKind::Login;
    let mut prohibited = bad.clone();
    prohibited.goods = vec!["weapons".into()];
    let mut no_site = bad.clone();
    no_site.website = None;
    let mut failures = 0;
    for product in &policy.products {
        for plan in &product.plans {
            for app in [&bad, &prohibited, &no_site] {
                let mut app = app.clone();
                app.product = product.code.clone();
                app.plan = plan.clone();
                for r in evaluate(&policy, &app) {
                    match r.outcome {
                        Outcome::Fail => {
                            failures += 1;
                            let reason = r
                                .reason
                                .as_deref()
                                .unwrap_or_else(|| panic!("{}: no reason", r.id));
                            assert!(policy.reason(reason).is_some(), "{}: {reason}", r.id);
                        }
                        _ => assert_eq!(r.reason, None, "{}", r.id),
                    }
                }
            }
        }
    }
    assert!(failures > 100, "{failures}");
}

#[test]
fn summarise_counts_failures_and_manual_checks() {
    let r = |id, outcome| CheckResult {
        id,
        outcome,
        detail: Detail::new("", ""),
        reason: None,
    };
    let results = [
        r(CheckId::WebsiteBuilt, Outcome::Manual),
        r(CheckId::NotTaobaoShop, Outcome::Fail),
        r(CheckId::IcpFiling, Outcome::Fail),
        r(CheckId::ForumContent, Outcome::Manual),
        r(CheckId::GoodsAllowed, Outcome::Pass),
        r(CheckId::Prepayment, Outcome::NotApplicable),
    ];
    assert_eq!(
        summarise(&results),
        CheckSummary {
            failed: 2,
            manual: 2
        }
    );
    assert_eq!(summarise(&[]), CheckSummary::default());
}

fn judgement(check: CheckId, passed: bool, when: &str, note: Option<&str>) -> Judgement {
    Judgement {
        check,
        passed,
        note: note.map(Into::into),
        by: "reviewer1".into(),
        at: at(when),
    }
}

fn forum_app() -> Application {
    let mut app = good_app();
    site(&mut app).kind = SiteKind::Forum;
    app
}

#[test]
fn judgements_settle_manual_checks() {
    let policy = policy();
    let app = forum_app();
    let mut results = evaluate(&policy, &app);
    let before = results.clone();
    apply_judgements(
        &policy,
        &mut results,
        &[
            judgement(
                CheckId::WebsiteBuilt,
                true,
                "2026-03-03T09:00:00+08:00",
                None,
            ),
            judgement(
                CheckId::ForumContent,
                false,
                "2026-03-03T09:05:00+08:00",
                Some("only the owner posts"),
            ),
        ],
    );
    let get = |id| results.iter().find(|r| r.id == id).expect("present");
    let built = get(CheckId::WebsiteBuilt);
    assert_eq!(built.outcome, Outcome::Pass);
    assert_eq!(built.reason, None);
    assert_eq!(
        built.detail.en,
        "judged passed by reviewer1 at 2026-03-03 09:00"
    );
    let forum = get(CheckId::ForumContent);
    assert_eq!(forum.outcome, Outcome::Fail);
    assert_eq!(forum.reason.as_deref(), Some("forum_self_posted"));
    assert_eq!(
        forum.detail.en,
        "judged failed by reviewer1 at 2026-03-03 09:05: only the owner posts"
    );
    assert_eq!(
        forum.detail.zh,
        "reviewer1 于 2026-03-03 09:05 判定不通过：only the owner posts"
    );
    // The rest is untouched.
    for (a, b) in results.iter().zip(&before) {
        if !matches!(a.id, CheckId::WebsiteBuilt | CheckId::ForumContent) {
            assert_eq!(a, b);
        }
    }
    assert_eq!(
        summarise(&results),
        CheckSummary {
            failed: 1,
            // materials_genuine is still to be judged.
            manual: 1
        }
    );
}

#[test]
fn judgements_cannot_overturn_computed_outcomes() {
    let policy = policy();
    let mut app = forum_app();
    app.applicant.verified = false;
    let mut results = evaluate(&policy, &app);
    let before = results.clone();
    apply_judgements(
        &policy,
        &mut results,
        &[
            judgement(
                CheckId::RealNameVerified,
                true,
                "2026-03-03T09:00:00+08:00",
                None,
            ),
            judgement(
                CheckId::NotTaobaoShop,
                false,
                "2026-03-03T09:00:00+08:00",
                None,
            ),
            judgement(
                CheckId::TestCredentials,
                false,
                "2026-03-03T09:00:00+08:00",
                None,
            ),
        ],
    );
    assert_eq!(results, before);
}

#[test]
fn the_latest_judgement_wins() {
    let policy = policy();
    let app = forum_app();
    let apply = |judgements: &[Judgement]| {
        let mut results = evaluate(&policy, &app);
        apply_judgements(&policy, &mut results, judgements);
        results
            .into_iter()
            .find(|r| r.id == CheckId::ForumContent)
            .expect("present")
    };
    let early_fail = judgement(
        CheckId::ForumContent,
        false,
        "2026-03-03T09:00:00+08:00",
        None,
    );
    let late_pass = judgement(
        CheckId::ForumContent,
        true,
        "2026-03-03T10:00:00+08:00",
        None,
    );
    let r = apply(&[early_fail.clone(), late_pass.clone()]);
    assert_eq!((r.outcome, r.reason), (Outcome::Pass, None));
    // By time, not by the order the caller happens to pass them in.
    let r = apply(&[late_pass.clone(), early_fail.clone()]);
    assert_eq!((r.outcome, r.reason), (Outcome::Pass, None));
    // The same instant in another offset is the same time: the later in the list wins.
    let same_time_fail = judgement(
        CheckId::ForumContent,
        false,
        "2026-03-03T02:00:00+00:00",
        None,
    );
    let r = apply(&[late_pass.clone(), same_time_fail]);
    assert_eq!(r.outcome, Outcome::Fail);
    assert_eq!(
        r.detail.en, "judged failed by reviewer1 at 2026-03-03 10:00",
        "shown in China time"
    );
    // No judgement for the check: still manual.
    let r = apply(&[judgement(
        CheckId::WebsiteBuilt,
        false,
        "2026-03-03T09:00:00+08:00",
        Some(" "),
    )]);
    assert_eq!(r.outcome, Outcome::Manual);
}

#[test]
fn a_manual_goods_check_judged_failed_offers_the_goods_reason() {
    let policy = policy();
    let mut app = good_app();
    app.goods.clear();
    let mut results = evaluate(&policy, &app);
    apply_judgements(
        &policy,
        &mut results,
        &[judgement(
            CheckId::GoodsAllowed,
            false,
            "2026-03-03T09:00:00+08:00",
            None,
        )],
    );
    let r = results
        .iter()
        .find(|r| r.id == CheckId::GoodsAllowed)
        .expect("present");
    assert_eq!(r.outcome, Outcome::Fail);
    assert_eq!(r.reason.as_deref(), Some("prohibited_goods"));
}

#[test]
fn ids_are_the_serde_names_and_display_and_parse_round_trip() {
    for check in CheckId::ALL {
        let json = serde_json::to_value(check).expect("serialise");
        assert_eq!(json, serde_json::Value::from(check.id()), "{check:?}");
        assert_eq!(check.to_string(), check.id());
        assert_eq!(check.id().parse::<CheckId>(), Ok(check));
    }
    let err = "website".parse::<CheckId>().unwrap_err();
    assert!(
        err.contains("unknown check `website`") && err.contains("website_built"),
        "{err}"
    );
    for outcome in [
        Outcome::Pass,
        Outcome::Fail,
        Outcome::Manual,
        Outcome::NotApplicable,
    ] {
        let json = serde_json::to_value(outcome).expect("serialise");
        assert_eq!(json, serde_json::Value::from(outcome.id()), "{outcome:?}");
    }
}

#[test]
fn the_url_is_the_websites_and_none_without_one() {
    let mut app = good_app();
    let declared = site(&mut app).url.clone();
    assert!(!declared.is_empty());
    assert_eq!(app.url(), Some(declared.as_str()));
    app.website = None;
    assert_eq!(app.url(), None);
}
