//! `peaqos admin flag|unflag|trust-override|clear-override MACHINE`: the AdminFlags owner's
//! negative flag and trust override (on the local stack the `.env` dev account is the owner).
//! MACHINE is a machine id, an address or a `did:peaq:0x…`; the MCR shows the change after its
//! next index pass (`peaqos qualify mcr DID`, `GET /mcr/{did}/explain`).

use alloy::primitives::{Address, B256, U256};
use peaqos_contracts::bindings::AdminFlags;
use peaqos_sdk::{PeaqosClient, admin::AdminState};
use peaqos_types::Did;

use crate::{
    env::Env,
    error::{CliError, CliResult},
    output::{parse_address, print_json, rows},
    ui::Ui,
};

#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Flag a machine: its trust contribution is penalised for the model's flag window.
    Flag(Target),
    /// Clear a machine's flag.
    Unflag(Target),
    /// Set a machine's trust override in basis points (0-10000; 10000 = hardware-signed).
    TrustOverride(OverrideArgs),
    /// Remove a machine's trust override.
    ClearOverride(Target),
    /// Show a machine's flag and override, and the AdminFlags owner.
    Show(Target),
}

#[derive(Debug, clap::Args)]
pub(crate) struct Target {
    /// The machine: its id, its address, or its DID (did:peaq:0x + 40 hex).
    machine: String,
}

#[derive(Debug, clap::Args)]
pub(crate) struct OverrideArgs {
    #[command(flatten)]
    target: Target,
    /// The override in basis points of the hardware-signed weight (0-10000).
    #[arg(value_parser = clap::value_parser!(u16).range(0..=i64::from(peaqos_sdk::admin::MAX_TRUST_OVERRIDE_BPS)))]
    bps: u16,
}

/// What an admin command did (the `--json` object).
#[derive(Debug, serde::Serialize)]
struct Outcome {
    action: &'static str,
    machine_id: String,
    did: Option<String>,
    tx_hash: Option<B256>,
    state: AdminState,
    /// EIP-55, as the rest of the CLI prints addresses.
    admin_flags_owner: String,
}

pub(crate) async fn run(ui: &Ui, env: &Env, command: Command) -> CliResult {
    let client = env.client()?;
    let (action, target, bps) = match &command {
        Command::Flag(t) => ("flag", t, None),
        Command::Unflag(t) => ("unflag", t, None),
        Command::TrustOverride(a) => ("trust-override", &a.target, Some(a.bps)),
        Command::ClearOverride(t) => ("clear-override", t, None),
        Command::Show(t) => ("show", t, None),
    };
    let (machine_id, did) = resolve(&client, &target.machine).await?;
    let owner = client.admin_flags_owner().await?;
    let sent = match &command {
        Command::Flag(_) => Some(client.flag_machine(machine_id).await),
        Command::Unflag(_) => Some(client.clear_flag(machine_id).await),
        Command::TrustOverride(_) => Some(
            client
                .set_trust_override(machine_id, bps.unwrap_or_default())
                .await,
        ),
        Command::ClearOverride(_) => Some(client.clear_trust_override(machine_id).await),
        Command::Show(_) => None,
    };
    let tx_hash = match sent {
        Some(result) => Some(result.map_err(|e| admin_error(e, owner, client.address()))?),
        None => None,
    };
    let state = client.admin_state(machine_id).await?;
    let outcome = Outcome {
        action,
        machine_id: machine_id.to_string(),
        did: did.map(|d| d.to_string()),
        tx_hash,
        state,
        admin_flags_owner: owner.to_string(),
    };
    if ui.json {
        return print_json(&outcome);
    }
    let mut lines = vec![("Machine ID", outcome.machine_id.clone())];
    if let Some(did) = &outcome.did {
        lines.push(("peaqID", did.clone()));
    }
    lines.push((
        "Flag",
        state.flagged_at.map_or_else(
            || "not flagged".to_owned(),
            |t| format!("flagged at {}", timestamp(t)),
        ),
    ));
    lines.push((
        "Trust override",
        state
            .trust_override_bps
            .map_or_else(|| "none".to_owned(), |b| format!("{b} bps")),
    ));
    if let Some(tx) = tx_hash {
        lines.push(("Tx", tx.to_string()));
    }
    lines.push(("AdminFlags owner", outcome.admin_flags_owner.clone()));
    for line in rows("  ", &lines) {
        ui.out(line);
    }
    if let (Some(_), Some(did)) = (tx_hash, &outcome.did) {
        ui.info(format!(
            "The MCR reflects this on its next index pass: peaqos qualify mcr {did} (why: GET \
             /mcr/{did}/explain)"
        ));
    }
    Ok(())
}

/// A machine id, an address or a DID → the machine id (and the machine's DID when known).
async fn resolve(client: &PeaqosClient, machine: &str) -> CliResult<(U256, Option<Did>)> {
    let text = machine.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        let id: U256 = text
            .parse()
            .map_err(|_| CliError::user(format!("MACHINE: '{text}' is not a machine id")))?;
        if id.is_zero() {
            return Err(CliError::user("MACHINE: machine id must be positive"));
        }
        return Ok((id, None));
    }
    let address = match text.strip_prefix("did:peaq:") {
        Some(rest) => parse_address("MACHINE", rest)?,
        None => parse_address("MACHINE", text)?,
    };
    let id = client.machine_id_of(address).await?;
    if id.is_zero() {
        return Err(CliError::user(format!(
            "MACHINE: {address} is not a registered machine"
        )));
    }
    Ok((id, Some(Did::new(address))))
}

/// The contract's owner-only revert as a sentence naming both accounts; other reverts with
/// their error's name.
fn admin_error(err: peaqos_sdk::Error, owner: Address, signer: Address) -> CliError {
    if err.is_revert::<AdminFlags::OwnableUnauthorizedAccount>() {
        return CliError::network(format!(
            "Only the AdminFlags owner ({owner}) can do this; the configured signer {signer} is \
             not the owner (OwnableUnauthorizedAccount)"
        ));
    }
    if err.revert().is_some() {
        // The contract's error by name, so scripts can match it.
        return CliError::network(format!("Transaction failed — {err} ({})", err.code()));
    }
    err.into()
}

fn timestamp(secs: u64) -> String {
    i64::try_from(secs)
        .ok()
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .map_or_else(
            || secs.to_string(),
            |d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        )
}
