//! Scoring model `mcr-v1`: types and the `score` function.

pub use peaqos_types::api::{McrRating, RevenueTrend};
use serde::{Deserialize, Serialize};

use crate::{
    EVENT_TYPE_ACTIVITY, EVENT_TYPE_REVENUE, MODEL_VERSION, TRUST_HARDWARE, TRUST_ON_CHAIN,
    TRUST_SELF_REPORTED,
    date::{SECONDS_PER_DAY, utc_day},
    fx::{FxQuote, FxSource, apply_quote, quote_for},
    params::*,
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
    pub rating: McrRating,
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

/// Distinct events of one trust class: hardware-signed, on-chain, or self-reported (and any
/// level the chain would have rejected).
const TRUST_CLASSES: usize = 3;

const fn trust_class(level: u8) -> usize {
    match level {
        TRUST_HARDWARE => 2,
        TRUST_ON_CHAIN => 1,
        _ => 0,
    }
}

/// What the model needs of one machine's events on one UTC day: integer sums only, so a
/// day's summary is the same however its events are ordered, and summaries of different days
/// combine without rounding. [`score`] is [`summarize`] followed by [`score_days`]; a store
/// that keeps these per (machine, day) scores without reading the events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct DaySummary {
    /// The UTC day (days since 1970-01-01).
    pub day: i64,
    /// All events with a timestamp on this day, copies and unknown types included.
    pub events: u64,
    /// Revenue events, copies included.
    pub revenue_events: u64,
    /// Activity events, copies included.
    pub activity_events: u64,
    /// USD cents of every revenue event, copies included (each event rounded on its own).
    pub revenue_cents: u128,
    /// Some revenue of the day used a stale rate or had no FX data.
    pub degraded: bool,
    /// Some revenue of the day is in a currency other than USD (new FX rates can change it).
    pub fx_dependent: bool,
    /// The first distinct event's timestamp (`None` when the day has only unknown types).
    pub first_ts: Option<u64>,
    /// The last distinct event's timestamp.
    pub last_ts: Option<u64>,
    /// Distinct revenue events per trust class (self-reported, on-chain, hardware).
    pub revenue_slots: [u64; TRUST_CLASSES],
    /// USD cents of the distinct revenue events per trust class.
    pub revenue_slot_cents: [u128; TRUST_CLASSES],
    /// Distinct activity events per trust class.
    pub activity_slots: [u64; TRUST_CLASSES],
}

impl DaySummary {
    fn slots(&self) -> u64 {
        self.revenue_slots.iter().sum::<u64>() + self.activity_slots.iter().sum::<u64>()
    }

    fn revenue_slot_count(&self) -> u64 {
        self.revenue_slots.iter().sum()
    }

    fn revenue_slot_total(&self) -> u128 {
        self.revenue_slot_cents.iter().sum()
    }
}

