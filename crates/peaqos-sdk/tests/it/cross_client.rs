//! Cross-client: this SDK and the OFFICIAL Python SDK (`peaq-os-sdk==0.1.0`) on one in-process
//! devnet.
//!
//! 1. This SDK writes state (self-managed machine: registration, Machine NFT, six DID attributes,
//!    single and batch events; proxy: registration, `registerFor`, `machines` DID list; fleet
//!    machine: DID with the proxy as operator).
//! 2. `tests/cross_client/official_client.py` reads all of it back with the official client
//!    (`read_attribute`, `token_id_of`, its web3 contract objects) and compares field by field,
//!    evaluates the shared validation cases with the official validators, and writes its own
//!    state.
//! 3. This SDK reads the official client's state (`read_attribute`, `token_id_of`,
//!    `get_events`), compares the official validation results with its own, and checks that the
//!    official client's transactions carry exactly the calldata this SDK encodes for the same
//!    input (DID batches, single events with the currency default, event batches).
//!
//! Needs a venv with the official SDK, by default `<workspace>/.venv-interop` (override the
//! interpreter with `PEAQOS_INTEROP_PYTHON`):
//!
//! ```text
//! python3 -m venv .venv-interop && .venv-interop/bin/pip install peaq-os-sdk==0.1.0
//! ```
//!
//! Without it the test fails with that hint (it never skips silently).

use crate::common;

use std::{path::Path, time::Duration};

use alloy::{
    consensus::Transaction as _,
    primitives::{Address, B256, Bytes, U256},
};
use common::{assert_stored, chain_now, client, transaction};
use peaqos_devnet::{Devnet, DevnetConfig};
use peaqos_sdk::{
    ValidationError,
    client::PeaqosClient,
    did::{encode_did_batch, machine_did_attributes, proxy_did_attributes},
    events::{compute_data_hash, encode_batch_all, encode_submit_event},
    validation::{
        SubmitEventParams, parse_event_value, parse_source_tx_hash, validate_did_attribute,
        validate_machine_did_attrs, validate_proxy_did_attrs, validate_submit_event_params,
    },
};
use peaqos_test_utils::{
    ScratchDir,
    interop::{official_sdk_python, run_python_script},
};
use peaqos_types::{DataVisibility, Did, EventType, TrustLevel};
use serde_json::{Value, json};

/// Longest the script may run.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(300);
/// The number of checks the script makes when everything runs.
const MIN_CHECKS: usize = 54;

// ------------------------------------------------------------------------------ JSON helpers

fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", alloy::hex::encode(bytes))
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is not a string in {v}"))
}

fn u256_of(v: &Value, key: &str) -> U256 {
    match &v[key] {
        Value::String(s) => s.parse().unwrap_or_else(|e| panic!("{key}: {e}")),
        Value::Number(n) => U256::from(n.as_u64().unwrap_or_else(|| panic!("{key}: {n}"))),
        other => panic!("{key} is not a number: {other}"),
    }
}

fn u64_of(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} is not a u64 in {v}"))
}

