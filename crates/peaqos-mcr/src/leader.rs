//! Replicas on one PostgreSQL database: which process indexes, and how the others follow.
//!
//! Any number of `peaqos-mcr` processes may share one PostgreSQL database. Each has a
//! [`Role`]: `api` (serves, never indexes), `indexer` or `all` (may index). Of those that may
//! index, exactly one writes at a time, the **leader**:
//!
//! * It holds a session advisory lock ([`LEADER_LOCK_KEY`]) on a dedicated connection. When
//!   its process dies, PostgreSQL ends the session and releases the lock; a standby polling
//!   `pg_try_advisory_lock` every [`LEADER_RETRY`] takes over.
//! * On winning, it increments `mcr_indexer_leader.epoch` (its fencing token). Every write
//!   transaction of the indexer (a batch with its checkpoint, a rollback) first updates that
//!   row `WHERE epoch = <its own>` ([`check_fence`]): a deposed leader (lock lost, e.g. its
//!   session was cut while the process lives on) fails there and commits nothing, and the
//!   new leader's epoch update waits for any such transaction still open, so it reads the
//!   checkpoint after it. No event is lost or stored twice across a handover.
//! * Every [`HEARTBEAT`] the leader checks its lock session and the epoch; on any doubt it
//!   stops indexing and competes again.
//!
//! Every process that is not leading follows the database every poll interval
//! ([`follow_once`]): the checkpoint (for `/ready`, lag and `wait_indexed`), the chain head,
//! the leader's identity, and `data_version` (a change empties the score cache).
//!
//! With SQLite (one process) there is no election: the indexer runs as before.

use std::{
    sync::{
        Mutex,
        atomic::{AtomicBool, AtomicI64, Ordering},
    },
    time::Duration,
};

use sqlx::{Connection as _, Row as _};
use tokio::sync::watch;

use crate::{
    Error, Result,
    chain::Chain,
    indexer::{Indexer, IndexerStatus},
    store::{Backend, Store},
};

/// The advisory lock key of the indexer's leadership (`"peaqMCR1"` as a big-endian i64).
pub const LEADER_LOCK_KEY: i64 = 0x7065_6171_4d43_5231;
/// How often a standby tries to take the lock.
pub const LEADER_RETRY: Duration = Duration::from_millis(500);
/// How often the leader checks its lock session and epoch.
pub const HEARTBEAT: Duration = Duration::from_secs(1);
/// Longest time a leadership query may take before the leader steps down.
pub const LEADER_QUERY_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest instance id kept (`MCR_INSTANCE_ID`).
pub const MAX_INSTANCE_ID: usize = 128;

/// The environment variable of the role.
pub const ENV_ROLE: &str = "MCR_ROLE";
/// The environment variable of the instance id.
pub const ENV_INSTANCE_ID: &str = "MCR_INSTANCE_ID";

/// What a process does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    /// Serves the API and competes for the indexer's leadership (the default).
    #[default]
    All,
    /// Serves the API only; follows the database.
    Api,
    /// Competes for the indexer's leadership; its HTTP server is for `/health`, `/ready` and
    /// `/metrics` (keep it out of the load balancer's pool).
    Indexer,
}

impl Role {
    /// Whether this role may index.
    pub const fn indexes(self) -> bool {
        matches!(self, Self::All | Self::Indexer)
    }

    /// `all`, `api` or `indexer`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Api => "api",
            Self::Indexer => "indexer",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "" | "all" => Ok(Self::All),
            "api" => Ok(Self::Api),
            "indexer" => Ok(Self::Indexer),
            other => Err(Error::Config {
                name: ENV_ROLE,
                message: format!("expected all, api or indexer, got {other:?}"),
            }),
        }
    }
}

/// A process's place among the replicas.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaOptions {
    /// The role (`MCR_ROLE`, default `all`).
    pub role: Role,
    /// This process's name in `mcr_indexer_leader.holder` and the metrics (`MCR_INSTANCE_ID`,
    /// default `HOSTNAME-PID`; at most [`MAX_INSTANCE_ID`] bytes).
    pub instance_id: String,
}

impl Default for ReplicaOptions {
    fn default() -> Self {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "mcr".into());
        Self {
            role: Role::All,
            instance_id: format!("{host}-{}", std::process::id()),
        }
    }
}

