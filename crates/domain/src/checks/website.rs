//! The checks of the applicant's website: built and not a Taobao shop, its ICP filing,
//! credentials to log in, and what a forum shows.

use super::*;
use crate::application::SiteKind;

fn no_website() -> (Outcome, Detail) {
    (
        Outcome::Fail,
        Detail::new("website: none given", "网站：未提供"),
    )
}

pub(super) fn website_built(app: &Application) -> (Outcome, Detail) {
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

pub(super) fn not_taobao_shop(app: &Application) -> (Outcome, Detail) {
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

pub(super) fn icp_filing(app: &Application) -> (Outcome, Detail) {
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

pub(super) fn test_credentials(app: &Application) -> (Outcome, Detail) {
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

pub(super) fn forum_content(app: &Application) -> (Outcome, Detail) {
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
