//! The service's configuration: [`McrConfig`], from the environment or for a local devnet.

use std::{net::SocketAddr, time::Duration};

use alloy::primitives::Address;
use peaqos_types::{
    ContractAddresses,
    constants::{
        BATCH_PRECOMPILE_ADDRESS, DID_PRECOMPILE_ADDRESS, ENV_ADMIN_FLAGS_ADDRESS,
        ENV_DID_REGISTRY_ADDRESS, ENV_EVENT_REGISTRY_ADDRESS, ENV_IDENTITY_REGISTRY_ADDRESS,
        ENV_IDENTITY_STAKING_ADDRESS, ENV_MACHINE_NFT_ADDRESS,
    },
};

pub use crate::client_ip::IpRange;
use crate::{Error, Result};
use peaqos_service::RedactedUrl;

/// `PEAQOS_RPC_URL`: the chain's JSON-RPC endpoint (the name all peaqOS clients read).
pub use peaqos_types::constants::ENV_RPC_URL;
/// `MCR_DATABASE_URL`: `sqlite://FILE` (created if missing) or `postgres://…`.
pub const ENV_DATABASE_URL: &str = "MCR_DATABASE_URL";
/// `MCR_START_BLOCK`: the first block to index.
pub const ENV_START_BLOCK: &str = "MCR_START_BLOCK";
/// `MCR_CONFIRMATIONS`: blocks behind the head the indexer stays.
pub const ENV_CONFIRMATIONS: &str = "MCR_CONFIRMATIONS";
/// `MCR_POLL_INTERVAL_MS`: how often the indexer asks for new blocks once caught up.
pub const ENV_POLL_INTERVAL_MS: &str = "MCR_POLL_INTERVAL_MS";
/// `MCR_MAX_BLOCK_RANGE`: the most blocks one indexing step (one `eth_getLogs`, one database
/// transaction) covers.
pub const ENV_MAX_BLOCK_RANGE: &str = "MCR_MAX_BLOCK_RANGE";
/// `MCR_CACHE_TTL`: seconds a `/mcr/{did}` result is cached (0 = off).
pub const ENV_CACHE_TTL: &str = "MCR_CACHE_TTL";
/// `MCR_RATE_LIMIT`: requests per minute per client IP (0 = off).
pub const ENV_RATE_LIMIT: &str = "MCR_RATE_LIMIT";
/// `MCR_BIND`: the HTTP listen address.
pub const ENV_BIND: &str = "MCR_BIND";
/// `MCR_PARTNER_TIMEOUT_MS`: time limit of a `public` machine's `data_api` fetch.
pub const ENV_PARTNER_TIMEOUT_MS: &str = "MCR_PARTNER_TIMEOUT_MS";
/// `MCR_PARTNER_MAX_BYTES`: size cap of a `public` machine's `data_api` response.
pub const ENV_PARTNER_MAX_BYTES: &str = "MCR_PARTNER_MAX_BYTES";
/// `MCR_CHAIN_STALE_SECS`: after this long without a successful chain poll, data endpoints
/// answer 503 `Chain unavailable`.
pub const ENV_CHAIN_STALE_SECS: &str = "MCR_CHAIN_STALE_SECS";
/// `MCR_DB_MAX_CONNECTIONS`: the database pool size.
pub const ENV_DB_MAX_CONNECTIONS: &str = "MCR_DB_MAX_CONNECTIONS";
/// `MCR_PARTNER_ALLOW_LOOPBACK`: `true` lets a `public` machine's `data_api` point at a loopback
/// address (127.0.0.0/8, `::1`, `localhost`); for local development only (`peaqos dev` sets it,
/// its services listen on loopback).
pub const ENV_PARTNER_ALLOW_LOOPBACK: &str = "MCR_PARTNER_ALLOW_LOOPBACK";
/// `MCR_TRUSTED_PROXIES`: comma-separated addresses or CIDR ranges of reverse proxies whose
/// `X-Forwarded-For` / `Forwarded` headers name the client (for the rate limit).
pub const ENV_TRUSTED_PROXIES: &str = "MCR_TRUSTED_PROXIES";
/// `MCR_READY_CACHE_MS`: how long a `/ready` answer is reused (it costs up to 7 RPC calls).
pub const ENV_READY_CACHE_MS: &str = "MCR_READY_CACHE_MS";
/// `MCR_READY_RATE_LIMIT`: `/ready` requests per minute per client IP (0 = off).
pub const ENV_READY_RATE_LIMIT: &str = "MCR_READY_RATE_LIMIT";
/// `MCR_INDEXER_MAX_FAILURES`: consecutive failed indexing steps after which `/ready` answers
/// 503 (the indexer keeps retrying).
pub const ENV_INDEXER_MAX_FAILURES: &str = "MCR_INDEXER_MAX_FAILURES";
/// `MCR_MAX_LAG_BLOCKS`: blocks the indexer may fall behind head − confirmations before
/// `/ready` answers 503.
pub const ENV_MAX_LAG_BLOCKS: &str = "MCR_MAX_LAG_BLOCKS";

