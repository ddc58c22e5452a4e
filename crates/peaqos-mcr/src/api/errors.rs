//! Error bodies: `{"detail": "<message>"}`, and FastAPI's list form for 422 validation errors.

use std::collections::HashMap;

use axum::{
    Json,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

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
        tracing::warn!(code = e.code(), "request failed: {e}");
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

#[cfg(test)]
mod tests {
    use super::*;

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
