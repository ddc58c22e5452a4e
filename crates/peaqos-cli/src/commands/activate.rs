//! `peaqos activate`: the six idempotent steps (balance check, 2FA enrollment, Gas Station
//! funding, register, mint the Machine NFT, DID attributes), self-managed or proxy
//! (`--for ADDRESS --machine-key FILE`), journaled in `./peaqos.log`.
//!
//! The steps themselves are the SDK's workflow ([`peaqos_sdk::activation`]): every input is
//! checked before the first transaction and every step reads chain state first, so a re-run
//! skips finished work and a killed run resumes. This command parses the flags, plugs in the
//! Gas Station funder (2FA prompts, request ids resumed from the journal), renders the
//! progress and journals each step.

use std::{cell::RefCell, future::Future, ops::ControlFlow, path::PathBuf, pin::Pin};

use alloy::primitives::{Address, U256};
use peaqos_sdk::{
    ApiCode, Error as SdkError, FaucetCode, PeaqosClient, QrFormat, ValidationError,
    activation::{
        Activation, ActivationError, FundError, Funder, MachineAttributes, Outcome, Progress, Step,
        StepResult, WalletBalance, machines_list,
    },
    gas_station::{FundOutcome, GasStationClient},
    validation::validate_data_visibility,
};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    env::{ENV_GAS_STATION_URL, ENV_NETWORK, Env, missing_env},
    error::{CliError, CliResult, faucet_message},
    journal::{FundResume, JOURNAL_FILE, Journal},
    output::{parse_address, peaq, rows, short},
    signer::read_key_file,
    ui::{Spinner, Style, Ui},
};

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
            Some(key)
        }
        _ => {
            return Err(CliError::user(
                "--for and --machine-key must be used together (proxy mode).",
            ));
        }
    };
    let attributes = MachineAttributes {
        documentation_url: args.doc_url.clone(),
        data_api: args.data_api.clone(),
        visibility,
    };
    attributes.validate().map_err(flag_error)?;

    let client = env.client()?;
    let activation = match machine {
        Some(key) => {
            let machine = client.with_signer(key.signer())?;
            Activation::proxy(client.clone(), machine, attributes)
        }
        None => Activation::self_managed(client.clone(), attributes),
    }
    .map_err(activation_error)?;
    let proxy = activation.mode() == peaqos_sdk::activation::Mode::Proxy;

    let mut spinner: Option<Spinner> = None;
    let prepared = activation
        .prepare(&mut |p| {
            if matches!(p, Progress::ReadingState) {
                spinner = Some(ui.spinner("Reading chain state"));
            }
            ControlFlow::Continue(())
        })
        .await;
    drop(spinner.take());
    let plan = prepared.map_err(activation_error)?;

    let journal = RefCell::new(Journal::open(std::path::Path::new(JOURNAL_FILE))?);
    if args.skip_funding {
        ui.step(1, STEPS, "Balance check - skipped (--skip-funding)");
        ui.step(2, STEPS, "2FA enrollment - skipped (--skip-funding)");
        ui.step(3, STEPS, "Fund from Gas Station - skipped (--skip-funding)");
    }
    let mut funder = GasStation {
        ui,
        env,
        client: &client,
        journal: &journal,
    };
    let mut render = Render {
        ui,
        journal: &journal,
        mode: plan.activation().mode().as_str(),
        target: plan.activation().target(),
        spinner: None,
        error: None,
    };
    let funder: Option<&mut dyn Funder> = if args.skip_funding {
        None
    } else {
        Some(&mut funder)
    };
    let result = plan.run(funder, &mut |p| render.progress(p)).await;
    drop(render.spinner.take());
    if let Some(e) = render.error.take() {
        return Err(e);
    }
    let report = result.map_err(activation_error)?;

    // ---- summary (stdout)
    ui.out("");
    let mut summary = Vec::new();
    if proxy {
        ui.out(ui.out_style(
            Style::Green,
            "Machine activated successfully (proxy-managed).",
        ));
        summary.push(("Machine Address", report.machine.to_string()));
    } else {
        ui.out(ui.out_style(Style::Green, "Machine activated successfully."));
    }
    summary.push(("Machine ID", report.machine_id.to_string()));
    summary.push(("Token ID", report.token_id.to_string()));
    summary.push(("Machine DID", format!("did:peaq:{}", report.machine)));
    if let Some(did) = &report.operator_did {
        summary.push(("Operator DID", did.clone()));
    }
    for line in rows("  ", &summary) {
        ui.out(line);
    }
    Ok(())
}

