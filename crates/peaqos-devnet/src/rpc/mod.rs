//! Ethereum JSON-RPC over HTTP: single and batch requests, errors as geth / anvil report them.
//!
//! A request body is checked as a JSON-RPC envelope here, its `method` / `params` become a typed
//! [`DevnetRequest`] (`request.rs`), [`execute`] answers it with alloy's RPC types (`convert.rs`),
//! and every chain error becomes a JSON-RPC error in one place (`From<ChainError>`).

mod api;
mod convert;
mod request;

use std::sync::Arc;

use axum::{
    Router,
    body::Bytes,
    extract::{DefaultBodyLimit, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::post,
};
use serde::Serialize;
use serde_json::{Value, json};

use crate::{chain::ChainError, node::Node};

pub use api::execute;
pub use request::{BlockParam, DevnetRequest, NoParams};

/// Largest request body accepted (a batch of 512 subcalls of 64 KiB fits).
pub const MAX_BODY_BYTES: usize = 40 * 1024 * 1024;
/// Most requests in one JSON-RPC batch (geth's default `BatchRequestLimit`); a longer batch is
/// refused whole, since each answer can be far larger than its request.
pub const MAX_BATCH_LEN: usize = 1000;
/// Most blocks one `anvil_mine` / `evm_mine` call may mine.
pub const MAX_MINE_BLOCKS: u64 = 10_000;
/// Most reward percentiles one `eth_feeHistory` call may ask for (geth's limit).
pub const MAX_FEE_HISTORY_PERCENTILES: usize = 100;

/// JSON-RPC error codes.
pub mod codes {
    /// Invalid JSON.
    pub const PARSE_ERROR: i64 = -32700;
    /// Not a valid request object.
    pub const INVALID_REQUEST: i64 = -32600;
    /// Unknown method.
    pub const METHOD_NOT_FOUND: i64 = -32601;
    /// Bad parameters.
    pub const INVALID_PARAMS: i64 = -32602;
    /// A result that could not be serialized (not expected to happen).
    pub const INTERNAL_ERROR: i64 = -32603;
    /// Server-side failure (a refused transaction, a missing block, …).
    pub const SERVER_ERROR: i64 = -32000;
    /// Execution reverted (geth / anvil), with the revert bytes in `data`.
    pub const EXECUTION_REVERTED: i64 = 3;
}

/// A JSON-RPC error.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RpcError {
    /// The code.
    pub code: i64,
    /// The message.
    pub message: String,
    /// Extra data (revert bytes as hex for reverts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

impl RpcError {
    /// An error without data.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// `-32602 invalid params`.
    pub fn params(message: impl Into<String>) -> Self {
        Self::new(codes::INVALID_PARAMS, message)
    }
}

/// The one mapping of chain errors: reverts are code 3 with the revert bytes in `data` (as geth
/// and anvil, which clients decode custom errors from); everything else is `-32000` with the
/// error's message (clients match "nonce too low", "insufficient funds", …).
impl From<ChainError> for RpcError {
    fn from(e: ChainError) -> Self {
        let message = e.to_string();
        match e {
            ChainError::Reverted { data, .. } => Self {
                code: codes::EXECUTION_REVERTED,
                message,
                data: Some(json!(data)),
            },
            _ => Self::new(codes::SERVER_ERROR, message),
        }
    }
}

/// The HTTP router: `POST /` takes JSON-RPC; bodies over [`MAX_BODY_BYTES`] get 413.
pub fn router(node: Arc<Node>) -> Router {
    Router::new()
        .route("/", post(handle))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(node)
}

async fn handle(State(node): State<Arc<Node>>, body: Bytes) -> Response {
    let reply = handle_body(&node, &body);
    match reply {
        Some(v) => ([(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    }
}

/// Answers a raw request body (`None` for a batch of notifications only).
pub fn handle_body(node: &Node, body: &[u8]) -> Option<Value> {
    let parsed: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Some(error_response(
                &Value::Null,
                &RpcError::new(codes::PARSE_ERROR, format!("parse error: {e}")),
            ));
        }
    };
    match parsed {
        Value::Array(items) if items.is_empty() => Some(error_response(
            &Value::Null,
            &RpcError::new(codes::INVALID_REQUEST, "empty batch"),
        )),
        Value::Array(items) if items.len() > MAX_BATCH_LEN => Some(error_response(
            &Value::Null,
            &RpcError::new(
                codes::INVALID_REQUEST,
                format!("batch too large: at most {MAX_BATCH_LEN} requests"),
            ),
        )),
        Value::Array(items) => {
            let out: Vec<Value> = items
                .into_iter()
                .filter_map(|i| handle_one(node, i))
                .collect();
            if out.is_empty() {
                None
            } else {
                Some(Value::Array(out))
            }
        }
        one => handle_one(node, one),
    }
}

fn handle_one(node: &Node, request: Value) -> Option<Value> {
    let Value::Object(obj) = request else {
        return Some(error_response(
            &Value::Null,
            &RpcError::new(codes::INVALID_REQUEST, "invalid request: not an object"),
        ));
    };
    let id = obj.get("id").cloned();
    let Some(Value::String(method)) = obj.get("method") else {
        return Some(error_response(
            &id.unwrap_or(Value::Null),
            &RpcError::new(codes::INVALID_REQUEST, "invalid request: missing method"),
        ));
    };
    let params = match obj.get("params") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(p)) => p.clone(),
        Some(_) => {
            return Some(error_response(
                &id.unwrap_or(Value::Null),
                &RpcError::params("params must be an array"),
            ));
        }
    };
    let result = DevnetRequest::parse(method, params).and_then(|r| execute(node, r));
    // A request without an id is a notification: no reply.
    let id = id?;
    Some(match result {
        Ok(v) => json!({ "jsonrpc": "2.0", "id": id, "result": v }),
        Err(e) => error_response(&id, &e),
    })
}

fn error_response(id: &Value, e: &RpcError) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": e })
}
