//! Scripted machine histories shared by the model tests.
#![allow(dead_code, unreachable_pub)]

use peaqos_mcr_model::{AdminState, EcbFx, EventRecord, FxSource, MachineInput, McrScore, score};

/// One day in seconds.
pub const DAY: u64 = 86_400;
/// 2025-01-01T00:00:00Z: inside the embedded ECB data.
pub const T0: u64 = 1_735_689_600;

/// A revenue event (`value` in minor units of `currency`) at `ts`.
pub fn revenue(value: u128, currency: &str, ts: u64, trust: u8) -> EventRecord {
    EventRecord {
        event_type: 0,
        value,
        currency: currency.to_owned(),
        timestamp: ts,
        trust_level: trust,
    }
}

/// An activity event at `ts`.
pub fn activity(ts: u64, trust: u8) -> EventRecord {
    EventRecord {
        event_type: 1,
        value: 1,
        currency: String::new(),
        timestamp: ts,
        trust_level: trust,
    }
}

/// One revenue event a day at 10:00 UTC for `days` days from `start`.
pub fn daily_revenue(
    value: u128,
    currency: &str,
    start: u64,
    days: u64,
    trust: u8,
) -> Vec<EventRecord> {
    (0..days)
        .map(|i| revenue(value, currency, start + i * DAY + 36_000, trust))
        .collect()
}

/// One activity event a day at 10:00 UTC for `days` days from `start`.
pub fn daily_activity(start: u64, days: u64, trust: u8) -> Vec<EventRecord> {
    (0..days)
        .map(|i| activity(start + i * DAY + 36_000, trust))
        .collect()
}

/// Scores a bonded machine with the embedded ECB source.
pub fn rate(events: &[EventRecord], admin: AdminState, now: u64) -> McrScore {
    rate_with(true, events, admin, now, &EcbFx::embedded())
}

/// Scores with everything explicit.
pub fn rate_with(
    bonded: bool,
    events: &[EventRecord],
    admin: AdminState,
    now: u64,
    fx: &dyn FxSource,
) -> McrScore {
    score(
        &MachineInput {
            bonded,
            events,
            admin,
        },
        now,
        fx,
    )
}

/// The negative flag set at `at`.
pub const fn flagged(at: u64) -> AdminState {
    AdminState {
        negative_flag_at: Some(at),
        trust_override_bps: None,
    }
}

/// A trust override of `bps`.
pub const fn overridden(bps: u16) -> AdminState {
    AdminState {
        negative_flag_at: None,
        trust_override_bps: Some(bps),
    }
}
