//! Persistence: one set of migrations and portable queries for SQLite and PostgreSQL through
//! `sqlx::Any`. Every check-and-update that must not race is a single conditional statement
//! (or one transaction of them), so concurrent requests, several connections and, on
//! PostgreSQL, several processes stay exact. A SQLite database serves one process only: a
//! second process on the same file is refused (see [`Store::connect`]).

use std::{fs::File, sync::Arc, time::Duration};

use peaqos_service::database::{
    Backend, ConnectOptions, DatabaseError, EmbeddedMigration, connect_and_migrate,
};
use sqlx::{Any, AnyPool, Row, any::AnyRow, pool::PoolConnection};

use crate::Error;

/// Milliseconds in a UTC day.
pub const DAY_MS: i64 = 86_400_000;

/// The database.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Option<Backend>,
    /// SQLite: the exclusive lock on `<file>.instance-lock` held for the life of the process.
    _instance: Option<Arc<File>>,
}

/// The funder's nonce lock across processes: on PostgreSQL a session advisory lock held on a
/// dedicated connection from [`Store::lock_nonces`] until [`NonceLock::unlock`]. Dropped
/// without `unlock` (a cancelled or failed handler), the connection is closed instead of
/// returned to the pool, which ends the session and so releases the lock. On SQLite (one
/// process) it holds nothing.
#[derive(Debug)]
pub struct NonceLock {
    conn: Option<PoolConnection<Any>>,
    key: i64,
}

impl NonceLock {
    /// Releases the lock.
    pub async fn unlock(mut self) {
        if let Some(mut conn) = self.conn.take() {
            let unlocked = sqlx::query("SELECT pg_advisory_unlock($1) AS ok")
                .bind(self.key)
                .fetch_one(&mut *conn)
                .await
                .and_then(|r| r.try_get::<bool, _>("ok"));
            if !matches!(unlocked, Ok(true)) {
                tracing::warn!(?unlocked, "nonce lock: unlock failed, closing the session");
                drop(conn.detach());
            }
        }
    }
}

impl Drop for NonceLock {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            // Closing the session is what releases a session lock.
            drop(conn.detach());
        }
    }
}

/// The advisory lock key of a funder's nonces: the first 8 bytes of a keccak of its chain and
/// address (one namespace string, so other users of advisory locks do not collide).
fn nonce_lock_key(chain: &str, funder: &str) -> i64 {
    let hash = alloy::primitives::keccak256(format!("peaqos-gas-station/nonce|{chain}|{funder}"));
    let mut first = [0u8; 8];
    first.copy_from_slice(&hash[..8]);
    i64::from_be_bytes(first)
}

/// The file of a SQLite URL (`sqlite://PATH?…` or `sqlite:PATH`), `None` for in-memory ones.
fn sqlite_file(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or_default();
    let memory = path.is_empty() || path == ":memory:" || url.contains("mode=memory");
    (!memory).then_some(path)
}

