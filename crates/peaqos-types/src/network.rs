//! Networks and the contract addresses deployed on them.

use std::{fmt, str::FromStr};

use alloy_primitives::{Address, address};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{
    TypesError,
    constants::{
        AGUNG_CHAIN_ID, BATCH_PRECOMPILE_ADDRESS, DID_PRECOMPILE_ADDRESS, ENV_ADMIN_FLAGS_ADDRESS,
        ENV_BATCH_PRECOMPILE_ADDRESS, ENV_DID_REGISTRY_ADDRESS, ENV_EVENT_REGISTRY_ADDRESS,
        ENV_IDENTITY_REGISTRY_ADDRESS, ENV_IDENTITY_STAKING_ADDRESS,
        ENV_MACHINE_ACCOUNT_FACTORY_ADDRESS, ENV_MACHINE_NFT_ADAPTER_ADDRESS,
        ENV_MACHINE_NFT_ADDRESS, LOCAL_CHAIN_ID, PEAQ_CHAIN_ID, PEAQ_LZ_EID,
    },
};

/// The addresses a peaqOS client talks to: six required, three optional.
///
/// Field names match the `*_ADDRESS` environment variables (see
/// [`constants`](crate::constants)) and the `deployed_contracts` keys of peaq's `peaqos.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ContractAddresses {
    /// IdentityRegistry (UUPS proxy).
    pub identity_registry: Address,
    /// IdentityStaking (UUPS proxy).
    pub identity_staking: Address,
    /// EventRegistry (UUPS proxy).
    pub event_registry: Address,
    /// MachineNFT (UUPS proxy).
    pub machine_nft: Address,
    /// The DID precompile (or a stand-in).
    pub did_registry: Address,
    /// The Batch precompile.
    pub batch_precompile: Address,
    /// MachineAccountFactory (ERC-4337 smart accounts), if deployed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine_account_factory: Option<Address>,
    /// MachineNFTAdapter (LayerZero bridge to Base), if deployed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine_nft_adapter: Option<Address>,
    /// AdminFlags (read by the MCR API), if deployed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_flags: Option<Address>,
}

impl ContractAddresses {
    /// The peaq mainnet deployment (docs.peaq.xyz "Smart contracts" page).
    ///
    /// The documentation shows two EventRegistry addresses; this is the one of the contracts
    /// and install pages, `0x43c6c12e…39b9`. Override it with `EVENT_REGISTRY_ADDRESS`.
    /// Note that the docs print that address with an invalid EIP-55 checksum
    /// (`0x43c6c12eecAf4fB3F164375A9c44f8a6Efc139b9`), which strict parsers reject; use the
    /// checksummed form `0x43C6c12eeCAF4fB3f164375a9c44f8a6EFc139b9` or all lowercase.
    pub const fn peaq_mainnet() -> Self {
        Self {
            identity_registry: address!("0xb53Af985765031936311273599389b5B68aC9956"),
            identity_staking: address!("0x11c05A650704136786253e8685f56879A202b1C7"),
            event_registry: address!("0x43c6c12eecAf4fB3F164375A9c44f8a6Efc139b9"),
            machine_nft: address!("0x2943F80e9DdB11B9Dd275499C661Df78F5F691F9"),
            did_registry: DID_PRECOMPILE_ADDRESS,
            batch_precompile: BATCH_PRECOMPILE_ADDRESS,
            machine_account_factory: Some(address!("0x4A808d5A90A2c91739E92C70aF19924e0B3D527f")),
            machine_nft_adapter: Some(address!("0x9AD5408702EC204441A88589B99ADfC2514AFAE6")),
            admin_flags: Some(address!("0x1c5f33fBEE6BA38ed9bDE247C1Ba89A2116C25f1")),
        }
    }

    /// The agung testnet deployment (docs.peaq.xyz "Smart contracts" page).
    ///
    /// Bridging does not work on agung (LayerZero has no route agung ↔ Base), even though the
    /// adapter is deployed.
    pub const fn agung() -> Self {
        Self {
            identity_registry: address!("0x9E9463a65c7B74623b3b6Cdc39F71be7274e5971"),
            identity_staking: address!("0x55f336714aDb0749DbFE33b057a1702405564E3d"),
            event_registry: address!("0x2DAD8905380993940e340C5cE6d313d5c2780040"),
            machine_nft: address!("0xB41C2A4f1c19b6B06beaAce0F5CD8439e77C4b1c"),
            did_registry: DID_PRECOMPILE_ADDRESS,
            batch_precompile: BATCH_PRECOMPILE_ADDRESS,
            machine_account_factory: Some(address!("0x65a4DfEB799dFf8CF15f13816d648a7805d6b1F9")),
            machine_nft_adapter: Some(address!("0x63fD7e64A38e50D1486Bc569B4CaCeD38528De22")),
            admin_flags: Some(address!("0x4181a2Aa34aFb247450FfcBd65be5aBD4Cbee658")),
        }
    }

