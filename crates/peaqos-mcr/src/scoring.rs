//! Scoring a machine from the store with the published model, and the TTL cache of results.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use alloy::primitives::Address;
use peaqos_mcr_model::{AdminState, EventRecord, FxSource, MachineInput, McrScore};
use peaqos_types::api::{BondStatus, McrRating, McrResponse};
use serde_json::Number;

use crate::{
    Result,
    fx::LiveFx,
    indexer::IndexerStatus,
    machine_summaries::StoredSummary,
    store::{MachineState, Store},
};

/// Entries the cache holds at most; past that, expired entries are dropped, then all.
const CACHE_CAPACITY: usize = 200_000;

/// The longest lifetime an entry gets (`MCR_CACHE_TTL` is clamped to it).
const MAX_TTL: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// Unix seconds now.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A machine's score and the figures `/mcr/{did}` reports besides it.
#[derive(Debug, Clone)]
pub struct Computed {
    /// The machine.
    pub machine: MachineState,
    /// The model's result.
    pub score: McrScore,
    /// The API's `negative_flag`.
    pub negative_flag: bool,
    /// When the latest event's block was made.
    pub last_updated: Option<u64>,
    /// The `now` scored at.
    pub now: u64,
    /// The latest UTC day of a non-USD revenue event (what new FX rates can change).
    pub fx_last_day: Option<i64>,
}

impl Computed {
    /// The `/mcr/{did}` body, `did` echoing the request.
    pub fn response(&self, did: &str) -> McrResponse {
        let s = &self.score;
        McrResponse {
            did: did.to_owned(),
            machine_id: self.machine.machine_id,
            mcr_score: s.score,
            mcr: self.rating(),
            mcr_degraded: s.mcr_degraded,
            bond_status: self.bond_status(),
            negative_flag: self.negative_flag,
            event_count: s.event_count,
            revenue_event_count: s.revenue_event_count,
            activity_event_count: s.activity_event_count,
            revenue_trend: s.revenue_trend,
            total_revenue: usd_number(s.total_revenue_usd_cents, true),
            average_revenue_per_event: usd_number(s.average_revenue_per_event, false),
            last_updated: self.last_updated,
        }
    }

    /// The rating letter.
    pub const fn rating(&self) -> McrRating {
        self.score.rating
    }

    /// `bonded` / `unbonded`.
    pub const fn bond_status(&self) -> BondStatus {
        if self.machine.bonded {
            BondStatus::Bonded
        } else {
            BondStatus::Unbonded
        }
    }
}

/// USD cents as a JSON number: the total as an integer when whole, the average as a float.
fn usd_number(v: f64, integer_when_whole: bool) -> Number {
    let v = if v.is_finite() && v > 0.0 { v } else { 0.0 };
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    if integer_when_whole && v.fract() == 0.0 && v < 9.0e15 {
        Number::from(v as u64)
    } else {
        // `v` is finite here, so this is always `Some`.
        Number::from_f64(v).unwrap_or_else(|| Number::from(0_u64))
    }
}

/// Which rates a score uses.
#[derive(Clone, Copy)]
pub enum Rates<'a> {
    /// The rates stored in the database (live FX): scored from the machine's summary row,
    /// which the store keeps converted with exactly these rates.
    Stored,
    /// A fixed source (`McrService::spawn_with_fx`): scored from the events.
    Fixed(&'a dyn FxSource),
}

/// Which machine to score.
#[derive(Debug, Clone, Copy)]
pub enum MachineKey {
    /// By machine id.
    Id(u64),
    /// By the machine's wallet.
    Wallet(Address),
}

