//! Shared by the integration tests: the wallet fixtures of `peaqos-test-utils`, and re-running
//! this test binary as a child process.
#![allow(dead_code)]

use std::{
    path::Path,
    process::{Command, Stdio},
};

pub(crate) use peaqos_test_utils::wallet::{
    EVM_KEY, MNEMONIC, PASSPHRASE, SOL_KEY, ows_driver, ows_python as python, temp_vault,
};

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
