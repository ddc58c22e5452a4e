//! Who the client of a request is: the socket's peer address, or, when that peer is a
//! configured trusted reverse proxy, the address its `X-Forwarded-For` / `Forwarded` header
//! names. A header from any other peer is ignored, so a client cannot pick its own rate-limit
//! bucket.

use std::{
    fmt,
    net::{IpAddr, Ipv6Addr},
    str::FromStr,
};

use axum::http::HeaderMap;

/// An address range in CIDR form (`10.0.0.0/8`, `fd00::/8`; a bare address is a /32 or
/// /128).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    network: IpAddr,
    prefix: u8,
}

impl IpRange {
    /// Whether `ip` is in the range (an IPv4-mapped IPv6 address counts as its IPv4 form).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, canonical(ip)) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                masked(u128::from(u32::from(n)), 32, self.prefix)
                    == masked(u128::from(u32::from(a)), 32, self.prefix)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                masked(u128::from(n), 128, self.prefix) == masked(u128::from(a), 128, self.prefix)
            }
            _ => false,
        }
    }
}

fn masked(bits: u128, width: u8, prefix: u8) -> u128 {
    let host_bits = u32::from(width.saturating_sub(prefix));
    if host_bits >= 128 {
        0
    } else {
        bits >> host_bits
    }
}

impl fmt::Debug for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// Not an address or CIDR range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not an IP address or CIDR range")]
pub struct InvalidIpRange;

impl FromStr for IpRange {
    type Err = InvalidIpRange;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let network = canonical(addr.trim().parse().map_err(|_| InvalidIpRange)?);
        let width = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => width,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= width)
                .ok_or(InvalidIpRange)?,
        };
        Ok(Self { network, prefix })
    }
}

/// A comma-separated list of addresses and CIDR ranges (the `*_TRUSTED_PROXIES` settings;
/// blanks and empty entries are skipped); the error names the first entry that is neither.
pub fn parse_ranges(list: &str) -> Result<Vec<IpRange>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<IpRange>()
                .map_err(|_| format!("expected an IP address or CIDR range, got {p:?}"))
        })
        .collect()
}

/// An IPv4-mapped IPv6 address as IPv4; anything else unchanged.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// The client of a request from `peer` with `headers`: when `peer` is in `trusted`, the
/// right-most address of `X-Forwarded-For` (else of `Forwarded: for=`) that is not itself a
/// trusted proxy; otherwise, or when the headers name none, `peer`.
pub fn client_of(peer: IpAddr, headers: &HeaderMap, trusted: &[IpRange]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|r| r.contains(ip));
    if !is_trusted(peer) {
        return canonical(peer);
    }
    let forwarded = forwarded_chain(headers);
    // Right to left: each hop was appended by the proxy in front of it; the first hop that is
    // not a trusted proxy is the client as far as we can trust.
    forwarded
        .into_iter()
        .rev()
        .map(canonical)
        .find(|ip| !is_trusted(*ip))
        .unwrap_or_else(|| canonical(peer))
}

/// The addresses of `X-Forwarded-For` (every header line, in order), else of `Forwarded`'s
/// `for=` parameters; unparseable entries end the chain there (nothing left of them is
/// trusted).
fn forwarded_chain(headers: &HeaderMap) -> Vec<IpAddr> {
    let xff: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let entries: Vec<String> = if xff.is_empty() {
        headers
            .get_all("forwarded")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|element| {
                element.split(';').find_map(|pair| {
                    let (k, v) = pair.split_once('=')?;
                    k.trim()
                        .eq_ignore_ascii_case("for")
                        .then(|| v.trim().trim_matches('"').to_owned())
                })
            })
            .collect()
    } else {
        xff.into_iter().map(str::to_owned).collect()
    };
    // Keep only the suffix of entries that parse: a malformed hop hides everything before it.
    let mut out = Vec::new();
    for entry in entries.iter().rev() {
        match parse_node(entry) {
            Some(ip) => out.push(ip),
            None => break,
        }
    }
    out.reverse();
    out
}

