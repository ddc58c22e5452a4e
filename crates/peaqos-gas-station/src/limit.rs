//! Client IPs and the in-memory setup limiter.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

/// The key a client IP is counted under: an IPv4 address as is (also when IPv4-mapped), an
/// IPv6 address by its /64 (one host usually holds a whole /64; see
/// [`peaqos_service::client_ip::bucket_of`]).
pub fn ip_key(ip: IpAddr) -> String {
    match peaqos_service::client_ip::bucket_of(ip) {
        IpAddr::V6(net) => format!("{net}/64"),
        v4 => v4.to_string(),
    }
}

/// Fixed-window counters of setups, per IP key and in all. The per-IP map only gains an entry
/// when the global count admits the request, so it never holds more than the global limit;
/// it is emptied when the window rolls over.
#[derive(Debug)]
pub struct SetupLimiter {
    per_ip: u32,
    global: u32,
    window: Duration,
    state: Mutex<Window>,
}

#[derive(Debug)]
struct Window {
    start: Instant,
    total: u32,
    by_ip: HashMap<String, u32>,
}

impl SetupLimiter {
    /// `per_ip` and `global` admissions per `window`.
    pub fn new(per_ip: u32, global: u32, window: Duration) -> Self {
        Self {
            per_ip,
            global,
            window,
            state: Mutex::new(Window {
                start: Instant::now(),
                total: 0,
                by_ip: HashMap::new(),
            }),
        }
    }

    /// Counts one setup from `ip`; `false` (and nothing counted) when either limit is reached.
    pub fn admit(&self, ip: &str) -> bool {
        let mut w = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if w.start.elapsed() >= self.window {
            *w = Window {
                start: Instant::now(),
                total: 0,
                by_ip: HashMap::new(),
            };
        }
        if w.total >= self.global || w.by_ip.get(ip).is_some_and(|n| *n >= self.per_ip) {
            return false;
        }
        w.total += 1;
        *w.by_ip.entry(ip.to_owned()).or_default() += 1;
        true
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

    #[test]
    fn per_ip_then_global_then_next_window() {
        let l = SetupLimiter::new(2, 3, Duration::from_millis(200));
        assert!(l.admit("a") && l.admit("a") && !l.admit("a"));
        assert!(l.admit("b") && !l.admit("c"), "global limit");
        std::thread::sleep(Duration::from_millis(250));
        assert!(l.admit("a") && l.admit("c"));
    }
}
