//! The checks of the merchant: goods against policy, real-name verification, materials,
//! security products and the prepayment of a fee plan.

use super::*;
use crate::application::{ApplicantKind, MaterialKind, PaymentMethod, SecurityProduct};
use crate::policy::GoodsStatus;

pub(super) fn goods_allowed(policy: &Policy, app: &Application) -> (Outcome, Detail, bool) {
    let mut prohibited = Vec::new();
    let mut unqualified = Vec::new();
    let mut qualified = Vec::new();
    let mut unknown = Vec::new();
    for id in &app.goods {
        let Some(category) = policy.goods_category(id.trim()) else {
            unknown.push(id.as_str());
            continue;
        };
        match category.status {
            GoodsStatus::Allowed => {}
            GoodsStatus::Prohibited => prohibited.push(category),
            GoodsStatus::Restricted => {
                let has_document = app.materials.iter().any(|m| {
                    m.kind == MaterialKind::Qualification
                        && m.category.as_deref().map(str::trim) == Some(category.id.as_str())
                });
                if has_document {
                    qualified.push(category)
                } else {
                    unqualified.push(category)
                }
            }
        }
    }
    let names = |list: &[&crate::policy::GoodsCategory], zh: bool| {
        list.iter()
            .map(|c| if zh { c.zh.as_str() } else { c.en.as_str() })
            .collect::<Vec<_>>()
            .join(if zh { "、" } else { ", " })
    };
    if !prohibited.is_empty() {
        // The prohibited goods decide the reason, but the reviewer's message should not
        // lose the restricted ones the applicant must also fix.
        let (also_en, also_zh) = if unqualified.is_empty() {
            (String::new(), String::new())
        } else {
            (
                format!(
                    "; restricted without qualification: {}",
                    names(&unqualified, false)
                ),
                format!("；限售类未提供资质：{}", names(&unqualified, true)),
            )
        };
        return (
            Outcome::Fail,
            Detail::new(
                format!("goods: prohibited {}{also_en}", names(&prohibited, false)),
                format!("商品含禁售类：{}{also_zh}", names(&prohibited, true)),
            ),
            false,
        );
    }
    if !unqualified.is_empty() {
        return (
            Outcome::Fail,
            Detail::new(
                format!(
                    "goods: restricted {} without a qualification document",
                    names(&unqualified, false)
                ),
                format!("限售类商品未提供资质：{}", names(&unqualified, true)),
            ),
            true,
        );
    }
    // A category the policy does not know may be anything: a person decides.
    if !unknown.is_empty() {
        let list = unknown.join(", ");
        return (
            Outcome::Manual,
            Detail::new(
                format!("goods: unknown categories {list}: confirm on the site what they are"),
                format!("未知商品类目：{list}，请在网站上确认"),
            ),
            false,
        );
    }
    if app.goods.is_empty() {
        return (
            Outcome::Manual,
            Detail::new(
                "no goods categories declared: confirm on the site",
                "未声明商品类目，请在网站上确认",
            ),
            false,
        );
    }
    let detail = if qualified.is_empty() {
        Detail::new("no prohibited or restricted goods", "无禁售或限售类商品")
    } else {
        Detail::new(
            format!(
                "restricted with qualification: {}",
                names(&qualified, false)
            ),
            format!("限售类已提供资质：{}", names(&qualified, true)),
        )
    };
    (Outcome::Pass, detail, false)
}

pub(super) fn real_name_verified(app: &Application) -> (Outcome, Detail) {
    if app.applicant.verified {
        (
            Outcome::Pass,
            Detail::new(
                "the account passed real-name verification",
                "账户已通过实名认证",
            ),
        )
    } else {
        (
            Outcome::Fail,
            Detail::new(
                format!(
                    "applicant.verified is false: account {} has not passed real-name verification",
                    app.applicant.account
                ),
                format!("账户 {} 未通过实名认证", app.applicant.account),
            ),
        )
    }
}

/// The materials an applicant of this kind must submit (domain.md, real-name verification).
pub fn required_materials(app: &Application) -> Vec<MaterialKind> {
    match app.applicant.kind {
        ApplicantKind::Enterprise => {
            let mut required = vec![
                MaterialKind::BusinessLicence,
                MaterialKind::IdCardFront,
                MaterialKind::IdCardBack,
                MaterialKind::BankAccount,
            ];
            if app.applicant.needs_authorisation_letter() {
                required.push(MaterialKind::AuthorisationLetter);
            }
            required
        }
        ApplicantKind::Individual => vec![
            MaterialKind::IdCardFront,
            MaterialKind::IdCardBack,
            MaterialKind::BankAccount,
        ],
    }
}

pub fn material_name(kind: MaterialKind) -> (&'static str, &'static str) {
    match kind {
        MaterialKind::BusinessLicence => ("business licence", "营业执照"),
        MaterialKind::IdCardFront => ("ID card (front)", "身份证正面"),
        MaterialKind::IdCardBack => ("ID card (back)", "身份证反面"),
        MaterialKind::AuthorisationLetter => ("authorisation letter", "企业委托授权书"),
        MaterialKind::BankAccount => ("bank account", "银行账户"),
        MaterialKind::Qualification => ("qualification document", "资质证明"),
    }
}

