//! The HTTP API (axum): JSON envelopes, size-limited bodies. Every error answer, including
//! those of the HTTP layer (unknown route, wrong method, a path that is not UTF-8, a body too
//! large), is the documented envelope with a code of the table at that code's status.

use std::{net::SocketAddr, sync::Arc};

use axum::{
    Extension, Json, Router,
    body::Bytes,
    extract::{
        ConnectInfo, DefaultBodyLimit, Path, State,
        rejection::{BytesRejection, PathRejection},
    },
    http::{HeaderMap, StatusCode, header},
    middleware,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::{Map, Value, json};

use peaqos_service::client_ip;
use peaqos_types::faucet::{
    CONFIRM_PATH, ConfirmRequest, FUND_PATH, FundRequest, OwnerProof, QR_PATH_PREFIX, QrFormat,
    SETUP_PATH, SetupRequest,
};

use crate::{ApiError, FaucetCode, limit::ip_key, service::Service};

/// The router over `service`. Serve it with `ConnectInfo<SocketAddr>`
/// (`into_make_service_with_connect_info`): the per-IP limits key on the peer address
/// (without it, all clients share one key).
pub fn router(service: Arc<Service>) -> Router {
    let limit = service.config.max_body_bytes;
    Router::new()
        .route(SETUP_PATH, post(setup))
        .route(&format!("/faucet{SETUP_PATH}"), post(setup))
        .route(CONFIRM_PATH, post(confirm))
        .route(&format!("/faucet{CONFIRM_PATH}"), post(confirm))
        .route(FUND_PATH, post(fund))
        .route(&format!("{QR_PATH_PREFIX}{{token}}"), get(qr))
        .route("/health", get(health))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::map_response(into_envelope))
        .with_state(service)
}

/// The peer of the request, as the per-IP key.
type Peer = Option<Extension<ConnectInfo<SocketAddr>>>;

/// The per-IP key of the client: the socket peer, or what a trusted proxy's forwarding header
/// names (`GAS_STATION_TRUSTED_PROXIES`).
fn client(service: &Service, peer: &Peer, headers: &HeaderMap) -> String {
    peer.as_ref().map_or_else(
        || "unknown".to_owned(),
        |Extension(ConnectInfo(a))| {
            ip_key(client_ip::client_of(
                a.ip(),
                headers,
                &service.config.trusted_proxies,
            ))
        },
    )
}

/// Turns an error answer that is not JSON (made by axum or hyper's service layer: 404, 405,
/// 413, a path or body rejection) into the envelope.
async fn into_envelope(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let code = match status {
        StatusCode::NOT_FOUND => FaucetCode::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => FaucetCode::MethodNotAllowed,
        s if s.is_server_error() => FaucetCode::InternalError,
        _ => FaucetCode::InvalidPayload,
    };
    let mut answer = ApiError::new(code).into_response();
    // Keep `Allow` (405) and the like; the body and its type are replaced.
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer.headers_mut().insert(name.clone(), value.clone());
        }
    }
    answer
}

/// The answer to a request hyper refuses before the router (414, 431, 400):
/// `INVALID_PAYLOAD` in the envelope, with its status (`peaqos_service::http::ServerLimits::error_body`).
pub fn bare_error_body(_: StatusCode) -> (StatusCode, String) {
    let error = ApiError::new(FaucetCode::InvalidPayload);
    let status = StatusCode::from_u16(FaucetCode::InvalidPayload.http_status())
        .unwrap_or(StatusCode::BAD_REQUEST);
    (
        status,
        serde_json::to_string(&error.body()).unwrap_or_default(),
    )
}

type Reply<T> = Result<Json<T>, ApiError>;

/// The JSON object of a body, or `INVALID_PAYLOAD`.
fn object(body: Result<Bytes, BytesRejection>) -> Result<Map<String, Value>, ApiError> {
    let body =
        body.map_err(|e| ApiError::with_detail(FaucetCode::InvalidPayload, e.body_text()))?;
    match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::with_detail(
            FaucetCode::InvalidPayload,
            "the body must be a JSON object",
        )),
        Err(_) => Err(ApiError::with_detail(
            FaucetCode::InvalidPayload,
            "the body is not valid JSON",
        )),
    }
}

