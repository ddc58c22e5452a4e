//! Event metadata (bytes any machine writes on chain) as the MCR serves it in `event_data`:
//! `peaqos_mcr::api::metadata_object`.

use serde_json::{Map, Value};

use super::{Target, no_setup, violated};
use crate::engine::ExecResult;

/// Event metadata.
pub(super) const TARGET: Target = Target {
    name: "event-metadata",
    about: "peaqos_mcr::api::metadata_object: blank → {}, a JSON object as is, other JSON under \
            \"value\", anything else as \"raw\" hex that decodes back to the input; the result \
            serializes",
    prepare: no_setup,
    seeds,
    dictionary: &["{", "}", "\"value\"", "\"raw\"", "null", "[", "]"],
    json_aware: true,
    run,
};

fn seeds() -> Vec<Vec<u8>> {
    [
        &br#"{"i":1,"seed":7}"#[..],
        br#"{"sensor":"temp","unit":"C","v":21.5,"tags":["a","b"],"nested":{"x":null}}"#,
        b"[1,2,3]",
        b"\"text\"",
        b"",
        b"  \n",
        b"\xff\x00raw",
        b"42",
    ]
    .into_iter()
    .map(<[u8]>::to_vec)
    .collect()
}

fn run(input: &[u8]) -> ExecResult {
    let obj = peaqos_mcr::api::metadata_object(input);
    if serde_json::to_string(&obj).is_err() {
        return violated("the metadata object does not serialize");
    }
    if input.iter().all(u8::is_ascii_whitespace) {
        return if obj.is_empty() {
            Ok("blank".into())
        } else {
            violated("blank metadata is not {}")
        };
    }
    match serde_json::from_slice::<Value>(input) {
        Ok(Value::Object(o)) => {
            if o == obj {
                Ok("object".into())
            } else {
                violated("a JSON object was changed")
            }
        }
        Ok(other) => {
            if obj == Map::from_iter([("value".to_owned(), other)]) {
                Ok("value".into())
            } else {
                violated("other JSON is not under \"value\"")
            }
        }
        Err(_) => {
            let raw = obj
                .get("raw")
                .and_then(Value::as_str)
                .and_then(|h| h.strip_prefix("0x"));
            match raw.map(alloy::hex::decode) {
                Some(Ok(bytes)) if bytes == input && obj.len() == 1 => Ok("raw".into()),
                _ => violated("non-JSON metadata is not {\"raw\": hex of the bytes}"),
            }
        }
    }
}
