//! The Gas Station client against a local HTTP server that plays the documented answers.
//!
//! Error statuses: the four documented ones (`INVALID_OWNER_ADDRESS` 400,
//! `QR_GENERATION_FAILED` 500, `INVALID_2FA` 401, `2FA_NOT_CONFIGURED` 400) and this SDK's
//! choice for the rest, [`FaucetCode::http_status`].

use crate::common;

use std::time::Duration;

use alloy::{
    primitives::{Address, B256, U256},
    providers::{Provider, ProviderBuilder},
};
use axum::http::Method;
use common::{TestServer, api, closed_port_url};
use peaqos_gas_station::{GasStation, GasStationConfig, totp};
use peaqos_sdk::{
    ApiCode, Error,
    client::{ClientConfig, NetworkConfig, PeaqosClient},
    gas_station::{FaucetCode, FundOutcome, GasStationClient, QrFormat},
    signer::PrivateKey,
};
use peaqos_test_utils::ScratchDir;
use serde_json::{Value, json};
use uuid::Uuid;

const OWNER: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const TARGET: &str = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const CODE: &str = "493817";
const TX_HASH: &str = "0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060";

impl TestServer {
    /// A Gas Station client of this server.
    fn gas_station(&self) -> GasStationClient {
        GasStationClient::new(reqwest::Client::new(), self.base.clone())
    }

    /// Funds `TARGET` for `OWNER` on `chain` with a generated request id; must succeed.
    async fn fund(&self, chain: &str) -> FundOutcome {
        self.gas_station()
            .fund_from_gas_station(OWNER, TARGET, chain, CODE, None)
            .await
            .expect("fund")
    }
}

fn setup_ok() -> Value {
    json!({"status":"success","code":"2FA_SETUP","data":{"ownerAddress":OWNER,
        "otpauthUri":"otpauth://totp/peaq:owner?secret=JBSWY3DPEHPK3PXP&issuer=peaq",
        "qrImageUrl":"https://depinstation.peaq.xyz/2fa/qr/abc123"}})
}

fn funded() -> Value {
    json!({"status":"success","code":"SUCCESS",
        "data":{"txHash":TX_HASH,"fundedAmount":"500000000000000000"}})
}

fn skipped() -> Value {
    json!({"status":"skipped","code":"SUFFICIENT_BALANCE",
        "data":{"currentBalance":"750000000000000000","minGasBalance":"500000000000000000"}})
}

/// The body a successful setup for (`owner`, `format`) sends.
async fn setup_body(owner: &str, format: QrFormat) -> String {
    let server = TestServer::json(200, &setup_ok()).await;
    server
        .gas_station()
        .setup_faucet_2fa(owner, format)
        .await
        .expect("setup");
    server.only_request().body
}

#[derive(Clone, Copy, Debug)]
enum Endpoint {
    Setup,
    Confirm,
    Fund,
}

async fn call(client: &GasStationClient, endpoint: Endpoint) -> Result<(), Error> {
    match endpoint {
        Endpoint::Setup => client
            .setup_faucet_2fa(OWNER, QrFormat::Svg)
            .await
            .map(drop),
        Endpoint::Confirm => client.confirm_faucet_2fa(OWNER, CODE).await,
        Endpoint::Fund => client
            .fund_from_gas_station(OWNER, TARGET, "peaq", CODE, None)
            .await
            .map(drop),
    }
}

