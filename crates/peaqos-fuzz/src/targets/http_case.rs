//! An HTTP request as fuzz input, and sending it to a router in process.
//!
//! The input is `METHOD TARGET` on the first line, then optional `name: value` header lines, a
//! blank line and the body. Without a blank line everything after the first line is the body.
//! `Content-Type: application/json` is added unless the input sets a content type.

use axum::{
    Router,
    body::Body,
    http::{HeaderName, HeaderValue, Method, Request, Uri, header},
};
use tower::ServiceExt as _;

use crate::engine::Failure;

/// A received answer.
pub(super) struct Answer {
    /// The status.
    pub status: u16,
    /// The `Content-Type`.
    pub content_type: String,
    /// The body.
    pub body: Vec<u8>,
}

/// The request of `input`, `None` when its method, target or a header cannot be represented
/// (a server would refuse such a request before routing it).
pub(super) fn request(input: &[u8]) -> Option<Request<Body>> {
    let (line, rest) = match input.iter().position(|b| *b == b'\n') {
        Some(i) => (&input[..i], &input[i + 1..]),
        None => (input, &[][..]),
    };
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let (method, target) = match line.iter().position(|b| *b == b' ') {
        Some(i) => (&line[..i], &line[i + 1..]),
        None => (&b"GET"[..], line),
    };
    let method = Method::from_bytes(method).ok()?;
    let uri = Uri::try_from(target).ok()?;
    let (headers, body) = match rest.windows(2).position(|w| w == b"\n\n") {
        Some(i) => (&rest[..i], &rest[i + 2..]),
        None => (&[][..], rest),
    };
    let mut builder = Request::builder().method(method).uri(uri);
    let mut content_type = false;
    for h in headers.split(|b| *b == b'\n').filter(|h| !h.is_empty()) {
        let i = h.iter().position(|b| *b == b':')?;
        let name = HeaderName::from_bytes(&h[..i]).ok()?;
        let value = HeaderValue::from_bytes(h[i + 1..].trim_ascii()).ok()?;
        content_type |= name == header::CONTENT_TYPE;
        builder = builder.header(name, value);
    }
    if !content_type {
        builder = builder.header(header::CONTENT_TYPE, "application/json");
    }
    builder.body(Body::from(body.to_vec())).ok()
}

/// `METHOD TARGET\n\nBODY`.
pub(super) fn case(method: &str, target: &str, body: &str) -> Vec<u8> {
    format!("{method} {target}\n\n{body}").into_bytes()
}

/// Sends `req` to `router` on `runtime` and reads the whole answer.
pub(super) fn send(
    runtime: &tokio::runtime::Runtime,
    router: &Router,
    req: Request<Body>,
) -> Answer {
    runtime.block_on(async {
        let res = match router.clone().oneshot(req).await {
            Ok(res) => res,
            Err(never) => match never {},
        };
        let status = res.status().as_u16();
        let content_type = res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let body = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .map(|b| b.to_vec())
            .unwrap_or_default();
        Answer {
            status,
            content_type,
            body,
        }
    })
}

/// What both services promise of any answer: never a 500, and a JSON body (a HEAD answer may
/// be empty: `None`).
pub(super) fn json_body(
    answer: &Answer,
    route: &str,
    head: bool,
) -> Result<Option<serde_json::Value>, Failure> {
    let status = answer.status;
    if status == 500 {
        return Err(Failure::Property(format!("HTTP 500: on /{route}")));
    }
    if head && answer.body.is_empty() {
        return Ok(None);
    }
    serde_json::from_slice(&answer.body).map(Some).map_err(|_| {
        Failure::Property(format!(
            "HTTP {status} with a body that is not JSON: on /{route}, {} bytes, {:?}",
            answer.body.len(),
            answer.content_type
        ))
    })
}

/// The first path segment, if it is one of `known`, for outcome labels.
pub(super) fn route_label(req: &Request<Body>, known: &[&str]) -> String {
    let first = req
        .uri()
        .path()
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default();
    known
        .iter()
        .find(|k| **k == first)
        .map_or_else(|| "other".to_owned(), |k| (*k).to_owned())
}
