//! Client IPs: the key the per-IP limits count under. (The counters themselves are in the
//! database, shared by every process: [`Store::admit_setup`](crate::store::Store::admit_setup),
//! the IP failure windows.)

use std::net::IpAddr;

/// The key a client IP is counted under: an IPv4 address as is (also when IPv4-mapped), an
/// IPv6 address by its /64 (one host usually holds a whole /64; see
/// [`peaqos_service::client_ip::bucket_of`]).
pub fn ip_key(ip: IpAddr) -> String {
    match peaqos_service::client_ip::bucket_of(ip) {
        IpAddr::V6(net) => format!("{net}/64"),
        v4 => v4.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert_eq!(ip_key("127.0.0.1".parse().expect("ip")), "127.0.0.1");
        assert_eq!(ip_key("::ffff:10.0.0.1".parse().expect("ip")), "10.0.0.1");
        assert_eq!(
            ip_key("2001:db8:1:2:3:4:5:6".parse().expect("ip")),
            ip_key("2001:db8:1:2:ffff::1".parse().expect("ip"))
        );
        assert_eq!(
            ip_key("2001:db8:1:2::9".parse().expect("ip")),
            "2001:db8:1:2::/64"
        );
    }
}
