//! Per-(machine, UTC day) summaries of the events, kept by the store in each machine's
//! summary row ([`crate::machine_summaries`]) in the same transaction as the events and the
//! FX rates, so scoring reads one row instead of every event (exactly the result of scoring
//! the events).
//!
//! A day's summary is recomputed from that day's events whenever one of them is written or
//! rolled back, and from the stored rates whenever a rate it may depend on changes: it is a
//! function of (the day's events, the stored rates, the staleness limit) only.

use std::{
    collections::{BTreeMap, BTreeSet, HashSet},
    sync::{Arc, Mutex},
};

use peaqos_mcr_model::{
    DaySummary, EcbFx, EventRecord, FxSource,
    date::{SECONDS_PER_DAY, utc_day},
};
use sqlx::{AnyConnection, Row};

use crate::{
    Result,
    fx::fx_of_rows,
    machine_summaries::{self, Days},
    store::{Backend, ScoreEvent, StoredEvent, score_event_of_row},
};

/// The stored rates, loaded once per `fx_meta.version`.
#[derive(Debug, Default)]
pub(crate) struct FxCache(Mutex<Option<(i64, Arc<EcbFx>)>>);

/// Takes the FX lock (the `fx_meta` row: FX writes and event writes serialize on it, so a
/// summary is never computed from rates another transaction is replacing) and returns the
/// stored rates. `cache` is used only for committed versions (not after this transaction's
/// own FX write).
pub(crate) async fn locked_fx(
    conn: &mut AnyConnection,
    cache: Option<&FxCache>,
    max_staleness_days: u32,
) -> Result<Arc<EcbFx>> {
    sqlx::query("UPDATE fx_meta SET updated_at = updated_at WHERE id = 1")
        .execute(&mut *conn)
        .await?;
    let version: i64 = sqlx::query("SELECT version FROM fx_meta WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?
        .try_get("version")?;
    if let Some(cache) = cache
        && let Ok(c) = cache.0.lock()
        && let Some((v, fx)) = c.as_ref()
        && *v == version
    {
        return Ok(fx.clone());
    }
    let rows: Vec<(i64, String)> = sqlx::query("SELECT day, rates FROM fx_rates ORDER BY day")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("day")?, r.try_get("rates")?)))
        .collect::<Result<_>>()?;
    let fx = Arc::new(fx_of_rows(
        rows.iter().map(|(d, r)| (*d, r.as_str())),
        max_staleness_days,
    )?);
    if let Some(cache) = cache
        && let Ok(mut c) = cache.0.lock()
    {
        *c = Some((version, fx.clone()));
    }
    Ok(fx)
}

/// Consecutive ranges `(first, last)` of `counts` `(machine_id, events)` (by id) holding at
/// most `limit` events each, or one machine that alone has more.
fn groups(counts: &[(i64, i64)], limit: i64) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> = Vec::new();
    let mut in_group = 0i64;
    for &(machine, n) in counts {
        match out.last_mut() {
            Some(g) if in_group.saturating_add(n) <= limit => {
                g.1 = machine;
                in_group += n;
            }
            _ => {
                out.push((machine, machine));
                in_group = n;
            }
        }
    }
    out
}

/// Events read at once while building the rows of an existing database.
const BUILD_EVENTS: i64 = 200_000;

fn events_query() -> &'static str {
    "SELECT event_type, value, currency, timestamp, trust_level, block_timestamp FROM events \
     WHERE machine_id = $1 AND timestamp >= $2 AND timestamp < $3"
}

/// Recomputes the per-day summaries of `days` `(machine_id, day)` from all their events and
/// rewrites each machine's row ([`crate::machine_summaries`]) with them, keeping its other
/// days (after a rollback or an FX change; [`add`] after new events).
pub(crate) async fn refresh(
    conn: &mut AnyConnection,
    fx: &dyn FxSource,
    days: &BTreeSet<(i64, i64)>,
) -> Result<()> {
    let mut by_machine: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for &(machine, day) in days {
        by_machine.entry(machine).or_default().push(day);
    }
    for (machine, changed) in by_machine {
        let mut stored = machine_summaries::read_days(&mut *conn, machine).await?;
        for day in changed {
            stored.remove(&day);
            stored.extend(summarize_days(day_events(conn, machine, day).await?, fx));
        }
        machine_summaries::write(conn, machine, &stored).await?;
    }
    Ok(())
}

