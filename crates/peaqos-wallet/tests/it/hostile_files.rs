//! Wallet files written by someone else into the vault (issue 13, findings 7 and 11): a file's
//! path comes from its directory entry, never from its own `id`; an `id` that is not the UUID of
//! its file name is refused; scrypt parameters beyond the vault's limits are refused before any
//! key derivation.

use crate::common;

use std::{
    fs,
    os::unix::fs::OpenOptionsExt,
    path::Path,
    time::{Duration, Instant},
};

use common::{EVM_KEY, PASSPHRASE, temp_vault};
use peaqos_wallet::Vault;
use serde_json::{Value, json};

/// Writes `value` as `wallets/<file_stem>.json`, 0600 like a real wallet file.
fn plant(vault: &Path, file_stem: &str, value: &Value) {
    let path = vault.join("wallets").join(format!("{file_stem}.json"));
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .expect("plant a wallet file");
    std::io::Write::write_all(&mut f, value.to_string().as_bytes()).expect("write");
}

/// A real wallet `real` in a fresh vault, and its file as JSON.
fn vault_with_real_wallet() -> (tempfile::TempDir, std::path::PathBuf, String, Value) {
    let (dir, path) = temp_vault();
    let info = Vault::open(Some(&path))
        .import_wallet("real", EVM_KEY, Some(PASSPHRASE), "evm")
        .expect("import");
    let text = fs::read_to_string(path.join("wallets").join(format!("{}.json", info.id)))
        .expect("read the wallet file");
    let file: Value = serde_json::from_str(&text).expect("json");
    (dir, path, info.id, file)
}

#[test]
fn an_id_pointing_outside_the_vault_cannot_delete_a_file_there() {
    let (dir, path, _real_id, real) = vault_with_real_wallet();
    // `wallets/../../victim.json` is the temp folder's `victim.json`, outside the vault.
    let victim = dir.path().join("victim.json");
    fs::write(&victim, b"precious").expect("victim");
    let mut evil = real;
    evil["id"] = json!("../../victim");
    evil["name"] = json!("evil");
    let evil_stem = uuid::Uuid::new_v4().to_string();
    plant(&path, &evil_stem, &evil);

    let vault = Vault::open(Some(&path));
    let err = vault.delete_wallet("evil").expect_err("refused");
    assert_eq!(err.code(), "WALLET_ID_MISMATCH", "{err}");
    let err = vault.delete_wallet("../../victim").expect_err("refused");
    assert_eq!(err.code(), "WALLET_ID_MISMATCH", "{err}");
    assert_eq!(fs::read(&victim).expect("victim survives"), b"precious");
    assert!(
        path.join("wallets")
            .join(format!("{evil_stem}.json"))
            .exists()
    );

    // Listing skips it; every other use refuses it with the same code.
    let names: Vec<_> = vault
        .list_wallets()
        .expect("list")
        .into_iter()
        .map(|w| w.name)
        .collect();
    assert_eq!(names, ["real"]);
    for err in [
        vault.get_wallet("evil").expect_err("get"),
        vault
            .export_wallet("evil", Some(PASSPHRASE))
            .expect_err("export"),
        vault
            .evm_signer("evil", Some(PASSPHRASE))
            .expect_err("sign"),
        vault.rename_wallet("evil", "renamed").expect_err("rename"),
        peaqos_wallet::VaultSigner::new(vault, "evil", Some(PASSPHRASE)).expect_err("vault signer"),
    ] {
        assert_eq!(err.code(), "WALLET_ID_MISMATCH", "{err}");
        // The hostile id is shown escaped, never as a path the error points at.
        assert!(!err.to_string().contains("victim.json"), "{err}");
    }
    assert_eq!(fs::read(&victim).expect("victim survives"), b"precious");
}

#[test]
fn another_wallets_id_cannot_destroy_that_wallet() {
    let (_dir, path, real_id, real) = vault_with_real_wallet();
    let real_path = path.join("wallets").join(format!("{real_id}.json"));
    let before = fs::read(&real_path).expect("real file");
    let mut evil = real;
    evil["name"] = json!("evil");
    plant(&path, &uuid::Uuid::new_v4().to_string(), &evil);

    let vault = Vault::open(Some(&path));
    let err = vault.delete_wallet("evil").expect_err("refused");
    assert_eq!(err.code(), "WALLET_ID_MISMATCH", "{err}");
    let err = vault.rename_wallet("evil", "taken").expect_err("refused");
    assert_eq!(err.code(), "WALLET_ID_MISMATCH", "{err}");
    assert_eq!(fs::read(&real_path).expect("real survives"), before);
    // The id names the real wallet, whose file name it is.
    assert_eq!(vault.get_wallet(&real_id).expect("by id").name, "real");
    assert_eq!(vault.list_wallets().expect("list").len(), 1);
    // Deleting by id removes the real wallet's own file and nothing else.
    vault.delete_wallet(&real_id).expect("delete the real one");
    assert!(!real_path.exists());
    assert_eq!(
        vault.get_wallet("evil").expect_err("still refused").code(),
        "WALLET_ID_MISMATCH"
    );
}

