//! What the integration tests share: an in-process devnet, a Gas Station on it (SQLite file or
//! a fresh PostgreSQL database), HTTP helpers and TOTP codes.
#![allow(dead_code, unreachable_pub)]

use std::{
    path::PathBuf,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use alloy::{
    primitives::{Address, U256},
    providers::{Provider, ProviderBuilder},
};
use peaqos_devnet::Devnet;
use peaqos_gas_station::{
    FaucetCode, GasStation, GasStationConfig, RunningGasStation, config::PEAQ, totp,
};
use peaqos_test_utils::pg::PgDatabase;
use serde_json::{Value, json};

pub use peaqos_test_utils::devnet::spawn_devnet as devnet;

pub mod process;

/// The funding key the tests give the Gas Station: dev account 9 (untouched by the stack).
pub fn funding_key(devnet: &Devnet) -> String {
    devnet.accounts[9].private_key.to_string()
}

/// The funding address.
pub fn funder(devnet: &Devnet) -> Address {
    devnet.accounts[9].address
}

/// A database for one test: a SQLite file in a fresh temp dir, or a fresh PostgreSQL database.
pub struct TestDb {
    /// The URL for the Gas Station.
    pub url: String,
    dir: Option<PathBuf>,
    pg: Option<PgDatabase>,
}

impl TestDb {
    /// A SQLite file database.
    pub fn sqlite() -> Self {
        let dir = std::env::temp_dir().join(format!("gas-station-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self {
            url: format!("sqlite://{}?mode=rwc", dir.join("gs.db").display()),
            dir: Some(dir),
            pg: None,
        }
    }

    /// A fresh database on the test PostgreSQL server (`PEAQOS_TEST_PG_URL`).
    pub async fn postgres() -> Self {
        let db = PgDatabase::create("gs_test").await;
        Self {
            url: db.url.clone(),
            dir: None,
            pg: Some(db),
        }
    }

    /// Drops the PostgreSQL database / removes the SQLite directory.
    pub async fn cleanup(self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some(db) = self.pg {
            db.drop_db().await;
        }
    }
}

/// The devnet configuration of the tests: chain `local` on `devnet`, funded by account 9.
pub fn config(devnet: &Devnet, db: &TestDb) -> GasStationConfig {
    GasStationConfig::for_devnet(&devnet.url, "local", &funding_key(devnet), &db.url)
}

/// A Gas Station for `config`.
pub async fn station(config: GasStationConfig) -> RunningGasStation {
    GasStation::spawn(config)
        .await
        .expect("the Gas Station starts")
}

/// What most tests start from: a devnet, a SQLite store and a Gas Station on them.
pub struct Harness {
    /// The devnet.
    pub devnet: Devnet,
    /// The store.
    pub db: TestDb,
    /// The running Gas Station.
    pub station: RunningGasStation,
}

impl Harness {
    /// Starts the three, the station with [`config`] changed by `change`.
    pub async fn start(change: impl FnOnce(&mut GasStationConfig)) -> Self {
        let devnet = devnet().await;
        let db = TestDb::sqlite();
        let mut cfg = config(&devnet, &db);
        change(&mut cfg);
        let station = station(cfg).await;
        Self {
            devnet,
            db,
            station,
        }
    }

    /// Stops the station, removes the store, stops the devnet.
    pub async fn stop(self) {
        self.station.shutdown().await;
        self.db.cleanup().await;
        self.devnet.shutdown().await.expect("devnet stops");
    }
}

/// An owner enrolled and confirmed with a code at least `margin` seconds from the end of its
/// 30 s step (so a test can use the same code again within the step); its TOTP secret.
pub async fn enroll_fresh(
    http: &reqwest::Client,
    base: &str,
    owner: Address,
    margin: u64,
) -> Vec<u8> {
    let (_, secret) = setup(http, base, owner).await;
    fresh_step(margin).await;
    let confirmed = confirm(http, base, owner, &code(&secret, 0)).await;
    assert_ok(&confirmed, "success", "2FA_ACTIVATED");
    secret
}

/// A reqwest client.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client")
}

/// `POST {base}{path}` with a JSON body: `(status, body)`.
pub async fn post(http: &reqwest::Client, base: &str, path: &str, body: &Value) -> (u16, Value) {
    post_raw(http, base, path, body.to_string()).await
}

/// `POST {base}{path}` with a raw JSON body.
pub async fn post_raw(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    body: String,
) -> (u16, Value) {
    let reply = http
        .post(format!("{base}{path}"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("request");
    let status = reply.status().as_u16();
    let body = reply.json::<Value>().await.expect("a JSON body");
    (status, body)
}

/// `GET url`: `(status, JSON body)`.
pub async fn get(http: &reqwest::Client, url: &str) -> (u16, Value) {
    let reply = http.get(url).send().await.expect("request");
    let status = reply.status().as_u16();
    (status, reply.json().await.expect("a JSON body"))
}

/// `POST {base}/faucet/fund` with `body`.
pub async fn fund(http: &reqwest::Client, base: &str, body: &Value) -> (u16, Value) {
    post(http, base, "/faucet/fund", body).await
}

/// Asserts a 200 answer with `status` and `code`.
pub fn assert_ok(reply: &(u16, Value), status: &str, code: &str) {
    assert_eq!(
        (
            reply.0,
            reply.1["status"].as_str(),
            reply.1["code"].as_str()
        ),
        (200, Some(status), Some(code)),
        "{reply:?}"
    );
}

/// Asserts an error answer with `code` and its fixed status; returns the body.
pub fn assert_error(reply: &(u16, Value), code: FaucetCode) -> Value {
    assert_eq!(
        (reply.0, reply.1["code"].as_str()),
        (code.http_status(), Some(code.as_str())),
        "expected {code}, got {reply:?}"
    );
    assert_eq!(reply.1["status"], "error");
    reply.1.clone()
}

/// A random address.
pub fn random_address() -> Address {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).expect("rng");
    Address::from(bytes)
}

/// Unix seconds now.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

/// The TOTP code of `secret` `offset` steps from now.
pub fn code(secret: &[u8], offset: i64) -> String {
    let t = unix_now().saturating_add_signed(offset * 30);
    totp::code_at(secret, t).to_string()
}

/// Waits until at least `margin` seconds remain in the current TOTP step (so the ±1 window
/// does not move during a burst of requests).
pub async fn fresh_step(margin: u64) {
    loop {
        let into = unix_now() % 30;
        if 30 - into > margin && into >= 1 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A fresh request id.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `POST /2fa/setup` (SVG) for `owner`: the reply and the TOTP secret from its otpauth URI.
pub async fn setup(http: &reqwest::Client, base: &str, owner: Address) -> ((u16, Value), Vec<u8>) {
    let reply = post(
        http,
        base,
        "/2fa/setup",
        &json!({"ownerAddress": owner.to_checksum(None), "format": "svg"}),
    )
    .await;
    assert_eq!(reply.0, 200, "{reply:?}");
    let uri = reply.1["data"]["otpauthUri"].as_str().expect("otpauthUri");
    let secret = totp::secret_of_uri(uri).expect("secret").to_vec();
    (reply, secret)
}

/// `POST /2fa/confirm` for `owner` with `code`.
pub async fn confirm(
    http: &reqwest::Client,
    base: &str,
    owner: Address,
    code: &str,
) -> (u16, Value) {
    post(
        http,
        base,
        "/2fa/confirm",
        &json!({"ownerAddress": owner.to_checksum(None), "twoFactorCode": code}),
    )
    .await
}

/// Sets up and confirms 2FA for `owner` through the API; returns the TOTP secret (from the
/// otpauth URI, as an authenticator app would).
pub async fn enroll(http: &reqwest::Client, base: &str, owner: Address) -> Vec<u8> {
    enroll_fresh(http, base, owner, 0).await
}

/// Funds a fresh wallet for `owner` with `code` under a fresh request id, on chain `local`.
pub async fn fund_fresh(
    http: &reqwest::Client,
    base: &str,
    owner: Address,
    code: &str,
) -> (u16, Value) {
    fund(
        http,
        base,
        &fund_body(owner, random_address(), "local", code, &new_id()),
    )
    .await
}

/// A fund request body.
pub fn fund_body(
    owner: Address,
    target: Address,
    chain: &str,
    code: &str,
    request_id: &str,
) -> Value {
    json!({
        "ownerAddress": owner.to_checksum(None),
        "targetWalletAddress": target.to_checksum(None),
        "chainId": chain,
        "twoFactorCode": code,
        "requestId": request_id,
    })
}

/// The balance of `who` on `devnet`.
pub async fn balance(devnet: &Devnet, who: Address) -> U256 {
    ProviderBuilder::new()
        .connect_http(devnet.url.parse().expect("url"))
        .get_balance(who)
        .await
        .expect("balance")
}

/// The mined transaction count of `who`.
pub async fn nonce(devnet: &Devnet, who: Address) -> u64 {
    ProviderBuilder::new()
        .connect_http(devnet.url.parse().expect("url"))
        .get_transaction_count(who)
        .await
        .expect("nonce")
}

/// `n` PEAQ in wei.
pub fn peaq(n: u128) -> U256 {
    U256::from(n * PEAQ)
}

/// Tallies the answers to many sends of one fund request: each is `SUCCESS`,
/// `REQUEST_ALREADY_PROCESSED` or `DUPLICATE_REQUEST` with its status, and every transaction
/// hash named is the same one. Returns the count per code.
pub fn tally_one_request(
    replies: impl IntoIterator<Item = (u16, Value)>,
) -> std::collections::BTreeMap<String, usize> {
    let mut by_code = std::collections::BTreeMap::<String, usize>::new();
    let mut tx_hashes = Vec::new();
    for (status, body) in replies {
        let code = body["code"].as_str().expect("code").to_owned();
        match code.as_str() {
            "SUCCESS" => {
                assert_eq!(status, 200);
                tx_hashes.push(body["data"]["txHash"].clone());
            }
            "REQUEST_ALREADY_PROCESSED" => {
                assert_eq!(status, FaucetCode::RequestAlreadyProcessed.http_status());
                tx_hashes.push(body["data"]["result"]["data"]["txHash"].clone());
            }
            "DUPLICATE_REQUEST" => assert_eq!(status, FaucetCode::DuplicateRequest.http_status()),
            other => panic!("unexpected answer {other}: {body}"),
        }
        *by_code.entry(code).or_default() += 1;
    }
    assert!(
        tx_hashes.windows(2).all(|w| w[0] == w[1]),
        "one transaction hash for all: {tx_hashes:?}"
    );
    by_code
}
