//! The store: SQLite or PostgreSQL through sqlx's `Any` driver, one set of migrations
//! (`migrations/`) and one set of queries for both.
//!
//! The indexer writes one [`Batch`] per step with [`Store::apply`], in one transaction that also
//! moves the checkpoint, so a crash loses or duplicates nothing. A reorg is undone with
//! [`Store::rollback`]. Everything else is reads for the API.

use std::{collections::BTreeMap, str::FromStr, time::Duration};

use alloy::primitives::{Address, B256, Bytes, U256};
use peaqos_mcr_model::{
    DaySummary,
    date::{SECONDS_PER_DAY, utc_day},
};
use peaqos_service::database::{
    ConnectOptions, DatabaseError, EmbeddedMigration, connect_and_migrate,
};
use sqlx::{AnyPool, Row, any::AnyRow};

use crate::{
    Error, Result, day_summaries,
    machine_summaries::{self, Days, StoredSummary},
};

/// The on-chain operator relation (issue 15).
mod operators;

/// The embedded migrations (`migrations/NNNN_name.sql`).
const MIGRATIONS: &[EmbeddedMigration] = &[
    (1, "init", include_str!("../migrations/0001_init.sql")),
    (
        2,
        "fx_rates",
        include_str!("../migrations/0002_fx_rates.sql"),
    ),
    (3, "leader", include_str!("../migrations/0003_leader.sql")),
    (
        4,
        "operator_index",
        include_str!("../migrations/0004_operator_index.sql"),
    ),
    (
        5,
        "machine_days",
        include_str!("../migrations/0005_machine_days.sql"),
    ),
    (
        6,
        "machine_months",
        include_str!("../migrations/0006_machine_months.sql"),
    ),
    (
        7,
        "machine_summaries",
        include_str!("../migrations/0007_machine_summaries.sql"),
    ),
];

/// Rows per multi-row `INSERT` on PostgreSQL (well under its 65,535 bind parameters).
const PG_INSERT_ROWS: usize = 400;
/// Bind parameters per `INSERT` on SQLite: SQLite looks `$n` names up in a list, so binding
/// `p` parameters costs O(p²); a few hundred per statement keeps that negligible.
const SQLITE_INSERT_PARAMS: usize = 512;

pub use peaqos_service::database::Backend;

/// The backend of `url`, or a configuration error naming `MCR_DATABASE_URL`.
fn backend_of(url: &str) -> Result<Backend> {
    Backend::of(url).ok_or_else(|| Error::Config {
        name: crate::config::ENV_DATABASE_URL,
        message: "expected sqlite://… or postgres://…".into(),
    })
}

/// One event as the chain stores it, plus where it was logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// The machine.
    pub machine_id: u64,
    /// Its 0-based index among the machine's events.
    pub event_index: u64,
    /// 0 revenue, 1 activity.
    pub event_type: u8,
    /// The value in the currency's minor units.
    pub value: U256,
    /// The currency code (empty for activity).
    pub currency: String,
    /// Unix seconds, as submitted.
    pub timestamp: u64,
    /// keccak256 of the raw data, or zero.
    pub data_hash: B256,
    /// 0 self-reported, 1 on-chain verifiable, 2 hardware-signed.
    pub trust_level: u8,
    /// The source chain (0 = this chain).
    pub source_chain_id: U256,
    /// The source transaction, or zero.
    pub source_tx_hash: B256,
    /// The raw metadata bytes.
    pub metadata: Bytes,
    /// The block of the `EventSubmitted` log.
    pub block_number: u64,
    /// The log's index in its block.
    pub log_index: u64,
    /// The transaction.
    pub tx_hash: B256,
    /// The block's timestamp.
    pub block_timestamp: u64,
}

/// A change to a machine's state, from one log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MachineChange {
    /// `OperatorSet` (zero = removed).
    Operator(Address),
    /// A status event: 2 verified, 3 rejected, 4 deactivated, 5 reactivated (restores the
    /// status before deactivation).
    Status(u8),
    /// `Staked` (IdentityStaking): the bond amount.
    Bonded(U256),
    /// `MachineFlagged` at this timestamp.
    Flagged(u64),
    /// `FlagCleared`.
    FlagCleared,
    /// `TrustOverrideSet` (basis points).
    TrustOverride(u64),
    /// `TrustOverrideCleared`.
    TrustOverrideCleared,
}

/// The status code the journal uses for a reactivation.
pub const STATUS_REACTIVATED: u8 = 5;

impl MachineChange {
    fn encode(self) -> (&'static str, String) {
        match self {
            Self::Operator(a) => ("operator", hex_address(a)),
            Self::Status(s) => ("status", s.to_string()),
            Self::Bonded(v) => ("bond", v.to_string()),
            Self::Flagged(t) => ("flag", t.to_string()),
            Self::FlagCleared => ("flag", String::new()),
            Self::TrustOverride(v) => ("override", v.to_string()),
            Self::TrustOverrideCleared => ("override", String::new()),
        }
    }

    fn decode(kind: &str, value: &str) -> Result<Self> {
        let bad = |column| Error::CorruptStore {
            table: "machine_updates",
            column,
            value: format!("{kind}={value}"),
        };
        let num = |v: &str| v.parse::<u64>().map_err(|_| bad("value"));
        Ok(match (kind, value) {
            ("operator", v) => Self::Operator(v.parse().map_err(|_| bad("value"))?),
            ("status", v) => Self::Status(u8::try_from(num(v)?).map_err(|_| bad("value"))?),
            ("bond", v) => Self::Bonded(U256::from_str(v).map_err(|_| bad("value"))?),
            ("flag", "") => Self::FlagCleared,
            ("flag", v) => Self::Flagged(num(v)?),
            ("override", "") => Self::TrustOverrideCleared,
            ("override", v) => Self::TrustOverride(num(v)?),
            _ => return Err(bad("kind")),
        })
    }
}

