//! Deploys the whole peaqOS stack to any EVM chain and wires it together.
//!
//! See [`deploy`] for the steps. Every transaction waits for its receipt, and a failed receipt
//! stops the deployment with a [`DeployError`] that names the step.

use alloy::{
    contract::{CallBuilder, CallDecoder},
    primitives::{Address, Bytes, TxHash},
    providers::{PendingTransactionError, Provider},
    rpc::types::TransactionReceipt,
    sol_types::SolCall,
    transports::TransportError,
};
use peaqos_types::{
    ContractAddresses,
    constants::{
        BATCH_PRECOMPILE_ADDRESS, DID_PRECOMPILE_ADDRESS, ENTRY_POINT_V06_ADDRESS,
        WPEAQ_PRECOMPILE_ADDRESS,
    },
};
use serde::{Deserialize, Serialize};

use crate::{
    artifacts::describe_revert,
    bindings::{
        AdminFlags, DIDStandin, ERC1967Proxy, EventRegistry, IdentityRegistry, IdentityStaking,
        MachineAccountFactory, MachineNFT, MachineNFTAdapter, Ownable, WPEAQStandin,
    },
};

/// The default `MachineNFT` base URI: the local MCR API's `/metadata/{token_id}`.
pub const DEFAULT_NFT_BASE_URI: &str = "http://127.0.0.1:8000/metadata/";
/// The default IdentityRegistry base URI (Machine Cards): the local MCR API's `/machines/{id}`.
pub const DEFAULT_MACHINE_CARD_BASE_URI: &str = "http://127.0.0.1:8000/machines/";

/// What to deploy, and for whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployConfig {
    /// Owner of every contract (and of the smart-account beacon). If it is not the account that
    /// sends the transactions, that account owns the contracts while wiring them and then
    /// transfers ownership.
    pub owner: Address,
    /// The bond token (IdentityStaking's staking token). Default: the WPEAQ precompile.
    pub wpeaq: Address,
    /// The DID precompile IdentityRegistry reports. Default: `0x…0800`.
    pub did: Address,
    /// `MachineNFT.tokenURI` prefix. Default: [`DEFAULT_NFT_BASE_URI`].
    pub nft_base_uri: String,
    /// IdentityRegistry `tokenURI` prefix (Machine Cards); `None` leaves it unset.
    /// Default: [`DEFAULT_MACHINE_CARD_BASE_URI`].
    pub machine_card_base_uri: Option<String>,
    /// The ERC-4337 EntryPoint the smart accounts trust. Default: the v0.6 EntryPoint.
    pub entry_point: Address,
    /// The LayerZero V2 endpoint; `MachineNFTAdapter` is deployed only when this is set.
    pub lz_endpoint: Option<Address>,
}

impl DeployConfig {
    /// The defaults for a stack owned by `owner`.
    pub fn new(owner: Address) -> Self {
        Self {
            owner,
            wpeaq: WPEAQ_PRECOMPILE_ADDRESS,
            did: DID_PRECOMPILE_ADDRESS,
            nft_base_uri: DEFAULT_NFT_BASE_URI.to_owned(),
            machine_card_base_uri: Some(DEFAULT_MACHINE_CARD_BASE_URI.to_owned()),
            entry_point: ENTRY_POINT_V06_ADDRESS,
            lz_endpoint: None,
        }
    }

    fn validate(&self) -> Result<(), DeployError> {
        let zero = |field, a: Address| {
            if a.is_zero() {
                Err(DeployError::InvalidConfig { field })
            } else {
                Ok(())
            }
        };
        zero("owner", self.owner)?;
        zero("wpeaq", self.wpeaq)?;
        zero("did", self.did)?;
        zero("entry_point", self.entry_point)?;
        if let Some(endpoint) = self.lz_endpoint {
            zero("lz_endpoint", endpoint)?;
        }
        Ok(())
    }
}

/// A contract behind an ERC-1967 proxy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Proxied {
    /// The proxy: the address everyone calls.
    pub proxy: Address,
    /// The implementation the proxy delegates to.
    pub implementation: Address,
}

