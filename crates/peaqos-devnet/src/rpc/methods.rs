//! The JSON-RPC methods.

use alloy::primitives::{Address, B256, Bytes, U64, U256};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::{
    RpcError, codes,
    format::{self, qty, qty256},
};
use crate::{
    chain::{CallRequest, Chain, ChainError, call_error},
    node::Node,
};

/// Suggested priority fee (1 gwei, as anvil).
const PRIORITY_FEE: u64 = 1_000_000_000;

/// Runs one method.
pub fn dispatch(node: &Node, method: &str, params: &[Value]) -> Result<Value, RpcError> {
    let p = Params(params);
    match method {
        "web3_clientVersion" => Ok(json!(format!(
            "peaqos-devnet/{}",
            env!("CARGO_PKG_VERSION")
        ))),
        "web3_sha3" => Ok(json!(alloy::primitives::keccak256(p.get::<Bytes>(0)?))),
        "net_version" => Ok(json!(node.with_chain(|c| c.config().chain_id).to_string())),
        "net_listening" => Ok(json!(true)),
        "net_peerCount" => Ok(qty(0)),
        "eth_chainId" => Ok(qty(node.with_chain(|c| c.config().chain_id))),
        "eth_syncing" | "eth_mining" => Ok(json!(method == "eth_mining")),
        "eth_hashrate" => Ok(qty(0)),
        "eth_coinbase" => Ok(json!(node.with_chain(|c| c.config().coinbase))),
        "eth_accounts" => Ok(json!(
            node.accounts()
                .iter()
                .map(|a| a.address)
                .collect::<Vec<_>>()
        )),
        "eth_blockNumber" => Ok(qty(node.with_chain(|c| c.block_number()))),
        "eth_gasPrice" => Ok(qty(node.with_chain(|c| c.next_base_fee()) + PRIORITY_FEE)),
        "eth_maxPriorityFeePerGas" => Ok(qty(PRIORITY_FEE)),
        "eth_blobBaseFee" => Ok(qty(1)),
        "eth_feeHistory" => fee_history(node, &p),
        "eth_getBalance" => node.with_chain(|c| {
            let a: Address = p.get(0)?;
            latest_only(c, p.opt(1))?;
            Ok(qty256(c.balance(a)))
        }),
        "eth_getTransactionCount" => node.with_chain(|c| {
            let a: Address = p.get(0)?;
            latest_only(c, p.opt(1))?;
            // Pending transactions are already executed into the state, so this is also the
            // "pending" nonce (what a sender needs with interval mining).
            Ok(qty(c.nonce(a)))
        }),
        "eth_getCode" => node.with_chain(|c| {
            let a: Address = p.get(0)?;
            latest_only(c, p.opt(1))?;
            Ok(json!(c.code(a)))
        }),
        "eth_getStorageAt" => node.with_chain(|c| {
            let a: Address = p.get(0)?;
            let slot: U256 = p.get(1)?;
            latest_only(c, p.opt(2))?;
            Ok(json!(B256::from(c.storage(a, slot))))
        }),
        "eth_getBlockByNumber" => node.with_chain(|c| {
            let full = p.opt_get::<bool>(1)?.unwrap_or(false);
            Ok(block_number(c, p.opt(0))?
                .and_then(|n| c.block(n))
                .map_or(Value::Null, |b| format::block(c, b, full)))
        }),
        "eth_getBlockByHash" => node.with_chain(|c| {
            let h: B256 = p.get(0)?;
            let full = p.opt_get::<bool>(1)?.unwrap_or(false);
            Ok(c.block_by_hash(&h)
                .map_or(Value::Null, |b| format::block(c, b, full)))
        }),
        "eth_getBlockTransactionCountByNumber" => node.with_chain(|c| {
            Ok(block_number(c, p.opt(0))?
                .and_then(|n| c.block(n))
                .map_or(Value::Null, |b| qty(b.transactions.len() as u64)))
        }),
        "eth_getBlockTransactionCountByHash" => node.with_chain(|c| {
            let h: B256 = p.get(0)?;
            Ok(c.block_by_hash(&h)
                .map_or(Value::Null, |b| qty(b.transactions.len() as u64)))
        }),
        "eth_getUncleCountByBlockNumber" | "eth_getUncleCountByBlockHash" => Ok(qty(0)),
        "eth_getTransactionByHash" => node.with_chain(|c| {
            let h: B256 = p.get(0)?;
            Ok(c.tx(&h).map_or(Value::Null, format::transaction))
        }),
        "eth_getTransactionByBlockNumberAndIndex" => node.with_chain(|c| {
            let i: U64 = p.get(1)?;
            let tx = block_number(c, p.opt(0))?
                .and_then(|n| c.block(n))
                .and_then(|b| b.transactions.get(usize::try_from(i.to::<u64>()).ok()?))
                .and_then(|h| c.tx(h));
            Ok(tx.map_or(Value::Null, format::transaction))
        }),
        "eth_getTransactionByBlockHashAndIndex" => node.with_chain(|c| {
            let h: B256 = p.get(0)?;
            let i: U64 = p.get(1)?;
            let tx = c
                .block_by_hash(&h)
                .and_then(|b| b.transactions.get(usize::try_from(i.to::<u64>()).ok()?))
                .and_then(|h| c.tx(h));
            Ok(tx.map_or(Value::Null, format::transaction))
        }),
        "eth_getTransactionReceipt" => node.with_chain(|c| {
            let h: B256 = p.get(0)?;
            Ok(c.tx(&h).map_or(Value::Null, format::receipt))
        }),
        "eth_getBlockReceipts" => node.with_chain(|c| {
            Ok(block_number(c, p.opt(0))?
                .and_then(|n| c.block(n))
                .map_or(Value::Null, |b| {
                    Value::Array(
                        b.transactions
                            .iter()
                            .filter_map(|h| c.tx(h))
                            .map(format::receipt)
                            .collect(),
                    )
                }))
        }),
        "eth_call" => node.with_chain(|c| {
            let req = call_request(p.get_value(0)?)?;
            latest_only(c, p.opt(1))?;
            let pending = matches!(p.opt(1), Some(Value::String(s)) if s == "pending");
            let outcome = c.call(&req, pending);
            if outcome.success {
                Ok(json!(outcome.output))
            } else {
                Err(chain_err(call_error(outcome)))
            }
        }),
        "eth_estimateGas" => node.with_chain(|c| {
            let req = call_request(p.get_value(0)?)?;
            latest_only(c, p.opt(1))?;
            c.estimate_gas(&req).map(qty).map_err(chain_err)
        }),
        "eth_sendRawTransaction" => {
            let raw: Bytes = p.get(0)?;
            node.send_raw(&raw).map(|h| json!(h)).map_err(chain_err)
        }
        "eth_getLogs" => node.with_chain(|c| get_logs(c, p.get_value(0)?)),
        // ---------------------------------------------------------------- dev controls
        "evm_mine" | "anvil_mine" => {
            let count = if method == "anvil_mine" {
                p.opt_get::<U64>(0)?.map_or(1, |n| n.to::<u64>())
            } else {
                1
            };
            let ts = if method == "evm_mine" {
                p.opt_get::<U64>(0)?.map(|t| t.to::<u64>())
            } else {
                None
            };
            node.with_chain_mut(|c| {
                for i in 0..count.max(1) {
                    c.mine(if i == 0 { ts } else { None })?;
                }
                Ok::<_, ChainError>(())
            })
            .map_err(chain_err)?;
            Ok(json!("0x0"))
        }
        "evm_increaseTime" | "anvil_increaseTime" => {
            let secs = p.get_value(0)?;
            let secs = match secs {
                Value::Number(n) => n
                    .as_u64()
                    .ok_or_else(|| RpcError::params("seconds must be a non-negative integer"))?,
                other => serde_json::from_value::<U64>(other)
                    .map_err(|e| RpcError::params(e.to_string()))?
                    .to::<u64>(),
            };
            Ok(json!(node.with_chain_mut(|c| c.increase_time(secs))))
        }
        "evm_setNextBlockTimestamp" | "anvil_setNextBlockTimestamp" => {
            let ts = match p.get_value(0)? {
                Value::Number(n) => n
                    .as_u64()
                    .ok_or_else(|| RpcError::params("timestamp must be a non-negative integer"))?,
                other => serde_json::from_value::<U64>(other)
                    .map_err(|e| RpcError::params(e.to_string()))?
                    .to::<u64>(),
            };
            node.with_chain_mut(|c| c.set_next_block_timestamp(ts))
                .map_err(chain_err)?;
            Ok(Value::Null)
        }
        "evm_snapshot" | "anvil_snapshot" => Ok(qty(node.with_chain_mut(Chain::snapshot))),
        "evm_revert" | "anvil_revert" => {
            let id: U64 = p.get(0)?;
            Ok(json!(node.with_chain_mut(|c| c.revert(id.to::<u64>()))))
        }
        "anvil_setBalance" | "evm_setBalance" | "hardhat_setBalance" => {
            let a: Address = p.get(0)?;
            let b: U256 = p.get(1)?;
            node.with_chain_mut(|c| c.set_balance(a, b));
            Ok(Value::Null)
        }
        "anvil_setCode" | "hardhat_setCode" => {
            let a: Address = p.get(0)?;
            let code: Bytes = p.get(1)?;
            node.with_chain_mut(|c| c.set_code(a, code));
            Ok(Value::Null)
        }
        "anvil_setNonce" | "hardhat_setNonce" => {
            let a: Address = p.get(0)?;
            let n: U64 = p.get(1)?;
            node.with_chain_mut(|c| c.set_nonce(a, n.to::<u64>()));
            Ok(Value::Null)
        }
        "anvil_setStorageAt" | "hardhat_setStorageAt" => {
            let a: Address = p.get(0)?;
            let slot: U256 = p.get(1)?;
            let value: B256 = p.get(2)?;
            node.with_chain_mut(|c| c.set_storage(a, slot, value.into()));
            Ok(json!(true))
        }
        _ => Err(RpcError::new(
            codes::METHOD_NOT_FOUND,
            format!("method not found: {method}"),
        )),
    }
}

