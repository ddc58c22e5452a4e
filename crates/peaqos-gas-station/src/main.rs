//! `peaqos-gas-station`: the Gas Station server.

use std::{io::Write as _, path::PathBuf};

use clap::Parser;
use eyre::WrapErr as _;
use peaqos_gas_station::{GasStation, GasStationConfig};

/// Dev account 9 of the devnet's public mnemonic (`test test … junk`): the default funding key
/// of `--devnet`. Public knowledge: never use it outside a local chain.
const DEVNET_FUNDING_KEY: &str =
    "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6";

/// The peaqOS Gas Station: a 2FA-gated faucet. Configuration comes from `--config FILE`
/// (KEY=VALUE lines, mode 0600) and `GAS_STATION_*` environment variables; see
/// docs/gas-station.md.
#[derive(Debug, Parser)]
#[command(name = "peaqos-gas-station", version)]
struct Args {
    /// Configuration file (KEY=VALUE lines; must not be readable by group or others).
    #[arg(long, env = "GAS_STATION_CONFIG")]
    config: Option<PathBuf>,
    /// Fund a local devnet at this RPC URL instead (chain `local`, also answering to `peaq`
    /// and `agung`), with dev account 9 unless GAS_STATION_DEVNET_FUNDING_KEY is set.
    #[arg(long, value_name = "RPC_URL")]
    devnet: Option<String>,
    /// With --devnet: the database (default: gas-station-devnet.db in the working directory).
    #[arg(long, requires = "devnet")]
    database_url: Option<String>,
    /// With --devnet: the listen address.
    #[arg(long, requires = "devnet", default_value = "127.0.0.1:8090")]
    bind: std::net::SocketAddr,
}

#[tokio::main]
async fn main() -> eyre::Result<()> {
    tracing_subscriber::fmt()
        // Dependencies log RPC URLs (API keys in path or query): every URL is redacted.
        .with_writer(peaqos_service::redacted_stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GAS_STATION_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    let config = match &args.devnet {
        Some(rpc) => {
            let key = std::env::var("GAS_STATION_DEVNET_FUNDING_KEY")
                .unwrap_or_else(|_| DEVNET_FUNDING_KEY.to_owned());
            let db = args
                .database_url
                .clone()
                .unwrap_or_else(|| "sqlite://gas-station-devnet.db?mode=rwc".to_owned());
            let mut config = GasStationConfig::for_devnet(rpc, "local", &key, &db);
            config.bind = args.bind;
            config
        }
        None => GasStationConfig::from_env_and_file(args.config.as_deref())
            .wrap_err("loading the configuration")?,
    };
    let station = GasStation::spawn(config)
        .await
        .wrap_err("starting the Gas Station")?;
    // Before the URL is announced: Ctrl-C or SIGTERM from then on stops cleanly.
    let signals = peaqos_service::ShutdownSignals::install().wrap_err("signal handlers")?;
    // The first stdout line is the base URL (scripts and tests read it).
    let mut out = std::io::stdout();
    writeln!(out, "peaqos-gas-station listening on {}", station.url())?;
    out.flush()?;
    signals
        .run_until_shutdown(|_| station.shutdown())
        .await
        .wrap_err("waiting for SIGINT or SIGTERM")?;
    Ok(())
}
