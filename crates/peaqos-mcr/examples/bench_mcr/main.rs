//! MCR service benchmark (docs/mcr.md): `/mcr/{did}` throughput and latency, cached and
//! uncached, next to a static axum handler (the ceiling), and indexer ingest into SQLite and
//! PostgreSQL.
//!
//! ```sh
//! cargo run --release -p peaqos-mcr --example bench_mcr            # needs `wrk` on PATH
//! PEAQOS_TEST_PG_URL=postgres://… cargo run --release -p peaqos-mcr --example bench_mcr
//! ```
//!
//! Load comes from `wrk` (a separate process) on loopback: 1 thread, 32 connections, 10 s per
//! target (`BENCH_SECS` to change).
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::{
    process::Command,
    time::{Duration, Instant},
};

use alloy::primitives::{Address, B256, Bytes, U256};
use axum::{Router, routing::get};
use peaqos_devnet::{Devnet, DevnetConfig};
use peaqos_mcr::{
    McrConfig, McrService,
    store::{Batch, BlockRef, Store, StoredEvent},
};
use peaqos_sdk::{
    client::{ClientConfig, NetworkConfig, PeaqosClient},
    limits::OperationalLimits,
    signer::Signer,
    validation::SubmitEventParams,
};
use peaqos_test_utils::ScratchDir;
use peaqos_types::{EventType, TrustLevel};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

struct Load {
    rps: f64,
    p50: String,
    p99: String,
}

/// `wrk --latency` against `url`.
fn wrk(url: &str, secs: u64) -> Res<Load> {
    let out = Command::new("wrk")
        .args(["-t1", "-c32", &format!("-d{secs}s"), "--latency", url])
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let field = |prefix: &str| -> Option<String> {
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.split_whitespace().nth(1))
            .map(str::to_owned)
    };
    let rps = field("Requests/sec:")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("no Requests/sec in wrk output:\n{text}"))?;
    let non2xx = text.lines().find(|l| l.contains("Non-2xx"));
    if let Some(l) = non2xx {
        return Err(format!("{url}: {l}").into());
    }
    Ok(Load {
        rps,
        p50: field("50%").unwrap_or_default(),
        p99: field("99%").unwrap_or_default(),
    })
}

fn client(devnet: &Devnet, account: usize) -> PeaqosClient {
    let contracts = devnet.deployment.as_ref().unwrap().contract_addresses();
    PeaqosClient::new(ClientConfig::new(
        NetworkConfig::new(&devnet.url, contracts).with_operational_limits(OperationalLimits::NONE),
        Signer::from(devnet.accounts[account].signer()),
    ))
    .unwrap()
}

/// Registers a machine for dev account `account` with `n` events (100 per transaction): daily
/// revenue over the past `n` days alternating with activity.
async fn machine_with_events(devnet: &Devnet, account: usize, n: u64) -> Res<Address> {
    let c = client(devnet, account);
    let id = c.register_machine().await?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs()
        - 60;
    let events: Vec<SubmitEventParams> = (0..n)
        .map(|i| {
            let ts = now - (n - i) * 3_600;
            if i % 2 == 0 {
                SubmitEventParams::new(id, EventType::Revenue, U256::from(2_500 + i % 100), ts)
                    .with_currency("USD")
                    .with_trust_level(TrustLevel::HardwareSigned)
            } else {
                SubmitEventParams::new(id, EventType::Activity, U256::ZERO, ts).with_currency("")
            }
        })
        .collect();
    for chunk in events.chunks(100) {
        c.batch_submit_events(chunk).await?;
    }
    Ok(c.address())
}

