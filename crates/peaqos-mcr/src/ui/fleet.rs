//! The fleet page: every machine of an operator (the listing `/operator/{did}/machines`
//! pages through), scored like `/mcr`, with a 30-day sparkline; sorted and filtered by rating;
//! machines that need attention first by default and marked in words, not colour alone.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use axum::{
    extract::{Query, State},
    response::Response,
};
use peaqos_mcr_model::{McrRating, RevenueTrend, params::FRESHNESS_GRACE_DAYS};

use super::{charts, html::*, live_stamp, respond};
use crate::api::{
    ApiError, AppState, PathParam, Shared, did_of,
    history::{HistoryPoint, Window},
    parse_did,
};
use crate::scoring::Computed;

/// Machines per fleet page.
pub const FLEET_PAGE_SIZE: usize = 50;
/// The most machines one fleet page reads and scores (sorting and filtering need all of
/// them).
pub const FLEET_MAX_MACHINES: usize = 10_000;
/// Days of the sparkline (one point a day).
pub const SPARKLINE_DAYS: u64 = 30;
/// A machine whose last event is older than this many days is stale (the model's freshness
/// grace period).
#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
pub const STALE_AFTER_SECS: u64 = FRESHNESS_GRACE_DAYS as u64 * 86_400;

/// One machine's row.
struct Row {
    c: Arc<Computed>,
    attention: Vec<&'static str>,
}

/// Why a machine needs attention (empty: it does not).
fn attention(c: &Computed, spark: &[HistoryPoint]) -> Vec<&'static str> {
    let mut why = Vec::new();
    if c.negative_flag {
        why.push("flagged");
    }
    let falling = match (spark.first(), spark.last()) {
        (Some(a), Some(b)) => b.mcr_score < a.mcr_score,
        _ => false,
    };
    if falling || c.score.revenue_trend == RevenueTrend::Down {
        why.push("falling");
    }
    match c.last_updated {
        Some(t) if c.now.saturating_sub(t) <= STALE_AFTER_SECS => {}
        _ if c.machine.bonded => why.push("stale"),
        _ => {}
    }
    if c.score.mcr_degraded {
        why.push("degraded FX");
    }
    why
}

/// Rating order: rated letters high to low, then `NR`, then `Provisioned`.
fn rating_rank(r: McrRating) -> u8 {
    match r {
        McrRating::AAA => 0,
        McrRating::AA => 1,
        McrRating::A => 2,
        McrRating::BBB => 3,
        McrRating::BB => 4,
        McrRating::B => 5,
        McrRating::NR => 6,
        McrRating::Provisioned => 7,
    }
}

/// The 30-day sparkline's points of `c` (the history endpoint's computation and cache).
async fn sparkline_points(s: &Shared, c: &Arc<Computed>) -> Result<Vec<HistoryPoint>, ApiError> {
    let from = c.now.saturating_sub(SPARKLINE_DAYS * 86_400);
    let query = HashMap::from([("from".to_owned(), from.to_string())]);
    let (points, _): (Arc<Vec<HistoryPoint>>, Window) = s.history_of(c, &query).await?;
    Ok(points.to_vec())
}

const SORTS: [(&str, &str); 5] = [
    ("attention", "Needs attention first"),
    ("rating", "Rating"),
    ("score", "Score"),
    ("last_event", "Last event"),
    ("machine", "Machine id"),
];

/// `GET /ui/operator/{did}?sort=&rating=&page=`.
pub(crate) async fn get_fleet(
    State(s): State<AppState>,
    PathParam(did): PathParam,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    respond(fleet_page(&s, &did, &q).await)
}

