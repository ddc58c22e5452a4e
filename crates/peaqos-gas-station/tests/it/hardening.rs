//! Issue 13 (hardening): every finding of the adversarial review that concerns the Gas Station,
//! each probed over real HTTP on loopback.

use crate::common;

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use common::*;
use peaqos_gas_station::FaucetCode;
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// Sends `request` as is on a fresh connection and reads the answer to the end:
/// `(status, headers, body)`.
async fn raw(addr: std::net::SocketAddr, request: &[u8]) -> (u16, String, Vec<u8>) {
    let mut socket = TcpStream::connect(addr).await.expect("connect");
    socket.write_all(request).await.expect("write");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(20), socket.read_to_end(&mut answer)).await;
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete head");
    let head = String::from_utf8_lossy(&answer[..split]).to_string();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    let mut body = answer[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    (status, head, body)
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(std::str::from_utf8(&data[..eol]).expect("size"), 16)
            .expect("hex size");
        if size == 0 {
            break;
        }
        out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
        data = &data[eol + 4 + size..];
    }
    out
}

/// The body of `answer` is the error envelope with `code`, at the code's status.
fn assert_envelope(answer: &(u16, String, Vec<u8>), code: FaucetCode) {
    let body: Value = serde_json::from_slice(&answer.2).unwrap_or_else(|_| {
        panic!(
            "not JSON: {} {:?}",
            answer.1,
            String::from_utf8_lossy(&answer.2)
        )
    });
    assert_eq!(
        (answer.0, body["status"].as_str(), body["code"].as_str()),
        (code.http_status(), Some("error"), Some(code.as_str())),
        "{body}"
    );
    assert!(body["message"].is_string(), "{body}");
    assert!(
        answer
            .1
            .to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{}",
        answer.1
    );
}

/// Finding 21: the zero address is neither a fund target nor an owner.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_zero_address_is_refused() {
    let h = Harness::start(|_| {}).await;
    let s = &h.station;
    let http = http();
    let zero = alloy::primitives::Address::ZERO;
    let owner = random_address();
    let secret = enroll(&http, &s.url(), owner).await;
    let reply = fund(
        &http,
        &s.url(),
        &fund_body(owner, zero, "local", &code(&secret, 0), &new_id()),
    )
    .await;
    assert_error(&reply, FaucetCode::InvalidTargetAddress);
    for path in ["/2fa/setup", "/2fa/confirm", "/faucet/fund"] {
        let reply = post(
            &http,
            &s.url(),
            path,
            &fund_body(zero, owner, "local", "123456", &new_id()),
        )
        .await;
        assert_error(&reply, FaucetCode::InvalidOwnerAddress);
    }
    h.stop().await;
}

/// Finding 14: a forged `Host` never reaches the `qrImageUrl`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qr_image_url_ignores_the_host_header() {
    let devnet = devnet().await;
    let db = TestDb::sqlite();
    let s = station(config(&devnet, &db)).await;
    let owner = random_address().to_checksum(None);
    let body = json!({"ownerAddress": owner}).to_string();
    let request = format!(
        "POST /2fa/setup HTTP/1.1\r\nHost: evil.example:666\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let answer = raw(s.local_addr(), request.as_bytes()).await;
    assert_eq!(answer.0, 200, "{answer:?}");
    let body: Value = serde_json::from_slice(&answer.2).expect("json");
    let url = body["data"]["qrImageUrl"].as_str().expect("qrImageUrl");
    assert!(
        url.starts_with(&format!("{}/2fa/qr/", s.url())),
        "{url} is not on {}",
        s.url()
    );
    // A configured public URL wins.
    s.shutdown().await;
    let mut cfg = config(&devnet, &db);
    cfg.public_url = Some("https://faucet.example/".into());
    let s = station(cfg).await;
    let answer = raw(s.local_addr(), request.as_bytes()).await;
    let body: Value = serde_json::from_slice(&answer.2).expect("json");
    let url = body["data"]["qrImageUrl"].as_str().expect("qrImageUrl");
    assert!(url.starts_with("https://faucet.example/2fa/qr/"), "{url}");
    s.shutdown().await;
    db.cleanup().await;
    devnet.shutdown().await.expect("devnet stops");
}

