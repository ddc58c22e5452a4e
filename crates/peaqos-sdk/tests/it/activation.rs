//! The activation workflow on a devnet: self-managed and proxy, typed step results, progress
//! events, re-runs that skip every step, the funder hook, and the read-only client.

use crate::common;

use std::ops::ControlFlow;

use alloy::primitives::U256;
use common::{PEAQ, client, devnet, fresh_client};
use peaqos_sdk::{
    PeaqosClient,
    activation::{
        Activation, ActivationError, FundFuture, Funder, MachineAttributes, Mode, OnProgress,
        Outcome, Progress, Recovered, Role, Step, StepResult, WalletBalance,
    },
};
use peaqos_types::DataVisibility;

fn attributes() -> MachineAttributes {
    MachineAttributes {
        documentation_url: "https://example.com/docs".into(),
        data_api: "https://example.com/api".into(),
        visibility: DataVisibility::Public,
    }
}

/// Records the steps started and finished.
#[derive(Default)]
struct Log {
    started: Vec<Step>,
    finished: Vec<StepResult>,
}

impl Log {
    fn on(&mut self, p: Progress<'_>) -> ControlFlow<()> {
        match p {
            Progress::Started(step) => self.started.push(step),
            Progress::Finished(result) => self.finished.push(result.clone()),
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

async fn activate(activation: Activation) -> (Result<StepResults, ActivationError>, Log) {
    let mut log = Log::default();
    let result = async {
        let plan = activation.prepare(&mut |p| log.on(p)).await?;
        plan.run(None, &mut |p| log.on(p)).await.map(|r| r.steps)
    }
    .await;
    (result, log)
}

type StepResults = Vec<StepResult>;

fn outcomes(steps: &[StepResult]) -> Vec<(Step, bool)> {
    steps
        .iter()
        .map(|s| {
            let sent = match s {
                StepResult::Register { outcome, .. }
                | StepResult::MintNft { outcome, .. }
                | StepResult::MachineDid { outcome, .. }
                | StepResult::ProxyDid { outcome, .. } => matches!(outcome, Outcome::Done { .. }),
                _ => false,
            };
            (s.step(), sent)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn self_managed_then_a_rerun_that_skips_everything() {
    let devnet = devnet().await;
    let funder = client(&devnet, 0);
    let machine = fresh_client(&devnet, &funder, 5).await;

    let activation = Activation::self_managed(machine.clone(), attributes()).expect("valid");
    assert_eq!(activation.mode(), Mode::SelfManaged);
    let (steps, log) = activate(activation).await;
    let steps = steps.expect("activated");
    assert_eq!(
        outcomes(&steps),
        vec![
            (Step::Register, true),
            (Step::MintNft, true),
            (Step::MachineDid, true)
        ]
    );
    assert_eq!(
        log.started,
        vec![Step::Register, Step::MintNft, Step::MachineDid]
    );
    let StepResult::MintNft {
        machine_id,
        token_id,
        recipient,
        ..
    } = &steps[1]
    else {
        panic!("{steps:?}")
    };
    assert_eq!(*recipient, machine.address());
    assert_eq!(
        machine.token_id_of(*machine_id).await.expect("token"),
        *token_id
    );

    // Everything is on chain: a re-run sends nothing.
    let again = Activation::self_managed(machine.clone(), attributes()).expect("valid");
    let (steps, _) = activate(again).await;
    let steps = steps.expect("re-run");
    assert!(outcomes(&steps).iter().all(|(_, sent)| !sent), "{steps:?}");
    assert!(matches!(
        steps[2],
        StepResult::MachineDid {
            outcome: Outcome::Skipped {
                recovered_from: Some(Recovered::AttributeAlreadyOnChain)
            },
            ..
        }
    ));
    devnet.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread")]
async fn proxy_activation_and_its_preconditions() {
    let devnet = devnet().await;
    let funder = client(&devnet, 0);
    let operator = fresh_client(&devnet, &funder, 10).await;
    let machine = fresh_client(&devnet, &funder, 1).await;

    // The operator must be registered first.
    let activation =
        Activation::proxy(operator.clone(), machine.clone(), attributes()).expect("valid");
    let (result, _) = activate(activation).await;
    assert!(matches!(
        result,
        Err(ActivationError::ProxyNotRegistered { .. })
    ));
    let proxy_id = operator
        .register_machine()
        .await
        .expect("operator registered");

    let activation =
        Activation::proxy(operator.clone(), machine.clone(), attributes()).expect("valid");
    assert_eq!(activation.target(), machine.address());
    let (steps, _) = activate(activation).await;
    let steps = steps.expect("activated");
    assert_eq!(
        outcomes(&steps),
        vec![
            (Step::Register, true),
            (Step::MintNft, true),
            (Step::MachineDid, true),
            (Step::ProxyDid, true)
        ]
    );
    let StepResult::ProxyDid {
        proxy_machine_id,
        machine_id,
        machine_ids,
        attributes_written,
        ..
    } = &steps[3]
    else {
        panic!("{steps:?}")
    };
    assert_eq!(*proxy_machine_id, proxy_id);
    assert_eq!(machine_ids, &vec![*machine_id]);
    assert_eq!(*attributes_written, 2);
    let listed = operator
        .read_attribute(operator.address(), "machines")
        .await
        .expect("read")
        .expect("written");
    assert_eq!(listed.value, format!("[{machine_id}]"));
    devnet.shutdown().await.expect("shutdown");
}

/// A funder that tops every low wallet up from a rich account.
struct TopUp(PeaqosClient);

impl Funder for TopUp {
    fn fund<'a>(
        &'a mut self,
        low: &'a [WalletBalance],
        _progress: &'a mut OnProgress<'_>,
    ) -> FundFuture<'a> {
        Box::pin(async move {
            for w in low {
                self.0
                    .send_call(w.address, Default::default(), U256::from(2 * PEAQ))
                    .await?;
            }
            Ok(())
        })
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_funder_is_asked_only_for_low_wallets_and_read_only_clients_cannot_sign() {
    let devnet = devnet().await;
    let rich = client(&devnet, 0);
    let machine = fresh_client(&devnet, &rich, 0).await;

    // No funder, no money: stopped before any transaction.
    let activation = Activation::self_managed(machine.clone(), attributes()).expect("valid");
    let (result, _) = activate(activation).await;
    assert!(matches!(
        result,
        Err(ActivationError::BondNotCovered { .. })
    ));

    let mut balances = Vec::new();
    let plan = Activation::self_managed(machine.clone(), attributes())
        .expect("valid")
        .prepare(&mut |_| ControlFlow::Continue(()))
        .await
        .expect("prepared");
    let mut funder = TopUp(rich.clone());
    let report = plan
        .run(Some(&mut funder), &mut |p| {
            if let Progress::Balance(b) = p {
                balances.push(*b);
            }
            ControlFlow::Continue(())
        })
        .await
        .expect("activated");
    assert_eq!(balances.len(), 1);
    assert_eq!(balances[0].role, Role::Operator);
    assert!(!balances[0].sufficient);
    assert!(matches!(
        report.steps[0],
        StepResult::Funding { funded: true, .. }
    ));

    // A read-only client reads, and fails to write with WALLET_NOT_CONFIGURED.
    let reader = PeaqosClient::read_only(machine.network().clone()).expect("reader");
    assert_eq!(reader.signer_address(), None);
    assert_eq!(
        reader.machine_id_of(machine.address()).await.expect("read"),
        report.machine_id
    );
    let err = reader.register_machine().await.expect_err("no signer");
    assert_eq!(
        err.rpc_code(),
        Some(peaqos_sdk::RpcCode::WalletNotConfigured)
    );
    devnet.shutdown().await.expect("shutdown");
}

#[test]
fn attributes_are_checked_before_anything_is_sent() {
    let bad = MachineAttributes {
        documentation_url: String::new(),
        ..attributes()
    };
    let v = bad.validate().expect_err("empty url");
    assert_eq!(v.field, "documentation_url");
}
