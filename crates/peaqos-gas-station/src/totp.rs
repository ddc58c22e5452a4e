//! TOTP per RFC 6238 (HMAC-SHA-1, 30 s steps, 6 digits), base32 secrets (RFC 4648) and the
//! `otpauth://` URI authenticator apps read.

use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// Seconds per TOTP step.
pub const STEP_SECONDS: u64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// Bytes of a generated secret (160 bits, as RFC 4226 recommends).
pub const SECRET_LEN: usize = 20;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Base32 (RFC 4648, no padding) of `bytes`.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decodes base32 (any case, spaces and `=` padding ignored); `None` on other characters or an
/// empty result.
pub fn base32_decode(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    let mut out = Zeroizing::new(Vec::with_capacity(text.len() * 5 / 8));
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        if c == b'=' || c == b' ' {
            continue;
        }
        let v = ALPHABET.iter().position(|&a| a == c.to_ascii_uppercase())?;
        buffer = (buffer << 5) | v as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
        buffer &= (1 << bits) - 1;
    }
    (!out.is_empty()).then_some(out)
}

/// The HOTP value (RFC 4226) of `secret` at `counter`, as a zero-padded 6-digit string.
pub fn hotp(secret: &[u8], counter: u64) -> Zeroizing<String> {
    // HMAC accepts keys of any length; the error branch cannot happen.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else {
        return Zeroizing::new(String::new());
    };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let binary = (u32::from(digest[offset] & 0x7f) << 24)
        | (u32::from(digest[offset + 1]) << 16)
        | (u32::from(digest[offset + 2]) << 8)
        | u32::from(digest[offset + 3]);
    Zeroizing::new(format!("{:06}", binary % 10u32.pow(DIGITS)))
}

/// The TOTP step of unix time `unix_seconds`.
pub const fn step_at(unix_seconds: u64) -> u64 {
    unix_seconds / STEP_SECONDS
}

/// The code of `secret` at unix time `unix_seconds`.
pub fn code_at(secret: &[u8], unix_seconds: u64) -> Zeroizing<String> {
    hotp(secret, step_at(unix_seconds))
}

/// The step in `now_step - 1 ..= now_step + 1` whose code equals `code`, compared in constant
/// time (every candidate is computed and compared, whatever matches).
pub fn verify(secret: &[u8], code: &str, now_step: u64) -> Option<u64> {
    let mut found = None;
    for step in [now_step.saturating_sub(1), now_step, now_step + 1] {
        let expected = hotp(secret, step);
        let equal: bool = expected.as_bytes().ct_eq(code.as_bytes()).into();
        if equal && found.is_none() {
            found = Some(step);
        }
    }
    found
}

/// A fresh random secret.
pub fn generate_secret() -> Result<Zeroizing<Vec<u8>>, getrandom::Error> {
    let mut secret = Zeroizing::new(vec![0u8; SECRET_LEN]);
    getrandom::fill(&mut secret)?;
    Ok(secret)
}

/// `otpauth://totp/{issuer}:{account}?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`
/// (Key URI Format as Google Authenticator reads it).
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> Zeroizing<String> {
    Zeroizing::new(format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        percent_encode(issuer),
        percent_encode(account),
        base32_encode(secret),
        percent_encode(issuer),
    ))
}

/// The base32 `secret` parameter of an `otpauth://` URI.
pub fn secret_of_uri(uri: &str) -> Option<Zeroizing<Vec<u8>>> {
    let query = uri.split_once('?')?.1;
    let value = query.split('&').find_map(|kv| kv.strip_prefix("secret="))?;
    base32_decode(value)
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 rows (8 digits there; the last 6 are ours).
    #[test]
    fn rfc6238_vectors() {
        let secret = b"12345678901234567890";
        for (t, full) in [
            (59u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(code_at(secret, t).as_str(), &full[2..], "t={t}");
        }
    }

    /// RFC 4226 appendix D.
    #[test]
    fn rfc4226_vectors() {
        let secret = b"12345678901234567890";
        let expected = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489",
        ];
        for (i, e) in expected.iter().enumerate() {
            assert_eq!(hotp(secret, i as u64).as_str(), *e);
        }
    }

    #[test]
    fn base32_round_trip() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(
            base32_decode("MZXW6YTBOI======").expect("b32").as_slice(),
            b"foobar"
        );
        assert_eq!(
            base32_decode("mzxw6ytboi").expect("b32").as_slice(),
            b"foobar"
        );
        assert!(base32_decode("MZXW1").is_none());
        let s = generate_secret().expect("rng");
        assert_eq!(
            base32_decode(&base32_encode(&s)).expect("b32").as_slice(),
            s.as_slice()
        );
    }

    #[test]
    fn window_and_uri() {
        let secret = b"12345678901234567890";
        let now = 1_000_000u64;
        for (d, ok) in [(-2i64, false), (-1, true), (0, true), (1, true), (2, false)] {
            let step = now.saturating_add_signed(d);
            assert_eq!(
                verify(secret, &hotp(secret, step), now) == Some(step),
                ok,
                "{d}"
            );
        }
        assert_eq!(verify(secret, "abcdef", now), None);
        let uri = otpauth_uri("peaq Gas Station", "0xAb", secret);
        assert!(uri.starts_with("otpauth://totp/peaq%20Gas%20Station:0xAb?secret="));
        assert_eq!(secret_of_uri(&uri).expect("secret").as_slice(), secret);
    }
}
