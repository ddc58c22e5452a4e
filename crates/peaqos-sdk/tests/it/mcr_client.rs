//! The MCR API client against a local HTTP server that plays the documented responses.

use crate::common;

use std::time::Duration;

use axum::http::Method;
use common::{TestServer, api, closed_port_url};
use peaqos_sdk::{
    ApiCode, Error,
    client::{ClientConfig, NetworkConfig, PeaqosClient},
    mcr::{McrClient, McrErrorCode},
    signer::PrivateKey,
};
use peaqos_types::{
    EventType,
    api::{AmountStatus, BondStatus, McrRating, RevenueTrend},
    event::DataVisibility,
};
use serde_json::{Value, json};

const DID: &str = "did:peaq:0xabc1230000000000000000000000000000000001";
const OPERATOR: &str = "did:peaq:0x1111111111111111111111111111111111111111";

impl TestServer {
    /// An MCR API client of this server.
    fn mcr(&self) -> McrClient {
        McrClient::new(reqwest::Client::new(), self.base.clone())
    }
}

/// The docs' `GET /mcr/{did}` example (guides/query-mcr), for [`DID`].
fn mcr_sample() -> Value {
    serde_json::from_str(include_str!("../../../peaqos-types/fixtures/mcr.json")).expect("fixture")
}

/// The wire contract's `GET /machine/{did}` example, with the keys the SDK drops.
fn profile_sample() -> Value {
    json!({"schema_version":"1.0","name":"M","image":"https://img","peaqos":{"machine_id":1,
        "did":DID,"operator":null,"mcr":"A","mcr_score":80,"bond_status":"bonded",
        "negative_flag":false,"event_count":2,"data_visibility":"public",
        "documentation_url":null,"data_api":"https://x",
        "event_data":[{"event_type":0,"origin_value":123,"timestamp":5,"trust_level":0,
            "metadata":{},"origin_currency":"HKD","usd_value":16,"origin_subunit":100,
            "usd_subunit":100,"amount_status":"ok","value":123,"currency":"HKD"},
          {"event_type":1,"origin_value":1,"timestamp":6,"trust_level":2,"metadata":{"k":"v"}}]}})
}

fn operator_sample() -> Value {
    json!({"operator_did":OPERATOR,
        "machines":[
            {"did":"did:peaq:0x2222222222222222222222222222222222222222","machine_id":3,
             "mcr_score":72,"mcr":"BBB","negative_flag":false},
            {"did":"did:peaq:0x3333333333333333333333333333333333333333","machine_id":4,
             "mcr_score":null,"mcr":"Provisioned","negative_flag":true}],
        "pagination":{"offset":0,"limit":20,"total":2}})
}

async fn expect_bad(body: &Value, what: &str, call: Call) {
    let server = TestServer::json(200, body).await;
    let err = call.run(&server.mcr()).await.expect_err(what);
    let (code, status, message) = api(&err);
    assert_eq!(
        code,
        &ApiCode::Mcr(McrErrorCode::BadResponse),
        "{what}: {message}"
    );
    assert_eq!(status, Some(200));
    assert!(message.contains("malformed response body"), "{message}");
}

#[derive(Clone, Copy, Debug)]
enum Call {
    Mcr,
    Machine,
    Operator,
}

impl Call {
    const ALL: [Self; 3] = [Self::Mcr, Self::Machine, Self::Operator];

    async fn run(self, client: &McrClient) -> Result<(), Error> {
        match self {
            Self::Mcr => client.query_mcr(DID).await.map(drop),
            Self::Machine => client.query_machine(DID).await.map(drop),
            Self::Operator => client
                .query_operator_machines(OPERATOR, None, None)
                .await
                .map(drop),
        }
    }

    fn op(self) -> &'static str {
        match self {
            Self::Mcr => "query_mcr",
            Self::Machine => "query_machine",
            Self::Operator => "query_operator_machines",
        }
    }
}