fn bytes_of(v: &Value) -> Vec<u8> {
    let s = v.as_str().unwrap_or_else(|| panic!("not hex: {v}"));
    alloy::hex::decode(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn address_of(v: &Value, key: &str) -> Address {
    str_of(v, key)
        .parse()
        .unwrap_or_else(|e| panic!("{key}: {e}"))
}

fn tx_hash_of(v: &Value, key: &str) -> B256 {
    str_of(v, key)
        .parse()
        .unwrap_or_else(|e| panic!("{key}: {e}"))
}

fn attributes_of(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .expect("attribute list")
        .iter()
        .map(|pair| {
            (
                pair[0].as_str().expect("name").to_owned(),
                pair[1].as_str().expect("value").to_owned(),
            )
        })
        .collect()
}

/// Event params as the script reports them (`currency_given`: null when the kwarg was omitted).
fn params_of(e: &Value) -> SubmitEventParams {
    SubmitEventParams {
        machine_id: u256_of(e, "machine_id"),
        event_type: u8::try_from(u64_of(e, "event_type")).expect("u8"),
        value: u256_of(e, "value"),
        currency: e["currency_given"].as_str().map(str::to_owned),
        timestamp: u64_of(e, "timestamp"),
        raw_data: (!e["raw_data"].is_null()).then(|| bytes_of(&e["raw_data"])),
        trust_level: u8::try_from(u64_of(e, "trust_level")).expect("u8"),
        source_chain_id: u64_of(e, "source_chain_id"),
        source_tx_hash: e["source_tx_hash"]
            .as_str()
            .map(|s| parse_source_tx_hash(s).expect("hash")),
        metadata: bytes_of(&e["metadata"]),
    }
}

/// A stored event as the script compares it.
fn event_json(p: &SubmitEventParams, currency: &str) -> Value {
    json!({
        "machineId": p.machine_id.to_string(),
        "eventType": p.event_type,
        "value": p.value.to_string(),
        "timestamp": p.timestamp.to_string(),
        "dataHash": hex0x(p.data_hash().as_slice()),
        "trustLevel": p.trust_level,
        "sourceChainId": p.source_chain_id.to_string(),
        "sourceTxHash": hex0x(p.source_tx_hash.unwrap_or_default().as_slice()),
        "metadata": hex0x(&p.metadata),
        "currency": currency,
    })
}

// ------------------------------------------------------------------------------ validation cases

/// The outcome of a case on this side, in the script's shape.
fn outcome(r: Result<(), ValidationError>) -> Value {
    match r {
        Ok(()) => json!({"kind": "ok"}),
        Err(e) => {
            json!({"kind": "validation", "field": e.field, "constraint": e.constraint, "message": e.message})
        }
    }
}

/// Event case: `value` and `source_tx_hash` as text, parsed as a caller's input would be.
fn event_case(name: &str, params: Value) -> (Value, Value) {
    let p = &params;
    let rust = (|| {
        let value = parse_event_value(str_of(p, "value"))?;
        let source_tx_hash = match p["source_tx_hash"].as_str() {
            Some(s) => Some(parse_source_tx_hash(s)?),
            None => None,
        };
        validate_submit_event_params(&SubmitEventParams {
            machine_id: u256_of(p, "machine_id"),
            event_type: u8::try_from(u64_of(p, "event_type")).expect("u8"),
            value,
            currency: p["currency"].as_str().map(str::to_owned),
            timestamp: u64_of(p, "timestamp"),
            raw_data: (!p["raw_data"].is_null()).then(|| bytes_of(&p["raw_data"])),
            trust_level: u8::try_from(u64_of(p, "trust_level")).expect("u8"),
            source_chain_id: u64_of(p, "source_chain_id"),
            source_tx_hash,
            metadata: bytes_of(&p["metadata"]),
        })
    })();
    let mut case = json!({"name": name, "kind": "event"});
    case["params"] = params;
    (case, outcome(rust))
}

fn validation_cases() -> Vec<(Value, Value)> {
    let base = json!({
        "machine_id": "1", "event_type": 0, "value": "500", "currency": "USD",
        "timestamp": 1_700_000_000u64, "raw_data": "0x010203", "trust_level": 0,
        "source_chain_id": 3338, "source_tx_hash": null, "metadata": "0x",
    });
    let with = |changes: Value| {
        let mut p = base.clone();
        for (k, v) in changes.as_object().expect("object") {
            p[k] = v.clone();
        }
        p
    };
    let tx = format!("0x{}", "ab".repeat(32));
    let mut cases = vec![
        event_case("valid revenue", base.clone()),
        event_case("valid, currency omitted", with(json!({"currency": null}))),
        event_case(
            "valid activity",
            with(json!({"event_type": 1, "currency": "", "value": "0"})),
        ),
        event_case(
            "valid activity, currency omitted",
            with(json!({"event_type": 1, "currency": null})),
        ),
        event_case(
            "valid trust 1",
            with(json!({"trust_level": 1, "source_tx_hash": tx, "source_chain_id": 8453})),
        ),
        event_case("valid trust 2", with(json!({"trust_level": 2}))),
        event_case("valid no raw data", with(json!({"raw_data": null}))),
        event_case(
            "valid big value",
            with(json!({"value": U256::MAX.to_string()})),
        ),
        event_case("machine_id 0", with(json!({"machine_id": "0"}))),
        event_case("event_type 2", with(json!({"event_type": 2}))),
        event_case("value -1", with(json!({"value": "-1"}))),
        event_case("value 1.5", with(json!({"value": "1.5"}))),
        event_case("value abc", with(json!({"value": "abc"}))),
        event_case("trust_level 3", with(json!({"trust_level": 3}))),
        event_case("raw_data empty", with(json!({"raw_data": "0x"}))),
        event_case(
            "source_tx_hash short",
            with(json!({"source_tx_hash": "0xabc"})),
        ),
        event_case(
            "source_tx_hash 67 chars",
            with(json!({"source_tx_hash": format!("{tx}0")})),
        ),
        event_case("timestamp 0", with(json!({"timestamp": 0}))),
        event_case("trust 1 without hash", with(json!({"trust_level": 1}))),
        event_case("activity with USD", with(json!({"event_type": 1}))),
        event_case(
            "activity with space",
            with(json!({"event_type": 1, "currency": " "})),
        ),
        event_case(
            "order: everything wrong",
            with(
                json!({"machine_id": "0", "event_type": 5, "trust_level": 9, "source_chain_id": 5, "raw_data": "0x", "timestamp": 0, "currency": "x"}),
            ),
        ),
        event_case(
            "order: chain before raw data",
            with(json!({"source_chain_id": 5, "raw_data": "0x", "timestamp": 0})),
        ),
        event_case(
            "order: trust before chain",
            with(json!({"trust_level": 4, "source_chain_id": 5})),
        ),
        event_case(
            "order: timestamp before trust-1 hash",
            with(json!({"trust_level": 1, "timestamp": 0})),
        ),
        event_case(
            "order: trust-1 hash before currency",
            with(json!({"trust_level": 1, "currency": "bad"})),
        ),
    ];
    for chain in [0u64, 1, 10, 137, 3338, 8453, 42161, 2, 9990, 33380, 84532] {
        cases.push(event_case(
            &format!("source_chain_id {chain}"),
            with(json!({"source_chain_id": chain})),
        ));
    }
    for c in [
        "",
        "US",
        "usd",
        "Usd",
        "ABCDEFGHIJ",
        "ABCDEFGHIJK",
        "US D",
        "USD\n",
        "US-D",
        "€UR",
        "123",
        "JPY",
    ] {
        cases.push(event_case(
            &format!("revenue currency {c:?}"),
            with(json!({"currency": c})),
        ));
    }

    let long = "x".repeat(2561);
    let machine = |name: &str, args: Value| {
        let a = &args;
        let rust = validate_machine_did_attrs(
            u256_of(a, "machine_id"),
            u256_of(a, "nft_token_id"),
            str_of(a, "operator_did"),
            str_of(a, "documentation_url"),
            str_of(a, "data_api"),
            str_of(a, "data_visibility"),
        );
        (
            json!({"name": name, "kind": "machine_did", "args": args}),
            outcome(rust),
        )
    };
    let m = |mid: &str, tok: &str, op: &str, doc: &str, api: &str, vis: &str| json!({"machine_id": mid, "nft_token_id": tok, "operator_did": op, "documentation_url": doc, "data_api": api, "data_visibility": vis});
    for (name, args) in [
        (
            "machine DID valid",
            m("1", "1", "", "https://d", "https://a", "public"),
        ),
        (
            "machine DID valid onchain",
            m("1", "1", "did:peaq:0xAb", "d", "a", "onchain"),
        ),
        (
            "machine DID machine_id 0",
            m("0", "1", "", "d", "a", "public"),
        ),
        ("machine DID token 0", m("1", "0", "", "d", "a", "public")),
        (
            "machine DID visibility",
            m("1", "1", "", "d", "a", "Public"),
        ),
        ("machine DID doc empty", m("1", "1", "", "", "a", "private")),
        (
            "machine DID doc non-ASCII",
            m("1", "1", "", "dö", "a", "private"),
        ),
        (
            "machine DID doc too long",
            m("1", "1", "", &long, "a", "private"),
        ),
        ("machine DID api empty", m("1", "1", "", "d", "", "private")),
        (
            "machine DID api non-ASCII",
            m("1", "1", "", "d", "ä", "private"),
        ),
        (
            "machine DID api too long",
            m("1", "1", "", "d", &long, "private"),
        ),
        (
            "machine DID operator non-ASCII",
            m("1", "1", "ö", "d", "a", "private"),
        ),
        (
            "machine DID operator too long",
            m("1", "1", &long, "d", "a", "private"),
        ),
        ("machine DID order", m("1", "1", "ö", "", "", "nope")),
    ] {
        cases.push(machine(name, args));
    }
    let proxy = |name: &str, proxy_id: u64, ids: Vec<u64>| {
        let us: Vec<U256> = ids.iter().map(|&i| U256::from(i)).collect();
        let rust = validate_proxy_did_attrs(U256::from(proxy_id), &us);
        let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
        (
            json!({"name": name, "kind": "proxy_did", "args": {"proxy_machine_id": proxy_id.to_string(), "machine_ids": ids}}),
            outcome(rust),
        )
    };
    cases.push(proxy("proxy DID valid", 10, vec![42, 43]));
    cases.push(proxy("proxy DID id 0", 0, vec![42]));
    cases.push(proxy("proxy DID empty", 10, vec![]));
    cases.push(proxy("proxy DID zero inside", 10, vec![5, 6, 0]));
    cases.push(proxy(
        "proxy DID too long",
        10,
        (100_000..100_400).collect(),
    ));
    let mut exact = vec![1_000_000u64; 284];
    exact.push(10);
    cases.push(proxy("proxy DID exactly 2560 bytes", 10, exact));
    let attribute = |name: &str, attr: &str, value: &str| {
        (
            json!({"name": name, "kind": "attribute", "args": {"name": attr, "value": value}}),
            outcome(validate_did_attribute(attr, value)),
        )
    };
    let n64 = "n".repeat(64);
    let n65 = "n".repeat(65);
    let v2560 = "v".repeat(2560);
    cases.push(attribute("attribute valid", "machineId", "42"));
    cases.push(attribute("attribute at the limits", &n64, &v2560));
    cases.push(attribute("attribute name non-ASCII", "nämé", "x"));
    cases.push(attribute("attribute name too long", &n65, "x"));
    cases.push(attribute("attribute value non-ASCII", "n", "välue"));
    cases.push(attribute("attribute value too long", "n", &long));
    cases.push(attribute("attribute both bad", &n65, &long));
    cases
}

fn compare_validation(cases: &[(Value, Value)], official: &Value) {
    let official = official.as_array().expect("validation results");
    assert_eq!(official.len(), cases.len(), "one official result per case");
    let mut mismatches = Vec::new();
    for ((case, ours), theirs) in cases.iter().zip(official) {
        let name = str_of(case, "name");
        assert_eq!(str_of(theirs, "name"), name, "results in case order");
        let same = match str_of(theirs, "kind") {
            // The official client raises TypeError (no field) for a non-integer value.
            "type" => {
                ours["kind"] == "validation"
                    && ours["constraint"] == "subunit integer"
                    && ours["message"] == theirs["message"]
            }
            "ok" => ours["kind"] == "ok",
            "validation" => {
                ours["kind"] == "validation"
                    && ours["field"] == theirs["field"]
                    && ours["constraint"] == theirs["constraint"]
                    && ours["message"] == theirs["message"]
            }
            other => panic!("{name}: unexpected official result kind {other}"),
        };
        if !same {
            mismatches.push(format!("{name}: official {theirs}, ours {ours}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "validation differs from the official client:\n{}",
        mismatches.join("\n")
    );
    let rejected = official.iter().filter(|r| r["kind"] != "ok").count();
    assert!(rejected > 50, "only {rejected} rejecting cases ran");
}

// ------------------------------------------------------------------------------ the test

async fn tx_input(c: &PeaqosClient, hash: B256) -> (Option<Address>, Bytes) {
    let tx = transaction(c, hash).await;
    (tx.to(), tx.input().clone())
}

/// Writes the machine DID of (machine id, token id) with `c` (documentation URL, data API);
/// returns the transaction and the attributes the DID must now hold.
async fn write_machine_did(
    c: &PeaqosClient,
    (id, token): (U256, U256),
    operator: Option<&str>,
    (doc, api): (&str, &str),
    visibility: DataVisibility,
) -> (B256, [(&'static str, String); 6]) {
    let tx = c
        .write_machine_did_attributes(id, token, operator, doc, api, visibility)
        .await
        .expect("machine DID");
    let attributes = machine_did_attributes(id, token, operator, doc, api, visibility);
    (tx, attributes)
}

/// Writes this SDK's state; returns what the official client must find.
async fn write_ours(devnet: &Devnet) -> Value {
    let me = client(devnet, 1);
    let proxy = client(devnet, 2);
    let fleet = client(devnet, 3);
    let contracts = *me.contracts();

    let mid = me.register_machine().await.expect("register");
    me.mint_nft(mid, me.address()).await.expect("mint");
    let token = me.token_id_of(mid).await.expect("token");
    let (doc, api) = (
        "https://docs.example.com/rust",
        "https://api.example.com/rust/v1",
    );
    let (did_tx, self_attrs) =
        write_machine_did(&me, (mid, token), None, (doc, api), DataVisibility::Public).await;

    let now = chain_now(&me).await;
    let singles = [
        SubmitEventParams::new(mid, EventType::Revenue, U256::from(12_345), now - 3_600)
            .with_raw_data(br#"{"receipt":"rs-0001"}"#.to_vec())
            .with_metadata(br#"{"kind":"charging-session"}"#.to_vec()),
        SubmitEventParams::new(mid, EventType::Activity, U256::ZERO, now - 3_000)
            .with_trust_level(TrustLevel::HardwareSigned)
            .with_source_chain_id(3338),
        SubmitEventParams::new(mid, EventType::Revenue, U256::from(100), now - 2_400)
            .with_currency("JPY")
            .with_trust_level(TrustLevel::OnChainVerifiable)
            .with_source_chain_id(8453)
            .with_source_tx_hash(B256::repeat_byte(0xa1))
            .with_raw_data(b"jp-invoice".to_vec()),
    ];
    let mut expected_events = Vec::new();
    let mut txs = vec![
        json!({"label": "machine DID", "hash": did_tx.to_string(), "to": contracts.batch_precompile.to_string()}),
    ];
    for (i, p) in singles.iter().enumerate() {
        let (tx, data_hash) = me.submit_event(p.clone()).await.expect("submit");
        assert_eq!(data_hash, p.data_hash());
        expected_events.push(event_json(p, p.resolved_currency()));
        txs.push(json!({"label": format!("event {i}"), "hash": tx.to_string(), "to": contracts.event_registry.to_string()}));
    }
    let batch = [
        SubmitEventParams::new(mid, EventType::Revenue, U256::from(1_234), now - 1_200)
            .with_currency("BHD")
            .with_raw_data(b"bh-receipt".to_vec())
            .with_source_chain_id(137),
        SubmitEventParams::new(mid, EventType::Activity, U256::from(7), now - 600)
            .with_currency("")
            .with_metadata(vec![b'm'; 300])
            .with_source_chain_id(10),
        SubmitEventParams::new(mid, EventType::Revenue, U256::MAX, now - 300)
            .with_currency("USDC")
            .with_trust_level(TrustLevel::OnChainVerifiable)
            .with_source_chain_id(42161)
            .with_source_tx_hash(B256::repeat_byte(0xcd)),
    ];
    let hashes = me.batch_submit_events(&batch).await.expect("batch");
    assert_eq!(hashes.len(), 3);
    txs.push(json!({"label": "event batch", "hash": hashes[0].to_string(), "to": contracts.batch_precompile.to_string()}));
    for p in &batch {
        expected_events.push(event_json(p, p.currency.as_deref().expect("explicit")));
    }

    let proxy_id = proxy.register_machine().await.expect("proxy registers");
    let fleet_id = proxy
        .register_for(fleet.address())
        .await
        .expect("register_for fleet");
    let fleet_2_id = proxy
        .register_for(devnet.accounts[4].address)
        .await
        .expect("register_for 2");
    proxy
        .mint_nft(fleet_id, fleet.address())
        .await
        .expect("mint to fleet");
    let fleet_token = fleet.token_id_of(fleet_id).await.expect("fleet token");
    let proxy_tx = proxy
        .write_proxy_did_attributes(proxy_id, &[fleet_id, fleet_2_id])
        .await
        .expect("proxy DID");
    txs.push(json!({"label": "proxy DID", "hash": proxy_tx.to_string(), "to": contracts.batch_precompile.to_string()}));
    let operator = Did::new(proxy.address()).to_string();
    let (_, fleet_attrs) = write_machine_did(
        &fleet,
        (fleet_id, fleet_token),
        Some(&operator),
        ("https://d/fleet", "https://a/fleet"),
        DataVisibility::Private,
    )
    .await;

    let cases: Vec<Value> = validation_cases().into_iter().map(|(c, _)| c).collect();
    json!({
        "dids": [
            {"label": "rust self", "address": me.address().to_string(), "attributes": self_attrs},
            {"label": "rust proxy", "address": proxy.address().to_string(), "attributes": proxy_did_attributes(proxy_id, &[fleet_id, fleet_2_id])},
            {"label": "rust fleet", "address": fleet.address().to_string(), "attributes": fleet_attrs},
        ],
        "missing": [
            {"label": "rust self", "address": me.address().to_string(), "name": "machines"},
            {"label": "rust proxy", "address": proxy.address().to_string(), "name": "nftTokenId"},
            {"label": "a stranger", "address": devnet.accounts[8].address.to_string(), "name": "machineId"},
        ],
        "tokens": [
            {"machine_id": mid.to_string(), "token_id": token.to_string(), "owner": me.address().to_string()},
            {"machine_id": fleet_id.to_string(), "token_id": fleet_token.to_string(), "owner": fleet.address().to_string()},
        ],
        "events": [{"machine_id": mid.to_string(), "events": expected_events}],
        "txs": txs,
        "cases": cases,
    })
}

/// Reads the official client's state with this SDK and compares it with what it reports.
async fn read_theirs(devnet: &Devnet, written: &Value) {
    let reader = client(devnet, 9);
    let contracts = *reader.contracts();
    for who in ["self", "proxy", "fleet"] {
        let w = &written[who];
        let address = address_of(w, "address");
        let attrs = attributes_of(&w["attributes"]);
        for (name, value) in &attrs {
            let got = reader
                .read_attribute(address, name)
                .await
                .expect("read")
                .unwrap_or_else(|| panic!("{who}: {name} missing"));
            assert_eq!((&got.name, &got.value), (name, value), "{who}: {name}");
            assert_eq!(got.validity, u32::MAX, "{who}: {name} validity");
            assert!(got.created > U256::ZERO, "{who}: {name} created");
        }
        // The official DID batch is byte-for-byte what this SDK encodes for the same input.
        let (to, input) = tx_input(&reader, tx_hash_of(w, "did_tx")).await;
        assert_eq!(to, Some(contracts.batch_precompile), "{who}: DID tx target");
        assert_eq!(
            input,
            encode_did_batch(contracts.did_registry, address, &attrs).expect("valid"),
            "{who}: DID batch calldata"
        );
    }
    for who in ["self", "fleet"] {
        let w = &written[who];
        assert_eq!(
            reader
                .token_id_of(u256_of(w, "machine_id"))
                .await
                .expect("token"),
            u256_of(w, "token_id"),
            "{who}: token_id_of"
        );
    }
    let proxy = &written["proxy"];
    let machines: Vec<U256> = proxy["machines"]
        .as_array()
        .expect("ids")
        .iter()
        .map(|v| v.as_str().expect("id").parse().expect("u256"))
        .collect();
    let got = reader
        .read_attribute(address_of(proxy, "address"), "machines")
        .await
        .expect("read")
        .expect("present");
    assert_eq!(
        got.value,
        format!("[{}, {}]", machines[0], machines[1]),
        "json.dumps format"
    );
    assert_eq!(
        attributes_of(&proxy["attributes"]),
        proxy_did_attributes(u256_of(proxy, "machine_id"), &machines)
            .map(|(n, v)| (n.to_owned(), v))
            .to_vec(),
        "our proxy attributes for the same input"
    );
    let fleet_operator = reader
        .read_attribute(address_of(&written["fleet"], "address"), "operator")
        .await
        .expect("read")
        .expect("present");
    assert_eq!(
        fleet_operator.value,
        format!(
            "did:peaq:{}",
            address_of(proxy, "address").to_checksum(None)
        )
    );

    // Events: stored as the official client sent them, and the same calldata as ours.
    let me = &written["self"];
    let mid = u256_of(me, "machine_id");
    let stored = reader
        .get_events(mid, U256::ZERO, U256::from(100))
        .await
        .expect("getEvents");
    let singles = me["singles"].as_array().expect("singles");
    let batch = me["batch"].as_array().expect("batch");
    assert_eq!(stored.len(), singles.len() + batch.len());
    for (i, single) in singles.iter().enumerate() {
        let e = &single["event"];
        let p = params_of(e);
        assert_stored(
            &stored[i],
            &p,
            str_of(e, "currency"),
            &format!("official single #{i}"),
        );
        assert_eq!(
            tx_hash_of(single, "data_hash"),
            p.raw_data.as_deref().map_or(B256::ZERO, compute_data_hash)
        );
        let (to, input) = tx_input(&reader, tx_hash_of(single, "tx")).await;
        assert_eq!(to, Some(contracts.event_registry));
        // With the currency omitted on both sides, the smart defaults agree.
        assert_eq!(
            input,
            encode_submit_event(&p),
            "official single #{i} calldata"
        );
    }
    let batch_params: Vec<SubmitEventParams> = batch.iter().map(params_of).collect();
    for (i, p) in batch_params.iter().enumerate() {
        let currency = p.currency.as_deref().expect("explicit in a batch");
        assert_stored(
            &stored[singles.len() + i],
            p,
            currency,
            &format!("official batch #{i}"),
        );
    }
    let (to, input) = tx_input(&reader, tx_hash_of(me, "batch_tx")).await;
    assert_eq!(to, Some(contracts.batch_precompile));
    assert_eq!(
        input,
        encode_batch_all(
            contracts.event_registry,
            batch_params.iter().map(encode_submit_event).collect()
        ),
        "official event batch calldata"
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs Python: the official peaqOS clients in .venv-interop (scripts/test.sh)"]
async fn official_python_sdk_and_this_sdk_read_each_others_state() {
    let python = official_sdk_python().unwrap_or_else(|why| panic!("{why}"));

    let devnet = Devnet::spawn(DevnetConfig::ephemeral())
        .await
        .expect("spawn the devnet");
    assert!(
        devnet.accounts.len() >= 10,
        "the test uses ten dev accounts"
    );
    let expect = write_ours(&devnet).await;

    // Removed on drop, also when an assertion fails (the devnet `.env` holds dev keys).
    let dir = ScratchDir::new("peaqos-cross-client").expect("create the temp dir");
    let env_path = dir
        .write(".env", devnet.env_file(1))
        .expect("write the devnet .env");
    let expect_path = dir
        .write(
            "expect.json",
            serde_json::to_vec_pretty(&expect).expect("json"),
        )
        .expect("write expect.json");
    let out_path = dir.path().join("out.json");

    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cross_client/official_client.py");
    let key = |i: usize| devnet.accounts[i].private_key.to_string();
    let env = [
        ("CROSS_ENV_FILE", env_path.display().to_string()),
        ("CROSS_EXPECT", expect_path.display().to_string()),
        ("CROSS_OUT", out_path.display().to_string()),
        ("CROSS_SELF_KEY", key(5)),
        ("CROSS_PROXY_KEY", key(6)),
        ("CROSS_FLEET_KEY", key(7)),
    ];
    let run = run_python_script(&python, &script, dir.path(), &env, SCRIPT_TIMEOUT)
        .await
        .unwrap_or_else(|e| panic!("run the cross-client script: {e}"));
    let out: Option<Value> = std::fs::read(&out_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());

    let passed = run
        .check_report("cross-client", MIN_CHECKS)
        .unwrap_or_else(|e| {
            panic!("the official client disagrees (limit {SCRIPT_TIMEOUT:?}): {e}")
        });

    let out = out.expect("the script wrote its JSON");
    compare_validation(&validation_cases(), &out["validation"]);
    read_theirs(&devnet, &out["written"]).await;

    devnet.shutdown().await.expect("shut the devnet down");
    eprintln!(
        "cross-client: {passed} official checks passed; validation and state agree both ways"
    );
}
