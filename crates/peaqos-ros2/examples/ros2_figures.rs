//! The figures of docs/ros2.md: `events/validate` and `events/submit` latency through the node
//! (called by ROS 2 Jazzy's rclpy over Fast DDS) against the same SDK call made directly, in one
//! run against an in-process local stack; calls per second with 8 concurrent callers; the
//! node's resident memory idle and under that load.
//!
//! Needs root (a network namespace) and scripts/ros2-env.sh; build the node first:
//! `cargo build -p peaqos-ros2 --bin peaqos_node && cargo run -p peaqos-ros2 --example ros2_figures`.
#![allow(clippy::print_stdout, missing_docs)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use alloy::primitives::{Bytes, U256};
use peaqos_sdk::{PrivateKey, SubmitEventParams, validation::validate_submit_event_params};
use peaqos_stack::{LocalStack, StackConfig};
use serde_json::json;
use support::{NodeProcess, Rclpy, Ros2Env, ok};

const PASSPHRASE: &str = "ros2-figures-vault-passphrase";
const VALIDATE_CALLS: usize = 300;
const SUBMIT_CALLS: usize = 60;
const CONCURRENT: usize = 8;
const PER_CALLER: usize = 25;

fn pct(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i.min(v.len() - 1)]
}

fn line(name: &str, v: &[f64]) {
    println!(
        "{name:<44} p50 {:>9.3} ms   p99 {:>9.3} ms   (n = {})",
        pct(v.to_vec(), 0.5),
        pct(v.to_vec(), 0.99),
        v.len()
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 4)]
async fn main() {
    if !support::reexec_in_netns("ros2_figures", &[], &[]) {
        return;
    }
    let exe = std::env::current_exe().expect("exe");
    let bin = exe
        .parent()
        .and_then(|p| p.parent())
        .expect("target dir")
        .join("peaqos_node");
    assert!(
        bin.exists(),
        "build the node first: cargo build -p peaqos-ros2 --bin peaqos_node"
    );
    let env = Ros2Env::find();
    let stack = LocalStack::start(StackConfig::ephemeral(), |_| {})
        .await
        .expect("stack");
    let dir = tempfile::tempdir().expect("tempdir");
    let funder = peaqos_test_utils::devnet::dev_client(&stack.devnet, 2);
    let peaq = U256::from(10u64).pow(U256::from(18u64));

    // The node's machine: an official registry entry, funded; a second machine for the direct SDK.
    let key = PrivateKey::random();
    let m = key.address().to_checksum(None);
    let registry = dir.path().join("peaqos_wallets.json");
    support::write_official_registry(&registry, &key, "bench");
    funder
        .send_call(key.address(), Bytes::new(), U256::from(1_000u64) * peaq)
        .await
        .expect("fund");
    let direct = peaqos_test_utils::devnet::funded_client(&stack.devnet, &funder, 1_000).await;
    let direct_id = direct.register_machine().await.expect("register direct");

    let node_env =
        support::stack_node_env(&stack, &registry, &dir.path().join("vault"), PASSPHRASE, &m);
    let node = NodeProcess::start_binary(
        &bin,
        &node_env,
        &["--ros-args", "-p", "peaq_os.enabled:=true"],
        dir.path().join("node.log"),
    );
    node.wait_ready().await;
    let rclpy = Rclpy::start(&env).await;
    for s in [
        ("events/validate", "PeaqosValidateEvent"),
        ("events/submit", "PeaqosSubmitEvent"),
        ("machine/register", "PeaqosRegisterMachine"),
    ] {
        rclpy.wait(s.0, s.1).await;
    }
    let machine_id = ok(rclpy
        .call(
            "machine/register",
            "PeaqosRegisterMachine",
            json!({"address": m}),
        )
        .await)["machine_id"]
        .as_u64()
        .expect("id");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_idle = node.rss_kb();

    let now = peaqos_test_utils::devnet::chain_now(&funder).await;
    let event = json!({"machine_id": machine_id, "event_type": 1, "value": 1, "timestamp": now, "raw_data_hex": "0x73656e736f723a6f6b",
        "trust_level": 0, "source_chain_id": 3338, "source_tx_hash": "", "metadata_hex": "0x7b7d"});
    let params = |id: u64| {
        let mut p = SubmitEventParams::new(
            U256::from(id),
            peaqos_types::EventType::Activity,
            U256::from(1u64),
            now,
        )
        .with_raw_data(b"sensor:ok".to_vec())
        .with_metadata(b"{}".to_vec());
        p.source_chain_id = 3338;
        p.with_default_currency()
    };

    // Warm-up (discovery of the request writers, first-call paths).
    for _ in 0..5 {
        ok(rclpy
            .call("events/validate", "PeaqosValidateEvent", event.clone())
            .await);
    }
    let mut via_node = Vec::new();
    for _ in 0..VALIDATE_CALLS {
        via_node.push(ok_timed(
            rclpy
                .call_timed("events/validate", "PeaqosValidateEvent", event.clone())
                .await,
        ));
    }
    let mut direct_validate = Vec::new();
    for _ in 0..VALIDATE_CALLS {
        let t = Instant::now();
        let p = params(machine_id);
        validate_submit_event_params(&p).expect("valid");
        std::hint::black_box(p.data_hash());
        direct_validate.push(t.elapsed().as_secs_f64() * 1e3);
    }
    let mut submit = event.clone();
    submit["signer_address"] = json!(m);
    let mut via_node_submit = Vec::new();
    for _ in 0..SUBMIT_CALLS {
        via_node_submit.push(ok_timed(
            rclpy
                .call_timed("events/submit", "PeaqosSubmitEvent", submit.clone())
                .await,
        ));
    }
    let mut direct_submit = Vec::new();
    let direct_id = u64::try_from(direct_id).expect("u64");
    for _ in 0..SUBMIT_CALLS {
        let t = Instant::now();
        direct
            .submit_event(params(direct_id))
            .await
            .expect("direct submit");
        direct_submit.push(t.elapsed().as_secs_f64() * 1e3);
    }

    // 8 concurrent callers: validate, then submit (one signer: the node orders its nonces).
    let mut rss_peak = 0;
    let mut rates = Vec::new();
    for (service, ty, req, per) in [
        (
            "events/validate",
            "PeaqosValidateEvent",
            event.clone(),
            PER_CALLER * 8,
        ),
        (
            "events/submit",
            "PeaqosSubmitEvent",
            submit.clone(),
            PER_CALLER,
        ),
    ] {
        let t = Instant::now();
        let callers = (0..CONCURRENT).map(|_| {
            let (rclpy, req) = (&rclpy, req.clone());
            async move {
                for _ in 0..per {
                    ok(rclpy.call(service, ty, req.clone()).await);
                }
            }
        });
        let sampler = async {
            let mut peak = 0;
            while t.elapsed() < Duration::from_secs(600) {
                peak = peak.max(node.rss_kb());
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            peak
        };
        let peak = tokio::select! {
            _ = futures::future::join_all(callers) => node.rss_kb(),
            p = sampler => p,
        };
        rss_peak = rss_peak.max(peak);
        rates.push((
            service,
            (CONCURRENT * per) as f64 / t.elapsed().as_secs_f64(),
        ));
    }
    let rss_loaded = rss_peak.max(node.rss_kb());

    println!(
        "peaqos_node figures (debug build, one run, local stack in-process, rclpy Jazzy client over Fast DDS)"
    );
    line("events/validate via node (rclpy round trip)", &via_node);
    line("events/validate direct SDK call", &direct_validate);
    line(
        "events/submit via node (rclpy round trip)",
        &via_node_submit,
    );
    line("events/submit direct SDK call", &direct_submit);
    println!(
        "ratio node/direct p50: validate {:.0}x, submit {:.2}x",
        pct(via_node.clone(), 0.5) / pct(direct_validate.clone(), 0.5),
        pct(via_node_submit.clone(), 0.5) / pct(direct_submit.clone(), 0.5)
    );
    for (s, r) in rates {
        println!("{s:<44} {r:>9.1} calls/s with {CONCURRENT} concurrent callers");
    }
    println!(
        "node RSS idle {} MiB, under load {} MiB",
        rss_idle / 1024,
        rss_loaded / 1024
    );
    rclpy.stop().await;
    node.stop().await;
    stack.shutdown().await.expect("shutdown");
}

fn ok_timed((resp, ms): (serde_json::Value, f64)) -> f64 {
    ok(resp);
    ms
}