/// The official CLI's messages and exit codes for a stopped activation.
fn activation_error(e: ActivationError) -> CliError {
    match e {
        ActivationError::Sdk(e) => e.into(),
        ActivationError::ProxyNotRegistered { .. } => CliError::network(
            "Proxy operator is not registered on IdentityRegistry. Register the proxy first \
             (run 'peaqos activate' without --for using the operator key).",
        ),
        ActivationError::BondNotCovered {
            operator,
            balance,
            bond,
        } => CliError::network(format!(
            "Operator {operator} holds {} PEAQ: not enough for the {} PEAQ bond plus gas. Fund \
             it or drop --skip-funding to use the Gas Station.",
            peaq(balance),
            peaq(bond)
        )),
        ActivationError::MachineUnfunded { machine } => CliError::network(format!(
            "Machine {machine} holds 0 PEAQ and cannot pay for its DID transaction. Fund it or \
             drop --skip-funding to use the Gas Station."
        )),
        ActivationError::StillLow {
            role,
            address,
            balance,
        } => CliError::network(format!(
            "{} {address} still holds only {} PEAQ after funding (need 0.5).",
            role.as_str(),
            peaq(balance)
        )),
        ActivationError::BalanceUnreadable(e) => {
            CliError::network(format!("eth_getBalance failed: {e}"))
        }
        ActivationError::Funding(e) => match e.downcast::<CliError>() {
            Ok(cli) => *cli,
            Err(other) => CliError::network(other.to_string()),
        },
        ActivationError::MintNotVisible {
            tx_hash,
            machine_id,
        } => CliError::network(format!(
            "Mint transaction {tx_hash} succeeded but tokenIdOf({machine_id}) is still 0."
        )),
        ActivationError::NftOwnedElsewhere {
            token_id,
            owner,
            recipient,
        } => CliError::network(format!(
            "Machine NFT token {token_id} is owned by {owner}, not {recipient}. Refusing to \
             silently reuse it."
        )),
        ActivationError::MachinesListUnreadable { value } => CliError::network(format!(
            "The operator's DID attribute 'machines' is not a JSON list of machine ids \
             ({value}); refusing to overwrite it."
        )),
        ActivationError::MachineIdTooLarge { machine_id } => {
            CliError::network(format!("machine id {machine_id} is too large"))
        }
        ActivationError::MachinesListTooLong { max } => CliError::user(format!(
            "The operator's machines list would exceed {max} bytes."
        )),
        other => CliError::network(other.to_string()),
    }
}

/// Renders the workflow's progress and journals each step; the first journal failure stops
/// the workflow and is the command's error.
struct Render<'a> {
    ui: &'a Ui,
    journal: &'a RefCell<Journal>,
    mode: &'static str,
    target: Address,
    spinner: Option<Spinner>,
    error: Option<CliError>,
}

