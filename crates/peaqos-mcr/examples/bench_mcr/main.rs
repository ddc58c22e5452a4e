//! MCR service benchmark (docs/mcr.md): uncached `/mcr/{did}` for machines with 100, 10,000
//! and 100,000 events, scored from the summary rows and from the raw events side by side,
//! next to a static axum handler (the load generator's ceiling) and the cached path; then
//! ingest into SQLite and PostgreSQL (store writes and the whole indexer).
//!
//! ```sh
//! cargo run --release -p peaqos-mcr --example bench_mcr [all|scoring|ingest]
//! PEAQOS_TEST_PG_URL=postgres://… cargo run --release -p peaqos-mcr --example bench_mcr
//! PEAQOS_TEST_PG_URL=postgres://… cargo run --release -p peaqos-mcr --example bench_mcr fleet
//! ```
//!
//! `fleet` (see `fleet.rs`): PostgreSQL with 100,000 machines and 10 million events.
//!
//! Load comes from a closed loop on its own thread and single-threaded runtime (one core at
//! most, like `wrk -t1`) on loopback: `BENCH_CONNS` connections (32), `BENCH_SECS` seconds per
//! row (10).
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use alloy::primitives::{Address, B256, Bytes, U256};
use axum::{Router, routing::get};
use peaqos_devnet::{Devnet, DevnetConfig};
use peaqos_mcr::{
    McrConfig, McrService,
    machine_summaries::{self, StoredSummary},
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

mod fleet;
mod load;

use load::load;

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

/// One machine's synthetic history: `n` events spread evenly over the `days` days before `now`
/// (half USD revenue, half activity, hardware-signed), recorded at block `block`.
fn history(machine_id: u64, n: u64, days: u64, now: u64, block: u64) -> Vec<StoredEvent> {
    let span = days * 86_400;
    (0..n)
        .map(|i| {
            let ts = now - 60 - span * (n - i) / n;
            let revenue = i % 2 == 0;
            StoredEvent {
                machine_id,
                event_index: i,
                event_type: u8::from(!revenue),
                value: if revenue {
                    U256::from(2_500 + i % 100)
                } else {
                    U256::ZERO
                },
                currency: if revenue { "USD".into() } else { String::new() },
                timestamp: ts,
                data_hash: B256::from(U256::from(i)),
                trust_level: 2,
                source_chain_id: U256::ZERO,
                source_tx_hash: B256::ZERO,
                metadata: Bytes::new(),
                block_number: block,
                log_index: i,
                tx_hash: B256::repeat_byte(9),
                block_timestamp: ts,
            }
        })
        .collect()
}

/// Writes `events` through `Store::apply` (the indexer's write path: summary rows in the
/// same transaction), 5,000 per transaction, at the store's checkpoint block (no new block, so
/// the running indexer sees nothing to roll back).
async fn insert_history(store: &Store, events: &[StoredEvent]) -> Res<()> {
    for chunk in events.chunks(5_000) {
        store
            .apply(&Batch {
                events: chunk.to_vec(),
                ..Batch::default()
            })
            .await?;
    }
    Ok(())
}

/// Uncached `/mcr/{did}` for machines with 100, 10,000 and 100,000 events, scored from the
/// summary rows (`McrService::spawn`: one row per machine) and from the raw events
/// (`spawn_with_fx`, what the service did before the summaries), side by side in one run;
/// plus the harness's ceiling (a bare axum handler) and the cached path.
async fn scoring_bench(devnet: &Devnet, secs: u64, conns: usize) -> Res<()> {
    let dir = ScratchDir::new("mcr-bench-http")?;
    // (events, days of history): a year of history, then five years for the long tail.
    let shapes: [(u64, u64); 4] = [(100, 365), (10_000, 365), (100_000, 365), (100_000, 1_825)];
    let mut wallets = Vec::new();
    for account in 2..2 + shapes.len() {
        wallets.push(machine_with_events(devnet, account, 0).await?);
    }
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
    let days = McrService::spawn(config("days.db", 0)).await?;
    let raw = McrService::spawn_with_fx(
        config("raw.db", 0),
        std::sync::Arc::new(peaqos_mcr_model::EcbFx::embedded()),
    )
    .await?;
    let cached = McrService::spawn(config("cached.db", 3600)).await?;
    let head = chain_head(&client(devnet, 0)).await?;
    for s in [&days, &raw, &cached] {
        s.wait_indexed(head, Duration::from_secs(120)).await?;
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let fill = Instant::now();
    for (wallet, &(n, span)) in wallets.iter().zip(&shapes) {
        for s in [&days, &raw, &cached] {
            let store = s.store();
            let id = store
                .machine_id_of_wallet(*wallet)
                .await?
                .ok_or("machine")?;
            let block = store.checkpoint().await?.ok_or("checkpoint")?.number;
            insert_history(store, &history(id, n, span, now, block)).await?;
        }
    }
    eprintln!("histories written in {:.1}s", fill.elapsed().as_secs_f64());
    // The two paths must agree before their speeds mean anything.
    for wallet in &wallets {
        let path = format!("/mcr/did:peaq:{wallet}");
        let a = reqwest::get(format!("{}{path}", days.url()))
            .await?
            .text()
            .await?;
        let b = reqwest::get(format!("{}{path}", raw.url()))
            .await?
            .text()
            .await?;
        if a != b {
            return Err(format!("summaries and raw events disagree:\n{a}\n{b}").into());
        }
        println!("{path}: {a}");
    }
    let did0 = format!("did:peaq:{}", wallets[0]);
    let body = reqwest::get(format!("{}/mcr/{did0}", days.url()))
        .await?
        .text()
        .await?;
    // The ceiling of this load generator: the same body from a bare axum handler.
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
    println!(
        "\n{conns} connections, {secs} s per row\n\n\
         | `/mcr/{{did}}` | events | active days | req/s | p50 ms | p99 ms |\n\
         | --- | ---: | ---: | ---: | ---: | ---: |"
    );
    let l = load(&format!("{static_url}/mcr/{did0}"), secs, conns)?;
    println!(
        "| static axum handler (ceiling) | — | — | {:.0} | {:.2} | {:.2} |",
        l.rps, l.p50, l.p99
    );
    let last = wallets.len() - 1;
    let l = load(
        &format!("{}/mcr/did:peaq:{}", cached.url(), wallets[last]),
        secs,
        conns,
    )?;
    println!(
        "| cached | {} | {} | {:.0} | {:.2} | {:.2} |",
        shapes[last].0, shapes[last].1, l.rps, l.p50, l.p99
    );
    for (wallet, &(n, span)) in wallets.iter().zip(&shapes) {
        let active = days
            .store()
            .machine_days(
                days.store()
                    .machine_id_of_wallet(*wallet)
                    .await?
                    .ok_or("machine")?,
            )
            .await?
            .len();
        for (name, s) in [
            ("uncached, raw events", &raw),
            ("uncached, summary row", &days),
        ] {
            let l = load(&format!("{}/mcr/did:peaq:{wallet}", s.url()), secs, conns)?;
            println!(
                "| {name} | {n} | {active} (of {span}) | {:.0} | {:.2} | {:.2} |",
                l.rps, l.p50, l.p99
            );
        }
    }
    // Where an uncached request's time goes, one at a time without load: the one query
    // (machine, journal, summary row, decoded), the summary's decoding alone, the model on
    // it, and for comparison the model on the per-day summaries it is derived from.
    println!(
        "\n| alone, per request | active days | summary bytes | read the row ms | of which \
         decoding ms | score_summary ms | score_days ms |\n\
         | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    const REPS: u32 = 200;
    for wallet in &wallets {
        let store = days.store();
        let t = Instant::now();
        for _ in 0..REPS {
            std::hint::black_box(store.machine_for_score_by_wallet(*wallet).await?);
        }
        let read = t.elapsed().as_secs_f64() * 1000.0 / f64::from(REPS);
        let (machine, stored) = store
            .machine_for_score_by_wallet(*wallet)
            .await?
            .ok_or("machine")?;
        let stored = stored.ok_or("summary row")?;
        let bytes = machine_summaries::encode_summary(&stored.summary);
        let t = Instant::now();
        for _ in 0..REPS {
            std::hint::black_box(
                machine_summaries::decode_summary(std::hint::black_box(&bytes)).ok_or("decodes")?,
            );
        }
        let decode = t.elapsed().as_secs_f64() * 1000.0 / f64::from(REPS);
        let admin = peaqos_mcr_model::AdminState::default();
        let t = Instant::now();
        for _ in 0..REPS {
            std::hint::black_box(peaqos_mcr_model::score_summary(
                &stored.summary,
                machine.bonded,
                &admin,
                now,
            ));
        }
        let model = t.elapsed().as_secs_f64() * 1000.0 / f64::from(REPS);
        let d = store.machine_days(machine.machine_id).await?;
        if StoredSummary::of_days(&d) != stored {
            return Err("the summary is not the one its days give".into());
        }
        let list: Vec<peaqos_mcr_model::DaySummary> = d.values().map(|(s, _)| *s).collect();
        let t = Instant::now();
        for _ in 0..REPS {
            std::hint::black_box(peaqos_mcr_model::score_days(
                &list,
                machine.bonded,
                &admin,
                now,
            ));
        }
        let model_days = t.elapsed().as_secs_f64() * 1000.0 / f64::from(REPS);
        println!(
            "| | {} | {} | {read:.3} | {decode:.4} | {model:.4} | {model_days:.4} |",
            d.len(),
            bytes.len()
        );
    }
    for s in [days, raw, cached] {
        s.shutdown().await;
    }
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
    // The default MCR_MAX_BLOCK_RANGE (1,000 blocks, here all 20,000 events): the node refuses
    // more than 10,000 logs and the indexer halves the range until it fits.
    let config = McrConfig::for_devnet(&devnet.url, contracts, url);
    let mcr = McrService::spawn(config).await?;
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

/// Drops the database `pg_database(server, tag)` made (the benchmark leaves nothing behind).
async fn drop_pg_database(server: &str, tag: &str) -> Res<()> {
    use sqlx::Connection;
    let name = format!("peaqos_mcr_bench_{tag}_{}", std::process::id());
    let mut conn = sqlx::AnyConnection::connect(server).await?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    Ok(())
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
    let conns: usize = std::env::var("BENCH_CONNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32);
    let mode = std::env::args().nth(1).unwrap_or_else(|| "all".into());
    let pg = std::env::var("PEAQOS_TEST_PG_URL")
        .ok()
        .filter(|v| !v.is_empty());
    let devnet = Devnet::spawn(DevnetConfig::ephemeral()).await?;
    println!(
        "# MCR service benchmark ({} cores)",
        std::thread::available_parallelism()?
    );
    match mode.as_str() {
        "fleet" => {
            let server = pg.ok_or("the fleet benchmark needs PEAQOS_TEST_PG_URL")?;
            fleet::run(&devnet, &server, secs, conns).await?;
            return Ok(devnet.shutdown().await?);
        }
        "all" | "scoring" => scoring_bench(&devnet, secs, conns).await?,
        "ingest" => {}
        other => return Err(format!("unknown mode {other}: all, scoring, ingest, fleet").into()),
    }
    if mode == "scoring" {
        return Ok(devnet.shutdown().await?);
    }

    println!("\n## ingest");
    let dir = ScratchDir::new("mcr-bench-ingest")?;
    let sqlite = |f: &str| format!("sqlite://{}", dir.path().join(f).display());
    println!("\n| path | store | events | events/s |\n| --- | --- | ---: | ---: |");
    let rate = store_ingest(&sqlite("store.db")).await?;
    println!("| store writes (50 tx × 1,000 events) | SQLite | 50000 | {rate:.0} |");
    if let Some(server) = &pg {
        let url = pg_database(server, "store").await?;
        let rate = store_ingest(&url).await?;
        drop_pg_database(server, "store").await?;
        println!("| store writes (50 tx × 1,000 events) | PostgreSQL | 50000 | {rate:.0} |");
    }
    // A chain with 20,000 more events in 200 blocks (4 machines), then a fresh indexer.
    let fill = Instant::now();
    let mut tasks = Vec::new();
    for account in 6..10 {
        tasks.push(machine_with_events(&devnet, account, 5_000));
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
        drop_pg_database(server, "indexer").await?;
        println!("| indexer from the devnet (RPC + store) | PostgreSQL | {n} | {rate:.0} |");
    }
    devnet.shutdown().await?;
    Ok(())
}