/// `MCR_FX_URL`: where the FX refresher downloads ECB reference rates (any ECB form: daily or
/// historical XML, CSV or zip).
pub const ENV_FX_URL: &str = "MCR_FX_URL";
/// `MCR_FX_REFRESH_SECS`: seconds between FX downloads (0 = no refresher).
pub const ENV_FX_REFRESH_SECS: &str = "MCR_FX_REFRESH_SECS";
/// `MCR_FX_TIMEOUT_MS`: time limit of one FX download.
pub const ENV_FX_TIMEOUT_MS: &str = "MCR_FX_TIMEOUT_MS";
/// `MCR_FX_MAX_BYTES`: size cap of one FX download.
pub const ENV_FX_MAX_BYTES: &str = "MCR_FX_MAX_BYTES";
/// `MCR_FX_SYNC_SECS`: how often a replica checks the database for rates another process wrote.
pub const ENV_FX_SYNC_SECS: &str = "MCR_FX_SYNC_SECS";
/// `MCR_FX_MAX_STALENESS_DAYS`: a fixing older than this many days before an event's date is
/// `stale_latest` (degraded).
pub const ENV_FX_MAX_STALENESS_DAYS: &str = "MCR_FX_MAX_STALENESS_DAYS";

/// The default `MCR_FX_URL`: the ECB's last 90 days of reference rates (about 25 KB).
pub const DEFAULT_FX_URL: &str = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist-90d.xml";

/// `MCR_UI`: `true` serves the operator dashboard under `/ui` (HTML pages on the API's
/// port; `false`, the production default, leaves the service JSON-only; `peaqos dev` turns it
/// on).
pub const ENV_UI: &str = "MCR_UI";

/// Every environment variable [`McrConfig::from_env`] reads besides the contract addresses,
/// with its default (for `--help` and the docs).
pub const ENV_VARS: [(&str, &str); 26] = [
    (ENV_RPC_URL, peaqos_types::network::LOCAL_RPC_URL),
    (ENV_DATABASE_URL, "sqlite://peaqos-mcr.db"),
    (ENV_START_BLOCK, "0"),
    (ENV_CONFIRMATIONS, "2"),
    (ENV_POLL_INTERVAL_MS, "1000"),
    (ENV_MAX_BLOCK_RANGE, "1000"),
    (ENV_CACHE_TTL, "3600"),
    (ENV_RATE_LIMIT, "90"),
    (ENV_BIND, "127.0.0.1:8000"),
    (ENV_PARTNER_TIMEOUT_MS, "5000"),
    (ENV_PARTNER_MAX_BYTES, "65536"),
    (ENV_CHAIN_STALE_SECS, "60"),
    (ENV_DB_MAX_CONNECTIONS, "8"),
    (ENV_PARTNER_ALLOW_LOOPBACK, "false"),
    (ENV_TRUSTED_PROXIES, "(none)"),
    (ENV_READY_CACHE_MS, "1000"),
    (ENV_READY_RATE_LIMIT, "60"),
    (ENV_INDEXER_MAX_FAILURES, "5"),
    (ENV_MAX_LAG_BLOCKS, "100"),
    (ENV_FX_URL, DEFAULT_FX_URL),
    (ENV_FX_REFRESH_SECS, "3600"),
    (ENV_FX_TIMEOUT_MS, "30000"),
    (ENV_FX_MAX_BYTES, "16777216"),
    (ENV_FX_SYNC_SECS, "10"),
    (ENV_FX_MAX_STALENESS_DAYS, "45"),
    (ENV_UI, "false"),
];

