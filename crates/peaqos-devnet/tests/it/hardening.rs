//! Hardening of the devnet (issue 13): chain work off the async workers, bounded shutdown,
//! `eth_getLogs` limits, timestamps within i64, periodic `--state` saves, and the
//! content-type / origin checks against cross-site requests.

use std::time::{Duration, Instant};

use peaqos_devnet::{Devnet, DevnetConfig};
use serde_json::{Value, json};

use crate::raw_http::{addr, http, post_raw};

/// A JSON-RPC POST with `Content-Type: application/json`.
async fn post_json(addr: &str, body: &Value) -> Value {
    post_raw(addr, &body.to_string()).await.json()
}

async fn call(addr: &str, method: &str, params: Value) -> Value {
    post_json(
        addr,
        &json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}),
    )
    .await
}

fn empty_chain() -> DevnetConfig {
    DevnetConfig {
        deploy_stack: false,
        ..DevnetConfig::ephemeral()
    }
}

/// A blocking HTTP/1.1 exchange from a plain thread (not a tokio task): what it measures does
/// not depend on the runtime under test making progress.
fn blocking_http(addr: &str, request: &str) -> String {
    use std::io::{Read as _, Write as _};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream.write_all(request.as_bytes()).expect("write");
    let mut resp = String::new();
    stream.read_to_string(&mut resp).expect("read");
    resp
}

