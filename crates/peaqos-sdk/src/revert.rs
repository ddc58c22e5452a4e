//! Revert decoding: every custom error of every peaqOS contract, plus `Error(string)` and
//! `Panic(uint256)`.
//!
//! The selector table is built once from the committed ABIs of all contracts
//! ([`peaqos_contracts::Artifact::all`]), so an error added to a contract is decoded without
//! touching this file. The official Python SDK only knows the IdentityRegistry, IdentityStaking
//! and EventRegistry selectors and 14 names; everything else (e.g. `AlreadyMinted`) surfaces there
//! as `TX_REVERTED`. Here the error's name is always the code.

use std::{collections::HashMap, fmt::Write as _, sync::OnceLock};

use alloy::{
    dyn_abi::{DynSolValue, JsonAbiExt},
    json_abi::Error as AbiError,
    primitives::{FixedBytes, hex},
    sol_types::{Panic, PanicKind, Revert, SolError},
};
use peaqos_contracts::Artifact;

use crate::Error;

/// The code of a revert whose data is empty or matches no known error.
pub const TX_REVERTED: &str = "TX_REVERTED";

/// A decoded revert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedRevert {
    /// The error's name (`AlreadyRegistered`, `OwnableUnauthorizedAccount`, `Error`, `Panic`).
    pub name: String,
    /// The 4-byte selector.
    pub selector: FixedBytes<4>,
    /// The error with its arguments, e.g. `OwnableUnauthorizedAccount(0xAb…)` or
    /// `Error("Cannot find the item")`.
    pub rendered: String,
    /// The arguments, rendered one by one (addresses checksummed, integers in decimal).
    pub args: Vec<String>,
    /// What it means and what to do.
    pub message: String,
    /// The contracts declaring the error (empty for `Error` / `Panic`).
    pub contracts: Vec<&'static str>,
}

impl DecodedRevert {
    /// The stable code an [`Error::Rpc`] carries for this revert: the custom error's name, or
    /// [`TX_REVERTED`] for `Error(string)` and `Panic(uint256)` (their text is in the message).
    pub fn code(&self) -> &str {
        if self.is_custom() {
            &self.name
        } else {
            TX_REVERTED
        }
    }

    /// True for a contract's custom error (not `Error(string)` / `Panic(uint256)`).
    pub fn is_custom(&self) -> bool {
        !self.contracts.is_empty()
    }
}

/// One entry of the selector table.
#[derive(Debug)]
struct Entry {
    error: AbiError,
    contracts: Vec<&'static str>,
}

/// Selector → error, over every contract ABI.
fn table() -> &'static HashMap<FixedBytes<4>, Entry> {
    static TABLE: OnceLock<HashMap<FixedBytes<4>, Entry>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table: HashMap<FixedBytes<4>, Entry> = HashMap::new();
        for artifact in Artifact::all() {
            let contract: &'static str = artifact.contract_name.as_str();
            for error in artifact.abi.errors() {
                let entry = table.entry(error.selector()).or_insert_with(|| Entry {
                    error: error.clone(),
                    contracts: Vec::new(),
                });
                if !entry.contracts.contains(&contract) {
                    entry.contracts.push(contract);
                }
            }
        }
        table
    })
}

/// The signature (e.g. `register()`) of the peaqOS contract function with this selector, or of
/// a precompile function (DID, Batch), if any.
pub fn function_signature(selector: &[u8]) -> Option<String> {
    static FUNCTIONS: OnceLock<HashMap<FixedBytes<4>, String>> = OnceLock::new();
    let selector = FixedBytes::<4>::try_from(selector).ok()?;
    FUNCTIONS
        .get_or_init(|| {
            use peaqos_contracts::bindings::{BatchPrecompile, DIDPrecompile};
            let mut map = HashMap::new();
            let precompiles = [
                DIDPrecompile::abi::functions(),
                BatchPrecompile::abi::functions(),
            ];
            for functions in precompiles {
                for f in functions.values().flatten() {
                    map.entry(f.selector()).or_insert_with(|| f.signature());
                }
            }
            for artifact in Artifact::all() {
                for f in artifact.abi.functions() {
                    map.entry(f.selector()).or_insert_with(|| f.signature());
                }
            }
            map
        })
        .get(&selector)
        .cloned()
}

/// Every custom error signature the table knows (e.g. `AlreadyRegistered()`), sorted.
pub fn known_errors() -> Vec<String> {
    let mut all: Vec<String> = table().values().map(|e| e.error.signature()).collect();
    all.sort();
    all
}

