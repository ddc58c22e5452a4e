//! What the CLI tests share: running the `peaqos` binary in a temp directory with a clean
//! environment, an in-process devnet, redaction and checked-in snapshots.
#![allow(dead_code, unreachable_pub)]

use std::{
    io::Write as _,
    path::Path,
    process::{Command, Stdio},
};

use alloy::primitives::Address;
use peaqos_devnet::Devnet;
use peaqos_sdk::signer::PrivateKey;

/// One PEAQ in wei.
pub use peaqos_test_utils::PEAQ;

/// The output of one `peaqos` run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Panics with both streams unless the exit code is `code`.
    #[track_caller]
    pub fn expect(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// A working directory for `peaqos` runs with its own HOME and a clean environment.
pub struct Cli {
    pub dir: tempfile::TempDir,
    pub env: Vec<(String, String)>,
}

impl Cli {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("tempdir"),
            env: Vec::new(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `./.env`.
    pub fn write_env(&self, text: &str) {
        std::fs::write(self.path().join(".env"), text).expect("write .env");
    }

    /// Adds a process environment variable for later runs.
    pub fn set(&mut self, k: &str, v: &str) {
        self.env.push((k.to_owned(), v.to_owned()));
    }

    /// Runs `peaqos args…` with `stdin` piped in (blocking).
    pub fn run_with_input(&self, args: &[&str], stdin: &str) -> Run {
        run_in(self.path(), &self.env, args, stdin)
    }

    /// Runs `peaqos args…` with empty stdin (blocking).
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_input(args, "")
    }

    /// [`run`](Self::run) off the async runtime (the devnet lives on it).
    pub async fn run_async(&self, args: &[&str]) -> Run {
        self.run_input_async(args, "").await
    }

    pub async fn run_input_async(&self, args: &[&str], stdin: &str) -> Run {
        let dir = self.path().to_path_buf();
        let env = self.env.clone();
        let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        let stdin = stdin.to_owned();
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            run_in(&dir, &env, &args, &stdin)
        })
        .await
        .expect("join")
    }

    /// The spawned child, for tests that kill it midway.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        command(self.path(), &self.env, args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn")
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path().join(name)).unwrap_or_default()
    }
}

