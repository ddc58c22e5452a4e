//! Client construction (explicit, presets, environment), secret redaction, and the transaction
//! pipeline against an in-process devnet: concurrency and nonces, receipt timeouts, nonce
//! resynchronisation, mined reverts decoded by replay.

use crate::common;

use std::{collections::HashMap, sync::Arc, time::Duration};

use alloy::{
    primitives::{Address, Bytes, U256},
    providers::Provider,
    sol_types::SolCall,
};
use common::{client, contracts, devnet, fresh_client, nonce, receipt, validation_field};
use peaqos_contracts::bindings::IdentityRegistry;
use peaqos_devnet::{Devnet, DevnetConfig};
use peaqos_sdk::{
    Error, Revert, RpcCode,
    client::{ClientConfig, DEFAULT_API_URL, NetworkConfig, PeaqosClient},
    signer::{PrivateKey, Signer},
    tx::SendOptions,
};
use peaqos_types::ContractAddresses;

const DEV_KEY_1: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
fn env_of(devnet: &Devnet, account: usize) -> HashMap<String, String> {
    devnet
        .env_file(account)
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().trim_matches('"').to_owned()))
        .collect()
}

fn base_env() -> HashMap<String, String> {
    let mut env: HashMap<String, String> = ContractAddresses::agung()
        .env_vars()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_string()))
        .collect();
    env.insert("PEAQOS_RPC_URL".into(), "http://127.0.0.1:9".into());
    env.insert("PEAQOS_PRIVATE_KEY".into(), DEV_KEY_1.into());
    env
}

// ---------------------------------------------------------------------------- construction

#[test]
fn from_lookup_names_the_first_missing_variable_in_order() {
    let order = [
        "PEAQOS_RPC_URL",
        "PEAQOS_PRIVATE_KEY",
        "IDENTITY_REGISTRY_ADDRESS",
        "IDENTITY_STAKING_ADDRESS",
        "EVENT_REGISTRY_ADDRESS",
        "MACHINE_NFT_ADDRESS",
        "DID_REGISTRY_ADDRESS",
        "BATCH_PRECOMPILE_ADDRESS",
    ];
    let full = base_env();
    for (i, name) in order.iter().enumerate() {
        // Everything before `name` set; `name` and what follows missing, then empty.
        let mut env: HashMap<String, String> = order[..i]
            .iter()
            .map(|k| ((*k).to_owned(), full[*k].clone()))
            .collect();
        let err = PeaqosClient::from_lookup(|k| env.get(k).cloned()).expect_err(name);
        assert_eq!(validation_field(&err), *name);
        let Error::Validation(v) = &err else {
            unreachable!()
        };
        assert_eq!(v.constraint, "required env var");
        assert_eq!(
            v.message,
            format!("Environment variable {name} is required but not set")
        );
        env.insert((*name).to_owned(), String::new());
        let err = PeaqosClient::from_lookup(|k| env.get(k).cloned()).expect_err(name);
        assert_eq!(validation_field(&err), *name, "empty counts as missing");
    }
    let client = PeaqosClient::from_lookup(|k| full.get(k).cloned()).expect("complete");
    assert_eq!(client.contracts(), &ContractAddresses::agung());
    assert_eq!(client.api_url(), DEFAULT_API_URL);
    assert_eq!(client.operational_limits(), &Default::default());
    assert_eq!(client.rpc_url(), "http://127.0.0.1:9");
    assert_eq!(
        client.address().to_string(),
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    );
}