/// Summarizes a machine's events (any order) into one [`DaySummary`] per UTC day with an
/// event, ascending by day. Duplicates (same type, value, currency and timestamp) count once
/// as distinct events, with the highest trust level among the copies; each revenue event is
/// converted to USD cents at its own date and rounded on its own.
pub fn summarize(events: &[EventRecord], fx: &dyn FxSource) -> Vec<DaySummary> {
    // One total order over every field; the highest trust level comes last among duplicates.
    let mut order: Vec<&EventRecord> = events.iter().collect();
    order.sort_unstable_by(|a, b| {
        (
            a.timestamp,
            a.event_type,
            a.value,
            a.currency.as_str(),
            a.trust_level,
        )
            .cmp(&(
                b.timestamp,
                b.event_type,
                b.value,
                b.currency.as_str(),
                b.trust_level,
            ))
    });

    let mut out: Vec<DaySummary> = Vec::new();
    // FX quotes of the current UTC day, per currency (events are in time order).
    let mut quotes: Vec<(&str, Option<FxQuote>)> = Vec::new();
    // The last distinct event: (record, class it was counted in, its cents).
    let mut prev: Option<(&EventRecord, usize, u64)> = None;
    for e in order {
        let day = utc_day(e.timestamp);
        if out.last().is_none_or(|d| d.day != day) {
            quotes.clear();
            prev = None;
            out.push(DaySummary {
                day,
                ..DaySummary::default()
            });
        }
        let Some(d) = out.last_mut() else { continue };
        d.events += 1;
        let revenue = e.event_type == EVENT_TYPE_REVENUE;
        if !revenue && e.event_type != EVENT_TYPE_ACTIVITY {
            continue;
        }
        let usd_cents = if revenue {
            d.revenue_events += 1;
            let quote = match quotes.iter().find(|(c, _)| *c == e.currency) {
                Some((_, q)) => *q,
                None => {
                    let q = quote_for(&e.currency, day, fx);
                    quotes.push((e.currency.as_str(), q));
                    q
                }
            };
            let conv = match quote {
                Some(q) => apply_quote(e.value, &e.currency, q),
                None => apply_quote(e.value, "", FxQuote::Unsupported),
            };
            d.degraded |= conv.degraded;
            d.fx_dependent |= e.currency != "USD";
            let cents = conv.usd_cents.unwrap_or(0);
            d.revenue_cents += u128::from(cents);
            cents
        } else {
            d.activity_events += 1;
            0
        };
        let class = trust_class(e.trust_level);
        if let Some((p, p_class, p_cents)) = prev
            && p.timestamp == e.timestamp
            && p.event_type == e.event_type
            && p.value == e.value
            && p.currency == e.currency
        {
            // Sorted by trust last: this copy's level is the highest so far; move the one
            // distinct event to its class.
            if p_class != class {
                if revenue {
                    d.revenue_slots[p_class] -= 1;
                    d.revenue_slots[class] += 1;
                    d.revenue_slot_cents[p_class] -= u128::from(p_cents);
                    d.revenue_slot_cents[class] += u128::from(p_cents);
                } else {
                    d.activity_slots[p_class] -= 1;
                    d.activity_slots[class] += 1;
                }
            }
            prev = Some((e, class, p_cents));
            continue;
        }
        if revenue {
            d.revenue_slots[class] += 1;
            d.revenue_slot_cents[class] += u128::from(usd_cents);
        } else {
            d.activity_slots[class] += 1;
        }
        d.first_ts.get_or_insert(e.timestamp);
        d.last_ts = Some(e.timestamp);
        prev = Some((e, class, usd_cents));
    }
    out
}

/// Scores one machine at `now` (unix seconds). Pure and deterministic: the same input gives
/// the same output whatever the order of `input.events`. O(n log n) for the one sort, O(n)
/// after it, one FX lookup per (currency, UTC day).
pub fn score(input: &MachineInput<'_>, now: u64, fx: &dyn FxSource) -> McrScore {
    score_days(
        &summarize(input.events, fx),
        input.bonded,
        &input.admin,
        now,
    )
}

/// Scores one machine at `now` from its [`DaySummary`]s (one per day, any order): the same
/// result as [`score`] on the events they summarize. O(days).
pub fn score_days(days: &[DaySummary], bonded: bool, admin: &AdminState, now: u64) -> McrScore {
    score_summary(&MachineSummary::from_days(days), bonded, admin, now)
}

/// What the model needs of a machine's whole history, whatever its length: sums that merge
/// exactly (counts, USD cents, distinct events and their cents per trust class, the first and
/// last distinct timestamps), the days with a distinct event and the qualifying revenue days
/// with their distinct USD cents. [`score_days`] is [`MachineSummary::from_days`] followed by
/// [`score_summary`]; a store that keeps one per machine scores from one row.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MachineSummary {
    /// All events, copies and unknown types included.
    pub events: u64,
    /// Revenue events, copies included.
    pub revenue_events: u64,
    /// Activity events, copies included.
    pub activity_events: u64,
    /// USD cents of every revenue event, copies included.
    pub revenue_cents: u128,
    /// Some revenue used a stale rate or had no FX data.
    pub degraded: bool,
    /// The first distinct event's timestamp.
    pub first_ts: Option<u64>,
    /// The last distinct event's timestamp.
    pub last_ts: Option<u64>,
    /// Distinct revenue events per trust class.
    pub revenue_slots: [u64; TRUST_CLASSES],
    /// USD cents of the distinct revenue events per trust class.
    pub revenue_slot_cents: [u128; TRUST_CLASSES],
    /// Distinct activity events per trust class.
    pub activity_slots: [u64; TRUST_CLASSES],
    /// The UTC days with a distinct event, ascending.
    pub active_days: Vec<i64>,
    /// The qualifying revenue days (distinct revenue of at least
    /// [`MIN_QUALIFYING_DAY_USD_CENTS`]) with their distinct USD cents, ascending.
    pub qualifying_days: Vec<(i64, u128)>,
}

