//! Configuration: a `KEY=VALUE` file (refused when others can read it: it holds the funding
//! keys and the server key) overlaid by environment variables of the same names.

use std::{collections::BTreeMap, fmt, net::SocketAddr, path::Path, str::FromStr, time::Duration};

use alloy::{primitives::U256, signers::local::PrivateKeySigner};
use peaqos_service::{
    RedactedUrl,
    client_ip::{IpRange, parse_ranges},
};
use zeroize::Zeroizing;

use crate::{Error, seal::ServerKey};

/// One PEAQ in wei.
pub const PEAQ: u128 = 1_000_000_000_000_000_000;
/// Amounts are kept in the caps ledger in gwei: configured amounts must be whole gwei.
pub const GWEI: u128 = 1_000_000_000;

/// A funding key. `Debug` never shows it.
#[derive(Clone)]
pub struct FundingKey(Zeroizing<String>);

impl FundingKey {
    /// From hex (with or without `0x`); checked to be a valid secp256k1 key.
    pub fn new(hex_key: &str) -> Result<Self, Error> {
        let key = Self(Zeroizing::new(hex_key.trim().to_owned()));
        key.signer()?;
        Ok(key)
    }

    /// The signer.
    pub fn signer(&self) -> Result<PrivateKeySigner, Error> {
        PrivateKeySigner::from_str(self.0.trim_start_matches("0x"))
            .map_err(|_| Error::Config("a funding key is not a valid secp256k1 private key".into()))
    }

    fn bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(hex::decode(self.0.trim_start_matches("0x")).unwrap_or_default())
    }
}

impl fmt::Debug for FundingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FundingKey(<redacted>)")
    }
}

/// One chain the faucet funds on. `Debug` shows the RPC URL without its path, query or
/// password (providers put API keys there) and never the funding key.
#[derive(Clone)]
pub struct ChainConfig {
    /// The `chainId` clients send (`peaq`, `agung`, `local`, …); matched case-insensitively.
    pub name: String,
    /// Other names accepted for the same chain.
    pub aliases: Vec<String>,
    /// JSON-RPC URL.
    pub rpc_url: String,
    /// The key that pays.
    pub funding_key: FundingKey,
    /// Wei sent per funded request.
    pub amount: U256,
    /// A target holding at least this much (wei) is `skipped`.
    pub min_gas_balance: U256,
    /// Wei one owner may receive for its wallets per UTC day.
    pub owner_daily_cap: U256,
    /// Wei one target wallet may receive per UTC day.
    pub wallet_daily_cap: U256,
}

impl fmt::Debug for ChainConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChainConfig")
            .field("name", &self.name)
            .field("aliases", &self.aliases)
            .field("rpc_url", &RedactedUrl(&self.rpc_url))
            .field("funding_key", &self.funding_key)
            .field("amount", &self.amount)
            .field("min_gas_balance", &self.min_gas_balance)
            .field("owner_daily_cap", &self.owner_daily_cap)
            .field("wallet_daily_cap", &self.wallet_daily_cap)
            .finish()
    }
}

impl ChainConfig {
    /// A chain with the default amounts: 1 PEAQ per request, `minGasBalance` 0.5 PEAQ, owner
    /// cap 20 PEAQ/day, wallet cap 2 PEAQ/day.
    pub fn new(name: &str, rpc_url: &str, funding_key: FundingKey) -> Self {
        Self {
            name: name.to_owned(),
            aliases: Vec::new(),
            rpc_url: rpc_url.to_owned(),
            funding_key,
            amount: U256::from(PEAQ),
            min_gas_balance: U256::from(PEAQ / 2),
            owner_daily_cap: U256::from(20 * PEAQ),
            wallet_daily_cap: U256::from(2 * PEAQ),
        }
    }

    /// Whether `chain_id` names this chain.
    pub fn matches(&self, chain_id: &str) -> bool {
        self.name.eq_ignore_ascii_case(chain_id)
            || self
                .aliases
                .iter()
                .any(|a| a.eq_ignore_ascii_case(chain_id))
    }
}

