//! Operations: `/ready`, `/metrics`, `/openapi.json`, the per-IP rate limit and request
//! counters.

use std::{
    collections::HashMap,
    fmt::Write as _,
    net::IpAddr,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use axum::{
    Json,
    extract::{Request, State},
    http::{StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use peaqos_types::api::{ReadyContracts, ReadyResponse};
use serde_json::json;

use super::{ApiError, AppState, client_ip, history};
use crate::store::Backend;

/// Clients (IPv4 addresses, IPv6 /64s) a [`RateLimiter`] tracks per minute; past that,
/// further new clients share one bucket until the minute ends. About 50 bytes each.
pub const MAX_TRACKED_CLIENTS: usize = 100_000;

/// A fixed one-minute window per client (see [`crate::client_ip::bucket_of`]). All clients
/// share the window boundaries, so a new window simply starts an empty map: the old one is
/// dropped once per minute (amortised O(1) per request) and never holds more than
/// [`MAX_TRACKED_CLIENTS`] entries.
#[derive(Debug)]
pub(super) struct RateLimiter {
    per_minute: u32,
    window: Mutex<Window>,
    started: Instant,
    limited: AtomicU64,
}

#[derive(Debug, Default)]
struct Window {
    index: u64,
    counts: HashMap<IpAddr, u32>,
    /// Requests of new clients once `counts` is full.
    overflow: u32,
}

impl RateLimiter {
    pub(super) fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            window: Mutex::new(Window::default()),
            started: Instant::now(),
            limited: AtomicU64::new(0),
        }
    }

    /// `Ok` when `ip` may make one more request now, else the seconds until its window ends.
    fn check(&self, ip: IpAddr) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let elapsed = self.started.elapsed().as_secs();
        let index = elapsed / 60;
        let Ok(mut w) = self.window.lock() else {
            return Ok(());
        };
        let mut expired = None;
        if w.index != index {
            expired = Some(std::mem::take(&mut w.counts));
            w.index = index;
            w.overflow = 0;
        }
        let bucket = crate::client_ip::bucket_of(ip);
        let full = w.counts.len() >= MAX_TRACKED_CLIENTS && !w.counts.contains_key(&bucket);
        let count = if full {
            &mut w.overflow
        } else {
            w.counts.entry(bucket).or_insert(0)
        };
        let verdict = if *count >= self.per_minute {
            self.limited.fetch_add(1, Ordering::Relaxed);
            Err(60 - elapsed % 60)
        } else {
            *count += 1;
            Ok(())
        };
        drop(w);
        // The old window is freed outside the lock.
        drop(expired);
        verdict
    }

    /// Clients tracked in the current window.
    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.window.lock().map(|w| w.counts.len()).unwrap_or(0)
    }

    /// 429 `Rate limit exceeded: N per 1 minute` with `Retry-After` past the limit.
    async fn limit(&self, s: &AppState, req: Request, next: Next) -> Response {
        match self.check(client_ip(&req, &s.config.trusted_proxies)) {
            Ok(()) => next.run(req).await,
            Err(retry) => {
                let mut e = ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    &format!("Rate limit exceeded: {} per 1 minute", self.per_minute),
                );
                e.retry_after = Some(retry);
                e.into_response()
            }
        }
    }
}

/// The per-client limit of the data endpoints (`MCR_RATE_LIMIT`).
pub(super) async fn rate_limit(State(s): State<AppState>, req: Request, next: Next) -> Response {
    s.limiter.limit(&s, req, next).await
}

/// The per-client limit of `/ready` (`MCR_READY_RATE_LIMIT`).
pub(super) async fn rate_limit_ready(
    State(s): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    s.ready_limiter.limit(&s, req, next).await
}

