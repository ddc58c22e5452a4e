//! Ethereum JSON-RPC over HTTP: single and batch requests, errors as geth / anvil report them.
//!
//! A request body is checked as a JSON-RPC envelope here, its `method` / `params` become a typed
//! [`DevnetRequest`] (`request.rs`), [`execute`] answers it with alloy's RPC types (`convert.rs`),
//! and every chain error becomes a JSON-RPC error in one place (`From<ChainError>`).

pub mod access;
mod api;
mod convert;
pub mod filters;
mod log_json;
mod request;
pub mod subscriptions;
mod trace;
mod trace_decode;
pub mod wallet;
pub mod ws;

use std::sync::Arc;

use axum::{
    Router,
    extract::{DefaultBodyLimit, Request, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::post,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json, value::RawValue};

use crate::{chain::ChainError, node::Node};

pub use api::execute;
pub use request::{BlockParam, DevnetRequest, NoParams};

/// Largest request body accepted: 5 MiB, geth's default HTTP body limit. The largest
/// transaction a block can hold (30M gas of calldata, about 1.9 MB of non-zero bytes) fits
/// hex-encoded, as does any contract deploy (initcode is at most 48 KiB, EIP-3860).
pub const MAX_BODY_BYTES: usize = 5 * 1024 * 1024;
/// Most requests in one JSON-RPC batch (geth's default `BatchRequestLimit`); a longer batch is
/// refused whole, since each answer can be far larger than its request.
pub const MAX_BATCH_LEN: usize = 1000;
/// Most bytes of answers one batch collects (geth's default `BatchResponseMaxSize`): once past
/// it, the remaining requests of the batch are answered -32003 `response too large` instead of
/// being run. Together with the per-call bounds (logs, blocks by gas) this bounds the memory one
/// request can take.
pub const MAX_BATCH_RESPONSE_BYTES: usize = 25_000_000;
/// Most blocks one `anvil_mine` / `evm_mine` call may mine.
pub const MAX_MINE_BLOCKS: u64 = 10_000;
/// Most reward percentiles one `eth_feeHistory` call may ask for (geth's limit).
pub const MAX_FEE_HISTORY_PERCENTILES: usize = 100;
/// Most blocks one `eth_getLogs` may scan (`toBlock - fromBlock + 1`, as RPC providers cap it);
/// past it -32602 `query exceeds max block range 10000`.
pub const MAX_LOGS_BLOCK_RANGE: u64 = 10_000;
/// Most addresses, and most alternatives in one topic position, of an `eth_getLogs` filter
/// (geth's `--rpc.logquerylimit` default); past it -32602
/// `exceed max addresses or topics per search position`.
pub const MAX_LOGS_FILTER_ITEMS: usize = 1000;
/// Most logs one `eth_getLogs` returns (as Infura and Alchemy); past it -32005
/// `query returned more than 10000 results`.
pub const MAX_LOGS_RESULTS: usize = 10_000;
/// Most bytes of logs (data and topics, as hex) one `eth_getLogs` returns; past it -32005.
pub const MAX_LOGS_RESPONSE_BYTES: usize = MAX_BATCH_RESPONSE_BYTES;

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
    /// A batch's answers grew past [`super::MAX_BATCH_RESPONSE_BYTES`] (geth's code).
    pub const RESPONSE_TOO_LARGE: i64 = -32003;
    /// A query past a limit of the node (`eth_getLogs` results; Infura's and geth's code).
    pub const LIMIT_EXCEEDED: i64 = -32005;
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
            ChainError::TimestampTooLarge { .. } | ChainError::StateOutOfRange { .. } => {
                Self::params(message)
            }
            ChainError::LogsLimit(_) => Self::new(codes::LIMIT_EXCEEDED, message),
            _ => Self::new(codes::SERVER_ERROR, message),
        }
    }
}

/// The HTTP router: `POST /` takes JSON-RPC (see [`access`] for the headers it requires);
/// bodies over [`MAX_BODY_BYTES`] get 413. Every call runs on the node's chain thread
/// ([`Node::run`]), never on the async workers.
pub fn router(node: Arc<Node>) -> Router {
    Router::new()
        .route("/", post(handle).get(ws::upgrade))
        .layer(DefaultBodyLimit::disable())
        .with_state(node)
}