/// Where everything went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    /// The chain id the stack was deployed on.
    pub chain_id: u64,
    /// Block of the first deployment transaction (where an indexer can start).
    pub start_block: u64,
    /// The account that sent the transactions.
    pub deployer: Address,
    /// The owner of every contract.
    pub owner: Address,
    /// IdentityRegistry.
    pub identity_registry: Proxied,
    /// IdentityStaking.
    pub identity_staking: Proxied,
    /// EventRegistry.
    pub event_registry: Proxied,
    /// MachineNFT.
    pub machine_nft: Proxied,
    /// AdminFlags.
    pub admin_flags: Proxied,
    /// MachineAccountFactory.
    pub machine_account_factory: Address,
    /// The factory's UpgradeableBeacon (points at the MachineSmartAccount implementation).
    pub machine_account_beacon: Address,
    /// MachineNFTAdapter, when a LayerZero endpoint was configured.
    pub machine_nft_adapter: Option<Address>,
    /// The bond token the registry and staking use.
    pub wpeaq: Address,
    /// The DID precompile the registry reports.
    pub did_registry: Address,
    /// The Batch precompile (always `0x…0805`; nothing here deploys it).
    pub batch_precompile: Address,
    /// The EntryPoint the smart accounts trust.
    pub entry_point: Address,
}

impl Deployment {
    /// The addresses a client needs (proxies, not implementations).
    pub const fn contract_addresses(&self) -> ContractAddresses {
        ContractAddresses {
            identity_registry: self.identity_registry.proxy,
            identity_staking: self.identity_staking.proxy,
            event_registry: self.event_registry.proxy,
            machine_nft: self.machine_nft.proxy,
            did_registry: self.did_registry,
            batch_precompile: self.batch_precompile,
            machine_account_factory: Some(self.machine_account_factory),
            machine_nft_adapter: self.machine_nft_adapter,
            admin_flags: Some(self.admin_flags.proxy),
        }
    }
}

impl From<&Deployment> for ContractAddresses {
    fn from(d: &Deployment) -> Self {
        d.contract_addresses()
    }
}

impl From<Deployment> for ContractAddresses {
    fn from(d: Deployment) -> Self {
        d.contract_addresses()
    }
}

/// A failed deployment step.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeployError {
    /// The configuration has a zero address where one is needed.
    #[error("invalid deploy config: {field} must not be the zero address")]
    InvalidConfig {
        /// The offending field.
        field: &'static str,
    },
    /// The node refused the transaction or call (for a revert, `revert` says why).
    #[error("{step}: {}", match revert {
        Some(reason) => format!("reverted: {reason}"),
        None => source.to_string(),
    })]
    Rpc {
        /// The step that failed.
        step: String,
        /// The decoded revert reason, when the node reported revert data.
        revert: Option<String>,
        /// The underlying error.
        #[source]
        source: Box<alloy::contract::Error>,
    },
    /// A raw RPC request (e.g. `anvil_setCode`) failed.
    #[error("{step}: {source}")]
    Transport {
        /// The step that failed.
        step: String,
        /// The underlying error.
        #[source]
        source: Box<TransportError>,
    },
    /// Waiting for a receipt failed.
    #[error("{step}: waiting for the receipt failed: {source}")]
    Receipt {
        /// The step that failed.
        step: String,
        /// The underlying error.
        #[source]
        source: Box<PendingTransactionError>,
    },
    /// The transaction was mined but reverted (receipt status 0).
    #[error("{step}: transaction {tx_hash} reverted")]
    Reverted {
        /// The step that failed.
        step: String,
        /// The reverted transaction.
        tx_hash: TxHash,
    },
    /// A deployment transaction's receipt names no contract.
    #[error("{step}: receipt of {tx_hash} has no contract address")]
    NoContractAddress {
        /// The step that failed.
        step: String,
        /// The deployment transaction.
        tx_hash: TxHash,
    },
    /// The chain does not hold the code just placed or deployed.
    #[error("{step}: the code at {address} is not what was installed")]
    CodeMismatch {
        /// The step that failed.
        step: String,
        /// Where the code should be.
        address: Address,
    },
}

