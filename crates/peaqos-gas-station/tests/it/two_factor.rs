//! 2FA: brute force ends in `2FA_LOCKED` (and the lock ends), replayed codes are refused,
//! QR images expire, secrets are sealed at rest, enrollments survive a restart.

use crate::common;

use std::time::Duration;

use common::*;
use peaqos_gas_station::{FaucetCode, totp};
use serde_json::json;
use sqlx::Row as _;

/// A code that is none of the three valid ones.
fn wrong(secret: &[u8], i: u32) -> String {
    let base = code(secret, 0).parse::<u32>().expect("digits");
    (0..)
        .map(|k: u32| format!("{:06}", (base + 7919 * (i + 1) + k) % 1_000_000))
        .find(|guess| (-1..=1).all(|o| &code(secret, o) != guess))
        .expect("a wrong code")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn brute_force_locks_then_the_lock_ends() {
    let h = Harness::start(|cfg| {
        cfg.max_failed_attempts = 5;
        cfg.lockout = Duration::from_secs(3);
    })
    .await;
    let s = &h.station;
    let http = http();
    let owner = random_address();
    let (_, secret) = setup(&http, &s.url(), owner).await;
    // Start early in a step: the lock must still hold when the right code is tried.
    fresh_step(15).await;
    for i in 0..4 {
        let r = confirm(&http, &s.url(), owner, &wrong(&secret, i)).await;
        assert_error(&r, FaucetCode::Invalid2fa);
    }
    let fifth = confirm(&http, &s.url(), owner, &wrong(&secret, 4)).await;
    assert_error(&fifth, FaucetCode::TwoFaLocked);
    // Locked: even the right code is refused.
    let right = confirm(&http, &s.url(), owner, &code(&secret, 0)).await;
    assert_error(&right, FaucetCode::TwoFaLocked);
    // After the lockout window the right code works and activates.
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let after = confirm(&http, &s.url(), owner, &code(&secret, 0)).await;
    assert_ok(&after, "success", "2FA_ACTIVATED");
    // Funding counts failures too.
    for i in 0..4 {
        let r = fund_fresh(&http, &s.url(), owner, &wrong(&secret, i)).await;
        assert_error(&r, FaucetCode::Invalid2fa);
    }
    let r = fund_fresh(&http, &s.url(), owner, &wrong(&secret, 9)).await;
    assert_error(&r, FaucetCode::TwoFaLocked);
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replayed_codes_are_refused() {
    let h = Harness::start(|_| {}).await;
    let s = &h.station;
    let http = http();
    let owner = random_address();
    let secret = enroll_fresh(&http, &s.url(), owner, 10).await;
    let c = code(&secret, 0);
    // The same code again for the same action: refused (2FA_EXPIRED: used, not wrong), and
    // never counted toward the lockout (issue 13 finding 12: a client retrying with a new
    // requestId must not lock out its owner): six reuses, one more than the lock's five.
    for _ in 0..6 {
        assert_error(
            &confirm(&http, &s.url(), owner, &c).await,
            FaucetCode::TwoFaExpired,
        );
    }
    // Funding wallet W with the code: once. A new request id with the same code and wallet is
    // a replay.
    let w = random_address();
    assert_ok(
        &fund(
            &http,
            &s.url(),
            &fund_body(owner, w, "local", &c, &new_id()),
        )
        .await,
        "success",
        "SUCCESS",
    );
    for _ in 0..6 {
        assert_error(
            &fund(
                &http,
                &s.url(),
                &fund_body(owner, w, "local", &c, &new_id()),
            )
            .await,
            FaucetCode::TwoFaExpired,
        );
    }
    // Not locked. The official CLI confirms and then funds the operator and the machine with one code: one
    // use per action and wallet keeps that working.
    assert_ok(
        &fund_fresh(&http, &s.url(), owner, &c).await,
        "success",
        "SUCCESS",
    );
    // Codes outside ±1 step are refused.
    assert_error(
        &fund_fresh(&http, &s.url(), owner, &code(&secret, 2)).await,
        FaucetCode::Invalid2fa,
    );
    assert_error(
        &fund_fresh(&http, &s.url(), owner, &code(&secret, -2)).await,
        FaucetCode::Invalid2fa,
    );
    h.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qr_images_expire_and_secrets_are_sealed_and_kept() {
    let devnet = devnet().await;
    let db = TestDb::sqlite();
    let mut cfg = config(&devnet, &db);
    cfg.qr_ttl = Duration::from_secs(3);
    let s = station(cfg.clone()).await;
    let http = http();
    let owner = random_address();
    let setup = post(
        &http,
        &s.url(),
        "/2fa/setup",
        &json!({"ownerAddress": owner.to_checksum(None), "format": "svg"}),
    )
    .await;
    assert_eq!(
        (setup.0, setup.1["status"].as_str()),
        (200, Some("success"))
    );
    let uri = setup.1["data"]["otpauthUri"]
        .as_str()
        .expect("uri")
        .to_owned();
    let qr_url = setup.1["data"]["qrImageUrl"]
        .as_str()
        .expect("url")
        .to_owned();
    let image = http.get(&qr_url).send().await.expect("qr");
    assert_eq!(image.status().as_u16(), 200);
    let svg = image.text().await.expect("svg");
    assert!(svg.contains("<svg") && svg.contains("<path"));
    tokio::time::sleep(Duration::from_millis(3100)).await;
    assert_error(&get(&http, &qr_url).await, FaucetCode::QrExpired);
    let other_token = qr_url.replace(qr_url.rsplit('/').next().expect("token"), &"0".repeat(48));
    assert_error(&get(&http, &other_token).await, FaucetCode::QrNotFound);

    // Nothing readable at rest: neither the base32 secret nor its bytes.
    let secret = totp::secret_of_uri(&uri).expect("secret").to_vec();
    let b32 = totp::base32_encode(&secret);
    for table in ["enrollments", "qr_tokens"] {
        let rows = sqlx::query(&format!("SELECT * FROM {table}"))
            .fetch_all(s.service().store.pool())
            .await
            .expect("rows");
        assert!(!rows.is_empty());
        for row in rows {
            for i in 0..row.len() {
                if let Ok(v) = row.try_get::<String, _>(i) {
                    assert!(
                        !v.contains(&b32) && !v.contains(&hex_of(&secret)),
                        "{table} holds the secret"
                    );
                }
            }
        }
    }

    // Confirmed, restarted on the same database: the enrollment is still there and works.
    fresh_step(8).await;
    assert_ok(
        &confirm(&http, &s.url(), owner, &code(&secret, 0)).await,
        "success",
        "2FA_ACTIVATED",
    );
    s.shutdown().await;
    let s = station(cfg).await;
    assert_ok(
        &fund_fresh(&http, &s.url(), owner, &code(&secret, 0)).await,
        "success",
        "SUCCESS",
    );
    s.shutdown().await;
    db.cleanup().await;
    devnet.shutdown().await.expect("devnet stops");
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
