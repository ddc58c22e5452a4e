//! A CLI agents can drive: `--json` on every reporting command (snapshots), the one JSON error
//! shape on every error path, `INPUT_REQUIRED` instead of prompts, `peaqos doctor` against a
//! running stack and broken configurations, `peaqos skill install` per agent, the skill's demo
//! sequence exactly as GUIDE.md writes it, and the troubleshooting entries reproduced.

use crate::common;

use std::path::Path;

use common::{Cli, Run, dead_env, redact, snapshot, start_dev, stop};
use peaqos_stack::{LocalStack, StackConfig};
use serde_json::Value;

const KEY: &str = common::DEAD_ENV_KEY;
const DID: &str = "did:peaq:0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

/// The catalogue's codes with their exit codes, read from the generated troubleshooting file
/// (the table rows `| [`CODE`](#code) | exit | … |`).
fn catalogue() -> Vec<(String, i64)> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../skills/peaqos/knowledge/troubleshooting.md"),
    )
    .expect("troubleshooting.md");
    text.lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("| [`")?;
            let (code, rest) = rest.split_once('`')?;
            let exit = rest.split('|').nth(1)?.trim().parse().ok()?;
            Some((code.to_owned(), exit))
        })
        .collect()
}

/// Asserts `r` is the one JSON error shape with a catalogue code, exit code = process exit;
/// returns the error object.
#[track_caller]
fn json_error(r: &Run) -> Value {
    let v: Value = serde_json::from_str(r.stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{}\n--- stderr\n{}",
            r.stdout, r.stderr
        )
    });
    let obj = v.as_object().expect("an object");
    assert_eq!(obj.len(), 1, "only `error`: {v}");
    let e = v["error"].as_object().expect("error object");
    let mut keys: Vec<&str> = e.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["code", "exit_code", "field", "message"], "{v}");
    let code = e["code"].as_str().expect("code");
    let exit = e["exit_code"].as_i64().expect("exit_code");
    assert_eq!(
        exit,
        i64::from(r.code),
        "exit_code is the process exit: {v}"
    );
    assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(e["field"].is_null() || e["field"].is_string());
    let known = catalogue();
    assert!(
        known.iter().any(|(c, x)| c == code && *x == exit),
        "{code} (exit {exit}) is in the catalogue: {v}"
    );
    v["error"].clone()
}

/// Runs one command line (words split on spaces; `DID` stands for [`DID`]).
fn run_line(cli: &Cli, line: &str) -> Run {
    let line = line.replace("DID", DID);
    cli.run(&line.split(' ').collect::<Vec<_>>())
}

/// Every error path the CLI can reach without a chain yields the one shape, with the field.
#[test]
fn every_error_path_yields_the_one_json_error_shape() {
    let cli = Cli::new();
    // (arguments, code, field); DID holds no space.
    let cases = [
        (
            "whoami --json",
            "MISSING_CONFIG",
            Some("PEAQOS_PRIVATE_KEY"),
        ),
        ("--json nonsense", "USAGE", None),
        (
            "show operator machines DID --limit 99 --json",
            "USAGE",
            Some("--limit"),
        ),
        (
            "qualify mcr did:peaq:nope --json",
            "INVALID_INPUT",
            Some("DID"),
        ),
        (
            "activate --for 0x12 --machine-key k --json",
            "INVALID_INPUT",
            Some("--for"),
        ),
        (
            "qualify event --machine-id 0 --type revenue --value 1 --ts 1 --json",
            "INVALID_INPUT",
            Some("--machine-id"),
        ),
        (
            "qualify event --batch missing.json --json",
            "FILE_ERROR",
            Some("--batch"),
        ),
        (
            "init --network local --no-verify --json",
            "INPUT_REQUIRED",
            Some("--key-source"),
        ),
        ("wallet show nobody --json", "WALLET_NOT_FOUND", None),
    ];
    for (line, code, field) in cases {
        let e = json_error(&run_line(&cli, line));
        assert_eq!(e["code"], code, "{line}: {e}");
        if let Some(f) = field {
            assert_eq!(e["field"], f, "{line}: {e}");
        }
    }
    // PEAQOS_JSON=1 is --json.
    let mut env_json = Cli::new();
    env_json.set("PEAQOS_JSON", "1");
    assert_eq!(
        json_error(&env_json.run(&["whoami"]))["code"],
        "MISSING_CONFIG"
    );
    assert_eq!(json_error(&env_json.run(&["bogus"]))["code"], "USAGE");
    // Configuration and network paths.
    dead_env(&cli);
    for (line, code) in [
        ("whoami --json", "RPC_UNREACHABLE"),
        ("qualify mcr DID --json", "MCR_UNREACHABLE"),
        ("show machine DID --json", "MCR_UNREACHABLE"),
        (
            "activate --doc-url https://d --data-api https://a --skip-funding --json",
            "RPC_UNREACHABLE",
        ),
    ] {
        let e = json_error(&run_line(&cli, line));
        assert_eq!(e["code"], code, "{line}: {e}");
    }
    let bad = cli.read(".env").replace(KEY, "0x1234");
    cli.write_env(&bad);
    let e = json_error(&cli.run(&["whoami", "--json"]));
    assert_eq!(e["code"], "INVALID_CONFIG");
    assert!(!e.to_string().contains("0x1234"), "the key is never echoed");
    // Without --json: no JSON on stdout, the `Error:` line on stderr.
    let r = cli.run(&["whoami"]);
    assert!(
        r.stdout.is_empty() && r.stderr.starts_with("Error: "),
        "{r:?}"
    );
}

