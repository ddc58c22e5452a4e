//! viem and ethers (from npm) watching `EventSubmitted` on the devnet: `watchContractEvent` over
//! HTTP filters and over a WebSocket, `contract.on` over `JsonRpcProvider` (filters) and
//! `WebSocketProvider`, each catching every event of a burst of 500, none twice, the WebSocket
//! ones across a killed socket and a reconnect (`tests/js/watch.mjs`).
//!
//! Needs node and the packages of `tests/js` (`npm ci` there; scripts/test.sh does it). Without
//! them the test fails, it never skips.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Command, Stdio},
    time::Duration,
};

use peaqos_devnet::{Devnet, DevnetConfig};
use serde_json::Value;
use tokio::sync::mpsc;

use crate::ws::Machine;

/// Events in the burst.
const BURST: usize = 500;
/// Longest the watchers may take to get ready, and to catch the burst.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
const RUN_TIMEOUT: Duration = Duration::from_secs(180);

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs node + npm packages (npm ci in crates/peaqos-devnet/tests/js; scripts/test.sh)"]
async fn viem_and_ethers_watchers_catch_every_event_once() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js");
    for package in ["viem", "ethers"] {
        assert!(
            dir.join("node_modules").join(package).is_dir(),
            "{package} is not installed: run `npm ci` in {} (scripts/test.sh does)",
            dir.display()
        );
    }
    let node = std::env::var("PEAQOS_NODE").unwrap_or_else(|_| "node".to_owned());

    let devnet = Devnet::spawn(DevnetConfig::ephemeral())
        .await
        .expect("devnet");
    let machine = Machine::register(&devnet, 1).await;

    let mut child = Command::new(&node)
        .arg("watch.mjs")
        .current_dir(&dir)
        .env("RPC_URL", &devnet.url)
        .env("WS_URL", devnet.ws_url())
        .env("REGISTRY", machine.registry().to_string())
        .env("EXPECTED", BURST.to_string())
        .env("TIMEOUT_MS", RUN_TIMEOUT.as_millis().to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {node}: {e}"));
    let stdout = child.stdout.take().expect("stdout piped");
    let (lines_tx, mut lines) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let ready = next_line(&mut lines, READY_TIMEOUT).await;
    assert_eq!(ready.as_deref(), Some("ready"), "the watchers got ready");
    let sent = machine.submit_events(BURST).await;
    assert_eq!(sent.len(), BURST);

    let mut reports = Vec::new();
    loop {
        let Some(line) = next_line(&mut lines, RUN_TIMEOUT + Duration::from_secs(10)).await else {
            let _ = child.kill();
            panic!("watch.mjs ended or hung before \"done\"; reports so far: {reports:?}");
        };
        if line == "done" {
            break;
        }
        let report: Value = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("watch.mjs printed {line:?}: {e}"));
        reports.push(report);
    }
    let status = child.wait().expect("node exits");
    assert!(status.success(), "watch.mjs exited with {status}");
    devnet.shutdown().await.expect("shutdown");

    let names: Vec<&str> = reports
        .iter()
        .filter_map(|r| r["watcher"].as_str())
        .collect();
    assert_eq!(names, ["viem-http", "viem-ws", "ethers-http", "ethers-ws"]);
    for report in &reports {
        eprintln!("{report}");
        assert_eq!(report["unique"], BURST, "every event caught: {report}");
        assert_eq!(report["duplicates"], 0, "none twice: {report}");
        assert_eq!(report["foreign"], 0, "only the registry's: {report}");
        if report["watcher"]
            .as_str()
            .is_some_and(|w| w.ends_with("-ws"))
        {
            assert_eq!(
                report["reconnected"], true,
                "resumed after the dropped socket: {report}"
            );
        }
    }
}

/// The script's next line, if one comes within `wait`.
async fn next_line(lines: &mut mpsc::UnboundedReceiver<String>, wait: Duration) -> Option<String> {
    tokio::time::timeout(wait, lines.recv())
        .await
        .ok()
        .flatten()
}
