//! The service's error type, with stable codes.

/// Every error of the MCR service library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration value is missing or malformed.
    #[error("invalid configuration: {name}: {message}")]
    Config {
        /// The setting (environment variable name).
        name: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Applying the migrations failed.
    #[error("database migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// The chain RPC failed or answered something unusable.
    #[error("chain RPC error: {0}")]
    Rpc(String),
    /// The node refused an `eth_getLogs` range as too large (too many logs, too many bytes
    /// or too many blocks); the indexer halves the range and retries.
    #[error("chain RPC refused the log range: {0}")]
    LogsLimit(String),
    /// The chain changed under a read (a reorg while indexing); the step is retried.
    #[error("chain changed while reading: {0}")]
    ChainMoved(String),
    /// A stored value could not be decoded (the database was written by something else).
    #[error("corrupt store value in {table}.{column}: {value:?}")]
    CorruptStore {
        /// The table.
        table: &'static str,
        /// The column.
        column: &'static str,
        /// The value.
        value: String,
    },
    /// Binding the HTTP listener failed.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A wait (e.g. [`RunningMcr::wait_indexed`](crate::RunningMcr::wait_indexed)) ran out
    /// of time.
    #[error("timed out: {0}")]
    Timeout(String),
    /// An ECB rates file (download or `fx import`) is malformed or unusable; nothing was
    /// written.
    #[error("{0}")]
    FxData(#[from] peaqos_mcr_model::FxDataError),
    /// The service is shutting down or its indexer stopped.
    #[error("the service stopped: {0}")]
    Stopped(String),
    /// This process no longer leads the indexer (another took over): nothing was written.
    #[error("not the indexer's leader: {0}")]
    NotLeader(String),
}

impl Error {
    /// The stable code.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Config { .. } => "INVALID_CONFIG",
            Self::Database(_) => "DATABASE_ERROR",
            Self::Migration(_) => "MIGRATION_FAILED",
            Self::Rpc(_) => "RPC_ERROR",
            Self::LogsLimit(_) => "RPC_LOGS_LIMIT",
            Self::ChainMoved(_) => "CHAIN_MOVED",
            Self::CorruptStore { .. } => "CORRUPT_STORE",
            Self::Bind { .. } => "BIND_FAILED",
            Self::Timeout(_) => "TIMEOUT",
            Self::FxData(e) => e.code(),
            Self::Stopped(_) => "STOPPED",
            Self::NotLeader(_) => "NOT_LEADER",
        }
    }

    /// An RPC error from anything displayable, with every URL in its text redacted (HTTP
    /// clients quote the URL, and RPC URLs carry API keys).
    pub(crate) fn rpc(e: impl std::fmt::Display) -> Self {
        Self::Rpc(peaqos_service::redact_urls_in(&e.to_string()))
    }
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
