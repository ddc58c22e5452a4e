//! Live FX: the ECB reference rates every replica scores with, stored in the database.
//!
//! - **Storage**: one `fx_rates` row per ECB fixing day (migration 0002), seeded from the
//!   history shipped in `peaqos-mcr-model` for every day missing. `fx_meta.version` moves
//!   whenever a stored day changes.
//! - **Snapshot**: [`LiveFx`] holds the rates in memory (an [`EcbFx`] over the stored days) and
//!   is the service's [`FxSource`]. Every `MCR_FX_SYNC_SECS` it reads the version (one row) and
//!   reloads when it moved, so replicas converge within that interval of a write.
//! - **Refresher**: every `MCR_FX_REFRESH_SECS` (0 = off; off in `peaqos dev`) it downloads
//!   `MCR_FX_URL` (bounded by `MCR_FX_MAX_BYTES` and `MCR_FX_TIMEOUT_MS`), parses and validates
//!   the whole file, then writes its days in one transaction. A failed or malformed download
//!   writes nothing and keeps the old rates; it shows in `/ready` (`fx`) and `/metrics`.
//! - **Invalidation**: a reload records the first day whose rates changed; a cached score is
//!   dropped when its machine has non-USD revenue on or after that day (a rate for day D only
//!   affects events dated D or later).
//! - **Offline**: [`import`] (`peaqos-mcr fx import FILE`) validates and writes a file the same
//!   way.

