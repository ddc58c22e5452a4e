//! `debug_traceTransaction` latency on a long chain (issue 19).
//!
//! ```sh
//! cargo run --release -p peaqos-devnet --example bench_trace              # 100,000 blocks
//! cargo run --release -p peaqos-devnet --example bench_trace -- --help
//! ```
//!
//! An in-process devnet (stack deployed, `--archive` history unless `--window N`) gets
//! `--blocks` blocks of one transaction each, executed through the chain directly (pre-signed
//! EIP-1559 transactions from dev account 1, automine): a contract that calls a second one
//! (which stores its argument and logs it) and a third one (which reverts); every 1,000th is a
//! `batchAll` through `0x…0805` of 10 such calls plus a DID `addAttribute`. Then each traced
//! transaction is traced `--runs` times over HTTP (JSON-RPC, `reqwest` through alloy) with the
//! struct logger (`{}`) and with `callTracer` (`withLog`), and the median and p99 latencies are
//! printed: the latest plain and Batch transactions, and ones at the chain's middle (archive:
//! their parent state is rebuilt from the undo records of every later block).
//!
//! Figures only: nothing here asserts on timings.
#![allow(clippy::print_stdout)] // printing the figures is the point

use std::time::{Duration, Instant};

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope},
    network::TxSignerSync,
    primitives::{Address, B256, Bytes, TxKind, U256, address},
    providers::{Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
    sol_types::SolCall,
};
use clap::Parser;
use peaqos_contracts::bindings::{BatchPrecompile, DIDPrecompile};
use peaqos_devnet::{Devnet, DevnetConfig, chain::HistoryWindow};
use peaqos_types::constants::{BATCH_PRECOMPILE_ADDRESS, DID_PRECOMPILE_ADDRESS};
use serde_json::{Value, json};

/// Calls `CALLEE` with its calldata, then `REVERTER`; returns `CALLEE`'s answer.
const CALLER: Address = address!("0x000000000000000000000000000000000000aaaa");
const CALLER_CODE: &str =
    "36600060003760206000366000600061bbbb5af1506000600060006000600061cccc5af15060206000f3";
/// Stores word 0 of its calldata in slot 0, logs it and returns it.
const CALLEE: Address = address!("0x000000000000000000000000000000000000bbbb");
const CALLEE_CODE: &str = "60003580600055600052602a60206000a160206000f3";
const REVERTER: Address = address!("0x000000000000000000000000000000000000cccc");
const REVERTER_CODE: &str = "600160005260206000fd";

#[derive(Parser)]
struct Args {
    /// Blocks of one transaction each.
    #[arg(long, default_value_t = 100_000)]
    blocks: u64,
    /// Traces per measured transaction and tracer.
    #[arg(long, default_value_t = 50)]
    runs: usize,
    /// Keep only this many blocks of history (default: archive).
    #[arg(long)]
    window: Option<u64>,
}

fn sign(
    signer: &PrivateKeySigner,
    chain_id: u64,
    nonce: u64,
    to: Address,
    input: Bytes,
) -> TxEnvelope {
    let mut tx = TxEip1559 {
        chain_id,
        nonce,
        gas_limit: 3_000_000,
        max_fee_per_gas: 20_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(to),
        value: U256::ZERO,
        input,
        access_list: Default::default(),
    };
    let signature = signer.sign_transaction_sync(&mut tx).expect("signs");
    tx.into_signed(signature).into()
}

fn batch_input(sender: Address, n: u64) -> Bytes {
    let mut to = vec![CALLER; 10];
    let mut data: Vec<Bytes> = (0..10u64)
        .map(|i| Bytes::from(U256::from(n * 100 + i).to_be_bytes::<32>().to_vec()))
        .collect();
    to.push(DID_PRECOMPILE_ADDRESS);
    data.push(
        DIDPrecompile::addAttributeCall {
            didAccount: sender,
            name: Bytes::from(format!("bench.{n}").into_bytes()),
            value: Bytes::from_static(b"value"),
            validityFor: 0,
        }
        .abi_encode()
        .into(),
    );
    BatchPrecompile::batchAllCall {
        value: vec![U256::ZERO; to.len()],
        gasLimit: vec![0; to.len()],
        to,
        callData: data,
    }
    .abi_encode()
    .into()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main]
