//! MCR request paths and query strings through the MCR router (in process; a SQLite store
//! its indexer fills from the devnet, one registered machine with events). Properties: every
//! error is JSON `{"detail": …}` (a string, or FastAPI's list for 422), every success is JSON
//! (text for `/metrics`), and no input gets a 500.

use serde_json::Value;

use super::{Target, http_case, stack, violated};
use crate::engine::{ExecResult, signature};

/// MCR.
pub(super) const TARGET: Target = Target {
    name: "mcr-http",
    about: "MCR paths + query strings (+ methods, headers) through the MCR router: errors are \
            JSON {detail}, successes JSON (text for /metrics), never a 500",
    prepare: stack::prepare,
    seeds,
    dictionary: &[
        "/mcr/",
        "/explain",
        "/machine/",
        "/metadata/",
        "/machines/",
        "/operator/",
        "/machines",
        "/health",
        "/ready",
        "/metrics",
        "/openapi.json",
        "?offset=",
        "&limit=",
        "did:peaq:",
        "0x",
        "%",
        "%FF",
        "%2F",
        "//",
        "GET ",
        "POST ",
        "HEAD ",
        "OPTIONS ",
        "?",
        "&",
        "=",
        "#",
    ],
    json_aware: false,
    run,
};

const ROUTES: &[&str] = &[
    "health",
    "ready",
    "metrics",
    "openapi.json",
    "mcr",
    "machine",
    "metadata",
    "machines",
    "operator",
];

fn seeds() -> Vec<Vec<u8>> {
    let Ok(s) = stack::stack() else {
        return Vec::new();
    };
    let did = format!("did:peaq:{}", s.machine_wallet);
    let lower = format!("{:#x}", s.machine_wallet);
    let id = s.machine_id;
    [
        "GET /health".to_owned(),
        "GET /ready".to_owned(),
        "GET /metrics".to_owned(),
        "GET /openapi.json".to_owned(),
        format!("GET /mcr/{did}"),
        format!("GET /mcr/{lower}"),
        format!("GET /mcr/{did}/explain"),
        format!("GET /machine/{did}"),
        format!("GET /metadata/{id}"),
        format!("GET /machines/{id}"),
        format!("GET /operator/{did}/machines?offset=0&limit=10"),
        format!("GET /operator/{did}/machines?limit=abc"),
        "GET /mcr/did:peaq:0x1234".to_owned(),
        "GET /metadata/18446744073709551616".to_owned(),
        "GET /nope".to_owned(),
        "POST /health".to_owned(),
        format!("GET /mcr/{did}\nx-forwarded-for: 10.0.0.1\n\n"),
    ]
    .into_iter()
    .map(String::into_bytes)
    .collect()
}

fn run(input: &[u8]) -> ExecResult {
    let s = stack::stack().map_err(crate::engine::Failure::Property)?;
    let Some(req) = http_case::request(input) else {
        return Ok("unrepresentable".into());
    };
    let route = http_case::route_label(&req, ROUTES);
    let head = req.method() == axum::http::Method::HEAD;
    let answer = http_case::send(&s.runtime, &s.mcr, req);
    let status = answer.status;
    if status == 200 && route == "metrics" {
        return if answer.content_type.starts_with("text/plain") {
            Ok("200 metrics".into())
        } else {
            violated(format!(
                "/metrics with another content type: {:?}",
                answer.content_type
            ))
        };
    }
    let Some(body) = http_case::json_body(&answer, &route, head)? else {
        return Ok(format!("{status} {route} head"));
    };
    if status >= 400 {
        return match body.get("detail") {
            Some(Value::String(d)) => Ok(format!(
                "{status} {route} {}",
                signature(&d.chars().take(40).collect::<String>())
            )),
            Some(Value::Array(_)) if status == 422 => Ok(format!("{status} {route} validation")),
            _ => violated(format!("HTTP {status} without a detail: on /{route}")),
        };
    }
    if !body.is_object() {
        return violated(format!(
            "HTTP {status} with a JSON body that is not an object: on /{route}"
        ));
    }
    Ok(format!("{status} {route}"))
}
