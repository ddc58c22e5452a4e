//! Machine ids and the machine status kept by IdentityRegistry.

use std::{fmt, num::NonZeroU64, str::FromStr};

use alloy_primitives::U256;
use serde::{Deserialize, Serialize};

use crate::TypesError;

/// A machine id: the IdentityRegistry token id of a machine's Identity NFT.
///
/// Ids are handed out from 1 upwards; 0 means "not registered" on chain and is rejected here.
/// Ids are `uint256` on chain; peaqOS ids fit in 64 bits, and converting a larger value fails.
/// Serde uses a plain JSON number.
///
/// ```
/// use peaqos_types::{MachineId, U256};
///
/// let id: MachineId = "42".parse()?;
/// assert_eq!(id.get(), 42);
/// assert_eq!(id.to_u256(), U256::from(42u64));
/// let as_u256: U256 = id.into();
/// assert_eq!(as_u256, U256::from(42u64));
/// assert!("0".parse::<MachineId>().is_err());
/// # Ok::<(), peaqos_types::TypesError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct MachineId(NonZeroU64);

impl MachineId {
    /// The first id a registry hands out.
    pub const FIRST: Self = Self(NonZeroU64::MIN);

    /// `id` as a machine id, or `None` for 0.
    pub const fn new(id: u64) -> Option<Self> {
        match NonZeroU64::new(id) {
            Some(id) => Some(Self(id)),
            None => None,
        }
    }

    /// The id as an integer.
    pub const fn get(self) -> u64 {
        self.0.get()
    }

    /// The id as the `uint256` the contracts take. (`U256::from(id)` would pick ruint's
    /// inherent `from`, which does not see this crate's `From` impl; use this or `.into()`.)
    pub const fn to_u256(self) -> U256 {
        U256::from_limbs([self.0.get(), 0, 0, 0])
    }
}

impl TryFrom<u64> for MachineId {
    type Error = TypesError;

    fn try_from(id: u64) -> Result<Self, Self::Error> {
        Self::new(id).ok_or_else(|| TypesError::InvalidMachineId {
            input: id.to_string(),
        })
    }
}

impl TryFrom<U256> for MachineId {
    type Error = TypesError;

    fn try_from(id: U256) -> Result<Self, Self::Error> {
        u64::try_from(id)
            .ok()
            .and_then(Self::new)
            .ok_or_else(|| TypesError::InvalidMachineId {
                input: id.to_string(),
            })
    }
}

impl From<MachineId> for u64 {
    fn from(id: MachineId) -> Self {
        id.get()
    }
}

impl From<MachineId> for U256 {
    fn from(id: MachineId) -> Self {
        id.to_u256()
    }
}

impl FromStr for MachineId {
    type Err = TypesError;

    /// Decimal digits only (no sign, no whitespace), value 1..=u64::MAX.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || TypesError::InvalidMachineId {
            input: s.to_owned(),
        };
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        s.parse::<u64>().ok().and_then(Self::new).ok_or_else(err)
    }
}

impl fmt::Display for MachineId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A machine's status in IdentityRegistry (`machineStatus(id)` / `getMachineStatus(id)`).
///
/// `None → Pending` on registration; the registry owner moves `Pending` to `Verified` or
/// `Rejected`, and can deactivate (and reactivate) any registered machine. Serde uses the
/// on-chain number; [`FromStr`] takes the number or the lowercase name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum MachineStatus {
    /// Not registered (0).
    #[default]
    None = 0,
    /// Registered, awaiting review (1).
    Pending = 1,
    /// Verified by the registry owner (2).
    Verified = 2,
    /// Rejected by the registry owner (3).
    Rejected = 3,
    /// Deactivated by the registry owner (4).
    Deactivated = 4,
}

impl MachineStatus {
    /// All statuses, in on-chain order.
    pub const ALL: [Self; 5] = [
        Self::None,
        Self::Pending,
        Self::Verified,
        Self::Rejected,
        Self::Deactivated,
    ];

    /// The lowercase name (`none`, `pending`, `verified`, `rejected`, `deactivated`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Pending => "pending",
            Self::Verified => "verified",
            Self::Rejected => "rejected",
            Self::Deactivated => "deactivated",
        }
    }

    /// Whether the machine is registered at all (any status but `None`).
    pub const fn is_registered(self) -> bool {
        !matches!(self, Self::None)
    }
}

