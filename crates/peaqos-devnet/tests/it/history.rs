//! State at older blocks (issue 19): `eth_getBalance`, `eth_getTransactionCount`,
//! `eth_getStorageAt`, `eth_getCode` and `eth_call` at every block of a script answer what
//! they answered when that block was the latest, within the history window; past it anvil's
//! error. The same reads compared block by block with anvil.

use peaqos_devnet::{Devnet, DevnetConfig, chain::HistoryWindow};
use serde_json::{Value, json};

use crate::raw_http::{ok, rpc};

/// Returns storage slot 0: `PUSH1 0 SLOAD PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN`.
const SLOT_READER: &str = "0x60005460005260206000f3";
/// Returns `block.number`: `NUMBER PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN`.
const NUMBER_READER: &str = "0x4360005260206000f3";
const TARGET: &str = "0x0000000000000000000000000000000000001111";
const READER: &str = "0x0000000000000000000000000000000000002222";
const CLOCK: &str = "0x0000000000000000000000000000000000003333";

/// Every state read the test makes, at `block`.
async fn reads(url: &str, block: &Value) -> Vec<Value> {
    let sender = sender(url).await;
    vec![
        ok(url, "eth_getBalance", json!([TARGET, block])).await,
        ok(url, "eth_getTransactionCount", json!([sender, block])).await,
        ok(url, "eth_getStorageAt", json!([READER, "0x0", block])).await,
        ok(url, "eth_getCode", json!([READER, block])).await,
        ok(url, "eth_call", json!([{"to": READER}, block])).await,
        ok(url, "eth_call", json!([{"to": CLOCK}, block])).await,
    ]
}

/// Dev account 1 (the same on both nodes: the same mnemonic).
async fn sender(url: &str) -> Value {
    ok(url, "eth_accounts", json!([])).await[1].clone()
}

fn number(v: &Value) -> u64 {
    u64::from_str_radix(v.as_str().unwrap_or("0x0").trim_start_matches("0x"), 16).unwrap_or(0)
}

