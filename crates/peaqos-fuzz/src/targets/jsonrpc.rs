//! Devnet JSON-RPC bodies, single and batch, end to end through the devnet's HTTP router
//! (`POST /`) on a real chain with the peaqOS stack. Properties: every answer is a JSON-RPC
//! answer — `{"jsonrpc":"2.0","id",…}` with exactly one of `result` / `error {code, message}` —
//! with the request's id; a batch gets an array of answers whose ids are the requests', or one
//! error; `204` only when every request was a notification.
//!
//! The target runs its own nodes (copies of the stack's chain after setup, renewed every
//! [`RENEW_EVERY`] inputs or past [`MAX_BLOCKS`] blocks), so that the mining, snapshots and
//! state edits the fuzzer sends do not change the chain the MCR and Gas Station targets use.

use std::sync::{Arc, Mutex};

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope},
    eips::Encodable2718,
    network::TxSignerSync,
    primitives::{Address, TxKind, U256},
};
use axum::Router;
use peaqos_devnet::{chain::Chain, node::Node, rpc};
use serde_json::{Value, json};

use super::{Target, http_case, stack, violated};
use crate::engine::{ExecResult, signature};

/// Inputs per node before a fresh one.
pub(crate) const RENEW_EVERY: u64 = 500;
/// Blocks after which the node is renewed (mining requests grow the chain).
pub(crate) const MAX_BLOCKS: u64 = 2_000;

/// JSON-RPC.
pub(super) const TARGET: Target = Target {
    name: "jsonrpc",
    about: "devnet JSON-RPC bodies (single and batch) through the devnet's HTTP router on a real \
            chain: every answer is JSON-RPC with the request's id, or a documented error",
    prepare: stack::prepare,
    seeds,
    dictionary: METHODS,
    json_aware: true,
    run,
};

const METHODS: &[&str] = &[
    "eth_chainId",
    "net_version",
    "web3_clientVersion",
    "eth_blockNumber",
    "eth_getBlockByNumber",
    "eth_getBlockByHash",
    "eth_getBalance",
    "eth_getCode",
    "eth_getStorageAt",
    "eth_getTransactionCount",
    "eth_gasPrice",
    "eth_maxPriorityFeePerGas",
    "eth_feeHistory",
    "eth_estimateGas",
    "eth_call",
    "eth_sendRawTransaction",
    "eth_sendTransaction",
    "eth_getTransactionByHash",
    "eth_getTransactionReceipt",
    "eth_getLogs",
    "evm_mine",
    "anvil_mine",
    "evm_increaseTime",
    "evm_setNextBlockTimestamp",
    "evm_snapshot",
    "evm_revert",
    "anvil_setBalance",
    "anvil_setCode",
    "anvil_setStorageAt",
    "anvil_setNonce",
    "eth_getBlockTransactionCountByNumber",
    "eth_getTransactionByBlockNumberAndIndex",
    "eth_accounts",
    "eth_syncing",
    "latest",
    "pending",
    "earliest",
    "safe",
    "finalized",
    "jsonrpc",
    "method",
    "params",
    "id",
    "fromBlock",
    "toBlock",
    "address",
    "topics",
    "blockHash",
    "to",
    "from",
    "data",
    "input",
    "value",
    "gas",
    "gasPrice",
    "maxFeePerGas",
];

struct Current {
    node: Arc<Node>,
    router: Router,
    execs: u64,
}

static CURRENT: Mutex<Option<Current>> = Mutex::new(None);

