//! The merchant's website: its URL (own site or Taobao shop), kind, ICP filing number and
//! test credentials, each sometimes wrong in the ways the website checks look for.

use std::fmt::Write as _;

use shenhe_domain::application::{SiteKind, Website};

use crate::generator::ProductChoice;
use crate::rng::Rng;
use crate::shares::{
    ICP_MALFORMED, ICP_MISSING, ICP_SHOWN_ANYWAY, LOGIN_WITHOUT_CREDENTIALS, TAOBAO_SHOP,
    WEBSITE_NOT_BUILT,
};
use crate::vocabulary::{City, SHORT_LINK_CHARS, TEST_ACCOUNTS};

pub(crate) fn website(
    rng: &mut Rng,
    product: &ProductChoice,
    city: &City,
    enterprise: bool,
    domain: &str,
) -> Website {
    // Mostly shops; login, forum and information sites are what the other checks are for.
    let kind = match rng.below(20) {
        0..=11 => SiteKind::Shop,
        12..=14 => SiteKind::Login,
        15..=16 => SiteKind::Forum,
        _ => SiteKind::Info,
    };

    let taobao = rng.chance(TAOBAO_SHOP);
    let url = if taobao {
        taobao_url(rng, domain)
    } else {
        site_url(rng, kind, product, domain)
    };

    // A Taobao shop has no filing of its own.
    let icp = if taobao {
        None
    } else if product.icp_required {
        if rng.chance(ICP_MISSING) {
            None
        } else if rng.chance(ICP_MALFORMED / (1.0 - ICP_MISSING)) {
            // Conditional on not missing, so that ICP_MALFORMED is the overall share.
            Some(malformed_icp(rng, city.province))
        } else {
            Some(icp_number(rng, city.province, enterprise))
        }
    } else {
        rng.chance(ICP_SHOWN_ANYWAY)
            .then(|| icp_number(rng, city.province, enterprise))
    };

    let (test_account, test_password) = if kind == SiteKind::Login {
        test_credentials(rng, domain)
    } else {
        (None, None)
    };

    Website {
        url,
        kind,
        built: !rng.chance(WEBSITE_NOT_BUILT),
        icp,
        test_account,
        test_password,
    }
}

/// The merchant's own site: mostly www., with subdomains that fit the kind of site.
pub(crate) fn site_url(
    rng: &mut Rng,
    kind: SiteKind,
    product: &ProductChoice,
    domain: &str,
) -> String {
    let mut url = String::with_capacity(48);
    url.push_str(if rng.chance(0.8) {
        "https://"
    } else {
        "http://"
    });
    let host_prefix = match (kind, product.code.as_str()) {
        (_, "mobile_website_pay") => "m.",
        (SiteKind::Forum, _) if rng.chance(0.6) => "bbs.",
        (SiteKind::Shop, _) if rng.chance(0.15) => "shop.",
        (SiteKind::Login, _) if rng.chance(0.2) => "member.",
        _ if rng.chance(0.15) => "",
        _ => "www.",
    };
    url.push_str(host_prefix);
    url.push_str(domain);
    if rng.chance(0.2) {
        url.push('/');
    }
    url
}

/// A Taobao or Tmall shop or item, in the shapes applicants paste.
pub(crate) fn taobao_url(rng: &mut Rng, domain: &str) -> String {
    let shop_name = domain.split('.').next().unwrap_or(domain);
    let mut url = String::with_capacity(48);
    match rng.below(7) {
        0 => {
            let _ = write!(url, "https://{shop_name}.taobao.com");
        }
        1 => {
            url.push_str("https://shop");
            let len = 8 + rng.below(2);
            rng.push_digits(&mut url, len);
            url.push_str(".taobao.com/");
        }
        2 => {
            let _ = write!(url, "https://{shop_name}.tmall.com/");
        }
        3 => {
            url.push_str("https://item.taobao.com/item.htm?id=6");
            rng.push_digits(&mut url, 11);
        }
        4 => {
            url.push_str("https://detail.tmall.com/item.htm?id=7");
            rng.push_digits(&mut url, 11);
            url.push_str("&spm=a220m.1000858");
        }
        5 => {
            url.push_str("https://m.tb.cn/h.");
            for _ in 0..7 {
                url.push(char::from(*rng.pick(SHORT_LINK_CHARS)));
            }
        }
        _ => {
            let _ = write!(url, "{shop_name}.taobao.com");
        }
    }
    url
}

/// A well-formed filing number of the site's province: old eight-digit serials, the newer
/// ten-digit ones that start with the year, or (companies only) an operating licence (B2-).
pub(crate) fn icp_number(rng: &mut Rng, province: &str, enterprise: bool) -> String {
    let mut icp = String::with_capacity(32);
    icp.push_str(province);
    match rng.below(if enterprise { 20 } else { 19 }) {
        0..=8 => {
            icp.push_str("ICP备");
            let _ = write!(icp, "{:02}", 5 + rng.below(14));
            rng.push_digits(&mut icp, 6);
            icp.push('号');
            if rng.chance(0.7) {
                let _ = write!(icp, "-{}", 1 + rng.below(5));
            }
        }
        9..=18 => {
            icp.push_str("ICP备");
            let _ = write!(icp, "{}", 2019 + rng.below(6));
            rng.push_digits(&mut icp, 6);
            icp.push('号');
            if rng.chance(0.5) {
                let _ = write!(icp, "-{}", 1 + rng.below(3));
            }
        }
        _ => {
            icp.push_str("B2-");
            let _ = write!(icp, "{}", 2008 + rng.below(16));
            rng.push_digits(&mut icp, 4);
        }
    }
    icp
}

/// Filing numbers as applicants get them wrong: too few digits, no province, no 号, and so on.
pub(crate) fn malformed_icp(rng: &mut Rng, province: &str) -> String {
    let mut icp = String::with_capacity(32);
    match rng.below(5) {
        0 => {
            let _ = write!(icp, "{province}ICP备");
            rng.push_digits(&mut icp, 5);
            icp.push('号');
        }
        1 => {
            icp.push_str("ICP备");
            rng.push_digits(&mut icp, 8);
            icp.push_str("号-1");
        }
        2 => {
            let _ = write!(icp, "{province}ICP备");
            rng.push_digits(&mut icp, 8);
        }
        3 => {
            let _ = write!(icp, "{province}备");
            rng.push_digits(&mut icp, 8);
            icp.push('号');
        }
        _ => {
            let _ = write!(icp, "{province}ICP备");
            rng.push_digits(&mut icp, 9);
            icp.push('号');
        }
    }
    icp
}

/// Test credentials for a login site; some applicants leave them out, or give half.
fn test_credentials(rng: &mut Rng, domain: &str) -> (Option<String>, Option<String>) {
    if rng.chance(LOGIN_WITHOUT_CREDENTIALS) {
        return match rng.below(10) {
            0 => (Some(rng.pick(TEST_ACCOUNTS).to_string()), None),
            1 => (None, Some(password(rng))),
            _ => (None, None),
        };
    }
    let account = if rng.chance(0.3) {
        format!("test@{domain}")
    } else {
        format!("{}{:02}", rng.pick(TEST_ACCOUNTS), rng.below(100))
    };
    (Some(account), Some(password(rng)))
}

fn password(rng: &mut Rng) -> String {
    let mut password = String::with_capacity(12);
    password.push_str(rng.pick_word(&["Test@", "Shenhe#", "Abc", "Pay_", "Review!"]));
    let digits = 4 + rng.below(3);
    rng.push_digits(&mut password, digits);
    password
}