/// Decodes revert data: a custom error of any peaqOS contract, `Error(string)` or
/// `Panic(uint256)`. `None` for empty data or an unknown selector.
pub fn decode_revert(data: &[u8]) -> Option<DecodedRevert> {
    let selector = FixedBytes::<4>::try_from(data.get(..4)?).ok()?;
    if selector == Revert::SELECTOR {
        let reason = Revert::abi_decode(data).ok()?.reason;
        return Some(DecodedRevert {
            name: "Error".to_owned(),
            selector,
            rendered: format!("Error({reason:?})"),
            message: format!("Transaction reverted: {reason}"),
            args: vec![reason],
            contracts: Vec::new(),
        });
    }
    if selector == Panic::SELECTOR {
        let code = Panic::abi_decode(data).ok()?.code;
        let kind = code
            .try_into()
            .ok()
            .and_then(PanicKind::from_number)
            .map_or_else(|| "unknown panic".to_owned(), |k| k.as_str().to_owned());
        return Some(DecodedRevert {
            name: "Panic".to_owned(),
            selector,
            rendered: format!("Panic(0x{code:02x})"),
            message: format!("Transaction reverted: panic 0x{code:02x} ({kind})"),
            args: vec![code.to_string()],
            contracts: Vec::new(),
        });
    }
    let entry = table().get(&selector)?;
    let args: Vec<String> = match entry.error.abi_decode_input(&data[4..]) {
        Ok(values) => values.iter().map(render).collect(),
        // The selector matched but the arguments did not decode: still the same error.
        Err(_) => Vec::new(),
    };
    let name = entry.error.name.clone();
    let rendered = format!("{name}({})", args.join(", "));
    Some(DecodedRevert {
        message: message_for(&name).map_or_else(
            || format!("The contract reverted with {rendered}"),
            |m| {
                if args.is_empty() {
                    m.to_owned()
                } else {
                    format!("{m} ({rendered})")
                }
            },
        ),
        name,
        selector,
        rendered,
        args,
        contracts: entry.contracts.clone(),
    })
}

/// The error for revert `data` seen while doing `context` (e.g. `estimating register()`):
/// code = the custom error's name (`AlreadyRegistered`, …), or [`TX_REVERTED`] when the data is
/// empty, unknown, `Error(string)` or `Panic(uint256)`.
pub fn rpc_error_from_revert(data: &[u8], context: &str) -> Error {
    match decode_revert(data) {
        Some(d) => Error::Rpc {
            code: d.code().to_owned(),
            message: d.message,
            tx_hash: None,
            source: None,
        },
        None if data.is_empty() => Error::rpc(
            TX_REVERTED,
            format!("Transaction reverted without a reason ({context})"),
        ),
        None => Error::rpc(
            TX_REVERTED,
            format!(
                "Transaction reverted: unknown error 0x{} ({context})",
                hex::encode(data)
            ),
        ),
    }
}

fn render(v: &DynSolValue) -> String {
    match v {
        DynSolValue::Address(a) => a.to_checksum(None),
        DynSolValue::Bool(b) => b.to_string(),
        DynSolValue::Int(i, _) => i.to_string(),
        DynSolValue::Uint(u, _) => u.to_string(),
        DynSolValue::FixedBytes(w, size) => format!("0x{}", hex::encode(&w[..*size])),
        DynSolValue::Bytes(b) => format!("0x{}", hex::encode(b)),
        DynSolValue::String(s) => format!("{s:?}"),
        DynSolValue::Array(items) | DynSolValue::FixedArray(items) => {
            let mut out = String::from("[");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let _ = write!(out, "{}", render(item));
            }
            out.push(']');
            out
        }
        DynSolValue::Tuple(items) => {
            let inner: Vec<String> = items.iter().map(render).collect();
            format!("({})", inner.join(", "))
        }
        other => format!("{other:?}"),
    }
}

