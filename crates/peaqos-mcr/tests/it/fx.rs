//! Live FX: a loopback server serves ECB-format files (good, malformed, with a gap, an outage)
//! to the scheduled refresher; scores, `amount_status`, `/ready` and `/metrics` follow the
//! documented rules; a rate change drops the cached scores it affects; `fx import` writes a
//! whole valid file or nothing; events dated after 2026-12-14 (past the shipped history's
//! staleness limit) are `ok` once rates are refreshed.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use alloy::{primitives::U256, providers::Provider};
use axum::{Router, extract::State, http::StatusCode, routing::get};
use peaqos_mcr::{McrConfig, RunningMcr, fx, store::Store};
use peaqos_mcr_model::date::{days_from_civil, format_day, utc_day};
use peaqos_sdk::validation::SubmitEventParams;
use peaqos_test_utils::ScratchDir;
use peaqos_types::{EventType, event::DataVisibility};
use serde_json::Value;

use peaqos_devnet::Devnet;
use peaqos_sdk::client::PeaqosClient;

use crate::common::{
    Machine, activate, chain_now, client, devnet, fresh_client, serve_local, sqlite_url, submit,
    sync,
};

/// What the ECB stand-in answers: (status, body).
type Served = Arc<Mutex<(u16, String)>>;

async fn ecb_server(served: Served) -> String {
    let app = Router::new()
        .route(
            "/rates",
            get(|State(s): State<Served>| async move {
                let (status, body) = s.lock().expect("lock").clone();
                (StatusCode::from_u16(status).expect("status"), body)
            }),
        )
        .with_state(served);
    format!("http://{}/rates", serve_local(app).await)
}

/// An ECB `eurofxref-hist-90d.xml` with `days`, each (day, USD per EUR); JPY at 160 per EUR.
fn ecb_xml(days: &[(i64, f64)]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gesmes:Envelope \
         xmlns:gesmes=\"http://www.gesmes.org/xml/2002-08-01\" \
         xmlns=\"http://www.ecb.int/vocabulary/2002-08-01/eurofxref\">\n\
         \t<gesmes:subject>Reference rates</gesmes:subject>\n\t<Cube>\n",
    );
    for (day, usd) in days.iter().rev() {
        out.push_str(&format!(
            "\t\t<Cube time=\"{}\">\n\t\t\t<Cube currency=\"USD\" rate=\"{usd}\"/>\n\
             \t\t\t<Cube currency=\"JPY\" rate=\"160\"/>\n\t\t</Cube>\n",
            format_day(*day)
        ));
    }
    out.push_str("\t</Cube>\n</gesmes:Envelope>\n");
    out
}

fn noon(day: i64) -> u64 {
    u64::try_from(day).expect("after 1970") * 86_400 + 43_200
}

