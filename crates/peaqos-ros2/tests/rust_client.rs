//! The node called by a Rust ros2-client (RustDDS) client, in a network namespace.

mod support;

use std::time::Duration;

use peaqos_ros2::{client::NodeClient, interfaces::*};
use support::{NodeProcess, in_netns};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs root for a network namespace"]
async fn a_rust_ros2_client_calls_the_node() {
    if !in_netns("a_rust_ros2_client_calls_the_node", &[]) {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let registry = dir.path().join("w.json").to_string_lossy().into_owned();
    let node = NodeProcess::start(
        &[
            ("PEAQOS_ENABLED".into(), "yes".into()),
            ("PEAQOS_WALLET_REGISTRY".into(), registry),
        ],
        &[],
        dir.path().join("node.log"),
    );
    node.wait_ready().await;
    let mut rust = NodeClient::new("rust_client").expect("client node");
    let validate = rust
        .client::<PeaqosValidateEvent>("events/validate")
        .expect("client");
    let submit = rust
        .client::<PeaqosSubmitEvent>("events/submit")
        .expect("client");
    let list = rust
        .client::<PeaqosListWallets>("wallet/list")
        .expect("client");
    let within = Duration::from_secs(30);
    tokio::time::timeout(within, rust.wait_for(&validate))
        .await
        .expect("validate discovered");
    tokio::time::timeout(within, rust.wait_for(&submit))
        .await
        .expect("submit discovered");
    tokio::time::timeout(within, rust.wait_for(&list))
        .await
        .expect("list discovered");

    let req = ValidateEventRequest {
        machine_id: 1,
        event_type: 1,
        value: 1,
        timestamp: 1_700_000_000,
        raw_data_hex: "73656e736f723a6f6b".into(),
        source_chain_id: 3338,
        metadata_hex: "0x7b7d".into(),
        ..Default::default()
    };
    let r = tokio::time::timeout(within, validate.async_call_service(req.clone()))
        .await
        .expect("answer")
        .expect("call");
    assert!(r.success, "{r:?}");
    assert_eq!(
        r.data_hash,
        format!("{:#x}", alloy::primitives::keccak256(b"sensor:ok"))
    );
    let bad = ValidateEventRequest {
        metadata_hex: "0xzz".into(),
        ..req
    };
    let r = validate.async_call_service(bad).await.expect("call");
    assert_eq!(
        (r.success, r.error_code.as_str(), r.error_field.as_str()),
        (false, "ValueError", "metadata_hex")
    );

    let r = list
        .async_call_service(ListWalletsRequest::default())
        .await
        .expect("call");
    assert!(r.success, "{r:?}");
    assert_eq!(r.wallets_json, "[]");

    // No signer and no default: the official ValueError; the node stays up.
    let r = submit
        .async_call_service(SubmitEventRequest::default())
        .await
        .expect("call");
    assert_eq!(
        (r.success, r.error_code.as_str(), r.error.as_str()),
        (false, "ValueError", "signer_address is required")
    );
    let r = list
        .async_call_service(ListWalletsRequest::default())
        .await
        .expect("call");
    assert!(r.success);
    node.stop().await;
}