/// A registration (`Registered`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewMachine {
    /// The id.
    pub machine_id: u64,
    /// The machine wallet (Identity NFT holder).
    pub wallet: Address,
    /// Where it was logged.
    pub block_number: u64,
    /// The log index.
    pub log_index: u64,
}

/// A DID attribute change (`AddAttribute` / `UpdateAttribute` set, `RemoveAttribute` clears).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DidChange {
    /// The DID subject.
    pub address: Address,
    /// The attribute name (raw bytes).
    pub name: Bytes,
    /// The new value, `None` when removed.
    pub value: Option<Bytes>,
    /// Where it was logged.
    pub block_number: u64,
    /// The log index.
    pub log_index: u64,
}

/// A Machine NFT mint (`MachineMinted`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NftMint {
    /// The token.
    pub token_id: u64,
    /// The machine.
    pub machine_id: u64,
    /// The first holder.
    pub recipient: Address,
    /// Where it was logged.
    pub block_number: u64,
    /// The log index.
    pub log_index: u64,
}

/// A Machine NFT transfer (`Transfer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NftTransfer {
    /// The token.
    pub token_id: u64,
    /// The new holder (zero = burnt).
    pub to: Address,
    /// Where it was logged.
    pub block_number: u64,
    /// The log index.
    pub log_index: u64,
}

/// A block the indexer saw (its hash is what reorg detection compares).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockRef {
    /// The number.
    pub number: u64,
    /// The hash.
    pub hash: B256,
    /// The timestamp.
    pub timestamp: u64,
}

/// Everything one indexing step found in a block range, written atomically with the new
/// checkpoint (`to`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    /// The last block of the range, which becomes the checkpoint.
    pub to: Option<BlockRef>,
    /// Blocks with logs in the range (and `to`), for reorg detection.
    pub blocks: Vec<BlockRef>,
    /// Registrations.
    pub machines: Vec<NewMachine>,
    /// Machine state changes: `(block, log index, machine id, change)`.
    pub changes: Vec<(u64, u64, u64, MachineChange)>,
    /// Events.
    pub events: Vec<StoredEvent>,
    /// Machine NFT mints.
    pub mints: Vec<NftMint>,
    /// Machine NFT transfers.
    pub transfers: Vec<NftTransfer>,
    /// DID attribute changes.
    pub did: Vec<DidChange>,
}

/// A machine's current state, folded from its registration and change journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineState {
    /// The id.
    pub machine_id: u64,
    /// The machine wallet.
    pub wallet: Address,
    /// The operator, if any.
    pub operator: Option<Address>,
    /// 1 pending, 2 verified, 3 rejected, 4 deactivated.
    pub status: u8,
    /// Whether a bond was staked.
    pub bonded: bool,
    /// AdminFlags negative flag timestamp, when set.
    pub flagged_at: Option<u64>,
    /// AdminFlags trust override (basis points), when set.
    pub trust_override_bps: Option<u64>,
}

impl MachineState {
    fn apply(&mut self, change: MachineChange) {
        match change {
            MachineChange::Operator(a) => self.operator = (a != Address::ZERO).then_some(a),
            MachineChange::Status(STATUS_REACTIVATED) => {}
            MachineChange::Status(s) => self.status = s,
            MachineChange::Bonded(_) => self.bonded = true,
            MachineChange::Flagged(t) => self.flagged_at = Some(t),
            MachineChange::FlagCleared => self.flagged_at = None,
            MachineChange::TrustOverride(v) => self.trust_override_bps = Some(v),
            MachineChange::TrustOverrideCleared => self.trust_override_bps = None,
        }
    }
}

/// The fields of an event that scoring reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreEvent {
    /// 0 revenue, 1 activity.
    pub event_type: u8,
    /// The value in minor units (saturated at `u128::MAX`).
    pub value: u128,
    /// The currency code.
    pub currency: String,
    /// Unix seconds, as submitted.
    pub timestamp: u64,
    /// The trust level.
    pub trust_level: u8,
    /// When its block was made.
    pub block_timestamp: u64,
}

impl From<ScoreEvent> for peaqos_mcr_model::EventRecord {
    fn from(e: ScoreEvent) -> Self {
        Self {
            event_type: e.event_type,
            value: e.value,
            currency: e.currency,
            timestamp: e.timestamp,
            trust_level: e.trust_level,
        }
    }
}

/// Aggregate figures of one machine's events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EventStats {
    /// All events.
    pub count: u64,
    /// The timestamp of the block of the latest event.
    pub last_block_timestamp: Option<u64>,
}

/// The database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// The indexer's fencing token, checked by every write transaction (see [`crate::leader`]).
    fence: std::sync::Arc<crate::leader::Fence>,
    /// The FX staleness limit the day summaries are computed with.
    fx_max_staleness_days: u32,
    fx_cache: std::sync::Arc<day_summaries::FxCache>,
}

/// Lowercase `0x`-hex of bytes.
fn hex(bytes: &[u8]) -> String {
    format!("0x{}", alloy::hex::encode(bytes))
}

/// Lowercase `0x`-hex of an address (the stored form).
pub fn hex_address(a: Address) -> String {
    hex(a.as_slice())
}

