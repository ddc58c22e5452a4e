//! The Machine NFT bridge between peaq and Base (LayerZero V2 ONFT721).
//!
//! peaq → Base locks the NFT in `MachineNFTAdapter` (the SDK approves the adapter first when
//! needed); Base → peaq burns it on `MachineNFTBase` and unlocks it on peaq. Both directions
//! quote the fee with `quoteSend` and pay exactly the quote in `send`. Delivery is
//! asynchronous: [`wait_for_bridge_arrival`] polls the destination chain.
//!
//! Beyond the official SDK: [`WaitForBridgeArrival::expected_owner`] waits for a specific
//! owner (on peaq a locked token always has an owner — the adapter — so "any owner" cannot
//! tell a return from Base apart), the poll interval is configurable, and any timeout is
//! accepted (the official SDK refuses 60 s or less).

use std::{future::Future, str::FromStr, time::Duration};

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    providers::{Provider, ProviderBuilder},
    sol_types::{SolCall, SolError, SolValue},
};
use peaqos_contracts::bindings::{MachineNFT, MachineNFTAdapter};
use peaqos_types::constants::{BASE_LZ_EID, PEAQ_LZ_EID};

use crate::{
    Error, Result,
    client::{ClientConfig, NetworkConfig, PeaqosClient},
    error::RpcCode,
};

/// Default [`WaitForBridgeArrival::timeout`] (5 minutes).
pub const DEFAULT_ARRIVAL_TIMEOUT: Duration = Duration::from_secs(300);
/// Default [`WaitForBridgeArrival::poll_interval`] (10 seconds).
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(10);

/// A chain the Machine NFT lives on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BridgeChain {
    /// peaq (MachineNFT + MachineNFTAdapter).
    Peaq,
    /// Base (MachineNFTBase).
    Base,
}

impl BridgeChain {
    /// The LayerZero V2 endpoint id.
    pub const fn eid(self) -> u32 {
        match self {
            Self::Peaq => PEAQ_LZ_EID,
            Self::Base => BASE_LZ_EID,
        }
    }

    /// `peaq` or `base`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Peaq => "peaq",
            Self::Base => "base",
        }
    }
}

impl FromStr for BridgeChain {
    type Err = Error;

    /// `peaq` or `base` (any case).
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "peaq" => Ok(Self::Peaq),
            "base" => Ok(Self::Base),
            _ => Err(Error::validation(
                "source",
                "one of peaq, base",
                format!("Unknown chain {s:?}: use \"peaq\" or \"base\""),
            )),
        }
    }
}

/// Parameters of [`PeaqosClient::bridge_nft`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BridgeNftParams {
    /// The Machine NFT token id (> 0).
    pub token_id: U256,
    /// Where the NFT is now.
    pub source: BridgeChain,
    /// Where it goes (must differ from `source`).
    pub destination: BridgeChain,
    /// Its owner on the destination chain.
    pub recipient: Address,
    /// LayerZero v2 `extraOptions`; empty = the contract's enforced options.
    pub options: Bytes,
    /// Base JSON-RPC URL (required when `source` is Base).
    pub base_rpc_url: Option<String>,
    /// `MachineNFTBase` on Base (required when `source` is Base).
    pub base_nft_address: Option<Address>,
}

impl BridgeNftParams {
    /// peaq → Base of `token_id` to `recipient`, default options.
    pub fn peaq_to_base(token_id: U256, recipient: Address) -> Self {
        Self {
            token_id,
            source: BridgeChain::Peaq,
            destination: BridgeChain::Base,
            recipient,
            options: Bytes::new(),
            base_rpc_url: None,
            base_nft_address: None,
        }
    }

    /// Base → peaq of `token_id` to `recipient` through the Base RPC and `MachineNFTBase`.
    pub fn base_to_peaq(
        token_id: U256,
        recipient: Address,
        base_rpc_url: impl Into<String>,
        base_nft_address: Address,
    ) -> Self {
        Self {
            token_id,
            source: BridgeChain::Base,
            destination: BridgeChain::Peaq,
            recipient,
            options: Bytes::new(),
            base_rpc_url: Some(base_rpc_url.into()),
            base_nft_address: Some(base_nft_address),
        }
    }

    fn validate(&self) -> Result<()> {
        if self.token_id.is_zero() {
            return Err(Error::validation(
                "token_id",
                "> 0",
                "token_id must be a positive Machine NFT id",
            ));
        }
        if self.source == self.destination {
            return Err(Error::validation(
                "destination",
                "differs from source",
                format!(
                    "destination must differ from source (both are {})",
                    self.source.as_str()
                ),
            ));
        }
        if self.recipient.is_zero() {
            return Err(Error::validation(
                "recipient",
                "non-zero address",
                "recipient must not be the zero address (the NFT would be lost)",
            ));
        }
        Ok(())
    }
}