/// Finding 15: every error the HTTP layer produces is the documented envelope with a code of
/// the table at that code's status.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_layer_errors_are_envelopes() {
    let h = Harness::start(|cfg| {
        cfg.max_body_bytes = 1024;
    })
    .await;
    let s = &h.station;
    let addr = s.local_addr();
    let get = |path: &str| {
        format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").into_bytes()
    };
    let post = |path: &str, ctype: &str, body: &[u8]| {
        let mut r = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        r.extend_from_slice(body);
        r
    };
    // 405: a known path with the wrong method.
    assert_envelope(
        &raw(addr, &get("/faucet/fund")).await,
        FaucetCode::MethodNotAllowed,
    );
    assert_envelope(
        &raw(addr, &post("/health", "application/json", b"{}")).await,
        FaucetCode::MethodNotAllowed,
    );
    let delete = b"DELETE /2fa/setup HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    assert_envelope(&raw(addr, delete).await, FaucetCode::MethodNotAllowed);
    // 404: unknown routes.
    assert_envelope(&raw(addr, &get("/nope")).await, FaucetCode::NotFound);
    assert_envelope(&raw(addr, &get("/2fa/qr/")).await, FaucetCode::NotFound);
    // Invalid UTF-8 in a path parameter.
    assert_envelope(
        &raw(addr, &get("/2fa/qr/%FF%FE")).await,
        FaucetCode::QrNotFound,
    );
    // A long path (still below hyper's own 64 KiB URI limit).
    let long = format!("/2fa/qr/{}", "a".repeat(16 * 1024));
    assert_envelope(&raw(addr, &get(&long)).await, FaucetCode::QrNotFound);
    let long = format!("/{}", "a".repeat(16 * 1024));
    assert_envelope(&raw(addr, &get(&long)).await, FaucetCode::NotFound);
    // 413: a body over the limit, declared or streamed.
    let big = vec![b'x'; 4096];
    assert_envelope(
        &raw(addr, &post("/2fa/setup", "application/json", &big)).await,
        FaucetCode::InvalidPayload,
    );
    let mut chunked =
        b"POST /faucet/fund HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
        Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n1000\r\n"
            .to_vec();
    chunked.extend_from_slice(&[b'x'; 0x1000]);
    chunked.extend_from_slice(b"\r\n0\r\n\r\n");
    assert_envelope(&raw(addr, &chunked).await, FaucetCode::InvalidPayload);
    // Other content types, bad JSON, JSON of the wrong shape, invalid UTF-8 in the body.
    for (ctype, body) in [
        ("text/plain", &b"{\"ownerAddress\": 1}"[..]),
        ("application/x-www-form-urlencoded", b"ownerAddress=0x1"),
        ("application/json", b"{\"ownerAddress\": "),
        ("application/json", b"\xff\xfe"),
        ("application/json", b"null"),
        ("application/json", b""),
    ] {
        for path in ["/2fa/setup", "/2fa/confirm", "/faucet/fund"] {
            assert_envelope(
                &raw(addr, &post(path, ctype, body)).await,
                FaucetCode::InvalidPayload,
            );
        }
    }
    h.stop().await;
}

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("lock")).to_string()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Self;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Finding 6: RPC URLs and the database password reach no log line, `Debug` output or answer.
/// One thread (current-thread runtime): the capturing subscriber sees every task of the
/// station.
#[tokio::test(flavor = "current_thread")]
async fn urls_with_secrets_are_redacted_everywhere() {
    const SECRET: &str = "s3cr3tK3y";
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        // The binary's writer (`peaqos_service::redacted_stderr`) around a buffer.
        .with_writer({
            let logs = logs.clone();
            move || peaqos_service::Redacting(logs.clone())
        })
        .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    // A dead RPC (a port nobody listens on) with the key in its path and query.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = dead.local_addr().expect("addr").port();
    drop(dead);
    let rpc = format!("http://127.0.0.1:{port}/v3/{SECRET}?apikey={SECRET}");
    let devnet = devnet().await;
    let db = TestDb::sqlite();
    let mut cfg = peaqos_gas_station::GasStationConfig::for_devnet(
        &rpc,
        "local",
        &funding_key(&devnet),
        &db.url,
    );
    let mut shown = format!("{cfg:?}");
    // Database URLs with a password that cannot be used (an invalid port: it fails at once;
    // a dead one would be retried until the pool's acquire timeout).
    let mut bad_db = cfg.clone();
    bad_db.database_url = format!("postgres://gs:{SECRET}@127.0.0.1:{port}0000/gs");
    shown.push_str(&format!("{bad_db:?}"));
    let err = peaqos_gas_station::GasStation::spawn(bad_db)
        .await
        .expect_err("no database there");
    shown.push_str(&format!("{err} {err:?}"));
    cfg.receipt_timeout = Duration::from_secs(1);
    let s = station(cfg).await;
    shown.push_str(&format!("{:?}", s.service()));
    let http = http();
    let owner = random_address();
    let secret = enroll(&http, &s.url(), owner).await;
    let mut answers = String::new();
    let reply = fund_fresh(&http, &s.url(), owner, &code(&secret, 0)).await;
    assert_error(&reply, FaucetCode::ChainRpcError);
    answers.push_str(&reply.1.to_string());
    let health = http
        .get(format!("{}/health", s.url()))
        .send()
        .await
        .expect("health")
        .text()
        .await
        .expect("text");
    answers.push_str(&health);
    s.shutdown().await;
    let logs = logs.text();
    assert!(
        logs.contains("127.0.0.1"),
        "the logs saw the failures: {logs}"
    );
    for (what, text) in [("logs", &logs), ("Debug", &shown), ("answers", &answers)] {
        assert!(
            !text.contains(SECRET),
            "the secret is in the {what}: {text}"
        );
    }
    db.cleanup().await;
    devnet.shutdown().await.expect("devnet stops");
}

