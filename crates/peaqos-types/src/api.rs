//! The MCR API's JSON bodies: what `GET /mcr/{did}`, `GET /machine/{did}` (and
//! `GET /metadata/{token_id}`), `GET /operator/{did}/machines`, `GET /machines/{machine_id}`,
//! `GET /health` and `GET /ready` return.
//!
//! Field names are the wire names (snake_case, as the API sends them). Deserializing is as
//! strict as the official SDK's response guards, so a value of these types is a response the
//! SDKs accept:
//!
//! * a missing required key, a value of the wrong JSON type (a bool where an integer belongs, a
//!   float where an integer belongs, …), an out-of-range number or a string outside its allowed
//!   set is an error;
//! * `mcr_score` may be `null` or absent and then reads as `0`;
//! * unknown keys are ignored (and not written back);
//! * the optional profile extras (`data_api`, `event_data`, `partner_data`,
//!   `partner_data_error`) are kept only when well-typed and silently dropped otherwise, but a
//!   malformed entry inside a well-typed `event_data` list fails the whole body.
//!
//! Serializing writes exactly the documented keys, so the same types serve an MCR server.
//!
//! ```
//! use peaqos_types::api::{McrRating, McrResponse};
//!
//! let body = r#"{"did":"did:peaq:0xabc1230000000000000000000000000000000001","machine_id":1,
//!   "mcr_score":45,"mcr":"BB","mcr_degraded":false,"bond_status":"bonded",
//!   "negative_flag":false,"event_count":12,"revenue_event_count":7,"activity_event_count":5,
//!   "revenue_trend":"stable","total_revenue":35000,"average_revenue_per_event":5000.0,
//!   "last_updated":1711900000}"#;
//! let mcr: McrResponse = serde_json::from_str(body)?;
//! assert_eq!((mcr.mcr, mcr.mcr_score), (McrRating::BB, 45));
//! assert_eq!(McrRating::for_score(45), McrRating::BB);
//! assert_eq!(mcr.total_revenue.as_f64(), 35000.0);
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::{collections::BTreeMap, fmt, str::FromStr};

use serde::{
    Deserialize, Deserializer, Serialize, Serializer,
    de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor},
    ser::SerializeMap,
};

use crate::{EventType, event::DataVisibility, validate_currency};

/// The highest `mcr_score` (scores are integers 0–100).
pub const MAX_MCR_SCORE: u8 = 100;
/// The `schema_version` of the machine profile (`/machine/{did}`, `/metadata/{token_id}`).
pub const MACHINE_PROFILE_SCHEMA_VERSION: &str = "1.0";
/// The `usd_subunit` of every revenue entry: USD amounts are in cents.
pub const USD_SUBUNIT: u64 = 100;
/// At most this many events appear in a profile's `event_data` (the first ones, oldest first).
pub const MAX_EVENT_DATA_ENTRIES: usize = 100;
/// The default `limit` of `/operator/{did}/machines`.
pub const OPERATOR_MACHINES_DEFAULT_LIMIT: u64 = 20;
/// The largest `limit` `/operator/{did}/machines` accepts (the smallest is 1).
pub const OPERATOR_MACHINES_MAX_LIMIT: u64 = 20;
/// The `type` of a Machine Card and of its registration entries.
pub const MACHINE_CARD_TYPE: &str = "peaqos:registration:v1";

/// A string outside the allowed set of one of the API's enumerations.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field} {input:?}: expected one of {expected}")]
pub struct UnknownValue {
    /// The field (`mcr`, `bond_status`, `revenue_trend`, `amount_status`).
    pub field: &'static str,
    /// The allowed values, comma-separated.
    pub expected: &'static str,
    /// The rejected input.
    pub input: String,
}

/// Defines a string enumeration with `as_str`, `ALL`, `FromStr`, `Display` and serde.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $field:literal {
            $( $(#[$vmeta:meta])* $variant:ident => $wire:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in the documented order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The wire string.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $wire),+
                }
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;

            /// Exact (case-sensitive) match on the wire string.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($wire => Ok(Self::$variant),)+
                    _ => Err(UnknownValue {
                        field: $field,
                        expected: concat!($($wire, ", "),+),
                        input: s.to_owned(),
                    }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                s.parse().map_err(de::Error::custom)
            }
        }
    };
}

