//! The 26 handlers: each trims and checks its request, resolves the signer from the wallet
//! registry, and calls the Rust SDK. Nothing here re-implements SDK logic; the node adds the
//! request mapping (defaults, hex/JSON decoding, official error texts) only.

use std::{
    collections::HashMap,
    str::FromStr,
    sync::{Arc, Mutex},
    time::Duration,
};

use alloy::primitives::{Address, B256, Bytes, U256};
use peaqos_sdk::{
    BridgeChain, BridgeNftParams, ClientConfig, GasStationClient, McrClient, NetworkConfig,
    OperationalLimits, PeaqosClient, QrFormat, Signer, SubmitEventParams, WaitForBridgeArrival,
    validation::validate_submit_event_params,
};
use peaqos_types::{ContractAddresses, DataVisibility, network::Network};
use serde_json::Value;

use crate::{
    config::NodeConfig,
    error::NodeError,
    interfaces::*,
    registry::{WalletRegistry, unknown_wallet},
};

/// Largest `events_json` accepted (bytes).
pub const MAX_EVENTS_JSON_BYTES: usize = 256 * 1024;
/// Most events in one `events/batch_submit`.
pub const MAX_BATCH_EVENTS: usize = 100;
/// Largest decoded `raw_data_hex` / `metadata_hex` / `options_hex` (bytes).
pub const MAX_HEX_BYTES: usize = 64 * 1024;
/// Most machine ids in `did/write_proxy_attributes`.
pub const MAX_MACHINE_IDS: usize = 1_000;
/// `bridge/wait_arrival` timeout when the request gives 0 (seconds).
pub const DEFAULT_ARRIVAL_TIMEOUT_SECS: u64 = 300;
/// `bridge/wait_arrival` timeouts must be above this (seconds), as in the official node.
pub const MIN_ARRIVAL_TIMEOUT_SECS: u64 = 60;
/// Largest `bridge/wait_arrival` timeout (seconds).
pub const MAX_ARRIVAL_TIMEOUT_SECS: u64 = 3_600;
/// How often `bridge/wait_arrival` polls `ownerOf` (the official node: every ≤ 10 s). Shorter
/// than the SDK's 10 s default on purpose: servers that close idle keep-alive connections after
/// 10 s (ours do) otherwise race the pooled connection and the poll fails with `RPC_ERROR`.
pub const ARRIVAL_POLL_INTERVAL: Duration = Duration::from_secs(5);
/// LayerZero v2 type-3 options (executor lzReceive gas 200 000, value 0) used when
/// `options_hex` is empty, as the official node does.
pub const DEFAULT_BRIDGE_OPTIONS_HEX: &str = "0x00030100110100000000000000000000000000030d40";
/// Gas Station chain when the request gives none and no preset names one.
pub const DEFAULT_FAUCET_CHAIN: &str = "peaq";

type Res<T> = Result<T, NodeError>;

/// The node's state shared by every handler.
pub struct PeaqosNode {
    config: NodeConfig,
    registry: Result<WalletRegistry, NodeError>,
    http: reqwest::Client,
    /// One SDK client per signer: its nonce manager orders that signer's transactions.
    clients: Mutex<HashMap<Address, PeaqosClient>>,
}

impl std::fmt::Debug for PeaqosNode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeaqosNode")
            .field("enabled", &self.config.enabled)
            .finish_non_exhaustive()
    }
}

impl PeaqosNode {
    /// A node for `config`; the registry is opened now (a failure is reported by every call
    /// that needs it, not fatal).
    pub fn new(config: NodeConfig) -> Arc<Self> {
        let registry =
            WalletRegistry::open(std::path::Path::new(&config.wallet_registry_path), None);
        if let Err(e) = &registry {
            tracing::error!(error = %e, "wallet registry unavailable");
        }
        let http = reqwest::Client::builder()
            .timeout(peaqos_sdk::client::HTTP_TIMEOUT)
            .build()
            .unwrap_or_default();
        Arc::new(Self {
            config,
            registry,
            http,
            clients: Mutex::new(HashMap::new()),
        })
    }

    /// The configuration.
    pub const fn config(&self) -> &NodeConfig {
        &self.config
    }

    fn registry(&self) -> Res<&WalletRegistry> {
        self.registry.as_ref().map_err(Clone::clone)
    }

