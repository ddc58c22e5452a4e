//! `peaqos-devnet`: a local peaq chain with the peaqOS stack deployed at genesis.
#![allow(clippy::print_stdout)] // the banner and addresses are the program's output

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::Parser;
use eyre::WrapErr;
use peaqos_devnet::{DEV_MNEMONIC, Devnet, DevnetConfig, rpc::access::AllowedOrigins};

/// A local peaq chain: revm with peaq's DID, Batch and WPEAQ precompiles, Ethereum JSON-RPC on
/// loopback, ten prefunded dev accounts and the whole peaqOS stack deployed at genesis.
///
/// It prints the addresses and writes a `.env` that the peaqOS SDKs and CLIs read as they are.
#[derive(Debug, Parser)]
#[command(name = "peaqos-devnet", version, about, long_about = None)]
struct Args {
    /// Port of the JSON-RPC server on 127.0.0.1.
    #[arg(long, short, default_value_t = 8545, env = "PEAQOS_DEVNET_PORT")]
    port: u16,
    /// Also serve JSON-RPC (WebSocket, and HTTP) on this port; WebSocket is always served on
    /// --port too.
    #[arg(long, value_name = "PORT")]
    ws_port: Option<u16>,
    /// Address to listen on (loopback by default; the devnet has no authentication).
    #[arg(long, default_value = "127.0.0.1")]
    host: std::net::IpAddr,
    /// EIP-155 chain id (default 33380: not peaq 3338 nor agung 9990, so nothing signed here
    /// replays there).
    #[arg(long, default_value_t = peaqos_types::constants::LOCAL_CHAIN_ID)]
    chain_id: u64,
    /// Mine a block every N seconds instead of one block per transaction.
    #[arg(long, value_name = "SECONDS")]
    block_time: Option<u64>,
    /// Load the chain from FILE if it exists and save it there on shutdown (Ctrl-C or SIGTERM)
    /// and, when it changed, every --save-interval seconds (what a crash can lose).
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Seconds between saves of --state while running (only when the chain changed).
    #[arg(long, value_name = "SECONDS", default_value_t = peaqos_devnet::devnet::DEFAULT_SAVE_INTERVAL.as_secs_f64())]
    save_interval: f64,
    /// Also accept JSON-RPC from browser pages of this origin (e.g. https://dapp.example;
    /// `*` for any). Loopback origins (http://localhost:*, http://127.0.0.1:*) are always
    /// accepted; requests without an Origin header (every non-browser client) are too.
    #[arg(long, value_name = "ORIGIN")]
    allow_origin: Vec<String>,
    /// Where to write the `.env` (nothing is written with `--no-env`).
    #[arg(long, default_value = ".env")]
    env_file: PathBuf,
    /// Do not write a `.env`.
    #[arg(long)]
    no_env: bool,
    /// Which dev account's key goes into the `.env` as PEAQOS_PRIVATE_KEY (0 deployed the stack).
    #[arg(long, default_value_t = 1)]
    env_account: usize,
    /// Mnemonic of the dev accounts.
    #[arg(long, default_value = DEV_MNEMONIC)]
    mnemonic: String,
    /// Number of prefunded dev accounts.
    #[arg(long, default_value_t = 10)]
    accounts: u32,
    /// Start an empty chain (no peaqOS stack).
    #[arg(long)]
    no_deploy: bool,
    /// Serve state reads (eth_call, eth_getBalance, eth_getCode, eth_getStorageAt,
    /// eth_getTransactionCount) at the latest block and this many before it.
    #[arg(long, value_name = "BLOCKS", default_value_t = peaqos_devnet::chain::DEFAULT_HISTORY_BLOCKS)]
    history_blocks: u64,
    /// Serve state reads at every block (memory grows with what the chain changes).
    #[arg(long, conflicts_with = "history_blocks")]
    archive: bool,
}

#[tokio::main]
async fn main() -> eyre::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .init();
    let args = Args::parse();
    let config = DevnetConfig {
        listen: SocketAddr::new(args.host, args.port),
        ws_listen: args.ws_port.map(|p| SocketAddr::new(args.host, p)),
        chain_id: args.chain_id,
        mnemonic: args.mnemonic.clone(),
        accounts: args.accounts,
        block_interval: args.block_time.map(Duration::from_secs),
        state_file: args.state.clone(),
        save_interval: Duration::try_from_secs_f64(args.save_interval)
            .wrap_err("--save-interval must be a non-negative number of seconds")?,
        allowed_origins: args
            .allow_origin
            .iter()
            .fold(AllowedOrigins::loopback(), |o, origin| o.allow(origin)),
        deploy_stack: !args.no_deploy,
        history: if args.archive {
            peaqos_devnet::chain::HistoryWindow::Archive
        } else {
            peaqos_devnet::chain::HistoryWindow::Recent(args.history_blocks)
        },
        ..DevnetConfig::default()
    };
    eprintln!(
        "peaqos-devnet: starting on {}:{} (chain id {}) ...",
        args.host, args.port, args.chain_id
    );
    let devnet = Devnet::spawn_with_progress(config, |step| eprintln!("  deploy: {step}"))
        .await
        .wrap_err("could not start the devnet")?;
    // Before anything is announced: Ctrl-C or SIGTERM from then on stops cleanly (saving the
    // state).
    let signals =
        peaqos_service::ShutdownSignals::install().wrap_err("installing signal handlers")?;
    print_banner(&devnet, &args);
    if !args.no_env {
        // 0600 from creation: the file holds a (dev) key.
        peaqos_service::write_private(&args.env_file, devnet.env_file(args.env_account).as_bytes())
            .wrap_err_with(|| format!("writing {}", args.env_file.display()))?;
        println!("\n.env written to {}", args.env_file.display());
    }
    println!("\nListening on {}  (Ctrl-C to stop)", devnet.url);
    // SIGTERM (kill, systemd, containers) saves the state just as Ctrl-C does.
    signals
        .run_until_shutdown(|_| async {
            eprintln!(
                "\nstopping{} ...",
                if args.state.is_some() {
                    " and saving the state"
                } else {
                    ""
                }
            );
            devnet.shutdown().await
        })
        .await
        .wrap_err("waiting for Ctrl-C or SIGTERM")?
        .wrap_err("saving the state")?;
    Ok(())
}

fn print_banner(devnet: &Devnet, args: &Args) {
    println!(
        "peaqOS devnet  chain id {}  rpc {}",
        devnet.chain_id, devnet.url
    );
    println!("WebSocket      {}", devnet.ws_url());
    println!("\nMnemonic: {}", args.mnemonic);
    println!("\nDev accounts (public keys of a public mnemonic: never use them elsewhere)");
    for (i, a) in devnet.accounts.iter().enumerate() {
        println!("  ({i}) {}  {}", a.address, a.private_key);
    }
    if let Some(d) = &devnet.deployment {
        let c = d.contract_addresses();
        println!("\nContracts");
        println!("  IdentityRegistry       {}", c.identity_registry);
        println!("  IdentityStaking        {}", c.identity_staking);
        println!("  EventRegistry          {}", c.event_registry);
        println!("  MachineNFT             {}", c.machine_nft);
        if let Some(a) = c.admin_flags {
            println!("  AdminFlags             {a}");
        }
        if let Some(a) = c.machine_account_factory {
            println!("  MachineAccountFactory  {a}");
        }
        println!("  DID precompile         {}", c.did_registry);
        println!("  Batch precompile       {}", c.batch_precompile);
        println!(
            "  WPEAQ precompile       {}",
            peaqos_types::constants::WPEAQ_PRECOMPILE_ADDRESS
        );
    }
}
