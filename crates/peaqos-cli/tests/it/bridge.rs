//! The Machine NFT bridge of `peaqos dev`: the official Python SDK bridges peaq → Base and back
//! against a running `peaqos dev`, configured only by the `.env` it wrote.

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
    stop(child).await;
    let passed = output
        .check_report("official_bridge", 7)
        .unwrap_or_else(|why| panic!("{why}"));
    assert_eq!(passed, 7, "every step of the round trip");
}
