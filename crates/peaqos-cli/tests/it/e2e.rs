//! End to end against an in-process devnet: init (non-interactive and interactive), whoami,
//! activate (self, re-run, killed after register and resumed, proxy fleet of three), qualify
//! event (single and batch). Human and JSON outputs are snapshotted with addresses and hashes
//! redacted.

use crate::common;

use std::io::BufRead as _;

use alloy::primitives::U256;
use common::{Cli, PEAQ, client, contracts, devnet, env_text, funded_key, redact, snapshot};
use peaqos_sdk::PeaqosClient;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_whoami_activate_and_events() {
    let devnet = devnet().await;
    let key = funded_key(&devnet, 5).await;
    let mut cli = Cli::new();
    let tmp = cli.path().to_path_buf();
    cli.set("PEAQOS_PRIVATE_KEY", &key.to_hex());

    // init --network local: the built-in preset's addresses are those a fresh devnet deploys.
    let r = cli
        .run_async(&[
            "init",
            "--non-interactive",
            "--network",
            "local",
            "--rpc-url",
            &devnet.url,
            "--mcr-api-url",
            "http://127.0.0.1:9",
            "--no-verify",
        ])
        .await;
    r.expect(0);
    snapshot("init_non_interactive_stdout", &redact(&r.stdout, &tmp));
    let env = cli.read(".env");
    let c = contracts(&devnet);
    for a in [
        c.identity_registry,
        c.identity_staking,
        c.event_registry,
        c.machine_nft,
    ] {
        assert!(env.contains(&a.to_string()), "preset address {a} in\n{env}");
    }
    assert!(env.contains(&key.to_hex()), "the env key source");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(tmp.join(".env"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // From now on the key comes from .env only.
    cli.env.clear();
    let r = cli.run_async(&["whoami"]).await;
    r.expect(0);
    snapshot("whoami_before", &redact(&r.stdout, &tmp));

    let activate = [
        "activate",
        "--doc-url",
        "https://example.com/docs",
        "--data-api",
        "https://example.com/events",
        "--skip-funding",
    ];
    let r = cli.run_async(&activate).await;
    r.expect(0);
    snapshot("activate_self_stdout", &redact(&r.stdout, &tmp));
    snapshot("activate_self_stderr", &redact(&r.stderr, &tmp));
    let me = key.address();
    let sdk = PeaqosClient::new(peaqos_sdk::ClientConfig::new(
        peaqos_sdk::NetworkConfig::new(&devnet.url, c),
        key.signer(),
    ))
    .expect("c");
    let machine_id = sdk.machine_id_of(me).await.expect("id");
    assert!(!machine_id.is_zero());
    assert!(!sdk.token_id_of(machine_id).await.expect("token").is_zero());
    let attr = sdk
        .read_attribute(me, "documentation_url")
        .await
        .expect("read")
        .expect("set");
    assert_eq!(attr.value, "https://example.com/docs");

    // The journal: JSON lines, sorted keys, 0600.
    let log = cli.read("peaqos.log");
    let steps: Vec<(String, String)> = log
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("json line");
            let keys: Vec<&String> = v.as_object().expect("obj").keys().collect();
            let mut sorted = keys.clone();
            sorted.sort();
            assert_eq!(keys, sorted, "sorted keys: {l}");
            assert!(l.contains("\"ts\": \""), "python separators and ts: {l}");
            (
                v["step"].as_str().unwrap_or_default().to_owned(),
                v["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let expect = |s: &str, st: &str| (s.to_owned(), st.to_owned());
    assert_eq!(
        steps,
        vec![
            expect("register", "confirmed"),
            expect("mint_nft", "confirmed"),
            expect("machine_did", "confirmed")
        ]
    );
    snapshot("journal_self", &redact(&log, &tmp));

    // A re-run skips every step.
    let r = cli.run_async(&activate).await;
    r.expect(0);
    snapshot("activate_self_rerun_stderr", &redact(&r.stderr, &tmp));
    assert!(r.stderr.contains("Already registered"));
    assert!(r.stderr.contains("Already minted"));
    assert!(r.stderr.contains("already on chain"));

    let r = cli.run_async(&["whoami", "--json"]).await;
    r.expect(0);
    let mut who: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert!(
        who["balance_wei"]
            .as_str()
            .is_some_and(|b| b.parse::<u128>().is_ok_and(|b| b > 3 * PEAQ))
    );
    who["balance_wei"] = "[WEI]".into();
    snapshot(
        "whoami_json",
        &redact(&serde_json::to_string_pretty(&who).expect("json"), &tmp),
    );

    // Events: single (flags), inline raw data, and a batch in one transaction.
    let now = common::chain_now(&devnet).await;
    let id = machine_id.to_string();
    let ts = (now - 60).to_string();
    let r = cli
        .run_async(&[
            "qualify",
            "event",
            "--machine-id",
            &id,
            "--type",
            "revenue",
            "--value",
            "1250",
            "--ts",
            &ts,
            "--currency",
            "HKD",
            "--raw-data-text",
            "{\"session\":\"abc\"}",
        ])
        .await;
    r.expect(0);
    snapshot("qualify_event_human", &redact(&r.stdout, &tmp));
    let r = cli
        .run_async(&[
            "qualify",
            "event",
            "--machine-id",
            &id,
            "--type",
            "activity",
            "--value",
            "0",
            "--ts",
            &ts,
            "--json",
        ])
        .await;
    r.expect(0);
    snapshot("qualify_event_json", &redact(&r.stdout, &tmp));
    let batch: Vec<serde_json::Value> = (0..5)
        .map(|i| serde_json::json!({"machine_id": machine_id.to::<u64>(), "type": if i % 2 == 0 {"revenue"} else {"activity"}, "value": if i % 2 == 0 {100 * i} else {0}, "ts": now - 3600 + i * 60}))
        .collect();
    std::fs::write(
        tmp.join("events.json"),
        serde_json::to_string(&batch).expect("json"),
    )
    .expect("write");
    let r = cli
        .run_async(&["qualify", "event", "--batch", "events.json"])
        .await;
    r.expect(0);
    snapshot("qualify_event_batch", &redact(&r.stdout, &tmp));
    assert_eq!(
        sdk.event_count(machine_id).await.expect("count"),
        U256::from(7)
    );
    // Future timestamps are refused before sending (exit 1, names the flag).
    let r = cli
        .run_async(&[
            "qualify",
            "event",
            "--machine-id",
            &id,
            "--type",
            "activity",
            "--value",
            "0",
            "--ts",
            &(now + 86_400 * 365).to_string(),
        ])
        .await;
    r.expect(1);
    assert!(r.stderr.contains("--ts"), "{}", r.stderr);
    // A machine that does not exist: a chain error (2).
    let r = cli
        .run_async(&[
            "qualify",
            "event",
            "--machine-id",
            "999",
            "--type",
            "activity",
            "--value",
            "0",
            "--ts",
            &ts,
        ])
        .await;
    r.expect(2);
    assert!(r.stderr.contains("MachineNotFound"), "{}", r.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_without_a_terminal_generates_a_key_without_echoing_it() {
    let devnet = devnet().await;
    let cli = Cli::new();
    // Stdin is not a terminal: the answers come from flags, the rest from the preset.
    let r = cli
        .run_async(&[
            "init",
            "--network",
            "local",
            "--key-source",
            "generate",
            "--rpc-url",
            &devnet.url,
        ])
        .await;
    r.expect(0);
    let env = cli.read(".env");
    let key_line = env
        .lines()
        .find(|l| l.starts_with("PEAQOS_PRIVATE_KEY="))
        .expect("key line");
    let key = key_line.trim_start_matches("PEAQOS_PRIVATE_KEY=");
    assert_eq!(key.len(), 66);
    assert!(
        !r.stdout.contains(key) && !r.stderr.contains(key),
        "the key is never printed"
    );
    assert!(env.contains("PEAQOS_NETWORK=local"));
    assert!(env.contains(&format!("PEAQOS_RPC_URL={}", devnet.url)));
    assert!(env.contains("PEAQOS_GAS_STATION_URL=http://127.0.0.1:8001"));
    // init verified the config with whoami (fresh key: balance 0, not registered).
    assert!(r.stdout.contains("not registered"), "{}", r.stdout);
    // A second init would have to ask before overwriting: without a terminal it names
    // --force instead (exit 1) and leaves the file alone.
    let r = cli
        .run_async(&["init", "--network", "local", "--key-source", "generate"])
        .await;
    r.expect(1);
    assert!(r.stderr.contains("--force"), "{}", r.stderr);
    assert_eq!(cli.read(".env"), env);
    // Paste: the hidden prompt reads the key; it is never echoed.
    let other = funded_key(&devnet, 0).await;
    let r = cli
        .run_input_async(
            &[
                "init",
                "--force",
                "--network",
                "local",
                "--key-source",
                "paste",
                "--rpc-url",
                &devnet.url,
                "--mcr-api-url",
                "",
                "--gas-station-url",
                "",
            ],
            &format!("{}\n", other.to_hex()),
        )
        .await;
    r.expect(0);
    assert!(!r.stderr.contains(&other.to_hex()[4..]));
    assert!(cli.read(".env").contains(&other.to_hex()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activate_killed_after_register_resumes() {
    let devnet = devnet().await;
    let key = funded_key(&devnet, 5).await;
    let cli = Cli::new();
    cli.write_env(&env_text(&devnet, &key.to_hex(), "http://127.0.0.1:9"));
    let args = [
        "activate",
        "--doc-url",
        "https://d.example",
        "--data-api",
        "https://a.example",
        "--skip-funding",
    ];
    let mut child = cli.spawn(&args);
    let stderr = child.stderr.take().expect("stderr");
    // Kill it as soon as the register step is done (the mint step has started).
    let child = tokio::task::spawn_blocking(move || {
        let mut lines = std::io::BufReader::new(stderr).lines();
        while let Some(Ok(line)) = lines.next() {
            if line.starts_with("[5/6]") {
                let _ = child.kill();
                break;
            }
        }
        child.wait().expect("wait")
    })
    .await
    .expect("join");
    assert!(!child.success(), "killed");
    let sdk = PeaqosClient::new(peaqos_sdk::ClientConfig::new(
        peaqos_sdk::NetworkConfig::new(&devnet.url, contracts(&devnet)),
        key.signer(),
    ))
    .expect("c");
    let id = sdk.machine_id_of(key.address()).await.expect("id");
    assert!(!id.is_zero(), "registered before the kill");
    assert!(
        sdk.read_attribute(key.address(), "machineId")
            .await
            .expect("read")
            .is_none(),
        "no DID yet"
    );

    let r = cli.run_async(&args).await;
    r.expect(0);
    assert!(
        r.stderr
            .contains(&format!("Already registered (machine_id={id}). Skipping.")),
        "{}",
        r.stderr
    );
    assert!(r.stdout.contains("Machine activated successfully."));
    assert_eq!(
        sdk.read_attribute(key.address(), "machineId")
            .await
            .expect("read")
            .expect("set")
            .value,
        id.to_string()
    );
    let log = cli.read("peaqos.log");
    assert_eq!(log.matches("\"step\": \"register\"").count(), 2, "{log}");
    assert!(
        log.lines()
            .nth(1)
            .is_some_and(|l| l.contains("\"status\": \"skipped\"")),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_activation_of_three_machines() {
    let devnet = devnet().await;
    let operator = funded_key(&devnet, 20).await;
    let cli = Cli::new();
    let tmp = cli.path().to_path_buf();
    cli.write_env(&env_text(&devnet, &operator.to_hex(), "http://127.0.0.1:9"));
    // The operator must be registered itself first.
    let fleet_args = |addr: &str| {
        vec![
            "activate".to_owned(),
            "--for".into(),
            addr.to_owned(),
            "--machine-key".into(),
            format!("{addr}.key"),
            "--doc-url".into(),
            "https://fleet.example/docs".into(),
            "--data-api".into(),
            "https://fleet.example/api".into(),
            "--skip-funding".into(),
        ]
    };
    let m0 = funded_key(&devnet, 1).await;
    std::fs::write(
        tmp.join(format!("{}.key", m0.address())),
        format!("{}\n", m0.to_hex()),
    )
    .expect("key");
    let a: Vec<String> = fleet_args(&m0.address().to_string());
    let r = cli
        .run_async(&a.iter().map(String::as_str).collect::<Vec<_>>())
        .await;
    r.expect(2);
    assert!(
        r.stderr.contains("Proxy operator is not registered"),
        "{}",
        r.stderr
    );
    cli.run_async(&[
        "activate",
        "--doc-url",
        "https://op.example",
        "--data-api",
        "https://op.example/api",
        "--skip-funding",
    ])
    .await
    .expect(0);

    let mut ids = Vec::new();
    for (i, m) in [
        m0,
        funded_key(&devnet, 1).await,
        funded_key(&devnet, 1).await,
    ]
    .into_iter()
    .enumerate()
    {
        let addr = m.address().to_string();
        std::fs::write(
            tmp.join(format!("{addr}.key")),
            format!("  {}\n", m.to_hex()),
        )
        .expect("key");
        let a = fleet_args(&addr);
        let r = cli
            .run_async(&a.iter().map(String::as_str).collect::<Vec<_>>())
            .await;
        r.expect(0);
        if i == 0 {
            snapshot("activate_proxy_stdout", &redact(&r.stdout, &tmp));
            snapshot("activate_proxy_stderr", &redact(&r.stderr, &tmp));
        }
        let mc = PeaqosClient::new(peaqos_sdk::ClientConfig::new(
            peaqos_sdk::NetworkConfig::new(&devnet.url, contracts(&devnet)),
            m.signer(),
        ))
        .expect("c");
        let id = mc.machine_id_of(m.address()).await.expect("id");
        let operator_attr = mc
            .read_attribute(m.address(), "operator")
            .await
            .expect("r")
            .expect("set");
        assert_eq!(
            operator_attr.value,
            format!("did:peaq:{}", operator.address())
        );
        ids.push(id.to::<u64>());
    }
    // The operator's machines list holds all three (the original cannot append).
    let op = client(&devnet, 0);
    let list = op
        .read_attribute(operator.address(), "machines")
        .await
        .expect("r")
        .expect("set");
    let parsed: Vec<u64> = serde_json::from_str(&list.value).expect("json list");
    assert_eq!(parsed, ids);
    // A wrong key for --for is refused before anything is sent.
    let stranger = funded_key(&devnet, 0).await;
    let victim = funded_key(&devnet, 0).await;
    std::fs::write(tmp.join("wrong.key"), stranger.to_hex()).expect("w");
    let r = cli
        .run_async(&[
            "activate",
            "--for",
            &victim.address().to_string(),
            "--machine-key",
            "wrong.key",
            "--doc-url",
            "https://x",
            "--data-api",
            "https://y",
            "--skip-funding",
        ])
        .await;
    r.expect(1);
    // An unfunded machine is refused before the bond is paid.
    let broke = funded_key(&devnet, 0).await;
    std::fs::write(tmp.join("broke.key"), broke.to_hex()).expect("w");
    let r = cli
        .run_async(&[
            "activate",
            "--for",
            &broke.address().to_string(),
            "--machine-key",
            "broke.key",
            "--doc-url",
            "https://x",
            "--data-api",
            "https://y",
            "--skip-funding",
        ])
        .await;
    r.expect(2);
    assert!(
        op.machine_id_of(broke.address())
            .await
            .expect("id")
            .is_zero()
    );
}
