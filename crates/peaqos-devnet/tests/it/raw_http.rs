//! Plain HTTP/1.1 over a fresh connection, so malformed bodies and odd headers reach the
//! devnet as they are.

use peaqos_devnet::Devnet;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// An HTTP/1.1 reply: status, the raw header block, the body.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: String,
    pub(crate) body: String,
}

impl Reply {
    pub(crate) fn json(&self) -> Value {
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

pub(crate) fn addr(devnet: &Devnet) -> String {
    devnet.url.trim_start_matches("http://").to_owned()
}

/// A POST of `body` as it is, with `Content-Type: application/json`.
pub(crate) async fn post_raw(addr: &str, body: &str) -> Reply {
    http(
        addr,
        "POST",
        "/",
        "Content-Type: application/json\r\n",
        body,
    )
    .await
}

/// The JSON-RPC answer to `method(params)` at `url` (`http://127.0.0.1:PORT`), sent as a plain
/// HTTP body (errors come back as they are, in `error`).
pub(crate) async fn rpc(url: &str, method: &str, params: Value) -> Value {
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    post_raw(&addr, &body.to_string()).await.json()
}

/// [`rpc`]'s `result`; fails the test on an `error`.
pub(crate) async fn ok(url: &str, method: &str, params: Value) -> Value {
    let reply = rpc(url, method, params).await;
    assert!(reply.get("error").is_none(), "{method}: {reply}");
    reply["result"].clone()
}
