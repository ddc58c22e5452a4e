//! `peaqos_service::http::serve` over real TCP on loopback: half-open requests and idle
//! keep-alive connections are closed after the header timeout, slow bodies and stalled
//! response writes are cut off, the connection caps hold and release, the peer address reaches
//! handlers, and shutdown lets a request in progress finish within a bounded grace.

use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

use axum::{
    Router,
    extract::ConnectInfo,
    routing::{get, post},
};
use peaqos_service::{
    ServiceHandle,
    http::{ServerLimits, serve},
};
use peaqos_test_utils::http_probe::{closed_within, connect_and_send, get_once, read_response};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

/// A test server: `/` answers `ok`, `/slow` after 1 s, `/hang` never, `/echo` echoes a body,
/// `/peer` names the client address, `/big` sends 64 MiB.
async fn server(limits: ServerLimits) -> (SocketAddr, ServiceHandle) {
    let router = Router::new()
        .route("/", get(|| async { "ok" }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(1)).await;
                "done"
            }),
        )
        .route("/hang", get(std::future::pending::<&'static str>))
        .route("/echo", post(|body: String| async move { body }))
        .route(
            "/peer",
            get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.ip().to_string() }),
        )
        .route("/big", get(|| async { vec![b'x'; 64 << 20] }));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let mut handle = ServiceHandle::new();
    let stop = handle.stop_signal();
    handle.spawn(serve(listener, router, limits, stop));
    (addr, handle)
}

fn limits(change: impl FnOnce(&mut ServerLimits)) -> ServerLimits {
    let mut limits = ServerLimits::default();
    change(&mut limits);
    limits
}

#[tokio::test]
async fn half_open_requests_are_closed_after_the_header_timeout() {
    let (addr, _server) = server(limits(|l| {
        l.header_read_timeout = Duration::from_millis(500);
    }))
    .await;
    let mut held = Vec::new();
    for _ in 0..50 {
        // A partial request line and nothing else.
        held.push(connect_and_send(addr, b"GET /slow HT").await);
    }
    let start = Instant::now();
    for s in &mut held {
        assert!(
            closed_within(s, Duration::from_secs(5)).await,
            "a half-open request was held"
        );
    }
    assert!(
        start.elapsed() >= Duration::from_millis(300),
        "closed too early"
    );
    assert_eq!(get_once(addr, "/").await, (200, "ok".into()));
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let (addr, _server) = server(limits(|l| {
        l.header_read_timeout = Duration::from_millis(500);
    }))
    .await;
    let mut s = connect_and_send(addr, b"GET / HTTP/1.1\r\nHost: t\r\n\r\n").await;
    let answered = read_response(&mut s, Duration::from_secs(5)).await;
    assert_eq!(answered, Some((200, "ok".into())));
    // Kept alive: a second request on it is answered.
    s.write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .expect("write");
    assert_eq!(
        read_response(&mut s, Duration::from_secs(5)).await,
        Some((200, "ok".into()))
    );
    let idle = Instant::now();
    assert!(closed_within(&mut s, Duration::from_secs(5)).await);
    assert!(
        idle.elapsed() >= Duration::from_millis(300),
        "closed too early"
    );
}

#[tokio::test]
async fn a_slow_body_is_cut_off_after_the_body_timeout() {
    let (addr, _server) = server(limits(|l| {
        l.body_read_timeout = Duration::from_millis(500);
    }))
    .await;
    let mut s = connect_and_send(
        addr,
        b"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nhello",
    )
    .await;
    let (status, _) = read_response(&mut s, Duration::from_secs(5))
        .await
        .expect("an answer after the body timeout");
    assert_eq!(status, 400);
    assert!(closed_within(&mut s, Duration::from_secs(5)).await);
    // A body that arrives in time is read.
    let mut s = connect_and_send(
        addr,
        b"POST /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello",
    )
    .await;
    assert_eq!(
        read_response(&mut s, Duration::from_secs(5)).await,
        Some((200, "hello".into()))
    );
}

#[tokio::test]
async fn a_client_that_does_not_read_its_response_is_cut_off() {
    let (addr, _server) = server(limits(|l| {
        l.write_stall_timeout = Duration::from_millis(500);
    }))
    .await;
    let mut s = connect_and_send(addr, b"GET /big HTTP/1.1\r\nHost: t\r\n\r\n").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    // Whatever sat in the socket buffers arrives, then the connection ends short.
    let mut total = 0usize;
    let mut chunk = vec![0u8; 1 << 16];
    let read = tokio::time::timeout(Duration::from_secs(10), async {
        while let Ok(n) = s.read(&mut chunk).await {
            if n == 0 {
                break;
            }
            total += n;
        }
    })
    .await;
    assert!(read.is_ok(), "the connection was not closed");
    assert!(total < 64 << 20, "the whole response was sent: {total}");
}

