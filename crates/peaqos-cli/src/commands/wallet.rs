//! `peaqos wallet …`: the OWS encrypted vault.

use peaqos_sdk::PeaqosClient;

use crate::{
    env::Env,
    error::{CliError, CliResult},
    ui::Ui,
};

#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// List wallets.
    List,
}

pub(crate) async fn run(_ui: &Ui, _env: &Env, _cmd: Command) -> CliResult {
    Err(CliError::config(
        "OWS wallet support is not built into this peaqos yet.",
    ))
}

pub(crate) fn client_from_wallet(_env: &Env) -> CliResult<PeaqosClient> {
    Err(CliError::config(
        "OWS wallet support is not built into this peaqos yet.",
    ))
}

pub(crate) async fn ensure_wallet(_ui: &Ui, _env: &Env, _name: &str) -> CliResult {
    Err(CliError::config(
        "OWS wallet support is not built into this peaqos yet.",
    ))
}