/// A client whose connections come from `ip` (any 127.0.0.0/8 address is loopback on Linux).
fn http_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .local_address(ip.parse::<std::net::IpAddr>().expect("ip"))
        .build()
        .expect("client")
}

async fn count(s: &peaqos_gas_station::RunningGasStation, sql: &str) -> i64 {
    use sqlx::Row as _;
    sqlx::query(sql)
        .fetch_one(s.service().store.pool())
        .await
        .expect("count")
        .try_get(0)
        .expect("a number")
}

async fn setup_as(http: &reqwest::Client, base: &str, owner: &str, extra: Value) -> (u16, Value) {
    let mut body = json!({"ownerAddress": owner});
    if let (Some(b), Value::Object(e)) = (body.as_object_mut(), extra) {
        b.extend(e);
    }
    post(http, base, "/2fa/setup", &body).await
}

/// Finding 8: setups are limited per IP and in all (refused with `RATE_LIMITED`), the rows a
/// flood leaves stay bounded and small, and unconfirmed enrollments expire and are purged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_floods_are_refused_and_pending_enrollments_expire() {
    let h = Harness::start(|cfg| {
        cfg.setup_limit_per_ip = 5;
        cfg.setup_limit = 8;
        cfg.pending_ttl = Duration::from_secs(3);
        cfg.reconcile_interval = Duration::from_millis(500);
    })
    .await;
    let s = &h.station;
    let base = s.url();
    let one = http_from("127.0.0.1");
    // An active owner (one setup), whose later setups are not counted.
    let active = random_address();
    enroll(&one, &base, active).await;
    let mut accepted = 0;
    for i in 0..20 {
        let reply = setup_as(&one, &base, &random_address().to_checksum(None), json!({})).await;
        if i < 4 {
            assert_eq!(reply.0, 200, "{reply:?}");
            accepted += 1;
        } else {
            assert_error(&reply, FaucetCode::RateLimited);
        }
    }
    assert_error(
        &setup_as(&one, &base, &active.to_checksum(None), json!({})).await,
        FaucetCode::TwoFaAlreadyConfigured,
    );
    // Another IP has its own count, until the global limit (8).
    let two = http_from("127.0.0.2");
    for i in 0..5 {
        let reply = setup_as(&two, &base, &random_address().to_checksum(None), json!({})).await;
        if i < 3 {
            assert_eq!(reply.0, 200, "{reply:?}");
            accepted += 1;
        } else {
            assert_error(&reply, FaucetCode::RateLimited);
        }
    }
    assert_eq!(accepted, 7);
    // Bounded: one row per admitted setup, a sealed secret each, no stored image.
    assert_eq!(count(s, "SELECT COUNT(*) FROM enrollments").await, 8);
    assert_eq!(count(s, "SELECT COUNT(*) FROM qr_tokens").await, 8);
    let bytes = count(
        s,
        "SELECT SUM(LENGTH(secret)) + (SELECT SUM(LENGTH(image) + LENGTH(label)) FROM qr_tokens) \
         FROM enrollments",
    )
    .await;
    assert!(bytes < 8 * 400, "{bytes} bytes stored");
    // A pending enrollment past its TTL is gone: confirm says not configured, the rows go.
    let pending = random_address();
    let three = http_from("127.0.0.3");
    assert_error(
        &setup_as(&three, &base, &pending.to_checksum(None), json!({})).await,
        FaucetCode::RateLimited,
    );
    tokio::time::sleep(Duration::from_millis(4000)).await;
    assert_eq!(
        count(s, "SELECT COUNT(*) FROM enrollments WHERE active = 0").await,
        0
    );
    assert_eq!(count(s, "SELECT COUNT(*) FROM enrollments").await, 1);
    assert_eq!(count(s, "SELECT COUNT(*) FROM qr_tokens").await, 1);
    h.stop().await;
}

