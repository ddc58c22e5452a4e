//! Event parameters of `EventRegistry.submitEvent` and their validation, plus the
//! `data_visibility` DID attribute.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::{
    TypesError,
    constants::{CURRENCY_MAX_LEN, CURRENCY_MIN_LEN},
};

/// The kind of an event: revenue (0) or activity (1).
///
/// Serde uses the on-chain number (as the MCR API does); [`FromStr`] takes the number or the
/// name (`revenue`, `activity`, any case); [`Display`](fmt::Display) prints the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum EventType {
    /// Revenue earned by the machine, in minor units of a currency (0).
    Revenue = 0,
    /// Activity of the machine (work done), with no currency (1).
    Activity = 1,
}

impl EventType {
    /// Both event types, in on-chain order.
    pub const ALL: [Self; 2] = [Self::Revenue, Self::Activity];

    /// The lowercase name (`revenue`, `activity`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Revenue => "revenue",
            Self::Activity => "activity",
        }
    }

    /// The currency the SDK uses when none is given: `USD` for revenue, empty for activity.
    pub const fn default_currency(self) -> &'static str {
        match self {
            Self::Revenue => "USD",
            Self::Activity => "",
        }
    }
}

impl TryFrom<u8> for EventType {
    type Error = TypesError;

    fn try_from(v: u8) -> Result<Self, Self::Error> {
        Self::ALL
            .get(usize::from(v))
            .copied()
            .ok_or_else(|| TypesError::InvalidEventType {
                input: v.to_string(),
            })
    }
}

impl From<EventType> for u8 {
    fn from(t: EventType) -> Self {
        t as Self
    }
}

impl FromStr for EventType {
    type Err = TypesError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s) || (*t as u8).to_string() == s)
            .ok_or_else(|| TypesError::InvalidEventType {
                input: s.to_owned(),
            })
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How far an event can be trusted: self-reported (0), on-chain verifiable (1), or signed by
/// the machine's hardware (2).
///
/// Serde uses the on-chain number; [`FromStr`] takes the number, the display name
/// (`self-reported`, `on-chain-verifiable`, `hardware-signed`, also with `_`), or the CLI's
/// short names (`self`, `onchain`, `hardware`), any case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum TrustLevel {
    /// Reported by the machine or its operator, nothing to check it against (0).
    SelfReported = 0,
    /// Backed by a transaction on a supported chain, named by `sourceTxHash` (1).
    OnChainVerifiable = 1,
    /// Signed by a key held in the machine's hardware (2).
    HardwareSigned = 2,
}

impl TrustLevel {
    /// All trust levels, in on-chain order.
    pub const ALL: [Self; 3] = [
        Self::SelfReported,
        Self::OnChainVerifiable,
        Self::HardwareSigned,
    ];

    /// The display name (`self-reported`, `on-chain-verifiable`, `hardware-signed`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::SelfReported => "self-reported",
            Self::OnChainVerifiable => "on-chain-verifiable",
            Self::HardwareSigned => "hardware-signed",
        }
    }

    /// The CLI's short name (`self`, `onchain`, `hardware`).
    pub const fn short_name(self) -> &'static str {
        match self {
            Self::SelfReported => "self",
            Self::OnChainVerifiable => "onchain",
            Self::HardwareSigned => "hardware",
        }
    }
}

impl TryFrom<u8> for TrustLevel {
    type Error = TypesError;

    fn try_from(v: u8) -> Result<Self, Self::Error> {
        Self::ALL
            .get(usize::from(v))
            .copied()
            .ok_or_else(|| TypesError::InvalidTrustLevel {
                input: v.to_string(),
            })
    }
}

impl From<TrustLevel> for u8 {
    fn from(t: TrustLevel) -> Self {
        t as Self
    }
}

impl FromStr for TrustLevel {
    type Err = TypesError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|t| {
                t.as_str().eq_ignore_ascii_case(s)
                    || t.as_str().replace('-', "_").eq_ignore_ascii_case(s)
                    || t.short_name().eq_ignore_ascii_case(s)
                    || (*t as u8).to_string() == s
            })
            .ok_or_else(|| TypesError::InvalidTrustLevel {
                input: s.to_owned(),
            })
    }
}