    fn network(&self) -> Res<NetworkConfig> {
        let missing = self.config.missing_chain_settings();
        if !missing.is_empty() {
            return Err(NodeError::new(
                "RuntimeError",
                "",
                format!("missing peaqOS config: {}", missing.join(", ")),
            ));
        }
        let c = &self.config.contracts;
        let req = |field: &str, v: &str| parse_address(&format!("peaq_os.contracts.{field}"), v);
        let opt = |field: &str, v: &str| -> Res<Option<Address>> {
            if v.trim().is_empty() {
                Ok(None)
            } else {
                req(field, v).map(Some)
            }
        };
        let contracts = ContractAddresses {
            identity_registry: req("identity_registry", &c.identity_registry)?,
            identity_staking: req("identity_staking", &c.identity_staking)?,
            event_registry: req("event_registry", &c.event_registry)?,
            machine_nft: req("machine_nft", &c.machine_nft)?,
            did_registry: req("did_registry", &c.did_registry)?,
            batch_precompile: req("batch_precompile", &c.batch_precompile)?,
            machine_account_factory: opt("machine_account_factory", &c.machine_account_factory)?,
            machine_nft_adapter: opt("machine_nft_adapter", &c.machine_nft_adapter)?,
            ..self.preset_contracts()
        };
        let l = self.config.operational_limits;
        Ok(NetworkConfig::new(self.config.rpc_url.trim(), contracts)
            .with_api_url(self.config.api_url.trim())
            .with_operational_limits(OperationalLimits {
                max_value_per_tx: U256::from(l.max_value_per_tx),
                rate_limit_max_events: l.rate_limit_max_events,
                rate_limit_window_seconds: l.rate_limit_window_seconds,
            }))
    }

    /// Contract fields the YAML has no key for (e.g. admin flags) come from the preset.
    fn preset_contracts(&self) -> ContractAddresses {
        Network::from_str(&self.config.preset)
            .map_or_else(|_| ContractAddresses::local(), |n| n.preset().contracts)
    }

    /// The SDK client signing as local wallet `address` (built once per signer).
    async fn client(&self, address: Address) -> Res<PeaqosClient> {
        if let Some(c) = self.clients.lock().map_err(|_| poisoned())?.get(&address) {
            return Ok(c.clone());
        }
        let network = self.network()?;
        let registry = self.registry()?;
        if registry.get(address)?.is_none() {
            return Err(unknown_wallet(address));
        }
        // The vault's KDF is slow by design: keep it off the async workers.
        let signer = tokio::task::block_in_place(|| registry.signer(address))?;
        let client = PeaqosClient::new(ClientConfig::new(network, Signer::external(signer)))?;
        let mut clients = self.clients.lock().map_err(|_| poisoned())?;
        Ok(clients.entry(address).or_insert(client).clone())
    }

    /// The signer of a request: the field, else the first non-empty default; it must be a
    /// local wallet.
    fn signer(&self, field: &str, value: &str, defaults: &[&str]) -> Res<Address> {
        let value = value.trim();
        let chosen = if value.is_empty() {
            defaults.iter().map(|d| d.trim()).find(|d| !d.is_empty())
        } else {
            Some(value)
        };
        let Some(chosen) = chosen else {
            return Err(NodeError::value(field, format!("{field} is required")));
        };
        let address = parse_address(field, chosen)?;
        if self.registry()?.get(address)?.is_none() {
            return Err(unknown_wallet(address));
        }
        Ok(address)
    }

    fn machine_default(&self) -> [&str; 1] {
        [self.config.defaults.machine_address.as_str()]
    }

    fn proxy_then_machine(&self) -> [&str; 2] {
        [
            self.config.defaults.proxy_address.as_str(),
            self.config.defaults.machine_address.as_str(),
        ]
    }

    fn faucet(&self) -> Res<GasStationClient> {
        let url = self.config.faucet_base_url.trim();
        if url.is_empty() {
            return Err(NodeError::value("", "peaq_os.faucet_base_url is required"));
        }
        Ok(GasStationClient::new(self.http.clone(), url))
    }

    fn owner(&self, value: &str) -> Res<String> {
        let value = Some(value.trim())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| self.config.defaults.owner_address.trim());
        if value.is_empty() {
            return Err(NodeError::value(
                "owner_address",
                "owner_address is required",
            ));
        }
        Ok(parse_address("owner_address", value)?.to_checksum(None))
    }

    fn mcr(&self) -> McrClient {
        McrClient::new(self.http.clone(), self.config.api_url.trim())
    }
}