/// Finding 8 (expiry seen by the API): confirm on an expired pending enrollment is
/// `2FA_NOT_CONFIGURED`, even before the purge.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_pending_enrollments_cannot_be_confirmed() {
    let h = Harness::start(|cfg| {
        cfg.pending_ttl = Duration::from_secs(2);
        cfg.reconcile_interval = Duration::from_secs(3600);
    })
    .await;
    let s = &h.station;
    let http = http();
    let owner = random_address();
    let (_, secret) = setup(&http, &s.url(), owner).await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_error(
        &confirm(&http, &s.url(), owner, &code(&secret, 0)).await,
        FaucetCode::TwoFaNotConfigured,
    );
    // The next setup purges it (on write) and starts over.
    let (_, secret) = setup(&http, &s.url(), owner).await;
    assert_eq!(count(s, "SELECT COUNT(*) FROM enrollments").await, 1);
    assert_ok(
        &confirm(&http, &s.url(), owner, &code(&secret, 0)).await,
        "success",
        "2FA_ACTIVATED",
    );
    h.stop().await;
}

/// A code of `secret` that is none of the three valid ones.
fn wrong_code(secret: &[u8]) -> String {
    let base = code(secret, 0).parse::<u32>().expect("digits");
    (1..)
        .map(|k: u32| format!("{:06}", (base + 104_729 * k) % 1_000_000))
        .find(|g| (-1..=1).all(|o| &code(secret, o) != g))
        .expect("a wrong code")
}