/// Adds the events of an applied batch (inserted in this transaction, each new) to their
/// days' summaries without re-reading the days' other events: duplicates merge only between
/// events with the same timestamp, so a day's summary is a sum over its timestamps, and the
/// new summary is the stored one minus what the touched timestamps contributed before the
/// batch plus what they contribute now (both summarized from the events at those
/// timestamps alone). A day whose stored summary does not allow that (none stored though
/// older events exist, or a count that would go negative: a store written by something
/// else) is recomputed from all its events instead. Rewrites each machine's row.
pub(crate) async fn add(
    conn: &mut AnyConnection,
    backend: Backend,
    fx: &dyn FxSource,
    batch: &[StoredEvent],
) -> Result<()> {
    let new: HashSet<(u64, u64)> = batch
        .iter()
        .map(|e| (e.block_number, e.log_index))
        .collect();
    let mut touched: BTreeMap<i64, BTreeMap<i64, BTreeSet<i64>>> = BTreeMap::new();
    for e in batch {
        touched
            .entry(i64_of(e.machine_id)?)
            .or_default()
            .entry(utc_day(e.timestamp))
            .or_default()
            .insert(i64_of(e.timestamp)?);
    }
    for (machine, days) in touched {
        let mut stored = machine_summaries::read_days(&mut *conn, machine).await?;
        for (day, stamps) in days {
            let (mut old, mut all) = (Vec::new(), Vec::new());
            for (e, key) in events_at(conn, backend, machine, &stamps).await? {
                if !new.contains(&key) {
                    old.push(e.clone());
                }
                all.push(e);
            }
            match patched(stored.get(&day), day, old, all, fx) {
                Some(p) => {
                    stored.insert(day, p);
                }
                None => {
                    stored.remove(&day);
                    stored.extend(summarize_days(day_events(conn, machine, day).await?, fx));
                }
            }
        }
        machine_summaries::write(conn, machine, &stored).await?;
    }
    Ok(())
}

fn i64_of(v: u64) -> Result<i64> {
    i64::try_from(v).map_err(|_| crate::Error::CorruptStore {
        table: "events",
        column: "timestamp",
        value: v.to_string(),
    })
}

/// Machine `machine`'s events at `stamps` (all on one day), each with its
/// `(block_number, log_index)`.
async fn events_at(
    conn: &mut AnyConnection,
    backend: Backend,
    machine: i64,
    stamps: &BTreeSet<i64>,
) -> Result<Vec<(ScoreEvent, (u64, u64))>> {
    // Few enough bound values per statement for SQLite's name lookup (see store.rs).
    let per_statement = match backend {
        Backend::Sqlite => 500,
        Backend::Postgres => 2_000,
    };
    let stamps: Vec<i64> = stamps.iter().copied().collect();
    let mut out = Vec::new();
    for chunk in stamps.chunks(per_statement) {
        let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT event_type, value, currency, timestamp, trust_level, block_timestamp, \
             block_number, log_index FROM events WHERE machine_id = $1 AND timestamp IN ({})",
            list.join(",")
        );
        let mut q = sqlx::query(&sql).bind(machine);
        for t in chunk {
            q = q.bind(*t);
        }
        for r in q.fetch_all(&mut *conn).await? {
            let block: i64 = r.try_get("block_number")?;
            let log: i64 = r.try_get("log_index")?;
            let key = (
                u64::try_from(block).unwrap_or(u64::MAX),
                u64::try_from(log).unwrap_or(u64::MAX),
            );
            out.push((score_event_of_row(&r)?, key));
        }
    }
    Ok(out)
}

