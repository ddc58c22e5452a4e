//! `peaqos mcp`: an MCP server on stdio (the official Rust SDK, `rmcp`), so an MCP-capable
//! agent uses peaqOS without shelling out.
//!
//! Each tool runs this same binary's command with `--json` (stdin closed, so no prompt) and
//! returns its JSON: the tools therefore behave exactly as the CLI (configuration from
//! `./.env` and the environment, the journal, the Gas Station funding) and fail with the same
//! error object `{"error": {"code", "message", "field", "exit_code"}}` as a tool error
//! (`isError: true`). Arguments are checked against each tool's JSON schema by the SDK (a bad
//! argument is an MCP `invalid params` error). No tool takes or returns a key, a mnemonic or a
//! passphrase: a proxy machine's key is passed as a file path, and the 2FA code is the only
//! secret-like input (a one-time code, piped to the child, never returned).

use std::{process::Stdio, time::Duration};

use rmcp::{
    ErrorData, ServerHandler, ServiceExt as _,
    handler::server::{router::tool::ToolRouter, wrapper::Parameters},
    model::{CallToolResult, Implementation, ServerCapabilities, ServerConfig},
    tool, tool_handler, tool_router,
};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt as _;

use crate::{
    env::Env,
    error::{CliError, CliResult, ErrorCode},
    ui::Ui,
};

/// Longest a tool call may run (an activation with funding takes a few transactions).
pub(crate) const TOOL_TIMEOUT: Duration = Duration::from_secs(300);
/// Largest tool result taken from a command (bytes of JSON).
pub(crate) const MAX_RESULT_BYTES: usize = 4 << 20;
/// Most events one `submit_events` call takes (one batch transaction).
pub(crate) const MAX_BATCH_EVENTS: usize = 500;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

pub(crate) async fn run(_ui: &Ui, _env: &Env, _args: &Args) -> CliResult {
    let service = Peaqos::new()
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| CliError::network(format!("MCP: cannot start on stdio: {e}")))?;
    service
        .waiting()
        .await
        .map_err(|e| CliError::network(format!("MCP: {e}")))?;
    Ok(())
}

/// A machine or operator DID.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct DidArgs {
    /// did:peaq:0x followed by 40 hex characters.
    #[schemars(regex(pattern = r"^did:peaq:0x[0-9a-fA-F]{40}$"))]
    did: String,
}

/// One page of an operator's fleet.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct FleetArgs {
    /// The operator's DID: did:peaq:0x followed by 40 hex characters.
    #[schemars(regex(pattern = r"^did:peaq:0x[0-9a-fA-F]{40}$"))]
    did: String,
    /// First machine to list (0-based).
    offset: Option<u64>,
    /// Machines per page, 1-20.
    #[schemars(range(min = 1, max = 20))]
    limit: Option<u64>,
}