/// Scores a machine from the store at `now`; `None` when it is not registered. With the
/// stored rates this is one query: the machine, its journal and its summary row
/// ([`crate::machine_summaries`]), whatever the length of its history.
pub async fn compute(
    store: &Store,
    key: MachineKey,
    rates: Rates<'_>,
    now: u64,
) -> Result<Option<Computed>> {
    match rates {
        Rates::Stored => {
            let found = match key {
                MachineKey::Id(id) => store.machine_for_score(id).await?,
                MachineKey::Wallet(w) => store.machine_for_score_by_wallet(w).await?,
            };
            Ok(found.map(|(machine, stored)| score_stored(machine, stored.as_ref(), now)))
        }
        Rates::Fixed(fx) => {
            let id = match key {
                MachineKey::Id(id) => id,
                MachineKey::Wallet(w) => match store.machine_id_of_wallet(w).await? {
                    Some(id) => id,
                    None => return Ok(None),
                },
            };
            let Some(machine) = store.machine(id).await? else {
                return Ok(None);
            };
            compute_raw(store, machine, fx, now).await.map(Some)
        }
    }
}

/// Scores `machine` at `now` from its summary row's figures (`None`: no event yet).
pub fn score_stored(machine: MachineState, stored: Option<&StoredSummary>, now: u64) -> Computed {
    let admin = admin_of(&machine);
    let empty = StoredSummary::default();
    let stored = stored.unwrap_or(&empty);
    let score = peaqos_mcr_model::score_summary(&stored.summary, machine.bonded, &admin, now);
    finish(
        machine,
        score,
        admin,
        stored.last_block_timestamp,
        now,
        stored.fx_last_day,
    )
}

/// Scores `machine` at `now` from its summary row's `summary` column (what `/mcr` does with
/// the stored rates).
pub async fn compute_from_summary(
    store: &Store,
    machine: MachineState,
    now: u64,
) -> Result<Computed> {
    let stored = store
        .machine_for_score(machine.machine_id)
        .await?
        .and_then(|(_, s)| s);
    Ok(score_stored(machine, stored.as_ref(), now))
}

/// Scores `machine` at `now` from every one of its events with rates `fx` (what
/// [`compute`] does from the summary row; for comparisons and benchmarks).
pub async fn compute_raw(
    store: &Store,
    machine: MachineState,
    fx: &dyn FxSource,
    now: u64,
) -> Result<Computed> {
    let events = store.score_events(machine.machine_id).await?;
    let last_updated = events.iter().map(|e| e.block_timestamp).max();
    let fx_last_day = events
        .iter()
        .filter(|e| e.event_type == peaqos_mcr_model::EVENT_TYPE_REVENUE && e.currency != "USD")
        .map(|e| peaqos_mcr_model::date::utc_day(e.timestamp))
        .max();
    let records: Vec<EventRecord> = events.into_iter().map(EventRecord::from).collect();
    let admin = admin_of(&machine);
    let input = MachineInput {
        bonded: machine.bonded,
        events: &records,
        admin,
    };
    let score = peaqos_mcr_model::score(&input, now, fx);
    Ok(finish(
        machine,
        score,
        admin,
        last_updated,
        now,
        fx_last_day,
    ))
}

fn admin_of(machine: &MachineState) -> AdminState {
    AdminState {
        negative_flag_at: machine.flagged_at,
        trust_override_bps: machine
            .trust_override_bps
            .map(|v| u16::try_from(v).unwrap_or(u16::MAX)),
    }
}

fn finish(
    machine: MachineState,
    score: McrScore,
    admin: AdminState,
    last_updated: Option<u64>,
    now: u64,
    fx_last_day: Option<i64>,
) -> Computed {
    Computed {
        machine,
        score,
        negative_flag: peaqos_mcr_model::negative_flag_plausible(&admin, now),
        last_updated,
        now,
        fx_last_day,
    }
}

#[derive(Debug)]
struct Entry {
    value: Arc<Computed>,
    expires: Instant,
    generation: u64,
    indexed_at: Option<u64>,
    fx_generation: u64,
}

/// The `/mcr` result cache, keyed by machine wallet. An entry is used while its TTL runs, no
/// rollback happened since it was computed, the indexer has not changed the machine since,
/// and no FX rate its non-USD revenue depends on changed since.
#[derive(Debug)]
pub struct McrCache {
    ttl: Duration,
    entries: RwLock<HashMap<Address, Entry>>,
    fx: Option<Arc<LiveFx>>,
}

