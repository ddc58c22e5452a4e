//! Interop: the official `peaq-os-cli==0.0.2` (with `peaq-os-sdk==0.1.0`) against our local
//! stack (devnet + MCR service + Gas Station): whoami, activate (self and proxy, with
//! --doc-url/--data-api), qualify event, qualify mcr, show machine, show operator machines —
//! and our CLI reading what the official one wrote, and the other way round.
//!
//! Needs `PEAQOS_INTEROP_PEAQOS_CLI` (skipped when unset, failing under CI).

use crate::common;

use std::{process::Command, time::Duration};

use alloy::primitives::{Bytes, U256};
use common::{Cli, PEAQ, chain_now};
use peaqos_sdk::{ClientConfig, NetworkConfig, PeaqosClient};
use peaqos_stack::{LocalStack, StackConfig};

struct Official {
    bin: std::path::PathBuf,
    dir: std::path::PathBuf,
    env: Vec<(String, String)>,
}

impl Official {
    async fn run(&self, args: &[&str]) -> common::Run {
        let mut cmd = Command::new(&self.bin);
        cmd.args(args)
            .current_dir(&self.dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &self.dir)
            .env("DO_NOT_TRACK", "1")
            .env("PEAQOS_TELEMETRY", "0")
            .env("NO_COLOR", "1");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let out = tokio::task::spawn_blocking(move || cmd.output().expect("run the official CLI"))
            .await
            .expect("join");
        common::Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// `KEY=VALUE` lines of a `.env` (the official CLI does not read a cwd `.env`: a known bug).
fn vars(env_file: &str) -> Vec<(String, String)> {
    env_file
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Python: the official peaqOS clients in .venv-interop (scripts/test.sh)"]
async fn official_cli_against_our_stack() {
    let bin = peaqos_test_utils::interop::official_cli();
    let stack = LocalStack::start(StackConfig::ephemeral(), |_| {})
        .await
        .expect("stack");
    let funder = PeaqosClient::new(ClientConfig::new(
        NetworkConfig::new(&stack.devnet.url, stack.contracts()),
        peaqos_sdk::Signer::from(stack.devnet.accounts[3].signer()),
    ))
    .expect("client");
    let (operator, operator_key) = PeaqosClient::generate_keypair();
    let (machine, machine_key) = PeaqosClient::generate_keypair();
    funder
        .send_call(operator, Bytes::new(), U256::from(10 * PEAQ))
        .await
        .expect("fund");
    funder
        .send_call(machine, Bytes::new(), U256::from(PEAQ))
        .await
        .expect("fund");

    let dir = tempfile::tempdir().expect("tmp");
    let mut env = vars(&stack.env_file());
    env.retain(|(k, _)| k != "PEAQOS_PRIVATE_KEY");
    env.push(("PEAQOS_PRIVATE_KEY".into(), operator_key.to_hex()));
    let official = Official {
        bin,
        dir: dir.path().to_path_buf(),
        env: env.clone(),
    };
    std::fs::write(dir.path().join("machine.key"), machine_key.to_hex()).expect("key");

    let r = official.run(&["whoami"]).await;
    r.expect(0);
    assert!(r.stdout.contains("Chain ID:  33380"), "{}", r.stdout);

    // Self-managed activation with another key.
    let (solo, solo_key) = PeaqosClient::generate_keypair();
    funder
        .send_call(solo, Bytes::new(), U256::from(5 * PEAQ))
        .await
        .expect("fund");
    let solo_env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| match k.as_str() {
            "PEAQOS_PRIVATE_KEY" => (k.clone(), solo_key.to_hex()),
            _ => (k.clone(), v.clone()),
        })
        .collect();
    let solo_cli = Official {
        bin: official.bin.clone(),
        dir: official.dir.clone(),
        env: solo_env,
    };
    let r = solo_cli
        .run(&[
            "activate",
            "--doc-url",
            "https://solo.example/docs",
            "--data-api",
            "https://solo.example/api",
        ])
        .await;
    r.expect(0);
    assert!(
        r.stdout.contains("Machine activated successfully."),
        "{}\n{}",
        r.stdout,
        r.stderr
    );
    // The proxy registers itself with the SDK, as the proxy guide does (the official CLI's
    // proxy step writes the operator's machineId and cannot when a self-activation wrote it:
    // AttributeAlreadyExist; ours handles both).
    let operator_client = PeaqosClient::new(ClientConfig::new(
        NetworkConfig::new(&stack.devnet.url, stack.contracts()),
        operator_key.signer(),
    ))
    .expect("c");
    operator_client
        .register_machine()
        .await
        .expect("proxy registered");
    let m = machine.to_string();
    let r = official
        .run(&[
            "activate",
            "--for",
            &m,
            "--machine-key",
            "machine.key",
            "--doc-url",
            "https://m.example/docs",
            "--data-api",
            "https://m.example/api",
            "--visibility",
            "onchain",
        ])
        .await;
    r.expect(0);
    let machine_id = funder.machine_id_of(machine).await.expect("id");
    assert!(!machine_id.is_zero());

    let ts = (chain_now(&stack.devnet).await - 60).to_string();
    let id = machine_id.to_string();
    let r = official
        .run(&[
            "qualify",
            "event",
            "--machine-id",
            &id,
            "--type",
            "revenue",
            "--value",
            "1234",
            "--ts",
            &ts,
            "--currency",
            "USD",
        ])
        .await;
    r.expect(0);
    assert!(r.stdout.contains("Event submitted."), "{}", r.stdout);
    stack
        .wait_indexed(Duration::from_secs(30))
        .await
        .expect("indexed");

    let machine_did = format!("did:peaq:{machine}");
    let operator_did = format!("did:peaq:{operator}");
    let r = official.run(&["qualify", "mcr", &machine_did]).await;
    r.expect(0);
    assert!(r.stdout.contains("Total:"), "{}", r.stdout);
    let r = official
        .run(&["qualify", "mcr", &machine_did, "--json"])
        .await;
    r.expect(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["event_count"], 1);
    let r = official.run(&["show", "machine", &machine_did]).await;
    r.expect(0);
    assert!(
        r.stdout.contains(&format!("Machine ID:  {id}")),
        "{}",
        r.stdout
    );
    let r = official
        .run(&["show", "operator", "machines", &operator_did])
        .await;
    r.expect(0);
    assert!(r.stdout.contains("Machines: 1"), "{}", r.stdout);

    // Our CLI sees what the official one wrote ...
    let mut ours = Cli::new();
    for (k, v) in &env {
        ours.set(k, v);
    }
    let r = ours
        .run_async(&["show", "operator", "machines", &operator_did, "--json"])
        .await;
    r.expect(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["machines"][0]["machine_id"], machine_id.to::<u64>());
    // ... and appends a second fleet machine to the operator's list, which the official CLI
    // then lists too.
    let (second, second_key) = PeaqosClient::generate_keypair();
    funder
        .send_call(second, Bytes::new(), U256::from(PEAQ))
        .await
        .expect("fund");
    std::fs::write(ours.path().join("second.key"), second_key.to_hex()).expect("key");
    let s = second.to_string();
    ours.run_async(&[
        "activate",
        "--for",
        &s,
        "--machine-key",
        "second.key",
        "--doc-url",
        "https://s",
        "--data-api",
        "https://s/api",
        "--skip-funding",
    ])
    .await
    .expect(0);
    stack
        .wait_indexed(Duration::from_secs(30))
        .await
        .expect("indexed");
    let r = official
        .run(&["show", "operator", "machines", &operator_did])
        .await;
    r.expect(0);
    assert!(r.stdout.contains("Machines: 2"), "{}", r.stdout);
    let r = official
        .run(&["show", "machine", &format!("did:peaq:{second}")])
        .await;
    r.expect(0);
    stack.shutdown().await.expect("shutdown");
}
