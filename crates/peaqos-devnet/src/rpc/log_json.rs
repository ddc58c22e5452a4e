//! `eth_getLogs` answers written straight to JSON text.
//!
//! A wide query answers up to 10,000 logs. Serializing them through a `serde_json::Value` tree
//! (ten map entries and their strings per log) spent most of the query in the allocator; this
//! writes the same bytes into one buffer. The text is exactly what the `Value` path gives
//! (keys in sorted order, `null` for absent fields, `blockTimestamp` left out when absent):
//! the tests compare the two on many logs.

use std::fmt::Write as _;

use alloy::{
    primitives::{Address, B256},
    rpc::types::Log,
};

/// The JSON array of `logs`, byte for byte `serde_json::to_vec(&serde_json::to_value(logs))`.
pub(super) fn logs_json(logs: &[Log]) -> String {
    let mut out = String::with_capacity(2 + logs.iter().map(estimate).sum::<usize>());
    out.push('[');
    for (i, log) in logs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_log(&mut out, log);
    }
    out.push(']');
    out
}

/// Bytes of one log's JSON, about (to size the buffer once).
fn estimate(log: &Log) -> usize {
    400 + 2 * log.data().data.len() + 70 * log.topics().len()
}

fn write_log(out: &mut String, log: &Log) {
    out.push_str("{\"address\":");
    address(out, log.address());
    out.push_str(",\"blockHash\":");
    opt(out, log.block_hash.as_ref(), hash);
    out.push_str(",\"blockNumber\":");
    opt(out, log.block_number, quantity);
    if let Some(t) = log.block_timestamp {
        out.push_str(",\"blockTimestamp\":");
        quantity(out, t);
    }
    out.push_str(",\"data\":\"0x");
    hex(out, &log.data().data);
    out.push_str("\",\"logIndex\":");
    opt(out, log.log_index, quantity);
    out.push_str(",\"removed\":");
    out.push_str(if log.removed { "true" } else { "false" });
    out.push_str(",\"topics\":[");
    for (i, t) in log.topics().iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        hash(out, t);
    }
    out.push_str("],\"transactionHash\":");
    opt(out, log.transaction_hash.as_ref(), hash);
    out.push_str(",\"transactionIndex\":");
    opt(out, log.transaction_index, quantity);
    out.push('}');
}

fn opt<T>(out: &mut String, v: Option<T>, write: fn(&mut String, T)) {
    match v {
        Some(v) => write(out, v),
        None => out.push_str("null"),
    }
}

fn quantity(out: &mut String, v: u64) {
    let _ = write!(out, "\"0x{v:x}\"");
}

fn hash(out: &mut String, h: &B256) {
    quoted_hex(out, h.as_slice());
}

/// Addresses as the `Value` path writes them: lowercase, not checksummed.
fn address(out: &mut String, a: Address) {
    quoted_hex(out, a.as_slice());
}

fn quoted_hex(out: &mut String, bytes: &[u8]) {
    out.push_str("\"0x");
    hex(out, bytes);
    out.push('"');
}

fn hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.reserve(2 * bytes.len());
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
}

#[cfg(test)]
mod tests {
    use alloy::primitives::{Bytes, LogData, keccak256};

    use super::*;

    fn log(i: u64) -> Log {
        let h = |k: u64| keccak256((i * 31 + k).to_be_bytes());
        let topics: Vec<B256> = (0..(i % 5)).map(h).collect();
        let data: Vec<u8> = (0..(i * 7 % 200)).map(|k| (k * 13 + i) as u8).collect();
        let some = |n: u64| (!i.is_multiple_of(n)).then_some(());
        Log {
            inner: alloy::primitives::Log {
                address: Address::from_slice(&h(99)[12..]),
                data: LogData::new_unchecked(topics, Bytes::from(data)),
            },
            block_hash: some(3).map(|()| h(100)),
            block_number: some(4).map(|()| i * 1_000_003 % (1 << 40)),
            block_timestamp: some(2).map(|()| i),
            transaction_hash: some(5).map(|()| h(101)),
            transaction_index: some(6).map(|()| i % 3),
            log_index: some(7).map(|()| i * 3),
            removed: i.is_multiple_of(11),
        }
    }

    #[test]
    fn same_bytes_as_the_value_path() {
        for n in [0, 1, 2, 50] {
            let logs: Vec<Log> = (0..n).map(log).collect();
            let want =
                serde_json::to_vec(&serde_json::to_value(&logs).expect("value")).expect("text");
            assert_eq!(logs_json(&logs).as_bytes(), want.as_slice(), "{n} logs");
        }
        for i in 0..2_000 {
            let one = [log(i)];
            let want =
                serde_json::to_string(&serde_json::to_value(&one).expect("value")).expect("text");
            assert_eq!(logs_json(&one), want, "log {i}");
        }
    }
}
