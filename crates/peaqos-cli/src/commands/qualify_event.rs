//! `peaqos qualify event`: one revenue or activity event from flags, or a batch from a JSON
//! file in one Batch-precompile transaction. Validation errors name the flag or the field.

use std::path::PathBuf;

use alloy::{
    eips::BlockNumberOrTag,
    primitives::{B256, U256},
    providers::Provider as _,
};
use peaqos_sdk::{
    PeaqosClient, ValidationError,
    validation::{SubmitEventParams, parse_event_value, parse_source_tx_hash},
};
use serde_json::Value;

use crate::{
    env::Env,
    error::{CliError, CliResult, ErrorCode},
    output::{print_json, rows},
    ui::Ui,
};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The machine's id (> 0).
    #[arg(long, required_unless_present = "batch", allow_hyphen_values = true)]
    machine_id: Option<String>,
    /// Event type.
    #[arg(long = "type", value_parser = ["revenue", "activity"], required_unless_present = "batch")]
    event_type: Option<String>,
    /// Amount in ISO 4217 minor units (cents for USD), ≥ 0; activity events usually 0.
    #[arg(long, required_unless_present = "batch", allow_hyphen_values = true)]
    value: Option<String>,
    /// When it happened: unix seconds, ISO 8601 with a timezone (2026-01-31T12:00:00Z), or
    /// `now` (the latest block's time).
    #[arg(long, required_unless_present = "batch", allow_hyphen_values = true)]
    ts: Option<String>,
    /// Trust level.
    #[arg(long, default_value = "self", value_parser = ["self", "onchain", "hardware"])]
    trust: String,
    /// Where the revenue happened: same (0), peaq (3338), base (8453), or a chain id.
    #[arg(long, default_value = "same")]
    source_chain: String,
    /// The source transaction (64 hex, 0x optional); required with --trust onchain.
    #[arg(long)]
    source_tx: Option<String>,
    /// File whose bytes are hashed into dataHash (keccak256).
    #[arg(long, value_name = "FILE", conflicts_with = "raw_data_text")]
    raw_data: Option<PathBuf>,
    /// Raw data given inline (its UTF-8 bytes are hashed).
    #[arg(long, value_name = "TEXT")]
    raw_data_text: Option<String>,
    /// File whose bytes are stored as the event's metadata (≤ 4096 bytes).
    #[arg(long, value_name = "FILE", conflicts_with = "metadata_text")]
    metadata: Option<PathBuf>,
    /// Metadata given inline.
    #[arg(long, value_name = "TEXT")]
    metadata_text: Option<String>,
    /// Currency code (revenue: ^[A-Z0-9]{3,10}$, default USD; activity: empty).
    #[arg(long)]
    currency: Option<String>,
    /// A JSON array of events (fields as the flags: machine_id, type, value, ts, trust,
    /// source_chain, source_tx, raw_data, metadata, currency), submitted in one transaction.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["machine_id", "event_type", "value", "ts", "source_tx", "raw_data", "raw_data_text", "metadata", "metadata_text", "currency"])]
    batch: Option<PathBuf>,
}

pub(crate) async fn run(ui: &Ui, env: &Env, mut args: Args) -> CliResult {
    if args.ts.as_deref().map(str::trim) == Some("now") {
        // The chain's clock, not this machine's: an event may not be later than the latest block.
        let block = env
            .client()?
            .provider()
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await
            .map_err(|e| CliError::network(format!("cannot read the latest block: {e}")))?;
        args.ts = Some(
            block
                .map(|b| b.header.timestamp)
                .unwrap_or_default()
                .to_string(),
        );
    }
    let events = match &args.batch {
        Some(path) => read_batch(path)?,
        None => vec![single(&args)?],
    };
    let client = env.client()?;
    check_not_future(&client, &events, args.batch.is_some()).await?;
    if args.batch.is_some() {
        let spinner = ui.spinner("Waiting for the batch transaction");
        let hashes = client.batch_submit_events(&events).await?;
        drop(spinner);
        let tx = hashes.first().copied().unwrap_or_default();
        let mut machines: Vec<U256> = events.iter().map(|e| e.machine_id).collect();
        machines.sort_unstable();
        machines.dedup();
        if ui.json {
            return print_json(&serde_json::json!({
                "tx": tx.to_string(),
                "events": events.len(),
                "machine_ids": machines.iter().map(ToString::to_string).collect::<Vec<_>>(),
                "data_hashes": events.iter().map(|e| e.data_hash().to_string()).collect::<Vec<_>>(),
            }));
        }
        ui.out(format!(
            "Batch submitted: {} events in one transaction.",
            events.len()
        ));
        let list = machines
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        for line in rows(
            "  ",
            &[
                ("Events", events.len().to_string()),
                ("Machines", list),
                ("Tx", tx.to_string()),
            ],
        ) {
            ui.out(line);
        }
        return Ok(());
    }
    let Some(event) = events.into_iter().next() else {
        return Err(CliError::user("no event"));
    };
    let spinner = ui.spinner("Waiting for the event transaction");
    let (tx, data_hash) = client.submit_event(event.clone()).await?;
    drop(spinner);
    let kind = if event.event_type == 0 {
        "revenue"
    } else {
        "activity"
    };
    let trust = match event.trust_level {
        0 => "self-reported",
        1 => "on-chain-verifiable",
        _ => "hardware-signed",
    };
    if ui.json {
        return print_json(&serde_json::json!({
            "machine_id": event.machine_id.to_string(),
            "type": kind,
            "value": event.value.to_string(),
            "currency": event.resolved_currency(),
            "trust": trust,
            "tx": tx.to_string(),
            "data_hash": data_hash.to_string(),
        }));
    }
    ui.out("Event submitted.");
    for line in rows(
        "  ",
        &[
            ("Machine ID", event.machine_id.to_string()),
            ("Type", kind.to_owned()),
            ("Value", event.value.to_string()),
            ("Trust", trust.to_owned()),
            ("Tx", tx.to_string()),
            ("Data Hash", data_hash.to_string()),
        ],
    ) {
        ui.out(line);
    }
    Ok(())
}