impl MachineSummary {
    /// Merges per-day summaries (one per day, any order).
    pub fn from_days(days: &[DaySummary]) -> Self {
        let mut sorted: Vec<&DaySummary> = days.iter().collect();
        sorted.sort_unstable_by_key(|d| d.day);
        let mut s = Self::default();
        for d in sorted {
            s.events += d.events;
            s.revenue_events += d.revenue_events;
            s.activity_events += d.activity_events;
            s.revenue_cents += d.revenue_cents;
            s.degraded |= d.degraded;
            if d.slots() > 0 {
                s.active_days.push(d.day);
            }
            let revenue = d.revenue_slot_total();
            if d.revenue_slot_count() > 0 && revenue >= u128::from(MIN_QUALIFYING_DAY_USD_CENTS) {
                s.qualifying_days.push((d.day, revenue));
            }
            if s.first_ts.is_none() {
                s.first_ts = d.first_ts;
            }
            if d.last_ts.is_some() {
                s.last_ts = d.last_ts;
            }
            for c in 0..TRUST_CLASSES {
                s.revenue_slots[c] += d.revenue_slots[c];
                s.revenue_slot_cents[c] += d.revenue_slot_cents[c];
                s.activity_slots[c] += d.activity_slots[c];
            }
        }
        s
    }

    fn activity_slot_count(&self) -> u64 {
        self.activity_slots.iter().sum()
    }

    fn distinct(&self) -> u64 {
        self.revenue_slots.iter().sum::<u64>() + self.activity_slot_count()
    }
}

/// Scores one machine at `now` from its [`MachineSummary`]: the same result as [`score_days`]
/// on the days it merges. O(active days), a few arithmetic operations each.
pub fn score_summary(s: &MachineSummary, bonded: bool, admin: &AdminState, now: u64) -> McrScore {
    let distinct = s.distinct();
    let activity_events = s.activity_slot_count();
    let qualifying_days: Vec<i64> = s.qualifying_days.iter().map(|(d, _)| *d).collect();

    let span_days = match (s.first_ts, s.last_ts) {
        (Some(f), Some(l)) => secs_to_days(l.saturating_sub(f)),
        _ => 0.0,
    };
    let events_gate = qualifying_days.len() as u64 >= GATE_MIN_QUALIFYING_REVENUE_DAYS
        || activity_events >= GATE_MIN_ACTIVITY_EVENTS;
    let span_gate = distinct > 0 && span_days >= GATE_MIN_SPAN_DAYS;
    let gates = Gates {
        qualifying_revenue_days: qualifying_days.len() as u64,
        required_qualifying_revenue_days: GATE_MIN_QUALIFYING_REVENUE_DAYS,
        activity_events,
        required_activity_events: GATE_MIN_ACTIVITY_EVENTS,
        events_gate,
        span_days,
        required_span_days: GATE_MIN_SPAN_DAYS,
        span_gate,
    };

    let revenue = operating_factor(&qualifying_days, REVENUE_POINTS);
    let activity = operating_factor(&s.active_days, ACTIVITY_POINTS);
    let trust_sums = TrustSums {
        revenue_slots: s.revenue_slots,
        revenue_cents: s.revenue_slot_cents,
        activity_slots: s.activity_slots,
    };
    let trust = trust_factor(
        &trust_sums,
        s.last_ts,
        &s.active_days,
        span_days,
        admin,
        now,
    );
    let bond_points = if bonded { BOND_POINTS } else { 0.0 };
    let raw_score = bond_points + revenue.points + activity.points + trust.points;
    let rounded_score = round_score(raw_score);

    let (status, rating, score) = if !bonded {
        (ScoreStatus::Unbonded, McrRating::NR, 0)
    } else if !(events_gate && span_gate) {
        (ScoreStatus::Provisioned, McrRating::Provisioned, 0)
    } else {
        let rating = McrRating::for_score(rounded_score);
        let score = if rating == McrRating::NR {
            0
        } else {
            rounded_score
        };
        (ScoreStatus::Rated, rating, score)
    };

    let total_revenue_usd_cents = u128_to_f64(s.revenue_cents);
    McrScore {
        score,
        rating,
        mcr_degraded: s.degraded,
        revenue_trend: revenue_trend(&s.qualifying_days, now),
        total_revenue_usd_cents,
        average_revenue_per_event: if s.revenue_events == 0 {
            0.0
        } else {
            total_revenue_usd_cents / s.revenue_events as f64
        },
        event_count: s.events,
        revenue_event_count: s.revenue_events,
        activity_event_count: s.activity_events,
        model_version: MODEL_VERSION,
        explain: Explain {
            model_version: MODEL_VERSION,
            now,
            status,
            distinct_events: distinct,
            gates,
            bond_points,
            revenue,
            activity,
            trust,
            raw_score,
            rounded_score,
        },
    }
}