async fn fleet_page(
    s: &Shared,
    did: &str,
    q: &HashMap<String, String>,
) -> Result<String, ApiError> {
    let operator = parse_did(did)?;
    s.ensure_ready()?;
    let sort = q
        .get("sort")
        .map(String::as_str)
        .filter(|v| SORTS.iter().any(|(k, _)| k == v))
        .unwrap_or("attention");
    let filter: Option<McrRating> = match q.get("rating").map(|v| v.trim()) {
        None | Some("" | "all") => None,
        Some(v) => Some(
            v.parse()
                .map_err(|_| ApiError::bad_request("Unknown rating filter"))?,
        ),
    };
    let page: usize = q
        .get("page")
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(1)
        .max(1);
    let stamp = live_stamp(s);
    let mut ids = s.operator_machine_ids(operator).await?;
    ids.truncate(FLEET_MAX_MACHINES);
    let fleet_size = ids.len();
    let mut scored = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(c) = s.score_machine_cached(id).await? {
            scored.push(c);
        }
    }
    let mut counts: HashMap<McrRating, usize> = HashMap::new();
    for c in &scored {
        *counts.entry(c.rating()).or_default() += 1;
    }
    // Attention needs the sparkline's trend: computed for the machines shown, and (cheaply,
    // from the cache) for all when sorting by it.
    let mut rows = Vec::new();
    for c in scored {
        if filter.is_some_and(|f| f != c.rating()) {
            continue;
        }
        rows.push(Row {
            attention: Vec::new(),
            c,
        });
    }
    if sort == "attention" {
        for r in &mut rows {
            let spark = sparkline_points(s, &r.c).await?;
            r.attention = attention(&r.c, &spark);
        }
    }
    match sort {
        "attention" => rows.sort_by_key(|r| {
            (
                r.attention.is_empty(),
                std::cmp::Reverse(r.attention.len()),
                r.c.machine.machine_id,
            )
        }),
        "rating" => rows.sort_by_key(|r| {
            (
                rating_rank(r.c.rating()),
                std::cmp::Reverse(r.c.score.score),
                r.c.machine.machine_id,
            )
        }),
        "score" => {
            rows.sort_by_key(|r| (std::cmp::Reverse(r.c.score.score), r.c.machine.machine_id))
        }
        "last_event" => {
            rows.sort_by_key(|r| (std::cmp::Reverse(r.c.last_updated), r.c.machine.machine_id))
        }
        _ => rows.sort_by_key(|r| r.c.machine.machine_id),
    }
    let total = rows.len();
    let pages = total.div_ceil(FLEET_PAGE_SIZE).max(1);
    let page = page.min(pages);
    let start = (page - 1) * FLEET_PAGE_SIZE;
    let shown: Vec<&mut Row> = rows.iter_mut().skip(start).take(FLEET_PAGE_SIZE).collect();

    let operator_did = did_of(operator);
    let base = format!("/ui/operator/{}", url_part(&operator_did));
    let link = |sort: &str, rating: Option<McrRating>, page: usize| {
        let mut l = format!("{base}?sort={}", url_part(sort));
        if let Some(r) = rating {
            let _ = write!(l, "&rating={}", url_part(r.as_str()));
        }
        if page > 1 {
            let _ = write!(l, "&page={page}");
        }
        esc(&l)
    };

    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>Fleet</h1><p class=\"did\">Operator <code>{}</code> · <span id=\"fleet-size\">{fleet_size}</span> machines</p>",
        esc(&operator_did)
    );
    // Rating summary, each a filter link.
    body.push_str("<nav aria-label=\"Filter by rating\" class=\"ratings\"><ul>");
    let _ = write!(
        body,
        "<li><a href=\"{}\"{}>All</a></li>",
        link(sort, None, 1),
        if filter.is_none() {
            " aria-current=\"true\""
        } else {
            ""
        }
    );
    for r in [
        McrRating::AAA,
        McrRating::AA,
        McrRating::A,
        McrRating::BBB,
        McrRating::BB,
        McrRating::B,
        McrRating::NR,
        McrRating::Provisioned,
    ] {
        let n = counts.get(&r).copied().unwrap_or(0);
        let _ = write!(
            body,
            "<li><a href=\"{}\"{}>{} <span class=\"count\">{n}</span></a></li>",
            link(sort, Some(r), 1),
            if filter == Some(r) {
                " aria-current=\"true\""
            } else {
                ""
            },
            esc(r.as_str())
        );
    }
    body.push_str("</ul></nav>");
    // The same choices as a form (works without JavaScript).
    let _ = write!(
        body,
        "<form method=\"get\" action=\"{}\" class=\"controls\"><label for=\"sort\">Sort</label><select id=\"sort\" name=\"sort\">",
        esc(&base)
    );
    for (k, label) in SORTS {
        let _ = write!(
            body,
            "<option value=\"{k}\"{}>{label}</option>",
            if k == sort { " selected" } else { "" }
        );
    }
    body.push_str("</select><label for=\"rating\">Rating</label><select id=\"rating\" name=\"rating\"><option value=\"all\">All</option>");
    for (_, r) in peaqos_types::api::RATING_THRESHOLDS {
        let _ = write!(
            body,
            "<option{}>{}</option>",
            if filter == Some(r) { " selected" } else { "" },
            esc(r.as_str())
        );
    }
    for r in [McrRating::NR, McrRating::Provisioned] {
        let _ = write!(
            body,
            "<option{}>{}</option>",
            if filter == Some(r) { " selected" } else { "" },
            esc(r.as_str())
        );
    }
    body.push_str("</select><button type=\"submit\">Apply</button></form>");

    body.push_str("<div class=\"table-wrap\"><table class=\"fleet\"><caption>Machines, page ");
    let _ = write!(
        body,
        "{page} of {pages} ({total} shown by the filter)</caption>"
    );
    body.push_str("<thead><tr><th scope=\"col\">Machine</th><th scope=\"col\">Rating</th><th scope=\"col\">Score</th><th scope=\"col\">Trend (30 days)</th><th scope=\"col\">Bond</th><th scope=\"col\">Negative flag</th><th scope=\"col\">Last event</th><th scope=\"col\">Score, 30 days</th><th scope=\"col\">Attention</th></tr></thead><tbody>");
    for r in shown {
        let c = &r.c;
        let spark = sparkline_points(s, c).await?;
        if sort != "attention" {
            r.attention = attention(c, &spark);
        }
        let m_did = did_of(c.machine.wallet);
        let delta = match (spark.first(), spark.last()) {
            (Some(a), Some(b)) => i16::from(b.mcr_score) - i16::from(a.mcr_score),
            _ => 0,
        };
        let trend = match delta {
            d if d > 0 => format!("<span class=\"up\">▲ +{d}</span>"),
            d if d < 0 => format!("<span class=\"down\">▼ {d}</span>"),
            _ => "<span class=\"flat\">= 0</span>".to_owned(),
        };
        let attention_cell = if r.attention.is_empty() {
            "<td class=\"ok\">—</td>".to_owned()
        } else {
            format!(
                "<td class=\"why\"><strong>{}</strong></td>",
                esc(&r.attention.join(", "))
            )
        };
        let _ = write!(
            body,
            "<tr data-machine-id=\"{id}\" data-did=\"{did_attr}\"{cls}>\
<th scope=\"row\"><a href=\"/ui/machine/{did_url}\">#{id}</a><br><code class=\"short\">{did_text}</code></th>\
<td class=\"rating r-{rating_cls}\">{rating}</td><td class=\"score\">{score}</td>\
<td class=\"trend\">{trend}<br><small>revenue {rev_trend}</small></td><td class=\"bond\">{bond}</td>\
<td class=\"flag\">{flag}</td><td class=\"last-event\">{last}</td><td class=\"spark\">{spark}</td>{attention_cell}</tr>",
            id = c.machine.machine_id,
            did_attr = esc(&m_did),
            did_url = url_part(&m_did),
            did_text = esc(&m_did),
            cls = if r.attention.is_empty() {
                ""
            } else {
                " class=\"attention\""
            },
            rating_cls = esc(c.rating().as_str()),
            rating = esc(c.rating().as_str()),
            score = c.score.score,
            rev_trend = esc(c.score.revenue_trend.as_str()),
            bond = esc(c.bond_status().as_str()),
            flag = if c.negative_flag {
                "<strong>yes</strong>"
            } else {
                "no"
            },
            last = c
                .last_updated
                .map_or_else(|| "none yet".to_owned(), datetime),
            spark = charts::sparkline(
                &spark,
                &format!("Score of machine {} over 30 days", c.machine.machine_id)
            ),
        );
    }
    body.push_str("</tbody></table></div>");
    if pages > 1 {
        body.push_str("<nav aria-label=\"Pages\" class=\"pages\"><ul>");
        if page > 1 {
            let _ = write!(
                body,
                "<li><a rel=\"prev\" href=\"{}\">Previous</a></li>",
                link(sort, filter, page - 1)
            );
        }
        let _ = write!(body, "<li>Page {page} of {pages}</li>");
        if page < pages {
            let _ = write!(
                body,
                "<li><a rel=\"next\" href=\"{}\">Next</a></li>",
                link(sort, filter, page + 1)
            );
        }
        body.push_str("</ul></nav>");
    }
    Ok(super::html::page(
        &format!("Fleet of {operator_did}"),
        &body,
        Some(&stamp),
    ))
}