/// Everything the Gas Station needs. See `docs/gas-station.md` for every key and default.
/// `Debug` hides the keys and the database password.
#[derive(Clone)]
pub struct GasStationConfig {
    /// Listen address (`GAS_STATION_BIND`, default `127.0.0.1:8090`; port 0 picks one).
    pub bind: SocketAddr,
    /// Base of the `qrImageUrl`s (`GAS_STATION_PUBLIC_URL`); unset: `http://` + the bound
    /// address (loopback when bound to all interfaces). Never the request's `Host` header.
    pub public_url: Option<String>,
    /// `sqlite://…` or `postgres://…` (`GAS_STATION_DATABASE_URL`).
    pub database_url: String,
    /// Encrypts TOTP secrets and QR images at rest (`GAS_STATION_SERVER_KEY`, 64 hex digits).
    pub server_key: ServerKey,
    /// The issuer in the `otpauth://` URI (`GAS_STATION_TOTP_ISSUER`).
    pub issuer: String,
    /// How long a `qrImageUrl` serves the image (`GAS_STATION_QR_TTL_SECS`, 120).
    pub qr_ttl: Duration,
    /// Invalid codes in a row before the owner is locked (`GAS_STATION_2FA_MAX_ATTEMPTS`, 5).
    pub max_failed_attempts: u32,
    /// How long a lock lasts (`GAS_STATION_2FA_LOCKOUT_SECS`, 900).
    pub lockout: Duration,
    /// Fund requests (past 2FA) per owner per window (`GAS_STATION_RATE_LIMIT`, 30).
    pub rate_limit: u32,
    /// The rate-limit window (`GAS_STATION_RATE_WINDOW_SECS`, 3600).
    pub rate_window: Duration,
    /// How long a fund request waits for its receipt (`GAS_STATION_RECEIPT_TIMEOUT_SECS`, 60).
    pub receipt_timeout: Duration,
    /// How often in-flight transfers left behind are reconciled with the chain
    /// (`GAS_STATION_RECONCILE_SECS`, 5).
    pub reconcile_interval: Duration,
    /// How long a request may stay claimed without its transfer persisted before the
    /// reconciler (of any process) takes its handler as dead and releases it
    /// (`GAS_STATION_CLAIM_TIMEOUT_SECS`, 300). A handler that outlives it sends nothing.
    pub claim_timeout: Duration,
    /// Request body limit in bytes (`GAS_STATION_MAX_BODY_BYTES`, 16384).
    pub max_body_bytes: usize,
    /// Setups that write an enrollment, per client IP (IPv6: per /64) per `setup_window`
    /// (`GAS_STATION_SETUP_LIMIT_PER_IP`, 10). Setups answered `2FA_ALREADY_CONFIGURED` are
    /// not counted.
    pub setup_limit_per_ip: u32,
    /// Setups that write an enrollment, from all clients together, per `setup_window`
    /// (`GAS_STATION_SETUP_LIMIT`, 1000).
    pub setup_limit: u32,
    /// The fixed window of the two setup limits (`GAS_STATION_SETUP_WINDOW_SECS`, 3600).
    pub setup_window: Duration,
    /// How long an unconfirmed enrollment lives before it is purged
    /// (`GAS_STATION_2FA_PENDING_TTL_SECS`, 1800).
    pub pending_ttl: Duration,
    /// Invalid codes from one client IP (IPv6: per /64), whatever the owner, per `lockout`
    /// window before that IP is refused (`RATE_LIMITED`) for the rest of the window
    /// (`GAS_STATION_2FA_IP_MAX_ATTEMPTS`, 20).
    pub ip_max_failed_attempts: u32,
    /// An IP that gave a valid code for an owner within this time is not held by that owner's
    /// lock (which others may have caused); its own per-IP limit still applies
    /// (`GAS_STATION_2FA_TRUSTED_IP_SECS`, 2592000 = 30 days; 0 turns it off).
    pub trusted_ip_ttl: Duration,
    /// Refuse setups without a valid owner signature (`GAS_STATION_REQUIRE_OWNER_SIGNATURE`,
    /// `false`; the official clients do not send one).
    pub require_owner_signature: bool,
    /// How far `signedAt` of an owner signature may be from now
    /// (`GAS_STATION_OWNER_SIGNATURE_MAX_AGE_SECS`, 300).
    pub owner_signature_max_age: Duration,
    /// Reverse proxies whose `X-Forwarded-For` / `Forwarded` header names the client for the
    /// per-IP limits (`GAS_STATION_TRUSTED_PROXIES`, comma-separated addresses or CIDR ranges;
    /// none: the socket peer is the client, and behind a proxy every client shares its address).
    pub trusted_proxies: Vec<IpRange>,
    /// The chains (`GAS_STATION_CHAINS` and `GAS_STATION_CHAIN_<NAME>_*`).
    pub chains: Vec<ChainConfig>,
    /// Test hook (`GAS_STATION_FAULT`): makes the process exit at a chosen point of a transfer.
    pub fault: Option<Fault>,
}

