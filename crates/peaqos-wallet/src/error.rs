//! The crate's error type, with the OWS error codes.
//!
//! | variant | `code()` |
//! | --- | --- |
//! | [`WalletError::WalletNotFound`] | `WALLET_NOT_FOUND` |
//! | [`WalletError::InvalidPassphrase`] | `INVALID_PASSPHRASE` |
//! | [`WalletError::InvalidInput`] | `INVALID_INPUT` (a validation error) |
//! | [`WalletError::PolicyDenied`] | `POLICY_DENIED` |
//! | [`WalletError::ChainNotSupported`] | `CHAIN_NOT_SUPPORTED` |
//! | [`WalletError::InsecurePermissions`] | `INSECURE_PERMISSIONS` |
//! | [`WalletError::Corrupt`] | `VAULT_CORRUPT` |
//! | [`WalletError::Io`] | `VAULT_IO` |
//! | [`WalletError::AuditLog`] | `AUDIT_LOG_FAILED` |
//!
//! No variant ever carries a key, a mnemonic or a passphrase: inputs that may be secret are
//! described, never echoed.

use std::path::PathBuf;

/// Result with [`WalletError`].
pub type Result<T, E = WalletError> = std::result::Result<T, E>;

/// `WALLET_NOT_FOUND`.
pub const WALLET_NOT_FOUND: &str = "WALLET_NOT_FOUND";
/// `INVALID_PASSPHRASE`.
pub const INVALID_PASSPHRASE: &str = "INVALID_PASSPHRASE";
/// `INVALID_INPUT`.
pub const INVALID_INPUT: &str = "INVALID_INPUT";
/// `POLICY_DENIED`.
pub const POLICY_DENIED: &str = "POLICY_DENIED";
/// `CHAIN_NOT_SUPPORTED`.
pub const CHAIN_NOT_SUPPORTED: &str = "CHAIN_NOT_SUPPORTED";

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
}

impl WalletError {
    /// The stable code (see the module docs).
    pub fn code(&self) -> &'static str {
        match self {
            Self::WalletNotFound(_) => WALLET_NOT_FOUND,
            Self::InvalidPassphrase => INVALID_PASSPHRASE,
            Self::InvalidInput { .. } => INVALID_INPUT,
            Self::PolicyDenied(_) => POLICY_DENIED,
            Self::ChainNotSupported(_) => CHAIN_NOT_SUPPORTED,
            Self::InsecurePermissions { .. } => "INSECURE_PERMISSIONS",
            Self::Corrupt { .. } => "VAULT_CORRUPT",
            Self::Io { .. } => "VAULT_IO",
            Self::AuditLog { .. } => "AUDIT_LOG_FAILED",
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