/// The script: transfers (`eth_sendTransaction`), storage and code set by dev controls, empty
/// blocks. Returns, for each block, the reads made when it was the latest.
async fn script(url: &str) -> Vec<(u64, Vec<Value>)> {
    let mut seen = Vec::new();
    let latest = |url: &str| {
        let url = url.to_owned();
        async move { number(&ok(&url, "eth_blockNumber", json!([])).await) }
    };
    // A dev control changes the latest block's state (as anvil).
    ok(url, "anvil_setCode", json!([CLOCK, NUMBER_READER])).await;
    seen.push((latest(url).await, reads(url, &json!("latest")).await));
    for step in 1..=6u64 {
        let hash = ok(
            url,
            "eth_sendTransaction",
            json!([{"from": sender(url).await, "to": TARGET, "value": format!("{step:#x}")}]),
        )
        .await;
        // anvil answers before it has mined: the dev controls below must land after the block.
        while ok(url, "eth_getTransactionReceipt", json!([hash]))
            .await
            .is_null()
        {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        if step == 3 {
            ok(url, "anvil_setCode", json!([READER, SLOT_READER])).await;
        }
        ok(
            url,
            "anvil_setStorageAt",
            json!([READER, "0x0", format!("0x{:064x}", step * 7)]),
        )
        .await;
        ok(url, "evm_mine", json!([])).await;
        seen.push((latest(url).await, reads(url, &json!("latest")).await));
        if step % 2 == 0 {
            // A block with nothing in it.
            ok(url, "evm_mine", json!([])).await;
            seen.push((latest(url).await, reads(url, &json!("latest")).await));
        }
    }
    seen
}

async fn reads_by_number(url: &str, seen: &[(u64, Vec<Value>)]) -> Vec<(u64, Vec<Value>)> {
    let mut out = Vec::new();
    for (block, _) in seen {
        out.push((*block, reads(url, &json!(format!("{block:#x}"))).await));
    }
    out
}

#[tokio::test]
async fn older_blocks_answer_their_own_state() {
    let devnet = Devnet::spawn(DevnetConfig {
        deploy_stack: false,
        ..DevnetConfig::ephemeral()
    })
    .await
    .expect("devnet starts");
    let seen = script(&devnet.url).await;
    assert!(seen.len() > 8);
    // Values changed over the script (the test reads something that moves).
    assert_ne!(seen[1].1, seen[seen.len() - 1].1);
    for ((block, then), (_, now)) in seen.iter().zip(reads_by_number(&devnet.url, &seen).await) {
        assert_eq!(then, &now, "state reads at block {block}");
    }
    // Also by block hash (EIP-1898).
    let (block, then) = &seen[2];
    let hash = ok(
        &devnet.url,
        "eth_getBlockByNumber",
        json!([format!("{block:#x}"), false]),
    )
    .await["hash"]
        .clone();
    assert_eq!(&reads(&devnet.url, &json!({"blockHash": hash})).await, then);
}

#[tokio::test]
async fn reads_past_the_window_answer_anvils_error() {
    let devnet = Devnet::spawn(DevnetConfig {
        deploy_stack: false,
        history: HistoryWindow::Recent(5),
        ..DevnetConfig::ephemeral()
    })
    .await
    .expect("devnet starts");
    let url = &devnet.url;
    ok(url, "anvil_setBalance", json!([TARGET, "0x1"])).await;
    ok(url, "anvil_mine", json!(["0x3"])).await;
    ok(url, "anvil_setBalance", json!([TARGET, "0x2"])).await;
    ok(url, "anvil_mine", json!(["0x7"])).await; // latest = 10
    assert_eq!(
        ok(url, "eth_getBalance", json!([TARGET, "0x5"])).await,
        "0x2"
    );
    let reply = rpc(url, "eth_getBalance", json!([TARGET, "0x4"])).await;
    assert_eq!(reply["error"]["code"], -32602, "{reply}");
    assert_eq!(
        reply["error"]["message"],
        "BlockOutOfRangeError: block height is 10 but requested was 4"
    );
    let reply = rpc(url, "eth_call", json!([{"to": TARGET}, "0x1"])).await;
    assert_eq!(reply["error"]["code"], -32602, "{reply}");

    // --archive: every block.
    let archive = Devnet::spawn(DevnetConfig {
        deploy_stack: false,
        history: HistoryWindow::Archive,
        ..DevnetConfig::ephemeral()
    })
    .await
    .expect("devnet starts");
    let url = &archive.url;
    ok(url, "anvil_setBalance", json!([TARGET, "0x1"])).await;
    ok(url, "anvil_mine", json!(["0x1"])).await;
    ok(url, "anvil_setBalance", json!([TARGET, "0x2"])).await;
    ok(url, "anvil_mine", json!(["0x12c"])).await;
    // Dev controls change the latest block's state, as on anvil.
    assert_eq!(
        ok(url, "eth_getBalance", json!([TARGET, "0x0"])).await,
        "0x1"
    );
    assert_eq!(
        ok(url, "eth_getBalance", json!([TARGET, "0x1"])).await,
        "0x2"
    );
    assert_eq!(
        ok(url, "eth_getBalance", json!([TARGET, "0x2"])).await,
        "0x2"
    );
}

#[tokio::test]
#[ignore = "needs anvil (npm ci in contracts/)"]
async fn history_reads_match_anvil_block_by_block() {
    let devnet = Devnet::spawn(DevnetConfig {
        deploy_stack: false,
        ..DevnetConfig::ephemeral()
    })
    .await
    .expect("devnet starts");
    let anvil = crate::differential_anvil::spawn_anvil(devnet.chain_id);
    let ours = script(&devnet.url).await;
    let theirs = script(&anvil.endpoint()).await;
    let block_shift =
        |v: &[(u64, Vec<Value>)]| v.iter().map(|(_, r)| r.clone()).collect::<Vec<_>>();
    assert_eq!(block_shift(&ours), block_shift(&theirs), "reads at latest");
    // Every block, the transfers' blocks (changed by dev controls while latest) included.
    let latest = ours.last().map_or(0, |(b, _)| *b);
    let every: Vec<(u64, Vec<Value>)> = (0..=latest).map(|b| (b, Vec::new())).collect();
    let ours = reads_by_number(&devnet.url, &every).await;
    let theirs = reads_by_number(&anvil.endpoint(), &every).await;
    assert_eq!(theirs.len(), 16);
    for ((block, a), (_, b)) in ours.iter().zip(&theirs) {
        assert_eq!(a, b, "history reads at block {block}: devnet vs anvil");
    }
}