    /// The addresses a fresh local stack deploys (`peaqos dev`, `peaqos-devnet`: dev account 0,
    /// nonces from genesis; a CLI test checks them against a real devnet). No bridge adapter.
    pub const fn local() -> Self {
        Self {
            identity_registry: address!("0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"),
            identity_staking: address!("0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9"),
            event_registry: address!("0x5FC8d32690cc91D4c39d9d3abcBD16989F875707"),
            machine_nft: address!("0xa513E6E4b8f2a923D98304ec87F64353C4D5C853"),
            did_registry: DID_PRECOMPILE_ADDRESS,
            batch_precompile: BATCH_PRECOMPILE_ADDRESS,
            machine_account_factory: Some(address!("0x610178dA211FEF7D417bC0e6FeD39F05609AD788")),
            machine_nft_adapter: None,
            admin_flags: Some(address!("0x8A791620dd6260079BF849Dc5567aDC3F2FdC318")),
        }
    }

    /// Reads the addresses from `lookup` (usually `|k| std::env::var(k).ok()`), the way the SDK's
    /// `from_env` does: the six required variables in order (missing or empty →
    /// [`TypesError::MissingEnvVar`]), then the optional ones (missing or empty → `None`).
    /// Addresses may be in any letter case, with or without `0x`.
    pub fn from_lookup<F>(mut lookup: F) -> Result<Self, TypesError>
    where
        F: FnMut(&str) -> Option<String>,
    {
        let mut optional = |name: &'static str| -> Result<Option<Address>, TypesError> {
            match lookup(name) {
                Some(v) if !v.is_empty() => {
                    v.parse::<Address>()
                        .map(Some)
                        .map_err(|_| TypesError::InvalidAddress {
                            field: name,
                            input: v,
                        })
                }
                _ => Ok(None),
            }
        };
        let mut required = |name: &'static str| -> Result<Address, TypesError> {
            optional(name)?.ok_or(TypesError::MissingEnvVar { name })
        };
        let identity_registry = required(ENV_IDENTITY_REGISTRY_ADDRESS)?;
        let identity_staking = required(ENV_IDENTITY_STAKING_ADDRESS)?;
        let event_registry = required(ENV_EVENT_REGISTRY_ADDRESS)?;
        let machine_nft = required(ENV_MACHINE_NFT_ADDRESS)?;
        let did_registry = required(ENV_DID_REGISTRY_ADDRESS)?;
        let batch_precompile = required(ENV_BATCH_PRECOMPILE_ADDRESS)?;
        Ok(Self {
            identity_registry,
            identity_staking,
            event_registry,
            machine_nft,
            did_registry,
            batch_precompile,
            machine_account_factory: optional(ENV_MACHINE_ACCOUNT_FACTORY_ADDRESS)?,
            machine_nft_adapter: optional(ENV_MACHINE_NFT_ADAPTER_ADDRESS)?,
            admin_flags: optional(ENV_ADMIN_FLAGS_ADDRESS)?,
        })
    }

    /// `(variable name, address)` for every address that is set, required ones first, e.g. to
    /// write a `.env` file. Addresses are EIP-55 checksummed when displayed.
    pub fn env_vars(&self) -> Vec<(&'static str, Address)> {
        let mut vars = vec![
            (ENV_IDENTITY_REGISTRY_ADDRESS, self.identity_registry),
            (ENV_IDENTITY_STAKING_ADDRESS, self.identity_staking),
            (ENV_EVENT_REGISTRY_ADDRESS, self.event_registry),
            (ENV_MACHINE_NFT_ADDRESS, self.machine_nft),
            (ENV_DID_REGISTRY_ADDRESS, self.did_registry),
            (ENV_BATCH_PRECOMPILE_ADDRESS, self.batch_precompile),
        ];
        let optional = [
            (
                ENV_MACHINE_ACCOUNT_FACTORY_ADDRESS,
                self.machine_account_factory,
            ),
            (ENV_MACHINE_NFT_ADAPTER_ADDRESS, self.machine_nft_adapter),
            (ENV_ADMIN_FLAGS_ADDRESS, self.admin_flags),
        ];
        vars.extend(optional.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
        vars
    }
}

