//! Error bodies: `{"detail": "<message>"}`, and FastAPI's list form for 422 validation errors;
//! the [`envelope`] layer that puts every other error (405, 413, extractor rejections, …)
//! into that shape, and [`PathParam`], a path parameter that never rejects.

use std::collections::HashMap;

use axum::{
    Json,
    extract::{FromRequestParts, MatchedPath, Request},
    http::{StatusCode, header, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

/// The longest request target (path and query) served; longer ones answer 414
/// `URI Too Long`. (Past 65,534 bytes the HTTP library answers 414 itself, with no body.)
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// An error answer of the API.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    /// The status.
    pub status: StatusCode,
    /// The `detail` (a string, or FastAPI's list of validation errors for 422).
    pub detail: Value,
    /// Seconds for a `Retry-After` header (429).
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// `status` with a string detail.
    pub fn new(status: StatusCode, detail: &str) -> Self {
        Self {
            status,
            detail: Value::String(detail.to_owned()),
            retry_after: None,
        }
    }

    /// 400 with `detail`.
    pub fn bad_request(detail: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }

    /// 404 `Machine not registered`.
    pub fn not_registered() -> Self {
        Self::new(StatusCode::NOT_FOUND, "Machine not registered")
    }

    /// 503 `Service not initialised`.
    pub fn not_initialised() -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "Service not initialised")
    }

    /// 503 `Chain unavailable`.
    pub fn chain_unavailable() -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "Chain unavailable")
    }

    /// 422 with one FastAPI validation error.
    pub fn validation(
        loc: [&str; 2],
        kind: &str,
        msg: &str,
        input: &str,
        ctx: Option<Value>,
    ) -> Self {
        let mut err = json!({"type": kind, "loc": loc, "msg": msg, "input": input});
        if let (Some(ctx), Some(obj)) = (ctx, err.as_object_mut()) {
            obj.insert("ctx".into(), ctx);
        }
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            detail: Value::Array(vec![err]),
            retry_after: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (self.status, Json(json!({ "detail": self.detail }))).into_response();
        if let Some(secs) = self.retry_after
            && let Ok(v) = header::HeaderValue::from_str(&secs.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}

impl From<crate::Error> for ApiError {
    fn from(e: crate::Error) -> Self {
        tracing::warn!(
            code = e.code(),
            "request failed: {}",
            peaqos_service::redact_urls_in(&e.to_string())
        );
        match e {
            crate::Error::Database(_) => {
                Self::new(StatusCode::SERVICE_UNAVAILABLE, "Store unavailable")
            }
            _ => Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error"),
        }
    }
}

/// An integer in `min..=max` from `raw` (FastAPI's 422 errors otherwise).
pub(crate) fn int_in(loc: [&str; 2], raw: &str, min: u64, max: u64) -> Result<u64, ApiError> {
    let Ok(v) = raw.trim().parse::<i128>() else {
        return Err(ApiError::validation(
            loc,
            "int_parsing",
            "Input should be a valid integer, unable to parse string as an integer",
            raw,
            None,
        ));
    };
    if v < i128::from(min) {
        return Err(ApiError::validation(
            loc,
            "greater_than_equal",
            &format!("Input should be greater than or equal to {min}"),
            raw,
            Some(json!({ "ge": min })),
        ));
    }
    if v > i128::from(max) {
        return Err(ApiError::validation(
            loc,
            "less_than_equal",
            &format!("Input should be less than or equal to {max}"),
            raw,
            Some(json!({ "le": max })),
        ));
    }
    u64::try_from(v).map_err(|_| {
        ApiError::validation(
            loc,
            "int_parsing",
            "Input should be a valid integer, unable to parse string as an integer",
            raw,
            None,
        )
    })
}

/// Query parameter `name` as an integer in `min..=max`, `default` when absent.
pub(crate) fn query_int(
    query: &HashMap<String, String>,
    name: &str,
    default: u64,
    min: u64,
    max: u64,
) -> Result<u64, ApiError> {
    match query.get(name) {
        None => Ok(default),
        Some(raw) => int_in(["query", name], raw, min, max),
    }
}

/// Path parameter `name` as an integer ≥ 1 that fits the store.
pub(crate) fn path_id(name: &str, raw: &str) -> Result<u64, ApiError> {
    int_in(["path", name], raw, 1, i64::MAX as u64)
}

/// Every error answer in the `{"detail": …}` shape: a request target over
/// [`MAX_URI_BYTES`] answers 414; an error response that is not JSON (axum's 405, 413, 415 and
/// extractor rejections are plain text or empty) is replaced by `{"detail": "<reason
/// phrase>"}` with the same status, keeping `Allow` and `Retry-After`.
pub(super) async fn envelope(req: Request, next: Next) -> Response {
    let target = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if target > MAX_URI_BYTES {
        return ApiError::new(StatusCode::URI_TOO_LONG, "URI Too Long").into_response();
    }
    into_envelope(next.run(req).await)
}

/// The answer to a request hyper refuses before the router (414, 431, 400): its status in the
/// `detail` shape (`peaqos_service::http::ServerLimits::error_body`).
pub fn bare_error_body(status: StatusCode) -> (StatusCode, String) {
    let reason = status.canonical_reason().unwrap_or("Bad Request");
    (status, json!({ "detail": reason }).to_string())
}

/// `res` when it is a success or already JSON, else its status in the `detail` shape.
pub(super) fn into_envelope(res: Response) -> Response {
    let status = res.status();
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return res;
    }
    let reason = status.canonical_reason().unwrap_or("Error");
    let mut out = ApiError::new(status, reason).into_response();
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(v) = res.headers().get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    out
}

