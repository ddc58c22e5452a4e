//! JSON-RPC over WebSocket and `eth_subscribe`: alloy's WebSocket provider subscribing to
//! `newHeads`, `logs` and `newPendingTransactions`, and the bounds (subscriptions per
//! connection, message size, slow consumers, Origin) with a plain tungstenite client.

use std::time::Duration;

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::{DynProvider, Provider, ProviderBuilder, WsConnect},
    rpc::types::{Filter, TransactionRequest},
    sol_types::{SolCall, SolEvent},
};
use futures_util::{SinkExt, StreamExt};
use peaqos_contracts::bindings::{EventRegistry, IdentityRegistry};
use peaqos_devnet::{
    Devnet, DevnetConfig,
    rpc::{subscriptions::MAX_SUBSCRIPTIONS_PER_CONNECTION, ws::MAX_MESSAGE_BYTES},
};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::{self, Message, client::IntoClientRequest};

const BOND: u128 = 1_000_000_000_000_000_000;
/// Longest any wait for a notification may take.
const WAIT: Duration = Duration::from_secs(30);

/// A machine registered by a dev account, ready to submit events.
pub(crate) struct Machine {
    provider: DynProvider,
    registry: Address,
    id: U256,
    from: Address,
}

impl Machine {
    /// Registers dev account `account` as a machine (bonded).
    pub(crate) async fn register(devnet: &Devnet, account: usize) -> Self {
        let d = devnet.deployment.as_ref().expect("stack deployed");
        let provider = ProviderBuilder::new()
            .wallet(EthereumWallet::from(devnet.accounts[account].signer()))
            .connect_http(devnet.url.parse().expect("url"))
            .erased();
        let receipt = IdentityRegistry::new(d.identity_registry.proxy, &provider)
            .register()
            .value(U256::from(BOND))
            .send()
            .await
            .expect("register sent")
            .get_receipt()
            .await
            .expect("receipt");
        let log = receipt
            .inner
            .logs()
            .iter()
            .find(|l| l.topic0() == Some(&IdentityRegistry::Registered::SIGNATURE_HASH))
            .expect("Registered log");
        Self {
            provider,
            registry: d.event_registry.proxy,
            id: U256::from_be_bytes(log.topics()[1].0),
            from: devnet.accounts[account].address,
        }
    }

    /// The EventRegistry's address.
    pub(crate) const fn registry(&self) -> Address {
        self.registry
    }

    /// Submits `count` revenue events, one transaction each, sent without waiting for their
    /// receipts (the nonce, gas and fees given, so nothing is estimated); their hashes.
    pub(crate) async fn submit_events(&self, count: usize) -> Vec<B256> {
        let p = &self.provider;
        let ts = p
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await
            .expect("latest")
            .expect("latest")
            .header
            .timestamp;
        let mut nonce = p.get_transaction_count(self.from).await.expect("nonce");
        let mut hashes = Vec::with_capacity(count);
        for i in 0..count {
            let input: Bytes = EventRegistry::submitEventCall {
                machineId: self.id,
                eventType: 0,
                value: U256::from(100 + i),
                currency: "USD".into(),
                timestamp: U256::from(ts),
                dataHash: keccak256(i.to_be_bytes()),
                trustLevel: 0,
                sourceChainId: U256::ZERO,
                sourceTxHash: Default::default(),
                metadata: Bytes::new(),
            }
            .abi_encode()
            .into();
            let tx = TransactionRequest::default()
                .with_to(self.registry)
                .with_input(input)
                .with_nonce(nonce)
                .with_gas_limit(1_000_000)
                .with_max_fee_per_gas(100_000_000_000)
                .with_max_priority_fee_per_gas(1_000_000_000);
            nonce += 1;
            let pending = p.send_transaction(tx).await.expect("submitEvent sent");
            hashes.push(*pending.tx_hash());
        }
        hashes
    }
}

async fn ws_provider(devnet: &Devnet) -> DynProvider {
    ProviderBuilder::new()
        .connect_ws(WsConnect::new(devnet.ws_url()))
        .await
        .expect("WebSocket connects")
        .erased()
}

