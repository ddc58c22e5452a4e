//! Every documented error code (and `2FA_ALREADY_CONFIGURED`) produced through the HTTP API,
//! each with its fixed HTTP status, plus the success and skipped envelopes.

use crate::common;

use std::{collections::BTreeSet, time::Duration};

use common::*;
use peaqos_gas_station::{FaucetCode, totp};
use serde_json::json;
use tokio::{io::AsyncReadExt, net::TcpListener};

/// Codes seen so far, checked against [`FaucetCode::ALL`] at the end.
#[derive(Default)]
struct Seen(BTreeSet<&'static str>);

impl Seen {
    fn expect(&mut self, reply: &(u16, serde_json::Value), code: FaucetCode) -> serde_json::Value {
        let body = assert_error(reply, code);
        self.0.insert(code.as_str());
        body
    }
}

/// A JSON-RPC "node" that accepts connections, reads the request and hangs up after `delay`:
/// requests to it stay in flight for `delay`, then fail without an answer. The receiver gets
/// one message per request received.
async fn hanging_rpc(delay: Duration) -> (String, tokio::sync::mpsc::UnboundedReceiver<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let _ = tx.send(());
                tokio::time::sleep(delay).await;
            });
        }
    });
    (url, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_error_code_through_http() {
    let devnet = devnet().await;
    let http = http();
    let mut seen = Seen::default();

    // --- station A: amounts and limits small enough to hit every limit.
    let db = TestDb::sqlite();
    let mut cfg = config(&devnet, &db);
    cfg.chains[0].amount = peaq(1);
    cfg.chains[0].min_gas_balance = peaq(100);
    cfg.chains[0].wallet_daily_cap = peaq(1);
    cfg.chains[0].owner_daily_cap = peaq(3);
    cfg.rate_limit = 5;
    cfg.max_body_bytes = 2048;
    let a = station(cfg).await;
    let base = a.url();

    // Health.
    let health: serde_json::Value = http
        .get(format!("{base}/health"))
        .send()
        .await
        .expect("health")
        .json()
        .await
        .expect("json");
    assert_eq!(health["status"], "ok");

    // INVALID_PAYLOAD: not JSON, not an object, a missing field, an unknown format, too large.
    seen.expect(
        &post_raw(&http, &base, "/faucet/fund", "not json".into()).await,
        FaucetCode::InvalidPayload,
    );
    seen.expect(
        &post_raw(&http, &base, "/2fa/confirm", "[1]".into()).await,
        FaucetCode::InvalidPayload,
    );
    seen.expect(
        &post(&http, &base, "/faucet/fund", &json!({"ownerAddress": "0x"})).await,
        FaucetCode::InvalidPayload,
    );
    let owner = random_address();
    seen.expect(
        &post(
            &http,
            &base,
            "/2fa/setup",
            &json!({"ownerAddress": owner.to_checksum(None), "format": "gif"}),
        )
        .await,
        FaucetCode::InvalidPayload,
    );
    let huge = json!({"ownerAddress": "x".repeat(4096)}).to_string();
    seen.expect(
        &post_raw(&http, &base, "/2fa/setup", huge).await,
        FaucetCode::InvalidPayload,
    );

    // INVALID_OWNER_ADDRESS on setup, confirm and fund.
    for path in ["/2fa/setup", "/2fa/confirm", "/faucet/fund"] {
        let body = fund_body(owner, owner, "local", "123456", &new_id());
        let mut body = body.as_object().expect("object").clone();
        body.insert("ownerAddress".into(), json!("0xOwner..."));
        seen.expect(
            &post(&http, &base, path, &body.into()).await,
            FaucetCode::InvalidOwnerAddress,
        );
    }

    // 2FA_NOT_CONFIGURED: confirm and fund before setup.
    seen.expect(
        &post(
            &http,
            &base,
            "/2fa/confirm",
            &json!({"ownerAddress": owner.to_checksum(None), "twoFactorCode": "123456"}),
        )
        .await,
        FaucetCode::TwoFaNotConfigured,
    );
    let target = random_address();
    seen.expect(
        &fund(
            &http,
            &base,
            &fund_body(owner, target, "local", "123456", &new_id()),
        )
        .await,
        FaucetCode::TwoFaNotConfigured,
    );

    // Setup (svg and png served), then 2FA_NOT_ACTIVE, INVALID_2FA, confirm, 2FA_ALREADY_CONFIGURED.
    let setup = post(
        &http,
        &base,
        "/2fa/setup",
        &json!({"ownerAddress": owner.to_checksum(None), "format": "png"}),
    )
    .await;
    assert_eq!(
        (setup.0, setup.1["status"].as_str()),
        (200, Some("success")),
        "{setup:?}"
    );
    assert_eq!(setup.1["data"]["ownerAddress"], owner.to_checksum(None));
    let qr_url = setup.1["data"]["qrImageUrl"]
        .as_str()
        .expect("qr url")
        .to_owned();
    let image = http.get(&qr_url).send().await.expect("qr");
    assert_eq!(image.status().as_u16(), 200);
    assert_eq!(image.headers()["content-type"], "image/png");
    assert_eq!(&image.bytes().await.expect("png")[..4], b"\x89PNG");
    let uri = setup.1["data"]["otpauthUri"].as_str().expect("uri");
    assert!(uri.starts_with("otpauth://totp/") && uri.contains("issuer="));
    let secret = totp::secret_of_uri(uri).expect("secret").to_vec();
    seen.expect(
        &fund(
            &http,
            &base,
            &fund_body(owner, target, "local", &code(&secret, 0), &new_id()),
        )
        .await,
        FaucetCode::TwoFaNotActive,
    );
    let wrong = format!(
        "{:06}",
        (code(&secret, 0).parse::<u32>().expect("digits") + 500_000) % 1_000_000
    );
    seen.expect(
        &post(
            &http,
            &base,
            "/2fa/confirm",
            &json!({"ownerAddress": owner.to_checksum(None), "twoFactorCode": wrong}),
        )
        .await,
        FaucetCode::Invalid2fa,
    );
    fresh_step(8).await;
    let ok = post(
        &http,
        &base,
        "/faucet/2fa/confirm",
        &json!({"ownerAddress": owner.to_checksum(None), "twoFactorCode": code(&secret, 0)}),
    )
    .await;
    assert_ok(&ok, "success", "2FA_ACTIVATED");
    seen.expect(
        &post(
            &http,
            &base,
            "/faucet/2fa/setup",
            &json!({"ownerAddress": owner.to_checksum(None)}),
        )
        .await,
        FaucetCode::TwoFaAlreadyConfigured,
    );
    // The same owner in another casing is the same owner.
    let lower = format!("{owner:#x}");
    seen.expect(
        &post(&http, &base, "/2fa/setup", &json!({"ownerAddress": lower})).await,
        FaucetCode::TwoFaAlreadyConfigured,
    );
    // SS58 owners enroll too; the owner is echoed as sent.
    let ss58 = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
    let reply = post(&http, &base, "/2fa/setup", &json!({"ownerAddress": ss58})).await;
    assert_eq!(
        (reply.0, reply.1["data"]["ownerAddress"].as_str()),
        (200, Some(ss58))
    );

    // Field validation of fund: INVALID_TARGET_ADDRESS, INVALID_CHAIN_ID, INVALID_REQUEST_ID.
    let c0 = code(&secret, 0);
    let id = || uuid::Uuid::new_v4().to_string();
    let mut bad_target = fund_body(owner, target, "local", &c0, &id());
    bad_target["targetWalletAddress"] = json!("0x1234");
    seen.expect(
        &fund(&http, &base, &bad_target).await,
        FaucetCode::InvalidTargetAddress,
    );
    seen.expect(
        &fund(&http, &base, &fund_body(owner, target, "mars", &c0, &id())).await,
        FaucetCode::InvalidChainId,
    );
    seen.expect(
        &fund(
            &http,
            &base,
            &fund_body(owner, target, "local", &c0, "not-a-uuid"),
        )
        .await,
        FaucetCode::InvalidRequestId,
    );

    // SUCCESS, then REQUEST_ALREADY_PROCESSED with the original result.
    let first_id = id();
    let funded = fund(
        &http,
        &base,
        &fund_body(owner, target, "local", &c0, &first_id),
    )
    .await;
    assert_ok(&funded, "success", "SUCCESS");
    assert_eq!(funded.1["data"]["fundedAmount"], peaq(1).to_string());
    assert_eq!(balance(&devnet, target).await, peaq(1));
    let again = seen.expect(
        &fund(
            &http,
            &base,
            &fund_body(owner, target, "local", &c0, &first_id),
        )
        .await,
        FaucetCode::RequestAlreadyProcessed,
    );
    assert_eq!(again["data"]["result"], funded.1);

    // A replayed code for the same wallet is refused (2FA_EXPIRED, not a failed attempt), a
    // fresh one reaches the wallet cap: CAP_EXCEEDED_WALLET.
    seen.expect(
        &fund(&http, &base, &fund_body(owner, target, "local", &c0, &id())).await,
        FaucetCode::TwoFaExpired,
    );
    seen.expect(
        &fund(
            &http,
            &base,
            &fund_body(owner, target, "local", &code(&secret, 1), &id()),
        )
        .await,
        FaucetCode::CapExceededWallet,
    );
    // Two more wallets fill the owner cap (3 PEAQ), the next one is CAP_EXCEEDED_OWNER.
    for _ in 0..2 {
        let r = fund(
            &http,
            &base,
            &fund_body(owner, random_address(), "local", &c0, &id()),
        )
        .await;
        assert_eq!(r.1["code"], "SUCCESS", "{r:?}");
    }
    seen.expect(
        &fund(
            &http,
            &base,
            &fund_body(owner, random_address(), "local", &c0, &id()),
        )
        .await,
        FaucetCode::CapExceededOwner,
    );
    // That was the 5th request past 2FA in this window (the replay was refused before): the
    // 6th is RATE_LIMITED.
    seen.expect(
        &fund(
            &http,
            &base,
            &fund_body(owner, random_address(), "local", &c0, &id()),
        )
        .await,
        FaucetCode::RateLimited,
    );

    // Skipped: a rich wallet. `peaq` is an alias of the devnet chain.
    let rich_owner = random_address();
    let rich_secret = enroll(&http, &base, rich_owner).await;
    let skipped = fund(
        &http,
        &base,
        &fund_body(
            rich_owner,
            devnet.accounts[2].address,
            "peaq",
            &code(&rich_secret, 0),
            &id(),
        ),
    )
    .await;
    assert_ok(&skipped, "skipped", "SUFFICIENT_BALANCE");
    assert_eq!(skipped.1["data"]["minGasBalance"], peaq(100).to_string());

    // 2FA_LOCKED: five wrong codes.
    let brute = random_address();
    let brute_secret = enroll(&http, &base, brute).await;
    let mut last = (0, json!(null));
    for i in 0..5 {
        let guess = format!(
            "{:06}",
            (code(&brute_secret, 0).parse::<u32>().expect("digits") + 1 + i) % 1_000_000
        );
        last = fund(
            &http,
            &base,
            &fund_body(brute, random_address(), "local", &guess, &id()),
        )
        .await;
    }
    seen.expect(&last, FaucetCode::TwoFaLocked);

    // NOT_FOUND, METHOD_NOT_ALLOWED.
    seen.expect(
        &get(&http, &format!("{base}/no/such/endpoint")).await,
        FaucetCode::NotFound,
    );
    seen.expect(
        &get(&http, &format!("{base}/faucet/fund")).await,
        FaucetCode::MethodNotAllowed,
    );
    // INVALID_OWNER_SIGNATURE: a signature that is not the owner's.
    seen.expect(
        &post(
            &http,
            &base,
            "/2fa/setup",
            &json!({
                "ownerAddress": random_address().to_checksum(None),
                "ownerSignature": format!("0x{}", "11".repeat(65)),
                "signedAt": unix_now(),
            }),
        )
        .await,
        FaucetCode::InvalidOwnerSignature,
    );

    // QR_NOT_FOUND.
    seen.expect(
        &get(&http, &format!("{base}/2fa/qr/{}", "ab".repeat(24))).await,
        FaucetCode::QrNotFound,
    );

    a.shutdown().await;

    // --- station B: QR images live three seconds; an issuer too long for a QR code.
    let db_b = TestDb::sqlite();
    let mut cfg = config(&devnet, &db_b);
    cfg.qr_ttl = Duration::from_secs(3);
    let b = station(cfg).await;
    let setup = post(
        &http,
        &b.url(),
        "/2fa/setup",
        &json!({"ownerAddress": random_address().to_checksum(None)}),
    )
    .await;
    let qr_url = setup.1["data"]["qrImageUrl"]
        .as_str()
        .expect("qr url")
        .to_owned();
    let fresh = http.get(&qr_url).send().await.expect("qr");
    assert_eq!(
        (
            fresh.status().as_u16(),
            fresh.headers()["content-type"].to_str().ok()
        ),
        (200, Some("image/svg+xml"))
    );
    tokio::time::sleep(Duration::from_millis(3100)).await;
    seen.expect(&get(&http, &qr_url).await, FaucetCode::QrExpired);
    // INTERNAL_ERROR: the database loses a table under the running server.
    sqlx::query("DROP TABLE qr_tokens")
        .execute(b.service().store.pool())
        .await
        .expect("drop");
    seen.expect(&get(&http, &qr_url).await, FaucetCode::InternalError);
    b.shutdown().await;

    let db_c = TestDb::sqlite();
    let mut cfg = config(&devnet, &db_c);
    cfg.issuer = "x".repeat(3000);
    let c = station(cfg).await;
    seen.expect(
        &post(
            &http,
            &c.url(),
            "/2fa/setup",
            &json!({"ownerAddress": random_address().to_checksum(None)}),
        )
        .await,
        FaucetCode::QrGenerationFailed,
    );
    c.shutdown().await;

    // --- station D: a funding key without funds: TRANSFER_FAILED (and the request is released).
    let db_d = TestDb::sqlite();
    let broke_key = format!("0x{}", "42".repeat(32));
    let d = station(peaqos_gas_station::GasStationConfig::for_devnet(
        &devnet.url,
        "local",
        &broke_key,
        &db_d.url,
    ))
    .await;
    let owner_d = random_address();
    let secret_d = enroll(&http, &d.url(), owner_d).await;
    let retry_id = id();
    seen.expect(
        &fund(
            &http,
            &d.url(),
            &fund_body(
                owner_d,
                random_address(),
                "local",
                &code(&secret_d, 0),
                &retry_id,
            ),
        )
        .await,
        FaucetCode::TransferFailed,
    );
    d.shutdown().await;

    // --- station E: an RPC that hangs then drops: DUPLICATE_REQUEST while the first request
    // is in flight, then CHAIN_RPC_ERROR for it.
    let db_e = TestDb::sqlite();
    let (rpc, mut rpc_hits) = hanging_rpc(Duration::from_millis(1500)).await;
    let e = station(peaqos_gas_station::GasStationConfig::for_devnet(
        &rpc,
        "local",
        &funding_key(&devnet),
        &db_e.url,
    ))
    .await;
    let owner_e = random_address();
    let secret_e = enroll(&http, &e.url(), owner_e).await;
    let held = id();
    let body = fund_body(
        owner_e,
        random_address(),
        "local",
        &code(&secret_e, 0),
        &held,
    );
    let first = {
        let (http, url, body) = (http.clone(), e.url(), body.clone());
        tokio::spawn(async move { post(&http, &url, "/faucet/fund", &body).await })
    };
    // The first request reached the chain step: its id is claimed.
    rpc_hits
        .recv()
        .await
        .expect("the first request reaches the RPC");
    seen.expect(
        &fund(&http, &e.url(), &body).await,
        FaucetCode::DuplicateRequest,
    );
    seen.expect(&first.await.expect("first"), FaucetCode::ChainRpcError);
    e.shutdown().await;

    let all: BTreeSet<&str> = FaucetCode::ALL.iter().map(|c| c.as_str()).collect();
    let missing: Vec<_> = all.difference(&seen.0).collect();
    assert!(missing.is_empty(), "codes never produced: {missing:?}");
    assert_eq!(seen.0.len(), 25);
    for db in [db, db_b, db_c, db_d, db_e] {
        db.cleanup().await;
    }
    devnet.shutdown().await.expect("devnet stops");
}

/// `docs/gas-station.md` lists every code with the status the server answers.
#[test]
fn documented_statuses_match_the_server() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/gas-station.md"
    ))
    .expect("docs/gas-station.md");
    for code in FaucetCode::ALL {
        let row = doc
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", code.as_str())))
            .unwrap_or_else(|| panic!("{code} is not in the codes table"));
        let status: u16 = row
            .split('|')
            .nth(2)
            .expect("status cell")
            .trim()
            .parse()
            .expect("a status");
        assert_eq!(status, code.http_status(), "{code}");
    }
}
