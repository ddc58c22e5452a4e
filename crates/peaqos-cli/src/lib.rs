#![doc = include_str!("../README.md")]
// A command-line program: its output is the point.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod catalogue;
mod commands;
mod env;
mod error;
mod identity;
mod journal;
mod llms;
mod output;
mod presets;
mod signer;
mod ui;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[cfg(feature = "dev")]
use crate::commands::{demo, dev};
use crate::{
    commands::{
        activate, admin, bridge, doctor, init, mcp, qualify_event, qualify_mcr, show_machine,
        show_operator, skill, wallet, whoami,
    },
    env::Env,
    error::{CliError, CliResult},
    ui::Ui,
};

/// `peaqos-cli <version> (peaqos-sdk <version>)`.
const VERSION_LINE: &str = concat!(
    "peaqos-cli ",
    env!("CARGO_PKG_VERSION"),
    " (peaqos-sdk ",
    env!("CARGO_PKG_VERSION"),
    ")"
);

/// peaqOS from the terminal: activate machines, submit events, read credit ratings, manage
/// wallets, and run a whole local peaqOS stack with one command.
///
/// Configuration comes from `./.env` and the environment (the environment wins); `peaqos init`
/// writes the `.env`. Exit codes: 0 success, 1 bad input, 2 network / chain / API, 3
/// configuration. With `--json` every result is one JSON document on stdout and every error
/// is `{"error": {"code", "message", "field", "exit_code"}}` on stdout.
#[derive(Debug, Parser)]
#[command(name = "peaqos", disable_version_flag = true)]
struct Cli {
    /// Print the version and exit.
    #[arg(short = 'V', long)]
    version: bool,
    /// Debug logging on stderr.
    #[arg(short, long, global = true, conflicts_with = "quiet")]
    verbose: bool,
    /// Only errors and results: no progress lines.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// Machine-readable output: one JSON document on stdout (errors as
    /// {"error": {"code", "message", "field", "exit_code"}}). Also PEAQOS_JSON=1.
    #[arg(
        long,
        global = true,
        env = "PEAQOS_JSON",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    json: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write ./.env: network presets (mainnet, testnet, local) and a key (generated, pasted,
    /// from a file, or an OWS wallet).
    Init(init::Args),
    /// Show the configured signer, network, chain, balance and machine.
    Whoami(whoami::Args),
    /// Put this machine (or, with --for, a fleet machine) on chain: the six idempotent steps.
    Activate(activate::Args),
    /// Submit events and read credit ratings.
    #[command(subcommand)]
    Qualify(Qualify),
    /// Read machine profiles and operator fleets from the MCR API.
    #[command(subcommand)]
    Show(Show),
    /// Check the configuration, the RPC, the MCR API, the Gas Station, the key and its
    /// balance; print what to fix.
    Doctor(doctor::Args),
    /// The `peaqos` agent skill: install it for Claude Code, Cursor or Windsurf, print it for
    /// hosted assistants.
    #[command(subcommand)]
    Skill(skill::Command),
    /// Serve peaqOS as MCP tools on stdio (whoami, activate, events, ratings, fleets, wallets).
    Mcp(mcp::Args),
    /// Manage wallets in the encrypted OWS vault.
    #[command(subcommand)]
    Wallet(wallet::Command),
    /// AdminFlags owner actions: flag, unflag, trust override (the dev account on the local
    /// stack).
    #[command(subcommand)]
    Admin(admin::Command),
    /// The Machine NFT bridge: send a Machine NFT peaq -> Base or back, wait for its arrival.
    #[command(subcommand)]
    Bridge(bridge::Command),
    /// Run the whole local peaqOS stack in one process: devnet, MCR API, Gas Station.
    #[cfg(feature = "dev")]
    Dev(dev::Args),
    /// Onboard a fleet, submit a year of events, print ratings (starts a local stack if none
    /// is running).
    #[cfg(feature = "dev")]
    Demo(demo::Args),
}

#[derive(Debug, Subcommand)]
enum Qualify {
    /// Submit one revenue or activity event (or a batch from a JSON file).
    Event(Box<qualify_event::Args>),
    /// Show a machine's credit rating (MCR).
    Mcr(qualify_mcr::Args),
}

#[derive(Debug, Subcommand)]
enum Show {
    /// Show a machine's profile.
    Machine(show_machine::Args),
    /// Operator views.
    #[command(subcommand)]
    Operator(Operator),
}

#[derive(Debug, Subcommand)]
enum Operator {
    /// List an operator's machines with their ratings.
    Machines(show_operator::Args),
}

/// The clap definition (the generated CLI reference walks it).
pub(crate) fn cli_command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// Runs the CLI on the process arguments and returns its exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    if cli.version {
        if cli.json {
            println!(
                "{}",
                serde_json::json!({"cli": env!("CARGO_PKG_VERSION"), "sdk": env!("CARGO_PKG_VERSION")})
            );
        } else {
            println!("{VERSION_LINE}");
        }
        return ExitCode::SUCCESS;
    }
    let ui = Ui::new(cli.quiet, cli.verbose, cli.json);
    init_logging(&ui);
    let Some(command) = cli.command else {
        use clap::CommandFactory;
        let _ = Cli::command().print_help();
        return ExitCode::SUCCESS;
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let err = CliError::config(format!("cannot start the runtime: {e}"));
            ui.error(&err);
            return ExitCode::from(err.exit() as u8);
        }
    };
    match runtime.block_on(run(&ui, command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            ui.error(&err);
            ExitCode::from(err.exit() as u8)
        }
    }
}

