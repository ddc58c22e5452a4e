//! A vault-signed transaction is accepted by the devnet: machines registered by clients built
//! with `PeaqosClient::from_wallet` in vault mode (key decrypted per signature) and raw mode
//! (key decrypted at construction); wrong passphrases fail where documented.

use alloy::{
    primitives::{Bytes, U256},
    providers::Provider,
};
use peaqos_devnet::{Devnet, DevnetConfig};
use peaqos_sdk::{
    ClientConfig, NetworkConfig, PeaqosClient, RpcCode, Signer,
    wallet::{WalletCode, WalletOptions, ows_error_code},
};
use peaqos_test_utils::wallet::{
    MNEMONIC, PASSPHRASE, ows_driver, ows_python as python, temp_vault,
};
use peaqos_wallet::Vault;

const PEAQ: u128 = 1_000_000_000_000_000_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vault_wallets_register_machines_on_the_devnet() {
    let devnet = Devnet::spawn(DevnetConfig::ephemeral())
        .await
        .expect("devnet starts");
    let contracts = devnet
        .deployment
        .as_ref()
        .expect("stack deployed")
        .contract_addresses();
    let (_dir, path) = temp_vault();
    let vault = Vault::open(Some(&path));
    let created = vault
        .create_wallet("machine-vault", Some(PASSPHRASE), 12)
        .expect("create");
    // Index 3: the signer must use the account's own path, not index 0.
    let imported = vault
        .import_wallet_mnemonic("machine-raw", MNEMONIC, Some(PASSPHRASE), 3)
        .expect("import");

    let config = || NetworkConfig::new(&devnet.url, contracts);
    let funder = PeaqosClient::new(ClientConfig::new(
        config(),
        Signer::from(devnet.accounts[0].signer()),
    ))
    .expect("funder");
    for w in [&created, &imported] {
        funder
            .send_call(
                w.peaq_address.parse().expect("address"),
                Bytes::new(),
                U256::from(10 * PEAQ),
            )
            .await
            .expect("funded");
    }
    let options = WalletOptions {
        vault_path: Some(path.clone()),
    };

    // Vault mode: nothing decrypted until the first signature.
    let vault_client =
        PeaqosClient::from_wallet_with("machine-vault", Some(PASSPHRASE), true, config(), &options)
            .expect("vault-mode client");
    assert_eq!(
        vault_client.address().to_checksum(None),
        created.peaq_address
    );
    assert!(matches!(vault_client.signer(), Some(Signer::External(_))));
    let id_vault = vault_client.register_machine().await.expect("registered");

    // Raw mode: decrypted once, a local signer.
    let raw_client =
        PeaqosClient::from_wallet_with(&imported.id, Some(PASSPHRASE), false, config(), &options)
            .expect("raw-mode client");
    assert_eq!(
        raw_client.address().to_checksum(None),
        imported.peaq_address
    );
    assert!(matches!(raw_client.signer(), Some(Signer::Local(_))));
    let id_raw = raw_client.register_machine().await.expect("registered");
    assert!(id_vault > U256::ZERO && id_raw > U256::ZERO && id_vault != id_raw);

    // Wrong passphrase, vault mode: construction succeeds, the first signature fails and
    // nothing reaches the chain.
    let wrong =
        PeaqosClient::from_wallet_with("machine-vault", Some("wrong"), true, config(), &options)
            .expect("no decryption at construction");
    let before = vault_client
        .provider()
        .get_transaction_count(vault_client.address())
        .await
        .expect("nonce");
    let err = wrong
        .send_call(funder.address(), Bytes::new(), U256::from(1))
        .await
        .expect_err("wrong passphrase");
    assert_eq!(err.rpc_code(), Some(RpcCode::SigningFailed), "{err}");
    assert_eq!(ows_error_code(&err), Some(WalletCode::InvalidPassphrase));
    let after = vault_client
        .provider()
        .get_transaction_count(vault_client.address())
        .await
        .expect("nonce");
    assert_eq!(before, after);

    // Wrong passphrase, raw mode: fails at construction.
    let err =
        PeaqosClient::from_wallet_with("machine-raw", Some("wrong"), false, config(), &options)
            .expect_err("raw mode decrypts at construction");
    assert_eq!(
        err.rpc_code(),
        Some(RpcCode::Wallet(WalletCode::InvalidPassphrase)),
        "{err}"
    );
    // Unknown wallet.
    let err = PeaqosClient::from_wallet_with("nope", Some(PASSPHRASE), true, config(), &options)
        .expect_err("no such wallet");
    assert_eq!(
        err.rpc_code(),
        Some(RpcCode::Wallet(WalletCode::WalletNotFound)),
        "{err}"
    );

    // The signatures are in the audit log, with the chain they were for.
    let audit = std::fs::read_to_string(path.join("logs/audit.jsonl")).expect("audit log");
    let chain = format!("eip155:{}", devnet.chain_id);
    assert!(
        audit.lines().any(|l| l.contains("\"sign_transaction\"")
            && l.contains(&chain)
            && l.contains(&created.id)),
        "{audit}"
    );
}

/// The official Python SDK (`PeaqosClient.from_wallet`, both modes) registers machines on the
/// devnet signing with wallets this crate created: the same vault works for both stacks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Python: the official peaqOS clients in .venv-interop (scripts/test.sh)"]
async fn official_sdk_signs_with_wallets_this_crate_made() {
    let py = python();
    let devnet = Devnet::spawn(DevnetConfig::ephemeral())
        .await
        .expect("devnet starts");
    let c = devnet
        .deployment
        .as_ref()
        .expect("stack deployed")
        .contract_addresses();
    let (_dir, path) = temp_vault();
    let vault = Vault::open(Some(&path));
    let funder = PeaqosClient::new(ClientConfig::new(
        NetworkConfig::new(&devnet.url, c),
        Signer::from(devnet.accounts[0].signer()),
    ))
    .expect("funder");
    let contracts = serde_json::json!({
        "identity_registry": c.identity_registry.to_checksum(None),
        "identity_staking": c.identity_staking.to_checksum(None),
        "event_registry": c.event_registry.to_checksum(None),
        "machine_nft": c.machine_nft.to_checksum(None),
        "did_registry": c.did_registry.to_checksum(None),
        "batch_precompile": c.batch_precompile.to_checksum(None),
    });
    for (name, ows_signing) in [("py-vault-mode", true), ("py-raw-mode", false)] {
        let w = vault
            .create_wallet(name, Some(PASSPHRASE), 12)
            .expect("create");
        funder
            .send_call(
                w.peaq_address.parse().expect("address"),
                Bytes::new(),
                U256::from(10 * PEAQ),
            )
            .await
            .expect("funded");
        let (py, path, contracts, url) = (
            py.clone(),
            path.clone(),
            contracts.clone(),
            devnet.url.clone(),
        );
        let name = name.to_owned();
        let out = tokio::task::spawn_blocking(move || {
            ows_driver(
                &py,
                "register",
                &path,
                &serde_json::json!({
                    "passphrase": PASSPHRASE,
                    "wallet": name,
                    "ows_signing": ows_signing,
                    "rpc_url": url,
                    "contracts": contracts,
                }),
            )
        })
        .await
        .expect("driver");
        assert_eq!(out["address"].as_str(), Some(w.peaq_address.as_str()));
        assert!(out["machine_id"].as_u64().expect("machine id") > 0);
    }
}
