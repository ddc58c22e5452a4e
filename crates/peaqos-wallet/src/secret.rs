//! Secret text (a mnemonic, a passphrase, exported key material) that is wiped on drop and
//! never shows in `Debug` or `Display`.

use std::fmt;

use zeroize::Zeroizing;

/// Secret text, zeroized when dropped; `Debug` and `Display` print `<redacted>`.
///
/// Read it with [`SecretString::expose`], and only where it is really needed.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    /// Wraps `s` (which is moved in, so no other copy is left behind by this call).
    pub fn new(s: String) -> Self {
        Self(Zeroizing::new(s))
    }

    /// The secret text. Handle with care: do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for SecretString {
    fn from(s: String) -> Self {
        Self::new(s)
    }
}

impl From<&str> for SecretString {
    fn from(s: &str) -> Self {
        Self::new(s.to_owned())
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString(<redacted>)")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacted() {
        let s = SecretString::from("correct horse battery staple");
        assert_eq!(format!("{s:?}"), "SecretString(<redacted>)");
        assert_eq!(format!("{s}"), "<redacted>");
        assert_eq!(s.expose(), "correct horse battery staple");
    }
}
