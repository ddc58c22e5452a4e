//! One row per machine holding everything the published model needs of its history, so an
//! uncached score reads one row whatever the number of events or active days.
//!
//! The row (`mcr_machine_summaries`, migration 0007) has two binary columns:
//!
//! - `summary`: the model's [`MachineSummary`] (sums that merge exactly, the active days, the
//!   qualifying revenue days with their cents): what `/mcr` reads and scores with
//!   `score_summary`;
//! - `days`: every [`DaySummary`] of the machine with its latest block time: what a write
//!   patches (the days whose events changed are recomputed from their events, the others are
//!   kept) before it re-derives `summary` from it, so `summary` is always
//!   `MachineSummary::from_days(days)` and the score is exactly the per-day and the raw-event
//!   score.
//!
//! Both are sequences of LEB128 integers (days delta-coded), behind a version byte.

use std::collections::BTreeMap;

use peaqos_mcr_model::{DaySummary, MachineSummary};
use sqlx::{AnyConnection, Row};

use crate::{Error, Result};

const T: &str = "mcr_machine_summaries";
/// The format version byte of both columns.
const VERSION: u8 = 1;

/// A machine's days as a write patches them: per UTC day its summary and the latest block
/// time of its events.
pub type Days = BTreeMap<i64, (DaySummary, u64)>;

/// What a score reads of a machine: the merged summary and the figures `/mcr` reports
/// besides the score.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredSummary {
    /// The model's input.
    pub summary: MachineSummary,
    /// When the latest event's block was made.
    pub last_block_timestamp: Option<u64>,
    /// The latest day with revenue in a currency other than USD.
    pub fx_last_day: Option<i64>,
}

impl StoredSummary {
    /// Derives the row's figures from every day of a machine.
    pub fn of_days(days: &Days) -> Self {
        let list: Vec<DaySummary> = days.values().map(|(d, _)| *d).collect();
        Self {
            summary: MachineSummary::from_days(&list),
            last_block_timestamp: days
                .values()
                .filter(|(d, _)| d.events > 0)
                .map(|(_, b)| *b)
                .max(),
            fx_last_day: days
                .values()
                .filter(|(d, _)| d.fx_dependent)
                .map(|(d, _)| d.day)
                .max(),
        }
    }
}

// ---- encoding ----

