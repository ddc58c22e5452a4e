//! The client: configuration, construction (explicit, presets, environment), accessors.
//!
//! A [`PeaqosClient`] is cheap to clone (the state lives behind an [`Arc`]); clones share the
//! RPC connection, the HTTP client, the nonce manager and the event rate-limit tracker, so hand
//! clones to concurrent tasks rather than building one client per task from the same key.

use std::{
    fmt,
    sync::{Arc, Mutex},
    time::Duration,
};

use alloy::{
    network::EthereumWallet,
    primitives::{Address, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
};
use peaqos_types::{ContractAddresses, TypesError};

use crate::{
    Error, Result, RpcCode, ValidationError,
    limits::{EventTracker, OperationalLimits},
    signer::{PrivateKey, Signer},
};

/// The MCR API a client talks to when none is configured.
pub const DEFAULT_API_URL: &str = peaqos_types::network::LOCAL_MCR_API_URL;
/// Default safety margin added to gas estimates, in percent.
pub const DEFAULT_GAS_MARGIN_PERCENT: u64 = 20;
/// Largest accepted gas margin, in percent.
pub const MAX_GAS_MARGIN_PERCENT: u64 = 1_000;
/// Default time to wait for a transaction's receipt.
pub const DEFAULT_RECEIPT_TIMEOUT: Duration = Duration::from_secs(120);

/// Timeout of each HTTP request: JSON-RPC, Gas Station, MCR API.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// How long an idle pooled connection is kept. Shorter than the 10 s idle keep-alive timeout of
/// the peaqOS services (and of most proxies), so a pooled connection is never reused at the
/// moment the server closes it (a poll every 10 s otherwise races the server's close).
pub const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(5);

/// The HTTP client every SDK request goes through: [`HTTP_TIMEOUT`], [`POOL_IDLE_TIMEOUT`].
pub(crate) fn http_client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(HTTP_TIMEOUT)
        .pool_idle_timeout(POOL_IDLE_TIMEOUT)
        .build()
        .map_err(|e| {
            Error::api(
                crate::http::ApiCode::NetworkError,
                format!("cannot build the HTTP client: {e}"),
                None,
            )
            .with_source(e)
        })
}

/// Env vars: the peaq JSON-RPC endpoint (required), the signer's key (required by
/// [`PeaqosClient::from_env`] unless a vault wallet signs), the MCR API base URL (optional,
/// default [`DEFAULT_API_URL`]). Defined once, in `peaqos-types`.
pub use peaqos_types::constants::{ENV_MCR_API_URL, ENV_PRIVATE_KEY, ENV_RPC_URL};
/// Env var: the per-event value cap (optional, decimal, 0 = off).
pub const ENV_MAX_VALUE_PER_TX: &str = "PEAQOS_MAX_VALUE_PER_TX";
/// Env var: most events per machine per window (optional, 0 = off).
pub const ENV_RATE_LIMIT_MAX_EVENTS: &str = "PEAQOS_RATE_LIMIT_MAX_EVENTS";
/// Env var: the rate-limit window in seconds (optional).
pub const ENV_RATE_LIMIT_WINDOW_SECONDS: &str = "PEAQOS_RATE_LIMIT_WINDOW_SECONDS";

/// Where and how a client reaches peaqOS: everything but the signer.
///
/// One `NetworkConfig` serves any number of signers (a proxy and its machines, a service that
/// signs for many keys) and read-only clients ([`ClientConfig::read_only`]).
#[derive(Debug, Clone)]
pub struct NetworkConfig {
    /// The peaq JSON-RPC endpoint (`http://` or `https://`).
    pub rpc_url: String,
    /// The contracts to talk to.
    pub contracts: ContractAddresses,
    /// The MCR API base URL (default [`DEFAULT_API_URL`]).
    pub api_url: String,
    /// Limits on the client's own event submissions (default: all off).
    pub operational_limits: OperationalLimits,
    /// Safety margin on gas estimates: gas = estimate × (100 + margin) / 100 (default 20).
    pub gas_margin_percent: u64,
    /// How long to wait for a receipt before giving up with `RECEIPT_AWAIT_FAILED`
    /// (default 120 s).
    pub receipt_timeout: Duration,
}

