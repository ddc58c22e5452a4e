//! A proxy operator onboards a fleet of machines.
//!
//! ```text
//! cargo run -p peaqos-sdk --example proxy_fleet                   # 10 machines, in-process devnet
//! cargo run -p peaqos-sdk --example proxy_fleet -- --machines 25
//! PEAQOS_RPC_URL=… PEAQOS_PRIVATE_KEY=… IDENTITY_REGISTRY_ADDRESS=… … \
//!     cargo run -p peaqos-sdk --example proxy_fleet -- --machines 3  # an existing chain
//! ```
//!
//! Without `PEAQOS_RPC_URL` the example starts an in-process devnet and uses its dev account 1
//! as the proxy; with it, the proxy is `PeaqosClient::from_env()` (the same variables as the
//! official SDK's `from_env`).
//!
//! 1. The proxy registers itself (or reuses its machine id).
//! 2. For every machine (a fresh random key), concurrently: the proxy `register_for`s it
//!    (paying the bond), mints its Machine NFT to it, and sends it gas money (`--fund-wei`,
//!    default 0.1 PEAQ).
//! 3. Every machine, concurrently, writes its six DID attributes with
//!    `operator = did:peaq:<proxy>`.
//! 4. The proxy writes its own DID: `machineId` and `machines = [id, id, …]`.
//! 5. Everything is read back, then a summary and the wall time are printed.
//!
//! A proxy lists its machines once (peaqOS writes DID attributes with `addAttribute` only), so
//! the example refuses a proxy whose DID already has `machines`. On a real chain the generated
//! machine keys are not kept: whatever gas money is left on them after the run is lost. Use a
//! small `--fund-wei`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::{Duration, Instant};

use alloy::primitives::{Address, Bytes, U256};
use peaqos_devnet::{Devnet, DevnetConfig};
use peaqos_sdk::{
    Error,
    client::{ClientConfig, PeaqosClient},
    signer::{PrivateKey, Signer},
};
use peaqos_types::{DataVisibility, Did, constants::MACHINE_DID_ATTRIBUTES};
use tokio::task::JoinSet;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const USAGE: &str = "usage: proxy_fleet [--machines N] [--fund-wei WEI]\n\
    \n\
    --machines N     fleet size (default 10, at most 400)\n\
    --fund-wei WEI   gas money the proxy sends each machine (default 100000000000000000)\n\
    \n\
    Uses PEAQOS_RPC_URL & co. when set, else an in-process devnet.";

struct Args {
    machines: usize,
    fund_wei: U256,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        machines: 10,
        fund_wei: U256::from(10u64).pow(U256::from(17u64)),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f.to_owned(), Some(v.to_owned())),
            None => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or(format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--machines" | "-n" => {
                let v = value()?;
                args.machines = v
                    .parse()
                    .map_err(|_| format!("--machines: not a number: {v}"))?;
            }
            "--fund-wei" => {
                let v = value()?;
                args.fund_wei = v
                    .parse()
                    .map_err(|_| format!("--fund-wei: not a number: {v}"))?;
            }
            "--help" | "-h" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    // `machines` is one DID value of at most 2560 bytes: a few hundred ids.
    if args.machines == 0 || args.machines > 400 {
        return Err("--machines must be between 1 and 400".to_owned());
    }
    Ok(args)
}

/// One onboarded machine.
struct Machine {
    key: PrivateKey,
    machine_id: U256,
    token_id: U256,
}

/// Step 2 for one machine, from a clone of the proxy's client.
async fn onboard(proxy: PeaqosClient, key: PrivateKey, fund_wei: U256) -> Result<Machine, Error> {
    let address = key.address();
    let machine_id = proxy.register_for(address).await?;
    proxy.mint_nft(machine_id, address).await?;
    let token_id = proxy.token_id_of(machine_id).await?;
    if !fund_wei.is_zero() {
        proxy.send_call(address, Bytes::new(), fund_wei).await?;
    }
    Ok(Machine {
        key,
        machine_id,
        token_id,
    })
}

/// Step 3 for one machine, with its own client.
async fn write_machine_did(
    client: PeaqosClient,
    m: (U256, U256),
    operator: String,
) -> Result<(), Error> {
    let (machine_id, token_id) = m;
    let docs = format!("https://fleet.example.com/machines/{machine_id}");
    let api = format!("https://fleet.example.com/api/v1/machines/{machine_id}");
    client
        .write_machine_did_attributes(
            machine_id,
            token_id,
            Some(&operator),
            &docs,
            &api,
            DataVisibility::Public,
        )
        .await
        .map(|_| ())
}