/// Takes the one-process lock of a SQLite database file: an exclusive `flock` on
/// `<file>.instance-lock`, released by the OS when the process ends (also on SIGKILL).
fn lock_sqlite_instance(path: &str) -> Result<File, Error> {
    let lock_path = format!("{path}.instance-lock");
    let mut options = std::fs::OpenOptions::new();
    options.create(true).truncate(false).write(true);
    // Private like the database beside it (0600 from creation, never briefly wider).
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(&lock_path)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Config(format!(
            "another Gas Station uses the SQLite database {path} ({lock_path} is locked): a \
             SQLite database serves one process; use PostgreSQL for several"
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(e.into()),
    }
}

impl std::fmt::Debug for Store {
    // The pool's options hold the database URL, password included.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

/// A 2FA enrollment.
#[derive(Debug, Clone)]
pub struct Enrollment {
    /// The sealed secret.
    pub secret: String,
    /// Confirmed.
    pub active: bool,
    /// Locked until (unix ms; 0 = not locked).
    pub locked_until_ms: i64,
    /// When the setup that made it ran (unix ms).
    pub created_ms: i64,
    /// Made with a proof of control of the owner address.
    pub proven: bool,
}

/// How a code use went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeUse {
    /// Recorded: the code was not used before for this scope.
    Accepted,
    /// Used before for this scope.
    Reused,
    /// The owner is locked.
    Locked,
}

/// The outcome of claiming a request id.
#[derive(Debug, Clone)]
pub enum Claim {
    /// Ours now.
    New,
    /// Already there.
    Existing {
        /// `pending`, `signed` or `done`.
        state: String,
        /// Its owner.
        owner: String,
        /// The result JSON when done.
        result: Option<String>,
    },
}

/// A transfer persisted before broadcast, not yet resolved.
#[derive(Debug, Clone)]
pub struct InFlight {
    /// The request id.
    pub request_id: String,
    /// The chain name.
    pub chain: String,
    /// The funding address.
    pub funder: String,
    /// The nonce.
    pub nonce: i64,
    /// The transaction hash.
    pub tx_hash: String,
    /// The signed transaction (hex).
    pub raw_tx: String,
    /// The amount, in gwei.
    pub amount_gwei: i64,
    /// When the request was claimed (unix ms).
    pub created_ms: i64,
}

/// A QR token: which enrollment's secret it shows, and until when.
#[derive(Debug, Clone)]
pub struct QrToken {
    /// The owner key.
    pub owner: String,
    /// The owner as the setup sent it (the otpauth account name).
    pub label: String,
    /// `svg` or `png`.
    pub format: String,
    /// Expiry (unix ms).
    pub expires_ms: i64,
}

/// Which unfinished request [`Store::release`] and its variants may delete.
#[derive(Debug, Clone, Copy)]
enum Release<'a> {
    /// Any unfinished one.
    Unfinished,
    /// One still held by this claim token.
    Claim(&'a str),
    /// A pending one last touched before this time (unix ms).
    StalePending(i64),
}

/// Why a cap reservation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapHit {
    /// The owner's daily cap.
    Owner,
    /// The wallet's daily cap.
    Wallet,
}

const MIGRATIONS: &[EmbeddedMigration] = &[
    (1, "init", include_str!("../migrations/0001_init.sql")),
    (
        2,
        "hardening",
        include_str!("../migrations/0002_hardening.sql"),
    ),
    (
        3,
        "replicas",
        include_str!("../migrations/0003_replicas.sql"),
    ),
];

fn owner_scope(chain: &str, owner: &str) -> String {
    format!("o|{chain}|{owner}")
}

fn wallet_scope(chain: &str, target: &str) -> String {
    format!("w|{chain}|{target}")
}

impl Store {
    /// Connects (creating a SQLite file when the URL says `mode=rwc`) and migrates.
    pub async fn connect(url: &str) -> Result<Self, Error> {
        let options = ConnectOptions {
            sqlite_max_connections: 8,
            postgres_max_connections: 16,
            acquire_timeout: Duration::from_secs(60),
            // WAL: readers do not block the writer; writers wait instead of failing.
            sqlite_pragmas: &["PRAGMA journal_mode = WAL", "PRAGMA busy_timeout = 60000"],
            create_sqlite_file: false,
        };
        // The lock comes first: a second process must not even migrate the file. (PostgreSQL
        // migrations run under sqlx's advisory lock, so concurrent starts are safe there.)
        let instance = match Backend::of(url) {
            Some(Backend::Sqlite) => match sqlite_file(url) {
                Some(path) if std::path::Path::new(path).exists() || url.contains("mode=rwc") => {
                    Some(Arc::new(lock_sqlite_instance(path)?))
                }
                _ => None,
            },
            _ => None,
        };
        let (pool, backend) = connect_and_migrate(url, &options, MIGRATIONS)
            .await
            .map_err(|e| match e {
                DatabaseError::Connect(e) => Error::Database(e),
                DatabaseError::Migrate(e) => Error::Migrate(e),
            })?;
        Ok(Self {
            pool,
            backend,
            _instance: instance,
        })
    }

