//! Bridge round trip on the local stack that `peaqos dev` runs (peaq devnet, Base devnet,
//! LayerZero endpoints, the relayer in the same process): one Machine NFT sent peaq → Base and
//! back ten times with the SDK's `bridge_nft`, each leg timed from the send call to the
//! recipient owning the token on the destination (`wait_for_bridge_arrival` with the expected
//! owner, polling every 20 ms). Prints each leg's median, min and max (docs/bridge.md).
//!
//! `cargo run -p peaqos-stack --example bench_bridge` (a debug build is fine; say which).

#![allow(clippy::print_stdout, missing_docs, unreachable_pub)]

use std::time::{Duration, Instant};

use alloy::primitives::{Address, U256};
use peaqos_sdk::{
    BridgeNftParams, ClientConfig, NetworkConfig, PeaqosClient, WaitForBridgeArrival,
    wait_for_bridge_arrival,
};
use peaqos_stack::{LocalStack, StackConfig};

/// Round trips measured.
const ROUNDS: usize = 10;
/// The dev account that owns and bridges the NFT.
const ACCOUNT: usize = 3;

fn summary(name: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    let median = f64::midpoint(ms[ms.len() / 2 - 1], ms[ms.len() / 2]);
    println!(
        "{name}: median {median:.0} ms, min {:.0} ms, max {:.0} ms ({} sends)",
        ms[0],
        ms[ms.len() - 1],
        ms.len()
    );
}

async fn arrive(url: &str, nft: Address, token: U256, owner: Address) {
    let mut wait = WaitForBridgeArrival::new(url, nft, token);
    wait.timeout = Duration::from_secs(60);
    wait.poll_interval = Duration::from_millis(20);
    wait.expected_owner = Some(owner);
    assert!(
        wait_for_bridge_arrival(&wait).await.expect("wait"),
        "arrived"
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let config = StackConfig {
        base_rpc_port: Some(0),
        ..StackConfig::ephemeral()
    };
    let stack = LocalStack::start(config, |_| {}).await.expect("stack");
    let base = stack.base.as_ref().expect("base");
    let d = base.bridge.deployment;
    let client = PeaqosClient::new(ClientConfig::new(
        NetworkConfig::new(&stack.devnet.url, stack.contracts()),
        peaqos_sdk::Signer::from(stack.devnet.accounts[ACCOUNT].signer()),
    ))
    .expect("client");
    let me = client.address();
    let machine = client.register_machine().await.expect("register");
    client.mint_nft(machine, me).await.expect("mint");
    let token = client.token_id_of(machine).await.expect("token");
    let (mut to_base, mut to_peaq) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let start = Instant::now();
        client
            .bridge_nft(&BridgeNftParams::peaq_to_base(token, me))
            .await
            .expect("to Base");
        arrive(&base.devnet.url, d.base_nft, token, me).await;
        to_base.push(start.elapsed().as_secs_f64() * 1e3);
        let start = Instant::now();
        client
            .bridge_nft(&BridgeNftParams::base_to_peaq(
                token,
                me,
                base.devnet.url.clone(),
                d.base_nft,
            ))
            .await
            .expect("to peaq");
        arrive(&stack.devnet.url, stack.contracts().machine_nft, token, me).await;
        to_peaq.push(start.elapsed().as_secs_f64() * 1e3);
    }
    let round: Vec<f64> = to_base.iter().zip(&to_peaq).map(|(a, b)| a + b).collect();
    summary("peaq -> Base (send -> owner on Base)", to_base);
    summary("Base -> peaq (send -> owner on peaq)", to_peaq);
    summary("round trip", round);
    println!(
        "relayer delivered {} packets, {} pending",
        base.bridge.delivered(),
        base.bridge.pending().len()
    );
    stack.shutdown().await.expect("shutdown");
}
