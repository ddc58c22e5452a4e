//! End-to-end tests of the devnet through its JSON-RPC server with alloy: the stack at genesis,
//! the bond path through the native WPEAQ, DID writes through the native Batch, Batch modes and
//! atomicity, revert reporting, dev controls, logs and persistence.

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, Bytes, U256, keccak256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::{Filter, TransactionRequest},
    sol_types::{SolCall, SolError, SolEvent},
};
use peaqos_contracts::bindings::{
    BatchPrecompile, DIDPrecompile, EventRegistry, IdentityRegistry, IdentityStaking, MachineNFT,
};
use peaqos_devnet::{Devnet, DevnetConfig};
use peaqos_types::constants::{
    BATCH_PRECOMPILE_ADDRESS, DID_PRECOMPILE_ADDRESS, WPEAQ_PRECOMPILE_ADDRESS,
};
use serde_json::{Value, json};

const BOND: u128 = 1_000_000_000_000_000_000;

async fn devnet() -> Devnet {
    Devnet::spawn(DevnetConfig::ephemeral())
        .await
        .expect("devnet starts")
}

fn provider(devnet: &Devnet, account: usize) -> DynProvider {
    let signer = devnet.accounts[account].signer();
    ProviderBuilder::new()
        .wallet(EthereumWallet::from(signer))
        .connect_http(devnet.url.parse().expect("url"))
        .erased()
}

async fn rpc(devnet: &Devnet, body: Value) -> Value {
    raw_rpc(devnet, body.to_string()).await
}

async fn raw_rpc(devnet: &Devnet, body: String) -> Value {
    // A plain HTTP/1.1 POST, so malformed bodies reach the server as they are.
    crate::raw_http::post_raw(&crate::raw_http::addr(devnet), &body)
        .await
        .json()
}

async fn register(devnet: &Devnet, account: usize) -> U256 {
    let d = devnet.deployment.as_ref().expect("stack deployed");
    let p = provider(devnet, account);
    let registry = IdentityRegistry::new(d.identity_registry.proxy, &p);
    let receipt = registry
        .register()
        .value(U256::from(BOND))
        .send()
        .await
        .expect("register sent")
        .get_receipt()
        .await
        .expect("receipt");
    assert!(receipt.status(), "register succeeded");
    let log = receipt
        .inner
        .logs()
        .iter()
        .find(|l| {
            l.address() == d.identity_registry.proxy
                && l.topic0() == Some(&IdentityRegistry::Registered::SIGNATURE_HASH)
        })
        .expect("Registered log");
    U256::from_be_bytes(log.topics()[1].0)
}

fn add_attribute(did: Address, name: &str, value: &str) -> Bytes {
    DIDPrecompile::addAttributeCall {
        didAccount: did,
        name: name.as_bytes().to_vec().into(),
        value: value.as_bytes().to_vec().into(),
        validityFor: 0,
    }
    .abi_encode()
    .into()
}

async fn send(p: &DynProvider, to: Address, data: Bytes) -> alloy::rpc::types::TransactionReceipt {
    send_tx(
        p,
        TransactionRequest::default().with_to(to).with_input(data),
    )
    .await
}

/// A Batch transaction with a fixed gas limit, so that a failing subcall is mined rather than
/// caught by the estimate.
async fn send_batch(p: &DynProvider, input: Bytes) -> alloy::rpc::types::TransactionReceipt {
    let tx = TransactionRequest::default()
        .with_to(BATCH_PRECOMPILE_ADDRESS)
        .with_input(input)
        .with_gas_limit(2_000_000);
    send_tx(p, tx).await
}

async fn send_tx(p: &DynProvider, tx: TransactionRequest) -> alloy::rpc::types::TransactionReceipt {
    p.send_transaction(tx)
        .await
        .expect("sent")
        .get_receipt()
        .await
        .expect("receipt")
}