/// Polls `url` until `want` holds (30 s at most).
async fn wait_json(url: &str, what: &str, want: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let v = crate::common::json_of(url).await;
        if want(&v) {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: still {v} after 30 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn metrics(mcr: &RunningMcr) -> String {
    reqwest::get(format!("{}/metrics", mcr.url()))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text")
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name} missing in {text}"))
}

/// `amount_status` and `usd_value` of the revenue events in `/machine/{did}`, by timestamp.
/// [`amounts`] once `ok` holds: `/mcr` follows new rates as soon as they are stored (the
/// per-day summaries change with them), the per-event amounts of `/machine` when this replica
/// has reloaded them (right after its own refresh).
async fn amounts_when(
    mcr: &RunningMcr,
    did: &str,
    ok: impl Fn(&[(u64, String, Value)]) -> bool,
) -> Vec<(u64, String, Value)> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let a = amounts(mcr, did).await;
        if ok(&a) || std::time::Instant::now() > deadline {
            return a;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn amounts(mcr: &RunningMcr, did: &str) -> Vec<(u64, String, Value)> {
    let p = crate::common::json_of(&format!("{}/machine/{did}", mcr.url())).await;
    let mut out: Vec<(u64, String, Value)> = p["peaqos"]["event_data"]
        .as_array()
        .unwrap_or_else(|| panic!("event_data in {p}"))
        .iter()
        .filter(|e| e["event_type"] == 0)
        .map(|e| {
            (
                e["timestamp"].as_u64().expect("timestamp"),
                e["amount_status"].as_str().expect("status").to_owned(),
                e["usd_value"].clone(),
            )
        })
        .collect();
    out.sort_by_key(|e| e.0);
    out
}

/// A devnet, its owner client, a machine with `onchain` visibility and its client, and today
/// (UTC day of the chain's clock).
async fn machine_on_devnet() -> (Devnet, PeaqosClient, PeaqosClient, Machine, i64) {
    let devnet = devnet().await;
    let owner = client(&devnet, 0);
    let c = fresh_client(&devnet, &owner).await;
    let m = activate(
        &c,
        DataVisibility::Onchain,
        "https://partner.example/fx",
        None,
    )
    .await;
    let today = utc_day(chain_now(&owner).await);
    (devnet, owner, c, m, today)
}

fn fx_config(config: &mut McrConfig, url: &str, staleness: u32) {
    config.poll_interval = Duration::from_millis(50);
    config.ready_cache_ttl = Duration::ZERO;
    config.fx_url = url.to_owned();
    config.fx_refresh_interval = Duration::from_millis(200);
    config.fx_sync_interval = Duration::from_millis(100);
    config.fx_max_staleness_days = staleness;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresher_follows_good_gap_malformed_and_outage_files() {
    let (devnet, owner, c, m, today) = machine_on_devnet().await;
    let dir = ScratchDir::new("mcr-live-fx").expect("dir");
    // Two EUR sales of €10.00: one in the middle of the gap, one two days ago.
    let (gap_day, recent_day) = (today - 20, today - 2);
    let evs: Vec<SubmitEventParams> = [gap_day, recent_day]
        .iter()
        .map(|d| {
            SubmitEventParams::new(
                U256::from(m.id),
                EventType::Revenue,
                U256::from(1_000),
                noon(*d),
            )
            .with_currency("EUR")
        })
        .collect();
    submit(&c, &evs, 2).await;

    // The gap file: T−60…T−40 and T−3…T−1, USD 1.25 per EUR. With a 10-day staleness limit
    // the sale on T−20 has no fixing within 10 days (the shipped history ends 2026-10-30).
    let gap: Vec<(i64, f64)> = (today - 60..=today - 40)
        .chain(today - 3..today)
        .map(|d| (d, 1.25))
        .collect();
    let served: Served = Arc::new(Mutex::new((200, ecb_xml(&gap))));
    let url = ecb_server(served.clone()).await;
    let mcr = crate::common::spawn_mcr_with(&devnet, &sqlite_url(&dir), |cfg| {
        fx_config(cfg, &url, 10);
    })
    .await;
    sync(&mcr, &owner).await;
    let ready = format!("{}/ready", mcr.url());
    let mcr_url = format!("{}/mcr/{}", mcr.url(), m.did());
    let want_last = format_day(today - 1);
    let r = wait_json(&ready, "gap file stored", |r| {
        r["fx"]["last_fixing"] == want_last.as_str()
    })
    .await;
    assert_eq!(r["fx"]["status"], "ok", "{r}");
    assert_eq!(r["fx"]["refresh_enabled"], true);
    assert_eq!(r["fx"]["consecutive_failures"], 0);
    let a = amounts(&mcr, &m.did()).await;
    assert_eq!(a[0].1, "fx_unavailable", "gap day: {a:?}");
    assert_eq!(a[1].1, "ok", "{a:?}");
    assert_eq!(a[1].2, 1250, "€10.00 at 1.25");
    let body = crate::common::json_of(&mcr_url).await;
    assert_eq!(body["mcr_degraded"], true, "{body}");

    // The good file fills the gap: the degraded score is recomputed, nothing is stale.
    let good: Vec<(i64, f64)> = (today - 60..today).map(|d| (d, 1.25)).collect();
    served.lock().expect("lock").1 = ecb_xml(&good);
    let body = wait_json(&mcr_url, "gap filled", |b| b["mcr_degraded"] == false).await;
    assert_eq!(body["total_revenue"], 2500, "{body}");
    let a = amounts_when(&mcr, &m.did(), |a| a.iter().all(|e| e.1 == "ok")).await;
    assert!(a.iter().all(|e| e.1 == "ok" && e.2 == 1250), "{a:?}");
    // Cached now (not degraded); a changed rate on T−2 drops it and the next answer uses it.
    let cached = metric(&metrics(&mcr).await, "mcr_cache_entries");
    assert!(cached >= 1.0, "the clean score is cached");
    let changed: Vec<(i64, f64)> = (today - 60..today)
        .map(|d| (d, if d >= recent_day { 1.5 } else { 1.25 }))
        .collect();
    served.lock().expect("lock").1 = ecb_xml(&changed);
    let body = wait_json(&mcr_url, "new rate used", |b| b["total_revenue"] == 2750).await;
    assert_eq!(body["mcr_degraded"], false);
    let version = metric(&metrics(&mcr).await, "mcr_fx_version");
    let (_, stored_before) = mcr.store().fx_days().await.expect("fx days");

    // A malformed (truncated) download: nothing is written, the old rates stay.
    let bad: Vec<(i64, f64)> = (today - 60..today).map(|d| (d, 9.0)).collect();
    let text = ecb_xml(&bad);
    served.lock().expect("lock").1 = text[..text.len() - 30].to_owned();
    let r = wait_json(&ready, "malformed file reported", |r| {
        r["fx"]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("FX_DATA_BAD_XML"))
    })
    .await;
    assert_eq!(r["fx"]["status"], "degraded", "{r}");
    assert_eq!(
        r["status"], "ready",
        "an FX failure does not take the API out: {r}"
    );
    let m_text = metrics(&mcr).await;
    assert!(metric(&m_text, "mcr_fx_refresh_consecutive_failures") >= 1.0);
    assert!(metric(&m_text, "mcr_fx_refresh_failures_total") >= 1.0);
    assert_eq!(metric(&m_text, "mcr_fx_version"), version, "no write");
    assert_eq!(
        mcr.store().fx_days().await.expect("fx days").1,
        stored_before
    );
    assert_eq!(
        crate::common::json_of(&mcr_url).await["total_revenue"],
        2750
    );

    // An outage: the same, with the HTTP status in the error.
    *served.lock().expect("lock") = (503, "down".to_owned());
    let r = wait_json(&ready, "outage reported", |r| {
        r["fx"]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("HTTP 503"))
    })
    .await;
    assert_eq!(r["fx"]["status"], "degraded");
    assert_eq!(r["fx"]["last_fixing"], format_day(today - 1).as_str());
    assert_eq!(
        mcr.store().fx_days().await.expect("fx days").1,
        stored_before
    );
    let body = crate::common::json_of(&mcr_url).await;
    assert_eq!(
        (body["total_revenue"].clone(), body["mcr_degraded"].clone()),
        (2750.into(), false.into())
    );
    let m_text = metrics(&mcr).await;
    assert!(metric(&m_text, "mcr_fx_age_days") >= 1.0);
    assert!(metric(&m_text, "mcr_fx_age_seconds") >= 86_400.0);

    // Back to good: healthy again.
    *served.lock().expect("lock") = (200, ecb_xml(&changed));
    let r = wait_json(&ready, "recovered", |r| {
        r["fx"]["consecutive_failures"] == 0
    })
    .await;
    assert_eq!(r["fx"]["status"], "ok", "{r}");
    assert!(r["fx"]["last_success_at"].as_u64().is_some());
    assert!(
        metric(
            &metrics(&mcr).await,
            "mcr_fx_refresh_last_success_timestamp_seconds"
        ) > 0.0
    );
    mcr.shutdown().await;
    devnet.shutdown().await.expect("devnet stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_after_2026_12_14_are_ok_once_rates_are_refreshed() {
    let (devnet, owner, c, m, today) = machine_on_devnet().await;
    let dir = ScratchDir::new("mcr-fx-dated").expect("dir");
    // A sale after 2026-12-14 (the shipped history's last fixing + 45 days), within 45 days
    // of yesterday's fixing; the chain's clock is moved forward so it is not in the future.
    let sale_day = (today + 13).max(days_from_civil(2026, 12, 15));
    let chain_at = chain_now(&owner).await;
    let ahead = noon(sale_day) + 3_600 - chain_at.min(noon(sale_day));
    let _: Value = c
        .provider()
        .raw_request("evm_increaseTime".into(), (U256::from(ahead),))
        .await
        .expect("evm_increaseTime");
    crate::common::mine(&c, 1).await;
    let ev = SubmitEventParams::new(
        U256::from(m.id),
        EventType::Revenue,
        U256::from(17_600),
        noon(sale_day),
    )
    .with_currency("JPY");
    submit(&c, &[ev], 1).await;

    // First an outage: the shipped history only, so the sale is past the staleness limit.
    let served: Served = Arc::new(Mutex::new((503, "down".to_owned())));
    let url = ecb_server(served.clone()).await;
    let mcr = crate::common::spawn_mcr_with(&devnet, &sqlite_url(&dir), |cfg| {
        fx_config(
            cfg,
            &url,
            peaqos_mcr_model::fx::DEFAULT_FX_MAX_STALENESS_DAYS,
        );
    })
    .await;
    sync(&mcr, &owner).await;
    let mcr_url = format!("{}/mcr/{}", mcr.url(), m.did());
    assert_eq!(crate::common::json_of(&mcr_url).await["mcr_degraded"], true);
    let a = amounts(&mcr, &m.did()).await;
    assert_eq!(a[0].1, "fx_unavailable", "{a:?}");

    // The ECB's 90-day file up to yesterday (weekdays only): the sale is `ok`.
    let days: Vec<(i64, f64)> = (today - 90..today)
        .filter(|d| (d + 3).rem_euclid(7) < 5)
        .map(|d| (d, 1.1))
        .collect();
    *served.lock().expect("lock") = (200, ecb_xml(&days));
    let body = wait_json(&mcr_url, "refreshed", |b| b["mcr_degraded"] == false).await;
    // ¥17,600 at 160 JPY per EUR and 1.1 USD per EUR = $121.00.
    assert_eq!(body["total_revenue"], 12_100, "{body}");
    let a = amounts_when(&mcr, &m.did(), |a| a.first().is_some_and(|e| e.1 == "ok")).await;
    assert_eq!(
        (a[0].1.as_str(), a[0].2.clone()),
        ("ok", 12_100.into()),
        "{a:?}"
    );
    mcr.shutdown().await;
    devnet.shutdown().await.expect("devnet stops");
}

/// `peaqos-mcr fx import FILE` against `db_url`: (exit status ok, stdout, stderr).
fn import_cli(db_url: &str, file: &std::path::Path) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_peaqos-mcr"))
        .args(["fx", "import"])
        .arg(file)
        .env("MCR_DATABASE_URL", db_url)
        .env_remove("IDENTITY_REGISTRY_ADDRESS")
        .output()
        .expect("runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn import_writes_a_whole_file_or_nothing(db_url: &str, dir: &ScratchDir) {
    let store = Store::connect(db_url, 2).await.expect("store");
    let added = fx::seed(&store).await.expect("seeded");
    assert!(added > 7_000, "the shipped history: {added} days");
    assert_eq!(fx::seed(&store).await.expect("again"), 0, "idempotent");
    let (v0, days0) = store.fx_days().await.expect("days");
    let today = utc_day(peaqos_mcr::scoring::unix_now());
    let good: Vec<(i64, f64)> = (today - 30..today).map(|d| (d, 1.2)).collect();

    // Malformed, truncated, a future date, a rate of zero: refused, nothing written.
    let text = ecb_xml(&good);
    let cases = [
        ("truncated.xml", text[..text.len() / 2].to_owned()),
        ("future.xml", ecb_xml(&[(today - 1, 1.2), (today + 5, 1.2)])),
        ("zero.csv", "Date,USD,JPY,\n2026-12-01,0,160,\n".to_owned()),
        ("empty.csv", String::new()),
    ];
    for (name, body) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, body).expect("write");
        let (ok, _, err) = import_cli(db_url, &path);
        assert!(!ok, "{name} refused");
        assert!(err.contains("nothing was written"), "{name}: {err}");
        assert_eq!(
            store.fx_days().await.expect("days"),
            (v0, days0.clone()),
            "{name}"
        );
    }
    // A good CSV (the daily form) and XML: written in one go, the version moves once each.
    let path = dir.path().join("good.xml");
    std::fs::write(&path, ecb_xml(&good)).expect("write");
    let (ok, out, err) = import_cli(db_url, &path);
    assert!(ok, "{err}");
    assert!(out.contains("imported 30 days"), "{out}");
    let (v1, days1) = store.fx_days().await.expect("days");
    assert_eq!(v1, v0 + 1);
    assert_eq!(days1.last().map(|d| d.0), Some(today - 1));
    let (ok, out, _) = import_cli(db_url, &path);
    assert!(ok && out.contains("0 added or changed"), "{out}");
    assert_eq!(
        store.fx_version().await.expect("version"),
        v1,
        "no change, same version"
    );
    let daily = dir.path().join("eurofxref.csv");
    let (y, mo, d) = peaqos_mcr_model::date::civil_from_days(today - 1);
    let month = peaqos_mcr_model::ecb_format::MONTHS[usize::try_from(mo - 1).expect("month")];
    std::fs::write(
        &daily,
        format!("Date, USD, JPY, \n{d:02} {month} {y}, 1.3, 160, \n"),
    )
    .expect("write");
    let (ok, out, err) = import_cli(db_url, &daily);
    assert!(ok && out.contains("1 added or changed"), "{out} {err}");
    assert_eq!(store.fx_version().await.expect("version"), v1 + 1);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_fx_import_writes_a_whole_file_or_nothing() {
    let dir = ScratchDir::new("mcr-fx-import").expect("dir");
    import_writes_a_whole_file_or_nothing(&sqlite_url(&dir), &dir).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (PEAQOS_TEST_PG_URL, scripts/pg-test-server.sh)"]
async fn postgres_fx_import_writes_a_whole_file_or_nothing() {
    let dir = ScratchDir::new("mcr-fx-import-pg").expect("dir");
    let db = crate::common::PgDatabase::create("peaqos_mcr_fx").await;
    import_writes_a_whole_file_or_nothing(&db.url, &dir).await;
    db.drop_db().await;
}

/// Two services on one database: only the first refreshes; the second scores with the rates
/// it wrote within `MCR_FX_SYNC_SECS`.
async fn replicas_converge(db_url: &str) {
    let (devnet, owner, c, m, today) = machine_on_devnet().await;
    let ev = SubmitEventParams::new(
        U256::from(m.id),
        EventType::Revenue,
        U256::from(1_000),
        noon(today - 2),
    )
    .with_currency("EUR");
    submit(&c, &[ev], 1).await;
    let days: Vec<(i64, f64)> = (today - 10..today).map(|d| (d, 1.25)).collect();
    let served: Served = Arc::new(Mutex::new((503, "down".to_owned())));
    let url = ecb_server(served.clone()).await;
    // The replica first, with no refresher: it starts on the shipped history. (One at a time
    // catches up, so the two indexers never write the same blocks: leader election is not
    // what this tests.)
    let replica = crate::common::spawn_mcr_with(&devnet, db_url, |cfg| {
        fx_config(cfg, &url, 10);
        cfg.fx_refresh_interval = Duration::ZERO;
    })
    .await;
    sync(&replica, &owner).await;
    let refresher = crate::common::spawn_mcr_with(&devnet, db_url, |cfg| {
        fx_config(cfg, &url, 10);
    })
    .await;
    sync(&refresher, &owner).await;
    assert_eq!(
        amounts(&replica, &m.did()).await[0].1,
        "fx_unavailable",
        "shipped history only"
    );
    *served.lock().expect("lock") = (200, ecb_xml(&days));
    let want = format_day(today - 1);
    for mcr in [&refresher, &replica] {
        let r = wait_json(
            &format!("{}/ready", mcr.url()),
            "rates reach every replica",
            |r| r["fx"]["last_fixing"] == want.as_str(),
        )
        .await;
        assert_eq!(r["fx"]["status"], "ok", "{r}");
        let a = amounts(mcr, &m.did()).await;
        assert_eq!(
            (a[0].1.as_str(), a[0].2.clone()),
            ("ok", 1250.into()),
            "{a:?}"
        );
    }
    let r = crate::common::json_of(&format!("{}/ready", replica.url())).await;
    assert_eq!(r["fx"]["refresh_enabled"], false);
    assert_eq!(
        metric(&metrics(&replica).await, "mcr_fx_version"),
        metric(&metrics(&refresher).await, "mcr_fx_version")
    );
    refresher.shutdown().await;
    replica.shutdown().await;
    devnet.shutdown().await.expect("devnet stops");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_replicas_converge_on_stored_rates() {
    let dir = ScratchDir::new("mcr-fx-replicas").expect("dir");
    replicas_converge(&sqlite_url(&dir)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL (PEAQOS_TEST_PG_URL, scripts/pg-test-server.sh)"]
async fn postgres_replicas_converge_on_stored_rates() {
    let db = crate::common::PgDatabase::create("peaqos_mcr_fx_replicas").await;
    replicas_converge(&db.url).await;
    db.drop_db().await;
}