fn seeds() -> Vec<Vec<u8>> {
    let Ok(s) = stack::stack() else {
        return Vec::new();
    };
    let accounts = &s.devnet.accounts;
    let a0 = format!("{:#x}", accounts[0].address);
    let a5 = format!("{:#x}", accounts[5].address);
    let contracts = peaqos_test_utils::devnet::contracts(&s.devnet);
    let registry = format!("{:#x}", contracts.identity_registry);
    let events = format!("{:#x}", contracts.event_registry);
    let raw = signed_transfer(s, 5).unwrap_or_default();
    let req = |id: Value, method: &str, params: Value| json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
    let mut seeds = vec![
        req(json!(1), "eth_chainId", json!([])),
        req(json!("abc"), "eth_blockNumber", json!([])),
        req(json!(2), "eth_getBalance", json!([a0, "latest"])),
        req(json!(3), "eth_getTransactionCount", json!([a0, "pending"])),
        req(json!(4), "eth_getCode", json!([registry, "latest"])),
        req(
            json!(5),
            "eth_getStorageAt",
            json!([registry, "0x0", "latest"]),
        ),
        req(json!(6), "eth_getBlockByNumber", json!(["latest", true])),
        req(json!(7), "eth_getBlockByNumber", json!(["0x1", false])),
        req(
            json!(8),
            "eth_call",
            json!([{"to": registry, "data": "0x8da5cb5b"}, "latest"]),
        ),
        req(
            json!(9),
            "eth_estimateGas",
            json!([{"from": a0, "to": a5, "value": "0x1"}]),
        ),
        req(
            json!(10),
            "eth_feeHistory",
            json!(["0x4", "latest", [25, 75]]),
        ),
        req(
            json!(11),
            "eth_getLogs",
            json!([{"fromBlock": "0x0", "toBlock": "latest", "address": events}]),
        ),
        req(json!(12), "eth_sendRawTransaction", json!([raw])),
        req(
            json!(13),
            "eth_getTransactionReceipt",
            json!(["0x0000000000000000000000000000000000000000000000000000000000000000"]),
        ),
        req(json!(14), "evm_snapshot", json!([])),
        req(json!(15), "evm_revert", json!(["0x1"])),
        req(json!(16), "evm_mine", json!([])),
        req(json!(17), "anvil_mine", json!(["0x3"])),
        req(json!(18), "evm_increaseTime", json!([60])),
        req(
            json!(19),
            "anvil_setBalance",
            json!([a5, "0xde0b6b3a7640000"]),
        ),
        req(json!(null), "web3_clientVersion", json!([])),
        req(json!(20), "eth_gasPrice", json!(null)),
        json!({"jsonrpc": "2.0", "method": "eth_chainId", "params": []}),
        json!([
            req(json!(1), "eth_chainId", json!([])),
            req(json!(2), "eth_blockNumber", json!([])),
            {"jsonrpc": "2.0", "method": "net_version"}
        ]),
        json!([{"jsonrpc": "2.0", "method": "eth_chainId"}]),
        json!([]),
    ]
    .into_iter()
    .map(|v| v.to_string().into_bytes())
    .collect::<Vec<_>>();
    seeds.push(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\"".to_vec());
    seeds.push(b"not json".to_vec());
    seeds
}

/// A signed transfer of 1 wei from dev account `from` (nonce 0, EIP-1559), as `0x…` hex.
fn signed_transfer(s: &stack::Stack, from: usize) -> Option<String> {
    let signer = s.devnet.accounts[from].signer();
    let mut tx = TxEip1559 {
        chain_id: s.devnet.chain_id,
        nonce: 0,
        gas_limit: 21_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(Address::repeat_byte(0x42)),
        value: U256::from(1),
        ..TxEip1559::default()
    };
    let sig = signer.sign_transaction_sync(&mut tx).ok()?;
    let envelope = TxEnvelope::from(tx.into_signed(sig));
    Some(format!("0x{}", alloy::hex::encode(envelope.encoded_2718())))
}

/// The router of the current node, renewed when due.
fn router() -> Result<Router, String> {
    let s = stack::stack()?;
    let mut current = CURRENT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let due = current.as_ref().is_none_or(|c| {
        c.execs >= RENEW_EVERY || c.node.with_chain(Chain::block_number) > MAX_BLOCKS
    });
    if due {
        let node = stack::fresh_node(s);
        *current = Some(Current {
            router: rpc::router(node.clone()),
            node,
            execs: 0,
        });
    }
    let c = current.as_mut().ok_or("no node")?;
    c.execs += 1;
    Ok(c.router.clone())
}

