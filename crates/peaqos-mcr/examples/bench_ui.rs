//! Dashboard figures (docs/dashboard.md): server time of the fleet page and of a machine page
//! with 10,000 events, the history endpoint for a year and for the default 90 days at a daily
//! step, and page weight.
//!
//! ```sh
//! cargo run --release -p peaqos-mcr --example bench_ui
//! ```
//!
//! The MCR service runs against an in-process devnet (so it is ready and indexing), with its
//! store filled directly (`Store::apply`, the indexer's write path) with 250 bonded machines of
//! 60 events each operated by one operator (the on-chain relation; its `machines` attribute
//! lists the newest 100), and one `onchain` machine with 10,000 events over a
//! year. The cache is off (`MCR_CACHE_TTL=0`, as in `peaqos dev`), so every request computes
//! its page: what a first render costs. Each figure is 20 sequential requests over loopback
//! (`BENCH_RUNS` to change), measured at the client: server time plus a loopback round trip.
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::time::{Duration, Instant};

use alloy::primitives::{Address, B256, Bytes, U256};
use peaqos_devnet::{Devnet, DevnetConfig};
use peaqos_mcr::{
    McrConfig, McrService,
    store::{Batch, DidChange, MachineChange, NewMachine, StoredEvent},
};
use peaqos_test_utils::ScratchDir;
use peaqos_types::constants::{DID_ATTR_DATA_VISIBILITY, DID_ATTR_MACHINES};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const DAY: u64 = 86_400;
const FLEET: u64 = 250;
const FLEET_EVENTS: u64 = 60;
const BIG_EVENTS: u64 = 10_000;
const FIRST_ID: u64 = 100_000;

fn wallet(id: u64) -> Address {
    Address::left_padding_from(&id.to_be_bytes())
}

fn event(machine_id: u64, index: u64, ts: u64, log: &mut u64) -> StoredEvent {
    *log += 1;
    let revenue = index % 3 != 2;
    StoredEvent {
        machine_id,
        event_index: index,
        event_type: u8::from(!revenue),
        value: U256::from(if revenue { 1_000 + index % 700 } else { 0 }),
        currency: if revenue { "USD".into() } else { String::new() },
        timestamp: ts,
        data_hash: B256::ZERO,
        trust_level: 1,
        source_chain_id: U256::ZERO,
        source_tx_hash: B256::ZERO,
        metadata: Bytes::from(format!("{{\"i\":{index}}}").into_bytes()),
        block_number: 1,
        log_index: *log,
        tx_hash: B256::ZERO,
        block_timestamp: ts,
    }
}

/// The fleet, the operator's `machines` list and the big machine.
fn batch(operator: Address, big: u64, now: u64) -> Batch {
    let mut b = Batch::default();
    let mut log = 0;
    let ids: Vec<u64> = (FIRST_ID..FIRST_ID + FLEET).chain([big]).collect();
    for &id in &ids {
        log += 1;
        b.machines.push(NewMachine {
            machine_id: id,
            wallet: wallet(id),
            block_number: 1,
            log_index: log,
        });
        log += 1;
        b.changes
            .push((1, log, id, MachineChange::Bonded(U256::from(1))));
        if id != big {
            // The on-chain relation (`OperatorSet`): the fleet page covers the whole fleet,
            // not only the 100 ids of the `machines` attribute.
            log += 1;
            b.changes
                .push((1, log, id, MachineChange::Operator(operator)));
        }
    }
    for id in FIRST_ID..FIRST_ID + FLEET {
        for i in 0..FLEET_EVENTS {
            let ts = now - (FLEET_EVENTS - i) * DAY + (id % 977);
            b.events.push(event(id, i, ts, &mut log));
        }
    }
    for i in 0..BIG_EVENTS {
        let ts = now - 365 * DAY + i * (365 * DAY / BIG_EVENTS);
        b.events.push(event(big, i, ts, &mut log));
    }
    // The attribute keeps the newest 100, as the SDK writes it.
    let list: Vec<u64> = (FIRST_ID + FLEET.saturating_sub(100)..FIRST_ID + FLEET).collect();
    for (address, name, value) in [
        (
            operator,
            DID_ATTR_MACHINES,
            serde_json::to_string(&list).unwrap(),
        ),
        (wallet(big), DID_ATTR_DATA_VISIBILITY, "onchain".to_owned()),
    ] {
        log += 1;
        b.did.push(DidChange {
            address,
            name: Bytes::from(name.as_bytes().to_vec()),
            value: Some(Bytes::from(value.into_bytes())),
            block_number: 1,
            log_index: log,
        });
    }
    b
}

