//! Interop: the official `peaq-os-sdk==0.1.0` faucet client (`setup_faucet_2fa`,
//! `confirm_faucet_2fa`, `fund_from_gas_station`) and our SDK's `GasStationClient` against our
//! Gas Station on an in-process devnet. The clients compute TOTP codes from the otpauth secret.

use crate::common;

use std::{path::Path, time::Duration};

use alloy::primitives::{B256, U256};
use common::*;
use peaqos_gas_station::totp;
use peaqos_sdk::gas_station::{FaucetCode, FundOutcome, GasStationClient, QrFormat};
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_sdk_against_the_gas_station() {
    let devnet = devnet().await;
    let db = TestDb::sqlite();
    let s = station(config(&devnet, &db)).await;
    let faucet = GasStationClient::new(reqwest::Client::new(), s.url());
    let owner = random_address().to_checksum(None);

    let setup = faucet
        .setup_faucet_2fa(&owner, QrFormat::Png)
        .await
        .expect("setup");
    assert_eq!(setup.owner_address, owner);
    let png = reqwest::get(&setup.qr_image_url).await.expect("qr");
    assert_eq!(png.headers()["content-type"], "image/png");
    let secret = totp::secret_of_uri(&setup.otpauth_uri)
        .expect("secret")
        .to_vec();
    fresh_step(10).await;
    let c = code(&secret, 0);
    faucet
        .confirm_faucet_2fa(&owner, &c)
        .await
        .expect("confirm");
    let again = faucet
        .setup_faucet_2fa(&owner, QrFormat::Svg)
        .await
        .expect_err("configured");
    assert_eq!(
        FaucetCode::of(&again),
        Some(FaucetCode::TwoFaAlreadyConfigured)
    );

    let target = random_address();
    let outcome = faucet
        .fund_from_gas_station(&owner, &target.to_checksum(None), "local", &c, None)
        .await
        .expect("fund");
    let FundOutcome::Funded {
        tx_hash,
        funded_amount,
        request_id,
    } = outcome
    else {
        panic!("expected a transfer, got {outcome:?}");
    };
    assert_eq!(balance(&devnet, target).await, funded_amount);
    assert_ne!(tx_hash, B256::ZERO);
    let repeat = faucet
        .fund_from_gas_station(
            &owner,
            &target.to_checksum(None),
            "local",
            &c,
            Some(request_id),
        )
        .await
        .expect_err("processed");
    assert_eq!(
        FaucetCode::of(&repeat),
        Some(FaucetCode::RequestAlreadyProcessed)
    );
    let rich = devnet.accounts[3].address.to_checksum(None);
    let skipped = faucet
        .fund_from_gas_station(&owner, &rich, "agung", &code(&secret, 1), None)
        .await
        .expect("skipped");
    assert!(
        matches!(skipped, FundOutcome::Skipped { min_gas_balance, .. } if min_gas_balance == s.service().config.chains[0].min_gas_balance)
    );
    let wrong = faucet
        .fund_from_gas_station(
            &owner,
            &random_address().to_checksum(None),
            "local",
            "000000",
            None,
        )
        .await
        .expect_err("wrong code");
    if (-1..=1).all(|o| code(&secret, o) != "000000") {
        assert_eq!(FaucetCode::of(&wrong), Some(FaucetCode::Invalid2fa));
    }
    s.shutdown().await;
    db.cleanup().await;
    devnet.shutdown().await.expect("devnet stops");
}