/// Stdin not a terminal: no prompt, an error naming the flag.
#[test]
fn no_prompts_without_a_terminal() {
    let cli = Cli::new();
    cli.write_env("PEAQOS_NETWORK=local\n");
    let init = [
        "init",
        "--network",
        "local",
        "--no-verify",
        "--json",
        "--key-source",
    ];
    let r = cli.run(&[&init[..], &["generate"]].concat());
    let e = json_error(&r);
    assert_eq!(e["code"], "INPUT_REQUIRED");
    assert_eq!(e["field"], "--force");
    assert!(
        !r.stderr.contains("[y/N]"),
        "no question asked: {}",
        r.stderr
    );
    let r = cli.run(&[&init[..], &["generate", "--force"]].concat());
    r.expect(0);
    snapshot("json_init", &scrub_json(&r.stdout, cli.path()));
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["network"], "local");
    assert!(v["address"].as_str().is_some_and(|a| a.starts_with("0x")));
    assert!(v["whoami"].is_null());
    assert!(
        !r.stdout.contains(
            &cli.read(".env")
                .lines()
                .find(|l| l.starts_with("PEAQOS_PRIVATE_KEY="))
                .expect("key")[19..]
        )
    );
    let r = cli.run(&[&init[..], &["file", "--force"]].concat());
    assert_eq!(json_error(&r)["field"], "--key-file");
}

fn scrub_json(text: &str, tmp: &Path) -> String {
    scrub_json_keys(text, tmp, &[])
}

/// [`scrub_json`] that also replaces the values of `extra` keys (random per run: a new
/// wallet's non-EVM addresses, a demo's generated revenue).
fn scrub_json_keys(text: &str, tmp: &Path, extra: &[&str]) -> String {
    let mut v: Value = serde_json::from_str(text).expect("json");
    for key in extra {
        scrub_key(&mut v, key);
    }
    // Values that change run to run beyond the redactions.
    for key in [
        "balance_wei",
        "seconds",
        "chain_id",
        "machine_id",
        "token_id",
        "data_dir",
    ] {
        scrub_key(&mut v, key);
    }
    redact(&serde_json::to_string_pretty(&v).expect("json"), tmp)
}

fn scrub_key(v: &mut Value, key: &str) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if k == key && !x.is_null() {
                    *x = Value::String(format!("<{key}>"));
                } else {
                    scrub_key(x, key);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| scrub_key(x, key)),
        _ => {}
    }
}

/// The keys of a new wallet's accounts that differ per wallet beyond the redactions.
const WALLET_RANDOM: &[&str] = &["address", "account_id"];