fn blocking_post(addr: &str, body: &str) -> String {
    blocking_http(
        addr,
        &format!(
            "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// Starts a trivial HTTP service (`GET /ping`) on the current runtime; returns its address.
async fn ping_service() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let app = axum::Router::new().route("/ping", axum::routing::get(|| async { "pong" }));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

/// Pings `addr` from a plain thread every 10 ms until `done` is set; returns (pings, worst
/// latency).
fn pinger(
    addr: String,
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<(usize, Duration)> {
    std::thread::spawn(move || {
        let mut worst = Duration::ZERO;
        let mut pings = 0;
        while !done.load(std::sync::atomic::Ordering::SeqCst) {
            let t = Instant::now();
            let reply = blocking_http(
                &addr,
                &format!("GET /ping HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
            );
            assert!(reply.ends_with("pong"), "{reply}");
            worst = worst.max(t.elapsed());
            pings += 1;
            std::thread::sleep(Duration::from_millis(10));
        }
        (pings, worst)
    })
}

/// Sends each body from its own plain thread at once, waits for every answer; returns the
/// answers and the time until the last.
async fn concurrent_calls(addr: &str, bodies: Vec<String>) -> (Vec<String>, Duration) {
    let started = Instant::now();
    let threads: Vec<_> = bodies
        .into_iter()
        .map(|body| {
            let addr = addr.to_owned();
            std::thread::spawn(move || blocking_post(&addr, &body))
        })
        .collect();
    let answers = tokio::task::spawn_blocking(move || {
        threads
            .into_iter()
            .map(|t| t.join().expect("client thread"))
            .collect()
    })
    .await
    .expect("join");
    (answers, started.elapsed())
}

/// Finding 4: slow chain calls (the longest `anvil_mine` allowed, several at once) run off the
/// async workers, so another service on the same 2-worker runtime (as the MCR and Gas Station
/// are in `peaqos dev`) keeps answering quickly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_chain_calls_do_not_delay_other_services() {
    use peaqos_devnet::rpc::MAX_MINE_BLOCKS;
    let devnet = Devnet::spawn(empty_chain()).await.expect("devnet");
    let other = ping_service().await;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let pings = pinger(other, done.clone());

    let mine = json!({"jsonrpc": "2.0", "id": 1, "method": "anvil_mine",
                      "params": [format!("{MAX_MINE_BLOCKS:#x}")]})
    .to_string();
    let (answers, busy) = concurrent_calls(&addr(&devnet), vec![mine; 3]).await;
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let (pings, worst) = tokio::task::spawn_blocking(move || pings.join().expect("pinger"))
        .await
        .expect("join");
    for a in &answers {
        assert!(a.contains(r#""result":"0x0""#), "{a}");
    }
    eprintln!("3 x anvil_mine {MAX_MINE_BLOCKS}: {busy:?}; {pings} pings, worst {worst:?}");
    assert!(
        worst < Duration::from_millis(200),
        "another service waited {worst:?} behind the chain (3 x anvil_mine took {busy:?})"
    );
    devnet.shutdown().await.expect("shutdown");
}

/// Finding 4 (shutdown): a shutdown while a long chain call runs does not wait for it: the
/// call stops early and the devnet is down (and saved) within the grace period.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_does_not_wait_for_a_long_chain_call() {
    use peaqos_devnet::{devnet::SHUTDOWN_GRACE, rpc::MAX_MINE_BLOCKS};
    let dir = tempfile::tempdir().expect("tempdir");
    let devnet = Devnet::spawn(DevnetConfig {
        state_file: Some(dir.path().join("chain.json")),
        ..empty_chain()
    })
    .await
    .expect("devnet");
    let mine = json!({"jsonrpc": "2.0", "id": 1, "method": "anvil_mine",
                      "params": [format!("{MAX_MINE_BLOCKS:#x}")]})
    .to_string();
    let rpc = addr(&devnet);
    let calls = tokio::spawn(async move { concurrent_calls(&rpc, vec![mine; 4]).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    devnet.shutdown().await.expect("shutdown saves");
    let took = started.elapsed();
    let (answers, _) = calls.await.expect("join");
    eprintln!("shutdown during 4 x anvil_mine took {took:?}; answers: {answers:?}");
    assert!(took < SHUTDOWN_GRACE, "shutdown took {took:?}");
    assert!(dir.path().join("chain.json").exists());
}

/// A contract whose every call emits `n` empty LOG0s.
fn log_emitter(n: u16) -> String {
    let [hi, lo] = n.to_be_bytes();
    format!("0x61{hi:02x}{lo:02x}5b801560155760006000a0600190036003565b00")
}

/// A dev-account provider on `url`.
fn signer_provider(url: &str) -> alloy::providers::DynProvider {
    use alloy::providers::{Provider as _, ProviderBuilder};
    let accounts =
        peaqos_devnet::accounts::derive_accounts(peaqos_devnet::DEV_MNEMONIC, 1).expect("keys");
    ProviderBuilder::new()
        .wallet(alloy::network::EthereumWallet::from(accounts[0].signer()))
        .connect_http(url.parse().expect("url"))
        .erased()
}

/// Sends a transaction to `to` with `input`; returns its block number.
async fn transact(url: &str, to: alloy::primitives::Address, input: Vec<u8>, gas: u64) -> u64 {
    use alloy::providers::Provider as _;
    let tx = alloy::rpc::types::TransactionRequest::default()
        .to(to)
        .input(input.into())
        .gas_limit(gas);
    let receipt = signer_provider(url)
        .send_transaction(tx)
        .await
        .expect("send")
        .get_receipt()
        .await
        .expect("receipt");
    assert!(receipt.status(), "transaction succeeded");
    receipt.block_number.expect("mined")
}

/// Finding 3: `eth_getLogs` is bounded: block range, addresses, topic alternatives and
/// positions, results (and bytes, checked on the chain with small limits), with geth's / the
/// providers' codes; the limits themselves still pass.
#[tokio::test(flavor = "multi_thread")]
async fn get_logs_is_bounded() {
    use peaqos_devnet::{
        chain::LogLimits,
        rpc::{MAX_LOGS_BLOCK_RANGE, MAX_LOGS_FILTER_ITEMS, MAX_LOGS_RESULTS, MAX_MINE_BLOCKS},
    };
    let devnet = Devnet::spawn(empty_chain()).await.expect("devnet");
    let rpc = addr(&devnet);
    let emitter = alloy::primitives::Address::repeat_byte(0xe1);
    let too_many = u16::try_from(MAX_LOGS_RESULTS + 1).expect("fits");
    let set = call(
        &rpc,
        "anvil_setCode",
        json!([emitter, log_emitter(too_many)]),
    )
    .await;
    assert!(set.get("error").is_none(), "{set}");
    let block = transact(&devnet.url, emitter, Vec::new(), 10_000_000).await;
    let logs = |filter: Value| call(&rpc, "eth_getLogs", json!([filter]));

    let reply =
        logs(json!({"fromBlock": format!("{block:#x}"), "toBlock": format!("{block:#x}")})).await;
    assert_eq!(reply["error"]["code"], -32005, "{reply}");
    assert_eq!(
        reply["error"]["message"],
        format!("query returned more than {MAX_LOGS_RESULTS} results")
    );

    // A range of exactly the limit passes; one more block is refused.
    let mined = call(&rpc, "anvil_mine", json!([format!("{MAX_MINE_BLOCKS:#x}")])).await;
    assert_eq!(mined["result"], "0x0", "{mined}");
    let from = block + 1;
    let at_limit = from + MAX_LOGS_BLOCK_RANGE - 1;
    let reply =
        logs(json!({"fromBlock": format!("{from:#x}"), "toBlock": format!("{at_limit:#x}")})).await;
    assert_eq!(reply["result"], json!([]), "{reply}");
    let reply =
        logs(json!({"fromBlock": format!("{block:#x}"), "toBlock": format!("{at_limit:#x}")}))
            .await;
    assert_eq!(reply["error"]["code"], -32602, "{reply}");
    assert_eq!(
        reply["error"]["message"],
        format!("query exceeds max block range {MAX_LOGS_BLOCK_RANGE}")
    );
    let reply = logs(json!({"fromBlock": "earliest", "toBlock": "latest"})).await;
    assert_eq!(reply["error"]["code"], -32602, "{reply}");

    // Addresses and topic alternatives: at most MAX_LOGS_FILTER_ITEMS; at most 4 positions.
    let addresses =
        |n: usize| -> Vec<String> { (0..n).map(|i| format!("{:#042x}", i + 1)).collect() };
    let topics = |n: usize| -> Vec<String> { (0..n).map(|i| format!("{:#066x}", i + 1)).collect() };
    let reply = logs(json!({"address": addresses(MAX_LOGS_FILTER_ITEMS)})).await;
    assert_eq!(reply["result"], json!([]), "{reply}");
    for filter in [
        json!({"address": addresses(MAX_LOGS_FILTER_ITEMS + 1)}),
        json!({"topics": [null, topics(MAX_LOGS_FILTER_ITEMS + 1)]}),
    ] {
        let reply = logs(filter).await;
        assert_eq!(reply["error"]["code"], -32602, "{reply}");
        assert_eq!(
            reply["error"]["message"],
            "exceed max addresses or topics per search position"
        );
    }
    let reply = logs(json!({"topics": [null, null, null, null, null]})).await;
    assert_eq!(reply["error"]["code"], -32602, "{reply}");

    // The byte bound, with limits small enough to reach.
    let filter = alloy::rpc::types::Filter::new();
    let bounded = |results, bytes| {
        devnet.node.with_chain(|c| {
            c.logs(block, block, &filter, LogLimits { results, bytes })
                .map(|l| l.len())
                .map_err(|e| e.to_string())
        })
    };
    assert_eq!(bounded(usize::MAX, usize::MAX), Ok(usize::from(too_many)));
    assert!(bounded(usize::MAX, 4000).is_err_and(|e| e.contains("4000 bytes")));
    devnet.shutdown().await.expect("shutdown");
}

/// Finding 10 (devnet part): no block timestamp past i64::MAX: setting one, mining at one, or
/// moving the clock there is -32602, and the chain keeps working.
#[tokio::test(flavor = "multi_thread")]
async fn timestamps_stay_within_i64() {
    let devnet = Devnet::spawn(empty_chain()).await.expect("devnet");
    let rpc = addr(&devnet);
    let max = i64::MAX as u64;
    for (method, params) in [
        (
            "evm_setNextBlockTimestamp",
            json!([format!("{:#x}", max + 1)]),
        ),
        (
            "anvil_setNextBlockTimestamp",
            json!([format!("{:#x}", u64::MAX)]),
        ),
        ("evm_mine", json!([format!("{:#x}", max + 1)])),
        ("evm_increaseTime", json!([format!("{:#x}", u64::MAX)])),
        ("evm_increaseTime", json!([format!("{max:#x}")])),
    ] {
        let reply = call(&rpc, method, params).await;
        assert_eq!(reply["error"]["code"], -32602, "{method}: {reply}");
        assert!(
            reply["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("i64::MAX")),
            "{reply}"
        );
    }
    let mined = call(&rpc, "evm_mine", json!([])).await;
    assert_eq!(mined["result"], "0x0", "the chain still mines: {mined}");

    // The last second itself is allowed, and nothing can come after it.
    let reply = call(
        &rpc,
        "evm_setNextBlockTimestamp",
        json!([format!("{max:#x}")]),
    )
    .await;
    assert!(reply.get("error").is_none(), "{reply}");
    let mined = call(&rpc, "evm_mine", json!([])).await;
    assert_eq!(mined["result"], "0x0", "{mined}");
    let latest = call(&rpc, "eth_getBlockByNumber", json!(["latest", false])).await;
    assert_eq!(latest["result"]["timestamp"], format!("{max:#x}"));
    let reply = call(&rpc, "evm_mine", json!([])).await;
    assert_eq!(reply["error"]["code"], -32602, "{reply}");
    devnet.shutdown().await.expect("shutdown");
}

/// Finding 20: only JSON content types are taken (a page's `text/plain` POST gets 415 and
/// changes nothing), and a browser request from a foreign origin gets 403; loopback origins and
/// configured ones pass.
#[tokio::test(flavor = "multi_thread")]
async fn cross_site_requests_are_refused() {
    let devnet = Devnet::spawn(DevnetConfig {
        allowed_origins: peaqos_devnet::rpc::access::AllowedOrigins::loopback()
            .allow("https://dapp.example"),
        ..empty_chain()
    })
    .await
    .expect("devnet");
    let rpc = addr(&devnet);
    let victim = alloy::primitives::Address::repeat_byte(0x77);
    let set = json!({"jsonrpc": "2.0", "id": 1, "method": "anvil_setBalance",
                     "params": [victim, "0x1234"]})
    .to_string();
    for extra in [
        "Content-Type: text/plain\r\n",
        "Content-Type: text/plain;charset=UTF-8\r\nOrigin: http://localhost:3000\r\n",
        "Content-Type: application/x-www-form-urlencoded\r\n",
        "",
    ] {
        let reply = http(&rpc, "POST", "/", extra, &set).await;
        assert_eq!(reply.status, 415, "{extra}: {}", reply.body);
        assert_eq!(reply.json()["error"]["code"], -32600, "{}", reply.body);
        assert!(
            reply
                .headers
                .to_ascii_lowercase()
                .contains("content-type: application/json")
        );
    }
    let reply = http(
        &rpc,
        "POST",
        "/",
        "Content-Type: application/json\r\nOrigin: https://evil.example\r\n",
        &set,
    )
    .await;
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(reply.json()["error"]["code"], -32600, "{}", reply.body);
    let balance = call(&rpc, "eth_getBalance", json!([victim, "latest"])).await;
    assert_eq!(balance["result"], "0x0", "nothing refused was run");

    for origin in [
        "http://localhost:3000",
        "http://127.0.0.1:5173",
        "https://dapp.example",
    ] {
        let reply = http(
            &rpc,
            "POST",
            "/",
            &format!("Content-Type: application/json; charset=utf-8\r\nOrigin: {origin}\r\n"),
            &set,
        )
        .await;
        assert_eq!(reply.status, 200, "{origin}: {}", reply.body);
        assert_eq!(reply.json()["result"], Value::Null, "{}", reply.body);
    }
    devnet.shutdown().await.expect("shutdown");
}

/// Finding 2: a body past `MAX_BODY_BYTES` gets 413 with a JSON-RPC error; a transaction as
/// large as a block can carry still fits (hex-encoded, about 3 MB).
#[tokio::test(flavor = "multi_thread")]
async fn body_limit_refuses_oversized_bodies_and_fits_the_largest_transaction() {
    use peaqos_devnet::rpc::MAX_BODY_BYTES;
    let devnet = Devnet::spawn(empty_chain()).await.expect("devnet");
    let rpc = addr(&devnet);
    let padding = "0".repeat(MAX_BODY_BYTES);
    let body =
        format!(r#"{{"jsonrpc":"2.0","id":1,"method":"web3_sha3","params":["0x{padding}"]}}"#);
    let reply = post_raw(&rpc, &body).await;
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert_eq!(reply.json()["error"]["code"], -32600, "{}", reply.body);

    // 1.7 MB of non-zero calldata: 27.2M gas of the block's 30M.
    let block = transact(
        &devnet.url,
        alloy::primitives::Address::repeat_byte(0x42),
        vec![0xab; 1_700_000],
        29_000_000,
    )
    .await;
    assert!(block > 0);
    devnet.shutdown().await.expect("shutdown");
}

/// Reads the `Listening on URL` line of a `peaqos-devnet` child.
pub(crate) fn announced_url(child: &mut std::process::Child) -> String {
    use std::io::BufRead as _;
    let stdout = child.stdout.take().expect("stdout");
    std::io::BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|l| {
            l.strip_prefix("Listening on ")
                .and_then(|rest| rest.split_whitespace().next())
                .map(str::to_owned)
        })
        .expect("the devnet announces its URL")
}

fn spawn_binary(args: &[&str]) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_peaqos-devnet"))
        .args(["--port", "0", "--no-env"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn peaqos-devnet")
}

/// Finding 19: `--state` is saved while running (every `--save-interval` when the chain
/// changed), so a SIGKILL loses at most that interval: the change is there after a restart.
#[tokio::test(flavor = "multi_thread")]
async fn state_survives_sigkill_after_the_save_interval() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("chain.json");
    let state = file.to_str().expect("utf-8 path").to_owned();
    let mut child = spawn_binary(&["--no-deploy", "--save-interval", "1", "--state", &state]);
    let url = tokio::task::spawn_blocking(move || (announced_url(&mut child), child))
        .await
        .expect("join");
    let (url, mut child) = url;
    let rpc = url.trim_start_matches("http://").to_owned();
    let mined = call(&rpc, "anvil_mine", json!(["0x7"])).await;
    assert_eq!(mined["result"], "0x0", "{mined}");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    child.kill().expect("SIGKILL");
    let _ = child.wait();

    let restored = Devnet::spawn(DevnetConfig {
        state_file: Some(file),
        ..empty_chain()
    })
    .await
    .expect("the saved state loads");
    let height = call(&addr(&restored), "eth_blockNumber", json!([])).await;
    assert_eq!(height["result"], "0x7", "{height}");
    restored.shutdown().await.expect("shutdown");
}

fn rss_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .expect("status")
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("field")
}

/// Finding 2: the memory one request can take is bounded. The worst requests found: a batch of
/// `MAX_BATCH_LEN` full blocks each holding a block-sized transaction, and one of
/// `MAX_BATCH_LEN` `eth_getLogs` each answering just under `MAX_LOGS_RESULTS` logs; the
/// answers stop at `MAX_BATCH_RESPONSE_BYTES` (the rest: -32003). Prints the devnet's peak RSS
/// growth (`VmHWM`).
#[tokio::test(flavor = "multi_thread")]
async fn worst_case_batches_have_bounded_memory() {
    use peaqos_devnet::rpc::{MAX_BATCH_LEN, MAX_BATCH_RESPONSE_BYTES, MAX_LOGS_RESULTS};
    let mut child = spawn_binary(&["--no-deploy"]);
    let pid = child.id();
    let url = tokio::task::spawn_blocking(move || (announced_url(&mut child), child))
        .await
        .expect("join");
    let (url, mut child) = url;
    let rpc = url.trim_start_matches("http://").to_owned();

    let big = transact(
        &url,
        alloy::primitives::Address::repeat_byte(0x42),
        vec![0xab; 1_700_000],
        29_000_000,
    )
    .await;
    let block = call(
        &rpc,
        "eth_getBlockByNumber",
        json!([format!("{big:#x}"), false]),
    )
    .await;
    let big_tx = block["result"]["transactions"][0].clone();
    let emitter = alloy::primitives::Address::repeat_byte(0xe1);
    let logs = u16::try_from(MAX_LOGS_RESULTS).expect("fits");
    call(&rpc, "anvil_setCode", json!([emitter, log_emitter(logs)])).await;
    let logs_block = transact(&url, emitter, Vec::new(), 10_000_000).await;

    let batch = |method: &str, params: Value| {
        Value::Array(
            (0..MAX_BATCH_LEN)
                .map(|id| json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
                .collect(),
        )
        .to_string()
    };
    let zeros = ",0".repeat((peaqos_devnet::rpc::MAX_BODY_BYTES - 100) / 2);
    let percentiles = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"eth_feeHistory","params":["0x1","latest",[0{zeros}]]}}"#
    );
    let before = rss_kib(pid, "VmRSS:");
    let mut worst_growth = 0;
    for (what, body) in [
        (
            "1000 x full blocks",
            batch("eth_getBlockByNumber", json!([format!("{big:#x}"), true])),
        ),
        (
            "1000 x transactions",
            batch("eth_getTransactionByHash", json!([big_tx])),
        ),
        (
            "1000 x eth_getLogs",
            batch(
                "eth_getLogs",
                json!([{"fromBlock": format!("{logs_block:#x}"), "toBlock": format!("{logs_block:#x}")}]),
            ),
        ),
        (
            "one eth_feeHistory with a body-sized percentile list",
            percentiles.clone(),
        ),
    ] {
        let hwm_before = rss_kib(pid, "VmHWM:");
        let (answers, took) = concurrent_calls(&rpc, vec![body]).await;
        let answer = &answers[0];
        let hwm = rss_kib(pid, "VmHWM:");
        let growth = hwm.saturating_sub(before);
        worst_growth = worst_growth.max(growth);
        let too_large = answer.matches("response too large").count();
        eprintln!(
            "{what}: answer {} bytes in {took:?}, {too_large} x -32003, \
             peak RSS {hwm} KiB (+{} KiB over {before} KiB at rest; +{} KiB this batch)",
            answer.len(),
            growth,
            hwm.saturating_sub(hwm_before)
        );
        if what.starts_with("one ") {
            assert!(answer.contains("too many reward percentiles"), "{answer}");
        } else {
            assert!(too_large > 0, "{what}: the cap was reached");
        }
        assert!(
            answer.len() < 2 * MAX_BATCH_RESPONSE_BYTES + 1_000_000,
            "{what}"
        );
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        worst_growth < 512 * 1024,
        "one request took {worst_growth} KiB"
    );
}

/// What `serde_json::Value` refuses is still a parse error (-32700, id null), though bodies are
/// no longer read into one: numbers out of range, lone surrogates, invalid UTF-8, deep nesting.
#[tokio::test(flavor = "multi_thread")]
async fn json_a_value_refuses_is_a_parse_error() {
    let devnet = Devnet::spawn(empty_chain()).await.expect("devnet");
    let rpc = addr(&devnet);
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    for body in [
        r#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[1e400]}"#.to_owned(),
        r#"{"jsonrpc":"2.0","id":1e400,"method":"eth_chainId"}"#.to_owned(),
        r#"[{"jsonrpc":"2.0","id":"\ud800","method":"eth_chainId"}]"#.to_owned(),
        format!(r#"{{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[{deep}]}}"#),
    ] {
        let reply = post_raw(&rpc, &body).await;
        let v = reply.json();
        assert_eq!(v["error"]["code"], -32700, "{body}: {}", reply.body);
        assert_eq!(v["id"], Value::Null);
    }
    devnet.shutdown().await.expect("shutdown");
}
