//! The relayer delivers every packet exactly once across its own crashes: NFTs go peaq → Base
//! and some come back while the relayer is killed at random points (between the two
//! transactions of a delivery, before saving its state, …) and restarted from its state file.

use std::time::{Duration, Instant};

use alloy::{
    primitives::{Address, Bytes, U256, keccak256},
    providers::Provider as _,
    rpc::types::Filter,
};
use peaqos_contracts::bindings::{MachineNFT, MachineNFTBase};
use peaqos_devnet::{Devnet, DevnetConfig};
use peaqos_sdk::{BridgeNftParams, ClientConfig, NetworkConfig, PeaqosClient, Signer};
use rand::Rng as _;

use crate::bridge::{LocalBridge, RELAYER_ACCOUNT};

/// Chain id of the local Base devnet.
const BASE_CHAIN_ID: u64 = 84_530;
const TOKENS: usize = 6;
const BACK: usize = 3;
/// Short relayer runs killed at random moments after each direction's sends.
const CHURN: usize = 10;
const PEAQ: u128 = 1_000_000_000_000_000_000;

/// `PacketDelivered` events of `endpoint`: one per delivery.
async fn deliveries(chain: &PeaqosClient, endpoint: Address) -> usize {
    let topic = keccak256("PacketDelivered((uint32,bytes32,uint64),address)");
    let filter = Filter::new()
        .address(endpoint)
        .event_signature(topic)
        .from_block(0u64);
    chain
        .provider()
        .get_logs(&filter)
        .await
        .expect("logs")
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_packet_arrives_once_across_relayer_kills() {
    let peaq = Devnet::spawn(DevnetConfig::ephemeral())
        .await
        .expect("peaq");
    let mut base_config = DevnetConfig::ephemeral();
    base_config.chain_id = BASE_CHAIN_ID;
    base_config.deploy_stack = false;
    let base = Devnet::spawn(base_config).await.expect("base");
    let first = LocalBridge::spawn(&peaq, &base).await.expect("bridge");
    let d = first.deployment;
    first.kill().await;
    let dir = tempfile::tempdir().expect("dir");
    let state = dir.path().join("relayer.json");
    let relayer_key = peaq.accounts[RELAYER_ACCOUNT].signer();
    let start = || {
        LocalBridge::relay_with_state(
            &peaq.url,
            &base.url,
            d,
            relayer_key.clone(),
            Some(state.clone()),
            None,
        )
    };

    let mut contracts = peaq
        .deployment
        .as_ref()
        .expect("stack")
        .contract_addresses();
    contracts.machine_nft_adapter = Some(d.adapter);
    let on = |url: &str, signer: Signer| {
        PeaqosClient::new(ClientConfig::new(
            NetworkConfig::new(url, contracts),
            signer,
        ))
        .expect("client")
    };
    let peaq_funder = on(&peaq.url, Signer::from(peaq.accounts[0].signer()));
    let base_funder = on(&base.url, Signer::from(base.accounts[0].signer()));
    let mut machines = Vec::new();
    for _ in 0..TOKENS {
        let (address, key) = PeaqosClient::generate_keypair();
        for funder in [&peaq_funder, &base_funder] {
            funder
                .send_call(address, Bytes::new(), U256::from(5 * PEAQ))
                .await
                .expect("funded");
        }
        let m = on(&peaq.url, key.signer());
        let id = m.register_machine().await.expect("registered");
        m.mint_nft(id, address).await.expect("minted");
        let token = m.token_id_of(id).await.expect("token");
        machines.push((m, token));
    }

    // Each send with a relayer that is killed after a random moment (often mid-delivery).
    let mut rng = rand::rng();
    let mut sends = 0u64;
    let mut send_and_kill = async |params: BridgeNftParams, m: &PeaqosClient| {
        let relayer = start().await.expect("relayer");
        m.bridge_nft(&params).await.expect("sent");
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..120))).await;
        relayer.kill().await;
    };
    for (m, token) in &machines {
        send_and_kill(BridgeNftParams::peaq_to_base(*token, m.address()), m).await;
        sends += 1;
    }
    let base_nft = MachineNFTBase::new(d.base_nft, base_funder.provider());
    // Then runs killed at random moments, each resuming from the state the last one saved.
    let churn = async || {
        let mut rng = rand::rng();
        for _ in 0..CHURN {
            let relayer = start().await.expect("relayer");
            let pause = rng.random_range(0..80);
            tokio::time::sleep(Duration::from_millis(pause)).await;
            relayer.kill().await;
        }
    };
    let settle = async |want_on_base: usize| {
        churn().await;
        let relayer = start().await.expect("relayer");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let mut on_base = 0;
            for (_, token) in &machines {
                on_base += usize::from(base_nft.ownerOf(*token).call().await.is_ok());
            }
            if on_base == want_on_base && relayer.pending().is_empty() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{on_base} on Base, {:?}",
                relayer.pending()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        relayer
    };
    settle(TOKENS).await.kill().await;

    // Half of them come back, with the same kills.
    for (m, token) in machines.iter().take(BACK) {
        let params = BridgeNftParams::base_to_peaq(*token, m.address(), &base.url, d.base_nft);
        send_and_kill(params, m).await;
        sends += 1;
    }
    let relayer = settle(TOKENS - BACK).await;
    // Let a few more polls rescan what the killed runs saw: nothing is delivered again.
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Each token on exactly one chain, owned by its machine; each packet delivered once.
    let peaq_nft = MachineNFT::new(contracts.machine_nft, peaq_funder.provider());
    for (i, (m, token)) in machines.iter().enumerate() {
        let on_peaq = peaq_nft.ownerOf(*token).call().await.expect("peaq owner");
        let on_base = base_nft.ownerOf(*token).call().await.ok();
        if i < BACK {
            assert_eq!(on_peaq, m.address(), "token {token} back on peaq");
            assert_eq!(on_base, None, "token {token} burned on Base");
        } else {
            assert_eq!(on_peaq, d.adapter, "token {token} locked on peaq");
            assert_eq!(on_base, Some(m.address()), "token {token} on Base");
        }
    }
    let delivered = deliveries(&base_funder, d.base.endpoint).await
        + deliveries(&peaq_funder, d.peaq.endpoint).await;
    assert_eq!(delivered as u64, sends, "one delivery per packet");
    // The count is saved after each poll: a run killed between a delivery and its save does
    // not count it, and the next run finds it delivered (and does not count it either).
    assert!(relayer.delivered() <= sends);
    assert!(relayer.pending().is_empty());
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&state).expect("state")).expect("JSON");
    assert!(saved["peaq_next_block"].as_u64() > Some(0), "{saved}");
    relayer.shutdown().await;
}
