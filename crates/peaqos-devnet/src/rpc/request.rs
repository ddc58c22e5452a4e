//! The typed JSON-RPC request: one variant per method, its parameters as alloy's RPC types,
//! deserialized from the `method` / `params` pair (anvil's `EthRequest` shape).
//!
//! Parameters are positional: a variant's fields are the elements of `params`, trailing ones
//! marked `#[serde(default)]` may be left out. A method with one parameter reads it through
//! [`sequence`] / [`opt_sequence`] (a one-field variant would otherwise read `params` itself).

use alloy::{
    eips::BlockId,
    primitives::{Address, B256, Bytes, U64, U128, U256},
    rpc::types::{
        Filter, Index, TransactionRequest,
        trace::geth::{GethDebugTracingCallOptions, GethDebugTracingOptions},
    },
};
use serde::{Deserialize, Deserializer, de::IgnoredAny};
use serde_json::{Value, json};

use super::{RpcError, codes, wallet::TypedDataParam};

/// A JSON-RPC method call the devnet answers.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "method", content = "params")]
pub enum DevnetRequest {
    /// `web3_clientVersion`.
    #[serde(rename = "web3_clientVersion")]
    ClientVersion(NoParams),
    /// `web3_sha3(data)`.
    #[serde(rename = "web3_sha3", deserialize_with = "sequence")]
    Sha3(Bytes),
    /// `net_version`: the chain id in decimal.
    #[serde(rename = "net_version")]
    NetVersion(NoParams),
    /// `net_listening`.
    #[serde(rename = "net_listening")]
    NetListening(NoParams),
    /// `net_peerCount`.
    #[serde(rename = "net_peerCount")]
    PeerCount(NoParams),
    /// `eth_chainId`.
    #[serde(rename = "eth_chainId")]
    ChainId(NoParams),
    /// `eth_syncing`.
    #[serde(rename = "eth_syncing")]
    Syncing(NoParams),
    /// `eth_mining`.
    #[serde(rename = "eth_mining")]
    Mining(NoParams),
    /// `eth_hashrate`.
    #[serde(rename = "eth_hashrate")]
    Hashrate(NoParams),
    /// `eth_coinbase`.
    #[serde(rename = "eth_coinbase")]
    Coinbase(NoParams),
    /// `eth_accounts`: the dev accounts.
    #[serde(rename = "eth_accounts")]
    Accounts(NoParams),
    /// `eth_blockNumber`.
    #[serde(rename = "eth_blockNumber")]
    BlockNumber(NoParams),
    /// `eth_gasPrice`: next base fee + the suggested tip.
    #[serde(rename = "eth_gasPrice")]
    GasPrice(NoParams),
    /// `eth_maxPriorityFeePerGas`.
    #[serde(rename = "eth_maxPriorityFeePerGas")]
    MaxPriorityFeePerGas(NoParams),
    /// `eth_blobBaseFee`.
    #[serde(rename = "eth_blobBaseFee")]
    BlobBaseFee(NoParams),
    /// `eth_feeHistory(blockCount, newestBlock?, rewardPercentiles?)`.
    #[serde(rename = "eth_feeHistory")]
    FeeHistory(
        U64,
        #[serde(default)] Option<BlockParam>,
        #[serde(default)] Option<Vec<f64>>,
    ),
    /// `eth_getBalance(address, block?)`.
    #[serde(rename = "eth_getBalance")]
    GetBalance(Address, #[serde(default)] Option<BlockParam>),
    /// `eth_getTransactionCount(address, block?)`.
    #[serde(rename = "eth_getTransactionCount")]
    GetTransactionCount(Address, #[serde(default)] Option<BlockParam>),
    /// `eth_getCode(address, block?)`.
    #[serde(rename = "eth_getCode")]
    GetCode(Address, #[serde(default)] Option<BlockParam>),
    /// `eth_getStorageAt(address, slot, block?)`.
    #[serde(rename = "eth_getStorageAt")]
    GetStorageAt(Address, U256, #[serde(default)] Option<BlockParam>),
    /// `eth_getBlockByNumber(block?, fullTransactions?)`.
    #[serde(rename = "eth_getBlockByNumber")]
    GetBlockByNumber(
        #[serde(default)] Option<BlockParam>,
        #[serde(default)] Option<bool>,
    ),
    /// `eth_getBlockByHash(hash, fullTransactions?)`.
    #[serde(rename = "eth_getBlockByHash")]
    GetBlockByHash(B256, #[serde(default)] Option<bool>),
    /// `eth_getBlockTransactionCountByNumber(block?)`.
    #[serde(
        rename = "eth_getBlockTransactionCountByNumber",
        deserialize_with = "opt_sequence"
    )]
    BlockTransactionCountByNumber(Option<BlockParam>),
    /// `eth_getBlockTransactionCountByHash(hash)`.
    #[serde(
        rename = "eth_getBlockTransactionCountByHash",
        deserialize_with = "sequence"
    )]
    BlockTransactionCountByHash(B256),
    /// `eth_getUncleCountByBlockNumber` / `…ByBlockHash`: always 0.
    #[serde(
        rename = "eth_getUncleCountByBlockNumber",
        alias = "eth_getUncleCountByBlockHash"
    )]
    UncleCount(NoParams),
    /// `eth_getTransactionByHash(hash)`.
    #[serde(rename = "eth_getTransactionByHash", deserialize_with = "sequence")]
    TransactionByHash(B256),
    /// `eth_getTransactionByBlockNumberAndIndex(block, index)`.
    #[serde(rename = "eth_getTransactionByBlockNumberAndIndex")]
    TransactionByBlockNumberAndIndex(Option<BlockParam>, Index),
    /// `eth_getTransactionByBlockHashAndIndex(hash, index)`.
    #[serde(rename = "eth_getTransactionByBlockHashAndIndex")]
    TransactionByBlockHashAndIndex(B256, Index),
    /// `eth_getTransactionReceipt(hash)`.
    #[serde(rename = "eth_getTransactionReceipt", deserialize_with = "sequence")]
    TransactionReceipt(B256),
    /// `eth_getBlockReceipts(block?)`.
    #[serde(rename = "eth_getBlockReceipts", deserialize_with = "opt_sequence")]
    BlockReceipts(Option<BlockParam>),
    /// `eth_call(transaction, block?)`.
    #[serde(rename = "eth_call")]
    Call(
        Box<TransactionRequest>,
        #[serde(default)] Option<BlockParam>,
    ),
    /// `eth_estimateGas(transaction, block?)`.
    #[serde(rename = "eth_estimateGas")]
    EstimateGas(
        Box<TransactionRequest>,
        #[serde(default)] Option<BlockParam>,
    ),
    /// `eth_sendRawTransaction(bytes)`.
    #[serde(rename = "eth_sendRawTransaction", deserialize_with = "sequence")]
    SendRawTransaction(Bytes),
    /// `eth_getLogs(filter)`.
    #[serde(rename = "eth_getLogs", deserialize_with = "sequence")]
    GetLogs(Box<Filter>),
    /// `eth_sendTransaction(transaction)`: signed by the node for a dev or impersonated account.
    #[serde(rename = "eth_sendTransaction", deserialize_with = "sequence")]
    SendTransaction(Box<TransactionRequest>),
    /// `eth_sign(address, data)`: an EIP-191 signature by a dev account.
    #[serde(rename = "eth_sign")]
    Sign(Address, Bytes),
    /// `personal_sign(data, address, password?)`: as `eth_sign`, parameters swapped.
    #[serde(rename = "personal_sign")]
    PersonalSign(Bytes, Address, #[serde(default)] Option<IgnoredAny>),
    /// `eth_signTypedData_v4(address, typedData)`: an EIP-712 signature by a dev account.
    #[serde(rename = "eth_signTypedData_v4", alias = "eth_signTypedData")]
    SignTypedData(Address, TypedDataParam),
    /// `eth_createAccessList(transaction, block?)`.
    #[serde(rename = "eth_createAccessList")]
    CreateAccessList(
        Box<TransactionRequest>,
        #[serde(default)] Option<BlockParam>,
    ),
    /// `eth_newFilter(filter)`.
    #[serde(rename = "eth_newFilter", deserialize_with = "sequence")]
    NewFilter(Box<Filter>),
    /// `eth_newBlockFilter`.
    #[serde(rename = "eth_newBlockFilter")]
    NewBlockFilter(NoParams),
    /// `eth_newPendingTransactionFilter`.
    #[serde(rename = "eth_newPendingTransactionFilter")]
    NewPendingTransactionFilter(NoParams),
    /// `eth_getFilterChanges(id)`.
    #[serde(rename = "eth_getFilterChanges", deserialize_with = "sequence")]
    GetFilterChanges(U128),
    /// `eth_getFilterLogs(id)`.
    #[serde(rename = "eth_getFilterLogs", deserialize_with = "sequence")]
    GetFilterLogs(U128),
    /// `eth_uninstallFilter(id)`.
    #[serde(rename = "eth_uninstallFilter", deserialize_with = "sequence")]
    UninstallFilter(U128),
    /// `txpool_status`.
    #[serde(rename = "txpool_status")]
    TxpoolStatus(NoParams),
    /// `txpool_content`.
    #[serde(rename = "txpool_content")]
    TxpoolContent(NoParams),
    /// `debug_traceTransaction(hash, options?)`: geth's struct logger or `callTracer`.
    #[serde(rename = "debug_traceTransaction")]
    TraceTransaction(B256, #[serde(default)] Option<Box<GethDebugTracingOptions>>),
    /// `debug_traceCall(transaction, block?, options?)`.
    #[serde(rename = "debug_traceCall")]
    TraceCall(
        Box<TransactionRequest>,
        #[serde(default)] Option<BlockParam>,
        #[serde(default)] Option<Box<GethDebugTracingCallOptions>>,
    ),
    // ------------------------------------------------------------------ dev controls
    /// `anvil_impersonateAccount(address)`.
    #[serde(
        rename = "anvil_impersonateAccount",
        alias = "hardhat_impersonateAccount",
        deserialize_with = "sequence"
    )]
    ImpersonateAccount(Address),
    /// `anvil_stopImpersonatingAccount(address)`.
    #[serde(
        rename = "anvil_stopImpersonatingAccount",
        alias = "hardhat_stopImpersonatingAccount",
        deserialize_with = "sequence"
    )]
    StopImpersonatingAccount(Address),
    /// `evm_mine(timestamp?)`: one block.
    #[serde(rename = "evm_mine", deserialize_with = "opt_sequence")]
    EvmMine(Option<U64>),
    /// `anvil_mine(count?, interval?)`: `count` blocks. The interval is accepted and not used:
    /// the blocks get the usual timestamps.
    #[serde(rename = "anvil_mine")]
    AnvilMine(#[serde(default)] Option<U64>, #[serde(default)] Option<U64>),
    /// `evm_increaseTime(seconds)`.
    #[serde(
        rename = "evm_increaseTime",
        alias = "anvil_increaseTime",
        deserialize_with = "sequence"
    )]
    IncreaseTime(U64),
    /// `evm_setNextBlockTimestamp(timestamp)`.
    #[serde(
        rename = "evm_setNextBlockTimestamp",
        alias = "anvil_setNextBlockTimestamp",
        deserialize_with = "sequence"
    )]
    SetNextBlockTimestamp(U64),
    /// `evm_snapshot`.
    #[serde(rename = "evm_snapshot", alias = "anvil_snapshot")]
    Snapshot(NoParams),
    /// `evm_revert(id)`.
    #[serde(
        rename = "evm_revert",
        alias = "anvil_revert",
        deserialize_with = "sequence"
    )]
    Revert(U64),
    /// `anvil_setBalance(address, wei)`.
    #[serde(
        rename = "anvil_setBalance",
        alias = "evm_setBalance",
        alias = "hardhat_setBalance"
    )]
    SetBalance(Address, U256),
    /// `anvil_setCode(address, code)`.
    #[serde(rename = "anvil_setCode", alias = "hardhat_setCode")]
    SetCode(Address, Bytes),
    /// `anvil_setNonce(address, nonce)`.
    #[serde(rename = "anvil_setNonce", alias = "hardhat_setNonce")]
    SetNonce(Address, U64),
    /// `anvil_setStorageAt(address, slot, value)`.
    #[serde(rename = "anvil_setStorageAt", alias = "hardhat_setStorageAt")]
    SetStorageAt(Address, U256, B256),
    /// Any other method: answered `-32601`. Only a `method` without `params` reads as this
    /// variant, which is how [`DevnetRequest::parse`] tells an unknown method from bad params.
    #[serde(other)]
    Unknown,
}

