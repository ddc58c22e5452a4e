//! Benchmark for `docs/sdk.md`: proxy fleet onboarding with our SDK and with the official
//! Python SDK on the same in-process devnet, same run; and 100 events as one batch versus 100
//! single submissions (time and gas).
//!
//! ```text
//! cargo run --release -p peaqos-sdk --example bench_fleet                 # 100 machines
//! cargo run --release -p peaqos-sdk --example bench_fleet -- --machines 20 --skip-official
//! ```
//!
//! Onboarding a machine = the proxy's `register_for` (with the bond), `mint_nft`,
//! `token_id_of`, 0.1 PEAQ of gas money, then the machine's six DID attributes (one Batch
//! transaction signed by the machine); at the end the proxy registers itself and writes
//! `machineId` + `machines`. Three runs of the same work, each with its own proxy account:
//! ours concurrent (`onboard_fleet`), ours one machine after another, and the official SDK
//! (synchronous, one after another). The official SDK runs from
//! `$PEAQOS_INTEROP_PYTHON` (default `.venv-interop/bin/python`).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::{
    path::Path,
    time::{Duration, Instant},
};

use alloy::{
    primitives::{B256, Bytes, U256},
    providers::Provider,
};
use peaqos_devnet::{Devnet, DevnetConfig};
use peaqos_sdk::{
    client::{ClientConfig, NetworkConfig, PeaqosClient},
    fleet::{FleetMachine, FleetOptions},
    signer::Signer,
    validation::SubmitEventParams,
};
use peaqos_test_utils::{
    ScratchDir,
    interop::{official_sdk_python, run_python_script},
};
use peaqos_types::{DataVisibility, Did, EventType};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const FUND_WEI: u128 = 100_000_000_000_000_000;
const EVENTS: usize = 100;

fn specs(n: usize) -> Vec<FleetMachine> {
    (0..n)
        .map(|_| {
            FleetMachine::generate(
                "https://fleet.example.com/machines",
                "https://fleet.example.com/api/v1/machines",
                DataVisibility::Public,
            )
        })
        .collect()
}

fn client(devnet: &Devnet, signer: Signer) -> Result<PeaqosClient, BoxError> {
    let contracts = devnet
        .deployment
        .as_ref()
        .ok_or("no deployment")?
        .contract_addresses();
    Ok(PeaqosClient::new(ClientConfig::new(
        NetworkConfig::new(&devnet.url, contracts),
        signer,
    ))?)
}

/// Ours, one machine after another (the same calls `onboard_fleet` makes, without overlap).
async fn sequential(devnet: &Devnet, proxy: &PeaqosClient, n: usize) -> Result<(), BoxError> {
    let operator = Did::new(proxy.address()).to_string();
    let mut ids = Vec::with_capacity(n);
    for m in specs(n) {
        let address = m.key.address();
        let machine_id = proxy.register_for(address).await?;
        proxy.mint_nft(machine_id, address).await?;
        let token_id = proxy.token_id_of(machine_id).await?;
        proxy
            .send_call(address, Bytes::new(), U256::from(FUND_WEI))
            .await?;
        client(devnet, m.key.signer())?
            .write_machine_did_attributes(
                machine_id,
                token_id,
                Some(&operator),
                &m.documentation_url,
                &m.data_api,
                m.visibility,
            )
            .await?;
        ids.push(machine_id);
    }
    let proxy_id = proxy.register_machine().await?;
    proxy.write_proxy_did_attributes(proxy_id, &ids).await?;
    Ok(())
}

async fn official(devnet: &Devnet, account: usize, n: usize) -> Result<Duration, BoxError> {
    let python = official_sdk_python()?;
    let dir = ScratchDir::new("peaqos-bench-fleet")?;
    let env_path = dir.write(".env", devnet.env_file(account))?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/bench/official_fleet.py");
    let env = [
        ("BENCH_ENV_FILE", env_path.display().to_string()),
        (
            "BENCH_PROXY_KEY",
            devnet.accounts[account].private_key.to_string(),
        ),
        ("BENCH_MACHINES", n.to_string()),
        ("BENCH_FUND_WEI", FUND_WEI.to_string()),
    ];
    let out = run_python_script(
        &python,
        &script,
        dir.path(),
        &env,
        Duration::from_secs(1800),
    )
    .await?;
    let line = out
        .stdout
        .iter()
        .find_map(|l| l.strip_prefix("bench: "))
        .ok_or("the official SDK run printed no result")?;
    let v: serde_json::Value = serde_json::from_str(line)?;
    let secs = v["seconds"].as_f64().ok_or("no seconds")?;
    Ok(Duration::from_secs_f64(secs))
}

async fn gas_of(c: &PeaqosClient, hashes: &[B256]) -> Result<u64, BoxError> {
    let mut total = 0;
    for h in hashes {
        let r = c
            .provider()
            .get_transaction_receipt(*h)
            .await?
            .ok_or("no receipt")?;
        total += r.gas_used;
    }
    Ok(total)
}

