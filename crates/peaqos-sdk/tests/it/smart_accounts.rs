//! Smart accounts: the counterfactual address, deployment from the `AccountCreated` log,
//! idempotent re-deployment, and the missing-factory validation error.

use crate::common;

use alloy::{
    primitives::{Address, U256},
    providers::Provider,
};
use common::{client, contracts, devnet, nonce};
use peaqos_contracts::bindings::MachineSmartAccount;
use peaqos_sdk::{
    Error,
    client::{ClientConfig, NetworkConfig, PeaqosClient},
    signer::Signer,
};
use peaqos_types::ContractAddresses;

#[tokio::test(flavor = "multi_thread")]
async fn deploy_matches_the_prediction_and_is_idempotent() {
    let devnet = devnet().await;
    let owner = client(&devnet, 1);
    let machine = PeaqosClient::generate_keypair().0;
    let salt = U256::from(7);

    let predicted = owner
        .get_smart_account_address(owner.address(), machine, salt)
        .await
        .expect("predict");
    assert!(
        owner
            .provider()
            .get_code_at(predicted)
            .await
            .expect("code")
            .is_empty()
    );
    let deployed = owner
        .deploy_smart_account(owner.address(), machine, salt)
        .await
        .expect("deployed");
    assert_eq!(deployed, predicted);
    assert!(
        !owner
            .provider()
            .get_code_at(deployed)
            .await
            .expect("code")
            .is_empty()
    );

    // The account knows its owner and machine.
    let account_owner = owner
        .call_sol(deployed, &MachineSmartAccount::ownerCall {})
        .await
        .expect("owner()");
    assert_eq!(account_owner, owner.address());
    let account_machine = owner
        .call_sol(deployed, &MachineSmartAccount::machineCall {})
        .await
        .expect("machine()");
    assert_eq!(account_machine, machine);

    // Again: the same address, and no transaction (the official SDK fails here with
    // ACCOUNT_CREATED_EVENT_MISSING).
    let before = nonce(&owner).await;
    let again = owner
        .deploy_smart_account(owner.address(), machine, salt)
        .await
        .expect("idempotent");
    assert_eq!(again, deployed);
    assert_eq!(nonce(&owner).await, before, "nothing was sent");

    // Someone else may deploy an account for (owner, machine, salt) too: same address.
    let other = client(&devnet, 2);
    let by_other = other
        .deploy_smart_account(owner.address(), machine, U256::from(8))
        .await
        .expect("deployed by another caller");
    assert_eq!(
        by_other,
        owner
            .get_smart_account_address(owner.address(), machine, U256::from(8))
            .await
            .expect("predict")
    );
    assert_ne!(by_other, deployed, "another salt, another account");
    let second_machine = PeaqosClient::generate_keypair().0;
    let another = owner
        .get_smart_account_address(owner.address(), second_machine, salt)
        .await
        .expect("predict");
    assert_ne!(another, deployed, "another machine, another account");
}

#[tokio::test(flavor = "multi_thread")]
async fn zero_owner_or_machine_is_decoded() {
    let devnet = devnet().await;
    let c = client(&devnet, 3);
    let someone = PeaqosClient::generate_keypair().0;
    for (owner, machine) in [(Address::ZERO, someone), (someone, Address::ZERO)] {
        let err = c
            .deploy_smart_account(owner, machine, U256::ZERO)
            .await
            .expect_err("zero");
        assert!(
            err.is_revert::<peaqos_contracts::bindings::MachineAccountFactory::InvalidAddress>(),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "Invalid address (zero address not allowed)"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_factory_is_a_validation_error() {
    let devnet = devnet().await;
    let signer = Signer::from(devnet.accounts[4].signer());
    let contracts = ContractAddresses {
        machine_account_factory: None,
        ..contracts(&devnet)
    };
    let c = PeaqosClient::new(ClientConfig::new(
        NetworkConfig::new(&devnet.url, contracts),
        signer,
    ))
    .expect("client");
    let a = c.address();
    for err in [
        c.get_smart_account_address(a, a, U256::ZERO)
            .await
            .expect_err("no factory"),
        c.deploy_smart_account(a, a, U256::ZERO)
            .await
            .expect_err("no factory"),
    ] {
        let Error::Validation(v) = &err else {
            panic!("validation error expected: {err:?}")
        };
        assert_eq!(v.field, "machine_account_factory");
    }
}