/// Fields of one event as text, from flags or a batch entry.
#[derive(Default)]
struct Raw {
    machine_id: String,
    event_type: String,
    value: String,
    ts: String,
    trust: String,
    source_chain: String,
    source_tx: Option<String>,
    raw_data: Option<Vec<u8>>,
    metadata: Vec<u8>,
    currency: Option<String>,
}

fn read_file(flag: &str, path: &PathBuf) -> CliResult<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        CliError::new(
            ErrorCode::FileError,
            format!("{flag}: cannot read {}: {e}", path.display()),
        )
        .with_field(flag)
    })
}

fn single(args: &Args) -> CliResult<SubmitEventParams> {
    let raw = Raw {
        machine_id: args.machine_id.clone().unwrap_or_default(),
        event_type: args.event_type.clone().unwrap_or_default(),
        value: args.value.clone().unwrap_or_default(),
        ts: args.ts.clone().unwrap_or_default(),
        trust: args.trust.clone(),
        source_chain: args.source_chain.clone(),
        source_tx: args.source_tx.clone(),
        raw_data: match (&args.raw_data, &args.raw_data_text) {
            (Some(p), _) => Some(read_file("--raw-data", p)?),
            (None, Some(t)) => Some(t.as_bytes().to_vec()),
            _ => None,
        },
        metadata: match (&args.metadata, &args.metadata_text) {
            (Some(p), _) => read_file("--metadata", p)?,
            (None, Some(t)) => t.as_bytes().to_vec(),
            _ => Vec::new(),
        },
        currency: args.currency.clone(),
    };
    build(
        &raw,
        &|field| format!("--{}", field.replace('_', "-")),
        false,
    )
}

/// Checks every field and builds the SDK parameters; `name` renders a field's name for
/// messages (a flag, or `events[i].field`).
fn build(raw: &Raw, name: &dyn Fn(&str) -> String, batch: bool) -> CliResult<SubmitEventParams> {
    let bad = |field: &str, msg: String| {
        CliError::user(format!("{}: {msg}", name(field))).with_field(name(field))
    };
    let machine_id: u64 = raw
        .machine_id
        .trim()
        .parse()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| {
            bad(
                "machine_id",
                format!("'{}' is not a positive integer", raw.machine_id),
            )
        })?;
    let event_type = match raw.event_type.as_str() {
        "revenue" | "0" => peaqos_types::EventType::Revenue,
        "activity" | "1" => peaqos_types::EventType::Activity,
        other => return Err(bad("type", format!("'{other}' is not revenue or activity"))),
    };
    let value = parse_event_value(raw.value.trim()).map_err(|e| bad("value", e.message))?;
    let ts = parse_ts(&raw.ts).map_err(|m| bad("ts", m))?;
    let trust = match raw.trust.as_str() {
        "self" | "0" => peaqos_types::TrustLevel::SelfReported,
        "onchain" | "1" => peaqos_types::TrustLevel::OnChainVerifiable,
        "hardware" | "2" => peaqos_types::TrustLevel::HardwareSigned,
        other => {
            return Err(bad(
                "trust",
                format!("'{other}' is not self, onchain or hardware"),
            ));
        }
    };
    let chain: u64 = match raw.source_chain.as_str() {
        "same" => 0,
        "peaq" => peaqos_types::constants::PEAQ_CHAIN_ID,
        "base" => peaqos_types::constants::BASE_CHAIN_ID,
        other => other.parse().map_err(|_| {
            bad(
                "source_chain",
                format!("'{other}' is not same, peaq, base or a chain id"),
            )
        })?,
    };
    let mut params = SubmitEventParams::new(U256::from(machine_id), event_type, value, ts)
        .with_trust_level(trust)
        .with_source_chain_id(chain)
        .with_metadata(raw.metadata.clone());
    if let Some(tx) = &raw.source_tx {
        let hash: B256 =
            parse_source_tx_hash(tx.trim()).map_err(|e| bad("source_tx", e.message))?;
        params = params.with_source_tx_hash(hash);
    }
    if let Some(data) = &raw.raw_data {
        params = params.with_raw_data(data.clone());
    }
    match &raw.currency {
        Some(c) => params = params.with_currency(c.clone()),
        // A batch needs explicit currencies: apply the smart default here.
        None if batch => params = params.with_default_currency(),
        None => {}
    }
    let check = params.clone().with_default_currency();
    peaqos_sdk::validation::validate_submit_event_params(&check).map_err(
        |e: ValidationError| {
            let field = match e.field.as_str() {
                "source_tx_hash" => "source_tx",
                "event_type" => "type",
                "timestamp" => "ts",
                "trust_level" => "trust",
                "source_chain_id" => "source_chain",
                other => other,
            };
            bad(field, e.message)
        },
    )?;
    Ok(params)
}

