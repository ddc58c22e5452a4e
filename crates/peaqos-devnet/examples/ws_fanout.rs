//! WebSocket fan-out of the devnet: `--subscribers` WebSocket connections (default 100), each
//! with a `logs` subscription on the EventRegistry, receive a burst of `--events` (default
//! 1,000) `EventSubmitted`, each its own `submitEvent` transaction sent back to back with
//! `eth_sendRawTransaction` (automine: one block each). Delivery latency of one notification
//! is from the moment its transaction was handed to `eth_sendRawTransaction` to the moment a
//! subscriber read it off its socket; printed as p50 / p99 / max over every (subscriber,
//! event) pair, with the burst's duration.
//!
//! ```sh
//! cargo run --release -p peaqos-devnet --example ws_fanout
//! cargo run --release -p peaqos-devnet --example ws_fanout -- --subscribers 100 --events 1000
//! ```
//!
//! Figures only: nothing here asserts on timings (missing deliveries are an error).
#![allow(clippy::print_stdout)] // printing the figures is the point

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope},
    eips::Encodable2718,
    network::{EthereumWallet, TxSignerSync},
    primitives::{B256, Bytes, TxKind, U256, keccak256},
    providers::{Provider, ProviderBuilder},
    sol_types::{SolCall, SolEvent},
};
use clap::Parser;
use eyre::{WrapErr, bail, eyre};
use futures_util::{SinkExt, StreamExt};
use peaqos_contracts::bindings::{EventRegistry, IdentityRegistry};
use peaqos_devnet::{Devnet, DevnetConfig};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

#[derive(Parser)]
struct Args {
    /// WebSocket connections, one `logs` subscription each.
    #[arg(long, default_value_t = 100)]
    subscribers: usize,
    /// Events in the burst.
    #[arg(long, default_value_t = 1000)]
    events: usize,
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> eyre::Result<()> {
    let args = Args::parse();
    let devnet = Devnet::spawn(DevnetConfig::ephemeral()).await?;
    let d = devnet.deployment.clone().ok_or_else(|| eyre!("no stack"))?;
    let machine = devnet.accounts[1].clone();
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(machine.signer()))
        .connect_http(devnet.url.parse()?);
    let receipt = IdentityRegistry::new(d.identity_registry.proxy, &provider)
        .register()
        .value(U256::from(10u64).pow(U256::from(18u64)))
        .send()
        .await?
        .get_receipt()
        .await?;
    let id = receipt
        .inner
        .logs()
        .iter()
        .find(|l| l.topic0() == Some(&IdentityRegistry::Registered::SIGNATURE_HASH))
        .map(|l| U256::from_be_bytes(l.topics()[1].0))
        .ok_or_else(|| eyre!("no Registered log"))?;
    let ts = provider
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await?
        .ok_or_else(|| eyre!("no latest block"))?
        .header
        .timestamp;
    let nonce = provider.get_transaction_count(machine.address).await?;

    // Pre-signed, so the burst measures the devnet, not signing.
    let signer = machine.signer();
    let mut raws = Vec::with_capacity(args.events);
    for i in 0..args.events {
        let input: Bytes = EventRegistry::submitEventCall {
            machineId: id,
            eventType: 0,
            value: U256::from(i + 1),
            currency: "USD".into(),
            timestamp: U256::from(ts),
            dataHash: keccak256(i.to_be_bytes()),
            trustLevel: 0,
            sourceChainId: U256::ZERO,
            sourceTxHash: B256::ZERO,
            metadata: Bytes::new(),
        }
        .abi_encode()
        .into();
        let mut tx = TxEip1559 {
            chain_id: devnet.chain_id,
            nonce: nonce + i as u64,
            gas_limit: 1_000_000,
            max_fee_per_gas: 100_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
            to: TxKind::Call(d.event_registry.proxy),
            value: U256::ZERO,
            access_list: Default::default(),
            input,
        };
        let signature = signer.sign_transaction_sync(&mut tx)?;
        let envelope = TxEnvelope::from(tx.into_signed(signature));
        raws.push((*envelope.tx_hash(), Bytes::from(envelope.encoded_2718())));
    }

