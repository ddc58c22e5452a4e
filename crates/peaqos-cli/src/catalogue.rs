//! The troubleshooting catalogue: every error code the CLI can print, with its exit code, cause
//! and fix. One source: the JSON errors (`--json`), `peaqos doctor`, the generated
//! `skills/peaqos/knowledge/troubleshooting.md` and the MCP server's errors all read it.

use serde::Serialize;

/// The documented exit codes (0 is success).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// 1: bad input, a declined prompt, a validation error, an operational limit.
    User = 1,
    /// 2: RPC, transaction, HTTP API (MCR, Gas Station) failures.
    Network = 2,
    /// 3: configuration (missing or invalid env vars, wallet loading).
    Config = 3,
}

/// A stable error code (`SCREAMING_SNAKE_CASE` on the wire). Adding a variant without a
/// catalogue [`entry`](ErrorCode::entry) does not compile; one missing from [`ErrorCode::ALL`]
/// fails the `every_code_is_listed` test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub(crate) enum ErrorCode {
    Usage,
    InvalidInput,
    InputRequired,
    Aborted,
    FileError,
    LimitExceeded,
    WalletNotFound,
    WalletPassphrase,
    MissingConfig,
    InvalidConfig,
    WalletUnavailable,
    StackFailed,
    RpcUnreachable,
    ChainMismatch,
    InsufficientFunds,
    TxReverted,
    TxFailed,
    NotRegistered,
    McrNotFound,
    McrUnavailable,
    McrUnreachable,
    McrError,
    GasStationUnreachable,
    GasStationRefused,
    TwoFactorInvalid,
    NetworkError,
}

/// One catalogue entry.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct Entry {
    /// The code.
    pub(crate) code: ErrorCode,
    /// The process exit code.
    pub(crate) exit_code: u8,
    /// A one-line title (the symptom).
    pub(crate) title: &'static str,
    /// Why it happens.
    pub(crate) cause: &'static str,
    /// What to do.
    pub(crate) fix: &'static str,
}

impl ErrorCode {
    /// Every code, in catalogue order.
    pub(crate) const ALL: [Self; 26] = [
        Self::Usage,
        Self::InvalidInput,
        Self::InputRequired,
        Self::Aborted,
        Self::FileError,
        Self::LimitExceeded,
        Self::WalletNotFound,
        Self::WalletPassphrase,
        Self::MissingConfig,
        Self::InvalidConfig,
        Self::WalletUnavailable,
        Self::StackFailed,
        Self::RpcUnreachable,
        Self::ChainMismatch,
        Self::InsufficientFunds,
        Self::TxReverted,
        Self::TxFailed,
        Self::NotRegistered,
        Self::McrNotFound,
        Self::McrUnavailable,
        Self::McrUnreachable,
        Self::McrError,
        Self::GasStationUnreachable,
        Self::GasStationRefused,
        Self::TwoFactorInvalid,
        Self::NetworkError,
    ];