impl DeployError {
    /// The stable error code: `INVALID_CONFIG`, `TX_REVERTED`, `RPC_ERROR`, `RECEIPT_ERROR`,
    /// `DEPLOY_FAILED`.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::InvalidConfig { .. } => "INVALID_CONFIG",
            Self::Rpc {
                revert: Some(_), ..
            }
            | Self::Reverted { .. } => "TX_REVERTED",
            Self::Rpc { revert: None, .. } | Self::Transport { .. } => "RPC_ERROR",
            Self::Receipt { .. } => "RECEIPT_ERROR",
            Self::NoContractAddress { .. } | Self::CodeMismatch { .. } => "DEPLOY_FAILED",
        }
    }

    /// The step that failed, if the error belongs to one.
    pub fn step(&self) -> Option<&str> {
        match self {
            Self::InvalidConfig { .. } => None,
            Self::Rpc { step, .. }
            | Self::Transport { step, .. }
            | Self::Receipt { step, .. }
            | Self::Reverted { step, .. }
            | Self::NoContractAddress { step, .. }
            | Self::CodeMismatch { step, .. } => Some(step),
        }
    }

    fn transport(step: &str, source: TransportError) -> Self {
        Self::Transport {
            step: step.to_owned(),
            source: Box::new(source),
        }
    }

    fn rpc(step: &str, source: alloy::contract::Error) -> Self {
        let revert = source.as_revert_data().map(|data| describe_revert(&data));
        Self::Rpc {
            step: step.to_owned(),
            revert,
            source: Box::new(source),
        }
    }
}

/// Sends transactions one at a time, waits for each receipt, and reports progress.
pub(crate) struct Runner<'a, P, F> {
    provider: &'a P,
    progress: F,
}

impl<'a, P: Provider> Runner<'a, P, fn(&str)> {
    /// A runner that reports no progress.
    pub(crate) fn quiet(provider: &'a P) -> Self {
        Self {
            provider,
            progress: |_| {},
        }
    }
}

impl<P: Provider, F: Fn(&str)> Runner<'_, P, F> {
    pub(crate) async fn send<Q: Provider, D: CallDecoder>(
        &self,
        step: &str,
        call: CallBuilder<Q, D>,
    ) -> Result<TransactionReceipt, DeployError> {
        (self.progress)(step);
        let pending = call.send().await.map_err(|e| DeployError::rpc(step, e))?;
        let receipt = pending
            .get_receipt()
            .await
            .map_err(|e| DeployError::Receipt {
                step: step.to_owned(),
                source: Box::new(e),
            })?;
        if !receipt.status() {
            return Err(DeployError::Reverted {
                step: step.to_owned(),
                tx_hash: receipt.transaction_hash,
            });
        }
        Ok(receipt)
    }

    pub(crate) async fn create<Q: Provider, D: CallDecoder>(
        &self,
        step: &str,
        call: CallBuilder<Q, D>,
    ) -> Result<(Address, TransactionReceipt), DeployError> {
        let receipt = self.send(step, call).await?;
        let address = receipt
            .contract_address
            .ok_or_else(|| DeployError::NoContractAddress {
                step: step.to_owned(),
                tx_hash: receipt.transaction_hash,
            })?;
        Ok((address, receipt))
    }

    /// Deploys `implementation` (creation code without constructor arguments) and an
    /// `ERC1967Proxy` to it that runs `init` in its constructor.
    async fn proxied(
        &self,
        name: &str,
        implementation: &Bytes,
        init: Bytes,
    ) -> Result<(Proxied, TransactionReceipt), DeployError> {
        let deploy_impl = CallBuilder::new_raw_deploy(self.provider, implementation.clone());
        let (implementation, receipt) = self
            .create(&format!("deploy {name} implementation"), deploy_impl)
            .await?;
        let deploy_proxy = ERC1967Proxy::deploy_builder(self.provider, implementation, init);
        let (proxy, _) = self
            .create(&format!("deploy {name} proxy"), deploy_proxy)
            .await?;
        Ok((
            Proxied {
                proxy,
                implementation,
            },
            receipt,
        ))
    }
}

