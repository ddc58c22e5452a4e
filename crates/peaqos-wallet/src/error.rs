//! The crate's error type, with the OWS error codes.
//!
//! | variant | [`WalletError::kind`] | `code()` |
//! | --- | --- | --- |
//! | [`WalletError::WalletNotFound`] | [`WalletCode::WalletNotFound`] | `WALLET_NOT_FOUND` |
//! | [`WalletError::InvalidPassphrase`] | [`WalletCode::InvalidPassphrase`] | `INVALID_PASSPHRASE` |
//! | [`WalletError::InvalidInput`] | [`WalletCode::InvalidInput`] | `INVALID_INPUT` (a validation error) |
//! | [`WalletError::PolicyDenied`] | [`WalletCode::PolicyDenied`] | `POLICY_DENIED` |
//! | [`WalletError::ChainNotSupported`] | [`WalletCode::ChainNotSupported`] | `CHAIN_NOT_SUPPORTED` |
//! | [`WalletError::InsecurePermissions`] | [`WalletCode::InsecurePermissions`] | `INSECURE_PERMISSIONS` |
//! | [`WalletError::Corrupt`] | [`WalletCode::VaultCorrupt`] | `VAULT_CORRUPT` |
//! | [`WalletError::Io`] | [`WalletCode::VaultIo`] | `VAULT_IO` |
//! | [`WalletError::AuditLog`] | [`WalletCode::AuditLogFailed`] | `AUDIT_LOG_FAILED` |
//! | [`WalletError::IdMismatch`] | [`WalletCode::WalletIdMismatch`] | `WALLET_ID_MISMATCH` |
//! | [`WalletError::KdfLimit`] | [`WalletCode::KdfLimitExceeded`] | `KDF_LIMIT_EXCEEDED` |
//!
//! No variant ever carries a key, a mnemonic or a passphrase: inputs that may be secret are
//! described, never echoed.

use std::path::PathBuf;

/// Result with [`WalletError`].
pub type Result<T, E = WalletError> = std::result::Result<T, E>;

/// `WALLET_NOT_FOUND`.
pub const WALLET_NOT_FOUND: &str = WalletCode::WalletNotFound.as_str();
/// `INVALID_PASSPHRASE`.
pub const INVALID_PASSPHRASE: &str = WalletCode::InvalidPassphrase.as_str();
/// `INVALID_INPUT`.
pub const INVALID_INPUT: &str = WalletCode::InvalidInput.as_str();
/// `POLICY_DENIED`.
pub const POLICY_DENIED: &str = WalletCode::PolicyDenied.as_str();
/// `CHAIN_NOT_SUPPORTED`.
pub const CHAIN_NOT_SUPPORTED: &str = WalletCode::ChainNotSupported.as_str();

/// The stable code of a [`WalletError`], without its details: what callers match on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WalletCode {
    /// `WALLET_NOT_FOUND`.
    WalletNotFound,
    /// `INVALID_PASSPHRASE`.
    InvalidPassphrase,
    /// `INVALID_INPUT`.
    InvalidInput,
    /// `POLICY_DENIED`.
    PolicyDenied,
    /// `CHAIN_NOT_SUPPORTED`.
    ChainNotSupported,
    /// `INSECURE_PERMISSIONS`.
    InsecurePermissions,
    /// `VAULT_CORRUPT`.
    VaultCorrupt,
    /// `VAULT_IO`.
    VaultIo,
    /// `AUDIT_LOG_FAILED`.
    AuditLogFailed,
    /// `WALLET_ID_MISMATCH`.
    WalletIdMismatch,
    /// `KDF_LIMIT_EXCEEDED`.
    KdfLimitExceeded,
}

impl WalletCode {
    /// Every code, in the order of the module docs.
    pub const ALL: [Self; 11] = [
        Self::WalletNotFound,
        Self::InvalidPassphrase,
        Self::InvalidInput,
        Self::PolicyDenied,
        Self::ChainNotSupported,
        Self::InsecurePermissions,
        Self::VaultCorrupt,
        Self::VaultIo,
        Self::AuditLogFailed,
        Self::WalletIdMismatch,
        Self::KdfLimitExceeded,
    ];

    /// The stable code string (`WALLET_NOT_FOUND`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::WalletNotFound => "WALLET_NOT_FOUND",
            Self::InvalidPassphrase => "INVALID_PASSPHRASE",
            Self::InvalidInput => "INVALID_INPUT",
            Self::PolicyDenied => "POLICY_DENIED",
            Self::ChainNotSupported => "CHAIN_NOT_SUPPORTED",
            Self::InsecurePermissions => "INSECURE_PERMISSIONS",
            Self::VaultCorrupt => "VAULT_CORRUPT",
            Self::VaultIo => "VAULT_IO",
            Self::AuditLogFailed => "AUDIT_LOG_FAILED",
            Self::WalletIdMismatch => "WALLET_ID_MISMATCH",
            Self::KdfLimitExceeded => "KDF_LIMIT_EXCEEDED",
        }
    }
}

