//! Property tests of model `mcr-v1`: order independence and monotonicity.

use crate::common;

use common::{DAY, T0, rate};
use peaqos_mcr_model::{AdminState, EventRecord, McrRating};
use proptest::prelude::*;

const CURRENCIES: [&str; 6] = ["USD", "USD", "EUR", "JPY", "BHD", "XYZ"];

fn event() -> impl Strategy<Value = EventRecord> {
    (
        0u8..=1,
        0u128..200_000,
        0usize..CURRENCIES.len(),
        // Two years from 2025-01-01, clustered on a few seconds per day so duplicates occur.
        0u64..730,
        prop_oneof![Just(36_000u64), Just(36_001), 0u64..DAY],
        0u8..=2,
    )
        .prop_map(|(t, v, c, day, secs, trust)| EventRecord {
            event_type: t,
            value: if t == 0 { v } else { v % 4 },
            currency: if t == 0 {
                CURRENCIES[c].to_owned()
            } else {
                String::new()
            },
            timestamp: T0 + day * DAY + secs,
            trust_level: trust,
        })
}

/// A history: a few random events plus a regular backbone so many cases graduate.
fn history() -> impl Strategy<Value = Vec<EventRecord>> {
    (
        prop::collection::vec(event(), 0..60),
        0u64..120,
        1u64..4,
        0u8..=2,
    )
        .prop_map(|(mut events, backbone_days, every, trust)| {
            events.extend((0..backbone_days).map(|i| EventRecord {
                event_type: u8::from(i % 3 == 0),
                value: 2_500,
                currency: if i % 3 == 0 {
                    String::new()
                } else {
                    "USD".to_owned()
                },
                timestamp: T0 + i * every * DAY + 40_000,
                trust_level: trust,
            }));
            events
        })
}

fn admin() -> impl Strategy<Value = AdminState> {
    (
        prop::option::of(T0..T0 + 900 * DAY),
        prop::option::of(0u16..=10_000),
    )
        .prop_map(|(flag, bps)| AdminState {
            negative_flag_at: flag,
            trust_override_bps: bps,
        })
}

fn last_ts(events: &[EventRecord]) -> u64 {
    events.iter().map(|e| e.timestamp).max().unwrap_or(T0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn score_ignores_event_order(
        events in history(),
        admin in admin(),
        lag in 0u64..200 * DAY,
        seed in any::<u64>(),
    ) {
        let now = last_ts(&events) + lag;
        let a = rate(&events, admin, now);
        // A deterministic shuffle (and a reversal) of the same events.
        let mut shuffled = events.clone();
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let j = usize::try_from(x % (i as u64 + 1)).expect("small");
            shuffled.swap(i, j);
        }
        prop_assert_eq!(&a, &rate(&shuffled, admin, now));
        let mut reversed = events;
        reversed.reverse();
        prop_assert_eq!(&a, &rate(&reversed, admin, now));
    }

    #[test]
    fn adding_a_higher_trust_copy_never_lowers_the_score(
        events in history(),
        admin in admin(),
        pick in any::<prop::sample::Index>(),
        bump in 0u8..=2,
        lag in 0u64..200 * DAY,
    ) {
        prop_assume!(!events.is_empty());
        let now = last_ts(&events) + lag;
        let original = &events[pick.index(events.len())];
        let mut copy = original.clone();
        copy.trust_level = (original.trust_level + bump).min(2);
        let mut more = events.clone();
        more.push(copy);
        let before = rate(&events, admin, now);
        let after = rate(&more, admin, now);
        prop_assert!(after.explain.raw_score >= before.explain.raw_score,
            "{} < {}", after.explain.raw_score, before.explain.raw_score);
        prop_assert!(after.score >= before.score);
        prop_assert_eq!(after.rating == McrRating::Provisioned, before.rating == McrRating::Provisioned);
    }

    #[test]
    fn a_flag_never_raises_the_score(
        events in history(),
        bps in prop::option::of(0u16..=10_000),
        flag_at in T0..T0 + 900 * DAY,
        lag in 0u64..200 * DAY,
    ) {
        let now = last_ts(&events) + lag;
        let clean = AdminState { negative_flag_at: None, trust_override_bps: bps };
        let flagged = AdminState { negative_flag_at: Some(flag_at), ..clean };
        let a = rate(&events, clean, now);
        let b = rate(&events, flagged, now);
        prop_assert!(b.explain.raw_score <= a.explain.raw_score);
        prop_assert!(b.score <= a.score);
    }

    #[test]
    fn more_dormancy_never_raises_the_score(
        events in history(),
        bps in prop::option::of(0u16..=10_000),
        lag in 0u64..400 * DAY,
        extra in 0u64..400 * DAY,
    ) {
        let now = last_ts(&events) + lag;
        let admin = AdminState { negative_flag_at: None, trust_override_bps: bps };
        let a = rate(&events, admin, now);
        let b = rate(&events, admin, now + extra);
        prop_assert!(b.explain.raw_score <= a.explain.raw_score);
        prop_assert!(b.score <= a.score);
    }

    #[test]
    fn score_rating_and_bounds_agree(events in history(), admin in admin(), lag in 0u64..400 * DAY) {
        let s = rate(&events, admin, last_ts(&events) + lag);
        prop_assert!(s.score <= 100);
        match s.rating {
            McrRating::NR | McrRating::Provisioned => prop_assert_eq!(s.score, 0),
            r => prop_assert_eq!(McrRating::for_score(s.score), r),
        }
        prop_assert_eq!(s.event_count as usize, events.len());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// What a store keeps per (machine, day) — each day summarized from that day's events
    /// alone — scores exactly like the whole history, whatever order the days come in.
    #[test]
    fn day_summaries_score_exactly_like_the_events(
        mut events in history(),
        admin in admin(),
        lag in 0u64..200 * DAY,
        bonded in any::<bool>(),
        seed in any::<u64>(),
    ) {
        static FX: std::sync::LazyLock<peaqos_mcr_model::EcbFx> =
            std::sync::LazyLock::new(peaqos_mcr_model::EcbFx::embedded);
        let fx = &*FX;
        let copies: Vec<EventRecord> = events.iter().step_by(3).cloned().map(|mut e| {
            e.trust_level = (e.trust_level + 1) % 4;
            e
        }).collect();
        events.extend(copies);
        let now = last_ts(&events) + lag;
        let whole = peaqos_mcr_model::summarize(&events, fx);
        let mut per_day: Vec<peaqos_mcr_model::DaySummary> = whole
            .iter()
            .map(|d| {
                let of_day: Vec<EventRecord> = events
                    .iter()
                    .filter(|e| peaqos_mcr_model::date::utc_day(e.timestamp) == d.day)
                    .cloned()
                    .collect();
                let s = peaqos_mcr_model::summarize(&of_day, fx);
                assert_eq!(s.len(), 1);
                s[0]
            })
            .collect();
        prop_assert_eq!(&per_day, &whole);
        // Any order of the days.
        let n = per_day.len().max(1);
        per_day.rotate_left(usize::try_from(seed).unwrap_or(0) % n);
        let input = peaqos_mcr_model::MachineInput { bonded, events: &events, admin };
        let raw = peaqos_mcr_model::score(&input, now, fx);
        let agg = peaqos_mcr_model::score_days(&per_day, bonded, &admin, now);
        prop_assert_eq!(raw, agg);
    }
}
