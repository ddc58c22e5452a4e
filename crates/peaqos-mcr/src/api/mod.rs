//! The MCR HTTP API (axum): every endpoint of the original (`/health`, `/ready`, `/mcr/{did}`,
//! `/machine/{did}`, `/metadata/{token_id}`, `/machines/{machine_id}`,
//! `/operator/{did}/machines`) with its statuses and `{"detail": …}` bodies, plus the additive
//! `/mcr/{did}/explain`, `/mcr/{did}/history`, `/metrics` and `/openapi.json`. Data comes from the store only.

mod errors;
pub mod history;
mod ops;
pub(crate) mod profile;

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, atomic::AtomicU64},
    time::Instant,
};

use alloy::primitives::Address;
use axum::{
    Json, Router,
    extract::{ConnectInfo, Query, Request, State},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
};
use peaqos_mcr_model::FxSource;
use peaqos_types::{
    ContractAddresses, Did,
    api::{
        HealthResponse, OPERATOR_MACHINES_DEFAULT_LIMIT, OPERATOR_MACHINES_MAX_LIMIT,
        OperatorMachine, OperatorMachinesResponse, Pagination,
    },
    constants::DID_ATTR_MACHINES,
};
use serde_json::json;

pub use errors::{ApiError, MAX_URI_BYTES, PathParam, bare_error_body, percent_decode_lossy};
pub use ops::{MAX_TRACKED_CLIENTS, openapi_document};
use ops::{Metrics, RateLimiter, ReadyCache};
pub use profile::metadata_object;

use crate::{
    McrConfig,
    chain::Chain,
    fx::LiveFx,
    indexer::IndexerStatus,
    partner::PartnerFetcher,
    scoring::{self, Computed, McrCache},
    store::Store,
};

/// The operator list reads at most this many ids from the `machines` attribute.
pub const OPERATOR_MACHINES_CAP: usize = 100;

/// What every handler shares.
pub struct Shared {
    /// The configuration.
    pub config: McrConfig,
    /// The store.
    pub store: Store,
    /// The chain (`None` in test mode).
    pub chain: Option<Chain>,
    /// The contracts (`None` in test mode).
    pub contracts: Option<ContractAddresses>,
    /// The indexer's progress.
    pub status: Arc<IndexerStatus>,
    /// The FX source of the model and of `event_data`.
    pub fx: Arc<dyn FxSource>,
    /// The database-backed rates when the service runs live FX (`None` with a fixed source).
    pub live_fx: Option<Arc<LiveFx>>,
    /// The `/mcr` cache.
    pub cache: McrCache,
    /// The `/mcr/{did}/history` cache (entries live as long as their `/mcr` result).
    pub history_cache: history::HistoryCache,
    /// The chain id (0 until read).
    pub chain_id: AtomicU64,
    /// The client of partner `data_api`s.
    pub partner: PartnerFetcher,
    limiter: RateLimiter,
    ready_limiter: RateLimiter,
    ready_cache: ReadyCache,
    metrics: Metrics,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Shared {
    /// The state of a server for `config`.
    pub fn new(
        config: McrConfig,
        store: Store,
        chain: Option<Chain>,
        status: Arc<IndexerStatus>,
        fx: Arc<dyn FxSource>,
        chain_id: u64,
    ) -> Self {
        let partner = PartnerFetcher::new(
            config.partner_timeout,
            config.partner_max_bytes,
            config.partner_data_allow_loopback,
        );
        Self {
            contracts: config.contracts,
            cache: McrCache::new(config.cache_ttl),
            history_cache: history::HistoryCache::default(),
            limiter: RateLimiter::new(config.rate_limit_per_minute),
            ready_limiter: RateLimiter::new(config.ready_rate_limit_per_minute),
            ready_cache: ReadyCache::default(),
            metrics: Metrics::default(),
            chain_id: AtomicU64::new(chain_id),
            partner,
            config,
            store,
            chain,
            status,
            fx,
            live_fx: None,
        }
    }

    /// Scores with `live` (the stored rates) and drops cached scores its changes affect.
    #[must_use]
    pub fn with_live_fx(mut self, live: Arc<LiveFx>) -> Self {
        self.cache = McrCache::new(self.config.cache_ttl).with_fx(live.clone());
        self.fx = live.clone();
        self.live_fx = Some(live);
        self
    }

    /// 503 unless the service can answer from the store: contracts configured, the indexer
    /// caught up once, and it completed a step (chain read and store write) recently, so the
    /// store is not stale.
    pub(crate) fn ensure_ready(&self) -> Result<(), ApiError> {
        if self.contracts.is_none() || !self.status.synced() {
            return Err(ApiError::not_initialised());
        }
        match self.status.since_last_step() {
            Some(d) if d <= self.config.chain_stale_after => Ok(()),
            _ => Err(ApiError::chain_unavailable()),
        }
    }

    /// The machine score for `wallet`'s machine (cached), `None` when it is not registered.
    pub(crate) async fn score_wallet(
        &self,
        wallet: Address,
    ) -> Result<Option<Arc<Computed>>, ApiError> {
        if let Some(hit) = self.cache.get(wallet, &self.status) {
            self.metrics.cache_hit();
            return Ok(Some(hit));
        }
        self.metrics.cache_miss();
        let stamp = self.cache.stamp(&self.status);
        let key = scoring::MachineKey::Wallet(wallet);
        let Some(c) = scoring::compute(&self.store, key, self.rates(), scoring::unix_now()).await?
        else {
            return Ok(None);
        };
        let c = Arc::new(c);
        self.cache.put(c.machine.wallet, c.clone(), stamp);
        Ok(Some(c))
    }

    /// The rates scores use: the stored ones (summary rows) with live FX, else the fixed
    /// source.
    pub(crate) fn rates(&self) -> scoring::Rates<'_> {
        if self.live_fx.is_some() {
            scoring::Rates::Stored
        } else {
            scoring::Rates::Fixed(self.fx.as_ref())
        }
    }
}

