//! `GET /machine/{did}` and `GET /metadata/{token_id}`: the machine profile.

use std::fmt;

use serde::{
    Deserialize, Deserializer, Serialize, Serializer,
    de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor},
    ser::SerializeMap,
};
use serde_json::{Map, Value};

use super::{
    AmountStatus, BondStatus, FromObject, McrRating, USD_SUBUNIT, mcr_score, non_empty_string,
    object_only, objects_only,
};
use crate::{EventType, event::DataVisibility, validate_currency};

/// `GET /machine/{did}` and `GET /metadata/{token_id}`: the machine profile (NFT metadata JSON
/// v1.0). Other top-level keys (e.g. `image`) are ignored.
#[derive(Debug, Clone, PartialEq)]
pub struct MachineProfileResponse {
    /// Always [`MACHINE_PROFILE_SCHEMA_VERSION`](super::MACHINE_PROFILE_SCHEMA_VERSION) (`"1.0"`) today; must not be empty.
    pub schema_version: String,
    /// `"Machine #<token_id>"` when a Machine NFT exists, else `"Machine (no NFT)"`.
    pub name: String,
    /// The peaqOS data.
    pub peaqos: PeaqosData,
}

/// The `peaqos` object of a machine profile.
#[derive(Debug, Clone, PartialEq)]
pub struct PeaqosData {
    /// The on-chain machine id.
    pub machine_id: u64,
    /// The machine's DID.
    pub did: String,
    /// The operator's DID, if any (`null` or absent reads as `None`).
    pub operator: Option<String>,
    /// The rating letter.
    pub mcr: McrRating,
    /// The score, 0–100 (a `null` score reads as 0).
    pub mcr_score: u8,
    /// Bonded or unbonded.
    pub bond_status: BondStatus,
    /// The negative-event flag.
    pub negative_flag: bool,
    /// All events on chain.
    pub event_count: u64,
    /// The `data_visibility` DID attribute as the server reports it (`private`, `onchain`,
    /// `public`; not checked against that set, but never empty). See
    /// [`PeaqosData::visibility`].
    pub data_visibility: String,
    /// The `documentation_url` DID attribute, if set.
    pub documentation_url: Option<String>,
    /// `private` visibility: the `data_api` attribute, when set.
    pub data_api: Option<String>,
    /// `onchain` visibility: up to the first [`MAX_EVENT_DATA_ENTRIES`](super::MAX_EVENT_DATA_ENTRIES) events, oldest first.
    pub event_data: Option<Vec<EventEntry>>,
    /// `public` visibility: the data fetched from the machine's `data_api`.
    pub partner_data: Option<Map<String, Value>>,
    /// `public` visibility: why fetching `partner_data` failed.
    pub partner_data_error: Option<String>,
}

impl PeaqosData {
    /// `data_visibility` as a [`DataVisibility`], when it is one of the three known values.
    pub fn visibility(&self) -> Option<DataVisibility> {
        self.data_visibility.parse().ok()
    }
}

/// One entry of a profile's `event_data`.
///
/// Revenue entries carry the FX fields ([`RevenueAmount`]); activity entries have only the five
/// base keys (extra keys sent for an activity entry are dropped).
#[derive(Debug, Clone, PartialEq)]
pub struct EventEntry {
    /// The value in the partner's native minor units (`origin_value`).
    pub origin_value: u128,
    /// The event's timestamp (unix seconds).
    pub timestamp: u64,
    /// The trust level number (0 self-reported, 1 on-chain verifiable, 2 hardware-signed; the
    /// range is not checked, as in the official SDK).
    pub trust_level: u8,
    /// The event's metadata, parsed.
    pub metadata: Map<String, Value>,
    /// Revenue or activity, with the revenue FX fields.
    pub kind: EventKind,
}

impl EventEntry {
    /// `event_type`: revenue (0) or activity (1).
    pub const fn event_type(&self) -> EventType {
        match self.kind {
            EventKind::Revenue(_) => EventType::Revenue,
            EventKind::Activity => EventType::Activity,
        }
    }