    /// The wire form, e.g. `MISSING_CONFIG`.
    pub(crate) fn as_str(self) -> &'static str {
        self.entry().name()
    }

    /// The exit code this error ends the process with.
    pub(crate) fn exit(self) -> Exit {
        match self.entry().exit_code {
            1 => Exit::User,
            2 => Exit::Network,
            _ => Exit::Config,
        }
    }

    /// The catalogue entry.
    #[allow(clippy::too_many_lines)] // the catalogue itself
    pub(crate) const fn entry(self) -> Entry {
        let (exit_code, title, cause, fix) = match self {
            Self::Usage => (
                1,
                "The command line does not parse",
                "An unknown command or flag, a missing argument, or a value outside the flag's \
                 allowed set.",
                "Run the command with --help and correct the arguments.",
            ),
            Self::InvalidInput => (
                1,
                "A flag or input file holds an invalid value",
                "A value failed validation (a DID, an address, a URL, an event field, a batch \
                 file); `field` names the flag.",
                "Correct the value named in `field` (see the message for the rule) and run the \
                 command again.",
            ),
            Self::InputRequired => (
                1,
                "The command needs an answer but stdin is not a terminal",
                "The CLI never prompts when stdin is not a terminal (agents, CI, pipes); a \
                 question it would have asked has no flag value.",
                "Pass the flag named in `field` (e.g. --yes, --force, --key-source), or pipe the \
                 secret it names on stdin.",
            ),
            Self::Aborted => (
                1,
                "The user declined a confirmation",
                "A confirmation prompt was answered with no.",
                "Run the command again and confirm, or pass --yes / --force.",
            ),
            Self::FileError => (
                1,
                "A local file cannot be read or written",
                "A key file, batch file, `.env` or `peaqos.log` is missing, unreadable or in a \
                 read-only directory.",
                "Check the path and its permissions; run the command from a writable \
                 directory.",
            ),
            Self::LimitExceeded => (
                1,
                "An operational limit was reached",
                "An event value above the configured cap, too many events for one machine in \
                 the rate window, or an operator's machines list at its size limit.",
                "Lower the value, wait for the rate window to pass, or split the fleet.",
            ),
            Self::WalletNotFound => (
                1,
                "The named OWS wallet does not exist",
                "No wallet with that name or id is in the vault (OWS_VAULT_PATH, default ~/.ows).",
                "Run 'peaqos wallet list' and use an existing name, or 'peaqos wallet create \
                 NAME'.",
            ),
            Self::WalletPassphrase => (
                1,
                "The vault passphrase is wrong",
                "OWS_PASSPHRASE (or the typed passphrase) does not decrypt the wallet.",
                "Set OWS_PASSPHRASE to the passphrase the wallet was created with.",
            ),
            Self::MissingConfig => (
                3,
                "A required setting is missing",
                "An env var the command needs (`field`) is in neither ./.env nor the \
                 environment.",
                "Run 'peaqos init' (or 'peaqos dev' for a local stack, which writes .env), or \
                 export the variable named in `field`.",
            ),
            Self::InvalidConfig => (
                3,
                "A setting holds an invalid value",
                "An env var (`field`) is malformed: a key that is not 0x + 64 hex, an address \
                 that is not 0x + 40 hex, an unknown PEAQOS_NETWORK, an unparsable URL.",
                "Fix the variable named in `field` in ./.env, or rewrite it with 'peaqos init \
                 --force'.",
            ),
            Self::WalletUnavailable => (
                3,
                "The configured OWS wallet cannot be loaded",
                "PEAQOS_OWS_WALLET names a wallet that is missing, or no passphrase is available \
                 (OWS_PASSPHRASE unset and no terminal).",
                "Set OWS_PASSPHRASE, check PEAQOS_OWS_WALLET against 'peaqos wallet list', or \
                 use PEAQOS_PRIVATE_KEY instead.",
            ),
            Self::StackFailed => (
                3,
                "The local stack cannot start",
                "'peaqos dev' / 'peaqos demo' could not bind its ports, open its data directory \
                 or start a service.",
                "Stop whatever holds ports 8545/8000/8001 (or pick others with the flags of \
                 'peaqos dev'), and check that --data-dir is writable.",
            ),
            Self::RpcUnreachable => (
                2,
                "The JSON-RPC endpoint does not answer",
                "PEAQOS_RPC_URL points at no running node (a stopped 'peaqos dev', a typo, no \
                 network).",
                "Start the node ('peaqos dev' for local), or correct PEAQOS_RPC_URL; \
                 'peaqos doctor' checks it.",
            ),
            Self::ChainMismatch => (
                3,
                "The RPC serves another chain than PEAQOS_NETWORK",
                "The chain id the node reports differs from the configured network's (e.g. a \
                 mainnet RPC with PEAQOS_NETWORK=local).",
                "Make PEAQOS_RPC_URL and PEAQOS_NETWORK name the same network ('peaqos init \
                 --network NAME --force' rewrites both).",
            ),
            Self::InsufficientFunds => (
                2,
                "A wallet holds too little PEAQ",
                "The signer (or the machine, in proxy mode) cannot pay the bond or the gas, and \
                 funding was skipped or did not reach the minimum.",
                "Fund the address (on 'peaqos dev' the Gas Station funds it during 'peaqos \
                 activate'; drop --skip-funding), then run the command again.",
            ),
            Self::TxReverted => (
                2,
                "A contract call reverted",
                "The contract refused the call: already registered, machine not bonded, not an \
                 authorised submitter, unknown machine id, deactivated machine, a future \
                 timestamp.",
                "Read the sentence in the message: it names the contract rule and the command \
                 that fixes it (e.g. 'peaqos activate' first).",
            ),
            Self::TxFailed => (
                2,
                "A transaction failed",
                "A transaction was sent but no receipt arrived within the SDK's receipt timeout \
                 (120 s: a lost connection, a dropped transaction), or the node answered with \
                 something malformed.",
                "Look the transaction hash up if the message names one, then run the command \
                 again: every step is idempotent and resumes from peaqos.log.",
            ),
            Self::NotRegistered => (
                2,
                "The operator is not registered",
                "Proxy activation (--for) needs the operator's own machine registered first.",
                "Run 'peaqos activate' without --for using the operator key, then activate the \
                 fleet machine.",
            ),
            Self::McrNotFound => (
                2,
                "The MCR API does not know the machine or operator",
                "The DID is not registered, or the MCR indexer has not seen it yet.",
                "Check the DID ('peaqos whoami' prints yours); after 'peaqos activate' wait a \
                 few seconds for the indexer and ask again.",
            ),
            Self::McrUnavailable => (
                2,
                "The MCR API is unavailable",
                "The MCR service answered 503 (starting up, database down).",
                "Wait and retry; on 'peaqos dev' restart the stack.",
            ),
            Self::McrUnreachable => (
                2,
                "The MCR API does not answer",
                "PEAQOS_MCR_API_URL points at no running MCR API.",
                "Start the stack ('peaqos dev') or correct PEAQOS_MCR_API_URL; 'peaqos doctor' \
                 checks it.",
            ),
            Self::McrError => (
                2,
                "The MCR API refused the request",
                "The MCR API answered with an error code (see the message).",
                "Correct the request the message names, or retry later.",
            ),
            Self::GasStationUnreachable => (
                2,
                "The Gas Station does not answer",
                "PEAQOS_GAS_STATION_URL is unset or points at no running Gas Station.",
                "Start the stack ('peaqos dev') or correct PEAQOS_GAS_STATION_URL; or fund the \
                 wallets yourself and pass --skip-funding.",
            ),
            Self::GasStationRefused => (
                2,
                "The Gas Station refused to fund",
                "A funding cap, the rate limit, a locked 2FA account or a failed transfer (the \
                 faucet's code is in the message).",
                "Wait before retrying (caps, rate limits and a 2FA lockout reset when their \
                 window passes), or fund the wallets yourself and pass --skip-funding.",
            ),
            Self::TwoFactorInvalid => (
                2,
                "The 2FA code was refused",
                "The 6-digit code is wrong or expired, or 2FA is not yet active for the owner.",
                "Run the command again with a fresh code from the authenticator app (on \
                 'peaqos dev': the code for the secret the banner prints).",
            ),
            Self::NetworkError => (
                2,
                "A network or API call failed",
                "An RPC, HTTP or chain call failed for a reason the message names.",
                "Check connectivity and the URLs in .env ('peaqos doctor'), then retry.",
            ),
        };
        Entry {
            code: self,
            exit_code,
            title,
            cause,
            fix,
        }
    }
}