/// Help and version exit 0; any other parse failure is `USAGE` (exit 1, not "network" (2) as
/// in the original), as the JSON error object too when `--json` (or `PEAQOS_JSON`) is given.
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    let _ = e.print();
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        return ExitCode::SUCCESS;
    }
    let json = std::env::args_os().any(|a| a == "--json")
        || std::env::var("PEAQOS_JSON")
            .is_ok_and(|v| matches!(v.as_str(), "1" | "true" | "yes" | "on"));
    let mut err = CliError::new(error::ErrorCode::Usage, usage_message(e));
    if let Some(ContextValue::String(arg)) = e.get(ContextKind::InvalidArg) {
        // `--limit <LIMIT>` → `--limit`.
        let flag = arg.split_whitespace().next().unwrap_or(arg);
        err = err.with_field(flag);
    }
    if json {
        println!("{}", err.json());
    }
    ExitCode::from(err.exit() as u8)
}

/// clap's message without the `error: ` prefix, the usage block and the help hint.
fn usage_message(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let first = text.lines().next().unwrap_or_default();
    first
        .strip_prefix("error: ")
        .unwrap_or(first)
        .trim()
        .to_owned()
}

fn init_logging(ui: &Ui) {
    let level = if ui.verbose {
        "peaqos_cli=debug,peaqos_sdk=debug"
    } else if ui.quiet {
        "error"
    } else {
        // sqlx's slow-acquire notices are about the embedded stores under load, not the user.
        "warn,sqlx=error"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("PEAQOS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        // `peaqos dev` runs the services: their dependencies log RPC URLs, redacted here.
        .with_writer(peaqos_service::redacted_stderr)
        .with_env_filter(filter)
        .with_target(true)
        .with_ansi(ui.color_err())
        .without_time()
        .try_init();
}

async fn run(ui: &Ui, command: Command) -> CliResult {
    let env = Env::load()?;
    match command {
        Command::Init(args) => init::run(ui, &env, args).await,
        Command::Whoami(args) => whoami::run(ui, &env, &args).await,
        Command::Activate(args) => activate::run(ui, &env, args).await,
        Command::Qualify(Qualify::Event(args)) => qualify_event::run(ui, &env, *args).await,
        Command::Qualify(Qualify::Mcr(args)) => qualify_mcr::run(ui, &env, &args).await,
        Command::Show(Show::Machine(args)) => show_machine::run(ui, &env, &args).await,
        Command::Show(Show::Operator(Operator::Machines(args))) => {
            show_operator::run(ui, &env, &args).await
        }
        Command::Wallet(cmd) => wallet::run(ui, &env, cmd).await,
        Command::Admin(cmd) => admin::run(ui, &env, cmd).await,
        Command::Bridge(cmd) => bridge::run(ui, &env, cmd).await,
        Command::Doctor(args) => doctor::run(ui, &env, &args).await,
        Command::Skill(cmd) => skill::run(ui, &env, cmd).await,
        Command::Mcp(args) => mcp::run(ui, &env, &args).await,
        #[cfg(feature = "dev")]
        Command::Dev(args) => dev::run(ui, &env, args).await,
        #[cfg(feature = "dev")]
        Command::Demo(args) => demo::run(ui, &env, args).await,
    }
}
