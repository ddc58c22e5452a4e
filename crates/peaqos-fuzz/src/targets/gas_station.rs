//! Gas Station paths and bodies through its router (in process; SQLite; the devnet as its
//! chain). Properties: every error is the documented envelope
//! `{"status":"error","code":…,"message":…}`, every JSON success has a `status`, a QR image
//! is an SVG or PNG, and no input gets a 500.

use serde_json::{Value, json};

use super::{Target, http_case, stack, violated};
use crate::engine::ExecResult;

/// Gas Station.
pub(super) const TARGET: Target = Target {
    name: "gas-station-http",
    about: "Gas Station paths + bodies (+ methods, headers) through its router: errors in the \
            {status:error, code, message} envelope, JSON successes with a status, never a 500",
    prepare: stack::prepare,
    seeds,
    dictionary: &[
        "ownerAddress",
        "targetWalletAddress",
        "chainId",
        "twoFactorCode",
        "requestId",
        "format",
        "svg",
        "png",
        "local",
        "peaq",
        "agung",
        "/2fa/setup",
        "/2fa/confirm",
        "/faucet/fund",
        "/faucet/2fa/setup",
        "/2fa/qr/",
        "/health",
        "000000",
        "123456",
        "POST ",
        "GET ",
        "content-type: text/plain",
        "host: ",
        "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
        "0x0000000000000000000000000000000000000000",
    ],
    json_aware: true,
    run,
};

const ROUTES: &[&str] = &["2fa", "faucet", "health"];

fn seeds() -> Vec<Vec<u8>> {
    let Ok(s) = stack::stack() else {
        return Vec::new();
    };
    let owner = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    let target = format!("{:#x}", s.devnet.accounts[4].address);
    let fund = json!({
        "ownerAddress": owner, "targetWalletAddress": target, "chainId": "local",
        "twoFactorCode": "123456", "requestId": "11111111-2222-4333-8444-555555555555"
    });
    let mut seeds = vec![
        http_case::case("POST", "/2fa/setup", &json!({"ownerAddress": owner}).to_string()),
        http_case::case("POST", "/faucet/2fa/setup", &json!({"ownerAddress": "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", "format": "png"}).to_string()),
        http_case::case("POST", "/2fa/confirm", &json!({"ownerAddress": owner, "twoFactorCode": "000000"}).to_string()),
        http_case::case("POST", "/faucet/fund", &fund.to_string()),
        http_case::case("GET", "/health", ""),
        http_case::case("GET", "/nope", ""),
        http_case::case("GET", "/faucet/fund", ""),
        format!("POST /2fa/setup\nhost: evil.example\n\n{}", json!({"ownerAddress": owner})).into_bytes(),
    ];
    if let Some(qr) = &s.qr_path {
        seeds.push(http_case::case("GET", qr, ""));
    }
    seeds
}

fn run(input: &[u8]) -> ExecResult {
    let s = stack::stack().map_err(crate::engine::Failure::Property)?;
    let Some(req) = http_case::request(input) else {
        return Ok("unrepresentable".into());
    };
    let route = http_case::route_label(&req, ROUTES);
    let qr = req.uri().path().starts_with("/2fa/qr/");
    let head = req.method() == axum::http::Method::HEAD;
    let answer = http_case::send(&s.runtime, &s.gas_station, req);
    let status = answer.status;
    if status == 200 && qr {
        return if answer.content_type == "image/svg+xml" || answer.content_type == "image/png" {
            Ok("200 qr".into())
        } else {
            violated(format!(
                "a QR image with another content type: {:?}",
                answer.content_type
            ))
        };
    }
    let Some(body) = http_case::json_body(&answer, &route, head)? else {
        return Ok(format!("{status} {route} head"));
    };
    let field = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
    if status >= 400 {
        return match (field("status").as_deref(), field("code"), field("message")) {
            (Some("error"), Some(code), Some(_)) => Ok(format!("{status} {route} {code}")),
            _ => violated(format!(
                "HTTP {status} outside the error envelope: on /{route}"
            )),
        };
    }
    match field("status") {
        Some(st) => Ok(format!(
            "{status} {route} {st} {}",
            field("code").unwrap_or_default()
        )),
        None => violated(format!("HTTP {status} without a status: on /{route}")),
    }
}
