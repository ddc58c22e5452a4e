//! Owner and target addresses: the rules are [`EvmAddress`] and [`AccountAddress`] of
//! `peaqos-types`; this module maps them to the keys the store uses. The zero address (and the
//! all-zero SS58 account) is refused everywhere: nobody holds its key, so funding it burns the
//! transfer and enrolling it lets anyone squat a meaningless owner.

use alloy::primitives::Address;
use peaqos_types::{AccountAddress, EvmAddress};

/// An EVM address: `0x` + 40 hex digits, the EIP-55 checksum enforced when the letters are of
/// mixed case. `None` for the zero address.
pub fn parse_evm(s: &str) -> Option<Address> {
    s.parse::<EvmAddress>()
        .ok()
        .map(Address::from)
        .filter(|a| !a.is_zero())
}

/// The key an owner is stored under: an EVM address lower-cased, or an SS58 address (with a
/// valid checksum) as given. `None` when it is neither, or the zero account.
pub fn owner_key(s: &str) -> Option<String> {
    match s.parse::<AccountAddress>().ok()? {
        AccountAddress::Evm(a) if !a.address().is_zero() => Some(format!("{:#x}", a.address())),
        AccountAddress::Ss58(a) if a.account_id() != &[0; 32] => Some(a.to_string()),
        _ => None,
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
            "0x0000000000000000000000000000000000000000",
        ] {
            assert!(owner_key(bad).is_none(), "{bad}");
        }
        assert!(parse_evm("0x0000000000000000000000000000000000000000").is_none());
        assert!(parse_evm("0x0000000000000000000000000000000000000001").is_some());
    }
}
