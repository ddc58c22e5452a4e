//! `onboard_fleet`: a proxy onboards machines in one call; a re-run finishes nothing twice.

use crate::common;

use alloy::primitives::U256;
use common::{client, devnet, nonce};
use peaqos_sdk::{
    fleet::{FleetMachine, FleetOptions},
    signer::PrivateKey,
};
use peaqos_types::{DataVisibility, Did};

fn specs(n: usize) -> Vec<FleetMachine> {
    (0..n)
        .map(|i| FleetMachine {
            key: PrivateKey::random(),
            documentation_url: format!("https://docs.example.com/{i}"),
            data_api: format!("https://api.example.com/{i}"),
            visibility: DataVisibility::Onchain,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn onboards_and_a_rerun_sends_nothing() {
    let devnet = devnet().await;
    let proxy = client(&devnet, 1);
    let fleet = specs(3);
    let options = FleetOptions {
        fund_wei: U256::from(10u64.pow(17)),
    };
    let report = proxy.onboard_fleet(&fleet, options).await.expect("onboard");
    assert_eq!(report.machines.len(), 3);
    assert!(report.proxy_did_tx.is_some());
    let operator = Did::new(proxy.address()).to_string();
    for (spec, m) in fleet.iter().zip(&report.machines) {
        assert_eq!(m.address, spec.key.address());
        assert_eq!(
            proxy.machine_id_of(m.address).await.expect("id"),
            m.machine_id
        );
        assert_eq!(
            proxy.token_id_of(m.machine_id).await.expect("token"),
            m.token_id
        );
        let attr = |name: &'static str| {
            let proxy = proxy.clone();
            async move {
                proxy
                    .read_attribute(m.address, name)
                    .await
                    .expect("read")
                    .expect("written")
                    .value
            }
        };
        assert_eq!(attr("operator").await, operator);
        assert_eq!(attr("documentation_url").await, spec.documentation_url);
        assert_eq!(attr("data_visibility").await, "onchain");
    }
    let listed = proxy
        .read_attribute(proxy.address(), "machines")
        .await
        .expect("read")
        .expect("machines");
    let ids: Vec<String> = report
        .machines
        .iter()
        .map(|m| m.machine_id.to_string())
        .collect();
    assert_eq!(listed.value, format!("[{}]", ids.join(", ")));

    // Same fleet again: everything is on chain already, no transaction is sent.
    let before = nonce(&proxy).await;
    let again = proxy.onboard_fleet(&fleet, options).await.expect("rerun");
    assert_eq!(again.machines, report.machines);
    assert_eq!(again.proxy_did_tx, None);
    assert_eq!(
        nonce(&proxy).await,
        before,
        "no proxy transaction on a re-run"
    );

    // Another fleet for the same proxy: appended to the list (one DID update).
    let more = proxy
        .onboard_fleet(&specs(2), options)
        .await
        .expect("second fleet");
    assert!(more.proxy_did_tx.is_some());
    let listed = proxy
        .read_attribute(proxy.address(), "machines")
        .await
        .expect("read")
        .expect("machines");
    let all: Vec<String> = report
        .machines
        .iter()
        .chain(&more.machines)
        .map(|m| m.machine_id.to_string())
        .collect();
    assert_eq!(listed.value, format!("[{}]", all.join(", ")));
}

#[test]
fn the_machines_list_keeps_the_newest_hundred() {
    use peaqos_sdk::did::{MACHINES_ATTRIBUTE_CAP, append_machines, newest_machines};
    let old: Vec<u64> = (1..=99).collect();
    assert_eq!(
        append_machines(&old, &[5, 100]),
        (1..=100).collect::<Vec<_>>()
    );
    let grown = append_machines(&old, &[100, 101, 102]);
    assert_eq!(grown.len(), MACHINES_ATTRIBUTE_CAP);
    assert_eq!(grown.first(), Some(&3));
    assert_eq!(grown.last(), Some(&102));
    let many: Vec<u64> = (1..=250).collect();
    assert_eq!(newest_machines(&many), &many[150..]);
    assert_eq!(newest_machines(&many[..3]), &many[..3]);
}