fn i64_of(v: u64, what: &'static str) -> Result<i64> {
    i64::try_from(v).map_err(|_| Error::CorruptStore {
        table: "(input)",
        column: what,
        value: v.to_string(),
    })
}

fn get_u64(row: &AnyRow, table: &'static str, column: &'static str) -> Result<u64> {
    let v: i64 = row.try_get(column)?;
    u64::try_from(v).map_err(|_| Error::CorruptStore {
        table,
        column,
        value: v.to_string(),
    })
}

fn get_parsed<T: FromStr>(row: &AnyRow, table: &'static str, column: &'static str) -> Result<T> {
    let v: String = row.try_get(column)?;
    v.parse().map_err(|_| Error::CorruptStore {
        table,
        column,
        value: v,
    })
}

/// `($1,$2,…),($n+1,…)` for `rows` rows of `cols` columns.
fn placeholders(rows: usize, cols: usize) -> String {
    let mut out = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            out.push(',');
        }
        out.push('(');
        for c in 0..cols {
            if c > 0 {
                out.push(',');
            }
            out.push('$');
            out.push_str(&(r * cols + c + 1).to_string());
        }
        out.push(')');
    }
    out
}

/// One bound value of a multi-row insert.
enum Val {
    I(i64),
    T(String),
    N(Option<String>),
}

/// A machine's state from its row joined with its journal (`wallet` on the first row; `kind`
/// and `value` of each change in order, NULL for a machine without changes).
fn machine_of_rows(machine_id: u64, rows: &[sqlx::any::AnyRow]) -> Result<MachineState> {
    let mut state = MachineState {
        machine_id,
        wallet: rows
            .first()
            .map(|row| get_parsed(row, "machines", "wallet"))
            .transpose()?
            .unwrap_or_default(),
        operator: None,
        status: 1,
        bonded: false,
        flagged_at: None,
        trust_override_bps: None,
    };
    let mut before_deactivation = 1;
    for r in rows {
        let (Some(kind), Some(value)) = (
            r.try_get::<Option<String>, _>("kind")?,
            r.try_get::<Option<String>, _>("value")?,
        ) else {
            continue;
        };
        let change = MachineChange::decode(&kind, &value)?;
        match change {
            MachineChange::Status(4) => before_deactivation = state.status,
            MachineChange::Status(STATUS_REACTIVATED) => state.status = before_deactivation,
            _ => {}
        }
        state.apply(change);
    }
    Ok(state)
}

