//! `GET /machines/{machine_id}` (the Machine Card), `/health`, `/ready` and error bodies.

use serde::{Deserialize, Serialize};

use super::BondStatus;

/// `GET /machines/{machine_id}`: the Machine Card (ERC-8004 registration-file pattern).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineCard {
    /// Always [`MACHINE_CARD_TYPE`](super::MACHINE_CARD_TYPE).
    #[serde(rename = "type")]
    pub kind: String,
    /// `"Machine #<machine_id>"`.
    pub name: String,
    /// `"peaqOS machine"`.
    pub description: String,
    /// `did:peaq:<machine wallet address>`.
    pub did: String,
    /// Always true.
    pub active: bool,
    /// `[{"name":"web","endpoint":<data_api>}]` when `data_api` is set, else empty.
    pub services: Vec<MachineCardService>,
    /// The `data_visibility` attribute (default `private`).
    pub data_visibility: String,
    /// The `documentation_url` attribute, `""` when unset.
    pub documentation_url: String,
    /// The operator's DID, if any.
    pub operator: Option<String>,
    /// Bonded or unbonded.
    pub bond_status: BondStatus,
    /// All events on chain.
    pub event_count: u64,
    /// One entry naming the IdentityRegistry.
    pub registrations: Vec<MachineCardRegistration>,
}

/// A service of a [`MachineCard`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineCardService {
    /// `web`.
    pub name: String,
    /// The machine's `data_api`.
    pub endpoint: String,
}

/// A registration of a [`MachineCard`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MachineCardRegistration {
    /// Always [`MACHINE_CARD_TYPE`](super::MACHINE_CARD_TYPE).
    #[serde(rename = "type")]
    pub kind: String,
    /// The machine id.
    pub machine_id: u64,
    /// `eip155:<chainId>:<IdentityRegistry address>`.
    pub machine_registry: String,
}

/// `GET /health`: `{"status":"ok"}` while the process is alive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthResponse {
    /// `ok`.
    pub status: String,
}

/// `GET /ready`: 200 when every check passes, else 503.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadyResponse {
    /// `ready` or `not_ready`.
    pub status: String,
    /// Whether the chain RPC answers.
    pub rpc_connected: bool,
    /// Per-contract checks.
    pub contracts: ReadyContracts,
}

/// The `contracts` object of [`ReadyResponse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(clippy::struct_excessive_bools)]
pub struct ReadyContracts {
    /// IdentityRegistry reachable.
    pub identity_registry: bool,
    /// IdentityStaking reachable.
    pub identity_staking: bool,
    /// EventRegistry reachable.
    pub event_registry: bool,
    /// MachineNFT reachable.
    pub machine_nft: bool,
    /// AdminFlags reachable (true when not configured).
    pub admin_flags: bool,
    /// The DID precompile reachable.
    pub did_registry: bool,
}

/// An error body, `{"detail": "<message>"}` (`Machine not registered`, `Chain unavailable`,
/// `Service not initialised`, …). FastAPI's 422 bodies carry a list instead and are not this
/// type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// The message.
    pub detail: String,
}