#[tokio::test]
async fn setup_sends_the_documented_body_and_returns_the_urls() {
    let server = TestServer::json(200, &setup_ok()).await;
    let setup = server
        .gas_station()
        .setup_faucet_2fa(OWNER, QrFormat::default())
        .await
        .expect("setup");
    assert_eq!(setup.owner_address, OWNER);
    assert!(setup.otpauth_uri.starts_with("otpauth://totp/"));
    assert_eq!(
        setup.qr_image_url,
        "https://depinstation.peaq.xyz/2fa/qr/abc123"
    );
    assert!(!format!("{setup:?}").contains("JBSWY3DPEHPK3PXP"));

    let req = server.only_request();
    assert_eq!(req.method, Method::POST);
    assert_eq!(req.path, "/2fa/setup");
    assert_eq!(req.query, None);
    assert_eq!(req.content_type.as_deref(), Some("application/json"));
    assert_eq!(
        req.body,
        format!(r#"{{"ownerAddress":"{OWNER}","format":"svg"}}"#)
    );

    assert_eq!(
        setup_body(OWNER, QrFormat::Png).await,
        format!(r#"{{"ownerAddress":"{OWNER}","format":"png"}}"#)
    );
}

#[tokio::test]
async fn setup_accepts_an_ss58_owner_verbatim() {
    let ss58 = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
    assert_eq!(
        setup_body(ss58, QrFormat::Svg).await,
        format!(r#"{{"ownerAddress":"{ss58}","format":"svg"}}"#)
    );
}

#[tokio::test]
async fn base_url_trailing_slashes_are_dropped() {
    let server = TestServer::json(200, &setup_ok()).await;
    let client = GasStationClient::new(reqwest::Client::new(), format!("{}/", server.base));
    client
        .setup_faucet_2fa(OWNER, QrFormat::Svg)
        .await
        .expect("setup");
    assert_eq!(server.only_request().path, "/2fa/setup");
}

#[tokio::test]
async fn confirm_sends_the_code_and_needs_2fa_activated() {
    let server = TestServer::json(
        200,
        &json!({"status":"success","code":"2FA_ACTIVATED","data":{}}),
    )
    .await;
    server
        .gas_station()
        .confirm_faucet_2fa(OWNER, CODE)
        .await
        .expect("confirm");
    let req = server.only_request();
    assert_eq!(req.method, Method::POST);
    assert_eq!(req.path, "/2fa/confirm");
    assert_eq!(req.content_type.as_deref(), Some("application/json"));
    assert_eq!(
        req.body,
        format!(r#"{{"ownerAddress":"{OWNER}","twoFactorCode":"{CODE}"}}"#)
    );

    // Without `data` too: only status and code count.
    let server = TestServer::json(200, &json!({"status":"success","code":"2FA_ACTIVATED"})).await;
    server
        .gas_station()
        .confirm_faucet_2fa(OWNER, CODE)
        .await
        .expect("confirm");

    for body in [
        json!({"status":"success","code":"SUCCESS","data":{}}),
        json!({"status":"success","data":{}}),
        json!({"status":"error","code":"2FA_ACTIVATED"}),
    ] {
        let server = TestServer::json(200, &body).await;
        let err = server
            .gas_station()
            .confirm_faucet_2fa(OWNER, CODE)
            .await
            .expect_err("not activated");
        assert_eq!(api(&err).0, &ApiCode::UnexpectedResponse, "{body}");
        assert!(!err.to_string().contains(CODE));
    }
}

#[tokio::test]
async fn fund_sends_the_documented_body_in_order_and_parses_success() {
    let id = Uuid::parse_str("0b9f7c1e-3d5a-4c8e-9f21-6a7b8c9d0e1f").expect("uuid");
    let server = TestServer::json(200, &funded()).await;
    let outcome = server
        .gas_station()
        .fund_from_gas_station(OWNER, TARGET, "peaq", CODE, Some(id))
        .await
        .expect("fund");
    assert_eq!(
        outcome,
        FundOutcome::Funded {
            tx_hash: TX_HASH.parse().expect("hash"),
            funded_amount: alloy::primitives::U256::from(500_000_000_000_000_000_u64),
            request_id: id,
        }
    );
    assert!(outcome.is_funded());
    assert_eq!(outcome.request_id(), id);
    let req = server.only_request();
    assert_eq!(req.method, Method::POST);
    assert_eq!(req.path, "/faucet/fund");
    assert_eq!(req.content_type.as_deref(), Some("application/json"));
    assert_eq!(
        req.body,
        format!(
            r#"{{"ownerAddress":"{OWNER}","targetWalletAddress":"{TARGET}","chainId":"peaq","twoFactorCode":"{CODE}","requestId":"0b9f7c1e-3d5a-4c8e-9f21-6a7b8c9d0e1f"}}"#
        )
    );
}

#[tokio::test]
async fn fund_generates_a_v4_request_id_when_none_is_given() {
    let server = TestServer::json(200, &skipped()).await;
    let outcome = server.fund("agung").await;
    let body: Value = serde_json::from_str(&server.only_request().body).expect("json body");
    let sent = body["requestId"].as_str().expect("requestId string");
    let parsed = Uuid::parse_str(sent).expect("uuid");
    assert_eq!(parsed.get_version_num(), 4);
    assert_eq!(
        sent,
        parsed.hyphenated().to_string(),
        "lower-case hyphenated"
    );
    assert_eq!(outcome.request_id(), parsed);
    assert_eq!(body["chainId"], "agung");

    // Two calls, two keys.
    let server2 = TestServer::json(200, &skipped()).await;
    let again = server2.fund("agung").await;
    assert_ne!(again.request_id(), parsed);
}

#[tokio::test]
async fn fund_parses_skipped() {
    let server = TestServer::json(200, &skipped()).await;
    let outcome = server.fund("peaq").await;
    match outcome {
        FundOutcome::Skipped {
            current_balance,
            min_gas_balance,
            ..
        } => {
            assert_eq!(current_balance.to_string(), "750000000000000000");
            assert_eq!(min_gas_balance.to_string(), "500000000000000000");
        }
        other => panic!("expected skipped, got {other:?}"),
    }
    assert!(!outcome.is_funded());
}

#[tokio::test]
async fn fund_accepts_amounts_beyond_u128() {
    let big = "115792089237316195423570985008687907853269984665640564039457584007913129639935";
    let server = TestServer::json(
        200,
        &json!({"status":"success","code":"SUCCESS","data":{"txHash":TX_HASH,"fundedAmount":big}}),
    )
    .await;
    let outcome = server.fund("peaq").await;
    let FundOutcome::Funded { funded_amount, .. } = outcome else {
        panic!("expected funded");
    };
    assert_eq!(funded_amount, alloy::primitives::U256::MAX);
}

#[tokio::test]
async fn every_faucet_code_surfaces_as_an_api_error_with_its_status() {
    for code in FaucetCode::ALL {
        for endpoint in [Endpoint::Setup, Endpoint::Confirm, Endpoint::Fund] {
            let status = code.http_status();
            let server = TestServer::json(
                status,
                &json!({"status":"error","code":code.as_str(),"message":format!("server says {code}")}),
            )
            .await;
            let err = call(&server.gas_station(), endpoint)
                .await
                .expect_err("error code");
            let (got, got_status, message) = api(&err);
            assert_eq!(got, &ApiCode::Faucet(code), "{endpoint:?}");
            assert_eq!(got_status, Some(status), "{code} {endpoint:?}");
            assert_eq!(err.faucet_code(), Some(code));
            assert!(message.contains(code.message()), "{message}");
            assert!(message.contains("server says"), "{message}");
            assert!(!message.contains(CODE), "TOTP code leaked: {message}");
            assert!(!format!("{err:?}").contains(CODE), "TOTP code leaked");
            if matches!(endpoint, Endpoint::Fund) {
                assert!(message.contains("requestId: "), "{message}");
            }
            assert_eq!(server.seen().len(), 1);
        }
    }
}

#[tokio::test]
async fn documented_statuses_are_used() {
    assert_eq!(FaucetCode::InvalidOwnerAddress.http_status(), 400);
    assert_eq!(FaucetCode::QrGenerationFailed.http_status(), 500);
    assert_eq!(FaucetCode::Invalid2fa.http_status(), 401);
    assert_eq!(FaucetCode::TwoFaNotConfigured.http_status(), 400);
    assert_eq!(
        FaucetCode::ALL
            .into_iter()
            .filter(|c| c.http_status_documented())
            .count(),
        4
    );
}

#[tokio::test]
async fn error_code_without_message_uses_the_sdk_message() {
    let server = TestServer::json(401, &json!({"code":"INVALID_2FA"})).await;
    let err = call(&server.gas_station(), Endpoint::Confirm)
        .await
        .expect_err("invalid");
    assert_eq!(
        api(&err),
        (
            &ApiCode::Faucet(FaucetCode::Invalid2fa),
            Some(401),
            "confirm_faucet_2fa: Invalid 2FA code"
        )
    );
}

#[tokio::test]
async fn unknown_codes_pass_through() {
    let server = TestServer::json(
        400,
        &json!({"status":"error","code":"TOTP_EXPIRED","message":"code expired"}),
    )
    .await;
    let err = call(&server.gas_station(), Endpoint::Fund)
        .await
        .expect_err("expired");
    let (code, status, message) = api(&err);
    assert_eq!(
        (code, status),
        (&ApiCode::Unknown("TOTP_EXPIRED".into()), Some(400))
    );
    assert!(message.starts_with("fund_from_gas_station: code expired"));
    assert_eq!(err.faucet_code(), None);

    let server = TestServer::json(418, &json!({"code":"TEAPOT"})).await;
    let err = call(&server.gas_station(), Endpoint::Setup)
        .await
        .expect_err("teapot");
    assert_eq!(
        api(&err),
        (
            &ApiCode::Unknown("TEAPOT".into()),
            Some(418),
            "setup_faucet_2fa: faucet error TEAPOT"
        )
    );
}

#[tokio::test]
async fn error_status_without_a_string_code_is_unexpected() {
    for body in [
        json!({"status":"error","message":"boom"}),
        json!({"status":"error","code":42}),
        json!({"status":"error","code":""}),
        json!(["INVALID_2FA"]),
        json!("INVALID_2FA"),
    ] {
        for endpoint in [Endpoint::Setup, Endpoint::Confirm, Endpoint::Fund] {
            let server = TestServer::json(500, &body).await;
            let err = call(&server.gas_station(), endpoint)
                .await
                .expect_err("unexpected");
            assert_eq!(
                api(&err).0,
                &ApiCode::UnexpectedResponse,
                "{body} {endpoint:?}"
            );
            assert_eq!(api(&err).1, Some(500));
        }
    }
}

#[tokio::test]
async fn non_json_bodies_are_invalid_response_whatever_the_status() {
    for (status, body) in [
        (200, "not json"),
        (200, ""),
        (200, r#"{"status":"success""#),
        (502, "<html><body>Bad Gateway</body></html>"),
        (401, "Unauthorized"),
    ] {
        for endpoint in [Endpoint::Setup, Endpoint::Confirm, Endpoint::Fund] {
            let server = TestServer::start(status, body).await;
            let err = call(&server.gas_station(), endpoint)
                .await
                .expect_err("invalid");
            let (code, got_status, message) = api(&err);
            assert_eq!(code, &ApiCode::InvalidResponse, "{status} {body:?}");
            assert_eq!(got_status, Some(status));
            assert!(!message.contains(CODE));
        }
    }
}

#[tokio::test]
async fn wrong_success_envelopes_are_unexpected() {
    let setup_bodies = [
        json!({"status":"error","code":"X","data":{"ownerAddress":OWNER,"otpauthUri":"o","qrImageUrl":"q"}}),
        json!({"status":"success","data":{"ownerAddress":OWNER,"otpauthUri":"o"}}),
        json!({"status":"success","data":{"ownerAddress":OWNER,"otpauthUri":1,"qrImageUrl":"q"}}),
        json!({"status":"success","data":"x"}),
        json!({"status":"success"}),
        json!([]),
        json!(null),
    ];
    for body in setup_bodies {
        let server = TestServer::json(200, &body).await;
        let err = call(&server.gas_station(), Endpoint::Setup)
            .await
            .expect_err("unexpected");
        assert_eq!(api(&err).0, &ApiCode::UnexpectedResponse, "{body}");
        assert_eq!(api(&err).1, Some(200));
    }
    let fund_bodies = [
        json!({"status":"success","code":"SUFFICIENT_BALANCE","data":{"txHash":TX_HASH,"fundedAmount":"1"}}),
        json!({"status":"skipped","code":"SUCCESS","data":{"currentBalance":"1","minGasBalance":"1"}}),
        json!({"status":"success","code":"SUCCESS","data":{"txHash":TX_HASH,"fundedAmount":1}}),
        json!({"status":"success","code":"SUCCESS","data":{"txHash":TX_HASH,"fundedAmount":"1.5"}}),
        json!({"status":"success","code":"SUCCESS","data":{"txHash":TX_HASH,"fundedAmount":"0x10"}}),
        json!({"status":"success","code":"SUCCESS","data":{"txHash":"0x1234","fundedAmount":"1"}}),
        json!({"status":"success","code":"SUCCESS","data":{"fundedAmount":"1"}}),
        json!({"status":"skipped","code":"SUFFICIENT_BALANCE","data":{"currentBalance":"1"}}),
        json!({"status":"success","code":"SUCCESS","data":[TX_HASH,"1"]}),
        json!({"status":"success","code":"SUCCESS"}),
        json!({"status":"pending","code":"SUCCESS","data":{"txHash":TX_HASH,"fundedAmount":"1"}}),
        json!({"status":"success","data":{"txHash":TX_HASH,"fundedAmount":"1"}}),
    ];
    for body in fund_bodies {
        let server = TestServer::json(200, &body).await;
        let err = call(&server.gas_station(), Endpoint::Fund)
            .await
            .expect_err("unexpected");
        let (code, status, message) = api(&err);
        assert_eq!(
            (code, status),
            (&ApiCode::UnexpectedResponse, Some(200)),
            "{body}"
        );
        assert!(message.contains("requestId: "), "{message}");
    }
}

#[tokio::test]
async fn a_slow_faucet_is_a_network_error() {
    let server =
        TestServer::start_with_delay(200, funded().to_string(), Duration::from_secs(120)).await;
    let client = server
        .gas_station()
        .with_timeout(Duration::from_millis(200));
    assert_eq!(client.timeout(), Duration::from_millis(200));
    let started = std::time::Instant::now();
    for endpoint in [Endpoint::Setup, Endpoint::Confirm, Endpoint::Fund] {
        let err = call(&client, endpoint).await.expect_err("timeout");
        let (code, status, message) = api(&err);
        assert_eq!(
            (code, status),
            (&ApiCode::NetworkError, None),
            "{endpoint:?}"
        );
        assert!(message.contains("timed out"), "{message}");
    }
    // The server would answer after 120 s: far below that means the client's timeout fired
    // (generous, so a loaded CI machine cannot make it flaky).
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[tokio::test]
async fn a_closed_port_is_a_network_error() {
    let client = GasStationClient::new(reqwest::Client::new(), closed_port_url());
    for endpoint in [Endpoint::Setup, Endpoint::Confirm, Endpoint::Fund] {
        let err = call(&client, endpoint).await.expect_err("refused");
        let (code, status, _) = api(&err);
        assert_eq!(
            (code, status),
            (&ApiCode::NetworkError, None),
            "{endpoint:?}"
        );
        assert!(std::error::Error::source(&err).is_some());
    }
}

#[tokio::test]
async fn bad_input_is_rejected_before_sending() {
    let server = TestServer::json(200, &funded()).await;
    let client = server.gas_station();
    let field = |err: Error| match err {
        Error::Validation(v) => (v.field, v.message, v.value),
        other => panic!("expected a validation error, got {other:?}"),
    };

    let (f, _, v) = field(
        client
            .setup_faucet_2fa("0xOwner...", QrFormat::Svg)
            .await
            .expect_err("owner"),
    );
    assert_eq!(
        (f.as_str(), v.as_deref()),
        ("owner_address", Some("0xOwner..."))
    );

    // A mixed-case address with a wrong checksum.
    let bad_checksum = "0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
    let (f, _, _) = field(
        client
            .fund_from_gas_station(OWNER, bad_checksum, "peaq", CODE, None)
            .await
            .expect_err("target"),
    );
    assert_eq!(f, "target_wallet_address");

    for bad_code in ["", "12345", "1234567", "12345a", "12 345"] {
        let (f, message, value) = field(
            client
                .confirm_faucet_2fa(OWNER, bad_code)
                .await
                .expect_err("code"),
        );
        assert_eq!(f, "two_factor_code");
        assert_eq!(value, None, "the code is never echoed");
        assert!(bad_code.is_empty() || !message.contains(bad_code));
        let (f, _, value) = field(
            client
                .fund_from_gas_station(OWNER, TARGET, "peaq", bad_code, None)
                .await
                .expect_err("code"),
        );
        assert_eq!((f.as_str(), value), ("two_factor_code", None));
    }

    for bad_chain in ["", "peaq mainnet", "pe\u{0}aq"] {
        let (f, _, _) = field(
            client
                .fund_from_gas_station(OWNER, TARGET, bad_chain, CODE, None)
                .await
                .expect_err("chain"),
        );
        assert_eq!(f, "chain_id");
    }

    for bad_url in ["", "depinstation.peaq.xyz", "ftp://x"] {
        let client = GasStationClient::new(reqwest::Client::new(), bad_url);
        let (f, _, _) = field(
            client
                .confirm_faucet_2fa(OWNER, CODE)
                .await
                .expect_err("url"),
        );
        assert_eq!(f, "faucet_base_url");
    }

    assert!(server.seen().is_empty(), "nothing may be sent");
}

#[tokio::test]
async fn qr_format_parses() {
    assert_eq!("svg".parse::<QrFormat>().expect("svg"), QrFormat::Svg);
    assert_eq!("PNG".parse::<QrFormat>().expect("png"), QrFormat::Png);
    assert!("jpg".parse::<QrFormat>().is_err());
    assert_eq!(QrFormat::default().to_string(), "svg");
}

#[tokio::test]
async fn peaqos_client_methods_delegate() {
    let server = TestServer::json(200, &funded()).await;
    let config = ClientConfig::new(
        NetworkConfig::peaq_mainnet("http://127.0.0.1:9"),
        PrivateKey::random().signer(),
    );
    let client = PeaqosClient::new(config).expect("client");
    let owner = client.address().to_string();
    let outcome = client
        .fund_from_gas_station(&owner, TARGET, "peaq", CODE, &server.base, None)
        .await
        .expect("fund");
    assert!(outcome.is_funded());
    let body: Value = serde_json::from_str(&server.only_request().body).expect("json");
    assert_eq!(body["ownerAddress"], owner);

    let server = TestServer::json(200, &setup_ok()).await;
    client
        .setup_faucet_2fa(&owner, &server.base, QrFormat::Png)
        .await
        .expect("setup");
    assert_eq!(server.only_request().path, "/2fa/setup");

    let server = TestServer::json(401, &json!({"status":"error","code":"INVALID_2FA"})).await;
    let err = client
        .confirm_faucet_2fa(&owner, &server.base, CODE)
        .await
        .expect_err("invalid");
    assert_eq!(err.faucet_code(), Some(FaucetCode::Invalid2fa));
    assert_eq!(client.gas_station(&server.base).base_url(), server.base);
}

/// Our client against our Gas Station on an in-process devnet (the official client is tested
/// against it in `peaqos-gas-station`'s interop test).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_sdk_against_the_gas_station() {
    let devnet = common::devnet().await;
    let db = ScratchDir::new("sdk-gas-station").expect("temp dir");
    let s = GasStation::spawn(GasStationConfig::for_devnet(
        &devnet.url,
        "local",
        &devnet.accounts[9].private_key.to_string(),
        &format!("sqlite://{}?mode=rwc", db.path().join("gs.db").display()),
    ))
    .await
    .expect("the Gas Station starts");
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
        again.faucet_code(),
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
        repeat.faucet_code(),
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
        assert_eq!(wrong.faucet_code(), Some(FaucetCode::Invalid2fa));
    }
    s.shutdown().await;
    devnet.shutdown().await.expect("devnet stops");
}

/// A random address (from two UUID v4s).
pub(crate) fn random_address() -> Address {
    let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
    let mut bytes = [0u8; 20];
    bytes[..16].copy_from_slice(a.as_bytes());
    bytes[16..].copy_from_slice(&b.as_bytes()[..4]);
    Address::from(bytes)
}

/// The TOTP code of `secret` `offset` steps from now.
pub(crate) fn code(secret: &[u8], offset: i64) -> String {
    totp::code_at(secret, unix_now().saturating_add_signed(offset * 30)).to_string()
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

/// Waits until at least `margin` seconds remain in the current TOTP step.
pub(crate) async fn fresh_step(margin: u64) {
    while !(30 - unix_now() % 30 > margin && unix_now() % 30 >= 1) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub(crate) async fn balance(devnet: &peaqos_devnet::Devnet, who: Address) -> U256 {
    ProviderBuilder::new()
        .connect_http(devnet.url.parse().expect("url"))
        .get_balance(who)
        .await
        .expect("balance")
}
