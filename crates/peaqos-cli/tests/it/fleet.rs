//! A fleet past the `machines` attribute's cap: 250 machines onboarded by one proxy (three
//! `onboard_fleet` calls, so the list is appended to twice). The attribute holds the newest
//! 100; the MCR operator endpoint pages through all 250 from the on-chain operator relation
//! with a truthful `total`; our SDK, `peaqos show operator machines --all` and the official
//! Python SDK's `query_operator_machines` (on every page) all see the whole fleet.

use crate::common;

use std::{path::PathBuf, time::Duration};

use alloy::primitives::U256;
use common::Cli;
use peaqos_sdk::{
    ClientConfig, NetworkConfig, PeaqosClient,
    fleet::{FleetMachine, FleetOptions},
};
use peaqos_stack::{LocalStack, StackConfig};
use peaqos_test_utils::{
    PEAQ,
    devnet::{FUNDER_ACCOUNT, funded_key},
    interop::{official_sdk_python, run_python_script},
};
use peaqos_types::{DataVisibility, Did};
use serde_json::Value;

/// The fleet: past the attribute's cap of 100, not a multiple of the page size.
const FLEET: usize = 250;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Python: the official peaqOS clients in .venv-interop (scripts/test.sh)"]
async fn a_fleet_of_250_pages_through_everywhere() {
    let python = official_sdk_python().unwrap_or_else(|why| panic!("{why}"));
    let stack = LocalStack::start(StackConfig::ephemeral(), |_| {})
        .await
        .expect("stack");
    let network =
        NetworkConfig::new(&stack.devnet.url, stack.contracts()).with_api_url(stack.mcr.url());
    let funder = PeaqosClient::new(ClientConfig::new(
        network.clone(),
        peaqos_sdk::Signer::from(stack.devnet.accounts[FUNDER_ACCOUNT].signer()),
    ))
    .expect("funder");
    let proxy = funder
        .with_signer(funded_key(&funder, 400).await.signer())
        .expect("proxy");
    let options = FleetOptions {
        fund_wei: U256::from(PEAQ / 20),
    };
    let mut ids: Vec<U256> = Vec::new();
    for round in [100, 100, 50] {
        let fleet: Vec<FleetMachine> = (0..round)
            .map(|_| {
                FleetMachine::generate(
                    "https://docs.example",
                    "https://api.example",
                    DataVisibility::Public,
                )
            })
            .collect();
        let report = proxy.onboard_fleet(&fleet, options).await.expect("onboard");
        assert!(report.proxy_did_tx.is_some());
        ids.extend(report.machines.iter().map(|m| m.machine_id));
    }
    assert_eq!(ids.len(), FLEET);

    // The attribute: the newest 100, oldest first.
    let listed = proxy
        .read_attribute(proxy.address(), "machines")
        .await
        .expect("read")
        .expect("machines");
    let newest: Vec<String> = ids[FLEET - 100..].iter().map(U256::to_string).collect();
    assert_eq!(listed.value, format!("[{}]", newest.join(", ")));

    // The MCR, page by page through our SDK: every machine once, `total` 250.
    stack
        .wait_indexed(Duration::from_secs(120))
        .await
        .expect("indexed");
    let did = Did::new(proxy.address()).to_string();
    let mut seen: Vec<u64> = Vec::new();
    for offset in (0..FLEET as u64).step_by(20) {
        let page = proxy
            .query_operator_machines(&did, Some(offset), Some(20))
            .await
            .expect("page");
        assert_eq!(page.pagination.total, FLEET as u64, "offset {offset}");
        assert_eq!(page.machines.len(), 20.min(FLEET - offset as usize));
        seen.extend(page.machines.iter().map(|m| m.machine_id));
    }
    let past_the_end = proxy
        .query_operator_machines(&did, Some(FLEET as u64), Some(20))
        .await
        .expect("past the end");
    assert!(past_the_end.machines.is_empty());
    let mut all: Vec<u64> = ids.iter().map(|id| id.to::<u64>()).collect();
    all.sort_unstable();
    let mut sorted = seen.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, all, "every machine exactly once");
    let whole = proxy
        .mcr()
        .query_all_operator_machines(&did)
        .await
        .expect("all");
    assert_eq!(whole.machines.len(), FLEET);
    assert_eq!(whole.pagination.total, FLEET as u64);

    // The CLI walks every page.
    let cli = Cli::new();
    cli.write_env(&stack.env_file());
    let r = cli
        .run_async(&["show", "operator", "machines", &did, "--all", "--json"])
        .await;
    r.expect(0);
    let out: Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(out["machines"].as_array().map(Vec::len), Some(FLEET));
    assert_eq!(out["pagination"]["total"], FLEET);
    let r = cli
        .run_async(&["show", "operator", "machines", &did, "--all"])
        .await;
    r.expect(0);
    assert!(r.stdout.contains("Machines: 250"), "{}", r.stdout);
    assert!(!r.stdout.contains("next page"), "{}", r.stdout);

    // The official SDK accepts every page.
    std::fs::write(cli.path().join(".env"), stack.env_file()).expect("env");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("interop")
        .join("official_operator_pages.py");
    let output = run_python_script(
        &python,
        &script,
        cli.path(),
        &[
            (
                "FLEET_ENV_FILE",
                cli.path().join(".env").display().to_string(),
            ),
            ("FLEET_OPERATOR", did.clone()),
            (
                "FLEET_MACHINE_IDS",
                serde_json::to_string(&all).expect("ids"),
            ),
            ("FLEET_PAGE_LIMIT", "20".to_owned()),
        ],
        Duration::from_secs(120),
    )
    .await
    .expect("script runs");
    let passed = output
        .check_report("official_operator_pages", 14)
        .unwrap_or_else(|why| panic!("{why}"));
    assert_eq!(passed, 14, "13 pages and the whole-fleet check");
    stack.shutdown().await.expect("shutdown");
}
