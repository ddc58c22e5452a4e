//! The HTTP API (axum): JSON envelopes, size-limited bodies.

use std::sync::Arc;

use axum::{
    Json, Router,
    body::Bytes,
    extract::{DefaultBodyLimit, Path, State, rejection::BytesRejection},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::{Map, Value, json};

use peaqos_types::faucet::{
    CONFIRM_PATH, ConfirmRequest, FUND_PATH, FundRequest, QR_PATH_PREFIX, QrFormat, SETUP_PATH,
    SetupRequest,
};

use crate::{ApiError, FaucetCode, service::Service};

/// The router over `service`.
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
        .with_state(service)
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

/// `/2fa/setup`: `format` absent or `null` is SVG.
fn setup_request(map: &Map<String, Value>) -> Result<SetupRequest, ApiError> {
    let owner_address = field(map, "ownerAddress")?;
    let bad_format =
        || ApiError::with_detail(FaucetCode::InvalidPayload, "format must be svg or png");
    let format = match map.get("format") {
        None | Some(Value::Null) => QrFormat::Svg,
        Some(Value::String(f)) => f.parse().map_err(|_| bad_format())?,
        Some(_) => return Err(bad_format()),
    };
    Ok(SetupRequest {
        owner_address,
        format,
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

/// `public_url`, else `http://` + the request's `Host`.
fn base_url(service: &Service, headers: &HeaderMap) -> String {
    if let Some(url) = &service.config.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_graphic()))
        .map_or_else(|| service.config.bind.to_string(), str::to_owned);
    format!("http://{host}")
}

async fn setup(
    State(service): State<Arc<Service>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Reply<impl serde::Serialize> {
    let request = setup_request(&object(body)?)?;
    let base = base_url(&service, &headers);
    service.setup(&request, &base).await.map(Json)
}

async fn confirm(
    State(service): State<Arc<Service>>,
    body: Result<Bytes, BytesRejection>,
) -> Reply<impl serde::Serialize> {
    let map = object(body)?;
    let request = ConfirmRequest {
        owner_address: field(&map, "ownerAddress")?,
        two_factor_code: field(&map, "twoFactorCode")?,
    };
    service.confirm(&request).await.map(Json)
}

async fn fund(
    State(service): State<Arc<Service>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let request = match object(body).and_then(|map| fund_request(&map)) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    match service.fund(&request).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn qr(State(service): State<Arc<Service>>, Path(token): Path<String>) -> Response {
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
    (
        StatusCode::NOT_FOUND,
        Json(json!({"status": "error", "code": "NOT_FOUND", "message": "no such endpoint"})),
    )
        .into_response()
}
