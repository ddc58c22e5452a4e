//! The OWS `crypto` envelope: scrypt (n = 65536, r = 8, p = 1, dklen = 32, 32-byte salt) and
//! AES-256-GCM (12-byte IV, 16-byte tag stored apart from the ciphertext as `auth_tag`).
//!
//! The JSON keys are written in the order the reference writes them (alphabetical: it stores
//! the envelope as an untyped JSON object), so our files match its files byte for byte.

use aes_gcm::{Aes256Gcm, KeyInit, Nonce, Tag, aead::AeadInPlace};
use serde_json::{Map, Value, json};
use zeroize::Zeroizing;

use crate::error::{Result, WalletError};

/// scrypt log2(n) for new envelopes (n = 65536), as the reference uses.
pub(crate) const SCRYPT_LOG_N: u8 = 16;
/// scrypt r.
pub(crate) const SCRYPT_R: u32 = 8;
/// scrypt p.
pub(crate) const SCRYPT_P: u32 = 1;
/// Derived key length.
pub(crate) const DKLEN: usize = 32;
const SALT_LEN: usize = 32;
const IV_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// The weakest n accepted when decrypting (refuses downgraded files, like the reference).
const MIN_LOG_N: u8 = 16;
/// The weakest r accepted when decrypting (the reference's floor).
const MIN_R: u64 = 8;

/// The largest scrypt table one unlock may allocate, `128·r·n` bytes: 256 MiB, four times
/// what the official OWS tools write (n = 65536, r = 8: 64 MiB), so n = 2^17 with r = 8 or 16,
/// and n = 2^18 with r = 8 (the "standard" scrypt of Ethereum keystores) still open. The `p`
/// lanes add `128·r·p` bytes (at most 16 KiB within these limits). Larger parameters are
/// refused (`KDF_LIMIT_EXCEEDED`) before any key derivation: a file in the vault must not be
/// able to make an unlock take gigabytes.
pub const MAX_SCRYPT_MEMORY: u64 = 256 << 20;
/// The most parallel lanes (scrypt p) accepted: 4. The official tools write p = 1.
pub const MAX_SCRYPT_P: u64 = 4;
/// The most work one unlock may take, as scrypt's `128·n·r·p` (bytes mixed; time grows with
/// it): 256 MiB, four times the official parameters' 64 MiB, so no file can make an unlock
/// take more than about four times as long as a wallet the official tools wrote.
pub const MAX_SCRYPT_WORK: u64 = 256 << 20;
/// `128·n·r·p` of the parameters we (and the official tools) write: 64 MiB.
const OFFICIAL_WORK: u64 = 128 * (1 << SCRYPT_LOG_N) * SCRYPT_R as u64 * SCRYPT_P as u64;

pub(crate) fn random_bytes<const N: usize>() -> Result<Zeroizing<[u8; N]>> {
    let mut b = Zeroizing::new([0u8; N]);
    getrandom::getrandom(b.as_mut()).map_err(|e| {
        WalletError::io(
            "read random bytes from",
            "the OS",
            std::io::Error::other(e.to_string()),
        )
    })?;
    Ok(b)
}

fn derive_key(passphrase: &[u8], salt: &[u8], log_n: u8, r: u32, p: u32) -> Zeroizing<[u8; 32]> {
    let mut key = Zeroizing::new([0u8; DKLEN]);
    // The parameters were range-checked by the callers, so this cannot fail; a failure would
    // leave the key zero, which then fails authentication instead of panicking.
    if let Ok(params) = scrypt::Params::new(log_n, r, p, DKLEN) {
        let _ = scrypt::scrypt(passphrase, salt, &params, key.as_mut());
    }
    key
}