/// Activation of this machine (self-managed) or, with `machine_address` and
/// `machine_key_file`, of a fleet machine by this operator (proxy).
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct ActivateArgs {
    /// Documentation URL (DID attribute documentation_url).
    doc_url: String,
    /// Data API URL (DID attribute data_api).
    data_api: String,
    /// DID attribute data_visibility: public (default), private or onchain.
    visibility: Option<Visibility>,
    /// Proxy mode: the fleet machine's address (0x + 40 hex).
    machine_address: Option<String>,
    /// Proxy mode: path of a file holding the machine's key (never the key itself).
    machine_key_file: Option<String>,
    /// Skip the balance check and Gas Station funding.
    #[serde(default)]
    skip_funding: bool,
    /// A 6-digit 2FA code for Gas Station funding, when a wallet needs funds.
    #[schemars(regex(pattern = r"^[0-9]{6}$"))]
    two_factor_code: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Visibility {
    Public,
    Private,
    Onchain,
}

/// One event.
#[derive(Debug, Deserialize, JsonSchema, serde::Serialize)]
pub(crate) struct EventArgs {
    /// The machine id (> 0).
    #[schemars(range(min = 1))]
    machine_id: u64,
    /// revenue or activity.
    #[serde(rename = "type")]
    #[schemars(regex(pattern = "^(revenue|activity)$"))]
    kind: String,
    /// Amount in ISO 4217 minor units (cents for USD); activity events usually 0.
    value: u64,
    /// Unix seconds, ISO 8601 with a timezone, or "now" (the latest block's time; default).
    ts: Option<String>,
    /// Currency code for revenue (default USD).
    currency: Option<String>,
    /// self (default), onchain or hardware.
    #[schemars(regex(pattern = "^(self|onchain|hardware)$"))]
    trust: Option<String>,
    /// The source transaction (64 hex), required with trust onchain.
    source_tx: Option<String>,
}

/// A batch of events, submitted in one transaction.
#[derive(Debug, Deserialize, JsonSchema)]
pub(crate) struct EventsArgs {
    /// 1 to 500 events.
    #[schemars(length(min = 1, max = 500))]
    events: Vec<EventArgs>,
}

/// The MCP server: its tools run `peaqos <command> --json`.
#[derive(Debug, Clone)]
pub(crate) struct Peaqos {
    tool_router: ToolRouter<Self>,
}

#[tool_router(router = tool_router)]
impl Peaqos {
    fn new() -> Self {
        Self {
            tool_router: Self::tool_router(),
        }
    }

    /// The configured signer: address, DID, network, chain id, balance, machine id, contracts.
    #[tool(
        description = "The configured signer: address, DID, network, chain id, balance (wei), machine id and contract addresses. Never returns a key."
    )]
    async fn whoami(&self) -> Result<CallToolResult, ErrorData> {
        Ok(result(cli(&["whoami"], None).await))
    }

    /// Activates this machine or, in proxy mode, a fleet machine.
    #[tool(
        description = "Put a machine on chain (register with bond, Machine NFT, DID attributes): this machine (self-managed), or with machine_address + machine_key_file a fleet machine of this operator (proxy). Idempotent: re-run after an interruption."
    )]
    async fn activate(
        &self,
        Parameters(a): Parameters<ActivateArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let mut args: Vec<String> = vec![
            "activate".into(),
            "--doc-url".into(),
            a.doc_url,
            "--data-api".into(),
            a.data_api,
        ];
        if let Some(v) = a.visibility {
            args.push("--visibility".into());
            args.push(
                match v {
                    Visibility::Public => "public",
                    Visibility::Private => "private",
                    Visibility::Onchain => "onchain",
                }
                .into(),
            );
        }
        match (a.machine_address, a.machine_key_file) {
            (None, None) => {}
            (Some(addr), Some(file)) => {
                args.extend(["--for".into(), addr, "--machine-key".into(), file]);
            }
            _ => {
                return Ok(tool_error(
                    &CliError::user(
                        "machine_address and machine_key_file go together (proxy mode).",
                    )
                    .with_field("machine_key_file"),
                ));
            }
        }
        if a.skip_funding {
            args.push("--skip-funding".into());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let stdin = a.two_factor_code.map(|c| format!("{c}\n"));
        Ok(result(cli(&args, stdin.as_deref()).await))
    }

    /// Submits one event.
    #[tool(
        description = "Submit one revenue or activity event for a machine (ts defaults to now, the latest block's time). Returns the transaction and data hash."
    )]
    async fn submit_event(
        &self,
        Parameters(e): Parameters<EventArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let mut args: Vec<String> = vec![
            "qualify".into(),
            "event".into(),
            "--machine-id".into(),
            e.machine_id.to_string(),
            "--type".into(),
            e.kind,
            "--value".into(),
            e.value.to_string(),
            "--ts".into(),
            e.ts.unwrap_or_else(|| "now".into()),
        ];
        for (flag, v) in [
            ("--currency", e.currency),
            ("--trust", e.trust),
            ("--source-tx", e.source_tx),
        ] {
            if let Some(v) = v {
                args.extend([flag.into(), v]);
            }
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        Ok(result(cli(&args, None).await))
    }

    /// Submits events in one transaction.
    #[tool(
        description = "Submit 1-500 events in one batch transaction (fields as submit_event; ts required per event: unix seconds or ISO 8601)."
    )]
    async fn submit_events(
        &self,
        Parameters(b): Parameters<EventsArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        if b.events.is_empty() || b.events.len() > MAX_BATCH_EVENTS {
            return Err(ErrorData::invalid_params(
                format!("events: 1 to {MAX_BATCH_EVENTS} events"),
                None,
            ));
        }
        let file = match tempfile_with(&serde_json::to_vec(&b.events).unwrap_or_default()) {
            Ok(f) => f,
            Err(e) => return Ok(tool_error(&e)),
        };
        let path = file.display().to_string();
        let out = cli(&["qualify", "event", "--batch", &path], None).await;
        let _ = std::fs::remove_file(&file);
        Ok(result(out))
    }

    /// A machine's credit rating.
    #[tool(
        description = "A machine's credit rating (MCR) from the MCR API: rating, score 0-100, bond status, event counts, revenue trend."
    )]
    async fn query_mcr(
        &self,
        Parameters(d): Parameters<DidArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        Ok(result(cli(&["qualify", "mcr", &d.did], None).await))
    }

    /// A machine's profile.
    #[tool(
        description = "A machine's profile from the MCR API: name, machine id, operator, DID attributes, MCR snapshot, recent events."
    )]
    async fn query_machine(
        &self,
        Parameters(d): Parameters<DidArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        Ok(result(cli(&["show", "machine", &d.did], None).await))
    }

    /// One page of an operator's fleet with ratings.
    #[tool(
        description = "One page of an operator's fleet with each machine's rating (offset, limit 1-20)."
    )]
    async fn query_operator_fleet(
        &self,
        Parameters(f): Parameters<FleetArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let mut args: Vec<String> =
            vec!["show".into(), "operator".into(), "machines".into(), f.did];
        if let Some(o) = f.offset {
            args.extend(["--offset".into(), o.to_string()]);
        }
        if let Some(l) = f.limit {
            args.extend(["--limit".into(), l.to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        Ok(result(cli(&args, None).await))
    }

    /// A machine's rating with the factors behind it in plain words.
    #[tool(
        description = "Explain a machine's credit rating: the MCR plus each factor behind it (bond, history, revenue, trend, activity, FX) in plain words."
    )]
    async fn explain_score(
        &self,
        Parameters(d): Parameters<DidArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        Ok(result(
            cli(&["qualify", "mcr", &d.did], None)
                .await
                .map(|m| explain(&m)),
        ))
    }

    /// The vault's wallets (names and public addresses only).
    #[tool(
        description = "The OWS vault's wallets: names, ids and public addresses. Never a key, mnemonic or passphrase."
    )]
    async fn wallet_list(&self) -> Result<CallToolResult, ErrorData> {
        Ok(result(cli(&["wallet", "list"], None).await))
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Peaqos {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("peaqos", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "peaqOS through the peaqos CLI's configuration (./.env of the server's working \
                 directory): whoami, activate, submit events, query ratings, machines and \
                 fleets, explain a score, list wallets. Tool errors carry {\"error\": {code, \
                 message, field, exit_code}}; the codes are the CLI's troubleshooting catalogue.",
            )
    }
}

