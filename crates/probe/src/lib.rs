//! The site probe: fetches an application's declared website once and says what it saw
//! (status, final address, TLS, time, title, the ICP number on the page) and what that
//! means for the checks (`findings`).
//!
//! It fetches addresses applicants chose, from inside the company network, so it must
//! not become a way in:
//! - only `http` and `https`, on the ports policy allows (`data/probe.toml`: 80 and 443);
//! - every host is resolved by the probe's own resolver, which refuses the whole hop if
//!   any address is loopback, private, link-local, CGNAT, multicast or reserved
//!   (`address::refusal`); ureq connects only to the addresses that resolver returned, so
//!   the address connected to is one that was checked (no second lookup to rebind);
//! - redirects are followed by hand, at most 5, each hop's address checked the same way;
//!   a redirect to a Taobao/Tmall host is recorded at that hop and not followed;
//! - 10 s for everything, 2 MiB of body, no proxy from the environment, no cookies
//!   kept, no scripts run (the HTML is only parsed).
//!
//! Page text is untrusted applicant text: callers pass it through display_safe.

pub mod address;
pub mod findings;
pub mod page;

use std::io::Read;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use serde::Serialize;
use shenhe_domain::checks::{Detail, is_taobao_url};
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

pub use findings::{Declared, Finding};

/// At most this many redirects are followed.
pub const MAX_REDIRECTS: usize = 5;
/// Everything (every hop, every body) within this time.
pub const TOTAL_TIME: Duration = Duration::from_secs(10);
/// A page longer than this is not read.
pub const MAX_BODY: u64 = 2 * 1024 * 1024;

/// Where the probe may go.
#[derive(Debug, Clone)]
pub struct Options {
    /// Lifts the address rule and the port rule (`--allow-private`, for tests only).
    pub allow_private: bool,
    /// Addresses allowed despite the rule, the rule staying for every other one (tests).
    pub also_allow: Vec<IpAddr>,
    /// The only ports connected to (policy's `probe.toml`; 80 and 443 by default).
    pub ports: Vec<u16>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            allow_private: false,
            also_allow: Vec::new(),
            ports: vec![80, 443],
        }
    }
}

/// What one probe saw.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Probe {
    pub url: String,
    /// The last status received (a redirect's, when the probe stopped at a redirect).
    pub status: Option<u16>,
    /// The address of the last hop fetched or refused.
    pub final_url: String,
    /// Each hop: its address and status.
    pub hops: Vec<(String, u16)>,
    /// For https: whether the certificate was valid; None for plain http or no answer.
    pub tls_ok: Option<bool>,
    pub elapsed_ms: u64,
    pub title: Option<String>,
    /// The ICP number printed on the page matching the declared one, else the first found.
    pub footer_icp: Option<String>,
    /// Why the probe did not get a page, when it did not.
    pub error: Option<Detail>,
    pub findings: Vec<Finding>,
}

/// Why a hop was refused before anything was sent.
#[derive(Debug)]
struct Refused(Detail);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.en)
    }
}

impl std::error::Error for Refused {}

/// Resolves as the system does, then refuses a host any of whose addresses is not public.
#[derive(Debug)]
struct GuardedResolver {
    inner: DefaultResolver,
    options: Options,
}

impl Resolver for GuardedResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let addrs = self.inner.resolve(uri, config, timeout)?;
        if !self.options.allow_private {
            for a in addrs.iter() {
                let ip = a.ip();
                if self.options.also_allow.contains(&ip) {
                    continue;
                }
                if let Some(why) = address::refusal(ip) {
                    let host = uri.host().unwrap_or("");
                    return Err(ureq::Error::Other(Box::new(Refused(Detail::new(
                        format!("refused: {host} is at {ip}, a {why} address"),
                        format!("已拒绝：{host} 解析为 {ip}（{why}地址）"),
                    )))));
                }
            }
        }
        Ok(addrs)
    }
}

fn agent(options: &Options) -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(TOTAL_TIME))
        .user_agent("shenhe-probe/0.1 (merchant application review)")
        .build();
    ureq::Agent::with_parts(
        config,
        DefaultConnector::new(),
        GuardedResolver {
            inner: DefaultResolver::default(),
            options: options.clone(),
        },
    )
}

fn refused(en: String, zh: String) -> Detail {
    Detail::new(en, zh)
}