fn put(out: &mut Vec<u8>, mut v: u128) {
    loop {
        // Truncation keeps the low 7 bits, which is the point.
        #[allow(clippy::cast_possible_truncation)]
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn put_i(out: &mut Vec<u8>, v: i64) {
    // Zigzag: small magnitudes of either sign stay short.
    put(out, u128::from(((v << 1) ^ (v >> 63)) as u64));
}

/// A cursor over an encoded column; every read is `None` past the end or on overflow.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn big(&mut self) -> Option<u128> {
        let mut v: u128 = 0;
        for shift in (0..128).step_by(7) {
            let (&b, rest) = self.0.split_first()?;
            self.0 = rest;
            let part = u128::from(b & 0x7f);
            if shift > 0 && part >> (128 - shift) != 0 {
                return None;
            }
            v |= part << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    fn int(&mut self) -> Option<u64> {
        u64::try_from(self.big()?).ok()
    }

    fn signed(&mut self) -> Option<i64> {
        let z = self.int()?;
        #[allow(clippy::cast_possible_wrap)]
        Some(((z >> 1) as i64) ^ -((z & 1) as i64))
    }

    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    /// A day: the previous one plus a delta, strictly ascending after the first, within
    /// the days a `u64` timestamp can have.
    fn day(&mut self, prev: Option<i64>) -> Option<i64> {
        let delta = self.signed()?;
        let day = prev.unwrap_or(0).checked_add(delta)?;
        (prev.is_none_or(|p| day > p) && (0..=MAX_DAY).contains(&day)).then_some(day)
    }

    fn len(&mut self) -> Option<usize> {
        let n = usize::try_from(self.int()?).ok()?;
        // Every element takes at least one byte: a length past the rest is malformed (and
        // would otherwise reserve memory for nothing).
        (n <= self.0.len()).then_some(n)
    }
}

/// The last UTC day of a `u64` timestamp.
#[allow(clippy::cast_possible_wrap)]
const MAX_DAY: i64 = (u64::MAX / 86_400) as i64;

const DEGRADED: u8 = 1;
const FX_DEPENDENT: u8 = 2;
const FIRST_TS: u8 = 4;
const LAST_TS: u8 = 8;

fn put_ts(out: &mut Vec<u8>, first: Option<u64>, last: Option<u64>) {
    if let Some(t) = first {
        put(out, u128::from(t));
    }
    if let Some(t) = last {
        put(out, u128::from(t));
    }
}

fn ts_flags(first: Option<u64>, last: Option<u64>) -> u8 {
    (if first.is_some() { FIRST_TS } else { 0 }) | (if last.is_some() { LAST_TS } else { 0 })
}

fn put_slots(out: &mut Vec<u8>, rev: &[u64; 3], cents: &[u128; 3], act: &[u64; 3]) {
    for v in rev {
        put(out, u128::from(*v));
    }
    for v in cents {
        put(out, *v);
    }
    for v in act {
        put(out, u128::from(*v));
    }
}

fn read_slots(r: &mut Reader<'_>) -> Option<([u64; 3], [u128; 3], [u64; 3])> {
    let mut rev = [0; 3];
    let mut cents = [0; 3];
    let mut act = [0; 3];
    for v in &mut rev {
        *v = r.int()?;
    }
    for v in &mut cents {
        *v = r.big()?;
    }
    for v in &mut act {
        *v = r.int()?;
    }
    Some((rev, cents, act))
}

fn read_ts(r: &mut Reader<'_>, flags: u8) -> Option<(Option<u64>, Option<u64>)> {
    let first = if flags & FIRST_TS != 0 {
        Some(r.int()?)
    } else {
        None
    };
    let last = if flags & LAST_TS != 0 {
        Some(r.int()?)
    } else {
        None
    };
    Some((first, last))
}

/// The fields a merged summary and a day summary share, in their encoded order.
struct Totals {
    events: u64,
    revenue_events: u64,
    activity_events: u64,
    revenue_cents: u128,
    flags: u8,
    first_ts: Option<u64>,
    last_ts: Option<u64>,
    revenue_slots: [u64; 3],
    revenue_slot_cents: [u128; 3],
    activity_slots: [u64; 3],
}

impl Totals {
    /// `flags` carries the caller's flags; the timestamp flags are added here.
    fn put(&self, out: &mut Vec<u8>) {
        put(out, u128::from(self.events));
        put(out, u128::from(self.revenue_events));
        put(out, u128::from(self.activity_events));
        put(out, self.revenue_cents);
        out.push(self.flags | ts_flags(self.first_ts, self.last_ts));
        put_ts(out, self.first_ts, self.last_ts);
        put_slots(
            out,
            &self.revenue_slots,
            &self.revenue_slot_cents,
            &self.activity_slots,
        );
    }

    fn read(r: &mut Reader<'_>) -> Option<Self> {
        let events = r.int()?;
        let revenue_events = r.int()?;
        let activity_events = r.int()?;
        let revenue_cents = r.big()?;
        let flags = r.byte()?;
        let (first_ts, last_ts) = read_ts(r, flags)?;
        let (revenue_slots, revenue_slot_cents, activity_slots) = read_slots(r)?;
        Some(Self {
            events,
            revenue_events,
            activity_events,
            revenue_cents,
            flags,
            first_ts,
            last_ts,
            revenue_slots,
            revenue_slot_cents,
            activity_slots,
        })
    }
}

/// Encodes the `summary` column.
pub fn encode_summary(s: &MachineSummary) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + s.active_days.len() * 2 + s.qualifying_days.len() * 5);
    out.push(VERSION);
    Totals {
        events: s.events,
        revenue_events: s.revenue_events,
        activity_events: s.activity_events,
        revenue_cents: s.revenue_cents,
        flags: if s.degraded { DEGRADED } else { 0 },
        first_ts: s.first_ts,
        last_ts: s.last_ts,
        revenue_slots: s.revenue_slots,
        revenue_slot_cents: s.revenue_slot_cents,
        activity_slots: s.activity_slots,
    }
    .put(&mut out);
    put(&mut out, s.active_days.len() as u128);
    let mut prev = 0;
    for &d in &s.active_days {
        put_i(&mut out, d - prev);
        prev = d;
    }
    put(&mut out, s.qualifying_days.len() as u128);
    let mut prev = 0;
    for &(d, cents) in &s.qualifying_days {
        put_i(&mut out, d - prev);
        put(&mut out, cents);
        prev = d;
    }
    out
}

