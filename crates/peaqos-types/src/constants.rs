//! Chain ids, LayerZero endpoint ids, precompile addresses, limits, DID attribute names and
//! environment variable names.
//!
//! Values come from the peaq runtime, the deployed contracts and the official peaqOS SDKs; where
//! a limit is enforced on chain, the contract that enforces it is named.

use alloy_primitives::{Address, U256, address};

// ---------------------------------------------------------------------------- chain ids

/// EVM chain id of peaq mainnet.
pub const PEAQ_CHAIN_ID: u64 = 3338;
/// EVM chain id of the agung testnet.
pub const AGUNG_CHAIN_ID: u64 = 9990;
/// EVM chain id of Base mainnet (the bridge's other side).
pub const BASE_CHAIN_ID: u64 = 8453;
/// EVM chain id of the local peaqOS devnet.
///
/// Deliberately distinct from [`PEAQ_CHAIN_ID`] (3338 × 10), so that a transaction signed for the
/// local devnet can never be replayed on peaq mainnet, and a client can tell the two apart.
pub const LOCAL_CHAIN_ID: u64 = 33380;

// ---------------------------------------------------------------------------- LayerZero

/// LayerZero V2 endpoint id of peaq mainnet.
pub const PEAQ_LZ_EID: u32 = 30302;
/// LayerZero V2 endpoint id of Base mainnet.
pub const BASE_LZ_EID: u32 = 30184;

// ---------------------------------------------------------------------------- addresses

/// The DID precompile (attribute store) on every peaq runtime.
pub const DID_PRECOMPILE_ADDRESS: Address = address!("0x0000000000000000000000000000000000000800");
/// The Batch precompile (`batchAll` / `batchSome` / `batchSomeUntilFailure`).
pub const BATCH_PRECOMPILE_ADDRESS: Address =
    address!("0x0000000000000000000000000000000000000805");
/// The native-token ERC-20 precompile ("WPEAQ"), the staking token of IdentityStaking.
pub const WPEAQ_PRECOMPILE_ADDRESS: Address =
    address!("0x0000000000000000000000000000000000000809");
/// The canonical ERC-4337 v0.6 EntryPoint, trusted by `MachineSmartAccount`.
pub const ENTRY_POINT_V06_ADDRESS: Address = address!("0x5FF137D4b0FDCD49DcA30c7CF57E578a026d2789");

/// The LayerZero V2 EndpointV2 on peaq mainnet (not the usual EndpointV2 address).
pub const PEAQ_LZ_ENDPOINT_ADDRESS: Address =
    address!("0x6F475642a6e85809B1c36Fa62763669b1b48DD5B");
/// The LayerZero V2 EndpointV2 on Base mainnet.
pub const BASE_LZ_ENDPOINT_ADDRESS: Address =
    address!("0x1a44076050125825900e736c501f859c50fE728c");
/// MachineNFTBase (the ONFT721 mirror of MachineNFT) on Base mainnet.
pub const BASE_MACHINE_NFT_ADDRESS: Address =
    address!("0xee8A521eA434b11F956E2402beC5eBfa753Babfa");

// ---------------------------------------------------------------------------- limits

/// Longest DID attribute name, in bytes (DID precompile).
pub const DID_MAX_NAME_BYTES: usize = 64;
/// Longest DID attribute value, in bytes (DID precompile / SDK).
pub const DID_MAX_VALUE_BYTES: usize = 2560;
/// Largest `metadata` of one event, in bytes (`EventRegistry.MAX_METADATA_SIZE`).
pub const MAX_METADATA_SIZE: usize = 4096;
/// Shortest revenue currency code (`EventRegistry.CURRENCY_MIN_LEN`).
pub const CURRENCY_MIN_LEN: usize = 3;
/// Longest revenue currency code (`EventRegistry.CURRENCY_MAX_LEN`).
pub const CURRENCY_MAX_LEN: usize = 10;
/// Most subcalls in one Batch precompile call.
pub const MAX_BATCH_SUBCALLS: usize = 512;
/// Source chain ids an event may name: 0 (same chain), peaq, Base.
pub const SUPPORTED_SOURCE_CHAIN_IDS: [u64; 3] = [0, PEAQ_CHAIN_ID, BASE_CHAIN_ID];
/// The registration bond a fresh IdentityRegistry asks for: 1 PEAQ = 10^18 wei.
pub const DEFAULT_MIN_BOND: U256 = U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]);

// ---------------------------------------------------------------------------- DID attributes

