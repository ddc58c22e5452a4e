//! Revert decoding into the typed error enums that the `sol!` bindings generate
//! ([`peaqos_contracts::bindings`]): every custom error of every peaqOS contract, plus
//! `Error(string)` and `Panic(uint256)`, as one [`Revert`] value.
//!
//! An error added to a contract is decoded without touching this file (the bindings come from
//! the committed artifacts); a unit test fails until it has a message here. Errors are shared
//! between contracts (e.g. `MachineNotFound`, `OwnableUnauthorizedAccount`): the called
//! contract's enum is tried first, then the others in a fixed order, and [`Revert::is`] compares
//! selectors, so matching on an error type does not depend on which contract declared it.
//!
//! The official Python SDK only knows the IdentityRegistry, IdentityStaking and EventRegistry
//! selectors and 14 names; everything else (e.g. `AlreadyMinted`) surfaces there as
//! `TX_REVERTED`. Here the error's name is always the code.

use std::fmt::{self, Write as _};

use alloy::{
    dyn_abi::{DynSolValue, JsonAbiExt},
    json_abi::Error as AbiError,
    primitives::{Bytes, FixedBytes, U256, hex},
    sol_types::{Panic, PanicKind, Revert as RevertReason, SolError, SolInterface},
};
use peaqos_contracts::{
    ContractName,
    bindings::{
        AdminFlags, BatchPrecompile, DIDPrecompile, DIDStandin, ERC1967Proxy, EventRegistry,
        IdentityRegistry, IdentityStaking, MachineAccountFactory, MachineNFT, MachineNFTAdapter,
        MachineNFTBase, MachineSmartAccount, WPEAQStandin,
    },
};

use crate::Error;

/// The code of a revert that is not a contract's custom error: empty or unknown data,
/// `Error(string)` or `Panic(uint256)`.
pub const TX_REVERTED: &str = "TX_REVERTED";

/// Declares [`Revert`] over the contracts' error enums, and the per-contract helpers.
macro_rules! reverts {
    ($($variant:ident => $contract:ident :: $errors:ident),* $(,)?) => {
        /// Why a transaction or call reverted: a custom error of a peaqOS contract (the `sol!`
        /// enums of [`peaqos_contracts::bindings`]), `Error(string)`, `Panic(uint256)`, or data
        /// that matches none of them.
        ///
        /// Match the enum for exhaustive handling, or ask [`Revert::is`] for one error type
        /// wherever it was declared:
        ///
        /// ```
        /// use alloy::sol_types::SolError as _;
        /// use peaqos_contracts::bindings::IdentityRegistry;
        /// use peaqos_sdk::revert::Revert;
        ///
        /// let r = Revert::decode(&IdentityRegistry::AlreadyRegistered {}.abi_encode());
        /// assert!(r.is::<IdentityRegistry::AlreadyRegistered>());
        /// assert!(matches!(
        ///     r,
        ///     Revert::IdentityRegistry(IdentityRegistry::IdentityRegistryErrors::AlreadyRegistered(_))
        /// ));
        /// assert_eq!(r.code(), "AlreadyRegistered");
        /// ```
        #[derive(Debug, Clone)]
        #[non_exhaustive]
        pub enum Revert {
            $(
                #[doc = concat!("A custom error declared by ", stringify!($contract), ".")]
                $variant($contract::$errors),
            )*
            /// `Error(string)`: a `require` message (e.g. the DID precompile's
            /// `Cannot find the item`).
            Reason(String),
            /// `Panic(uint256)`: an assertion, overflow, division by zero, …
            Panic(U256),
            /// Empty revert data, or data that matches no known error (kept raw).
            Unknown(Bytes),
        }

        /// Contracts whose errors are decoded, in the order tried after the called one.
        const DECODE_ORDER: &[ContractName] = &[$(ContractName::$contract),*];

        impl Revert {
            fn decode_as(contract: ContractName, data: &[u8]) -> Option<Self> {
                match contract {
                    $(ContractName::$contract => {
                        $contract::$errors::abi_decode(data).ok().map(Self::$variant)
                    })*
                    _ => None,
                }
            }

            /// The declaring contract, the selector and the encoded data of a custom error.
            fn custom(&self) -> Option<(ContractName, [u8; 4], Vec<u8>)> {
                match self {
                    $(Self::$variant(e) => {
                        Some((ContractName::$contract, e.selector(), e.abi_encode()))
                    })*
                    _ => None,
                }
            }

            /// The signature of `selector` among `contract`'s errors.
            fn signature_in(contract: ContractName, selector: [u8; 4]) -> Option<&'static str> {
                match contract {
                    $(ContractName::$contract => $contract::$errors::signature_by_selector(selector),)*
                    _ => None,
                }
            }
        }

        /// Every custom error signature of the decoded contracts (e.g. `AlreadyRegistered()`),
        /// sorted, without duplicates.
        pub fn known_errors() -> Vec<String> {
            let mut all: Vec<String> = [$($contract::$errors::SIGNATURES),*]
                .into_iter()
                .flatten()
                .map(|s| (*s).to_owned())
                .collect();
            all.sort();
            all.dedup();
            all
        }
    };
}