/// The (single) path parameter of a route, percent-decoded with invalid UTF-8 replaced by
/// U+FFFD, as the original (FastAPI) reads paths: the handler then answers its own 400 / 422
/// instead of axum's plain-text rejection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathParam(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathParam {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        // axum's own path extractors reject invalid UTF-8 after decoding; read the raw
        // segment at the parameter's position in the route template instead (the router
        // matches on the raw path, so the segments line up).
        let template = parts
            .extensions
            .get::<MatchedPath>()
            .map(|m| m.as_str().to_owned())
            .unwrap_or_default();
        let raw = template
            .split('/')
            .position(|segment| segment.starts_with('{'))
            .and_then(|i| parts.uri.path().split('/').nth(i))
            .unwrap_or_default();
        Ok(Self(percent_decode_lossy(raw)))
    }
}

/// `%XX` escapes decoded (a `%` not followed by two hex digits is kept), then UTF-8 read
/// lossily.
pub fn percent_decode_lossy(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                let v = hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0);
                out.push(u8::try_from(v).unwrap_or(b'?'));
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode_lossy("did%3Apeaq%3A0x12"), "did:peaq:0x12");
        assert_eq!(percent_decode_lossy("%FF%FEa"), "\u{fffd}\u{fffd}a");
        assert_eq!(percent_decode_lossy("100%"), "100%");
        assert_eq!(percent_decode_lossy("%zz%4"), "%zz%4");
        assert_eq!(percent_decode_lossy("%C3%A9"), "é");
    }

    /// The statuses axum and tower-http produce without a JSON body (413, 415 only arise on
    /// routes that read a body, which this API has none of) all get the envelope.
    #[tokio::test]
    async fn plain_errors_become_the_envelope() {
        for status in [
            StatusCode::BAD_REQUEST,
            StatusCode::METHOD_NOT_ALLOWED,
            StatusCode::PAYLOAD_TOO_LARGE,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            StatusCode::INTERNAL_SERVER_ERROR,
        ] {
            let mut plain = (status, "Failed to parse the request body").into_response();
            plain
                .headers_mut()
                .insert(header::ALLOW, header::HeaderValue::from_static("GET,HEAD"));
            let res = into_envelope(plain);
            assert_eq!(res.status(), status);
            assert_eq!(res.headers()[header::ALLOW], "GET,HEAD");
            let body = axum::body::to_bytes(res.into_body(), 1024)
                .await
                .expect("body");
            let v: Value = serde_json::from_slice(&body).expect("json");
            assert_eq!(v, json!({"detail": status.canonical_reason()}));
        }
        let ok = into_envelope((StatusCode::OK, "fine").into_response());
        assert_eq!(ok.status(), StatusCode::OK);
    }

    #[test]
    fn fastapi_shapes() {
        let e = int_in(["query", "limit"], "21", 1, 20).expect_err("too big");
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e.detail[0]["type"], "less_than_equal");
        assert_eq!(e.detail[0]["loc"], json!(["query", "limit"]));
        assert_eq!(e.detail[0]["ctx"]["le"], 20);
        let e = int_in(["path", "token_id"], "x", 1, 9).expect_err("not a number");
        assert_eq!(e.detail[0]["type"], "int_parsing");
        let e = int_in(["path", "token_id"], "0", 1, 9).expect_err("too small");
        assert_eq!(e.detail[0]["type"], "greater_than_equal");
        assert_eq!(int_in(["path", "token_id"], "7", 1, 9).ok(), Some(7));
    }
}
