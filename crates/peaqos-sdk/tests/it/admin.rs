//! AdminFlags through the SDK on a local stack: the owner (the `.env` dev account) flags a
//! rated machine and the MCR's next index pass lowers its rating to what the published model
//! says (`/explain` shows the flag); unflag brings it back; a trust override replaces the event
//! trust; a non-owner gets the contract's `OwnableUnauthorizedAccount`.

use std::time::Duration;

use alloy::primitives::{Address, U256};
use peaqos_contracts::bindings::AdminFlags;
use peaqos_mcr_model::params::{FLAG_TRUST_MULTIPLIER, TRUST_OVERRIDE_FULL_BPS};
use peaqos_sdk::{PeaqosClient, client::ClientConfig};
use peaqos_stack::{ENV_ACCOUNT, LocalStack, StackConfig};
use peaqos_test_utils::devnet::{FUNDER_ACCOUNT, funded_client, rated_machine};
use peaqos_types::{Did, api::McrRating};
use serde_json::Value;

const INDEXED: Duration = Duration::from_secs(60);

/// `GET /mcr/{did}/explain` after the MCR has indexed the chain's head.
pub(crate) async fn explain(stack: &LocalStack, machine: Address) -> Value {
    stack.wait_indexed(INDEXED).await.expect("indexed");
    let url = format!("{}/mcr/{}/explain", stack.mcr.url(), Did::new(machine));
    let response = reqwest::get(&url).await.expect("explain answers");
    assert_eq!(response.status(), 200, "{url}");
    response.json().await.expect("explain JSON")
}

fn num(v: &Value, path: &[&str]) -> f64 {
    let mut at = v;
    for key in path {
        at = &at[*key];
    }
    at.as_f64().unwrap_or_else(|| panic!("{path:?} in {v}"))
}

/// The published model's rule from a raw score: rounded, clamped, below the lowest letter → 0.
fn published_score(raw: f64) -> (u64, McrRating) {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let rounded = raw.clamp(0.0, 100.0).round() as u8;
    let rating = McrRating::for_score(rounded);
    let score = if rating == McrRating::NR { 0 } else { rounded };
    (u64::from(score), rating)
}

/// Asserts the rating in `after` is the model's for `raw` (score and letter).
#[track_caller]
pub(crate) fn assert_rated_as(after: &Value, raw: f64) {
    assert!(
        (num(after, &["explain", "raw_score"]) - raw).abs() < 0.05,
        "raw score {} is not the model's {raw}: {after}",
        num(after, &["explain", "raw_score"])
    );
    let (score, rating) = published_score(num(after, &["explain", "raw_score"]));
    assert_eq!(after["mcr_score"].as_u64(), Some(score), "{after}");
    assert_eq!(after["mcr"].as_str(), Some(rating.to_string().as_str()));
}