/// A peaq network peaqOS runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Network {
    /// peaq mainnet (chain id 3338).
    Mainnet,
    /// The agung testnet (chain id 9990).
    Agung,
    /// The local peaqOS devnet (chain id [`LOCAL_CHAIN_ID`]); addresses depend on the deployment.
    Local,
}

impl Network {
    /// All networks.
    pub const ALL: [Self; 3] = [Self::Mainnet, Self::Agung, Self::Local];

    /// Every name a network is known by (canonical names, preset names and aliases), as
    /// [`FromStr`] accepts them (in any case).
    pub const ALIASES: [(&'static str, Self); 6] = [
        ("mainnet", Self::Mainnet),
        ("testnet", Self::Agung),
        ("local", Self::Local),
        ("peaq", Self::Mainnet),
        ("agung", Self::Agung),
        ("devnet", Self::Local),
    ];

    /// The canonical name: `mainnet`, `agung`, `local`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Mainnet => "mainnet",
            Self::Agung => "agung",
            Self::Local => "local",
        }
    }

    /// The EVM chain id.
    pub const fn chain_id(self) -> u64 {
        match self {
            Self::Mainnet => PEAQ_CHAIN_ID,
            Self::Agung => AGUNG_CHAIN_ID,
            Self::Local => LOCAL_CHAIN_ID,
        }
    }

    /// The network with this chain id, if it is one of ours.
    pub const fn from_chain_id(chain_id: u64) -> Option<Self> {
        match chain_id {
            PEAQ_CHAIN_ID => Some(Self::Mainnet),
            AGUNG_CHAIN_ID => Some(Self::Agung),
            LOCAL_CHAIN_ID => Some(Self::Local),
            _ => None,
        }
    }

    /// The preset contract addresses; `None` for [`Network::Local`], whose addresses come from
    /// its deployment.
    pub const fn addresses(self) -> Option<ContractAddresses> {
        match self {
            Self::Mainnet => Some(ContractAddresses::peaq_mainnet()),
            Self::Agung => Some(ContractAddresses::agung()),
            Self::Local => None,
        }
    }

    /// The built-in settings of this network: endpoints, contracts and the Gas Station's chain
    /// name (what `peaqos init` writes; no download).
    pub const fn preset(self) -> NetworkPreset {
        match self {
            Self::Mainnet => NetworkPreset {
                network: self,
                name: "mainnet",
                rpc_url: "https://peaq.api.onfinality.io/public",
                mcr_api_url: "https://mcr.peaq.xyz",
                gas_station_url: "https://depinstation.peaq.xyz",
                contracts: ContractAddresses::peaq_mainnet(),
                faucet_chain: "peaq",
            },
            Self::Agung => NetworkPreset {
                network: self,
                name: "testnet",
                rpc_url: "https://peaq-agung.api.onfinality.io/public",
                mcr_api_url: "",
                gas_station_url: "",
                contracts: ContractAddresses::agung(),
                faucet_chain: "agung",
            },
            Self::Local => NetworkPreset {
                network: self,
                name: "local",
                rpc_url: LOCAL_RPC_URL,
                mcr_api_url: LOCAL_MCR_API_URL,
                gas_station_url: LOCAL_GAS_STATION_URL,
                contracts: ContractAddresses::local(),
                faucet_chain: "local",
            },
        }
    }

    /// The LayerZero V2 endpoint id, where bridging is possible (mainnet only).
    pub const fn lz_eid(self) -> Option<u32> {
        match self {
            Self::Mainnet => Some(PEAQ_LZ_EID),
            Self::Agung | Self::Local => None,
        }
    }
}

/// The JSON-RPC URL of the local stack's devnet.
pub const LOCAL_RPC_URL: &str = "http://127.0.0.1:8545";
/// The URL of the local stack's MCR API.
pub const LOCAL_MCR_API_URL: &str = "http://127.0.0.1:8000";
/// The URL of the local stack's Gas Station.
pub const LOCAL_GAS_STATION_URL: &str = "http://127.0.0.1:8001";

/// The built-in settings of one [`Network`] ([`Network::preset`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetworkPreset {
    /// The network.
    pub network: Network,
    /// The preset's name, the value of `PEAQOS_NETWORK`: `mainnet`, `testnet` or `local`.
    pub name: &'static str,
    /// The JSON-RPC URL.
    pub rpc_url: &'static str,
    /// The MCR API URL (empty when there is none).
    pub mcr_api_url: &'static str,
    /// The Gas Station URL (empty when there is none).
    pub gas_station_url: &'static str,
    /// The contract addresses (for `local`, those of a fresh local stack).
    pub contracts: ContractAddresses,
    /// The Gas Station's `chainId` for this network.
    pub faucet_chain: &'static str,
}