/// (route, status) → (requests, seconds spent).
type RequestCounts = HashMap<(&'static str, u16), (u64, f64)>;

/// Request counters per route and status.
#[derive(Debug, Default)]
pub(super) struct Metrics {
    requests: Mutex<RequestCounts>,
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
}

impl Metrics {
    pub(super) fn record(&self, route: &'static str, status: u16, took: Duration) {
        if let Ok(mut m) = self.requests.lock() {
            let e = m.entry((route, status)).or_insert((0, 0.0));
            e.0 += 1;
            e.1 += took.as_secs_f64();
        }
    }

    pub(super) fn cache_hit(&self) {
        self.cache_hits.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn cache_miss(&self) {
        self.cache_misses.fetch_add(1, Ordering::Relaxed);
    }
}

/// The route template of a path (bounded label values).
pub(super) fn route_label(path: &str) -> &'static str {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match parts.as_slice() {
        ["health"] => "/health",
        ["ready"] => "/ready",
        ["metrics"] => "/metrics",
        ["openapi.json"] => "/openapi.json",
        ["mcr", _] => "/mcr/{did}",
        ["mcr", _, "explain"] => "/mcr/{did}/explain",
        ["mcr", _, "history"] => "/mcr/{did}/history",
        ["machine", _] => "/machine/{did}",
        ["metadata", _] => "/metadata/{token_id}",
        ["machines", _] => "/machines/{machine_id}",
        ["operator", _, "machines"] => "/operator/{did}/machines",
        ["ui", ..] => "/ui",
        _ => "other",
    }
}

/// The last `/ready` answer, reused for `MCR_READY_CACHE_MS`.
#[derive(Debug, Default)]
pub(super) struct ReadyCache {
    // An async lock: concurrent requests wait for the one computing instead of each making
    // the RPC calls.
    last: tokio::sync::Mutex<Option<(Instant, StatusCode, serde_json::Value)>>,
}

/// `GET /ready`: 200 when the RPC answers, every contract is there, the store answers, the
/// indexer has caught up once and keeps up (fewer than `MCR_INDEXER_MAX_FAILURES` failed
/// steps in a row, at most `MCR_MAX_LAG_BLOCKS` behind); else 503. Extras: `fx` (live rates, see
/// `crate::fx`; never a reason for 503), `indexer` (lag,
/// health) and `store`. Computed at most once per `MCR_READY_CACHE_MS`.
pub(super) async fn ready(State(s): State<AppState>) -> Response {
    let mut last = s.ready_cache.last.lock().await;
    if let Some((at, status, body)) = last.as_ref()
        && at.elapsed() < s.config.ready_cache_ttl
    {
        return (*status, Json(body.clone())).into_response();
    }
    let (status, body) = compute_ready(&s).await;
    *last = Some((Instant::now(), status, body.clone()));
    drop(last);
    (status, Json(body)).into_response()
}

async fn compute_ready(s: &AppState) -> (StatusCode, serde_json::Value) {
    let backend = match s.store.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let (Some(chain), Some(c)) = (&s.chain, s.contracts) else {
        let body = ReadyResponse {
            status: "not_ready".into(),
            rpc_connected: false,
            contracts: ReadyContracts {
                identity_registry: false,
                identity_staking: false,
                event_registry: false,
                machine_nft: false,
                admin_flags: false,
                did_registry: false,
            },
        };
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::to_value(body).unwrap_or_default(),
        );
    };
    let limit = Duration::from_secs(5);
    let code = |a| async move {
        tokio::time::timeout(limit, chain.has_code(a))
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or(false)
    };
    let head = async {
        tokio::time::timeout(limit, chain.head())
            .await
            .ok()
            .and_then(Result::ok)
    };
    let did = async {
        tokio::time::timeout(limit, chain.did_registry_answers(c.did_registry))
            .await
            .ok()
            .and_then(Result::ok)
            .unwrap_or(false)
    };
    let admin = async {
        match c.admin_flags {
            Some(a) => Some(code(a).await),
            None => None,
        }
    };
    let (head, registry, staking, events, nft, admin, did, store_ok) = tokio::join!(
        head,
        code(c.identity_registry),
        code(c.identity_staking),
        code(c.event_registry),
        code(c.machine_nft),
        admin,
        did,
        s.store.ping(),
    );
    let rpc_connected = head.is_some();
    let contracts = ReadyContracts {
        identity_registry: registry && rpc_connected,
        identity_staking: staking && rpc_connected,
        event_registry: events && rpc_connected,
        machine_nft: nft && rpc_connected,
        // Not configured reads false (the docs' contracts page); it does not block readiness.
        admin_flags: admin.unwrap_or(false),
        did_registry: did,
    };
    let synced = s.status.synced();
    let healthy = s.status.healthy(
        s.config.indexer_max_failures,
        s.config.max_lag_blocks,
        s.config.confirmations,
    );
    let ready = rpc_connected
        && contracts.identity_registry
        && contracts.identity_staking
        && contracts.event_registry
        && contracts.machine_nft
        && contracts.did_registry
        && admin.is_none_or(|ok| ok)
        && store_ok
        && synced
        && healthy;
    let mut body = serde_json::to_value(ReadyResponse {
        status: if ready { "ready" } else { "not_ready" }.into(),
        rpc_connected,
        contracts,
    })
    .unwrap_or_default();
    if let Some(obj) = body.as_object_mut() {
        let head = head.unwrap_or_else(|| s.status.head_block());
        let indexed = s.status.indexed_block();
        obj.insert(
            "indexer".into(),
            json!({
                "synced": synced,
                "head_block": head,
                "indexed_block": indexed,
                "lag_blocks": indexed.map_or(head, |i| head.saturating_sub(i)),
                "confirmations": s.config.confirmations,
                "healthy": healthy,
                "consecutive_failures": s.status.consecutive_failures(),
                "last_step_age_seconds": s.status.since_last_step().map(|d| d.as_secs()),
                "last_error": s.status.last_error(),
                "leader": crate::leader::ready_json(s.status.leader()),
            }),
        );
        obj.insert(
            "store".into(),
            json!({ "backend": backend, "connected": store_ok }),
        );
        if let Some(fx) = &s.live_fx {
            obj.insert("fx".into(), fx.ready_detail());
        }
    }
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, body)
}