    // The subscribers, each on its own connection and task.
    let filter = json!({
        "address": d.event_registry.proxy,
        "topics": [EventRegistry::EventSubmitted::SIGNATURE_HASH],
    });
    let mut subscribers = Vec::with_capacity(args.subscribers);
    for _ in 0..args.subscribers {
        let (mut socket, _) = tokio_tungstenite::connect_async(devnet.ws_url()).await?;
        let request = json!({"jsonrpc": "2.0", "id": 1, "method": "eth_subscribe", "params": ["logs", filter]});
        socket.send(Message::text(request.to_string())).await?;
        match socket.next().await {
            Some(Ok(Message::Text(t))) if t.as_str().contains("\"result\"") => {}
            other => bail!("subscribe failed: {other:?}"),
        }
        let expected = args.events;
        subscribers.push(tokio::spawn(async move {
            let mut seen: Vec<(B256, Instant)> = Vec::with_capacity(expected);
            while seen.len() < expected {
                let message = tokio::time::timeout(Duration::from_secs(60), socket.next()).await;
                let Ok(Some(Ok(Message::Text(text)))) = message else {
                    break;
                };
                let at = Instant::now();
                // The hash only (a JSON parse per message would weigh on the shared cores).
                const KEY: &str = "\"transactionHash\":\"";
                let hash = text.as_str().find(KEY).and_then(|i| {
                    let start = i + KEY.len();
                    text.as_str().get(start..start + 66)?.parse::<B256>().ok()
                });
                if let Some(hash) = hash {
                    seen.push((hash, at));
                }
            }
            seen
        }));
    }

    let http = plain_provider(&devnet.url)?;
    let mut sent_at: HashMap<B256, Instant> = HashMap::with_capacity(args.events);
    let start = Instant::now();
    for (hash, raw) in &raws {
        sent_at.insert(*hash, Instant::now());
        let _: B256 = http
            .raw_request("eth_sendRawTransaction".into(), (raw,))
            .await
            .wrap_err("eth_sendRawTransaction")?;
    }
    let sent = start.elapsed();

    let mut latencies = Vec::with_capacity(args.events * args.subscribers);
    for subscriber in subscribers {
        let seen = subscriber.await?;
        if seen.len() != args.events {
            bail!(
                "a subscriber got {} of {} notifications",
                seen.len(),
                args.events
            );
        }
        for (hash, at) in seen {
            let sent = sent_at
                .get(&hash)
                .ok_or_else(|| eyre!("unknown transaction {hash}"))?;
            latencies.push(at.duration_since(*sent));
        }
    }
    let all = start.elapsed();
    latencies.sort();
    let pct = |p: f64| {
        let i = ((latencies.len() as f64 * p).ceil() as usize).clamp(1, latencies.len()) - 1;
        latencies[i]
    };
    println!(
        "{} subscribers x {} events: {} notifications",
        args.subscribers,
        args.events,
        latencies.len()
    );
    println!(
        "burst sent in {:.0} ms ({:.0} tx/s); last notification read at {:.0} ms",
        sent.as_secs_f64() * 1e3,
        args.events as f64 / sent.as_secs_f64(),
        all.as_secs_f64() * 1e3
    );
    println!(
        "delivery latency: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        pct(1.0).as_secs_f64() * 1e3
    );
    devnet.shutdown().await?;
    Ok(())
}

/// A plain HTTP provider for the burst (no fillers).
fn plain_provider(url: &str) -> eyre::Result<alloy::providers::DynProvider> {
    Ok(ProviderBuilder::new()
        .disable_recommended_fillers()
        .connect_http(url.parse()?)
        .erased())
}