impl NetworkPreset {
    /// The preset names `peaqos init` offers, in order.
    pub const NAMES: [&'static str; 3] = [
        Network::Mainnet.preset().name,
        Network::Agung.preset().name,
        Network::Local.preset().name,
    ];
}

impl FromStr for Network {
    type Err = TypesError;

    /// Accepts a name of [`Network::ALIASES`] (any case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALIASES
            .into_iter()
            .find(|(name, _)| s.eq_ignore_ascii_case(name))
            .map(|(_, n)| n)
            .ok_or_else(|| TypesError::InvalidNetwork {
                input: s.to_owned(),
            })
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Network {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Network {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::constants::{OPTIONAL_ADDRESS_ENV_VARS, REQUIRED_ADDRESS_ENV_VARS};

    /// The addresses as the docs print them. All but one are valid EIP-55: the mainnet
    /// EventRegistry `0x43c6c12eecAf…39b9` has a wrong checksum in every place the docs show it.
    const DOC_ADDRESSES: [(&str, bool); 17] = [
        ("0xb53Af985765031936311273599389b5B68aC9956", true),
        ("0x11c05A650704136786253e8685f56879A202b1C7", true),
        ("0x43c6c12eecAf4fB3F164375A9c44f8a6Efc139b9", false),
        ("0x2943F80e9DdB11B9Dd275499C661Df78F5F691F9", true),
        ("0x4A808d5A90A2c91739E92C70aF19924e0B3D527f", true),
        ("0x9AD5408702EC204441A88589B99ADfC2514AFAE6", true),
        ("0x1c5f33fBEE6BA38ed9bDE247C1Ba89A2116C25f1", true),
        ("0x9E9463a65c7B74623b3b6Cdc39F71be7274e5971", true),
        ("0x55f336714aDb0749DbFE33b057a1702405564E3d", true),
        ("0x2DAD8905380993940e340C5cE6d313d5c2780040", true),
        ("0xB41C2A4f1c19b6B06beaAce0F5CD8439e77C4b1c", true),
        ("0x65a4DfEB799dFf8CF15f13816d648a7805d6b1F9", true),
        ("0x63fD7e64A38e50D1486Bc569B4CaCeD38528De22", true),
        ("0x4181a2Aa34aFb247450FfcBd65be5aBD4Cbee658", true),
        ("0x0000000000000000000000000000000000000800", true),
        ("0x0000000000000000000000000000000000000805", true),
        ("0x43c6AF2E14dc1327dc3cc6c7117D1CD72fffEcbA", true),
    ];

    #[test]
    fn presets_match_the_docs() {
        let m = ContractAddresses::peaq_mainnet();
        let a = ContractAddresses::agung();
        let preset: Vec<Address> = m
            .env_vars()
            .into_iter()
            .chain(a.env_vars())
            .map(|(_, v)| v)
            .collect();
        assert_eq!(preset.len(), 18);
        for (doc, checksum_ok) in DOC_ADDRESSES {
            let parsed: Address = doc.parse().expect("hex address");
            assert_eq!(
                Address::parse_checksummed(doc, None).is_ok(),
                checksum_ok,
                "{doc}"
            );
            // every documented address but the other EventRegistry candidate is a preset
            if doc != "0x43c6AF2E14dc1327dc3cc6c7117D1CD72fffEcbA" {
                assert!(preset.contains(&parsed), "{doc} is not in a preset");
            }
        }
        assert_eq!(m.did_registry, DID_PRECOMPILE_ADDRESS);
        assert_eq!(m.batch_precompile, BATCH_PRECOMPILE_ADDRESS);
        assert_eq!(
            m.event_registry,
            "0x43c6c12eecaf4fb3f164375a9c44f8a6efc139b9"
                .parse::<Address>()
                .expect("hex")
        );
        assert_ne!(m, a);
    }

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn from_lookup_round_trips_env_vars() {
        let m = ContractAddresses::peaq_mainnet();
        let vars: HashMap<String, String> = m
            .env_vars()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_string()))
            .collect();
        let back = ContractAddresses::from_lookup(|k| vars.get(k).cloned()).expect("complete");
        assert_eq!(back, m);
    }

