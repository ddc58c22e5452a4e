//! The MCR dashboard in a real headless Chromium (Debian's `chromium`), driven over the
//! DevTools protocol by `crates/peaqos-mcr/tests/browser/cdp_pages.py` (the interop venv's
//! Python and its `websockets`), against the in-process `peaqos dev` stack after `peaqos
//! demo`: each page loads with no console errors and no failed requests, the numbers in the
//! DOM are the API's, the history chart has one marker per point, visibility holds in the
//! DOM, and screenshots at desktop and phone width land in `target/dashboard-screenshots/`.

use std::{path::PathBuf, process::Stdio, time::Duration};

use alloy::primitives::U256;
use peaqos_sdk::validation::SubmitEventParams;
use peaqos_stack::{LocalStack, StackConfig};
use peaqos_test_utils::devnet::{chain_now, dev_client, funded_client};
use peaqos_types::{EventType, TrustLevel, event::DataVisibility};
use serde_json::{Value, json};

use crate::common::Cli;

/// Where the screenshots go: `<target dir>/dashboard-screenshots`.
fn artefact_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| peaqos_test_utils::workspace_root().join("target"))
        .join("dashboard-screenshots")
}

/// Chromium: `PEAQOS_CHROMIUM`, else `chromium` on PATH; a missing one fails with the hint.
fn chromium() -> String {
    let bin = std::env::var("PEAQOS_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let ok = std::process::Command::new(&bin)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "needs Chromium: `apt-get install -y chromium` (scripts/test.sh does), or set PEAQOS_CHROMIUM"
    );
    bin
}

/// What the pages report back (read in the browser after load).
const MACHINE_JS: &str = r#"(() => {
  const t = id => { const e = document.getElementById(id); return e ? e.textContent.trim() : null; };
  const fig = document.getElementById('history');
  return {
    score: t('mcr-score'), rating: t('mcr-rating'), event_count: t('event-count'),
    bond: t('bond-status'), visibility: t('data-visibility'),
    history_markers: fig ? fig.querySelectorAll('svg circle').length : null,
    history_from: fig ? fig.dataset.from : null, history_to: fig ? fig.dataset.to : null,
    history_step: fig ? fig.dataset.step : null,
    events_table: document.getElementById('events') !== null,
    event_rows: document.querySelectorAll('#events tr.event').length,
    monthly_chart: document.querySelector('svg.monthly-chart') !== null,
    partner: document.getElementById('partner-data') !== null || document.getElementById('partner-data-error') !== null,
    scripts_injected: document.querySelectorAll('main script, main img').length,
    text: document.querySelector('main').innerText,
    bytes: new XMLSerializer().serializeToString(document).length,
  };
})()"#;

const FLEET_JS: &str = r#"(() => ({
  rows: [...document.querySelectorAll('tr[data-machine-id]')].map(r => ({
    id: r.dataset.machineId, did: r.dataset.did,
    score: r.querySelector('.score').textContent.trim(),
    rating: r.querySelector('.rating').textContent.trim(),
    sparkline: r.querySelector('svg.sparkline') !== null,
  })),
  size: document.getElementById('fleet-size').textContent.trim(),
  bytes: new XMLSerializer().serializeToString(document).length,
}))()"#;

const INDEX_JS: &str = "document.querySelector('form label').textContent";

const MARKER: &str = "payload-marker-7f3a";

