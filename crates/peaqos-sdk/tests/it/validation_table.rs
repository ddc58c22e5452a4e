//! Table tests of the client-side validation rules (the docs' "Validation rules" table and the
//! official Python client's `validate_submit_event_params`, DID attribute and operational-limit
//! checks): every valid case passes, every invalid case fails with the expected field,
//! constraint and message, and when several rules fail the first in the official order wins.

use alloy::primitives::{B256, U256, b256};
use peaqos_sdk::{
    Error, ValidationError,
    did::{encode_add_attribute, encode_did_batch, machine_did_attributes, proxy_did_attributes},
    events::{compute_data_hash, encode_batch_all, encode_submit_event},
    limits::{EventTracker, OperationalLimits, check_limits},
    validation::{
        SUPPORTED_SOURCE_CHAIN_IDS, SubmitEventParams, batch_currency_required,
        batch_events_required, machines_json, parse_event_value, parse_source_tx_hash,
        validate_data_visibility, validate_did_attribute, validate_did_attributes,
        validate_machine_did_attrs, validate_proxy_did_attrs, validate_submit_event_params,
    },
};
use peaqos_types::{DataVisibility, EventType, TrustLevel};

const SOURCE_TX: B256 = b256!("0xa1b2c3d4e5f6789000000000000000000000000000000000000000000000a1b2");

const MACHINE_ID_MSG: &str = "machine_id must be a positive integer";
const EVENT_TYPE_MSG: &str = "event_type must be 0 or 1";
const TRUST_MSG: &str = "trust_level must be 0, 1, or 2";
const CHAIN_MSG: &str = "source_chain_id must be a supported chain ID (0, 3338, or 8453)";
const RAW_MSG: &str = "raw_data must not be empty when provided";
const TX_HASH_MSG: &str = "source_tx_hash must be a 0x-prefixed 32-byte hex string (66 chars)";
const TIMESTAMP_MSG: &str = "timestamp must be a positive integer";
const TX_REQUIRED_MSG: &str =
    "source_tx_hash is required when trust_level is 1 (on-chain verifiable)";
const REVENUE_CURRENCY_MSG: &str = "revenue events require currency matching ^[A-Z0-9]{3,10}$ \
                                    (uppercase alphanumeric, 3-10 chars)";
const ACTIVITY_CURRENCY_MSG: &str = "activity events require an empty currency string";