/// Runs `peaqos args… --json` (this binary), stdin `input` or closed; its JSON result, or
/// its JSON error as a [`CliError`].
async fn cli(args: &[&str], input: Option<&str>) -> Result<Value, CliError> {
    let exe =
        std::env::current_exe().map_err(|e| CliError::io("cannot find the peaqos binary", &e))?;
    let mut child = tokio::process::Command::new(exe)
        .args(args)
        .arg("--json")
        .env_remove("PEAQOS_JSON")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| CliError::io("cannot run peaqos", &e))?;
    if let Some(mut stdin) = child.stdin.take() {
        if let Some(text) = input {
            let _ = stdin.write_all(text.as_bytes()).await;
        }
        drop(stdin);
    }
    let out = tokio::time::timeout(TOOL_TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| {
            CliError::network(format!(
                "the command took longer than {} s",
                TOOL_TIMEOUT.as_secs()
            ))
        })?
        .map_err(|e| CliError::io("peaqos failed", &e))?;
    if out.stdout.len() > MAX_RESULT_BYTES {
        return Err(CliError::new(
            ErrorCode::LimitExceeded,
            format!("the result is larger than {MAX_RESULT_BYTES} bytes"),
        ));
    }
    let value: Value = serde_json::from_slice(&out.stdout).map_err(|e| {
        CliError::network(format!(
            "peaqos printed no JSON (exit {:?}): {e}",
            out.status.code()
        ))
    })?;
    match value.get("error") {
        Some(err) if !out.status.success() => Err(error_from_json(err)),
        _ => Ok(value),
    }
}