    /// The revenue FX fields, for a revenue entry.
    pub const fn revenue(&self) -> Option<&RevenueAmount> {
        match &self.kind {
            EventKind::Revenue(r) => Some(r),
            EventKind::Activity => None,
        }
    }
}

/// Whether an [`EventEntry`] is revenue (with its FX fields) or activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// `event_type` 0.
    Revenue(RevenueAmount),
    /// `event_type` 1.
    Activity,
}

/// The FX fields of a revenue entry. (`usd_subunit` is always [`USD_SUBUNIT`], so it is not
/// stored; it is checked when reading and written when serializing.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevenueAmount {
    /// The currency code (`^[A-Z0-9]{3,10}$`).
    pub origin_currency: String,
    /// The USD value in cents; `None` when it could not be computed.
    pub usd_value: Option<u64>,
    /// Minor units per major unit of the currency (`> 0`); `None` when unsupported.
    pub origin_subunit: Option<u64>,
    /// How the USD value was obtained.
    pub amount_status: AmountStatus,
}

impl Serialize for EventEntry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let revenue = self.revenue();
        let mut map = serializer.serialize_map(Some(if revenue.is_some() { 10 } else { 5 }))?;
        map.serialize_entry("event_type", &self.event_type())?;
        map.serialize_entry("origin_value", &self.origin_value)?;
        map.serialize_entry("timestamp", &self.timestamp)?;
        map.serialize_entry("trust_level", &self.trust_level)?;
        map.serialize_entry("metadata", &self.metadata)?;
        if let Some(r) = revenue {
            map.serialize_entry("origin_currency", &r.origin_currency)?;
            map.serialize_entry("usd_value", &r.usd_value)?;
            map.serialize_entry("origin_subunit", &r.origin_subunit)?;
            map.serialize_entry("usd_subunit", &USD_SUBUNIT)?;
            map.serialize_entry("amount_status", &r.amount_status)?;
        }
        map.end()
    }
}

/// The wire form of an event entry, before the revenue/activity split.
#[derive(Deserialize)]
struct RawEventEntry {
    event_type: EventType,
    origin_value: u128,
    timestamp: u64,
    trust_level: u8,
    metadata: Map<String, Value>,
    #[serde(default, deserialize_with = "present")]
    origin_currency: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    usd_value: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    origin_subunit: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    usd_subunit: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    amount_status: Option<Value>,
}

impl RawEventEntry {
    fn into_entry(self) -> Result<EventEntry, String> {
        let kind = match self.event_type {
            EventType::Activity => EventKind::Activity,
            EventType::Revenue => EventKind::Revenue(RevenueAmount {
                origin_currency: match self.origin_currency {
                    Some(Value::String(c)) => {
                        validate_currency(EventType::Revenue, &c).map_err(|e| e.to_string())?;
                        c
                    }
                    other => return Err(bad_key("origin_currency", "a string", other.as_ref())),
                },
                usd_value: match &self.usd_value {
                    Some(Value::Null) => None,
                    Some(v) if uint(v).is_some() => uint(v),
                    other => {
                        return Err(bad_key(
                            "usd_value",
                            "an integer >= 0 or null",
                            other.as_ref(),
                        ));
                    }
                },
                origin_subunit: match &self.origin_subunit {
                    Some(Value::Null) => None,
                    Some(v) if uint(v).is_some_and(|v| v > 0) => uint(v),
                    other => {
                        return Err(bad_key(
                            "origin_subunit",
                            "an integer > 0 or null",
                            other.as_ref(),
                        ));
                    }
                },
                amount_status: {
                    match &self.usd_subunit {
                        Some(v) if uint(v) == Some(USD_SUBUNIT) => {}
                        other => return Err(bad_key("usd_subunit", "100", other.as_ref())),
                    }
                    match self.amount_status {
                        Some(Value::String(s)) => s.parse().map_err(|e| format!("{e}"))?,
                        other => return Err(bad_key("amount_status", "a string", other.as_ref())),
                    }
                },
            }),
        };
        Ok(EventEntry {
            origin_value: self.origin_value,
            timestamp: self.timestamp,
            trust_level: self.trust_level,
            metadata: self.metadata,
            kind,
        })
    }
}

