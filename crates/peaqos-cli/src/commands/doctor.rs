//! `peaqos doctor`: checks the configuration, the RPC (reachable, the configured network's
//! chain, the contracts deployed), the MCR API, the Gas Station, the key and its balance, and
//! prints what to fix for each failed check from the troubleshooting catalogue.
//!
//! Exit 0 when nothing failed (warnings allowed); otherwise the exit code of the first failed
//! check's catalogue code. With `--json` the report is one object on stdout:
//! `{"ok", "checks": [{"name", "status", "detail", "error", "fix"}]}`, `error` in the CLI's
//! one error shape.

use std::time::Duration;

use alloy::{primitives::U256, providers::Provider as _};
use peaqos_types::Network;
use serde::Serialize;

use crate::{
    catalogue::ErrorCode,
    env::{ENV_GAS_STATION_URL, ENV_NETWORK, ENV_RPC_URL, Env},
    error::{CliError, CliResult},
    output::{peaq, print_json},
    ui::{Style, Ui},
};

/// How long each probe may take (an unreachable endpoint must not hang the report).
pub(crate) const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Below this balance the key cannot pay the activation bond plus gas (0.5 PEAQ).
const LOW_BALANCE_WEI: u128 = 500_000_000_000_000_000;

#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

/// One check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    Ok,
    Warn,
    Fail,
    Skip,
}

/// One line of the report.
#[derive(Debug, Serialize)]
pub(crate) struct Check {
    name: &'static str,
    status: Status,
    detail: String,
    /// The error in the CLI's one shape (failed and warning checks).
    error: Option<serde_json::Value>,
    /// The catalogue's fix for the error's code.
    fix: Option<&'static str>,
}

impl Check {
    fn ok(name: &'static str, detail: impl Into<String>) -> Self {
        Self {
            name,
            status: Status::Ok,
            detail: detail.into(),
            error: None,
            fix: None,
        }
    }

    fn skip(name: &'static str, detail: impl Into<String>) -> Self {
        Self {
            name,
            status: Status::Skip,
            detail: detail.into(),
            error: None,
            fix: None,
        }
    }

    fn failed(name: &'static str, status: Status, err: &CliError) -> Self {
        Self {
            name,
            status,
            detail: err.message.lines().next().unwrap_or_default().to_owned(),
            error: Some(err.json()["error"].clone()),
            fix: Some(err.code.entry().fix),
        }
    }

    fn fail(name: &'static str, err: &CliError) -> Self {
        Self::failed(name, Status::Fail, err)
    }
}