string_enum! {
    /// A machine's credit rating letter (`mcr`).
    ///
    /// `NR` and `Provisioned` both come with `mcr_score` 0; see [`McrRating::for_score`] for the
    /// rated scale's thresholds.
    McrRating, "mcr" {
        /// Highest credit quality (score ≥ 95).
        AAA => "AAA",
        /// Very high credit quality (≥ 85).
        AA => "AA",
        /// High credit quality (≥ 75).
        A => "A",
        /// Investment grade (≥ 60).
        BBB => "BBB",
        /// Below investment grade (≥ 45).
        BB => "BB",
        /// Minimum rated (≥ 30).
        B => "B",
        /// Not rated: score below 30, or the machine is unbonded (score 0).
        NR => "NR",
        /// Newly registered, not enough history to score yet (score 0).
        Provisioned => "Provisioned",
    }
}

impl McrRating {
    /// The letter of a score on the rated scale: AAA ≥ 95, AA ≥ 85, A ≥ 75, BBB ≥ 60, BB ≥ 45,
    /// B ≥ 30, otherwise `NR`. (`Provisioned` is a lifecycle state, never the result.)
    pub const fn for_score(score: u8) -> Self {
        match score {
            95.. => Self::AAA,
            85..=94 => Self::AA,
            75..=84 => Self::A,
            60..=74 => Self::BBB,
            45..=59 => Self::BB,
            30..=44 => Self::B,
            _ => Self::NR,
        }
    }

    /// Whether this is a letter of the rated scale (`AAA` … `B`), not `NR` / `Provisioned`.
    pub const fn is_rated(self) -> bool {
        !matches!(self, Self::NR | Self::Provisioned)
    }
}

string_enum! {
    /// Whether the machine's bond is in place (`bond_status`).
    BondStatus, "bond_status" {
        /// Bonded.
        Bonded => "bonded",
        /// Unbonded (rated `NR`, score 0).
        Unbonded => "unbonded",
    }
}

string_enum! {
    /// Short-term against longer-term revenue (`revenue_trend`).
    RevenueTrend, "revenue_trend" {
        /// Recent revenue materially above the longer-term baseline.
        Up => "up",
        /// Recent revenue tracks the baseline.
        Stable => "stable",
        /// Recent revenue materially below the baseline.
        Down => "down",
        /// Not enough qualifying revenue events to compute a trend.
        Insufficient => "insufficient",
    }
}

string_enum! {
    /// How a revenue event's USD amount was obtained (`amount_status`).
    AmountStatus, "amount_status" {
        /// Converted with a current FX rate.
        Ok => "ok",
        /// The currency is not supported; the revenue counts as $0.
        UnsupportedCurrency => "unsupported_currency",
        /// FX was degraded (stale snapshot or outage); also sets `mcr_degraded`.
        FxUnavailable => "fx_unavailable",
    }
}

// ---------------------------------------------------------------------------------------------
// A small JSON data model (this crate has no serde_json dependency).
// ---------------------------------------------------------------------------------------------

/// A JSON object with sorted keys (`metadata`, `partner_data`).
pub type JsonObject = BTreeMap<String, JsonValue>;

/// A JSON number that remembers whether it was written as an integer or a float.
///
/// Equality is structural: `UInt(1)` and `Float(1.0)` differ.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum JsonNumber {
    /// A non-negative integer.
    UInt(u64),
    /// A negative integer.
    Int(i64),
    /// A number written with a fraction or exponent.
    Float(f64),
}

impl JsonNumber {
    /// The value as `f64` (large integers lose precision).
    #[allow(clippy::cast_precision_loss)]
    pub const fn as_f64(self) -> f64 {
        match self {
            Self::UInt(v) => v as f64,
            Self::Int(v) => v as f64,
            Self::Float(v) => v,
        }
    }

    /// The value as `u64`, when it is a non-negative integer.
    pub const fn as_u64(self) -> Option<u64> {
        match self {
            Self::UInt(v) => Some(v),
            Self::Int(_) | Self::Float(_) => None,
        }
    }
}

impl From<u64> for JsonNumber {
    fn from(v: u64) -> Self {
        Self::UInt(v)
    }
}

impl From<i64> for JsonNumber {
    fn from(v: i64) -> Self {
        u64::try_from(v).map_or(Self::Int(v), Self::UInt)
    }
}

impl From<f64> for JsonNumber {
    fn from(v: f64) -> Self {
        Self::Float(v)
    }
}

impl fmt::Display for JsonNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UInt(v) => v.fmt(f),
            Self::Int(v) => v.fmt(f),
            Self::Float(v) => v.fmt(f),
        }
    }
}

