//! Every parameter of model `mcr-v1`. `docs/mcr-model.md` explains each one; changing any
//! value is a new model version.

/// Points for being bonded: the baseline every bonded machine gets.
pub const BOND_POINTS: f64 = 10.0;
/// Maximum points of the revenue factor.
pub const REVENUE_POINTS: f64 = 25.0;
/// Maximum points of the activity (operation) factor.
pub const ACTIVITY_POINTS: f64 = 20.0;
/// Maximum points of the trust contribution (before freshness and the flag penalty).
pub const TRUST_POINTS: f64 = 45.0;

/// A UTC day counts as a qualifying revenue day when its revenue is at least this many USD
/// cents ($1.00).
pub const MIN_QUALIFYING_DAY_USD_CENTS: u64 = 100;

/// Events gate, revenue path: at least this many qualifying revenue days…
pub const GATE_MIN_QUALIFYING_REVENUE_DAYS: u64 = 7;
/// …or, activity path: at least this many activity events (distinct, after merging duplicates).
pub const GATE_MIN_ACTIVITY_EVENTS: u64 = 10;
/// Span gate: first-to-last event span of at least this many days.
pub const GATE_MIN_SPAN_DAYS: f64 = 30.0;

/// Weight of the cadence (consistency) sub-factor in the revenue and activity factors.
pub const CADENCE_WEIGHT: f64 = 0.4;
/// Weight of the depth (count) sub-factor.
pub const DEPTH_WEIGHT: f64 = 0.3;
/// Weight of the tenure sub-factor.
pub const TENURE_WEIGHT: f64 = 0.3;
/// Cadence is measured in weeks: the share of 7-day buckets (from the first day) with at least
/// one active day, over at least this many buckets (so two busy days are not "consistent").
pub const CADENCE_MIN_WEEKS: u64 = 4;
/// Depth saturates at this many active (or qualifying revenue) days, on a square-root curve.
pub const DEPTH_FULL_DAYS: f64 = 365.0;
/// Tenure saturates at this first-to-last span in days, on a square-root curve.
pub const TENURE_FULL_DAYS: f64 = 730.0;

/// Trust weight of a self-reported event (`trust_level` 0, and any unknown level).
pub const TRUST_WEIGHT_SELF_REPORTED: f64 = 0.50;
/// Trust weight of an on-chain verifiable event (`trust_level` 1).
pub const TRUST_WEIGHT_ON_CHAIN: f64 = 0.80;
/// Trust weight of a hardware-signed event (`trust_level` 2); the top of the scale.
pub const TRUST_WEIGHT_HARDWARE: f64 = 1.00;
/// Added to the weight of self-reported events once the machine's history spans
/// [`SELF_REPORTED_BONUS_MIN_SPAN_DAYS`]; stays below the on-chain weight.
pub const SELF_REPORTED_TENURE_BONUS: f64 = 0.15;
/// History span (first to last event, days) that earns the self-reported bonus.
pub const SELF_REPORTED_BONUS_MIN_SPAN_DAYS: f64 = 365.0;
/// A trust override in basis points is relative to this weight (10000 bps = hardware-signed).
pub const TRUST_OVERRIDE_FULL_BPS: u16 = 10_000;

/// Freshness is 1 while the last event is at most this many days old.
pub const FRESHNESS_GRACE_DAYS: f64 = 7.0;
/// After the grace period freshness halves every this many days…
pub const FRESHNESS_HALF_LIFE_DAYS: f64 = 30.0;
/// …down to this floor (reached about 100 days after the grace period).
pub const FRESHNESS_FLOOR: f64 = 0.10;
/// A gap between consecutive events longer than this many days is a dormancy.
pub const DORMANCY_GAP_DAYS: f64 = 60.0;
/// After a dormancy, freshness above the floor is earned back linearly over this many distinct
/// active days (so one event restores 1/30 of it).
pub const RECOVERY_ACTIVE_DAYS: f64 = 30.0;

/// The negative flag penalises trust for this many seconds from its timestamp (180 days).
pub const FLAG_PENALTY_WINDOW_SECS: u64 = 180 * 86_400;
/// While the flag's window is open the trust contribution is multiplied by this.
pub const FLAG_TRUST_MULTIPLIER: f64 = 0.5;
/// A flag timestamp up to this far after `now` still counts (clock skew between chain and
/// server).
pub const FLAG_FUTURE_TOLERANCE_SECS: u64 = 86_400;
/// The API's `negative_flag` is true only for a flag timestamp at or after 2020-01-01.
pub const FLAG_MIN_PLAUSIBLE_TS: u64 = 1_577_836_800;

/// Scores below this map to `NR` with `mcr_score` 0; the letter thresholds, highest first:
/// `(minimum score, letter)` (the one table, in `peaqos-types`).
pub use peaqos_types::api::{MIN_RATED_SCORE, RATING_THRESHOLDS as LETTER_THRESHOLDS};

/// Revenue trend: the short moving-average window in days (ending at `now`).
pub const TREND_SHORT_DAYS: i64 = 30;
/// Revenue trend: the long moving-average window in days (ending at `now`; clipped to the
/// first qualifying revenue day for younger machines).
pub const TREND_LONG_DAYS: i64 = 90;
/// Fewer qualifying revenue days than this in the long window → `insufficient`.
pub const TREND_MIN_QUALIFYING_DAYS: u64 = 7;
/// Short average ≥ long × this → `up`.
pub const TREND_UP_RATIO: f64 = 1.10;
/// Short average ≤ long × this → `down`.
pub const TREND_DOWN_RATIO: f64 = 0.90;

// The published guarantees, checked at compile time.
const _: () = {
    assert!(TRUST_WEIGHT_SELF_REPORTED + SELF_REPORTED_TENURE_BONUS < TRUST_WEIGHT_ON_CHAIN);
    assert!(TRUST_WEIGHT_ON_CHAIN < TRUST_WEIGHT_HARDWARE);
    assert!(FLAG_TRUST_MULTIPLIER <= 1.0);
    assert!(CADENCE_WEIGHT + DEPTH_WEIGHT + TENURE_WEIGHT == 1.0);
    assert!(BOND_POINTS + REVENUE_POINTS + ACTIVITY_POINTS + TRUST_POINTS == 100.0);
};