impl Entry {
    /// The wire form of the code.
    pub(crate) const fn name(&self) -> &'static str {
        match self.code {
            ErrorCode::Usage => "USAGE",
            ErrorCode::InvalidInput => "INVALID_INPUT",
            ErrorCode::InputRequired => "INPUT_REQUIRED",
            ErrorCode::Aborted => "ABORTED",
            ErrorCode::FileError => "FILE_ERROR",
            ErrorCode::LimitExceeded => "LIMIT_EXCEEDED",
            ErrorCode::WalletNotFound => "WALLET_NOT_FOUND",
            ErrorCode::WalletPassphrase => "WALLET_PASSPHRASE",
            ErrorCode::MissingConfig => "MISSING_CONFIG",
            ErrorCode::InvalidConfig => "INVALID_CONFIG",
            ErrorCode::WalletUnavailable => "WALLET_UNAVAILABLE",
            ErrorCode::StackFailed => "STACK_FAILED",
            ErrorCode::RpcUnreachable => "RPC_UNREACHABLE",
            ErrorCode::ChainMismatch => "CHAIN_MISMATCH",
            ErrorCode::InsufficientFunds => "INSUFFICIENT_FUNDS",
            ErrorCode::TxReverted => "TX_REVERTED",
            ErrorCode::TxFailed => "TX_FAILED",
            ErrorCode::NotRegistered => "NOT_REGISTERED",
            ErrorCode::McrNotFound => "MCR_NOT_FOUND",
            ErrorCode::McrUnavailable => "MCR_UNAVAILABLE",
            ErrorCode::McrUnreachable => "MCR_UNREACHABLE",
            ErrorCode::McrError => "MCR_ERROR",
            ErrorCode::GasStationUnreachable => "GAS_STATION_UNREACHABLE",
            ErrorCode::GasStationRefused => "GAS_STATION_REFUSED",
            ErrorCode::TwoFactorInvalid => "TWO_FACTOR_INVALID",
            ErrorCode::NetworkError => "NETWORK_ERROR",
        }
    }
}

