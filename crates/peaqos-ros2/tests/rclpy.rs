//! The node called over DDS by ROS 2 Jazzy's own rclpy (default RMW Fast DDS) with
//! `peaq_ros2_interfaces` built by colcon from the project's `.srv` files, against the real
//! local stack; each test in a network namespace of its own.

mod support;

use std::time::{Duration, Instant};

use alloy::primitives::{Address, U256};
use peaqos_ros2::interfaces::ENDPOINTS;
use peaqos_sdk::PrivateKey;
use peaqos_stack::{DEV_TOTP_SECRET, FAUCET_CHAIN, LocalStack, StackConfig};
use serde_json::{Value, json};
use support::{NodeProcess, Rclpy, Ros2Env, assert_fails, in_netns, ok};

const PASSPHRASE: &str = "ros2-test-vault-passphrase";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs root for a network namespace and .venv-ros2 + .ros2-ws (scripts/ros2-env.sh)"]
async fn a_disabled_node_answers_disabled_on_all_26_services() {
    if !in_netns("a_disabled_node_answers_disabled_on_all_26_services", &[]) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (node, client) = disabled_node_and_rclpy(dir.path()).await;
    for e in ENDPOINTS {
        let r = client.call(e.name, e.type_name, json!({})).await;
        assert_eq!(r["success"], false, "{}", e.name);
        assert_eq!(r["error"], "peaq_os.enabled=false", "{}", e.name);
        if r.get("error_code").is_some() {
            assert_eq!(r["error_code"], "DISABLED", "{}", e.name);
        }
    }
    client.stop().await;
    node.stop().await;
}

/// A node with the default config (disabled; no chain needed) and an rclpy client that has
/// discovered all 26 services.
async fn disabled_node_and_rclpy(dir: &std::path::Path) -> (NodeProcess, Rclpy) {
    let env = Ros2Env::find();
    let node = NodeProcess::start(
        &[(
            "PEAQOS_WALLET_REGISTRY".into(),
            dir.join("w.json").to_string_lossy().into_owned(),
        )],
        &[],
        dir.join("node.log"),
    );
    node.wait_ready().await;
    let client = Rclpy::start(&env).await;
    for e in ENDPOINTS {
        client.wait(e.name, e.type_name).await;
    }
    (node, client)
}

/// In the test's network namespace (re-executed there with the vault passphrase): the ROS 2
/// environment and the local stack; `None` in the outer process.
async fn with_local_stack(test_name: &str) -> Option<(Ros2Env, LocalStack)> {
    if !in_netns(test_name, &[("PEAQOS_WALLET_PASSPHRASE", PASSPHRASE)]) {
        return None;
    }
    let env = Ros2Env::find();
    let stack = LocalStack::start(StackConfig::ephemeral(), |_| {})
        .await
        .expect("local stack");
    Some((env, stack))
}

fn totp_now() -> String {
    let secret = peaqos_gas_station::totp::base32_decode(DEV_TOTP_SECRET).expect("base32");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    peaqos_gas_station::totp::code_at(&secret, now).to_string()
}

/// A JSON-in-string response field, parsed.
fn json_of(v: &Value, k: &str) -> Value {
    serde_json::from_str(&str_of(v, k)).expect("a JSON field")
}

