//! Test harness: a network namespace per test, the Jazzy rclpy client, the node binary.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    process::Stdio,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use serde_json::{Value, json};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    process::{Child, ChildStdin, Command},
    sync::oneshot,
};

/// Set in the re-executed test process that runs inside the namespace.
const IN_NETNS: &str = "PEAQOS_ROS2_IN_NETNS";
/// How long one rclpy call may take.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(180);

/// Runs the calling test inside a fresh network namespace (`unshare -n`, `lo` up, multicast
/// on, 224.0.0.0/4 routed on `lo`) so DDS multicast never leaves the machine. Returns true in
/// the re-executed process (run the test body), false in the outer one (which has already
/// asserted that the inner run passed). A namespace that cannot be created fails the test.
pub fn in_netns(test_name: &str, extra_env: &[(&str, &str)]) -> bool {
    let args = [
        test_name,
        "--exact",
        "--nocapture",
        "--include-ignored",
        "--test-threads",
        "1",
    ];
    reexec_in_netns(test_name, &args, extra_env)
}

/// [`in_netns`] for any program: re-executes the current binary with `args`.
pub fn reexec_in_netns(what: &str, args: &[&str], extra_env: &[(&str, &str)]) -> bool {
    if std::env::var(IN_NETNS).as_deref() == Ok("1") {
        return true;
    }
    let exe = std::env::current_exe().expect("binary path");
    let setup = "ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo && exec \"$0\" \"$@\"";
    let mut cmd = std::process::Command::new("unshare");
    cmd.args(["-n", "sh", "-c", setup])
        .arg(&exe)
        .args(args)
        .env(IN_NETNS, "1");
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let status = cmd.status().unwrap_or_else(|e| {
        panic!("cannot run `unshare -n` ({e}): these need util-linux's unshare, iproute2 and root (or CAP_SYS_ADMIN) to create a network namespace")
    });
    assert!(
        status.success(),
        "{what} failed inside its network namespace (or the namespace could not be created: needs root, unshare and ip): {status}"
    );
    false
}

/// The Jazzy venv and the colcon workspace with peaq_ros2_interfaces.
pub struct Ros2Env {
    pub venv: PathBuf,
    pub ws_pkg: PathBuf,
}

impl Ros2Env {
    pub fn find() -> Self {
        let root = peaqos_test_utils::workspace_root();
        let venv = std::env::var_os("PEAQOS_ROS2_VENV")
            .map_or_else(|| root.join(".venv-ros2"), PathBuf::from);
        let ws =
            std::env::var_os("PEAQOS_ROS2_WS").map_or_else(|| root.join(".ros2-ws"), PathBuf::from);
        let ws_pkg = ws.join("install/peaq_ros2_interfaces");
        let hint = "run scripts/ros2-env.sh (installs ROS 2 Jazzy rclpy + Fast DDS from PyPI into .venv-ros2 and builds ros2/peaq_ros2_interfaces with colcon)";
        assert!(
            venv.join("bin/python").exists(),
            "no {}: {hint}",
            venv.display()
        );
        assert!(
            ws_pkg.join("lib").exists(),
            "no {}: {hint}",
            ws_pkg.display()
        );
        Self { venv, ws_pkg }
    }

    pub fn python_command(&self) -> Command {
        let mut cmd = Command::new(self.venv.join("bin/python"));
        let ament = format!("{}:{}", self.ws_pkg.display(), self.venv.display());
        cmd.env("AMENT_PREFIX_PATH", ament)
            .env(
                "PYTHONPATH",
                self.ws_pkg.join("lib/python3.11/site-packages"),
            )
            .env("LD_LIBRARY_PATH", self.ws_pkg.join("lib"))
            .env("PYTHONUNBUFFERED", "1");
        cmd
    }
}

type Pending = Arc<Mutex<HashMap<u64, oneshot::Sender<Value>>>>;

/// The rclpy client process (tests/support/rclpy_client.py): JSON commands in, answers out.
pub struct Rclpy {
    child: Child,
    stdin: tokio::sync::Mutex<ChildStdin>,
    pending: Pending,
    next: AtomicU64,
}