/// Machine `machine`'s events on UTC day `day`.
async fn day_events(conn: &mut AnyConnection, machine: i64, day: i64) -> Result<Vec<ScoreEvent>> {
    let secs = i64::try_from(SECONDS_PER_DAY).unwrap_or(86_400);
    let from = day.saturating_mul(secs);
    sqlx::query(events_query())
        .bind(machine)
        .bind(from)
        .bind(from.saturating_add(secs))
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(score_event_of_row)
        .collect()
}

/// Day `day`'s summary after a batch: `stored` minus the summary of `old` (the events at the
/// batch's timestamps before it) plus that of `all` (the events at them now); `None` when
/// `stored` cannot be patched (see [`add`]).
fn patched(
    stored: Option<&(DaySummary, u64)>,
    day: i64,
    old: Vec<ScoreEvent>,
    all: Vec<ScoreEvent>,
    fx: &dyn FxSource,
) -> Option<(DaySummary, u64)> {
    let empty = (
        DaySummary {
            day,
            ..DaySummary::default()
        },
        0,
    );
    if stored.is_none() && !old.is_empty() {
        return None;
    }
    let (base, base_block) = stored.unwrap_or(&empty);
    let before = summarize_days(old, fx).remove(&day).map(|(d, _)| d);
    let (after, block) = summarize_days(all, fx).remove(&day)?;
    let before = before.unwrap_or(DaySummary {
        day,
        ..DaySummary::default()
    });
    let mut d = *base;
    let swap = |v: u64, minus: u64, plus: u64| v.checked_sub(minus)?.checked_add(plus);
    let swap_big = |v: u128, minus: u128, plus: u128| v.checked_sub(minus)?.checked_add(plus);
    d.events = swap(d.events, before.events, after.events)?;
    d.revenue_events = swap(
        d.revenue_events,
        before.revenue_events,
        after.revenue_events,
    )?;
    d.activity_events = swap(
        d.activity_events,
        before.activity_events,
        after.activity_events,
    )?;
    d.revenue_cents = swap_big(d.revenue_cents, before.revenue_cents, after.revenue_cents)?;
    for c in 0..d.revenue_slots.len() {
        d.revenue_slots[c] = swap(
            d.revenue_slots[c],
            before.revenue_slots[c],
            after.revenue_slots[c],
        )?;
        d.revenue_slot_cents[c] = swap_big(
            d.revenue_slot_cents[c],
            before.revenue_slot_cents[c],
            after.revenue_slot_cents[c],
        )?;
        d.activity_slots[c] = swap(
            d.activity_slots[c],
            before.activity_slots[c],
            after.activity_slots[c],
        )?;
    }
    // Events are only added: what was degraded, FX-dependent, first or last stays so unless
    // a new event goes further.
    d.degraded |= after.degraded;
    d.fx_dependent |= after.fx_dependent;
    d.first_ts = match (d.first_ts, after.first_ts) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    d.last_ts = d.last_ts.max(after.last_ts);
    Some((d, (*base_block).max(block)))
}

/// Summarizes `events` (of one machine): one entry per UTC day with an event, with the
/// latest block time of its events.
fn summarize_days(events: Vec<ScoreEvent>, fx: &dyn FxSource) -> Days {
    let mut last_block: BTreeMap<i64, u64> = BTreeMap::new();
    for e in &events {
        let b = last_block.entry(utc_day(e.timestamp)).or_default();
        *b = (*b).max(e.block_timestamp);
    }
    let records: Vec<EventRecord> = events.into_iter().map(EventRecord::from).collect();
    peaqos_mcr_model::summarize(&records, fx)
        .into_iter()
        .map(|s| (s.day, (s, last_block.get(&s.day).copied().unwrap_or(0))))
        .collect()
}

/// The `(machine_id, day)` of events above block `above` (what a rollback to it changes).
pub(crate) async fn days_above(
    conn: &mut AnyConnection,
    above: i64,
) -> Result<BTreeSet<(i64, i64)>> {
    sqlx::query("SELECT DISTINCT machine_id, timestamp FROM events WHERE block_number > $1")
        .bind(above)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| {
            let ts: i64 = r.try_get("timestamp")?;
            Ok((
                r.try_get("machine_id")?,
                utc_day(u64::try_from(ts).unwrap_or(0)),
            ))
        })
        .collect()
}