struct Params<'a>(&'a [Value]);

impl Params<'_> {
    fn get_value(&self, i: usize) -> Result<Value, RpcError> {
        self.0
            .get(i)
            .cloned()
            .ok_or_else(|| RpcError::params(format!("missing parameter {i}")))
    }

    fn get<T: DeserializeOwned>(&self, i: usize) -> Result<T, RpcError> {
        serde_json::from_value(self.get_value(i)?)
            .map_err(|e| RpcError::params(format!("invalid parameter {i}: {e}")))
    }

    fn opt(&self, i: usize) -> Option<&Value> {
        self.0.get(i).filter(|v| !v.is_null())
    }

    fn opt_get<T: DeserializeOwned>(&self, i: usize) -> Result<Option<T>, RpcError> {
        self.opt(i)
            .map(|v| serde_json::from_value(v.clone()))
            .transpose()
            .map_err(|e| RpcError::params(format!("invalid parameter {i}: {e}")))
    }
}

/// Resolves a block tag / number / `{blockNumber|blockHash}` object (`None` = unknown hash).
fn block_number(chain: &Chain, v: Option<&Value>) -> Result<Option<u64>, RpcError> {
    let latest = chain.block_number();
    match v {
        None => Ok(Some(latest)),
        Some(Value::String(s)) => match s.as_str() {
            "latest" | "pending" | "safe" | "finalized" => Ok(Some(latest)),
            "earliest" => Ok(Some(0)),
            hex => serde_json::from_value::<U64>(Value::String(hex.to_owned()))
                .map(|n| Some(n.to::<u64>()))
                .map_err(|e| RpcError::params(format!("invalid block: {e}"))),
        },
        Some(Value::Object(o)) => {
            if let Some(n) = o.get("blockNumber") {
                return block_number(chain, Some(n));
            }
            if let Some(h) = o.get("blockHash") {
                let h: B256 = serde_json::from_value(h.clone())
                    .map_err(|e| RpcError::params(e.to_string()))?;
                return Ok(chain.block_by_hash(&h).map(|b| b.header.number));
            }
            Err(RpcError::params("invalid block object"))
        }
        Some(Value::Number(n)) => n
            .as_u64()
            .map(Some)
            .ok_or_else(|| RpcError::params("invalid block number")),
        Some(_) => Err(RpcError::params("invalid block")),
    }
}