/// Decodes [`encode_summary`]'s bytes; `None` when they are malformed.
pub fn decode_summary(bytes: &[u8]) -> Option<MachineSummary> {
    let mut r = Reader(bytes);
    if r.byte()? != VERSION {
        return None;
    }
    let t = Totals::read(&mut r)?;
    let n = r.len()?;
    let mut active_days: Vec<i64> = Vec::with_capacity(n);
    for _ in 0..n {
        active_days.push(r.day(active_days.last().copied())?);
    }
    let n = r.len()?;
    let mut qualifying_days: Vec<(i64, u128)> = Vec::with_capacity(n);
    for _ in 0..n {
        let day = r.day(qualifying_days.last().map(|q| q.0))?;
        qualifying_days.push((day, r.big()?));
    }
    r.0.is_empty().then_some(MachineSummary {
        events: t.events,
        revenue_events: t.revenue_events,
        activity_events: t.activity_events,
        revenue_cents: t.revenue_cents,
        degraded: t.flags & DEGRADED != 0,
        first_ts: t.first_ts,
        last_ts: t.last_ts,
        revenue_slots: t.revenue_slots,
        revenue_slot_cents: t.revenue_slot_cents,
        activity_slots: t.activity_slots,
        active_days,
        qualifying_days,
    })
}

/// Encodes the `days` column.
pub fn encode_days(days: &Days) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + days.len() * 24);
    out.push(VERSION);
    put(&mut out, days.len() as u128);
    let mut prev = 0;
    for (&day, (d, block)) in days {
        put_i(&mut out, day - prev);
        prev = day;
        Totals {
            events: d.events,
            revenue_events: d.revenue_events,
            activity_events: d.activity_events,
            revenue_cents: d.revenue_cents,
            flags: (if d.degraded { DEGRADED } else { 0 })
                | (if d.fx_dependent { FX_DEPENDENT } else { 0 }),
            first_ts: d.first_ts,
            last_ts: d.last_ts,
            revenue_slots: d.revenue_slots,
            revenue_slot_cents: d.revenue_slot_cents,
            activity_slots: d.activity_slots,
        }
        .put(&mut out);
        put(&mut out, u128::from(*block));
    }
    out
}

/// Decodes [`encode_days`]'s bytes; `None` when they are malformed.
pub fn decode_days(bytes: &[u8]) -> Option<Days> {
    let mut r = Reader(bytes);
    if r.byte()? != VERSION {
        return None;
    }
    let n = r.len()?;
    let mut out = Days::new();
    let mut prev = None;
    for _ in 0..n {
        let day = r.day(prev)?;
        prev = Some(day);
        let t = Totals::read(&mut r)?;
        let block = r.int()?;
        out.insert(
            day,
            (
                DaySummary {
                    day,
                    events: t.events,
                    revenue_events: t.revenue_events,
                    activity_events: t.activity_events,
                    revenue_cents: t.revenue_cents,
                    degraded: t.flags & DEGRADED != 0,
                    fx_dependent: t.flags & FX_DEPENDENT != 0,
                    first_ts: t.first_ts,
                    last_ts: t.last_ts,
                    revenue_slots: t.revenue_slots,
                    revenue_slot_cents: t.revenue_slot_cents,
                    activity_slots: t.activity_slots,
                },
                block,
            ),
        );
    }
    r.0.is_empty().then_some(out)
}

// ---- the table ----

fn corrupt(column: &'static str, bytes: &[u8]) -> Error {
    Error::CorruptStore {
        table: T,
        column,
        value: format!(
            "{} bytes: {}",
            bytes.len(),
            alloy::hex::encode(&bytes[..bytes.len().min(64)])
        ),
    }
}

fn opt_i64(v: i64) -> Option<i64> {
    (v >= 0).then_some(v)
}

/// The stored figures of one row's columns (`summary`, `last_block_timestamp`,
/// `fx_last_day`); `None` when the machine has no row (no events yet).
pub(crate) fn stored_of_row(r: &sqlx::any::AnyRow) -> Result<Option<StoredSummary>> {
    let Some(bytes) = r.try_get::<Option<Vec<u8>>, _>("summary")? else {
        return Ok(None);
    };
    let summary = decode_summary(&bytes).ok_or_else(|| corrupt("summary", &bytes))?;
    let block: i64 = r.try_get("last_block_timestamp")?;
    let fx: i64 = r.try_get("fx_last_day")?;
    Ok(Some(StoredSummary {
        summary,
        last_block_timestamp: opt_i64(block).and_then(|b| u64::try_from(b).ok()),
        fx_last_day: opt_i64(fx),
    }))
}