/// What each custom error means and what to do. The first 14 are the official SDK's messages,
/// word for word (its "known revert" table); the rest are ours.
fn message_for(name: &str) -> Option<&'static str> {
    Some(match name {
        // The official SDK's table.
        "AlreadyRegistered" => "Machine address is already registered",
        "InvalidMachineAddress" => "Invalid machine address (zero address not allowed)",
        "AmountZero" => "Bond amount must be greater than zero",
        "AlreadyStaked" => "Machine is already bonded/staked",
        "MachineNotBonded" => "Machine is not bonded",
        "MachineNotFound" => "Machine not found in the registry",
        "AlreadyMinted" => "NFT already minted for this machine",
        "NotMachineOwner" => "Caller is not the machine owner",
        "RecipientMustBeMachineOwner" => "Operator mint requires recipient to be the machine owner",
        "InvalidAddress" => "Invalid address (zero address not allowed)",
        "MachineDeactivated" => "Machine is deactivated",
        "NotAuthorizedSubmitter" => "Caller is not authorized submitter",
        "InvalidEventType" => "Invalid event type",
        "InvalidTrustLevel" => "Invalid trust level",
        // IdentityRegistry.
        "BondBelowFloor" => "The bond is below the registry's floor; choose a larger minimum bond",
        "BondNotRequired" => "No bond is required for this operation; send no value",
        "ContractNotConfigured" => {
            "The IdentityRegistry is not wired to its staking contract or bond token; the \
             deployment is incomplete"
        }
        "ETHTransferFailed" => "The native token transfer failed; check the recipient",
        "IdentityNFTSoulbound" => "Identity NFTs are soulbound and cannot be transferred",
        "IncorrectBondAmount" => {
            "The value sent is not the registry's minBond(); read minBond() and send exactly that"
        }
        "InvalidStatus" => "The machine is not in a status that allows this operation",
        "WalletAlreadyBound" => "This wallet is already bound to a machine",
        // IdentityStaking.
        "NotAuthorized" => "Caller is not authorized to stake (only the IdentityRegistry may)",
        // EventRegistry.
        "FutureTimestamp" => "Event timestamp is in the future; use a time at or before now",
        "InvalidCurrencyShape" => {
            "Invalid currency: revenue needs 3-10 uppercase letters or digits (e.g. USD), \
             activity needs an empty currency"
        }
        "MetadataTooLarge" => "Event metadata is too large (at most 4096 bytes)",
        "OffsetOutOfBounds" => "Offset is beyond the machine's event count",
        // AdminFlags.
        "InvalidTrustOverride" => "Trust override out of range (at most 10000)",
        "MachineNotFlagged" => "The machine is not flagged",
        "NoTrustOverride" => "The machine has no trust override to clear",
        // MachineAccountFactory / MachineSmartAccount.
        "BatchTooLarge" => "Too many calls in one batch",
        "ExecutionFailed" => "The call made by the smart account failed without a reason",
        "LengthMismatch" => "Batch arrays have different lengths",
        "OnlyEntryPoint" => "Only the ERC-4337 EntryPoint may call this",
        "OnlyOwner" => "Only the smart account's owner (or its machine) may call this",
        "SelfCallBlocked" => "A smart account cannot call itself",
        "Create2EmptyBytecode" => "CREATE2 deployment with empty bytecode",
        "FailedDeployment" => "The smart account deployment failed",
        "InsufficientBalance" => "Insufficient balance for the deployment",
        "ECDSAInvalidSignature" => "Invalid signature",
        "ECDSAInvalidSignatureLength" => "Invalid signature length (expected 65 bytes)",
        "ECDSAInvalidSignatureS" => "Invalid signature (s value in the upper half order)",
        // Bridge (MachineNFTAdapter / MachineNFTBase, LayerZero ONFT).
        "BridgePausedByNFT" => "Bridging is paused because the Machine NFT contract is paused",
        "InvalidDelegate" => "Invalid LayerZero delegate",
        "InvalidEndpointCall" => "Invalid LayerZero endpoint call",
        "InvalidOptions" => "Invalid LayerZero options",
        "InvalidReceiver" => "Invalid LayerZero receiver",
        "LzTokenUnavailable" => "Paying fees in LZ token is not supported; pay in native token",
        "NoPeer" => "No peer is configured for the destination chain",
        "NotEnoughNative" => "The value sent does not cover the LayerZero native fee; quote again",
        "OnlyEndpoint" => "Only the LayerZero endpoint may call this",
        "OnlyNFTOwner" => "Only the NFT's owner may bridge it",
        "OnlyPeer" => "Only the configured peer may send this message",
        "OnlySelf" => "Only the contract itself may call this",
        "SimulationResult" => "LayerZero simulation result",
        // OpenZeppelin: access, pausing, proxies, tokens.
        "OwnableUnauthorizedAccount" => "Caller is not the contract owner",
        "OwnableInvalidOwner" => "Invalid owner (zero address not allowed)",
        "EnforcedPause" => "The contract is paused; try again after it is unpaused",
        "ExpectedPause" => "The contract is not paused",
        "InvalidInitialization" => "The contract is already initialized",
        "NotInitializing" => "The contract is not initializing",
        "ReentrancyGuardReentrantCall" => "Reentrant call rejected",
        "UUPSUnauthorizedCallContext" => "This function must be called through the proxy",
        "UUPSUnsupportedProxiableUUID" => "The new implementation is not UUPS compatible",
        "ERC1967InvalidImplementation" => "The new implementation is not a contract",
        "ERC1967NonPayable" => "This proxy call does not accept value",
        "ERC1967ProxyUninitialized" => "The proxy was deployed without initialization",
        "AddressEmptyCode" => "The target address has no code",
        "FailedCall" => "An inner call failed",
        "SafeERC20FailedOperation" => "A token transfer failed",
        "SafeCastOverflowedUintDowncast" => "A value does not fit its storage type",
        "ERC721IncorrectOwner" => "The sender does not own this token",
        "ERC721InsufficientApproval" => "The caller is not approved for this token",
        "ERC721InvalidApprover" => "Invalid approver",
        "ERC721InvalidOperator" => "Invalid operator",
        "ERC721InvalidOwner" => "Invalid token owner",
        "ERC721InvalidReceiver" => "Invalid token receiver",
        "ERC721InvalidSender" => "Invalid token sender",
        "ERC721NonexistentToken" => "The token does not exist",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use alloy::primitives::{Address, U256};
    use peaqos_contracts::bindings::{AdminFlags, IdentityRegistry, MachineNFT};

    use super::*;

    #[test]
    fn every_error_of_every_artifact_is_in_the_table_with_a_message() {
        let mut count = 0;
        for artifact in Artifact::all() {
            for error in artifact.abi.errors() {
                count += 1;
                let mut data = error.selector().to_vec();
                data.extend(std::iter::repeat_n(0u8, 32 * error.inputs.len()));
                let d = decode_revert(&data)
                    .unwrap_or_else(|| panic!("{} of {}", error.name, artifact.contract_name));
                assert_eq!(d.name, error.name);
                assert_eq!(d.code(), error.name);
                assert!(d.contracts.contains(&artifact.contract_name.as_str()));
                assert!(
                    message_for(&error.name).is_some(),
                    "no message for {}",
                    error.name
                );
                let e = rpc_error_from_revert(&data, "test");
                assert_eq!(e.code(), error.name);
            }
        }
        assert_eq!(count, 179, "{count} errors across the artifacts");
        assert_eq!(known_errors().len(), 79);
    }

    #[test]
    fn decodes_arguments() {
        let who: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
            .parse()
            .expect("a");
        let data = IdentityRegistry::OwnableUnauthorizedAccount { account: who }.abi_encode();
        let d = decode_revert(&data).expect("known");
        assert_eq!(d.code(), "OwnableUnauthorizedAccount");
        assert_eq!(d.args, vec![who.to_checksum(None)]);
        assert!(d.message.contains(&who.to_checksum(None)), "{}", d.message);
        let data = AdminFlags::InvalidTrustOverride {
            value: U256::from(101),
        }
        .abi_encode();
        assert_eq!(
            decode_revert(&data).expect("known").rendered,
            "InvalidTrustOverride(101)"
        );
    }

    #[test]
    fn official_messages_for_the_known_names() {
        let data = MachineNFT::AlreadyMinted {}.abi_encode();
        let e = rpc_error_from_revert(&data, "mint");
        assert_eq!(e.code(), "AlreadyMinted");
        assert_eq!(e.to_string(), "NFT already minted for this machine");
        let data = IdentityRegistry::AlreadyRegistered {}.abi_encode();
        assert_eq!(
            decode_revert(&data).expect("known").selector,
            FixedBytes::from([0x3a, 0x81, 0xd6, 0xfc])
        );
    }

    #[test]
    fn error_string_panic_empty_and_unknown() {
        let data = Revert::from("Cannot find the item").abi_encode();
        let d = decode_revert(&data).expect("Error(string)");
        assert_eq!(d.name, "Error");
        assert_eq!(d.code(), TX_REVERTED);
        let e = rpc_error_from_revert(&data, "read");
        assert_eq!(e.code(), TX_REVERTED);
        assert!(e.to_string().contains("Cannot find the item"), "{e}");

        let data = Panic::from(0x11).abi_encode();
        let d = decode_revert(&data).expect("Panic");
        assert_eq!(d.name, "Panic");
        assert!(d.message.contains("overflow"), "{}", d.message);

        assert!(decode_revert(&[]).is_none());
        assert!(decode_revert(&[1, 2, 3]).is_none());
        assert!(decode_revert(&[0xde, 0xad, 0xbe, 0xef]).is_none());
        assert_eq!(rpc_error_from_revert(&[], "x").code(), TX_REVERTED);
        let e = rpc_error_from_revert(&[0xde, 0xad, 0xbe, 0xef], "x");
        assert_eq!(e.code(), TX_REVERTED);
        assert!(e.to_string().contains("0xdeadbeef"), "{e}");
    }
}