/// Finding 13 (a): an IP that sends many bad codes is refused itself, whatever the owner; an
/// IP that proved the secret is not held by an owner lock that others caused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_codes_lock_the_ip_and_trusted_ips_pass_owner_locks() {
    let h = Harness::start(|cfg| {
        cfg.ip_max_failed_attempts = 6;
    })
    .await;
    let s = &h.station;
    let base = s.url();
    let owner_ip = http_from("127.0.0.1");
    fresh_step(15).await;
    let a = random_address();
    let a_secret = enroll(&owner_ip, &base, a).await;
    let b = random_address();
    let b_secret = enroll(&owner_ip, &base, b).await;

    // The attacker locks owner `a` (5 bad codes)...
    let attacker = http_from("127.0.0.9");
    for i in 0..5 {
        let reply = confirm(&attacker, &base, a, &wrong_code(&a_secret)).await;
        let expected = if i < 4 {
            FaucetCode::Invalid2fa
        } else {
            FaucetCode::TwoFaLocked
        };
        assert_error(&reply, expected);
    }
    // ...which holds for every IP that never gave a valid code for `a`,
    let stranger = http_from("127.0.0.10");
    assert_error(
        &fund_fresh(&stranger, &base, a, &code(&a_secret, 0)).await,
        FaucetCode::TwoFaLocked,
    );
    // but not for the owner's own IP.
    assert_ok(
        &fund_fresh(&owner_ip, &base, a, &code(&a_secret, 0)).await,
        "success",
        "SUCCESS",
    );
    // The attacker's 6th bad code (on another owner) is the IP's last: then RATE_LIMITED,
    // even with a valid code of an owner it has never touched.
    assert_error(
        &confirm(&attacker, &base, b, &wrong_code(&b_secret)).await,
        FaucetCode::Invalid2fa,
    );
    assert_error(
        &fund_fresh(&attacker, &base, b, &code(&b_secret, 0)).await,
        FaucetCode::RateLimited,
    );
    // Other IPs are not affected.
    assert_ok(
        &fund_fresh(&stranger, &base, b, &code(&b_secret, 0)).await,
        "success",
        "SUCCESS",
    );
    h.stop().await;
}

/// `{ownerSignature, signedAt}` by `signer` for `owner` at `signed_at`.
fn proof(signer: &alloy::signers::local::PrivateKeySigner, owner: &str, signed_at: u64) -> Value {
    use alloy::signers::SignerSync as _;
    let message = peaqos_types::faucet::owner_proof_message(owner, signed_at);
    let signature = signer.sign_message_sync(message.as_bytes()).expect("sign");
    json!({
        "ownerSignature": format!("0x{}", alloy::hex::encode(signature.as_bytes())),
        "signedAt": signed_at,
    })
}

/// Finding 13 (b): an optional EIP-191 proof of control of the owner address at setup; when
/// present it must verify; it takes back an address squatted by an unproven enrollment; a
/// config switch requires it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owner_signatures_prove_control_of_the_owner() {
    use alloy::signers::local::PrivateKeySigner;
    let devnet = devnet().await;
    let db = TestDb::sqlite();
    let s = station(config(&devnet, &db)).await;
    let (base, http) = (s.url(), http());
    let owner_key = PrivateKeySigner::random();
    let owner = owner_key.address().to_checksum(None);
    let now = unix_now();
    // Malformed, wrong signer, stale, future, half a proof, an SS58 owner.
    let other = PrivateKeySigner::random();
    for bad in [
        json!({"ownerSignature": "0x1234", "signedAt": now}),
        proof(&other, &owner, now),
        proof(&owner_key, &owner, now - 1000),
        proof(&owner_key, &owner, now + 1000),
        proof(&owner_key, &other.address().to_string(), now),
    ] {
        assert_error(
            &setup_as(&http, &base, &owner, bad).await,
            FaucetCode::InvalidOwnerSignature,
        );
    }
    assert_error(
        &setup_as(&http, &base, &owner, json!({"signedAt": now})).await,
        FaucetCode::InvalidPayload,
    );
    assert_error(
        &setup_as(
            &http,
            &base,
            "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
            proof(&owner_key, &owner, now),
        )
        .await,
        FaucetCode::InvalidOwnerSignature,
    );

    // A squatter enrolls and confirms the owner's address first (no proof needed).
    let squat = setup_as(&http, &base, &owner, json!({})).await;
    assert_eq!(squat.0, 200, "{squat:?}");
    let squat_secret = peaqos_gas_station::totp::secret_of_uri(
        squat.1["data"]["otpauthUri"].as_str().expect("uri"),
    )
    .expect("secret")
    .to_vec();
    let owner_addr = owner_key.address();
    fresh_step(10).await;
    assert_ok(
        &confirm(&http, &base, owner_addr, &code(&squat_secret, 0)).await,
        "success",
        "2FA_ACTIVATED",
    );
    // Without a proof the owner is told it is configured; with one it takes the address back.
    assert_error(
        &setup_as(&http, &base, &owner, json!({})).await,
        FaucetCode::TwoFaAlreadyConfigured,
    );
    let taken = setup_as(&http, &base, &owner, proof(&owner_key, &owner, unix_now())).await;
    assert_eq!(taken.0, 200, "{taken:?}");
    let secret = peaqos_gas_station::totp::secret_of_uri(
        taken.1["data"]["otpauthUri"].as_str().expect("uri"),
    )
    .expect("secret")
    .to_vec();
    // The squatter's secret is dead; nobody can restart a proven enrollment without a newer
    // proof.
    assert_error(
        &fund_fresh(&http, &base, owner_addr, &code(&squat_secret, 1)).await,
        FaucetCode::TwoFaNotActive,
    );
    assert_error(
        &setup_as(&http, &base, &owner, json!({})).await,
        FaucetCode::InvalidOwnerSignature,
    );
    assert_ok(
        &confirm(&http, &base, owner_addr, &code(&secret, 0)).await,
        "success",
        "2FA_ACTIVATED",
    );
    // Proven and confirmed: never replaced, not even with a proof.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_error(
        &setup_as(&http, &base, &owner, proof(&owner_key, &owner, unix_now())).await,
        FaucetCode::TwoFaAlreadyConfigured,
    );
    s.shutdown().await;

    // Required by configuration: no proof, no setup; a proof works.
    let mut cfg = config(&devnet, &db);
    cfg.require_owner_signature = true;
    let s = station(cfg).await;
    let fresh = PrivateKeySigner::random();
    let fresh_owner = fresh.address().to_checksum(None);
    assert_error(
        &setup_as(&http, &s.url(), &fresh_owner, json!({})).await,
        FaucetCode::InvalidOwnerSignature,
    );
    let ok = setup_as(
        &http,
        &s.url(),
        &fresh_owner,
        proof(&fresh, &fresh_owner, unix_now()),
    )
    .await;
    assert_eq!(ok.0, 200, "{ok:?}");
    s.shutdown().await;
    db.cleanup().await;
    devnet.shutdown().await.expect("devnet stops");
}