#[tokio::test]
async fn query_mcr_parses_the_documented_example() {
    let server = TestServer::json(200, &mcr_sample()).await;
    let mcr = server.mcr().query_mcr(DID).await.expect("mcr");
    assert_eq!(mcr.did, DID);
    assert_eq!(mcr.machine_id, 1);
    assert_eq!(mcr.mcr_score, 45);
    assert_eq!(mcr.mcr, McrRating::BB);
    assert!(!mcr.mcr_degraded);
    assert_eq!(mcr.bond_status, BondStatus::Bonded);
    assert!(!mcr.negative_flag);
    assert_eq!(
        (
            mcr.event_count,
            mcr.revenue_event_count,
            mcr.activity_event_count
        ),
        (12, 7, 5)
    );
    assert_eq!(mcr.revenue_trend, RevenueTrend::Stable);
    assert_eq!(mcr.total_revenue, serde_json::Number::from(35000_u64));
    assert_eq!(mcr.average_revenue_per_event.as_f64(), Some(5000.0));
    assert_eq!(mcr.last_updated, Some(1_711_900_000));
    // Exactly the 14 keys go back out.
    let out = serde_json::to_value(&mcr).expect("serialize");
    assert_eq!(out.as_object().expect("object").len(), 14);
    assert_eq!(out, mcr_sample());

    let req = server.only_request();
    assert_eq!(req.method, Method::GET);
    assert_eq!(req.path, format!("/mcr/{DID}"), "DID goes in raw");
    assert_eq!(req.query, None);
    assert_eq!(req.accept.as_deref(), Some("application/json"));
    assert_eq!(req.body.len(), 0);
}

#[tokio::test]
async fn unknown_keys_are_ignored_and_extra_values_accepted() {
    let mut body = mcr_sample();
    body["cache_hit"] = json!(true);
    body["last_updated"] = json!(null);
    body["mcr"] = json!("Provisioned");
    body["mcr_score"] = json!(0);
    body["bond_status"] = json!("unbonded");
    body["revenue_trend"] = json!("insufficient");
    body["total_revenue"] = json!(0.5);
    body["mcr_degraded"] = json!(true);
    let server = TestServer::json(200, &body).await;
    let mcr = server.mcr().query_mcr(DID).await.expect("mcr");
    assert_eq!(mcr.last_updated, None);
    assert_eq!(mcr.mcr, McrRating::Provisioned);
    assert_eq!(
        Some(mcr.total_revenue.clone()),
        serde_json::Number::from_f64(0.5)
    );
    assert!(mcr.mcr_degraded);
    assert!(
        serde_json::to_value(&mcr)
            .expect("ser")
            .get("cache_hit")
            .is_none()
    );

    let mut body = mcr_sample();
    body.as_object_mut().expect("obj").remove("last_updated");
    let server = TestServer::json(200, &body).await;
    assert_eq!(
        server.mcr().query_mcr(DID).await.expect("mcr").last_updated,
        None
    );
}

#[tokio::test]
async fn a_null_or_missing_score_reads_as_zero() {
    for call in Call::ALL {
        let mut bodies = Vec::new();
        for absent in [false, true] {
            let mut body = match call {
                Call::Mcr => mcr_sample(),
                Call::Machine => profile_sample(),
                Call::Operator => operator_sample(),
            };
            let target = match call {
                Call::Mcr => &mut body,
                Call::Machine => &mut body["peaqos"],
                Call::Operator => &mut body["machines"][0],
            };
            if absent {
                target.as_object_mut().expect("obj").remove("mcr_score");
            } else {
                target["mcr_score"] = Value::Null;
            }
            bodies.push(body);
        }
        for body in bodies {
            let server = TestServer::json(200, &body).await;
            let client = server.mcr();
            let score = match call {
                Call::Mcr => client.query_mcr(DID).await.expect("mcr").mcr_score,
                Call::Machine => {
                    client
                        .query_machine(DID)
                        .await
                        .expect("machine")
                        .peaqos
                        .mcr_score
                }
                Call::Operator => {
                    client
                        .query_operator_machines(OPERATOR, None, None)
                        .await
                        .expect("operator")
                        .machines[0]
                        .mcr_score
                }
            };
            assert_eq!(score, 0, "{call:?} {body}");
        }
    }
}