    #[test]
    fn from_lookup_reports_the_first_missing_required_var() {
        let lower = "0x0000000000000000000000000000000000000abc";
        let mut vars = env(&[]);
        for (i, name) in REQUIRED_ADDRESS_ENV_VARS.iter().enumerate() {
            let err =
                ContractAddresses::from_lookup(|k| vars.get(k).cloned()).expect_err("missing");
            assert_eq!(err, TypesError::MissingEnvVar { name });
            assert_eq!(err.field(), *name);
            // an empty value counts as missing
            vars.insert((*name).to_owned(), String::new());
            assert!(
                ContractAddresses::from_lookup(|k| vars.get(k).cloned()).is_err(),
                "{i}"
            );
            vars.insert((*name).to_owned(), lower.to_owned());
        }
        let got = ContractAddresses::from_lookup(|k| vars.get(k).cloned()).expect("complete");
        assert_eq!(got.machine_account_factory, None);
        assert_eq!(got.admin_flags, None);
        for name in OPTIONAL_ADDRESS_ENV_VARS {
            vars.insert(name.to_owned(), String::new());
        }
        let got = ContractAddresses::from_lookup(|k| vars.get(k).cloned()).expect("complete");
        assert_eq!(got.machine_nft_adapter, None);
        vars.insert(
            OPTIONAL_ADDRESS_ENV_VARS[0].to_owned(),
            lower.to_uppercase().replace('X', "x"),
        );
        let got = ContractAddresses::from_lookup(|k| vars.get(k).cloned()).expect("complete");
        assert!(got.machine_account_factory.is_some());
    }

    #[test]
    fn from_lookup_rejects_bad_addresses() {
        let mut vars: HashMap<String, String> = ContractAddresses::agung()
            .env_vars()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_string()))
            .collect();
        for bad in [
            "0x12",
            "hello",
            "0xZZ00000000000000000000000000000000000000",
        ] {
            vars.insert(ENV_MACHINE_NFT_ADDRESS.to_owned(), bad.to_owned());
            let err = ContractAddresses::from_lookup(|k| vars.get(k).cloned()).expect_err(bad);
            assert_eq!(err.code(), "INVALID_ADDRESS");
            assert_eq!(err.field(), ENV_MACHINE_NFT_ADDRESS);
        }
    }

    #[test]
    fn contract_addresses_serde() {
        let a = ContractAddresses::agung();
        let json = serde_json::to_value(a).expect("serialize");
        assert_eq!(
            json["identity_registry"]
                .as_str()
                .map(str::to_lowercase)
                .as_deref(),
            Some("0x9e9463a65c7b74623b3b6cdc39f71be7274e5971")
        );
        let back: ContractAddresses = serde_json::from_value(json).expect("deserialize");
        assert_eq!(back, a);
        let mut minimal = serde_json::to_value(a).expect("serialize");
        let obj = minimal.as_object_mut().expect("object");
        obj.remove("admin_flags");
        obj.remove("machine_nft_adapter");
        obj.remove("machine_account_factory");
        let back: ContractAddresses = serde_json::from_value(minimal).expect("optional fields");
        assert_eq!(back.admin_flags, None);
    }

    #[test]
    fn networks() {
        for n in Network::ALL {
            assert_eq!(Network::from_chain_id(n.chain_id()), Some(n));
            assert_eq!(n.as_str().parse::<Network>().expect("own name"), n);
            assert_eq!(n.to_string(), n.as_str());
            let json = serde_json::to_string(&n).expect("serialize");
            assert_eq!(
                serde_json::from_str::<Network>(&json).expect("deserialize"),
                n
            );
        }
        assert_eq!(Network::Mainnet.chain_id(), 3338);
        assert_eq!(Network::Agung.chain_id(), 9990);
        assert_eq!(Network::Local.chain_id(), 33380);
        assert_eq!(Network::from_chain_id(31337), None);
        assert_eq!("testnet".parse::<Network>().expect("alias"), Network::Agung);
        assert_eq!("PEAQ".parse::<Network>().expect("alias"), Network::Mainnet);
        assert_eq!("devnet".parse::<Network>().expect("alias"), Network::Local);
        assert_eq!(
            "base".parse::<Network>().expect_err("unknown").code(),
            "INVALID_NETWORK"
        );
        assert_eq!(
            Network::Mainnet.addresses(),
            Some(ContractAddresses::peaq_mainnet())
        );
        assert_eq!(Network::Local.addresses(), None);
        assert_eq!(Network::Mainnet.lz_eid(), Some(30302));
        assert_eq!(Network::Agung.lz_eid(), None);
    }
}