/// `GET /metrics`: Prometheus text format.
pub(super) async fn metrics(State(s): State<AppState>) -> Response {
    let st = &s.status;
    let mut out = String::new();
    let mut gauge = |name: &str, help: &str, kind: &str, value: String| {
        let _ = writeln!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
        );
    };
    gauge(
        "mcr_chain_head_block",
        "Chain head at the last poll.",
        "gauge",
        st.head_block().to_string(),
    );
    gauge(
        "mcr_indexed_block",
        "Last indexed block (-1 before the first).",
        "gauge",
        st.indexed_block()
            .map_or_else(|| "-1".into(), |b| b.to_string()),
    );
    gauge(
        "mcr_indexer_lag_blocks",
        "Blocks between the head and the indexed block.",
        "gauge",
        st.lag_blocks().to_string(),
    );
    gauge(
        "mcr_indexer_synced",
        "1 once the indexer has caught up.",
        "gauge",
        u8::from(st.synced()).to_string(),
    );
    gauge(
        "mcr_indexer_last_poll_age_seconds",
        "Seconds since the last successful chain poll.",
        "gauge",
        st.since_last_poll()
            .map_or_else(|| "NaN".into(), |d| format!("{:.3}", d.as_secs_f64())),
    );
    gauge(
        "mcr_indexer_last_step_age_seconds",
        "Seconds since the last indexing step that completed.",
        "gauge",
        st.since_last_step()
            .map_or_else(|| "NaN".into(), |d| format!("{:.3}", d.as_secs_f64())),
    );
    gauge(
        "mcr_indexer_consecutive_failures",
        "Failed indexing steps since the last one that completed.",
        "gauge",
        st.consecutive_failures().to_string(),
    );
    gauge(
        "mcr_indexed_events_total",
        "Events written since start.",
        "counter",
        st.events_indexed().to_string(),
    );
    gauge(
        "mcr_indexer_steps_total",
        "Indexing steps committed since start.",
        "counter",
        st.steps().to_string(),
    );
    gauge(
        "mcr_indexer_errors_total",
        "Failed indexing steps (retried).",
        "counter",
        st.errors().to_string(),
    );
    gauge(
        "mcr_reorgs_total",
        "Chain reorganisations rolled back.",
        "counter",
        st.reorgs().to_string(),
    );
    gauge(
        "mcr_cache_entries",
        "Entries in the /mcr cache.",
        "gauge",
        s.cache.len().to_string(),
    );
    gauge(
        "mcr_cache_hits_total",
        "Score cache hits.",
        "counter",
        s.metrics.cache_hits.load(Ordering::Relaxed).to_string(),
    );
    gauge(
        "mcr_cache_misses_total",
        "Score cache misses.",
        "counter",
        s.metrics.cache_misses.load(Ordering::Relaxed).to_string(),
    );
    gauge(
        "mcr_rate_limited_total",
        "Requests refused with 429.",
        "counter",
        (s.limiter.limited.load(Ordering::Relaxed)
            + s.ready_limiter.limited.load(Ordering::Relaxed))
        .to_string(),
    );
    if let Some(fx) = &s.live_fx {
        let age_days = fx.age_days();
        gauge(
            "mcr_fx_age_days",
            "Whole days from the last FX fixing in use to today (UTC).",
            "gauge",
            age_days.map_or_else(|| "NaN".into(), |d| d.to_string()),
        );
        gauge(
            "mcr_fx_age_seconds",
            "Seconds since the start (00:00 UTC) of the last FX fixing day in use.",
            "gauge",
            fx.last_day().map_or_else(
                || "NaN".into(),
                |d| {
                    let start = i128::from(d) * 86_400;
                    (i128::from(crate::scoring::unix_now()) - start).to_string()
                },
            ),
        );
        gauge(
            "mcr_fx_version",
            "Version of the stored FX rates in use.",
            "gauge",
            fx.version().to_string(),
        );
        let st = &fx.status;
        gauge(
            "mcr_fx_refresh_last_success_timestamp_seconds",
            "Unix time of the last successful FX refresh (0 = none since start).",
            "gauge",
            st.last_success_at().to_string(),
        );
        gauge(
            "mcr_fx_refresh_consecutive_failures",
            "FX refreshes failed since the last success.",
            "gauge",
            st.consecutive_failures().to_string(),
        );
        gauge(
            "mcr_fx_refresh_attempts_total",
            "FX downloads attempted.",
            "counter",
            st.attempts().to_string(),
        );
        gauge(
            "mcr_fx_refresh_failures_total",
            "FX downloads that failed (old rates kept).",
            "counter",
            st.failures().to_string(),
        );
    }
    crate::leader::write_metrics(&mut out, st.leader());
    let mut rows: Vec<_> = s
        .metrics
        .requests
        .lock()
        .map(|m| m.iter().map(|(k, v)| (*k, *v)).collect())
        .unwrap_or_default();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let _ = writeln!(
        out,
        "# HELP mcr_http_requests_total HTTP requests by route and status.\n\
         # TYPE mcr_http_requests_total counter"
    );
    for ((route, status), (n, _)) in &rows {
        let _ = writeln!(
            out,
            "mcr_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
        );
    }
    let _ = writeln!(
        out,
        "# HELP mcr_http_request_seconds_sum Time spent answering, by route and status.\n\
         # TYPE mcr_http_request_seconds_sum counter"
    );
    for ((route, status), (_, secs)) in &rows {
        let _ = writeln!(
            out,
            "mcr_http_request_seconds_sum{{route=\"{route}\",status=\"{status}\"}} {secs:.6}"
        );
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}