/// Distinct events and their USD cents per trust class, over the whole history.
#[derive(Debug, Default)]
struct TrustSums {
    revenue_slots: [u64; TRUST_CLASSES],
    revenue_cents: [u128; TRUST_CLASSES],
    activity_slots: [u64; TRUST_CLASSES],
}

#[allow(clippy::cast_precision_loss)]
fn secs_to_days(secs: u64) -> f64 {
    secs as f64 / SECONDS_PER_DAY as f64
}

#[allow(clippy::cast_precision_loss)]
fn u128_to_f64(v: u128) -> f64 {
    v as f64
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn round_score(raw: f64) -> u8 {
    // Clamp first: the cast is then in range.
    raw.clamp(0.0, 100.0).round() as u8
}

/// Cadence, depth and tenure over a sorted list of distinct active days.
#[allow(clippy::cast_precision_loss)]
fn operating_factor(days: &[i64], max_points: f64) -> ActivityOrRevenueFactor {
    let (Some(&first), Some(&last)) = (days.first(), days.last()) else {
        return ActivityOrRevenueFactor {
            max_points,
            ..ActivityOrRevenueFactor::default()
        };
    };
    let span = (last - first) as f64;
    let span_weeks = u64::try_from((last - first) / 7 + 1).unwrap_or(1);
    let weeks = span_weeks.max(CADENCE_MIN_WEEKS);
    let mut active_weeks = 0u64;
    let mut prev_week = -1i64;
    for d in days {
        let w = (d - first) / 7;
        if w != prev_week {
            active_weeks += 1;
            prev_week = w;
        }
    }
    let cadence = active_weeks as f64 / weeks as f64;
    let depth = (days.len() as f64 / DEPTH_FULL_DAYS).min(1.0).sqrt();
    let tenure = (span / TENURE_FULL_DAYS).min(1.0).sqrt();
    let value = CADENCE_WEIGHT * cadence + DEPTH_WEIGHT * depth + TENURE_WEIGHT * tenure;
    ActivityOrRevenueFactor {
        days: days.len() as u64,
        active_weeks,
        weeks,
        span_days: span,
        cadence,
        depth,
        tenure,
        value,
        max_points,
        points: value * max_points,
    }
}

const fn trust_weight(level: u8, self_bonus: bool) -> f64 {
    match level {
        TRUST_HARDWARE => TRUST_WEIGHT_HARDWARE,
        TRUST_ON_CHAIN => TRUST_WEIGHT_ON_CHAIN,
        // Self-reported, and (conservatively) any level the chain would have rejected.
        _ if self_bonus => TRUST_WEIGHT_SELF_REPORTED + SELF_REPORTED_TENURE_BONUS,
        _ => TRUST_WEIGHT_SELF_REPORTED,
    }
}

/// The weight of each trust class (see `trust_class`).
const fn class_weights(self_bonus: bool) -> [f64; TRUST_CLASSES] {
    [
        trust_weight(TRUST_SELF_REPORTED, self_bonus),
        trust_weight(TRUST_ON_CHAIN, self_bonus),
        trust_weight(TRUST_HARDWARE, self_bonus),
    ]
}

/// Trust of the events (revenue weighted by USD value), the override, freshness and the flag.
/// The weighted sums are taken per trust class from integer totals, so they do not depend on
/// the order of the events.
#[allow(clippy::cast_precision_loss)]
fn trust_factor(
    sums: &TrustSums,
    last_ts: Option<u64>,
    active_days: &[i64],
    span_days: f64,
    admin: &AdminState,
    now: u64,
) -> TrustFactor {
    let self_reported_bonus = span_days >= SELF_REPORTED_BONUS_MIN_SPAN_DAYS;
    let weights = class_weights(self_reported_bonus);
    let (mut rev_n, mut rev_w, mut rev_usd, mut rev_w_usd) = (0u64, 0.0f64, 0u128, 0.0f64);
    let (mut act_n, mut act_w) = (0u64, 0.0f64);
    for (c, w) in weights.iter().enumerate() {
        rev_n += sums.revenue_slots[c];
        rev_w += w * sums.revenue_slots[c] as f64;
        rev_usd += sums.revenue_cents[c];
        rev_w_usd += w * u128_to_f64(sums.revenue_cents[c]);
        act_n += sums.activity_slots[c];
        act_w += w * sums.activity_slots[c] as f64;
    }
    let rev_trust = if rev_n == 0 {
        0.0
    } else if rev_usd == 0 {
        rev_w / rev_n as f64
    } else {
        rev_w_usd / u128_to_f64(rev_usd)
    };
    let act_trust = if act_n == 0 {
        0.0
    } else {
        act_w / act_n as f64
    };
    let n = rev_n + act_n;
    let event_trust = if n == 0 {
        0.0
    } else {
        (rev_trust * rev_n as f64 + act_trust * act_n as f64) / n as f64
    };
    let base = match admin.trust_override_bps {
        Some(bps) => {
            f64::from(bps.min(TRUST_OVERRIDE_FULL_BPS)) / f64::from(TRUST_OVERRIDE_FULL_BPS)
        }
        None => event_trust,
    };

    // Recency: full for a grace period, then halving, never below the floor.
    let days_since_last_event = last_ts.map_or(0.0, |l| secs_to_days(now.saturating_sub(l)));
    let recency = if last_ts.is_none() {
        FRESHNESS_FLOOR
    } else if days_since_last_event <= FRESHNESS_GRACE_DAYS {
        1.0
    } else {
        0.5f64
            .powf((days_since_last_event - FRESHNESS_GRACE_DAYS) / FRESHNESS_HALF_LIFE_DAYS)
            .max(FRESHNESS_FLOOR)
    };
    // Recovery: after the last dormancy gap, the part above the floor is earned back one
    // distinct active day at a time.
    let last_gap = active_days
        .windows(2)
        .enumerate()
        .rev()
        .find(|(_, w)| (w[1] - w[0]) as f64 > DORMANCY_GAP_DAYS)
        .map(|(i, w)| (i + 1, (w[1] - w[0]) as f64));
    let (last_dormancy_days, active_days_since_dormancy, recovery) = match last_gap {
        Some((resume, gap)) => {
            let since = (active_days.len() - resume) as u64;
            (
                Some(gap),
                since,
                (since as f64 / RECOVERY_ACTIVE_DAYS).min(1.0),
            )
        }
        None => (None, active_days.len() as u64, 1.0),
    };
    let freshness = FRESHNESS_FLOOR + (recency - FRESHNESS_FLOOR) * recovery;
    let flag_active = flag_active(admin, now);
    let flag_multiplier = if flag_active {
        FLAG_TRUST_MULTIPLIER
    } else {
        1.0
    };
    let value = base * freshness * flag_multiplier;
    TrustFactor {
        event_trust,
        self_reported_bonus,
        override_bps: admin.trust_override_bps,
        base,
        days_since_last_event,
        recency,
        last_dormancy_days,
        active_days_since_dormancy,
        recovery,
        freshness,
        flag_active,
        flag_multiplier,
        value,
        max_points: TRUST_POINTS,
        points: value * TRUST_POINTS,
    }
}

/// Short vs long moving average of daily qualifying revenue, both windows ending at `now`.
#[allow(clippy::cast_precision_loss)]
fn revenue_trend(qualifying: &[(i64, u128)], now: u64) -> RevenueTrend {
    let Some(&(first, _)) = qualifying.first() else {
        return RevenueTrend::Insufficient;
    };
    let today = utc_day(now);
    let long_start = (today - TREND_LONG_DAYS + 1).max(first);
    let short_start = (today - TREND_SHORT_DAYS + 1).max(long_start);
    if long_start > today {
        return RevenueTrend::Insufficient;
    }
    let (mut long_sum, mut long_n, mut short_sum) = (0u128, 0u64, 0u128);
    for &(d, cents) in qualifying {
        if d >= long_start && d <= today {
            long_sum += cents;
            long_n += 1;
            if d >= short_start {
                short_sum += cents;
            }
        }
    }
    if long_n < TREND_MIN_QUALIFYING_DAYS {
        return RevenueTrend::Insufficient;
    }
    let long_avg = u128_to_f64(long_sum) / (today - long_start + 1) as f64;
    let short_avg = u128_to_f64(short_sum) / (today - short_start + 1) as f64;
    if short_avg >= long_avg * TREND_UP_RATIO {
        RevenueTrend::Up
    } else if short_avg <= long_avg * TREND_DOWN_RATIO {
        RevenueTrend::Down
    } else {
        RevenueTrend::Stable
    }
}