#[test]
fn from_lookup_reads_optional_settings_and_rejects_bad_values() {
    let mut env = base_env();
    env.insert("MACHINE_ACCOUNT_FACTORY_ADDRESS".into(), String::new());
    env.insert("MACHINE_NFT_ADAPTER_ADDRESS".into(), String::new());
    env.insert("ADMIN_FLAGS_ADDRESS".into(), String::new());
    env.insert("PEAQOS_MCR_API_URL".into(), "https://mcr.example".into());
    env.insert("PEAQOS_MAX_VALUE_PER_TX".into(), "1000000".into());
    env.insert("PEAQOS_RATE_LIMIT_MAX_EVENTS".into(), "5".into());
    env.insert("PEAQOS_RATE_LIMIT_WINDOW_SECONDS".into(), "60".into());
    let c = PeaqosClient::from_lookup(|k| env.get(k).cloned()).expect("valid");
    assert_eq!(c.contracts().machine_account_factory, None);
    assert_eq!(c.contracts().machine_nft_adapter, None);
    assert_eq!(c.api_url(), "https://mcr.example");
    let limits = c.operational_limits();
    assert_eq!(limits.max_value_per_tx, U256::from(1_000_000));
    assert_eq!(limits.rate_limit_max_events, 5);
    assert_eq!(limits.rate_limit_window_seconds, 60);

    // An empty MCR URL falls back to the default (the Python SDK would use "").
    env.insert("PEAQOS_MCR_API_URL".into(), String::new());
    let c = PeaqosClient::from_lookup(|k| env.get(k).cloned()).expect("valid");
    assert_eq!(c.api_url(), DEFAULT_API_URL);

    for (name, bad) in [
        ("PEAQOS_PRIVATE_KEY", "0x1234"),
        ("PEAQOS_PRIVATE_KEY", "not a key"),
        ("MACHINE_NFT_ADDRESS", "0x12"),
        ("MACHINE_ACCOUNT_FACTORY_ADDRESS", "nope"),
        ("PEAQOS_MAX_VALUE_PER_TX", "-1"),
        ("PEAQOS_RATE_LIMIT_MAX_EVENTS", "five"),
        (
            "PEAQOS_RATE_LIMIT_WINDOW_SECONDS",
            "99999999999999999999999",
        ),
        ("PEAQOS_RPC_URL", "not a url"),
        ("PEAQOS_RPC_URL", "ws://127.0.0.1:9"),
    ] {
        let mut env = base_env();
        env.insert(name.into(), bad.into());
        let err = PeaqosClient::from_lookup(|k| env.get(k).cloned()).expect_err(bad);
        let field = validation_field(&err);
        let expected = if name == "PEAQOS_RPC_URL" {
            "rpc_url"
        } else {
            name
        };
        assert_eq!(field, expected, "{bad}");
    }
    // The key never appears in an error.
    let mut env = base_env();
    let bad_key = format!("{}zz", &DEV_KEY_1[..64]);
    env.insert("PEAQOS_PRIVATE_KEY".into(), bad_key.clone());
    let err = PeaqosClient::from_lookup(|k| env.get(k).cloned()).expect_err("bad key");
    assert!(!format!("{err:?}{err}").contains(&bad_key[2..40]));
}

#[test]
fn new_validates_the_config() {
    let signer = Signer::from_private_key(DEV_KEY_1).expect("key");
    let ok = NetworkConfig::agung("http://127.0.0.1:8545");
    assert!(PeaqosClient::new(ClientConfig::new(ok.clone(), signer.clone())).is_ok());
    assert!(PeaqosClient::read_only(ok.clone()).is_ok());

    let cases: Vec<(NetworkConfig, &str)> = vec![
        (
            NetworkConfig {
                rpc_url: String::new(),
                ..ok.clone()
            },
            "rpc_url",
        ),
        (
            NetworkConfig {
                rpc_url: "   ".into(),
                ..ok.clone()
            },
            "rpc_url",
        ),
        (
            NetworkConfig {
                rpc_url: "ftp://x".into(),
                ..ok.clone()
            },
            "rpc_url",
        ),
        (
            NetworkConfig {
                contracts: ContractAddresses {
                    machine_nft: Address::ZERO,
                    ..ok.contracts
                },
                ..ok.clone()
            },
            "machine_nft",
        ),
        (
            NetworkConfig {
                contracts: ContractAddresses {
                    identity_registry: Address::ZERO,
                    ..ok.contracts
                },
                ..ok.clone()
            },
            "identity_registry",
        ),
        (
            ok.clone().with_gas_margin_percent(5_000),
            "gas_margin_percent",
        ),
        (ok.with_receipt_timeout(Duration::ZERO), "receipt_timeout"),
    ];
    for (network, field) in cases {
        let err =
            PeaqosClient::new(ClientConfig::new(network.clone(), signer.clone())).expect_err(field);
        assert_eq!(validation_field(&err), field);
        let err = PeaqosClient::read_only(network).expect_err(field);
        assert_eq!(validation_field(&err), field);
    }
    let err = Signer::from_private_key("0x12").expect_err("short key");
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
}

#[test]
fn presets_use_the_published_addresses() {
    let signer = Signer::from_private_key(DEV_KEY_1).expect("key");
    let m = ClientConfig::new(
        NetworkConfig::peaq_mainnet("https://peaq.example"),
        signer.clone(),
    );
    assert_eq!(m.network.contracts, ContractAddresses::peaq_mainnet());
    assert_eq!(m.network.api_url, DEFAULT_API_URL);
    assert_eq!(m.network.gas_margin_percent, 20);
    assert_eq!(m.network.receipt_timeout, Duration::from_secs(120));
    let a = ClientConfig::new(NetworkConfig::agung("https://agung.example"), signer);
    assert_eq!(a.network.contracts, ContractAddresses::agung());
    let network = m.network.with_api_url("https://mcr.example");
    let c = PeaqosClient::new(ClientConfig::new(network, m.signer)).expect("client");
    assert_eq!(c.api_url(), "https://mcr.example");
}

