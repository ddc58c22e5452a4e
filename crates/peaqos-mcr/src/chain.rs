//! Chain access for the indexer and `/ready`: block headers, logs and `eth_call`s, batched as
//! JSON-RPC batch requests. State is read at `latest` only (a node may keep no history).

use alloy::rpc::client::BatchRequest;
use alloy::{
    eips::BlockNumberOrTag,
    primitives::{Address, B256, Bytes, U64},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{Filter, Log},
    sol_types::SolCall,
};
use peaqos_contracts::bindings::{DIDPrecompile, EventRegistry};
use serde::Deserialize;
use serde_json::json;

use crate::{Error, Result, store::BlockRef};

/// The fields of a block header the indexer needs.
#[derive(Debug, Deserialize)]
struct Header {
    number: U64,
    hash: B256,
    timestamp: U64,
}

/// A JSON-RPC client of the chain.
#[derive(Debug, Clone)]
pub struct Chain {
    provider: DynProvider,
}

/// The outcome of one `eth_call`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallOutcome {
    /// Returned data.
    Ok(Bytes),
    /// Reverted (the node answered with an execution error).
    Reverted,
}

impl Chain {
    /// A client of `rpc_url`.
    pub fn new(rpc_url: &str) -> Result<Self> {
        let url = rpc_url.trim().parse().map_err(|e| Error::Config {
            name: crate::config::ENV_RPC_URL,
            message: format!(
                "{:?} is not a URL: {e}",
                peaqos_service::RedactedUrl(rpc_url)
            ),
        })?;
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(Error::rpc)?;
        let provider = ProviderBuilder::new()
            .disable_recommended_fillers()
            .connect_reqwest(http, url)
            .erased();
        Ok(Self { provider })
    }

    /// `eth_chainId`.
    pub async fn chain_id(&self) -> Result<u64> {
        self.provider.get_chain_id().await.map_err(Error::rpc)
    }

    /// `eth_blockNumber`.
    pub async fn head(&self) -> Result<u64> {
        self.provider.get_block_number().await.map_err(Error::rpc)
    }

    /// The headers of `numbers` (one batch request); `None` for a block the chain does not
    /// have (yet, or any more).
    pub async fn blocks(&self, numbers: &[u64]) -> Result<Vec<Option<BlockRef>>> {
        if numbers.is_empty() {
            return Ok(Vec::new());
        }
        let client = self.provider.client();
        let mut batch = BatchRequest::new(client);
        let mut waiters = Vec::with_capacity(numbers.len());
        for n in numbers {
            let params = (BlockNumberOrTag::Number(*n), false);
            waiters.push(
                batch
                    .add_call::<_, Option<Header>>("eth_getBlockByNumber", &params)
                    .map_err(Error::rpc)?,
            );
        }
        batch.send().await.map_err(Error::rpc)?;
        let mut out = Vec::with_capacity(waiters.len());
        for (n, w) in numbers.iter().zip(waiters) {
            let header = w.await.map_err(Error::rpc)?;
            out.push(match header {
                Some(h) if h.number.to::<u64>() == *n => Some(BlockRef {
                    number: *n,
                    hash: h.hash,
                    timestamp: h.timestamp.to::<u64>(),
                }),
                Some(h) => {
                    return Err(Error::Rpc(format!(
                        "asked for block {n}, got block {}",
                        h.number
                    )));
                }
                None => None,
            });
        }
        Ok(out)
    }

    /// The logs of `addresses` in blocks `from..=to`; [`Error::LogsLimit`] when the node
    /// refuses the range as too large (see [`is_logs_limit`]).
    pub async fn logs(&self, addresses: Vec<Address>, from: u64, to: u64) -> Result<Vec<Log>> {
        let filter = Filter::new()
            .address(addresses)
            .from_block(from)
            .to_block(to);
        self.provider
            .get_logs(&filter)
            .await
            .map_err(|e| match e.as_error_resp() {
                Some(p) if is_logs_limit(p.code, &p.message) => {
                    Error::LogsLimit(peaqos_service::redact_urls_in(&p.message))
                }
                _ => Error::rpc(e),
            })
    }

