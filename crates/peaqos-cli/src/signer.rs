//! The CLI's signer layer, below every command: key files and key prompts, the OWS vault
//! helpers shared by `init`, `wallet` and the signing commands, and the signing client for a
//! vault wallet. Which source signs is the SDK's decision ([`peaqos_sdk::SignerSource`]); this
//! module adds the prompts and the official CLI's messages and exit codes.

use std::path::Path;

use peaqos_sdk::{
    ClientConfig, NetworkConfig, PeaqosClient,
    signer::{PrivateKey, WalletSource},
};
use peaqos_wallet::{ENV_PASSPHRASE, ENV_VAULT_PATH, SecretString, Vault, WalletCode, WalletError};

use crate::{
    env::Env,
    error::{CliError, CliResult, ErrorCode, Exit},
    ui::Ui,
};

/// Parses a pasted or stored key: exactly `0x` + 64 hex digits (the official CLI's rule, which
/// is stricter than the SDK's), never echoed.
pub(crate) fn parse_key(text: &str) -> CliResult<PrivateKey> {
    let t = text.trim();
    let valid =
        t.len() == 66 && t.starts_with("0x") && t[2..].bytes().all(|b| b.is_ascii_hexdigit());
    if !valid {
        return Err(CliError::user(
            "Invalid private key: expected '0x' followed by 64 hex characters.",
        ));
    }
    PrivateKey::parse(t, "private_key")
        .map_err(|_| CliError::user("Invalid private key: not a valid secp256k1 secret."))
}

/// Reads a key file (one `0x` + 64 hex key, whitespace trimmed); never echoes its content.
pub(crate) fn read_key_file(path: &Path) -> CliResult<PrivateKey> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::io(&format!("cannot read key file {}", path.display()), &e))?;
    parse_key(&text).map_err(|e| CliError::user(format!("{}: {}", path.display(), e.message)))
}

/// The vault at `OWS_VAULT_PATH` (from `.env` or the environment), else `~/.ows`.
pub(crate) fn vault(env: &Env) -> Vault {
    Vault::open(env.get(ENV_VAULT_PATH).as_deref().map(Path::new))
}

/// The passphrase: `OWS_PASSPHRASE`, else a hidden prompt.
pub(crate) fn passphrase(ui: &Ui, env: &Env) -> CliResult<String> {
    match env.get(ENV_PASSPHRASE) {
        Some(p) => Ok(p),
        None => ui.prompt_hidden("Vault passphrase", ENV_PASSPHRASE),
    }
}

/// A wallet failure: `lookup_exit` for lookups that fail, 1 for bad input and policy, 3 for
/// the vault.
pub(crate) fn wallet_error(e: &WalletError, lookup_exit: Exit) -> CliError {
    let message = match e.kind() {
        WalletCode::WalletNotFound => "Wallet not found. Run 'peaqos wallet list'.".to_owned(),
        WalletCode::InvalidPassphrase => "Invalid vault passphrase.".to_owned(),
        WalletCode::PolicyDenied => format!("Signing blocked by OWS policy: {e}"),
        _ => format!("Wallet operation failed ({}): {e}", e.code()),
    };
    let code = match (e.kind(), lookup_exit) {
        (WalletCode::WalletNotFound | WalletCode::InvalidPassphrase, Exit::Config) => {
            ErrorCode::WalletUnavailable
        }
        (WalletCode::WalletNotFound, _) => ErrorCode::WalletNotFound,
        (WalletCode::InvalidPassphrase, _) => ErrorCode::WalletPassphrase,
        (
            WalletCode::InvalidInput | WalletCode::PolicyDenied | WalletCode::ChainNotSupported,
            _,
        ) => ErrorCode::InvalidInput,
        _ => ErrorCode::WalletUnavailable,
    };
    CliError::new(code, message)
}

/// Uses wallet `name` when it exists, creates it otherwise (`init`'s wallet key source).
pub(crate) fn ensure_wallet(ui: &Ui, env: &Env, name: &str) -> CliResult {
    let v = vault(env);
    match v.get_wallet(name) {
        Ok(info) => {
            ui.info(format!(
                "  Using wallet '{}' ({})",
                info.name, info.peaq_address
            ));
            Ok(())
        }
        Err(WalletError::WalletNotFound(_)) => {
            let pass = passphrase(ui, env)?;
            let info = v
                .create_wallet(name, Some(&pass), 12)
                .map_err(|e| wallet_error(&e, Exit::Config))?;
            ui.info(format!(
                "  Wallet '{}' created: {}",
                info.name, info.peaq_address
            ));
            ui.info(format!(
                "  Back up its recovery phrase: peaqos wallet export {}",
                info.name
            ));
            Ok(())
        }
        Err(e) => Err(wallet_error(&e, Exit::Config)),
    }
}

/// The signing client for the vault wallet `PEAQOS_OWS_WALLET` names. The passphrase comes
/// from `OWS_PASSPHRASE`, else a hidden prompt in a terminal, else exit 3; `network` is read
/// after it (the official order). The key is decrypted once, so a wrong passphrase fails here,
/// before any transaction (exit 3).
pub(crate) fn wallet_client(
    mut wallet: WalletSource,
    network: impl FnOnce() -> CliResult<NetworkConfig>,
) -> CliResult<PeaqosClient> {
    if wallet.passphrase.is_none() {
        if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            return Err(CliError::new(
                ErrorCode::WalletUnavailable,
                "No vault passphrase available. Set OWS_PASSPHRASE or run the command in a terminal.",
            )
            .with_field(ENV_PASSPHRASE));
        }
        let typed = Ui::default().prompt_hidden("Vault passphrase", ENV_PASSPHRASE)?;
        wallet.passphrase = Some(SecretString::new(typed));
    }
    let network = network()?;
    let name = wallet.name_or_id.clone();
    peaqos_sdk::SignerSource::Wallet(wallet)
        .resolve()
        .and_then(|signer| PeaqosClient::new(ClientConfig::new(network, signer)))
        .map_err(|e| match peaqos_sdk::wallet::ows_error_code(&e) {
            Some(WalletCode::WalletNotFound) => CliError::new(
                ErrorCode::WalletUnavailable,
                format!(
                    "Failed to load wallet '{name}': Wallet not found. Run 'peaqos wallet list'."
                ),
            )
            .with_field(crate::env::ENV_OWS_WALLET),
            Some(WalletCode::InvalidPassphrase) => CliError::new(
                ErrorCode::WalletUnavailable,
                format!("Failed to load wallet '{name}': invalid vault passphrase."),
            )
            .with_field(ENV_PASSPHRASE),
            _ => CliError::new(
                ErrorCode::WalletUnavailable,
                format!("Failed to load wallet '{name}': {e}"),
            ),
        })
}