impl DevnetRequest {
    /// The request for `method` with positional `params`; an unknown method is `-32601`,
    /// parameters that do not fit the method are `-32602`.
    pub fn parse(method: &str, params: Vec<Value>) -> Result<Self, RpcError> {
        Self::parse_raw(method, &Value::Array(params).to_string())
    }

    /// [`DevnetRequest::parse`] from the raw JSON text of `params` (an array): the parameters
    /// are read straight into their types, with no `serde_json::Value` tree in between.
    pub fn parse_raw(method: &str, params: &str) -> Result<Self, RpcError> {
        let method_json = serde_json::to_string(method)
            .map_err(|e| RpcError::new(codes::INVALID_REQUEST, e.to_string()))?;
        // `method` first, so serde reads `params` in place (no buffering).
        let call = format!(r#"{{"method":{method_json},"params":{params}}}"#);
        match serde_json::from_str(&call) {
            Ok(Self::Unknown) | Err(_) if Self::is_unknown(method) => Err(RpcError::new(
                codes::METHOD_NOT_FOUND,
                format!("method not found: {method}"),
            )),
            Ok(request) => Ok(request),
            Err(e) => Err(RpcError::params(format!(
                "invalid params: {}",
                without_position(&e)
            ))),
        }
    }

    fn is_unknown(method: &str) -> bool {
        matches!(
            serde_json::from_value(json!({ "method": method })),
            Ok(Self::Unknown)
        )
    }
}

/// A serde_json error's message without its " at line L column C" (a position in the text the
/// devnet made up, not in the client's).
fn without_position(e: &serde_json::Error) -> String {
    let message = e.to_string();
    match message.rfind(" at line ") {
        Some(at) if e.line() > 0 => message[..at].to_owned(),
        _ => message,
    }
}

/// The parameters of a method that takes none; whatever is sent is ignored, as before.
#[derive(Debug, Clone, Copy)]
pub struct NoParams;

impl<'de> Deserialize<'de> for NoParams {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(deserializer).map(|_| Self)
    }
}

