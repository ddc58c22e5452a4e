//! Interop: the OFFICIAL Python peaqOS SDK (`peaq-os-sdk==0.1.0` from PyPI) drives an in-process
//! devnet through `tests/interop/official_sdk.py` (self-managed flow, proxy flow, documented
//! reverts as the SDK's error codes).
//!
//! Needs a venv with the SDK, by default `<workspace>/.venv-interop` (override the interpreter
//! with `PEAQOS_INTEROP_PYTHON`):
//!
//! ```text
//! python3 -m venv .venv-interop && .venv-interop/bin/pip install peaq-os-sdk==0.1.0
//! ```
//!
//! Without it the test fails (it never skips silently).

use std::{path::Path, time::Duration};

use peaqos_devnet::{Devnet, DevnetConfig};
use peaqos_test_utils::{
    ScratchDir,
    interop::{official_sdk_python, run_python_script},
};

/// Longest the script may run.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(300);
/// The number of checks the script makes when everything runs (it prints one line per check).
const MIN_CHECKS: usize = 136;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Python: the official peaqOS clients in .venv-interop (scripts/test.sh)"]
async fn official_python_sdk_drives_the_devnet() {
    let python = official_sdk_python().unwrap_or_else(|why| panic!("{why}"));

    let devnet = Devnet::spawn(DevnetConfig::ephemeral())
        .await
        .expect("spawn the devnet");
    assert!(
        devnet.accounts.len() >= 6,
        "the interop script needs six dev accounts"
    );
    eprintln!("devnet at {} (chain id {})", devnet.url, devnet.chain_id);

    let dir = ScratchDir::new("peaqos-interop").expect("create the temp dir");
    let env_path = dir
        .write(".env", devnet.env_file(1))
        .expect("write the devnet .env");

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/official_sdk.py");
    let key = |i: usize| devnet.accounts[i].private_key.to_string();
    let env = [
        ("INTEROP_ENV_FILE", env_path.display().to_string()),
        // Account 0 deployed the stack; account 1 is the `.env`'s self-managed machine.
        ("INTEROP_PROXY_KEY", key(2)),
        ("INTEROP_FLEET_MACHINE_KEY", key(3)),
        ("INTEROP_FLEET_MACHINE_2_KEY", key(4)),
        ("INTEROP_STRANGER_KEY", key(5)),
        ("INTEROP_CHAIN_ID", devnet.chain_id.to_string()),
    ];
    let run = run_python_script(&python, &script, dir.path(), &env, SCRIPT_TIMEOUT)
        .await
        .unwrap_or_else(|e| panic!("run the interop script: {e}"));

    devnet.shutdown().await.expect("shut the devnet down");
    drop(dir);

    let passed = run.check_report("interop", MIN_CHECKS).unwrap_or_else(|e| {
        panic!("the official SDK against the devnet (limit {SCRIPT_TIMEOUT:?}): {e}")
    });
    eprintln!("interop: {passed} passed, 0 failed");
}
