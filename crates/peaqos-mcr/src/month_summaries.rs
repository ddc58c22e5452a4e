//! Per-(machine, UTC month) rows packing that month's per-day summaries, so an uncached score
//! reads at most 12 rows a year instead of one per active day.
//!
//! A month row is not a merged summary: the published model needs the set of active days and
//! each qualifying revenue day's cents (cadence, dormancy gaps and the revenue trend cut months
//! anywhere), so the row keeps every [`DaySummary`] of the month, in a compact text of decimal
//! integers that decodes several times faster than the day rows' JSON. It is rebuilt from the
//! month's day rows (`mcr_day_summaries`, the source) in the same transaction whenever one of
//! them is rewritten, so `score_days` over the decoded days is exactly the day rows' score.

use std::collections::BTreeSet;

use peaqos_mcr_model::{
    DaySummary,
    date::{civil_from_days, days_from_civil},
};
use sqlx::{AnyConnection, Row};

use crate::{Error, Result, day_summaries::MachineDays};

const T: &str = "mcr_month_summaries";

/// The first day (days since 1970-01-01) of the UTC month holding `day`: a month row's key.
pub fn month_of(day: i64) -> i64 {
    let (y, m, _) = civil_from_days(day);
    days_from_civil(y, m, 1)
}

/// The first day of the month after the one starting on `month`.
fn next_month(month: i64) -> i64 {
    let (y, m, _) = civil_from_days(month);
    if m == 12 {
        days_from_civil(y + 1, 1, 1)
    } else {
        days_from_civil(y, m + 1, 1)
    }
}

/// Encodes the days of the month starting on `month`: per day 18 comma-separated decimal
/// integers (the day's offset in the month, then the [`DaySummary`] fields in declaration
/// order, booleans as 0/1, a missing timestamp empty), days separated by `;`.
pub fn encode(month: i64, days: &[DaySummary]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(days.len() * 64);
    for (i, d) in days.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        let opt = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
        // Writing to a String cannot fail.
        let _ = write!(
            out,
            "{},{},{},{},{},{},{},{},{}",
            d.day - month,
            d.events,
            d.revenue_events,
            d.activity_events,
            d.revenue_cents,
            u8::from(d.degraded),
            u8::from(d.fx_dependent),
            opt(d.first_ts),
            opt(d.last_ts),
        );
        for v in d.revenue_slots {
            let _ = write!(out, ",{v}");
        }
        for v in d.revenue_slot_cents {
            let _ = write!(out, ",{v}");
        }
        for v in d.activity_slots {
            let _ = write!(out, ",{v}");
        }
    }
    out
}

/// Decodes [`encode`]'s text of the month starting on `month`; `None` when it is malformed.
pub fn decode(month: i64, text: &str, out: &mut Vec<DaySummary>) -> Option<()> {
    if text.is_empty() {
        return Some(());
    }
    for day in text.split(';') {
        let mut f = day.split(',');
        let mut next = || f.next();
        let int = |s: Option<&str>| s.and_then(|s| s.parse::<u64>().ok());
        let big = |s: Option<&str>| s.and_then(|s| s.parse::<u128>().ok());
        let flag = |s: Option<&str>| match s {
            Some("0") => Some(false),
            Some("1") => Some(true),
            _ => None,
        };
        let opt = |s: Option<&str>| match s {
            Some("") => Some(None),
            s => int(s).map(Some),
        };
        let offset = next().and_then(|s| s.parse::<i64>().ok())?;
        let mut d = DaySummary {
            day: month.checked_add(offset)?,
            events: int(next())?,
            revenue_events: int(next())?,
            activity_events: int(next())?,
            revenue_cents: big(next())?,
            degraded: flag(next())?,
            fx_dependent: flag(next())?,
            first_ts: opt(next())?,
            last_ts: opt(next())?,
            ..DaySummary::default()
        };
        for v in &mut d.revenue_slots {
            *v = int(next())?;
        }
        for v in &mut d.revenue_slot_cents {
            *v = big(next())?;
        }
        for v in &mut d.activity_slots {
            *v = int(next())?;
        }
        if next().is_some() {
            return None;
        }
        out.push(d);
    }
    Some(())
}

/// The `(machine_id, month)` rows holding `days` `(machine_id, day)`.
pub(crate) fn months_of(days: &BTreeSet<(i64, i64)>) -> BTreeSet<(i64, i64)> {
    days.iter().map(|&(m, d)| (m, month_of(d))).collect()
}