reverts! {
    IdentityRegistry => IdentityRegistry::IdentityRegistryErrors,
    EventRegistry => EventRegistry::EventRegistryErrors,
    MachineNft => MachineNFT::MachineNFTErrors,
    IdentityStaking => IdentityStaking::IdentityStakingErrors,
    AdminFlags => AdminFlags::AdminFlagsErrors,
    MachineAccountFactory => MachineAccountFactory::MachineAccountFactoryErrors,
    MachineSmartAccount => MachineSmartAccount::MachineSmartAccountErrors,
    MachineNftAdapter => MachineNFTAdapter::MachineNFTAdapterErrors,
    MachineNftBase => MachineNFTBase::MachineNFTBaseErrors,
    Erc1967Proxy => ERC1967Proxy::ERC1967ProxyErrors,
}

impl Revert {
    /// Decodes revert data, trying the contracts in a fixed order (IdentityRegistry,
    /// EventRegistry, MachineNFT, …). Never fails: unknown data is [`Revert::Unknown`].
    pub fn decode(data: &[u8]) -> Self {
        Self::decode_from(data, None)
    }

    /// Decodes revert data of a call to `called` (its own errors are tried first).
    pub fn decode_from(data: &[u8], called: Option<ContractName>) -> Self {
        let Some(selector) = data.get(..4).and_then(|s| <[u8; 4]>::try_from(s).ok()) else {
            return Self::Unknown(Bytes::copy_from_slice(data));
        };
        if selector == RevertReason::SELECTOR
            && let Ok(r) = RevertReason::abi_decode(data)
        {
            return Self::Reason(r.reason);
        }
        if selector == Panic::SELECTOR
            && let Ok(p) = Panic::abi_decode(data)
        {
            return Self::Panic(p.code);
        }
        called
            .into_iter()
            .chain(DECODE_ORDER.iter().copied())
            .find_map(|contract| Self::decode_as(contract, data))
            .unwrap_or_else(|| Self::Unknown(Bytes::copy_from_slice(data)))
    }

    /// True when this is the custom error `E` (by selector, whichever contract declared it).
    pub fn is<E: SolError>(&self) -> bool {
        self.selector().is_some_and(|s| s.0 == E::SELECTOR)
    }

    /// The custom error `E` with its arguments, when this is that error.
    pub fn as_error<E: SolError>(&self) -> Option<E> {
        let (_, selector, data) = self.custom()?;
        (selector == E::SELECTOR)
            .then(|| E::abi_decode(&data).ok())
            .flatten()
    }

    /// True for a contract's custom error (not `Error(string)`, `Panic` or unknown data).
    pub fn is_custom(&self) -> bool {
        self.custom().is_some()
    }

