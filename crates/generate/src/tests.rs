//! The generator's promises: the same seed gives the same output, every application is
//! valid for the policy, and each problem turns up in a plausible share.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, FixedOffset, TimeZone};

use shenhe_domain::application::{ApplicantKind, Application, MaterialKind, SiteKind};
use shenhe_domain::calendar::china;
use shenhe_domain::checks::{Outcome, evaluate, is_taobao_url, validate_icp};
use shenhe_domain::policy::{Policy, ProductKind};

use crate::generator::CHUNK;
use crate::materials::credit_code;
use crate::rng::Rng;
use crate::shares::WINDOW_DAYS;
use crate::vocabulary::{CITIES, CREDIT_CODE_CHARS};
use crate::website::{icp_number, malformed_icp, site_url, taobao_url};
use crate::{Generator, write_ndjson};

fn now() -> DateTime<FixedOffset> {
    china().with_ymd_and_hms(2025, 11, 19, 15, 30, 0).unwrap()
}

fn applications(seed: u64, count: u64) -> (Policy, Vec<Application>) {
    let policy = Policy::builtin();
    let mut generator = Generator::new(&policy, seed, now());
    let apps = (0..count).map(|i| generator.application(i)).collect();
    (policy, apps)
}

fn ndjson(seed: u64, count: u64) -> Vec<u8> {
    let mut out = Vec::new();
    write_ndjson(&Policy::builtin(), seed, now(), count, &mut out).unwrap();
    out
}

#[test]
fn same_seed_same_output_different_seed_different_output() {
    let first = ndjson(7, 300);
    assert_eq!(first, ndjson(7, 300));
    assert_ne!(first, ndjson(8, 300));
    // And an application does not depend on the ones made before it.
    let (_, apps) = applications(7, 300);
    let mut generator = Generator::new(&Policy::builtin(), 7, now());
    assert_eq!(generator.application(299), apps[299]);
}

#[test]
fn chunks_made_on_several_cores_come_out_in_order() {
    let count = 2 * CHUNK + 17;
    let out = String::from_utf8(ndjson(5, count)).unwrap();
    let mut generator = Generator::new(&Policy::builtin(), 5, now());
    let mut lines = 0;
    for (index, line) in out.lines().enumerate() {
        let expected = serde_json::to_string(&generator.application(index as u64)).unwrap();
        assert_eq!(line, expected, "line {index}");
        lines += 1;
    }
    assert_eq!(lines, count);
}

#[test]
fn output_is_one_application_per_line() {
    let out = String::from_utf8(ndjson(3, 200)).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 200);
    let (_, apps) = applications(3, 200);
    for (line, app) in lines.iter().zip(&apps) {
        let parsed: Application = serde_json::from_str(line).unwrap();
        assert_eq!(&parsed, app);
    }
}

#[test]
fn ids_are_unique_and_well_formed() {
    let (_, apps) = applications(1, 10_000);
    let mut seen = HashSet::new();
    for app in &apps {
        assert!(app.id.len() <= 40, "{}", app.id);
        assert!(
            app.id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
            "{}",
            app.id
        );
        assert!(seen.insert(app.id.clone()), "duplicate id {}", app.id);
    }
}

#[test]
fn every_product_and_plan_appears() {
    let (policy, apps) = applications(2, 2_000);
    let products: HashSet<&str> = apps.iter().map(|a| a.product.as_str()).collect();
    let plans: HashSet<&str> = apps.iter().map(|a| a.plan.as_str()).collect();
    for product in &policy.products {
        assert!(
            products.contains(product.code.as_str()),
            "no application for {}",
            product.code
        );
    }
    for plan in &policy.plans {
        assert!(
            plans.contains(plan.id.as_str()),
            "no application on plan {}",
            plan.id
        );
    }
}