async fn main() -> eyre::Result<()> {
    let args = Args::parse();
    let history = args
        .window
        .map_or(HistoryWindow::Archive, HistoryWindow::Recent);
    let devnet = Devnet::spawn(DevnetConfig {
        history,
        ..DevnetConfig::ephemeral()
    })
    .await?;
    let signer = devnet.accounts[1].signer();
    let sender = signer.address();
    let chain_id = devnet.chain_id;

    let fill = Instant::now();
    let start = devnet.node.with_chain_mut(|chain| {
        for (address, code) in [
            (CALLER, CALLER_CODE),
            (CALLEE, CALLEE_CODE),
            (REVERTER, REVERTER_CODE),
        ] {
            chain.set_code(address, code.parse().expect("hex"));
        }
        chain.block_number()
    });
    let mut nonce = devnet.node.with_chain_mut(|chain| chain.nonce(sender));
    let (mut plain, mut batches) = (Vec::new(), Vec::new());
    let mut n = 0;
    while n < args.blocks {
        let chunk = (args.blocks - n).min(1_000);
        let envelopes: Vec<(TxEnvelope, bool)> = (n..n + chunk)
            .map(|i| {
                let is_batch = i % 1_000 == 999;
                let (to, input) = if is_batch {
                    (BATCH_PRECOMPILE_ADDRESS, batch_input(sender, i))
                } else {
                    (
                        CALLER,
                        Bytes::from(U256::from(i).to_be_bytes::<32>().to_vec()),
                    )
                };
                let envelope = sign(&signer, chain_id, nonce + (i - n), to, input);
                (envelope, is_batch)
            })
            .collect();
        nonce += chunk;
        devnet.node.with_chain_mut(|chain| -> eyre::Result<()> {
            for (envelope, is_batch) in envelopes {
                let hash = chain.submit(envelope, sender, true)?;
                let block = chain.block_number();
                if is_batch {
                    batches.push((block, hash));
                } else {
                    plain.push((block, hash));
                }
            }
            Ok(())
        })?;
        n += chunk;
    }
    let latest = devnet.node.with_chain_mut(|chain| chain.block_number());
    println!(
        "chain: {} blocks ({} filled here in {:.1?}: {} plain, {} Batch transactions), history {:?}",
        latest + 1,
        latest - start,
        fill.elapsed(),
        plain.len(),
        batches.len(),
        history
    );

    let provider = ProviderBuilder::new().connect_http(devnet.url.parse()?);
    let middle = |list: &[(u64, B256)]| list[list.len() / 2];
    let mut cases = vec![
        ("latest plain transaction", *plain.last().expect("plain")),
        (
            "latest Batch transaction (11 subcalls)",
            *batches.last().expect("batch"),
        ),
    ];
    let oldest = match history {
        HistoryWindow::Archive => 0,
        HistoryWindow::Recent(w) => latest.saturating_sub(w),
    };
    if middle(&plain).0 > oldest {
        cases.push(("plain transaction at the chain's middle", middle(&plain)));
        cases.push(("Batch transaction at the chain's middle", middle(&batches)));
    }
    println!(
        "{:<50} {:<12} {:>10} {:>10} {:>12}",
        "transaction (block)", "tracer", "median", "p99", "answer bytes"
    );
    for (name, (block, hash)) in cases {
        for (tracer, options) in [
            ("struct logs", json!({})),
            (
                "callTracer",
                json!({"tracer": "callTracer", "tracerConfig": {"withLog": true}}),
            ),
        ] {
            let mut times = Vec::with_capacity(args.runs);
            let mut size = 0;
            for _ in 0..args.runs {
                let t = Instant::now();
                let trace: Value = provider
                    .raw_request("debug_traceTransaction".into(), (hash, options.clone()))
                    .await?;
                times.push(t.elapsed());
                size = trace.to_string().len();
            }
            times.sort();
            println!(
                "{:<50} {:<12} {:>10.2?} {:>10.2?} {:>12}",
                format!("{name} ({block})"),
                tracer,
                percentile(&times, 0.5),
                percentile(&times, 0.99),
                size
            );
        }
    }
    devnet.shutdown().await?;
    Ok(())
}
