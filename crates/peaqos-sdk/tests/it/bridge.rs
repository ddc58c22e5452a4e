//! The Machine NFT bridge on two devnets (peaq and Base) with LayerZero's own EndpointV2 and
//! SimpleMessageLib on each and the local relayer: peaq → Base → peaq with the SDK's
//! `bridge_nft` and `wait_for_bridge_arrival`, plus the validation and cancellation paths.

use crate::common;

use std::time::Duration;

use alloy::primitives::{Address, U256};
use common::{client, contracts, devnet, fresh_client};
use peaqos_contracts::bindings::{MachineNFT, MachineNFTBase};
use peaqos_devnet::{Devnet, DevnetConfig};
use peaqos_sdk::{
    BridgeChain, BridgeNftParams, Error, PeaqosClient, RpcCode, WaitForBridgeArrival,
    bridge::wait_for_bridge_arrival_until,
    client::{ClientConfig, NetworkConfig},
    signer::Signer,
    wait_for_bridge_arrival,
};
use peaqos_stack::LocalBridge;

/// Chain id of the local Base devnet (any id other than the peaq devnet's).
const LOCAL_BASE_CHAIN_ID: u64 = 84_530;

async fn base_devnet() -> Devnet {
    let mut config = DevnetConfig::ephemeral();
    config.chain_id = LOCAL_BASE_CHAIN_ID;
    config.deploy_stack = false;
    Devnet::spawn(config).await.expect("Base devnet starts")
}

fn fast_wait(url: &str, nft: Address, token_id: U256, owner: Address) -> WaitForBridgeArrival {
    let mut wait = WaitForBridgeArrival::new(url, nft, token_id);
    wait.timeout = Duration::from_secs(30);
    wait.poll_interval = Duration::from_millis(100);
    wait.expected_owner = Some(owner);
    wait
}