#[test]
fn applications_are_valid_for_the_policy() {
    let (policy, apps) = applications(4, 5_000);
    for app in &apps {
        let product = policy.product(&app.product).expect("known product");
        assert!(
            product.plans.contains(&app.plan) || (product.plans.is_empty() && app.plan.is_empty()),
            "{}: plan {} not allowed for {}",
            app.id,
            app.plan,
            app.product
        );
        let price = if app.plan.is_empty() {
            None
        } else {
            policy.plan(&app.plan).expect("known plan").price_yuan
        };
        for category in &app.goods {
            assert!(
                policy.goods_category(category).is_some(),
                "{}: unknown goods {category}",
                app.id
            );
        }
        assert!(!app.goods.is_empty());
        if let (Some(price), Some(payment)) = (price, &app.payment) {
            assert!(payment.amount_yuan <= price);
        }
        let applicant = &app.applicant;
        match applicant.kind {
            ApplicantKind::Enterprise => {
                assert!(applicant.name.ends_with("有限公司"), "{}", applicant.name);
                assert!(applicant.legal_representative.is_some());
            }
            ApplicantKind::Individual => assert_eq!(applicant.legal_representative, None),
        }
        for material in &app.materials {
            match material.kind {
                MaterialKind::BusinessLicence => assert!(
                    credit_code_is_valid(&material.reference),
                    "{}",
                    material.reference
                ),
                MaterialKind::IdCardFront => {
                    assert_eq!(material.reference.chars().count(), 18);
                    assert_eq!(&material.reference[6..14], "********");
                }
                MaterialKind::Qualification => {
                    let category = material.category.as_deref().expect("names its category");
                    assert!(app.goods.iter().any(|g| g == category));
                }
                _ => assert!(!material.reference.is_empty()),
            }
        }
        // Clean data: nothing a terminal would need to escape.
        let json = serde_json::to_string(app).unwrap();
        assert!(!json.chars().any(|c| c.is_control()), "{json}");
    }
}

#[test]
fn settlement_products_usually_have_no_website() {
    let (policy, apps) = applications(5, 5_000);
    let settlement: Vec<&Application> = apps
        .iter()
        .filter(|a| policy.product(&a.product).unwrap().kind == ProductKind::Settlement)
        .collect();
    let with_site = settlement.iter().filter(|a| a.website.is_some()).count();
    assert!(!settlement.is_empty());
    assert!(
        with_site * 5 < settlement.len(),
        "{with_site} of {}",
        settlement.len()
    );
}

/// The share of applications failing each check, and of other problems, is a few percent.
#[test]
fn problems_occur_in_plausible_shares() {
    let (policy, apps) = applications(6, 10_000);
    let mut failed: BTreeMap<&str, usize> = BTreeMap::new();
    // Applications whose product the check applies to (a login check on a shop included).
    let mut applicable: BTreeMap<&str, usize> = BTreeMap::new();
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for app in &apps {
        for result in evaluate(&policy, app) {
            if policy
                .check_rule(result.id)
                .unwrap()
                .products
                .contains(&app.product)
            {
                *applicable.entry(result.id.id()).or_default() += 1;
            }
            if result.outcome == Outcome::Fail {
                *failed.entry(result.id.id()).or_default() += 1;
                *reasons.entry(result.reason.unwrap()).or_default() += 1;
            }
        }
    }
    let share = |id: &str| failed.get(id).copied().unwrap_or(0) as f64 / applicable[id] as f64;
    let expected: &[(&str, f64, f64)] = &[
        ("real_name_verified", 0.03, 0.08),
        ("materials_complete", 0.04, 0.12),
        ("security_product", 0.02, 0.07),
        // Only packages can fail it, about a third of the applications.
        ("prepayment", 0.01, 0.05),
        ("website_built", 0.02, 0.07),
        ("not_taobao_shop", 0.03, 0.08),
        // Missing, malformed, or a Taobao shop that has no filing of its own.
        ("icp_filing", 0.06, 0.16),
        ("test_credentials", 0.02, 0.08),
        ("goods_allowed", 0.04, 0.10),
    ];
    for &(id, low, high) in expected {
        let s = share(id);
        assert!(
            (low..=high).contains(&s),
            "{id}: {:.1}% fail, expected {low}..{high}; {failed:?} of {applicable:?}",
            s * 100.0
        );
    }
    // Both kinds of goods failure, and qualified restricted goods that pass.
    assert!(
        reasons["prohibited_goods"] > 50 && reasons["restricted_no_qualification"] > 50,
        "{reasons:?}"
    );
    let qualified = apps
        .iter()
        .filter(|a| a.has_material(MaterialKind::Qualification))
        .count();
    assert!(qualified > 100, "{qualified}");
    // Forum sites are judged by a person; there are some to judge.
    let forums = apps
        .iter()
        .filter(|a| {
            a.website
                .as_ref()
                .is_some_and(|w| w.kind == SiteKind::Forum)
        })
        .count();
    assert!(forums > 100, "{forums}");
    // Most applications are clean.
    let clean = apps
        .iter()
        .filter(|a| {
            evaluate(&policy, a)
                .iter()
                .all(|r| r.outcome != Outcome::Fail)
        })
        .count();
    assert!(clean * 2 > apps.len(), "{clean} clean");
}

