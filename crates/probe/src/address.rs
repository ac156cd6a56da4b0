//! Which addresses the probe may connect to. It runs inside the company network and
//! fetches addresses applicants chose, so anything that is not the public internet is
//! refused: loopback, private, link-local (and so the cloud metadata service at
//! 169.254.169.254), CGNAT (and so Alibaba Cloud's metadata at 100.100.100.200),
//! multicast, unspecified, broadcast and reserved ranges, in IPv4 and IPv6, including
//! IPv4 addresses carried inside IPv6 (`::ffff:127.0.0.1`, `64:ff9b::7f00:1`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is refused, or None when it is a public address.
pub fn refusal(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => refusal_v4(v4),
        IpAddr::V6(v6) => refusal_v6(v6),
    }
}

fn refusal_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b) {
        _ if ip.is_unspecified() || a == 0 => "unspecified",
        _ if ip.is_loopback() => "loopback",
        _ if ip.is_private() => "private",
        _ if ip.is_link_local() => "link-local or cloud metadata",
        (100, 64..=127) => "CGNAT or cloud metadata",
        _ if ip.is_multicast() => "multicast",
        _ if ip.is_broadcast() => "broadcast",
        (240..=255, _) => "reserved",
        (192, 0) if c == 0 => "reserved",
        (198, 18..=19) => "reserved",
        _ => return None,
    })
}

fn refusal_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return refusal_v4(v4);
    }
    let seg = ip.segments();
    // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
    if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [a, b] = seg[6].to_be_bytes();
        let [c, d] = seg[7].to_be_bytes();
        return refusal_v4(Ipv4Addr::new(a, b, c, d));
    }
    Some(match seg[0] {
        _ if ip.is_unspecified() => "unspecified",
        _ if ip.is_loopback() => "loopback",
        // ::a.b.c.d, the deprecated IPv4-compatible form.
        0 if seg[1..6] == [0; 5] => "reserved",
        s if s & 0xfe00 == 0xfc00 => "private",
        s if s & 0xffc0 == 0xfe80 => "link-local",
        s if s & 0xff00 == 0xff00 => "multicast",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses_are_refused_and_public_ones_are_not() {
        let refused = [
            "127.0.0.1",
            "127.1.2.3",
            "0.0.0.0",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.100.100.200",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "::1",
            "::",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "fd00:ec2::254",
            "fc00::1",
            "fe80::1",
            "ff02::1",
            "::127.0.0.1",
        ];
        for a in refused {
            assert!(refusal(a.parse().unwrap()).is_some(), "{a} must be refused");
        }
        let allowed = [
            "1.1.1.1",
            "140.205.94.189",
            "100.63.255.255",
            "100.128.0.1",
            "172.32.0.1",
            "192.169.0.1",
            "2400:3200::1",
            "::ffff:1.1.1.1",
        ];
        for a in allowed {
            assert_eq!(refusal(a.parse().unwrap()), None, "{a} is public");
        }
    }
}
