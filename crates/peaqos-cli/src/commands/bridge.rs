//! `peaqos bridge send TOKEN_ID --to base|peaq` and `peaqos bridge wait TOKEN_ID --on
//! base|peaq`: the Machine NFT bridge (LayerZero ONFT) from the CLI. `send` checks the token
//! first (exists, yours, not already on the other chain, the adapter approved or `--approve`,
//! gas on the destination), shows the LayerZero fee quote, then sends through the SDK's
//! `bridge_nft`; `wait` polls `ownerOf` on the destination until the recipient owns it.
//! The Base side comes from `BASE_RPC_URL` / `BASE_NFT_ADDRESS` (the `.env` of `peaqos dev`)
//! or `--base-rpc-url` / `--base-nft`.

use std::time::Duration;

use alloy::primitives::{Address, B256, Bytes, U256};
use peaqos_contracts::bindings::{MachineNFT, MachineNFTAdapter};
use peaqos_sdk::{BridgeChain, BridgeNftParams, ClientConfig, NetworkConfig, PeaqosClient};

use crate::{
    catalogue::ErrorCode,
    env::Env,
    error::{CliError, CliResult},
    output::{parse_address, print_json, rows},
    ui::Ui,
};

/// The Base RPC URL variable (written by `peaqos dev`).
const ENV_BASE_RPC_URL: &str = "BASE_RPC_URL";
/// The `MachineNFTBase` address variable (written by `peaqos dev`).
const ENV_BASE_NFT_ADDRESS: &str = "BASE_NFT_ADDRESS";
/// Default of `bridge wait --timeout` (seconds).
const DEFAULT_WAIT_SECS: u64 = 300;
/// Most `bridge wait --timeout` accepts (seconds).
const MAX_WAIT_SECS: u64 = 3_600;
/// How often `bridge wait` asks the destination chain.
const WAIT_POLL: Duration = Duration::from_millis(500);

