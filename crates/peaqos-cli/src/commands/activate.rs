//! `peaqos activate`: the six idempotent steps (balance check, 2FA enrollment, Gas Station
//! funding, register, mint the Machine NFT, DID attributes), self-managed or proxy
//! (`--for ADDRESS --machine-key FILE`), journaled in `./peaqos.log`.
//!
//! Every input is checked before the first transaction (the original registers and mints, then
//! fails on an empty `--doc-url`), and every step reads chain state first, so a re-run skips
//! finished work and a killed run resumes.

use std::path::PathBuf;

use alloy::{
    primitives::{Address, Bytes, U256},
    providers::Provider as _,
    sol_types::SolCall as _,
};
use peaqos_contracts::bindings::{DIDPrecompile, MachineNFT};
use peaqos_sdk::{
    ApiCode, ClientConfig, Error as SdkError, FaucetCode, PeaqosClient, QrFormat, ValidationError,
    events::encode_batch_all,
    gas_station::{FundOutcome, GasStationClient},
    validation::{validate_data_visibility, validate_machine_did_attrs},
};
use peaqos_types::{
    DataVisibility,
    constants::{DID_ATTR_MACHINE_ID, DID_ATTR_MACHINES},
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    commands::init::read_key_file,
    env::{ENV_GAS_STATION_URL, ENV_NETWORK, Env, missing_env},
    error::{CliError, CliResult, faucet_message},
    journal::{FundResume, JOURNAL_FILE, Journal},
    output::{parse_address, peaq, rows, short},
    ui::{Style, Ui},
};

/// The balance each wallet needs before registering: 0.5 PEAQ (the faucet's `minGasBalance`).
pub(crate) const MIN_BALANCE_WEI: u128 = 500_000_000_000_000_000;

const STEPS: usize = 6;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Proxy mode: the machine's address (with --machine-key).
    #[arg(long = "for", value_name = "ADDRESS")]
    for_address: Option<String>,
    /// Proxy mode: a file with the machine's key (0x + 64 hex); it signs the machine's DID.
    #[arg(long, value_name = "PATH")]
    machine_key: Option<PathBuf>,
    /// Documentation URL (DID attribute documentation_url; required, ASCII, ≤ 2560 bytes).
    #[arg(long, default_value = "")]
    doc_url: String,
    /// Data API URL (DID attribute data_api; required, ASCII, ≤ 2560 bytes).
    #[arg(long, default_value = "")]
    data_api: String,
    /// DID attribute data_visibility.
    #[arg(long, default_value = "public", value_parser = ["public", "private", "onchain"])]
    visibility: String,
    /// Skip the balance check, 2FA and Gas Station funding (steps 1-3).
    #[arg(long)]
    skip_funding: bool,
}

/// Proxy mode inputs.
struct Proxy {
    machine: Address,
    client: PeaqosClient,
}