/// The child's JSON error back as a [`CliError`] (same code, message and field).
fn error_from_json(err: &Value) -> CliError {
    let code = err["code"]
        .as_str()
        .and_then(|c| ErrorCode::ALL.into_iter().find(|k| k.as_str() == c))
        .unwrap_or(ErrorCode::NetworkError);
    let mut e = CliError::new(code, err["message"].as_str().unwrap_or_default());
    if let Some(f) = err["field"].as_str() {
        e = e.with_field(f);
    }
    e
}

fn result(r: Result<Value, CliError>) -> CallToolResult {
    match r {
        Ok(v) => CallToolResult::structured(v),
        Err(e) => tool_error(&e),
    }
}

fn tool_error(e: &CliError) -> CallToolResult {
    CallToolResult::structured_error(e.json())
}

/// A private temporary file holding `bytes` (for the batch file).
fn tempfile_with(bytes: &[u8]) -> CliResult<std::path::PathBuf> {
    let path = std::env::temp_dir().join(format!("peaqos-mcp-{}.json", uuid::Uuid::new_v4()));
    peaqos_service::write_private(&path, bytes)
        .map_err(|e| CliError::io(&format!("cannot write {}", path.display()), &e))?;
    Ok(path)
}

/// The rating with one plain-words line per factor.
fn explain(m: &Value) -> Value {
    let mut factors = Vec::new();
    let bond = m["bond_status"].as_str().unwrap_or("unknown");
    factors.push(
        json!({"factor": "bond", "value": bond, "meaning": if bond == "bonded" {
            "The machine has its refundable bond staked: a requirement for any rating."
        } else {
            "No bond staked: the machine cannot be rated until 'peaqos activate' bonds it."
        }}),
    );
    let events = m["event_count"].as_u64().unwrap_or(0);
    let revenue = m["revenue_event_count"].as_u64().unwrap_or(0);
    let activity = m["activity_event_count"].as_u64().unwrap_or(0);
    factors.push(json!({"factor": "history", "value": events, "meaning": format!(
        "{events} events ({revenue} revenue, {activity} activity). More history over more days raises confidence; a new machine starts as Provisioned or NR."
    )}));
    factors.push(json!({"factor": "revenue", "value": m["total_revenue"], "meaning": format!(
        "Total revenue {} US cents, {} per revenue event on average: the largest part of the score.",
        m["total_revenue"], m["average_revenue_per_event"]
    )}));
    factors.push(json!({"factor": "trend", "value": m["revenue_trend"], "meaning":
        "The revenue trend over the last 30 days against the period before: rising helps, falling hurts."
    }));
    if m["negative_flag"].as_bool() == Some(true) {
        factors.push(json!({"factor": "negative_flag", "value": true, "meaning":
            "A negative flag is set on this machine: it caps the rating."}));
    }
    if m["mcr_degraded"].as_bool() == Some(true) {
        factors.push(json!({"factor": "fx", "value": "degraded", "meaning":
            "Currency conversion used a fallback rate: the score is provisional."}));
    }
    json!({
        "did": m["did"],
        "mcr": m["mcr"],
        "mcr_score": m["mcr_score"],
        "summary": format!("Rating {} with score {} / 100.", m["mcr"].as_str().unwrap_or("?"), m["mcr_score"]),
        "factors": factors,
        "mcr_response": m,
    })
}