/// `1.2.3.4`, `1.2.3.4:80`, `2001:db8::1`, `[2001:db8::1]`, `[2001:db8::1]:80`.
fn parse_node(s: &str) -> Option<IpAddr> {
    let s = s.trim();
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = s.strip_prefix('[') {
        let (inside, _) = rest.split_once(']')?;
        return inside.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    let (host, port) = s.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

/// The rate-limit bucket of a client: its IPv4 address, or the /64 of its IPv6 address (one
/// host usually holds a whole /64, so per-address buckets would not limit it).
pub fn bucket_of(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !((1u128 << 64) - 1))),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_lists() {
        let ranges = parse_ranges(" 10.0.0.0/8, ,::1 ").expect("valid");
        assert_eq!(ranges.len(), 2);
        assert!(ranges[0].contains("10.1.2.3".parse().expect("ip")));
        assert!(parse_ranges("10.0.0.0/33").is_err());
        assert_eq!(parse_ranges(""), Ok(Vec::new()));
    }
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).expect("value"));
        }
        h
    }

    #[test]
    fn ranges() {
        let r: IpRange = "10.0.0.0/8".parse().expect("range");
        assert!(r.contains(ip("10.1.2.3")));
        assert!(r.contains(ip("::ffff:10.1.2.3")));
        assert!(!r.contains(ip("11.0.0.1")));
        let one: IpRange = "127.0.0.1".parse().expect("addr");
        assert!(one.contains(ip("127.0.0.1")) && !one.contains(ip("127.0.0.2")));
        let v6: IpRange = "fd00::/8".parse().expect("v6");
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        let all: IpRange = "0.0.0.0/0".parse().expect("all");
        assert!(all.contains(ip("8.8.8.8")));
        for bad in ["10.0.0.0/33", "nope", "::/129", "1.2.3.4/x"] {
            assert!(bad.parse::<IpRange>().is_err(), "{bad}");
        }
    }

    #[test]
    fn forwarding_headers_only_from_trusted_proxies() {
        let trusted: Vec<IpRange> = vec!["127.0.0.1".parse().expect("range")];
        let h = headers(&[("x-forwarded-for", "203.0.113.9, 198.51.100.7")]);
        // Untrusted peer: the header is ignored.
        assert_eq!(client_of(ip("192.0.2.1"), &h, &trusted), ip("192.0.2.1"));
        assert_eq!(client_of(ip("127.0.0.1"), &h, &[]), ip("127.0.0.1"));
        // Trusted peer: the right-most untrusted hop.
        assert_eq!(client_of(ip("127.0.0.1"), &h, &trusted), ip("198.51.100.7"));
        let chain = headers(&[("x-forwarded-for", "203.0.113.9, 127.0.0.1")]);
        assert_eq!(
            client_of(ip("127.0.0.1"), &chain, &trusted),
            ip("203.0.113.9")
        );
        let fwd = headers(&[(
            "forwarded",
            "for=192.0.2.60;proto=http, for=\"[2001:db8::17]:4711\"",
        )]);
        assert_eq!(
            client_of(ip("127.0.0.1"), &fwd, &trusted),
            ip("2001:db8::17")
        );
        // Garbage after the client: nothing before it is trusted, the peer is the client.
        let junk = headers(&[("x-forwarded-for", "203.0.113.9, junk")]);
        assert_eq!(client_of(ip("127.0.0.1"), &junk, &trusted), ip("127.0.0.1"));
        assert_eq!(
            client_of(ip("127.0.0.1"), &HeaderMap::new(), &trusted),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn ipv6_buckets_are_slash_64() {
        assert_eq!(bucket_of(ip("2001:db8:1:2:3:4:5:6")), ip("2001:db8:1:2::"));
        assert_eq!(bucket_of(ip("::ffff:1.2.3.4")), ip("1.2.3.4"));
        assert_eq!(bucket_of(ip("1.2.3.4")), ip("1.2.3.4"));
    }
}
