//! The Machine NFT bridge of `peaqos dev`: the official Python SDK bridges peaq → Base and back
//! against a running `peaqos dev`, configured only by the `.env` it wrote; then `peaqos bridge
//! send|wait` moves the same token both ways, with its errors for a token not approved, not
//! yours, already bridged, and a recipient without gas on the destination.

use crate::common;

use std::{path::PathBuf, time::Duration};

use common::{Cli, start_dev, stop};
use peaqos_test_utils::interop::{official_sdk_python, run_python_script};
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Python: the official peaqOS clients in .venv-interop (scripts/test.sh)"]
async fn the_official_sdk_bridges_peaq_to_base_and_back_on_peaqos_dev() {
    let python = official_sdk_python().unwrap_or_else(|why| panic!("{why}"));
    let mut cli = Cli::new();
    let (child, ready) = start_dev(&mut cli, &["dev", "--json"]).await;
    let banner: Value = serde_json::from_str(&ready).expect("the ready line is JSON");
    assert_eq!(banner["status"], "ready", "{ready}");
    assert_eq!(
        banner["base"]["chain_id"],
        peaqos_stack::LOCAL_BASE_CHAIN_ID,
        "{ready}"
    );
    let env_file = cli.path().join(".env");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("interop")
        .join("official_bridge.py");
    let output = run_python_script(
        &python,
        &script,
        cli.path(),
        &[("BRIDGE_ENV_FILE", env_file.display().to_string())],
        Duration::from_secs(300),
    )
    .await
    .expect("script runs");
    let passed = output
        .check_report("official_bridge", 7)
        .unwrap_or_else(|why| panic!("{why}"));
    assert_eq!(passed, 7, "every step of the round trip");

    // The CLI, on the token the official SDK brought back (the .env key owns it on peaq).
    let token = std::fs::read_to_string(cli.path().join("token_id"))
        .expect("the script wrote the token id");
    let token = token.trim();
    let run = |args: &[&str]| {
        let args: Vec<&str> = args.iter().copied().chain(["--json"]).collect();
        cli.run(&args)
    };
    let error = |r: &common::Run, code: &str, field: &str| {
        let v: Value = serde_json::from_str(r.stdout.trim())
            .unwrap_or_else(|e| panic!("{e}: {}\n{}", r.stdout, r.stderr));
        assert_eq!(v["error"]["code"], code, "{v}");
        assert_eq!(v["error"]["field"], field, "{v}");
        v["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    let msg = error(
        &run(&["bridge", "send", token, "--to", "base"]),
        "INVALID_INPUT",
        "approve",
    );
    assert!(msg.contains("--approve"), "{msg}");
    let (stranger, _) = peaqos_sdk::PeaqosClient::generate_keypair();
    let stranger = stranger.to_string();
    let msg = error(
        &run(&[
            "bridge",
            "send",
            token,
            "--to",
            "base",
            "--approve",
            "--recipient",
            &stranger,
        ]),
        "INSUFFICIENT_FUNDS",
        "recipient",
    );
    assert!(msg.contains("no gas on base"), "{msg}");
    let r = run(&["bridge", "send", token, "--to", "base", "--approve"]);
    r.expect(0);
    let sent: Value = serde_json::from_str(&r.stdout).expect("json");
    common::snapshot("json_bridge_send", &common::json_shape(&r.stdout));
    assert_eq!(sent["destination"], "base", "{sent}");
    assert_eq!(sent["approved_now"], true, "{sent}");
    assert!(sent["fee_wei"].as_str().is_some(), "{sent}");
    let msg = error(
        &run(&["bridge", "send", token, "--to", "base", "--approve"]),
        "INVALID_INPUT",
        "token_id",
    );
    assert!(msg.contains("already bridged"), "{msg}");
    let r = run(&["bridge", "wait", token, "--on", "base", "--timeout", "60"]);
    r.expect(0);
    let waited: Value = serde_json::from_str(&r.stdout).expect("json");
    common::snapshot("json_bridge_wait", &common::json_shape(&r.stdout));
    assert_eq!(waited["arrived"], true, "{waited}");
    // Someone else's key: not theirs on Base.
    let mut other = Cli::new();
    // Dev account 2 (public test key): funded on both chains, owns nothing.
    std::fs::copy(&env_file, other.path().join(".env")).expect("copy .env");
    other.set(
        "PEAQOS_PRIVATE_KEY",
        "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
    );
    let r = other.run(&["bridge", "send", token, "--to", "peaq", "--json"]);
    let msg = error(&r, "INVALID_INPUT", "token_id");
    assert!(msg.contains("not yours"), "{msg}");
    // And back, with the fee quote shown first in the human output.
    let r = cli.run(&["bridge", "send", token, "--to", "peaq"]);
    r.expect(0);
    assert!(r.stdout.starts_with("Fee quote: "), "{}", r.stdout);
    let r = run(&["bridge", "wait", token, "--on", "peaq", "--timeout", "60"]);
    r.expect(0);
    stop(child).await;
}