impl fmt::Debug for GasStationConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GasStationConfig")
            .field("bind", &self.bind)
            .field("public_url", &self.public_url)
            .field("database_url", &RedactedUrl(&self.database_url))
            .field("server_key", &self.server_key)
            .field("issuer", &self.issuer)
            .field("qr_ttl", &self.qr_ttl)
            .field("max_failed_attempts", &self.max_failed_attempts)
            .field("lockout", &self.lockout)
            .field("rate_limit", &self.rate_limit)
            .field("rate_window", &self.rate_window)
            .field("receipt_timeout", &self.receipt_timeout)
            .field("reconcile_interval", &self.reconcile_interval)
            .field("claim_timeout", &self.claim_timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("setup_limit_per_ip", &self.setup_limit_per_ip)
            .field("setup_limit", &self.setup_limit)
            .field("setup_window", &self.setup_window)
            .field("pending_ttl", &self.pending_ttl)
            .field("ip_max_failed_attempts", &self.ip_max_failed_attempts)
            .field("trusted_ip_ttl", &self.trusted_ip_ttl)
            .field("require_owner_signature", &self.require_owner_signature)
            .field("owner_signature_max_age", &self.owner_signature_max_age)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("chains", &self.chains)
            .field("fault", &self.fault)
            .finish()
    }
}

/// Where a test makes the process exit (status [`FAULT_EXIT_CODE`](crate::service::FAULT_EXIT_CODE)),
/// to prove that a crash there loses nothing and funds nothing twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// After the signed transfer is persisted, before it is broadcast.
    ExitBeforeBroadcast,
    /// After the transfer is broadcast, before its result is recorded.
    ExitAfterBroadcast,
}

/// The database used when none is configured.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://gas-station.db?mode=rwc";