/// Per-IP limits behind a reverse proxy: `X-Forwarded-For` names the client only when the
/// socket peer is a configured trusted proxy (`GAS_STATION_TRUSTED_PROXIES`); from anyone else
/// the header is ignored, so a client cannot pick a fresh key per request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_ip_limits_follow_only_a_trusted_proxy() {
    let h = Harness::start(|cfg| {
        cfg.setup_limit_per_ip = 2;
        cfg.setup_limit = 1000;
        cfg.trusted_proxies = vec!["127.0.0.5".parse().expect("range")];
    })
    .await;
    let s = &h.station;
    let base = s.url();
    let setup_via = |http: reqwest::Client, forwarded: String| {
        let base = base.clone();
        async move {
            let body = json!({"ownerAddress": random_address().to_checksum(None)});
            let res = http
                .post(format!("{base}/2fa/setup"))
                .header("x-forwarded-for", forwarded)
                .json(&body)
                .send()
                .await
                .expect("answer");
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.expect("json"))
        }
    };
    // An untrusted peer: its header is ignored, the third setup is over its own limit.
    let direct = http_from("127.0.0.1");
    for i in 0..3 {
        let reply = setup_via(direct.clone(), format!("203.0.113.{i}")).await;
        if i < 2 {
            assert_eq!(reply.0, 200, "{reply:?}");
        } else {
            assert_error(&reply, FaucetCode::RateLimited);
        }
    }
    // Through the trusted proxy: each forwarded client has its own count.
    let proxy = http_from("127.0.0.5");
    for i in 0..3 {
        let reply = setup_via(proxy.clone(), format!("198.51.100.{i}")).await;
        assert_eq!(reply.0, 200, "{reply:?}");
    }
    let again = setup_via(proxy.clone(), "198.51.100.0".into()).await;
    assert_eq!(again.0, 200, "{again:?}");
    assert_error(
        &setup_via(proxy, "198.51.100.0".into()).await,
        FaucetCode::RateLimited,
    );
    h.stop().await;
}