fn poisoned() -> NodeError {
    NodeError::new("RuntimeError", "", "node state lock poisoned")
}

/// An EVM address (any case), else the official `ValueError`.
pub fn parse_address(field: &str, value: &str) -> Res<Address> {
    let v = value.trim();
    let ok = v.len() == 42 && (v.starts_with("0x") || v.starts_with("0X"));
    ok.then(|| Address::from_str(&v[2..]).ok())
        .flatten()
        .ok_or_else(|| {
            let name = if field.is_empty() { "address" } else { field };
            NodeError::value(
                field,
                format!("{name} must be a valid 0x-prefixed EVM address"),
            )
        })
}

/// Hex with an optional `0x`, even length, bounded.
pub fn parse_hex(field: &str, value: &str) -> Res<Vec<u8>> {
    let v = value.trim();
    let digits = v
        .strip_prefix("0x")
        .or_else(|| v.strip_prefix("0X"))
        .unwrap_or(v);
    if digits.len() > MAX_HEX_BYTES * 2 {
        return Err(NodeError::value(
            field,
            format!("{field} is longer than {MAX_HEX_BYTES} bytes"),
        ));
    }
    alloy::hex::decode(digits).map_err(|_| {
        NodeError::value(
            field,
            format!("{field} must be even-length hex (0x prefix optional)"),
        )
    })
}

fn to_u64(field: &str, v: U256) -> Res<u64> {
    u64::try_from(v).map_err(|_| NodeError::value(field, format!("{field} does not fit in uint64")))
}

fn hex_b256(v: B256) -> String {
    format!("{v:#x}")
}

/// The event fields shared by validate and submit.
struct EventFields<'a> {
    machine_id: u64,
    event_type: u8,
    value: u64,
    timestamp: u64,
    raw_data_hex: &'a str,
    trust_level: u8,
    source_chain_id: u64,
    source_tx_hash: &'a str,
    metadata_hex: &'a str,
}

/// The nine event fields of a validate or submit request.
macro_rules! event_fields {
    ($r:expr) => {
        EventFields {
            machine_id: $r.machine_id,
            event_type: $r.event_type,
            value: $r.value,
            timestamp: $r.timestamp,
            raw_data_hex: &$r.raw_data_hex,
            trust_level: $r.trust_level,
            source_chain_id: $r.source_chain_id,
            source_tx_hash: &$r.source_tx_hash,
            metadata_hex: &$r.metadata_hex,
        }
    };
}

/// Builds and validates the SDK's event parameters (smart default currency: the ROS interface
/// has no currency field).
fn event_params(e: &EventFields<'_>) -> Res<SubmitEventParams> {
    let raw = parse_hex("raw_data_hex", e.raw_data_hex)?;
    let metadata = parse_hex("metadata_hex", e.metadata_hex)?;
    let source_tx_hash = match e.source_tx_hash.trim() {
        "" => None,
        t => Some(peaqos_sdk::validation::parse_source_tx_hash(t)?),
    };
    let params = SubmitEventParams {
        machine_id: U256::from(e.machine_id),
        event_type: e.event_type,
        value: U256::from(e.value),
        currency: None,
        timestamp: e.timestamp,
        raw_data: (!raw.is_empty()).then_some(raw),
        trust_level: e.trust_level,
        source_chain_id: e.source_chain_id,
        source_tx_hash,
        metadata,
    }
    .with_default_currency();
    validate_submit_event_params(&params)?;
    Ok(params)
}