#[test]
fn debug_output_never_contains_the_key() {
    let signer = Signer::from_private_key(DEV_KEY_1).expect("key");
    let config = ClientConfig::new(NetworkConfig::agung("http://127.0.0.1:8545"), signer);
    let client = PeaqosClient::new(config.clone()).expect("client");
    let secret = &DEV_KEY_1[2..];
    for text in [
        format!("{client:?}"),
        format!("{client:#?}"),
        format!("{config:?}"),
        format!("{:?}", client.signer()),
    ] {
        assert!(!text.contains(secret), "{text}");
        assert!(!text.contains(&secret[..16]), "{text}");
        assert!(text.contains("<redacted>"), "{text}");
    }
    assert!(format!("{client:?}").contains("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"));
}

#[test]
fn generate_keypair_gives_a_matching_redacted_key() {
    let (address, key) = PeaqosClient::generate_keypair();
    assert_eq!(key.address(), address);
    let hex = key.to_hex();
    assert_eq!(hex.len(), 66);
    assert!(hex.starts_with("0x"));
    assert_eq!(
        hex.parse::<PrivateKey>().expect("round trip").address(),
        address
    );
    assert!(!format!("{key:?}").contains(&hex[2..]));
    assert!(!format!("{key}").contains(&hex[2..]));
    let (other, _) = PeaqosClient::generate_keypair();
    assert_ne!(address, other);
}

// ---------------------------------------------------------------------------- against a devnet

#[tokio::test(flavor = "multi_thread")]
async fn from_lookup_with_the_devnet_env_file_registers() {
    let devnet = devnet().await;
    let env = env_of(&devnet, 3);
    let client = PeaqosClient::from_lookup(|k| env.get(k).cloned()).expect("client from .env");
    assert_eq!(client.address(), devnet.accounts[3].address);
    assert_eq!(client.contracts(), &contracts(&devnet));
    assert_eq!(client.chain_id().await.expect("chain id"), devnet.chain_id);
    let id = client.register_machine().await.expect("registered");
    assert!(id > U256::ZERO);
}

