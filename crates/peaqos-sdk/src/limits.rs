//! Operational limits a client enforces on its own event submissions: a per-event value cap
//! and a per-machine rate limit over a sliding window. `0` disables a limit.
//!
//! As in the official client:
//!
//! - nothing is checked (and nothing recorded) when all three settings are 0;
//! - the value cap applies when `max_value_per_tx > 0` and `value > max_value_per_tx`
//!   ([`Error::ValueCapExceeded`]);
//! - the rate limit applies when `rate_limit_max_events > 0` and `rate_limit_window_seconds > 0`
//!   and the machine already has `rate_limit_max_events` or more submissions in the last
//!   `rate_limit_window_seconds` ([`Error::RateLimitExceeded`],
//!   whose `count` is the number already in the window);
//! - the tracker is in memory, per client, per machine id; a slot is reserved before the
//!   transaction is sent and rolled back if it fails (or, unlike the official client, if a
//!   later event of the same batch is rejected).
//!
//! [`check_limits`] is the pure check; [`PeaqosClient::check_operational_limits`] runs it against
//! the client's limits and tracker without reserving anything.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use alloy::primitives::U256;

use crate::{Error, Result, client::PeaqosClient};

/// Limits the client applies before submitting events (0 disables each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OperationalLimits {
    /// Largest `value` one event may carry (0 = no cap).
    pub max_value_per_tx: U256,
    /// Most events per machine within `window_seconds` (0 = no limit).
    pub rate_limit_max_events: u64,
    /// The rate-limit window in seconds.
    pub rate_limit_window_seconds: u64,
}

impl OperationalLimits {
    /// No limits (the default).
    pub const NONE: Self = Self {
        max_value_per_tx: U256::ZERO,
        rate_limit_max_events: 0,
        rate_limit_window_seconds: 0,
    };

    /// Limits with all three settings.
    pub const fn new(
        max_value_per_tx: U256,
        rate_limit_max_events: u64,
        rate_limit_window_seconds: u64,
    ) -> Self {
        Self {
            max_value_per_tx,
            rate_limit_max_events,
            rate_limit_window_seconds,
        }
    }

    /// Whether every setting is 0 (then nothing is checked or recorded).
    pub fn is_disabled(&self) -> bool {
        self.max_value_per_tx.is_zero()
            && self.rate_limit_max_events == 0
            && self.rate_limit_window_seconds == 0
    }

    /// Whether the rate limit is active (both the maximum and the window non-zero).
    pub const fn rate_limit_enabled(&self) -> bool {
        self.rate_limit_max_events > 0 && self.rate_limit_window_seconds > 0
    }

    /// The rate-limit window.
    pub const fn window(&self) -> Duration {
        Duration::from_secs(self.rate_limit_window_seconds)
    }
}

/// Checks one submission against `limits`, given the number of submissions `machine_id`
/// already has in the current window: the value cap first, then the rate limit.
pub fn check_limits(
    limits: &OperationalLimits,
    machine_id: U256,
    value: U256,
    count_in_window: u64,
) -> Result<()> {
    if !limits.max_value_per_tx.is_zero() && value > limits.max_value_per_tx {
        return Err(Error::ValueCapExceeded {
            value,
            cap: limits.max_value_per_tx,
        });
    }
    if limits.rate_limit_enabled() && count_in_window >= limits.rate_limit_max_events {
        return Err(Error::RateLimitExceeded {
            machine_id,
            count: count_in_window,
            max_events: limits.rate_limit_max_events,
            window_seconds: limits.rate_limit_window_seconds,
        });
    }
    Ok(())
}

/// Per-machine submission times, kept by the client for the rate limit.
#[derive(Debug, Default)]
pub struct EventTracker {
    submissions: HashMap<U256, VecDeque<Instant>>,
}

impl EventTracker {
    /// An empty tracker.
    pub fn new() -> Self {
        Self::default()
    }

    /// Submission times of `machine_id` still inside `window`, oldest first (older ones are
    /// dropped).
    pub fn recent(
        &mut self,
        machine_id: U256,
        window: Duration,
        now: Instant,
    ) -> &mut VecDeque<Instant> {
        let times = self.submissions.entry(machine_id).or_default();
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= window)
        {
            times.pop_front();
        }
        times
    }

    /// How many submissions `machine_id` has inside `window` ending at `now` (0 for a zero
    /// window, as the official tracker).
    pub fn count(&mut self, machine_id: U256, window: Duration, now: Instant) -> u64 {
        if window.is_zero() {
            self.submissions.remove(&machine_id);
            return 0;
        }
        let n = self.recent(machine_id, window, now).len();
        if n == 0 {
            self.submissions.remove(&machine_id);
        }
        u64::try_from(n).unwrap_or(u64::MAX)
    }

    /// Records a submission of `machine_id` at `at`.
    pub fn record(&mut self, machine_id: U256, at: Instant) {
        let times = self.submissions.entry(machine_id).or_default();
        // Keep the queue sorted even if `at` is older than the newest entry.
        let pos = times.partition_point(|t| *t <= at);
        times.insert(pos, at);
    }

    /// Removes one submission of `machine_id` recorded at exactly `at` (a reservation whose
    /// transaction failed); whether one was found.
    pub fn rollback(&mut self, machine_id: U256, at: Instant) -> bool {
        let Some(times) = self.submissions.get_mut(&machine_id) else {
            return false;
        };
        let Some(pos) = times.iter().rposition(|t| *t == at) else {
            return false;
        };
        times.remove(pos);
        if times.is_empty() {
            self.submissions.remove(&machine_id);
        }
        true
    }

    /// Forgets every submission.
    pub fn clear(&mut self) {
        self.submissions.clear();
    }
}