/// State reads only have the latest state.
fn latest_only(chain: &Chain, v: Option<&Value>) -> Result<(), RpcError> {
    match block_number(chain, v)? {
        Some(n) if n > chain.block_number() => Err(RpcError::new(
            codes::SERVER_ERROR,
            format!("block {n} not found"),
        )),
        Some(n) => chain.check_latest(Some(n)).map_err(chain_err),
        None => Err(RpcError::new(codes::SERVER_ERROR, "block not found")),
    }
}

fn call_request(v: Value) -> Result<CallRequest, RpcError> {
    let Value::Object(o) = v else {
        return Err(RpcError::params("call object expected"));
    };
    let field = |name: &str| o.get(name).filter(|v| !v.is_null()).cloned();
    let parse = |name: &str| -> Result<Option<Value>, RpcError> { Ok(field(name)) };
    let addr = |name: &str| -> Result<Option<Address>, RpcError> {
        parse(name)?
            .map(|v| {
                serde_json::from_value(v).map_err(|e| RpcError::params(format!("{name}: {e}")))
            })
            .transpose()
    };
    let num = |name: &str| -> Result<Option<U256>, RpcError> {
        parse(name)?
            .map(|v| {
                serde_json::from_value(v).map_err(|e| RpcError::params(format!("{name}: {e}")))
            })
            .transpose()
    };
    let input = match field("input").or_else(|| field("data")) {
        Some(v) => {
            serde_json::from_value(v).map_err(|e| RpcError::params(format!("input: {e}")))?
        }
        None => Bytes::new(),
    };
    Ok(CallRequest {
        from: addr("from")?,
        to: addr("to")?,
        gas: num("gas")?.map(|g| g.saturating_to::<u64>()),
        value: num("value")?,
        input,
        nonce: num("nonce")?.map(|n| n.saturating_to::<u64>()),
    })
}