/// `peaqos dev --json` prints one ready line; everything else runs against it: doctor ok, then
/// JSON snapshots of activate, whoami, event, mcr, machine, operator, wallet, skill, demo.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_output_of_every_command_against_peaqos_dev() {
    let mut cli = Cli::new();
    let (child, ready) = start_dev(&mut cli, &["dev", "--json"]).await;
    let banner: Value = serde_json::from_str(&ready).expect("the ready line is JSON");
    assert_eq!(banner["status"], "ready");
    snapshot("json_dev_banner", &scrub_json(&ready, cli.path()));
    let tmp = cli.path().to_path_buf();

    let r = cli.run_async(&["doctor", "--json"]).await;
    r.expect(0);
    let doc: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(doc["ok"], true, "{doc}");
    snapshot("json_doctor_ok", &scrub_json(&r.stdout, &tmp));

    let r = cli
        .run_async(&[
            "activate",
            "--doc-url",
            "https://example.com/robot",
            "--data-api",
            "https://example.com/robot/api",
            "--json",
        ])
        .await;
    r.expect(0);
    let act: Value = serde_json::from_str(&r.stdout).expect("json");
    snapshot("json_activate", &scrub_json(&r.stdout, &tmp));
    let id = act["machine_id"].to_string();
    let did = act["machine_did"].as_str().expect("did").to_owned();

    let r = cli.run_async(&["whoami", "--json"]).await;
    r.expect(0);
    snapshot("json_whoami", &scrub_json(&r.stdout, &tmp));
    let heartbeat =
        format!("qualify event --machine-id {id} --type activity --value 0 --ts now --json");
    let r = cli
        .run_async(&heartbeat.split(' ').collect::<Vec<_>>())
        .await;
    r.expect(0);
    snapshot("json_qualify_event", &scrub_json(&r.stdout, &tmp));

    // The indexer catches up within seconds.
    let mut mcr = None;
    for _ in 0..60 {
        let r = cli.run_async(&["qualify", "mcr", &did, "--json"]).await;
        if r.code == 0 {
            mcr = Some(r);
            break;
        }
        assert_eq!(json_error(&r)["code"], "MCR_NOT_FOUND");
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    let r = mcr.expect("the machine is indexed");
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    assert!(v["mcr_score"].is_number(), "{v}");
    let r = cli.run_async(&["show", "machine", &did, "--json"]).await;
    r.expect(0);
    let r = cli
        .run_async(&["show", "operator", "machines", &did, "--json"])
        .await;
    r.expect(0);

    // Wallet commands (a vault in the temp HOME).
    let mut w = Cli::new();
    w.set("OWS_PASSPHRASE", "correct horse battery");
    let r = w.run_async(&["wallet", "create", "robot", "--json"]).await;
    r.expect(0);
    snapshot(
        "json_wallet_create",
        &scrub_json_keys(&r.stdout, w.path(), WALLET_RANDOM),
    );
    let r = w.run_async(&["wallet", "list", "--json"]).await;
    r.expect(0);
    snapshot(
        "json_wallet_list",
        &scrub_json_keys(&r.stdout, w.path(), WALLET_RANDOM),
    );
    let r = w.run_async(&["wallet", "use", "robot", "--json"]).await;
    r.expect(0);
    snapshot("json_wallet_use", &scrub_json(&r.stdout, w.path()));
    let r = w.run_async(&["wallet", "delete", "robot", "--json"]).await;
    assert_eq!(json_error(&r)["field"], "--yes");
    let r = w
        .run_async(&["wallet", "delete", "robot", "--yes", "--json"])
        .await;
    r.expect(0);
    snapshot("json_wallet_delete", &scrub_json(&r.stdout, w.path()));

    // demo uses the running stack from ./.env.
    let r = cli
        .run_async(&["demo", "--machines", "2", "--days", "30", "--json"])
        .await;
    r.expect(0);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["stack"], "external");
    assert_eq!(v["machines"].as_array().map(Vec::len), Some(2));
    snapshot(
        "json_demo",
        &scrub_json_keys(
            &r.stdout,
            &tmp,
            &[
                "events",
                "activity_events",
                "revenue_events",
                "total_revenue_usd_cents",
                "revenue_trend",
                "mcr",
                "mcr_score",
            ],
        ),
    );

    stop(child).await;
}

/// `doctor` with things broken: no configuration, a dead RPC, a foreign chain id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_reports_what_to_fix() {
    let cli = Cli::new();
    let r = cli.run_async(&["doctor", "--json"]).await;
    r.expect(3);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["ok"], false);
    let config = &v["checks"][0];
    assert_eq!(config["name"], "config");
    assert_eq!(config["status"], "fail");
    assert_eq!(config["error"]["code"], "MISSING_CONFIG");
    assert!(
        config["fix"]
            .as_str()
            .is_some_and(|f| f.contains("peaqos init"))
    );
    let r = cli.run_async(&["doctor"]).await;
    r.expect(3);
    assert!(
        r.stdout.contains("FAIL  config") && r.stdout.contains("MISSING_CONFIG:"),
        "{}",
        r.stdout
    );

    dead_env(&cli);
    let r = cli.run_async(&["doctor", "--json"]).await;
    r.expect(2);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    let rpc = v["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["name"] == "rpc")
        .expect("rpc")
        .clone();
    assert_eq!(rpc["error"]["code"], "RPC_UNREACHABLE");
    snapshot("json_doctor_broken", &scrub_json(&r.stdout, cli.path()));

    // A running stack, but PEAQOS_NETWORK names mainnet.
    let stack = LocalStack::start(StackConfig::ephemeral(), |_| {})
        .await
        .expect("stack");
    let c2 = Cli::new();
    c2.write_env(
        &stack
            .env_file()
            .replace("PEAQOS_NETWORK=local", "PEAQOS_NETWORK=mainnet"),
    );
    let r = c2.run_async(&["doctor", "--json"]).await;
    r.expect(3);
    assert!(r.stdout.contains("CHAIN_MISMATCH"), "{}", r.stdout);
    stack.shutdown().await.expect("shutdown");
}