impl GasStationConfig {
    /// Defaults with `server_key` and `chains`.
    pub fn new(server_key: ServerKey, chains: Vec<ChainConfig>) -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8090)),
            public_url: None,
            database_url: DEFAULT_DATABASE_URL.to_owned(),
            server_key,
            issuer: "peaq Gas Station".to_owned(),
            qr_ttl: Duration::from_secs(120),
            max_failed_attempts: 5,
            lockout: Duration::from_secs(900),
            rate_limit: 30,
            rate_window: Duration::from_secs(3600),
            receipt_timeout: Duration::from_secs(60),
            reconcile_interval: Duration::from_secs(5),
            claim_timeout: Duration::from_secs(300),
            max_body_bytes: 16 * 1024,
            setup_limit_per_ip: 10,
            setup_limit: 1000,
            setup_window: Duration::from_secs(3600),
            pending_ttl: Duration::from_secs(1800),
            ip_max_failed_attempts: 20,
            trusted_ip_ttl: Duration::from_secs(30 * 86_400),
            require_owner_signature: false,
            owner_signature_max_age: Duration::from_secs(300),
            trusted_proxies: Vec::new(),
            chains,
            fault: None,
        }
    }

    /// Funding `chain_name` (e.g. `"local"`) on the devnet at `rpc_url` with `funding_key`.
    ///
    /// Listens on a free loopback port. The chain also answers to `peaq` and `agung` (what the
    /// official CLI sends, by its network setting, when pointed at a local stack). 2 PEAQ per
    /// request, `minGasBalance` 0.5 PEAQ (the official CLI's threshold), caps of 1000 PEAQ per
    /// owner and 10 PEAQ per wallet per day, 1000 requests per owner per hour, 10,000 setups
    /// per hour (per IP and in all: every local client is loopback), 1000 invalid codes per IP
    /// per lockout window. The server key
    /// is derived from the funding key, so a restart on the same database keeps enrollments.
    /// An invalid `funding_key` surfaces when the station is spawned.
    pub fn for_devnet(
        rpc_url: &str,
        chain_name: &str,
        funding_key: &str,
        database_url: &str,
    ) -> Self {
        let key = FundingKey(Zeroizing::new(funding_key.trim().to_owned()));
        let server_key = ServerKey::derive("peaqos-gas-station devnet server key", &key.bytes());
        let mut chain = ChainConfig::new(chain_name, rpc_url, key);
        chain.aliases = ["peaq", "agung"]
            .into_iter()
            .filter(|a| !a.eq_ignore_ascii_case(chain_name))
            .map(str::to_owned)
            .collect();
        chain.amount = U256::from(2 * PEAQ);
        chain.owner_daily_cap = U256::from(1000 * PEAQ);
        chain.wallet_daily_cap = U256::from(10 * PEAQ);
        let mut config = Self::new(server_key, vec![chain]);
        config.bind = SocketAddr::from(([127, 0, 0, 1], 0));
        config.database_url = database_url.to_owned();
        config.rate_limit = 1000;
        config.setup_limit_per_ip = 10_000;
        config.setup_limit = 10_000;
        config.ip_max_failed_attempts = 1000;
        config
    }

    /// Reads the file at `path` (if any; it must not be readable by group or others), then the
    /// environment, which wins key by key.
    pub fn from_env_and_file(path: Option<&Path>) -> Result<Self, Error> {
        let mut values = BTreeMap::new();
        if let Some(path) = path {
            values = read_file(path)?;
        }
        for (k, v) in std::env::vars() {
            if k.starts_with("GAS_STATION_") {
                values.insert(k, Zeroizing::new(v));
            }
        }
        Self::from_values(&values)
    }

    /// Builds the configuration from `KEY → value` pairs (the file and environment keys).
    pub fn from_values(values: &BTreeMap<String, Zeroizing<String>>) -> Result<Self, Error> {
        let get = |k: &str| {
            values
                .get(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let server_key = ServerKey::from_hex(
            &get("GAS_STATION_SERVER_KEY")
                .ok_or_else(|| Error::Config("GAS_STATION_SERVER_KEY is required".into()))?,
        )?;
        let names = get("GAS_STATION_CHAINS")
            .ok_or_else(|| Error::Config("GAS_STATION_CHAINS is required (e.g. peaq)".into()))?;
        let mut chains = Vec::new();
        for name in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let prefix = format!(
                "GAS_STATION_CHAIN_{}_",
                name.to_ascii_uppercase().replace('-', "_")
            );
            let need = |suffix: &str| {
                get(&format!("{prefix}{suffix}"))
                    .ok_or_else(|| Error::Config(format!("{prefix}{suffix} is required")))
            };
            let key = FundingKey::new(&need("FUNDING_KEY")?)?;
            let mut chain = ChainConfig::new(name, &need("RPC_URL")?, key);
            if let Some(aliases) = get(&format!("{prefix}ALIASES")) {
                chain.aliases = aliases
                    .split(',')
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(str::to_owned)
                    .collect();
            }
            for (suffix, field) in [
                ("AMOUNT_WEI", &mut chain.amount),
                ("MIN_GAS_BALANCE_WEI", &mut chain.min_gas_balance),
                ("OWNER_DAILY_CAP_WEI", &mut chain.owner_daily_cap),
                ("WALLET_DAILY_CAP_WEI", &mut chain.wallet_daily_cap),
            ] {
                let key = format!("{prefix}{suffix}");
                if let Some(v) = get(&key) {
                    *field = U256::from_str_radix(&v, 10).map_err(|_| {
                        Error::Config(format!("{key} must be a decimal wei amount"))
                    })?;
                }
            }
            chains.push(chain);
        }
        let mut config = Self::new(server_key, chains);
        if let Some(v) = get("GAS_STATION_BIND") {
            config.bind = v
                .parse()
                .map_err(|_| Error::Config("GAS_STATION_BIND must be HOST:PORT".into()))?;
        }
        config.public_url = get("GAS_STATION_PUBLIC_URL");
        if let Some(v) = get("GAS_STATION_DATABASE_URL") {
            config.database_url = v;
        }
        if let Some(v) = get("GAS_STATION_TOTP_ISSUER") {
            config.issuer = v;
        }
        let secs = |k: &str, d: &mut Duration| -> Result<(), Error> {
            if let Some(v) = get(k) {
                *d = Duration::from_secs(number(k, &v)?);
            }
            Ok(())
        };
        secs("GAS_STATION_QR_TTL_SECS", &mut config.qr_ttl)?;
        secs("GAS_STATION_2FA_LOCKOUT_SECS", &mut config.lockout)?;
        secs("GAS_STATION_RATE_WINDOW_SECS", &mut config.rate_window)?;
        secs(
            "GAS_STATION_RECEIPT_TIMEOUT_SECS",
            &mut config.receipt_timeout,
        )?;
        secs("GAS_STATION_RECONCILE_SECS", &mut config.reconcile_interval)?;
        secs("GAS_STATION_CLAIM_TIMEOUT_SECS", &mut config.claim_timeout)?;
        secs("GAS_STATION_SETUP_WINDOW_SECS", &mut config.setup_window)?;
        secs("GAS_STATION_2FA_PENDING_TTL_SECS", &mut config.pending_ttl)?;
        secs(
            "GAS_STATION_2FA_TRUSTED_IP_SECS",
            &mut config.trusted_ip_ttl,
        )?;
        secs(
            "GAS_STATION_OWNER_SIGNATURE_MAX_AGE_SECS",
            &mut config.owner_signature_max_age,
        )?;
        for (key, field) in [
            (
                "GAS_STATION_SETUP_LIMIT_PER_IP",
                &mut config.setup_limit_per_ip,
            ),
            ("GAS_STATION_SETUP_LIMIT", &mut config.setup_limit),
            (
                "GAS_STATION_2FA_IP_MAX_ATTEMPTS",
                &mut config.ip_max_failed_attempts,
            ),
        ] {
            if let Some(v) = get(key) {
                *field = small(key, &v)?;
            }
        }
        if let Some(v) = get("GAS_STATION_TRUSTED_PROXIES") {
            config.trusted_proxies = parse_ranges(&v)
                .map_err(|e| Error::Config(format!("GAS_STATION_TRUSTED_PROXIES: {e}")))?;
        }
        if let Some(v) = get("GAS_STATION_REQUIRE_OWNER_SIGNATURE") {
            config.require_owner_signature = match v.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" => true,
                "0" | "false" | "no" => false,
                _ => {
                    return Err(Error::Config(
                        "GAS_STATION_REQUIRE_OWNER_SIGNATURE must be true or false".into(),
                    ));
                }
            };
        }
        if let Some(v) = get("GAS_STATION_2FA_MAX_ATTEMPTS") {
            config.max_failed_attempts = small("GAS_STATION_2FA_MAX_ATTEMPTS", &v)?;
        }
        if let Some(v) = get("GAS_STATION_RATE_LIMIT") {
            config.rate_limit = small("GAS_STATION_RATE_LIMIT", &v)?;
        }
        if let Some(v) = get("GAS_STATION_MAX_BODY_BYTES") {
            config.max_body_bytes = usize::try_from(number("GAS_STATION_MAX_BODY_BYTES", &v)?)
                .map_err(|_| Error::Config("GAS_STATION_MAX_BODY_BYTES is too large".into()))?;
        }
        config.fault = match get("GAS_STATION_FAULT").as_deref() {
            None => None,
            Some("exit-before-broadcast") => Some(Fault::ExitBeforeBroadcast),
            Some("exit-after-broadcast") => Some(Fault::ExitAfterBroadcast),
            Some(_) => {
                return Err(Error::Config(
                    "GAS_STATION_FAULT must be exit-before-broadcast or exit-after-broadcast"
                        .into(),
                ));
            }
        };
        config.validate()?;
        Ok(config)
    }

    /// Checks the values that cannot be checked by type: chains present, unique names, amounts
    /// in whole gwei and within the ledger's range.
    pub fn validate(&self) -> Result<(), Error> {
        if self.chains.is_empty() {
            return Err(Error::Config("at least one chain is required".into()));
        }
        let mut seen: Vec<String> = Vec::new();
        for chain in &self.chains {
            chain.funding_key.signer()?;
            for name in std::iter::once(&chain.name).chain(&chain.aliases) {
                let lower = name.to_ascii_lowercase();
                if lower.is_empty() || seen.contains(&lower) {
                    return Err(Error::Config(format!(
                        "chain name {name:?} is empty or repeated"
                    )));
                }
                seen.push(lower);
            }
            for (what, v) in [
                ("amount", chain.amount),
                ("owner daily cap", chain.owner_daily_cap),
                ("wallet daily cap", chain.wallet_daily_cap),
            ] {
                to_gwei(v).ok_or_else(|| {
                    Error::Config(format!(
                        "chain {}: the {what} must be a whole number of gwei below 9.2e18 gwei",
                        chain.name
                    ))
                })?;
            }
            if chain.amount > chain.owner_daily_cap || chain.amount > chain.wallet_daily_cap {
                return Err(Error::Config(format!(
                    "chain {}: the amount exceeds a daily cap, nothing could ever be funded",
                    chain.name
                )));
            }
        }
        if self.rate_limit == 0 {
            return Err(Error::Config(
                "GAS_STATION_RATE_LIMIT must be at least 1".into(),
            ));
        }
        for (key, v) in [
            ("GAS_STATION_SETUP_LIMIT_PER_IP", self.setup_limit_per_ip),
            ("GAS_STATION_SETUP_LIMIT", self.setup_limit),
            (
                "GAS_STATION_2FA_IP_MAX_ATTEMPTS",
                self.ip_max_failed_attempts,
            ),
        ] {
            if v == 0 {
                return Err(Error::Config(format!("{key} must be at least 1")));
            }
        }
        if self.setup_window.is_zero()
            || self.pending_ttl.is_zero()
            || self.lockout.is_zero()
            || self.claim_timeout.is_zero()
        {
            return Err(Error::Config(
                "GAS_STATION_SETUP_WINDOW_SECS, GAS_STATION_2FA_PENDING_TTL_SECS, \
                 GAS_STATION_2FA_LOCKOUT_SECS and GAS_STATION_CLAIM_TIMEOUT_SECS must be at \
                 least 1"
                    .into(),
            ));
        }
        if self.max_failed_attempts == 0 {
            return Err(Error::Config(
                "GAS_STATION_2FA_MAX_ATTEMPTS must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

/// `wei` in gwei, when it is a whole number of gwei that fits the ledger's `BIGINT`.
pub fn to_gwei(wei: U256) -> Option<i64> {
    let gwei = U256::from(GWEI);
    if wei % gwei != U256::ZERO {
        return None;
    }
    i64::try_from(wei / gwei).ok()
}

fn number(key: &str, v: &str) -> Result<u64, Error> {
    v.parse()
        .map_err(|_| Error::Config(format!("{key} must be a non-negative integer")))
}

fn small(key: &str, v: &str) -> Result<u32, Error> {
    u32::try_from(number(key, v)?).map_err(|_| Error::Config(format!("{key} is too large")))
}

/// Reads `KEY=VALUE` lines (`#` comments, blank lines, optional quotes). Refuses a file that
/// group or others may read or write.
fn read_file(path: &Path) -> Result<BTreeMap<String, Zeroizing<String>>, Error> {
    let fail = |message: String| Error::ConfigFile {
        path: path.display().to_string(),
        message,
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path).map_err(|e| fail(e.to_string()))?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(fail(format!(
                "mode {mode:o} lets others read it; it holds keys: chmod 600 it"
            )));
        }
    }
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| fail(e.to_string()))?);
    let mut values = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        // Never echo the line: it may hold a key.
        let (k, v) = line
            .split_once('=')
            .ok_or_else(|| fail(format!("line {} is not KEY=VALUE", i + 1)))?;
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(v);
        values.insert(k.trim().to_owned(), Zeroizing::new(v.to_owned()));
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    fn values(pairs: &[(&str, &str)]) -> BTreeMap<String, Zeroizing<String>> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Zeroizing::new((*v).to_owned())))
            .collect()
    }

    #[test]
    fn from_values_defaults_and_overrides() {
        let server = "11".repeat(32);
        let c = GasStationConfig::from_values(&values(&[
            ("GAS_STATION_SERVER_KEY", &server),
            ("GAS_STATION_CHAINS", "peaq,my-dev"),
            ("GAS_STATION_CHAIN_PEAQ_RPC_URL", "http://127.0.0.1:1"),
            ("GAS_STATION_CHAIN_PEAQ_FUNDING_KEY", KEY),
            ("GAS_STATION_CHAIN_MY_DEV_RPC_URL", "http://127.0.0.1:2"),
            ("GAS_STATION_CHAIN_MY_DEV_FUNDING_KEY", KEY),
            ("GAS_STATION_CHAIN_MY_DEV_AMOUNT_WEI", "3000000000"),
            ("GAS_STATION_CHAIN_MY_DEV_ALIASES", "agung"),
            ("GAS_STATION_QR_TTL_SECS", "7"),
        ]))
        .expect("config");
        assert_eq!(c.chains.len(), 2);
        assert_eq!(c.chains[0].amount, U256::from(PEAQ));
        assert_eq!(c.chains[1].amount, U256::from(3_000_000_000_u64));
        assert!(c.chains[1].matches("AGUNG"));
        assert_eq!(c.qr_ttl, Duration::from_secs(7));
        assert_eq!(c.max_failed_attempts, 5);
        let dbg = format!("{c:?}");
        assert!(!dbg.contains(&KEY[2..]) && !dbg.contains(&server));
        // Not whole gwei.
        let err = GasStationConfig::from_values(&values(&[
            ("GAS_STATION_SERVER_KEY", &server),
            ("GAS_STATION_CHAINS", "peaq"),
            ("GAS_STATION_CHAIN_PEAQ_RPC_URL", "http://127.0.0.1:1"),
            ("GAS_STATION_CHAIN_PEAQ_FUNDING_KEY", KEY),
            ("GAS_STATION_CHAIN_PEAQ_AMOUNT_WEI", "1"),
        ]))
        .expect_err("sub-gwei");
        assert_eq!(err.code(), "CONFIG_INVALID");
        // An amount above the wallet cap (2 PEAQ by default).
        let err = GasStationConfig::from_values(&values(&[
            ("GAS_STATION_SERVER_KEY", &server),
            ("GAS_STATION_CHAINS", "peaq"),
            ("GAS_STATION_CHAIN_PEAQ_RPC_URL", "http://127.0.0.1:1"),
            ("GAS_STATION_CHAIN_PEAQ_FUNDING_KEY", KEY),
            ("GAS_STATION_CHAIN_PEAQ_AMOUNT_WEI", "3000000000000000000"),
        ]))
        .expect_err("amount above the cap");
        assert!(err.to_string().contains("exceeds a daily cap"));
        assert!(GasStationConfig::from_values(&values(&[("GAS_STATION_CHAINS", "peaq")])).is_err());
    }

    #[test]
    fn file_must_be_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("gs-config-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("gas-station.env");
        std::fs::write(&path, "# c\nGAS_STATION_BIND=\"127.0.0.1:0\"\n").expect("write");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        assert!(matches!(read_file(&path), Err(Error::ConfigFile { .. })));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let v = read_file(&path).expect("read");
        assert_eq!(v["GAS_STATION_BIND"].as_str(), "127.0.0.1:0");
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn database_password_is_redacted() {
        let mut c =
            GasStationConfig::for_devnet("http://127.0.0.1:8545", "local", KEY, "sqlite::memory:");
        c.database_url = "postgres://gs:hunter2@db:5432/gs".into();
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("hunter2") && dbg.contains("postgres://gs:***@db:5432/…"));
    }

    #[test]
    fn devnet_aliases() {
        let c =
            GasStationConfig::for_devnet("http://127.0.0.1:8545", "local", KEY, "sqlite::memory:");
        assert!(c.chains[0].matches("local") && c.chains[0].matches("peaq"));
        assert!(c.chains[0].matches("agung"));
        c.validate().expect("valid");
        assert_eq!(to_gwei(U256::from(PEAQ)), Some(1_000_000_000));
        assert_eq!(to_gwei(U256::from(1u8)), None);
    }
}
