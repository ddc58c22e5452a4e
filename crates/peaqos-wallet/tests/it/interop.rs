//! Two-way interop with the official OWS implementation (PyPI `open-wallet-standard`, module
//! `ows`): wallets it creates and imports are listed, read and exported by this crate with the
//! same accounts and secrets, and wallets this crate writes are read, exported and used for
//! signing by it. Derivation of all twelve chain families is checked against it.

use crate::common;

use std::collections::BTreeMap;

use common::{EVM_KEY, MNEMONIC, PASSPHRASE, SOL_KEY, ows_driver, python, temp_vault};
use peaqos_wallet::{Family, KeyType, Vault, VaultSigner, WalletInfo, derive_address};
use serde_json::{Value, json};

/// The accounts as the file lists them (the entries our `WalletInfo` adds are the synthesized
/// EVM chains, after them).
fn file_accounts(info: &WalletInfo, n: usize) -> Vec<(String, String, String)> {
    info.accounts[..n]
        .iter()
        .map(|a| {
            (
                a.chain_id.clone(),
                a.address.clone(),
                a.derivation_path.clone(),
            )
        })
        .collect()
}

fn py_accounts(w: &Value) -> Vec<(String, String, String)> {
    w["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .map(|a| {
            (
                a["chain_id"].as_str().expect("chain_id").to_owned(),
                a["address"].as_str().expect("address").to_owned(),
                a["derivation_path"].as_str().expect("path").to_owned(),
            )
        })
        .collect()
}

#[test]
#[ignore = "needs Python: the official peaqOS clients in .venv-interop (scripts/test.sh)"]
fn python_writes_rust_reads() {
    let py = python();
    let (_dir, path) = temp_vault();
    let input = json!({"passphrase": PASSPHRASE, "mnemonic": MNEMONIC, "evm_key": EVM_KEY, "sol_key": SOL_KEY});
    let out = ows_driver(&py, "setup", &path, &input);
    let vault = Vault::open(Some(&path));

    let ours = vault.list_wallets().expect("list");
    let theirs = out["wallets"].as_array().expect("wallets");
    assert_eq!(ours.len(), 5);
    assert_eq!(ours.len(), theirs.len());
    for w in theirs {
        let id = w["id"].as_str().expect("id");
        let info = ours.iter().find(|i| i.id == id).expect("same ids");
        assert_eq!(info.name, w["name"].as_str().expect("name"));
        assert_eq!(
            info.created_at,
            w["created_at"].as_str().expect("created_at")
        );
        let py = py_accounts(w);
        assert_eq!(py.len(), 12, "OWS lists 12 families");
        assert_eq!(file_accounts(info, 12), py, "{}", info.name);
        // peaq and the other supported EVM chains are synthesized from the EVM account.
        assert_eq!(info.accounts.len(), 12 + 5);
        assert_eq!(info.peaq_address, py[0].1);
        assert!(info.accounts.iter().any(|a| a.chain_id == "eip155:3338"
            && a.network == "peaq"
            && a.account_id == format!("eip155:3338:{}", py[0].1)));
        // Same secret out of our export.
        let export = vault.export_wallet(id, Some(PASSPHRASE)).expect("export");
        assert_eq!(
            export.expose(),
            out["exports"][id].as_str().expect("export")
        );
        // By name as well.
        assert_eq!(vault.get_wallet(&info.name).expect("by name").id, id);
    }

    // Derivation of every family matches the reference, at index 0 and 1.
    let mnemonic = ours
        .iter()
        .find(|w| w.name == "py-mnemonic")
        .expect("py-mnemonic");
    let mnemonic_1 = ours
        .iter()
        .find(|w| w.name == "py-mnemonic-1")
        .expect("py-mnemonic-1");
    assert_eq!(mnemonic.key_type, KeyType::Mnemonic);
    for (i, f) in Family::ALL.into_iter().enumerate() {
        assert_eq!(
            derive_address(MNEMONIC, f, 0).expect("derive"),
            mnemonic.accounts[i].address,
            "{f:?}"
        );
        assert_eq!(
            derive_address(MNEMONIC, f, 1).expect("derive"),
            mnemonic_1.accounts[i].address,
            "{f:?}"
        );
    }
    // A 24-word wallet made by the reference: our derivation of its exported phrase agrees.
    let created = ours
        .iter()
        .find(|w| w.name == "py-created")
        .expect("py-created");
    let phrase = vault
        .export_wallet("py-created", Some(PASSPHRASE))
        .expect("export");
    assert_eq!(phrase.expose().split(' ').count(), 24);
    for (i, f) in Family::ALL.into_iter().enumerate() {
        assert_eq!(
            derive_address(phrase.expose(), f, 0).expect("derive"),
            created.accounts[i].address
        );
    }

    // Private-key wallets: the imported key for its curve, accounts for every family.
    let key = ours.iter().find(|w| w.name == "py-key").expect("py-key");
    assert_eq!(key.key_type, KeyType::PrivateKey);
    assert_eq!(
        key.peaq_address,
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    );
    let sol = ours.iter().find(|w| w.name == "py-sol").expect("py-sol");
    let sol_export: Value = serde_json::from_str(
        vault
            .export_wallet("py-sol", Some(PASSPHRASE))
            .expect("export")
            .expose(),
    )
    .expect("key JSON");
    assert_eq!(sol_export["ed25519"], SOL_KEY);
    for (i, f) in Family::ALL.into_iter().enumerate() {
        let k = match f.curve() {
            peaqos_wallet::Curve::Secp256k1 => sol_export["secp256k1"].as_str().expect("hex"),
            peaqos_wallet::Curve::Ed25519 => sol_export["ed25519"].as_str().expect("hex"),
        };
        let k = hex::decode(k).expect("hex");
        assert_eq!(
            f.address(&k).expect("address"),
            sol.accounts[i].address,
            "{f:?}"
        );
    }

    // A rewrite (rename there and back) gives the reference's file back byte for byte.
    let file = path.join("wallets").join(format!("{}.json", key.id));
    let before = std::fs::read(&file).expect("read");
    vault.rename_wallet("py-key", "renamed").expect("rename");
    assert_ne!(std::fs::read(&file).expect("read"), before);
    vault
        .rename_wallet("renamed", "py-key")
        .expect("rename back");
    assert_eq!(
        String::from_utf8(std::fs::read(&file).expect("read")).expect("utf8"),
        String::from_utf8(before).expect("utf8")
    );
}

