//! `peaqos wallet …` over a temporary OWS vault, the OWS signer behind `PEAQOS_OWS_WALLET`
//! (whoami and activate signing through the vault), `init --key-source wallet`, and the exit
//! codes of wallet failures.

use crate::common;

use alloy::primitives::{Bytes, U256};
use common::{Cli, PEAQ, client, devnet, env_text, snapshot};

const PASS: &str = "correct horse battery staple";

fn cli_with_vault() -> Cli {
    let mut cli = Cli::new();
    let vault = cli.path().join("vault");
    cli.set("OWS_VAULT_PATH", &vault.display().to_string());
    cli.set("OWS_PASSPHRASE", PASS);
    cli
}

// Each vault encryption or decryption runs scrypt (N = 65536, ~0.2 s with the workspace's
// opt-level override for scrypt): the tests are split so they stay short and run in parallel.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wallet_create_import_list_show_export_delete() {
    let cli = cli_with_vault();
    let r = cli.run_async(&["wallet", "list"]).await;
    r.expect(0);
    assert!(r.stdout.contains("No wallets found"), "{}", r.stdout);

    let r = cli.run_async(&["wallet", "create", "robot-1"]).await;
    r.expect(0);
    assert!(r.stdout.starts_with("Wallet created."), "{}", r.stdout);
    assert!(r.stdout.contains("eip155:3338 (peaq)"), "{}", r.stdout);
    assert!(r.stdout.contains("peaqos wallet export robot-1"));

    // Import a key from a file: its address is the key's; the key is never printed.
    let (key_addr, key) = peaqos_sdk::PeaqosClient::generate_keypair();
    std::fs::write(cli.path().join("k.key"), key.to_hex()).expect("w");
    let r = cli
        .run_async(&[
            "wallet",
            "import",
            "imported",
            "--private-key-file",
            "k.key",
            "--json",
        ])
        .await;
    r.expect(0);
    let imported: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(
        imported["peaq_address"].as_str().map(str::to_lowercase),
        Some(key_addr.to_string().to_lowercase())
    );
    assert!(!r.stdout.contains(&key.to_hex()[2..]));
    // Exactly one of --mnemonic / --private-key-file.
    cli.run_async(&["wallet", "import", "x"]).await.expect(1);
    cli.run_async(&[
        "wallet",
        "import",
        "x",
        "--mnemonic",
        "--private-key-file",
        "k.key",
    ])
    .await
    .expect(1);

    let r = cli.run_async(&["wallet", "list"]).await;
    r.expect(0);
    assert!(r.stdout.contains("Wallets: 2"), "{}", r.stdout);
    assert!(r.stdout.contains("robot-1") && r.stdout.contains("imported"));
    let r = cli.run_async(&["wallet", "list", "--json"]).await;
    let list: Vec<serde_json::Value> = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(list.len(), 2);
    assert!(list.iter().all(|w| {
        w["accounts"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x["chain_id"] == "eip155:3338"))
    }));
    let r = cli.run_async(&["wallet", "show", "robot-1"]).await;
    r.expect(0);
    assert!(r.stdout.starts_with("Wallet: robot-1"), "{}", r.stdout);
    // Snapshots: every address, id and date of the wallet replaced by a placeholder.
    let shown = cli
        .run_async(&["wallet", "show", "robot-1", "--json"])
        .await;
    shown.expect(0);
    let info: serde_json::Value = serde_json::from_str(&shown.stdout).expect("json");
    let scrub = |text: &str| {
        let mut t = text.to_owned();
        for a in info["accounts"].as_array().expect("accounts") {
            let addr = a["address"].as_str().expect("address");
            t = t.replace(
                addr,
                &format!("<{}>", a["network"].as_str().unwrap_or("addr")),
            );
        }
        for key in ["id", "created_at"] {
            let v = info[key].as_str().expect("field");
            let short = format!("{}...{}", &v[..6], &v[v.len() - 4..]);
            t = t
                .replace(v, &format!("<{key}>"))
                .replace(&v[..10], &format!("<{key}>"));
            t = t.replace(&short, &format!("<{key}>"));
        }
        // Column widths follow the real address lengths (base58 varies): normalise them.
        let t: Vec<String> = common::redact(&t, cli.path())
            .lines()
            .map(|l| {
                let indent = l.len() - l.trim_start().len();
                let body = l
                    .trim_start()
                    .split("  ")
                    .filter(|c| !c.trim().is_empty())
                    .map(str::trim)
                    .collect::<Vec<_>>()
                    .join("  ");
                let body = if body.starts_with('─') {
                    "────".to_owned()
                } else {
                    body
                };
                format!("{}{body}", " ".repeat(indent))
            })
            .collect();
        t.join("\n")
    };
    snapshot("wallet_show_human", &scrub(&r.stdout));
    snapshot(
        "wallet_show_json",
        &common::redact(
            &{
                let mut v = info.clone();
                for a in v["accounts"].as_array_mut().expect("accounts") {
                    let net = a["network"].as_str().unwrap_or("addr").to_owned();
                    a["address"] = format!("<{net}>").into();
                    a["account_id"] = "<account_id>".into();
                }
                v["id"] = "<id>".into();
                v["created_at"] = "<created_at>".into();
                v["peaq_address"] = "<ethereum>".into();
                serde_json::to_string_pretty(&v).expect("json")
            },
            cli.path(),
        ),
    );
    cli.run_async(&["wallet", "show", "nobody"]).await.expect(1);

    // Export: declined (exit 1, nothing decrypted), then confirmed with --yes.
    cli.run_input_async(&["wallet", "export", "robot-1"], "n\n")
        .await
        .expect(1);
    let r = cli
        .run_async(&["wallet", "export", "robot-1", "--yes"])
        .await;
    r.expect(0);
    assert_eq!(r.stdout.split_whitespace().count(), 12, "{}", r.stdout);
    assert!(r.stderr.contains("WARNING"));

    // Delete: declined, then confirmed.
    cli.run_input_async(&["wallet", "delete", "imported"], "no\n")
        .await
        .expect(1);
    let r = cli
        .run_async(&["wallet", "delete", "imported", "--yes"])
        .await;
    r.expect(0);
    assert!(r.stdout.contains("Wallet 'imported' deleted."));
    let r = cli.run_async(&["wallet", "list", "--json"]).await;
    let list: Vec<serde_json::Value> = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(list.len(), 1);
    let r = cli.run_async(&["wallet", "list"]).await;
    r.expect(0);
    snapshot("wallet_list_human", &scrub(&r.stdout));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_sign_through_the_active_wallet() {
    let devnet = devnet().await;
    let cli = cli_with_vault();
    let r = cli
        .run_async(&["wallet", "create", "robot-1", "--json"])
        .await;
    r.expect(0);
    let info: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let address = info["peaq_address"].as_str().expect("address").to_owned();
    // `use` writes PEAQOS_OWS_WALLET into a .env that holds no key.
    cli.write_env(
        &env_text(&devnet, "", "http://127.0.0.1:9").replace("PEAQOS_PRIVATE_KEY=\n", ""),
    );
    let r = cli.run_async(&["wallet", "use", "robot-1"]).await;
    r.expect(0);
    assert!(
        r.stdout.contains("Active wallet set to 'robot-1'"),
        "{}",
        r.stdout
    );
    assert!(cli.read(".env").contains("PEAQOS_OWS_WALLET=robot-1"));

    let wallet_addr: alloy::primitives::Address = address.parse().expect("addr");
    client(&devnet, 4)
        .send_call(wallet_addr, Bytes::new(), U256::from(3 * PEAQ))
        .await
        .expect("fund");
    let r = cli
        .run_async(&[
            "activate",
            "--doc-url",
            "https://w.example",
            "--data-api",
            "https://w.example/api",
            "--skip-funding",
        ])
        .await;
    r.expect(0);
    assert!(
        !client(&devnet, 0)
            .machine_id_of(wallet_addr)
            .await
            .expect("id")
            .is_zero()
    );

    // A missing wallet: a configuration error (3), before anything is decrypted or sent.
    let mut none = Cli {
        dir: tempfile::tempdir().expect("tmp"),
        env: cli.env.clone(),
    };
    none.set("PEAQOS_OWS_WALLET", "ghost");
    std::fs::copy(cli.path().join(".env"), none.path().join(".env")).expect("copy");
    let r = none.run_async(&["whoami"]).await;
    r.expect(3);
    assert!(r.stderr.contains("Wallet not found"), "{}", r.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_vault_passphrase_is_a_configuration_error() {
    let devnet = devnet().await;
    let mut cli = cli_with_vault();
    cli.run_async(&["wallet", "create", "robot-1"])
        .await
        .expect(0);
    cli.write_env(&format!(
        "{}PEAQOS_OWS_WALLET=robot-1\n",
        env_text(&devnet, "", "http://127.0.0.1:9").replace("PEAQOS_PRIVATE_KEY=\n", "")
    ));
    cli.env.retain(|(k, _)| k != "OWS_PASSPHRASE");
    cli.set("OWS_PASSPHRASE", "not it");
    let r = cli.run_async(&["whoami"]).await;
    r.expect(3);
    assert!(
        r.stderr.contains("invalid vault passphrase"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("not it"));
    // No passphrase at all and no terminal: exit 3, never a hang.
    cli.env.retain(|(k, _)| k != "OWS_PASSPHRASE");
    let r = cli.run_async(&["whoami"]).await;
    r.expect(3);
    assert!(
        r.stderr.contains("No vault passphrase available"),
        "{}",
        r.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_with_a_wallet_key_source() {
    let devnet = devnet().await;
    let cli = cli_with_vault();
    let r = cli
        .run_async(&[
            "init",
            "--non-interactive",
            "--network",
            "local",
            "--key-source",
            "wallet",
            "--wallet",
            "fleet-op",
            "--rpc-url",
            &devnet.url,
        ])
        .await;
    r.expect(0);
    let env = cli.read(".env");
    assert!(env.contains("PEAQOS_OWS_WALLET=fleet-op"), "{env}");
    assert!(!env.contains("PEAQOS_PRIVATE_KEY"), "{env}");
    // init's whoami verification signed in through the new wallet.
    assert!(
        r.stdout.contains("not registered"),
        "{}\n{}",
        r.stdout,
        r.stderr
    );
}

/// Plants `file` as `<vault>/wallets/<stem>.json` (0600, like a real wallet file).
fn plant_wallet_file(cli: &Cli, stem: &str, file: &serde_json::Value) {
    use std::os::unix::fs::OpenOptionsExt;
    let path = cli
        .path()
        .join("vault/wallets")
        .join(format!("{stem}.json"));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .expect("plant");
    std::io::Write::write_all(&mut f, file.to_string().as_bytes()).expect("write");
}

/// Issue 13 finding 7: a wallet file's own `id` never chooses the path that `delete` wipes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_wallet_ids_cannot_reach_other_files() {
    let cli = cli_with_vault();
    let r = cli.run_async(&["wallet", "create", "real", "--json"]).await;
    r.expect(0);
    let info: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let real_id = info["id"].as_str().expect("id").to_owned();
    let real_path = cli
        .path()
        .join("vault/wallets")
        .join(format!("{real_id}.json"));
    let real_bytes = std::fs::read(&real_path).expect("real file");
    let real: serde_json::Value = serde_json::from_slice(&real_bytes).expect("json");

    // `vault/wallets/../../victim.json` is outside the vault.
    let victim = cli.path().join("victim.json");
    std::fs::write(&victim, "precious").expect("victim");
    let mut traversal = real.clone();
    traversal["id"] = serde_json::json!("../../victim");
    traversal["name"] = serde_json::json!("evil");
    plant_wallet_file(&cli, "6f1c1d0e-3b9a-4c47-9a51-0e8f4b1f6a01", &traversal);
    // Another wallet's id.
    let mut borrowed = real;
    borrowed["name"] = serde_json::json!("evil2");
    plant_wallet_file(&cli, "6f1c1d0e-3b9a-4c47-9a51-0e8f4b1f6a02", &borrowed);

    for name in ["evil", "evil2", "../../victim"] {
        let r = cli.run_async(&["wallet", "delete", name, "--yes"]).await;
        r.expect(3);
        assert!(r.stderr.contains("WALLET_ID_MISMATCH"), "{}", r.stderr);
        let r = cli.run_async(&["wallet", "use", name]).await;
        r.expect(3);
        assert!(r.stderr.contains("WALLET_ID_MISMATCH"), "{}", r.stderr);
    }
    assert_eq!(
        std::fs::read_to_string(&victim).expect("victim"),
        "precious"
    );
    assert_eq!(
        std::fs::read(&real_path).expect("real survives"),
        real_bytes
    );
    assert!(!cli.path().join(".env").exists(), "use wrote nothing");

    // The list shows the real wallet only and warns about the two others.
    let r = cli.run_async(&["wallet", "list", "--json"]).await;
    r.expect(0);
    let list: Vec<serde_json::Value> = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["id"], real_id.as_str());
    assert_eq!(
        r.stderr.matches("WALLET_ID_MISMATCH").count(),
        2,
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("6f1c1d0e-3b9a-4c47-9a51-0e8f4b1f6a01.json")
    );
}

/// Issue 13 finding 17: `wallet use` quotes the name so that our `.env` reader and
/// python-dotenv (the official clients') read it back whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn use_writes_names_that_read_back_whole() {
    let cli = cli_with_vault();
    let tricky = "team #1 say \"hi\", it's $5 a=b back\\slash";
    std::fs::write(cli.path().join("k.key"), peaqos_test_utils::wallet::EVM_KEY).expect("key");
    let r = cli
        .run_async(&[
            "wallet",
            "import",
            "team #1",
            "--private-key-file",
            "k.key",
            "--json",
        ])
        .await;
    r.expect(0);
    let real: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let real_id = real["id"].as_str().expect("id");
    let real_file: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            cli.path()
                .join("vault/wallets")
                .join(format!("{real_id}.json")),
        )
        .expect("wallet file"),
    )
    .expect("json");
    // Names our vault refuses to create but another OWS tool may have written: planted.
    for (i, name) in [tricky, "two\nlines", "a${HOME}"].into_iter().enumerate() {
        let mut file = real_file.clone();
        let id = format!("6f1c1d0e-3b9a-4c47-9a51-0e8f4b1f6b0{i}");
        file["id"] = serde_json::json!(id);
        file["name"] = serde_json::json!(name);
        plant_wallet_file(&cli, &id, &file);
    }
    cli.write_env("# mine\nPEAQOS_RPC_URL=http://127.0.0.1:9 # local\n");
    for name in ["team #1", tricky, "two\nlines"] {
        cli.run_async(&["wallet", "use", name]).await.expect(0);
        let env = peaqos_service::EnvFile::read(&cli.path().join(".env")).expect(".env");
        assert_eq!(
            env.get("PEAQOS_OWS_WALLET").as_deref(),
            Some(name),
            "{}",
            env.render()
        );
        assert_eq!(
            env.get("PEAQOS_RPC_URL").as_deref(),
            Some("http://127.0.0.1:9")
        );
        assert!(cli.read(".env").starts_with("# mine\n"));
    }
    assert!(
        cli.read(".env")
            .contains("PEAQOS_OWS_WALLET=\"two\\nlines\"\n")
    );
    // `${…}` would be expanded by python-dotenv: refused, the .env unchanged.
    let before = cli.read(".env");
    let r = cli.run_async(&["wallet", "use", "a${HOME}"]).await;
    r.expect(1);
    assert!(r.stderr.contains("Cannot write .env"), "{}", r.stderr);
    assert_eq!(cli.read(".env"), before);
}
