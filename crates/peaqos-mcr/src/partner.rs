//! Fetching a `public` machine's partner data: `GET <data_api>`, where the URL is whatever the
//! machine's owner wrote on chain, so the fetch must not become a way into the service's own
//! network (server-side request forgery).
//!
//! Only public unicast addresses are contacted: every host name is resolved by
//! [`PublicResolver`], which drops non-public addresses, and reqwest connects to exactly the
//! addresses it returns (no second lookup, so no DNS-rebinding window); address literals are
//! checked before the request and on every redirect hop (at most [`MAX_REDIRECTS`]). No proxy
//! from the environment is used. Size and time are bounded, and every failure — refused
//! destination, DNS, connection, timeout, HTTP status, size, not a JSON object — gives the one
//! text [`PARTNER_DATA_ERROR`], so the answer reveals nothing about what is listening where.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use reqwest::{
    Url,
    dns::{Addrs, Name, Resolve, Resolving},
    redirect,
};
use serde_json::{Map, Value};

/// The `partner_data_error` of every failed fetch.
pub const PARTNER_DATA_ERROR: &str = "data_api could not be fetched";

/// Redirects followed (each hop checked like the first).
pub const MAX_REDIRECTS: usize = 3;

/// Whether `ip` is a public unicast address: not loopback, private (RFC 1918, `fc00::/7`),
/// link-local (incl. the cloud metadata address 169.254.169.254), CGNAT (100.64.0.0/10),
/// unspecified, multicast, broadcast, reserved, benchmarking or documentation space, nor an
/// IPv6 form (IPv4-mapped, IPv4-compatible, NAT64, 6to4, Teredo) that can reach one.
pub fn is_public_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0 // "this network", incl. 0.0.0.0
        || a == 10
        || a == 127
        || (a == 100 && (64..128).contains(&b)) // CGNAT
        || (a == 169 && b == 254) // link-local, cloud metadata
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2) // TEST-NET-1
        || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast
        || (a == 192 && b == 168)
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || (a == 198 && b == 51 && c == 100) // TEST-NET-2
        || (a == 203 && b == 0 && c == 113) // TEST-NET-3
        || a >= 224) // multicast, reserved, broadcast
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let bits = u128::from(ip);
    let seg = ip.segments();
    let embedded_v4 = || Ipv4Addr::from(u32::try_from(bits & 0xffff_ffff).unwrap_or(0));
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        // NAT64: the embedded IPv4 address is what is reached.
        return is_public_v4(embedded_v4());
    }
    if seg[0] == 0x2002 {
        // 6to4: the IPv4 address in bits 16..48.
        let v4 = Ipv4Addr::new(
            (seg[1] >> 8) as u8,
            (seg[1] & 0xff) as u8,
            (seg[2] >> 8) as u8,
            (seg[2] & 0xff) as u8,
        );
        return is_public_v4(v4);
    }
    // Global unicast is 2000::/3; everything outside (::, ::1, IPv4-compatible ::/96,
    // discard 100::/64, ULA fc00::/7, link-local fe80::/10, multicast ff00::/8, …) is not.
    (seg[0] & 0xe000) == 0x2000
        && !(seg[0] == 0x2001 && seg[1] < 0x0200) // 2001::/23 IETF: Teredo, ORCHID, benchmarking, …
        && !(seg[0] == 0x2001 && seg[1] == 0x0db8) // documentation
        && !(seg[0] == 0x3fff && seg[1] < 0x1000) // documentation 3fff::/20
}

/// Which destinations a fetch may reach.
#[derive(Debug, Clone, Copy)]
struct Destinations {
    allow_loopback: bool,
    /// Tests: one more `address:port`, for address literals only.
    #[cfg(test)]
    also: Option<SocketAddr>,
}

impl Destinations {
    fn allows_ip(self, ip: IpAddr) -> bool {
        let ip = crate::client_ip::canonical(ip);
        is_public_ip(ip) || (self.allow_loopback && ip.is_loopback())
    }

