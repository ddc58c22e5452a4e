//! `peaqos wallet create|import|list|show|use|export|delete`: the OWS encrypted vault
//! (`OWS_VAULT_PATH`, else `~/.ows`), file-compatible with the official tools. The vault
//! helpers and the signer behind `PEAQOS_OWS_WALLET` live in [`crate::signer`].

use std::path::{Path, PathBuf};

use peaqos_wallet::{Vault, WalletInfo};

use crate::{
    env::{ENV_OWS_WALLET, Env},
    error::{CliError, CliResult, ErrorCode},
    output::{print_json, rows, short, table},
    signer::{passphrase, read_key_file, vault, wallet_error},
    ui::Ui,
};

#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Create a wallet from a fresh BIP-39 mnemonic (never printed; see `export`).
    Create {
        /// Wallet name.
        name: String,
        /// Mnemonic length.
        #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u32).range(12..=24))]
        words: u32,
    },
    /// Import a mnemonic (hidden prompt) or a private key file.
    Import {
        /// Wallet name.
        name: String,
        /// Read a mnemonic phrase from a hidden prompt.
        #[arg(
            long,
            conflicts_with = "private_key_file",
            required_unless_present = "private_key_file"
        )]
        mnemonic: bool,
        /// A file with one 0x + 64 hex key.
        #[arg(long, value_name = "PATH")]
        private_key_file: Option<PathBuf>,
        /// Account index (mnemonic only).
        #[arg(long, default_value_t = 0)]
        index: u32,
    },
    /// List the vault's wallets.
    List,
    /// Show one wallet and its addresses.
    Show {
        /// Name or id.
        name_or_id: String,
    },
    /// Make a wallet the CLI's signer (writes PEAQOS_OWS_WALLET to ./.env).
    Use {
        /// Name or id.
        name_or_id: String,
    },
    /// Reveal a wallet's mnemonic or key (after confirmation) on stdout.
    Export {
        /// Name or id.
        name_or_id: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
    /// Delete a wallet (secure overwrite, after confirmation).
    Delete {
        /// Name or id.
        name_or_id: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

pub(crate) async fn run(ui: &Ui, env: &Env, cmd: Command) -> CliResult {
    use crate::error::Exit;
    let v = vault(env);
    match cmd {
        Command::Create { name, words } => {
            if words != 12 && words != 24 {
                return Err(CliError::user("--words must be 12 or 24"));
            }
            let pass = passphrase(ui, env)?;
            let info = v
                .create_wallet(&name, Some(&pass), words)
                .map_err(|e| wallet_error(&e, Exit::Config))?;
            print_wallet(ui, &v, &info, "Wallet created.")?;
            if !ui.json {
                ui.out("");
                ui.out("  To back up the recovery phrase, run:");
                ui.out(format!("    peaqos wallet export {name}"));
            }
            Ok(())
        }
        Command::Import {
            name,
            mnemonic,
            private_key_file,
            index,
        } => {
            let info = if mnemonic {
                let phrase = ui.prompt_hidden("Mnemonic phrase", "a mnemonic piped on stdin")?;
                let pass = passphrase(ui, env)?;
                v.import_wallet_mnemonic(&name, phrase.trim(), Some(&pass), index)
            } else {
                let path = private_key_file.unwrap_or_default();
                let key = read_key_file(&path)?;
                let pass = passphrase(ui, env)?;
                v.import_wallet(&name, &key.to_hex(), Some(&pass), "evm")
            }
            .map_err(|e| wallet_error(&e, Exit::User))?;
            print_wallet(ui, &v, &info, "Wallet imported.")
        }
        Command::List => {
            let list = v
                .list_wallets()
                .map_err(|e| wallet_error(&e, Exit::Config))?;
            if ui.json {
                return print_json(&list);
            }
            if list.is_empty() {
                ui.out("  No wallets found. Create one with 'peaqos wallet create <name>'.");
                return Ok(());
            }
            ui.out(format!("  Wallets: {}", list.len()));
            ui.out("");
            let body: Vec<Vec<String>> = list
                .iter()
                .map(|w| {
                    vec![
                        w.name.clone(),
                        short(&w.id),
                        w.peaq_address.clone(),
                        w.key_type.as_str().to_owned(),
                        w.created_at.chars().take(10).collect(),
                    ]
                })
                .collect();
            for line in table(
                "  ",
                &["Name", "ID", "peaq Address", "Key Type", "Created"],
                &body,
            ) {
                ui.out(line);
            }
            Ok(())
        }
        Command::Show { name_or_id } => {
            let info = v
                .get_wallet(&name_or_id)
                .map_err(|e| wallet_error(&e, Exit::User))?;
            print_wallet(ui, &v, &info, &format!("Wallet: {}", info.name))
        }
        Command::Use { name_or_id } => {
            let info = v
                .get_wallet(&name_or_id)
                .map_err(|e| wallet_error(&e, Exit::User))?;
            set_env_var(Path::new(".env"), ENV_OWS_WALLET, &info.name)?;
            if ui.json {
                return print_json(&serde_json::json!({
                    "active_wallet": info.name,
                    "peaq_address": info.peaq_address,
                    "env_var": ENV_OWS_WALLET,
                }));
            }
            ui.out(format!(
                "  Active wallet set to '{}' ({} on peaq).",
                info.name,
                short(&info.peaq_address)
            ));
            Ok(())
        }
        Command::Export { name_or_id, yes } => {
            v.get_wallet(&name_or_id)
                .map_err(|e| wallet_error(&e, Exit::User))?;
            if !ui.confirm(
                &format!("Reveal the secret of wallet '{name_or_id}'? Anyone who sees it controls the wallet."),
                yes,
                "--yes",
            )? {
                return Err(CliError::new(ErrorCode::Aborted, "Aborted!"));
            }
            let pass = passphrase(ui, env)?;
            let secret = v
                .export_wallet(&name_or_id, Some(&pass))
                .map_err(|e| wallet_error(&e, Exit::User))?;
            ui.warn(
                "WARNING: the secret below controls this wallet. Store it offline; never share it.",
            );
            if ui.json {
                // The one command whose purpose is to print a secret: asked for, confirmed.
                return print_json(&serde_json::json!({
                    "wallet": name_or_id,
                    "secret": secret.expose(),
                }));
            }
            ui.out(secret.expose());
            Ok(())
        }
        Command::Delete { name_or_id, yes } => {
            v.get_wallet(&name_or_id)
                .map_err(|e| wallet_error(&e, Exit::User))?;
            if !ui.confirm(
                &format!("Permanently delete wallet '{name_or_id}'? This cannot be undone."),
                yes,
                "--yes",
            )? {
                return Err(CliError::new(ErrorCode::Aborted, "Aborted!"));
            }
            v.delete_wallet(&name_or_id)
                .map_err(|e| wallet_error(&e, Exit::User))?;
            if ui.json {
                return print_json(&serde_json::json!({ "deleted": name_or_id }));
            }
            ui.out(format!("  Wallet '{name_or_id}' deleted."));
            Ok(())
        }
    }
}

fn print_wallet(ui: &Ui, v: &Vault, info: &WalletInfo, header: &str) -> CliResult {
    if ui.json {
        return print_json(info);
    }
    ui.out(header);
    for line in rows(
        "  ",
        &[
            ("Name", info.name.clone()),
            ("ID", info.id.clone()),
            ("Created", info.created_at.clone()),
            ("Key Type", info.key_type.as_str().to_owned()),
            ("peaq Address", info.peaq_address.clone()),
            (
                "Vault",
                v.path()
                    .join("wallets")
                    .join(format!("{}.json", info.id))
                    .display()
                    .to_string(),
            ),
        ],
    ) {
        ui.out(line);
    }
    ui.out("");
    ui.out("  Addresses:");
    let body: Vec<Vec<String>> = info
        .accounts
        .iter()
        .map(|a| {
            vec![
                format!("{} ({})", a.chain_id, a.network),
                a.address.clone(),
                a.derivation_path.clone(),
            ]
        })
        .collect();
    for line in table("    ", &["Chain", "Address", "Path"], &body) {
        ui.out(line);
    }
    Ok(())
}

/// Rewrites `name=value` in the `.env` at `path` (appending it when absent; creating the file
/// 0600 when missing), keeping every other line. The value is quoted so that our reader and
/// python-dotenv (the official clients') read it back unchanged; a value that cannot be (it
/// holds `${` or a control character) is refused with exit 1 and the file is left alone.
fn set_env_var(path: &Path, name: &str, value: &str) -> CliResult {
    // Only a missing file starts empty: an unreadable one must not be overwritten.
    let mut env =
        peaqos_service::EnvFile::read(path).map_err(|e| CliError::io("cannot read .env", &e))?;
    env.set(name, value)
        .map_err(|e| CliError::user(format!("Cannot write .env: {e}.")))?;
    peaqos_service::write_private(path, env.render().as_bytes())
        .map_err(|e| CliError::io("cannot write .env", &e))
}