impl Rclpy {
    pub async fn start(env: &Ros2Env) -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/rclpy_client.py");
        let mut child = env
            .python_command()
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start the rclpy client");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let pending: Pending = Arc::default();
        let (ready_tx, ready_rx) = oneshot::channel();
        let map = Arc::clone(&pending);
        tokio::spawn(async move {
            let mut ready = Some(ready_tx);
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                let v: Value = serde_json::from_str(&line).unwrap_or_else(|_| json!({"raw": line}));
                if v.get("ready").is_some() {
                    if let Some(tx) = ready.take() {
                        let _ = tx.send(v);
                    }
                    continue;
                }
                let id = v.get("id").and_then(Value::as_u64);
                if let Some(tx) = id.and_then(|id| map.lock().expect("lock").remove(&id)) {
                    let _ = tx.send(v);
                }
            }
        });
        let ready = tokio::time::timeout(Duration::from_secs(60), ready_rx)
            .await
            .expect("rclpy client ready in 60 s")
            .expect("ready line");
        assert_eq!(ready["rmw"], "rmw_fastrtps_cpp", "the Jazzy default RMW");
        Self {
            child,
            stdin: tokio::sync::Mutex::new(stdin),
            pending,
            next: AtomicU64::new(1),
        }
    }

    async fn send(&self, mut cmd: Value) -> Value {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        cmd["id"] = json!(id);
        let (tx, rx) = oneshot::channel();
        self.pending.lock().expect("lock").insert(id, tx);
        {
            let mut stdin = self.stdin.lock().await;
            stdin
                .write_all(format!("{cmd}\n").as_bytes())
                .await
                .expect("write to rclpy");
            stdin.flush().await.expect("flush");
        }
        tokio::time::timeout(CALL_TIMEOUT, rx)
            .await
            .expect("rclpy answered in time")
            .expect("answer")
    }

    /// Waits until `/peaqos_node/<service>` is discovered.
    pub async fn wait(&self, service: &str, type_name: &str) {
        let v = self.send(json!({"wait": service, "type": type_name})).await;
        assert_eq!(v["ok"], true, "{service} discovered");
    }

    /// Waits until the ROS graph shows node `name` with at least `expect` services under
    /// `/<name>/` (DDS discovers them one by one; an incomplete graph after the wait is
    /// returned as it is, for the test to report); returns what rclpy's graph API sees:
    /// `nodes` ([name, namespace] pairs), `services` and `node_services` ({name: [types]}).
    pub async fn graph(&self, name: &str, expect: usize) -> Value {
        let v = self.send(json!({"graph": name, "expect": expect})).await;
        assert_eq!(v["ok"], true, "graph: {v}");
        v["response"].clone()
    }

    /// Calls `/peaqos_node/<service>`; returns the response fields and the round trip (ms).
    pub async fn call_timed(&self, service: &str, type_name: &str, request: Value) -> (Value, f64) {
        let v = self
            .send(json!({"service": service, "type": type_name, "request": request}))
            .await;
        assert_eq!(v["ok"], true, "{service}: {v}");
        (v["response"].clone(), v["ms"].as_f64().unwrap_or_default())
    }

    pub async fn call(&self, service: &str, type_name: &str, request: Value) -> Value {
        self.call_timed(service, type_name, request).await.0
    }

    pub async fn stop(mut self) {
        drop(self.stdin);
        let _ = tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await;
        let _ = self.child.kill().await;
    }
}

/// The node binary as a child process, logging (debug) to a file.
pub struct NodeProcess {
    child: Child,
    pub log: PathBuf,
}

impl NodeProcess {
    pub fn start(env: &[(String, String)], args: &[&str], log: PathBuf) -> Self {
        let Some(bin) = option_env!("CARGO_BIN_EXE_peaqos_node") else {
            panic!("the node binary is only known to cargo test; use start_binary")
        };
        Self::start_binary(Path::new(bin), env, args, log)
    }

    pub fn start_binary(bin: &Path, env: &[(String, String)], args: &[&str], log: PathBuf) -> Self {
        let file = std::fs::File::create(&log).expect("log file");
        let mut cmd = Command::new(bin);
        cmd.args(args)
            .env(
                "RUST_LOG",
                "debug,rustdds=warn,ros2_client=warn,hyper=warn,reqwest=warn",
            )
            .stdout(Stdio::null())
            .stderr(file)
            .kill_on_drop(true);
        for (k, v) in env {
            cmd.env(k, v);
        }
        Self {
            child: cmd.spawn().expect("start peaqos_node"),
            log,
        }
    }