/// `skill install` into a temp HOME per agent: files where the agent looks, a second run
/// changes nothing, --dry-run writes nothing, auto-detection picks the agents present.
#[test]
fn skill_install_per_agent_is_idempotent() {
    for (agent, dir) in [
        ("claude-code", ".claude/skills/peaqos"),
        ("cursor", ".cursor/skills/peaqos"),
        ("windsurf", ".codeium/windsurf/skills/peaqos"),
    ] {
        let cli = Cli::new();
        let r = cli.run(&["skill", "install", "--agent", agent, "--dry-run", "--json"]);
        r.expect(0);
        assert!(!cli.path().join(dir).exists(), "dry run writes nothing");
        let r = cli.run(&["skill", "install", "--agent", agent, "--json"]);
        r.expect(0);
        if agent == "claude-code" {
            snapshot("json_skill_install", &scrub_json(&r.stdout, cli.path()));
        }
        let v: Value = serde_json::from_str(&r.stdout).expect("json");
        let files = v["installed"][0]["files"].as_array().expect("files");
        assert!(files.iter().all(|f| f["action"] == "created"), "{v}");
        for rel in [
            "SKILL.md",
            "AGENT-PROMPT.md",
            "manifest.json",
            "knowledge/troubleshooting.md",
            &format!("adapters/{agent}/SKILL.md"),
        ] {
            assert!(cli.path().join(dir).join(rel).is_file(), "{agent}: {rel}");
        }
        let r = cli.run(&["skill", "install", "--agent", agent, "--json"]);
        let v: Value = serde_json::from_str(&r.stdout).expect("json");
        let files = v["installed"][0]["files"].as_array().expect("files");
        assert!(
            files.iter().all(|f| f["action"] == "unchanged"),
            "second run: {v}"
        );
    }
    // Auto-detect: ~/.cursor exists → Cursor only.
    let cli = Cli::new();
    std::fs::create_dir_all(cli.path().join(".cursor")).expect("mkdir");
    let r = cli.run(&["skill", "install"]);
    r.expect(0);
    assert!(cli.path().join(".cursor/skills/peaqos/SKILL.md").is_file());
    assert!(!cli.path().join(".claude").exists());
    // --dir.
    let r = cli.run(&["skill", "install", "--dir", "custom"]);
    r.expect(0);
    assert!(cli.path().join("custom/peaqos/GUIDE.md").is_file());
    // print: the prompt and the knowledge in one document.
    let r = cli.run(&["skill", "print"]);
    r.expect(0);
    assert!(
        r.stdout.contains("<!-- file: AGENT-PROMPT.md -->") && r.stdout.contains("MISSING_CONFIG")
    );
    // --json: the files by name (their text is the skill's, pinned by the skill tests).
    let r = cli.run(&["skill", "print", "--json"]);
    r.expect(0);
    crate::common::snapshot("json_skill_print", &crate::common::json_shape(&r.stdout));
    // generate --check on this source tree: nothing stale, nothing written.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = root.to_str().expect("UTF-8 path");
    let r = cli.run(&["skill", "generate", "--check", "--root", root, "--json"]);
    r.expect(0);
    crate::common::snapshot("json_skill_generate_check", r.stdout.trim());
}

/// The fenced commands of GUIDE.md#demo-happy-path: (command line, in the background).
fn demo_sequence() -> Vec<(String, bool)> {
    let guide = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../skills/peaqos/GUIDE.md"),
    )
    .expect("GUIDE.md");
    let section = guide
        .split("## Demo happy path")
        .nth(1)
        .expect("the section");
    let block = section
        .split("```bash\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("block");
    block
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| match l.strip_suffix('&') {
            Some(cmd) => (cmd.trim().to_owned(), true),
            None => (l.to_owned(), false),
        })
        .collect()
}

/// The demo mode's sequence, exactly as GUIDE.md writes it (placeholders filled from earlier
/// JSON), against `peaqos dev`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_skill_demo_runs_as_written() {
    let mut cli = Cli::new();
    let steps = demo_sequence();
    assert!(steps.len() >= 6, "{steps:?}");
    let mut vars: Vec<(String, String)> = Vec::new();
    let mut background = Vec::new();
    for (line, bg) in steps {
        let mut line = line.clone();
        for (k, v) in &vars {
            line = line.replace(k, v);
        }
        assert!(!line.contains('<'), "an unfilled placeholder: {line}");
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(words[0], "peaqos");
        let args = &words[1..];
        if bg {
            let (child, ready) = start_dev(&mut cli, args).await;
            assert!(ready.contains("\"status\":\"ready\""), "{ready}");
            background.push(child);
            continue;
        }
        // The MCR indexer may lag a moment: retry MCR_NOT_FOUND as the prompt says.
        let mut r = cli.run_async(args).await;
        for _ in 0..60 {
            if r.code == 0 || !r.stdout.contains("MCR_NOT_FOUND") {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            r = cli.run_async(args).await;
        }
        assert_eq!(r.code, 0, "{line}\n{}\n{}", r.stdout, r.stderr);
        let v: Value =
            serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{line}: {e}\n{}", r.stdout));
        if words.get(1) == Some(&"activate") {
            vars.push(("<MACHINE_ID>".into(), v["machine_id"].to_string()));
            vars.push((
                "<DID>".into(),
                v["machine_did"].as_str().expect("did").to_owned(),
            ));
        }
    }
    for child in background {
        stop(child).await;
    }
}

