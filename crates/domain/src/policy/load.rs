//! Loading a policy: the seven TOML texts parsed, checked against each other and built
//! into a [`Policy`], one function per file or table; an error names the file, the line
//! and what is wrong.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};
use toml::Spanned;

use super::{
    CheckRule, FILES, GoodsCategory, GoodsStatus, Group, Plan, Policy, PolicyError, ProbePolicy,
    Product, ProductKind, Reason,
};
use crate::approval::SecondApprovalPolicy;
use crate::calendar::{Calendar, YearSchedule};
use crate::checks::CheckId;

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
struct ShortName {
    zh: String,
    en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProductEntry {
    code: Spanned<String>,
    group: Spanned<String>,
    kind: ProductKind,
    /// The name where a column is narrow; the name itself when there is none.
    #[serde(default)]
    short: Option<ShortName>,
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ApprovalsFile {
    second_approval: SecondApprovalEntry,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProbeFile {
    enabled: bool,
    ports: Spanned<Vec<Spanned<i64>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SecondApprovalEntry {
    over_failed_checks: bool,
    restricted_goods: bool,
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

    /// The policy in `texts`: the seven files' paths (for error messages) and contents, in
    /// the order of [`FILES`]. Reading them is the caller's business: the domain does no I/O.
    pub fn from_texts(texts: &[(PathBuf, String)]) -> Result<Policy, PolicyError> {
        let src = |i: usize| Source {
            path: texts[i].0.clone(),
            text: &texts[i].1,
        };
        let (products_src, checks_src, reasons_src, goods_src, holidays_src, approvals_src) =
            (src(0), src(1), src(2), src(3), src(4), src(5));
        let probe_src = src(6);

        // Reasons first: checks refer to them.
        let reasons = load_reasons(&reasons_src)?;
        let Catalogue {
            plans,
            groups,
            products,
        } = load_catalogue(&products_src)?;
        let checks = load_checks(&checks_src, &reasons, &groups, &products)?;
        let goods = load_goods(&goods_src)?;
        let years = load_holidays(&holidays_src)?;
        let second_approval = load_approvals(&approvals_src)?;
        let probe = load_probe(&probe_src)?;

        Ok(Policy {
            groups,
            plans,
            products,
            checks,
            reasons,
            goods,
            calendar: Calendar::new(years),
            second_approval,
            probe,
            version: digest(&texts[0..6]),
            calendar_version: digest(&texts[4..5]),
        })
    }
}

/// `approvals.toml`: both rules of the second approval, written out.
fn load_approvals(src: &Source<'_>) -> Result<SecondApprovalPolicy, PolicyError> {
    let file: ApprovalsFile = src.parse()?;
    Ok(SecondApprovalPolicy {
        over_failed_checks: file.second_approval.over_failed_checks,
        restricted_goods: file.second_approval.restricted_goods,
    })
}

/// `probe.toml`: the ports are real TCP ports, each once, and there is at least one.
fn load_probe(src: &Source<'_>) -> Result<ProbePolicy, PolicyError> {
    let file: ProbeFile = src.parse()?;
    let mut ports = Vec::new();
    for port in file.ports.get_ref() {
        let p = u16::try_from(*port.get_ref())
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| {
                src.error_at(
                    port,
                    format!("`{}` is not a TCP port (1 to 65535)", port.get_ref()),
                )
            })?;
        if ports.contains(&p) {
            return Err(src.error_at(port, format!("port {p} is listed twice")));
        }
        ports.push(p);
    }
    if ports.is_empty() {
        return Err(src.error_at(
            &file.ports,
            "`ports` is empty: list the ports the probe may use (usually 80 and 443), or set `enabled = false`",
        ));
    }
    ports.sort_unstable();
    Ok(ProbePolicy {
        enabled: file.enabled,
        ports,
    })
}

/// `reasons.toml`.
fn load_reasons(src: &Source<'_>) -> Result<Vec<Reason>, PolicyError> {
    let reasons_file: ReasonsFile = src.parse()?;
    let mut reasons = Vec::new();
    let mut seen = HashSet::new();
    for entry in reasons_file.reason {
        let code = entry.code.get_ref().clone();
        if !is_identifier(&code) {
            return Err(src.error_at(
                &entry.code,
                format!("reason code `{code}` must be lowercase letters, digits and _"),
            ));
        }
        if !seen.insert(code.clone()) {
            return Err(src.error_at(&entry.code, format!("duplicate reason code `{code}`")));
        }
        if entry.zh.trim().is_empty() || entry.en.trim().is_empty() {
            return Err(src.error_at(
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
            file: src.path.clone(),
            line: None,
            message: "the reason `other` is required".into(),
        });
    }
    Ok(reasons)
}

/// `products.toml`, validated.
struct Catalogue {
    plans: Vec<Plan>,
    groups: Vec<Group>,
    products: Vec<Product>,
}

/// `products.toml`: its plans, groups and products, the products last since they name the
/// other two.
fn load_catalogue(src: &Source<'_>) -> Result<Catalogue, PolicyError> {
    let products_file: ProductsFile = src.parse()?;
    let plans = load_plans(products_file.plans);
    let groups = load_groups(src, products_file.group)?;
    let products = load_products(src, products_file.product, &plans, &groups)?;
    Ok(Catalogue {
        plans,
        groups,
        products,
    })
}

fn load_plans(entries: BTreeMap<String, PlanEntry>) -> Vec<Plan> {
    entries
        .into_iter()
        .map(|(id, p)| Plan {
            id,
            zh: p.zh,
            en: p.en,
            price_yuan: p.price_yuan,
        })
        .collect()
}

fn load_groups(src: &Source<'_>, entries: Vec<GroupEntry>) -> Result<Vec<Group>, PolicyError> {
    let mut groups = Vec::new();
    let mut group_ids = HashSet::new();
    for g in entries {
        let id = g.id.get_ref().clone();
        if !group_ids.insert(id.clone()) {
            return Err(src.error_at(&g.id, format!("duplicate group `{id}`")));
        }
        groups.push(Group {
            id,
            zh: g.zh,
            en: g.en,
        });
    }
    Ok(groups)
}

fn load_products(
    src: &Source<'_>,
    entries: Vec<ProductEntry>,
    plans: &[Plan],
    groups: &[Group],
) -> Result<Vec<Product>, PolicyError> {
    let plan_ids: HashSet<&str> = plans.iter().map(|p| p.id.as_str()).collect();
    let group_ids: HashSet<&str> = groups.iter().map(|g| g.id.as_str()).collect();
    let mut products = Vec::new();
    let mut product_codes = HashSet::new();
    for p in entries {
        let code = p.code.get_ref().clone();
        if !is_identifier(&code) {
            return Err(src.error_at(
                &p.code,
                format!("product code `{code}` must be lowercase letters, digits and _"),
            ));
        }
        if !product_codes.insert(code.clone()) {
            return Err(src.error_at(&p.code, format!("duplicate product `{code}`")));
        }
        if !group_ids.contains(p.group.get_ref().as_str()) {
            return Err(src.error_at(
                &p.group,
                format!("product `{code}`: unknown group `{}`", p.group.get_ref()),
            ));
        }
        // A product may have no plan: the process lists settlement, value-added and
        // wireless products, online-banking and international-card pay without one.
        for plan in p.plans.get_ref() {
            if !plan_ids.contains(plan.get_ref().as_str()) {
                return Err(src.error_at(
                    plan,
                    format!("product `{code}`: unknown plan `{}`", plan.get_ref()),
                ));
            }
        }
        products.push(Product {
            code,
            group: p.group.into_inner(),
            kind: p.kind,
            short_zh: p
                .short
                .as_ref()
                .map_or_else(|| p.zh.clone(), |s| s.zh.clone()),
            short_en: p
                .short
                .as_ref()
                .map_or_else(|| p.en.clone(), |s| s.en.clone()),
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
    Ok(products)
}

/// `checks.toml`, against the reasons and the catalogue already loaded.
fn load_checks(
    src: &Source<'_>,
    reasons: &[Reason],
    groups: &[Group],
    products: &[Product],
) -> Result<Vec<CheckRule>, PolicyError> {
    let checks_file: ChecksFile = src.parse()?;
    let reason_codes: HashSet<&str> = reasons.iter().map(|r| r.code.as_str()).collect();
    let group_ids: HashSet<&str> = groups.iter().map(|g| g.id.as_str()).collect();
    let product_codes: HashSet<&str> = products.iter().map(|p| p.code.as_str()).collect();
    let mut checks = Vec::new();
    let mut check_ids = HashSet::new();
    for c in checks_file.check {
        let id: CheckId =
            c.id.get_ref()
                .parse()
                .map_err(|e: String| src.error_at(&c.id, e))?;
        if !check_ids.insert(id) {
            return Err(src.error_at(&c.id, format!("duplicate check `{}`", c.id.get_ref())));
        }
        let applies = applies_to(src, &c, &group_ids, &product_codes, products)?;
        for reason in std::iter::once(&c.fail_reason).chain(c.restricted_reason.as_ref()) {
            if !reason_codes.contains(reason.get_ref().as_str()) {
                return Err(src.error_at(
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
    Ok(checks)
}

/// The product codes a check's `applies_to` names, its groups and "all" expanded.
fn applies_to(
    src: &Source<'_>,
    c: &CheckEntry,
    group_ids: &HashSet<&str>,
    product_codes: &HashSet<&str>,
    products: &[Product],
) -> Result<BTreeSet<String>, PolicyError> {
    let mut applies = BTreeSet::new();
    for target in &c.applies_to {
        let t = target.get_ref();
        if t == "all" {
            applies.extend(products.iter().map(|p| p.code.clone()));
        } else if let Some(group) = t.strip_prefix("group:") {
            if !group_ids.contains(group) {
                return Err(src.error_at(
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
        } else if product_codes.contains(t.as_str()) {
            applies.insert(t.clone());
        } else {
            return Err(src.error_at(
                target,
                format!("check `{}`: unknown product `{t}`", c.id.get_ref()),
            ));
        }
    }
    Ok(applies)
}

/// `goods.toml`.
fn load_goods(src: &Source<'_>) -> Result<Vec<GoodsCategory>, PolicyError> {
    let goods_file: GoodsFile = src.parse()?;
    let mut goods = Vec::new();
    let mut goods_ids = HashSet::new();
    for g in goods_file.category {
        let id = g.id.get_ref().clone();
        if !is_identifier(&id) {
            return Err(src.error_at(
                &g.id,
                format!("category id `{id}` must be lowercase letters, digits and _"),
            ));
        }
        if !goods_ids.insert(id.clone()) {
            return Err(src.error_at(&g.id, format!("duplicate category `{id}`")));
        }
        goods.push(GoodsCategory {
            id,
            zh: g.zh,
            en: g.en,
            status: g.status,
        });
    }
    Ok(goods)
}

/// `holidays.toml`: each year listed once.
fn load_holidays(src: &Source<'_>) -> Result<Vec<YearSchedule>, PolicyError> {
    let holidays_file: HolidaysFile = src.parse()?;
    let mut years = Vec::new();
    let mut year_numbers = HashSet::new();
    for y in holidays_file.year {
        let year = *y.year.get_ref();
        if !year_numbers.insert(year) {
            return Err(src.error_at(&y.year, format!("year {year} is listed twice")));
        }
        years.push(load_year(src, &y)?);
    }
    Ok(years)
}

/// One `[[year]]`: its dates all in that year, none both a holiday and a workday.
fn load_year(src: &Source<'_>, y: &YearEntry) -> Result<YearSchedule, PolicyError> {
    let year = *y.year.get_ref();
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
            let dates = parse_date_range(entry.get_ref()).map_err(|e| src.error_at(entry, e))?;
            if let Some(d) = dates.iter().find(|d| chrono::Datelike::year(*d) != year) {
                return Err(src.error_at(entry, format!("{d} is not in year {year}")));
            }
            out.extend(dates);
        }
    }
    if let Some(d) = schedule
        .holidays
        .iter()
        .find(|d| schedule.workdays.contains(d))
    {
        return Err(src.error_at(
            &y.year,
            format!("{d} is both a holiday and a make-up workday"),
        ));
    }
    Ok(schedule)
}

/// A digest of the files' names and texts: the policy's version, or the calendar's.
fn digest(texts: &[(PathBuf, String)]) -> String {
    let mut hash = Sha256::new();
    for (path, text) in texts {
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
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn hex16(bytes: &[u8]) -> String {
    bytes.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

pub(super) fn parse_date_range(text: &str) -> Result<Vec<chrono::NaiveDate>, String> {
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
