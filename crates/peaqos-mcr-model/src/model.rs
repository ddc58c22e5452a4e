//! Scoring model `mcr-v1`: types and the `score` function.

use serde::{Deserialize, Serialize};

use crate::{
    MODEL_VERSION,
    fx::FxSource,
    params::{FLAG_FUTURE_TOLERANCE_SECS, FLAG_MIN_PLAUSIBLE_TS, FLAG_PENALTY_WINDOW_SECS},
};

/// One event of a machine, as stored in the EventRegistry (only the fields the model reads).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EventRecord {
    /// `0` revenue, `1` activity (anything else is ignored).
    pub event_type: u8,
    /// The on-chain value: minor units of `currency` for revenue.
    pub value: u128,
    /// ISO 4217 code for revenue; empty for activity.
    pub currency: String,
    /// When the event happened, unix seconds.
    pub timestamp: u64,
    /// `0` self-reported, `1` on-chain verifiable, `2` hardware-signed.
    pub trust_level: u8,
}

/// What the AdminFlags contract says about a machine.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminState {
    /// The negative flag's timestamp (`flaggedAt`), if set (0 means not flagged).
    pub negative_flag_at: Option<u64>,
    /// The trust override in basis points of the hardware-signed weight (0..=10000), if set.
    pub trust_override_bps: Option<u16>,
}

/// Everything the model reads about one machine.
#[derive(Debug, Clone, Copy)]
pub struct MachineInput<'a> {
    /// The machine has an active bond in IdentityStaking.
    pub bonded: bool,
    /// All its events, in any order.
    pub events: &'a [EventRecord],
    /// Its AdminFlags state.
    pub admin: AdminState,
}

/// The rating letter (`mcr`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Rating {
    /// Score ≥ 95.
    #[serde(rename = "AAA")]
    Aaa,
    /// Score ≥ 85.
    #[serde(rename = "AA")]
    Aa,
    /// Score ≥ 75.
    A,
    /// Score ≥ 60.
    #[serde(rename = "BBB")]
    Bbb,
    /// Score ≥ 45.
    #[serde(rename = "BB")]
    Bb,
    /// Score ≥ 30.
    B,
    /// Not rated: unbonded, or a score below 30 (`mcr_score` 0).
    #[serde(rename = "NR")]
    Nr,
    /// Bonded but not enough history yet (`mcr_score` 0).
    Provisioned,
}

impl Rating {
    /// All ratings, best first.
    pub const ALL: [Self; 8] = [
        Self::Aaa,
        Self::Aa,
        Self::A,
        Self::Bbb,
        Self::Bb,
        Self::B,
        Self::Nr,
        Self::Provisioned,
    ];

    /// The wire string (`AAA` … `NR`, `Provisioned`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Aaa => "AAA",
            Self::Aa => "AA",
            Self::A => "A",
            Self::Bbb => "BBB",
            Self::Bb => "BB",
            Self::B => "B",
            Self::Nr => "NR",
            Self::Provisioned => "Provisioned",
        }
    }

    /// The letter of a rounded score of a graduated machine (below 30 → `NR`).
    pub const fn from_score(score: u8) -> Self {
        match score {
            95.. => Self::Aaa,
            85.. => Self::Aa,
            75.. => Self::A,
            60.. => Self::Bbb,
            45.. => Self::Bb,
            30.. => Self::B,
            _ => Self::Nr,
        }
    }
}

impl std::fmt::Display for Rating {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `revenue_trend`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevenueTrend {
    /// Recent revenue materially above the longer-term baseline.
    Up,
    /// Recent revenue tracks the baseline.
    Stable,
    /// Recent revenue materially below the baseline.
    Down,
    /// Too few qualifying revenue days.
    Insufficient,
}

impl RevenueTrend {
    /// The wire string.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Up => "up",
            Self::Stable => "stable",
            Self::Down => "down",
            Self::Insufficient => "insufficient",
        }
    }
}

/// Which branch of the model decided the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreStatus {
    /// Not bonded: `NR`/0 whatever the history.
    Unbonded,
    /// Bonded, gates not cleared: `Provisioned`/0.
    Provisioned,
    /// Graduated: scored (may still be `NR` below 30).
    Rated,
}

/// The graduation gates and where the machine stands.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Gates {
    /// Qualifying revenue days (UTC days with revenue ≥ the minimum).
    pub qualifying_revenue_days: u64,
    /// Required for the revenue path of the events gate.
    pub required_qualifying_revenue_days: u64,
    /// Distinct activity events.
    pub activity_events: u64,
    /// Required for the activity path of the events gate.
    pub required_activity_events: u64,
    /// Events gate cleared (revenue path OR activity path).
    pub events_gate: bool,
    /// First-to-last event span, days.
    pub span_days: f64,
    /// Required span, days.
    pub required_span_days: f64,
    /// Span gate cleared.
    pub span_gate: bool,
}

/// The revenue or activity factor: consistency, depth and tenure.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct ActivityOrRevenueFactor {
    /// Active days (activity: days with any event; revenue: qualifying revenue days).
    pub days: u64,
    /// 7-day buckets with an active day.
    pub active_weeks: u64,
    /// 7-day buckets in the measured span (at least the minimum).
    pub weeks: u64,
    /// First-to-last active day span, days.
    pub span_days: f64,
    /// Cadence sub-factor, 0..=1.
    pub cadence: f64,
    /// Depth sub-factor, 0..=1.
    pub depth: f64,
    /// Tenure sub-factor, 0..=1.
    pub tenure: f64,
    /// Weighted factor, 0..=1.
    pub value: f64,
    /// Maximum points.
    pub max_points: f64,
    /// Points contributed.
    pub points: f64,
}