#[tokio::test(flavor = "multi_thread")]
async fn genesis_has_the_stack_and_eip1559_blocks() {
    let devnet = devnet().await;
    let p = provider(&devnet, 1);
    assert_eq!(
        p.get_chain_id().await.expect("chain id"),
        peaqos_types::constants::LOCAL_CHAIN_ID
    );
    let d = devnet.deployment.as_ref().expect("stack");
    // The `local` preset (peaqos init --network local, the ROS 2/MCP presets) names exactly
    // what a fresh devnet deploys.
    assert_eq!(
        d.contract_addresses(),
        peaqos_types::ContractAddresses::local(),
        "ContractAddresses::local() is stale"
    );
    let registry = IdentityRegistry::new(d.identity_registry.proxy, &p);
    assert_eq!(
        registry.minBond().call().await.expect("minBond"),
        U256::from(BOND)
    );
    assert_eq!(
        registry.identityStaking().call().await.expect("staking"),
        d.identity_staking.proxy
    );
    let staking = IdentityStaking::new(d.identity_staking.proxy, &p);
    assert_eq!(
        staking.stakingToken().call().await.expect("token"),
        WPEAQ_PRECOMPILE_ADDRESS
    );
    for precompile in [
        DID_PRECOMPILE_ADDRESS,
        BATCH_PRECOMPILE_ADDRESS,
        WPEAQ_PRECOMPILE_ADDRESS,
    ] {
        assert!(
            !p.get_code_at(precompile).await.expect("code").is_empty(),
            "stub code at {precompile}"
        );
    }
    let block = p
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await
        .expect("block")
        .expect("some");
    assert!(
        block.header.base_fee_per_gas.is_some(),
        "every block has baseFeePerGas"
    );
    let env = devnet.env_file(1);
    assert!(
        env.contains(&format!(
            "EVENT_REGISTRY_ADDRESS={}",
            d.event_registry.proxy
        )),
        "checksummed addresses in .env"
    );
    assert!(env.contains(&format!(
        "PEAQOS_PRIVATE_KEY={}",
        devnet.accounts[1].private_key
    )));
    devnet.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread")]
async fn self_managed_flow_with_native_wpeaq_and_batch() {
    let devnet = devnet().await;
    let d = devnet.deployment.clone().expect("stack");
    let machine = devnet.accounts[2].address;
    let p = provider(&devnet, 2);
    let before = p.get_balance(machine).await.expect("balance");

    // Bond path: deposit refunds, approve, staking pulls native PEAQ via 0x…0809.
    let id = register(&devnet, 2).await;
    assert_eq!(id, U256::from(1));
    let staking = IdentityStaking::new(d.identity_staking.proxy, &p);
    assert!(staking.isStaked(id).call().await.expect("isStaked"));
    assert_eq!(
        p.get_balance(d.identity_staking.proxy).await.expect("bal"),
        U256::from(BOND)
    );
    let after = p.get_balance(machine).await.expect("balance");
    assert!(before - after > U256::from(BOND), "bond and gas paid");

    let nft = MachineNFT::new(d.machine_nft.proxy, &p);
    let r = nft
        .mint(id, machine)
        .send()
        .await
        .expect("mint")
        .get_receipt()
        .await
        .expect("receipt");
    assert!(r.status());
    assert_eq!(
        nft.tokenIdOf(id).call().await.expect("tokenIdOf"),
        U256::from(1)
    );

    // Six DID attributes in one batchAll, written with msg.sender = the machine.
    let attrs = [
        ("machineId", "1"),
        ("nftTokenId", "1"),
        ("operator", ""),
        ("documentation_url", "https://example.com/doc"),
        ("data_api", "https://example.com/api"),
        ("data_visibility", "public"),
    ];
    let call = BatchPrecompile::batchAllCall {
        to: vec![DID_PRECOMPILE_ADDRESS; attrs.len()],
        value: vec![U256::ZERO; attrs.len()],
        callData: attrs
            .iter()
            .map(|(n, v)| add_attribute(machine, n, v))
            .collect(),
        gasLimit: vec![0; attrs.len()],
    };
    let r = send(&p, BATCH_PRECOMPILE_ADDRESS, call.abi_encode().into()).await;
    assert!(r.status(), "batchAll of DID writes succeeded");
    let succeeded = r
        .inner
        .logs()
        .iter()
        .filter(|l| {
            l.address() == BATCH_PRECOMPILE_ADDRESS
                && l.topic0() == Some(&BatchPrecompile::SubcallSucceeded::SIGNATURE_HASH)
        })
        .count();
    assert_eq!(succeeded, attrs.len());
    let added = r
        .inner
        .logs()
        .iter()
        .filter(|l| l.address() == DID_PRECOMPILE_ADDRESS)
        .count();
    assert_eq!(added, attrs.len(), "one AddAttribute log per attribute");
    let did = DIDPrecompile::new(DID_PRECOMPILE_ADDRESS, &p);
    for (name, value) in attrs {
        let a = did
            .readAttribute(machine, name.as_bytes().to_vec().into())
            .call()
            .await
            .expect("read");
        assert_eq!(a.value.as_ref(), value.as_bytes(), "{name}");
        assert_eq!(a.validity, u32::MAX);
    }
    // The batch transaction bumped the nonce once.
    assert_eq!(
        p.get_transaction_count(machine).await.expect("nonce"),
        3,
        "register, mint, batch"
    );

    // A missing attribute: Error("Cannot find the item") as a code-3 revert.
    let err = did
        .readAttribute(machine, b"missing".to_vec().into())
        .call()
        .await
        .expect_err("missing reverts");
    assert!(err.to_string().contains("Cannot find the item"), "{err}");

    // Events, alone and through Batch.
    let events = EventRegistry::new(d.event_registry.proxy, &p);
    let ts = p
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await
        .expect("b")
        .expect("b")
        .header
        .timestamp;
    let submit = |value: u64| EventRegistry::submitEventCall {
        machineId: id,
        eventType: 0,
        value: U256::from(value),
        currency: "USD".into(),
        timestamp: U256::from(ts),
        dataHash: keccak256(b"raw"),
        trustLevel: 0,
        sourceChainId: U256::ZERO,
        sourceTxHash: Default::default(),
        metadata: Bytes::new(),
    };
    let r = send(&p, d.event_registry.proxy, submit(100).abi_encode().into()).await;
    assert!(r.status());
    let batch = BatchPrecompile::batchAllCall {
        to: vec![d.event_registry.proxy; 3],
        value: vec![],
        callData: (0..3)
            .map(|i| submit(200 + i).abi_encode().into())
            .collect(),
        gasLimit: vec![],
    };
    let r = send(&p, BATCH_PRECOMPILE_ADDRESS, batch.abi_encode().into()).await;
    assert!(r.status(), "batch of events");
    assert_eq!(
        events.getEventCount(id).call().await.expect("count"),
        U256::from(4)
    );
    let all = events
        .getEvents(id, U256::ZERO, U256::from(10))
        .call()
        .await
        .expect("events");
    assert_eq!(
        all.iter().map(|e| e.value.to::<u64>()).collect::<Vec<_>>(),
        vec![100, 200, 201, 202]
    );

    // eth_getLogs by address and topic.
    let filter = Filter::new()
        .address(d.event_registry.proxy)
        .event_signature(EventRegistry::EventSubmitted::SIGNATURE_HASH)
        .from_block(0u64);
    assert_eq!(p.get_logs(&filter).await.expect("logs").len(), 4);
    devnet.shutdown().await.expect("shutdown");
}

/// The value of a DID attribute, `None` when reading it reverts (missing).
async fn attribute(p: &DynProvider, account: Address, name: &str) -> Option<Vec<u8>> {
    DIDPrecompile::new(DID_PRECOMPILE_ADDRESS, p)
        .readAttribute(account, name.as_bytes().to_vec().into())
        .call()
        .await
        .ok()
        .map(|a| a.value.to_vec())
}

#[tokio::test(flavor = "multi_thread")]
async fn batch_modes_and_atomicity() {
    let devnet = devnet().await;
    let me = devnet.accounts[3].address;
    let p = provider(&devnet, 3);
    let good = add_attribute(me, "a", "1");
    let dup = add_attribute(me, "a", "2"); // fails: already exists
    let other = add_attribute(me, "b", "3");
    let encode = |mode: u8, data: Vec<Bytes>| -> Bytes {
        let n = data.len();
        let (to, value, gas) = (vec![DID_PRECOMPILE_ADDRESS; n], vec![], vec![]);
        match mode {
            0 => BatchPrecompile::batchAllCall {
                to,
                value,
                callData: data,
                gasLimit: gas,
            }
            .abi_encode()
            .into(),
            1 => BatchPrecompile::batchSomeCall {
                to,
                value,
                callData: data,
                gasLimit: gas,
            }
            .abi_encode()
            .into(),
            _ => BatchPrecompile::batchSomeUntilFailureCall {
                to,
                value,
                callData: data,
                gasLimit: gas,
            }
            .abi_encode()
            .into(),
        }
    };

    // batchAll: the estimate already fails with the subcall's revert reason.
    let tx = TransactionRequest::default()
        .with_to(BATCH_PRECOMPILE_ADDRESS)
        .with_input(encode(0, vec![good.clone(), dup.clone()]));
    let err = p
        .estimate_gas(tx)
        .await
        .expect_err("batchAll with a failing subcall");
    assert!(err.to_string().contains("AttributeAlreadyExist"), "{err}");
    assert_eq!(attribute(&p, me, "a").await, None, "nothing written");

    // batchSome: the failure is skipped, the rest applies.
    let r = send_batch(
        &p,
        encode(1, vec![good.clone(), dup.clone(), other.clone()]),
    )
    .await;
    assert!(r.status());
    let kinds: Vec<bool> = r
        .inner
        .logs()
        .iter()
        .filter(|l| l.address() == BATCH_PRECOMPILE_ADDRESS)
        .map(|l| l.topic0() == Some(&BatchPrecompile::SubcallSucceeded::SIGNATURE_HASH))
        .collect();
    assert_eq!(kinds, vec![true, false, true]);
    assert_eq!(
        attribute(&p, me, "a").await.as_deref(),
        Some(b"1".as_slice())
    );
    assert_eq!(
        attribute(&p, me, "b").await.as_deref(),
        Some(b"3".as_slice())
    );

    // batchSomeUntilFailure: stops at the first failure.
    let c = add_attribute(me, "c", "4");
    let r = send_batch(&p, encode(2, vec![dup, c])).await;
    assert!(r.status());
    assert_eq!(attribute(&p, me, "c").await, None, "stopped before c");

    // A mined batchAll failure: status 0 and nothing applied.
    let d_attr = add_attribute(me, "d", "5");
    let r = send_batch(&p, encode(0, vec![d_attr, add_attribute(me, "a", "x")])).await;
    assert!(!r.status(), "batchAll reverted");
    assert_eq!(attribute(&p, me, "d").await, None, "atomic");

    // Value on a non-payable batch is refused.
    let tx = TransactionRequest::default()
        .with_to(BATCH_PRECOMPILE_ADDRESS)
        .with_input(encode(0, vec![good]))
        .with_value(U256::from(1));
    let err = p.estimate_gas(tx).await.expect_err("not payable");
    assert!(err.to_string().contains("not payable"), "{err}");
    devnet.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread")]
async fn custom_errors_come_back_as_code_3_with_data() {
    let devnet = devnet().await;
    let d = devnet.deployment.clone().expect("stack");
    let call = IdentityRegistry::registerCall {}.abi_encode();
    let resp = rpc(
        &devnet,
        json!({"jsonrpc":"2.0","id":7,"method":"eth_call","params":[{
            "from": devnet.accounts[4].address, "to": d.identity_registry.proxy,
            "data": Bytes::from(call), "value": "0x1"
        }, "latest"]}),
    )
    .await;
    assert_eq!(resp["id"], 7);
    assert_eq!(resp["error"]["code"], 3, "{resp}");
    assert!(
        resp["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("execution reverted")
    );
    // IncorrectBondAmount() selector.
    let selector = &IdentityRegistry::IncorrectBondAmount::SELECTOR;
    let data = resp["error"]["data"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        data,
        format!("0x{}", alloy::primitives::hex::encode(selector)),
        "{resp}"
    );
    devnet.shutdown().await.expect("shutdown");
}

/// Requests whose cost grows with one number are bounded (hardening, issue 13 findings 2 and
/// 5): a batch longer than `MAX_BATCH_LEN`, `anvil_mine` past `MAX_MINE_BLOCKS` and
/// `eth_feeHistory` with more than `MAX_FEE_HISTORY_PERCENTILES` are refused without the work;
/// the limits themselves still pass.
#[tokio::test(flavor = "multi_thread")]
async fn batch_mine_and_fee_history_are_bounded() {
    use peaqos_devnet::rpc::{MAX_BATCH_LEN, MAX_FEE_HISTORY_PERCENTILES, MAX_MINE_BLOCKS};
    let devnet = devnet().await;
    let call = |id: usize| json!({"jsonrpc": "2.0", "id": id, "method": "eth_chainId"});

    let at_limit: Vec<Value> = (0..MAX_BATCH_LEN).map(call).collect();
    let reply = rpc(&devnet, Value::Array(at_limit)).await;
    assert_eq!(reply.as_array().map(Vec::len), Some(MAX_BATCH_LEN));
    let too_long: Vec<Value> = (0..=MAX_BATCH_LEN).map(call).collect();
    let reply = rpc(&devnet, Value::Array(too_long)).await;
    assert_eq!(reply["error"]["code"], -32600, "{reply}");
    assert!(
        reply["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("batch too large")),
        "{reply}"
    );

    let head = |r: Value| r["result"].as_str().map(str::to_owned);
    let before = head(
        rpc(
            &devnet,
            json!({"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber"}),
        )
        .await,
    );
    let reply = rpc(
        &devnet,
        json!({"jsonrpc": "2.0", "id": 1, "method": "anvil_mine", "params": [format!("{:#x}", MAX_MINE_BLOCKS + 1)]}),
    )
    .await;
    assert_eq!(reply["error"]["code"], -32602, "{reply}");
    let after = head(
        rpc(
            &devnet,
            json!({"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber"}),
        )
        .await,
    );
    assert_eq!(before, after, "nothing was mined");

    let percentiles = |n: usize| Value::Array((0..n).map(|i| json!(i as f64 * 0.5)).collect());
    let reply = rpc(
        &devnet,
        json!({"jsonrpc": "2.0", "id": 1, "method": "eth_feeHistory",
               "params": ["0x4", "latest", percentiles(MAX_FEE_HISTORY_PERCENTILES)]}),
    )
    .await;
    assert!(reply["result"]["reward"].is_array(), "{reply}");
    let reply = rpc(
        &devnet,
        json!({"jsonrpc": "2.0", "id": 1, "method": "eth_feeHistory",
               "params": ["0x4", "latest", percentiles(MAX_FEE_HISTORY_PERCENTILES + 1)]}),
    )
    .await;
    assert_eq!(reply["error"]["code"], -32602, "{reply}");
    devnet.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_requests_get_json_rpc_errors() {
    let devnet = devnet().await;
    let parse = raw_rpc(&devnet, "{not json".to_owned()).await;
    assert_eq!(parse["error"]["code"], -32700, "{parse}");
    let invalid = rpc(&devnet, json!({"jsonrpc":"2.0","id":1})).await;
    assert_eq!(invalid["error"]["code"], -32600, "{invalid}");
    let not_object = rpc(&devnet, json!([1])).await;
    assert_eq!(not_object[0]["error"]["code"], -32600, "{not_object}");
    let unknown = rpc(
        &devnet,
        json!({"jsonrpc":"2.0","id":2,"method":"eth_nope","params":[]}),
    )
    .await;
    assert_eq!(unknown["error"]["code"], -32601, "{unknown}");
    let params = rpc(
        &devnet,
        json!({"jsonrpc":"2.0","id":3,"method":"eth_getBalance","params":["0x12"]}),
    )
    .await;
    assert_eq!(params["error"]["code"], -32602, "{params}");
    let empty = rpc(&devnet, json!([])).await;
    assert_eq!(empty["error"]["code"], -32600, "{empty}");
    // A batch answers each request, in order.
    let batch = rpc(
        &devnet,
        json!([
            {"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]},
            {"jsonrpc":"2.0","id":2,"method":"eth_blockNumber"},
            {"jsonrpc":"2.0","id":3,"method":"nope"}
        ]),
    )
    .await;
    assert_eq!(batch[0]["result"], "0x8264");
    assert!(batch[1]["result"].is_string());
    assert_eq!(batch[2]["error"]["code"], -32601);
    devnet.shutdown().await.expect("shutdown");
}

/// One JSON-RPC call; returns the whole response object.
async fn call(devnet: &Devnet, method: &str, params: Value) -> Value {
    rpc(
        devnet,
        json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}),
    )
    .await
}

async fn block_number(devnet: &Devnet) -> u64 {
    let v = call(devnet, "eth_blockNumber", json!([])).await;
    u64::from_str_radix(
        v["result"]
            .as_str()
            .unwrap_or("0x0")
            .trim_start_matches("0x"),
        16,
    )
    .expect("hex block number")
}

async fn latest_timestamp(p: &DynProvider) -> u64 {
    p.get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await
        .expect("latest block")
        .expect("a latest block exists")
        .header
        .timestamp
}

#[tokio::test(flavor = "multi_thread")]
async fn dev_controls() {
    let devnet = devnet().await;
    let p = provider(&devnet, 5);
    let who = devnet.accounts[6].address;

    let snap = call(&devnet, "evm_snapshot", json!([])).await;
    let start = block_number(&devnet).await;
    call(&devnet, "anvil_setBalance", json!([who, "0x1234"])).await;
    assert_eq!(p.get_balance(who).await.expect("bal"), U256::from(0x1234));
    call(&devnet, "evm_mine", json!([])).await;
    assert_eq!(block_number(&devnet).await, start + 1);

    // Time: set the next timestamp, then increase.
    let latest = latest_timestamp(&p).await;
    call(&devnet, "evm_setNextBlockTimestamp", json!([latest + 1000])).await;
    call(&devnet, "evm_mine", json!([])).await;
    let t1 = latest_timestamp(&p).await;
    assert_eq!(t1, latest + 1000);
    call(&devnet, "evm_increaseTime", json!([86_400])).await;
    call(&devnet, "evm_mine", json!([])).await;
    let t2 = latest_timestamp(&p).await;
    assert!(t2 >= t1 + 86_400, "{t2} vs {t1}");
    let past = call(&devnet, "evm_setNextBlockTimestamp", json!([1])).await;
    assert!(
        past["error"].is_object(),
        "timestamps never go back: {past}"
    );

    // Revert to the snapshot.
    let reverted = call(&devnet, "evm_revert", json!([snap["result"]])).await;
    assert_eq!(reverted["result"], true);
    assert_ne!(p.get_balance(who).await.expect("bal"), U256::from(0x1234));
    assert_eq!(block_number(&devnet).await, start);
    devnet.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread")]
async fn state_file_persists_across_restarts() {
    let dir = std::env::temp_dir().join(format!("peaqos-devnet-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("state.json");
    let _ = std::fs::remove_file(&file);
    let config = DevnetConfig {
        state_file: Some(file.clone()),
        ..DevnetConfig::ephemeral()
    };

    let first = Devnet::spawn(config.clone()).await.expect("first start");
    let id = register(&first, 7).await;
    let registry_address = first
        .deployment
        .as_ref()
        .expect("stack")
        .identity_registry
        .proxy;
    let height = provider(&first, 7)
        .get_block_number()
        .await
        .expect("height");
    first.shutdown().await.expect("saved");
    assert!(file.exists());

    let second = Devnet::spawn(config).await.expect("second start");
    assert_eq!(
        second
            .deployment
            .as_ref()
            .expect("stack")
            .identity_registry
            .proxy,
        registry_address
    );
    let p = provider(&second, 7);
    assert_eq!(p.get_block_number().await.expect("height"), height);
    let registry = IdentityRegistry::new(registry_address, &p);
    assert_eq!(
        registry
            .machineIdOfOwner(second.accounts[7].address)
            .call()
            .await
            .expect("id"),
        id
    );
    second.shutdown().await.expect("shutdown");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The `peaqos-devnet` binary saves `--state` on SIGTERM (what `kill`, systemd and container
/// runtimes send), not only on Ctrl-C, and the saved chain loads again.
#[tokio::test(flavor = "multi_thread")]
async fn binary_saves_state_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("chain.json");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_peaqos-devnet"))
        .args(["--port", "0", "--no-env", "--state"])
        .arg(&file)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn peaqos-devnet");
    let (url, mut child) =
        tokio::task::spawn_blocking(move || (crate::hardening::announced_url(&mut child), child))
            .await
            .expect("join");

    // Move the chain past genesis so the saved height is recognisable.
    let provider = ProviderBuilder::new().connect_http(url.parse().expect("url"));
    let _: Value = provider
        .raw_request("anvil_mine".into(), (3u64,))
        .await
        .expect("anvil_mine");
    let height = provider.get_block_number().await.expect("height");
    assert!(!file.exists(), "nothing saved before the shutdown");

    let kill = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .expect("join")
        .expect("wait");
    assert!(status.success(), "clean exit on SIGTERM: {status:?}");
    assert!(file.exists(), "state saved on SIGTERM");

    let restored = Devnet::spawn(DevnetConfig {
        state_file: Some(file),
        ..DevnetConfig::ephemeral()
    })
    .await
    .expect("the saved state loads");
    assert!(restored.deployment.is_some(), "the stack came back");
    let p = ProviderBuilder::new().connect_http(restored.url.parse().expect("url"));
    assert_eq!(p.get_block_number().await.expect("height"), height);
    restored.shutdown().await.expect("shutdown");
}
