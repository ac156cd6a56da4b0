//! Eligibility checks (申请条件). Each check looks at one application and gives one
//! outcome with its evidence. Which checks apply to which product is policy
//! (`data/checks.toml`); what each check means is here.

mod icp;
mod taobao;
#[cfg(test)]
mod tests;

pub use icp::{IcpProblem, validate_icp};
pub use taobao::is_taobao_url;
pub(crate) use taobao::{is_taobao_host, parse_host};

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::application::{ApplicantKind, Application, MaterialKind, SecurityProduct, SiteKind};
use super::policy::{GoodsStatus, Policy};

/// Stable check ids, used in `show --json` and in `data/checks.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckId {
    WebsiteBuilt,
    NotTaobaoShop,
    IcpFiling,
    TestCredentials,
    ForumContent,
    GoodsAllowed,
    RealNameVerified,
    MaterialsComplete,
    SecurityProduct,
    Prepayment,
}

impl CheckId {
    pub const ALL: [CheckId; 10] = [
        CheckId::WebsiteBuilt,
        CheckId::NotTaobaoShop,
        CheckId::IcpFiling,
        CheckId::TestCredentials,
        CheckId::ForumContent,
        CheckId::GoodsAllowed,
        CheckId::RealNameVerified,
        CheckId::MaterialsComplete,
        CheckId::SecurityProduct,
        CheckId::Prepayment,
    ];

    pub fn id(self) -> &'static str {
        match self {
            CheckId::WebsiteBuilt => "website_built",
            CheckId::NotTaobaoShop => "not_taobao_shop",
            CheckId::IcpFiling => "icp_filing",
            CheckId::TestCredentials => "test_credentials",
            CheckId::ForumContent => "forum_content",
            CheckId::GoodsAllowed => "goods_allowed",
            CheckId::RealNameVerified => "real_name_verified",
            CheckId::MaterialsComplete => "materials_complete",
            CheckId::SecurityProduct => "security_product",
            CheckId::Prepayment => "prepayment",
        }
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for CheckId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CheckId::ALL
            .into_iter()
            .find(|c| c.id() == s)
            .ok_or_else(|| {
                let ids: Vec<&str> = CheckId::ALL.iter().map(|c| c.id()).collect();
                format!("unknown check `{s}` (one of: {})", ids.join(", "))
            })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    /// A person must judge; the detail says what to look at.
    Manual,
    NotApplicable,
}

impl Outcome {
    pub fn id(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Manual => "manual",
            Outcome::NotApplicable => "not_applicable",
        }
    }
}

/// Evidence in both languages the console speaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detail {
    // Most evidence is fixed text: borrowed, it costs nothing to give for each of the
    // million applications of a large import.
    pub en: Cow<'static, str>,
    pub zh: Cow<'static, str>,
}

