//! `qualify mcr`, `show machine`, `show operator machines` against a local HTTP server that
//! plays documented MCR API responses: human and JSON output snapshots, 404/503 exit codes.
//! (The end-to-end tests run the same commands against the real MCR service.)

use crate::common;

use axum::{
    Json, Router,
    extract::Path,
    http::{StatusCode, Uri},
    response::IntoResponse,
    routing::get,
};
use common::{Cli, redact, snapshot};
use serde_json::{Value, json};

const MACHINE: &str = "did:peaq:0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const OPERATOR: &str = "did:peaq:0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const UNKNOWN: &str = "did:peaq:0x0000000000000000000000000000000000000001";
const DOWN: &str = "did:peaq:0x0000000000000000000000000000000000000002";

fn err(status: StatusCode, detail: &str) -> axum::response::Response {
    (status, Json(json!({ "detail": detail }))).into_response()
}

async fn mcr(Path(did): Path<String>) -> axum::response::Response {
    match did.as_str() {
        MACHINE => Json(json!({
            "did": did, "machine_id": 7, "mcr_score": 72, "mcr": "BBB", "mcr_degraded": false,
            "bond_status": "bonded", "negative_flag": false, "event_count": 3,
            "revenue_event_count": 2, "activity_event_count": 1, "revenue_trend": "up",
            "total_revenue": 35000, "average_revenue_per_event": 17500.0,
            "last_updated": 1_777_200_000
        }))
        .into_response(),
        DOWN => err(StatusCode::SERVICE_UNAVAILABLE, "Chain unavailable"),
        _ => err(StatusCode::NOT_FOUND, "Machine not registered"),
    }
}

async fn machine(Path(did): Path<String>) -> axum::response::Response {
    if did != MACHINE {
        return err(StatusCode::NOT_FOUND, "Machine not registered");
    }
    Json(json!({
        "schema_version": "1.0", "name": "Machine #3",
        "peaqos": {
            "machine_id": 7, "did": did, "operator": OPERATOR, "mcr": "BBB", "mcr_score": 72,
            "bond_status": "bonded", "negative_flag": false, "event_count": 3,
            "data_visibility": "onchain", "documentation_url": "https://example.com/docs",
            "event_data": [
                {"event_type": 1, "origin_value": 0, "timestamp": 1_777_100_000, "trust_level": 0, "metadata": {}},
                {"event_type": 0, "origin_value": 12345, "timestamp": 1_777_200_000, "trust_level": 0,
                 "metadata": {"session": "a"}, "origin_currency": "HKD", "usd_value": 1580,
                 "origin_subunit": 100, "usd_subunit": 100, "amount_status": "ok"}
            ]
        }
    }))
    .into_response()
}

async fn operator(Path(did): Path<String>, uri: Uri) -> axum::response::Response {
    let query = uri.query().unwrap_or_default().to_owned();
    let get = |k: &str| {
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(n, _)| *n == k)
            .and_then(|(_, v)| v.parse::<u64>().ok())
    };
    let (offset, limit) = (get("offset").unwrap_or(0), get("limit").unwrap_or(20));
    if did == UNKNOWN {
        return Json(json!({"operator_did": did, "machines": [], "pagination": {"offset": 0, "limit": 20, "total": 0}})).into_response();
    }
    if did != OPERATOR {
        return err(StatusCode::NOT_FOUND, "Operator not found");
    }
    let all: Vec<Value> = (0..3u64)
        .map(|i| {
            let (score, rating) = [(88, "AA"), (45, "BB"), (0, "Provisioned")][i as usize];
            json!({"did": format!("did:peaq:0x{:040x}", 0xa0 + i), "machine_id": 10 + i,
                   "mcr_score": score, "mcr": rating, "negative_flag": false})
        })
        .collect();
    let page: Vec<Value> = all
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .collect();
    Json(json!({"operator_did": did, "machines": page, "pagination": {"offset": offset, "limit": limit, "total": 3}}))
        .into_response()
}

async fn server() -> String {
    let app = Router::new()
        .route("/mcr/{did}", get(mcr))
        .route("/machine/{did}", get(machine))
        .route("/operator/{did}/machines", get(operator));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mcr_reads_against_documented_responses() {
    let url = server().await;
    let mut cli = Cli::new();
    // Only the MCR API URL: the read commands need no key or contracts.
    cli.set("PEAQOS_MCR_API_URL", &url);
    let tmp = cli.path().to_path_buf();
    let cases: &[(&str, &[&str])] = &[
        ("qualify_mcr_human", &["qualify", "mcr", MACHINE]),
        ("qualify_mcr_json", &["qualify", "mcr", MACHINE, "--json"]),
        ("show_machine_human", &["show", "machine", MACHINE]),
        ("show_machine_json", &["show", "machine", MACHINE, "--json"]),
        (
            "show_operator_human",
            &["show", "operator", "machines", OPERATOR],
        ),
        (
            "show_operator_json",
            &["show", "operator", "machines", OPERATOR, "--json"],
        ),
        (
            "show_operator_page",
            &[
                "show", "operator", "machines", OPERATOR, "--offset", "1", "--limit", "1",
            ],
        ),
        (
            "show_operator_empty",
            &["show", "operator", "machines", UNKNOWN],
        ),
    ];
    for (name, args) in cases {
        let r = cli.run_async(args).await;
        r.expect(0);
        snapshot(name, &redact(&r.stdout, &tmp));
    }
    // The JSON output is the API object and parses back.
    let r = cli.run_async(&["qualify", "mcr", MACHINE, "--json"]).await;
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(
        (v["mcr"].as_str(), v["mcr_score"].as_u64()),
        (Some("BBB"), Some(72))
    );

    let errors: &[(&[&str], &str)] = &[
        (&["qualify", "mcr", UNKNOWN], "Machine not found"),
        (&["qualify", "mcr", DOWN], "MCR API unavailable"),
        (
            &["show", "machine", UNKNOWN],
            "Machine not found: did:peaq:0x0000000000000000000000000000000000000001",
        ),
        (
            &["show", "operator", "machines", DOWN],
            "Operator not found",
        ),
    ];
    for (args, needle) in errors {
        let r = cli.run_async(args).await;
        r.expect(2);
        assert!(r.stderr.contains(needle), "{args:?}: {}", r.stderr);
    }
}