/// Deploys and wires the whole stack; see [`deploy_with_progress`].
pub async fn deploy<P: Provider>(
    provider: &P,
    config: &DeployConfig,
) -> Result<Deployment, DeployError> {
    deploy_with_progress(provider, config, |_| {}).await
}

/// Deploys and wires the whole stack, calling `progress` once per step (before its
/// transaction is sent) with a short description such as `deploy IdentityRegistry proxy`.
///
/// Transactions come from the provider's default sender (a wallet-enabled provider, or a node
/// account). The steps:
///
/// 1. IdentityRegistry, IdentityStaking, EventRegistry, MachineNFT and AdminFlags, each as an
///    implementation plus an `ERC1967Proxy` whose constructor calls `initialize`:
///    `IdentityRegistry.initialize(owner)`, `IdentityStaking.initialize(wpeaq, owner)`,
///    `EventRegistry.initialize(registry, staking, owner)`,
///    `MachineNFT.initialize(registry, staking, owner)`, `AdminFlags.initialize(registry, owner)`.
/// 2. `MachineAccountFactory(entry_point)` (which creates the smart-account beacon), and
///    `MachineNFTAdapter(nft, lz_endpoint, owner)` when `lz_endpoint` is set.
/// 3. Wiring: `registry.setIdentityStaking(staking)`; `registry.setWPEAQ(wpeaq)` and
///    `registry.setDIDPrecompile(did)` when they differ from the peaq precompiles;
///    `staking.authorize(registry)`; `nft.setBaseURI(nft_base_uri)`;
///    `registry.setBaseURI(machine_card_base_uri)` when set.
/// 4. When `owner` is not the sender: `transferOwnership(owner)` on the five proxies and the
///    beacon (until then the sender owns them, so that it can wire them).
pub async fn deploy_with_progress<P, F>(
    provider: &P,
    config: &DeployConfig,
    progress: F,
) -> Result<Deployment, DeployError>
where
    P: Provider,
    F: Fn(&str),
{
    config.validate()?;
    let run = Runner { provider, progress };

    let chain_id = provider
        .get_chain_id()
        .await
        .map_err(|e| DeployError::transport("eth_chainId", e))?;

    // The registry implementation goes first: its receipt tells us who the sender is, and so
    // who must own the contracts while they are wired.
    let deploy_impl = CallBuilder::new_raw_deploy(provider, IdentityRegistry::BYTECODE.clone());
    let (registry_impl, first) = run
        .create("deploy IdentityRegistry implementation", deploy_impl)
        .await?;
    let deployer = first.from;
    let start_block = first.block_number.unwrap_or_default();
    let wiring_owner = deployer;

    let init = IdentityRegistry::initializeCall {
        initialOwner: wiring_owner,
    }
    .abi_encode();
    let deploy_proxy = ERC1967Proxy::deploy_builder(provider, registry_impl, init.into());
    let (registry_proxy, _) = run
        .create("deploy IdentityRegistry proxy", deploy_proxy)
        .await?;
    let identity_registry = Proxied {
        proxy: registry_proxy,
        implementation: registry_impl,
    };
    let registry = identity_registry.proxy;

    let init = IdentityStaking::initializeCall {
        _stakingToken: config.wpeaq,
        _owner: wiring_owner,
    };
    let (identity_staking, _) = run
        .proxied(
            "IdentityStaking",
            &IdentityStaking::BYTECODE,
            init.abi_encode().into(),
        )
        .await?;
    let staking = identity_staking.proxy;

    let init = EventRegistry::initializeCall {
        _identityRegistry: registry,
        _identityStaking: staking,
        _owner: wiring_owner,
    };
    let (event_registry, _) = run
        .proxied(
            "EventRegistry",
            &EventRegistry::BYTECODE,
            init.abi_encode().into(),
        )
        .await?;

    let init = MachineNFT::initializeCall {
        _identityRegistry: registry,
        _identityStaking: staking,
        _owner: wiring_owner,
    };
    let (machine_nft, _) = run
        .proxied(
            "MachineNFT",
            &MachineNFT::BYTECODE,
            init.abi_encode().into(),
        )
        .await?;

    let init = AdminFlags::initializeCall {
        _identityRegistry: registry,
        _owner: wiring_owner,
    };
    let (admin_flags, _) = run
        .proxied(
            "AdminFlags",
            &AdminFlags::BYTECODE,
            init.abi_encode().into(),
        )
        .await?;

    let (machine_account_factory, _) = run
        .create(
            "deploy MachineAccountFactory",
            MachineAccountFactory::deploy_builder(provider, config.entry_point),
        )
        .await?;
    let factory = MachineAccountFactory::new(machine_account_factory, provider);
    let machine_account_beacon = factory
        .beacon()
        .call()
        .await
        .map_err(|e| DeployError::rpc("MachineAccountFactory.beacon", e))?;

    let machine_nft_adapter = match config.lz_endpoint {
        Some(endpoint) => {
            let builder = MachineNFTAdapter::deploy_builder(
                provider,
                machine_nft.proxy,
                endpoint,
                config.owner,
            );
            Some(run.create("deploy MachineNFTAdapter", builder).await?.0)
        }
        None => None,
    };

    // Wiring.
    let registry_c = IdentityRegistry::new(registry, provider);
    run.send(
        "IdentityRegistry.setIdentityStaking",
        registry_c.setIdentityStaking(staking),
    )
    .await?;
    if config.wpeaq != WPEAQ_PRECOMPILE_ADDRESS {
        run.send(
            "IdentityRegistry.setWPEAQ",
            registry_c.setWPEAQ(config.wpeaq),
        )
        .await?;
    }
    if config.did != DID_PRECOMPILE_ADDRESS {
        run.send(
            "IdentityRegistry.setDIDPrecompile",
            registry_c.setDIDPrecompile(config.did),
        )
        .await?;
    }
    let staking_c = IdentityStaking::new(staking, provider);
    run.send("IdentityStaking.authorize", staking_c.authorize(registry))
        .await?;
    let nft_c = MachineNFT::new(machine_nft.proxy, provider);
    run.send(
        "MachineNFT.setBaseURI",
        nft_c.setBaseURI(config.nft_base_uri.clone()),
    )
    .await?;
    if let Some(uri) = &config.machine_card_base_uri {
        run.send(
            "IdentityRegistry.setBaseURI",
            registry_c.setBaseURI(uri.clone()),
        )
        .await?;
    }

    if config.owner != wiring_owner {
        let owned = [
            ("IdentityRegistry", registry),
            ("IdentityStaking", staking),
            ("EventRegistry", event_registry.proxy),
            ("MachineNFT", machine_nft.proxy),
            ("AdminFlags", admin_flags.proxy),
            ("MachineAccountFactory beacon", machine_account_beacon),
        ];
        for (name, address) in owned {
            let ownable = Ownable::new(address, provider);
            run.send(
                &format!("{name}.transferOwnership"),
                ownable.transferOwnership(config.owner),
            )
            .await?;
        }
    }

    Ok(Deployment {
        chain_id,
        start_block,
        deployer,
        owner: config.owner,
        identity_registry,
        identity_staking,
        event_registry,
        machine_nft,
        admin_flags,
        machine_account_factory,
        machine_account_beacon,
        machine_nft_adapter,
        wpeaq: config.wpeaq,
        did_registry: config.did,
        batch_precompile: BATCH_PRECOMPILE_ADDRESS,
        entry_point: config.entry_point,
    })
}