/// The docs' revenue example: a valid, fully populated event.
fn revenue() -> SubmitEventParams {
    SubmitEventParams::new(
        U256::from(1),
        EventType::Revenue,
        U256::from(500),
        1_700_000_000,
    )
    .with_currency("USD")
    .with_raw_data(br#"{"session":"abc123"}"#.to_vec())
    .with_source_chain_id(3338)
}

/// The docs' activity example.
fn activity() -> SubmitEventParams {
    SubmitEventParams::new(
        U256::from(1),
        EventType::Activity,
        U256::ZERO,
        1_700_000_000,
    )
    .with_currency("")
    .with_raw_data(br#"{"type":"heartbeat","uptime_seconds":86400}"#.to_vec())
}

/// A named outcome and the (field, constraint, message) it must have.
type RuleCase<'a> = (
    &'a str,
    Result<(), ValidationError>,
    (&'a str, &'a str, &'a str),
);

fn assert_rule(name: &str, got: Result<(), ValidationError>, want: (&str, &str, &str)) {
    let e = got.expect_err(name);
    assert_eq!(
        (e.field.as_str(), e.constraint.as_str(), e.message.as_str()),
        want,
        "case {name}"
    );
    assert_eq!(e.to_string(), want.2, "case {name}: Display is the message");
}

#[test]
fn valid_events_pass() {
    let cases: Vec<(&str, SubmitEventParams)> = vec![
        ("docs revenue", revenue()),
        ("docs activity", activity()),
        ("revenue, currency omitted (smart default later)", {
            let mut p = revenue();
            p.currency = None;
            p
        }),
        ("activity, currency omitted", {
            let mut p = activity();
            p.currency = None;
            p
        }),
        ("revenue JPY", revenue().with_currency("JPY")),
        (
            "revenue BHD",
            revenue().with_currency("BHD").with_metadata(b"x".to_vec()),
        ),
        (
            "revenue 10-char code",
            revenue().with_currency("ABCDEFGHIJ"),
        ),
        ("revenue digits", revenue().with_currency("123")),
        ("revenue value 0", {
            let mut p = revenue();
            p.value = U256::ZERO;
            p
        }),
        ("revenue value max", {
            let mut p = revenue();
            p.value = U256::MAX;
            p
        }),
        ("activity value 7", {
            let mut p = activity();
            p.value = U256::from(7);
            p
        }),
        ("no raw data", {
            let mut p = revenue();
            p.raw_data = None;
            p
        }),
        ("one byte of raw data", revenue().with_raw_data(vec![0u8])),
        ("trust 1 with source tx (docs cross-chain)", {
            revenue()
                .with_trust_level(TrustLevel::OnChainVerifiable)
                .with_source_chain_id(8453)
                .with_source_tx_hash(SOURCE_TX)
        }),
        (
            "trust 2 without source tx",
            revenue().with_trust_level(TrustLevel::HardwareSigned),
        ),
        (
            "trust 0 with a source tx",
            revenue().with_source_tx_hash(SOURCE_TX),
        ),
        ("zero source tx hash is still given", {
            revenue()
                .with_trust_level(TrustLevel::OnChainVerifiable)
                .with_source_tx_hash(B256::ZERO)
        }),
        ("timestamp 1", {
            let mut p = revenue();
            p.timestamp = 1;
            p
        }),
        ("timestamp far future (contract checks)", {
            let mut p = revenue();
            p.timestamp = u64::MAX;
            p
        }),
        (
            "metadata over 4096 bytes (contract checks)",
            revenue().with_metadata(vec![1u8; 5000]),
        ),
        ("machine id max", {
            let mut p = revenue();
            p.machine_id = U256::MAX;
            p
        }),
    ];
    for (name, p) in &cases {
        validate_submit_event_params(p).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    }
    for chain in SUPPORTED_SOURCE_CHAIN_IDS {
        validate_submit_event_params(&revenue().with_source_chain_id(chain))
            .unwrap_or_else(|e| panic!("chain {chain}: {e:?}"));
    }
    assert_eq!(
        SUPPORTED_SOURCE_CHAIN_IDS,
        [0, 3338, 1, 8453, 137, 42161, 10]
    );
}

#[test]
fn each_rule_fails_with_its_field_constraint_and_message() {
    type Case = (
        &'static str,
        SubmitEventParams,
        (&'static str, &'static str, &'static str),
    );
    let mut cases: Vec<Case> = Vec::new();
    let mut with = |name, f: &dyn Fn(&mut SubmitEventParams), base: SubmitEventParams, want| {
        let mut p = base;
        f(&mut p);
        cases.push((name, p, want));
    };
    // 1. machine_id > 0
    with(
        "machine_id 0",
        &|p| p.machine_id = U256::ZERO,
        revenue(),
        ("machine_id", "> 0", MACHINE_ID_MSG),
    );
    // 2. event_type 0 or 1
    for t in [2u8, 3, 255] {
        with(
            "event_type",
            &move |p| p.event_type = t,
            revenue(),
            ("event_type", "0 or 1", EVENT_TYPE_MSG),
        );
    }
    // 5. trust_level 0, 1 or 2
    for t in [3u8, 4, 255] {
        with(
            "trust_level",
            &move |p| p.trust_level = t,
            revenue(),
            ("trust_level", "0, 1, or 2", TRUST_MSG),
        );
    }
    // 6. source_chain_id supported
    for c in [2u64, 9990, 33380, 31337, 84532, 3339, u64::MAX] {
        with(
            "source_chain_id",
            &move |p| p.source_chain_id = c,
            revenue(),
            ("source_chain_id", "supported chain", CHAIN_MSG),
        );
    }
    // 7. raw_data non-empty when given
    with(
        "raw_data empty",
        &|p| p.raw_data = Some(Vec::new()),
        revenue(),
        ("raw_data", "non-empty", RAW_MSG),
    );
    with(
        "raw_data empty (activity)",
        &|p| p.raw_data = Some(Vec::new()),
        activity(),
        ("raw_data", "non-empty", RAW_MSG),
    );
    // 9. timestamp > 0
    with(
        "timestamp 0",
        &|p| p.timestamp = 0,
        revenue(),
        ("timestamp", "> 0", TIMESTAMP_MSG),
    );
    // 10. trust level 1 needs a source tx hash
    with(
        "trust 1 without source tx",
        &|p| p.trust_level = 1,
        revenue(),
        (
            "source_tx_hash",
            "required when trust_level is 1",
            TX_REQUIRED_MSG,
        ),
    );
    // 11. currency shape
    for c in [
        "",
        "US",
        "usd",
        "Usd",
        "ABCDEFGHIJK",
        "US D",
        "USD\n",
        "\nUSD",
        "US-D",
        "€UR",
        "ÜSD",
        " USD",
        "USD ",
    ] {
        with(
            "revenue currency",
            &move |p| p.currency = Some(c.to_owned()),
            revenue(),
            ("currency", "^[A-Z0-9]{3,10}$", REVENUE_CURRENCY_MSG),
        );
    }
    for c in ["USD", " ", "x", "\n"] {
        with(
            "activity currency",
            &move |p| p.currency = Some(c.to_owned()),
            activity(),
            ("currency", "must be \"\"", ACTIVITY_CURRENCY_MSG),
        );
    }
    assert_eq!(cases.len(), 35);
    for (name, p, want) in cases {
        assert_rule(name, validate_submit_event_params(&p), want);
        // The offending value is reported (never a secret here).
        assert!(
            validate_submit_event_params(&p)
                .expect_err(name)
                .value
                .is_some(),
            "{name}"
        );
    }
}

#[test]
fn first_failure_wins_in_the_official_order() {
    // Everything wrong at once: each step fixes the reported field, the next rule then reports.
    let mut p = revenue();
    p.machine_id = U256::ZERO;
    p.event_type = 9;
    p.trust_level = 1;
    p.source_chain_id = 5;
    p.raw_data = Some(Vec::new());
    p.timestamp = 0;
    p.source_tx_hash = None;
    p.currency = Some("usd".to_owned());
    let order = [
        "machine_id",
        "event_type",
        "source_chain_id",
        "raw_data",
        "timestamp",
        "source_tx_hash",
        "currency",
    ];
    for field in order {
        let e = validate_submit_event_params(&p).expect_err(field);
        assert_eq!(e.field, field);
        match field {
            "machine_id" => p.machine_id = U256::from(1),
            "event_type" => p.event_type = 0,
            "source_chain_id" => p.source_chain_id = 8453,
            "raw_data" => p.raw_data = None,
            "timestamp" => p.timestamp = 1,
            "source_tx_hash" => p.source_tx_hash = Some(SOURCE_TX),
            _ => p.currency = Some("EUR".to_owned()),
        }
    }
    validate_submit_event_params(&p).expect("all fixed");

    // trust_level (rule 5) comes before source_chain_id (rule 6) and after event_type (rule 2).
    let mut p = revenue();
    p.trust_level = 7;
    p.source_chain_id = 5;
    assert_eq!(
        validate_submit_event_params(&p).expect_err("trust").field,
        "trust_level"
    );
    p.event_type = 2;
    assert_eq!(
        validate_submit_event_params(&p).expect_err("type").field,
        "event_type"
    );
    // The currency rule is last: a bad currency with a zero timestamp reports the timestamp.
    let mut p = revenue().with_currency("bad");
    p.timestamp = 0;
    assert_eq!(
        validate_submit_event_params(&p).expect_err("ts").field,
        "timestamp"
    );
    // The currency rule follows the event type: "USD" is fine for revenue, wrong for activity.
    let mut p = revenue();
    p.event_type = 1;
    assert_rule(
        "USD on activity",
        validate_submit_event_params(&p),
        ("currency", "must be \"\"", ACTIVITY_CURRENCY_MSG),
    );
}

#[test]
fn text_inputs_value_and_source_tx_hash() {
    // Rule 8 (66 chars) for text input.
    let good = "0xa1b2c3d4e5f6789000000000000000000000000000000000000000000000a1b2";
    assert_eq!(parse_source_tx_hash(good).expect("good"), SOURCE_TX);
    assert_eq!(
        parse_source_tx_hash(&good.to_uppercase().replacen("0X", "0x", 1)).expect("upper"),
        SOURCE_TX
    );
    let short = &good[..65];
    let no_prefix = format!("ab{}", &good[2..]);
    let not_hex = format!("0x{}", "zz".repeat(32));
    for bad in [
        "",
        "0x",
        "0xabc",
        short,
        &format!("{good}0"),
        &good[2..],
        no_prefix.as_str(),
        not_hex.as_str(),
    ] {
        assert_rule(
            bad,
            parse_source_tx_hash(bad).map(|_| ()),
            ("source_tx_hash", "32 bytes", TX_HASH_MSG),
        );
    }
    // Rules 3 and 4 for text input.
    for (text, want) in [("0", 0u64), ("123", 123), ("+5", 5), ("-0", 0), ("007", 7)] {
        assert_eq!(parse_event_value(text).expect(text), U256::from(want));
    }
    assert_eq!(
        parse_event_value(&U256::MAX.to_string()).expect("max"),
        U256::MAX
    );
    for bad in ["-1", "-123"] {
        assert_rule(
            bad,
            parse_event_value(bad).map(|_| ()),
            ("value", ">= 0", "value must be non-negative"),
        );
    }
    for (bad, kind) in [
        ("1.23", "float"),
        ("1e3", "float"),
        ("", "str"),
        ("abc", "str"),
        ("true", "str"),
        ("0x10", "str"),
    ] {
        let e = parse_event_value(bad).expect_err(bad);
        assert_eq!(
            (e.field.as_str(), e.constraint.as_str()),
            ("value", "subunit integer"),
            "{bad}"
        );
        assert_eq!(
            e.message,
            format!(
                "value must be a subunit integer (e.g. HK$1.23 → value=123, currency='HKD'); \
                 got {kind}. Use ISO 4217 minor units; partner is responsible for conversion."
            ),
            "{bad}"
        );
    }
    // Past 2^256 - 1 is not an integer the chain can carry.
    let too_big = format!("{}0", U256::MAX);
    assert_eq!(
        parse_event_value(&too_big).expect_err("overflow").field,
        "value"
    );
}

#[test]
fn batch_errors_and_smart_default() {
    let e = batch_currency_required();
    assert_eq!(
        (e.field.as_str(), e.constraint.as_str()),
        ("currency", "required key in batch event dict")
    );
    assert_eq!(
        e.message,
        "'currency' is required per event in batch_submit_events; include it in the event dict \
         (no smart default in batch mode)"
    );
    let e = batch_events_required();
    assert_eq!(
        (e.field.as_str(), e.constraint.as_str(), e.message.as_str()),
        (
            "events",
            "non-empty list",
            "events must contain at least one item"
        )
    );
    let mut p = revenue();
    p.currency = None;
    assert_eq!(p.resolved_currency(), "USD");
    assert_eq!(p.with_default_currency().currency.as_deref(), Some("USD"));
    let mut p = activity();
    p.currency = None;
    assert_eq!(p.with_default_currency().currency.as_deref(), Some(""));
}

#[test]
fn did_attribute_rules() {
    let name64 = "n".repeat(64);
    let value2560 = "v".repeat(2560);
    for (name, value) in [
        ("machineId", "42"),
        ("operator", ""),
        (name64.as_str(), value2560.as_str()),
        ("data_visibility", "onchain"),
        ("", ""),
    ] {
        validate_did_attribute(name, value).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    }
    let name65 = "n".repeat(65);
    let value2561 = "v".repeat(2561);
    let cases: [(&str, &str, (&str, &str, &str)); 5] = [
        (
            "nämé",
            "x",
            (
                "name",
                "ASCII string",
                "DID attribute name must contain only ASCII characters",
            ),
        ),
        (
            &name65,
            "x",
            (
                "name",
                "at most 64 bytes",
                "DID attribute name must be at most 64 bytes",
            ),
        ),
        (
            "n",
            "välue",
            (
                "value",
                "ASCII string",
                "DID attribute value must contain only ASCII characters",
            ),
        ),
        (
            "n",
            &value2561,
            (
                "value",
                "at most 2560 bytes",
                "DID attribute value must be at most 2560 bytes",
            ),
        ),
        // The name is checked before the value.
        (
            &name65,
            &value2561,
            (
                "name",
                "at most 64 bytes",
                "DID attribute name must be at most 64 bytes",
            ),
        ),
    ];
    for (name, value, want) in cases {
        assert_rule(name, validate_did_attribute(name, value), want);
        assert_rule(
            name,
            encode_add_attribute(alloy::primitives::Address::ZERO, name, value).map(|_| ()),
            want,
        );
    }
    let empty: [(&str, &str); 0] = [];
    let want = (
        "attributes",
        "non-empty list",
        "attributes must not be empty",
    );
    assert_rule("empty list", validate_did_attributes(&empty), want);
    assert_rule(
        "empty batch",
        encode_did_batch(
            alloy::primitives::Address::ZERO,
            alloy::primitives::Address::ZERO,
            &empty,
        )
        .map(|_| ()),
        want,
    );
    assert_rule(
        "second attribute bad",
        validate_did_attributes(&[("ok", "fine"), ("bad", "ü")]),
        (
            "value",
            "ASCII string",
            "DID attribute value must contain only ASCII characters",
        ),
    );
}

#[test]
fn data_visibility_values() {
    for (text, v) in [
        ("public", DataVisibility::Public),
        ("private", DataVisibility::Private),
        ("onchain", DataVisibility::Onchain),
    ] {
        assert_eq!(validate_data_visibility(text).expect(text), v);
    }
    for bad in [
        "", "Public", "PRIVATE", "on-chain", "on_chain", "secret", " public",
    ] {
        assert_rule(
            bad,
            validate_data_visibility(bad).map(|_| ()),
            (
                "data_visibility",
                "one of ['onchain', 'private', 'public']",
                "data_visibility must be one of ['onchain', 'private', 'public']",
            ),
        );
    }
}

#[test]
fn machine_did_rules() {
    let one = U256::from(1);
    let ok = |op: &str, doc: &str, api: &str, vis: &str| {
        validate_machine_did_attrs(one, one, op, doc, api, vis)
    };
    ok("", "https://docs", "https://api", "public").expect("self mode");
    ok(
        "did:peaq:0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        "d",
        "a",
        "onchain",
    )
    .expect("proxy mode");
    let long = "x".repeat(2561);
    let cases: Vec<RuleCase<'_>> = vec![
        (
            "machine_id 0",
            validate_machine_did_attrs(U256::ZERO, one, "", "d", "a", "public"),
            (
                "machine_id",
                "positive integer",
                "machine_id must be a positive integer",
            ),
        ),
        (
            "nft_token_id 0",
            validate_machine_did_attrs(one, U256::ZERO, "", "d", "a", "public"),
            (
                "nft_token_id",
                "positive integer",
                "nft_token_id must be a positive integer",
            ),
        ),
        (
            "visibility",
            ok("", "d", "a", "everyone"),
            (
                "data_visibility",
                "one of ['onchain', 'private', 'public']",
                "data_visibility must be one of ['onchain', 'private', 'public']",
            ),
        ),
        (
            "doc empty",
            ok("", "", "a", "public"),
            (
                "documentation_url",
                "non-empty string",
                "documentation_url must not be empty",
            ),
        ),
        (
            "doc non-ascii",
            ok("", "https://dóc", "a", "public"),
            (
                "documentation_url",
                "ASCII string",
                "documentation_url must contain only ASCII characters",
            ),
        ),
        (
            "doc too long",
            ok("", &long, "a", "public"),
            (
                "documentation_url",
                "at most 2560 bytes",
                "documentation_url must be at most 2560 bytes",
            ),
        ),
        (
            "api empty",
            ok("", "d", "", "public"),
            ("data_api", "non-empty string", "data_api must not be empty"),
        ),
        (
            "api non-ascii",
            ok("", "d", "ä", "public"),
            (
                "data_api",
                "ASCII string",
                "data_api must contain only ASCII characters",
            ),
        ),
        (
            "api too long",
            ok("", "d", &long, "public"),
            (
                "data_api",
                "at most 2560 bytes",
                "data_api must be at most 2560 bytes",
            ),
        ),
        (
            "operator non-ascii",
            ok("did:peaq:ö", "d", "a", "public"),
            (
                "operator_did",
                "ASCII string",
                "operator_did must contain only ASCII characters",
            ),
        ),
        (
            "operator too long",
            ok(&long, "d", "a", "public"),
            (
                "operator_did",
                "at most 2560 bytes",
                "operator_did must be at most 2560 bytes",
            ),
        ),
        (
            "order: visibility before doc",
            ok("ö", "", "", "x"),
            (
                "data_visibility",
                "one of ['onchain', 'private', 'public']",
                "data_visibility must be one of ['onchain', 'private', 'public']",
            ),
        ),
        (
            "order: doc before api before operator",
            ok("ö", "", "", "public"),
            (
                "documentation_url",
                "non-empty string",
                "documentation_url must not be empty",
            ),
        ),
    ];
    for (name, got, want) in cases {
        assert_rule(name, got, want);
    }
}

#[test]
fn proxy_did_rules_and_machines_json() {
    let ids = |v: &[u64]| v.iter().map(|&i| U256::from(i)).collect::<Vec<_>>();
    assert_eq!(machines_json(&ids(&[42, 43])), "[42, 43]");
    assert_eq!(machines_json(&ids(&[42])), "[42]");
    assert_eq!(machines_json(&ids(&[1, 2, 3])), "[1, 2, 3]");
    assert_eq!(machines_json(&[]), "[]");
    validate_proxy_did_attrs(U256::from(10), &ids(&[42, 43, 44])).expect("valid");
    let cases: Vec<RuleCase<'_>> = vec![
        (
            "proxy id 0",
            validate_proxy_did_attrs(U256::ZERO, &ids(&[1])),
            (
                "proxy_machine_id",
                "positive integer",
                "proxy_machine_id must be a positive integer",
            ),
        ),
        (
            "empty",
            validate_proxy_did_attrs(U256::from(1), &[]),
            (
                "machine_ids",
                "non-empty list",
                "machine_ids must not be empty",
            ),
        ),
        (
            "zero id",
            validate_proxy_did_attrs(U256::from(1), &ids(&[5, 0, 7])),
            (
                "machine_ids[1]",
                "positive integer",
                "machine_ids[1] must be a positive integer",
            ),
        ),
        (
            "too long",
            // 400 six-digit ids: 400 × 8 bytes > 2560.
            validate_proxy_did_attrs(U256::from(1), &ids(&(100_000..100_400).collect::<Vec<_>>())),
            (
                "machine_ids",
                "JSON-encoded value at most 2560 bytes",
                "machine_ids JSON encoding exceeds 2560 bytes",
            ),
        ),
    ];
    for (name, got, want) in cases {
        assert_rule(name, got, want);
    }
    // Exactly 2560 bytes is allowed: 284 seven-digit ids take 284 × 7 + 283 × 2 + 2 = 2556
    // bytes, and ", 10" makes 2560.
    let mut v: Vec<u64> = vec![1_000_000; 284];
    v.push(10);
    assert_eq!(machines_json(&ids(&v)).len(), 2560);
    validate_proxy_did_attrs(U256::from(1), &ids(&v)).expect("exactly 2560 bytes");
}

#[test]
fn attribute_lists_in_order() {
    let attrs = machine_did_attributes(
        U256::from(42),
        U256::from(7),
        None,
        "https://docs",
        "https://api",
        DataVisibility::Onchain,
    );
    let names: Vec<&str> = attrs.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, peaqos_types::constants::MACHINE_DID_ATTRIBUTES);
    let values: Vec<&str> = attrs.iter().map(|(_, v)| v.as_str()).collect();
    assert_eq!(
        values,
        ["42", "7", "", "https://docs", "https://api", "onchain"]
    );
    let with_op = machine_did_attributes(
        U256::from(1),
        U256::from(1),
        Some("did:peaq:0xAb"),
        "d",
        "a",
        DataVisibility::Public,
    );
    assert_eq!(with_op[2], ("operator", "did:peaq:0xAb".to_owned()));
    let proxy = proxy_did_attributes(U256::from(10), &[U256::from(42), U256::from(43)]);
    assert_eq!(
        proxy,
        [
            ("machineId", "10".to_owned()),
            ("machines", "[42, 43]".to_owned())
        ]
    );
}

