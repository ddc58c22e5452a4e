//! The methods EVM tools expect from a local node (issue 19): `eth_sendTransaction` and the
//! signing methods for the dev accounts, impersonation, the filter family, `eth_createAccessList`,
//! `txpool_*`. Through alloy's provider (its own filler and filter calls) and raw JSON-RPC.

use std::time::Duration;

use alloy::{
    dyn_abi::TypedData,
    network::TransactionBuilder,
    primitives::{Address, B256, Bytes, Signature, U256, address},
    providers::{Provider, ProviderBuilder},
    rpc::types::{Filter, TransactionRequest},
    signers::SignerSync,
    sol_types::{SolCall, SolEvent},
};
use peaqos_contracts::bindings::IdentityRegistry;
use peaqos_devnet::{Devnet, DevnetConfig, rpc::filters::MAX_FILTERS};
use serde_json::{Value, json};

const BOND: u128 = 1_000_000_000_000_000_000;

async fn devnet() -> Devnet {
    Devnet::spawn(DevnetConfig::ephemeral())
        .await
        .expect("devnet starts")
}

/// A devnet with the stack, its IdentityRegistry, and a provider without a wallet.
async fn stack() -> (Devnet, Address, impl Provider) {
    let devnet = devnet().await;
    let registry = devnet
        .deployment
        .as_ref()
        .expect("stack")
        .identity_registry
        .proxy;
    let provider = ProviderBuilder::new().connect_http(devnet.url.parse().expect("url"));
    (devnet, registry, provider)
}

async fn rpc(devnet: &Devnet, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    crate::raw_http::post_raw(&crate::raw_http::addr(devnet), &body.to_string())
        .await
        .json()
}

async fn result(devnet: &Devnet, method: &str, params: Value) -> Value {
    let reply = rpc(devnet, method, params).await;
    assert!(reply.get("error").is_none(), "{method}: {reply}");
    reply["result"].clone()
}

fn register_call(from: Address, registry: Address) -> TransactionRequest {
    TransactionRequest::default()
        .with_from(from)
        .with_to(registry)
        .with_value(U256::from(BOND))
        .with_input(IdentityRegistry::registerCall {}.abi_encode())
}

#[tokio::test]
async fn send_transaction_signs_for_dev_accounts_only() {
    // No wallet: alloy fills nonce, gas and fees and sends `eth_sendTransaction`.
    let (devnet, registry, provider) = stack().await;
    let from = devnet.accounts[3].address;
    let receipt = provider
        .send_transaction(register_call(from, registry))
        .await
        .expect("sent")
        .get_receipt()
        .await
        .expect("receipt");
    assert!(receipt.status());
    assert_eq!(receipt.from, from);
    assert!(
        receipt
            .inner
            .logs()
            .iter()
            .any(|l| l.topic0() == Some(&IdentityRegistry::Registered::SIGNATURE_HASH))
    );
    // The transaction carries a real signature of the dev key.
    let tx = provider
        .get_transaction_by_hash(receipt.transaction_hash)
        .await
        .expect("get")
        .expect("known");
    assert_eq!(tx.inner.signer(), from);

    // Nothing filled in but `to` and `value`: sender = account 0, EIP-1559 fees.
    let to = address!("00000000000000000000000000000000000000aa");
    let hash = result(
        &devnet,
        "eth_sendTransaction",
        json!([{"to": to, "value": "0x7"}]),
    )
    .await;
    let tx = result(&devnet, "eth_getTransactionByHash", json!([hash])).await;
    assert_eq!(tx["from"], json!(devnet.accounts[0].address));
    assert_eq!(tx["type"], "0x2");
    assert_eq!(
        provider.get_balance(to).await.expect("balance"),
        U256::from(7)
    );

    // A legacy transaction when `gasPrice` is given.
    let hash = result(
        &devnet,
        "eth_sendTransaction",
        json!([{"from": devnet.accounts[1].address, "to": to, "value": "0x1", "gasPrice": "0x77359400"}]),
    )
    .await;
    let tx = result(&devnet, "eth_getTransactionByHash", json!([hash])).await;
    assert_eq!(tx["type"], "0x0");

    // An address the node has no key for.
    let stranger = address!("00000000000000000000000000000000000000bb");
    let reply = rpc(
        &devnet,
        "eth_sendTransaction",
        json!([{"from": stranger, "to": to}]),
    )
    .await;
    assert_eq!(reply["error"]["code"], -32000, "{reply}");
    assert_eq!(reply["error"]["message"], "No Signer available");
    // A refused transaction reports the chain's reason.
    let reply = rpc(
        &devnet,
        "eth_sendTransaction",
        json!([{"from": devnet.accounts[2].address, "to": to, "nonce": "0x50"}]),
    )
    .await;
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("nonce too high"),
        "{reply}"
    );
}