impl ReplicaOptions {
    /// From the environment (`MCR_ROLE`, `MCR_INSTANCE_ID`).
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// From `lookup`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let mut options = Self::default();
        if let Some(role) = lookup(ENV_ROLE) {
            options.role = role.parse()?;
        }
        if let Some(id) = lookup(ENV_INSTANCE_ID).filter(|v| !v.trim().is_empty()) {
            let id = id.trim();
            if id.len() > MAX_INSTANCE_ID || id.chars().any(char::is_control) {
                return Err(Error::Config {
                    name: ENV_INSTANCE_ID,
                    message: format!("at most {MAX_INSTANCE_ID} printable bytes"),
                });
            }
            options.instance_id = id.to_owned();
        }
        Ok(options)
    }
}

/// The indexer's fencing token as seen by this process's writes: [`Fence::OFF`] (no election:
/// SQLite), [`Fence::NONE`] (not leading: writes are refused) or the epoch it leads in.
#[derive(Debug)]
pub struct Fence(AtomicI64);

impl Fence {
    /// No election: writes are not checked.
    pub const OFF: i64 = 0;
    /// Not the leader: every write is refused.
    pub const NONE: i64 = -1;

    /// A fence in state `value`.
    pub const fn new(value: i64) -> Self {
        Self(AtomicI64::new(value))
    }

    /// The current value.
    pub fn get(&self) -> i64 {
        self.0.load(Ordering::Acquire)
    }

    /// Sets it (the election does; tests use it to play a deposed leader).
    pub fn set(&self, value: i64) {
        self.0.store(value, Ordering::Release);
    }
}

impl Default for Fence {
    fn default() -> Self {
        Self::new(Self::OFF)
    }
}

/// Inside an indexer write transaction: proves this process still leads (and records that
/// the data changed when `changed`), else [`Error::NotLeader`] and the caller rolls back.
pub(crate) async fn check_fence(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    fence: &Fence,
    changed: bool,
) -> Result<()> {
    let epoch = fence.get();
    if epoch == Fence::OFF {
        return Ok(());
    }
    let done = sqlx::query(
        "UPDATE mcr_indexer_leader SET data_version = data_version + $2 \
         WHERE id = 1 AND epoch = $1",
    )
    .bind(epoch)
    .bind(i64::from(changed))
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 1 {
        Ok(())
    } else {
        Err(Error::NotLeader(format!(
            "epoch {epoch} is no longer the indexer's"
        )))
    }
}

/// Who leads, as this process knows it (for `/ready` and `/metrics`).
#[derive(Debug, Default)]
pub struct LeaderStatus {
    elected: AtomicBool,
    leading: AtomicBool,
    epoch: AtomicI64,
    data_version: AtomicI64,
    holder: Mutex<String>,
    instance: Mutex<String>,
    role: Mutex<&'static str>,
}

impl LeaderStatus {
    /// Whether leadership is elected (PostgreSQL) rather than implied (SQLite, one process).
    pub fn elected(&self) -> bool {
        self.elected.load(Ordering::Relaxed)
    }

    /// Whether this process is the indexer's leader (always so for an indexing role on
    /// SQLite).
    pub fn is_leader(&self) -> bool {
        self.leading.load(Ordering::Relaxed)
    }

    /// The leader's epoch last seen (0 before any election).
    pub fn epoch(&self) -> i64 {
        self.epoch.load(Ordering::Relaxed)
    }

    /// The leader's instance id last seen (empty: none yet).
    pub fn holder(&self) -> String {
        self.holder.lock().map(|h| h.clone()).unwrap_or_default()
    }

    /// This process's instance id.
    pub fn instance(&self) -> String {
        self.instance.lock().map(|h| h.clone()).unwrap_or_default()
    }

    /// This process's role (`all`, `api`, `indexer`).
    pub fn role(&self) -> &'static str {
        self.role.lock().map(|r| *r).unwrap_or("all")
    }

    pub(crate) fn configure(&self, options: &ReplicaOptions, elected: bool) {
        self.elected.store(elected, Ordering::Relaxed);
        if let Ok(mut i) = self.instance.lock() {
            i.clone_from(&options.instance_id);
        }
        if let Ok(mut r) = self.role.lock() {
            *r = options.role.as_str();
        }
    }

    pub(crate) fn set_leading(&self, leading: bool) {
        self.leading.store(leading, Ordering::Relaxed);
    }

    fn seen(&self, epoch: i64, holder: &str) {
        self.epoch.store(epoch, Ordering::Relaxed);
        if let Ok(mut h) = self.holder.lock() {
            holder.clone_into(&mut h);
        }
    }
}