async fn events(devnet: &Devnet) -> Result<(), BoxError> {
    let machine = client(devnet, Signer::from(devnet.accounts[4].signer()))?;
    let machine_id = machine.register_machine().await?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs()
        - 3600;
    let event = |i: usize| {
        SubmitEventParams::new(machine_id, EventType::Revenue, U256::from(100 + i), now)
            .with_currency("USD")
            .with_raw_data(format!("{{\"session\":{i}}}"))
    };
    let t = Instant::now();
    let mut singles = Vec::with_capacity(EVENTS);
    for i in 0..EVENTS {
        singles.push(machine.submit_event(event(i)).await?.0);
    }
    let single_time = t.elapsed();
    let single_gas = gas_of(&machine, &singles).await?;
    let batch: Vec<SubmitEventParams> = (0..EVENTS).map(|i| event(EVENTS + i)).collect();
    let t = Instant::now();
    let hashes = machine.batch_submit_events(&batch).await?;
    let batch_time = t.elapsed();
    let batch_gas = gas_of(&machine, &hashes[..1]).await?;
    println!();
    println!("| {EVENTS} events | wall time | total gas | gas per event | transactions |");
    println!("| --- | --- | --- | --- | --- |");
    println!(
        "| single `submit_event` × {EVENTS} | {single_time:.2?} | {single_gas} | {} | {EVENTS} |",
        single_gas / EVENTS as u64
    );
    println!(
        "| one `batch_submit_events` | {batch_time:.2?} | {batch_gas} | {} | 1 |",
        batch_gas / EVENTS as u64
    );
    println!(
        "batch vs singles: {:.1}× faster, {:.0}% of the gas",
        single_time.as_secs_f64() / batch_time.as_secs_f64(),
        100.0 * batch_gas as f64 / single_gas as f64
    );
    Ok(())
}

/// The chain head (the devnet automines: one block per transaction or per batch of them).
async fn head(devnet: &Devnet) -> Result<u64, BoxError> {
    Ok(client(devnet, Signer::from(devnet.accounts[0].signer()))?
        .provider()
        .get_block_number()
        .await?)
}

/// Transactions in the blocks after `from` up to the head.
async fn transactions_since(devnet: &Devnet, from: u64) -> Result<u64, BoxError> {
    let reader = client(devnet, Signer::from(devnet.accounts[0].signer()))?;
    let to = reader.provider().get_block_number().await?;
    let mut n = 0;
    for number in from + 1..=to {
        n += reader
            .provider()
            .get_block_transaction_count_by_number(number.into())
            .await?
            .unwrap_or(0);
    }
    Ok(n)
}

async fn run() -> Result<(), BoxError> {
    let mut machines = 100usize;
    let mut skip_official = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--machines" => {
                machines = args.next().ok_or("--machines needs a value")?.parse()?;
            }
            "--skip-official" => skip_official = true,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let devnet = Devnet::spawn(DevnetConfig::ephemeral()).await?;
    println!(
        "devnet {} (chain {}), {machines} machines per run",
        devnet.url, devnet.chain_id
    );

    let proxy = client(&devnet, Signer::from(devnet.accounts[1].signer()))?;
    let start = head(&devnet).await?;
    let t = Instant::now();
    let report = proxy
        .onboard_fleet(
            &specs(machines),
            FleetOptions {
                fund_wei: U256::from(FUND_WEI),
            },
        )
        .await?;
    let ours = t.elapsed();
    assert_eq!(report.machines.len(), machines);
    let ours_txs = transactions_since(&devnet, start).await?;
    println!("ours, concurrent (onboard_fleet):  {ours:.2?}, {ours_txs} transactions");

    let proxy = client(&devnet, Signer::from(devnet.accounts[3].signer()))?;
    let start = head(&devnet).await?;
    let t = Instant::now();
    sequential(&devnet, &proxy, machines).await?;
    let ours_seq = t.elapsed();
    let seq_txs = transactions_since(&devnet, start).await?;
    println!("ours, one machine at a time:       {ours_seq:.2?}, {seq_txs} transactions");

    if skip_official {
        println!("official SDK: skipped");
    } else {
        let start = head(&devnet).await?;
        let theirs = official(&devnet, 2, machines).await?;
        let their_txs = transactions_since(&devnet, start).await?;
        println!("official peaq-os-sdk 0.1.0:        {theirs:.2?}, {their_txs} transactions");
        println!();
        println!("| {machines}-machine proxy fleet | wall time | transactions | vs official |");
        println!("| --- | --- | --- | --- |");
        println!(
            "| official peaq-os-sdk 0.1.0 (Python, sequential) | {theirs:.2?} | {their_txs} | \
             1.0× |"
        );
        println!(
            "| peaqos-sdk, one machine at a time | {ours_seq:.2?} | {seq_txs} | {:.1}× faster |",
            theirs.as_secs_f64() / ours_seq.as_secs_f64()
        );
        println!(
            "| peaqos-sdk `onboard_fleet` (concurrent) | {ours:.2?} | {ours_txs} | {:.1}× faster |",
            theirs.as_secs_f64() / ours.as_secs_f64()
        );
    }
    events(&devnet).await?;
    devnet.shutdown().await?;
    Ok(())
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("bench_fleet: {e}");
        std::process::exit(1);
    }
}
