//! `peaqos activate`: the six idempotent steps (balance check, 2FA enrollment, Gas Station
//! funding, register, mint the Machine NFT, DID attributes), self-managed or proxy
//! (`--for ADDRESS --machine-key FILE`), journaled in `./peaqos.log`.
//!
//! The steps themselves are the SDK's workflow ([`peaqos_sdk::activation`]): every input is
//! checked before the first transaction and every step reads chain state first, so a re-run
//! skips finished work and a killed run resumes. This command parses the flags, plugs in the
//! Gas Station funder (2FA prompts, request ids resumed from the journal), renders the
//! progress and journals each step.

use std::{cell::RefCell, ops::ControlFlow, path::PathBuf};

use alloy::primitives::{Address, U256};
use peaqos_sdk::{
    ApiCode, Error as SdkError, FaucetCode, PeaqosClient, ValidationError,
    activation::{
        Activation, ActivationError, CodeRequest, FundEntry, FundError, FundFuture, FundResume,
        FundStatus, Funder, FundingJournal, FundingProgress, GasStationError, GasStationFunder,
        MachineAttributes, OnProgress, Outcome, Progress, Step, StepResult, TwoFactorCodes,
        WalletBalance, machines_list,
    },
    validation::validate_data_visibility,
};
use peaqos_types::Network;
use serde_json::{Value, json};

use crate::{
    env::{ENV_GAS_STATION_URL, ENV_NETWORK, Env, missing_env},
    error::{CliError, CliResult, ErrorCode, faucet_message},
    journal::{JOURNAL_FILE, Journal},
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
    if ui.json {
        return crate::output::print_json(&json!({
            "mode": if proxy { "proxy" } else { "self" },
            "machine": report.machine.to_string(),
            "machine_id": u256_json(report.machine_id),
            "token_id": u256_json(report.token_id),
            "machine_did": format!("did:peaq:{}", report.machine),
            "operator_did": report.operator_did,
        }));
    }
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
        ActivationError::ProxyNotRegistered { .. } => CliError::new(
            ErrorCode::NotRegistered,
            "Proxy operator is not registered on IdentityRegistry. Register the proxy first \
             (run 'peaqos activate' without --for using the operator key).",
        ),
        ActivationError::BondNotCovered {
            operator,
            balance,
            bond,
        } => CliError::new(
            ErrorCode::InsufficientFunds,
            format!(
                "Operator {operator} holds {} PEAQ: not enough for the {} PEAQ bond plus gas. \
                 Fund it or drop --skip-funding to use the Gas Station.",
                peaq(balance),
                peaq(bond)
            ),
        ),
        ActivationError::MachineUnfunded { machine } => CliError::new(
            ErrorCode::InsufficientFunds,
            format!(
                "Machine {machine} holds 0 PEAQ and cannot pay for its DID transaction. Fund it \
                 or drop --skip-funding to use the Gas Station."
            ),
        ),
        ActivationError::StillLow {
            role,
            address,
            balance,
        } => CliError::new(
            ErrorCode::InsufficientFunds,
            format!(
                "{} {address} still holds only {} PEAQ after funding (need 0.5).",
                role.as_str(),
                peaq(balance)
            ),
        ),
        ActivationError::BalanceUnreadable(e) => {
            CliError::network(format!("eth_getBalance failed: {e}"))
        }
        ActivationError::Funding(e) => funding_error(e),
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
        ActivationError::MachinesListTooLong { max } => CliError::new(
            ErrorCode::LimitExceeded,
            format!("The operator's machines list would exceed {max} bytes."),
        ),
        other => CliError::network(other.to_string()),
    }
}

