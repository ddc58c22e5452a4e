//! No secret in logs, `Debug`, `Display` or errors: the tracing output (every level, every
//! thread) of a full create / import / export / sign cycle, including its failures, the audit
//! log, and the `Debug`/`Display` of everything the cycle returns are searched for the keys,
//! the phrases and the passphrase. Also: one vault signer signs for peaq and for Base.

use crate::common;

use std::{
    io::Write,
    sync::{Arc, Mutex, OnceLock},
};

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxLegacy},
    network::TxSigner,
    primitives::{Address, TxKind, U256},
};
use common::{EVM_KEY, MNEMONIC, PASSPHRASE, SOL_KEY, temp_vault};
use peaqos_wallet::{Vault, VaultSigner};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A global TRACE subscriber (so blocking-pool threads are captured too) writing to memory.
fn capture() -> &'static Capture {
    static CAPTURE: OnceLock<Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let cap = Capture::default();
        let writer = cap.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .init();
        cap
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_logs_debug_display_or_errors() {
    let cap = capture();
    let (_dir, path) = temp_vault();
    let vault = Vault::open(Some(&path));
    let mut shown: Vec<String> = Vec::new();
    let mut show = |d: &dyn std::fmt::Debug| shown.push(format!("{d:?} {d:#?}"));

    let created = vault
        .create_wallet("created", Some(PASSPHRASE), 24)
        .expect("create");
    show(&created);
    let imported = vault
        .import_wallet_mnemonic("mnemonic", MNEMONIC, Some(PASSPHRASE), 0)
        .expect("import mnemonic");
    show(&imported);
    let key = vault
        .import_wallet("key", EVM_KEY, Some(PASSPHRASE), "evm")
        .expect("import key");
    show(&key);
    let sol = vault
        .import_wallet("sol", SOL_KEY, Some(PASSPHRASE), "solana")
        .expect("import solana key");
    show(&sol);
    show(&vault.list_wallets().expect("list"));

    let created_phrase = vault
        .export_wallet("created", Some(PASSPHRASE))
        .expect("export");
    show(&created_phrase);
    let created_display = created_phrase.to_string();
    let key_json = vault
        .export_wallet("key", Some(PASSPHRASE))
        .expect("export");
    show(&key_json);
    let sol_json = vault
        .export_wallet("sol", Some(PASSPHRASE))
        .expect("export");
    let sol_keys: serde_json::Value = serde_json::from_str(sol_json.expose()).expect("json");

    // Signing: vault mode through the alloy trait (on the blocking pool), raw mode.
    let signer = VaultSigner::new(vault.clone(), "mnemonic", Some(PASSPHRASE)).expect("signer");
    show(&signer);
    let mut tx = TxEip1559 {
        chain_id: 3338,
        nonce: 7,
        gas_limit: 21_000,
        max_fee_per_gas: 2_000_000_000,
        max_priority_fee_per_gas: 1,
        to: TxKind::Call(Address::repeat_byte(0x11)),
        value: U256::from(5),
        ..Default::default()
    };
    let sig = signer.sign_transaction(&mut tx).await.expect("sign peaq");
    assert_eq!(
        sig.recover_address_from_prehash(&tx.signature_hash())
            .expect("recover"),
        signer.address()
    );
    // The same signer signs for Base (chain id from the transaction).
    tx.chain_id = 8453;
    let sig_base = signer.sign_transaction(&mut tx).await.expect("sign base");
    assert_eq!(
        sig_base
            .recover_address_from_prehash(&tx.signature_hash())
            .expect("recover"),
        signer.address()
    );
    assert_ne!(sig, sig_base, "the chain id is part of what is signed");
    let mut legacy = TxLegacy {
        chain_id: Some(8453),
        gas_limit: 21_000,
        gas_price: 1,
        to: TxKind::Call(Address::ZERO),
        ..Default::default()
    };
    let sig_legacy = signer.sign_transaction(&mut legacy).await.expect("legacy");
    assert_eq!(
        sig_legacy
            .recover_address_from_prehash(&legacy.signature_hash())
            .expect("recover"),
        signer.address()
    );
    let raw = vault
        .evm_signer("key", Some(PASSPHRASE))
        .expect("raw signer");
    show(&raw);
    assert_eq!(raw.address().to_checksum(None), key.peaq_address);

    // Failures: wrong passphrase, bad phrase (a real phrase with one word changed), bad key.
    let wrong = VaultSigner::new(vault.clone(), "key", Some("wrong-passphrase")).expect("signer");
    show(&signer.sign_transaction(&mut tx).await.map(|_| ()));
    show(
        &wrong
            .sign_transaction(&mut tx)
            .await
            .expect_err("wrong passphrase"),
    );
    show(
        &vault
            .export_wallet("mnemonic", Some("wrong-passphrase"))
            .expect_err("wrong"),
    );
    let bad_phrase = MNEMONIC.replace("about", "abandon");
    show(
        &vault
            .import_wallet_mnemonic("bad", &bad_phrase, Some(PASSPHRASE), 0)
            .expect_err("checksum"),
    );
    let bad_key = format!("{}zz", &EVM_KEY[..64]);
    show(
        &vault
            .import_wallet("bad", &bad_key, Some(PASSPHRASE), "evm")
            .expect_err("hex"),
    );
    show(
        &vault
            .evm_signer("key", Some("wrong-passphrase"))
            .expect_err("raw"),
    );
    vault.delete_wallet("sol").expect("delete");

    shown.push(created_display);
    let logs = String::from_utf8(cap.0.lock().expect("lock").clone()).expect("utf8");
    assert!(
        logs.contains("wallet saved"),
        "the cycle was logged: {logs}"
    );
    let audit = std::fs::read_to_string(path.join("logs/audit.jsonl")).expect("audit");
    let secrets = [
        MNEMONIC.to_owned(),
        created_phrase.expose().to_owned(),
        EVM_KEY[2..].to_owned(),
        EVM_KEY[10..40].to_owned(),
        SOL_KEY.to_owned(),
        sol_keys["secp256k1"].as_str().expect("hex").to_owned(),
        PASSPHRASE.to_owned(),
        "wrong-passphrase".to_owned(),
        bad_phrase,
        bad_key[20..60].to_owned(),
    ];
    // A run of three words of a phrase is enough to count as a leak.
    let mut needles: Vec<String> = secrets.to_vec();
    for phrase in [MNEMONIC, created_phrase.expose()] {
        let words: Vec<&str> = phrase.split(' ').collect();
        needles.extend(words.windows(3).map(|w| w.join(" ")));
    }
    for (what, text) in [
        ("logs", &logs),
        ("audit log", &audit),
        ("debug/display", &shown.join("\n")),
    ] {
        for n in &needles {
            assert!(!text.contains(n.as_str()), "{what} contains a secret");
        }
    }
}
