#![doc = include_str!("../README.md")]

pub mod date;
pub mod ecb_format;
pub mod fx;
mod model;
pub mod params;

pub use fx::{
    AmountStatus, Converted, EcbDay, EcbFx, EcbHistory, FxDataError, FxQuote, FxRate, FxSource,
    NoFx, convert_to_usd_cents, minor_unit_divisor, minor_unit_exponent,
};
pub use model::{
    ActivityOrRevenueFactor, AdminState, DaySummary, EventRecord, Explain, Gates, MachineInput,
    MachineSummary, McrRating, McrScore, RevenueTrend, ScoreStatus, TrustFactor, flag_active,
    negative_flag_plausible, score, score_days, score_summary, summarize,
};

/// The version of the scoring model, reported next to every score.
pub const MODEL_VERSION: &str = "mcr-v1";

/// `event_type` of a revenue event.
pub const EVENT_TYPE_REVENUE: u8 = 0;
/// `event_type` of an activity event.
pub const EVENT_TYPE_ACTIVITY: u8 = 1;
/// `trust_level` of a self-reported event.
pub const TRUST_SELF_REPORTED: u8 = 0;
/// `trust_level` of an on-chain verifiable event.
pub const TRUST_ON_CHAIN: u8 = 1;
/// `trust_level` of a hardware-signed event.
pub const TRUST_HARDWARE: u8 = 2;
