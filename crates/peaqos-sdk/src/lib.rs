#![doc = include_str!("../README.md")]

pub mod activation;
pub mod admin;
pub mod bridge;
pub mod client;
pub mod did;
pub mod error;
pub mod events;
pub mod fleet;
pub mod gas_station;
pub mod http;
pub mod limits;
pub mod mcr;
pub mod nft;
pub mod registration;
pub mod revert;
pub mod signer;
pub mod smart_account;
pub mod tx;
pub mod validation;
pub mod wallet;

pub use bridge::{BridgeChain, BridgeNftParams, WaitForBridgeArrival, wait_for_bridge_arrival};
pub use client::{ClientConfig, NetworkConfig, PeaqosClient};
pub use did::DidAttribute;
pub use error::{Error, Result, RpcCode, RpcFailure, ValidationError};
pub use gas_station::{FaucetCode, FundOutcome, GasStationClient, QrFormat};
pub use http::ApiCode;
pub use limits::OperationalLimits;
pub use mcr::McrClient;
pub use revert::Revert;
pub use signer::{PrivateKey, Signer, SignerSource};
pub use tx::{SendOptions, TxOutcome};
pub use validation::SubmitEventParams;