/// Rewrites the rows of `months` `(machine_id, month)` from their day rows (none when the
/// month has no day row any more).
pub(crate) async fn refresh(conn: &mut AnyConnection, months: &BTreeSet<(i64, i64)>) -> Result<()> {
    for &(machine, month) in months {
        let rows = sqlx::query(
            "SELECT last_block_timestamp, summary FROM mcr_day_summaries \
             WHERE machine_id = $1 AND day >= $2 AND day < $3 ORDER BY day",
        )
        .bind(machine)
        .bind(month)
        .bind(next_month(month))
        .fetch_all(&mut *conn)
        .await?;
        let mut m = MachineDays::default();
        for r in &rows {
            crate::day_summaries::push_row(&mut m, r)?;
        }
        sqlx::query("DELETE FROM mcr_month_summaries WHERE machine_id = $1 AND month = $2")
            .bind(machine)
            .bind(month)
            .execute(&mut *conn)
            .await?;
        if m.days.is_empty() {
            continue;
        }
        let block = m
            .last_block_timestamp
            .map_or(-1, |b| i64::try_from(b).unwrap_or(i64::MAX));
        sqlx::query(
            "INSERT INTO mcr_month_summaries (machine_id, month, last_block_timestamp, \
             fx_last_day, days) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(machine)
        .bind(month)
        .bind(block)
        .bind(m.fx_last_day.unwrap_or(-1))
        .bind(encode(month, &m.days))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Builds every month row from the day rows, when `days_rebuilt` or when they were never
/// built (a database from before migration 0006). Runs under the caller's FX lock (see
/// [`crate::day_summaries::build_if_needed`]). Returns whether it built.
pub(crate) async fn build_if_needed(conn: &mut AnyConnection, days_rebuilt: bool) -> Result<bool> {
    let built: i64 = sqlx::query("SELECT built FROM mcr_month_summaries_meta WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?
        .try_get("built")?;
    if built == 1 && !days_rebuilt {
        return Ok(false);
    }
    sqlx::query("DELETE FROM mcr_month_summaries")
        .execute(&mut *conn)
        .await?;
    let days: BTreeSet<(i64, i64)> = sqlx::query("SELECT machine_id, day FROM mcr_day_summaries")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("machine_id")?, r.try_get("day")?)))
        .collect::<Result<_>>()?;
    refresh(conn, &months_of(&days)).await?;
    sqlx::query("UPDATE mcr_month_summaries_meta SET built = 1 WHERE id = 1")
        .execute(&mut *conn)
        .await?;
    Ok(true)
}

/// Reads machine `machine`'s summaries from its month rows (at most 12 a year), by day.
pub(crate) async fn read(pool: &sqlx::AnyPool, machine: i64) -> Result<MachineDays> {
    let rows = sqlx::query(
        "SELECT month, last_block_timestamp, fx_last_day, days FROM mcr_month_summaries \
         WHERE machine_id = $1 ORDER BY month",
    )
    .bind(machine)
    .fetch_all(pool)
    .await?;
    let mut out = MachineDays::default();
    for r in &rows {
        let month: i64 = r.try_get("month")?;
        let text: String = r.try_get("days")?;
        decode(month, &text, &mut out.days).ok_or_else(|| Error::CorruptStore {
            table: T,
            column: "days",
            value: text.chars().take(200).collect(),
        })?;
        let block: i64 = r.try_get("last_block_timestamp")?;
        if let Ok(block) = u64::try_from(block) {
            out.last_block_timestamp = Some(out.last_block_timestamp.unwrap_or(0).max(block));
        }
        let fx_last_day: i64 = r.try_get("fx_last_day")?;
        if fx_last_day >= 0 {
            out.fx_last_day = Some(fx_last_day);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fields of one encoded day.
    const FIELDS: usize = 18;

    fn day(day: i64, k: u64) -> DaySummary {
        DaySummary {
            day,
            events: k,
            revenue_events: k / 2,
            activity_events: k - k / 2,
            revenue_cents: u128::from(k) * 1_000_000_000_000_000_000_007,
            degraded: k.is_multiple_of(2),
            fx_dependent: k.is_multiple_of(3),
            first_ts: (!k.is_multiple_of(4)).then_some(k * 86_400),
            last_ts: (!k.is_multiple_of(4)).then_some(k * 86_400 + 7),
            revenue_slots: [k, k + 1, k + 2],
            revenue_slot_cents: [u128::MAX, 0, u128::from(k)],
            activity_slots: [0, k, 3],
        }
    }

    #[test]
    fn months_start_on_their_first_day() {
        let feb29 = days_from_civil(2028, 2, 29);
        assert_eq!(month_of(feb29), days_from_civil(2028, 2, 1));
        assert_eq!(next_month(month_of(feb29)), days_from_civil(2028, 3, 1));
        let dec = days_from_civil(2026, 12, 31);
        assert_eq!(next_month(month_of(dec)), days_from_civil(2027, 1, 1));
        assert_eq!(month_of(0), 0);
    }

    #[test]
    fn days_round_trip() {
        let month = days_from_civil(2026, 3, 1);
        let days: Vec<DaySummary> = (0..31).map(|i| day(month + i, i as u64 + 1)).collect();
        let text = encode(month, &days);
        let mut back = Vec::new();
        decode(month, &text, &mut back).expect("decodes");
        assert_eq!(back, days);
        let mut none = Vec::new();
        decode(month, "", &mut none).expect("empty");
        assert!(none.is_empty());
        assert_eq!(
            FIELDS,
            text.split(';').next().map_or(0, |d| d.split(',').count())
        );
    }

    #[test]
    fn malformed_text_is_refused() {
        let month = days_from_civil(2026, 3, 1);
        let good = encode(month, &[day(month, 5)]);
        for bad in [
            "x".to_string(),
            format!("{good},1"),
            good.replacen(',', ",-", 1),
            good.rsplit_once(',').map_or("", |x| x.0).to_string(),
            format!("{good};"),
        ] {
            let mut out = Vec::new();
            assert!(decode(month, &bad, &mut out).is_none(), "{bad}");
        }
    }
}
