//! DID attributes, events and operational limits against an in-process devnet (native DID and
//! Batch precompiles, the peaqOS stack at genesis).

use crate::common;

use alloy::{
    consensus::Transaction as _,
    primitives::{B256, U256, b256},
    sol_types::SolCall,
};
use common::{
    assert_stored, chain_now, client, client_with, devnet, nonce, receipt, transaction,
    validation_field,
};
use peaqos_contracts::bindings::{BatchPrecompile, DIDPrecompile, EventRegistry};
use peaqos_devnet::Devnet;
use peaqos_sdk::{
    Error,
    client::PeaqosClient,
    events::{MachineEvent, compute_data_hash},
    limits::OperationalLimits,
    validation::SubmitEventParams,
};
use peaqos_types::{DataVisibility, Did, EventType, TrustLevel, constants::MACHINE_DID_ATTRIBUTES};

const SOURCE_TX: B256 = b256!("0xa1b2c3d4e5f6789000000000000000000000000000000000000000000000a1b2");

/// Two fleet machines (dev accounts 3 and 4) registered by `proxy`.
async fn fleet_of_two(devnet: &Devnet, proxy: &PeaqosClient) -> (U256, U256) {
    let register = |account: usize| proxy.register_for(devnet.accounts[account].address);
    (
        register(3).await.expect("m1"),
        register(4).await.expect("m2"),
    )
}

async fn all_events(c: &PeaqosClient, machine_id: U256) -> Vec<MachineEvent> {
    c.get_events(machine_id, U256::ZERO, U256::from(100))
        .await
        .expect("getEvents")
}