    /// The contract whose error enum decoded the data (custom errors only).
    pub fn contract(&self) -> Option<ContractName> {
        self.custom().map(|(c, ..)| c)
    }

    /// The 4-byte selector (none for empty or shorter data).
    pub fn selector(&self) -> Option<FixedBytes<4>> {
        match self {
            Self::Reason(_) => Some(RevertReason::SELECTOR.into()),
            Self::Panic(_) => Some(Panic::SELECTOR.into()),
            Self::Unknown(data) => data.get(..4).map(FixedBytes::from_slice),
            custom => custom.custom().map(|(_, s, _)| s.into()),
        }
    }

    /// The error's name: `AlreadyRegistered`, `OwnableUnauthorizedAccount`, …, or `Error` /
    /// `Panic`; none for unknown data.
    pub fn name(&self) -> Option<&'static str> {
        match self {
            Self::Reason(_) => Some("Error"),
            Self::Panic(_) => Some("Panic"),
            Self::Unknown(_) => None,
            custom => custom
                .signature()
                .and_then(|s| s.split_once('(').map(|(name, _)| name)),
        }
    }

    /// The custom error's signature, e.g. `OwnableUnauthorizedAccount(address)`.
    pub fn signature(&self) -> Option<&'static str> {
        let (contract, selector, _) = self.custom()?;
        Self::signature_in(contract, selector)
    }

    /// The stable code an [`Error::Rpc`] carries: the custom error's name, or [`TX_REVERTED`]
    /// (`Error(string)`, `Panic(uint256)`, unknown or empty data; the text is in the message).
    pub fn code(&self) -> &'static str {
        if self.is_custom() {
            self.name().unwrap_or(TX_REVERTED)
        } else {
            TX_REVERTED
        }
    }

    /// The ABI-encoded revert data.
    pub fn data(&self) -> Bytes {
        match self {
            Self::Reason(reason) => RevertReason::from(reason.as_str()).abi_encode().into(),
            Self::Panic(code) => Panic { code: *code }.abi_encode().into(),
            Self::Unknown(data) => data.clone(),
            custom => custom
                .custom()
                .map(|(_, _, data)| data.into())
                .unwrap_or_default(),
        }
    }

    /// The arguments, rendered one by one (addresses checksummed, integers in decimal).
    pub fn args(&self) -> Vec<String> {
        match self {
            Self::Reason(reason) => vec![reason.clone()],
            Self::Panic(code) => vec![code.to_string()],
            Self::Unknown(_) => Vec::new(),
            custom => {
                let decoded = custom.signature().zip(custom.custom()).and_then(
                    |(signature, (_, _, data))| {
                        AbiError::parse(signature)
                            .ok()?
                            .abi_decode_input(data.get(4..)?)
                            .ok()
                    },
                );
                decoded.unwrap_or_default().iter().map(render).collect()
            }
        }
    }

    /// What it means and what to do: the official SDK's sentence for its 14 names, ours for
    /// the others, with the arguments when there are any.
    pub fn message(&self) -> String {
        match self {
            Self::Reason(reason) => format!("Transaction reverted: {reason}"),
            Self::Panic(code) => format!(
                "Transaction reverted: panic 0x{code:02x} ({})",
                panic_kind(*code)
            ),
            Self::Unknown(data) if data.is_empty() => {
                "Transaction reverted without a reason".to_owned()
            }
            Self::Unknown(data) => format!(
                "Transaction reverted: unknown error 0x{}",
                hex::encode(data)
            ),
            custom => {
                let rendered = custom.to_string();
                match custom.custom().and_then(|(_, s, _)| message_for(s)) {
                    Some(m) if custom.args().is_empty() => m.to_owned(),
                    Some(m) => format!("{m} ({rendered})"),
                    None => format!("The contract reverted with {rendered}"),
                }
            }
        }
    }
}

