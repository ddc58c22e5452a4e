//! `GET /mcr/{did}/history?from=&to=&step=`: the score and letter the published model gives
//! at each point in time, from the events known then (an event is known from its block's
//! timestamp, and not before the time it reports; at the request's `now` everything in the
//! store is known, so the last point of a history ending now is the `/mcr` answer). Bounded: at most [`HISTORY_MAX_POINTS`] points,
//! steps of at least [`HISTORY_MIN_STEP_SECS`], ranges of at most [`HISTORY_MAX_RANGE_SECS`].
//!
//! The machine's bond and AdminFlags state are the current ones at every point (the store
//! keeps the current state, not its journal); the model itself ignores a flag dated after a
//! point.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    sync::{Arc, RwLock},
};

use alloy::primitives::Address;
use axum::{
    Json,
    extract::{Query, State},
    response::{IntoResponse, Response},
};
use peaqos_mcr_model::{AdminState, DaySummary, EventRecord, FxSource, McrRating, date::utc_day};
use serde::Serialize;

use super::{ApiError, AppState, PathParam, Shared, errors, parse_did};
use crate::{scoring::Computed, store::ScoreEvent};

/// The most points one history answers (a leap year at a daily step is 367).
pub const HISTORY_MAX_POINTS: u64 = 400;
/// The smallest step, seconds (one hour).
pub const HISTORY_MIN_STEP_SECS: u64 = 3_600;
/// The longest range `to − from`, seconds (five years).
pub const HISTORY_MAX_RANGE_SECS: u64 = 5 * 366 * 86_400;
/// The step when `step` is absent: one day.
pub const HISTORY_DEFAULT_STEP_SECS: u64 = 86_400;
/// Points when `from` is absent: the last 90 steps and `to`.
pub const HISTORY_DEFAULT_STEPS: u64 = 90;
/// A `to` at most this far past the server's clock reads as "now" (client clock skew).
pub const HISTORY_FUTURE_TOLERANCE_SECS: u64 = 300;
/// Cached histories at most; when full the cache is emptied.
const HISTORY_CACHE_CAPACITY: usize = 10_000;

/// One point of a history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryPoint {
    /// Unix seconds.
    pub at: u64,
    /// The score then (0 for `NR` and `Provisioned`).
    pub mcr_score: u8,
    /// The letter then.
    pub mcr: McrRating,
    /// Some revenue of the events known then used a stale FX rate or had none.
    pub mcr_degraded: bool,
    /// Events known then.
    pub event_count: u64,
}

/// The `/mcr/{did}/history` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryResponse {
    /// The DID as requested.
    pub did: String,
    /// The machine.
    pub machine_id: u64,
    /// The model version.
    pub model_version: &'static str,
    /// The first point's time.
    pub from: u64,
    /// The last point's time.
    pub to: u64,
    /// Seconds between points.
    pub step: u64,
    /// `to`, `to − step`, … down to `from`, oldest first.
    pub points: Vec<HistoryPoint>,
}

/// The requested window, resolved against `now`: points at `to − k·step`, `k = 0…`, not
/// before `from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    /// The earliest point allowed.
    pub from: u64,
    /// The last point.
    pub to: u64,
    /// Seconds between points.
    pub step: u64,
}

impl Window {
    /// The window of the query parameters at `now` (400 / 422 in the API's error shape when
    /// out of bounds; nothing is computed before this check). `clock` is the server's clock
    /// (`now` may be a cached result's earlier `now`): a `to` up to
    /// [`HISTORY_FUTURE_TOLERANCE_SECS`] past it is accepted, and a `to` or `from` past `now`
    /// reads as `now`.
    pub fn of_query(
        query: &HashMap<String, String>,
        now: u64,
        clock: u64,
    ) -> Result<Self, ApiError> {
        let step = errors::query_int(
            query,
            "step",
            HISTORY_DEFAULT_STEP_SECS,
            HISTORY_MIN_STEP_SECS,
            HISTORY_MAX_RANGE_SECS,
        )?;
        let latest = clock.max(now).saturating_add(HISTORY_FUTURE_TOLERANCE_SECS);
        let to_raw = errors::query_int(query, "to", now, 0, latest)?;
        let to = to_raw.min(now);
        let from = match query.get("from") {
            Some(_) => errors::query_int(query, "from", 0, 0, to_raw)?.min(to),
            None => to.saturating_sub(HISTORY_DEFAULT_STEPS.saturating_mul(step)),
        };
        if to - from > HISTORY_MAX_RANGE_SECS {
            return Err(ApiError::bad_request(&format!(
                "History range too large: to - from must be at most {HISTORY_MAX_RANGE_SECS} seconds"
            )));
        }
        let w = Self { from, to, step };
        if w.len() > HISTORY_MAX_POINTS {
            return Err(ApiError::bad_request(&format!(
                "Too many history points: at most {HISTORY_MAX_POINTS}; use a larger step"
            )));
        }
        Ok(w)
    }

