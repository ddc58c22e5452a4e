//! An in-process devnet with the peaqOS stack at genesis, and clients on it.

use alloy::{
    eips::BlockNumberOrTag,
    primitives::{Bytes, U256},
    providers::Provider as _,
};
use peaqos_devnet::{Devnet, DevnetConfig};
use peaqos_sdk::{ClientConfig, NetworkConfig, PeaqosClient, signer::PrivateKey};
use peaqos_types::ContractAddresses;

use crate::PEAQ;

/// The dev account that funds fresh keys (account 0 deployed the stack and owns it).
pub const FUNDER_ACCOUNT: usize = 9;

/// A devnet on a free loopback port, the stack deployed at genesis.
pub async fn spawn_devnet() -> Devnet {
    Devnet::spawn(DevnetConfig::ephemeral())
        .await
        .expect("devnet starts")
}

/// The addresses of the devnet's peaqOS stack.
pub fn contracts(devnet: &Devnet) -> ContractAddresses {
    devnet
        .deployment
        .as_ref()
        .expect("stack deployed")
        .contract_addresses()
}

/// The network settings of `devnet` (its URL and stack; no operational limits).
pub fn network(devnet: &Devnet) -> NetworkConfig {
    NetworkConfig::new(&devnet.url, contracts(devnet))
}

/// A client that signs with `key` on `devnet`.
pub fn client_for(devnet: &Devnet, key: &PrivateKey) -> PeaqosClient {
    PeaqosClient::new(ClientConfig::new(network(devnet), key.signer())).expect("client")
}

/// A client for dev account `account`.
pub fn dev_client(devnet: &Devnet, account: usize) -> PeaqosClient {
    let signer = peaqos_sdk::Signer::from(devnet.accounts[account].signer());
    PeaqosClient::new(ClientConfig::new(network(devnet), signer)).expect("client")
}

/// A fresh key, funded with `peaq` PEAQ by `funder` (nothing sent when `peaq` is 0).
pub async fn funded_key(funder: &PeaqosClient, peaq: u128) -> PrivateKey {
    let (address, key) = PeaqosClient::generate_keypair();
    if peaq > 0 {
        funder
            .send_call(address, Bytes::new(), U256::from(peaq * PEAQ))
            .await
            .expect("funded");
    }
    key
}

/// A client for a fresh key funded with `peaq` PEAQ by `funder`.
pub async fn funded_client(devnet: &Devnet, funder: &PeaqosClient, peaq: u128) -> PeaqosClient {
    client_for(devnet, &funded_key(funder, peaq).await)
}

/// Chain time: the latest block's timestamp (events may not be in the future).
pub async fn chain_now(client: &PeaqosClient) -> u64 {
    client
        .provider()
        .get_block_by_number(BlockNumberOrTag::Latest)
        .await
        .expect("latest block")
        .expect("a block")
        .header
        .timestamp
}

/// A machine that registered itself (bonded) through a fresh key funded by `funder`, with one
/// hardware-signed activity event a day for the last `days` days of chain time (oldest first):
/// enough history for the MCR to rate it (`days` ≥ 30). Its client and machine id.
pub async fn rated_machine(funder: &PeaqosClient, days: u64) -> (PeaqosClient, U256) {
    use peaqos_sdk::validation::SubmitEventParams;
    use peaqos_types::{EventType, TrustLevel};
    const DAY: u64 = 86_400;
    let key = funded_key(funder, 100).await;
    let machine = funder.with_signer(key.signer()).expect("machine client");
    let machine_id = machine.register_machine().await.expect("registered");
    let now = chain_now(&machine).await;
    let events: Vec<SubmitEventParams> = (1..=days)
        .rev()
        .map(|back| {
            SubmitEventParams::new(
                machine_id,
                EventType::Activity,
                U256::ZERO,
                now - back * DAY,
            )
            .with_currency("")
            .with_trust_level(TrustLevel::HardwareSigned)
        })
        .collect();
    for chunk in events.chunks(100) {
        machine
            .batch_submit_events(chunk)
            .await
            .expect("events submitted");
    }
    (machine, machine_id)
}
