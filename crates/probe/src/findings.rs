//! What the probe saw, turned into evidence on the checks. Pure: the same observation
//! gives the same findings. They inform the reviewer's judgement; they decide nothing.

use serde::Serialize;
use shenhe_domain::checks::{CheckId, Detail, same_filing};

use crate::page::Page;

/// One piece of evidence: the check it bears on, a stable code and what it means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub check: CheckId,
    /// `redirect_to_taobao`, `icp_mismatch`, `icp_not_on_page`, `error_status`,
    /// `parked_domain`, `server_default_page`, `under_construction`.
    pub finding: &'static str,
    pub detail: Detail,
}

/// What the application declares, for the findings to compare with.
#[derive(Debug, Clone, Default)]
pub struct Declared<'a> {
    pub icp: Option<&'a str>,
    /// Whether the product's checks ask for an ICP filing.
    pub icp_required: bool,
}

/// A redirect to a Taobao or Tmall host, flagged at that hop from its target.
pub fn redirect_to_taobao(from: &str, to: &str) -> Finding {
    Finding {
        check: CheckId::NotTaobaoShop,
        finding: "redirect_to_taobao",
        detail: Detail::new(
            format!("{from} redirects to a Taobao/Tmall shop: {to}"),
            format!("{from} 跳转至淘宝/天猫店铺：{to}"),
        ),
    }
}

/// The findings of a page that was fetched, with its final status.
pub fn page_findings(status: u16, page: &Page, declared: &Declared) -> Vec<Finding> {
    let mut out = Vec::new();
    if status >= 400 {
        out.push(Finding {
            check: CheckId::WebsiteBuilt,
            finding: "error_status",
            detail: Detail::new(
                format!("the site answered HTTP {status}"),
                format!("网站返回错误状态 HTTP {status}"),
            ),
        });
        return out;
    }
    let title = page.title.as_deref().unwrap_or("").to_lowercase();
    let text = page.text.to_lowercase();
    let has = |needles: &'static [&'static str]| -> Option<&'static str> {
        needles
            .iter()
            .find(|n| title.contains(*n) || text.contains(*n))
            .copied()
    };
    if let Some(n) = has(PARKED) {
        out.push(Finding {
            check: CheckId::WebsiteBuilt,
            finding: "parked_domain",
            detail: Detail::new(
                format!("the page looks like a parked or for-sale domain (\"{n}\")"),
                format!("页面像是停放或待售的域名（“{n}”）"),
            ),
        });
    }
    if let Some(n) = has(DEFAULT_PAGES) {
        out.push(Finding {
            check: CheckId::WebsiteBuilt,
            finding: "server_default_page",
            detail: Detail::new(
                format!("the page is a web server's default page (\"{n}\")"),
                format!("页面为服务器默认页（“{n}”）"),
            ),
        });
    }
    if let Some(n) = has(UNDER_CONSTRUCTION) {
        out.push(Finding {
            check: CheckId::WebsiteBuilt,
            finding: "under_construction",
            detail: Detail::new(
                format!("the page says the site is under construction (\"{n}\")"),
                format!("页面显示网站建设中（“{n}”）"),
            ),
        });
    }
    let declared_icp = declared.icp.map(str::trim).filter(|s| !s.is_empty());
    match (declared_icp, page.icp_numbers.is_empty()) {
        (Some(d), false) if !page.icp_numbers.iter().any(|n| same_filing(d, n)) => {
            let shown = page.icp_numbers.join(", ");
            out.push(Finding {
                check: CheckId::IcpFiling,
                finding: "icp_mismatch",
                detail: Detail::new(
                    format!("the page shows {shown}, not the declared {d}"),
                    format!("页面所示备案号为 {shown}，与申报的 {d} 不符"),
                ),
            });
        }
        (_, true) if declared.icp_required => out.push(Finding {
            check: CheckId::IcpFiling,
            finding: "icp_not_on_page",
            detail: Detail::new(
                "no ICP number on the page, where the product requires a filing",
                "页面未显示备案号，而该产品要求网站备案",
            ),
        }),
        _ => {}
    }
    out
}

/// Words of a parked or for-sale domain, lower case.
const PARKED: &[&str] = &[
    "this domain is for sale",
    "this domain may be for sale",
    "domain is for sale",
    "buy this domain",
    "domain parking",
    "parked free",
    "sedoparking",
    "parkingcrew",
    "hugedomains",
    "此域名出售",
    "该域名正在出售",
    "域名出售",
    "域名转让",
    "本域名出售",
];

/// Titles and sentences of web servers' default pages, lower case.
const DEFAULT_PAGES: &[&str] = &[
    "welcome to nginx!",
    "test page for the nginx http server",
    "apache2 ubuntu default page",
    "apache2 debian default page",
    "test page for the apache http server",
    "iis windows server",
    "welcome to openresty!",
    "welcome to tengine!",
    "it works!",
];

/// An "under construction" page, lower case.
const UNDER_CONSTRUCTION: &[&str] = &[
    "网站建设中",
    "网站正在建设中",
    "网站升级中",
    "正在建设中",
    "under construction",
    "site is coming soon",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::read;

    fn codes(f: &[Finding]) -> Vec<&'static str> {
        f.iter().map(|f| f.finding).collect()
    }

    #[test]
    fn each_kind_of_page_gives_its_finding() {
        let declared = Declared {
            icp: Some("京ICP备12345678号"),
            icp_required: true,
        };
        let built = read("<title>商城</title><p>商品</p><footer>京ICP备12345678号-1</footer>");
        assert!(page_findings(200, &built, &declared).is_empty());
        let other = read("<title>商城</title><footer>京ICP备87654321号</footer>");
        assert_eq!(
            codes(&page_findings(200, &other, &declared)),
            ["icp_mismatch"]
        );
        let none = read("<title>商城</title><p>商品</p>");
        assert_eq!(
            codes(&page_findings(200, &none, &declared)),
            ["icp_not_on_page"]
        );
        let not_required = Declared {
            icp: None,
            icp_required: false,
        };
        assert!(page_findings(200, &none, &not_required).is_empty());
        let nginx = read("<title>Welcome to nginx!</title><h1>Welcome to nginx!</h1>");
        assert_eq!(
            codes(&page_findings(200, &nginx, &not_required)),
            ["server_default_page"]
        );
        let parked = read("<h1>This domain is for sale!</h1>");
        assert_eq!(
            codes(&page_findings(200, &parked, &not_required)),
            ["parked_domain"]
        );
        let building = read("<h1>网站建设中</h1>");
        assert_eq!(
            codes(&page_findings(200, &building, &not_required)),
            ["under_construction"]
        );
        assert_eq!(
            codes(&page_findings(500, &built, &declared)),
            ["error_status"]
        );
        // Words inside a script are not what the page says.
        let scripted = read("<title>商城</title><script>'网站建设中'</script><p>商品</p>");
        assert!(page_findings(200, &scripted, &not_required).is_empty());
    }
}
