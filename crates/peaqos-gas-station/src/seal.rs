//! Encryption at rest of TOTP secrets and QR images: ChaCha20-Poly1305 under the server key,
//! a random 96-bit nonce per value, the owner as associated data (a sealed value cannot be moved
//! to another owner's row).

use chacha20poly1305::{
    ChaCha20Poly1305, Key, KeyInit, Nonce,
    aead::{Aead, Payload},
};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::Error;

/// The 32-byte server key. `Debug` never shows it.
#[derive(Clone)]
pub struct ServerKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for ServerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ServerKey(<redacted>)")
    }
}

impl ServerKey {
    /// From 64 hex digits (an optional `0x` prefix allowed).
    pub fn from_hex(text: &str) -> Result<Self, Error> {
        let text = text.trim();
        let text = text.strip_prefix("0x").unwrap_or(text);
        let mut key = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text, key.as_mut_slice()).map_err(|_| {
            Error::Config("the server key must be 32 bytes as 64 hex digits".into())
        })?;
        Ok(Self(key))
    }

    /// A key derived from `material` (HMAC-SHA-256 under a fixed label): for local stacks, where
    /// the funding key is already the secret that matters.
    pub fn derive(label: &str, material: &[u8]) -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        if let Ok(mut mac) = <Hmac<Sha256> as Mac>::new_from_slice(label.as_bytes()) {
            mac.update(material);
            key.copy_from_slice(&mac.finalize().into_bytes());
        }
        Self(key)
    }

    /// A random key.
    pub fn random() -> Result<Self, Error> {
        let mut key = Zeroizing::new([0u8; 32]);
        getrandom::fill(key.as_mut_slice()).map_err(|e| Error::Internal(format!("rng: {e}")))?;
        Ok(Self(key))
    }

    fn cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(&Key::from(*self.0))
    }

    /// `hex(nonce || ciphertext || tag)` of `plain`, bound to `context`.
    pub fn seal(&self, context: &str, plain: &[u8]) -> Result<String, Error> {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|e| Error::Internal(format!("rng: {e}")))?;
        let sealed = self
            .cipher()
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plain,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| Error::Internal("encryption failed".into()))?;
        let mut out = Vec::with_capacity(12 + sealed.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(hex::encode(out))
    }

    /// Opens a value from [`seal`](Self::seal); fails on another key, context or a tampered value.
    pub fn open(&self, context: &str, sealed_hex: &str) -> Result<Zeroizing<Vec<u8>>, Error> {
        let bytes = hex::decode(sealed_hex)
            .map_err(|_| Error::Internal("a sealed value is not hex".into()))?;
        if bytes.len() < 12 + 16 {
            return Err(Error::Internal("a sealed value is too short".into()));
        }
        let (nonce, sealed) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce
            .try_into()
            .map_err(|_| Error::Internal("a sealed value is too short".into()))?;
        self.cipher()
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: sealed,
                    aad: context.as_bytes(),
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| {
                Error::Internal(
                    "a sealed value does not open with this server key (key changed?)".into(),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_round_trip_and_binding() {
        let key = ServerKey::random().expect("rng");
        let sealed = key.seal("0xowner", b"secret").expect("seal");
        assert!(!sealed.contains(&hex::encode(b"secret")));
        assert_eq!(
            key.open("0xowner", &sealed).expect("open").as_slice(),
            b"secret"
        );
        assert!(key.open("0xother", &sealed).is_err());
        let other = ServerKey::random().expect("rng");
        assert!(other.open("0xowner", &sealed).is_err());
        assert!(!format!("{key:?}").contains(&hex::encode(key.0.as_slice())));
        let from_hex = ServerKey::from_hex(&hex::encode(key.0.as_slice())).expect("hex");
        assert_eq!(
            from_hex.open("0xowner", &sealed).expect("open").as_slice(),
            b"secret"
        );
        assert!(ServerKey::from_hex("abcd").is_err());
    }
}