#[tokio::test]
async fn every_missing_required_mcr_key_is_a_bad_response() {
    for key in [
        "did",
        "machine_id",
        "mcr",
        "mcr_degraded",
        "bond_status",
        "negative_flag",
        "event_count",
        "revenue_event_count",
        "activity_event_count",
        "revenue_trend",
        "total_revenue",
        "average_revenue_per_event",
    ] {
        let mut body = mcr_sample();
        body.as_object_mut().expect("obj").remove(key);
        expect_bad(&body, &format!("missing {key}"), Call::Mcr).await;
    }
}

#[tokio::test]
async fn every_ill_typed_mcr_value_is_a_bad_response() {
    for (key, value) in [
        ("did", json!("")),
        ("did", json!(1)),
        ("machine_id", json!(true)),
        ("machine_id", json!(-1)),
        ("machine_id", json!(1.0)),
        ("machine_id", json!("1")),
        ("mcr_score", json!(101)),
        ("mcr_score", json!(-1)),
        ("mcr_score", json!(45.5)),
        ("mcr_score", json!(true)),
        ("mcr_score", json!("45")),
        ("mcr", json!("CCC")),
        ("mcr", json!("aaa")),
        ("mcr", json!(null)),
        ("mcr_degraded", json!("false")),
        ("mcr_degraded", json!(0)),
        ("mcr_degraded", json!(null)),
        ("bond_status", json!("staked")),
        ("negative_flag", json!(1)),
        ("event_count", json!(-3)),
        ("event_count", json!(false)),
        ("revenue_event_count", json!(1.5)),
        ("activity_event_count", json!(null)),
        ("revenue_trend", json!("UP")),
        ("total_revenue", json!(true)),
        ("total_revenue", json!("35000")),
        ("total_revenue", json!(null)),
        ("average_revenue_per_event", json!([])),
        ("last_updated", json!(-1)),
        ("last_updated", json!("1711900000")),
        ("last_updated", json!(1.5)),
    ] {
        let mut body = mcr_sample();
        body[key] = value.clone();
        expect_bad(&body, &format!("{key} = {value}"), Call::Mcr).await;
    }
    for body in [json!([]), json!(null), json!("ok"), json!(1)] {
        expect_bad(&body, &format!("body {body}"), Call::Mcr).await;
    }
}

#[tokio::test]
async fn query_machine_parses_the_documented_example() {
    let server = TestServer::json(200, &profile_sample()).await;
    let profile = server.mcr().query_machine(DID).await.expect("machine");
    assert_eq!(profile.schema_version, "1.0");
    assert_eq!(profile.name, "M");
    let p = &profile.peaqos;
    assert_eq!(p.machine_id, 1);
    assert_eq!(p.operator, None);
    assert_eq!((p.mcr, p.mcr_score), (McrRating::A, 80));
    assert_eq!(p.visibility(), Some(DataVisibility::Public));
    assert_eq!(p.documentation_url, None);
    assert_eq!(p.data_api.as_deref(), Some("https://x"));
    let events = p.event_data.as_ref().expect("events");
    assert_eq!(events.len(), 2);
    let revenue = events[0].revenue().expect("revenue");
    assert_eq!(events[0].event_type(), EventType::Revenue);
    assert_eq!(events[0].origin_value, 123);
    assert_eq!(revenue.origin_currency, "HKD");
    assert_eq!(revenue.usd_value, Some(16));
    assert_eq!(revenue.origin_subunit, Some(100));
    assert_eq!(revenue.amount_status, AmountStatus::Ok);
    assert_eq!(events[1].event_type(), EventType::Activity);
    assert_eq!(events[1].trust_level, 2);
    assert_eq!(
        events[1].metadata.get("k"),
        Some(&serde_json::Value::String("v".into()))
    );

    // The SDK's output drops `image` and the legacy event keys, and keeps the rest.
    let out = serde_json::to_value(&profile).expect("ser");
    let mut expected = profile_sample();
    expected.as_object_mut().expect("obj").remove("image");
    for k in ["value", "currency"] {
        expected["peaqos"]["event_data"][0]
            .as_object_mut()
            .expect("obj")
            .remove(k);
    }
    assert_eq!(out, expected);

    let req = server.only_request();
    assert_eq!(req.method, Method::GET);
    assert_eq!(req.path, format!("/machine/{DID}"));
    assert_eq!(req.query, None);
}

