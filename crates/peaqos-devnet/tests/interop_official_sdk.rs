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

use std::{
    io::{BufRead, BufReader, Read},
    path::{Path, PathBuf},
    process::{Command, ExitStatus, Stdio},
    thread,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use peaqos_devnet::{Devnet, DevnetConfig};

/// The SDK release the wire contract was derived from.
const SDK_VERSION: &str = "0.1.0";
/// How to create the venv (run from the workspace root).
const VENV_HINT: &str =
    "python3 -m venv .venv-interop && .venv-interop/bin/pip install peaq-os-sdk==0.1.0";
/// Longest the script may run.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(300);
/// The number of checks the script makes when everything runs (it prints one line per check).
const MIN_CHECKS: usize = 136;
/// Variables of the `.env` that must come from the devnet's file, not from the caller's shell.
const ENV_FILE_VARS: &[&str] = &[
    "PEAQOS_PRIVATE_KEY",
    "PEAQOS_RPC_URL",
    "PEAQOS_MCR_API_URL",
    "PEAQOS_NETWORK",
    "IDENTITY_REGISTRY_ADDRESS",
    "IDENTITY_STAKING_ADDRESS",
    "EVENT_REGISTRY_ADDRESS",
    "MACHINE_NFT_ADDRESS",
    "DID_REGISTRY_ADDRESS",
    "BATCH_PRECOMPILE_ADDRESS",
    "MACHINE_ACCOUNT_FACTORY_ADDRESS",
    "MACHINE_NFT_ADAPTER_ADDRESS",
    "ADMIN_FLAGS_ADDRESS",
    "OWS_PASSPHRASE",
    "PEAQOS_OWS_WALLET",
];

fn workspace_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

fn interop_python() -> PathBuf {
    match std::env::var_os("PEAQOS_INTEROP_PYTHON") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => workspace_root().join(".venv-interop/bin/python"),
    }
}

/// The installed `peaq-os-sdk` version, or why the interpreter cannot provide it.
fn installed_sdk_version(python: &Path) -> Result<String, String> {
    if !python.exists() {
        return Err(format!("{} does not exist", python.display()));
    }
    let out = Command::new(python)
        .args([
            "-c",
            "import importlib.metadata as m, peaq_os_sdk; print(m.version('peaq-os-sdk'))",
        ])
        .env("DO_NOT_TRACK", "1")
        .env("PEAQOS_TELEMETRY", "0")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} cannot import peaq_os_sdk: {}",
            python.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// What a run of the script produced.
struct ScriptRun {
    status: Option<ExitStatus>,
    timed_out: bool,
    stdout: Vec<String>,
}

/// Forwards a child's stream line by line to stderr (`--nocapture` shows it live) and keeps it.
fn pump(stream: impl Read + Send + 'static, tag: &'static str) -> thread::JoinHandle<Vec<String>> {
    thread::spawn(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            eprintln!("[{tag}] {line}");
            lines.push(line);
        }
        lines
    })
}

/// Runs `cmd`, streaming its output, killing it after `timeout`.
fn run_script(cmd: &mut Command, timeout: Duration) -> ScriptRun {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the interop script");
    let stdout = pump(child.stdout.take().expect("piped stdout"), "sdk");
    let stderr = pump(child.stderr.take().expect("piped stderr"), "sdk:stderr");
    let deadline = Instant::now() + timeout;
    let (status, timed_out) = loop {
        match child.try_wait().expect("poll the interop script") {
            Some(status) => break (Some(status), false),
            None if Instant::now() >= deadline => {
                // Only the child this test started.
                let _ = child.kill();
                let status = child.wait().ok();
                break (status, true);
            }
            None => thread::sleep(Duration::from_millis(100)),
        }
    };
    let stdout = stdout.join().unwrap_or_default();
    let _ = stderr.join();
    ScriptRun {
        status,
        timed_out,
        stdout,
    }
}