/// One event of `events_json` (keys in snake_case or camelCase).
fn batch_event(i: usize, v: &Value) -> Res<SubmitEventParams> {
    let obj = v.as_object().ok_or_else(|| {
        NodeError::value("events_json", format!("events_json[{i}] must be an object"))
    })?;
    let get = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| obj.get(*k))
            .filter(|v| !matches!(v, Value::Null) && v.as_str() != Some(""))
    };
    let int = |keys: &[&str]| -> Res<u64> {
        let key = keys[0];
        let v = get(keys).ok_or_else(|| {
            NodeError::value("events_json", format!("events_json[{i}].{key} is required"))
        })?;
        v.as_u64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
            .ok_or_else(|| {
                NodeError::value(
                    "events_json",
                    format!("events_json[{i}].{key} must be a non-negative integer"),
                )
            })
    };
    let text = |keys: &[&str]| -> Res<String> {
        match get(keys) {
            None => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(NodeError::value(
                "events_json",
                format!("events_json[{i}].{} must be a string", keys[0]),
            )),
        }
    };
    let small = |keys: &[&str]| -> Res<u8> {
        u8::try_from(int(keys)?).map_err(|_| {
            NodeError::value(
                "events_json",
                format!("events_json[{i}].{} is out of range", keys[0]),
            )
        })
    };
    let raw = text(&["raw_data_hex", "rawDataHex", "raw_data", "rawData"])?;
    let meta = text(&["metadata_hex", "metadataHex", "metadata"])?;
    let src = text(&["source_tx_hash", "sourceTxHash"])?;
    event_params(&EventFields {
        machine_id: int(&["machine_id", "machineId"])?,
        event_type: small(&["event_type", "eventType"])?,
        value: int(&["value"])?,
        timestamp: int(&["timestamp"])?,
        raw_data_hex: &raw,
        trust_level: small(&["trust_level", "trustLevel"])?,
        source_chain_id: int(&["source_chain_id", "sourceChainId"])?,
        source_tx_hash: &src,
        metadata_hex: &meta,
    })
}

fn bridge_chain(field: &str, v: &str) -> Res<BridgeChain> {
    match v.trim().to_ascii_lowercase().as_str() {
        "peaq" => Ok(BridgeChain::Peaq),
        "base" => Ok(BridgeChain::Base),
        _ => Err(NodeError::value(
            field,
            format!("{field} must be 'peaq' or 'base'"),
        )),
    }
}

fn sorted_json(v: &impl serde::Serialize) -> Res<String> {
    // serde_json's map is ordered by key: the official node's sort_keys=True.
    serde_json::to_value(v)
        .and_then(|v| serde_json::to_string(&v))
        .map_err(|e| NodeError::new("ValueError", "", e.to_string()))
}

/// The handlers, one per service type. Every handler takes its request by value: one signature
/// for all of them (the node's dispatch hands over the decoded request).
#[allow(clippy::needless_pass_by_value)]
impl PeaqosNode {
    /// `wallet/create`.
    pub fn create_wallet(&self, r: CreateWalletRequest) -> Res<CreateWalletResponse> {
        let registry = self.registry()?;
        let entry = tokio::task::block_in_place(|| registry.create(r.label.trim()))?;
        tracing::info!(address = %entry.address, label = %entry.label, "wallet created");
        Ok(CreateWalletResponse {
            address: entry.address,
            ..Default::default()
        })
    }

    /// `wallet/list`.
    pub fn list_wallets(&self, _r: ListWalletsRequest) -> Res<ListWalletsResponse> {
        let all: Vec<Value> = self
            .registry()?
            .list()?
            .iter()
            .map(|e| e.public_json())
            .collect();
        Ok(ListWalletsResponse {
            wallets_json: sorted_json(&all)?,
            ..Default::default()
        })
    }

    /// `wallet/get`.
    pub fn get_wallet(&self, r: GetWalletRequest) -> Res<GetWalletResponse> {
        let address = parse_address("", &r.address)?;
        let entry = self
            .registry()?
            .get(address)?
            .ok_or_else(|| unknown_wallet(address))?;
        Ok(GetWalletResponse {
            wallet_json: sorted_json(&entry.public_json())?,
            ..Default::default()
        })
    }

    /// `wallet/delete`.
    pub fn delete_wallet(&self, r: DeleteWalletRequest) -> Res<DeleteWalletResponse> {
        let address = parse_address("", &r.address)?;
        let deleted = self.registry()?.delete(address)?;
        if let Ok(mut c) = self.clients.lock() {
            c.remove(&address);
        }
        Ok(DeleteWalletResponse {
            deleted,
            ..Default::default()
        })
    }