pub(crate) type AppState = Arc<Shared>;

/// The router with every endpoint and the rate-limit and metrics layers.
pub fn router(shared: Arc<Shared>) -> Router {
    let limited = Router::new()
        .route("/mcr/{did}", get(get_mcr))
        .route("/mcr/{did}/explain", get(get_explain))
        .route("/mcr/{did}/history", get(history::get_history))
        .route("/machine/{did}", get(profile::get_machine))
        .route("/metadata/{token_id}", get(profile::get_metadata))
        .route("/machines/{machine_id}", get(profile::get_machine_card))
        .route("/operator/{did}/machines", get(get_operator_machines))
        .route_layer(middleware::from_fn_with_state(
            shared.clone(),
            ops::rate_limit,
        ));
    let ready =
        Router::new()
            .route("/ready", get(ops::ready))
            .route_layer(middleware::from_fn_with_state(
                shared.clone(),
                ops::rate_limit_ready,
            ));
    let ui = shared.config.ui.then(|| {
        crate::ui::router().route_layer(middleware::from_fn_with_state(
            shared.clone(),
            ops::rate_limit,
        ))
    });
    let app = Router::new()
        .route("/health", get(health))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(ops::openapi))
        .merge(ready)
        .merge(limited)
        .fallback(not_found)
        // Inside `track`, so the metrics count the statuses clients get.
        .layer(middleware::from_fn(errors::envelope));
    // The dashboard answers HTML, errors included: outside the JSON envelope.
    let app = match ui {
        Some(ui) => app.merge(ui),
        None => app,
    };
    app.layer(middleware::from_fn_with_state(shared.clone(), track))
        .with_state(shared)
}

/// Counts requests per route and status.
async fn track(State(s): State<AppState>, req: Request, next: Next) -> Response {
    let route = ops::route_label(req.uri().path());
    let started = Instant::now();
    let res = next.run(req).await;
    s.metrics
        .record(route, res.status().as_u16(), started.elapsed());
    res
}

async fn not_found() -> ApiError {
    ApiError::new(axum::http::StatusCode::NOT_FOUND, "Not Found")
}

async fn health() -> Json<HealthResponse> {
    Json(HealthResponse {
        status: "ok".into(),
    })
}

