//! The JSON-RPC envelope as geth and anvil read it. Random, truncated and mutated bodies are
//! the `jsonrpc` target of `crates/peaqos-fuzz` (run in CI for a bounded time, its findings
//! replayed as regressions), which drives the same handler through the devnet's router.

use alloy::primitives::{Address, U256};
use peaqos_devnet::{
    chain::{Chain, ChainConfig},
    node::Node,
    rpc::handle_body,
};
use serde_json::json;

/// A key given twice keeps its last value (geth and anvil read JSON so): the answer carries the
/// last `id`, and a request whose `method` key is misspelled is invalid with that id (a fuzz
/// finding: the id was `null`).
#[test]
fn duplicate_keys_keep_the_last_value() {
    let alloc: [(Address, U256); 0] = [];
    let node = Node::new(Chain::new(ChainConfig::default(), &alloc), true, Vec::new());
    let answer = handle_body(
        &node,
        br#"{"id":1,"jsonrpc":"2.0","method":"eth_chainId","id":"second","params":[]}"#,
    )
    .expect("an answer");
    assert_eq!(answer["id"], json!("second"), "{answer}");
    assert!(answer["result"].is_string(), "{answer}");
    let answer = handle_body(
        &node,
        br#"{"id":11,"jsonrpc":"2.0","methodx":"eth_chainId","id":"last"}"#,
    )
    .expect("an answer");
    assert_eq!(answer["id"], json!("last"), "{answer}");
    assert_eq!(answer["error"]["code"], json!(-32600), "{answer}");
}