/// Whether the probe may fetch this address at all (scheme and port).
fn allowed_address(url: &str, options: &Options) -> Result<Uri, Detail> {
    // The scheme first, from the text: `file:///…` is not even a URI the client parses.
    let scheme = url
        .split_once(':')
        .map_or("", |(s, _)| s)
        .to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return Err(refused(
            format!("refused: only http and https are fetched, not `{scheme}`"),
            format!("已拒绝：只访问 http 和 https 网址，而非“{scheme}”"),
        ));
    }
    let uri: Uri = url.parse().map_err(|_| {
        refused(
            format!("`{url}` is not a web address"),
            format!("“{url}”不是网址"),
        )
    })?;
    if uri.host().is_none_or(str::is_empty) {
        return Err(refused(
            format!("`{url}` has no host"),
            format!("“{url}”没有主机名"),
        ));
    }
    let port = uri
        .port_u16()
        .unwrap_or(if uri.scheme_str() == Some("https") {
            443
        } else {
            80
        });
    if !(options.allow_private || options.ports.contains(&port)) {
        let allowed = options.ports.iter().map(u16::to_string).collect::<Vec<_>>();
        return Err(refused(
            format!(
                "refused: port {port} (only {} are fetched)",
                allowed.join(", ")
            ),
            format!("已拒绝：端口 {port}（只访问 {}）", allowed.join("、")),
        ));
    }
    Ok(uri)
}

/// A redirect's Location against the address it came from.
fn join(base: &Uri, location: &str) -> String {
    let location = location.trim();
    // Any scheme (`https:`, `file:`, `gopher:`) makes it absolute; the scheme rule then
    // refuses what is not http or https.
    let scheme_end = location.find(':').filter(|&i| {
        i > 0
            && location[..i]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            && location[..i].starts_with(|c: char| c.is_ascii_alphabetic())
    });
    if scheme_end.is_some() {
        return location.to_string();
    }
    let scheme = base.scheme_str().unwrap_or("http");
    if let Some(rest) = location.strip_prefix("//") {
        return format!("{scheme}://{rest}");
    }
    let authority = base.authority().map(|a| a.as_str()).unwrap_or("");
    if location.starts_with('/') {
        return format!("{scheme}://{authority}{location}");
    }
    let path = base.path();
    let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
    let dir = if dir.is_empty() { "/" } else { dir };
    format!("{scheme}://{authority}{dir}{location}")
}

/// Where a probe may be found wanting, in words.
fn failure(error: &ureq::Error) -> (Detail, Option<bool>) {
    if let ureq::Error::Other(e) = error
        && let Some(Refused(d)) = e.downcast_ref::<Refused>()
    {
        return (d.clone(), None);
    }
    match error {
        ureq::Error::Timeout(_) => (
            Detail::new(
                format!("no answer within {} s", TOTAL_TIME.as_secs()),
                format!("{} 秒内无应答", TOTAL_TIME.as_secs()),
            ),
            None,
        ),
        ureq::Error::HostNotFound => (
            Detail::new("the host name does not resolve", "域名无法解析"),
            None,
        ),
        ureq::Error::Rustls(e) => (
            Detail::new(format!("TLS failed: {e}"), format!("TLS 证书校验失败：{e}")),
            Some(false),
        ),
        ureq::Error::Tls(e) => (
            Detail::new(format!("TLS failed: {e}"), format!("TLS 证书校验失败：{e}")),
            Some(false),
        ),
        // rustls's verdict on the certificate, carried inside an I/O error.
        ureq::Error::Io(e) if e.get_ref().is_some_and(|i| i.is::<rustls::Error>()) => (
            Detail::new(format!("TLS failed: {e}"), format!("TLS 证书校验失败：{e}")),
            Some(false),
        ),
        ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => (
            Detail::new("the connection was refused", "连接被拒绝"),
            None,
        ),
        e => (
            Detail::new(
                format!("the site could not be fetched: {e}"),
                format!("无法访问网站：{e}"),
            ),
            None,
        ),
    }
}