/// `did:peaq:0x…` or `0x…` → the address; 400 `Empty DID` / `Invalid Ethereum address format`.
pub fn parse_did(raw: &str) -> Result<Address, ApiError> {
    let rest = raw.strip_prefix(Did::PREFIX).unwrap_or(raw).trim();
    if rest.is_empty() {
        return Err(ApiError::bad_request("Empty DID"));
    }
    // A raw address is read as the DID of that address.
    format!("{}{rest}", Did::PREFIX)
        .parse::<Did>()
        .map(|d| d.address())
        .map_err(|_| ApiError::bad_request("Invalid Ethereum address format"))
}

/// `did:peaq:<EIP-55 address>`.
pub fn did_of(address: Address) -> String {
    Did::new(address).to_string()
}

async fn machine_for_did(s: &Shared, did: &str) -> Result<(Address, Arc<Computed>), ApiError> {
    let wallet = parse_did(did)?;
    s.ensure_ready()?;
    let computed = s
        .score_wallet(wallet)
        .await?
        .ok_or_else(ApiError::not_registered)?;
    Ok((wallet, computed))
}

async fn get_mcr(
    State(s): State<AppState>,
    PathParam(did): PathParam,
) -> Result<Response, ApiError> {
    let (_, c) = machine_for_did(&s, &did).await?;
    Ok(Json(c.response(&did)).into_response())
}

async fn get_explain(
    State(s): State<AppState>,
    PathParam(did): PathParam,
) -> Result<Response, ApiError> {
    let (_, c) = machine_for_did(&s, &did).await?;
    let mut body = serde_json::to_value(c.response(&did)).unwrap_or_default();
    if let Some(obj) = body.as_object_mut() {
        obj.insert("model_version".into(), json!(c.score.model_version));
        obj.insert("scored_at".into(), json!(c.now));
        obj.insert(
            "explain".into(),
            serde_json::to_value(&c.score.explain).unwrap_or_default(),
        );
    }
    Ok(Json(body).into_response())
}

/// The valid machine ids of a `machines` attribute (a JSON array of positive integers or
/// decimal strings), the first [`OPERATOR_MACHINES_CAP`] of them.
pub fn machine_ids_of_attribute(value: &[u8]) -> Vec<u64> {
    let Ok(serde_json::Value::Array(items)) = serde_json::from_slice::<serde_json::Value>(value)
    else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|v| match v {
            serde_json::Value::Number(n) => n.as_u64(),
            serde_json::Value::String(s)
                if !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit()) =>
            {
                s.parse().ok()
            }
            _ => None,
        })
        .filter(|id| *id > 0 && i64::try_from(*id).is_ok())
        .take(OPERATOR_MACHINES_CAP)
        .collect()
}

async fn get_operator_machines(
    State(s): State<AppState>,
    PathParam(did): PathParam,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let offset = errors::query_int(&query, "offset", 0, 0, u64::MAX)?;
    let limit = errors::query_int(
        &query,
        "limit",
        OPERATOR_MACHINES_DEFAULT_LIMIT,
        1,
        OPERATOR_MACHINES_MAX_LIMIT,
    )?;
    let operator = parse_did(&did)?;
    s.ensure_ready()?;
    let attrs = s.store.did_attributes(operator).await?;
    // First the ids of the `machines` attribute (its order, as before), then every other
    // machine the operator operates on chain (`OperatorSet`), by id: the whole fleet.
    let listed = attrs
        .get(DID_ATTR_MACHINES.as_bytes())
        .map(|v| machine_ids_of_attribute(v))
        .unwrap_or_default();
    let on_chain_only = s.store.operator_machine_count(operator, &listed).await?;
    let total = listed.len() as u64 + on_chain_only;
    let end_at = offset.saturating_add(limit).min(total);
    let mut ids: Vec<u64> = listed
        .iter()
        .copied()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect();
    let listed_len = listed.len() as u64;
    if end_at > listed_len {
        let tail_offset = offset.saturating_sub(listed_len);
        let tail_limit = end_at - offset.max(listed_len);
        ids.extend(
            s.store
                .operator_machine_ids(operator, &listed, tail_offset, tail_limit)
                .await?,
        );
    }
    let mut machines = Vec::with_capacity(ids.len());
    for id in &ids {
        let Some(c) = s.score_machine_cached(*id).await? else {
            continue;
        };
        machines.push(OperatorMachine {
            did: did_of(c.machine.wallet),
            machine_id: c.machine.machine_id,
            mcr_score: c.score.score,
            mcr: c.rating(),
            negative_flag: c.negative_flag,
        });
    }
    Ok(Json(OperatorMachinesResponse {
        operator_did: did,
        machines,
        pagination: Pagination {
            offset,
            limit,
            total,
        },
    })
    .into_response())
}