/// `GET /openapi.json`: the API described as OpenAPI 3.1.
pub(super) async fn openapi() -> Json<serde_json::Value> {
    Json(openapi_document())
}

fn error_responses(codes: &[(&str, &str)]) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for (code, text) in codes {
        m.insert(
            (*code).to_owned(),
            json!({"description": text, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}),
        );
    }
    serde_json::Value::Object(m)
}

/// The OpenAPI document.
pub fn openapi_document() -> serde_json::Value {
    let did = json!({"name": "did", "in": "path", "required": true,
        "description": "did:peaq:0x<40 hex> or a raw 0x address", "schema": {"type": "string"}});
    let common = [
        ("400", "Empty DID / Invalid Ethereum address format"),
        ("404", "Machine not registered"),
        ("429", "Rate limit exceeded"),
        (
            "503",
            "Service not initialised / Chain unavailable / Store unavailable",
        ),
    ];
    let ok = |schema: &str| json!({"description": "OK", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
    let with = |schema: &str, errors: &[(&str, &str)]| {
        let mut r = error_responses(errors);
        if let Some(o) = r.as_object_mut() {
            o.insert("200".into(), ok(schema));
        }
        r
    };
    json!({
        "openapi": "3.1.0",
        "info": {"title": "peaqOS MCR API", "version": env!("CARGO_PKG_VERSION"),
            "description": "Machine Credit Rating, machine profiles and Machine Cards, computed from the chain with the published model (see docs/mcr-model.md)."},
        "paths": {
            "/health": {"get": {"summary": "Liveness", "responses": {"200": ok("Health")}}},
            "/ready": {"get": {"summary": "Readiness (RPC, contracts, store, indexer lag)", "responses": {"200": ok("Ready"), "503": ok("Ready"), "429": {"description": "Rate limit exceeded", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}},
            "/mcr/{did}": {"get": {"summary": "Machine Credit Rating", "parameters": [did], "responses": with("Mcr", &common)}},
            "/mcr/{did}/explain": {"get": {"summary": "The rating with each factor's contribution", "parameters": [did], "responses": with("Mcr", &common)}},
            "/mcr/{did}/history": {"get": {"summary": "Rating history: the score and letter the published model gives at each point in time, from the events known then (points at to, to-step, ... not before from; oldest first; the last point of a history ending now is the /mcr answer)",
                "parameters": [did,
                    {"name": "from", "in": "query", "description": "Unix seconds; default to - 90 steps", "schema": {"type": "integer", "minimum": 0}},
                    {"name": "to", "in": "query", "description": "Unix seconds; default now (a to past now reads as now)", "schema": {"type": "integer", "minimum": 0}},
                    {"name": "step", "in": "query", "description": "Seconds between points", "schema": {"type": "integer", "minimum": history::HISTORY_MIN_STEP_SECS, "maximum": history::HISTORY_MAX_RANGE_SECS, "default": history::HISTORY_DEFAULT_STEP_SECS}}],
                "responses": with("History", &[("400", "Empty DID / Invalid Ethereum address format / History range too large / Too many history points"), ("404", "Machine not registered"), ("422", "Validation error"), ("429", "Rate limit exceeded"), ("503", "Service not initialised / Chain unavailable / Store unavailable")])}},
            "/machine/{did}": {"get": {"summary": "Machine profile (NFT metadata v1.0)", "parameters": [did], "responses": with("Profile", &common)}},
            "/metadata/{token_id}": {"get": {"summary": "Machine NFT metadata (tokenURI target)",
                "parameters": [{"name": "token_id", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1}}],
                "responses": with("Profile", &[("404", "Token not found / Machine not registered"), ("422", "Validation error"), ("429", "Rate limit exceeded"), ("503", "Service not initialised / Chain unavailable")])}},
            "/machines/{machine_id}": {"get": {"summary": "Machine Card (ERC-8004 registration file)",
                "parameters": [{"name": "machine_id", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1}}],
                "responses": with("MachineCard", &[("404", "Machine not found / Machine wallet not found"), ("422", "Validation error"), ("429", "Rate limit exceeded"), ("503", "Service not initialised / Chain unavailable")])}},
            "/operator/{did}/machines": {"get": {"summary": "An operator's machines",
                "parameters": [did,
                    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "default": 0}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 20, "default": 20}}],
                "responses": with("OperatorMachines", &[("400", "Empty DID / Invalid Ethereum address format"), ("422", "Validation error"), ("429", "Rate limit exceeded"), ("503", "Service not initialised / Chain unavailable")])}},
            "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {"200": {"description": "text/plain"}}}},
        },
        "components": {"schemas": {
            "Error": {"type": "object", "required": ["detail"], "properties": {"detail": {}}},
            "Health": {"type": "object", "properties": {"status": {"const": "ok"}}},
            "Ready": {"type": "object", "required": ["status", "rpc_connected", "contracts"]},
            "Mcr": {"type": "object", "required": ["did", "machine_id", "mcr_score", "mcr", "mcr_degraded", "bond_status", "negative_flag", "event_count", "revenue_event_count", "activity_event_count", "revenue_trend", "total_revenue", "average_revenue_per_event", "last_updated"],
                "properties": {
                    "did": {"type": "string"}, "machine_id": {"type": "integer"},
                    "mcr_score": {"type": "integer", "minimum": 0, "maximum": 100},
                    "mcr": {"enum": ["AAA", "AA", "A", "BBB", "BB", "B", "NR", "Provisioned"]},
                    "mcr_degraded": {"type": "boolean"}, "bond_status": {"enum": ["bonded", "unbonded"]},
                    "negative_flag": {"type": "boolean"}, "event_count": {"type": "integer"},
                    "revenue_event_count": {"type": "integer"}, "activity_event_count": {"type": "integer"},
                    "revenue_trend": {"enum": ["up", "stable", "down", "insufficient"]},
                    "total_revenue": {"type": "number", "description": "USD cents"},
                    "average_revenue_per_event": {"type": "number", "description": "USD cents"},
                    "last_updated": {"type": ["integer", "null"]}}},
            "History": {"type": "object", "required": ["did", "machine_id", "model_version", "from", "to", "step", "points"],
                "description": format!("At most {} points; step at least {} s; to - from at most {} s", history::HISTORY_MAX_POINTS, history::HISTORY_MIN_STEP_SECS, history::HISTORY_MAX_RANGE_SECS),
                "properties": {
                    "did": {"type": "string"}, "machine_id": {"type": "integer"}, "model_version": {"type": "string"},
                    "from": {"type": "integer"}, "to": {"type": "integer"}, "step": {"type": "integer"},
                    "points": {"type": "array", "items": {"type": "object", "required": ["at", "mcr_score", "mcr", "mcr_degraded", "event_count"],
                        "properties": {"at": {"type": "integer"}, "mcr_score": {"type": "integer", "minimum": 0, "maximum": 100},
                            "mcr": {"enum": ["AAA", "AA", "A", "BBB", "BB", "B", "NR", "Provisioned"]},
                            "mcr_degraded": {"type": "boolean"}, "event_count": {"type": "integer"}}}}}},
            "Profile": {"type": "object", "required": ["schema_version", "name", "peaqos"]},
            "MachineCard": {"type": "object", "required": ["type", "name", "description", "did", "active", "services", "data_visibility", "documentation_url", "operator", "bond_status", "event_count", "registrations"]},
            "OperatorMachines": {"type": "object", "required": ["operator_did", "machines", "pagination"]}
        }}
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_counts_per_window() {
        let l = RateLimiter::new(2);
        let ip = IpAddr::from([10, 0, 0, 1]);
        assert!(l.check(ip).is_ok());
        assert!(l.check(ip).is_ok());
        assert!(l.check(ip).is_err());
        assert!(l.check(IpAddr::from([10, 0, 0, 2])).is_ok());
        assert!(RateLimiter::new(0).check(ip).is_ok());
    }

    /// Past the cap, memory stays bounded and each request stays cheap (the old limiter
    /// scanned the whole map on every request past 100,000 clients and never shrank it).
    #[test]
    fn limiter_is_bounded_and_cheap_under_a_flood_of_clients() {
        let l = RateLimiter::new(1);
        let started = Instant::now();
        for i in 0..(MAX_TRACKED_CLIENTS as u32 + 20_000) {
            let _ = l.check(IpAddr::from(i.to_be_bytes()));
        }
        assert_eq!(l.tracked(), MAX_TRACKED_CLIENTS);
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "120,000 clients took {:?}",
            started.elapsed()
        );
        // Clients past the cap share one bucket; tracked ones keep theirs.
        let late = IpAddr::from([250, 0, 0, 1]);
        assert!(l.check(late).is_err(), "the overflow bucket is spent");
        assert!(l.check(IpAddr::from(0u32.to_be_bytes())).is_err());
        // IPv6: one /64, one bucket.
        let l = RateLimiter::new(1);
        assert!(l.check("2001:db8::1".parse().expect("ip")).is_ok());
        assert!(l.check("2001:db8::2".parse().expect("ip")).is_err());
        assert!(l.check("2001:db8:0:1::1".parse().expect("ip")).is_ok());
    }

    #[test]
    fn labels_are_templates() {
        assert_eq!(route_label("/mcr/did:peaq:0xab"), "/mcr/{did}");
        assert_eq!(
            route_label("/operator/0x1/machines"),
            "/operator/{did}/machines"
        );
        assert_eq!(route_label("/nope/x/y/z"), "other");
    }
}
