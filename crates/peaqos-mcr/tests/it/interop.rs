//! The official Python SDK (`peaq-os-sdk==0.1.0`, `$PEAQOS_INTEROP_PYTHON`) against our MCR API:
//! `query_mcr`, `query_machine` and `query_operator_machines` accept every response for the
//! scripted machines (every visibility, partner data, a fleet), and map 404 / 503 as documented.

use crate::common;

use std::{path::Path, time::Duration};

use common::*;
use peaqos_mcr::{McrConfig, McrService};
use peaqos_test_utils::{
    ScratchDir,
    interop::{official_sdk_python, run_python_script},
};
use peaqos_types::api::McrResponse;
use serde_json::{Value, json};

async fn mcr_of(base: &str, did: &str) -> McrResponse {
    reqwest::get(format!("{base}/mcr/{did}"))
        .await
        .expect("request")
        .json()
        .await
        .expect("mcr body")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Python: the official peaqOS clients in .venv-interop (scripts/test.sh)"]
async fn official_python_sdk_accepts_every_response() {
    let python = official_sdk_python().unwrap_or_else(|why| panic!("{why}"));
    let devnet = devnet().await;
    let dir = ScratchDir::new("mcr-interop").expect("dir");
    let s = Scenario::build(&devnet).await;
    let mcr = spawn_mcr(&devnet, &sqlite_url(&dir)).await;
    sync(&mcr, &client(&devnet, 0)).await;
    let base = mcr.url();

    let mut mcr_cases = Vec::new();
    for (label, m) in labelled(&s) {
        let r = mcr_of(&base, &m.did()).await;
        mcr_cases.push(json!({"label": label, "did": m.did(), "machine_id": m.id,
            "mcr": r.mcr.as_str(), "mcr_score": r.mcr_score, "event_count": r.event_count,
            "negative_flag": r.negative_flag}));
    }
    let all = [
        "data_api",
        "event_data",
        "partner_data",
        "partner_data_error",
    ];
    let machine = |label: &str, m: Machine, vis: &str, present: &[&str], extra: Value| {
        let absent: Vec<&str> = all
            .iter()
            .filter(|k| !present.contains(k))
            .copied()
            .collect();
        let name = m.token.map_or_else(
            || "Machine (no NFT)".to_owned(),
            |t| format!("Machine #{t}"),
        );
        let mut case = json!({"label": label, "did": m.did(), "machine_id": m.id,
            "data_visibility": vis, "name": name, "operator": Value::Null,
            "present": present, "absent": absent});
        if let (Some(c), Some(e)) = (case.as_object_mut(), extra.as_object()) {
            c.extend(e.clone());
        }
        case
    };
    let mut machine_cases = vec![
        machine(
            "onchain",
            s.onchain,
            "onchain",
            &["event_data"],
            json!({"event_data_len": 100}),
        ),
        machine("private", s.private, "private", &["data_api"], json!({})),
        machine(
            "public",
            s.public_ok,
            "public",
            &["partner_data"],
            json!({}),
        ),
        machine(
            "public-failing",
            s.public_bad,
            "public",
            &["partner_data_error"],
            json!({}),
        ),
        machine("bare", s.bare, "private", &[], json!({})),
        machine(
            "flagged",
            s.flagged,
            "onchain",
            &["event_data"],
            json!({"event_data_len": 3}),
        ),
        machine("proxy", s.proxy, "private", &[], json!({})),
    ];
    for (i, m) in s.fleet.iter().enumerate() {
        machine_cases.push(machine(
            &format!("fleet-{i}"),
            *m,
            "private",
            &["data_api"],
            json!({"operator": s.proxy.did()}),
        ));
    }
    let nobody = format!("did:peaq:{}", alloy::primitives::Address::repeat_byte(0x42));

    // A server in test mode for the 503 mapping.
    let test_dir = ScratchDir::new("mcr-interop-tm").expect("dir");
    let mut tm = McrConfig::from_lookup(|_| None).expect("defaults");
    tm.database_url = sqlite_url(&test_dir);
    tm.bind = "127.0.0.1:0".parse().expect("addr");
    let test_mode = McrService::spawn(tm).await.expect("test mode");

    let cases = json!({
        "mcr": mcr_cases,
        "machine": machine_cases,
        "operator": [
            {"label": "fleet", "did": s.proxy.did(),
             "machine_ids": s.fleet.iter().map(|m| m.id).collect::<Vec<_>>(), "total": 4},
            {"label": "nobody", "did": nobody, "machine_ids": [], "total": 0},
        ],
        "not_found": [nobody],
        "unavailable": {"api_url": test_mode.url(), "did": s.onchain.did()},
    });
    let env_file = dir.write(".env", devnet.env_file(1)).expect(".env");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/official_mcr.py");
    let out = run_python_script(
        &python,
        &script,
        dir.path(),
        &[
            ("MCR_ENV_FILE", env_file.display().to_string()),
            ("MCR_CASES", cases.to_string()),
            ("PEAQOS_MCR_API_URL", base.clone()),
        ],
        Duration::from_secs(50),
    )
    .await
    .expect("script ran");
    let expected = 1 + 10 + 10 + 2 + 2 + 1;
    let passed = out
        .check_report("official_mcr", expected)
        .expect("official SDK accepts all");
    assert_eq!(passed, expected);
    test_mode.shutdown().await;
    mcr.shutdown().await;
    devnet.shutdown().await.expect("devnet stops");
}

fn labelled(s: &Scenario) -> Vec<(String, Machine)> {
    let mut out = vec![
        ("onchain".to_owned(), s.onchain),
        ("private".into(), s.private),
        ("public".into(), s.public_ok),
        ("public-failing".into(), s.public_bad),
        ("bare".into(), s.bare),
        ("flagged".into(), s.flagged),
        ("proxy".into(), s.proxy),
    ];
    for (i, m) in s.fleet.iter().enumerate() {
        out.push((format!("fleet-{i}"), *m));
    }
    out
}