impl Store {
    /// Connects to `url` (`sqlite://FILE`, created if missing, WAL; or `postgres://…`) with at
    /// most `max_connections` connections and applies the migrations.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self> {
        Self::connect_with(
            url,
            max_connections,
            peaqos_mcr_model::fx::DEFAULT_FX_MAX_STALENESS_DAYS,
        )
        .await
    }

    /// [`Store::connect`] with the FX staleness limit (`MCR_FX_MAX_STALENESS_DAYS`) the day
    /// summaries are computed with; builds them (one transaction) when they were built with
    /// another limit or not yet (a database from before migration 0005).
    pub async fn connect_with(
        url: &str,
        max_connections: u32,
        fx_max_staleness_days: u32,
    ) -> Result<Self> {
        let backend = backend_of(url)?;
        let options = ConnectOptions {
            sqlite_max_connections: max_connections,
            postgres_max_connections: max_connections,
            acquire_timeout: Duration::from_secs(30),
            // WAL lets the API read while the indexer writes; NORMAL is durable at each WAL
            // checkpoint and never corrupts on a crash.
            sqlite_pragmas: &[
                "PRAGMA journal_mode = WAL",
                "PRAGMA synchronous = NORMAL",
                "PRAGMA busy_timeout = 10000",
            ],
            create_sqlite_file: true,
        };
        let (pool, _) = connect_and_migrate(url, &options, MIGRATIONS)
            .await
            .map_err(|e| match e {
                DatabaseError::Connect(e) => Error::Database(e),
                DatabaseError::Migrate(e) => Error::Migration(e),
            })?;
        let store = Self {
            pool,
            backend,
            fence: std::sync::Arc::default(),
            fx_max_staleness_days,
            fx_cache: std::sync::Arc::default(),
        };
        let mut tx = store.pool.begin().await?;
        if day_summaries::build_if_needed(&mut tx, fx_max_staleness_days).await? {
            tracing::info!("built the per-machine score summaries from the stored events");
        }
        tx.commit().await?;
        Ok(store)
    }

    /// The indexer's fencing token of this process.
    pub fn fence(&self) -> &crate::leader::Fence {
        &self.fence
    }

    /// The pool (leadership queries).
    pub(crate) const fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A machine's per-day summaries (each with its latest block time), from its summary
    /// row's `days` column (what writes patch; empty before its first event): for
    /// comparisons and benchmarks.
    pub async fn machine_days(&self, machine_id: u64) -> Result<Days> {
        machine_summaries::read_days(&self.pool, i64_of(machine_id, "machine_id")?).await
    }

    /// A machine's state and its summary row's figures (`None` before its first event), in
    /// one query: what an uncached score reads. `None` when it is not registered.
    pub async fn machine_for_score(
        &self,
        machine_id: u64,
    ) -> Result<Option<(MachineState, Option<StoredSummary>)>> {
        let id = i64_of(machine_id, "machine_id")?;
        self.machine_with_summary("m.machine_id = $1", Val::I(id))
            .await
    }

    /// [`Store::machine_for_score`] of the machine whose wallet is `wallet`.
    pub async fn machine_for_score_by_wallet(
        &self,
        wallet: Address,
    ) -> Result<Option<(MachineState, Option<StoredSummary>)>> {
        // The lowest id if a wallet ever had several machines (the registry refuses a second
        // registration), so one machine's journal is never mixed with another's.
        self.machine_with_summary(
            "m.machine_id = (SELECT MIN(machine_id) FROM machines WHERE wallet = $1)",
            Val::T(hex_address(wallet)),
        )
        .await
    }

    async fn machine_with_summary(
        &self,
        condition: &str,
        key: Val,
    ) -> Result<Option<(MachineState, Option<StoredSummary>)>> {
        // The journal rows repeat the summary columns; a machine has a handful of changes.
        let sql = format!(
            "SELECT m.machine_id AS machine_id, m.wallet AS wallet, u.kind AS kind, \
             u.value AS value, s.last_block_timestamp AS last_block_timestamp, \
             s.fx_last_day AS fx_last_day, s.summary AS summary FROM machines m \
             LEFT JOIN mcr_machine_summaries s ON s.machine_id = m.machine_id \
             LEFT JOIN machine_updates u ON u.machine_id = m.machine_id \
             WHERE {condition} ORDER BY u.block_number, u.log_index"
        );
        let query = sqlx::query(&sql);
        let query = match key {
            Val::I(v) => query.bind(v),
            Val::T(v) => query.bind(v),
            Val::N(v) => query.bind(v),
        };
        let rows = query.fetch_all(&self.pool).await?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let machine_id = get_u64(first, "machines", "machine_id")?;
        let state = machine_of_rows(machine_id, &rows)?;
        Ok(Some((state, machine_summaries::stored_of_row(first)?)))
    }

    /// The stored FX rates as the day summaries use them (with this store's staleness limit).
    pub async fn stored_fx(&self) -> Result<std::sync::Arc<peaqos_mcr_model::EcbFx>> {
        let mut tx = self.pool.begin().await?;
        let fx = day_summaries::locked_fx(&mut tx, None, self.fx_max_staleness_days).await?;
        tx.rollback().await?;
        Ok(fx)
    }

    /// Which database this is.
    pub const fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// The last indexed block, if any.
    pub async fn checkpoint(&self) -> Result<Option<BlockRef>> {
        let row = sqlx::query(
            "SELECT c.block_number, c.block_hash, COALESCE(b.timestamp, 0) AS timestamp \
             FROM mcr_checkpoint c LEFT JOIN mcr_blocks b ON b.number = c.block_number \
             WHERE c.id = 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(BlockRef {
                number: get_u64(&r, "mcr_checkpoint", "block_number")?,
                hash: get_parsed(&r, "mcr_checkpoint", "block_hash")?,
                timestamp: get_u64(&r, "mcr_checkpoint", "timestamp")?,
            })
        })
        .transpose()
    }

    /// Stored blocks at or below `at_most`, newest first, at most `limit` of them (to find
    /// the fork point after a reorg).
    pub async fn blocks_below(&self, at_most: u64, limit: u32) -> Result<Vec<BlockRef>> {
        let rows = sqlx::query(
            "SELECT number, hash, timestamp FROM mcr_blocks WHERE number <= $1 \
             ORDER BY number DESC LIMIT $2",
        )
        .bind(i64_of(at_most, "number")?)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(BlockRef {
                    number: get_u64(r, "mcr_blocks", "number")?,
                    hash: get_parsed(r, "mcr_blocks", "hash")?,
                    timestamp: get_u64(r, "mcr_blocks", "timestamp")?,
                })
            })
            .collect()
    }

    /// Writes `batch` and moves the checkpoint to `batch.to`, in one transaction.
    pub async fn apply(&self, batch: &Batch) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let changed = !(batch.machines.is_empty()
            && batch.changes.is_empty()
            && batch.events.is_empty()
            && batch.mints.is_empty()
            && batch.transfers.is_empty()
            && batch.did.is_empty());
        crate::leader::check_fence(&mut tx, &self.fence, changed).await?;
        let mut blocks: BTreeMap<u64, BlockRef> = BTreeMap::new();
        for b in batch.blocks.iter().chain(batch.to.iter()) {
            blocks.insert(b.number, *b);
        }
        let rows: Vec<Vec<Val>> = blocks
            .values()
            .map(|b| {
                Ok(vec![
                    Val::I(i64_of(b.number, "number")?),
                    Val::T(b.hash.to_string()),
                    Val::I(i64_of(b.timestamp, "timestamp")?),
                ])
            })
            .collect::<Result<_>>()?;
        let b = self.backend;
        insert(&mut tx, b, "mcr_blocks (number, hash, timestamp)", 3, rows).await?;
        insert_all(
            &mut tx,
            b,
            "machines (machine_id, wallet, block_number, log_index)",
            4,
            &batch.machines,
            |m| {
                Ok(vec![
                    Val::I(i64_of(m.machine_id, "machine_id")?),
                    Val::T(hex_address(m.wallet)),
                    Val::I(i64_of(m.block_number, "block_number")?),
                    Val::I(i64_of(m.log_index, "log_index")?),
                ])
            },
        )
        .await?;
        insert_all(
            &mut tx,
            b,
            "machine_updates (block_number, log_index, machine_id, kind, value)",
            5,
            &batch.changes,
            |(block, log, machine, change)| {
                let (kind, value) = change.encode();
                Ok(vec![
                    Val::I(i64_of(*block, "block_number")?),
                    Val::I(i64_of(*log, "log_index")?),
                    Val::I(i64_of(*machine, "machine_id")?),
                    Val::T(kind.to_owned()),
                    Val::T(value),
                ])
            },
        )
        .await?;
        insert_all(
            &mut tx,
            b,
            "events (machine_id, event_index, event_type, value, currency, timestamp, data_hash, \
             trust_level, source_chain_id, source_tx_hash, metadata, block_number, log_index, \
             tx_hash, block_timestamp)",
            15,
            &batch.events,
            |e| {
                Ok(vec![
                    Val::I(i64_of(e.machine_id, "machine_id")?),
                    Val::I(i64_of(e.event_index, "event_index")?),
                    Val::I(i64::from(e.event_type)),
                    Val::T(e.value.to_string()),
                    Val::T(e.currency.clone()),
                    Val::I(i64_of(e.timestamp, "timestamp")?),
                    Val::T(e.data_hash.to_string()),
                    Val::I(i64::from(e.trust_level)),
                    Val::T(e.source_chain_id.to_string()),
                    Val::T(e.source_tx_hash.to_string()),
                    Val::T(hex(&e.metadata)),
                    Val::I(i64_of(e.block_number, "block_number")?),
                    Val::I(i64_of(e.log_index, "log_index")?),
                    Val::T(e.tx_hash.to_string()),
                    Val::I(i64_of(e.block_timestamp, "block_timestamp")?),
                ])
            },
        )
        .await?;
        insert_all(
            &mut tx,
            b,
            "nft_mints (token_id, machine_id, recipient, block_number, log_index)",
            5,
            &batch.mints,
            |m| {
                Ok(vec![
                    Val::I(i64_of(m.token_id, "token_id")?),
                    Val::I(i64_of(m.machine_id, "machine_id")?),
                    Val::T(hex_address(m.recipient)),
                    Val::I(i64_of(m.block_number, "block_number")?),
                    Val::I(i64_of(m.log_index, "log_index")?),
                ])
            },
        )
        .await?;
        insert_all(
            &mut tx,
            b,
            "nft_transfers (block_number, log_index, token_id, to_address)",
            4,
            &batch.transfers,
            |t| {
                Ok(vec![
                    Val::I(i64_of(t.block_number, "block_number")?),
                    Val::I(i64_of(t.log_index, "log_index")?),
                    Val::I(i64_of(t.token_id, "token_id")?),
                    Val::T(hex_address(t.to)),
                ])
            },
        )
        .await?;
        insert_all(
            &mut tx,
            b,
            "did_attributes (block_number, log_index, address, name, value)",
            5,
            &batch.did,
            |d| {
                Ok(vec![
                    Val::I(i64_of(d.block_number, "block_number")?),
                    Val::I(i64_of(d.log_index, "log_index")?),
                    Val::T(hex_address(d.address)),
                    Val::T(hex(&d.name)),
                    Val::N(d.value.as_ref().map(|v| hex(v))),
                ])
            },
        )
        .await?;
        if !batch.events.is_empty() {
            let fx =
                day_summaries::locked_fx(&mut tx, Some(&self.fx_cache), self.fx_max_staleness_days)
                    .await?;
            day_summaries::add(&mut tx, b, &*fx, &batch.events).await?;
        }
        if let Some(to) = batch.to {
            set_checkpoint(&mut tx, Some(to)).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Undoes everything above block `keep` (the newest block still on the canonical chain;
    /// `None` = undo everything) and moves the checkpoint there, in one transaction.
    pub async fn rollback(&self, keep: Option<BlockRef>) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        crate::leader::check_fence(&mut tx, &self.fence, true).await?;
        let above = match keep {
            Some(b) => i64_of(b.number, "number")?,
            None => -1,
        };
        let days = day_summaries::days_above(&mut tx, above).await?;
        for sql in [
            "DELETE FROM machines WHERE block_number > $1",
            "DELETE FROM machine_updates WHERE block_number > $1",
            "DELETE FROM events WHERE block_number > $1",
            "DELETE FROM nft_mints WHERE block_number > $1",
            "DELETE FROM nft_transfers WHERE block_number > $1",
            "DELETE FROM did_attributes WHERE block_number > $1",
            "DELETE FROM mcr_blocks WHERE number > $1",
        ] {
            sqlx::query(sql).bind(above).execute(&mut *tx).await?;
        }
        if !days.is_empty() {
            let fx =
                day_summaries::locked_fx(&mut tx, Some(&self.fx_cache), self.fx_max_staleness_days)
                    .await?;
            day_summaries::refresh(&mut tx, &*fx, &days).await?;
        }
        set_checkpoint(&mut tx, keep).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The FX rates' version (`fx_meta.version`): it moves whenever a stored day changes.
    pub async fn fx_version(&self) -> Result<i64> {
        let row = sqlx::query("SELECT version FROM fx_meta WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => r.try_get("version")?,
            None => 0,
        })
    }

    /// How many FX days are stored up to `day` (inclusive).
    pub async fn fx_day_count(&self, day: i64) -> Result<usize> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM fx_rates WHERE day <= $1")
            .bind(day)
            .fetch_one(&self.pool)
            .await?;
        let n: i64 = row.try_get("n")?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// Every stored FX day `(day, encoded rates)`, ascending, with a version they are at least
    /// as new as (read first, so a concurrent write is at worst reloaded once more).
    pub async fn fx_days(&self) -> Result<(i64, Vec<(i64, String)>)> {
        let version = self.fx_version().await?;
        let rows = sqlx::query("SELECT day, rates FROM fx_rates ORDER BY day")
            .fetch_all(&self.pool)
            .await?;
        let days = rows.iter().map(fx_row).collect::<Result<_>>()?;
        Ok((version, days))
    }

    /// Writes FX days `(day, encoded rates)` in one transaction: a day already stored with
    /// other rates is replaced (unless `only_missing`), a new day added; the version moves
    /// when anything changed. Returns the days that changed, ascending.
    pub async fn fx_write(&self, days: &[(i64, String)], only_missing: bool) -> Result<Vec<i64>> {
        let now = i64_of(crate::scoring::unix_now(), "updated_at")?;
        let mut tx = self.pool.begin().await?;
        // Takes the row lock (PostgreSQL) or the write lock (SQLite) first, so concurrent
        // writers (replicas refreshing at once) serialize instead of racing the comparison.
        sqlx::query("UPDATE fx_meta SET updated_at = updated_at WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        let (Some(lo), Some(hi)) = (
            days.iter().map(|d| d.0).min(),
            days.iter().map(|d| d.0).max(),
        ) else {
            tx.commit().await?;
            return Ok(Vec::new());
        };
        let stored: std::collections::HashMap<i64, String> =
            sqlx::query("SELECT day, rates FROM fx_rates WHERE day >= $1 AND day <= $2")
                .bind(lo)
                .bind(hi)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| {
                    Ok((
                        r.try_get::<i64, _>("day")?,
                        r.try_get::<String, _>("rates")?,
                    ))
                })
                .collect::<Result<_>>()?;
        // A day before every stored one changes the rates of earlier days too (the earliest
        // fixing stands in for them).
        let first_stored: Option<i64> = sqlx::query("SELECT MIN(day) AS d FROM fx_rates")
            .fetch_one(&mut *tx)
            .await?
            .try_get("d")?;
        let changed: Vec<&(i64, String)> = days
            .iter()
            .filter(|(day, rates)| match stored.get(day) {
                None => true,
                Some(old) => !only_missing && old != rates,
            })
            .collect();
        let rows = changed
            .iter()
            .map(|(day, rates)| vec![Val::I(*day), Val::T(rates.clone()), Val::I(now)])
            .collect();
        insert_with(
            &mut tx,
            self.backend,
            "fx_rates (day, rates, updated_at)",
            3,
            rows,
            "ON CONFLICT (day) DO UPDATE SET rates = excluded.rates, \
             updated_at = excluded.updated_at",
        )
        .await?;
        if !changed.is_empty() {
            sqlx::query("UPDATE fx_meta SET version = version + 1, updated_at = $1 WHERE id = 1")
                .bind(now)
                .execute(&mut *tx)
                .await?;
            // The day summaries follow the rates in the same transaction.
            let first = changed.iter().map(|(d, _)| *d).min().unwrap_or(lo);
            let from = match first_stored {
                Some(f) if f < first => first,
                _ => i64::MIN,
            };
            let fx = day_summaries::locked_fx(&mut tx, None, self.fx_max_staleness_days).await?;
            let affected = day_summaries::fx_dependent_days(&mut tx, from).await?;
            day_summaries::refresh(&mut tx, &*fx, &affected).await?;
        }
        tx.commit().await?;
        let mut out: Vec<i64> = changed.iter().map(|(d, _)| *d).collect();
        out.sort_unstable();
        Ok(out)
    }

    /// The machine whose wallet is `wallet`.
    pub async fn machine_id_of_wallet(&self, wallet: Address) -> Result<Option<u64>> {
        let row = sqlx::query(
            "SELECT machine_id FROM machines WHERE wallet = $1 ORDER BY machine_id LIMIT 1",
        )
        .bind(hex_address(wallet))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| get_u64(&r, "machines", "machine_id"))
            .transpose()
    }

    /// A machine's current state, `None` when it is not registered.
    pub async fn machine(&self, machine_id: u64) -> Result<Option<MachineState>> {
        let id = i64_of(machine_id, "machine_id")?;
        // One query for the machine and its journal (an uncached score makes few round trips):
        // a machine without changes is one row with a NULL change.
        let rows = sqlx::query(
            "SELECT m.wallet AS wallet, u.kind AS kind, u.value AS value FROM machines m \
             LEFT JOIN machine_updates u ON u.machine_id = m.machine_id \
             WHERE m.machine_id = $1 ORDER BY u.block_number, u.log_index",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        if rows.is_empty() {
            return Ok(None);
        }
        machine_of_rows(machine_id, &rows).map(Some)
    }

    /// Every event of a machine, by index.
    pub async fn events(&self, machine_id: u64) -> Result<Vec<StoredEvent>> {
        self.events_page(machine_id, 0, u32::MAX).await
    }

    /// What scoring needs of every event of a machine, by index: `(type, value, currency,
    /// timestamp, trust level, block timestamp)`; a narrower read than [`Store::events`].
    pub async fn score_events(&self, machine_id: u64) -> Result<Vec<ScoreEvent>> {
        let rows = sqlx::query(
            "SELECT event_type, value, currency, timestamp, trust_level, block_timestamp \
             FROM events WHERE machine_id = $1 ORDER BY event_index",
        )
        .bind(i64_of(machine_id, "machine_id")?)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(score_event_of_row).collect()
    }

    /// What `/mcr/{did}/history` reads for points from `first` on: the per-day summaries of
    /// the machine's summary row whose events are all known at `first` (every block time and
    /// every event time of the day at or before it), and the events of every other day (one
    /// range read from the earliest such day, through `events_machine_time`), both in one
    /// read transaction. A history of the last 30 days of a machine with years of events
    /// reads one row and about 30 days of events.
    pub async fn history_input(
        &self,
        machine_id: u64,
        first: u64,
    ) -> Result<(Vec<DaySummary>, Vec<ScoreEvent>)> {
        let id = i64_of(machine_id, "machine_id")?;
        let mut tx = self.pool.begin().await?;
        let days = machine_summaries::read_days(&mut *tx, id).await?;
        let settled_at = |day: i64, block: u64| {
            // The day's last second: no event of the day is dated later.
            let last_second = u64::try_from(day.saturating_add(1))
                .ok()
                .map(|d| d.saturating_mul(SECONDS_PER_DAY).saturating_sub(1));
            last_second.is_some_and(|l| l <= first) && block <= first
        };
        let mut settled = Vec::new();
        let mut first_open: Option<i64> = None;
        for (day, (summary, block)) in &days {
            if settled_at(*day, *block) {
                settled.push(*summary);
            } else if first_open.is_none() {
                first_open = Some(*day);
            }
        }
        let Some(open) = first_open else {
            return Ok((settled, Vec::new()));
        };
        let from = u64::try_from(open)
            .unwrap_or(0)
            .saturating_mul(SECONDS_PER_DAY);
        let rows = sqlx::query(
            "SELECT event_type, value, currency, timestamp, trust_level, block_timestamp \
             FROM events WHERE machine_id = $1 AND timestamp >= $2 ORDER BY event_index",
        )
        .bind(id)
        .bind(i64_of(from, "timestamp")?)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        let mut events = Vec::with_capacity(rows.len());
        for r in &rows {
            let e = score_event_of_row(r)?;
            let day = utc_day(e.timestamp);
            if !days.get(&day).is_some_and(|(_, b)| settled_at(day, *b)) {
                events.push(e);
            }
        }
        Ok((settled, events))
    }

    /// Up to `limit` events of a machine from index `offset`.
    pub async fn events_page(
        &self,
        machine_id: u64,
        offset: u64,
        limit: u32,
    ) -> Result<Vec<StoredEvent>> {
        let rows = sqlx::query(
            "SELECT machine_id, event_index, event_type, value, currency, timestamp, data_hash, \
             trust_level, source_chain_id, source_tx_hash, metadata, block_number, log_index, \
             tx_hash, block_timestamp FROM events WHERE machine_id = $1 AND event_index >= $2 \
             ORDER BY event_index LIMIT $3",
        )
        .bind(i64_of(machine_id, "machine_id")?)
        .bind(i64_of(offset, "event_index")?)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event_of_row).collect()
    }

    /// A machine's event count and when its latest event was added.
    pub async fn event_stats(&self, machine_id: u64) -> Result<EventStats> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, MAX(block_timestamp) AS last FROM events WHERE machine_id = $1",
        )
        .bind(i64_of(machine_id, "machine_id")?)
        .fetch_one(&self.pool)
        .await?;
        let last: Option<i64> = row.try_get("last")?;
        Ok(EventStats {
            count: get_u64(&row, "events", "n")?,
            last_block_timestamp: last.and_then(|v| u64::try_from(v).ok()),
        })
    }

    /// How many events the store holds.
    pub async fn total_events(&self) -> Result<u64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM events")
            .fetch_one(&self.pool)
            .await?;
        get_u64(&row, "events", "n")
    }

    /// The current DID attributes of `address` (name → value bytes).
    pub async fn did_attributes(&self, address: Address) -> Result<BTreeMap<Vec<u8>, Vec<u8>>> {
        let rows = sqlx::query(
            "SELECT name, value FROM did_attributes WHERE address = $1 \
             ORDER BY block_number, log_index",
        )
        .bind(hex_address(address))
        .fetch_all(&self.pool)
        .await?;
        let mut out = BTreeMap::new();
        for r in &rows {
            let name: Bytes = get_parsed(r, "did_attributes", "name")?;
            let value: Option<String> = r.try_get("value")?;
            match value {
                Some(v) => {
                    let v: Bytes = v.parse().map_err(|_| Error::CorruptStore {
                        table: "did_attributes",
                        column: "value",
                        value: v,
                    })?;
                    out.insert(name.to_vec(), v.to_vec());
                }
                None => {
                    out.remove(name.as_ref());
                }
            }
        }
        Ok(out)
    }

    /// The Machine NFT token of a machine, if minted.
    pub async fn token_of_machine(&self, machine_id: u64) -> Result<Option<u64>> {
        let row = sqlx::query(
            "SELECT token_id FROM nft_mints WHERE machine_id = $1 ORDER BY token_id LIMIT 1",
        )
        .bind(i64_of(machine_id, "machine_id")?)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| get_u64(&r, "nft_mints", "token_id"))
            .transpose()
    }

    /// The machine of a Machine NFT token, if minted.
    pub async fn machine_of_token(&self, token_id: u64) -> Result<Option<u64>> {
        let row = sqlx::query("SELECT machine_id FROM nft_mints WHERE token_id = $1")
            .bind(i64_of(token_id, "token_id")?)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| get_u64(&r, "nft_mints", "machine_id"))
            .transpose()
    }

    /// The current holder of a Machine NFT token (after transfers), if minted.
    pub async fn token_holder(&self, token_id: u64) -> Result<Option<Address>> {
        let row = sqlx::query(
            "SELECT to_address FROM nft_transfers WHERE token_id = $1 \
             ORDER BY block_number DESC, log_index DESC LIMIT 1",
        )
        .bind(i64_of(token_id, "token_id")?)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| get_parsed(&r, "nft_transfers", "to_address"))
            .transpose()
    }
}

