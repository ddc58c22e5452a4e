//! Several Gas Station processes (the real binary, each with its own pool) on one PostgreSQL
//! database and one devnet, requests spread over them: one `requestId` funds once, the owner's
//! cap is exact, and a process killed mid-transfer is never followed by a second transfer
//! from another.

use crate::common;

use std::{
    collections::{BTreeMap, BTreeSet},
    time::{Duration, Instant},
};

use alloy::primitives::{Address, U256};
use common::{process::*, *};
use futures::future::join_all;
use peaqos_devnet::Devnet;
use peaqos_gas_station::{FaucetCode, service::FAULT_EXIT_CODE};
use serde_json::Value;

const N: usize = 200;
const REPLICAS: usize = 3;
const SERVER_KEY: &str = "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c";

/// Starts `REPLICAS` processes on `db` at once (their migrations race: PostgreSQL's migration
/// lock must serialise them).
async fn replicas(
    devnet: &Devnet,
    db: &TestDb,
    settings: &[(&str, &str)],
) -> Vec<(Server, String)> {
    let starts = (0..REPLICAS).map(|_| {
        let (rpc, key, db_url) = (devnet.url.clone(), funding_key(devnet), db.url.clone());
        let settings: Vec<(String, String)> = settings
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        tokio::task::spawn_blocking(move || {
            let s: Vec<(&str, &str)> = settings
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            start_on(&rpc, &key, &db_url, &s)
        })
    });
    join_all(starts)
        .await
        .into_iter()
        .map(|r| r.expect("start task"))
        .collect()
}

