//! Raw HTTP/1.1 over loopback TCP, for tests that hold connections open, send partial requests
//! or watch when the server closes a connection (things an HTTP client library hides).

use std::{net::SocketAddr, time::Duration};

use peaqos_service::http::ServerLimits;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// A connection to `addr` that has sent `bytes` (a partial request, a whole one, or nothing).
pub async fn connect_and_send(addr: SocketAddr, bytes: &[u8]) -> TcpStream {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(bytes).await.expect("write");
    s
}

/// `GET path` on a fresh connection with `Connection: close`: `(status, body)`.
pub async fn get_once(addr: SocketAddr, path: &str) -> (u16, String) {
    let req = format!("GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    let mut s = connect_and_send(addr, req.as_bytes()).await;
    read_response(&mut s, Duration::from_secs(10))
        .await
        .expect("an answer")
}

/// Reads one whole response (a `Content-Length` body): `(status, body)`, or `None` if none
/// arrived whole within `wait` or the connection ended first.
pub async fn read_response(s: &mut TcpStream, wait: Duration) -> Option<(u16, String)> {
    let read = async {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(answer) = parse_response(&buf) {
                return Some(answer);
            }
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    };
    tokio::time::timeout(wait, read).await.ok().flatten()
}

/// `(status, body)` once `buf` holds a whole response.
fn parse_response(buf: &[u8]) -> Option<(u16, String)> {
    let text = String::from_utf8_lossy(buf);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let len = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .and_then(|v| v.trim().parse::<usize>().ok())
        })
        .unwrap_or(0);
    let status = head.split(' ').nth(1)?.parse().ok()?;
    (body.len() >= len).then(|| (status, body[..len].to_string()))
}

/// Whether the server closes `s` within `wait` (what it sends first is read and dropped; a
/// reset counts as closed).
pub async fn closed_within(s: &mut TcpStream, wait: Duration) -> bool {
    let until_closed = async {
        let mut chunk = [0u8; 4096];
        while let Ok(n) = s.read(&mut chunk).await {
            if n == 0 {
                break;
            }
        }
    };
    tokio::time::timeout(wait, until_closed).await.is_ok()
}

/// How many half-open connections [`assert_slow_clients_are_cut_off`] holds: fewer than a
/// server's default connection cap, so all are accepted at once.
pub const SLOW_CLIENTS: usize = 200;

/// Probes a running service at `addr` as a slow client would, against the default
/// [`ServerLimits`] every service runs with: [`SLOW_CLIENTS`] connections (half with a partial
/// request line, half silent) are all closed by the server within the header-read timeout
/// (plus scheduling slack), so clients cannot hold connections (file descriptors) open. The
/// caller checks a normal request after.
pub async fn assert_slow_clients_are_cut_off(addr: SocketAddr) {
    let limits = ServerLimits::default();
    assert!(SLOW_CLIENTS < limits.max_connections);
    let start = std::time::Instant::now();
    let mut held = Vec::with_capacity(SLOW_CLIENTS);
    for i in 0..SLOW_CLIENTS {
        let partial: &[u8] = if i % 2 == 0 { b"GET /health HT" } else { b"" };
        held.push(connect_and_send(addr, partial).await);
    }
    let deadline = limits.header_read_timeout + Duration::from_secs(3);
    for (i, s) in held.iter_mut().enumerate() {
        let left = deadline.saturating_sub(start.elapsed());
        assert!(
            closed_within(s, left).await,
            "half-open connection {i} still held after {:?}",
            start.elapsed()
        );
    }
}