impl Detail {
    pub fn new(en: impl Into<Cow<'static, str>>, zh: impl Into<Cow<'static, str>>) -> Detail {
        Detail {
            en: en.into(),
            zh: zh.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckResult {
    pub id: CheckId,
    pub outcome: Outcome,
    pub detail: Detail,
    /// For a failed check: the return reason it offers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Counts for the queue's compact summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckSummary {
    pub failed: u32,
    pub manual: u32,
}

pub fn summarise(results: &[CheckResult]) -> CheckSummary {
    let mut s = CheckSummary::default();
    for r in results {
        match r.outcome {
            Outcome::Fail => s.failed += 1,
            Outcome::Manual => s.manual += 1,
            _ => {}
        }
    }
    s
}

/// Runs every check of the policy, in policy order, on `app`.
pub fn evaluate(policy: &Policy, app: &Application) -> Vec<CheckResult> {
    policy
        .checks
        .iter()
        .map(|rule| {
            if !rule.products.contains(&app.product) {
                return CheckResult {
                    id: rule.id,
                    outcome: Outcome::NotApplicable,
                    detail: Detail::new("not required for this product", "该产品无需此项"),
                    reason: None,
                };
            }
            let (outcome, detail, restricted) = run(rule.id, policy, app);
            let reason = (outcome == Outcome::Fail).then(|| {
                if restricted {
                    rule.restricted_reason
                        .clone()
                        .unwrap_or_else(|| rule.fail_reason.clone())
                } else {
                    rule.fail_reason.clone()
                }
            });
            CheckResult {
                id: rule.id,
                outcome,
                detail,
                reason,
            }
        })
        .collect()
}

/// (outcome, evidence, whether a goods failure is only about restricted goods)
fn run(id: CheckId, policy: &Policy, app: &Application) -> (Outcome, Detail, bool) {
    let (outcome, detail) = match id {
        CheckId::WebsiteBuilt => website_built(app),
        CheckId::NotTaobaoShop => not_taobao_shop(app),
        CheckId::IcpFiling => icp_filing(app),
        CheckId::TestCredentials => test_credentials(app),
        CheckId::ForumContent => forum_content(app),
        CheckId::GoodsAllowed => return goods_allowed(policy, app),
        CheckId::RealNameVerified => real_name_verified(app),
        CheckId::MaterialsComplete => materials_complete(app),
        CheckId::SecurityProduct => security_product(app),
        CheckId::Prepayment => prepayment(policy, app),
    };
    (outcome, detail, false)
}

fn no_website() -> (Outcome, Detail) {
    (
        Outcome::Fail,
        Detail::new("website: none given", "网站：未提供"),
    )
}

fn website_built(app: &Application) -> (Outcome, Detail) {
    let Some(site) = &app.website else {
        return no_website();
    };
    if !site.built {
        return (
            Outcome::Fail,
            Detail::new(
                format!(
                    "website.built is false: the applicant says {} is not complete",
                    site.url
                ),
                format!("网站声明未建设完成：{}", site.url),
            ),
        );
    }
    if parse_host(&site.url).is_none() {
        return (
            Outcome::Fail,
            Detail::new(
                format!(
                    "website.url `{}` is not a well-formed web address",
                    site.url
                ),
                format!("网址格式不正确：{}", site.url),
            ),
        );
    }
    (
        Outcome::Manual,
        Detail::new(
            format!(
                "open {} and confirm it is complete and what it sells is clear",
                site.url
            ),
            format!("请打开 {} 确认网站已建成、所售商品或服务清晰完整", site.url),
        ),
    )
}

/// For checks about a website that is not there: `website_built` already fails for it,
/// and failing these too would offer return reasons that claim things about a site
/// nobody has seen (a Taobao shop, a missing test account).
fn website_absent() -> (Outcome, Detail) {
    (
        Outcome::NotApplicable,
        Detail::new(
            "no website given (see website_built)",
            "未提供网站（见“网站已建成”）",
        ),
    )
}

fn not_taobao_shop(app: &Application) -> (Outcome, Detail) {
    let Some(site) = &app.website else {
        return website_absent();
    };
    let Some(host) = parse_host(&site.url) else {
        return (
            Outcome::Manual,
            Detail::new(
                format!(
                    "website.url `{}` is not a well-formed web address: find the site and confirm it is not a Taobao/Tmall shop",
                    site.url
                ),
                format!(
                    "网址格式不正确：{}，请确认该网站不是淘宝/天猫店铺",
                    site.url
                ),
            ),
        );
    };
    if is_taobao_host(&host) {
        (
            Outcome::Fail,
            Detail::new(
                format!("website.url `{}` is a Taobao/Tmall shop", site.url),
                format!("网址为淘宝/天猫店铺：{}", site.url),
            ),
        )
    } else {
        (
            Outcome::Pass,
            Detail::new(
                format!("{} is not on a Taobao/Tmall host", site.url),
                format!("{} 不是淘宝/天猫网址", site.url),
            ),
        )
    }
}

fn icp_filing(app: &Application) -> (Outcome, Detail) {
    let Some(site) = &app.website else {
        return no_website();
    };
    match site.icp.as_deref().map(str::trim) {
        None | Some("") => (
            Outcome::Fail,
            Detail::new("website.icp: no ICP filing number given", "未提供ICP备案号"),
        ),
        Some(number) => match validate_icp(number) {
            Ok(()) => (
                Outcome::Pass,
                Detail::new(format!("ICP number {number}"), format!("备案号 {number}")),
            ),
            Err(problem) => (
                Outcome::Fail,
                Detail::new(
                    format!("website.icp `{number}` is malformed: {}", problem.en()),
                    format!("备案号 {number} 格式不正确：{}", problem.zh()),
                ),
            ),
        },
    }
}

fn test_credentials(app: &Application) -> (Outcome, Detail) {
    let Some(site) = &app.website else {
        return website_absent();
    };
    if site.kind != SiteKind::Login {
        return (
            Outcome::NotApplicable,
            Detail::new("the site needs no login", "网站无需登录"),
        );
    }
    let has = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
    match (has(&site.test_account), has(&site.test_password)) {
        (true, true) => (
            Outcome::Pass,
            Detail::new("test account and password supplied", "已提供测试账号和密码"),
        ),
        (false, false) => (
            Outcome::Fail,
            Detail::new(
                "login site: no test account and no password",
                "需登录网站：未提供测试账号和密码",
            ),
        ),
        (true, false) => (
            Outcome::Fail,
            Detail::new(
                "login site: test account given without a password",
                "需登录网站：缺少测试密码",
            ),
        ),
        (false, true) => (
            Outcome::Fail,
            Detail::new(
                "login site: password given without a test account",
                "需登录网站：缺少测试账号",
            ),
        ),
    }
}

fn forum_content(app: &Application) -> (Outcome, Detail) {
    let Some(site) = &app.website else {
        return website_absent();
    };
    if site.kind != SiteKind::Forum {
        return (
            Outcome::NotApplicable,
            Detail::new("not a forum", "非论坛类网站"),
        );
    }
    (
        Outcome::Manual,
        Detail::new(
            format!(
                "open the forum at {} and confirm posts come from users, not only the site itself",
                site.url
            ),
            format!("请打开论坛 {} 确认有非本网站自发的信息", site.url),
        ),
    )
}

fn goods_allowed(policy: &Policy, app: &Application) -> (Outcome, Detail, bool) {
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
    let names = |list: &[&super::policy::GoodsCategory], zh: bool| {
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

fn real_name_verified(app: &Application) -> (Outcome, Detail) {
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

fn materials_complete(app: &Application) -> (Outcome, Detail) {
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

fn security_product_name(product: SecurityProduct) -> (&'static str, &'static str) {
    match product {
        SecurityProduct::DigitalCertificate => ("digital certificate", "数字证书"),
        SecurityProduct::PaymentShield => ("payment shield", "支付盾"),
        SecurityProduct::Token => ("token", "宝令"),
    }
}

fn security_product(app: &Application) -> (Outcome, Detail) {
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

fn prepayment(policy: &Policy, app: &Application) -> (Outcome, Detail) {
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

/// A reviewer's verdict on a check that needs a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Judgement {
    pub check: CheckId,
    pub passed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub by: String,
    #[serde(with = "crate::application::rfc3339")]
    pub at: chrono::DateTime<chrono::FixedOffset>,
}

/// The outcomes once the reviewers' judgements of manual checks are taken into account.
/// Only manual checks can be judged: a computed pass or fail stands. When a check was
/// judged more than once the latest judgement (by time, then by position) wins.
pub fn apply_judgements(policy: &Policy, results: &mut [CheckResult], judgements: &[Judgement]) {
    for result in results.iter_mut().filter(|r| r.outcome == Outcome::Manual) {
        let latest = judgements
            .iter()
            .enumerate()
            .filter(|(_, j)| j.check == result.id)
            .max_by_key(|(i, j)| (j.at, *i))
            .map(|(_, j)| j);
        let Some(j) = latest else { continue };
        result.outcome = if j.passed {
            Outcome::Pass
        } else {
            Outcome::Fail
        };
        let verdict = if j.passed {
            ("passed", "通过")
        } else {
            ("failed", "不通过")
        };
        let at = j.at.with_timezone(&crate::calendar::china());
        let at = at.format("%Y-%m-%d %H:%M");
        let note = j.note.as_deref().map(str::trim).filter(|n| !n.is_empty());
        let (note_en, note_zh) = match note {
            Some(n) => (format!(": {n}"), format!("：{n}")),
            None => (String::new(), String::new()),
        };
        result.detail = Detail::new(
            format!("judged {} by {} at {at}{note_en}", verdict.0, j.by),
            format!("{} 于 {at} 判定{}{note_zh}", j.by, verdict.1),
        );
        result.reason = if j.passed {
            None
        } else {
            policy.check_rule(result.id).map(|r| r.fail_reason.clone())
        };
    }
}