use std::{
    collections::{BTreeMap, VecDeque},
    sync::{
        Arc, Mutex, RwLock,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use peaqos_mcr_model::{
    EcbDay, EcbFx, EcbHistory, FxDataError, FxQuote, FxSource,
    date::{days_from_civil, format_day, utc_day},
};
use peaqos_service::{RedactedUrl, redact_urls_in};
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::{Error, McrConfig, Result, scoring::unix_now, store::Store};

/// Rate changes remembered for cache invalidation; an entry older than that is recomputed.
const MAX_TRACKED_CHANGES: usize = 64;
/// Redirects an FX download may follow.
const MAX_REDIRECTS: usize = 3;
/// The longest refresh, sync or download interval used (longer settings are clamped: an
/// `Instant` plus an unbounded duration would overflow).
const MAX_FX_INTERVAL: Duration = Duration::from_secs(365 * 24 * 3600);
/// Longest error text kept for `/ready` (bytes).
const MAX_ERROR_TEXT: usize = 300;

/// The first ECB fixing (1999-01-04): an earlier date in a file is refused.
fn first_ecb_day() -> i64 {
    days_from_civil(1999, 1, 4)
}

/// A day's rates as stored: `CUR:rate` pairs sorted by currency, comma-separated. `f64`'s
/// The rates of stored days `(day, encoded rates)` with staleness limit `max_staleness_days`
/// (no days: no rates).
pub fn fx_of_rows<'a>(
    rows: impl ExactSizeIterator<Item = (i64, &'a str)>,
    max_staleness_days: u32,
) -> Result<EcbFx> {
    let empty = rows.len() == 0;
    let days = rows
        .map(|(d, r)| decode_day(d, r))
        .collect::<Result<Vec<_>>>()?;
    Ok(match EcbHistory::from_days(days) {
        Ok(h) => EcbFx::from_history(h),
        Err(FxDataError::BadData(_)) if empty => EcbFx::empty(),
        Err(e) => return Err(e.into()),
    }
    .with_max_staleness_days(max_staleness_days))
}

/// `Display` is the shortest text that parses back to the same value.
pub fn encode_day(d: &EcbDay) -> String {
    let mut rates: Vec<&(String, f64)> = d.rates.iter().collect();
    rates.sort_by(|a, b| a.0.cmp(&b.0));
    rates
        .iter()
        .map(|(c, r)| format!("{c}:{r}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The inverse of [`encode_day`].
pub fn decode_day(day: i64, text: &str) -> Result<EcbDay> {
    let bad = || Error::CorruptStore {
        table: "fx_rates",
        column: "rates",
        value: format!(
            "{}: {}",
            format_day(day),
            text.chars().take(80).collect::<String>()
        ),
    };
    let rates = text
        .split(',')
        .map(|pair| {
            let (c, r) = pair.split_once(':').ok_or_else(bad)?;
            let r: f64 = r.parse().map_err(|_| bad())?;
            Ok((c.to_owned(), r))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(EcbDay { day, rates })
}

/// Refuses days outside [1999-01-04, tomorrow (UTC)]: a date in the future is a broken file,
/// not an early fixing.
pub fn validate_days(days: &[EcbDay], now: u64) -> Result<(), FxDataError> {
    let latest = utc_day(now) + 1;
    for d in days {
        if d.day < first_ecb_day() || d.day > latest {
            return Err(FxDataError::BadData(format!(
                "date {} outside 1999-01-04 … {}",
                format_day(d.day),
                format_day(latest)
            )));
        }
    }
    Ok(())
}

/// What an import or a refresh wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// Days in the file.
    pub days: usize,
    /// Days added or replaced (the others were already stored with the same rates).
    pub changed: Vec<i64>,
    /// The file's first and last day.
    pub range: (i64, i64),
}

/// Parses `bytes` (any ECB form), validates every day, then writes them in one transaction.
/// Nothing is written unless the whole file is valid.
pub async fn import(store: &Store, bytes: &[u8], now: u64) -> Result<ImportReport> {
    let days = peaqos_mcr_model::fx::parse_days(bytes)?;
    // `from_days` re-checks what scoring needs (USD on every day) before anything is written.
    EcbHistory::from_days(days.clone())?;
    validate_days(&days, now)?;
    let rows: Vec<(i64, String)> = days.iter().map(|d| (d.day, encode_day(d))).collect();
    let changed = store.fx_write(&rows, false).await?;
    let range = (
        days.first().map_or(0, |d| d.day),
        days.last().map_or(0, |d| d.day),
    );
    Ok(ImportReport {
        days: days.len(),
        changed,
        range,
    })
}

/// Adds every shipped day the database lacks (a fresh database gets the whole history);
/// stored days are kept. Returns how many were added. Once every shipped day is stored this
/// is one `COUNT` (the shipped file is not even parsed), so restarts stay fast.
pub async fn seed(store: &Store) -> Result<usize> {
    let stored = store
        .fx_day_count(peaqos_mcr_model::fx::EMBEDDED_ECB_LAST_DAY)
        .await?;
    if stored >= peaqos_mcr_model::fx::EMBEDDED_ECB_DAYS {
        return Ok(0);
    }
    let embedded = EcbFx::embedded();
    let Some(history) = embedded.history() else {
        return Ok(0);
    };
    let rows: Vec<(i64, String)> = history
        .days()
        .iter()
        .map(|d| (d.day, encode_day(d)))
        .collect();
    Ok(store.fx_write(&rows, true).await?.len())
}

/// The refresher's record, for `/ready` and `/metrics`.
#[derive(Debug, Default)]
pub struct RefreshStatus {
    enabled: bool,
    url: String,
    attempts: AtomicU64,
    failures: AtomicU64,
    consecutive_failures: AtomicU64,
    last_success_at: AtomicU64,
    last_attempt_at: AtomicU64,
    last_error: Mutex<Option<String>>,
}

impl RefreshStatus {
    /// Downloads attempted.
    pub fn attempts(&self) -> u64 {
        self.attempts.load(Ordering::Relaxed)
    }

    /// Downloads that failed (network, HTTP status, size, format, database).
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }

    /// Failures since the last success.
    pub fn consecutive_failures(&self) -> u64 {
        self.consecutive_failures.load(Ordering::Relaxed)
    }

    /// Unix seconds of the last successful refresh (0 = never).
    pub fn last_success_at(&self) -> u64 {
        self.last_success_at.load(Ordering::Relaxed)
    }

    /// The last failure's text (URLs redacted), until the next success.
    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|e| e.clone())
    }

    fn succeeded(&self) {
        self.consecutive_failures.store(0, Ordering::Relaxed);
        self.last_success_at.store(unix_now(), Ordering::Relaxed);
        if let Ok(mut e) = self.last_error.lock() {
            *e = None;
        }
    }

    fn failed(&self, text: String) {
        self.failures.fetch_add(1, Ordering::Relaxed);
        self.consecutive_failures.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut e) = self.last_error.lock() {
            *e = Some(text);
        }
    }
}

#[derive(Debug)]
struct Snapshot {
    fx: Arc<EcbFx>,
    rows: Arc<BTreeMap<i64, String>>,
    version: i64,
}

/// The stored rates in memory, reloaded when the database's version moves; the service's FX
/// source. Pegged currencies and the staleness rule are [`EcbFx`]'s.
#[derive(Debug)]
pub struct LiveFx {
    max_staleness_days: u32,
    snapshot: RwLock<Snapshot>,
    /// `(generation, first changed day)` of recent reloads, oldest first.
    changes: Mutex<VecDeque<(u64, i64)>>,
    generation: AtomicU64,
    /// The refresher's record.
    pub status: RefreshStatus,
}

impl LiveFx {
    /// Seeds the database with the shipped days it lacks and loads the stored rates.
    pub async fn open(store: &Store, config: &McrConfig) -> Result<Arc<Self>> {
        let added = seed(store).await?;
        if added > 0 {
            tracing::info!(
                days = added,
                "FX: stored the shipped ECB days the database lacked"
            );
        }
        let live = Arc::new(Self {
            max_staleness_days: config.fx_max_staleness_days,
            snapshot: RwLock::new(Snapshot {
                fx: Arc::new(EcbFx::empty()),
                rows: Arc::default(),
                version: -1,
            }),
            changes: Mutex::new(VecDeque::new()),
            generation: AtomicU64::new(0),
            status: RefreshStatus {
                enabled: !config.fx_refresh_interval.is_zero(),
                url: RedactedUrl(&config.fx_url).to_string(),
                ..RefreshStatus::default()
            },
        });
        live.reload(store).await?;
        // The first load is not a change.
        live.generation.store(0, Ordering::Relaxed);
        if let Ok(mut c) = live.changes.lock() {
            c.clear();
        }
        Ok(live)
    }

    /// The rates in use now.
    pub fn current(&self) -> Arc<EcbFx> {
        self.snapshot
            .read()
            .map_or_else(|_| Arc::new(EcbFx::empty()), |s| s.fx.clone())
    }

    /// The stored version the snapshot was read at.
    pub fn version(&self) -> i64 {
        self.snapshot.read().map_or(-1, |s| s.version)
    }

    /// A counter that moves each time the rates in use change (for the score cache).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The first day whose rates changed after `generation`, or `None` if nothing did
    /// (`i64::MIN` when that is too long ago to know).
    pub fn first_change_since(&self, generation: u64) -> Option<i64> {
        if generation >= self.generation() {
            return None;
        }
        let changes = self.changes.lock().ok()?;
        match changes.front() {
            Some((oldest, _)) if *oldest <= generation + 1 => changes
                .iter()
                .filter(|(g, _)| *g > generation)
                .map(|(_, d)| *d)
                .min(),
            _ => Some(i64::MIN),
        }
    }

    /// The last fixing day in use.
    pub fn last_day(&self) -> Option<i64> {
        self.snapshot
            .read()
            .ok()
            .and_then(|s| s.rows.keys().next_back().copied())
    }

    /// Whole days from the last fixing to today (UTC).
    pub fn age_days(&self) -> Option<i64> {
        self.last_day().map(|d| utc_day(unix_now()) - d)
    }

    /// Reloads when the stored version moved; returns whether the rates changed.
    pub async fn sync(&self, store: &Store) -> Result<bool> {
        if store.fx_version().await? == self.version() {
            return Ok(false);
        }
        self.reload(store).await
    }

    /// Reads every stored day and installs them; returns whether the rates changed.
    pub async fn reload(&self, store: &Store) -> Result<bool> {
        let (version, rows) = store.fx_days().await?;
        let rows: BTreeMap<i64, String> = rows.into_iter().collect();
        let old = self
            .snapshot
            .read()
            .map(|s| s.rows.clone())
            .unwrap_or_default();
        let first_changed = rows
            .iter()
            .filter(|(d, r)| old.get(d) != Some(r))
            .map(|(d, _)| *d)
            .chain(old.keys().filter(|d| !rows.contains_key(d)).copied())
            .min();
        let Some(first_changed) = first_changed else {
            if let Ok(mut s) = self.snapshot.write() {
                s.version = version;
            }
            return Ok(false);
        };
        let fx = fx_of_rows(
            rows.iter().map(|(d, r)| (*d, r.as_str())),
            self.max_staleness_days,
        )?;
        if let Ok(mut s) = self.snapshot.write() {
            *s = Snapshot {
                fx: Arc::new(fx),
                rows: Arc::new(rows),
                version,
            };
        }
        let generation = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
        if let Ok(mut c) = self.changes.lock() {
            c.push_back((generation, first_changed));
            while c.len() > MAX_TRACKED_CHANGES {
                c.pop_front();
            }
        }
        tracing::info!(
            version,
            first_changed = %format_day(first_changed),
            last_fixing = ?self.last_day().map(format_day),
            "FX: rates reloaded"
        );
        Ok(true)
    }

    /// Downloads `config.fx_url` once, imports it and reloads. A failure writes nothing.
    pub async fn refresh(&self, store: &Store, client: &reqwest::Client, config: &McrConfig) {
        self.status.attempts.fetch_add(1, Ordering::Relaxed);
        self.status
            .last_attempt_at
            .store(unix_now(), Ordering::Relaxed);
        let outcome = async {
            let body = download(client, &config.fx_url, config.fx_max_bytes).await?;
            let report = import(store, &body, unix_now())
                .await
                .map_err(|e| format!("{} ({})", e, e.code()))?;
            self.reload(store).await.map_err(|e| e.to_string())?;
            Ok::<_, String>(report)
        }
        .await;
        match outcome {
            Ok(report) => {
                self.status.succeeded();
                tracing::info!(
                    url = %self.status.url,
                    days = report.days,
                    changed = report.changed.len(),
                    "FX: refreshed"
                );
            }
            Err(text) => {
                let mut text = redact_urls_in(&text);
                if text.len() > MAX_ERROR_TEXT {
                    let mut cut = MAX_ERROR_TEXT;
                    while !text.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    text.truncate(cut);
                }
                tracing::warn!(url = %self.status.url, "FX refresh failed, old rates kept: {text}");
                self.status.failed(text);
            }
        }
    }

    /// Syncs every `config.fx_sync_interval` and, when enabled, refreshes every
    /// `config.fx_refresh_interval` (the first time at once), until `stop` turns true.
    pub async fn run(
        self: Arc<Self>,
        store: Store,
        config: McrConfig,
        mut stop: watch::Receiver<bool>,
    ) {
        let timeout = config.fx_timeout.min(MAX_FX_INTERVAL);
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
            .build();
        let client = match client {
            Ok(c) => Some(c),
            Err(e) => {
                self.status.failed(format!("HTTP client: {e}"));
                None
            }
        };
        let refresh_every = config.fx_refresh_interval.min(MAX_FX_INTERVAL);
        let mut next_refresh = tokio::time::Instant::now();
        loop {
            if *stop.borrow() {
                return;
            }
            if let Some(client) = &client
                && !refresh_every.is_zero()
                && tokio::time::Instant::now() >= next_refresh
            {
                self.refresh(&store, client, &config).await;
                next_refresh = tokio::time::Instant::now() + refresh_every;
            }
            if let Err(e) = self.sync(&store).await {
                tracing::warn!(code = e.code(), "FX: reading the stored rates failed: {e}");
            }
            let mut pause = config.fx_sync_interval.min(MAX_FX_INTERVAL);
            if !refresh_every.is_zero() {
                pause =
                    pause.min(next_refresh.saturating_duration_since(tokio::time::Instant::now()));
            }
            tokio::select! {
                () = tokio::time::sleep(pause.max(Duration::from_millis(10))) => {}
                _ = stop.changed() => return,
            }
        }
    }

    /// The `fx` object of `/ready`: `status` `ok` or `degraded` (the last refresh failed, or
    /// the last fixing is older than the staleness limit, so newer non-USD revenue is
    /// degraded). It does not make `/ready` 503: scores are still served, flagged by the model.
    pub fn ready_detail(&self) -> Value {
        let age = self.age_days();
        let stale = age.is_none_or(|a| a > i64::from(self.max_staleness_days));
        let failing = self.status.consecutive_failures() > 0;
        let last_success = self.status.last_success_at();
        json!({
            "status": if stale || failing { "degraded" } else { "ok" },
            "last_fixing": self.last_day().map(format_day),
            "age_days": age,
            "max_staleness_days": self.max_staleness_days,
            "refresh_enabled": self.status.enabled,
            "refresh_url": self.status.enabled.then(|| self.status.url.clone()),
            "last_success_at": (last_success > 0).then_some(last_success),
            "consecutive_failures": self.status.consecutive_failures(),
            "last_error": self.status.last_error(),
        })
    }
}

impl FxSource for LiveFx {
    fn quote(&self, currency: &str, day: i64) -> FxQuote {
        self.current().quote(currency, day)
    }
}

/// GETs `url` into memory, refusing non-2xx answers and bodies over `max_bytes`.
async fn download(
    client: &reqwest::Client,
    url: &str,
    max_bytes: usize,
) -> Result<Vec<u8>, String> {
    let mut res = client
        .get(url)
        .send()
        .await
        .map_err(|e| format!("download failed: {e}"))?;
    if !res.status().is_success() {
        return Err(format!("download answered HTTP {}", res.status().as_u16()));
    }
    if res.content_length().is_some_and(|n| n > max_bytes as u64) {
        return Err(format!("download larger than {max_bytes} bytes"));
    }
    let mut body = Vec::new();
    while let Some(chunk) = res
        .chunk()
        .await
        .map_err(|e| format!("download failed: {e}"))?
    {
        if body.len() + chunk.len() > max_bytes {
            return Err(format!("download larger than {max_bytes} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_days_round_trip() {
        let d = EcbDay {
            day: 20_791,
            rates: vec![("JPY".into(), 176.5), ("USD".into(), 1.1)],
        };
        assert_eq!(encode_day(&d), "JPY:176.5,USD:1.1");
        assert_eq!(decode_day(d.day, &encode_day(&d)).expect("decodes"), d);
        assert!(decode_day(1, "USD=1").is_err());
    }

    #[test]
    fn future_and_ancient_dates_are_refused() {
        let now = 20_791 * 86_400;
        let day = |day| EcbDay {
            day,
            rates: vec![("USD".into(), 1.1)],
        };
        assert!(validate_days(&[day(20_792)], now).is_ok());
        assert!(validate_days(&[day(20_793)], now).is_err());
        assert!(validate_days(&[day(first_ecb_day() - 1)], now).is_err());
    }
}