/// A loopback HTTP server that answers every request with `status` (and an MCR-shaped error
/// body); returns its base URL. The thread lives as long as the test process.
fn answering(status: u16) -> String {
    use std::io::Write as _;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let _ = read_request(&mut stream);
            let body = r#"{"detail":"stand-in failure"}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 {status} Failure\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

/// One HTTP request's body (headers up to the blank line, then `Content-Length` bytes; at most
/// 1 MiB).
fn read_request(stream: &mut std::net::TcpStream) -> Vec<u8> {
    use std::io::Read as _;
    const MAX: usize = 1 << 20;
    let mut buf = [0_u8; 4096];
    let mut seen = Vec::new();
    let mut wanted = None;
    loop {
        if wanted.is_none()
            && let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n")
        {
            let head = String::from_utf8_lossy(&seen[..end]).to_ascii_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            wanted = Some((end + 4, len));
        }
        if let Some((start, len)) = wanted
            && seen.len() >= start + len
        {
            return seen[start..start + len].to_vec();
        }
        if seen.len() > MAX {
            return Vec::new();
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return Vec::new(),
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

/// A JSON-RPC relay to `upstream` (`http://host:port`) that forwards every call but closes the
/// connection without an answer on a request naming `method`: a node whose link drops
/// mid-command. Returns the relay's URL.
fn relay_dropping(upstream: &str, method: &'static str) -> String {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let host = upstream
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let body = read_request(&mut stream);
            if String::from_utf8_lossy(&body).contains(method) {
                continue; // dropped: the connection closes unanswered
            }
            let Ok(mut up) = std::net::TcpStream::connect(&host) else {
                continue;
            };
            let _ = write!(
                up,
                "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = up.write_all(&body);
            let mut reply = Vec::new();
            let _ = up.read_to_end(&mut reply);
            let _ = stream.write_all(&reply);
        }
    });
    url
}

/// Runs `command` (a shell line) under `script`, so its stdin is a pseudo-terminal, with
/// `input` typed; stdout holds the terminal's output (stdout and stderr together).
async fn on_a_terminal(cli: &Cli, command: &str, input: &str) -> Run {
    let dir = cli.path().to_path_buf();
    let env = cli.env.clone();
    let command = command.to_owned();
    let input = input.to_owned();
    tokio::task::spawn_blocking(move || {
        use std::io::Write as _;
        let mut cmd = std::process::Command::new("script");
        cmd.args(["-qec", &command, "/dev/null"])
            .current_dir(&dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &dir)
            .env("NO_COLOR", "1")
            .env("DO_NOT_TRACK", "1")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        for (k, v) in &env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .spawn()
            .expect("`script` (util-linux) runs the command on a pseudo-terminal");
        // Typed after the prompt is up: the terminal would drop input sent before it.
        std::thread::sleep(std::time::Duration::from_millis(1500));
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(input.as_bytes());
        }
        let out = child.wait_with_output().expect("wait");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    })
    .await
    .expect("join")
}

/// Expects the JSON error `code` from `r`.
#[track_caller]
fn expect_code(r: &Run, code: &str) {
    let e = json_error(r);
    assert_eq!(e["code"], code, "{e}");
}

/// Each troubleshooting entry that can be provoked on a local stack: the error, the fix the
/// catalogue gives, then success. TX_FAILED (two minutes of waiting) is
/// `tx_failed_when_the_receipt_never_arrives`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn troubleshooting_entries_reproduced_and_fixed() {
    let stack = LocalStack::start(StackConfig::ephemeral(), |_| {})
        .await
        .expect("stack");
    let good = stack.env_file();
    let mut cli = Cli::new();

    // MISSING_CONFIG → the .env `peaqos dev` writes.
    expect_code(
        &cli.run_async(&["whoami", "--json"]).await,
        "MISSING_CONFIG",
    );
    cli.write_env(&good);
    cli.run_async(&["whoami", "--json"]).await.expect(0);

    // INVALID_CONFIG → fix the variable named in `field`.
    let key_line = good
        .lines()
        .find(|l| l.starts_with("PEAQOS_PRIVATE_KEY="))
        .expect("key");
    cli.write_env(&good.replace(key_line, "PEAQOS_PRIVATE_KEY=0x1234"));
    let r = cli.run_async(&["whoami", "--json"]).await;
    expect_code(&r, "INVALID_CONFIG");
    assert_eq!(json_error(&r)["field"], "PEAQOS_PRIVATE_KEY");
    cli.write_env(&good);
    cli.run_async(&["whoami", "--json"]).await.expect(0);

    // RPC_UNREACHABLE → correct PEAQOS_RPC_URL.
    cli.write_env(&good.replace(&stack.devnet.url, "http://127.0.0.1:9"));
    expect_code(
        &cli.run_async(&["whoami", "--json"]).await,
        "RPC_UNREACHABLE",
    );
    cli.write_env(&good);
    cli.run_async(&["whoami", "--json"]).await.expect(0);

    // NETWORK_ERROR: the RPC link drops in the middle of `whoami` (after eth_chainId, on
    // eth_getBalance) → check connectivity and the URL (the node itself), retry.
    let dropping = relay_dropping(&stack.devnet.url, "eth_getBalance");
    cli.write_env(&good.replace(&stack.devnet.url, &dropping));
    let r = cli.run_async(&["whoami", "--json"]).await;
    expect_code(&r, "NETWORK_ERROR");
    assert!(r.stdout.contains("eth_getBalance"), "{}", r.stdout);
    cli.write_env(&good);
    cli.run_async(&["whoami", "--json"]).await.expect(0);

    // CHAIN_MISMATCH (doctor) → PEAQOS_NETWORK names the RPC's chain.
    cli.write_env(&good.replace("PEAQOS_NETWORK=local", "PEAQOS_NETWORK=testnet"));
    let r = cli.run_async(&["doctor", "--json"]).await;
    r.expect(3);
    assert!(r.stdout.contains("CHAIN_MISMATCH"), "{}", r.stdout);
    cli.write_env(&good);
    cli.run_async(&["doctor", "--json"]).await.expect(0);

    // MCR_NOT_FOUND → activate, wait for the indexer.
    let who: Value =
        serde_json::from_str(&cli.run_async(&["whoami", "--json"]).await.stdout).expect("json");
    let did = who["did"].as_str().expect("did").to_owned();
    expect_code(
        &cli.run_async(&["qualify", "mcr", &did, "--json"]).await,
        "MCR_NOT_FOUND",
    );
    let activate = "activate --doc-url https://op.example --data-api https://op.example/api --json";
    let r = cli
        .run_async(&activate.split(' ').collect::<Vec<_>>())
        .await;
    r.expect(0);
    let id = serde_json::from_str::<Value>(&r.stdout).expect("json")["machine_id"].to_string();
    stack
        .wait_indexed(std::time::Duration::from_secs(60))
        .await
        .expect("indexed");
    let mut found = false;
    for _ in 0..60 {
        if cli
            .run_async(&["qualify", "mcr", &did, "--json"])
            .await
            .code
            == 0
        {
            found = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert!(found, "the machine is indexed");

    // MCR_UNREACHABLE → correct PEAQOS_MCR_API_URL.
    cli.write_env(&good.replace(&stack.mcr.url(), "http://127.0.0.1:9"));
    expect_code(
        &cli.run_async(&["qualify", "mcr", &did, "--json"]).await,
        "MCR_UNREACHABLE",
    );
    cli.write_env(&good);
    cli.run_async(&["qualify", "mcr", &did, "--json"])
        .await
        .expect(0);

    // INVALID_INPUT → a well-formed DID; USAGE → a limit in range.
    expect_code(
        &cli.run_async(&["show", "machine", "did:peaq:0x12", "--json"])
            .await,
        "INVALID_INPUT",
    );
    cli.run_async(&["show", "machine", &did, "--json"])
        .await
        .expect(0);
    let page = ["show", "operator", "machines", &did, "--json", "--limit"];
    expect_code(
        &cli.run_async(&[&page[..], &["99"]].concat()).await,
        "USAGE",
    );
    cli.run_async(&[&page[..], &["20"]].concat())
        .await
        .expect(0);

    // TX_REVERTED (MachineNotFound) → the machine id activate printed.
    let event = |machine: &str| {
        format!("qualify event --machine-id {machine} --type activity --value 0 --ts now --json")
    };
    let unknown = event("999");
    expect_code(
        &cli.run_async(&unknown.split(' ').collect::<Vec<_>>()).await,
        "TX_REVERTED",
    );
    let ours = event(&id);
    cli.run_async(&ours.split(' ').collect::<Vec<_>>())
        .await
        .expect(0);

    // FILE_ERROR → the batch file exists.
    let batch = ["qualify", "event", "--batch", "events.json", "--json"];
    expect_code(&cli.run_async(&batch).await, "FILE_ERROR");
    // A minute ago: not later than the latest block.
    let ts = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        - 60;
    std::fs::write(
        cli.path().join("events.json"),
        format!(r#"[{{"machine_id":{id},"type":"activity","value":0,"ts":{ts}}}]"#),
    )
    .expect("write");
    cli.run_async(&batch).await.expect(0);

    // LIMIT_EXCEEDED (a value above PEAQOS_MAX_VALUE_PER_TX) → lower the value.
    cli.write_env(&format!(
        "{}\nPEAQOS_MAX_VALUE_PER_TX=100\n",
        good.trim_end()
    ));
    let revenue = |value: u32| {
        format!("qualify event --machine-id {id} --type revenue --value {value} --ts now --json")
    };
    let over = revenue(1000);
    expect_code(
        &cli.run_async(&over.split(' ').collect::<Vec<_>>()).await,
        "LIMIT_EXCEEDED",
    );
    let under = revenue(10);
    cli.run_async(&under.split(' ').collect::<Vec<_>>())
        .await
        .expect(0);
    cli.write_env(&good);

    // MCR_UNAVAILABLE (an MCR behind a proxy that answers 503 while the service is down) and
    // MCR_ERROR (an MCR that answers 500) → the running MCR API's URL.
    for (status, code) in [(503, "MCR_UNAVAILABLE"), (500, "MCR_ERROR")] {
        let failing = answering(status);
        cli.write_env(&good.replace(&stack.mcr.url(), &failing));
        expect_code(
            &cli.run_async(&["qualify", "mcr", &did, "--json"]).await,
            code,
        );
        cli.write_env(&good);
        cli.run_async(&["qualify", "mcr", &did, "--json"])
            .await
            .expect(0);
    }

    // NOT_REGISTERED / INSUFFICIENT_FUNDS / GAS_STATION_UNREACHABLE / TWO_FACTOR_INVALID on a
    // proxy activation, each fixed in turn. The operator (the .env key) is registered above,
    // so a second stack-fresh operator shows NOT_REGISTERED first.
    let (machine, key) = peaqos_sdk::PeaqosClient::generate_keypair();
    std::fs::write(cli.path().join("m.key"), key.to_hex()).expect("key");
    let proxy = format!(
        "activate --for {machine} --machine-key m.key --doc-url https://m.example --data-api https://m.example/api --json"
    );
    let proxy: Vec<&str> = proxy.split(' ').collect();
    let fresh_op = Cli::new();
    let (_, op_key) = peaqos_sdk::PeaqosClient::generate_keypair();
    fresh_op.write_env(&good.replace(key_line, &format!("PEAQOS_PRIVATE_KEY={}", op_key.to_hex())));
    std::fs::write(fresh_op.path().join("m.key"), key.to_hex()).expect("key");
    expect_code(
        &fresh_op
            .run_async(&[&proxy[..], &["--skip-funding"]].concat())
            .await,
        "NOT_REGISTERED",
    );
    expect_code(
        &cli.run_async(&[&proxy[..], &["--skip-funding"]].concat())
            .await,
        "INSUFFICIENT_FUNDS",
    );
    cli.set("PEAQOS_GAS_STATION_URL", "http://127.0.0.1:9");
    expect_code(
        &cli.run_input_async(&proxy, &format!("{}\n", crate::stack::code_now()))
            .await,
        "GAS_STATION_UNREACHABLE",
    );
    cli.env.clear();
    expect_code(
        &cli.run_input_async(&proxy, "000000\n").await,
        "TWO_FACTOR_INVALID",
    );
    let r = cli
        .run_input_async(&proxy, &format!("{}\n", crate::stack::code_now()))
        .await;
    r.expect(0);
    assert_eq!(
        serde_json::from_str::<Value>(&r.stdout).expect("json")["mode"],
        "proxy"
    );

    // GAS_STATION_REFUSED: a Gas Station that locks the owner after one invalid 2FA code
    // (lockout 3 s) → wait for the lockout to pass, then retry with a fresh code. Another
    // machine (the first is funded now), another funder (no nonce race with the stack's).
    let mut config = peaqos_gas_station::GasStationConfig::for_devnet(
        &stack.devnet.url,
        peaqos_stack::FAUCET_CHAIN,
        &stack.devnet.accounts[8].private_key.to_string(),
        &format!(
            "sqlite://{}?mode=rwc",
            cli.path().join("locking-gas-station.db").display()
        ),
    );
    config.max_failed_attempts = 1;
    config.lockout = std::time::Duration::from_secs(3);
    let locking = peaqos_gas_station::GasStation::spawn(config)
        .await
        .expect("gas station");
    peaqos_stack::enroll_dev_owner(&locking, stack.test_owner(), peaqos_stack::DEV_TOTP_SECRET)
        .await
        .expect("enroll");
    let (machine2, key2) = peaqos_sdk::PeaqosClient::generate_keypair();
    std::fs::write(cli.path().join("m2.key"), key2.to_hex()).expect("key");
    let proxy2 = format!(
        "activate --for {machine2} --machine-key m2.key --doc-url https://m2.example --data-api https://m2.example/api --json"
    );
    let proxy2: Vec<&str> = proxy2.split(' ').collect();
    cli.set("PEAQOS_GAS_STATION_URL", &locking.url());
    let mut codes = Vec::new();
    for _ in 0..3 {
        let r = cli.run_input_async(&proxy2, "000000\n").await;
        let code = json_error(&r)["code"].as_str().expect("code").to_owned();
        codes.push(code.clone());
        if code == "GAS_STATION_REFUSED" {
            assert!(r.stdout.contains("locked"), "{}", r.stdout);
            break;
        }
        assert_eq!(code, "TWO_FACTOR_INVALID", "{}", r.stdout);
    }
    assert_eq!(
        codes.last().map(String::as_str),
        Some("GAS_STATION_REFUSED"),
        "{codes:?}"
    );
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    let r = cli
        .run_input_async(&proxy2, &format!("{}\n", crate::stack::code_now()))
        .await;
    r.expect(0);
    cli.env.clear();
    locking.shutdown().await;
    stack.shutdown().await.expect("shutdown");

    // Wallets: WALLET_NOT_FOUND → create it; WALLET_PASSPHRASE → the right passphrase;
    // WALLET_UNAVAILABLE → OWS_PASSPHRASE set.
    let mut w = Cli::new();
    w.set("OWS_PASSPHRASE", "right passphrase");
    expect_code(
        &w.run_async(&["wallet", "show", "fleet", "--json"]).await,
        "WALLET_NOT_FOUND",
    );
    w.run_async(&["wallet", "create", "fleet", "--json"])
        .await
        .expect(0);
    w.run_async(&["wallet", "show", "fleet", "--json"])
        .await
        .expect(0);
    let export = ["wallet", "export", "fleet", "--yes", "--json"];
    w.env.clear();
    w.set("OWS_PASSPHRASE", "wrong passphrase");
    expect_code(&w.run_async(&export).await, "WALLET_PASSPHRASE");
    w.env.clear();
    w.set("OWS_PASSPHRASE", "right passphrase");
    let r = w.run_async(&export).await;
    r.expect(0);
    // The secret is random: the snapshot pins the keys and types.
    crate::common::snapshot("json_wallet_export", &crate::common::json_shape(&r.stdout));

    // ABORTED: a confirmation answered "n" on a terminal (a pseudo-terminal from `script`)
    // → run it again and confirm.
    w.run_async(&["wallet", "create", "spare", "--json"])
        .await
        .expect(0);
    let delete = format!("{} wallet delete spare", env!("CARGO_BIN_EXE_peaqos"));
    let r = on_a_terminal(&w, &delete, "n\n").await;
    assert_eq!(r.code, 1, "{r:?}");
    assert!(
        r.stdout.contains("[y/N]") && r.stdout.contains("Aborted!"),
        "{r:?}"
    );
    let r = on_a_terminal(&w, &format!("{delete} --json"), "n\n").await;
    assert_eq!(r.code, 1, "{r:?}");
    assert!(r.stdout.contains(r#""code":"ABORTED""#), "{r:?}");
    let r = on_a_terminal(&w, &delete, "y\n").await;
    assert_eq!(r.code, 0, "{r:?}");
    let r = w.run_async(&["wallet", "list", "--json"]).await;
    r.expect(0);
    assert!(!r.stdout.contains("spare"), "deleted: {}", r.stdout);
    w.env.clear();
    w.set("PEAQOS_OWS_WALLET", "fleet");
    dead_env(&w);
    expect_code(
        &w.run_async(&["whoami", "--json"]).await,
        "WALLET_UNAVAILABLE",
    );
    w.set("OWS_PASSPHRASE", "right passphrase");
    // Loaded now: the dead RPC is the next thing it meets.
    expect_code(&w.run_async(&["whoami", "--json"]).await, "RPC_UNREACHABLE");

    // STACK_FAILED → a free port.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let mut dev = Cli::new();
    dev.set("PEAQOS_DEV_MCR_PORT", "0");
    dev.set("PEAQOS_DEV_GAS_STATION_PORT", "0");
    expect_code(
        &dev.run_async(&["dev", "--json", "--no-env", "--rpc-port", &port])
            .await,
        "STACK_FAILED",
    );
    let (child, ready) = start_dev(&mut dev, &["dev", "--json", "--no-env"]).await;
    assert!(ready.contains("\"status\":\"ready\""), "{ready}");
    stop(child).await;
}

/// TX_FAILED: the link to the node drops every receipt query, so a sent event's receipt never
/// arrives (the SDK gives up after its 120 s receipt timeout) → run the command again against
/// the node, which succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tx_failed_when_the_receipt_never_arrives() {
    let stack = LocalStack::start(StackConfig::ephemeral(), |_| {})
        .await
        .expect("stack");
    let good = stack.env_file();
    let cli = Cli::new();
    cli.write_env(&good);
    let activate = "activate --doc-url https://tx.example --data-api https://tx.example/api --json";
    let r = cli
        .run_async(&activate.split(' ').collect::<Vec<_>>())
        .await;
    r.expect(0);
    let id = serde_json::from_str::<Value>(&r.stdout).expect("json")["machine_id"].to_string();
    let event =
        format!("qualify event --machine-id {id} --type activity --value 0 --ts now --json");
    let event: Vec<&str> = event.split(' ').collect();
    let dropping = relay_dropping(&stack.devnet.url, "eth_getTransactionReceipt");
    cli.write_env(&good.replace(&stack.devnet.url, &dropping));
    let r = cli.run_async(&event).await;
    expect_code(&r, "TX_FAILED");
    assert!(r.stdout.contains("no receipt arrived"), "{}", r.stdout);
    cli.write_env(&good);
    cli.run_async(&event).await.expect(0);
    stack.shutdown().await.expect("shutdown");
}

/// The official Python MCP client (`mcp` on PyPI, in the venv `PEAQOS_MCP_PYTHON` names)
/// drives `peaqos mcp` against a local stack (tests/mcp/client.py).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Python with the `mcp` package: PEAQOS_MCP_PYTHON (scripts/test.sh makes .venv-mcp)"]
async fn mcp_server_with_the_official_python_client() {
    let python = std::env::var("PEAQOS_MCP_PYTHON").unwrap_or_else(|_| {
        panic!(
            "PEAQOS_MCP_PYTHON is not set: python3 -m venv .venv-mcp && .venv-mcp/bin/pip \
             install 'mcp==1.30.0', then export PEAQOS_MCP_PYTHON=$PWD/.venv-mcp/bin/python"
        )
    });
    let stack = LocalStack::start(StackConfig::ephemeral(), |_| {})
        .await
        .expect("stack");
    let cli = Cli::new();
    cli.write_env(&stack.env_file());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp/client.py");
    let dir = cli.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python)
            .arg(script)
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", cli.path())
            .env("PEAQOS_BIN", env!("CARGO_BIN_EXE_peaqos"))
            .env("NO_COLOR", "1")
            .output()
            .expect("run the MCP client")
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("MCP OK"),
        "{stdout}\n{stderr}"
    );
    stack.shutdown().await.expect("shutdown");
}