/// Installs the Solidity stand-ins of the peaq precompiles with `anvil_setCode`:
/// `DIDStandin` at `0x…0800` and `WPEAQStandin` at `0x…0809`, for anvil-based tests and other
/// nodes without peaq's precompiles. Checks the code with `eth_getCode` afterwards.
///
/// The Batch precompile has no stand-in: its subcalls run as the original caller, which no
/// contract can do.
pub async fn place_standins<P: Provider>(provider: &P) -> Result<(), DeployError> {
    let standins = [
        (
            "DIDStandin",
            DID_PRECOMPILE_ADDRESS,
            &DIDStandin::DEPLOYED_BYTECODE,
        ),
        (
            "WPEAQStandin",
            WPEAQ_PRECOMPILE_ADDRESS,
            &WPEAQStandin::DEPLOYED_BYTECODE,
        ),
    ];
    for (name, address, code) in standins {
        let step = format!("anvil_setCode {name} at {address}");
        let _: serde_json::Value = provider
            .raw_request("anvil_setCode".into(), (address, code))
            .await
            .map_err(|e| DeployError::transport(&step, e))?;
        let installed = provider
            .get_code_at(address)
            .await
            .map_err(|e| DeployError::transport(&step, e))?;
        if &installed != code {
            return Err(DeployError::CodeMismatch { step, address });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_defaults() {
        let owner = Address::repeat_byte(0x11);
        let c = DeployConfig::new(owner);
        assert_eq!(c.wpeaq, WPEAQ_PRECOMPILE_ADDRESS);
        assert_eq!(c.did, DID_PRECOMPILE_ADDRESS);
        assert_eq!(c.entry_point, ENTRY_POINT_V06_ADDRESS);
        assert_eq!(c.nft_base_uri, "http://127.0.0.1:8000/metadata/");
        assert_eq!(
            c.machine_card_base_uri.as_deref(),
            Some("http://127.0.0.1:8000/machines/")
        );
        assert_eq!(c.lz_endpoint, None);
        assert!(c.validate().is_ok());
    }

    #[test]
    fn config_rejects_zero_addresses() {
        let owner = Address::repeat_byte(0x11);
        let cases = [
            ("owner", DeployConfig::new(Address::ZERO)),
            (
                "wpeaq",
                DeployConfig {
                    wpeaq: Address::ZERO,
                    ..DeployConfig::new(owner)
                },
            ),
            (
                "did",
                DeployConfig {
                    did: Address::ZERO,
                    ..DeployConfig::new(owner)
                },
            ),
            (
                "entry_point",
                DeployConfig {
                    entry_point: Address::ZERO,
                    ..DeployConfig::new(owner)
                },
            ),
            (
                "lz_endpoint",
                DeployConfig {
                    lz_endpoint: Some(Address::ZERO),
                    ..DeployConfig::new(owner)
                },
            ),
        ];
        for (field, config) in cases {
            let err = config.validate().expect_err(field);
            assert_eq!(err.code(), "INVALID_CONFIG");
            assert!(err.to_string().contains(field), "{err}");
            assert_eq!(err.step(), None);
        }
    }

    #[test]
    fn deployment_converts_to_contract_addresses() {
        let a = |b| Address::repeat_byte(b);
        let p = |b| Proxied {
            proxy: a(b),
            implementation: a(b + 0x80),
        };
        let d = Deployment {
            chain_id: 31337,
            start_block: 1,
            deployer: a(1),
            owner: a(1),
            identity_registry: p(2),
            identity_staking: p(3),
            event_registry: p(4),
            machine_nft: p(5),
            admin_flags: p(6),
            machine_account_factory: a(7),
            machine_account_beacon: a(8),
            machine_nft_adapter: None,
            wpeaq: WPEAQ_PRECOMPILE_ADDRESS,
            did_registry: DID_PRECOMPILE_ADDRESS,
            batch_precompile: BATCH_PRECOMPILE_ADDRESS,
            entry_point: ENTRY_POINT_V06_ADDRESS,
        };
        let c = ContractAddresses::from(&d);
        assert_eq!(c.identity_registry, a(2));
        assert_eq!(c.identity_staking, a(3));
        assert_eq!(c.event_registry, a(4));
        assert_eq!(c.machine_nft, a(5));
        assert_eq!(c.admin_flags, Some(a(6)));
        assert_eq!(c.machine_account_factory, Some(a(7)));
        assert_eq!(c.machine_nft_adapter, None);
        assert_eq!(c.did_registry, DID_PRECOMPILE_ADDRESS);
        assert_eq!(c.batch_precompile, BATCH_PRECOMPILE_ADDRESS);
        let json = serde_json::to_string(&d).expect("serialize");
        assert_eq!(
            serde_json::from_str::<Deployment>(&json).expect("deserialize"),
            d
        );
    }
}
