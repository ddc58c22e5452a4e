#![doc = include_str!("../README.md")]

pub mod address;
pub mod api;
pub mod constants;
pub mod did;
pub mod error;
pub mod event;
pub mod faucet;
pub mod machine;
pub mod network;

pub use address::{AccountAddress, EvmAddress, Ss58Address};
pub use did::Did;
pub use error::TypesError;
pub use event::{DataVisibility, EventType, TrustLevel, validate_currency};
pub use machine::{MachineId, MachineStatus};
pub use network::{ContractAddresses, Network, NetworkPreset};

/// The address type used throughout peaqOS (re-exported from `alloy-primitives`).
pub use alloy_primitives::Address;
/// The 256-bit unsigned integer type used for on-chain amounts and ids.
pub use alloy_primitives::U256;
