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

use crate::{
    ApiError, FaucetCode,
    qr::QrFormat,
    service::{FundRequest, Service},
};

/// The router over `service`.
pub fn router(service: Arc<Service>) -> Router {
    let limit = service.config.max_body_bytes;
    Router::new()
        .route("/2fa/setup", post(setup))
        .route("/faucet/2fa/setup", post(setup))
        .route("/2fa/confirm", post(confirm))
        .route("/faucet/2fa/confirm", post(confirm))
        .route("/faucet/fund", post(fund))
        .route("/2fa/qr/{token}", get(qr))
        .route("/health", get(health))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(limit))
        .with_state(service)
}

type Reply = Result<Json<Value>, ApiError>;

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
fn field<'a>(map: &'a Map<String, Value>, name: &str) -> Result<&'a str, ApiError> {
    map.get(name).and_then(Value::as_str).ok_or_else(|| {
        ApiError::with_detail(
            FaucetCode::InvalidPayload,
            format!("{name} must be a string"),
        )
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
) -> Reply {
    let map = object(body)?;
    let owner = field(&map, "ownerAddress")?;
    let format = match map.get("format") {
        None | Some(Value::Null) => QrFormat::Svg,
        Some(Value::String(f)) => QrFormat::parse(f).ok_or_else(|| {
            ApiError::with_detail(FaucetCode::InvalidPayload, "format must be svg or png")
        })?,
        Some(_) => {
            return Err(ApiError::with_detail(
                FaucetCode::InvalidPayload,
                "format must be svg or png",
            ));
        }
    };
    let base = base_url(&service, &headers);
    service.setup(owner, format, &base).await.map(Json)
}

async fn confirm(
    State(service): State<Arc<Service>>,
    body: Result<Bytes, BytesRejection>,
) -> Reply {
    let map = object(body)?;
    let owner = field(&map, "ownerAddress")?;
    let code = field(&map, "twoFactorCode")?;
    service.confirm(owner, code).await.map(Json)
}

async fn fund(
    State(service): State<Arc<Service>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let request = match object(body).and_then(|map| {
        Ok(FundRequest {
            owner: field(&map, "ownerAddress")?.to_owned(),
            target: field(&map, "targetWalletAddress")?.to_owned(),
            chain_id: field(&map, "chainId")?.to_owned(),
            code: field(&map, "twoFactorCode")?.to_owned(),
            request_id: field(&map, "requestId")?.to_owned(),
        })
    }) {
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
