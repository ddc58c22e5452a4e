//! Shared by the integration tests: temp vaults, the Python interpreter with the official
//! `open-wallet-standard` package, known keys.
#![allow(dead_code)]

use std::{
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

/// The BIP-39 test mnemonic (all `abandon` + `about`).
pub(crate) const MNEMONIC: &str =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
/// Anvil's first dev key (address 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266).
pub(crate) const EVM_KEY: &str =
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
/// An ed25519 seed (RFC 8032 test 1 secret key).
pub(crate) const SOL_KEY: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
/// The passphrase used by the tests.
pub(crate) const PASSPHRASE: &str = "correct-horse-battery-staple-42";

/// A fresh temp folder holding a vault folder (not yet created).
pub(crate) fn temp_vault() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let vault = dir.path().join("ows");
    (dir, vault)
}

/// The interpreter with `open-wallet-standard`, from `PEAQOS_INTEROP_PYTHON`. Unset: panics
/// under CI, otherwise prints `skipped: …` and returns `None`.
pub(crate) fn python() -> Option<PathBuf> {
    match std::env::var_os("PEAQOS_INTEROP_PYTHON").filter(|p| !p.is_empty()) {
        Some(p) => Some(PathBuf::from(p)),
        None if std::env::var_os("CI").is_some() => {
            panic!("PEAQOS_INTEROP_PYTHON must point at a python with open-wallet-standard in CI")
        }
        None => {
            eprintln!("skipped: PEAQOS_INTEROP_PYTHON is not set");
            None
        }
    }
}

/// Runs `tests/interop/ows_driver.py <cmd> <vault>` with `input` on stdin; its JSON output.
pub(crate) fn ows_driver(
    python: &Path,
    cmd: &str,
    vault: &Path,
    input: &serde_json::Value,
) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/ows_driver.py");
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

/// Env var telling a re-invoked test binary which helper role to play.
pub(crate) const CHILD_ROLE: &str = "PEAQOS_WALLET_TEST_CHILD";

/// Re-runs this test binary as a child process executing only the test `helper` (with
/// `CHILD_ROLE=role` and `envs`), optionally under `umask 000`. Returns the child.
pub(crate) fn spawn_child(
    helper: &str,
    role: &str,
    envs: &[(&str, &str)],
    umask_000: bool,
) -> std::process::Child {
    let exe = std::env::current_exe().expect("test binary");
    let mut cmd = if umask_000 {
        let mut c = Command::new("sh");
        c.arg("-c").arg("umask 000 && exec \"$0\" \"$@\"").arg(&exe);
        c
    } else {
        Command::new(&exe)
    };
    cmd.args([helper, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ROLE, role)
        .env_remove("OWS_PASSPHRASE")
        .env_remove("OWS_VAULT_PATH")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.spawn().expect("spawn child test process")
}

/// Waits for a child from [`spawn_child`] and panics with its output if it failed.
pub(crate) fn wait_ok(child: std::process::Child) -> String {
    let out = child.wait_with_output().expect("child runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The permission bits of `path`.
pub(crate) fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).expect("stat").mode() & 0o777
}
