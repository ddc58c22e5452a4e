//! Crash safety: the server binary dies right after broadcasting a transfer and before
//! recording its result (fault hook `GAS_STATION_FAULT=exit-after-broadcast`), or after
//! persisting it and before broadcasting (`exit-before-broadcast`). Restarted on the same
//! database, it reconciles with the chain: the same `requestId` returns the original result and
//! exactly one transfer exists.

use crate::common;

use std::process::Stdio;

use common::{process::*, *};
use peaqos_gas_station::{FaucetCode, service::FAULT_EXIT_CODE};
use sqlx::{Connection as _, Row as _};

/// The configured amount (the file/env default: 1 PEAQ).
fn amount() -> alloy::primitives::U256 {
    peaq(1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_after_broadcast_restart_never_funds_twice() {
    crash_and_restart("exit-after-broadcast", true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_before_broadcast_restart_sends_the_persisted_transfer_once() {
    crash_and_restart("exit-before-broadcast", false).await;
}

/// Dies at `fault` during a fund request; `sent` says whether the transfer reached the chain
/// before the death. After a restart exactly one transfer exists and the request id answers
/// with it.
async fn crash_and_restart(fault: &str, sent: bool) {
    let devnet = devnet().await;
    let http = http();
    let db = TestDb::sqlite();
    let server_key = "5a".repeat(32);

    let (child, url) = start(&devnet, &db.url, &server_key, Some(fault));
    let owner = random_address();
    let secret = enroll(&http, &url, owner).await;
    let target = random_address();
    let request_id = uuid::Uuid::new_v4().to_string();
    let nonce_before = nonce(&devnet, funder(&devnet)).await;
    fresh_step(5).await;
    let code_now = code(&secret, 0);
    let body = fund_body(owner, target, "local", &code_now, &request_id);

    // The process exits mid-request: no answer.
    let reply = http
        .post(format!("{url}/faucet/fund"))
        .json(&body)
        .send()
        .await;
    assert!(
        reply.is_err(),
        "the server answered instead of dying: {reply:?}"
    );
    let status = tokio::task::spawn_blocking(move || {
        let mut server = child;
        server.0.wait()
    })
    .await
    .expect("join")
    .expect("wait");
    assert_eq!(status.code(), Some(FAULT_EXIT_CODE));

    // On chain or not yet; in the database persisted as signed, not recorded as done.
    let on_chain = u64::from(sent);
    assert_eq!(
        nonce(&devnet, funder(&devnet)).await,
        nonce_before + on_chain
    );
    let funded = amount();
    assert_eq!(
        balance(&devnet, target).await,
        funded * alloy::primitives::U256::from(on_chain)
    );
    let (state, tx_hash) = {
        let mut conn = sqlx::SqliteConnection::connect(&db.url)
            .await
            .expect("open the db");
        let row = sqlx::query("SELECT state, tx_hash FROM requests WHERE request_id = ?")
            .bind(&request_id)
            .fetch_one(&mut conn)
            .await
            .expect("the request row");
        (
            row.get::<String, _>("state"),
            row.get::<String, _>("tx_hash"),
        )
    };
    assert_eq!(state, "signed");

    // Restart on the same database (no fault hook): the start-up reconciliation finds the
    // transfer on chain, or broadcasts the persisted bytes (never a new transaction).
    let (child, url) = start(&devnet, &db.url, &server_key, None);
    assert_eq!(nonce(&devnet, funder(&devnet)).await, nonce_before + 1);
    let again = fund(&http, &url, &body).await;
    let again = assert_error(&again, FaucetCode::RequestAlreadyProcessed);
    let original = &again["data"]["result"];
    assert_eq!(original["status"], "success");
    assert_eq!(original["code"], "SUCCESS");
    assert_eq!(original["data"]["txHash"], tx_hash);
    assert_eq!(original["data"]["fundedAmount"], funded.to_string());
    // With a fresh code too; and nothing more was sent.
    let later = fund(
        &http,
        &url,
        &fund_body(owner, target, "local", &code(&secret, 1), &request_id),
    )
    .await;
    assert_error(&later, FaucetCode::RequestAlreadyProcessed);
    assert_eq!(nonce(&devnet, funder(&devnet)).await, nonce_before + 1);
    assert_eq!(balance(&devnet, target).await, funded);

    // A second station life still funds new requests (the nonce continues).
    let other = random_address();
    let ok = fund(
        &http,
        &url,
        &fund_body(owner, other, "local", &code_now, &new_id()),
    )
    .await;
    assert_ok(&ok, "success", "SUCCESS");
    assert_eq!(nonce(&devnet, funder(&devnet)).await, nonce_before + 2);

    drop(child);
    db.cleanup().await;
    devnet.shutdown().await.expect("devnet stops");
}

/// The documented one command: `peaqos-gas-station --devnet RPC_URL` funds from dev account 9.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devnet_one_command_funds_from_dev_account_9() {
    let devnet = devnet().await;
    let http = http();
    let mut cmd = binary();
    cmd.args([
        "--devnet",
        &devnet.url,
        "--bind",
        "127.0.0.1:0",
        "--database-url",
        "sqlite::memory:",
    ]);
    let (child, url) = spawn_and_read_url(cmd);
    let health = get(&http, &format!("{url}/health")).await;
    assert_eq!((health.0, health.1["status"].as_str()), (200, Some("ok")));
    let owner = random_address();
    let secret = enroll(&http, &url, owner).await;
    let target = random_address();
    let before = nonce(&devnet, devnet.accounts[9].address).await;
    let ok = fund(
        &http,
        &url,
        &fund_body(owner, target, "peaq", &code(&secret, 0), &new_id()),
    )
    .await;
    assert_ok(&ok, "success", "SUCCESS");
    assert_eq!(nonce(&devnet, devnet.accounts[9].address).await, before + 1);
    drop(child);
    devnet.shutdown().await.expect("devnet stops");
}

/// `--config FILE`: refused while others may read it, served from once it is 0600.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_file_must_be_private_and_is_used() {
    use std::os::unix::fs::PermissionsExt;
    let devnet = devnet().await;
    let db = TestDb::sqlite();
    let dir = std::env::temp_dir().join(format!("gs-config-{}", new_id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("gas-station.env");
    std::fs::write(
        &path,
        format!(
            "# test\nGAS_STATION_SERVER_KEY={}\nGAS_STATION_CHAINS=devchain\n\
             GAS_STATION_CHAIN_DEVCHAIN_RPC_URL={}\nGAS_STATION_CHAIN_DEVCHAIN_FUNDING_KEY={}\n\
             GAS_STATION_CHAIN_DEVCHAIN_AMOUNT_WEI=1500000000000000000\n\
             GAS_STATION_DATABASE_URL=\"{}\"\nGAS_STATION_BIND=127.0.0.1:0\n",
            "7b".repeat(32),
            devnet.url,
            funding_key(&devnet),
            db.url
        ),
    )
    .expect("write");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let refused = binary()
        .arg("--config")
        .arg(&path)
        .stderr(Stdio::piped())
        .output()
        .expect("run");
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("chmod 600"), "{stderr}");
    assert!(
        !stderr.contains(&funding_key(&devnet)[2..]),
        "the key leaked: {stderr}"
    );

    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    let mut cmd = binary();
    cmd.arg("--config").arg(&path);
    let (child, url) = spawn_and_read_url(cmd);
    let http = http();
    let owner = random_address();
    let secret = enroll(&http, &url, owner).await;
    let target = random_address();
    let ok = fund(
        &http,
        &url,
        &fund_body(owner, target, "devchain", &code(&secret, 0), &new_id()),
    )
    .await;
    assert_ok(&ok, "success", "SUCCESS");
    assert_eq!(
        balance(&devnet, target).await,
        alloy::primitives::U256::from(1_500_000_000_000_000_000_u128)
    );
    drop(child);
    let _ = std::fs::remove_dir_all(&dir);
    db.cleanup().await;
    devnet.shutdown().await.expect("devnet stops");
}

/// A transfer not mined within the receipt timeout stays in flight (`TRANSFER_FAILED`, then
/// `DUPLICATE_REQUEST`); the background reconciler records it once mined, and the id then
/// answers with the original result.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_transfer_is_reconciled_in_the_background() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("debug,hyper=info,reqwest=info,sqlx=warn,alloy=info,h2=info")
        .with_test_writer()
        .try_init();
    let mut devnet_config = peaqos_devnet::DevnetConfig::ephemeral();
    devnet_config.block_interval = Some(std::time::Duration::from_secs(3));
    // No contracts needed; deploying them block by block would take a minute.
    devnet_config.deploy_stack = false;
    let devnet = peaqos_devnet::Devnet::spawn(devnet_config)
        .await
        .expect("devnet");
    let db = TestDb::sqlite();
    let mut cfg = config(&devnet, &db);
    cfg.receipt_timeout = std::time::Duration::from_millis(300);
    cfg.reconcile_interval = std::time::Duration::from_millis(500);
    let s = station(cfg).await;
    let http = http();
    let owner = random_address();
    let secret = enroll(&http, &s.url(), owner).await;
    let target = random_address();
    let nonce_before = nonce(&devnet, funder(&devnet)).await;
    let body = fund_body(owner, target, "local", &code(&secret, 0), &new_id());
    let first = fund(&http, &s.url(), &body).await;
    let first = assert_error(&first, FaucetCode::TransferFailed);
    assert!(
        first["message"]
            .as_str()
            .unwrap_or_default()
            .contains("stays in flight"),
        "{first}"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let done = loop {
        let reply = fund(&http, &s.url(), &body).await;
        if reply.1["code"] == "REQUEST_ALREADY_PROCESSED" {
            break reply;
        }
        assert_error(&reply, FaucetCode::DuplicateRequest);
        assert!(std::time::Instant::now() < deadline, "never reconciled");
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    };
    let original = &done.1["data"]["result"];
    assert_eq!(original["code"], "SUCCESS", "{done:?}");
    let amount = s.service().config.chains[0].amount;
    assert_eq!(original["data"]["fundedAmount"], amount.to_string());
    assert_eq!(nonce(&devnet, funder(&devnet)).await, nonce_before + 1);
    assert_eq!(balance(&devnet, target).await, amount);
    s.shutdown().await;
    db.cleanup().await;
    devnet.shutdown().await.expect("devnet stops");
}