    /// `faucet/setup_2fa`.
    pub async fn setup_faucet_2fa(&self, r: SetupFaucet2FaRequest) -> Res<SetupFaucet2FaResponse> {
        let faucet = self.faucet()?;
        let owner = self.owner(&r.owner_address)?;
        let format = match Some(r.qr_format.trim())
            .filter(|f| !f.is_empty())
            .unwrap_or(self.config.qr_format.trim())
        {
            "png" => QrFormat::Png,
            "svg" | "" => QrFormat::Svg,
            _ => {
                return Err(NodeError::value(
                    "qr_format",
                    "qr_format must be 'svg' or 'png'",
                ));
            }
        };
        let s = faucet.setup_faucet_2fa(&owner, format).await?;
        Ok(SetupFaucet2FaResponse {
            owner_address: s.owner_address,
            otpauth_uri: s.otpauth_uri,
            qr_image_url: s.qr_image_url,
            ..Default::default()
        })
    }

    /// `faucet/confirm_2fa`.
    pub async fn confirm_faucet_2fa(
        &self,
        r: ConfirmFaucet2FaRequest,
    ) -> Res<ConfirmFaucet2FaResponse> {
        let faucet = self.faucet()?;
        let owner = self.owner(&r.owner_address)?;
        faucet
            .confirm_faucet_2fa(&owner, r.two_factor_code.trim())
            .await?;
        Ok(ConfirmFaucet2FaResponse::default())
    }

