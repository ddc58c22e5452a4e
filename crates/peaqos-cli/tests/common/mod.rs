//! What the CLI tests share: running the `peaqos` binary in a temp directory with a clean
//! environment, an in-process devnet, redaction and checked-in snapshots.
#![allow(dead_code, unreachable_pub)]

use std::{
    io::Write as _,
    path::Path,
    process::{Command, Stdio},
};

use alloy::primitives::{Address, Bytes, U256};
use peaqos_devnet::{Devnet, DevnetConfig};
use peaqos_sdk::{ClientConfig, NetworkConfig, PeaqosClient, signer::PrivateKey};
use peaqos_types::ContractAddresses;

/// One PEAQ in wei.
pub const PEAQ: u128 = 1_000_000_000_000_000_000;

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

// ------------------------------------------------------------------ devnet

pub async fn devnet() -> Devnet {
    Devnet::spawn(DevnetConfig::ephemeral())
        .await
        .expect("devnet starts")
}

pub fn contracts(devnet: &Devnet) -> ContractAddresses {
    devnet
        .deployment
        .as_ref()
        .expect("deployed")
        .contract_addresses()
}

/// A client for dev account `i`.
pub fn client(devnet: &Devnet, i: usize) -> PeaqosClient {
    PeaqosClient::new(ClientConfig::new(
        NetworkConfig::new(&devnet.url, contracts(devnet)),
        peaqos_sdk::Signer::from(devnet.accounts[i].signer()),
    ))
    .expect("client")
}

/// A fresh key funded with `peaq` PEAQ by dev account 9.
pub async fn funded_key(devnet: &Devnet, peaq: u128) -> PrivateKey {
    let (address, key) = PeaqosClient::generate_keypair();
    if peaq > 0 {
        client(devnet, 9)
            .send_call(address, Bytes::new(), U256::from(peaq * PEAQ))
            .await
            .expect("funded");
    }
    key
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
    use alloy::providers::Provider as _;
    client(devnet, 0)
        .provider()
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await
        .expect("block")
        .expect("latest")
        .header
        .timestamp
}

pub fn addr(key: &PrivateKey) -> Address {
    key.address()
}

// ------------------------------------------------------------------ snapshots

/// Replaces what changes between runs: 32-byte hashes, addresses (full and shortened),
/// timestamps, loopback ports, temp paths, UUIDs.
pub fn redact(text: &str, tmp: &Path) -> String {
    let text = text.replace(&tmp.display().to_string(), "<TMP>");
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let hex_run = |start: usize| {
        let mut j = start;
        while j < chars.len() && chars[j].is_ascii_hexdigit() {
            j += 1;
        }
        j - start
    };
    while i < chars.len() {
        if chars[i] == '0' && chars.get(i + 1) == Some(&'x') {
            let n = hex_run(i + 2);
            let tail: String = chars[i + 2 + n..chars.len().min(i + 2 + n + 3)]
                .iter()
                .collect();
            if n == 64 {
                out.push_str("<HASH>");
                i += 66;
                continue;
            }
            if n == 40 {
                out.push_str("<ADDR>");
                i += 42;
                continue;
            }
            if n == 4 && tail == "..." && hex_run(i + 9) == 4 {
                out.push_str("<ADDR>");
                i += 13;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    // Ports and timestamps.
    let mut s = String::new();
    let mut rest = out.as_str();
    while let Some(p) = rest.find("127.0.0.1:") {
        s.push_str(&rest[..p + 10]);
        rest = &rest[p + 10..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            s.push_str("<PORT>");
            rest = &rest[digits..];
        }
    }
    s.push_str(rest);
    redact_pattern(&s)
}

/// ISO timestamps `YYYY-MM-DDTHH:MM:SS…` → `<TS>`; UUIDs → `<UUID>`.
fn redact_pattern(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    let is_ts = |i: usize| {
        b.len() >= i + 19
            && b[i..i + 4].iter().all(u8::is_ascii_digit)
            && b[i + 4] == b'-'
            && b[i + 7] == b'-'
            && b[i + 10] == b'T'
            && b[i + 13] == b':'
            && b[i + 16] == b':'
    };
    let is_uuid = |i: usize| {
        b.len() >= i + 36
            && [8, 13, 18, 23].iter().all(|&k| b[i + k] == b'-')
            && (0..36)
                .filter(|k| ![8, 13, 18, 23].contains(k))
                .all(|k| b[i + k].is_ascii_hexdigit())
    };
    while i < b.len() {
        if is_ts(i) {
            let mut j = i + 19;
            while j < b.len() && (b[j].is_ascii_digit() || b"+:.Z".contains(&b[j])) {
                j += 1;
            }
            out.push_str("<TS>");
            i = j;
            continue;
        }
        if is_uuid(i) {
            out.push_str("<UUID>");
            i += 36;
            continue;
        }
        let ch = s[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// Compares `actual` with `tests/snapshots/<name>.txt`; `UPDATE_SNAPSHOTS=1` rewrites it.
#[track_caller]
pub fn snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.txt"));
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some()
        || !path.exists() && std::env::var_os("CI").is_none()
    {
        std::fs::write(&path, actual).expect("write snapshot");
        return;
    }
    let expected =
        std::fs::read_to_string(&path).expect("snapshot file (run with UPDATE_SNAPSHOTS=1)");
    assert_eq!(
        actual, expected,
        "snapshot {name} differs (run with UPDATE_SNAPSHOTS=1 to accept)"
    );
}

/// Skips (or, under CI, fails) when `var` is unset.
pub fn require_env(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ if std::env::var_os("CI").is_some() => panic!("{var} must be set under CI"),
        _ => {
            eprintln!("skipped: {var} is not set");
            None
        }
    }
}
