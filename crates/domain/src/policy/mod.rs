//! Policy: the product catalogue, which checks apply to which product, return reasons,
//! goods categories and the holiday calendar. It is data under `data/`, loaded and
//! validated once at start; an error names the file, the line and what is wrong.
//!
//! The model and its lookups are here; `load` reads the TOML texts into it.

mod load;
#[cfg(test)]
mod tests;

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::path::PathBuf;

use serde::Deserialize;

use super::calendar::Calendar;
use super::checks::CheckId;

/// The files of a policy directory, and the copies built into the binary.
pub const FILES: [(&str, &str); 7] = [
    (
        "products.toml",
        include_str!("../../../../data/products.toml"),
    ),
    ("checks.toml", include_str!("../../../../data/checks.toml")),
    (
        "reasons.toml",
        include_str!("../../../../data/reasons.toml"),
    ),
    ("goods.toml", include_str!("../../../../data/goods.toml")),
    (
        "holidays.toml",
        include_str!("../../../../data/holidays.toml"),
    ),
    (
        "approvals.toml",
        include_str!("../../../../data/approvals.toml"),
    ),
    // Last: it says where the site probe may go, which no derived data depends on, so
    // it is outside `Policy::version` (changing it re-derives nothing).
    ("probe.toml", include_str!("../../../../data/probe.toml")),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductKind {
    /// 接口类: approved orders go to technical integration first.
    Interface,
    /// 清算类: no integration; approved orders take effect.
    Settlement,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub id: String,
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub id: String,
    pub zh: String,
    pub en: String,
    /// Prepaid packages have a price; the tiered rate has none.
    pub price_yuan: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct Product {
    pub code: String,
    pub group: String,
    pub kind: ProductKind,
    pub zh: String,
    pub en: String,
    /// Where a column is narrow (the name itself when the catalogue gives none).
    pub short_zh: String,
    pub short_en: String,
    pub plans: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct CheckRule {
    pub id: CheckId,
    pub zh: String,
    pub en: String,
    /// Product codes the check applies to (groups and "all" already expanded). Ordered:
    /// looked up for every check of every application, a score of codes are found
    /// faster by comparing than by SipHash.
    pub products: BTreeSet<String>,
    pub fail_reason: String,
    /// For goods_allowed: the reason a restricted category without qualification offers.
    pub restricted_reason: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Reason {
    pub code: String,
    pub zh: String,
    pub en: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GoodsStatus {
    Allowed,
    Restricted,
    Prohibited,
}

#[derive(Debug, Clone)]
pub struct GoodsCategory {
    pub id: String,
    pub zh: String,
    pub en: String,
    pub status: GoodsStatus,
}

/// Everything the rules need, validated.
#[derive(Debug, Clone)]
pub struct Policy {
    pub groups: Vec<Group>,
    pub plans: Vec<Plan>,
    pub products: Vec<Product>,
    /// In display order.
    pub checks: Vec<CheckRule>,
    pub reasons: Vec<Reason>,
    pub goods: Vec<GoodsCategory>,
    pub calendar: Calendar,
    /// Which approvals need a second reviewer (`approvals.toml`).
    pub second_approval: crate::approval::SecondApprovalPolicy,
    /// Whether and where the site probe may fetch (`probe.toml`).
    pub probe: ProbePolicy,
    /// A digest of every policy file but `probe.toml`: derived data computed under another
    /// version is stale.
    pub version: String,
    /// A digest of the holiday file alone: due times depend on it.
    pub calendar_version: String,
}

/// The site probe's policy: whether it runs, and the ports it may connect to (an
/// applicant's `http://host:6379/` must not reach a service that is not a website).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbePolicy {
    pub enabled: bool,
    /// Sorted, without repeats, never empty, never 0.
    pub ports: Vec<u16>,
}

/// A policy file that could not be used: which file, where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file.display(), line, self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl std::error::Error for PolicyError {}

impl Policy {
    pub fn product(&self, code: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.code == code)
    }

    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }

    pub fn plan(&self, id: &str) -> Option<&Plan> {
        self.plans.iter().find(|p| p.id == id)
    }

    pub fn reason(&self, code: &str) -> Option<&Reason> {
        self.reasons.iter().find(|r| r.code == code)
    }

    pub fn goods_category(&self, id: &str) -> Option<&GoodsCategory> {
        self.goods.iter().find(|g| g.id == id)
    }

    pub fn check_rule(&self, id: CheckId) -> Option<&CheckRule> {
        self.checks.iter().find(|c| c.id == id)
    }

    /// Product code → group id, for callers that look it up often.
    pub fn groups_by_product(&self) -> HashMap<&str, &str> {
        self.products
            .iter()
            .map(|p| (p.code.as_str(), p.group.as_str()))
            .collect()
    }
}