/// How to run the MCR service. Its `Debug` output shows the RPC and database URLs redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct McrConfig {
    /// The chain's JSON-RPC endpoint.
    pub rpc_url: String,
    /// The peaqOS contracts; `None` is **test mode** (no `IDENTITY_REGISTRY_ADDRESS`): nothing
    /// is indexed, `/ready` and the data endpoints answer 503.
    pub contracts: Option<ContractAddresses>,
    /// `sqlite://FILE` or `postgres://…`.
    pub database_url: String,
    /// The first block to index.
    pub start_block: u64,
    /// How many blocks behind the head the indexer stays (0 = index the head).
    pub confirmations: u64,
    /// Pause between polls once caught up.
    pub poll_interval: Duration,
    /// The most blocks one indexing step covers.
    pub max_block_range: u64,
    /// `/mcr/{did}` cache lifetime (zero = no cache).
    pub cache_ttl: Duration,
    /// Requests per minute per client IP (0 = unlimited).
    pub rate_limit_per_minute: u32,
    /// HTTP listen address (port 0 picks a free one).
    pub bind: SocketAddr,
    /// Time limit of a partner `data_api` fetch.
    pub partner_timeout: Duration,
    /// Size cap of a partner `data_api` response.
    pub partner_max_bytes: usize,
    /// Without a successful chain poll for this long, data endpoints answer 503.
    pub chain_stale_after: Duration,
    /// Database pool size.
    pub db_max_connections: u32,
    /// Whether a partner `data_api` may be on a loopback address (local development only;
    /// every other non-public address is refused regardless).
    pub partner_data_allow_loopback: bool,
    /// Reverse proxies whose forwarding headers name the client; from any other peer those
    /// headers are ignored and the socket's peer address is the client.
    pub trusted_proxies: Vec<IpRange>,
    /// How long a `/ready` answer is reused (zero = computed for every request).
    pub ready_cache_ttl: Duration,
    /// `/ready` requests per minute per client IP (0 = unlimited).
    pub ready_rate_limit_per_minute: u32,
    /// Consecutive failed indexing steps after which `/ready` answers 503.
    pub indexer_max_failures: u32,
    /// Blocks the indexer may lag behind head − confirmations before `/ready` answers 503.
    pub max_lag_blocks: u64,
    /// Where the FX refresher downloads ECB rates (operator configuration; logged redacted).
    pub fx_url: String,
    /// Time between FX downloads (zero = no refresher; the stored rates are still used).
    pub fx_refresh_interval: Duration,
    /// Time limit of one FX download.
    pub fx_timeout: Duration,
    /// Size cap of one FX download.
    pub fx_max_bytes: usize,
    /// How often the stored rates' version is checked (rates written by another replica or
    /// `peaqos-mcr fx import` are used within this long).
    pub fx_sync_interval: Duration,
    /// The FX staleness limit in days (`DEFAULT_FX_MAX_STALENESS_DAYS`).
    pub fx_max_staleness_days: u32,
    /// Whether the dashboard is served under `/ui` (`crate::ui`).
    pub ui: bool,
}