    /// How many points.
    pub const fn len(&self) -> u64 {
        (self.to - self.from) / self.step + 1
    }

    /// Whether there are none (never: `to` is always a point).
    pub const fn is_empty(&self) -> bool {
        false
    }

    /// The point times, oldest first.
    pub fn times(&self) -> Vec<u64> {
        let n = self.len();
        (0..n).rev().map(|k| self.to - k * self.step).collect()
    }
}

/// The model's score of a machine at each of `times`, each from the events known then: an
/// event is known from `known_at` (its block's timestamp), and at `now` or later every event
/// is. `events` may be in any order.
pub fn history_points(
    bonded: bool,
    admin: AdminState,
    events: &[(u64, EventRecord)],
    times: &[u64],
    now: u64,
    fx: &dyn FxSource,
) -> Vec<HistoryPoint> {
    history_points_from(bonded, admin, &[], events, times, now, fx)
}

/// [`history_points`] with the days in `settled` already summarized: days whose events are
/// all known at the earliest of `times` (the store's per-day summaries of the machine's
/// summary row), so only the events of the other days are read and summarized. `events`
/// must hold no event of a settled day.
///
/// Incremental: the events are taken in the order they become known, and at each point only
/// the days that gained an event are summarized again (from their events known then); the
/// point is then [`peaqos_mcr_model::score_days`] over all days. This is exactly the model's
/// `score` of the events known then (a day's summary depends only on that day's events), at
/// `O(events · log + points · days)` instead of a scoring of every known event per point.
pub fn history_points_from(
    bonded: bool,
    admin: AdminState,
    settled: &[DaySummary],
    events: &[(u64, EventRecord)],
    times: &[u64],
    now: u64,
    fx: &dyn FxSource,
) -> Vec<HistoryPoint> {
    let mut sorted: Vec<&(u64, EventRecord)> = events.iter().collect();
    sorted.sort_by_key(|(known_at, _)| *known_at);
    let mut days: BTreeMap<i64, DaySummary> = settled.iter().map(|d| (d.day, *d)).collect();
    // The known events of every day that is not settled.
    let mut open: HashMap<i64, Vec<EventRecord>> = HashMap::new();
    // Points in time order (a point's known events are a prefix of `sorted`).
    let mut order: Vec<usize> = (0..times.len()).collect();
    order.sort_by_key(|&i| times[i]);
    let mut out: Vec<Option<HistoryPoint>> = vec![None; times.len()];
    let mut taken = 0;
    let mut list: Vec<DaySummary> = Vec::new();
    for i in order {
        let at = times[i];
        let known = if at >= now {
            sorted.len()
        } else {
            sorted.partition_point(|(known_at, _)| *known_at <= at)
        };
        let mut touched: BTreeSet<i64> = BTreeSet::new();
        for (_, e) in sorted.get(taken..known).unwrap_or_default() {
            let day = utc_day(e.timestamp);
            open.entry(day).or_default().push(e.clone());
            touched.insert(day);
        }
        taken = taken.max(known);
        for day in touched {
            let summary = open
                .get(&day)
                .map(|evs| peaqos_mcr_model::summarize(evs, fx))
                .and_then(|s| s.into_iter().next());
            if let Some(summary) = summary {
                days.insert(day, summary);
            }
        }
        list.clear();
        list.extend(days.values().copied());
        let s = peaqos_mcr_model::score_days(&list, bonded, &admin, at);
        out[i] = Some(HistoryPoint {
            at,
            mcr_score: s.score,
            mcr: s.rating,
            mcr_degraded: s.mcr_degraded,
            event_count: s.event_count,
        });
    }
    out.into_iter().flatten().collect()
}