/// The report as data: the checks in order and the first failure's error.
pub(crate) async fn checks(env: &Env) -> (Vec<Check>, Option<CliError>) {
    let mut out = Vec::new();
    let mut first: Option<CliError> = None;
    let mut fail = |out: &mut Vec<Check>, name, err: CliError| {
        out.push(Check::fail(name, &err));
        if first.is_none() {
            first = Some(err);
        }
    };

    // 1. Configuration: the network settings, then the signer.
    let network = match env.network() {
        Ok(n) => {
            out.push(Check::ok(
                "config",
                "PEAQOS_RPC_URL and the six contract addresses are set",
            ));
            Some(n)
        }
        Err(e) => {
            fail(&mut out, "config", e);
            None
        }
    };
    let named = env.get(ENV_NETWORK);
    if let Some(name) = &named
        && name.parse::<Network>().is_err()
    {
        fail(
            &mut out,
            "network",
            CliError::config(format!(
                "Unknown PEAQOS_NETWORK='{name}'. Known values: mainnet, testnet, local."
            ))
            .with_field(ENV_NETWORK),
        );
    }

    // 2. The RPC: reachable, the configured chain, the contracts deployed.
    let provider = network.as_ref().and_then(|n| {
        n.rpc_url
            .parse()
            .ok()
            .map(|url| alloy::providers::ProviderBuilder::new().connect_http(url))
    });
    let mut rpc_ok = false;
    match (&network, &provider) {
        (Some(n), Some(p)) => {
            match tokio::time::timeout(PROBE_TIMEOUT, p.get_chain_id()).await {
                Ok(Ok(id)) => {
                    rpc_ok = true;
                    let expected = named.as_deref().and_then(|s| s.parse::<Network>().ok());
                    match expected {
                    Some(net) if net.chain_id() != id => fail(
                        &mut out,
                        "rpc",
                        CliError::new(
                            ErrorCode::ChainMismatch,
                            format!(
                                "{} serves chain id {id}, but PEAQOS_NETWORK={} is chain id {}.",
                                peaqos_service::redact_url(&n.rpc_url),
                                net.as_str(),
                                net.chain_id()
                            ),
                        )
                        .with_field(ENV_RPC_URL),
                    ),
                    _ => out.push(Check::ok(
                        "rpc",
                        format!(
                            "{} answers, chain id {id}",
                            peaqos_service::redact_url(&n.rpc_url)
                        ),
                    )),
                }
                    match tokio::time::timeout(
                    PROBE_TIMEOUT,
                    p.get_code_at(n.contracts.identity_registry),
                )
                .await
                {
                    Ok(Ok(code)) if !code.is_empty() => {
                        out.push(Check::ok("contracts", "IdentityRegistry has code"));
                    }
                    Ok(Ok(_)) => fail(
                        &mut out,
                        "contracts",
                        CliError::config(format!(
                            "No contract at IDENTITY_REGISTRY_ADDRESS={} on this chain (another \
                             network's addresses, or a fresh devnet).",
                            n.contracts.identity_registry
                        ))
                        .with_field("IDENTITY_REGISTRY_ADDRESS"),
                    ),
                    _ => out.push(Check::skip("contracts", "the RPC did not answer eth_getCode")),
                }
                }
                _ => fail(
                    &mut out,
                    "rpc",
                    CliError::new(
                        ErrorCode::RpcUnreachable,
                        format!(
                            "{} does not answer eth_chainId within {} s.",
                            peaqos_service::redact_url(&n.rpc_url),
                            PROBE_TIMEOUT.as_secs()
                        ),
                    )
                    .with_field(ENV_RPC_URL),
                ),
            }
        }
        (Some(n), None) => fail(
            &mut out,
            "rpc",
            CliError::config(format!(
                "PEAQOS_RPC_URL is not a URL: {}",
                peaqos_service::redact_url(&n.rpc_url)
            ))
            .with_field(ENV_RPC_URL),
        ),
        _ => out.push(Check::skip("rpc", "no RPC configured")),
    }

    // 3. The MCR API (default URL when unset, as the commands use).
    let mcr = env.mcr_api_url();
    match probe(&format!("{}/health", mcr.trim_end_matches('/'))).await {
        Ok(()) => out.push(Check::ok("mcr_api", format!("{mcr} is healthy"))),
        Err(why) => fail(
            &mut out,
            "mcr_api",
            CliError::new(
                ErrorCode::McrUnreachable,
                format!("{mcr}/health: {why}. Check PEAQOS_MCR_API_URL (is the MCR API running?)."),
            )
            .with_field(crate::env::ENV_MCR_API_URL),
        ),
    }

    // 4. The Gas Station: optional (only `activate` funding needs it) → a warning.
    match env.get(ENV_GAS_STATION_URL) {
        None => out.push(Check::skip(
            "gas_station",
            "PEAQOS_GAS_STATION_URL unset (needed only for 'peaqos activate' funding)",
        )),
        Some(url) => match probe(&format!("{}/health", url.trim_end_matches('/'))).await {
            Ok(()) => out.push(Check::ok("gas_station", format!("{url} is healthy"))),
            Err(why) => out.push(Check::failed(
                "gas_station",
                Status::Warn,
                &CliError::new(
                    ErrorCode::GasStationUnreachable,
                    format!("{url}/health: {why}."),
                )
                .with_field(ENV_GAS_STATION_URL),
            )),
        },
    }

    // 5. The key and its balance.
    match env.client() {
        Err(e) => fail(&mut out, "key", e),
        Ok(client) => {
            let address = client.address();
            out.push(Check::ok("key", format!("signer {address}")));
            if rpc_ok {
                match tokio::time::timeout(PROBE_TIMEOUT, client.provider().get_balance(address))
                    .await
                {
                    Ok(Ok(balance)) if balance >= U256::from(LOW_BALANCE_WEI) => {
                        out.push(Check::ok("balance", format!("{} PEAQ", peaq(balance))))
                    }
                    Ok(Ok(balance)) => out.push(Check::failed(
                        "balance",
                        Status::Warn,
                        &CliError::new(
                            ErrorCode::InsufficientFunds,
                            format!(
                                "{address} holds {} PEAQ (activation needs 0.5 PEAQ; 'peaqos \
                                 activate' asks the Gas Station to fund it).",
                                peaq(balance)
                            ),
                        ),
                    )),
                    _ => out.push(Check::skip("balance", "eth_getBalance did not answer")),
                }
            } else {
                out.push(Check::skip("balance", "the RPC is not reachable"));
            }
        }
    }
    (out, first)
}

/// `GET url` answered 2xx within [`PROBE_TIMEOUT`], or why not.
async fn probe(url: &str) -> Result<(), String> {
    let response = crate::env::http_client()
        .get(url)
        .timeout(PROBE_TIMEOUT)
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                format!("no answer within {} s", PROBE_TIMEOUT.as_secs())
            } else {
                "connection failed".to_owned()
            }
        })?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("HTTP {}", response.status().as_u16()))
    }
}

pub(crate) async fn run(ui: &Ui, env: &Env, _args: &Args) -> CliResult {
    let spinner = ui.spinner("Checking");
    let (checks, first) = checks(env).await;
    drop(spinner);
    if ui.json {
        print_json(&serde_json::json!({ "ok": first.is_none(), "checks": checks }))?;
    } else {
        for c in &checks {
            let mark = match c.status {
                Status::Ok => ui.out_style(Style::Green, "ok  "),
                Status::Warn => ui.out_style(Style::Yellow, "warn"),
                Status::Fail => ui.out_style(Style::Red, "FAIL"),
                Status::Skip => "skip".to_owned(),
            };
            ui.out(format!("  {mark}  {:<12} {}", c.name, c.detail));
            if let (Some(err), Some(fix)) = (&c.error, c.fix) {
                ui.out(format!(
                    "              {}: {fix}",
                    err["code"].as_str().unwrap_or_default()
                ));
            }
        }
    }
    match first {
        None => Ok(()),
        // The report is printed; the error only sets the exit code.
        Some(err) => Err(err.reported()),
    }
}
