//! Recognising Taobao and Tmall shops by the host of the URL, never by substring.
//!
//! The host is found the way a browser finds it (WHATWG URL, special schemes), because
//! what matters is where the link really leads: `https://evil.com#@taobao.com` opens
//! evil.com, `https://user@taobao.com` opens taobao.com.

use std::borrow::Cow;

/// The registrable domains that serve Taobao/Tmall shops, items and short links.
const TAOBAO_DOMAINS: &[&str] = &["taobao.com", "tmall.com", "tb.cn", "tmall.hk", "taobao.hk"];

/// The host of a web address, lowercased, or None when it is not a well-formed address.
/// IPv6 literals keep their brackets (`[::1]`).
pub(crate) fn parse_host(url: &str) -> Option<String> {
    // Browsers drop tabs and newlines anywhere in a URL before parsing it.
    let url = url.trim();
    let url: Cow<str> = if url.contains(['\t', '\n', '\r']) {
        Cow::Owned(url.replace(['\t', '\n', '\r'], ""))
    } else {
        Cow::Borrowed(url)
    };
    let rest = strip_scheme(&url)?;
    // For http(s) a backslash ends the authority just as a slash does.
    let authority = rest.split(['/', '\\', '?', '#']).next()?;
    // The last `@` ends the userinfo, which may itself contain `@` and `:`.
    let host_port = authority.rsplit('@').next()?;
    let (host, port) = split_port(host_port)?;
    if let Some(port) = port
        && !port.is_empty()
        && !(port.bytes().all(|b| b.is_ascii_digit()) && port.parse::<u16>().is_ok())
    {
        return None;
    }
    if host.starts_with('[') {
        return ipv6(host);
    }
    let host = normalise_domain(host)?;
    let valid = host.contains('.')
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || !c.is_ascii())
        });
    valid.then_some(host)
}

/// What follows the scheme, or the whole text when there is none. Only web addresses
/// are websites: any other scheme is not well-formed here.
fn strip_scheme(url: &str) -> Option<&str> {
    for scheme in ["https:", "http:"] {
        if url
            .get(..scheme.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(scheme))
        {
            // Browsers accept any number of slashes or backslashes after an http(s) scheme.
            return Some(url[scheme.len()..].trim_start_matches(['/', '\\']));
        }
    }
    if let Some(rest) = url.strip_prefix("//") {
        return Some(rest);
    }
    match url.split_once("://") {
        // A `://` inside the path or query (`example.com/?u=ftp://x`) is not a scheme.
        Some((scheme, _)) if !scheme.contains(['/', '?', '#', '\\']) => None,
        _ => Some(url),
    }
}

/// Host and port (None when there is no `:`). A bracketed IPv6 host keeps its colons.
fn split_port(host_port: &str) -> Option<(&str, Option<&str>)> {
    if host_port.starts_with('[') {
        let end = host_port.find(']')?;
        let (host, after) = host_port.split_at(end + 1);
        return match after {
            "" => Some((host, None)),
            _ => Some((host, Some(after.strip_prefix(':')?))),
        };
    }
    Some(match host_port.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (host_port, None),
    })
}

fn ipv6(host: &str) -> Option<String> {
    let inner = host.strip_prefix('[')?.strip_suffix(']')?;
    inner
        .parse::<std::net::Ipv6Addr>()
        .ok()
        .map(|_| host.to_ascii_lowercase())
}