impl fmt::Display for TrustLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who may see a machine's data: the `data_visibility` DID attribute.
///
/// The chain stores the lowercase name (`public`, `private`, `onchain`), which is also the serde
/// form; parsing is exact (the SDK writes the value verbatim). The default is `private`. The
/// numbers of [`TryFrom<u8>`] (0 public, 1 private, 2 onchain) are this crate's own order,
/// used for compact encodings only; nothing on chain stores them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DataVisibility {
    /// Anyone may read the machine's data (0).
    Public = 0,
    /// Only the owner/operator (1). The default.
    #[default]
    Private = 1,
    /// The data is on chain (2).
    Onchain = 2,
}

impl DataVisibility {
    /// All visibilities, in this crate's numeric order.
    pub const ALL: [Self; 3] = [Self::Public, Self::Private, Self::Onchain];

    /// The attribute value (`public`, `private`, `onchain`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Private => "private",
            Self::Onchain => "onchain",
        }
    }
}

impl TryFrom<u8> for DataVisibility {
    type Error = TypesError;

    fn try_from(v: u8) -> Result<Self, Self::Error> {
        Self::ALL
            .get(usize::from(v))
            .copied()
            .ok_or_else(|| TypesError::InvalidVisibility {
                input: v.to_string(),
            })
    }
}

impl From<DataVisibility> for u8 {
    fn from(v: DataVisibility) -> Self {
        v as Self
    }
}

impl FromStr for DataVisibility {
    type Err = TypesError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| TypesError::InvalidVisibility {
                input: s.to_owned(),
            })
    }
}