pub(crate) async fn run(ui: &Ui, env: &Env, args: Args) -> CliResult {
    // ---- inputs, all before anything is sent
    let visibility = validate_data_visibility(&args.visibility).map_err(flag_error)?;
    let machine = match (&args.for_address, &args.machine_key) {
        (None, None) => None,
        (Some(addr), Some(path)) => {
            let machine = parse_address("--for", addr)?;
            let key = read_key_file(path)?;
            if key.address() != machine {
                return Err(CliError::user(format!(
                    "--machine-key holds the key of {}, not of --for {machine}.",
                    key.address()
                )));
            }
            Some((machine, key))
        }
        _ => {
            return Err(CliError::user(
                "--for and --machine-key must be used together (proxy mode).",
            ));
        }
    };
    // The SDK's own rules for the six attributes, with placeholder ids.
    validate_machine_did_attrs(
        U256::from(1),
        U256::from(1),
        "",
        &args.doc_url,
        &args.data_api,
        visibility.as_str(),
    )
    .map_err(flag_error)?;

    let client = env.client()?;
    let operator = client.address();
    let proxy = match machine {
        Some((machine, key)) => Some(Proxy {
            machine,
            client: PeaqosClient::new(
                ClientConfig::new(client.rpc_url(), key.signer(), *client.contracts())
                    .with_api_url(client.api_url()),
            )?,
        }),
        None => None,
    };
    let target = proxy.as_ref().map_or(operator, |p| p.machine);
    let mode = if proxy.is_some() { "proxy" } else { "self" };

    let spinner = ui.spinner("Reading chain state");
    let operator_machine_id = client.machine_id_of(operator).await?;
    let existing_id = if proxy.is_some() {
        client.machine_id_of(target).await?
    } else {
        operator_machine_id
    };
    drop(spinner);
    if proxy.is_some() && operator_machine_id.is_zero() {
        return Err(CliError::network(
            "Proxy operator is not registered on IdentityRegistry. Register the proxy first \
             (run 'peaqos activate' without --for using the operator key).",
        ));
    }

    let mut journal = Journal::open(std::path::Path::new(JOURNAL_FILE))?;

    // ---- steps 1-3: balances and funding
    let mut wallets = vec![("Operator", operator)];
    if let Some(p) = proxy.as_ref().filter(|p| p.machine != operator) {
        wallets.push(("Machine", p.machine));
    }
    if args.skip_funding {
        ui.step(1, STEPS, "Balance check - skipped (--skip-funding)");
        ui.step(2, STEPS, "2FA enrollment - skipped (--skip-funding)");
        ui.step(3, STEPS, "Fund from Gas Station - skipped (--skip-funding)");
        preflight_funds(&client, &proxy, existing_id.is_zero()).await?;
    } else {
        fund(ui, env, &client, &mut journal, &wallets).await?;
    }

    // ---- step 4: register
    ui.step(4, STEPS, "Register machine");
    let reg = |status: &str, id: U256, extra: Option<(&'static str, Value)>| {
        let mut f: Vec<(&str, Value)> = vec![
            ("mode", mode.into()),
            ("address", target.to_string().into()),
            ("machine_id", u256_json(id)),
        ];
        f.extend(extra);
        (status.to_owned(), f)
    };
    let (machine_id, (status, fields)) = if existing_id.is_zero() {
        let spinner = ui.spinner("Waiting for the registration transaction");
        let result = match &proxy {
            Some(p) => client.register_for(p.machine).await,
            None => client.register_machine().await,
        };
        drop(spinner);
        match result {
            Ok(id) => {
                if proxy.is_some() {
                    ui.info(format!(
                        "  Registered machine {target} under proxy. machine_id={id}"
                    ));
                } else {
                    ui.info(format!("  Registered. machine_id={id}"));
                }
                (id, reg("confirmed", id, None))
            }
            Err(e) if e.code() == "AlreadyRegistered" => {
                let id = client.machine_id_of(target).await?;
                ui.info(format!("  Already registered (machine_id={id}). Skipping."));
                let recovered = ("recovered_from", "AlreadyRegistered".into());
                (id, reg("skipped", id, Some(recovered)))
            }
            Err(e) => {
                let (status, fields) =
                    reg("failed", U256::ZERO, Some(("reason", e.to_string().into())));
                journal.write("register", &status, &fields)?;
                return Err(e.into());
            }
        }
    } else {
        ui.info(format!(
            "  Already registered (machine_id={existing_id}). Skipping."
        ));
        (existing_id, reg("skipped", existing_id, None))
    };
    journal.write("register", &status, &fields)?;

    // ---- step 5: Machine NFT
    ui.step(5, STEPS, "Mint NFT");
    let token_id = mint(ui, &client, &mut journal, machine_id, target).await?;

    // ---- step 6: DID attributes
    ui.step(6, STEPS, "Write DID attributes");
    let operator_did = proxy.as_ref().map(|_| format!("did:peaq:{operator}"));
    let subject = proxy.as_ref().map_or(&client, |p| &p.client);
    write_machine_did(
        ui,
        subject,
        &mut journal,
        MachineDid {
            mode,
            machine_id,
            token_id,
            operator_did: operator_did.as_deref(),
            doc_url: &args.doc_url,
            data_api: &args.data_api,
            visibility,
        },
    )
    .await?;
    if proxy.is_some() {
        write_proxy_did(ui, &client, &mut journal, operator_machine_id, machine_id).await?;
    }

    // ---- summary (stdout)
    ui.out("");
    let mut summary = Vec::new();
    if proxy.is_some() {
        ui.out(ui.out_style(
            Style::Green,
            "Machine activated successfully (proxy-managed).",
        ));
        summary.push(("Machine Address", target.to_string()));
    } else {
        ui.out(ui.out_style(Style::Green, "Machine activated successfully."));
    }
    summary.push(("Machine ID", machine_id.to_string()));
    summary.push(("Token ID", token_id.to_string()));
    summary.push(("Machine DID", format!("did:peaq:{target}")));
    if let Some(did) = &operator_did {
        summary.push(("Operator DID", did.clone()));
    }
    for line in rows("  ", &summary) {
        ui.out(line);
    }
    Ok(())
}