/// When an event becomes part of a history: when its block was made, and not before the time
/// it reports (a future-dated event counts from its date; at `now` every stored event counts,
/// as in `/mcr`).
pub fn known_at(e: &ScoreEvent) -> u64 {
    e.block_timestamp.max(e.timestamp)
}

/// The point `/mcr` answers for `c`.
fn point_of(c: &Computed) -> HistoryPoint {
    HistoryPoint {
        at: c.now,
        mcr_score: c.score.score,
        mcr: c.score.rating,
        mcr_degraded: c.score.mcr_degraded,
        event_count: c.score.event_count,
    }
}

/// The AdminFlags state the model reads for a stored machine.
pub(crate) fn admin_of(c: &Computed) -> AdminState {
    AdminState {
        negative_flag_at: c.machine.flagged_at,
        trust_override_bps: c
            .machine
            .trust_override_bps
            .map(|v| u16::try_from(v).unwrap_or(u16::MAX)),
    }
}

/// The history of the scored machine `c` over `w`; the point at `c.now` is `c` itself.
///
/// With the stored rates the days already settled at the first point come from the machine's
/// summary row (converted with the same stored rates) and only the later days' events are
/// read, so a 30-day sparkline of a machine with years of history reads about 30 days of
/// events; with a fixed FX source every event is read and summarized with it.
pub(crate) async fn compute(
    s: &Shared,
    c: &Computed,
    w: Window,
) -> Result<Vec<HistoryPoint>, ApiError> {
    let times = w.times();
    let first = times.first().copied().unwrap_or(w.to);
    let (settled, events) = match s.rates() {
        crate::scoring::Rates::Stored => s.store.history_input(c.machine.machine_id, first).await?,
        crate::scoring::Rates::Fixed(_) => (
            Vec::new(),
            s.store.score_events(c.machine.machine_id).await?,
        ),
    };
    let events: Vec<(u64, EventRecord)> = events
        .into_iter()
        .map(|e: ScoreEvent| (known_at(&e), EventRecord::from(e)))
        .collect();
    let mut points = history_points_from(
        c.machine.bonded,
        admin_of(c),
        &settled,
        &events,
        &times,
        c.now,
        s.fx.as_ref(),
    );
    if let Some(last) = points.last_mut()
        && last.at == c.now
    {
        *last = point_of(c);
    }
    Ok(points)
}

/// Histories keyed by machine wallet and query, each valid while the `/mcr` result it was
/// computed with is the cached one (so it expires exactly when `/mcr`'s entry does: TTL,
/// rollback, a change to the machine).
#[derive(Debug, Default)]
pub struct HistoryCache {
    entries: RwLock<HashMap<(Address, HistoryKey), CachedHistory>>,
}

/// The query as given (absent `from`/`to` are relative to the `/mcr` result's `now`).
type HistoryKey = (Option<u64>, Option<u64>, u64);

#[derive(Debug)]
struct CachedHistory {
    base: Arc<Computed>,
    points: Arc<Vec<HistoryPoint>>,
    window: Window,
}

impl HistoryCache {
    fn get(&self, key: &(Address, HistoryKey), base: &Arc<Computed>) -> Option<CachedHistory> {
        let entries = self.entries.read().ok()?;
        let e = entries.get(key)?;
        Arc::ptr_eq(&e.base, base).then(|| CachedHistory {
            base: e.base.clone(),
            points: e.points.clone(),
            window: e.window,
        })
    }

    fn put(&self, key: (Address, HistoryKey), value: CachedHistory) {
        let Ok(mut entries) = self.entries.write() else {
            return;
        };
        if entries.len() >= HISTORY_CACHE_CAPACITY {
            entries.clear();
        }
        entries.insert(key, value);
    }
}

/// `GET /mcr/{did}/history`.
pub(super) async fn get_history(
    State(s): State<AppState>,
    PathParam(did): PathParam,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let wallet = parse_did(&did)?;
    // Bounds are checked against the clock before any store read.
    let clock = crate::scoring::unix_now();
    Window::of_query(&query, clock, clock)?;
    s.ensure_ready()?;
    let c = s
        .score_wallet(wallet)
        .await?
        .ok_or_else(ApiError::not_registered)?;
    let (points, window) = s.history_of(&c, &query).await?;
    Ok(Json(HistoryResponse {
        did,
        machine_id: c.machine.machine_id,
        model_version: c.score.model_version,
        from: window.from,
        to: window.to,
        step: window.step,
        points: points.to_vec(),
    })
    .into_response())
}