fn get_logs(chain: &Chain, filter: Value) -> Result<Value, RpcError> {
    let Value::Object(f) = filter else {
        return Err(RpcError::params("filter object expected"));
    };
    let addresses = format::addresses(f.get("address")).map_err(RpcError::params)?;
    let topics = format::topics(f.get("topics")).map_err(RpcError::params)?;
    let (from, to) = if let Some(h) = f.get("blockHash").filter(|v| !v.is_null()) {
        let h: B256 =
            serde_json::from_value(h.clone()).map_err(|e| RpcError::params(e.to_string()))?;
        let n = chain
            .block_by_hash(&h)
            .map(|b| b.header.number)
            .ok_or_else(|| RpcError::new(codes::SERVER_ERROR, "unknown block"))?;
        (n, n)
    } else {
        let from = block_number(chain, f.get("fromBlock").filter(|v| !v.is_null()))?.unwrap_or(0);
        let to = block_number(chain, f.get("toBlock").filter(|v| !v.is_null()))?.unwrap_or(0);
        (from, to)
    };
    if from > to {
        return Ok(json!([]));
    }
    let logs = chain.logs(from, to, &addresses, &topics);
    Ok(Value::Array(
        logs.into_iter()
            .map(|(log, tx, i)| format::log_json(&log, tx, i))
            .collect(),
    ))
}

fn fee_history(node: &Node, p: &Params<'_>) -> Result<Value, RpcError> {
    let count = match p.get_value(0)? {
        Value::Number(n) => n.as_u64().ok_or_else(|| RpcError::params("blockCount"))?,
        other => serde_json::from_value::<U64>(other)
            .map_err(|e| RpcError::params(e.to_string()))?
            .to::<u64>(),
    }
    .clamp(1, 1024);
    let percentiles: Vec<f64> = p.opt_get(2)?.unwrap_or_default();
    node.with_chain(|c| {
        let newest = block_number(c, p.opt(1))?
            .unwrap_or(c.block_number())
            .min(c.block_number());
        let oldest = newest.saturating_sub(count - 1);
        let mut base_fees = Vec::new();
        let mut ratios = Vec::new();
        let mut rewards = Vec::new();
        for n in oldest..=newest {
            let Some(b) = c.block(n) else { break };
            base_fees.push(qty(b.header.base_fee_per_gas.unwrap_or_default()));
            ratios.push(json!(
                b.header.gas_used as f64 / b.header.gas_limit.max(1) as f64
            ));
            let tips: Vec<Value> = percentiles
                .iter()
                .map(|_| {
                    let tip = b
                        .transactions
                        .first()
                        .and_then(|h| c.tx(h))
                        .map(|t| {
                            t.receipt.effective_gas_price.saturating_sub(u128::from(
                                b.header.base_fee_per_gas.unwrap_or_default(),
                            ))
                        })
                        .unwrap_or(0);
                    qty256(U256::from(tip))
                })
                .collect();
            rewards.push(Value::Array(tips));
        }
        base_fees.push(qty(c.next_base_fee()));
        let mut out = json!({
            "oldestBlock": qty(oldest),
            "baseFeePerGas": base_fees,
            "gasUsedRatio": ratios,
            "baseFeePerBlobGas": vec![qty(1); (newest - oldest + 2) as usize],
            "blobGasUsedRatio": vec![json!(0.0); (newest - oldest + 1) as usize],
        });
        if !percentiles.is_empty() {
            out["reward"] = Value::Array(rewards);
        }
        Ok(out)
    })
}

/// Maps chain errors to JSON-RPC errors (reverts as code 3 with the data, as geth).
pub(crate) fn chain_err(e: ChainError) -> RpcError {
    match e {
        ChainError::Reverted { reason, data } => RpcError {
            code: codes::EXECUTION_REVERTED,
            message: match reason {
                Some(r) => format!("execution reverted: {r}"),
                None => "execution reverted".to_owned(),
            },
            data: Some(json!(data)),
        },
        other => RpcError::new(codes::SERVER_ERROR, other.to_string()),
    }
}