impl NetworkConfig {
    /// Network settings with the defaults for everything but the endpoint and contracts.
    pub fn new(rpc_url: impl Into<String>, contracts: ContractAddresses) -> Self {
        Self {
            rpc_url: rpc_url.into(),
            contracts,
            api_url: DEFAULT_API_URL.to_owned(),
            operational_limits: OperationalLimits::default(),
            gas_margin_percent: DEFAULT_GAS_MARGIN_PERCENT,
            receipt_timeout: DEFAULT_RECEIPT_TIMEOUT,
        }
    }

    /// The peaq mainnet contracts ([`ContractAddresses::peaq_mainnet`]).
    pub fn peaq_mainnet(rpc_url: impl Into<String>) -> Self {
        Self::new(rpc_url, ContractAddresses::peaq_mainnet())
    }

    /// The agung testnet contracts ([`ContractAddresses::agung`]).
    pub fn agung(rpc_url: impl Into<String>) -> Self {
        Self::new(rpc_url, ContractAddresses::agung())
    }

    /// With another MCR API base URL.
    #[must_use]
    pub fn with_api_url(mut self, api_url: impl Into<String>) -> Self {
        self.api_url = api_url.into();
        self
    }

    /// With operational limits.
    #[must_use]
    pub const fn with_operational_limits(mut self, limits: OperationalLimits) -> Self {
        self.operational_limits = limits;
        self
    }

    /// With another gas margin, in percent.
    #[must_use]
    pub const fn with_gas_margin_percent(mut self, percent: u64) -> Self {
        self.gas_margin_percent = percent;
        self
    }

    /// With another receipt timeout.
    #[must_use]
    pub const fn with_receipt_timeout(mut self, timeout: Duration) -> Self {
        self.receipt_timeout = timeout;
        self
    }

