//! Per-(machine, UTC day) summaries of the events, kept by the store in the same transaction
//! as the events and the FX rates, so scoring reads one row per active day instead of every
//! event (`peaqos_mcr_model::score_days`, exactly the result of scoring the events).
//!
//! A day's row is recomputed from that day's events whenever one of them is written or rolled
//! back, and from the stored rates whenever a rate it may depend on changes: the summary is a
//! function of (the day's events, the stored rates, the staleness limit) only.

use std::{
    collections::BTreeSet,
    sync::{Arc, Mutex},
};

use peaqos_mcr_model::{
    DaySummary, EcbFx, EventRecord, FxSource,
    date::{SECONDS_PER_DAY, utc_day},
};
use sqlx::{AnyConnection, Row};

use crate::{
    Error, Result,
    fx::fx_of_rows,
    store::{ScoreEvent, score_event_of_row},
};

const T: &str = "mcr_day_summaries";

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

fn events_query() -> &'static str {
    "SELECT event_type, value, currency, timestamp, trust_level, block_timestamp FROM events \
     WHERE machine_id = $1 AND timestamp >= $2 AND timestamp < $3"
}

/// Rewrites the rows of `days` `(machine_id, day)` from their events, then the month rows
/// holding them ([`crate::month_summaries`]) from the day rows.
pub(crate) async fn refresh(
    conn: &mut AnyConnection,
    fx: &dyn FxSource,
    days: &BTreeSet<(i64, i64)>,
) -> Result<()> {
    let secs = i64::try_from(SECONDS_PER_DAY).unwrap_or(86_400);
    for &(machine, day) in days {
        let from = day.saturating_mul(secs);
        let events: Vec<ScoreEvent> = sqlx::query(events_query())
            .bind(machine)
            .bind(from)
            .bind(from.saturating_add(secs))
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(score_event_of_row)
            .collect::<Result<_>>()?;
        sqlx::query("DELETE FROM mcr_day_summaries WHERE machine_id = $1 AND day = $2")
            .bind(machine)
            .bind(day)
            .execute(&mut *conn)
            .await?;
        write_days(conn, machine, events, fx).await?;
    }
    crate::month_summaries::refresh(conn, &crate::month_summaries::months_of(days)).await
}

/// Summarizes `events` (of one machine) and inserts one row per day.
async fn write_days(
    conn: &mut AnyConnection,
    machine: i64,
    events: Vec<ScoreEvent>,
    fx: &dyn FxSource,
) -> Result<()> {
    let mut last_block: std::collections::BTreeMap<i64, u64> = std::collections::BTreeMap::new();
    for e in &events {
        let b = last_block.entry(utc_day(e.timestamp)).or_default();
        *b = (*b).max(e.block_timestamp);
    }
    let records: Vec<EventRecord> = events.into_iter().map(EventRecord::from).collect();
    for s in peaqos_mcr_model::summarize(&records, fx) {
        let summary = serde_json::to_string(&s).map_err(|e| Error::CorruptStore {
            table: T,
            column: "summary",
            value: e.to_string(),
        })?;
        let block = last_block.get(&s.day).copied().unwrap_or(0);
        sqlx::query(
            "INSERT INTO mcr_day_summaries (machine_id, day, fx_dependent, \
             last_block_timestamp, summary) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(machine)
        .bind(s.day)
        .bind(i64::from(s.fx_dependent))
        .bind(i64::try_from(block).unwrap_or(i64::MAX))
        .bind(summary)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
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

/// Rows an FX change from `from_day` on may change (revenue in a currency other than USD).
pub(crate) async fn fx_dependent_days(
    conn: &mut AnyConnection,
    from_day: i64,
) -> Result<BTreeSet<(i64, i64)>> {
    sqlx::query(
        "SELECT machine_id, day FROM mcr_day_summaries WHERE day >= $1 AND fx_dependent = 1",
    )
    .bind(from_day)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| Ok((r.try_get("machine_id")?, r.try_get("day")?)))
    .collect()
}

/// Builds every row from the events, unless they were already built with
/// `max_staleness_days` (checked under the FX lock, so concurrent starts build once).
/// Returns whether it built.
pub(crate) async fn build_if_needed(
    conn: &mut AnyConnection,
    max_staleness_days: u32,
) -> Result<bool> {
    let fx = locked_fx(conn, None, max_staleness_days).await?;
    let built: i64 =
        sqlx::query("SELECT fx_max_staleness_days FROM mcr_day_summaries_meta WHERE id = 1")
            .fetch_one(&mut *conn)
            .await?
            .try_get("fx_max_staleness_days")?;
    if built == i64::from(max_staleness_days) {
        return Ok(false);
    }
    sqlx::query("DELETE FROM mcr_day_summaries")
        .execute(&mut *conn)
        .await?;
    let machines: Vec<i64> = sqlx::query("SELECT DISTINCT machine_id FROM events")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get("machine_id"))
        .collect::<std::result::Result<_, _>>()?;
    for machine in machines {
        let events: Vec<ScoreEvent> = sqlx::query(
            "SELECT event_type, value, currency, timestamp, trust_level, block_timestamp \
             FROM events WHERE machine_id = $1",
        )
        .bind(machine)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(score_event_of_row)
        .collect::<Result<_>>()?;
        write_days(conn, machine, events, &*fx).await?;
    }
    sqlx::query("UPDATE mcr_day_summaries_meta SET fx_max_staleness_days = $1 WHERE id = 1")
        .bind(i64::from(max_staleness_days))
        .execute(&mut *conn)
        .await?;
    Ok(true)
}

/// A machine's stored summaries (one per active day, by day).
#[derive(Debug, Clone, Default)]
pub struct MachineDays {
    /// The summaries.
    pub days: Vec<DaySummary>,
    /// When the latest event's block was made.
    pub last_block_timestamp: Option<u64>,
    /// The latest day with revenue in a currency other than USD.
    pub fx_last_day: Option<i64>,
}

/// Reads machine `machine`'s summaries: one row per day with an event.
pub(crate) async fn read(pool: &sqlx::AnyPool, machine: i64) -> Result<MachineDays> {
    let rows = sqlx::query(
        "SELECT last_block_timestamp, summary FROM mcr_day_summaries WHERE machine_id = $1 \
         ORDER BY day",
    )
    .bind(machine)
    .fetch_all(pool)
    .await?;
    let mut out = MachineDays::default();
    for r in &rows {
        push_row(&mut out, r)?;
    }
    Ok(out)
}

/// Adds one `mcr_day_summaries` row (`last_block_timestamp`, `summary`; rows by day) to `out`.
pub(crate) fn push_row(out: &mut MachineDays, r: &sqlx::any::AnyRow) -> Result<()> {
    let text: String = r.try_get("summary")?;
    let s: DaySummary = serde_json::from_str(&text).map_err(|_| Error::CorruptStore {
        table: T,
        column: "summary",
        value: text.clone(),
    })?;
    let block: i64 = r.try_get("last_block_timestamp")?;
    let block = u64::try_from(block).unwrap_or(0);
    if s.events > 0 {
        out.last_block_timestamp = Some(out.last_block_timestamp.unwrap_or(0).max(block));
    }
    if s.fx_dependent {
        out.fx_last_day = Some(s.day);
    }
    out.days.push(s);
    Ok(())
}
