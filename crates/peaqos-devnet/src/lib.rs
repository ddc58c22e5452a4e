#![doc = include_str!("../README.md")]

pub mod accounts;
pub mod chain;
pub mod devnet;
pub mod env_file;
pub mod node;
pub mod precompiles;
pub mod rpc;

pub use accounts::{DEV_MNEMONIC, DevAccount};
pub use devnet::{Devnet, DevnetConfig, DevnetError, StateSaver};
pub use node::NodeStopping;