    /// Reads the network settings through `lookup`: `PEAQOS_RPC_URL` and the six required
    /// contract addresses (the first missing one is the error), then the optional variables
    /// (see [`PeaqosClient::from_env`]). No key is read.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let rpc_url = required(&lookup, ENV_RPC_URL)?;
        Self::settings_from_lookup(rpc_url, &lookup)
    }

    /// Everything after `PEAQOS_RPC_URL` (and, for a signing config, the key) is read.
    fn settings_from_lookup(
        rpc_url: String,
        lookup: &impl Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        let contracts = ContractAddresses::from_lookup(lookup).map_err(|e| match e {
            TypesError::MissingEnvVar { name } => missing_env(name),
            TypesError::InvalidAddress { field, input } => Error::Validation(
                ValidationError::new(
                    field,
                    "0x-prefixed 20-byte hex address",
                    format!("Environment variable {field} is not a 20-byte hex address"),
                )
                .with_value(input),
            ),
            other => Error::validation(other.field(), other.code(), other.to_string()),
        })?;
        let api_url = lookup(ENV_MCR_API_URL)
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| DEFAULT_API_URL.to_owned());
        let number = |name: &str| -> Result<Option<U256>> {
            match lookup(name) {
                Some(v) if !v.trim().is_empty() => {
                    v.trim().parse::<U256>().map(Some).map_err(|_| {
                        Error::Validation(
                            ValidationError::new(
                                name,
                                "non-negative decimal integer",
                                format!(
                                    "Environment variable {name} must be a non-negative integer"
                                ),
                            )
                            .with_value(v),
                        )
                    })
                }
                _ => Ok(None),
            }
        };
        let small = |name: &str| -> Result<u64> {
            number(name)?.map_or(Ok(0), |n| {
                u64::try_from(n).map_err(|_| {
                    Error::validation(
                        name,
                        "integer below 2^64",
                        format!("Environment variable {name} is too large"),
                    )
                })
            })
        };
        let operational_limits = OperationalLimits {
            max_value_per_tx: number(ENV_MAX_VALUE_PER_TX)?.unwrap_or_default(),
            rate_limit_max_events: small(ENV_RATE_LIMIT_MAX_EVENTS)?,
            rate_limit_window_seconds: small(ENV_RATE_LIMIT_WINDOW_SECONDS)?,
        };
        Ok(Self::new(rpc_url, contracts)
            .with_api_url(api_url)
            .with_operational_limits(operational_limits))
    }

    fn validate(&self) -> Result<reqwest::Url> {
        if self.rpc_url.trim().is_empty() {
            return Err(Error::validation(
                "rpc_url",
                "non-empty",
                "rpc_url must not be empty",
            ));
        }
        let url: reqwest::Url = self.rpc_url.trim().parse().map_err(|e| {
            Error::Validation(
                ValidationError::new(
                    "rpc_url",
                    "http(s) URL",
                    format!("rpc_url is not a valid URL: {e}"),
                )
                .with_value(self.rpc_url.clone()),
            )
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::Validation(
                ValidationError::new(
                    "rpc_url",
                    "http(s) URL",
                    format!(
                        "rpc_url must be an http:// or https:// URL, not {}://",
                        url.scheme()
                    ),
                )
                .with_value(self.rpc_url.clone()),
            ));
        }
        let c = &self.contracts;
        for (field, address) in [
            ("identity_registry", c.identity_registry),
            ("identity_staking", c.identity_staking),
            ("event_registry", c.event_registry),
            ("machine_nft", c.machine_nft),
            ("did_registry", c.did_registry),
            ("batch_precompile", c.batch_precompile),
        ] {
            if address.is_zero() {
                return Err(Error::validation(
                    field,
                    "non-zero address",
                    format!("{field} must be a contract address, not the zero address"),
                ));
            }
        }
        if self.gas_margin_percent > MAX_GAS_MARGIN_PERCENT {
            return Err(Error::Validation(
                ValidationError::new(
                    "gas_margin_percent",
                    "0..=1000",
                    format!("gas_margin_percent must be at most {MAX_GAS_MARGIN_PERCENT}"),
                )
                .with_value(self.gas_margin_percent.to_string()),
            ));
        }
        if self.receipt_timeout.is_zero() {
            return Err(Error::validation(
                "receipt_timeout",
                "> 0",
                "receipt_timeout must be longer than zero",
            ));
        }
        Ok(url)
    }
}

/// Everything a [`PeaqosClient`] needs: the network settings and, to send transactions, a
/// signer. Without a signer the client reads (views, DIDs, events, MCR API) and every write
/// fails with `WALLET_NOT_CONFIGURED`.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Where and how to reach peaqOS.
    pub network: NetworkConfig,
    /// Who signs transactions (`None`: a read-only client).
    pub signer: Option<Signer>,
}

impl ClientConfig {
    /// A configuration for `network`, signing with `signer` (or `None` for read-only use).
    pub fn new(network: NetworkConfig, signer: impl Into<Option<Signer>>) -> Self {
        Self {
            network,
            signer: signer.into(),
        }
    }

    /// A read-only configuration: no signer.
    pub const fn read_only(network: NetworkConfig) -> Self {
        Self {
            network,
            signer: None,
        }
    }

    /// Reads the configuration through `lookup` (see [`PeaqosClient::from_lookup`]): the
    /// official order, `PEAQOS_RPC_URL`, then the key `PEAQOS_PRIVATE_KEY` (required here), then
    /// the contracts and the optional settings.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let rpc_url = required(&lookup, ENV_RPC_URL)?;
        let key = required(&lookup, ENV_PRIVATE_KEY)?;
        let signer = PrivateKey::parse(key.trim(), ENV_PRIVATE_KEY)?.signer();
        let network = NetworkConfig::settings_from_lookup(rpc_url, &lookup)?;
        Ok(Self::new(network, signer))
    }
}