async fn handle(State(node): State<Arc<Node>>, request: Request) -> Response {
    if let Err(refused) = access::check(&request, node.allowed_origins()) {
        return refused.into_response();
    }
    let body = match axum::body::to_bytes(request.into_body(), MAX_BODY_BYTES).await {
        Ok(body) => body,
        Err(_) => {
            return http_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("request body too large: at most {MAX_BODY_BYTES} bytes"),
            );
        }
    };
    match node.run(move |node| answer(node, &body)).await {
        Ok(Some(bytes)) => ([(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Ok(None) => StatusCode::NO_CONTENT.into_response(),
        Err(stopping) => http_error(StatusCode::SERVICE_UNAVAILABLE, &stopping.to_string()),
    }
}

/// An HTTP-level refusal with a JSON-RPC error body (id null; -32600, or -32000 for a 5xx), so
/// a JSON-RPC client shows the reason.
fn http_error(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        http_error_body(message),
    )
        .into_response()
}

fn http_error_body(message: &str) -> String {
    error_response(
        &Value::Null,
        &RpcError::new(codes::INVALID_REQUEST, message),
    )
    .to_string()
}

/// The answer to a request hyper refuses before the router (414, 431, 400): its status with a
/// JSON-RPC `-32600` error (`peaqos_service::http::ServerLimits::error_body`).
pub fn bare_error_body(status: StatusCode) -> (StatusCode, String) {
    let reason = status.canonical_reason().unwrap_or("Bad Request");
    (status, http_error_body(reason))
}

/// Answers a raw request body (`None` for a batch of notifications only), as JSON.
pub fn handle_body(node: &Node, body: &[u8]) -> Option<Value> {
    answer(node, body).map(|bytes| serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// Answers a raw request body with the response's bytes (`None` for notifications only).
///
/// Memory stays proportional to the body and the answer: a batch is split into its raw elements
/// (nothing is parsed before its length is checked), each element is parsed and answered in
/// turn, straight into the output, and the output stops growing past
/// [`MAX_BATCH_RESPONSE_BYTES`].
pub fn answer(node: &Node, body: &[u8]) -> Option<Vec<u8>> {
    let parse_error = |e: &dyn std::fmt::Display| {
        Some(error_bytes(
            RAW_NULL,
            &RpcError::new(codes::PARSE_ERROR, format!("parse error: {e}")),
        ))
    };
    // What a `Value` would refuse (numbers out of range, lone surrogates, invalid UTF-8, deep
    // nesting) is a parse error, as it has always been; checked without building one.
    if let Err(e) = serde_json::from_slice::<ValidJson>(body) {
        return parse_error(&e);
    }
    let text = match std::str::from_utf8(body) {
        Ok(text) => text,
        Err(e) => return parse_error(&e),
    };
    if !text.trim_start().starts_with('[') {
        return match serde_json::from_str::<&RawValue>(text) {
            Ok(one) => handle_one(node, one.get()),
            Err(e) => parse_error(&e),
        };
    }
    let items: Vec<&RawValue> = match serde_json::from_str(text) {
        Ok(items) => items,
        Err(e) => return parse_error(&e),
    };
    if items.is_empty() {
        return Some(error_bytes(
            RAW_NULL,
            &RpcError::new(codes::INVALID_REQUEST, "empty batch"),
        ));
    }
    if items.len() > MAX_BATCH_LEN {
        return Some(error_bytes(
            RAW_NULL,
            &RpcError::new(
                codes::INVALID_REQUEST,
                format!("batch too large: at most {MAX_BATCH_LEN} requests"),
            ),
        ));
    }
    let mut out = vec![b'['];
    let mut answered = 0usize;
    for item in items {
        let reply = if out.len() > MAX_BATCH_RESPONSE_BYTES {
            // geth's behaviour: the rest of the batch is not run.
            envelope_of(item.get()).ok().and_then(|e| e.id).map(|id| {
                error_bytes(
                    id.get(),
                    &RpcError::new(codes::RESPONSE_TOO_LARGE, "response too large"),
                )
            })
        } else {
            handle_one(node, item.get())
        };
        if let Some(reply) = reply {
            if answered > 0 {
                out.push(b',');
            }
            out.extend_from_slice(&reply);
            answered += 1;
        }
    }
    out.push(b']');
    (answered > 0).then_some(out)
}

const RAW_NULL: &str = "null";

/// Any JSON that `serde_json::Value` accepts, read through serde_json's own parser (every
/// number converted, every string decoded) but kept nowhere: no allocation beyond one string's
/// scratch buffer. (`IgnoredAny` would skip values without these checks.)
struct ValidJson;

impl<'de> Deserialize<'de> for ValidJson {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValidJsonVisitor)
    }
}

struct ValidJsonVisitor;

impl<'de> serde::de::Visitor<'de> for ValidJsonVisitor {
    type Value = ValidJson;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<ValidJson, E> {
        Ok(ValidJson)
    }

    fn visit_i64<E>(self, _: i64) -> Result<ValidJson, E> {
        Ok(ValidJson)
    }

    fn visit_u64<E>(self, _: u64) -> Result<ValidJson, E> {
        Ok(ValidJson)
    }

    fn visit_f64<E>(self, _: f64) -> Result<ValidJson, E> {
        Ok(ValidJson)
    }

    fn visit_str<E>(self, _: &str) -> Result<ValidJson, E> {
        Ok(ValidJson)
    }

    fn visit_unit<E>(self) -> Result<ValidJson, E> {
        Ok(ValidJson)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<ValidJson, A::Error> {
        while seq.next_element::<ValidJson>()?.is_some() {}
        Ok(ValidJson)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<ValidJson, A::Error> {
        while map.next_entry::<ValidJson, ValidJson>()?.is_some() {}
        Ok(ValidJson)
    }
}

/// The JSON-RPC envelope of one request, its parts left unparsed. A key given twice keeps its
/// last value, as geth (Go's `encoding/json`) and anvil (`serde_json::Value`) read it.
#[derive(Default)]
struct Envelope<'a> {
    /// `Some` whenever the key is present, `null` included (only a missing id makes a
    /// notification).
    id: Option<&'a RawValue>,
    method: Option<&'a RawValue>,
    params: Option<&'a RawValue>,
}

impl<'de> Deserialize<'de> for Envelope<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct EnvelopeVisitor;

        impl<'de> serde::de::Visitor<'de> for EnvelopeVisitor {
            type Value = Envelope<'de>;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON-RPC request object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Envelope<'de>, A::Error> {
                let mut envelope = Envelope::default();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    let slot = match key.as_ref() {
                        "id" => &mut envelope.id,
                        "method" => &mut envelope.method,
                        "params" => &mut envelope.params,
                        _ => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                            continue;
                        }
                    };
                    *slot = Some(map.next_value::<&'de RawValue>()?);
                }
                Ok(envelope)
            }
        }

        d.deserialize_map(EnvelopeVisitor)
    }
}

