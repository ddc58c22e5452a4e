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
//! * a body or nested object that is a JSON array (serde's derived structs would take one) is
//!   an error;
//! * unknown keys are ignored (and not written back);
//! * the optional profile extras (`data_api`, `event_data`, `partner_data`,
//!   `partner_data_error`) are kept only when well-typed and silently dropped otherwise, but a
//!   malformed entry inside a well-typed `event_data` list fails the whole body.
//!
//! Serializing writes exactly the documented keys, so the same types serve an MCR server.
//! Free-form parts (event `metadata`, `partner_data`) are `serde_json` maps, and amounts that
//! may be an integer or a float are `serde_json::Number`s, like alloy's `OtherFields`.
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
//! assert_eq!(mcr.total_revenue.as_f64(), Some(35000.0));
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::{fmt, marker::PhantomData, str::FromStr};

use serde::{
    Deserialize, Deserializer, Serialize, Serializer,
    de::{self, MapAccess, Visitor},
};

mod card;
mod mcr;
mod operator;
mod profile;

pub use card::{
    ErrorDetail, HealthResponse, MachineCard, MachineCardRegistration, MachineCardService,
    ReadyContracts, ReadyResponse,
};
pub use mcr::McrResponse;
pub use operator::{OperatorMachine, OperatorMachinesResponse, Pagination};
pub use profile::{EventEntry, EventKind, MachineProfileResponse, PeaqosData, RevenueAmount};

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

/// Defines a string enumeration with `as_str`, `ALL`, `FromStr`, `Display` and serde (ordered
/// as declared).
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $field:literal {
            $( $(#[$vmeta:meta])* $variant:ident => $wire:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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

/// The letters of the rated scale with their minimum scores, highest first (the published
/// thresholds; [`McrRating::for_score`] reads them).
pub const RATING_THRESHOLDS: [(u8, McrRating); 6] = [
    (95, McrRating::AAA),
    (85, McrRating::AA),
    (75, McrRating::A),
    (60, McrRating::BBB),
    (45, McrRating::BB),
    (30, McrRating::B),
];

/// Scores below this are not rated (`NR`, reported with `mcr_score` 0).
pub const MIN_RATED_SCORE: u8 = RATING_THRESHOLDS[RATING_THRESHOLDS.len() - 1].0;

impl McrRating {
    /// The letter of a score on the rated scale ([`RATING_THRESHOLDS`]: AAA ≥ 95, AA ≥ 85,
    /// A ≥ 75, BBB ≥ 60, BB ≥ 45, B ≥ 30), otherwise `NR`. (`Provisioned` is a lifecycle
    /// state, never the result.)
    pub const fn for_score(score: u8) -> Self {
        let mut i = 0;
        while i < RATING_THRESHOLDS.len() {
            let (min, rating) = RATING_THRESHOLDS[i];
            if score >= min {
                return rating;
            }
            i += 1;
        }
        Self::NR
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

// ---------------------------------------------------------------------------------------------
// Objects only.
// ---------------------------------------------------------------------------------------------

/// A type read from the entries of a JSON object.
trait FromObject<'de>: Sized {
    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error>;
}

/// Reads `T` from a JSON object and nothing else: serde's derived `Deserialize` of a struct
/// would also take a JSON array of the field values, which the official guards reject.
fn object_only<'de, D: Deserializer<'de>, T: FromObject<'de>>(d: D) -> Result<T, D::Error> {
    struct ObjectVisitor<T>(PhantomData<T>);

    impl<'de, T: FromObject<'de>> Visitor<'de> for ObjectVisitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::from_map(map)
        }
    }

    d.deserialize_map(ObjectVisitor(PhantomData))
}

/// Serde impls of a public struct through its private `remote` wire form: serialize as
/// derived, deserialize as derived but from a JSON object only.
macro_rules! objects_only {
    ($($ty:ident => $wire:ident),* $(,)?) => {
        $(
            impl serde::Serialize for $ty {
                fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    $wire::serialize(self, serializer)
                }
            }

            impl<'de> super::FromObject<'de> for $ty {
                fn from_map<A: serde::de::MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
                    $wire::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                }
            }

            impl<'de> serde::Deserialize<'de> for $ty {
                fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    super::object_only(deserializer)
                }
            }
        )*
    };
}
use objects_only;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventType, event::DataVisibility};
    use serde_json::json;

    /// The docs' `GET /mcr/{did}` example (guides/query-mcr), shared with the SDK's tests.
    fn mcr_sample() -> serde_json::Value {
        serde_json::from_str(include_str!("../../fixtures/mcr.json")).expect("fixture")
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
        assert_eq!(mcr.total_revenue, serde_json::Number::from(35000_u64));
        assert_eq!(
            Some(mcr.average_revenue_per_event.clone()),
            serde_json::Number::from_f64(5000.0)
        );
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
