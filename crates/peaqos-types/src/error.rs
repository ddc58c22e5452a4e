//! The error type of this crate, with stable codes.

use thiserror::Error;

/// Everything that can go wrong when parsing or validating peaqOS vocabulary.
///
/// Every variant has a stable, machine-readable [`code`](TypesError::code) (the same strings
/// the peaqOS SDKs use), and names the offending [`field`](TypesError::field).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum TypesError {
    /// Not a `did:peaq:0x<40 hex>` string.
    #[error("invalid DID {input:?}: {reason}")]
    InvalidDid {
        /// The rejected input.
        input: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// A machine id must be a positive integer that fits in 64 bits.
    #[error("invalid machine id {input:?}: must be an integer > 0")]
    InvalidMachineId {
        /// The rejected input, as text.
        input: String,
    },
    /// A machine status outside 0..=4.
    #[error(
        "invalid machine status {input:?}: must be 0..=4 (none, pending, verified, rejected, deactivated)"
    )]
    InvalidMachineStatus {
        /// The rejected input, as text.
        input: String,
    },
    /// An event type other than 0 (revenue) or 1 (activity).
    #[error("invalid event type {input:?}: must be 0 (revenue) or 1 (activity)")]
    InvalidEventType {
        /// The rejected input, as text.
        input: String,
    },
    /// A trust level other than 0, 1 or 2.
    #[error(
        "invalid trust level {input:?}: must be 0 (self-reported), 1 (on-chain-verifiable) or 2 (hardware-signed)"
    )]
    InvalidTrustLevel {
        /// The rejected input, as text.
        input: String,
    },
    /// A currency code that breaks the on-chain shape rule.
    #[error("invalid currency {input:?}: {reason}")]
    InvalidCurrency {
        /// The rejected input.
        input: String,
        /// The rule it breaks.
        reason: &'static str,
    },
    /// A data visibility other than `public`, `private` or `onchain`.
    #[error("invalid data visibility {input:?}: must be public, private or onchain")]
    InvalidVisibility {
        /// The rejected input.
        input: String,
    },
    /// An unknown network name or chain id.
    #[error("unknown network {input:?}: expected mainnet, agung or local")]
    InvalidNetwork {
        /// The rejected input.
        input: String,
    },
    /// A required environment variable (one of the `*_ADDRESS` variables) is missing or empty.
    #[error("Environment variable {name} is required but not set")]
    MissingEnvVar {
        /// The variable's name.
        name: &'static str,
    },
    /// A value that should be a 20-byte hex address is not one.
    #[error("invalid address in {field}: {input:?} is not a 0x-prefixed 20-byte hex address")]
    InvalidAddress {
        /// Where the address came from (an env var name or a field name).
        field: &'static str,
        /// The rejected input.
        input: String,
    },
    /// Not a valid SS58 account address (shape, network prefix or checksum).
    #[error("invalid SS58 address {input:?}: {reason}")]
    InvalidSs58Address {
        /// The rejected input.
        input: String,
        /// Why it was rejected.
        reason: &'static str,
    },
}

impl TypesError {
    /// The stable error code, e.g. `INVALID_DID`.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::InvalidDid { .. } => "INVALID_DID",
            Self::InvalidMachineId { .. } => "INVALID_MACHINE_ID",
            Self::InvalidMachineStatus { .. } => "INVALID_MACHINE_STATUS",
            Self::InvalidEventType { .. } => "INVALID_EVENT_TYPE",
            Self::InvalidTrustLevel { .. } => "INVALID_TRUST_LEVEL",
            Self::InvalidCurrency { .. } => "INVALID_CURRENCY",
            Self::InvalidVisibility { .. } => "INVALID_VISIBILITY",
            Self::InvalidNetwork { .. } => "INVALID_NETWORK",
            Self::MissingEnvVar { .. } => "MISSING_ENV_VAR",
            Self::InvalidAddress { .. } | Self::InvalidSs58Address { .. } => "INVALID_ADDRESS",
        }
    }

    /// The field the error is about, in the SDKs' naming (`did`, `machine_id`, `currency`, …,
    /// or the environment variable's name).
    pub const fn field(&self) -> &'static str {
        match self {
            Self::InvalidDid { .. } => "did",
            Self::InvalidMachineId { .. } => "machine_id",
            Self::InvalidMachineStatus { .. } => "status",
            Self::InvalidEventType { .. } => "event_type",
            Self::InvalidTrustLevel { .. } => "trust_level",
            Self::InvalidCurrency { .. } => "currency",
            Self::InvalidVisibility { .. } => "data_visibility",
            Self::InvalidNetwork { .. } => "network",
            Self::MissingEnvVar { name } => name,
            Self::InvalidAddress { field, .. } => field,
            Self::InvalidSs58Address { .. } => "address",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        let cases = [
            (
                TypesError::InvalidDid {
                    input: String::new(),
                    reason: "x",
                },
                "INVALID_DID",
                "did",
            ),
            (
                TypesError::InvalidMachineId { input: "0".into() },
                "INVALID_MACHINE_ID",
                "machine_id",
            ),
            (
                TypesError::InvalidMachineStatus { input: "9".into() },
                "INVALID_MACHINE_STATUS",
                "status",
            ),
            (
                TypesError::InvalidEventType { input: "2".into() },
                "INVALID_EVENT_TYPE",
                "event_type",
            ),
            (
                TypesError::InvalidTrustLevel { input: "3".into() },
                "INVALID_TRUST_LEVEL",
                "trust_level",
            ),
            (
                TypesError::InvalidCurrency {
                    input: "usd".into(),
                    reason: "x",
                },
                "INVALID_CURRENCY",
                "currency",
            ),
            (
                TypesError::InvalidVisibility { input: "x".into() },
                "INVALID_VISIBILITY",
                "data_visibility",
            ),
            (
                TypesError::InvalidNetwork { input: "x".into() },
                "INVALID_NETWORK",
                "network",
            ),
            (
                TypesError::MissingEnvVar {
                    name: "IDENTITY_REGISTRY_ADDRESS",
                },
                "MISSING_ENV_VAR",
                "IDENTITY_REGISTRY_ADDRESS",
            ),
            (
                TypesError::InvalidAddress {
                    field: "MACHINE_NFT_ADDRESS",
                    input: "0x1".into(),
                },
                "INVALID_ADDRESS",
                "MACHINE_NFT_ADDRESS",
            ),
        ];
        for (err, code, field) in cases {
            assert_eq!(err.code(), code, "{err}");
            assert_eq!(err.field(), field, "{err}");
            assert!(!err.to_string().is_empty());
        }
    }

    #[test]
    fn missing_env_var_message_matches_the_sdk() {
        let err = TypesError::MissingEnvVar {
            name: "EVENT_REGISTRY_ADDRESS",
        };
        assert_eq!(
            err.to_string(),
            "Environment variable EVENT_REGISTRY_ADDRESS is required but not set"
        );
    }
}
