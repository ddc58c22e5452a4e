//! peaq DIDs: `did:peaq:0x<40 hex>`.

use std::{fmt, str::FromStr};

use crate::TypesError;
use alloy_primitives::Address;

/// A peaq DID, `did:peaq:<address>`, naming the DID document of one EVM account.
///
/// Parsing accepts the address in any letter case (checksummed or not), and rejects other DID
/// methods, a missing `0x`, and anything but exactly 40 hex digits. Display always prints the
/// EIP-55 checksummed address, and serde uses the same string form.
///
/// ```
/// use peaqos_types::Did;
///
/// let did: Did = "did:peaq:0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266".parse()?;
/// assert_eq!(did.to_string(), "did:peaq:0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
/// # Ok::<(), peaqos_types::TypesError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Did(Address);

impl Did {
    /// The method prefix every peaq DID starts with.
    pub const PREFIX: &'static str = "did:peaq:";

    /// The DID of `address`.
    pub const fn new(address: Address) -> Self {
        Self(address)
    }

    /// The account this DID names (the `did_account` of the DID precompile).
    pub const fn address(&self) -> Address {
        self.0
    }
}

impl From<Address> for Did {
    fn from(address: Address) -> Self {
        Self(address)
    }
}

impl From<Did> for Address {
    fn from(did: Did) -> Self {
        did.0
    }
}

impl FromStr for Did {
    type Err = TypesError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason| TypesError::InvalidDid {
            input: s.to_owned(),
            reason,
        };
        let rest = s
            .strip_prefix(Self::PREFIX)
            .ok_or_else(|| err("must start with did:peaq:"))?;
        let hex = rest
            .strip_prefix("0x")
            .or_else(|| rest.strip_prefix("0X"))
            .ok_or_else(|| err("the address must start with 0x"))?;
        if hex.len() != 40 {
            return Err(err("the address must have exactly 40 hex digits"));
        }
        let mut bytes = [0u8; 20];
        for (i, pair) in hex.as_bytes().chunks_exact(2).enumerate() {
            let hi = hex_value(pair[0]).ok_or_else(|| err("the address must be hex"))?;
            let lo = hex_value(pair[1]).ok_or_else(|| err("the address must be hex"))?;
            bytes[i] = (hi << 4) | lo;
        }
        Ok(Self(Address::from(bytes)))
    }
}

const fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl fmt::Display for Did {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `Address`'s Display is the EIP-55 checksum form.
        write!(f, "{}{}", Self::PREFIX, self.0)
    }
}

crate::address::serde_as_string!(Did);

#[cfg(test)]
mod tests {
    use super::*;

    const CHECKSUMMED: &str = "did:peaq:0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

    #[test]
    fn parses_any_case_and_prints_checksummed() {
        for input in [
            CHECKSUMMED,
            "did:peaq:0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
            "did:peaq:0xF39FD6E51AAD88F6F4CE6AB8827279CFFFB92266",
            "did:peaq:0XF39FD6E51AAD88F6F4CE6AB8827279CFFFB92266",
        ] {
            let did: Did = input.parse().expect("valid DID");
            assert_eq!(did.to_string(), CHECKSUMMED, "{input}");
        }
    }

    #[test]
    fn address_round_trip() {
        let did: Did = CHECKSUMMED.parse().expect("valid DID");
        let address: Address = did.into();
        assert_eq!(Did::from(address), did);
        assert_eq!(Did::new(address).address(), address);
    }

    #[test]
    fn rejects_bad_input() {
        for input in [
            "",
            "did:peaq:",
            "did:peaq:0x",
            "did:key:0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
            "DID:PEAQ:0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
            "did:peaq:f39fd6e51aad88f6f4ce6ab8827279cfffb92266",
            "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
            "did:peaq:0xf39fd6e51aad88f6f4ce6ab8827279cfffb9226",
            "did:peaq:0xf39fd6e51aad88f6f4ce6ab8827279cfffb922666",
            "did:peaq:0xg39fd6e51aad88f6f4ce6ab8827279cfffb92266",
            "did:peaq:0xf39fd6e51aad88f6f4ce6ab8827279cfffb9226 ",
            " did:peaq:0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
            "did:peaq:0xf39fd6e51aad88f6f4ce6ab8827279cfffb9226é",
        ] {
            let err = input.parse::<Did>().expect_err(input);
            assert_eq!(err.code(), "INVALID_DID", "{input}");
        }
    }

    #[test]
    fn serde_as_string() {
        let did: Did = CHECKSUMMED.to_lowercase().parse().expect("valid DID");
        let json = serde_json::to_string(&did).expect("serialize");
        assert_eq!(json, format!("\"{CHECKSUMMED}\""));
        let back: Did = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, did);
        assert!(serde_json::from_str::<Did>("\"did:peaq:0x12\"").is_err());
        assert!(serde_json::from_str::<Did>("42").is_err());
    }
}