    /// Whether the database is PostgreSQL (several processes may share it).
    pub fn is_postgres(&self) -> bool {
        self.backend == Some(Backend::Postgres)
    }

    /// Takes the nonce lock of `funder` on `chain` (see [`NonceLock`]); waits for another
    /// process holding it.
    pub async fn lock_nonces(&self, chain: &str, funder: &str) -> Result<NonceLock, Error> {
        let key = nonce_lock_key(chain, funder);
        if !self.is_postgres() {
            return Ok(NonceLock { conn: None, key });
        }
        let mut conn = self.pool.acquire().await?;
        sqlx::query("SELECT 1 AS one FROM (SELECT pg_advisory_lock($1)) AS locked")
            .bind(key)
            .fetch_one(&mut *conn)
            .await?;
        Ok(NonceLock {
            conn: Some(conn),
            key,
        })
    }

    /// Counts one 2FA setup from client `ip` in the window starting at `window_start`, against
    /// `per_ip` and `global` (both counted in the database, so shared by every process);
    /// `false`, and nothing counted, when either is reached.
    pub async fn admit_setup(
        &self,
        ip: &str,
        window_start: i64,
        per_ip: i64,
        global: i64,
    ) -> Result<bool, Error> {
        let mut tx = self.pool.begin().await?;
        for (scope, limit) in [("*".to_owned(), global), (format!("ip|{ip}"), per_ip)] {
            let done = sqlx::query(
                "INSERT INTO setup_windows (scope, window_start, hits) VALUES ($1, $2, 1) \
                 ON CONFLICT (scope, window_start) DO UPDATE SET hits = setup_windows.hits + 1 \
                 WHERE setup_windows.hits < $3",
            )
            .bind(&scope)
            .bind(window_start)
            .bind(limit)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                tx.rollback().await?;
                return Ok(false);
            }
        }
        tx.commit().await?;
        Ok(true)
    }

    /// The pool (for tests and tools).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    // ------------------------------------------------------------------------ enrollments

    /// The enrollment of `owner`.
    pub async fn enrollment(&self, owner: &str) -> Result<Option<Enrollment>, Error> {
        let row = sqlx::query(
            "SELECT secret, active, locked_until_ms, created_ms, proven FROM enrollments \
             WHERE owner = $1",
        )
        .bind(owner)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| -> Result<Enrollment, Error> {
            Ok(Enrollment {
                secret: r.try_get("secret")?,
                active: r.try_get::<i64, _>("active")? != 0,
                locked_until_ms: r.try_get("locked_until_ms")?,
                created_ms: r.try_get("created_ms")?,
                proven: r.try_get::<i64, _>("proven")? != 0,
            })
        })
        .transpose()
    }

    /// Starts (or restarts) the enrollment of `owner`; `proof` is the `signedAt` of a verified
    /// owner signature. An existing enrollment is replaced only when it is
    /// * unconfirmed and unproven (anyone may restart it, as before), or
    /// * unproven (even confirmed: it may have been squatted) and `proof` is given, or
    /// * unconfirmed, proven, and `proof` is newer than its proof.
    ///
    /// A confirmed proven enrollment is never replaced. `false` when nothing was written.
    pub async fn begin_enrollment(
        &self,
        owner: &str,
        sealed: &str,
        now: i64,
        proof: Option<i64>,
    ) -> Result<bool, Error> {
        let done = sqlx::query(
            "INSERT INTO enrollments (owner, secret, active, failed_attempts, locked_until_ms, \
             created_ms, proven, proof_signed_at) VALUES ($1, $2, 0, 0, 0, $3, $4, $5) \
             ON CONFLICT (owner) DO UPDATE SET secret = excluded.secret, active = 0, \
             failed_attempts = 0, locked_until_ms = 0, created_ms = excluded.created_ms, \
             activated_ms = NULL, proven = excluded.proven, \
             proof_signed_at = excluded.proof_signed_at \
             WHERE (enrollments.proven = 0 AND (enrollments.active = 0 OR excluded.proven = 1)) \
             OR (enrollments.active = 0 AND excluded.proven = 1 \
             AND excluded.proof_signed_at > enrollments.proof_signed_at)",
        )
        .bind(owner)
        .bind(sealed)
        .bind(now)
        .bind(i64::from(proof.is_some()))
        .bind(proof.unwrap_or(0))
        .execute(&self.pool)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        // Uses of the old secret's codes must not block the new secret's (same steps).
        sqlx::query("DELETE FROM totp_uses WHERE owner = $1")
            .bind(owner)
            .execute(&self.pool)
            .await?;
        Ok(true)
    }

    /// Deletes the unconfirmed enrollments started before `before_ms` (and their QR tokens).
    pub async fn purge_pending(&self, before_ms: i64) -> Result<u64, Error> {
        sqlx::query(
            "DELETE FROM qr_tokens WHERE owner IN \
             (SELECT owner FROM enrollments WHERE active = 0 AND created_ms < $1)",
        )
        .bind(before_ms)
        .execute(&self.pool)
        .await?;
        let done = sqlx::query("DELETE FROM enrollments WHERE active = 0 AND created_ms < $1")
            .bind(before_ms)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Enrolls `owner` as active with `sealed`, replacing any enrollment (local stacks).
    pub async fn put_active_enrollment(
        &self,
        owner: &str,
        sealed: &str,
        now: i64,
    ) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO enrollments (owner, secret, active, failed_attempts, locked_until_ms, created_ms, activated_ms) \
             VALUES ($1, $2, 1, 0, 0, $3, $3) \
             ON CONFLICT (owner) DO UPDATE SET secret = excluded.secret, active = 1, \
             failed_attempts = 0, locked_until_ms = 0, activated_ms = excluded.activated_ms",
        )
        .bind(owner)
        .bind(sealed)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Marks the enrollment confirmed.
    pub async fn activate(&self, owner: &str, now: i64) -> Result<(), Error> {
        sqlx::query(
            "UPDATE enrollments SET active = 1, activated_ms = $2 WHERE owner = $1 AND active = 0",
        )
        .bind(owner)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Ends an expired lock (the attempt counter starts again).
    pub async fn clear_expired_lock(&self, owner: &str, now: i64) -> Result<(), Error> {
        sqlx::query(
            "UPDATE enrollments SET failed_attempts = 0, locked_until_ms = 0 \
             WHERE owner = $1 AND locked_until_ms <> 0 AND locked_until_ms <= $2",
        )
        .bind(owner)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Counts an invalid code; locks the owner until `now + lockout_ms` at the `max`-th.
    /// Returns whether the owner is now locked.
    pub async fn record_failure(
        &self,
        owner: &str,
        now: i64,
        max: i64,
        lockout_ms: i64,
    ) -> Result<bool, Error> {
        let row = sqlx::query(
            "UPDATE enrollments SET failed_attempts = failed_attempts + 1, \
             locked_until_ms = CASE WHEN failed_attempts + 1 >= $2 AND locked_until_ms <= $3 \
             THEN $3 + $4 ELSE locked_until_ms END \
             WHERE owner = $1 RETURNING locked_until_ms",
        )
        .bind(owner)
        .bind(max)
        .bind(now)
        .bind(lockout_ms)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some(r) => r.try_get::<i64, _>("locked_until_ms")? > now,
            None => false,
        })
    }

    /// Resets the failure count after a valid code (no write when there is nothing to reset).
    pub async fn record_success(&self, owner: &str) -> Result<(), Error> {
        sqlx::query(
            "UPDATE enrollments SET failed_attempts = 0 WHERE owner = $1 AND failed_attempts <> 0",
        )
        .bind(owner)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records the use of the code of `step` for `scope`, unless the owner is locked at `now`
    /// (so a concurrent brute force that just locked the owner cannot slip a code through)
    /// and `ignore_lock` is not set (a trusted IP).
    pub async fn use_code(
        &self,
        owner: &str,
        step: i64,
        scope: &str,
        now: i64,
        ignore_lock: bool,
    ) -> Result<CodeUse, Error> {
        let done = sqlx::query(
            "INSERT INTO totp_uses (owner, step, scope, used_ms) \
             SELECT $1, $2, $3, $4 FROM enrollments WHERE owner = $1 \
             AND (locked_until_ms <= $4 OR $5 = 1) \
             ON CONFLICT DO NOTHING",
        )
        .bind(owner)
        .bind(step)
        .bind(scope)
        .bind(now)
        .bind(i64::from(ignore_lock))
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 1 {
            return Ok(CodeUse::Accepted);
        }
        let locked = sqlx::query("SELECT locked_until_ms FROM enrollments WHERE owner = $1")
            .bind(owner)
            .fetch_optional(&self.pool)
            .await?
            .map(|r| r.try_get::<i64, _>("locked_until_ms"))
            .transpose()?
            .is_none_or(|until| until > now && !ignore_lock);
        Ok(if locked {
            CodeUse::Locked
        } else {
            CodeUse::Reused
        })
    }

    // ------------------------------------------------------------------------ client IPs

    /// Invalid codes from `ip` in the window starting at `window_start`.
    pub async fn ip_failures(&self, ip: &str, window_start: i64) -> Result<i64, Error> {
        let row =
            sqlx::query("SELECT failures FROM ip_failures WHERE ip = $1 AND window_start = $2")
                .bind(ip)
                .bind(window_start)
                .fetch_optional(&self.pool)
                .await?;
        Ok(match row {
            Some(r) => r.try_get("failures")?,
            None => 0,
        })
    }

    /// Counts an invalid code from `ip`; returns the window's count.
    pub async fn record_ip_failure(&self, ip: &str, window_start: i64) -> Result<i64, Error> {
        let row = sqlx::query(
            "INSERT INTO ip_failures (ip, window_start, failures) VALUES ($1, $2, 1) \
             ON CONFLICT (ip, window_start) DO UPDATE SET failures = ip_failures.failures + 1 \
             RETURNING failures",
        )
        .bind(ip)
        .bind(window_start)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("failures")?)
    }

    /// Remembers that `ip` gave a valid code for `owner` at `now`.
    pub async fn trust_ip(&self, owner: &str, ip: &str, now: i64) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO owner_ips (owner, ip, last_ok_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (owner, ip) DO UPDATE SET last_ok_ms = excluded.last_ok_ms",
        )
        .bind(owner)
        .bind(ip)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Whether `ip` gave a valid code for `owner` at or after `since_ms`.
    pub async fn is_trusted(&self, owner: &str, ip: &str, since_ms: i64) -> Result<bool, Error> {
        let row = sqlx::query(
            "SELECT last_ok_ms FROM owner_ips WHERE owner = $1 AND ip = $2 AND last_ok_ms >= $3",
        )
        .bind(owner)
        .bind(ip)
        .bind(since_ms)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    // ------------------------------------------------------------------------------- QR

    /// Stores a QR token for `owner`'s current enrollment, replacing the owner's earlier
    /// tokens (they would show the new secret). `label` is the otpauth account name. No image
    /// is stored: it is rendered on request from the enrollment.
    pub async fn put_qr(
        &self,
        token: &str,
        owner: &str,
        label: &str,
        format: &str,
        expires_ms: i64,
    ) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM qr_tokens WHERE owner = $1")
            .bind(owner)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO qr_tokens (token, owner, label, format, image, expires_ms) \
             VALUES ($1, $2, $3, $4, '', $5)",
        )
        .bind(token)
        .bind(owner)
        .bind(label)
        .bind(format)
        .bind(expires_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The QR token `token`.
    pub async fn qr(&self, token: &str) -> Result<Option<QrToken>, Error> {
        let row =
            sqlx::query("SELECT owner, label, format, expires_ms FROM qr_tokens WHERE token = $1")
                .bind(token)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| {
            Ok(QrToken {
                owner: r.try_get("owner")?,
                label: r.try_get("label")?,
                format: r.try_get("format")?,
                expires_ms: r.try_get("expires_ms")?,
            })
        })
        .transpose()
    }

    /// Forgets what is no longer needed: QR tokens expired a day ago (until then they answer
    /// `QR_EXPIRED`; an owner has at most one), unconfirmed enrollments started
    /// before `pending_before`, IPs last trusted before `trusted_before`, code uses older than
    /// the TOTP window, IP failure windows, rate windows and ledger days long past.
    pub async fn purge(
        &self,
        now: i64,
        pending_before: i64,
        trusted_before: i64,
    ) -> Result<(), Error> {
        sqlx::query("DELETE FROM qr_tokens WHERE expires_ms < $1")
            .bind(now - DAY_MS)
            .execute(&self.pool)
            .await?;
        self.purge_pending(pending_before).await?;
        sqlx::query("DELETE FROM owner_ips WHERE last_ok_ms < $1")
            .bind(trusted_before)
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM ip_failures WHERE window_start < $1")
            .bind(now - DAY_MS)
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM totp_uses WHERE used_ms < $1")
            .bind(now - 10 * 60_000)
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM rate_windows WHERE window_start < $1")
            .bind(now - 7 * DAY_MS)
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM setup_windows WHERE window_start < $1")
            .bind(now - 7 * DAY_MS)
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM cap_ledger WHERE day < $1")
            .bind(now / DAY_MS - 7)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // -------------------------------------------------------------------------- requests

    /// Claims `request_id` for this request under `token` (unique per handler), or says what
    /// holds it.
    pub async fn claim(
        &self,
        request_id: &str,
        token: &str,
        owner: &str,
        target: &str,
        chain: &str,
        now: i64,
    ) -> Result<Claim, Error> {
        let done = sqlx::query(
            "INSERT INTO requests (request_id, owner, target, chain, state, created_ms, updated_ms, \
             claim_token) VALUES ($1, $2, $3, $4, 'pending', $5, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(request_id)
        .bind(owner)
        .bind(target)
        .bind(chain)
        .bind(now)
        .bind(token)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 1 {
            return Ok(Claim::New);
        }
        let row = sqlx::query("SELECT state, owner, result FROM requests WHERE request_id = $1")
            .bind(request_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => Claim::Existing {
                state: r.try_get("state")?,
                owner: r.try_get("owner")?,
                result: r.try_get("result")?,
            },
            // Released between the insert and the read: report it as in flight.
            None => Claim::Existing {
                state: "pending".into(),
                owner: owner.into(),
                result: None,
            },
        })
    }

    /// Counts a hit on `owner`'s rate window (one upsert); `false` when the window is full.
    pub async fn rate_hit(
        &self,
        owner: &str,
        window_start: i64,
        limit: i64,
    ) -> Result<bool, Error> {
        let done = sqlx::query(
            "INSERT INTO rate_windows (owner, window_start, hits) VALUES ($1, $2, 1) \
             ON CONFLICT (owner, window_start) DO UPDATE SET hits = rate_windows.hits + 1 \
             WHERE rate_windows.hits < $3",
        )
        .bind(owner)
        .bind(window_start)
        .bind(limit)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Reserves `amount_gwei` against both daily caps for request `request_id` still held by
    /// claim `token`, atomically (a claim lost meanwhile reserves nothing: `Err(Error::Internal)`).
    #[allow(clippy::too_many_arguments)]
    pub async fn reserve(
        &self,
        request_id: &str,
        token: &str,
        chain: &str,
        owner: &str,
        target: &str,
        day: i64,
        amount_gwei: i64,
        owner_cap_gwei: i64,
        wallet_cap_gwei: i64,
    ) -> Result<Result<(), CapHit>, Error> {
        let mut tx = self.pool.begin().await?;
        for (scope, cap, hit) in [
            (owner_scope(chain, owner), owner_cap_gwei, CapHit::Owner),
            (wallet_scope(chain, target), wallet_cap_gwei, CapHit::Wallet),
        ] {
            sqlx::query(
                "INSERT INTO cap_ledger (scope, day, funded_gwei) VALUES ($1, $2, 0) ON CONFLICT DO NOTHING",
            )
            .bind(&scope)
            .bind(day)
            .execute(&mut *tx)
            .await?;
            let done = sqlx::query(
                "UPDATE cap_ledger SET funded_gwei = funded_gwei + $3 \
                 WHERE scope = $1 AND day = $2 AND funded_gwei + $3 <= $4",
            )
            .bind(&scope)
            .bind(day)
            .bind(amount_gwei)
            .bind(cap)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() != 1 {
                tx.rollback().await?;
                return Ok(Err(hit));
            }
        }
        let held = sqlx::query(
            "UPDATE requests SET day = $2, reserved_gwei = $3 \
             WHERE request_id = $1 AND claim_token = $4 AND state = 'pending'",
        )
        .bind(request_id)
        .bind(day)
        .bind(amount_gwei)
        .bind(token)
        .execute(&mut *tx)
        .await?;
        if held.rows_affected() != 1 {
            tx.rollback().await?;
            return Err(Error::Internal(
                "the request's claim was released meanwhile".into(),
            ));
        }
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Funded (or reserved) gwei of a ledger scope on `day` (for tests and operators).
    pub async fn funded_gwei(&self, chain: &str, owner: &str, day: i64) -> Result<i64, Error> {
        let row = sqlx::query("SELECT funded_gwei FROM cap_ledger WHERE scope = $1 AND day = $2")
            .bind(owner_scope(chain, owner))
            .bind(day)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => r.try_get("funded_gwei")?,
            None => 0,
        })
    }

    /// Persists the signed transfer of `request_id` before it is broadcast, if claim `token`
    /// still holds it (pending); `false` when it does not (the transfer must not be sent).
    #[allow(clippy::too_many_arguments)]
    pub async fn mark_signed(
        &self,
        request_id: &str,
        token: &str,
        funder: &str,
        nonce: i64,
        tx_hash: &str,
        raw_tx: &str,
        now: i64,
    ) -> Result<bool, Error> {
        let done = sqlx::query(
            "UPDATE requests SET state = 'signed', funder = $2, nonce = $3, tx_hash = $4, raw_tx = $5, \
             updated_ms = $6 WHERE request_id = $1 AND claim_token = $7 AND state = 'pending'",
        )
        .bind(request_id)
        .bind(funder)
        .bind(nonce)
        .bind(tx_hash)
        .bind(raw_tx)
        .bind(now)
        .bind(token)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// The highest nonce in flight for `funder` on `chain`.
    pub async fn max_inflight_nonce(
        &self,
        chain: &str,
        funder: &str,
    ) -> Result<Option<i64>, Error> {
        let row = sqlx::query(
            "SELECT MAX(nonce) AS n FROM requests WHERE state = 'signed' AND chain = $1 AND funder = $2",
        )
        .bind(chain)
        .bind(funder)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get::<Option<i64>, _>("n")?)
    }

    /// Records the final result; `false` if the request was already resolved.
    pub async fn finish(&self, request_id: &str, result: &str, now: i64) -> Result<bool, Error> {
        let done = sqlx::query(
            "UPDATE requests SET state = 'done', result = $2, raw_tx = NULL, updated_ms = $3 \
             WHERE request_id = $1 AND state <> 'done'",
        )
        .bind(request_id)
        .bind(result)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Forgets an unfinished request and gives back its cap reservation, in one transaction;
    /// the id may then be used again. Does nothing to a finished request.
    pub async fn release(&self, request_id: &str) -> Result<(), Error> {
        self.release_if(request_id, Release::Unfinished).await
    }

    /// [`release`](Self::release), only while claim `token` holds the request.
    pub async fn release_claim(&self, request_id: &str, token: &str) -> Result<(), Error> {
        self.release_if(request_id, Release::Claim(token)).await
    }

    /// [`release`](Self::release), only while the request is claimed with no transfer
    /// persisted and was last touched before `before_ms` (its handler is taken as dead).
    pub async fn release_stale(&self, request_id: &str, before_ms: i64) -> Result<(), Error> {
        self.release_if(request_id, Release::StalePending(before_ms))
            .await
    }

    async fn release_if(&self, request_id: &str, only: Release<'_>) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        let condition = match only {
            Release::Unfinished => "state <> 'done'",
            Release::Claim(_) => "state <> 'done' AND claim_token = $2",
            Release::StalePending(_) => "state = 'pending' AND updated_ms < $2",
        };
        let query = format!(
            "DELETE FROM requests WHERE request_id = $1 AND {condition} \
             RETURNING owner, target, chain, day, reserved_gwei"
        );
        let query = sqlx::query(&query).bind(request_id);
        let query = match only {
            Release::Unfinished => query,
            Release::Claim(token) => query.bind(token),
            Release::StalePending(before) => query.bind(before),
        };
        let row = query.fetch_optional(&mut *tx).await?;
        if let Some(r) = row {
            let reserved: i64 = r.try_get("reserved_gwei")?;
            if reserved > 0 {
                let chain: String = r.try_get("chain")?;
                let day: i64 = r.try_get("day")?;
                for scope in [
                    owner_scope(&chain, &r.try_get::<String, _>("owner")?),
                    wallet_scope(&chain, &r.try_get::<String, _>("target")?),
                ] {
                    sqlx::query(
                        "UPDATE cap_ledger SET funded_gwei = funded_gwei - $3 WHERE scope = $1 AND day = $2",
                    )
                    .bind(scope)
                    .bind(day)
                    .bind(reserved)
                    .execute(&mut *tx)
                    .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Requests claimed with no transfer persisted, last touched before `before_ms`.
    pub async fn pending_ids(&self, before_ms: i64) -> Result<Vec<String>, Error> {
        let rows = sqlx::query(
            "SELECT request_id FROM requests WHERE state = 'pending' AND updated_ms < $1",
        )
        .bind(before_ms)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| r.try_get("request_id").map_err(Error::from))
            .collect()
    }

    /// Transfers in flight last touched before `before_ms`, by chain and nonce.
    pub async fn in_flight(&self, before_ms: i64) -> Result<Vec<InFlight>, Error> {
        let rows = sqlx::query(
            "SELECT request_id, chain, funder, nonce, tx_hash, raw_tx, reserved_gwei, created_ms FROM requests \
             WHERE state = 'signed' AND updated_ms < $1 ORDER BY chain, nonce",
        )
        .bind(before_ms)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(in_flight_row).collect()
    }

    /// Touches an in-flight request (rebroadcast), so the reconciler waits before the next try.
    pub async fn touch(&self, request_id: &str, now: i64) -> Result<(), Error> {
        sqlx::query("UPDATE requests SET updated_ms = $2 WHERE request_id = $1")
            .bind(request_id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

fn in_flight_row(r: &AnyRow) -> Result<InFlight, Error> {
    Ok(InFlight {
        request_id: r.try_get("request_id")?,
        chain: r.try_get("chain")?,
        funder: r
            .try_get::<Option<String>, _>("funder")?
            .unwrap_or_default(),
        nonce: r.try_get::<Option<i64>, _>("nonce")?.unwrap_or_default(),
        tx_hash: r
            .try_get::<Option<String>, _>("tx_hash")?
            .unwrap_or_default(),
        raw_tx: r
            .try_get::<Option<String>, _>("raw_tx")?
            .unwrap_or_default(),
        amount_gwei: r.try_get("reserved_gwei")?,
        created_ms: r.try_get("created_ms")?,
    })
}