/// The ONFT `SendParam` tuple, in struct order.
fn send_param(p: &BridgeNftParams) -> MachineNFTAdapter::SendParam {
    MachineNFTAdapter::SendParam {
        dstEid: p.destination.eid(),
        to: p.recipient.into_word(),
        tokenId: p.token_id,
        extraOptions: p.options.clone(),
        composeMsg: Bytes::new(),
        onftCmd: Bytes::new(),
    }
}

impl PeaqosClient {
    /// Sends a Machine NFT to the other chain and returns the source transaction's hash; it
    /// does not wait for delivery (see [`wait_for_bridge_arrival`]).
    ///
    /// peaq → Base needs `machine_nft_adapter` configured and approves the adapter for the
    /// token first when it is not approved yet. Base → peaq signs with the same key on a
    /// per-call client for `base_rpc_url` (the chain id is the Base node's).
    ///
    /// Errors: validation (`token_id`, `destination`, `recipient`, `machine_nft_adapter`,
    /// `base_rpc_url`, `base_nft_address`), `INVALID_FEE_RESULT`, and the decoded reverts of
    /// the ONFT contracts (`ERC721InsufficientApproval`, `NoPeer`, `BridgePausedByNFT`, …).
    pub async fn bridge_nft(&self, params: &BridgeNftParams) -> Result<B256> {
        params.validate()?;
        match params.source {
            BridgeChain::Peaq => {
                let adapter = self.contracts().machine_nft_adapter.ok_or_else(|| {
                    Error::validation(
                        "machine_nft_adapter",
                        "configured",
                        "No MachineNFTAdapter is configured: set MACHINE_NFT_ADAPTER_ADDRESS \
                         (or ContractAddresses::machine_nft_adapter)",
                    )
                })?;
                self.approve_for_bridge(adapter, params.token_id).await?;
                send_through(self, adapter, params).await
            }
            BridgeChain::Base => {
                let url = params
                    .base_rpc_url
                    .as_deref()
                    .map(str::trim)
                    .filter(|u| !u.is_empty())
                    .ok_or_else(|| {
                        Error::validation(
                            "base_rpc_url",
                            "non-empty",
                            "base_rpc_url is required to bridge from Base",
                        )
                    })?;
                let base_nft = params.base_nft_address.ok_or_else(|| {
                    Error::validation(
                        "base_nft_address",
                        "address",
                        "base_nft_address (MachineNFTBase on Base) is required to bridge from Base",
                    )
                })?;
                let network = NetworkConfig::new(url, *self.contracts())
                    .with_gas_margin_percent(self.gas_margin_percent())
                    .with_receipt_timeout(self.receipt_timeout());
                let base = Self::new(ClientConfig::new(network, self.signer().cloned()))?;
                send_through(&base, base_nft, params).await
            }
        }
    }

    /// `approve(adapter, token_id)` on MachineNFT unless the adapter is approved already.
    async fn approve_for_bridge(&self, adapter: Address, token_id: U256) -> Result<()> {
        let nft = self.contracts().machine_nft;
        let approved = self
            .call_sol(nft, &MachineNFT::getApprovedCall { tokenId: token_id })
            .await?;
        if approved == adapter {
            return Ok(());
        }
        tracing::debug!(%token_id, %adapter, "approving the bridge adapter");
        self.send_sol(
            nft,
            &MachineNFT::approveCall {
                to: adapter,
                tokenId: token_id,
            },
            U256::ZERO,
        )
        .await?;
        Ok(())
    }
}

/// `quoteSend` then `send` on `onft` (adapter or Base ONFT, same ABI) through `client`.
async fn send_through(
    client: &PeaqosClient,
    onft: Address,
    params: &BridgeNftParams,
) -> Result<B256> {
    let param = send_param(params);
    let quote = MachineNFTAdapter::quoteSendCall {
        _sendParam: param.clone(),
        _payInLzToken: false,
    };
    let out = client.call_view(onft, quote.abi_encode().into()).await?;
    let fee = MachineNFTAdapter::quoteSendCall::abi_decode_returns(&out).map_err(|e| {
        Error::rpc(
            RpcCode::InvalidFeeResult,
            format!("quoteSend on {onft} returned no MessagingFee: {e}"),
        )
        .with_source(e)
    })?;
    let native_fee = fee.nativeFee;
    let send = MachineNFTAdapter::sendCall {
        _sendParam: param,
        _fee: MachineNFTAdapter::MessagingFee {
            nativeFee: native_fee,
            lzTokenFee: U256::ZERO,
        },
        _refundAddress: client.address(),
    };
    let outcome = client.send_sol(onft, &send, native_fee).await?;
    Ok(outcome.tx_hash)
}