/// Encrypts `plaintext` under `passphrase` into a fresh envelope (random salt and IV).
pub(crate) fn encrypt(plaintext: &[u8], passphrase: &str) -> Result<Value> {
    let salt = random_bytes::<SALT_LEN>()?;
    let iv = random_bytes::<IV_LEN>()?;
    let key = derive_key(
        passphrase.as_bytes(),
        salt.as_ref(),
        SCRYPT_LOG_N,
        SCRYPT_R,
        SCRYPT_P,
    );
    let cipher = Aes256Gcm::new(&(*key).into());
    let mut buf = Zeroizing::new(plaintext.to_vec());
    let tag = cipher
        .encrypt_in_place_detached(&Nonce::from(*iv), b"", &mut buf)
        .map_err(|_| WalletError::invalid("plaintext", "too long to encrypt"))?;
    // Keys inserted in alphabetical order: the same bytes whether or not serde_json keeps
    // insertion order.
    let mut kdfparams = Map::new();
    kdfparams.insert("dklen".into(), json!(DKLEN));
    kdfparams.insert("n".into(), json!(1u64 << SCRYPT_LOG_N));
    kdfparams.insert("p".into(), json!(SCRYPT_P));
    kdfparams.insert("r".into(), json!(SCRYPT_R));
    kdfparams.insert("salt".into(), json!(hex::encode(salt.as_ref())));
    let mut cipherparams = Map::new();
    cipherparams.insert("iv".into(), json!(hex::encode(iv.as_ref())));
    let mut env = Map::new();
    env.insert("auth_tag".into(), json!(hex::encode(tag)));
    env.insert("cipher".into(), json!("aes-256-gcm"));
    env.insert("cipherparams".into(), Value::Object(cipherparams));
    env.insert("ciphertext".into(), json!(hex::encode(&*buf)));
    env.insert("kdf".into(), json!("scrypt"));
    env.insert("kdfparams".into(), Value::Object(kdfparams));
    Ok(Value::Object(env))
}

struct Parsed {
    ciphertext: Vec<u8>,
    tag: [u8; TAG_LEN],
    iv: [u8; IV_LEN],
    salt: Vec<u8>,
    log_n: u8,
    r: u32,
    p: u32,
}

fn corrupt(reason: &str) -> WalletError {
    WalletError::invalid(
        "crypto",
        format!("unsupported or malformed envelope: {reason}"),
    )
}

fn hex_field(v: &Value, name: &str) -> Result<Vec<u8>> {
    v.get(name)
        .and_then(Value::as_str)
        .and_then(|s| hex::decode(s).ok())
        .ok_or_else(|| corrupt(&format!("{name} missing or not hex")))
}

fn parse(env: &Value) -> Result<Parsed> {
    if env.get("cipher").and_then(Value::as_str) != Some("aes-256-gcm") {
        return Err(corrupt("cipher must be aes-256-gcm"));
    }
    if env.get("kdf").and_then(Value::as_str) != Some("scrypt") {
        return Err(corrupt("kdf must be scrypt"));
    }
    let kp = env
        .get("kdfparams")
        .ok_or_else(|| corrupt("kdfparams missing"))?;
    let int = |name: &str| {
        kp.get(name)
            .and_then(Value::as_u64)
            .ok_or_else(|| corrupt(&format!("kdfparams.{name} missing")))
    };
    let (n, r, p, dklen) = (int("n")?, int("r")?, int("p")?, int("dklen")?);
    if !n.is_power_of_two() || n.trailing_zeros() < u32::from(MIN_LOG_N) {
        return Err(corrupt("scrypt n must be a power of two >= 65536"));
    }
    if r < MIN_R || p < 1 || dklen != DKLEN as u64 {
        return Err(corrupt("scrypt r/p/dklen out of range"));
    }
    check_cost(n, r, p)?;
    let iv: [u8; IV_LEN] = env
        .get("cipherparams")
        .map(|c| hex_field(c, "iv"))
        .ok_or_else(|| corrupt("cipherparams missing"))??
        .try_into()
        .map_err(|_| corrupt("iv must be 12 bytes"))?;
    let tag: [u8; TAG_LEN] = hex_field(env, "auth_tag")?
        .try_into()
        .map_err(|_| corrupt("auth_tag must be 16 bytes"))?;
    Ok(Parsed {
        ciphertext: hex_field(env, "ciphertext")?,
        tag,
        iv,
        salt: hex_field(kp, "salt")?,
        log_n: n.trailing_zeros() as u8,
        // Bounded by check_cost: r <= 256 MiB / (128 n) and p <= MAX_SCRYPT_P.
        r: u32::try_from(r).map_err(|_| corrupt("scrypt r out of range"))?,
        p: u32::try_from(p).map_err(|_| corrupt("scrypt p out of range"))?,
    })
}

