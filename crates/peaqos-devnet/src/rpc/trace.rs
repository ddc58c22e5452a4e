//! `debug_traceTransaction` and `debug_traceCall`: geth's tracer options read into a
//! [`Tracer`], the chain's trace (`chain/trace.rs`) as geth prints it, with the decoded calls
//! into peaq's precompiles added to call traces (`trace_decode.rs`).

use std::time::Duration;

use alloy::{
    eips::{BlockId, BlockNumberOrTag},
    primitives::B256,
    rpc::types::{
        TransactionRequest,
        trace::geth::{
            GethDebugBuiltInTracerType, GethDebugTracerType, GethDebugTracingCallOptions,
            GethDebugTracingOptions,
        },
    },
};
use serde_json::Value;

use super::{RpcError, api, codes, request::BlockParam, trace_decode};
use crate::chain::{Chain, MAX_TRACE_TIMEOUT, TraceBounds, TraceError, TraceFrame, Tracer};

/// `debug_traceTransaction(hash, options?)`.
pub(super) fn trace_transaction(
    chain: &Chain,
    hash: B256,
    options: Option<GethDebugTracingOptions>,
) -> Result<Value, RpcError> {
    let options = options.unwrap_or_default();
    let (tracer, bounds) = tracer_of(&options)?;
    let frame = chain
        .trace_transaction(&hash, &tracer, bounds)
        .map_err(trace_error)?;
    render(frame)
}

/// `debug_traceCall(transaction, block?, options?)`.
pub(super) fn trace_call(
    chain: &Chain,
    tx: &TransactionRequest,
    block: Option<BlockParam>,
    options: Option<GethDebugTracingCallOptions>,
) -> Result<Value, RpcError> {
    let options = options.unwrap_or_default();
    if options.state_overrides.is_some()
        || options.block_overrides.is_some()
        || options.tx_index.is_some()
    {
        return Err(RpcError::params(
            "stateOverrides, blockOverrides and txIndex are not supported by debug_traceCall here",
        ));
    }
    let (tracer, bounds) = tracer_of(&options.tracing_options)?;
    let number = api::block_number(chain, block)
        .ok_or_else(|| RpcError::from(crate::chain::ChainError::UnknownBlockHash))?;
    let pending = matches!(
        block,
        Some(BlockParam(BlockId::Number(BlockNumberOrTag::Pending)))
    );
    let frame = chain
        .trace_call(tx, number, pending, &tracer, bounds)
        .map_err(trace_error)?;
    render(frame)
}

/// The tracer and bounds geth's options ask for: the struct logger unless `tracer` is
/// `callTracer`; other tracers are refused (-32602).
fn tracer_of(options: &GethDebugTracingOptions) -> Result<(Tracer, TraceBounds), RpcError> {
    let tracer = match &options.tracer {
        None => Tracer::StructLogs(options.config),
        Some(GethDebugTracerType::BuiltInTracer(GethDebugBuiltInTracerType::CallTracer)) => {
            let config = options
                .tracer_config
                .clone()
                .into_call_config()
                .map_err(|e| RpcError::params(format!("invalid tracerConfig: {e}")))?;
            Tracer::Calls(config)
        }
        Some(other) => {
            let name = match other {
                GethDebugTracerType::BuiltInTracer(t) => format!("{t:?}"),
                GethDebugTracerType::JsTracer(_) => "a JavaScript tracer".to_owned(),
            };
            return Err(RpcError::params(format!(
                "tracer {name} is not supported: the devnet serves the struct logger and callTracer"
            )));
        }
    };
    let mut bounds = TraceBounds::default();
    if let Some(timeout) = &options.timeout {
        let timeout = go_duration(timeout)
            .ok_or_else(|| RpcError::params(format!("invalid timeout: {timeout}")))?;
        if timeout > MAX_TRACE_TIMEOUT {
            return Err(RpcError::params(format!(
                "timeout {timeout:?} is over the {MAX_TRACE_TIMEOUT:?} a trace may take"
            )));
        }
        bounds.timeout = timeout;
    }
    Ok((tracer, bounds))
}

/// A Go duration as geth reads `timeout`: decimal numbers with units (`ns`, `us`, `µs`, `ms`,
/// `s`, `m`, `h`), e.g. `"10s"`, `"1m30s"`, `"500ms"`.
fn go_duration(text: &str) -> Option<Duration> {
    // Far longer than any accepted timeout; keeps the parse bounded.
    if text.is_empty() || text.len() > 64 {
        return None;
    }
    let mut rest = text;
    let mut total = 0f64;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..number_len].parse().ok()?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += number * seconds;
    }
    Duration::try_from_secs_f64(total).ok()
}

fn render(frame: TraceFrame) -> Result<Value, RpcError> {
    match frame {
        TraceFrame::StructLogs(frame) => api::ok(frame),
        TraceFrame::Calls(frame) => {
            let mut value = api::ok(frame)?;
            trace_decode::decode_frames(&mut value);
            Ok(value)
        }
    }
}

/// Chain errors keep their one mapping; a trace too large is -32005 (as `eth_getLogs`), a
/// timeout and an unknown transaction -32000.
fn trace_error(e: TraceError) -> RpcError {
    match e {
        TraceError::Chain(e) => e.into(),
        TraceError::TooLarge(_) => RpcError::new(codes::LIMIT_EXCEEDED, e.to_string()),
        TraceError::TxNotFound(_) | TraceError::Timeout => {
            RpcError::new(codes::SERVER_ERROR, e.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::go_duration;
    use std::time::Duration;

    #[test]
    fn go_durations_read_as_geth_reads_them() {
        assert_eq!(go_duration("5s"), Some(Duration::from_secs(5)));
        assert_eq!(go_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(go_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(go_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(go_duration("10"), None);
        assert_eq!(go_duration("s"), None);
        assert_eq!(go_duration(""), None);
        assert_eq!(go_duration("3d"), None);
    }
}