fn run(input: &[u8]) -> ExecResult {
    let s = stack::stack().map_err(crate::engine::Failure::Property)?;
    let router = router().map_err(crate::engine::Failure::Property)?;
    let req = axum::http::Request::post("/")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(input.to_vec()))
        .map_err(|e| crate::engine::Failure::Property(e.to_string()))?;
    let answer = http_case::send(&s.runtime, &router, req);
    let request: Option<Value> = serde_json::from_slice(input).ok();
    match answer.status {
        204 => {
            let notification = |v: &Value| v.as_object().is_some_and(|o| !o.contains_key("id"));
            let all_notifications = match &request {
                Some(Value::Array(items)) => !items.is_empty() && items.iter().all(notification),
                Some(v) => notification(v),
                None => false,
            };
            if !answer.body.is_empty() || !all_notifications {
                return violated("204 for a request that is not only notifications");
            }
            Ok("204 notification".into())
        }
        200 => {
            let Ok(body) = serde_json::from_slice::<Value>(&answer.body) else {
                return violated("200 with a body that is not JSON");
            };
            match (&request, &body) {
                (Some(Value::Array(items)), Value::Array(answers)) => {
                    if answers.is_empty() || answers.len() > items.len() {
                        return violated(format!(
                            "wrong number of answers to a batch: {} for {}",
                            answers.len(),
                            items.len()
                        ));
                    }
                    let ids: Vec<&Value> = items.iter().filter_map(|i| i.get("id")).collect();
                    for a in answers {
                        check_answer(a)?;
                        let id = &a["id"];
                        if !id.is_null() && !ids.iter().any(|i| same_id(i, id)) {
                            return violated(format!(
                                "an answer id that is not one of the batch's: {id}"
                            ));
                        }
                    }
                    Ok(format!("batch {}", answers.len().min(3)))
                }
                (Some(Value::Array(_)), other) => {
                    let label = check_answer(other)?;
                    if other["id"].is_null() && other.get("error").is_some() {
                        Ok(format!("batch-refused {label}"))
                    } else {
                        violated("a batch got a single non-error answer")
                    }
                }
                (Some(one), Value::Object(_)) => {
                    let label = check_answer(&body)?;
                    let want = one
                        .get("id")
                        .filter(|_| one.is_object())
                        .cloned()
                        .unwrap_or(Value::Null);
                    if !same_id(&body["id"], &want) {
                        return violated(format!(
                            "the answer id is not the request's: {} for {want}",
                            body["id"]
                        ));
                    }
                    let method = one
                        .get("method")
                        .and_then(Value::as_str)
                        .filter(|m| m.contains('_') && METHODS.contains(m))
                        .unwrap_or("?");
                    Ok(format!("{method} {label}"))
                }
                (None, Value::Object(_)) => {
                    let label = check_answer(&body)?;
                    if body["error"]["code"] == json!(rpc::codes::PARSE_ERROR)
                        && body["id"].is_null()
                    {
                        Ok(label)
                    } else {
                        violated("invalid JSON did not get a -32700 error with id null")
                    }
                }
                _ => violated("an answer that is neither an object nor a batch"),
            }
        }
        413 if input.len() > rpc::MAX_BODY_BYTES => Ok("413".into()),
        status => violated(format!(
            "HTTP {status}: content type {:?}",
            answer.content_type
        )),
    }
}

/// Whether an answer's id is the request's. Floating-point ids (beyond 64-bit integers) are
/// compared to within a rounding error: serde_json (without `float_roundtrip`) may read the
/// same decimal text one ULP apart, which is a JSON library property, not the server's.
fn same_id(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            x == y || (x - y).abs() <= x.abs().max(y.abs()) * 1e-15
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_id(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_id(v, w)))
        }
        _ => a == b,
    }
}

/// A JSON-RPC answer's shape; its label (`ok` or the error code and message class).
fn check_answer(a: &Value) -> Result<String, crate::engine::Failure> {
    let Some(o) = a.as_object() else {
        return violated("an answer that is not an object");
    };
    if o.get("jsonrpc") != Some(&json!("2.0")) || !o.contains_key("id") {
        return violated("an answer without jsonrpc 2.0 or id");
    }
    match (o.get("result"), o.get("error")) {
        (Some(_), None) => Ok("ok".into()),
        (None, Some(e)) => {
            let (Some(code), Some(message)) = (
                e.get("code").and_then(Value::as_i64),
                e.get("message").and_then(Value::as_str),
            ) else {
                return violated(format!(
                    "an error without an integer code and a message: {e}"
                ));
            };
            let class: String = message.chars().take(24).collect();
            Ok(format!("err {code} {}", signature(&class)))
        }
        _ => violated("an answer with both or neither of result and error"),
    }
}