async fn http_bench(devnet: &Devnet, secs: u64) -> Res<()> {
    let dir = ScratchDir::new("mcr-bench-http")?;
    let wallet = machine_with_events(devnet, 2, 1_000).await?;
    let contracts = devnet.deployment.as_ref().unwrap().contract_addresses();
    let config = |file: &str, ttl: u64| {
        let mut c = McrConfig::for_devnet(
            &devnet.url,
            contracts,
            &format!("sqlite://{}", dir.path().join(file).display()),
        );
        c.cache_ttl = Duration::from_secs(ttl);
        c.rate_limit_per_minute = 0;
        c
    };
    let cached = McrService::spawn(config("cached.db", 3600)).await?;
    let uncached = McrService::spawn(config("uncached.db", 0)).await?;
    let head = chain_head(&client(devnet, 0)).await?;
    cached.wait_indexed(head, Duration::from_secs(120)).await?;
    uncached
        .wait_indexed(head, Duration::from_secs(120))
        .await?;
    let did = format!("did:peaq:{wallet}");
    let body = reqwest::get(format!("{}/mcr/{did}", cached.url()))
        .await?
        .text()
        .await?;
    println!("/mcr body ({} bytes): {body}", body.len());
    // The ceiling: the same body from a bare axum handler.
    let static_body: &'static str = Box::leak(body.into_boxed_str());
    let app = Router::new().route(
        "/mcr/{did}",
        get(move || async move { ([("content-type", "application/json")], static_body) }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let static_url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    println!("\n| target | req/s | p50 | p99 |\n| --- | ---: | ---: | ---: |");
    for (name, base) in [
        ("static axum handler (ceiling)", static_url),
        ("/mcr/{did} cached", cached.url()),
        ("/mcr/{did} uncached (1,000 events)", uncached.url()),
    ] {
        let l = wrk(&format!("{base}/mcr/{did}"), secs)?;
        println!("| {name} | {:.0} | {} | {} |", l.rps, l.p50, l.p99);
    }
    // Where an uncached request's time goes (one request at a time, no load).
    let store = uncached.store();
    let id = store.machine_id_of_wallet(wallet).await?.ok_or("machine")?;
    let t = Instant::now();
    for _ in 0..20 {
        store.score_events(id).await?;
    }
    let read = t.elapsed().as_secs_f64() * 1000.0 / 20.0;
    let records: Vec<_> = store
        .score_events(id)
        .await?
        .into_iter()
        .map(peaqos_mcr_model::EventRecord::from)
        .collect();
    let fx = peaqos_mcr_model::EcbFx::embedded();
    let input = peaqos_mcr_model::MachineInput {
        bonded: true,
        events: &records,
        admin: peaqos_mcr_model::AdminState::default(),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let t = Instant::now();
    for _ in 0..20 {
        std::hint::black_box(peaqos_mcr_model::score(&input, now, &fx));
    }
    let score = t.elapsed().as_secs_f64() * 1000.0 / 20.0;
    println!(
        "\nuncached request, alone: read {} events {read:.2} ms, score {score:.2} ms",
        records.len()
    );
    cached.shutdown().await;
    uncached.shutdown().await;
    Ok(())
}

/// Synthetic events for store-only ingest: `blocks` blocks of `per_block` events.
fn synthetic(blocks: u64, per_block: u64) -> Vec<Batch> {
    (1..=blocks)
        .map(|b| {
            let block = BlockRef {
                number: b,
                hash: B256::from(U256::from(b)),
                timestamp: 1_700_000_000 + b,
            };
            let events = (0..per_block)
                .map(|i| StoredEvent {
                    machine_id: 1 + i % 50,
                    event_index: (b - 1) * per_block / 50 + i / 50,
                    event_type: (i % 2) as u8,
                    value: U256::from(2_500u64),
                    currency: if i % 2 == 0 {
                        "USD".into()
                    } else {
                        String::new()
                    },
                    timestamp: 1_700_000_000 + b,
                    data_hash: B256::repeat_byte(7),
                    trust_level: 2,
                    source_chain_id: U256::ZERO,
                    source_tx_hash: B256::ZERO,
                    metadata: Bytes::from_static(br#"{"k":"v"}"#),
                    block_number: b,
                    log_index: i,
                    tx_hash: B256::repeat_byte(9),
                    block_timestamp: 1_700_000_000 + b,
                })
                .collect();
            Batch {
                to: Some(block),
                blocks: vec![block],
                events,
                ..Batch::default()
            }
        })
        .collect()
}

/// Events per second written by `Store::apply` (the indexer's write path), one transaction per
/// batch of `per_block` events.
async fn store_ingest(url: &str) -> Res<f64> {
    let store = Store::connect(url, 4).await?;
    let batches = synthetic(50, 1_000);
    let started = Instant::now();
    for b in &batches {
        store.apply(b).await?;
    }
    let secs = started.elapsed().as_secs_f64();
    let n = store.total_events().await?;
    store.close().await;
    Ok(n as f64 / secs)
}

/// Events per second of the whole indexer (RPC `eth_getLogs` + `getEvents` against the devnet,
/// then the store), from block 0 to the head.
async fn indexer_ingest(devnet: &Devnet, url: &str) -> Res<(u64, f64)> {
    let contracts = devnet.deployment.as_ref().unwrap().contract_addresses();
    let head = chain_head(&client(devnet, 0)).await?;
    let started = Instant::now();
    let mcr = McrService::spawn(McrConfig::for_devnet(&devnet.url, contracts, url)).await?;
    mcr.wait_indexed(head, Duration::from_secs(600)).await?;
    let secs = started.elapsed().as_secs_f64();
    let n = mcr.store().total_events().await?;
    mcr.shutdown().await;
    Ok((n, n as f64 / secs))
}

async fn pg_database(server: &str, tag: &str) -> Res<String> {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let name = format!("peaqos_mcr_bench_{tag}_{}", std::process::id());
    let mut conn = sqlx::AnyConnection::connect(server).await?;
    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name}"))
        .execute(&mut conn)
        .await;
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await?;
    let after = server.find("://").map_or(0, |i| i + 3);
    let plain = server.split('?').next().unwrap_or(server);
    let base = plain[after..]
        .find('/')
        .map_or(plain, |j| &plain[..after + j]);
    Ok(format!("{base}/{name}"))
}

async fn chain_head(c: &PeaqosClient) -> Res<u64> {
    use alloy::providers::Provider;
    Ok(c.provider().get_block_number().await?)
}

#[tokio::main]
async fn main() -> Res<()> {
    let secs: u64 = std::env::var("BENCH_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let devnet = Devnet::spawn(DevnetConfig::ephemeral()).await?;
    println!(
        "# MCR service benchmark ({} cores)",
        std::thread::available_parallelism()?
    );
    http_bench(&devnet, secs).await?;

    println!("\n## ingest");
    let dir = ScratchDir::new("mcr-bench-ingest")?;
    let pg = std::env::var("PEAQOS_TEST_PG_URL")
        .ok()
        .filter(|v| !v.is_empty());
    let sqlite = |f: &str| format!("sqlite://{}", dir.path().join(f).display());
    println!("\n| path | store | events | events/s |\n| --- | --- | ---: | ---: |");
    let rate = store_ingest(&sqlite("store.db")).await?;
    println!("| store writes (50 tx × 1,000 events) | SQLite | 50000 | {rate:.0} |");
    if let Some(server) = &pg {
        let url = pg_database(server, "store").await?;
        let rate = store_ingest(&url).await?;
        println!("| store writes (50 tx × 1,000 events) | PostgreSQL | 50000 | {rate:.0} |");
    }
    // A chain with 20,000 more events in 200 blocks (5 machines), then a fresh indexer.
    let fill = Instant::now();
    let mut tasks = Vec::new();
    for account in 3..8 {
        tasks.push(machine_with_events(&devnet, account, 4_000));
    }
    for t in tasks {
        t.await?;
    }
    eprintln!("chain filled in {:.1}s", fill.elapsed().as_secs_f64());
    let (n, rate) = indexer_ingest(&devnet, &sqlite("indexer.db")).await?;
    println!("| indexer from the devnet (RPC + store) | SQLite | {n} | {rate:.0} |");
    if let Some(server) = &pg {
        let url = pg_database(server, "indexer").await?;
        let (n, rate) = indexer_ingest(&devnet, &url).await?;
        println!("| indexer from the devnet (RPC + store) | PostgreSQL | {n} | {rate:.0} |");
    }
    devnet.shutdown().await?;
    Ok(())
}
