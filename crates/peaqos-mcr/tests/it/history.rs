//! `GET /mcr/{did}/history` over HTTP against the scripted machines: the last point is the
//! `/mcr` answer, one point per step, a bare machine is `Provisioned` throughout, the cache
//! is shared with `/mcr`, and bad input gets the API's error shapes.

use crate::common::*;

use alloy::primitives::Address;
use peaqos_test_utils::ScratchDir;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_matches_mcr_and_bounds_its_input() {
    let devnet = devnet().await;
    let dir = ScratchDir::new("mcr-history").expect("dir");
    let s = Scenario::build(&devnet).await;
    let mcr = spawn_mcr(&devnet, &sqlite_url(&dir)).await;
    sync(&mcr, &client(&devnet, 0)).await;
    let base = mcr.url();

    for m in s.machines() {
        let did = m.did();
        let (st, explain) = get_json(&format!("{base}/mcr/{did}/explain")).await;
        assert_eq!(st, 200, "{explain}");
        let (st, h) = get_json(&format!("{base}/mcr/{did}/history")).await;
        assert_eq!(st, 200, "{h}");
        assert_eq!(
            (h["did"].as_str(), h["machine_id"].as_u64()),
            (Some(did.as_str()), Some(m.id))
        );
        let points = h["points"].as_array().expect("points");
        // 90 steps back from `to`, one point each, oldest first.
        assert_eq!(points.len(), 91, "{h}");
        assert_eq!(h["step"], 86_400);
        for pair in points.windows(2) {
            assert_eq!(
                pair[1]["at"].as_u64().unwrap_or(0) - pair[0]["at"].as_u64().unwrap_or(0),
                86_400
            );
        }
        // The last point is `/mcr` now: the same cached result, so the same `now`.
        let last = &points[90];
        assert_eq!(last["at"], explain["scored_at"], "shares the /mcr cache");
        assert_eq!(h["to"], explain["scored_at"]);
        for k in ["mcr_score", "mcr", "mcr_degraded", "event_count"] {
            assert_eq!(last[k], explain[k], "{did}: {k}");
        }
        // Cached: the same body again.
        assert_eq!(
            get_json(&format!("{base}/mcr/{did}/history")).await,
            (200, h.clone())
        );
    }

    // Before anything was known, and for a machine without events: Provisioned (bonded).
    let (_, h) = get_json(&format!("{base}/mcr/{}/history", s.bare.did())).await;
    for p in h["points"].as_array().expect("points") {
        assert_eq!(
            (p["mcr"].as_str(), p["mcr_score"].as_u64()),
            (Some("Provisioned"), Some(0))
        );
    }
    let (st, h) = get_json(&format!(
        "{base}/mcr/{}/history?from=1000000000&to=1000360000&step=3600",
        s.onchain.did()
    ))
    .await;
    assert_eq!(st, 200, "{h}");
    assert_eq!(h["points"].as_array().map(Vec::len), Some(101));
    assert!(
        h["points"]
            .as_array()
            .expect("points")
            .iter()
            .all(|p| p["mcr"] == "Provisioned" && p["event_count"] == 0)
    );

    // A year at a daily step (relative to the cached `/mcr` result's `now`), the rated
    // machine: the last point is rated.
    let (_, explain) = get_json(&format!("{base}/mcr/{}/explain", s.onchain.did())).await;
    let now = explain["scored_at"].as_u64().expect("scored_at");
    let (st, h) = get_json(&format!(
        "{base}/mcr/{}/history?from={}",
        s.onchain.did(),
        now - 365 * 86_400
    ))
    .await;
    assert_eq!(st, 200, "{h}");
    let points = h["points"].as_array().expect("points");
    assert_eq!(points.len(), 366);
    assert_eq!(points[365]["mcr"], explain["mcr"]);
    assert!(explain["mcr_score"].as_u64() >= Some(30));

    // Bad input: the API's error shapes.
    let onchain = s.onchain.did();
    let unknown = format!("did:peaq:{}", Address::repeat_byte(0x42));
    for (path, status) in [
        (format!("/mcr/{unknown}/history"), 404),
        ("/mcr/did:peaq:0x1234/history".to_owned(), 400),
        ("/mcr/%20/history".to_owned(), 400),
        (format!("/mcr/{onchain}/history?from=0"), 400),
        (format!("/mcr/{onchain}/history?step=3600&from=1"), 400),
        (format!("/mcr/{onchain}/history?step=60"), 422),
        (format!("/mcr/{onchain}/history?step=1e9"), 422),
        (format!("/mcr/{onchain}/history?to=99999999999999"), 422),
        (format!("/mcr/{onchain}/history?from=-5"), 422),
    ] {
        let (st, body) = get_json(&format!("{base}{path}")).await;
        assert_eq!(st, status, "{path}: {body}");
        assert!(
            body["detail"].is_string() || body["detail"].is_array(),
            "{path}: {body}"
        );
    }
    // The document lists it.
    let (_, doc) = get_json(&format!("{base}/openapi.json")).await;
    assert!(doc["paths"]["/mcr/{did}/history"]["get"].is_object());
    mcr.shutdown().await;
}