#[derive(Debug, clap::Subcommand)]
pub(crate) enum Command {
    /// Send a Machine NFT to the other chain (peaq -> Base or Base -> peaq); shows the fee first.
    Send(SendArgs),
    /// Wait until a Machine NFT has arrived on a chain.
    Wait(WaitArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Chain {
    Peaq,
    Base,
}

#[derive(Debug, clap::Args)]
pub(crate) struct BaseArgs {
    /// Base JSON-RPC URL (default: BASE_RPC_URL).
    #[arg(long, value_name = "URL")]
    base_rpc_url: Option<String>,
    /// MachineNFTBase address on Base (default: BASE_NFT_ADDRESS).
    #[arg(long, value_name = "ADDRESS")]
    base_nft: Option<String>,
}

#[derive(Debug, clap::Args)]
pub(crate) struct SendArgs {
    /// The Machine NFT's token id.
    token_id: U256,
    /// The destination chain.
    #[arg(long, value_enum)]
    to: Chain,
    /// Who receives it on the destination (default: the signer).
    #[arg(long, value_name = "ADDRESS")]
    recipient: Option<String>,
    /// Approve the MachineNFTAdapter for this token first when it is not (peaq -> Base).
    #[arg(long)]
    approve: bool,
    #[command(flatten)]
    base: BaseArgs,
}

#[derive(Debug, clap::Args)]
pub(crate) struct WaitArgs {
    /// The Machine NFT's token id.
    token_id: U256,
    /// The chain it travels to.
    #[arg(long, value_enum)]
    on: Chain,
    /// The owner to wait for (default: the signer).
    #[arg(long, value_name = "ADDRESS")]
    owner: Option<String>,
    /// Give up after this many seconds (1-3600).
    #[arg(long, default_value_t = DEFAULT_WAIT_SECS, value_parser = clap::value_parser!(u64).range(1..=MAX_WAIT_SECS))]
    timeout: u64,
    #[command(flatten)]
    base: BaseArgs,
}

/// What `bridge send` did (the `--json` object).
#[derive(Debug, serde::Serialize)]
struct Sent {
    token_id: String,
    source: &'static str,
    destination: &'static str,
    recipient: String,
    fee_wei: String,
    approved_now: bool,
    tx_hash: B256,
}

/// What `bridge wait` saw (the `--json` object).
#[derive(Debug, serde::Serialize)]
struct Waited {
    token_id: String,
    chain: &'static str,
    arrived: bool,
    owner: Option<String>,
    seconds: f64,
}

pub(crate) async fn run(ui: &Ui, env: &Env, command: Command) -> CliResult {
    match command {
        Command::Send(args) => send(ui, env, args).await,
        Command::Wait(args) => wait(ui, env, args).await,
    }
}

/// The Base RPC URL and MachineNFTBase address from the flags or the environment.
fn base_side(env: &Env, args: &BaseArgs) -> CliResult<(String, Address)> {
    let url = args
        .base_rpc_url
        .clone()
        .or_else(|| env.get(ENV_BASE_RPC_URL))
        .ok_or_else(|| {
            CliError::new(
                ErrorCode::MissingConfig,
                "no Base RPC URL: set BASE_RPC_URL (peaqos dev writes it) or pass --base-rpc-url",
            )
            .with_field("base-rpc-url")
        })?;
    let nft = args
        .base_nft
        .clone()
        .or_else(|| env.get(ENV_BASE_NFT_ADDRESS))
        .ok_or_else(|| {
            CliError::new(
                ErrorCode::MissingConfig,
                "no MachineNFTBase address: set BASE_NFT_ADDRESS (peaqos dev writes it) or pass \
                 --base-nft",
            )
            .with_field("base-nft")
        })?;
    Ok((url, parse_address("--base-nft", &nft)?))
}

/// A client on the Base RPC with the same signer and addresses.
fn base_client(client: &PeaqosClient, url: &str) -> CliResult<PeaqosClient> {
    PeaqosClient::new(ClientConfig::new(
        NetworkConfig::new(url, *client.contracts()),
        client.signer().cloned(),
    ))
    .map_err(crate::env::invalid_config)
}

/// `ownerOf(token_id)` on `nft`; `None` when the token does not exist there (a revert).
async fn owner_of(
    client: &PeaqosClient,
    nft: Address,
    token_id: U256,
) -> CliResult<Option<Address>> {
    match MachineNFT::new(nft, client.provider())
        .ownerOf(token_id)
        .call()
        .await
    {
        Ok(owner) => Ok(Some(owner)),
        Err(e) if e.as_revert_data().is_some() => Ok(None),
        Err(e) => Err(CliError::new(
            ErrorCode::RpcUnreachable,
            format!("ownerOf({token_id}) on {nft}: {e}"),
        )),
    }
}

async fn balance(client: &PeaqosClient, who: Address) -> CliResult<U256> {
    use alloy::providers::Provider as _;
    client.provider().get_balance(who).await.map_err(|e| {
        CliError::new(
            ErrorCode::RpcUnreachable,
            format!("eth_getBalance({who}): {e}"),
        )
    })
}

const fn name(chain: Chain) -> &'static str {
    match chain {
        Chain::Peaq => "peaq",
        Chain::Base => "base",
    }
}

async fn send(ui: &Ui, env: &Env, args: SendArgs) -> CliResult {
    let peaq = env.client()?;
    let me = peaq.address();
    let recipient = match &args.recipient {
        Some(r) => parse_address("--recipient", r)?,
        None => me,
    };
    if args.token_id.is_zero() {
        return Err(CliError::user("TOKEN_ID must be positive").with_field("token_id"));
    }
    let (base_url, base_nft) = base_side(env, &args.base)?;
    let base = base_client(&peaq, &base_url)?;
    let token = args.token_id;
    let peaq_nft = peaq.contracts().machine_nft;
    let (source, onft, src_client, dst_client) = match args.to {
        Chain::Base => {
            let adapter = peaq.contracts().machine_nft_adapter.ok_or_else(|| {
                CliError::new(
                    ErrorCode::MissingConfig,
                    "no MachineNFTAdapter: set MACHINE_NFT_ADAPTER_ADDRESS (peaqos dev writes it)",
                )
                .with_field("MACHINE_NFT_ADAPTER_ADDRESS")
            })?;
            (Chain::Peaq, adapter, &peaq, &base)
        }
        Chain::Peaq => (Chain::Base, base_nft, &base, &peaq),
    };
    let src_nft = if source == Chain::Peaq {
        peaq_nft
    } else {
        base_nft
    };
    // The token: exists on the source, is the signer's, is not already on the other side.
    match owner_of(src_client, src_nft, token).await? {
        None => {
            return Err(CliError::user(format!(
                "token {token} is not on {} (never minted{})",
                name(source),
                if source == Chain::Base {
                    ", or already back on peaq"
                } else {
                    ""
                }
            ))
            .with_field("token_id"));
        }
        Some(owner) if source == Chain::Peaq && owner == onft => {
            return Err(CliError::user(format!(
                "token {token} is already bridged: it is locked in the MachineNFTAdapter on peaq \
                 and lives on Base (send it back with --to peaq)"
            ))
            .with_field("token_id"));
        }
        Some(owner) if owner != me => {
            return Err(CliError::user(format!(
                "token {token} is not yours: {owner} owns it on {}, the signer is {me}",
                name(source)
            ))
            .with_field("token_id"));
        }
        Some(_) => {}
    }
    // peaq -> Base locks the token in the adapter: it must be approved for it.
    let mut approved_now = false;
    if source == Chain::Peaq {
        let nft = MachineNFT::new(peaq_nft, peaq.provider());
        let approved =
            nft.getApproved(token).call().await.map_err(|e| {
                CliError::new(ErrorCode::RpcUnreachable, format!("getApproved: {e}"))
            })?;
        let for_all = nft.isApprovedForAll(me, onft).call().await.map_err(|e| {
            CliError::new(ErrorCode::RpcUnreachable, format!("isApprovedForAll: {e}"))
        })?;
        if approved != onft && !for_all {
            if !args.approve {
                return Err(CliError::user(format!(
                    "the MachineNFTAdapter {onft} is not approved for token {token}: pass \
                     --approve (sends MachineNFT.approve({onft}, {token}) first)"
                ))
                .with_field("approve"));
            }
            approved_now = true;
        }
    }
    // The recipient needs gas on the destination to do anything with the token there.
    if balance(dst_client, recipient).await?.is_zero() {
        return Err(CliError::new(
            ErrorCode::InsufficientFunds,
            format!(
                "the recipient {recipient} has no gas on {}: fund it there first (it could not \
                 move the token once it arrives)",
                name(args.to)
            ),
        )
        .with_field("recipient"));
    }
    // The fee quote, shown before anything is sent.
    let param = MachineNFTAdapter::SendParam {
        dstEid: bridge_chain(args.to).eid(),
        to: recipient.into_word(),
        tokenId: token,
        extraOptions: Bytes::new(),
        composeMsg: Bytes::new(),
        onftCmd: Bytes::new(),
    };
    let fee = MachineNFTAdapter::new(onft, src_client.provider())
        .quoteSend(param, false)
        .call()
        .await
        .map_err(|e| CliError::new(ErrorCode::TxFailed, format!("quoteSend on {onft}: {e}")))?
        .nativeFee;
    if !ui.json {
        ui.out(format!(
            "Fee quote: {fee} wei (LayerZero native fee on {}, paid with the send)",
            name(source)
        ));
    }
    if balance(src_client, me).await? <= fee {
        return Err(CliError::new(
            ErrorCode::InsufficientFunds,
            format!(
                "{me} cannot pay the fee of {fee} wei plus gas on {}",
                name(source)
            ),
        ));
    }
    let params = match source {
        Chain::Peaq => BridgeNftParams::peaq_to_base(token, recipient),
        Chain::Base => BridgeNftParams::base_to_peaq(token, recipient, base_url, base_nft),
    };
    let tx_hash = peaq.bridge_nft(&params).await?;
    let sent = Sent {
        token_id: token.to_string(),
        source: name(source),
        destination: name(args.to),
        recipient: recipient.to_string(),
        fee_wei: fee.to_string(),
        approved_now,
        tx_hash,
    };
    if ui.json {
        return print_json(&sent);
    }
    for line in rows(
        "  ",
        &[
            ("Token", sent.token_id.clone()),
            ("Route", format!("{} -> {}", sent.source, sent.destination)),
            ("Recipient", sent.recipient),
            ("Tx", tx_hash.to_string()),
        ],
    ) {
        ui.out(line);
    }
    ui.info(format!(
        "Sent. Wait for it: peaqos bridge wait {token} --on {}",
        name(args.to)
    ));
    Ok(())
}

const fn bridge_chain(chain: Chain) -> BridgeChain {
    match chain {
        Chain::Peaq => BridgeChain::Peaq,
        Chain::Base => BridgeChain::Base,
    }
}

async fn wait(ui: &Ui, env: &Env, args: WaitArgs) -> CliResult {
    let peaq = env.client()?;
    let owner = match &args.owner {
        Some(o) => parse_address("--owner", o)?,
        None => peaq.address(),
    };
    let (client, nft) = match args.on {
        Chain::Peaq => (peaq.clone(), peaq.contracts().machine_nft),
        Chain::Base => {
            let (url, nft) = base_side(env, &args.base)?;
            (base_client(&peaq, &url)?, nft)
        }
    };
    let start = std::time::Instant::now();
    let deadline = start + Duration::from_secs(args.timeout);
    let (arrived, last) = loop {
        let now = owner_of(&client, nft, args.token_id).await?;
        if now == Some(owner) {
            break (true, now);
        }
        if std::time::Instant::now() >= deadline {
            break (false, now);
        }
        tokio::time::sleep(WAIT_POLL).await;
    };
    let waited = Waited {
        token_id: args.token_id.to_string(),
        chain: name(args.on),
        arrived,
        owner: last.map(|o| o.to_string()),
        seconds: start.elapsed().as_secs_f64(),
    };
    if ui.json {
        print_json(&waited)?;
    } else if arrived {
        ui.out(format!(
            "Token {} arrived on {}: owned by {owner} ({:.1} s)",
            waited.token_id, waited.chain, waited.seconds
        ));
    }
    if arrived {
        Ok(())
    } else {
        Err(CliError::new(
            ErrorCode::NetworkError,
            format!(
                "token {} did not reach {owner} on {} within {} s (owner now: {})",
                args.token_id,
                name(args.on),
                args.timeout,
                waited.owner.as_deref().unwrap_or("none")
            ),
        )
        .with_field("timeout"))
    }
}
