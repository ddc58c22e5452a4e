//! Benchmark for `docs/cli.md`: wall time of `peaqos activate` (self-managed, `--skip-funding`,
//! a fresh funded key each run) with our CLI and with the official `peaq-os-cli==0.0.2`,
//! against the same in-process local stack, runs interleaved; prints every run, the medians
//! and the ratio.
//!
//! ```sh
//! cargo build --release -p peaqos-cli --bins --examples
//! PEAQOS_INTEROP_PEAQOS_CLI=.venv-interop/bin/peaqos \
//!   target/release/examples/bench_activate            # BENCH_RUNS=7 for more runs
//! ```
//!
//! Our binary is `PEAQOS_BIN`, else `peaqos` next to the examples folder (the same profile).
#![allow(clippy::print_stdout)] // the figures are the output

use std::{
    path::PathBuf,
    process::Command,
    time::{Duration, Instant},
};

use alloy::primitives::{Bytes, U256};
use peaqos_sdk::{ClientConfig, NetworkConfig, PeaqosClient};
use peaqos_stack::{LocalStack, StackConfig};

const PEAQ: u128 = 1_000_000_000_000_000_000;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let ours = match std::env::var("PEAQOS_BIN") {
        Ok(p) => PathBuf::from(p),
        Err(_) => std::env::current_exe()?
            .parent()
            .and_then(|p| p.parent())
            .map(|p| p.join("peaqos"))
            .ok_or("cannot locate the peaqos binary; set PEAQOS_BIN")?,
    };
    if !ours.exists() {
        return Err(format!(
            "{} not found: cargo build --release -p peaqos-cli --bins",
            ours.display()
        )
        .into());
    }
    let official = std::env::var("PEAQOS_INTEROP_PEAQOS_CLI").ok();
    if official.is_none() {
        println!("PEAQOS_INTEROP_PEAQOS_CLI is not set: timing our CLI only");
    }

    let stack = LocalStack::start(StackConfig::ephemeral(), |_| {}).await?;
    let funder = PeaqosClient::new(ClientConfig::new(
        NetworkConfig::new(&stack.devnet.url, stack.contracts()),
        peaqos_sdk::Signer::from(stack.devnet.accounts[3].signer()),
    ))?;
    let env_text = stack.env_file();
    let vars: Vec<(String, String)> = env_text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .filter(|(k, _)| *k != "PEAQOS_PRIVATE_KEY")
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let args = [
        "activate",
        "--skip-funding",
        "--doc-url",
        "https://bench.example/docs",
        "--data-api",
        "https://bench.example/api",
    ];

    let mut times: [Vec<Duration>; 2] = [Vec::new(), Vec::new()];
    println!(
        "peaqos activate (self-managed, --skip-funding, fresh key), {runs} runs each, interleaved"
    );
    for run in 1..=runs {
        for (which, bin) in [Some(ours.display().to_string()), official.clone()]
            .into_iter()
            .enumerate()
        {
            let Some(bin) = bin else { continue };
            let (address, key) = PeaqosClient::generate_keypair();
            funder
                .send_call(address, Bytes::new(), U256::from(3 * PEAQ))
                .await?;
            let dir = tempfile::tempdir()?;
            let mut cmd = Command::new(&bin);
            cmd.args(args)
                .current_dir(dir.path())
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("HOME", dir.path())
                .env("DO_NOT_TRACK", "1")
                .env("PEAQOS_TELEMETRY", "0");
            if which == 0 {
                // Ours reads ./.env (the official CLI does not look there: a known bug).
                std::fs::write(
                    dir.path().join(".env"),
                    format!("{env_text}PEAQOS_PRIVATE_KEY={}\n", key.to_hex()),
                )?;
            } else {
                cmd.envs(vars.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                cmd.env("PEAQOS_PRIVATE_KEY", key.to_hex());
            }
            let started = Instant::now();
            let out = tokio::task::spawn_blocking(move || cmd.output()).await??;
            let took = started.elapsed();
            if !out.status.success() {
                return Err(format!(
                    "{bin} failed: {}\n{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                )
                .into());
            }
            if funder.machine_id_of(address).await?.is_zero() {
                return Err(format!("{bin} did not register {address}").into());
            }
            println!(
                "  run {run}  {:<8} {:>8.1} ms",
                ["ours", "official"][which],
                took.as_secs_f64() * 1e3
            );
            times[which].push(took);
        }
    }
    let ours_median = median(times[0].clone());
    println!(
        "median ours:     {:>8.1} ms",
        ours_median.as_secs_f64() * 1e3
    );
    if !times[1].is_empty() {
        let official_median = median(times[1].clone());
        println!(
            "median official: {:>8.1} ms",
            official_median.as_secs_f64() * 1e3
        );
        println!(
            "ratio (official / ours): {:.1}x",
            official_median.as_secs_f64() / ours_median.as_secs_f64()
        );
    }
    stack.shutdown().await?;
    Ok(())
}
