//! Self-managed onboarding: one machine registers itself (bonding `minBond()`), mints its
//! Machine NFT and reads the token id back.
//!
//! ```text
//! cargo run -p peaqos-sdk --example self_managed
//! ```
//!
//! Without `PEAQOS_RPC_URL` it starts an in-process devnet with the peaqOS stack, creates a
//! fresh machine key and funds it from a dev account. With `PEAQOS_RPC_URL` set, it uses the
//! environment instead (`PeaqosClient::from_env`: `PEAQOS_PRIVATE_KEY` and the `*_ADDRESS`
//! variables) and the key there must hold the bond plus gas.
#![allow(clippy::print_stdout)]

use alloy::primitives::{Bytes, U256};
use peaqos_devnet::{Devnet, DevnetConfig};
use peaqos_sdk::{
    Signer,
    client::{ClientConfig, NetworkConfig, PeaqosClient},
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Keep the devnet alive until the end of `main`.
    let (machine, _devnet) = if std::env::var_os("PEAQOS_RPC_URL").is_some() {
        println!("using PEAQOS_RPC_URL and the environment");
        (PeaqosClient::from_env()?, None)
    } else {
        let devnet = Devnet::spawn(DevnetConfig::ephemeral()).await?;
        let contracts = devnet
            .deployment
            .as_ref()
            .ok_or("the devnet deployed no stack")?
            .contract_addresses();
        println!(
            "started a devnet at {} (chain id {})",
            devnet.url, devnet.chain_id
        );

        // A fresh machine key, funded with 10 PEAQ by a dev account.
        let (address, key) = PeaqosClient::generate_keypair();
        let funder = PeaqosClient::new(ClientConfig::new(
            NetworkConfig::new(&devnet.url, contracts),
            Signer::from(devnet.accounts[0].signer()),
        ))?;
        let ten_peaq = U256::from(10u64) * U256::from(10u64).pow(U256::from(18u64));
        funder.send_call(address, Bytes::new(), ten_peaq).await?;
        let machine = PeaqosClient::new(ClientConfig::new(
            NetworkConfig::new(&devnet.url, contracts),
            key.signer(),
        ))?;
        (machine, Some(devnet))
    };

    println!("machine address: {}", machine.address());
    println!("bond (minBond):  {} wei", machine.min_bond().await?);

    let machine_id = machine.register_machine().await?;
    println!("machine id:      {machine_id}");

    let tx = machine.mint_nft(machine_id, machine.address()).await?;
    println!("mint tx:         {tx}");

    let token_id = machine.token_id_of(machine_id).await?;
    println!("NFT token id:    {token_id}");
    println!("DID:             did:peaq:{}", machine.address());
    Ok(())
}
