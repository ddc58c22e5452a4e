//! Mutators: byte-level (bit flips, byte insert / delete / duplicate, splices between corpus
//! items, interesting values, dictionary tokens, truncation) and JSON-aware ones (a value
//! replaced by a random one of another type, huge numbers, deep nesting, long and odd unicode
//! strings, duplicate keys, removed and added keys, batches).

use serde_json::{Map, Value};

use crate::rng::Rng;

/// Bytes that often break parsers.
const INTERESTING_BYTES: &[u8] = &[
    0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, b'"', b'\\', b'{', b'}', b'[', b']', b',', b':', b'0',
    b'9', b'-', b'+', b'.', b'e', b'x', b'X', b'%', b'/', b'?', b'&', b'=', b'#', b' ', b'\n',
    b'\r', b'\t', b'\'',
];

/// Tokens every target gets in its dictionary.
const COMMON_TOKENS: &[&str] = &[
    "0x",
    "0X",
    "null",
    "true",
    "-1",
    "0",
    "18446744073709551615",
    "18446744073709551616",
    "9223372036854775808",
    "115792089237316195423570985008687907853269984665640564039457584007913129639936",
    "1e308",
    "1e999",
    "-0",
    "0.5",
    "\\u0000",
    "\\ud800",
    "%00",
    "%ff",
    "%2F",
    "..",
    "../",
    "\u{202e}",
    "\u{1F600}",
    "\u{FEFF}",
    "ÿ",
];

/// Byte-level mutation of `data`, with `other` (another corpus item) for splicing and `dict`
/// for tokens; the result is at most `max_len` bytes.
pub fn mutate_bytes(
    rng: &mut Rng,
    data: &mut Vec<u8>,
    other: &[u8],
    dict: &[&str],
    max_len: usize,
) {
    let len = data.len();
    match rng.below(13) {
        // Bit flip.
        0 if len > 0 => {
            let i = rng.below(len);
            data[i] ^= 1 << rng.below(8);
        }
        // Random byte.
        1 if len > 0 => {
            let i = rng.below(len);
            data[i] = rng.byte();
        }
        // Interesting byte, overwritten or inserted.
        2 => {
            let b = *rng.pick(INTERESTING_BYTES);
            let i = rng.below(len + 1);
            if i < len && rng.one_in(2) {
                data[i] = b;
            } else {
                data.insert(i, b);
            }
        }
        // Insert random bytes.
        3 => {
            let i = rng.below(len + 1);
            let n = rng.small_len(64);
            let bytes: Vec<u8> = (0..n).map(|_| rng.byte()).collect();
            data.splice(i..i, bytes);
        }
        // Delete a range.
        4 if len > 0 => {
            let i = rng.below(len);
            let n = rng.small_len(len - i).max(1);
            data.drain(i..i + n);
        }
        // Duplicate a range (sometimes many times: long inputs).
        5 if len > 0 => {
            let i = rng.below(len);
            let n = rng.small_len(len - i).max(1);
            let chunk = data[i..i + n].to_vec();
            let times = if rng.one_in(4) { rng.below(200) + 1 } else { 1 };
            let at = rng.below(len + 1);
            let repeated: Vec<u8> = chunk.iter().copied().cycle().take(n * times).collect();
            data.splice(at..at, repeated);
        }
        // Splice with another corpus item.
        6 if !other.is_empty() => {
            let cut = rng.below(len + 1);
            let from = rng.below(other.len());
            data.truncate(cut);
            data.extend_from_slice(&other[from..]);
        }
        // Dictionary token, inserted or overwriting.
        7 | 8 => {
            let token = if !dict.is_empty() && rng.below(3) > 0 {
                *rng.pick(dict)
            } else {
                *rng.pick(COMMON_TOKENS)
            };
            let i = rng.below(len + 1);
            if i < len && rng.one_in(2) {
                let end = (i + token.len()).min(len);
                data.splice(i..end, token.bytes());
            } else {
                data.splice(i..i, token.bytes());
            }
        }
        // Truncation.
        9 if len > 0 => data.truncate(rng.below(len)),
        // Interesting 16/32/64-bit integers written as ASCII digits.
        10 => {
            let n: i128 = *rng.pick(&[
                0,
                -1,
                i128::from(i8::MAX),
                i128::from(u8::MAX),
                i128::from(i16::MIN),
                i128::from(u16::MAX),
                i128::from(i32::MAX),
                i128::from(u32::MAX),
                i128::from(i64::MAX),
                i128::from(i64::MIN),
                i128::from(u64::MAX),
                i128::from(u64::MAX) + 1,
            ]);
            let text = if rng.one_in(2) {
                n.to_string()
            } else {
                format!("0x{:x}", n.unsigned_abs())
            };
            let i = rng.below(len + 1);
            data.splice(i..i, text.into_bytes());
        }
        // Swap two bytes.
        11 if len > 1 => {
            let (i, j) = (rng.below(len), rng.below(len));
            data.swap(i, j);
        }
        // Change the case of an ASCII letter.
        _ if len > 0 => {
            let i = rng.below(len);
            if data[i].is_ascii_alphabetic() {
                data[i] ^= 0x20;
            } else {
                data[i] = data[i].wrapping_add(1);
            }
        }
        _ => data.push(rng.byte()),
    }
    data.truncate(max_len);
}

