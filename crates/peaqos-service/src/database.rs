//! One way to open a service database: SQLite or PostgreSQL through sqlx's `Any` driver, the
//! connection pool, SQLite's pragmas, and the service's embedded migrations.

use std::{borrow::Cow, future::Future, pin::Pin, time::Duration};

use sqlx::{
    AnyPool,
    any::AnyPoolOptions,
    error::BoxDynError,
    migrate::{MigrateError, Migration, MigrationSource, MigrationType, Migrator},
};

/// Why a database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    /// Connecting (or a connection's setup statements) failed.
    #[error("{0}")]
    Connect(#[source] sqlx::Error),
    /// Applying the migrations failed.
    #[error("{0}")]
    Migrate(#[source] MigrateError),
}

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite (embedded).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Backend {
    /// The backend of `url` (`sqlite:` or `postgres:`/`postgresql:`), if it is one of them.
    pub fn of(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Self::Postgres)
        } else {
            None
        }
    }
}

/// One embedded migration: version, name, SQL (the same SQL runs on both backends).
pub type EmbeddedMigration = (i64, &'static str, &'static str);

/// How a service opens its database.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Pool size on SQLite files (an in-memory SQLite database always gets one connection:
    /// it lives in that connection).
    pub sqlite_max_connections: u32,
    /// Pool size on PostgreSQL.
    pub postgres_max_connections: u32,
    /// How long a query waits for a free connection.
    pub acquire_timeout: Duration,
    /// Statements run on every new SQLite connection (journal mode, busy timeout, ...).
    pub sqlite_pragmas: &'static [&'static str],
    /// Create a missing SQLite file (adds `mode=rwc` when the URL names no mode).
    pub create_sqlite_file: bool,
}

/// Connects to `url` and applies `migrations` (in version order; applied ones are skipped,
/// changed ones refused). Returns the pool and its backend.
pub async fn connect_and_migrate(
    url: &str,
    options: &ConnectOptions,
    migrations: &'static [EmbeddedMigration],
) -> Result<(AnyPool, Option<Backend>), DatabaseError> {
    sqlx::any::install_default_drivers();
    let backend = Backend::of(url);
    let sqlite = backend == Some(Backend::Sqlite);
    let url = if sqlite && options.create_sqlite_file && !url.contains("mode=") {
        let sep = if url.contains('?') { '&' } else { '?' };
        Cow::Owned(format!("{url}{sep}mode=rwc"))
    } else {
        Cow::Borrowed(url)
    };
    let memory = sqlite && (url.contains(":memory:") || url.contains("mode=memory"));
    let max_connections = match backend {
        _ if memory => 1,
        Some(Backend::Sqlite) => options.sqlite_max_connections,
        _ => options.postgres_max_connections,
    };
    let mut pool = AnyPoolOptions::new()
        .max_connections(max_connections.max(1))
        .acquire_timeout(options.acquire_timeout);
    if sqlite {
        let pragmas = options.sqlite_pragmas;
        pool = pool.after_connect(move |conn, _| {
            Box::pin(async move {
                for pragma in pragmas {
                    sqlx::Executor::execute(&mut *conn, *pragma).await?;
                }
                Ok(())
            })
        });
    }
    let pool = pool.connect(&url).await.map_err(DatabaseError::Connect)?;
    let migrator = Migrator::new(Embedded(migrations))
        .await
        .map_err(DatabaseError::Migrate)?;
    migrator.run(&pool).await.map_err(DatabaseError::Migrate)?;
    Ok((pool, backend))
}

/// The migration source of a service's embedded SQL files.
#[derive(Debug)]
struct Embedded(&'static [EmbeddedMigration]);

impl<'s> MigrationSource<'s> for Embedded {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 's>> {
        Box::pin(async move {
            Ok(self
                .0
                .iter()
                .map(|(version, name, sql)| {
                    Migration::new(
                        *version,
                        Cow::Borrowed(*name),
                        MigrationType::Simple,
                        Cow::Borrowed(*sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIGRATIONS: &[EmbeddedMigration] = &[(1, "init", "CREATE TABLE t (x INTEGER);")];
    const OPTIONS: ConnectOptions = ConnectOptions {
        sqlite_max_connections: 4,
        postgres_max_connections: 4,
        acquire_timeout: Duration::from_secs(5),
        sqlite_pragmas: &["PRAGMA journal_mode = WAL"],
        create_sqlite_file: true,
    };

    #[test]
    fn backends() {
        assert_eq!(Backend::of("sqlite://x.db"), Some(Backend::Sqlite));
        assert_eq!(Backend::of("postgresql://h/db"), Some(Backend::Postgres));
        assert_eq!(Backend::of("mysql://h/db"), None);
    }

    #[tokio::test]
    async fn creates_migrates_and_reopens_a_sqlite_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}", dir.path().join("s.db").display());
        for _ in 0..2 {
            let (pool, backend) = connect_and_migrate(&url, &OPTIONS, MIGRATIONS)
                .await
                .expect("connect");
            assert_eq!(backend, Some(Backend::Sqlite));
            sqlx::query("INSERT INTO t (x) VALUES (1)")
                .execute(&pool)
                .await
                .expect("insert");
            pool.close().await;
        }
    }
}