#[tokio::test(flavor = "multi_thread")]
async fn parallel_clients_and_parallel_calls_from_one_client_all_land() {
    let devnet = devnet().await;
    let funder = client(&devnet, 0);

    // Ten fresh machines, funded, registering and minting in parallel from their own clients.
    let mut machines = Vec::new();
    for _ in 0..10 {
        machines.push(fresh_client(&devnet, &funder, 5).await);
    }
    let mut tasks = Vec::new();
    for m in machines.clone() {
        tasks.push(tokio::spawn(async move {
            let id = m.register_machine().await?;
            m.mint_nft(id, m.address()).await?;
            let token = m.token_id_of(id).await?;
            Ok::<_, Error>((id, token))
        }));
    }
    let mut ids = Vec::new();
    let mut tokens = Vec::new();
    for t in tasks {
        let (id, token) = t.await.expect("task").expect("register + mint");
        assert!(token > U256::ZERO);
        ids.push(id);
        tokens.push(token);
    }
    ids.sort();
    ids.dedup();
    tokens.sort();
    tokens.dedup();
    assert_eq!(
        (ids.len(), tokens.len()),
        (10, 10),
        "distinct machine and token ids"
    );

    // Ten registrations in parallel from ONE client (a proxy operator): distinct nonces.
    let proxy = fresh_client(&devnet, &funder, 20).await;
    let start_nonce = nonce(&proxy).await;
    let fleet: Vec<Address> = (0..10)
        .map(|_| PeaqosClient::generate_keypair().0)
        .collect();
    let mut tasks = Vec::new();
    for machine in fleet.clone() {
        let proxy = proxy.clone();
        tasks.push(tokio::spawn(
            async move { proxy.register_for(machine).await },
        ));
    }
    let mut fleet_ids = Vec::new();
    for t in tasks {
        fleet_ids.push(t.await.expect("task").expect("registerFor"));
    }
    fleet_ids.sort();
    fleet_ids.dedup();
    assert_eq!(fleet_ids.len(), 10);
    let end_nonce = nonce(&proxy).await;
    assert_eq!(end_nonce - start_nonce, 10, "ten transactions, ten nonces");
    for machine in fleet {
        let id = proxy
            .machine_id_of(machine)
            .await
            .expect("machineIdOfOwner");
        assert!(fleet_ids.contains(&id));
    }

    // And plain value transfers from one client, twenty at once.
    let sink = PeaqosClient::generate_keypair().0;
    let proxy = Arc::new(proxy);
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let proxy = proxy.clone();
        tasks.push(tokio::spawn(async move {
            proxy.send_call(sink, Bytes::new(), U256::from(1u64)).await
        }));
    }
    let mut hashes = Vec::new();
    for t in tasks {
        let outcome = t.await.expect("task").expect("transfer");
        assert!(outcome.receipt.status());
        hashes.push(outcome.tx_hash);
    }
    hashes.sort();
    hashes.dedup();
    assert_eq!(hashes.len(), 20);
    assert_eq!(
        proxy.provider().get_balance(sink).await.expect("balance"),
        U256::from(20)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stale_cached_nonce_is_resynchronised() {
    let devnet = devnet().await;
    let a = client(&devnet, 4);
    let b = client(&devnet, 4); // same key, separate client: its own nonce cache
    let sink = PeaqosClient::generate_keypair().0;
    a.send_call(sink, Bytes::new(), U256::from(1u64))
        .await
        .expect("a1");
    b.send_call(sink, Bytes::new(), U256::from(1u64))
        .await
        .expect("b1 takes a's cached nonce");
    // a's cache is now stale: the node says "nonce too low", a resyncs and retries once.
    a.send_call(sink, Bytes::new(), U256::from(1u64))
        .await
        .expect("a2 after resync");
    a.send_call(sink, Bytes::new(), U256::from(1u64))
        .await
        .expect("a3");
    assert_eq!(
        a.provider().get_balance(sink).await.expect("balance"),
        U256::from(4)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mined_revert_is_decoded_by_replay() {
    let devnet = devnet().await;
    let c = client(&devnet, 5);
    let registry = c.contracts().identity_registry;
    c.register_machine().await.expect("first registration");
    let bond = c.min_bond().await.expect("minBond");
    let data: Bytes = IdentityRegistry::registerCall {}.abi_encode().into();

    // Pre-flight: the estimate reverts, nothing is sent.
    let err = c
        .send_call(registry, data.clone(), bond)
        .await
        .expect_err("pre-flight");
    assert!(
        err.is_revert::<IdentityRegistry::AlreadyRegistered>(),
        "{err:?}"
    );
    assert_eq!(err.tx_hash(), None);
    assert_eq!(err.to_string(), "Machine address is already registered");

    // Mined: a fixed gas limit skips the estimate; the receipt has status 0 and the replay
    // recovers the reason.
    let options = SendOptions::default().with_gas_limit(500_000);
    let err = c
        .send_call_with(registry, data, bond, options)
        .await
        .expect_err("mined revert");
    assert!(
        err.is_revert::<IdentityRegistry::AlreadyRegistered>(),
        "{err:?}"
    );
    let hash = err.tx_hash().expect("a mined revert carries its hash");
    let receipt = receipt(&c, hash).await;
    assert!(!receipt.status());

    // Out of gas: no reason to recover, TX_REVERTED with the hash and a hint.
    let data: Bytes = IdentityRegistry::registerForCall {
        machineAddress: PeaqosClient::generate_keypair().0,
    }
    .abi_encode()
    .into();
    let options = SendOptions::default().with_gas_limit(30_000);
    let err = c
        .send_call_with(registry, data, bond, options)
        .await
        .expect_err("out of gas");
    assert!(
        matches!(err.revert(), Some(Revert::Unknown(data)) if data.is_empty()),
        "{err:?}"
    );
    assert!(err.tx_hash().is_some());
    assert!(err.to_string().contains("ran out of gas"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn receipt_timeout_is_receipt_await_failed_with_the_hash() {
    // Blocks every hour and no stack: the transfer stays pending.
    let config = DevnetConfig {
        block_interval: Some(Duration::from_secs(3600)),
        deploy_stack: false,
        ..DevnetConfig::ephemeral()
    };
    let devnet = Devnet::spawn(config).await.expect("devnet");
    let signer = Signer::from(devnet.accounts[1].signer());
    let config = ClientConfig::new(
        NetworkConfig::agung(&devnet.url).with_receipt_timeout(Duration::from_millis(300)),
        signer,
    );
    let c = PeaqosClient::new(config).expect("client");
    let sink = PeaqosClient::generate_keypair().0;
    let err = c
        .send_call(sink, Bytes::new(), U256::from(1u64))
        .await
        .expect_err("no receipt");
    assert_eq!(err.rpc_code(), Some(RpcCode::ReceiptAwaitFailed), "{err}");
    assert!(err.tx_hash().is_some());
    assert!(err.to_string().contains("look it up by hash"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn transport_failures_are_rpc_errors() {
    // Nothing listens on port 9.
    let signer = Signer::from_private_key(DEV_KEY_1).expect("key");
    let c = PeaqosClient::new(ClientConfig::new(
        NetworkConfig::agung("http://127.0.0.1:9"),
        signer,
    ))
    .expect("client");
    let err = c.register_machine().await.expect_err("no node");
    assert_eq!(err.rpc_code(), Some(RpcCode::RpcError), "{err}");
    let err = c.chain_id().await.expect_err("no node");
    assert_eq!(err.rpc_code(), Some(RpcCode::RpcError), "{err}");
}