impl fmt::Display for DataVisibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Checks `currency` against the rule `EventRegistry.submitEvent` enforces
/// (`InvalidCurrencyShape`): a revenue event needs 3 to 10 characters from `A-Z0-9`
/// (`^[A-Z0-9]{3,10}$`, e.g. `USD`, `USDC`, `EUR`); an activity event needs the empty string.
///
/// ```
/// use peaqos_types::{EventType, validate_currency};
///
/// assert!(validate_currency(EventType::Revenue, "USD").is_ok());
/// assert!(validate_currency(EventType::Revenue, "usd").is_err());
/// assert!(validate_currency(EventType::Activity, "").is_ok());
/// assert!(validate_currency(EventType::Activity, "USD").is_err());
/// ```
pub fn validate_currency(event_type: EventType, currency: &str) -> Result<(), TypesError> {
    let err = |reason| TypesError::InvalidCurrency {
        input: currency.to_owned(),
        reason,
    };
    match event_type {
        EventType::Activity if currency.is_empty() => Ok(()),
        EventType::Activity => Err(err("activity events take an empty currency")),
        EventType::Revenue => {
            if !(CURRENCY_MIN_LEN..=CURRENCY_MAX_LEN).contains(&currency.len()) {
                return Err(err("revenue currency must be 3 to 10 characters"));
            }
            if !currency
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            {
                return Err(err("revenue currency may only contain A-Z and 0-9"));
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_type_conversions() {
        assert_eq!(EventType::try_from(0).expect("0"), EventType::Revenue);
        assert_eq!(EventType::try_from(1).expect("1"), EventType::Activity);
        for bad in [2u8, 3, 255] {
            assert_eq!(
                EventType::try_from(bad).expect_err("bad").code(),
                "INVALID_EVENT_TYPE"
            );
        }
        assert_eq!(u8::from(EventType::Activity), 1);
        for (s, t) in [
            ("revenue", EventType::Revenue),
            ("Revenue", EventType::Revenue),
            ("0", EventType::Revenue),
            ("ACTIVITY", EventType::Activity),
            ("1", EventType::Activity),
        ] {
            assert_eq!(s.parse::<EventType>().expect(s), t);
        }
        for bad in ["", "2", "rev", "revenue ", "01", "income"] {
            assert_eq!(
                bad.parse::<EventType>().expect_err(bad).code(),
                "INVALID_EVENT_TYPE"
            );
        }
        assert_eq!(EventType::Revenue.to_string(), "revenue");
        assert_eq!(EventType::Revenue.default_currency(), "USD");
        assert_eq!(EventType::Activity.default_currency(), "");
    }

    #[test]
    fn event_type_serde() {
        assert_eq!(
            serde_json::to_string(&EventType::Activity).expect("ser"),
            "1"
        );
        assert_eq!(
            serde_json::from_str::<EventType>("0").expect("de"),
            EventType::Revenue
        );
        assert!(serde_json::from_str::<EventType>("2").is_err());
        assert!(serde_json::from_str::<EventType>("\"revenue\"").is_err());
    }

    #[test]
    fn trust_level_conversions() {
        for (n, t) in TrustLevel::ALL.into_iter().enumerate() {
            let n = u8::try_from(n).expect("small");
            assert_eq!(TrustLevel::try_from(n).expect("valid"), t);
            assert_eq!(u8::from(t), n);
        }
        assert_eq!(
            TrustLevel::try_from(3).expect_err("bad").code(),
            "INVALID_TRUST_LEVEL"
        );
        for (s, t) in [
            ("0", TrustLevel::SelfReported),
            ("self", TrustLevel::SelfReported),
            ("self-reported", TrustLevel::SelfReported),
            ("SELF_REPORTED", TrustLevel::SelfReported),
            ("1", TrustLevel::OnChainVerifiable),
            ("onchain", TrustLevel::OnChainVerifiable),
            ("on-chain-verifiable", TrustLevel::OnChainVerifiable),
            ("on_chain_verifiable", TrustLevel::OnChainVerifiable),
            ("2", TrustLevel::HardwareSigned),
            ("hardware", TrustLevel::HardwareSigned),
            ("Hardware-Signed", TrustLevel::HardwareSigned),
        ] {
            assert_eq!(s.parse::<TrustLevel>().expect(s), t);
        }
        for bad in ["", "3", "-1", "trusted", "self reported", "hw"] {
            assert_eq!(
                bad.parse::<TrustLevel>().expect_err(bad).code(),
                "INVALID_TRUST_LEVEL"
            );
        }
        assert_eq!(
            TrustLevel::OnChainVerifiable.to_string(),
            "on-chain-verifiable"
        );
        assert_eq!(TrustLevel::HardwareSigned.short_name(), "hardware");
    }

    #[test]
    fn trust_level_serde() {
        assert_eq!(
            serde_json::to_string(&TrustLevel::HardwareSigned).expect("ser"),
            "2"
        );
        assert_eq!(
            serde_json::from_str::<TrustLevel>("1").expect("de"),
            TrustLevel::OnChainVerifiable
        );
        assert!(serde_json::from_str::<TrustLevel>("3").is_err());
    }

    #[test]
    fn data_visibility_conversions() {
        assert_eq!(DataVisibility::default(), DataVisibility::Private);
        for v in DataVisibility::ALL {
            assert_eq!(v.as_str().parse::<DataVisibility>().expect("own name"), v);
            assert_eq!(
                DataVisibility::try_from(u8::from(v)).expect("own number"),
                v
            );
            assert_eq!(v.to_string(), v.as_str());
        }
        assert_eq!(
            DataVisibility::try_from(3).expect_err("bad").code(),
            "INVALID_VISIBILITY"
        );
        for bad in [
            "", "Public", "PRIVATE", "on-chain", "on_chain", "secret", "public ",
        ] {
            assert_eq!(
                bad.parse::<DataVisibility>().expect_err(bad).code(),
                "INVALID_VISIBILITY"
            );
        }
    }

    #[test]
    fn data_visibility_serde() {
        assert_eq!(
            serde_json::to_string(&DataVisibility::Onchain).expect("ser"),
            "\"onchain\""
        );
        assert_eq!(
            serde_json::from_str::<DataVisibility>("\"public\"").expect("de"),
            DataVisibility::Public
        );
        assert!(serde_json::from_str::<DataVisibility>("\"Public\"").is_err());
    }

    #[test]
    fn currency_good() {
        for c in ["USD", "EUR", "USDC", "HKD", "ABCDEFGHIJ", "123", "A1B2C3"] {
            validate_currency(EventType::Revenue, c).expect(c);
        }
        validate_currency(EventType::Activity, "").expect("empty activity currency");
    }

    #[test]
    fn currency_bad() {
        for c in [
            "",
            "US",
            "usd",
            "Usd",
            "ABCDEFGHIJK",
            "US D",
            "USD\n",
            "US-D",
            "€UR",
            "ÜSD",
            " USD",
        ] {
            let err = validate_currency(EventType::Revenue, c).expect_err(c);
            assert_eq!(err.code(), "INVALID_CURRENCY", "{c:?}");
        }
        for c in ["USD", " ", "x"] {
            let err = validate_currency(EventType::Activity, c).expect_err(c);
            assert_eq!(err.code(), "INVALID_CURRENCY", "{c:?}");
        }
    }
}