impl std::fmt::Debug for McrConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // RPC URLs carry API keys and database URLs passwords.
        f.debug_struct("McrConfig")
            .field("rpc_url", &RedactedUrl(&self.rpc_url))
            .field("contracts", &self.contracts)
            .field("database_url", &RedactedUrl(&self.database_url))
            .field("start_block", &self.start_block)
            .field("confirmations", &self.confirmations)
            .field("poll_interval", &self.poll_interval)
            .field("max_block_range", &self.max_block_range)
            .field("cache_ttl", &self.cache_ttl)
            .field("rate_limit_per_minute", &self.rate_limit_per_minute)
            .field("bind", &self.bind)
            .field("partner_timeout", &self.partner_timeout)
            .field("partner_max_bytes", &self.partner_max_bytes)
            .field("chain_stale_after", &self.chain_stale_after)
            .field("db_max_connections", &self.db_max_connections)
            .field(
                "partner_data_allow_loopback",
                &self.partner_data_allow_loopback,
            )
            .field("trusted_proxies", &self.trusted_proxies)
            .field("ready_cache_ttl", &self.ready_cache_ttl)
            .field(
                "ready_rate_limit_per_minute",
                &self.ready_rate_limit_per_minute,
            )
            .field("indexer_max_failures", &self.indexer_max_failures)
            .field("max_lag_blocks", &self.max_lag_blocks)
            .field("fx_url", &RedactedUrl(&self.fx_url))
            .field("fx_refresh_interval", &self.fx_refresh_interval)
            .field("fx_timeout", &self.fx_timeout)
            .field("fx_max_bytes", &self.fx_max_bytes)
            .field("fx_sync_interval", &self.fx_sync_interval)
            .field("fx_max_staleness_days", &self.fx_max_staleness_days)
            .field("ui", &self.ui)
            .finish()
    }
}

impl McrConfig {
    /// For a local devnet (what `peaqos dev` and the tests use): a free loopback port, no
    /// confirmations, fast polling, the default cache TTL, no rate limits, and partner
    /// `data_api`s allowed on loopback (local partner servers; the service itself listens on
    /// loopback, so only local processes read what it fetches). The FX refresher is off (no
    /// network is assumed): the stored rates (seeded from the shipped history) are used.
    pub fn for_devnet(rpc_url: &str, contracts: ContractAddresses, database_url: &str) -> Self {
        Self {
            rpc_url: rpc_url.to_owned(),
            contracts: Some(contracts),
            database_url: database_url.to_owned(),
            start_block: 0,
            confirmations: 0,
            poll_interval: Duration::from_millis(100),
            max_block_range: 1000,
            cache_ttl: Duration::from_secs(3600),
            rate_limit_per_minute: 0,
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            partner_timeout: Duration::from_secs(5),
            partner_max_bytes: 65_536,
            chain_stale_after: Duration::from_secs(60),
            db_max_connections: 8,
            partner_data_allow_loopback: true,
            trusted_proxies: Vec::new(),
            ready_cache_ttl: Duration::from_secs(1),
            ready_rate_limit_per_minute: 0,
            indexer_max_failures: 5,
            max_lag_blocks: 100,
            fx_url: DEFAULT_FX_URL.to_owned(),
            fx_refresh_interval: Duration::ZERO,
            fx_timeout: Duration::from_secs(30),
            fx_max_bytes: 16 * 1024 * 1024,
            fx_sync_interval: Duration::from_secs(2),
            fx_max_staleness_days: peaqos_mcr_model::fx::DEFAULT_FX_MAX_STALENESS_DAYS,
            ui: true,
        }
    }