fn required(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> Result<String> {
    match lookup(name) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(missing_env(name)),
    }
}

fn missing_env(name: &str) -> Error {
    Error::validation(
        name,
        "required env var",
        format!("Environment variable {name} is required but not set"),
    )
}

/// The peaqOS client: one signer, one chain, the peaqOS contracts, the MCR API.
///
/// Operations live in their own modules: registration, NFTs, DIDs, events, smart accounts,
/// Gas Station, MCR queries; the transaction pipeline is [`send_call`](Self::send_call).
#[derive(Clone)]
pub struct PeaqosClient {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    /// The settings, `rpc_url` trimmed.
    pub(crate) network: NetworkConfig,
    pub(crate) signer: Option<Signer>,
    pub(crate) wallet: Option<EthereumWallet>,
    pub(crate) provider: DynProvider,
    pub(crate) http: reqwest::Client,
    pub(crate) event_tracker: Mutex<EventTracker>,
    /// The next nonce to use, when known; `None` = ask the node. Held across sign + send.
    pub(crate) nonce: tokio::sync::Mutex<Option<u64>>,
    pub(crate) chain_id: tokio::sync::OnceCell<u64>,
}

impl PeaqosClient {
    /// A client for `config`. Nothing is sent yet: the first network use is the first call.
    pub fn new(config: ClientConfig) -> Result<Self> {
        let ClientConfig {
            mut network,
            signer,
        } = config;
        let url = network.validate()?;
        network.rpc_url = network.rpc_url.trim().to_owned();
        let http = http_client()?;
        // One connection pool (and the same 30 s request timeout) for RPC and the HTTP APIs.
        let provider = ProviderBuilder::new()
            .disable_recommended_fillers()
            .connect_reqwest(http.clone(), url)
            .erased();
        Ok(Self {
            inner: Arc::new(Inner {
                network,
                wallet: signer.as_ref().map(Signer::wallet),
                signer,
                provider,
                http,
                event_tracker: Mutex::new(EventTracker::default()),
                nonce: tokio::sync::Mutex::new(None),
                chain_id: tokio::sync::OnceCell::new(),
            }),
        })
    }