fn envelope_of(raw: &str) -> Result<Envelope<'_>, serde_json::Error> {
    serde_json::from_str(raw)
}

fn handle_one(node: &Node, raw: &str) -> Option<Vec<u8>> {
    let invalid = |id: &str, message: &str| {
        Some(error_bytes(
            id,
            &RpcError::new(codes::INVALID_REQUEST, message),
        ))
    };
    if !raw.starts_with('{') {
        return invalid(RAW_NULL, "invalid request: not an object");
    }
    let Ok(envelope) = envelope_of(raw) else {
        return invalid(RAW_NULL, "invalid request: not a request object");
    };
    let id = envelope.id.map(RawValue::get);
    let method = envelope
        .method
        .and_then(|m| serde_json::from_str::<String>(m.get()).ok());
    let Some(method) = method else {
        return invalid(id.unwrap_or(RAW_NULL), "invalid request: missing method");
    };
    let params = match envelope.params.map(RawValue::get) {
        None | Some("null") => "[]",
        Some(p) if p.starts_with('[') => p,
        Some(_) => {
            return Some(error_bytes(
                id.unwrap_or(RAW_NULL),
                &RpcError::params("params must be an array"),
            ));
        }
    };
    let result = DevnetRequest::parse_raw(&method, params).and_then(|r| api::execute_text(node, r));
    // A request without an id is a notification: no reply.
    let id = id?;
    Some(match result {
        Ok(result) => {
            // The key order serde_json has always given these objects: id, jsonrpc, result.
            let mut out = Vec::with_capacity(result.len() + id.len() + 32);
            out.extend_from_slice(b"{\"id\":");
            out.extend_from_slice(id.as_bytes());
            out.extend_from_slice(b",\"jsonrpc\":\"2.0\",\"result\":");
            out.extend_from_slice(result.as_bytes());
            out.push(b'}');
            out
        }
        Err(e) => error_bytes(id, &e),
    })
}

/// `{"error":…,"id":…,"jsonrpc":"2.0"}` (serde_json's key order, as always) with `id` as sent.
fn error_bytes(id: &str, e: &RpcError) -> Vec<u8> {
    let error = serde_json::to_vec(e).unwrap_or_else(|_| b"null".to_vec());
    let mut out = Vec::with_capacity(error.len() + id.len() + 32);
    out.extend_from_slice(b"{\"error\":");
    out.extend_from_slice(&error);
    out.extend_from_slice(b",\"id\":");
    out.extend_from_slice(id.as_bytes());
    out.extend_from_slice(b",\"jsonrpc\":\"2.0\"}");
    out
}

fn error_response(id: &Value, e: &RpcError) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": e })
}