#[test]
#[ignore = "needs Python: the official peaqOS clients in .venv-interop (scripts/test.sh)"]
fn rust_writes_python_reads() {
    let py = python();
    let (_dir, path) = temp_vault();
    let vault = Vault::open(Some(&path));
    let created = vault
        .create_wallet("rs-created", Some(PASSPHRASE), 12)
        .expect("create");
    let imported = vault
        .import_wallet_mnemonic("rs-mnemonic", MNEMONIC, Some(PASSPHRASE), 1)
        .expect("import mnemonic");
    let key = vault
        .import_wallet("rs-key", EVM_KEY, Some(PASSPHRASE), "evm")
        .expect("import key");
    let ton = vault
        .import_wallet("rs-ton", SOL_KEY, Some(PASSPHRASE), "ton")
        .expect("import ed25519 key");

    let out = ows_driver(&py, "read", &path, &json!({"passphrase": PASSPHRASE}));
    let theirs: BTreeMap<&str, &Value> = out["wallets"]
        .as_array()
        .expect("wallets")
        .iter()
        .map(|w| (w["id"].as_str().expect("id"), w))
        .collect();
    assert_eq!(theirs.len(), 4);
    for info in [&created, &imported, &key, &ton] {
        let w = theirs[info.id.as_str()];
        assert_eq!(w["name"].as_str(), Some(info.name.as_str()));
        assert_eq!(w["created_at"].as_str(), Some(info.created_at.as_str()));
        assert_eq!(py_accounts(w), file_accounts(info, 12), "{}", info.name);
        let ours = vault
            .export_wallet(&info.id, Some(PASSPHRASE))
            .expect("export");
        assert_eq!(out["exports"][&info.id].as_str(), Some(ours.expose()));
    }
    assert_eq!(out["exports"][&imported.id].as_str(), Some(MNEMONIC));
    let key_json: Value =
        serde_json::from_str(out["exports"][&key.id].as_str().expect("export")).expect("JSON");
    assert_eq!(key_json["secp256k1"], EVM_KEY.trim_start_matches("0x"));
    let ton_json: Value =
        serde_json::from_str(out["exports"][&ton.id].as_str().expect("export")).expect("JSON");
    assert_eq!(ton_json["ed25519"], SOL_KEY);
    // The reference's derivation of our fresh phrase gives our accounts.
    for (i, f) in Family::ALL.into_iter().enumerate() {
        assert_eq!(
            out["derived"][&created.id][f.name()].as_str(),
            Some(created.accounts[i].address.as_str()),
            "{f:?}"
        );
    }

    // The reference signs with our wallet's key: the same (deterministic) signature as ours.
    let hash = alloy::primitives::keccak256(b"interop");
    let theirs = ows_driver(
        &py,
        "sign",
        &path,
        &json!({"passphrase": PASSPHRASE, "wallet": "rs-created", "hash": hex::encode(hash)}),
    );
    let signer = VaultSigner::new(vault, "rs-created", Some(PASSPHRASE)).expect("signer");
    let ours = signer.sign_hash_blocking(&hash, Some(8453)).expect("sign");
    let rs = ours.as_bytes();
    assert_eq!(
        theirs["signature"].as_str().map(|s| s[..128].to_owned()),
        Some(hex::encode(&rs[..64]))
    );
    assert_eq!(theirs["recovery_id"].as_u64(), Some(u64::from(ours.v())));
}
