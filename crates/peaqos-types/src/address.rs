//! Account addresses as peaqOS inputs: [`EvmAddress`] (`0x` + 40 hex) and [`Ss58Address`]
//! (a Substrate account), each with one validator (its `FromStr`).

use std::{fmt, str::FromStr};

use crate::TypesError;
use alloy_primitives::Address;
use blake2::{Blake2b512, Digest};

/// An EVM account address written as `0x` + 40 hex digits; when the letters are of mixed case
/// they must be the EIP-55 checksum (all-lowercase and all-uppercase are accepted as is).
///
/// This is the rule of the Gas Station, the SDK's faucet client and the CLI's address
/// arguments. Display prints the EIP-55 form; serde uses the same string form.
///
/// ```
/// use peaqos_types::EvmAddress;
///
/// let a: EvmAddress = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266".parse()?;
/// assert_eq!(a.to_string(), "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
/// assert!("0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266".parse::<EvmAddress>().is_err());
/// # Ok::<(), peaqos_types::TypesError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EvmAddress(Address);

impl EvmAddress {
    /// The address.
    pub const fn new(address: Address) -> Self {
        Self(address)
    }

    /// The address.
    pub const fn address(&self) -> Address {
        self.0
    }

    /// Parses `s`, naming `field` in the error ([`TypesError::InvalidAddress`]).
    pub fn parse_field(field: &'static str, s: &str) -> Result<Self, TypesError> {
        Self::parse_with(field, s, true)
    }

    /// Like [`parse_field`](Self::parse_field) but without the EIP-55 check of mixed-case
    /// input: the rule of the official CLI's `Web3.is_address` (eth-utils 6), which the `peaqos`
    /// CLI keeps for its address flags.
    ///
    /// ```
    /// use peaqos_types::EvmAddress;
    ///
    /// let bad_checksum = "0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
    /// assert!(EvmAddress::parse_any_case("--for", bad_checksum).is_ok());
    /// assert!(EvmAddress::parse_any_case("--for", "0xf39f").is_err());
    /// ```
    pub fn parse_any_case(field: &'static str, s: &str) -> Result<Self, TypesError> {
        Self::parse_with(field, s, false)
    }

    fn parse_with(field: &'static str, s: &str, checksum: bool) -> Result<Self, TypesError> {
        let err = || TypesError::InvalidAddress {
            field,
            input: s.to_owned(),
        };
        let hex = s.strip_prefix("0x").ok_or_else(err)?;
        if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(err());
        }
        let mixed = hex.bytes().any(|b| b.is_ascii_lowercase())
            && hex.bytes().any(|b| b.is_ascii_uppercase());
        let parsed = if mixed && checksum {
            Address::parse_checksummed(s, None).ok()
        } else {
            s.parse().ok()
        };
        parsed.map(Self).ok_or_else(err)
    }
}

impl FromStr for EvmAddress {
    type Err = TypesError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_field("address", s)
    }
}

impl From<Address> for EvmAddress {
    fn from(address: Address) -> Self {
        Self(address)
    }
}

impl From<EvmAddress> for Address {
    fn from(a: EvmAddress) -> Self {
        a.0
    }
}

impl fmt::Display for EvmAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `Address`'s Display is the EIP-55 checksum form.
        self.0.fmt(f)
    }
}

/// A Substrate (SS58) account address, e.g. `5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY`.
///
/// Valid when it is base58 of a one-byte (network 0–63) or two-byte (64–16383) network prefix,
/// a 32-byte account id and the two-byte checksum, the first bytes of
/// blake2b-512(`"SS58PRE"` ‖ prefix ‖ account id). So the decoded length is 35 or 36 bytes
/// (46–48 characters). Any network prefix is accepted. Display prints the address as given
/// (base58 has one spelling per byte string).
///
/// ```
/// use peaqos_types::Ss58Address;
///
/// let alice: Ss58Address = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY".parse()?;
/// assert_eq!(alice.network(), 42);
/// assert!("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ".parse::<Ss58Address>().is_err());
/// # Ok::<(), peaqos_types::TypesError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ss58Address {
    text: String,
    network: u16,
    account_id: [u8; 32],
}

impl Ss58Address {
    /// The checksum's hash prefix.
    const CHECKSUM_PREFIX: &'static [u8] = b"SS58PRE";

    /// The network prefix (42 for generic Substrate, 0 Polkadot, 2 Kusama, …).
    pub const fn network(&self) -> u16 {
        self.network
    }

    /// The 32-byte account id (the public key for sr25519 / ed25519 accounts).
    pub const fn account_id(&self) -> &[u8; 32] {
        &self.account_id
    }

    /// The address as text.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl FromStr for Ss58Address {
    type Err = TypesError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason| TypesError::InvalidSs58Address {
            input: s.to_owned(),
            reason,
        };
        // 36 bytes are at most 50 base58 characters; refuse long input before decoding.
        if s.is_empty() || s.len() > 50 {
            return Err(err("must be 46 to 48 base58 characters"));
        }
        let bytes = bs58::decode(s)
            .into_vec()
            .map_err(|_| err("must be base58"))?;
        let (network, prefix_len) = match (bytes.len(), bytes.first()) {
            (35, Some(&b0)) if b0 < 64 => (u16::from(b0), 1),
            (36, Some(&b0)) if (64..128).contains(&b0) => {
                let b1 = bytes[1];
                let network =
                    (u16::from(b0 & 0x3f) << 2) | u16::from(b1 >> 6) | (u16::from(b1 & 0x3f) << 8);
                (network, 2)
            }
            _ => {
                return Err(err(
                    "must encode a network prefix, a 32-byte account id and a checksum",
                ));
            }
        };
        let (body, checksum) = bytes.split_at(bytes.len() - 2);
        let hash = Blake2b512::new()
            .chain_update(Self::CHECKSUM_PREFIX)
            .chain_update(body)
            .finalize();
        if hash[..2] != *checksum {
            return Err(err("the checksum does not match"));
        }
        let mut account_id = [0u8; 32];
        account_id.copy_from_slice(&body[prefix_len..]);
        Ok(Self {
            text: s.to_owned(),
            network,
            account_id,
        })
    }
}

