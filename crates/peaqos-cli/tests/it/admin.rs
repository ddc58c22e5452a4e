//! `peaqos admin` against a local stack with the `.env` it wrote: the dev account (the
//! AdminFlags owner there) flags a rated machine, the MCR's rating drops by the model's flag
//! penalty on its next index pass and `/explain` says why; unflag brings it back; a trust
//! override and its removal; another key fails with the contract's error (exit 2).

use crate::common;

use std::time::Duration;

use common::Cli;
use peaqos_mcr_model::params::FLAG_TRUST_MULTIPLIER;
use peaqos_sdk::{ClientConfig, NetworkConfig, PeaqosClient};
use peaqos_stack::{LocalStack, StackConfig};
use peaqos_test_utils::devnet::{FUNDER_ACCOUNT, funded_key, rated_machine};
use peaqos_types::Did;
use serde_json::Value;

async fn explain(stack: &LocalStack, did: &str) -> Value {
    stack
        .wait_indexed(Duration::from_secs(60))
        .await
        .expect("indexed");
    reqwest::get(format!("{}/mcr/{did}/explain", stack.mcr.url()))
        .await
        .expect("explain")
        .json()
        .await
        .expect("JSON")
}

/// The `--json` object as a snapshot: the machine id and the flag's block time vary by run,
/// addresses and hashes are redacted as everywhere.
#[track_caller]
fn snapshot_json(name: &str, out: &Value, cli: &Cli) {
    let mut v = out.clone();
    for pointer in ["/machine_id", "/state/flagged_at"] {
        if let Some(x) = v.pointer_mut(pointer).filter(|x| !x.is_null()) {
            *x = Value::String(format!("<{}>", &pointer[1..]));
        }
    }
    let text = serde_json::to_string_pretty(&v).expect("json");
    common::snapshot(name, &common::redact(&text, cli.path()));
}

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_flag_unflag_and_override_through_the_cli() {
    let stack = LocalStack::start(StackConfig::ephemeral(), |_| {})
        .await
        .expect("stack");
    let mut cli = Cli::new();
    cli.write_env(&stack.env_file());
    let funder = PeaqosClient::new(ClientConfig::new(
        NetworkConfig::new(&stack.devnet.url, stack.contracts()),
        peaqos_sdk::Signer::from(stack.devnet.accounts[FUNDER_ACCOUNT].signer()),
    ))
    .expect("funder");
    let (machine, id) = rated_machine(&funder, 60).await;
    let did = Did::new(machine.address()).to_string();
    let before = explain(&stack, &did).await;
    let trust = before["explain"]["trust"]["points"]
        .as_f64()
        .expect("trust");
    let raw = before["explain"]["raw_score"].as_f64().expect("raw");

    let r = cli.run_async(&["admin", "flag", &did, "--json"]).await;
    r.expect(0);
    let out = json(&r.stdout);
    snapshot_json("json_admin_flag", &out, &cli);
    assert_eq!(out["action"], "flag");
    assert_eq!(out["machine_id"], id.to_string());
    assert_eq!(out["state"]["flagged"], true, "{out}");
    assert_eq!(out["admin_flags_owner"], stack.admin().to_string());
    assert!(out["tx_hash"].as_str().is_some_and(|h| h.len() == 66));

    let flagged = explain(&stack, &did).await;
    assert_eq!(
        flagged["explain"]["trust"]["flag_active"], true,
        "{flagged}"
    );
    let expected = raw - trust * (1.0 - FLAG_TRUST_MULTIPLIER);
    let got = flagged["explain"]["raw_score"].as_f64().expect("raw");
    assert!((got - expected).abs() < 0.05, "{got} vs {expected}");
    // `qualify mcr` shows the same lowered rating.
    let r = cli.run_async(&["qualify", "mcr", &did, "--json"]).await;
    r.expect(0);
    let mcr = json(&r.stdout);
    assert_eq!(mcr["mcr_score"], flagged["mcr_score"]);
    assert!(mcr["mcr_score"].as_u64() < before["mcr_score"].as_u64());
    assert_eq!(mcr["negative_flag"], true);

    // By machine id, human output.
    let r = cli.run_async(&["admin", "unflag", &id.to_string()]).await;
    r.expect(0);
    assert!(r.stdout.contains("not flagged"), "{}", r.stdout);
    let back = explain(&stack, &did).await;
    assert_eq!(back["mcr_score"], before["mcr_score"]);

    let r = cli
        .run_async(&["admin", "trust-override", &did, "5000", "--json"])
        .await;
    r.expect(0);
    assert_eq!(json(&r.stdout)["state"]["trust_override_bps"], 5000);
    let overridden = explain(&stack, &did).await;
    assert_eq!(overridden["explain"]["trust"]["override_bps"], 5000);
    let r = cli.run_async(&["admin", "clear-override", &did]).await;
    r.expect(0);
    assert!(r.stdout.contains("Trust override:"), "{}", r.stdout);
    assert_eq!(
        explain(&stack, &did).await["mcr_score"],
        before["mcr_score"]
    );

    // Out of range: clap refuses it (exit 1), nothing sent.
    let r = cli
        .run_async(&["admin", "trust-override", &did, "10001"])
        .await;
    r.expect(1);
    // Unflag of an unflagged machine: the contract's error.
    let r = cli.run_async(&["admin", "unflag", &did]).await;
    r.expect(2);
    assert!(r.stderr.contains("MachineNotFlagged"), "{}", r.stderr);

    // Another key: the contract refuses, named.
    let stranger = funded_key(&funder, 1).await;
    cli.set("PEAQOS_PRIVATE_KEY", &stranger.to_hex());
    let r = cli.run_async(&["admin", "flag", &did]).await;
    r.expect(2);
    assert!(
        r.stderr.contains("OwnableUnauthorizedAccount")
            && r.stderr.contains(&stack.admin().to_string()),
        "{}",
        r.stderr
    );
    let r = cli.run_async(&["admin", "show", &did, "--json"]).await;
    r.expect(0);
    assert_eq!(json(&r.stdout)["state"]["flagged"], false);
    snapshot_json("json_admin_show", &json(&r.stdout), &cli);
    stack.shutdown().await.expect("shutdown");
}
