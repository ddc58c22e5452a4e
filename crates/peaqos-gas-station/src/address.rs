//! Owner and target address formats.

use alloy::primitives::Address;

/// An EVM address: `0x` + 40 hex digits, the EIP-55 checksum enforced when the letters are of
/// mixed case.
pub fn parse_evm(s: &str) -> Option<Address> {
    let hex = s.strip_prefix("0x")?;
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mixed =
        hex.bytes().any(|b| b.is_ascii_lowercase()) && hex.bytes().any(|b| b.is_ascii_uppercase());
    if mixed {
        Address::parse_checksummed(s, None).ok()
    } else {
        s.parse().ok()
    }
}

/// The key an owner is stored under: an EVM address lower-cased, or an SS58 address as given
/// (base58 of 35 or 36 bytes: a one- or two-byte network prefix, 32 bytes of public key, two
/// checksum bytes; the blake2 checksum itself is not verified). `None` when it is neither.
pub fn owner_key(s: &str) -> Option<String> {
    if let Some(a) = parse_evm(s) {
        return Some(format!("{a:#x}"));
    }
    let len = base58_len(s)?;
    matches!(len, 35 | 36).then(|| s.to_owned())
}

/// The decoded length of a base58 string (`None` on a non-base58 character).
fn base58_len(s: &str) -> Option<usize> {
    if s.is_empty() || s.len() > 64 {
        return None;
    }
    bs58::decode(s).into_vec().ok().map(|bytes| bytes.len())
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
            "5Grwva",
            "not an address",
        ] {
            assert!(owner_key(bad).is_none(), "{bad}");
        }
    }
}