/// The error with its arguments, e.g. `OwnableUnauthorizedAccount(0xAb…)`,
/// `Error("Cannot find the item")`, `Panic(0x11)`, or the raw data.
impl fmt::Display for Revert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Reason(reason) => write!(f, "Error({reason:?})"),
            Self::Panic(code) => write!(f, "Panic(0x{code:02x})"),
            Self::Unknown(data) => write!(f, "0x{}", hex::encode(data)),
            custom => write!(
                f,
                "{}({})",
                custom.name().unwrap_or_default(),
                custom.args().join(", ")
            ),
        }
    }
}

fn panic_kind(code: U256) -> String {
    code.try_into()
        .ok()
        .and_then(PanicKind::from_number)
        .map_or_else(|| "unknown panic".to_owned(), |k| k.as_str().to_owned())
}

/// The signature (e.g. `register()`) of the peaqOS contract function with this selector, or of
/// a precompile function (DID, Batch), if any.
pub fn function_signature(selector: &[u8]) -> Option<String> {
    let selector = <[u8; 4]>::try_from(selector).ok()?;
    [
        DIDPrecompile::DIDPrecompileCalls::signature_by_selector,
        BatchPrecompile::BatchPrecompileCalls::signature_by_selector,
        IdentityRegistry::IdentityRegistryCalls::signature_by_selector,
        IdentityStaking::IdentityStakingCalls::signature_by_selector,
        EventRegistry::EventRegistryCalls::signature_by_selector,
        MachineNFT::MachineNFTCalls::signature_by_selector,
        AdminFlags::AdminFlagsCalls::signature_by_selector,
        MachineAccountFactory::MachineAccountFactoryCalls::signature_by_selector,
        MachineSmartAccount::MachineSmartAccountCalls::signature_by_selector,
        MachineNFTAdapter::MachineNFTAdapterCalls::signature_by_selector,
        MachineNFTBase::MachineNFTBaseCalls::signature_by_selector,
        DIDStandin::DIDStandinCalls::signature_by_selector,
        WPEAQStandin::WPEAQStandinCalls::signature_by_selector,
    ]
    .iter()
    .find_map(|lookup| lookup(selector))
    .map(str::to_owned)
}