    /// The node's resident set size (kB), from /proc.
    pub fn rss_kb(&self) -> u64 {
        let pid = self.child.id().expect("running");
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap_or(0)
    }

    /// Waits (≤ 60 s) until the node logged that all 26 services are up.
    pub async fn wait_ready(&self) {
        for _ in 0..600 {
            if self.log_text().contains("peaqos_node ready") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("peaqos_node not ready in 60 s:\n{}", self.log_text());
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub async fn stop(mut self) -> String {
        let _ = self.child.start_kill();
        let _ = self.child.wait().await;
        self.log_text()
    }
}

/// Asserts a failed response with `code` (and, for tail C, `field` when given).
#[track_caller]
pub fn assert_fails(resp: &Value, code: &str, field: Option<&str>) {
    assert_eq!(resp["success"], false, "expected failure {code}: {resp}");
    if resp.get("error_code").is_some() {
        assert_eq!(resp["error_code"], code, "{resp}");
    }
    if let Some(f) = field {
        assert_eq!(resp["error_field"], f, "{resp}");
    }
    assert!(
        !resp["error"].as_str().unwrap_or_default().is_empty(),
        "an error text: {resp}"
    );
}

/// Asserts success and returns the response.
#[track_caller]
pub fn ok(resp: Value) -> Value {
    assert_eq!(resp["success"], true, "expected success: {resp}");
    assert_eq!(resp["error"], "", "{resp}");
    resp
}

/// The node's environment for a local stack: every contract, the URLs, the registry, the vault
/// passphrase, `machine` as the default machine and the stack's Gas Station test owner.
pub fn stack_node_env(
    stack: &peaqos_stack::LocalStack,
    registry: &Path,
    vault: &Path,
    passphrase: &str,
    machine: &str,
) -> Vec<(String, String)> {
    let s = |a: alloy::primitives::Address| a.to_checksum(None);
    let c = stack.contracts();
    [
        ("PEAQOS_ENABLED", "true".to_owned()),
        ("PEAQOS_RPC_URL", stack.devnet.url.clone()),
        ("PEAQOS_MCR_API_URL", stack.mcr.url()),
        ("PEAQOS_FAUCET_URL", stack.gas_station.url()),
        (
            "PEAQOS_WALLET_REGISTRY",
            registry.to_string_lossy().into_owned(),
        ),
        ("PEAQOS_WALLET_PASSPHRASE", passphrase.to_owned()),
        ("OWS_VAULT_PATH", vault.to_string_lossy().into_owned()),
        ("PEAQOS_DEFAULT_MACHINE_ADDRESS", machine.to_owned()),
        ("PEAQOS_DEFAULT_OWNER_ADDRESS", s(stack.test_owner())),
        ("IDENTITY_REGISTRY_ADDRESS", s(c.identity_registry)),
        ("IDENTITY_STAKING_ADDRESS", s(c.identity_staking)),
        ("EVENT_REGISTRY_ADDRESS", s(c.event_registry)),
        ("MACHINE_NFT_ADDRESS", s(c.machine_nft)),
        ("DID_REGISTRY_ADDRESS", s(c.did_registry)),
        ("BATCH_PRECOMPILE_ADDRESS", s(c.batch_precompile)),
        (
            "MACHINE_ACCOUNT_FACTORY_ADDRESS",
            c.machine_account_factory.map(s).unwrap_or_default(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// An official-format plaintext `peaqos_wallets.json` with one wallet (what the official node
/// writes), for the import tests.
pub fn write_official_registry(path: &Path, key: &peaqos_sdk::PrivateKey, label: &str) {
    let a = key.address().to_checksum(None);
    let official = json!({"version": 1, "wallets": {a.clone(): {
        "account_id": format!("eip155:3338:{a}"), "address": a, "chain_id": "eip155:3338",
        "created_at": 1_700_000_000u64, "label": label, "network": "peaq",
        "private_key": key.to_hex()}}});
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, serde_json::to_string_pretty(&official).expect("json")).expect("write");
}