/// Slots reserved in a client's [`EventTracker`] for submissions in flight; [`Reservation::release`]
/// rolls them back (dropping it keeps them).
#[derive(Debug, Default)]
#[must_use = "a reservation must be released when its transaction fails"]
pub(crate) struct Reservation {
    slots: Vec<(U256, Instant)>,
}

impl Reservation {
    /// Rolls every reserved slot back.
    pub(crate) fn release(self, client: &PeaqosClient) {
        if self.slots.is_empty() {
            return;
        }
        let mut tracker = lock(client);
        for (machine_id, at) in self.slots {
            tracker.rollback(machine_id, at);
        }
    }
}

fn lock(client: &PeaqosClient) -> std::sync::MutexGuard<'_, EventTracker> {
    // A panic while holding the lock cannot leave the tracker inconsistent (each operation is a
    // single push / remove), so a poisoned lock is still usable.
    client
        .event_tracker()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl PeaqosClient {
    /// Checks a submission of `value` for `machine_id` against this client's
    /// [`OperationalLimits`] and the submissions it has made (its [`EventTracker`]) without
    /// reserving anything: [`Error::ValueCapExceeded`] or [`Error::RateLimitExceeded`].
    /// Always `Ok` when every limit is 0.
    pub fn check_operational_limits(&self, machine_id: U256, value: U256) -> Result<()> {
        let limits = *self.operational_limits();
        if limits.is_disabled() {
            return Ok(());
        }
        let count = lock(self).count(machine_id, limits.window(), Instant::now());
        check_limits(&limits, machine_id, value, count)
    }

    /// Checks the events `(machine_id, value)` in order against the limits, counting the earlier
    /// ones of the same list, and reserves one slot per event; on a failure nothing stays
    /// reserved. `validate(i)` runs before event `i` is checked (the official order: validate,
    /// then limits, event by event).
    pub(crate) fn reserve_event_slots(
        &self,
        events: &[(U256, U256)],
        mut validate: impl FnMut(usize) -> Result<()>,
    ) -> Result<Reservation> {
        let limits = *self.operational_limits();
        let mut reservation = Reservation::default();
        if limits.is_disabled() {
            for i in 0..events.len() {
                validate(i)?;
            }
            return Ok(reservation);
        }
        let now = Instant::now();
        let mut tracker = lock(self);
        for (i, &(machine_id, value)) in events.iter().enumerate() {
            let checked = validate(i).and_then(|()| {
                let count = tracker.count(machine_id, limits.window(), now);
                check_limits(&limits, machine_id, value, count)
            });
            if let Err(e) = checked {
                for (m, at) in reservation.slots.drain(..) {
                    tracker.rollback(m, at);
                }
                return Err(e);
            }
            tracker.record(machine_id, now);
            reservation.slots.push((machine_id, now));
        }
        Ok(reservation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disabled_and_enabled() {
        assert!(OperationalLimits::NONE.is_disabled());
        assert!(OperationalLimits::default().is_disabled());
        let l = OperationalLimits::new(U256::ZERO, 0, 60);
        assert!(!l.is_disabled());
        assert!(!l.rate_limit_enabled());
    }

    #[test]
    fn cap_then_rate() {
        let l = OperationalLimits::new(U256::from(100), 2, 60);
        let m = U256::from(7);
        check_limits(&l, m, U256::from(100), 1).expect("at the cap, under the rate");
        let e = check_limits(&l, m, U256::from(101), 5).expect_err("cap first");
        assert!(matches!(e, Error::ValueCapExceeded { .. }), "{e:?}");
        assert_eq!(e.to_string(), "Value 101 exceeds cap 100");
        let e = check_limits(&l, m, U256::from(1), 2).expect_err("rate");
        assert!(
            matches!(e, Error::RateLimitExceeded { count: 2, .. }),
            "{e:?}"
        );
        assert_eq!(e.to_string(), "Machine 7: 2/2 events in 60s");
        // A window of 0 disables the rate limit.
        check_limits(&OperationalLimits::new(U256::ZERO, 1, 0), m, U256::MAX, 9).expect("off");
    }

    #[test]
    fn tracker_window_record_rollback() {
        let mut t = EventTracker::new();
        let m = U256::from(1);
        let start = Instant::now();
        let w = Duration::from_secs(10);
        t.record(m, start);
        t.record(m, start + Duration::from_secs(5));
        assert_eq!(t.count(m, w, start + Duration::from_secs(6)), 2);
        assert_eq!(
            t.count(m, w, start + Duration::from_secs(10)),
            1,
            "the first left the window"
        );
        assert!(t.rollback(m, start + Duration::from_secs(5)));
        assert!(!t.rollback(m, start + Duration::from_secs(5)));
        assert_eq!(t.count(m, w, start + Duration::from_secs(10)), 0);
        t.record(m, start);
        assert_eq!(t.count(m, Duration::ZERO, start), 0);
        assert_eq!(t.count(U256::from(2), w, start), 0);
    }
}
