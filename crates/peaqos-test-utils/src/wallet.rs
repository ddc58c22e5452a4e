//! Wallet fixtures: known keys, a temporary vault folder, and the official
//! `open-wallet-standard` package driven through `crates/peaqos-wallet/tests/interop/ows_driver.py`.

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

/// The BIP-39 test mnemonic (all `abandon` + `about`).
pub const MNEMONIC: &str =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
/// Anvil's first dev key (address 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266).
pub const EVM_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
/// An ed25519 seed (RFC 8032 test 1 secret key).
pub const SOL_KEY: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
/// The passphrase used by the tests.
pub const PASSPHRASE: &str = "correct-horse-battery-staple-42";

/// A fresh temp folder holding a vault folder (not yet created).
pub fn temp_vault() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let vault = dir.path().join("ows");
    (dir, vault)
}

/// The interop venv's interpreter with `open-wallet-standard`; panics when it is missing (the
/// tests that call this are `#[ignore = "needs Python…"]`).
pub fn ows_python() -> PathBuf {
    crate::interop::python_with("ows")
}

/// Runs `ows_driver.py <cmd> <vault>` with `input` on stdin; its JSON output.
pub fn ows_driver(
    python: &Path,
    cmd: &str,
    vault: &Path,
    input: &serde_json::Value,
) -> serde_json::Value {
    let script = crate::workspace_root().join("crates/peaqos-wallet/tests/interop/ows_driver.py");
    let mut child = Command::new(python)
        .arg(script)
        .arg(cmd)
        .arg(vault)
        .env("DO_NOT_TRACK", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn python");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(input.to_string().as_bytes())
            .expect("write stdin");
    }
    let out = child.wait_with_output().expect("python runs");
    assert!(
        out.status.success(),
        "ows_driver {cmd} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("driver prints JSON")
}