#[tokio::test]
async fn profile_variants_parse() {
    // private, with operator and documentation URL; public with partner data error; extras of
    // the wrong type dropped.
    let mut body = profile_sample();
    let p = &mut body["peaqos"];
    p["operator"] = json!(OPERATOR);
    p["documentation_url"] = json!("https://docs");
    p["data_visibility"] = json!("something-new");
    p["event_data"] = json!("not a list");
    p["partner_data"] = json!({"speed": 3, "ok": true, "nested": {"a": [1, null]}});
    p["partner_data_error"] = json!(5);
    p["data_api"] = json!(null);
    p.as_object_mut().expect("obj").remove("operator");
    let server = TestServer::json(200, &body).await;
    let profile = server.mcr().query_machine(DID).await.expect("machine");
    let p = &profile.peaqos;
    assert_eq!(p.operator, None, "absent operator reads as null");
    assert_eq!(p.documentation_url.as_deref(), Some("https://docs"));
    assert_eq!(p.visibility(), None);
    assert_eq!(p.data_visibility, "something-new");
    assert_eq!(p.event_data, None);
    assert_eq!(p.data_api, None);
    assert_eq!(p.partner_data_error, None);
    let partner = p.partner_data.as_ref().expect("partner data");
    assert_eq!(
        serde_json::to_value(partner).expect("ser"),
        json!({"speed": 3, "ok": true, "nested": {"a": [1, null]}})
    );

    // Revenue entries with unavailable FX.
    let mut body = profile_sample();
    let e = &mut body["peaqos"]["event_data"][0];
    e["usd_value"] = json!(null);
    e["origin_subunit"] = json!(null);
    e["amount_status"] = json!("fx_unavailable");
    let server = TestServer::json(200, &body).await;
    let profile = server.mcr().query_machine(DID).await.expect("machine");
    let r = profile.peaqos.event_data.expect("events")[0]
        .revenue()
        .cloned()
        .expect("revenue");
    assert_eq!(
        (r.usd_value, r.origin_subunit, r.amount_status),
        (None, None, AmountStatus::FxUnavailable)
    );
}