pub(super) fn materials_complete(app: &Application) -> (Outcome, Detail) {
    let missing: Vec<MaterialKind> = required_materials(app)
        .into_iter()
        .filter(|k| !app.has_material(*k))
        .collect();
    if missing.is_empty() {
        return (
            Outcome::Pass,
            Detail::new("all required materials submitted", "所需材料齐全"),
        );
    }
    let en: Vec<&str> = missing.iter().map(|k| material_name(*k).0).collect();
    let zh: Vec<&str> = missing.iter().map(|k| material_name(*k).1).collect();
    // The letter is the one item an applicant may not know they need: say why.
    let (why_en, why_zh) = if missing.contains(&MaterialKind::AuthorisationLetter) {
        (
            " (the applicant is not the legal representative)",
            "（申请人非法定代表人）",
        )
    } else {
        ("", "")
    };
    (
        Outcome::Fail,
        Detail::new(
            format!("missing: {}{why_en}", en.join(", ")),
            format!("缺少：{}{why_zh}", zh.join("、")),
        ),
    )
}

/// Condition 3 of the process: the materials are true and lawful. Only a person can
/// tell, by comparing the scans with each other and with the registration: names, numbers,
/// dates and seals that agree, nothing altered.
pub(super) fn materials_genuine(app: &Application) -> (Outcome, Detail) {
    if app.materials.is_empty() {
        return (
            Outcome::Manual,
            Detail::new(
                "no materials submitted: nothing to compare (see materials_complete)",
                "未提交材料，无从核对（见“材料齐全”）",
            ),
        );
    }
    (
        Outcome::Manual,
        Detail::new(
            format!(
                "compare the {} document(s) with the registration: names, numbers, dates and seals agree, nothing altered",
                app.materials.len()
            ),
            format!(
                "请核对{}份材料与登记信息：名称、号码、日期、印章一致，无涂改",
                app.materials.len()
            ),
        ),
    )
}

fn security_product_name(product: SecurityProduct) -> (&'static str, &'static str) {
    match product {
        SecurityProduct::DigitalCertificate => ("digital certificate", "数字证书"),
        SecurityProduct::PaymentShield => ("payment shield", "支付盾"),
        SecurityProduct::Token => ("token", "宝令"),
    }
}

pub(super) fn security_product(app: &Application) -> (Outcome, Detail) {
    if app.applicant.security.is_empty() {
        return (
            Outcome::Fail,
            Detail::new(
                "no digital certificate, payment shield or token in use",
                "未启用数字证书、支付盾或宝令",
            ),
        );
    }
    let mut products: Vec<SecurityProduct> = Vec::new();
    for p in &app.applicant.security {
        if !products.contains(p) {
            products.push(*p);
        }
    }
    let en: Vec<&str> = products
        .iter()
        .map(|p| security_product_name(*p).0)
        .collect();
    let zh: Vec<&str> = products
        .iter()
        .map(|p| security_product_name(*p).1)
        .collect();
    (
        Outcome::Pass,
        Detail::new(
            format!("in use: {}", en.join(", ")),
            format!("已启用：{}", zh.join("、")),
        ),
    )
}

pub(super) fn prepayment(policy: &Policy, app: &Application) -> (Outcome, Detail) {
    if app.plan.is_empty() {
        return (
            Outcome::NotApplicable,
            Detail::new("no plan: nothing is paid up front", "无费率套餐，无需预付"),
        );
    }
    // An unknown plan is not the tiered rate: treating it as "nothing to pay" would
    // let an unpaid package through.
    let Some(plan) = policy.plan(&app.plan) else {
        return (
            Outcome::Manual,
            Detail::new(
                format!(
                    "unknown plan `{}`: check what the applicant must pay",
                    app.plan
                ),
                format!("未知套餐“{}”，请确认应付费用", app.plan),
            ),
        );
    };
    let Some(price) = plan.price_yuan else {
        return (
            Outcome::NotApplicable,
            Detail::new("tiered rate: nothing is paid up front", "阶梯费率无需预付"),
        );
    };
    match &app.payment {
        None => (
            Outcome::Fail,
            Detail::new(
                format!("package of {price} yuan: no payment recorded"),
                format!("{price}元套餐：无付款记录"),
            ),
        ),
        Some(p) if !p.paid => (
            Outcome::Fail,
            Detail::new(
                format!("package of {price} yuan: payment not received yet"),
                format!("{price}元套餐：款项尚未到账"),
            ),
        ),
        Some(p) if p.amount_yuan < price => (
            Outcome::Fail,
            Detail::new(
                format!("package of {price} yuan: only {} yuan paid", p.amount_yuan),
                format!("{price}元套餐：仅付款{}元", p.amount_yuan),
            ),
        ),
        // An offline payment is "paid" on the applicant's word until the money is seen in
        // the company's account: a person confirms its receipt.
        Some(p)
            if matches!(
                p.method,
                PaymentMethod::BankTransfer | PaymentMethod::PostalRemittance
            ) =>
        {
            let (how_en, how_zh) = match p.method {
                PaymentMethod::PostalRemittance => ("postal remittance", "邮局汇款"),
                _ => ("bank transfer", "线下银行转账"),
            };
            (
                Outcome::Manual,
                Detail::new(
                    format!(
                        "package of {price} yuan: {} yuan by {how_en}, as the applicant says: confirm it was received",
                        p.amount_yuan
                    ),
                    format!(
                        "{price}元套餐：申请人称已通过{how_zh}付款{}元，请确认款项已到账",
                        p.amount_yuan
                    ),
                ),
            )
        }
        Some(p) => (
            Outcome::Pass,
            Detail::new(
                format!(
                    "{} yuan paid for the package of {price} yuan",
                    p.amount_yuan
                ),
                format!("{price}元套餐：已付款{}元", p.amount_yuan),
            ),
        ),
    }
}