    /// Whether `url` may be requested: http(s), and an address-literal host must be allowed
    /// (host names are checked by [`PublicResolver`] when they are resolved).
    fn allows_url(self, url: &Url) -> bool {
        if !matches!(url.scheme(), "http" | "https") {
            return false;
        }
        let Some(host) = url.host_str() else {
            return false;
        };
        // The URL parser has normalised address literals (`2130706433`, `0x7f.1`, `[::1]`).
        let literal = host.strip_prefix('[').and_then(|h| h.strip_suffix(']'));
        let Ok(ip) = literal.unwrap_or(host).parse::<IpAddr>() else {
            return true;
        };
        #[cfg(test)]
        if let (Some(also), Some(port)) = (self.also, url.port_or_known_default())
            && also == SocketAddr::new(ip, port)
        {
            return true;
        }
        self.allows_ip(ip)
    }
}

/// Resolves host names with the system resolver and keeps only allowed addresses; a name with
/// none left fails.
#[derive(Debug)]
struct PublicResolver(Destinations);

impl Resolve for PublicResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allowed = self.0;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let ok: Vec<SocketAddr> = found.filter(|a| allowed.allows_ip(a.ip())).collect();
            if ok.is_empty() {
                return Err("no allowed address".into());
            }
            let addrs: Addrs = Box::new(ok.into_iter());
            Ok(addrs)
        })
    }
}

/// The partner-data client: one per service.
#[derive(Debug, Clone)]
pub struct PartnerFetcher {
    http: reqwest::Client,
    destinations: Destinations,
    timeout: Duration,
    max_bytes: usize,
}

/// Why a fetch failed (logged at debug level; the client sees [`PARTNER_DATA_ERROR`]).
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error("not an allowed http(s) destination")]
    Refused,
    #[error("request failed: {0}")]
    Request(String),
    #[error("HTTP status {0}")]
    Status(u16),
    #[error("larger than the cap")]
    TooLarge,
    #[error("not a JSON object")]
    NotAnObject,
    #[error("timed out")]
    Timeout,
}

impl PartnerFetcher {
    /// A fetcher with `timeout` for the whole fetch and a `max_bytes` body cap;
    /// `allow_loopback` admits loopback destinations (local development only).
    pub fn new(timeout: Duration, max_bytes: usize, allow_loopback: bool) -> Self {
        Self::with(
            timeout,
            max_bytes,
            Destinations {
                allow_loopback,
                #[cfg(test)]
                also: None,
            },
        )
    }