/// The trust contribution and what shaped it.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct TrustFactor {
    /// Value-weighted trust of the events, 0..=1 (after the self-reported bonus).
    pub event_trust: f64,
    /// The self-reported tenure bonus applied.
    pub self_reported_bonus: bool,
    /// The admin trust override, bps, if set.
    pub override_bps: Option<u16>,
    /// The base used: the override (bps / 10000) or `event_trust`.
    pub base: f64,
    /// Days since the last event at `now`.
    pub days_since_last_event: f64,
    /// Decay from recency alone, FLOOR..=1.
    pub recency: f64,
    /// Length of the last dormancy gap in days, if any.
    pub last_dormancy_days: Option<f64>,
    /// Distinct active days since the last dormancy ended.
    pub active_days_since_dormancy: u64,
    /// Share of the recovery window earned, 0..=1 (1 when never dormant).
    pub recovery: f64,
    /// Freshness multiplier, FLOOR..=1.
    pub freshness: f64,
    /// The negative flag's penalty window is open at `now`.
    pub flag_active: bool,
    /// Flag multiplier (1 when not flagged).
    pub flag_multiplier: f64,
    /// base × freshness × flag multiplier.
    pub value: f64,
    /// Maximum points.
    pub max_points: f64,
    /// Points contributed.
    pub points: f64,
}

/// Each factor's contribution to the score (`GET /mcr/{did}/explain`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explain {
    /// The model version.
    pub model_version: &'static str,
    /// The `now` the score was computed at.
    pub now: u64,
    /// Which branch decided the score.
    pub status: ScoreStatus,
    /// Events after merging duplicates (same type, value, currency and timestamp).
    pub distinct_events: u64,
    /// The graduation gates.
    pub gates: Gates,
    /// Bond baseline points (0 when unbonded).
    pub bond_points: f64,
    /// The revenue factor.
    pub revenue: ActivityOrRevenueFactor,
    /// The activity (operation) factor.
    pub activity: ActivityOrRevenueFactor,
    /// The trust contribution.
    pub trust: TrustFactor,
    /// Sum of the points before clamping and rounding.
    pub raw_score: f64,
    /// Clamped to [0, 100] and rounded (before the below-30 → 0 rule).
    pub rounded_score: u8,
}

/// The result of scoring one machine.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct McrScore {
    /// `mcr_score`: 0..=100, 0 for `NR` and `Provisioned`.
    pub score: u8,
    /// `mcr`.
    pub rating: Rating,
    /// `mcr_degraded`: some revenue used a stale FX rate or had no FX data.
    pub mcr_degraded: bool,
    /// `revenue_trend`.
    pub revenue_trend: RevenueTrend,
    /// `total_revenue`: USD cents over all revenue events.
    pub total_revenue_usd_cents: f64,
    /// `average_revenue_per_event`: total / revenue events (0 when none).
    pub average_revenue_per_event: f64,
    /// `event_count`: all events.
    pub event_count: u64,
    /// `revenue_event_count`.
    pub revenue_event_count: u64,
    /// `activity_event_count`.
    pub activity_event_count: u64,
    /// The model version (`mcr-v1`).
    pub model_version: &'static str,
    /// Each factor's contribution.
    pub explain: Explain,
}

/// Whether the negative flag's penalty window is open at `now`.
pub fn flag_active(admin: &AdminState, now: u64) -> bool {
    match admin.negative_flag_at {
        Some(at) if at > 0 => {
            at <= now.saturating_add(FLAG_FUTURE_TOLERANCE_SECS)
                && now < at.saturating_add(FLAG_PENALTY_WINDOW_SECS)
        }
        _ => false,
    }
}

/// The API's `negative_flag`: a plausible flag timestamp (2020-01-01 ≤ ts ≤ now + 1 day); stays
/// true after the penalty window ends.
pub fn negative_flag_plausible(admin: &AdminState, now: u64) -> bool {
    admin.negative_flag_at.is_some_and(|at| {
        at >= FLAG_MIN_PLAUSIBLE_TS && at <= now.saturating_add(FLAG_FUTURE_TOLERANCE_SECS)
    })
}

/// Scores one machine at `now` (unix seconds). Pure and deterministic: the same input gives
/// the same output whatever the order of `input.events`.
pub fn score(input: &MachineInput<'_>, now: u64, fx: &dyn FxSource) -> McrScore {
    // Placeholder until the full model lands: counts only.
    let _ = fx;
    let revenue_event_count = input.events.iter().filter(|e| e.event_type == 0).count() as u64;
    let activity_event_count = input.events.iter().filter(|e| e.event_type == 1).count() as u64;
    let status = if input.bonded {
        ScoreStatus::Provisioned
    } else {
        ScoreStatus::Unbonded
    };
    McrScore {
        score: 0,
        rating: if input.bonded {
            Rating::Provisioned
        } else {
            Rating::Nr
        },
        mcr_degraded: false,
        revenue_trend: RevenueTrend::Insufficient,
        total_revenue_usd_cents: 0.0,
        average_revenue_per_event: 0.0,
        event_count: input.events.len() as u64,
        revenue_event_count,
        activity_event_count,
        model_version: MODEL_VERSION,
        explain: Explain {
            model_version: MODEL_VERSION,
            now,
            status,
            distinct_events: 0,
            gates: Gates::default(),
            bond_points: 0.0,
            revenue: ActivityOrRevenueFactor::default(),
            activity: ActivityOrRevenueFactor::default(),
            trust: TrustFactor::default(),
            raw_score: 0.0,
            rounded_score: 0,
        },
    }
}
