//! The machine page: the Machine Card, the rating with the `/explain` breakdown as a picture,
//! the rating history with the letter thresholds, revenue and activity by month in USD and
//! the recent events. Event data follows the machine's visibility exactly as the API does:
//! `onchain` shows events (as `/machine`'s `event_data` does), `public` the partner's data and
//! no on-chain event payloads, `private` neither.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::Arc;

use axum::{extract::State, response::Response};
use peaqos_mcr_model::{DaySummary, EventRecord, ScoreStatus, date::civil_from_days, summarize};
use peaqos_types::{
    api::{EventKind, MachineProfileResponse},
    constants::DID_ATTR_DATA_API,
    event::DataVisibility,
};

use super::{
    charts::{self, Bar, Month},
    html::*,
    live_stamp, respond,
};
use crate::api::{
    ApiError, AppState, PathParam, Shared, did_of, parse_did,
    profile::{attr, event_entry, profile},
};
use crate::scoring::{Computed, Rates};

/// Recent events shown (newest first).
pub const RECENT_EVENTS: u32 = 20;
/// Months in the revenue and activity chart (the latest ones).
pub const MONTHS_SHOWN: usize = 12;
/// Days of the rating history chart (one point a day).
pub const HISTORY_DAYS: u64 = 365;
/// Characters of metadata or partner data shown before it is cut.
pub const MAX_SHOWN_JSON_CHARS: usize = 2_000;

/// `GET /ui/machine/{did}`.
pub(crate) async fn get_machine_page(
    State(s): State<AppState>,
    PathParam(did): PathParam,
) -> Response {
    respond(machine_page(&s, &did).await)
}