struct Timed {
    p50: f64,
    p99: f64,
    bytes: usize,
}

async fn time(client: &reqwest::Client, url: &str, runs: usize) -> Res<Timed> {
    let mut ms = Vec::with_capacity(runs);
    let mut bytes = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let res = client.get(url).send().await?;
        let status = res.status();
        let body = res.bytes().await?;
        ms.push(started.elapsed().as_secs_f64() * 1000.0);
        if !status.is_success() {
            return Err(format!("{url}: {status}: {}", String::from_utf8_lossy(&body)).into());
        }
        bytes = body.len();
    }
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| {
        #[allow(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss
        )]
        let i = ((ms.len() as f64 - 1.0) * q).round() as usize;
        ms[i]
    };
    Ok(Timed {
        p50: at(0.5),
        p99: at(0.99),
        bytes,
    })
}

#[tokio::main]
async fn main() -> Res<()> {
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let devnet = Devnet::spawn(DevnetConfig::ephemeral()).await?;
    let dir = ScratchDir::new("mcr-bench-ui")?;
    let contracts = devnet.deployment.as_ref().unwrap().contract_addresses();
    let mut config = McrConfig::for_devnet(
        &devnet.url,
        contracts,
        &format!("sqlite://{}", dir.path().join("ui.db").display()),
    );
    config.cache_ttl = Duration::ZERO;
    config.ui = true;
    let mcr = McrService::spawn(config).await?;
    mcr.wait_indexed(0, Duration::from_secs(60)).await?;
    let now = peaqos_mcr::scoring::unix_now();
    let operator = wallet(1);
    let big = FIRST_ID + FLEET + 1;
    mcr.store().apply(&batch(operator, big, now)).await?;

    let client = reqwest::Client::new();
    let base = mcr.url();
    let op = format!("did:peaq:{operator}");
    let big_did = format!("did:peaq:{}", wallet(big));
    let fleet_html = reqwest::get(format!("{base}/ui/operator/{op}"))
        .await?
        .text()
        .await?;
    let listed = fleet_html
        .split("id=\"fleet-size\">")
        .nth(1)
        .and_then(|r| r.split('<').next())
        .unwrap_or("?")
        .to_owned();
    let css = reqwest::get(format!("{base}/ui/assets/ui.css"))
        .await?
        .bytes()
        .await?
        .len();
    let js = reqwest::get(format!("{base}/ui/assets/ui.js"))
        .await?
        .bytes()
        .await?
        .len();
    println!(
        "# Dashboard figures ({} cores, cache off, {runs} sequential requests each)\n",
        std::thread::available_parallelism()?
    );
    println!("| request | p50 ms | p99 ms | HTML bytes |\n| --- | ---: | ---: | ---: |");
    for (label, url) in [
        (
            format!(
                "fleet page, {FLEET} operated, {listed} in the fleet (page of 50, attention sort)"
            ),
            format!("{base}/ui/operator/{op}"),
        ),
        (
            format!("fleet page, {listed} in the fleet, sorted by rating"),
            format!("{base}/ui/operator/{op}?sort=rating"),
        ),
        (
            format!("machine page, {BIG_EVENTS} events (onchain)"),
            format!("{base}/ui/machine/{big_did}"),
        ),
        (
            format!("GET /mcr/{{did}}/history, a year daily (366 points), {BIG_EVENTS} events"),
            format!("{base}/mcr/{big_did}/history?from={}", now - 365 * DAY),
        ),
        (
            format!(
                "GET /mcr/{{did}}/history, default (last 90 days, 91 points), {BIG_EVENTS} events"
            ),
            format!("{base}/mcr/{big_did}/history"),
        ),
        (
            format!("GET /mcr/{{did}}, {BIG_EVENTS} events (for scale)"),
            format!("{base}/mcr/{big_did}"),
        ),
    ] {
        let t = time(&client, &url, runs).await?;
        println!("| {label} | {:.1} | {:.1} | {} |", t.p50, t.p99, t.bytes);
    }
    println!("\nAssets: ui.css {css} bytes, ui.js {js} bytes (cached 5 minutes).");
    mcr.shutdown().await;
    devnet.shutdown().await?;
    Ok(())
}