/// Fetches `url` and says what it saw. Never panics on what the site sends; every way it
/// can fail ends in `Probe::error`.
pub fn probe(url: &str, declared: &Declared, options: &Options) -> Probe {
    let started = Instant::now();
    let agent = agent(options);
    let mut out = Probe {
        url: url.to_string(),
        final_url: url.to_string(),
        ..Probe::default()
    };
    let mut current = url.trim().to_string();
    for hop in 0..=MAX_REDIRECTS {
        out.final_url = current.clone();
        if is_taobao_url(&current) && hop == 0 {
            // The declared address itself: the check already fails it without a fetch.
            break;
        }
        let uri = match allowed_address(&current, options) {
            Ok(uri) => uri,
            Err(d) => {
                out.error = Some(d);
                break;
            }
        };
        let Some(left) = TOTAL_TIME.checked_sub(started.elapsed()) else {
            out.error = Some(failure(&ureq::Error::Timeout(ureq::Timeout::Global)).0);
            break;
        };
        let https = uri.scheme_str() == Some("https");
        let sent = agent
            .get(uri.clone())
            .config()
            .timeout_global(Some(left))
            .build()
            .call();
        let mut response = match sent {
            Ok(r) => r,
            Err(e) => {
                let (detail, tls) = failure(&e);
                out.error = Some(detail);
                if https {
                    out.tls_ok = tls;
                }
                break;
            }
        };
        out.tls_ok = https.then_some(true);
        let status = response.status().as_u16();
        out.status = Some(status);
        out.hops.push((current.clone(), status));
        if (300..400).contains(&status) {
            let Some(location) = response
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
            else {
                break;
            };
            let next = join(&uri, location);
            if is_taobao_url(&next) {
                out.findings
                    .push(findings::redirect_to_taobao(&current, &next));
                out.final_url = next;
                break;
            }
            if hop == MAX_REDIRECTS {
                out.error = Some(Detail::new(
                    format!("more than {MAX_REDIRECTS} redirects"),
                    format!("跳转超过 {MAX_REDIRECTS} 次"),
                ));
                break;
            }
            current = next;
            continue;
        }
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut body = Vec::new();
        let read = response
            .body_mut()
            .as_reader()
            .take(MAX_BODY + 1)
            .read_to_end(&mut body);
        if let Err(e) = read {
            let e = match e.into_inner().map(|i| i.downcast::<ureq::Error>()) {
                Some(Ok(u)) => *u,
                _ => ureq::Error::Timeout(ureq::Timeout::Global),
            };
            out.error = Some(failure(&e).0);
            break;
        }
        if body.len() as u64 > MAX_BODY {
            out.error = Some(Detail::new(
                format!("the page is longer than {} MiB: not read", MAX_BODY >> 20),
                format!("页面超过 {} MiB，未读取", MAX_BODY >> 20),
            ));
            break;
        }
        let page = page::read(&page::decode(&body, content_type.as_deref()));
        out.footer_icp = declared
            .icp
            .and_then(|d| {
                page.icp_numbers
                    .iter()
                    .find(|n| shenhe_domain::checks::same_filing(d, n))
            })
            .or(page.icp_numbers.first())
            .cloned();
        out.title = page.title.clone();
        out.findings
            .extend(findings::page_findings(status, &page, declared));
        break;
    }
    out.elapsed_ms = started.elapsed().as_millis() as u64;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_are_joined_to_where_they_came_from() {
        let base: Uri = "http://a.example/shop/index.html".parse().unwrap();
        assert_eq!(join(&base, "https://b.example/x"), "https://b.example/x");
        assert_eq!(join(&base, "//c.example/y"), "http://c.example/y");
        assert_eq!(join(&base, "/z"), "http://a.example/z");
        assert_eq!(join(&base, "next.html"), "http://a.example/shop/next.html");
        assert_eq!(join(&base, "file:///etc/passwd"), "file:///etc/passwd");
        assert_eq!(join(&base, "a:b/c"), "a:b/c");
    }

    #[test]
    fn only_http_and_https_on_80_and_443() {
        let o = Options::default();
        assert!(allowed_address("http://a.example/", &o).is_ok());
        assert!(allowed_address("https://a.example:443/", &o).is_ok());
        assert!(allowed_address("ftp://a.example/", &o).is_err());
        assert!(allowed_address("file:///etc/passwd", &o).is_err());
        assert!(allowed_address("gopher://a.example:70/", &o).is_err());
        assert!(allowed_address("http://a.example:6379/", &o).is_err());
        let other = Options {
            ports: vec![443, 8080],
            ..Options::default()
        };
        assert!(allowed_address("http://a.example:8080/", &other).is_ok());
        assert!(allowed_address("https://a.example/", &other).is_ok());
        let refused = allowed_address("http://a.example/", &other).expect_err("80 is not listed");
        assert_eq!(refused.en, "refused: port 80 (only 443, 8080 are fetched)");
    }
}
