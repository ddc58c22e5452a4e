//! Property test of JSON-RPC request handling: any body — random bytes, random JSON, valid
//! requests with mutated parameters — gets a well-formed JSON-RPC answer (or none for
//! notifications) and never panics or hangs the node.

use alloy::primitives::{Address, U256};
use peaqos_devnet::{
    chain::{Chain, ChainConfig},
    node::Node,
    rpc::handle_body,
};
use serde_json::{Value, json};

/// xorshift64*: deterministic, so a failure reproduces from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const METHODS: &[&str] = &[
    "eth_chainId",
    "net_version",
    "web3_clientVersion",
    "eth_blockNumber",
    "eth_getBlockByNumber",
    "eth_getBlockByHash",
    "eth_getBalance",
    "eth_getCode",
    "eth_getStorageAt",
    "eth_getTransactionCount",
    "eth_gasPrice",
    "eth_maxPriorityFeePerGas",
    "eth_feeHistory",
    "eth_estimateGas",
    "eth_call",
    "eth_sendRawTransaction",
    "eth_getTransactionByHash",
    "eth_getTransactionReceipt",
    "eth_getLogs",
    "evm_mine",
    "evm_increaseTime",
    "evm_setNextBlockTimestamp",
    "evm_snapshot",
    "evm_revert",
    "anvil_setBalance",
    "anvil_setCode",
    "eth_getBlockTransactionCountByNumber",
    "eth_getTransactionByBlockNumberAndIndex",
    "nope",
];

fn random_json(rng: &mut Rng, depth: u32) -> Value {
    match rng.below(if depth > 2 { 7 } else { 9 }) {
        0 => Value::Null,
        1 => json!(rng.next().is_multiple_of(2)),
        2 => json!(rng.next()),
        3 => json!(-(rng.below(1000) as i64)),
        4 => json!(format!("0x{:x}", rng.next())),
        5 => json!(rng.pick(&[
            "latest",
            "pending",
            "earliest",
            "0x",
            "0xzz",
            "",
            "0x0",
            "0xffffffffffffffffffff"
        ])),
        6 => json!(format!("0x{}", "ab".repeat(rng.below(70)))),
        7 => Value::Array(
            (0..rng.below(4))
                .map(|_| random_json(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let keys = [
                "from",
                "to",
                "data",
                "input",
                "value",
                "gas",
                "address",
                "topics",
                "fromBlock",
                "toBlock",
                "blockHash",
                "x",
            ];
            let mut obj = serde_json::Map::new();
            for _ in 0..rng.below(5) {
                obj.insert((*rng.pick(&keys)).to_owned(), random_json(rng, depth + 1));
            }
            Value::Object(obj)
        }
    }
}

fn random_request(rng: &mut Rng) -> Value {
    let mut req = json!({
        "jsonrpc": "2.0",
        "id": rng.next() % 1000,
        "method": rng.pick(METHODS),
        "params": (0..rng.below(4)).map(|_| random_json(rng, 0)).collect::<Vec<_>>(),
    });
    // Sometimes break the envelope itself.
    match rng.below(10) {
        0 => {
            req.as_object_mut().map(|o| o.remove("id"));
        }
        1 => req["params"] = random_json(rng, 0),
        2 => req["method"] = random_json(rng, 0),
        3 => req["id"] = random_json(rng, 0),
        _ => {}
    }
    req
}

fn check_envelope(v: &Value) {
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("response is not an object: {v}"));
    assert_eq!(obj.get("jsonrpc"), Some(&json!("2.0")), "{v}");
    assert!(obj.contains_key("id"), "{v}");
    match (obj.get("result"), obj.get("error")) {
        (Some(_), None) => {}
        (None, Some(e)) => {
            assert!(e["code"].is_i64(), "{v}");
            assert!(e["message"].is_string(), "{v}");
        }
        _ => panic!("exactly one of result/error: {v}"),
    }
}

#[test]
fn any_request_gets_a_well_formed_answer() {
    let alloc = [(
        Address::repeat_byte(0x11),
        U256::from(10u64).pow(U256::from(21u64)),
    )];
    let node = Node::new(Chain::new(ChainConfig::default(), &alloc), true, Vec::new());
    let mut rng = Rng(0x5eed_cafe_f00d_0001);
    let mut answered = 0usize;
    for round in 0..3_000 {
        let body = match round % 4 {
            // Raw random bytes.
            0 => (0..rng.below(200))
                .map(|_| rng.next() as u8)
                .collect::<Vec<u8>>(),
            // A batch of random requests.
            1 => Value::Array(
                (0..rng.below(5))
                    .map(|_| random_request(&mut rng))
                    .collect(),
            )
            .to_string()
            .into_bytes(),
            // Truncated valid JSON.
            2 => {
                let s = random_request(&mut rng).to_string();
                let cut = rng.below(s.len().max(1));
                s.as_bytes()[..cut].to_vec()
            }
            _ => random_request(&mut rng).to_string().into_bytes(),
        };
        match handle_body(&node, &body) {
            None => {}
            Some(Value::Array(items)) => {
                assert!(!items.is_empty());
                items.iter().for_each(check_envelope);
                answered += items.len();
            }
            Some(v) => {
                check_envelope(&v);
                answered += 1;
            }
        }
    }
    // The node still works afterwards.
    let after = handle_body(
        &node,
        br#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}"#,
    )
    .expect("answer");
    assert_eq!(after["result"], "0x8264");
    assert!(answered > 2_000, "most bodies were answered ({answered})");
}

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
