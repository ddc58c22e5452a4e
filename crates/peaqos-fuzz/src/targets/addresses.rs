//! `Did`, `Ss58Address` and `EvmAddress`: parse → render → parse round trips and agreement
//! between the parsers that accept the same text (the MCR's `parse_did`, serde, the
//! any-case EVM parser, `AccountAddress`).

use blake2::{Blake2b512, Digest};
use peaqos_types::{AccountAddress, Did, EvmAddress, Ss58Address};

use super::{Target, no_setup, text, violated};
use crate::engine::ExecResult;

const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
const DEV0: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

/// Did.
pub(super) const DID: Target = Target {
    name: "did",
    about: "Did::from_str and the MCR's parse_did: Display re-parses to the same DID, the \
            text matches it but for letter case, serde and parse_did agree",
    prepare: no_setup,
    seeds: did_seeds,
    dictionary: &[
        "did:peaq:",
        "did:",
        "peaq",
        "0x",
        "0X",
        "did:peaq:0x",
        "did:key:",
    ],
    json_aware: false,
    run: run_did,
};

fn did_seeds() -> Vec<Vec<u8>> {
    [
        format!("did:peaq:{DEV0}"),
        format!("did:peaq:{}", DEV0.to_lowercase()),
        format!("did:peaq:0X{}", DEV0[2..].to_uppercase()),
        DEV0.to_owned(),
        "did:peaq:0x0000000000000000000000000000000000000000".to_owned(),
        "did:peaq:".to_owned(),
    ]
    .into_iter()
    .map(String::into_bytes)
    .collect()
}

fn run_did(input: &[u8]) -> ExecResult {
    let s = text(input);
    let parsed = s.parse::<Did>();
    let via_serde = serde_json::from_value::<Did>(serde_json::Value::String(s.to_string()));
    if parsed.as_ref().ok() != via_serde.as_ref().ok() {
        return violated(format!("FromStr and serde disagree: {s:?}"));
    }
    let mcr = peaqos_mcr::api::parse_did(&s);
    let Ok(did) = parsed else {
        return Ok(format!(
            "err {}",
            mcr.map_or_else(|e| e.detail.to_string(), |_| "mcr-ok".into())
        ));
    };
    let shown = did.to_string();
    if shown.parse::<Did>().ok() != Some(did) {
        return violated(format!("Display does not re-parse: {shown:?} from {s:?}"));
    }
    if !shown.eq_ignore_ascii_case(&s) {
        return violated(format!(
            "Display differs from the input beyond letter case: {s:?} shows as {shown:?}"
        ));
    }
    if serde_json::to_value(did).ok() != Some(serde_json::Value::String(shown)) {
        return violated("serde does not write the Display form");
    }
    match mcr {
        Ok(a) if a == did.address() => Ok("ok".into()),
        other => violated(format!(
            "parse_did disagrees with Did: {s:?} gives {other:?}, Did {}",
            did.address()
        )),
    }
}

/// Ss58Address.
pub(super) const SS58: Target = Target {
    name: "ss58",
    about: "Ss58Address::from_str: Display is the input, re-encoding (network, account id) \
            gives the input back, AccountAddress agrees",
    prepare: no_setup,
    seeds: ss58_seeds,
    dictionary: &["5", "1", "111", "z", "0", "O", "I", "l"],
    json_aware: false,
    run: run_ss58,
};

fn ss58_seeds() -> Vec<Vec<u8>> {
    let account = [0xd4u8; 32];
    let mut seeds = vec![ALICE.to_owned()];
    for (network, two) in [
        (0, false),
        (2, false),
        (42, false),
        (63, false),
        (3338, true),
        (64, true),
        (16383, true),
        (5, true),
    ] {
        seeds.push(ss58_encode(network, two, &account));
    }
    seeds.into_iter().map(String::into_bytes).collect()
}