/// [`start_with`] from owned parts (for a blocking task).
fn start_on(rpc: &str, key: &str, db_url: &str, settings: &[(&str, &str)]) -> (Server, String) {
    let mut all = vec![
        ("GAS_STATION_CHAIN_LOCAL_RPC_URL", rpc),
        ("GAS_STATION_CHAIN_LOCAL_FUNDING_KEY", key),
    ];
    all.extend_from_slice(settings);
    start_with_parts(db_url, SERVER_KEY, &all)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL (PEAQOS_TEST_PG_URL)"]
async fn one_request_id_over_three_processes_funds_once() {
    let devnet = devnet().await;
    let db = TestDb::postgres().await;
    let http = http();
    let servers = replicas(&devnet, &db, &[]).await;
    let urls: Vec<String> = servers.iter().map(|(_, u)| u.clone()).collect();
    let owner = random_address();
    let secret = enroll(&http, &urls[0], owner).await;
    let target = random_address();
    let nonce_before = nonce(&devnet, funder(&devnet)).await;
    fresh_step(10).await;
    let body = fund_body(owner, target, "local", &code(&secret, 0), &new_id());
    let replies = join_all((0..N).map(|i| {
        let (http, url, body) = (http.clone(), urls[i % REPLICAS].clone(), body.clone());
        tokio::spawn(async move { post(&http, &url, "/faucet/fund", &body).await })
    }))
    .await;
    let by_code = tally_one_request(replies.into_iter().map(|r| r.expect("task")));
    eprintln!("one requestId x{N} over {REPLICAS} processes: {by_code:?}");
    assert_eq!(by_code.get("SUCCESS"), Some(&1), "{by_code:?}");
    assert_eq!(nonce(&devnet, funder(&devnet)).await, nonce_before + 1);
    assert_eq!(balance(&devnet, target).await, peaq(1));
    drop(servers);
    db.cleanup().await;
    devnet.shutdown().await.expect("devnet stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL (PEAQOS_TEST_PG_URL)"]
async fn distinct_requests_over_three_processes_stop_exactly_at_the_cap() {
    const CAP: u64 = 7;
    let devnet = devnet().await;
    let db = TestDb::postgres().await;
    let http = http();
    let cap = (peaq(1) * U256::from(CAP)).to_string();
    let servers = replicas(
        &devnet,
        &db,
        &[
            ("GAS_STATION_CHAIN_LOCAL_OWNER_DAILY_CAP_WEI", &cap),
            ("GAS_STATION_RATE_LIMIT", "1000"),
        ],
    )
    .await;
    let urls: Vec<String> = servers.iter().map(|(_, u)| u.clone()).collect();
    let owner = random_address();
    let secret = enroll(&http, &urls[1], owner).await;
    let nonce_before = nonce(&devnet, funder(&devnet)).await;
    fresh_step(10).await;
    let c = code(&secret, 0);
    let targets: Vec<Address> = (0..N).map(|_| random_address()).collect();
    let replies = join_all(targets.iter().enumerate().map(|(i, &target)| {
        let (http, url) = (http.clone(), urls[i % REPLICAS].clone());
        let body = fund_body(owner, target, "local", &c, &new_id());
        tokio::spawn(async move { post(&http, &url, "/faucet/fund", &body).await })
    }))
    .await;
    let mut by_code: BTreeMap<String, usize> = BTreeMap::new();
    for r in replies {
        let (_, body) = r.expect("task");
        let code = body["code"].as_str().expect("code").to_owned();
        assert!(
            code == "SUCCESS" || code == "CAP_EXCEEDED_OWNER",
            "unexpected answer: {body}"
        );
        *by_code.entry(code).or_default() += 1;
    }
    eprintln!("{N} distinct requests over {REPLICAS} processes, cap {CAP}: {by_code:?}");
    assert_eq!(by_code.get("SUCCESS"), Some(&(CAP as usize)), "{by_code:?}");
    assert_eq!(nonce(&devnet, funder(&devnet)).await, nonce_before + CAP);
    let mut funded = U256::ZERO;
    for t in &targets {
        funded += balance(&devnet, *t).await;
    }
    assert_eq!(funded, peaq(1) * U256::from(CAP));
    drop(servers);
    db.cleanup().await;
    devnet.shutdown().await.expect("devnet stops");
}

/// Settings that let the survivors take over quickly: short receipt wait, reconciliation and
/// claim timeout; limits high enough that retries are never refused for the owner.
const TAKEOVER: &[(&str, &str)] = &[
    ("GAS_STATION_RECEIPT_TIMEOUT_SECS", "2"),
    ("GAS_STATION_RECONCILE_SECS", "1"),
    ("GAS_STATION_CLAIM_TIMEOUT_SECS", "3"),
    ("GAS_STATION_RATE_LIMIT", "100000"),
    ("GAS_STATION_2FA_MAX_ATTEMPTS", "100000"),
    ("GAS_STATION_2FA_IP_MAX_ATTEMPTS", "100000"),
    (
        "GAS_STATION_CHAIN_LOCAL_OWNER_DAILY_CAP_WEI",
        "1000000000000000000000",
    ),
];

/// Sends `body` (its code replaced by a current one each time) to the replicas in turn until
/// a final answer; returns the transaction hash that funded it.
async fn settle(http: &reqwest::Client, urls: &[String], secret: &[u8], mut body: Value) -> String {
    let deadline = Instant::now() + Duration::from_secs(90);
    for attempt in 0usize.. {
        // Codes of the current step and its neighbours: an id released after its code was
        // used needs another valid one.
        body["twoFactorCode"] = Value::from(code(secret, [0, 1, -1][attempt % 3]));
        let (_, reply) = fund(http, &urls[attempt % urls.len()], &body).await;
        match reply["code"].as_str() {
            Some("SUCCESS") => return reply["data"]["txHash"].as_str().expect("hash").to_owned(),
            Some("REQUEST_ALREADY_PROCESSED") => {
                return reply["data"]["result"]["data"]["txHash"]
                    .as_str()
                    .expect("the original result")
                    .to_owned();
            }
            // In flight, being taken over, or a code already used for this target.
            Some(
                "DUPLICATE_REQUEST" | "TRANSFER_FAILED" | "INTERNAL_ERROR" | "2FA_EXPIRED"
                | "INVALID_2FA",
            ) => {}
            _ => panic!("unexpected answer: {reply}"),
        }
        assert!(Instant::now() < deadline, "never settled: {reply}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    unreachable!()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL (PEAQOS_TEST_PG_URL)"]
async fn a_process_killed_mid_transfer_is_never_followed_by_a_second_transfer() {
    let devnet = devnet().await;
    let db = TestDb::postgres().await;
    let http = http();
    let servers = replicas(&devnet, &db, TAKEOVER).await;
    let urls: Vec<String> = servers.iter().map(|(_, u)| u.clone()).collect();
    let owner = random_address();
    let secret = enroll(&http, &urls[0], owner).await;
    let nonce_before = nonce(&devnet, funder(&devnet)).await;
    let mut funded_targets = Vec::new();

    // 1. A fourth process dies at each fault hook (after broadcasting; after persisting the
    //    transfer but before broadcasting it): the survivors answer the same id with that
    //    transfer, and resend the persisted bytes when it was never broadcast.
    for fault in ["exit-after-broadcast", "exit-before-broadcast"] {
        let mut settings = TAKEOVER.to_vec();
        settings.push(("GAS_STATION_FAULT", fault));
        let (rpc, key, db_url) = (devnet.url.clone(), funding_key(&devnet), db.url.clone());
        let (mut doomed, url) =
            tokio::task::spawn_blocking(move || start_on(&rpc, &key, &db_url, &settings))
                .await
                .expect("start");
        let target = random_address();
        fresh_step(5).await;
        let body = fund_body(owner, target, "local", &code(&secret, 0), &new_id());
        let reply = http
            .post(format!("{url}/faucet/fund"))
            .json(&body)
            .send()
            .await;
        assert!(
            reply.is_err(),
            "{fault}: the server answered instead of dying"
        );
        let status = tokio::task::spawn_blocking(move || doomed.0.wait())
            .await
            .expect("join")
            .expect("wait");
        assert_eq!(status.code(), Some(FAULT_EXIT_CODE), "{fault}");
        let first = fund(&http, &urls[0], &body).await;
        assert_error(&first, FaucetCode::DuplicateRequest);
        settle(&http, &urls, &secret, body).await;
        assert_eq!(balance(&devnet, target).await, peaq(1), "{fault}");
        funded_targets.push(target);
    }

    // 2. SIGKILL at a random point of a burst of distinct requests on one replica; the others
    //    settle every id: each target is funded exactly once.
    for round in 0..3u64 {
        let (rpc, key, db_url) = (devnet.url.clone(), funding_key(&devnet), db.url.clone());
        let (victim, url) =
            tokio::task::spawn_blocking(move || start_on(&rpc, &key, &db_url, TAKEOVER))
                .await
                .expect("start");
        fresh_step(10).await;
        let bodies: Vec<(Address, Value)> = (0..30)
            .map(|_| {
                let t = random_address();
                (
                    t,
                    fund_body(owner, t, "local", &code(&secret, 0), &new_id()),
                )
            })
            .collect();
        let burst: Vec<_> = bodies
            .iter()
            .map(|(_, b)| {
                let (http, url, b) = (http.clone(), url.clone(), b.clone());
                tokio::spawn(async move {
                    let _ = http
                        .post(format!("{url}/faucet/fund"))
                        .json(&b)
                        .send()
                        .await;
                })
            })
            .collect();
        let mut rand = [0u8; 2];
        getrandom::fill(&mut rand).expect("rng");
        let delay = 20 + u64::from(u16::from_le_bytes(rand)) % 400;
        tokio::time::sleep(Duration::from_millis(delay)).await;
        drop(victim); // SIGKILL
        join_all(burst).await;
        let settled = join_all(
            bodies
                .iter()
                .map(|(_, b)| settle(&http, &urls, &secret, b.clone())),
        )
        .await;
        let distinct: BTreeSet<&String> = settled.iter().collect();
        assert_eq!(
            distinct.len(),
            bodies.len(),
            "round {round}: one transfer per id"
        );
        for (t, _) in &bodies {
            assert_eq!(
                balance(&devnet, *t).await,
                peaq(1),
                "round {round}: funded once"
            );
            funded_targets.push(*t);
        }
        eprintln!(
            "round {round}: killed after {delay} ms, {} ids settled",
            bodies.len()
        );
    }
    // Every transfer of the funder is one of these: no second transfer, no stuck nonce.
    assert_eq!(
        nonce(&devnet, funder(&devnet)).await,
        nonce_before + funded_targets.len() as u64
    );
    drop(servers);
    db.cleanup().await;
    devnet.shutdown().await.expect("devnet stops");
}

/// A SQLite database serves one process: a second one on the same file is refused, with a
/// message that names PostgreSQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_process_on_one_sqlite_file_is_refused() {
    let devnet = devnet().await;
    let db = TestDb::sqlite();
    let (first, _url) = start(&devnet, &db.url, SERVER_KEY, None);
    let key = funding_key(&devnet);
    let second = binary()
        .env("GAS_STATION_SERVER_KEY", SERVER_KEY)
        .env("GAS_STATION_CHAINS", "local")
        .env("GAS_STATION_CHAIN_LOCAL_RPC_URL", &devnet.url)
        .env("GAS_STATION_CHAIN_LOCAL_FUNDING_KEY", &key)
        .env("GAS_STATION_DATABASE_URL", &db.url)
        .env("GAS_STATION_BIND", "127.0.0.1:0")
        .stderr(std::process::Stdio::piped())
        .output()
        .expect("run");
    assert!(!second.status.success());
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(stderr.contains("use PostgreSQL for several"), "{stderr}");
    // Once the first is gone (even killed), the file is free again.
    drop(first);
    let (again, url) = start(&devnet, &db.url, SERVER_KEY, None);
    let health = get(&http(), &format!("{url}/health")).await;
    assert_eq!(health.0, 200);
    drop(again);
    db.cleanup().await;
    devnet.shutdown().await.expect("devnet stops");
}
