//! The decoded calls into peaq's precompiles that the devnet adds to its call traces.
//!
//! A `callTracer` frame whose `to` is DID (`0x…0800`), Batch (`0x…0805`) or WPEAQ (`0x…0809`)
//! gets a `decoded` field: `{"function": "addAttribute(address,bytes,bytes,uint32)", "name":
//! "addAttribute", "args": {"didAccount": "0x…", …}, "outputs": {…}}` (outputs when the frame
//! returned and they decode). This is the devnet's own field, as `cast run` prints a decoded
//! call: the function signature and named arguments, with addresses checksummed, integers in
//! decimal (as strings), bytes as 0x-hex, arrays and tuples as arrays. Clients that do not know
//! the field ignore it; geth's fields are unchanged.

use std::sync::OnceLock;

use alloy::{
    dyn_abi::{DynSolValue, FunctionExt, JsonAbiExt},
    json_abi::{Function, JsonAbi},
    primitives::{Address, Bytes},
};
use peaqos_contracts::bindings::{BatchPrecompile, DIDPrecompile};
use peaqos_types::constants::{
    BATCH_PRECOMPILE_ADDRESS, DID_PRECOMPILE_ADDRESS, WPEAQ_PRECOMPILE_ADDRESS,
};
use serde_json::{Map, Value, json};

alloy::sol! {
    /// WPEAQ at `0x…0809` as the devnet's precompile serves it (`precompiles/wpeaq.rs`).
    #[sol(abi)]
    interface WpeaqPrecompile {
        function name() external view returns (string);
        function symbol() external view returns (string);
        function decimals() external view returns (uint8);
        function totalSupply() external view returns (uint256);
        function balanceOf(address who) external view returns (uint256);
        function allowance(address owner, address spender) external view returns (uint256);
        function approve(address spender, uint256 value) external returns (bool);
        function transfer(address to, uint256 value) external returns (bool);
        function transferFrom(address from, address to, uint256 value) external returns (bool);
        function deposit() external payable;
        function withdraw(uint256 value) external;
    }
}

/// Most frames a trace's decoding visits (a trace holds at most one frame per call, and a
/// 30M-gas block cannot make more than about 12,000 calls).
const MAX_DECODED_FRAMES: usize = 100_000;

fn abis() -> &'static [(Address, JsonAbi)] {
    static ABIS: OnceLock<Vec<(Address, JsonAbi)>> = OnceLock::new();
    ABIS.get_or_init(|| {
        vec![
            (DID_PRECOMPILE_ADDRESS, DIDPrecompile::abi::contract()),
            (BATCH_PRECOMPILE_ADDRESS, BatchPrecompile::abi::contract()),
            (WPEAQ_PRECOMPILE_ADDRESS, WpeaqPrecompile::abi::contract()),
        ]
    })
}

/// Adds `decoded` to every frame of a `callTracer` result that calls a peaq precompile.
pub(super) fn decode_frames(frame: &mut Value) {
    let mut stack = vec![frame];
    let mut visited = 0;
    while let Some(frame) = stack.pop() {
        visited += 1;
        if visited > MAX_DECODED_FRAMES {
            return;
        }
        let Some(object) = frame.as_object_mut() else {
            continue;
        };
        if let Some(decoded) = decode_frame(object) {
            object.insert("decoded".to_owned(), decoded);
        }
        if let Some(Value::Array(calls)) = object.get_mut("calls") {
            stack.extend(calls.iter_mut());
        }
    }
}

fn decode_frame(frame: &Map<String, Value>) -> Option<Value> {
    let to: Address = frame.get("to")?.as_str()?.parse().ok()?;
    let abi = &abis().iter().find(|(address, _)| *address == to)?.1;
    let input: Bytes = frame.get("input")?.as_str()?.parse().ok()?;
    let output: Option<Bytes> = frame
        .get("output")
        .and_then(Value::as_str)
        .and_then(|o| o.parse().ok());
    let failed = frame.contains_key("error");
    decode_call(
        to,
        abi,
        &input,
        output.as_ref().map(|o| &o[..]).filter(|_| !failed),
    )
}

/// The decoded call `input` to `to` (and its `output`), if a function of the ABI matches.
pub(super) fn decode_call(
    to: Address,
    abi: &JsonAbi,
    input: &[u8],
    output: Option<&[u8]>,
) -> Option<Value> {
    let function = match input.get(..4) {
        Some(selector) => abi
            .functions()
            .find(|f| f.selector().as_slice() == selector)?,
        // Input shorter than a selector is WPEAQ's `deposit()` (its fallback).
        None if to == WPEAQ_PRECOMPILE_ADDRESS => abi.function("deposit")?.first()?,
        None => return None,
    };
    let args = if input.len() < 4 {
        Vec::new()
    } else {
        function.abi_decode_input(&input[4..]).ok()?
    };
    let mut decoded = json!({
        "function": function.signature(),
        "name": function.name,
        "args": named(function, &args, true),
    });
    if let Some(values) = output
        .filter(|o| !o.is_empty())
        .and_then(|o| function.abi_decode_output(o).ok())
    {
        decoded["outputs"] = named(function, &values, false);
    }
    Some(decoded)
}

/// Values by parameter name (`argN` / `outN` for unnamed ones).
fn named(function: &Function, values: &[DynSolValue], inputs: bool) -> Value {
    let params = if inputs {
        &function.inputs
    } else {
        &function.outputs
    };
    let mut out = Map::new();
    for (i, value) in values.iter().enumerate() {
        let name = params
            .get(i)
            .map(|p| p.name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("{}{i}", if inputs { "arg" } else { "out" }));
        out.insert(name, render(value));
    }
    Value::Object(out)
}

/// A decoded value as JSON.
fn render(value: &DynSolValue) -> Value {
    match value {
        DynSolValue::Bool(b) => Value::Bool(*b),
        DynSolValue::Int(i, _) => Value::String(i.to_string()),
        DynSolValue::Uint(u, _) => Value::String(u.to_string()),
        DynSolValue::FixedBytes(word, size) => {
            Value::String(Bytes::copy_from_slice(&word[..(*size).min(32)]).to_string())
        }
        DynSolValue::Address(a) => Value::String(a.to_checksum(None)),
        DynSolValue::Bytes(bytes) => Value::String(Bytes::copy_from_slice(bytes).to_string()),
        DynSolValue::String(s) => Value::String(s.clone()),
        DynSolValue::Array(items) | DynSolValue::FixedArray(items) | DynSolValue::Tuple(items) => {
            Value::Array(items.iter().map(render).collect())
        }
        #[allow(unreachable_patterns)]
        other => Value::String(format!("{other:?}")),
    }
}