/// Machine `machine`'s days (empty when it has no row).
pub(crate) async fn read_days<'c, E>(executor: E, machine: i64) -> Result<Days>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let row = sqlx::query("SELECT days FROM mcr_machine_summaries WHERE machine_id = $1")
        .bind(machine)
        .fetch_optional(executor)
        .await?;
    let Some(row) = row else {
        return Ok(Days::new());
    };
    let bytes: Vec<u8> = row.try_get("days")?;
    decode_days(&bytes).ok_or_else(|| corrupt("days", &bytes))
}

/// Replaces machine `machine`'s row with one holding `days` (no row when `days` is empty).
pub(crate) async fn write(conn: &mut AnyConnection, machine: i64, days: &Days) -> Result<()> {
    sqlx::query("DELETE FROM mcr_machine_summaries WHERE machine_id = $1")
        .bind(machine)
        .execute(&mut *conn)
        .await?;
    insert(conn, machine, days).await
}

/// Inserts machine `machine`'s row holding `days` (nothing when `days` is empty); it has none.
pub(crate) async fn insert(conn: &mut AnyConnection, machine: i64, days: &Days) -> Result<()> {
    if days.is_empty() {
        return Ok(());
    }
    let s = StoredSummary::of_days(days);
    let block = s
        .last_block_timestamp
        .map_or(-1, |b| i64::try_from(b).unwrap_or(i64::MAX));
    sqlx::query(
        "INSERT INTO mcr_machine_summaries (machine_id, last_block_timestamp, fx_last_day, \
         summary, days) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(machine)
    .bind(block)
    .bind(s.fx_last_day.unwrap_or(-1))
    .bind(encode_summary(&s.summary))
    .bind(encode_days(days))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
            revenue_slot_cents: [u128::MAX / 8, 0, u128::from(k) * 150],
            activity_slots: [0, k, 3],
        }
    }

    fn days() -> Days {
        [3, 4, 40, 41, 900, 20_000]
            .iter()
            .enumerate()
            .map(|(i, &d)| (d, (day(d, i as u64 + 1), u64::MAX - i as u64)))
            .collect()
    }

    #[test]
    fn both_columns_round_trip() {
        let days = days();
        assert_eq!(decode_days(&encode_days(&days)), Some(days.clone()));
        let s = StoredSummary::of_days(&days).summary;
        assert!(!s.active_days.is_empty() && !s.qualifying_days.is_empty());
        assert_eq!(decode_summary(&encode_summary(&s)), Some(s));
        let empty = MachineSummary::default();
        assert_eq!(decode_summary(&encode_summary(&empty)), Some(empty));
        assert_eq!(decode_days(&encode_days(&Days::new())), Some(Days::new()));
    }

    #[test]
    fn integers_round_trip_at_their_limits() {
        for v in [
            0,
            1,
            127,
            128,
            u128::from(u64::MAX),
            u128::MAX - 1,
            u128::MAX,
        ] {
            let mut out = Vec::new();
            put(&mut out, v);
            let mut r = Reader(&out);
            assert_eq!(r.big(), Some(v));
            assert!(r.0.is_empty());
        }
        for v in [0, 1, -1, 63, -64, i64::MAX, i64::MIN] {
            let mut out = Vec::new();
            put_i(&mut out, v);
            assert_eq!(Reader(&out).signed(), Some(v));
        }
    }

    #[test]
    fn the_row_figures_follow_the_days() {
        let days = days();
        let s = StoredSummary::of_days(&days);
        assert_eq!(s.last_block_timestamp, Some(u64::MAX));
        // Days with k divisible by 3 are fx-dependent: k = 3 and 6, the last is day 20,000.
        assert_eq!(s.fx_last_day, Some(20_000));
    }

    #[test]
    fn malformed_bytes_are_refused() {
        let days = encode_days(&days());
        let summary = encode_summary(&StoredSummary::of_days(&self::days()).summary);
        for bytes in [&days, &summary] {
            for cut in 0..bytes.len() {
                assert!(decode_days(&bytes[..cut]).is_none(), "cut at {cut}");
                assert!(decode_summary(&bytes[..cut]).is_none(), "cut at {cut}");
            }
            let mut longer = bytes.clone();
            longer.push(0);
            assert!(decode_days(&longer).is_none());
            assert!(decode_summary(&longer).is_none());
            let mut version = bytes.clone();
            version[0] = 2;
            assert!(decode_days(&version).is_none());
            assert!(decode_summary(&version).is_none());
        }
        // A varint longer than 128 bits, and a count past the end.
        assert!(
            decode_summary(&[
                VERSION, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f
            ])
            .is_none()
        );
        assert!(decode_days(&[VERSION, 0xff, 0xff, 0x03]).is_none());
    }
}
