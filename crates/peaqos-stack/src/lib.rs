#![doc = include_str!("../README.md")]

mod admin;
pub mod bridge;
pub mod env;
#[cfg(test)]
mod relayer_tests;
pub mod stack;
pub mod two_factor;

pub use bridge::{ChainSaves, LocalBridge, PendingPacket, RelayerState};
pub use env::{ENV_BASE_NFT_ADDRESS, ENV_BASE_RPC_URL, ENV_MARKER};
pub use stack::{
    DATA_DIR_MODE, DATA_FILE_MODE, DEV_TOTP_SECRET, ENV_ACCOUNT, FAUCET_ACCOUNT, FAUCET_CHAIN,
    LOCAL_BASE_CHAIN_ID, LocalBase, LocalStack, StackConfig, StackError,
};
pub use two_factor::enroll_dev_owner;
