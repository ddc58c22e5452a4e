//! The dashboard over HTTP against the scripted machines: every page answers HTML under the
//! CSP, shows the API's numbers, draws one history marker per point, honours each visibility
//! mode (no event data for `private`, no on-chain payloads for `public`), escapes chain data,
//! and is absent when turned off.

use crate::common::*;

use alloy::primitives::{Address, U256};
use peaqos_sdk::validation::SubmitEventParams;
use peaqos_test_utils::ScratchDir;
use peaqos_types::{EventType, event::DataVisibility};

/// Status, `Content-Security-Policy`, body.
async fn page(url: &str) -> (u16, String, String) {
    let res = reqwest::get(url).await.expect("request");
    let status = res.status().as_u16();
    let csp = res
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, csp, res.text().await.expect("body"))
}

/// The text of the element with `id="<id>"` (up to its first `<`).
fn by_id<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let rest = &html[start..];
    let open = rest.find('>').map_or(0, |i| i + 1);
    let rest = &rest[open..];
    &rest[..rest.find('<').unwrap_or(rest.len())]
}

const XSS: &str = "<script>alert('x')</script>\"><img src=x onerror=alert(1)>";
const MARKER: &str = "visible-only-onchain";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_show_the_api_and_honour_visibility() {
    let devnet = devnet().await;
    let dir = ScratchDir::new("mcr-ui").expect("dir");
    let s = Scenario::build(&devnet).await;
    let owner = client(&devnet, 0);
    let now = chain_now(&owner).await;
    // Three machines with the same events (one carrying markup in its metadata), one per
    // visibility mode.
    let mut by_mode = Vec::new();
    for mode in [
        DataVisibility::Onchain,
        DataVisibility::Public,
        DataVisibility::Private,
    ] {
        let c = fresh_client(&devnet, &owner).await;
        let m = activate(&c, mode, &format!("{}/ok", s.partner.base), None).await;
        let id = U256::from(m.id);
        let mut evs = events(id, 12, now, 40, 3);
        evs.push(
            SubmitEventParams::new(id, EventType::Activity, U256::ZERO, now - 60)
                .with_currency("")
                .with_metadata(format!("{{\"note\":\"{MARKER}\",\"x\":{XSS:?}}}").into_bytes()),
        );
        submit(&c, &evs, 20).await;
        by_mode.push((mode, m));
    }
    let mcr = spawn_mcr(&devnet, &sqlite_url(&dir)).await;
    sync(&mcr, &owner).await;
    let base = mcr.url();

    let (st, csp, index) = page(&format!("{base}/ui")).await;
    assert_eq!(st, 200);
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(index.contains("<form") && index.contains("/ui/assets/ui.js"));
    for asset in ["/ui/assets/ui.css", "/ui/assets/ui.js"] {
        let (st, _, body) = page(&format!("{base}{asset}")).await;
        assert_eq!(st, 200, "{asset}");
        assert!(!body.is_empty());
    }
    let live = json_of(&format!("{base}/ui/live")).await;
    assert!(live["stamp"].is_string());

    // The fleet page lists the operator listing's machines with the API's numbers.
    let api = json_of(&format!("{base}/operator/{}/machines", s.proxy.did())).await;
    let (st, csp, fleet) = page(&format!("{base}/ui/operator/{}", s.proxy.did())).await;
    assert_eq!(st, 200, "{fleet}");
    assert!(!csp.is_empty());
    assert_eq!(
        fleet.matches("<tr data-machine-id=").count() as u64,
        api["pagination"]["total"].as_u64().unwrap_or(0) - 1,
        "every registered machine (the unregistered id is skipped, as in the API)"
    );
    for m in api["machines"].as_array().expect("machines") {
        let row_at = fleet
            .find(&format!("data-machine-id=\"{}\"", m["machine_id"]))
            .expect("row");
        let row = &fleet[row_at..];
        let row = &row[..row.find("</tr>").unwrap_or(row.len())];
        assert!(
            row.contains(&format!("<td class=\"score\">{}</td>", m["mcr_score"])),
            "{row}"
        );
        assert!(
            row.contains(&format!(">{}</td>", m["mcr"].as_str().unwrap_or("?"))),
            "{row}"
        );
        assert!(row.contains("class=\"sparkline\""), "a sparkline: {row}");
    }
    // Filtering by a rating nobody has leaves no rows; sorting works; a bad filter is a 400.
    let (st, _, none) = page(&format!(
        "{base}/ui/operator/{}?rating=AAA&sort=score",
        s.proxy.did()
    ))
    .await;
    assert_eq!(st, 200);
    assert_eq!(none.matches("<tr data-machine-id=").count(), 0);
    assert_eq!(
        page(&format!("{base}/ui/operator/{}?rating=ZZ", s.proxy.did()))
            .await
            .0,
        400
    );

    // The rated machine: the page's numbers are /explain's, one history marker per point.
    let onchain = s.onchain.did();
    let explain = json_of(&format!("{base}/mcr/{onchain}/explain")).await;
    let (st, _, html) = page(&format!("{base}/ui/machine/{onchain}")).await;
    assert_eq!(st, 200);
    assert_eq!(by_id(&html, "mcr-score"), explain["mcr_score"].to_string());
    assert_eq!(
        by_id(&html, "mcr-rating"),
        explain["mcr"].as_str().unwrap_or("?")
    );
    assert_eq!(
        by_id(&html, "event-count"),
        explain["event_count"].to_string()
    );
    let history = json_of(&format!(
        "{base}/mcr/{onchain}/history?from={}",
        explain["scored_at"].as_u64().unwrap_or(0) - 365 * 86_400
    ))
    .await;
    let n = history["points"].as_array().map_or(0, Vec::len);
    assert_eq!(n, 366);
    let figure = &html[html.find("id=\"history\"").expect("history figure")..];
    let figure = &figure[..figure.find("</figure>").unwrap_or(figure.len())];
    assert_eq!(figure.matches("<circle").count(), n, "one marker per point");
    assert!(html.contains("class=\"breakdown-chart\"") && html.contains("class=\"monthly-chart\""));

    // Visibility, on the three twins.
    for (mode, m) in &by_mode {
        let (st, _, html) = page(&format!("{base}/ui/machine/{}", m.did())).await;
        assert_eq!(st, 200, "{mode}");
        assert!(!html.contains("<script>alert"), "{mode}: markup escaped");
        assert!(!html.contains("<img src=x"), "{mode}: markup escaped");
        match mode {
            DataVisibility::Onchain => {
                assert!(html.contains("id=\"events\""), "onchain: events shown");
                assert!(html.contains(MARKER), "onchain: payloads shown");
                assert!(html.contains("&lt;script&gt;"), "escaped, not dropped");
            }
            DataVisibility::Public => {
                assert!(!html.contains("id=\"events\""), "public: no event table");
                assert!(!html.contains(MARKER), "public: no on-chain payloads");
                assert!(
                    !html.contains("monthly-chart"),
                    "public: no event aggregates"
                );
                assert!(
                    html.contains("id=\"partner-data\""),
                    "public: the partner's data"
                );
                assert!(html.contains("uptime_h"));
            }
            DataVisibility::Private => {
                assert!(!html.contains("id=\"events\""), "private: no event table");
                assert!(!html.contains(MARKER), "private: no event data");
                assert!(
                    !html.contains("monthly-chart"),
                    "private: no event aggregates"
                );
                assert!(!html.contains("partner-data"), "private: no partner data");
            }
        }
    }

    // Errors are pages with the API's statuses and messages, escaped.
    let unknown = format!("did:peaq:{}", Address::repeat_byte(0x42));
    let (st, csp, html) = page(&format!("{base}/ui/machine/{unknown}")).await;
    assert_eq!(st, 404);
    assert!(html.contains("Machine not registered") && !csp.is_empty());
    let (st, _, html) = page(&format!("{base}/ui/machine/%3Cscript%3E")).await;
    assert_eq!(st, 400);
    assert!(html.contains("Invalid Ethereum address format") && !html.contains("<script>"));
    let (st, _, _) = page(&format!("{base}/ui/nothing/here")).await;
    assert_eq!(st, 404);
    // /ui/find goes to the fleet for an operator, else to the machine.
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .get(format!("{base}/ui/find?did={}", s.proxy.did()))
        .send()
        .await
        .expect("find");
    assert_eq!(res.status().as_u16(), 303);
    assert!(
        res.headers()["location"]
            .to_str()
            .unwrap_or_default()
            .starts_with("/ui/operator/")
    );
    mcr.shutdown().await;

    // Turned off: no /ui at all.
    let off = spawn_mcr_with(&devnet, &sqlite_url(&dir), |c| c.ui = false).await;
    sync(&off, &owner).await;
    let (st, _, body) = page(&format!("{}/ui", off.url())).await;
    assert_eq!(st, 404);
    assert!(body.contains("\"detail\""), "the API's JSON 404: {body}");
    off.shutdown().await;
}