    /// A client from the process environment (load a `.env` first if you keep one).
    ///
    /// Required: `PEAQOS_RPC_URL`, `PEAQOS_PRIVATE_KEY`, then `IDENTITY_REGISTRY_ADDRESS`,
    /// `IDENTITY_STAKING_ADDRESS`, `EVENT_REGISTRY_ADDRESS`, `MACHINE_NFT_ADDRESS`,
    /// `DID_REGISTRY_ADDRESS`, `BATCH_PRECOMPILE_ADDRESS`, checked in this order: the first one
    /// missing or empty is a validation error whose `field` is the variable's name. Optional:
    /// `MACHINE_ACCOUNT_FACTORY_ADDRESS`, `MACHINE_NFT_ADAPTER_ADDRESS`, `ADMIN_FLAGS_ADDRESS`,
    /// `PEAQOS_MCR_API_URL` (default [`DEFAULT_API_URL`]), `PEAQOS_MAX_VALUE_PER_TX`,
    /// `PEAQOS_RATE_LIMIT_MAX_EVENTS`, `PEAQOS_RATE_LIMIT_WINDOW_SECONDS` (default 0 = off).
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`from_env`](Self::from_env) reading through `lookup` instead of the environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        Self::new(ClientConfig::from_lookup(lookup)?)
    }

    /// A read-only client for `network`: views, DIDs, events and the MCR API; writes fail with
    /// `WALLET_NOT_CONFIGURED`.
    pub fn read_only(network: NetworkConfig) -> Result<Self> {
        Self::new(ClientConfig::read_only(network))
    }

    /// A client for the same network signing with `signer` (e.g. a machine's key next to its
    /// proxy's client). It has its own nonce manager and rate-limit tracker.
    pub fn with_signer(&self, signer: Signer) -> Result<Self> {
        Self::new(ClientConfig::new(self.network().clone(), signer))
    }

    /// A fresh random keypair: the address and the key (whose `Debug` is redacted).
    pub fn generate_keypair() -> (Address, PrivateKey) {
        let key = PrivateKey::random();
        (key.address(), key)
    }

    /// The signer's address; the zero address for a read-only client (see
    /// [`signer_address`](Self::signer_address)).
    pub fn address(&self) -> Address {
        self.signer_address().unwrap_or(Address::ZERO)
    }

    /// The signer's address, `None` for a read-only client.
    pub fn signer_address(&self) -> Option<Address> {
        self.inner.signer.as_ref().map(Signer::address)
    }

    /// The signer, `None` for a read-only client.
    pub fn signer(&self) -> Option<&Signer> {
        self.inner.signer.as_ref()
    }

    /// The signer's wallet, or `WALLET_NOT_CONFIGURED` for a read-only client.
    pub(crate) fn wallet(&self) -> Result<&EthereumWallet> {
        self.inner.wallet.as_ref().ok_or_else(|| {
            Error::rpc(
                RpcCode::WalletNotConfigured,
                "This client has no signer and cannot send transactions; configure one (e.g. \
                 PEAQOS_PRIVATE_KEY or PEAQOS_OWS_WALLET)",
            )
        })
    }

    /// The network settings.
    pub fn network(&self) -> &NetworkConfig {
        &self.inner.network
    }

    /// The JSON-RPC endpoint.
    pub fn rpc_url(&self) -> &str {
        &self.inner.network.rpc_url
    }

    /// The contract addresses.
    pub fn contracts(&self) -> &ContractAddresses {
        &self.inner.network.contracts
    }

    /// The MCR API base URL.
    pub fn api_url(&self) -> &str {
        &self.inner.network.api_url
    }

    /// The operational limits on event submissions.
    pub fn operational_limits(&self) -> &OperationalLimits {
        &self.inner.network.operational_limits
    }

    /// The gas margin, in percent.
    pub fn gas_margin_percent(&self) -> u64 {
        self.inner.network.gas_margin_percent
    }

    /// The receipt timeout.
    pub fn receipt_timeout(&self) -> Duration {
        self.inner.network.receipt_timeout
    }

    /// The read provider (no signer, no fillers): use it for `eth_call` and queries; send
    /// transactions through [`send_call`](Self::send_call) so nonces stay coordinated.
    pub fn provider(&self) -> &DynProvider {
        &self.inner.provider
    }

    /// The per-client event rate-limit tracker.
    pub fn event_tracker(&self) -> &Mutex<EventTracker> {
        &self.inner.event_tracker
    }

    /// The shared HTTP client (Gas Station, MCR API; also carries the JSON-RPC requests), with
    /// a 30 s request timeout.
    pub fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// The chain id (asked once, then cached).
    pub async fn chain_id(&self) -> Result<u64> {
        self.inner
            .chain_id
            .get_or_try_init(|| async {
                self.inner.provider.get_chain_id().await.map_err(|e| {
                    Error::rpc(RpcCode::RpcError, format!("eth_chainId failed: {e}")).with_source(e)
                })
            })
            .await
            .copied()
    }
}

impl fmt::Debug for PeaqosClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeaqosClient")
            .field("signer", &self.inner.signer)
            .field("rpc_url", &self.inner.network.rpc_url)
            .field("contracts", &self.inner.network.contracts)
            .field("api_url", &self.inner.network.api_url)
            .field("operational_limits", &self.inner.network.operational_limits)
            .finish_non_exhaustive()
    }
}