#[tokio::test]
async fn impersonation_sends_as_any_account_until_stopped() {
    let devnet = devnet().await;
    let whale = address!("00000000000000000000000000000000000000cc");
    let to = address!("00000000000000000000000000000000000000dd");
    result(
        &devnet,
        "anvil_setBalance",
        json!([whale, "0xde0b6b3a7640000"]),
    )
    .await;
    let send = json!([{"from": whale, "to": to, "value": "0x5"}]);
    assert_eq!(
        rpc(&devnet, "eth_sendTransaction", send.clone()).await["error"]["code"],
        -32000
    );

    assert_eq!(
        result(&devnet, "anvil_impersonateAccount", json!([whale])).await,
        Value::Null
    );
    let hash = result(&devnet, "eth_sendTransaction", send.clone()).await;
    let receipt = result(&devnet, "eth_getTransactionReceipt", json!([hash])).await;
    assert_eq!(receipt["status"], "0x1");
    assert_eq!(receipt["from"], json!(whale));
    let tx = result(&devnet, "eth_getTransactionByHash", json!([hash])).await;
    assert_eq!(tx["from"], json!(whale));
    assert_eq!(
        result(&devnet, "eth_getBalance", json!([to, "latest"])).await,
        "0x5"
    );
    // A second one gets its own nonce and hash.
    let second = result(&devnet, "eth_sendTransaction", send.clone()).await;
    assert_ne!(second, hash);
    assert_eq!(
        result(&devnet, "eth_getTransactionCount", json!([whale, "latest"])).await,
        "0x2"
    );

    result(&devnet, "anvil_stopImpersonatingAccount", json!([whale])).await;
    assert_eq!(
        rpc(&devnet, "eth_sendTransaction", send).await["error"]["code"],
        -32000
    );
}

#[tokio::test]
async fn dev_accounts_sign_messages_and_typed_data() {
    let devnet = devnet().await;
    let account = &devnet.accounts[4];
    let message = b"peaqOS devnet";
    let expected = account.signer().sign_message_sync(message).expect("sign");
    for (method, params) in [
        (
            "eth_sign",
            json!([account.address, Bytes::from_static(message)]),
        ),
        (
            "personal_sign",
            json!([Bytes::from_static(message), account.address]),
        ),
    ] {
        let sig: Bytes =
            serde_json::from_value(result(&devnet, method, params).await).expect("bytes");
        let sig = Signature::try_from(sig.as_ref()).expect("65 bytes");
        assert_eq!(sig, expected, "{method}");
        assert_eq!(
            sig.recover_address_from_msg(message).expect("recover"),
            account.address
        );
    }

    let typed = json!({
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "chainId", "type": "uint256"}
            ],
            "Mail": [
                {"name": "to", "type": "address"},
                {"name": "contents", "type": "string"}
            ]
        },
        "primaryType": "Mail",
        "domain": {"name": "peaqOS", "chainId": devnet.chain_id},
        "message": {"to": devnet.accounts[5].address, "contents": "hello"}
    });
    let data: TypedData = serde_json::from_value(typed.clone()).expect("typed data");
    let hash = data.eip712_signing_hash().expect("hash");
    // As an object (ethers, viem) and as a JSON string (MetaMask).
    for param in [typed.clone(), Value::String(typed.to_string())] {
        let sig: Bytes = serde_json::from_value(
            result(
                &devnet,
                "eth_signTypedData_v4",
                json!([account.address, param]),
            )
            .await,
        )
        .expect("bytes");
        let sig = Signature::try_from(sig.as_ref()).expect("65 bytes");
        assert_eq!(
            sig.recover_address_from_prehash(&hash).expect("recover"),
            account.address
        );
    }
    let stranger = address!("00000000000000000000000000000000000000ee");
    assert_eq!(
        rpc(&devnet, "eth_sign", json!([stranger, "0x00"])).await["error"]["message"],
        "No Signer available"
    );
}