impl Shared {
    /// The ids of `operator`'s fleet in listing order: what `/operator/{did}/machines` pages
    /// through and the dashboard's fleet page shows.
    pub(crate) async fn operator_machine_ids(
        &self,
        operator: Address,
    ) -> Result<Vec<u64>, ApiError> {
        let attrs = self.store.did_attributes(operator).await?;
        let mut ids: Vec<u64> = attrs
            .get(DID_ATTR_MACHINES.as_bytes())
            .map(|v| machine_ids_of_attribute(v))
            .unwrap_or_default();
        // The whole fleet: the attribute's ids first, then every other machine the operator
        // operates on chain (`OperatorSet`), as `/operator/{did}/machines` pages them.
        let rest = self.store.operator_machine_count(operator, &ids).await?;
        if rest > 0 {
            let tail = self
                .store
                .operator_machine_ids(operator, &ids, 0, rest)
                .await?;
            ids.extend(tail);
        }
        Ok(ids)
    }

    /// The score of machine `id`, from the cache when its wallet has a fresh entry.
    pub(crate) async fn score_machine_cached(
        &self,
        id: u64,
    ) -> Result<Option<Arc<Computed>>, ApiError> {
        // Stamped before the store is read, like `score_wallet`.
        let stamp = self.cache.stamp(&self.status);
        let now = scoring::unix_now();
        // The machine (and with the stored rates its summary row) in one read; its wallet
        // is the cache key.
        let c = match self.rates() {
            scoring::Rates::Stored => {
                let Some((m, stored)) = self.store.machine_for_score(id).await? else {
                    return Ok(None);
                };
                if let Some(hit) = self.cache.get(m.wallet, &self.status) {
                    self.metrics.cache_hit();
                    return Ok(Some(hit));
                }
                scoring::score_stored(m, stored.as_ref(), now)
            }
            scoring::Rates::Fixed(fx) => {
                let Some(m) = self.store.machine(id).await? else {
                    return Ok(None);
                };
                if let Some(hit) = self.cache.get(m.wallet, &self.status) {
                    self.metrics.cache_hit();
                    return Ok(Some(hit));
                }
                scoring::compute_raw(&self.store, m, fx, now).await?
            }
        };
        self.metrics.cache_miss();
        let c = Arc::new(c);
        self.cache.put(c.machine.wallet, c.clone(), stamp);
        Ok(Some(c))
    }
}

/// The client address of a request: the socket peer (loopback when unknown), or what a
/// trusted proxy's forwarding header says (see [`crate::client_ip`]).
fn client_ip(req: &Request, trusted: &[crate::client_ip::IpRange]) -> std::net::IpAddr {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(std::net::IpAddr::from([127, 0, 0, 1]), |c| c.0.ip());
    crate::client_ip::client_of(peer, req.headers(), trusted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_forms() {
        let a = Address::repeat_byte(0xab);
        let lower = format!("{a:#x}");
        assert_eq!(parse_did(&lower).ok(), Some(a));
        assert_eq!(parse_did(&format!("did:peaq:{lower}")).ok(), Some(a));
        assert_eq!(parse_did(&did_of(a)).ok(), Some(a));
        assert_eq!(parse_did(&lower.replace("0x", "0X")).ok(), Some(a));
        for (bad, detail) in [
            ("", "Empty DID"),
            ("did:peaq:", "Empty DID"),
            ("did:peaq:0x1234", "Invalid Ethereum address format"),
            (
                "abababababababababababababababababababab",
                "Invalid Ethereum address format",
            ),
            (
                "did:other:0xabababababababababababababababababababab",
                "Invalid Ethereum address format",
            ),
            (
                "0xgbababababababababababababababababababab",
                "Invalid Ethereum address format",
            ),
        ] {
            let e = parse_did(bad).expect_err(bad);
            assert_eq!(e.status, axum::http::StatusCode::BAD_REQUEST, "{bad}");
            assert_eq!(e.detail, detail, "{bad}");
        }
        assert_eq!(did_of(a), format!("did:peaq:{a}"));
    }
}
