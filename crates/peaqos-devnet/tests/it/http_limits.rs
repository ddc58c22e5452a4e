//! The devnet's JSON-RPC server under slow clients (issue 13 finding 9): 200 half-open and
//! silent connections are all closed after the header timeout, and a normal call is answered
//! afterwards.

use peaqos_test_utils::http_probe::{
    assert_slow_clients_are_cut_off, connect_and_send, read_response,
};

#[tokio::test]
async fn slow_clients_are_cut_off_and_the_server_still_answers() {
    let devnet = peaqos_test_utils::devnet::spawn_devnet().await;
    let addr = devnet
        .url
        .trim_start_matches("http://")
        .parse()
        .expect("addr");
    assert_slow_clients_are_cut_off(addr).await;
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}"#;
    let req = format!(
        "POST / HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut s = connect_and_send(addr, req.as_bytes()).await;
    let (status, answer) = read_response(&mut s, std::time::Duration::from_secs(10))
        .await
        .expect("an answer");
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("\"result\""), "{answer}");
}
