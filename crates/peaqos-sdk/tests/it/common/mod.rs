//! What the integration tests share: an in-process devnet with clients for its dev accounts,
//! and a local HTTP server for the Gas Station and MCR API clients.
//!
//! Every test file compiles this module on its own and uses part of it.
#![allow(dead_code)]

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use alloy::{
    primitives::{B256, U256, keccak256},
    providers::Provider,
    rpc::types::{Transaction, TransactionReceipt},
};
use axum::{
    Router,
    body::Bytes as Body,
    extract::State,
    http::{HeaderMap, Method, StatusCode, Uri, header},
    response::{IntoResponse, Response},
};
use peaqos_devnet::Devnet;
use peaqos_sdk::{
    ApiCode, Error,
    client::{ClientConfig, NetworkConfig, PeaqosClient},
    events::MachineEvent,
    limits::OperationalLimits,
    signer::Signer,
    validation::SubmitEventParams,
};

// ------------------------------------------------------------------------------ devnet

pub(crate) use peaqos_test_utils::{
    PEAQ,
    devnet::{chain_now, contracts, spawn_devnet as devnet},
};

/// A client for dev account `account`, with `limits`.
pub(crate) fn client_with(
    devnet: &Devnet,
    account: usize,
    limits: OperationalLimits,
) -> PeaqosClient {
    let signer = Signer::from(devnet.accounts[account].signer());
    let config = ClientConfig::new(
        NetworkConfig::new(&devnet.url, contracts(devnet)).with_operational_limits(limits),
        signer,
    );
    PeaqosClient::new(config).expect("client")
}

/// A client for dev account `account`, without operational limits.
pub(crate) fn client(devnet: &Devnet, account: usize) -> PeaqosClient {
    client_with(devnet, account, OperationalLimits::NONE)
}

pub(crate) use peaqos_test_utils::devnet::funded_client as fresh_client;

/// The next nonce of `c`'s signer.
pub(crate) async fn nonce(c: &PeaqosClient) -> u64 {
    c.provider()
        .get_transaction_count(c.address())
        .await
        .expect("nonce")
}

/// The receipt of the mined transaction `hash`.
pub(crate) async fn receipt(c: &PeaqosClient, hash: B256) -> TransactionReceipt {
    c.provider()
        .get_transaction_receipt(hash)
        .await
        .expect("rpc")
        .expect("mined")
}

/// The known transaction `hash`.
pub(crate) async fn transaction(c: &PeaqosClient, hash: B256) -> Transaction {
    c.provider()
        .get_transaction_by_hash(hash)
        .await
        .expect("tx")
        .expect("known")
}

/// The field of a validation error (panics on any other error).
pub(crate) fn validation_field(err: &Error) -> &str {
    match err {
        Error::Validation(v) => &v.field,
        other => panic!("validation error expected, got {other:?}"),
    }
}

/// `got` is the event the chain should hold for `p`, submitted with `currency`.
pub(crate) fn assert_stored(got: &MachineEvent, p: &SubmitEventParams, currency: &str, what: &str) {
    assert_eq!(got.machineId, p.machine_id, "{what}: machineId");
    assert_eq!(got.eventType, p.event_type, "{what}: eventType");
    assert_eq!(got.value, p.value, "{what}: value");
    assert_eq!(got.currency, currency, "{what}: currency");
    assert_eq!(got.timestamp, U256::from(p.timestamp), "{what}: timestamp");
    let want_hash = p.raw_data.as_deref().map_or(B256::ZERO, keccak256);
    assert_eq!(got.dataHash, want_hash, "{what}: dataHash");
    assert_eq!(got.trustLevel, p.trust_level, "{what}: trustLevel");
    assert_eq!(
        got.sourceChainId,
        U256::from(p.source_chain_id),
        "{what}: sourceChainId"
    );
    assert_eq!(
        got.sourceTxHash,
        p.source_tx_hash.unwrap_or_default(),
        "{what}: sourceTxHash"
    );
    assert_eq!(
        got.metadata.as_ref(),
        p.metadata.as_slice(),
        "{what}: metadata"
    );
}

// ------------------------------------------------------------------------------ HTTP server

/// One request the test server received.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    /// The method.
    pub(crate) method: Method,
    /// The path, as sent.
    pub(crate) path: String,
    /// The query string, if any.
    pub(crate) query: Option<String>,
    /// The `Content-Type` header.
    pub(crate) content_type: Option<String>,
    /// The `Accept` header.
    pub(crate) accept: Option<String>,
    /// The body (lossy UTF-8).
    pub(crate) body: String,
}

struct Shared {
    status: u16,
    body: String,
    delay: Duration,
    seen: Mutex<Vec<Seen>>,
}

/// A local server answering every request with one fixed JSON-typed reply.
pub(crate) struct TestServer {
    /// `http://127.0.0.1:PORT`.
    pub(crate) base: String,
    shared: Arc<Shared>,
}

impl TestServer {
    /// Answers `status` with `body`.
    pub(crate) async fn start(status: u16, body: impl Into<String>) -> Self {
        Self::start_with_delay(status, body, Duration::ZERO).await
    }

    /// Answers `status` with `body` as JSON text.
    pub(crate) async fn json(status: u16, body: &serde_json::Value) -> Self {
        Self::start(status, body.to_string()).await
    }

    /// Answers `status` with `body` after waiting `delay`.
    pub(crate) async fn start_with_delay(
        status: u16,
        body: impl Into<String>,
        delay: Duration,
    ) -> Self {
        let shared = Arc::new(Shared {
            status,
            body: body.into(),
            delay,
            seen: Mutex::new(Vec::new()),
        });
        let app = Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&shared));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        Self {
            base: format!("http://{addr}"),
            shared,
        }
    }

    /// Every request so far.
    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().expect("lock").clone()
    }

    /// The one request so far (panics unless there was exactly one).
    pub(crate) fn only_request(&self) -> Seen {
        let seen = self.seen();
        assert_eq!(seen.len(), 1, "{seen:?}");
        seen.into_iter().next().expect("one request")
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    shared.seen.lock().expect("lock").push(Seen {
        method,
        path: uri.path().to_owned(),
        query: uri.query().map(str::to_owned),
        content_type: text(header::CONTENT_TYPE),
        accept: text(header::ACCEPT),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    if !shared.delay.is_zero() {
        tokio::time::sleep(shared.delay).await;
    }
    (
        StatusCode::from_u16(shared.status).expect("status"),
        [(header::CONTENT_TYPE, "application/json")],
        shared.body.clone(),
    )
        .into_response()
}

/// A URL on a local port nothing listens on.
pub(crate) fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}")
}

/// The typed code, status and message of an API error (panics on any other error).
pub(crate) fn api(err: &Error) -> (&ApiCode, Option<u16>, &str) {
    match err {
        Error::Api {
            code,
            status,
            message,
            ..
        } => (code, *status, message.as_str()),
        other => panic!("expected an API error, got {other:?}"),
    }
}