/// A validation error named after the flag it came from (exit 1).
#[allow(clippy::needless_pass_by_value)] // used as map_err(flag_error)
fn flag_error(v: ValidationError) -> CliError {
    let flag = match v.field.as_str() {
        "documentation_url" => "--doc-url",
        "data_api" => "--data-api",
        "data_visibility" => "--visibility",
        other => other,
    };
    CliError::user(format!(
        "{flag}: {} (constraint: {})",
        v.message, v.constraint
    ))
}

fn u256_json(v: U256) -> Value {
    u64::try_from(v).map_or_else(|_| Value::String(v.to_string()), Value::from)
}

/// With `--skip-funding`: fail before any transaction if a wallet cannot pay for its part (the
/// operator the bond when registering, the machine its DID transaction).
async fn preflight_funds(
    client: &PeaqosClient,
    proxy: &Option<Proxy>,
    registering: bool,
) -> CliResult {
    let balance = |a: Address| async move {
        client
            .provider()
            .get_balance(a)
            .await
            .map_err(|e| CliError::network(format!("eth_getBalance failed: {e}")))
    };
    if registering {
        let bond = client.min_bond().await?;
        let have = balance(client.address()).await?;
        if have <= bond {
            return Err(CliError::network(format!(
                "Operator {} holds {} PEAQ: not enough for the {} PEAQ bond plus gas. Fund it \
                 or drop --skip-funding to use the Gas Station.",
                client.address(),
                peaq(have),
                peaq(bond)
            )));
        }
    }
    if let Some(p) = proxy {
        // Only a machine whose DID is still to be written pays for a transaction.
        if p.client
            .read_attribute(p.machine, DID_ATTR_MACHINE_ID)
            .await?
            .is_some()
        {
            return Ok(());
        }
        let have = balance(p.machine).await?;
        if have.is_zero() {
            return Err(CliError::network(format!(
                "Machine {} holds 0 PEAQ and cannot pay for its DID transaction. Fund it or \
                 drop --skip-funding to use the Gas Station.",
                p.machine
            )));
        }
    }
    Ok(())
}