impl fmt::Display for Ss58Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// The string-form serde of a type with `FromStr` + `Display`.
macro_rules! serde_as_string {
    ($($ty:ty),*) => {
        $(
            impl serde::Serialize for $ty {
                fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    serializer.collect_str(self)
                }
            }

            impl<'de> serde::Deserialize<'de> for $ty {
                fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
                    s.parse().map_err(serde::de::Error::custom)
                }
            }
        )*
    };
}
pub(crate) use serde_as_string;

serde_as_string!(EvmAddress, Ss58Address);

/// An account address a peaqOS service accepts where both kinds are allowed (the Gas
/// Station's `ownerAddress`): EVM or SS58.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AccountAddress {
    /// `0x` + 40 hex.
    Evm(EvmAddress),
    /// A Substrate account.
    Ss58(Ss58Address),
}

impl AccountAddress {
    /// Parses `s` as an [`EvmAddress`], else as an [`Ss58Address`]; the error names `field`.
    pub fn parse_field(field: &'static str, s: &str) -> Result<Self, TypesError> {
        if let Ok(a) = EvmAddress::parse_field(field, s) {
            return Ok(Self::Evm(a));
        }
        s.parse()
            .map(Self::Ss58)
            .map_err(|_| TypesError::InvalidAddress {
                field,
                input: s.to_owned(),
            })
    }
}

impl FromStr for AccountAddress {
    type Err = TypesError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse_field("address", s)
    }
}

impl fmt::Display for AccountAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Evm(a) => a.fmt(f),
            Self::Ss58(a) => a.fmt(f),
        }
    }
}

serde_as_string!(AccountAddress);

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
    const ALICE_KEY: &str = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";

    #[test]
    fn evm_addresses() {
        for ok in [
            "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
            "0xF39FD6E51AAD88F6F4CE6AB8827279CFFFB92266",
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        ] {
            let a: EvmAddress = ok.parse().expect(ok);
            assert_eq!(a.to_string(), "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
        }
        for bad in [
            "",
            "0x",
            "f39fd6e51aad88f6f4ce6ab8827279cfffb92266",
            "0Xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92267",
            "0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
            "0xf39fd6e51aad88f6f4ce6ab8827279cfffb9226",
            "0xf39fd6e51aad88f6f4ce6ab8827279cfffb922666",
            "0xg39fd6e51aad88f6f4ce6ab8827279cfffb92266",
            " 0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
            "0xOwner...",
        ] {
            let err = bad.parse::<EvmAddress>().expect_err(bad);
            assert_eq!((err.code(), err.field()), ("INVALID_ADDRESS", "address"));
        }
        let err = EvmAddress::parse_field("machine_address", "0x1").expect_err("short");
        assert_eq!(err.field(), "machine_address");
    }

    #[test]
    fn ss58_known_addresses() {
        let alice: Ss58Address = ALICE.parse().expect("Alice");
        assert_eq!(alice.network(), 42);
        assert_eq!(alice.account_id().as_slice(), hex(ALICE_KEY));
        assert_eq!(alice.to_string(), ALICE);
        // Alice on other networks (one- and two-byte prefixes), computed independently.
        for (text, network) in [
            ("15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5", 0),
            ("HNZata7iMYWmk5RvZRTiAsSDhV8366zq2YGb3tLH5Upf74F", 2),
            ("yGHXkYLYqxijLKKfd9Q2CB9shRVu8rPNBS53wvwGTutYg4zTg", 255),
            ("vji5kpxBaPKwct6PAdHiJUPCU1hqBEAPaLMF59sXAjn4NeEaJ", 1000),
        ] {
            let a: Ss58Address = text.parse().expect(text);
            assert_eq!(a.network(), network, "{text}");
            assert_eq!(a.account_id(), alice.account_id(), "{text}");
        }
    }

    #[test]
    fn ss58_rejects() {
        for bad in [
            "",
            // One character changed: the checksum no longer matches.
            "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ",
            "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKuuQY",
            // `0` is not base58.
            "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKut0Y",
            "5Grwva",
            "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
            &"1".repeat(60),
        ] {
            let err = bad.parse::<Ss58Address>().expect_err(bad);
            assert_eq!(err.code(), "INVALID_ADDRESS", "{bad}");
        }
    }

    #[test]
    fn account_addresses_and_serde() {
        assert!(matches!(
            ALICE.parse::<AccountAddress>(),
            Ok(AccountAddress::Ss58(_))
        ));
        assert!(matches!(
            "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266".parse::<AccountAddress>(),
            Ok(AccountAddress::Evm(_))
        ));
        let err = AccountAddress::parse_field("owner_address", "nope").expect_err("bad");
        assert_eq!(err.field(), "owner_address");
        let json = serde_json::to_string(&ALICE.parse::<Ss58Address>().expect("Alice"))
            .expect("serialize");
        assert_eq!(json, format!("\"{ALICE}\""));
        assert!(serde_json::from_str::<EvmAddress>("\"0x12\"").is_err());
        let a: EvmAddress =
            serde_json::from_str("\"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266\"").expect("ok");
        assert_eq!(
            serde_json::to_string(&a).expect("serialize"),
            "\"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266\""
        );
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
            .collect()
    }
}
