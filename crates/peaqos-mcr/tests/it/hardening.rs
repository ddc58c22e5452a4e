//! Issue 13 over real HTTP: partner-data SSRF (finding 1), secrets in logs and answers (6),
//! readiness of a failing indexer (10), the error envelope (15), and the rate limiter,
//! trusted proxies and `/ready` caching (16).

use crate::common;

use std::{
    io::Write,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use alloy::primitives::Address;
use common::*;
use peaqos_mcr::{McrConfig, McrService, partner::PARTNER_DATA_ERROR};
use peaqos_test_utils::ScratchDir;
use peaqos_types::event::DataVisibility;
use serde_json::{Value, json};

async fn request(method: &str, url: &str, headers: &[(&str, &str)]) -> (u16, String, String) {
    let mut req = reqwest::Client::new().request(method.parse().expect("method"), url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let ctype = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, ctype, res.text().await.expect("body"))
}

async fn get_json(url: &str) -> (u16, Value) {
    let (st, _, text) = request("GET", url, &[]).await;
    (
        st,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Polls `url` until `want(status, body)` holds, or panics after `limit`.
async fn wait_for(url: &str, limit: Duration, want: impl Fn(u16, &Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let (st, body) = get_json(url).await;
        if want(st, &body) {
            return body;
        }
        assert!(
            started.elapsed() < limit,
            "{url} still answers {st} {body} after {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// ------------------------------------------------------------------- finding 1: SSRF

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partner_data_refuses_non_public_destinations() {
    let devnet = devnet().await;
    let owner = client(&devnet, 0);
    let internal = InternalServer::start().await;
    let p = internal.port;
    let dead = dead_port();
    // (data_api, served when loopback is allowed)
    let cases: Vec<(String, bool)> = vec![
        (format!("http://127.0.0.1:{p}/secret"), true),
        (format!("http://localhost:{p}/secret"), true),
        (format!("http://[::ffff:127.0.0.1]:{p}/secret"), true),
        (format!("http://2130706433:{p}/secret"), true),
        (format!("http://127.0.0.1:{p}/to-secret"), true),
        (format!("http://0.0.0.0:{p}/secret"), false),
        ("http://169.254.169.254/latest/meta-data/".into(), false),
        (format!("http://127.0.0.1:{p}/to-metadata"), false),
        ("http://10.255.255.1:81/".into(), false),
        ("http://[fd00::1]:81/".into(), false),
        (format!("http://127.0.0.1:{dead}/x"), false),
        (format!("http://127.0.0.1:{p}/fail"), false),
        (format!("ftp://127.0.0.1:{p}/secret"), false),
    ];
    let mut machines = Vec::new();
    for (url, _) in &cases {
        let c = fresh_client(&devnet, &owner).await;
        machines.push(activate(&c, DataVisibility::Public, url, None).await);
    }

    // Production default: loopback refused like every other non-public address.
    let dir = ScratchDir::new("mcr-ssrf").expect("dir");
    let strict = spawn_mcr_with(&devnet, &sqlite_url(&dir), |c| {
        c.partner_data_allow_loopback = false;
        c.partner_timeout = Duration::from_secs(2);
    })
    .await;
    sync(&strict, &owner).await;
    for ((url, _), m) in cases.iter().zip(&machines) {
        let (st, _, text) =
            request("GET", &format!("{}/machine/{}", strict.url(), m.did()), &[]).await;
        assert_eq!(st, 200, "{url}: {text}");
        assert!(!text.contains(INTERNAL_SECRET), "{url} was fetched: {text}");
        let body: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(body["peaqos"]["partner_data"], Value::Null, "{url}");
        assert_eq!(
            body["peaqos"]["partner_data_error"], PARTNER_DATA_ERROR,
            "{url}: one text for every failure"
        );
    }
    assert_eq!(internal.hits(), 0, "the internal server was reached");
    strict.shutdown().await;

    // Local development (`for_devnet`, what `peaqos dev` uses): loopback allowed, every other
    // non-public address still refused, on the first hop and on redirects.
    let dir = ScratchDir::new("mcr-ssrf-dev").expect("dir");
    let dev = spawn_mcr_with(&devnet, &sqlite_url(&dir), |c| {
        assert!(c.partner_data_allow_loopback, "for_devnet allows loopback");
        c.partner_timeout = Duration::from_secs(2);
    })
    .await;
    sync(&dev, &owner).await;
    for ((url, served), m) in cases.iter().zip(&machines) {
        let (st, body) = get_json(&format!("{}/machine/{}", dev.url(), m.did())).await;
        assert_eq!(st, 200, "{url}: {body}");
        if *served {
            assert_eq!(
                body["peaqos"]["partner_data"]["secret"], INTERNAL_SECRET,
                "{url}: {body}"
            );
        } else {
            assert_eq!(body["peaqos"]["partner_data"], Value::Null, "{url}");
            assert_eq!(
                body["peaqos"]["partner_data_error"], PARTNER_DATA_ERROR,
                "{url}"
            );
        }
    }
    assert_eq!(internal.hits(), 5);
    dev.shutdown().await;
    devnet.shutdown().await.expect("devnet stops");
}

// ------------------------------------------------------------------- finding 6: secrets

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogBuffer {
    fn text(&self) -> String {
        self.0
            .lock()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }
}

const PLANTED: &str = "PLANTED_SECRET";

// Current-thread runtime: every task of the service runs on this thread, under the capturing
// subscriber.
#[tokio::test]
async fn planted_secrets_never_reach_logs_or_answers() {
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        // The binary's writer (`peaqos_service::redacted_stderr`) around a buffer.
        .with_writer(move || peaqos_service::Redacting(writer.clone()))
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let dead = dead_port();
    let rpc = format!("http://127.0.0.1:{dead}/v3/{PLANTED}?apikey={PLANTED}");
    let dir = ScratchDir::new("mcr-secrets").expect("dir");
    let a = Address::repeat_byte(0x11);
    let contracts = peaqos_types::ContractAddresses {
        identity_registry: a,
        identity_staking: a,
        event_registry: a,
        machine_nft: a,
        did_registry: a,
        batch_precompile: a,
        machine_account_factory: None,
        machine_nft_adapter: None,
        admin_flags: Some(a),
    };
    let mut config = McrConfig::for_devnet(&rpc, contracts, &sqlite_url(&dir));
    config.poll_interval = Duration::from_millis(20);
    config.ready_cache_ttl = Duration::ZERO;
    let mut seen = vec![format!("{config:?}")];
    let mcr = McrService::spawn(config).await.expect("starts");
    // Let the indexer fail a few times against the dead RPC.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(mcr.status().errors() > 0, "the indexer tried");
    let base = mcr.url();
    let did = format!("did:peaq:{a}");
    for path in [
        "/ready".to_owned(),
        "/health".into(),
        "/metrics".into(),
        "/openapi.json".into(),
        format!("/mcr/{did}"),
        format!("/mcr/{did}/explain"),
        format!("/machine/{did}"),
        "/metadata/1".into(),
        "/machines/1".into(),
        format!("/operator/{did}/machines"),
        "/nope".into(),
    ] {
        for method in ["GET", "POST"] {
            let (st, _, body) = request(method, &format!("{base}{path}"), &[]).await;
            seen.push(format!("{method} {path} {st} {body}"));
        }
    }
    let (st, ready) = get_json(&format!("{base}/ready")).await;
    assert_eq!(st, 503);
    assert!(
        ready["indexer"]["last_error"].is_string(),
        "the error is still reported: {ready}"
    );
    seen.push(format!("{:?}", mcr.status()));
    seen.push(format!("{mcr:?}"));
    mcr.shutdown().await;

    // A database URL with a password that cannot connect.
    let mut config = McrConfig::from_lookup(|_| None).expect("defaults");
    config.database_url = format!("postgres://peaqos:{PLANTED}@127.0.0.1:{dead}/mcr");
    config.bind = "127.0.0.1:0".parse().expect("addr");
    seen.push(format!("{config:?}"));
    let err = tokio::time::timeout(Duration::from_secs(60), McrService::spawn(config))
        .await
        .expect("fails in time")
        .expect_err("no database");
    seen.push(format!("{err} {err:?}"));

    let logs = logs.text();
    assert!(
        logs.contains("indexer step failed"),
        "logs captured:\n{logs}"
    );
    for text in seen.iter().chain([&logs]) {
        assert!(!text.contains(PLANTED), "secret leaked:\n{text}");
    }
}

// -------------------------------------------------------------- finding 10: readiness

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_goes_false_while_the_indexer_fails_and_recovers() {
    let devnet = devnet().await;
    let owner = client(&devnet, 0);
    let m = client(&devnet, 2);
    register(&m).await;
    let dir = ScratchDir::new("mcr-stall").expect("dir");
    let db = sqlite_url(&dir);
    let mcr = spawn_mcr_with(&devnet, &db, |c| {
        c.indexer_max_failures = 3;
        c.chain_stale_after = Duration::from_secs(2);
        c.ready_cache_ttl = Duration::from_millis(200);
    })
    .await;
    sync(&mcr, &owner).await;
    let ready = format!("{}/ready", mcr.url());
    let data = format!("{}/mcr/did:peaq:{}", mcr.url(), m.address());
    let body = wait_for(&ready, Duration::from_secs(5), |st, _| st == 200).await;
    assert_eq!(body["indexer"]["healthy"], true, "{body}");
    assert_eq!(get_json(&data).await.0, 200);

    // The database refuses every checkpoint write: no step can commit.
    let pool = sqlx::SqlitePool::connect(&db).await.expect("open");
    sqlx::query(
        "CREATE TRIGGER refuse_writes BEFORE INSERT ON mcr_checkpoint \
         BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
    )
    .execute(&pool)
    .await
    .expect("trigger");
    mine(&owner, 1).await;
    let body = wait_for(&ready, Duration::from_secs(20), |st, _| st == 503).await;
    assert_eq!(body["status"], "not_ready", "{body}");
    assert_eq!(body["rpc_connected"], true, "the chain is fine: {body}");
    assert_eq!(body["indexer"]["healthy"], false, "{body}");
    assert!(
        body["indexer"]["consecutive_failures"].as_u64() >= Some(3),
        "{body}"
    );
    // The data would be stale: data endpoints answer 503 too.
    let body = wait_for(&data, Duration::from_secs(10), |st, _| st == 503).await;
    assert_eq!(body, json!({"detail": "Chain unavailable"}));

    // Writes work again: the indexer catches up by itself and readiness comes back.
    sqlx::query("DROP TRIGGER refuse_writes")
        .execute(&pool)
        .await
        .expect("drop trigger");
    pool.close().await;
    let body = wait_for(&ready, Duration::from_secs(20), |st, _| st == 200).await;
    assert_eq!(body["indexer"]["healthy"], true, "{body}");
    assert_eq!(body["indexer"]["consecutive_failures"], 0, "{body}");
    wait_for(&data, Duration::from_secs(10), |st, _| st == 200).await;
    mcr.shutdown().await;
    devnet.shutdown().await.expect("devnet stops");
}

// ------------------------------------------------------------ finding 15: the envelope

#[tokio::test]
async fn every_error_path_answers_the_detail_envelope() {
    let dir = ScratchDir::new("mcr-envelope").expect("dir");
    let mcr = spawn_test_mode(&dir, |_| {}).await;
    let base = mcr.url();
    let did = format!("did:peaq:{}", Address::repeat_byte(1));
    let long = "a".repeat(10_000);
    let cases: Vec<(&str, String, u16, Value)> = vec![
        ("GET", "/no/such/route".into(), 404, json!("Not Found")),
        (
            "POST",
            format!("/mcr/{did}"),
            405,
            json!("Method Not Allowed"),
        ),
        ("DELETE", "/health".into(), 405, json!("Method Not Allowed")),
        ("PUT", "/ready".into(), 405, json!("Method Not Allowed")),
        (
            "GET",
            "/mcr/%FF%FE".into(),
            400,
            json!("Invalid Ethereum address format"),
        ),
        (
            "GET",
            "/machine/did:peaq:0x%C3%28".into(),
            400,
            json!("Invalid Ethereum address format"),
        ),
        (
            "GET",
            "/operator/%FF/machines?limit=%FF".into(),
            422,
            json!([{
                "type": "int_parsing",
                "loc": ["query", "limit"],
                "msg": "Input should be a valid integer, unable to parse string as an integer",
                "input": "\u{fffd}",
            }]),
        ),
        ("GET", format!("/mcr/{long}"), 414, json!("URI Too Long")),
        ("GET", format!("/health?{long}"), 414, json!("URI Too Long")),
    ];
    for (method, path, status, detail) in cases {
        let (st, ctype, text) = request(method, &format!("{base}{path}"), &[]).await;
        let shown = &path[..path.len().min(60)];
        assert_eq!(st, status, "{method} {shown}: {text}");
        assert!(
            ctype.starts_with("application/json"),
            "{method} {shown}: {ctype}"
        );
        let body: Value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{method} {shown}: not JSON: {text:?}"));
        assert_eq!(body, json!({ "detail": detail }), "{method} {shown}");
    }
    // The 405 still says what is allowed.
    let res = reqwest::Client::new()
        .post(format!("{base}/health"))
        .send()
        .await
        .expect("request");
    assert_eq!(res.status().as_u16(), 405);
    assert!(res.headers().get("allow").is_some());
    mcr.shutdown().await;
}

// --------------------------------------------- finding 16: trusted proxies, /ready cost

#[tokio::test]
async fn forwarding_headers_count_only_from_trusted_proxies() {
    let url = |mcr: &peaqos_mcr::RunningMcr| {
        format!("{}/mcr/did:peaq:{}", mcr.url(), Address::repeat_byte(3))
    };
    // Default: the socket peer is the client, whatever the headers say.
    let dir = ScratchDir::new("mcr-xff").expect("dir");
    let mcr = spawn_test_mode(&dir, |c| c.rate_limit_per_minute = 2).await;
    let mut statuses = Vec::new();
    for client in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
        let (st, _, _) = request("GET", &url(&mcr), &[("x-forwarded-for", client)]).await;
        statuses.push(st);
    }
    assert_eq!(
        statuses,
        [503, 503, 429],
        "spoofed headers do not buy new buckets"
    );
    mcr.shutdown().await;

    // Behind a trusted proxy (here: loopback), each forwarded client has its own bucket.
    let dir = ScratchDir::new("mcr-xff-trusted").expect("dir");
    let mcr = spawn_test_mode(&dir, |c| {
        c.rate_limit_per_minute = 2;
        c.trusted_proxies = vec!["127.0.0.0/8".parse().expect("range")];
    })
    .await;
    for client in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
        let (st, _, _) = request("GET", &url(&mcr), &[("x-forwarded-for", client)]).await;
        assert_eq!(st, 503, "{client} has its own bucket");
    }
    let fwd = [("forwarded", "for=198.51.100.9;proto=https")];
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(request("GET", &url(&mcr), &fwd).await.0);
    }
    assert_eq!(statuses, [503, 503, 429], "one client, one bucket");
    mcr.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_is_cached_and_rate_limited() {
    let devnet = devnet().await;
    let owner = client(&devnet, 0);
    let proxy = RpcProxy::start(&devnet.url).await;
    let dir = ScratchDir::new("mcr-ready").expect("dir");
    let mut config = McrConfig::for_devnet(&proxy.url, contracts(&devnet), &sqlite_url(&dir));
    config.ready_rate_limit_per_minute = 25;
    config.ready_cache_ttl = Duration::from_secs(1);
    let mcr = McrService::spawn(config).await.expect("starts");
    sync(&mcr, &owner).await;
    let ready = format!("{}/ready", mcr.url());
    // The indexer never asks for code: every eth_getCode is /ready's (5 per computation: four
    // contracts and AdminFlags).
    let before = proxy.calls("eth_getCode");
    let started = Instant::now();
    for _ in 0..20 {
        assert_eq!(get_json(&ready).await.0, 200);
    }
    let windows = started.elapsed().as_secs() + 1;
    let computed = proxy.calls("eth_getCode") - before;
    assert!(
        computed <= 5 * usize::try_from(windows).unwrap_or(usize::MAX),
        "20 /ready in {:?} made {computed} eth_getCode calls",
        started.elapsed()
    );
    let mut statuses = Vec::new();
    for _ in 0..10 {
        statuses.push(request("GET", &ready, &[]).await);
    }
    let limited: Vec<_> = statuses.iter().filter(|(st, _, _)| *st == 429).collect();
    assert_eq!(limited.len(), 5, "25 per minute: {statuses:?}");
    let body: Value = serde_json::from_str(&limited[0].2).expect("json");
    assert_eq!(
        body,
        json!({"detail": "Rate limit exceeded: 25 per 1 minute"})
    );
    mcr.shutdown().await;
    devnet.shutdown().await.expect("devnet stops");
}