#[test]
fn ids_must_be_uuids_matching_their_file_name() {
    let (_dir, path, real_id, real) = vault_with_real_wallet();
    let vault = Vault::open(Some(&path));
    for (stem, id) in [
        ("not-a-uuid", "not-a-uuid"),
        ("../x", "../x"),
        (&*real_id.to_uppercase(), &*real_id.to_uppercase()),
        (
            "0b6c6a4e-9a8e-4d8c-8c9b-9b1d2a3e4f50",
            "0b6c6a4e9a8e4d8c8c9b9b1d2a3e4f50",
        ),
    ] {
        if stem.contains('/') {
            continue; // not a possible file name
        }
        let mut file = real.clone();
        file["id"] = json!(id);
        file["name"] = json!(format!("odd-{stem}"));
        plant(&path, stem, &file);
        let err = vault
            .get_wallet(&format!("odd-{stem}"))
            .expect_err("refused");
        assert_eq!(err.code(), "WALLET_ID_MISMATCH", "{stem}: {err}");
    }
    assert_eq!(vault.list_wallets().expect("list").len(), 1);
}

/// A copy of the real wallet with other scrypt parameters, under a fresh UUID.
fn plant_kdf(path: &Path, real: &Value, name: &str, n: u64, r: u64, p: u64) {
    let mut file = real.clone();
    let id = uuid::Uuid::new_v4().to_string();
    file["id"] = json!(id);
    file["name"] = json!(name);
    file["crypto"]["kdfparams"]["n"] = json!(n);
    file["crypto"]["kdfparams"]["r"] = json!(r);
    file["crypto"]["kdfparams"]["p"] = json!(p);
    plant(path, &id, &file);
}

#[test]
fn costly_kdf_parameters_are_refused_before_any_key_derivation() {
    let (_dir, path, _id, real) = vault_with_real_wallet();
    let vault = Vault::open(Some(&path));
    // 16 lanes of 64 MiB: 16× the CPU of an unlock (the old limit allowed it).
    plant_kdf(&path, &real, "p16", 1 << 16, 8, 16);
    // 512 MiB, then the old maximum: 8 GiB and 16 lanes.
    plant_kdf(&path, &real, "512mib", 1 << 18, 16, 1);
    plant_kdf(&path, &real, "8gib", 1 << 20, 64, 16);
    // Absurd values must not overflow the check.
    plant_kdf(
        &path,
        &real,
        "huge",
        1 << 62,
        u64::from(u32::MAX),
        u64::from(u32::MAX),
    );
    for name in ["p16", "512mib", "8gib", "huge"] {
        let started = Instant::now();
        let err = vault
            .export_wallet(name, Some(PASSPHRASE))
            .expect_err("refused");
        assert_eq!(err.code(), "KDF_LIMIT_EXCEEDED", "{name}: {err}");
        let err = vault
            .evm_signer(name, Some(PASSPHRASE))
            .expect_err("refused");
        assert_eq!(err.code(), "KDF_LIMIT_EXCEEDED", "{name}: {err}");
        // No scrypt run: an unlock with the default parameters alone takes longer than this
        // in a debug build.
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "{name} took {:?}",
            started.elapsed()
        );
    }
    // Listing does not derive keys: every wallet is listed.
    assert_eq!(vault.list_wallets().expect("list").len(), 5);
}

#[test]
fn the_strongest_accepted_kdf_parameters_still_open() {
    // 256 MiB (n = 2^18, r = 8: the "standard" scrypt of Ethereum keystores) opens: only the
    // cost check is under test, so a wrong passphrase must be the answer, after the KDF ran.
    let (_dir, path, _id, real) = vault_with_real_wallet();
    let vault = Vault::open(Some(&path));
    plant_kdf(&path, &real, "n18", 1 << 18, 8, 1);
    let err = vault
        .export_wallet("n18", Some(PASSPHRASE))
        .expect_err("the envelope was made with other parameters");
    assert_eq!(err.code(), "INVALID_PASSPHRASE", "{err}");
}
