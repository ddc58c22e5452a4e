//! The MCR API over HTTP against scripted machines on the devnet: every endpoint, every error
//! status, visibility modes, the cache, the rate limit, test mode and a dead chain; and our
//! SDK's `McrClient` on every response.

use crate::common;

use std::{sync::Arc, time::Duration};

use alloy::primitives::{Address, U256};
use common::*;
use peaqos_mcr::{McrConfig, McrService};
use peaqos_mcr_model::EcbFx;
use peaqos_sdk::mcr::McrClient;
use peaqos_test_utils::ScratchDir;
use peaqos_types::{
    EventType,
    api::{
        AmountStatus, BondStatus, MachineCard, MachineProfileResponse, McrRating, McrResponse,
        OperatorMachinesResponse,
    },
};
use serde_json::{Value, json};

fn detail(v: &Value) -> &str {
    v["detail"].as_str().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_and_error_status() {
    let devnet = devnet().await;
    let dir = ScratchDir::new("mcr-api").expect("dir");
    let s = Scenario::build(&devnet).await;
    let mcr = spawn_mcr(&devnet, &sqlite_url(&dir)).await;
    sync(&mcr, &client(&devnet, 0)).await;
    let base = mcr.url();

    // /health, /ready
    assert_eq!(
        get_json(&format!("{base}/health")).await,
        (200, json!({"status":"ok"}))
    );
    let (st, ready) = get_json(&format!("{base}/ready")).await;
    assert_eq!(st, 200, "{ready}");
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["rpc_connected"], true);
    for k in [
        "identity_registry",
        "identity_staking",
        "event_registry",
        "machine_nft",
        "admin_flags",
        "did_registry",
    ] {
        assert_eq!(ready["contracts"][k], true, "{k}");
    }
    assert_eq!(ready["indexer"]["lag_blocks"], 0);
    assert_eq!(ready["store"]["backend"], "sqlite");

    // /mcr/{did}: every machine parses strictly, the DID is echoed, raw addresses work.
    for m in s.machines() {
        let did = m.did();
        let (st, body) = get_json(&format!("{base}/mcr/{did}")).await;
        assert_eq!(st, 200, "{did}: {body}");
        let r: McrResponse = serde_json::from_value(body.clone()).expect("strict /mcr body");
        assert_eq!((r.did.as_str(), r.machine_id), (did.as_str(), m.id));
        assert_eq!(r.bond_status, BondStatus::Bonded);
        assert_eq!(
            body.as_object().map(|o| o.len()),
            Some(14),
            "exactly 14 keys"
        );
        let raw = format!("{:#x}", m.address);
        let (st, body) = get_json(&format!("{base}/mcr/{raw}")).await;
        assert_eq!((st, body["did"].as_str()), (200, Some(raw.as_str())));
    }
    let r: McrResponse =
        serde_json::from_value(get_json(&format!("{base}/mcr/{}", s.onchain.did())).await.1)
            .expect("mcr");
    assert!(
        r.mcr.is_rated(),
        "a year of verified daily revenue is rated: {r:?}"
    );
    assert!(r.mcr_score >= 30);
    assert_eq!(r.event_count, s.onchain_events as u64);
    assert_eq!((r.revenue_event_count, r.activity_event_count), (369, 3));
    assert!(
        r.total_revenue
            .as_f64()
            .is_some_and(|v| v > 365.0 * 2_000.0)
    );
    assert!(r.last_updated.is_some());
    assert!(!r.mcr_degraded);
    let bare: McrResponse =
        serde_json::from_value(get_json(&format!("{base}/mcr/{}", s.bare.did())).await.1)
            .expect("mcr");
    assert_eq!((bare.mcr, bare.mcr_score), (McrRating::Provisioned, 0));
    assert_eq!(bare.last_updated, None);
    let flagged: McrResponse =
        serde_json::from_value(get_json(&format!("{base}/mcr/{}", s.flagged.did())).await.1)
            .expect("mcr");
    assert!(flagged.negative_flag);

    // /mcr/{did}/explain
    let (st, ex) = get_json(&format!("{base}/mcr/{}/explain", s.onchain.did())).await;
    assert_eq!(st, 200);
    assert_eq!(ex["model_version"], "mcr-v1");
    assert_eq!(ex["mcr_score"], json!(r.mcr_score));
    assert!(ex["explain"]["trust"].is_object(), "{ex}");

    // 400 / 404 on DIDs
    let nobody = format!("did:peaq:{}", Address::repeat_byte(0x42));
    for path in ["mcr", "machine"] {
        let (st, b) = get_json(&format!("{base}/{path}/did:peaq:0x1234")).await;
        assert_eq!((st, detail(&b)), (400, "Invalid Ethereum address format"));
        let (st, b) = get_json(&format!("{base}/{path}/did:peaq:")).await;
        assert_eq!((st, detail(&b)), (400, "Empty DID"));
        let (st, b) = get_json(&format!("{base}/{path}/did:peaq:12345")).await;
        assert_eq!((st, detail(&b)), (400, "Invalid Ethereum address format"));
        let (st, b) = get_json(&format!("{base}/{path}/{nobody}")).await;
        assert_eq!((st, detail(&b)), (404, "Machine not registered"));
    }
    let (st, b) = get_json(&format!("{base}/no/such/route")).await;
    assert_eq!((st, detail(&b)), (404, "Not Found"));

    // /machine/{did} per visibility
    let profile = |m: Machine| {
        let base = base.clone();
        async move {
            let (st, body) = get_json(&format!("{base}/machine/{}", m.did())).await;
            assert_eq!(st, 200, "{body}");
            serde_json::from_value::<MachineProfileResponse>(body).expect("strict profile")
        }
    };
    let p = profile(s.onchain).await;
    assert_eq!(p.schema_version, "1.0");
    assert_eq!(
        p.name,
        format!("Machine #{}", s.onchain.token.expect("token"))
    );
    assert_eq!(p.peaqos.data_visibility, "onchain");
    assert_eq!(p.peaqos.operator, None);
    assert_eq!(
        p.peaqos.documentation_url.as_deref(),
        Some("https://docs.example/machine")
    );
    assert_eq!(p.peaqos.data_api, None);
    let ed = p.peaqos.event_data.expect("event_data");
    assert_eq!(ed.len(), 100, "the first 100 events");
    // On-chain index order: the four currencies, three activity events, then USD days.
    let fx: Vec<_> = ed[..4]
        .iter()
        .map(|e| {
            let r = e.revenue().expect("revenue entry");
            (
                r.origin_currency.as_str(),
                r.amount_status,
                r.origin_subunit,
                r.usd_value.is_some(),
            )
        })
        .collect();
    assert_eq!(
        fx,
        [
            ("EUR", AmountStatus::Ok, Some(100), true),
            ("JPY", AmountStatus::Ok, Some(1), true),
            ("BHD", AmountStatus::Ok, Some(1000), true),
            ("ZZZ", AmountStatus::UnsupportedCurrency, None, false),
        ]
    );
    // BHD 1.500 at the 0.376 peg is about USD 3.99.
    let bhd = ed[2].revenue().and_then(|r| r.usd_value);
    assert!(bhd.is_some_and(|v| (395..=401).contains(&v)), "{bhd:?}");
    assert_eq!(ed[4].event_type(), EventType::Activity);
    assert_eq!(
        ed[4]
            .metadata
            .get("sensor")
            .map(serde_json::Value::is_string),
        Some(true)
    );
    assert!(
        ed[5].metadata.contains_key("raw"),
        "non-JSON metadata is kept as hex"
    );
    assert!(ed[6].metadata.is_empty());
    let first = ed[7].revenue().expect("revenue entry");
    assert_eq!(
        (
            first.origin_currency.as_str(),
            first.amount_status,
            first.origin_subunit
        ),
        ("USD", AmountStatus::Ok, Some(100))
    );
    assert_eq!(first.usd_value, Some(2_000));
    assert_eq!(
        ed[7].metadata.get("kind").map(serde_json::Value::is_string),
        Some(true)
    );
    let private = profile(s.private).await;
    assert_eq!(private.peaqos.data_visibility, "private");
    assert_eq!(
        private.peaqos.data_api.as_deref(),
        Some("https://partner.example/private")
    );
    assert_eq!(private.peaqos.event_data, None);
    let public = profile(s.public_ok).await;
    let pd = public.peaqos.partner_data.expect("partner_data");
    assert_eq!(
        pd.get("status").map(serde_json::Value::is_string),
        Some(true)
    );
    assert_eq!(public.peaqos.partner_data_error, None);
    let bad = profile(s.public_bad).await;
    assert_eq!(bad.peaqos.partner_data, None);
    assert_eq!(
        bad.peaqos.partner_data_error.as_deref(),
        Some(peaqos_mcr::partner::PARTNER_DATA_ERROR),
        "a 500 gives the one error text"
    );
    let bare_p = profile(s.bare).await;
    assert_eq!(bare_p.name, "Machine (no NFT)");
    assert_eq!(bare_p.peaqos.data_visibility, "private");
    assert_eq!(
        (bare_p.peaqos.data_api, bare_p.peaqos.documentation_url),
        (None, None)
    );
    let fleet0 = profile(s.fleet[0]).await;
    assert_eq!(fleet0.peaqos.operator, Some(s.proxy.did()));

    // multi-currency revenue entries (the raw body, as the official SDK sees it)
    let (_, raw) = get_json(&format!("{base}/machine/{}", s.onchain.did())).await;
    assert!(raw["peaqos"]["event_data"][0]["usd_subunit"] == 100);

    // /metadata/{token_id}
    let token = s.onchain.token.expect("token");
    let (st, body) = get_json(&format!("{base}/metadata/{token}")).await;
    assert_eq!(st, 200);
    let meta: MachineProfileResponse = serde_json::from_value(body).expect("strict");
    assert_eq!(meta.name, format!("Machine #{token}"));
    assert_eq!(meta.peaqos.did, s.onchain.did());
    assert_eq!(meta.peaqos.machine_id, s.onchain.id);
    let (st, b) = get_json(&format!("{base}/metadata/{UNREGISTERED_ID}")).await;
    assert_eq!((st, detail(&b)), (404, "Token not found"));
    for bad in ["0", "-3", "abc", "1.5"] {
        let (st, b) = get_json(&format!("{base}/metadata/{bad}")).await;
        assert_eq!(st, 422, "{bad}: {b}");
        assert_eq!(b["detail"][0]["loc"], json!(["path", "token_id"]));
    }

    // /machines/{machine_id}
    let (st, body) = get_json(&format!("{base}/machines/{}", s.fleet[1].id)).await;
    assert_eq!(st, 200, "{body}");
    let card: MachineCard = serde_json::from_value(body).expect("card");
    assert_eq!(card.kind, "peaqos:registration:v1");
    assert_eq!(card.name, format!("Machine #{}", s.fleet[1].id));
    assert_eq!(card.did, s.fleet[1].did());
    assert_eq!(card.services.len(), 1);
    assert_eq!(card.services[0].endpoint, "https://partner.example/fleet");
    assert_eq!(card.operator, Some(s.proxy.did()));
    assert_eq!(card.event_count, 4);
    assert_eq!(
        card.registrations[0].machine_registry,
        format!("eip155:33380:{}", contracts(&devnet).identity_registry)
    );
    let (_, bare_card) = get_json(&format!("{base}/machines/{}", s.bare.id)).await;
    assert_eq!(bare_card["services"], json!([]));
    assert_eq!(bare_card["documentation_url"], "");
    assert_eq!(bare_card["data_visibility"], "private");
    let (st, b) = get_json(&format!("{base}/machines/{UNREGISTERED_ID}")).await;
    assert_eq!((st, detail(&b)), (404, "Machine not found"));
    let (st, _) = get_json(&format!("{base}/machines/0")).await;
    assert_eq!(st, 422);

    // /operator/{did}/machines
    let op = |q: &str| {
        let url = format!("{base}/operator/{}/machines{q}", s.proxy.did());
        async move { get_json(&url).await }
    };
    let (st, body) = op("").await;
    assert_eq!(st, 200, "{body}");
    let page: OperatorMachinesResponse = serde_json::from_value(body).expect("strict");
    assert_eq!(page.operator_did, s.proxy.did());
    assert_eq!(
        (
            page.pagination.offset,
            page.pagination.limit,
            page.pagination.total
        ),
        (0, 20, 4)
    );
    let ids: Vec<u64> = page.machines.iter().map(|m| m.machine_id).collect();
    assert_eq!(ids, s.fleet.iter().map(|m| m.id).collect::<Vec<_>>());
    assert_eq!(page.machines[0].did, s.fleet[0].did());
    let page: OperatorMachinesResponse =
        serde_json::from_value(op("?offset=2&limit=2").await.1).expect("page");
    assert_eq!(page.machines.len(), 1, "the unregistered id is dropped");
    assert_eq!(page.pagination.total, 4);
    let page: OperatorMachinesResponse =
        serde_json::from_value(op("?offset=10").await.1).expect("page");
    assert!(page.machines.is_empty());
    for q in ["?limit=0", "?limit=21", "?offset=-1", "?limit=x"] {
        let (st, b) = op(q).await;
        assert_eq!(st, 422, "{q}: {b}");
        assert_eq!(b["detail"][0]["loc"][0], "query");
    }
    let (st, b) = get_json(&format!("{base}/operator/{nobody}/machines")).await;
    assert_eq!(st, 200);
    assert_eq!(
        (b["machines"].clone(), b["pagination"]["total"].clone()),
        (json!([]), json!(0))
    );
    let (st, b) = get_json(&format!("{base}/operator/did:peaq:/machines")).await;
    assert_eq!((st, detail(&b)), (400, "Empty DID"));
    let (st, b) = get_json(&format!("{base}/operator/0xzz/machines")).await;
    assert_eq!((st, detail(&b)), (400, "Invalid Ethereum address format"));

    // /metrics, /openapi.json
    let text = reqwest::get(format!("{base}/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    for needle in [
        "mcr_indexer_lag_blocks 0",
        "mcr_indexed_block ",
        "mcr_http_requests_total{route=\"/mcr/{did}\",status=\"200\"}",
        "mcr_cache_hits_total",
    ] {
        assert!(text.contains(needle), "{needle} missing from\n{text}");
    }
    let (st, api) = get_json(&format!("{base}/openapi.json")).await;
    assert_eq!((st, api["openapi"].as_str()), (200, Some("3.1.0")));
    for p in [
        "/mcr/{did}",
        "/machine/{did}",
        "/metadata/{token_id}",
        "/machines/{machine_id}",
        "/operator/{did}/machines",
        "/ready",
        "/health",
    ] {
        assert!(api["paths"][p].is_object(), "{p}");
    }

    // our SDK's client accepts every response
    let sdk = McrClient::new(reqwest::Client::new(), &base);
    for m in s.machines() {
        let r = sdk.query_mcr(&m.did()).await.expect("query_mcr");
        assert_eq!(r.machine_id, m.id);
        let p = sdk.query_machine(&m.did()).await.expect("query_machine");
        assert_eq!(p.peaqos.machine_id, m.id);
    }
    let page = sdk
        .query_operator_machines(&s.proxy.did(), Some(1), Some(2))
        .await
        .expect("operator");
    assert_eq!(page.machines.len(), 2);
    let e = sdk.query_mcr(&nobody).await.expect_err("404");
    assert_eq!(e.code(), "NOT_FOUND");

    mcr.shutdown().await;
    devnet.shutdown().await.expect("devnet stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_serves_repeats_and_follows_new_events() {
    let devnet = devnet().await;
    let dir = ScratchDir::new("mcr-cache").expect("dir");
    let owner = client(&devnet, 0);
    let m = client(&devnet, 3);
    let id = register(&m).await;
    let now = chain_now(&owner).await;
    submit(&m, &events(id, 6, now, 3, 1), 6).await;
    let mcr = spawn_mcr(&devnet, &sqlite_url(&dir)).await;
    sync(&mcr, &owner).await;
    let url = format!("{}/mcr/did:peaq:{}", mcr.url(), m.address());
    let metric = |name: &'static str| {
        let base = mcr.url();
        async move {
            let text = reqwest::get(format!("{base}/metrics"))
                .await
                .expect("metrics")
                .text()
                .await
                .expect("text");
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{name} ")).map(str::to_owned))
                .and_then(|v| v.parse::<u64>().ok())
                .expect("metric present")
        }
    };
    let first = get_json(&url).await.1;
    let misses = metric("mcr_cache_misses_total").await;
    let second = get_json(&url).await.1;
    assert_eq!(first, second);
    assert_eq!(
        metric("mcr_cache_misses_total").await,
        misses,
        "served from the cache"
    );
    assert!(metric("mcr_cache_hits_total").await >= 1);
    assert_eq!(metric("mcr_cache_entries").await, 1);
    // New events invalidate the machine's entry before its TTL ends.
    submit(&m, &events(id, 2, now, 1, 7), 2).await;
    sync(&mcr, &owner).await;
    let third = get_json(&url).await.1;
    assert_eq!(third["event_count"], 8);
    mcr.shutdown().await;

    // TTL 0: nothing is cached.
    let dir0 = ScratchDir::new("mcr-cache0").expect("dir");
    let off = spawn_mcr_with(&devnet, &sqlite_url(&dir0), |c| {
        c.cache_ttl = Duration::ZERO
    })
    .await;
    sync(&off, &owner).await;
    let url = format!("{}/mcr/did:peaq:{}", off.url(), m.address());
    assert_eq!(get_json(&url).await.0, 200);
    assert_eq!(get_json(&url).await.0, 200);
    let text = reqwest::get(format!("{}/metrics", off.url()))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(text.contains("mcr_cache_entries 0"), "{text}");
    off.shutdown().await;
    devnet.shutdown().await.expect("devnet stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn degraded_fx_is_reported_and_not_cached() {
    let devnet = devnet().await;
    let dir = ScratchDir::new("mcr-fx").expect("dir");
    let owner = client(&devnet, 0);
    let m = client(&devnet, 4);
    let id = register(&m).await;
    let now = chain_now(&owner).await;
    let evs = vec![
        peaqos_sdk::validation::SubmitEventParams::new(
            id,
            EventType::Revenue,
            U256::from(500),
            now - 86_400,
        )
        .with_currency("EUR"),
    ];
    submit(&m, &evs, 1).await;
    // No FX data at all: `default_usd_fx_outage`.
    let mut config = McrConfig::for_devnet(&devnet.url, contracts(&devnet), &sqlite_url(&dir));
    config.poll_interval = Duration::from_millis(50);
    let mcr = McrService::spawn_with_fx(config, Arc::new(EcbFx::empty()))
        .await
        .expect("starts");
    sync(&mcr, &owner).await;
    let url = format!("{}/mcr/did:peaq:{}", mcr.url(), m.address());
    let (st, body) = get_json(&url).await;
    assert_eq!(st, 200);
    assert_eq!(body["mcr_degraded"], true, "{body}");
    let (_, again) = get_json(&url).await;
    assert_eq!(again["mcr_degraded"], true);
    let text = reqwest::get(format!("{}/metrics", mcr.url()))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(
        text.contains("mcr_cache_entries 0"),
        "degraded results are not cached"
    );
    assert!(text.contains("mcr_cache_hits_total 0"));
    mcr.shutdown().await;
    devnet.shutdown().await.expect("devnet stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_answers_429() {
    let devnet = devnet().await;
    let dir = ScratchDir::new("mcr-rl").expect("dir");
    let mcr = spawn_mcr_with(&devnet, &sqlite_url(&dir), |c| c.rate_limit_per_minute = 5).await;
    sync(&mcr, &client(&devnet, 0)).await;
    let url = format!("{}/mcr/did:peaq:{}", mcr.url(), Address::repeat_byte(9));
    for _ in 0..5 {
        assert_eq!(get_json(&url).await.0, 404);
    }
    let res = reqwest::get(&url).await.expect("request");
    assert_eq!(res.status().as_u16(), 429);
    let retry: u64 = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=60).contains(&retry));
    let body: Value = res.json().await.expect("json");
    assert_eq!(detail(&body), "Rate limit exceeded: 5 per 1 minute");
    // /health is not limited.
    assert_eq!(get_json(&format!("{}/health", mcr.url())).await.0, 200);
    mcr.shutdown().await;
    devnet.shutdown().await.expect("devnet stops");
}

#[tokio::test]
async fn test_mode_answers_503() {
    let dir = ScratchDir::new("mcr-testmode").expect("dir");
    let mut config = McrConfig::from_lookup(|_| None).expect("defaults");
    config.database_url = sqlite_url(&dir);
    config.bind = "127.0.0.1:0".parse().expect("addr");
    let mcr = McrService::spawn(config)
        .await
        .expect("starts in test mode");
    let base = mcr.url();
    assert_eq!(get_json(&format!("{base}/health")).await.0, 200);
    let (st, ready) = get_json(&format!("{base}/ready")).await;
    assert_eq!(st, 503);
    assert_eq!(ready["status"], "not_ready");
    assert_eq!(ready["rpc_connected"], false);
    assert!(
        ready["contracts"]
            .as_object()
            .expect("contracts")
            .values()
            .all(|v| v == false)
    );
    let did = format!("did:peaq:{}", Address::repeat_byte(1));
    for path in [
        format!("/mcr/{did}"),
        format!("/machine/{did}"),
        "/metadata/1".into(),
        "/machines/1".into(),
        format!("/operator/{did}/machines"),
    ] {
        let (st, b) = get_json(&format!("{base}{path}")).await;
        assert_eq!((st, detail(&b)), (503, "Service not initialised"), "{path}");
    }
    let e = McrClient::new(reqwest::Client::new(), &base)
        .query_mcr(&did)
        .await
        .expect_err("503");
    assert_eq!(e.code(), "SERVICE_UNAVAILABLE");
    mcr.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_chain_answers_503_chain_unavailable() {
    let devnet = devnet().await;
    let dir = ScratchDir::new("mcr-dead").expect("dir");
    let owner = client(&devnet, 0);
    let id = register(&client(&devnet, 2)).await;
    let mcr = spawn_mcr_with(&devnet, &sqlite_url(&dir), |c| {
        c.chain_stale_after = Duration::from_secs(1);
    })
    .await;
    sync(&mcr, &owner).await;
    let did = format!("did:peaq:{}", devnet.accounts[2].address);
    assert_eq!(get_json(&format!("{}/mcr/{did}", mcr.url())).await.0, 200);
    assert_eq!(id, U256::from(1));
    devnet.shutdown().await.expect("devnet stops");
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let (st, b) = get_json(&format!("{}/mcr/{did}", mcr.url())).await;
    assert_eq!((st, detail(&b)), (503, "Chain unavailable"));
    let (st, ready) = get_json(&format!("{}/ready", mcr.url())).await;
    assert_eq!((st, ready["rpc_connected"].clone()), (503, json!(false)));
    mcr.shutdown().await;
}
