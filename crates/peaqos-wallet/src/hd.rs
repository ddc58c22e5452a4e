//! Hierarchical derivation: BIP-32 on secp256k1 and SLIP-10 on ed25519 (hardened only).

use hmac::{Hmac, Mac};
use k256::{
    NonZeroScalar, Scalar,
    elliptic_curve::{PrimeField, sec1::ToEncodedPoint},
};
use sha2::Sha512;
use zeroize::Zeroizing;

use crate::error::{Result, WalletError};

const HARDENED: u32 = 0x8000_0000;

/// Parses `m/44'/60'/0'/0/0` into child indices.
pub(crate) fn parse_path(path: &str) -> Result<Vec<u32>> {
    let bad = || WalletError::invalid("derivation_path", format!("bad path '{path}'"));
    let mut parts = path.split('/');
    if parts.next() != Some("m") {
        return Err(bad());
    }
    parts
        .map(|p| {
            let (num, hard) = match p.strip_suffix('\'').or_else(|| p.strip_suffix('h')) {
                Some(n) => (n, HARDENED),
                None => (p, 0),
            };
            let n: u32 = num.parse().map_err(|_| bad())?;
            if n >= HARDENED {
                return Err(bad());
            }
            Ok(n | hard)
        })
        .collect()
}

fn hmac512(key: &[u8], parts: &[&[u8]]) -> Zeroizing<[u8; 64]> {
    // HMAC accepts keys of any length.
    let mut mac = <Hmac<Sha512> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    for p in parts {
        mac.update(p);
    }
    let mut out = Zeroizing::new([0u8; 64]);
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

/// The secp256k1 private key at `path` (BIP-32) from a BIP-39 seed.
pub(crate) fn derive_secp256k1(seed: &[u8], path: &str) -> Result<Zeroizing<[u8; 32]>> {
    let invalid = || WalletError::invalid("derivation_path", "derivation hit an invalid key");
    let i = hmac512(b"Bitcoin seed", &[seed]);
    let mut key = Zeroizing::new([0u8; 32]);
    let mut chain = Zeroizing::new([0u8; 32]);
    key.copy_from_slice(&i[..32]);
    chain.copy_from_slice(&i[32..]);
    for index in parse_path(path)? {
        let k = Option::<NonZeroScalar>::from(NonZeroScalar::from_repr((*key).into()))
            .ok_or_else(invalid)?;
        let i = if index & HARDENED != 0 {
            hmac512(
                chain.as_ref(),
                &[&[0u8], key.as_ref(), &index.to_be_bytes()],
            )
        } else {
            let public = (k256::ProjectivePoint::GENERATOR * *k)
                .to_affine()
                .to_encoded_point(true);
            hmac512(chain.as_ref(), &[public.as_bytes(), &index.to_be_bytes()])
        };
        let mut il = Zeroizing::new([0u8; 32]);
        il.copy_from_slice(&i[..32]);
        let tweak = Option::<Scalar>::from(Scalar::from_repr((*il).into())).ok_or_else(invalid)?;
        let child = tweak + *k;
        if bool::from(child.is_zero()) {
            return Err(invalid());
        }
        key.copy_from_slice(&child.to_bytes());
        chain.copy_from_slice(&i[32..]);
    }
    Ok(key)
}

/// The ed25519 seed (private key) at `path` (SLIP-10; every level must be hardened).
pub(crate) fn derive_ed25519(seed: &[u8], path: &str) -> Result<Zeroizing<[u8; 32]>> {
    let i = hmac512(b"ed25519 seed", &[seed]);
    let mut key = Zeroizing::new([0u8; 32]);
    let mut chain = Zeroizing::new([0u8; 32]);
    key.copy_from_slice(&i[..32]);
    chain.copy_from_slice(&i[32..]);
    for index in parse_path(path)? {
        if index & HARDENED == 0 {
            return Err(WalletError::invalid(
                "derivation_path",
                "ed25519 (SLIP-10) paths must be fully hardened",
            ));
        }
        let i = hmac512(
            chain.as_ref(),
            &[&[0u8], key.as_ref(), &index.to_be_bytes()],
        );
        key.copy_from_slice(&i[..32]);
        chain.copy_from_slice(&i[32..]);
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    // BIP-32 test vector 1 and SLIP-10 ed25519 test vector 1 (seed 000102…0f).
    const SEED: &str = "000102030405060708090a0b0c0d0e0f";

    #[test]
    fn bip32_vector_1() {
        let seed = hex::decode(SEED).expect("hex");
        for (path, key) in [
            (
                "m",
                "e8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35",
            ),
            (
                "m/0'/1/2'/2/1000000000",
                "471b76e389e528d6de6d816857e012c5455051cad6660850e58372a6c3e6e7c8",
            ),
        ] {
            assert_eq!(
                hex::encode(derive_secp256k1(&seed, path).expect("derive").as_ref()),
                key
            );
        }
    }

    #[test]
    fn slip10_ed25519_vector_1() {
        let seed = hex::decode(SEED).expect("hex");
        for (path, key) in [
            (
                "m",
                "2b4be7f19ee27bbf30c667b642d5f4aa69fd169872f8fc3059c08ebae2eb19e7",
            ),
            (
                "m/0'/1'/2'/2'/1000000000'",
                "8f94d394a8e8fd6b1bc2f3f49f5c47e385281d5c17e65324b0f62483e37e8793",
            ),
        ] {
            assert_eq!(
                hex::encode(derive_ed25519(&seed, path).expect("derive").as_ref()),
                key
            );
        }
        assert!(derive_ed25519(&seed, "m/0").is_err());
    }
}