/// SS58 encoding with a one- or two-byte prefix (the reference algorithm).
fn ss58_encode(network: u16, two_bytes: bool, account: &[u8; 32]) -> String {
    let mut body = if two_bytes {
        let [lo, hi] = network.to_le_bytes();
        let first = ((lo & 0b1111_1100) >> 2) | 0b0100_0000;
        let second = (hi & 0b0011_1111) | ((lo & 0b11) << 6);
        vec![first, second]
    } else {
        vec![network.to_le_bytes()[0]]
    };
    body.extend_from_slice(account);
    let hash = Blake2b512::new()
        .chain_update(b"SS58PRE")
        .chain_update(&body)
        .finalize();
    body.extend_from_slice(&hash[..2]);
    bs58::encode(body).into_string()
}

fn run_ss58(input: &[u8]) -> ExecResult {
    let s = text(input);
    let parsed = s.parse::<Ss58Address>();
    let account = s.parse::<AccountAddress>();
    let Ok(a) = parsed else {
        return match account {
            Ok(AccountAddress::Ss58(_)) => violated(format!(
                "AccountAddress took as SS58 what Ss58Address refuses: {s:?}"
            )),
            _ => Ok("err".into()),
        };
    };
    if a.to_string() != s || a.as_str() != s {
        return violated(format!("Display is not the input: {s:?} shows as {a}"));
    }
    if a.to_string().parse::<Ss58Address>().ok().as_ref() != Some(&a) {
        return violated(format!("Display does not re-parse: {s:?}"));
    }
    let two_bytes = bs58::decode(s.as_bytes()).into_vec().map_or(0, |b| b.len()) == 36;
    let again = ss58_encode(a.network(), two_bytes, a.account_id());
    if again != s {
        return violated(format!(
            "{s:?} (network {}) re-encodes as {again:?}",
            a.network()
        ));
    }
    match account {
        Ok(AccountAddress::Ss58(b)) if b == a => {
            Ok(format!("ok {}", if two_bytes { 2 } else { 1 }))
        }
        other => violated(format!(
            "AccountAddress disagrees with Ss58Address: {s:?} gives {other:?}"
        )),
    }
}

/// EvmAddress.
pub(super) const EVM_ADDRESS: Target = Target {
    name: "evm-address",
    about: "EvmAddress::parse_field / parse_any_case: Display (EIP-55) re-parses strictly to \
            the same address, strict success implies any-case success, AccountAddress agrees",
    prepare: no_setup,
    seeds: evm_seeds,
    dictionary: &["0x", "0X", "f", "F", "0"],
    json_aware: false,
    run: run_evm,
};

fn evm_seeds() -> Vec<Vec<u8>> {
    [
        DEV0.to_owned(),
        DEV0.to_lowercase(),
        format!("0x{}", DEV0[2..].to_uppercase()),
        "0x0000000000000000000000000000000000000000".to_owned(),
        "0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266".to_owned(),
    ]
    .into_iter()
    .map(String::into_bytes)
    .collect()
}

fn run_evm(input: &[u8]) -> ExecResult {
    let s = text(input);
    let strict = EvmAddress::parse_field("address", &s);
    let loose = EvmAddress::parse_any_case("address", &s);
    if let (Ok(a), l) = (&strict, &loose)
        && l.as_ref().ok() != Some(a)
    {
        return violated(format!(
            "strict parse succeeds where any-case differs: {s:?} strict {a}, any-case {l:?}"
        ));
    }
    let Ok(a) = loose else {
        return Ok("err".into());
    };
    let shown = a.to_string();
    if EvmAddress::parse_field("address", &shown).ok() != Some(a) {
        return violated(format!(
            "Display does not parse strictly: {shown:?} from {s:?}"
        ));
    }
    if !shown.eq_ignore_ascii_case(&s) {
        return violated(format!(
            "Display differs from the input beyond letter case: {s:?} shows as {shown:?}"
        ));
    }
    let hex = &s[2..];
    let one_case = !(hex.bytes().any(|b| b.is_ascii_lowercase())
        && hex.bytes().any(|b| b.is_ascii_uppercase()));
    if one_case && strict.is_err() {
        return violated(format!("strict parser refused one-case hex: {s:?}"));
    }
    if strict.is_ok() && s.parse::<AccountAddress>().ok() != Some(AccountAddress::Evm(a)) {
        return violated(format!("AccountAddress disagrees with EvmAddress: {s:?}"));
    }
    Ok(format!(
        "ok {}",
        if strict.is_ok() { "strict" } else { "any-case" }
    ))
}