/// Unix seconds (all digits) or ISO 8601 / RFC 3339 with an explicit offset or `Z`.
fn parse_ts(text: &str) -> Result<u64, String> {
    let t = text.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse().map_err(|_| format!("'{t}' is too large"));
    }
    chrono::DateTime::parse_from_rfc3339(t)
        .ok()
        .and_then(|d| u64::try_from(d.timestamp()).ok())
        .ok_or_else(|| {
            format!("'{t}' is neither unix seconds nor ISO 8601 with a timezone (e.g. 2026-01-31T12:00:00Z)")
        })
}

fn read_batch(path: &PathBuf) -> CliResult<Vec<SubmitEventParams>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::new(
            ErrorCode::FileError,
            format!("--batch: cannot read {}: {e}", path.display()),
        )
        .with_field("--batch")
    })?;
    let items: Vec<Value> = serde_json::from_str(&text).map_err(|e| {
        CliError::user(format!(
            "--batch: {} is not a JSON array: {e}",
            path.display()
        ))
        .with_field("--batch")
    })?;
    if items.is_empty() {
        return Err(CliError::user("--batch: the file holds no events").with_field("--batch"));
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let name = move |f: &str| format!("--batch events[{i}].{f}");
            let Value::Object(obj) = item else {
                return Err(CliError::user(format!(
                    "--batch events[{i}]: not a JSON object"
                )));
            };
            let text = |keys: &[&str]| -> Option<String> {
                keys.iter().find_map(|k| match obj.get(*k) {
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(Value::Number(n)) => Some(n.to_string()),
                    _ => None,
                })
            };
            let bytes = |key: &str| -> Option<Vec<u8>> {
                match obj.get(key) {
                    Some(Value::String(s)) => Some(s.as_bytes().to_vec()),
                    Some(Value::Null) | None => None,
                    Some(other) => Some(other.to_string().into_bytes()),
                }
            };
            let raw = Raw {
                machine_id: text(&["machine_id"]).unwrap_or_default(),
                event_type: text(&["type", "event_type"]).unwrap_or_default(),
                value: text(&["value"]).unwrap_or_default(),
                ts: text(&["ts", "timestamp"]).unwrap_or_default(),
                trust: text(&["trust", "trust_level"]).unwrap_or_else(|| "self".into()),
                source_chain: text(&["source_chain", "source_chain_id"])
                    .unwrap_or_else(|| "same".into()),
                source_tx: text(&["source_tx", "source_tx_hash"]),
                raw_data: bytes("raw_data"),
                metadata: bytes("metadata").unwrap_or_default(),
                currency: text(&["currency"]),
            };
            build(&raw, &name, true)
        })
        .collect()
}

/// Rejects timestamps later than both the clock and the chain's latest block (the contract
/// would revert `FutureTimestamp` after gas estimation).
async fn check_not_future(
    client: &PeaqosClient,
    events: &[SubmitEventParams],
    batch: bool,
) -> CliResult {
    let Some(latest) = events.iter().map(|e| e.timestamp).max() else {
        return Ok(());
    };
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap_or_default();
    if latest <= now {
        return Ok(());
    }
    let block = client
        .provider()
        .get_block_by_number(BlockNumberOrTag::Latest)
        .await
        .map_err(|e| CliError::network(format!("cannot read the latest block: {e}")))?;
    let chain_now = block.map(|b| b.header.timestamp).unwrap_or_default();
    if latest > chain_now.max(now) {
        let flag = if batch { "--batch events[].ts" } else { "--ts" };
        return Err(CliError::user(format!(
            "{flag}: {latest} is in the future (chain time {chain_now}); events must not be later than the latest block"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_ts;

    #[test]
    fn timestamps() {
        assert_eq!(parse_ts("1700000000"), Ok(1_700_000_000));
        assert_eq!(parse_ts("2023-11-14T22:13:20Z"), Ok(1_700_000_000));
        assert_eq!(parse_ts("2023-11-14T23:13:20+01:00"), Ok(1_700_000_000));
        assert!(parse_ts("2023-11-14T22:13:20").is_err());
        assert!(parse_ts("yesterday").is_err());
    }
}