/// The placeholder a node is replaced by when its new text is raw (not a `Value`).
const RAW_MARK: &str = "\u{1}raw\u{1}";

/// JSON-aware mutation of `data` when it is JSON, or JSON after a header ending in a blank
/// line (an HTTP case of the HTTP targets). Returns false when there is no JSON to mutate.
pub fn mutate_json(rng: &mut Rng, data: &mut Vec<u8>, dict: &[&str], max_len: usize) -> bool {
    let start = if serde_json::from_slice::<Value>(data).is_ok() {
        0
    } else {
        match data.windows(2).position(|w| w == b"\n\n") {
            Some(i) => i + 2,
            None => return false,
        }
    };
    let Ok(mut value) = serde_json::from_slice::<Value>(&data[start..]) else {
        return false;
    };
    let raw = mutate_value(rng, &mut value, dict);
    let mut text = value.to_string();
    if let Some(raw) = raw {
        let quoted = Value::String(RAW_MARK.to_owned()).to_string();
        text = text.replacen(&quoted, &raw, 1);
    }
    data.truncate(start);
    data.extend_from_slice(text.as_bytes());
    data.truncate(max_len);
    true
}

/// Mutates one node of `value`; returns raw text when the node became [`RAW_MARK`].
fn mutate_value(rng: &mut Rng, value: &mut Value, dict: &[&str]) -> Option<String> {
    if rng.one_in(12) {
        // A batch: the whole value repeated, or wrapped.
        let n = rng.below(4) + 1;
        *value = Value::Array(vec![value.clone(); n]);
        return None;
    }
    let pointer = pick_pointer(rng, value);
    let node = value.pointer_mut(&pointer)?;
    match rng.below(10) {
        0 | 1 => *node = random_value(rng, dict, 3, type_of(node)),
        2 => {
            *node = Value::String(RAW_MARK.into());
            return Some(
                (*rng.pick(&[
                    "1e999",
                    "-1e999",
                    "123456789012345678901234567890123456789012345678901234567890",
                    "-9223372036854775809",
                    "18446744073709551616",
                    "1.0000000000000000000000001",
                    "0.0e-400",
                    "-0",
                    "\"\\ud800\"",
                    "\"\\udc00\\ud800\"",
                    "\"\\u0000\"",
                    "NaN",
                    "[]",
                    "{}",
                ]))
                .to_owned(),
            );
        }
        3 => {
            // Deep nesting.
            let depth = rng.below(300) + 1;
            let (open, close) = if rng.one_in(2) {
                ("[", "]")
            } else {
                ("{\"a\":", "}")
            };
            *node = Value::String(RAW_MARK.into());
            return Some(format!("{}1{}", open.repeat(depth), close.repeat(depth)));
        }
        4 => {
            // Long or odd strings.
            let unit = *rng.pick(&["a", "é", "\u{1F600}", "\u{0}", "0", "%", "\\", "\u{202e}"]);
            let n = *rng.pick(&[0, 1, 41, 255, 256, 4097, 20_000]);
            *node = Value::String(unit.repeat(n));
        }
        5 => {
            // Duplicate keys.
            if let Value::Object(map) = node
                && let Some((k, v)) = map.iter().next().map(|(k, v)| (k.clone(), v.clone()))
            {
                let other = random_value(rng, dict, 2, None);
                let mut parts: Vec<String> = map
                    .iter()
                    .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), v))
                    .collect();
                let dup = if rng.one_in(2) { other } else { v };
                parts.push(format!("{}:{}", Value::String(k), dup));
                *node = Value::String(RAW_MARK.into());
                return Some(format!("{{{}}}", parts.join(",")));
            }
        }
        6 => match node {
            Value::Object(map) if !map.is_empty() => {
                let k = map
                    .keys()
                    .nth(rng.below(map.len()))
                    .cloned()
                    .unwrap_or_default();
                map.remove(&k);
            }
            Value::Array(items) if !items.is_empty() => {
                items.remove(rng.below(items.len()));
            }
            _ => *node = Value::Null,
        },
        7 => match node {
            Value::Object(map) => {
                let key = if dict.is_empty() || rng.one_in(3) {
                    format!("k{}", rng.below(10))
                } else {
                    (*rng.pick(dict)).to_owned()
                };
                map.insert(key, random_value(rng, dict, 2, None));
            }
            Value::Array(items) => {
                let v = items
                    .first()
                    .cloned()
                    .unwrap_or_else(|| random_value(rng, dict, 2, None));
                let times = *rng.pick(&[1, 2, 10, 200]);
                items.extend(std::iter::repeat_n(v, times));
            }
            _ => *node = random_value(rng, dict, 2, None),
        },
        8 => {
            // A dictionary string.
            if !dict.is_empty() {
                *node = Value::String((*rng.pick(dict)).to_owned());
            }
        }
        _ => {
            // Small numeric change.
            if let Value::Number(n) = node {
                let v = n.as_i64().unwrap_or(0);
                *node = Value::from(v.wrapping_add(*rng.pick(&[-1, 1, -1000, 1 << 32])));
            } else if let Value::String(s) = node {
                if s.starts_with("0x") {
                    let tail: &&str = rng.pick(&["0", "f", "g", "00"]);
                    s.push_str(tail);
                } else {
                    s.insert(0, '0');
                }
            }
        }
    }
    None
}