impl std::fmt::Display for WalletCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Every error of the vault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WalletError {
    /// No wallet has this name or id.
    #[error("wallet not found: '{0}'")]
    WalletNotFound(String),
    /// The passphrase does not decrypt the wallet (or the file was tampered with).
    #[error("invalid passphrase: the wallet could not be decrypted")]
    InvalidPassphrase,
    /// Bad input, caught before anything was written.
    #[error("invalid input: {field}: {message}")]
    InvalidInput {
        /// The parameter (`name`, `private_key`, `passphrase`, `words`, …).
        field: &'static str,
        /// What is wrong with it (never the value of a secret).
        message: String,
    },
    /// A policy refused the request.
    #[error("policy denied: {0}")]
    PolicyDenied(String),
    /// The chain is unknown or not supported for this operation.
    #[error("chain not supported: '{0}'")]
    ChainNotSupported(String),
    /// A vault folder or file can be read or written by others.
    #[error(
        "insecure permissions on {path}: mode {mode:o}, expected {expected:o} \
         (run `chmod {expected:o} {path}`)"
    )]
    InsecurePermissions {
        /// The folder or file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
        /// What they must be at most.
        expected: u32,
    },
    /// A vault file cannot be parsed.
    #[error("corrupt vault file {path}: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// A file-system operation failed.
    #[error("vault I/O error: cannot {op} {path}: {source}")]
    Io {
        /// What was being done (`read`, `write`, `lock`, …).
        op: &'static str,
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The operation happened but its audit-log line could not be written.
    #[error("audit log write failed for {path}: {source}")]
    AuditLog {
        /// The log file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A file in `wallets/` whose `id` is not the UUID of its own file name: it was not written
    /// by an OWS tool (or was edited), and is refused rather than trusted, since its `id`
    /// would otherwise choose which file a delete wipes or a rename writes.
    #[error("wallet file {path} refused: {reason}")]
    IdMismatch {
        /// The file (from the folder listing, never from its contents).
        path: PathBuf,
        /// What is wrong (the file's `id`, escaped and shortened).
        reason: String,
    },
    /// The wallet's scrypt parameters exceed the vault's cost limits (see
    /// [`MAX_SCRYPT_MEMORY`](crate::MAX_SCRYPT_MEMORY), [`MAX_SCRYPT_P`](crate::MAX_SCRYPT_P)).
    /// Refused before any key derivation.
    #[error("scrypt parameters refused (n = {n}, r = {r}, p = {p}): {reason}")]
    KdfLimit {
        /// scrypt n.
        n: u64,
        /// scrypt r.
        r: u64,
        /// scrypt p.
        p: u64,
        /// Which limit.
        reason: String,
    },
}

impl WalletError {
    /// The stable code (see the module docs).
    pub fn code(&self) -> &'static str {
        self.kind().as_str()
    }

    /// The typed code, for matching.
    pub const fn kind(&self) -> WalletCode {
        match self {
            Self::WalletNotFound(_) => WalletCode::WalletNotFound,
            Self::InvalidPassphrase => WalletCode::InvalidPassphrase,
            Self::InvalidInput { .. } => WalletCode::InvalidInput,
            Self::PolicyDenied(_) => WalletCode::PolicyDenied,
            Self::ChainNotSupported(_) => WalletCode::ChainNotSupported,
            Self::InsecurePermissions { .. } => WalletCode::InsecurePermissions,
            Self::Corrupt { .. } => WalletCode::VaultCorrupt,
            Self::Io { .. } => WalletCode::VaultIo,
            Self::AuditLog { .. } => WalletCode::AuditLogFailed,
            Self::IdMismatch { .. } => WalletCode::WalletIdMismatch,
            Self::KdfLimit { .. } => WalletCode::KdfLimitExceeded,
        }
    }

    /// Whether this is a validation error (bad caller input): `INVALID_INPUT`.
    pub fn is_validation(&self) -> bool {
        matches!(self, Self::InvalidInput { .. })
    }

    /// An `INVALID_INPUT` error.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::InvalidInput {
            field,
            message: message.into(),
        }
    }

    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            op,
            path: path.into(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::WalletCode;

    #[test]
    fn codes_are_the_documented_strings() {
        let strings: Vec<_> = WalletCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            strings,
            [
                "WALLET_NOT_FOUND",
                "INVALID_PASSPHRASE",
                "INVALID_INPUT",
                "POLICY_DENIED",
                "CHAIN_NOT_SUPPORTED",
                "INSECURE_PERMISSIONS",
                "VAULT_CORRUPT",
                "VAULT_IO",
                "AUDIT_LOG_FAILED",
                "WALLET_ID_MISMATCH",
                "KDF_LIMIT_EXCEEDED",
            ]
        );
    }
}