    /// `eth_call`s at `latest`, one batch request: `(to, calldata)` → outcome. A transport
    /// failure fails the whole batch; a revert is a [`CallOutcome::Reverted`].
    pub async fn calls(&self, calls: &[(Address, Bytes)]) -> Result<Vec<CallOutcome>> {
        if calls.is_empty() {
            return Ok(Vec::new());
        }
        let client = self.provider.client();
        let mut batch = BatchRequest::new(client);
        let mut waiters = Vec::with_capacity(calls.len());
        for (to, data) in calls {
            let params = json!([{ "to": to, "data": data }, "latest"]);
            let params = params.as_array().cloned().unwrap_or_default();
            waiters.push(
                batch
                    .add_call::<_, Bytes>("eth_call", &params)
                    .map_err(Error::rpc)?,
            );
        }
        batch.send().await.map_err(Error::rpc)?;
        let mut out = Vec::with_capacity(waiters.len());
        for w in waiters {
            out.push(match w.await {
                Ok(b) => CallOutcome::Ok(b),
                Err(e) if e.as_error_resp().is_some() => CallOutcome::Reverted,
                Err(e) => return Err(Error::rpc(e)),
            });
        }
        Ok(out)
    }

    /// `getEvents(machineId, offset, limit)` on `registry` for each request, at `latest`.
    pub async fn get_events(
        &self,
        registry: Address,
        requests: &[(u64, u64, u64)],
    ) -> Result<Vec<Vec<EventRegistry::MachineEvent>>> {
        let calls: Vec<(Address, Bytes)> = requests
            .iter()
            .map(|(machine, offset, limit)| {
                let call = EventRegistry::getEventsCall {
                    machineId: alloy::primitives::U256::from(*machine),
                    offset: alloy::primitives::U256::from(*offset),
                    limit: alloy::primitives::U256::from(*limit),
                };
                (registry, call.abi_encode().into())
            })
            .collect();
        let outcomes = self.calls(&calls).await?;
        outcomes
            .into_iter()
            .zip(requests)
            .map(|(o, (machine, offset, _))| match o {
                CallOutcome::Ok(data) => EventRegistry::getEventsCall::abi_decode_returns(&data)
                    .map_err(|e| Error::Rpc(format!("cannot decode getEvents: {e}"))),
                CallOutcome::Reverted => Err(Error::ChainMoved(format!(
                    "getEvents({machine}, {offset}) reverted"
                ))),
            })
            .collect()
    }

    /// Whether `address` has code (a deployed contract).
    pub async fn has_code(&self, address: Address) -> Result<bool> {
        let code = self
            .provider
            .get_code_at(address)
            .await
            .map_err(Error::rpc)?;
        Ok(!code.is_empty())
    }

    /// Whether the DID precompile answers at `address`: a read of a missing attribute reverts
    /// (`Cannot find the item`) or returns an attribute; an empty success means nothing is
    /// there.
    pub async fn did_registry_answers(&self, address: Address) -> Result<bool> {
        let call = DIDPrecompile::readAttributeCall {
            didAccount: Address::ZERO,
            name: Bytes::from_static(b"machineId"),
        };
        let out = self.calls(&[(address, call.abi_encode().into())]).await?;
        Ok(match out.first() {
            Some(CallOutcome::Reverted) => true,
            Some(CallOutcome::Ok(data)) => !data.is_empty(),
            None => false,
        })
    }
}

/// Whether a JSON-RPC error to `eth_getLogs` means "this range returns too much, ask for less":
/// -32005 (the devnet and Infura past 10,000 logs; not a rate limit, which Infura also reports
/// as -32005), or the texts other providers use ("query returned more than 10000 results",
/// "Log response size exceeded", "query exceeds max block range").
pub fn is_logs_limit(code: i64, message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    if m.contains("rate limit") || m.contains("request rate") {
        return false;
    }
    code == -32005
        || (m.contains("more than") && m.contains("results"))
        || m.contains("response size exceeded")
        || m.contains("block range")
}

#[cfg(test)]
mod tests {
    use super::is_logs_limit;

    #[test]
    fn refused_log_ranges_are_recognised() {
        assert!(is_logs_limit(
            -32005,
            "query returned more than 10000 results"
        ));
        assert!(is_logs_limit(
            -32000,
            "query returned more than 10000 results"
        ));
        assert!(is_logs_limit(
            -32602,
            "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range"
        ));
        assert!(is_logs_limit(-32602, "query exceeds max block range 10000"));
        assert!(!is_logs_limit(
            -32005,
            "daily request count exceeded, request rate limited"
        ));
        assert!(!is_logs_limit(-32000, "header not found"));
        assert!(!is_logs_limit(-32603, "internal error"));
    }
}