/// A small integer column (event type, trust level).
fn get_u8(r: &AnyRow, table: &'static str, column: &'static str) -> Result<u8> {
    let v = get_u64(r, table, column)?;
    u8::try_from(v).map_err(|_| Error::CorruptStore {
        table,
        column,
        value: v.to_string(),
    })
}

/// What scoring reads of an `events` row.
pub(crate) fn score_event_of_row(r: &AnyRow) -> Result<ScoreEvent> {
    const T: &str = "events";
    let small = |column: &'static str| get_u8(r, T, column);
    let value: String = r.try_get("value")?;
    Ok(ScoreEvent {
        event_type: small("event_type")?,
        // Values above u128 saturate (the model works in u128).
        value: value.parse::<u128>().or_else(|_| {
            U256::from_str(&value)
                .map(|_| u128::MAX)
                .map_err(|_| Error::CorruptStore {
                    table: T,
                    column: "value",
                    value: value.clone(),
                })
        })?,
        currency: r.try_get("currency")?,
        timestamp: get_u64(r, T, "timestamp")?,
        trust_level: small("trust_level")?,
        block_timestamp: get_u64(r, T, "block_timestamp")?,
    })
}

fn event_of_row(r: &AnyRow) -> Result<StoredEvent> {
    const T: &str = "events";
    let small = |column: &'static str| get_u8(r, T, column);
    Ok(StoredEvent {
        machine_id: get_u64(r, T, "machine_id")?,
        event_index: get_u64(r, T, "event_index")?,
        event_type: small("event_type")?,
        value: get_parsed(r, T, "value")?,
        currency: r.try_get("currency")?,
        timestamp: get_u64(r, T, "timestamp")?,
        data_hash: get_parsed(r, T, "data_hash")?,
        trust_level: small("trust_level")?,
        source_chain_id: get_parsed(r, T, "source_chain_id")?,
        source_tx_hash: get_parsed(r, T, "source_tx_hash")?,
        metadata: get_parsed(r, T, "metadata")?,
        block_number: get_u64(r, T, "block_number")?,
        log_index: get_u64(r, T, "log_index")?,
        tx_hash: get_parsed(r, T, "tx_hash")?,
        block_timestamp: get_u64(r, T, "block_timestamp")?,
    })
}