    fn with(timeout: Duration, max_bytes: usize, destinations: Destinations) -> Self {
        let hop_check = destinations;
        let policy = redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > MAX_REDIRECTS {
                attempt.error("too many redirects")
            } else if hop_check.allows_url(attempt.url()) {
                attempt.follow()
            } else {
                attempt.error("redirect to a refused destination")
            }
        });
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(policy)
            .no_proxy()
            .dns_resolver(Arc::new(PublicResolver(destinations)))
            .build()
            .unwrap_or_default();
        Self {
            http,
            destinations,
            timeout,
            max_bytes,
        }
    }

    /// `GET url`: the JSON object it answers, or [`PARTNER_DATA_ERROR`].
    pub async fn fetch(&self, url: &str) -> Result<Map<String, Value>, &'static str> {
        match tokio::time::timeout(self.timeout, self.try_fetch(url)).await {
            Ok(Ok(obj)) => Ok(obj),
            Ok(Err(why)) => {
                tracing::debug!(data_api = %peaqos_service::RedactedUrl(url), "partner data: {why}");
                Err(PARTNER_DATA_ERROR)
            }
            Err(_) => {
                tracing::debug!(data_api = %peaqos_service::RedactedUrl(url), "partner data: {}", Failure::Timeout);
                Err(PARTNER_DATA_ERROR)
            }
        }
    }

    async fn try_fetch(&self, url: &str) -> Result<Map<String, Value>, Failure> {
        let url = Url::parse(url.trim()).map_err(|_| Failure::Refused)?;
        if !self.destinations.allows_url(&url) {
            return Err(Failure::Refused);
        }
        let request =
            |e: reqwest::Error| Failure::Request(peaqos_service::redact_urls_in(&e.to_string()));
        let mut res = self
            .http
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(request)?;
        if !res.status().is_success() {
            return Err(Failure::Status(res.status().as_u16()));
        }
        if res
            .content_length()
            .is_some_and(|n| n > self.max_bytes as u64)
        {
            return Err(Failure::TooLarge);
        }
        let mut body = Vec::new();
        while let Some(chunk) = res.chunk().await.map_err(request)? {
            if body.len() + chunk.len() > self.max_bytes {
                return Err(Failure::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(o)) => Ok(o),
            _ => Err(Failure::NotAnObject),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn public_and_non_public_addresses() {
        for ip in [
            "127.0.0.1",
            "127.255.0.9",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "240.0.0.1",
            "192.0.2.1",
            "198.51.100.1",
            "203.0.113.1",
            "198.18.0.1",
            "192.0.0.8",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "2002:c0a8:101::1",
            "2001::1",
            "2001:db8::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "100::1",
            "3fff::1",
        ] {
            assert!(!is_public_ip(ip.parse().expect(ip)), "{ip} must be refused");
        }
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "100.63.255.255",
            "100.128.0.1",
            "172.15.0.1",
            "172.32.0.1",
            "169.253.0.1",
            "2606:4700:4700::1111",
            "2a00:1450:4001::1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert!(is_public_ip(ip.parse().expect(ip)), "{ip} is public");
        }
    }

    #[test]
    fn loopback_only_when_allowed() {
        let d = |allow_loopback| Destinations {
            allow_loopback,
            also: None,
        };
        let url = |u: &str| Url::parse(u).expect("url");
        assert!(!d(false).allows_url(&url("http://127.0.0.1:9/")));
        assert!(!d(false).allows_url(&url("http://[::ffff:127.0.0.1]:9/")));
        assert!(!d(false).allows_url(&url("http://2130706433:9/")));
        assert!(d(true).allows_url(&url("http://127.0.0.1:9/")));
        assert!(d(true).allows_url(&url("http://[::1]:9/")));
        assert!(!d(true).allows_url(&url("http://169.254.169.254/")));
        assert!(!d(true).allows_url(&url("http://0.0.0.0:9/")));
        assert!(!d(true).allows_url(&url("http://10.0.0.1/")));
        assert!(!d(true).allows_url(&url("ftp://8.8.8.8/")));
        assert!(!d(true).allows_url(&url("file:///etc/passwd")));
        assert!(d(false).allows_url(&url("https://8.8.8.8/")));
    }

    /// A loopback server: `/start` redirects to `target`, anything else counts a hit and
    /// answers a JSON object.
    async fn server(target: Option<String>) -> (SocketAddr, Arc<AtomicUsize>) {
        use axum::{Router, http::header, response::IntoResponse, routing::get};
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        let app = Router::new()
            .route(
                "/start",
                get(move || {
                    let target = target.clone().unwrap_or_default();
                    async move {
                        (axum::http::StatusCode::FOUND, [(header::LOCATION, target)])
                            .into_response()
                    }
                }),
            )
            .fallback(move || {
                counter.fetch_add(1, Ordering::SeqCst);
                async { r#"{"secret":"PLANTED_INTERNAL"}"# }
            });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (addr, hits)
    }

    /// Over real HTTP: a destination admitted as "public" (the test exception) that redirects
    /// to a live loopback server, by address and by name, is refused on the hop, and the
    /// loopback server never sees a request.
    #[tokio::test]
    async fn every_redirect_hop_is_checked() {
        let (inner, hits) = server(None).await;
        for target in [
            format!("http://{inner}/secret"),
            format!("http://localhost:{}/secret", inner.port()),
            format!("http://[::ffff:127.0.0.1]:{}/secret", inner.port()),
            "http://169.254.169.254/latest/meta-data/".to_owned(),
        ] {
            let (outer, _) = server(Some(target.clone())).await;
            let fetcher = PartnerFetcher::with(
                Duration::from_secs(3),
                65_536,
                Destinations {
                    allow_loopback: false,
                    also: Some(outer),
                },
            );
            let got = fetcher.fetch(&format!("http://{outer}/start")).await;
            assert_eq!(got, Err(PARTNER_DATA_ERROR), "redirect to {target}");
        }
        assert_eq!(
            hits.load(Ordering::SeqCst),
            0,
            "the loopback server was reached"
        );
        // The same redirect with loopback allowed is followed (the check is what stopped it).
        let (outer, _) = server(Some(format!("http://{inner}/secret"))).await;
        let open = PartnerFetcher::new(Duration::from_secs(3), 65_536, true);
        let got = open.fetch(&format!("http://{outer}/start")).await;
        assert!(got.is_ok_and(|o| o.contains_key("secret")));
        assert_eq!(hits.load(Ordering::SeqCst), 1);
    }
}
