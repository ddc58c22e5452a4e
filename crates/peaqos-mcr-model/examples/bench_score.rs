//! Time to score one machine with 10k and 100k events (p50/p99 over many runs).
//!
//! `cargo run --release -p peaqos-mcr-model --example bench_score`
#![allow(clippy::print_stdout)]

use std::time::{Duration, Instant};

use peaqos_mcr_model::{AdminState, EcbFx, EventRecord, MachineInput, score};

const DAY: u64 = 86_400;
const T0: u64 = 1_704_067_200; // 2024-01-01

/// `n` events over ~2 years: revenue in USD/EUR/JPY/BHD and activity, mixed trust levels,
/// shuffled so the sort does real work.
fn machine(n: u64) -> Vec<EventRecord> {
    let span = 700 * DAY;
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut events: Vec<EventRecord> = (0..n)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let revenue = i % 2 == 0;
            let currency = match (revenue, i % 8) {
                (false, _) => "",
                (true, 0) => "EUR",
                (true, 2) => "JPY",
                (true, 4) => "BHD",
                _ => "USD",
            };
            EventRecord {
                event_type: u8::from(!revenue),
                value: u128::from(100 + x % 10_000),
                currency: currency.to_owned(),
                timestamp: T0 + (i * span) / n + x % 60,
                trust_level: u8::try_from(x % 3).unwrap_or(0),
            }
        })
        .collect();
    // Fisher-Yates with the same generator.
    for i in (1..events.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let j = usize::try_from(x % (i as u64 + 1)).unwrap_or(0);
        events.swap(i, j);
    }
    events
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn main() {
    let fx = EcbFx::embedded();
    let t = Instant::now();
    let _ = fx.history();
    println!(
        "ECB history parsed once in {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    for (n, runs) in [(10_000u64, 500usize), (100_000, 100)] {
        let events = machine(n);
        let input = MachineInput {
            bonded: true,
            events: &events,
            admin: AdminState::default(),
        };
        let now = T0 + 701 * DAY;
        let first = score(&input, now, &fx);
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let t = Instant::now();
            let s = score(&input, now, &fx);
            times.push(t.elapsed());
            assert_eq!(s.score, first.score);
        }
        times.sort_unstable();
        println!(
            "{n:>7} events: p50 {:.2} ms, p99 {:.2} ms ({runs} runs; {} {} degraded={})",
            percentile(&times, 0.50).as_secs_f64() * 1e3,
            percentile(&times, 0.99).as_secs_f64() * 1e3,
            first.rating,
            first.score,
            first.mcr_degraded,
        );
    }
}