#[test]
fn submissions_spread_over_the_four_weeks_before_now() {
    let (_, apps) = applications(8, 10_000);
    let earliest = now() - Duration::days(WINDOW_DAYS as i64);
    let mut in_last_day = 0;
    let mut older_than_15_days = 0;
    let mut office_hours = 0;
    for app in &apps {
        let at = app.submitted_at;
        assert!(at <= now() && at >= earliest, "{at}");
        assert_eq!(at.offset().local_minus_utc(), 8 * 3600);
        assert!(app.id.contains(&at.format("%Y%m%d").to_string()));
        in_last_day += usize::from(now() - at < Duration::days(1));
        older_than_15_days += usize::from(now() - at > Duration::days(15));
        office_hours += usize::from((9..18).contains(&chrono::Timelike::hour(&at)));
    }
    // Recent days are busier than the average day, and some are old enough to expire.
    assert!(in_last_day > apps.len() / WINDOW_DAYS, "{in_last_day}");
    assert!(older_than_15_days > apps.len() / 10, "{older_than_15_days}");
    assert!(office_hours * 2 > apps.len(), "{office_hours}");
}

#[test]
fn unverified_accounts_include_some_old_enough_to_expire() {
    let (_, apps) = applications(9, 10_000);
    let expired = apps
        .iter()
        .filter(|a| !a.applicant.verified && now() - a.submitted_at > Duration::days(15))
        .count();
    assert!(expired > 20, "{expired}");
}

#[test]
fn icp_numbers_are_well_formed_or_deliberately_not() {
    let mut rng = Rng::new(1);
    for city in CITIES {
        for _ in 0..200 {
            let good = icp_number(&mut rng, city.province, true);
            assert_eq!(validate_icp(&good), Ok(()), "{good}");
            assert!(good.starts_with(city.province));
            let bad = malformed_icp(&mut rng, city.province);
            assert!(validate_icp(&bad).is_err(), "{bad}");
        }
    }
}

#[test]
fn icp_numbers_match_the_company_province() {
    let (_, apps) = applications(10, 3_000);
    let mut checked = 0;
    for app in apps
        .iter()
        .filter(|a| a.applicant.kind == ApplicantKind::Enterprise)
    {
        let Some(icp) = app.website.as_ref().and_then(|w| w.icp.as_deref()) else {
            continue;
        };
        if validate_icp(icp).is_err() {
            continue;
        }
        let city = CITIES
            .iter()
            .find(|c| app.applicant.name.starts_with(c.name))
            .expect("a known city");
        assert!(
            icp.starts_with(city.province),
            "{} {icp}",
            app.applicant.name
        );
        checked += 1;
    }
    assert!(checked > 500, "{checked}");
}

#[test]
fn taobao_urls_are_recognised_and_own_sites_are_not() {
    let mut rng = Rng::new(2);
    let policy = Policy::builtin();
    let generator = Generator::new(&policy, 0, now());
    for product in &generator.products {
        for _ in 0..100 {
            let taobao = taobao_url(&mut rng, "yunfan.com.cn");
            assert!(is_taobao_url(&taobao), "{taobao}");
            let own = site_url(&mut rng, SiteKind::Shop, product, "yunfan.com.cn");
            assert!(!is_taobao_url(&own), "{own}");
        }
    }
}

#[test]
fn credit_codes_carry_valid_check_characters() {
    // A published example code, to check the checker.
    assert!(credit_code_is_valid("91350100M000100Y43"));
    assert!(!credit_code_is_valid("91350100M000100Y44"));
    let mut rng = Rng::new(3);
    for _ in 0..1_000 {
        let code = credit_code(&mut rng, "330106");
        assert!(credit_code_is_valid(&code), "{code}");
    }
}

/// GB 32100 and GB 11714 check characters, written independently of the generator.
fn credit_code_is_valid(code: &str) -> bool {
    let bytes = code.as_bytes();
    if bytes.len() != 18 || !bytes.iter().all(|b| CREDIT_CODE_CHARS.contains(b)) {
        return false;
    }
    let index = |b: &u8| CREDIT_CODE_CHARS.iter().position(|c| c == b).unwrap() as u32;
    let mut weight = 1;
    let mut sum = 0;
    for b in &bytes[..17] {
        sum += index(b) * weight;
        weight = weight * 3 % 31;
    }
    let organisation = &bytes[8..17];
    let value = |b: &u8| {
        if b.is_ascii_digit() {
            u32::from(b - b'0')
        } else {
            u32::from(b - b'A') + 10
        }
    };
    let sum9: u32 = organisation[..8]
        .iter()
        .zip([3, 7, 9, 10, 5, 8, 4, 2])
        .map(|(b, w)| value(b) * w)
        .sum();
    let check9 = match 11 - sum9 % 11 {
        10 => b'X',
        11 => b'0',
        d => b'0' + d as u8,
    };
    CREDIT_CODE_CHARS[((31 - sum % 31) % 31) as usize] == bytes[17] && organisation[8] == check9
}