impl TryFrom<u8> for MachineStatus {
    type Error = TypesError;

    fn try_from(v: u8) -> Result<Self, Self::Error> {
        Self::ALL
            .get(usize::from(v))
            .copied()
            .ok_or_else(|| TypesError::InvalidMachineStatus {
                input: v.to_string(),
            })
    }
}

impl From<MachineStatus> for u8 {
    fn from(s: MachineStatus) -> Self {
        s as Self
    }
}

impl FromStr for MachineStatus {
    type Err = TypesError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s) || (*st as u8).to_string() == s)
            .ok_or_else(|| TypesError::InvalidMachineStatus {
                input: s.to_owned(),
            })
    }
}

impl fmt::Display for MachineStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_id_parses_positive_decimals() {
        assert_eq!("1".parse::<MachineId>().expect("valid").get(), 1);
        assert_eq!("007".parse::<MachineId>().expect("valid").get(), 7);
        assert_eq!(
            "18446744073709551615"
                .parse::<MachineId>()
                .expect("valid")
                .get(),
            u64::MAX
        );
        assert_eq!(MachineId::FIRST.get(), 1);
    }

    #[test]
    fn machine_id_rejects_bad_input() {
        for input in [
            "",
            "0",
            "000",
            "-1",
            "+1",
            " 1",
            "1 ",
            "1.0",
            "0x1",
            "abc",
            "18446744073709551616",
        ] {
            let err = input.parse::<MachineId>().expect_err(input);
            assert_eq!(err.code(), "INVALID_MACHINE_ID", "{input}");
        }
        assert!(MachineId::new(0).is_none());
        assert!(MachineId::try_from(0u64).is_err());
    }

    #[test]
    fn machine_id_u256_conversions() {
        let id = MachineId::try_from(U256::from(5u64)).expect("fits");
        assert_eq!(id.to_u256(), U256::from(5u64));
        assert_eq!(<U256 as From<MachineId>>::from(id), U256::from(5u64));
        assert_eq!(u64::from(id), 5);
        assert!(MachineId::try_from(U256::ZERO).is_err());
        assert!(MachineId::try_from(U256::from(u64::MAX) + U256::from(1u64)).is_err());
        assert_eq!(id.to_string(), "5");
    }

    #[test]
    fn machine_id_serde_as_number() {
        let id = MachineId::new(42).expect("non-zero");
        assert_eq!(serde_json::to_string(&id).expect("serialize"), "42");
        assert_eq!(
            serde_json::from_str::<MachineId>("42").expect("deserialize"),
            id
        );
        assert!(serde_json::from_str::<MachineId>("0").is_err());
        assert!(serde_json::from_str::<MachineId>("-3").is_err());
        assert!(serde_json::from_str::<MachineId>("\"42\"").is_err());
    }

    #[test]
    fn status_from_u8() {
        for (n, s) in MachineStatus::ALL.into_iter().enumerate() {
            let n = u8::try_from(n).expect("small");
            assert_eq!(MachineStatus::try_from(n).expect("valid"), s);
            assert_eq!(u8::from(s), n);
        }
        for bad in [5u8, 9, 255] {
            let err = MachineStatus::try_from(bad).expect_err("out of range");
            assert_eq!(err.code(), "INVALID_MACHINE_STATUS");
        }
    }

    #[test]
    fn status_from_str_and_display() {
        assert_eq!(
            "verified".parse::<MachineStatus>().expect("name"),
            MachineStatus::Verified
        );
        assert_eq!(
            "Pending".parse::<MachineStatus>().expect("name"),
            MachineStatus::Pending
        );
        assert_eq!(
            "4".parse::<MachineStatus>().expect("number"),
            MachineStatus::Deactivated
        );
        assert!("5".parse::<MachineStatus>().is_err());
        assert!("active".parse::<MachineStatus>().is_err());
        assert_eq!(MachineStatus::Rejected.to_string(), "rejected");
        assert!(!MachineStatus::default().is_registered());
        assert!(MachineStatus::Pending.is_registered());
    }

    #[test]
    fn status_serde_as_number() {
        assert_eq!(
            serde_json::to_string(&MachineStatus::Verified).expect("serialize"),
            "2"
        );
        assert_eq!(
            serde_json::from_str::<MachineStatus>("3").expect("deserialize"),
            MachineStatus::Rejected
        );
        assert!(serde_json::from_str::<MachineStatus>("7").is_err());
    }
}
