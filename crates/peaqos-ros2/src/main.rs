//! `peaqos_node`: the peaqOS ROS 2 machine runtime (see the crate README and docs/ros2.md).
//!
//! ```text
//! peaqos_node [--preset local] [--config peaq_robot.yaml] [--ros-args -p name:=value ...]
//! ```

use std::collections::BTreeMap;

use eyre::{WrapErr, bail};
use peaqos_ros2::{config::NodeConfig, node, services::PeaqosNode};

const USAGE: &str = "usage: peaqos_node [--preset local|testnet|mainnet] [--config <peaq_robot.yaml>] \
[--ros-args -p <name>:=<value> ...]\n\nParameters: config.yaml_path and peaq_os.* (see docs/ros2.md).";

/// Parses the command line into ROS parameters (name → value).
fn parse_args(
    args: impl Iterator<Item = String>,
) -> eyre::Result<Option<BTreeMap<String, String>>> {
    let mut params = BTreeMap::new();
    let mut args = args.peekable();
    let value = |args: &mut std::iter::Peekable<_>, flag: &str| -> eyre::Result<String> {
        args.next()
            .ok_or_else(|| eyre::eyre!("{flag} needs a value\n{USAGE}"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--preset" => {
                params.insert("peaq_os.preset".into(), value(&mut args, "--preset")?);
            }
            "--config" => {
                params.insert("config.yaml_path".into(), value(&mut args, "--config")?);
            }
            "--ros-args" | "--" | "--enable-rosout-logs" | "--disable-rosout-logs" => {}
            "-p" | "--param" => {
                let kv = value(&mut args, "-p")?;
                let Some((k, v)) = kv.split_once(":=") else {
                    bail!("bad parameter `{kv}` (expected name:=value)");
                };
                params.insert(
                    k.trim().to_owned(),
                    v.trim().trim_matches(['"', '\'']).to_owned(),
                );
            }
            // Remappings and log levels are accepted and ignored (the node name is fixed).
            "-r" | "--remap" | "--log-level" => {
                value(&mut args, &arg)?;
            }
            other => bail!("unknown argument `{other}`\n{USAGE}"),
        }
    }
    Ok(Some(params))
}

#[tokio::main]
async fn main() -> eyre::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,rustdds=warn,ros2_client=warn".into()),
        )
        .with_writer(peaqos_service::redacted_stderr)
        .init();
    let Some(params) = parse_args(std::env::args().skip(1))? else {
        eprintln!("{USAGE}");
        return Ok(());
    };
    let yaml = params.get("config.yaml_path").cloned();
    let config = NodeConfig::load(yaml.as_deref(), &|k| std::env::var(k).ok(), &params)
        .wrap_err("loading the peaqos_node configuration")?;
    let state = PeaqosNode::new(config);
    let running = node::start(&state).wrap_err("starting peaqos_node")?;
    peaqos_service::shutdown_signal()
        .await
        .wrap_err("waiting for a shutdown signal")?;
    tracing::info!("peaqos_node stopping");
    running.shutdown();
    Ok(())
}
