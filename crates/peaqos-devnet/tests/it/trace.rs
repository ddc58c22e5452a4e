//! Tracing (issue 19): `debug_traceTransaction` / `debug_traceCall` with the struct logger and
//! `callTracer`, compared with anvil for plain contract transactions; a Batch transaction traced
//! through `0x…0805` with a frame per subcall and the precompile calls decoded; replay of a
//! transaction that is not its block's first; `debug_traceCall` at older blocks; the bounds.

use alloy::{
    primitives::{Address, Bytes, U256},
    sol_types::{SolCall, SolEvent},
};
use peaqos_contracts::bindings::{BatchPrecompile, DIDPrecompile};
use peaqos_devnet::{Devnet, DevnetConfig, chain::HistoryWindow};
use peaqos_types::constants::{
    BATCH_PRECOMPILE_ADDRESS, DID_PRECOMPILE_ADDRESS, WPEAQ_PRECOMPILE_ADDRESS,
};
use serde_json::{Value, json};

use crate::raw_http::{ok, rpc};

/// Calls `CALLEE` with its own calldata (returning what it returns), then `REVERTER` (whose
/// revert it ignores).
const CALLER: &str = "0x000000000000000000000000000000000000aaaa";
/// `CALLDATASIZE PUSH1 0 PUSH1 0 CALLDATACOPY; CALL(GAS, 0xbbbb, 0, 0, CALLDATASIZE, 0, 32) POP;
/// CALL(GAS, 0xcccc, 0, 0, 0, 0, 0) POP; RETURN(0, 32)`.
const CALLER_CODE: &str =
    "0x36600060003760206000366000600061bbbb5af1506000600060006000600061cccc5af15060206000f3";
/// Stores word 0 of its calldata in slot 0, logs it (topic 0x2a) and returns it.
const CALLEE: &str = "0x000000000000000000000000000000000000bbbb";
const CALLEE_CODE: &str = "0x60003580600055600052602a60206000a160206000f3";
/// Reverts with the word 1.
const REVERTER: &str = "0x000000000000000000000000000000000000cccc";
const REVERTER_CODE: &str = "0x600160005260206000fd";
/// A counter: returns slot 0 and stores it plus one.
const COUNTER: &str = "0x000000000000000000000000000000000000dddd";
const COUNTER_CODE: &str = "0x6000548060010160005560005260206000f3";

async fn dev_account(url: &str, index: usize) -> String {
    ok(url, "eth_accounts", json!([])).await[index]
        .as_str()
        .expect("address")
        .to_owned()
}

