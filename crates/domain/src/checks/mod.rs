//! Eligibility checks (申请条件). Each check looks at one application and gives one
//! outcome with its evidence. Which checks apply to which product is policy
//! (`data/checks.toml`); what each check means is here.

mod icp;
mod merchant;
mod taobao;
#[cfg(test)]
mod tests;
mod website;

pub use icp::{IcpProblem, find_icp_numbers, same_filing, validate_icp};
use merchant::{
    goods_allowed, materials_complete, materials_genuine, prepayment, real_name_verified,
    security_product,
};
pub use merchant::{material_name, required_materials};
pub use taobao::is_taobao_url;
pub(crate) use taobao::{is_taobao_host, parse_host};
use website::{forum_content, icp_filing, not_taobao_shop, test_credentials, website_built};

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::application::Application;
use super::policy::Policy;

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
    MaterialsGenuine,
    SecurityProduct,
    Prepayment,
}

impl CheckId {
    pub const ALL: [CheckId; 11] = [
        CheckId::WebsiteBuilt,
        CheckId::NotTaobaoShop,
        CheckId::IcpFiling,
        CheckId::TestCredentials,
        CheckId::ForumContent,
        CheckId::GoodsAllowed,
        CheckId::RealNameVerified,
        CheckId::MaterialsComplete,
        CheckId::MaterialsGenuine,
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
            CheckId::MaterialsGenuine => "materials_genuine",
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
        CheckId::MaterialsGenuine => materials_genuine(app),
        CheckId::SecurityProduct => security_product(app),
        CheckId::Prepayment => prepayment(policy, app),
    };
    (outcome, detail, false)
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