/// Parameters of [`wait_for_bridge_arrival`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitForBridgeArrival {
    /// Destination JSON-RPC URL.
    pub dst_rpc_url: String,
    /// The NFT contract on the destination (MachineNFT on peaq, MachineNFTBase on Base).
    pub dst_nft_address: Address,
    /// The token id.
    pub token_id: U256,
    /// Give up after this long (default 5 minutes).
    pub timeout: Duration,
    /// Time between probes (default 10 s, as the official SDK).
    pub poll_interval: Duration,
    /// Wait for this owner rather than any owner (needed on peaq, where the adapter owns a
    /// locked token).
    pub expected_owner: Option<Address>,
}

impl WaitForBridgeArrival {
    /// Defaults for everything but the destination and token.
    pub fn new(dst_rpc_url: impl Into<String>, dst_nft_address: Address, token_id: U256) -> Self {
        Self {
            dst_rpc_url: dst_rpc_url.into(),
            dst_nft_address,
            token_id,
            timeout: DEFAULT_ARRIVAL_TIMEOUT,
            poll_interval: DEFAULT_POLL_INTERVAL,
            expected_owner: None,
        }
    }
}

/// Polls `ownerOf(token_id)` on the destination until it has an owner (or the expected one):
/// `Ok(true)` when it arrived, `Ok(false)` when `timeout` passed. A "nonexistent token" revert
/// means "not yet"; any other error is returned.
pub async fn wait_for_bridge_arrival(params: &WaitForBridgeArrival) -> Result<bool> {
    wait_for_bridge_arrival_until(params, std::future::pending()).await
}

/// [`wait_for_bridge_arrival`] that stops with code `ABORTED` as soon as `cancel` completes.
pub async fn wait_for_bridge_arrival_until(
    params: &WaitForBridgeArrival,
    cancel: impl Future<Output = ()>,
) -> Result<bool> {
    let url = params.dst_rpc_url.trim();
    if url.is_empty() {
        return Err(Error::validation(
            "dst_rpc_url",
            "non-empty",
            "dst_rpc_url must not be empty",
        ));
    }
    if params.token_id.is_zero() {
        return Err(Error::validation(
            "token_id",
            "> 0",
            "token_id must be positive",
        ));
    }
    if params.poll_interval.is_zero() {
        return Err(Error::validation(
            "poll_interval",
            "> 0",
            "poll_interval must be positive",
        ));
    }
    let rpc = url.parse().map_err(|e| {
        Error::validation(
            "dst_rpc_url",
            "URL",
            format!("dst_rpc_url is not a URL: {e}"),
        )
    })?;
    let provider = ProviderBuilder::new()
        .disable_recommended_fillers()
        .connect_reqwest(crate::client::http_client()?, rpc);
    let deadline = tokio::time::Instant::now() + params.timeout;
    let probe = MachineNFT::ownerOfCall {
        tokenId: params.token_id,
    };
    tokio::pin!(cancel);
    loop {
        let request = alloy::rpc::types::TransactionRequest::default()
            .to(params.dst_nft_address)
            .input(Bytes::from(probe.abi_encode()).into());
        match provider.call(request).await {
            Ok(out) => {
                let owner = Address::abi_decode(&out).map_err(|e| {
                    Error::rpc(
                        RpcCode::InvalidResult,
                        format!("ownerOf returned no address: {e}"),
                    )
                })?;
                let arrived = match params.expected_owner {
                    Some(expected) => owner == expected,
                    None => !owner.is_zero(),
                };
                if arrived {
                    return Ok(true);
                }
            }
            Err(e) if not_yet(&e) => {}
            Err(e) => return Err(crate::tx::failure(e, "ownerOf on the destination chain")),
        }
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return Ok(false);
        }
        let nap = params.poll_interval.min(deadline - now);
        tokio::select! {
            () = tokio::time::sleep(nap) => {}
            () = &mut cancel => {
                return Err(Error::rpc(RpcCode::Aborted, "waiting for the bridged NFT was cancelled"));
            }
        }
    }
}

/// Whether an `ownerOf` failure means the token does not exist (yet) on this chain.
fn not_yet(e: &alloy::transports::TransportError) -> bool {
    if let Some(data) = crate::tx::revert_data(e)
        && data.get(..4) == Some(MachineNFT::ERC721NonexistentToken::SELECTOR.as_slice())
    {
        return true;
    }
    let text = e.to_string().to_ascii_lowercase();
    [
        "nonexistent token",
        "invalid token id",
        "owner query for nonexistent token",
        "erc721: invalid token",
        "erc721nonexistenttoken",
    ]
    .iter()
    .any(|needle| text.contains(needle))
}