#[tokio::test(flavor = "multi_thread")]
async fn machine_did_write_read_back_and_rewrite_fails() {
    let devnet = devnet().await;
    let me = client(&devnet, 1);
    let machine_id = me.register_machine().await.expect("register");
    me.mint_nft(machine_id, me.address()).await.expect("mint");
    let token_id = me.token_id_of(machine_id).await.expect("token id");
    assert!(token_id > U256::ZERO);

    // Validation happens before anything is sent.
    let before = nonce(&me).await;
    let e = me
        .write_machine_did_attributes(
            machine_id,
            token_id,
            None,
            "",
            "https://api",
            DataVisibility::Public,
        )
        .await
        .expect_err("empty documentation_url");
    assert_eq!(validation_field(&e), "documentation_url");
    let e = me
        .write_machine_did_attributes(U256::ZERO, token_id, None, "d", "a", DataVisibility::Public)
        .await
        .expect_err("machine id 0");
    assert_eq!(validation_field(&e), "machine_id");
    let e = me
        .write_machine_did_attributes(
            machine_id,
            token_id,
            Some("did:peaq:ö"),
            "d",
            "a",
            DataVisibility::Public,
        )
        .await
        .expect_err("non-ASCII operator");
    assert_eq!(validation_field(&e), "operator_did");
    let empty: [(&str, &str); 0] = [];
    assert_eq!(
        validation_field(&me.write_did_attributes(&empty).await.expect_err("empty")),
        "attributes"
    );
    assert_eq!(nonce(&me).await, before, "nothing was sent");

    let doc = "https://docs.example.com/machines/self";
    let api = "https://api.example.com/self/v1";
    let tx = me
        .write_machine_did_attributes(
            machine_id,
            token_id,
            None,
            doc,
            api,
            DataVisibility::Onchain,
        )
        .await
        .expect("write the machine DID");
    // One transaction to the Batch precompile with six addAttribute calls, in order.
    let sent = transaction(&me, tx).await;
    assert_eq!(sent.to(), Some(me.contracts().batch_precompile));
    let batch = BatchPrecompile::batchAllCall::abi_decode(sent.input()).expect("a batchAll");
    assert_eq!(batch.to, vec![me.contracts().did_registry; 6]);
    assert_eq!(batch.value, vec![U256::ZERO; 6]);
    assert_eq!(batch.gasLimit, vec![0u64; 6]);
    let names: Vec<String> = batch
        .callData
        .iter()
        .map(|d| {
            let call = DIDPrecompile::addAttributeCall::abi_decode(d).expect("addAttribute");
            assert_eq!((call.didAccount, call.validityFor), (me.address(), 0));
            String::from_utf8(call.name.to_vec()).expect("ascii")
        })
        .collect();
    assert_eq!(names, MACHINE_DID_ATTRIBUTES);

    let expected = [
        ("machineId", machine_id.to_string()),
        ("nftTokenId", token_id.to_string()),
        ("operator", String::new()),
        ("documentation_url", doc.to_owned()),
        ("data_api", api.to_owned()),
        ("data_visibility", "onchain".to_owned()),
    ];
    for (name, value) in &expected {
        let attr = me
            .read_attribute(me.address(), name)
            .await
            .expect("read")
            .expect("present");
        assert_eq!((attr.name.as_str(), &attr.value), (*name, value), "{name}");
        assert_eq!(
            attr.validity,
            u32::MAX,
            "{name}: validity 0 = never expires"
        );
        assert!(attr.created > U256::ZERO, "{name}: created");
    }
    // Anyone can read; a missing attribute or DID is Ok(None).
    let other = client(&devnet, 5);
    let attr = other
        .read_attribute(me.address(), "data_api")
        .await
        .expect("read")
        .expect("present");
    assert_eq!(attr.value, api);
    assert_eq!(
        me.read_attribute(me.address(), "machines")
            .await
            .expect("missing name"),
        None
    );
    assert_eq!(
        me.read_attribute(other.address(), "machineId")
            .await
            .expect("missing DID"),
        None
    );

    // addAttribute of existing names reverts the whole batch, with the precompile's reason.
    let before = nonce(&me).await;
    let e = me
        .write_machine_did_attributes(machine_id, token_id, None, doc, api, DataVisibility::Public)
        .await
        .expect_err("the attributes exist");
    // Not a custom error: `Error(string)` of the precompile (code TX_REVERTED).
    assert!(e.revert().is_some_and(|r| !r.is_custom()), "{e:?}");
    assert!(e.to_string().contains("AttributeAlreadyExist"), "{e}");
    assert_eq!(
        nonce(&me).await,
        before,
        "rejected by the pre-flight estimate"
    );
    let attr = me
        .read_attribute(me.address(), "data_visibility")
        .await
        .expect("read")
        .expect("present");
    assert_eq!(attr.value, "onchain", "unchanged");

    // A fresh attribute next to the existing ones still works (the generic batch write).
    me.write_did_attributes(&[("note", "hello"), ("empty", "")])
        .await
        .expect("two more");
    let attr = me
        .read_attribute(me.address(), "empty")
        .await
        .expect("read")
        .expect("present");
    assert_eq!(attr.value, "");
    devnet.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread")]
async fn proxy_did_and_fleet_machine_did() {
    let devnet = devnet().await;
    let proxy = client(&devnet, 2);
    let machine_a = client(&devnet, 3);
    let machine_b = client(&devnet, 4);
    let proxy_id = proxy
        .register_machine()
        .await
        .expect("the proxy registers itself");
    let id_a = proxy
        .register_for(machine_a.address())
        .await
        .expect("register_for a");
    let id_b = proxy
        .register_for(machine_b.address())
        .await
        .expect("register_for b");
    proxy
        .mint_nft(id_a, machine_a.address())
        .await
        .expect("mint a");
    let token_a = machine_a.token_id_of(id_a).await.expect("token a");

    let e = proxy
        .write_proxy_did_attributes(proxy_id, &[])
        .await
        .expect_err("empty");
    assert_eq!(validation_field(&e), "machine_ids");
    let e = proxy
        .write_proxy_did_attributes(proxy_id, &[id_a, U256::ZERO])
        .await
        .expect_err("zero");
    assert_eq!(validation_field(&e), "machine_ids[1]");
    let e = proxy
        .write_proxy_did_attributes(U256::ZERO, &[id_a])
        .await
        .expect_err("zero proxy");
    assert_eq!(validation_field(&e), "proxy_machine_id");

    proxy
        .write_proxy_did_attributes(proxy_id, &[id_a, id_b])
        .await
        .expect("proxy DID");
    let read = |name: &'static str| {
        let proxy = proxy.clone();
        async move {
            proxy
                .read_attribute(proxy.address(), name)
                .await
                .expect("read")
                .expect("present")
        }
    };
    assert_eq!(read("machineId").await.value, proxy_id.to_string());
    assert_eq!(read("machines").await.value, format!("[{id_a}, {id_b}]"));

    let operator = Did::new(proxy.address()).to_string();
    machine_a
        .write_machine_did_attributes(
            id_a,
            token_a,
            Some(&operator),
            "https://d",
            "https://a",
            DataVisibility::Private,
        )
        .await
        .expect("the fleet machine writes its DID");
    let attr = proxy
        .read_attribute(machine_a.address(), "operator")
        .await
        .expect("read")
        .expect("present");
    assert_eq!(attr.value, operator);
    assert!(attr.value.starts_with("did:peaq:0x"));
    let attr = proxy
        .read_attribute(machine_a.address(), "machineId")
        .await
        .expect("read")
        .expect("present");
    assert_eq!(attr.value, id_a.to_string());

    // The proxy cannot write the machines list twice.
    let e = proxy
        .write_proxy_did_attributes(proxy_id, &[id_a])
        .await
        .expect_err("exists");
    assert!(e.to_string().contains("AttributeAlreadyExist"), "{e}");
    devnet.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread")]
async fn single_events_are_stored_exactly() {
    let devnet = devnet().await;
    let me = client(&devnet, 1);
    let machine_id = me.register_machine().await.expect("register");
    let now = chain_now(&me).await;

    let revenue_usd =
        SubmitEventParams::new(machine_id, EventType::Revenue, U256::from(123), now - 600)
            .with_raw_data(br#"{"receipt":"r-0001","amount":"1.23 USD"}"#.to_vec())
            .with_metadata(br#"{"kind":"charging-session"}"#.to_vec());
    let revenue_jpy =
        SubmitEventParams::new(machine_id, EventType::Revenue, U256::from(100), now - 500)
            .with_currency("JPY");
    let revenue_bhd =
        SubmitEventParams::new(machine_id, EventType::Revenue, U256::from(1234), now - 400)
            .with_currency("BHD")
            .with_trust_level(TrustLevel::HardwareSigned)
            .with_source_chain_id(3338);
    let activity = SubmitEventParams::new(machine_id, EventType::Activity, U256::ZERO, now - 300)
        .with_raw_data(b"heartbeat".to_vec());
    let cross_chain =
        SubmitEventParams::new(machine_id, EventType::Revenue, U256::from(1200), now - 200)
            .with_currency("USD")
            .with_trust_level(TrustLevel::OnChainVerifiable)
            .with_source_chain_id(8453)
            .with_source_tx_hash(SOURCE_TX)
            .with_raw_data(br#"{"invoice":"INV-0042"}"#.to_vec());
    let sent = [
        (&revenue_usd, "USD"),
        (&revenue_jpy, "JPY"),
        (&revenue_bhd, "BHD"),
        (&activity, ""),
        (&cross_chain, "USD"),
    ];
    let mut hashes = Vec::new();
    for (p, _) in sent {
        let (tx, data_hash) = me.submit_event(p.clone()).await.expect("submit");
        assert_eq!(
            data_hash,
            p.raw_data.as_deref().map_or(B256::ZERO, compute_data_hash)
        );
        let receipt = receipt(&me, tx).await;
        assert!(receipt.status());
        assert_eq!(receipt.to, Some(me.contracts().event_registry));
        assert_eq!(receipt.inner.logs().len(), 1, "one EventSubmitted log");
        hashes.push(tx);
    }
    hashes.dedup();
    assert_eq!(hashes.len(), 5, "one transaction per event");
    assert_eq!(
        me.event_count(machine_id).await.expect("count"),
        U256::from(5)
    );
    let stored = all_events(&me, machine_id).await;
    assert_eq!(stored.len(), 5);
    for (i, (p, currency)) in sent.iter().enumerate() {
        assert_stored(&stored[i], p, currency, &format!("event {i}"));
    }
    devnet.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread")]
async fn event_errors_are_validated_or_decoded() {
    let devnet = devnet().await;
    let me = client(&devnet, 1);
    let stranger = client(&devnet, 5);
    let machine_id = me.register_machine().await.expect("register");
    let now = chain_now(&me).await;
    let before = nonce(&me).await;
    let base = SubmitEventParams::new(machine_id, EventType::Revenue, U256::from(1), now - 10);

    // Validation (nothing sent).
    let e = me
        .submit_event(base.clone().with_currency("usd"))
        .await
        .expect_err("lowercase");
    assert_eq!(validation_field(&e), "currency");
    let e = me
        .submit_event(base.clone().with_trust_level(TrustLevel::OnChainVerifiable))
        .await
        .expect_err("no tx");
    assert_eq!(validation_field(&e), "source_tx_hash");
    let mut p = base.clone();
    p.event_type = 2;
    assert_eq!(
        validation_field(&me.submit_event(p).await.expect_err("type")),
        "event_type"
    );
    let mut p = base.clone();
    p.source_chain_id = 9990;
    assert_eq!(
        validation_field(&me.submit_event(p).await.expect_err("chain")),
        "source_chain_id"
    );
    assert_eq!(nonce(&me).await, before, "nothing was sent");

    // Contract reverts keep their code and get the event wording.
    let unknown = U256::from(999_999);
    let mut p = base.clone();
    p.machine_id = unknown;
    let e = me.submit_event(p).await.expect_err("unknown machine");
    assert!(e.is_revert::<EventRegistry::MachineNotFound>(), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!("Machine ID {unknown} does not exist")
    );
    let e = stranger
        .submit_event(base.clone())
        .await
        .expect_err("stranger");
    assert!(
        e.is_revert::<EventRegistry::NotAuthorizedSubmitter>(),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        format!("Caller is not authorized to submit events for machine {machine_id}")
    );
    let mut p = base.clone();
    p.timestamp = now + 3_600;
    let e = me.submit_event(p).await.expect_err("future");
    assert!(e.is_revert::<EventRegistry::FutureTimestamp>(), "{e:?}");
    let e = me
        .submit_event(base.clone().with_metadata(vec![0u8; 4097]))
        .await
        .expect_err("metadata");
    assert!(e.is_revert::<EventRegistry::MetadataTooLarge>(), "{e:?}");
    // Two unknown machines in one batch: the plural wording.
    let mut a = base.clone().with_currency("USD");
    a.machine_id = unknown;
    let mut b = a.clone();
    b.machine_id = unknown + U256::from(1);
    let e = me
        .batch_submit_events(&[a.clone(), b])
        .await
        .expect_err("unknown machines");
    assert!(e.is_revert::<EventRegistry::MachineNotFound>(), "{e:?}");
    assert_eq!(
        e.to_string(),
        "One or more machine IDs in this batch do not exist"
    );
    let e = me
        .batch_submit_events(&[a.clone(), a])
        .await
        .expect_err("one unknown machine");
    assert_eq!(
        e.to_string(),
        format!("Machine ID {unknown} does not exist")
    );
    assert_eq!(
        nonce(&me).await,
        before,
        "every revert was caught by the pre-flight"
    );
    assert_eq!(me.event_count(machine_id).await.expect("count"), U256::ZERO);
    devnet.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread")]
async fn batch_of_events_is_one_transaction() {
    let devnet = devnet().await;
    let proxy = client(&devnet, 2);
    let (m1, m2) = fleet_of_two(&devnet, &proxy).await;
    let now = chain_now(&proxy).await;
    let before = nonce(&proxy).await;

    // Batch rules: non-empty, currency on every event, every event valid.
    assert_eq!(
        validation_field(&proxy.batch_submit_events(&[]).await.expect_err("empty")),
        "events"
    );
    let ok = SubmitEventParams::new(m1, EventType::Revenue, U256::from(5), now - 100)
        .with_currency("EUR");
    let no_currency = SubmitEventParams::new(m1, EventType::Activity, U256::ZERO, now - 100);
    let e = proxy
        .batch_submit_events(&[ok.clone(), no_currency])
        .await
        .expect_err("currency");
    match &e {
        Error::Validation(v) => assert_eq!(
            (v.field.as_str(), v.constraint.as_str()),
            ("currency", "required key in batch event dict")
        ),
        other => panic!("{other:?}"),
    }
    let bad = ok.clone().with_raw_data(Vec::new());
    assert_eq!(
        validation_field(
            &proxy
                .batch_submit_events(&[ok.clone(), bad])
                .await
                .expect_err("raw")
        ),
        "raw_data"
    );
    assert_eq!(nonce(&proxy).await, before, "nothing was sent");

    let events: Vec<SubmitEventParams> = vec![
        SubmitEventParams::new(m1, EventType::Revenue, U256::from(123), now - 900)
            .with_currency("HKD")
            .with_raw_data(b"hk-invoice-0042".to_vec())
            .with_trust_level(TrustLevel::OnChainVerifiable)
            .with_source_chain_id(8453)
            .with_source_tx_hash(B256::repeat_byte(0xab))
            .with_metadata(br#"{"invoice":"0042"}"#.to_vec()),
        SubmitEventParams::new(m2, EventType::Activity, U256::from(7), now - 600)
            .with_currency("")
            .with_raw_data(b"uptime:7h".to_vec())
            .with_metadata(vec![b'm'; 512]),
        SubmitEventParams::new(m1, EventType::Revenue, U256::from(1234), now - 300)
            .with_currency("BHD"),
        SubmitEventParams::new(m2, EventType::Revenue, U256::from(100), now - 200)
            .with_currency("JPY")
            .with_trust_level(TrustLevel::HardwareSigned)
            .with_source_chain_id(137),
        SubmitEventParams::new(m1, EventType::Activity, U256::ZERO, now - 100)
            .with_currency("")
            .with_source_chain_id(3338),
    ];
    let hashes = proxy.batch_submit_events(&events).await.expect("the batch");
    assert_eq!(hashes.len(), events.len(), "one hash per event");
    assert!(
        hashes.iter().all(|h| *h == hashes[0]),
        "all the same transaction"
    );
    assert_eq!(nonce(&proxy).await, before + 1, "exactly one transaction");
    let tx = transaction(&proxy, hashes[0]).await;
    assert_eq!(tx.to(), Some(proxy.contracts().batch_precompile));
    let batch = BatchPrecompile::batchAllCall::abi_decode(tx.input()).expect("batchAll");
    assert_eq!(batch.to, vec![proxy.contracts().event_registry; 5]);
    assert_eq!(
        (batch.value, batch.gasLimit),
        (vec![U256::ZERO; 5], vec![0u64; 5])
    );
    for (call, p) in batch.callData.iter().zip(&events) {
        let decoded = EventRegistry::submitEventCall::abi_decode(call).expect("submitEvent");
        assert_eq!(decoded.machineId, p.machine_id);
    }

    let stored_1 = all_events(&proxy, m1).await;
    let stored_2 = all_events(&proxy, m2).await;
    assert_eq!((stored_1.len(), stored_2.len()), (3, 2));
    let (mut i1, mut i2) = (0, 0);
    for (n, p) in events.iter().enumerate() {
        let currency = p.currency.as_deref().expect("explicit");
        if p.machine_id == m1 {
            assert_stored(&stored_1[i1], p, currency, &format!("batch event {n}"));
            i1 += 1;
        } else {
            assert_stored(&stored_2[i2], p, currency, &format!("batch event {n}"));
            i2 += 1;
        }
    }
    // Atomic: one bad event (future timestamp) reverts the whole batch.
    let mut future = events[2].clone();
    future.timestamp = now + 3_600;
    let e = proxy
        .batch_submit_events(&[events[0].clone(), future])
        .await
        .expect_err("atomic");
    assert!(e.is_revert::<EventRegistry::FutureTimestamp>(), "{e:?}");
    assert_eq!(all_events(&proxy, m1).await.len(), 3, "nothing added");
    devnet.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread")]
async fn operational_limits_cap_and_rate() {
    let devnet = devnet().await;
    let limits = OperationalLimits::new(U256::from(10_000), 2, 3_600);
    let proxy = client_with(&devnet, 2, limits);
    let (m1, m2) = fleet_of_two(&devnet, &proxy).await;
    let now = chain_now(&proxy).await;
    let event = |m: U256, value: u64| {
        SubmitEventParams::new(m, EventType::Revenue, U256::from(value), now - 10)
    };
    let before = nonce(&proxy).await;

    // The value cap.
    let e = proxy
        .submit_event(event(m1, 10_001))
        .await
        .expect_err("over the cap");
    assert!(matches!(e, Error::ValueCapExceeded { .. }), "{e:?}");
    assert_eq!(e.to_string(), "Value 10001 exceeds cap 10000");
    proxy
        .check_operational_limits(m1, U256::from(10_000))
        .expect("at the cap");
    assert_eq!(nonce(&proxy).await, before);

    // A failed transaction does not use a slot.
    let mut future = event(m1, 1);
    future.timestamp = now + 3_600;
    assert!(
        proxy
            .submit_event(future)
            .await
            .expect_err("future")
            .is_revert::<EventRegistry::FutureTimestamp>()
    );
    // A batch over the limit is refused as a whole and reserves nothing.
    let batch = vec![event(m1, 1).with_currency("USD"); 3];
    let e = proxy.batch_submit_events(&batch).await.expect_err("3 > 2");
    assert!(
        matches!(
            e,
            Error::RateLimitExceeded {
                count: 2,
                max_events: 2,
                ..
            }
        ),
        "{e:?}"
    );
    // A batch with a cap violation in its second event reserves nothing either.
    let e = proxy
        .batch_submit_events(&[
            event(m1, 1).with_currency("USD"),
            event(m1, 20_000).with_currency("USD"),
        ])
        .await
        .expect_err("cap");
    assert!(matches!(e, Error::ValueCapExceeded { .. }), "{e:?}");

    // The rate limit: two events per machine per hour.
    proxy.submit_event(event(m1, 10_000)).await.expect("first");
    proxy.submit_event(event(m1, 2)).await.expect("second");
    let e = proxy.submit_event(event(m1, 3)).await.expect_err("third");
    match &e {
        Error::RateLimitExceeded {
            machine_id,
            count,
            max_events,
            window_seconds,
        } => {
            assert_eq!(
                (*machine_id, *count, *max_events, *window_seconds),
                (m1, 2, 2, 3_600)
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(e.to_string(), format!("Machine {m1}: 2/2 events in 3600s"));
    assert!(matches!(
        proxy
            .check_operational_limits(m1, U256::ONE)
            .expect_err("full"),
        Error::RateLimitExceeded { .. }
    ));
    // Per machine: m2 has its own window; a batch counts its own earlier events.
    proxy
        .batch_submit_events(&[
            event(m2, 1).with_currency("USD"),
            event(m2, 2).with_currency("USD"),
        ])
        .await
        .expect("two for m2");
    assert!(matches!(
        proxy.submit_event(event(m2, 1)).await.expect_err("m2 full"),
        Error::RateLimitExceeded { .. }
    ));
    assert_eq!(proxy.event_count(m1).await.expect("count"), U256::from(2));
    assert_eq!(proxy.event_count(m2).await.expect("count"), U256::from(2));

    // Clones share the tracker; another client (same key) has its own.
    assert!(matches!(
        proxy
            .clone()
            .submit_event(event(m1, 1))
            .await
            .expect_err("clone"),
        Error::RateLimitExceeded { .. }
    ));
    let fresh = client_with(&devnet, 2, limits);
    fresh
        .submit_event(event(m1, 1))
        .await
        .expect("a fresh tracker");
    // 0 disables: no limits at all.
    let unlimited = client(&devnet, 2);
    unlimited
        .submit_event(event(m1, 1_000_000))
        .await
        .expect("no cap");
    devnet.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread")]
async fn reading_events_of_an_unknown_machine() {
    // An empty list or a decoded revert, never a panic.
    let devnet = devnet().await;
    let c = client(&devnet, 6);
    match c
        .get_events(U256::from(424_242), U256::ZERO, U256::from(10))
        .await
    {
        Ok(events) => assert!(events.is_empty()),
        Err(e) => {
            assert!(e.is_revert::<EventRegistry::MachineNotFound>(), "{e:?}");
        }
    }
    devnet.shutdown().await.expect("shutdown");
}