/// The `leader` object of `/ready`'s `indexer` extras.
pub fn ready_json(l: &LeaderStatus) -> serde_json::Value {
    serde_json::json!({
        "elected": l.elected(),
        "is_leader": l.is_leader(),
        "leader": l.holder(),
        "epoch": l.epoch(),
        "instance": l.instance(),
        "role": l.role(),
    })
}

/// A Prometheus label value: `\`, `"` and line feeds escaped.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The leadership metrics: `mcr_indexer_is_leader`, `mcr_indexer_leader_epoch` and
/// `mcr_indexer_leader_info{instance,role,leader}`.
pub fn write_metrics(out: &mut String, l: &LeaderStatus) {
    use std::fmt::Write as _;
    let _ = writeln!(
        out,
        "# HELP mcr_indexer_is_leader 1 while this process leads the indexer.\n\
         # TYPE mcr_indexer_is_leader gauge\nmcr_indexer_is_leader {}",
        u8::from(l.is_leader())
    );
    let _ = writeln!(
        out,
        "# HELP mcr_indexer_leader_epoch The indexer leader's epoch last seen (0: none yet).\n\
         # TYPE mcr_indexer_leader_epoch gauge\nmcr_indexer_leader_epoch {}",
        l.epoch()
    );
    let _ = writeln!(
        out,
        "# HELP mcr_indexer_leader_info This process and the indexer leader it last saw.\n\
         # TYPE mcr_indexer_leader_info gauge\n\
         mcr_indexer_leader_info{{instance=\"{}\",role=\"{}\",leader=\"{}\"}} 1",
        label(&l.instance()),
        l.role(),
        label(&l.holder())
    );
}

/// What the leader row (`mcr_indexer_leader`) says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaderRow {
    /// The current leader's epoch (0: none yet).
    pub epoch: i64,
    /// The current (or last) leader's instance id.
    pub holder: String,
    /// Grows with every indexer write that changed data.
    pub data_version: i64,
}

/// Reads the leader row (PostgreSQL; migration 0003).
pub async fn leader_row(store: &Store) -> Result<LeaderRow> {
    let row =
        sqlx::query("SELECT epoch, holder, data_version FROM mcr_indexer_leader WHERE id = 1")
            .fetch_one(store.pool())
            .await?;
    Ok(LeaderRow {
        epoch: row.try_get("epoch")?,
        holder: row.try_get("holder")?,
        data_version: row.try_get("data_version")?,
    })
}

/// One follow pass: the checkpoint, the chain head, the leader and the data version into
/// `status` (an error counts as a failed step).
pub async fn follow_once(store: &Store, chain: Option<&Chain>, status: &IndexerStatus) {
    let pass = async {
        let checkpoint = store.checkpoint().await?;
        let head = match chain {
            Some(c) => Some(c.head().await?),
            None => None,
        };
        let row = if store.backend() == Backend::Postgres {
            Some(leader_row(store).await?)
        } else {
            None
        };
        Ok::<_, Error>((checkpoint, head, row))
    };
    match pass.await {
        Ok((checkpoint, head, row)) => {
            if let Some(row) = row {
                status.leader().seen(row.epoch, &row.holder);
                let last = status
                    .leader()
                    .data_version
                    .swap(row.data_version, Ordering::Relaxed);
                if last != row.data_version {
                    status.invalidate();
                }
            }
            status.followed(checkpoint.map(|c| c.number), head);
        }
        Err(e) => status.follow_failed(&e),
    }
}

/// Follows the database every `poll` until `stop` (an `api` replica).
pub async fn follow(
    store: &Store,
    chain: Option<&Chain>,
    status: &IndexerStatus,
    poll: Duration,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        if *stop.borrow() {
            return;
        }
        follow_once(store, chain, status).await;
        tokio::select! {
            () = tokio::time::sleep(poll) => {}
            _ = stop.changed() => {}
        }
    }
}