fn str_of(v: &Value, k: &str) -> String {
    v[k].as_str().unwrap_or_default().to_owned()
}
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs root for a network namespace and .venv-ros2 + .ros2-ws (scripts/ros2-env.sh)"]
async fn all_26_services_from_rclpy_against_the_local_stack() {
    let Some((env, stack)) =
        with_local_stack("all_26_services_from_rclpy_against_the_local_stack").await
    else {
        return;
    };
    let contracts = stack.contracts();
    let dir = tempfile::tempdir().expect("tempdir");

    // An official plaintext registry with the machine (stream agent) wallet: imported on start.
    let machine_key = PrivateKey::random();
    let machine = machine_key.address();
    let m = machine.to_checksum(None);
    let registry = dir.path().join("robot/peaqos_wallets.json");
    support::write_official_registry(&registry, &machine_key, "stream_machine");

    let funder = peaqos_test_utils::devnet::dev_client(&stack.devnet, 2);
    let fund = |to: Address| {
        let funder = funder.clone();
        async move {
            funder
                .send_call(
                    to,
                    alloy::primitives::Bytes::new(),
                    U256::from(1_000u64) * U256::from(10u64).pow(U256::from(18u64)),
                )
                .await
                .expect("fund");
        }
    };
    fund(machine).await;

    let s = |a: Address| a.to_checksum(None);
    let node_env =
        support::stack_node_env(&stack, &registry, &dir.path().join("vault"), PASSPHRASE, &m);
    let node = NodeProcess::start(
        &node_env,
        &["--ros-args", "-p", "peaq_os.faucet.qr_format:=svg"],
        dir.path().join("node.log"),
    );
    node.wait_ready().await;
    let rclpy = Rclpy::start(&env).await;
    for e in ENDPOINTS {
        rclpy.wait(e.name, e.type_name).await;
    }
    let mut responses: Vec<Value> = Vec::new();
    macro_rules! call {
        ($svc:literal, $ty:literal, $req:expr) => {{
            let r = rclpy.call($svc, $ty, $req).await;
            responses.push(r.clone());
            r
        }};
    }

    // Registry: the official file was migrated (no key at rest, 0600), metadata kept.
    let text = std::fs::read_to_string(&registry).expect("registry");
    assert!(!text.contains("private_key") && !text.contains(&machine_key.to_hex()[2..]));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&registry)
            .expect("meta")
            .permissions()
            .mode()
            & 0o777,
        0o600
    );

    // --- wallets (1–4)
    let proxy = str_of(
        &ok(call!(
            "wallet/create",
            "PeaqosCreateWallet",
            json!({"label": "operator"})
        )),
        "address",
    );
    let proxy_addr: Address = proxy.parse().expect("address");
    assert_eq!(proxy, s(proxy_addr), "checksummed");
    let spare = str_of(
        &ok(call!(
            "wallet/create",
            "PeaqosCreateWallet",
            json!({"label": ""})
        )),
        "address",
    );
    let list = json_of(
        &ok(call!("wallet/list", "PeaqosListWallets", json!({}))),
        "wallets_json",
    );
    let labels: Vec<&str> = list
        .as_array()
        .expect("array")
        .iter()
        .map(|w| w["label"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        labels,
        ["machine_wallet", "operator", "stream_machine"],
        "sorted by label"
    );
    assert!(
        list.as_array()
            .expect("array")
            .iter()
            .all(|w| w.as_object().expect("obj").len() == 6)
    );
    let got = json_of(
        &ok(call!(
            "wallet/get",
            "PeaqosGetWallet",
            json!({"address": m.to_lowercase()})
        )),
        "wallet_json",
    );
    assert_eq!(got["created_at"], 1_700_000_000u64);
    assert_eq!(got["account_id"], format!("eip155:3338:{m}"));
    assert_fails(
        &call!(
            "wallet/get",
            "PeaqosGetWallet",
            json!({"address": "0x1234"})
        ),
        "",
        None,
    );
    assert_fails(
        &call!(
            "wallet/get",
            "PeaqosGetWallet",
            json!({"address": s(Address::repeat_byte(7))})
        ),
        "",
        None,
    );
    assert_eq!(
        ok(call!(
            "wallet/delete",
            "PeaqosDeleteWallet",
            json!({"address": spare})
        ))["deleted"],
        true
    );
    assert_eq!(
        ok(call!(
            "wallet/delete",
            "PeaqosDeleteWallet",
            json!({"address": spare})
        ))["deleted"],
        false
    );
    fund(proxy_addr).await;

    // --- Gas Station (5–7)
    let fresh_owner = s(PrivateKey::random().address());
    let setup = ok(call!(
        "faucet/setup_2fa",
        "PeaqosSetupFaucet2FA",
        json!({"owner_address": fresh_owner, "qr_format": ""})
    ));
    assert!(
        str_of(&setup, "otpauth_uri").starts_with("otpauth://"),
        "{setup}"
    );
    assert_fails(
        &call!(
            "faucet/setup_2fa",
            "PeaqosSetupFaucet2FA",
            json!({"qr_format": "gif"})
        ),
        "ValueError",
        None,
    );
    assert_fails(
        &call!(
            "faucet/confirm_2fa",
            "PeaqosConfirmFaucet2FA",
            json!({"owner_address": fresh_owner, "two_factor_code": "000000"})
        ),
        "INVALID_2FA",
        None,
    );
    let target = s(PrivateKey::random().address());
    let code = totp_now();
    let funded = ok(call!(
        "wallet/fund",
        "PeaqosFundWallet",
        json!({"target_address": target, "chain_id": FAUCET_CHAIN, "two_factor_code": code})
    ));
    assert_eq!(funded["status"], "success", "{funded}");
    assert!(str_of(&funded, "tx_hash").starts_with("0x"));
    assert_eq!(
        uuid::Uuid::parse_str(&str_of(&funded, "request_id")).map(|_| ()),
        Ok(())
    );
    assert_fails(
        &call!(
            "wallet/fund",
            "PeaqosFundWallet",
            json!({"target_address": "nope", "two_factor_code": "123456"})
        ),
        "ValueError",
        None,
    );

    // --- registration (8–11): the official demo sequence starts here.
    let machine_id = ok(call!(
        "machine/register",
        "PeaqosRegisterMachine",
        json!({"address": ""})
    ))["machine_id"]
        .as_u64()
        .expect("id");
    assert!(machine_id > 0);
    assert_fails(
        &call!(
            "agent/register",
            "PeaqosRegisterAgent",
            json!({"address": m})
        ),
        "AlreadyRegistered",
        None,
    );
    let proxy_id = ok(call!(
        "agent/register",
        "PeaqosRegisterAgent",
        json!({"address": proxy})
    ))["machine_id"]
        .as_u64()
        .expect("id");
    let managed = s(PrivateKey::random().address());
    let managed_id = ok(call!(
        "machine/register_for",
        "PeaqosRegisterFor",
        json!({"proxy_address": proxy, "machine_address": managed})
    ))["machine_id"]
        .as_u64()
        .expect("id");
    assert!(managed_id > proxy_id);
    assert_fails(
        &call!(
            "agent/register_for",
            "PeaqosRegisterFor",
            json!({"proxy_address": proxy, "machine_address": managed})
        ),
        "AlreadyRegistered",
        None,
    );
    assert_fails(
        &call!(
            "agent/register_for",
            "PeaqosRegisterFor",
            json!({"proxy_address": proxy})
        ),
        "ValueError",
        None,
    );
    assert_fails(
        &call!(
            "machine/register",
            "PeaqosRegisterMachine",
            json!({"address": s(Address::repeat_byte(9))})
        ),
        "KeyError",
        None,
    );

    // --- NFT (12–13)
    let mint = ok(call!(
        "nft/mint",
        "PeaqosMintNft",
        json!({"signer_address": m, "machine_id": machine_id, "recipient": ""})
    ));
    assert!(str_of(&mint, "tx_hash").starts_with("0x"));
    assert_fails(
        &call!(
            "nft/mint",
            "PeaqosMintNft",
            json!({"signer_address": m, "machine_id": machine_id})
        ),
        "AlreadyMinted",
        None,
    );
    let token_id = ok(call!(
        "nft/token_id_of",
        "PeaqosTokenIdOf",
        json!({"signer_address": m, "machine_id": machine_id})
    ))["token_id"]
        .as_u64()
        .expect("token");
    assert!(token_id > 0);
    assert_fails(
        &call!(
            "nft/token_id_of",
            "PeaqosTokenIdOf",
            json!({"signer_address": "0xZZ", "machine_id": 1})
        ),
        "ValueError",
        Some("signer_address"),
    );

    // --- DID (14–16)
    let operator_did = format!("did:peaq:{proxy}");
    ok(call!(
        "did/write_machine_attributes",
        "PeaqosWriteMachineDidAttributes",
        json!({
        "signer_address": m, "machine_id": machine_id, "nft_token_id": token_id, "operator_did": operator_did,
        "documentation_url": "https://docs.example/robot", "data_api": "https://api.example/robot", "data_visibility": "public"})
    ));
    assert_fails(
        &call!(
            "did/write_machine_attributes",
            "PeaqosWriteMachineDidAttributes",
            json!({
        "signer_address": m, "machine_id": machine_id, "nft_token_id": 0, "documentation_url": "x", "data_api": "y"})
        ),
        "VALIDATION_ERROR",
        Some("nft_token_id"),
    );
    let attr = ok(call!(
        "did/read_attribute",
        "PeaqosReadDidAttribute",
        json!({"did_address": format!("did:peaq:{m}"), "name": "documentation_url"})
    ));
    assert_eq!(attr["value"], "https://docs.example/robot");
    assert!(attr["created"].as_u64().expect("created") > 0);
    let absent = ok(call!(
        "did/read_attribute",
        "PeaqosReadDidAttribute",
        json!({"did_address": m, "name": "nothing_here"})
    ));
    assert_eq!(
        (absent["value"].as_str(), absent["created"].as_u64()),
        (Some(""), Some(0))
    );
    assert_fails(
        &call!(
            "did/read_attribute",
            "PeaqosReadDidAttribute",
            json!({"did_address": "did:peaq:0x12", "name": "x"})
        ),
        "ValueError",
        Some("did_address"),
    );
    ok(call!(
        "did/write_proxy_attributes",
        "PeaqosWriteProxyDidAttributes",
        json!({"signer_address": proxy, "proxy_agent_id": proxy_id, "machine_ids": [managed_id]})
    ));
    assert_fails(
        &call!(
            "did/write_proxy_attributes",
            "PeaqosWriteProxyDidAttributes",
            json!({"signer_address": proxy, "proxy_agent_id": proxy_id, "machine_ids": []})
        ),
        "VALIDATION_ERROR",
        Some("machine_ids"),
    );

    // --- events (17–19), the demo's validate call verbatim
    let now = peaqos_test_utils::devnet::chain_now(&funder).await;
    let demo = json!({"machine_id": 1, "event_type": 1, "value": 1, "timestamp": now, "raw_data_hex": "0x73656e736f723a6f6b",
        "trust_level": 0, "source_chain_id": 3338, "source_tx_hash": "", "metadata_hex": "0x7b7d"});
    let v = ok(call!(
        "events/validate",
        "PeaqosValidateEvent",
        demo.clone()
    ));
    assert_eq!(
        str_of(&v, "data_hash"),
        format!("{:#x}", alloy::primitives::keccak256(b"sensor:ok"))
    );
    let mut bad = demo.clone();
    bad["raw_data_hex"] = json!("0xabc");
    assert_fails(
        &call!("events/validate", "PeaqosValidateEvent", bad),
        "ValueError",
        Some("raw_data_hex"),
    );
    let mut bad = demo.clone();
    bad["event_type"] = json!(7);
    assert_fails(
        &call!("events/validate", "PeaqosValidateEvent", bad),
        "VALIDATION_ERROR",
        Some("event_type"),
    );
    let mut submit = demo.clone();
    submit["machine_id"] = json!(machine_id);
    submit["signer_address"] = json!("");
    // The stream agent's pattern: empty signer → defaults.machine_address.
    let sub = ok(call!("events/submit", "PeaqosSubmitEvent", submit.clone()));
    assert!(
        str_of(&sub, "tx_hash").starts_with("0x")
            && str_of(&sub, "data_hash") == str_of(&v, "data_hash")
    );
    let mut bad = submit.clone();
    bad["signer_address"] = json!(s(Address::repeat_byte(3)));
    assert_fails(
        &call!("events/submit", "PeaqosSubmitEvent", bad),
        "KeyError",
        None,
    );
    let events = json!([
        {"machineId": machine_id, "eventType": 1, "value": 3, "timestamp": now, "trustLevel": 0, "sourceChainId": 0, "rawData": "0x01"},
        {"machine_id": machine_id, "event_type": 0, "value": "250", "timestamp": now, "trust_level": 0, "source_chain_id": 3338}
    ]);
    let batch = ok(call!(
        "events/batch_submit",
        "PeaqosBatchSubmitEvents",
        json!({"signer_address": m, "events_json": events.to_string()})
    ));
    let hashes: Vec<String> =
        serde_json::from_str(&str_of(&batch, "tx_hashes_json")).expect("json");
    assert!(!hashes.is_empty() && hashes.iter().all(|h| h.starts_with("0x")));
    assert_fails(
        &call!(
            "events/batch_submit",
            "PeaqosBatchSubmitEvents",
            json!({"events_json": "{not json"})
        ),
        "ValueError",
        Some("events_json"),
    );
    let missing = call!(
        "events/batch_submit",
        "PeaqosBatchSubmitEvents",
        json!({"events_json": json!([{"machine_id": 1, "event_type": 1, "value": 1, "trust_level": 0, "source_chain_id": 0}]).to_string()})
    );
    assert_fails(&missing, "ValueError", Some("events_json"));
    assert!(
        str_of(&missing, "error").contains("events_json[0].timestamp is required"),
        "{missing}"
    );

    // --- MCR (20–22)
    stack
        .wait_indexed(Duration::from_secs(60))
        .await
        .expect("indexed");
    let machine_did = format!("did:peaq:{m}");
    for (service, type_name, did) in [
        ("mcr/query", "PeaqosQueryMcr", &machine_did),
        ("mcr/machine", "PeaqosQueryMachine", &machine_did),
        (
            "mcr/operator_machines",
            "PeaqosQueryOperatorMachines",
            &operator_did,
        ),
    ] {
        let r = ok(rclpy.call(service, type_name, json!({ "did": did })).await);
        assert!(json_of(&r, "result_json").is_object(), "{service}: {r}");
        responses.push(r);
    }
    assert_fails(
        &call!(
            "mcr/query",
            "PeaqosQueryMcr",
            json!({"did": "did:peaq:nope"})
        ),
        "VALIDATION_ERROR",
        None,
    );
    assert_fails(
        &call!(
            "mcr/machine",
            "PeaqosQueryMachine",
            json!({"did": format!("did:peaq:{}", s(Address::repeat_byte(5)))})
        ),
        "NOT_FOUND",
        None,
    );

    // --- smart accounts (23–24)
    let sa = json!({"signer_address": proxy, "owner": "", "machine": m, "daily_limit": "ignored", "salt": "0x2a"});
    let predicted = str_of(
        &ok(call!(
            "smart_account/address",
            "PeaqosGetSmartAccountAddress",
            sa.clone()
        )),
        "address",
    );
    let deployed = str_of(
        &ok(call!(
            "smart_account/deploy",
            "PeaqosDeploySmartAccount",
            sa.clone()
        )),
        "address",
    );
    assert_eq!(predicted, deployed);
    let mut bad = sa.clone();
    bad["salt"] = json!("forty-two");
    assert_fails(
        &call!(
            "smart_account/address",
            "PeaqosGetSmartAccountAddress",
            bad.clone()
        ),
        "ValueError",
        Some("salt"),
    );
    assert_fails(
        &call!("smart_account/deploy", "PeaqosDeploySmartAccount", bad),
        "ValueError",
        Some("salt"),
    );

    // --- bridge (25–26): the local peaq chain has no adapter configured → the SDK's error;
    // wait_arrival succeeds at once for a token that exists on its chain.
    assert_fails(
        &call!(
            "bridge/nft",
            "PeaqosBridgeNft",
            json!({"signer_address": m, "token_id": token_id, "source": "PEAQ", "destination": "base", "recipient": m})
        ),
        "VALIDATION_ERROR",
        Some("machine_nft_adapter"),
    );
    assert_fails(
        &call!(
            "bridge/nft",
            "PeaqosBridgeNft",
            json!({"signer_address": m, "token_id": token_id, "source": "moon", "destination": "base", "recipient": m})
        ),
        "ValueError",
        Some("source"),
    );
    let arrived = ok(call!(
        "bridge/wait_arrival",
        "PeaqosWaitForBridgeArrival",
        json!({"dst_rpc_url": stack.devnet.url, "dst_nft_address": s(contracts.machine_nft), "token_id": token_id, "timeout": 0})
    ));
    assert_eq!(arrived["arrived"], true);
    assert_fails(
        &call!(
            "bridge/wait_arrival",
            "PeaqosWaitForBridgeArrival",
            json!({"dst_rpc_url": stack.devnet.url, "dst_nft_address": s(contracts.machine_nft), "token_id": 1, "timeout": 30})
        ),
        "ValueError",
        Some("timeout"),
    );

    // --- concurrency: a wait_arrival that runs to its 61 s deadline while 100 submits complete.
    let started = Instant::now();
    let wait = rclpy.call_timed("bridge/wait_arrival", "PeaqosWaitForBridgeArrival",
        json!({"dst_rpc_url": stack.devnet.url, "dst_nft_address": s(contracts.machine_nft), "token_id": 999_999, "timeout": 61}));
    let submits = async {
        let calls = (0..100u64).map(|i| {
            let mut req = submit.clone();
            req["value"] = json!(i);
            req["signer_address"] = json!(if i % 2 == 0 { m.clone() } else { String::new() });
            rclpy.call("events/submit", "PeaqosSubmitEvent", req)
        });
        let out = futures::future::join_all(calls).await;
        (out, started.elapsed())
    };
    let ((waited, _), (subs, subs_done)) = tokio::join!(wait, submits);
    assert!(
        subs.iter().all(|r| r["success"] == true),
        "{:?}",
        subs.iter().find(|r| r["success"] != true)
    );
    let mut txs: Vec<&str> = subs
        .iter()
        .map(|r| r["tx_hash"].as_str().unwrap_or_default())
        .collect();
    txs.sort_unstable();
    txs.dedup();
    assert_eq!(
        txs.len(),
        100,
        "100 distinct transactions from one signer: nonces in order"
    );
    assert_eq!(
        ok(waited)["arrived"],
        false,
        "deadline → arrived=false, success"
    );
    assert!(
        subs_done < Duration::from_secs(60),
        "the 100 submits finished while wait_arrival was in flight ({subs_done:?})"
    );
    responses.extend(subs);

    // --- no key or 2FA code in any response or log line
    rclpy.stop().await;
    let log = node.stop().await;
    let key_hex = &machine_key.to_hex()[2..];
    let all = serde_json::to_string(&responses).expect("json");
    assert!(!all.contains(key_hex), "a private key in a response");
    assert!(!log.contains(key_hex), "a private key in the node's log");
    assert!(
        !log.split(|c: char| !c.is_ascii_digit())
            .any(|token| token == code),
        "the 2FA code in the node's log"
    );
    assert!(log.contains("peaqos_node ready"));
    stack.shutdown().await.expect("shutdown");
}

