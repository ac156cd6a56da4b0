//! Recognising Taobao and Tmall shops by the host of the URL, never by substring.

/// The registrable domains that serve Taobao/Tmall shops, items and short links.
const TAOBAO_DOMAINS: &[&str] = &["taobao.com", "tmall.com", "tb.cn", "tmall.hk", "taobao.hk"];

/// The host of a web address, lowercased, or None when it is not a well-formed address.
pub fn parse_host(url: &str) -> Option<String> {
    let url = url.trim();
    let rest = match url.split_once("://") {
        Some((scheme, rest)) => {
            let scheme = scheme.to_ascii_lowercase();
            if scheme != "http" && scheme != "https" {
                return None;
            }
            rest
        }
        None => url,
    };
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let host = host_port
        .split(':')
        .next()?
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let valid = !host.is_empty()
        && host.contains('.')
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

/// Whether `url` points at a Taobao or Tmall host (the domain itself or a subdomain).
pub fn is_taobao_url(url: &str) -> bool {
    let Some(host) = parse_host(url) else {
        return false;
    };
    TAOBAO_DOMAINS
        .iter()
        .any(|domain| host == *domain || host.ends_with(&format!(".{domain}")))
}
