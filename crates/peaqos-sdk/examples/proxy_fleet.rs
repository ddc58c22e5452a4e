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
//!
//! Steps 1-4 are one SDK call, `PeaqosClient::onboard_fleet`.
//! 5. Everything is read back, then a summary and the wall time are printed.
//!
//! A proxy lists its machines once (peaqOS writes DID attributes with `addAttribute` only), so
//! the example refuses a proxy whose DID already has `machines`. On a real chain the generated
//! machine keys are not kept: whatever gas money is left on them after the run is lost. Use a
//! small `--fund-wei`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::{Duration, Instant};

use alloy::primitives::{Address, U256};
use peaqos_devnet::{Devnet, DevnetConfig};
use peaqos_sdk::{
    client::{ClientConfig, NetworkConfig, PeaqosClient},
    fleet::{FleetMachine, FleetOptions},
    signer::Signer,
};
use peaqos_types::{DataVisibility, Did, constants::MACHINE_DID_ATTRIBUTES};

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
        let client = PeaqosClient::new(ClientConfig::new(
            NetworkConfig::new(net.url.clone(), contracts),
            signer,
        ))?;
        println!(
            "in-process devnet at {} (chain id {})",
            net.url, net.chain_id
        );
        devnet = Some(net);
        client
    };
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

    // 1-4. The proxy registers (if needed), registers, mints and funds every machine
    //      concurrently (the client's nonce manager orders its transactions), every machine
    //      writes its DID, the proxy lists them: `PeaqosClient::onboard_fleet`.
    let t = Instant::now();
    let specs: Vec<FleetMachine> = (0..args.machines)
        .map(|_| {
            FleetMachine::generate(
                "https://fleet.example.com/machines",
                "https://fleet.example.com/api/v1/machines",
                DataVisibility::Public,
            )
        })
        .collect();
    let options = FleetOptions {
        fund_wei: args.fund_wei,
    };
    let report = proxy.onboard_fleet(&specs, options).await?;
    let fleet = report.machines;
    let ids: Vec<U256> = fleet.iter().map(|m| m.machine_id).collect();
    println!(
        "  proxy machine id {}; {} machines registered, minted, funded, DIDs written, proxy DID \
         {} ({:.2?})",
        report.proxy_machine_id,
        fleet.len(),
        report
            .proxy_did_tx
            .map_or_else(|| "unchanged".to_owned(), |tx| format!("written in {tx}")),
        t.elapsed()
    );

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
        let address: Address = m.address;
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