/// The indexer and FX position a result was computed at (read **before** the store).
#[derive(Debug, Clone, Copy)]
pub struct Stamp {
    generation: u64,
    indexed_at: Option<u64>,
    fx_generation: u64,
}

impl Stamp {
    /// The current position of `status` (with no live FX: see [`McrCache::stamp`]).
    pub fn of(status: &IndexerStatus) -> Self {
        Self {
            generation: status.generation(),
            indexed_at: status.indexed_block(),
            fx_generation: 0,
        }
    }
}

impl McrCache {
    /// A cache with lifetime `ttl` (zero: nothing is cached).
    pub fn new(ttl: Duration) -> Self {
        Self {
            // `Instant + ttl` panics on overflow; a century is "forever" for a cache.
            ttl: ttl.min(MAX_TTL),
            entries: RwLock::new(HashMap::new()),
            fx: None,
        }
    }

    /// Invalidates entries when `fx`'s rates change under them.
    #[must_use]
    pub fn with_fx(mut self, fx: Arc<LiveFx>) -> Self {
        self.fx = Some(fx);
        self
    }

    /// The indexer and FX position now, to pass to [`McrCache::put`] after computing.
    pub fn stamp(&self, status: &IndexerStatus) -> Stamp {
        Stamp {
            fx_generation: self.fx.as_ref().map_or(0, |fx| fx.generation()),
            ..Stamp::of(status)
        }
    }

    /// A fresh result for `wallet`, if there is one.
    pub fn get(&self, wallet: Address, status: &IndexerStatus) -> Option<Arc<Computed>> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.read().ok()?;
        let e = entries.get(&wallet)?;
        let fresh = e.expires > Instant::now()
            && e.generation == status.generation()
            && status
                .changed_at(e.value.machine.machine_id)
                .is_none_or(|changed| e.indexed_at.is_some_and(|at| changed <= at))
            && self.fx.as_ref().is_none_or(|fx| {
                match (fx.first_change_since(e.fx_generation), e.value.fx_last_day) {
                    (Some(changed), Some(last)) => last < changed,
                    _ => true,
                }
            });
        fresh.then(|| e.value.clone())
    }

    /// Keeps `value` for `wallet` unless it is degraded (the next request retries FX).
    pub fn put(&self, wallet: Address, value: Arc<Computed>, stamp: Stamp) {
        if self.ttl.is_zero() || value.score.mcr_degraded {
            return;
        }
        let Ok(mut entries) = self.entries.write() else {
            return;
        };
        let now = Instant::now();
        if entries.len() >= CACHE_CAPACITY {
            entries.retain(|_, e| e.expires > now);
            if entries.len() >= CACHE_CAPACITY {
                entries.clear();
            }
        }
        entries.insert(
            wallet,
            Entry {
                value,
                expires: now + self.ttl,
                generation: stamp.generation,
                indexed_at: stamp.indexed_at,
                fx_generation: stamp.fx_generation,
            },
        );
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.entries.read().map_or(0, |e| e.len())
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_ttl_does_not_overflow() {
        let cache = McrCache::new(Duration::MAX);
        let status = IndexerStatus::default();
        let machine = MachineState {
            machine_id: 1,
            wallet: Address::repeat_byte(1),
            operator: None,
            status: 1,
            bonded: false,
            flagged_at: None,
            trust_override_bps: None,
        };
        let input = MachineInput {
            bonded: false,
            events: &[],
            admin: AdminState::default(),
        };
        let score = peaqos_mcr_model::score(&input, 0, &peaqos_mcr_model::NoFx);
        let value = Arc::new(Computed {
            machine,
            score,
            negative_flag: false,
            last_updated: None,
            now: 0,
            fx_last_day: None,
        });
        cache.put(value.machine.wallet, value.clone(), Stamp::of(&status));
        assert_eq!(cache.len(), 1);
        assert!(cache.get(value.machine.wallet, &status).is_some());
    }
}
