//! Registration (self-managed and proxy), the bond read from `minBond()`, Machine NFT minting
//! and token ids, input validation, and `Registered` log decoding.

use crate::common;

use alloy::{
    primitives::{Address, Bytes, U256},
    providers::Provider,
    rpc::types::TransactionReceipt,
    sol_types::SolEvent,
};
use common::{PEAQ, client, devnet, receipt, validation_field};
use peaqos_contracts::bindings::{IdentityRegistry, IdentityStaking, MachineNFT};
use peaqos_sdk::{
    Error, RpcCode,
    client::{ClientConfig, NetworkConfig, PeaqosClient},
    registration::registered_machine_id,
    signer::Signer,
};

#[tokio::test(flavor = "multi_thread")]
async fn self_managed_register_mint_and_token_id() {
    let devnet = devnet().await;
    let machine = client(&devnet, 1);
    let c = *machine.contracts();
    assert_eq!(machine.min_bond().await.expect("minBond"), U256::from(PEAQ));
    assert_eq!(
        machine
            .machine_id_of(machine.address())
            .await
            .expect("none yet"),
        U256::ZERO
    );

    let id = machine.register_machine().await.expect("registered");
    assert_eq!(id, U256::from(1));
    assert_eq!(
        machine.machine_id_of(machine.address()).await.expect("id"),
        id
    );
    // The Identity NFT (tokenId == machineId) belongs to the machine; the bond is staked.
    let owner = machine
        .call_sol(
            c.identity_registry,
            &IdentityRegistry::ownerOfCall { tokenId: id },
        )
        .await
        .expect("ownerOf");
    assert_eq!(owner, machine.address());
    let staked = machine
        .call_sol(
            c.identity_staking,
            &IdentityStaking::getStakeCall { machineId: id },
        )
        .await
        .expect("getStake");
    assert_eq!(staked, U256::from(PEAQ));

    // Not minted yet: token id 0.
    assert_eq!(
        machine.token_id_of(id).await.expect("tokenIdOf"),
        U256::ZERO
    );
    let tx = machine
        .mint_nft(id, machine.address())
        .await
        .expect("minted");
    let receipt = receipt(&machine, tx).await;
    assert!(receipt.status());
    let token = machine.token_id_of(id).await.expect("tokenIdOf");
    assert!(token > U256::ZERO);
    let nft_owner = machine
        .call_sol(c.machine_nft, &MachineNFT::ownerOfCall { tokenId: token })
        .await
        .expect("ownerOf");
    assert_eq!(nft_owner, machine.address());

    // Registering again is decoded, not TX_REVERTED.
    let err = machine.register_machine().await.expect_err("twice");
    assert!(
        err.is_revert::<IdentityRegistry::AlreadyRegistered>(),
        "{err:?}"
    );
    let err = machine
        .mint_nft(id, machine.address())
        .await
        .expect_err("twice");
    assert!(err.is_revert::<MachineNFT::AlreadyMinted>(), "{err:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn register_for_makes_the_caller_the_operator() {
    let devnet = devnet().await;
    let proxy = client(&devnet, 2);
    let c = *proxy.contracts();
    let (machine, machine_key) = PeaqosClient::generate_keypair();
    let before = proxy
        .provider()
        .get_balance(proxy.address())
        .await
        .expect("balance");

    let id = proxy.register_for(machine).await.expect("registered");
    let after = proxy
        .provider()
        .get_balance(proxy.address())
        .await
        .expect("balance");
    assert!(
        before - after > U256::from(PEAQ),
        "the proxy paid the bond and the gas"
    );
    let operator = proxy
        .call_sol(
            c.identity_registry,
            &IdentityRegistry::operatorOfCall { machineId: id },
        )
        .await
        .expect("operatorOf");
    assert_eq!(operator, proxy.address());
    let wallet = proxy
        .call_sol(
            c.identity_registry,
            &IdentityRegistry::machineWalletOfCall { machineId: id },
        )
        .await
        .expect("machineWalletOf");
    assert_eq!(wallet, machine);
    assert_eq!(proxy.machine_id_of(machine).await.expect("id"), id);

    // The operator mints to the machine; the machine holds the Machine NFT.
    proxy.mint_nft(id, machine).await.expect("operator mint");
    let token = proxy.token_id_of(id).await.expect("token");
    let holder = proxy
        .call_sol(c.machine_nft, &MachineNFT::ownerOfCall { tokenId: token })
        .await
        .expect("ownerOf");
    assert_eq!(holder, machine);

    // The machine's own key (unfunded) is a valid client too.
    let machine_client = PeaqosClient::new(ClientConfig::new(
        NetworkConfig::new(&devnet.url, c),
        machine_key.signer(),
    ))
    .expect("client");
    assert_eq!(machine_client.address(), machine);
    assert_eq!(machine_client.token_id_of(id).await.expect("token"), token);

    // The same machine again, and the zero address, are decoded reverts.
    let err = proxy.register_for(machine).await.expect_err("twice");
    assert!(
        err.is_revert::<IdentityRegistry::AlreadyRegistered>(),
        "{err:?}"
    );
    let err = proxy.register_for(Address::ZERO).await.expect_err("zero");
    assert!(
        err.is_revert::<IdentityRegistry::InvalidMachineAddress>(),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "Invalid machine address (zero address not allowed)"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_bond_follows_min_bond() {
    let devnet = devnet().await;
    let owner = client(&devnet, 0);
    let registry = owner.contracts().identity_registry;
    let two = U256::from(2 * PEAQ);
    owner
        .send_sol(
            registry,
            &IdentityRegistry::setMinBondCall { _minBond: two },
            U256::ZERO,
        )
        .await
        .expect("setMinBond");
    let machine = client(&devnet, 3);
    assert_eq!(machine.min_bond().await.expect("minBond"), two);
    // The official Python SDK would send 1 PEAQ here and fail with IncorrectBondAmount.
    let id = machine
        .register_machine()
        .await
        .expect("registered with 2 PEAQ");
    let staked = machine
        .call_sol(
            machine.contracts().identity_staking,
            &IdentityStaking::getStakeCall { machineId: id },
        )
        .await
        .expect("getStake");
    assert_eq!(staked, two);
}

#[tokio::test(flavor = "multi_thread")]
async fn inputs_are_validated_before_anything_is_sent() {
    // Nothing listens here: a validation error proves no request was made.
    let signer = Signer::from(
        "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
            .parse::<peaqos_sdk::signer::PrivateKey>()
            .expect("key"),
    );
    let c = PeaqosClient::new(ClientConfig::new(
        NetworkConfig::agung("http://127.0.0.1:9"),
        signer,
    ))
    .expect("client");
    let someone: Address = "0x00000000000000000000000000000000000000aa"
        .parse()
        .expect("addr");

    let err = c
        .mint_nft(U256::ZERO, someone)
        .await
        .expect_err("machine id 0");
    assert_eq!(validation_field(&err), "machine_id");
    let Error::Validation(v) = &err else {
        unreachable!()
    };
    assert_eq!(v.constraint, "> 0");
    let err = c
        .mint_nft(U256::from(1), Address::ZERO)
        .await
        .expect_err("zero recipient");
    assert_eq!(validation_field(&err), "recipient");
    let Error::Validation(v) = &err else {
        unreachable!()
    };
    assert_eq!(v.constraint, "non-zero address");
    let err = c.token_id_of(U256::ZERO).await.expect_err("machine id 0");
    assert_eq!(validation_field(&err), "machine_id");
}

#[tokio::test(flavor = "multi_thread")]
async fn registered_log_must_come_from_the_registry_and_decode() {
    let devnet = devnet().await;
    let machine = client(&devnet, 4);
    let registry = machine.contracts().identity_registry;
    let bond = machine.min_bond().await.expect("bond");
    let outcome = machine
        .send_sol(registry, &IdentityRegistry::registerCall {}, bond)
        .await
        .expect("registered");
    let id = registered_machine_id(&outcome.receipt, registry).expect("decoded");
    assert_eq!(
        machine.machine_id_of(machine.address()).await.expect("id"),
        id
    );

    // A Registered log from another address is not ours: missing.
    let other: Address = "0x00000000000000000000000000000000000000bb"
        .parse()
        .expect("addr");
    let err = registered_machine_id(&outcome.receipt, other).expect_err("wrong emitter");
    assert_eq!(
        err.rpc_code(),
        Some(RpcCode::RegisteredEventMissing),
        "{err}"
    );
    assert_eq!(err.tx_hash(), Some(outcome.tx_hash));

    // A receipt without logs: missing.
    let sink = PeaqosClient::generate_keypair().0;
    let transfer = machine
        .send_call(sink, Bytes::new(), U256::from(1u64))
        .await
        .expect("sent");
    let err = registered_machine_id(&transfer.receipt, registry).expect_err("no logs");
    assert_eq!(
        err.rpc_code(),
        Some(RpcCode::RegisteredEventMissing),
        "{err}"
    );

    // Malformed: the right emitter and topic, but machine id 0 / undecodable data.
    let mut json = serde_json::to_value(&outcome.receipt).expect("json");
    let logs = json["logs"].as_array_mut().expect("logs");
    let signature = IdentityRegistry::Registered::SIGNATURE_HASH.to_string();
    let registered = logs
        .iter_mut()
        .find(|l| l["topics"][0].as_str() == Some(signature.as_str()))
        .expect("the Registered log");
    let owner_topic = registered["topics"][2].clone();
    registered["topics"] =
        serde_json::json!([signature, format!("0x{}", "00".repeat(32)), owner_topic]);
    let zero: TransactionReceipt = serde_json::from_value(json.clone()).expect("receipt");
    let err = registered_machine_id(&zero, registry).expect_err("machine id 0");
    assert_eq!(
        err.rpc_code(),
        Some(RpcCode::RegisteredEventMalformed),
        "{err}"
    );

    let logs = json["logs"].as_array_mut().expect("logs");
    let registered = logs
        .iter_mut()
        .find(|l| l["topics"][0].as_str() == Some(signature.as_str()))
        .expect("the Registered log");
    registered["topics"] = serde_json::json!([signature]);
    registered["data"] = serde_json::json!("0x01");
    let garbage: TransactionReceipt = serde_json::from_value(json).expect("receipt");
    let err = registered_machine_id(&garbage, registry).expect_err("undecodable");
    assert_eq!(
        err.rpc_code(),
        Some(RpcCode::RegisteredEventMalformed),
        "{err}"
    );
}
