//! Table tests of scripted machine histories with their expected ratings (model `mcr-v1`).

use crate::common;

use common::*;
use peaqos_mcr_model::{
    AdminState, EcbFx, McrRating, McrScore, NoFx, RevenueTrend, ScoreStatus,
    negative_flag_plausible, params,
};

#[track_caller]
fn expect(s: &McrScore, rating: &str) {
    assert_eq!(
        s.rating.as_str(),
        rating,
        "score {} explain {}",
        s.score,
        serde_json::to_string_pretty(&s.explain).expect("serializes")
    );
    let expected_zero = matches!(s.rating, McrRating::NR | McrRating::Provisioned);
    assert_eq!(
        s.score == 0,
        expected_zero,
        "score {} for {}",
        s.score,
        s.rating
    );
    assert_eq!(s.model_version, "mcr-v1");
}

/// A year of daily $50 revenue, scored the day after the last event.
fn year(trust: u8) -> Vec<peaqos_mcr_model::EventRecord> {
    daily_revenue(5_000, "USD", T0, 365, trust)
}

const AFTER_YEAR: u64 = T0 + 365 * DAY;

#[test]
fn table_of_scripted_histories() {
    let y1 = year(1);
    let mut dormant_then_back_1 = y1.clone();
    dormant_then_back_1.extend(daily_revenue(5_000, "USD", T0 + 565 * DAY, 1, 1));
    let mut dormant_then_back_30 = y1.clone();
    dormant_then_back_30.extend(daily_revenue(5_000, "USD", T0 + 565 * DAY, 30, 1));
    let two_years = daily_revenue(5_000, "USD", T0, 700, 1);
    let flag_at = T0 + 300 * DAY + 5;
    // (name, events, admin, now, expected letter)
    let table: Vec<(&str, Vec<_>, AdminState, u64, &str)> = vec![
        (
            "year of daily revenue, on-chain",
            y1.clone(),
            AdminState::default(),
            AFTER_YEAR,
            "AA",
        ),
        (
            "year of daily revenue, hardware",
            year(2),
            AdminState::default(),
            AFTER_YEAR,
            "AAA",
        ),
        (
            "year of daily revenue, self-reported",
            year(0),
            AdminState::default(),
            AFTER_YEAR,
            "BBB",
        ),
        (
            "400 days of self-reported revenue (tenure bonus)",
            daily_revenue(5_000, "USD", T0, 400, 0),
            AdminState::default(),
            T0 + 400 * DAY,
            "A",
        ),
        (
            "activity-only sensor, hardware",
            daily_activity(T0, 365, 2),
            AdminState::default(),
            AFTER_YEAR,
            "BBB",
        ),
        (
            "activity-only sensor, self-reported",
            daily_activity(T0, 365, 0),
            AdminState::default(),
            AFTER_YEAR,
            "BB",
        ),
        (
            "dormant 30 days",
            y1.clone(),
            AdminState::default(),
            AFTER_YEAR + 30 * DAY,
            "BBB",
        ),
        (
            "dormant 180 days",
            y1.clone(),
            AdminState::default(),
            AFTER_YEAR + 180 * DAY,
            "BB",
        ),
        (
            "dormant 200 days, back for 1 day",
            dormant_then_back_1,
            AdminState::default(),
            T0 + 566 * DAY,
            "BB",
        ),
        (
            "dormant 200 days, back for 30 days",
            dormant_then_back_30,
            AdminState::default(),
            T0 + 595 * DAY,
            "A",
        ),
        (
            "flagged 10 days ago",
            two_years[..310].to_vec(),
            flagged(flag_at),
            flag_at + 10 * DAY,
            "BBB",
        ),
        (
            "same history, not flagged",
            two_years[..310].to_vec(),
            AdminState::default(),
            flag_at + 10 * DAY,
            "AA",
        ),
        (
            "flagged 181 days ago",
            two_years[..481].to_vec(),
            flagged(flag_at),
            flag_at + 181 * DAY,
            "AA",
        ),
        (
            "override 10000 bps",
            y1.clone(),
            overridden(10_000),
            AFTER_YEAR,
            "AAA",
        ),
        (
            "override 2500 bps",
            y1.clone(),
            overridden(2_500),
            AFTER_YEAR,
            "BBB",
        ),
        (
            "override 0 bps",
            y1.clone(),
            overridden(0),
            AFTER_YEAR,
            "BB",
        ),
        (
            "20 days of history",
            y1[..20].to_vec(),
            AdminState::default(),
            T0 + 20 * DAY,
            "Provisioned",
        ),
    ];
    let mut failures = Vec::new();
    for (name, events, admin, now, letter) in &table {
        let s = rate(events, *admin, *now);
        if s.rating.as_str() != *letter {
            failures.push(format!(
                "{name}: expected {letter}, got {} (raw {:.2})",
                s.rating, s.explain.raw_score
            ));
        }
        assert!(!s.mcr_degraded, "{name}: USD never degrades");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn year_of_daily_revenue_with_on_chain_trust_is_aa() {
    let events = year(1);
    let s = rate(&events, AdminState::default(), AFTER_YEAR);
    expect(&s, "AA");
    assert_eq!(s.explain.status, ScoreStatus::Rated);
    assert_eq!(s.revenue_event_count, 365);
    assert_eq!(s.activity_event_count, 0);
    assert_eq!(s.total_revenue_usd_cents, 365.0 * 5_000.0);
    assert_eq!(s.average_revenue_per_event, 5_000.0);
    assert_eq!(s.revenue_trend, RevenueTrend::Stable);
    assert_eq!(s.explain.gates.qualifying_revenue_days, 365);
    assert!((s.explain.trust.base - params::TRUST_WEIGHT_ON_CHAIN).abs() < 1e-12);
    assert_eq!(s.explain.trust.freshness, 1.0);
}

#[test]
fn trust_tiers_order_hardware_over_on_chain_over_self_reported() {
    let scores: Vec<f64> = (0..=2)
        .map(|t| {
            rate(&year(t), AdminState::default(), AFTER_YEAR)
                .explain
                .raw_score
        })
        .collect();
    assert!(scores[0] < scores[1] && scores[1] < scores[2], "{scores:?}");
}

#[test]
fn self_reported_bonus_after_a_year_stays_below_on_chain() {
    let now = T0 + 400 * DAY;
    let self_long = rate(
        &daily_revenue(5_000, "USD", T0, 400, 0),
        AdminState::default(),
        now,
    );
    let chain_long = rate(
        &daily_revenue(5_000, "USD", T0, 400, 1),
        AdminState::default(),
        now,
    );
    let self_short = rate(&year(0), AdminState::default(), AFTER_YEAR);
    assert!(self_long.explain.trust.self_reported_bonus);
    assert!(
        !self_short.explain.trust.self_reported_bonus,
        "span 364 days < 1 year"
    );
    expect(&self_long, "A");
    expect(&self_short, "BBB");
    assert!(self_long.explain.trust.base < chain_long.explain.trust.base);
    assert!(self_long.score < chain_long.score);
}

#[test]
fn activity_only_sensor_graduates_without_revenue() {
    // 10 activity events across 36 days clear both gates.
    let events: Vec<_> = (0..10)
        .map(|i| activity(T0 + i * 4 * DAY + 3_600 + i, 2))
        .collect();
    let s = rate(&events, AdminState::default(), T0 + 37 * DAY);
    assert!(
        s.explain.gates.events_gate && s.explain.gates.span_gate,
        "{:?}",
        s.explain.gates
    );
    assert_eq!(s.explain.gates.qualifying_revenue_days, 0);
    assert_ne!(s.rating, McrRating::Provisioned);
    assert_eq!(s.revenue_trend, RevenueTrend::Insufficient);
    // A year of daily hardware-signed activity.
    let s = rate(
        &daily_activity(T0, 365, 2),
        AdminState::default(),
        AFTER_YEAR,
    );
    expect(&s, "BBB");
    assert_eq!(s.activity_event_count, 365);
    assert_eq!(s.total_revenue_usd_cents, 0.0);
    assert_eq!(s.average_revenue_per_event, 0.0);
}

#[test]
fn gates_keep_a_machine_provisioned() {
    // Plenty of events but a 20-day span.
    let s = rate(
        &daily_activity(T0, 20, 2),
        AdminState::default(),
        T0 + 20 * DAY,
    );
    expect(&s, "Provisioned");
    assert!(s.explain.gates.events_gate && !s.explain.gates.span_gate);
    // A long span but only 5 qualifying revenue days and 5 activity events.
    let mut events = daily_revenue(5_000, "USD", T0, 5, 2);
    events.extend((0..5).map(|i| activity(T0 + 60 * DAY + i, 2)));
    let s = rate(&events, AdminState::default(), T0 + 61 * DAY);
    expect(&s, "Provisioned");
    assert!(!s.explain.gates.events_gate && s.explain.gates.span_gate);
    // Days under $1.00 do not qualify.
    let dust = daily_revenue(99, "USD", T0, 60, 2);
    let s = rate(&dust, AdminState::default(), T0 + 60 * DAY);
    expect(&s, "Provisioned");
    assert_eq!(s.explain.gates.qualifying_revenue_days, 0);
    // …but small events summed over one UTC day do.
    let mut summed = dust;
    summed.extend(daily_revenue(1, "USD", T0 + 3_600, 60, 2));
    let s = rate(&summed, AdminState::default(), T0 + 60 * DAY);
    assert_eq!(s.explain.gates.qualifying_revenue_days, 60);
    assert_ne!(s.rating, McrRating::Provisioned);
    // No events at all.
    expect(&rate(&[], AdminState::default(), T0), "Provisioned");
}

#[test]
fn unbonded_is_nr_zero_whatever_the_history() {
    let s = rate_with(
        false,
        &year(2),
        AdminState::default(),
        AFTER_YEAR,
        &EcbFx::embedded(),
    );
    expect(&s, "NR");
    assert_eq!(s.explain.status, ScoreStatus::Unbonded);
    assert_eq!(s.revenue_event_count, 365, "counts are still reported");
}

#[test]
fn below_thirty_is_nr_with_score_zero() {
    // 10 activity events, 9 on day 0 and one on day 31, trust overridden to 0, then dormant.
    let mut events: Vec<_> = (0..9).map(|i| activity(T0 + i, 0)).collect();
    events.push(activity(T0 + 31 * DAY, 0));
    let s = rate(&events, overridden(0), T0 + 231 * DAY);
    assert_eq!(s.explain.status, ScoreStatus::Rated);
    expect(&s, "NR");
    assert!(s.explain.rounded_score > 0 && s.explain.rounded_score < 30);
}

#[test]
fn dormant_machine_decays_to_the_floor_and_earns_recovery_over_time() {
    let events = year(1);
    let fresh = rate(&events, AdminState::default(), AFTER_YEAR);
    let mut last = fresh.explain.raw_score;
    for gap in [10, 30, 60, 120, 180, 365] {
        let s = rate(&events, AdminState::default(), AFTER_YEAR + gap * DAY);
        assert!(s.explain.raw_score <= last, "gap {gap}");
        last = s.explain.raw_score;
    }
    let dormant = rate(&events, AdminState::default(), AFTER_YEAR + 180 * DAY);
    expect(&dormant, "BB");
    assert_eq!(dormant.explain.trust.freshness, params::FRESHNESS_FLOOR);
    assert_eq!(dormant.revenue_trend, RevenueTrend::Insufficient);
    // Back after 200 days: one event buys 1/30 of the recovery, 30 active days all of it.
    let resume = T0 + 565 * DAY;
    let mut prev = 0.0;
    for days_back in [1u64, 5, 15, 30, 45] {
        let mut ev = events.clone();
        ev.extend(daily_revenue(5_000, "USD", resume, days_back, 1));
        let s = rate(&ev, AdminState::default(), resume + days_back * DAY);
        let t = &s.explain.trust;
        assert_eq!(t.last_dormancy_days, Some(201.0));
        let expected = (days_back as f64 / params::RECOVERY_ACTIVE_DAYS).min(1.0);
        assert!((t.recovery - expected).abs() < 1e-12, "{days_back}: {t:?}");
        assert!(t.freshness > prev || (days_back > 30 && t.freshness == 1.0));
        prev = t.freshness;
        match days_back {
            1 => expect(&s, "BB"),
            30 | 45 => expect(&s, "A"),
            _ => {}
        }
    }
    // One event does not restore freshness even though it is recent.
    let mut one = events;
    one.push(revenue(5_000, "USD", resume, 1));
    let s = rate(&one, AdminState::default(), resume + 1);
    assert!(s.explain.trust.recency == 1.0 && s.explain.trust.freshness < 0.2);
}

#[test]
fn negative_flag_penalises_trust_for_180_days() {
    let history = daily_revenue(5_000, "USD", T0, 700, 1);
    let flag_at = T0 + 300 * DAY + 5;
    let during = rate(&history[..310], flagged(flag_at), flag_at + 10 * DAY);
    let unflagged = rate(&history[..310], AdminState::default(), flag_at + 10 * DAY);
    expect(&during, "BBB");
    expect(&unflagged, "AA");
    assert!(during.explain.trust.flag_active);
    assert_eq!(
        during.explain.trust.flag_multiplier,
        params::FLAG_TRUST_MULTIPLIER
    );
    // The last second of the window is penalised, the next one is not.
    let end = flag_at + 180 * DAY;
    let h = &history[..480];
    assert!(rate(h, flagged(flag_at), end - 1).explain.trust.flag_active);
    let after = rate(h, flagged(flag_at), end);
    assert!(!after.explain.trust.flag_active);
    assert_eq!(after.score, rate(h, AdminState::default(), end).score);
    let later = rate(&history[..481], flagged(flag_at), flag_at + 181 * DAY);
    expect(&later, "AA");
    // The API's negative_flag stays true after the window.
    assert!(negative_flag_plausible(
        &flagged(flag_at),
        flag_at + 181 * DAY
    ));
    assert!(!negative_flag_plausible(&flagged(1_000), flag_at));
    assert!(!negative_flag_plausible(&AdminState::default(), flag_at));
    // A zero timestamp is "not flagged".
    assert!(!rate(h, flagged(0), end).explain.trust.flag_active);
}

#[test]
fn trust_override_replaces_the_trust_contribution() {
    let events = year(0);
    let base = rate(&events, AdminState::default(), AFTER_YEAR);
    expect(&base, "BBB");
    let full = rate(&events, overridden(10_000), AFTER_YEAR);
    expect(&full, "AAA");
    assert_eq!(full.explain.trust.base, 1.0);
    assert_eq!(full.explain.trust.override_bps, Some(10_000));
    let low = rate(&year(2), overridden(2_500), AFTER_YEAR);
    expect(&low, "BBB");
    // Out-of-range values (the contract rejects them) are clamped to the top.
    assert_eq!(
        rate(&events, overridden(60_000), AFTER_YEAR).score,
        full.score
    );
    // Freshness and the flag still apply on top of an override.
    let flagged_override = AdminState {
        negative_flag_at: Some(AFTER_YEAR - DAY),
        trust_override_bps: Some(10_000),
    };
    let s = rate(&events, flagged_override, AFTER_YEAR);
    assert!(s.score < full.score);
    assert!(rate(&events, overridden(10_000), AFTER_YEAR + 90 * DAY).score < full.score);
}

#[test]
fn multi_currency_jpy_eur_bhd_converts_each_at_its_date() {
    // About $50 a day, rotating currencies: ¥7500, €45.00, BD 19.000.
    let events: Vec<_> = (0..180u64)
        .map(|i| {
            let (v, c) = match i % 3 {
                0 => (7_500, "JPY"),
                1 => (4_500, "EUR"),
                _ => (19_000, "BHD"),
            };
            revenue(v, c, T0 + i * DAY + 36_000, 1)
        })
        .collect();
    let s = rate(&events, AdminState::default(), T0 + 180 * DAY);
    expect(&s, "A");
    assert!(!s.mcr_degraded);
    assert_eq!(s.explain.gates.qualifying_revenue_days, 180);
    // BD 19.000 = $50.53 exactly via the peg; JPY and EUR within their 2025 ranges.
    let per_day = s.total_revenue_usd_cents / 180.0;
    assert!((4_500.0..5_800.0).contains(&per_day), "{per_day}");
    // The same history in USD scores alike (same days qualify, similar amounts).
    let usd = daily_revenue(5_000, "USD", T0, 180, 1);
    assert_eq!(
        rate(&usd, AdminState::default(), T0 + 180 * DAY).rating,
        s.rating
    );
}

#[test]
fn unsupported_currency_is_ignored_and_not_degraded() {
    let xyz = daily_revenue(5_000, "XYZ", T0, 180, 1);
    let s = rate(&xyz, AdminState::default(), T0 + 180 * DAY);
    expect(&s, "Provisioned");
    assert!(!s.mcr_degraded);
    assert_eq!(s.total_revenue_usd_cents, 0.0);
    assert_eq!(s.revenue_event_count, 180);
    // Mixed into a USD history it changes nothing but the count.
    let usd = daily_revenue(5_000, "USD", T0, 180, 1);
    let mut mixed = usd.clone();
    mixed.extend(daily_revenue(5_000, "XYZ", T0 + 60, 180, 1));
    let a = rate(&usd, AdminState::default(), T0 + 180 * DAY);
    let b = rate(&mixed, AdminState::default(), T0 + 180 * DAY);
    assert_eq!(a.score, b.score);
    assert_eq!(a.total_revenue_usd_cents, b.total_revenue_usd_cents);
    assert!(!b.mcr_degraded);
    expect(&b, a.rating.as_str());
}

#[test]
fn fx_outage_degrades_and_ignores_non_usd_revenue() {
    let mut events = daily_revenue(5_000, "USD", T0, 180, 1);
    events.extend(daily_revenue(4_500, "EUR", T0 + 60, 180, 1));
    let now = T0 + 180 * DAY;
    let ok = rate(&events, AdminState::default(), now);
    let outage = rate_with(true, &events, AdminState::default(), now, &NoFx);
    assert!(!ok.mcr_degraded);
    assert!(outage.mcr_degraded);
    assert_eq!(
        outage.total_revenue_usd_cents,
        180.0 * 5_000.0,
        "EUR counted as $0"
    );
    expect(&outage, "A");
    // EUR-only under an outage: nothing qualifies.
    let eur = daily_revenue(4_500, "EUR", T0, 180, 1);
    let s = rate_with(true, &eur, AdminState::default(), now, &EcbFx::empty());
    expect(&s, "Provisioned");
    assert!(s.mcr_degraded);
}

#[test]
fn stale_fx_past_the_data_uses_the_latest_rate_and_degrades() {
    // 2027: far past the embedded data (last fixing 2026-10-30).
    let start = 1_798_761_600; // 2027-01-01
    let eur = daily_revenue(4_500, "EUR", start, 120, 1);
    let s = rate(&eur, AdminState::default(), start + 120 * DAY);
    assert!(s.mcr_degraded);
    assert!(
        s.total_revenue_usd_cents > 0.0,
        "the stale rate is still used"
    );
    assert_ne!(s.rating, McrRating::Provisioned);
    // A generous limit makes the same data fresh.
    let lenient = EcbFx::embedded().with_max_staleness_days(3_650);
    let s2 = rate_with(
        true,
        &eur,
        AdminState::default(),
        start + 120 * DAY,
        &lenient,
    );
    assert!(!s2.mcr_degraded);
    assert_eq!(s2.score, s.score);
}

#[test]
fn revenue_trend_compares_short_and_long_averages() {
    let now = T0 + 90 * DAY;
    let mut up = daily_revenue(5_000, "USD", T0, 60, 1);
    up.extend(daily_revenue(9_000, "USD", T0 + 60 * DAY, 30, 1));
    assert_eq!(
        rate(&up, AdminState::default(), now).revenue_trend,
        RevenueTrend::Up
    );
    let mut down = daily_revenue(9_000, "USD", T0, 60, 1);
    down.extend(daily_revenue(5_000, "USD", T0 + 60 * DAY, 30, 1));
    assert_eq!(
        rate(&down, AdminState::default(), now).revenue_trend,
        RevenueTrend::Down
    );
    let flat = daily_revenue(5_000, "USD", T0, 90, 1);
    assert_eq!(
        rate(&flat, AdminState::default(), now).revenue_trend,
        RevenueTrend::Stable
    );
    // Stopped 40 days ago: the short window is empty.
    assert_eq!(
        rate(&flat, AdminState::default(), now + 40 * DAY).revenue_trend,
        RevenueTrend::Down
    );
    let few = daily_revenue(5_000, "USD", T0, 6, 1);
    assert_eq!(
        rate(&few, AdminState::default(), T0 + 6 * DAY).revenue_trend,
        RevenueTrend::Insufficient
    );
}

#[test]
fn revenue_trust_is_weighted_by_usd_value() {
    // One big hardware-signed sale a day and ten small self-reported ones.
    let mut big_trusted = daily_revenue(100_000, "USD", T0, 90, 2);
    for k in 0..10 {
        big_trusted.extend(daily_revenue(100, "USD", T0 + 100 + k, 90, 0));
    }
    let mut small_trusted = daily_revenue(100_000, "USD", T0, 90, 0);
    for k in 0..10 {
        small_trusted.extend(daily_revenue(100, "USD", T0 + 100 + k, 90, 2));
    }
    let now = T0 + 90 * DAY;
    let a = rate(&big_trusted, AdminState::default(), now)
        .explain
        .trust
        .event_trust;
    let b = rate(&small_trusted, AdminState::default(), now)
        .explain
        .trust
        .event_trust;
    assert!(a > 0.95 && b < 0.6, "{a} {b}");
}

#[test]
fn duplicate_submissions_count_once_with_their_best_trust() {
    let events = year(0);
    let mut doubled = events.clone();
    doubled.extend(events.iter().cloned());
    let a = rate(&events, AdminState::default(), AFTER_YEAR);
    let b = rate(&doubled, AdminState::default(), AFTER_YEAR);
    assert_eq!(a.score, b.score);
    assert_eq!(b.explain.distinct_events, 365);
    assert_eq!(
        b.revenue_event_count, 730,
        "reported counts are the chain's"
    );
    let mut upgraded = events.clone();
    upgraded.extend(events.iter().map(|e| {
        let mut e = e.clone();
        e.trust_level = 2;
        e
    }));
    let c = rate(&upgraded, AdminState::default(), AFTER_YEAR);
    assert_eq!(c.explain.trust.event_trust, 1.0);
    assert_eq!(c.rating, McrRating::AAA);
}

#[test]
fn letters_follow_the_published_thresholds() {
    let cases = [
        (100, "AAA"),
        (95, "AAA"),
        (94, "AA"),
        (85, "AA"),
        (84, "A"),
        (75, "A"),
        (74, "BBB"),
        (60, "BBB"),
        (59, "BB"),
        (45, "BB"),
        (44, "B"),
        (30, "B"),
        (29, "NR"),
        (0, "NR"),
    ];
    for (score, letter) in cases {
        assert_eq!(McrRating::for_score(score).as_str(), letter, "{score}");
    }
    for (min, letter) in params::LETTER_THRESHOLDS {
        assert_eq!(McrRating::for_score(min), letter);
    }
}

#[test]
fn results_serialize_with_the_api_strings() {
    let s = rate(&year(1), AdminState::default(), AFTER_YEAR);
    let v = serde_json::to_value(&s).expect("serializes");
    assert_eq!(v["rating"], "AA");
    assert_eq!(v["revenue_trend"], "stable");
    assert_eq!(v["model_version"], "mcr-v1");
    assert_eq!(v["explain"]["status"], "rated");
    assert!(v["explain"]["trust"]["points"].is_number());
    assert_eq!(
        serde_json::to_value(McrRating::Provisioned).expect("serializes"),
        "Provisioned"
    );
}