#[tokio::test]
async fn filters_report_each_change_once_and_expire_on_uninstall() {
    let (devnet, registry, provider) = stack().await;

    let logs_filter = provider
        .new_filter(
            &Filter::new()
                .from_block(0)
                .address(registry)
                .event_signature(IdentityRegistry::Registered::SIGNATURE_HASH),
        )
        .await
        .expect("new filter");
    let blocks_filter = provider.new_block_filter().await.expect("block filter");
    let txs_filter = provider
        .new_pending_transactions_filter(false)
        .await
        .expect("tx filter");

    let mut hashes = Vec::new();
    for account in [1, 2, 3] {
        let receipt = provider
            .send_transaction(register_call(devnet.accounts[account].address, registry))
            .await
            .expect("sent")
            .get_receipt()
            .await
            .expect("receipt");
        assert!(receipt.status(), "registered");
        hashes.push(receipt.transaction_hash);
    }

    let logs: Vec<alloy::rpc::types::Log> = provider
        .get_filter_changes(logs_filter)
        .await
        .expect("changes");
    assert_eq!(logs.len(), 3);
    assert_eq!(
        logs.iter()
            .map(|l| l.transaction_hash.expect("hash"))
            .collect::<Vec<_>>(),
        hashes
    );
    assert!(
        provider
            .get_filter_changes::<alloy::rpc::types::Log>(logs_filter)
            .await
            .expect("again")
            .is_empty()
    );
    assert_eq!(
        provider
            .get_filter_logs(logs_filter)
            .await
            .expect("all")
            .len(),
        3
    );

    let txs: Vec<B256> = provider
        .get_filter_changes(txs_filter)
        .await
        .expect("tx changes");
    assert_eq!(txs, hashes);
    let blocks: Vec<B256> = provider
        .get_filter_changes(blocks_filter)
        .await
        .expect("blocks");
    assert_eq!(blocks.len(), 3);
    result(&devnet, "anvil_mine", json!(["0x2"])).await;
    let blocks: Vec<B256> = provider
        .get_filter_changes(blocks_filter)
        .await
        .expect("blocks");
    assert_eq!(blocks.len(), 2);
    let latest = provider.get_block_number().await.expect("number");
    let head = provider
        .get_block_by_number(latest.into())
        .await
        .expect("get")
        .expect("block");
    assert_eq!(blocks[1], head.header.hash);
    assert!(
        provider
            .get_filter_changes::<B256>(txs_filter)
            .await
            .expect("none")
            .is_empty()
    );

    assert!(
        provider
            .uninstall_filter(logs_filter)
            .await
            .expect("uninstall")
    );
    assert!(!provider.uninstall_filter(logs_filter).await.expect("gone"));
    let id = format!("{logs_filter:#x}");
    let reply = rpc(&devnet, "eth_getFilterChanges", json!([id])).await;
    assert_eq!(reply["error"]["code"], -32000);
    assert_eq!(reply["error"]["message"], "filter not found");
    // A block filter has no logs.
    let id = format!("{blocks_filter:#x}");
    assert_eq!(
        rpc(&devnet, "eth_getFilterLogs", json!([id])).await["error"]["message"],
        "filter not found"
    );
}