    /// `wallet/fund`.
    pub async fn fund_wallet(&self, r: FundWalletRequest) -> Res<FundWalletResponse> {
        let faucet = self.faucet()?;
        let owner = self.owner(&r.owner_address)?;
        let target = parse_address("target_address", &r.target_address)?.to_checksum(None);
        let preset_chain = Network::from_str(&self.config.preset).map(|n| n.preset().faucet_chain);
        let chain = Some(r.chain_id.trim())
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| preset_chain.unwrap_or(DEFAULT_FAUCET_CHAIN));
        let request_id = match r.request_id.trim() {
            "" => uuid::Uuid::new_v4(),
            t => uuid::Uuid::parse_str(t)
                .map_err(|_| NodeError::value("request_id", "request_id must be a UUID"))?,
        };
        let out = faucet
            .fund_from_gas_station(
                &owner,
                &target,
                chain,
                r.two_factor_code.trim(),
                Some(request_id),
            )
            .await?;
        Ok(match out {
            peaqos_sdk::FundOutcome::Funded {
                tx_hash,
                funded_amount,
                request_id,
            } => FundWalletResponse {
                status: "success".into(),
                request_id: request_id.to_string(),
                tx_hash: hex_b256(tx_hash),
                funded_amount: funded_amount.to_string(),
                ..Default::default()
            },
            peaqos_sdk::FundOutcome::Skipped {
                current_balance,
                min_gas_balance,
                request_id,
            } => FundWalletResponse {
                status: "skipped".into(),
                request_id: request_id.to_string(),
                current_balance: current_balance.to_string(),
                min_gas_balance: min_gas_balance.to_string(),
                ..Default::default()
            },
        })
    }

    async fn register_self(&self, address: &str) -> Res<u64> {
        let signer = self.signer("address", address, &self.machine_default())?;
        let id = self.client(signer).await?.register_machine().await?;
        to_u64("machine_id", id)
    }

    /// `machine/register`.
    pub async fn register_machine(
        &self,
        r: RegisterMachineRequest,
    ) -> Res<RegisterMachineResponse> {
        Ok(RegisterMachineResponse {
            machine_id: self.register_self(&r.address).await?,
            ..Default::default()
        })
    }

    /// `agent/register`.
    pub async fn register_agent(&self, r: RegisterAgentRequest) -> Res<RegisterAgentResponse> {
        Ok(RegisterAgentResponse {
            machine_id: self.register_self(&r.address).await?,
            ..Default::default()
        })
    }

    /// `machine/register_for` and `agent/register_for`.
    pub async fn register_for(&self, r: RegisterForRequest) -> Res<RegisterForResponse> {
        let proxy = self.signer(
            "proxy_address",
            &r.proxy_address,
            &[self.config.defaults.proxy_address.as_str()],
        )?;
        if r.machine_address.trim().is_empty() {
            return Err(NodeError::value(
                "machine_address",
                "machine_address is required",
            ));
        }
        let machine = parse_address("machine_address", &r.machine_address)?;
        let id = self.client(proxy).await?.register_for(machine).await?;
        Ok(RegisterForResponse {
            machine_id: to_u64("machine_id", id)?,
            ..Default::default()
        })
    }

    /// `nft/mint`.
    pub async fn mint_nft(&self, r: MintNftRequest) -> Res<MintNftResponse> {
        let signer = self.signer(
            "signer_address",
            &r.signer_address,
            &self.proxy_then_machine(),
        )?;
        let recipient = match r.recipient.trim() {
            "" => signer,
            t => parse_address("recipient", t)?,
        };
        let tx = self
            .client(signer)
            .await?
            .mint_nft(U256::from(r.machine_id), recipient)
            .await?;
        Ok(MintNftResponse {
            tx_hash: hex_b256(tx),
            ..Default::default()
        })
    }

    /// `nft/token_id_of`.
    pub async fn token_id_of(&self, r: TokenIdOfRequest) -> Res<TokenIdOfResponse> {
        let signer = self.signer(
            "signer_address",
            &r.signer_address,
            &self.proxy_then_machine(),
        )?;
        let id = self
            .client(signer)
            .await?
            .token_id_of(U256::from(r.machine_id))
            .await?;
        Ok(TokenIdOfResponse {
            token_id: to_u64("token_id", id)?,
            ..Default::default()
        })
    }

    /// `did/read_attribute`.
    pub async fn read_did_attribute(
        &self,
        r: ReadDidAttributeRequest,
    ) -> Res<ReadDidAttributeResponse> {
        let signer = self.signer("signer_address", &r.signer_address, &self.machine_default())?;
        let did = r.did_address.trim();
        let did = did.strip_prefix("did:peaq:").unwrap_or(did);
        let did = parse_address("did_address", did)?;
        let name = r.name.trim();
        let attr = self.client(signer).await?.read_attribute(did, name).await?;
        Ok(match attr {
            Some(a) => ReadDidAttributeResponse {
                attribute_name: a.name,
                value: a.value,
                validity: u64::from(a.validity),
                created: u64::try_from(a.created).unwrap_or(u64::MAX),
                ..Default::default()
            },
            None => ReadDidAttributeResponse {
                attribute_name: name.to_owned(),
                ..Default::default()
            },
        })
    }

    /// `did/write_machine_attributes`.
    pub async fn write_machine_did_attributes(
        &self,
        r: WriteMachineDidAttributesRequest,
    ) -> Res<WriteMachineDidAttributesResponse> {
        let signer = self.signer("signer_address", &r.signer_address, &self.machine_default())?;
        let visibility = match r.data_visibility.trim() {
            "" => DataVisibility::default(),
            t => peaqos_sdk::validation::validate_data_visibility(t)?,
        };
        let operator = Some(r.operator_did.trim()).filter(|o| !o.is_empty());
        let tx = self
            .client(signer)
            .await?
            .write_machine_did_attributes(
                U256::from(r.machine_id),
                U256::from(r.nft_token_id),
                operator,
                r.documentation_url.trim(),
                r.data_api.trim(),
                visibility,
            )
            .await?;
        Ok(WriteMachineDidAttributesResponse {
            tx_hash: hex_b256(tx),
            ..Default::default()
        })
    }

    /// `did/write_proxy_attributes`.
    pub async fn write_proxy_did_attributes(
        &self,
        r: WriteProxyDidAttributesRequest,
    ) -> Res<WriteProxyDidAttributesResponse> {
        let signer = self.signer(
            "signer_address",
            &r.signer_address,
            &self.proxy_then_machine(),
        )?;
        if r.machine_ids.len() > MAX_MACHINE_IDS {
            return Err(NodeError::value(
                "machine_ids",
                format!("at most {MAX_MACHINE_IDS} machine_ids"),
            ));
        }
        let machines: Vec<U256> = r.machine_ids.iter().map(|m| U256::from(*m)).collect();
        let tx = self
            .client(signer)
            .await?
            .write_proxy_did_attributes(U256::from(r.proxy_agent_id), &machines)
            .await?;
        Ok(WriteProxyDidAttributesResponse {
            tx_hash: hex_b256(tx),
            ..Default::default()
        })
    }

    /// `events/validate`: no chain access.
    pub fn validate_event(&self, r: ValidateEventRequest) -> Res<ValidateEventResponse> {
        let params = event_params(&event_fields!(r))?;
        Ok(ValidateEventResponse {
            data_hash: hex_b256(params.data_hash()),
            ..Default::default()
        })
    }

    /// `events/submit` (an empty signer uses `defaults.machine_address`: the stream agent).
    pub async fn submit_event(&self, r: SubmitEventRequest) -> Res<SubmitEventResponse> {
        let signer = self.signer("signer_address", &r.signer_address, &self.machine_default())?;
        let params = event_params(&event_fields!(r))?;
        let (tx, data_hash) = self.client(signer).await?.submit_event(params).await?;
        Ok(SubmitEventResponse {
            tx_hash: hex_b256(tx),
            data_hash: hex_b256(data_hash),
            ..Default::default()
        })
    }

    /// `events/batch_submit`.
    pub async fn batch_submit_events(
        &self,
        r: BatchSubmitEventsRequest,
    ) -> Res<BatchSubmitEventsResponse> {
        let signer = self.signer("signer_address", &r.signer_address, &self.machine_default())?;
        if r.events_json.len() > MAX_EVENTS_JSON_BYTES {
            return Err(NodeError::value(
                "events_json",
                format!("events_json is longer than {MAX_EVENTS_JSON_BYTES} bytes"),
            ));
        }
        let list: Value = serde_json::from_str(&r.events_json).map_err(|e| {
            NodeError::value(
                "events_json",
                format!("events_json must be a JSON array: {e}"),
            )
        })?;
        let list = list.as_array().ok_or_else(|| {
            NodeError::value("events_json", "events_json must be a JSON array of objects")
        })?;
        if list.len() > MAX_BATCH_EVENTS {
            return Err(NodeError::value(
                "events_json",
                format!("at most {MAX_BATCH_EVENTS} events per batch"),
            ));
        }
        let events = list
            .iter()
            .enumerate()
            .map(|(i, v)| batch_event(i, v))
            .collect::<Res<Vec<_>>>()?;
        let hashes = self
            .client(signer)
            .await?
            .batch_submit_events(&events)
            .await?;
        let hashes: Vec<String> = hashes.into_iter().map(hex_b256).collect();
        Ok(BatchSubmitEventsResponse {
            tx_hashes_json: sorted_json(&hashes)?,
            ..Default::default()
        })
    }

    /// `mcr/query`.
    pub async fn query_mcr(&self, r: QueryMcrRequest) -> Res<QueryMcrResponse> {
        let v = self.mcr().query_mcr(r.did.trim()).await?;
        Ok(QueryMcrResponse {
            result_json: sorted_json(&v)?,
            ..Default::default()
        })
    }

    /// `mcr/machine`.
    pub async fn query_machine(&self, r: QueryMachineRequest) -> Res<QueryMachineResponse> {
        let v = self.mcr().query_machine(r.did.trim()).await?;
        Ok(QueryMachineResponse {
            result_json: sorted_json(&v)?,
            ..Default::default()
        })
    }

    /// `mcr/operator_machines`.
    pub async fn query_operator_machines(
        &self,
        r: QueryOperatorMachinesRequest,
    ) -> Res<QueryOperatorMachinesResponse> {
        let v = self
            .mcr()
            .query_operator_machines(r.did.trim(), None, None)
            .await?;
        Ok(QueryOperatorMachinesResponse {
            result_json: sorted_json(&v)?,
            ..Default::default()
        })
    }

    async fn smart_account_args(
        &self,
        signer: &str,
        owner: &str,
        machine: &str,
        salt: &str,
    ) -> Res<(PeaqosClient, Address, Address, U256)> {
        let signer = self.signer("signer_address", signer, &self.proxy_then_machine())?;
        let owner = match owner.trim() {
            "" => signer,
            t => parse_address("owner", t)?,
        };
        let machine = Some(machine.trim())
            .filter(|m| !m.is_empty())
            .unwrap_or(self.config.defaults.machine_address.trim());
        if machine.is_empty() {
            return Err(NodeError::value("machine", "machine is required"));
        }
        let machine = parse_address("machine", machine)?;
        if salt.trim().is_empty() {
            return Err(NodeError::value("salt", "salt is required"));
        }
        let salt = U256::from_str(salt.trim()).map_err(|_| {
            NodeError::value(
                "salt",
                "salt must be an unsigned integer (decimal, 0x, 0o or 0b)",
            )
        })?;
        Ok((self.client(signer).await?, owner, machine, salt))
    }

    /// `smart_account/address`.
    pub async fn get_smart_account_address(
        &self,
        r: GetSmartAccountAddressRequest,
    ) -> Res<GetSmartAccountAddressResponse> {
        let (client, owner, machine, salt) = self
            .smart_account_args(&r.signer_address, &r.owner, &r.machine, &r.salt)
            .await?;
        let a = client
            .get_smart_account_address(owner, machine, salt)
            .await?;
        Ok(GetSmartAccountAddressResponse {
            address: a.to_checksum(None),
            ..Default::default()
        })
    }

    /// `smart_account/deploy`.
    pub async fn deploy_smart_account(
        &self,
        r: DeploySmartAccountRequest,
    ) -> Res<DeploySmartAccountResponse> {
        let (client, owner, machine, salt) = self
            .smart_account_args(&r.signer_address, &r.owner, &r.machine, &r.salt)
            .await?;
        let a = client.deploy_smart_account(owner, machine, salt).await?;
        Ok(DeploySmartAccountResponse {
            address: a.to_checksum(None),
            ..Default::default()
        })
    }

    /// `bridge/nft`.
    pub async fn bridge_nft(&self, r: BridgeNftRequest) -> Res<BridgeNftResponse> {
        let signer = self.signer(
            "signer_address",
            &r.signer_address,
            &self.proxy_then_machine(),
        )?;
        let source = bridge_chain("source", &r.source)?;
        let destination = bridge_chain("destination", &r.destination)?;
        if r.recipient.trim().is_empty() {
            return Err(NodeError::value("recipient", "recipient is required"));
        }
        let recipient = parse_address("recipient", &r.recipient)?;
        let options = match r.options_hex.trim() {
            "" => parse_hex("options_hex", DEFAULT_BRIDGE_OPTIONS_HEX)?,
            t => parse_hex("options_hex", t)?,
        };
        let (base_rpc_url, base_nft_address) = if source == BridgeChain::Base {
            let url = Some(r.base_rpc_url.trim().to_owned()).filter(|u| !u.is_empty());
            let nft = match r.base_nft_address.trim() {
                "" => None,
                t => Some(parse_address("base_nft_address", t)?),
            };
            (url, nft)
        } else {
            (None, None)
        };
        let params = BridgeNftParams {
            token_id: U256::from(r.token_id),
            source,
            destination,
            recipient,
            options: Bytes::from(options),
            base_rpc_url,
            base_nft_address,
        };
        let tx = self.client(signer).await?.bridge_nft(&params).await?;
        Ok(BridgeNftResponse {
            tx_hash: hex_b256(tx),
            ..Default::default()
        })
    }

    /// `bridge/wait_arrival`: polls the destination; `arrived=false` with success at the
    /// deadline.
    pub async fn wait_for_bridge_arrival(
        &self,
        r: WaitForBridgeArrivalRequest,
    ) -> Res<WaitForBridgeArrivalResponse> {
        let timeout = match r.timeout {
            0 => DEFAULT_ARRIVAL_TIMEOUT_SECS,
            t if t <= MIN_ARRIVAL_TIMEOUT_SECS => {
                return Err(NodeError::value(
                    "timeout",
                    format!(
                        "timeout must be > {MIN_ARRIVAL_TIMEOUT_SECS} seconds (0 = {DEFAULT_ARRIVAL_TIMEOUT_SECS})"
                    ),
                ));
            }
            t if t > MAX_ARRIVAL_TIMEOUT_SECS => {
                return Err(NodeError::value(
                    "timeout",
                    format!("timeout must be at most {MAX_ARRIVAL_TIMEOUT_SECS} seconds"),
                ));
            }
            t => t,
        };
        if r.dst_rpc_url.trim().is_empty() {
            return Err(NodeError::value("dst_rpc_url", "dst_rpc_url is required"));
        }
        let nft = parse_address("dst_nft_address", &r.dst_nft_address)?;
        let mut params =
            WaitForBridgeArrival::new(r.dst_rpc_url.trim(), nft, U256::from(r.token_id));
        params.timeout = Duration::from_secs(timeout);
        params.poll_interval = ARRIVAL_POLL_INTERVAL;
        let arrived = peaqos_sdk::wait_for_bridge_arrival(&params).await?;
        Ok(WaitForBridgeArrivalResponse {
            arrived,
            ..Default::default()
        })
    }
}