/// `KDF_LIMIT_EXCEEDED` unless scrypt(n, r, p) stays within [`MAX_SCRYPT_MEMORY`],
/// [`MAX_SCRYPT_WORK`] and [`MAX_SCRYPT_P`]. Saturating u128 products: no overflow for any
/// u64 input.
pub(crate) fn check_cost(n: u64, r: u64, p: u64) -> Result<()> {
    let refuse = |reason: String| WalletError::KdfLimit { n, r, p, reason };
    let (n128, r128, p128) = (u128::from(n), u128::from(r), u128::from(p));
    if p > MAX_SCRYPT_P {
        return Err(refuse(format!("p above {MAX_SCRYPT_P}")));
    }
    // p <= MAX_SCRYPT_P keeps the lanes (128 r p) negligible next to the table.
    let memory = r128.saturating_mul(n128).saturating_mul(128);
    if memory > u128::from(MAX_SCRYPT_MEMORY) {
        return Err(refuse(format!(
            "needs {} MiB of memory, above the {} MiB limit",
            memory >> 20,
            MAX_SCRYPT_MEMORY >> 20
        )));
    }
    let work = memory.saturating_mul(p128);
    if work > u128::from(MAX_SCRYPT_WORK) {
        return Err(refuse(format!(
            "needs {}× the work of the official parameters, above the {}× limit",
            work / u128::from(OFFICIAL_WORK),
            MAX_SCRYPT_WORK / OFFICIAL_WORK
        )));
    }
    Ok(())
}

/// Decrypts an envelope. A wrong passphrase is `INVALID_PASSPHRASE` and is only known after the
/// full scrypt run, so it costs the same time as a right one.
pub(crate) fn decrypt(env: &Value, passphrase: &str) -> Result<Zeroizing<Vec<u8>>> {
    let parsed = parse(env)?;
    let key = derive_key(
        passphrase.as_bytes(),
        &parsed.salt,
        parsed.log_n,
        parsed.r,
        parsed.p,
    );
    let cipher = Aes256Gcm::new(&(*key).into());
    let mut buf = Zeroizing::new(parsed.ciphertext);
    cipher
        .decrypt_in_place_detached(
            &Nonce::from(parsed.iv),
            b"",
            &mut buf,
            &Tag::from(parsed.tag),
        )
        .map_err(|_| WalletError::InvalidPassphrase)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_wrong_passphrase() {
        let env = encrypt(b"secret words", "pass").expect("encrypt");
        let keys: Vec<_> = env.as_object().expect("object").keys().cloned().collect();
        assert_eq!(
            keys,
            [
                "auth_tag",
                "cipher",
                "cipherparams",
                "ciphertext",
                "kdf",
                "kdfparams"
            ]
        );
        assert_eq!(env["kdfparams"]["n"], 65536);
        assert_eq!(env["auth_tag"].as_str().map(str::len), Some(32));
        assert_eq!(env["cipherparams"]["iv"].as_str().map(str::len), Some(24));
        assert_eq!(env["kdfparams"]["salt"].as_str().map(str::len), Some(64));
        assert_eq!(&*decrypt(&env, "pass").expect("decrypt"), b"secret words");
        let err = decrypt(&env, "wrong").expect_err("wrong passphrase");
        assert_eq!(err.code(), "INVALID_PASSPHRASE");
    }

    #[test]
    fn cost_limits_accept_the_official_parameters_and_refuse_costly_ones() {
        let n16 = 1u64 << 16;
        for (n, r, p) in [
            (n16, 8, 1),       // what the official OWS tools write
            (n16 << 1, 16, 1), // 256 MiB
            (n16 << 2, 8, 1),  // 256 MiB: Ethereum keystores' "standard" scrypt
            (n16, 8, 4),       // 64 MiB, 4 lanes
            (n16, 16, 2),
        ] {
            check_cost(n, r, p).unwrap_or_else(|e| panic!("({n}, {r}, {p}): {e}"));
        }
        for (n, r, p) in [
            (n16, 8, 5),
            (n16 << 2, 16, 1),
            (n16 << 3, 8, 1),
            (n16 << 2, 8, 2),
            (n16, 64, 1),
            (1 << 20, 64, 16),
            (u64::MAX, u64::MAX, 1),
            (1 << 63, 8, 1),
        ] {
            let err = check_cost(n, r, p).expect_err("refused");
            assert_eq!(err.code(), "KDF_LIMIT_EXCEEDED", "({n}, {r}, {p})");
        }
    }

    #[test]
    fn refuses_weak_parameters() {
        let mut env = encrypt(b"x", "pass").expect("encrypt");
        env["kdfparams"]["n"] = json!(1024);
        assert_eq!(
            decrypt(&env, "pass").expect_err("weak").code(),
            "INVALID_INPUT"
        );
    }
}