/// `peaqos args…` in `dir` with a clean environment plus `env`.
pub fn command(dir: &Path, env: &[(String, String)], args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_peaqos"));
    cmd.args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("NO_COLOR", "1")
        .env("DO_NOT_TRACK", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

fn run_in(dir: &Path, env: &[(String, String)], args: &[&str], stdin: &str) -> Run {
    let mut child = command(dir, env, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn peaqos");
    if let Some(mut s) = child.stdin.take() {
        let _ = s.write_all(stdin.as_bytes());
    }
    let out = child.wait_with_output().expect("wait");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A full `.env` (key [`DEAD_ENV_KEY`], `PEAQOS_NETWORK=local`) whose RPC and MCR API URLs
/// point at a closed port.
pub fn dead_env(cli: &Cli) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port");
    // The listener is dropped: nothing listens there any more.
    cli.write_env(&format!(
        "PEAQOS_PRIVATE_KEY={DEAD_ENV_KEY}\nPEAQOS_RPC_URL=http://127.0.0.1:{port}\n\
         PEAQOS_MCR_API_URL=http://127.0.0.1:{port}\nPEAQOS_NETWORK=local\n\
         IDENTITY_REGISTRY_ADDRESS=0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512\n\
         IDENTITY_STAKING_ADDRESS=0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9\n\
         EVENT_REGISTRY_ADDRESS=0x5FC8d32690cc91D4c39d9d3abcBD16989F875707\n\
         MACHINE_NFT_ADDRESS=0xa513E6E4b8f2a923D98304ec87F64353C4D5C853\n\
         DID_REGISTRY_ADDRESS=0x0000000000000000000000000000000000000800\n\
         BATCH_PRECOMPILE_ADDRESS=0x0000000000000000000000000000000000000805\n"
    ));
}

/// The key [`dead_env`] writes.
pub const DEAD_ENV_KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

/// `peaqos dev` on free ports (all four) with its data in `data_dir`; more flags may follow.
#[cfg(feature = "dev")]
pub fn dev_args(data_dir: &str) -> Vec<&str> {
    vec![
        "dev",
        "--rpc-port",
        "0",
        "--mcr-port",
        "0",
        "--gas-station-port",
        "0",
        "--base-rpc-port",
        "0",
        "--data-dir",
        data_dir,
    ]
}

/// Starts `peaqos args…` (a `dev --json`) on ephemeral ports and returns the child with its
/// first stdout line (the ready JSON); stdout keeps draining so the child never blocks.
pub async fn start_dev(cli: &mut Cli, args: &[&str]) -> (std::process::Child, String) {
    for var in [
        "PEAQOS_DEV_RPC_PORT",
        "PEAQOS_DEV_MCR_PORT",
        "PEAQOS_DEV_GAS_STATION_PORT",
        "PEAQOS_DEV_BASE_RPC_PORT",
    ] {
        cli.set(var, "0");
    }
    let mut child = cli.spawn(args);
    let stdout = child.stdout.take().expect("stdout");
    let first = tokio::task::spawn_blocking(move || {
        use std::io::BufRead as _;
        let mut lines = std::io::BufReader::new(stdout).lines();
        let first = lines.next().expect("a line").expect("utf-8");
        std::thread::spawn(move || for _ in lines {});
        first
    })
    .await
    .expect("join");
    (child, first)
}

/// SIGINT to the child, then waits for it.
pub async fn stop(child: std::process::Child) {
    let mut child = child;
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let _ = tokio::task::spawn_blocking(move || child.wait()).await;
}

// ------------------------------------------------------------------ devnet

pub use peaqos_test_utils::devnet::{contracts, dev_client as client, spawn_devnet as devnet};

/// A fresh key funded with `peaq` PEAQ by dev account 9.
pub async fn funded_key(devnet: &Devnet, peaq: u128) -> PrivateKey {
    peaqos_test_utils::devnet::funded_key(&client(devnet, 9), peaq).await
}

/// The `.env` text for `key` on `devnet` (MCR API URL `mcr`).
pub fn env_text(devnet: &Devnet, key: &str, mcr: &str) -> String {
    let c = contracts(devnet);
    format!(
        "PEAQOS_PRIVATE_KEY={key}\nPEAQOS_RPC_URL={}\nPEAQOS_MCR_API_URL={mcr}\nPEAQOS_NETWORK=local\n\
         IDENTITY_REGISTRY_ADDRESS={}\nIDENTITY_STAKING_ADDRESS={}\nEVENT_REGISTRY_ADDRESS={}\n\
         MACHINE_NFT_ADDRESS={}\nDID_REGISTRY_ADDRESS={}\nBATCH_PRECOMPILE_ADDRESS={}\n",
        devnet.url,
        c.identity_registry,
        c.identity_staking,
        c.event_registry,
        c.machine_nft,
        c.did_registry,
        c.batch_precompile
    )
}

/// Chain time: the latest block's timestamp.
pub async fn chain_now(devnet: &Devnet) -> u64 {
    peaqos_test_utils::devnet::chain_now(&client(devnet, 0)).await
}

pub fn addr(key: &PrivateKey) -> Address {
    key.address()
}

// ------------------------------------------------------------------ snapshots

/// What changes between runs, as snapbox redactions: 32-byte hashes, addresses (full and
/// shortened `0x1234...abcd`), ISO timestamps, loopback ports, UUIDs, and the test's temp dir.
fn redactions(tmp: &Path) -> snapbox::Redactions {
    let regex = |r: &str| regex::Regex::new(r).expect("a valid redaction pattern");
    let mut r = snapbox::Redactions::new();
    let patterns = [
        ("[HASH]", r"0x[0-9a-fA-F]{64}\b"),
        (
            "[ADDR]",
            r"0x[0-9a-fA-F]{40}\b|0x[0-9a-fA-F]{4}\.\.\.[0-9a-fA-F]{4}\b",
        ),
        ("[TS]", r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[0-9+:.Z]*"),
        (
            "[UUID]",
            r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b",
        ),
        ("[PORT]", r"127\.0\.0\.1:(?<redacted>\d+)"),
    ];
    for (placeholder, pattern) in patterns {
        r.insert(placeholder, regex(pattern)).expect("placeholder");
    }
    r.insert("[TMP]", tmp.to_path_buf()).expect("placeholder");
    r
}

/// `text` with what changes between runs replaced by placeholders (see [`redactions`]).
pub fn redact(text: &str, tmp: &Path) -> String {
    redactions(tmp).redact(text)
}

/// Compares `actual` with `tests/snapshots/<name>.txt` through snapbox; `SNAPSHOTS=overwrite`
/// rewrites the file.
#[track_caller]
pub fn snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.txt"));
    snapbox::Assert::new()
        .action_env(snapbox::assert::DEFAULT_ACTION_ENV)
        .eq(actual, snapbox::Data::read_from(&path, None).raw());
}

/// A JSON document's shape for a snapshot: every key kept, each value replaced by its type.
/// For output whose values are random by design (keys, tokens, fees, hashes): agents rely on
/// the keys and types, and the snapshot pins those.
pub fn json_shape(text: &str) -> String {
    fn shape(v: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match v {
            Value::Object(m) => {
                Value::Object(m.iter().map(|(k, x)| (k.clone(), shape(x))).collect())
            }
            Value::Array(a) => Value::Array(a.iter().map(shape).collect()),
            Value::String(_) => Value::String("<string>".into()),
            Value::Number(_) => Value::String("<number>".into()),
            Value::Bool(_) => Value::String("<bool>".into()),
            Value::Null => Value::Null,
        }
    }
    let v: serde_json::Value =
        serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("{e}: {text}"));
    serde_json::to_string_pretty(&shape(&v)).expect("json")
}