fn fx_row(r: &AnyRow) -> Result<(i64, String)> {
    Ok((r.try_get("day")?, r.try_get("rates")?))
}

async fn set_checkpoint(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    to: Option<BlockRef>,
) -> Result<()> {
    sqlx::query("DELETE FROM mcr_checkpoint WHERE id = 1")
        .execute(&mut **tx)
        .await?;
    if let Some(to) = to {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        sqlx::query(
            "INSERT INTO mcr_checkpoint (id, block_number, block_hash, updated_at) \
             VALUES (1, $1, $2, $3)",
        )
        .bind(i64_of(to.number, "block_number")?)
        .bind(to.hash.to_string())
        .bind(i64_of(now, "updated_at")?)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// [`insert`] of `items`, each turned into a row by `row`.
async fn insert_all<T>(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    target: &str,
    cols: usize,
    items: &[T],
    row: impl Fn(&T) -> Result<Vec<Val>>,
) -> Result<()> {
    let rows = items.iter().map(row).collect::<Result<Vec<_>>>()?;
    insert(tx, backend, target, cols, rows).await
}

/// Multi-row `INSERT INTO {target} VALUES …` in chunks.
async fn insert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    target: &str,
    cols: usize,
    rows: Vec<Vec<Val>>,
) -> Result<()> {
    insert_with(tx, backend, target, cols, rows, "").await
}

/// [`insert`] with a clause after the values (`ON CONFLICT …`).
async fn insert_with(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    target: &str,
    cols: usize,
    rows: Vec<Vec<Val>>,
    suffix: &str,
) -> Result<()> {
    let per_statement = match backend {
        Backend::Sqlite => (SQLITE_INSERT_PARAMS / cols).max(1),
        Backend::Postgres => PG_INSERT_ROWS,
    };
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<Vec<Val>> = rows.by_ref().take(per_statement).collect();
        let sql = format!(
            "INSERT INTO {target} VALUES {} {suffix}",
            placeholders(chunk.len(), cols)
        );
        let mut q = sqlx::query(&sql);
        for row in chunk {
            for v in row {
                q = match v {
                    Val::I(i) => q.bind(i),
                    Val::T(t) => q.bind(t),
                    Val::N(n) => q.bind(n),
                };
            }
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_every_value() {
        assert_eq!(placeholders(2, 3), "($1,$2,$3),($4,$5,$6)");
    }

    #[test]
    fn changes_round_trip() {
        for c in [
            MachineChange::Operator(Address::repeat_byte(7)),
            MachineChange::Status(4),
            MachineChange::Bonded(U256::from(10u64).pow(U256::from(18u64))),
            MachineChange::Flagged(1_700_000_000),
            MachineChange::FlagCleared,
            MachineChange::TrustOverride(5000),
            MachineChange::TrustOverrideCleared,
        ] {
            let (kind, value) = c.encode();
            assert_eq!(MachineChange::decode(kind, &value).expect("decodes"), c);
        }
    }
}