/// DID attribute: the machine id (decimal ASCII). Written on machine and proxy DIDs.
pub const DID_ATTR_MACHINE_ID: &str = "machineId";
/// DID attribute: the Machine NFT token id (decimal ASCII).
pub const DID_ATTR_NFT_TOKEN_ID: &str = "nftTokenId";
/// DID attribute: the operator's DID (`did:peaq:0x…`), empty for self-registered machines.
pub const DID_ATTR_OPERATOR: &str = "operator";
/// DID attribute: the machine's documentation URL.
pub const DID_ATTR_DOCUMENTATION_URL: &str = "documentation_url";
/// DID attribute: the machine's data API URL.
pub const DID_ATTR_DATA_API: &str = "data_api";
/// DID attribute: `public`, `private` or `onchain` (see [`crate::DataVisibility`]).
pub const DID_ATTR_DATA_VISIBILITY: &str = "data_visibility";
/// DID attribute on a proxy operator's DID: the JSON array of the machine ids it operates.
pub const DID_ATTR_MACHINES: &str = "machines";
/// The six attributes written on a machine's DID, in the order the SDK writes them.
pub const MACHINE_DID_ATTRIBUTES: [&str; 6] = [
    DID_ATTR_MACHINE_ID,
    DID_ATTR_NFT_TOKEN_ID,
    DID_ATTR_OPERATOR,
    DID_ATTR_DOCUMENTATION_URL,
    DID_ATTR_DATA_API,
    DID_ATTR_DATA_VISIBILITY,
];

// ---------------------------------------------------------------------------- env vars

/// Env var: the peaq JSON-RPC endpoint.
pub const ENV_RPC_URL: &str = "PEAQOS_RPC_URL";
/// Env var: the signing key, `0x` + 64 hex.
pub const ENV_PRIVATE_KEY: &str = "PEAQOS_PRIVATE_KEY";
/// Env var: the OWS vault wallet that signs instead of a key.
pub const ENV_OWS_WALLET: &str = "PEAQOS_OWS_WALLET";
/// Env var: the MCR API base URL.
pub const ENV_MCR_API_URL: &str = "PEAQOS_MCR_API_URL";
/// Env var: the network name (`mainnet`, `testnet`, `local` and their aliases).
pub const ENV_NETWORK: &str = "PEAQOS_NETWORK";
/// Env var: the Gas Station base URL.
pub const ENV_GAS_STATION_URL: &str = "PEAQOS_GAS_STATION_URL";

/// Env var: IdentityRegistry proxy address (required).
pub const ENV_IDENTITY_REGISTRY_ADDRESS: &str = "IDENTITY_REGISTRY_ADDRESS";
/// Env var: IdentityStaking proxy address (required).
pub const ENV_IDENTITY_STAKING_ADDRESS: &str = "IDENTITY_STAKING_ADDRESS";
/// Env var: EventRegistry proxy address (required).
pub const ENV_EVENT_REGISTRY_ADDRESS: &str = "EVENT_REGISTRY_ADDRESS";
/// Env var: MachineNFT proxy address (required).
pub const ENV_MACHINE_NFT_ADDRESS: &str = "MACHINE_NFT_ADDRESS";
/// Env var: DID precompile address (required).
pub const ENV_DID_REGISTRY_ADDRESS: &str = "DID_REGISTRY_ADDRESS";
/// Env var: Batch precompile address (required).
pub const ENV_BATCH_PRECOMPILE_ADDRESS: &str = "BATCH_PRECOMPILE_ADDRESS";
/// Env var: MachineAccountFactory address (optional).
pub const ENV_MACHINE_ACCOUNT_FACTORY_ADDRESS: &str = "MACHINE_ACCOUNT_FACTORY_ADDRESS";
/// Env var: MachineNFTAdapter address (optional).
pub const ENV_MACHINE_NFT_ADAPTER_ADDRESS: &str = "MACHINE_NFT_ADAPTER_ADDRESS";
/// Env var: AdminFlags address (optional; read by the MCR API).
pub const ENV_ADMIN_FLAGS_ADDRESS: &str = "ADMIN_FLAGS_ADDRESS";

/// The six required address variables, in the order the SDK checks them.
pub const REQUIRED_ADDRESS_ENV_VARS: [&str; 6] = [
    ENV_IDENTITY_REGISTRY_ADDRESS,
    ENV_IDENTITY_STAKING_ADDRESS,
    ENV_EVENT_REGISTRY_ADDRESS,
    ENV_MACHINE_NFT_ADDRESS,
    ENV_DID_REGISTRY_ADDRESS,
    ENV_BATCH_PRECOMPILE_ADDRESS,
];
/// The optional address variables.
pub const OPTIONAL_ADDRESS_ENV_VARS: [&str; 3] = [
    ENV_MACHINE_ACCOUNT_FACTORY_ADDRESS,
    ENV_MACHINE_NFT_ADAPTER_ADDRESS,
    ENV_ADMIN_FLAGS_ADDRESS,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bond_is_one_peaq() {
        assert_eq!(DEFAULT_MIN_BOND, U256::from(10u64).pow(U256::from(18u64)));
    }

    #[test]
    fn precompiles_are_where_peaq_puts_them() {
        assert_eq!(
            DID_PRECOMPILE_ADDRESS,
            Address::left_padding_from(&[0x08, 0x00])
        );
        assert_eq!(
            BATCH_PRECOMPILE_ADDRESS,
            Address::left_padding_from(&[0x08, 0x05])
        );
        assert_eq!(
            WPEAQ_PRECOMPILE_ADDRESS,
            Address::left_padding_from(&[0x08, 0x09])
        );
    }

    #[test]
    fn local_chain_id_is_not_a_public_one() {
        for id in [PEAQ_CHAIN_ID, AGUNG_CHAIN_ID, BASE_CHAIN_ID, 31337] {
            assert_ne!(LOCAL_CHAIN_ID, id);
        }
    }
}
