//! foundry's own clients against the devnet (issue 19): `cast send --unlocked`, `cast call
//! --block <older>`, `cast run <tx>`, `cast logs`, `cast rpc debug_traceTransaction` on a Batch
//! transaction, and `forge script --broadcast` deploying and calling a contract.
//!
//! `cast run` replays a transaction in foundry's own EVM from the state it reads over RPC, so
//! it cannot execute peaq's precompiles: a Batch transaction replayed there runs the 5 bytes of
//! code the node reports at `0x…0805` and reverts (as it would against peaq itself). The trace through Batch is the
//! node's: `cast rpc debug_traceTransaction <tx> '{"tracer":"callTracer"}'`, checked here.
//!
//! cast and forge are the npm `@foundry-rs/*-linux-amd64` 1.7.1 binaries `npm ci` in
//! `contracts/` installs (or `PEAQOS_CAST` / `PEAQOS_FORGE`); missing, the tests fail.

use std::{path::PathBuf, process::Command};

use peaqos_devnet::{Devnet, DevnetConfig};
use peaqos_types::constants::BATCH_PRECOMPILE_ADDRESS;
use serde_json::Value;

/// The counter of `trace.rs`: returns slot 0 and stores it plus one.
const COUNTER: &str = "0x000000000000000000000000000000000000dddd";
const COUNTER_CODE: &str = "0x6000548060010160005560005260206000f3";

fn tool(var: &str, package: &str, name: &str) -> PathBuf {
    let path = std::env::var_os(var).map_or_else(
        || {
            peaqos_test_utils::workspace_root().join(format!(
                "contracts/node_modules/@foundry-rs/{package}/bin/{name}"
            ))
        },
        PathBuf::from,
    );
    assert!(
        path.exists(),
        "{name} not found at {}: run `npm ci` in contracts/ (or set {var})",
        path.display()
    );
    path
}

fn cast_path() -> PathBuf {
    tool("PEAQOS_CAST", "cast-linux-amd64", "cast")
}

fn forge_path() -> PathBuf {
    tool("PEAQOS_FORGE", "forge-linux-amd64", "forge")
}

/// Runs a foundry command to success (off the async workers: the devnet answers on them) and
/// returns its stdout.
async fn run(program: PathBuf, args: Vec<String>, dir: Option<PathBuf>) -> String {
    tokio::task::spawn_blocking(move || {
        let mut command = Command::new(&program);
        command.args(&args).env("NO_COLOR", "1");
        if let Some(dir) = dir {
            command.current_dir(dir);
        }
        let out = command.output().expect("foundry command runs");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{} {args:?} failed: {stdout}\n{}",
            program.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    })
    .await
    .expect("command thread")
}

async fn cast(url: &str, args: &[&str]) -> String {
    let mut all: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
    all.extend(["--rpc-url".to_owned(), url.to_owned()]);
    run(cast_path(), all, None).await
}