/// A block parameter: alloy's EIP-1898 [`BlockId`], or a bare JSON number (which `BlockId`
/// refuses and the devnet has always taken).
#[derive(Debug, Clone, Copy)]
pub struct BlockParam(pub BlockId);

impl<'de> Deserialize<'de> for BlockParam {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A visitor, not a `serde_json::Value` first: whatever is sent is read in place (a
        // huge object or array costs no memory, it is refused at its first wrong token).
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = BlockParam;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a block number, tag, hash or EIP-1898 object")
            }

            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<BlockParam, E> {
                Ok(BlockParam(BlockId::number(n)))
            }

            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<BlockParam, E> {
                u64::try_from(n)
                    .map(|n| BlockParam(BlockId::number(n)))
                    .map_err(|_| E::custom("invalid block number"))
            }

            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<BlockParam, E> {
                Err(E::custom("invalid block number"))
            }

            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<BlockParam, E> {
                use serde::de::IntoDeserializer as _;
                BlockId::deserialize(s.into_deserializer())
                    .map(BlockParam)
                    .map_err(|e: E| E::custom(format!("invalid block: {e}")))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<BlockParam, A::Error> {
                BlockId::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(BlockParam)
                    .map_err(|e| serde::de::Error::custom(format!("invalid block: {e}")))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// Reads a one-element `params` array.
fn sequence<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let (value,) = <(T,)>::deserialize(deserializer)?;
    Ok(value)
}

/// Reads a `params` array of at most one element (absent or `null` = `None`).
fn opt_sequence<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let mut values = Vec::<Option<T>>::deserialize(deserializer)?;
    if values.len() > 1 {
        return Err(serde::de::Error::invalid_length(
            values.len(),
            &"at most one parameter",
        ));
    }
    Ok(values.pop().flatten())
}