#[tokio::test(flavor = "multi_thread")]
async fn alloy_subscribes_to_heads_logs_and_pending_transactions() {
    let devnet = Devnet::spawn(DevnetConfig::ephemeral())
        .await
        .expect("devnet");
    let machine = Machine::register(&devnet, 1).await;
    let ws = ws_provider(&devnet).await;
    // Every HTTP method answers over the WebSocket.
    assert_eq!(ws.get_chain_id().await.expect("chain id"), devnet.chain_id);
    let start = ws.get_block_number().await.expect("block number");

    // alloy keeps 16 notifications per subscription by default (and skips those it lost).
    let buffer = 1024;
    let mut heads = ws
        .subscribe_blocks()
        .channel_size(buffer)
        .await
        .expect("newHeads")
        .into_stream();
    let filter = Filter::new()
        .address(machine.registry())
        .event_signature(EventRegistry::EventSubmitted::SIGNATURE_HASH);
    let mut logs = ws
        .subscribe_logs(&filter)
        .channel_size(buffer)
        .await
        .expect("logs")
        .into_stream();
    // A filter matching nothing gets nothing.
    let none = ws
        .subscribe_logs(&Filter::new().address(Address::repeat_byte(0x42)))
        .await
        .expect("logs of nobody");
    let mut pending = ws
        .subscribe_pending_transactions()
        .channel_size(buffer)
        .await
        .expect("pending")
        .into_stream();

    let sent = machine.submit_events(20).await;
    let mut seen_logs = Vec::new();
    for _ in 0..sent.len() {
        let log = tokio::time::timeout(WAIT, logs.next())
            .await
            .expect("a log in time")
            .expect("log stream open");
        assert_eq!(log.address(), machine.registry());
        seen_logs.push(log.transaction_hash.expect("tx hash"));
    }
    assert_eq!(seen_logs, sent, "every event once, in order");
    let mut seen_pending = Vec::new();
    while seen_pending.len() < sent.len() {
        let hash = tokio::time::timeout(WAIT, pending.next())
            .await
            .expect("a pending hash in time")
            .expect("pending stream open");
        seen_pending.push(hash);
    }
    assert_eq!(seen_pending, sent, "every transaction's hash, in order");
    for i in 0..sent.len() as u64 {
        let head = tokio::time::timeout(WAIT, heads.next())
            .await
            .expect("a head in time")
            .expect("head stream open");
        assert_eq!(head.number, start + 1 + i, "one head per block, in order");
        let block = ws
            .get_block_by_number(head.number.into())
            .await
            .expect("block")
            .expect("block exists");
        assert_eq!(block.header.hash, head.hash);
    }
    assert!(none.is_empty(), "the filter of nobody got nothing");
    // Unsubscribed: no more notifications.
    ws.unsubscribe(*none.local_id()).await.expect("unsubscribe");
    drop(ws);
    devnet.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread")]
async fn pending_transactions_come_before_their_block_with_block_time() {
    let config = DevnetConfig {
        block_interval: Some(Duration::from_secs(2)),
        deploy_stack: false,
        ..DevnetConfig::ephemeral()
    };
    let devnet = Devnet::spawn(config).await.expect("devnet");
    let ws = ws_provider(&devnet).await;
    let mut pending = ws
        .subscribe_pending_transactions()
        .await
        .expect("pending")
        .into_stream();
    let mut heads = ws.subscribe_blocks().await.expect("heads").into_stream();
    let tx = TransactionRequest::default()
        .with_from(devnet.accounts[0].address)
        .with_to(devnet.accounts[2].address)
        .with_value(U256::from(1));
    let hash: B256 = ws
        .raw_request("eth_sendTransaction".into(), (tx,))
        .await
        .expect("sent");
    let announced = tokio::time::timeout(WAIT, pending.next())
        .await
        .expect("pending in time")
        .expect("open");
    assert_eq!(announced, hash);
    assert!(
        ws.get_transaction_receipt(hash)
            .await
            .expect("receipt call")
            .is_none(),
        "announced while in the open block"
    );
    // The block holding it comes next (empty blocks may come first).
    let mut found = false;
    for _ in 0..5 {
        let head = tokio::time::timeout(WAIT, heads.next())
            .await
            .expect("head in time")
            .expect("open");
        let block = ws
            .get_block_by_number(head.number.into())
            .await
            .expect("block")
            .expect("exists");
        if block.transactions.hashes().any(|h| h == hash) {
            found = true;
            break;
        }
    }
    assert!(found, "the transaction was sealed and its block notified");
    drop(ws);
    devnet.shutdown().await.expect("shutdown");
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(devnet: &Devnet) -> Socket {
    tokio_tungstenite::connect_async(devnet.ws_url())
        .await
        .expect("WebSocket connects")
        .0
}

/// Sends one request and returns the next text message (an answer: no subscription is
/// notified meanwhile in these tests).
async fn call(socket: &mut Socket, request: Value) -> Value {
    socket
        .send(Message::text(request.to_string()))
        .await
        .expect("send");
    loop {
        let message = tokio::time::timeout(WAIT, socket.next())
            .await
            .expect("an answer in time")
            .expect("socket open")
            .expect("read");
        if let Message::Text(text) = message {
            return serde_json::from_str(text.as_str()).expect("JSON answer");
        }
    }
}

/// Reads until the server ends the connection: the close frame, if one came.
async fn read_until_closed(
    socket: &mut Socket,
) -> (usize, Option<tungstenite::protocol::CloseFrame>) {
    let mut messages = 0;
    loop {
        match tokio::time::timeout(WAIT, socket.next())
            .await
            .expect("the server ends the connection in time")
        {
            Some(Ok(Message::Close(frame))) => return (messages, frame),
            Some(Ok(_)) => messages += 1,
            Some(Err(_)) | None => return (messages, None),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn websocket_bounds_and_batches() {
    let config = DevnetConfig {
        deploy_stack: false,
        ..DevnetConfig::ephemeral()
    };
    let devnet = Devnet::spawn(config).await.expect("devnet");

    // Batches work as over HTTP, subscription calls included.
    let mut socket = connect(&devnet).await;
    let batch = call(
        &mut socket,
        json!([
            {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"},
            {"jsonrpc": "2.0", "id": 2, "method": "eth_subscribe", "params": ["newHeads"]},
            {"jsonrpc": "2.0", "id": 3, "method": "eth_subscribe", "params": ["syncing"]},
        ]),
    )
    .await;
    assert_eq!(batch[0]["result"], json!(format!("{:#x}", devnet.chain_id)));
    let id = batch[1]["result"]
        .as_str()
        .expect("subscription id")
        .to_owned();
    assert_eq!(batch[2]["error"]["code"], -32602, "{batch}");
    let gone = call(
        &mut socket,
        json!({"jsonrpc": "2.0", "id": 4, "method": "eth_unsubscribe", "params": [id]}),
    )
    .await;
    assert_eq!(gone["result"], true);
    let again = call(
        &mut socket,
        json!({"jsonrpc": "2.0", "id": 5, "method": "eth_unsubscribe", "params": [id]}),
    )
    .await;
    assert_eq!(again["result"], false);

    // At most MAX_SUBSCRIPTIONS_PER_CONNECTION subscriptions.
    for i in 0..MAX_SUBSCRIPTIONS_PER_CONNECTION {
        let reply = call(
            &mut socket,
            json!({"jsonrpc": "2.0", "id": i, "method": "eth_subscribe", "params": ["newHeads"]}),
        )
        .await;
        assert!(reply["result"].is_string(), "{reply}");
    }
    let refused = call(
        &mut socket,
        json!({"jsonrpc": "2.0", "id": "x", "method": "eth_subscribe", "params": ["newHeads"]}),
    )
    .await;
    assert_eq!(refused["error"]["code"], -32000, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("too many subscriptions")),
        "{refused}"
    );

    // A slow consumer (64 newHeads subscriptions, never read) is disconnected rather than
    // buffered without end.
    let mined = 6 * 10_000u64;
    for _ in 0..6 {
        let reply = crate::raw_http::post_raw(
            &crate::raw_http::addr(&devnet),
            &json!({"jsonrpc": "2.0", "id": 1, "method": "anvil_mine", "params": ["0x2710"]})
                .to_string(),
        )
        .await
        .json();
        assert!(reply.get("error").is_none(), "{reply}");
    }
    let (received, frame) = read_until_closed(&mut socket).await;
    let notified = mined * MAX_SUBSCRIPTIONS_PER_CONNECTION as u64;
    assert!(
        (received as u64) < notified / 2,
        "closed long before {notified} notifications: {received}"
    );
    if let Some(frame) = frame {
        assert_eq!(u16::from(frame.code), 1008, "{frame:?}");
        assert!(frame.reason.as_str().contains("slow consumer"), "{frame:?}");
    }
    eprintln!("slow consumer: closed after {received} of {notified} notifications");

    // A message past MAX_MESSAGE_BYTES closes the connection with 1009.
    let mut socket = connect(&devnet).await;
    let big = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":["{}"]}}"#,
        "a".repeat(MAX_MESSAGE_BYTES)
    );
    let _ = socket.send(Message::text(big)).await;
    let (_, frame) = read_until_closed(&mut socket).await;
    let frame = frame.expect("a close frame");
    assert_eq!(u16::from(frame.code), 1009, "{frame:?}");
    // Just under the limit is an ordinary request.
    let mut socket = connect(&devnet).await;
    let ok = call(
        &mut socket,
        json!({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}),
    )
    .await;
    assert!(ok["result"].is_string(), "{ok}");

    // The Origin rule of HTTP: a foreign page is refused, a loopback one and a non-browser
    // client are served.
    let with_origin = |origin: &str| {
        let mut request = devnet.ws_url().into_client_request().expect("request");
        request
            .headers_mut()
            .insert("Origin", origin.parse().expect("header"));
        request
    };
    let refused = tokio_tungstenite::connect_async(with_origin("https://evil.example")).await;
    match refused {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 403),
        other => panic!("a foreign origin is refused with 403: {other:?}"),
    }
    tokio_tungstenite::connect_async(with_origin("http://localhost:5173"))
        .await
        .expect("a loopback origin is served");

    // A GET without the upgrade is refused as before.
    let get = crate::raw_http::http(&crate::raw_http::addr(&devnet), "GET", "/", "", "").await;
    assert_eq!(get.status, 405);
    assert_eq!(get.json()["error"]["code"], -32600);

    // The devnet still serves.
    let mut socket = connect(&devnet).await;
    let n = call(
        &mut socket,
        json!({"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber"}),
    )
    .await;
    assert_eq!(n["result"], json!(format!("{mined:#x}")));
    devnet.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread")]
async fn shutdown_closes_websockets() {
    let config = DevnetConfig {
        deploy_stack: false,
        ..DevnetConfig::ephemeral()
    };
    let devnet = Devnet::spawn(config).await.expect("devnet");
    let mut socket = connect(&devnet).await;
    let reply = call(
        &mut socket,
        json!({"jsonrpc": "2.0", "id": 1, "method": "eth_subscribe", "params": ["newHeads"]}),
    )
    .await;
    assert!(reply["result"].is_string());
    devnet.shutdown().await.expect("shutdown");
    let (_, frame) = read_until_closed(&mut socket).await;
    let frame = frame.expect("a close frame");
    assert_eq!(u16::from(frame.code), 1001, "{frame:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn ws_port_serves_websocket_on_a_second_port() {
    let config = DevnetConfig {
        deploy_stack: false,
        ws_listen: Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0))),
        ..DevnetConfig::ephemeral()
    };
    let devnet = Devnet::spawn(config).await.expect("devnet");
    let http_port = devnet.url.rsplit(':').next().expect("port").to_owned();
    assert!(
        !devnet.ws_url().ends_with(&format!(":{http_port}")),
        "{} is another port than {}",
        devnet.ws_url(),
        devnet.url
    );
    let ws = ws_provider(&devnet).await;
    let mut heads = ws.subscribe_blocks().await.expect("newHeads").into_stream();
    let mut same_port = tokio_tungstenite::connect_async(devnet.url.replacen("http", "ws", 1))
        .await
        .expect("the HTTP port serves WebSocket too")
        .0;
    let n = call(
        &mut same_port,
        json!({"jsonrpc": "2.0", "id": 1, "method": "evm_mine"}),
    )
    .await;
    assert!(n.get("error").is_none(), "{n}");
    let head = tokio::time::timeout(WAIT, heads.next())
        .await
        .expect("head in time")
        .expect("open");
    assert_eq!(head.number, 1);
    drop(ws);
    devnet.shutdown().await.expect("shutdown");
}

/// The next notification's `result`, if one comes within `wait`.
async fn notification(socket: &mut Socket, wait: Duration) -> Option<Value> {
    loop {
        let message = tokio::time::timeout(wait, socket.next())
            .await
            .ok()??
            .ok()?;
        if let Message::Text(text) = message {
            let v: Value = serde_json::from_str(text.as_str()).ok()?;
            if v["method"] == "eth_subscription" {
                return Some(v["params"]["result"].clone());
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn evm_revert_notifies_nothing_and_later_blocks_come_again() {
    let config = DevnetConfig {
        deploy_stack: false,
        ..DevnetConfig::ephemeral()
    };
    let devnet = Devnet::spawn(config).await.expect("devnet");
    let mut socket = connect(&devnet).await;
    let sub = call(
        &mut socket,
        json!({"jsonrpc": "2.0", "id": 1, "method": "eth_subscribe", "params": ["newHeads"]}),
    )
    .await;
    assert!(sub["result"].is_string(), "{sub}");
    let http = crate::raw_http::addr(&devnet);
    let rpc = |method: &'static str, params: Value| {
        let http = http.clone();
        async move {
            crate::raw_http::post_raw(
                &http,
                &json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).to_string(),
            )
            .await
            .json()
        }
    };
    let snapshot = rpc("evm_snapshot", json!([])).await["result"].clone();
    rpc("anvil_mine", json!(["0x2"])).await;
    let first = notification(&mut socket, WAIT).await.expect("head 1");
    let second = notification(&mut socket, WAIT).await.expect("head 2");
    assert_eq!(
        (first["number"].clone(), second["number"].clone()),
        (json!("0x1"), json!("0x2"))
    );
    assert_eq!(rpc("evm_revert", json!([snapshot])).await["result"], true);
    assert!(
        notification(&mut socket, Duration::from_millis(300))
            .await
            .is_none(),
        "a revert notifies nothing (as anvil)"
    );
    // A revert and new blocks in one batch (one chain job): the new block 1 is notified.
    let reply = crate::raw_http::post_raw(
        &http,
        &json!([
            {"jsonrpc": "2.0", "id": 1, "method": "evm_snapshot"},
            {"jsonrpc": "2.0", "id": 2, "method": "evm_mine"},
        ])
        .to_string(),
    )
    .await
    .json();
    assert!(reply[1].get("error").is_none(), "{reply}");
    let again = notification(&mut socket, WAIT)
        .await
        .expect("the new head 1");
    assert_eq!(again["number"], "0x1");
    let snapshot = reply[0]["result"].clone();
    let reply = crate::raw_http::post_raw(
        &http,
        &json!([
            {"jsonrpc": "2.0", "id": 1, "method": "evm_revert", "params": [snapshot]},
            {"jsonrpc": "2.0", "id": 2, "method": "anvil_setNextBlockTimestamp", "params": [4_000_000_000u64]},
            {"jsonrpc": "2.0", "id": 3, "method": "evm_mine"},
        ])
        .to_string(),
    )
    .await
    .json();
    assert!(reply[2].get("error").is_none(), "{reply}");
    let replaced = notification(&mut socket, WAIT)
        .await
        .expect("the replaced head 1");
    assert_eq!(replaced["number"], "0x1");
    assert_ne!(
        replaced["hash"], again["hash"],
        "block 1 replaced within one job"
    );
    devnet.shutdown().await.expect("shutdown");
}