    /// From the process environment (see [`McrConfig::from_lookup`]).
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// From `lookup` (usually the environment). Every setting has a default (see
    /// [`ENV_VARS`]); an empty or unset `IDENTITY_REGISTRY_ADDRESS` is test mode, otherwise
    /// `IDENTITY_STAKING_ADDRESS`, `EVENT_REGISTRY_ADDRESS` and `MACHINE_NFT_ADDRESS` are
    /// required, `DID_REGISTRY_ADDRESS` defaults to the precompile `0x…0800` and
    /// `ADMIN_FLAGS_ADDRESS` is optional.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let default = |name: &str| {
            ENV_VARS
                .iter()
                .find(|(k, _)| *k == name)
                .map_or("", |(_, v)| v)
                .to_owned()
        };
        let text = |name: &'static str| get(name).unwrap_or_else(|| default(name));
        let number = |name: &'static str| -> Result<u64> {
            let v = text(name);
            v.trim().parse::<u64>().map_err(|_| Error::Config {
                name,
                message: format!("expected a non-negative integer, got {v:?}"),
            })
        };
        let address = |name: &'static str| -> Result<Option<Address>> {
            get(name)
                .map(|v| {
                    v.trim().parse::<Address>().map_err(|_| Error::Config {
                        name,
                        message: format!("expected a 20-byte hex address, got {v:?}"),
                    })
                })
                .transpose()
        };
        let required = |name: &'static str| -> Result<Address> {
            address(name)?.ok_or(Error::Config {
                name,
                message: format!("required when {ENV_IDENTITY_REGISTRY_ADDRESS} is set"),
            })
        };
        let contracts = match address(ENV_IDENTITY_REGISTRY_ADDRESS)? {
            None => None,
            Some(identity_registry) => Some(ContractAddresses {
                identity_registry,
                identity_staking: required(ENV_IDENTITY_STAKING_ADDRESS)?,
                event_registry: required(ENV_EVENT_REGISTRY_ADDRESS)?,
                machine_nft: required(ENV_MACHINE_NFT_ADDRESS)?,
                did_registry: address(ENV_DID_REGISTRY_ADDRESS)?.unwrap_or(DID_PRECOMPILE_ADDRESS),
                batch_precompile: BATCH_PRECOMPILE_ADDRESS,
                machine_account_factory: None,
                machine_nft_adapter: None,
                admin_flags: address(ENV_ADMIN_FLAGS_ADDRESS)?,
            }),
        };
        let bind_text = text(ENV_BIND);
        let bind = bind_text.trim().parse().map_err(|_| Error::Config {
            name: ENV_BIND,
            message: format!("expected HOST:PORT, got {bind_text:?}"),
        })?;
        let small = |name: &'static str| -> Result<u32> {
            u32::try_from(number(name)?).map_err(|_| Error::Config {
                name,
                message: "too large".into(),
            })
        };
        let max_block_range = number(ENV_MAX_BLOCK_RANGE)?;
        if max_block_range == 0 {
            return Err(Error::Config {
                name: ENV_MAX_BLOCK_RANGE,
                message: "must be at least 1".into(),
            });
        }
        let flag = |name: &'static str| -> Result<bool> {
            match text(name).trim() {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                other => Err(Error::Config {
                    name,
                    message: format!("expected true or false, got {other:?}"),
                }),
            }
        };
        let partner_data_allow_loopback = flag(ENV_PARTNER_ALLOW_LOOPBACK)?;
        let trusted_proxies = crate::client_ip::parse_ranges(
            &get(ENV_TRUSTED_PROXIES).unwrap_or_default(),
        )
        .map_err(|message| Error::Config {
            name: ENV_TRUSTED_PROXIES,
            message,
        })?;
        Ok(Self {
            rpc_url: text(ENV_RPC_URL),
            contracts,
            database_url: text(ENV_DATABASE_URL),
            start_block: number(ENV_START_BLOCK)?,
            confirmations: number(ENV_CONFIRMATIONS)?,
            poll_interval: Duration::from_millis(number(ENV_POLL_INTERVAL_MS)?.max(1)),
            max_block_range,
            cache_ttl: Duration::from_secs(number(ENV_CACHE_TTL)?),
            rate_limit_per_minute: small(ENV_RATE_LIMIT)?,
            bind,
            partner_timeout: Duration::from_millis(number(ENV_PARTNER_TIMEOUT_MS)?.max(1)),
            partner_max_bytes: usize::try_from(number(ENV_PARTNER_MAX_BYTES)?)
                .unwrap_or(usize::MAX),
            chain_stale_after: Duration::from_secs(number(ENV_CHAIN_STALE_SECS)?.max(1)),
            db_max_connections: small(ENV_DB_MAX_CONNECTIONS)?.max(1),
            partner_data_allow_loopback,
            trusted_proxies,
            ready_cache_ttl: Duration::from_millis(number(ENV_READY_CACHE_MS)?),
            ready_rate_limit_per_minute: small(ENV_READY_RATE_LIMIT)?,
            indexer_max_failures: small(ENV_INDEXER_MAX_FAILURES)?.max(1),
            max_lag_blocks: number(ENV_MAX_LAG_BLOCKS)?,
            fx_url: text(ENV_FX_URL).trim().to_owned(),
            fx_refresh_interval: Duration::from_secs(number(ENV_FX_REFRESH_SECS)?),
            fx_timeout: Duration::from_millis(number(ENV_FX_TIMEOUT_MS)?.max(1)),
            fx_max_bytes: usize::try_from(number(ENV_FX_MAX_BYTES)?.max(1)).unwrap_or(usize::MAX),
            fx_sync_interval: Duration::from_secs(number(ENV_FX_SYNC_SECS)?.max(1)),
            fx_max_staleness_days: small(ENV_FX_MAX_STALENESS_DAYS)?,
            ui: flag(ENV_UI)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn defaults_without_registry_are_test_mode() {
        let c = McrConfig::from_lookup(lookup(&[])).expect("defaults");
        assert_eq!(c.contracts, None);
        assert_eq!(c.cache_ttl, Duration::from_secs(3600));
        assert_eq!(c.rate_limit_per_minute, 90);
        assert_eq!(c.bind.to_string(), "127.0.0.1:8000");
        assert_eq!(c.database_url, "sqlite://peaqos-mcr.db");
        assert!(
            !c.ui,
            "the dashboard is off in production unless MCR_UI=true"
        );
        assert!(
            McrConfig::from_lookup(lookup(&[(ENV_UI, "true")]))
                .expect("ui")
                .ui
        );
        assert!(McrConfig::from_lookup(lookup(&[(ENV_UI, "yes")])).is_err());
        assert_eq!(c.confirmations, 2);
        assert_eq!(c.fx_url, DEFAULT_FX_URL);
        assert_eq!(c.fx_refresh_interval, Duration::from_secs(3600));
        assert_eq!(c.fx_max_staleness_days, 45);
    }

    #[test]
    fn registry_requires_the_others() {
        let reg = "0x1111111111111111111111111111111111111111";
        let err = McrConfig::from_lookup(lookup(&[(ENV_IDENTITY_REGISTRY_ADDRESS, reg)]))
            .expect_err("staking missing");
        assert_eq!(err.code(), "INVALID_CONFIG");
        let c = McrConfig::from_lookup(lookup(&[
            (ENV_IDENTITY_REGISTRY_ADDRESS, reg),
            (ENV_IDENTITY_STAKING_ADDRESS, reg),
            (ENV_EVENT_REGISTRY_ADDRESS, reg),
            (ENV_MACHINE_NFT_ADDRESS, reg),
            (ENV_CACHE_TTL, "0"),
            (ENV_RATE_LIMIT, "5"),
        ]))
        .expect("complete");
        let contracts = c.contracts.expect("set");
        assert_eq!(contracts.did_registry, DID_PRECOMPILE_ADDRESS);
        assert_eq!(contracts.admin_flags, None);
        assert_eq!(c.cache_ttl, Duration::ZERO);
        assert_eq!(c.rate_limit_per_minute, 5);
    }

    #[test]
    fn hardening_settings() {
        let c = McrConfig::from_lookup(lookup(&[])).expect("defaults");
        assert!(
            !c.partner_data_allow_loopback,
            "loopback is refused by default"
        );
        assert!(c.trusted_proxies.is_empty());
        assert_eq!(c.ready_cache_ttl, Duration::from_secs(1));
        assert_eq!(c.ready_rate_limit_per_minute, 60);
        assert_eq!((c.indexer_max_failures, c.max_lag_blocks), (5, 100));
        let c = McrConfig::from_lookup(lookup(&[
            (ENV_PARTNER_ALLOW_LOOPBACK, "true"),
            (ENV_TRUSTED_PROXIES, "10.0.0.0/8, ::1"),
            (ENV_READY_CACHE_MS, "0"),
        ]))
        .expect("set");
        assert!(c.partner_data_allow_loopback);
        assert_eq!(format!("{:?}", c.trusted_proxies), "[10.0.0.0/8, ::1/128]");
        assert_eq!(c.ready_cache_ttl, Duration::ZERO);
    }

    #[test]
    fn fx_settings() {
        let c = McrConfig::from_lookup(lookup(&[
            (
                ENV_FX_URL,
                "https://mirror.example/ecb/hist-90d.xml?token=SECRET",
            ),
            (ENV_FX_REFRESH_SECS, "0"),
            (ENV_FX_TIMEOUT_MS, "0"),
            (ENV_FX_MAX_BYTES, "1000"),
            (ENV_FX_SYNC_SECS, "0"),
            (ENV_FX_MAX_STALENESS_DAYS, "10"),
        ]))
        .expect("set");
        assert_eq!(c.fx_refresh_interval, Duration::ZERO, "0 turns it off");
        assert_eq!(c.fx_timeout, Duration::from_millis(1), "at least 1 ms");
        assert_eq!(c.fx_sync_interval, Duration::from_secs(1), "at least 1 s");
        assert_eq!((c.fx_max_bytes, c.fx_max_staleness_days), (1000, 10));
        assert!(!format!("{c:?}").contains("SECRET"));
        let reg = "0x1111111111111111111111111111111111111111";
        let contracts = McrConfig::from_lookup(lookup(&[
            (ENV_IDENTITY_REGISTRY_ADDRESS, reg),
            (ENV_IDENTITY_STAKING_ADDRESS, reg),
            (ENV_EVENT_REGISTRY_ADDRESS, reg),
            (ENV_MACHINE_NFT_ADDRESS, reg),
        ]))
        .expect("complete")
        .contracts
        .expect("set");
        let dev = McrConfig::for_devnet("http://127.0.0.1:8545", contracts, "sqlite::memory:");
        assert!(
            dev.fx_refresh_interval.is_zero(),
            "no refresher in peaqos dev"
        );
    }

    #[test]
    fn debug_redacts_urls() {
        let mut c = McrConfig::from_lookup(lookup(&[])).expect("defaults");
        c.rpc_url = "https://rpc.example/v3/KEY1?apikey=KEY2".into();
        c.database_url = "postgres://mcr:PASS@db:5432/mcr".into();
        let shown = format!("{c:?}");
        for secret in ["KEY1", "KEY2", "PASS"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("https://rpc.example/…"), "{shown}");
    }

    #[test]
    fn malformed_values_are_named() {
        for (name, bad) in [
            (ENV_CACHE_TTL, "-1"),
            (ENV_BIND, "nope"),
            (ENV_MAX_BLOCK_RANGE, "0"),
            (ENV_IDENTITY_REGISTRY_ADDRESS, "0x12"),
            (ENV_PARTNER_ALLOW_LOOPBACK, "yes"),
            (ENV_TRUSTED_PROXIES, "10.0.0.0/40"),
            (ENV_FX_REFRESH_SECS, "hourly"),
            (ENV_FX_MAX_STALENESS_DAYS, "99999999999"),
        ] {
            match McrConfig::from_lookup(lookup(&[(name, bad)])) {
                Err(Error::Config { name: got, .. }) => assert_eq!(got, name),
                other => panic!("{name}={bad}: {other:?}"),
            }
        }
    }
}