async fn get(url: &str) -> Value {
    reqwest::get(url)
        .await
        .expect("request")
        .json()
        .await
        .expect("JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::print_stdout)]
#[ignore = "needs Chromium (apt chromium) and the interop venv's Python with websockets"]
async fn dashboard_in_headless_chromium() {
    let chromium = chromium();
    let python =
        peaqos_test_utils::interop::official_sdk_python().unwrap_or_else(|e| panic!("{e}"));
    let stack = LocalStack::start(StackConfig::ephemeral(), |_| {})
        .await
        .expect("stack");
    let cli = Cli::new();
    cli.write_env(&stack.env_file());
    let r = cli
        .run_async(&["demo", "--machines", "3", "--days", "120"])
        .await;
    r.expect(0);
    let operator = r
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("Operator: "))
        .expect("operator line")
        .to_owned();

    // Besides the demo's `public` fleet: an `onchain` and a `private` machine with the same
    // events, one carrying a payload marker and markup in its metadata.
    let funder = dev_client(&stack.devnet, 2);
    let now = chain_now(&funder).await;
    let mut extra = Vec::new();
    for mode in [DataVisibility::Onchain, DataVisibility::Private] {
        let c = funded_client(&stack.devnet, &funder, 10).await;
        let id = c.register_machine().await.expect("registered");
        c.mint_nft(id, c.address()).await.expect("minted");
        let token = c.token_id_of(id).await.expect("token");
        c.write_machine_did_attributes(
            id,
            token,
            None,
            "https://docs.example/m",
            "https://partner.example/m",
            mode,
        )
        .await
        .expect("DID");
        let mut evs: Vec<SubmitEventParams> = (0..40u64)
            .map(|d| {
                SubmitEventParams::new(
                    id,
                    EventType::Revenue,
                    U256::from(1_500 + d * 10),
                    now - (40 - d) * 86_400,
                )
                .with_currency("USD")
                .with_trust_level(TrustLevel::OnChainVerifiable)
                .with_source_tx_hash(alloy::primitives::B256::repeat_byte(0x11))
            })
            .collect();
        evs.push(
            SubmitEventParams::new(id, EventType::Activity, U256::ZERO, now - 30)
                .with_currency("")
                .with_metadata(format!("{{\"note\":\"{MARKER}\",\"x\":\"<script>alert(1)</script><img src=x onerror=alert(2)>\"}}").into_bytes()),
        );
        c.batch_submit_events(&evs).await.expect("events");
        extra.push((mode, peaqos_types::Did::new(c.address()).to_string()));
    }
    stack
        .wait_indexed(Duration::from_secs(60))
        .await
        .expect("indexed");

    let base = stack.mcr.url();
    let fleet_api = get(&format!("{base}/operator/{operator}/machines")).await;
    let fleet_machines: Vec<Value> = fleet_api["machines"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(fleet_machines.len(), 3, "{fleet_api}");
    let mut pages = vec![
        json!({"name": "index", "url": format!("{base}/ui"), "eval": INDEX_JS}),
        json!({"name": "fleet", "url": format!("{base}/ui/operator/{operator}"), "eval": FLEET_JS}),
    ];
    let mut machines: Vec<(String, String)> = fleet_machines
        .iter()
        .enumerate()
        .map(|(i, m)| {
            (
                format!("machine-public-{i}"),
                m["did"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for (mode, did) in &extra {
        machines.push((format!("machine-{mode}"), did.clone()));
    }
    for (name, did) in &machines {
        pages.push(
            json!({"name": name, "url": format!("{base}/ui/machine/{did}"), "eval": MACHINE_JS}),
        );
    }
    let out_dir = artefact_dir();
    let input = json!({
        "chromium": chromium, "out_dir": out_dir, "timeout": 60,
        "viewports": [{"name": "desktop", "width": 1280, "height": 900}, {"name": "phone", "width": 390, "height": 844}],
        "pages": pages,
    });
    let script =
        peaqos_test_utils::workspace_root().join("crates/peaqos-mcr/tests/browser/cdp_pages.py");
    let report = tokio::task::spawn_blocking(move || {
        use std::io::Write as _;
        let mut child = std::process::Command::new(python)
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python starts");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.to_string().as_bytes())
            .expect("input");
        let out = child.wait_with_output().expect("driver ran");
        assert!(
            out.status.success(),
            "driver failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Value>(&out.stdout).expect("driver JSON")
    })
    .await
    .expect("join");

    let pages = report["pages"].as_array().expect("pages");
    assert_eq!(pages.len(), 2 + machines.len());
    for p in pages {
        let name = p["name"].as_str().unwrap_or_default();
        assert_eq!(p["console_errors"], json!([]), "{name}: console errors");
        assert_eq!(p["failed_requests"], json!([]), "{name}: failed requests");
        for shot in p["screenshots"].as_array().expect("shots") {
            let path = PathBuf::from(shot.as_str().unwrap_or_default());
            assert!(
                std::fs::metadata(&path).is_ok_and(|m| m.len() > 1_000),
                "{name}: {path:?}"
            );
        }
        // The load times and where the screenshots are, in the test's output.
        println!(
            "{name}: loads {} ms, screenshots {}",
            p["load_ms"], p["screenshots"]
        );
    }
    let page = |name: &str| pages.iter().find(|p| p["name"] == name).expect(name)["result"].clone();

    // Fleet: every machine, the API's score and letter, a sparkline.
    let fleet = page("fleet");
    assert_eq!(fleet["size"], "3");
    let rows = fleet["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 3);
    for m in &fleet_machines {
        let row = rows
            .iter()
            .find(|r| r["id"].as_str() == Some(m["machine_id"].to_string().as_str()))
            .expect("row for the machine");
        assert_eq!(row["score"], m["mcr_score"].to_string());
        assert_eq!(row["rating"], m["mcr"]);
        assert_eq!(row["sparkline"], true);
    }

    // Machine pages: the numbers are /mcr's, one history marker per history point.
    for (name, did) in &machines {
        let dom = page(name);
        let mcr = get(&format!("{base}/mcr/{did}")).await;
        assert_eq!(dom["score"], mcr["mcr_score"].to_string(), "{name}");
        assert_eq!(dom["rating"], mcr["mcr"], "{name}");
        assert_eq!(dom["event_count"], mcr["event_count"].to_string(), "{name}");
        assert_eq!(dom["bond"], mcr["bond_status"], "{name}");
        let history = get(&format!(
            "{base}/mcr/{did}/history?from={}&to={}&step={}",
            dom["history_from"].as_str().unwrap_or_default(),
            dom["history_to"].as_str().unwrap_or_default(),
            dom["history_step"].as_str().unwrap_or_default()
        ))
        .await;
        let points = history["points"].as_array().map_or(0, Vec::len);
        assert_eq!(points, 366, "{name}: a year, daily");
        assert_eq!(
            dom["history_markers"],
            json!(points),
            "{name}: one marker per point"
        );
        assert_eq!(
            dom["scripts_injected"], 0,
            "{name}: no markup from chain data"
        );
        let text = dom["text"].as_str().unwrap_or_default();
        match name.as_str() {
            "machine-onchain" => {
                assert_eq!(dom["events_table"], true);
                assert!(dom["event_rows"].as_u64() > Some(0));
                assert!(text.contains(MARKER), "onchain: payloads shown");
                assert!(text.contains("<script>alert(1)</script>"), "shown as text");
                assert_eq!(dom["monthly_chart"], true);
            }
            "machine-private" => {
                assert_eq!(dom["visibility"], "private");
                assert_eq!(
                    (dom["events_table"].clone(), dom["event_rows"].clone()),
                    (json!(false), json!(0))
                );
                assert_eq!(dom["monthly_chart"], false, "private: no event aggregates");
                assert_eq!(dom["partner"], false);
                assert!(!text.contains(MARKER), "private: no event data");
            }
            _ => {
                assert_eq!(dom["visibility"], "public");
                assert_eq!(dom["events_table"], false, "public: no on-chain events");
                assert_eq!(dom["monthly_chart"], false);
                assert_eq!(
                    dom["partner"], true,
                    "public: the partner data (or its error)"
                );
            }
        }
    }
    stack.shutdown().await.expect("shutdown");
}