impl Shared {
    /// The history of the scored machine `c` for `query` (cached with `c`).
    pub(crate) async fn history_of(
        &self,
        c: &Arc<Computed>,
        query: &HashMap<String, String>,
    ) -> Result<(Arc<Vec<HistoryPoint>>, Window), ApiError> {
        // Relative to the `/mcr` result, so the last point of a history ending now is it.
        let window = Window::of_query(query, c.now, crate::scoring::unix_now())?;
        let num = |name: &str| query.get(name).and_then(|v| v.trim().parse().ok());
        let key = (c.machine.wallet, (num("from"), num("to"), window.step));
        if let Some(hit) = self.history_cache.get(&key, c) {
            return Ok((hit.points, hit.window));
        }
        let points = Arc::new(compute(self, c, window).await?);
        if !c.score.mcr_degraded {
            self.history_cache.put(
                key,
                CachedHistory {
                    base: c.clone(),
                    points: points.clone(),
                    window,
                },
            );
        }
        Ok((points, window))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use peaqos_mcr_model::{MachineInput, NoFx};
    use proptest::prelude::*;

    const DAY: u64 = 86_400;
    const T0: u64 = 1_700_000_000;

    fn q(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn windows_and_bounds() {
        let now = T0;
        let w = Window::of_query(&q(&[]), now, now).expect("default");
        assert_eq!((w.to, w.step, w.len()), (now, DAY, 91));
        assert_eq!(w.times().last(), Some(&now));
        let year = Window::of_query(&q(&[("from", &(now - 365 * DAY).to_string())]), now, now)
            .expect("a year daily");
        assert_eq!(year.len(), 366);
        // One point per step, the last at `to`, none before `from`.
        let w = Window::of_query(
            &q(&[("from", "100"), ("to", "1000"), ("step", "3600")]),
            now,
            now,
        )
        .expect("one point");
        assert_eq!(w.times(), vec![1000]);
        for (query, status) in [
            (q(&[("step", "59")]), 422),
            (q(&[("step", "x")]), 422),
            (q(&[("to", &(now + 10_000).to_string())]), 422),
            (q(&[("from", &(now + 1).to_string())]), 422),
            (q(&[("from", "0")]), 400),
            (q(&[("from", &(now - 500 * DAY).to_string())]), 400),
            (
                q(&[("step", "3600"), ("from", &(now - 30 * DAY).to_string())]),
                400,
            ),
            (q(&[("step", "99999999999999999999999")]), 422),
        ] {
            let e = Window::of_query(&query, now, now).expect_err("out of bounds");
            assert_eq!(e.status.as_u16(), status, "{query:?}: {e:?}");
        }
        // A `to` a little in the future is now.
        let w = Window::of_query(&q(&[("to", &(now + 10).to_string())]), now, now).expect("skew");
        assert_eq!(w.to, now);
    }

    fn event() -> impl Strategy<Value = (u64, EventRecord)> {
        (
            0u64..400,
            0u64..3600,
            0u8..2,
            1u128..1_000_000,
            0u8..3,
            0u64..3,
        )
            .prop_map(|(day, sec, kind, value, trust, lag_days)| {
                let timestamp = T0 + day * DAY + sec;
                let record = EventRecord {
                    event_type: kind,
                    value,
                    currency: if kind == 0 {
                        "USD".into()
                    } else {
                        String::new()
                    },
                    timestamp,
                    trust_level: trust,
                };
                // Known when its block was made: at or some days after the event time.
                (timestamp + lag_days * DAY, record)
            })
    }

    fn daily(now: u64, days: u64) -> Vec<u64> {
        (0..=days).rev().map(|k| now - k * DAY).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// The last point (at `now`) is the model's score of every event at `now`, as `/mcr`.
        #[test]
        fn last_point_is_the_score_now(
            events in prop::collection::vec(event(), 0..80),
            bonded in any::<bool>(),
        ) {
            let now = T0 + 420 * DAY;
            let points = history_points(bonded, AdminState::default(), &events, &daily(now, 30), now, &NoFx);
            let records: Vec<EventRecord> = events.iter().map(|(_, e)| e.clone()).collect();
            let input = MachineInput { bonded, events: &records, admin: AdminState::default() };
            let s = peaqos_mcr_model::score(&input, now, &NoFx);
            let last = points.last().expect("a point");
            prop_assert_eq!((last.at, last.mcr_score, last.mcr, last.event_count), (now, s.score, s.rating, s.event_count));
        }

        /// Before the first event is known a machine is `Provisioned` (bonded) or `NR`, 0.
        #[test]
        fn before_the_first_event_provisioned_or_nr(
            events in prop::collection::vec(event(), 1..40),
            bonded in any::<bool>(),
        ) {
            let first = events.iter().map(|(k, _)| *k).min().unwrap_or(T0);
            let times: Vec<u64> = (1..=20).map(|k| first - k * 3_600).rev().collect();
            for p in history_points(bonded, AdminState::default(), &events, &times, first + 1000 * DAY, &NoFx) {
                let want = if bonded { McrRating::Provisioned } else { McrRating::NR };
                prop_assert_eq!((p.mcr, p.mcr_score, p.event_count), (want, 0, 0));
            }
        }

        /// The incremental computation, with or without the days settled at the first
        /// point given as summaries, equals the model's score of the events known at each
        /// point (hourly and daily points, in any order).
        #[test]
        fn incremental_equals_rescoring_at_every_point(
            events in prop::collection::vec(event(), 0..80),
            bonded in any::<bool>(),
            first_day in 0u64..420,
            first_sec in 0u64..DAY,
            hourly in any::<bool>(),
            shuffle in any::<u64>(),
        ) {
            let now = T0 + 430 * DAY;
            let first = T0 + first_day * DAY + first_sec;
            let step = if hourly { 3_600 } else { DAY };
            let mut times: Vec<u64> = (0..30).map(|k| (first + k * step).min(now)).collect();
            // Any order: the points come back in the order asked.
            let n = times.len();
            times.rotate_left(usize::try_from(shuffle % n as u64).unwrap_or(0));
            let rescored: Vec<HistoryPoint> = times.iter().map(|&at| {
                let known: Vec<EventRecord> = events.iter()
                    .filter(|(k, _)| at >= now || *k <= at)
                    .map(|(_, e)| e.clone())
                    .collect();
                let input = MachineInput { bonded, events: &known, admin: AdminState::default() };
                let s = peaqos_mcr_model::score(&input, at, &NoFx);
                HistoryPoint { at, mcr_score: s.score, mcr: s.rating, mcr_degraded: s.mcr_degraded, event_count: s.event_count }
            }).collect();
            prop_assert_eq!(&history_points(bonded, AdminState::default(), &events, &times, now, &NoFx), &rescored);
            // Settled: every event of the day known at the first point and the day over.
            let earliest = times.iter().copied().min().unwrap_or(first);
            let day_of = |e: &EventRecord| utc_day(e.timestamp);
            let settled_day = |day: i64| {
                (u64::try_from(day + 1).unwrap_or(0) * DAY).saturating_sub(1) <= earliest
                    && events.iter().filter(|(_, e)| day_of(e) == day).all(|(k, _)| *k <= earliest)
            };
            let (old, rest): (Vec<_>, Vec<_>) = events.iter().cloned().partition(|(_, e)| settled_day(day_of(e)));
            let old: Vec<EventRecord> = old.into_iter().map(|(_, e)| e).collect();
            let settled = peaqos_mcr_model::summarize(&old, &NoFx);
            prop_assert_eq!(history_points_from(bonded, AdminState::default(), &settled, &rest, &times, now, &NoFx), rescored);
        }

        /// A new event never changes the points before it is known.
        #[test]
        fn a_new_event_never_changes_the_past(
            events in prop::collection::vec(event(), 0..60),
            extra in event(),
            bonded in any::<bool>(),
        ) {
            let now = T0 + 420 * DAY;
            let times = daily(now, 400);
            let before = history_points(bonded, AdminState::default(), &events, &times, now, &NoFx);
            let mut more = events.clone();
            more.push(extra.clone());
            let after = history_points(bonded, AdminState::default(), &more, &times, now, &NoFx);
            for (b, a) in before.iter().zip(&after) {
                if b.at < extra.0 {
                    prop_assert_eq!(b, a);
                }
            }
            prop_assert_eq!(after.last().map(|p| p.event_count), Some(events.len() as u64 + 1));
        }
    }
}
