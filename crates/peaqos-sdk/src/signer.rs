//! Who signs the client's transactions.
//!
//! [`Signer`] is either a local private key ([`Signer::Local`]) or any alloy
//! [`TxSigner`] ([`Signer::External`]): a vault signer that decrypts its key for each signature,
//! a hardware wallet, a remote signer. The client only ever asks it for its address and to sign
//! a fully built transaction.
//!
//! [`SignerSource`] is the bottom layer every consumer (the CLI, the ROS 2 node, the MCP
//! server) shares: it finds out where the signer comes from (`PEAQOS_OWS_WALLET` in the OWS
//! vault, `PEAQOS_PRIVATE_KEY`, a key file) and resolves it to a [`Signer`]. No source at all
//! is not an error: the client is then read-only, and a write fails with
//! `WALLET_NOT_CONFIGURED`; [`SignerSource::required`] gives the error naming what to set.
//!
//! Secrets never reach `Debug` output: [`Signer`], [`PrivateKey`] and [`SignerSource`] print
//! the address (or the wallet's name) only.

use std::{
    fmt,
    path::{Path, PathBuf},
    str::FromStr,
    sync::Arc,
};

use alloy::{
    network::{EthereumWallet, TxSigner},
    primitives::{Address, B256, Signature},
    signers::local::PrivateKeySigner,
};
use peaqos_wallet::{ENV_PASSPHRASE, ENV_VAULT_PATH, SecretString, Vault, VaultSigner};

use crate::{Error, ValidationError, client::ENV_PRIVATE_KEY};

/// Env var: the OWS vault wallet (name or id) that signs; wins over `PEAQOS_PRIVATE_KEY`.
pub use peaqos_types::constants::ENV_OWS_WALLET;

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

/// Where a client's signer comes from, before anything is decrypted or read.
#[derive(Clone)]
#[non_exhaustive]
pub enum SignerSource {
    /// A private key in memory (e.g. from `PEAQOS_PRIVATE_KEY`).
    Key(PrivateKey),
    /// A file holding one `0x` + 64 hex key (surrounding whitespace ignored).
    KeyFile(PathBuf),
    /// A wallet of the OWS vault.
    Wallet(WalletSource),
}

/// An OWS vault wallet as a signer source.
#[derive(Clone)]
pub struct WalletSource {
    /// The wallet's name or id (`PEAQOS_OWS_WALLET`).
    pub name_or_id: String,
    /// Its passphrase (`OWS_PASSPHRASE`); `None` = ask the process environment at resolution.
    pub passphrase: Option<SecretString>,
    /// The vault folder (`OWS_VAULT_PATH`; default `~/.ows`).
    pub vault_path: Option<PathBuf>,
    /// `true`: decrypt the key for each signature (the official SDKs' vault mode); `false`:
    /// decrypt once, at resolution, so a wrong passphrase fails before any transaction.
    pub ows_signing: bool,
}

impl SignerSource {
    /// The source named by the configuration `lookup` reads (an env var lookup, or a `.env`
    /// over the environment): `PEAQOS_OWS_WALLET` (with `OWS_PASSPHRASE` and `OWS_VAULT_PATH`;
    /// decrypted once) wins over `PEAQOS_PRIVATE_KEY`; `Ok(None)` when neither is set (empty
    /// counts as unset). A malformed key is a validation error whose `field` is
    /// `PEAQOS_PRIVATE_KEY`; the key is never echoed.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> crate::Result<Option<Self>> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        if let Some(name_or_id) = get(ENV_OWS_WALLET) {
            return Ok(Some(Self::Wallet(WalletSource {
                name_or_id,
                passphrase: get(ENV_PASSPHRASE).map(SecretString::new),
                vault_path: get(ENV_VAULT_PATH).map(PathBuf::from),
                ows_signing: false,
            })));
        }
        get(ENV_PRIVATE_KEY)
            .map(|key| PrivateKey::parse(key.trim(), ENV_PRIVATE_KEY).map(Self::Key))
            .transpose()
    }

    /// [`from_lookup`](Self::from_lookup) over the process environment.
    pub fn from_env() -> crate::Result<Option<Self>> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// `source`, or the error of a command that must sign without one: `WALLET_NOT_CONFIGURED`
    /// naming `PEAQOS_PRIVATE_KEY` and `PEAQOS_OWS_WALLET`.
    pub fn required(source: Option<Self>) -> crate::Result<Self> {
        source.ok_or_else(|| {
            Error::rpc(
                crate::error::RpcCode::WalletNotConfigured,
                format!(
                    "No signer configured: set {ENV_PRIVATE_KEY} (a 0x + 64 hex key) or \
                     {ENV_OWS_WALLET} (an OWS vault wallet)"
                ),
            )
        })
    }

    /// The signer: the key itself, the key file read and parsed (errors name the file, never
    /// its content), or the vault wallet (errors map as in [`crate::wallet`], e.g.
    /// `INVALID_PASSPHRASE`, `WALLET_NOT_FOUND`).
    pub fn resolve(&self) -> crate::Result<Signer> {
        match self {
            Self::Key(key) => Ok(key.signer()),
            Self::KeyFile(path) => read_key_file(path).map(|k| k.signer()),
            Self::Wallet(w) => {
                let vault = Vault::open(w.vault_path.as_deref());
                let passphrase = w.passphrase.as_ref().map(SecretString::expose);
                Ok(if w.ows_signing {
                    Signer::external(VaultSigner::new(vault, &w.name_or_id, passphrase)?)
                } else {
                    Signer::Local(vault.evm_signer(&w.name_or_id, passphrase)?)
                })
            }
        }
    }
}