#[tokio::test]
async fn every_broken_profile_is_a_bad_response() {
    for key in ["schema_version", "name", "peaqos"] {
        let mut body = profile_sample();
        body.as_object_mut().expect("obj").remove(key);
        expect_bad(&body, &format!("missing {key}"), Call::Machine).await;
    }
    for key in [
        "machine_id",
        "did",
        "mcr",
        "bond_status",
        "negative_flag",
        "event_count",
        "data_visibility",
    ] {
        let mut body = profile_sample();
        body["peaqos"].as_object_mut().expect("obj").remove(key);
        expect_bad(&body, &format!("missing peaqos.{key}"), Call::Machine).await;
    }
    for (key, value) in [
        ("schema_version", json!("")),
        ("schema_version", json!(1.0)),
        ("name", json!(null)),
        ("peaqos", json!([])),
    ] {
        let mut body = profile_sample();
        body[key] = value.clone();
        expect_bad(&body, &format!("{key} = {value}"), Call::Machine).await;
    }
    for (key, value) in [
        ("machine_id", json!(-1)),
        ("did", json!("")),
        ("operator", json!(7)),
        ("mcr", json!("Z")),
        ("mcr_score", json!(200)),
        ("bond_status", json!(true)),
        ("negative_flag", json!("no")),
        ("event_count", json!(2.5)),
        ("data_visibility", json!("")),
        ("data_visibility", json!(null)),
        ("documentation_url", json!(false)),
    ] {
        let mut body = profile_sample();
        body["peaqos"][key] = value.clone();
        expect_bad(&body, &format!("peaqos.{key} = {value}"), Call::Machine).await;
    }
    for key in [
        "event_type",
        "origin_value",
        "timestamp",
        "trust_level",
        "metadata",
        "origin_currency",
        "usd_value",
        "origin_subunit",
        "usd_subunit",
        "amount_status",
    ] {
        let mut body = profile_sample();
        body["peaqos"]["event_data"][0]
            .as_object_mut()
            .expect("obj")
            .remove(key);
        expect_bad(&body, &format!("missing event.{key}"), Call::Machine).await;
    }
    for (key, value) in [
        ("event_type", json!(2)),
        ("event_type", json!(true)),
        ("origin_value", json!("123")),
        ("origin_value", json!(1.5)),
        ("timestamp", json!(null)),
        ("trust_level", json!("2")),
        ("metadata", json!("{}")),
        ("origin_currency", json!("hkd")),
        ("origin_currency", json!("HK")),
        ("origin_currency", json!(null)),
        ("usd_value", json!(-1)),
        ("usd_value", json!(1.5)),
        ("origin_subunit", json!(0)),
        ("origin_subunit", json!("100")),
        ("usd_subunit", json!(1)),
        ("usd_subunit", json!(null)),
        ("amount_status", json!("stale")),
    ] {
        let mut body = profile_sample();
        body["peaqos"]["event_data"][0][key] = value.clone();
        expect_bad(&body, &format!("event.{key} = {value}"), Call::Machine).await;
    }
    // A bad entry anywhere fails the whole list.
    let mut body = profile_sample();
    body["peaqos"]["event_data"][1]["metadata"] = json!(null);
    expect_bad(&body, "bad second entry", Call::Machine).await;
    let mut body = profile_sample();
    body["peaqos"]["event_data"] = json!([1]);
    expect_bad(&body, "non-object entry", Call::Machine).await;
}

#[tokio::test]
async fn activity_entries_ignore_revenue_keys() {
    let mut body = profile_sample();
    body["peaqos"]["event_data"][1]["origin_currency"] = json!(5);
    body["peaqos"]["event_data"][1]["usd_subunit"] = json!("x");
    let server = TestServer::json(200, &body).await;
    let profile = server.mcr().query_machine(DID).await.expect("machine");
    let events = profile.peaqos.event_data.expect("events");
    assert!(events[1].revenue().is_none());
    let out = serde_json::to_value(&events[1]).expect("ser");
    assert_eq!(out.as_object().expect("obj").len(), 5);
}

#[tokio::test]
async fn query_operator_machines_parses_and_paginates() {
    for (offset, limit, query) in [
        (None, None, None),
        (Some(0), Some(20), Some("offset=0&limit=20")),
        (Some(40), None, Some("offset=40")),
        (None, Some(1), Some("limit=1")),
    ] {
        let server = TestServer::json(200, &operator_sample()).await;
        let page = server
            .mcr()
            .query_operator_machines(OPERATOR, offset, limit)
            .await
            .expect("operator");
        assert_eq!(page.operator_did, OPERATOR);
        assert_eq!(page.machines.len(), 2);
        assert_eq!(
            (page.machines[0].mcr, page.machines[0].mcr_score),
            (McrRating::BBB, 72)
        );
        assert_eq!(
            (page.machines[1].mcr, page.machines[1].mcr_score),
            (McrRating::Provisioned, 0)
        );
        assert!(page.machines[1].negative_flag);
        assert_eq!(
            (
                page.pagination.offset,
                page.pagination.limit,
                page.pagination.total
            ),
            (0, 20, 2)
        );
        let req = server.only_request();
        assert_eq!(req.method, Method::GET);
        assert_eq!(req.path, format!("/operator/{OPERATOR}/machines"));
        assert_eq!(req.query.as_deref(), query);
    }

    // An empty fleet.
    let server = TestServer::json(
        200,
        &json!({"operator_did":OPERATOR,"machines":[],"pagination":{"offset":0,"limit":20,"total":0}}),
    )
    .await;
    let page = server
        .mcr()
        .query_operator_machines(OPERATOR, None, None)
        .await
        .expect("empty");
    assert!(page.machines.is_empty());
}