#[tokio::test]
async fn the_connection_cap_holds_and_releases() {
    let (addr, _server) = server(limits(|l| {
        l.max_connections = 4;
    }))
    .await;
    // Four connections, each with a request in progress (none is idle, none can make room).
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(connect_and_send(addr, b"GET /hang HTTP/1.1\r\nHost: t\r\n\r\n").await);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    // The fifth waits, unanswered, while the four are busy...
    let mut fifth = connect_and_send(addr, b"GET / HTTP/1.1\r\nHost: t\r\n\r\n").await;
    assert_eq!(
        read_response(&mut fifth, Duration::from_millis(700)).await,
        None
    );
    // ...and is answered once they are gone; so is a new one.
    drop(held);
    assert_eq!(
        read_response(&mut fifth, Duration::from_secs(5)).await,
        Some((200, "ok".into()))
    );
    assert_eq!(get_once(addr, "/").await, (200, "ok".into()));
}

/// Connections that send nothing (or half a request head) cannot keep others out: at the cap
/// a new connection closes the longest-idle one and is answered at once.
#[tokio::test]
async fn at_the_cap_the_longest_idle_connection_makes_room() {
    let (addr, _server) = server(limits(|l| {
        l.max_connections = 8;
    }))
    .await;
    let mut idle = Vec::new();
    for _ in 0..8 {
        idle.push(connect_and_send(addr, b"GET /slow HT").await);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let busy = connect_and_send(addr, b"GET /hang HTTP/1.1\r\nHost: t\r\n\r\n").await;
    for _ in 0..20 {
        let start = Instant::now();
        assert_eq!(get_once(addr, "/").await, (200, "ok".into()));
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "a new client waited {:?} behind idle connections",
            start.elapsed()
        );
    }
    // The oldest idle ones were closed to make room.
    assert!(closed_within(&mut idle[0], Duration::from_secs(1)).await);
    drop(busy);
}

/// A request hyper refuses before any router (a request target over 64 KiB, oversized
/// headers, malformed HTTP) gets the service's error shape, not an empty body.
#[tokio::test]
async fn requests_refused_before_the_router_get_the_error_body() {
    fn shaped(status: axum::http::StatusCode) -> (axum::http::StatusCode, String) {
        (status, format!(r#"{{"refused":{}}}"#, status.as_u16()))
    }
    let (addr, _server) = server(limits(|l| {
        l.error_body = shaped;
    }))
    .await;
    let long = format!("GET /{} HTTP/1.1\r\nHost: t\r\n\r\n", "a".repeat(70 * 1024));
    let mut s = connect_and_send(addr, long.as_bytes()).await;
    assert_eq!(
        read_response(&mut s, Duration::from_secs(5)).await,
        Some((414, r#"{"refused":414}"#.into()))
    );
    let mut s = connect_and_send(addr, b"NOT HTTP AT ALL\r\n\r\n").await;
    assert_eq!(
        read_response(&mut s, Duration::from_secs(5)).await,
        Some((400, r#"{"refused":400}"#.into()))
    );
    // A router's own answers are untouched, empty or not.
    assert_eq!(get_once(addr, "/").await, (200, "ok".into()));
}

#[tokio::test]
async fn the_per_ip_cap_closes_the_extra_connection_at_once() {
    let (addr, _server) = server(limits(|l| {
        l.max_connections_per_ip = 3;
        l.per_ip_includes_loopback = true;
    }))
    .await;
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(TcpStream::connect(addr).await.expect("connect"));
    }
    let mut extra = TcpStream::connect(addr).await.expect("connect");
    assert!(closed_within(&mut extra, Duration::from_secs(2)).await);
    // The held ones are served.
    held[0]
        .write_all(b"GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .expect("write");
    assert_eq!(
        read_response(&mut held[0], Duration::from_secs(5)).await,
        Some((200, "ok".into()))
    );
    drop(held);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(get_once(addr, "/").await, (200, "ok".into()));
}

#[tokio::test]
async fn loopback_clients_are_not_capped_per_ip_by_default() {
    let (addr, _server) = server(limits(|l| {
        l.max_connections_per_ip = 3;
    }))
    .await;
    let mut held = Vec::new();
    for _ in 0..5 {
        held.push(TcpStream::connect(addr).await.expect("connect"));
    }
    assert_eq!(get_once(addr, "/").await, (200, "ok".into()));
}

#[tokio::test]
async fn handlers_see_the_peer_address() {
    let (addr, _server) = server(ServerLimits::default()).await;
    assert_eq!(get_once(addr, "/peer").await, (200, "127.0.0.1".into()));
}

#[tokio::test]
async fn shutdown_finishes_the_request_in_progress() {
    let (addr, server) = server(ServerLimits::default()).await;
    let mut idle = TcpStream::connect(addr).await.expect("connect");
    let in_flight = tokio::spawn(get_once(addr, "/slow"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let start = Instant::now();
    server.shutdown().await;
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(in_flight.await.expect("joined"), (200, "done".into()));
    // Idle connections are closed, and nothing new is accepted.
    assert!(closed_within(&mut idle, Duration::from_secs(1)).await);
    assert!(TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn shutdown_waits_no_longer_than_the_grace() {
    let (addr, server) = server(limits(|l| {
        l.shutdown_grace = Duration::from_millis(300);
    }))
    .await;
    let mut hung = connect_and_send(addr, b"GET /hang HTTP/1.1\r\nHost: t\r\n\r\n").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let start = Instant::now();
    server.shutdown().await;
    assert!(start.elapsed() < Duration::from_secs(3));
    assert!(closed_within(&mut hung, Duration::from_secs(1)).await);
}