/// Reads a key file: one `0x` + 64 hex key, surrounding whitespace ignored. The validation
/// error's `field` is the path; the content is never echoed.
pub fn read_key_file(path: &Path) -> crate::Result<PrivateKey> {
    let field = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::validation(
            field.clone(),
            "readable file",
            format!("cannot read key file {field}: {e}"),
        )
    })?;
    PrivateKey::parse(text.trim(), &field)
}

impl fmt::Debug for SignerSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Key(key) => f.debug_tuple("Key").field(key).finish(),
            Self::KeyFile(path) => f.debug_tuple("KeyFile").field(path).finish(),
            Self::Wallet(w) => f.debug_tuple("Wallet").field(w).finish(),
        }
    }
}

impl fmt::Debug for WalletSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WalletSource")
            .field("name_or_id", &self.name_or_id)
            .field(
                "passphrase",
                &self.passphrase.as_ref().map(|_| "<redacted>"),
            )
            .field("vault_path", &self.vault_path)
            .field("ows_signing", &self.ows_signing)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_from_a_lookup() {
        let none = SignerSource::from_lookup(|_| None).expect("ok");
        assert!(none.is_none());
        let err = SignerSource::required(none).expect_err("no signer");
        assert_eq!(err.rpc_code(), Some(crate::RpcCode::WalletNotConfigured));
        assert!(err.to_string().contains("PEAQOS_PRIVATE_KEY"), "{err}");
        assert!(err.to_string().contains("PEAQOS_OWS_WALLET"), "{err}");

        let key = SignerSource::from_lookup(|n| (n == ENV_PRIVATE_KEY).then(|| KEY.to_owned()))
            .expect("ok");
        let Some(SignerSource::Key(k)) = &key else {
            panic!("{key:?}")
        };
        assert_eq!(k.to_hex(), KEY);
        assert!(!format!("{key:?}").contains(&KEY[2..]));

        let both = |n: &str| match n {
            ENV_PRIVATE_KEY => Some(KEY.to_owned()),
            ENV_OWS_WALLET => Some("fleet".to_owned()),
            ENV_PASSPHRASE => Some("hunter2".to_owned()),
            _ => None,
        };
        let source = SignerSource::from_lookup(both).expect("ok");
        let Some(SignerSource::Wallet(w)) = &source else {
            panic!("{source:?}")
        };
        assert_eq!(w.name_or_id, "fleet");
        assert!(!format!("{source:?}").contains("hunter2"));

        let bad = SignerSource::from_lookup(|n| (n == ENV_PRIVATE_KEY).then(|| "0x12".to_owned()))
            .expect_err("bad key");
        assert!(
            matches!(&bad, Error::Validation(v) if v.field == ENV_PRIVATE_KEY),
            "{bad:?}"
        );
    }

    #[test]
    fn key_files() {
        let dir = std::env::temp_dir().join(format!("peaqos-sdk-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("key");
        std::fs::write(&path, format!("  {KEY}\n")).expect("write");
        let signer = SignerSource::KeyFile(path.clone()).resolve().expect("key");
        assert_eq!(
            signer.address().to_string(),
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        );
        std::fs::write(&path, "not a key").expect("write");
        let err = SignerSource::KeyFile(path).resolve().expect_err("bad");
        assert!(!err.to_string().contains("not a key"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

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