#[tokio::test]
async fn every_broken_operator_page_is_a_bad_response() {
    for key in ["operator_did", "machines", "pagination"] {
        let mut body = operator_sample();
        body.as_object_mut().expect("obj").remove(key);
        expect_bad(&body, &format!("missing {key}"), Call::Operator).await;
    }
    for key in ["offset", "limit", "total"] {
        let mut body = operator_sample();
        body["pagination"].as_object_mut().expect("obj").remove(key);
        expect_bad(&body, &format!("missing pagination.{key}"), Call::Operator).await;
        let mut body = operator_sample();
        body["pagination"][key] = json!(-1);
        expect_bad(&body, &format!("negative pagination.{key}"), Call::Operator).await;
    }
    for key in ["did", "machine_id", "mcr", "negative_flag"] {
        let mut body = operator_sample();
        body["machines"][1]
            .as_object_mut()
            .expect("obj")
            .remove(key);
        expect_bad(&body, &format!("missing machine.{key}"), Call::Operator).await;
    }
    for (key, value) in [
        ("did", json!("")),
        ("machine_id", json!("3")),
        ("mcr_score", json!(101)),
        ("mcr", json!("nr")),
        ("negative_flag", json!(null)),
    ] {
        let mut body = operator_sample();
        body["machines"][0][key] = value.clone();
        expect_bad(&body, &format!("machine.{key} = {value}"), Call::Operator).await;
    }
    for (key, value) in [
        ("operator_did", json!("")),
        ("machines", json!({})),
        ("machines", json!(null)),
        ("pagination", json!([0, 20, 2])),
    ] {
        let mut body = operator_sample();
        body[key] = value.clone();
        expect_bad(&body, &format!("{key} = {value}"), Call::Operator).await;
    }
}

#[tokio::test]
async fn statuses_map_to_codes_with_the_detail() {
    for (status, body, code) in [
        (
            404,
            json!({"detail":"Machine not registered"}),
            McrErrorCode::NotFound,
        ),
        (
            503,
            json!({"detail":"Service not initialised"}),
            McrErrorCode::ServiceUnavailable,
        ),
        (
            503,
            json!({"detail":"Chain unavailable"}),
            McrErrorCode::ServiceUnavailable,
        ),
        (
            500,
            json!({"detail":"Internal Server Error"}),
            McrErrorCode::ServerError,
        ),
        (
            502,
            json!({"detail":"Bad Gateway"}),
            McrErrorCode::ServerError,
        ),
        (
            504,
            json!({"detail":"Gateway Timeout"}),
            McrErrorCode::ServerError,
        ),
        (
            400,
            json!({"detail":"Invalid Ethereum address format"}),
            McrErrorCode::HttpError,
        ),
        (400, json!({"detail":"Empty DID"}), McrErrorCode::HttpError),
        (
            429,
            json!({"detail":"Rate limit exceeded: 90 per 1 minute"}),
            McrErrorCode::HttpError,
        ),
        (418, json!({"detail":"teapot"}), McrErrorCode::HttpError),
    ] {
        for call in Call::ALL {
            let server = TestServer::json(status, &body).await;
            let err = call.run(&server.mcr()).await.expect_err("status error");
            let (got, got_status, message) = api(&err);
            assert_eq!(got, &ApiCode::Mcr(code), "{status} {call:?}");
            assert_eq!(got_status, Some(status));
            let detail = body["detail"].as_str().expect("detail");
            assert!(message.ends_with(&format!(" — {detail}")), "{message}");
            assert!(message.starts_with(call.op()), "{message}");
            assert!(message.contains(&server.base), "{message}");
            assert_eq!(McrErrorCode::of(&err), Some(code));
        }
    }
}

