//! Hardening of the devnet (issue 13): chain work off the async workers, bounded shutdown,
//! `eth_getLogs` limits, timestamps within i64, periodic `--state` saves, and the
//! content-type / origin checks against cross-site requests.

use std::time::{Duration, Instant};

use peaqos_devnet::{Devnet, DevnetConfig};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// An HTTP/1.1 reply: status, the raw header block, the body.
pub(crate) struct Reply {
    pub status: u16,
    pub headers: String,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// One HTTP/1.1 request over a fresh connection, sent as it is (extra header lines included).
pub(crate) async fn http(addr: &str, method: &str, path: &str, extra: &str, body: &str) -> Reply {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(req.as_bytes()).await.expect("write");
    let mut resp = Vec::new();
    stream.read_to_end(&mut resp).await.expect("read");
    let text = String::from_utf8_lossy(&resp).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Reply {
        status,
        headers: head.to_owned(),
        body: body.to_owned(),
    }
}

fn addr(devnet: &Devnet) -> String {
    devnet.url.trim_start_matches("http://").to_owned()
}

/// A JSON-RPC POST with `Content-Type: application/json`.
pub(crate) async fn post_json(addr: &str, body: &Value) -> Value {
    http(
        addr,
        "POST",
        "/",
        "Content-Type: application/json\r\n",
        &body.to_string(),
    )
    .await
    .json()
}

async fn call(addr: &str, method: &str, params: Value) -> Value {
    post_json(
        addr,
        &json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}),
    )
    .await
}

fn empty_chain() -> DevnetConfig {
    DevnetConfig {
        deploy_stack: false,
        ..DevnetConfig::ephemeral()
    }
}

/// A blocking HTTP/1.1 exchange from a plain thread (not a tokio task): what it measures does
/// not depend on the runtime under test making progress.
fn blocking_http(addr: &str, request: &str) -> String {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream.write_all(request.as_bytes()).expect("write");
    let mut resp = String::new();
    stream.read_to_string(&mut resp).expect("read");
    resp
}

fn blocking_post(addr: &str, body: &str) -> String {
    blocking_http(
        addr,
        &format!(
            "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// Starts a trivial HTTP service (`GET /ping`) on the current runtime; returns its address.
async fn ping_service() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let app = axum::Router::new().route("/ping", axum::routing::get(|| async { "pong" }));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

/// Pings `addr` from a plain thread every 10 ms until `done` is set; returns (pings, worst
/// latency).
fn pinger(
    addr: String,
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<(usize, Duration)> {
    std::thread::spawn(move || {
        let mut worst = Duration::ZERO;
        let mut pings = 0;
        while !done.load(std::sync::atomic::Ordering::SeqCst) {
            let t = Instant::now();
            let reply = blocking_http(
                &addr,
                &format!("GET /ping HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
            );
            assert!(reply.ends_with("pong"), "{reply}");
            worst = worst.max(t.elapsed());
            pings += 1;
            std::thread::sleep(Duration::from_millis(10));
        }
        (pings, worst)
    })
}

/// Sends each body from its own plain thread at once, waits for every answer; returns the
/// answers and the time until the last.
async fn concurrent_calls(addr: &str, bodies: Vec<String>) -> (Vec<String>, Duration) {
    let started = Instant::now();
    let threads: Vec<_> = bodies
        .into_iter()
        .map(|body| {
            let addr = addr.to_owned();
            std::thread::spawn(move || blocking_post(&addr, &body))
        })
        .collect();
    let answers = tokio::task::spawn_blocking(move || {
        threads
            .into_iter()
            .map(|t| t.join().expect("client thread"))
            .collect()
    })
    .await
    .expect("join");
    (answers, started.elapsed())
}

/// Finding 4: slow chain calls (the longest `anvil_mine` allowed, several at once) run off the
/// async workers, so another service on the same 2-worker runtime (as the MCR and Gas Station
/// are in `peaqos dev`) keeps answering quickly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_chain_calls_do_not_delay_other_services() {
    use peaqos_devnet::rpc::MAX_MINE_BLOCKS;
    let devnet = Devnet::spawn(empty_chain()).await.expect("devnet");
    let other = ping_service().await;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let pings = pinger(other, done.clone());

    let mine = json!({"jsonrpc": "2.0", "id": 1, "method": "anvil_mine",
                      "params": [format!("{MAX_MINE_BLOCKS:#x}")]})
    .to_string();
    let (answers, busy) = concurrent_calls(&addr(&devnet), vec![mine; 3]).await;
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let (pings, worst) = tokio::task::spawn_blocking(move || pings.join().expect("pinger"))
        .await
        .expect("join");
    for a in &answers {
        assert!(a.contains(r#""result":"0x0""#), "{a}");
    }
    eprintln!("3 x anvil_mine {MAX_MINE_BLOCKS}: {busy:?}; {pings} pings, worst {worst:?}");
    assert!(
        worst < Duration::from_millis(200),
        "another service waited {worst:?} behind the chain (3 x anvil_mine took {busy:?})"
    );
    devnet.shutdown().await.expect("shutdown");
}
