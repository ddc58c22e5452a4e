//! The one-command local stack: `peaqos demo` on a fresh directory (in-process stack),
//! `peaqos dev` (URLs, .env, commands against it, Ctrl-C, --data-dir persistence), and
//! `peaqos activate` funded by the stack's Gas Station with a TOTP code; the demo fleet scored
//! from its summary row exactly as from its raw events.

use crate::common;

use std::{io::BufRead as _, time::Duration};

use common::Cli;
use peaqos_sdk::{ClientConfig, NetworkConfig, PeaqosClient};
use peaqos_stack::{DEV_TOTP_SECRET, LocalStack, StackConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_on_a_fresh_directory_prints_ratings() {
    let cli = Cli::new();
    let r = cli
        .run_async(&["demo", "--machines", "3", "--days", "120"])
        .await;
    r.expect(0);
    assert!(
        r.stderr
            .contains("Starting a local peaqOS stack in-process"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.contains("Machine credit ratings"), "{}", r.stdout);
    assert!(r.stdout.contains("Operator fleet"));
    assert!(r.stdout.contains("Machines: 3"), "{}", r.stdout);
    for profile in ["delivery robot", "EV charger", "vending machine"] {
        assert!(r.stdout.contains(profile), "{profile}");
    }
    // Nothing is left behind in the directory.
    assert!(!cli.path().join(".env").exists());
}

/// The demo fleet (`peaqos demo`'s six profiles: USD, EUR and HKD revenue and activity at
/// three trust levels, daily to fortnightly, one machine recent only; 120 days like the
/// in-process demo test, so a debug devnet answers the concurrent batches in time): each
/// machine's `/mcr` from its summary row (what the service serves) equals the score from
/// its raw events with the same stored rates, field for field, and the served body is the one
/// the raw events give.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_fleet_scores_from_summaries_equal_the_raw_events() {
    use peaqos_mcr::{
        machine_summaries::StoredSummary,
        scoring::{compute_from_summary, compute_raw, unix_now},
    };

    let stack = LocalStack::start(StackConfig::ephemeral(), |_| {})
        .await
        .expect("stack");
    let cli = Cli::new();
    cli.write_env(&stack.env_file());
    let r = cli.run_async(&["demo", "--days", "120", "--json"]).await;
    r.expect(0);
    let demo: serde_json::Value = serde_json::from_str(&r.stdout).expect("demo JSON");
    let machines = demo["machines"].as_array().expect("machines");
    assert_eq!(machines.len(), 6, "{demo}");
    stack
        .wait_indexed(Duration::from_secs(60))
        .await
        .expect("indexed");
    let store = stack.mcr.store();
    let fx = store.stored_fx().await.expect("stored rates");
    let now = unix_now();
    let mut fx_dependent = 0;
    for m in machines {
        let id: u64 = m["machine_id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .expect("machine id");
        let did = m["did"].as_str().expect("did");
        let machine = store.machine(id).await.expect("read").expect("registered");
        let raw = compute_raw(store, machine.clone(), &*fx, now)
            .await
            .expect("from events");
        let agg = compute_from_summary(store, machine, now)
            .await
            .expect("from the summary");
        assert_eq!(agg.score, raw.score, "{} ({did})", m["profile"]);
        assert_eq!(agg.last_updated, raw.last_updated, "{did}");
        assert_eq!(agg.fx_last_day, raw.fx_last_day, "{did}");
        // The merged summary is the one the row's per-day summaries give.
        let (_, stored) = store
            .machine_for_score(id)
            .await
            .expect("read")
            .expect("registered");
        let days = store.machine_days(id).await.expect("days");
        assert_eq!(stored, Some(StoredSummary::of_days(&days)), "{did}");
        assert!(raw.score.event_count > 0, "{did}");
        fx_dependent += usize::from(raw.fx_last_day.is_some());
        // Byte for byte: serde_json's default float parsing may be one ulp off, so parsed
        // values of equal bodies can differ.
        let served = reqwest::Client::new()
            .get(format!("{}/mcr/{did}", stack.mcr.url()))
            .send()
            .await
            .expect("GET /mcr")
            .text()
            .await
            .expect("body");
        let want = serde_json::to_string(&raw.response(did)).expect("JSON");
        assert_eq!(served, want, "{did}");
    }
    // The EUR and HKD profiles are in the fleet: rates matter to the comparison.
    assert!(fx_dependent >= 2, "{fx_dependent}");
    stack.shutdown().await.expect("shutdown");
}

pub(crate) fn code_now() -> String {
    let secret = peaqos_gas_station::totp::base32_decode(DEV_TOTP_SECRET).expect("base32");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    peaqos_gas_station::totp::code_at(&secret, now).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activate_funded_by_the_gas_station() {
    let stack = LocalStack::start(StackConfig::ephemeral(), |_| {})
        .await
        .expect("stack");
    let cli = Cli::new();
    cli.write_env(&stack.env_file());
    // The operator (the stack's 2FA-enrolled test owner) activates itself: funded already.
    let r = cli
        .run_async(&[
            "activate",
            "--doc-url",
            "https://op.example",
            "--data-api",
            "https://op.example/api",
        ])
        .await;
    r.expect(0);
    assert!(
        r.stderr
            .contains("2FA enrollment - skipped (all wallets funded)"),
        "{}",
        r.stderr
    );
    // A fresh machine with no balance: 2FA already set up → one code → funded → activated.
    let (machine, key) = PeaqosClient::generate_keypair();
    std::fs::write(cli.path().join("m.key"), key.to_hex()).expect("key");
    let addr = machine.to_string();
    let args = [
        "activate",
        "--for",
        &addr,
        "--machine-key",
        "m.key",
        "--doc-url",
        "https://m.example",
        "--data-api",
        "https://m.example/api",
        "--visibility",
        "onchain",
    ];
    let r = cli
        .run_input_async(&args, &format!("{}\n", code_now()))
        .await;
    r.expect(0);
    assert!(r.stderr.contains("Machine 0x"), "{}", r.stderr);
    assert!(r.stderr.contains("(insufficient)"), "{}", r.stderr);
    assert!(
        r.stderr.contains("2FA already enrolled. Skipping setup."),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains(": funded (tx 0x"), "{}", r.stderr);
    let log = cli.read("peaqos.log");
    assert!(
        log.contains("\"status\": \"pending\", \"step\": \"fund\""),
        "{log}"
    );
    assert!(
        log.contains("\"status\": \"confirmed\", \"step\": \"fund\""),
        "{log}"
    );
    assert!(!log.to_lowercase().contains("totp") && !log.contains("twoFactorCode"));
    let c = PeaqosClient::new(ClientConfig::new(
        NetworkConfig::new(&stack.devnet.url, stack.contracts()),
        key.signer(),
    ))
    .expect("c");
    assert!(!c.machine_id_of(machine).await.expect("id").is_zero());
    // A wrong code: the Gas Station refuses, exit 2 (another fresh machine).
    let (m2, k2) = PeaqosClient::generate_keypair();
    std::fs::write(cli.path().join("m2.key"), k2.to_hex()).expect("key");
    let a2 = m2.to_string();
    let r = cli
        .run_input_async(
            &[
                "activate",
                "--for",
                &a2,
                "--machine-key",
                "m2.key",
                "--doc-url",
                "https://m",
                "--data-api",
                "https://a",
            ],
            "000000\n",
        )
        .await;
    r.expect(2);
    assert!(r.stderr.contains("Invalid 2FA code"), "{}", r.stderr);
    assert!(cli.read("peaqos.log").contains("\"code\": \"INVALID_2FA\""));
    stack.shutdown().await.expect("shutdown");
}

/// Reads the child's stdout until "Ready." (the stack is up), returning what it printed.
fn wait_ready(child: &mut std::process::Child) -> String {
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = std::io::BufReader::new(stdout).lines();
    let mut seen = String::new();
    for line in lines.by_ref() {
        let line = line.expect("line");
        seen.push_str(&line);
        seen.push('\n');
        if line.starts_with("Ready.") {
            break;
        }
    }
    // Keep draining so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    seen
}

fn interrupt(child: &mut std::process::Child) -> std::process::ExitStatus {
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    for _ in 0..200 {
        if let Some(s) = child.try_wait().expect("wait") {
            return s;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    panic!("peaqos dev did not stop on SIGINT");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_serves_the_stack_until_ctrl_c_and_keeps_data() {
    let cli = Cli::new();
    let data = cli.path().join("data");
    let data_arg = data.display().to_string();
    let dev_args = common::dev_args(&data_arg);
    let mut child = cli.spawn(&dev_args);
    let banner = tokio::task::spawn_blocking(move || {
        let b = wait_ready(&mut child);
        (b, child)
    });
    let (banner, mut child) = banner.await.expect("join");
    for needle in [
        "Chain RPC:",
        "Base RPC:",
        "MachineNFTAdapter:",
        "MachineNFTBase:",
        "MCR API:",
        "Gas Station:",
        "TOTP secret:",
        DEV_TOTP_SECRET,
        ".env written to",
    ] {
        assert!(banner.contains(needle), "{needle} in\n{banner}");
    }
    common::snapshot("dev_banner", &common::redact(&banner, cli.path()));
    let env = cli.read(".env");
    assert!(env.starts_with(peaqos_stack::ENV_MARKER));
    assert!(env.contains("PEAQOS_GAS_STATION_URL=http://127.0.0.1:"));
    let env_var = |env: &str, name: &str| {
        env.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("{name} in\n{env}"))
            .to_owned()
    };
    let adapter = env_var(&env, "MACHINE_NFT_ADAPTER_ADDRESS");
    let base_nft = env_var(&env, peaqos_stack::ENV_BASE_NFT_ADDRESS);
    assert!(env_var(&env, peaqos_stack::ENV_BASE_RPC_URL).starts_with("http://127.0.0.1:"));

    // The CLI works against it from the .env alone.
    cli.run_async(&["whoami"]).await.expect(0);
    let r = cli
        .run_async(&["demo", "--machines", "2", "--days", "30"])
        .await;
    r.expect(0);
    assert!(
        r.stderr.contains("Using the stack in ./.env"),
        "{}",
        r.stderr
    );
    let operator_did = r
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("Operator: "))
        .expect("operator line")
        .to_owned();

    let status = tokio::task::spawn_blocking(move || interrupt(&mut child))
        .await
        .expect("join");
    assert!(status.success(), "clean exit on Ctrl-C: {status:?}");
    assert!(data.join("chain.json").exists(), "chain saved");
    for file in ["base-chain.json", "bridge.json", "relayer.json"] {
        assert!(data.join(file).exists(), "{file} saved");
    }

    // Restart on the same data: the fleet is still there, on chain and in the MCR database.
    let mut child = cli.spawn(&dev_args);
    let (_, mut child) = tokio::task::spawn_blocking(move || {
        let b = wait_ready(&mut child);
        (b, child)
    })
    .await
    .expect("join");
    // The bridge from the first start, not a new one.
    let env = cli.read(".env");
    assert_eq!(env_var(&env, "MACHINE_NFT_ADAPTER_ADDRESS"), adapter);
    assert_eq!(env_var(&env, peaqos_stack::ENV_BASE_NFT_ADDRESS), base_nft);
    let r = cli
        .run_async(&["show", "operator", "machines", &operator_did, "--json"])
        .await;
    r.expect(0);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["pagination"]["total"], 2, "{}", r.stdout);
    tokio::task::spawn_blocking(move || interrupt(&mut child))
        .await
        .expect("join");
}