/// A non-negative JSON integer (not a float, even a whole one).
fn uint(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

fn bad_key(key: &str, expected: &str, got: Option<&Value>) -> String {
    match got {
        None => format!("revenue event: missing field `{key}`"),
        Some(v) => format!(
            "revenue event: `{key}` must be {expected}, got {}",
            describe(v)
        ),
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Number(n) => format!("number {n}"),
        Value::Bool(b) => format!("bool {b}"),
        Value::String(s) => format!("string {s:?}"),
        Value::Null => "null".to_owned(),
        Value::Array(_) => "array".to_owned(),
        Value::Object(_) => "object".to_owned(),
    }
}

impl<'de> FromObject<'de> for RawEventEntry {
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        Self::deserialize(de::value::MapAccessDeserializer::new(map))
    }
}

impl<'de> Deserialize<'de> for EventEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        object_only::<_, RawEventEntry>(deserializer)?
            .into_entry()
            .map_err(de::Error::custom)
    }
}

/// A string kept only when the value is a string (any other type reads as absent).
fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        _ => None,
    })
}

/// An object kept only when the value is an object (any other type reads as absent).
fn lenient_object<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Map<String, Value>>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Object(o) => Some(o),
        _ => None,
    })
}

/// `event_data`: a list of valid entries; any non-list value reads as absent, but a bad entry
/// in a list is an error.
fn lenient_event_list<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Vec<EventEntry>>, D::Error> {
    struct ListVisitor;

    impl<'de> Visitor<'de> for ListVisitor {
        type Value = Option<Vec<EventEntry>>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of events (other values are ignored)")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
            while let Some(entry) = seq.next_element::<EventEntry>()? {
                out.push(entry);
            }
            Ok(Some(out))
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(None)
        }

        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    d.deserialize_any(ListVisitor)
}

/// Marks a key as present even when its value is `null` (`Some(Value::Null)`).
#[allow(clippy::unnecessary_wraps)]
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

objects_only!(
    MachineProfileResponse => MachineProfileResponseWire,
    PeaqosData => PeaqosDataWire,
);

// The wire forms (same fields, with the serde rules).

#[derive(Serialize, Deserialize)]
#[serde(remote = "MachineProfileResponse")]
struct MachineProfileResponseWire {
    #[serde(deserialize_with = "non_empty_string")]
    schema_version: String,
    name: String,
    peaqos: PeaqosData,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "PeaqosData")]
struct PeaqosDataWire {
    machine_id: u64,
    #[serde(deserialize_with = "non_empty_string")]
    did: String,
    #[serde(default)]
    operator: Option<String>,
    mcr: McrRating,
    #[serde(default, deserialize_with = "mcr_score")]
    mcr_score: u8,
    bond_status: BondStatus,
    negative_flag: bool,
    event_count: u64,
    #[serde(deserialize_with = "non_empty_string")]
    data_visibility: String,
    #[serde(default)]
    documentation_url: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient_string",
        skip_serializing_if = "Option::is_none"
    )]
    data_api: Option<String>,
    #[serde(
        default,
        deserialize_with = "lenient_event_list",
        skip_serializing_if = "Option::is_none"
    )]
    event_data: Option<Vec<EventEntry>>,
    #[serde(
        default,
        deserialize_with = "lenient_object",
        skip_serializing_if = "Option::is_none"
    )]
    partner_data: Option<Map<String, Value>>,
    #[serde(
        default,
        deserialize_with = "lenient_string",
        skip_serializing_if = "Option::is_none"
    )]
    partner_data_error: Option<String>,
}