/// A stopped Gas Station funding: the faucet's sentences, or the CLI's own error (a declined
/// prompt, a journal that cannot be written, a missing setting).
fn funding_error(e: FundError) -> CliError {
    let e = match e.downcast::<GasStationError>() {
        Ok(gs) => match *gs {
            GasStationError::Faucet(e) => return faucet_error(e),
            GasStationError::Code(e) | GasStationError::Journal(e) => e,
            other => Box::new(other),
        },
        Err(e) => e,
    };
    match e.downcast::<CliError>() {
        Ok(cli) => *cli,
        Err(other) => CliError::network(other.to_string()),
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
            Progress::Funding(f) => self.funding(f),
            Progress::Finished(result) => self.finished(result)?,
            Progress::Failed { attempt, error } => self.failed(attempt, error)?,
            _ => {}
        }
        Ok(())
    }

    /// Steps 2-3 (the journal entries are the funder's [`FundJournal`]'s).
    fn funding(&mut self, p: FundingProgress<'_>) {
        let ui = self.ui;
        match p {
            FundingProgress::EnrollmentStarted => ui.step(2, STEPS, "2FA enrollment"),
            FundingProgress::AlreadyEnrolled => ui.info("  2FA already enrolled. Skipping setup."),
            FundingProgress::Enrolled => ui.info("  2FA activated."),
            FundingProgress::FundingStarted => ui.step(3, STEPS, "Fund from Gas Station"),
            FundingProgress::Waiting { .. } => {
                self.spinner = Some(ui.spinner("Waiting for the Gas Station"));
            }
            FundingProgress::InProgress { request_id, .. } => ui.info(format!(
                "  Request already in progress (requestId: {request_id}). Waiting..."
            )),
            FundingProgress::Recorded(entry) => {
                let w = entry.wallet;
                let wallet = format!("  {} {}", w.role.as_str(), short(&w.address.to_string()));
                match entry.status {
                    FundStatus::StaleResume => {
                        ui.info(format!("{wallet}: prior funding spent — re-funding"));
                    }
                    FundStatus::Confirmed {
                        tx_hash: Some(tx_hash),
                    } => ui.info(format!("{wallet}: funded (tx {tx_hash})")),
                    FundStatus::Confirmed { tx_hash: None } => {
                        ui.info(format!("{wallet}: resumed (confirmed in prior run)"));
                    }
                    FundStatus::Skipped => {
                        ui.info(format!("{wallet}: already above minimum, no fund needed"));
                    }
                    _ => {}
                }
            }
            _ => {}
        }
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
    .with_field(flag)
}

fn u256_json(v: U256) -> Value {
    u64::try_from(v).map_or_else(|_| Value::String(v.to_string()), Value::from)
}

/// Steps 2-3: the SDK's [`GasStationFunder`], built when a wallet is low (so a run that needs
/// no funding needs no Gas Station settings), with the hidden prompt for the codes and the
/// journal for the requests.
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
        progress: &'a mut OnProgress<'_>,
    ) -> FundFuture<'a> {
        Box::pin(async move {
            let url = self
                .env
                .get(ENV_GAS_STATION_URL)
                .ok_or_else(|| missing_env(ENV_GAS_STATION_URL))?;
            let chain = faucet_chain(self.env)?;
            let codes = Prompt(self.ui);
            let journal = FundJournal(self.journal);
            let client = self.client;
            let mut funder = GasStationFunder::new(
                client.gas_station(&url),
                chain,
                client.address(),
                codes,
                journal,
            );
            funder.fund(low, progress).await
        })
    }
}

/// The Gas Station `chainId` for `PEAQOS_NETWORK` (unset: mainnet → `peaq`).
fn faucet_chain(env: &Env) -> CliResult<&'static str> {
    let name = env.get(ENV_NETWORK).unwrap_or_else(|| "mainnet".into());
    name.parse::<Network>()
        .map(|n| n.preset().faucet_chain)
        .map_err(|_| {
            CliError::config(format!(
                "Unknown PEAQOS_NETWORK='{name}'. Known values: mainnet, testnet, local."
            ))
        })
}

/// The 2FA codes, from the hidden prompt.
struct Prompt<'a>(&'a Ui);

