//! `GET /mcr/{did}`.

use serde::{Deserialize, Serialize};
use serde_json::Number;

use super::{BondStatus, McrRating, RevenueTrend, mcr_score, non_empty_string, objects_only};

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
    pub total_revenue: Number,
    /// Average revenue per revenue event, USD cents. An integer or a float on the wire.
    pub average_revenue_per_event: Number,
    /// When events were last added (unix seconds), if ever.
    pub last_updated: Option<u64>,
}

objects_only!(McrResponse => McrResponseWire);

// The wire form (same fields, with the serde rules); `remote` keeps its generated functions
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
    total_revenue: Number,
    average_revenue_per_event: Number,
    last_updated: Option<u64>,
}