/// The stack, its admin's client and a rated machine (id, address).
pub(crate) async fn stack_with_rated_machine() -> (LocalStack, PeaqosClient, U256, Address) {
    let stack = LocalStack::start(StackConfig::ephemeral(), |_| {})
        .await
        .expect("stack");
    let network = peaqos_sdk::NetworkConfig::new(&stack.devnet.url, stack.contracts())
        .with_api_url(stack.mcr.url());
    let client = |account: usize| {
        PeaqosClient::new(ClientConfig::new(
            network.clone(),
            peaqos_sdk::Signer::from(stack.devnet.accounts[account].signer()),
        ))
        .expect("client")
    };
    let admin = client(ENV_ACCOUNT);
    let (machine, id) = rated_machine(&client(FUNDER_ACCOUNT), 60).await;
    (stack, admin, id, machine.address())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flag_and_override_move_the_rating_as_the_model_says() {
    let (stack, admin, id, machine) = stack_with_rated_machine().await;
    assert_eq!(
        admin.admin_flags_owner().await.expect("owner"),
        stack.admin()
    );
    let before = explain(&stack, machine).await;
    assert_eq!(before["explain"]["trust"]["flag_active"], false, "{before}");
    let trust = num(&before, &["explain", "trust", "points"]);
    let raw = num(&before, &["explain", "raw_score"]);
    assert!(
        trust > 10.0,
        "a hardware-signed history earns trust: {before}"
    );
    assert_rated_as(&before, raw);

    // Flag: the trust contribution is multiplied by the model's flag multiplier.
    admin.flag_machine(id).await.expect("flag");
    let state = admin.admin_state(id).await.expect("state");
    assert!(state.flagged && state.flagged_at.is_some(), "{state:?}");
    let flagged = explain(&stack, machine).await;
    assert_eq!(
        flagged["explain"]["trust"]["flag_active"], true,
        "{flagged}"
    );
    assert_eq!(
        num(&flagged, &["explain", "trust", "flag_multiplier"]),
        FLAG_TRUST_MULTIPLIER
    );
    assert_eq!(flagged["negative_flag"], true, "{flagged}");
    assert_rated_as(&flagged, raw - trust * (1.0 - FLAG_TRUST_MULTIPLIER));
    assert!(
        flagged["mcr_score"].as_u64() < before["mcr_score"].as_u64(),
        "{before} → {flagged}"
    );

    // Unflag: back to where it was.
    admin.clear_flag(id).await.expect("unflag");
    let unflagged = explain(&stack, machine).await;
    assert_eq!(unflagged["explain"]["trust"]["flag_active"], false);
    assert_eq!(unflagged["mcr_score"], before["mcr_score"]);
    assert_eq!(unflagged["mcr"], before["mcr"]);

    // A trust override of 25 %: the base is bps / 10000 instead of the event trust (1.0).
    admin.set_trust_override(id, 2_500).await.expect("override");
    assert_eq!(
        admin
            .admin_state(id)
            .await
            .expect("state")
            .trust_override_bps,
        Some(2_500)
    );
    let overridden = explain(&stack, machine).await;
    assert_eq!(
        overridden["explain"]["trust"]["override_bps"].as_u64(),
        Some(2_500)
    );
    let base = num(&before, &["explain", "trust", "base"]);
    let share = 2_500.0 / f64::from(TRUST_OVERRIDE_FULL_BPS);
    assert_rated_as(&overridden, raw - trust + trust * share / base);
    admin.clear_trust_override(id).await.expect("clear");
    let cleared = explain(&stack, machine).await;
    assert_eq!(cleared["mcr_score"], before["mcr_score"]);

    // The contract's own errors, typed.
    let err = admin.clear_flag(id).await.expect_err("not flagged");
    assert!(err.is_revert::<AdminFlags::MachineNotFlagged>(), "{err}");
    let err = admin
        .set_trust_override(id, 10_001)
        .await
        .expect_err("too high");
    assert_eq!(err.code(), "VALIDATION_ERROR");
    stack.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_owner_gets_the_contracts_error() {
    let stack = LocalStack::start(StackConfig::ephemeral(), |_| {})
        .await
        .expect("stack");
    let network = peaqos_sdk::NetworkConfig::new(&stack.devnet.url, stack.contracts());
    let funder = PeaqosClient::new(ClientConfig::new(
        network,
        peaqos_sdk::Signer::from(stack.devnet.accounts[FUNDER_ACCOUNT].signer()),
    ))
    .expect("funder");
    let stranger = funded_client(&stack.devnet, &funder, 1).await;
    let (_, id) = rated_machine(&funder, 1).await;
    for result in [
        stranger.flag_machine(id).await,
        stranger.set_trust_override(id, 100).await,
    ] {
        let err = result.expect_err("not the owner");
        assert!(
            err.is_revert::<AdminFlags::OwnableUnauthorizedAccount>(),
            "{err}"
        );
        assert_eq!(err.code(), "OwnableUnauthorizedAccount");
        assert_eq!(
            err.revert()
                .and_then(|r| r.as_error::<AdminFlags::OwnableUnauthorizedAccount>())
                .map(|e| e.account),
            Some(stranger.address())
        );
    }
    assert!(!stranger.admin_state(id).await.expect("state").flagged);
    stack.shutdown().await.expect("shutdown");
}