/// Steps 1-3.
async fn fund(
    ui: &Ui,
    env: &Env,
    client: &PeaqosClient,
    journal: &mut Journal,
    wallets: &[(&'static str, Address)],
) -> CliResult {
    ui.step(1, STEPS, "Balance check");
    let min = U256::from(MIN_BALANCE_WEI);
    let mut low = Vec::new();
    for (label, address) in wallets {
        let have = client
            .provider()
            .get_balance(*address)
            .await
            .map_err(|e| CliError::network(format!("eth_getBalance failed: {e}")))?;
        let ok = have >= min;
        ui.info(format!(
            "  {label} {}: {} PEAQ ({})",
            short(&address.to_string()),
            peaq(have),
            if ok { "sufficient" } else { "insufficient" }
        ));
        if !ok {
            low.push((*label, *address));
        }
    }
    if low.is_empty() {
        ui.step(2, STEPS, "2FA enrollment - skipped (all wallets funded)");
        ui.step(
            3,
            STEPS,
            "Fund from Gas Station - skipped (all wallets funded)",
        );
        return Ok(());
    }
    let url = env
        .get(ENV_GAS_STATION_URL)
        .ok_or_else(|| missing_env(ENV_GAS_STATION_URL))?;
    let chain = faucet_chain(env)?;
    let gs = client.gas_station(&url);
    let owner = client.address().to_string();

    ui.step(2, STEPS, "2FA enrollment");
    match gs.setup_faucet_2fa(&owner, QrFormat::Svg).await {
        Ok(setup) => {
            ui.info(
                "  Add this account to your authenticator app (the URI holds your 2FA secret):",
            );
            ui.info(format!("  otpauth URI : {}", setup.otpauth_uri));
            ui.info(format!("  QR image URL: {}", setup.qr_image_url));
            let code =
                ui.prompt_hidden("Enter the 6-digit 2FA code from your authenticator app")?;
            gs.confirm_faucet_2fa(&owner, &code)
                .await
                .map_err(faucet_error)?;
            ui.info("  2FA activated.");
        }
        Err(e) if e.faucet_code() == Some(FaucetCode::TwoFaAlreadyConfigured) => {
            ui.info("  2FA already enrolled. Skipping setup.");
        }
        Err(e) => return Err(faucet_error(e)),
    }

    ui.step(3, STEPS, "Fund from Gas Station");
    let mut code = ui.prompt_hidden("Enter the 6-digit 2FA code from your authenticator app")?;
    for (label, address) in &low {
        fund_one(ui, &gs, journal, &owner, label, *address, &chain, &mut code).await?;
    }
    for (label, address) in &low {
        let have = client
            .provider()
            .get_balance(*address)
            .await
            .map_err(|e| CliError::network(format!("eth_getBalance failed: {e}")))?;
        if have < min {
            return Err(CliError::network(format!(
                "{label} {address} still holds only {} PEAQ after funding (need 0.5).",
                peaq(have)
            )));
        }
    }
    Ok(())
}

/// The Gas Station `chainId` for `PEAQOS_NETWORK` (unset: mainnet → `peaq`).
fn faucet_chain(env: &Env) -> CliResult<String> {
    let name = env.get(ENV_NETWORK).unwrap_or_else(|| "mainnet".into());
    crate::presets::preset(&name)
        .map(|p| p.faucet_chain.to_owned())
        .ok_or_else(|| {
            CliError::config(format!(
                "Unknown PEAQOS_NETWORK='{name}'. Known values: mainnet, testnet, local."
            ))
        })
}

fn faucet_error(e: SdkError) -> CliError {
    match e.api_code() {
        // The faucet's own codes, and code-shaped ones a newer faucet may send.
        Some(code @ ApiCode::Faucet(_)) => CliError::network(faucet_message(code)),
        Some(code @ ApiCode::Unknown(c))
            if !c.is_empty()
                && c.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') =>
        {
            CliError::network(faucet_message(code))
        }
        _ => e.into(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn fund_one(
    ui: &Ui,
    gs: &GasStationClient,
    journal: &mut Journal,
    owner: &str,
    label: &str,
    address: Address,
    chain: &str,
    code: &mut String,
) -> CliResult {
    let addr = address.to_string();
    let base = |extra: Vec<(&'static str, Value)>| {
        let mut v: Vec<(&str, Value)> = vec![
            ("wallet", label.into()),
            ("address", addr.clone().into()),
            ("chain_id", chain.into()),
        ];
        v.extend(extra);
        v
    };
    let (request_id, resumed_from) = match journal.fund_resume(&addr, chain) {
        FundResume::Retry(id) => (id, Value::from("pending")),
        FundResume::Confirmed(prior) => {
            journal.write(
                "fund",
                "stale_resume",
                &base(vec![("prior_request_id", prior.to_string().into())]),
            )?;
            ui.info(format!(
                "  {label} {}: prior funding spent — re-funding",
                short(&addr)
            ));
            (Uuid::new_v4(), Value::Null)
        }
        FundResume::Fresh => (Uuid::new_v4(), Value::Null),
    };
    journal.write(
        "fund",
        "pending",
        &base(vec![
            ("request_id", request_id.to_string().into()),
            ("resumed_from", resumed_from),
        ]),
    )?;
    let mut reprompted = false;
    let mut waits = 0;
    loop {
        let spinner = ui.spinner("Waiting for the Gas Station");
        let result = gs
            .fund_from_gas_station(owner, &addr, chain, code, Some(request_id))
            .await;
        drop(spinner);
        match result {
            Ok(FundOutcome::Funded { tx_hash, .. }) => {
                journal.write(
                    "fund",
                    "confirmed",
                    &base(vec![
                        ("request_id", request_id.to_string().into()),
                        ("tx_hash", tx_hash.to_string().into()),
                    ]),
                )?;
                ui.info(format!("  {label} {}: funded (tx {tx_hash})", short(&addr)));
                return Ok(());
            }
            Ok(FundOutcome::Skipped { .. }) => {
                journal.write(
                    "fund",
                    "skipped",
                    &base(vec![("request_id", request_id.to_string().into())]),
                )?;
                ui.info(format!(
                    "  {label} {}: already above minimum, no fund needed",
                    short(&addr)
                ));
                return Ok(());
            }
            Err(e) => {
                let c = e.code().to_owned();
                // Spellings of an expired code that some faucets send (not in `FaucetCode`).
                let expired = matches!(
                    e.api_code(),
                    Some(ApiCode::Unknown(u))
                        if matches!(u.as_str(), "TOTP_EXPIRED" | "TWO_FA_EXPIRED" | "2FA_EXPIRED")
                );
                if expired && !reprompted {
                    reprompted = true;
                    *code = ui.prompt_hidden("2FA code expired. Enter a fresh 6-digit code")?;
                    continue;
                }
                if e.faucet_code() == Some(FaucetCode::DuplicateRequest) && waits < 10 {
                    waits += 1;
                    ui.info(format!(
                        "  Request already in progress (requestId: {request_id}). Waiting..."
                    ));
                    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                    continue;
                }
                if e.faucet_code() == Some(FaucetCode::RequestAlreadyProcessed) {
                    // The faucet finished this request in a run we lost: the balance re-check
                    // after funding decides.
                    journal.write(
                        "fund",
                        "confirmed",
                        &base(vec![("request_id", request_id.to_string().into())]),
                    )?;
                    ui.info(format!(
                        "  {label} {}: resumed (confirmed in prior run)",
                        short(&addr)
                    ));
                    return Ok(());
                }
                journal.write(
                    "fund",
                    "failed",
                    &base(vec![
                        ("request_id", request_id.to_string().into()),
                        ("code", c.into()),
                    ]),
                )?;
                return Err(faucet_error(e));
            }
        }
    }
}

/// Step 5: mint the Machine NFT to `recipient`, or verify the existing one.
async fn mint(
    ui: &Ui,
    client: &PeaqosClient,
    journal: &mut Journal,
    machine_id: U256,
    recipient: Address,
) -> CliResult<U256> {
    let existing = client.token_id_of(machine_id).await?;
    let fields = |token: U256| -> Vec<(&'static str, Value)> {
        vec![
            ("machine_id", u256_json(machine_id)),
            ("recipient", recipient.to_string().into()),
            ("token_id", u256_json(token)),
        ]
    };
    if !existing.is_zero() {
        verify_owner(client, existing, recipient).await?;
        journal.write("mint_nft", "skipped", &fields(existing))?;
        ui.info(format!("  Already minted (token_id={existing}). Skipping."));
        return Ok(existing);
    }
    let spinner = ui.spinner("Waiting for the mint transaction");
    let result = client.mint_nft(machine_id, recipient).await;
    drop(spinner);
    match result {
        Ok(tx) => {
            let token = client.token_id_of(machine_id).await?;
            if token.is_zero() {
                return Err(CliError::network(format!(
                    "Mint transaction {tx} succeeded but tokenIdOf({machine_id}) is still 0."
                )));
            }
            let mut f = fields(token);
            f.push(("tx_hash", tx.to_string().into()));
            journal.write("mint_nft", "confirmed", &f)?;
            ui.info(format!(
                "  Minted NFT for machine_id={machine_id} -> token_id={token} (tx {tx})"
            ));
            Ok(token)
        }
        Err(e) if e.code() == "AlreadyMinted" => {
            let token = client.token_id_of(machine_id).await?;
            verify_owner(client, token, recipient).await?;
            let mut f = fields(token);
            f.push(("recovered_from", "AlreadyMinted".into()));
            journal.write("mint_nft", "skipped", &f)?;
            ui.info(format!("  Already minted (token_id={token}). Skipping."));
            Ok(token)
        }
        Err(e) => {
            let mut f = fields(U256::ZERO);
            f.push(("reason", e.to_string().into()));
            journal.write("mint_nft", "failed", &f)?;
            Err(e.into())
        }
    }
}

async fn verify_owner(client: &PeaqosClient, token: U256, recipient: Address) -> CliResult {
    let owner = client
        .call_sol(
            client.contracts().machine_nft,
            &MachineNFT::ownerOfCall { tokenId: token },
        )
        .await?;
    if owner != recipient {
        return Err(CliError::network(format!(
            "Machine NFT token {token} is owned by {owner}, not {recipient}. Refusing to \
             silently reuse it."
        )));
    }
    Ok(())
}

struct MachineDid<'a> {
    mode: &'a str,
    machine_id: U256,
    token_id: U256,
    operator_did: Option<&'a str>,
    doc_url: &'a str,
    data_api: &'a str,
    visibility: DataVisibility,
}

/// Step 6: the six machine DID attributes, signed by the machine's own key.
async fn write_machine_did(
    ui: &Ui,
    subject: &PeaqosClient,
    journal: &mut Journal,
    d: MachineDid<'_>,
) -> CliResult {
    let fields = |status_extra: Vec<(&'static str, Value)>| {
        let mut v: Vec<(&str, Value)> = vec![
            ("mode", d.mode.into()),
            ("machine_id", u256_json(d.machine_id)),
            ("token_id", u256_json(d.token_id)),
            ("operator_did", d.operator_did.unwrap_or_default().into()),
        ];
        v.extend(status_extra);
        v
    };
    if subject
        .read_attribute(subject.address(), DID_ATTR_MACHINE_ID)
        .await?
        .is_some()
    {
        journal.write(
            "machine_did",
            "skipped",
            &fields(vec![("recovered_from", "AttributeAlreadyOnChain".into())]),
        )?;
        ui.info("  Machine DID attributes already on chain. Skipping.");
        return Ok(());
    }
    let spinner = ui.spinner("Waiting for the DID transaction");
    let result = subject
        .write_machine_did_attributes(
            d.machine_id,
            d.token_id,
            d.operator_did,
            d.doc_url,
            d.data_api,
            d.visibility,
        )
        .await;
    drop(spinner);
    match result {
        Ok(tx) => {
            journal.write(
                "machine_did",
                "confirmed",
                &fields(vec![
                    ("machine_did_tx_count", 6.into()),
                    ("tx_hash", tx.to_string().into()),
                ]),
            )?;
            ui.info(format!("  Wrote 6 machine DID attributes (tx {tx})"));
            Ok(())
        }
        Err(e) if e.code().contains("AlreadyExist") => {
            journal.write(
                "machine_did",
                "skipped",
                &fields(vec![("recovered_from", "AlreadyExists".into())]),
            )?;
            ui.info("  Machine DID attributes already on chain. Skipping.");
            Ok(())
        }
        Err(e) => {
            journal.write(
                "machine_did",
                "failed",
                &fields(vec![("reason", e.to_string().into())]),
            )?;
            Err(e.into())
        }
    }
}

/// Proxy mode: the operator DID's `machineId` and `machines` list, appending the new machine
/// to an existing list (the original cannot append and skips).
async fn write_proxy_did(
    ui: &Ui,
    client: &PeaqosClient,
    journal: &mut Journal,
    proxy_machine_id: U256,
    machine_id: U256,
) -> CliResult {
    let me = client.address();
    let did = client.contracts().did_registry;
    let has_id = client
        .read_attribute(me, DID_ATTR_MACHINE_ID)
        .await?
        .is_some();
    let existing = client.read_attribute(me, DID_ATTR_MACHINES).await?;
    // An unreadable list is left alone: rewriting it would drop the machines it names.
    let mut ids: Vec<u64> = match &existing {
        Some(a) => serde_json::from_str(&a.value).map_err(|_| {
            CliError::network(format!(
                "The operator's DID attribute 'machines' is not a JSON list of machine ids \
                 ({}); refusing to overwrite it.",
                a.value
            ))
        })?,
        None => Vec::new(),
    };
    let id = u64::try_from(machine_id)
        .map_err(|_| CliError::network(format!("machine id {machine_id} is too large")))?;
    let listed = ids.contains(&id);
    if !listed {
        ids.push(id);
    }
    let list = format!(
        "[{}]",
        ids.iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    let bytes = |s: &str| Bytes::copy_from_slice(s.as_bytes());
    let mut calls: Vec<Bytes> = Vec::new();
    if !has_id {
        calls.push(
            DIDPrecompile::addAttributeCall {
                didAccount: me,
                name: bytes(DID_ATTR_MACHINE_ID),
                value: bytes(&proxy_machine_id.to_string()),
                validityFor: 0,
            }
            .abi_encode()
            .into(),
        );
    }
    if !listed {
        let (name, value) = (bytes(DID_ATTR_MACHINES), bytes(&list));
        calls.push(if existing.is_some() {
            DIDPrecompile::updateAttributeCall {
                didAccount: me,
                name,
                value,
                validityFor: 0,
            }
            .abi_encode()
            .into()
        } else {
            DIDPrecompile::addAttributeCall {
                didAccount: me,
                name,
                value,
                validityFor: 0,
            }
            .abi_encode()
            .into()
        });
    }
    if list.len() > peaqos_types::constants::DID_MAX_VALUE_BYTES {
        return Err(CliError::user(format!(
            "The operator's machines list would exceed {} bytes.",
            peaqos_types::constants::DID_MAX_VALUE_BYTES
        )));
    }
    let ids_json: Value = json!(ids);
    if calls.is_empty() {
        journal.write(
            "proxy_did",
            "skipped",
            &[
                ("proxy_machine_id", u256_json(proxy_machine_id)),
                ("intended_machine_id", id.into()),
                ("content_verified", true.into()),
                ("recovered_from", "AttributeAlreadyOnChain".into()),
            ],
        )?;
        ui.info("  Proxy DID already lists this machine. Skipping.");
        return Ok(());
    }
    let n = calls.len();
    let spinner = ui.spinner("Waiting for the proxy DID transaction");
    let result = client
        .send_call(
            client.contracts().batch_precompile,
            encode_batch_all(did, calls),
            U256::ZERO,
        )
        .await;
    drop(spinner);
    match result {
        Ok(outcome) => {
            journal.write(
                "proxy_did",
                "confirmed",
                &[
                    ("proxy_machine_id", u256_json(proxy_machine_id)),
                    ("machine_ids", ids_json),
                    ("proxy_did_tx_count", n.into()),
                    ("tx_hash", outcome.tx_hash.to_string().into()),
                ],
            )?;
            ui.info(format!(
                "  Wrote {n} proxy DID attribute{} (machines {list}) (tx {})",
                if n == 1 { "" } else { "s" },
                outcome.tx_hash
            ));
            Ok(())
        }
        Err(e) => {
            journal.write(
                "proxy_did",
                "failed",
                &[
                    ("proxy_machine_id", u256_json(proxy_machine_id)),
                    ("machine_ids", ids_json),
                    ("reason", e.to_string().into()),
                ],
            )?;
            Err(e.into())
        }
    }
}