#[test]
fn encodings() {
    use alloy::sol_types::SolCall;
    use peaqos_contracts::bindings::{BatchPrecompile, DIDPrecompile, EventRegistry};

    // The docs' example input. (The docs print 0x9c22ff5f…cb658 as its hash, which is not
    // keccak256 of that input; web3's `Web3.keccak` agrees with this value.)
    assert_eq!(
        compute_data_hash(br#"{"session":"abc123","amount":500}"#).to_string(),
        "0x8dd186bf57dece591311f044eaf97f4886878309ff0b546a58386d2df41978e2"
    );
    // The wire contract's example: raw `hello`.
    assert_eq!(
        compute_data_hash(b"hello").to_string(),
        "0x1c8aff950685c2ed4bc3174f3472287b56d9517b9c948127319a09a7a36deac8"
    );

    // submitEvent: selector 0xe58a43ca, currency 4th, defaults applied.
    let mut p = revenue();
    p.currency = None;
    let data = encode_submit_event(&p);
    assert_eq!(&data[..4], &[0xe5, 0x8a, 0x43, 0xca]);
    let call = EventRegistry::submitEventCall::abi_decode(&data).expect("decode");
    assert_eq!(call.currency, "USD");
    assert_eq!(call.dataHash, compute_data_hash(br#"{"session":"abc123"}"#));
    assert_eq!(call.sourceTxHash, B256::ZERO);
    assert_eq!(call.sourceChainId, U256::from(3338));
    assert_eq!(call.timestamp, U256::from(1_700_000_000u64));
    let mut a = activity();
    a.currency = None;
    a.raw_data = None;
    let call =
        EventRegistry::submitEventCall::abi_decode(&encode_submit_event(&a)).expect("decode");
    assert_eq!(
        (call.currency.as_str(), call.dataHash, call.eventType),
        ("", B256::ZERO, 1)
    );

    // addAttribute: selector 0xcc4a70ca, validity 0, ASCII bytes.
    let who = alloy::primitives::address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    let data = encode_add_attribute(who, "machineId", "42").expect("valid");
    assert_eq!(&data[..4], &[0xcc, 0x4a, 0x70, 0xca]);
    let call = DIDPrecompile::addAttributeCall::abi_decode(&data).expect("decode");
    assert_eq!(
        (
            call.didAccount,
            call.name.as_ref(),
            call.value.as_ref(),
            call.validityFor
        ),
        (who, &b"machineId"[..], &b"42"[..], 0)
    );

    // batchAll: selector 0x96e292b8, n × target, zero values and gas limits.
    let did = alloy::primitives::address!("0x0000000000000000000000000000000000000800");
    let data = encode_did_batch(did, who, &[("a", "1"), ("b", "2"), ("c", "3")]).expect("valid");
    assert_eq!(&data[..4], &[0x96, 0xe2, 0x92, 0xb8]);
    let call = BatchPrecompile::batchAllCall::abi_decode(&data).expect("decode");
    assert_eq!(call.to, vec![did; 3]);
    assert_eq!(call.value, vec![U256::ZERO; 3]);
    assert_eq!(call.gasLimit, vec![0u64; 3]);
    assert_eq!(
        call.callData[1],
        encode_add_attribute(who, "b", "2").expect("valid")
    );
    let empty = encode_batch_all(did, Vec::new());
    assert!(
        BatchPrecompile::batchAllCall::abi_decode(&empty)
            .expect("decode")
            .to
            .is_empty()
    );
}

#[test]
fn operational_limits_table() {
    let m = U256::from(1);
    let cap = OperationalLimits::new(U256::from(10_000), 0, 0);
    check_limits(&cap, m, U256::from(10_000), 0).expect("at the cap");
    let e = check_limits(&cap, m, U256::from(10_001), 0).expect_err("over");
    assert!(matches!(e, Error::ValueCapExceeded { .. }), "{e:?}");
    assert_eq!(e.to_string(), "Value 10001 exceeds cap 10000");
    let rate = OperationalLimits::new(U256::ZERO, 60, 3600);
    check_limits(&rate, m, U256::MAX, 59).expect("under");
    let e = check_limits(&rate, m, U256::ZERO, 60).expect_err("at the max");
    assert!(matches!(e, Error::RateLimitExceeded { .. }), "{e:?}");
    assert_eq!(e.to_string(), "Machine 1: 60/60 events in 3600s");
    // 0 disables: no cap, no rate limit (a window without a maximum, a maximum without a window).
    for l in [
        OperationalLimits::NONE,
        OperationalLimits::new(U256::ZERO, 0, 3600),
        OperationalLimits::new(U256::ZERO, 5, 0),
    ] {
        check_limits(&l, m, U256::MAX, 1_000).expect("disabled");
    }
    let mut t = EventTracker::new();
    let now = std::time::Instant::now();
    t.record(m, now);
    assert_eq!(t.count(m, std::time::Duration::from_secs(60), now), 1);
}
