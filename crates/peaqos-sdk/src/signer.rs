//! Who signs the client's transactions.
//!
//! [`Signer`] is either a local private key ([`Signer::Local`]) or any alloy
//! [`TxSigner`] ([`Signer::External`]): a vault signer that decrypts its key for each signature,
//! a hardware wallet, a remote signer. The client only ever asks it for its address and to sign
//! a fully built transaction.
//!
//! Secrets never reach `Debug` output: [`Signer`] and [`PrivateKey`] print the address only.

use std::{fmt, str::FromStr, sync::Arc};

use alloy::{
    network::{EthereumWallet, TxSigner},
    primitives::{Address, B256, Signature},
    signers::local::PrivateKeySigner,
};

use crate::{Error, ValidationError};

/// The constraint a private key must meet.
pub const PRIVATE_KEY_CONSTRAINT: &str = "0x-prefixed 32-byte hex (64 hex digits)";

/// Signs the client's transactions.
#[derive(Clone)]
#[non_exhaustive]
pub enum Signer {
    /// A private key held in memory (zeroized on drop).
    Local(PrivateKeySigner),
    /// Any alloy transaction signer, e.g. a vault signer that decrypts its key per signature.
    External(Arc<dyn TxSigner<Signature> + Send + Sync>),
}

impl Signer {
    /// A local signer from a hex private key (`0x` + 64 hex digits; the `0x` may be omitted).
    ///
    /// The error names the field `private_key` and never contains the key.
    pub fn from_private_key(key: &str) -> crate::Result<Self> {
        PrivateKey::parse(key, "private_key").map(|k| k.signer())
    }

    /// A signer for a custom [`TxSigner`] (a vault, a hardware wallet, a remote signer).
    pub fn external(signer: impl TxSigner<Signature> + Send + Sync + 'static) -> Self {
        Self::External(Arc::new(signer))
    }

    /// The signing address.
    pub fn address(&self) -> Address {
        match self {
            Self::Local(s) => s.address(),
            Self::External(s) => s.address(),
        }
    }

    /// An alloy wallet that signs with this signer.
    pub fn wallet(&self) -> EthereumWallet {
        match self {
            Self::Local(s) => EthereumWallet::new(s.clone()),
            Self::External(s) => EthereumWallet::new(s.clone()),
        }
    }
}

impl From<PrivateKeySigner> for Signer {
    fn from(s: PrivateKeySigner) -> Self {
        Self::Local(s)
    }
}

impl From<PrivateKey> for Signer {
    fn from(k: PrivateKey) -> Self {
        Self::Local(k.0)
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            Self::Local(_) => "Local",
            Self::External(_) => "External",
        };
        f.debug_struct("Signer")
            .field("kind", &kind)
            .field("address", &format_args!("{}", self.address()))
            .field("key", &"<redacted>")
            .finish()
    }
}

/// A secp256k1 private key whose `Debug` and `Display` never show the key.
///
/// The key material is zeroized when the value is dropped; [`PrivateKey::to_hex`] hands out a
/// copy on request, which the caller is then responsible for.
#[derive(Clone)]
pub struct PrivateKey(PrivateKeySigner);

impl PrivateKey {
    /// A fresh random key.
    pub fn random() -> Self {
        Self(PrivateKeySigner::random())
    }

    /// Parses `0x` + 64 hex digits (the `0x` may be omitted). `field` names the input in the
    /// validation error (e.g. `private_key` or `PEAQOS_PRIVATE_KEY`); the error never shows the
    /// key.
    pub fn parse(key: &str, field: &str) -> crate::Result<Self> {
        let invalid = |why: &str| {
            Error::Validation(
                ValidationError::new(
                    field,
                    PRIVATE_KEY_CONSTRAINT,
                    format!("{field} must be a {PRIVATE_KEY_CONSTRAINT}: {why}"),
                )
                .with_value("<redacted>"),
            )
        };
        let hex = key
            .strip_prefix("0x")
            .or_else(|| key.strip_prefix("0X"))
            .unwrap_or(key);
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(invalid("expected 64 hex digits"));
        }
        let bytes: B256 = hex.parse().map_err(|_| invalid("not hex"))?;
        PrivateKeySigner::from_bytes(&bytes)
            .map(Self)
            .map_err(|_| invalid("not a valid secp256k1 scalar (zero or above the curve order)"))
    }

    /// The address of this key (EIP-55 checksummed when displayed).
    pub fn address(&self) -> Address {
        self.0.address()
    }

    /// The key as `0x` + 64 lowercase hex digits. Handle with care.
    pub fn to_hex(&self) -> String {
        format!("0x{}", alloy::hex::encode(self.0.to_bytes()))
    }

    /// The key's 32 bytes. Handle with care.
    pub fn to_bytes(&self) -> B256 {
        self.0.to_bytes()
    }

    /// A local [`Signer`] for this key.
    pub fn signer(&self) -> Signer {
        Signer::Local(self.0.clone())
    }
}

impl FromStr for PrivateKey {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s, "private_key")
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("address", &format_args!("{}", self.address()))
            .field("key", &"<redacted>")
            .finish()
    }
}

impl fmt::Display for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted private key>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    #[test]
    fn parses_with_and_without_prefix() {
        let a = PrivateKey::parse(KEY, "k").expect("valid");
        let b = PrivateKey::parse(&KEY[2..], "k").expect("valid");
        assert_eq!(a.address(), b.address());
        assert_eq!(a.to_hex(), KEY);
        assert_eq!(
            a.address().to_string(),
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        );
        assert_eq!(Signer::from(a).address(), b.address());
    }

    #[test]
    fn rejects_bad_keys_without_echoing_them() {
        let zero = format!("0x{}", "0".repeat(64));
        for bad in [
            "",
            "0x",
            "0x1234",
            &KEY[..60],
            &format!("{KEY}00"),
            &zero,
            &KEY.replace('a', "g"),
        ] {
            let err = PrivateKey::parse(bad, "PEAQOS_PRIVATE_KEY").expect_err(bad);
            let Error::Validation(v) = &err else {
                panic!("validation error expected")
            };
            assert_eq!(v.field, "PEAQOS_PRIVATE_KEY");
            assert_eq!(v.value.as_deref(), Some("<redacted>"));
            if bad.len() > 8 {
                assert!(!err.to_string().contains(&bad[4..]), "{err}");
            }
        }
    }

    #[test]
    fn debug_redacts() {
        let k = PrivateKey::parse(KEY, "k").expect("valid");
        let s = k.signer();
        for text in [
            format!("{k:?}"),
            format!("{k}"),
            format!("{s:?}"),
            format!("{s:#?}"),
        ] {
            assert!(!text.contains(&KEY[2..]), "{text}");
            assert!(!text.contains(&KEY[10..30]), "{text}");
        }
        assert!(format!("{s:?}").contains("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));
    }
}
