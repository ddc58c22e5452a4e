//! The committed compiler artifacts (`artifacts/<Name>.json`): ABI, creation bytecode and
//! runtime bytecode of every contract, embedded in the binary.
//!
//! Regenerate them with `cd contracts && node scripts/build-artifacts.js` (CI checks that the
//! committed files are current).

use std::{fmt, str::FromStr, sync::OnceLock};

use alloy::{json_abi::JsonAbi, primitives::Bytes};
use serde::Deserialize;

/// Every contract with a committed artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContractName {
    /// Machine identities, bonds and the soulbound Identity NFT (UUPS).
    IdentityRegistry,
    /// Holds the registration bonds (UUPS).
    IdentityStaking,
    /// Revenue and activity events (UUPS).
    EventRegistry,
    /// The Machine NFT, a machine's financial twin (UUPS).
    MachineNFT,
    /// Negative flags and trust overrides read by the MCR API (UUPS).
    AdminFlags,
    /// CREATE2 factory of ERC-4337 v0.6 smart accounts.
    MachineAccountFactory,
    /// The smart account implementation behind the factory's beacon.
    MachineSmartAccount,
    /// LayerZero ONFT721 adapter of MachineNFT (peaq side of the bridge).
    MachineNFTAdapter,
    /// LayerZero ONFT721 mirror of MachineNFT (Base side of the bridge).
    MachineNFTBase,
    /// Solidity stand-in of the DID precompile, for nodes without it.
    DIDStandin,
    /// WETH9-style stand-in of the WPEAQ precompile, for nodes without it.
    WPEAQStandin,
    /// OpenZeppelin's ERC-1967 proxy, in front of every UUPS contract.
    ERC1967Proxy,
}

impl ContractName {
    /// Every contract, in a fixed order.
    pub const ALL: [Self; 12] = [
        Self::IdentityRegistry,
        Self::IdentityStaking,
        Self::EventRegistry,
        Self::MachineNFT,
        Self::AdminFlags,
        Self::MachineAccountFactory,
        Self::MachineSmartAccount,
        Self::MachineNFTAdapter,
        Self::MachineNFTBase,
        Self::DIDStandin,
        Self::WPEAQStandin,
        Self::ERC1967Proxy,
    ];

    /// The Solidity contract name (also the artifact's file stem).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::IdentityRegistry => "IdentityRegistry",
            Self::IdentityStaking => "IdentityStaking",
            Self::EventRegistry => "EventRegistry",
            Self::MachineNFT => "MachineNFT",
            Self::AdminFlags => "AdminFlags",
            Self::MachineAccountFactory => "MachineAccountFactory",
            Self::MachineSmartAccount => "MachineSmartAccount",
            Self::MachineNFTAdapter => "MachineNFTAdapter",
            Self::MachineNFTBase => "MachineNFTBase",
            Self::DIDStandin => "DIDStandin",
            Self::WPEAQStandin => "WPEAQStandin",
            Self::ERC1967Proxy => "ERC1967Proxy",
        }
    }

    /// The artifact JSON, as committed.
    pub const fn json(self) -> &'static str {
        match self {
            Self::IdentityRegistry => include_str!("../artifacts/IdentityRegistry.json"),
            Self::IdentityStaking => include_str!("../artifacts/IdentityStaking.json"),
            Self::EventRegistry => include_str!("../artifacts/EventRegistry.json"),
            Self::MachineNFT => include_str!("../artifacts/MachineNFT.json"),
            Self::AdminFlags => include_str!("../artifacts/AdminFlags.json"),
            Self::MachineAccountFactory => include_str!("../artifacts/MachineAccountFactory.json"),
            Self::MachineSmartAccount => include_str!("../artifacts/MachineSmartAccount.json"),
            Self::MachineNFTAdapter => include_str!("../artifacts/MachineNFTAdapter.json"),
            Self::MachineNFTBase => include_str!("../artifacts/MachineNFTBase.json"),
            Self::DIDStandin => include_str!("../artifacts/DIDStandin.json"),
            Self::WPEAQStandin => include_str!("../artifacts/WPEAQStandin.json"),
            Self::ERC1967Proxy => include_str!("../artifacts/ERC1967Proxy.json"),
        }
    }

    const fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for ContractName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error of parsing an unknown contract name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown contract {0:?}")]
pub struct UnknownContract(pub String);

impl UnknownContract {
    /// The stable error code, `UNKNOWN_CONTRACT`.
    pub const fn code(&self) -> &'static str {
        "UNKNOWN_CONTRACT"
    }
}

impl FromStr for ContractName {
    type Err = UnknownContract;

    /// The exact Solidity name, e.g. `IdentityRegistry`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownContract(s.to_owned()))
    }
}

