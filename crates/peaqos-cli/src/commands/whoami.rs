//! `peaqos whoami`: the signer, network, chain id, balance, machine id and contracts.

use crate::{env::Env, error::CliResult, identity, ui::Ui};

#[derive(Debug, Default, clap::Args)]
pub(crate) struct Args {
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

pub(crate) async fn run(ui: &Ui, env: &Env, args: &Args) -> CliResult {
    identity::show(ui, env, args.json).await
}