#[tokio::test(flavor = "multi_thread")]
async fn round_trip_peaq_to_base_and_back() {
    let peaq = devnet().await;
    let base = base_devnet().await;
    let bridge = LocalBridge::spawn(&peaq, &base).await.expect("bridge");
    let d = bridge.deployment;

    // A self-managed machine with its Machine NFT on peaq.
    let funder = client(&peaq, 0);
    let machine = fresh_client(&peaq, &funder, 5).await;
    let machine_id = machine.register_machine().await.expect("register");
    machine
        .mint_nft(machine_id, machine.address())
        .await
        .expect("mint");
    let token_id = machine.token_id_of(machine_id).await.expect("token id");

    // The machine's client knows the adapter; it also needs gas on Base for the way back.
    let mut addresses = contracts(&peaq);
    addresses.machine_nft_adapter = Some(d.adapter);
    let key_client = |url: &str| {
        PeaqosClient::new(ClientConfig::new(
            NetworkConfig::new(url, addresses),
            machine.signer().cloned(),
        ))
        .expect("client")
    };
    let machine = key_client(&peaq.url);
    let base_funder = PeaqosClient::new(ClientConfig::new(
        NetworkConfig::new(&base.url, addresses),
        Signer::from(base.accounts[0].signer()),
    ))
    .expect("Base client");
    base_funder
        .send_call(
            machine.address(),
            Default::default(),
            U256::from(10u128.pow(18)),
        )
        .await
        .expect("gas on Base");

    // peaq → Base: the SDK approves the adapter, quotes and pays the fee.
    let nft = MachineNFT::new(addresses.machine_nft, machine.provider());
    assert_eq!(
        nft.getApproved(token_id).call().await.expect("approved"),
        Address::ZERO
    );
    // The machine key holds the NFT on Base too (same address on both chains).
    let tx = machine
        .bridge_nft(&BridgeNftParams::peaq_to_base(token_id, machine.address()))
        .await
        .expect("bridge to Base");
    assert!(!tx.is_zero());
    assert_eq!(
        nft.ownerOf(token_id).call().await.expect("owner"),
        d.adapter,
        "locked"
    );
    let arrived = wait_for_bridge_arrival(&fast_wait(
        &base.url,
        d.base_nft,
        token_id,
        machine.address(),
    ))
    .await
    .expect("wait on Base");
    assert!(arrived, "the NFT reached Base");
    let base_nft = MachineNFTBase::new(d.base_nft, base_funder.provider());
    assert_eq!(
        base_nft.ownerOf(token_id).call().await.expect("Base owner"),
        machine.address()
    );
    assert_eq!(
        base_nft.tokenURI(token_id).call().await.expect("uri"),
        format!(
            "{}{token_id}",
            peaqos_contracts::deploy::DEFAULT_NFT_BASE_URI
        ),
        "same metadata URL as on peaq"
    );

    // Someone else cannot send it back: the ONFT's own error is decoded by name.
    let (stranger_address, stranger_key) = PeaqosClient::generate_keypair();
    base_funder
        .send_call(
            stranger_address,
            Default::default(),
            U256::from(10u128.pow(18)),
        )
        .await
        .expect("gas for the stranger");
    let stranger = PeaqosClient::new(ClientConfig::new(
        NetworkConfig::new(&peaq.url, addresses),
        stranger_key.signer(),
    ))
    .expect("stranger");
    let err = stranger
        .bridge_nft(&BridgeNftParams::base_to_peaq(
            token_id,
            stranger.address(),
            &base.url,
            d.base_nft,
        ))
        .await
        .expect_err("not the holder on Base");
    assert!(err.is_revert::<MachineNFTBase::OnlyNFTOwner>(), "{err:?}");

    // Base → peaq through a per-call Base client with the same key: burned on Base,
    // unlocked on peaq to the machine.
    let tx = machine
        .bridge_nft(&BridgeNftParams::base_to_peaq(
            token_id,
            machine.address(),
            &base.url,
            d.base_nft,
        ))
        .await
        .expect("bridge home");
    assert!(!tx.is_zero());
    let home = wait_for_bridge_arrival(&fast_wait(
        &peaq.url,
        addresses.machine_nft,
        token_id,
        machine.address(),
    ))
    .await
    .expect("wait on peaq");
    assert!(home, "the NFT is back on peaq");
    assert_eq!(
        nft.ownerOf(token_id).call().await.expect("owner"),
        machine.address()
    );
    assert!(
        base_nft.ownerOf(token_id).call().await.is_err(),
        "burned on Base"
    );

    assert_eq!(bridge.delivered(), 2);
    bridge.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bridge_validation_errors_name_the_field() {
    let peaq = devnet().await;
    let c = client(&peaq, 1);
    let field = |e: Error| match e {
        Error::Validation(v) => v.field,
        other => panic!("expected a validation error, got {other}"),
    };
    let to = Address::repeat_byte(7);
    let mut p = BridgeNftParams::peaq_to_base(U256::ZERO, to);
    assert_eq!(
        field(c.bridge_nft(&p).await.expect_err("zero id")),
        "token_id"
    );
    p.token_id = U256::from(1);
    p.destination = BridgeChain::Peaq;
    assert_eq!(
        field(c.bridge_nft(&p).await.expect_err("same chain")),
        "destination"
    );
    p.destination = BridgeChain::Base;
    assert_eq!(
        field(c.bridge_nft(&p).await.expect_err("no adapter")),
        "machine_nft_adapter"
    );
    let mut back = BridgeNftParams::base_to_peaq(U256::from(1), to, " ", to);
    assert_eq!(
        field(c.bridge_nft(&back).await.expect_err("no url")),
        "base_rpc_url"
    );
    back.base_rpc_url = Some(peaq.url.clone());
    back.base_nft_address = None;
    assert_eq!(
        field(c.bridge_nft(&back).await.expect_err("no Base NFT")),
        "base_nft_address"
    );
    assert_eq!(
        field("solana".parse::<BridgeChain>().expect_err("unknown chain")),
        "source"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn waiting_times_out_and_can_be_cancelled() {
    let peaq = devnet().await;
    let nft = contracts(&peaq).machine_nft;
    // Token 999 does not exist: "not yet", until the deadline.
    let mut wait = WaitForBridgeArrival::new(&peaq.url, nft, U256::from(999));
    wait.timeout = Duration::from_millis(300);
    wait.poll_interval = Duration::from_millis(50);
    let started = std::time::Instant::now();
    assert!(!wait_for_bridge_arrival(&wait).await.expect("times out"));
    assert!(started.elapsed() >= Duration::from_millis(300));

    wait.timeout = Duration::from_secs(60);
    let err = wait_for_bridge_arrival_until(&wait, tokio::time::sleep(Duration::from_millis(200)))
        .await
        .expect_err("cancelled");
    assert_eq!(err.rpc_code(), Some(RpcCode::Aborted), "{err}");
}