/// A required string field.
fn field(map: &Map<String, Value>, name: &str) -> Result<String, ApiError> {
    map.get(name)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| {
            ApiError::with_detail(
                FaucetCode::InvalidPayload,
                format!("{name} must be a string"),
            )
        })
}

/// `/2fa/setup`: `format` absent or `null` is SVG; `ownerSignature` and `signedAt` (unix
/// seconds) go together, absent or `null` when there is no proof.
fn setup_request(map: &Map<String, Value>) -> Result<SetupRequest, ApiError> {
    let owner_address = field(map, "ownerAddress")?;
    let bad_format =
        || ApiError::with_detail(FaucetCode::InvalidPayload, "format must be svg or png");
    let format = match map.get("format") {
        None | Some(Value::Null) => QrFormat::Svg,
        Some(Value::String(f)) => f.parse().map_err(|_| bad_format())?,
        Some(_) => return Err(bad_format()),
    };
    let present = |k: &str| map.get(k).filter(|v| !v.is_null());
    let owner_proof = match (present("ownerSignature"), present("signedAt")) {
        (None, None) => None,
        (Some(Value::String(sig)), Some(at)) => Some(OwnerProof {
            owner_signature: sig.clone(),
            signed_at: at.as_u64().ok_or_else(|| {
                ApiError::with_detail(
                    FaucetCode::InvalidPayload,
                    "signedAt must be unix seconds (an integer)",
                )
            })?,
        }),
        _ => {
            return Err(ApiError::with_detail(
                FaucetCode::InvalidPayload,
                "ownerSignature (a string) and signedAt go together",
            ));
        }
    };
    Ok(SetupRequest {
        owner_address,
        format,
        owner_proof,
    })
}

fn fund_request(map: &Map<String, Value>) -> Result<FundRequest, ApiError> {
    Ok(FundRequest {
        owner_address: field(map, "ownerAddress")?,
        target_wallet_address: field(map, "targetWalletAddress")?,
        chain_id: field(map, "chainId")?,
        two_factor_code: field(map, "twoFactorCode")?,
        request_id: field(map, "requestId")?,
    })
}

async fn setup(
    State(service): State<Arc<Service>>,
    peer: Peer,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Reply<impl serde::Serialize> {
    let request = setup_request(&object(body)?)?;
    service
        .setup(&request, &client(&service, &peer, &headers))
        .await
        .map(Json)
}

async fn confirm(
    State(service): State<Arc<Service>>,
    peer: Peer,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Reply<impl serde::Serialize> {
    let map = object(body)?;
    let request = ConfirmRequest {
        owner_address: field(&map, "ownerAddress")?,
        two_factor_code: field(&map, "twoFactorCode")?,
    };
    service
        .confirm(&request, &client(&service, &peer, &headers))
        .await
        .map(Json)
}

async fn fund(
    State(service): State<Arc<Service>>,
    peer: Peer,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let request = match object(body).and_then(|map| fund_request(&map)) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    match service
        .fund(&request, &client(&service, &peer, &headers))
        .await
    {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

/// A token that is not valid UTF-8 (percent-decoded) is no token: `QR_NOT_FOUND`.
async fn qr(
    State(service): State<Arc<Service>>,
    token: Result<Path<String>, PathRejection>,
) -> Response {
    let Ok(Path(token)) = token else {
        return ApiError::new(FaucetCode::QrNotFound).into_response();
    };
    match service.qr_image(&token).await {
        Ok((format, image)) => (
            [
                (header::CONTENT_TYPE, format.content_type()),
                (header::CACHE_CONTROL, "no-store"),
            ],
            image,
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

async fn health(State(service): State<Arc<Service>>) -> Response {
    let chains: Vec<&str> = service
        .config
        .chains
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    match sqlx::query("SELECT 1").execute(service.store.pool()).await {
        Ok(_) => Json(json!({"status": "ok", "chains": chains})).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

async fn not_found() -> Response {
    ApiError::new(FaucetCode::NotFound).into_response()
}