#[tokio::test]
async fn filters_are_bounded_in_number() {
    let devnet = devnet().await;
    let addr = crate::raw_http::addr(&devnet);
    let batch = |n: usize| {
        Value::Array(
            (0..n)
                .map(|i| json!({"jsonrpc": "2.0", "id": i, "method": "eth_newBlockFilter"}))
                .collect(),
        )
        .to_string()
    };
    // Filter size is bounded like eth_getLogs.
    let many: Vec<Address> = (1..=1001u64)
        .map(|i| Address::left_padding_from(&i.to_be_bytes()))
        .collect();
    let reply = rpc(&devnet, "eth_newFilter", json!([{"address": many}])).await;
    assert_eq!(reply["error"]["code"], -32602, "{reply}");
    let mut installed = 0;
    for chunk in [1000, MAX_FILTERS - 1000] {
        let reply = crate::raw_http::post_raw(&addr, &batch(chunk)).await.json();
        installed += reply
            .as_array()
            .expect("batch")
            .iter()
            .filter(|r| r["result"].is_string())
            .count();
    }
    assert_eq!(installed, MAX_FILTERS);
    let reply = rpc(&devnet, "eth_newFilter", json!([{}])).await;
    assert_eq!(reply["error"]["code"], -32000, "{reply}");
    assert_eq!(
        reply["error"]["message"],
        format!("too many filters: at most {MAX_FILTERS}")
    );
}

#[tokio::test]
async fn create_access_list_lists_what_the_call_touches() {
    let (devnet, registry, provider) = stack().await;
    let from = devnet.accounts[6].address;
    let call = register_call(from, registry);
    let list = provider
        .create_access_list(&call)
        .await
        .expect("access list");
    assert!(list.error.is_none());
    assert!(list.gas_used > U256::from(21_000));
    let addresses: Vec<Address> = list.access_list.0.iter().map(|i| i.address).collect();
    assert!(!addresses.contains(&from), "the sender is not listed");
    assert!(
        !addresses.contains(&registry),
        "the recipient is not listed"
    );
    assert!(
        !addresses.is_empty(),
        "the implementation and staking are listed"
    );
    // The list is accepted and the transaction succeeds with it.
    let receipt = provider
        .send_transaction(call.with_access_list(list.access_list))
        .await
        .expect("sent")
        .get_receipt()
        .await
        .expect("receipt");
    assert!(receipt.status());
    // A reverting call is reported as eth_call reports it.
    let reply = rpc(
        &devnet,
        "eth_createAccessList",
        json!([{"from": from, "to": registry, "data": Bytes::from(IdentityRegistry::registerCall {}.abi_encode())}]),
    )
    .await;
    assert_eq!(reply["error"]["code"], 3, "{reply}");
}

#[tokio::test]
async fn txpool_shows_the_open_block_with_interval_mining() {
    let devnet = Devnet::spawn(DevnetConfig {
        block_interval: Some(Duration::from_secs(3600)),
        deploy_stack: false,
        ..DevnetConfig::ephemeral()
    })
    .await
    .expect("devnet starts");
    let txs_filter = result(&devnet, "eth_newPendingTransactionFilter", json!([])).await;
    let from = devnet.accounts[1].address;
    let to = address!("00000000000000000000000000000000000000ab");
    let first = result(
        &devnet,
        "eth_sendTransaction",
        json!([{"from": from, "to": to}]),
    )
    .await;
    let second = result(
        &devnet,
        "eth_sendTransaction",
        json!([{"from": from, "to": to}]),
    )
    .await;
    let status = result(&devnet, "txpool_status", json!([])).await;
    assert_eq!(status, json!({"pending": "0x2", "queued": "0x0"}));
    let content = result(&devnet, "txpool_content", json!([])).await;
    let by_nonce = &content["pending"][format!("{from:#x}")];
    assert_eq!(by_nonce["0"]["hash"], first, "{content}");
    assert_eq!(by_nonce["1"]["hash"], second);
    assert_eq!(by_nonce["1"]["blockHash"], Value::Null);
    assert_eq!(
        result(&devnet, "eth_getFilterChanges", json!([txs_filter])).await,
        json!([first, second])
    );
    result(&devnet, "evm_mine", json!([])).await;
    assert_eq!(
        result(&devnet, "txpool_status", json!([])).await["pending"],
        "0x0"
    );
    // Sealing the block reports nothing twice.
    assert_eq!(
        result(&devnet, "eth_getFilterChanges", json!([txs_filter])).await,
        json!([])
    );
    let third = result(
        &devnet,
        "eth_sendTransaction",
        json!([{"from": from, "to": to}]),
    )
    .await;
    assert_eq!(
        result(&devnet, "eth_getFilterChanges", json!([txs_filter])).await,
        json!([third])
    );
}