impl Serialize for JsonNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match *self {
            Self::UInt(v) => serializer.serialize_u64(v),
            Self::Int(v) => serializer.serialize_i64(v),
            Self::Float(v) => serializer.serialize_f64(v),
        }
    }
}

struct NumberVisitor;

impl Visitor<'_> for NumberVisitor {
    type Value = JsonNumber;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(JsonNumber::UInt(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(JsonNumber::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(JsonNumber::Float(v))
    }
}

impl<'de> Deserialize<'de> for JsonNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NumberVisitor)
    }
}

/// Any JSON value (the free-form parts of a profile: event `metadata`, `partner_data`).
///
/// Serializes to the same JSON, so `serde_json::to_value(&v)` converts it.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum JsonValue {
    /// `null`.
    #[default]
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number.
    Number(JsonNumber),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<JsonValue>),
    /// An object.
    Object(JsonObject),
}

impl JsonValue {
    /// The JSON type's name (`null`, `bool`, `number`, `string`, `array`, `object`).
    pub const fn type_name(&self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Bool(_) => "bool",
            Self::Number(_) => "number",
            Self::String(_) => "string",
            Self::Array(_) => "array",
            Self::Object(_) => "object",
        }
    }
}

impl Serialize for JsonValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Null => serializer.serialize_unit(),
            Self::Bool(v) => serializer.serialize_bool(*v),
            Self::Number(v) => v.serialize(serializer),
            Self::String(v) => serializer.serialize_str(v),
            Self::Array(v) => v.serialize(serializer),
            Self::Object(v) => v.serialize(serializer),
        }
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = JsonValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(JsonValue::Bool(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(JsonValue::Number(JsonNumber::UInt(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(JsonValue::Number(JsonNumber::from(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(JsonValue::Number(JsonNumber::Float(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(JsonValue::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(JsonValue::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(JsonValue::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(JsonValue::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        JsonValue::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
        while let Some(v) = seq.next_element()? {
            out.push(v);
        }
        Ok(JsonValue::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = JsonObject::new();
        while let Some((k, v)) = map.next_entry::<String, JsonValue>()? {
            out.insert(k, v);
        }
        Ok(JsonValue::Object(out))
    }
}

impl<'de> Deserialize<'de> for JsonValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

// ---------------------------------------------------------------------------------------------
// Field helpers.
// ---------------------------------------------------------------------------------------------

/// A string that must not be empty.
fn non_empty_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let s = String::deserialize(d)?;
    if s.is_empty() {
        return Err(de::Error::invalid_value(
            de::Unexpected::Str(""),
            &"a non-empty string",
        ));
    }
    Ok(s)
}

/// `mcr_score`: an integer 0–100; `null` reads as 0 (absent too, via `#[serde(default)]`).
fn mcr_score<'de, D: Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
    match Option::<u64>::deserialize(d)? {
        None => Ok(0),
        Some(v) => u8::try_from(v)
            .ok()
            .filter(|v| *v <= MAX_MCR_SCORE)
            .ok_or_else(|| de::Error::invalid_value(de::Unexpected::Unsigned(v), &"0 to 100")),
    }
}

/// A string kept only when the value is a string (any other type reads as absent).
fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match JsonValue::deserialize(d)? {
        JsonValue::String(s) => Some(s),
        _ => None,
    })
}

/// An object kept only when the value is an object (any other type reads as absent).
fn lenient_object<'de, D: Deserializer<'de>>(d: D) -> Result<Option<JsonObject>, D::Error> {
    Ok(match JsonValue::deserialize(d)? {
        JsonValue::Object(o) => Some(o),
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

/// Marks a key as present even when its value is `null` (`Some(JsonValue::Null)`).
#[allow(clippy::unnecessary_wraps)]
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<JsonValue>, D::Error> {
    JsonValue::deserialize(d).map(Some)
}

// ---------------------------------------------------------------------------------------------
// Objects only.
// ---------------------------------------------------------------------------------------------

/// Forwards to `D`, except that a struct may only be read from a map: serde's derived
/// `Deserialize` would also take a JSON array of the field values, which the official guards
/// reject.
struct MapOnly<D>(D);

macro_rules! forward {
    ($($method:ident),* $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
                self.0.$method(visitor)
            }
        )*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for MapOnly<D> {
    type Error = D::Error;

    forward!(
        deserialize_any,
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_option,
        deserialize_unit,
        deserialize_seq,
        deserialize_map,
        deserialize_identifier,
        deserialize_ignored_any,
    );

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_newtype_struct(name, visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple(len, visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple_struct(name, len, visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_enum(name, variants, visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

/// Serde impls of a public struct through its private `remote` wire form: serialize as
/// derived, deserialize as derived but from a JSON object only.
macro_rules! objects_only {
    ($($ty:ident => $wire:ident),* $(,)?) => {
        $(
            impl Serialize for $ty {
                fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    $wire::serialize(self, serializer)
                }
            }

            impl<'de> Deserialize<'de> for $ty {
                fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    $wire::deserialize(MapOnly(deserializer))
                }
            }
        )*
    };
}

objects_only!(
    McrResponse => McrResponseWire,
    MachineProfileResponse => MachineProfileResponseWire,
    PeaqosData => PeaqosDataWire,
    OperatorMachinesResponse => OperatorMachinesResponseWire,
    OperatorMachine => OperatorMachineWire,
    Pagination => PaginationWire,
);

// The wire forms (same fields, with the serde rules); `remote` keeps their generated functions
// private to this module.

#[derive(Serialize, Deserialize)]
#[serde(remote = "McrResponse")]
struct McrResponseWire {
    #[serde(deserialize_with = "non_empty_string")]
    did: String,
    machine_id: u64,
    #[serde(default, deserialize_with = "mcr_score")]
    mcr_score: u8,
    mcr: McrRating,
    mcr_degraded: bool,
    bond_status: BondStatus,
    negative_flag: bool,
    event_count: u64,
    revenue_event_count: u64,
    activity_event_count: u64,
    revenue_trend: RevenueTrend,
    total_revenue: JsonNumber,
    average_revenue_per_event: JsonNumber,
    last_updated: Option<u64>,
}

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
    partner_data: Option<JsonObject>,
    #[serde(
        default,
        deserialize_with = "lenient_string",
        skip_serializing_if = "Option::is_none"
    )]
    partner_data_error: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "OperatorMachinesResponse")]
struct OperatorMachinesResponseWire {
    #[serde(deserialize_with = "non_empty_string")]
    operator_did: String,
    machines: Vec<OperatorMachine>,
    pagination: Pagination,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "OperatorMachine")]
struct OperatorMachineWire {
    #[serde(deserialize_with = "non_empty_string")]
    did: String,
    machine_id: u64,
    #[serde(default, deserialize_with = "mcr_score")]
    mcr_score: u8,
    mcr: McrRating,
    negative_flag: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "Pagination")]
struct PaginationWire {
    offset: u64,
    limit: u64,
    total: u64,
}

// ---------------------------------------------------------------------------------------------
// GET /mcr/{did}
// ---------------------------------------------------------------------------------------------

/// `GET /mcr/{did}`: a machine's credit rating and the event statistics behind it (14 keys).
#[derive(Debug, Clone, PartialEq)]
pub struct McrResponse {
    /// The DID as requested (echo of the path value; may be a bare `0x` address).
    pub did: String,
    /// The on-chain machine id.
    pub machine_id: u64,
    /// The score, 0–100; 0 for `NR` and `Provisioned` (a `null` score reads as 0).
    pub mcr_score: u8,
    /// The rating letter.
    pub mcr: McrRating,
    /// Whether any scored event used a degraded FX path (stale snapshot or outage).
    pub mcr_degraded: bool,
    /// Bonded or unbonded.
    pub bond_status: BondStatus,
    /// Whether AdminFlags holds a plausible negative-event flag for the machine (stays true
    /// after the penalty window ends).
    pub negative_flag: bool,
    /// All events on chain.
    pub event_count: u64,
    /// Revenue events (type 0), full history.
    pub revenue_event_count: u64,
    /// Activity events (type 1), full history.
    pub activity_event_count: u64,
    /// The revenue trend.
    pub revenue_trend: RevenueTrend,
    /// Total revenue in USD cents (FX-normalised). An integer or a float on the wire.
    pub total_revenue: JsonNumber,
    /// Average revenue per revenue event, USD cents. An integer or a float on the wire.
    pub average_revenue_per_event: JsonNumber,
    /// When events were last added (unix seconds), if ever.
    pub last_updated: Option<u64>,
}

// ---------------------------------------------------------------------------------------------
// GET /machine/{did}
// ---------------------------------------------------------------------------------------------

/// `GET /machine/{did}` and `GET /metadata/{token_id}`: the machine profile (NFT metadata JSON
/// v1.0). Other top-level keys (e.g. `image`) are ignored.
#[derive(Debug, Clone, PartialEq)]
pub struct MachineProfileResponse {
    /// Always [`MACHINE_PROFILE_SCHEMA_VERSION`] (`"1.0"`) today; must not be empty.
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
    /// `onchain` visibility: up to the first [`MAX_EVENT_DATA_ENTRIES`] events, oldest first.
    pub event_data: Option<Vec<EventEntry>>,
    /// `public` visibility: the data fetched from the machine's `data_api`.
    pub partner_data: Option<JsonObject>,
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
    pub metadata: JsonObject,
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
    metadata: JsonObject,
    #[serde(default, deserialize_with = "present")]
    origin_currency: Option<JsonValue>,
    #[serde(default, deserialize_with = "present")]
    usd_value: Option<JsonValue>,
    #[serde(default, deserialize_with = "present")]
    origin_subunit: Option<JsonValue>,
    #[serde(default, deserialize_with = "present")]
    usd_subunit: Option<JsonValue>,
    #[serde(default, deserialize_with = "present")]
    amount_status: Option<JsonValue>,
}

impl RawEventEntry {
    fn into_entry(self) -> Result<EventEntry, String> {
        let kind = match self.event_type {
            EventType::Activity => EventKind::Activity,
            EventType::Revenue => EventKind::Revenue(RevenueAmount {
                origin_currency: match self.origin_currency {
                    Some(JsonValue::String(c)) => {
                        validate_currency(EventType::Revenue, &c).map_err(|e| e.to_string())?;
                        c
                    }
                    other => return Err(bad_key("origin_currency", "a string", other.as_ref())),
                },
                usd_value: match self.usd_value {
                    Some(JsonValue::Null) => None,
                    Some(JsonValue::Number(JsonNumber::UInt(v))) => Some(v),
                    other => {
                        return Err(bad_key(
                            "usd_value",
                            "an integer >= 0 or null",
                            other.as_ref(),
                        ));
                    }
                },
                origin_subunit: match self.origin_subunit {
                    Some(JsonValue::Null) => None,
                    Some(JsonValue::Number(JsonNumber::UInt(v))) if v > 0 => Some(v),
                    other => {
                        return Err(bad_key(
                            "origin_subunit",
                            "an integer > 0 or null",
                            other.as_ref(),
                        ));
                    }
                },
                amount_status: {
                    match self.usd_subunit {
                        Some(JsonValue::Number(JsonNumber::UInt(USD_SUBUNIT))) => {}
                        other => return Err(bad_key("usd_subunit", "100", other.as_ref())),
                    }
                    match self.amount_status {
                        Some(JsonValue::String(s)) => s.parse().map_err(|e| format!("{e}"))?,
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

fn bad_key(key: &str, expected: &str, got: Option<&JsonValue>) -> String {
    match got {
        None => format!("revenue event: missing field `{key}`"),
        Some(v) => format!(
            "revenue event: `{key}` must be {expected}, got {}",
            describe(v)
        ),
    }
}

fn describe(v: &JsonValue) -> String {
    match v {
        JsonValue::Number(n) => format!("number {n}"),
        JsonValue::Bool(b) => format!("bool {b}"),
        JsonValue::String(s) => format!("string {s:?}"),
        other => other.type_name().to_owned(),
    }
}

impl<'de> Deserialize<'de> for EventEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        RawEventEntry::deserialize(MapOnly(deserializer))?
            .into_entry()
            .map_err(de::Error::custom)
    }
}

// ---------------------------------------------------------------------------------------------
// GET /operator/{did}/machines
// ---------------------------------------------------------------------------------------------

/// `GET /operator/{did}/machines`: one page of an operator's machines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorMachinesResponse {
    /// The operator DID (echo of the path value).
    pub operator_did: String,
    /// The machines of this page (unregistered ids are dropped, so a page can be shorter than
    /// `limit`).
    pub machines: Vec<OperatorMachine>,
    /// Where this page is.
    pub pagination: Pagination,
}

/// One machine of an operator's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorMachine {
    /// `did:peaq:<machine wallet>`.
    pub did: String,
    /// The on-chain machine id.
    pub machine_id: u64,
    /// The score, 0–100 (a `null` score reads as 0).
    pub mcr_score: u8,
    /// The rating letter.
    pub mcr: McrRating,
    /// The negative-event flag.
    pub negative_flag: bool,
}

/// The `pagination` object of [`OperatorMachinesResponse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pagination {
    /// The requested offset.
    pub offset: u64,
    /// The requested page size.
    pub limit: u64,
    /// The number of valid machine ids in the operator's `machines` attribute.
    pub total: u64,
}

// ---------------------------------------------------------------------------------------------
// GET /machines/{machine_id}, /health, /ready, errors
// ---------------------------------------------------------------------------------------------

/// `GET /machines/{machine_id}`: the Machine Card (ERC-8004 registration-file pattern).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineCard {
    /// Always [`MACHINE_CARD_TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
    /// `"Machine #<machine_id>"`.
    pub name: String,
    /// `"peaqOS machine"`.
    pub description: String,
    /// `did:peaq:<machine wallet address>`.
    pub did: String,
    /// Always true.
    pub active: bool,
    /// `[{"name":"web","endpoint":<data_api>}]` when `data_api` is set, else empty.
    pub services: Vec<MachineCardService>,
    /// The `data_visibility` attribute (default `private`).
    pub data_visibility: String,
    /// The `documentation_url` attribute, `""` when unset.
    pub documentation_url: String,
    /// The operator's DID, if any.
    pub operator: Option<String>,
    /// Bonded or unbonded.
    pub bond_status: BondStatus,
    /// All events on chain.
    pub event_count: u64,
    /// One entry naming the IdentityRegistry.
    pub registrations: Vec<MachineCardRegistration>,
}

/// A service of a [`MachineCard`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MachineCardService {
    /// `web`.
    pub name: String,
    /// The machine's `data_api`.
    pub endpoint: String,
}

/// A registration of a [`MachineCard`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MachineCardRegistration {
    /// Always [`MACHINE_CARD_TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
    /// The machine id.
    pub machine_id: u64,
    /// `eip155:<chainId>:<IdentityRegistry address>`.
    pub machine_registry: String,
}

/// `GET /health`: `{"status":"ok"}` while the process is alive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthResponse {
    /// `ok`.
    pub status: String,
}

/// `GET /ready`: 200 when every check passes, else 503.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadyResponse {
    /// `ready` or `not_ready`.
    pub status: String,
    /// Whether the chain RPC answers.
    pub rpc_connected: bool,
    /// Per-contract checks.
    pub contracts: ReadyContracts,
}

/// The `contracts` object of [`ReadyResponse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[allow(clippy::struct_excessive_bools)]
pub struct ReadyContracts {
    /// IdentityRegistry reachable.
    pub identity_registry: bool,
    /// IdentityStaking reachable.
    pub identity_staking: bool,
    /// EventRegistry reachable.
    pub event_registry: bool,
    /// MachineNFT reachable.
    pub machine_nft: bool,
    /// AdminFlags reachable (true when not configured).
    pub admin_flags: bool,
    /// The DID precompile reachable.
    pub did_registry: bool,
}

/// An error body, `{"detail": "<message>"}` (`Machine not registered`, `Chain unavailable`,
/// `Service not initialised`, …). FastAPI's 422 bodies carry a list instead and are not this
/// type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// The message.
    pub detail: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mcr_sample() -> serde_json::Value {
        json!({
            "did": "did:peaq:0xabc1230000000000000000000000000000000001",
            "machine_id": 1,
            "mcr_score": 45,
            "mcr": "BB",
            "mcr_degraded": false,
            "bond_status": "bonded",
            "negative_flag": false,
            "event_count": 12,
            "revenue_event_count": 7,
            "activity_event_count": 5,
            "revenue_trend": "stable",
            "total_revenue": 35000,
            "average_revenue_per_event": 5000.0,
            "last_updated": 1_711_900_000
        })
    }

    fn profile_sample() -> serde_json::Value {
        json!({"schema_version":"1.0","name":"M","image":"x","peaqos":{"machine_id":1,
            "did":"did:peaq:0xabc1230000000000000000000000000000000001","operator":null,
            "mcr":"A","mcr_score":80,"bond_status":"bonded","negative_flag":false,
            "event_count":2,"data_visibility":"public","documentation_url":null,
            "data_api":"https://x","extra":1,
            "event_data":[{"event_type":0,"origin_value":123,"timestamp":5,"trust_level":0,
                "metadata":{},"origin_currency":"HKD","usd_value":16,"origin_subunit":100,
                "usd_subunit":100,"amount_status":"ok","value":9},
              {"event_type":1,"origin_value":1,"timestamp":6,"trust_level":2,
                "metadata":{"k":"v"},"origin_currency":7}]}})
    }

    #[test]
    fn mcr_sample_round_trips_exactly() {
        let v = mcr_sample();
        let mcr: McrResponse = serde_json::from_value(v.clone()).expect("test fixture");
        assert_eq!(mcr.mcr, McrRating::BB);
        assert_eq!(mcr.total_revenue, JsonNumber::UInt(35000));
        assert_eq!(mcr.average_revenue_per_event, JsonNumber::Float(5000.0));
        assert_eq!(serde_json::to_value(&mcr).expect("test fixture"), v);
    }

    #[test]
    fn null_or_absent_score_is_zero() {
        let mut v = mcr_sample();
        v["mcr_score"] = serde_json::Value::Null;
        assert_eq!(
            serde_json::from_value::<McrResponse>(v.clone())
                .expect("test fixture")
                .mcr_score,
            0
        );
        v.as_object_mut().expect("test fixture").remove("mcr_score");
        assert_eq!(
            serde_json::from_value::<McrResponse>(v)
                .expect("test fixture")
                .mcr_score,
            0
        );
    }

    #[test]
    fn mcr_rejects_bad_values() {
        for (key, bad) in [
            ("did", json!("")),
            ("machine_id", json!(true)),
            ("machine_id", json!(-1)),
            ("machine_id", json!(1.0)),
            ("mcr_score", json!(101)),
            ("mcr_score", json!(45.0)),
            ("mcr", json!("bb")),
            ("bond_status", json!("Bonded")),
            ("negative_flag", json!(0)),
            ("revenue_trend", json!("flat")),
            ("total_revenue", json!(true)),
            ("total_revenue", json!("1")),
            ("last_updated", json!(-5)),
            ("mcr_degraded", json!(null)),
        ] {
            let mut v = mcr_sample();
            v[key] = bad.clone();
            assert!(
                serde_json::from_value::<McrResponse>(v).is_err(),
                "{key} = {bad}"
            );
        }
    }

    #[test]
    fn profile_sample_parses_and_drops_extras() {
        let p: MachineProfileResponse =
            serde_json::from_value(profile_sample()).expect("test fixture");
        assert_eq!(p.peaqos.visibility(), Some(DataVisibility::Public));
        let events = p.peaqos.event_data.as_ref().expect("test fixture");
        assert_eq!(events.len(), 2);
        assert_eq!(
            events[0].revenue().expect("test fixture").amount_status,
            AmountStatus::Ok
        );
        assert_eq!(events[1].event_type(), EventType::Activity);
        let out = serde_json::to_value(&p).expect("test fixture");
        assert!(out.get("image").is_none());
        assert!(out["peaqos"].get("extra").is_none());
        assert!(out["peaqos"]["event_data"][0].get("value").is_none());
        assert!(
            out["peaqos"]["event_data"][1]
                .get("origin_currency")
                .is_none()
        );
        assert_eq!(out["peaqos"]["event_data"][0]["usd_subunit"], json!(100));
        let back: MachineProfileResponse = serde_json::from_value(out).expect("test fixture");
        assert_eq!(back, p);
    }

    #[test]
    fn ill_typed_optional_extras_are_dropped() {
        let mut v = profile_sample();
        v["peaqos"]["data_api"] = json!(5);
        v["peaqos"]["event_data"] = json!({"a": [1]});
        v["peaqos"]["partner_data"] = json!("nope");
        v["peaqos"]["partner_data_error"] = json!({});
        let p: MachineProfileResponse = serde_json::from_value(v).expect("test fixture");
        assert_eq!(p.peaqos.data_api, None);
        assert_eq!(p.peaqos.event_data, None);
        assert_eq!(p.peaqos.partner_data, None);
        assert_eq!(p.peaqos.partner_data_error, None);
    }

    #[test]
    fn bad_event_entries_fail_the_profile() {
        for (key, bad) in [
            ("event_type", json!(2)),
            ("origin_value", json!(-1)),
            ("metadata", json!([])),
            ("origin_currency", json!("usd")),
            ("usd_value", json!(-1)),
            ("origin_subunit", json!(0)),
            ("usd_subunit", json!(1)),
            ("amount_status", json!("fine")),
        ] {
            let mut v = profile_sample();
            v["peaqos"]["event_data"][0][key] = bad.clone();
            assert!(
                serde_json::from_value::<MachineProfileResponse>(v).is_err(),
                "{key} = {bad}"
            );
        }
        for key in [
            "usd_value",
            "origin_subunit",
            "usd_subunit",
            "amount_status",
        ] {
            let mut v = profile_sample();
            v["peaqos"]["event_data"][0]
                .as_object_mut()
                .expect("test fixture")
                .remove(key);
            assert!(
                serde_json::from_value::<MachineProfileResponse>(v).is_err(),
                "missing {key}"
            );
        }
    }

    #[test]
    fn null_fx_fields_are_accepted() {
        let mut v = profile_sample();
        v["peaqos"]["event_data"][0]["usd_value"] = json!(null);
        v["peaqos"]["event_data"][0]["origin_subunit"] = json!(null);
        v["peaqos"]["event_data"][0]["amount_status"] = json!("unsupported_currency");
        let p: MachineProfileResponse = serde_json::from_value(v).expect("test fixture");
        let r = p.peaqos.event_data.expect("test fixture")[0]
            .revenue()
            .cloned()
            .expect("test fixture");
        assert_eq!(r.usd_value, None);
        assert_eq!(r.origin_subunit, None);
    }

    #[test]
    fn large_origin_values_fit() {
        let mut v = profile_sample();
        v["peaqos"]["event_data"][0]["origin_value"] = json!(424_242);
        let text = serde_json::to_string(&v)
            .expect("test fixture")
            .replace("424242", "100000000000000000000000");
        let p: MachineProfileResponse = serde_json::from_str(&text).expect("test fixture");
        assert_eq!(
            p.peaqos.event_data.expect("test fixture")[0].origin_value,
            100_000_000_000_000_000_000_000
        );
    }

    #[test]
    fn operator_page_parses() {
        let v = json!({"operator_did":"did:peaq:0x1111111111111111111111111111111111111111",
            "machines":[{"did":"did:peaq:0x2222222222222222222222222222222222222222",
                "machine_id":3,"mcr_score":null,"mcr":"Provisioned","negative_flag":false}],
            "pagination":{"offset":0,"limit":20,"total":1}});
        let page: OperatorMachinesResponse = serde_json::from_value(v).expect("test fixture");
        assert_eq!(page.machines[0].mcr_score, 0);
        assert_eq!(page.pagination.total, 1);
    }

    #[test]
    fn arrays_are_not_objects() {
        let mut v = mcr_sample();
        let values: Vec<_> = v
            .as_object()
            .expect("test fixture")
            .values()
            .cloned()
            .collect();
        assert!(serde_json::from_value::<McrResponse>(serde_json::Value::Array(values)).is_err());
        assert!(serde_json::from_str::<Pagination>("[0,20,2]").is_err());
        assert!(
            serde_json::from_str::<OperatorMachine>(r#"["did:peaq:0x1",1,0,"NR",false]"#).is_err()
        );
        v = profile_sample();
        v["peaqos"]["event_data"][1] = json!([1, 1, 6, 2, {}]);
        assert!(serde_json::from_value::<MachineProfileResponse>(v).is_err());
        let mut v = profile_sample();
        v["peaqos"] = json!([1]);
        assert!(serde_json::from_value::<MachineProfileResponse>(v).is_err());
    }

    #[test]
    fn rating_thresholds() {
        for (score, rating) in [
            (100, McrRating::AAA),
            (95, McrRating::AAA),
            (94, McrRating::AA),
            (85, McrRating::AA),
            (75, McrRating::A),
            (60, McrRating::BBB),
            (45, McrRating::BB),
            (30, McrRating::B),
            (29, McrRating::NR),
            (0, McrRating::NR),
        ] {
            assert_eq!(McrRating::for_score(score), rating, "{score}");
        }
        for r in McrRating::ALL {
            assert_eq!(r.as_str().parse::<McrRating>().expect("test fixture"), *r);
        }
        assert!(!McrRating::Provisioned.is_rated());
    }

    #[test]
    fn machine_card_round_trips() {
        let v = json!({"type":"peaqos:registration:v1","name":"Machine #42",
            "description":"peaqOS machine",
            "did":"did:peaq:0xAb5801a7D398351b8bE11C439e05C5B3259aeC9B","active":true,
            "services":[{"name":"web","endpoint":"https://example.com/machines/42/api"}],
            "data_visibility":"private","documentation_url":"https://example.com/machines/42",
            "operator":"did:peaq:0xOperatorAddress","bond_status":"bonded","event_count":150,
            "registrations":[{"type":"peaqos:registration:v1","machineId":42,
                "machineRegistry":"eip155:3338:0xIdentityRegistryAddress"}]});
        let card: MachineCard = serde_json::from_value(v.clone()).expect("test fixture");
        assert_eq!(serde_json::to_value(&card).expect("test fixture"), v);
    }
}
