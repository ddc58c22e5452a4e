//! Formatting shared by the commands: aligned rows, short addresses, amounts, input checks.

use alloy::primitives::{Address, U256};

use crate::error::{CliError, CliResult};

/// `0xABCD...WXYZ`: the first 6 and last 4 characters (shorter text unchanged).
pub(crate) fn short(text: &str) -> String {
    if text.len() <= 13 || !text.is_ascii() {
        return text.to_owned();
    }
    format!("{}...{}", &text[..6], &text[text.len() - 4..])
}

/// `did:peaq:0xABCD...WXYZ`: a DID with its address shortened.
pub(crate) fn short_did(did: &str) -> String {
    match did.strip_prefix("did:peaq:") {
        Some(rest) => format!("did:peaq:{}", short(rest)),
        None => short(did),
    }
}

/// Rows `key:` padded to the longest key, then two spaces and the value, each line prefixed
/// by `indent` (the official colon-attached layout).
pub(crate) fn rows(indent: &str, rows: &[(&str, String)]) -> Vec<String> {
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0) + 1;
    rows.iter()
        .map(|(k, v)| format!("{indent}{:<width$}  {v}", format!("{k}:")))
        .collect()
}

/// Rows with the key padded before the colon (`Address :  …`, the official whoami layout).
pub(crate) fn rows_padded(indent: &str, rows: &[(&str, String)]) -> Vec<String> {
    let width = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    rows.iter()
        .map(|(k, v)| format!("{indent}{k:<width$}:  {v}"))
        .collect()
}

/// A table: headers, a `─` rule, rows; columns separated by two spaces.
pub(crate) fn table(indent: &str, headers: &[&str], body: &[Vec<String>]) -> Vec<String> {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in body {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let line = |cells: Vec<&str>| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths.get(i).copied().unwrap_or(0)))
            .collect();
        format!("{indent}{}", parts.join("  ").trim_end())
    };
    let mut out = vec![line(headers.to_vec())];
    let total = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
    out.push(format!("{indent}{}", "─".repeat(total)));
    out.extend(
        body.iter()
            .map(|r| line(r.iter().map(String::as_str).collect())),
    );
    out
}

/// Wei as PEAQ with 4 decimals, truncated (`1.2345`).
pub(crate) fn peaq(wei: U256) -> String {
    let unit = U256::from(10u64).pow(U256::from(18u64));
    let whole = wei / unit;
    let frac = (wei % unit) / U256::from(100_000_000_000_000u64);
    format!("{whole}.{frac:04}")
}

/// `^0x[0-9a-fA-F]{40}$`, exit 1 otherwise (`what` names the flag). Any letter case
/// ([`peaqos_types::EvmAddress::parse_any_case`]): the official CLI's `Web3.is_address` does not
/// enforce checksums either.
pub(crate) fn parse_address(what: &str, text: &str) -> CliResult<Address> {
    let t = text.trim();
    peaqos_types::EvmAddress::parse_any_case("address", t)
        .map(Address::from)
        .map_err(|_| {
            CliError::user(format!(
                "{what}: '{t}' is not an address (expected 0x followed by 40 hex characters)"
            ))
            .with_field(what)
        })
}

/// `^did:peaq:0x[0-9a-fA-F]{40}$`, exit 1 otherwise.
pub(crate) fn check_did(did: &str) -> CliResult<()> {
    if did.trim().is_empty() {
        return Err(CliError::user("DID must not be empty.").with_field("DID"));
    }
    // `Did` is the rule; the CLI also wants the lowercase `0x` the docs show.
    if did.starts_with("did:peaq:0x") && did.parse::<peaqos_types::Did>().is_ok() {
        return Ok(());
    }
    Err(CliError::user(format!(
        "Invalid DID '{did}': expected did:peaq:0x followed by 40 hex characters."
    ))
    .with_field("DID"))
}

/// Prints `value` as pretty JSON (2-space indent) on stdout.
pub(crate) fn print_json(value: &impl serde::Serialize) -> CliResult {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::user(format!("cannot render JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(
            short("0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A"),
            "0x19E7...ff2A"
        );
        assert_eq!(peaq(U256::from(1_234_567_890_000_000_000u128)), "1.2345");
        assert_eq!(peaq(U256::from(500_000_000_000_000_000u128)), "0.5000");
        assert_eq!(
            rows("  ", &[("Machine ID", "7".into()), ("Tx", "0x".into())]),
            vec!["  Machine ID:  7", "  Tx:          0x"]
        );
        assert_eq!(
            rows_padded("  ", &[("Address", "a".into()), ("Chain ID", "1".into())]),
            vec!["  Address :  a", "  Chain ID:  1"]
        );
        assert!(check_did("did:peaq:0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A").is_ok());
        assert!(check_did("0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A").is_err());
        assert_eq!(
            table("", &["a", "bb"], &[vec!["xyz".into(), "1".into()]]),
            vec!["a    bb", "───────", "xyz  1"]
        );
    }
}