impl Render<'_> {
    fn progress(&mut self, p: Progress<'_>) -> ControlFlow<()> {
        // A step's spinner lasts until its next event.
        drop(self.spinner.take());
        match self.show(p) {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => {
                self.error = Some(e);
                ControlFlow::Break(())
            }
        }
    }

    fn write(&self, step: &str, status: &str, fields: &[(&str, Value)]) -> CliResult {
        self.journal.borrow_mut().write(step, status, fields)
    }

    fn show(&mut self, p: Progress<'_>) -> CliResult {
        let ui = self.ui;
        match p {
            Progress::Started(Step::Funding) => ui.step(1, STEPS, "Balance check"),
            Progress::Started(Step::Register) => ui.step(4, STEPS, "Register machine"),
            Progress::Started(Step::MintNft) => ui.step(5, STEPS, "Mint NFT"),
            Progress::Started(Step::MachineDid) => ui.step(6, STEPS, "Write DID attributes"),
            Progress::Balance(b) => ui.info(format!(
                "  {} {}: {} PEAQ ({})",
                b.role.as_str(),
                short(&b.address.to_string()),
                peaq(b.balance),
                if b.sufficient {
                    "sufficient"
                } else {
                    "insufficient"
                }
            )),
            Progress::AllFunded => {
                ui.step(2, STEPS, "2FA enrollment - skipped (all wallets funded)");
                ui.step(
                    3,
                    STEPS,
                    "Fund from Gas Station - skipped (all wallets funded)",
                );
            }
            Progress::Waiting(step) => {
                let label = match step {
                    Step::Register => "Waiting for the registration transaction",
                    Step::MintNft => "Waiting for the mint transaction",
                    Step::MachineDid => "Waiting for the DID transaction",
                    Step::ProxyDid => "Waiting for the proxy DID transaction",
                    _ => "Waiting",
                };
                self.spinner = Some(ui.spinner(label));
            }
            Progress::Finished(result) => self.finished(result)?,
            Progress::Failed { attempt, error } => self.failed(attempt, error)?,
            _ => {}
        }
        Ok(())
    }

    fn finished(&self, result: &StepResult) -> CliResult {
        let ui = self.ui;
        match result {
            StepResult::Register {
                machine_id,
                outcome,
            } => {
                let id = *machine_id;
                let mut f = self.register_fields(id);
                let status = match outcome {
                    Outcome::Done { .. } if self.mode == "proxy" => {
                        ui.info(format!(
                            "  Registered machine {} under proxy. machine_id={id}",
                            self.target
                        ));
                        "confirmed"
                    }
                    Outcome::Done { .. } => {
                        ui.info(format!("  Registered. machine_id={id}"));
                        "confirmed"
                    }
                    Outcome::Skipped { recovered_from } => {
                        ui.info(format!("  Already registered (machine_id={id}). Skipping."));
                        f.extend(recovered_from.map(|r| ("recovered_from", r.as_str().into())));
                        "skipped"
                    }
                    // Failures arrive as `Progress::Failed`.
                    Outcome::Failed => return Ok(()),
                };
                self.write("register", status, &f)
            }
            StepResult::MintNft {
                machine_id,
                recipient,
                token_id,
                outcome,
            } => {
                let mut f = mint_fields(*machine_id, *recipient, *token_id);
                match outcome {
                    Outcome::Done { tx_hash } => {
                        let tx = tx_hash.unwrap_or_default();
                        f.push(("tx_hash", tx.to_string().into()));
                        self.write("mint_nft", "confirmed", &f)?;
                        ui.info(format!(
                            "  Minted NFT for machine_id={machine_id} -> token_id={token_id} (tx {tx})"
                        ));
                    }
                    Outcome::Skipped { recovered_from } => {
                        f.extend(recovered_from.map(|r| ("recovered_from", r.as_str().into())));
                        self.write("mint_nft", "skipped", &f)?;
                        ui.info(format!("  Already minted (token_id={token_id}). Skipping."));
                    }
                    Outcome::Failed => {}
                }
                Ok(())
            }
            StepResult::MachineDid {
                machine_id,
                token_id,
                operator_did,
                outcome,
            } => {
                let mut f =
                    self.machine_did_fields(*machine_id, *token_id, operator_did.as_deref());
                match outcome {
                    Outcome::Done { tx_hash } => {
                        let tx = tx_hash.unwrap_or_default();
                        f.push(("machine_did_tx_count", 6.into()));
                        f.push(("tx_hash", tx.to_string().into()));
                        self.write("machine_did", "confirmed", &f)?;
                        ui.info(format!("  Wrote 6 machine DID attributes (tx {tx})"));
                    }
                    Outcome::Skipped { recovered_from } => {
                        f.extend(recovered_from.map(|r| ("recovered_from", r.as_str().into())));
                        self.write("machine_did", "skipped", &f)?;
                        ui.info("  Machine DID attributes already on chain. Skipping.");
                    }
                    Outcome::Failed => {}
                }
                Ok(())
            }
            StepResult::ProxyDid {
                proxy_machine_id,
                machine_id,
                machine_ids,
                attributes_written,
                outcome,
            } => match outcome {
                Outcome::Skipped { recovered_from } => {
                    let mut f = vec![
                        ("proxy_machine_id", u256_json(*proxy_machine_id)),
                        ("intended_machine_id", (*machine_id).into()),
                        ("content_verified", true.into()),
                    ];
                    f.extend(recovered_from.map(|r| ("recovered_from", r.as_str().into())));
                    self.write("proxy_did", "skipped", &f)?;
                    ui.info("  Proxy DID already lists this machine. Skipping.");
                    Ok(())
                }
                Outcome::Done { tx_hash } => {
                    let tx = tx_hash.unwrap_or_default();
                    let n = *attributes_written;
                    self.write(
                        "proxy_did",
                        "confirmed",
                        &[
                            ("proxy_machine_id", u256_json(*proxy_machine_id)),
                            ("machine_ids", json!(machine_ids)),
                            ("proxy_did_tx_count", n.into()),
                            ("tx_hash", tx.to_string().into()),
                        ],
                    )?;
                    ui.info(format!(
                        "  Wrote {n} proxy DID attribute{} (machines {}) (tx {tx})",
                        if n == 1 { "" } else { "s" },
                        machines_list(machine_ids)
                    ));
                    Ok(())
                }
                Outcome::Failed => Ok(()),
            },
            _ => Ok(()),
        }
    }

    /// A step's transaction failed: the journal's `failed` entry (the error is returned next).
    fn failed(&self, attempt: &StepResult, error: &SdkError) -> CliResult {
        let reason = ("reason", Value::from(error.to_string()));
        match attempt {
            StepResult::Register { .. } => {
                let mut f = self.register_fields(U256::ZERO);
                f.push(reason);
                self.write("register", "failed", &f)
            }
            StepResult::MintNft {
                machine_id,
                recipient,
                ..
            } => {
                let mut f = mint_fields(*machine_id, *recipient, U256::ZERO);
                f.push(reason);
                self.write("mint_nft", "failed", &f)
            }
            StepResult::MachineDid {
                machine_id,
                token_id,
                operator_did,
                ..
            } => {
                let mut f =
                    self.machine_did_fields(*machine_id, *token_id, operator_did.as_deref());
                f.push(reason);
                self.write("machine_did", "failed", &f)
            }
            StepResult::ProxyDid {
                proxy_machine_id,
                machine_ids,
                ..
            } => self.write(
                "proxy_did",
                "failed",
                &[
                    ("proxy_machine_id", u256_json(*proxy_machine_id)),
                    ("machine_ids", json!(machine_ids)),
                    reason,
                ],
            ),
            _ => Ok(()),
        }
    }

    fn register_fields(&self, machine_id: U256) -> Vec<(&'static str, Value)> {
        vec![
            ("mode", self.mode.into()),
            ("address", self.target.to_string().into()),
            ("machine_id", u256_json(machine_id)),
        ]
    }

    fn machine_did_fields(
        &self,
        machine_id: U256,
        token_id: U256,
        operator_did: Option<&str>,
    ) -> Vec<(&'static str, Value)> {
        vec![
            ("mode", self.mode.into()),
            ("machine_id", u256_json(machine_id)),
            ("token_id", u256_json(token_id)),
            ("operator_did", operator_did.unwrap_or_default().into()),
        ]
    }
}