/// 0 null, 1 bool, 2 number, 3 string, 4 array, 5 object.
const fn type_of(v: &Value) -> Option<usize> {
    Some(match v {
        Value::Null => 0,
        Value::Bool(_) => 1,
        Value::Number(_) => 2,
        Value::String(_) => 3,
        Value::Array(_) => 4,
        Value::Object(_) => 5,
    })
}

/// The JSON pointer of a random node of `value` (a random walk down).
fn pick_pointer(rng: &mut Rng, value: &Value) -> String {
    let mut pointer = String::new();
    let mut node = value;
    while !rng.one_in(3) {
        let next = match node {
            Value::Array(items) if !items.is_empty() => {
                let i = rng.below(items.len());
                pointer.push_str(&format!("/{i}"));
                &items[i]
            }
            Value::Object(map) if !map.is_empty() => {
                let Some((k, v)) = map.iter().nth(rng.below(map.len())) else {
                    break;
                };
                pointer.push('/');
                pointer.push_str(&k.replace('~', "~0").replace('/', "~1"));
                v
            }
            _ => break,
        };
        node = next;
    }
    pointer
}

/// A random JSON value of a type other than `not` (depth-bounded).
pub fn random_value(rng: &mut Rng, dict: &[&str], depth: u32, not: Option<usize>) -> Value {
    let mut kind = rng.below(if depth == 0 { 4 } else { 6 });
    if Some(kind) == not {
        kind = (kind + 1) % if depth == 0 { 4 } else { 6 };
    }
    match kind {
        0 => Value::Null,
        1 => Value::Bool(rng.one_in(2)),
        2 => match rng.below(4) {
            0 => Value::from(rng.next_u64()),
            1 => Value::from(-i64::try_from(rng.below(1 << 20)).unwrap_or(0)),
            2 => serde_json::Number::from_f64(
                f64::from(u32::try_from(rng.below(1000)).unwrap_or(0)) / 7.0,
            )
            .map_or(Value::Null, Value::Number),
            _ => Value::from(rng.below(3)),
        },
        3 => Value::String(match rng.below(4) {
            0 if !dict.is_empty() => (*rng.pick(dict)).to_owned(),
            1 => format!("0x{:x}", rng.next_u64()),
            2 => (*rng.pick(COMMON_TOKENS)).to_owned(),
            _ => (0..rng.small_len(40))
                .map(|_| char::from(b' ' + u8::try_from(rng.below(95)).unwrap_or(0)))
                .collect(),
        }),
        4 => Value::Array(
            (0..rng.below(4))
                .map(|_| random_value(rng, dict, depth - 1, None))
                .collect(),
        ),
        _ => {
            let mut map = Map::new();
            for _ in 0..rng.below(4) {
                let key = if dict.is_empty() || rng.one_in(2) {
                    format!("k{}", rng.below(5))
                } else {
                    (*rng.pick(dict)).to_owned()
                };
                map.insert(key, random_value(rng, dict, depth - 1, None));
            }
            Value::Object(map)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_stay_within_max_len_and_json_mutations_apply() {
        let mut rng = Rng::new(7);
        let seed = br#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}"#.to_vec();
        let mut json_changed = 0;
        for _ in 0..2000 {
            let mut data = seed.clone();
            mutate_bytes(&mut rng, &mut data, b"other", &["eth_call"], 100);
            assert!(data.len() <= 100);
            let mut data = seed.clone();
            assert!(mutate_json(&mut rng, &mut data, &["id"], 1 << 20));
            json_changed += usize::from(data != seed);
        }
        assert!(json_changed > 1500, "{json_changed}");
        let mut http = b"POST /x\n\n{\"a\":1}".to_vec();
        assert!(mutate_json(&mut rng, &mut http, &[], 1 << 20));
        assert!(http.starts_with(b"POST /x\n\n"));
    }
}