/// The error for revert `data` seen while calling `called` and doing `context` (e.g.
/// `estimating register()`): code = the custom error's name (`AlreadyRegistered`, …), or
/// [`TX_REVERTED`] when the data is empty, unknown, `Error(string)` or `Panic(uint256)`.
pub fn rpc_error_from_revert(data: &[u8], called: Option<ContractName>, context: &str) -> Error {
    let revert = Revert::decode_from(data, called);
    let message = match &revert {
        Revert::Unknown(_) => format!("{} ({context})", revert.message()),
        _ => revert.message(),
    };
    Error::reverted(revert, message)
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

/// What each custom error means and what to do, by selector. The first 14 are the official
/// SDK's messages, word for word (its "known revert" table); the rest are ours. An error shared
/// by several contracts has one selector, so one entry.
fn message_for(selector: [u8; 4]) -> Option<&'static str> {
    Some(match selector {
        // The official SDK's table.
        <IdentityRegistry::AlreadyRegistered as SolError>::SELECTOR => {
            "Machine address is already registered"
        }
        <IdentityRegistry::InvalidMachineAddress as SolError>::SELECTOR => {
            "Invalid machine address (zero address not allowed)"
        }
        <IdentityStaking::AmountZero as SolError>::SELECTOR => {
            "Bond amount must be greater than zero"
        }
        <IdentityStaking::AlreadyStaked as SolError>::SELECTOR => {
            "Machine is already bonded/staked"
        }
        <EventRegistry::MachineNotBonded as SolError>::SELECTOR => "Machine is not bonded",
        <IdentityRegistry::MachineNotFound as SolError>::SELECTOR => {
            "Machine not found in the registry"
        }
        <MachineNFT::AlreadyMinted as SolError>::SELECTOR => "NFT already minted for this machine",
        <IdentityRegistry::NotMachineOwner as SolError>::SELECTOR => {
            "Caller is not the machine owner"
        }
        <MachineNFT::RecipientMustBeMachineOwner as SolError>::SELECTOR => {
            "Operator mint requires recipient to be the machine owner"
        }
        <IdentityRegistry::InvalidAddress as SolError>::SELECTOR => {
            "Invalid address (zero address not allowed)"
        }
        <EventRegistry::MachineDeactivated as SolError>::SELECTOR => "Machine is deactivated",
        <EventRegistry::NotAuthorizedSubmitter as SolError>::SELECTOR => {
            "Caller is not authorized submitter"
        }
        <EventRegistry::InvalidEventType as SolError>::SELECTOR => "Invalid event type",
        <EventRegistry::InvalidTrustLevel as SolError>::SELECTOR => "Invalid trust level",
        // IdentityRegistry.
        <IdentityRegistry::BondBelowFloor as SolError>::SELECTOR => {
            "The bond is below the registry's floor; choose a larger minimum bond"
        }
        <IdentityRegistry::BondNotRequired as SolError>::SELECTOR => {
            "No bond is required for this operation; send no value"
        }
        <IdentityRegistry::ContractNotConfigured as SolError>::SELECTOR => {
            "The IdentityRegistry is not wired to its staking contract or bond token; the \
             deployment is incomplete"
        }
        <IdentityRegistry::ETHTransferFailed as SolError>::SELECTOR => {
            "The native token transfer failed; check the recipient"
        }
        <IdentityRegistry::IdentityNFTSoulbound as SolError>::SELECTOR => {
            "Identity NFTs are soulbound and cannot be transferred"
        }
        <IdentityRegistry::IncorrectBondAmount as SolError>::SELECTOR => {
            "The value sent is not the registry's minBond(); read minBond() and send exactly that"
        }
        <IdentityRegistry::InvalidStatus as SolError>::SELECTOR => {
            "The machine is not in a status that allows this operation"
        }
        <IdentityRegistry::WalletAlreadyBound as SolError>::SELECTOR => {
            "This wallet is already bound to a machine"
        }
        // IdentityStaking.
        <IdentityStaking::NotAuthorized as SolError>::SELECTOR => {
            "Caller is not authorized to stake (only the IdentityRegistry may)"
        }
        // EventRegistry.
        <EventRegistry::FutureTimestamp as SolError>::SELECTOR => {
            "Event timestamp is in the future; use a time at or before now"
        }
        <EventRegistry::InvalidCurrencyShape as SolError>::SELECTOR => {
            "Invalid currency: revenue needs 3-10 uppercase letters or digits (e.g. USD), \
             activity needs an empty currency"
        }
        <EventRegistry::MetadataTooLarge as SolError>::SELECTOR => {
            "Event metadata is too large (at most 4096 bytes)"
        }
        <EventRegistry::OffsetOutOfBounds as SolError>::SELECTOR => {
            "Offset is beyond the machine's event count"
        }
        // AdminFlags.
        <AdminFlags::InvalidTrustOverride as SolError>::SELECTOR => {
            "Trust override out of range (at most 10000)"
        }
        <AdminFlags::MachineNotFlagged as SolError>::SELECTOR => "The machine is not flagged",
        <AdminFlags::NoTrustOverride as SolError>::SELECTOR => {
            "The machine has no trust override to clear"
        }
        // MachineAccountFactory / MachineSmartAccount.
        <MachineSmartAccount::BatchTooLarge as SolError>::SELECTOR => "Too many calls in one batch",
        <MachineSmartAccount::ExecutionFailed as SolError>::SELECTOR => {
            "The call made by the smart account failed without a reason"
        }
        <MachineSmartAccount::LengthMismatch as SolError>::SELECTOR => {
            "Batch arrays have different lengths"
        }
        <MachineSmartAccount::OnlyEntryPoint as SolError>::SELECTOR => {
            "Only the ERC-4337 EntryPoint may call this"
        }
        <MachineSmartAccount::OnlyOwner as SolError>::SELECTOR => {
            "Only the smart account's owner (or its machine) may call this"
        }
        <MachineSmartAccount::SelfCallBlocked as SolError>::SELECTOR => {
            "A smart account cannot call itself"
        }
        <MachineAccountFactory::Create2EmptyBytecode as SolError>::SELECTOR => {
            "CREATE2 deployment with empty bytecode"
        }
        <MachineAccountFactory::FailedDeployment as SolError>::SELECTOR => {
            "The smart account deployment failed"
        }
        <MachineAccountFactory::InsufficientBalance as SolError>::SELECTOR => {
            "Insufficient balance for the deployment"
        }
        <MachineSmartAccount::ECDSAInvalidSignature as SolError>::SELECTOR => "Invalid signature",
        <MachineSmartAccount::ECDSAInvalidSignatureLength as SolError>::SELECTOR => {
            "Invalid signature length (expected 65 bytes)"
        }
        <MachineSmartAccount::ECDSAInvalidSignatureS as SolError>::SELECTOR => {
            "Invalid signature (s value in the upper half order)"
        }
        // Bridge (MachineNFTAdapter / MachineNFTBase, LayerZero ONFT).
        <MachineNFTAdapter::BridgePausedByNFT as SolError>::SELECTOR => {
            "Bridging is paused because the Machine NFT contract is paused"
        }
        <MachineNFTAdapter::InvalidDelegate as SolError>::SELECTOR => "Invalid LayerZero delegate",
        <MachineNFTAdapter::InvalidEndpointCall as SolError>::SELECTOR => {
            "Invalid LayerZero endpoint call"
        }
        <MachineNFTAdapter::InvalidOptions as SolError>::SELECTOR => "Invalid LayerZero options",
        <MachineNFTAdapter::InvalidReceiver as SolError>::SELECTOR => "Invalid LayerZero receiver",
        <MachineNFTAdapter::LzTokenUnavailable as SolError>::SELECTOR => {
            "Paying fees in LZ token is not supported; pay in native token"
        }
        <MachineNFTAdapter::NoPeer as SolError>::SELECTOR => {
            "No peer is configured for the destination chain"
        }
        <MachineNFTAdapter::NotEnoughNative as SolError>::SELECTOR => {
            "The value sent does not cover the LayerZero native fee; quote again"
        }
        <MachineNFTAdapter::OnlyEndpoint as SolError>::SELECTOR => {
            "Only the LayerZero endpoint may call this"
        }
        <MachineNFTAdapter::OnlyNFTOwner as SolError>::SELECTOR => {
            "Only the NFT's owner may bridge it"
        }
        <MachineNFTAdapter::OnlyPeer as SolError>::SELECTOR => {
            "Only the configured peer may send this message"
        }
        <MachineNFTAdapter::OnlySelf as SolError>::SELECTOR => {
            "Only the contract itself may call this"
        }
        <MachineNFTAdapter::SimulationResult as SolError>::SELECTOR => {
            "LayerZero simulation result"
        }
        // OpenZeppelin: access, pausing, proxies, tokens.
        <IdentityRegistry::OwnableUnauthorizedAccount as SolError>::SELECTOR => {
            "Caller is not the contract owner"
        }
        <IdentityRegistry::OwnableInvalidOwner as SolError>::SELECTOR => {
            "Invalid owner (zero address not allowed)"
        }
        <EventRegistry::EnforcedPause as SolError>::SELECTOR => {
            "The contract is paused; try again after it is unpaused"
        }
        <EventRegistry::ExpectedPause as SolError>::SELECTOR => "The contract is not paused",
        <IdentityRegistry::InvalidInitialization as SolError>::SELECTOR => {
            "The contract is already initialized"
        }
        <IdentityRegistry::NotInitializing as SolError>::SELECTOR => {
            "The contract is not initializing"
        }
        <IdentityRegistry::ReentrancyGuardReentrantCall as SolError>::SELECTOR => {
            "Reentrant call rejected"
        }
        <IdentityRegistry::UUPSUnauthorizedCallContext as SolError>::SELECTOR => {
            "This function must be called through the proxy"
        }
        <IdentityRegistry::UUPSUnsupportedProxiableUUID as SolError>::SELECTOR => {
            "The new implementation is not UUPS compatible"
        }
        <IdentityRegistry::ERC1967InvalidImplementation as SolError>::SELECTOR => {
            "The new implementation is not a contract"
        }
        <IdentityRegistry::ERC1967NonPayable as SolError>::SELECTOR => {
            "This proxy call does not accept value"
        }
        <ERC1967Proxy::ERC1967ProxyUninitialized as SolError>::SELECTOR => {
            "The proxy was deployed without initialization"
        }
        <IdentityRegistry::AddressEmptyCode as SolError>::SELECTOR => {
            "The target address has no code"
        }
        <IdentityRegistry::FailedCall as SolError>::SELECTOR => "An inner call failed",
        <IdentityRegistry::SafeERC20FailedOperation as SolError>::SELECTOR => {
            "A token transfer failed"
        }
        <IdentityStaking::SafeCastOverflowedUintDowncast as SolError>::SELECTOR => {
            "A value does not fit its storage type"
        }
        <IdentityRegistry::ERC721IncorrectOwner as SolError>::SELECTOR => {
            "The sender does not own this token"
        }
        <IdentityRegistry::ERC721InsufficientApproval as SolError>::SELECTOR => {
            "The caller is not approved for this token"
        }
        <IdentityRegistry::ERC721InvalidApprover as SolError>::SELECTOR => "Invalid approver",
        <IdentityRegistry::ERC721InvalidOperator as SolError>::SELECTOR => "Invalid operator",
        <IdentityRegistry::ERC721InvalidOwner as SolError>::SELECTOR => "Invalid token owner",
        <IdentityRegistry::ERC721InvalidReceiver as SolError>::SELECTOR => "Invalid token receiver",
        <IdentityRegistry::ERC721InvalidSender as SolError>::SELECTOR => "Invalid token sender",
        <IdentityRegistry::ERC721NonexistentToken as SolError>::SELECTOR => {
            "The token does not exist"
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use alloy::primitives::Address;
    use peaqos_contracts::Artifact;

    use super::*;

    #[test]
    fn every_error_of_every_artifact_decodes_with_a_message() {
        let mut count = 0;
        for artifact in Artifact::all() {
            for error in artifact.abi.errors() {
                count += 1;
                let mut data = error.selector().to_vec();
                data.extend(std::iter::repeat_n(0u8, 32 * error.inputs.len()));
                let r = Revert::decode(&data);
                assert!(
                    r.is_custom(),
                    "{} of {}",
                    error.name,
                    artifact.contract_name
                );
                assert_eq!(r.name(), Some(error.name.as_str()));
                assert_eq!(r.code(), error.name);
                assert!(
                    message_for(error.selector().0).is_some(),
                    "no message for {}",
                    error.name
                );
                let e = rpc_error_from_revert(&data, None, "test");
                assert_eq!(e.code(), error.name);
            }
        }
        assert_eq!(count, 179, "{count} errors across the artifacts");
        assert_eq!(known_errors().len(), 79);
    }

    #[test]
    fn the_called_contract_decodes_first() {
        let data = MachineNFT::MachineNotFound {}.abi_encode();
        assert!(matches!(
            Revert::decode(&data),
            Revert::IdentityRegistry(IdentityRegistry::IdentityRegistryErrors::MachineNotFound(_))
        ));
        let r = Revert::decode_from(&data, Some(ContractName::MachineNFT));
        assert!(matches!(
            r,
            Revert::MachineNft(MachineNFT::MachineNFTErrors::MachineNotFound(_))
        ));
        assert_eq!(r.contract(), Some(ContractName::MachineNFT));
        assert!(r.is::<EventRegistry::MachineNotFound>());
        assert!(!r.is::<MachineNFT::AlreadyMinted>());
    }

    #[test]
    fn decodes_arguments() {
        let who: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
            .parse()
            .expect("a");
        let data = IdentityRegistry::OwnableUnauthorizedAccount { account: who }.abi_encode();
        let r = Revert::decode(&data);
        assert_eq!(r.code(), "OwnableUnauthorizedAccount");
        assert_eq!(r.args(), vec![who.to_checksum(None)]);
        assert!(
            r.message().contains(&who.to_checksum(None)),
            "{}",
            r.message()
        );
        assert_eq!(
            r.as_error::<AdminFlags::OwnableUnauthorizedAccount>()
                .map(|e| e.account),
            Some(who)
        );
        let data = AdminFlags::InvalidTrustOverride {
            value: U256::from(101),
        }
        .abi_encode();
        assert_eq!(
            Revert::decode(&data).to_string(),
            "InvalidTrustOverride(101)"
        );
    }

    #[test]
    fn official_messages_for_the_known_names() {
        let data = MachineNFT::AlreadyMinted {}.abi_encode();
        let e = rpc_error_from_revert(&data, None, "mint");
        assert_eq!(e.code(), "AlreadyMinted");
        assert!(e.is_revert::<MachineNFT::AlreadyMinted>());
        assert_eq!(e.to_string(), "NFT already minted for this machine");
        let data = IdentityRegistry::AlreadyRegistered {}.abi_encode();
        assert_eq!(
            Revert::decode(&data).selector(),
            Some(FixedBytes::from([0x3a, 0x81, 0xd6, 0xfc]))
        );
    }

    #[test]
    fn error_string_panic_empty_and_unknown() {
        let data = RevertReason::from("Cannot find the item").abi_encode();
        let r = Revert::decode(&data);
        assert!(matches!(&r, Revert::Reason(reason) if reason == "Cannot find the item"));
        assert_eq!(r.name(), Some("Error"));
        assert_eq!(r.code(), TX_REVERTED);
        let e = rpc_error_from_revert(&data, None, "read");
        assert_eq!(e.code(), TX_REVERTED);
        assert!(e.to_string().contains("Cannot find the item"), "{e}");

        let data = Panic::from(0x11).abi_encode();
        let r = Revert::decode(&data);
        assert_eq!(r.name(), Some("Panic"));
        assert!(r.message().contains("overflow"), "{}", r.message());

        for unknown in [&[][..], &[1, 2, 3], &[0xde, 0xad, 0xbe, 0xef]] {
            let r = Revert::decode(unknown);
            assert!(matches!(&r, Revert::Unknown(d) if d.as_ref() == unknown));
            assert_eq!(r.name(), None);
            assert_eq!(r.code(), TX_REVERTED);
        }
        assert_eq!(rpc_error_from_revert(&[], None, "x").code(), TX_REVERTED);
        let e = rpc_error_from_revert(&[0xde, 0xad, 0xbe, 0xef], None, "x");
        assert_eq!(e.code(), TX_REVERTED);
        assert!(e.to_string().contains("0xdeadbeef"), "{e}");
        assert!(e.to_string().ends_with("(x)"), "{e}");
    }

    #[test]
    fn function_signatures_come_from_the_bindings() {
        use alloy::sol_types::SolCall as _;
        assert_eq!(
            function_signature(&IdentityRegistry::registerCall::SELECTOR).as_deref(),
            Some("register()")
        );
        assert_eq!(
            function_signature(&BatchPrecompile::batchAllCall::SELECTOR).as_deref(),
            Some("batchAll(address[],uint256[],bytes[],uint64[])")
        );
        assert_eq!(function_signature(&[0xde, 0xad, 0xbe, 0xef]), None);
    }
}