/// Sends a transaction from a dev account and waits for its receipt.
async fn send(url: &str, tx: Value) -> (String, Value) {
    let hash = ok(url, "eth_sendTransaction", json!([tx])).await;
    loop {
        let receipt = ok(url, "eth_getTransactionReceipt", json!([hash])).await;
        if !receipt.is_null() {
            return (hash.as_str().expect("hash").to_owned(), receipt);
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

async fn place_contracts(url: &str) {
    for (address, code) in [
        (CALLER, CALLER_CODE),
        (CALLEE, CALLEE_CODE),
        (REVERTER, REVERTER_CODE),
        (COUNTER, COUNTER_CODE),
    ] {
        ok(url, "anvil_setCode", json!([address, code])).await;
    }
    ok(url, "evm_mine", json!([])).await;
}

fn word(n: u64) -> String {
    format!("0x{n:064x}")
}

/// The traces compared with anvil for one transaction.
async fn traces_of(url: &str, hash: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for options in [
        json!({}),
        json!({"enableMemory": true, "enableReturnData": true}),
        json!({"disableStack": true, "disableStorage": true}),
        json!({"tracer": "callTracer"}),
        json!({"tracer": "callTracer", "tracerConfig": {"withLog": true}}),
        json!({"tracer": "callTracer", "tracerConfig": {"onlyTopCall": true}}),
    ] {
        let trace = ok(url, "debug_traceTransaction", json!([hash, options])).await;
        out.push((options.to_string(), trace));
    }
    out
}

/// The script both nodes run: contracts placed, then two transactions through them.
async fn contract_script(url: &str) -> Vec<Vec<(String, Value)>> {
    place_contracts(url).await;
    let from = dev_account(url, 1).await;
    let mut traces = Vec::new();
    for (to, data) in [
        (CALLER, word(0x1234)),
        (CALLEE, word(7)),
        (REVERTER, "0x".to_owned()),
    ] {
        let (hash, _) = send(
            url,
            json!({"from": from, "to": to, "data": data, "gas": "0x7a120"}),
        )
        .await;
        traces.push(traces_of(url, &hash).await);
    }
    traces
}

#[tokio::test]
#[ignore = "needs anvil (npm ci in contracts/)"]
async fn traces_match_anvil() {
    let devnet = Devnet::spawn(DevnetConfig {
        deploy_stack: false,
        ..DevnetConfig::ephemeral()
    })
    .await
    .expect("devnet starts");
    // anvil records opcode steps only with `--steps-tracing`.
    let anvil = alloy::node_bindings::Anvil::new()
        .path(peaqos_test_utils::anvil::require_anvil())
        .args(["--hardfork", "cancun", "--steps-tracing"])
        .chain_id(devnet.chain_id)
        .try_spawn()
        .expect("anvil starts");
    let ours = contract_script(&devnet.url).await;
    let theirs = contract_script(&anvil.endpoint()).await;
    let mut compared = 0;
    for (tx, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        for ((options, mine), (_, reference)) in a.iter().zip(b) {
            assert_eq!(
                mine, reference,
                "transaction {tx}, options {options}: devnet vs anvil"
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 18);
    // The call tree is what the contracts do: CALLER → CALLEE (stores, logs), → REVERTER.
    let calls = &ours[0][4].1;
    assert_eq!(calls["calls"][0]["to"], CALLEE);
    assert_eq!(calls["calls"][0]["output"], word(0x1234));
    assert_eq!(calls["calls"][0]["logs"][0]["topics"][0], word(0x2a));
    assert_eq!(calls["calls"][1]["error"], "execution reverted");
    assert_eq!(calls["output"], word(0x1234));
    let logs = ours[0][0].1["structLogs"].as_array().expect("struct logs");
    assert!(logs.iter().any(|l| l["op"] == "SSTORE" && l["depth"] == 2));
}

/// `batchAll` calldata from `(to, value, data)` subcalls (gas limits 0: all remaining).
fn batch(mode: &str, calls: &[(Address, U256, Bytes)]) -> String {
    let to = calls.iter().map(|c| c.0).collect();
    let value = calls.iter().map(|c| c.1).collect();
    let call_data = calls.iter().map(|c| c.2.clone()).collect();
    let gas_limit = vec![0; calls.len()];
    let data = match mode {
        "all" => BatchPrecompile::batchAllCall {
            to,
            value,
            callData: call_data,
            gasLimit: gas_limit,
        }
        .abi_encode(),
        _ => BatchPrecompile::batchSomeCall {
            to,
            value,
            callData: call_data,
            gasLimit: gas_limit,
        }
        .abi_encode(),
    };
    Bytes::from(data).to_string()
}

fn address(s: &str) -> Address {
    s.parse().expect("address")
}

#[tokio::test]
async fn batch_trace_shows_every_subcall_decoded() {
    let devnet = Devnet::spawn(DevnetConfig {
        deploy_stack: false,
        ..DevnetConfig::ephemeral()
    })
    .await
    .expect("devnet starts");
    let url = &devnet.url;
    place_contracts(url).await;
    let sender = dev_account(url, 1).await;
    let add = DIDPrecompile::addAttributeCall {
        didAccount: address(&sender),
        name: Bytes::from_static(b"peaqos.trace"),
        value: Bytes::from_static(b"hello"),
        validityFor: 0,
    }
    .abi_encode();
    let data = batch(
        "all",
        &[
            (address(CALLEE), U256::ZERO, word(5).parse().expect("word")),
            (DID_PRECOMPILE_ADDRESS, U256::ZERO, add.into()),
            (WPEAQ_PRECOMPILE_ADDRESS, U256::from(3), Bytes::new()),
        ],
    );
    let (hash, receipt) = send(
        url,
        json!({"from": sender, "to": BATCH_PRECOMPILE_ADDRESS, "data": data, "gas": "0x4c4b40"}),
    )
    .await;
    assert_eq!(receipt["status"], "0x1");
    let trace = ok(
        url,
        "debug_traceTransaction",
        json!([hash, {"tracer": "callTracer", "tracerConfig": {"withLog": true}}]),
    )
    .await;
    let checksum = |a: &str| address(a).to_checksum(None);
    assert_eq!(
        trace["to"],
        format!("{BATCH_PRECOMPILE_ADDRESS:#x}"),
        "{trace}"
    );
    assert_eq!(trace["from"], sender.to_lowercase());
    assert_eq!(trace["gasUsed"], receipt["gasUsed"]);
    assert_eq!(
        trace["decoded"]["function"],
        "batchAll(address[],uint256[],bytes[],uint64[])"
    );
    assert_eq!(
        trace["decoded"]["args"]["to"],
        json!([
            checksum(CALLEE),
            DID_PRECOMPILE_ADDRESS.to_checksum(None),
            WPEAQ_PRECOMPILE_ADDRESS.to_checksum(None)
        ])
    );
    let calls = trace["calls"].as_array().expect("subcall frames");
    assert_eq!(calls.len(), 3, "{trace}");
    for call in calls {
        assert_eq!(call["from"], sender.to_lowercase(), "{call}");
        assert_eq!(call["type"], "CALL");
        assert!(call.get("error").is_none(), "{call}");
    }
    assert_eq!(calls[0]["to"], CALLEE);
    assert_eq!(calls[0]["output"], word(5));
    assert_eq!(calls[0]["logs"][0]["topics"][0], word(0x2a));
    assert!(calls[0].get("decoded").is_none());
    assert_eq!(calls[1]["to"], format!("{DID_PRECOMPILE_ADDRESS:#x}"));
    assert_eq!(
        calls[1]["decoded"]["function"],
        "addAttribute(address,bytes,bytes,uint32)"
    );
    assert_eq!(calls[1]["decoded"]["args"]["didAccount"], checksum(&sender));
    assert_eq!(
        calls[1]["decoded"]["args"]["name"],
        Bytes::from_static(b"peaqos.trace").to_string()
    );
    assert_eq!(calls[1]["decoded"]["outputs"]["out0"], true);
    assert_eq!(calls[2]["decoded"]["function"], "deposit()");
    assert_eq!(calls[2]["value"], "0x3");
    // Gas: each subcall's own, the rest is the batch's (intrinsic, overhead, logs).
    let gas = |v: &Value| {
        u64::from_str_radix(v.as_str().unwrap_or("0x0").trim_start_matches("0x"), 16).unwrap_or(0)
    };
    let subcalls: u64 = calls.iter().map(|c| gas(&c["gasUsed"])).sum();
    assert!(subcalls > 0 && subcalls < gas(&trace["gasUsed"]));
    // SubcallSucceeded(0..3) are the batch frame's logs, each after its subcall.
    let logs = trace["logs"].as_array().expect("batch logs");
    assert_eq!(logs.len(), 3);
    for (i, log) in logs.iter().enumerate() {
        assert_eq!(log["address"], format!("{BATCH_PRECOMPILE_ADDRESS:#x}"));
        assert_eq!(log["position"], format!("{:#x}", i + 1));
    }
    // The log indexes follow execution: CALLEE's log, SubcallSucceeded(0), the DID's
    // AddAttribute, SubcallSucceeded(1), WPEAQ's Deposit, SubcallSucceeded(2).
    assert_eq!(calls[0]["logs"][0]["index"], "0x0");
    assert_eq!(logs[0]["index"], "0x1");
    assert_eq!(calls[1]["logs"][0]["index"], "0x2");
    assert_eq!(logs[2]["index"], "0x5");
    let receipt_logs = receipt["logs"].as_array().expect("receipt logs");
    assert_eq!(receipt_logs.len(), 6);

    // A direct call to the DID precompile: its decoded outputs (the attribute just added).
    let read = DIDPrecompile::readAttributeCall {
        didAccount: address(&sender),
        name: Bytes::from_static(b"peaqos.trace"),
    }
    .abi_encode();
    let call = ok(
        url,
        "debug_traceCall",
        json!([{"from": sender, "to": DID_PRECOMPILE_ADDRESS, "data": Bytes::from(read)}, "latest", {"tracer": "callTracer"}]),
    )
    .await;
    assert_eq!(
        call["decoded"]["function"], "readAttribute(address,bytes)",
        "{call}"
    );
    let attribute = &call["decoded"]["outputs"]["out0"];
    assert_eq!(
        attribute[0],
        Bytes::from_static(b"peaqos.trace").to_string()
    );
    assert_eq!(attribute[1], Bytes::from_static(b"hello").to_string());
    let balance = ok(
        url,
        "debug_traceCall",
        json!([{"to": WPEAQ_PRECOMPILE_ADDRESS, "data": Bytes::from(
            peaqos_contracts::bindings::WPEAQStandin::balanceOfCall { account: address(&sender) }.abi_encode()
        )}, "latest", {"tracer": "callTracer"}]),
    )
    .await;
    assert_eq!(
        balance["decoded"]["function"], "balanceOf(address)",
        "{balance}"
    );
    assert_eq!(
        balance["decoded"]["outputs"]["out0"],
        U256::from_str_radix(
            ok(url, "eth_getBalance", json!([sender, "latest"]))
                .await
                .as_str()
                .unwrap_or("0x0")
                .trim_start_matches("0x"),
            16
        )
        .expect("balance")
        .to_string()
    );

    // The struct logger: the subcalls' steps, one level below the batch.
    let steps = ok(url, "debug_traceTransaction", json!([hash, {}])).await;
    assert_eq!(steps["failed"], false);
    assert_eq!(steps["gas"], json!(gas(&receipt["gasUsed"])));
    let logs = steps["structLogs"].as_array().expect("struct logs");
    assert!(
        logs.iter().any(|l| l["op"] == "SSTORE" && l["depth"] == 2),
        "{steps}"
    );
    assert!(logs.iter().all(|l| l["depth"].as_u64() >= Some(2)));

    // batchSome with a reverting subcall: the failed frame carries the revert, and the batch
    // logs SubcallFailed for it; batchAll with it reverts with the subcall's data.
    let data = batch(
        "some",
        &[
            (address(REVERTER), U256::ZERO, Bytes::new()),
            (address(CALLEE), U256::ZERO, word(9).parse().expect("word")),
        ],
    );
    let (hash, receipt) = send(
        url,
        json!({"from": sender, "to": BATCH_PRECOMPILE_ADDRESS, "data": data, "gas": "0x4c4b40"}),
    )
    .await;
    assert_eq!(receipt["status"], "0x1");
    let trace = ok(
        url,
        "debug_traceTransaction",
        json!([hash, {"tracer": "callTracer", "tracerConfig": {"withLog": true}}]),
    )
    .await;
    assert_eq!(
        trace["decoded"]["function"],
        "batchSome(address[],uint256[],bytes[],uint64[])"
    );
    assert_eq!(trace["calls"][0]["error"], "execution reverted");
    assert_eq!(trace["calls"][0]["output"], word(1));
    assert!(trace["calls"][0].get("logs").is_none());
    assert_eq!(trace["calls"][1]["output"], word(9));
    assert_eq!(
        trace["logs"][0]["topics"][0],
        format!("{:#x}", BatchPrecompile::SubcallFailed::SIGNATURE_HASH)
    );
    let data = batch(
        "all",
        &[
            (address(CALLEE), U256::ZERO, word(4).parse().expect("word")),
            (address(REVERTER), U256::ZERO, Bytes::new()),
        ],
    );
    let (hash, receipt) = send(
        url,
        json!({"from": sender, "to": BATCH_PRECOMPILE_ADDRESS, "data": data, "gas": "0x4c4b40"}),
    )
    .await;
    assert_eq!(receipt["status"], "0x0");
    let trace = ok(
        url,
        "debug_traceTransaction",
        json!([hash, {"tracer": "callTracer", "tracerConfig": {"withLog": true}}]),
    )
    .await;
    assert_eq!(trace["error"], "execution reverted");
    assert_eq!(trace["output"], word(1));
    assert_eq!(trace["calls"].as_array().map(Vec::len), Some(2));
    assert!(
        trace.get("logs").is_none(),
        "a reverted batch keeps no logs: {trace}"
    );
    let top = ok(
        url,
        "debug_traceTransaction",
        json!([hash, {"tracer": "callTracer", "tracerConfig": {"onlyTopCall": true}}]),
    )
    .await;
    assert!(top.get("calls").is_none());
    assert_eq!(top["gasUsed"], receipt["gasUsed"]);
}

#[tokio::test]
async fn a_later_transaction_of_a_block_is_traced_on_the_state_its_predecessors_left() {
    let devnet = Devnet::spawn(DevnetConfig {
        deploy_stack: false,
        // Blocks are sealed by evm_mine only.
        block_interval: Some(std::time::Duration::from_secs(3600)),
        ..DevnetConfig::ephemeral()
    })
    .await
    .expect("devnet starts");
    let url = &devnet.url;
    place_contracts(url).await;
    let sender = dev_account(url, 1).await;
    let other = dev_account(url, 2).await;
    let mut hashes = Vec::new();
    for from in [&sender, &other, &sender] {
        let hash = ok(
            url,
            "eth_sendTransaction",
            json!([{"from": from, "to": COUNTER, "gas": "0x30d40"}]),
        )
        .await;
        hashes.push(hash);
    }
    // A batch in the same block, after them.
    let data = batch("all", &[(address(COUNTER), U256::ZERO, Bytes::new())]);
    hashes.push(
        ok(
            url,
            "eth_sendTransaction",
            json!([{"from": other, "to": BATCH_PRECOMPILE_ADDRESS, "data": data, "gas": "0x4c4b40"}]),
        )
        .await,
    );
    ok(url, "evm_mine", json!([])).await;
    for (i, hash) in hashes.iter().enumerate() {
        let receipt = ok(url, "eth_getTransactionReceipt", json!([hash])).await;
        assert_eq!(receipt["transactionIndex"], format!("{i:#x}"));
        let trace = ok(
            url,
            "debug_traceTransaction",
            json!([hash, {"tracer": "callTracer"}]),
        )
        .await;
        let frame = if i == 3 { &trace["calls"][0] } else { &trace };
        assert_eq!(frame["output"], word(i as u64), "transaction {i}: {trace}");
        assert_eq!(trace["gasUsed"], receipt["gasUsed"], "transaction {i}");
    }
}

#[tokio::test]
async fn trace_call_runs_at_older_blocks_and_latest() {
    let devnet = Devnet::spawn(DevnetConfig {
        deploy_stack: false,
        history: HistoryWindow::Recent(4),
        ..DevnetConfig::ephemeral()
    })
    .await
    .expect("devnet starts");
    let url = &devnet.url;
    place_contracts(url).await;
    let sender = dev_account(url, 1).await;
    let mut blocks = Vec::new();
    for _ in 0..3 {
        let (_, receipt) = send(url, json!({"from": sender, "to": COUNTER})).await;
        blocks.push(receipt["blockNumber"].clone());
    }
    let call = json!({"from": sender, "to": COUNTER});
    for (i, block) in blocks.iter().enumerate() {
        let trace = ok(
            url,
            "debug_traceCall",
            json!([call, block, {"tracer": "callTracer"}]),
        )
        .await;
        // After the (i+1)th increment the counter reads i+1.
        assert_eq!(trace["output"], word(i as u64 + 1), "at {block}");
        assert_eq!(
            trace["output"],
            ok(url, "eth_call", json!([call, block])).await
        );
    }
    let latest = ok(url, "debug_traceCall", json!([call, "latest", {}])).await;
    assert_eq!(latest["returnValue"], word(3));
    assert_eq!(latest["failed"], false);
    let ops: Vec<&str> = latest["structLogs"]
        .as_array()
        .expect("struct logs")
        .iter()
        .filter_map(|l| l["op"].as_str())
        .collect();
    assert_eq!(ops.first(), Some(&"PUSH1"));
    assert!(ops.contains(&"SSTORE") && ops.last() == Some(&"RETURN"));
    // A call to the Batch precompile, traced as a transaction's would be.
    let data = batch("all", &[(address(COUNTER), U256::ZERO, Bytes::new())]);
    let trace = ok(
        url,
        "debug_traceCall",
        json!([{"from": sender, "to": BATCH_PRECOMPILE_ADDRESS, "data": data}, "latest", {"tracer": "callTracer"}]),
    )
    .await;
    assert_eq!(trace["calls"][0]["output"], word(3));
    // Past the window: anvil's error, as the state reads.
    ok(url, "anvil_mine", json!(["0x8"])).await;
    let reply = rpc(url, "debug_traceCall", json!([call, blocks[0], {}])).await;
    assert_eq!(reply["error"]["code"], -32602, "{reply}");
    assert!(
        reply["error"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("BlockOutOfRangeError")),
        "{reply}"
    );
    let (hash, _) = send(url, json!({"from": sender, "to": COUNTER})).await;
    ok(url, "anvil_mine", json!(["0x8"])).await;
    let reply = rpc(url, "debug_traceTransaction", json!([hash, {}])).await;
    assert_eq!(reply["error"]["code"], -32602, "{reply}");
}

#[tokio::test]
async fn trace_options_and_limits() {
    let devnet = Devnet::spawn(DevnetConfig {
        deploy_stack: false,
        ..DevnetConfig::ephemeral()
    })
    .await
    .expect("devnet starts");
    let url = &devnet.url;
    place_contracts(url).await;
    let sender = dev_account(url, 1).await;
    let (hash, _) = send(url, json!({"from": sender, "to": COUNTER})).await;
    let unknown = format!("0x{}", "ab".repeat(32));
    let reply = rpc(url, "debug_traceTransaction", json!([unknown, {}])).await;
    assert_eq!(reply["error"]["code"], -32000, "{reply}");
    for options in [
        json!({"tracer": "prestateTracer"}),
        json!({"tracer": "{ step: function() {} }"}),
        json!({"timeout": "ten seconds"}),
        json!({"timeout": "2h"}),
    ] {
        let reply = rpc(url, "debug_traceTransaction", json!([hash, options])).await;
        assert_eq!(reply["error"]["code"], -32602, "{options}: {reply}");
    }
    let limited = ok(url, "debug_traceTransaction", json!([hash, {"limit": 3}])).await;
    assert_eq!(limited["structLogs"].as_array().map(Vec::len), Some(3));
    // A loop of 30M gas: its struct logs would be hundreds of MB; refused at 25 MB (-32005).
    // `JUMPDEST PUSH1 0 JUMP`.
    ok(url, "anvil_setCode", json!([CALLER, "0x5b600056"])).await;
    let reply = rpc(
        url,
        "debug_traceCall",
        json!([{"from": sender, "to": CALLER, "gas": "0x1c9c380"}, "latest", {}]),
    )
    .await;
    assert_eq!(reply["error"]["code"], -32005, "{reply}");
    // The same loop as a call trace is small.
    let calls = ok(
        url,
        "debug_traceCall",
        json!([{"from": sender, "to": CALLER, "gas": "0x2dc6c0"}, "latest", {"tracer": "callTracer"}]),
    )
    .await;
    assert_eq!(calls["error"], "out of gas");
    // A timeout far below the loop's run time stops it (geth's words).
    let reply = rpc(
        url,
        "debug_traceCall",
        json!([{"from": sender, "to": CALLER, "gas": "0x1c9c380"}, "latest", {"disableStack": true, "timeout": "1ms"}]),
    )
    .await;
    assert_eq!(reply["error"]["message"], "execution timeout", "{reply}");
}
