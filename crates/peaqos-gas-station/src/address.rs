//! Owner and target addresses: the rules are [`EvmAddress`] and [`AccountAddress`] of
//! `peaqos-types`; this module maps them to the keys the store uses.

use alloy::primitives::Address;
use peaqos_types::{AccountAddress, EvmAddress};

/// An EVM address: `0x` + 40 hex digits, the EIP-55 checksum enforced when the letters are of
/// mixed case.
pub fn parse_evm(s: &str) -> Option<Address> {
    s.parse::<EvmAddress>().ok().map(Address::from)
}

/// The key an owner is stored under: an EVM address lower-cased, or an SS58 address (with a
/// valid checksum) as given. `None` when it is neither.
pub fn owner_key(s: &str) -> Option<String> {
    match s.parse::<AccountAddress>().ok()? {
        AccountAddress::Evm(a) => Some(format!("{:#x}", a.address())),
        AccountAddress::Ss58(a) => Some(a.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners() {
        assert_eq!(
            owner_key("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266").as_deref(),
            Some("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266")
        );
        assert!(owner_key("0xF39FD6E51AAD88F6F4CE6AB8827279CFFFB92266").is_some());
        assert!(owner_key("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY").is_some());
        for bad in [
            "",
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92267",
            "0xabc",
            "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKut0Y",
            // A bad SS58 checksum.
            "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ",
            "5Grwva",
            "not an address",
        ] {
            assert!(owner_key(bad).is_none(), "{bad}");
        }
    }
}
