//! Sustained `POST /faucet/fund` throughput and latency, over HTTP, against an in-process
//! devnet: distinct owners (each enrolled once), the skipped path (a target above
//! `minGasBalance`: 2FA, rate window, balance RPC, result recorded) and the transfer path
//! (2FA, caps, nonce, sign, write-ahead, broadcast, receipt), with SQLite and PostgreSQL.
//!
//! ```sh
//! PEAQOS_TEST_PG_URL=postgres://peaqos:peaqos@127.0.0.1:55432/postgres \
//!   cargo run --release -p peaqos-gas-station --example bench_gas_station
//! ```
//!
//! Env: `BENCH_SKIPPED` (requests, 2000), `BENCH_TRANSFERS` (500), `BENCH_CONCURRENCY` (32),
//! `BENCH_PROCESSES` (`1,3`: Gas Station instances on PostgreSQL, each with its own pool and
//! nonce lock, in this process (so on the same cores), requests spread round-robin; SQLite
//! serves one process only). Prints a Markdown table (the ones in docs/gas-station.md) and the
//! 3-vs-1 ratios.
#![allow(clippy::print_stdout, clippy::unwrap_used, missing_docs)]

use std::{
    sync::Arc,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use alloy::primitives::Address;
use futures::{StreamExt, stream};
use peaqos_devnet::{Devnet, DevnetConfig};
use peaqos_gas_station::{
    GasStation, GasStationConfig, RunningGasStation, config::PEAQ, service::now_ms, totp,
};
use serde_json::{Value, json};
use sqlx::Connection as _;

const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

fn env_usize(k: &str, d: usize) -> usize {
    std::env::var(k)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(d)
}

fn random_address() -> Address {
    let mut b = [0u8; 20];
    getrandom::fill(&mut b).unwrap();
    Address::from(b)
}

/// Enrolls `owner` as active with `secret` straight in the store (the API's setup + confirm
/// would need a fresh code per owner).
async fn enroll_active(station: &RunningGasStation, owner: Address, secret: &[u8]) {
    let service = station.service();
    let key = format!("{owner:#x}");
    let sealed = service.config.server_key.seal(&key, secret).unwrap();
    service
        .store
        .put_active_enrollment(&key, &sealed, now_ms())
        .await
        .unwrap();
}

struct Run {
    rps: f64,
    p50: Duration,
    p99: Duration,
}

async fn run(
    devnet: &Devnet,
    db_url: &str,
    n: usize,
    concurrency: usize,
    transfer: bool,
    instances: usize,
) -> Run {
    let mut config = GasStationConfig::for_devnet(
        &devnet.url,
        "local",
        &devnet.accounts[9].private_key.to_string(),
        db_url,
    );
    config.chains[0].amount = alloy::primitives::U256::from(PEAQ / 1000);
    let mut stations = Vec::new();
    for _ in 0..instances {
        stations.push(GasStation::spawn(config.clone()).await.unwrap());
    }
    let owners: Vec<Address> = (0..n).map(|_| random_address()).collect();
    let secret = Arc::new(totp::base32_decode(SECRET).unwrap().to_vec());
    for &o in &owners {
        enroll_active(&stations[0], o, &secret).await;
    }
    let rich = devnet.accounts[2].address;
    let http = reqwest::Client::new();
    let urls: Vec<String> = stations
        .iter()
        .map(|s| format!("{}/faucet/fund", s.url()))
        .collect();
    let started = Instant::now();
    let mut latencies: Vec<Duration> = stream::iter(owners.into_iter().enumerate())
        .map(|(i, owner)| {
            let (http, url, secret) = (http.clone(), urls[i % urls.len()].clone(), secret.clone());
            async move {
                let target = if transfer { random_address() } else { rich };
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap()
                    .as_secs();
                let body = json!({
                    "ownerAddress": owner.to_checksum(None),
                    "targetWalletAddress": target.to_checksum(None),
                    "chainId": "local",
                    "twoFactorCode": totp::code_at(&secret, now).as_str(),
                    "requestId": uuid::Uuid::new_v4().to_string(),
                });
                let t = Instant::now();
                let reply: Value = http
                    .post(&url)
                    .json(&body)
                    .send()
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
                let expected = if transfer {
                    "SUCCESS"
                } else {
                    "SUFFICIENT_BALANCE"
                };
                assert_eq!(reply["code"], expected, "{reply}");
                t.elapsed()
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let elapsed = started.elapsed();
    for station in stations {
        station.shutdown().await;
    }
    latencies.sort();
    let pct = |p: f64| {
        latencies[((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1]
    };
    Run {
        rps: n as f64 / elapsed.as_secs_f64(),
        p50: pct(0.50),
        p99: pct(0.99),
    }
}

#[tokio::main]
async fn main() {
    let skipped = env_usize("BENCH_SKIPPED", 2000);
    let transfers = env_usize("BENCH_TRANSFERS", 500);
    let concurrency = env_usize("BENCH_CONCURRENCY", 32);
    let processes: Vec<usize> = std::env::var("BENCH_PROCESSES")
        .unwrap_or_else(|_| "1,3".into())
        .split(',')
        .filter_map(|p| p.trim().parse().ok())
        .filter(|p| *p >= 1)
        .collect();
    let devnet = Devnet::spawn(DevnetConfig::ephemeral()).await.unwrap();
    let dir = std::env::temp_dir().join(format!("gs-bench-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();

    let mut dbs = vec![(
        "SQLite (file, WAL)",
        format!("sqlite://{}?mode=rwc", dir.join("bench.db").display()),
        None,
    )];
    if let Ok(admin) = std::env::var("PEAQOS_TEST_PG_URL") {
        let name = format!("gs_bench_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
        let (base, _) = admin.rsplit_once('/').unwrap();
        dbs.push((
            "PostgreSQL (loopback)",
            format!("{base}/{name}"),
            Some((admin.clone(), name)),
        ));
    } else {
        eprintln!("PEAQOS_TEST_PG_URL unset: SQLite only");
    }

    println!(
        "| database | instances | path | requests | concurrency | requests/s | p50 ms | p99 ms |"
    );
    println!("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |");
    let mut ratios = Vec::new();
    for (label, url, pg) in &dbs {
        let counts: &[usize] = if pg.is_some() { &processes } else { &[1] };
        for (path, n, transfer) in [("skipped", skipped, false), ("transfer", transfers, true)] {
            let mut by_count = Vec::new();
            for &k in counts {
                let r = run(&devnet, url, n, concurrency, transfer, k).await;
                println!(
                    "| {label} | {k} | {path} | {n} | {concurrency} | {:.0} | {:.1} | {:.1} |",
                    r.rps,
                    r.p50.as_secs_f64() * 1e3,
                    r.p99.as_secs_f64() * 1e3
                );
                by_count.push((k, r.rps));
            }
            if let (Some(first), Some(last)) = (by_count.first(), by_count.last())
                && by_count.len() > 1
            {
                ratios.push(format!(
                    "{label} {path}: {} instances / {} = {:.2}x",
                    last.0,
                    first.0,
                    last.1 / first.1
                ));
            }
        }
    }
    for r in ratios {
        println!("{r}");
    }
    for (_, _, pg) in dbs {
        if let Some((admin, name)) = pg {
            let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn)
                .await;
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    devnet.shutdown().await.unwrap();
}