/// The catalogue as Markdown (`skills/peaqos/knowledge/troubleshooting.md` is this text).
pub(crate) fn markdown() -> String {
    let mut out = String::from(
        "<!-- Generated by `peaqos skill generate` from crates/peaqos-cli/src/catalogue.rs; do not edit. -->\n\
         # Troubleshooting\n\n\
         Every error the `peaqos` CLI prints carries one of these codes. With `--json` the error \
         is one object on stdout:\n\n\
         ```json\n{\"error\": {\"code\": \"MISSING_CONFIG\", \"message\": \"Missing required env var: PEAQOS_RPC_URL …\", \"field\": \"PEAQOS_RPC_URL\", \"exit_code\": 3}}\n```\n\n\
         `peaqos doctor` checks the configuration, the RPC, the MCR API, the Gas Station and the key, \
         and prints the code and the fix of every failed check from this same catalogue.\n\n\
         | Code | Exit | Symptom |\n|---|---|---|\n",
    );
    for code in ErrorCode::ALL {
        let e = code.entry();
        out.push_str(&format!(
            "| [`{}`](#{}) | {} | {} |\n",
            e.name(),
            e.name().to_ascii_lowercase(),
            e.exit_code,
            e.title
        ));
    }
    for code in ErrorCode::ALL {
        let e = code.entry();
        out.push_str(&format!(
            "\n## {}\n\n**{}** (exit {})\n\n- Cause: {}\n- Fix: {}\n",
            e.name(),
            e.title,
            e.exit_code,
            e.cause,
            e.fix
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variant of the enum is in `ALL` (read from this file's source), each once, and
    /// each entry has a title, a cause and a fix.
    #[test]
    fn every_code_is_listed() {
        let src = include_str!("catalogue.rs");
        let body = src
            .split("pub(crate) enum ErrorCode {")
            .nth(1)
            .and_then(|s| s.split('}').next())
            .expect("the enum");
        let variants: Vec<&str> = body
            .lines()
            .map(|l| l.trim().trim_end_matches(','))
            .filter(|l| !l.is_empty() && !l.starts_with("//"))
            .collect();
        assert_eq!(variants.len(), ErrorCode::ALL.len(), "{variants:?}");
        let names: std::collections::BTreeSet<&str> =
            ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(names.len(), ErrorCode::ALL.len(), "codes are unique");
        for (variant, code) in variants.iter().zip(ErrorCode::ALL) {
            assert_eq!(*variant, format!("{code:?}"), "ALL follows the enum order");
            let e = code.entry();
            assert!(!e.title.is_empty() && !e.cause.is_empty() && !e.fix.is_empty());
            assert!((1..=3).contains(&e.exit_code));
            let json = serde_json::to_value(code).expect("json");
            assert_eq!(json, e.name(), "serde and the wire name agree");
        }
    }
}