/// A domain as a browser would resolve it: percent-escapes decoded, the full-width and
/// ideographic dots and letters that IDNA maps to ASCII mapped, lowercased, and without
/// the trailing root dot. Otherwise `ｔａｏｂａｏ。ｃｏｍ` or `tao%62ao.com` would slip past.
fn normalise_domain(host: &str) -> Option<String> {
    // Nearly every host is plain ASCII with nothing to decode: the import checks a
    // million of them.
    if host.is_ascii() && !host.contains('%') {
        let trimmed = host.strip_suffix('.').unwrap_or(host);
        return (!trimmed.is_empty()).then(|| trimmed.to_ascii_lowercase());
    }
    let decoded = percent_decode(host)?;
    let mapped: String = decoded
        .chars()
        .map(|c| match c {
            '\u{3002}' | '\u{FF0E}' | '\u{FF61}' => '.',
            '\u{FF01}'..='\u{FF5E}' => {
                char::from_u32(c as u32 - 0xFF01 + 0x21).expect("full-width ASCII maps to ASCII")
            }
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect();
    let trimmed = mapped.strip_suffix('.').unwrap_or(&mapped);
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_string());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Whether `url` points at a Taobao or Tmall host (the domain itself or a subdomain).
pub fn is_taobao_url(url: &str) -> bool {
    parse_host(url).is_some_and(|host| is_taobao_host(&host))
}

/// Whether a host from [`parse_host`] is a Taobao or Tmall one.
pub(crate) fn is_taobao_host(host: &str) -> bool {
    TAOBAO_DOMAINS.iter().any(|domain| {
        host.strip_suffix(domain)
            .is_some_and(|prefix| prefix.is_empty() || prefix.ends_with('.'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taobao_and_tmall_urls_in_every_shape() {
        let table: &[(&str, bool)] = &[
            // Shops, items, mobile, international and short links.
            ("https://shop123456.taobao.com", true),
            (
                "https://shop123456.taobao.com/index.htm?spm=a1z10.1-c.0.0",
                true,
            ),
            ("https://item.taobao.com/item.htm?id=620123456789", true),
            (
                "https://detail.tmall.com/item.htm?id=600000000001&skuId=1",
                true,
            ),
            ("https://nike.tmall.com/", true),
            ("https://m.tb.cn/h.5XyZabc?tk=abc", true),
            ("https://e.tb.cn/h.abc", true),
            ("http://tb.cn/x", true),
            ("https://s.click.taobao.com/t?e=m%3D2", true),
            ("https://world.taobao.com/item/123.htm", true),
            ("https://www.tmall.hk/", true),
            ("https://h5.m.taobao.com/awp/core/detail.htm?id=1", true),
            ("https://market.m.taobao.com/app/xxx", true),
            ("taobao.com", true),
            ("www.taobao.com/shop", true),
            ("//shop1.taobao.com", true),
            // Case, trailing dot, port, userinfo, odd slashes.
            ("HTTPS://SHOP123.TAOBAO.COM/", true),
            ("https://Item.TaoBao.com/item.htm?id=1", true),
            ("https://taobao.com./", true),
            ("https://shop1.taobao.com:443/", true),
            ("http://item.taobao.com:8080/item.htm", true),
            ("https://user@taobao.com/", true),
            ("https://user:pw@item.taobao.com/", true),
            ("https://evil.com@taobao.com/", true),
            ("https:/item.taobao.com/", true),
            ("https:\\\\item.taobao.com\\item.htm", true),
            ("  https://taobao.com  ", true),
            ("https://tao\nbao.com/", true),
            // What a browser maps to taobao.com.
            ("https://tao%62ao.com/", true),
            ("https://taobao\u{3002}com/", true),
            ("https://ｔａｏｂａｏ．ｃｏｍ/", true),
            // Not Taobao: lookalikes, other hosts that mention it, tricks with `#@` and `?@`.
            ("https://nottaobao.com", false),
            ("https://mytmall.com/", false),
            ("https://taobao.com.example.cn/", false),
            ("https://tmall.com.evil.org/item", false),
            ("https://example.com/?from=taobao.com", false),
            ("https://example.com/taobao.com", false),
            ("https://evil.com#@taobao.com", false),
            ("https://evil.com?@taobao.com", false),
            ("https://evil.com/@taobao.com", false),
            ("https://evil.com\\@taobao.com", false),
            ("https://taobao.com@evil.com/", false),
            ("https://taobao.com:pw@evil.com/", false),
            ("https://www.example.cn/shop", false),
            ("https://tb.cn.example.com", false),
            ("https://xtb.cn/", false),
            ("https://taobao.co/", false),
            ("https://1688.com/", false),
            ("https://[2001:db8::1]:8443/taobao.com", false),
            ("ftp://taobao.com/", false),
            // An unknown scheme is not a website, whatever it looks like…
            ("taobao.com://x", false),
            // …but a `://` in the query of a URL without a scheme is not a scheme.
            ("taobao.com/?next=ftp://x", true),
            ("", false),
            ("not a url", false),
        ];
        for (url, expected) in table {
            assert_eq!(is_taobao_url(url), *expected, "{url:?}");
        }
    }

    #[test]
    fn hosts_are_what_a_browser_would_open() {
        let table: &[(&str, Option<&str>)] = &[
            ("https://www.example.cn/shop?id=1", Some("www.example.cn")),
            ("example.cn", Some("example.cn")),
            ("example.cn:8080/x", Some("example.cn")),
            ("WWW.Example.CN.", Some("www.example.cn")),
            ("https://evil.com#@taobao.com", Some("evil.com")),
            ("https://evil.com?@taobao.com", Some("evil.com")),
            ("https://evil.com\\@taobao.com", Some("evil.com")),
            ("https://a@b@c.example.cn/", Some("c.example.cn")),
            ("http://203.0.113.7/", Some("203.0.113.7")),
            ("http://[2001:DB8::1]:8080/", Some("[2001:db8::1]")),
            ("http://[::1]/", Some("[::1]")),
            ("https://例子.中国/", Some("例子.中国")),
            ("https://ÉCOLE.fr/", Some("école.fr")),
            (
                "https://xn--fsqu00a.xn--fiqs8s/",
                Some("xn--fsqu00a.xn--fiqs8s"),
            ),
            (
                "https://example.cn/?next=https://other.cn",
                Some("example.cn"),
            ),
            // Not well-formed.
            ("", None),
            ("   ", None),
            ("localhost", None),
            ("https://", None),
            ("https://.com", None),
            ("https://-bad.com/", None),
            ("https://bad-.com/", None),
            ("https://a..b.com/", None),
            ("https://exa mple.com/", None),
            ("https://under_score.com/", None),
            ("https://example.com:port/", None),
            ("https://example.com:70000/", None),
            ("http://[::1/", None),
            ("http://[not-ipv6]/", None),
            ("http://[::1]x/", None),
            ("ftp://example.com/", None),
            ("javascript://example.com/%0aalert(1)", None),
            ("https://bad%zzhost.com/", None),
        ];
        for (url, expected) in table {
            assert_eq!(parse_host(url).as_deref(), *expected, "{url:?}");
        }
        let long_label = format!("https://{}.com/", "a".repeat(64));
        assert_eq!(parse_host(&long_label), None);
        let max_label = format!("https://{}.com/", "a".repeat(63));
        assert!(parse_host(&max_label).is_some());
    }

    proptest::proptest! {
        #[test]
        fn parse_host_never_panics(url in "\\PC{0,40}") {
            let _ = parse_host(&url);
            let _ = is_taobao_url(&url);
        }

        /// Whatever follows the authority cannot make a host Taobao.
        #[test]
        fn path_query_and_fragment_never_matter(tail in "[/?#][ -~]{0,30}") {
            let url = format!("https://www.example.cn{tail}");
            proptest::prop_assert!(!is_taobao_url(&url));
        }

        #[test]
        fn any_subdomain_of_taobao_is_taobao(sub in "[a-z0-9]{1,10}(\\.[a-z0-9]{1,10}){0,2}") {
            let subdomain = format!("https://{sub}.taobao.com/x");
            proptest::prop_assert!(is_taobao_url(&subdomain));
            let prefixed = format!("https://{sub}taobao.com/x");
            proptest::prop_assert!(!is_taobao_url(&prefixed));
        }
    }
}