/// Parses the script's last line, `interop: N passed, M failed`.
fn summary(lines: &[String]) -> Option<(usize, usize)> {
    let line = lines.iter().rev().find(|l| l.starts_with("interop: "))?;
    let rest = line.strip_prefix("interop: ")?;
    let (passed, failed) = rest.split_once(", ")?;
    let passed = passed.strip_suffix(" passed")?.parse().ok()?;
    let failed = failed.strip_suffix(" failed")?.parse().ok()?;
    Some((passed, failed))
}

#[tokio::test(flavor = "multi_thread")]
async fn official_python_sdk_drives_the_devnet() {
    let python = interop_python();
    let version = installed_sdk_version(&python).unwrap_or_else(|why| {
        panic!(
            "the interop venv is missing or broken ({why}).\nCreate it from the workspace root \
             ({}):\n    {VENV_HINT}\nor point PEAQOS_INTEROP_PYTHON at a python that has \
             peaq-os-sdk=={SDK_VERSION}.",
            workspace_root().display()
        )
    });
    assert_eq!(
        version,
        SDK_VERSION,
        "{} has peaq-os-sdk {version}; the interop test needs exactly {SDK_VERSION}:\n    {VENV_HINT}",
        python.display()
    );

    let devnet = Devnet::spawn(DevnetConfig::ephemeral())
        .await
        .expect("spawn the devnet");
    assert!(
        devnet.accounts.len() >= 6,
        "the interop script needs six dev accounts"
    );
    eprintln!("devnet at {} (chain id {})", devnet.url, devnet.chain_id);

    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("peaqos-interop-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the temp dir");
    let env_path = dir.join(".env");
    std::fs::write(&env_path, devnet.env_file(1)).expect("write the devnet .env");

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/official_sdk.py");
    let key = |i: usize| devnet.accounts[i].private_key.to_string();
    let mut cmd = Command::new(&python);
    cmd.arg(&script).current_dir(&dir);
    for var in ENV_FILE_VARS {
        cmd.env_remove(var);
    }
    cmd.env("INTEROP_ENV_FILE", &env_path)
        // Account 0 deployed the stack; account 1 is the `.env`'s self-managed machine.
        .env("INTEROP_PROXY_KEY", key(2))
        .env("INTEROP_FLEET_MACHINE_KEY", key(3))
        .env("INTEROP_FLEET_MACHINE_2_KEY", key(4))
        .env("INTEROP_STRANGER_KEY", key(5))
        .env("INTEROP_CHAIN_ID", devnet.chain_id.to_string())
        .env("DO_NOT_TRACK", "1")
        .env("PEAQOS_TELEMETRY", "0")
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1");

    // The devnet serves from the runtime's workers while this blocks on the child.
    let run = tokio::task::spawn_blocking(move || run_script(&mut cmd, SCRIPT_TIMEOUT))
        .await
        .expect("the script runner panicked");

    devnet.shutdown().await.expect("shut the devnet down");
    let _ = std::fs::remove_dir_all(&dir);

    assert!(
        !run.timed_out,
        "the interop script did not finish within {SCRIPT_TIMEOUT:?}"
    );
    let failures: Vec<&String> = run
        .stdout
        .iter()
        .filter(|l| l.starts_with("FAIL "))
        .collect();
    let (passed, failed) = summary(&run.stdout).unwrap_or_else(|| {
        panic!(
            "no `interop: N passed, M failed` line; status {:?}",
            run.status
        )
    });
    assert_eq!(
        (failed, failures.len()),
        (0, 0),
        "the official SDK failed against the devnet:\n{}",
        failures
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    let oks = run.stdout.iter().filter(|l| l.starts_with("ok ")).count();
    assert_eq!(oks, passed, "the summary does not match the `ok` lines");
    assert!(
        passed >= MIN_CHECKS,
        "only {passed} checks ran, expected at least {MIN_CHECKS}: part of the script did not run"
    );
    assert!(
        run.status.is_some_and(|s| s.success()),
        "the interop script exited with {:?}",
        run.status
    );
    eprintln!("interop: {passed} passed, 0 failed");
}