fn json(text: &str) -> Value {
    serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs cast (npm ci in contracts/)"]
async fn cast_sends_calls_runs_and_reads_logs() {
    let devnet = Devnet::spawn(DevnetConfig {
        deploy_stack: false,
        ..DevnetConfig::ephemeral()
    })
    .await
    .expect("devnet starts");
    let url = devnet.url.clone();
    let from = format!("{:#x}", devnet.accounts[1].address);
    cast(&url, &["rpc", "anvil_setCode", COUNTER, COUNTER_CODE]).await;

    // cast send --unlocked: the node signs for its dev account.
    let mut receipts = Vec::new();
    for _ in 0..3 {
        let out = cast(
            &url,
            &["send", "--unlocked", "--from", &from, COUNTER, "--json"],
        )
        .await;
        let receipt = json(&out);
        assert_eq!(receipt["status"], "0x1", "{receipt}");
        receipts.push(receipt);
    }
    // cast call --block: the counter as of each block.
    for (i, receipt) in receipts.iter().enumerate() {
        let block = u64::from_str_radix(
            receipt["blockNumber"]
                .as_str()
                .unwrap_or_default()
                .trim_start_matches("0x"),
            16,
        )
        .expect("block number");
        let out = cast(&url, &["call", COUNTER, "--block", &block.to_string()]).await;
        assert_eq!(out.trim(), format!("0x{:064x}", i + 1), "at block {block}");
    }

    // cast run: the transaction replayed by foundry from the state the devnet serves at the
    // parent block, with its trace.
    let hash = receipts[1]["transactionHash"]
        .as_str()
        .expect("hash")
        .to_owned();
    let out = cast(&url, &["run", &hash]).await;
    assert!(out.contains("Traces:"), "{out}");
    assert!(
        out.contains(&format!("← [Return] 0x{:064x}", 1)),
        "the second increment returns 1: {out}"
    );
    assert!(out.contains("Transaction successfully executed"), "{out}");

    // A Batch transaction: its trace through 0x…0805 is the node's.
    let batch = BATCH_PRECOMPILE_ADDRESS.to_string();
    let calldata = run(
        cast_path(),
        [
            "calldata",
            "batchAll(address[],uint256[],bytes[],uint64[])",
            &format!("[{COUNTER},{COUNTER}]"),
            "[0,0]",
            "[0x,0x]",
            "[0,0]",
        ]
        .iter()
        .map(|a| (*a).to_owned())
        .collect(),
        None,
    )
    .await;
    let out = cast(
        &url,
        &[
            "send",
            "--unlocked",
            "--from",
            &from,
            &batch,
            calldata.trim(),
            "--json",
        ],
    )
    .await;
    let receipt = json(&out);
    assert_eq!(receipt["status"], "0x1", "{receipt}");
    let hash = receipt["transactionHash"]
        .as_str()
        .expect("hash")
        .to_owned();
    let trace = json(
        &cast(
            &url,
            &[
                "rpc",
                "debug_traceTransaction",
                &hash,
                r#"{"tracer":"callTracer","tracerConfig":{"withLog":true}}"#,
            ],
        )
        .await,
    );
    assert_eq!(
        trace["decoded"]["function"],
        "batchAll(address[],uint256[],bytes[],uint64[])"
    );
    let calls = trace["calls"].as_array().expect("subcall frames");
    assert_eq!(calls.len(), 2, "{trace}");
    for (i, call) in calls.iter().enumerate() {
        assert_eq!(call["from"], from);
        assert_eq!(call["to"], COUNTER);
        assert_eq!(call["output"], format!("0x{:064x}", i + 3));
    }

    // cast logs: the Batch's SubcallSucceeded(0), (1).
    let out = cast(
        &url,
        &[
            "logs",
            "--from-block",
            "0",
            "--address",
            &batch,
            "SubcallSucceeded(uint256)",
            "--json",
        ],
    )
    .await;
    let logs = json(&out);
    let logs = logs.as_array().expect("logs");
    assert_eq!(logs.len(), 2, "{out}");
    assert_eq!(logs[1]["data"], format!("0x{:064x}", 1));
    assert_eq!(logs[1]["transactionHash"], hash);
}

const SCRIPT: &str = r#"// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Script} from "forge-std/Script.sol";

contract Counter {
    uint256 public count;
    event Counted(uint256 count);

    function increment() external returns (uint256) {
        count += 1;
        emit Counted(count);
        return count;
    }
}

contract Deploy is Script {
    function run() external {
        vm.startBroadcast();
        Counter counter = new Counter();
        counter.increment();
        counter.increment();
        vm.stopBroadcast();
        require(counter.count() == 2, "count");
    }
}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs forge and cast (npm ci in contracts/)"]
async fn forge_script_broadcasts_a_deploy_and_calls() {
    let devnet = Devnet::spawn(DevnetConfig {
        deploy_stack: false,
        ..DevnetConfig::ephemeral()
    })
    .await
    .expect("devnet starts");
    let url = devnet.url.clone();
    let from = format!("{:#x}", devnet.accounts[1].address);
    // A throwaway project: solc is the contracts' solcjs shim (no native solc here), forge-std
    // the copy under contracts/node_modules.
    let contracts = peaqos_test_utils::workspace_root().join("contracts");
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("script")).expect("script dir");
    std::fs::write(dir.path().join("script/Counter.s.sol"), SCRIPT).expect("script");
    std::fs::write(
        dir.path().join("foundry.toml"),
        format!(
            "[profile.default]\nsrc = \"script\"\nout = \"out\"\ncache_path = \"cache\"\n\
             solc = \"{}\"\noffline = true\nevm_version = \"cancun\"\n\
             remappings = [\"forge-std/={}/\"]\n",
            contracts.join("scripts/solc").display(),
            contracts
                .join("node_modules/@layerzerolabs/toolbox-foundry/lib/forge-std")
                .display()
        ),
    )
    .expect("foundry.toml");
    let args = [
        "script",
        "script/Counter.s.sol:Deploy",
        "--rpc-url",
        &url,
        "--broadcast",
        "--unlocked",
        "--sender",
        &from,
    ];
    let out = run(
        forge_path(),
        args.iter().map(|a| (*a).to_owned()).collect(),
        Some(dir.path().to_path_buf()),
    )
    .await;
    assert!(
        out.contains("ONCHAIN EXECUTION COMPLETE & SUCCESSFUL"),
        "{out}"
    );
    let broadcast = std::fs::read_to_string(dir.path().join(format!(
        "broadcast/Counter.s.sol/{}/run-latest.json",
        devnet.chain_id
    )))
    .expect("broadcast record");
    let broadcast = json(&broadcast);
    let receipts = broadcast["receipts"].as_array().expect("receipts");
    assert_eq!(receipts.len(), 3, "deploy + two increments");
    assert!(receipts.iter().all(|r| r["status"] == "0x1"));
    let counter = broadcast["transactions"][0]["contractAddress"]
        .as_str()
        .expect("deployed address")
        .to_owned();
    let count = cast(&url, &["call", &counter, "count()(uint256)"]).await;
    assert_eq!(count.trim(), "2");
    // The increments' events, through cast logs.
    let logs = json(
        &cast(
            &url,
            &[
                "logs",
                "--from-block",
                "0",
                "--address",
                &counter,
                "Counted(uint256)",
                "--json",
            ],
        )
        .await,
    );
    assert_eq!(logs.as_array().map(Vec::len), Some(2));
}
