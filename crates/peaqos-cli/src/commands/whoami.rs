//! `peaqos whoami`: the signer, network, chain id, balance, machine id and contracts.

use crate::{env::Env, error::CliResult, identity, ui::Ui};

#[derive(Debug, Default, clap::Args)]
pub(crate) struct Args {}

pub(crate) async fn run(ui: &Ui, env: &Env, _args: &Args) -> CliResult {
    identity::show(ui, env, ui.json).await
}
