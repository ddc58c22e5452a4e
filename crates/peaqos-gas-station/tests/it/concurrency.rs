//! 200 simultaneous requests: one request id → exactly one transfer on chain; 200 ids of one
//! owner → never more than the owner's daily cap. With SQLite and with PostgreSQL.

use crate::common;

use std::collections::BTreeMap;

use common::*;
use futures::future::join_all;
use peaqos_gas_station::GasStationConfig;

const N: usize = 200;

async fn same_request_id(db: TestDb) {
    let devnet = devnet().await;
    let http = http();
    let cfg: GasStationConfig = config(&devnet, &db);
    let amount = cfg.chains[0].amount;
    let s = station(cfg).await;
    let owner = random_address();
    let secret = enroll(&http, &s.url(), owner).await;
    let target = random_address();
    let nonce_before = nonce(&devnet, funder(&devnet)).await;
    fresh_step(10).await;
    let body = fund_body(owner, target, "local", &code(&secret, 0), &new_id());
    let replies = join_all((0..N).map(|_| {
        let (http, url, body) = (http.clone(), s.url(), body.clone());
        tokio::spawn(async move { post(&http, &url, "/faucet/fund", &body).await })
    }))
    .await;
    let by_code = tally_one_request(replies.into_iter().map(|r| r.expect("task")));
    eprintln!("same request id x{N}: {by_code:?}");
    assert_eq!(by_code.get("SUCCESS"), Some(&1), "{by_code:?}");
    // Exactly one transfer on chain.
    assert_eq!(nonce(&devnet, funder(&devnet)).await, nonce_before + 1);
    assert_eq!(balance(&devnet, target).await, amount);
    s.shutdown().await;
    db.cleanup().await;
    devnet.shutdown().await.expect("devnet stops");
}

async fn owner_cap(db: TestDb) {
    let devnet = devnet().await;
    let http = http();
    let mut cfg = config(&devnet, &db);
    cfg.chains[0].amount = peaq(1);
    cfg.chains[0].owner_daily_cap = peaq(7);
    let cap = cfg.chains[0].owner_daily_cap;
    let s = station(cfg).await;
    let owner = random_address();
    let secret = enroll(&http, &s.url(), owner).await;
    let nonce_before = nonce(&devnet, funder(&devnet)).await;
    fresh_step(10).await;
    let c = code(&secret, 0);
    let targets: Vec<_> = (0..N).map(|_| random_address()).collect();
    let replies = join_all(targets.iter().map(|&target| {
        let (http, url) = (http.clone(), s.url());
        let body = fund_body(owner, target, "local", &c, &new_id());
        tokio::spawn(async move { post(&http, &url, "/faucet/fund", &body).await })
    }))
    .await;
    let mut by_code: BTreeMap<String, usize> = BTreeMap::new();
    for r in replies {
        let (_, body) = r.expect("task");
        *by_code
            .entry(body["code"].as_str().expect("code").to_owned())
            .or_default() += 1;
    }
    eprintln!("one owner, {N} ids: {by_code:?}");
    let mut funded = alloy::primitives::U256::ZERO;
    for &t in &targets {
        funded += balance(&devnet, t).await;
    }
    let transfers = nonce(&devnet, funder(&devnet)).await - nonce_before;
    assert!(funded <= cap, "funded {funded} > cap {cap}");
    // Every request passed 2FA (one code, distinct wallets): the cap is what stopped them.
    assert_eq!(funded, cap);
    assert_eq!(by_code.get("SUCCESS"), Some(&7), "{by_code:?}");
    assert_eq!(transfers, 7);
    assert_eq!(
        by_code.get("CAP_EXCEEDED_OWNER"),
        Some(&(N - 7)),
        "{by_code:?}"
    );
    s.shutdown().await;
    db.cleanup().await;
    devnet.shutdown().await.expect("devnet stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn same_request_id_200x_sqlite() {
    same_request_id(TestDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL (PEAQOS_TEST_PG_URL, scripts/pg-test-server.sh)"]
async fn same_request_id_200x_postgres() {
    same_request_id(TestDb::postgres().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn owner_cap_200_ids_sqlite() {
    owner_cap(TestDb::sqlite()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL (PEAQOS_TEST_PG_URL, scripts/pg-test-server.sh)"]
async fn owner_cap_200_ids_postgres() {
    owner_cap(TestDb::postgres().await).await;
}