/// One parsed artifact.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Artifact {
    /// The Solidity contract name.
    pub contract_name: String,
    /// The source file, relative to `contracts/` (or an npm package path).
    pub source_name: String,
    /// The compiler version that produced the bytecode.
    pub compiler: String,
    /// The contract's ABI.
    pub abi: JsonAbi,
    /// Creation bytecode (constructor arguments are appended to it).
    pub bytecode: Bytes,
    /// Runtime bytecode (immutables, if any, are zero placeholders).
    pub deployed_bytecode: Bytes,
}

static CACHE: [OnceLock<Artifact>; ContractName::ALL.len()] =
    [const { OnceLock::new() }; ContractName::ALL.len()];

impl Artifact {
    /// The artifact of `name`, parsed on first use.
    ///
    /// # Panics
    ///
    /// Only if a committed artifact is not valid JSON of the expected shape, which the crate's
    /// tests rule out.
    pub fn get(name: ContractName) -> &'static Self {
        CACHE[name.index()].get_or_init(|| {
            serde_json::from_str(name.json())
                .unwrap_or_else(|e| panic!("committed artifact {name} does not parse: {e}"))
        })
    }

    /// The artifact of the contract called `name` (e.g. `"IdentityRegistry"`), if there is one.
    pub fn by_name(name: &str) -> Option<&'static Self> {
        name.parse().ok().map(Self::get)
    }

    /// Every artifact, in [`ContractName::ALL`] order.
    pub fn all() -> impl Iterator<Item = &'static Self> {
        ContractName::ALL.into_iter().map(Self::get)
    }
}

/// A readable description of revert data: `Error(string)` and `Panic(uint256)` decoded, or the
/// name of a custom error declared by any peaqOS contract (e.g. `IncorrectBondAmount()`), or
/// the raw hex (or a note that there was none).
pub fn describe_revert(data: &[u8]) -> String {
    use alloy::sol_types::{Panic, Revert, SolError};

    if let Some(selector) = data.get(..4) {
        if (selector == Revert::SELECTOR || selector == Panic::SELECTOR)
            && let Some(reason) = alloy::sol_types::decode_revert_reason(data)
        {
            return reason;
        }
        for artifact in Artifact::all() {
            if let Some(error) = artifact
                .abi
                .errors()
                .find(|e| e.selector().as_slice() == selector)
            {
                return error.signature();
            }
        }
    }
    if data.is_empty() {
        return "no reason given (empty revert data)".to_owned();
    }
    format!("revert data 0x{}", alloy::hex::encode(data))
}

#[cfg(test)]
mod tests {
    use alloy::sol_types::SolError;

    use super::*;
    use crate::bindings::IdentityRegistry;

    #[test]
    fn every_artifact_parses_and_is_complete() {
        for name in ContractName::ALL {
            let a = Artifact::get(name);
            assert_eq!(a.contract_name, name.as_str());
            assert!(a.compiler.starts_with("0.8."), "{name}: {}", a.compiler);
            assert!(
                !a.abi.functions.is_empty() || name == ContractName::ERC1967Proxy,
                "{name}"
            );
            assert!(a.bytecode.len() > 100, "{name}: creation bytecode");
            assert!(a.deployed_bytecode.len() > 100, "{name}: runtime bytecode");
            assert_eq!(
                Artifact::by_name(name.as_str()).map(|a| &a.contract_name),
                Some(&a.contract_name)
            );
            assert_eq!(name.to_string().parse::<ContractName>(), Ok(name));
        }
        assert!(Artifact::by_name("Nope").is_none());
        assert_eq!(
            "identityregistry"
                .parse::<ContractName>()
                .expect_err("exact")
                .code(),
            "UNKNOWN_CONTRACT"
        );
    }

    #[test]
    fn bindings_embed_the_same_bytecode() {
        let a = Artifact::get(ContractName::IdentityRegistry);
        assert_eq!(&a.bytecode, &IdentityRegistry::BYTECODE);
        assert_eq!(&a.deployed_bytecode, &IdentityRegistry::DEPLOYED_BYTECODE);
    }

    #[test]
    fn describe_revert_names_custom_errors() {
        let data = IdentityRegistry::IncorrectBondAmount {}.abi_encode();
        assert_eq!(describe_revert(&data), "IncorrectBondAmount()");
        let data = alloy::sol_types::Revert::from("Cannot find the item").abi_encode();
        assert_eq!(describe_revert(&data), "revert: Cannot find the item");
        assert_eq!(describe_revert(&[0xde, 0xad]), "revert data 0xdead");
        assert_eq!(describe_revert(&[]), "no reason given (empty revert data)");
        assert_eq!(describe_revert(b"abcdef"), "revert data 0x616263646566");
        let panic = alloy::sol_types::Panic::from(0x11).abi_encode();
        assert!(
            describe_revert(&panic).contains("overflow"),
            "{}",
            describe_revert(&panic)
        );
    }
}