/// Chain id of the local Base devnet in the bridge test (any id other than the peaq devnet's).
const LOCAL_BASE_CHAIN_ID: u64 = 84_530;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs root for a network namespace and .venv-ros2 + .ros2-ws (scripts/ros2-env.sh)"]
async fn bridge_nft_peaq_to_base_and_back_from_rclpy() {
    let Some((env, stack)) = with_local_stack("bridge_nft_peaq_to_base_and_back_from_rclpy").await
    else {
        return;
    };
    let mut base_config = peaqos_devnet::DevnetConfig::ephemeral();
    base_config.chain_id = LOCAL_BASE_CHAIN_ID;
    base_config.deploy_stack = false;
    let base = peaqos_devnet::Devnet::spawn(base_config)
        .await
        .expect("Base devnet");
    let bridge = peaqos_stack::LocalBridge::spawn(&stack.devnet, &base)
        .await
        .expect("local bridge");
    let d = bridge.deployment;
    let contracts = stack.contracts();
    let dir = tempfile::tempdir().expect("tempdir");
    let s = |a: Address| a.to_checksum(None);

    // A self-managed machine holding its Machine NFT on peaq, with gas on both chains; its key
    // reaches the node only through the official registry file (imported on start).
    let funder = peaqos_test_utils::devnet::dev_client(&stack.devnet, 2);
    let machine_key = peaqos_test_utils::devnet::funded_key(&funder, 1_000).await;
    let machine = peaqos_test_utils::devnet::client_for(&stack.devnet, &machine_key);
    let machine_id = machine.register_machine().await.expect("register");
    machine
        .mint_nft(machine_id, machine.address())
        .await
        .expect("mint");
    let token_id: u64 = machine
        .token_id_of(machine_id)
        .await
        .expect("token id")
        .try_into()
        .expect("small token id");
    let base_funder = peaqos_sdk::PeaqosClient::new(peaqos_sdk::ClientConfig::new(
        peaqos_sdk::NetworkConfig::new(&base.url, contracts),
        peaqos_sdk::Signer::from(base.accounts[0].signer()),
    ))
    .expect("Base client");
    base_funder
        .send_call(
            machine.address(),
            alloy::primitives::Bytes::new(),
            U256::from(10u128.pow(18)),
        )
        .await
        .expect("gas on Base");
    let m = s(machine.address());
    let registry = dir.path().join("robot/peaqos_wallets.json");
    support::write_official_registry(&registry, &machine_key, "bridged_machine");

    // The node knows the LocalBridge's adapter; the Base side comes per call, as documented.
    let mut node_env =
        support::stack_node_env(&stack, &registry, &dir.path().join("vault"), PASSPHRASE, &m);
    node_env.push(("MACHINE_NFT_ADAPTER_ADDRESS".to_owned(), s(d.adapter)));
    let node = NodeProcess::start(&node_env, &[], dir.path().join("node.log"));
    node.wait_ready().await;
    let rclpy = Rclpy::start(&env).await;
    rclpy.wait("bridge/nft", "PeaqosBridgeNft").await;
    rclpy
        .wait("bridge/wait_arrival", "PeaqosWaitForBridgeArrival")
        .await;
    let nft =
        peaqos_contracts::bindings::MachineNFT::new(contracts.machine_nft, machine.provider());
    let base_nft =
        peaqos_contracts::bindings::MachineNFTBase::new(d.base_nft, base_funder.provider());

    // peaq → Base: locked in the adapter, minted on Base to the machine.
    let sent = ok(rclpy
        .call(
            "bridge/nft",
            "PeaqosBridgeNft",
            json!({"signer_address": m, "token_id": token_id, "source": "peaq", "destination": "base", "recipient": m}),
        )
        .await);
    assert_eq!(str_of(&sent, "tx_hash").len(), 66, "{sent}");
    assert_eq!(
        nft.ownerOf(U256::from(token_id))
            .call()
            .await
            .expect("owner"),
        d.adapter,
        "locked on peaq"
    );
    let arrived = ok(rclpy
        .call(
            "bridge/wait_arrival",
            "PeaqosWaitForBridgeArrival",
            json!({"dst_rpc_url": base.url, "dst_nft_address": s(d.base_nft), "token_id": token_id, "timeout": 120}),
        )
        .await);
    assert_eq!(arrived["arrived"], true, "reached Base");
    assert_eq!(
        base_nft
            .ownerOf(U256::from(token_id))
            .call()
            .await
            .expect("Base owner"),
        machine.address()
    );

    // Base → peaq: burned on Base, unlocked on peaq to the machine.
    let back = ok(rclpy
        .call(
            "bridge/nft",
            "PeaqosBridgeNft",
            json!({"signer_address": m, "token_id": token_id, "source": "base", "destination": "peaq",
                   "recipient": m, "base_rpc_url": base.url, "base_nft_address": s(d.base_nft)}),
        )
        .await);
    assert_eq!(str_of(&back, "tx_hash").len(), 66, "{back}");
    // On peaq the token always has an owner (the adapter while locked), and `wait_arrival`
    // accepts any non-zero owner as the official node does (ros2-interface.md §5): so the way
    // home is watched here, until the adapter has unlocked it to the machine.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let owner = nft
            .ownerOf(U256::from(token_id))
            .call()
            .await
            .expect("owner");
        if owner == machine.address() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not back on peaq (owner {owner})"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(
        base_nft.ownerOf(U256::from(token_id)).call().await.is_err(),
        "burned on Base"
    );
    assert_eq!(bridge.delivered(), 2, "one packet each way");

    rclpy.stop().await;
    let log = node.stop().await;
    assert!(
        !log.contains(&machine_key.to_hex()[2..]),
        "a private key in the log"
    );
    bridge.shutdown().await;
    stack.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs root for a network namespace and .venv-ros2 + .ros2-ws (scripts/ros2-env.sh)"]
