//! `peaqos dev`: the whole local stack in one process.

use crate::{
    env::Env,
    error::{CliError, CliResult},
    ui::Ui,
};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {}

pub(crate) async fn run(_ui: &Ui, _env: &Env, _args: Args) -> CliResult {
    Err(CliError::config("not yet"))
}
