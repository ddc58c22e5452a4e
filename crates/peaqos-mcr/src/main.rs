//! `peaqos-mcr`: the MCR service (indexer + API), configured by environment variables.

mod commands;

use eyre::WrapErr;
use peaqos_mcr::{
    McrConfig, McrService,
    config::ENV_VARS,
    leader::{ENV_INSTANCE_ID, ENV_ROLE, ReplicaOptions},
};

fn usage() -> String {
    let mut out = String::from(
        "peaqos-mcr: the peaqOS MCR service (chain indexer, store, MCR API).\n\n\
         Configured by environment variables (a devnet's .env works as is):\n\
         \x20 PEAQOS_RPC_URL, IDENTITY_REGISTRY_ADDRESS, IDENTITY_STAKING_ADDRESS,\n\
         \x20 EVENT_REGISTRY_ADDRESS, MACHINE_NFT_ADDRESS, DID_REGISTRY_ADDRESS (default 0x…0800),\n\
         \x20 ADMIN_FLAGS_ADDRESS (optional); without IDENTITY_REGISTRY_ADDRESS: test mode.\n\n",
    );
    for (name, default) in ENV_VARS {
        out.push_str(&format!("  {name:<24} default {default}\n"));
    }
    out.push_str(&format!(
        "  {ENV_ROLE:<24} default all (api: serve only; indexer: index only)\n  \
         {ENV_INSTANCE_ID:<24} default HOSTNAME-PID\n"
    ));
    out.push_str(
        "\nSubcommands:\n  fx import FILE           load ECB reference rates (XML, CSV or zip) into \
         the database\n\nSee docs/mcr.md and docs/operations.md.\n",
    );
    out
}

#[tokio::main]
async fn main() -> eyre::Result<()> {
    if std::env::args().skip(1).any(|a| a == "--help" || a == "-h") {
        eprint!("{}", usage());
        return Ok(());
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        [] => {}
        ["fx", "import", file] => {
            return commands::fx_import::run(std::path::Path::new(file)).await;
        }
        _ => {
            eprint!("{}", usage());
            eyre::bail!("unknown arguments: {}", args.join(" "));
        }
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        // Dependencies log RPC URLs (API keys in path or query): every URL is redacted.
        .with_writer(peaqos_service::redacted_stderr)
        .init();
    let config = McrConfig::from_env().wrap_err("configuration")?;
    if config.contracts.is_none() {
        tracing::warn!("IDENTITY_REGISTRY_ADDRESS is not set: test mode (nothing is indexed)");
    }
    let replica = ReplicaOptions::from_env().wrap_err("configuration")?;
    let running = McrService::spawn_replica(config, None, replica)
        .await
        .wrap_err("starting")?;
    // Before the URL is announced: Ctrl-C or SIGTERM from then on stops cleanly.
    let signals = peaqos_service::ShutdownSignals::install().wrap_err("signal handlers")?;
    // The first stdout line is the URL, for scripts and tests.
    #[allow(clippy::print_stdout)]
    {
        println!("{}", running.url());
    }
    signals
        .run_until_shutdown(|_| running.shutdown())
        .await
        .wrap_err("waiting for SIGINT or SIGTERM")?;
    Ok(())
}