/// Competes for the leadership until `stop`: follows while another leads, indexes while
/// leading, steps down on any doubt about the lock.
pub async fn run_elected(
    indexer: &Indexer,
    database_url: &str,
    status: &IndexerStatus,
    poll: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let instance = status.leader().instance();
    // The standby's lock session, kept between tries (no reconnect twice a second).
    let mut session = None;
    loop {
        if *stop.borrow() {
            return;
        }
        match try_lead(database_url, &mut session, indexer.store(), &instance).await {
            Ok(Some((conn, epoch))) => {
                tracing::info!(epoch, %instance, "indexer leadership taken");
                indexer.store().fence().set(epoch);
                status.leader().seen(epoch, &instance);
                status.leader().set_leading(true);
                // Whatever this process cached as a follower may predate the last writes.
                status.invalidate();
                lead(indexer, conn, epoch, status, poll, &mut stop).await;
                indexer.store().fence().set(Fence::NONE);
                status.leader().set_leading(false);
                tracing::warn!(epoch, %instance, "indexer leadership ended");
            }
            Ok(None) => {}
            Err(e) => {
                // A broken session is opened again on the next try.
                session = None;
                tracing::warn!(code = e.code(), "indexer leadership: {e}");
            }
        }
        follow_once(indexer.store(), Some(indexer.chain()), status).await;
        let retry = LEADER_RETRY.min(poll.max(Duration::from_millis(50)));
        tokio::select! {
            () = tokio::time::sleep(retry) => {}
            _ = stop.changed() => {}
        }
    }
}

/// Takes the lock on the dedicated connection `session` (opened when `None`) and a new epoch,
/// or `None` when another holds it (the session is kept for the next try).
async fn try_lead(
    database_url: &str,
    session: &mut Option<sqlx::AnyConnection>,
    store: &Store,
    instance: &str,
) -> Result<Option<(sqlx::AnyConnection, i64)>> {
    let mut conn = match session.take() {
        Some(c) => c,
        None => sqlx::AnyConnection::connect(database_url).await?,
    };
    let got: bool = tokio::time::timeout(
        LEADER_QUERY_TIMEOUT,
        sqlx::query("SELECT pg_try_advisory_lock($1) AS ok")
            .bind(LEADER_LOCK_KEY)
            .fetch_one(&mut conn),
    )
    .await
    .map_err(|_| Error::Timeout("pg_try_advisory_lock".into()))??
    .try_get("ok")?;
    if !got {
        *session = Some(conn);
        return Ok(None);
    }
    let now = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis()),
    )
    .unwrap_or(i64::MAX);
    // Waits for a write of a deposed leader still in flight (it holds this row).
    let epoch: i64 = sqlx::query(
        "UPDATE mcr_indexer_leader SET epoch = epoch + 1, holder = $1, since_ms = $2 \
         WHERE id = 1 RETURNING epoch",
    )
    .bind(instance)
    .bind(now)
    .fetch_one(store.pool())
    .await?
    .try_get("epoch")?;
    Ok(Some((conn, epoch)))
}

/// Indexes while the heartbeat holds; returns on stop or at the first doubt.
async fn lead(
    indexer: &Indexer,
    mut conn: sqlx::AnyConnection,
    epoch: i64,
    status: &IndexerStatus,
    poll: Duration,
    stop: &mut watch::Receiver<bool>,
) {
    let (term, term_rx) = watch::channel(false);
    let run = indexer.run(status, poll, term_rx);
    tokio::pin!(run);
    let mut beat = tokio::time::interval(HEARTBEAT);
    loop {
        tokio::select! {
            () = &mut run => return,
            _ = stop.changed() => {
                let _ = term.send(true);
                run.await;
                return;
            }
            _ = beat.tick() => {
                let check = async {
                    sqlx::query("SELECT epoch FROM mcr_indexer_leader WHERE id = 1")
                        .fetch_one(&mut conn)
                        .await
                        .and_then(|r| r.try_get::<i64, _>("epoch"))
                };
                match tokio::time::timeout(LEADER_QUERY_TIMEOUT, check).await {
                    Ok(Ok(e)) if e == epoch => {}
                    other => {
                        tracing::warn!(epoch, ?other, "indexer leadership in doubt: stepping down");
                        // Dropping `run` abandons a step (its transaction rolls back).
                        return;
                    }
                }
            }
        }
    }
}