/// Days an FX change from `from_day` on may change (revenue in a currency other than USD):
/// found through the machines whose latest such day is not before it (index
/// `mcr_machine_summaries_fx`).
pub(crate) async fn fx_dependent_days(
    conn: &mut AnyConnection,
    from_day: i64,
) -> Result<BTreeSet<(i64, i64)>> {
    let machines: Vec<i64> =
        sqlx::query("SELECT machine_id FROM mcr_machine_summaries WHERE fx_last_day >= $1")
            .bind(from_day)
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.try_get("machine_id"))
            .collect::<std::result::Result<_, _>>()?;
    let mut out = BTreeSet::new();
    for machine in machines {
        let days = machine_summaries::read_days(&mut *conn, machine).await?;
        out.extend(
            days.range(from_day..)
                .filter(|(_, (d, _))| d.fx_dependent)
                .map(|(&day, _)| (machine, day)),
        );
    }
    Ok(out)
}

/// Builds every machine's row from its events, unless they were already built with
/// `max_staleness_days` (checked under the FX lock, so concurrent starts build once).
/// Returns whether it built.
pub(crate) async fn build_if_needed(
    conn: &mut AnyConnection,
    max_staleness_days: u32,
) -> Result<bool> {
    let fx = locked_fx(conn, None, max_staleness_days).await?;
    let built: i64 =
        sqlx::query("SELECT fx_max_staleness_days FROM mcr_machine_summaries_meta WHERE id = 1")
            .fetch_one(&mut *conn)
            .await?
            .try_get("fx_max_staleness_days")?;
    if built == i64::from(max_staleness_days) {
        return Ok(false);
    }
    sqlx::query("DELETE FROM mcr_machine_summaries")
        .execute(&mut *conn)
        .await?;
    // Machines in id order, read a group at a time: a few hundred queries for a large
    // database instead of one per machine, at most `BUILD_EVENTS` events in memory (or one
    // machine's, when it alone has more).
    let counts: Vec<(i64, i64)> = sqlx::query(
        "SELECT machine_id, COUNT(*) AS n FROM events GROUP BY machine_id ORDER BY machine_id",
    )
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| Ok((r.try_get("machine_id")?, r.try_get("n")?)))
    .collect::<Result<_>>()?;
    for (first, last) in groups(&counts, BUILD_EVENTS) {
        let rows = sqlx::query(
            "SELECT machine_id, event_type, value, currency, timestamp, trust_level, \
             block_timestamp FROM events WHERE machine_id >= $1 AND machine_id <= $2 \
             ORDER BY machine_id",
        )
        .bind(first)
        .bind(last)
        .fetch_all(&mut *conn)
        .await?;
        let mut by_machine: BTreeMap<i64, Vec<ScoreEvent>> = BTreeMap::new();
        for r in &rows {
            by_machine
                .entry(r.try_get("machine_id")?)
                .or_default()
                .push(score_event_of_row(r)?);
        }
        drop(rows);
        for (machine, events) in by_machine {
            machine_summaries::insert(conn, machine, &summarize_days(events, &*fx)).await?;
        }
    }
    sqlx::query("UPDATE mcr_machine_summaries_meta SET fx_max_staleness_days = $1 WHERE id = 1")
        .bind(i64::from(max_staleness_days))
        .execute(&mut *conn)
        .await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::groups;

    #[test]
    fn build_groups_hold_at_most_the_limit() {
        let counts = [
            (1, 40),
            (2, 60),
            (3, 1),
            (5, 250),
            (6, 99),
            (7, 2),
            (9, 100),
        ];
        assert_eq!(
            groups(&counts, 100),
            vec![(1, 2), (3, 3), (5, 5), (6, 6), (7, 7), (9, 9)]
        );
        assert_eq!(groups(&counts, 1_000), vec![(1, 9)]);
        assert_eq!(groups(&[], 100), vec![]);
    }
}