async fn run(args: Args) -> Result<(), BoxError> {
    let started = Instant::now();
    let mut devnet = None;
    let proxy = if std::env::var("PEAQOS_RPC_URL").is_ok_and(|v| !v.is_empty()) {
        PeaqosClient::from_env()?
    } else {
        let net = Devnet::spawn(DevnetConfig::ephemeral()).await?;
        let contracts = net
            .deployment
            .as_ref()
            .ok_or("the devnet has no deployment")?
            .contract_addresses();
        let signer = Signer::from(net.accounts[1].signer());
        let client = PeaqosClient::new(ClientConfig::new(net.url.clone(), signer, contracts))?;
        println!(
            "in-process devnet at {} (chain id {})",
            net.url, net.chain_id
        );
        devnet = Some(net);
        client
    };
    let rpc_url = proxy.rpc_url().to_owned();
    let contracts = *proxy.contracts();
    let proxy_did = Did::new(proxy.address()).to_string();
    println!("proxy {proxy_did}, onboarding {} machines", args.machines);

    // peaqOS writes DID attributes with `addAttribute` only: a proxy lists its machines once.
    if let Some(listed) = proxy.read_attribute(proxy.address(), "machines").await? {
        return Err(format!(
            "the proxy's DID already lists machines {} (DID attributes are written once); use \
             another proxy key",
            listed.value
        )
        .into());
    }

    // 1. The proxy's own machine id.
    let t = Instant::now();
    let proxy_id = match proxy.machine_id_of(proxy.address()).await? {
        id if !id.is_zero() => id,
        _ => proxy.register_machine().await?,
    };
    println!("  proxy machine id {proxy_id} ({:.2?})", t.elapsed());

    // 2. Register, mint and fund every machine, concurrently (the client's nonce manager
    //    orders the proxy's transactions).
    let t = Instant::now();
    let mut tasks = JoinSet::new();
    for index in 0..args.machines {
        let proxy = proxy.clone();
        let fund = args.fund_wei;
        tasks.spawn(async move { (index, onboard(proxy, PrivateKey::random(), fund).await) });
    }
    let mut fleet: Vec<Option<Machine>> = (0..args.machines).map(|_| None).collect();
    while let Some(joined) = tasks.join_next().await {
        let (index, result) = joined?;
        fleet[index] =
            Some(result.map_err(|e| format!("onboarding machine #{index}: {e} ({})", e.code()))?);
    }
    let mut fleet: Vec<Machine> = fleet.into_iter().flatten().collect();
    fleet.sort_by_key(|m| m.machine_id);
    println!(
        "  registered, minted and funded {} machines ({:.2?}, {} proxy transactions)",
        fleet.len(),
        t.elapsed(),
        fleet.len() * if args.fund_wei.is_zero() { 2 } else { 3 }
    );

    // 3. Every machine writes its DID (one batch transaction each), concurrently.
    let t = Instant::now();
    let mut tasks = JoinSet::new();
    for m in &fleet {
        let config = ClientConfig::new(rpc_url.clone(), m.key.signer(), contracts);
        let client = PeaqosClient::new(config)?;
        let operator = proxy_did.clone();
        let ids = (m.machine_id, m.token_id);
        tasks.spawn(async move { (ids.0, write_machine_did(client, ids, operator).await) });
    }
    while let Some(joined) = tasks.join_next().await {
        let (machine_id, result) = joined?;
        result.map_err(|e| format!("DID of machine {machine_id}: {e} ({})", e.code()))?;
    }
    println!(
        "  {} machine DIDs written, 6 attributes each ({:.2?})",
        fleet.len(),
        t.elapsed()
    );

    // 4. The proxy's DID lists its machines.
    let t = Instant::now();
    let ids: Vec<U256> = fleet.iter().map(|m| m.machine_id).collect();
    let tx = proxy.write_proxy_did_attributes(proxy_id, &ids).await?;
    println!("  proxy DID written in {tx} ({:.2?})", t.elapsed());

    // 5. Read everything back.
    let t = Instant::now();
    let machines = proxy
        .read_attribute(proxy.address(), "machines")
        .await?
        .ok_or("the proxy's machines attribute is missing")?;
    let listed: Vec<U256> = serde_json::from_str::<Vec<u64>>(&machines.value)
        .map(|v| v.into_iter().map(U256::from).collect())
        .map_err(|e| format!("machines is not a JSON list: {e}: {}", machines.value))?;
    if listed != ids {
        return Err(format!("the proxy lists {listed:?}, expected {ids:?}").into());
    }
    println!();
    println!(
        "  {:>10}  {:>8}  {:<42}  operator",
        "machine id", "token id", "address"
    );
    for m in &fleet {
        let address: Address = m.key.address();
        let mut values = Vec::with_capacity(MACHINE_DID_ATTRIBUTES.len());
        for name in MACHINE_DID_ATTRIBUTES {
            let attr = proxy
                .read_attribute(address, name)
                .await?
                .ok_or_else(|| format!("machine {}: {name} missing", m.machine_id))?;
            values.push(attr.value);
        }
        if values[0] != m.machine_id.to_string()
            || values[1] != m.token_id.to_string()
            || values[2] != proxy_did
        {
            return Err(format!("machine {}: unexpected DID {values:?}", m.machine_id).into());
        }
        println!(
            "  {:>10}  {:>8}  {address:<42}  {}",
            m.machine_id, m.token_id, values[2]
        );
    }
    println!();
    println!(
        "  read back {} DIDs and the proxy's list ({:.2?})",
        fleet.len() + 1,
        t.elapsed()
    );
    println!("proxy machines = {}", machines.value);
    let what = if devnet.is_some() {
        ", including the devnet start"
    } else {
        ""
    };
    println!(
        "onboarded {} machines in {:.2?} (wall time{what})",
        fleet.len(),
        started.elapsed()
    );
    if let Some(net) = devnet {
        tokio::time::timeout(Duration::from_secs(10), net.shutdown()).await??;
    }
    Ok(())
}

#[tokio::main]
async fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(why) => {
            if !why.is_empty() {
                eprintln!("proxy_fleet: {why}\n");
            }
            eprintln!("{USAGE}");
            std::process::exit(if why.is_empty() { 0 } else { 2 });
        }
    };
    if let Err(e) = run(args).await {
        eprintln!("proxy_fleet: {e}");
        std::process::exit(1);
    }
}
