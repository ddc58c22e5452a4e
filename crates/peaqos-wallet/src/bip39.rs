//! BIP-39 mnemonics (English wordlist): generation, validation, seed.
//!
//! Written here rather than taken from a crate so that entropy, phrase and seed all live in
//! zeroizing buffers; the wordlist comes from `coins-bip39`.

use coins_bip39::{English, Wordlist};
use hmac::Hmac;
use sha2::{Digest, Sha256, Sha512};
use zeroize::Zeroizing;

use crate::{
    crypto::random_bytes,
    error::{Result, WalletError},
    secret::SecretString,
};

fn words() -> &'static [&'static str] {
    English::get_all()
}

/// A fresh mnemonic of 12 or 24 words.
pub fn generate_mnemonic(words_count: u32) -> Result<SecretString> {
    let entropy: Zeroizing<Vec<u8>> = match words_count {
        12 => Zeroizing::new(random_bytes::<16>()?.to_vec()),
        24 => Zeroizing::new(random_bytes::<32>()?.to_vec()),
        _ => return Err(WalletError::invalid("words", "words must be 12 or 24")),
    };
    Ok(entropy_to_phrase(&entropy))
}

/// The phrase for `entropy` (16..=32 bytes, a multiple of 4).
pub(crate) fn entropy_to_phrase(entropy: &[u8]) -> SecretString {
    let checksum = Sha256::digest(entropy);
    let bits = entropy.len() * 8;
    let cs_bits = bits / 32;
    let bit = |i: usize| -> u16 {
        let byte = if i < bits {
            entropy[i / 8]
        } else {
            checksum[(i - bits) / 8]
        };
        u16::from((byte >> (7 - (i % 8))) & 1)
    };
    let list = words();
    let mut phrase = Zeroizing::new(String::with_capacity(24 * 9));
    for w in 0..(bits + cs_bits) / 11 {
        let mut idx = 0u16;
        for b in 0..11 {
            idx = (idx << 1) | bit(w * 11 + b);
        }
        if w > 0 {
            phrase.push(' ');
        }
        phrase.push_str(list[usize::from(idx)]);
    }
    SecretString::new(std::mem::take(&mut *phrase))
}

/// Validates a phrase (12, 15, 18, 21 or 24 English words with a correct checksum) and returns
/// it normalized: lowercase, single spaces. The error never contains the phrase.
pub fn validate_mnemonic(phrase: &str) -> Result<SecretString> {
    let invalid = |m: &str| WalletError::invalid("mnemonic", m.to_owned());
    // Built in place (lowercase, single spaces) so that no unwiped copy of the words remains.
    let mut normalized = Zeroizing::new(String::with_capacity(phrase.len()));
    for word in phrase.split_whitespace() {
        if !normalized.is_empty() {
            normalized.push(' ');
        }
        normalized.extend(word.chars().map(|c| c.to_ascii_lowercase()));
    }
    let list = words();
    let mut indices = Zeroizing::new(Vec::with_capacity(24));
    for w in normalized.split(' ') {
        match list.binary_search(&w) {
            Ok(i) => indices.push(i),
            Err(_) => return Err(invalid("a word is not in the BIP-39 English wordlist")),
        }
    }
    if ![12, 15, 18, 21, 24].contains(&indices.len()) {
        return Err(invalid("expected 12, 15, 18, 21 or 24 words"));
    }
    let total_bits = indices.len() * 11;
    let cs_bits = total_bits / 33;
    let ent_bits = total_bits - cs_bits;
    let mut entropy = Zeroizing::new(vec![0u8; ent_bits / 8]);
    let bit = |i: usize| (indices[i / 11] >> (10 - (i % 11))) & 1;
    for i in 0..ent_bits {
        if bit(i) == 1 {
            entropy[i / 8] |= 1 << (7 - (i % 8));
        }
    }
    let checksum = Sha256::digest(&*entropy);
    for i in 0..cs_bits {
        let expected = (checksum[i / 8] >> (7 - (i % 8))) & 1;
        if usize::from(expected) != bit(ent_bits + i) {
            return Err(invalid("checksum mismatch"));
        }
    }
    Ok(SecretString::new(normalized.to_string()))
}

/// The 64-byte BIP-39 seed of a validated phrase, with an empty BIP-39 passphrase (as OWS).
pub(crate) fn seed(phrase: &SecretString) -> Zeroizing<[u8; 64]> {
    let mut seed = Zeroizing::new([0u8; 64]);
    // Only English phrases are accepted, which are ASCII, so NFKD normalization is the identity.
    let _ = pbkdf2::pbkdf2::<Hmac<Sha512>>(
        phrase.expose().as_bytes(),
        b"mnemonic",
        2048,
        seed.as_mut(),
    );
    seed
}

#[cfg(test)]
mod tests {
    use super::*;

    // Trezor's BIP-39 vectors (passphrase "TREZOR" there; we check the phrase mapping only).
    #[test]
    fn entropy_vectors() {
        let cases = [
            (
                "00000000000000000000000000000000",
                "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
            ),
            (
                "7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
                "legal winner thank year wave sausage worth useful legal winner thank yellow",
            ),
            (
                "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo vote",
            ),
        ];
        for (hex_entropy, phrase) in cases {
            let entropy = hex::decode(hex_entropy).expect("hex");
            assert_eq!(entropy_to_phrase(&entropy).expose(), phrase);
            assert_eq!(validate_mnemonic(phrase).expect("valid").expose(), phrase);
        }
    }

    #[test]
    fn seed_vector() {
        // BIP-39 seed of "abandon … about" with an empty passphrase.
        let phrase = validate_mnemonic(
            "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
        )
        .expect("valid");
        assert_eq!(
            hex::encode(seed(&phrase).as_ref()),
            "5eb00bbddcf069084889a8ab9155568165f5c453ccb85e70811aaed6f6da5fc19a5ac40b389cd370d086206dec8aa6c43daea6690f20ad3d8d48b2d2ce9e38e4"
        );
    }

    #[test]
    fn rejects_bad_phrases_without_echoing() {
        for bad in [
            "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon",
            "abandon abandon",
            "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon notaword",
        ] {
            let err = validate_mnemonic(bad).expect_err(bad);
            assert_eq!(err.code(), "INVALID_INPUT");
            assert!(!err.to_string().contains("abandon"), "{err}");
        }
        let generated = generate_mnemonic(24).expect("generate");
        assert_eq!(generated.expose().split(' ').count(), 24);
        validate_mnemonic(generated.expose()).expect("generated phrase is valid");
        assert!(generate_mnemonic(13).is_err());
    }
}