fn mint_fields(machine_id: U256, recipient: Address, token_id: U256) -> Vec<(&'static str, Value)> {
    vec![
        ("machine_id", u256_json(machine_id)),
        ("recipient", recipient.to_string().into()),
        ("token_id", u256_json(token_id)),
    ]
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

/// Steps 2-3: the Gas Station with 2FA (enrollment when needed, then one code for every low
/// wallet), each request journaled so a killed run resumes with the same request id.
struct GasStation<'a> {
    ui: &'a Ui,
    env: &'a Env,
    client: &'a PeaqosClient,
    journal: &'a RefCell<Journal>,
}

impl Funder for GasStation<'_> {
    fn fund<'a>(
        &'a mut self,
        low: &'a [WalletBalance],
    ) -> Pin<Box<dyn Future<Output = Result<(), FundError>> + 'a>> {
        Box::pin(async move { self.fund_low(low).await.map_err(FundError::from) })
    }
}

impl GasStation<'_> {
    async fn fund_low(&self, low: &[WalletBalance]) -> CliResult {
        let (ui, env, client) = (self.ui, self.env, self.client);
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
        let mut code =
            ui.prompt_hidden("Enter the 6-digit 2FA code from your authenticator app")?;
        for w in low {
            let label = w.role.as_str();
            fund_one(
                ui,
                &gs,
                self.journal,
                &owner,
                label,
                w.address,
                &chain,
                &mut code,
            )
            .await?;
        }
        Ok(())
    }
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
    journal: &RefCell<Journal>,
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
    let (request_id, resumed_from) = match journal.borrow().fund_resume(&addr, chain) {
        FundResume::Retry(id) => (id, Value::from("pending")),
        FundResume::Confirmed(prior) => {
            journal.borrow_mut().write(
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
    journal.borrow_mut().write(
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
                journal.borrow_mut().write(
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
                journal.borrow_mut().write(
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
                    journal.borrow_mut().write(
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
                journal.borrow_mut().write(
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