fn cut(s: &str) -> String {
    match s.char_indices().nth(MAX_SHOWN_JSON_CHARS) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

async fn machine_page(s: &Shared, did: &str) -> Result<String, ApiError> {
    let wallet = parse_did(did)?;
    s.ensure_ready()?;
    let stamp = live_stamp(s);
    let c = s
        .score_wallet(wallet)
        .await?
        .ok_or_else(ApiError::not_registered)?;
    let token = s.store.token_of_machine(c.machine.machine_id).await?;
    // The API's own profile: what it shows for this visibility is what the page may show.
    let p = profile(s, &c, token).await?;
    let attrs = s.store.did_attributes(c.machine.wallet).await?;
    let data_api = attr(&attrs, DID_ATTR_DATA_API).filter(|v| !v.is_empty());
    let visibility: DataVisibility = p
        .peaqos
        .data_visibility
        .parse()
        .unwrap_or(DataVisibility::Private);

    let mut body = String::new();
    let machine_did = did_of(c.machine.wallet);
    let _ = write!(
        body,
        "<h1>{name}</h1><p class=\"did\"><code>{did}</code></p>",
        name = esc(&p.name),
        did = esc(&machine_did)
    );
    rating_section(&mut body, &c);
    card_section(&mut body, &c, &p, token, data_api.as_deref());
    breakdown_section(&mut body, &c);
    history_section(s, &mut body, &c).await?;
    match visibility {
        DataVisibility::Onchain => {
            monthly_section(s, &mut body, &c).await?;
            recent_section(s, &mut body, &c).await?;
        }
        DataVisibility::Public => partner_section(&mut body, &p),
        DataVisibility::Private => body.push_str(
            "<section aria-labelledby=\"data-h\" class=\"visibility-note\"><h2 id=\"data-h\">Events</h2>\
<p>This machine's data visibility is <strong>private</strong>: its events are not shown, only its rating.</p></section>",
        ),
    }
    Ok(page(
        &format!("{} · {}", p.name, machine_did),
        &body,
        Some(&stamp),
    ))
}

fn rating_section(body: &mut String, c: &Computed) {
    let sc = &c.score;
    let _ = write!(
        body,
        "<section aria-labelledby=\"rating-h\" class=\"rating-box\"><h2 id=\"rating-h\">Rating</h2>\
<p class=\"big\"><span id=\"mcr-rating\" class=\"rating r-{r}\">{r}</span> <span class=\"score-label\">score</span> <span id=\"mcr-score\">{score}</span>/100</p>\
<dl class=\"facts\">\
<dt>Bond</dt><dd id=\"bond-status\">{bond}</dd>\
<dt>Negative flag</dt><dd id=\"negative-flag\">{flag}</dd>\
<dt>FX degraded</dt><dd id=\"mcr-degraded\">{degraded}</dd>\
<dt>Revenue trend</dt><dd id=\"revenue-trend\">{trend}</dd>\
<dt>Events</dt><dd id=\"event-count\">{events}</dd>\
<dt>Revenue events</dt><dd id=\"revenue-event-count\">{rev}</dd>\
<dt>Activity events</dt><dd id=\"activity-event-count\">{act}</dd>\
<dt>Total revenue</dt><dd id=\"total-revenue\" data-usd-cents=\"{total_cents}\">{total}</dd>\
<dt>Last event</dt><dd id=\"last-updated\" data-ts=\"{last_ts}\">{last}</dd>\
<dt>Scored at</dt><dd>{now}</dd></dl></section>",
        r = esc(sc.rating.as_str()),
        score = sc.score,
        bond = esc(c.bond_status().as_str()),
        flag = if c.negative_flag { "yes" } else { "no" },
        degraded = if sc.mcr_degraded { "yes" } else { "no" },
        trend = esc(sc.revenue_trend.as_str()),
        events = sc.event_count,
        rev = sc.revenue_event_count,
        act = sc.activity_event_count,
        total_cents = sc.total_revenue_usd_cents,
        total = usd(sc.total_revenue_usd_cents),
        last_ts = c.last_updated.map_or_else(String::new, |t| t.to_string()),
        last = c
            .last_updated
            .map_or_else(|| "none yet".to_owned(), datetime),
        now = datetime(c.now),
    );
}

fn card_section(
    body: &mut String,
    c: &Computed,
    p: &MachineProfileResponse,
    token: Option<u64>,
    data_api: Option<&str>,
) {
    let link_or_text = |url: &str| {
        if url.starts_with("https://") || url.starts_with("http://") {
            format!(
                "<a href=\"{0}\" rel=\"noopener noreferrer nofollow\">{0}</a>",
                esc(url)
            )
        } else {
            format!("<code>{}</code>", esc(url))
        }
    };
    let operator = c.machine.operator.map(did_of).map_or_else(
        || "none".to_owned(),
        |o| {
            format!(
                "<a href=\"/ui/operator/{}\"><code>{}</code></a>",
                url_part(&o),
                esc(&o)
            )
        },
    );
    let _ = write!(
        body,
        "<section aria-labelledby=\"card-h\"><h2 id=\"card-h\">Machine Card</h2><dl class=\"card\">\
<dt>Machine id</dt><dd id=\"machine-id\">{id} (<a href=\"/machines/{id}\">card JSON</a>)</dd>\
<dt>DID</dt><dd><code>{did}</code></dd>\
<dt>Operator</dt><dd>{operator}</dd>\
<dt>NFT</dt><dd>{nft}</dd>\
<dt>Data visibility</dt><dd id=\"data-visibility\">{vis}</dd>\
<dt>Documentation</dt><dd>{doc}</dd>\
<dt>Data API</dt><dd>{api}</dd></dl></section>",
        id = c.machine.machine_id,
        did = esc(&did_of(c.machine.wallet)),
        nft = token.map_or_else(
            || "none".to_owned(),
            |t| format!("token #{t} (<a href=\"/metadata/{t}\">metadata</a>)")
        ),
        vis = esc(&p.peaqos.data_visibility),
        doc = p
            .peaqos
            .documentation_url
            .as_deref()
            .filter(|u| !u.is_empty())
            .map_or_else(|| "none".to_owned(), link_or_text),
        api = data_api.map_or_else(|| "none".to_owned(), link_or_text),
    );
}

fn breakdown_section(body: &mut String, c: &Computed) {
    let e = &c.score.explain;
    let bars = [
        Bar {
            label: "Bond",
            value: e.bond_points,
            max: peaqos_mcr_model::params::BOND_POINTS,
        },
        Bar {
            label: "Revenue",
            value: e.revenue.points,
            max: e.revenue.max_points,
        },
        Bar {
            label: "Activity",
            value: e.activity.points,
            max: e.activity.max_points,
        },
        Bar {
            label: "Trust",
            value: e.trust.points,
            max: e.trust.max_points,
        },
    ];
    let status = match e.status {
        ScoreStatus::Unbonded => "not bonded: NR whatever the history",
        ScoreStatus::Provisioned => "bonded, graduation gates not yet cleared: Provisioned",
        ScoreStatus::Rated => "graduated: scored",
    };
    let _ = write!(
        body,
        "<section aria-labelledby=\"explain-h\"><h2 id=\"explain-h\">What the score is made of</h2><p>{status}.</p><figure>{chart}<figcaption>Points each component contributed (dark) of its maximum (light); raw sum {raw:.1}.</figcaption></figure>\
<table class=\"explain\"><caption>Breakdown (<a href=\"/mcr/{did}/explain\">JSON</a>)</caption><thead><tr><th scope=\"col\">Component</th><th scope=\"col\">Points</th><th scope=\"col\">Maximum</th></tr></thead><tbody>",
        chart = charts::breakdown(&bars, "Score breakdown by component"),
        raw = e.raw_score,
        did = url_part(&did_of(c.machine.wallet)),
    );
    for b in &bars {
        let _ = write!(
            body,
            "<tr data-component=\"{l}\"><th scope=\"row\">{l}</th><td class=\"points\">{v:.2}</td><td>{m:.0}</td></tr>",
            l = esc(b.label),
            v = b.value,
            m = b.max
        );
    }
    let g = &e.gates;
    let _ = write!(
        body,
        "</tbody></table><p class=\"gates\">Gates: qualifying revenue days {} of {}, activity events {} of {} (either), span {:.0} of {:.0} days.</p></section>",
        g.qualifying_revenue_days,
        g.required_qualifying_revenue_days,
        g.activity_events,
        g.required_activity_events,
        g.span_days,
        g.required_span_days
    );
}

async fn history_section(s: &Shared, body: &mut String, c: &Arc<Computed>) -> Result<(), ApiError> {
    let from = c.now.saturating_sub(HISTORY_DAYS * 86_400);
    let query = HashMap::from([("from".to_owned(), from.to_string())]);
    let (points, w) = s.history_of(c, &query).await?;
    let _ = write!(
        body,
        "<section aria-labelledby=\"history-h\"><h2 id=\"history-h\">Rating history</h2>\
<figure id=\"history\" data-points=\"{n}\" data-step=\"{step}\" data-from=\"{from}\" data-to=\"{to}\">{chart}\
<figcaption>Score each day over the last year from the events known that day, with the letter thresholds (<a href=\"/mcr/{did}/history?from={from}\">JSON</a>).</figcaption></figure>\
<details><summary>History as a table</summary><table class=\"history\"><thead><tr><th scope=\"col\">Day</th><th scope=\"col\">Rating</th><th scope=\"col\">Score</th><th scope=\"col\">Events</th></tr></thead><tbody>",
        n = points.len(),
        step = w.step,
        from = w.from,
        to = w.to,
        chart = charts::history(
            &points,
            "Rating history: score by day with letter thresholds"
        ),
        did = url_part(&did_of(c.machine.wallet)),
    );
    for p in points.iter().rev() {
        let _ = write!(
            body,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>",
            date(p.at),
            esc(p.mcr.as_str()),
            p.mcr_score,
            p.event_count
        );
    }
    body.push_str("</tbody></table></details></section>");
    Ok(())
}

/// Revenue (USD cents, converted at each event's date by the model's FX) and activity per
/// UTC month, the latest [`MONTHS_SHOWN`] months with events: sums of the machine's per-day
/// summaries (with live FX the `days` column of its summary row, one row whatever its
/// history; with a fixed FX source summarized from its events).
async fn monthly_section(s: &Shared, body: &mut String, c: &Computed) -> Result<(), ApiError> {
    let id = c.machine.machine_id;
    let days: Vec<DaySummary> = match s.rates() {
        Rates::Stored => s
            .store
            .machine_days(id)
            .await?
            .into_values()
            .map(|(d, _)| d)
            .collect(),
        Rates::Fixed(fx) => {
            let events: Vec<EventRecord> = s
                .store
                .score_events(id)
                .await?
                .into_iter()
                .map(EventRecord::from)
                .collect();
            summarize(&events, fx)
        }
    };
    let mut months: BTreeMap<(i64, u32), (f64, u64)> = BTreeMap::new();
    for d in &days {
        let (y, m, _) = civil_from_days(d.day);
        let slot = months.entry((y, m)).or_default();
        #[allow(clippy::cast_precision_loss)]
        let cents = d.revenue_cents as f64;
        slot.0 += cents;
        slot.1 += d.activity_events;
    }
    let skip = months.len().saturating_sub(MONTHS_SHOWN);
    let months: Vec<Month> = months
        .into_iter()
        .skip(skip)
        .map(|((y, m), (rev, act))| Month {
            label: format!("{y:04}-{m:02}"),
            revenue_cents: rev,
            activity: act,
        })
        .collect();
    let _ = write!(
        body,
        "<section aria-labelledby=\"monthly-h\"><h2 id=\"monthly-h\">Revenue and activity by month</h2>"
    );
    if months.is_empty() {
        body.push_str("<p>No events yet.</p></section>");
        return Ok(());
    }
    let _ = write!(
        body,
        "<figure>{}<figcaption>Revenue in USD (converted at each event's date) and activity events per UTC month.</figcaption></figure>\
<table class=\"monthly\"><thead><tr><th scope=\"col\">Month</th><th scope=\"col\">Revenue (USD)</th><th scope=\"col\">Activity events</th></tr></thead><tbody>",
        charts::monthly(&months, "Revenue in USD and activity events by month")
    );
    for m in months.iter().rev() {
        let _ = write!(
            body,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td></tr>",
            esc(&m.label),
            usd(m.revenue_cents),
            m.activity
        );
    }
    body.push_str("</tbody></table></section>");
    Ok(())
}

async fn recent_section(s: &Shared, body: &mut String, c: &Computed) -> Result<(), ApiError> {
    let stats = s.store.event_stats(c.machine.machine_id).await?;
    let from = stats.count.saturating_sub(u64::from(RECENT_EVENTS));
    let events = s
        .store
        .events_page(c.machine.machine_id, from, RECENT_EVENTS)
        .await?;
    body.push_str(
        "<section aria-labelledby=\"events-h\"><h2 id=\"events-h\">Recent events</h2><div class=\"table-wrap\"><table id=\"events\" class=\"events\"><thead><tr>\
<th scope=\"col\">#</th><th scope=\"col\">Time</th><th scope=\"col\">Type</th><th scope=\"col\">Value</th><th scope=\"col\">USD</th><th scope=\"col\">Trust</th><th scope=\"col\">Metadata</th></tr></thead><tbody>",
    );
    for e in events.iter().rev() {
        let entry = event_entry(s, e);
        let (kind, value, usd_text) = match &entry.kind {
            EventKind::Revenue(r) => (
                "revenue",
                format!("{} {}", entry.origin_value, esc(&r.origin_currency)),
                r.usd_value.map_or_else(
                    || esc(r.amount_status.as_str()),
                    #[allow(clippy::cast_precision_loss)]
                    |v| usd(v as f64),
                ),
            ),
            EventKind::Activity => ("activity", entry.origin_value.to_string(), "—".to_owned()),
        };
        let meta = serde_json::Value::Object(entry.metadata.clone()).to_string();
        let _ = write!(
            body,
            "<tr class=\"event\"><td>{idx}</td><td>{time}</td><td>{kind}</td><td>{value}</td><td>{usd_text}</td><td>{trust}</td><td><code class=\"meta\">{meta}</code></td></tr>",
            idx = e.event_index,
            time = datetime(entry.timestamp),
            trust = entry.trust_level,
            meta = esc(&cut(&meta)),
        );
    }
    if events.is_empty() {
        body.push_str("<tr><td colspan=\"7\">No events yet.</td></tr>");
    }
    body.push_str("</tbody></table></div></section>");
    Ok(())
}

fn partner_section(body: &mut String, p: &MachineProfileResponse) {
    body.push_str(
        "<section aria-labelledby=\"partner-h\" class=\"visibility-note\"><h2 id=\"partner-h\">Partner data</h2>\
<p>This machine's data visibility is <strong>public</strong>: its data comes from the partner's data API, not from on-chain event payloads.</p>",
    );
    match (&p.peaqos.partner_data, &p.peaqos.partner_data_error) {
        (Some(obj), _) => {
            let text = serde_json::to_string_pretty(obj).unwrap_or_default();
            let _ = write!(body, "<pre id=\"partner-data\">{}</pre>", esc(&cut(&text)));
        }
        (None, Some(err)) => {
            let _ = write!(body, "<p id=\"partner-data-error\">{}</p>", esc(err));
        }
        (None, None) => {}
    }
    body.push_str("</section>");
}
