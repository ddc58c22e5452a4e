//! The operator dashboard under `/ui` (on when [`McrConfig::ui`](crate::McrConfig::ui) is
//! set): server-rendered HTML that works without JavaScript, charts as inline SVG drawn by
//! `plotters`, a small script that refreshes the page's content when the indexer moves (no
//! reload), everything served locally under a strict Content-Security-Policy. The pages read
//! the same data as the API, through the same functions, so they show what the API shows and
//! nothing more (visibility included).
//!
//! - `GET /ui`: find a fleet or machine by DID;
//! - `GET /ui/operator/{did}`: the fleet page ([`fleet`]);
//! - `GET /ui/machine/{did}`: the machine page ([`machine`]);
//! - `GET /ui/live`: the indexer position the script polls;
//! - `GET /ui/assets/…`: the stylesheet and the script.

mod charts;
pub mod fleet;
mod html;
pub mod machine;

use std::collections::HashMap;

use axum::{
    Json, Router,
    extract::{Query, Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::{self, Next},
    response::{Html, IntoResponse, Redirect, Response},
    routing::get,
};
use serde_json::json;

use crate::api::{ApiError, AppState, MAX_URI_BYTES, Shared, parse_did};

/// The stylesheet's path.
pub const CSS_PATH: &str = "/ui/assets/ui.css";
/// The script's path.
pub const JS_PATH: &str = "/ui/assets/ui.js";
/// The icon's path (browsers ask for one; without it they log a 404).
pub const ICON_PATH: &str = "/ui/assets/favicon.svg";
/// The path the script polls for the indexer position.
pub const LIVE_PATH: &str = "/ui/live";

/// Every `/ui` answer carries this policy: only this origin's stylesheet and script, inline
/// SVG, no inline script or style, no frames, `fetch` to this origin only.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
    style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; \
    base-uri 'none'; frame-ancestors 'none'";

const CSS: &str = include_str!("assets/ui.css");
const JS: &str = include_str!("assets/ui.js");
const ICON: &str = include_str!("assets/favicon.svg");

/// The dashboard's routes (the API adds its rate limit).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ui", get(index))
        .route("/ui/", get(index))
        .route("/ui/find", get(find))
        .route("/ui/operator/{did}", get(fleet::get_fleet))
        .route("/ui/machine/{did}", get(machine::get_machine_page))
        .route(LIVE_PATH, get(live))
        .route(CSS_PATH, get(css))
        .route(JS_PATH, get(js))
        .route(ICON_PATH, get(icon))
        .route("/ui/{*rest}", get(not_found))
        .layer(middleware::from_fn(headers))
}

/// Security headers on every answer; request targets over [`MAX_URI_BYTES`] refused.
async fn headers(req: Request, next: Next) -> Response {
    let target = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    let mut res = if target > MAX_URI_BYTES {
        error_page(&ApiError::new(StatusCode::URI_TOO_LONG, "URI Too Long"))
    } else {
        next.run(req).await
    };
    let h = res.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// An error as a page with the API's status and message.
pub(crate) fn error_page(e: &ApiError) -> Response {
    let detail = match &e.detail {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let body = format!(
        "<h1>{status}</h1><p class=\"error\">{detail}</p><p><a href=\"/ui\">Back to the dashboard</a></p>",
        status = html::esc(&e.status.to_string()),
        detail = html::esc(&detail),
    );
    (e.status, Html(html::page("Error", &body, None))).into_response()
}

/// A page result: HTML, or the error as a page.
pub(crate) fn respond(page: Result<String, ApiError>) -> Response {
    match page {
        Ok(body) => Html(body).into_response(),
        Err(e) => error_page(&e),
    }
}

async fn not_found() -> Response {
    error_page(&ApiError::new(StatusCode::NOT_FOUND, "Not Found"))
}

async fn index() -> Response {
    let body = "<h1>MCR dashboard</h1>\
<form method=\"get\" action=\"/ui/find\" class=\"find\">\
<label for=\"did\">Operator or machine DID</label>\
<input id=\"did\" name=\"did\" required maxlength=\"120\" placeholder=\"did:peaq:0x…\" autocomplete=\"off\" spellcheck=\"false\">\
<button type=\"submit\">Open</button></form>\
<p>An operator DID opens its fleet; a machine DID opens the machine.</p>";
    Html(html::page("Dashboard", body, None)).into_response()
}

/// `GET /ui/find?did=`: to the fleet page when the DID lists machines, else the machine page.
async fn find(State(s): State<AppState>, Query(q): Query<HashMap<String, String>>) -> Response {
    let raw = q.get("did").map(|d| d.trim()).unwrap_or_default();
    let address = match parse_did(raw) {
        Ok(a) => a,
        Err(e) => return error_page(&e),
    };
    let did = crate::api::did_of(address);
    match s.operator_machine_ids(address).await {
        Ok(ids) if !ids.is_empty() => {
            Redirect::to(&format!("/ui/operator/{}", html::url_part(&did))).into_response()
        }
        Ok(_) => Redirect::to(&format!("/ui/machine/{}", html::url_part(&did))).into_response(),
        Err(e) => error_page(&e),
    }
}

/// The indexer position: the script refreshes the page when it changes.
pub(crate) fn live_stamp(s: &Shared) -> String {
    format!(
        "{}-{}",
        s.status.generation(),
        s.status.indexed_block().unwrap_or(0)
    )
}

async fn live(State(s): State<AppState>) -> Response {
    Json(json!({ "stamp": live_stamp(&s) })).into_response()
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

async fn css() -> Response {
    asset("text/css; charset=utf-8", CSS)
}

async fn js() -> Response {
    asset("text/javascript; charset=utf-8", JS)
}

async fn icon() -> Response {
    asset("image/svg+xml", ICON)
}
