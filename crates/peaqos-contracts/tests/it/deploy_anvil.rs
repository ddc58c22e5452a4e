//! Deploys the whole stack to a real anvil and drives the main flows through the bindings:
//! register (self and proxy), mint, submit an event, write and read a DID attribute.
//!
//! anvil comes from npm (`npm ci` in `contracts/`) or from `PEAQOS_ANVIL`. A missing anvil
//! fails the test: it is part of the build, not an optional extra.

use std::sync::Mutex;

use alloy::{
    eips::BlockNumberOrTag,
    node_bindings::{Anvil, AnvilInstance},
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use peaqos_contracts::{
    DeployConfig, Deployment,
    artifacts::describe_revert,
    bindings::{
        DIDPrecompile, EventRegistry, IdentityRegistry, IdentityStaking, MachineAccountFactory,
        MachineNFT, Ownable, WPEAQStandin,
    },
    deploy, deploy_with_progress, place_standins,
};
use peaqos_types::{
    ContractAddresses, EventType, MachineId, TrustLevel,
    constants::{
        BATCH_PRECOMPILE_ADDRESS, DEFAULT_MIN_BOND, DID_ATTR_MACHINE_ID, DID_PRECOMPILE_ADDRESS,
        ENTRY_POINT_V06_ADDRESS, WPEAQ_PRECOMPILE_ADDRESS,
    },
};

use peaqos_test_utils::anvil::require_anvil;

fn spawn_anvil() -> AnvilInstance {
    let path = require_anvil();
    Anvil::new().path(path).try_spawn().expect("anvil starts")
}

/// A provider that signs with anvil's dev account `index`.
fn wallet(anvil: &AnvilInstance, index: usize) -> (Address, DynProvider) {
    let key = anvil
        .nth_key(index)
        .expect("anvil has 10 dev accounts")
        .clone();
    let signer = PrivateKeySigner::from_signing_key(key.into());
    let address = signer.address();
    let provider = ProviderBuilder::new()
        .wallet(signer)
        .connect_http(anvil.endpoint_url());
    (address, provider.erased())
}

fn one_peaq() -> U256 {
    DEFAULT_MIN_BOND
}

async fn latest_timestamp(provider: &DynProvider) -> u64 {
    let block = provider
        .get_block_by_number(BlockNumberOrTag::Latest)
        .await
        .expect("eth_getBlockByNumber")
        .expect("latest block exists");
    block.header.timestamp
}

/// Registers the signer of `provider` (or `machine`, through `registerFor`), returning the
/// machine id decoded from the `Registered` log emitted by the registry.
async fn register(
    provider: &DynProvider,
    registry: Address,
    machine: Option<Address>,
) -> (MachineId, Address) {
    let r = IdentityRegistry::new(registry, provider);
    let call = match machine {
        None => r.register().value(one_peaq()),
        Some(m) => {
            let c = r.registerFor(m).value(one_peaq());
            return finish_register(c.send().await.expect("registerFor sent"), registry).await;
        }
    };
    finish_register(call.send().await.expect("register sent"), registry).await
}

async fn finish_register(
    pending: alloy::providers::PendingTransactionBuilder<alloy::network::Ethereum>,
    registry: Address,
) -> (MachineId, Address) {
    let receipt = pending.get_receipt().await.expect("receipt");
    assert!(receipt.status(), "registration reverted");
    let log = receipt
        .decoded_log::<IdentityRegistry::Registered>()
        .expect("a Registered log in the receipt");
    assert_eq!(
        log.address, registry,
        "Registered is emitted by the registry"
    );
    let id = MachineId::try_from(log.data.machineId).expect("machine id > 0");
    (id, log.data.owner)
}

async fn assert_owned_by(d: &Deployment, provider: &DynProvider, owner: Address) {
    let owned = [
        d.identity_registry.proxy,
        d.identity_staking.proxy,
        d.event_registry.proxy,
        d.machine_nft.proxy,
        d.admin_flags.proxy,
        d.machine_account_beacon,
    ];
    for address in owned {
        let got = Ownable::new(address, provider)
            .owner()
            .call()
            .await
            .expect("owner()");
        assert_eq!(got, owner, "owner of {address}");
    }
}

#[tokio::test]
#[ignore = "needs anvil (npm ci in contracts/)"]
async fn deploy_wire_and_drive_the_main_flows() {
    let anvil = spawn_anvil();
    let (deployer, provider) = wallet(&anvil, 0);

    place_standins(&provider)
        .await
        .expect("stand-ins installed");
    let d = deploy(&provider, &DeployConfig::new(deployer))
        .await
        .expect("deployed");

    // ------------------------------------------------------------------ wiring
    assert_eq!(d.chain_id, anvil.chain_id());
    assert_eq!(d.deployer, deployer);
    assert_eq!(d.owner, deployer);
    assert_eq!(d.machine_nft_adapter, None);
    assert_eq!(d.wpeaq, WPEAQ_PRECOMPILE_ADDRESS);
    assert_eq!(d.entry_point, ENTRY_POINT_V06_ADDRESS);
    let registry = IdentityRegistry::new(d.identity_registry.proxy, &provider);
    let staking = IdentityStaking::new(d.identity_staking.proxy, &provider);
    let events = EventRegistry::new(d.event_registry.proxy, &provider);
    let nft = MachineNFT::new(d.machine_nft.proxy, &provider);
    let factory = MachineAccountFactory::new(d.machine_account_factory, &provider);

    assert_eq!(
        registry.identityStaking().call().await.expect("call"),
        staking.address().to_owned()
    );
    assert!(
        staking
            .isAuthorized(d.identity_registry.proxy)
            .call()
            .await
            .expect("call")
    );
    assert_eq!(
        staking.stakingToken().call().await.expect("call"),
        WPEAQ_PRECOMPILE_ADDRESS
    );
    assert_eq!(
        registry.wpeaq().call().await.expect("call"),
        WPEAQ_PRECOMPILE_ADDRESS
    );
    assert_eq!(
        registry.getDIDPrecompile().call().await.expect("call"),
        DID_PRECOMPILE_ADDRESS
    );
    assert_eq!(registry.minBond().call().await.expect("call"), one_peaq());
    assert_eq!(
        registry.baseURI().call().await.expect("call"),
        "http://127.0.0.1:8000/machines/"
    );
    assert_eq!(
        events.identityRegistryAddress().call().await.expect("call"),
        d.identity_registry.proxy
    );
    assert_eq!(
        events.identityStakingAddress().call().await.expect("call"),
        d.identity_staking.proxy
    );
    assert_eq!(
        nft.identityRegistry().call().await.expect("call"),
        d.identity_registry.proxy
    );
    assert_eq!(
        nft.baseURI().call().await.expect("call"),
        "http://127.0.0.1:8000/metadata/"
    );
    assert_eq!(
        factory.entryPoint().call().await.expect("call"),
        ENTRY_POINT_V06_ADDRESS
    );
    assert_eq!(
        factory.beacon().call().await.expect("call"),
        d.machine_account_beacon
    );
    assert_owned_by(&d, &provider, deployer).await;
    // implementations are real contracts behind the proxies
    for p in [
        d.identity_registry,
        d.identity_staking,
        d.event_registry,
        d.machine_nft,
        d.admin_flags,
    ] {
        assert_ne!(p.proxy, p.implementation);
        assert!(
            !provider
                .get_code_at(p.implementation)
                .await
                .expect("code")
                .is_empty()
        );
    }

    let addresses = ContractAddresses::from(&d);
    assert_eq!(addresses.identity_registry, d.identity_registry.proxy);
    assert_eq!(addresses.did_registry, DID_PRECOMPILE_ADDRESS);
    assert_eq!(addresses.batch_precompile, BATCH_PRECOMPILE_ADDRESS);
    assert_eq!(addresses.admin_flags, Some(d.admin_flags.proxy));

    // ------------------------------------------------------------------ self registration
    let (machine, machine_p) = wallet(&anvil, 1);
    let registry_m = IdentityRegistry::new(d.identity_registry.proxy, &machine_p);

    // A wrong bond reverts with the registry's custom error, which we can name.
    let err = registry_m
        .register()
        .value(one_peaq() / U256::from(2))
        .call()
        .await
        .expect_err("half a bond is refused");
    let revert = err.as_revert_data().expect("revert data");
    assert_eq!(describe_revert(&revert), "IncorrectBondAmount()");

    let (id, owner) = register(&machine_p, d.identity_registry.proxy, None).await;
    assert_eq!(id, MachineId::FIRST);
    assert_eq!(owner, machine);
    assert_eq!(
        registry.ownerOf(id.into()).call().await.expect("call"),
        machine
    );
    assert_eq!(
        registry
            .machineIdOfOwner(machine)
            .call()
            .await
            .expect("call"),
        U256::from(1)
    );
    assert_eq!(
        registry
            .machineStatus(id.into())
            .call()
            .await
            .expect("call"),
        1,
        "pending"
    );
    assert!(staking.isStaked(id.into()).call().await.expect("call"));
    assert_eq!(
        staking.totalStaked().call().await.expect("call"),
        one_peaq()
    );

    // ------------------------------------------------------------------ Machine NFT
    let nft_m = MachineNFT::new(d.machine_nft.proxy, &machine_p);
    let receipt = nft_m
        .mint(id.into(), machine)
        .send()
        .await
        .expect("mint sent")
        .get_receipt()
        .await
        .expect("receipt");
    assert!(receipt.status());
    let minted = receipt
        .decoded_log::<MachineNFT::MachineMinted>()
        .expect("MachineMinted");
    assert_eq!(minted.data.recipient, machine);
    assert_eq!(
        nft.tokenIdOf(id.into()).call().await.expect("call"),
        U256::from(1)
    );
    assert_eq!(
        nft.ownerOf(U256::from(1)).call().await.expect("call"),
        machine
    );
    assert_eq!(
        nft.tokenURI(U256::from(1)).call().await.expect("call"),
        "http://127.0.0.1:8000/metadata/1"
    );

    // ------------------------------------------------------------------ events
    let events_m = EventRegistry::new(d.event_registry.proxy, &machine_p);
    let timestamp = latest_timestamp(&machine_p).await;
    let data_hash = keccak256(b"hello");
    let currency = EventType::Revenue.default_currency();
    peaqos_types::validate_currency(EventType::Revenue, currency).expect("valid currency");
    let receipt = events_m
        .submitEvent(
            id.into(),
            EventType::Revenue.into(),
            U256::from(12_345),
            currency.to_owned(),
            U256::from(timestamp),
            data_hash,
            TrustLevel::SelfReported.into(),
            U256::ZERO,
            B256::ZERO,
            Bytes::new(),
        )
        .send()
        .await
        .expect("submitEvent sent")
        .get_receipt()
        .await
        .expect("receipt");
    assert!(receipt.status());
    let submitted = receipt
        .decoded_log::<EventRegistry::EventSubmitted>()
        .expect("EventSubmitted");
    assert_eq!(submitted.address, d.event_registry.proxy);
    assert_eq!(submitted.data.machineId, U256::from(1));
    assert_eq!(submitted.data.value, U256::from(12_345));
    assert_eq!(
        events.getEventCount(id.into()).call().await.expect("call"),
        U256::from(1)
    );
    assert_eq!(
        events.totalEventCount().call().await.expect("call"),
        U256::from(1)
    );
    let stored = events
        .getEventAt(id.into(), U256::ZERO)
        .call()
        .await
        .expect("call");
    assert_eq!(stored.currency, "USD");
    assert_eq!(stored.dataHash, data_hash);
    assert_eq!(stored.timestamp, U256::from(timestamp));

    // ------------------------------------------------------------------ DID stand-in
    let did_m = DIDPrecompile::new(DID_PRECOMPILE_ADDRESS, &machine_p);
    let receipt = did_m
        .addAttribute(
            machine,
            DID_ATTR_MACHINE_ID.as_bytes().to_vec().into(),
            b"1".to_vec().into(),
            0,
        )
        .send()
        .await
        .expect("addAttribute sent")
        .get_receipt()
        .await
        .expect("receipt");
    assert!(receipt.status());
    let added = receipt
        .decoded_log::<DIDPrecompile::AddAttribute>()
        .expect("AddAttribute");
    assert_eq!(added.address, DID_PRECOMPILE_ADDRESS);
    let raw = receipt
        .logs()
        .iter()
        .find(|l| l.address() == DID_PRECOMPILE_ADDRESS)
        .expect("log");
    assert_eq!(raw.topics().len(), 1, "the DID events are unindexed (log1)");
    assert_eq!(added.data.sender, machine);
    assert_eq!(added.data.did_account, machine);
    assert_eq!(added.data.validity, 0);
    let attr = did_m
        .readAttribute(machine, DID_ATTR_MACHINE_ID.as_bytes().to_vec().into())
        .call()
        .await
        .expect("readAttribute");
    assert_eq!(attr.name.as_ref(), DID_ATTR_MACHINE_ID.as_bytes());
    assert_eq!(attr.value.as_ref(), b"1");
    assert_eq!(attr.validity, u32::MAX, "validity 0 = never expires");
    assert_eq!(
        attr.created,
        U256::from(timestamp_ms_floor(&machine_p).await),
        "created in ms"
    );
    let err = did_m
        .readAttribute(machine, b"nope".to_vec().into())
        .call()
        .await
        .expect_err("missing attribute reverts");
    let revert = err.as_revert_data().expect("revert data");
    assert!(
        describe_revert(&revert).contains("Cannot find the item"),
        "{}",
        describe_revert(&revert)
    );

    // ------------------------------------------------------------------ proxy registration
    let (operator, operator_p) = wallet(&anvil, 2);
    let (proxied_machine, _) = wallet(&anvil, 3);
    let (id2, owner2) = register(
        &operator_p,
        d.identity_registry.proxy,
        Some(proxied_machine),
    )
    .await;
    assert_eq!(id2.get(), 2);
    assert_eq!(owner2, proxied_machine);
    assert_eq!(
        registry.operatorOf(id2.into()).call().await.expect("call"),
        operator
    );
    assert_eq!(
        registry
            .machineWalletOf(id2.into())
            .call()
            .await
            .expect("call"),
        proxied_machine
    );
    assert!(
        registry
            .isAuthorizedOrOwner(operator, id2.into())
            .call()
            .await
            .expect("call")
    );
    let receipt = MachineNFT::new(d.machine_nft.proxy, &operator_p)
        .mint(id2.into(), proxied_machine)
        .send()
        .await
        .expect("operator mint sent")
        .get_receipt()
        .await
        .expect("receipt");
    assert!(receipt.status());
    assert_eq!(
        nft.tokenIdOf(id2.into()).call().await.expect("call"),
        U256::from(2)
    );
    assert_eq!(
        nft.ownerOf(U256::from(2)).call().await.expect("call"),
        proxied_machine
    );
    assert_eq!(
        registry.totalMachines().call().await.expect("call"),
        U256::from(2)
    );
    assert_eq!(
        staking.totalStaked().call().await.expect("call"),
        one_peaq() * U256::from(2)
    );
}

/// `created` of an attribute added in the latest block: that block's timestamp in ms.
async fn timestamp_ms_floor(provider: &DynProvider) -> u64 {
    latest_timestamp(provider).await * 1000
}

#[tokio::test]
#[ignore = "needs anvil (npm ci in contracts/)"]
async fn deploy_for_another_owner_with_custom_precompiles() {
    let anvil = spawn_anvil();
    let (deployer, provider) = wallet(&anvil, 0);
    let (owner, _) = wallet(&anvil, 5);

    // No stand-ins at the precompile addresses here: a freshly deployed WETH9-style token is
    // the bond token, and the registry is told about a DID contract elsewhere.
    let token = WPEAQStandin::deploy(&provider)
        .await
        .expect("token deployed");
    let did = Address::repeat_byte(0xdd);
    let config = DeployConfig {
        wpeaq: *token.address(),
        did,
        machine_card_base_uri: None,
        nft_base_uri: "https://mcr.example/metadata/".to_owned(),
        ..DeployConfig::new(owner)
    };
    let steps = Mutex::new(Vec::new());
    let d = deploy_with_progress(&provider, &config, |step| {
        steps.lock().expect("not poisoned").push(step.to_owned());
    })
    .await
    .expect("deployed");
    let steps = steps.into_inner().expect("not poisoned");

    assert_eq!(d.deployer, deployer);
    assert_eq!(d.owner, owner);
    assert_eq!(d.wpeaq, *token.address());
    assert_eq!(d.did_registry, did);
    assert_owned_by(&d, &provider, owner).await;

    let registry = IdentityRegistry::new(d.identity_registry.proxy, &provider);
    let staking = IdentityStaking::new(d.identity_staking.proxy, &provider);
    assert_eq!(
        registry.wpeaq().call().await.expect("call"),
        *token.address()
    );
    assert_eq!(registry.getDIDPrecompile().call().await.expect("call"), did);
    assert_eq!(registry.baseURI().call().await.expect("call"), "");
    assert_eq!(
        staking.stakingToken().call().await.expect("call"),
        *token.address()
    );
    assert_eq!(
        MachineNFT::new(d.machine_nft.proxy, &provider)
            .baseURI()
            .call()
            .await
            .expect("call"),
        "https://mcr.example/metadata/"
    );

    // One progress call per transaction: 1 + 5×2 proxied contracts (the registry counts in
    // those), the factory, 5 wiring calls (no machine-card URI), 6 ownership transfers.
    let expected = [
        "deploy IdentityRegistry implementation",
        "deploy IdentityRegistry proxy",
        "deploy IdentityStaking implementation",
        "deploy IdentityStaking proxy",
        "deploy EventRegistry implementation",
        "deploy EventRegistry proxy",
        "deploy MachineNFT implementation",
        "deploy MachineNFT proxy",
        "deploy AdminFlags implementation",
        "deploy AdminFlags proxy",
        "deploy MachineAccountFactory",
        "IdentityRegistry.setIdentityStaking",
        "IdentityRegistry.setWPEAQ",
        "IdentityRegistry.setDIDPrecompile",
        "IdentityStaking.authorize",
        "MachineNFT.setBaseURI",
        "IdentityRegistry.transferOwnership",
        "IdentityStaking.transferOwnership",
        "EventRegistry.transferOwnership",
        "MachineNFT.transferOwnership",
        "AdminFlags.transferOwnership",
        "MachineAccountFactory beacon.transferOwnership",
    ];
    assert_eq!(steps, expected);

    // The deployer no longer owns anything.
    let err = registry
        .setMinBond(one_peaq())
        .call()
        .await
        .expect_err("not the owner any more");
    let revert = err.as_revert_data().expect("revert data");
    assert_eq!(
        describe_revert(&revert),
        "OwnableUnauthorizedAccount(address)"
    );

    // The bond goes through the custom token.
    let (_, machine_p) = wallet(&anvil, 1);
    let (id, _) = register(&machine_p, d.identity_registry.proxy, None).await;
    assert_eq!(id, MachineId::FIRST);
    let staked = WPEAQStandin::new(*token.address(), &provider)
        .balanceOf(d.identity_staking.proxy)
        .call()
        .await
        .expect("call");
    assert_eq!(staked, one_peaq());
}

#[tokio::test]
#[ignore = "needs anvil (npm ci in contracts/)"]
async fn deploy_reports_the_failing_step() {
    let anvil = spawn_anvil();
    let (deployer, provider) = wallet(&anvil, 0);
    // The factory refuses a zero EntryPoint, but the config check catches it before any
    // transaction is sent.
    let config = DeployConfig {
        entry_point: Address::ZERO,
        ..DeployConfig::new(deployer)
    };
    let err = deploy(&provider, &config)
        .await
        .expect_err("zero entry point");
    assert_eq!(err.code(), "INVALID_CONFIG");
    assert_eq!(
        provider
            .get_transaction_count(deployer)
            .await
            .expect("nonce"),
        0,
        "nothing was sent"
    );

    // A step that reverts on chain is named, with the decoded reason: an endpoint with no
    // code makes the LayerZero adapter's constructor revert.
    let config = DeployConfig {
        lz_endpoint: Some(Address::repeat_byte(0x42)),
        ..DeployConfig::new(deployer)
    };
    let err = deploy(&provider, &config)
        .await
        .expect_err("no endpoint there");
    eprintln!("expected failure: {err}");
    assert_eq!(err.step(), Some("deploy MachineNFTAdapter"), "{err}");
    assert_eq!(err.code(), "TX_REVERTED", "{err}");
}

#[test]
fn deploy_future_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let provider = ProviderBuilder::new().connect_http("http://127.0.0.1:1".parse().expect("url"));
    let config = DeployConfig::new(Address::repeat_byte(1));
    let fut = deploy(&provider, &config);
    assert_send(&fut);
    let fut = place_standins(&provider);
    assert_send(&fut);
}