async fn ros2_graph_shows_peaqos_node_and_its_26_services() {
    if !in_netns("ros2_graph_shows_peaqos_node_and_its_26_services", &[]) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let (node, client) = disabled_node_and_rclpy(dir.path()).await;
    let g = client.graph("peaqos_node", ENDPOINTS.len()).await;
    // `ros2 node list` / get_node_names_and_namespaces(): from the node's ros_discovery_info.
    assert!(
        g["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .any(|n| n[0] == "peaqos_node" && n[1] == "/"),
        "peaqos_node in the graph: {}",
        g["nodes"]
    );
    let expected = |services: &Value| {
        for e in ENDPOINTS {
            let name = format!("/peaqos_node/{}", e.name);
            assert_eq!(
                services[&name],
                json!([format!("peaq_ros2_interfaces/srv/{}", e.type_name)]),
                "{name}: {services}"
            );
        }
    };
    assert_eq!(ENDPOINTS.len(), 26);
    expected(&g["services"]);
    // The node's own services (`ros2 service list` per node): the graph ties them to it.
    expected(&g["node_services"]);
    // Besides the 26: only the standard parameter services (rcl_interfaces), as any rclpy node.
    let own = g["node_services"].as_object().expect("node services");
    let peaq = own
        .iter()
        .filter(|(_, t)| {
            t[0].as_str()
                .is_some_and(|t| t.starts_with("peaq_ros2_interfaces/"))
        })
        .count();
    assert_eq!(peaq, 26, "{own:?}");
    assert!(
        own.values().all(|t| t[0]
            .as_str()
            .is_some_and(|t| t.starts_with("peaq_ros2_interfaces/srv/")
                || t.starts_with("rcl_interfaces/srv/"))),
        "{own:?}"
    );
    client.stop().await;
    node.stop().await;
}
