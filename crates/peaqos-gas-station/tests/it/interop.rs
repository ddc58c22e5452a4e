//! Interop: the official `peaq-os-sdk==0.1.0` faucet client (`setup_faucet_2fa`,
//! `confirm_faucet_2fa`, `fund_from_gas_station`) against our Gas Station on an in-process
//! devnet (our SDK's client is tested against it in `peaqos-sdk`'s `gas_station_client`). The
//! client computes TOTP codes from the otpauth secret.

use crate::common;

use std::{path::Path, time::Duration};

use alloy::primitives::{B256, U256};
use common::*;
use peaqos_test_utils::{
    ScratchDir,
    interop::{official_sdk_python, run_python_script},
};

/// The checks the script makes when everything runs.
const MIN_CHECKS: usize = 21;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs Python: the official peaqOS clients in .venv-interop (scripts/test.sh)"]
async fn official_python_sdk_against_the_gas_station() {
    let python = official_sdk_python().unwrap_or_else(|why| panic!("{why}"));
    let devnet = devnet().await;
    let db = TestDb::sqlite();
    let s = station(config(&devnet, &db)).await;
    let dir = ScratchDir::new("gas-station-interop").expect("temp dir");
    let env_path = dir.write(".env", devnet.env_file(1)).expect("write .env");
    let target = random_address();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/official_faucet.py");
    let env = [
        ("INTEROP_ENV_FILE", env_path.display().to_string()),
        ("FAUCET_URL", s.url()),
        ("TARGET", target.to_checksum(None)),
        ("RICH_TARGET", devnet.accounts[2].address.to_checksum(None)),
        // What the official CLI sends on its default (mainnet) network setting.
        ("CHAIN_ID", "peaq".to_owned()),
        ("DO_NOT_TRACK", "1".to_owned()),
        ("PEAQOS_TELEMETRY", "0".to_owned()),
    ];
    let run = run_python_script(&python, &script, dir.path(), &env, Duration::from_secs(120))
        .await
        .unwrap_or_else(|e| panic!("run the script: {e}"));
    let passed = run
        .check_report("official_faucet", MIN_CHECKS)
        .unwrap_or_else(|e| panic!("official SDK against the Gas Station: {e}"));
    let line = |prefix: &str| {
        run.stdout
            .iter()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no {prefix} line"))
            .to_owned()
    };
    let tx: B256 = line("TX_HASH ").parse().expect("tx hash");
    let funded: U256 = line("FUNDED ").parse().expect("amount");
    assert_eq!(
        balance(&devnet, target).await,
        funded,
        "the target got what the faucet said (tx {tx})"
    );
    assert_eq!(funded, s.service().config.chains[0].amount);
    eprintln!("official_faucet: {passed} passed, 0 failed");
    s.shutdown().await;
    db.cleanup().await;
    devnet.shutdown().await.expect("devnet stops");
}