#[tokio::test]
async fn statuses_without_a_string_detail_have_no_suffix() {
    for (status, body) in [
        (
            422,
            r#"{"detail":[{"loc":["query","limit"],"msg":"too big","type":"value_error"}]}"#,
        ),
        (404, "Not Found"),
        (503, ""),
        (500, r#"{"error":"x"}"#),
    ] {
        let server = TestServer::start(status, body).await;
        let err = server.mcr().query_mcr(DID).await.expect_err("status");
        let (_, got_status, message) = api(&err);
        assert_eq!(got_status, Some(status));
        assert!(!message.contains(" — "), "{message}");
    }
    let server = TestServer::start(404, "Not Found").await;
    let err = server.mcr().query_mcr(DID).await.expect_err("404");
    assert_eq!(
        api(&err),
        (
            &ApiCode::Mcr(McrErrorCode::NotFound),
            Some(404),
            format!("query_mcr: resource not found at {}/mcr/{DID}", server.base).as_str()
        )
    );
}

#[tokio::test]
async fn non_json_success_is_a_bad_response() {
    for body in ["", "<html>ok</html>", "{\"did\":", "ok"] {
        for call in Call::ALL {
            let server = TestServer::start(200, body).await;
            let err = call.run(&server.mcr()).await.expect_err("non-JSON");
            let (code, status, message) = api(&err);
            assert_eq!(
                (code, status),
                (&ApiCode::Mcr(McrErrorCode::BadResponse), Some(200)),
                "{body:?}"
            );
            assert!(message.contains("non-JSON"), "{message}");
        }
    }
}

#[tokio::test]
async fn a_slow_server_is_a_timeout() {
    let server =
        TestServer::start_with_delay(200, mcr_sample().to_string(), Duration::from_secs(120)).await;
    let client = server.mcr().with_timeout(Duration::from_millis(250));
    assert_eq!(client.timeout(), Duration::from_millis(250));
    let started = std::time::Instant::now();
    for call in Call::ALL {
        let err = call.run(&client).await.expect_err("timeout");
        let (code, status, message) = api(&err);
        assert_eq!(
            (code, status),
            (&ApiCode::Mcr(McrErrorCode::Timeout), None),
            "{call:?}"
        );
        assert!(message.contains("timed out after 0.2s"), "{message}");
        assert!(McrErrorCode::Timeout.is_retryable());
    }
    // The server would answer after 120 s: far below that means the client's timeout fired
    // (generous, so a loaded CI machine cannot make it flaky).
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_eq!(
        McrClient::new(reqwest::Client::new(), "http://x").timeout(),
        Duration::from_secs(30)
    );
}

#[tokio::test]
async fn a_closed_port_is_a_network_error() {
    let client = McrClient::new(reqwest::Client::new(), closed_port_url());
    for call in Call::ALL {
        let err = call.run(&client).await.expect_err("refused");
        let (code, status, message) = api(&err);
        assert_eq!((code, status), (&ApiCode::NetworkError, None), "{call:?}");
        assert_eq!(McrErrorCode::of(&err), Some(McrErrorCode::NetworkError));
        assert!(message.contains("network request"), "{message}");
        assert!(std::error::Error::source(&err).is_some());
    }
}

#[tokio::test]
async fn bad_input_is_rejected_before_sending() {
    let server = TestServer::json(200, &mcr_sample()).await;
    let client = server.mcr();
    let validation = |err: Error| match err {
        Error::Validation(v) => (v.field, v.value),
        other => panic!("expected a validation error, got {other:?}"),
    };
    for bad in [
        "",
        "did:peaq:0x",
        "0xabc1230000000000000000000000000000000001",
        "did:peaq:abc1230000000000000000000000000000000001",
        "did:peaq:0Xabc1230000000000000000000000000000000001",
        "did:peaq:0xabc12300000000000000000000000000000000",
        "did:peaq:0xabc1230000000000000000000000000000000001/../x",
        "did:peaq:0xabc123000000000000000000000000000000000g",
        "did:key:0xabc1230000000000000000000000000000000001",
    ] {
        let (f, v) = validation(client.query_mcr(bad).await.expect_err(bad));
        assert_eq!((f.as_str(), v.as_deref()), ("did", Some(bad)));
        let (f, _) = validation(client.query_machine(bad).await.expect_err(bad));
        assert_eq!(f, "did");
        let (f, _) = validation(
            client
                .query_operator_machines(bad, None, None)
                .await
                .expect_err(bad),
        );
        assert_eq!(f, "did");
    }
    for limit in [0, 21, u64::MAX] {
        let (f, v) = validation(
            client
                .query_operator_machines(OPERATOR, None, Some(limit))
                .await
                .expect_err("limit"),
        );
        assert_eq!((f.as_str(), v), ("limit", Some(limit.to_string())));
    }
    for url in ["", "mcr.peaq.xyz", "ftp://mcr"] {
        let client = McrClient::new(reqwest::Client::new(), url);
        let (f, _) = validation(client.query_mcr(DID).await.expect_err(url));
        assert_eq!(f, "api_url");
    }
    assert!(server.seen().is_empty(), "nothing may be sent");
}

#[tokio::test]
async fn mixed_case_dids_are_sent_as_given() {
    let did = "did:peaq:0xAb5801a7D398351b8bE11C439e05C5B3259aeC9B";
    let server = TestServer::json(200, &mcr_sample()).await;
    server.mcr().query_mcr(did).await.expect("mcr");
    assert_eq!(server.only_request().path, format!("/mcr/{did}"));
}

#[tokio::test]
async fn trailing_slashes_in_the_base_url_are_dropped() {
    let server = TestServer::json(200, &mcr_sample()).await;
    let client = McrClient::new(reqwest::Client::new(), format!("{}//", server.base));
    client.query_mcr(DID).await.expect("mcr");
    assert_eq!(server.only_request().path, format!("/mcr/{DID}"));
}

#[tokio::test]
async fn error_codes_classify() {
    let retryable: Vec<_> = McrErrorCode::ALL
        .into_iter()
        .filter(|c| c.is_retryable())
        .collect();
    assert_eq!(
        retryable,
        [
            McrErrorCode::ServerError,
            McrErrorCode::ServiceUnavailable,
            McrErrorCode::Timeout,
            McrErrorCode::NetworkError
        ]
    );
    assert_eq!(McrErrorCode::of(&Error::validation("did", "x", "y")), None);
}

#[tokio::test]
async fn peaqos_client_methods_delegate() {
    let server = TestServer::json(200, &mcr_sample()).await;
    let config = ClientConfig::new(
        NetworkConfig::peaq_mainnet("http://127.0.0.1:9").with_api_url(server.base.clone()),
        PrivateKey::random().signer(),
    );
    let client = PeaqosClient::new(config).expect("client");
    assert_eq!(client.mcr().base_url(), server.base);
    let mcr = client.query_mcr(DID).await.expect("mcr");
    assert_eq!(mcr.mcr, McrRating::BB);
    assert_eq!(server.only_request().path, format!("/mcr/{DID}"));

    let server = TestServer::json(200, &profile_sample()).await;
    let config = ClientConfig::new(
        NetworkConfig::peaq_mainnet("http://127.0.0.1:9").with_api_url(server.base.clone()),
        PrivateKey::random().signer(),
    );
    let client = PeaqosClient::new(config).expect("client");
    client.query_machine(DID).await.expect("machine");
    let err = client
        .query_operator_machines(OPERATOR, Some(0), Some(5))
        .await
        .expect_err("profile is not an operator page");
    assert_eq!(McrErrorCode::of(&err), Some(McrErrorCode::BadResponse));
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[1].query.as_deref(), Some("offset=0&limit=5"));
}
