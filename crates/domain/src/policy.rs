//! Policy: the product catalogue, which checks apply to which product, return reasons,
//! goods categories and the holiday calendar. It is data under `data/`, loaded and
//! validated once at start; an error names the file, the line and what is wrong.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;

use super::calendar::{Calendar, YearSchedule};
use super::checks::CheckId;

/// The files of a policy directory, and the copies built into the binary.
pub const FILES: [(&str, &str); 5] = [
    ("products.toml", include_str!("../../../data/products.toml")),
    ("checks.toml", include_str!("../../../data/checks.toml")),
    ("reasons.toml", include_str!("../../../data/reasons.toml")),
    ("goods.toml", include_str!("../../../data/goods.toml")),
    ("holidays.toml", include_str!("../../../data/holidays.toml")),
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
    /// A digest of every policy file: derived data computed under another version is stale.
    pub version: String,
    /// A digest of the holiday file alone: due times depend on it.
    pub calendar_version: String,
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

// ---- the files as written ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductsFile {
    plans: BTreeMap<String, PlanEntry>,
    group: Vec<GroupEntry>,
    product: Vec<ProductEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanEntry {
    zh: String,
    en: String,
    price_yuan: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupEntry {
    id: Spanned<String>,
    zh: String,
    en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductEntry {
    code: Spanned<String>,
    group: Spanned<String>,
    kind: ProductKind,
    zh: String,
    en: String,
    plans: Spanned<Vec<Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChecksFile {
    check: Vec<CheckEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckEntry {
    id: Spanned<String>,
    zh: String,
    en: String,
    applies_to: Vec<Spanned<String>>,
    fail_reason: Spanned<String>,
    restricted_reason: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReasonsFile {
    reason: Vec<ReasonEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReasonEntry {
    code: Spanned<String>,
    zh: String,
    en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GoodsFile {
    category: Vec<GoodsEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GoodsEntry {
    id: Spanned<String>,
    zh: String,
    en: String,
    status: GoodsStatus,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidaysFile {
    year: Vec<YearEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearEntry {
    year: Spanned<i32>,
    holidays: Vec<Spanned<String>>,
    workdays: Vec<Spanned<String>>,
}

/// One file's text and where it came from, for error messages.
struct Source<'a> {
    path: PathBuf,
    text: &'a str,
}

impl Source<'_> {
    fn line_of(&self, offset: usize) -> usize {
        // Bytes, not str: a span could in principle point inside a multi-byte character.
        let before = &self.text.as_bytes()[..offset.min(self.text.len())];
        before.iter().filter(|b| **b == b'\n').count() + 1
    }

    fn error_at<T>(&self, span: &Spanned<T>, message: impl Into<String>) -> PolicyError {
        PolicyError {
            file: self.path.clone(),
            line: Some(self.line_of(span.span().start)),
            message: message.into(),
        }
    }

    fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, PolicyError> {
        toml::from_str(self.text).map_err(|e| PolicyError {
            file: self.path.clone(),
            line: e.span().map(|s| self.line_of(s.start)),
            message: e.message().trim().to_string(),
        })
    }
}

impl Policy {
    /// The policy built into the binary (a copy of `data/` at build time).
    pub fn builtin() -> Policy {
        let texts: Vec<(PathBuf, String)> = FILES
            .iter()
            .map(|(name, text)| (Path::new("data").join(name), text.to_string()))
            .collect();
        Policy::from_texts(&texts).expect("the built-in policy in data/ is valid (tested)")
    }

    /// The policy in `texts`: the five files' paths (for error messages) and contents, in
    /// the order of [`FILES`]. Reading them is the caller's business: the domain does no I/O.
    pub fn from_texts(texts: &[(PathBuf, String)]) -> Result<Policy, PolicyError> {
        let src = |i: usize| Source {
            path: texts[i].0.clone(),
            text: &texts[i].1,
        };
        let (products_src, checks_src, reasons_src, goods_src, holidays_src) =
            (src(0), src(1), src(2), src(3), src(4));

        // Reasons first: checks refer to them.
        let reasons_file: ReasonsFile = reasons_src.parse()?;
        let mut reasons = Vec::new();
        let mut seen = HashSet::new();
        for entry in reasons_file.reason {
            let code = entry.code.get_ref().clone();
            if !is_identifier(&code) {
                return Err(reasons_src.error_at(
                    &entry.code,
                    format!("reason code `{code}` must be lowercase letters, digits and _"),
                ));
            }
            if !seen.insert(code.clone()) {
                return Err(
                    reasons_src.error_at(&entry.code, format!("duplicate reason code `{code}`"))
                );
            }
            if entry.zh.trim().is_empty() || entry.en.trim().is_empty() {
                return Err(reasons_src.error_at(
                    &entry.code,
                    format!("reason `{code}` needs both zh and en texts"),
                ));
            }
            reasons.push(Reason {
                code,
                zh: entry.zh,
                en: entry.en,
            });
        }
        if !seen.contains("other") {
            return Err(PolicyError {
                file: reasons_src.path.clone(),
                line: None,
                message: "the reason `other` is required".into(),
            });
        }

        let products_file: ProductsFile = products_src.parse()?;
        let plans: Vec<Plan> = products_file
            .plans
            .into_iter()
            .map(|(id, p)| Plan {
                id,
                zh: p.zh,
                en: p.en,
                price_yuan: p.price_yuan,
            })
            .collect();
        let plan_ids: HashSet<&str> = plans.iter().map(|p| p.id.as_str()).collect();
        let mut groups = Vec::new();
        let mut group_ids = HashSet::new();
        for g in products_file.group {
            let id = g.id.get_ref().clone();
            if !group_ids.insert(id.clone()) {
                return Err(products_src.error_at(&g.id, format!("duplicate group `{id}`")));
            }
            groups.push(Group {
                id,
                zh: g.zh,
                en: g.en,
            });
        }
        let mut products = Vec::new();
        let mut product_codes = HashSet::new();
        for p in products_file.product {
            let code = p.code.get_ref().clone();
            if !is_identifier(&code) {
                return Err(products_src.error_at(
                    &p.code,
                    format!("product code `{code}` must be lowercase letters, digits and _"),
                ));
            }
            if !product_codes.insert(code.clone()) {
                return Err(products_src.error_at(&p.code, format!("duplicate product `{code}`")));
            }
            if !group_ids.contains(p.group.get_ref()) {
                return Err(products_src.error_at(
                    &p.group,
                    format!("product `{code}`: unknown group `{}`", p.group.get_ref()),
                ));
            }
            if p.plans.get_ref().is_empty() {
                return Err(
                    products_src.error_at(&p.plans, format!("product `{code}` has no plans"))
                );
            }
            for plan in p.plans.get_ref() {
                if !plan_ids.contains(plan.get_ref().as_str()) {
                    return Err(products_src.error_at(
                        plan,
                        format!("product `{code}`: unknown plan `{}`", plan.get_ref()),
                    ));
                }
            }
            products.push(Product {
                code,
                group: p.group.into_inner(),
                kind: p.kind,
                zh: p.zh,
                en: p.en,
                plans: p
                    .plans
                    .into_inner()
                    .into_iter()
                    .map(Spanned::into_inner)
                    .collect(),
            });
        }

        let checks_file: ChecksFile = checks_src.parse()?;
        let mut checks = Vec::new();
        let mut check_ids = HashSet::new();
        for c in checks_file.check {
            let id: CheckId =
                c.id.get_ref()
                    .parse()
                    .map_err(|e: String| checks_src.error_at(&c.id, e))?;
            if !check_ids.insert(id) {
                return Err(
                    checks_src.error_at(&c.id, format!("duplicate check `{}`", c.id.get_ref()))
                );
            }
            let mut applies = BTreeSet::new();
            for target in &c.applies_to {
                let t = target.get_ref();
                if t == "all" {
                    applies.extend(products.iter().map(|p| p.code.clone()));
                } else if let Some(group) = t.strip_prefix("group:") {
                    if !group_ids.contains(group) {
                        return Err(checks_src.error_at(
                            target,
                            format!("check `{}`: unknown group `{group}`", c.id.get_ref()),
                        ));
                    }
                    applies.extend(
                        products
                            .iter()
                            .filter(|p| p.group == group)
                            .map(|p| p.code.clone()),
                    );
                } else if product_codes.contains(t) {
                    applies.insert(t.clone());
                } else {
                    return Err(checks_src.error_at(
                        target,
                        format!("check `{}`: unknown product `{t}`", c.id.get_ref()),
                    ));
                }
            }
            for reason in std::iter::once(&c.fail_reason).chain(c.restricted_reason.as_ref()) {
                if !seen.contains(reason.get_ref()) {
                    return Err(checks_src.error_at(
                        reason,
                        format!(
                            "check `{}`: unknown return reason `{}`",
                            c.id.get_ref(),
                            reason.get_ref()
                        ),
                    ));
                }
            }
            checks.push(CheckRule {
                id,
                zh: c.zh,
                en: c.en,
                products: applies,
                fail_reason: c.fail_reason.into_inner(),
                restricted_reason: c.restricted_reason.map(Spanned::into_inner),
            });
        }

        let goods_file: GoodsFile = goods_src.parse()?;
        let mut goods = Vec::new();
        let mut goods_ids = HashSet::new();
        for g in goods_file.category {
            let id = g.id.get_ref().clone();
            if !is_identifier(&id) {
                return Err(goods_src.error_at(
                    &g.id,
                    format!("category id `{id}` must be lowercase letters, digits and _"),
                ));
            }
            if !goods_ids.insert(id.clone()) {
                return Err(goods_src.error_at(&g.id, format!("duplicate category `{id}`")));
            }
            goods.push(GoodsCategory {
                id,
                zh: g.zh,
                en: g.en,
                status: g.status,
            });
        }

        let holidays_file: HolidaysFile = holidays_src.parse()?;
        let mut years = Vec::new();
        let mut year_numbers = HashSet::new();
        for y in holidays_file.year {
            let year = *y.year.get_ref();
            if !year_numbers.insert(year) {
                return Err(holidays_src.error_at(&y.year, format!("year {year} is listed twice")));
            }
            let mut schedule = YearSchedule {
                year,
                holidays: Vec::new(),
                workdays: Vec::new(),
            };
            for (list, out) in [
                (&y.holidays, &mut schedule.holidays),
                (&y.workdays, &mut schedule.workdays),
            ] {
                for entry in list {
                    let dates = parse_date_range(entry.get_ref())
                        .map_err(|e| holidays_src.error_at(entry, e))?;
                    if let Some(d) = dates.iter().find(|d| chrono::Datelike::year(*d) != year) {
                        return Err(
                            holidays_src.error_at(entry, format!("{d} is not in year {year}"))
                        );
                    }
                    out.extend(dates);
                }
            }
            if let Some(d) = schedule
                .holidays
                .iter()
                .find(|d| schedule.workdays.contains(d))
            {
                return Err(holidays_src.error_at(
                    &y.year,
                    format!("{d} is both a holiday and a make-up workday"),
                ));
            }
            years.push(schedule);
        }

        let digest = |range: std::ops::Range<usize>| {
            let mut hash = Sha256::new();
            for (path, text) in &texts[range] {
                hash.update(
                    path.file_name()
                        .map(|n| n.as_encoded_bytes())
                        .unwrap_or_default(),
                );
                hash.update([0]);
                hash.update(text.as_bytes());
                hash.update([0]);
            }
            hex16(&hash.finalize())
        };

        Ok(Policy {
            groups,
            plans,
            products,
            checks,
            reasons,
            goods,
            calendar: Calendar::new(years),
            version: digest(0..5),
            calendar_version: digest(4..5),
        })
    }

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

fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn hex16(bytes: &[u8]) -> String {
    bytes.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

fn parse_date_range(text: &str) -> Result<Vec<chrono::NaiveDate>, String> {
    let parse = |s: &str| {
        let t = s.trim();
        // chrono alone would read `26-4-4` as the year 26: insist on the written shape.
        let shaped = t.len() == 10
            && t.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        shaped
            .then(|| chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())
            .flatten()
            .ok_or_else(|| format!("`{s}` is not a date (YYYY-MM-DD)"))
    };
    match text.split_once("..") {
        None => Ok(vec![parse(text)?]),
        Some((a, b)) => {
            let (start, end) = (parse(a)?, parse(b)?);
            if end < start {
                return Err(format!("range `{text}` ends before it starts"));
            }
            if (end - start).num_days() > 31 {
                return Err(format!("range `{text}` is longer than a month"));
            }
            Ok(start.iter_days().take_while(|d| *d <= end).collect())
        }
    }
}

#[cfg(test)]
mod tests {
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
        let (err, file, line) =
            load_error("checks.toml", r#""group:wireless""#, r#""group:wirefree""#);
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
        let (err, file, line) =
            load_error("products.toml", "price_yuan = 600", "price_yuan = \"600\"");
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
                "products.toml",
                r#"plans = ["package_600", "package_3600"]"#,
                "plans = []",
                "has no plans",
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
}