impl TwoFactorCodes for Prompt<'_> {
    fn code<'a>(&'a mut self, request: CodeRequest<'a>) -> FundFuture<'a, String> {
        let ui = self.0;
        let label = match request {
            CodeRequest::Enroll(setup) => {
                ui.info(
                    "  Add this account to your authenticator app (the URI holds your 2FA secret):",
                );
                ui.info(format!("  otpauth URI : {}", setup.otpauth_uri));
                ui.info(format!("  QR image URL: {}", setup.qr_image_url));
                "Enter the 6-digit 2FA code from your authenticator app"
            }
            CodeRequest::Expired => "2FA code expired. Enter a fresh 6-digit code",
            _ => "Enter the 6-digit 2FA code from your authenticator app",
        };
        let code = ui
            .prompt_hidden(label, "a 6-digit code piped on stdin")
            .map_err(FundError::from);
        Box::pin(std::future::ready(code))
    }
}

/// The fund requests in `./peaqos.log`: `stale_resume`, `pending`, then `confirmed`,
/// `skipped` or `failed` (with the faucet's code).
struct FundJournal<'a>(&'a RefCell<Journal>);

impl FundingJournal for FundJournal<'_> {
    fn resume(&self, address: Address, chain: &str) -> FundResume {
        self.0.borrow().fund_resume(&address.to_string(), chain)
    }

    fn record(&mut self, entry: &FundEntry<'_>) -> Result<(), FundError> {
        let mut fields: Vec<(&str, Value)> = vec![
            ("wallet", entry.wallet.role.as_str().into()),
            ("address", entry.wallet.address.to_string().into()),
            ("chain_id", entry.chain.into()),
        ];
        let id = Value::from(entry.request_id.to_string());
        let status = match entry.status {
            FundStatus::StaleResume => {
                fields.push(("prior_request_id", id));
                "stale_resume"
            }
            FundStatus::Pending { resumed } => {
                fields.push(("request_id", id));
                fields.push(("resumed_from", resumed.then_some("pending").into()));
                "pending"
            }
            FundStatus::Confirmed { tx_hash } => {
                fields.push(("request_id", id));
                fields.extend(tx_hash.map(|tx| ("tx_hash", tx.to_string().into())));
                "confirmed"
            }
            FundStatus::Skipped => {
                fields.push(("request_id", id));
                "skipped"
            }
            FundStatus::Failed { error } => {
                fields.push(("request_id", id));
                fields.push(("code", error.code().into()));
                "failed"
            }
            _ => return Ok(()),
        };
        Ok(self.0.borrow_mut().write("fund", status, &fields)?)
    }
}

/// A Gas Station failure as the official CLI reports it: its sentence for the faucet's codes
/// (and code-shaped ones a newer faucet may send), the SDK error's otherwise.
fn faucet_error(e: SdkError) -> CliError {
    match e.api_code() {
        Some(code @ ApiCode::Faucet(_)) => CliError::new(faucet_code(code), faucet_message(code)),
        Some(code @ ApiCode::Unknown(c))
            if !c.is_empty()
                && c.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') =>
        {
            CliError::new(ErrorCode::GasStationRefused, faucet_message(code))
        }
        Some(ApiCode::NetworkError) => CliError::new(
            ErrorCode::GasStationUnreachable,
            format!("Could not reach the Gas Station: {e}. Check PEAQOS_GAS_STATION_URL."),
        )
        .with_field(ENV_GAS_STATION_URL),
        _ => e.into(),
    }
}

/// The catalogue code for a faucet code: the 2FA ones are the user's to fix with a fresh code.
fn faucet_code(code: &ApiCode) -> ErrorCode {
    match code {
        ApiCode::Faucet(
            FaucetCode::Invalid2fa
            | FaucetCode::TwoFaExpired
            | FaucetCode::TwoFaNotActive
            | FaucetCode::TwoFaNotConfigured,
        ) => ErrorCode::TwoFactorInvalid,
        _ => ErrorCode::GasStationRefused,
    }
}
